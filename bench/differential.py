"""The differential fuzzer's campaign (issue 22, item 3): many programs, failures tallied.

``python -m bench.differential --programs N [--seed S] [--reference jax|eager]
[--features if,where,...]`` draws N
programs with ``minigrad.testing.branching_programs`` and runs each through
``minigrad.testing.differential.check_program`` (every engine against JAX), without stopping
at a failure: it prints how many agreed and each class of failure (the engine, the quantity
and the error's first words) with its count and its smallest program.  Several processes
with different seeds make a campaign of 10^5 on a machine's cores (bench/README.md).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import warnings
from collections import Counter

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from minigrad.testing import FEATURES, branching_programs
from minigrad.testing.differential import check_program


def failure_class(line: str) -> str:
    """What failed, without the numbers, the point and the variables' numbers: the quantity
    and engine, and how ('a wrong number', 'accepts where the reference refuses', or the
    refusal's first words)."""
    what, _, rest = line.partition(": ")
    what = re.sub(r",? at point \d .*", "", what)
    rest = re.sub(r"\bv\d+\b", "vN", rest)
    if "but minigrad refused: " in rest:
        return f"{what}: refuses: {rest.split('but minigrad refused: ', 1)[1][:100]}"
    if "minigrad gives" in rest and "refuses" not in rest:
        return f"{what}: a wrong number"
    return f"{what}: {rest[:100]}"


def campaign(programs: int, seed: int, features: tuple, reference: str,
             every: int = 1000) -> tuple[int, int, Counter, dict]:
    """Programs run, programs with a failure, and each failure kind's count of programs and
    smallest program; a progress line every ``every`` programs."""
    failures: Counter = Counter()
    smallest: dict = {}
    count = [0, 0]
    start = time.perf_counter()

    @settings(max_examples=programs, deadline=None, database=None, derandomize=False,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(branching_programs(features=features), st.randoms(use_true_random=False))
    def run(prog, rng):
        count[0] += 1
        tangent = tuple(rng.randint(-10, 10) / 10 for _ in range(prog.n_inputs))
        try:
            check_program(prog, tangent, reference)
        except AssertionError as e:
            count[1] += 1
            lines = str(e).splitlines()
            for kind in {failure_class(line) for line in lines}:
                failures[kind] += 1
                if kind not in smallest or len(repr(prog)) < len(smallest[kind][0]):
                    example = next(line for line in lines if failure_class(line) == kind)
                    smallest[kind] = (repr(prog), f"# tangent {tangent}\n# {example[:400]}")
        if count[0] % every == 0:  # the tally so far: a campaign stopped early still reports
            print(f"... {count[0]} programs in {time.perf_counter() - start:.0f} s, "
                  f"{count[1]} with a failure: " + "; ".join(f"{k} {kind[:70]}" for kind, k in
                                                           failures.most_common()), flush=True)

    run._hypothesis_internal_use_seed = seed
    run()
    return count[0], count[1], failures, {k: "\n".join(v) for k, v in smallest.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--features", default=",".join(FEATURES))
    parser.add_argument("--reference", choices=("jax", "eager"), default="jax",
                        help="what every engine is held against (see check_program)")
    parser.add_argument("--examples-shown", type=int, default=3)
    parser.add_argument("--every", type=int, default=1000, help="programs between progress lines")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    n, failed, failures, smallest = campaign(args.programs, args.seed,
                                             tuple(args.features.split(",")), args.reference,
                                             args.every)
    took = time.perf_counter() - start
    print(f"{n} programs (seed {args.seed}, reference {args.reference}, features {args.features}) "
          f"in {took:.0f} s: "
          f"{n - failed} agree on every engine, {failed} do not")
    for kind, k in failures.most_common():
        print(f"{k:7d}  {kind}")  # programs with this kind of failure
    for kind, _ in failures.most_common(args.examples_shown):
        print(f"\n# --- {kind}\n{smallest[kind]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
