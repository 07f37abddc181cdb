"""``Array``: the arrays ``minigrad.numpy`` makes, NumPy arrays that also have JAX's methods.

Design (the architecture notes give the trade-offs): an ``ndarray`` subclass with no state
of its own, adding ``.at`` (functional index updates) and ``.block_until_ready()``.  Every
NumPy function accepts it as an ndarray, and NumPy's results computed from it are
``Array`` again, as every ``jax.numpy`` result is a ``jax.Array``: ``(2 * x).at[0].set(1.0)``
works.  The price is NumPy's subclass handling, about 0.3 to 0.8 microseconds per operation
(``python -m bench.array``): 1.07x to 1.24x on 10^4 elements, up to 2.7x on 10;
``np.asarray(x)`` is the plain ndarray, without a copy, for a hot loop.
"""

from __future__ import annotations

import sys

import numpy as np

from .at import IndexUpdateHelper
from .graph import Variable
from .pytree import flatten, tree_map


class Array(np.ndarray):
    """A NumPy array with JAX's ``.at`` and ``.block_until_ready()``."""

    __slots__ = ()

    @property
    def at(self) -> IndexUpdateHelper:
        """``x.at[idx].set(y)``, ``.add``, ``.multiply``... : JAX's functional updates."""
        return IndexUpdateHelper(self)

    def dot(self, b, out=None):
        """NumPy's ``dot``, or ``mnp.dot`` when ``b`` is traced (NumPy's would refuse it)."""
        if isinstance(b, Variable):
            from .numpy import dot

            return dot(self, b)
        return np.ndarray.dot(self, b, out)

    def block_until_ready(self) -> "Array":
        """NumPy computes eagerly: the value is already there (JAX's timing idiom runs as is)."""
        return self


def as_array(x) -> Array:
    """``x`` as an ``Array`` (a view when it is already an ndarray; scalars become 0-d)."""
    return np.asarray(x).view(Array)


def device_put(x, device=None, *, may_alias=None, donate=None):
    """``jax.device_put``: on minigrad's host arrays the identity (as an ``Array``); a JAX
    array, or any pytree holding one, goes to ``jax.device_put`` (with ``device``)."""
    jax = sys.modules.get("jax")
    if jax is not None and any(isinstance(leaf, jax.Array) for leaf in flatten(x)[0]):
        return jax.device_put(x, device)
    return tree_map(lambda leaf: leaf if isinstance(leaf, Variable) else as_array(leaf), x)


def block_until_ready(x):
    """``jax.block_until_ready``: waits for JAX arrays in the pytree ``x``; returns ``x``."""
    jax = sys.modules.get("jax")
    return x if jax is None else jax.block_until_ready(x)
