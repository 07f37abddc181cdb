"""mg.jit composed with the other transformations, and the seeds' code that needs it.

A jitted function called on traced values is traced inside the caller's trace with every
array argument traced (as ``jax.jit`` traces them), so ``grad(jit(f))``,
``jit(grad(jit(f)))``, ``vmap(jit(f))``, ``jacfwd(jit(f))`` and ``hessian(jit(f))`` give
JAX's numbers, and a method called on a data argument (seed 002: ``x.dot(params[0])``
with ``x`` a NumPy array) is recorded rather than handed to NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from against_jax import close
import minigrad.numpy as mnp




def rmse(params, x, y):
    predict = x.dot(params[0]) + params[1]
    return mnp.sqrt(((y - predict) ** 2).mean())


def curved(x):
    return mnp.sum(mnp.sin(x) * mnp.exp(-x ** 2) + x[0] * x)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = 10 * rng.random((50, 2))
    y = x.dot([3.0, 4.0]) + rng.random(50) + 5
    return [rng.standard_normal(2), rng.standard_normal(1)], x, y


def test_grad_of_jit_traces_the_data_arguments(jax, data):
    params, x, y = data
    got = mg.grad(mg.jit(rmse))(params, x, y)
    want = jax.grad(jax.jit(rmse))(params, x, y)
    close(got[0], want[0])
    close(got[1], want[1])
    g = mg.trace(lambda p0: mg.jit(rmse)([p0, params[1]], x, y), params[0])
    assert "matmul" in [v.prim.name for v in g.variables if v.prim is not None]


def test_jit_of_grad_of_jit(jax, data):
    params, x, y = data
    f = mg.jit(mg.grad(mg.jit(rmse)))
    want = jax.grad(jax.jit(rmse))(params, x, y)
    for _ in range(2):  # traced once, then the compiled program
        got = f(params, x, y)
        close(got[0], want[0])
        close(got[1], want[1])
    assert f.traces == 1 and f.cache_hits == 1


def test_vmap_jacfwd_hessian_of_jit(jax):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(3)
    jf = mg.jit(curved)
    xs = rng.standard_normal((4, 3))
    close(mg.vmap(jf)(xs), jax.vmap(curved)(xs))
    close(mg.jacfwd(mg.jit(lambda x: mnp.sin(x) * x[1]))(x), jax.jacfwd(lambda x: jax.numpy.sin(x) * x[1])(x))
    close(mg.hessian(jf)(x), jax.hessian(curved)(x))
    close(mg.jit(mg.hessian(jf))(x), jax.hessian(curved)(x))
