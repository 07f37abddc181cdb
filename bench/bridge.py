"""jaxbridge on every platform JAX has here (the CPU, and the GPU where there is one), side
by side in one run, with minigrad beside them.

``python -m bench --bridge [--quick] [--output FILE]``.  Three sections:

(a) the bridge's overhead over JAX itself, on the jitted gradient of the logistic objective.
    ``jaxbridge.grad(f, jit=True)`` is ``jax.jit(jax.grad(f))``, so the honest figure is
    the difference between the two set against the difference between JAX and itself (an
    A/A pair: the same call timed twice), which is the timer's noise.
(b) each tutorial's derivative (``examples/``), called as its script calls it: seconds per
    call once compiled, with the first call (tracing and compiling) apart.
(c) the batched agreement check: the jitted vmap of the log-normal gradient in points per
    second on each platform, and ``check_gradients_at`` end to end on the default device.

Every result on every platform is checked against minigrad's before it is timed.  Inputs
are put on each device once (``jax.device_put``), as a user of a GPU would keep their data
there; the float64 of ``jaxbridge.precision()`` is used throughout.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

import minigrad as mg
from minigrad import examples as ex

from . import progress
from .checks import leaves
from .timing import fmt_seconds, quartiles, samples

RTOL = 1e-9


@dataclass
class Tutorial:
    """One tutorial's derivative: the call its script makes per step, in both engines."""

    script: str
    call: str
    jax: Callable     # the jaxbridge call, built once (compiled where the script compiles)
    ours: Callable    # the same derivative from minigrad
    args: tuple       # NumPy inputs


def tutorials(quick: bool) -> list[Tutorial]:
    import jaxbridge as jb

    n, d = (500, 20) if quick else (10_000, 100)
    Xlin, ylin, _ = ex.linear_data(0)
    Xlog, ylog, _ = ex.logistic_data(0, n, d)
    Xh, yh = ex.hill_data(0, 1000 if quick else 10_000)
    wide = 16 if quick else 256
    a = np.linspace(1.5, 3.5, 100 if quick else 1000)
    x0, v = np.zeros(2), np.array([1.0, -0.5])

    def logistic_map_30(a):
        return ex.logistic_map(a, x0=0.3, steps=30)

    grad_quadratic = jb.grad(ex.quadratic, jit=True)
    return [
        Tutorial("linear_regression.py", "grad(mse), 100 x 2", jb.grad(ex.mse, jit=True),
                 mg.grad(ex.mse), (np.zeros(2), Xlin, ylin)),
        Tutorial("logistic_regression.py", f"value_and_grad(logistic_loglik), {n:,} x {d}",
                 jb.value_and_grad(ex.logistic_loglik, jit=True), mg.value_and_grad(ex.logistic_loglik),
                 ({"b0": 0.1, "b1": np.full(d, 0.01)}, Xlog, ylog)),
        Tutorial("two_layer_net.py", "value_and_grad(mlp_loss), H = 10, 2,000 points",
                 jb.value_and_grad(ex.mlp_loss, jit=True), mg.value_and_grad(ex.mlp_loss),
                 (ex.init_mlp(10, seed=0, scale=2.0), Xh[:2000], yh[:2000])),
        Tutorial("two_layer_net.py --hidden", f"value_and_grad(mlp_loss), H = {wide}, {len(yh):,} points",
                 jb.value_and_grad(ex.mlp_loss, jit=True), mg.value_and_grad(ex.mlp_loss),
                 (ex.init_mlp(wide, seed=0), Xh, yh)),
        Tutorial("newton.py", "jacfwd(jacrev(quadratic))", jb.jacfwd(jb.jacrev(ex.quadratic), jit=True),
                 mg.jacfwd(mg.jacrev(ex.quadratic)), (x0,)),
        Tutorial("newton.py", "Hessian-vector product jvp(grad(quadratic))",
                 lambda x, t: jb.jvp(grad_quadratic, (x,), (t,))[1],
                 lambda x, t: mg.jvp(mg.grad(ex.quadratic), (x,), (t,))[1], (x0, v)),
        Tutorial("logistic_map.py", f"dx_30/da at {len(a):,} values of a: jit(vmap(value_and_grad)) "
                 "in JAX, one jvp in minigrad", jb.jit(jb.vmap(jb.value_and_grad(logistic_map_30))),
                 lambda a: mg.jvp(logistic_map_30, (a,), (np.ones_like(a),)), (a,)),
    ]


def platforms() -> list:
    """The first device of each platform: the CPU first, then the default one if it differs."""
    import jax

    cpu = jax.devices("cpu")[0]
    default = jax.devices()[0]
    return [cpu] if default.platform == "cpu" else [cpu, default]


def label(device) -> str:
    return device.platform if device.device_kind == device.platform else f"{device.platform} ({device.device_kind})"


def agrees(theirs, ours) -> bool:
    a, b = leaves(theirs), leaves(ours)
    return len(a) == len(b) and all(x.shape == y.shape and np.allclose(x, y, rtol=RTOL, atol=1e-12)
                                    for x, y in zip(a, b))


def on_device(fn: Callable, args: tuple, device) -> tuple[Callable[[], object], float]:
    """A call of ``fn`` on ``args`` on ``device``, waiting for the result; and the time of its
    first call (tracing and compiling).  The inputs are put there once; the device is also
    made the default, for a program that uses none of its inputs (a constant Hessian)."""
    import jax

    placed = jax.device_put(args, device)

    def call():
        with jax.default_device(device):
            return jax.block_until_ready(fn(*placed))

    start = time.perf_counter()
    call()
    return call, time.perf_counter() - start


def _spread(values: list[float]) -> str:
    q1, _, q3 = quartiles(values)
    return f"{q1:.3f}-{q3:.3f}"


def overhead(devices, quick: bool, repeats: int, min_time: float) -> tuple[list[str], bool]:
    """Section (a): jaxbridge.grad(jit=True) against jax.jit(jax.grad) and against itself."""
    import jax

    import jaxbridge as jb

    n, d = (500, 20) if quick else (10_000, 100)
    X, y, _ = ex.logistic_data(0, n, d)
    args = ({"b0": 0.1, "b1": np.full(d, 0.01)}, X, y)
    ref = mg.grad(ex.logistic_loglik)(*args)
    lines = [f"## (a) Bridge overhead: jitted gradient of the logistic objective, {n:,} x {d}", "",
             "Ratios are taken round by round; A/A is JAX's call against a second, separately "
             "jitted copy of itself, so its spread is what the timer cannot resolve.", "",
             "| platform | jax.jit(jax.grad) | jaxbridge.grad(jit=True) | bridge / JAX (quartiles) "
             "| A/A (quartiles) | same gradient |", "|---|---:|---:|---:|---:|---|"]
    ok = True
    for dev in devices:
        progress(f"bridge overhead on {label(dev)}")
        fns = {"jax": jax.jit(jax.grad(ex.logistic_loglik)), "again": jax.jit(jax.grad(ex.logistic_loglik)),
               "bridge": jb.grad(ex.logistic_loglik, jit=True)}
        placed, calls, same = jax.device_put(args, dev), {}, True  # one copy of X for all three
        for name, fn in fns.items():
            calls[name], _ = on_device(fn, placed, dev)
            same = same and agrees(calls[name](), ref)
        ok = ok and same
        s = samples(calls, repeats, warmup=2, min_time=min_time)
        bridge = [b / j for b, j in zip(s["bridge"], s["jax"])]
        aa = [b / j for b, j in zip(s["again"], s["jax"])]
        lines.append(f"| {label(dev)} | {fmt_seconds(statistics.median(s['jax']))} "
                     f"| {fmt_seconds(statistics.median(s['bridge']))} | {statistics.median(bridge):.3f} "
                     f"({_spread(bridge)}) | {statistics.median(aa):.3f} ({_spread(aa)}) "
                     f"| {'ok' if same else 'FAILED'} |")
    return lines, ok


def tutorial_table(devices, quick: bool, repeats: int, min_time: float) -> tuple[list[str], bool]:
    """Section (b): each tutorial's derivative per platform, minigrad beside."""
    names = [label(d) for d in devices]
    lines = ["## (b) The tutorials' derivatives, per call", "",
             "Median over interleaved rounds once compiled; the first call (tracing and "
             "compiling) in brackets.", "",
             "| script | derivative | minigrad (NumPy) | " + " | ".join(f"jaxbridge on {n}" for n in names)
             + " | agrees with minigrad |", "|---|---|---:|" + "---:|" * len(names) + "---|"]
    ok = True
    for t in tutorials(quick):
        progress(f"{t.script}: {t.call}")
        ref = t.ours(*t.args)
        calls, first, same = {"minigrad": lambda t=t: t.ours(*t.args)}, {}, True
        for dev, name in zip(devices, names):
            calls[name], first[name] = on_device(t.jax, t.args, dev)
            same = same and agrees(calls[name](), ref)
        ok = ok and same
        med = {k: statistics.median(v) for k, v in samples(calls, repeats, warmup=1, min_time=min_time).items()}
        cells = [f"{fmt_seconds(med[n]).strip()} ({fmt_seconds(first[n]).strip()})" for n in names]
        lines.append(f"| {t.script} | {t.call} | {fmt_seconds(med['minigrad']).strip()} | "
                     + " | ".join(cells) + f" | {'ok' if same else 'FAILED'} |")
    return lines, ok


def batched_check(devices, quick: bool, repeats: int, min_time: float) -> tuple[list[str], bool]:
    """Section (c): points per second of the batched log-normal gradient."""
    import jax

    import jaxbridge as jb

    rng = np.random.default_rng(0)
    k = 200 if quick else 1_000_000
    points = (rng.normal(size=k), rng.normal(size=k), rng.uniform(0.5, 2.0, size=k))
    argnums = (0, 1, 2)
    batched = jax.jit(jax.vmap(jax.grad(ex.lognormal, argnums)))
    few = tuple(p[:100] for p in points)
    ref = [np.array(mg.grad(ex.lognormal, argnums)(*p)) for p in zip(*few)]
    lines = [f"## (c) Batched agreement check of the log-normal gradient, {k:,} points", "",
             "| platform | jitted vmap of jax.grad | points per second |", "|---|---:|---:|"]
    ok = True
    for dev in devices:
        progress(f"batched log-normal gradient on {label(dev)}")
        call, _ = on_device(batched, points, dev)
        got = np.stack([np.asarray(g) for g in call()], axis=-1)[:100]
        ok = ok and bool(np.allclose(got, ref, rtol=1e-10, atol=1e-12))
        t = statistics.median(samples({"v": call}, repeats, warmup=1, min_time=min_time)["v"])
        lines.append(f"| {label(dev)} | {fmt_seconds(t).strip()} | {k / t:,.0f} |")
    end_to_end = [p[:20_000] for p in points]  # minigrad goes point by point
    report = jb.check_gradients_at(ex.lognormal, end_to_end)
    ok = ok and report.ok
    lines += ["", f"`jaxbridge.check_gradients_at` end to end on the default device ({jb.device()}), "
              "compilation included: " + str(report)]
    return lines, ok


def run(quick: bool = False, repeats: int | None = None) -> tuple[str, bool]:
    import jax

    import jaxbridge as jb

    repeats = repeats or (3 if quick else 21)
    min_time = 0.02 if quick else 0.1
    with jb.precision():
        devices = platforms()
        lines = ["# jaxbridge on each platform", "",
                 f"Generated by `python -m bench --bridge{' --quick' if quick else ''}` on "
                 f"{datetime.date.today().isoformat()}.", "",
                 f"- machine: {platform.machine()}, {os.cpu_count()} CPUs; JAX's devices: "
                 + ", ".join(label(d) for d in jax.devices()),
                 f"- versions: python {platform.python_version()}, numpy {np.__version__}, "
                 f"jax {jax.__version__}, minigrad {mg.__version__}",
                 f"- float64 ({jb.device()}); median of {repeats} interleaved rounds "
                 f"(bench/timing.py), each sample at least {min_time * 1e3:g} ms", ""]
        ok = True
        for section in (overhead, tutorial_table, batched_check):
            part, good = section(devices, quick, repeats, min_time)
            lines += part + [""]
            ok = ok and good
    return "\n".join(lines), ok
