"""JAX's functional index updates, ``x.at[idx].set(y)`` and its siblings.

``x.at[idx]`` names positions; each method returns a new array (``x`` is never changed),
as ``x[idx] = y``, ``x[idx] += y``... would have.  Every method is the table's ``scatter``
entry (or ``take``, a getitem, for ``get``), so on traced values it is recorded,
differentiated, tabled and drawn like any operation; on plain values it is evaluated.
``divide`` and ``power`` are JAX's own compositions: ``x / ones.at[idx].multiply(y)``.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import indexing as I
from . import primitives as P
from .graph import Variable, concrete


class IndexUpdateHelper:
    """What ``x.at`` returns: index it, ``x.at[idx]``, to choose the positions."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index) -> "IndexUpdateRef":
        return IndexUpdateRef(self.array, P._plain_index(index))

    def __repr__(self) -> str:
        return f"IndexUpdateHelper({self.array!r})"


def _result(out):
    """A plain result is an ``Array`` (so ``.at`` chains), a traced one stays a variable."""
    if type(out) is np.ndarray:
        from .array import Array

        return out.view(Array)
    return out


class IndexUpdateRef:
    """``x.at[idx]``: the methods below apply one update there.  ``mode`` says what an
    index out of bounds does (JAX's modes: ``"drop"``, the default of updates, ignores
    it; ``"clip"`` clamps it; ``"fill"``, for ``get``, reads ``fill_value``).
    ``indices_are_sorted`` and ``unique_indices`` are accepted for JAX's signature: they
    only promise what NumPy does not need to know."""

    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array = array
        self.index = index

    def __repr__(self) -> str:
        return f"IndexUpdateRef({self.array!r}, {self.index!r})"

    def _scatter(self, values, op: str, mode, name: str):
        mode = I.check_mode(mode, name)
        return _result(P.scatter(self.array, values, index=self.index, op=op, mode=mode))

    def get(self, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None, fill_value: Any = None):
        """``x[idx]``; out of bounds: clamped by default, ``fill_value`` (nan) with ``"fill"``."""
        mode = I.check_mode(mode, "get")
        if fill_value is None:
            kind = np.result_type(concrete(self.array)).kind
            fill_value = np.nan if kind in "fc" else (False if kind == "b" else np.iinfo(
                np.result_type(concrete(self.array))).min if kind == "i" else 0)
        return _result(P.take(self.array, index=self.index, mode=mode, fill_value=fill_value))

    def set(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None):
        """``x[idx] = values``; where an index repeats, the last update wins (as NumPy)."""
        return self._scatter(values, "set", mode, "set")

    def add(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None):
        """``x[idx] += values``, repeated indices adding up (``np.add.at``)."""
        return self._scatter(values, "add", mode, "add")

    def subtract(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
                 mode: str | None = None):
        """``x[idx] -= values``."""
        return self._scatter(P.neg(values), "add", mode, "subtract")

    def multiply(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
                 mode: str | None = None):
        """``x[idx] *= values``; differentiable in ``values`` where indices do not repeat."""
        return self._scatter(values, "mul", mode, "multiply")

    mul = multiply

    def divide(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
               mode: str | None = None):
        """``x[idx] /= values``, as JAX computes it: ``x / ones.at[idx].multiply(values)``."""
        ones = _ones(self.array)
        return _result(P.truediv(self.array, IndexUpdateRef(ones, self.index).multiply(values, mode=mode)))

    def power(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
              mode: str | None = None):
        """``x[idx] **= values``, as JAX computes it: ``x ** ones.at[idx].multiply(values)``."""
        ones = _ones(self.array)
        return _result(P.power(self.array, IndexUpdateRef(ones, self.index).multiply(values, mode=mode)))

    def min(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None):
        """``x[idx] = minimum(x[idx], values)``; ties share the derivative equally (JAX)."""
        return self._scatter(values, "min", mode, "min")

    def max(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None):
        """``x[idx] = maximum(x[idx], values)``; ties share the derivative equally (JAX)."""
        return self._scatter(values, "max", mode, "max")

    def apply(self, func: Callable, *, indices_are_sorted: bool = False,
              unique_indices: bool = False, mode: str | None = None):
        """``x[idx] = func(x[idx])``, applied once per position even where an index repeats."""
        mode = I.check_mode(mode, "apply")
        picked = P.take(self.array, index=self.index, mode="clip")
        return self._scatter(func(picked), "set", mode, "apply")


def _ones(x):
    return np.ones(np.shape(concrete(x)), np.result_type(concrete(x)))


def at(self) -> IndexUpdateHelper:
    """``x.at[idx].set(y)`` and the other functional updates (JAX's ``.at``)."""
    return IndexUpdateHelper(self)


Variable.at = property(at)
