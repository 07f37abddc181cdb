"""Agreement at many points in one vmap, sharded over every local device."""

import os
import subprocess
import sys
import textwrap

import numpy as np

import jaxbridge as jb
from minigrad.examples import lognormal

SCRIPT = textwrap.dedent("""
    import jax, numpy as np
    import jaxbridge as jb
    from minigrad.examples import lognormal
    rng = np.random.default_rng(0)
    n = 50  # not a multiple of the device count: padding is exercised
    points = [rng.normal(size=n), rng.normal(size=n), rng.uniform(0.5, 2.0, size=n)]
    report = jb.check_gradients_at(lognormal, points)
    with jb.precision():
        out = jb.sharded_vmap(lambda y: y * 2.0, np.arange(8.0))
        assert len(out.sharding.device_set) == jax.local_device_count()
    # closed form: d/dy log N(y | mu, sigma) = -(y - mu) / sigma^2
    y, mu, s = points
    with jb.precision():
        g = np.asarray(jb.sharded_vmap(jax.grad(lognormal), y, mu, s))
    assert np.allclose(g, -(y - mu) / s**2, rtol=1e-12)
    print(report.devices, report.ok, report.points)
""")


def run_on(devices: int) -> str:
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}",
               JAX_PLATFORMS="cpu")
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_many_points_agree_on_four_simulated_devices():
    assert run_on(4) == ["4", "True", "50"]


def test_many_points_agree_on_one_device():
    assert run_on(1) == ["1", "True", "50"]


def test_a_wrong_gradient_is_reported():
    rng = np.random.default_rng(1)
    points = [rng.normal(size=6), rng.normal(size=6), rng.uniform(0.5, 2.0, size=6)]
    good = jb.check_gradients_at(lognormal, points)
    assert good.ok and good.max_abs_error < 1e-12

    def shifted(y, mu, sigma):  # minigrad sees a different function from jax: must disagree
        return lognormal(y, mu, sigma) + (0.0 if hasattr(y, "shape") and "jax" in type(y).__module__ else 1e-3 * y)

    bad = jb.check_gradients_at(shifted, points)
    assert not bad.ok and "DISAGREE" in str(bad)


def test_checking_the_same_function_again_reuses_its_compiled_code():
    """A property-based test checks one function example after example: JAX must trace it
    once per batch shape, not once per call (each trace costs a compilation)."""
    import jax

    traced = []

    def f(y, mu, sigma):
        if isinstance(y, jax.core.Tracer):
            traced.append(y)
        return lognormal(y, mu, sigma)

    rng = np.random.default_rng(2)
    points = [rng.normal(size=5), rng.normal(size=5), rng.uniform(0.5, 2.0, size=5)]
    assert all(jb.check_gradients_at(f, points).ok for _ in range(3))
    assert len(traced) == 1
    assert jb.check_gradients_at(f, [p[:4] for p in points]).ok  # a new shape: traced anew
    assert len(traced) == 2


def test_a_callable_that_cannot_be_hashed_is_checked_too():
    """The compiled-code cache is keyed on the function; an object with ``__eq__`` and no
    ``__hash__`` cannot be a key, and is compiled afresh instead of refused."""
    class Scaled:
        __hash__ = None  # what defining __eq__ alone does

        def __eq__(self, other):
            return isinstance(other, Scaled)

        def __call__(self, y, mu, sigma):
            return 2.0 * lognormal(y, mu, sigma)

    rng = np.random.default_rng(3)
    points = [rng.normal(size=4), rng.normal(size=4), rng.uniform(0.5, 2.0, size=4)]
    report = jb.check_gradients_at(Scaled(), points)
    assert report.ok and report.points == 4
