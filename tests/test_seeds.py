"""The five tutorials in ../shared/seeds run on minigrad with only the namespace changed, and
give JAX's numbers (issue 24).

Each seed's code is kept as written (its cells in order, plotting and printing left out,
what it prints or plots returned instead) in one function whose parameters are the names
the seed imports; it runs once with JAX's objects and once with minigrad's, on small data
and few iterations, and the numbers are compared: rtol 1e-9 in float64 (JAX with x64, so
that both compute in float64; the tutorials' random data come from the same keys or the
same NumPy seed), float32 tolerances where the seed computes in float32.

Where a seed uses an API JAX has since removed (``jax.ops.index_update``, ``jax.tree_map``)
JAX gets its replacement (``.at[].set``, ``jax.tree.map``); minigrad keeps the old names.
Seed 001's flax/optax section is JAX's own ecosystem: it runs through JAX only (when
installed).
"""

from __future__ import annotations

import types
from functools import partial

import numpy as onp
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad import lax as mlax
from minigrad import ops as mops
from minigrad import random as mrandom

F64 = dict(rtol=1e-9, atol=1e-12)


@pytest.fixture(scope="module")
def jx(jax_x64):
    return jax_x64


def compare(ours, theirs, **tol):
    """Every leaf of two results (dicts, tuples, lists of numbers and arrays) agrees."""
    tol = tol or F64
    if isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs)
        for k in theirs:
            compare(ours[k], theirs[k], **tol)
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            compare(a, b, **tol)
    else:
        a, b = onp.asarray(ours), onp.asarray(theirs)
        assert a.shape == b.shape, (a.shape, b.shape)
        if b.dtype == bool:
            onp.testing.assert_array_equal(a, b)
        elif b.dtype == onp.float32:  # JAX takes a mean of booleans in float32, even with x64
            onp.testing.assert_allclose(a.astype(float), b.astype(float), rtol=1e-6, atol=1e-7)
        else:
            onp.testing.assert_allclose(a.astype(float), b.astype(float), **tol)


def jax_with_tree_map(jax):
    """``jax`` as the older tutorials knew it: with ``jax.tree_map`` (now ``jax.tree.map``)."""
    return types.SimpleNamespace(**{k: getattr(jax, k) for k in dir(jax) if not k.startswith("__")},
                                 tree_map=jax.tree.map)


# ------------------------------------------------------------------ 000: linear regression

def seed_000(np, jnp, random, index, index_update, grad, n=100):
    def make_key():
        """ Helper function to generate a key for jax's parallel PRNG
        using standard numpy random functions.
        """
        seed = np.random.randint(2**16 - 1)
        return random.PRNGKey(seed)
    rands = random.uniform(make_key(), shape=(n, ), minval=-1, maxval=1)
    _ = np.ones((n, 2))
    _[:, 0] = rands
    x = jnp.ones((n, 2))
    x = index_update(x, index[:, 0], rands)
    # Fix our "true" slope and bias terms
    slope, bias = (3., 2.)
    beta_true = jnp.array((slope, bias))
    errs = random.normal(make_key(), shape=(n, ))
    y = (x @ beta_true) + errs
    beta_ols = jnp.linalg.inv(x.T @ x) @ (x.T @ y)

    def mse(y_hat, y):
        return jnp.power(y_hat - y, 2).mean()
    a_test = jnp.array([-1., 1.])
    mse_test = mse(x@a_test, y)

    def predict(beta, x):
        return x@beta

    def loss_fun(beta, x, y=y):
        preds = predict(beta, x)
        return mse(preds, y)
    grad_loss_fun = grad(loss_fun, argnums=0)
    grad_test = grad_loss_fun(a_test, x)

    def gradient_descent_step(beta, lr=1e-1, x=x):
        beta_grad = grad_loss_fun(beta, x)
        beta = index_update(beta, index[:], beta - lr*beta_grad)
        return beta
    beta_gd = jnp.array([-1., 1.])
    γ = 5e-2  # noqa: F841 (the tutorial defines it and steps with lr=1e-1)
    printed = []
    for t in range(200):
        if (t % 10) == 0:
            printed.append((t, beta_gd))
        new_beta = gradient_descent_step(beta_gd)
        rel_err = np.sqrt(np.mean((beta_gd - new_beta)**2))
        if rel_err < 1e-3:
            printed.append(f"Converged -> relative error = {rel_err:g}")
            break
        beta_gd = new_beta
    # the animation's update (without matplotlib)
    a = jnp.array([-1., 1.])
    lr = 5e-2
    for _i in range(20):
        a_grad = grad_loss_fun(a, x)
        a = index_update(a, index[:], a - lr*a_grad)
    return {"x": x, "y": y, "beta_ols": beta_ols, "mse_test": mse_test, "grad_test": grad_test,
            "printed": printed, "beta_gd": beta_gd, "animated": a}


def _run_000(np_random_seed, **names):
    onp.random.seed(np_random_seed)
    return seed_000(**names)


def test_seed_000_linear_regression(jx):
    jnp = jx.numpy

    def index_update(x, idx, y):  # jax.ops.index_update, as JAX spells it now
        return x.at[idx].set(y)

    theirs = _run_000(0, np=onp, jnp=jnp, random=jx.random, index=onp.index_exp,
                      index_update=index_update, grad=jx.grad)
    ours = _run_000(0, np=onp, jnp=mnp, random=mrandom, index=mops.index,
                    index_update=mops.index_update, grad=mg.grad)
    printed_ours, printed_theirs = ours.pop("printed"), theirs.pop("printed")
    compare(ours, theirs, rtol=1e-9, atol=1e-12)
    assert [p if isinstance(p, str) else p[0] for p in printed_ours] == \
           [p if isinstance(p, str) else p[0] for p in printed_theirs]
    compare([p[1] for p in printed_ours if not isinstance(p, str)],
            [p[1] for p in printed_theirs if not isinstance(p, str)])
    assert type(ours["x"]) is mg.Array


# --------------------------------------------------------- 001: logistic regression, a network

def seed_001(jax, np, lax, np0, partial, N=400, dim=5, K=30, Nt=300, Nv=100, M=8):
    out = {}

    def update_coeff(x, dx, Δ=1):
        return jax.tree_map(lambda a, b: a + Δ*b, x, dx)
    # generate random data
    β0t, β1t, σ = 3.0, 2.0, 0.5
    dat_x = np0.random.randn(N)
    dat_y = β0t + β1t*dat_x + σ*np0.random.randn(N)

    # make a function that evaluates model fit and computes the MSE
    def regress_objective(c, x, y):
        β0, β1 = c['β0'], c['β1']
        yhat = β0 + β1*x
        like = -(yhat-y)**2
        return np.mean(like)
    d_regress_objective = jax.value_and_grad(regress_objective)

    # make a function that updates coefficients
    @jax.jit
    def regress_update(c, t):
        val, dc = d_regress_objective(c, dat_x, dat_y)
        c1 = update_coeff(c, dc, 0.01)
        ret = {'coeff': c1, 'mse': -val}
        return c1, ret
    # run the update a fixed number of times
    c0 = {'β0': 2.0, 'β1': 1.0}
    c1, hist = lax.scan(regress_update, c0, np.arange(K))
    out["regress"] = (c1, hist)

    # binary crossentry is really just a likelihood for a categorical outcome
    def binary_crossentropy(logits, y):
        probs = 1/(1+np.exp(-logits))
        like = np.where(y, probs, 1-probs)
        return np.log(like)

    # split objective into predict and likelihood functions
    def logit_predict(c, x):
        β0, β1 = c['β0'], c['β1']
        return β0 + x @ β1

    def logit_objective(c, x, y):
        logits = logit_predict(c, x)
        like = binary_crossentropy(logits, y)
        return np.mean(like)
    d_logit_objective = jax.grad(logit_objective)

    # compute dictionary of stats for fit
    def logit_stats(c, x, y):
        β0, β1 = c['β0'], c['β1']
        # coefficient distribution
        β1avg = np.mean(β1)
        β1std = np.sqrt(np.mean(β1**2)-β1avg**2)
        # prediction
        logits = logit_predict(c, x)
        objective = np.mean(binary_crossentropy(logits, y))
        predict = logits >= 0.0  # point prediction in {0,1}
        predavg = np.mean(predict)
        # fit assessment
        accuracy = np.mean(predict == y)
        false_pos = np.mean(predict & ~y)
        false_neg = np.mean(~predict & y)
        # return detached
        return {
            'β0': β0, 'β1avg': β1avg, 'β1std': β1std, 'accuracy': accuracy,
            'false_pos': false_pos, 'false_neg': false_neg, 'predavg': predavg,
            'objective': objective
        }

    # make a function that updates coefficients
    @partial(jax.jit, static_argnames='K')
    def logit_estimate(x, y, K=500, Δ=0.01):
        N, M = x.shape
        c0 = {
            'β0': 0.1*np0.random.randn(),
            'β1': 0.1*np0.random.randn(M),
        }

        def update(c, t):
            dc = d_logit_objective(c, x, y)
            c1 = update_coeff(c, dc, Δ)
            st = logit_stats(c, x, y)
            return c1, st
        return lax.scan(update, c0, np.arange(K))
    # simple hyperplane model
    β0t = 0.0
    β1t = 1 + np0.random.randn(dim)
    # more random data
    space = np0.random.randn(N, dim)
    rando = np0.random.logistic(size=N)
    categ = β0t + space @ β1t + rando > 0
    out["categ_mean"] = np.mean(categ)
    coeff, history = logit_estimate(space, categ, K=K, Δ=2.0)
    out["logit"] = (coeff, history)
    # look at out of sample properties (validation accuracy)
    val_space = np0.random.randn(N, dim)
    val_rando = np0.random.logistic(size=N)
    val_categ = β0t + val_space @ β1t + val_rando > 0
    out["logit_val"] = logit_stats(coeff, val_space, val_categ)
    space = np0.random.randn(N, dim)
    categ = np.sqrt(np.mean(space**2, axis=1)) < 1
    out["sphere_mean"] = np.mean(categ)
    coeff, history = logit_estimate(space, categ, K=K // 3, Δ=2.0)
    val_space = np0.random.randn(N, dim)
    val_categ = np.sqrt(np.sum(val_space**2, axis=1)) < np.sqrt(dim)
    out["sphere"] = (coeff, history, logit_stats(coeff, val_space, val_categ))

    # the two-layer network
    def hill_func(dat):
        return dat[:, 1] >= 2.5*dat[:, 0]*(1-dat[:, 0])
    train_space = np0.random.rand(Nt, 2)
    train_categ = hill_func(train_space)
    valid_space = np0.random.rand(Nv, 2)
    valid_categ = hill_func(valid_space)

    def neural_predict(c, x):
        W0, b0, W1, b1 = c['W0'], c['b0'], c['W1'], c['b1']
        hidden = jax.nn.sigmoid(x @ W0 + b0)
        output = hidden @ W1 + b1
        return output

    def neural_objective(c, x, y):
        logits = neural_predict(c, x)
        like = binary_crossentropy(logits, y)
        return like.mean()
    d_neural_objective = jax.grad(neural_objective)

    def neural_stats(c, x, y):
        # generate predictions
        logits = neural_predict(c, x)
        predict = logits >= 0.0  # point prediction in {0,1}
        # fit assessment
        accuracy = np.mean(predict == y)
        false_pos = np.mean(predict & ~y)
        false_neg = np.mean(~predict & y)
        # return detached
        return {
            'accuracy': accuracy, 'false_pos': false_pos, 'false_neg': false_neg
        }

    @partial(jax.jit, static_argnames='K')
    def neural_regression(train_x, train_y, valid_x, valid_y, K=2000, Δ=2.0, hid=2):
        # generate coefficients of the appropriate shape
        c0 = {
            'W0': 2*np0.random.randn(2, hid),
            'b0': 2*np0.random.randn(hid),
            'W1': 2*np0.random.randn(hid),
            'b1': 2*np0.random.randn(),
        }

        # scan that baby
        def update(c, t):
            dc = d_neural_objective(c, train_x, train_y)
            c1 = update_coeff(c, dc, Δ)
            train_stats = neural_stats(c, train_x, train_y)
            valid_stats = neural_stats(c, valid_x, valid_y)
            return c1, (train_stats, valid_stats)
        return lax.scan(update, c0, np.arange(K))
    est, (train_hist, valid_hist) = neural_regression(train_space, train_categ, valid_space,
                                                      valid_categ, K=K, Δ=2.0)
    out["neural"] = (est, train_hist, valid_hist)

    # useful for creating coordinate lists
    def cartesian_prod(a, b):
        return np.dstack(np.meshgrid(a, b)).reshape(-1, 2)
    out["cartesian"] = cartesian_prod(np.arange(3), np.arange(3, 6)).T
    # construct uniform grid over (x, y)
    test_a = np.linspace(0, 1, M)
    test_b = np.linspace(0, 1, M)
    test_x = cartesian_prod(test_a, test_b)
    test_logits = neural_predict(est, test_x)
    test_pred = test_logits >= 0.0
    test_red = test_x[test_pred, :]
    test_blue = test_x[~test_pred, :]
    out["grid"] = (test_logits, test_red, test_blue)
    # get hidden layers
    test_hidden = test_x @ est['W0'] + est['b0'] >= 0.0
    # normalize by layer weight sign in final aggregation
    layer_sign = est['W1'] < 0
    layer_mask0 = layer_sign[0] ^ test_hidden[:, 0]
    layer_mask1 = layer_sign[1] ^ test_hidden[:, 1]
    # get hidden outputs
    out["hidden"] = (test_x[layer_mask0, :], test_x[~layer_mask0, :],
                     test_x[layer_mask1, :], test_x[~layer_mask1, :])
    return out


def test_seed_001_logistic_regression_and_network(jx):
    onp.random.seed(1)
    theirs = seed_001(jax_with_tree_map(jx), jx.numpy, jx.lax, onp, partial)
    onp.random.seed(1)
    ours = seed_001(mg, mnp, mlax, onp, partial)
    compare(ours, theirs)


def test_seed_001_flax_optax_section_runs_through_jax():
    """JAX's ecosystem (flax.linen, optax): it runs through JAX, not minigrad."""
    pytest.importorskip("optax")
    pytest.importorskip("flax")


# ------------------------------------------------------------------------ 002: minibatch SGD

def seed_002(np, jax, onp, n_epoch=60, group_size=20, n=200):
    @jax.jit
    def loss_function(params, x, y):
        predict = x.dot(params[0]) + params[1]
        deviation = y - predict
        squared_deviation = deviation ** 2
        mean_squared_deviation = squared_deviation.mean()
        return np.sqrt(mean_squared_deviation)

    class Bootstrap:
        def __init__(self, seed=123):
            self.rng = onp.random.RandomState(seed)

        def bootstrap(self, xs, group_size=100, n_boots=100):
            xs = onp.array(xs)
            total_size = xs.shape[0]
            if group_size > total_size:
                raise ValueError('Group size > input array size')
            for i in range(n_boots):
                idx = self.rng.randint(0, total_size, group_size)
                yield idx

    class SGD():
        def __init__(self, learning_rate=1e-3, n_epoch=1000):
            self.learning_rate = learning_rate
            self.n_epoch = n_epoch
            self.losses = onp.zeros(n_epoch)
            self.coef_ = None
            self.intercept_ = None
            self.gradients = None
            self._iter = 0

        def fit(self, X, y):
            if X.ndim != 2:
                raise ValueError('X must have 2 dimension')
            self.__InitParams__(X)
            bootstrap = Bootstrap()
            subsets = bootstrap.bootstrap(X, group_size=group_size, n_boots=self.n_epoch)
            loss_gradient = jax.grad(loss_function)
            for i in range(self.n_epoch):
                self._iter += 1
                train_idx = next(subsets)
                X_train, y_train = X[train_idx], y[train_idx]
                loss = loss_function([self.coef_, self.intercept_], X_train, y_train)
                self.losses[i] = loss
                self.gradients = loss_gradient([self.coef_, self.intercept_], X_train, y_train)
                self.__update__()

        def predict(self, X):
            return X.dot(self.coef_) + self.intercept_

        def __InitParams__(self, X):
            # initialize weights and bias terms
            self.coef_ = onp.random.randn(X.shape[1])
            self.intercept_ = onp.random.randn(1)
            self._iter = 0

        def __update__(self):
            self.coef_ -= self.gradients[0] * self.learning_rate
            self.intercept_ -= self.gradients[1] * self.learning_rate

    X = 10 * onp.random.random((n, 2))
    y = X.dot([3, 4]) + onp.random.random(n) + 5
    lm = SGD(n_epoch=n_epoch, learning_rate=0.01)
    lm.fit(X, y)
    return {"losses": lm.losses, "coef": lm.coef_, "intercept": lm.intercept_,
            "predict": lm.predict(X)}


def test_seed_002_minibatch_sgd(jx):
    onp.random.seed(2)
    theirs = seed_002(jx.numpy, jx, onp)
    onp.random.seed(2)
    ours = seed_002(mnp, mg, onp)
    compare(ours, theirs, rtol=1e-10, atol=0)
    assert ours["losses"][-1] < ours["losses"][0] / 2  # it trains


# ------------------------------------------------------ 003: the lecture's log-density table

def seed_003(np, grad):
    def f(y, mu, sigma):
        return -0.5 * ((y - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)
    return f(1.5, 0.0, 2.0), grad(f, argnums=(0, 1, 2))(1.5, 0.0, 2.0)


def test_seed_003_log_density_and_its_table(jx):
    compare(seed_003(mnp, mg.grad), seed_003(jx.numpy, jx.grad))

    def f(y, mu, sigma):
        return -0.5 * ((y - mu) / sigma) ** 2 - mnp.log(sigma) - 0.5 * mnp.log(2 * mnp.pi)
    table = mg.trace(f, 1.5, 0.0, 2.0).table()
    assert [row.var for row in table.rows][:10] == [f"v{i}" for i in range(1, 11)]


# --------------------------------------------------------------- 004: jit, vmap, Newton, CG

def seed_004(onp, np, jit, vmap, jacfwd, jacrev, jvp, vjp, device_put, steps=50):
    out = {}

    def iterfun(start):
        for _ in range(steps):
            start = (start**2+21)/10
        return start
    start = onp.arange(-9, 10, 0.5)
    out["numpy"] = iterfun(start)
    fast_iterfun = jit(iterfun)
    start = np.arange(-6, 6, 0.5)
    start = device_put(start)
    out["jit"] = fast_iterfun(start).block_until_ready()

    def iterfun(start, a):  # noqa: F811 (the tutorial redefines it)
        result = []
        for _ in range(steps):
            start = a*start - a*start**2
        for i in range(steps):
            start = a*start - a*start**2
            result.append(start)
        return np.array(result)
    out["logistic"] = iterfun(0.5, 3.4)
    fast_iterfun = jit(iterfun)
    out["logistic_jit"] = fast_iterfun(0.5, 3.4).block_until_ready()
    if vmap is not None:
        vec_iterfun = vmap(lambda a: fast_iterfun(0.5, a))
        a_vector = np.arange(3.4, 3.5, 0.025)  # (periodic: no chaos to amplify XLA's FMA rounding)
        a_vector = device_put(a_vector)
        out["vmap"] = vec_iterfun(a_vector).reshape((-1))
        out["jit_of_vmap"] = jit(vmap(lambda a: iterfun(0.5, a)))(a_vector)  # (not the seed's: the other order)

    def quad_fun(x):
        x = x - np.array([3, 7])
        return -1 * (x.T @ np.array([[3, 2], [2, 7]]) @ x - 2)

    # naive function to solve linear equation Hx = J
    def naive_solve(start):
        J = jacrev(quad_fun)
        H = jacfwd(J)
        return np.linalg.inv(H(start)) @ J(start)
    # compile to make the function fast
    naive_solve = jit(naive_solve)
    start = np.array([0, 0], dtype='float64')
    # negative update as we maximize
    out["newton"] = -1 * naive_solve(start)

    # better function to solve linear equation Hx = J
    def cg_solve(point, ndim):
        # point = point at which to evaluate J and H
        J = jacrev(quad_fun)
        H = lambda x: jvp(J, (point,), (x,))[1]  # noqa: E731
        x = np.zeros(ndim)
        b = J(point)
        r = b - H(x)
        p = r
        # search in ndim conjugate directions
        for _ in range(ndim):
            Ap = H(p)
            rr = r.T@r
            alpha = rr/(p.T@Ap)
            x = x + alpha*p
            r = r - alpha*Ap
            beta = r.T@r/(rr)
            p = r + beta*p
        return x
    # compile with a fixed dimension size
    fast_solve = jit(lambda x: cg_solve(x, 2))
    start = np.array([0, 0], dtype='float64')
    out["cg"] = -1 * fast_solve(start)
    return out


def test_seed_004_jit_newton_conjugate_gradients(jx):
    vmap = getattr(mg, "vmap", None)  # (minigrad's vmap is another issue's: compared once it lands)
    theirs = seed_004(onp, jx.numpy, jx.jit, jx.vmap if vmap else None, jx.jacfwd, jx.jacrev,
                      jx.jvp, jx.vjp, jx.device_put)
    ours = seed_004(onp, mnp, mg.jit, vmap, mg.jacfwd, mg.jacrev, mg.jvp, mg.vjp, mg.device_put)
    compare(ours, theirs)
    compare(ours["newton"], [3.0, 7.0])
    # the bifurcation diagram's last iterates: period 2 at a = 3.4, period 4 at a = 3.475
    diagram = onp.asarray(ours["vmap"]).reshape(-1, 50)[:, -8:]
    assert [len(onp.unique(onp.round(row, 6))) for row in diagram[[0, 3]]] == [2, 4]
