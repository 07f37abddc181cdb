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
              "output": "#dcfce7", "edge": "#57606a"},
    "dark": {"bg": "#0d1117", "fg": "#e6edf3", "input": "#1e3a5f", "node": "#161b22",
             "output": "#14532d", "edge": "#8b949e"},
}
INSTALL_HINT = ("Graphviz's `dot` program was not found, so only the .dot source was written; "
                "install it (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz) "
                "to render SVG, PDF or PNG.")


def to_dot(graph: Graph, mode: str | None = None, wrt=None, naming: str = "v",
           theme: str = "light", rankdir: str = "LR") -> graphviz.Digraph:
    """A ``graphviz.Digraph`` of ``graph`` with values, and tangents or adjoints by ``mode``."""
    if theme not in THEMES:
        raise ValueError(f"to_dot: unknown theme {theme!r}; use one of {sorted(THEMES)}")
    colors = THEMES[theme]
    table = build_table(graph, mode=mode, wrt=wrt, naming=naming)
    dot = graphviz.Digraph(name=graph.name, graph_attr={
        "rankdir": rankdir, "bgcolor": colors["bg"], "fontname": "Helvetica"},
        node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica",
                   "fontsize": "14", "color": colors["edge"], "fontcolor": colors["fg"]},
        edge_attr={"color": colors["edge"], "fontcolor": colors["fg"], "fontname": "Helvetica",
                   "fontsize": "12"})
    out_index = graph.outputs.index if graph.owns(graph.outputs) else None
    for v, row in zip(graph.variables, table.rows):
        cells = table.cells(row)  # var, expression, value, partials[, sweep]
        lines = [f"{cells[0]} = {cells[1]}" if v.prim else f"{cells[0]} = {cells[1]} (input)",
                 f"value {cells[2]}"]
        if mode == "forward":
            lines.append(f"tangent {cells[4]}")
        if mode == "reverse":
            lines.append(f"adjoint {cells[4]}")
        fill = colors["input"] if v.prim is None else (
            colors["output"] if v.index == out_index else colors["node"])
        dot.node(row.var, "\n".join(lines), fillcolor=fill)
        for name, partial in row.partials:
            dot.edge(name, row.var, label=S.render(partial, "text"))
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
