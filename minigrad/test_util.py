"""``minigrad.test_util.check_grads``: ``jax.test_util.check_grads``'s signature, on minigrad's
agreement checker (forward and reverse mode, JAX and finite differences, ``minigrad.testing``)."""

from __future__ import annotations

import sys
from typing import Callable, Sequence

import numpy as np

from .pytree import flatten, unflatten
from .testing import assert_agree
from . import transforms

__all__ = ["check_grads"]


def check_grads(f: Callable, args: Sequence, order: int, modes: Sequence[str] = ("fwd", "rev"),
                atol: float | None = None, rtol: float | None = None, eps: float | None = None) -> None:
    """Check ``f``'s derivatives at ``args`` up to ``order``: raise AssertionError where they
    disagree with finite differences (and with each other, and JAX's, where installed).

    Order 1 checks ``f`` itself with ``minigrad.testing.assert_agree``; each higher order
    checks the derivative of the one below, as JAX does: the JVP along a fixed random
    tangent (``"fwd"`` in ``modes``) and the VJP of a fixed random cotangent (``"rev"``).
    ``atol``/``rtol`` are the finite differences' tolerances (default 1e-5, JAX's for
    float64); ``eps`` is accepted for JAX's signature (the checker picks its own steps)."""
    if not isinstance(args, (tuple, list)):
        raise TypeError(f"check_grads: args must be a tuple of the arguments, got "
                        f"{type(args).__name__}. Fix: check_grads(f, (x,), order=1).")
    for mode in modes:
        if mode not in ("fwd", "rev"):
            raise ValueError(f"check_grads: mode {mode!r} is not 'fwd' or 'rev'.")
    tol = dict(fd_rtol=1e-5 if rtol is None else rtol, fd_atol=1e-5 if atol is None else atol)
    _check(f, tuple(args), order, tuple(modes), tol, np.random.default_rng(0))


def _check(f, args, order, modes, tol, rng):
    if order <= 0:
        return
    assert_agree(f, *args, **tol)
    if order == 1:
        return
    if "fwd" in modes:
        tangents = tuple(_random(a, rng) for a in args)
        _check(lambda *xs: _engine(xs).jvp(f, xs, tangents)[1], args, order - 1, modes, tol, rng)
    if "rev" in modes:
        cotangent = _random(f(*args), rng)
        _check(lambda *xs: _engine(xs).vjp(f, *xs)[1](cotangent), args, order - 1, modes, tol, rng)


def _engine(xs):
    """JAX for JAX's values (the checker runs the function through JAX too), else minigrad."""
    jax = sys.modules.get("jax")
    if jax is not None and any(isinstance(x, jax.Array) for x in flatten(xs)[0]):
        return jax
    return transforms


def _random(tree, rng):
    leaves, td = flatten(tree)
    return unflatten(td, [rng.normal(size=np.shape(x)) if np.ndim(x) else float(rng.normal()) for x in leaves])
