"""Graph writers that need no program: Mermaid for Markdown docs, TikZ for LaTeX slides.

Both draw what ``to_dot`` draws: one node per variable (its expression and value, and its
tangent or adjoint by ``mode``), one edge per input variable labelled with the symbolic
partial from the primitive table.  Ids are the table's variable names (made safe for the
target language), and the output depends on nothing but the graph, so it is deterministic.

* ``to_mermaid``: a ``flowchart LR``; scopes (``mg.scope``) become nested subgraphs, and
  inputs, outputs, and in program graphs the primal replay and the adjoint or tangent
  computation, get one ``classDef`` each.  GitHub, GitLab, MkDocs and Jupyter draw it.
* ``to_tikz``: a TikZ picture, standalone-compilable (``pdflatex graph.tex``) or, with
  ``standalone=False``, a bare ``tikzpicture`` for ``\\input`` into a Beamer frame.  Nodes
  are placed in columns by their longest path from the inputs; math is typeset by the
  LaTeX renderer of ``minigrad.symbolic``.
"""

from __future__ import annotations

import re

from .. import symbolic as S
from ..graph import Graph
from . import typeset
from .dot import (
    ROLE_LABELS,
    THEMES,
    node_kind,
    node_lines,
    output_indices,
    scope_tree,
    slug,
    value_text,
)
from .escape import latex_text, mermaid, tex_comment
from .table import build_table

_KINDS = ("input", "node", "output", "primal", "adjoint", "tangent")


def _ident(name: str) -> str:
    """A node id safe in Mermaid and TikZ: ``v-1`` (Baydin naming) becomes ``v_m1``."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name.replace("-", "_m"))


def _theme(theme: str) -> dict:
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}; use one of {sorted(THEMES)}")
    return THEMES[theme]


# ------------------------------------------------------------------------------- Mermaid

def to_mermaid(graph: Graph, mode: str | None = None, wrt=None, naming: str = "v",
               theme: str = "light", direction: str = "LR", *, cluster: bool | None = None,
               values: str = "compact") -> str:
    """A Mermaid flowchart of ``graph``: values, and tangents or adjoints by ``mode``.

    Node lines come first (``v3["v3 = v1 v2<br/>value 10"]``), grouped into ``subgraph``
    blocks by scope when ``cluster`` (default: when the graph has scopes), then one edge
    line per partial (``v1 -->|"v2"| v3``), then the class definitions.
    """
    colors = _theme(theme)
    if direction not in ("LR", "RL", "TB", "TD", "BT"):
        raise ValueError(f"to_mermaid: direction must be LR, RL, TB, TD or BT, not {direction!r}")
    table = build_table(graph, mode=mode, wrt=wrt, naming=naming, fold=False, who="to_mermaid")
    outputs = output_indices(graph)
    names = [row.var for row in table.rows]
    notes = getattr(graph, "notes", {})
    lines = [f"flowchart {direction}"]
    node_line: dict[str, str] = {}
    kinds: dict[str, list[str]] = {k: [] for k in _KINDS}
    edges: list[str] = []
    for v, row in zip(graph.variables, table.rows):
        parts = node_lines(table, row, v.value, values)
        if v.index in notes:
            parts.append(notes[v.index])
        ident = _ident(row.var)
        node_line[row.var] = f'{ident}["{"<br/>".join(mermaid(p) for p in parts)}"]'
        kind = node_kind(graph, v, outputs)
        kinds[kind].append(ident)
        if kind != "output" and v.index in outputs:
            kinds["output"].append(ident)  # a program's output: its role's fill, a thick border
        for name, partial in row.partials:
            label = mermaid(typeset.render(partial))
            edges.append(f'    {_ident(name)} -->|"{label}"| {ident}')
    if cluster is None:
        cluster = bool(graph.scopes)
    if cluster:
        top, children, members = scope_tree(graph, names)
        scoped = {n for ms in members.values() for n in ms}
        lines += [f"    {node_line[n]}" for n in names if n not in scoped]
        used: set[str] = set()

        def emit(path: str, depth: int) -> None:
            ident = "scope_" + slug(path)
            while ident in used:
                ident += "_"
            used.add(ident)
            leaf = path.rsplit("/", 1)[-1]
            title = ROLE_LABELS.get(leaf, leaf) if depth == 1 else leaf
            pad = "    " * depth
            lines.append(f'{pad}subgraph {ident} ["{mermaid(title)}"]')
            lines.extend(f"{pad}    {node_line[n]}" for n in members[path])
            for child in children[path]:
                emit(child, depth + 1)
            lines.append(f"{pad}end")

        for path in top:
            emit(path, 1)
    else:
        lines += [f"    {node_line[n]}" for n in names]
    lines += edges
    for kind in _KINDS:
        if not kinds[kind]:
            continue
        if kind == "output" and any(k in kinds and kinds[k] for k in ("primal", "adjoint", "tangent")):
            style = f"stroke:{colors['edge']},stroke-width:3px"  # programs: keep the role's fill
        else:
            style = f"fill:{colors[kind]},stroke:{colors['edge']},color:{colors['fg']}"
        lines.append(f"    classDef mg_{kind} {style}")
        lines.append(f"    class {','.join(kinds[kind])} mg_{kind}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------- TikZ

_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?")
def _tex_value(text: str) -> str:
    """A printed value in LaTeX: numbers in math mode (``1e-08`` as ``10^{-8}``), the rest
    (``f64[4,3]``, ``nan``) in typewriter."""
    m = _NUMBER.fullmatch(text)
    if m is None:
        return f"\\texttt{{{latex_text(text)}}}"
    if m.group(2):
        mantissa, exponent = text.split("e")
        exponent = str(int(exponent))
        return f"${mantissa} \\cdot 10^{{{exponent}}}$" if mantissa not in ("1", "-1") else \
            f"${'-' if mantissa == '-1' else ''}10^{{{exponent}}}$"
    return f"${text}$"


def _accent(name_latex: str, mark: str) -> str:
    """``v_{4}`` -> ``\\bar{v}_{4}``: the accent on the letter, not on the subscript."""
    m = re.fullmatch(r"(.+?)_\{(.+)\}", name_latex)
    return f"\\{mark}{{{m.group(1)}}}_{{{m.group(2)}}}" if m else f"\\{mark}{{{name_latex}}}"


def layers(graph: Graph) -> list[int]:
    """Each variable's column: 0 for inputs, else 1 + the largest column among its inputs
    (the longest path from the inputs).  One pass, since the list is in topological order."""
    depth = [0] * len(graph.variables)
    for v in graph.variables:
        if v.prim is None:
            continue
        depth[v.index] = 1 + max((depth[x.index] for x in v.inputs if graph.owns(x)), default=-1)
    return depth


def positions(graph: Graph, column: list[int], ysep: float, banded: bool = False) -> list[float]:
    """The height of each node: rows within its column, each column centred.

    ``banded`` (scopes drawn as boxes) stacks horizontal bands, so that boxes do not
    overlap: two top-level scopes share a band when their columns do not overlap (layer1
    beside layer2), else the later one goes below (the adjoint computation under the primal
    replay); an unscoped variable goes to the first band with no box over its column.
    """
    n = len(graph.variables)
    band = [0] * n
    if banded and graph.scopes:
        top = [graph.scopes[i].split("/", 1)[0] if i in graph.scopes else None for i in range(n)]
        spans: dict[str, tuple[int, int]] = {}
        for i in range(n):
            if top[i] is not None:
                lo, hi = spans.get(top[i], (column[i], column[i]))
                spans[top[i]] = (min(lo, column[i]), max(hi, column[i]))
        bands: list[list[tuple[int, int]]] = []
        band_of: dict[str, int] = {}
        for key, (lo, hi) in spans.items():
            for b, taken in enumerate(bands):
                if all(hi < a or lo > z for a, z in taken):
                    taken.append((lo, hi))
                    band_of[key] = b
                    break
            else:
                bands.append([(lo, hi)])
                band_of[key] = len(bands) - 1
        for i in range(n):
            if top[i] is not None:
                band[i] = band_of[top[i]]
            else:
                free = [b for b, taken in enumerate(bands)
                        if not any(a <= column[i] <= z for a, z in taken)]
                band[i] = free[0] if free else len(bands)
    count: dict[tuple[int, int], int] = {}
    for i in range(n):
        count[(band[i], column[i])] = count.get((band[i], column[i]), 0) + 1
    height: dict[int, int] = {}
    for (b, _), k in count.items():
        height[b] = max(height.get(b, 0), k)
    centre, y_top = {}, 0.0
    for b in sorted(height):  # the first band is centred on 0; half a row between bands
        centre[b] = y_top - (height[b] - 1) / 2 * ysep
        y_top -= (height[b] + 0.5) * ysep
    shift = -centre[min(centre)] if centre else 0.0
    seen: dict[tuple[int, int], int] = {}
    y = []
    for i in range(n):
        key = (band[i], column[i])
        k = seen.get(key, 0)
        seen[key] = k + 1
        y.append(centre[band[i]] + shift + ((count[key] - 1) / 2 - k) * ysep)
    return y


def to_tikz(graph: Graph, mode: str | None = None, wrt=None, naming: str = "v",
            theme: str = "light", *, standalone: bool = True, xsep: float = 3.6,
            ysep: float = 1.8, values: str = "compact", cluster: bool | None = None) -> str:
    """A TikZ picture of ``graph``: values, and tangents (``\\dot v``) or adjoints
    (``\\bar v``) by ``mode``; edges carry the symbolic partials.

    Columns are ``xsep`` cm apart (the longest path from the inputs), rows ``ysep`` cm,
    each column centred.  ``standalone=True`` gives a whole document (``standalone``
    class); ``False`` only the ``tikzpicture`` (with its colour definitions), which needs
    ``amsmath`` and ``\\usetikzlibrary{arrows.meta,fit,backgrounds}`` in the preamble.
    ``cluster`` (default: when the graph has scopes) draws a dashed, labelled box around
    each scope's nodes (a box spans its nodes' columns, so it may cover others).
    """
    colors = _theme(theme)
    table = build_table(graph, mode=mode, wrt=wrt, naming=naming, fold=False, who="to_tikz")
    outputs = output_indices(graph)
    notes = getattr(graph, "notes", {})
    column = layers(graph)
    if cluster is None:
        cluster = bool(graph.scopes)
    y_of = positions(graph, column, ysep, banded=cluster)
    style_defs = []
    for kind in _KINDS:
        style_defs.append(f"  mg{kind}/.style={{mgvar, fill=mgc{kind}}}")
    lines = []
    if standalone:
        lines += [r"\documentclass[tikz,border=6pt]{standalone}", r"\usepackage{amsmath}",
                  r"\usetikzlibrary{arrows.meta,fit,backgrounds}", r"\begin{document}"]
    lines += [f"% {tex_comment(graph.name)}: {len(graph.variables)} variables (minigrad)"]
    lines += [f"\\definecolor{{mgc{kind}}}{{HTML}}{{{colors[kind].lstrip('#').upper()}}}"
              for kind in _KINDS]
    lines += [f"\\definecolor{{mgcedge}}{{HTML}}{{{colors['edge'].lstrip('#').upper()}}}",
              r"\begin{tikzpicture}[>={Stealth[length=2.2mm]},",
              r"  mgvar/.style={draw=mgcedge, rounded corners=2pt, align=center, inner sep=3pt,"
              r" font=\small},",
              *[s + "," for s in style_defs],
              r"  mgout/.style={double, double distance=1pt},",
              r"  mgpartial/.style={midway, fill=white, font=\scriptsize, inner sep=1pt},",
              r"  mgscope/.style={draw=mgcedge, dashed, rounded corners=4pt, inner sep=6pt}]"]
    for v, row in zip(graph.variables, table.rows):
        x = column[v.index] * xsep
        y = y_of[v.index]
        var = S.render(S.Name(row.var), "latex")
        expr = S.render(row.expression, "latex")
        text = [f"${var} = {expr}$", f"\\footnotesize {_tex_value(value_text(v.value, values))}"]
        if mode in ("forward", "reverse"):
            shown = value_text(table.sweep_value(row), values)
            mark = "dot" if mode == "forward" else "bar"
            value = _tex_value(shown)
            value = f"${_accent(var, mark)} = {value[1:]}" if value.startswith("$") else \
                f"${_accent(var, mark)} = $ {value}"
            text.append(f"\\footnotesize {value}")
        if v.index in notes:
            text.append(f"\\footnotesize {latex_text(notes[v.index])}")
        kind = node_kind(graph, v, outputs)
        style = f"mg{kind}" + (", mgout" if kind != "output" and v.index in outputs else "")
        body = " \\\\ ".join(text)
        lines.append(f"\\node[{style}] ({_ident(row.var)}) at ({x:.2f},{y:.2f}) {{{body}}};")
    for row in table.rows:
        for name, partial in row.partials:
            lines.append(f"\\draw[->, mgcedge] ({_ident(name)}) -- node[mgpartial] "
                         f"{{${S.render(partial, 'latex')}$}} ({_ident(row.var)});")
    if cluster and graph.scopes:
        names = [row.var for row in table.rows]
        top, children, members = scope_tree(graph, names)

        def everything(path):
            return members[path] + [n for ch in children[path] for n in everything(ch)]

        lines.append(r"\begin{scope}[on background layer]")
        for path in members:  # outer scopes first: the inner boxes are drawn over them
            leaf = path.rsplit("/", 1)[-1]
            title = ROLE_LABELS.get(leaf, leaf) if "/" not in path else leaf
            fit = "".join(f"({_ident(n)})" for n in everything(path))
            lines.append(f"\\node[mgscope, fit={fit}, label={{[font=\\footnotesize]above:"
                         f"{{{latex_text(title)}}}}}] {{}};")
        lines.append(r"\end{scope}")
    lines.append(r"\end{tikzpicture}")
    if standalone:
        lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"
