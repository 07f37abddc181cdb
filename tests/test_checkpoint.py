"""mg.checkpoint (mg.remat) against jax.checkpoint, and what it saves: Graph.memory().

Values and derivatives of every order are JAX's; the memory profile counts the values the
reverse sweep holds, checked against the closed forms of a chain (n + 1 values without
checkpoints; about n / k + k with one every k steps), and against the Python heap.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import minigrad as mg
from against_jax import close
import minigrad.numpy as mnp
from minigrad.examples import damped_sine, sine_chain
from minigrad.errors import TransformError
from minigrad.testing import programs




@pytest.mark.parametrize("x", [0.7, np.array([0.3, -1.2, 2.0])])
def test_values_and_derivatives_match_jax(jax, x):
    f = sine_chain(12, 3)
    loss = lambda x: mnp.sum(f(x))  # noqa: E731
    close(f(x), jax.jit(f)(x))
    close(mg.grad(loss)(x), jax.grad(loss)(x))
    close(mg.grad(loss)(x), mg.grad(lambda x: mnp.sum(sine_chain(12, None)(x)))(x))
    close(mg.jvp(f, (x,), (np.ones_like(x),))[1], jax.jvp(f, (x,), (np.ones_like(x),))[1])
    if np.ndim(x) == 0:
        close(mg.grad(mg.grad(f))(x), jax.grad(jax.grad(f))(x))
    close(mg.jacrev(f)(x), jax.jacrev(f)(x))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.booleans().flatmap(lambda array: programs(max_ops=6, n_inputs=(1, 3), array=array)),
       st.integers(0, 2**32 - 1))
def test_random_programs_match_jax_checkpoint(jax, prog, seed):
    note(repr(prog))
    args = [np.asarray(x, float) if np.ndim(x) else float(x) for x in prog.inputs]
    ck, ck_jax = mg.checkpoint(prog.fn), jax.checkpoint(prog.fn)
    loss = lambda *xs: mnp.sum(ck(*xs) * 1.5)  # noqa: E731
    loss_jax = lambda *xs: jax.numpy.sum(ck_jax(*xs) * 1.5)  # noqa: E731
    close(ck(*args), ck_jax(*args))
    nums = tuple(range(len(args)))
    for g, w in zip(mg.grad(loss, nums)(*args), jax.grad(loss_jax, nums)(*args)):
        close(g, w, 1e-9)
    graph = mg.trace(loss, *args)
    assert [v.prim.name for v in graph.variables if v.prim is not None][0] == "checkpoint_f"


def test_vmap_of_a_checkpointed_function_recomputes_batched(jax):
    f = sine_chain(12, 3)
    xs = np.linspace(0.1, 2.0, 5)
    graph = mg.trace(mg.vmap(f), xs)
    assert [v.prim.name for v in graph.variables[1:]] == ["checkpoint_segment"] * 4  # no loop
    close(mg.vmap(mg.grad(f))(xs), jax.vmap(jax.grad(f))(xs))
    close(mg.grad(lambda x: mnp.sum(mg.vmap(f)(x)))(xs), jax.grad(lambda x: jax.numpy.sum(jax.vmap(f)(x)))(xs))
    assert graph.memory().peak_values == 1 + 4 + 12  # the input, 4 segments, one segment's 12


def test_several_arguments_pytrees_and_static_arguments(jax):
    @mg.checkpoint
    def layer(params, x):
        return mnp.tanh(x @ params["W"] + params["b"])

    rng = np.random.default_rng(0)
    params = {"W": rng.standard_normal((3, 3)), "b": rng.standard_normal(3)}
    x = rng.standard_normal((4, 3))
    loss = lambda p, x: mnp.sum(layer(p, layer(p, x)) ** 2)  # noqa: E731
    got = mg.grad(loss, argnums=(0, 1))(params, x)
    want = jax.grad(loss, argnums=(0, 1))(params, x)
    close(got[0]["W"], want[0]["W"])
    close(got[0]["b"], want[0]["b"])
    close(got[1], want[1])
    power = mg.remat(lambda x, n: x ** n, static_argnums=(1,))
    close(mg.grad(lambda x: power(x, 3))(2.0), 12.0)


def test_memory_of_a_chain_follows_the_closed_forms():
    n, k = 400, 20
    plain = mg.trace(sine_chain(n, None), 0.7).memory()
    ck = mg.trace(sine_chain(n, k), 0.7).memory()
    ops = 4  # per step: sin, a product, a product, a sum
    assert plain.peak_values == 1 + ops * n == plain.values_without_checkpointing
    assert ck.values_without_checkpointing == plain.peak_values  # the same computation
    # the tape: the input and one value per segment; the step of a segment: its 4k recomputed
    assert ck.peak_values == 1 + n // k + ops * k
    assert ck.recomputed_values == ops * n  # one more forward sweep, in values
    assert ck.peak_bytes == 8 * ck.peak_values
    assert ck.peak_values <= plain.peak_values / 15


def test_memory_column_of_the_reverse_table():
    g = mg.trace(sine_chain(6, 2), 0.5)
    table = g.table(mode="reverse", memory=True)
    assert table.columns()[-1] == "live"
    lives = [r.live for r in table.rows]
    assert lives[0] == "1 (8 B)"
    assert lives[1] == "10 (80 B), 8 recomputed"  # the input, this node, and the 8 recomputed
    assert "live" in table.to_markdown() and "recomputed" in table.to_html()
    with pytest.raises(ValueError, match="mode='reverse'"):
        g.table(memory=True)


def test_frames_caption_each_backward_step_with_its_memory():
    frames = mg.trace(sine_chain(6, 2), 0.5).frames(memory=True)
    assert [frames.caption(f) for f in frames] == [
        f"Step {k}/3: adjoint of v{5 - k} ({13 - k} values live, {8 * (13 - k)} bytes, 8 recomputed)"
        for k in (1, 2, 3)]
    plain = mg.trace(sine_chain(2, None), 0.5).frames(memory=True)
    assert plain.caption(plain[0]) == "Step 1/8: adjoint of v9 (9 values live, 72 bytes)"
    assert "values live" not in mg.trace(sine_chain(2, None), 0.5).frames().caption(plain[0])
    with pytest.raises(ValueError, match="mode='reverse'"):
        mg.trace(sine_chain(2, None), 0.5).frames(mode="forward", memory=True)


def test_the_backward_sweep_really_holds_less():
    x = np.linspace(0.1, 1.0, 2000)
    n, k = 400, 20
    peaks = {}
    for every in (None, k):
        loss = lambda x, f=sine_chain(n, every): mnp.sum(f(x))  # noqa: E731
        tracemalloc.start()
        g = mg.grad(loss)(x)
        peaks[every] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        close(g, mg.grad(lambda x: mnp.sum(sine_chain(n, None)(x)))(x) if every else g)
    assert peaks[k] < peaks[None] / 5  # the Python heap: 1600 arrays held against about 100


def test_policies_are_refused_with_a_fix():
    with pytest.raises(TransformError, match="policy"):
        mg.checkpoint(damped_sine, policy=lambda *a, **k: True)
