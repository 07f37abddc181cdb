"""Tools for checking derivatives: finite differences and hypothesis strategies.

``points``, ``broadcastable_shapes`` and ``programs`` (random smooth programs over the
primitive table) are hypothesis strategies for users' tests and minigrad's own.
"""

from .finite_differences import central_difference_grad
from .strategies import DOMAINS, OPS, Op, Program, broadcastable_shapes, points, programs

__all__ = ["central_difference_grad", "points", "broadcastable_shapes", "programs", "Program",
           "Op", "OPS", "DOMAINS"]
