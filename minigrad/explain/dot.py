"""The computation graph drawn with Graphviz: one node per variable, one edge per use.

Nodes show the variable, its expression and value (and its tangent or adjoint in
forward or reverse mode); each edge carries the local partial from the primitive
table.  Node ids are the variables' names, so the output is deterministic and golden
files and slides do not reshuffle.  Array values print as their dtype and shape
(``f64[4,3]``), so large graphs stay readable; variables recorded inside
``mg.scope(name)`` are drawn as one cluster per scope.  ``render`` also writes the
binary-free text backends (Mermaid ``.mmd``, TikZ ``.tex``) of ``text_backends``.
"""

from __future__ import annotations

import re
from pathlib import Path

import graphviz
import numpy as np

from ..graph import Graph, concrete
from ..pytree import flatten
from . import escape, layout, typeset
from .table import Row, Table, build_table, format_value, holds_where

THEMES = {
    "light": {"bg": "white", "fg": "#1f2328", "input": "#dbeafe", "node": "#f6f8fa",
              "output": "#dcfce7", "edge": "#57606a", "highlight": "#d9480f",
              "highlight_fill": "#ffe8cc", "primal": "#fff8db", "adjoint": "#ffe3e3",
              "tangent": "#efe5ff", "cluster": "#8c959f"},
    "dark": {"bg": "#0d1117", "fg": "#e6edf3", "input": "#1e3a5f", "node": "#161b22",
             "output": "#14532d", "edge": "#8b949e", "highlight": "#ff922b",
             "highlight_fill": "#4a2a0a", "primal": "#3b3212", "adjoint": "#4c1d24",
             "tangent": "#2e1f4f", "cluster": "#6e7681"},
}
# The kinds of variable in a program graph (``Graph.backward_graph``/``forward_graph``).
ROLE_LABELS = {"primal": "primal replay", "adjoint": "adjoint computation",
               "tangent": "tangent computation"}
_DTYPE_SHORT = {"float64": "f64", "float32": "f32", "float16": "f16", "bfloat16": "bf16",
                "int64": "i64", "int32": "i32", "int16": "i16", "int8": "i8",
                "complex128": "c128", "complex64": "c64", "bool": "bool"}


def compact_value(x) -> str:
    """A scalar as a short number; an array as its dtype and shape only (``f64[4,3]``)."""
    x = concrete(x)
    if np.ndim(x) == 0:
        return format_value(x)
    dtype = getattr(x, "dtype", None)
    name = str(np.dtype(dtype) if dtype is not None else np.result_type(x))
    return f"{_DTYPE_SHORT.get(name, name)}[{','.join(str(n) for n in np.shape(x))}]"


def value_text(x, values: str = "compact") -> str:
    """A value as the writers print it: ``compact`` (arrays as shapes) or ``summary``."""
    if values == "compact":
        return compact_value(x)
    if values == "summary":
        return format_value(x)
    raise ValueError(f"values must be 'compact' or 'summary', not {values!r}")


def node_lines(table: Table, row: Row, value, values: str = "compact",
               sweep: str | None = None) -> list[str]:
    """A node's label in the table's notation, typeset in Unicode (``explain.typeset``):
    ``v₅ = v₄ / v₃``, ``= 0.75`` and, in a sweep, ``v̄₅ = −0.75`` (or v̇₅, a tangent).

    ``sweep`` replaces the sweep's final value (a frame's; ``""``: not computed yet, the
    name alone)."""
    cells = table.cells(row, "html")
    name = typeset.from_html(cells[0])
    lines = [f"{name} = {typeset.from_html(cells[1])}", "= " + minus(value_text(value, values))]
    if table.mode is not None:
        shown = minus(value_text(table.sweep_value(row), values)) if sweep is None else sweep
        lines.append(sweep_line(row.var, table.mode, shown))
    return lines


def sweep_line(variable: str, mode: str, shown: str) -> str:
    """A node's tangent or adjoint line: ``v̄₅ = −0.75``; the name alone while ``shown`` is
    blank (a frame's variable not computed yet)."""
    name = typeset.accented(variable, mode)
    return f"{name} = {shown}" if shown else name


def minus(text: str) -> str:
    """A printed value with the tables' minus sign (U+2212), not a hyphen."""
    return text.replace("-", "\u2212")


def output_indices(graph: Graph) -> set[int]:
    """Indices of the graph's own variables among its outputs (any pytree of them)."""
    leaves, _ = flatten(graph.outputs)
    return {o.index for o in leaves if graph.owns(o)}


def node_kind(graph: Graph, v, outputs: set[int]) -> str:
    """``input``, ``output`` or ``node``; in a program graph ``primal``, ``adjoint`` or
    ``tangent`` (whose outputs are marked by a border, not a fill)."""
    if v.prim is None:
        return "input"
    role = getattr(graph, "roles", {}).get(v.index)
    if role is not None:
        return role
    return "output" if v.index in outputs else "node"


def scope_tree(graph: Graph, names: list[str]) -> tuple[list[str], dict[str, list[str]], dict[str, list[str]]]:
    """The scopes of ``graph`` as a tree: top-level paths, children per path, and the
    variable names directly in each path; all in order of first appearance."""
    members: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}
    top: list[str] = []
    for v in graph.variables:
        path = graph.scopes.get(v.index)
        if path is None:
            continue
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            p = "/".join(parts[:depth])
            if p in members:
                continue
            members[p] = []
            children[p] = []
            parent = "/".join(parts[:depth - 1])
            (children[parent] if depth > 1 else top).append(p)
        members[path].append(names[v.index])
    return top, children, members


def slug(text: str) -> str:
    """An identifier made of ``text``'s letters and digits (``layer 1/fc`` -> ``layer_1_fc``)."""
    return re.sub(r"\W+", "_", text).strip("_") or "s"


def to_dot(graph: Graph, mode: str | None = None, wrt=None, naming: str = "v",
           theme: str = "light", rankdir: str = "LR", *, highlight=(), highlight_edges=(),
           edge_labels=None, sweep=None, caption: str | None = None,
           cluster: bool | None = None, values: str = "compact",
           slide: bool = False, wrap: int | None = None,
           filled_labels: bool = False) -> graphviz.Digraph:
    """A ``graphviz.Digraph`` of ``graph`` with values, and tangents or adjoints by ``mode``.

    ``values="compact"`` prints arrays as their dtype and shape (``f64[4,3]``),
    ``"summary"`` as the table does (shape, mean and range).  ``cluster`` draws the
    variables of each ``mg.scope`` as a Graphviz cluster (nested scopes nested); the
    default does so when the graph has scopes.  In a program graph (``backward_graph``,
    ``forward_graph``) the fill tells the primal replay from the adjoint or tangent
    computation, and its outputs have a double border.

    An operand that no derivative flows from (a comparison's: ``v₃ = v₂ > 1``, which the
    graph's decisions hold) is joined to its variable by a dashed edge without a label.

    The keyword options draw one step of a sweep (``minigrad.explain.frames``):
    ``highlight`` names the variables to emphasize, ``highlight_edges`` the edges
    ``(input, variable)`` to emphasize (both get the SVG class ``highlight``);
    ``edge_labels`` maps an edge ``(input, variable)`` to the text that replaces its partial;
    ``sweep`` gives, per variable, the text of its tangent or adjoint line instead of the
    finished sweep's value (``""`` leaves it blank: not computed yet); ``caption`` is printed
    under the drawing.  ``slide`` draws for a slide, beside the table that has the values:
    larger type, tighter spacing, no value line.  ``wrap`` (no clusters) folds a long graph
    into a snake: rows of ``wrap`` layers of variables (by their longest path from the
    inputs), every other row right to left, so that a row ends above the next one's start
    (with ``rankdir="LR"``; ``"TB"`` turns it a quarter).  An edge within a row carries its
    label on two lines, the partial over its value, which keeps the rows narrow.
    ``filled_labels`` puts each edge label on the background's color (an HTML-like label,
    for Graphviz's program only): a PDF has no halo, and a snake's turn crosses its label.
    """
    if theme not in THEMES:
        raise ValueError(f"to_dot: unknown theme {theme!r}; use one of {sorted(THEMES)}")
    colors = THEMES[theme]
    table = build_table(graph, mode=mode, wrt=wrt, naming=naming, fold=False, who="to_dot")  # (rows only)
    highlight = {highlight} if isinstance(highlight, str) else set(highlight)
    highlight_edges = set(highlight_edges)
    edge_labels = edge_labels or {}
    graph_attr = {"rankdir": rankdir, "bgcolor": colors["bg"], "fontname": "Helvetica"}
    # the drawing says where it holds, and what a program computes on each call, as the table
    # does, its names typeset as the nodes' (v₂ > 1)
    caption = "\n".join(filter(None, [caption, typeset.from_html(holds_where(graph, naming, "html"))]))
    sizes = ("18", "18") if slide else ("14", "12")  # node and edge labels, points
    if slide:
        graph_attr.update(nodesep="0.12", ranksep="0.1", pad="0.05")
    if caption:
        graph_attr.update(label=escape.dot(*caption.split("\n")), labelloc="b", fontsize="16", fontcolor=colors["fg"])
    # Graphviz takes a graph named "%..." for one of its anonymous graphs and drops the name
    # (newer versions leave the drawing's title out): a space keeps the user's name shown.
    name = escape.dot(graph.name)
    dot = graphviz.Digraph(name=" " + name if name.startswith("%") else name, graph_attr=graph_attr,
        node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica",
                   "fontsize": sizes[0], "color": colors["edge"], "fontcolor": colors["fg"],
                   **({"margin": "0.08,0.03"} if slide else {})},
        edge_attr={"color": colors["edge"], "fontcolor": colors["fg"], "fontname": "Helvetica",
                   "fontsize": sizes[1]})
    strong = {"color": colors["highlight"], "penwidth": "3", "class": "highlight"}
    outputs = output_indices(graph)
    notes = getattr(graph, "notes", {})  # a program graph says which adjoint is which
    snake = _snake(graph, [row.var for row in table.rows], wrap) if wrap else {}
    nodes, edges = [], []  # per variable: its node, and the edges into it
    for v, row in zip(graph.variables, table.rows):
        lines = node_lines(table, row, v.value, values, None if sweep is None else sweep[v.index])
        if slide:
            del lines[1]
        if v.index in notes:
            lines.append(notes[v.index])
        kind = node_kind(graph, v, outputs)
        attrs = {"fillcolor": colors[kind]}
        if kind != "output" and v.index in outputs:
            attrs["peripheries"] = "2"
        if row.var in highlight:
            attrs = {"fillcolor": colors["highlight_fill"], **strong}
        nodes.append((row.var, escape.dot(*lines), attrs))
        into = []
        for name, partial in row.partials:
            edge = (name, row.var)
            text = edge_labels.get(edge, typeset.render(partial))
            within = snake and snake[name][0] == snake[row.var][0]
            lines = _two_lines(text) if within else [text]
            label = _filled(lines, colors["bg"]) if filled_labels else escape.dot(*lines)
            if edge in highlight_edges:
                into.append((name, row.var, {"label": label, "fontcolor": colors["highlight"], **strong}))
            else:
                into.append((name, row.var, {"label": label}))
        for name in _underived(graph, table, v, row):
            into.append((name, row.var, {"style": "dashed", "arrowhead": "empty"}))
        edges.append(into)
    if cluster is None:
        cluster = bool(graph.scopes)
    if not cluster:
        for (name, label, attrs), into in zip(nodes, edges):
            dot.node(name, label, **attrs)
            for tail, head, attrs in into:
                dot.edge(tail, head, **attrs)
        if wrap:
            _fold(dot, snake, {(tail, head) for into in edges for tail, head, _ in into})
        return dot
    # Clusters: nodes in their (nested) scope's subgraph; edges at the top level, since an
    # edge written inside a cluster would pull its endpoints into that cluster.
    names = [n for n, _, _ in nodes]
    by_name = {n: (label, attrs) for n, label, attrs in nodes}
    top, children, members = scope_tree(graph, names)
    scoped = {n for ms in members.values() for n in ms}
    for name, label, attrs in nodes:
        if name not in scoped:
            dot.node(name, label, **attrs)
    used: set[str] = set()

    def emit(parent, path):
        ident = "cluster_" + slug(path)
        while ident in used:
            ident += "_"
        used.add(ident)
        with parent.subgraph(name=ident) as sub:
            leaf = path.rsplit("/", 1)[-1]
            title = ROLE_LABELS.get(leaf, leaf) if "/" not in path else leaf
            sub.attr(label=escape.dot(title), style="rounded,dashed", color=colors["cluster"],
                     fontcolor=colors["fg"], fontname="Helvetica", fontsize="14",
                     labeljust="l")
            for name in members[path]:
                label, attrs = by_name[name]
                sub.node(name, label, **attrs)
            for child in children[path]:
                emit(sub, child)

    for path in top:
        emit(dot, path)
    for into in edges:
        for tail, head, attrs in into:
            dot.edge(tail, head, **attrs)
    return dot


def _underived(graph: Graph, table: Table, v, row: Row) -> list[str]:
    """The operands of ``v`` that no derivative flows from (a comparison's, ``v₃ = v₂ > 1``):
    their edges carry no partial, so they are drawn dashed, without a label."""
    derived = {name for name, _ in row.partials}
    operands = [table.rows[x.index].var for x in v.inputs if graph.owns(x)]
    return [name for name in dict.fromkeys(operands) if name not in derived]


def _snake(graph: Graph, names: list[str], columns: int) -> dict[str, tuple[int, int]]:
    """Each variable's ``(row, column)`` in a snake of rows of ``columns`` layers, the odd
    rows right to left."""
    from .text_backends import layers

    place = {}
    for name, layer in zip(names, layers(graph)):
        row, k = divmod(layer, columns)
        place[name] = (row, columns - 1 - k if row % 2 else k)
    return place


def _fold(dot: graphviz.Digraph, snake: dict[str, tuple[int, int]], edges: set) -> None:
    """The snake's columns as ranks, each column's variables in row order (invisible edges
    between a row's first variable there and the next row's, where no edge joins them)."""
    columns: dict[int, dict[int, str]] = {}
    for name, (row, column) in snake.items():
        columns.setdefault(column, {}).setdefault(row, name)
    for column in sorted(columns):
        with dot.subgraph() as rank:
            rank.attr(rank="same")
            for name, (_, c) in snake.items():
                if c == column:
                    rank.node(name)
        firsts = [columns[column][r] for r in sorted(columns[column])]
        for above, below in zip(firsts, firsts[1:]):
            if (above, below) not in edges:
                dot.edge(above, below, style="invis")


def _filled(lines: list[str], fill: str) -> str:
    """An HTML-like label of ``lines`` on a box of ``fill``, no larger than the text."""
    body = "<br/>".join(escape.html(line) for line in lines)
    return (f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="0" '
            f'bgcolor="{fill}"><tr><td>{body}</td></tr></table>>')


def _two_lines(label: str) -> list[str]:
    """``cos v₁ = 0.877583`` as ``cos v₁`` over ``= 0.877583`` (one line without a value)."""
    partial, equals, value = label.partition(" = ")
    return [partial, equals.lstrip() + value] if equals else [label]


def to_svg(graph: Graph, mode: str | None = None, *, max_nodes: int | None = None,
           **options) -> str:
    """The SVG drawing of ``graph`` (``to_dot``'s options), laid out by ``layout.pipe``:
    Graphviz's program when installed, Graphviz in WebAssembly otherwise."""
    layout.check_size(len(graph.variables), max_nodes, f"graph {graph.name!r}")
    return layout.svg(to_dot(graph, mode=mode, **options).source)


def output_format(path: str | Path) -> str:
    """The format ``render`` writes to ``path``, from its suffix; callers check it before any
    work (the command line refuses ``-o x.jpg``, or ``-o x.pdf`` without Graphviz's program,
    before it prints anything)."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in ("svg", "pdf", "png", "dot", "gv", "mmd", "tex"):
        raise ValueError(f"render: cannot tell the format from {path.name!r}; end the file name "
                         f"in .svg, .pdf, .png, .dot, .mmd (Mermaid) or .tex (TikZ)")
    if fmt in ("svg", "pdf", "png"):
        layout.require(fmt)
    return fmt


def render(graph: Graph, path: str | Path, mode: str | None = None, *,
           max_nodes: int | None = None, **options) -> Path:
    """Write the graph to ``path``; the suffix picks the format and the writer.

    ``.svg``, ``.pdf``, ``.png`` (Graphviz) and ``.dot``/``.gv`` (its source) come from
    ``to_dot``; ``.mmd`` (Mermaid) and ``.tex`` (standalone TikZ) from the text backends,
    which need no program at all.  SVG is laid out by the ``dot`` program when it is
    installed and by Graphviz in WebAssembly otherwise; PDF and PNG need the program
    (``layout.LayoutError`` says so).  A drawing of more than ``max_nodes`` nodes
    (``layout.MAX_NODES``) is refused before any work.
    """
    path = Path(path)
    fmt = output_format(path)
    if fmt in ("mmd", "tex"):
        from .text_backends import to_mermaid, to_tikz

        writer = to_mermaid if fmt == "mmd" else to_tikz
        path.write_text(writer(graph, mode=mode, **options), encoding="utf-8")
        return path
    if fmt in ("dot", "gv"):
        path.write_text(to_dot(graph, mode=mode, **options).source, encoding="utf-8")
        return path
    layout.check_size(len(graph.variables), max_nodes, f"graph {graph.name!r}")
    path.write_bytes(layout.pipe(to_dot(graph, mode=mode, **options).source, fmt))
    return path
