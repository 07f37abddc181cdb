"""The bundled example functions: the lectures' running examples, written once with ``mnp``.

Each runs unchanged on floats and NumPy arrays, under minigrad and under JAX.
"""

from __future__ import annotations

from . import numpy as mnp


def lognormal(y, mu, sigma):
    """log N(y | mu, sigma): the reference trace table of ``examples.md`` (ten variables)."""
    return -0.5 * ((y - mu) / sigma) ** 2 - mnp.log(sigma) - 0.5 * mnp.log(2 * mnp.pi)


def chain_rule(x1, x2):
    """z = x1 x2 + sin x1: the chain-rule example (five variables)."""
    return x1 * x2 + mnp.sin(x1)
