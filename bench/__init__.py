"""Benchmarks of minigrad, each checking its derivatives before it times them.

``python -m bench``: the "cheap gradient" ratio, minigrad's gradient and JVP over plain
evaluation (cheap_gradient.py).  ``python -m bench --peers``: minigrad against micrograd,
autograd, PyTorch and JAX on every workload of issue 5 (peers/).  ``python -m bench
--bridge``: jaxbridge against JAX itself (bridge.py).  ``--quick`` is the CI smoke test.
"""

import argparse


def positive_int(text: str) -> int:
    """argparse type for counts (rounds, blocks): a clear error instead of an empty median."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number; give 1 or more")
    return value
