"""The cheap-gradient benchmark: evaluation vs gradient vs JVP of the same function.

For each workload, three callables run side by side (interleaved rounds, median):
plain evaluation of the function, minigrad's ``grad`` (record the graph, then one
reverse sweep over it) and minigrad's ``jvp`` (record, then one forward sweep).
The ratio gradient/evaluation is the "cheap gradient" constant: reverse mode promises
a small constant independent of the number of inputs; in a tracer written in Python it
also carries the cost of recording every operation.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import minigrad as mg

from . import checks
from .timing import fmt_seconds, measure
from .workloads import Workload, logistic, scalar_chain


@dataclass
class Sizes:
    blocks: int      # residual-chain blocks (4 nodes each)
    n: int           # logistic rows
    d: int           # logistic features
    repeats: int
    min_time: float  # seconds per timing sample


FULL = Sizes(blocks=2500, n=10_000, d=100, repeats=9, min_time=0.05)
QUICK = Sizes(blocks=50, n=500, d=20, repeats=3, min_time=0.0)


@dataclass
class Result:
    workload: Workload
    times: dict[str, float]
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(passed for _, passed, _ in self.checks)


def time_workload(w: Workload, sizes: Sizes) -> dict[str, float]:
    f, p, t = w.f, w.params, w.tangent
    grad_f = mg.grad(f)
    fns = {
        "evaluation": lambda: f(p),
        "gradient (record + reverse sweep)": lambda: grad_f(p),
        "jvp (record + forward sweep)": lambda: mg.jvp(f, (p,), (t,)),
    }
    if w.baseline is not None:
        fns[w.baseline_name] = lambda: w.baseline(p)
    return measure(fns, repeats=sizes.repeats, warmup=1, min_time=sizes.min_time)


def check_workload(w: Workload, use_jax: bool, rtol: float = 1e-6) -> list[tuple[str, bool, str]]:
    """Gradient and JVP against central differences (and JAX), on the benchmarked point."""
    f, p, t = w.f, w.params, w.tangent
    out = []
    value, g = mg.value_and_grad(f)(p)
    plain = float(f(p))
    err = checks.relative_error(float(value), plain)
    out.append(("value_and_grad value = plain evaluation", err <= 1e-12, f"rel err {err:.1e}"))

    fd = checks.central_difference(f, p, t, h=1e-6)
    err = checks.relative_error(checks.vdot(g, t), fd, floor=1e-6)
    out.append(("gradient . tangent vs central difference", err <= rtol, f"rel err {err:.1e}"))
    _, jvp_t = mg.jvp(f, (p,), (t,))
    err = checks.relative_error(float(jvp_t), fd, floor=1e-6)
    out.append(("jvp vs central difference", err <= rtol, f"rel err {err:.1e}"))

    if w.reference is not None:
        ref_value, ref_grad = w.reference(p)
        err = max(checks.relative_error(float(value), ref_value),
                  checks.max_relative_error(g, ref_grad, floor=1e-10))
        out.append(("gradient vs hand-derived derivative", err <= 1e-10, f"max rel err {err:.1e}"))

    if use_jax and w.jax_check:
        ref = checks.jax_gradient(f, p)
        if ref is None:
            out.append(("gradient vs jax.grad (float64)", True, "skipped: jax not installed"))
        else:
            err = checks.max_relative_error(g, ref, floor=1e-10)
            out.append(("gradient vs jax.grad (float64)", err <= 1e-9, f"max rel err {err:.1e}"))
    return out


def ratio_lines(times: dict[str, float]) -> list[str]:
    ev = times["evaluation"]
    return [
        f"  ratio gradient/evaluation: {times['gradient (record + reverse sweep)'] / ev:8.2f}",
        f"  ratio jvp/evaluation:      {times['jvp (record + forward sweep)'] / ev:8.2f}",
    ]


def report(results: list[Result], sizes: Sizes, quick: bool, jax_during_timing: bool) -> str:
    import platform

    import numpy as np

    lines = [
        f"minigrad {mg.__version__} cheap-gradient benchmark{' (--quick)' if quick else ''}: "
        f"median of {sizes.repeats} interleaved repeats after a warm-up, time per call",
        f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}; "
        f"jax {'imported' if jax_during_timing else 'not imported'} during timing",
    ]
    for label, r in zip("ab", results):
        w = r.workload
        lines.append("")
        lines.append(f"({label}) {w.name}, {w.size}")
        width = max(len(k) for k in r.times)
        for name, t in r.times.items():
            lines.append(f"  {name:<{width}}  {fmt_seconds(t)}")
        lines.extend(ratio_lines(r.times))
        for name, passed, detail in r.checks:
            lines.append(f"  check {name}: {'ok' if passed else 'FAILED'} ({detail})")
    return "\n".join(lines)


def run(quick: bool = False, repeats: int | None = None, use_jax: bool = True) -> tuple[str, bool]:
    sizes = QUICK if quick else FULL
    if repeats is not None:
        sizes = Sizes(sizes.blocks, sizes.n, sizes.d, repeats, sizes.min_time)
    workloads = [scalar_chain(sizes.blocks), logistic(sizes.n, sizes.d)]
    # Time everything first: the checks import JAX, and once it is imported every minigrad
    # operation also asks whether an argument is a JAX array.
    results = [Result(w, time_workload(w, sizes)) for w in workloads]
    jax_during_timing = "jax" in sys.modules
    for r in results:
        r.checks = check_workload(r.workload, use_jax=use_jax)
    return report(results, sizes, quick, jax_during_timing), all(r.ok for r in results)
