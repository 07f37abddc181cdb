"""Many points at once: a vmap split across every local device with ``jax.sharding``.

The same code runs on one CPU, on a host with several GPUs, and in tests on a CPU that
pretends to be several devices (``XLA_FLAGS=--xla_force_host_platform_device_count=4``).
Across processes and hosts (``jax.distributed.initialize`` called first, JAX's own
multi-host runtime), ``check_gradients_at`` gives each process its share of the points
and gathers the verdicts, so every process returns the report of all of them.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from types import MethodType
from typing import Callable, Sequence

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

import minigrad

from .device import precision


def sharded_vmap(fn: Callable, *batched: np.ndarray):
    """``jax.vmap(fn)`` over the leading axis of every argument, the batch split across all
    local devices (padded to a multiple of the device count, the padding dropped again)."""
    return _run_sharded(_compiled(fn, "vmap", _jit_vmap), batched)


def _run_sharded(compiled: Callable, batched: Sequence[np.ndarray]):
    """``compiled`` (a jitted vmap) on ``batched``, padded and split across the local devices."""
    devices = jax.local_devices()
    size = len(batched[0])
    if any(len(b) != size for b in batched):
        raise ValueError(f"sharded_vmap: every argument needs the same batch length, got "
                         f"{[len(b) for b in batched]}")
    padded = -(-size // len(devices)) * len(devices)
    sharding = NamedSharding(Mesh(np.array(devices), ("batch",)), PartitionSpec("batch"))
    args = [jax.device_put(np.concatenate([b, np.repeat(b[-1:], padded - size, axis=0)]), sharding)
            for b in map(np.asarray, batched)]
    out = compiled(*args)
    return jax.tree_util.tree_map(lambda o: o[:size], out)


def _jit_vmap(fn: Callable) -> Callable:
    return jax.jit(jax.vmap(fn))


# fn -> {key: compiled}: one compiled vmap per function, so that checking the same function
# again (as a property-based test does, example after example) reuses the compiled code.
_COMPILED: "weakref.WeakKeyDictionary[Callable, dict]" = weakref.WeakKeyDictionary()


def _compiled(fn: Callable, key, build: Callable[[Callable], Callable]) -> Callable:
    """``build(fn)``, once per live ``fn`` and ``key``, held without keeping ``fn`` alive.

    The cache holds ``fn`` weakly and the compiled function reaches it through a weak
    reference, so a closure or bound method over a model's data is freed with its last
    user reference (issue 13, item 3).  A callable that cannot be hashed (a class that
    defines ``__eq__`` alone) or weakly referenced is compiled afresh each time.
    """
    try:
        per_fn = _COMPILED.get(fn)
        if per_fn is None:
            per_fn = _COMPILED[fn] = {}
    except TypeError:
        return build(fn)
    compiled = per_fn.get(key)
    if compiled is None:
        ref = weakref.WeakMethod(fn) if isinstance(fn, MethodType) else weakref.ref(fn)

        def call(*args):
            return ref()(*args)

        compiled = per_fn[key] = build(call)
    return compiled


@dataclass
class BatchReport:
    """Gradients at many points: JAX (sharded) against minigrad (point by point)."""

    points: int
    devices: int
    max_abs_error: float
    ok: bool
    jax_seconds: float
    minigrad_seconds: float
    processes: int = 1

    def __str__(self) -> str:
        where = f" in {self.processes} processes" if self.processes > 1 else ""
        return (f"{self.points} points on {self.devices} device(s){where}: max |jax - minigrad| = "
                f"{self.max_abs_error:.2e} ({'agree' if self.ok else 'DISAGREE'}); "
                f"jax {self.points / self.jax_seconds:,.0f} points/s, "
                f"minigrad {self.points / self.minigrad_seconds:,.0f} points/s")


def check_gradients_at(f: Callable, points: Sequence[np.ndarray], rtol: float = 1e-10,
                       atol: float = 1e-12) -> BatchReport:
    """Compare ``grad`` of ``f`` (all positional arguments) at many points.

    ``points[i]`` holds the values of argument i at every point (leading axis = points).
    JAX computes all points in one sharded, jitted vmap in float64; minigrad one by one.
    In a multi-process JAX run every process passes the same points and checks its share;
    the report (the same in every process) covers them all.
    """
    processes = jax.process_count()
    if processes > 1:
        share = np.array_split(np.arange(len(points[0])), processes)[jax.process_index()]
        local = _check_local(f, [np.asarray(p)[share] for p in points], rtol, atol)
        return _gathered(local, processes)
    return _check_local(f, points, rtol, atol)


def _gathered(local: BatchReport, processes: int) -> BatchReport:
    """Every process's verdict, gathered over JAX's collectives (gloo on CPUs)."""
    from jax.experimental import multihost_utils

    mine = np.array([local.points, local.devices, local.max_abs_error, local.ok,
                     local.jax_seconds, local.minigrad_seconds], dtype=np.float64)
    rows = np.asarray(multihost_utils.process_allgather(mine)).reshape(processes, -1)
    return BatchReport(int(rows[:, 0].sum()), int(rows[:, 1].sum()), float(rows[:, 2].max()),
                       bool(rows[:, 3].all()), float(rows[:, 4].max()), float(rows[:, 5].max()),
                       processes)


def _check_local(f: Callable, points: Sequence[np.ndarray], rtol: float, atol: float) -> BatchReport:
    if len(points[0]) == 0:  # more processes than points: nothing here
        return BatchReport(0, len(jax.local_devices()), 0.0, True, 0.0, 0.0)
    argnums = tuple(range(len(points)))
    with precision():
        start = time.perf_counter()
        compiled = _compiled(f, argnums, lambda fn: _jit_vmap(jax.grad(fn, argnums)))
        theirs = _run_sharded(compiled, points)
        theirs = np.stack([np.asarray(t) for t in theirs], axis=-1)
        jax_seconds = time.perf_counter() - start
    start = time.perf_counter()
    ours = np.array([np.stack([np.asarray(g) for g in minigrad.grad(f, argnums)(*args)], axis=-1)
                     for args in zip(*points)])
    minigrad_seconds = time.perf_counter() - start
    err = float(np.max(np.abs(theirs - ours))) if ours.size else 0.0
    ok = bool(np.allclose(ours, theirs, rtol=rtol, atol=atol))
    return BatchReport(len(points[0]), len(jax.local_devices()), err, ok, jax_seconds, minigrad_seconds)
