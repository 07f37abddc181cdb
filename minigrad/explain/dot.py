"""The computation graph drawn with Graphviz: one node per variable, one edge per use.

Nodes show the variable, its expression and value (and its tangent or adjoint in
forward or reverse mode); each edge carries the local partial from the primitive
table.  Node ids are the variables' names, so the output is deterministic and golden
files and slides do not reshuffle.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import graphviz

from .. import symbolic as S
from ..graph import Graph
from .table import build_table

THEMES = {
    "light": {"bg": "white", "fg": "#1f2328", "input": "#dbeafe", "node": "#f6f8fa",
              "output": "#dcfce7", "edge": "#57606a", "highlight": "#d9480f",
              "highlight_fill": "#ffe8cc"},
    "dark": {"bg": "#0d1117", "fg": "#e6edf3", "input": "#1e3a5f", "node": "#161b22",
             "output": "#14532d", "edge": "#8b949e", "highlight": "#ff922b",
             "highlight_fill": "#4a2a0a"},
}
INSTALL_HINT = ("Graphviz's `dot` program was not found, so only the .dot source was written; "
                "install it (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz) "
                "to render SVG, PDF or PNG.")


def to_dot(graph: Graph, mode: str | None = None, wrt=None, naming: str = "v",
           theme: str = "light", rankdir: str = "LR", *, highlight=(), highlight_edges=(),
           edge_labels=None, sweep=None, caption: str | None = None) -> graphviz.Digraph:
    """A ``graphviz.Digraph`` of ``graph`` with values, and tangents or adjoints by ``mode``.

    The keyword options draw one step of a sweep (``minigrad.explain.frames``):
    ``highlight`` names the variables to emphasize, ``highlight_edges`` the edges
    ``(input, variable)`` to emphasize (both get the SVG class ``highlight``);
    ``edge_labels`` maps an edge ``(input, variable)`` to the text that replaces its partial;
    ``sweep`` gives, per variable, the text of its tangent or adjoint line instead of the
    finished sweep's value (``""`` leaves it blank: not computed yet); ``caption`` is printed
    under the drawing.
    """
    if theme not in THEMES:
        raise ValueError(f"to_dot: unknown theme {theme!r}; use one of {sorted(THEMES)}")
    colors = THEMES[theme]
    table = build_table(graph, mode=mode, wrt=wrt, naming=naming)
    highlight = {highlight} if isinstance(highlight, str) else set(highlight)
    highlight_edges = set(highlight_edges)
    edge_labels = edge_labels or {}
    graph_attr = {"rankdir": rankdir, "bgcolor": colors["bg"], "fontname": "Helvetica"}
    if caption:
        graph_attr.update(label=caption, labelloc="b", fontsize="16", fontcolor=colors["fg"])
    dot = graphviz.Digraph(name=graph.name, graph_attr=graph_attr,
        node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica",
                   "fontsize": "14", "color": colors["edge"], "fontcolor": colors["fg"]},
        edge_attr={"color": colors["edge"], "fontcolor": colors["fg"], "fontname": "Helvetica",
                   "fontsize": "12"})
    strong = {"color": colors["highlight"], "penwidth": "3", "class": "highlight"}
    out_index = graph.outputs.index if graph.owns(graph.outputs) else None
    for v, row in zip(graph.variables, table.rows):
        cells = table.cells(row)  # var, expression, value, partials[, sweep]
        lines = [f"{cells[0]} = {cells[1]}" if v.prim else f"{cells[0]} = {cells[1]} (input)",
                 f"value {cells[2]}"]
        if mode in ("forward", "reverse"):
            shown = cells[4] if sweep is None else sweep[v.index]
            lines.append(f"{'tangent' if mode == 'forward' else 'adjoint'} {shown}".rstrip())
        fill = colors["input"] if v.prim is None else (
            colors["output"] if v.index == out_index else colors["node"])
        if row.var in highlight:
            dot.node(row.var, "\n".join(lines), fillcolor=colors["highlight_fill"], **strong)
        else:
            dot.node(row.var, "\n".join(lines), fillcolor=fill)
        for name, partial in row.partials:
            edge = (name, row.var)
            label = edge_labels.get(edge, S.render(partial, "text"))
            if edge in highlight_edges:
                dot.edge(name, row.var, label=label, fontcolor=colors["highlight"], **strong)
            else:
                dot.edge(name, row.var, label=label)
    return dot


def render(graph: Graph, path: str | Path, mode: str | None = None, **options) -> Path:
    """Write the graph to ``path``; the suffix picks the format (svg, pdf, png or dot).

    Without Graphviz's ``dot`` program, writes the ``.dot`` source beside ``path`` and
    says in one sentence how to install Graphviz.
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in ("svg", "pdf", "png", "dot", "gv"):
        raise ValueError(f"render: cannot tell the format from {path.name!r}; end the file name "
                         f"in .svg, .pdf, .png or .dot")
    dot = to_dot(graph, mode=mode, **options)
    if fmt in ("dot", "gv"):
        path.write_text(dot.source)
        return path
    if shutil.which("dot") is None:
        source = path.with_suffix(".dot")
        source.write_text(dot.source)
        print(INSTALL_HINT)
        return source
    path.write_bytes(dot.pipe(format=fmt))
    return path
