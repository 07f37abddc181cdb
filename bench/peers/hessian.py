"""Second order: the Hessian of a quadratic form by ``jacfwd(jacrev(f))`` and a Hessian-vector
product by forward-over-reverse, against the exact answers ``A`` and ``A @ v``.

f(x) = 0.5 x^T A x + b^T x is written once; each engine gets ``A`` and ``b`` as its own
arrays, so what differs between rows is only the machinery.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

import minigrad as mg

from . import engines as E
from .section import Goal, Section

Arr = np.ndarray
MINIGRAD_H = "minigrad jacfwd(jacrev)"
MINIGRAD_HVP = "minigrad jvp(grad) (forward-over-reverse)"
AUTOGRAD = "autograd (HIPS)"
TORCH_H = "torch.func.hessian (jacfwd(jacrev))"


def quadratic_form(x: Any, A: Any, b: Any) -> Any:
    return 0.5 * x @ (A @ x) + b @ x


def problem(n: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Symmetric ``A``, ``b``, a point ``x`` and a direction ``v``, all seeded."""
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n))
    return (M + M.T) / 2, rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n)


# ---- builders: (A, b, x, v, compile_times) -> engine ------------------------------------

def autograd_hessian(A: Arr, b: Arr, x: Arr, v: Arr, _: dict) -> E.Engine:
    H = importlib.import_module("autograd").hessian(lambda z: quadratic_form(z, A, b))
    return lambda: H(x)


def autograd_hvp(A: Arr, b: Arr, x: Arr, v: Arr, _: dict) -> E.Engine:
    hvp = importlib.import_module("autograd").hessian_vector_product(lambda z: quadratic_form(z, A, b))
    return lambda: hvp(x, v)


def _torch(A: Arr, b: Arr, x: Arr, v: Arr) -> tuple:
    torch = importlib.import_module("torch")
    At, bt, xt, vt = (torch.from_numpy(a) for a in (A, b, x, v))
    return torch.func, (lambda z: quadratic_form(z, At, bt)), xt, vt


def torch_hessian(A: Arr, b: Arr, x: Arr, v: Arr, _: dict) -> E.Engine:
    func, f, xt, _vt = _torch(A, b, x, v)
    H = func.hessian(f)
    return lambda: H(xt)


def torch_hvp(A: Arr, b: Arr, x: Arr, v: Arr, _: dict) -> E.Engine:
    func, f, xt, vt = _torch(A, b, x, v)
    g = func.grad(f)
    return lambda: func.jvp(g, (xt,), (vt,))[1]


def _jax(A: Arr, b: Arr, x: Arr, v: Arr) -> tuple:
    jax = importlib.import_module("jax")
    Aj, bj, xj, vj = (jax.numpy.asarray(a) for a in (A, b, x, v))
    return jax, (lambda z: quadratic_form(z, Aj, bj)), xj, vj


def _jax_engines(make: Callable[[Any, Callable, Any, Any], Callable[[Any, Any], Any]]) -> tuple:
    """A no-jit and a jitted engine from ``make(jax, f, x, v) -> (x, v) -> result``."""
    def eager(A: Arr, b: Arr, x: Arr, v: Arr, _: dict) -> E.Engine:
        jax, f, xj, vj = _jax(A, b, x, v)
        fn = make(jax, f)
        return lambda: jax.block_until_ready(fn(xj, vj))

    def jitted(A: Arr, b: Arr, x: Arr, v: Arr, compile_times: dict) -> E.Engine:
        jax, f, xj, vj = _jax(A, b, x, v)
        exe = E.compiled(jax.jit(make(jax, f)), (xj, vj), compile_times, "JAX jit")
        return lambda: jax.block_until_ready(exe(xj, vj))
    return eager, jitted


jax_hessian, jax_jit_hessian = _jax_engines(lambda jax, f: lambda x, v: jax.jacfwd(jax.jacrev(f))(x))
jax_hvp, jax_jit_hvp = _jax_engines(lambda jax, f: lambda x, v: jax.jvp(jax.grad(f), (x,), (v,))[1])

HESSIAN_PEERS: E.PeerTable = [
    (AUTOGRAD, "autograd", autograd_hessian),
    (TORCH_H, "torch", torch_hessian),
    ("JAX jacfwd(jacrev), no jit", "jax", jax_hessian),
    ("JAX jit(jacfwd(jacrev)), compiled", "jax", jax_jit_hessian),
]
HVP_PEERS: E.PeerTable = [
    (AUTOGRAD, "autograd", autograd_hvp),
    ("torch.func.jvp(grad)", "torch", torch_hvp),
    ("JAX jvp(grad), no jit", "jax", jax_hvp),
    ("JAX jit(jvp(grad)), compiled", "jax", jax_jit_hvp),
]


def _section(title: str, mine: str, engine: Callable, peers: E.PeerTable, n: int,
             expected: Callable, goals: list[Goal]) -> Section:
    A, b, x, v = problem(n)
    notes: list[str] = []
    compile_times: dict[str, float] = {}
    engines = {mine: engine(A, b, x, v)}
    E.add_peers(engines, notes, peers, A, b, x, v, compile_times)
    return Section(title, engines, expected(A, v), mine, notes=notes, compile_times=compile_times,
                   goals=goals)


def hessian_section(n: int) -> Section:
    def mine(A: Arr, b: Arr, x: Arr, v: Arr) -> E.Engine:
        H = mg.jacfwd(mg.jacrev(lambda z: quadratic_form(z, A, b)))
        return lambda: H(x)
    goals = [Goal(f"Hessian n = 50, minigrad / {peer}", MINIGRAD_H, peer, 1.0)
             for peer in (AUTOGRAD, TORCH_H)] if n == 50 else []
    return _section(f"Hessian of 0.5 x^T A x + b^T x, n = {n}: jacfwd(jacrev(f))", MINIGRAD_H, mine,
                    HESSIAN_PEERS, n, lambda A, v: A, goals)


def hvp_section(n: int) -> Section:
    def mine(A: Arr, b: Arr, x: Arr, v: Arr) -> E.Engine:
        g = mg.grad(lambda z: quadratic_form(z, A, b))
        return lambda: mg.jvp(g, (x,), (v,))[1]
    goals = [Goal("Hessian-vector product n = 200, minigrad / autograd", MINIGRAD_HVP, AUTOGRAD, 1.0)] \
        if n == 200 else []
    return _section(f"Hessian-vector product of the same form, n = {n}", MINIGRAD_HVP, mine,
                    HVP_PEERS, n, lambda A, v: A @ v, goals)
