"""Every primitive's derivative rules, checked against references that do not come from minigrad.

For each entry of ``minigrad.primitives.TABLE`` a *spec* below draws (with hypothesis)
float64 values inside the primitive's domain, broadcastable shapes and parameters, and
builds a function calling the primitive through the public ``minigrad.numpy`` wrappers
or Python operators.  On every spec:

* forward mode (``mg.jvp``) and reverse mode (``mg.vjp`` and ``mg.grad``) agree with
  central finite differences in float64;
* the adjoint identity <u, J v> = <J^T u, v> holds between minigrad's own jvp and vjp;
* second order: forward-over-reverse and reverse-over-forward agree with finite
  differences of minigrad's first derivatives (so every rule is itself differentiable).

Non-differentiable and singular points follow JAX, so JAX (in float64) is the reference
there; JAX is also the reference for higher derivatives of the elementwise functions
and for ``mg.hessian``.  A meta-test keeps the specs and the table in sync.
"""

from __future__ import annotations

import operator
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.numpy as mnp
from minigrad.primitives import TABLE

MAX_DIMS, MAX_SIDE = 3, 4
H = 1e-6  # central finite-difference step (values are O(1) by construction)
FD_TOL = dict(rtol=1e-5, atol=1e-6)
EXACT_TOL = dict(rtol=1e-9, atol=1e-12)  # two exact derivative computations, rounding only


# ----------------------------------------------------------------------------- helpers


@dataclass
class Case:
    """``fn(*args)`` calls the primitive under test; ``args`` are its differentiable inputs."""

    fn: Callable
    args: tuple
    label: str

    def __repr__(self) -> str:
        shapes = ", ".join(str(np.shape(a)) + ("f" if type(a) is float else "") for a in self.args)
        return f"Case({self.label}; args {shapes})"


def _arr(x):
    return np.asarray(x, dtype=np.float64)


def _leaves(x) -> list:
    return [_arr(a) for a in x] if isinstance(x, (tuple, list)) else [_arr(x)]


def _vdot(a, b) -> float:
    return float(sum(np.sum(_arr(x) * _arr(y)) for x, y in zip(_leaves(a), _leaves(b))))


def _random(seed: int, shapes):
    rng = np.random.default_rng(seed)
    return tuple(rng.uniform(-1.0, 1.0, size=s) for s in shapes)


def _shapes(args):
    return [np.shape(a) for a in args]


def fd_directional(f, args, dirs, h=H) -> list:
    """(f(x + h d) - f(x - h d)) / 2h, leaf by leaf (f may return a tuple)."""
    plus = _leaves(f(*[a + h * d for a, d in zip(args, dirs)]))
    minus = _leaves(f(*[a - h * d for a, d in zip(args, dirs)]))
    return [(p - m) / (2 * h) for p, m in zip(plus, minus)]


def fd_gradient(g, args, h=H) -> list:
    """The gradient of the scalar function ``g`` with respect to each argument, coordinate-wise."""
    args = [_arr(a) for a in args]
    grads = []
    for i, a in enumerate(args):
        grad = np.zeros_like(a)
        for k in np.ndindex(a.shape):
            plus, minus = a.copy(), a.copy()
            plus[k] += h
            minus[k] -= h
            hi = g(*args[:i], plus, *args[i + 1:])
            lo = g(*args[:i], minus, *args[i + 1:])
            grad[k] = (hi - lo) / (2 * h)
        grads.append(grad)
    return grads


def assert_close_leaves(got, want, **tol):
    got, want = _leaves(got), _leaves(want)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape, (g.shape, w.shape)
        np.testing.assert_allclose(g, w, **tol)


# ------------------------------------------------------------------------ value domains

REAL = st.floats(-3.0, 3.0)
NONZERO = st.one_of(st.floats(-3.0, -0.3), st.floats(0.3, 3.0))
POSITIVE = st.floats(0.2, 3.0)
DOMAINS = {  # elementwise unary primitives: where finite differences are well conditioned
    "neg": REAL, "square": REAL, "sqrt": st.floats(0.1, 4.0), "reciprocal": NONZERO,
    "exp": REAL, "expm1": REAL, "log": st.floats(0.1, 4.0), "log1p": st.floats(-0.9, 3.0),
    "sin": st.floats(-4.0, 4.0), "cos": st.floats(-4.0, 4.0), "tan": st.floats(-1.2, 1.2),
    "arctan": st.floats(-4.0, 4.0), "sinh": REAL, "cosh": REAL, "tanh": REAL,
    "sigmoid": st.floats(-6.0, 6.0), "abs": st.one_of(st.floats(-3.0, -0.05), st.floats(0.05, 3.0)),
}
# maximum/minimum without ties: a in n + [0, 0.3], b in m + [0.5, 0.8], so |a - b| >= 0.2
# and either may win.
BELOW_HALF = st.builds(operator.add, st.integers(-2, 2), st.floats(0.0, 0.3))
ABOVE_HALF = st.builds(operator.add, st.integers(-2, 2), st.floats(0.5, 0.8))
# clip without touching a bound: x in n + [0.1, 0.4], bounds on the half-integers.
CLIP_X = st.builds(operator.add, st.integers(-3, 3), st.floats(0.1, 0.4))
CLIP_BOUND = st.integers(-6, 6).map(lambda k: k / 2)


def shapes(min_dims=0, max_dims=MAX_DIMS):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=MAX_SIDE)


def values(shape, elements=REAL):
    return hnp.arrays(np.float64, shape, elements=elements)


def broadcast_shapes(n):
    return hnp.mutually_broadcastable_shapes(num_shapes=n, max_dims=MAX_DIMS, max_side=MAX_SIDE)


@st.composite
def axes_for(draw, ndim):
    """An ``axis`` argument: None, an int (maybe negative) or a tuple of distinct axes."""
    kind = draw(st.sampled_from(["none", "int", "tuple"] if ndim else ["none", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    return draw(hnp.valid_tuple_axes(ndim))


def _maybe_python_floats(draw, args):
    """Scalars sometimes as Python floats: minigrad has fast paths for those."""
    if all(np.ndim(a) == 0 for a in args) and draw(st.booleans()):
        return tuple(float(a) for a in args)
    return args


# ---------------------------------------------------------------------------- the specs
# One strategy of Cases per primitive.  Each draws a calling form too: the mnp function,
# the Python operator or method, or an operand held constant (NumPy array or Python
# float, on either side), since those reach the rules through different paths.


@st.composite
def unary_case(draw, name, fn, alt=None):
    x = draw(values(draw(shapes()), DOMAINS[name]))
    forms = {"mnp": fn}
    if alt is not None:
        forms["operator"] = alt
    form = draw(st.sampled_from(sorted(forms)))
    return Case(forms[form], _maybe_python_floats(draw, (x,)), f"{name} via {form}")


@st.composite
def binary_case(draw, name, fn, op=None, a_el=REAL, b_el=REAL):
    sa, sb = draw(broadcast_shapes(2)).input_shapes
    a, b = draw(values(sa, a_el)), draw(values(sb, b_el))
    call = fn if op is None else op
    forms = {
        "mnp": (lambda x, y: fn(x, y), (a, b)),
        "constant right": (lambda x: call(x, b), (a,)),
        "constant left": (lambda y: call(a, y), (b,)),  # an ndarray on the left: __array_ufunc__
        "float right": (lambda x: call(x, float(b.flat[0])), (a,)),
        "float left": (lambda y: call(float(a.flat[0]), y), (b,)),
    }
    if op is not None:
        forms["operator"] = (lambda x, y: op(x, y), (a, b))
    form = draw(st.sampled_from(sorted(forms)))
    f, args = forms[form]
    return Case(f, _maybe_python_floats(draw, args), f"{name} via {form}")


@st.composite
def pow_case(draw):
    """Variable exponents need a positive base; constant integer exponents allow any sign."""
    if draw(st.booleans()):
        return draw(binary_case("pow", mnp.power, operator.pow, a_el=POSITIVE,
                                b_el=st.floats(-2.0, 2.0)))
    k = draw(st.integers(-2, 3))
    exponent = draw(st.sampled_from([k, float(k)]))
    x = draw(values(draw(shapes()), NONZERO))
    f = draw(st.sampled_from([lambda x: x ** exponent, lambda x: mnp.power(x, exponent)]))
    return Case(f, _maybe_python_floats(draw, (x,)), f"pow with constant exponent {exponent!r}")


@st.composite
def where_case(draw):
    sc, sx, sy = draw(broadcast_shapes(3)).input_shapes
    cond = draw(hnp.arrays(np.bool_, sc))
    x, y = draw(values(sx, NONZERO)), draw(values(sy, NONZERO))
    forms = {
        "mnp": (lambda x, y: mnp.where(cond, x, y), (x, y)),
        "constant y": (lambda x: mnp.where(cond, x, y), (x,)),
        "constant x": (lambda y: mnp.where(cond, x, y), (y,)),
        "mask": (lambda x, y: mnp.where(x > 0.0, x, y), (x, y)),  # a comparison of traced values
        "float y": (lambda x: mnp.where(cond, x, 0.5), (x,)),
    }
    form = draw(st.sampled_from(sorted(forms)))
    f, args = forms[form]
    return Case(f, args, f"where via {form}")


@st.composite
def clip_case(draw):
    if draw(st.booleans()):  # scalar bounds, one of them possibly None
        x = draw(values(draw(shapes()), CLIP_X))
        lo, hi = draw(st.sampled_from([("lo", "hi"), ("lo", None), (None, "hi")]))
        lo = None if lo is None else draw(CLIP_BOUND)
        hi = None if hi is None else draw(CLIP_BOUND)
    else:  # array bounds broadcasting with x (constants, so still the clip primitive)
        sx, sl, sh = draw(broadcast_shapes(3)).input_shapes
        x = draw(values(sx, CLIP_X))
        lo, hi = draw(values(sl, CLIP_BOUND)), draw(values(sh, CLIP_BOUND))
    if draw(st.booleans()):
        return Case(lambda x: mnp.clip(x, lo, hi), (x,), f"mnp.clip(x, {lo}, {hi})")
    return Case(lambda x: x.clip(lo, hi) if isinstance(x, mg.Variable) else np.clip(x, lo, hi),
                (x,), f"x.clip({lo}, {hi})")


@st.composite
def reduction_case(draw, name, fn, method=None, elements=REAL):
    shape = draw(shapes())
    if name in ("max", "min"):  # distinct values 0.1 apart: no ties, no kinks
        ints = draw(hnp.arrays(np.int64, shape, elements=st.integers(-60, 60), unique=True))
        x = ints * 0.1
    else:
        x = draw(values(shape, elements))
    axis = draw(axes_for(len(shape)))
    keepdims = draw(st.booleans())
    if method is not None and draw(st.booleans()):
        f = lambda x: getattr(x, method)(axis, keepdims) if isinstance(x, mg.Variable) \
            else getattr(np, method)(x, axis=axis, keepdims=keepdims)
        return Case(f, (x,), f"x.{method}(axis={axis}, keepdims={keepdims})")
    return Case(lambda x: fn(x, axis=axis, keepdims=keepdims), (x,),
                f"{name}(axis={axis}, keepdims={keepdims})")


@st.composite
def matmul_case(draw):
    sa, sb = draw(hnp.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=1, max_side=MAX_SIDE)).input_shapes
    a, b = draw(values(sa)), draw(values(sb))
    forms = {
        "mnp": (lambda x, y: mnp.matmul(x, y), (a, b)),
        "operator": (lambda x, y: x @ y, (a, b)),
        "constant right": (lambda x: x @ b, (a,)),
        "constant left": (lambda y: a @ y, (b,)),  # ndarray.__matmul__ defers via __array_ufunc__
    }
    if len(sa) <= 2 and len(sb) <= 2:
        forms["dot"] = (lambda x, y: mnp.dot(x, y), (a, b))
    form = draw(st.sampled_from(sorted(forms)))
    f, args = forms[form]
    return Case(f, args, f"matmul via {form}")


@st.composite
def transpose_case(draw):
    shape = draw(shapes())
    nd = len(shape)
    x = draw(values(shape))
    perm = draw(st.permutations(range(nd)))
    signed = tuple(a - nd if draw(st.booleans()) else a for a in perm)  # negative axes too
    forms = {
        "mnp.transpose(x)": lambda x: mnp.transpose(x),
        f"mnp.transpose(x, {perm})": lambda x: mnp.transpose(x, perm),
        f"mnp.transpose(x, {signed})": lambda x: mnp.transpose(x, signed),
        "x.T": lambda x: x.T,
    }
    if nd >= 2:
        i, j = draw(st.integers(-nd, nd - 1)), draw(st.integers(-nd, nd - 1))
        forms[f"mnp.swapaxes(x, {i}, {j})"] = lambda x: mnp.swapaxes(x, i, j)
    form = draw(st.sampled_from(sorted(forms)))
    return Case(forms[form], (x,), form)


@st.composite
def reshape_case(draw):
    shape = draw(shapes())
    x = draw(values(shape))
    size = int(np.prod(shape))
    new, rest = [], size
    for _ in range(draw(st.integers(0, 2))):
        d = draw(st.sampled_from([k for k in range(1, rest + 1) if rest % k == 0]))
        new.append(d)
        rest //= d
    new.append(rest)
    new = draw(st.permutations(new))
    if draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    new = tuple(new)
    nd = len(shape)
    ax = draw(st.integers(-nd - 1, nd))
    forms = {
        f"mnp.reshape(x, {new})": lambda x: mnp.reshape(x, new),
        f"x.reshape({new})": lambda x: x.reshape(new),
        f"x.reshape(*{new})": lambda x: x.reshape(*new),
        "mnp.ravel(x)": lambda x: mnp.ravel(x),
        f"mnp.expand_dims(x, {ax})": lambda x: mnp.expand_dims(x, ax),
    }
    form = draw(st.sampled_from(sorted(forms)))
    return Case(forms[form], (x,), form)


@st.composite
def broadcast_to_case(draw):
    target = draw(shapes())
    kept = draw(st.integers(0, len(target)))
    shape = tuple(1 if draw(st.booleans()) else n for n in target[len(target) - kept:])
    x = draw(values(shape))
    return Case(lambda x: mnp.broadcast_to(x, target), (x,), f"broadcast_to({target})")


@st.composite
def indices_for(draw, shape):
    """An index of any kind NumPy allows: basic, integer arrays (repeats), masks, mixed."""
    nd = len(shape)
    kinds = ["basic"]
    if nd:
        kinds += ["integer arrays", "mask", "one integer array"]
    if nd >= 2:
        kinds += ["slice then integer array"]
    kind = draw(st.sampled_from(kinds))
    small = hnp.array_shapes(min_dims=0, max_dims=2, max_side=MAX_SIDE)
    if kind == "basic":
        return draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    if kind == "integer arrays":
        return draw(hnp.integer_array_indices(shape, result_shape=small))
    if kind == "mask":
        k = draw(st.integers(1, nd))
        return draw(hnp.arrays(np.bool_, shape[:k]))
    if kind == "one integer array":  # repeated entries make scatter_add accumulate
        n = shape[0]
        return draw(hnp.arrays(np.int64, draw(small), elements=st.integers(-n, n - 1)))
    n = shape[1]
    idx = draw(hnp.arrays(np.int64, draw(small), elements=st.integers(-n, n - 1)))
    return (slice(None), idx)


@st.composite
def getitem_case(draw):
    shape = draw(shapes())
    x = draw(values(shape))
    index = draw(indices_for(shape))
    return Case(lambda x: x[index], (x,), f"x[{index!r}]")


@st.composite
def scatter_add_case(draw):
    """scatter_add is the VJP of indexing: differentiate that VJP as a function of g."""
    shape = draw(shapes())
    index = draw(indices_for(shape))
    x0 = np.zeros(shape)
    g = draw(values(np.shape(x0[index])))
    if draw(st.booleans()):
        def f(g):
            return mg.vjp(lambda x: x[index], x0)[1](g)[0]
        return Case(f, (g,), f"vjp of x[{index!r}]")

    def f(g):
        return mg.grad(lambda x: mnp.sum(x[index] * g))(x0)
    return Case(f, (g,), f"grad of sum(x[{index!r}] * g)")


@st.composite
def concat_stack_case(draw, name):
    n = draw(st.integers(1, 3))
    if name == "concatenate":
        base = list(draw(shapes(min_dims=1)))
        axis = draw(st.integers(-len(base), len(base) - 1))
        parts = []
        for _ in range(n):
            base[axis] = draw(st.integers(1, MAX_SIDE))
            parts.append(draw(values(tuple(base))))
        call = lambda xs: mnp.concatenate(xs, axis)
    else:
        base = draw(shapes(max_dims=MAX_DIMS - 1))
        axis = draw(st.integers(-len(base) - 1, len(base)))
        parts = [draw(values(base)) for _ in range(n)]
        call = lambda xs: mnp.stack(xs, axis)
    traced = [draw(st.booleans()) for _ in range(n)]  # the others are constants in the list
    traced[draw(st.integers(0, n - 1))] = True
    positions = [i for i in range(n) if traced[i]]

    def f(*xs):
        full = list(parts)
        for i, x in zip(positions, xs):
            full[i] = x
        return call(full)

    return Case(f, tuple(parts[i] for i in positions),
                f"{name} of {n} (traced {positions}) along {axis}")


# JAX's functions for the elementwise unary primitives (the higher-order references).
UNARY_JAX = {
    "neg": "jax.numpy.negative", "square": "jax.numpy.square", "sqrt": "jax.numpy.sqrt",
    "reciprocal": "jax.numpy.reciprocal", "exp": "jax.numpy.exp", "expm1": "jax.numpy.expm1",
    "log": "jax.numpy.log", "log1p": "jax.numpy.log1p", "sin": "jax.numpy.sin",
    "cos": "jax.numpy.cos", "tan": "jax.numpy.tan", "arctan": "jax.numpy.arctan",
    "sinh": "jax.numpy.sinh", "cosh": "jax.numpy.cosh", "tanh": "jax.numpy.tanh",
    "sigmoid": "jax.nn.sigmoid", "abs": "jax.numpy.abs",
}

SPECS: dict[str, st.SearchStrategy] = {
    "add": binary_case("add", mnp.add, operator.add),
    "sub": binary_case("sub", mnp.subtract, operator.sub),
    "mul": binary_case("mul", mnp.multiply, operator.mul),
    "truediv": binary_case("truediv", mnp.divide, operator.truediv, b_el=NONZERO),
    "neg": unary_case("neg", mnp.negative, operator.neg),
    "pow": pow_case(),
    "abs": unary_case("abs", mnp.abs, abs),
    **{name: unary_case(name, getattr(mnp, name)) for name in [
        "square", "sqrt", "reciprocal", "exp", "expm1", "log", "log1p", "sin", "cos", "tan",
        "arctan", "sinh", "cosh", "tanh", "sigmoid"]},
    "maximum": binary_case("maximum", mnp.maximum, a_el=BELOW_HALF, b_el=ABOVE_HALF),
    "minimum": binary_case("minimum", mnp.minimum, a_el=ABOVE_HALF, b_el=BELOW_HALF),
    "where": where_case(),
    "clip": clip_case(),
    "sum": reduction_case("sum", mnp.sum, "sum"),
    "mean": reduction_case("mean", mnp.mean, "mean"),
    "max": reduction_case("max", mnp.max, "max"),
    "min": reduction_case("min", mnp.min, "min"),
    "logsumexp": reduction_case("logsumexp", mnp.logsumexp),
    "matmul": matmul_case(),
    "transpose": transpose_case(),
    "reshape": reshape_case(),
    "broadcast_to": broadcast_to_case(),
    "getitem": getitem_case(),
    "scatter_add": scatter_add_case(),
    "concatenate": concat_stack_case("concatenate"),
    "stack": concat_stack_case("stack"),
}
NAMES = sorted(SPECS)


def draw_case(data, name) -> Case:
    case = data.draw(SPECS[name], label="case")
    note(case.label)
    return case


# ------------------------------------------------------------------------- meta-tests


def test_every_primitive_has_a_spec():
    missing = sorted(set(TABLE) - set(SPECS))
    stale = sorted(set(SPECS) - set(TABLE))
    assert not missing, f"primitives without a test spec in tests/test_primitives.py: {missing}"
    assert not stale, f"specs for primitives no longer in TABLE: {stale}"


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=15)
@given(data=st.data())
def test_spec_records_its_primitive(name, data):
    """A spec must really reach its primitive (not, say, a decomposition into others)."""
    case = draw_case(data, name)
    graph = mg.trace(case.fn, *case.args)
    recorded = {v.prim.name for v in graph.variables if v.prim is not None}
    assert name in recorded, f"{case.label} recorded only {sorted(recorded)}"


def _elementwise_unary_names() -> list[str]:
    """Primitives that take one array, no parameters, and keep its shape."""
    names = []
    x = np.linspace(0.1, 0.9, 6).reshape(2, 3)
    for name, prim in TABLE.items():
        if len(prim.jvp) != 1:
            continue
        try:
            out = prim(x)
        except Exception:
            continue
        if np.shape(out) == x.shape:
            names.append(name)
    return names


def test_every_elementwise_unary_primitive_has_a_higher_order_reference():
    missing = sorted(set(_elementwise_unary_names()) - set(UNARY_JAX))
    assert not missing, f"add a JAX reference to UNARY_JAX for {missing}"


# ------------------------------------------------------- first order vs finite differences


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_forward_mode_matches_finite_differences(name, data, seed):
    case = draw_case(data, name)
    tangents = _random(seed, _shapes(case.args))
    out, tangent_out = mg.jvp(case.fn, case.args, tangents)
    np.testing.assert_allclose(_arr(out), _arr(case.fn(*case.args)), rtol=1e-12, atol=1e-12)
    assert_close_leaves(tangent_out, fd_directional(case.fn, case.args, tangents), **FD_TOL)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_reverse_mode_matches_finite_differences(name, data, seed):
    case = draw_case(data, name)
    out, pullback = mg.vjp(case.fn, *case.args)
    (u,) = _random(seed, [np.shape(out)])
    cotangents = pullback(u)
    want = fd_gradient(lambda *xs: _vdot(u, case.fn(*xs)), case.args)
    assert_close_leaves(cotangents, want, **FD_TOL)
    # the same through grad of the scalar <u, f(x)>
    n = len(case.args)
    grads = mg.grad(lambda *xs: mnp.sum(u * case.fn(*xs)), argnums=tuple(range(n)))(*case.args)
    assert_close_leaves(grads, want, **FD_TOL)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_adjoint_identity(name, data, seed):
    """<u, J v> = <J^T u, v>, both sides computed by minigrad (no step size involved)."""
    case = draw_case(data, name)
    vs = _random(seed, _shapes(case.args))
    out, jv = mg.jvp(case.fn, case.args, vs)
    (u,) = _random(seed + 1, [np.shape(out)])
    jtu = mg.vjp(case.fn, *case.args)[1](u)
    lhs, rhs = _vdot(u, jv), _vdot(jtu, vs)
    scale = np.sum(np.abs(u * _arr(jv))) + sum(np.sum(np.abs(_arr(a) * b)) for a, b in zip(jtu, vs))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-12 * (1.0 + scale))


# ------------------------------------------------------------------------ second order


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_forward_over_reverse_matches_finite_differences(name, data, seed):
    """The JVP of minigrad's pullback equals a finite difference of that pullback."""
    case = draw_case(data, name)
    (u,) = _random(seed, [np.shape(case.fn(*case.args))])
    ws = _random(seed + 1, _shapes(case.args))

    def pullback(*xs):
        return mg.vjp(case.fn, *xs)[1](u)

    _, got = mg.jvp(pullback, case.args, ws)
    assert_close_leaves(got, fd_directional(pullback, case.args, ws), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_reverse_over_forward_matches_finite_differences(name, data, seed):
    """<VJP of (x -> J(x) v) at u, w> equals a finite difference of <u, J(x) v> along w."""
    case = draw_case(data, name)
    vs = _random(seed, _shapes(case.args))

    def pushforward(*xs):
        return mg.jvp(case.fn, xs, vs)[1]

    (u,) = _random(seed + 1, [np.shape(pushforward(*case.args))])
    ws = _random(seed + 2, _shapes(case.args))
    got = _vdot(mg.vjp(pushforward, *case.args)[1](u), ws)
    (want,) = fd_directional(lambda *xs: _vdot(u, pushforward(*xs)), case.args, ws)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
