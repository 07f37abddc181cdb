"""Side-by-side timing: every candidate is timed in each round, so drift hits all alike."""

from __future__ import annotations

import gc
import statistics
import time
from typing import Callable


def calls_per_sample(fn: Callable[[], object], min_time: float) -> int:
    """How many calls make one sample last at least ``min_time`` seconds (at least one)."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time or number >= 1_000_000:
            return number
        number = max(number * 2, int(number * min_time / max(elapsed, 1e-9)) + 1)


def measure(fns: dict[str, Callable[[], object]], repeats: int, warmup: int = 1,
            min_time: float = 0.0) -> dict[str, float]:
    """Median seconds per call of each function, over ``repeats`` interleaved rounds."""
    return {name: statistics.median(s) for name, s in samples(fns, repeats, warmup, min_time).items()}


def samples(fns: dict[str, Callable[[], object]], repeats: int, warmup: int = 1,
            min_time: float = 0.0) -> dict[str, list[float]]:
    """Seconds per call of each function in each of ``repeats`` interleaved rounds.

    Each function first runs ``warmup`` times (imports, caches, allocator), then gets a
    call count so that one sample lasts ``min_time``; every round times each function
    once, in turn, after a garbage collection.  Entry ``k`` of every list comes from the
    same round, so ratios of two functions can be taken round by round.

    The order rotates from round to round: whoever runs right after a multi-threaded peer
    (PyTorch's and XLA's worker threads spin for a while after their work, on a machine
    of two cores) is a different function each round, not always the same one.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    numbers = {name: calls_per_sample(fn, min_time) for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for r in range(repeats):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            fn, number = fns[name], numbers[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(number):
                fn()
            times[name].append((time.perf_counter() - start) / number)
    return times


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """First quartile, median and third quartile (all three the value itself for one value)."""
    q1, median, q3 = statistics.quantiles(values, n=4) if len(values) > 1 else values * 3
    return q1, median, q3


def fmt_seconds(t: float) -> str:
    """A duration with a unit that keeps three significant figures readable."""
    if t >= 1.0:
        return f"{t:8.3f} s "
    if t >= 1e-3:
        return f"{t * 1e3:8.3f} ms"
    return f"{t * 1e6:8.3f} us"
