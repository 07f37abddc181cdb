"""The trace table: one row per variable of a graph, as the AD textbooks print it.

Each row gives the variable, its expression over earlier variables (rendered from the
primitive table's own ``expr`` template), its value, its symbolic partials (from the
primitive's ``partials`` templates) and, in forward or reverse mode, its tangent or
adjoint from the corresponding sweep.  Exports: plain text, Markdown, LaTeX, HTML, and
Jupyter's rich display.

Options:

* ``naming``: ``"v"`` (v1..vn, inputs first), ``"baydin"`` (inputs v-2, v-1, v0, then
  v1..; typeset ``v_{-2}`` and ``v<sub>-2</sub>``) or ``"w"``.
* ``constants``: how folded constants print in expressions: ``"symbolic"``
  (``0.5 log 2 pi``), ``"numeric"`` (``0.918939``) or ``"both"``
  (``(0.5 log 2 pi ≈ 0.918939)``).
* ``steps=True`` (forward or reverse mode): below the table, every contribution of the
  sweep as a ``+=`` line, in the order the sweep made it, with its numbers; a variable
  used twice receives two lines (``x * x``: ``v̄1 += v1 v̄2``, twice).  The numbers come
  from ``minigrad.modes``' sweeps through their ``on_contribution`` hook.
* The graph's *decisions* (Python's ``if`` and ``while`` on traced values, ``lax.cond``'s
  predicate...) are listed below the table, ``v2 > 0: true``: the graph holds only where
  each goes the same way (programs written from it check them: guards).  Then its
  *choices* (``where``'s mask, the side of ``abs``'s, ``max``'s or ``clip``'s kink), which
  programs compute on every call, so they need no guard: ``v1 >= 0 (abs, v3): true``.
* ``fold``: the iterations of a ``minigrad.lax`` loop, recorded unrolled, show as their
  first and last with one line for those between (``explain.fold``): ``None`` (default)
  folds the loops of more than 4 iterations, ``True`` every loop of 3 or more, ``False``
  none.  ``Table.rows`` keeps every row; only the exports fold.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from numbers import Number
from dataclasses import dataclass

import numpy as np

from .. import symbolic as S
from ..graph import Const, Graph, Variable, concrete
from ..modes import forward_sweep, reverse_sweep
from . import fold as F
from .escape import markdown_cell, markdown_code

NAMING = {
    "v": lambda i, n_in: f"v{i + 1}",  # v1..vn, inputs first
    "baydin": lambda i, n_in: f"v{i - n_in + 1}",  # inputs v_{1-n}..v0, then v1..
    "w": lambda i, n_in: f"w{i + 1}",
}
CONSTANTS = ("symbolic", "numeric", "both")
MODES = (None, "forward", "reverse")


# ----------------------------------------------------------------------------- numbers

def _summary(x):
    """A scalar's Python number, or an array's (shape, mean, min, max) (None when not numeric)."""
    a = np.asarray(x)
    if a.size == 0 or a.dtype.kind not in "biufc":
        return a.shape, None
    if a.dtype.kind == "b":
        a = a.astype(int)
    return a.shape, (a.mean(), a.min(), a.max())


def format_value(x) -> str:
    """A short, readable number; arrays as their shape and a summary, never a dump."""
    x = concrete(x)
    if np.ndim(x) == 0:
        if np.asarray(x).dtype.kind == "b":  # a comparison's (a decision's) value
            return "true" if x else "false"
        if isinstance(x, (str, bytes)) or np.asarray(x).dtype.kind not in "biufc":
            return str(x)[:40]
        v = float(np.real(x)) if np.isrealobj(x) else complex(x)
        return f"{v:.6g}"
    shape, stats = _summary(x)
    if stats is None:
        return f"array{shape}" if np.size(x) == 0 else f"array{shape} dtype={np.asarray(x).dtype}"
    mean, lo, hi = stats
    return f"array{shape} mean={mean:.4g} range=[{lo:.4g}, {hi:.4g}]"


def _latex_number(text: str) -> str:
    """A number as format_value writes it, in LaTeX math (``1e-08`` is 1 · 10^{-8})."""
    if text.lstrip("-") == "nan":
        return r"\mathrm{NaN}"
    if text.lstrip("-") == "inf":
        return text.replace("inf", r"\infty")
    m = re.fullmatch(r"(-?[\d.]+)e([+-]\d+)", text)
    if m:
        return f"{m.group(1)} \\cdot 10^{{{int(m.group(2))}}}"
    if text.startswith("(") and text.endswith("j)"):  # a complex number
        return text[1:-2].replace("j", "") + "i" if "j" in text[1:-2] else text[1:-2] + "i"
    return text


def _html_number(text: str) -> str:
    return html.escape(text).replace("-", "&minus;")


def value_cell(x, fmt: str = "text", math: bool = False) -> str:
    """The value column's cell: ``-0.375``; LaTeX ``$-0.375$`` (bare with ``math=True``,
    inside a math environment); HTML with a real minus sign.  Arrays: shape and summary."""
    x = concrete(x)
    if fmt == "text":
        return format_value(x)
    scalar = np.ndim(x) == 0
    if fmt == "html":
        return _html_number(format_value(x))
    if fmt != "latex":
        raise ValueError(f"unknown format {fmt!r}; use text, latex or html")
    if scalar:
        text = format_value(x)
        if np.asarray(x).dtype.kind not in "iufc":
            body = f"\\text{{{S.latex_escape(text)}}}"
        else:
            body = _latex_number(text)
        return body if math else f"${body}$"
    shape, stats = _summary(x)
    shape_text = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    if stats is None:
        kind = "" if np.size(x) == 0 else f" {np.asarray(x).dtype}"
        return (f"\\text{{array{kind} }}{shape_text}" if math
                else f"array{S.latex_escape(kind)} ${shape_text}$")
    mean, lo, hi = (_latex_number(f"{s:.4g}") for s in stats)
    if math:
        return (f"\\text{{array }}{shape_text}\\text{{, mean }}{mean}"
                f"\\text{{, range }}[{lo}, {hi}]")
    return f"array ${shape_text}$, mean ${mean}$, range $[{lo}, {hi}]$"


def _number(x, fmt: str = "text", group: bool = False) -> str:
    """A number inside a step's equation: ``value_cell``'s, LaTeX as math (no ``$``), None
    as 0; ``group`` brackets a negative one, ``(-1)``, as a factor."""
    x = 0.0 if x is None else x
    out = value_cell(x, fmt, math=True)
    if group and format_value(x).startswith("-"):
        out = f"\\left({out}\\right)" if fmt == "latex" else f"({out})"
    return out


def _short(v: float) -> float:
    return float(f"{v:.6g}")


# ----------------------------------------------------------------------------- notation

ACCENTS = {"forward": "dot", "reverse": "bar"}  # tangents v̇5, adjoints v̄5
TIMES = {"text": " \u00d7 ", "latex": " \\times ", "html": " &times; "}
PLUS_EQ = {"text": " += ", "latex": " \\mathrel{+}= ", "html": " += "}
ARROW = {"text": "  \u21d2  ", "latex": " \\quad\\Rightarrow\\quad ", "html": " &rArr; "}


def accented(name: str, mode: str, fmt: str = "text") -> str:
    """The tangent (forward: v̇5) or adjoint (reverse: v̄5) of a variable, in ``fmt``."""
    return S.render(S.Accent(name, ACCENTS[mode]), fmt)


def derivative(of: str, wrt: str, fmt: str = "text", d: str = "d") -> str:
    """``d of / d wrt``: LaTeX ``\\frac{\\partial ...}``, HTML ``&part;``, text ``dv5/dv3`` (or
    with another ``d``, such as ``\u2202``)."""
    a, b = S.render(S.Name(of), fmt), S.render(S.Name(wrt), fmt)
    if fmt == "latex":
        return f"\\frac{{\\partial {a}}}{{\\partial {b}}}"
    if fmt == "html":
        return f"&part;{a}/&part;{b}"
    return f"{d}{of}/{d}{wrt}"


def chain(parts: list[str]) -> str:
    """``a = b = c``, without repeating a member equal to the previous one."""
    return " = ".join(p for k, p in enumerate(parts) if k == 0 or p != parts[k - 1])


# ----------------------------------------------------------------------------- symbols

def text_grid(header: list[str], rows: list) -> str:
    """Columns aligned with box-drawing rules: the plain-text form of every table we print.
    A row that is a string (a folded loop's line) is printed as it is, across the columns."""
    grid = [header] + [r for r in rows if not isinstance(r, str)]
    widths = [max(len(line[j]) for line in grid) for j in range(len(header))]

    def line(cells):
        if isinstance(cells, str):
            return cells
        return " │ ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(header), "─┼─".join("─" * w for w in widths)] + [line(r) for r in rows])


class Symbols:
    """How a graph's variables and constants appear in expressions, in one naming style."""

    def __init__(self, graph: Graph, naming: str = "v", constants: str = "symbolic"):
        try:
            name_of = NAMING[naming]
        except KeyError:
            raise ValueError(f"unknown naming {naming!r}; use one of {sorted(NAMING)}") from None
        if constants not in CONSTANTS:
            raise ValueError(f"unknown constants={constants!r}; use one of {list(CONSTANTS)}")
        self.graph = graph
        self.constants = constants
        n_in = len(graph.inputs)
        self.names = [name_of(i, n_in) for i in range(len(graph.variables))]

    def constant(self, c: Const) -> S.Sym:
        """A folded constant: its expression (``0.5 log 2 pi``), its number, or both."""
        sym = c.sym
        if isinstance(sym, S.Num) or self.constants == "symbolic":
            return S.grouped(sym)
        number = S.Num(_short(float(c)))
        if self.constants == "numeric":
            return number
        return S.Group(S.Approx(sym, number))

    def of(self, x) -> S.Sym:
        """The symbol for an operand: a variable's name, or a constant as printed."""
        if self.graph.owns(x):
            return S.Name(self.names[x.index])
        if isinstance(x, Const):
            return self.constant(x)
        if isinstance(x, (int, float, np.generic)) and np.ndim(x) == 0 and not isinstance(x, Variable):
            return S.Num(x.item() if isinstance(x, np.generic) else x)
        return S.Name(f"c{list(np.shape(concrete(x)))}" if np.ndim(concrete(x)) else format_value(x))

    def expression(self, v: Variable) -> S.Sym:
        if v.prim is None:
            return S.Name(v.name or self.names[v.index])
        return v.prim.expr(*[self.of(x) for x in v.inputs], **v.params)

    def partial(self, v: Variable, i: int) -> S.Sym | None:
        """d v / d v.inputs[i] from the primitive's template (None when it has none)."""
        template = v.prim.partials[i]
        if template is None:
            return None
        args = [self.of(x) for x in v.inputs]
        return template(S.Name(self.names[v.index]), *args, **v.params)

    def partials(self, v: Variable) -> list[tuple[str, S.Sym]]:
        """(input name, d v / d input) for each input that is a variable, summed over repeats."""
        if v.prim is None:
            return []
        found: dict[str, S.Sym] = {}
        for i, x in enumerate(v.inputs):
            if not self.graph.owns(x):
                continue
            d = self.partial(v, i)
            if d is None:
                continue
            key = self.names[x.index]
            found[key] = found[key] + d if key in found else d
        return list(found.items())


# ----------------------------------------------------------------------------- decisions

MOST_DECISIONS = 8  # listed in full up to this many; more (a loop's tests) show first and last


def decision_text(syms: Symbols, d, fmt: str = "text") -> str:
    """One decision: ``v2 > 0: true``, or ``v1 chose branch 2 of 3``.  ``fmt`` is text,
    html, latex (text mode, the expression in ``$``) or math (LaTeX math mode)."""
    v = d.variable
    shown = S.render(syms.expression(v) if v.prim is not None else S.Name(syms.names[v.index]),
                     "latex" if fmt == "math" else fmt)
    verdict = (f" chose branch {d.taken} of {d.branches}" if d.branches is not None
               else f": {'true' if d.taken else 'false'}")
    if fmt == "math":
        return f"{shown} \\text{{{verdict}}}"
    return f"${shown}${verdict}" if fmt == "latex" else f"{shown}{verdict}"


MOST_SHOWN = 4  # elements of a choice's mask listed; a larger mask is counted


def _verdict(taken, ties: int) -> str:
    """A choice's value: ``true``; ``[true, false]``; ``3 of 10 true``; with its ties."""
    tied = f", {ties} tie{'s' if ties > 1 else ''}" if ties else ""
    if np.ndim(taken) == 0:
        return ("tie" if ties else "true" if taken else "false")
    flat = np.ravel(taken)
    if flat.size <= MOST_SHOWN:
        return "[" + ", ".join("true" if t else "false" for t in flat) + "]" + tied
    return f"{int(np.sum(flat))} of {flat.size} true{tied}"


def choice_text(syms: Symbols, c, fmt: str = "text") -> str:
    """One choice, as ``decision_text`` writes a decision, with the operation that made it:
    ``v1 > 0 (where, v4): true``, ``v2 = v3 (max, v3): 1 of 6 true``."""
    op, left, right = c.relation
    if op is not None:
        shown = S.BinOp(op, syms.of(left), syms.of(right))
    elif syms.graph.owns(left):  # a mask: the comparison that made it
        shown = syms.expression(left)
    else:
        shown = syms.of(left)
    math = "latex" if fmt == "math" else fmt
    shown = S.render(shown, math)
    name = S.render(S.Name(syms.names[c.variable.index]), math)
    made, verdict = c.variable.prim.name, _verdict(c.taken, c.ties)
    if fmt == "math":
        return (f"{shown} \\text{{ ({S.latex_escape(made)}, }}{name}\\text{{): {verdict}}}")
    if fmt == "latex":
        return f"${shown}$ ({S.latex_escape(made)}, ${name}$): {verdict}"
    return f"{shown} ({html.escape(made) if fmt == 'html' else made}, {name}): {verdict}"


def _listed(items: list, text, fmt: str) -> list[str]:
    """``text(item)`` per item; beyond ``MOST_DECISIONS`` the first and last few, with a
    line counting those between."""
    if len(items) > MOST_DECISIONS:
        head, tail = items[:MOST_DECISIONS // 2], items[-(MOST_DECISIONS // 2 - 1):]
        between = f"({len(items) - len(head) - len(tail)} more)"
        if fmt == "math":
            between = f"\\text{{{between}}}"
        return [text(d) for d in head] + [between] + [text(d) for d in tail]
    return [text(d) for d in items]


def decision_lines(graph: Graph, syms: Symbols | None = None, fmt: str = "text") -> list[str]:
    """The graph's decisions, each once (the same test on the same operands, made again
    by a rule run per column, reads once), in order (``_listed``)."""
    syms = syms or Symbols(graph)
    found = list(dict.fromkeys(decision_text(syms, d, fmt) for d in graph.decisions))
    return _listed(found, lambda text: text, fmt)


def choice_lines(graph: Graph, syms: Symbols | None = None, fmt: str = "text", choices=None) -> list[str]:
    """The graph's choices (``Graph.choices``, or those given), in order (``_listed``)."""
    syms = syms or Symbols(graph)
    return _listed(graph.choices if choices is None else choices,
                   lambda c: choice_text(syms, c, fmt), fmt)


HOLDS_WHERE = "the graph holds where:"
PER_CALL = "computed again on every call (no guard needed):"



def holds_where(graph: Graph, naming: str = "v", fmt: str = "text") -> str:
    """The decisions and choices on one line, for a caption or a title: ``holds where
    v2 > 0: true; per call: v1 >= 0 (abs, v3): true`` (``fmt`` text or html)."""
    syms = Symbols(graph, naming)
    parts = []
    if graph.decisions:
        parts.append("holds where " + "; ".join(decision_lines(graph, syms, fmt)))
    choices = graph.choices
    if choices:
        parts.append("per call: " + "; ".join(choice_lines(graph, syms, fmt, choices)))
    return "; ".join(parts)


# ----------------------------------------------------------------------------- rows, steps

@dataclass
class Row:
    """One line of the trace table, for programs to read."""

    var: str
    expression: S.Sym
    value: object
    partials: list  # [(input name, Sym)]
    tangent: object = None  # None only where the table has no tangent column
    adjoint: object = None  # None only where the table has no adjoint column
    live: str | None = None  # memory=True: what is live at this variable's backward step


@dataclass
class Step:
    """One line of a sweep: a seed (``v̄10 = 1``) or one contribution
    ``target += partial * factor`` (reverse: ``x̄ += dv/dx v̄``; forward: ``v̇ += dv/dx ẋ``).

    ``active`` is the variable whose adjoint is pushed (reverse) or whose tangent is formed
    (forward); ``other`` the input at ``position``.  ``use``/``uses`` tell repeated uses apart.
    ``value`` is None for a term the sweep skipped, its factor being zero (``zeros=True``).
    """

    mode: str
    target: str
    active: str | None = None
    other: str | None = None
    position: int | None = None
    partial: S.Sym | None = None
    partial_value: object = None  # None where not a scalar
    factor: object = None  # reverse: the active adjoint; forward: the input's tangent
    value: object = None  # the contribution, as the sweep computed it (a seed: the seed)
    total: object = None  # the target's running tangent or adjoint after this line
    use: int = 1
    uses: int = 1

    @property
    def is_seed(self) -> bool:
        return self.position is None

    @property
    def source(self) -> str | None:
        """Where the term comes from: forward, the input ``other``; reverse, ``active``."""
        return self.other if self.mode == "forward" else self.active

    def symbolic(self, fmt: str = "text") -> S.Sym:
        """The right-hand side as symbols: ``v1 v̄2``, ``(1/v3) v̄8`` (seed: its value)."""
        kind = ACCENTS[self.mode]
        if self.is_seed:
            return S.Num(_short(float(concrete(self.value)))) if np.ndim(self.value) == 0 \
                else S.Name("seed")
        carried = S.Accent(self.active if self.mode == "reverse" else self.other, kind)
        if self.partial is None:
            return S.Name("?") * carried
        partial = self.partial
        if fmt != "latex" and isinstance(partial, S.BinOp) and partial.op == "/":
            partial = S.Group(partial)  # 1/v3 v̄8 would read as 1/(v3 v̄8)
        return S.mul(partial, carried)

    def render(self, fmt: str = "text", forms: list[str] | None = None) -> str:
        """``v̄1 += v1 v̄2 = 3 × 1 = 3  ⇒  v̄1 = 6`` in text, LaTeX math, or HTML.

        ``forms``: the right-hand side's forms before its value (by default the symbols,
        then the numbers); the sweep frames give their own."""
        target = accented(self.target, self.mode, fmt)
        if self.is_seed:
            note = {"latex": r"\quad\text{(seed)}", "html": " (seed)"}.get(fmt, "  (seed)")
            return f"{target} = {_number(self.value, fmt)}{note}"
        if forms is None:
            forms = [S.render(self.symbolic(fmt), fmt)]
            if self.partial_value is not None and np.ndim(self.factor) == 0:
                forms.append(f"{_number(self.partial_value, fmt, True)}{TIMES[fmt]}"
                             f"{_number(self.factor, fmt, True)}")
        line = (target + PLUS_EQ[fmt] + chain([*forms, _number(self.value, fmt)]) + ARROW[fmt]
                + f"{target} = {_number(self.total, fmt)}")
        if self.uses > 1:
            note = f"use {self.use} of {self.uses}"
            line += f"\\quad\\text{{({note})}}" if fmt == "latex" else f"  ({note})"
        return line


def _partial_value(v: Variable, i: int, rule, graph: Graph):
    """d v / d v.inputs[i] as a number, for scalars: the sweep's rule on a unit seed."""
    if np.ndim(concrete(v.value)) or np.ndim(concrete(v.inputs[i])):
        return None
    try:
        value = concrete(rule(1.0, v.value, *v.args, **v.params))
    except Exception:  # a rule that needs more than a unit seed: leave the number out
        return None
    return value if np.ndim(value) == 0 else None


def _operands(v: Variable, graph: Graph, rules) -> list[int]:
    """Positions of ``v``'s operands that are variables of ``graph`` with a rule in ``rules``."""
    return [i for i, x in enumerate(v.inputs)
            if graph.owns(x) and i < len(rules) and rules[i] is not None]


def _sweep_steps(graph: Graph, mode: str, seeds: dict, syms: Symbols, zeros: bool = False):
    """Run the sweep once, recording every contribution through ``on_contribution``.

    The steps come in the sweep's order: the seeds, then forward each variable in
    recording order, reverse from the last seeded one back, each operand in turn.
    ``zeros=True`` adds a step (``value`` None) for every term the sweep skipped because
    its factor is zero, so that a variable's steps name all its operands."""
    names = syms.names
    events: dict[tuple[int, int], object] = {}

    def record(v, i, contribution):
        events[(v.index, i)] = contribution

    sweep = forward_sweep if mode == "forward" else reverse_sweep
    result = sweep(graph, seeds, on_contribution=record)
    rules = "jvp" if mode == "forward" else "vjp"
    order = (graph.variables if mode == "forward" else  # as the sweep visits them
             [graph.variables[k] for k in range(max(seeds, default=-1), -1, -1)])
    terms = [(v, i) for v in order if v.prim is not None
             for i in _operands(v, graph, getattr(v.prim, rules))
             if zeros or (v.index, i) in events]
    totals: dict[int, object] = {}
    steps: list[Step] = []
    for k, s in seeds.items():
        totals[k] = s
        steps.append(Step(mode, names[k], value=s, total=s))
    uses: dict[tuple[int, int], int] = {}
    for v, i in terms:  # how often each variable feeds each operation
        key = (v.index, v.inputs[i].index)
        uses[key] = uses.get(key, 0) + 1
    seen: dict[tuple[int, int], int] = {}
    for v, i in terms:
        x = v.inputs[i]
        target = v if mode == "forward" else x
        c = events.get((v.index, i))
        if (v.index, i) in events:
            previous = totals.get(target.index)
            totals[target.index] = c if previous is None else previous + c
        key = (v.index, x.index)
        seen[key] = seen.get(key, 0) + 1
        factor = result[x.index] if mode == "forward" else result[v.index]
        steps.append(Step(
            mode, names[target.index], names[v.index], names[x.index], i, syms.partial(v, i),
            _partial_value(v, i, getattr(v.prim, rules)[i], graph), factor, c,
            totals.get(target.index), seen[key], uses[key]))
    return result, steps


# ----------------------------------------------------------------------------- the table

class Table:
    """A trace table; ``str(table)`` is aligned text; ``to_markdown/latex/html`` export it.

    ``steps`` (a list of ``Step``, or None) are the sweep's accumulation lines, printed
    below the table by every export when present.  ``folds`` (``explain.fold.Fold``, by
    row index) are rows that the exports show as one line each; ``rows`` and ``steps``
    keep them all.
    """

    def __init__(self, rows: list[Row], mode: str | None, steps: list[Step] | None = None,
                 folds: list[F.Fold] = (), memory: bool = False,
                 decisions: dict[str, list[str]] | None = None, direction: str | None = None,
                 choices: dict[str, list[str]] | None = None):
        self.rows = rows
        self.memory = memory
        self.mode = mode
        self.steps = steps
        self.folds = list(folds)
        self.decisions = decisions or {}  # per format (``decision_text``'s): the decisions' lines
        self.choices = choices or {}  # and the choices' (``choice_text``): computed on each call
        self.direction = direction  # a forward table's seed direction when an array is seeded

    @property
    def footer(self) -> list[tuple[str, dict[str, list[str]]]]:
        """What the exports list below the rows: the decisions and the choices, each a title
        and its lines per format."""
        return [(title, lines) for title, lines in ((HOLDS_WHERE, self.decisions),
                                                    (PER_CALL, self.choices)) if lines]

    # -- folding
    def shown(self) -> list:
        """The rows as the exports show them: a ``Row``, or a ``Fold`` for the rows it hides."""
        out, k = [], 0
        for f in self.folds:
            out += self.rows[k:f.start] + [f]
            k = f.stop
        return out + self.rows[k:]

    def shown_steps(self) -> list:
        """The steps as the exports show them: a ``Step``, or ``(fold, count)`` for the
        consecutive lines whose active variable is in the fold's rows."""
        where = {self.rows[i].var: f for f in self.folds for i in range(f.start, f.stop)}
        out: list = []
        for s in self.steps or []:
            f = None if s.is_seed else where.get(s.active)
            if f is None:
                out.append(s)
            elif out and isinstance(out[-1], tuple) and out[-1][0] is f:
                out[-1] = (f, out[-1][1] + 1)
            else:
                out.append((f, 1))
        return out

    def _fold_line(self, item, fmt: str) -> str:
        """A fold's line (a ``Fold`` among the rows, or ``(fold, count)`` among the steps)."""
        names = [r.var for r in self.rows]
        if isinstance(item, tuple):
            return F.steps_text(item[0], item[1], names, fmt)
        return F.row_text(item, names, fmt)

    # -- cells
    def columns(self) -> list[str]:
        """The header; a forward table seeding an array says its direction there."""
        tangent = "tangent" if self.direction is None else f"tangent ({self.direction})"
        extra = {"forward": [tangent], "reverse": ["adjoint"]}.get(self.mode, [])
        return ["var", "expression", "value", "partials"] + extra + (["live"] if self.memory else [])

    def cells(self, row: Row, fmt: str = "text", math: bool = False) -> list[str]:
        """The rendered cells of ``row`` in ``fmt`` (text, latex or html), in column order.

        LaTeX cells are inline math (``$v_{4}$``); with ``math=True`` they are bare, for a
        table that is itself in math mode (MathJax's ``array``)."""
        if fmt not in ("text", "latex", "html"):
            raise ValueError(f"unknown format {fmt!r}; use text, latex or html")
        inline = fmt == "latex" and not math

        def dollar(s):
            return f"${s}$" if inline else s

        def partial_text(name, d):
            return f"{derivative(row.var, name, fmt)} = {S.render(d, fmt)}"

        var = dollar(S.render(S.Name(row.var), fmt))
        expr = dollar(S.render(row.expression, fmt))
        sep = ",\\; " if fmt == "latex" and math else ", "
        partials = sep.join(dollar(partial_text(n, d)) for n, d in row.partials)
        cells = [var, expr, value_cell(row.value, fmt, math), partials]
        if self.mode is not None:
            cells.append(value_cell(self.sweep_value(row), fmt, math))
        if self.memory:
            cells.append(f"\\text{{{row.live}}}" if fmt == "latex" and math else row.live)
        return cells

    def sweep_value(self, row: Row):
        """``row``'s tangent (forward table) or adjoint (reverse table); None without a sweep."""
        return {"forward": row.tangent, "reverse": row.adjoint}.get(self.mode)

    def step_lines(self, fmt: str = "text") -> list[str]:
        """The accumulation steps (``steps=True``), one line each, a folded loop's lines as
        one (``⋮ ...``); LaTeX lines are math."""
        how = "math" if fmt == "latex" else fmt
        return [s.render(fmt) if isinstance(s, Step) else
                F.MARK[how] + ("\\quad " if how == "math" else " ") + self._fold_line(s, how)
                for s in self.shown_steps()]

    def _steps_title(self) -> str:
        return f"{self.mode} sweep, step by step:"

    # -- exports
    def __str__(self) -> str:
        text = text_grid(self.columns(), [
            self.cells(r, "text") if isinstance(r, Row) else f"{F.MARK['text']} "
            f"{self._fold_line(r, 'text')}" for r in self.shown()])
        if self.steps:
            text += "\n\n" + self._steps_title() + "\n" + "\n".join(
                "  " + s for s in self.step_lines("text"))
        for title, lines in self.footer:
            text += "\n\n" + title + "\n" + "\n".join("  " + s for s in lines["text"])
        return text

    def __repr__(self) -> str:
        return str(self)

    def to_markdown(self) -> str:
        cols = self.columns()
        lines = ["| " + " | ".join(markdown_cell(c) for c in cols) + " |",
                 "| " + " | ".join("---" for _ in cols) + " |"]
        for r in self.shown():
            cells = ([markdown_cell(c) for c in self.cells(r, "text")] if isinstance(r, Row) else
                     [F.MARK["markdown"], self._fold_line(r, "markdown")] + [""] * (len(cols) - 2))
            lines.append("| " + " | ".join(cells) + " |")
        if self.steps:
            lines += ["", self._steps_title(), ""]
            lines += [f"- {markdown_code(s.render('text'))}" if isinstance(s, Step) else
                      f"- {F.MARK['markdown']} {self._fold_line(s, 'markdown')}"
                      for s in self.shown_steps()]
        for title, found in self.footer:
            lines += ["", title, ""] + [f"- {markdown_code(s)}" for s in found["text"]]
        return "\n".join(lines)

    def to_latex(self) -> str:
        """A booktabs ``tabular`` (needs ``\\usepackage{booktabs}``); the steps, if any,
        follow in an ``align*`` (amsmath)."""
        cols = self.columns()
        body = [(" & ".join(self.cells(r, "latex")) if isinstance(r, Row) else
                 f"\\multicolumn{{{len(cols)}}}{{l}}{{{F.MARK['latex']} "
                 f"{self._fold_line(r, 'latex')}}}") + r" \\" for r in self.shown()]
        lines = [r"\begin{tabular}{" + "l" * len(cols) + "}", r"\toprule",
                 " & ".join(S.latex_escape(c) for c in cols) + r" \\", r"\midrule", *body, r"\bottomrule", r"\end{tabular}"]
        if self.steps:
            lines += ["", r"\begin{align*}"]
            steps = self.step_lines("latex")
            lines += [f"  {s}" + (r" \\" if k < len(steps) - 1 else "")
                      for k, s in enumerate(steps)]
            lines.append(r"\end{align*}")
        for title, found in self.footer:
            lines += ["", title, r"\begin{itemize}"] + \
                [f"  \\item {s}" for s in found["latex"]] + [r"\end{itemize}"]
        return "\n".join(lines)

    def to_html(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns())
        body = "".join(
            "<tr>" + "".join(f"<td>{c}</td>" for c in self.cells(r, "html")) + "</tr>"
            if isinstance(r, Row) else
            f'<tr class="folded"><td colspan="{len(self.columns())}"><em>{F.MARK["html"]} '
            f'{self._fold_line(r, "html")}</em></td></tr>'
            for r in self.shown()
        )
        out = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        if self.steps:
            items = "".join(f"<li>{s}</li>" for s in self.step_lines("html"))
            out += f"<p>{html.escape(self._steps_title())}</p><ol class=\"steps\">{items}</ol>"
        for title, found in self.footer:
            items = "".join(f"<li>{s}</li>" for s in found["html"])
            kind = "decisions" if title == HOLDS_WHERE else "choices"
            out += f"<p>{html.escape(title)}</p><ul class=\"{kind}\">{items}</ul>"
        return out

    # -- Jupyter rich display
    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        """For MathJax/KaTeX, which know ``array`` but not ``tabular`` or booktabs."""
        cols = self.columns()
        lines = [r"\begin{array}{" + "l" * len(cols) + "}",
                 " & ".join(f"\\text{{{S.latex_escape(c)}}}" for c in cols) + r" \\ \hline"]
        lines += [" & ".join(self.cells(r, "latex", math=True) if isinstance(r, Row) else
                             [F.MARK["math"], self._fold_line(r, "math")] + [""] * (len(cols) - 2))
                  + r" \\" for r in self.shown()]
        lines.append(r"\end{array}")
        if self.steps:
            lines += [r"\\[1ex]", r"\begin{array}{l}",
                      r" \\ ".join(self.step_lines("latex")), r"\end{array}"]
        for title, found in self.footer:
            lines += [r"\\[1ex]", r"\begin{array}{l}", r"\text{" + title + "}",
                      *[r" \\ " + s for s in found["math"]], r"\end{array}"]
        return "$$\n" + "\n".join(lines) + "\n$$"


def build_table(graph: Graph, mode: str | None = None, wrt=None, naming: str = "v", *,
                steps: bool = False, constants: str = "symbolic", fold: bool | None = None,
                memory: bool = False, who: str = "table") -> Table:
    """The trace table of ``graph``; ``mode="forward"`` seeds the input ``wrt`` (a name, an
    index or a vector of seeds, one per input), ``mode="reverse"`` seeds the output with 1.

    ``steps=True`` adds the sweep's accumulation lines; ``constants`` chooses how folded
    constants print (``"symbolic"``, ``"numeric"`` or ``"both"``); ``fold`` how the
    iterations of a ``minigrad.lax`` loop show (``explain.fold``): None folds the loops of
    more than 4 iterations to their first and last, True every loop of 3 or more, False
    none.  ``memory=True`` (reverse mode) adds the column ``live``: how many values (and
    bytes) are held at each variable's backward step, and how many its step recomputes
    (``mg.checkpoint``; ``explain.memory``).  ``who`` is the public name its errors give
    (``to_dot`` builds a table too)."""
    if mode not in MODES:
        raise ValueError(f"{who}: mode must be None, 'forward' or 'reverse', not {mode!r}")
    if not isinstance(steps, (bool, np.bool_)):
        raise TypeError(f"table: steps must be True or False, not {steps!r}")
    if memory and mode != "reverse":
        raise ValueError(f"{who}: memory=True shows what the reverse sweep holds; give "
                         f"mode='reverse' as well.")
    if steps and mode is None:
        raise ValueError("table: steps=True shows a sweep's accumulation; give mode='reverse' "
                         "or mode='forward' as well.")
    folds = F.find_folds(graph, fold)
    syms = Symbols(graph, naming, constants)
    tangents = adjoints = [None] * len(graph.variables)
    step_list = direction = None
    if mode == "forward":
        seeds = _forward_seeds(graph, wrt)
        direction = seed_direction(graph, seeds)
        if steps:
            tangents, step_list = _sweep_steps(graph, mode, seeds, syms)
        else:
            tangents = forward_sweep(graph, seeds)
    elif mode == "reverse":
        out = _output(graph, f"{who}(mode='reverse')")
        if steps:
            adjoints, step_list = _sweep_steps(graph, mode, {out.index: 1.0}, syms)
        else:
            adjoints = reverse_sweep(graph, {out.index: 1.0})
    if mode == "forward":
        tangents = _zeros_for_none(graph, tangents)
    elif mode == "reverse":
        adjoints = _zeros_for_none(graph, adjoints)
    rows = [
        Row(syms.names[v.index], syms.expression(v), v.value, syms.partials(v),
            tangents[v.index], adjoints[v.index])
        for v in graph.variables
    ]
    if memory:
        from .memory import memory as profile

        for s in profile(graph).steps:
            rows[s.index].live = f"{s.live_values} ({s.live_bytes} B)" + (
                f", {s.recomputed} recomputed" if s.recomputed else "")
    formats = ("text", "latex", "html", "math")
    decisions = {fmt: decision_lines(graph, syms, fmt) for fmt in formats} if graph.decisions else None
    choices = graph.choices
    choices = {fmt: choice_lines(graph, syms, fmt, choices) for fmt in formats} if choices else None
    return Table(rows, mode, step_list, folds, memory, decisions, direction, choices)


def _zeros_for_none(graph: Graph, sweep: list) -> list:
    """The sweep's results with its skipped (zero) entries as real zeros, shaped like the
    variable's value: the sweeps leave them None to save work, the table prints them as 0."""
    def zero(v):
        value = concrete(v.value)
        if np.ndim(value) == 0:
            return 0.0
        return np.zeros(np.shape(value), np.result_type(np.asarray(value).dtype, float))

    return [zero(v) if x is None else x for v, x in zip(graph.variables, sweep)]


def _output(graph: Graph, who: str = "table(mode='reverse')", scalar: bool = True,
            fix: str = "reduce it to a scalar (e.g. mnp.sum), or pull back a cotangent of "
                       "that shape with mg.vjp") -> Variable:
    """The output variable that the reverse sweep seeds; a clear error when there is none,
    or (``scalar``: the seed is 1) when it is not a scalar."""
    out = graph.outputs
    if not graph.owns(out):
        raise ValueError(
            f"{who} needs a single output variable; this graph's output is "
            f"{type(out).__name__}. Fix: trace a function that returns one value."
        )
    shape = np.shape(concrete(out.value))
    if scalar and shape != ():
        raise ValueError(f"{who}: reverse mode seeds the output's adjoint with 1, so the output "
                         f"must be a scalar, but it has shape {shape}. Fix: {fix}.")
    return out


def seed_direction(graph: Graph, seeds: dict) -> str | None:
    """Where an array input is seeded, the direction in words (``x along ones (2,)``), for
    headers; None when every seed is a scalar's."""
    parts = []
    for v in graph.inputs:
        s = seeds.get(v.index)
        if s is not None and np.ndim(concrete(s)):
            kind = "ones" if np.all(np.asarray(concrete(s)) == 1) else "the seed given"
            parts.append(f"{v.name or 'v' + str(v.index + 1)} along {kind} {np.shape(concrete(s))}")
    return ", ".join(parts) if parts else None


def _forward_seeds(graph: Graph, wrt) -> dict:
    """Seeds of the forward sweep from ``wrt``: an input's name, its index (negative counts
    from the end, as in Python), a vector of seeds (one per input) or ``{name: seed}``.
    An array input named by ``wrt`` is seeded whole, with ones: its tangents are the
    derivatives along ``ones`` (``seed_direction`` says so), never one element's."""
    inputs = graph.inputs
    names = [v.name for v in inputs]
    n = len(inputs)
    if wrt is None:
        if n != 1:
            raise ValueError(
                f"table(mode='forward') needs wrt= to choose the seed direction among "
                f"{names}; e.g. wrt={inputs[0].name!r}." if n else
                "table(mode='forward') needs an input to seed, and this graph has none."
            )
        wrt = 0
    if isinstance(wrt, str):
        if wrt in names:
            wrt = names.index(wrt)
        elif re.fullmatch(r"\s*-?\d+\s*", wrt):  # an index typed on the command line
            wrt = int(wrt)
        else:
            raise ValueError(f"table: wrt={wrt!r} is not an input; the inputs are {names}.")
    if isinstance(wrt, (bool, np.bool_)):
        raise ValueError(f"table: wrt={wrt!r} is a boolean; give an input name such as "
                         f"{names[0]!r}, an index 0..{n - 1}, or one seed per input.")
    if isinstance(wrt, (int, np.integer)):
        if not -n <= wrt < n:
            raise ValueError(f"table: wrt={int(wrt)} is out of range; the graph has {n} inputs "
                             f"{names}, indices 0..{n - 1}.")
        v = inputs[int(wrt)]
        shape = np.shape(concrete(v.value))  # an array is seeded whole: the jvp along ones
        return {v.index: np.ones(shape, np.result_type(concrete(v.value), float)) if shape else 1.0}
    if isinstance(wrt, Mapping):
        unknown = [k for k in wrt if k not in names]
        if unknown:
            raise ValueError(f"table: wrt names {unknown}, which are not inputs; the inputs "
                             f"are {names}.")
        seeds = [wrt.get(name, 0.0) for name in names]
    elif isinstance(wrt, (Number, np.generic)) or (isinstance(wrt, np.ndarray) and wrt.ndim == 0):
        raise ValueError(f"table: wrt={wrt!r} is neither an input name, an index, nor a vector "
                         f"of seeds (one per input: {names}).")
    else:
        try:
            seeds = list(wrt)
        except TypeError:
            raise ValueError(f"table: wrt of type {type(wrt).__name__} is neither an input "
                             f"name, an index, nor a vector of seeds.") from None
        if len(seeds) != n:
            raise ValueError(f"table: wrt has {len(seeds)} seeds but the graph has {n} inputs "
                             f"{names}; give one seed per input.")
    out = {}
    for v, s in zip(inputs, seeds):
        arr = np.asarray(concrete(s))
        if arr.dtype.kind not in "biufc":
            raise ValueError(f"table: the seed for {v.name} is {s!r}, not a number.")
        shape = np.shape(concrete(v.value))
        try:
            if np.broadcast_shapes(arr.shape, shape) != shape:
                raise ValueError
        except ValueError:
            raise ValueError(f"table: the seed for {v.name} has shape {arr.shape}, but the "
                             f"input has shape {shape}.") from None
        out[v.index] = s if arr.ndim else float(arr.real) if arr.dtype.kind != "c" else complex(arr)
    return out
