"""mg.vmap against jax.vmap: random programs, in/out axes, pytrees, nesting and compositions.

Every reference is JAX's own answer on the same function (``minigrad.numpy`` dispatches to
``jax.numpy`` on JAX values), in float64.  The batching rules are also checked on each
entry of the table that has one, and the example-by-example fallback on a user's entry.
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
from minigrad.primitives import TABLE
from minigrad.testing import programs

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _batch(x, size: int, axis: int, rng):
    """``size`` nearby examples of ``x``, stacked along ``axis``."""
    x = np.asarray(x, dtype=np.float64)
    examples = [x + 0.05 * k * rng.standard_normal(x.shape) for k in range(size)]
    return np.stack(examples, axis=axis)


@settings(max_examples=30, **SETTINGS)
@given(st.booleans().flatmap(lambda array: programs(max_ops=6, n_inputs=(1, 3), array=array)), st.data())
def test_random_programs_match_jax_vmap(jax, prog, data):
    note(repr(prog))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    axes = tuple(data.draw(st.sampled_from([None, 0] + ([-1] if np.ndim(x) else []))) for x in prog.inputs)
    if all(a is None for a in axes):
        axes = (0,) + axes[1:]
    args = [x if a is None else _batch(x, 3, a, rng) for x, a in zip(prog.inputs, axes)]
    out_axis = data.draw(st.sampled_from([0, -1]))
    got = mg.vmap(prog.fn, in_axes=axes, out_axes=out_axis)(*args)
    want = jax.vmap(prog.fn, in_axes=axes, out_axes=out_axis)(*[jax.numpy.asarray(a) for a in args])
    close(got, want)
    # per-example gradients (vmap of grad) and the gradient of the batch (grad of vmap)
    loss = lambda *xs: mnp.sum(prog.fn(*xs))  # noqa: E731
    first = next(k for k, a in enumerate(axes) if a is not None)
    g = mg.vmap(mg.grad(loss, argnums=first), in_axes=axes)(*args)
    g_jax = jax.vmap(jax.grad(loss, argnums=first), in_axes=axes)(*[jax.numpy.asarray(a) for a in args])
    close(g, g_jax, 1e-9)
    total = lambda *xs: mnp.sum(mg.vmap(prog.fn, in_axes=axes)(*xs))  # noqa: E731
    total_jax = lambda *xs: jax.numpy.sum(jax.vmap(prog.fn, in_axes=axes)(*xs))  # noqa: E731
    close(mg.grad(total, argnums=first)(*args), jax.grad(total_jax, argnums=first)(*args), 1e-9)


@pytest.mark.parametrize("in_axes, out_axes", [(0, 0), (1, 0), (0, 1), ((None, 0), 0), ((1, None), -1),
                                               (-1, 2), ((0, 2), 1), ([0, None], -2)])
def test_axes_combinations(jax, in_axes, out_axes):
    rng = np.random.default_rng(0)
    axes = in_axes if isinstance(in_axes, (tuple, list)) else (in_axes, in_axes)
    args = [rng.standard_normal((5, 3)) if a is None else
            np.stack([rng.standard_normal((5, 3)) for _ in range(4)], axis=a) for a in axes]

    def f(x, w):
        return mnp.tanh(x) * mnp.sum(w) + x ** 2

    got = mg.vmap(f, in_axes, out_axes)(*args)
    want = jax.vmap(f, tuple(in_axes) if isinstance(in_axes, list) else in_axes, out_axes)(
        *[jax.numpy.asarray(a) for a in args])
    close(got, want)


def test_pytree_in_axes_out_axes_and_kwargs(jax):
    rng = np.random.default_rng(1)
    params = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    xs = rng.standard_normal((5, 3))

    def net(params, x, *, scale=1.0):
        h = mnp.tanh(x @ params["W"] + params["b"]) * scale
        return {"h": h, "norm": mnp.sum(h ** 2)}

    got = mg.vmap(net, in_axes=({"W": None, "b": None}, 0), out_axes={"h": 1, "norm": 0})(params, xs, scale=2.0)
    jp = {k: jax.numpy.asarray(v) for k, v in params.items()}
    want = jax.vmap(lambda p, x: net(p, x, scale=2.0), in_axes=({"W": None, "b": None}, 0),
                    out_axes={"h": 1, "norm": 0})(jp, xs)
    close(got["h"], want["h"])
    close(got["norm"], want["norm"])
    # a batch of parameters too: b mapped, W shared
    bs = rng.standard_normal((5, 2))
    got = mg.vmap(net, in_axes=({"W": None, "b": 0}, 0))({"W": params["W"], "b": bs}, xs)
    want = jax.vmap(net, in_axes=({"W": None, "b": 0}, 0))({"W": jp["W"], "b": bs}, xs)
    close(got["h"], want["h"])


class Pair:
    """A pytree class (children a, b; a static label as its auxiliary data), registered with
    both minigrad's and JAX's registries, as a user's code would."""

    def __init__(self, a, b, label="p"):
        self.a, self.b, self.label = a, b, label

    def tree_flatten(self):
        return (self.a, self.b), self.label

    @classmethod
    def tree_unflatten(cls, label, children):
        return cls(*children, label=label)


mg.tree_util.register_pytree_node_class(Pair)


def test_a_registered_pytree_class_in_in_axes_and_out_axes(jax):
    try:
        jax.tree_util.register_pytree_node_class(Pair)
    except ValueError:  # (registered by an earlier run in this process)
        pass
    rng = np.random.default_rng(2)
    xs, c = rng.standard_normal((4, 3)), rng.standard_normal(3)

    def f(p):
        return {"sum": p.a * p.b["u"] + p.b["v"], "pair": Pair(p.a, mnp.sin(p.b["v"]), "out")}

    for in_axes in [(Pair(0, {"u": None, "v": 0}),), (Pair(0, None),), (0,)]:
        args = Pair(xs, {"u": c, "v": xs if in_axes != (Pair(0, None),) else c})
        if in_axes == (0,):
            args = Pair(xs, {"u": xs, "v": xs})
        got = mg.vmap(f, in_axes=in_axes)(args)
        want = jax.vmap(f, in_axes=in_axes)(args)
        close(got["sum"], want["sum"])
        assert type(got["pair"]) is Pair and got["pair"].label == "out"
        close(got["pair"].a, want["pair"].a)
        close(got["pair"].b, want["pair"].b)
    # out_axes: a Pair prefix of the output, an unmapped leaf kept unbatched (None)
    for out_axes in [Pair(1, None, "out"), Pair(0, 0, "out")]:
        g = lambda x: Pair(x[:, None] * c, c * 2.0, "out")  # noqa: E731
        got, want = mg.vmap(g, out_axes=out_axes)(xs), jax.vmap(g, out_axes=out_axes)(xs)
        close(got.a, want.a)
        close(got.b, want.b)
    # refused by both: a Pair as in_axes itself (not one entry per argument), a tuple standing
    # for a Pair, another label (auxiliary data)
    with pytest.raises(TransformError, match=r"in_axes must be an int, None or a tuple.*Fix: "):
        mg.vmap(f, in_axes=Pair(0, None))(Pair(xs, {"u": c, "v": c}))
    with pytest.raises(TypeError):
        jax.vmap(f, in_axes=Pair(0, None))(Pair(xs, {"u": c, "v": c}))
    with pytest.raises(TransformError, match=r"Fix: .*in_axes=\(\{'a': 0\},\)"):  # (was read as ('a',))
        mg.vmap(lambda d: d["a"], in_axes={"a": 0})({"a": xs})
    with pytest.raises(TypeError):
        jax.vmap(lambda d: d["a"], in_axes={"a": 0})({"a": xs})
    for wrong in [((0, None),), (Pair(0, None, "other"),)]:
        with pytest.raises(TransformError, match="does not match the structure"):
            mg.vmap(f, in_axes=wrong)(Pair(xs, {"u": c, "v": c}))
        with pytest.raises(ValueError):
            jax.vmap(f, in_axes=wrong)(Pair(xs, {"u": c, "v": c}))


def test_inside_another_trace_only_the_batched_operations_are_recorded(jax):
    """The example ``vmap`` traces is not copied into the enclosing trace (as mg.trace,
    grad and jit record it): the outer table holds the batched operations only."""
    xs = np.linspace(0.1, 1.0, 4)

    def closure(w, xs):
        return mnp.sum(mg.vmap(lambda x: mnp.sin(x * w) + w)(xs))

    def unmapped(w, xs):
        return mnp.sum(mg.vmap(lambda x, w: mnp.sin(x * w) + w, in_axes=(0, None))(xs, w))

    def nested(w, xs):  # vmap of vmap, w used outside the inner one too, a decision on w
        def row(x):
            s = w * 2.0 if w > 0 else -w
            return mg.vmap(lambda y: mnp.cos(x * y * s))(xs)

        return mnp.sum(mg.vmap(row)(xs))

    # (before: the example's 3 operations were copied into the outer trace first; in
    # `nested`, 8 such rows, every one an unused scalar or example-sized value)
    for f, ops in [(closure, ["mul:(4,)", "sin:(4,)", "add:(4,)", "sum:()"]),
                   (unmapped, ["mul:(4,)", "sin:(4,)", "add:(4,)", "sum:()"]),
                   (nested, ["gt:()", "mul:()", "reshape:(4, 1)", "mul:(4, 4)", "mul:(4, 4)",
                             "cos:(4, 4)", "sum:()"])]:
        graph = mg.trace(f, 0.7, xs)
        assert [f"{v.prim.name}:{np.shape(v.value)}" for v in graph.variables[2:]] == ops
        assert [v.index for v in graph.variables] == list(range(len(graph.variables)))
        close(graph.outputs.value, f(0.7, xs))
        close(mg.grad(f, argnums=(0, 1))(0.7, xs)[0], jax.grad(f, argnums=(0, 1))(0.7, xs)[0])
        close(mg.grad(f, argnums=(0, 1))(0.7, xs)[1], jax.grad(f, argnums=(0, 1))(0.7, xs)[1])
        close(mg.jit(mg.grad(f))(0.7, xs), jax.grad(f)(0.7, xs))
        close(mg.grad(mg.grad(f))(0.7, xs), jax.grad(jax.grad(f))(0.7, xs))

    def scoped(w, xs):  # a scope around the vmap tags the batched rows; one inside, no row
        def example(x):
            with mg.scope("inside"):
                return mnp.sin(x * w)

        with mg.scope("around"):
            ys = mg.vmap(example)(xs)
        return mnp.sum(ys)

    graph = mg.trace(scoped, 0.7, xs)
    assert [v.prim.name for v in graph.variables[2:]] == ["mul", "sin", "sum"]
    assert graph.scopes == {2: "around", 3: "around"}


def test_nested_vmap_is_an_outer_product(jax):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    f = lambda u, v: mnp.sum(mnp.sin(u) * v)  # noqa: E731
    got = mg.vmap(mg.vmap(f, (None, 0)), (0, None))(a, b)
    want = jax.vmap(jax.vmap(f, (None, 0)), (0, None))(a, b)
    assert got.shape == (4, 5)
    close(got, want)


def test_compositions_with_jacfwd_jacrev_hessian_and_jit(jax):
    rng = np.random.default_rng(3)
    xs = rng.standard_normal((6, 3))
    f = lambda x: mnp.sum(mnp.sin(x) * mnp.exp(-x ** 2)) * x  # noqa: E731
    close(mg.jacfwd(mg.vmap(f))(xs), jax.jacfwd(jax.vmap(f))(xs))
    close(mg.vmap(mg.jacrev(f))(xs), jax.vmap(jax.jacrev(f))(xs))
    g = lambda x: mnp.sum(mnp.sin(x) * mnp.exp(-x ** 2))  # noqa: E731
    close(mg.vmap(mg.hessian(g))(xs), jax.vmap(jax.hessian(g))(xs), 1e-9)
    jv = mg.jit(mg.vmap(f))
    close(jv(xs), jax.vmap(f)(xs))
    close(jv(xs + 1.0), jax.vmap(f)(xs + 1.0))
    assert jv.traces == 1 and jv.cache_hits == 1
    close(mg.vmap(mg.jit(f))(xs), jax.vmap(f)(xs))


def test_jit_of_vmap_is_one_batched_program():
    xs = np.linspace(0.1, 0.9, 1000)
    jv = mg.jit(mg.vmap(lambda a: a * 0.5 * (1 - a)))
    src = str(jv.source(xs))
    assert not any(line.lstrip().startswith("for ") for line in src.splitlines())  # no loop: array operations
    assert "(a * 0.5) * (1 - a)" in src
    g = mg.trace(mg.vmap(lambda a: a * 0.5 * (1 - a)), xs)
    assert len(g.variables) == 4
    assert all(np.shape(v.value) == (1000,) for v in g.variables)
    assert "array(1000,)" in str(g.table())


def test_drawing_shows_batched_shapes_and_float32_stays_float32(jax):
    xs = np.linspace(0.1, 0.9, 1000)
    g = mg.trace(mg.vmap(lambda a: mnp.sin(a) * (1 - a)), xs)
    assert "f64[1000]" in g.to_dot().source  # (the drawings write shapes as JAX does)
    x32 = np.linspace(0.1, 0.9, 6, dtype=np.float32).reshape(3, 2)
    f = lambda x: mnp.sum(mnp.tanh(x) * 2.0 + x ** 2)  # noqa: E731
    for got, want in [(mg.vmap(f)(x32), jax.vmap(f)(jax.numpy.asarray(x32))),
                      (mg.vmap(mg.grad(f))(x32), jax.vmap(jax.grad(f))(jax.numpy.asarray(x32)))]:
        assert got.dtype == want.dtype == np.float32
        close(got, want, 1e-6)


def test_where_and_comparisons_choose_per_example(jax):
    xs = np.array([-2.0, -0.5, 0.5, 3.0])
    f = lambda x: mnp.where(x > 0, mnp.sqrt(mnp.abs(x)), -x ** 2)  # noqa: E731
    close(mg.vmap(f)(xs), jax.vmap(f)(xs))
    close(mg.vmap(mg.grad(f))(xs), jax.vmap(jax.grad(f))(xs))
    m = lambda x: mnp.maximum(x, 0.0) + mnp.max(mnp.stack([x, 2 * x]))  # noqa: E731
    close(mg.vmap(m)(xs), jax.vmap(m)(xs))


def test_python_branch_on_a_batched_value_raises():
    def f(x):
        return x if x > 0 else -x

    with pytest.raises(TypeError, match="mnp.where"):  # as JAX: no branch per example
        mg.vmap(f)(np.array([1.0, -1.0]))


def test_cond_and_switch_on_a_mapped_predicate_select_per_example_as_jax(jax):
    """JAX batches a mapped predicate into a select: every branch computed, each example's
    chosen; so do we, through grad inside and outside vmap, jit, and pytree outputs."""
    import minigrad.lax as lax

    xs = np.array([-1.5, 0.3, 2.0, -0.2])
    idx = np.array([0, 1, 2, 5])  # 5 is clamped to the last branch, as JAX does

    def cond(L, x):
        return L.cond(x > 0, lambda y: (y ** 2, 2 * y), lambda y: (-3 * y, y * y), x)

    def switch(L, np_, i, x):
        return L.switch(i, [lambda y: y + 1, lambda y: y * y, lambda y: np_.sin(y)], x)

    ours_c, theirs_c = (lambda x: cond(lax, x)), (lambda x: cond(jax.lax, x))
    close(mg.vmap(ours_c)(xs), jax.vmap(theirs_c)(xs))
    close(mg.jit(mg.vmap(ours_c))(xs), jax.vmap(theirs_c)(xs))
    close(mg.vmap(mg.grad(lambda x: ours_c(x)[0]))(xs), jax.vmap(jax.grad(lambda x: theirs_c(x)[0]))(xs))
    close(mg.grad(lambda v: mnp.sum(mg.vmap(ours_c)(v)[1]))(xs),
          jax.grad(lambda v: jax.numpy.sum(jax.vmap(theirs_c)(v)[1]))(xs))
    ours_s = lambda x, i: switch(lax, mnp, i, x)  # noqa: E731
    theirs_s = lambda x, i: switch(jax.lax, jax.numpy, i, x)  # noqa: E731
    close(mg.vmap(ours_s)(xs, idx), jax.vmap(theirs_s)(xs, idx))
    close(mg.vmap(mg.grad(ours_s))(xs, idx), jax.vmap(jax.grad(theirs_s))(xs, idx))
    with pytest.raises(TypeError, match="same structure"):  # branches that differ, as JAX
        mg.vmap(lambda x: lax.cond(x > 0, lambda y: y, lambda y: (y, y), x))(xs)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_every_entry_has_a_batching_rule(name):
    assert TABLE[name].vmap is not None, f"{name} has no vmap rule"


def test_structural_rules_match_jax(jax):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4, 5))
    a = rng.standard_normal((3, 4, 4)) + 4 * np.eye(4)
    v = rng.standard_normal((3, 4))
    cases = [
        (lambda x: x.T, x), (lambda x: mnp.transpose(x, (1, 0)), x),
        (lambda x: mnp.reshape(x, (20,)), x), (lambda x: mnp.broadcast_to(x[0], (2, 5)), x),
        (lambda x: x[1:, ::2], x), (lambda x: x[np.array([0, 3, 1])], x), (lambda x: x[:, np.array([1, 2])], x),
        (lambda x: mnp.concatenate([x, 2 * x], axis=1), x), (lambda x: mnp.stack([x, mnp.sin(x)], axis=-1), x),
        (lambda x: mnp.cumsum(x, axis=1), x), (lambda x: mnp.prod(x, axis=0), x),
        (lambda x: mnp.max(x, axis=1), x), (lambda x: mnp.logsumexp(x), x), (lambda x: mnp.mean(x, 0, keepdims=True), x),
        (lambda x: mnp.einsum("ij,kj->ik", x, x), x), (lambda x: x @ x.T, x), (lambda x: x[0] @ x.T, x),
        (lambda a: mnp.linalg.inv(a), a), (lambda a: mnp.linalg.det(a), a),
        (lambda a: mnp.linalg.slogdet(a)[1], a), (lambda a: mnp.linalg.cholesky(a @ a.T), a),
        (lambda a: mnp.linalg.svd(a, compute_uv=False), a),
    ]
    for f, arg in cases:
        close(mg.vmap(f)(arg), jax.vmap(f)(jax.numpy.asarray(arg)), 1e-9)
    # both operands batched, or only the right one
    close(mg.vmap(lambda a, v: mnp.linalg.solve(a, v))(a, v), jax.vmap(jax.numpy.linalg.solve)(a, v), 1e-9)
    close(mg.vmap(lambda a, v: a @ v)(a, v), jax.vmap(lambda a, v: a @ v)(a, v))
    close(mg.vmap(lambda v: a[0] @ v)(v), jax.vmap(lambda v: a[0] @ v)(v))
    close(mg.vmap(lambda v: mnp.linalg.solve(a[0], v))(v), jax.vmap(lambda v: jax.numpy.linalg.solve(a[0], v))(v))
    close(mg.vmap(lambda u, w: mnp.einsum("i,i->", u, w))(v, v), np.sum(v * v, axis=1))


def test_indexed_updates_and_astype_match_jax(jax):
    rng = np.random.default_rng(5)
    x, y, v = rng.standard_normal((4, 5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    updates = [(lambda x, y: x.at[1].set(y), y), (lambda x, y: x.at[1:3].add(y), y),
               (lambda x, v: x.at[0, 2].multiply(v), v), (lambda x, v: x.at[np.array([0, 2]), 1].set(v), v),
               (lambda x, v: x.at[:, 0].max(v), v)]
    for f, u in updates:
        for axes in [(0, 0), (0, None), (None, 0)]:
            args = [a if ax is not None else mnp.asarray(a[0]) for a, ax in zip((x, u), axes)]
            close(mg.vmap(f, axes)(*args), jax.vmap(f, axes)(*[jax.numpy.asarray(a) for a in args]))
        loss = lambda x, u, f=f, ns=mnp: ns.sum(f(x, u) ** 2)  # noqa: E731
        got = mg.vmap(mg.grad(loss, (0, 1)))(x, u)
        want = jax.vmap(jax.grad(lambda x, u, f=f: jax.numpy.sum(f(x, u) ** 2), (0, 1)))(x, u)
        close(got[0], want[0])
        close(got[1], want[1])
    assert mg.vmap(lambda x: x.astype(np.float32))(x).dtype == np.float32


def test_a_users_entry_without_a_rule_goes_example_by_example(jax):
    cube = mg.primitive("cube_vmap_test", lambda x: x ** 3, jax=lambda x: x ** 3,
                        jvp=(lambda t, out, x: 3 * x ** 2 * t,), vjp=(lambda g, out, x: 3 * x ** 2 * g,))
    xs = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.25]])
    g = mg.trace(mg.vmap(cube), xs)
    assert [v.prim.name for v in g.variables[1:]].count("cube_vmap_test") == 3  # one per example
    close(mg.vmap(cube)(xs), xs ** 3)
    close(mg.grad(lambda x: mnp.sum(mg.vmap(cube)(x)))(xs), 3 * xs ** 2)


def test_users_entry_with_a_rule():
    calls = []

    def rule(batched, out, x):
        calls.append(batched)
        return twice(x)

    twice = mg.primitive("twice_vmap_test", lambda x: 2 * x, deriv=(lambda out, x: 2.0,), vmap=rule)
    close(mg.vmap(twice)(np.arange(4.0)), 2 * np.arange(4.0))
    assert calls == [(True,)]


def test_errors_name_the_argument_and_the_fix():
    x, y = np.ones((3, 2)), np.ones((4, 2))
    with pytest.raises(TransformError, match="different sizes.*'x': 3.*'y': 4"):
        mg.vmap(lambda x, y: x + y)(x, y)
    with pytest.raises(TransformError, match="argument 'x'.*no such axis"):
        mg.vmap(lambda x: x, in_axes=2)(x)
    with pytest.raises(TransformError, match="in_axes has 1 entries"):
        mg.vmap(lambda x, y: x, in_axes=(0,))(x, x)
    with pytest.raises(TransformError, match="axis_size"):
        mg.vmap(lambda x: x, in_axes=None)(x)
    with pytest.raises(TransformError, match="out_axes is None"):
        mg.vmap(lambda x: x, out_axes=None)(x)
    with pytest.raises(TransformError, match="scalar|no such axis"):
        mg.vmap(lambda x: x)(1.0)


def test_unmapped_outputs_broadcast_and_axis_size(jax):
    got = mg.vmap(lambda x, c: (x * 2, c), in_axes=(0, None))(np.arange(3.0), 5.0)
    want = jax.vmap(lambda x, c: (x * 2, c), in_axes=(0, None))(np.arange(3.0), 5.0)
    close(got[0], want[0])
    close(got[1], want[1])
    close(mg.vmap(lambda c: c + 1.0, in_axes=None, axis_size=4)(np.ones(2)),
           jax.vmap(lambda c: c + 1.0, in_axes=None, axis_size=4)(np.ones(2)))


def _mismatched_custom(lib, kind: str):
    """A custom function whose body gives 2x but whose rule's primal output is 3x (and whose
    derivative is 5): which of the two a transformation returns is then visible."""
    if kind == "jvp":
        f = lib.custom_jvp(lambda x: 2 * x)
        f.defjvp(lambda primals, tangents: (3 * primals[0], 5 * tangents[0]))
    else:
        f = lib.custom_vjp(lambda x: 2 * x)
        f.defvjp(lambda x: (3 * x, None), lambda res, g: (5 * g,))
    return f


@pytest.mark.parametrize("kind", ["jvp", "vjp"])
def test_custom_functions_under_vmap_give_jax_values(jax, kind):
    """vmap evaluates a custom function's body, as jax.vmap does; a transformation that
    differentiates it (inside or outside vmap) gets the rule's primal output, as in JAX."""
    f, jf = _mismatched_custom(mg, kind), _mismatched_custom(jax, kind)
    x = np.array([1.0, 2.0, -0.5])
    close(mg.vmap(f)(x), jax.vmap(jf)(x))
    close(mg.vmap(f)(x), 2 * x)  # (JAX's answer, independently: the body's)
    close(mg.jit(mg.vmap(f))(x), jax.jit(jax.vmap(jf))(x))
    close(mg.vmap(mg.jit(f))(x), jax.vmap(jax.jit(jf))(x))
    close(mg.vmap(mg.grad(f))(x), jax.vmap(jax.grad(jf))(x))
    for got, want in zip(mg.vmap(mg.value_and_grad(f))(x), jax.vmap(jax.value_and_grad(jf))(x)):
        close(got, want)
    ours = mg.value_and_grad(lambda x: mnp.sum(mg.vmap(f)(x)))(x)
    theirs = jax.value_and_grad(lambda x: jax.numpy.sum(jax.vmap(jf)(x)))(x)
    close(ours[0], theirs[0])
    close(ours[1], theirs[1])
    # a mapped closure differentiated from outside: the rule's primal output there too
    ours = mg.value_and_grad(lambda y: mnp.sum(mg.vmap(lambda x: f(x * y))(x)))(1.5)
    theirs = jax.value_and_grad(lambda y: jax.numpy.sum(jax.vmap(lambda x: jf(x * y))(x)))(1.5)
    close(ours[0], theirs[0])
    close(ours[1], theirs[1])
