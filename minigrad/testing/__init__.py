"""Tools for checking derivatives: the agreement checker, finite differences, strategies.

``check_agreement`` / ``assert_agree`` compare minigrad's two modes, JAX and finite
differences at a point, and name the first variable where minigrad and JAX diverge.

``points``, ``broadcastable_shapes`` and ``programs`` (random smooth programs over the
primitive table) are hypothesis strategies for users' tests and minigrad's own.
"""

from .agreement import AgreementReport, Comparison, Divergence, assert_agree, check_agreement
from .finite_differences import central_difference_grad
from .strategies import DOMAINS, OPS, Op, Program, broadcastable_shapes, points, programs

__all__ = ["check_agreement", "assert_agree", "AgreementReport", "Comparison", "Divergence",
           "central_difference_grad", "points", "broadcastable_shapes", "programs", "Program",
           "Op", "OPS", "DOMAINS"]
