"""``minigrad.numpy`` (``import minigrad.numpy as mnp``): one namespace for three engines.

Every function dispatches on its arguments: a minigrad variable is recorded into its
graph, a JAX array or tracer goes to ``jax.numpy``, anything else to NumPy.  So a user's
function, written once with these functions and Python operators, runs unchanged on
floats and arrays, under minigrad's transformations and under JAX's.
"""

from __future__ import annotations

import math
import sys
from typing import Sequence

import numpy as _np

from . import primitives as P
from . import symbolic as S
from .graph import Const, Variable, concrete, unmask

pi = Const(math.pi, S.Name("pi"))
e = Const(math.e, S.Name("e"))
inf, nan, newaxis = _np.inf, _np.nan, None
float32, float64 = _np.float32, _np.float64

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
    condition = unmask(condition)
    if not (type(condition) is Variable and P.recording_decisions()):  # (mg.jit records it)
        condition = concrete(condition)
    return P.where(condition, x, y)


def clip(x, min=None, max=None):
    """Limit ``x`` to [min, max]; at a bound the derivative is 1/2, as in JAX."""
    if isinstance(min, Variable) or isinstance(max, Variable):  # bounds differentiated too
        if min is not None:
            x = maximum(x, min)
        return x if max is None else minimum(x, max)
    return P.clip(x, lo=min, hi=max)


def sum(x, axis=None, keepdims: bool = False):
    return P.reduce_sum(x, axis=_axis(axis, _ndim(x), "sum"), keepdims=keepdims)


def mean(x, axis=None, keepdims: bool = False):
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


# Constructors make constants: plain NumPy (or JAX, when given a JAX array to imitate).

def _jax_like(x):
    jax = sys.modules.get("jax")
    return jax is not None and isinstance(x, jax.Array)


def zeros_like(x):
    if _jax_like(x):
        return sys.modules["jax"].numpy.zeros_like(x)
    return _np.zeros_like(concrete(x), dtype=_np.result_type(concrete(x), _np.float32))


def ones_like(x):
    if _jax_like(x):
        return sys.modules["jax"].numpy.ones_like(x)
    return _np.ones_like(concrete(x), dtype=_np.result_type(concrete(x), _np.float32))


zeros, ones, full, eye = _np.zeros, _np.ones, _np.full, _np.eye
arange, linspace = _np.arange, _np.linspace
array, asarray = _np.array, _np.asarray


def shape(x) -> tuple:
    return _np.shape(concrete(x))


def ndim(x) -> int:
    return _ndim(x)


def size(x) -> int:
    return int(_np.prod(shape(x)))


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


_install_methods(Variable)
