"""Random programs: minigrad's two modes, JAX and finite differences all agree.

Each example is a random smooth program drawn by ``minigrad.testing.programs`` (an
expression DAG over the primitive table, with shared subexpressions and fan-out), on
scalars or on small broadcastable arrays.  For each one:

* minigrad reverse mode (``mg.grad`` and ``mg.vjp`` with a random cotangent for array
  outputs) agrees with central finite differences (rtol 1e-6) and with JAX (``jax.grad`` or
  ``jax.vjp``, rtol 1e-10);
* minigrad forward mode (``mg.jvp`` with a random tangent) agrees with JAX's ``jax.jvp``
  and with finite differences along the tangent;
* the adjoint identity <u, J v> = <J^T u, v> holds between minigrad's own jvp and vjp.

The same function object runs on NumPy (finite differences), under minigrad and under
JAX.  On failure hypothesis shrinks the program and prints it with its trace table.
A last test shows the checker can fail: a rule off by 1% is caught.
"""

from __future__ import annotations

from unittest import mock

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.numpy as mnp
from minigrad.primitives import TABLE
from minigrad.testing import Program, programs

FD_RTOL = 1e-6
JAX_RTOL = 1e-10
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _close(got, want, rtol, scale, what):
    """|got - want| <= rtol * (|want| + scale): relative, with a floor set by the problem's scale."""
    got, want = _arr(got), _arr(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale, err_msg=what)


def fd_vjp(f, inputs, u, h=1e-3) -> list:
    """Gradient of <u, f(x)> with respect to each input, by the five-point central stencil.

    Fourth order: the error is O(h^4) from truncation plus O(eps / h) from rounding, about
    1e-12 relative at h = 1e-3 for the O(1) smooth programs drawn here.
    """
    def scalar(*xs):
        return float(np.sum(_arr(f(*xs)) * u))

    inputs = [_arr(x) for x in inputs]
    grads = []
    for i, x in enumerate(inputs):
        g = np.zeros_like(x)
        for k in np.ndindex(x.shape):
            vals = []
            for step in (2, 1, -1, -2):
                moved = x.copy()
                moved[k] += step * h
                args = list(inputs)
                args[i] = moved if x.ndim else float(moved)
                vals.append(scalar(*args))
            g[k] = (-vals[0] + 8 * vals[1] - 8 * vals[2] + vals[3]) / (12 * h)
        grads.append(g)
    return grads


def _jax_derivatives(prog, n: int, scalar: bool):
    """JAX's value, jvp and reverse-mode product with ``u`` (``jax.grad`` for scalar outputs)."""
    def derivatives(xs, ts, u):
        out, fwd = jax.jvp(prog, xs, ts)
        if scalar:
            rev = [u * g for g in jax.grad(prog, argnums=tuple(range(n)))(*xs)]
        else:
            rev = jax.vjp(prog, *xs)[1](u)
        return out, fwd, rev

    return derivatives


def check_agreement(prog: Program, seed: int) -> None:
    """Every engine and mode agrees on ``prog``'s first derivatives; raises AssertionError if not."""
    inputs = prog.inputs
    n = len(inputs)
    rng = np.random.default_rng(seed)
    out = _arr(prog(*inputs))
    u = rng.uniform(-1.0, 1.0, size=out.shape)
    tangents = tuple(rng.uniform(-1.0, 1.0, size=np.shape(x)) for x in inputs)
    tangents = tuple(float(t) if np.ndim(x) == 0 else t for t, x in zip(tangents, inputs))
    scalar = out.ndim == 0

    # minigrad, reverse and forward
    value, vjp_fn = mg.vjp(prog, *inputs)
    _close(value, out, 1e-14, 0.0, "value")
    cot = float(u) if scalar and type(value) is float else u
    rev = [_arr(g) for g in vjp_fn(cot)]
    if scalar:  # grad is vjp with cotangent 1
        g = mg.grad(prog, argnums=tuple(range(n)))(*inputs)
    else:
        g = mg.grad(lambda *xs: mnp.sum(prog(*xs)), argnums=tuple(range(n)))(*inputs)
    sum_grad = [_arr(b) for b in g]
    _, fwd = mg.jvp(prog, inputs, tangents)
    fwd = _arr(fwd)

    scale = max(1.0, float(np.max(np.abs(out))), *(float(np.max(np.abs(r), initial=0.0)) for r in rev))

    if scalar:
        for a, b in zip(rev, sum_grad):
            _close(a, float(u) * b, 1e-12, scale, "grad vs vjp")
    else:  # the gradient of the sum is the vjp with cotangent ones
        ones = vjp_fn(np.ones(out.shape))
        for a, b in zip(ones, sum_grad):
            _close(a, b, 1e-12, scale * out.size, "grad of the sum vs vjp of ones")

    # the adjoint identity, minigrad against itself
    lhs = float(np.sum(u * fwd))
    rhs = float(sum(np.sum(r * _arr(t)) for r, t in zip(rev, tangents)))
    _close(lhs, rhs, 1e-10, scale, "<u, J v> = <J^T u, v>")

    # central finite differences on plain NumPy
    # the step shrinks with the derivatives' size (a fast oscillation needs a fine stencil)
    steepest = max((float(np.max(np.abs(r), initial=0.0)) for r in rev), default=0.0)
    fd = fd_vjp(prog, inputs, u, h=1e-3 / max(1.0, steepest))
    for i, (r, d) in enumerate(zip(rev, fd)):
        _close(r, d, FD_RTOL, scale, f"reverse vs finite differences, input {i + 1}")
    fd_dir = sum(np.sum(d * _arr(t)) for d, t in zip(fd, tangents))
    _close(lhs, fd_dir, FD_RTOL, scale * (1 + sum(np.size(t) for t in tangents)),
           "<u, forward> vs finite differences")

    # JAX, float64, on the same function object
    with jax.enable_x64(True):
        jin = tuple(jnp.asarray(x, dtype=jnp.float64) for x in inputs)
        jt = tuple(jnp.asarray(t, dtype=jnp.float64) for t in tangents)
        jout, jfwd, jrev = _jax_derivatives(prog, n, scalar)(jin, jt, jnp.asarray(u))
    _close(np.asarray(jout), out, JAX_RTOL, scale, "value vs JAX")
    _close(fwd, np.asarray(jfwd), JAX_RTOL, scale, "forward vs jax.jvp")
    for i, (r, j) in enumerate(zip(rev, jrev)):
        _close(r, np.asarray(j), JAX_RTOL, scale, f"reverse vs jax.vjp, input {i + 1}")


def _show(prog: Program) -> None:
    try:
        note(prog.table())
    except Exception as exc:  # the table is a courtesy; the program itself is printed anyway
        note(f"(no trace table: {exc!r})")


SEEDS = st.integers(0, 2**32 - 1)


@settings(max_examples=300, **SETTINGS)
@given(programs(max_ops=8, n_inputs=(1, 3)), SEEDS)
def test_scalar_programs_agree(prog, seed):
    _show(prog)
    check_agreement(prog, seed)


@settings(max_examples=200, **SETTINGS)
@given(programs(max_ops=8, n_inputs=(1, 3), array=True), SEEDS)
def test_array_programs_agree(prog, seed):
    _show(prog)
    check_agreement(prog, seed)


def test_programs_are_readable_and_traceable():
    prog = Program(2, [("sin", (0,), {}), ("mul", (2, 1), {}), ("log", (3,), {})], (0.5, 1.5))
    assert repr(prog).splitlines()[:5] == [
        "def f(x1, x2):",
        "    v1 = mnp.sin(x1)",
        "    v2 = v1 * x2",
        "    v3 = mnp.log(v2 * v2 + 1.0)",
        "    return v3",
    ]
    assert prog(*prog.inputs) == pytest.approx(np.log((np.sin(0.5) * 1.5) ** 2 + 1))
    assert "sin" in prog.table()
    check_agreement(prog, 0)


def _wrong_sin_vjp(g, out, x):
    return 1.01 * (g * mnp.cos(x))


@pytest.mark.parametrize("array", [False, True])
def test_a_wrong_rule_is_caught(array):
    x = np.array([0.3, -1.2]) if array else 0.3
    prog = Program(1, [("sin", (0,), {}), ("mul", (1, 0), {})], (x,))
    check_agreement(prog, 1)  # the true rule passes
    with mock.patch.object(TABLE["sin"], "vjp", (_wrong_sin_vjp,)):
        with pytest.raises(AssertionError):
            check_agreement(prog, 1)
    check_agreement(prog, 1)  # and is back
