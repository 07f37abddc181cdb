"""grad, value_and_grad, jvp, vjp, jacfwd, jacrev, hessian: JAX's signatures, minigrad's sweeps.

Each transformation is thin: flatten the arguments, record the function once, run the
forward or reverse interpreter over the recorded graph (once per seed direction), and
rebuild the results in the arguments' structure.  Nested transformations each record
their own graph; the inner one's sweep is recorded by the outer one as ordinary
operations, so they compose to any order.  Nothing survives between calls.
"""

from __future__ import annotations

import functools
import math
from numbers import Number
from typing import Any, Callable, Sequence

import numpy as np

from .errors import TransformError
from .graph import Graph, Variable, concrete, gc_paused, parameter_names, record
from .modes import batched_forward_sweep, forward_sweep, reverse_sweep
from .pytree import flatten, leaf_paths, tree_map, unflatten
from .primitives import Primitive, astype, concatenate, reshape, stack, transpose


def _argnums_tuple(argnums, nargs: int, fname: str) -> tuple[int, ...]:
    if type(argnums) is int and 0 <= argnums < nargs:  # the commonest case, checked cheaply
        return (argnums,)
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums) if isinstance(argnums, (tuple, list)) else ()
    if not nums or not all(isinstance(i, int) for i in nums):
        raise TransformError(f"{fname}: argnums must be an int or a non-empty tuple of ints, got "
                             f"{argnums!r}. Fix: e.g. argnums=0 or argnums=(0, 1).")
    for i in nums:
        if not -nargs <= i < nargs:
            raise TransformError(
                f"{fname}: argnums={argnums!r} refers to positional argument {i}, but the "
                f"function was called with {nargs} positional argument(s). Fix: pass the "
                f"argument to differentiate positionally, or change argnums."
            )
    normal = tuple(i % nargs for i in nums)
    if len(set(normal)) != len(normal):  # as JAX: one gradient per argument, never a silent 0
        twice = next(i for i in normal if normal.count(i) > 1)
        raise TransformError(f"{fname}: argnums={argnums!r} names positional argument {twice} "
                             f"more than once. Fix: list each argument once.")
    return normal


def _check_inexact(tree, name: str, fname: str) -> None:
    """Differentiable inputs must be floating point, as in JAX."""
    if type(tree) is float:
        return
    leaves = flatten(tree)[0]
    if all(type(leaf) is float or (type(leaf) is np.ndarray and leaf.dtype.kind in "fc") for leaf in leaves):
        return  # the common cases, decided without NumPy's type promotion
    for leaf, path in zip(leaves, leaf_paths(tree)):
        value = concrete(leaf)
        kind = type(value)
        if kind.__module__.split(".")[0] in ("jax", "jaxlib"):
            raise TransformError(
                f"{fname}: argument '{name}{path}' is a JAX array ({kind.__name__}); minigrad "
                f"differentiates floats and NumPy arrays. Fix: pass np.asarray({name}), or "
                f"differentiate with jaxbridge.{fname}."
            )
        if not isinstance(value, (Number, np.generic, np.ndarray)):  # "f8" would pass as a dtype
            raise TransformError(
                f"{fname}: argument '{name}{path}' is a {kind.__name__} ({value!r:.40}), which "
                f"cannot be differentiated. Fix: pass a float or a NumPy float array, or leave "
                f"it out of argnums."
            )
        dtype = np.result_type(value)
        if not np.issubdtype(dtype, np.inexact):
            example = f"{float(value)!r}" if np.ndim(value) == 0 else "x.astype(float)"
            raise TransformError(
                f"{fname} requires floating-point inputs, but argument '{name}{path}' has "
                f"dtype {dtype}. Fix: pass {example} instead, or leave it out of argnums."
            )


def _record(f: Callable, args: Sequence, argnums: tuple[int, ...], fname: str):
    names = parameter_names(f, len(args))
    for i in argnums:
        _check_inexact(args[i], names[i], fname)
    return record(f, args, argnums, names)


def _is_complex(x) -> bool:
    kind = type(x)
    if kind is float or kind is np.float64:  # the common cases, decided without a call
        return False
    if kind is np.ndarray:
        return x.dtype.kind == "c"
    value = concrete(x)
    return type(value) is complex or (isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind == "c")


def _dtype_name(x) -> str:
    return np.result_type(concrete(x)).name


def _refuse_non_holomorphic(graph: Graph, fname: str) -> None:
    """Complex values may only pass through entries whose rules hold on them
    (``Primitive.holomorphic``): the others' rules have no complex conjugation, so they
    would give a number that is not JAX's.  One scan per transformation, not per sweep."""
    trace = graph._trace
    for v in graph.variables:
        prim = v.prim
        if prim is None or prim.holomorphic is True:
            continue
        if prim.holomorphic and prim.holomorphic(**v.params):
            continue
        if _is_complex(v.value) or any(type(x) is Variable and x.trace is trace and _is_complex(x.value)
                                       for x in v.inputs):
            raise TransformError(
                f"{fname}: '{prim.name}' (v{v.index + 1} of the trace) is applied to a complex value, and minigrad's rule for "
                f"it has no complex conjugation (only holomorphic operations are differentiated "
                f"on complex numbers). Fix: write the function on real and imaginary parts as "
                f"separate real arrays, or differentiate it with "
                f"{'jax.linearize' if fname == 'linearize' else 'jaxbridge.' + fname}."
            )


def _check_complex(fname: str, f: Callable, holomorphic: bool, inputs: list, outs: list,
                   reverse: bool) -> None:
    """JAX's dtype rules for ``holomorphic``, and minigrad's one refusal beyond them: a complex
    input of a real-valued function (JAX's gradient df/dx - i df/dy needs conjugation)."""
    entry = getattr(f, "__self__", None)  # mnp.sin is its table entry's bound ``bind``
    what = f"the output of {entry.name if isinstance(entry, Primitive) else getattr(f, '__name__', 'the function')}"
    if holomorphic:
        for v in inputs:
            if not _is_complex(v.value):
                raise TransformError(
                    f"{fname} with holomorphic=True requires inputs with complex dtype, but "
                    f"argument '{v.name}' has dtype {_dtype_name(v.value)}. Fix: pass a complex "
                    f"value (x + 0j), or drop holomorphic=True for a real function.")
        for o in outs:
            if not _is_complex(o):
                raise TransformError(
                    f"{fname} with holomorphic=True requires outputs with complex dtype, but "
                    f"{what} has dtype {_dtype_name(o)}. Fix: drop holomorphic=True (a real "
                    f"output of a complex input is not holomorphic).")
        return
    if reverse:
        for o in outs:
            if _is_complex(o):
                raise TransformError(
                    f"{fname} requires real-valued outputs, but {what} has dtype "
                    f"{_dtype_name(o)}. Fix: pass holomorphic=True for a holomorphic function "
                    f"(the result is f'(z)), or use vjp for a cotangent of your choice.")
    for v in inputs:
        if _is_complex(v.value):
            if not reverse:
                raise TransformError(
                    f"{fname} requires real-valued inputs, but argument '{v.name}' has dtype "
                    f"{_dtype_name(v.value)}. Fix: pass holomorphic=True for a holomorphic "
                    f"function (the result is f'(z)), or use jvp.")
            raise TransformError(
                f"{fname}: argument '{v.name}' is complex ({_dtype_name(v.value)}) and {what} is "
                f"real; minigrad cannot differentiate a complex-to-real function (JAX's answer, "
                f"df/dx - i df/dy, needs conjugation, which its rules lack). Fix: pass the real "
                f"and imaginary parts as separate real arguments, or use jaxbridge.{fname}.")


def _split_aux(out, has_aux: bool, fname: str):
    if not has_aux:
        return out, None
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TransformError(
            f"{fname}(..., has_aux=True) expects the function to return a pair "
            f"(output, aux), but it returned {type(out).__name__}. Fix: return "
            f"(value, aux) or set has_aux=False."
        )
    return out[0], out[1]


def _value_of(graph: Graph, x):
    """What a traced output is worth outside this graph (its value; constants as they are)."""
    return x.value if graph.owns(x) else x


def _strip(graph: Graph, tree):
    return tree_map(lambda x: _value_of(graph, x), tree)


# JAX's dtype of the tangent of a boolean value (a comparison returned): one with no data
FLOAT0 = np.dtype([("float0", np.void, 0)])


def zeros_like(x):
    """The zero tangent or cotangent of ``x``: 0.0 for a float, ``FLOAT0`` zeros for booleans
    (as JAX's), else a float array of its shape."""
    value = concrete(x)
    if type(value) is float:
        return 0.0
    dtype = np.result_type(value)
    return np.zeros(np.shape(value), dtype=FLOAT0 if dtype == bool else np.result_type(dtype, np.float32))


def _ones_like(x):
    value = concrete(x)
    if isinstance(value, (int, float, complex)):  # (NEP 50 would make a Python complex complex64)
        return 1.0
    return np.ones(np.shape(value), dtype=np.result_type(value, np.float32))


def _writable(x):
    """A derivative the caller may write to: a read-only broadcast view (the gradient of a
    sum is one, its rule broadcasts the cotangent) becomes an array of its own."""
    return x.copy() if type(x) is np.ndarray and not x.flags.writeable else x


def _real_adjoint(a, v: Variable):
    """The cotangent of a real input reached by a complex one is its real part: JAX's
    convention, the transpose of x -> x + 0j (f(x) = x * 1j has vjp ct -> Re(ct * 1j))."""
    if type(a) is float or _is_complex(v.value) or not _is_complex(a):
        return a
    if isinstance(a, Variable):  # traced by an outer transformation, which refuses astype on complex
        return astype(a, dtype=_dtype_name(v.value))
    return np.real(a).astype(_dtype_name(v.value))[()] if type(v.value) is not float else float(np.real(a))


def _gather(graph: Graph, adjoints: list, wrapped):
    """Adjoints of the input variables, in the inputs' pytree structure (zeros where unused)."""
    def pick(v):
        a = adjoints[v.index]
        if a is None:
            return zeros_like(v.value)
        return a if type(a) is float else _writable(_real_adjoint(a, v))  # floats, the common case, need no call

    return [pick(w) if type(w) is Variable else tree_map(pick, w) for w in wrapped]


def _seed_outputs(graph: Graph, outs: list, cotangents: list) -> dict:
    seeds: dict = {}
    for o, ct in zip(outs, cotangents):
        if graph.owns(o):
            seeds[o.index] = ct if o.index not in seeds else seeds[o.index] + ct
    return seeds


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   holomorphic: bool = False) -> Callable:
    """Like ``jax.value_and_grad``: ``(value, gradient)`` of a scalar function by reverse mode.
    With ``holomorphic=True``, of a complex function of complex inputs: f'(z), as JAX."""

    @functools.wraps(f)
    @gc_paused
    def value_and_grad_f(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "grad")
        graph, out, wrapped = _record(_bind_kwargs(f, kwargs), args, nums, "grad")
        out, aux = _split_aux(out, has_aux, "grad")
        result = concrete(out)
        shape = () if type(result) is float else np.shape(result) if _is_array_like(result) else None
        if shape != ():
            what = f"shape {shape}" if shape is not None else f"a {type(result).__name__}"
            raise TransformError(
                f"grad requires the function to return a scalar, but it returned {what}. "
                f"Fix: reduce the output (mnp.sum, mnp.mean), or use jacrev or vjp for "
                f"non-scalar outputs."
            )
        _check_complex("grad", f, holomorphic, flatten(wrapped)[0], [result], reverse=True)
        _refuse_non_holomorphic(graph, "grad")
        adjoints = reverse_sweep(graph, _seed_outputs(graph, [out], [_ones_like(out)]))
        grads = _gather(graph, adjoints, wrapped)
        grads = grads[0] if isinstance(argnums, int) else tuple(grads)
        value = _value_of(graph, out)
        return ((value, _strip(graph, aux)) if has_aux else value), grads

    return value_and_grad_f


def grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
         holomorphic: bool = False) -> Callable:
    """Like ``jax.grad``: the gradient of a scalar function, by one reverse sweep
    (``holomorphic=True``: the complex derivative f'(z), as JAX)."""
    vg = value_and_grad(f, argnums, has_aux, holomorphic)

    @functools.wraps(f)
    def grad_f(*args, **kwargs):
        value_aux, grads = vg(*args, **kwargs)
        return (grads, value_aux[1]) if has_aux else grads

    return grad_f


def _is_array_like(x) -> bool:
    return isinstance(x, (int, float, complex, np.ndarray, np.generic))


def _bind_kwargs(f: Callable, kwargs: dict) -> Callable:
    if not kwargs:
        return f

    @functools.wraps(f)
    def f_with_kwargs(*args):
        return f(*args, **kwargs)

    return f_with_kwargs


def _check_primals(primals, fname: str) -> tuple:
    if not isinstance(primals, (tuple, list)):
        raise TransformError(
            f"{fname}: primals must be a tuple or list of arguments, got "
            f"{type(primals).__name__}. Fix: write {fname}(f, (x,), ...) with a trailing comma."
        )
    return tuple(primals)


@gc_paused
def jvp(f: Callable, primals: Sequence, tangents: Sequence) -> tuple[Any, Any]:
    """Like ``jax.jvp``: ``(f(*primals), J @ tangents)`` by one forward sweep."""
    primals = _check_primals(primals, "jvp")
    tangents = _check_primals(tangents, "jvp")
    if len(primals) != len(tangents):
        raise TransformError(
            f"jvp: got {len(primals)} primal(s) but {len(tangents)} tangent(s). Fix: give "
            f"one tangent per primal, of the same shape."
        )
    graph, out, wrapped = _record(f, primals, tuple(range(len(primals))), "jvp")
    inputs, _ = flatten(wrapped)
    t_leaves, t_tree = flatten(list(tangents))
    if len(t_leaves) != len(inputs) or t_tree != flatten(list(primals))[1]:
        raise TransformError("jvp: tangents must have the same pytree structure as primals.")
    seeds = {}
    for v, t in zip(inputs, t_leaves):
        if np.shape(concrete(t)) != np.shape(concrete(v.value)):
            raise TransformError(
                f"jvp: the tangent for '{v.name}' has shape {np.shape(concrete(t))}, but the "
                f"primal has shape {np.shape(concrete(v.value))}. Fix: give a tangent of the "
                f"primal's shape."
            )
        if _is_complex(t) and not _is_complex(v.value):  # JAX: tangent dtypes are the primals'
            raise TransformError(
                f"jvp: the tangent for '{v.name}' is complex ({_dtype_name(t)}), but the primal "
                f"is real ({_dtype_name(v.value)}). Fix: give a real tangent, or a complex "
                f"primal (x + 0j).")
        seeds[v.index] = t
    _refuse_non_holomorphic(graph, "jvp")
    tangents_all = forward_sweep(graph, seeds)

    def tangent_of(o):
        t = tangents_all[o.index] if graph.owns(o) else None
        return zeros_like(_value_of(graph, o)) if t is None else _writable(t)

    return _strip(graph, out), tree_map(tangent_of, out)


def _jax_type(x) -> str:
    """``float64[2,3]``: how JAX names a value's type in its messages."""
    return f"{np.result_type(x).name}[{','.join(map(str, np.shape(x)))}]"


def _check_cotangent(out, ct, k: int, n: int) -> None:
    """Refuse a cotangent whose shape, or (for a float or complex output) dtype, is not the
    output's, as JAX: never broadcast or cast it silently (a float32 cotangent of a float64
    output, a real one of a complex output).  Python floats are float64, complexes complex128."""
    want, got = _jax_type(out), _jax_type(ct)
    same_dtype = np.result_type(out).kind not in "fc" or np.result_type(out) == np.result_type(ct)
    if np.shape(out) != np.shape(ct) or not same_dtype:
        which = "the output" if n == 1 else f"output {k} (of {n})"
        raise TransformError(
            f"vjp_fn: cotangent of type {got} for {which} of type {want}. Fix: give a "
            f"cotangent of the output's shape and dtype ({want})."
        )


@gc_paused
def vjp(f: Callable, *primals, has_aux: bool = False):
    """Like ``jax.vjp``: ``(f(*primals), vjp_fn)``; ``vjp_fn(ct)`` runs one reverse sweep."""
    graph, out, wrapped = _record(f, primals, tuple(range(len(primals))), "vjp")
    out, aux = _split_aux(out, has_aux, "vjp")
    out_leaves, out_tree = flatten(out)
    _refuse_non_holomorphic(graph, "vjp")

    @gc_paused
    def vjp_fn(cotangent):
        ct_leaves, ct_tree = flatten(cotangent)
        if ct_tree != out_tree:
            raise TransformError(
                "vjp_fn: the cotangent must have the same structure as the function's "
                "output. Fix: pass one cotangent per output, of the same shape."
            )
        for k, (o, ct) in enumerate(zip(out_leaves, ct_leaves)):
            _check_cotangent(concrete(o), concrete(ct), k, len(out_leaves))
        adjoints = reverse_sweep(graph, _seed_outputs(graph, out_leaves, ct_leaves))
        return tuple(_gather(graph, adjoints, wrapped))

    result = _strip(graph, out)
    return (result, vjp_fn, _strip(graph, aux)) if has_aux else (result, vjp_fn)


def _basis(value, k: int):
    """The k-th unit vector in the space of ``value`` (a float for scalars)."""
    v = concrete(value)
    if np.ndim(v) == 0:  # (a float32 output keeps float32 cotangents: the dtype policy)
        return 1.0 if isinstance(v, (int, float, complex)) else np.result_type(v, np.float32).type(1.0)
    e = np.zeros(np.shape(v), dtype=np.result_type(v, np.float32))
    e.flat[k] = 1.0
    return e


def _assemble(columns: list, out_shape: tuple, in_shape: tuple, axis_first: bool):
    """Stack per-direction results into a Jacobian block of shape out_shape + in_shape."""
    if not columns:  # an empty input or output: no direction to sweep, an empty block (as JAX)
        return np.zeros(tuple(out_shape) + tuple(in_shape))
    if axis_first:  # reverse mode: one row per output element, each of in_shape
        block = stack(*columns, axis=0) if len(columns) > 1 else reshape(columns[0], shape=(1,) + tuple(in_shape))
    else:  # forward mode: one column per input element, each of out_shape
        block = stack(*columns, axis=len(out_shape)) if len(columns) > 1 else reshape(columns[0], shape=tuple(out_shape) + (1,))
    return reshape(block, shape=tuple(out_shape) + tuple(in_shape))


#: How many tangent elements one batched sweep may hold (128 MB of float64): ``jacfwd``
#: sweeps its columns in chunks that fit, so a wide Jacobian does not exhaust memory.
BATCH_ELEMENTS = 2 ** 24


def _columns_at_once(graph: Graph, v: Variable, outs: list, in_shape: tuple, out_shapes: list) -> list:
    """The Jacobian of each output in input ``v``, by batched forward sweeps whose directions
    are the columns of the identity: all at once, or in chunks of as many as
    ``BATCH_ELEMENTS`` allows for this graph's tangents."""
    n = math.prod(in_shape)
    dtype = np.result_type(concrete(v.value), np.float32)
    per_direction = sum(np.size(concrete(w.value)) for w in graph.variables)
    chunk = max(1, min(n, BATCH_ELEMENTS // max(per_direction, 1)))
    parts: list[list] = [[] for _ in outs]
    for start in range(0, n, chunk):
        size = min(n, start + chunk) - start
        seeds = np.zeros((size, n), dtype)
        seeds[np.arange(size), np.arange(start, start + size)] = 1
        tangents = batched_forward_sweep(graph, {v.index: seeds.reshape((size,) + tuple(in_shape))}, size)
        for m, o in enumerate(outs):
            parts[m].append(tangents[o.index] if graph.owns(o) else None)
    blocks = []
    for m, o in enumerate(outs):
        shape = tuple(out_shapes[m]) + tuple(in_shape)
        if parts[m][0] is None:  # (whether a tangent is zero depends on the graph, not the seed)
            blocks.append(np.zeros(shape, dtype=np.result_type(concrete(o), np.float32)))
            continue
        t = parts[m][0] if len(parts[m]) == 1 else concatenate(*parts[m], axis=0)
        k = len(out_shapes[m])  # (n, *out_shape) -> (*out_shape, n) -> out_shape + in_shape
        blocks.append(reshape(transpose(t, axes=tuple(range(1, k + 1)) + (0,)), shape=shape))
    return blocks


def _jacobian(f, argnums, has_aux, holomorphic: bool, fname: str, forward: bool):
    @functools.wraps(f)
    @gc_paused
    def jac_f(*args):
        nums = _argnums_tuple(argnums, len(args), fname)
        graph, out, wrapped = _record(f, args, nums, fname)
        out, aux = _split_aux(out, has_aux, fname)
        inputs, in_tree = flatten(wrapped)
        outs, out_tree = flatten(out)
        _check_complex(fname, f, holomorphic, inputs, outs, reverse=not forward)
        _refuse_non_holomorphic(graph, fname)
        in_shapes = [np.shape(concrete(v.value)) for v in inputs]
        out_shapes = [np.shape(concrete(o)) for o in outs]
        blocks = [[None] * len(inputs) for _ in outs]  # blocks[output][input]
        if forward:
            for j, v in enumerate(inputs):
                if math.prod(in_shapes[j]) > 1:  # all columns in one sweep
                    for m, block in enumerate(_columns_at_once(graph, v, outs, in_shapes[j], out_shapes)):
                        blocks[m][j] = block
                    continue
                cols = [[] for _ in outs]
                for k in range(math.prod(in_shapes[j])):
                    tangents = forward_sweep(graph, {v.index: _basis(v.value, k)})
                    for m, o in enumerate(outs):
                        t = tangents[o.index] if graph.owns(o) else None
                        cols[m].append(zeros_like(o) if t is None else t)
                for m in range(len(outs)):
                    blocks[m][j] = _assemble(cols[m], out_shapes[m], in_shapes[j], axis_first=False)
        else:
            for m, o in enumerate(outs):
                rows = [[] for _ in inputs]
                for k in range(math.prod(out_shapes[m])):
                    seeds = {o.index: _basis(o, k)} if graph.owns(o) else {}
                    adjoints = reverse_sweep(graph, seeds)
                    for j, v in enumerate(inputs):
                        a = adjoints[v.index]
                        rows[j].append(zeros_like(v.value) if a is None else a)
                for j in range(len(inputs)):
                    blocks[m][j] = _assemble(rows[j], out_shapes[m], in_shapes[j], axis_first=True)
        per_output = [unflatten(in_tree, row) for row in blocks]
        if isinstance(argnums, int):
            per_output = [p[0] for p in per_output]
        else:
            per_output = [tuple(p) for p in per_output]
        jac = unflatten(out_tree, per_output)
        return (jac, _strip(graph, aux)) if has_aux else jac

    return jac_f


def jacfwd(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False) -> Callable:
    """Like ``jax.jacfwd``: the Jacobian by forward mode, one sweep per input element (for an
    array input, all of them at once: a batch of tangents, as JAX's ``vmap``; in chunks
    where a wide Jacobian's tangents would pass ``BATCH_ELEMENTS``).  Complex inputs need
    ``holomorphic=True`` (the result is then f'(z)), as in JAX."""
    return _jacobian(f, argnums, has_aux, holomorphic, "jacfwd", forward=True)


def jacrev(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False) -> Callable:
    """Like ``jax.jacrev``: the Jacobian by reverse mode, one sweep per output element.
    Complex outputs need ``holomorphic=True`` (the result is then f'(z)), as in JAX."""
    return _jacobian(f, argnums, has_aux, holomorphic, "jacrev", forward=False)


def hessian(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
            holomorphic: bool = False) -> Callable:
    """Like ``jax.hessian``: ``jacfwd(jacrev(f))``, forward over reverse (``has_aux`` and
    ``holomorphic`` passed to both, as JAX)."""
    return jacfwd(jacrev(f, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)
