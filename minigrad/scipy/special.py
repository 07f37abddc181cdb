"""``minigrad.scipy.special``: ``jax.scipy.special``'s functions that are table entries or
exact compositions of them, with its signatures."""

from __future__ import annotations

from ..nn import logsumexp
from ..primitives import erf, erfc
from ..primitives import sigmoid as expit

__all__ = ["erf", "erfc", "expit", "logsumexp"]
