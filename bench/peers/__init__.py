"""minigrad against its peers, side by side in one process: ``python -m bench --peers``.

Peers: micrograd (scalars), HIPS autograd, PyTorch eager on the CPU, JAX without and with
jit, and the plain float / NumPy evaluation as the floor; each optional, a missing one is
skipped with a note.  One module per kind of workload, sharing the engines (engines.py), the
check-then-time loop (section.py) and the report (report.py):

- scalar.py: the residual chain at 10^3, 10^4, 10^5 nodes, gradient and forward-mode JVP;
  the log-normal gradient;
- long_chain.py: a chain of 10^6 operations at the default recursion limit, with memory;
- arrays.py: logistic regression (10,000 x 100) and the two-layer network (H = 2, 256);
- hessian.py: the Hessian of a quadratic form (n = 2, 50, 200) and a Hessian-vector product;
- profile.py: where minigrad's time goes on the 10^4-node graph (``--profile``).

Every engine's result is checked against a hand-derived one before timing; a disagreement
fails the run.  ``--quick`` runs every workload at tiny sizes: the CI smoke test.
"""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from .. import progress
from . import arrays, hessian, long_chain, scalar
from .engines import minigrad_grad, optional
from .profile import profile_lines
from .report import render
from .section import Outcome, Section, run_section

PEERS = ("micrograd.engine", "autograd", "torch", "jax")


@dataclass(frozen=True)
class PeerSizes:
    chain_blocks: tuple[int, ...]  # residual chain, 4 nodes per block
    long_chain: int                # operations in the sin chain
    logistic: tuple[int, int]      # rows, features
    mlp_points: int
    mlp_widths: tuple[int, ...]
    hessian_n: tuple[int, ...]
    hvp_n: int
    profile_blocks: int
    repeats: int
    heavy_repeats: int             # for graphs of 10^5 nodes, where peers take seconds
    min_time: float                # seconds per timing sample


FULL = PeerSizes(chain_blocks=(250, 2500, 25_000), long_chain=10**6, logistic=(10_000, 100),
                 mlp_points=10_000, mlp_widths=(2, 256), hessian_n=(2, 50, 200), hvp_n=200,
                 profile_blocks=2500, repeats=5, heavy_repeats=3, min_time=0.05)
QUICK = PeerSizes(chain_blocks=(25,), long_chain=3000, logistic=(500, 20), mlp_points=500,
                  mlp_widths=(2, 16), hessian_n=(2, 10), hvp_n=20, profile_blocks=25,
                  repeats=3, heavy_repeats=1, min_time=0.0)

WORKLOADS: dict[str, Callable[[PeerSizes], Iterable[Section]]] = {  # lazily: one section at a time
    "scalar": lambda z: (scalar.chain_grad_section(b, z.heavy_repeats) for b in z.chain_blocks),
    "jvp": lambda z: (scalar.chain_jvp_section(b, z.heavy_repeats) for b in z.chain_blocks),
    "chain": lambda z: [long_chain.long_chain_section(z.long_chain)],
    "lognormal": lambda z: [scalar.lognormal_section()],
    "logistic": lambda z: [arrays.logistic_section(*z.logistic)],
    "mlp": lambda z: (arrays.mlp_section(h, z.mlp_points) for h in z.mlp_widths),
    "hessian": lambda z: (hessian.hessian_section(n) for n in z.hessian_n),
    "hvp": lambda z: [hessian.hvp_section(z.hvp_n)],
}


def run(quick: bool = False, repeats: int | None = None, profile: bool = False,
        only: list[str] | None = None) -> tuple[str, bool]:
    """Build, check and time each workload in turn; return the Markdown report and whether all agreed."""
    sizes = QUICK if quick else FULL
    if repeats is not None:
        sizes = replace(sizes, repeats=repeats)
    load_before = os.getloadavg()
    jax = optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
    for peer in PEERS:
        optional(peer)
    # autograd's tanh rule divides by cosh(x)**2, which overflows to inf on the chain's large
    # values: the quotient is the right 0, the warning only noise on the terminal.
    warnings.filterwarnings("ignore", "overflow encountered", RuntimeWarning, r"autograd\.")
    gc.collect()
    gc.freeze()  # the peers' modules: no collection should walk them (0.25 s per gc.collect here)
    outcomes: list[Outcome] = []
    for key in only or WORKLOADS:
        for section in WORKLOADS[key](sizes):
            progress(section.title)
            outcomes.append(run_section(section, sizes.repeats, sizes.min_time))
    lines: list[str] = []
    if profile:
        p = scalar.chain_problem(sizes.profile_blocks)
        lines = profile_lines(minigrad_grad(p), f"gradient of the {p.nodes:,}-node residual chain")
    flags = (" --quick" if quick else "") + (" --profile" if profile else "") \
        + (f" --only {','.join(only)}" if only else "")
    title = "minigrad vs its peers" + (" (--quick)" if quick else "")
    return render(title, f"python -m bench --peers{flags}", sizes.min_time, load_before, outcomes, lines), \
        all(o.ok for o in outcomes)
