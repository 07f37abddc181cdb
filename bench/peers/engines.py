"""The engines a scalar function runs on, each called its own way, built from one definition.

A benchmarked scalar function is written once as ``f(ns, *args)``, where ``ns`` supplies
the elementary functions (``tanh``, ``sin``, ``log``): ``minigrad.numpy``, ``math``,
``autograd.numpy``, ``torch``, ``jax.numpy`` or ``MicrogradOps``.  The builders below turn it
into zero-argument callables that return each engine's gradient (or JVP), so every engine
differentiates literally the same expression.  Peers are optional: ``add_peers`` skips a
missing package with a note.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import minigrad as mg
import minigrad.numpy as mnp

Engine = Callable[[], Any]
# (label, module that must import, builder(problem, compile_times) -> engine)
PeerTable = list[tuple[str, str, Callable[..., Engine]]]


def optional(name: str) -> ModuleType | None:
    """The module, or None when it is not installed (or hidden, as the smoke test does)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# what a reader of the report must know about how a peer was run
PEER_NOTES = {"micrograd": "micrograd: its Value has no tanh, sin or log; they were added in its own "
                           "style (bench/peers/engines.py), and the recursion limit is raised only "
                           "around its backward() (a recursive topological sort). Its graph is cyclic "
                           "garbage, so its time depends on the collector's state: in this process "
                           "(JAX and PyTorch imported, their objects frozen) it has measured up to "
                           "twice its time in a process of its own; bench/README.md gives that "
                           "comparison and the instruction counts"}


def add_peers(engines: dict[str, Engine], notes: list[str], table: PeerTable, *args: Any) -> None:
    """Build each peer of ``table`` whose package imports; note the ones that do not."""
    for label, module, build in table:
        if optional(module) is None:
            notes.append(f"{label}: skipped ({module} not installed)")
            continue
        engines[label] = build(*args)
        if module in PEER_NOTES and PEER_NOTES[module] not in notes:
            notes.append(PEER_NOTES[module])


@contextlib.contextmanager
def recursion_limit(limit: int) -> Iterator[None]:
    """micrograd's ``backward`` sorts the graph by recursion, one frame per node of depth."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def compiled(jitted: Callable, args: tuple, compile_times: dict[str, float], label: str) -> Callable:
    """``jitted`` traced and compiled ahead for ``args``; the compile time goes to ``compile_times``."""
    start = time.perf_counter()
    exe = jitted.lower(*args).compile()
    compile_times[label] = time.perf_counter() - start
    return exe


class MicrogradOps:
    """micrograd 0.1.0's ``Value`` has no tanh, sin or log: added here in its own style."""

    def __init__(self) -> None:
        self.Value = importlib.import_module("micrograd.engine").Value

    def _unary(self, v: Any, value: float, slope: float, op: str) -> Any:
        out = self.Value(value, (v,), op)

        def _backward() -> None:
            v.grad += slope * out.grad
        out._backward = _backward
        return out

    def tanh(self, v: Any) -> Any:
        t = math.tanh(v.data)
        return self._unary(v, t, 1.0 - t * t, "tanh")

    def sin(self, v: Any) -> Any:
        return self._unary(v, math.sin(v.data), math.cos(v.data), "sin")

    def log(self, v: Any) -> Any:
        return self._unary(v, math.log(v.data), 1.0 / v.data, "log")


@dataclass
class ScalarProblem:
    """``f(ns, *point)`` with a tangent for the JVP and its node count (micrograd's recursion depth)."""

    f: Callable[..., Any]
    point: tuple[float, ...]
    tangent: tuple[float, ...]
    nodes: int

    def on(self, ns: Any) -> Callable[..., Any]:
        return functools.partial(self.f, ns)

    @property
    def argnums(self) -> tuple[int, ...]:
        return tuple(range(len(self.point)))


# ---- gradients -------------------------------------------------------------------------

def minigrad_grad(p: ScalarProblem) -> Engine:
    g = mg.grad(p.on(mnp), argnums=p.argnums)
    return lambda: g(*p.point)


def float_eval(p: ScalarProblem) -> Engine:
    """Plain evaluation on Python floats with ``math``: the floor no tracer can beat."""
    f = p.on(math)
    return lambda: f(*p.point)


def micrograd_grad(p: ScalarProblem) -> Engine:
    ops = MicrogradOps()

    def run() -> tuple[float, ...]:
        xs = [ops.Value(v) for v in p.point]
        out = p.f(ops, *xs)
        with recursion_limit(2 * p.nodes + 1000):
            out.backward()
        return tuple(x.grad for x in xs)
    return run


def autograd_grad(p: ScalarProblem) -> Engine:
    ag = importlib.import_module("autograd")
    g = ag.grad(p.on(importlib.import_module("autograd.numpy")), argnum=p.argnums)
    return lambda: g(*p.point)


def torch_grad(p: ScalarProblem) -> Engine:
    torch = importlib.import_module("torch")

    def run() -> tuple[Any, ...]:
        xs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in p.point]
        return torch.autograd.grad(p.f(torch, *xs), xs)
    return run


def _jax_point(p: ScalarProblem) -> tuple[Any, ...]:
    jnp = importlib.import_module("jax.numpy")
    return tuple(jnp.float64(v) for v in p.point)


def jax_grad(p: ScalarProblem) -> Engine:
    jax = importlib.import_module("jax")
    g, xs = jax.grad(p.on(jax.numpy), argnums=p.argnums), _jax_point(p)
    return lambda: jax.block_until_ready(g(*xs))


def jax_jit_grad(p: ScalarProblem, compile_times: dict[str, float]) -> Engine:
    jax = importlib.import_module("jax")
    xs = _jax_point(p)
    g = compiled(jax.jit(jax.grad(p.on(jax.numpy), argnums=p.argnums)), xs, compile_times, "JAX jit(grad)")
    return lambda: jax.block_until_ready(g(*xs))


MICROGRAD = ("micrograd (Value)", "micrograd", micrograd_grad)
AUTOGRAD = ("autograd (HIPS)", "autograd", autograd_grad)
TORCH = ("PyTorch eager", "torch", torch_grad)
JAX = ("JAX grad, no jit", "jax", jax_grad)


# ---- forward mode ----------------------------------------------------------------------

def minigrad_jvp(p: ScalarProblem) -> Engine:
    f = p.on(mnp)
    return lambda: mg.jvp(f, p.point, p.tangent)[1]


def minigrad_reverse_directional(p: ScalarProblem) -> Engine:
    """The same directional derivative from minigrad's reverse sweep: gradient . tangent."""
    grad = minigrad_grad(p)
    return lambda: sum(g * t for g, t in zip(grad(), p.tangent))


def autograd_jvp(p: ScalarProblem) -> Engine:
    """HIPS autograd's forward mode (``make_jvp``: JVP rules, not the reverse-of-reverse trick)."""
    ag = importlib.import_module("autograd")
    jvp_at = ag.make_jvp(p.on(importlib.import_module("autograd.numpy")), argnum=p.argnums)
    return lambda: jvp_at(*p.point)(p.tangent)[1]


def torch_jvp(p: ScalarProblem) -> Engine:
    torch = importlib.import_module("torch")
    xs = tuple(torch.tensor(v, dtype=torch.float64) for v in p.point)
    ts = tuple(torch.tensor(v, dtype=torch.float64) for v in p.tangent)
    f = p.on(torch)
    return lambda: torch.func.jvp(f, xs, ts)[1]


def jax_jvp(p: ScalarProblem) -> Engine:
    jax = importlib.import_module("jax")
    xs, ts = _jax_point(p), tuple(jax.numpy.float64(v) for v in p.tangent)
    f = p.on(jax.numpy)
    return lambda: jax.block_until_ready(jax.jvp(f, xs, ts)[1])
