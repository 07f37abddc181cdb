"""jaxbridge on the default device: its overhead over JAX itself, the tutorials' gradients,
and the batched agreement check in points per second.

``python -m bench --bridge [--quick]``; on a GPU machine the same command measures the GPU.
"""

from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import examples as ex

from .timing import fmt_seconds, measure


def run(quick: bool = False, repeats: int | None = None) -> tuple[str, bool]:
    import jax

    import jaxbridge as jb

    repeats = repeats or (3 if quick else 15)
    n, d = (500, 20) if quick else (10_000, 100)
    ok = True
    with jb.precision():
        lines = [f"jaxbridge on {jb.device()} (jaxbridge.precision()), "
                 f"median of {repeats} interleaved repeats", ""]
        X, y, _ = ex.logistic_data(0, n, d)
        params = {"b0": 0.1, "b1": np.full(d, 0.01)}
        direct = jax.jit(jax.grad(ex.logistic_loglik))
        bridged = jb.grad(ex.logistic_loglik, jit=True)

        def run_direct():
            return jax.block_until_ready(direct(params, X, y))

        def run_bridged():
            return jax.block_until_ready(bridged(params, X, y))

        same = np.allclose(run_direct()["b1"], run_bridged()["b1"], rtol=1e-13)
        ref = mg.grad(ex.logistic_loglik)(params, X, y)["b1"]
        agrees = bool(np.allclose(np.asarray(run_bridged()["b1"]), ref, rtol=1e-10, atol=1e-13))
        ok = ok and same and agrees
        t = measure({"jax.jit(jax.grad)": run_direct, "jaxbridge.grad(jit=True)": run_bridged},
                    repeats, warmup=2, min_time=0.02 if quick else 0.1)
        overhead = t["jaxbridge.grad(jit=True)"] / t["jax.jit(jax.grad)"] - 1
        lines += [f"(a) jitted gradient of the logistic objective, {n:,} x {d}",
                  f"  jax.jit(jax.grad)          {fmt_seconds(t['jax.jit(jax.grad)'])}",
                  f"  jaxbridge.grad(jit=True)   {fmt_seconds(t['jaxbridge.grad(jit=True)'])}",
                  f"  bridge overhead: {100 * overhead:+.1f} %",
                  f"  check same gradient as JAX itself and as minigrad: {'ok' if same and agrees else 'FAILED'}",
                  ""]

        Xh, yh = ex.hill_data(0, 1000 if quick else 10_000)
        p = ex.init_mlp(8 if quick else 256, seed=0)
        net = jb.grad(ex.mlp_loss, jit=True)
        t = measure({"net": lambda: jax.block_until_ready(net(p, Xh, yh))}, repeats, warmup=2,
                    min_time=0.02 if quick else 0.1)
        lines += [f"(b) two-layer network gradient (H = {len(p['b0'])}, {len(yh):,} points), jitted: "
                  f"{fmt_seconds(t['net'])}", ""]

        rng = np.random.default_rng(0)
        k = 200 if quick else 20_000
        points = [rng.normal(size=k), rng.normal(size=k), rng.uniform(0.5, 2.0, size=k)]
        jb.check_gradients_at(ex.lognormal, [p[:8] for p in points])  # compile first
        report = jb.check_gradients_at(ex.lognormal, points)
        ok = ok and report.ok
        lines += ["(c) batched agreement check of the log-normal gradient (sharded vmap vs minigrad)",
                  f"  {report}"]
    return "\n".join(lines), ok
