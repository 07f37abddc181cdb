"""minigrad's transformation names, computed by JAX (optionally compiled with ``jit``)."""

from __future__ import annotations

from typing import Callable, Sequence

import jax

jit, vmap = jax.jit, jax.vmap


def _maybe_jit(fn: Callable, compile_: bool) -> Callable:
    return jax.jit(fn) if compile_ else fn


def grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
         holomorphic: bool = False, *, jit: bool = False) -> Callable:
    """``jax.grad`` of the user's function; ``jit=True`` compiles it."""
    return _maybe_jit(jax.grad(f, argnums, has_aux=has_aux, holomorphic=holomorphic), jit)


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   holomorphic: bool = False, *, jit: bool = False) -> Callable:
    """``jax.value_and_grad`` of the user's function; ``jit=True`` compiles it."""
    return _maybe_jit(jax.value_and_grad(f, argnums, has_aux=has_aux, holomorphic=holomorphic), jit)


def jvp(f: Callable, primals: Sequence, tangents: Sequence):
    """``jax.jvp``: ``(f(*primals), J @ tangents)``."""
    return jax.jvp(f, tuple(primals), tuple(tangents))


def vjp(f: Callable, *primals, has_aux: bool = False):
    """``jax.vjp``: ``(f(*primals), vjp_fn)``."""
    return jax.vjp(f, *primals, has_aux=has_aux)


def jacfwd(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False, *, jit: bool = False) -> Callable:
    return _maybe_jit(jax.jacfwd(f, argnums, has_aux=has_aux, holomorphic=holomorphic), jit)


def jacrev(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False, *, jit: bool = False) -> Callable:
    return _maybe_jit(jax.jacrev(f, argnums, has_aux=has_aux, holomorphic=holomorphic), jit)


def hessian(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
            holomorphic: bool = False, *, jit: bool = False) -> Callable:
    return _maybe_jit(jax.hessian(f, argnums, has_aux=has_aux, holomorphic=holomorphic), jit)
