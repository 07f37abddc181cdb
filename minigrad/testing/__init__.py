"""Tools for checking derivatives: finite differences (and, later, agreement checkers)."""

from .finite_differences import central_difference_grad

__all__ = ["central_difference_grad"]
