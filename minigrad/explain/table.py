"""The trace table: one row per variable of a graph, as the AD textbooks print it.

Each row gives the variable, its expression over earlier variables (rendered from the
primitive table's own ``expr`` template), its value, its symbolic partials (from the
primitive's ``partials`` templates) and, in forward or reverse mode, its tangent or
adjoint from the corresponding sweep.  Exports: plain text, Markdown, LaTeX, HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from .. import symbolic as S
from ..graph import Const, Graph, Variable, concrete
from ..modes import forward_sweep, reverse_sweep

NAMING = {
    "v": lambda i, n_in: f"v{i + 1}",  # v1..vn, inputs first
    "baydin": lambda i, n_in: f"v{i - n_in + 1}",  # inputs v_{1-n}..v0, then v1..
    "w": lambda i, n_in: f"w{i + 1}",
}


def format_value(x) -> str:
    """A short, readable number; arrays as their shape and a summary, never a dump."""
    x = concrete(x)
    if np.ndim(x) == 0:
        v = float(np.real(x)) if np.isrealobj(x) else complex(x)
        return f"{v:.6g}"
    a = np.asarray(x)
    if a.size == 0:
        return f"array{a.shape}"
    return f"array{a.shape} mean={a.mean():.4g} range=[{a.min():.4g}, {a.max():.4g}]"


class Symbols:
    """How a graph's variables and constants appear in expressions, in one naming style."""

    def __init__(self, graph: Graph, naming: str = "v"):
        try:
            name_of = NAMING[naming]
        except KeyError:
            raise ValueError(f"unknown naming {naming!r}; use one of {sorted(NAMING)}") from None
        self.graph = graph
        n_in = len(graph.inputs)
        self.names = [name_of(i, n_in) for i in range(len(graph.variables))]

    def of(self, x) -> S.Sym:
        """The symbol for an operand: a variable's name, or a constant as printed."""
        if self.graph.owns(x):
            return S.Name(self.names[x.index])
        if isinstance(x, Const):
            return S.grouped(x.sym)
        if isinstance(x, (int, float, np.generic)) and np.ndim(x) == 0 and not isinstance(x, Variable):
            return S.Num(x.item() if isinstance(x, np.generic) else x)
        return S.Name(f"c{list(np.shape(concrete(x)))}" if np.ndim(concrete(x)) else format_value(x))

    def expression(self, v: Variable) -> S.Sym:
        if v.prim is None:
            return S.Name(v.name or self.names[v.index])
        return v.prim.expr(*[self.of(x) for x in v.inputs], **v.params)

    def partials(self, v: Variable) -> list[tuple[str, S.Sym]]:
        """(input name, d v / d input) for each input that is a variable, summed over repeats."""
        if v.prim is None:
            return []
        args = [self.of(x) for x in v.inputs]
        out = S.Name(self.names[v.index])
        found: dict[str, S.Sym] = {}
        for i, x in enumerate(v.inputs):
            if not self.graph.owns(x):
                continue
            template = v.prim.partials[i] if v.prim.partials else None
            if template is None:
                continue
            d = template(out, *args, **v.params)
            key = self.names[x.index]
            found[key] = found[key] + d if key in found else d
        return list(found.items())


@dataclass
class Row:
    """One line of the trace table, for programs to read."""

    var: str
    expression: S.Sym
    value: object
    partials: list  # [(input name, Sym)]
    tangent: object = None
    adjoint: object = None


class Table:
    """A trace table; ``str(table)`` is aligned text; ``to_markdown/latex/html`` export it."""

    def __init__(self, rows: list[Row], mode: str | None):
        self.rows = rows
        self.mode = mode

    # -- cells
    def columns(self) -> list[str]:
        extra = {"forward": ["tangent"], "reverse": ["adjoint"]}.get(self.mode, [])
        return ["var", "expression", "value", "partials"] + extra

    def cells(self, row: Row, fmt: str = "text") -> list[str]:
        """The rendered cells of ``row`` in ``fmt`` (text, latex or html), in column order."""
        def partial_text(name, d):
            r = S.render(d, fmt)
            if fmt == "latex":
                return (f"\\frac{{\\partial {S.render(S.Name(row.var), fmt)}}}"
                        f"{{\\partial {S.render(S.Name(name), fmt)}}} = {r}")
            if fmt == "html":
                return f"&part;{S.render(S.Name(row.var), fmt)}/&part;{S.render(S.Name(name), fmt)} = {r}"
            return f"d{row.var}/d{name} = {r}"

        var = S.render(S.Name(row.var), fmt)
        expr = S.render(row.expression, fmt)
        if fmt == "latex":
            var, expr = f"${var}$", f"${expr}$"
        partials = ", ".join(
            f"${partial_text(n, d)}$" if fmt == "latex" else partial_text(n, d)
            for n, d in row.partials
        )
        cells = [var, expr, format_value(row.value), partials]
        if self.mode == "forward":
            cells.append("0" if row.tangent is None else format_value(row.tangent))
        if self.mode == "reverse":
            cells.append("0" if row.adjoint is None else format_value(row.adjoint))
        return cells

    # -- exports
    def __str__(self) -> str:
        grid = [self.columns()] + [self.cells(r, "text") for r in self.rows]
        widths = [max(len(line[j]) for line in grid) for j in range(len(grid[0]))]

        def line(cells):
            return " │ ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

        rule = "─┼─".join("─" * w for w in widths)
        return "\n".join([line(grid[0]), rule] + [line(c) for c in grid[1:]])

    def __repr__(self) -> str:
        return str(self)

    def to_markdown(self) -> str:
        cols = self.columns()
        lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
        for r in self.rows:
            lines.append("| " + " | ".join(self.cells(r, "text")) + " |")
        return "\n".join(lines)

    def to_latex(self) -> str:
        cols = self.columns()
        body = [" & ".join(self.cells(r, "latex")) + r" \\" for r in self.rows]
        return "\n".join(
            [r"\begin{tabular}{" + "l" * len(cols) + "}", r"\toprule",
             " & ".join(cols) + r" \\", r"\midrule", *body, r"\bottomrule", r"\end{tabular}"]
        )

    def to_html(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in self.columns())
        body = "".join(
            "<tr>" + "".join(f"<td>{c}</td>" for c in self.cells(r, "html")) + "</tr>"
            for r in self.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    _repr_html_ = to_html

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def build_table(graph: Graph, mode: str | None = None, wrt=None, naming: str = "v") -> Table:
    """The trace table of ``graph``; ``mode="forward"`` seeds the input ``wrt`` (a name, an
    index or a vector of seeds, one per input), ``mode="reverse"`` seeds the output with 1."""
    if mode not in (None, "forward", "reverse"):
        raise ValueError(f"table: mode must be None, 'forward' or 'reverse', not {mode!r}")
    syms = Symbols(graph, naming)
    tangents = adjoints = [None] * len(graph.variables)
    if mode == "forward":
        tangents = forward_sweep(graph, _forward_seeds(graph, wrt))
    elif mode == "reverse":
        out = graph.outputs
        if not graph.owns(out):
            raise ValueError(
                "table(mode='reverse') needs a single output variable; this graph's output is "
                f"{type(out).__name__}. Fix: trace a function that returns one value."
            )
        adjoints = reverse_sweep(graph, {out.index: 1.0})
    rows = [
        Row(syms.names[v.index], syms.expression(v), v.value, syms.partials(v),
            tangents[v.index], adjoints[v.index])
        for v in graph.variables
    ]
    return Table(rows, mode)


def _forward_seeds(graph: Graph, wrt) -> dict:
    inputs = graph.inputs
    if wrt is None:
        if len(inputs) != 1:
            raise ValueError(
                f"table(mode='forward') needs wrt= to choose the seed direction among "
                f"{[v.name for v in inputs]}; e.g. wrt={inputs[0].name!r}."
            )
        wrt = 0
    if isinstance(wrt, str):
        names = [v.name for v in inputs]
        if wrt not in names:
            raise ValueError(f"table: wrt={wrt!r} is not an input; the inputs are {names}.")
        wrt = names.index(wrt)
    if isinstance(wrt, int):
        return {inputs[wrt].index: 1.0}
    seeds = list(wrt)
    if len(seeds) != len(inputs):
        raise ValueError(f"table: wrt has {len(seeds)} seeds but the graph has {len(inputs)} inputs.")
    return {v.index: s for v, s in zip(inputs, seeds)}
