"""Tools for checking derivatives: the agreement checker, finite differences, strategies.

``check_agreement`` / ``assert_agree`` compare minigrad's two modes, JAX and finite
differences at a point, and name the first variable where minigrad and JAX diverge.
``check_rules`` / ``assert_rules`` hold a user's own rules (``mg.custom_jvp``, ``custom_vjp``,
``primitive``) against differences, the complex step, the adjoint identity and their bodies.

``points``, ``broadcastable_shapes`` and ``programs`` (random smooth programs over the
primitive table) are hypothesis strategies for users' tests and minigrad's own.
"""

from .agreement import AgreementReport, Comparison, Divergence, assert_agree, check_agreement
from .finite_differences import central_difference_grad
from .rules import RulesReport, assert_rules, check_rules
from .strategies import DOMAINS, OPS, Op, Program, broadcastable_shapes, points, programs

__all__ = ["check_rules", "assert_rules", "RulesReport", "check_agreement", "assert_agree", "AgreementReport", "Comparison", "Divergence",
           "central_difference_grad", "points", "broadcastable_shapes", "programs", "Program",
           "Op", "OPS", "DOMAINS"]
