"""``minigrad.scipy``: the parts of ``jax.scipy`` minigrad has (``special``)."""

from . import special

__all__ = ["special"]
