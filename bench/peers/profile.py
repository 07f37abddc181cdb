"""Where minigrad's time goes: cProfile's top entries by own time, and own time per source file.

Grouping by file rather than by function name keeps this true while the engine's internals
are renamed; cProfile's per-call overhead inflates small functions, so shares are indicative.
"""

from __future__ import annotations

import cProfile
import os
import pstats
from collections import defaultdict

from .engines import Engine


def _where(file: str, line: int, func: str) -> str:
    if file == "~":  # a builtin
        return func
    return f"{os.path.join(*file.split(os.sep)[-2:])}:{line} {func}"


def profile_lines(engine: Engine, title: str, calls: int = 3, top: int = 12) -> list[str]:
    """Markdown: the ``top`` functions by own time over ``calls`` calls, then the split by file."""
    engine()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        engine()
    prof.disable()
    stats = pstats.Stats(prof).stats  # (file, line, func) -> (cc, ncalls, tottime, cumtime, callers)
    total = sum(tt for _, _, tt, _, _ in stats.values()) or 1.0
    rows = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    lines = [f"## Where minigrad's time goes: {title}", "",
             (f"cProfile over {calls} calls, top {top} functions by own time "
              "(profiler overhead inflates small functions; shares are indicative)."), "",
             "| function | calls per gradient | own time share | cumulative share |", "|---|---:|---:|---:|"]
    for (file, line, func), (_, ncalls, tt, ct, _) in rows:
        lines.append(f"| `{_where(file, line, func)}` | {ncalls // calls:,} | "
                     f"{100 * tt / total:.1f}% | {100 * ct / total:.1f}% |")
    by_file: dict[str, float] = defaultdict(float)
    for (file, _, _), (_, _, tt, _, _) in stats.items():
        by_file["builtins" if file == "~" else os.path.basename(file)] += tt
    split = sorted(by_file.items(), key=lambda kv: kv[1], reverse=True)[:8]
    lines += ["", "Own time by source file: " + ", ".join(f"{f} {100 * t / total:.0f}%" for f, t in split) + "."]
    return lines
