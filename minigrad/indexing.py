"""NumPy kernels of JAX's indexed updates (``x.at[idx]``): out-of-bounds modes, scatters.

JAX never raises for an index out of bounds: a scatter drops such updates (``mode="drop"``,
its default), a gather fills them (``mode="fill"``) or clamps them (``"clip"``, and
``"promise_in_bounds"``, which on CPU clamps too).  NumPy raises, so the kernels rewrite the
index first: clamped integers, or out-of-bounds integers sent to one extra padding slot
along their axis, which is gathered as the fill value, or scattered into and cut off.
Slices need nothing: NumPy and JAX both clamp them.
"""

from __future__ import annotations

import numpy as np

MODES = ("drop", "fill", "clip", "promise_in_bounds")
_UFUNCS = {"add": np.add, "mul": np.multiply, "min": np.minimum, "max": np.maximum}


def check_mode(mode, op: str) -> str:
    """``mode`` as a string (None: JAX's default for ``op``), or a one-line error."""
    if mode is None:
        return "promise_in_bounds" if op == "get" else "drop"
    mode = getattr(mode, "name", mode)  # jax.lax.GatherScatterMode members
    name = str(mode).lower()
    name = {"fill_or_drop": "drop", "promise_in_bounds": "promise_in_bounds"}.get(name, name)
    if name not in MODES:
        raise ValueError(f".at[...].{op}: mode={mode!r} is not a mode. Fix: use one of "
                         f"{', '.join(map(repr, MODES))} (or None for JAX's default).")
    return name


def _items(index) -> tuple:
    return index if isinstance(index, tuple) else (index,)


def _axes(items: tuple, ndim: int) -> list:
    """For each item of the index, the axis it starts at (None for None and ...)."""
    used = sum(np.ndim(i) if _is_bool(i) else 1 for i in items if i is not None and i is not Ellipsis)
    axes, axis = [], 0
    for i in items:
        if i is None:
            axes.append(None)
        elif i is Ellipsis:
            axes.append(None)
            axis += ndim - used
        else:
            axes.append(axis)
            axis += np.ndim(i) if _is_bool(i) else 1
    return axes


def _is_bool(i) -> bool:
    return isinstance(i, (bool, np.bool_)) or (isinstance(i, (np.ndarray, list)) and np.asarray(i).dtype == bool)


def _is_int(i) -> bool:
    if isinstance(i, (bool, np.bool_, slice)) or i is None or i is Ellipsis:
        return False
    return np.issubdtype(np.asarray(i).dtype, np.integer)


def normalize(index, shape: tuple, mode: str):
    """``(index, padded)``: an index NumPy accepts, and the axes that need one padding slot
    (out-of-bounds integers sent there, under ``"drop"`` or ``"fill"``)."""
    items = _items(index)
    out, padded = [], []
    for item, axis in zip(items, _axes(items, len(shape))):
        if axis is None or not _is_int(item):
            out.append(item)
            continue
        n = shape[axis]
        i = np.asarray(item)
        bad = (i < -n) | (i >= n)
        if not bad.any():
            out.append(item)
        elif mode in ("clip", "promise_in_bounds"):
            out.append(np.clip(np.where(i < 0, i + n, i), 0, n - 1))
        else:
            out.append(np.where(bad, n, np.where(i < 0, i + n, i)))  # (-1 would read the pad)
            padded.append(axis)
    return tuple(out), padded


def _pad(x, padded: list, value):
    if not padded:
        return x
    widths = [(0, 1 if a in padded else 0) for a in range(np.ndim(x))]
    return np.pad(x, widths, constant_values=value)


def gather(x, index, mode: str, fill_value):
    """``x[index]`` with JAX's handling of indices out of bounds."""
    index, padded = normalize(index, np.shape(x), mode)
    return _pad(np.asarray(x), padded, fill_value)[index]


def valid(shape: tuple, index, mode: str):
    """Where ``x[index]`` reads inside ``x`` (True), for an ``x`` of ``shape``."""
    if mode in ("clip", "promise_in_bounds"):
        return np.ones(np.shape(np.empty(shape, bool)[normalize(index, shape, mode)[0]]), bool)
    return gather(np.ones(shape, bool), index, "fill", False)


def scatter(x, y, index, op: str, mode: str):
    """A copy of ``x`` with ``y`` set (``op="set"``) or combined (add, mul, min, max) at
    ``index``; repeated indices combine, and for ``set`` the last one wins, as in NumPy."""
    x = np.asarray(x)
    index, padded = normalize(index, x.shape, mode)
    out = _pad(x, padded, 0).copy()
    y = np.asarray(y).astype(x.dtype, copy=False)
    if op == "set":
        out[index] = y
    else:  # y broadcast first: ufunc.at of a y that broadcasts over repeated indices applies
        # it once (NumPy 2.4: np.add.at(z, [[0, 0], [0, 0]], [a, b]) adds a + b, not 2a + 2b)
        _UFUNCS[op].at(out, index, np.broadcast_to(y, np.shape(out[index])))
    if padded:
        out = out[tuple(slice(0, n) for n in x.shape)]
    return out


def winners(shape: tuple, index, mode: str):
    """For ``set`` with repeated indices: which of the updates (one per element of
    ``x[index]``) were written last, the only ones whose values reach the result."""
    target = np.shape(np.empty(shape, bool)[normalize(index, shape, "clip")[0]])
    ids = np.arange(int(np.prod(target))).reshape(target)
    written = scatter(np.full(shape, -1), ids, index, "set", mode)
    return gather(written, index, "fill" if mode in ("drop", "fill") else mode, -2) == ids
