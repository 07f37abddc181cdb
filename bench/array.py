"""``python -m bench.array [--repeats N]``: what plain NumPy code pays for ``mnp.Array``.

``mnp``'s constructors return ``Array`` (an ndarray subclass with JAX's ``.at``); NumPy code
that receives one runs unchanged, and this measures by how much slower: each operation on
a plain ndarray and on the same data as an ``Array``, interleaved in one run, as ratios.
"""

from __future__ import annotations

import argparse

import numpy as np

from minigrad.array import Array

from .timing import measure

OPERATIONS = {
    "x + x": lambda v: v + v,
    "np.sin(x)": np.sin,
    "x.sum()": lambda v: v.sum(),
    "x @ x": lambda v: v @ v,
    "x[3]": lambda v: v[3],
    "2.0 * x - 1.0": lambda v: 2.0 * v - 1.0,
}


def run(repeats: int) -> list[tuple[str, int, float, float]]:
    """Rows (operation, size, plain seconds, Array / plain ratio)."""
    rows = []
    for n in (10, 10_000):
        x = np.random.default_rng(0).random(n)
        a = x.view(Array)
        for name, op in OPERATIONS.items():
            t = measure({"plain": lambda: op(x), "Array": lambda: op(a)}, repeats, min_time=0.01)
            rows.append((name, n, t["plain"], t["Array"] / t["plain"]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.array")
    parser.add_argument("--repeats", type=int, default=7)
    rows = run(parser.parse_args().repeats)
    print("| operation | n | plain ndarray | Array / plain |\n| --- | ---: | ---: | ---: |")
    for name, n, plain, ratio in rows:
        print(f"| `{name}` | {n} | {plain * 1e6:.2f} us | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
