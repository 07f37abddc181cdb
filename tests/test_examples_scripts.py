"""The tutorial scripts in ``examples/``: each runs on both engines and prints the right answer.

Each script is run in a subprocess, as a user would run it, and its ``result: name = <json>``
lines are checked against answers computed here independently of either engine
(``numpy.linalg.lstsq``, closed-form gradients, central finite differences) with
tolerances a wrong gradient cannot meet.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from minigrad import examples as ex

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
HAVE_JAX = importlib.util.find_spec("jax") is not None

ENGINES = [
    "minigrad",
    pytest.param("jax", marks=pytest.mark.skipif(not HAVE_JAX, reason="jax not installed")),
]


@functools.lru_cache(maxsize=None)
def _run(script: str, *args: str) -> tuple[int, str, str]:
    env = dict(os.environ)
    env.setdefault("JAX_PLATFORMS", "cpu")
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLES, script), *args],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def run(script: str, *args: str) -> dict:
    """Run a script (cached per argument list), require exit 0, parse its result lines."""
    rc, out, err = _run(script, *args)
    assert rc == 0, f"{script} {args} exited {rc}\nstdout:\n{out}\nstderr:\n{err}"
    results = {}
    for line in out.splitlines():
        if line.startswith("result: "):
            name, _, value = line[len("result: "):].partition(" = ")
            results[name] = json.loads(value)
    assert results, f"{script} printed no result lines:\n{out}"
    return results


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ------------------------------------------------------------------ linear regression


@pytest.mark.parametrize("engine", ENGINES)
def test_linear_regression_reaches_least_squares(engine):
    r = run("linear_regression.py", "--engine", engine, "--quiet")
    X, y, _ = ex.linear_data(0)
    beta_ls = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(r["gd_beta"], beta_ls, rtol=0, atol=1e-10)
    np.testing.assert_allclose(r["gd_mse"], np.mean((y - X @ beta_ls) ** 2), rtol=1e-12)

    X2, y2, _ = ex.linear_data(1, n=1000)
    beta2_ls = np.linalg.lstsq(X2, y2, rcond=None)[0]
    rmse_ls = np.sqrt(np.mean((y2 - X2 @ beta2_ls) ** 2))
    assert np.linalg.norm(np.array(r["sgd_beta"]) - beta2_ls) < 0.02
    assert 0 <= r["sgd_rmse"] - rmse_ls < 1e-3 * rmse_ls


# ---------------------------------------------------------------- logistic regression

LOGISTIC_STEPS = 10


def _logistic_ascent_reference(steps, lr=2.0):
    """The same ascent with the closed-form gradient mean(y - p) [1, x]."""
    X, y, _ = ex.logistic_data(0)
    b0, b1 = 0.0, np.zeros(X.shape[1])
    values = []
    for _ in range(steps + 1):
        z = b0 + X @ b1
        values.append(np.mean(y * z - np.logaddexp(0.0, z)))
        r = y - sigmoid(z)
        b0, b1 = b0 + lr * np.mean(r), b1 + lr * X.T @ r / len(y)
    return np.array(values)


@pytest.mark.parametrize("engine", ENGINES)
def test_logistic_regression_ascent_increases_loglik(engine):
    r = run("logistic_regression.py", "--engine", engine, "--steps", str(LOGISTIC_STEPS),
            "--quiet")
    trace = np.array(r["loglik_trace"])
    assert len(trace) == LOGISTIC_STEPS + 1
    assert r["loglik_start"] == pytest.approx(np.log(0.5), rel=1e-12)
    assert np.all(np.diff(trace) > 0)
    assert trace[-1] > trace[0] + 0.05
    np.testing.assert_allclose(trace, _logistic_ascent_reference(LOGISTIC_STEPS), rtol=1e-10)


@pytest.mark.skipif(not HAVE_JAX, reason="jax not installed")
def test_logistic_regression_engines_agree():
    args = ("--steps", str(LOGISTIC_STEPS), "--quiet")
    a = run("logistic_regression.py", "--engine", "minigrad", *args)
    b = run("logistic_regression.py", "--engine", "jax", *args)
    assert abs(a["loglik_final"] - b["loglik_final"]) < 1e-6
    np.testing.assert_allclose(a["loglik_trace"], b["loglik_trace"], rtol=1e-10)


# ------------------------------------------------------------------ two-layer network


@pytest.mark.parametrize("engine", ENGINES)
def test_two_layer_net_learns_the_hill(engine):
    r = run("two_layer_net.py", "--engine", engine, "--quiet")
    for method in ("gd", "rmsprop"):
        start, end = r[f"{method}_loss"]
        assert end < 0.5 * start, method
        assert r[f"{method}_accuracy"] > 0.85, method


# ------------------------------------------------------------------------------ Newton


@pytest.mark.parametrize("engine", ENGINES)
def test_newton_lands_on_c(engine):
    r = run("newton.py", "--engine", engine)
    for key in ("newton_x", "cg_x"):
        np.testing.assert_allclose(r[key], [3.0, 7.0], rtol=0, atol=1e-8, err_msg=key)
    for key in ("newton_f", "cg_f"):
        assert r[key] == pytest.approx(2.0, abs=1e-12)


# ------------------------------------------------------------------------ logistic map


@pytest.mark.parametrize("engine", ENGINES)
def test_logistic_map_derivative_matches_finite_differences(engine):
    steps, x0 = 30, 0.3
    r = run("logistic_map.py", "--engine", engine, "--steps", str(steps), "--x0", str(x0),
            "--a", "2.5", "2.9", "3.2", "3.5", "--num", "200")
    a = np.array(r["a"])
    np.testing.assert_array_equal(a, [2.5, 2.9, 3.2, 3.5])

    def x_n(a):
        x = np.full_like(a, x0)
        for _ in range(steps):
            x = a * x * (1 - x)
        return x

    h = 1e-6
    fd = (x_n(a + h) - x_n(a - h)) / (2 * h)
    np.testing.assert_allclose(r["x"], x_n(a), rtol=1e-12)
    np.testing.assert_allclose(r["dxda"], fd, rtol=1e-5, atol=1e-7)
    assert np.max(np.abs(r["dxda"])) > 0.5  # nontrivial


# --------------------------------------------------------------------- shared options


def test_plot_option_saves_or_says_why_not(tmp_path):
    path = tmp_path / "loss.png"
    rc, out, err = _run("newton.py", "--engine", "minigrad", "--plot", str(path))
    assert rc == 0
    rc, out, err = _run("linear_regression.py", "--engine", "minigrad", "--steps", "20",
                        "--epochs", "1", "--plot", str(path))
    assert rc == 0, err
    if importlib.util.find_spec("matplotlib") is None:
        assert "matplotlib is not installed" in out
        assert not path.exists()
    else:
        assert path.exists() and path.stat().st_size > 0


def test_progress_bar_goes_to_stderr():
    rc, out, err = _run("linear_regression.py", "--engine", "minigrad", "--steps", "20",
                        "--epochs", "3")  # the bar counts SGD's epochs (each one lax.scan)
    assert rc == 0
    assert "3/3" in err or "it/s" in err or "3it" in err  # text bar or tqdm
    assert "3/3" not in out


def test_unknown_engine_is_rejected():
    rc, out, err = _run("newton.py", "--engine", "torch")
    assert rc == 2 and "invalid choice" in err
