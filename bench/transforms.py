"""``python -m bench --transforms``: vmap and checkpoint against their floors (issue 23).

Four workloads, each engine checked against a hand-written NumPy result before it is timed,
every engine in the same interleaved rounds (bench/peers/section.py does both):

- the logistic map, 200 iterations over 10^4 values of ``a``: ``mg.jit(mg.vmap(f))`` against
  the same loop written by hand on NumPy arrays, and ``jax.jit(jax.vmap(f))``;
- per-example gradients of the logistic objective, 10^4 examples x 100 features:
  ``mg.vmap(mg.grad(loss))`` against a hand-written NumPy per-example gradient and a Python
  loop of ``mg.grad`` over the examples;
- a chain of 10^4 steps ``x <- 0.9 sin x + 0.1 x``: ``mg.grad`` with every 100 steps one
  ``mg.checkpoint`` against the plain ``mg.grad``; the values each holds (``Graph.memory()``)
  and the Python heap's peak during the gradient (``tracemalloc``) beside the times;
- an MLP whose layers are each checkpointed, with the policy ``dots_saveable`` (the products
  saved, the rest recomputed), without a policy (all recomputed) and not checkpointed: the
  time of each gradient and what ``Graph.memory()`` says each holds.
"""

from __future__ import annotations

import math
import tracemalloc
from dataclasses import dataclass, replace

import numpy as np

import minigrad as mg
from minigrad import examples

from .peers import engines as E
from .peers.report import run_report
from .peers.section import Goal, Section


@dataclass(frozen=True)
class Sizes:
    iterations: int
    values: int  # of the logistic map's parameter a
    examples: tuple[int, int]  # per-example gradients: examples, features
    chain: tuple[int, int]  # steps, steps per checkpoint
    mlp: tuple[int, int, int]  # layers, batch, width
    repeats: int
    min_time: float


FULL = Sizes(iterations=200, values=10_000, examples=(10_000, 100), chain=(10_000, 100), mlp=(8, 1000, 256),
              repeats=7, min_time=0.05)
QUICK = Sizes(iterations=20, values=100, examples=(200, 10), chain=(100, 10), mlp=(2, 8, 4), repeats=2,
               min_time=0.0)


# -------------------------------------------------------------- the logistic map, vmapped

def logistic_map(a, iterations: int):
    """One value of ``a``: x <- a x (1 - x) from x = 0.5 (written per example, for vmap)."""
    x = 0.5
    for _ in range(iterations):
        x = a * x * (1 - x)
    return x


def map_section(iterations: int, values: int) -> Section:
    a = np.linspace(2.5, 4.0, values)
    f = lambda a: logistic_map(a, iterations)  # noqa: E731
    mine = "mg.jit(mg.vmap(f)), per call"
    hand = "the same loop by hand on NumPy arrays"
    jitted = mg.jit(mg.vmap(f))
    jitted(a)
    compile_times = {"mg.jit(vmap)": sum(jitted.last_compile[k] for k in ("trace", "write", "compile"))}
    engines = {mine: lambda: jitted(a), hand: lambda: logistic_map(a, iterations)}
    notes: list[str] = []
    jax = E.optional("jax")
    if jax is not None:
        aj = jax.numpy.asarray(a)
        exe = E.compiled(jax.jit(jax.vmap(f)), (aj,), compile_times, "jax.jit(jax.vmap(f))")
        engines["jax.jit(jax.vmap(f)), compiled"] = lambda: jax.block_until_ready(exe(aj))
    else:
        notes.append("JAX: skipped (jax not installed)")
    goals = [Goal("jit(vmap(f)) logistic map, 200 iterations x 10^4 / NumPy loop", mine, hand, 1.5)] \
        if (iterations, values) == (200, 10_000) else []
    return Section(f"Logistic map, {iterations} iterations over {values:,} values of a: jit(vmap(f))",
                   engines, logistic_map(a, iterations), mine, notes=notes,
                   compile_times=compile_times, goals=goals)


# -------------------------------------------------------------- per-example gradients

def per_example_gradient(p, X, y):
    """d/dp of each example's log-likelihood y z - softplus(z), z = b0 + x . b1, by hand."""
    r = y - 1.0 / (1.0 + np.exp(-(p["b0"] + X @ p["b1"])))
    return {"b0": r, "b1": r[:, None] * X}


def gradients_section(n: int, d: int) -> Section:
    X, y, _ = examples.logistic_data(0, n=n, d=d)
    p = {"b0": 0.1, "b1": 0.1 * np.random.default_rng(1).standard_normal(d)}
    mine = "mg.vmap(mg.grad(loss)), per call"
    hand = "hand-written NumPy per-example gradient"
    loop = "Python loop of mg.grad over the examples"
    batched = mg.vmap(mg.grad(examples.logistic_loglik), in_axes=(None, 0, 0))
    one = mg.grad(examples.logistic_loglik)

    def python_loop():
        grads = [one(p, X[i], y[i]) for i in range(n)]
        return {"b0": np.array([g["b0"] for g in grads]), "b1": np.stack([g["b1"] for g in grads])}

    engines = {mine: lambda: batched(p, X, y), hand: lambda: per_example_gradient(p, X, y), loop: python_loop}
    goals = [Goal("vmap(grad) per-example, 10^4 x 100 / hand-written NumPy", mine, hand, 2.0),
             Goal("vmap(grad) per-example / Python loop of grad (goal: 50x faster)", mine, loop, 0.02)] \
        if (n, d) == (10_000, 100) else []
    return Section(f"Per-example gradients of the logistic objective, {n:,} x {d}: vmap(grad)",
                   engines, per_example_gradient(p, X, y), mine, goals=goals)


# -------------------------------------------------------------- checkpointing a chain

def chain_derivative(x: float, steps: int) -> float:
    """d x_n / d x_0 = prod (0.9 cos x_k + 0.1), by the forward recurrence in floats."""
    d = 1.0
    for _ in range(steps):
        d *= 0.9 * math.cos(x) + 0.1
        x = 0.9 * math.sin(x) + 0.1 * x
    return d


def _heap_peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def checkpoint_section(steps: int, every: int) -> Section:
    x0 = 0.7
    mine = f"mg.grad, mg.checkpoint every {every} steps"
    plain = "mg.grad, no checkpoint"
    with_ck, without = mg.grad(examples.sine_chain(steps, every)), mg.grad(examples.sine_chain(steps, None))
    engines = {mine: lambda: with_ck(x0), plain: lambda: without(x0)}
    ck = mg.trace(examples.sine_chain(steps, every), x0).memory()
    full = mg.trace(examples.sine_chain(steps, None), x0).memory()
    heap = {name: _heap_peak(fn) for name, fn in engines.items()}
    ratio = ck.peak_values / full.peak_values
    extra = [f"peak live values (Graph.memory()): {ck.peak_values:,} with checkpoints, "
             f"{full.peak_values:,} without: {ratio:.4f} (goal <= 1/20 = 0.05: "
             f"{'met' if ratio <= 0.05 else 'not met'}); recomputed in the backward sweep: "
             f"{ck.recomputed_values:,} values (one more forward sweep: {full.peak_values - 1:,})",
             f"peak live bytes (Graph.memory()): {ck.peak_bytes:,} with checkpoints, {full.peak_bytes:,} without",
             f"Python heap peak during the gradient (tracemalloc): {heap[mine]:,} bytes with checkpoints, "
             f"{heap[plain]:,} without ({heap[mine] / heap[plain]:.3f})"]
    goals = [Goal("checkpoint every 100 steps, 10^4-step chain: time / plain grad", mine, plain, 2.5)] \
        if (steps, every) == (10_000, 100) else []
    return Section(f"A chain of {steps:,} steps: gradient with mg.checkpoint every {every} steps",
                   engines, chain_derivative(x0, steps), mine, extra=extra, goals=goals)


# ---------------------------------------------------------- checkpoint policies on an MLP

def mlp_loss(step):
    """sum(h_L), h_k = step(W_k, h_{k-1}): each layer one call of ``step``."""
    def loss(Ws, x):
        h = x
        for W in Ws:
            h = step(W, h)
        return mg.numpy.sum(h)

    return loss


def mlp_layer(W, h):
    return mg.numpy.tanh(h @ W + 0.1)


def mlp_gradient(Ws, x):
    """The gradient of ``mlp_loss`` in (Ws, x), by hand: backpropagation through the tanhs."""
    hs = [x]
    for W in Ws:
        hs.append(np.tanh(hs[-1] @ W + 0.1))
    g, grads = np.ones_like(hs[-1]), []
    for W, h_in, h in zip(reversed(Ws), reversed(hs[:-1]), reversed(hs[1:])):
        gz = g * (1 - h * h)
        grads.append(h_in.T @ gz)
        g = gz @ W.T
    return (tuple(reversed(grads)), g)


def policy_section(layers: int, batch: int, width: int) -> Section:
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((width, width)) / math.sqrt(width) for _ in range(layers)]
    x = rng.standard_normal((batch, width))
    P = mg.checkpoint_policies
    steps = {"mg.grad, every layer checkpointed, dots_saveable": mg.checkpoint(mlp_layer, policy=P.dots_saveable),
             "mg.grad, every layer checkpointed, no policy": mg.checkpoint(mlp_layer),
             "mg.grad, no checkpoint": mlp_layer}
    grads = {name: mg.grad(mlp_loss(step), argnums=(0, 1)) for name, step in steps.items()}
    engines = {name: (lambda g=g: g(Ws, x)) for name, g in grads.items()}
    memory = {name: mg.trace(mlp_loss(step), Ws, x).memory() for name, step in steps.items()}
    extra = [f"{name}: peak live values {m.peak_values:,} ({m.peak_bytes:,} bytes), recomputed "
             f"{m.recomputed_values:,} values (Graph.memory())" for name, m in memory.items()]
    mine = next(iter(steps))
    return Section(f"An MLP of {layers} layers, {batch} x {width}: checkpoint policies",
                   engines, mlp_gradient(Ws, x), mine, extra=extra)


def run(quick: bool = False, repeats: int | None = None) -> tuple[str, bool]:
    """Build, check and time each workload; the Markdown report and whether all agreed."""
    sizes = QUICK if quick else FULL
    if repeats is not None:
        sizes = replace(sizes, repeats=repeats)
    builders = [("logistic map", lambda: map_section(sizes.iterations, sizes.values)),
                ("per-example gradients", lambda: gradients_section(*sizes.examples)),
                ("checkpoint", lambda: checkpoint_section(*sizes.chain)),
                ("checkpoint policies", lambda: policy_section(*sizes.mlp))]
    quick_note = " --quick" if quick else ""
    return run_report(f"vmap and checkpoint{' (--quick)' if quick else ''}",
                      f"python -m bench --transforms{quick_note}", builders, sizes.repeats,
                      sizes.min_time, "Goals of issue 23")
