"""``mnp.linalg``: norm, inv, solve, det, slogdet, cholesky, svd, svdvals, as table entries
or compositions.

``inv``, ``solve``, ``det``, the log of ``|det|`` (slogdet's differentiable half) and
``cholesky`` are entries of the primitive table, their rules written with table operations
(so they differentiate again): ``d inv(A) = -inv(A) dA inv(A)``,
``d solve(A, b) = solve(A, db - dA x)``, ``d det(A) = det(A) tr(inv(A) dA)``,
``dL = L Phi(inv(L) dA inv(L)^T)`` with ``Phi`` the lower triangle and half its diagonal.
As in JAX, cholesky reads the symmetric part of its input.

The thin SVD ``A = U diag(s) V^T`` is one entry, ``svd``, applied once per factor it is
asked for (its parameter ``part``: ``"s"``, ``"u"`` or ``"vh"``), as a function with several
outputs records one node per output.  Its rules are JAX's: ``ds = diag(U^T dA V)``, so the
cotangent of ``s`` is ``U diag(g) V^T`` (the gradient of the largest singular value is
``u1 v1^T``, of the nuclear norm ``U V^T``); ``dU`` and ``dV`` divide by ``s_j^2 - s_i^2``
(and, for a non-square ``A``, by ``s``), so at repeated (or, for the factors of a
non-square ``A``, zero) singular values the derivatives of ``U`` and ``V`` are inf or nan, as
JAX's are, while those of ``s`` stay finite.

``norm`` is a composition of entries: ord 2, -2 and ``'nuc'`` of a matrix are the max (JAX's
``amax`` with ``initial=0``), min and sum of its singular values, so where the largest
(smallest) singular value is repeated its derivative is shared equally among the tied ones,
as JAX's max and min share ties.  Matrices may carry leading batch axes.

At a singular matrix, as in JAX: ``det``'s derivative is the cofactor matrix (the transposed
adjugate, from the SVD, so it needs no inverse: the entry ``cofactor``), and ``log |det|``'s
is inf or nan; ``inv`` and ``solve`` of a singular matrix, and ``cholesky`` of one that is
not positive definite, raise ``SingularMatrixError`` in one line (JAX returns inf or nan).
A vector ``b`` of shape (n,) is solved against every matrix of a batch ``A``, as in NumPy 2
and JAX.
"""

from __future__ import annotations

import numpy as np

from . import symbolic as S
from .graph import Variable, concrete, decide
from .primitives import (_float_dtype, _jnp, _shape, _swap_last, broadcast_to, define, getitem,
                         matmul, nondifferentiable, reduce_sum, reshape, scatter_add)

__all__ = ["norm", "inv", "solve", "det", "slogdet", "cholesky", "svd", "svdvals"]


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
    vmap=lambda batched, out, a: inv(a),
    jvp=(lambda t, out, a: -matmul(matmul(out, t), out),),
    vjp=(lambda g, out, a: -matmul(matmul(_swap_last(out), g), _swap_last(out)),),
    partials=(lambda o, a: S.Name(f"-{o} (.) {o}"),),
    expr=lambda a: S.Postfix(a, "^-1"),
)


def _as_columns(x, b):
    """A vector right-hand side ``b`` of shape (n,) (NumPy's and JAX's vector solve, broadcast
    over ``A``'s batch): ``x`` as columns (..., n, 1), for the matrix solve; else as it is."""
    return reshape(x, shape=_shape(x) + (1,)) if len(_shape(b)) == 1 else x


def _from_columns(x, b):
    return reshape(x, shape=_shape(x)[:-1]) if len(_shape(b)) == 1 else x


def _solve_vmap(batched, out, a, b):
    """Solve for a batch: ``a`` given the batch axis, ``b`` made a stack of matrices (NumPy
    reads a 2-D ``b`` as one matrix, not a stack of vectors)."""
    size = _shape(a if batched[0] else b)[0]
    if not batched[0]:
        a = broadcast_to(a, shape=(size,) + _shape(a))
    vector = len(_shape(out)) == 1
    if not batched[1]:
        b = broadcast_to(b, shape=(size,) + _shape(b))
    if vector:
        b = reshape(b, shape=_shape(b) + (1,))
    x = solve(a, b)
    return reshape(x, shape=(size,) + _shape(out))


solve = define(
    "solve", np.linalg.solve, jax="jax.numpy.linalg.solve", code="np.linalg.solve({0}, {1})",
    vmap=_solve_vmap,
    jvp=(lambda t, out, a, b: _from_columns(solve(a, -matmul(t, _as_columns(out, b))), b),
         lambda t, out, a, b: _from_columns(solve(a, _as_columns(t, b)), b)),
    vjp=(lambda g, out, a, b: -matmul(solve(_swap_last(a), _as_columns(g, b)),
                                      _swap_last(_as_columns(out, b))),
         lambda g, out, a, b: _from_columns(solve(_swap_last(a), _as_columns(g, b)), b)),
    partials=(lambda o, a, b: S.Name(f"-{a}^-1 (.) {o}"), lambda o, a, b: S.Postfix(a, "^-1")),
    expr=lambda a, b: S.call("solve", a, b),
)


def _cofactor_impl(a):
    """det(A) A^-T, from the SVD A = U diag(s) V^T as det(U) det(V) U diag(prod_{j!=i} s_j) V^T:
    defined at singular matrices too, where it is the transposed adjugate (JAX's gradient
    of det there), with no division by a zero singular value."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.prod(np.where(np.eye(n, dtype=bool), 1.0, s[..., None, :]), axis=-1)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    if np.iscomplexobj(a):  # A^-T = conj(U) diag(1/s) conj(V^H) for A = U diag(s) V^H
        u, vh = u.conj(), vh.conj()
    return np.reshape(sign, np.shape(sign) + (1, 1)) * ((u * others[..., None, :]) @ vh)


def _cofactor_jax(a):
    jnp = _jnp()
    return jnp.linalg.det(a)[..., None, None] * jnp.swapaxes(jnp.linalg.inv(a), -1, -2)


def _sum_last_two(x):
    return reduce_sum(x, axis=_last_two(x), keepdims=False)


def _has_inverse(a) -> bool:
    try:
        np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return False
    return True


_invertible_p = nondifferentiable("invertible", _has_inverse, None, 1,
                                  expr=lambda a: S.call("invertible", a))


def _invertible(a) -> bool:
    """Whether ``a`` (every matrix of a batch) has an inverse: how cof's rules choose their
    formula.  A decision of the graph (``mg.jit`` guards it, and traces the other formula
    where it goes the other way); under ``vmap`` False, the formula defined everywhere."""
    from .lax import selects

    return False if selects() else decide(_invertible_p(a))


def _minor_index(n: int) -> tuple:
    """The index taking, for every (i, j), the matrix without row i and column j: a
    (..., n, n) array becomes (..., n, n, n - 1, n - 1)."""
    keep = np.array([[k for k in range(n) if k != i] for i in range(n)], dtype=np.intp)
    return (Ellipsis, keep[:, None, :, None], keep[None, :, None, :])


def _signs(n: int) -> np.ndarray:
    return np.where(np.add.outer(np.arange(n), np.arange(n)) % 2 == 0, 1.0, -1.0)


def _minors_cofactors(a):
    """For every (i, j), (-1)^(i+j) cof(A without row i and column j): the derivative of
    cof(A)_ij = (-1)^(i+j) det(minor ij) in the minor's entries, at singular A too."""
    n = _shape(a)[-1]
    found = cofactor(getitem(a, index=_minor_index(n)))
    return found * np.reshape(_signs(n), (n, n, 1, 1)).astype(_float_dtype(a))


# d cof(A) = cof(A) tr(A^-1 dA) - A^-T dA^T cof(A) (the product rule on det(A) A^-T) needs A
# invertible; at a singular A, each cofactor is a minor's determinant, whose derivative is
# the minor's cofactors (JAX's hessian of det is finite there too).  A 1 x 1 cof is 1.
def _cofactor_jvp(t, out, a):
    n = _shape(a)[-1]
    if n == 1:
        return out * 0.0
    if _invertible(a):
        return _batch_scalar(_trace_of_product(inv(a), t), a) * out \
            - matmul(matmul(_swap_last(inv(a)), _swap_last(t)), out)
    return _sum_last_two(_minors_cofactors(a) * getitem(t, index=_minor_index(n)))


def _cofactor_vjp(g, out, a):
    n = _shape(a)[-1]
    if n == 1:
        return a * 0.0
    if _invertible(a):
        return _batch_scalar(_sum_last_two(g * out), a) * _swap_last(inv(a)) \
            - matmul(matmul(out, _swap_last(g)), _swap_last(inv(a)))
    spread = reshape(g, shape=_shape(g) + (1, 1)) * _minors_cofactors(a)
    return scatter_add(spread, index=_minor_index(n), shape=_shape(a))


cofactor = define(
    "cofactor", _cofactor_impl, jax=_cofactor_jax, vmap=lambda batched, out, a: cofactor(a),
    jvp=(_cofactor_jvp,), vjp=(_cofactor_vjp,),
    partials=(lambda o, a: S.Name(f"d cof({a})"),),
    expr=lambda a: S.call("cof", a),
)
det = define(
    "det", np.linalg.det, jax="jax.numpy.linalg.det", code="np.linalg.det({0})",
    vmap=lambda batched, out, a: det(a),
    jvp=(lambda t, out, a: _sum_last_two(cofactor(a) * t),),
    vjp=(lambda g, out, a: _batch_scalar(g, a) * cofactor(a),),
    partials=(lambda o, a: S.call("cof", a),),
    expr=lambda a: S.call("det", a),
)
# d log|det A| = tr(A^-1 dA), with A^-T as cof(A) / det(A): inf or nan at a singular A, as JAX's
logabsdet = define(
    "logabsdet", lambda a: np.linalg.slogdet(a)[1], code="np.linalg.slogdet({0})[1]",
    vmap=lambda batched, out, a: logabsdet(a),
    jax=lambda a: _jnp().linalg.slogdet(a)[1],
    jvp=(lambda t, out, a: _sum_last_two(cofactor(a) * t) / det(a),),
    vjp=(lambda g, out, a: _batch_scalar(g / det(a), a) * cofactor(a),),
    partials=(lambda o, a: S.Postfix(a, "^-T"),),
    expr=lambda a: S.call("log|det|", a),
)


# inv, solve, det and cof are complex-analytic, and their rules (JAX's) transpose without
# conjugating, so they hold on complex matrices; log|det|, cholesky and svd need conjugation.
for _prim in (inv, solve, det, cofactor, _invertible_p):
    _prim.__self__.holomorphic = True


def _phi(a) -> np.ndarray:
    """The lower triangle with half the diagonal, as a mask in ``a``'s float dtype (so that a
    float32 matrix keeps float32 derivatives)."""
    n = _shape(a)[-1]
    return (np.tril(np.ones((n, n))) - 0.5 * np.eye(n)).astype(_float_dtype(a))


def _sym(x):
    return 0.5 * (x + _swap_last(x))


def _cholesky_jvp(t, out, a):
    low = out
    inner = _swap_last(solve(low, _swap_last(solve(low, _sym(t)))))  # L^-1 sym(dA) L^-T
    return matmul(low, inner * _phi(a))


def _cholesky_vjp(g, out, a):
    low = out
    p = matmul(_swap_last(low), g) * _phi(a)  # Phi(L^T G)
    s = solve(_swap_last(low), p)  # L^-T Phi(L^T G)
    return _sym(_swap_last(solve(_swap_last(low), _swap_last(s))))  # ... L^-1, symmetric part


cholesky = define(
    "cholesky", lambda a: np.linalg.cholesky(0.5 * (a + np.swapaxes(a, -1, -2))),
    vmap=lambda batched, out, a: cholesky(a),
    jax="jax.numpy.linalg.cholesky",
    jvp=(_cholesky_jvp,), vjp=(_cholesky_vjp,),
    partials=(lambda o, a: S.Name(f"{o} Phi({o}^-1 (.) {o}^-T)"),),
    expr=lambda a: S.call("cholesky", a),
)


# ------------------------------------------------------------------ the singular value decomposition

_SVD_PARTS = ("s", "u", "vh")


def _svd_impl(a, *, part):
    if part == "s":
        return np.linalg.svd(a, compute_uv=False)
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return u if part == "u" else vh


def _svd_jax(a, *, part):
    if part == "s":
        return _jnp().linalg.svd(a, compute_uv=False)
    u, s, vh = _jnp().linalg.svd(a, full_matrices=False)
    return u if part == "u" else vh


def _row(s):
    """(..., k) -> (..., 1, k): s_j along the last axis."""
    return reshape(s, shape=_shape(s)[:-1] + (1, _shape(s)[-1]))


def _col(s):
    """(..., k) -> (..., k, 1): s_i along the rows."""
    return reshape(s, shape=_shape(s) + (1,))


def _svd_factor_jvp(t, a, part):
    """dU or dVh along dA = t (JAX's svd JVP, real case): with dS = U^T dA V and
    F_ij = 1/(s_j^2 - s_i^2) off the diagonal (0 on it),
    dU = U (F o (dS S + S dS^T)) + (I - U U^T) dA V S^-1   (the last term when m > n),
    dV = V (F o (S dS + dS^T S)) + (I - V V^T) dA^T U S^-1 (the last term when n > m)."""
    s, u, vh = svd(a, part="s"), svd(a, part="u"), svd(a, part="vh")
    v = _swap_last(vh)
    m, n = _shape(a)[-2:]
    eye = np.eye(min(m, n))
    s_row, s_col = _row(s), _col(s)
    f = 1.0 / ((s_row + s_col) * (s_row - s_col) + eye) - eye
    ds = matmul(matmul(_swap_last(u), t), v)
    if part == "u":
        dss = ds * s_row
        du = matmul(u, f * (dss + _swap_last(dss)))
        if m > n:
            dav = matmul(t, v)
            du = du + (dav - matmul(u, matmul(_swap_last(u), dav))) / s_row
        return du
    sds = s_col * ds
    dv = matmul(v, f * (sds + _swap_last(sds)))
    if n > m:
        dahu = matmul(_swap_last(t), u)
        dv = dv + (dahu - matmul(v, matmul(vh, dahu))) / s_row
    return _swap_last(dv)


def _svd_jvp(t, out, a, *, part):
    if part == "s":  # diag(U^T dA V) = sum_i U_ik (dA V)_ik
        return reduce_sum(svd(a, part="u") * matmul(t, _swap_last(svd(a, part="vh"))),
                          axis=(len(_shape(a)) - 2,), keepdims=False)
    return _svd_factor_jvp(t, a, part)


def _svd_vjp(g, out, a, *, part):
    if part == "s":  # U diag(g) V^T
        return matmul(svd(a, part="u") * _row(g), svd(a, part="vh"))
    # the factors' JVP is linear in dA: its transpose, by minigrad's reverse mode over it
    from .transforms import vjp

    zero = np.zeros(_shape(a), dtype=np.result_type(concrete(a), np.float32))
    return vjp(lambda t: _svd_factor_jvp(t, a, part), zero)[1](g)[0]


_SVD_NAMES = {"s": "svdvals", "u": "svd_U", "vh": "svd_Vh"}

def _svd_partial(o, a, *, part):
    """ds_k/dA = u_k v_k^T (all k: U (.) V^T); the factors' partials are too long for a cell."""
    if part == "s":
        return S.Postfix(S.Name("U (.) V"), "^T")
    return S.Name("dU/dA" if part == "u" else "dVh/dA")


_svd = define(
    "svd", _svd_impl, jax=_svd_jax, vmap=lambda batched, out, a, *, part: _svd(a, part=part),
    jvp=(_svd_jvp,), vjp=(_svd_vjp,),
    partials=(_svd_partial,),
    expr=lambda a, *, part: S.call(_SVD_NAMES[part], a),
)


def svd(a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False, *,
        part: str | None = None):
    """``np.linalg.svd``: ``(U, S, Vh)``, or ``S`` alone with ``compute_uv=False``; each
    factor is one application of the ``svd`` entry (``part="s"``, ``"u"`` or ``"vh"`` asks
    for that one).

    As in JAX, the factors are differentiated for the thin decomposition only: a non-square
    traced matrix needs ``full_matrices=False``.  At repeated singular values ``U`` and ``V``
    are not unique and their derivatives are inf or nan (JAX's too); those of ``S`` stay
    finite.
    """
    if part is not None:
        if part not in _SVD_PARTS:
            raise ValueError(f"mnp.linalg.svd: part={part!r}; choose 's', 'u' or 'vh'")
        return _svd(a, part=part)
    if hermitian:
        raise NotImplementedError("mnp.linalg.svd: hermitian=True is not supported. Fix: "
                                  "leave it False (the result is the same, computed generally).")
    if _is_jax(a):
        return _jnp().linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    if not compute_uv:
        return _svd(a, part="s")
    m, n = _shape(a)[-2:]
    if full_matrices and m != n:
        if type(a) is not Variable:
            return np.linalg.svd(concrete(a), full_matrices=True)
        raise NotImplementedError(
            f"mnp.linalg.svd: full_matrices=True of a traced {m}x{n} matrix: the extra columns "
            f"of U or V are not determined by it, so have no derivative (JAX refuses them too). "
            f"Fix: mnp.linalg.svd(a, full_matrices=False).")
    return _svd(a, part="u"), _svd(a, part="s"), _svd(a, part="vh")


def svdvals(a):
    """The singular values, descending (``np.linalg.svdvals``): ``svd(a, compute_uv=False)``."""
    return _svd(a, part="s")


# The determinant's sign: recorded (a program computes it at its own input, never the
# traced one's), with a zero derivative, as JAX's.
_sign_of_det = nondifferentiable(
    "sign_det", lambda a: np.linalg.slogdet(a)[0], "np.linalg.slogdet({0})[0]", 1,
    expr=lambda a: S.call("sign det", a), jax=lambda a: _jnp().linalg.slogdet(a)[0])


def slogdet(a):
    """``(sign, log |det a|)``: the sign has a zero derivative, the log an entry of the table."""
    if _is_jax(a):
        return _jnp().linalg.slogdet(a)
    return _sign_of_det(a), logabsdet(a)


def _is_jax(x) -> bool:
    import sys

    jax = sys.modules.get("jax")
    return jax is not None and isinstance(x, jax.Array)


def norm(x, ord=None, axis=None, keepdims: bool = False):
    """Vector norms (``ord`` None or 2, 1, inf, -inf, 0 (the count of nonzero entries, whose
    derivative is 0), any p) and matrix norms (None or ``'fro'``, 1, -1, inf, -inf, and 2, -2,
    ``'nuc'`` from the singular values), composed of table entries.  With neither ``ord``
    nor ``axis``, the 2-norm of the flattened array, whatever its dimension (NumPy's and
    JAX's default).

    The spectral norm (``ord=2``) is JAX's ``amax(svdvals(x), initial=0)``: its gradient is
    ``u1 v1^T``, and where the largest singular value is repeated (the identity, say) the
    gradient is the average of ``u_k v_k^T`` over the tied ones, as JAX's; ``ord=-2``
    likewise with the smallest.  The nuclear norm's gradient is ``U V^T``, exact at repeated
    singular values and arbitrary (whatever ``U`` and ``V`` LAPACK returns, as in JAX) at zero
    ones, where the norm has a kink.
    """
    from . import numpy as mnp

    nd = mnp.ndim(x)
    axes = tuple(range(nd)) if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
    matrix = len(axes) == 2 and (axis is not None or ord is not None)
    if axis is None and ord is None:  # NumPy's and JAX's default: the flattened 2-norm
        return mnp.sqrt(mnp.sum(x * x, axes, keepdims))
    if len(axes) > 2 or (axis is None and nd > 2):
        raise ValueError(f"mnp.linalg.norm: ord={ord!r} over {len(axes)} axes is not a norm NumPy "
                         f"defines. Fix: give axis= one axis (vector) or two (matrix).")
    if ord in (None, 2, "fro") and not (matrix and ord == 2):
        return mnp.sqrt(mnp.sum(x * x, axes, keepdims))
    if matrix and ord in (2, -2, "nuc"):  # from the singular values
        axes = tuple(k % nd for k in axes)
        rest = [k for k in range(nd) if k not in axes]
        s = svdvals(mnp.transpose(x, rest + list(axes)) if list(axes) != [nd - 2, nd - 1] else x)
        out = (_max_from_zero(s, -1, False) if ord == 2 else
               mnp.min(s, -1) if ord == -2 else mnp.sum(s, -1))
        return mnp.reshape(out, _keep_shape(x, axes)) if keepdims else out
    if not matrix and ord == "nuc":
        raise ValueError("mnp.linalg.norm: ord='nuc' is a matrix norm, given one axis. Fix: give "
                         "axis= two axes (or a 2-D x), or a vector norm's ord.")
    absx = mnp.abs(x)
    if matrix:
        if ord in (1, -1, np.inf, -np.inf):
            summed_axis, kept_axis = (axes[0], axes[1]) if ord in (1, -1) else (axes[1], axes[0])
            sums = mnp.sum(absx, summed_axis, keepdims=True)
            pick = _max_from_zero if ord > 0 else mnp.min
            return _squeeze_to(pick(sums, kept_axis, keepdims=True), axes, keepdims)
        raise ValueError(f"mnp.linalg.norm: ord={ord!r} is not a matrix norm. Fix: use "
                         f"None, 'fro', 'nuc', 1, -1, 2, -2, inf or -inf.")
    if ord == np.inf:
        return _max_from_zero(absx, axes, keepdims)
    if ord == -np.inf:
        return mnp.min(absx, axes, keepdims)
    if ord == 1:
        return mnp.sum(absx, axes, keepdims)
    if ord == 0:  # the count of nonzero entries: piecewise constant, so its derivative is 0
        return mnp.sum(mnp.square(mnp.sign(x)), axes, keepdims)
    return mnp.sum(absx ** float(ord), axes, keepdims) ** (1.0 / ord)


def _max_from_zero(x, axes, keepdims):
    """max(0, max(x)): JAX's amax(..., initial=0), whose tie with 0 (x all zero) halves the
    derivative; the norms follow it there."""
    from . import numpy as mnp

    return mnp.maximum(0.0, mnp.max(x, axes, keepdims))


def _keep_shape(x, axes) -> tuple:
    return tuple(1 if k in axes else n for k, n in enumerate(_shape(x)))


def _squeeze_to(x, axes, keepdims):
    from . import numpy as mnp

    return x if keepdims else mnp.squeeze(x, axes)

