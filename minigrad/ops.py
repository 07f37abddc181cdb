"""``minigrad.ops``: JAX's old functional updates (``jax.ops.index_update(x, index[:, 0], y)``),
removed from JAX in 0.3.2 but still in tutorials; each is the ``.at`` method it became."""

from __future__ import annotations

import numpy as np

from .numpy import asarray

index = np.index_exp  # index[:, 0] is (slice(None), 0), as jax.ops.index made it

__all__ = ["index", "index_update", "index_add", "index_mul", "index_min", "index_max"]


def index_update(x, idx, y, indices_are_sorted: bool = False, unique_indices: bool = False):
    """``x.at[idx].set(y)``."""
    return asarray(x).at[idx].set(y)


def index_add(x, idx, y, indices_are_sorted: bool = False, unique_indices: bool = False):
    """``x.at[idx].add(y)``."""
    return asarray(x).at[idx].add(y)


def index_mul(x, idx, y, indices_are_sorted: bool = False, unique_indices: bool = False):
    """``x.at[idx].multiply(y)``."""
    return asarray(x).at[idx].multiply(y)


def index_min(x, idx, y, indices_are_sorted: bool = False, unique_indices: bool = False):
    """``x.at[idx].min(y)``."""
    return asarray(x).at[idx].min(y)


def index_max(x, idx, y, indices_are_sorted: bool = False, unique_indices: bool = False):
    """``x.at[idx].max(y)``."""
    return asarray(x).at[idx].max(y)
