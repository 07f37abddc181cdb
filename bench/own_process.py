"""minigrad against micrograd on the residual chain, in a process that imports neither JAX nor PyTorch.

    python -m bench.own_process [--blocks 2500] [--repeats 21]

micrograd's graph is cyclic garbage, so its time depends on the cyclic collector's state,
which the peers benchmark's process (JAX and PyTorch imported, their objects frozen) moves
by up to a factor of two.  Here both engines run interleaved (bench/timing.py) in the state
of an ordinary process, and the ratio is taken round by round.  minigrad pauses the
collector while it records and sweeps, so its own time does not depend on that state.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from . import positive_int
from .peers import engines as E
from .peers.scalar import chain_problem
from .timing import quartiles, samples
from .workloads import NODES_PER_BLOCK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.own_process", description=__doc__.split("\n")[0])
    parser.add_argument("--blocks", type=positive_int, default=2500, help="residual-chain blocks (4 nodes each)")
    parser.add_argument("--repeats", type=positive_int, default=21, help="interleaved rounds")
    args = parser.parse_args(argv)
    if E.optional("micrograd") is None:
        print("bench.own_process: micrograd is not installed (pip install -e '.[bench]')", file=sys.stderr)
        return 2
    p = chain_problem(args.blocks)
    times = samples({"minigrad": E.minigrad_grad(p), "micrograd": E.micrograd_grad(p)},
                    repeats=args.repeats, min_time=0.05)
    ratios = sorted(a / b for a, b in zip(times["minigrad"], times["micrograd"]))
    q1, median, q3 = quartiles(ratios)
    nodes = NODES_PER_BLOCK * args.blocks
    print(f"residual chain, {nodes:,} nodes, {args.repeats} interleaved rounds "
          f"(JAX imported: {'jax' in sys.modules}, PyTorch imported: {'torch' in sys.modules})")
    for name, ts in times.items():
        print(f"  {name:9s} median {statistics.median(ts) * 1e3:8.2f} ms")
    print(f"  minigrad / micrograd per round: median {median:.2f}, quartiles {q1:.2f}-{q3:.2f}, "
          f"range {ratios[0]:.2f}-{ratios[-1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
