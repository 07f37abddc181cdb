"""``mnp.linalg``: norm, inv, solve, det, slogdet, cholesky, as table entries or compositions.

inv, solve, det, the log of |det| (slogdet's differentiable half) and cholesky are entries
of the primitive table, their rules written with table operations (so they differentiate
again): d inv = -inv dA inv, d solve = solve(A, db - dA x), d det = det tr(A^-1 dA),
d L = L Phi(L^-1 dA L^-T) with Phi the lower triangle, half its diagonal.  As in JAX,
cholesky reads the symmetric part of its input.  norm is a composition of entries.
Matrices may carry leading batch axes; singular matrices give NumPy's errors.
"""

from __future__ import annotations

import numpy as np

from . import symbolic as S
from .graph import concrete
from .primitives import _jnp, _shape, _swap_last, define, matmul, reduce_sum, reshape

__all__ = ["norm", "inv", "solve", "det", "slogdet", "cholesky"]


def _last_two(x) -> tuple:
    nd = len(_shape(x))
    return (nd - 2, nd - 1)


def _trace_of_product(a_inv, t):
    """tr(A^-1 T) over the last two axes, as sum((A^-T) * T): no diagonal to pick out."""
    return reduce_sum(_swap_last(a_inv) * t, axis=_last_two(t), keepdims=False)


def _batch_scalar(g, x):
    """A per-matrix cotangent broadcast against matrices: (...,) -> (..., 1, 1)."""
    return g if not _shape(g) else reshape(g, shape=_shape(g) + (1, 1))


inv = define(
    "inv", np.linalg.inv, jax="jax.numpy.linalg.inv", code="np.linalg.inv({0})",
    jvp=(lambda t, out, a: -matmul(matmul(out, t), out),),
    vjp=(lambda g, out, a: -matmul(matmul(_swap_last(out), g), _swap_last(out)),),
    partials=(lambda o, a: S.Name(f"-{o} (.) {o}"),),
    expr=lambda a: S.Postfix(a, "^-1"),
)


def _outer_last(u, x):
    """u x^T for the solution's two shapes: vectors (n,) or matrices (..., n, k)."""
    if len(_shape(x)) == 1:
        return reshape(u, shape=(-1, 1)) * reshape(x, shape=(1, -1))
    return matmul(u, _swap_last(x))


solve = define(
    "solve", np.linalg.solve, jax="jax.numpy.linalg.solve", code="np.linalg.solve({0}, {1})",
    jvp=(lambda t, out, a, b: solve(a, -matmul(t, out)), lambda t, out, a, b: solve(a, t)),
    vjp=(lambda g, out, a, b: -_outer_last(solve(_swap_last(a), g), out),
         lambda g, out, a, b: solve(_swap_last(a), g)),
    partials=(lambda o, a, b: S.Name(f"-{a}^-1 (.) {o}"), lambda o, a, b: S.Postfix(a, "^-1")),
    expr=lambda a, b: S.call("solve", a, b),
)
det = define(
    "det", np.linalg.det, jax="jax.numpy.linalg.det", code="np.linalg.det({0})",
    jvp=(lambda t, out, a: out * _trace_of_product(inv(a), t),),
    vjp=(lambda g, out, a: _batch_scalar(g * out, a) * _swap_last(inv(a)),),
    partials=(lambda o, a: o * S.Postfix(a, "^-T"),),
    expr=lambda a: S.call("det", a),
)
logabsdet = define(
    "logabsdet", lambda a: np.linalg.slogdet(a)[1], code="np.linalg.slogdet({0})[1]",
    jax=lambda a: _jnp().linalg.slogdet(a)[1],
    jvp=(lambda t, out, a: _trace_of_product(inv(a), t),),
    vjp=(lambda g, out, a: _batch_scalar(g, a) * _swap_last(inv(a)),),
    partials=(lambda o, a: S.Postfix(a, "^-T"),),
    expr=lambda a: S.call("log|det|", a),
)


def _phi(n: int) -> np.ndarray:
    """The lower triangle with half the diagonal, as a mask."""
    return np.tril(np.ones((n, n))) - 0.5 * np.eye(n)


def _sym(x):
    return 0.5 * (x + _swap_last(x))


def _cholesky_jvp(t, out, a):
    low = out
    inner = _swap_last(solve(low, _swap_last(solve(low, _sym(t)))))  # L^-1 sym(dA) L^-T
    return matmul(low, inner * _phi(_shape(a)[-1]))


def _cholesky_vjp(g, out, a):
    low = out
    p = matmul(_swap_last(low), g) * _phi(_shape(a)[-1])  # Phi(L^T G)
    s = solve(_swap_last(low), p)  # L^-T Phi(L^T G)
    return _sym(_swap_last(solve(_swap_last(low), _swap_last(s))))  # ... L^-1, symmetric part


cholesky = define(
    "cholesky", lambda a: np.linalg.cholesky(0.5 * (a + np.swapaxes(a, -1, -2))),
    jax="jax.numpy.linalg.cholesky",
    jvp=(_cholesky_jvp,), vjp=(_cholesky_vjp,),
    partials=(lambda o, a: S.Name(f"{o} Phi({o}^-1 (.) {o}^-T)"),),
    expr=lambda a: S.call("cholesky", a),
)


def slogdet(a):
    """(sign, log |det a|): the sign is a constant (its derivative is 0), the log an entry."""
    if _is_jax(a):
        return _jnp().linalg.slogdet(a)
    return np.sign(np.linalg.det(concrete(a))), logabsdet(a)


def _is_jax(x) -> bool:
    import sys

    jax = sys.modules.get("jax")
    return jax is not None and isinstance(x, jax.Array)


def norm(x, ord=None, axis=None, keepdims: bool = False):
    """Vector norms (ord None/2, 1, inf, -inf, any p) and matrix norms (None/'fro', 1, inf),
    composed of table entries; the spectral and nuclear norms are not there."""
    from . import numpy as mnp

    nd = mnp.ndim(x)
    axes = tuple(range(nd)) if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
    matrix = len(axes) == 2 and (axis is not None or ord is not None)
    if len(axes) > 2 or (axis is None and nd > 2 and ord is not None):
        raise ValueError(f"mnp.linalg.norm: ord={ord!r} over {len(axes)} axes is not a norm NumPy "
                         f"defines. Fix: give axis= one axis (vector) or two (matrix).")
    if ord in (None, 2, "fro") and not (matrix and ord == 2):
        return mnp.sqrt(mnp.sum(x * x, axes, keepdims))
    absx = mnp.abs(x)
    if matrix:
        if ord in (1, -1, np.inf, -np.inf):
            summed_axis, kept_axis = (axes[0], axes[1]) if ord in (1, -1) else (axes[1], axes[0])
            sums = mnp.sum(absx, summed_axis, keepdims=True)
            pick = _max_from_zero if ord > 0 else mnp.min
            return _squeeze_to(pick(sums, kept_axis, keepdims=True), axes, keepdims)
        raise NotImplementedError(f"mnp.linalg.norm: the matrix norm ord={ord!r} needs singular "
                                  f"values, which minigrad does not differentiate. Fix: use "
                                  f"ord='fro', 1 or inf.")
    if ord == np.inf:
        return _max_from_zero(absx, axes, keepdims)
    if ord == -np.inf:
        return mnp.min(absx, axes, keepdims)
    if ord == 1:
        return mnp.sum(absx, axes, keepdims)
    return mnp.sum(absx ** float(ord), axes, keepdims) ** (1.0 / ord)


def _max_from_zero(x, axes, keepdims):
    """max(0, max(x)): JAX's amax(..., initial=0), whose tie with 0 (x all zero) halves the
    derivative; the norms follow it there."""
    from . import numpy as mnp

    return mnp.maximum(0.0, mnp.max(x, axes, keepdims))


def _squeeze_to(x, axes, keepdims):
    from . import numpy as mnp

    return x if keepdims else mnp.squeeze(x, axes)

