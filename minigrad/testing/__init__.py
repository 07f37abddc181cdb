"""Tools for checking derivatives: the agreement checker, finite differences, strategies.

``check_agreement`` / ``assert_agree`` compare minigrad's two modes, JAX and finite
differences at a point, and name the first variable where minigrad and JAX diverge.
``check_rules`` / ``assert_rules`` hold a user's own rules (``mg.custom_jvp``, ``custom_vjp``,
``primitive``) against differences, the complex step, the adjoint identity and their bodies.

``points``, ``broadcastable_shapes``, ``programs`` (random smooth programs over the
primitive table) and ``branching_programs`` (random programs with control flow, closures,
custom rules and linear algebra, with points on both sides of a decision) are hypothesis
strategies for users' tests and minigrad's own.
"""

from typing import TYPE_CHECKING

from .agreement import AgreementReport, Comparison, Divergence, assert_agree, check_agreement
from .finite_differences import central_difference_grad
from .rules import RulesReport, assert_rules, check_rules

if TYPE_CHECKING:  # at run time, __getattr__ imports them when first used
    from .strategies import (DOMAINS, FEATURES, OPS, BranchingProgram, Op, Program,
                             branching_programs, broadcastable_shapes, points, programs)

_STRATEGIES = {"DOMAINS", "OPS", "Op", "Program", "broadcastable_shapes", "points", "programs",
               "branching_programs", "BranchingProgram", "FEATURES"}


def __getattr__(name: str):
    """The strategies, imported on first use: they need hypothesis (the ``test`` extra),
    which ``check_agreement`` and ``minigrad demo`` do not."""
    if name in _STRATEGIES:
        try:
            from . import strategies
        except ImportError as e:
            raise ImportError(f"minigrad.testing.{name} is a hypothesis strategy, and hypothesis "
                              f"is not installed ({e}). Fix: pip install hypothesis, or install "
                              f"minigrad with its test extra.") from e
        return getattr(strategies, name)
    raise AttributeError(f"module 'minigrad.testing' has no attribute {name!r}")


__all__ = ["check_rules", "assert_rules", "RulesReport", "check_agreement", "assert_agree", "AgreementReport", "Comparison", "Divergence",
           "central_difference_grad", "points", "broadcastable_shapes", "programs", "Program",
           "Op", "OPS", "DOMAINS", "branching_programs", "BranchingProgram", "FEATURES"]
