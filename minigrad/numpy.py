"""``minigrad.numpy`` (``import minigrad.numpy as mnp``): one namespace for three engines.

Every function dispatches on its arguments: a minigrad variable is recorded into its
graph, a JAX array or tracer goes to ``jax.numpy``, anything else to NumPy.  So a user's
function, written once with these functions and Python operators, runs unchanged on
floats and arrays, under minigrad's transformations and under JAX's.
"""

from __future__ import annotations

import builtins
import math
import sys
from typing import Sequence

import numpy as _np

from . import primitives as P
from . import symbolic as S
from .array import Array, block_until_ready, device_put
from .graph import Const, Mask, Variable, concrete, unmask

pi = Const(math.pi, S.Name("pi"))
e = Const(math.e, S.Name("e"))
inf, nan, newaxis = _np.inf, _np.nan, None
float16, float32, float64, complex64, complex128 = _np.float16, _np.float32, _np.float64, _np.complex64, _np.complex128
int8, int16, int32, int64, uint8, uint32, bool_ = _np.int8, _np.int16, _np.int32, _np.int64, _np.uint8, _np.uint32, _np.bool_
dtype, result_type, issubdtype, finfo, iinfo = _np.dtype, _np.result_type, _np.issubdtype, _np.finfo, _np.iinfo
floating, integer, inexact = _np.floating, _np.integer, _np.inexact

# Elementwise operations are the table's operations themselves (each primitive's ``bind``).
add, subtract, multiply, divide, true_divide = P.add, P.sub, P.mul, P.truediv, P.truediv
negative, power, square, sqrt, reciprocal = P.neg, P.power, P.square, P.sqrt, P.reciprocal
exp, expm1, log, log1p = P.exp, P.expm1, P.log, P.log1p
sin, cos, tan, arctan, sinh, cosh, tanh = P.sin, P.cos, P.tan, P.arctan, P.sinh, P.cosh, P.tanh
sigmoid, abs, absolute, logaddexp = P.sigmoid, P.absolute, P.absolute, P.logaddexp
arcsin, arccos, arcsinh, arccosh, arctanh = P.arcsin, P.arccos, P.arcsinh, P.arccosh, P.arctanh
log2, log10, exp2, sign = P.log2, P.log10, P.exp2, P.sign
maximum, minimum, matmul = P.maximum, P.minimum, P.matmul
stop_gradient = P.stop_gradient  # the value, with a zero derivative (jax.lax.stop_gradient)


def _ndim(x) -> int:
    return _np.ndim(concrete(x))


def _axis(axis, ndim: int, op: str):
    """Normalize ``axis`` to None or a sorted tuple of non-negative ints, checking the range."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise _np.exceptions.AxisError(
                f"mnp.{op}: axis {a} is out of bounds for an array of dimension {ndim}. "
                f"Fix: use an axis in [{-ndim}, {ndim - 1}]."
            )
    return tuple(sorted(a % ndim for a in axes))


def where(condition, x, y):
    """Choose ``x`` where ``condition`` holds, else ``y``; differentiable in ``x`` and ``y``."""
    condition = unmask(condition)  # a recorded comparison: programs compute the mask
    return P.where(condition if P.recorded(condition) else concrete(condition), x, y)


def clip(x, min=None, max=None):
    """Limit ``x`` to [min, max]; at a bound the derivative is 1/2, as in JAX."""
    if isinstance(min, Variable) or isinstance(max, Variable):  # bounds differentiated too
        if min is not None:
            x = maximum(x, min)
        return x if max is None else minimum(x, max)
    return P.clip(x, lo=min, hi=max)


def sum(x, axis=None, keepdims: bool = False):
    x = unmask(x)  # booleans count as 0 and 1 (a traced comparison, under mg.jit)
    return P.reduce_sum(x, axis=_axis(axis, _ndim(x), "sum"), keepdims=keepdims)


def mean(x, axis=None, keepdims: bool = False):
    x = unmask(x)  # booleans count as 0 and 1 (a traced comparison, under mg.jit)
    return P.reduce_mean(x, axis=_axis(axis, _ndim(x), "mean"), keepdims=keepdims)


def max(x, axis=None, keepdims: bool = False):
    return P.reduce_max(x, axis=_axis(axis, _ndim(x), "max"), keepdims=keepdims)


def min(x, axis=None, keepdims: bool = False):
    return P.reduce_min(x, axis=_axis(axis, _ndim(x), "min"), keepdims=keepdims)


amax, amin = max, min


def logsumexp(x, axis=None, keepdims: bool = False):
    """log(sum(exp(x))) computed stably; its gradient is the softmax."""
    return P.logsumexp(x, axis=_axis(axis, _ndim(x), "logsumexp"), keepdims=keepdims)


def dot(a, b):
    """NumPy's dot for up to 2-D operands: a product for scalars, else matmul."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return a * b
    return matmul(a, b)


def transpose(x, axes: Sequence[int] | None = None):
    return P.transpose(x, axes=None if axes is None else tuple(axes))


def swapaxes(x, axis1: int, axis2: int):
    axes = list(range(_ndim(x)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes)


def reshape(x, shape):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return P.reshape(x, shape=shape)


def ravel(x):
    return reshape(x, (-1,))


def expand_dims(x, axis: int):
    shape = list(_np.shape(concrete(x)))
    shape.insert(axis if axis >= 0 else len(shape) + 1 + axis, 1)
    return reshape(x, shape)


def broadcast_to(x, shape):
    return P.broadcast_to(x, shape=(shape,) if isinstance(shape, int) else tuple(shape))


def concatenate(arrays: Sequence, axis: int = 0):
    arrays = list(arrays)
    return P.concatenate(*arrays, axis=_axis(axis, _ndim(arrays[0]), "concatenate")[0])


def stack(arrays: Sequence, axis: int = 0):
    arrays = list(arrays)
    return P.stack(*arrays, axis=_axis(axis, _ndim(arrays[0]) + 1, "stack")[0])


# Constructors make constants: ``Array``s (NumPy arrays with JAX's ``.at``), or JAX arrays
# when given a JAX array to imitate.

def _jax_like(x):
    jax = sys.modules.get("jax")
    return jax is not None and isinstance(x, jax.Array)


def _like_dtype(x, dtype):
    """The dtype of ``*_like(x)``: ``x``'s where it is inexact, else float64 (a Python float,
    as every float of minigrad's, is float64; an integer becomes a float to differentiate)."""
    return dtype if dtype is not None else _np.result_type(_np.asarray(concrete(x)).dtype, _np.float32)


def zeros_like(x, dtype=None, shape=None):
    if _jax_like(x):
        return sys.modules["jax"].numpy.zeros_like(x, dtype=dtype, shape=shape)
    return zeros(_np.shape(concrete(x)) if shape is None else shape, _like_dtype(x, dtype))


def ones_like(x, dtype=None, shape=None):
    if _jax_like(x):
        return sys.modules["jax"].numpy.ones_like(x, dtype=dtype, shape=shape)
    return ones(_np.shape(concrete(x)) if shape is None else shape, _like_dtype(x, dtype))


def full_like(x, fill_value, dtype=None, shape=None):
    if _jax_like(x):
        return sys.modules["jax"].numpy.full_like(x, fill_value, dtype=dtype, shape=shape)
    return full(_np.shape(concrete(x)) if shape is None else shape, fill_value,
                dtype if dtype is not None else _np.asarray(concrete(x)).dtype)


def _made(numpy_fn):
    """A NumPy constructor whose result is an ``Array``."""
    def make(*args, **kwargs):
        return numpy_fn(*args, **kwargs).view(Array)

    make.__name__ = make.__qualname__ = numpy_fn.__name__
    make.__doc__ = f"``numpy.{numpy_fn.__name__}``, returning an ``Array`` (with JAX's ``.at``)."
    return make


zeros, ones, full, eye, identity = _made(_np.zeros), _made(_np.ones), _made(_np.full), _made(_np.eye), _made(_np.identity)
empty, arange, linspace, logspace, tri = _made(_np.empty), _made(_np.arange), _made(_np.linspace), _made(_np.logspace), _made(_np.tri)


def _holds_traced(obj) -> bool:
    if type(obj) is Variable or type(unmask(obj)) is Variable:
        return True
    return isinstance(obj, (list, tuple)) and any(_holds_traced(o) for o in obj)


def _holds_jax(obj) -> bool:
    if isinstance(obj, (list, tuple)):
        return any(_holds_jax(o) for o in obj)
    return _jax_like(obj) or type(obj).__module__.startswith("jax")


def _stacked(obj):
    """A nested list of traced values and numbers as one traced array (``jnp.array`` stacks)."""
    if isinstance(obj, (list, tuple)):
        return stack([_stacked(o) for o in obj])
    return unmask(obj)


def array(object, dtype=None, copy: bool = True, order=None, ndmin: int = 0):
    """``jnp.array``: a nested list holding traced values is stacked into one traced array;
    JAX arrays (or tracers) go to ``jax.numpy.array``; anything else is NumPy's, as an ``Array``."""
    if _holds_traced(object):
        out = _stacked(object)
        return out if dtype is None else astype(out, dtype)
    if _holds_jax(object):
        return sys.modules["jax"].numpy.array(object, dtype=dtype, copy=copy, order=order, ndmin=ndmin)
    return _np.array(object, dtype=dtype, copy=copy, order=order, ndmin=ndmin).view(Array)


def asarray(a, dtype=None, order=None, copy=None):
    """``jnp.asarray``: as ``array``, without a copy where none is needed."""
    if type(a) is Variable:
        return a if dtype is None else astype(a, dtype)
    if _holds_traced(a) or _holds_jax(a):
        return array(a, dtype=dtype, order=order)
    return _np.asarray(a, dtype=dtype, order=order, copy=copy).view(Array)


def shape(x) -> tuple:
    return _np.shape(concrete(x))


def ndim(x) -> int:
    return _ndim(x)


def size(x) -> int:
    return int(_np.prod(shape(x)))


def astype(x, dtype):
    """``x`` converted to ``dtype``: recorded (derivative 1 to a float dtype, none to an
    integer or boolean one); a comparison's booleans become 0 and 1."""
    x = unmask(x)
    name = _np.dtype(dtype).name
    if type(x) is not Variable and not _jax_like(x) and _np.result_type(x).name == name:
        return _np.asarray(x).view(Array) if isinstance(x, _np.ndarray) else x
    return P.astype(x, dtype=name)


def moveaxis(x, source, destination):
    nd = _ndim(x)
    src = [a % nd for a in _np.atleast_1d(source)]
    dst = [a % nd for a in _np.atleast_1d(destination)]
    order = [a for a in range(nd) if a not in src]
    for d, a in sorted(zip(dst, src)):
        order.insert(d, a)
    return transpose(x, order)


def atleast_1d(x):
    return x if _ndim(x) >= 1 else reshape(x, (1,))


def atleast_2d(x):
    return x if _ndim(x) >= 2 else reshape(x, (1, -1))


def atleast_3d(x):
    nd = _ndim(x)
    if nd >= 3:
        return x
    return reshape(x, (1, -1, 1) if nd <= 1 else shape(x) + (1,))


def hstack(tup: Sequence):
    """Join along the columns: axis 1, or 0 for 1-D arrays (NumPy's rule)."""
    arrays = [atleast_1d(a) for a in tup]
    return concatenate(arrays, axis=0 if _ndim(arrays[0]) == 1 else 1)


def vstack(tup: Sequence):
    return concatenate([atleast_2d(a) for a in tup], axis=0)


def dstack(tup: Sequence):
    return concatenate([atleast_3d(a) for a in tup], axis=2)


def column_stack(tup: Sequence):
    return concatenate([reshape(a, (-1, 1)) if _ndim(a) < 2 else a for a in tup], axis=1)


def meshgrid(*xi, copy: bool = True, sparse: bool = False, indexing: str = "xy"):
    """Coordinate grids, as broadcasts of the 1-D inputs (differentiable in them)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"mnp.meshgrid: indexing={indexing!r}. Fix: use 'xy' or 'ij'.")
    n = len(xi)
    sizes = [size(x) for x in xi]
    if indexing == "xy" and n >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for k, x in enumerate(xi):
        axis = (1 - k if k < 2 else k) if indexing == "xy" and n >= 2 else k
        spread = [1] * n
        spread[axis] = -1
        g = reshape(x, spread)
        grids.append(g if sparse else broadcast_to(g, sizes))
    return grids


def vdot(a, b):
    """The dot product of the flattened arrays (real: no conjugation needed)."""
    return sum(ravel(a) * ravel(b))


def round(x, decimals: int = 0):
    """Round half to even (NumPy's, JAX's); its derivative is 0, as in JAX (recorded)."""
    return P.round(x, decimals=decimals)


around = round


def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """|a - b| <= atol + rtol |b| elementwise, NumPy's and JAX's test; on traced values a
    recorded comparison (a mask, not differentiable), as ``<=`` is."""
    if _holds_jax([a, b]):
        return sys.modules["jax"].numpy.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not (_holds_traced(a) or _holds_traced(b)):
        return _np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan).view(Array)
    if equal_nan:
        raise NotImplementedError("mnp.isclose: equal_nan=True is not supported on traced values. "
                                  "Fix: compare the results outside the transformation.")
    return absolute(a - b) <= atol + rtol * absolute(b)


def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """Whether ``isclose`` holds everywhere; on traced values a recorded comparison, whose
    ``bool()`` (an ``assert``, an ``if``) is a decision of the graph."""
    close = isclose(a, b, rtol, atol, equal_nan)
    if _holds_jax([a, b]):
        return sys.modules["jax"].numpy.all(close)
    if isinstance(close, _np.ndarray):
        return _np.all(close)
    return sum(close) == size(close)


def _install_methods(cls) -> None:
    """Give traced variables the ndarray methods users reach for."""
    cls.sum = lambda self, axis=None, keepdims=False: sum(self, axis, keepdims)
    cls.mean = lambda self, axis=None, keepdims=False: mean(self, axis, keepdims)
    cls.max = lambda self, axis=None, keepdims=False: max(self, axis, keepdims)
    cls.min = lambda self, axis=None, keepdims=False: min(self, axis, keepdims)
    cls.reshape = lambda self, *shape: reshape(self, shape[0] if len(shape) == 1 else shape)
    cls.transpose = lambda self, *axes: transpose(self, (axes[0] if len(axes) == 1 else axes) or None)
    cls.T = property(lambda self: transpose(self))
    cls.ravel = cls.flatten = lambda self: ravel(self)
    cls.dot = lambda self, other: dot(self, other)
    cls.clip = lambda self, min=None, max=None: clip(self, min, max)
    cls.astype = lambda self, dtype: astype(self, dtype)


_install_methods(Variable)
Mask.astype = lambda self, dtype: astype(self, dtype)
Mask.mean = lambda self, axis=None, keepdims=False: mean(self, axis, keepdims)
Mask.sum = lambda self, axis=None, keepdims=False: sum(self, axis, keepdims)


# ---------------------------------------------- more of NumPy: entries, or exact compositions

def prod(x, axis=None, keepdims: bool = False):
    """The product; its derivative is exact where entries are 0 (no division by them)."""
    return P.reduce_prod(x, axis=_axis(axis, _ndim(x), "prod"), keepdims=keepdims)


def cumsum(x, axis: int | None = None):
    if axis is None:  # NumPy: over the flattened array
        return P.cumsum(ravel(x), axis=0)
    return P.cumsum(x, axis=_axis(axis, _ndim(x), "cumsum")[0])


def var(x, axis=None, ddof: int = 0, keepdims: bool = False):
    """mean((x - mean(x))^2), divided by n - ddof: a composition of table entries."""
    axes = _axis(axis, _ndim(x), "var")
    d = x - mean(x, axes, keepdims=True)
    n = size(x) if axes is None else int(_np.prod([shape(x)[a] for a in axes]))
    return sum(d * d, axes, keepdims=keepdims) / (n - ddof)


def std(x, axis=None, ddof: int = 0, keepdims: bool = False):
    return sqrt(var(x, axis, ddof, keepdims))


def deg2rad(x):
    return x * (math.pi / 180.0)  # NumPy's own formula: the same float64 product


def rad2deg(x):
    return x * (180.0 / math.pi)


def squeeze(x, axis=None):
    dims = shape(x)
    axes = tuple(i for i, n in enumerate(dims) if n == 1) if axis is None else _axis(axis, len(dims), "squeeze")
    for a in axes:
        if dims[a] != 1:
            raise ValueError(f"mnp.squeeze: axis {a} has length {dims[a]}, not 1. Fix: squeeze "
                             f"only axes of length 1 (or give no axis).")
    return reshape(x, tuple(n for i, n in enumerate(dims) if i not in axes))


def flip(x, axis=None):
    axes = range(_ndim(x)) if axis is None else _axis(axis, _ndim(x), "flip")
    index = [slice(None)] * _ndim(x)
    for a in axes:
        index[a] = slice(None, None, -1)
    return x[tuple(index)]


def roll(x, shift, axis=None):
    """Indexing with the rolled positions (exact: it moves values, computes nothing)."""
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), shape(x))
    shifts = (shift,) * len(_np.atleast_1d(axis)) if _np.ndim(shift) == 0 else tuple(shift)
    for a, k in zip(_np.atleast_1d(axis), shifts):
        a = _axis(int(a), _ndim(x), "roll")[0]
        n = shape(x)[a]
        index = [slice(None)] * _ndim(x)
        index[a] = (_np.arange(n) - k) % n
        x = x[tuple(index)]
    return x


def repeat(x, repeats, axis=None):
    if axis is None:
        x, axis = ravel(x), 0
    a = _axis(axis, _ndim(x), "repeat")[0]
    index = [slice(None)] * _ndim(x)
    index[a] = _np.repeat(_np.arange(shape(x)[a]), repeats)
    return x[tuple(index)]


def tile(x, reps):
    """np.tile as a broadcast and a reshape: x's axes interleaved with the repetitions."""
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    dims = shape(x)
    d = builtins.max(len(dims), len(reps))
    dims, reps = (1,) * (d - len(dims)) + dims, (1,) * (d - len(reps)) + reps
    spread = reshape(x, tuple(v for n in dims for v in (1, n)))
    big = broadcast_to(spread, tuple(v for r, n in zip(reps, dims) for v in (r, n)))
    return reshape(big, tuple(r * n for r, n in zip(reps, dims)))


def outer(a, b):
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


def trace(x, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The sum of a diagonal, picked out by indexing."""
    nd = _ndim(x)
    a1, a2 = _axis(axis1, nd, "trace")[0], _axis(axis2, nd, "trace")[0]
    rest = [i for i in range(nd) if i not in (a1, a2)]
    moved = transpose(x, (a1, a2, *rest))
    n1, n2 = shape(x)[a1], shape(x)[a2]
    r0, c0 = builtins.max(-offset, 0), builtins.max(offset, 0)
    k = builtins.max(0, builtins.min(n1 - r0, n2 - c0))
    return sum(moved[_np.arange(k) + r0, _np.arange(k) + c0], axis=0)


def einsum(subscripts: str, *operands):
    """One table entry per call; explicit or implicit output, ``...`` for broadcast axes, an
    index repeated within one operand for its diagonal (``"ii->"`` the trace, ``"ii->i"``)."""
    return P.einsum(*operands, spec=_einsum_spec(subscripts, [shape(o) for o in operands]))


def _einsum_spec(subscripts: str, shapes: list) -> str:
    spec = subscripts.replace(" ", "")
    if "->" not in spec:  # implicit output: the letters used once, in order
        letters = spec.replace(",", "").replace(".", "")
        spec += "->" + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
        if "..." in subscripts:
            spec = spec.replace("->", "->...")
    ins, out = spec.split("->")
    ins = ins.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"mnp.einsum: {subscripts!r} names {len(ins)} operand(s) but "
                         f"{len(shapes)} were given. Fix: one comma-separated term per operand.")
    if "..." in spec:  # spell the broadcast axes with unused letters
        free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in spec]
        width = builtins.max(len(s) - len(t.replace("...", "")) for s, t in zip(shapes, ins))
        ell = "".join(free[:width])
        ins = [t.replace("...", ell[width - (len(s) - len(t.replace("...", ""))):]) for s, t in zip(shapes, ins)]
        out = out.replace("...", ell)
    for term, s in zip(ins, shapes):
        if len(term) != len(s):
            raise ValueError(f"mnp.einsum: {term!r} has {len(term)} indices for an operand of "
                             f"shape {s}. Fix: one index per axis.")
        for c in set(term):
            sizes = {s[k] for k, d in enumerate(term) if d == c}
            if len(sizes) > 1:
                raise ValueError(f"mnp.einsum: {term!r} repeats index {c!r} (a diagonal) over "
                                 f"axes of different sizes {sorted(sizes)} in an operand of shape "
                                 f"{s}. Fix: a repeated index needs axes of one size.")
    return ",".join(ins) + "->" + out


def tensordot(a, b, axes=2):
    """An einsum: the last ``axes`` axes of a against the first of b, or the axes listed."""
    na, nb = _ndim(a), _ndim(b)
    if isinstance(axes, int):
        axes = (list(range(na - axes, na)), list(range(axes)))
    ax_a, ax_b = ([axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                  [axes[1]] if isinstance(axes[1], int) else list(axes[1]))
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    ta = [next(letters) for _ in range(na)]
    tb = [next(letters) for _ in range(nb)]
    for i, j in zip(ax_a, ax_b):
        tb[j % nb] = ta[i % na]
    out = [c for k, c in enumerate(ta) if k not in {i % na for i in ax_a}] + \
          [c for k, c in enumerate(tb) if k not in {j % nb for j in ax_b}]
    return P.einsum(a, b, spec=f"{''.join(ta)},{''.join(tb)}->{''.join(out)}")


from . import linalg  # noqa: E402,F401  (mnp.linalg: its entries join the table on import)
