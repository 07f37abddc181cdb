"""The agreement checker: minigrad's two modes, JAX and finite differences, side by side.

``check_agreement(f, *args)`` evaluates, at one point, the value, the gradient (scalar
outputs), a JVP along a random tangent ``v`` and a VJP with a random cotangent ``u``, by

* minigrad forward mode (``jvp``; ``jacfwd`` where a forward-mode gradient or VJP is needed),
* minigrad reverse mode (``grad``, ``vjp``; ``jacrev`` for a reverse-mode JVP),
* JAX in float64 (``jaxbridge.precision()``; skipped, with a note, without JAX),
* central finite differences on plain NumPy (directional along ``v`` for the JVP),

and checks minigrad's own adjoint identity ``<u, J v> = <J^T u, v>``.  Every compared
pair is one ``Comparison`` of the ``AgreementReport``.

Finite differences are compared within their own error bound at the point (``_central``):
the truncation error estimated from a second step (Richardson), plus the rounding of the
function's values over the step, scaled by their magnitude.  A steep function (a product of
900 factors) is not called wrong because its finite differences are coarse, and a smooth one
keeps the tight ``fd_rtol``.  A value or derivative that is nan or inf at the point is no
agreement, whatever the engines say: the report says it is not finite there.

When minigrad and JAX disagree the report finds where: the graph is explicit, so it is
replayed with ``jax.numpy`` (each primitive's ``jax_impl``) as a function from the inputs
to *every* variable; one ``jax.jvp`` of that function gives JAX's tangent of each
variable, which is compared with minigrad's forward sweep in trace order.  The first
variable whose tangent diverges is named (``v5 = v4 / v3``) with its jaxpr equation
(``jaxbridge.align``) and the trace table rows around it.  If every tangent agrees but a
VJP does not, the replay perturbs every variable by a zero ``delta`` and one ``jax.vjp``
gives JAX's adjoint of each variable; the last variable in trace order whose adjoint
diverges is named, with its consumers (one of whose VJP rules must be wrong).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import numpy as mnp
from ..graph import Const, Mask, concrete, trace
from ..pytree import flatten, unflatten
from ..modes import forward_sweep, reverse_sweep

__all__ = ["Comparison", "Divergence", "AgreementReport", "check_agreement", "assert_agree"]

CONTEXT_ROWS = 3  # trace-table rows shown before and after a divergent variable


@dataclass
class Comparison:
    """One compared pair: ``quantity`` computed by ``left`` and by ``right``."""

    quantity: str  # "value", "gradient", "jvp", "vjp", "adjoint identity"
    left: str
    right: str
    max_abs: float
    max_rel: float
    rtol: float
    atol: float
    ok: bool  # within tolerance, on finite numbers
    bound: float = 0.0  # finite differences: the largest error bound that widened atol
    finite: bool = True  # False: nan or inf on either side, so no check (and not ok)

    @property
    def verdict(self) -> str:
        return "yes" if self.ok else "NO" if self.finite else "not finite"

    @property
    def tolerance(self) -> str:
        extra = f" + FD error bound {self.bound:.1e}" if self.bound else ""
        return f"rtol {self.rtol:.0e}, atol {self.atol:.0e}{extra}"


@dataclass
class Divergence:
    """Where minigrad and JAX first part ways in the trace."""

    kind: str  # "tangent" or "adjoint"
    var: str  # "v5"
    expression: str  # "v4 / v3"
    minigrad: object
    jax: object
    equation: str | None = None  # the aligned jaxpr equation
    suspects: list[str] = field(default_factory=list)  # adjoint case: the consumers
    context: str = ""  # trace table rows around the variable
    primitive: str = ""  # the primitive that computes the variable

    @property
    def line(self) -> str:
        return f"{self.var} = {self.expression}"

    def __str__(self) -> str:
        what = "tangent" if self.kind == "tangent" else "adjoint"
        lines = [f"first divergence ({what}s, in trace order"
                 + (")" if self.kind == "tangent" else ", last from the output backwards)")
                 + f": {self.line}",
                 f"  minigrad {what}: {_fmt(self.minigrad)}",
                 f"  jax {what}:      {_fmt(self.jax)}"]
        if self.equation:
            lines.append(f"  jaxpr equation: {self.equation}")
        if self.kind == "tangent":
            lines.append(f"  the tangents of its operands agree: the jvp rule of "
                         f"'{self.primitive}' is the suspect")
        elif self.suspects:
            lines.append("  later adjoints agree: a vjp rule of its consumers is the suspect: "
                         + ", ".join(self.suspects))
        if self.context:
            lines.append("")
            lines.append(self.context)
        return "\n".join(lines)


@dataclass
class AgreementReport:
    """Every compared pair, overall ``ok``, notes, and the first divergence (if any)."""

    function: str
    comparisons: list[Comparison]
    notes: list[str] = field(default_factory=list)
    divergence: Divergence | None = None
    results: dict = field(default_factory=dict)  # (quantity, engine) -> flat array

    @property
    def nonfinite(self) -> dict[str, list[str]]:
        """Each quantity that is nan or inf at the point, with the engines that say so."""
        found: dict[str, list[str]] = {}
        for (quantity, engine), r in self.results.items():
            if not np.all(np.isfinite(r)):
                found.setdefault(quantity, []).append(engine)
        return found

    @property
    def ok(self) -> bool:
        """Every pair agrees, on finite numbers (nan beside nan is no agreement)."""
        return all(c.ok for c in self.comparisons)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def failures(self) -> list[Comparison]:
        return [c for c in self.comparisons if not c.ok]

    def __str__(self) -> str:
        from ..explain.table import text_grid

        head = ["quantity", "engines", "max abs err", "max rel err", "tolerance", "ok"]
        rows = [[c.quantity, f"{c.left} vs {c.right}", f"{c.max_abs:.2e}",
                 f"{c.max_rel:.2e}", c.tolerance, c.verdict]
                for c in self.comparisons]
        nonfinite = self.nonfinite
        verdict = (f"not finite at this point ({', '.join(nonfinite)}: nan or inf), so no "
                   f"agreement is claimed" if nonfinite else "all engines agree" if self.ok
                   else f"{len(self.failures)} pair(s) disagree")
        out = [f"agreement of {self.function}: {verdict}"]
        grad = self.results.get(("gradient", "minigrad reverse"))
        if grad is not None:
            out.append("gradient (minigrad reverse): [" + ", ".join(f"{x:.10g}" for x in grad) + "]")
        out.append(text_grid(head, rows))
        out += [f"note: {n}" for n in self.notes]
        if self.divergence is not None:
            out += ["", str(self.divergence)]
        return "\n".join(out)

    def __repr__(self) -> str:
        return str(self)


# ----------------------------------------------------------------------------- helpers

def _fmt(x) -> str:
    a = np.asarray(x, dtype=float)
    if a.ndim == 0:
        return f"{float(a):.12g}"
    return np.array2string(a, precision=10, threshold=20)


def _as_float(a):
    if np.ndim(a) == 0:
        return float(a)
    return np.asarray(a, dtype=float)


def _flat(parts) -> np.ndarray:
    if isinstance(parts, (tuple, list)):
        if not parts:
            return np.zeros(0)
        return np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])
    return np.ravel(np.asarray(parts, dtype=float))


def _errors(a: np.ndarray, b: np.ndarray, rtol: float, atol) -> tuple[float, float, bool]:
    if a.shape != b.shape:
        return float("inf"), float("inf"), False
    if a.size == 0:
        return 0.0, 0.0, True
    same_nan = np.isnan(a) & np.isnan(b)
    same_inf = np.isinf(a) & (a == b)
    special = same_nan | same_inf
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.where(special, 0.0, np.abs(a - b))
    scale = np.maximum(np.abs(a), np.abs(b))
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(diff == 0, 0.0, diff / np.where(scale == 0, 1.0, scale))
    ok = bool(np.all(special | (diff <= atol + rtol * np.where(special, 0.0, scale))))
    diff = np.nan_to_num(diff, nan=np.inf)
    rel = np.nan_to_num(rel, nan=np.inf)
    return float(np.max(diff)), float(np.max(rel)), ok


def _close(a, b, rtol, atol) -> bool:
    return _errors(np.ravel(np.asarray(a, dtype=float)), np.ravel(np.asarray(b, dtype=float)),
                   rtol, atol)[2]


EPS = float(np.finfo(float).eps)


def _fd_step(x: np.ndarray) -> float:
    """cbrt(eps) max(1, |x|): the step that balances truncation (h^2) against rounding (eps/h)."""
    return float(np.cbrt(EPS) * max(1.0, float(np.max(np.abs(x), initial=0.0))))


def _central(g: Callable[[float], np.ndarray], h: float, ops: int) -> tuple[np.ndarray, np.ndarray]:
    """g'(0) by the central difference D(h) = (g(h) - g(-h)) / 2h, and a bound on its error.

    Truncation: D(h) = g' + c h^2 + O(h^4) and D(2h) = g' + 4 c h^2 + ..., so
    |D(2h) - D(h)| / 3 estimates it (Richardson).  Rounding: each value of g is good to
    about ``ops`` roundings of eps relative to its magnitude (one per recorded operation), so
    the difference quotient adds ops * eps * max|g| / h.  The bound is twice their sum, for
    the expansion's higher terms and the estimate's own rounding.
    """
    plus, minus = np.asarray(g(h), dtype=float), np.asarray(g(-h), dtype=float)
    plus2, minus2 = np.asarray(g(2 * h), dtype=float), np.asarray(g(-2 * h), dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf: reported as not finite
        d1 = (plus - minus) / (2 * h)
        d2 = (plus2 - minus2) / (4 * h)
        truncation = np.abs(d2 - d1) / 3
        magnitude = np.max(np.abs([plus, minus, plus2, minus2]), axis=0)
        bound = 2 * (truncation + ops * EPS * magnitude / h)
    return d1, bound


def _fd_gradient(f: Callable, args: tuple, u, ops: int) -> tuple[np.ndarray, np.ndarray]:
    """d <u, f(x)> / d x for every element of every argument, by central differences, and
    the error bound of each (``_central``).  A scalar ``u`` scales the difference quotient,
    rather than each value before the subtraction."""
    weight = np.asarray(u, dtype=float)
    scale = float(weight) if weight.ndim == 0 else 1.0
    grads, bounds = [], []
    for i, a in enumerate(args):
        a = np.asarray(a, dtype=float)
        for k in range(a.size):
            def g(t, i=i, a=a, k=k):
                moved = a.copy()
                moved.flat[k] += t
                xs = list(args)
                xs[i] = moved if a.ndim else float(moved)
                out = np.asarray(f(*xs), dtype=float)
                return np.sum(out) if weight.ndim == 0 else np.sum(weight * out)

            d, b = _central(g, _fd_step(a.flat[k]), ops)
            grads.append(scale * d)
            bounds.append(abs(scale) * b)
    return np.array(grads, dtype=float), np.array(bounds, dtype=float)


def _fd_directional(f: Callable, args: tuple, tangents: tuple, ops: int) -> tuple[np.ndarray, np.ndarray]:
    """(f(x + h v) - f(x - h v)) / 2h: the derivative along ``v``, by central differences,
    and its error bound (``_central``)."""
    v = _flat(tangents)
    vnorm = float(np.max(np.abs(v), initial=0.0))
    if vnorm == 0:
        zero = np.zeros_like(_flat(f(*args)))
        return zero, zero

    def g(t):
        return _flat(f(*(_as_float(np.asarray(a, dtype=float) + t * np.asarray(tv))
                         for a, tv in zip(args, tangents))))

    return _central(g, _fd_step(_flat(args)) / vnorm, ops)


def _random_like(rng, shape):
    x = rng.standard_normal(shape)
    return float(x) if shape == () else x


def _contract_out(u, block, out_ndim):
    return np.tensordot(np.asarray(u, dtype=float), np.asarray(block, dtype=float), axes=out_ndim)


def _contract_in(block, v, in_ndim):
    return np.tensordot(np.asarray(block, dtype=float), np.asarray(v, dtype=float), axes=in_ndim)


# ----------------------------------------------------------------------- the JAX replay

def _replay_operand(graph, x, env):
    if graph.owns(x):
        return env[x.index]
    if type(x) is Const:
        return float(x)
    if isinstance(x, Mask):
        return x.value
    return concrete(x)


def _replay(graph, inputs, deltas=None) -> list:
    """Every variable of ``graph``, recomputed by JAX from ``inputs`` (one per graph input);
    ``deltas[k]``, if given, is added to variable ``k`` (for adjoints)."""
    env: list = [None] * len(graph.variables)
    it = iter(inputs)
    for v in graph.variables:
        if v.prim is None:
            val = next(it)
        else:
            args = [_replay_operand(graph, x, env) for x in v.inputs]
            val = v.prim.jax_impl(*args, **(v.params or {}))
        if deltas is not None:
            val = val + deltas[v.index]
        env[v.index] = val
    return env


def _zero(value):
    return np.zeros(np.shape(concrete(value)))


def _locate(f, args, graph, tangents, cotangent, rtol, atol, names_exprs) -> Divergence | None:
    import jax
    import jax.numpy as jnp

    from jaxbridge import precision

    names, exprs = names_exprs
    out = graph.outputs
    ours_t = forward_sweep(graph, {v.index: t for v, t in zip(graph.inputs, tangents)})
    with precision():
        prim = [jnp.asarray(concrete(v.value), dtype=jnp.float64) for v in graph.inputs]
        tan = [jnp.asarray(t, dtype=jnp.float64) for t in tangents]
        _, jax_t = jax.jvp(lambda *xs: tuple(_replay(graph, xs)), tuple(prim), tuple(tan))
        jax_t = [np.asarray(t) for t in jax_t]
    for v in graph.variables:
        if v.prim is None:
            continue
        mine = ours_t[v.index]
        mine = _zero(v.value) if mine is None else concrete(mine)
        if not _close(mine, jax_t[v.index], rtol, atol):
            return Divergence("tangent", names[v.index], exprs[v.index], mine, jax_t[v.index],
                              primitive=v.prim.name)
    if not graph.owns(out):
        return None
    ours_a = reverse_sweep(graph, {out.index: cotangent})
    with precision():
        deltas = tuple(jnp.zeros(np.shape(concrete(v.value)), dtype=jnp.float64)
                       for v in graph.variables)
        _, pullback = jax.vjp(lambda *d: _replay(graph, prim, d)[out.index], *deltas)
        jax_a = [np.asarray(a) for a in pullback(jnp.asarray(cotangent, dtype=jnp.float64))]
    for v in reversed(graph.variables):
        mine = ours_a[v.index]
        mine = _zero(v.value) if mine is None else concrete(mine)
        if not _close(mine, jax_a[v.index], rtol, atol):
            consumers = [f"{names[w.index]} = {exprs[w.index]}" for w in graph.variables
                         if w.prim is not None and any(x is v for x in w.inputs)]
            return Divergence("adjoint", names[v.index], exprs[v.index], mine, jax_a[v.index],
                              suspects=consumers)
    return None


def _context(graph, tangents, index: int, mode: str) -> str:
    from ..explain.table import Table, build_table

    try:
        if mode == "forward":
            table = build_table(graph, "forward", wrt=list(tangents))
        else:
            table = build_table(graph, "reverse")
    except (ValueError, TypeError):
        table = build_table(graph, None)
    lo, hi = max(0, index - CONTEXT_ROWS), min(len(table.rows), index + CONTEXT_ROWS + 1)
    title = ("trace table (tangents along the random direction)" if table.mode == "forward"
             else "trace table (adjoints, seed 1 on the output)" if table.mode == "reverse"
             else "trace table")
    return f"{title}, rows {lo + 1}..{hi}:\n" + str(Table(table.rows[lo:hi], table.mode))


# ----------------------------------------------------------------------------- checker

def _complex_step_directional(f: Callable, args: tuple, tangents: tuple, h: float = 1e-20) -> np.ndarray:
    """Im f(x + i h v) / h: the derivative along ``v`` with no subtraction, so no rounding
    error to trade against the step (for real-analytic functions that NumPy can evaluate on
    complex numbers)."""
    z = tuple(np.asarray(a, dtype=complex) + 1j * h * np.asarray(t, dtype=float)
              for a, t in zip(args, tangents))
    out = f(*[complex(x) if x.ndim == 0 else x for x in z])
    return np.ravel(np.imag(np.asarray(out, dtype=complex))) / h


def _on_leaves(f: Callable, args: tuple) -> tuple[Callable, tuple]:
    """``f`` as a function of the leaves of its (pytree) arguments, returning one array.

    A parameter dictionary becomes one argument per leaf, and a tuple or dict of outputs
    one flat vector (a single output is kept as it is, so scalars keep their gradient row).
    """
    leaves, tree = flatten(list(args))

    def f_leaves(*xs):
        outs = flatten(f(*unflatten(tree, xs)))[0]
        if len(outs) == 1:
            return outs[0]
        return mnp.concatenate([mnp.reshape(o, (-1,)) for o in outs])

    if len(leaves) == len(args):  # one leaf per argument: keep f's parameter names
        f_leaves = functools.wraps(f)(f_leaves)
    f_leaves.__name__ = getattr(f, "__name__", "f")
    return f_leaves, tuple(leaves)


def check_agreement(f: Callable, *args, rtol: float = 1e-7, atol: float = 1e-9, seed: int = 0,
                    fd_rtol: float = 1e-6, fd_atol: float = 1e-8,
                    complex_step: bool = False) -> AgreementReport:
    """Compare minigrad forward and reverse mode, JAX (float64) and finite differences at
    ``args`` (floats, float arrays, or pytrees of them such as a parameter dictionary).

    Exact engines are compared with ``rtol``/``atol``; finite differences with the looser
    ``fd_rtol``/``fd_atol`` (at least ``rtol``/``atol``), widened by their own error bound
    at the point where that is larger (a steep function's coarse differences are no error).
    ``seed`` fixes the random tangent and cotangent.  ``complex_step=True`` adds the JVP by
    the complex step, exact to rounding and compared with ``rtol``/``atol``, where ``f``
    evaluates on complex numbers (a note says so where it does not).
    """
    from ..explain.table import Symbols
    from .. import symbolic as S
    from ..transforms import grad, jacfwd, jacrev, jvp, vjp

    name = getattr(f, "__name__", "f")
    f, args = _on_leaves(f, args)
    if not args:
        raise ValueError(f"check_agreement: {name} has no inputs, so there is no derivative to "
                         f"check; give a function of at least one variable")
    args = tuple(_as_float(a) for a in args)
    argnums = tuple(range(len(args)))
    rng = np.random.default_rng(seed)
    fd_rtol, fd_atol = max(fd_rtol, rtol), max(fd_atol, atol)
    notes: list[str] = []
    results: dict = {}
    comparisons: list[Comparison] = []

    fd_bounds: dict = {}  # quantity -> the finite differences' error bound, per element

    def compare(quantity, left, right, r, a):
        x, y = results[(quantity, left)], results[(quantity, right)]
        bound = fd_bounds.get(quantity) if "finite differences" in (left, right) else None
        if bound is not None and bound.shape == x.shape:
            bound = np.nan_to_num(bound, nan=0.0, posinf=0.0)  # non-finite: reported apart
            widened = bound > a + r * np.maximum(np.abs(x), np.abs(y))
            max_abs, max_rel, ok = _errors(x, y, r, a + bound)
            shown = float(np.max(bound, where=widened, initial=0.0))
        else:
            (max_abs, max_rel, ok), shown = _errors(x, y, r, a), 0.0
        finite = bool(np.all(np.isfinite(x)) and np.all(np.isfinite(y)))
        comparisons.append(Comparison(quantity, left, right, max_abs, max_rel, r, a,
                                      ok and finite, shown, finite))

    graph = trace(f, *args)
    out_value = concrete(graph.outputs) if graph.owns(graph.outputs) else graph.outputs
    if isinstance(out_value, (tuple, list, dict)):
        raise TypeError(f"check_agreement: {name} must return one scalar or array, not a "
                        f"{type(out_value).__name__}")
    out_shape = np.shape(out_value)
    scalar_out = out_shape == ()
    tangents = tuple(_random_like(rng, np.shape(a)) for a in args)
    cotangent = _random_like(rng, out_shape)

    # -- minigrad
    value_fwd, jv = jvp(f, args, tangents)
    value_rev, pullback = vjp(f, *args)
    vj = pullback(cotangent)
    J_fwd = jacfwd(f, argnums)(*args)  # blocks of shape out_shape + in_shape
    J_rev = jacrev(f, argnums)(*args)
    results[("value", "minigrad forward")] = _flat(value_fwd)
    results[("value", "minigrad reverse")] = _flat(value_rev)
    results[("value", "numpy")] = _flat(f(*args))
    results[("jvp", "minigrad forward")] = _flat(jv)
    results[("jvp", "minigrad reverse")] = _flat(
        sum(_contract_in(b, t, np.ndim(t)) for b, t in zip(J_rev, tangents)))
    results[("vjp", "minigrad reverse")] = _flat(vj)
    results[("vjp", "minigrad forward")] = _flat([_contract_out(cotangent, b, len(out_shape))
                                                  for b in J_fwd])
    if scalar_out:
        results[("gradient", "minigrad reverse")] = _flat(grad(f, argnums)(*args))
        results[("gradient", "minigrad forward")] = _flat(list(J_fwd))
    else:
        notes.append(f"the output has shape {out_shape}: no gradient; the vjp (random "
                     f"cotangent u) stands for it")

    # -- JAX
    try:
        import jax
        import jax.numpy as jnp

        from jaxbridge import device, precision
    except ImportError:
        jax = None
        notes.append("jax is not importable: the JAX comparisons were skipped")
    if jax is not None:
        with precision():
            notes.append(f"jax ran on {device()}")
            jargs = tuple(jnp.asarray(a, dtype=jnp.float64) for a in args)
            jtan = tuple(jnp.asarray(t, dtype=jnp.float64) for t in tangents)
            jvalue, jjv = jax.jvp(f, jargs, jtan)
            _, jpull = jax.vjp(f, *jargs)
            jvj = jpull(jnp.asarray(cotangent, dtype=jnp.float64))
            results[("value", "jax")] = _flat(np.asarray(jvalue))
            results[("jvp", "jax")] = _flat(np.asarray(jjv))
            results[("vjp", "jax")] = _flat([np.asarray(x) for x in jvj])
            if scalar_out:
                results[("gradient", "jax")] = _flat(
                    [np.asarray(x) for x in jax.grad(f, argnums)(*jargs)])

    # -- finite differences (on plain NumPy), each with its error bound
    ops = max(1, sum(v.prim is not None for v in graph.variables))
    results[("jvp", "finite differences")], fd_bounds["jvp"] = _fd_directional(f, args, tangents, ops)
    results[("vjp", "finite differences")], fd_bounds["vjp"] = _fd_gradient(f, args, cotangent, ops)
    if complex_step:
        try:
            results[("jvp", "complex step")] = _complex_step_directional(f, args, tangents)
        except (TypeError, ValueError) as e:
            complex_step = False
            notes.append(f"complex step skipped: {name} does not evaluate on complex numbers ({e})")
    if scalar_out:
        results[("gradient", "finite differences")], fd_bounds["gradient"] = _fd_gradient(f, args, 1.0, ops)

    # -- the pairs
    engines = ["jax"] if jax is not None else []
    compare("value", "minigrad forward", "minigrad reverse", rtol, atol)
    compare("value", "minigrad reverse", "numpy", rtol, atol)
    for e in engines:
        compare("value", "minigrad reverse", e, rtol, atol)
    quantities = (["gradient"] if scalar_out else []) + ["jvp", "vjp"]
    for q in quantities:
        first = "minigrad forward" if q == "jvp" else "minigrad reverse"
        second = "minigrad reverse" if q == "jvp" else "minigrad forward"
        compare(q, first, second, rtol, atol)
        for e in engines:
            compare(q, first, e, rtol, atol)
        compare(q, first, "finite differences", fd_rtol, fd_atol)
        if q == "jvp" and complex_step:
            compare(q, first, "complex step", rtol, atol)
    u_jv = float(np.sum(np.ravel(np.asarray(cotangent)) * results[("jvp", "minigrad forward")]))
    jtu_v = float(np.sum(results[("vjp", "minigrad reverse")] * _flat(tangents)))
    results[("adjoint identity", "<u, J v> (forward)")] = np.array([u_jv])
    results[("adjoint identity", "<J^T u, v> (reverse)")] = np.array([jtu_v])
    compare("adjoint identity", "<u, J v> (forward)", "<J^T u, v> (reverse)", rtol, atol)

    report = AgreementReport(name, comparisons, notes, None, results)

    # -- where minigrad and JAX part ways
    # (not where the numbers are nan or inf: there is no finite tangent to follow)
    if jax is not None and any(not c.ok and c.finite for c in comparisons):
        syms = Symbols(graph)
        names = syms.names
        exprs = [S.render(syms.expression(v), "text") for v in graph.variables]
        try:
            div = _locate(f, args, graph, tangents, cotangent, rtol, atol, (names, exprs))
        except Exception as e:  # the replay is a diagnosis: never hide the report behind it
            div = None
            notes.append(f"could not replay the graph with JAX to locate the divergence: {e}")
        if div is not None:
            index = names.index(div.var)
            try:
                from jaxbridge import align

                div.equation = align(f, *args).pairs.get(div.var)
            except Exception:  # alignment is best effort
                div.equation = None
            div.context = _context(graph, tangents, index,
                                   "forward" if div.kind == "tangent" else "reverse")
            report.divergence = div
    return report


def assert_agree(f: Callable, *args, **kw) -> AgreementReport:
    """``check_agreement`` for tests: raises ``AssertionError`` with the report when not ok."""
    report = check_agreement(f, *args, **kw)
    if not report.ok:
        raise AssertionError("minigrad, JAX and finite differences disagree\n" + str(report))
    return report
