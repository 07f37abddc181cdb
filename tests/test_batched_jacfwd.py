"""``jacfwd`` sweeps all columns at once (``modes.batched_forward_sweep``): elementwise rules
broadcast over the directions' axis, structural ones use their entry's ``batch`` rule or
loop over the directions.  Each case is checked against ``jax.jacfwd`` (an independent
engine) and against minigrad's reverse mode (``jacrev``: no batching involved)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad import modes

jax.config.update("jax_enable_x64", True)

RNG = np.random.default_rng(7)


def arr(*shape):
    return RNG.standard_normal(shape)


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-12)


def check(f, *args, argnums=0):
    """jacfwd on minigrad against jax.jacfwd and against minigrad's jacrev."""
    mine = mg.jacfwd(lambda *xs: f(mnp, *xs), argnums=argnums)(*args)
    theirs = jax.jacfwd(lambda *xs: f(jnp, *xs), argnums=argnums)(*[jnp.asarray(a) for a in args])
    reverse = mg.jacrev(lambda *xs: f(mnp, *xs), argnums=argnums)(*args)
    jax.tree_util.tree_map(close, mine, theirs)
    jax.tree_util.tree_map(close, mine, reverse)


M23 = arr(2, 3)
MATMUL_SHAPES = [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (3,)), ((3,), (5, 3, 4)),
                 ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (5, 3, 4))]


@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES)
def test_matmul_in_either_operand_at_every_rank(sa, sb):
    check(lambda ns, a, b: ns.sin(a) @ (b * b), arr(*sa), arr(*sb), argnums=(0, 1))


def test_elementwise_rules_broadcast_over_the_directions():
    check(lambda ns, x: ns.sin(x)[None, :] * M23 + ns.exp(x) / (1.0 + x * x), arr(3))
    check(lambda ns, x, s: ns.tanh(x * s) ** 3 - s, arr(2, 3), 0.7, argnums=(0, 1))
    check(lambda ns, x: ns.where(x > 0, x ** 2, ns.cos(x)) + ns.maximum(x, 0.1), arr(4))


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (-1, 0)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_along_any_axes(axis, keepdims):
    check(lambda ns, x: ns.sum(ns.sin(x), axis=axis, keepdims=keepdims)
          + ns.mean(x * x, axis=axis, keepdims=keepdims), arr(2, 3, 2))


def test_shapes_transposes_broadcasts_and_basic_indexing():
    check(lambda ns, x: ns.transpose(ns.reshape(ns.sin(x), (3, -1))), arr(2, 3))
    check(lambda ns, x: ns.transpose(x * x, (2, 0, 1)) + 1.0, arr(2, 3, 2))
    check(lambda ns, x: ns.transpose(x, (-1, 0, 1)) * 2.0, arr(2, 3, 2))
    check(lambda ns, x: ns.broadcast_to(ns.cos(x), (4, 2, 3)), arr(2, 3))
    check(lambda ns, x: ns.broadcast_to(ns.cos(x), (2, 3)), arr(3))
    check(lambda ns, x: ns.sin(x)[1] * x[-1, ::-1] + x[None, 0, :][0], arr(2, 3))
    check(lambda ns, x: ns.exp(x[..., 1]), arr(2, 3))


@pytest.mark.parametrize("spec, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,ij->", [(2, 3), (2, 3)]), ("ii->i", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]), ("ij,jj->i", [(2, 3), (3, 3)]), ("...ij,jk->...ik", [(5, 2, 3), (3, 4)]),
])
def test_einsum_in_any_operand(spec, shapes):
    args = [arr(*s) for s in shapes]
    check(lambda ns, *xs: ns.einsum(spec, *[ns.sin(x) for x in xs]), *args,
          argnums=tuple(range(len(args))))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_and_stack_along_any_axis(axis):
    check(lambda ns, x, y: ns.concatenate([ns.sin(x), x * y, y], axis=axis), arr(2, 3), arr(2, 3),
          argnums=(0, 1))
    check(lambda ns, x, s: ns.stack([ns.sin(x), ns.cos(x) * s, x], axis=axis), arr(2, 3), 0.4,
          argnums=(0, 1))
    check(lambda ns, x: ns.stack([x[0], 2.0 * x[1]], axis=axis) ** 2, arr(2, 3))


def test_what_has_no_batch_rule_goes_direction_by_direction():
    idx = np.array([2, 0, 2])
    check(lambda ns, x: ns.sin(x)[idx] * x[x > 0.0].sum(), arr(4))  # array indices
    check(lambda ns, x: ns.cumsum(x * x, axis=0) + ns.prod(x), arr(4))


def test_a_users_custom_rule_is_applied_per_direction():
    @mg.custom_jvp
    def softplus(x):
        return mnp.logaddexp(0.0, x)

    @softplus.defjvp
    def softplus_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return softplus(x), mnp.sigmoid(x) * t

    x = arr(5)
    close(mg.jacfwd(lambda z: softplus(z) * z)(x),
          jax.jacfwd(lambda z: jnp.logaddexp(0.0, z) * z)(jnp.asarray(x)))


def test_hessians_of_matrix_functions_eager_and_compiled():
    A = arr(3, 3)

    def f(ns, W):
        return ns.sum(ns.tanh(W @ A) ** 2) + ns.sum(W * W.T)

    W = arr(3, 3)
    expected = jax.hessian(lambda w: f(jnp, w))(jnp.asarray(W))
    close(mg.hessian(lambda w: f(mnp, w))(W), expected)
    close(mg.jit(mg.hessian(lambda w: f(mnp, w)))(W), expected)


def test_one_sweep_not_one_per_column(monkeypatch):
    calls = {"batched": 0, "single": 0}
    batched, single = modes.batched_forward_sweep, modes.forward_sweep

    def count(name, fn):
        def counted(*a, **k):
            calls[name] += 1
            return fn(*a, **k)
        return counted

    import minigrad.transforms as T
    monkeypatch.setattr(T, "batched_forward_sweep", count("batched", batched))
    monkeypatch.setattr(T, "forward_sweep", count("single", single))
    mg.jacfwd(lambda x, s: mnp.sin(x) * s, argnums=(0, 1))(arr(50), 0.3)
    assert calls == {"batched": 1, "single": 1}  # the 50 columns at once; the scalar alone


def test_a_compiled_hessians_program_does_not_grow_with_the_dimension():
    def statements(n):
        A = arr(n, n)
        f = mg.jit(mg.hessian(lambda x: 0.5 * x @ (A @ x) + mnp.sum(mnp.cos(x))))
        x = arr(n)
        close(f(x), 0.5 * (A + A.T) - np.diag(np.cos(x)))  # the closed form
        return len([line for line in f.source(x).splitlines() if " = " in line and "#" not in line])

    assert statements(50) == statements(5)


def test_a_wide_jacobian_is_swept_in_chunks_that_fit(monkeypatch):
    import minigrad.transforms as T

    sizes = []
    batched = modes.batched_forward_sweep

    def recorded(graph, seeds, size):
        sizes.append(size)
        return batched(graph, seeds, size)

    monkeypatch.setattr(T, "batched_forward_sweep", recorded)
    monkeypatch.setattr(T, "BATCH_ELEMENTS", 2000)  # a few directions at a time
    check(lambda ns, x: ns.sin(x) * ns.sum(x * x) + ns.reshape(x, (5, 5)).T.ravel(), arr(25))
    assert sum(sizes) == 25 and len(sizes) > 1  # every column once, in several sweeps


def test_batched_sweeps_nest_to_third_order():
    A, x = arr(4, 4), arr(4)

    def f(ns):
        return lambda z: ns.sum(ns.tanh(A @ z) ** 2) + ns.prod(ns.sin(z)) + ns.einsum("i,i->", z, z) ** 1.5

    xj = jnp.asarray(x)
    close(mg.jacfwd(mg.jacfwd(mg.jacfwd(f(mnp))))(x), jax.jacfwd(jax.jacfwd(jax.jacfwd(f(jnp))))(xj))
    close(mg.jacrev(mg.jacfwd(f(mnp)))(x), jax.hessian(f(jnp))(xj))
    close(mg.jit(mg.jacfwd(mg.jacfwd(f(mnp))))(x), jax.hessian(f(jnp))(xj))
