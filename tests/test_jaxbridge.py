"""jaxbridge runs the same function objects through JAX and agrees with minigrad."""

import jax
import numpy as np
import pytest

import jaxbridge as jb
import minigrad as mg
import minigrad.numpy as mnp
from minigrad.examples import chain_rule, lognormal


def net(params, x):
    h = mnp.sigmoid(x @ params["W0"] + params["b0"])
    return mnp.mean(mnp.tanh(h @ params["W1"] + params["b1"]) ** 2)


@pytest.fixture
def params():
    rng = np.random.default_rng(3)
    return ({"W0": rng.normal(size=(2, 5)), "b0": rng.normal(size=5),
             "W1": rng.normal(size=(5, 1)), "b1": rng.normal(size=1)}, rng.normal(size=(7, 2)))


@pytest.mark.parametrize("compiled", [False, True])
def test_grad_agrees_with_minigrad(params, compiled):
    p, x = params
    with jb.precision():
        theirs = jb.grad(net, jit=compiled)(p, x)
        v, g = jb.value_and_grad(lognormal, argnums=(0, 1, 2), jit=compiled)(1.5, 0.0, 2.0)
    ours = mg.grad(net)(p, x)
    for k in p:
        np.testing.assert_allclose(np.asarray(theirs[k]), ours[k], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.asarray(g), mg.grad(lognormal, (0, 1, 2))(1.5, 0.0, 2.0), rtol=1e-13)
    assert float(v) == pytest.approx(lognormal(1.5, 0.0, 2.0), rel=1e-15)


def test_jvp_vjp_and_second_order_agree(params):
    p, x = params
    w = p["W0"]
    f = lambda w: net({**p, "W0": w}, x)  # noqa: E731
    v = np.full_like(w, 0.25)
    with jb.precision():
        _, t = jb.jvp(f, (w,), (v,))
        out, fn = jb.vjp(chain_rule, 2.0, 5.0)
        cotangent_result = fn(1.0)
        h = jb.hessian(f)(w)
        jf = jb.jacfwd(chain_rule, argnums=(0, 1))(2.0, 5.0)
        jr = jb.jacrev(chain_rule, argnums=(0, 1), jit=True)(2.0, 5.0)
    np.testing.assert_allclose(np.asarray(t), mg.jvp(f, (w,), (v,))[1], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(cotangent_result), mg.vjp(chain_rule, 2.0, 5.0)[1](1.0), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(h), mg.hessian(f)(w), rtol=1e-10, atol=1e-12)
    # closed form: dz/dx1 = x2 + cos x1, dz/dx2 = x1
    expected = [5.0 + np.cos(2.0), 2.0]
    np.testing.assert_allclose(np.asarray(jf), expected, rtol=1e-14)
    np.testing.assert_allclose(np.asarray(jr), expected, rtol=1e-14)


def test_vmap_over_points_matches_minigrad_point_by_point():
    ys = np.linspace(-1.0, 2.0, 7)
    with jb.precision():
        batched = jb.vmap(jb.grad(lognormal), in_axes=(0, None, None))(ys, 0.0, 2.0)
    for y, g in zip(ys, np.asarray(batched)):
        assert g == pytest.approx(mg.grad(lognormal)(y, 0.0, 2.0), rel=1e-13)


def test_device_report_and_scoped_precision():
    report = jb.device()
    assert report.startswith(jax.devices()[0].platform)
    before = jax.config.jax_enable_x64
    with jb.precision():
        assert "float64" in jb.device()
        assert jax.numpy.ones(1).dtype == np.float64
    assert jax.config.jax_enable_x64 == before


@pytest.mark.skipif(jax.default_backend() == "cpu", reason="no accelerator: JAX computes on the CPU")
def test_with_an_accelerator_jaxbridge_computes_there_and_agrees_with_the_cpu(params):
    """On a GPU machine the bridge's gradient lives on the GPU, and in float64 it is the
    CPU's gradient to rounding (no TF32 matmuls under ``precision()``)."""
    p, x = params
    with jb.precision():
        on_default = jb.grad(net, jit=True)(p, x)
        cpu = jax.devices("cpu")[0]
        on_cpu = jb.grad(net, jit=True)(jax.device_put(p, cpu), jax.device_put(x, cpu))
    assert on_default["W0"].devices() == {jax.devices()[0]}
    assert on_cpu["W0"].devices() == {cpu}
    for k in p:
        np.testing.assert_allclose(np.asarray(on_default[k]), np.asarray(on_cpu[k]), rtol=1e-12, atol=1e-14)
