"""mg.linearize and mg.linear_transpose against jax.linearize and jax.linear_transpose.

Random programs (scalar and array) give the same output, the same JVP along random
tangents, and the transpose of the linear map gives the same cotangents as JAX's and as
minigrad's own ``vjp``.  The linear map is a graph of its own: no primal operation in it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import minigrad as mg
from against_jax import close
import minigrad.numpy as mnp
from minigrad.errors import TransformError
from minigrad.examples import lognormal
from minigrad.testing import programs

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])




@settings(max_examples=30, **SETTINGS)
@given(st.booleans().flatmap(lambda array: programs(max_ops=6, n_inputs=(1, 3), array=array)),
       st.integers(0, 2**32 - 1))
def test_random_programs_match_jax(jax, prog, seed):
    note(repr(prog))
    rng = np.random.default_rng(seed)
    primals = [np.asarray(x, float) if np.ndim(x) else float(x) for x in prog.inputs]
    out, f_jvp = mg.linearize(prog.fn, *primals)
    out_j, f_jvp_j = jax.linearize(prog.fn, *primals)
    close(out, out_j)
    for _ in range(2):  # the recorded linear map serves any number of tangents
        tangents = [rng.standard_normal(np.shape(x)) if np.ndim(x) else float(rng.standard_normal())
                    for x in primals]
        close(f_jvp(*tangents), f_jvp_j(*tangents))
    ct = rng.standard_normal(np.shape(out)) if np.ndim(out) else 1.0
    got = mg.linear_transpose(f_jvp, *primals)(ct)
    want = jax.linear_transpose(f_jvp_j, *primals)(ct)
    vjp = mg.vjp(prog.fn, *primals)[1](ct)
    for g, w, v in zip(got, want, vjp):
        close(g, w, 1e-9)
        close(g, v, 1e-12)


def test_the_linear_map_is_a_graph_of_tangent_operations_only():
    out, f_jvp = mg.linearize(lognormal, 1.5, 0.0, 2.0)
    g = f_jvp.graph
    assert [v.name for v in g.inputs] == ["dy", "dmu", "dsigma"]
    names = [v.prim.name for v in g.variables if v.prim is not None]
    assert set(names) <= {"add", "sub", "mul", "neg", "truediv"}  # no log, no pow: linear only
    assert f_jvp(1.0, 0.0, 0.0) == pytest.approx(-(1.5 - 0.0) / 4)
    assert f_jvp(0.0, 0.0, 1.0) == pytest.approx(-1 / 2 + 1.5 ** 2 / 8)
    assert "dsigma" in str(g.table())


def test_the_vjp_is_the_transposed_jvp_on_the_normal_log_density(jax):
    args = (1.5, 0.0, 2.0)
    _, f_jvp = mg.linearize(lognormal, *args)
    f_t = mg.linear_transpose(f_jvp, *args)
    grads = f_t(1.0)
    close(grads, mg.grad(lognormal, argnums=(0, 1, 2))(*args), 1e-15)
    close(grads, jax.grad(lognormal, argnums=(0, 1, 2))(*args))
    table = f_t.graph.table(mode="reverse")
    adjoints = [r.adjoint for r in table.rows[:3]]  # the transposed run's input adjoints
    close(adjoints, grads)


def test_linear_transpose_of_a_hand_written_linear_function(jax):
    a = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    f = lambda x, y: (a @ x) * 2.0 - mnp.sum(y) + y[:2] / 4.0  # noqa: E731
    x, y = np.ones(3), np.ones(4)
    ct = np.array([0.5, -2.0])
    got = mg.linear_transpose(f, x, y)(ct)
    want = jax.linear_transpose(f, x, y)(ct)
    for g, w in zip(got, want):
        close(g, w)


def test_has_aux_as_jax(jax):
    f = lambda x: (mnp.sin(x) * x, {"norm": mnp.sum(x ** 2)})  # noqa: E731
    x = np.array([0.3, 1.2])
    out, f_jvp, aux = mg.linearize(f, x, has_aux=True)
    out_j, f_jvp_j, aux_j = jax.linearize(f, x, has_aux=True)
    close(out, out_j)
    close(aux["norm"], aux_j["norm"])
    close(f_jvp(np.ones(2)), f_jvp_j(np.ones(2)))


def test_a_nonlinear_function_is_refused():
    with pytest.raises(TransformError, match="not linear.*sin"):
        mg.linear_transpose(mnp.sin, 1.0)
    with pytest.raises(TransformError, match="not linear.*mul"):
        mg.linear_transpose(lambda x: x * x, 1.0)
    with pytest.raises(TransformError, match="not linear.*truediv"):
        mg.linear_transpose(lambda x: 1.0 / x, 1.0)


def test_wrong_tangents_and_cotangents_say_what_was_expected():
    _, f_jvp = mg.linearize(lambda x, y: x * y, np.ones(3), 2.0)
    with pytest.raises(TransformError, match="shape \\(2,\\), expected \\(3,\\)"):
        f_jvp(np.ones(2), 1.0)
    with pytest.raises(TransformError, match="structure"):
        f_jvp(np.ones(3))
    f_t = mg.linear_transpose(f_jvp, np.ones(3), 2.0)
    with pytest.raises(TransformError, match="shape"):
        f_t(np.ones(4))


def test_linearize_composes_with_jit_and_vmap(jax):
    xs = np.linspace(0.1, 2.0, 5)
    f = lambda x: mnp.sin(x) * mnp.exp(x)  # noqa: E731
    _, f_jvp = mg.linearize(f, xs)
    close(mg.jit(f_jvp)(np.ones(5)), jax.jvp(f, (xs,), (np.ones(5),))[1])
    close(mg.vmap(f_jvp)(np.eye(5)), jax.jacfwd(f)(xs).T)
