"""The seeds' code paths that need vmap and jit's compositions, kept as written.

Each snippet is the tutorial's own text, run with only the namespace changed (``jax`` ->
``minigrad``, ``jax.numpy`` -> ``minigrad.numpy``), and again through JAX itself, whose
numbers are the reference: seed 002's minibatch SGD takes ``grad`` of a jitted loss whose
data argument calls ``x.dot``; seed 004 draws the logistic map's bifurcation diagram with
``vmap`` of a jitted iteration (and here also ``jit`` of ``vmap``), at a few values of
``a`` in the periodic window, where rounding differences between engines die out.
"""

from __future__ import annotations

import logging
import textwrap

import numpy as onp
import pytest

import minigrad
import minigrad.numpy as mnp

SEED_002 = textwrap.dedent('''
    class Bootstrap:
        def __init__(self, seed=123):
            self.rng = onp.random.RandomState(seed)

        def bootstrap(self, xs, group_size=100, n_boots = 100):
            xs = onp.array(xs)
            total_size = xs.shape[0]
            logger.info('Total size for bootstrap: %i' %total_size)
            if group_size > total_size:
                raise ValueError('Group size > input array size')

            for i in range(n_boots):
                idx = self.rng.randint(0, total_size, group_size)
                yield idx

    @jax.jit
    def loss_function(params, x, y):
        predict = x.dot(params[0]) + params[1]
        deviation = y - predict
        squared_deviation = deviation ** 2
        mean_squared_deviation = squared_deviation.mean()
        return np.sqrt(mean_squared_deviation)

    class SGD():
        def __init__(self,
                     learning_rate = 1e-3,
                     n_epoch = 1000):
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
            subsets = bootstrap.bootstrap(X, group_size=100, n_boots = self.n_epoch)
            loss_gradient = jax.grad(loss_function)
            for i in range(self.n_epoch):
                self._iter += 1
                train_idx = next(subsets)
                X_train, y_train = X[train_idx], y[train_idx]
                loss = loss_function([self.coef_, self.intercept_], X_train, y_train)
                self.losses[i] = loss
                self.gradients = loss_gradient([self.coef_, self.intercept_], X_train, y_train)
                self.__update__()
                if self._iter % (self.n_epoch//10) == 0:
                    logger.info('%i epoch - Loss: %.2f' %(self._iter, loss))

        def predict(self, X):
            return X.dot(self.coef_) + self.intercept_

        def __InitParams__(self, X):
            self.coef_ = onp.random.randn(X.shape[1])
            self.intercept_ = onp.random.randn(1)
            self._iter = 0

        def __update__(self):
            self.coef_ -= self.gradients[0] * self.learning_rate
            self.intercept_ -= self.gradients[1] * self.learning_rate
''')

SEED_004 = textwrap.dedent('''
    def iterfun(start, a):
        result = []
        for _ in range(1000):
            start = a*start - a*start**2
        for i in range(1000):
            start = a*start - a*start**2
            result.append(start)
        return np.array(result)

    fast_iterfun = jit(iterfun)
''')



def _run(code: str, **names) -> dict:
    namespace = dict(names, onp=onp, logger=logging.getLogger("seed"))
    exec(compile(code, "<seed>", "exec"), namespace)
    return namespace


def _fit(namespace: dict):
    onp.random.seed(0)
    X = 10 * onp.random.random((1000, 2))
    y = X.dot([3, 4]) + onp.random.random(1000) + 5
    lm = namespace["SGD"](n_epoch=40, learning_rate=0.01)
    lm.fit(X, y)
    return lm


def test_seed_002_sgd_with_grad_of_a_jitted_loss(jax):
    ours = _fit(_run(SEED_002, jax=minigrad, np=mnp))
    theirs = _fit(_run(SEED_002, jax=jax, np=jax.numpy))
    onp.testing.assert_allclose(ours.losses, theirs.losses, rtol=1e-10)
    onp.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10)
    onp.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-10)
    assert ours.losses[-1] < ours.losses[0]  # it trains


def test_seed_004_bifurcation_diagram_with_vmap_of_jit_and_jit_of_vmap(jax):
    ours = _run(SEED_004, np=mnp, jit=minigrad.jit)
    a_vector = onp.arange(3.4, 3.54, 0.01)  # the seed's np.arange(3.4, 4.0, 0.001), fewer and periodic
    vec_iterfun = minigrad.vmap(lambda a : ours["fast_iterfun"](0.5 ,a))
    plot_y = vec_iterfun(a_vector).reshape((-1))
    plot_x = a_vector.repeat(1000)
    theirs = _run(SEED_004, np=jax.numpy, jit=lambda f: f)  # JAX's vmap, op by op: XLA would compile 2000 steps
    want = jax.vmap(lambda a: theirs["fast_iterfun"](0.5, a))(a_vector)
    onp.testing.assert_allclose(plot_y, onp.asarray(want).reshape(-1), rtol=1e-9, atol=1e-12)
    assert plot_x.shape == plot_y.shape == (15000,)
    compiled = minigrad.jit(minigrad.vmap(lambda a: ours["iterfun"](0.5, a)))
    onp.testing.assert_allclose(compiled(a_vector), want, rtol=1e-9, atol=1e-12)
    # the diagram: period 2 at a = 3.4, period 4 at a = 3.5
    assert len(onp.unique(onp.round(plot_y[:1000], 6))) == 2
    assert len(onp.unique(onp.round(plot_y[10000:11000], 6))) == 4
