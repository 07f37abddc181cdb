"""``minigrad.nn``: ``jax.nn``'s activations and helpers, with its signatures.

Each is an exact composition of table entries, written the numerically stable way (the
same formulas as ``jax.nn``'s, so the numbers agree to rounding): ``softplus`` is
``logaddexp(x, 0)``, ``log_softmax`` subtracts a ``logsumexp``, and so on.  Their graphs
show those entries, so a trace table of a network reads like its formulas.
"""

from __future__ import annotations

import math

import numpy as np

from . import numpy as mnp
from .numpy import logsumexp as _logsumexp
from .numpy import sigmoid
from .primitives import erfc

__all__ = ["sigmoid", "relu", "relu6", "softplus", "log_sigmoid", "silu", "swish", "gelu",
           "elu", "leaky_relu", "hard_tanh", "tanh", "softmax", "log_softmax", "logsumexp",
           "one_hot", "standardize"]

tanh = mnp.tanh


def relu(x):
    """max(x, 0), with JAX's derivative 0 at x = 0 (a choice, not a tie shared)."""
    return mnp.where(x > 0, x, 0.0)


def relu6(x):
    """min(max(x, 0), 6); derivative 0 at both kinks, as JAX's."""
    return mnp.where(x > 0, mnp.where(x < 6, x, 6.0), 0.0)


def softplus(x):
    """log(1 + e^x), as ``logaddexp(x, 0)``: no overflow for large x."""
    return mnp.logaddexp(x, 0.0)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), finite where sigmoid(x) underflows."""
    return -softplus(-x)


def silu(x):
    """x sigmoid(x) (also called swish)."""
    return x * sigmoid(x)


swish = silu


def gelu(x, approximate: bool = True):
    """The Gaussian error linear unit x Phi(x): in JAX's tanh approximation (its default), or
    exactly with ``approximate=False``, as JAX writes it: x/2 erfc(-x/sqrt 2)."""
    if not approximate:
        return 0.5 * x * erfc(-x * math.sqrt(0.5))
    return x * (0.5 * (1.0 + mnp.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))))


def elu(x, alpha=1.0):
    """x for x > 0, alpha (e^x - 1) below; expm1 only sees x <= 0 (no overflow)."""
    return mnp.where(x > 0, x, alpha * mnp.expm1(mnp.where(x > 0, 0.0, x)))


def leaky_relu(x, negative_slope=1e-2):
    return mnp.where(x >= 0, x, negative_slope * x)


def hard_tanh(x):
    return mnp.where(x > 1, 1.0, mnp.where(x < -1, -1.0, x))


def _axis(x, axis):
    return axis if axis is None else tuple(np.atleast_1d(axis).tolist())


def log_softmax(x, axis=-1, where=None):
    """x - logsumexp(x) along ``axis``: never exponentiates a large number."""
    _no_where(where, "log_softmax")
    return x - _logsumexp(x, axis=_axis(x, axis), keepdims=True)


def softmax(x, axis=-1, where=None):
    """exp(log_softmax(x)): sums to 1 along ``axis``, stable for large entries."""
    _no_where(where, "softmax")
    return mnp.exp(log_softmax(x, axis))


def logsumexp(a, axis=None, b=None, keepdims: bool = False, return_sign: bool = False, where=None):
    """log(sum(b e^a)), stably; ``b`` (positive weights) enters as ``a + log(b)``."""
    _no_where(where, "logsumexp")
    if return_sign:
        raise NotImplementedError("minigrad.nn.logsumexp: return_sign=True is not supported. "
                                  "Fix: keep the weights b positive and leave return_sign off.")
    if b is not None:
        a = a + mnp.log(b)
    return _logsumexp(a, axis=_axis(a, axis), keepdims=keepdims)


def one_hot(x, num_classes: int, *, dtype=np.float64, axis=-1):
    """1.0 where the new axis' position equals x's entry (an integer class), else 0.0.
    Not differentiable in ``x`` (a comparison); recorded under ``mg.jit``."""
    picked = mnp.expand_dims(mnp.asarray(x), -1) == np.arange(num_classes)
    out = mnp.where(picked, np.ones((), dtype), np.zeros((), dtype))
    if axis not in (-1, mnp.ndim(out) - 1):
        out = mnp.moveaxis(out, -1, axis)
    return out


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None):
    """(x - mean) / sqrt(variance + epsilon) along ``axis``, JAX's formula: the variance is
    mean(x^2) - mean(x)^2."""
    _no_where(where, "standardize")
    axis = _axis(x, axis)
    if mean is None:
        mean = mnp.mean(x, axis, keepdims=True)
    if variance is None:
        variance = mnp.mean(mnp.square(x), axis, keepdims=True) - mnp.square(mean)
    return (x - mean) / mnp.sqrt(variance + epsilon)


def _no_where(where, name: str) -> None:
    if where is not None:
        raise NotImplementedError(f"minigrad.nn.{name}: where= is not supported. Fix: select "
                                  f"the entries first (x[mask]), or mask with mnp.where.")
