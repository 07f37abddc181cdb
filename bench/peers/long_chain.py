"""A chain of 10^6 scalar operations (x <- sin x): depth, not width, is what this stresses.

minigrad must differentiate it at Python's default recursion limit; micrograd's recursive
topological sort needs the limit raised.  Peers take tens of seconds here, so each engine
runs once, the checked call being the timed one.  Memory per node is measured for minigrad
in a separate, untimed run under tracemalloc (which slows every allocation).
"""

from __future__ import annotations

import math
import sys
import tracemalloc
from typing import Any

from . import engines as E
from .section import Goal, Section

X0 = 1.0
MINIGRAD = "minigrad (record + reverse sweep)"


def sin_chain(ns: Any, x: Any, n: int) -> Any:
    for _ in range(n):
        x = ns.sin(x)
    return x


def sin_chain_derivative(x: float, n: int) -> float:
    """d/dx of the n-fold sine: the product of cos over the chain's inputs."""
    d = 1.0
    for _ in range(n):
        d *= math.cos(x)
        x = math.sin(x)
    return d


def peak_bytes(engine: E.Engine) -> int:
    """Peak bytes traced by tracemalloc during one call (Python allocations only)."""
    tracemalloc.start()
    try:
        engine()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def long_chain_section(n: int) -> Section:
    p = E.ScalarProblem(lambda ns, x: sin_chain(ns, x, n), (X0,), (1.0,), nodes=n)
    notes = [(f"minigrad runs at the default recursion limit ({sys.getrecursionlimit()}); every "
              "peer runs once (the checked call is the timed one), the floor likewise; minigrad "
              "runs three times: the median is shown, and the goal counts as met only if every "
              "call meets it"),
             "JAX without jit: skipped (about 1 ms per scalar operation)"]
    engines = {MINIGRAD: E.minigrad_grad(p)}
    E.add_peers(engines, notes, [E.MICROGRAD, E.TORCH, E.AUTOGRAD], p)
    engines["pure Python floats, math.sin (floor)"] = E.float_eval(p)
    goals = [Goal("chain of 10^6 operations, minigrad gradient in seconds", MINIGRAD, None, 3.0)] \
        if n == 10**6 else []
    return Section(f"Chain of {n:,} scalar operations (x <- sin x): gradient",
                   engines, (sin_chain_derivative(X0, n),), MINIGRAD,
                   floor="pure Python floats, math.sin (floor)", per=(n, "node"), repeats=1,
                   reference_calls=3,
                   may_fail={"micrograd (Value)"}, notes=notes, goals=goals,
                   extra=[memory_line(engines[MINIGRAD], n)])


def memory_line(engine: E.Engine, nodes: int) -> str:
    """minigrad's tracemalloc peak over one gradient call, per node (an untimed run of its own)."""
    peak = peak_bytes(engine)
    return (f"minigrad memory: tracemalloc peak {peak / 2**20:.1f} MiB over one gradient call, "
            f"{peak / nodes:.0f} bytes per node (separate untimed run; Python allocations only)")
