"""One comparison: engines computing the same thing, checked against a hand-derived result,
then timed side by side.

A benchmark of a wrong derivative is worthless, so ``run_section`` calls every engine once
and compares its result with the section's hand-derived ``expected`` before any timing; a
disagreement (or an engine that raises) fails the section, which is then not timed.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import checks
from ..timing import samples
from .engines import Engine

RTOL = 1e-8


@dataclass
class Goal:
    """A target of the issue: ``engine``'s time over ``over``'s (or in seconds) at most
    ``limit``; with ``difference``, ``engine``'s time minus ``over``'s, in microseconds."""

    text: str
    engine: str
    over: str | None
    limit: float
    difference: bool = False


@dataclass
class Section:
    title: str
    engines: dict[str, Engine]
    expected: Any          # hand-derived result, as a pytree of floats / arrays
    reference: str         # minigrad's engine: ratios are to its time
    floor: str | None = None  # plain evaluation, timed for scale and never checked
    per: tuple[int, str] | None = None  # (count, unit): adds a time-per-unit column
    repeats: int | None = None  # None: the run's default; 1: the checked call is the timed one
    reference_calls: int = 1  # with repeats == 1: timed calls of minigrad (peers run once)
    may_fail: set[str] = field(default_factory=set)  # peers whose exception is only a note
    notes: list[str] = field(default_factory=list)
    compile_times: dict[str, float] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)  # lines after the table (memory, ...)
    goals: list[Goal] = field(default_factory=list)


@dataclass
class Outcome:
    section: Section
    times: dict[str, float]  # median seconds per call
    checks: list[tuple[str, bool, str]]
    repeats: int
    rounds: dict[str, list[float]] = field(default_factory=dict)  # seconds per call, round by round

    @property
    def ok(self) -> bool:
        return all(passed for _, passed, _ in self.checks)


def as_numpy(tree: Any) -> Any:
    """A result of any engine (torch tensors, JAX arrays, floats) as NumPy float64 leaves."""
    if isinstance(tree, dict):
        return {k: as_numpy(v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return tuple(as_numpy(v) for v in tree)
    if hasattr(tree, "detach"):  # torch
        tree = tree.detach().numpy()
    return np.asarray(tree, dtype=np.float64)


def normwise_error(got: Any, want: Any) -> float:
    """Largest max|got - want| / max|want| over the leaves; inf when the structures differ.

    Normwise, because entries of A @ v or of a gradient may sit near zero, where an
    elementwise relative error measures only rounding.
    """
    a, b = checks.leaves(as_numpy(got)), checks.leaves(as_numpy(want))
    if len(a) != len(b) or any(x.shape != y.shape for x, y in zip(a, b)):
        return float("inf")
    worst = 0.0
    for x, y in zip(a, b):
        scale = max(float(np.max(np.abs(y), initial=0.0)), 1e-300)
        worst = max(worst, float(np.max(np.abs(x - y), initial=0.0)) / scale)
    return worst


def _timed_call(fn: Engine) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_section(s: Section, repeats: int, min_time: float) -> Outcome:
    """Check every engine against ``s.expected`` (and note its distance to minigrad), then time.

    The checking call is each engine's warm-up; with ``s.repeats == 1`` it is also the
    timed one (for runs of many seconds).
    """
    repeats = s.repeats or repeats
    results: dict[str, Any] = {}
    first: dict[str, float] = {}
    out: list[tuple[str, bool, str]] = []
    for name, fn in s.engines.items():
        try:
            first[name], result = _timed_call(fn)
        except Exception as exc:  # noqa: BLE001 -- a crash is a finding: report it, do not abort the run
            message = f"raised {type(exc).__name__}: {str(exc)[:120]}"
            if name in s.may_fail:
                s.notes.append(f"{name}: not timed, {message}")
            else:
                out.append((name, False, message))
            continue
        if name != s.floor:
            results[name] = result
    mine = results.get(s.reference)
    for name, got in results.items():
        err = normwise_error(got, s.expected)
        detail = f"rel err {err:.1e} vs hand-derived"
        if mine is not None and name != s.reference:
            detail += f", {normwise_error(got, mine):.1e} vs minigrad"
        out.append((name, err <= RTOL, detail))
    ok = all(passed for _, passed, _ in out)
    timed = {name: s.engines[name] for name in first}
    if not ok:
        rounds: dict[str, list[float]] = {}
    elif repeats == 1:
        rounds = {name: [t] for name, t in first.items()}
        if s.reference in rounds:
            rounds[s.reference] += [_timed_call(s.engines[s.reference])[0]
                                    for _ in range(s.reference_calls - 1)]
    else:
        rounds = samples(timed, repeats=repeats, warmup=0, min_time=min_time)
    times = {name: statistics.median(r) for name, r in rounds.items()}
    return Outcome(s, times, out, repeats, rounds)
