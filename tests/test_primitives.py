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

import functools
import itertools
import operator
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.numpy as mnp
from minigrad import linalg
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
    return float(sum(np.vdot(x, y) for x, y in zip(_leaves(a), _leaves(b))))


def _random(rng: np.random.Generator, shapes):
    """Dense random directions (tangents, cotangents) in [-1, 1]."""
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


def assert_close(got, want, *, rtol, atol, err_msg=""):
    """np.testing.assert_allclose (nan equal to nan), behind a much cheaper first check."""
    got, want = _arr(got), _arr(want)
    assert got.shape == want.shape, f"shape {got.shape} != {want.shape} {err_msg}"
    with np.errstate(invalid="ignore"):  # inf - inf
        fine = np.all(np.abs(got - want) <= atol + rtol * np.abs(want))
    if not fine:  # (nan and inf fail this check; assert_allclose accepts them where they match)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=err_msg)


def assert_close_leaves(got, want, **tol):
    got, want = _leaves(got), _leaves(want)
    assert len(got) == len(want), f"{len(got)} results, expected {len(want)}"
    for g, w in zip(got, want):
        assert_close(g, w, **tol)


# ------------------------------------------------------------------------ value domains

# XLA on the CPU flushes subnormal floats to zero (2e-309 > 0 is False there), so values
# compared with JAX are drawn without them, and without normal values so small that an
# operation on them gives a subnormal one (x = 2.27e-308 divided by 2.5 inside a composite made
# a tie of max for JAX that is no tie in IEEE arithmetic): those are drawn as zero instead.
def floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_subnormal=False).map(
        lambda v: 0.0 if abs(v) < 1e-290 else v)

REAL = floats(-3.0, 3.0)
NONZERO = st.one_of(floats(-3.0, -0.3), floats(0.3, 3.0))
POSITIVE = floats(0.2, 3.0)
DOMAINS = {  # elementwise unary primitives: where finite differences are well conditioned
    "neg": REAL, "square": REAL, "sqrt": floats(0.1, 4.0), "reciprocal": NONZERO,
    "exp": REAL, "expm1": REAL, "log": floats(0.1, 4.0), "log1p": floats(-0.9, 3.0),
    "sin": floats(-4.0, 4.0), "cos": floats(-4.0, 4.0), "tan": floats(-1.2, 1.2),
    "arctan": floats(-4.0, 4.0), "sinh": REAL, "cosh": REAL, "tanh": REAL,
    "sigmoid": floats(-6.0, 6.0), "abs": st.one_of(floats(-3.0, -0.05), floats(0.05, 3.0)),
    "arcsin": floats(-0.9, 0.9), "arccos": floats(-0.9, 0.9), "arcsinh": REAL,
    "arccosh": floats(1.1, 4.0), "arctanh": floats(-0.9, 0.9), "log2": floats(0.1, 4.0),
    "log10": floats(0.1, 4.0), "exp2": REAL, "sign": NONZERO,
    "erf": floats(-4.0, 4.0), "erfc": floats(-4.0, 4.0),
}
# maximum/minimum without ties: a in n + [0, 0.3], b in m + [0.5, 0.8], so |a - b| >= 0.2
# and either may win.
BELOW_HALF = st.builds(operator.add, st.integers(-2, 2), floats(0.0, 0.3))
ABOVE_HALF = st.builds(operator.add, st.integers(-2, 2), floats(0.5, 0.8))
# clip without touching a bound: x in n + [0.1, 0.4], bounds on the half-integers.
CLIP_X = st.builds(operator.add, st.integers(-3, 3), floats(0.1, 0.4))
CLIP_BOUND = st.integers(-6, 6).map(lambda k: k / 2)


# Strategies are built once and cached: hypothesis pays for validating each new one, which
# would otherwise dominate the time of these tests.
cached = functools.lru_cache(maxsize=None)


@cached
def shapes(min_dims=0, max_dims=MAX_DIMS):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=MAX_SIDE)


@cached
def values(shape, elements=REAL):
    return hnp.arrays(np.float64, tuple(shape), elements=elements)


@cached
def bools(shape):
    return hnp.arrays(np.bool_, tuple(shape))


@cached
def int_arrays(shape, lo, hi, unique=False):
    return hnp.arrays(np.int64, tuple(shape), elements=ints(lo, hi), unique=unique)


@cached
def broadcast_shapes(n, max_dims=MAX_DIMS, max_side=MAX_SIDE):
    return hnp.mutually_broadcastable_shapes(num_shapes=n, max_dims=max_dims, max_side=max_side)


@cached
def ints(lo, hi):
    return st.integers(lo, hi)


@cached
def choice(options: tuple):
    return st.sampled_from(options)


@cached
def permutations(n):
    return st.permutations(range(n))


@cached
def tuple_axes(ndim):
    return hnp.valid_tuple_axes(ndim)


@cached
def basic_indices(shape):
    return hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True)


SMALL_SHAPES = hnp.array_shapes(min_dims=0, max_dims=2, max_side=MAX_SIDE)


@cached
def integer_array_indices(shape):
    return hnp.integer_array_indices(shape, result_shape=SMALL_SHAPES)


BOOL = st.booleans()


@st.composite
def axes_for(draw, ndim):
    """An ``axis`` argument: None, an int (maybe negative) or a tuple of distinct axes."""
    kind = draw(choice(("none", "int", "tuple") if ndim else ("none", "tuple")))
    if kind == "none":
        return None
    if kind == "int":
        return draw(ints(-ndim, ndim - 1))
    return draw(tuple_axes(ndim))


def _maybe_python_floats(draw, args):
    """Scalars sometimes as Python floats: minigrad has fast paths for those."""
    if all(np.ndim(a) == 0 for a in args) and draw(BOOL):
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
    form = draw(choice(tuple(sorted(forms))))
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
    form = draw(choice(tuple(sorted(forms))))
    f, args = forms[form]
    return Case(f, _maybe_python_floats(draw, args), f"{name} via {form}")


@st.composite
def pow_case(draw):
    """Variable exponents need a positive base; constant integer exponents allow any sign."""
    if draw(BOOL):
        return draw(binary_case("pow", mnp.power, operator.pow, a_el=POSITIVE,
                                b_el=floats(-2.0, 2.0)))
    k = draw(ints(-2, 3))
    exponent = float(k) if draw(BOOL) else k
    x = draw(values(draw(shapes()), NONZERO))
    f = (lambda x: x ** exponent) if draw(BOOL) else (lambda x: mnp.power(x, exponent))
    return Case(f, _maybe_python_floats(draw, (x,)), f"pow with constant exponent {exponent!r}")


@st.composite
def where_case(draw):
    sc, sx, sy = draw(broadcast_shapes(3)).input_shapes
    cond = draw(bools(sc))
    x, y = draw(values(sx, NONZERO)), draw(values(sy, NONZERO))
    forms = {
        "mnp": (lambda x, y: mnp.where(cond, x, y), (x, y)),
        "constant y": (lambda x: mnp.where(cond, x, y), (x,)),
        "constant x": (lambda y: mnp.where(cond, x, y), (y,)),
        "mask": (lambda x, y: mnp.where(x > 0.0, x, y), (x, y)),  # a comparison of traced values
        "float y": (lambda x: mnp.where(cond, x, 0.5), (x,)),
    }
    form = draw(choice(tuple(sorted(forms))))
    f, args = forms[form]
    return Case(f, args, f"where via {form}")


@st.composite
def clip_case(draw):
    if draw(BOOL):  # scalar bounds, one of them possibly None
        x = draw(values(draw(shapes()), CLIP_X))
        lo, hi = draw(choice((("lo", "hi"), ("lo", None), (None, "hi"))))
        lo = None if lo is None else draw(CLIP_BOUND)
        hi = None if hi is None else draw(CLIP_BOUND)
    else:  # array bounds broadcasting with x (constants, so still the clip primitive)
        sx, sl, sh = draw(broadcast_shapes(3)).input_shapes
        x = draw(values(sx, CLIP_X))
        lo, hi = draw(values(sl, CLIP_BOUND)), draw(values(sh, CLIP_BOUND))
    if draw(BOOL):
        return Case(lambda x: mnp.clip(x, lo, hi), (x,), f"mnp.clip(x, {lo}, {hi})")
    return Case(lambda x: x.clip(lo, hi), (x,), f"x.clip({lo}, {hi})")  # ndarrays have it too


@st.composite
def reduction_case(draw, name, fn, method=None, elements=REAL):
    shape = draw(shapes())
    if name in ("max", "min"):  # distinct values 0.1 apart: no ties, no kinks
        x = draw(int_arrays(shape, -60, 60, unique=True)) * 0.1
    else:
        x = draw(values(shape, elements))
    axis = draw(axes_for(len(shape)))
    keepdims = draw(BOOL)
    if method is not None and draw(BOOL):
        def f(x):  # the method with positional arguments (ndarray's second one is a dtype)
            if isinstance(x, mg.Variable):
                return getattr(x, method)(axis, keepdims)
            return getattr(np, method)(x, axis=axis, keepdims=keepdims)
        return Case(f, (x,), f"x.{method}(axis={axis}, keepdims={keepdims})")
    return Case(lambda x: fn(x, axis=axis, keepdims=keepdims), (x,),
                f"{name}(axis={axis}, keepdims={keepdims})")


MATMUL_SHAPES = hnp.mutually_broadcastable_shapes(
    signature=np.matmul.signature, max_dims=1, max_side=MAX_SIDE)  # batch dims: at most 1


@st.composite
def matmul_case(draw):
    sa, sb = draw(MATMUL_SHAPES).input_shapes
    a, b = draw(values(sa)), draw(values(sb))
    forms = {
        "mnp": (lambda x, y: mnp.matmul(x, y), (a, b)),
        "operator": (lambda x, y: x @ y, (a, b)),
        "constant right": (lambda x: x @ b, (a,)),
        "constant left": (lambda y: a @ y, (b,)),  # ndarray.__matmul__ defers via __array_ufunc__
    }
    if len(sa) <= 2 and len(sb) <= 2:
        forms["dot"] = (lambda x, y: mnp.dot(x, y), (a, b))
    form = draw(choice(tuple(sorted(forms))))
    f, args = forms[form]
    return Case(f, args, f"matmul via {form}")


@st.composite
def transpose_case(draw):
    shape = draw(shapes())
    nd = len(shape)
    x = draw(values(shape))
    perm = draw(permutations(nd))
    signed = tuple(a - nd if draw(BOOL) else a for a in perm)  # negative axes too
    forms = {
        "mnp.transpose(x)": lambda x: mnp.transpose(x),
        f"mnp.transpose(x, {perm})": lambda x: mnp.transpose(x, perm),
        f"mnp.transpose(x, {signed})": lambda x: mnp.transpose(x, signed),
        "x.T": lambda x: x.T,
    }
    if nd >= 2:
        i, j = draw(ints(-nd, nd - 1)), draw(ints(-nd, nd - 1))
        forms[f"mnp.swapaxes(x, {i}, {j})"] = lambda x: mnp.swapaxes(x, i, j)
    form = draw(choice(tuple(sorted(forms))))
    return Case(forms[form], (x,), form)


@st.composite
def reshape_case(draw):
    shape = draw(shapes())
    x = draw(values(shape))
    size = int(np.prod(shape))
    new, rest = [], size
    for _ in range(draw(ints(0, 2))):
        d = draw(choice(tuple(k for k in range(1, rest + 1) if rest % k == 0)))
        new.append(d)
        rest //= d
    new.append(rest)
    new = [new[i] for i in draw(permutations(len(new)))]
    if draw(BOOL):
        new[draw(ints(0, len(new) - 1))] = -1
    new = () if size == 1 and draw(BOOL) else tuple(new)  # one element: to a 0-d array too
    nd = len(shape)
    ax = draw(ints(-nd - 1, nd))
    forms = {
        f"mnp.reshape(x, {new})": lambda x: mnp.reshape(x, new),
        f"x.reshape({new})": lambda x: x.reshape(new),
        "mnp.ravel(x)": lambda x: mnp.ravel(x),
        f"mnp.expand_dims(x, {ax})": lambda x: mnp.expand_dims(x, ax),
    }
    if new:  # (NumPy's x.reshape() wants at least one argument)
        forms[f"x.reshape(*{new})"] = lambda x: x.reshape(*new)
    form = draw(choice(tuple(sorted(forms))))
    return Case(forms[form], (x,), form)


@st.composite
def broadcast_to_case(draw):
    target = draw(shapes())
    kept = draw(ints(0, len(target)))
    shape = tuple(1 if draw(BOOL) else n for n in target[len(target) - kept:])
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
    kind = draw(choice(tuple(kinds)))
    if kind == "basic":
        return draw(basic_indices(shape))
    if kind == "integer arrays":
        return draw(integer_array_indices(shape))
    if kind == "mask":
        return draw(bools(shape[:draw(ints(1, nd))]))
    if kind == "one integer array":  # repeated entries make scatter_add accumulate
        n = shape[0]
        return draw(int_arrays(draw(SMALL_SHAPES), -n, n - 1))
    n = shape[1]
    return (slice(None), draw(int_arrays(draw(SMALL_SHAPES), -n, n - 1)))


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
    if draw(BOOL):
        def f(g):
            return mg.vjp(lambda x: x[index], x0)[1](g)[0]
        return Case(f, (g,), f"vjp of x[{index!r}]")

    def f(g):
        return mg.grad(lambda x: mnp.sum(x[index] * g))(x0)
    return Case(f, (g,), f"grad of sum(x[{index!r}] * g)")


@st.composite
def scatter_case(draw):
    """``x.at[idx].<op>(y)``, differentiated in x and y; repeated indices accumulate (add),
    the last wins (set); multiply is differentiated in y only where no index repeats (JAX
    refuses otherwise); min and max keep the values apart (no ties: no kinks for FD)."""
    from minigrad import indexing

    shape = draw(shapes(min_dims=1))
    index = draw(indices_for(shape))
    target = np.shape(np.zeros(shape)[index])
    op = draw(choice(("set", "add", "subtract", "multiply", "min", "max")))
    x = draw(values(shape))
    y = draw(values(target[draw(ints(0, len(target))):]))  # y may broadcast
    if op in ("min", "max"):
        both = np.concatenate([np.ravel(x), np.ravel(y)])
        assume(np.min(np.diff(np.sort(both)), initial=1.0) > 1e-3)
    if op == "multiply" and not indexing.winners(shape, index, "drop").all():
        return Case(lambda x: getattr(mnp.asarray(x).at[index], op)(y), (x,), f"x.at[{index!r}].{op}(y), in x")
    return Case(lambda x, y: getattr(mnp.asarray(x).at[index], op)(y), (x, y), f"x.at[{index!r}].{op}(y)")


@st.composite
def astype_case(draw):
    x = draw(values(draw(shapes())))
    return Case(lambda x: mnp.astype(x, np.float64) * 2.0, (x,), "astype")


@st.composite
def name_case(draw):
    x = draw(values(draw(shapes())))
    return Case(lambda x: mg.checkpoint_name(mnp.sin(x), "h") * 2.0, (x,), "checkpoint_name")


@st.composite
def concat_stack_case(draw, name):
    n = draw(ints(1, 3))
    if name == "concatenate":
        base = list(draw(shapes(min_dims=1)))
        axis = draw(ints(-len(base), len(base) - 1))
        parts = []
        for _ in range(n):
            base[axis] = draw(ints(1, MAX_SIDE))
            parts.append(draw(values(tuple(base))))
        call = lambda xs: mnp.concatenate(xs, axis)
    else:
        base = draw(shapes(max_dims=MAX_DIMS - 1))
        axis = draw(ints(-len(base) - 1, len(base)))
        parts = [draw(values(base)) for _ in range(n)]
        call = lambda xs: mnp.stack(xs, axis)
    traced = [draw(BOOL) for _ in range(n)]  # the others are constants in the list
    traced[draw(ints(0, n - 1))] = True
    positions = [i for i in range(n) if traced[i]]

    def f(*xs):
        full = list(parts)
        for i, x in zip(positions, xs):
            full[i] = x
        return call(full)

    return Case(f, tuple(parts[i] for i in positions),
                f"{name} of {n} (traced {positions}) along {axis}")


@st.composite
def cumsum_case(draw):
    shape = draw(shapes(min_dims=1))
    x = draw(values(shape))
    axis = None if draw(BOOL) else draw(ints(-len(shape), len(shape) - 1))
    return Case(lambda x: mnp.cumsum(x, axis), (x,), f"cumsum(axis={axis})")


EINSUMS = ("ij,jk->ik", "ij,ij->i", "i,j->ij", "ijk,kj->i", "ij->ji", "ij->", "ij,jk", "...j,j->...",
           # an index repeated within one operand: a diagonal (the trace, "ii" implicitly)
           "ii->", "ii->i", "iij->j", "ij,jj->i", "ii", "...ii->...i")


@st.composite
def einsum_case(draw):
    spec = draw(choice(EINSUMS))
    dims = {c: draw(ints(1, 3)) for c in "ijk"}
    terms = spec.split("->")[0].split(",")
    lead = tuple(draw(shapes(max_dims=2)))  # the axes "..." stands for

    def operand(term):
        return draw(values((lead if "..." in term else ()) + tuple(dims[c] for c in term.replace("...", ""))))

    args = tuple(operand(t) for t in terms)
    traced = draw(choice(tuple(range(1, 2 ** len(args)))))  # which operands are variables
    positions = [i for i in range(len(args)) if traced >> i & 1]

    def f(*xs):
        full = list(args)
        for i, x in zip(positions, xs):
            full[i] = x
        return mnp.einsum(spec, *full)

    return Case(f, tuple(args[i] for i in positions), f"einsum({spec!r}), traced {positions}")


@st.composite
def square_matrix(draw, batch=True, negative_det=False):
    """Well-conditioned: entries in [-0.5, 0.5] plus twice the identity (diagonally dominant)."""
    n = draw(ints(1, 3))
    lead = (draw(ints(1, 2)),) if batch and draw(BOOL) else ()
    a = draw(values(lead + (n, n), floats(-0.5, 0.5))) + 2.0 * np.eye(n)
    if negative_det and draw(BOOL):
        a[..., 0, :] *= -1.0
    return a


@st.composite
def linalg_case(draw, name):
    a = draw(square_matrix(negative_det=name == "logabsdet"))
    if name == "cholesky":
        a = a @ np.swapaxes(a, -1, -2) + np.eye(a.shape[-1])
        return Case(mnp.linalg.cholesky, (a,), f"cholesky of {a.shape}")
    if name == "solve":
        n = a.shape[-1]
        # a vector b solves against every matrix of a batch too (NumPy's and JAX's semantics)
        b = draw(values((n,) if draw(BOOL) else a.shape[:-2] + (n, draw(ints(1, 2)))))
        forms = {"both": (mnp.linalg.solve, (a, b)), "constant a": (lambda b: mnp.linalg.solve(a, b), (b,)),
                 "constant b": (lambda a: mnp.linalg.solve(a, b), (a,))}
        form = draw(choice(tuple(sorted(forms))))
        return Case(*forms[form], f"solve {a.shape}, {b.shape}, {form}")
    fn = {"inv": mnp.linalg.inv, "det": mnp.linalg.det, "cofactor": linalg.cofactor,
          "logabsdet": lambda a: mnp.linalg.slogdet(a)[1]}[name]
    return Case(fn, (a,), f"{name} of {a.shape}")


@st.composite
def svd_case(draw):
    """A = Q1 diag(s) Q2^T with singular values at least 0.3 apart and from 0 (so U and V are
    smooth functions of A), through functions of the factors that do not depend on their
    signs (LAPACK's choice, which JAX's may not share): s, U c V^T, U c U^T, V c V^T."""
    m, n = draw(ints(1, 3)), draw(ints(1, 3))
    k = min(m, n)
    lead = (draw(ints(1, 2)),) if draw(BOOL) else ()
    steps = draw(values((k,), floats(0.3, 0.8)))
    s = np.sort(0.4 + np.cumsum(steps))[::-1]
    q1 = np.linalg.qr(draw(values(lead + (m, m), floats(-1.0, 1.0))) + 3.0 * np.eye(m))[0]
    q2 = np.linalg.qr(draw(values(lead + (n, n), floats(-1.0, 1.0))) + 3.0 * np.eye(n))[0]
    a = (q1[..., :, :k] * s) @ np.swapaxes(q2[..., :, :k], -1, -2)
    c = draw(values((k,), floats(-2.0, 2.0)))
    form = draw(choice(("s", "U c V^T", "U c U^T", "V c V^T", "svdvals")))

    def f(a):
        if form == "svdvals":
            return mnp.linalg.svdvals(a)
        if form == "s":
            return mnp.linalg.svd(a, compute_uv=False)
        u, sv, vh = mnp.linalg.svd(a, full_matrices=False)
        if form == "U c V^T":
            return mnp.matmul(u * c, vh)
        if form == "U c U^T":
            return mnp.matmul(u * c, mnp.swapaxes(u, -1, -2))
        return mnp.matmul(mnp.swapaxes(vh, -1, -2) * c, vh)

    return Case(f, (a,), f"svd of {a.shape}: {form}")


@st.composite
def composed_case(draw, name):
    """The functions made of table entries: each drawn with its arguments."""
    shape = draw(shapes(min_dims=1))
    nd = len(shape)
    x = draw(values(shape))
    if name in ("var", "std"):
        axis, ddof = draw(axes_for(nd)), draw(ints(0, 1))
        n = np.prod([shape[a] for a in np.atleast_1d(axis)] if axis is not None else shape)
        if name == "std" and n <= 1:  # a spread of zero, where sqrt has no derivative
            x, axis, n = np.stack([x, x + 0.7]), 0, 2
        ddof = 0 if n <= 1 else ddof
        if name == "std":  # away from a zero spread
            x = x + np.reshape(np.arange(x.size) * 0.7, x.shape)
        return Case(lambda x: getattr(mnp, name)(x, axis, ddof), (x,), f"{name}(axis={axis}, ddof={ddof})")
    if name == "squeeze":
        y = np.reshape(x, (1,) + shape + (1,))
        axis = draw(choice((None, 0, -1, (0, -1))))
        return Case(lambda y: mnp.squeeze(y, axis), (y,), f"squeeze(axis={axis})")
    if name == "outer":
        y = draw(values(draw(shapes(max_dims=2))))
        return Case(mnp.outer, (x, y), "outer")
    if name == "trace":
        x = draw(values(draw(shapes(min_dims=2))))
        off = draw(ints(-2, 2))
        return Case(lambda x: mnp.trace(x, off, 0, -1), (x,), f"trace(offset={off}, 0, -1)")
    if name == "tensordot":
        k = draw(ints(0, min(nd, 2)))
        y = draw(values(shape[nd - k:] + tuple(draw(shapes(max_dims=1)))))
        return Case(lambda x, y: mnp.tensordot(x, y, k), (x, y), f"tensordot(axes={k})")
    if name in ("flip", "roll", "repeat"):
        axis = None if draw(BOOL) else draw(ints(-nd, nd - 1))
        if name == "flip":
            return Case(lambda x: mnp.flip(x, axis), (x,), f"flip(axis={axis})")
        if name == "roll":
            k = draw(ints(-5, 5))
            return Case(lambda x: mnp.roll(x, k, axis), (x,), f"roll({k}, axis={axis})")
        k = draw(ints(0, 2))
        return Case(lambda x: mnp.repeat(x, k, axis), (x,), f"repeat({k}, axis={axis})")
    if name == "tile":
        reps = tuple(draw(ints(1, 2)) for _ in range(draw(ints(1, 3))))
        return Case(lambda x: mnp.tile(x, reps), (x,), f"tile({reps})")
    if name == "norm":
        kind = draw(choice(("2", "1", "inf", "-inf", "3", "fro", "matrix 1", "matrix inf",
                            "matrix 2", "matrix -2", "nuc")))
        # entries of distinct magnitudes, none 0, with random signs: no kink of abs, no tie
        signs = np.where(draw(bools((6,))), 1.0, -1.0)
        x = (draw(int_arrays((6,), 0, 60, unique=True)) * 0.1 + 0.05) * signs
        if kind in ("matrix 2", "matrix -2", "nuc"):  # singular values apart: no tie
            u, sv, vh = np.linalg.svd(np.reshape(x, (3, 2)), full_matrices=False)
            x = (u * np.array([2.5, 0.5]) * (1.0 + sv / 10)) @ vh  # the drawn directions, s apart
            x = np.swapaxes(x, 0, 1) if draw(BOOL) else x
            ord_ = {"matrix 2": 2, "matrix -2": -2, "nuc": "nuc"}[kind]
            return Case(lambda x: mnp.linalg.norm(x, ord_), (x,), f"norm(ord={ord_!r})")
        if kind.startswith("matrix") or kind == "fro":
            x = np.reshape(x, (3, 2))
            x[draw(ints(0, 2)), draw(ints(0, 1))] = 30.0  # one row and one column sum the largest
            ord_ = {"fro": "fro", "matrix 1": 1, "matrix inf": np.inf}[kind]
            return Case(lambda x: mnp.linalg.norm(x, ord_, (0, 1)), (x,), f"norm(ord={ord_!r})")
        x = x[:4]
        ord_ = {"2": None, "1": 1, "inf": np.inf, "-inf": -np.inf, "3": 3}[kind]
        return Case(lambda x: mnp.linalg.norm(x, ord_), (x,), f"norm(ord={ord_!r})")
    return Case(getattr(mnp, name), (x,), name)  # deg2rad, rad2deg


# Functions that are exact compositions of table entries: tested like the entries.
COMPOSED = ("var", "std", "squeeze", "outer", "trace", "tensordot", "flip", "roll", "tile",
            "repeat", "deg2rad", "rad2deg", "norm")

# JAX's functions for the elementwise unary primitives (the higher-order references), and
# minigrad's function where it is not minigrad.numpy's of the primitive's name.
MINIGRAD_FN = {"neg": mnp.negative, "erf": mg.lax.erf, "erfc": mg.lax.erfc}
UNARY_JAX = {
    "neg": "jax.numpy.negative", "square": "jax.numpy.square", "sqrt": "jax.numpy.sqrt",
    "reciprocal": "jax.numpy.reciprocal", "exp": "jax.numpy.exp", "expm1": "jax.numpy.expm1",
    "log": "jax.numpy.log", "log1p": "jax.numpy.log1p", "sin": "jax.numpy.sin",
    "cos": "jax.numpy.cos", "tan": "jax.numpy.tan", "arctan": "jax.numpy.arctan",
    "sinh": "jax.numpy.sinh", "cosh": "jax.numpy.cosh", "tanh": "jax.numpy.tanh",
    "sigmoid": "jax.nn.sigmoid", "abs": "jax.numpy.abs", "erf": "jax.lax.erf", "erfc": "jax.lax.erfc",
    **{name: f"jax.numpy.{name}" for name in ["arcsin", "arccos", "arcsinh", "arccosh", "arctanh",
                                              "log2", "log10", "exp2", "sign"]},
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
        "arctan", "sinh", "cosh", "tanh", "sigmoid", "arcsin", "arccos", "arcsinh", "arccosh",
        "arctanh", "log2", "log10", "exp2", "sign"]},
    **{name: unary_case(name, MINIGRAD_FN[name]) for name in ["erf", "erfc"]},
    "maximum": binary_case("maximum", mnp.maximum, a_el=BELOW_HALF, b_el=ABOVE_HALF),
    "minimum": binary_case("minimum", mnp.minimum, a_el=ABOVE_HALF, b_el=BELOW_HALF),
    "logaddexp": binary_case("logaddexp", mnp.logaddexp),
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
    "scatter": scatter_case(),
    "astype": astype_case(),
    "name": name_case(),
    "concatenate": concat_stack_case("concatenate"),
    "stack": concat_stack_case("stack"),
    # magnitudes near 1 and no zeros: a product of 64 entries stays moderate, and where two
    # entries are 0 central differences see h times the huge rest (zeros: the kinks test)
    "prod": reduction_case("prod", mnp.prod, elements=st.one_of(floats(-1.1, -0.6), floats(0.6, 1.1))),
    "cumsum": cumsum_case(),
    "einsum": einsum_case(),
    **{name: linalg_case(name) for name in ("inv", "solve", "det", "cofactor", "logabsdet",
                                                    "cholesky")},
    "svd": svd_case(),
    **{name: composed_case(name) for name in COMPOSED},
}
NAMES = sorted(SPECS)


def draw_case(data, name) -> Case:
    case = data.draw(SPECS[name], label="case")
    note(case.label)
    return case


# ------------------------------------------------------------------------- meta-tests


def test_every_primitive_has_a_spec():
    missing = sorted(set(TABLE) - set(SPECS))
    stale = sorted(set(SPECS) - set(TABLE) - set(COMPOSED))
    assert not missing, f"primitives without a test spec in tests/test_primitives.py: {missing}"
    assert not stale, f"specs for primitives no longer in TABLE: {stale}"


def test_an_operation_is_its_table_entry_bound_and_both_record_the_entry():
    from minigrad import primitives

    assert mnp.sin.__self__ is TABLE["sin"] and primitives.power.__self__ is TABLE["pow"]
    graph = mg.trace(lambda x: TABLE["sin"](x) + mnp.sin(x) * 2.0, 0.5)
    assert [v.prim for v in graph.variables[1:]] == [TABLE[n] for n in ("sin", "sin", "mul", "add")]


def test_define_rejects_a_local_derivative_it_cannot_apply():
    # only 1 and -1 are constant local derivatives (the sweeps pass the cotangent on, or
    # negate it); anything else must be a function, and the table stays as it was
    from minigrad.primitives import define

    before = dict(TABLE)
    with pytest.raises(ValueError, match=r"define\('twice'\): a local derivative is None, 1, "
                                         r"-1 or a function of \(out, \*args, \*\*params\), not 2"):
        define("twice", lambda x: 2 * x, jax="jax.numpy.add", expr=lambda a: a,
               partials=(lambda o, a: 2,), deriv=(2,))
    assert TABLE == before


def _elementwise_unary_names() -> list[str]:
    """Primitives that take one array, no parameters, and keep its shape."""
    names = []
    x = np.linspace(0.1, 0.9, 6).reshape(2, 3)
    for name, prim in TABLE.items():
        if not isinstance(prim.jvp, (tuple, list)) or len(prim.jvp) != 1:
            continue
        try:
            out = prim(x)
        except Exception:
            continue
        if np.shape(out) == x.shape:
            names.append(name)
    return names


def test_every_elementwise_unary_primitive_has_a_higher_order_reference():
    names = _elementwise_unary_names()
    assert "sin" in names and "tanh" in names  # the detection itself works
    missing = sorted(set(names) - set(UNARY_JAX))
    assert not missing, f"add a JAX reference to UNARY_JAX (and a domain to DOMAINS) for {missing}"


def _check_records(case: Case, name: str) -> None:
    """A spec must really reach its primitive (not, say, a decomposition into others)."""
    if name in COMPOSED:
        return
    graph = mg.trace(case.fn, *case.args)
    recorded = {v.prim.name for v in graph.variables if v.prim is not None}
    assert name in recorded, f"spec {case.label!r} recorded only {sorted(recorded)}"


# ------------------------------------------------------------- against finite differences


def check_first_order(case: Case, seed: int) -> None:
    """jvp (forward), vjp and grad (reverse) against central differences; the adjoint identity."""
    value = case.fn(*case.args)
    rng = np.random.default_rng(seed)
    vs = _random(rng, _shapes(case.args))
    (u,) = _random(rng, [np.shape(value)])

    # forward mode: J v
    out, jv = mg.jvp(case.fn, case.args, vs)
    assert_close(out, value, rtol=1e-13, atol=1e-13, err_msg="jvp: primal output")
    assert_close_leaves(jv, fd_directional(case.fn, case.args, vs), **FD_TOL,
                        err_msg="forward mode (jvp) vs finite differences")

    # reverse mode: J^T u, by vjp and by grad of the scalar <u, f(x)>
    out, pullback = mg.vjp(case.fn, *case.args)
    assert_close(out, value, rtol=1e-13, atol=1e-13, err_msg="vjp: primal output")
    jtu = pullback(u)
    want = fd_gradient(lambda *xs: _vdot(u, case.fn(*xs)), case.args)
    assert_close_leaves(jtu, want, **FD_TOL, err_msg="reverse mode (vjp) vs finite differences")
    grads = mg.grad(lambda *xs: mnp.sum(u * case.fn(*xs)),
                    argnums=tuple(range(len(case.args))))(*case.args)
    assert_close_leaves(grads, want, **FD_TOL, err_msg="reverse mode (grad) vs finite differences")

    # the adjoint identity <u, J v> = <J^T u, v>: minigrad against itself, no step size
    lhs, rhs = _vdot(u, jv), _vdot(jtu, vs)
    scale = np.sum(np.abs(u * _arr(jv))) + sum(np.sum(np.abs(_arr(a) * b)) for a, b in zip(jtu, vs))
    assert_close(lhs, rhs, rtol=1e-12, atol=1e-13 * (1.0 + scale),
                 err_msg="adjoint identity <u, J v> = <J^T u, v>")


def check_second_order(case: Case, seed: int) -> None:
    """Rules are differentiable: forward-over-reverse and reverse-over-forward agree with
    central differences of minigrad's own first derivatives."""
    rng = np.random.default_rng(seed + 1)
    vs, ws = _random(rng, _shapes(case.args)), _random(rng, _shapes(case.args))
    (u,) = _random(rng, [np.shape(case.fn(*case.args))])

    def pullback(*xs):  # x -> J(x)^T u
        return mg.vjp(case.fn, *xs)[1](u)

    def pushforward(*xs):  # x -> J(x) v
        return mg.jvp(case.fn, xs, vs)[1]

    # forward over reverse: the derivative of J(x)^T u along w
    _, got = mg.jvp(pullback, case.args, ws)
    assert_close_leaves(got, fd_directional(pullback, case.args, ws), rtol=1e-5, atol=1e-5,
                        err_msg="forward over reverse vs finite differences of the vjp")

    # reverse over forward: <grad_x <u, J(x) v>, w>
    grads = mg.vjp(pushforward, *case.args)[1](u)
    got = _vdot(grads, ws)
    (want,) = fd_directional(lambda *xs: _vdot(u, pushforward(*xs)), case.args, ws)
    scale = sum(np.sum(np.abs(_arr(g) * w)) for g, w in zip(grads, ws))  # a sum of many terms
    assert_close(got, want, rtol=1e-5, atol=1e-5 + 1e-6 * scale,
                 err_msg="reverse over forward vs finite differences of the jvp")


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_derivatives_match_finite_differences(name, data, seed):
    """Every primitive, both modes, first and second order (one draw serves all checks)."""
    case = draw_case(data, name)
    _check_records(case, name)
    check_first_order(case, seed)
    check_second_order(case, seed)


# ------------------------------------------------------------------ JAX as the reference
# At kinks, ties and singular points there is no finite difference to compare with: the
# convention is JAX's, so JAX (in float64) is the reference.  JAX is also the reference for
# higher derivatives of the elementwise functions and for Hessians.  JAX compiles every
# operation for each new shape (and is slow to call op by op), so these tests use few fixed
# shapes, jit the references that are called repeatedly, and run fewer examples.

JAX_EXAMPLES = max(10, settings().max_examples // 4)


@pytest.fixture(scope="module")
def jx():
    """JAX in float64 for this module only; the previous setting is restored afterwards."""
    jax = pytest.importorskip("jax")
    import jax.numpy  # noqa: F401  (attributes used below)
    import jax.scipy.special  # noqa: F401

    previous = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", True)
    try:
        yield jax
    finally:
        jax.config.update("jax_enable_x64", previous)


def _jax_fn(jax, path: str):
    obj = jax
    for part in path.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def compare_with_jax(jax, f, jf, args, seed, what=""):
    """minigrad's jvp and vjp of ``f`` against JAX's of ``jf``, in random directions."""
    args = tuple(_arr(a) for a in args)
    jargs = tuple(jax.numpy.asarray(a) for a in args)
    rng = np.random.default_rng(seed)
    vs = _random(rng, _shapes(args))
    out, jv = mg.jvp(f, args, vs)
    jout, jjv = jax.jvp(jf, jargs, tuple(jax.numpy.asarray(v) for v in vs))
    assert_close(out, jout, **EXACT_TOL, err_msg=f"{what}: value")
    assert_close(jv, jjv, **EXACT_TOL, err_msg=f"{what}: jvp vs jax.jvp")
    (u,) = _random(rng, [np.shape(jout)])
    got = mg.vjp(f, *args)[1](u)
    want = jax.vjp(jf, *jargs)[1](jax.numpy.asarray(u))
    assert_close_leaves(got, want, **EXACT_TOL, err_msg=f"{what}: vjp vs jax.vjp")


NUMPY_COVERAGE = ("prod", "cumsum", "einsum", "inv", "solve", "det", "cofactor", "logabsdet",
                  "cholesky", "svd") + COMPOSED


@pytest.mark.parametrize("name", NUMPY_COVERAGE)
@settings(max_examples=2)  # JAX compiles each drawn shape: seconds per example
@given(data=st.data())
def test_numpy_coverage_matches_jax_on_the_same_code(jx, name, data):
    """The same spec function, called with JAX arrays (so jax.numpy computes it and JAX
    differentiates), against minigrad's jvp and vjp of it."""
    case = draw_case(data, name)
    compare_with_jax(jx, case.fn, jx.jit(case.fn), case.args, 0, case.label)  # one compilation


def test_kinks_of_the_numpy_coverage_follow_jax(jx):
    """prod with zeros (one, two), norms at zero and at ties, sign: JAX's conventions."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for x in (np.array([2.0, 0.0, 3.0]), np.array([0.0, 0.0, 3.0]), np.zeros((2, 2))):
            compare_with_jax(jx, mnp.prod, jx.numpy.prod, (x,), 0, f"prod at {x}")
        for ord_ in (None, 1, np.inf, 3):
            for x in (np.zeros(3), np.array([1.0, -1.0, 0.0])):
                compare_with_jax(jx, lambda x: mnp.linalg.norm(x, ord_),
                                 lambda x: jx.numpy.linalg.norm(x, ord_), (x,), 1, f"norm({x}, {ord_})")
        compare_with_jax(jx, mnp.sign, jx.numpy.sign, (GRID,), 2, "sign")
        # repeated singular values: the spectral norms share the derivative among the tied
        # ones (the identity: I/3); the Hessians divide by s_i^2 - s_j^2 = 0, nan as in JAX
        ties = (np.eye(3), np.diag([3.0, 3.0, 1.0]), np.array([[0.0, 2.0], [2.0, 0.0]]))
        for ord_ in (2, -2, "nuc"):
            for x in ties:
                f, jf = lambda x: mnp.linalg.norm(x, ord_), lambda x: jx.numpy.linalg.norm(x, ord_)
                compare_with_jax(jx, f, jf, (x,), 3, f"norm({x.tolist()}, {ord_})")
                np.testing.assert_allclose(mg.hessian(f)(x), jx.hessian(jf)(x), equal_nan=True,
                                           **EXACT_TOL, err_msg=f"hessian of norm(ord={ord_})")
        assert mg.grad(lambda x: mnp.linalg.norm(x, 2))(np.eye(3)) == pytest.approx(np.eye(3) / 3)
        assert np.isnan(mg.hessian(lambda x: mnp.linalg.norm(x, 2))(np.eye(3))).any()


def test_svd_is_one_entry_everywhere(jx):
    """One table entry, one node per factor asked for; generated code, jaxbridge, the
    agreement checker and JAX dispatch read it like any entry; NumPy's values; the factors of
    a non-square traced matrix only thin, as JAX differentiates them."""
    import jaxbridge as jb
    from minigrad.testing import check_agreement

    a = np.array([[2.0, 0.3, -0.5], [0.1, 1.0, 0.4]])
    f = lambda a: mnp.linalg.norm(a, 2) + mnp.linalg.norm(a, "nuc") - mnp.linalg.norm(a.T, -2)  # noqa: E731
    for ord_ in (2, -2, "nuc"):
        assert mnp.linalg.norm(a, ord_) == pytest.approx(np.linalg.norm(a, ord_), rel=1e-14)
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    want = u[:, :1] @ vh[:1] + u @ vh - u[:, 1:] @ vh[1:]  # u1 v1^T + U V^T - u2 v2^T
    np.testing.assert_allclose(mg.grad(f)(a), want, **EXACT_TOL)
    np.testing.assert_allclose(mg.jit(mg.grad(f))(a), want, **EXACT_TOL)
    np.testing.assert_allclose(jb.grad(f)(a), want, **EXACT_TOL)
    np.testing.assert_allclose(jx.grad(f)(jx.numpy.asarray(a)), want, **EXACT_TOL)
    report = check_agreement(f, a)
    assert report, str(report)
    g = mg.trace(lambda a: mnp.linalg.svd(a, full_matrices=False), a)
    assert [(v.prim.name, v.params["part"]) for v in g.variables[1:]] == [("svd", p) for p in ("u", "s", "vh")]
    assert [str(r.expression) for r in g.table().rows[1:]] == ["svd_U v1", "svdvals v1", "svd_Vh v1"]
    np.testing.assert_allclose(mnp.linalg.svdvals(a), s, **EXACT_TOL)
    assert [np.shape(x) for x in mnp.linalg.svd(a)] == [(2, 2), (2,), (3, 3)]  # plain: NumPy's
    with pytest.raises(NotImplementedError, match=r"full_matrices=True of a traced 2x3 matrix.*"
                                                  r"Fix: mnp.linalg.svd\(a, full_matrices=False\)"):
        mg.grad(lambda a: mnp.sum(mnp.linalg.svd(a)[0]))(a)
    with pytest.raises(ValueError, match="ord='nuc' is a matrix norm"):
        mnp.linalg.norm(np.ones(3), "nuc")


# The kinks and ties are few, so they are enumerated exhaustively, every combination in one
# call through broadcasting: GRID[:, None] against GRID[None, :] meets every tie.
GRID = np.array([-1.0, -0.5, -0.0, 0.0, 0.5, 1.0])


def _col(values, axis, ndim):
    """``values`` laid along ``axis`` of an ``ndim``-dimensional array (1 elsewhere)."""
    shape = [1] * ndim
    shape[axis] = len(values)
    return np.reshape(np.asarray(values, dtype=np.float64), shape)


def test_abs_at_zero_follows_jax(jx):
    """d|x|/dx = 1 at 0 and at -0.0 (then 0), as in JAX."""
    compare_with_jax(jx, mnp.abs, jx.numpy.abs, (GRID,), 0, "abs")
    compare_with_jax(jx, lambda x: abs(x), lambda x: abs(x), (GRID,), 1, "abs()")
    d1, d2, _ = _unary_jax_derivatives(jx, "abs")
    for zero in (0.0, -0.0, np.float64(0.0), np.float64(-0.0)):
        assert mg.grad(mnp.abs)(zero) == d1(zero) == 1.0
        assert mg.grad(mg.grad(mnp.abs))(zero) == d2(zero) == 0.0


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_ties_follow_jax(jx, name):
    """A tie shares the derivative equally (1/2 each), as in JAX; relu(0) included."""
    f, jf = getattr(mnp, name), getattr(jx.numpy, name)
    a, b = _col(GRID, 0, 2), _col(GRID, 1, 2)  # every pair, ties on the diagonal
    compare_with_jax(jx, f, jf, (a, b), 0, name)
    compare_with_jax(jx, f, jf, (np.broadcast_to(a, (6, 6)).copy(), b), 1, f"{name}, broadcast")
    for c in (0.0, 0.5):  # a constant operand: maximum(x, 0.0) is relu
        compare_with_jax(jx, lambda x: f(x, c), lambda x: jf(x, c), (GRID,), 2, f"{name}(x, {c})")
        compare_with_jax(jx, lambda x: f(c, x), lambda x: jf(c, x), (GRID,), 3, f"{name}({c}, x)")
    assert mg.grad(f, argnums=(0, 1))(1.0, 1.0) == (0.5, 0.5)
    assert tuple(jx.grad(jf, argnums=(0, 1))(1.0, 1.0)) == (0.5, 0.5)


def test_clip_at_bounds_follows_jax(jx):
    """1/2 at a bound, 1/4 where lo == hi == x, 0 when lo > hi: as jnp.clip, which is
    maximum with lo, then minimum with hi.  Every (x, lo, hi) of the grid at once."""
    x, lo, hi = _col(GRID, 0, 3), _col(GRID, 1, 3), _col(GRID, 2, 3)
    xs = np.broadcast_to(x, (6, 6, 6)).copy()
    compare_with_jax(jx, lambda x: mnp.clip(x, lo, hi), lambda x: jx.numpy.clip(x, lo, hi),
                     (xs,), 0, "clip(x, lo, hi)")
    x2, bound = xs[:, :, 0], _col(GRID, 1, 2)  # x down, the one bound across: every pair
    compare_with_jax(jx, lambda x: mnp.clip(x, bound, None),
                     lambda x: jx.numpy.clip(x, bound, None), (x2,), 1, "clip(x, lo, None)")
    compare_with_jax(jx, lambda x: mnp.clip(x, None, bound),
                     lambda x: jx.numpy.clip(x, None, bound), (x2,), 2, "clip(x, None, hi)")
    for lo_, hi_ in [(0.0, 0.5), (0.5, 0.5), (0.5, -0.5), (None, 0.0), (0.0, None)]:  # scalars
        compare_with_jax(jx, lambda x: mnp.clip(x, lo_, hi_), lambda x: jx.numpy.clip(x, lo_, hi_),
                         (GRID,), 3, f"clip(x, {lo_}, {hi_})")


# every pattern of ties among four entries: the rows of BITS are 0..15 in binary
BITS = ((np.arange(16)[:, None] >> np.arange(4)) & 1).astype(np.float64)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_reduction_ties_follow_jax(jx, name):
    """Tied extrema share the derivative equally, as in JAX."""
    for x, axis, keepdims in [(BITS, 1, False), (BITS, -1, True), (BITS, None, False),
                              (BITS.reshape(4, 4, 4), (0, 2), True)]:
        f = lambda x: getattr(mnp, name)(x, axis=axis, keepdims=keepdims)
        jf = lambda x: getattr(jx.numpy, name)(x, axis=axis, keepdims=keepdims)
        compare_with_jax(jx, f, jf, (x,), 0, f"{name}(axis={axis}, keepdims={keepdims})")


POW_BASES = [0.0, 0.5, 1.0, 2.0, -1.0, -0.5]
POW_EXPONENTS = [0.0, 1.0, 2.0, 3.0, 0.5, -1.0, -0.5]


def test_pow_at_zero_follows_jax(jx):
    """0 ** 0, 0 ** y, x ** 0, negative bases, with array and constant exponents, as in JAX.

    JAX's convention: an integer exponent (Python int) has derivative 0 in the base where it
    is 0; a float exponent y has y * x**(y - 1) (nan at 0 ** 0.0); the derivative in the
    exponent uses log(x) with x = 0 replaced by 1.
    """
    a, b = _col(POW_BASES, 0, 2), _col(POW_EXPONENTS, 1, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # inf and nan are the point here
        compare_with_jax(jx, mnp.power, jx.numpy.power, (a, b), 0, "power(a, b)")
        compare_with_jax(jx, lambda x, y: x ** y, lambda x, y: x ** y, (a, b), 1, "a ** b")
        for k in range(-2, 4):  # constant exponents: integer_pow, and pow with a float
            for c in (k, float(k)):
                compare_with_jax(jx, lambda x: x ** c, lambda x: x ** c, (a[:, 0],), 2,
                                 f"x ** {c!r}")
        for c in (0.0, 2.0, -1.0):  # a constant base
            compare_with_jax(jx, lambda y: c ** y, lambda y: c ** y, (b[0],), 3, f"{c} ** y")


@pytest.mark.parametrize("x", POW_BASES)
def test_pow_second_derivatives_follow_jax(jx, x):
    """All four second partials of x ** y, and those of x ** c for constant c, as JAX's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for y in POW_EXPONENTS:
            for i in (0, 1):
                for j in (0, 1):
                    got = mg.grad(mg.grad(mnp.power, i), j)(np.float64(x), np.float64(y))
                    want = _pow_jax_second(jx, i, j)(x, y)
                    assert_close(got, want, **EXACT_TOL, err_msg=f"d2/dx{i}dx{j} at ({x}, {y})")
            for c in (int(y), y):  # constant exponents: integer_pow and pow
                got = mg.grad(mg.grad(lambda x: x ** c))(x)
                want = jx.grad(jx.grad(lambda x: x ** c))(x)
                assert_close(got, want, **EXACT_TOL, err_msg=f"(x ** {c!r})'' at {x}")


@cached
def _pow_jax_second(jax, i, j):
    return jax.jit(jax.grad(jax.grad(jax.numpy.power, i), j))


def test_where_follows_jax(jx):
    cond = np.array([[True], [False]])[:, :, None]
    x, y = _col(GRID, 1, 3), _col(GRID, 2, 3)
    compare_with_jax(jx, lambda x, y: mnp.where(cond, x, y),
                     lambda x, y: jx.numpy.where(cond, x, y), (x, y), 0, "where")
    compare_with_jax(jx, lambda x: mnp.where(x > 0, x, 0.0),
                     lambda x: jx.numpy.where(x > 0, x, 0.0), (GRID,), 1, "where(x > 0, x, 0)")
    # the branch not taken has a nan derivative: it must not leak into the tangent (JAX
    # selects, it does not multiply by the mask), but 0 * nan reaches x in reverse mode
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        compare_with_jax(jx, lambda x: mnp.where(x > 0, mnp.sqrt(x), 0.0),
                         lambda x: jx.numpy.where(x > 0, jx.numpy.sqrt(x), 0.0), (GRID,), 2,
                         "where(x > 0, sqrt(x), 0)")
        got = mg.jacfwd(lambda x: mnp.where(x > 0, mnp.log(x), 0.0))(-1.0)
        assert got == jx.jacfwd(lambda x: jx.numpy.where(x > 0, jx.numpy.log(x), 0.0))(-1.0) == 0.0


def test_logsumexp_extremes_follow_jax(jx):
    """Huge entries and -inf (masked) entries: the gradient is still the softmax; a row of
    -inf only has nan, as in JAX.  (With +inf entries JAX's nan pattern is an artifact of
    its implementation, so they are left out.)"""
    entries = np.array([-np.inf, -1000.0, 0.0, 1000.0])
    rows = np.stack(np.meshgrid(entries, entries, entries, indexing="ij"), axis=-1).reshape(-1, 3)
    lse = _jax_logsumexp(jx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        compare_with_jax(jx, lambda x: mnp.logsumexp(x, axis=1), lambda x: lse(x, axis=1),
                         (rows,), 0, "logsumexp(axis=1)")
        for x in (np.array([-1000.0, -1000.0, -np.inf]), np.array([1000.0, 999.0, -np.inf])):
            compare_with_jax(jx, lambda x: mnp.logsumexp(x), lambda x: lse(x, axis=None), (x,), 1,
                             f"logsumexp({x})")


@cached
def _jax_logsumexp(jax):
    return jax.jit(jax.scipy.special.logsumexp, static_argnames=("axis", "keepdims"))


@cached
def _unary_jax_derivatives(jax, name):
    """JAX's first, second and third derivative of an elementwise function, jitted once."""
    d1 = jax.grad(_jax_fn(jax, UNARY_JAX[name]))
    d2 = jax.grad(d1)
    return jax.jit(d1), jax.jit(d2), jax.jit(jax.grad(d2))


SPECIAL_POINTS = [0.0, -0.0, 1.0, -1.0, 0.5 * np.pi, 40.0, -40.0, 800.0, -800.0, 1e200, -1e200,
                  np.inf, -np.inf, np.nan]


@pytest.mark.parametrize("name", sorted(UNARY_JAX))
def test_unary_special_points_follow_jax(jx, name):
    """Singularities, overflow, inf and nan: first and second derivatives as JAX's, for
    Python floats, NumPy scalars and arrays alike."""
    f = MINIGRAD_FN.get(name) or getattr(mnp, name)
    d1, d2, _ = _unary_jax_derivatives(jx, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for x in SPECIAL_POINTS:
            want1, want2 = np.asarray(d1(x)), np.asarray(d2(x))
            for point in (x, np.float64(x)):
                assert_close(mg.grad(f)(point), want1, **EXACT_TOL, err_msg=f"{name}' at {point!r}")
                assert_close(mg.grad(mg.grad(f))(point), want2, **EXACT_TOL,
                             err_msg=f"{name}'' at {point!r}")
            got = mg.vjp(f, np.array([x, 0.5]))[1](np.ones(2))[0]
            assert_close(got, [want1, np.asarray(d1(0.5))], **EXACT_TOL,
                         err_msg=f"{name} vjp at [{x}, 0.5]")


@pytest.mark.parametrize("name", sorted(n for n, p in TABLE.items() if p.scalar is not p.impl))
def test_python_floats_take_the_math_module_and_keep_numpys_values(name):
    """On Python floats and ints ``bind`` calls the entry's ``scalar`` (math.log, math.pow...)
    instead of NumPy.  Where math raises (log 0, overflow, 1/0, a negative base to a
    fractional power) NumPy's inf or nan must stand; everywhere else the values agree."""
    prim = TABLE[name]
    points = SPECIAL_POINTS + [0.3, -2.5, 3, -2]
    for args in itertools.product(points, repeat=len(prim.jvp)):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            want = prim.impl(*[np.float64(a) for a in args])
            got = prim(*args)
        assert type(got) in (float, int, np.float64), (name, args, got)
        assert_close(got, want, rtol=4e-16, atol=0, err_msg=f"{name}{args}")


# --------------------------------------------------------------- higher order against JAX


@pytest.mark.parametrize("name", sorted(UNARY_JAX))
@settings(max_examples=JAX_EXAMPLES)
@given(data=st.data())
def test_unary_higher_derivatives_match_jax(jx, name, data):
    """Second and third derivatives of each elementwise function, every combination of modes."""
    f = MINIGRAD_FN.get(name) or getattr(mnp, name)
    _, d2, d3 = _unary_jax_derivatives(jx, name)
    x = data.draw(DOMAINS[name], label="x")
    want = np.asarray(d2(x))
    assert_close(mg.grad(mg.grad(f))(x), want, **EXACT_TOL, err_msg="reverse over reverse")
    assert_close(mg.jvp(mg.grad(f), (x,), (1.0,))[1], want, **EXACT_TOL,
                 err_msg="forward over reverse")
    assert_close(mg.grad(lambda x: mg.jvp(f, (x,), (1.0,))[1])(x), want, **EXACT_TOL,
                 err_msg="reverse over forward")
    assert_close(mg.jacfwd(mg.jacfwd(f))(x), want, **EXACT_TOL, err_msg="forward over forward")
    assert_close(mg.grad(mg.grad(mg.grad(f)))(x), np.asarray(d3(x)), **EXACT_TOL,
                 err_msg="third derivative")
    # the Hessian of sum(f(x)) is diagonal, with f'' on it
    xs = data.draw(values((3,), DOMAINS[name]), label="xs")
    want = np.diag([np.asarray(d2(v)) for v in xs])
    assert_close(mg.hessian(lambda x: mnp.sum(f(x)))(xs), want, **EXACT_TOL, err_msg="hessian")


BINARY_JAX = {  # name: (minigrad, JAX, domain of a, domain of b)
    "add": (mnp.add, "jax.numpy.add", REAL, REAL),
    "sub": (mnp.subtract, "jax.numpy.subtract", REAL, REAL),
    "mul": (mnp.multiply, "jax.numpy.multiply", REAL, REAL),
    "truediv": (mnp.divide, "jax.numpy.divide", REAL, NONZERO),
    "pow": (mnp.power, "jax.numpy.power", POSITIVE, floats(-2.0, 2.0)),
    "maximum": (mnp.maximum, "jax.numpy.maximum", BELOW_HALF, ABOVE_HALF),
    "minimum": (mnp.minimum, "jax.numpy.minimum", BELOW_HALF, ABOVE_HALF),
    "logaddexp": (mnp.logaddexp, "jax.numpy.logaddexp", REAL, REAL),
}


@cached
def _binary_jax_hessian(jax, name):
    jf = _jax_fn(jax, BINARY_JAX[name][1])
    return jax.jit(jax.hessian(lambda a, b: jax.numpy.sum(jf(a, b)), argnums=(0, 1)))


@pytest.mark.parametrize("name", sorted(BINARY_JAX))
@settings(max_examples=JAX_EXAMPLES)
@given(data=st.data())
def test_binary_hessians_match_jax(jx, name, data):
    """All four blocks of the Hessian of sum(op(a, b)), mixed partials and broadcasting included."""
    f, _, a_el, b_el = BINARY_JAX[name]
    sa, sb = data.draw(st.sampled_from([((), ()), ((2, 1), (3,))]))
    a, b = data.draw(values(sa, a_el)), data.draw(values(sb, b_el))
    got = mg.hessian(lambda a, b: mnp.sum(f(a, b)), argnums=(0, 1))(a, b)
    want = _binary_jax_hessian(jx, name)(a, b)
    assert_close_leaves([g for row in got for g in row], [w for row in want for w in row],
                        **EXACT_TOL)


def composite(x, w, np_, sigmoid, logsumexp):
    """Many primitives at once, for ``mnp`` or ``jax.numpy`` (``np_``); x: (3,), w: (3, 2)."""
    h = np_.tanh(x @ w)                                                  # matmul, tanh
    z = np_.concatenate([h, np_.exp(0.5 * x[:2]), w[1]], axis=0)         # getitem, concatenate
    s = np_.stack([z, np_.sqrt(z * z + 1.0), sigmoid(z)], axis=1)        # stack, sqrt, sigmoid
    t = np_.reshape(np_.transpose(s), (-1,))                             # transpose, reshape
    r = np_.broadcast_to(x[:, None], (3, 2)) / (2.0 + np_.cos(w))        # broadcast_to, truediv
    return (np_.sum(logsumexp(s, axis=1)) + np_.mean(np_.log1p(t ** 2))
            + np_.max(np_.sin(r)) - np_.sum(np_.min(np_.arctan(r), axis=0))
            + np_.sum(np_.where(x > 0, np_.sinh(x), np_.cosh(x))) + np_.sum(np_.abs(w + 2.0) ** 1.5)
            + np_.sum(np_.clip(w, -0.4, 0.4) * np_.maximum(w, 0.1) * np_.minimum(w, 0.2))
            + np_.sum(np_.log(np_.square(x) + 1.0))
            - np_.sum(np_.reciprocal(2.0 + np_.tan(0.3 * w[0])))
            + np_.sum(np_.expm1(-x) - x) + x[0] ** 2 * w[0, 0] ** 3)


@cached
def _composite_jax(jax):
    """The composite and its Hessian in JAX, jitted: compiled once (op by op, the Hessian
    would take seconds for its first call and a quarter of a second for each one after)."""
    f = lambda x, w: composite(x, w, jax.numpy, jax.nn.sigmoid, jax.scipy.special.logsumexp)
    return jax.jit(f), jax.jit(jax.hessian(f, argnums=(0, 1)))


@settings(max_examples=max(5, JAX_EXAMPLES // 3))  # four Hessians each: the slowest examples
@given(x=values((3,), floats(-1.5, 1.5)), w=values((3, 2), floats(-1.5, 1.5)))
def test_hessian_of_a_composite_matches_jax(jx, x, w):
    """mg.hessian (and the other three compositions of jacfwd and jacrev) as jax.hessian."""
    value, hessian = _composite_jax(jx)
    f = lambda x, w: composite(x, w, mnp, mnp.sigmoid, mnp.logsumexp)
    assert_close(f(x, w), value(x, w), **EXACT_TOL, err_msg="value")
    want = [h for row in hessian(x, w) for h in row]
    for label, hessian in [
        ("hessian", mg.hessian),
        ("jacrev(jacrev)", lambda f, argnums: mg.jacrev(mg.jacrev(f, argnums), argnums)),
        ("jacfwd(jacfwd)", lambda f, argnums: mg.jacfwd(mg.jacfwd(f, argnums), argnums)),
        ("jacrev(jacfwd)", lambda f, argnums: mg.jacrev(mg.jacfwd(f, argnums), argnums)),
    ]:
        got = hessian(f, argnums=(0, 1))(x, w)
        assert_close_leaves([h for row in got for h in row], want, rtol=1e-8, atol=1e-10,
                            err_msg=label)
