"""``python -m bench [--quick] [--repeats N] [--no-jax]``: run the cheap-gradient benchmark.

``python -m bench --peers [--quick] [--profile] [--only W,...] [--output FILE]``: minigrad
against micrograd, autograd, PyTorch and JAX (each optional), one Markdown table per
workload (bench/peers/).

``python -m bench --jit [--quick] [--output FILE]``: ``minigrad.jit`` against hand-written
floors and ``jax.jit`` (bench/jit.py).

``python -m bench --transforms [--quick] [--output FILE]``: ``mg.vmap`` and ``mg.checkpoint``
against hand-written NumPy and ``jax.jit(jax.vmap)`` (bench/transforms.py).

``python -m bench --bridge [--quick] [--output FILE]``: jaxbridge on the CPU and on the GPU
where there is one, side by side: its overhead over JAX itself, the tutorials' derivatives,
and the batched agreement check in points per second (bench/bridge.py).

Exits with status 1 if any gradient or JVP disagrees with its reference.
"""

from __future__ import annotations

import argparse
import sys

from . import positive_int
from .cheap_gradient import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench",
                                     description="minigrad's cheap-gradient benchmark.")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few repeats: a smoke test for CI")
    parser.add_argument("--repeats", type=positive_int, default=None, help="timing rounds (median taken)")
    parser.add_argument("--no-jax", action="store_true",
                        help="check against central differences only, not jax.grad")
    parser.add_argument("--peers", action="store_true",
                        help="time minigrad against micrograd, autograd, PyTorch and JAX (if installed)")
    parser.add_argument("--bridge", action="store_true",
                        help="time jaxbridge against JAX itself on the default device")
    parser.add_argument("--jit", action="store_true",
                        help="time minigrad.jit against hand-written gradients and jax.jit")
    parser.add_argument("--transforms", action="store_true",
                        help="time mg.vmap and mg.checkpoint against hand-written NumPy and jax.jit(jax.vmap)")
    parser.add_argument("--output", default=None,
                        help="also write the report to this file (Markdown with --peers, --jit, --transforms and --bridge)")
    parser.add_argument("--profile", action="store_true",
                        help="with --peers: add cProfile's top entries for minigrad on the 10^4-node graph")
    parser.add_argument("--only", default=None,
                        help="with --peers: a comma-separated subset of the workloads "
                             "(scalar, jvp, chain, lognormal, logistic, mlp, hessian, hvp)")
    args = parser.parse_args(argv)
    if args.jit:
        from . import jit
        text, ok = jit.run(quick=args.quick, repeats=args.repeats)
    elif args.transforms:
        from . import transforms
        text, ok = transforms.run(quick=args.quick, repeats=args.repeats)
    elif args.bridge:
        from . import bridge
        text, ok = bridge.run(quick=args.quick, repeats=args.repeats)
    elif args.peers:
        from . import peers
        only = args.only.split(",") if args.only else None
        unknown = sorted(set(only or ()) - set(peers.WORKLOADS))
        if unknown:
            parser.error(f"--only: unknown workload(s) {unknown}; choose from {', '.join(peers.WORKLOADS)}")
        text, ok = peers.run(quick=args.quick, repeats=args.repeats, profile=args.profile, only=only)
    else:
        text, ok = run(quick=args.quick, repeats=args.repeats, use_jax=not args.no_jax)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    print(text)
    if not ok:
        print("\nFAILED: a gradient disagrees with its reference (see the checks above).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
