"""The benchmarked functions, written once with operators and ``mnp`` like any user code."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import minigrad.numpy as mnp
from minigrad import examples

NODES_PER_BLOCK = 4  # multiply, tanh, cube, add


def residual_chain(x, w, blocks=2500, ns=mnp):
    """A scalar residual chain: h <- h + tanh(h w)^3, ``blocks`` times, from h = x.

    Each block records four operations (multiply, tanh, cube, add); ``h`` fans out to the
    multiply and the residual add, and ``w`` to every block, so the reverse sweep must
    accumulate adjoints from many uses.  2500 blocks make a graph of 10,000 operations.
    ``ns`` supplies ``tanh``: ``mnp`` by default, ``math`` for the pure-Python floor, or a
    peer's namespace (bench/peers), so every engine runs this one definition.
    """
    h = x
    for _ in range(blocks):
        u = h * w
        t = ns.tanh(u)
        h = h + t ** 3
    return h


def residual_chain_derivative(x, w, blocks=2500):
    """Value and exact (d/dx, d/dw) of ``residual_chain``, by the hand-derived recurrence.

    With t = tanh(h w) and s = 3 t^2 (1 - t^2), one block maps h to h + t^3, so
    dh'/dh = 1 + s w and dh'/dw = s h: a reference independent of any AD engine.
    """
    h, dx, dw = x, 1.0, 0.0
    for _ in range(blocks):
        t = math.tanh(h * w)
        s = 3 * t * t * (1 - t * t)
        h, dx, dw = h + t ** 3, dx * (1 + s * w), dw * (1 + s * w) + s * h
    return h, (dx, dw)


@dataclass
class Workload:
    """One benchmarked function with its arguments, a tangent for the JVP, and a size label."""

    name: str
    size: str
    f: Callable  # f(params) -> scalar; params is a pytree of floats / float arrays
    params: Any
    tangent: Any
    baseline: Callable | None = None  # an optional hand-written evaluation, for context
    baseline_name: str = ""
    reference: Callable | None = None  # params -> (value, exact gradient), hand-derived
    jax_check: bool = True  # whether jax.grad is a practical reference at this size


def scalar_chain(blocks: int, x: float = 1.0, w: float = 0.05) -> Workload:
    def f(p):
        return residual_chain(p[0], p[1], blocks)

    return Workload(
        name="scalar residual chain (Python floats)",
        size=f"{NODES_PER_BLOCK * blocks:,} nodes",
        f=f, params=(x, w), tangent=(1.0, 0.0),
        baseline=lambda p: residual_chain(p[0], p[1], blocks, ns=math),
        baseline_name="pure Python (math.tanh)",
        reference=lambda p: residual_chain_derivative(p[0], p[1], blocks),
        jax_check=blocks <= 250,  # eager JAX takes seconds on thousands of scalar ops
    )


def logistic(n: int, d: int, seed: int = 0) -> Workload:
    X, y, _ = examples.logistic_data(seed, n=n, d=d)
    rng = np.random.default_rng(seed + 1)
    params = {"b0": 0.1, "b1": 0.1 * rng.standard_normal(d)}
    tangent = {"b0": 1.0, "b1": rng.standard_normal(d)}

    def f(p):
        return examples.logistic_loglik(p, X, y)

    return Workload(
        name="logistic regression mean log-likelihood",
        size=f"{n:,} x {d} data",
        f=f, params=params, tangent=tangent,
    )
