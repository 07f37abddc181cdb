"""Users' own rules (mg.custom_jvp, mg.custom_vjp, mg.primitive): one function object, every engine.

References are closed forms (the derivative of softplus is the sigmoid) and JAX run on the
very same decorated objects; a rule that differs on purpose from the true derivative
(gradient clipping) shows the user's rule, not the implementation, is differentiated.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, note, settings

import minigrad as mg
import minigrad.numpy as mnp
from minigrad.errors import TracedValueError, TransformError
from minigrad.testing import check_agreement, programs

from test_rules import _sincos

TOL = dict(rtol=1e-12, atol=1e-14)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@mg.custom_jvp
def softplus(x):
    return mnp.log1p(mnp.exp(x))


@softplus.defjvp
def softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), t * mnp.sigmoid(x)


@functools.partial(mg.custom_vjp, nondiff_argnums=(0,))
def clip_gradient(bound, x):
    """The identity, whose gradient is clipped to [-bound, bound] (JAX's docs' example)."""
    return x


def _clip_fwd(bound, x):
    return x, None


def _clip_bwd(bound, res, g):
    return (mnp.clip(g, -bound, bound),)


clip_gradient.defvjp(_clip_fwd, _clip_bwd)


@functools.partial(mg.custom_jvp, nondiff_argnums=(1,))
def power_of(x, k):
    return x ** k


@power_of.defjvp
def power_of_jvp(k, primals, tangents):
    (x,), (t,) = primals, tangents
    return power_of(x, k), k * x ** (k - 1) * t


CUBE = mg.primitive("cube", lambda x: x ** 3, deriv=(lambda o, x: 3.0 * x * x,),
                    partials=(lambda o, x: 3 * x ** 2,), jax=lambda x: x ** 3)


@pytest.fixture(scope="module")
def jx(jax_x64):
    return jax_x64


def test_custom_jvp_runs_on_floats_minigrad_and_both_modes():
    x = np.array([-2.0, 0.3, 4.0])
    np.testing.assert_allclose(softplus(0.3), np.log1p(np.exp(0.3)), **TOL)
    f = lambda x: mnp.sum(softplus(x) * x)  # noqa: E731
    want = np.log1p(np.exp(x)) + x * _sigmoid(x)
    np.testing.assert_allclose(mg.grad(f)(x), want, **TOL)
    np.testing.assert_allclose(mg.jvp(f, (x,), (np.ones(3),))[1], want.sum(), **TOL)
    # second order, both ways: (softplus)'' is sigmoid (1 - sigmoid)
    s = _sigmoid(0.3)
    second = s * (1 - s)
    assert mg.grad(mg.grad(softplus))(0.3) == pytest.approx(second, rel=1e-12)
    assert mg.jacfwd(mg.grad(softplus))(0.3) == pytest.approx(second, rel=1e-12)
    assert mg.grad(lambda x: mg.jvp(softplus, (x,), (1.0,))[1])(0.3) == pytest.approx(second, rel=1e-12)


def test_custom_jvp_rule_is_what_minigrad_differentiates():
    """A rule off by a factor gives that factor in both modes: the rule, not the body, is used."""
    @mg.custom_jvp
    def f(x):
        return mnp.sin(x)

    f.defjvp(lambda primals, tangents: (f(*primals), 3.0 * mnp.cos(primals[0]) * tangents[0]))
    assert mg.grad(f)(0.4) == pytest.approx(3 * np.cos(0.4), rel=1e-14)
    assert mg.jvp(f, (0.4,), (1.0,))[1] == pytest.approx(3 * np.cos(0.4), rel=1e-14)


def test_one_node_named_after_the_function_with_its_rule(tmp_path):
    g = mg.trace(lambda x: softplus(x) * 2.0, 0.3)
    assert [v.prim.name for v in g.variables[1:]] == ["softplus", "mul"]
    row = g.table(mode="reverse").rows[1]
    assert str(row.expression) == "softplus v1"
    assert [(n, str(d)) for n, d in row.partials] == [("v1", "softplus_jvp")]
    assert "softplus" in g.to_dot(mode="reverse").source and "softplus_jvp" in g.to_dot().source
    assert len(g.frames(mode="reverse")) > 0
    assert g.table(mode="forward").rows[1].tangent == pytest.approx(_sigmoid(0.3), rel=1e-14)


def test_the_same_objects_under_jax_and_jit(jx):
    f = lambda x: jx.numpy.sum(softplus(x) * x)  # noqa: E731
    x = np.array([-2.0, 0.3, 4.0])
    want = np.log1p(np.exp(x)) + x * _sigmoid(x)
    np.testing.assert_allclose(jx.grad(f)(x), want, **TOL)
    np.testing.assert_allclose(jx.jit(jx.grad(f))(x), want, **TOL)
    # JAX uses the same rule: clipping and the nondiff power follow the user's rules
    clipped = lambda x: mnp.sum(clip_gradient(0.5, 3.0 * x))  # noqa: E731
    xs = np.array([0.2, -1.0])
    np.testing.assert_allclose(jx.grad(clipped)(xs), [1.5, 1.5], **TOL)
    np.testing.assert_allclose(mg.grad(clipped)(xs), [1.5, 1.5], **TOL)
    assert jx.grad(power_of)(2.0, 3) == pytest.approx(12.0) == mg.grad(power_of)(2.0, 3)
    import jaxbridge as jb

    np.testing.assert_allclose(jb.grad(lambda x: mnp.sum(softplus(x) * x))(x), want, **TOL)


def test_custom_vjp_reverse_only_as_in_jax():
    x = np.array([0.2, -1.0])
    np.testing.assert_allclose(mg.grad(lambda x: mnp.sum(clip_gradient(0.5, 3.0 * x)))(x),
                               [1.5, 1.5], **TOL)
    np.testing.assert_allclose(mg.grad(lambda x: mnp.sum(clip_gradient(2.0, 0.1 * x)))(x),
                               [0.1, 0.1], **TOL)
    with pytest.raises(TransformError, match="forward mode .* of custom_vjp function clip_gradient"):
        mg.jvp(lambda x: clip_gradient(0.5, x), (0.3,), (1.0,))

    @mg.custom_vjp
    def cube(x):
        return x ** 3

    cube.defvjp(lambda x: (cube(x), x), lambda x, g: (3.0 * x * x * g,))
    assert mg.grad(mg.grad(cube))(0.7) == pytest.approx(6 * 0.7, rel=1e-14)  # bwd is differentiable


def test_pytree_arguments_and_nondiff_argnums(jx):
    @mg.custom_jvp
    def affine(p, x):
        return mnp.sum(p["w"] * x) + p["b"]

    @affine.defjvp
    def affine_jvp(primals, tangents):
        (p, x), (tp, tx) = primals, tangents
        return affine(p, x), mnp.sum(tp["w"] * x + p["w"] * tx) + tp["b"]

    p, x = {"w": np.array([1.0, 2.0]), "b": 0.5}, np.array([3.0, -1.0])
    got = mg.grad(affine, argnums=(0, 1))(p, x)
    np.testing.assert_allclose(got[0]["w"], x, **TOL)
    assert got[0]["b"] == 1.0
    np.testing.assert_allclose(got[1], p["w"], **TOL)
    want = jx.grad(affine, argnums=(0, 1))(p, x)
    np.testing.assert_allclose(want[0]["w"], x, **TOL)
    assert check_agreement(affine, p, x)
    assert mg.grad(power_of)(2.0, 3) == pytest.approx(12.0)
    with pytest.raises(TracedValueError, match="argument 1 is in nondiff_argnums"):
        mg.grad(power_of, argnums=1)(2.0, 3.0)


def test_primitive_is_a_table_entry_everywhere():
    cube = CUBE
    f = lambda x: mnp.sin(cube(x))  # noqa: E731
    want = np.cos(0.7 ** 3) * 3 * 0.7 ** 2
    assert mg.grad(f)(0.7) == pytest.approx(want, rel=1e-14)
    assert mg.jvp(f, (0.7,), (1.0,))[1] == pytest.approx(want, rel=1e-14)
    assert mg.jit(mg.grad(f))(0.7) == pytest.approx(want, rel=1e-14)
    g = mg.trace(f, 0.7)
    assert g.variables[1].prim is cube and mg.PRIMITIVES.get("cube") is None
    assert [(n, str(d)) for n, d in g.table().rows[1].partials] == [("v1", "3 v1^2")]
    assert len(g.frames(mode="forward", wrt="x")) == len(mg.trace(mnp.sin, 0.7).frames(mode="forward")) + 1
    report = check_agreement(f, 0.7)
    assert report, str(report)
    with pytest.raises(TypeError, match="give deriv="):
        mg.primitive("half", lambda x: x, jvp=(lambda t, o, x: t,))


def test_a_primitives_batch_rule_is_used_by_jacfwd_and_agrees_with_its_jvp():
    calls = []

    def flip_batch(i, t, out, x):  # t: (directions, n); the reversal is along the last axis
        calls.append(np.shape(t))
        return mnp.flip(t, axis=-1)

    flip = mg.primitive("flip_last", lambda x: x[..., ::-1], jax=lambda x: x[..., ::-1],
                        jvp=(lambda t, o, x: mnp.flip(t, axis=-1),),
                        vjp=(lambda g, o, x: mnp.flip(g, axis=-1),), batch=flip_batch)
    plain = mg.primitive("flip_last_unbatched", lambda x: x[..., ::-1], jax=lambda x: x[..., ::-1],
                         jvp=(lambda t, o, x: mnp.flip(t, axis=-1),),
                         vjp=(lambda g, o, x: mnp.flip(g, axis=-1),))
    x = np.array([0.3, -1.2, 2.0, 0.5])
    want = np.diag(np.cos(x))[::-1]  # d sin(x)[::-1] / dx, by hand
    assert np.array_equal(mg.jacfwd(lambda z: flip(mnp.sin(z)))(x), want)
    assert calls == [(4, 4)]  # one call, all four directions
    assert np.array_equal(mg.jacfwd(lambda z: plain(mnp.sin(z)))(x), want)  # direction by direction
    assert np.array_equal(mg.jacrev(lambda z: flip(mnp.sin(z)))(x), want)


def test_rules_missing_or_misshapen_say_so():
    @mg.custom_jvp
    def f(x):
        return x

    with pytest.raises(TypeError, match=r"custom_jvp f: no JVP rule defined. Fix: decorate"):
        f(1.0)

    @mg.custom_jvp
    def pair(x):
        return (x, 2.0 * x)

    pair.defjvp(lambda primals, tangents: (pair(*primals), (tangents[0],)))  # one tangent short
    assert pair(1.0) == (1.0, 2.0)  # plain values: the function itself
    with pytest.raises(TypeError, match=r"custom_jvp pair: the tangent_out of <lambda> has 1 "
                                        r"leaves but the function's output has 2. Fix: return"):
        mg.grad(lambda x: pair(x)[1])(1.0)


# ------------------------------------------------------------------ pytree outputs


sincos = _sincos()  # two outputs, one rule: (sin x, cos x)


@functools.partial(mg.custom_vjp, nondiff_argnums=(0,))
def product_and_exp(k, x, y):
    """A dict of outputs, a nondiff scale k: {"p": k x y, "q": exp(x)}."""
    return {"p": k * x * y, "q": mnp.exp(x)}


def _pe_fwd(k, x, y):
    return product_and_exp(k, x, y), (x, y)


def _pe_bwd(k, res, g):  # g is a dict like the output; an unused output's entry is zeros
    x, y = res
    return k * y * g["p"] + mnp.exp(x) * g["q"], k * x * g["p"]


product_and_exp.defvjp(_pe_fwd, _pe_bwd)


def test_pytree_outputs_differentiate_as_in_jax_on_the_same_objects(jx):
    """jacfwd/jacrev of the decorated functions equal JAX's (which runs them as
    jax.custom_jvp / jax.custom_vjp), and both equal the closed forms."""
    x, y = np.array([0.3, -1.2, 2.0]), np.array([2.0, 0.5, -1.0])
    closed = (np.diag(np.cos(x)), np.diag(-np.sin(x)))
    for mine, theirs in [(mg.jacfwd(sincos)(x), jx.jacfwd(sincos)(x)),
                         (mg.jacrev(sincos)(x), jx.jacrev(sincos)(x))]:
        for m, t, c in zip(mine, theirs, closed):
            np.testing.assert_allclose(m, t, **TOL)
            np.testing.assert_allclose(m, c, **TOL)
    pe = lambda x, y: product_and_exp(3.0, x, y)  # noqa: E731
    mine, theirs = mg.jacrev(pe, argnums=(0, 1))(x, y), jx.jacrev(pe, argnums=(0, 1))(x, y)
    for key in ("p", "q"):
        for m, t in zip(mine[key], theirs[key]):
            np.testing.assert_allclose(m, t, **TOL)
    np.testing.assert_allclose(mine["p"][0], np.diag(3.0 * y), **TOL)
    np.testing.assert_allclose(mine["q"][0], np.diag(np.exp(x)), **TOL)
    np.testing.assert_allclose(mine["q"][1], np.zeros((3, 3)), **TOL)


def test_an_output_the_loss_does_not_use_gets_a_zero_cotangent(jx):
    x, y = np.array([0.3, -1.2]), np.array([2.0, 0.5])
    only_p = lambda x, y: mnp.sum(product_and_exp(3.0, x, y)["p"] ** 2)  # noqa: E731
    got, want = mg.grad(only_p, argnums=(0, 1))(x, y), jx.grad(only_p, argnums=(0, 1))(x, y)
    p = 3.0 * x * y
    for g, w, c in zip(got, want, (2 * p * 3.0 * y, 2 * p * 3.0 * x)):
        np.testing.assert_allclose(g, w, **TOL)
        np.testing.assert_allclose(g, c, **TOL)
    only_sin = lambda x: mnp.sum(sincos(x)[0])  # noqa: E731
    np.testing.assert_allclose(mg.grad(only_sin)(x), np.cos(x), **TOL)
    np.testing.assert_allclose(mg.grad(only_sin)(x), jx.grad(only_sin)(x), **TOL)
    # second order: forward over reverse through the jvp rule, reverse over reverse through bwd
    np.testing.assert_allclose(mg.hessian(only_sin)(x), jx.hessian(only_sin)(x), **TOL)
    np.testing.assert_allclose(mg.hessian(only_sin)(x), np.diag(-np.sin(x)), **TOL)
    q = lambda x: mnp.sum(product_and_exp(3.0, x, y)["q"])  # noqa: E731
    np.testing.assert_allclose(mg.jacrev(mg.grad(q))(x), jx.jacrev(jx.grad(q))(x), **TOL)
    np.testing.assert_allclose(mg.jit(mg.grad(only_p, argnums=(0, 1)))(x, y)[0], got[0], **TOL)


def test_pytree_outputs_are_one_node_per_output_named_after_the_function():
    """One entry, one node per output leaf (its path in the expression), the rule as the
    partial; the function body runs once for all of them."""
    calls = []

    @mg.custom_jvp
    def counted(x):
        calls.append(1)
        return {"a": mnp.sin(x), "b": (x * x, mnp.cos(x))}

    @counted.defjvp
    def counted_rule(primals, tangents):
        (x,), (t,) = primals, tangents
        return counted(x), {"a": mnp.cos(x) * t, "b": (2.0 * x * t, -mnp.sin(x) * t)}

    g = mg.trace(lambda x: counted(x)["a"] * counted(x)["b"][1], 0.4)
    assert len(calls) == 2  # two calls, each run once for its three nodes
    rows = g.table(mode="reverse").rows
    assert [v.prim.name for v in g.variables[1:]] == ["counted"] * 6 + ["mul"]
    assert [str(r.expression) for r in rows[1:4]] == [
        "(counted v1)['a']", "(counted v1)['b'][0]", "(counted v1)['b'][1]"]
    assert [(n, str(d)) for n, d in rows[1].partials] == [("v1", "counted_rule")]
    assert "counted" in g.to_dot(mode="reverse").source
    want = np.cos(0.4) * np.cos(0.4) - np.sin(0.4) * np.sin(0.4)  # d/dx sin x cos x
    assert rows[0].adjoint == pytest.approx(want, rel=1e-14)
    assert g.table(mode="forward").rows[-1].tangent == pytest.approx(want, rel=1e-14)
    assert mg.grad(lambda x: counted(x)["b"][0])(0.4) == pytest.approx(0.8, rel=1e-14)


@settings(max_examples=10, deadline=None)
@given(programs(max_ops=5, primitives=[softplus, (CUBE, "small")]))
def test_user_entries_in_random_programs_agree_everywhere(prog):
    """The strategies mix users' entries with the built-in ones; the checker (both modes,
    JAX, finite differences) finds them in agreement, as it does built-in programs."""
    note(prog.table())
    report = check_agreement(prog.fn, *prog.inputs)
    assert report, str(report)


def test_a_traced_call_holds_the_rules_primal_output_as_jax_linearize(jax_x64):
    """mg.trace records to differentiate, so its custom_jvp node holds the rule's primal
    output: jax.linearize's value (and its derivative, the rule's); evaluating gives the body's."""
    jax = jax_x64
    f, jf = mg.custom_jvp(lambda x: 2 * x), jax.custom_jvp(lambda x: 2 * x)
    for g in (f, jf):
        g.defjvp(lambda primals, tangents: (3 * primals[0], 5 * tangents[0]))
    value, tangent = jax.linearize(jf, 1.5)
    graph = mg.trace(f, 1.5)
    assert graph.variables[-1].value == float(value) == 4.5
    assert mg.grad(f)(1.5) == float(tangent(1.0)) == 5.0
    assert f(1.5) == float(jax.jit(jf)(1.5)) == 3.0
