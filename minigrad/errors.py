"""The errors minigrad raises: each names the variable, the operation and the fix.

They subclass the built-in exception a user would catch anyway (``TypeError``,
``ValueError``), so ``except ValueError`` keeps working around minigrad code.
"""

import numpy as np


class MinigradError(Exception):
    """Base class of every error minigrad raises on purpose."""


class TracedValueError(MinigradError, TypeError):
    """A traced variable was used where a concrete Python value is needed."""


class ShapeError(MinigradError, ValueError):
    """An operation's inputs have shapes that do not fit together."""


class TransformError(MinigradError, TypeError):
    """A transformation (grad, jvp, ...) was given arguments it cannot differentiate."""


class EscapedVariableError(MinigradError, RuntimeError):
    """A variable was used after the trace that recorded it had finished."""


class GuardError(MinigradError, ValueError):
    """A program written from a trace was called where one of the trace's decisions (a
    branch, a loop test) goes the other way: the program does not hold there."""


class SingularMatrixError(MinigradError, np.linalg.LinAlgError):
    """A linear-algebra operation was given a singular (or, for cholesky, not positive-definite)
    matrix; ``except np.linalg.LinAlgError`` catches it, as it catches NumPy's."""
