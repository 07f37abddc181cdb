"""JAX's namespace on minigrad (issue 24): ``.at``, ``tree_util``, ``nn``, booleans under jit,
stacking constructors.  Every reference is JAX (float64) running the same code."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad import nn as mnn
from minigrad import tree_util as mtu

TOL = dict(rtol=1e-9, atol=1e-12)


@pytest.fixture(scope="module")
def jx(jax_x64):
    return jax_x64


def close(got, want, **tol):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), **(tol or TOL))


# ---------------------------------------------------------------------------------- .at

# (index, values' shape) pairs for an x of shape (4, 3): basic, integer arrays with repeats,
# negative and out-of-bounds indices, masks, mixed.
AT_INDICES = [
    ((1, 2), ()), ((slice(None), 0), (4,)), ((np.array([0, 2, 2, -1]),), (4, 3)),
    ((np.array([1, 1]), np.array([0, 0])), (2,)), ((slice(1, 3), np.array([2, 0, 2])), (2, 3)),
    ((np.array([0, 5, -6, 3]),), (4, 3)), ((Ellipsis, 1), ()),
    ((np.array([True, False, True, True]),), (3, 3)), ((None, 2), (1, 3)),
]
METHODS = ["set", "add", "subtract", "multiply", "divide", "power", "min", "max"]


def _values(method, shape, rng):
    v = rng.uniform(0.5, 1.5, size=shape)
    return v if method != "power" else v.round(1)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("k", range(len(AT_INDICES)))
@pytest.mark.parametrize("mode", [None, "clip", "drop"])
def test_at_updates_match_jax_values_and_derivatives(jx, method, k, mode):
    jnp = jx.numpy
    index, vshape = AT_INDICES[k]
    rng = np.random.default_rng(k)
    x0 = rng.uniform(0.5, 2.0, size=(4, 3))
    y0 = _values(method, vshape, rng)
    jindex = tuple(jnp.asarray(i) if isinstance(i, np.ndarray) else i for i in index)

    repeats = method in ("multiply", "divide", "power") and not mg.indexing.winners(
        (4, 3), index, mode or "drop").all()
    # JAX differentiates a product's values only when told the indices are unique; minigrad
    # checks that they are (and refuses otherwise, as below)
    flags = {"unique_indices": True} if method in ("multiply", "divide", "power") and not repeats else {}

    def ours(x, y):
        return mnp.sum(mnp.sin(getattr(mnp.asarray(x).at[index], method)(y, mode=mode)) ** 2)

    def theirs(x, y):
        return jnp.sum(jnp.sin(getattr(x.at[jindex], method)(y, mode=mode, **flags)) ** 2)

    out = getattr(mnp.asarray(x0).at[index], method)(y0, mode=mode)
    want = getattr(jnp.asarray(x0).at[jindex], method)(y0, mode=mode)
    assert type(out) is mg.Array and out.dtype == want.dtype
    close(out, want)
    argnums = (0,) if repeats else (0, 1)  # JAX refuses d/dy of a product at repeated indices
    for got, ref in zip(mg.grad(ours, argnums)(x0, y0), jx.grad(theirs, argnums)(x0, y0)):
        if method in ("min", "max") and mode == "clip" and not np.isfinite(ref).all():
            # JAX's tie count misses updates clamped onto a position: inf there (0/0 shares);
            # minigrad counts them, so each operand equal to the result gets its share
            assert np.isfinite(got).all()
            ref = np.where(np.isfinite(ref), ref, got)
        close(got, ref)
    close(mg.jit(mg.grad(ours, argnums))(x0, y0)[0], jx.grad(theirs, argnums)(x0, y0)[0])
    tx, ty = rng.normal(size=x0.shape), rng.normal(size=np.shape(y0))
    if repeats:
        got, ref = mg.jvp(lambda x: ours(x, y0), (x0,), (tx,))[1], jx.jvp(lambda x: theirs(x, y0), (x0,), (tx,))[1]
    else:
        got, ref = mg.jvp(ours, (x0, y0), (tx, ty))[1], jx.jvp(theirs, (x0, y0), (tx, ty))[1]
    if not (method in ("min", "max") and mode == "clip" and not np.isfinite(ref)):  # (JAX: above)
        close(got, ref)


def test_at_get_and_apply_follow_jax(jx):
    jnp = jx.numpy
    x = mnp.arange(5.0)
    idx = np.array([1, 7, -1, -7])
    close(x.at[idx].get(), jnp.arange(5.0).at[jnp.asarray(idx)].get())  # clamped by default
    got = x.at[idx].get(mode="fill")
    want = jnp.arange(5.0).at[jnp.asarray(idx)].get(mode="fill")
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    close(x.at[idx].get(mode="fill", fill_value=-3.0), jnp.arange(5.0).at[jnp.asarray(idx)].get(mode="fill", fill_value=-3.0))
    close(x.at[2:].apply(mnp.sin), jnp.arange(5.0).at[2:].apply(jnp.sin))
    f = lambda x: mnp.sum(mnp.asarray(x).at[np.array([0, 0, 3])].apply(mnp.exp) ** 2)  # noqa: E731
    # (JAX cannot differentiate scatter_apply: the reference is its meaning, spelled with set)
    g = lambda x: jnp.sum(x.at[jnp.array([0, 0, 3])].set(jnp.exp(x[jnp.array([0, 0, 3])])) ** 2)  # noqa: E731
    x0 = np.linspace(0.1, 0.5, 5)
    close(mg.grad(f)(x0), jx.grad(g)(x0))


def test_at_min_max_ties_share_the_derivative_as_jax(jx):
    jnp = jx.numpy
    x0 = np.array([0.0, 1.0, 2.0])
    for method in ("min", "max"):
        f = lambda x, y: mnp.sum(getattr(mnp.asarray(x).at[np.array([1, 1])], method)(y))  # noqa: E731
        g = lambda x, y: jnp.sum(getattr(x.at[jnp.array([1, 1])], method)(y))  # noqa: E731
        for y0 in (np.array([1.0, 1.0]), np.array([1.0, 0.5]), np.array([3.0, 1.0])):
            for got, want in zip(mg.grad(f, (0, 1))(x0, y0), jx.grad(g, (0, 1))(x0, y0)):
                close(got, want)


def test_at_is_out_of_place_and_chains():
    x = mnp.zeros(3)
    y = x.at[0].set(1.0).at[1].add(2.0)
    assert list(x) == [0.0, 0.0, 0.0] and list(y) == [1.0, 2.0, 0.0]
    assert type(2 * y) is mg.Array and type(np.sin(y)) is mg.Array  # NumPy's results keep .at
    assert pickle.loads(pickle.dumps(y)).tolist() == [1.0, 2.0, 0.0]
    with pytest.raises(ValueError, match=r"\.at\[\.\.\.\]\.set: mode='wrap' is not a mode"):
        x.at[0].set(1.0, mode="wrap")


def test_at_multiply_refuses_the_values_derivative_at_repeated_indices_like_jax(jx):
    f = lambda y: mnp.sum(mnp.ones(3).at[np.array([1, 1])].multiply(y))  # noqa: E731
    with pytest.raises(mg.TransformError, match="indices that do not repeat"):
        mg.grad(f)(2.0)
    with pytest.raises(NotImplementedError):
        jx.grad(lambda y: jx.numpy.ones(3).at[jx.numpy.array([1, 1])].multiply(y).sum())(2.0)


def test_at_is_recorded_tabled_and_drawn():
    g = mg.trace(lambda x, y: mnp.sum(x.at[np.array([0, 2])].add(y)), mnp.arange(3.0), np.array([1.0, 2.0]))
    assert [v.prim.name for v in g.variables if v.prim] == ["scatter", "sum"]
    assert "v1.at[<(2,)>].add(v2)" in str(g.table())
    assert ".add(v2)" in g.to_dot().source


def test_constructors_make_arrays_with_at():
    for made in (mnp.zeros(2), mnp.ones((2, 2)), mnp.full(3, 2.0), mnp.eye(2), mnp.arange(3),
                 mnp.linspace(0, 1, 3), mnp.array([1.0]), mnp.asarray([1.0]), mnp.zeros_like(np.ones(2)),
                 mnp.ones_like(np.ones(2)), mnp.full_like(np.ones(2), 3.0), mnp.empty(2), mnp.identity(2)):
        assert type(made) is mg.Array and hasattr(made, "at")
    assert mnp.zeros_like(3.0).dtype == np.float64 and mnp.ones_like(3.0).dtype == np.float64
    assert mnp.zeros_like(np.ones(2, np.float32)).dtype == np.float32


def test_jit_takes_arrays_and_results_block_until_ready():
    f = mg.jit(lambda x: (x ** 2 + 21) / 10)
    x = mg.device_put(mnp.arange(-2.0, 2.0, 0.5))
    out = f(x).block_until_ready()
    close(out, (np.arange(-2.0, 2.0, 0.5) ** 2 + 21) / 10)
    assert mg.block_until_ready({"a": out})["a"] is out


# ----------------------------------------------------------------------------- tree_util

@mtu.register_pytree_node_class
class Affine:
    """A user pytree class: weights and a bias, with a static label as aux data."""

    def __init__(self, w, b, label="affine"):
        self.w, self.b, self.label = w, b, label

    def tree_flatten(self):
        return (self.w, self.b), self.label

    @classmethod
    def tree_unflatten(cls, label, children):
        return cls(*children, label=label)


class JAffine(Affine):
    pass


def _register_jax_twin(jx):
    if JAffine not in _REGISTERED:
        jx.tree_util.register_pytree_node_class(JAffine)
        _REGISTERED.add(JAffine)


_REGISTERED: set = set()


def test_tree_util_matches_jax(jx):
    _register_jax_twin(jx)
    tree = {"b": [1.0, (2.0, None)], "a": np.arange(2.0), "c": {"z": 3.0, "y": 4.0}}
    leaves, td = mtu.tree_flatten(tree)
    jleaves, jtd = jx.tree_util.tree_flatten(tree)
    assert [np.asarray(x).tolist() for x in leaves] == [np.asarray(x).tolist() for x in jleaves]
    assert td.num_leaves == jtd.num_leaves and td.num_nodes == jtd.num_nodes
    assert mtu.tree_unflatten(td, range(td.num_leaves)) == jx.tree_util.tree_unflatten(jtd, range(jtd.num_leaves))
    both = mtu.tree_map(lambda x, y: x * 2 + y, tree, tree)
    jboth = jx.tree_util.tree_map(lambda x, y: x * 2 + y, tree, tree)
    assert str(mtu.tree_structure(both)) == "PyTreeDef({'a': *, 'b': [*, (*, None)], 'c': {'y': *, 'z': *}})"
    for a, b in zip(mtu.tree_leaves(both), jx.tree_util.tree_leaves(jboth)):
        close(a, b)
    assert mg.tree.leaves(tree, is_leaf=lambda n: isinstance(n, list))[1] == tree["b"]
    assert mtu.tree_reduce(lambda a, b: a + b, {"x": 1, "y": [2, 3]}) == 6
    # a prefix tree: the second tree's subtrees are passed whole at the first's leaves
    assert mg.tree.map(lambda a, b: (a, b), [1, 2], [(3, 4), 5]) == [(1, (3, 4)), (2, 5)]
    with pytest.raises(ValueError, match="different structure"):
        mtu.tree_map(lambda a, b: a, {"a": 1}, {"b": 1})


def test_user_pytree_class_through_every_transformation(jx):
    _register_jax_twin(jx)
    jnp = jx.numpy
    w, b, x = np.array([0.3, -0.7]), 0.2, np.array([1.5, 0.5])

    def loss(p, x):
        return mnp.sum(mnp.tanh(p.w * x + p.b) ** 2)

    def jloss(p, x):
        return jnp.sum(jnp.tanh(p.w * x + p.b) ** 2)

    p, jp = Affine(w, b), JAffine(w, b)
    g, jg = mg.grad(loss)(p, x), jx.grad(jloss)(jp, x)
    assert type(g) is Affine and g.label == "affine"
    close(g.w, jg.w)
    close(g.b, jg.b)
    close(mg.jit(loss)(p, x), jx.jit(jloss)(jp, x))
    close(mg.jit(mg.grad(loss))(p, x).w, jg.w)
    close(mg.jacfwd(loss)(p, x).w, jx.jacfwd(jloss)(jp, x).w)
    close(mg.jacrev(loss)(p, x).b, jx.jacrev(jloss)(jp, x).b)
    close(mg.hessian(loss)(p, x).w.w, jx.hessian(jloss)(jp, x).w.w)
    t = Affine(np.array([1.0, 0.0]), 1.0)
    close(mg.jvp(loss, (p, x), (t, np.zeros(2)))[1], jx.jvp(jloss, (jp, x), (JAffine(t.w, t.b), np.zeros(2)))[1])
    carry, ys = mg.lax.scan(lambda c, _: (mg.tree_map(lambda a: a * 0.5, c), c.b), p, None, length=3)
    assert type(carry) is Affine and carry.label == "affine"
    close(ys, [0.2, 0.1, 0.05])


# ------------------------------------------------------------------------------------ nn

NN_UNARY = ["sigmoid", "relu", "relu6", "softplus", "log_sigmoid", "silu", "gelu", "elu",
            "leaky_relu", "hard_tanh"]


@pytest.mark.parametrize("name", NN_UNARY)
def test_nn_activations_match_jax(jx, name):
    x = np.array([-800.0, -7.0, -1.0, -0.3, 0.0, 0.4, 1.0, 6.0, 7.0, 800.0])
    ours, theirs = getattr(mnn, name), getattr(jx.nn, name)
    close(ours(x), theirs(x))
    close(mg.grad(lambda x: mnp.sum(ours(x)))(x), jx.grad(lambda x: theirs(x).sum())(x))
    close(mg.jit(mg.grad(lambda x: mnp.sum(ours(x))))(x), jx.grad(lambda x: theirs(x).sum())(x))


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "standardize"])
@pytest.mark.parametrize("axis", [-1, 0])
def test_nn_normalizers_match_jax(jx, name, axis):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4)) * 5
    x[0, 0] = 900.0  # overflows a naive exp
    ours, theirs = getattr(mnn, name), getattr(jx.nn, name)
    close(ours(x, axis=axis), theirs(x, axis=axis))
    w = rng.normal(size=x.shape)
    close(mg.grad(lambda x: mnp.sum(ours(x, axis=axis) * w))(x), jx.grad(lambda x: (theirs(x, axis=axis) * w).sum())(x))
    t = rng.normal(size=x.shape)
    close(mg.jvp(lambda x: ours(x, axis=axis), (x,), (t,))[1], jx.jvp(lambda x: theirs(x, axis=axis), (x,), (t,))[1])


def test_nn_logsumexp_and_one_hot_match_jax(jx):
    x = np.array([[1.0, 2.0, 1000.0], [-3.0, 0.5, 0.0]])
    b = np.array([0.5, 1.0, 2.0])
    for kw in ({}, {"axis": 1}, {"axis": 0, "keepdims": True}):
        close(mnn.logsumexp(x, **kw), jx.nn.logsumexp(x, **kw))
    close(mnn.logsumexp(x, axis=1, b=b), jx.nn.logsumexp(x, axis=1, b=b))
    labels = np.array([0, 2, 1, 2])
    close(mnn.one_hot(labels, 3), jx.nn.one_hot(labels, 3))
    close(mnn.one_hot(labels, 3, axis=0), jx.nn.one_hot(labels, 3, axis=0))
    close(mg.jit(lambda y: mnn.one_hot(y, 3))(labels), jx.nn.one_hot(labels, 3))


ERF_POINTS = [-6.0, -2.5, -1.0, -0.3, -1e-9, 0.0, 1e-8, 0.4, 1.0, 1.7, 3.0, 6.0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_erf_erfc_and_exact_gelu_match_jax(jx, dtype):
    """erf and erfc (table entries, at JAX's addresses) and gelu(approximate=False): values,
    dtypes and derivatives through grad, jvp, jit and vmap as JAX's."""
    from minigrad.scipy import special as msp

    x = np.array(ERF_POINTS, dtype)
    tol = dict(rtol=1e-14, atol=1e-300) if dtype == np.float64 else dict(rtol=1e-6, atol=1e-30)
    pairs = [(msp.erf, jx.scipy.special.erf), (msp.erfc, jx.scipy.special.erfc),
             (mg.lax.erf, jx.lax.erf), (mg.lax.erfc, jx.lax.erfc),
             (lambda x: mnn.gelu(x, approximate=False), lambda x: jx.nn.gelu(x, approximate=False))]
    for ours, theirs in pairs:
        got, want = ours(x), theirs(x)
        assert np.result_type(got) == want.dtype == dtype
        close(got, want, **tol)
        close(mg.jit(ours)(x), want, **tol)
        want_d = jx.vmap(jx.grad(theirs))(x)
        for got_d in (mg.vmap(mg.grad(ours))(x), mg.jit(mg.grad(lambda x: mnp.sum(ours(x))))(x),
                      mg.jvp(ours, (x,), (np.ones_like(x),))[1]):
            assert np.result_type(got_d) == dtype
            close(got_d, want_d, **tol)
        close(jx.jit(jx.vmap(jx.grad(ours)))(x), want_d, **tol)  # ours on JAX's tracers: JAX's
        close(mg.grad(mg.grad(ours))(dtype(0.7)), jx.grad(jx.grad(theirs))(dtype(0.7)), **tol)
    close(msp.erf(0.5), jx.scipy.special.erf(0.5))  # a Python float: math.erf


def test_erf_and_erfc_are_within_2_ulp_of_mpmath():
    """Accuracy against an independent reference (mpmath at 100 bits): erf within 1 ulp,
    erfc within 2 (the C library's), in float64; float32 correctly rounded."""
    mpmath = pytest.importorskip("mpmath")
    from minigrad.scipy.special import erf, erfc

    rng = np.random.default_rng(24)
    x = np.concatenate([rng.normal(size=400) * 3, rng.uniform(-1e-3, 1e-3, 50), [0.0, 26.0, -6.0]])
    with mpmath.workprec(100):
        for ours, theirs, ulps in ((erf, mpmath.erf, 1.0), (erfc, mpmath.erfc, 2.0)):
            for dtype, bound in ((np.float64, ulps), (np.float32, 0.5)):
                xs = x.astype(dtype)
                want = np.array([float(theirs(mpmath.mpf(float(v)))) for v in xs])
                err = np.abs(ours(xs).astype(float) - want)
                assert np.all(err <= bound * np.abs(np.spacing(want.astype(dtype))).astype(float)), ours


def test_gelu_exact_is_a_row_of_the_trace_table():
    table = str(mg.trace(lambda x: mnn.gelu(x, approximate=False), 0.5).table())
    assert "erfc" in table and "2/(sqrt pi) exp" in table


# ----------------------------------------------------------------------- booleans, stacking

def _stats(np_, c, x, y):
    logits = x @ c
    predict = logits >= 0.0
    return {"accuracy": np_.mean(predict == y), "false_pos": np_.mean(predict & ~y),
            "false_neg": np_.mean(~predict & y), "predavg": np_.mean(predict),
            "either": np_.sum(predict | y), "differ": np_.sum(predict ^ y),
            "count": predict.astype(int).sum()}


def test_booleans_under_jit_match_jax(jx):
    rng = np.random.default_rng(3)
    c, x, y = rng.normal(size=3), rng.normal(size=(30, 3)), rng.normal(size=30) > 0
    want = jx.jit(lambda c, x, y: _stats(jx.numpy, c, x, y))(c, x, y)
    jitted = mg.jit(lambda c, x, y: _stats(mnp, c, x, y))
    for got in (_stats(mnp, c, x, y), jitted(c, x, y), jitted(c + 0.1, x, y)):
        if got is not want:
            assert set(got) == set(want)
    got = jitted(c, x, y)
    for k in want:  # (JAX takes the mean of booleans in float32, even with x64: its digits)
        close(got[k], want[k], rtol=1e-6)
    src = str(jitted.source(c, x, y))
    assert "logical_and" in src and "astype('int64')" in src  # recorded, not baked in
    g = mg.trace(lambda c: mnp.mean(((x @ c) >= 0.0) & ~y) + mnp.sum(c), c)
    close(mg.grad(lambda c: mnp.mean((x @ c >= 0.0) == y) + mnp.sum(c * c))(c), 2 * c)
    assert g.variables[-1].value == pytest.approx(float(want["false_pos"]) + c.sum())


def test_array_of_traced_values_stacks_like_jax(jx):
    def f(np_, a):
        v = np_.array([a, 2.0 * a, [a * a, 1.0][0]])
        return np_.sum(np_.array([[v[0], v[1]], [v[2], a]]) ** 2)

    close(mg.grad(lambda a: f(mnp, a))(0.7), jx.grad(lambda a: f(jx.numpy, a))(0.7))
    close(mg.jit(lambda a: f(mnp, a))(0.7), f(jx.numpy, 0.7))


@pytest.mark.parametrize("name", ["hstack", "vstack", "dstack", "column_stack"])
def test_stacking_functions_match_jax(jx, name):
    rng = np.random.default_rng(5)
    for shapes in ([(3,), (3,)], [(2, 3), (2, 3)], [(2, 3, 1), (2, 3, 2)] if name in ("hstack", "dstack") else [(2, 1), (2, 1)]):
        if name == "hstack" and len(shapes[0]) == 3:
            shapes = [(2, 1, 3), (2, 2, 3)]
        arrays = [rng.normal(size=s) for s in shapes]
        close(getattr(mnp, name)(arrays), getattr(jx.numpy, name)(arrays))
        w = rng.normal(size=np.shape(getattr(np, name)(arrays)))
        got = mg.grad(lambda a, b: mnp.sum(getattr(mnp, name)([a, b]) * w), (0, 1))(*arrays)
        want = jx.grad(lambda a, b: (getattr(jx.numpy, name)([a, b]) * w).sum(), (0, 1))(*arrays)
        for g_, w_ in zip(got, want):
            close(g_, w_)


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
def test_meshgrid_matches_jax(jx, indexing, sparse):
    a, b, c = np.arange(3.0), np.arange(3.0, 5.0), np.array([0.5, 1.5, 2.5, 3.5])
    for args in ((a, b), (a, b, c), (a,)):
        got = mnp.meshgrid(*args, indexing=indexing, sparse=sparse)
        want = jx.numpy.meshgrid(*args, indexing=indexing, sparse=sparse)
        assert len(got) == len(want)
        for g_, w_ in zip(got, want):
            assert np.shape(g_) == w_.shape
            close(g_, w_)
    cartesian = lambda np_, a, b: np_.dstack(np_.meshgrid(a, b)).reshape(-1, 2)  # noqa: E731 (seed 001)
    close(cartesian(mnp, mnp.arange(3), mnp.arange(3, 6)), cartesian(jx.numpy, jx.numpy.arange(3), jx.numpy.arange(3, 6)))


def test_vdot_round_stop_gradient_match_jax(jx):
    a, b = np.array([[1.0, 2.0], [3.0, 4.5]]), np.array([[0.5, -1.0], [2.0, 0.25]])
    close(mnp.vdot(a, b), jx.numpy.vdot(a, b))
    close(mg.grad(mnp.vdot)(a, b), jx.grad(jx.numpy.vdot)(a, b))
    x = np.array([0.5, 1.5, 2.5, -0.5, 1.26])
    close(mnp.round(x), jx.numpy.round(x))
    close(mnp.round(x, 1), jx.numpy.round(x, 1))
    close(mg.grad(lambda x: mnp.sum(mnp.round(x) * x))(x), jx.grad(lambda x: (jx.numpy.round(x) * x).sum())(x))
    f = lambda lax, np_, x: np_.sum(lax.stop_gradient(x ** 2) * x)  # noqa: E731
    close(mg.grad(lambda x: f(mg.lax, mnp, x))(x), jx.grad(lambda x: f(jx.lax, jx.numpy, x))(x))


# ------------------------------------------------------------------------- vmap, dtypes

def test_at_nn_and_pytrees_through_vmap_match_jax(jx):
    jnp = jx.numpy
    rng = np.random.default_rng(7)
    xs = rng.normal(size=(4, 3))
    idx = np.array([0, 2, 2])

    def ours(x):
        y = mnp.asarray(x).at[idx].add(x[1]).at[0].multiply(2.0)
        return mnn.log_softmax(y) + mnn.softplus(y) + mnp.sum(mnn.one_hot(np.array([1, 0]), 3), axis=0)

    def theirs(x):
        y = x.at[jnp.asarray(idx)].add(x[1]).at[0].multiply(2.0)
        return jx.nn.log_softmax(y) + jx.nn.softplus(y) + jnp.sum(jx.nn.one_hot(jnp.array([1, 0]), 3), axis=0)

    close(mg.vmap(ours)(xs), jx.vmap(theirs)(xs))
    close(mg.vmap(mg.grad(lambda x: mnp.sum(ours(x) ** 2)))(xs), jx.vmap(jx.grad(lambda x: jnp.sum(theirs(x) ** 2)))(xs))
    close(mg.jit(mg.vmap(ours))(xs), jx.vmap(theirs)(xs))
    _register_jax_twin(jx)
    p, jp = Affine(xs, 2 * xs), JAffine(xs, 2 * xs)  # (in_axes as a prefix: int for the whole class)
    got = mg.vmap(lambda p: mnp.sum(mnp.tanh(p.w + p.b)))(p)
    want = jx.vmap(lambda p: jnp.sum(jnp.tanh(p.w + p.b)))(jp)
    close(got, want)


def test_dtype_policy_float32_stays_float32_as_in_jax(jx):
    """float32 in, float32 out, through every operation, transformation and jit, as JAX
    (with x64, so that its float64 cases are float64 too); a Python float is float64."""
    jnp = jx.numpy
    x32 = np.array([0.5, 1.5, -0.25], np.float32)

    def f(np_, nn, x):
        y = np_.sum(np_.sin(x) * 2.0 + x ** 2 / 3.0 + np_.exp(-x)) + np_.mean(nn.softmax(x))
        return y + np_.max(np_.asarray(x).at[0].set(1.0))

    ours = lambda x: f(mnp, mnn, x)  # noqa: E731
    theirs = lambda x: f(jnp, jx.nn, x)  # noqa: E731
    for x in (x32, x32.astype(np.float64)):
        pairs = [(ours(x), theirs(x)), (mg.grad(ours)(x), jx.grad(theirs)(x)),
                 (mg.jvp(ours, (x,), (x,))[1], jx.jvp(theirs, (x,), (x,))[1]),
                 (mg.vjp(ours, x)[1](np.ones((), x.dtype))[0], jx.vjp(theirs, x)[1](jnp.ones((), x.dtype))[0]),
                 (mg.jacfwd(ours)(x), jx.jacfwd(theirs)(x)), (mg.jacrev(ours)(x), jx.jacrev(theirs)(x)),
                 (mg.hessian(ours)(x), jx.hessian(theirs)(x)), (mg.jit(ours)(x), jx.jit(theirs)(x)),
                 (mg.jit(mg.grad(ours))(x), jx.grad(theirs)(x)), (mg.jit(mg.hessian(ours))(x), jx.hessian(theirs)(x)),
                 (mg.vmap(mg.grad(ours))(np.stack([x, x])), jx.vmap(jx.grad(theirs))(np.stack([x, x])))]
        for got, want in pairs:
            assert np.result_type(got) == want.dtype, (np.result_type(got), want.dtype)
            close(got, want, **({"rtol": 2e-6, "atol": 1e-6} if x.dtype == np.float32 else TOL))
    for made, ref in ((mnp.zeros_like(3.0), jnp.zeros_like(3.0)), (mnp.ones_like(3.0), jnp.ones_like(3.0)),
                      (mnp.zeros_like(x32), jnp.zeros_like(x32)), (mnp.ones_like(x32), jnp.ones_like(x32))):
        assert made.dtype == ref.dtype
    assert mnp.float32 is np.float32 and mnp.asarray(x32).astype(mnp.float64).dtype == np.float64


@pytest.mark.parametrize("op", ["add", "multiply", "min", "max", "set"])
def test_at_update_broadcast_over_repeated_indices_as_jax(jx, op):
    """An update that broadcasts over a repeated index is applied once per index entry, as in
    JAX (NumPy 2.4's ufunc.at applied the unbroadcast update once: the value and gradient
    disagreed, found by hypothesis in a fresh environment)."""
    jnp = jx.numpy
    idx = (np.array([[0, 0], [0, 0]]),)
    x, y = np.array([1.5]), np.array([0.3, 0.7])

    def f(np_, x, y):
        return np_.sum(np_.sin(getattr(np_.asarray(x).at[idx], op)(y)))

    close(f(mnp, x, y), f(jnp, x, y))
    argnums = (0,) if op == "multiply" else (0, 1)  # repeated factors: both refuse d/dy
    got = mg.grad(lambda x, y: f(mnp, x, y), argnums=argnums)(x, y)
    want = jx.grad(lambda x, y: f(jnp, x, y), argnums=argnums)(x, y)
    for g, w in zip(got, want):
        close(g, w)


@pytest.mark.parametrize("name", ["solve", "inv", "det", "slogdet", "cholesky", "norm"])
def test_dtype_policy_holds_through_linalg_derivatives(jx, name):
    """A float32 matrix's derivatives through each linalg entry are float32 and JAX's numbers
    (cholesky's rule once multiplied by a float64 mask)."""
    jnp = jx.numpy
    a32 = np.array([[3.0, 1.0], [1.0, 2.0]], np.float32)

    def f(np_, a):
        b = np_.asarray(np.array([1.0, 2.0], np.float32))
        out = {"solve": lambda: np_.linalg.solve(a, b), "inv": lambda: np_.linalg.inv(a),
               "det": lambda: np_.linalg.det(a), "slogdet": lambda: np_.linalg.slogdet(a)[1],
               "cholesky": lambda: np_.linalg.cholesky(a), "norm": lambda: np_.linalg.norm(a)}[name]()
        return np_.sum(out * out)

    got, want = mg.grad(lambda a: f(mnp, a))(a32), jx.grad(lambda a: f(jnp, a))(a32)
    assert np.result_type(got) == want.dtype == np.float32
    close(got, want, rtol=2e-5, atol=1e-6)
    got = mg.jvp(lambda a: f(mnp, a), (a32,), (a32,))[1]
    assert np.result_type(got) == np.float32


def test_the_list_of_missing_jax_numpy_functions_is_current():
    """docs/api/namespace.md lists the jax.numpy functions minigrad.numpy lacks, as
    docs/missing_jax_numpy.py writes it: sorted, none of them in minigrad (the list shrinks
    as functions are added), and with the JAX it names, exactly the script's list."""
    import importlib.util
    from pathlib import Path

    pytest.importorskip("jax")
    path = Path(__file__).parents[1] / "docs" / "missing_jax_numpy.py"
    spec = importlib.util.spec_from_file_location("missing_jax_numpy", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    text = script.committed(script.PAGE.read_text())
    version, names = script.listed(text)
    assert names == sorted(names) and script.missing(names) == names
    installed, functions = script.jax_functions()
    if installed != version:
        pytest.skip(f"the list is JAX {version}'s; JAX {installed} is installed")
    assert text == script.block(installed, functions), "run python docs/missing_jax_numpy.py"


# ------------------------------------------ JAX's "Higher-order derivatives" page, check_grads

def cookbook(jnp, grad, jvp, jacfwd, jacrev, lax):
    """Excerpts of JAX's "Higher-order derivatives" page (docs/higher-order.md: stopping
    gradients, Hessian-vector products; once part of the Autodiff Cookbook, which
    tests/test_jax_docs.py runs whole), as written there (namespace passed in)."""
    out = {}
    # stop_gradient: TD(0) learning's update
    def value_fn(theta, state):
        return jnp.dot(theta, state)
    theta = jnp.array([0.1, -0.1, 0.])
    s_tm1 = jnp.array([1., 2., -1.])
    r_t = jnp.array(1.)
    s_t = jnp.array([2., 1., 0.])

    def td_loss(theta, s_tm1, r_t, s_t):
        v_tm1 = value_fn(theta, s_tm1)
        target = r_t + value_fn(theta, s_t)
        return -0.5 * ((lax.stop_gradient(target) - v_tm1) ** 2)
    out["td_update"] = grad(td_loss)(theta, s_tm1, r_t, s_t)

    # Hessian-vector products: grad of vdot, and forward-over-reverse
    def f(x):
        return jnp.sum(jnp.tanh(x) ** 2) + jnp.round(x[0]) * x[1]

    def hvp(f, x, v):
        return grad(lambda x: jnp.vdot(grad(f)(x), v))(x)

    def hvp_fwd(f, primals, tangents):
        return jvp(grad(f), primals, tangents)[1]
    x, v = jnp.array([0.4, -1.2, 2.0]), jnp.array([1.0, 0.5, -0.3])
    out["hvp"] = hvp(f, x, v)
    out["hvp_fwd"] = hvp_fwd(f, (x,), (v,))
    out["hessian"] = jacfwd(jacrev(f))(x)
    return out


def test_autodiff_cookbook_excerpts_match_jax(jx):
    ours = cookbook(mnp, mg.grad, mg.jvp, mg.jacfwd, mg.jacrev, mg.lax)
    theirs = cookbook(jx.numpy, jx.grad, jx.jvp, jx.jacfwd, jx.jacrev, jx.lax)
    for k in theirs:
        close(ours[k], theirs[k])


def test_check_grads_has_jaxs_signature_and_verdicts(jx):
    from jax.test_util import check_grads as jax_check_grads

    from minigrad.test_util import check_grads

    x, y = np.array([0.3, -0.5]), np.array([1.2, 0.4])
    check_grads(lambda x, y: mnp.sum(mnp.tanh(x * y) + mnp.sin(x) ** 2), (x, y), order=2)
    jax_check_grads(lambda x, y: jx.numpy.sum(jx.numpy.tanh(x * y) + jx.numpy.sin(x) ** 2), (x, y), order=2)
    check_grads(lambda x: mnp.sum(mnp.exp(x) * x), (x,), order=3, modes=["rev"], atol=1e-4, rtol=1e-4)

    @mg.custom_jvp
    def wrong(x):
        return mnp.sin(x)

    @wrong.defjvp
    def wrong_jvp(primals, tangents):
        return mnp.sin(primals[0]), 2.0 * mnp.cos(primals[0]) * tangents[0]

    @jx.custom_jvp
    def jwrong(x):
        return jx.numpy.sin(x)

    @jwrong.defjvp
    def jwrong_jvp(primals, tangents):
        return jx.numpy.sin(primals[0]), 2.0 * jx.numpy.cos(primals[0]) * tangents[0]

    with pytest.raises(AssertionError):
        check_grads(wrong, (0.3,), order=1)
    with pytest.raises(AssertionError):
        jax_check_grads(jwrong, (0.3,), order=1)
    with pytest.raises(TypeError, match="args must be a tuple"):
        check_grads(wrong, 0.3, order=1)


def test_isclose_and_allclose_match_jax_and_record_under_jit(jx):
    a = np.array([1.0, 2.0, np.inf, 0.0])
    for b in (a + 1e-9, a + np.array([0.0, 1e-3, 0.0, 1e-9]), a * 1.00002):
        for kw in ({}, {"rtol": 1e-2}, {"atol": 1e-2}):
            close(mnp.isclose(a[:2], b[:2], **kw), jx.numpy.isclose(a[:2], b[:2], **kw))
            assert bool(mnp.allclose(a, b, **kw)) == bool(jx.numpy.allclose(a, b, **kw))
    jitted = mg.jit(lambda x: mnp.where(mnp.allclose(x, a[:2]), x, 2 * x))  # recomputed per call
    close(jitted(a[:2]), a[:2])
    close(jitted(a[:2] + 1), 2 * (a[:2] + 1))
