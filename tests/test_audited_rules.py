"""Issue 22's audited cases in the rules and linalg (S8, S9, S11, C1, C2, C3, U5), each
against JAX run on the same code (or against the mathematics, where the two differ).

Every check compares with a number, shape or refusal computed independently: ``jax.grad``,
``jax.jvp``, ``jax.vjp`` with x64, NumPy, or a closed form (the adjugate of a 2x2 matrix).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad.errors import ShapeError, SingularMatrixError
from minigrad.testing import check_rules


@pytest.fixture(autouse=True)
def x64():
    with jax.enable_x64(True):
        yield


# ------------------------------------------------------------ S8: check_rules reads batch rules

def _doubling(name, batch_factor):
    return mg.primitive(name, lambda x: 2.0 * x, jvp=lambda t, o, x: 2.0 * t,
                        vjp=lambda g, o, x: 2.0 * g, batch=lambda i, t, o, x: batch_factor * t,
                        jax=lambda x: 2.0 * x)


def test_s8_a_wrong_batch_rule_is_reported_and_a_right_one_passes():
    x = np.array([1.0, 2.0, 3.0])
    bad, good = _doubling("audit_double_bad", 3.0), _doubling("audit_double", 2.0)
    # the symptom: jacfwd (batch rules) and jacrev (vjp rules) disagree; JAX's Jacobian is 2I
    assert np.allclose(mg.jacfwd(bad)(x), 3.0 * np.eye(3))
    assert np.allclose(mg.jacrev(bad)(x), np.asarray(jax.jacrev(lambda x: 2.0 * x)(x)))
    report = check_rules(bad, x)
    assert not report
    assert [c.quantity for c in report.failures] == ["batch"]
    assert "batch" in str(report).splitlines()[0]
    assert check_rules(good, x)


def test_s8_the_builtin_batch_rules_pass():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert check_rules(lambda a: mnp.sum(a @ a.T, axis=0), a)


# ------------------------------------------------- S9: rules returning the wrong shape are refused

def _wrong_bwd():
    @mg.custom_vjp
    def f(x):
        return 2.0 * x

    f.defvjp(lambda x: (2.0 * x, None), lambda res, g: (g * np.ones(3),))
    return f


def _wrong_jvp():
    @mg.custom_jvp
    def h(x):
        return 2.0 * x

    @h.defjvp
    def h_jvp(primals, tangents):
        return 2.0 * primals[0], tangents[0] * np.ones(3)

    return h


def test_s9_custom_vjp_bwd_of_the_wrong_shape_is_refused_as_jax_does():
    f = _wrong_bwd()
    jf = jax.custom_vjp(lambda x: 2.0 * x)
    jf.defvjp(lambda x: (2.0 * x, None), lambda res, g: (g * jnp.ones(3),))
    with pytest.raises(Exception, match="shape"):  # JAX: "... the shapes do not match"
        jax.grad(jf)(1.0)
    with pytest.raises(ShapeError, match=r"custom_vjp f: bwd returned shape \(3,\) for input x of shape \(\)"):
        mg.grad(f)(1.0)


def test_s9_custom_jvp_tangent_of_the_wrong_shape_is_refused_in_both_modes():
    h = _wrong_jvp()
    jh = jax.custom_jvp(lambda x: 2.0 * x)
    jh.defjvp(lambda p, t: (2.0 * p[0], t[0] * jnp.ones(3)))
    with pytest.raises(Exception, match="shape"):
        jax.jvp(jh, (1.0,), (1.0,))
    message = r"custom_jvp h: the rule h_jvp returned shape \(3,\) for the output of shape \(\)"
    with pytest.raises(ShapeError, match=message):
        mg.jvp(h, (1.0,), (1.0,))
    with pytest.raises(ShapeError, match=message):
        mg.grad(h)(1.0)


def test_s9_primitive_rules_of_the_wrong_shape_are_refused():
    sq = mg.primitive("audit_square_wrong", lambda x: x * x, jvp=lambda t, o, x: t * np.ones(3),
                      vjp=lambda g, o, x: g * np.ones(3))
    with pytest.raises(ShapeError, match=r"'audit_square_wrong': its vjp rule for input 1 returned shape \(3,\)"):
        mg.grad(sq)(2.0)
    with pytest.raises(ShapeError, match=r"its jvp rule for input 1 returned shape \(3,\) for the output"):
        mg.jvp(sq, (2.0,), (1.0,))


def test_s9_a_deriv_of_the_wrong_shape_is_refused_and_check_rules_reports_it():
    """JAX refuses a custom rule's tangent whose shape is not the output's; a ``deriv`` is
    the rule's factor, so one that does not broadcast into the output is refused alike."""
    sq = mg.primitive("audit_square_deriv", lambda x: x * x, deriv=(lambda o, x: 2.0 * x * np.ones(3),))
    message = r"'audit_square_deriv': its deriv for input 1 returned shape \(3,\) for the output of shape \(\)"
    for differentiate in (mg.grad(sq), lambda x: mg.jvp(sq, (x,), (1.0,)), mg.jit(mg.grad(sq))):
        with pytest.raises(ShapeError, match=message):
            differentiate(2.0)
    report = check_rules(sq, 2.0)
    assert not report and "its deriv for input 1 returned shape (3,)" in str(report)
    fine = mg.primitive("audit_square_deriv_ok", lambda x: x * x, deriv=(lambda o, x: 2.0 * x,))
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(mg.jacfwd(fine)(x), jax.jacfwd(lambda x: x * x)(x))
    assert check_rules(fine, x)


def test_s9_a_batch_rule_without_the_directions_axis_is_refused_and_reported():
    """jacfwd's batch rule gets tangents (k, *shape); a result (3,) for three directions of a
    (3,) output would broadcast into (3, 3) with the directions mixed up (JAX's Jacobian: 2I)."""
    summed = mg.primitive("audit_double_summed", lambda x: 2.0 * x, jvp=lambda t, o, x: 2.0 * t,
                          vjp=lambda g, o, x: 2.0 * g,
                          batch=lambda i, t, o, x: 2.0 * mnp.sum(t, axis=0))
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ShapeError, match=r"'audit_double_summed': its batch rule for input 1 "
                                         r"returned shape \(3,\) for 3 directions of the output "
                                         r"of shape \(3,\)\. Fix: return shape \(3, 3\)"):
        mg.jacfwd(summed)(x)
    report = check_rules(summed, x)
    assert [c.quantity for c in report.failures] == ["batch"]
    assert "returned shape (3,) for 3 directions" in str(report)


def test_s9_a_broadcasting_primitive_may_return_an_output_shaped_cotangent():
    """The sweep sums a cotangent over the axes an input was broadcast along: not an error."""
    mul = mg.primitive("audit_mul", lambda a, b: a * b, jvp=(lambda t, o, a, b: t * b, lambda t, o, a, b: a * t),
                       vjp=(lambda g, o, a, b: g * b, lambda g, o, a, b: a * g), jax=lambda a, b: a * b)
    a, b = 2.0, np.array([1.0, 2.0, 3.0])
    got = mg.grad(lambda a, b: mnp.sum(mul(a, b)), argnums=(0, 1))(a, b)
    want = jax.grad(lambda a, b: jnp.sum(a * b), argnums=(0, 1))(a, b)
    assert np.allclose(got[0], want[0]) and np.allclose(got[1], want[1])


@pytest.mark.parametrize("make, check", [(_wrong_bwd, "vjp"), (_wrong_jvp, "jvp")])
def test_s9_check_rules_reports_the_wrong_shape_instead_of_crashing(make, check):
    report = check_rules(make(), 1.0)
    assert not report
    assert report.failures[0].quantity == check
    assert "returned shape (3,)" in str(report).splitlines()[0]


# ------------------------------------------------- S11: fwd once at vjp, bwd once per cotangent

def _logged(log, module):
    """JAX's documentation's example (custom_vjp, "which ran"), on either engine."""
    def f(x, y):
        return module.sin(x) * y

    def f_fwd(x, y):
        log.append("fwd")
        return module.sin(x) * y, (module.cos(x), module.sin(x), y)

    def f_bwd(res, g):
        log.append("bwd")
        cos_x, sin_x, y = res
        return cos_x * g * y, sin_x * g

    return f, f_fwd, f_bwd


def test_s11_custom_vjp_runs_fwd_when_vjp_is_called_and_only_bwd_for_the_cotangent():
    logs = {}
    results = {}
    for engine, (custom, vjp, module) in {"jax": (jax.custom_vjp, jax.vjp, jnp),
                                           "minigrad": (mg.custom_vjp, mg.vjp, mnp)}.items():
        log = logs[engine] = []
        f, fwd, bwd = _logged(log, module)
        f = custom(f)
        f.defvjp(fwd, bwd)
        out, pullback = vjp(f, 0.5, 3.0)
        log.append("|")  # vjp called; the cotangents arrive next
        results[engine] = (out, pullback(1.0), pullback(2.0))
    assert logs["minigrad"] == logs["jax"] == ["fwd", "|", "bwd", "bwd"]
    for got, want in zip(results["minigrad"], results["jax"]):
        assert np.allclose(got, want, rtol=1e-14)


def test_s11_second_order_through_custom_vjp_still_reads_the_residuals_of_its_own_level():
    f, fwd, bwd = _logged([], mnp)
    f = mg.custom_vjp(f)
    f.defvjp(fwd, bwd)
    jf, jfwd, jbwd = _logged([], jnp)
    jf = jax.custom_vjp(jf)
    jf.defvjp(jfwd, jbwd)
    got = mg.grad(mg.grad(f))(0.5, 3.0)
    want = jax.grad(jax.grad(jf))(0.5, 3.0)
    assert np.isclose(got, want, rtol=1e-13)


# --------------------------------------------------------------- U5: custom_jvp's primal_out

def test_u5_jvp_returns_the_rules_primal_out_as_jax_does():
    def rule(primals, tangents):  # a rule whose primal_out is not the function's
        return 3.0 * primals[0], tangents[0]

    k = mg.custom_jvp(lambda x: 2.0 * x)
    k.defjvp(rule)
    jk = jax.custom_jvp(lambda x: 2.0 * x)
    jk.defjvp(rule)
    assert mg.jvp(k, (1.0,), (1.0,)) == tuple(float(v) for v in jax.jvp(jk, (1.0,), (1.0,)))
    assert mg.vjp(k, 1.0)[0] == float(jax.vjp(jk, 1.0)[0]) == 3.0
    assert k(1.0) == float(jk(1.0)) == 2.0  # called plainly, the function runs



def _offset_rules():
    """custom_jvp and custom_vjp pairs (minigrad's, JAX's) whose rules' primal output is not
    the function's (3x against 2x): where each is returned tells whether the rule ran."""
    def rule(primals, tangents):
        return 3.0 * primals[0], tangents[0]

    def fwd(x):
        return 3.0 * x, None

    def bwd(res, g):
        return (g,)

    k, jk = mg.custom_jvp(lambda x: 2.0 * x), jax.custom_jvp(lambda x: 2.0 * x)
    k.defjvp(rule)
    jk.defjvp(rule)
    v, jv = mg.custom_vjp(lambda x: 2.0 * x), jax.custom_vjp(lambda x: 2.0 * x)
    v.defvjp(fwd, bwd)
    jv.defvjp(fwd, bwd)
    return [(k, jk), (v, jv)]


@pytest.mark.parametrize("pair", [0, 1], ids=["custom_jvp", "custom_vjp"])
def test_u5_under_jit_the_rules_primal_out_where_jax_returns_it(pair):
    f, jf = _offset_rules()[pair]
    cases = [  # (minigrad's, JAX's, the arguments): each returns a tuple of numbers
        (lambda x: (mg.jit(f)(x),), lambda x: (jax.jit(jf)(x),), (1.5,)),  # plain: the function's
        (mg.jit(mg.value_and_grad(f)), jax.jit(jax.value_and_grad(jf)), (1.5,)),
        (mg.value_and_grad(mg.jit(f)), jax.value_and_grad(jax.jit(jf)), (1.5,)),
        (mg.jit(lambda x: (mg.jit(f)(x), mg.vjp(f, x)[0])),
         jax.jit(lambda x: (jax.jit(jf)(x), jax.vjp(jf, x)[0])), (1.5,)),
    ]
    if pair == 0:  # custom_vjp has no forward mode, in either engine
        cases.append((mg.jit(lambda x, t: mg.jvp(f, (x,), (t,))),
                      jax.jit(lambda x, t: jax.jvp(jf, (x,), (t,))), (1.5, 1.0)))
    for k, (mine, theirs, args) in enumerate(cases):
        want = tuple(map(float, theirs(*args)))
        for _ in range(2):  # the call that traces, then one that runs the compiled program
            assert tuple(map(float, mine(*args))) == want, k

# ---------------------------------------------------------------------- C1: batched solve

def test_c1_solve_of_a_batch_of_matrices_and_one_vector_differentiates_as_jax():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(2, 3, 3)) + 3.0 * np.eye(3)
    b = rng.normal(size=3)
    u = rng.normal(size=(2, 3))
    ta, tb = rng.normal(size=a.shape), rng.normal(size=b.shape)
    out, pullback = mg.vjp(mnp.linalg.solve, a, b)
    jout, jpullback = jax.vjp(jnp.linalg.solve, a, b)
    assert out.shape == jout.shape == (2, 3)
    for got, want in zip(pullback(u), jpullback(u)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    got = mg.jvp(mnp.linalg.solve, (a, b), (ta, tb))[1]
    want = jax.jvp(jnp.linalg.solve, (a, b), (ta, tb))[1]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(mg.jacfwd(lambda b: mnp.linalg.solve(a, b))(b),
                               jax.jacfwd(lambda b: jnp.linalg.solve(a, b))(b), rtol=1e-12)


# ---------------------------------------------------------------- C2: singular matrices

SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


def test_c2_det_gradient_at_a_singular_matrix_is_the_adjugate_as_jax():
    adjugate_t = np.array([[4.0, -2.0], [-2.0, 1.0]])  # cofactors of [[a, b], [c, d]]: [[d, -c], [-b, a]]
    assert np.allclose(np.asarray(jax.grad(jnp.linalg.det)(SINGULAR)), adjugate_t)
    np.testing.assert_allclose(mg.grad(mnp.linalg.det)(SINGULAR), adjugate_t, atol=1e-14)
    t = np.array([[0.3, -1.0], [0.5, 2.0]])
    np.testing.assert_allclose(mg.jvp(mnp.linalg.det, (SINGULAR,), (t,))[1],
                               jax.jvp(jnp.linalg.det, (SINGULAR,), (t,))[1], atol=1e-14)
    rank_one = np.outer([1.0, 2.0, -1.0], [0.5, 1.0, 3.0])  # rank 1: every 2x2 minor is 0
    np.testing.assert_allclose(mg.grad(mnp.linalg.det)(rank_one), np.zeros((3, 3)), atol=1e-13)
    np.testing.assert_allclose(mg.grad(mnp.linalg.det)(rank_one), jax.grad(jnp.linalg.det)(rank_one),
                               atol=1e-13)


def test_c2_det_gradient_of_a_batch_with_one_singular_matrix():
    a = np.stack([SINGULAR, np.array([[2.0, 1.0], [1.0, 3.0]])])
    got = mg.grad(lambda a: mnp.sum(mnp.linalg.det(a)))(a)
    want = jax.grad(lambda a: jnp.sum(jnp.linalg.det(a)))(a)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


SINGULAR_3 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])  # rank 2


@pytest.mark.parametrize("a", [SINGULAR, SINGULAR_3, np.outer([1.0, 2.0, -1.0], [0.5, 1.0, 3.0]),
                               np.zeros((3, 3)), np.zeros((1, 1)),
                               np.stack([SINGULAR, np.array([[2.0, 1.0], [1.0, 3.0]])])],
                         ids=["2x2", "3x3 rank 2", "3x3 rank 1", "3x3 zero", "1x1 zero", "batch"])
def test_c2_det_second_and_third_derivatives_at_a_singular_matrix_are_jaxs(a):
    """det is a polynomial: its Hessian is finite at a singular matrix (JAX gives it); the
    cofactors' rule, which needs an inverse, takes each cofactor as a minor's determinant."""
    f, jf = (lambda a: mnp.sum(mnp.linalg.det(a))), (lambda a: jnp.sum(jnp.linalg.det(a)))
    for mine, theirs in [(mg.hessian(f), jax.hessian(jf)),
                         (mg.jacrev(mg.grad(f)), jax.jacrev(jax.grad(jf))),
                         (mg.jacfwd(mg.hessian(f)), jax.jacfwd(jax.hessian(jf)))]:
        np.testing.assert_allclose(mine(a), theirs(a), rtol=1e-12, atol=1e-12)


def test_c2_det_hessian_under_jit_guards_invertibility_and_vmap_mixes_both():
    """Which formula the cofactors' rule took is a decision: ``mg.jit`` traced at an
    invertible matrix traces again at a singular one instead of raising LinAlgError."""
    invertible = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])
    jitted = mg.jit(mg.hessian(mnp.linalg.det))
    for a in (invertible, SINGULAR_3, invertible, SINGULAR_3):
        np.testing.assert_allclose(jitted(a), jax.hessian(jnp.linalg.det)(a), rtol=1e-12, atol=1e-12)
    assert (jitted.traces, jitted.retraces) == (2, 1)
    table = mg.trace(mg.hessian(mnp.linalg.det), SINGULAR_3).table()
    assert table.decisions["text"] == ["invertible v1: false"]
    both = np.stack([invertible, SINGULAR_3])
    np.testing.assert_allclose(mg.vmap(mg.hessian(mnp.linalg.det))(both),
                               jax.vmap(jax.hessian(jnp.linalg.det))(both), rtol=1e-12, atol=1e-12)


def test_c2_slogdet_hessian_at_a_singular_matrix_is_not_finite_as_jax():
    """log|det| is -inf there: JAX's Hessian is nan; minigrad's is nan or inf, never a number."""
    f, jf = (lambda a: mnp.linalg.slogdet(a)[1]), (lambda a: jnp.linalg.slogdet(a)[1])
    for a in (SINGULAR, SINGULAR_3):
        assert not np.any(np.isfinite(np.asarray(jax.hessian(jf)(a))))
        with np.errstate(divide="ignore", invalid="ignore"):
            assert not np.any(np.isfinite(mg.hessian(f)(a)))


def test_c2_slogdet_gradient_at_a_singular_matrix_is_infinite_as_jax():
    with np.errstate(divide="ignore", invalid="ignore"):
        got = mg.grad(lambda a: mnp.linalg.slogdet(a)[1])(SINGULAR)
    want = np.asarray(jax.grad(lambda a: jnp.linalg.slogdet(a)[1])(SINGULAR))
    assert np.array_equal(got, want) and np.all(np.isinf(got))


@pytest.mark.parametrize("fn, matrix, what", [
    (mnp.linalg.inv, SINGULAR, "Singular matrix"),
    (mnp.linalg.cholesky, -np.eye(2), "not positive definite"),
])
def test_c2_singular_inverse_and_indefinite_cholesky_say_so_in_one_line(fn, matrix, what):
    jfn = {mnp.linalg.inv: jnp.linalg.inv, mnp.linalg.cholesky: jnp.linalg.cholesky}[fn]
    assert not np.all(np.isfinite(np.asarray(jfn(matrix))))  # JAX: inf or nan, no error
    with pytest.raises(SingularMatrixError) as caught:
        mg.grad(lambda a: mnp.sum(fn(a)))(matrix)
    message = str(caught.value)
    assert "\n" not in message and what in message and "v1 (a)" in message
    assert "make the shapes fit" not in message and "Fix:" in message
    assert isinstance(caught.value, np.linalg.LinAlgError)


# ------------------------------------------------------------------------------ C3: norm

def test_c3_norm_ord_0_counts_nonzeros_with_a_zero_gradient_as_jax():
    x = np.array([1.0, 0.0, -2.0, 0.5])
    assert mnp.linalg.norm(x, ord=0) == float(jnp.linalg.norm(x, ord=0)) == 3.0
    np.testing.assert_array_equal(mg.grad(lambda x: mnp.linalg.norm(x, ord=0))(x),
                                  jax.grad(lambda x: jnp.linalg.norm(x, ord=0))(x))
    m = np.array([[1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(mnp.linalg.norm(m, ord=0, axis=1), jnp.linalg.norm(m, ord=0, axis=1))


def test_c3_norm_of_a_3d_array_is_the_flattened_2_norm_as_numpy_and_jax():
    x = np.arange(1.0, 9.0).reshape(2, 2, 2)
    assert np.isclose(mnp.linalg.norm(x), np.linalg.norm(x), rtol=1e-15)
    np.testing.assert_allclose(mg.grad(mnp.linalg.norm)(x), jax.grad(jnp.linalg.norm)(x), rtol=1e-14)
    with pytest.raises(ValueError, match="axis="):  # a matrix norm of a 3-D array: NumPy refuses too
        mnp.linalg.norm(x, ord=1)


# ------------------------------------------ a custom function given one input twice: its label

def test_custom_vjp_given_one_input_twice_labels_each_partial_by_its_argument():
    """``f(x, x)``: the partial sums the rule's parts for both arguments, and says so (it
    read ``2 fixed_point_rev``, as if the rule were a number doubled)."""
    def fwd(a, x):
        return a * x, (a, x)

    def fixed_point_rev(res, g):
        a, x = res
        return g * x, g * a

    fp, jfp = mg.custom_vjp(lambda a, x: a * x), jax.custom_vjp(lambda a, x: a * x)
    fp.defvjp(fwd, fixed_point_rev)
    jfp.defvjp(fwd, fixed_point_rev)
    table = mg.trace(lambda x: fp(x, x), 3.0).table(mode="reverse")
    row = table.rows[1]
    assert [(n, str(d)) for n, d in row.partials] == [("v1", "fixed_point_rev[a] + fixed_point_rev[x]")]
    assert table.rows[0].adjoint == float(jax.grad(lambda x: jfp(x, x))(3.0)) == 6.0
    two = mg.trace(lambda x, y: fp(x, y), 3.0, 2.0).table()
    assert [str(d) for _, d in two.rows[2].partials] == ["fixed_point_rev[a]", "fixed_point_rev[x]"]
    assert "fixed\\_point\\_rev[a]" in two.to_latex()
