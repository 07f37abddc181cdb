"""``python -m bench --jit``: ``minigrad.jit`` against the floors it is meant to reach, and
against ``jax.jit`` (issue 16).

Four workloads, each checked against its hand-derived derivative before it is timed, every
engine in the same interleaved rounds (bench/peers/section.py does both):

- the residual chain of 10^4 scalar nodes: ``jit(grad)`` per call against a hand-written
  adjoint in plain floats, minigrad's eager gradient and micrograd; the first call (trace,
  write, compile) in microseconds per node beside ``jax.jit``'s compile time;
- the logistic objective, 10,000 x 100: ``jit(grad)`` against the NumPy forward pass and a
  hand-written NumPy gradient;
- the Hessian of a quadratic form, n = 50: ``jit(jacfwd(jacrev))`` against ``jax.jit`` of the same;
- the tutorial's two-layer network, H = 256, 10,000 points: ``jit(grad)`` against a
  hand-written NumPy gradient of the same network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
import numpy as np

import minigrad as mg
from minigrad import examples

from .peers import arrays
from .peers import engines as E
from .peers.hessian import problem, quadratic_form
from .peers.report import run_report
from .peers.section import Goal, Section
from .timing import fmt_seconds
from .workloads import NODES_PER_BLOCK, residual_chain, residual_chain_derivative

JIT = "mg.jit(grad), per call"
EAGER = "minigrad grad (eager: record + sweep)"
HAND_FLOAT = "hand-written adjoint, plain floats"
HAND_NUMPY = "hand-written NumPy gradient"
FLOOR = "plain NumPy forward (floor)"
X0, W0 = 1.0, 0.05


@dataclass(frozen=True)
class Sizes:
    blocks: int
    jax_blocks: int  # the chain jax.jit compiles, for its first call
    logistic: tuple[int, int]
    hessian_n: int
    mlp: tuple[int, int]  # hidden width, points
    repeats: int
    min_time: float


FULL = Sizes(blocks=2500, jax_blocks=100, logistic=(10_000, 100), hessian_n=50, mlp=(256, 10_000), repeats=9, min_time=0.05)
QUICK = Sizes(blocks=25, jax_blocks=25, logistic=(500, 20), hessian_n=5, mlp=(8, 200), repeats=3, min_time=0.0)


def hand_adjoint(x: float, w: float, blocks: int) -> tuple[float, float]:
    """The chain's gradient as one writes it by hand: the forward pass keeping what the
    backward pass needs, then the adjoints from the end.  The floor of any Python engine."""
    tanh = math.tanh
    hs, ts = [0.0] * blocks, [0.0] * blocks
    h = x
    for i in range(blocks):
        hs[i] = h
        t = tanh(h * w)
        ts[i] = t
        h = h + t * t * t
    h_bar, w_bar = 1.0, 0.0
    for i in range(blocks - 1, -1, -1):
        t = ts[i]
        u_bar = h_bar * 3.0 * t * t * (1.0 - t * t)
        w_bar += u_bar * hs[i]
        h_bar += u_bar * w
    return h_bar, w_bar


def _jitted(f, *args):
    """``mg.jit(f)`` compiled for ``args`` (the first call), the engine, and what compiling took."""
    j = mg.jit(f)
    j(*args)
    return j, (lambda: j(*args)), j.last_compile


def chain_problem(blocks: int) -> E.ScalarProblem:
    return E.ScalarProblem(lambda ns, x, w: residual_chain(x, w, blocks, ns=ns), (X0, W0), (1.0, 0.0),
                           NODES_PER_BLOCK * blocks)


def first_calls(blocks: int, with_jax: bool = True) -> list[str]:
    """The first call of mg.jit(grad) and of jax.jit(grad) on the chain, in us per node."""
    p = chain_problem(blocks)
    _, _, seconds = _jitted(mg.grad(p.on(mg.numpy), argnums=(0, 1)), X0, W0)
    first = sum(seconds[k] for k in ("trace", "write", "compile"))
    lines = [f"{p.nodes:,} nodes, mg.jit(grad): {first * 1e6 / p.nodes:.0f} us per node "
             f"({fmt_seconds(first).strip()}: trace {seconds['trace'] * 1e6 / p.nodes:.0f}, write "
             f"{seconds['write'] * 1e6 / p.nodes:.0f}, compile {seconds['compile'] * 1e6 / p.nodes:.0f} "
             f"us per node; {seconds['variables']:,} variables: the chain and its adjoint computation)"]
    if with_jax and E.optional("jax") is not None:
        times: dict[str, float] = {}
        E.jax_jit_grad(p, times)
        t = times["JAX jit(grad)"]
        lines.append(f"{p.nodes:,} nodes, jax.jit(grad) (trace, lower, compile with XLA): "
                     f"{t * 1e6 / p.nodes:.0f} us per node ({fmt_seconds(t).strip()})")
    return lines


def chain_section(blocks: int, jax_blocks: int) -> Section:
    """Per call on the chain; the first calls beside jax.jit's, which is timed on a chain of
    ``jax_blocks`` (XLA takes minutes to compile 10^4 unrolled scalar operations)."""
    p = chain_problem(blocks)
    _, run, _ = _jitted(mg.grad(p.on(mg.numpy), argnums=(0, 1)), X0, W0)
    engines = {JIT: run, HAND_FLOAT: lambda: hand_adjoint(X0, W0, blocks), EAGER: E.minigrad_grad(p)}
    notes: list[str] = []
    E.add_peers(engines, notes, [E.MICROGRAD], p)
    extra = [f"first call (trace + write + compile, once per signature), {line}"
             for line in first_calls(jax_blocks) + (first_calls(blocks, False) if blocks != jax_blocks else [])]
    goals = [Goal("jit(grad) 10^4-node chain / hand-written adjoint in floats", JIT, HAND_FLOAT, 2.0)]
    if "micrograd (Value)" in engines:
        goals.append(Goal("jit(grad) 10^4-node chain / micrograd (goal: 20x faster)", JIT,
                          "micrograd (Value)", 0.05))
    return Section(f"Residual chain, {p.nodes:,} scalar nodes: gradient (d/dx, d/dw)", engines,
                   residual_chain_derivative(X0, W0, blocks)[1], JIT, per=(p.nodes, "node"),
                   notes=notes, extra=extra, goals=goals if p.nodes == 10_000 else [])


def _array_section(title: str, f, model, hand, p, X, y, goal: Goal | None) -> Section:
    """``jit(grad(f))`` beside the eager gradient, the hand-written one, the NumPy forward
    and JAX's compiled gradient, with ``(p, X, y)`` as the arguments of every call."""
    _, run, seconds = _jitted(mg.grad(f), p, X, y)
    eager = mg.grad(f)
    engines = {JIT: run, HAND_NUMPY: lambda: hand(p, X, y), EAGER: lambda: eager(p, X, y)}
    notes: list[str] = []
    compile_times: dict[str, float] = {"mg.jit(grad)": sum(seconds[k] for k in ("trace", "write", "compile"))}
    E.add_peers(engines, notes, [("JAX jit(grad), compiled", "jax", arrays.jax_jit_engine)],
                model, p, X, y, compile_times)
    ops = arrays.numpy_like_ops(np)
    engines[FLOOR] = lambda: model(ops, p, X, y)
    return Section(title, engines, hand(p, X, y), JIT, floor=FLOOR, notes=notes,
                   compile_times=compile_times, goals=[goal] if goal else [])


def logistic_section(n: int, d: int) -> Section:
    X, y, _ = examples.logistic_data(0, n=n, d=d)
    rng = np.random.default_rng(1)
    p = {"b0": 0.1, "b1": 0.1 * rng.standard_normal(d)}
    goal = Goal("jit(grad) logistic 10,000 x 100 / NumPy forward", JIT, FLOOR, 1.8) \
        if (n, d) == (10_000, 100) else None
    return _array_section(f"Logistic regression, {n:,} x {d}: gradient", examples.logistic_loglik,
                          arrays.logistic_loglik, arrays.logistic_gradient, p, X, y, goal)


def mlp_section(hidden: int, points: int) -> Section:
    X, y = examples.hill_data(0, n=points)
    p = examples.init_mlp(hidden, seed=0)
    goal = Goal("jit(grad) network H = 256 / hand-written NumPy gradient", JIT, HAND_NUMPY, 1.1) \
        if (hidden, points) == (256, 10_000) else None
    return _array_section(f"Two-layer network, H = {hidden}, {points:,} points: gradient", examples.mlp_loss,
                          arrays.mlp_loss, arrays.mlp_gradient, p, X, y, goal)


def guards_section() -> Section:
    """What guards cost per call: a jitted scalar function with three decisions (Python's
    ``and``/``if`` on traced comparisons, each compiled as a check) against the same
    function without them.  Both return the same value; the goal is on the difference."""
    def plain(x):
        return mg.numpy.sin(x) * 2.0 + x

    def guarded(x):
        y = mg.numpy.sin(x) * 2.0 + x
        if x > -100.0 and x < 100.0 and y != 1e300:  # three decisions, the same each call
            return y
        return -y

    x = 0.7
    with_guards, without = "mg.jit, 3 decisions (guards), per call", "mg.jit, no decision, per call"
    engines = {with_guards: _jitted(guarded, x)[1], without: _jitted(plain, x)[1]}
    goal = Goal("guards: 3 decisions add at most 1 us per call (difference)", with_guards, without, 1.0,
                difference=True)
    return Section("Guards: a jitted function with 3 decisions against one without", engines,
                   math.sin(x) * 2.0 + x, with_guards, goals=[goal])


def quadratic_plus_cosines(x, A, b, ns):
    """0.5 x^T A x + b^T x + sum(cos x): its Hessian, A - diag(cos x), depends on x."""
    return quadratic_form(x, A, b) + ns.sum(ns.cos(x))


def hessian_section(n: int, curved: bool) -> Section:
    """``jacfwd(jacrev)`` of the quadratic form (a constant Hessian, A) or, with ``curved``,
    of the form plus sum(cos x) (Hessian A - diag(cos x), so the program must work on x)."""
    A, b, x, _ = problem(n)
    mine = "mg.jit(jacfwd(jacrev)), per call"

    def f(ns):
        return (lambda z: quadratic_plus_cosines(z, A, b, ns)) if curved else (lambda z: quadratic_form(z, A, b))

    _, run, seconds = _jitted(mg.jacfwd(mg.jacrev(f(mg.numpy))), x)
    eager = mg.jacfwd(mg.jacrev(f(mg.numpy)))
    engines = {mine: run, "minigrad jacfwd(jacrev) (eager)": lambda: eager(x)}
    compile_times = {"mg.jit(jacfwd(jacrev))": sum(seconds[k] for k in ("trace", "write", "compile"))}
    notes: list[str] = []
    jax = E.optional("jax")
    if jax is not None:
        xj = jax.numpy.asarray(x)
        Aj, bj = jax.numpy.asarray(A), jax.numpy.asarray(b)
        g = (lambda z: quadratic_plus_cosines(z, Aj, bj, jax.numpy)) if curved else \
            (lambda z: quadratic_form(z, Aj, bj))
        exe = E.compiled(jax.jit(jax.jacfwd(jax.jacrev(g))), (xj,), compile_times, "JAX jit(jacfwd(jacrev))")
        engines["JAX jit(jacfwd(jacrev)), compiled"] = lambda: jax.block_until_ready(exe(xj))
    else:
        notes.append("JAX: skipped (jax not installed)")
    what = "0.5 x^T A x + b^T x + sum cos x" if curved else "0.5 x^T A x + b^T x"
    goals = [Goal(f"jit Hessian of {what}, n = 50 / jax.jit", mine, "JAX jit(jacfwd(jacrev)), compiled", 1.0)] \
        if n == 50 and jax is not None else []
    expected = A - np.diag(np.cos(x)) if curved else A
    return Section(f"Hessian of {what}, n = {n}: jacfwd(jacrev(f))", engines, expected, mine,
                   notes=notes, compile_times=compile_times, goals=goals)


def run(quick: bool = False, repeats: int | None = None) -> tuple[str, bool]:
    """Build, check and time each workload; the Markdown report and whether all agreed."""
    sizes = QUICK if quick else FULL
    if repeats is not None:
        sizes = replace(sizes, repeats=repeats)
    builders = [("residual chain", lambda: chain_section(sizes.blocks, sizes.jax_blocks)),
                ("logistic regression", lambda: logistic_section(*sizes.logistic)),
                ("Hessian", lambda: hessian_section(sizes.hessian_n, curved=False)),
                ("Hessian, curved", lambda: hessian_section(sizes.hessian_n, curved=True)),
                ("two-layer network", lambda: mlp_section(*sizes.mlp)),
                ("guards", guards_section)]
    quick_note = " --quick" if quick else ""
    return run_report(f"mg.jit{' (--quick)' if quick else ''}", f"python -m bench --jit{quick_note}",
                      builders, sizes.repeats, sizes.min_time, "Goals of issues 16 and 22")
