"""One function object, three engines: NumPy, minigrad and JAX."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad.examples import lognormal


def model(w, x):
    h = mnp.tanh(x @ w[:, :2] + mnp.maximum(w[:, 2], 0.1)) * mnp.sigmoid(x[:, :1])
    return mnp.logsumexp(mnp.concatenate([h, mnp.stack([x[:, 0], x[:, 1]], axis=1)], axis=1), axis=1)


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    return rng.normal(size=(2, 3)), rng.normal(size=(4, 2))


def test_plain_numpy_in_plain_numpy_out(data):
    w, x = data
    out = model(w, x)
    assert type(out) is np.ndarray and out.shape == (4,)
    value = lognormal(1.5, 0.0, 2.0)
    assert isinstance(value, float) and not isinstance(value, mg.Variable)
    assert value == pytest.approx(-0.125 * 1.5 ** 2 - np.log(2.0) - 0.5 * np.log(2 * np.pi))


def test_minigrad_records_the_same_function(data):
    w, x = data
    g = mg.trace(model, w, x)
    assert isinstance(g.outputs, mg.Variable)
    np.testing.assert_allclose(g.outputs.value, model(w, x), rtol=1e-14)


def test_jax_arrays_and_tracers_go_to_jax_numpy(data):
    w, x = data
    with jax.enable_x64(True):
        out = model(jnp.asarray(w), jnp.asarray(x))
        assert isinstance(out, jax.Array)
        np.testing.assert_allclose(out, model(w, x), rtol=1e-12)
        jitted = jax.jit(model)(w, x)  # tracers inside jit
        np.testing.assert_allclose(jitted, model(w, x), rtol=1e-12)
        grads = jax.grad(lambda w: jnp.sum(model(w, x)))(w)
        ours = mg.grad(lambda w: mnp.sum(model(w, x)))(w)
        np.testing.assert_allclose(ours, grads, rtol=1e-10)


def test_lognormal_under_jax_grad_matches_minigrad():
    with jax.enable_x64(True):
        theirs = jax.grad(lognormal, argnums=(0, 1, 2))(1.5, 0.0, 2.0)
    ours = mg.grad(lognormal, argnums=(0, 1, 2))(1.5, 0.0, 2.0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_variables_advertise_the_minigrad_namespace():
    g = mg.trace(lambda x: x * 2.0, 1.0)
    assert g.inputs[0].__array_namespace__() is mnp
