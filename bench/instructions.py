"""Instructions per node, counted by valgrind: a measure the machine's noise cannot move.

    python -m bench.instructions [grad jvp micrograd]

Wall-clock ratios on a shared machine drift by tens of percent between runs; the number of
instructions the CPU executes for one gradient does not.  For each workload this runs
Python under ``valgrind --tool=callgrind`` twice, doing the workload once and three times
after the same imports and warm-up, and divides the difference by the work done twice
over, so imports and start-up cancel.  The workload is the scalar residual chain of
``workloads.residual_chain`` (10^4 nodes).  Slow (about a minute a workload); valgrind must
be installed (``apt-get install valgrind``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from .workloads import NODES_PER_BLOCK

BLOCKS = 2500  # 10^4 nodes
WORKLOADS = {  # name: engine builder on the peers benchmark's residual-chain problem
    "grad": "minigrad_grad", "jvp": "minigrad_jvp", "micrograd": "micrograd_grad",
}


def _workload(name: str):
    from .peers import engines
    from .peers.scalar import chain_problem

    return getattr(engines, WORKLOADS[name])(chain_problem(BLOCKS))


def _child(name: str, repeats: int) -> None:
    fn = _workload(name)
    fn()  # warm-up: caches, lazily imported modules
    for _ in range(repeats):
        fn()


# Counts repeat to the instruction only when nothing else varies: OpenBLAS's idle threads
# spin (valgrind runs threads one at a time, so their spinning lands in the count at random),
# and str hashes are salted per process.
_DETERMINISTIC = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}


def count(name: str, repeats: int) -> int:
    """Instructions executed by a Python process that runs the workload ``1 + repeats`` times."""
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         sys.executable, "-m", "bench.instructions", "--child", name, str(repeats)],
        capture_output=True, text=True, check=True, env={**os.environ, **_DETERMINISTIC})
    return int(re.search(r"Collected : (\d+)", run.stderr).group(1))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        _child(argv[1], int(argv[2]))
        return 0
    unknown = [name for name in argv if name not in WORKLOADS]
    if unknown:
        print(f"bench.instructions: unknown workload {unknown[0]!r}; choose from "
              f"{', '.join(WORKLOADS)}", file=sys.stderr)
        return 2
    if shutil.which("valgrind") is None:
        print("bench.instructions: valgrind is not installed (apt-get install valgrind)",
              file=sys.stderr)
        return 2
    # Byte-compile everything first: a .pyc written inside one count and not the other
    # would be counted as work.
    names = argv or list(WORKLOADS)
    subprocess.run([sys.executable, "-c", "from bench.instructions import _workload; "
                    f"[_workload(n) for n in {names!r}]"], check=True)
    for name in names:
        nodes = NODES_PER_BLOCK * BLOCKS
        per_node = (count(name, 3) - count(name, 1)) / 2 / nodes
        print(f"{name:10s} {per_node:8.0f} instructions per node (residual chain, {nodes:,} nodes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
