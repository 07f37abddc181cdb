"""minigrad against its peers, side by side in one process: ``python -m bench --peers``.

Two workloads, each written once per engine (float64 everywhere):

(a) the scalar residual chain of ``workloads.residual_chain`` (multiply, tanh, cube, add,
    with fan-out of ``h`` and ``w``) at 10^3 and 10^4 nodes: minigrad (record + reverse
    sweep) vs micrograd's ``Value``, HIPS autograd, PyTorch eager on CPU and JAX without jit;
(b) the gradient of the logistic-regression mean log-likelihood on 10,000 x 100 data:
    minigrad vs a hand-written NumPy gradient, autograd, PyTorch eager, JAX with jit
    (compile time reported apart) and without jit, with plain NumPy evaluation as the floor.

Every peer is optional: a missing package is skipped with a one-line note.  Before any
timing, each engine's gradient must agree with minigrad's to a relative 1e-8 (and
minigrad's with the hand-derived derivative); a disagreement fails the run.  Timing reuses
``timing.measure``: warm-up, interleaved rounds, median; ratios are to minigrad's time
measured in the same rounds.
"""

from __future__ import annotations

import contextlib
import cProfile
import datetime
import importlib
import math
import os
import platform
import pstats
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import minigrad as mg

from . import checks
from .timing import fmt_seconds, measure
from .workloads import NODES_PER_BLOCK, logistic, residual_chain, residual_chain_derivative

RTOL = 1e-8
X0, W0 = 1.0, 0.05  # the chain's point, as in workloads.scalar_chain


@dataclass
class PeerSizes:
    chain_blocks: tuple[int, ...]
    n: int
    d: int
    repeats: int
    min_time: float


FULL = PeerSizes(chain_blocks=(250, 2500), n=10_000, d=100, repeats=5, min_time=0.05)
QUICK = PeerSizes(chain_blocks=(25,), n=500, d=20, repeats=3, min_time=0.0)


def _optional(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


@contextlib.contextmanager
def recursion_limit(limit: int):
    """micrograd's ``backward`` sorts the graph by recursion, one frame per node of depth."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


# ----------------------------------------------------------------------------------------
# (a) the scalar residual chain, once per engine.  Each factory returns a callable
# () -> (d/dx, d/dw) as two Python floats' worth (converted only in the check).

def chain_minigrad(blocks):
    g = mg.grad(lambda x, w: residual_chain(x, w, blocks), argnums=(0, 1))
    return lambda: g(X0, W0)


def chain_micrograd(blocks):
    Value = importlib.import_module("micrograd.engine").Value

    def tanh(v):  # micrograd 0.1.0's Value has no tanh: added in its own style
        t = math.tanh(v.data)
        out = Value(t, (v,), "tanh")

        def _backward():
            v.grad += (1.0 - t * t) * out.grad
        out._backward = _backward
        return out

    def run():
        x, w = Value(X0), Value(W0)
        h = x
        for _ in range(blocks):
            h = h + tanh(h * w) ** 3
        with recursion_limit(4 * NODES_PER_BLOCK * blocks + 1000):
            h.backward()
        return x.grad, w.grad
    return run


def chain_autograd(blocks):
    ag = importlib.import_module("autograd")
    anp = importlib.import_module("autograd.numpy")

    def f(x, w):
        h = x
        for _ in range(blocks):
            h = h + anp.tanh(h * w) ** 3
        return h
    g = ag.grad(f, argnum=(0, 1))
    return lambda: g(X0, W0)


def chain_torch(blocks):
    torch = importlib.import_module("torch")

    def run():
        x = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
        w = torch.tensor(W0, dtype=torch.float64, requires_grad=True)
        h = x
        for _ in range(blocks):
            h = h + torch.tanh(h * w) ** 3
        gx, gw = torch.autograd.grad(h, (x, w))
        return gx, gw
    return run


def chain_jax(blocks):
    jax = importlib.import_module("jax")
    jnp = jax.numpy

    def f(x, w):
        h = x
        for _ in range(blocks):
            h = h + jnp.tanh(h * w) ** 3
        return h
    g = jax.grad(f, argnums=(0, 1))
    x, w = jnp.float64(X0), jnp.float64(W0)

    def run():
        gx, gw = g(x, w)
        gw.block_until_ready()
        return gx, gw
    return run


CHAIN_PEERS = [
    ("micrograd (Value)", "micrograd", chain_micrograd),
    ("autograd (HIPS)", "autograd", chain_autograd),
    ("PyTorch eager", "torch", chain_torch),
    ("JAX, no jit", "jax", chain_jax),
]


# ----------------------------------------------------------------------------------------
# (b) logistic regression: mean(y z - softplus(z)), z = b0 + X b1.  Gradients as dicts.

def logistic_engines(n, d):
    w = logistic(n, d)
    X, y = _data_of(n, d)  # the same data logistic() built (seed 0)
    p = w.params
    engines: dict[str, Callable] = {}
    notes: list[str] = []
    compile_times: dict[str, float] = {}

    g_mg = mg.grad(w.f)
    engines["minigrad (record + reverse sweep)"] = lambda: g_mg(p)

    def numpy_eval():
        z = p["b0"] + X @ p["b1"]
        return np.mean(y * z - np.logaddexp(0.0, z))

    def numpy_grad():
        z = p["b0"] + X @ p["b1"]
        r = (y - 1.0 / (1.0 + np.exp(-z))) / n
        return {"b0": r.sum(), "b1": X.T @ r}
    engines["hand-written NumPy gradient"] = numpy_grad

    if _optional("autograd") is not None:
        ag = importlib.import_module("autograd")
        anp = importlib.import_module("autograd.numpy")
        def f_ag(q):
            z = q["b0"] + anp.dot(X, q["b1"])
            return anp.mean(y * z - anp.logaddexp(0.0, z))
        g_ag = ag.grad(f_ag)
        engines["autograd (HIPS)"] = lambda: g_ag(p)
    else:
        notes.append("autograd: skipped (package not installed)")

    if _optional("torch") is not None:
        torch = importlib.import_module("torch")
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        zero = torch.zeros((), dtype=torch.float64)

        def g_torch():
            b0 = torch.tensor(p["b0"], dtype=torch.float64, requires_grad=True)
            b1 = torch.tensor(p["b1"], dtype=torch.float64, requires_grad=True)
            z = b0 + Xt @ b1
            loss = torch.mean(yt * z - torch.logaddexp(zero, z))
            gb0, gb1 = torch.autograd.grad(loss, (b0, b1))
            return {"b0": gb0, "b1": gb1}
        engines["PyTorch eager"] = g_torch
    else:
        notes.append("PyTorch: skipped (package not installed)")

    if _optional("jax") is not None:
        import time

        jax = importlib.import_module("jax")
        jnp = jax.numpy
        Xj, yj = jnp.asarray(X), jnp.asarray(y)
        pj = {"b0": jnp.float64(p["b0"]), "b1": jnp.asarray(p["b1"])}

        def f_jax(q):
            z = q["b0"] + Xj @ q["b1"]
            return jnp.mean(yj * z - jnp.logaddexp(0.0, z))
        g_eager = jax.grad(f_jax)
        start = time.perf_counter()
        g_jit = jax.jit(jax.grad(f_jax)).lower(pj).compile()
        compile_times["JAX jit(grad)"] = time.perf_counter() - start

        def ready(g):
            g["b1"].block_until_ready()
            return g
        engines["JAX jit(grad), compiled"] = lambda: ready(g_jit(pj))
        engines["JAX grad, no jit"] = lambda: ready(g_eager(pj))
    else:
        notes.append("JAX: skipped (package not installed)")

    engines["plain NumPy evaluation (floor)"] = numpy_eval
    return engines, notes, compile_times


def _data_of(n, d):
    from minigrad import examples
    X, y, _ = examples.logistic_data(0, n=n, d=d)
    return X, y


# ----------------------------------------------------------------------------------------

def _as_numpy(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {k: _as_numpy(v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return tuple(_as_numpy(v) for v in tree)
    if hasattr(tree, "detach"):  # torch
        tree = tree.detach().numpy()
    return np.asarray(tree, dtype=np.float64)


@dataclass
class Section:
    title: str
    times: dict[str, float]
    reference: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    compile_times: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(passed for _, passed, _ in self.checks)


def check_against(engines: dict[str, Callable], ref_name: str, skip: set[str]) -> list:
    """Every engine's gradient against the reference engine's, relative RTOL."""
    want = _as_numpy(engines[ref_name]())
    out = []
    for name, fn in engines.items():
        if name == ref_name or name in skip:
            continue
        got = _as_numpy(fn())
        err = checks.max_relative_error(got, want, floor=1e-10)
        out.append((f"{name} vs minigrad", err <= RTOL, f"max rel err {err:.1e}"))
    return out


def chain_section(blocks: int, sizes: PeerSizes) -> Section:
    engines = {"minigrad (record + reverse sweep)": chain_minigrad(blocks)}
    notes = []
    for label, module, factory in CHAIN_PEERS:
        if _optional(module) is None:
            notes.append(f"{label}: skipped ({module} not installed)")
        else:
            engines[label] = factory(blocks)
    if "micrograd (Value)" in engines:
        notes.append("micrograd: its Value has no tanh, one was added in its own style; the "
                     "recursion limit is raised only around its backward() (recursive topological sort)")
    ref_value, ref_grad = residual_chain_derivative(X0, W0, blocks)
    mine = engines["minigrad (record + reverse sweep)"]()
    err = checks.max_relative_error(_as_numpy(mine), _as_numpy(ref_grad), floor=1e-10)
    section_checks = [("minigrad gradient vs hand-derived derivative", err <= 1e-10, f"max rel err {err:.1e}")]
    section_checks += check_against(engines, "minigrad (record + reverse sweep)", skip=set())
    times = measure(engines, repeats=sizes.repeats, warmup=1, min_time=sizes.min_time) \
        if all(p for _, p, _ in section_checks) else {}
    return Section(f"(a) scalar residual chain, {NODES_PER_BLOCK * blocks:,} nodes: gradient (d/dx, d/dw)",
                   times, "minigrad (record + reverse sweep)", section_checks, notes)


def logistic_section(sizes: PeerSizes) -> Section:
    engines, notes, compile_times = logistic_engines(sizes.n, sizes.d)
    section_checks = check_against(engines, "minigrad (record + reverse sweep)",
                                   skip={"plain NumPy evaluation (floor)"})
    times = measure(engines, repeats=sizes.repeats, warmup=1, min_time=sizes.min_time) \
        if all(p for _, p, _ in section_checks) else {}
    return Section(f"(b) logistic regression mean log-likelihood, {sizes.n:,} x {sizes.d}: gradient",
                   times, "minigrad (record + reverse sweep)", section_checks, notes, compile_times)


def minigrad_profile(run: Callable) -> dict[str, float]:
    """Share of minigrad's gradient time in recording vs the reverse sweep (cProfile, cumulative)."""
    run()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(3):
        run()
    prof.disable()
    stats = pstats.Stats(prof).stats
    total = record = sweep = 0.0
    for (file, _, func), (_, _, _, cum, _) in stats.items():
        if func == "grad_f" and file.endswith("transforms.py"):
            total = max(total, cum)
        elif func == "record" and file.endswith("graph.py"):
            record = max(record, cum)
        elif func == "reverse_sweep" and file.endswith("modes.py"):
            sweep = max(sweep, cum)
    return {"total": total, "record": record, "reverse_sweep": sweep}


def versions() -> str:
    parts = [f"python {platform.python_version()}", f"numpy {np.__version__}", f"minigrad {mg.__version__}"]
    for mod, label in [("micrograd", "micrograd"), ("autograd", "autograd"), ("torch", "torch"), ("jax", "jax")]:
        try:
            from importlib.metadata import version
            parts.append(f"{label} {version(mod)}")
        except Exception:
            parts.append(f"{label} not installed")
    return ", ".join(parts)


def render(sections: list[Section], sizes: PeerSizes, quick: bool, profile: dict | None) -> str:
    torch = sys.modules.get("torch")
    lines = [
        "# minigrad vs its peers" + (" (--quick)" if quick else ""),
        "",
        f"Generated by `python -m bench --peers{' --quick' if quick else ''}` on "
        f"{datetime.date.today().isoformat()}.",
        "",
        f"- machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs"
        + (f"; torch threads {torch.get_num_threads()}" if torch else ""),
        f"- versions: {versions()}",
        f"- method: float64 everywhere (JAX with `jax_enable_x64`); every gradient checked against "
        f"minigrad's (relative {RTOL:g}) before timing; median of {sizes.repeats} interleaved "
        f"rounds after one warm-up call (bench/timing.py), each sample at least "
        f"{sizes.min_time * 1e3:g} ms; ratio = engine time / minigrad time from the same rounds.",
        "- all engines run in one process, so JAX and PyTorch are imported while minigrad is timed.",
    ]
    for s in sections:
        lines += ["", f"## {s.title}", ""]
        if s.times:
            ref = s.times[s.reference]
            lines += ["| engine | time per gradient | ratio to minigrad |", "|---|---:|---:|"]
            for name, t in s.times.items():
                lines.append(f"| {name} | {fmt_seconds(t).strip()} | {t / ref:.3g} |")
        else:
            lines.append("**not timed: a gradient check failed**")
        for name, t in s.compile_times.items():
            lines.append(f"\n{name}: trace + compile {fmt_seconds(t).strip()} (once, not in the table)")
        lines.append("")
        for name, passed, detail in s.checks:
            lines.append(f"- check {name}: {'ok' if passed else 'FAILED'} ({detail})")
        for note in s.notes:
            lines.append(f"- note: {note}")
    if profile and all(p["total"] > 0 for p in profile.values()):
        c, g = profile["chain"], profile["logistic"]
        lines += ["", "## Where minigrad's time goes", "",
                  f"cProfile of `grad` on the largest scalar chain puts {100 * c['record'] / c['total']:.0f}% "
                  f"of the time in recording the graph (one Python-level Variable and dispatch per "
                  f"node) and {100 * c['reverse_sweep'] / c['total']:.0f}% in the reverse sweep, so "
                  f"per-node interpreter overhead, not arithmetic, is what separates it from micrograd "
                  f"and the floor. On logistic regression the split is "
                  f"{100 * g['record'] / g['total']:.0f}% recording / "
                  f"{100 * g['reverse_sweep'] / g['total']:.0f}% reverse sweep over a handful of "
                  f"array nodes, each a NumPy kernel on the whole data, so there the gap to the "
                  f"hand-written gradient is most likely array work (the stack + logsumexp softplus "
                  f"and generic adjoints), not per-node overhead "
                  f"(profiler overhead inflates per-call costs; shares are indicative)."]
    return "\n".join(lines) + "\n"


def run(quick: bool = False, repeats: int | None = None) -> tuple[str, bool]:
    sizes = QUICK if quick else FULL
    if repeats is not None:
        sizes = PeerSizes(sizes.chain_blocks, sizes.n, sizes.d, repeats, sizes.min_time)
    if _optional("jax") is not None:
        import jax
        jax.config.update("jax_enable_x64", True)
    sections = [chain_section(b, sizes) for b in sizes.chain_blocks]
    sections.append(logistic_section(sizes))
    w = logistic(sizes.n, sizes.d)
    g = mg.grad(w.f)
    profile = {"chain": minigrad_profile(chain_minigrad(max(sizes.chain_blocks))),
               "logistic": minigrad_profile(lambda: g(w.params))}
    return render(sections, sizes, quick, profile), all(s.ok for s in sections)
