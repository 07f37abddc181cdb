"""References for the benchmark's gradients: central differences, and JAX when installed.

A benchmark of a wrong gradient is worthless, so every run checks minigrad's gradient
and JVP against these before it reports; ``python -m bench`` exits non-zero if they
disagree.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


def axpy(p: Any, d: Any, h: float) -> Any:
    """``p + h d`` for matching pytrees (dicts, tuples, lists) of floats and float arrays."""
    if isinstance(p, dict):
        return {k: axpy(p[k], d[k], h) for k in p}
    if isinstance(p, (tuple, list)):
        return type(p)(axpy(a, b, h) for a, b in zip(p, d))
    if isinstance(p, float):
        return p + h * float(d)
    return np.asarray(p) + h * np.asarray(d)


def leaves(tree: Any) -> list:
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in leaves(tree[k])]
    if isinstance(tree, (tuple, list)):
        return [leaf for t in tree for leaf in leaves(t)]
    return [np.asarray(tree, dtype=float)]


def vdot(a: Any, b: Any) -> float:
    """Inner product of two matching pytrees."""
    return float(sum(np.vdot(x, y) for x, y in zip(leaves(a), leaves(b))))


def central_difference(f: Callable, p: Any, direction: Any, h: float) -> float:
    """The directional derivative of ``f`` at ``p`` along ``direction``, O(h^2) accurate."""
    return (float(f(axpy(p, direction, h))) - float(f(axpy(p, direction, -h)))) / (2 * h)


def relative_error(got: float, want: float, floor: float = 1e-8) -> float:
    return abs(got - want) / max(abs(want), floor)


def jax_gradient(f: Callable, params: Any):
    """``jax.grad(f)(params)`` in float64, as NumPy leaves; None when JAX is not installed.

    ``f`` must be the same ``mnp`` function minigrad differentiated: it runs on JAX
    arrays unchanged.  64-bit mode is switched on only inside this call.
    """
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    with jax.enable_x64(True):
        jparams = jax.tree_util.tree_map(lambda x: jnp.asarray(x, dtype=jnp.float64), params)
        g = jax.grad(f)(jparams)
        return jax.tree_util.tree_map(lambda x: np.asarray(x, dtype=float), g)


def max_relative_error(got: Any, want: Any, floor: float) -> float:
    """Largest elementwise |got - want| / max(|want|, floor) over two matching pytrees."""
    worst = 0.0
    for a, b in zip(leaves(got), leaves(want)):
        err = np.abs(a - b) / np.maximum(np.abs(b), floor)
        worst = max(worst, float(np.max(err, initial=0.0)))
    return worst
