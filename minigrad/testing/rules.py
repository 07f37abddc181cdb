"""``check_rules``: a user's derivative rules held against references that are not the rules.

At one point, or at points hypothesis draws from a domain, for a function using the user's
rules (``mg.custom_jvp``, ``mg.custom_vjp``, ``mg.primitive``) or for such a function itself:

* the JVP (minigrad forward mode) against central differences and the complex step of the
  plain evaluation (the implementation, not the rule);
* the VJP (reverse mode) against central differences, and against the JVP by the adjoint
  identity <u, J v> = <J^T u, v> (a VJP rule that does not transpose its JVP rule);
* the batch rules (``jacfwd``'s, a tangent per direction at once) against the JVP rules
  applied direction by direction;
* a rule returning a tangent or cotangent of the wrong shape fails its check, named;
* second order: the rules differentiated (forward over reverse; reverse over reverse where
  there is no forward mode) against central differences of the first derivatives; a rule
  that cannot be differentiated fails, unless ``second_order=False`` says it need not be;
* for custom functions, the rule against minigrad differentiating their bodies, exactly
  (``minigrad.custom.plain_bodies``), where the bodies can be differentiated.

The report is truthy when every check holds; otherwise it names the failing check and the
point, with the trace table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..custom import plain_bodies
from ..errors import MinigradError, TransformError
from ..graph import concrete, trace
from ..modes import batched_forward_sweep, forward_sweep
from .agreement import (Comparison, _as_float, _complex_step_directional, _errors, _fd_directional,
                        _fd_gradient, _flat, _on_leaves, _random_like)

__all__ = ["RulesReport", "check_rules", "assert_rules"]


@dataclass
class RulesReport:
    """Every check at the (first failing, or last) point; truthy when all hold."""

    function: str
    point: tuple
    checks: list[Comparison] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    table: str = ""
    points_checked: int = 1

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def failures(self) -> list[Comparison]:
        return [c for c in self.checks if not c.ok]

    def __str__(self) -> str:
        from ..explain.table import text_grid

        at = ", ".join(np.array2string(np.asarray(x), precision=17, separator=", ") for x in self.point)
        if self.ok:
            head = f"rules of {self.function}: all checks hold at {self.points_checked} point(s)"
        else:
            first = self.failures[0]
            head = (f"rules of {self.function}: {first.quantity} ({first.left} vs {first.right}) "
                    f"fails at ({at})")
        rows = [[c.quantity, f"{c.left} vs {c.right}", f"{c.max_abs:.2e}", f"{c.max_rel:.2e}",
                 c.tolerance, c.verdict] for c in self.checks]
        out = [head,
               text_grid(["check", "against", "max abs err", "max rel err", "tolerance", "ok"], rows)]
        out += [f"note: {n}" for n in self.notes]
        if self.table and not self.ok:
            out += ["", self.table]
        return "\n".join(out)

    __repr__ = __str__


def _vdot(a, b) -> float:
    return float(np.sum(_flat(a) * _flat(b)))


def _check_point(f: Callable, args: tuple, name: str, *, rtol: float, atol: float,
                 fd_rtol: float, fd_atol: float, seed: int, second_order: bool) -> RulesReport:
    from ..transforms import jvp, vjp

    report = RulesReport(name, args)
    results: dict = {}
    bounds: dict = {}

    def compare(quantity, left, right, r, a):
        x, y = _flat(results[(quantity, left)]), _flat(results[(quantity, right)])
        bound = bounds.get((quantity, right))
        if bound is not None and bound.shape == x.shape:  # differences: widened by their error bound
            bound = np.nan_to_num(bound, nan=0.0, posinf=0.0)
            (max_abs, max_rel, ok), shown = _errors(x, y, r, a + bound), float(np.max(bound, initial=0.0))
        else:
            (max_abs, max_rel, ok), shown = _errors(x, y, r, a), 0.0
        finite = bool(np.all(np.isfinite(x)) and np.all(np.isfinite(y)))
        report.checks.append(Comparison(quantity, left, right, max_abs, max_rel, r, a,
                                        ok and finite, shown, finite))

    def failed(quantity, what, err):
        report.checks.append(Comparison(quantity, what, f"error: {str(err).splitlines()[0][:200]}",
                                        np.inf, np.inf, rtol, atol, False, 0.0, False))

    graph = trace(f, *args)
    ops = max(1, sum(v.prim is not None for v in graph.variables))
    customs = {v.prim.custom for v in graph.variables if hasattr(v.prim, "custom")}
    rng = np.random.default_rng(seed)
    out = concrete(graph.outputs) if graph.owns(graph.outputs) else graph.outputs
    tangents = tuple(_random_like(rng, np.shape(a)) for a in args)
    u = _random_like(rng, np.shape(out))
    ws = tuple(_random_like(rng, np.shape(a)) for a in args)
    try:
        report.table = str(graph.table(mode="reverse" if np.shape(out) == () else None))
    except MinigradError:  # a rule refused: its check fails below; the table shows the values
        report.table = str(graph.table())

    # -- first order: the rules against the implementation's own values
    try:
        results[("jvp", "minigrad forward")] = jvp(f, args, tangents)[1]
        forward = True
    except TransformError as e:  # a custom_vjp: no forward mode, as in JAX
        forward = False
        report.notes.append(f"no forward mode ({str(e).split(':')[0]}): the VJP is checked "
                            f"against central differences, second order is reverse over reverse")
    except MinigradError as e:  # a rule refused (a tangent of the wrong shape): the verdict
        failed("jvp", "minigrad forward", e)
        return report
    try:
        results[("vjp", "minigrad reverse")] = vjp(f, *args)[1](u)
    except MinigradError as e:
        failed("vjp", "minigrad reverse", e)
        return report
    results[("jvp", "central differences")], bounds[("jvp", "central differences")] = \
        _fd_directional(f, args, tangents, ops)
    results[("vjp", "central differences")], bounds[("vjp", "central differences")] = \
        _fd_gradient(f, args, u, ops)
    if forward:
        compare("jvp", "minigrad forward", "central differences", fd_rtol, fd_atol)
        try:
            results[("jvp", "complex step")] = _complex_step_directional(f, args, tangents)
            compare("jvp", "minigrad forward", "complex step", rtol, atol)
        except (TypeError, ValueError, MinigradError) as e:
            report.notes.append(f"complex step skipped: {name} does not evaluate on complex "
                                f"numbers ({str(e).splitlines()[0][:120]})")
    compare("vjp", "minigrad reverse", "central differences", fd_rtol, fd_atol)
    if forward:
        results[("adjoint identity", "<u, J v> (jvp)")] = _vdot(u, results[("jvp", "minigrad forward")])
        results[("adjoint identity", "<J^T u, v> (vjp)")] = _vdot(results[("vjp", "minigrad reverse")],
                                                                 tangents)
        compare("adjoint identity", "<u, J v> (jvp)", "<J^T u, v> (vjp)", rtol, atol)

    # -- the batch rules against the JVP rules, direction by direction
    if forward and graph.owns(graph.outputs) and any(
            v.prim is not None and v.prim.batch is not None for v in graph.variables):
        _check_batch(graph, args, rng, results, compare, failed, rtol, atol)

    # -- second order: the rules are themselves differentiable
    def vjp_at(*xs):
        return vjp(f, *xs)[1](u)

    try:
        if forward:
            results[("second order", "forward over reverse")] = jvp(vjp_at, args, ws)[1]
            results[("second order", "central differences")], bounds[("second order", "central differences")] = \
                _fd_directional(vjp_at, args, ws, 3 * ops)
            compare("second order", "forward over reverse", "central differences", fd_rtol, fd_atol)
        else:
            along = lambda *xs: _dot_traced(vjp_at(*xs), ws)  # noqa: E731
            results[("second order", "reverse over reverse")] = vjp(along, *args)[1](1.0)
            results[("second order", "central differences")], bounds[("second order", "central differences")] = \
                _fd_gradient(along, args, 1.0, 3 * ops)
            compare("second order", "reverse over reverse", "central differences", fd_rtol, fd_atol)
    except MinigradError as e:
        if second_order:
            failed("second order", "the rule differentiated",
                   f"not differentiable (pass second_order=False if it need not be): {e}")
        else:
            report.notes.append(f"second order not checked (second_order=False): {str(e)[:120]}")

    # -- the rule against differentiating the custom function's body
    if customs:
        try:
            with plain_bodies():
                body_vjp = vjp(f, *args)[1](u)
                body_jvp = jvp(f, args, tangents)[1] if forward else None
        except MinigradError as e:
            report.notes.append(f"the bodies of {', '.join(c.__name__ for c in customs)} cannot be "
                                f"differentiated by minigrad ({str(e)[:120]}): the rules were "
                                f"held against differences only")
        else:
            results[("vjp", "the bodies differentiated")] = body_vjp
            compare("vjp", "minigrad reverse", "the bodies differentiated", rtol, atol)
            if forward:
                results[("jvp", "the bodies differentiated")] = body_jvp
                compare("jvp", "minigrad forward", "the bodies differentiated", rtol, atol)
    return report


def _check_batch(graph, args, rng, results, compare, failed, rtol, atol, directions: int = 3):
    """``jacfwd``'s batched sweep (the entries' ``batch`` rules) against one forward sweep
    per direction (their ``jvp`` rules): a batch rule that is not its JVP fails here."""
    stacked = [np.stack([np.asarray(_random_like(rng, np.shape(a))) for _ in range(directions)])
               for a in args]
    out = graph.outputs

    def tangent(found, shape):
        return np.zeros(shape) if found is None else np.asarray(concrete(found))

    try:
        at_once = batched_forward_sweep(graph, {v.index: s for v, s in zip(graph.inputs, stacked)},
                                        directions)[out.index]
        one_by_one = [forward_sweep(graph, {v.index: s[k] for v, s in zip(graph.inputs, stacked)})[out.index]
                      for k in range(directions)]
    except MinigradError as e:
        failed("batch", "the batch rules", e)
        return
    shape = np.shape(concrete(out.value))
    results[("batch", "jvp of 3 directions at once")] = tangent(at_once, (directions,) + shape)
    results[("batch", "jvp direction by direction")] = np.stack([tangent(t, shape) for t in one_by_one])
    compare("batch", "jvp of 3 directions at once", "jvp direction by direction", rtol, atol)


def _dot_traced(parts, ws):
    """<parts, ws> recorded (parts are traced): a scalar to differentiate once more."""
    from .. import numpy as mnp

    total = 0.0
    for p, w in zip(parts, ws):
        total = total + mnp.sum(p * w)
    return total


def check_rules(f: Callable, *args, domain=None, examples: int = 20, rtol: float = 1e-7,
                atol: float = 1e-9, fd_rtol: float = 1e-6, fd_atol: float = 1e-8, seed: int = 0,
                second_order: bool = True, shrink: bool = False) -> RulesReport:
    """Check the derivative rules that ``f`` uses (or that ``f`` is) at ``args``; with
    ``domain`` (a name of ``minigrad.testing.DOMAINS`` or a hypothesis strategy of floats)
    at ``examples`` points drawn there instead, ``args`` giving only the shapes.

    Returns a ``RulesReport``: truthy when all checks hold, else naming the first failing
    check and the point, with the trace table; ``shrink=True`` lets hypothesis simplify the
    point first (seconds more).
    """
    name = getattr(f, "__name__", None) or getattr(f, "name", "f")
    fn, leaves = _on_leaves(f, args)
    fn.__name__ = name
    if not leaves:
        raise ValueError(f"check_rules: {name} was given no inputs; give a point (or shapes)")
    options = dict(rtol=rtol, atol=atol, fd_rtol=max(fd_rtol, rtol), fd_atol=max(fd_atol, atol),
                   seed=seed, second_order=second_order)
    if domain is None:
        return _check_point(fn, tuple(_as_float(a) for a in leaves), name, **options)
    return _check_domain(fn, leaves, name, domain, examples, shrink, options)


def _check_domain(fn, leaves, name, domain, examples, shrink, options) -> RulesReport:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from .strategies import DOMAINS

    if isinstance(domain, str):
        if domain not in DOMAINS:
            raise ValueError(f"check_rules: unknown domain {domain!r}; choose one of "
                             f"{sorted(DOMAINS)}, or pass a hypothesis strategy of floats")
        elements = DOMAINS[domain]()
    else:
        elements = domain
    draws = st.tuples(*[elements if np.ndim(a) == 0 else
                        hnp.arrays(np.float64, np.shape(a), elements=elements) for a in leaves])
    state = {"count": 0, "failure": None, "last": None}

    @settings(max_examples=examples, database=None, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck),
              phases=[p for p in Phase if shrink or p is not Phase.shrink])
    @given(draws)
    def run(xs):
        state["count"] += 1
        report = _check_point(fn, tuple(_as_float(x) for x in xs), name, **options)
        state["last"] = report
        if not report:
            state["failure"] = report  # (shrinking: the last failure is the simplest)
            raise AssertionError(str(report))

    try:
        run()
    except AssertionError:
        pass
    report = state["failure"] or state["last"]
    report.points_checked = state["count"]
    return report


def assert_rules(f: Callable, *args, **options) -> RulesReport:
    """``check_rules`` for tests: raises ``AssertionError`` with the report when a check fails."""
    report = check_rules(f, *args, **options)
    if not report:
        raise AssertionError(str(report))
    return report
