"""The tutorials' workloads (``examples.md`` section 3), run on minigrad end to end.

Every workload must reach an answer known independently of minigrad: the least-squares
solution from ``numpy.linalg.lstsq``, the maximum-likelihood estimate from a Newton
iteration with the closed-form gradient and Hessian, closed-form derivatives, central
finite differences, or ``jax`` in float64 running the very same ``mnp`` function.
Tolerances are tight enough that a wrong derivative rule cannot meet them.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad import examples as ex

# ----------------------------------------------------------------------------- helpers


@pytest.fixture
def jax64():
    """``jax`` with 64-bit floats switched on for this test only (global config restored)."""
    jax = pytest.importorskip("jax")
    before = jax.config.jax_enable_x64
    with jax.enable_x64(True):
        yield jax
    assert jax.config.jax_enable_x64 == before


def to_jax(jax, tree):
    return jax.tree_util.tree_map(lambda x: jax.numpy.asarray(x, dtype=jax.numpy.float64), tree)


def leaves(tree) -> list[np.ndarray]:
    """Leaves of a dict/tuple/list pytree in a fixed order, as float64 arrays."""
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in leaves(tree[k])]
    if isinstance(tree, (tuple, list)):
        return [leaf for t in tree for leaf in leaves(t)]
    return [np.asarray(tree, dtype=np.float64)]


def assert_tree_close(got, want, rtol=1e-10, atol=1e-12):
    assert _structure(got) == _structure(want)
    for a, b in zip(leaves(got), leaves(want)):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _structure(tree):
    if isinstance(tree, dict):
        return {k: _structure(v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(_structure(t) for t in tree)
    return "leaf"


def axpy(p, d, h):
    """p + h d for matching pytrees."""
    if isinstance(p, dict):
        return {k: axpy(p[k], d[k], h) for k in p}
    if isinstance(p, (tuple, list)):
        return type(p)(axpy(a, b, h) for a, b in zip(p, d))
    return p + h * d


def vdot(a, b) -> float:
    return float(sum(np.vdot(x, y) for x, y in zip(leaves(a), leaves(b))))


def central_difference(f, p, d, h=1e-5) -> float:
    """Directional derivative of f at p along d, by central differences (O(h^2))."""
    return (float(f(axpy(p, d, h))) - float(f(axpy(p, d, -h)))) / (2 * h)


def random_like(tree, rng):
    if isinstance(tree, dict):
        return {k: random_like(v, rng) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(random_like(t, rng) for t in tree)
    if np.ndim(tree) == 0:
        return float(rng.standard_normal())
    return rng.standard_normal(np.shape(tree))


def sigmoid_np(z):
    return 1.0 / (1.0 + np.exp(-z))


# ------------------------------------------------------------------------------ data


def test_data_generators_are_seeded_and_shaped():
    X, y, beta = ex.linear_data(0)
    assert X.shape == (100, 2) and y.shape == (100,) and beta.shape == (2,)
    X2, y2, _ = ex.linear_data(0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, ex.linear_data(1)[0])
    # y = X beta + noise: the noise is of the stated size
    assert 0.3 < np.std(y - X @ beta) < 0.7
    assert ex.linear_data(0, n=1000)[0].shape == (1000, 2)

    X, y, params = ex.logistic_data(0)
    assert X.shape == (10000, 100) and y.shape == (10000,) and params["b1"].shape == (100,)
    assert set(np.unique(y)) == {0.0, 1.0}
    # labels follow the true model: the true params explain them better than chance
    p = sigmoid_np(params["b0"] + X @ params["b1"])
    assert abs(y.mean() - p.mean()) < 0.02
    np.testing.assert_array_equal(y, ex.logistic_data(0)[1])

    X, y = ex.hill_data(0)
    assert X.shape == (10000, 2) and y.shape == (10000,)
    assert X.min() >= 0.0 and X.max() <= 1.0
    np.testing.assert_array_equal(y, (X[:, 1] >= 2.5 * X[:, 0] * (1 - X[:, 0])).astype(float))
    # the hill 2.5 x (1 - x) has area 2.5/6 under it in the unit square
    assert abs(y.mean() - (1 - 2.5 / 6)) < 0.02


def test_softplus_is_stable_and_its_slope_is_the_sigmoid(jax64):
    z = np.array([-800.0, -30.0, -1.5, 0.0, 1e-3, 2.0, 30.0, 800.0])
    # logsumexp is accurate to rounding in absolute terms (log(1 + 1e-13) is not log1p)
    np.testing.assert_allclose(ex.softplus(z), np.logaddexp(0.0, z), rtol=1e-14, atol=1e-15)
    slope = mg.grad(lambda z: mnp.sum(ex.softplus(z)))(z)
    with np.errstate(over="ignore", invalid="ignore"):  # the branch not taken may overflow
        sigmoid_stable = np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
    np.testing.assert_allclose(slope, sigmoid_stable, rtol=1e-14, atol=1e-300)
    assert np.all(np.isfinite(slope))
    np.testing.assert_allclose(np.asarray(jax64.grad(lambda z: ex.softplus(z).sum())(
        jax64.numpy.asarray(z))), sigmoid_stable, rtol=1e-14, atol=1e-300)
    # saturated logits give finite log-likelihoods and gradients
    X = np.array([[400.0], [-400.0]])
    y = np.array([0.0, 1.0])
    value, g = mg.value_and_grad(ex.logistic_loglik)({"b0": 0.0, "b1": np.ones(1)}, X, y)
    assert value == pytest.approx(-400.0, rel=1e-14)
    np.testing.assert_allclose(g["b1"], [-400.0], rtol=1e-14)
    np.testing.assert_allclose(g["b0"], 0.0, atol=1e-14)


# --------------------------------------------------- one function, three engines: values


def _cases():
    rng = np.random.default_rng(7)
    X, y, _ = ex.linear_data(3, n=50)
    beta = rng.standard_normal(2)
    Xl, yl, _ = ex.logistic_data(3, n=300, d=8)
    pl = {"b0": 0.3, "b1": rng.standard_normal(8)}
    Xh, yh = ex.hill_data(3, n=200)
    pm = ex.init_mlp(5, seed=3)
    pm["b0"] = rng.standard_normal(5)
    pm["b1"] = 0.2

    def mlp_ref(p):
        hid = sigmoid_np(Xh @ p["W0"] + p["b0"])
        q = sigmoid_np(hid @ p["W1"] + p["b1"])
        return -np.mean(yh * np.log(q) + (1 - yh) * np.log(1 - q))

    x = rng.standard_normal(2)
    d = x - np.array([3.0, 7.0])
    return {
        "mse": (lambda b: ex.mse(b, X, y), beta, lambda b: np.mean((y - X @ b) ** 2)),
        "rmse": (lambda b: ex.rmse(b, X, y), beta, lambda b: np.sqrt(np.mean((y - X @ b) ** 2))),
        "logistic_loglik": (
            lambda p: ex.logistic_loglik(p, Xl, yl), pl,
            lambda p: np.mean(yl * np.log(sigmoid_np(p["b0"] + Xl @ p["b1"]))
                              + (1 - yl) * np.log(1 - sigmoid_np(p["b0"] + Xl @ p["b1"]))),
        ),
        "mlp_loss": (lambda p: ex.mlp_loss(p, Xh, yh), pm, mlp_ref),
        "quadratic": (ex.quadratic, x,
                      lambda x: -(3 * d[0] ** 2 + 4 * d[0] * d[1] + 7 * d[1] ** 2 - 2)),
    }


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_runs_unchanged_on_numpy_minigrad_and_jax(name, jax64):
    f, p, reference = CASES[name]
    want = reference(p)
    np.testing.assert_allclose(f(p), want, rtol=1e-12)                   # NumPy
    value, _ = mg.value_and_grad(f)(p)
    np.testing.assert_allclose(value, want, rtol=1e-12)                  # minigrad
    np.testing.assert_allclose(np.asarray(f(to_jax(jax64, p))), want, rtol=1e-12)  # JAX


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_gradient_matches_jax_and_finite_differences(name, jax64):
    f, p, _ = CASES[name]
    g = mg.grad(f)(p)
    g_jax = jax64.grad(f)(to_jax(jax64, p))
    assert_tree_close(g, jax64.tree_util.tree_map(np.asarray, g_jax), rtol=1e-10, atol=1e-13)
    rng = np.random.default_rng(11)
    for _ in range(3):
        d = random_like(p, rng)
        np.testing.assert_allclose(vdot(g, d), central_difference(f, p, d), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_model_gradient_on_jaxbridge_matches_minigrad(name, compiled):
    pytest.importorskip("jax")
    import jaxbridge as jb

    f, p, _ = CASES[name]
    g = mg.grad(f)(p)
    with jb.precision():
        value, g_jb = jb.value_and_grad(f, jit=compiled)(p)  # NumPy in, JAX computes
        g_jb = _to_numpy(g_jb)
    np.testing.assert_allclose(np.asarray(value), f(p), rtol=1e-12)
    assert_tree_close(g, g_jb, rtol=1e-10, atol=1e-13)


def _to_numpy(tree):
    if isinstance(tree, dict):
        return {k: _to_numpy(v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(_to_numpy(t) for t in tree)
    return np.asarray(tree)


# ----------------------------------------------------------------- linear regression, GD


def test_gradient_descent_on_mse_reaches_least_squares():
    X, y, _ = ex.linear_data(0)
    n = len(y)
    beta_ls = np.linalg.lstsq(X, y, rcond=None)[0]
    grad_mse = mg.grad(ex.mse)

    # the gradient itself: closed form -2/n X^T (y - X beta), at a few points
    rng = np.random.default_rng(1)
    for beta in [np.zeros(2), beta_ls, rng.standard_normal(2) * 3]:
        np.testing.assert_allclose(grad_mse(beta, X, y), -2 / n * X.T @ (y - X @ beta),
                                   rtol=1e-12, atol=1e-12)

    beta = np.zeros(2)
    losses = []
    for _ in range(300):
        losses.append(ex.mse(beta, X, y))
        beta = beta - 0.1 * grad_mse(beta, X, y)
    np.testing.assert_allclose(beta, beta_ls, rtol=0, atol=1e-10)
    assert all(b <= a * (1 + 1e-12) for a, b in zip(losses, losses[1:]))  # up to rounding
    assert losses[0] > 10 * losses[-1]
    np.testing.assert_allclose(ex.mse(beta, X, y), np.mean((y - X @ beta_ls) ** 2), rtol=1e-12)


def test_minibatch_sgd_on_rmse_gets_close_to_least_squares():
    X, y, _ = ex.linear_data(1, n=1000)
    beta_ls = np.linalg.lstsq(X, y, rcond=None)[0]
    rmse_ls = np.sqrt(np.mean((y - X @ beta_ls) ** 2))
    grad_rmse = mg.grad(ex.rmse)

    # closed form: d rmse / d beta = -X^T r / (n rmse)
    beta = np.array([0.5, -1.0])
    r = y - X @ beta
    np.testing.assert_allclose(grad_rmse(beta, X, y),
                               -X.T @ r / (len(y) * np.sqrt(np.mean(r ** 2))), rtol=1e-12)

    rng = np.random.default_rng(0)
    beta, step = np.zeros(2), 0
    for _epoch in range(20):
        order = rng.permutation(len(y))
        for k in range(0, len(y), 50):
            batch = order[k:k + 50]
            beta = beta - 0.5 / (1 + 0.05 * step) * grad_rmse(beta, X[batch], y[batch])
            step += 1
    assert np.linalg.norm(beta - beta_ls) < 0.02
    assert 0 <= ex.rmse(beta, X, y) - rmse_ls < 1e-3 * rmse_ls
    assert np.linalg.norm(np.zeros(2) - beta_ls) > 1.0  # the start was far away


# ------------------------------------------------------------------- logistic regression


def _logistic_closed_form_grad(p, X, y):
    r = y - sigmoid_np(p["b0"] + X @ p["b1"])
    return {"b0": np.mean(r), "b1": X.T @ r / len(y)}


def test_logistic_gradient_on_full_data_matches_jax_closed_form_and_fd(jax64):
    X, y, _ = ex.logistic_data(0)  # 10000 x 100
    rng = np.random.default_rng(5)
    f = lambda p: ex.logistic_loglik(p, X, y)  # noqa: E731
    for p in [{"b0": 0.0, "b1": np.zeros(100)},  # z = 0 exactly: softplus's slope is 1/2
              {"b0": 0.4, "b1": 0.2 * rng.standard_normal(100)}]:
        g = mg.grad(f)(p)
        assert np.ndim(g["b0"]) == 0 and np.shape(g["b1"]) == (100,)
        assert_tree_close(g, _logistic_closed_form_grad(p, X, y), rtol=1e-10, atol=1e-14)
        g_jax = jax64.grad(ex.logistic_loglik)(to_jax(jax64, p), X, y)
        assert_tree_close(g, jax64.tree_util.tree_map(np.asarray, g_jax), rtol=1e-10, atol=1e-14)
        for d in [{"b0": 1.0, "b1": np.zeros(100)}, random_like(p, rng)]:
            np.testing.assert_allclose(vdot(g, d), central_difference(f, p, d), rtol=1e-7, atol=1e-10)


def test_logistic_gradient_ascent_increases_loglik_on_full_data():
    X, y, _ = ex.logistic_data(0)
    value_and_grad = mg.value_and_grad(ex.logistic_loglik)
    p = {"b0": 0.0, "b1": np.zeros(100)}
    values, norms = [], []
    for _ in range(5):
        v, g = value_and_grad(p, X, y)
        values.append(v)
        norms.append(np.sqrt(g["b0"] ** 2 + g["b1"] @ g["b1"]))
        p = {k: p[k] + 2.0 * g[k] for k in p}
    values.append(ex.logistic_loglik(p, X, y))
    assert values[0] == pytest.approx(np.log(0.5), rel=1e-12)
    assert all(b > a for a, b in zip(values, values[1:]))
    assert values[-1] > values[0] + 0.02
    assert norms[-1] < 0.5 * norms[0]


def _logistic_mle_newton(X, y):
    """The maximum-likelihood estimate by Newton's method with the closed-form derivatives."""
    A = np.hstack([np.ones((len(y), 1)), X])
    w = np.zeros(A.shape[1])
    for _ in range(50):
        p = sigmoid_np(A @ w)
        g = A.T @ (y - p) / len(y)
        H = -(A.T * (p * (1 - p))) @ A / len(y)
        w = w - np.linalg.solve(H, g)
    return {"b0": w[0], "b1": w[1:]}


def test_logistic_gradient_ascent_converges_to_the_mle():
    X, y, _ = ex.logistic_data(2, n=2000, d=10)
    mle = _logistic_mle_newton(X, y)
    for leaf in leaves(_logistic_closed_form_grad(mle, X, y)):  # the MLE is stationary
        np.testing.assert_allclose(leaf, 0.0, atol=1e-13)
    value_and_grad = mg.value_and_grad(ex.logistic_loglik)
    p = {"b0": 0.0, "b1": np.zeros(10)}
    for _ in range(150):
        _, g = value_and_grad(p, X, y)
        p = {k: p[k] + 4.0 * g[k] for k in p}
    assert_tree_close(p, mle, rtol=0, atol=1e-9)


def test_logistic_hessian_matches_closed_form():
    X, y, _ = ex.logistic_data(4, n=400, d=4)
    p = {"b0": 0.2, "b1": np.array([0.5, -0.3, 0.1, 0.0])}
    H = mg.hessian(ex.logistic_loglik)(p, X, y)
    A = np.hstack([np.ones((len(y), 1)), X])
    q = sigmoid_np(A @ np.r_[p["b0"], p["b1"]])
    want = -(A.T * (q * (1 - q))) @ A / len(y)
    np.testing.assert_allclose(H["b0"]["b0"], want[0, 0], rtol=1e-10)
    np.testing.assert_allclose(H["b0"]["b1"], want[0, 1:], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(H["b1"]["b0"], want[1:, 0], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(H["b1"]["b1"], want[1:, 1:], rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------------- two-layer network (hill)


def test_two_layer_network_gradient_matches_jax_and_fd(jax64):
    X, y = ex.hill_data(0, n=1000)
    p = ex.init_mlp(8, seed=1, scale=2.0)
    rng = np.random.default_rng(2)
    p["b0"], p["b1"] = 0.5 * rng.standard_normal(8), 0.3
    g = mg.grad(ex.mlp_loss)(p, X, y)
    assert {k: np.shape(v) for k, v in g.items()} == {k: np.shape(v) for k, v in p.items()}
    g_jax = jax64.grad(ex.mlp_loss)(to_jax(jax64, p), X, y)
    assert_tree_close(g, jax64.tree_util.tree_map(np.asarray, g_jax), rtol=1e-10, atol=1e-14)
    f = lambda q: ex.mlp_loss(q, X, y)  # noqa: E731
    for _ in range(3):
        d = random_like(p, rng)
        np.testing.assert_allclose(vdot(g, d), central_difference(f, p, d), rtol=1e-7, atol=1e-10)


def test_two_layer_network_training_reduces_loss_like_jax(jax64):
    X, y = ex.hill_data(0)
    Xtr, ytr, Xte, yte = X[:2000], y[:2000], X[2000:], y[2000:]
    p0 = ex.init_mlp(10, seed=0, scale=2.0)
    lr, steps = 5.0, 300
    value_and_grad = mg.value_and_grad(ex.mlp_loss)

    p, losses = p0, []
    for _ in range(steps):
        v, g = value_and_grad(p, Xtr, ytr)
        losses.append(v)
        p = {k: p[k] - lr * g[k] for k in p}

    # the reference trajectory: the same mnp function and update under jax.grad
    jnp = jax64.numpy
    step = jax64.jit(lambda q: jax64.tree_util.tree_map(
        lambda a, b: a - lr * b, q, jax64.grad(ex.mlp_loss)(q, jnp.asarray(Xtr), jnp.asarray(ytr))))
    q = to_jax(jax64, p0)
    for _ in range(steps):
        q = step(q)
    assert_tree_close(p, jax64.tree_util.tree_map(np.asarray, q), rtol=1e-7, atol=1e-9)

    assert losses[-1] < 0.5 * losses[0]
    assert ex.mlp_loss(p, Xte, yte) < 0.5 * ex.mlp_loss(p0, Xte, yte)
    accuracy = np.mean((ex.mlp_predict(p, Xte) > 0.5) == (yte > 0.5))
    assert accuracy > 0.85  # a held-out check: the network learnt the hill


# --------------------------------------------------------------- Newton on the quadratic

A_QUAD = np.array([[3.0, 2.0], [2.0, 7.0]])
C_QUAD = np.array([3.0, 7.0])


def test_quadratic_derivatives_have_the_closed_form():
    rng = np.random.default_rng(0)
    for x in [np.zeros(2), C_QUAD, rng.standard_normal(2) * 5]:
        np.testing.assert_allclose(mg.grad(ex.quadratic)(x), -2 * A_QUAD @ (x - C_QUAD),
                                   rtol=1e-14, atol=1e-13)
        H = mg.jacfwd(mg.jacrev(ex.quadratic))(x)
        assert np.shape(H) == (2, 2)
        np.testing.assert_allclose(H, -2 * A_QUAD, rtol=0, atol=1e-13)
        np.testing.assert_allclose(mg.hessian(ex.quadratic)(x), -2 * A_QUAD, rtol=0, atol=1e-13)


@pytest.mark.parametrize("x0", [np.zeros(2), np.array([-4.0, 11.5])])
def test_newton_step_with_hessian_from_jacfwd_jacrev_lands_on_c(x0):
    H = mg.jacfwd(mg.jacrev(ex.quadratic))(x0)
    g = mg.grad(ex.quadratic)(x0)
    x1 = x0 - np.linalg.solve(H, g)
    np.testing.assert_allclose(x1, C_QUAD, rtol=0, atol=1e-12)
    assert ex.quadratic(x1) == pytest.approx(2.0, abs=1e-12)
    np.testing.assert_allclose(mg.grad(ex.quadratic)(x1), 0.0, atol=1e-12)


def conjugate_gradients(matvec, b, tol=1e-14, max_iter=50):
    """Solve M s = b for symmetric positive-definite M, given only s -> M s."""
    s = np.zeros_like(b)
    r = b - matvec(s)
    d = r.copy()
    rr = r @ r
    for _ in range(max_iter):
        if np.sqrt(rr) <= tol * np.linalg.norm(b):
            break
        Md = matvec(d)
        alpha = rr / (d @ Md)
        s = s + alpha * d
        r = r - alpha * Md
        rr, rr_old = r @ r, rr
        d = r + (rr / rr_old) * d
    return s


def test_newton_step_by_conjugate_gradients_with_hessian_vector_products(monkeypatch):
    # never form the Hessian: any Jacobian construction in this test is an error
    def forbidden(*args, **kwargs):
        raise AssertionError("the Hessian must not be formed")

    for name in ("jacfwd", "jacrev", "hessian"):
        monkeypatch.setattr(mg, name, forbidden)
    monkeypatch.setattr(mg.transforms, "_jacobian", forbidden)

    x0 = np.zeros(2)
    calls = []

    def hvp(v):
        calls.append(v)
        return mg.jvp(mg.grad(ex.quadratic), (x0,), (v,))[1]

    rng = np.random.default_rng(3)
    for _ in range(3):
        v = rng.standard_normal(2)
        np.testing.assert_allclose(hvp(v), -2 * A_QUAD @ v, rtol=1e-13, atol=1e-13)

    calls.clear()
    g = mg.grad(ex.quadratic)(x0)
    # the Hessian is negative definite: solve (-H) s = g, then x1 = x0 + s = x0 - H^-1 g
    s = conjugate_gradients(lambda v: -hvp(v), g)
    x1 = x0 + s
    np.testing.assert_allclose(x1, C_QUAD, rtol=0, atol=1e-10)
    assert len(calls) <= 4  # CG on a 2 x 2 system: about one product per dimension


# -------------------------------------------------------------------------- logistic map


def _logistic_map_derivative(a, x0, steps):
    """x_n and d x_n / d a by the hand-derived recurrence d' = x (1 - x) + a (1 - 2x) d."""
    x, d = np.full_like(a, x0), np.zeros_like(a)
    for _ in range(steps):
        x, d = a * x * (1 - x), x * (1 - x) + a * (1 - 2 * x) * d
    return x, d


def test_logistic_map_values_match_closed_forms():
    # a = 2: 1 - 2 x_n = (1 - 2 x0)^(2^n);  a = 4: 1 - 2 x_n = cos(2^n theta), cos theta = 1 - 2 x0
    x0, n = 0.3, 8
    a = np.array([2.0, 4.0])
    got = ex.logistic_map(a, x0=x0, steps=n)
    theta = np.arccos(1 - 2 * x0)
    want = np.array([(1 - (1 - 2 * x0) ** (2 ** n)) / 2, (1 - np.cos(2 ** n * theta)) / 2])
    np.testing.assert_allclose(got, want, rtol=1e-9)
    value, _ = mg.jvp(lambda a: ex.logistic_map(a, x0=x0, steps=n), (a,), (np.ones(2),))
    np.testing.assert_allclose(value, want, rtol=1e-9)


def test_logistic_map_derivative_over_many_a_matches_recurrence_and_fd():
    a = np.linspace(1.5, 3.5, 1000)
    x0, steps = 0.3, 30
    f = lambda a: ex.logistic_map(a, x0=x0, steps=steps)  # noqa: E731
    x, dx = mg.jvp(f, (a,), (np.ones_like(a),))  # elementwise map: one sweep gives all dx_n/da
    x_ref, dx_ref = _logistic_map_derivative(a, x0, steps)
    np.testing.assert_allclose(x, x_ref, rtol=1e-13)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-10, atol=1e-12)
    h = 1e-6
    fd = (f(a + h) - f(a - h)) / (2 * h)
    np.testing.assert_allclose(dx, fd, rtol=1e-5, atol=1e-6)
    assert np.max(np.abs(dx)) > 1.0  # a nontrivial derivative, not a constant

    # reverse mode agrees: the gradient of sum_i x_n(a_i) is the same vector
    np.testing.assert_allclose(mg.grad(lambda a: mnp.sum(f(a)))(a), dx_ref, rtol=1e-10, atol=1e-12)


def test_logistic_map_jacobian_is_diagonal_and_matches_jax(jax64):
    a = np.array([2.2, 2.9, 3.3, 3.5])
    f = lambda a: ex.logistic_map(a, x0=0.4, steps=20)  # noqa: E731
    J = mg.jacfwd(f)(a)
    _, dx_ref = _logistic_map_derivative(a, 0.4, 20)
    np.testing.assert_allclose(J, np.diag(dx_ref), rtol=1e-10, atol=0)
    # jax: vmap of the scalar derivative, the tutorial's formulation
    g_jax = jax64.vmap(jax64.grad(f))(jax64.numpy.asarray(a))
    np.testing.assert_allclose(np.diag(J), np.asarray(g_jax), rtol=1e-10)

