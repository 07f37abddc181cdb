"""mg.checkpoint (mg.remat) against jax.checkpoint, and what it saves: Graph.memory().

Values and derivatives of every order are JAX's; the memory profile counts the values the
reverse sweep holds, checked against the closed forms of a chain (n + 1 values without
checkpoints; about n / k + k with one every k steps), and against the Python heap.
"""

from __future__ import annotations

import contextlib
import io
import re
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
from minigrad.pytree import flatten
from minigrad.remat import saved_variables
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
       st.sampled_from(["None", "everything_saveable", "dots_saveable", "own function"]))
def test_random_programs_match_jax_checkpoint(jax, prog, which):
    note(repr(prog))
    args = [np.asarray(x, float) if np.ndim(x) else float(x) for x in prog.inputs]
    policy, jax_policy = POLICIES[which]
    ck = mg.checkpoint(prog.fn, policy=policy)
    ck_jax = jax.checkpoint(prog.fn, policy=jax_policy(jax.checkpoint_policies))
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


# ------------------------------------------------------------------------ policies

def _mlp(np_, name_fn, layers: int = 3):
    """Every product feeds a tanh, so JAX keeps each saveable value (none is dead)."""
    def f(Ws, x):
        h = x
        for k, W in enumerate(Ws[:layers]):
            h = name_fn(np_.tanh(np_.matmul(h, W) + 0.1), f"h{k}")  # (mnp.matmul: counted on plain arrays too)
        return np_.sum(h * h)

    return f


POLICIES = {  # minigrad's policy and how to build JAX's from jax.checkpoint_policies
    "None": (None, lambda jp: None),
    "everything_saveable": (mg.checkpoint_policies.everything_saveable, lambda jp: jp.everything_saveable),
    "nothing_saveable": (mg.checkpoint_policies.nothing_saveable, lambda jp: jp.nothing_saveable),
    "dots_saveable": (mg.checkpoint_policies.dots_saveable, lambda jp: jp.dots_saveable),
    "checkpoint_dots": (mg.checkpoint_policies.checkpoint_dots, lambda jp: jp.checkpoint_dots),
    "dots_with_no_batch_dims_saveable": (mg.checkpoint_policies.dots_with_no_batch_dims_saveable,
                                         lambda jp: jp.dots_with_no_batch_dims_saveable),
    "save_only_these_names": (mg.checkpoint_policies.save_only_these_names("h1"),
                              lambda jp: jp.save_only_these_names("h1")),
    "save_any_names_but_these": (mg.checkpoint_policies.save_any_names_but_these("h0"),
                                 lambda jp: jp.save_any_names_but_these("h0")),
    "save_anything_except_these_names": (mg.checkpoint_policies.save_anything_except_these_names("h0"),
                                         lambda jp: jp.save_anything_except_these_names("h0")),
    "save_from_both_policies": (
        mg.checkpoint_policies.save_from_both_policies(mg.checkpoint_policies.dots_saveable,
                                                       mg.checkpoint_policies.save_only_these_names("h2")),
        lambda jp: jp.save_from_both_policies(jp.dots_saveable, jp.save_only_these_names("h2"))),
    "own function": (lambda prim, *args, **params: prim.name == "tanh", lambda jp: lambda prim, *a, **k: prim.name == "tanh"),
}


def _data(seed: int = 0, layers: int = 3, batch: int = 4, width: int = 3):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((width, width)) for _ in range(layers)], rng.standard_normal((batch, width))


@pytest.mark.parametrize("which", sorted(POLICIES))
def test_every_policy_gives_jax_checkpoints_derivatives(jax, which):
    from jax.ad_checkpoint import checkpoint_name

    policy, jax_policy = POLICIES[which]
    Ws, x = _data()
    f = mg.checkpoint(_mlp(mnp, mg.checkpoint_name), policy=policy)
    f_jax = jax.checkpoint(_mlp(jax.numpy, checkpoint_name), policy=jax_policy(jax.checkpoint_policies))
    got, want = mg.grad(f, argnums=(0, 1))(Ws, x), jax.grad(f_jax, argnums=(0, 1))(Ws, x)
    for g, w in zip(flatten(got)[0], jax.tree_util.tree_leaves(want)):
        close(g, w)
    # twice through the checkpoint (a traced recording: everything recomputed), batched, jitted
    x0 = x[0]
    close(mg.hessian(lambda x: f(Ws, x))(x0), jax.hessian(lambda x: f_jax(Ws, x))(x0))
    per_example = mg.vmap(mg.grad(lambda x: f(Ws, x[None])))(x)
    close(per_example, jax.vmap(jax.grad(lambda x: f_jax(Ws, x[None])))(x))
    close(mg.jit(mg.grad(f, argnums=1))(Ws, x), jax.grad(f_jax, argnums=1)(Ws, x))
    # closing over a traced value (here W, differentiated outside the checkpoint)
    inner = mg.checkpoint(lambda x, W: _mlp(mnp, mg.checkpoint_name)(Ws[:2] + [W], x), policy=policy)
    inner_jax = jax.checkpoint(lambda x, W: _mlp(jax.numpy, checkpoint_name)(Ws[:2] + [W], x),
                               policy=jax_policy(jax.checkpoint_policies))
    close(mg.grad(lambda W: inner(x, W) + mg.checkpoint(lambda x: inner(x, W), policy=policy)(x))(Ws[2]),
          jax.grad(lambda W: inner_jax(x, W) + jax.checkpoint(lambda x: inner_jax(x, W))(x))(Ws[2]))
    # on JAX values the function is jax.checkpoint with JAX's own policy
    close(f([jax.numpy.asarray(W) for W in Ws], jax.numpy.asarray(x)), f_jax(Ws, x))


def _jax_saved(jax, f, *args) -> list:
    """(what, shape) of each value JAX's checkpoint saves that is not an argument, parsed
    from ``jax.ad_checkpoint.print_saved_residuals``: ("dot_general", (4, 3)), ("name h1", ...)."""
    from jax.ad_checkpoint import print_saved_residuals

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_saved_residuals(f, *args)
    saved = []
    for line in out.getvalue().splitlines():
        m = re.match(r"\w+\[([\d,]*)\] (?:output of (\w+)|named '(\w+)')", line)
        if m:
            shape = tuple(int(n) for n in m.group(1).split(",") if n)
            saved.append((m.group(2) or f"name {m.group(3)}", shape))
    return sorted(saved)


def _minigrad_saved(f, policy, *args) -> list:
    """The same for minigrad: the values ``remat.saved_variables`` keeps of ``f``'s recording."""
    graph = mg.trace(f, *args)
    what = {"matmul": "dot_general", "einsum": "dot_general"}
    return sorted((what.get(v.prim.name, f"name {v.params['name']}" if v.prim.name == "name" else v.prim.name),
                   np.shape(v.value)) for v in saved_variables(graph, policy))


def _batched_products(np_, name_fn):
    """A product with a batch dimension (einsum over b) and one without (a stack @ a matrix)."""
    def g(a, b):
        return np_.sum(np_.tanh(np_.einsum("bij,bjk->bik", a, b))) + np_.sum(np_.tanh(a @ b[0]))

    return g


@pytest.mark.parametrize("which", ["dots_saveable", "dots_with_no_batch_dims_saveable",
                                   "save_only_these_names", "save_any_names_but_these",
                                   "save_from_both_policies", "own function"])
@pytest.mark.parametrize("program", ["mlp", "batched products"])
def test_the_values_a_policy_saves_are_those_jax_saves(jax, which, program):
    from jax.ad_checkpoint import checkpoint_name

    policy, jax_policy = POLICIES[which]
    make = {"mlp": _mlp, "batched products": _batched_products}[program]
    rng = np.random.default_rng(1)
    args = _data() if program == "mlp" else (rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 3)))
    want = _jax_saved(jax, jax.checkpoint(make(jax.numpy, checkpoint_name),
                                          policy=jax_policy(jax.checkpoint_policies)), *args)
    assert _minigrad_saved(make(mnp, mg.checkpoint_name), policy, *args) == want
    if which == "dots_saveable":
        assert len(want) == (3 if program == "mlp" else 2)  # (the comparison compares something)


def _count_matmuls(monkeypatch) -> list:
    calls = []
    entry = mg.PRIMITIVES["matmul"]
    impl = entry.impl
    monkeypatch.setattr(entry, "impl", lambda a, b: calls.append(1) or impl(a, b))
    return calls


@pytest.mark.parametrize("which", ["everything_saveable", "dots_saveable", "nothing_saveable", "None"])
def test_the_backward_sweep_recomputes_only_what_the_policy_did_not_save(monkeypatch, which):
    Ws, x = _data(layers=3)
    f = mg.checkpoint(_mlp(mnp, mg.checkpoint_name), policy=POLICIES[which][0])
    calls = _count_matmuls(monkeypatch)
    mg.grad(f, argnums=(0, 1))(Ws, x)
    # the forward sweep's 3 products, 2 per product in the backward rules (x W: x and W), and
    # the 3 again wherever the products were not saved
    assert len(calls) == 3 + 6 + (0 if which in ("everything_saveable", "dots_saveable") else 3)


def _layer_chain(policy, layers: int):
    """An MLP whose layers are each checkpointed: the memory lecture's example."""
    @mg.checkpoint
    def plain(W, h):
        return mnp.tanh(h @ W + 0.1)

    layer = plain if policy == "not checkpointed" else mg.checkpoint(plain.fun, policy=policy)

    def loss(Ws, x):
        h = x
        for W in Ws:
            h = layer(W, h) if policy != "not checkpointed" else plain.fun(W, h)
        return mnp.sum(h)

    return loss


def test_the_memory_report_shows_what_each_policy_keeps():
    L, batch, width = 6, 5, 4
    Ws, x = _data(layers=L, batch=batch, width=width)
    P = mg.checkpoint_policies
    h_bytes = 8 * batch * width
    inputs = L + 1
    report = {name: mg.trace(_layer_chain(policy, L), Ws, x).memory()
              for name, policy in [("plain", "not checkpointed"), ("none", None),
                                   ("dots", P.dots_saveable), ("all", P.everything_saveable)]}
    # per layer: matmul, add, tanh.  Not checkpointed: all 3 on the tape
    assert report["plain"].peak_values == inputs + 3 * L + 1
    # no policy: the node's output on the tape; its step recomputes all 3
    assert report["none"].peak_values == inputs + L + 3
    assert report["none"].recomputed_values == 3 * L
    # dots_saveable: the output and the matmul's on the tape; the step recomputes the add only
    assert report["dots"].peak_values == inputs + 2 * L + 1
    assert report["dots"].recomputed_values == L
    assert (report["dots"].saved_values, report["none"].saved_values, report["all"].saved_values) == (L, 0, 2 * L)
    assert f"saved by checkpoint policies: {L} values" in str(report["dots"])
    assert report["dots"].peak_bytes == 8 * width * width * L + h_bytes * (1 + 2 * L + 1)
    # everything_saveable: what no checkpoint holds, and nothing recomputed
    assert report["all"].peak_values == report["plain"].peak_values == report["all"].values_without_checkpointing
    assert report["all"].recomputed_values == 0
    table = mg.trace(_layer_chain(P.dots_saveable, 2), Ws[:2], x).table(mode="reverse", memory=True)
    # the inputs W1, W2, x; v4 = layer 1 with its saved product; the add recomputed; then layer 2
    w_bytes = 8 * width * width
    assert [r.live for r in table.rows][3:] == [
        f"{3 + 2 + 1} ({2 * w_bytes + h_bytes * (1 + 2 + 1)} B), 1 recomputed",
        f"{3 + 4 + 1} ({2 * w_bytes + h_bytes * (1 + 4 + 1)} B), 1 recomputed",
        f"{3 + 4 + 1} ({2 * w_bytes + h_bytes * (1 + 4) + 8} B)"]


@pytest.mark.parametrize("which", ["None", "dots_saveable"])
def test_a_function_returning_a_pytree(jax, which):
    """One node per output leaf, sharing one call: its residuals are held once, and without
    checkpointing its intermediates would be recorded once."""
    policy, jax_policy = POLICIES[which]

    def g(np_):
        def f(W, x):
            z = np_.matmul(x, W)
            return np_.tanh(z), {"s": np_.sin(z) * 2.0}

        return f

    def loss(f, np_):
        def total(W, x):
            a, b = f(W, x)
            return np_.sum(a * b["s"])

        return total

    Ws, x = _data()
    ck = loss(mg.checkpoint(g(mnp), policy=policy), mnp)
    ck_jax = loss(jax.checkpoint(g(jax.numpy), policy=jax_policy(jax.checkpoint_policies)), jax.numpy)
    for got, want in zip(mg.grad(ck, argnums=(0, 1))(Ws[0], x), jax.grad(ck_jax, argnums=(0, 1))(Ws[0], x)):
        close(got, want)
    memory = mg.trace(ck, Ws[0], x).memory()
    plain = mg.trace(loss(g(mnp), mnp), Ws[0], x).memory()
    assert memory.values_without_checkpointing == plain.peak_values == 2 + 4 + 2
    assert memory.saved_values == (1 if which == "dots_saveable" else 0)  # the product, once


def test_the_residuals_are_really_all_that_is_held(monkeypatch):
    """Measured on the Python heap after the forward sweep (``vjp``): each policy holds its
    residuals (``L`` matmul outputs for dots_saveable, also ``L`` sums for everything), and
    no more."""
    L, batch, width = 8, 4000, 16
    Ws, x = _data(layers=L, batch=batch, width=width)
    h_bytes = 8 * batch * width
    P = mg.checkpoint_policies
    held = {}
    for name, policy in [("none", None), ("dots", P.dots_saveable), ("all", P.everything_saveable)]:
        loss = _layer_chain(policy, L)
        tracemalloc.start()
        _, pullback = mg.vjp(loss, Ws, x)
        held[name] = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del pullback
    assert abs(held["dots"] - held["none"] - L * h_bytes) < 0.1 * L * h_bytes
    assert abs(held["all"] - held["dots"] - L * h_bytes) < 0.1 * L * h_bytes


def test_policy_and_name_errors_and_where_jax_has_them(jax):
    with pytest.raises(TransformError, match="policy must be a function.*checkpoint_policies"):
        mg.checkpoint(damped_sine, policy="dots")
    with pytest.raises(TransformError, match="prevent_cse"):
        mg.checkpoint(damped_sine, prevent_cse="yes")
    with pytest.raises(TypeError, match="checkpoint_name: name must be a string"):
        mg.checkpoint_name(1.0, 3)
    with pytest.raises(TypeError, match="save_only_these_names: names are strings"):
        mg.checkpoint_policies.save_only_these_names(1)
    assert mg.ad_checkpoint.checkpoint_name is mg.checkpoint_name
    assert mg.ad_checkpoint.checkpoint_policies is mg.checkpoint_policies
    assert set(vars(mg.checkpoint_policies)) <= set(vars(jax.checkpoint_policies))
    assert mg.checkpoint(damped_sine, prevent_cse=False)(0.5) == damped_sine(0.5)
    tree = {"a": 1.5, "b": np.arange(3.0)}
    named = mg.checkpoint_name(tree, "t")
    assert named["a"] == 1.5 and named["b"] is tree["b"]
    got = mg.checkpoint_name(jax.numpy.arange(3.0), "t")
    assert isinstance(got, jax.Array)
    row = mg.trace(lambda x: mg.checkpoint_name(mnp.sin(x), "h1"), 0.5).table().rows[-1]
    assert str(row.expression) == "checkpoint_name(v2, name=h1)"
