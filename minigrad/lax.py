"""``minigrad.lax``: scan, fori_loop, while_loop, cond, switch, with ``jax.lax``'s signatures.

They dispatch as ``minigrad.numpy`` does: when a carried value, an operand or a value the
functions close over is a JAX array or tracer the call is ``jax.lax``'s (so ``jax.jit``,
``vmap`` and ``grad`` work); otherwise
the loop runs in Python, which on minigrad values records it unrolled, each iteration of
a scan or loop inside ``mg.scope("<name> <i>")`` so that drawings cluster the iterations
and trace tables fold them (``g.table(fold=...)``).  So a training loop written
``lax.scan(step, params, xs)`` runs on both engines unchanged.

Differentiation follows JAX: only the branch taken is differentiated (cond, switch), a
loop is differentiated through its iterations, and ``while_loop`` (whose trip count
depends on values) is forward-differentiable only: reverse mode says so.  Every choice
made on a traced value (the predicate, the branch index, each test of a while loop) is a
*decision* of the graph (``minigrad.graph.decide``): a program compiled from it
(``mg.jit``, ``to_python``) checks it first.  They are as strict as JAX about what they
are given (a scalar predicate, an integer index, a carry that keeps its structure and
shapes, branches that return alike).
"""

from __future__ import annotations

import sys
from types import FunctionType
from typing import Callable, Sequence

import numpy as np

from . import symbolic as S
from .errors import TracedValueError, TransformError
from .graph import ThreadFlag, Variable, concrete, decide, discarded, label, scope, unmask
from .primitives import Primitive, erf, erfc, recorded, recording_decisions, stop_gradient  # (jax.lax's names)
from .primitives import elementwise_vmap
from .primitives import where as _where
from .pytree import flatten, tree_map, unflatten

__all__ = ["scan", "fori_loop", "while_loop", "cond", "switch", "stop_gradient", "erf", "erfc"]


def _jax_lax(*trees, fns: Sequence[Callable] = ()):
    """``jax.lax`` when any leaf of ``trees``, or any value ``fns`` close over, is a JAX
    array or tracer (as ``jax.lax`` itself would trace it), else None."""
    jax = sys.modules.get("jax")
    if jax is None:
        return None
    leaves = [x for tree in trees for x in flatten(tree)[0]] + _captured(fns)
    if any(isinstance(x, jax.Array) for x in leaves):
        import jax.lax

        return jax.lax
    return None


def _captured(fns: Sequence[Callable], depth: int = 3) -> list:
    """The leaves of what ``fns`` close over (their closure cells), through nested functions."""
    found = []
    for fn in fns:
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:  # a cell not yet filled
                continue
            if type(value) is FunctionType:
                if depth:
                    found += _captured([value], depth - 1)
            else:
                found += flatten(value)[0]
    return found


def _scope_name(fn: Callable, loop: str) -> str:
    """Iterations are scoped by the body's name, or the loop's for a lambda."""
    name = getattr(fn, "__name__", "<lambda>")
    return loop if name == "<lambda>" else name


def _predicate(pred, where: str) -> bool:
    """The decision on a scalar predicate, as strict as JAX about its shape."""
    value = concrete(unmask(pred))
    if np.ndim(value) != 0:
        raise TypeError(f"lax.{where}: the predicate must be a scalar, got shape {np.shape(value)}. "
                        f"Fix: reduce it to one boolean (compare a scalar, e.g. mnp.max(x) > 0, "
                        f"or index it, p[0]).")
    return decide(unmask(pred))


def _types(tree) -> tuple:
    leaves, structure = flatten(tree)
    return structure, [np.shape(concrete(x)) for x in leaves]


def _same_types(before, after, what: str) -> None:
    """JAX's rule for a loop's carry and a choice's branches: one structure, one shape per leaf."""
    (t0, s0), (t1, s1) = _types(before), _types(after)
    if t0 != t1 or s0 != s1:
        raise TypeError(f"lax.{what} must have the same structure and shapes, but they differ: "
                        f"{_describe(t0, s0)} and {_describe(t1, s1)}. Fix: return the same "
                        f"pytree with leaves of the same shapes (reshape or broadcast them).")


def _describe(structure, shapes) -> str:
    return f"{structure.kind.__name__ if structure.children else 'a leaf'} of shapes {shapes}"


def _traced_bound(name: str, bound) -> None:
    if recording_decisions():
        fix = ("mark that argument static: mg.jit(f, static_argnums=<its position>) or "
               "static_argnames=<its name>, so each value of the bound gets its own program")
    else:
        fix = "pass plain integers (a loop's trip count has no derivative)"
    raise TracedValueError(f"lax.fori_loop: the bound {name} is traced ({label(bound)}). Fix: {fix}.")


def scan(f: Callable, init, xs=None, length: int | None = None, reverse: bool = False,
         unroll: int | bool = 1, _split_transpose: bool = False):
    """``jax.lax.scan``: ``carry, y = f(carry, x)`` over the leading axis of ``xs``.

    On minigrad values iteration ``i`` is recorded in the scope ``"<f's name> <i>"``
    (``"scan <i>"`` for a lambda).

    :param f: the body, ``(carry, x) -> (carry, y)``; ``y`` may be None.
    :param init: the first carry, any pytree.
    :param xs: what is scanned: a pytree of arrays sharing their leading axis, or None
        (then ``x`` is None and ``length`` counts the iterations).
    :param length: the number of iterations; with ``xs``, equal to its leading axis.
    :param reverse: run from the last ``x`` to the first, as JAX does (the ``ys`` keep
        the order of ``xs``).
    :param unroll: JAX's unrolling hint, passed on to ``jax.lax.scan``; minigrad always
        records every iteration.
    :returns: ``(carry, ys)``: the last carry, and the ``y``'s stacked along a new leading
        axis (None when ``f`` returns None for them).
    :raises ValueError: when the leaves of ``xs`` disagree on their leading axis, or with
        ``length``, or there is neither ``xs`` nor ``length``.
    """
    lax = _jax_lax(init, xs, fns=(f,))
    if lax is not None:
        return lax.scan(f, init, xs, length=length, reverse=reverse, unroll=unroll)
    leaves, tree = flatten(xs)
    lengths = {int(np.shape(concrete(x))[0]) for x in leaves if np.ndim(concrete(x))}
    if length is not None:
        lengths.add(int(length))
    if len(lengths) != 1 or any(np.ndim(concrete(x)) == 0 for x in leaves):
        raise ValueError(f"lax.scan: xs must be arrays with one leading axis length (and length, "
                         f"if given, equal to it), got lengths {sorted(lengths) or 'none'}. Fix: "
                         f"pass xs with a common first axis, or xs=None with length=n.")
    n = lengths.pop()
    name = _scope_name(f, "scan")
    if n == 0:
        return init, _empty_ys(f, init, leaves, tree)
    carry, ys = init, [None] * n
    for i in (range(n - 1, -1, -1) if reverse else range(n)):
        x = unflatten(tree, [leaf[i] for leaf in leaves]) if leaves else None
        with scope(f"{name} {i}"):
            new, ys[i] = f(carry, x)
        _same_types(carry, new, "scan: the body's carry input and carry output")
        carry = new
    return carry, _stack(ys)


def _stack(ys: list):
    from . import numpy as mnp

    columns = [flatten(y)[0] for y in ys]
    tree = flatten(ys[0])[1]
    return unflatten(tree, [mnp.stack([c[k] for c in columns]) for k in range(len(columns[0]))])


def _empty_ys(f: Callable, init, leaves: list, tree):
    """A zero-length scan's ``ys``, as JAX's: empty arrays of the shapes one step would give
    (that step is run on zeros and discarded, as JAX traces the body without running it)."""
    x = unflatten(tree, [np.zeros(np.shape(concrete(leaf))[1:], np.result_type(concrete(leaf)))
                         for leaf in leaves]) if leaves else None
    with discarded(), np.errstate(all="ignore"):
        _, y = f(tree_map(lambda c: np.zeros(np.shape(concrete(c)), np.result_type(concrete(c))), init), x)
        return tree_map(lambda v: np.zeros((0,) + np.shape(concrete(v)), np.result_type(concrete(v))), y)


def fori_loop(lower: int, upper: int, body_fun: Callable, init_val, *, unroll=None):
    """``jax.lax.fori_loop``: ``val = body_fun(i, val)`` for ``i`` from ``lower`` to ``upper - 1``.

    On minigrad values iteration ``i`` is recorded in the scope ``"<body_fun's name> <i>"``
    (``"fori_loop <i>"`` for a lambda).

    :param lower: the first ``i``, a plain integer.
    :param upper: one past the last ``i``, a plain integer.
    :param body_fun: ``(i, val) -> val``.
    :param init_val: the first ``val``, any pytree.
    :param unroll: JAX's unrolling hint, passed on to ``jax.lax.fori_loop``.
    :returns: the last ``val``.
    :raises TracedValueError: when a bound is a minigrad variable (under ``mg.jit``: mark
        it static).
    """
    lax = _jax_lax(init_val, lower, upper, fns=(body_fun,))
    if lax is not None:
        return lax.fori_loop(lower, upper, body_fun, init_val, unroll=unroll)
    for bound_name, bound in (("lower", lower), ("upper", upper)):
        if isinstance(bound, Variable):
            _traced_bound(bound_name, bound)
    name = _scope_name(body_fun, "fori_loop")
    val = init_val
    for i in range(int(lower), int(upper)):
        with scope(f"{name} {i}"):
            new = body_fun(i, val)
        _same_types(val, new, "fori_loop: the body's carry input and carry output")
        val = new
    return val


def _while_refuses_reverse(i, g, out, x):
    raise TransformError(
        "reverse-mode differentiation of lax.while_loop is not supported, as in JAX (its trip "
        "count depends on values). Fix: use forward mode (jvp, jacfwd), or lax.scan / "
        "lax.fori_loop with a fixed number of steps.")


# The carry out of a recorded while_loop passes through this identity: tangents go through
# (forward mode works), cotangents stop with the error above.  Not an entry of TABLE.
_WHILE_OUT = Primitive("while_loop", lambda x: x, (lambda t, out, x: t,),
                       (lambda g, out, x: _while_refuses_reverse(0, g, out, x),), (lambda o, x: S.ONE,),
                       lambda a: S.call("while_loop", a), lambda x: x, code="{0}")
_WHILE_OUT.vmap = elementwise_vmap(_WHILE_OUT)
_while_out = _WHILE_OUT.bind


def _any_example_vmap(batched, out, p):
    """Records whether any example's test holds as a decision of the batched program (each
    time the batched loop asks whether to go on).  The value is the tests themselves (the
    loop reads only their ``any``): no broadcast row that nothing would read."""
    from . import numpy as mnp  # (minigrad.numpy imports this module)
    going = unmask(mnp.sum(_where(p, 1.0, 0.0)) > 0)
    if _batch_value(going) is not None:  # inside another vmap's example: decided on its batch too
        _ANY_EXAMPLE.bind(going)
    else:
        decide(going)
    return p


# Each example's own test; on the batch (vmap), its rule decides whether any of them holds.
_ANY_EXAMPLE = Primitive("any_example", lambda p: p, (None,), (None,), (None,),
                         lambda a: S.call("any_example", a), lambda p: p, code="{0}")
_ANY_EXAMPLE.vmap = _any_example_vmap


def while_loop(cond_fun: Callable, body_fun: Callable, init_val):
    """``jax.lax.while_loop``: ``val = body_fun(val)`` while ``cond_fun(val)``.

    Forward-mode differentiable only, as in JAX: the number of iterations depends on the
    values, so reverse mode (``grad``, ``vjp``) through a carry that depends on traced
    values (as an argument or through a closure) raises ``TransformError``; use ``jvp`` or
    ``jacfwd``, or a ``scan`` / ``fori_loop`` of fixed length.  Each test of ``cond_fun``
    on traced values is a decision of the graph, so ``mg.jit`` compiles the trip count as
    guards.  Iteration ``i`` is recorded in the scope ``"<body_fun's name> <i>"``.  Under
    ``vmap``, a test that depends on a mapped value is batched as JAX batches it: the loop
    runs while any example's test holds (of every nested vmap's examples; each such "any" a
    decision of the batched program) and each example keeps its carry from the step its own
    test fails.

    :param cond_fun: ``val -> bool``, a scalar predicate.
    :param body_fun: ``val -> val``, keeping the structure and shapes of ``val``.
    :param init_val: the first ``val``, any pytree.
    :returns: the first ``val`` for which ``cond_fun`` is false.
    """
    lax = _jax_lax(init_val, fns=(cond_fun, body_fun))
    if lax is not None:
        return lax.while_loop(cond_fun, body_fun, init_val)
    name = _scope_name(body_fun, "while_loop")
    val, i, pred = init_val, 0, cond_fun(init_val)
    if _selects(pred, "while_loop") and _batch_value(unmask(pred)) is not None:
        return _while_out_of(_while_per_example(cond_fun, body_fun, val, pred, name))
    while _predicate(pred, "while_loop"):
        with scope(f"{name} {i}"):
            new = body_fun(val)
        _same_types(val, new, "while_loop: the body's carry input and carry output")
        val, i, pred = new, i + 1, cond_fun(new)
    return _while_out_of(val)


def _while_out_of(val):
    return tree_map(lambda x: _while_out(x) if type(x) is Variable else x, val)


def _batch_value(x):
    from .batching import batch_value  # (minigrad.batching imports this module)
    return batch_value(x)


def _going(pred):
    """The loop's "does any example go on", kept for the batched program's decision though
    nothing reads it (when it depends only on an enclosing vmap's examples, the vmap inside
    would drop it)."""
    from .batching import keep  # (minigrad.batching imports this module)
    going = _ANY_EXAMPLE.bind(unmask(pred))
    keep(going)
    return going


def _while_per_example(cond_fun: Callable, body_fun: Callable, val, pred, name: str):
    """Under ``vmap``, a test that depends on a mapped value, batched as ``jax.vmap`` does:
    the loop goes on while any example's test holds (``_ANY_EXAMPLE``, decided on the whole
    batch's values), and each example keeps the body's carry only while its own test holds
    (a select), so each stops at its own trip count."""
    i = 0
    while np.any(_batch_value(_going(pred))):
        with scope(f"{name} {i}"):
            new = body_fun(val)
        _same_types(val, new, "while_loop: the body's carry input and carry output")
        val = tree_map(lambda a, b, m=unmask(pred): _where(m, a, b), new, val)
        pred, i = cond_fun(val), i + 1
    return val


def cond(pred, true_fun: Callable, false_fun: Callable, *operands):
    """``jax.lax.cond``: ``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``.

    Only the branch taken is run and differentiated, as in JAX: the derivative is that of
    the branch, and the predicate has none.  The predicate is a decision of the graph.
    The first call with given operand shapes runs the other branch too, its result
    discarded, to check (as JAX does) that both return the same structure and shapes.  Under ``vmap``, a predicate that depends on
    a mapped argument becomes a select, as in JAX: both branches run, each example's chosen.

    :param pred: a scalar boolean or number (a comparison of minigrad values gives one).
    :param true_fun: the branch taken when ``pred`` holds.
    :param false_fun: the branch taken otherwise.
    :param operands: the branch's arguments.
    :returns: what the branch taken returns.
    :raises TypeError: for a predicate that is not a scalar, or branches that differ.
    """
    lax = _jax_lax(pred, operands, fns=(true_fun, false_fun))
    if lax is not None:
        return lax.cond(pred, true_fun, false_fun, *operands)
    if _selects(pred, "cond"):
        return _select([pred], [true_fun, false_fun], operands, "cond")
    taken = _predicate(pred, "cond")
    return _choose([false_fun, true_fun], int(taken), operands, "cond")


def switch(index, branches: Sequence[Callable], *operands):
    """``jax.lax.switch``: ``branches[index](*operands)``.

    :param index: an integer scalar, clamped into ``0 .. len(branches) - 1`` as JAX does;
        on a traced value the branch chosen is a decision of the graph.
    :param branches: the functions to choose from.
    :param operands: the branch's arguments.
    :returns: what the branch chosen returns; only it is differentiated.
    :raises TypeError: for an index that is not an integer scalar, or branches that differ.
    """
    lax = _jax_lax(index, operands, fns=tuple(branches))
    if lax is not None:
        return lax.switch(index, branches, *operands)
    value = concrete(unmask(index))
    if np.ndim(value) != 0 or not np.issubdtype(np.result_type(value), np.integer) \
            or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"lax.switch: the index must be an integer scalar, got {value!r} "
                        f"({np.result_type(value)}). Fix: pass an integer (to choose by a comparison, use "
                        f"lax.cond(c, true_fun, false_fun, ...)).")
    n = len(branches)
    if _selects(index, "switch"):
        clamped = _clamp(index, n)
        return _select([clamped == k for k in range(n - 1)], list(branches), operands, "switch")
    k = decide(unmask(index), branches=n)
    return _choose(branches, k, operands, "switch")


_SELECTING = ThreadFlag()


def selecting():
    """While ``vmap`` records its example: a ``cond``/``switch`` on a traced predicate computes
    every branch and chooses per example with ``where`` (JAX's batching rule turns a mapped
    predicate into a select), since another example may take another branch."""
    return _SELECTING.on()


def selects() -> bool:
    """Whether ``vmap`` is recording its example here (``selecting``): a rule that would
    branch on a value takes the branch valid for every example instead."""
    return bool(_SELECTING)


def _selects(pred, what: str) -> bool:
    if not (_SELECTING and recorded(unmask(pred))):
        return False
    if np.ndim(concrete(unmask(pred))) != 0:
        _predicate(pred, what)  # the same refusal of a non-scalar predicate as outside vmap
    return True


def _clamp(index, n: int):
    from . import numpy as mnp  # (minigrad.numpy imports this module)
    return mnp.clip(mnp.round(unmask(index)), 0, n - 1)


def _select(masks: Sequence, branches: Sequence[Callable], operands: tuple, what: str):
    """Every branch's output, chosen leaf by leaf: ``masks[k]`` picks branch ``k``; the last
    branch is the default."""
    outs = [branch(*operands) for branch in branches]
    for other in outs[1:]:
        _same_types(outs[0], other, f"{what}: the branches' outputs")
    chosen = outs[-1]
    for mask, out in reversed(list(zip(masks, outs))):
        chosen = tree_map(lambda a, b, m=unmask(mask): _where(m, a, b), out, chosen)
    return chosen


def _choose(branches: Sequence[Callable], k: int, operands: tuple, what: str):
    """Run branch ``k``; run the others discarded, to check they return alike (JAX traces
    all), once per signature (``_signature``): afterwards only the branch taken runs."""
    out = branches[k](*operands)
    key = _signature(branches, operands)
    if key is not None and key in _ALIKE:
        return out
    for j, other in enumerate(branches):
        if j != k:
            with discarded(), np.errstate(all="ignore"):
                try:
                    alike = other(*operands)
                except Exception:  # a branch that fails off its own point: nothing to compare
                    return out
            _same_types(out, alike, f"{what}: the branches' outputs")
    if key is not None:
        if len(_ALIKE) >= 4096:
            _ALIKE.clear()
        _ALIKE.add(key)
    return out


# The signatures whose branches were found to return alike.  What a branch returns depends,
# as in JAX (where they are abstract), on its operands' and captured values' structure,
# shapes and dtypes only, so one check per signature holds for every later call with it.
_ALIKE: set = set()


def _signature(branches: Sequence[Callable], operands: tuple):
    """The branches' code and the types of what they are given (operands, captured values);
    None for a branch that is not a plain function (no code to key on)."""
    codes = tuple(getattr(b, "__code__", None) for b in branches)
    if None in codes:
        return None
    leaves, tree = flatten(operands)
    values = [concrete(x) for x in leaves] + [v for v in map(concrete, _captured(branches))
                                              if isinstance(v, np.ndarray)]  # (not a log of strings)
    key = (codes, tree, tuple((type(v), np.shape(v), getattr(v, "dtype", None)) for v in values))
    try:
        hash(key)
    except TypeError:  # (a tree with unhashable metadata)
        return None
    return key
