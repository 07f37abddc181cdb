"""The bundled example functions: the lectures' running examples, written once with ``mnp``.

Each runs unchanged on floats and NumPy arrays, under minigrad and under JAX.
"""

from __future__ import annotations

import numpy as _np

from . import numpy as mnp


def lognormal(y, mu, sigma):
    """log N(y | mu, sigma), the normal log-density (not the log-normal density): the docs'
    reference trace table (chapter 3, after the Stan Math paper), ten variables."""
    return -0.5 * ((y - mu) / sigma) ** 2 - mnp.log(sigma) - 0.5 * mnp.log(2 * mnp.pi)


def chain_rule(x1, x2):
    """z = x1 x2 + sin x1: the chain-rule example (five variables)."""
    return x1 * x2 + mnp.sin(x1)


def survey(x1, x2):
    """ln x1 + x1 x2 - sin x2, Baydin et al.'s example (JMLR 2018, Tables 2 and 3), its
    operations recorded in the survey's order: v1 = ln, v2 = x1 x2, v3 = sin, v4, v5."""
    v1, v2, v3 = mnp.log(x1), x1 * x2, mnp.sin(x2)
    return (v1 + v2) - v3


def griewank_walther(x1, x2):
    """[sin(x1/x2) + x1/x2 - e^x2][x1/x2 - e^x2], Griewank and Walther's example (2008),
    each shared subexpression computed once: v1 = x1/x2, v3 = e^x2, v4 = v1 - v3."""
    v1 = x1 / x2
    v2 = mnp.sin(v1)
    v3 = mnp.exp(x2)
    v4 = v1 - v3
    v5 = v2 + v4
    return v5 * v4


# ----------------------------------------------------------------------------------------
# The tutorials' workloads (examples/, docs chapter 6c).  Model functions use only Python
# operators and ``mnp``, so NumPy, minigrad and JAX all run them; the data generators are
# plain NumPy and take a seed (a ``numpy.random.Generator`` is made from it).

QUAD_C = _np.array([3.0, 7.0])
QUAD_A = _np.array([[3.0, 2.0], [2.0, 7.0]])


def mse(beta, X, y):
    """Linear regression loss: mean((y - X @ beta)^2)."""
    r = y - X @ beta
    return mnp.mean(r * r)


def rmse(beta, X, y):
    """Root mean squared error of the linear model: sqrt(mse)."""
    return mnp.sqrt(mse(beta, X, y))


def softplus(z):
    """log(1 + exp(z)), stable for large |z|: logaddexp(0, z) (exact slope 1/2 at 0)."""
    return mnp.logaddexp(0.0, z)


def bernoulli_loglik(z, y):
    """Elementwise log-likelihood of labels y in {0, 1} under p = sigmoid(z), from the logits z.

    y log sigmoid(z) + (1 - y) log(1 - sigmoid(z)) = y z - softplus(z), without forming
    log(0) when sigmoid saturates.
    """
    return y * z - softplus(z)


def logistic_loglik(params, X, y):
    """Logistic regression: mean log-likelihood of y under sigmoid(b0 + X @ b1).

    ``params = {'b0': scalar, 'b1': (d,)}``; maximised by gradient ascent.
    """
    z = params["b0"] + X @ params["b1"]
    return mnp.mean(bernoulli_loglik(z, y))


def logistic_predict(params, X):
    """Logistic regression: P(y = 1 | x) = sigmoid(b0 + X @ b1)."""
    return mnp.sigmoid(params["b0"] + X @ params["b1"])


def mlp_logits(params, X):
    """Two-layer network 2 -> H -> 1: sigmoid hidden layer, then a linear output (logits).

    ``params = {'W0': (2, H), 'b0': (H,), 'W1': (H,), 'b1': scalar}``; X is (n, 2).
    """
    hidden = mnp.sigmoid(X @ params["W0"] + params["b0"])
    return hidden @ params["W1"] + params["b1"]


def mlp_predict(params, X):
    """The two-layer network's probability of label 1: sigmoid of its logits."""
    return mnp.sigmoid(mlp_logits(params, X))


def mlp_loss(params, X, y):
    """The two-layer network's loss on labels y in {0, 1}: mean binary cross-entropy."""
    return -mnp.mean(bernoulli_loglik(mlp_logits(params, X), y))


def quadratic(x):
    """f(x) = -((x - c)^T A (x - c) - 2), c = (3, 7), A = [[3, 2], [2, 7]]; maximum 2 at c.

    Its gradient is -2 A (x - c) and its Hessian the constant -2 A, so one Newton step
    from anywhere lands on c.
    """
    d = x - QUAD_C
    return -(d @ mnp.matmul(QUAD_A, d) - 2.0)


def logistic_map(a, x0=0.5, steps=50):
    """The logistic map x <- a x (1 - x), iterated ``steps`` times from x0; elementwise in a."""
    x = x0
    for _ in range(steps):
        x = a * x * (1 - x)
    return x


def damped_sine(x):
    """One step x -> 0.9 sin x + 0.1 x (four operations): it contracts, so a long chain of
    it stays finite with a derivative far from 0 and inf."""
    return mnp.sin(x) * 0.9 + 0.1 * x


def sine_chain(steps: int, every: int | None = None):
    """The function applying ``damped_sine`` ``steps`` times; with ``every``, each run of
    ``every`` steps is one ``mg.checkpoint``-ed function: the memory lecture's chain
    (``steps`` a multiple of ``every``)."""
    from .remat import checkpoint

    def segment(x):
        for _ in range(every or steps):
            x = damped_sine(x)
        return x

    run = segment if every is None else checkpoint(segment)

    def chain(x):
        for _ in range(steps // (every or steps)):
            x = run(x)
        return x

    return chain


def quadratic_map(x):
    """x -> (x^2 + 21) / 10: fixed points 3 (slope 3/5, attracting) and 7 (slope 7/5, repelling)."""
    return (x * x + 21.0) / 10.0


def init_mlp(hidden=10, seed=0, scale=1.0):
    """Random parameters for ``mlp_logits`` (normal weights, zero biases), float64."""
    rng = _np.random.default_rng(seed)
    return {
        "W0": scale * rng.standard_normal((2, hidden)),
        "b0": _np.zeros(hidden),
        "W1": scale * rng.standard_normal(hidden) / _np.sqrt(hidden),
        "b1": 0.0,
    }


def linear_data(seed=0, n=100, beta=(2.0, -3.0), noise=0.5):
    """Linear-regression data: X (n, 2) standard normal, y = X beta + noise N(0, noise^2).

    Returns ``(X, y, beta)``; ``n=100`` is the gradient-descent data, ``n=1000`` the SGD data.
    """
    rng = _np.random.default_rng(seed)
    beta = _np.asarray(beta, dtype=float)
    X = rng.standard_normal((n, beta.size))
    y = X @ beta + noise * rng.standard_normal(n)
    return X, y, beta


def logistic_data(seed=0, n=10000, d=100):
    """Logistic-regression data: X (n, d) standard normal, y ~ Bernoulli(sigmoid(b0 + X b1)).

    The true coefficients are drawn with variance 1/d so that b0 + X b1 is of order one.
    Returns ``(X, y, true_params)`` with y of 0.0 / 1.0 floats.
    """
    rng = _np.random.default_rng(seed)
    params = {"b0": float(0.5 * rng.standard_normal()), "b1": rng.standard_normal(d) / _np.sqrt(d)}
    X = rng.standard_normal((n, d))
    p = 1.0 / (1.0 + _np.exp(-(params["b0"] + X @ params["b1"])))
    y = (rng.random(n) < p).astype(float)
    return X, y, params


def hill_data(seed=0, n=10000):
    """The "hill" data: x uniform in the unit square, label 1.0 where x2 >= 2.5 x1 (1 - x1).

    Returns ``(X, y)`` with X of shape (n, 2) and y of 0.0 / 1.0 floats.
    """
    rng = _np.random.default_rng(seed)
    X = rng.random((n, 2))
    y = (X[:, 1] >= 2.5 * X[:, 0] * (1 - X[:, 0])).astype(float)
    return X, y
