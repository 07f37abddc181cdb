"""Scalar workloads: the residual chain's gradient and JVP at 10^3..10^5 nodes, the log-normal
gradient.  Per-node overhead is all there is to measure here: every node is one float.
"""

from __future__ import annotations

import math
from typing import Any

from ..workloads import NODES_PER_BLOCK, residual_chain, residual_chain_derivative
from . import engines as E
from .section import Goal, Section

X0, W0 = 1.0, 0.05        # the chain's point, as in workloads.scalar_chain
TANGENT = (1.0, 0.5)      # the JVP's direction: both inputs move
JAX_MAX_NODES = 10_000    # JAX without jit costs ~1 ms per scalar op: 10^5 nodes would take minutes
HEAVY_NODES = 100_000     # from here, fewer timing rounds (peers take seconds per call)
LOG_2PI = math.log(2 * math.pi)


def chain(ns: Any, x: Any, w: Any, blocks: int) -> Any:
    return residual_chain(x, w, blocks, ns=ns)


def chain_problem(blocks: int) -> E.ScalarProblem:
    return E.ScalarProblem(lambda ns, x, w: chain(ns, x, w, blocks), (X0, W0), TANGENT,
                           NODES_PER_BLOCK * blocks)


def _jax_peers(p: E.ScalarProblem, notes: list[str], entry: tuple) -> list[tuple]:
    """``[entry]`` (JAX without jit) up to JAX_MAX_NODES, else nothing and a note saying why."""
    notes.append("JAX with jit: not timed on the unrolled chain (compiling thousands of unrolled "
                 "scalar operations takes longer than the whole run)")
    if p.nodes <= JAX_MAX_NODES:
        return [entry]
    notes.append(f"JAX without jit: skipped above {JAX_MAX_NODES:,} nodes (about 1 ms per scalar "
                 "operation: minutes per call)")
    return []


def _heavy(nodes: int) -> bool:
    return nodes >= HEAVY_NODES


def chain_grad_section(blocks: int, heavy_repeats: int) -> Section:
    """Record + reverse sweep on the residual chain; goal at 10^4 nodes: <= 0.7 x micrograd."""
    p = chain_problem(blocks)
    notes: list[str] = []
    engines = {"minigrad (record + reverse sweep)": E.minigrad_grad(p)}
    E.add_peers(engines, notes, [E.MICROGRAD, E.AUTOGRAD, E.TORCH, *_jax_peers(p, notes, E.JAX)], p)
    engines["pure Python floats, math.tanh (floor)"] = E.float_eval(p)
    goals = [Goal("scalar graph 10^4 nodes, minigrad / micrograd", "minigrad (record + reverse sweep)",
                  "micrograd (Value)", 0.7)] if p.nodes == 10_000 else []
    return Section(
        f"Scalar residual chain, {p.nodes:,} nodes: gradient (d/dx, d/dw)",
        engines, residual_chain_derivative(X0, W0, blocks)[1], "minigrad (record + reverse sweep)",
        floor="pure Python floats, math.tanh (floor)", per=(p.nodes, "node"),
        repeats=heavy_repeats if _heavy(p.nodes) else None, notes=notes, goals=goals)


def chain_jvp_section(blocks: int, heavy_repeats: int) -> Section:
    """Forward mode on the same graph against minigrad's own reverse sweep (goal: <= 1.0x)."""
    p = chain_problem(blocks)
    notes = [(f"every row computes the directional derivative along (dx, dw) = {TANGENT}; the "
              "reverse row forms gradient . tangent; micrograd has no forward mode")]
    reverse = "minigrad reverse sweep (gradient . tangent)"
    engines = {reverse: E.minigrad_reverse_directional(p),
               "minigrad jvp (record + forward sweep)": E.minigrad_jvp(p)}
    jax = _jax_peers(p, notes, ("JAX jvp, no jit", "jax", E.jax_jvp))
    E.add_peers(engines, notes, [("autograd make_jvp (forward mode)", "autograd", E.autograd_jvp),
                                 ("torch.func.jvp", "torch", E.torch_jvp), *jax], p)
    dx, dw = residual_chain_derivative(X0, W0, blocks)[1]
    goals = [Goal("forward-mode jvp 10^4 nodes / minigrad's reverse sweep",
                  "minigrad jvp (record + forward sweep)", reverse, 1.0)] if p.nodes == 10_000 else []
    return Section(f"Scalar residual chain, {p.nodes:,} nodes: forward-mode JVP",
                   engines, dx * TANGENT[0] + dw * TANGENT[1], reverse, per=(p.nodes, "node"),
                   repeats=heavy_repeats if _heavy(p.nodes) else None, notes=notes, goals=goals)


def lognormal(ns: Any, y: Any, mu: Any, sigma: Any) -> Any:
    """log N(y | mu, sigma), as ``minigrad.examples.lognormal`` (its constant term folded)."""
    return -0.5 * ((y - mu) / sigma) ** 2 - ns.log(sigma) - 0.5 * LOG_2PI


def lognormal_gradient(y: float, mu: float, sigma: float) -> tuple[float, float, float]:
    r = (y - mu) / sigma
    return -r / sigma, r / sigma, r * r / sigma - 1.0 / sigma


def lognormal_section() -> Section:
    """A ten-node function: what one call costs each engine, fixed overheads included."""
    p = E.ScalarProblem(lognormal, (1.5, 0.0, 2.0), (1.0, 0.0, 0.0), nodes=10)
    notes: list[str] = []
    engines = {"minigrad (record + reverse sweep)": E.minigrad_grad(p)}
    E.add_peers(engines, notes, [E.MICROGRAD, E.AUTOGRAD, E.TORCH, E.JAX], p)
    compile_times: dict[str, float] = {}
    if "JAX grad, no jit" in engines:
        engines["JAX jit(grad), compiled"] = E.jax_jit_grad(p, compile_times)
    engines["pure Python floats, math.log (floor)"] = E.float_eval(p)
    return Section("Log-normal density: gradient (d/dy, d/dmu, d/dsigma) at (1.5, 0, 2)",
                   engines, lognormal_gradient(*p.point), "minigrad (record + reverse sweep)",
                   floor="pure Python floats, math.log (floor)", notes=notes, compile_times=compile_times)
