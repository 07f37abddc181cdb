"""Decisions and guards (issue 22): every choice a trace makes on a value is recorded in the
graph, eager transformations differentiate the branch taken, and every program written
from a trace (``mg.jit``, ``g.to_python()``) checks those decisions before it answers.

References are JAX's transformations of the same code (``jax.grad``, ``jax.jit``,
``jax.lax``), run with float64; a case where JAX and minigrad differ on purpose says why.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad import lax
from minigrad.errors import GuardError, TracedValueError, TransformError


@pytest.fixture(scope="module")
def jx(jax_x64):
    return jax_x64


@pytest.fixture(scope="module")
def jnp(jx):
    import jax.numpy

    return jax.numpy


def d2l(x, np_=mnp):
    """d2l.ai's autograd example: Python `while` and `if` on the traced value."""
    b = x * 2
    while b < 1000:
        b = b * 2
    return b if b > 0 else -b


# ----------------------------------------------------------------- eager control flow

def test_d2l_control_flow_differentiates_the_branch_taken_as_jax(jx):
    for x in (0.5, 0.3, 3.0, 600.0):
        want = float(jx.grad(d2l)(x))
        assert mg.grad(d2l)(x) == want
        assert mg.jvp(d2l, (x,), (1.0,))[1] == want
        assert mg.vjp(d2l, x)[1](1.0) == (want,)
        assert mg.jacfwd(d2l)(x) == want and mg.jacrev(d2l)(x) == want
        assert mg.hessian(d2l)(x) == float(jx.hessian(d2l)(x))
    assert mg.grad(d2l)(0.5) == 2048.0  # the number


def test_decisions_are_recorded_with_the_value_taken_and_listed_by_table_drawing_frames():
    g = mg.trace(lambda x: x * 3.0 if x > 0 else -x, 2.0)
    assert [(d.variable.index, d.taken) for d in g.decisions] == [(1, True)]
    assert "the graph holds where:\n  v1 > 0: true" in str(g.table())
    assert "<li>v<sub>1</sub> &gt; 0: true</li>" in g.table().to_html()
    assert r"$v_{1} > 0$: true" in g.table().to_latex()
    assert 'label="holds where v₁ > 0: true"' in g.to_dot().source  # typeset as the nodes
    assert g.frames().title == "Reverse sweep of <lambda> (holds where v1 > 0: true)"
    loop = mg.trace(d2l, 0.5)  # eleven tests of the while loop and one if: the middle folded
    lines = str(loop.table()).split("the graph holds where:\n")[1].splitlines()
    assert lines[0] == "  v2 < 1000: true" and lines[4] == "  (5 more)"
    assert lines[-2:] == ["  v22 < 1000: false", "  v22 > 0: true"]


def test_decision_text_is_escaped_in_every_format():
    def f(x):
        return x * 2.0 if x <= 1.0 else x
    g = mg.trace(f, 0.5, names=["<b>&x"])
    assert "v<sub>1</sub> &le; 1: true" in g.table().to_html()
    assert r"\le" in g.table().to_latex()
    html = g.frames().to_html()
    assert "<b>&x" not in html and "&lt;b&gt;&amp;x" in html


# -------------------------------------------- choices: where's mask, abs/max/clip kinks

def kinks(x):
    return mnp.where(x > 0, x ** 2, -x) + abs(x) + mnp.maximum(x, 0.3) + mnp.clip(x, -1.0, 1.0)


def test_where_masks_and_kinks_are_listed_as_choices_computed_on_every_call(jx, jnp):
    g = mg.trace(kinks, 1.0)
    assert not g.decisions and [c.variable.prim.name for c in g.choices] == \
        ["where", "abs", "maximum", "clip", "clip"]
    assert all(d.guarded for d in mg.trace(d2l, 0.5).decisions) and not any(c.guarded for c in g.choices)
    text = str(g.table())
    assert "the graph holds where" not in text  # nothing is guarded...
    assert text.endswith("computed again on every call (no guard needed):\n"
                         "  v1 > 0 (where, v5): true\n  v1 >= 0 (abs, v6): true\n"
                         "  v1 > 0.3 (maximum, v8): true\n  v1 > -1 (clip, v10): true\n"
                         "  v1 < 1 (clip, v10): tie")
    # ...since the programs compute each choice at their own inputs: no guard, never wrong
    assert "return None" not in mg.jit(kinks).source(1.0) and "GuardError" not in g.to_python()
    program, jitted = g.to_python().compile(), mg.jit(mg.value_and_grad(kinks))
    for x in (1.0, -2.0, 0.2, 0.3, -1.0):  # both sides of each kink, and its ties
        value, slope = map(float, jx.value_and_grad(
            lambda x: jnp.where(x > 0, x ** 2, -x) + jnp.abs(x) + jnp.maximum(x, 0.3)
            + jnp.clip(x, -1.0, 1.0))(x))
        assert program(x) == value
        assert jitted(x) == (value, slope)  # the ties at 1.0, -1.0, 0.3: JAX's 1/2
    tie = {c.relation[0]: c.ties for c in g.choices if c.variable.prim.name == "clip"}
    assert tie == {">": 0, "<": 1}  # x = 1.0 is clip's upper end, where JAX's slope is 1/2
    assert float(jx.grad(lambda x: jnp.clip(x, -1.0, 1.0))(1.0)) == mg.grad(lambda x: mnp.clip(x, -1.0, 1.0))(1.0) == 0.5


def test_an_array_choice_is_summarised_or_shown_when_small():
    x = np.array([[1.0, -2.0, 3.0], [0.0, 5.0, 3.0]])
    g = mg.trace(lambda x: mnp.sum(mnp.where(x > 0, x, 0.0)) + mnp.sum(mnp.max(x, axis=1))
                 + mnp.sum(mnp.maximum(x[0], 1.0)), x)
    lines = str(g.table()).split("computed again on every call (no guard needed):\n")[1].splitlines()
    want_where = f"{int(np.sum(x > 0))} of 6 true"  # NumPy's count of the mask
    want_max = f"{int(np.sum(x == np.max(x, axis=1, keepdims=True)))} of 6 true"
    assert lines == [f"  v1 > 0 (where, v3): {want_where}", f"  v1 == v5 (max, v5): {want_max}",
                     "  v8 > 1 (maximum, v9): [false, false, true], 1 tie"]
    assert [c.taken.tolist() for c in g.choices] == [(x > 0).tolist(),
                                                     (x == np.max(x, axis=1, keepdims=True)).tolist(),
                                                     [False, False, True]]
    const = mg.trace(lambda x: mnp.sum(mnp.where(np.array([True, False]), x, 0.0)), np.ones(2))
    assert const.choices == [] and "computed again" not in str(const.table())  # a constant mask


def test_choices_are_listed_and_escaped_in_every_format_drawing_and_frames():
    g = mg.trace(lambda x: abs(x) if x > 0 else mnp.maximum(x, -1.0), 2.0)
    html, latex, math = g.table().to_html(), g.table().to_latex(), g.table()._repr_latex_()
    assert '<ul class="choices"><li>v<sub>1</sub> &ge; 0 (abs, v<sub>3</sub>): true</li></ul>' in html
    assert r"\item $v_{1} \ge 0$ (abs, $v_{3}$): true" in latex
    assert r"v_{1} \ge 0 \text{ (abs, }v_{3}\text{): true}" in math
    assert "- `v1 >= 0 (abs, v3): true`" in g.table().to_markdown()
    caption = "holds where v1 > 0: true; per call: v1 >= 0 (abs, v3): true"
    assert g.frames().title == f"Reverse sweep of <lambda> ({caption})"
    typeset = "holds where v₁ > 0: true; per call: v₁ ≥ 0 (abs, v₃): true"
    assert f'label="{typeset}"' in g.to_dot().source
    baydin = g.table(naming="baydin").to_html()
    assert "v<sub>0</sub> &ge; 0 (abs, v<sub>2</sub>): true" in baydin


# ------------------------------------------------------------------------ jit guards

def test_jit_guards_python_branches_and_retraces_per_pattern(jx):
    # (jax.jit refuses d2l: its `while` concretizes a tracer; the reference is jax.grad's
    # and the eager value, which JAX and minigrad agree on)
    j = mg.jit(d2l)
    for x in (0.5, 0.3, 0.5, 600.0, 3.0, 0.3):
        assert j(x) == d2l(x)
    assert (j.traces, j.retraces) == (4, 3)  # 0.5, 0.3, 600 and 3.0 loop 10, 11, 0 and 9 times
    g = mg.jit(mg.grad(d2l))
    for x in (0.5, 0.3, 600.0):
        assert g(x) == float(jx.grad(d2l)(x))


def test_jit_while_loop_trip_count_is_guarded_as_jax(jx):
    f = lambda x: lax.while_loop(lambda c: c < x, lambda c: c + 1.0, 0.0)  # noqa: E731
    jf = jx.jit(f)
    j = mg.jit(f)
    assert [j(2.5), j(5.5), j(2.5)] == [float(jf(2.5)), float(jf(5.5)), float(jf(2.5))] == [3.0, 6.0, 3.0]
    assert j.retraces == 1


def test_a_guard_is_one_check_where_its_value_is_computed():
    src = mg.jit(lambda x: x * 3.0 if x > 0 else -x).source(2.0)
    assert "    v2 = x > 0\n    if not v2:  # v1 > 0: true\n        return None\n" in src


def test_the_cache_is_bounded_and_warns_once_when_it_thrashes():
    j = mg.jit(lambda x: lax.while_loop(lambda c: c < x, lambda c: c + 1.0, 0.0))
    with pytest.warns(RuntimeWarning, match=r"more than 64 programs .* Fix: choose with mnp.where"):
        for n in range(70):
            assert j(n + 0.5) == n + 1.0
    assert j.traces == 70 and repr(j).endswith(": 64 program(s)>")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one warning only
        assert j(80.5) == 81.0


def test_lax_cond_and_switch_under_jit_are_guarded(jx):
    from jax import lax as jlax
    cond = lambda x: lax.cond(x > 0, lambda x: x * x, lambda x: -mnp.sin(x), x)  # noqa: E731
    jcond = lambda x: jlax.cond(x > 0, lambda x: x * x, lambda x: -jx.numpy.sin(x), x)  # noqa: E731
    j = mg.jit(cond)
    for x in (2.0, -2.0, 3.0):
        assert j(x) == pytest.approx(float(jcond(x)), rel=1e-15)
    branches = [mnp.sin, mnp.cos, lambda x: x * x]
    s = mg.jit(lambda i, x: lax.switch(i, branches, x))
    js = jx.jit(lambda i, x: jlax.switch(i, [jx.numpy.sin, jx.numpy.cos, lambda x: x * x], x))
    for i in (0, 1, 7, -3, 1):
        assert s(i, 0.3) == pytest.approx(float(js(i, 0.3)), rel=1e-15)
    assert s.retraces == 2  # branches 1 and 2 after 0; 7 and -3 clamp to 2 and 0


# -------------------------------------------------------------------- to_python guards

def test_to_python_refuses_the_other_branch_with_a_one_line_error():
    g = mg.trace(lambda x: x * 3.0 if x > 0 else -x, 2.0)
    for mode in (None, "reverse", "forward"):
        f = g.to_python(mode=mode).compile()
        assert f(5.0) == {None: 15.0, "reverse": 3.0, "forward": 3.0}[mode]
        with pytest.raises(GuardError, match=r"^<lambda>: this program holds where v1 > 0: true, "
                                             r"not at these inputs\. Fix: trace again") as err:
            f(-1.0)
        assert "\n" not in str(err.value)


def test_to_python_computes_where_masks_from_its_inputs(jnp):
    g = mg.trace(lambda x: mnp.where(x > 0, x ** 2, -x), 1.0)
    assert g.to_python().compile()(-2.0) == 2.0  # the case: it was 4.0
    assert g.to_python(mode="reverse").compile()(-2.0) == -1.0
    x = np.array([-1.0, 2.0])
    h = mg.trace(lambda x: mnp.sum(mnp.where(x > 0, x ** 2, -x)), np.array([1.0, 1.0]))
    np.testing.assert_array_equal(h.to_python(mode="reverse").compile()(x), [-1.0, 4.0])


def test_to_python_gives_inf_and_nan_as_eager():
    f = lambda x, y: x / y + (x - 8.0) ** 0.5  # noqa: E731
    g = mg.trace(f, 9.0, 2.0)
    with np.errstate(all="ignore"):
        got = g.to_python().compile()(1.0, 0.0)
        grads = g.to_python(mode="reverse").compile()(4.0, 0.0)
        want = mg.grad(f, (0, 1))(4.0, 0.0)
        assert np.isnan(got) and np.isnan(f(np.float64(1.0), np.float64(0.0)))
    np.testing.assert_array_equal(grads, want)  # nan and -inf, as the eager sweep
    with np.errstate(all="ignore"):
        assert g.to_python().compile()(1.0, 0.0) != g.to_python().compile()(9.0, 2.0)


# ---------------------------------------------------------------- audited cases (S, C, U)

def test_s1_slogdet_sign_is_computed_at_each_input(jx, jnp):
    jf = mg.jit(lambda A: mnp.linalg.slogdet(A)[0])
    ref = jx.jit(lambda A: jnp.linalg.slogdet(A)[0])
    for A in (np.array([[2., 1.], [1., 3.]]), np.array([[1., 2.], [3., 1.]])):
        assert jf(A) == float(ref(A))
    B = np.array([[1., 2.], [3., 1.]])
    loss = lambda A: mnp.linalg.slogdet(A)[0] * mnp.linalg.slogdet(A)[1]  # noqa: E731
    jloss = lambda A: jnp.linalg.slogdet(A)[0] * jnp.linalg.slogdet(A)[1]  # noqa: E731
    np.testing.assert_allclose(mg.jit(mg.grad(loss))(B), jx.grad(jloss)(B), rtol=1e-14)


def _scaled(k):
    @mg.custom_jvp
    def f(x):
        return k * x

    @f.defjvp
    def f_jvp(primals, tangents):
        return k * primals[0], k * tangents[0]

    return f


def test_s2_two_custom_functions_with_one_name_under_jit():
    f2, f3 = _scaled(2.0), _scaled(3.0)
    h = lambda x: f2(x) + f3(x)  # noqa: E731
    assert h(1.0) == mg.jit(h)(1.0) == 5.0
    assert mg.grad(h)(1.0) == mg.jit(mg.grad(h))(1.0) == 5.0


def test_s3_user_entries_named_like_builtins_and_programs_named_like_helpers(jx, jnp):
    cube = mg.primitive("square", lambda x: x ** 3, deriv=(lambda o, x: 3 * x ** 2,))
    assert mg.jit(cube)(2.0) == 8.0 and mg.jit(mg.grad(cube))(2.0) == 12.0

    @mg.custom_jvp
    def sigmoid(x):
        return 2.0 / (1.0 + mnp.exp(-x))

    @sigmoid.defjvp
    def _(p, t):
        return sigmoid(p[0]), t[0]

    assert mg.jit(sigmoid)(0.0) == sigmoid(0.0) == 1.0

    @mg.custom_jvp
    def log1pexp(x):  # JAX's custom_jvp tutorial
        return mnp.log(1. + mnp.exp(x))

    @log1pexp.defjvp
    def log1pexp_jvp(primals, tangents):
        x, = primals
        x_dot, = tangents
        return log1pexp(x), (1 - 1 / (1 + mnp.exp(x))) * x_dot

    want = jx.grad(lambda x: jnp.log(1. + jnp.exp(x)))(3.0)
    assert mg.jit(log1pexp)(3.0) == pytest.approx(np.log1p(np.exp(3.0)), rel=1e-15)
    assert mg.jit(mg.grad(log1pexp))(3.0) == pytest.approx(float(want), rel=1e-15)


def test_s4_captured_arrays_are_constants_at_trace_time_as_jax(jx, jnp):
    W = np.ones(2)
    j = mg.jit(lambda x: mnp.sum(W * x) + mnp.sum(W))
    jj = jx.jit(lambda x: jnp.sum(W * x) + jnp.sum(W))
    x = np.ones(2)
    assert j(x) == float(jj(x)) == 4.0
    W[:] = 5.0
    assert j(x) == float(jj(x)) == 4.0  # the program's constant was copied, as JAX's


def test_s5_while_loop_reverse_mode_refused_as_jax_closures_included(jx):
    body_closure = lambda x: lax.while_loop(lambda c: c < 10.0, lambda c: c * x, 1.0)  # noqa: E731
    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work"):
        jx.grad(body_closure)(2.0)
    for t in (mg.grad, mg.jacrev, mg.hessian, lambda f: mg.jit(mg.grad(f))):
        with pytest.raises(TransformError, match="reverse-mode differentiation of lax.while_loop"):
            t(body_closure)(2.0)
    assert mg.jvp(body_closure, (2.0,), (1.0,)) == tuple(float(v) for v in jx.jvp(body_closure, (2.0,), (1.0,)))
    cond_closure = lambda x: lax.while_loop(lambda c: c < x, lambda c: c + 1.0, 0.0)  # noqa: E731
    assert mg.grad(cond_closure)(2.5) == float(jx.grad(cond_closure)(2.5)) == 0.0  # JAX accepts it


def test_s7_forward_seed_of_an_array_input_is_the_whole_array(jx, jnp):
    g = mg.trace(lambda x: mnp.sum(x), np.array([1., 2.]))
    table = g.table(mode="forward", wrt="x")
    assert str(table).splitlines()[0].endswith("│ tangent (x along ones (2,))")
    arrays = mg.trace(lambda x: mnp.sum(x), np.array([1., 2.]), names=["<x&_$"])
    forward = arrays.table(mode="forward", wrt=0)
    assert "<th>tangent (&lt;x&amp;_$ along ones (2,))</th>" in forward.to_html()
    assert r"tangent (\textless{}x\&\_\$ along ones (2,))" in forward.to_latex()
    assert table.rows[-1].tangent == 2.0
    x = np.array([1., 3.])
    h = mg.trace(lambda x: mnp.max(x) * mnp.sum(x), x)
    want = jx.jvp(lambda x: jnp.max(x) * jnp.sum(x), (x,), (np.ones(2),))[1]
    src = h.to_python(mode="forward", wrt=0)
    assert "and its tangents, statement by statement (seeds: x along ones (2,))" in src
    assert src.compile()(x) == float(want) == 10.0


def test_c4_comparisons_returned_are_booleans_as_jax(jx):
    assert mg.jit(lambda x: (x > 0, x))(1.0) == (True, 1.0)
    got = mg.jit(lambda x: x > 0)(np.array([1.0, -1.0]))
    assert got.dtype == bool and list(got) == [True, False]
    value, aux = mg.grad(lambda x: (x * 2, x > 0), has_aux=True)(1.0)
    assert (value, aux) == (2.0, True) and type(aux) is bool
    primal, tangent = mg.jvp(lambda x: x > 0, (1.0,), (1.0,))
    jprimal, jtangent = jx.jvp(lambda x: x > 0, (1.0,), (1.0,))
    assert primal == bool(jprimal) and tangent.dtype == jtangent.dtype  # float0


def test_c5_lax_dispatches_on_closures_that_jax_traces(jx):
    f = lambda x: lax.while_loop(lambda c: c < x, lambda c: c + 1.0, 0.0)  # noqa: E731
    assert [float(jx.jit(f)(2.5)), float(jx.jit(f)(5.5))] == [3.0, 6.0]
    g = lambda x: lax.fori_loop(0, 3, lambda i, c: c * x, 1.0)  # noqa: E731
    assert float(jx.grad(g)(2.0)) == 12.0
    h = lambda x: lax.cond(True, lambda: x * 2.0, lambda: x)  # noqa: E731
    assert float(jx.jit(h)(3.0)) == 6.0


def test_u1_static_argnames_passed_positionally_is_static():
    j = mg.jit(lambda x, n: x * n if n > 3 else x, static_argnames="n")
    assert (j(2.0, 3), j(2.0, 4), j(2.0, n=4)) == (2.0, 8.0, 8.0)
    assert j.retraces == 0


def test_u2_clear_errors_and_a_jit_inside_grad(jx):
    with pytest.raises(TracedValueError, match=r"bound upper is traced .*static_argnums"):
        mg.jit(lambda n, x: lax.fori_loop(0, n, lambda i, c: c * 2, x))(3, 1.0)
    assert mg.jit(lambda n, x: lax.fori_loop(0, n, lambda i, c: c * 2, x), static_argnums=0)(3, 1.0) == 8.0
    with pytest.raises(TypeError, match="lax.switch: the index must be an integer scalar.*lax.cond"):
        mg.jit(lambda x: lax.switch(x > 0, [lambda x: x, lambda x: 2 * x], x))(1.0)
    inner = lambda x: jx.jit(lambda y: x * y)(2.0)  # noqa: E731
    assert mg.grad(lambda x: mg.jit(lambda y: x * y)(2.0))(3.0) == float(jx.grad(inner)(3.0)) == 2.0


def test_u3_lax_is_as_strict_as_jax(jx, jnp):
    from jax import lax as jlax
    cases = [
        (lambda L: L.switch(1.7, [lambda x: x, lambda x: 2 * x], 1.0), "integer"),
        (lambda L: L.while_loop(lambda c: c < 3, lambda c: np.ones(2) * 3, 1.0), "carry"),
        (lambda L: L.fori_loop(0, 3, lambda i, c: np.ones(2), 1.0), "carry"),
        (lambda L: L.scan(lambda c, x: (np.ones(2), x), 1.0, np.ones(3)), "carry"),
        (lambda L: L.cond(True, lambda x: x, lambda x: (x, x), 1.0), "structure"),
        (lambda L: L.cond(True, lambda x: x, lambda x: np.ones(2), 1.0), "must have"),
        (lambda L: L.cond(np.array([True]), lambda x: x, lambda x: 2 * x, 1.0), "scalar"),
    ]
    for case, words in cases:
        with pytest.raises(TypeError):
            case(jlax)
        with pytest.raises(TypeError, match=words):
            case(lax)
    step = lambda c, x: (c + mnp.sum(x), (x * 2, c))  # noqa: E731
    jstep = lambda c, x: (c + jnp.sum(x), (x * 2, c))  # noqa: E731
    carry, (a, b) = lax.scan(step, 0.0, np.zeros((0, 2)))
    jcarry, (ja, jb) = jlax.scan(jstep, 0.0, jnp.zeros((0, 2)))
    assert carry == float(jcarry) and (a.shape, b.shape) == (ja.shape, jb.shape) == ((0, 2), (0,))


def test_cond_runs_the_other_branch_once_per_signature_to_check_it_as_jax(jx):
    """Eager cond used to run both branches on every call (twice the cost of the one taken):
    the check that they return alike (U3) depends on shapes only, so it runs once per
    signature; JAX, too, traces both once and then runs only the branch taken."""
    runs = []

    def up(x, w):
        runs.append("up")
        return x * w

    def down(x, w):
        runs.append("down")
        return x - w

    f = lambda x, w: lax.cond(mnp.sum(x) > 0, up, down, x, w)  # noqa: E731
    for x in (np.ones(3), np.ones(3), -np.ones(3), np.ones(3)):
        f(x, 2.0)
        mg.grad(lambda x: mnp.sum(f(x, 2.0)))(x)
    assert runs == ["up", "down"] + ["up"] * 3 + ["down"] * 2 + ["up"] * 2
    runs.clear()
    f(np.ones(4), 2.0)  # another shape: checked again, as jax.jit would trace again
    assert runs == ["up", "down"]
    k = lambda x: lax.cond(True, lambda x: x, lambda x: x[:2], x)  # noqa: E731
    k(np.ones(2))
    with pytest.raises(TypeError, match="must have the same structure and shapes"):
        k(np.ones(3))  # a shape the branches disagree on is refused after one they agree on
    with pytest.raises(TypeError):
        jx.lax.cond(True, lambda x: x, lambda x: x[:2], np.ones(3))
    captured = {"w": np.ones(3)}  # what the branches close over counts in the signature
    h = lambda x: lax.cond(True, lambda x: x, lambda x: x + captured["w"], x)  # noqa: E731
    h(np.ones(3))
    captured["w"] = np.ones((2, 3))
    with pytest.raises(TypeError, match="must have the same structure and shapes"):
        h(np.ones(3))


def test_u4_jit_returns_distinct_arrays_for_equal_outputs(jx):
    a, b = mg.jit(lambda x: (x * 2, x * 2))(np.ones(2))
    a[0] = 7.0
    assert b[0] == 2.0


def test_no_chapter_repeats_that_python_control_flow_on_traced_values_is_refused():
    """Chapters 3b, 6 and 6b said it (issue 22); they now teach the branch taken and guards."""
    from pathlib import Path

    old_claims = ["would be wrong everywhere else", "minigrad refuses it", "refuses the branch",
                  "is an error under\n`jax.jit`, as under `mg.jit` and `mg.grad`",
                  "error at trace time (`mnp.where`", "the if version: TracedValueError",
                  "branchy: TracedValueError", "`mg.jit` refuses `lambda x: x if x > 0"]
    docs = Path(__file__).resolve().parent.parent / "docs"
    for page in sorted(docs.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        assert not [c for c in old_claims if c in text], page.name


def test_lax_cond_and_switch_are_decisions_of_to_python_programs():
    g = mg.trace(lambda x: lax.cond(x > 0, lambda x: x * x, lambda x: -x, x), 2.0)
    f = g.to_python().compile()
    assert f(3.0) == 9.0
    with pytest.raises(GuardError, match="holds where v1 > 0: true"):
        f(-1.0)
    s = mg.trace(lambda i, x: lax.switch(i, [mnp.sin, mnp.cos, lambda x: x * x], x), 1, 0.5)
    assert "the graph holds where:\n  v1 chose branch 1 of 3" in str(s.table())
    h = s.to_python().compile()
    assert h(1, 0.5) == np.cos(0.5)
    with pytest.raises(GuardError, match="holds where v1 chose branch 1 of 3"):
        h(2, 0.5)
