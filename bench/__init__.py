"""Benchmarks of minigrad, each checking its derivatives before it times them.

``python -m bench``: the "cheap gradient" ratio, minigrad's gradient and JVP over plain
evaluation (cheap_gradient.py).  ``python -m bench --peers``: minigrad against micrograd,
autograd, PyTorch and JAX on every workload of issue 5 (peers/).  ``python -m bench
--bridge``: jaxbridge against JAX itself (bridge.py).  ``--quick`` is the CI smoke test.
"""

import sys
import time

from minigrad.cli import positive_int  # noqa: F401  (the counts' check, as the command line's)

_START = time.perf_counter()


def progress(step: str) -> None:
    """One line on stderr as each step of a long run starts (the report comes at the end)."""
    elapsed = int(time.perf_counter() - _START)
    print(f"bench [{elapsed // 60}:{elapsed % 60:02d}] {step}", file=sys.stderr, flush=True)
