"""minigrad.lax and mnp.stop_gradient: one function object on floats, minigrad and JAX.

References: closed forms of small loops (a Horner recurrence is a polynomial), and JAX's
own transformations of the same functions (which then run jax.lax)."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad import lax
from minigrad.errors import TracedValueError, TransformError


@pytest.fixture(scope="module")
def jx(jax_x64):
    return jax_x64


def horner(a, xs):
    """sum_k a^(n-1-k) xs[k], by a scan whose ys are the partial sums."""
    return lax.scan(lambda c, x: (c * a + x, c), 0.0, xs)


def horner_fori(a):
    return lax.fori_loop(0, 3, lambda i, c: c * a + 1.0, 0.0)  # a^2 + a + 1


def halvings(x):
    """Multiply by x / 2 three times: (x / 2)^3 x; the trip count comes from the carry."""
    return lax.while_loop(lambda c: c[1] < 3, lambda c: (c[0] * 0.5 * x, c[1] + 1), (x, 0))[0]


def piecewise(x):
    return lax.cond(x > 0, lambda x: x * x, lambda x: -mnp.sin(x), x)


def branches(i, x):
    return lax.switch(i, [mnp.sin, mnp.cos, lambda x: x * x], x)


XS = np.array([1.0, -2.0, 0.5])


def test_plain_values_run_python_and_minigrad_differentiates_the_unrolled_loop():
    a = 1.5
    carry, ys = horner(a, XS)
    assert carry == pytest.approx(a * a * 1.0 - 2.0 * a + 0.5, rel=1e-15)
    np.testing.assert_allclose(ys, [0.0, 1.0, a - 2.0], rtol=1e-15)
    assert mg.grad(lambda a: horner(a, XS)[0])(a) == pytest.approx(2 * a - 2.0, rel=1e-14)
    np.testing.assert_allclose(mg.grad(lambda xs: horner(a, xs)[0])(XS), [a * a, a, 1.0], rtol=1e-14)
    assert horner_fori(2.0) == 7.0 and mg.grad(horner_fori)(2.0) == 5.0
    assert mg.hessian(horner_fori)(2.0) == 2.0
    assert halvings(2.0) == 2.0 and mg.jvp(halvings, (2.0,), (1.0,))[1] == pytest.approx(4.0)
    assert (mg.grad(piecewise)(2.0), mg.grad(piecewise)(-2.0)) == (4.0, pytest.approx(-np.cos(-2.0)))
    assert mg.grad(branches, 1)(7, 0.3) == pytest.approx(0.6)  # the index clamped to 2, as JAX
    reverse_carry, _ = lax.scan(lambda c, x: (c * 1.5 + x, None), 0.0, XS, reverse=True)
    assert reverse_carry == pytest.approx(0.5 * 2.25 - 2.0 * 1.5 + 1.0)


def test_iterations_are_scoped_for_drawings():
    g = mg.trace(horner_fori, 2.0)
    assert sorted(set(g.scopes.values())) == ["fori_loop 0", "fori_loop 1", "fori_loop 2"]
    assert g.to_dot().source.count("subgraph cluster_") == 3


def test_while_loop_is_forward_differentiable_only():
    with pytest.raises(TransformError, match=r"^reverse-mode differentiation of lax.while_loop is "
                                             r"not supported, as in JAX"):
        mg.grad(halvings)(2.0)
    assert mg.jacfwd(halvings)(2.0) == pytest.approx(4.0)


def test_jax_values_go_to_jax_lax(jx):
    jnp = jx.numpy
    carry, ys = jx.jit(horner)(1.5, jnp.asarray(XS))
    assert float(carry) == pytest.approx(horner(1.5, XS)[0], rel=1e-15)
    # the same closed forms as minigrad's, by JAX's own differentiation of jax.lax
    assert float(jx.grad(lambda a: horner(a, jnp.asarray(XS))[0])(1.5)) == pytest.approx(1.0)
    assert float(jx.grad(horner_fori)(2.0)) == 5.0
    assert float(jx.grad(piecewise)(2.0)) == 4.0
    assert float(jx.grad(piecewise)(-2.0)) == pytest.approx(-np.cos(-2.0), rel=1e-15)
    assert float(jx.grad(lambda x: branches(7, x))(0.3)) == pytest.approx(0.6, rel=1e-15)
    assert float(jx.jvp(halvings, (2.0,), (1.0,))[1]) == pytest.approx(4.0)
    np.testing.assert_allclose(jx.vmap(horner_fori)(jnp.array([1.0, 2.0])), [3.0, 7.0])


def test_mg_jit_unrolls_loops_and_guards_value_dependent_ones():
    # issue 22 changed this: while_loop and cond under mg.jit compile guards (they were refused)
    jitted = mg.jit(mg.grad(horner_fori))
    assert jitted(2.0) == 5.0 and jitted(3.0) == 7.0
    assert mg.jit(halvings)(2.0) == 2.0 and mg.jit(halvings)(4.0) == 32.0
    j = mg.jit(piecewise)
    assert (j(2.0), j(-2.0)) == (4.0, pytest.approx(-np.sin(-2.0))) and j.retraces == 1


def test_stop_gradient_follows_jax(jx):
    f = lambda x: x * mnp.stop_gradient(x) + mnp.sin(mnp.stop_gradient(x))  # noqa: E731
    assert mg.grad(f)(3.0) == 3.0 == float(jx.grad(f)(3.0))
    assert mg.jvp(f, (3.0,), (1.0,))[1] == 3.0
    assert mg.grad(mg.grad(f))(3.0) == 0.0 == float(jx.grad(jx.grad(f))(3.0))
    np.testing.assert_allclose(mg.grad(lambda x: mnp.sum(x * mnp.stop_gradient(x)))(XS), XS)
    assert f(3.0) == pytest.approx(9.0 + np.sin(3.0))


def _newton_sqrt(np_, lax_):
    """The custom-derivative page's fixed point: each example converges at its own step."""
    def f(a):
        return lax_.while_loop(lambda c: np_.abs(c[0] - c[1]) > 1e-6,
                               lambda c: (c[1], 0.5 * (c[1] + a / c[1])), (a, 0.5 * (a + 1.0)))[1]
    return f


def _count_to(np_, lax_):
    """A mapped bound closed over: example k runs ceil(x_k) times (0 for x_k <= 0)."""
    def f(x):
        return lax_.while_loop(lambda c: c[0] < x, lambda c: (c[0] + 1.0, c[1] * 2.0), (0.0, 1.0))
    return f


def test_vmap_of_while_loop_with_a_mapped_test_matches_jax(jax):
    """Batched as jax.vmap does: run while any example's test holds, each example keeping the
    body's carry only while its own holds; so each stops at its own trip count."""
    from against_jax import close
    jnp = jax.numpy
    a = np.array([1.0, 2.0, 3.0, 400.0])
    ours, theirs = _newton_sqrt(mnp, lax), _newton_sqrt(jnp, jax.lax)
    close(mg.vmap(ours)(a), jax.vmap(theirs)(a))
    close(mg.vmap(ours)(a), np.sqrt(a), rtol=1e-9)
    jitted = mg.jit(mg.vmap(ours))
    for b in (a, a * 9.0, a[::-1] / 4.0):  # other trip counts: the guards retrace
        close(jitted(b), jax.jit(jax.vmap(theirs))(b))
    x = np.array([0.0, 3.0, 1.5, -2.0, 5.0])  # trip counts 0, 3, 2, 0, 5
    for got, want in zip(mg.vmap(_count_to(mnp, lax))(x), jax.vmap(_count_to(jnp, jax.lax))(x)):
        close(got, want)
    close(mg.vmap(_count_to(mnp, lax))(x)[1], [1.0, 8.0, 4.0, 1.0, 32.0])
    close(mg.vmap(mg.jit(_count_to(mnp, lax)))(x)[1], jax.vmap(jax.jit(_count_to(jnp, jax.lax)))(x)[1])
    # forward mode through the batched loop, from outside vmap and inside it, as in JAX
    t = np.array([1.0, -2.0, 0.5, 3.0])
    for got, want in zip(mg.jvp(mg.vmap(ours), (a,), (t,)), jax.jvp(jax.vmap(theirs), (a,), (t,))):
        close(got, want, rtol=1e-9)
    close(mg.vmap(lambda a, t: mg.jvp(ours, (a,), (t,))[1])(a, t),
          jax.vmap(lambda a, t: jax.jvp(theirs, (a,), (t,))[1])(a, t), rtol=1e-9)
    close(mg.vmap(mg.jacfwd(ours))(a), jax.vmap(jax.jacfwd(theirs))(a), rtol=1e-9)
    # reverse mode refused, as JAX refuses it
    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work for lax.while_loop"):
        jax.grad(lambda a: jnp.sum(jax.vmap(theirs)(a)))(a)
    with pytest.raises(TransformError, match="reverse-mode differentiation of lax.while_loop"):
        mg.grad(lambda a: mnp.sum(mg.vmap(ours)(a)))(a)


def test_vmap_of_while_loop_with_an_unmapped_test_and_a_mapped_carry(jax):
    from against_jax import close
    jnp = jax.numpy

    def halve_until(np_, lax_):  # the trip count depends on n only, not on the mapped x
        return lambda x, n: lax_.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] / 2 + 1),
                                            (0, x))[1]
    x = np.array([[1.0, 8.0], [-4.0, 0.5], [3.0, 3.0]])
    for n in (0, 3):
        close(mg.vmap(halve_until(mnp, lax), (0, None))(x, n),
              jax.vmap(halve_until(jnp, jax.lax), (0, None))(x, n))
    # the loop then runs once for all, unrolled: its tests are decisions on n alone
    graph = mg.trace(mg.vmap(halve_until(mnp, lax), (0, None)), x, 3)
    assert [d.taken for d in graph.decisions] == [True] * 3 + [False]
    assert not {"any_example", "where"} & {v.prim.name for v in graph.variables[2:]}


def test_the_batched_loop_lists_its_any_decisions_in_the_trace():
    """Each "does any example go on" is a decision of the recorded batched program: true at
    each of the max trip count's steps, then false; a compiled program checks them."""
    x = np.array([0.0, 3.0, 1.5, 5.0])  # the longest runs 5 steps
    graph = mg.trace(mg.vmap(_count_to(mnp, lax)), x)
    assert [d.taken for d in graph.decisions] == [True] * 5 + [False]
    assert {d.variable.prim.name for d in graph.decisions} == {"gt"}  # sum(tests) > 0
    assert {d.variable.args[0].shape for d in graph.decisions} == {()}  # of the whole batch
    assert mg.jit(mg.vmap(_count_to(mnp, lax)))(x)[0].tolist() == [0.0, 3.0, 2.0, 5.0]
    assert mg.jit(mg.vmap(_count_to(mnp, lax)))(x + 1.0)[0].tolist() == [1.0, 4.0, 3.0, 6.0]


def test_nested_vmaps_of_while_loop_decide_on_all_their_examples(jax):
    """vmap(vmap(f)) with a test on both mapped axes: the inner loop runs while any example of
    both batches goes on, as nested jax.vmaps run it (values, forward mode, in_axes, three
    levels, empty batches); each "any" is one decision of the outer program, guarded by jit."""
    from against_jax import close
    jnp = jax.numpy
    a = np.array([1.0, 2.0, 3.0, 400.0])
    a2 = np.stack([a, a * 1e4 + 1.0, a[::-1]])  # the second row needs more steps than the first
    ours, theirs = _newton_sqrt(mnp, lax), _newton_sqrt(jnp, jax.lax)
    close(mg.vmap(mg.vmap(ours))(a2), jax.vmap(jax.vmap(theirs))(a2), rtol=1e-12)
    close(mg.vmap(mg.vmap(ours), in_axes=1)(a2), jax.vmap(jax.vmap(theirs), in_axes=1)(a2), rtol=1e-12)
    a3 = np.stack([a2, a2 * 7.0])
    close(mg.vmap(mg.vmap(mg.vmap(ours)))(a3), jax.vmap(jax.vmap(jax.vmap(theirs)))(a3), rtol=1e-12)
    t = np.cos(a2)
    for got, want in zip(mg.jvp(mg.vmap(mg.vmap(ours)), (a2,), (t,)),
                         jax.jvp(jax.vmap(jax.vmap(theirs)), (a2,), (t,))):
        close(got, want, rtol=1e-9)
    x = np.array([[0.0, 3.0, 1.5], [-2.0, 5.0, 7.0]])  # trip counts up to 7, in the second row
    count, their_count = mg.vmap(mg.vmap(_count_to(mnp, lax))), jax.vmap(jax.vmap(_count_to(jnp, jax.lax)))
    for got, want in zip(count(x), their_count(x)):
        close(got, want)
    graph = mg.trace(count, x)
    assert [d.taken for d in graph.decisions] == [True] * 7 + [False]
    assert {d.variable.args[0].shape for d in graph.decisions} == {()}
    assert _unread(graph) == []
    jitted = mg.jit(count)
    for b in (x, x + 3.0, x[::-1] - 1.0):  # other trip counts: the guards retrace
        close(jitted(b)[1], jax.jit(their_count)(b)[1])
    for empty in (np.zeros((0, 3)), np.zeros((2, 0))):
        for got, want in zip(count(empty), their_count(empty)):
            assert np.shape(got) == np.shape(want)


def _unread(graph) -> list:
    """The names of the operations whose rows no operation, decision or output reads."""
    read = {id(r) for v in graph.variables for r in v.inputs}
    read |= {id(d.variable) for d in graph.decisions}
    read |= {id(o) for o in mg.tree_util.tree_leaves(graph.outputs)}
    return [v.prim.name for v in graph.variables[len(graph.inputs):] if id(v) not in read]


def test_the_batched_loop_records_no_row_that_nothing_reads(jax):
    """Issue 23: each "does any example go on" adds the rows its decision reads and nothing
    else (no row per iteration that no operation, decision or output reads); values as
    jax.vmap's."""
    from against_jax import close
    jnp = jax.numpy
    a = np.array([1.0, 2.0, 3.0, 400.0])
    x = np.array([0.0, 3.0, 1.5, -2.0, 5.0])
    for ours, theirs, arg in ((_newton_sqrt(mnp, lax), _newton_sqrt(jnp, jax.lax), a),
                              (_count_to(mnp, lax), _count_to(jnp, jax.lax), x)):
        graph = mg.trace(mg.vmap(ours), arg)
        assert sum(d.taken for d in graph.decisions) > 1  # the loop ran several steps
        # only what the function itself drops (newton's first carry), as unbatched
        assert _unread(graph) == _unread(mg.trace(ours, arg[-1]))
        for got, want in zip(jax.tree_util.tree_leaves(mg.vmap(ours)(arg)),
                             jax.tree_util.tree_leaves(jax.vmap(theirs)(arg))):
            close(got, want)
