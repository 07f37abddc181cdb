"""``minigrad.lax``: scan, fori_loop, while_loop, cond, switch, with ``jax.lax``'s signatures.

They dispatch as ``minigrad.numpy`` does: when a carried value or an operand is a JAX array
or tracer the call is ``jax.lax``'s (so ``jax.jit``, ``vmap`` and ``grad`` work); otherwise
the loop runs in Python, which on minigrad values records it unrolled, each iteration of
a scan or loop inside ``mg.scope("<name> <i>")`` so that drawings cluster the iterations
and trace tables fold them (``g.table(fold=...)``).  So a training loop written
``lax.scan(step, params, xs)`` runs on both engines unchanged.

Differentiation follows JAX: only the branch taken is differentiated (cond, switch), a
loop is differentiated through its iterations, and ``while_loop`` (whose trip count
depends on values) is forward-differentiable only: reverse mode says so.
"""

from __future__ import annotations

import sys
from typing import Callable, Sequence

import numpy as np

from . import symbolic as S
from .errors import TracedValueError, TransformError
from .graph import Variable, concrete, scope, unmask
from .primitives import Primitive, recording_decisions, stop_gradient  # (jax.lax.stop_gradient)
from .pytree import flatten, tree_map, unflatten

__all__ = ["scan", "fori_loop", "while_loop", "cond", "switch", "stop_gradient"]


def _jax_lax(*trees):
    """``jax.lax`` when any leaf of ``trees`` is a JAX array or tracer, else None."""
    jax = sys.modules.get("jax")
    if jax is None:
        return None
    for tree in trees:
        if any(isinstance(x, jax.Array) for x in flatten(tree)[0]):
            import jax.lax

            return jax.lax
    return None


def _scope_name(fn: Callable, loop: str) -> str:
    """Iterations are scoped by the body's name, or the loop's for a lambda."""
    name = getattr(fn, "__name__", "<lambda>")
    return loop if name == "<lambda>" else name


def _concrete_bool(pred, where: str) -> bool:
    value = concrete(unmask(pred))
    if np.size(value) != 1:
        raise TypeError(f"lax.{where}: the predicate must be a scalar boolean, got shape "
                        f"{np.shape(value)}. Fix: reduce it (mnp.all is not traced: compare a "
                        f"scalar, e.g. mnp.max(x) > 0).")
    return bool(np.asarray(value))


def _no_jit(where: str, why: str) -> None:
    if recording_decisions():
        raise TracedValueError(
            f"mg.jit: lax.{where} {why} depends on traced values, so the compiled program "
            f"would keep this one point's choice. Fix: call the function without mg.jit, or "
            f"use lax.scan / lax.fori_loop with a fixed number of steps.")


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
    lax = _jax_lax(init, xs)
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
    carry, ys = init, [None] * n
    for i in (range(n - 1, -1, -1) if reverse else range(n)):
        x = unflatten(tree, [leaf[i] for leaf in leaves]) if leaves else None
        with scope(f"{name} {i}"):
            carry, ys[i] = f(carry, x)
    return carry, _stack(ys, n)


def _stack(ys: list, n: int):
    from . import numpy as mnp

    if n == 0 or ys[0] is None:
        return None
    columns = [flatten(y)[0] for y in ys]
    tree = flatten(ys[0])[1]
    return unflatten(tree, [mnp.stack([c[k] for c in columns]) for k in range(len(columns[0]))])


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
    :raises TracedValueError: when a bound is a minigrad variable (a trip count has no
        derivative).
    """
    lax = _jax_lax(init_val, lower, upper)
    if lax is not None:
        return lax.fori_loop(lower, upper, body_fun, init_val, unroll=unroll)
    if isinstance(lower, Variable) or isinstance(upper, Variable):
        raise TracedValueError("lax.fori_loop: the bounds are traced values; a loop's trip count "
                               "cannot be differentiated. Fix: pass plain integers.")
    name = _scope_name(body_fun, "fori_loop")
    val = init_val
    for i in range(int(lower), int(upper)):
        with scope(f"{name} {i}"):
            val = body_fun(i, val)
    return val


def _while_refuses_reverse(i, g, out, x):
    raise TransformError(
        "reverse-mode differentiation of lax.while_loop is not supported, as in JAX (its trip "
        "count depends on values). Fix: use forward mode (jvp, jacfwd), or lax.scan / "
        "lax.fori_loop with a fixed number of steps.")


# The carry out of a recorded while_loop passes through this identity: tangents go through
# (forward mode works), cotangents stop with the error above.  Not an entry of TABLE.
_while_out = Primitive("while_loop", lambda x: x, (lambda t, out, x: t,),
                       (lambda g, out, x: _while_refuses_reverse(0, g, out, x),), (lambda o, x: S.ONE,),
                       lambda a: S.call("while_loop", a), lambda x: x, code="{0}").bind


def while_loop(cond_fun: Callable, body_fun: Callable, init_val):
    """``jax.lax.while_loop``: ``val = body_fun(val)`` while ``cond_fun(val)``.

    Forward-mode differentiable only, as in JAX: the number of iterations depends on the
    values, so reverse mode (``grad``, ``vjp``) raises ``TransformError``; use ``jvp`` or
    ``jacfwd``, or a ``scan`` / ``fori_loop`` of fixed length.  Iteration ``i`` is recorded
    in the scope ``"<body_fun's name> <i>"``.

    :param cond_fun: ``val -> bool``, a scalar predicate.
    :param body_fun: ``val -> val``.
    :param init_val: the first ``val``, any pytree.
    :returns: the first ``val`` for which ``cond_fun`` is false.
    :raises TracedValueError: under ``mg.jit`` with a traced carry (the compiled program
        would keep this one point's number of iterations).
    """
    lax = _jax_lax(init_val)
    if lax is not None:
        return lax.while_loop(cond_fun, body_fun, init_val)
    traced = any(type(x) is Variable for x in flatten(init_val)[0])
    if traced:
        _no_jit("while_loop", "its number of iterations")
    name = _scope_name(body_fun, "while_loop")
    val, i = init_val, 0
    while _concrete_bool(cond_fun(val), "while_loop"):
        with scope(f"{name} {i}"):
            val = body_fun(val)
        i += 1
    if not traced:
        return val
    return tree_map(lambda x: _while_out(x) if type(x) is Variable else x, val)


def cond(pred, true_fun: Callable, false_fun: Callable, *operands):
    """``jax.lax.cond``: ``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``.

    Only the branch taken is run and differentiated, as in JAX: the derivative is that of
    the branch, and the predicate has none.

    :param pred: a scalar boolean (a comparison of minigrad values gives one).
    :param true_fun: the branch taken when ``pred`` holds.
    :param false_fun: the branch taken otherwise.
    :param operands: the branch's arguments.
    :returns: what the branch taken returns.
    :raises TracedValueError: under ``mg.jit`` with a traced ``pred``.
    """
    lax = _jax_lax(pred, operands)
    if lax is not None:
        return lax.cond(pred, true_fun, false_fun, *operands)
    if isinstance(unmask(pred), Variable):
        _no_jit("cond", "the branch taken")
    return (true_fun if _concrete_bool(pred, "cond") else false_fun)(*operands)


def switch(index, branches: Sequence[Callable], *operands):
    """``jax.lax.switch``: ``branches[index](*operands)``.

    :param index: an integer, clamped into ``0 .. len(branches) - 1`` as JAX does.
    :param branches: the functions to choose from.
    :param operands: the branch's arguments.
    :returns: what the branch chosen returns; only it is run and differentiated.
    :raises TracedValueError: under ``mg.jit`` with a traced ``index``.
    """
    lax = _jax_lax(index, operands)
    if lax is not None:
        return lax.switch(index, branches, *operands)
    if isinstance(index, Variable):
        _no_jit("switch", "the branch taken")
    k = int(np.clip(int(np.asarray(concrete(index))), 0, len(branches) - 1))
    return branches[k](*operands)

