"""Array workloads: the logistic-regression objective (10,000 x 100) and the tutorial's
two-layer network (hidden width 2 and 256, 10,000 points), gradient time over the plain
NumPy forward time.

minigrad runs the tutorial's own functions (``minigrad.examples``, softplus as a logsumexp
over a stack).  The peers and the NumPy floor run one generic definition of each model,
``model(ops, params, X, y)``, with the engine's array namespace in ``ops`` (softplus as
``logaddexp(0, z)``); the hand-written NumPy gradients are the hand-derived references.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np

import minigrad as mg
from minigrad import examples

from . import engines as E
from .section import Goal, Section

MINIGRAD = "minigrad (record + reverse sweep)"
HAND = "hand-written NumPy gradient"
FLOOR = "plain NumPy forward (floor)"
Params = dict[str, Any]


def numpy_like_ops(xp: Any) -> SimpleNamespace:
    """sigmoid, softplus and mean from a NumPy-like module (numpy, autograd.numpy, jax.numpy)."""
    return SimpleNamespace(sigmoid=lambda z: 0.5 * (xp.tanh(0.5 * z) + 1.0),
                           softplus=lambda z: xp.logaddexp(0.0, z), mean=xp.mean)


def torch_ops(torch: Any) -> SimpleNamespace:
    zero = torch.zeros((), dtype=torch.float64)
    return SimpleNamespace(sigmoid=torch.sigmoid, softplus=lambda z: torch.logaddexp(zero, z),
                           mean=torch.mean)


def logistic_loglik(ops: Any, p: Params, X: Any, y: Any) -> Any:
    z = p["b0"] + X @ p["b1"]
    return ops.mean(y * z - ops.softplus(z))


def mlp_loss(ops: Any, p: Params, X: Any, y: Any) -> Any:
    hidden = ops.sigmoid(X @ p["W0"] + p["b0"])
    z = hidden @ p["W1"] + p["b1"]
    return -ops.mean(y * z - ops.softplus(z))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * z) + 1.0)


def logistic_gradient(p: Params, X: np.ndarray, y: np.ndarray) -> Params:
    r = (y - _sigmoid(p["b0"] + X @ p["b1"])) / len(y)
    return {"b0": r.sum(), "b1": X.T @ r}


def mlp_gradient(p: Params, X: np.ndarray, y: np.ndarray) -> Params:
    hidden = _sigmoid(X @ p["W0"] + p["b0"])
    r = (_sigmoid(hidden @ p["W1"] + p["b1"]) - y) / len(y)   # d loss / d logits
    da = np.outer(r, p["W1"]) * hidden * (1.0 - hidden)
    return {"W0": X.T @ da, "b0": da.sum(axis=0), "W1": hidden.T @ r, "b1": r.sum()}


# ---- one builder per peer: (model, params, X, y, compile_times) -> engine --------------

def autograd_engine(model: Callable, p: Params, X: np.ndarray, y: np.ndarray, _: dict) -> E.Engine:
    ag = importlib.import_module("autograd")
    ops = numpy_like_ops(importlib.import_module("autograd.numpy"))
    g = ag.grad(lambda q: model(ops, q, X, y))
    return lambda: g(p)


def torch_engine(model: Callable, p: Params, X: np.ndarray, y: np.ndarray, _: dict) -> E.Engine:
    torch = importlib.import_module("torch")
    ops, Xt, yt = torch_ops(torch), torch.from_numpy(X), torch.from_numpy(y)

    def run() -> Params:
        q = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p.items()}
        grads = torch.autograd.grad(model(ops, q, Xt, yt), list(q.values()))
        return dict(zip(q, grads))
    return run


def _jax_setup(model: Callable, p: Params, X: np.ndarray, y: np.ndarray) -> tuple:
    jax = importlib.import_module("jax")
    ops, Xj, yj = numpy_like_ops(jax.numpy), jax.numpy.asarray(X), jax.numpy.asarray(y)
    pj = jax.tree_util.tree_map(jax.numpy.asarray, p)
    return jax, jax.grad(lambda q: model(ops, q, Xj, yj)), pj


def jax_engine(model: Callable, p: Params, X: np.ndarray, y: np.ndarray, _: dict) -> E.Engine:
    jax, g, pj = _jax_setup(model, p, X, y)
    return lambda: jax.block_until_ready(g(pj))


def jax_jit_engine(model: Callable, p: Params, X: np.ndarray, y: np.ndarray,
                   compile_times: dict) -> E.Engine:
    jax, g, pj = _jax_setup(model, p, X, y)
    exe = E.compiled(jax.jit(g), (pj,), compile_times, "JAX jit(grad)")
    return lambda: jax.block_until_ready(exe(pj))


PEERS: E.PeerTable = [
    ("autograd (HIPS)", "autograd", autograd_engine),
    ("PyTorch eager", "torch", torch_engine),
    ("JAX jit(grad), compiled", "jax", jax_jit_engine),
    ("JAX grad, no jit", "jax", jax_engine),
]


def array_section(title: str, tutorial_f: Callable, model: Callable, hand: Callable,
                  p: Params, X: np.ndarray, y: np.ndarray, goals: list[Goal]) -> Section:
    g = mg.grad(tutorial_f)
    engines: dict[str, E.Engine] = {MINIGRAD: lambda: g(p, X, y), HAND: lambda: hand(p, X, y)}
    notes: list[str] = []
    compile_times: dict[str, float] = {}
    E.add_peers(engines, notes, PEERS, model, p, X, y, compile_times)
    np_ops = numpy_like_ops(np)
    engines[FLOOR] = lambda: model(np_ops, p, X, y)
    return Section(title, engines, hand(p, X, y), MINIGRAD, floor=FLOOR, notes=notes,
                   compile_times=compile_times, goals=goals)


def logistic_section(n: int, d: int) -> Section:
    X, y, _ = examples.logistic_data(0, n=n, d=d)
    rng = np.random.default_rng(1)
    p = {"b0": 0.1, "b1": 0.1 * rng.standard_normal(d)}
    goals = [Goal("logistic objective gradient / NumPy forward", MINIGRAD, FLOOR, 3.0)] \
        if (n, d) == (10_000, 100) else []
    return array_section(f"Logistic regression mean log-likelihood, {n:,} x {d}: gradient",
                         examples.logistic_loglik, logistic_loglik, logistic_gradient, p, X, y, goals)


def mlp_section(hidden: int, points: int) -> Section:
    X, y = examples.hill_data(0, n=points)
    p = examples.init_mlp(hidden, seed=0)
    goals = [Goal("two-layer network H = 256 gradient / NumPy forward", MINIGRAD, FLOOR, 3.0)] \
        if (hidden, points) == (256, 10_000) else []
    return array_section(f"Two-layer network (tutorial), H = {hidden}, {points:,} points: gradient",
                         examples.mlp_loss, mlp_loss, mlp_gradient, p, X, y, goals)
