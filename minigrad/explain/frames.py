"""Slides of a sweep: one frame per step of the forward or the reverse sweep.

The steps, as a lecture walks through them:

* forward mode: one step per non-input variable, in recording order.  The step of ``v``
  computes its tangent from its inputs' tangents and the partials,
  ``tangent(v) = sum over inputs x of  dv/dx * tangent(x)``; the inputs' tangents are
  the seeds (``wrt``), known from the first frame on.  The log-normal has 7 steps.
* reverse mode: one step per non-input variable, from the output back to the first
  one (the inputs have nothing to propagate, and their adjoints are final after the
  last step).  The step of ``v`` pushes its (now final) adjoint to each of its inputs,
  one contribution per use, ``adjoint(x) += dv/dx * adjoint(v)``, so a variable used
  twice (``x * x``) visibly receives two contributions.  The log-normal has 7 steps.

Each ``Frame`` holds the active variable, its contributions (the symbolic partial from
the primitive table, through ``Symbols``; its number; the product the sweep computed; the
running total) and the state of the tangent or adjoint column after the step: each
value with a status, ``pending`` (not computed yet: shown blank), ``partial`` (reverse
mode: some contributions received, more to come: shown as ``-0.5 + ...``) or ``done``.
The numbers come from the sweeps of ``minigrad.modes`` themselves, through their
``on_contribution`` hook; nothing here applies a rule a second time, except once per use
with a unit seed to print the partial's value.

Writers: the Graphviz drawing of a frame (``to_dot``, from ``explain.dot`` with its
highlight options), numbered SVG (and PDF, for Beamer) files, a Beamer source with one
``\\only<k>`` overlay per step, and a self-contained HTML page (SVGs inlined, previous /
next buttons and arrow keys, the table in sync).  ``write`` produces all of them.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import symbolic as S
from ..graph import Graph, Variable
from ..modes import _local_args, forward_sweep, reverse_sweep
from .dot import INSTALL_HINT, THEMES
from .dot import to_dot as _graph_to_dot
from .table import Symbols, Table, _forward_seeds, build_table, format_value

MODES = ("forward", "reverse")
PENDING, PARTIAL, DONE = "pending", "partial", "done"


@dataclass(frozen=True)
class Contribution:
    """One term of a step: ``partial * factor``, added to ``target``'s tangent or adjoint.

    Forward: ``source`` is an input of the active variable and ``target`` the active one;
    reverse: ``source`` is the active variable and ``target`` one of its inputs.
    ``partial`` is always d(active)/d(input), for the operand at ``position``.
    """

    source: str
    target: str
    position: int
    partial: S.Sym | None  # None when the primitive has no symbolic template for it
    partial_value: object  # its number (None when it is not a scalar)
    factor: object  # forward: the input's tangent; reverse: the active adjoint (None is 0)
    value: object  # the product as the sweep computed it; None when skipped (a zero factor)
    total: object  # the target's tangent or adjoint right after this term (None is 0)


@dataclass(frozen=True)
class Frame:
    """One step of a sweep, and the tangent or adjoint column right after it."""

    index: int  # 1-based step number
    mode: str  # "forward" or "reverse"
    active: str  # the variable of this step, as named in the table
    variable: int  # its position in graph.variables
    contributions: tuple[Contribution, ...]
    state: tuple  # per variable: its tangent or adjoint after the step (None is 0)
    status: tuple[str, ...]  # per variable: "pending", "partial" or "done"

    @property
    def edges(self) -> list[tuple[str, str]]:
        """The graph edges ``(input, active)`` this step uses."""
        inputs = [c.source if self.mode == "forward" else c.target for c in self.contributions]
        return [(name, self.active) for name in dict.fromkeys(inputs)]


# ----------------------------------------------------------------------------- the steps

def _operands(v: Variable, graph: Graph, rules) -> list[int]:
    """Positions of ``v``'s operands that are variables of ``graph`` with a rule in ``rules``."""
    return [i for i, x in enumerate(v.inputs)
            if graph.owns(x) and i < len(rules) and rules[i] is not None]


def _partial_sym(v: Variable, i: int, syms: Symbols) -> S.Sym | None:
    templates = v.prim.partials
    try:
        template = templates[i] if templates else None
    except IndexError:
        template = None
    if template is None:
        return None
    args = [syms.of(x) for x in v.inputs]
    return template(S.Name(syms.names[v.index]), *args, **v.params)


def _partial_value(v: Variable, i: int, rule, graph: Graph):
    """d v / d v.inputs[i] as a number: the rule applied to a unit seed (scalars only)."""
    if np.ndim(v.value) or np.ndim(v.inputs[i].value):
        return None
    value = rule(1.0, v.value, *_local_args(v, graph._trace), **v.params)
    return value if np.ndim(value) == 0 else None


def _add(total, c):
    return c if total is None else total + c  # the sweeps' own accumulation, same order


def build_frames(graph: Graph, mode: str = "reverse", wrt=None, naming: str = "v") -> list[Frame]:
    """The steps of the forward (seeded by ``wrt``, as ``Graph.table``) or reverse sweep."""
    if mode not in MODES:
        raise ValueError(f"frames: mode must be 'forward' or 'reverse', not {mode!r}")
    syms = Symbols(graph, naming)
    names = syms.names
    variables = graph.variables
    events: dict[tuple[int, int], object] = {}

    def record(v, i, contribution):
        events[(v.index, i)] = contribution

    frames: list[Frame] = []
    if mode == "forward":
        try:
            seeds = _forward_seeds(graph, wrt)
        except ValueError as e:  # its sentences name table(); the same rules hold here
            raise ValueError(str(e).replace("table", "frames", 1)) from None
        tangents = forward_sweep(graph, seeds, on_contribution=record)
        for v in variables:
            if v.prim is None:
                continue
            terms, total = [], None
            for i in _operands(v, graph, v.prim.jvp):
                x = v.inputs[i]
                c = events.get((v.index, i))
                if c is not None:
                    total = _add(total, c)
                terms.append(Contribution(
                    names[x.index], names[v.index], i, _partial_sym(v, i, syms),
                    _partial_value(v, i, v.prim.jvp[i], graph), tangents[x.index], c, total))
            known = [u.index <= v.index or u.prim is None for u in variables]
            frames.append(Frame(
                len(frames) + 1, mode, names[v.index], v.index, tuple(terms),
                tuple(t if k else None for t, k in zip(tangents, known)),
                tuple(DONE if k else PENDING for k in known)))
        return frames

    out = graph.outputs
    if not graph.owns(out):
        raise ValueError(
            "frames(mode='reverse') needs a single output variable; this graph's output is "
            f"{type(out).__name__}. Fix: trace a function that returns one value."
        )
    reverse_sweep(graph, {out.index: 1.0}, on_contribution=record)
    # A variable's adjoint is final once its first user (the last one the sweep visits) is done.
    first_user = [len(variables)] * len(variables)
    for v in variables:
        if v.prim is not None:
            for i in _operands(v, graph, v.prim.vjp):
                x = v.inputs[i]
                first_user[x.index] = min(first_user[x.index], v.index)
    adjoints: list = [None] * len(variables)
    adjoints[out.index] = 1.0
    for k in range(out.index, -1, -1):
        v = variables[k]
        if v.prim is None:
            continue
        terms = []
        for i in _operands(v, graph, v.prim.vjp):
            x = v.inputs[i]
            c = events.get((k, i))
            if c is not None:
                adjoints[x.index] = _add(adjoints[x.index], c)
            terms.append(Contribution(
                names[k], names[x.index], i, _partial_sym(v, i, syms),
                _partial_value(v, i, v.prim.vjp[i], graph), adjoints[k], c, adjoints[x.index]))
        status = tuple(
            DONE if j >= k or first_user[j] >= k else PARTIAL if a is not None else PENDING
            for j, a in enumerate(adjoints))
        frames.append(Frame(len(frames) + 1, mode, names[k], k, tuple(terms),
                            tuple(a if s != PENDING else None for a, s in zip(adjoints, status)),
                            status))
    return frames


# ----------------------------------------------------------------------------- notation

def _accented(name: str, mode: str, fmt: str) -> str:
    """The tangent (v̇5) or adjoint (v̄5) of a variable, in ``fmt``."""
    m = re.fullmatch(r"([A-Za-z]+)_?(-?\d+)", name)
    base, sub = (m.group(1), m.group(2)) if m else (name, "")
    if fmt == "latex":
        accent = "dot" if mode == "forward" else "bar"
        core = f"\\{accent}{{{S.render(S.Name(base), 'latex')}}}"
        return f"{core}_{{{sub}}}" if sub else core
    mark = "\u0307" if mode == "forward" else "\u0304"  # combining dot above / macron
    if fmt == "html":
        core = S.render(S.Name(base), "html") + ("&#775;" if mode == "forward" else "&#772;")
        return f"{core}<sub>{sub}</sub>" if sub else core
    return f"{base}{mark}{sub}"


def _name(name: str, fmt: str) -> str:
    return S.render(S.Name(name), fmt)


def _d(active: str, wrt: str, fmt: str) -> str:
    if fmt == "latex":
        return f"\\frac{{\\partial {_name(active, fmt)}}}{{\\partial {_name(wrt, fmt)}}}"
    if fmt == "html":
        return f"&part;{_name(active, fmt)}/&part;{_name(wrt, fmt)}"
    return f"\u2202{active}/\u2202{wrt}"


def _number(x, fmt: str, group: bool = False) -> str:
    text = "0" if x is None else format_value(x)
    if group and text.startswith("-"):
        text = f"({text})"
    if fmt == "html":
        return html.escape(text).replace("-", "&minus;")
    return text


_TIMES = {"text": " \u00d7 ", "latex": " \\times ", "html": " &times; "}
_ARROW = {"text": "  \u21d2  ", "latex": " \\quad\\Rightarrow\\quad ", "html": " &rArr; "}
_PLUS_EQ = {"text": " += ", "latex": " \\mathrel{+}= ", "html": " += "}


def _paren(sym: S.Sym | None, fmt: str) -> str:
    if sym is None:
        return "?"
    if isinstance(sym, S.Num):
        return _number(sym.value, fmt, True)
    text = S.render(sym, fmt)
    if isinstance(sym, S.Name):
        return text
    return {"latex": f"\\left({text}\\right)"}.get(fmt, f"({text})")


def _chain(parts: list[str]) -> str:
    """``a = b = c``, without repeating a member equal to the previous one."""
    kept = [p for k, p in enumerate(parts) if k == 0 or p != parts[k - 1]]
    return " = ".join(kept)


def step_lines(frame: Frame, fmt: str = "text") -> list[str]:
    """The arithmetic of one step, one equation per line, in ``fmt`` (text, latex or html).

    Forward: the chain rule for the active tangent, with the partials, then with numbers.
    Reverse: one line per contribution, ``adjoint(input) += partial * adjoint(active)``,
    with its numbers and the input's running adjoint; a repeated input says which use.
    LaTeX lines are math-mode bodies (without the ``$``).
    """
    times = _TIMES[fmt]
    space = " \\, " if fmt == "latex" else " "
    active = frame.active

    def numeric(c):
        return (_paren(c.partial, fmt) if c.partial_value is None
                else _number(c.partial_value, fmt, True))

    if frame.mode == "forward":
        target = _accented(active, "forward", fmt)
        result = _number(frame.state[frame.variable], fmt)
        if not frame.contributions:
            return [f"{target} = {result}"]
        terms = frame.contributions
        chain = " + ".join(f"{_d(active, c.source, fmt)}{space}{_accented(c.source, 'forward', fmt)}"
                           for c in terms)
        symbolic = " + ".join(f"{_paren(c.partial, fmt)}{times}{_number(c.factor, fmt, True)}"
                              for c in terms)
        numbers = " + ".join(f"{numeric(c)}{times}{_number(c.factor, fmt, True)}" for c in terms)
        return [_chain([target, chain]), _chain([target, symbolic, numbers, result])]

    bar = _accented(active, "reverse", fmt)
    if not frame.contributions:
        rest = "\\text{: nothing to propagate}" if fmt == "latex" else ": nothing to propagate"
        return [f"{bar} = {_number(frame.state[frame.variable], fmt)}{rest}"]
    uses: dict[str, int] = {}
    for c in frame.contributions:
        uses[c.target] = uses.get(c.target, 0) + 1
    lines, seen = [], {}
    for c in frame.contributions:
        seen[c.target] = seen.get(c.target, 0) + 1
        target = _accented(c.target, "reverse", fmt)
        factor = _number(c.factor, fmt, True)
        line = target + _PLUS_EQ[fmt] + _chain([
            f"{_d(active, c.target, fmt)}{space}{bar}", f"{_paren(c.partial, fmt)}{times}{factor}",
            f"{numeric(c)}{times}{factor}", _number(c.value, fmt)])
        line += f"{_ARROW[fmt]}{target} = {_number(c.total, fmt)}"
        if uses[c.target] > 1:
            note = f"use {seen[c.target]} of {uses[c.target]}"
            line += f"\\quad\\text{{({note})}}" if fmt == "latex" else f"  ({note})"
        lines.append(line)
    return lines


def _sweep_cell(frame: Frame, j: int, fmt: str) -> str:
    status = frame.status[j]
    if status == PENDING:
        return ""
    text = _number(frame.state[j], "text")  # numbers as the table's value column prints them
    if fmt == "html":
        text = html.escape(text)
    if status == PARTIAL:
        text += {"latex": " + \\ldots", "html": " + &hellip;"}.get(fmt, " + \u2026")
    return text


# ----------------------------------------------------------------------------- the set

class Frames(Sequence):
    """The frames of one sweep over one graph, with their writers (see the module docstring)."""

    def __init__(self, graph: Graph, mode: str = "reverse", wrt=None, naming: str = "v",
                 theme: str = "light"):
        if theme not in THEMES:
            raise ValueError(f"frames: unknown theme {theme!r}; use one of {sorted(THEMES)}")
        self.graph, self.mode, self.wrt, self.naming, self.theme = graph, mode, wrt, naming, theme
        self.frames = build_frames(graph, mode, wrt, naming)
        self.table: Table = build_table(graph, mode, wrt, naming)
        self._edge_labels: dict | None = None

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, k):
        return self.frames[k]

    def __repr__(self) -> str:
        return f"<Frames {self.graph.name}: {self.mode} sweep, {len(self)} steps>"

    @property
    def title(self) -> str:
        return f"{self.mode.capitalize()} sweep of {self.graph.name}"

    def caption(self, frame: Frame, fmt: str = "text") -> str:
        """``Step 3/7: adjoint of v8`` (the name typeset as math in LaTeX)."""
        what = "tangent" if self.mode == "forward" else "adjoint"
        name = _name(frame.active, fmt)
        return f"Step {frame.index}/{len(self)}: {what} of {f'${name}$' if fmt == 'latex' else name}"

    # -- the table
    def rows(self, frame: Frame, fmt: str = "text") -> list[list[str]]:
        """The trace table's cells at ``frame``: the sweep column as it stands then."""
        return [self.table.cells(row, fmt)[:-1] + [_sweep_cell(frame, j, fmt)]
                for j, row in enumerate(self.table.rows)]

    def text_table(self, frame: Frame) -> str:
        """The table at ``frame`` as aligned text, ``>`` marking the active row."""
        grid = [[""] + self.table.columns()] + [
            [">" if j == frame.variable else ""] + cells
            for j, cells in enumerate(self.rows(frame))]
        widths = [max(len(line[c]) for line in grid) for c in range(len(grid[0]))]
        return "\n".join(" ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip()
                         for line in grid)

    # -- the drawing
    def edge_labels(self) -> dict:
        """Every edge's label for the slides: its partial and that partial's value.

        The same in every frame, so that Graphviz lays every frame out the same way.
        """
        if self._edge_labels is not None:
            return self._edge_labels
        labels = {}
        for row, v in zip(self.table.rows, self.graph.variables):
            for name, partial in row.partials:
                text = S.render(partial, "text")
                values = [_partial_value(v, i, v.prim.jvp[i], self.graph)
                          for i in _operands(v, self.graph, v.prim.jvp)
                          if self.table.rows[v.inputs[i].index].var == name]
                if values and all(x is not None for x in values):
                    number = format_value(sum(values[1:], values[0]))
                    if number != text:
                        text = f"{text} = {number}"
                labels[(name, row.var)] = text
        self._edge_labels = labels
        return labels

    def to_dot(self, frame: Frame, caption: bool = True):
        """The Graphviz drawing of ``frame``: the active variable and its edges highlighted."""
        sweep = [_sweep_cell(frame, j, "text") for j in range(len(self.graph.variables))]
        text = None
        if caption:  # padded to the longest caption: every frame has the same height
            lines = [self.caption(frame)] + step_lines(frame, "text")
            longest = 1 + max(len(f.contributions) if self.mode == "reverse" else 2
                              for f in self.frames)
            text = "\n".join(lines + [" "] * (longest - len(lines)))
        return _graph_to_dot(self.graph, mode=self.mode, wrt=self.wrt, naming=self.naming,
                             theme=self.theme, highlight=[frame.active],
                             highlight_edges=frame.edges, edge_labels=self.edge_labels(),
                             sweep=sweep, caption=text)

    # -- Beamer
    def to_beamer(self, graphics: str | None = "frame-{:03d}.pdf") -> str:
        """A Beamer document: one slide, one ``\\only<k>`` overlay per step.

        Each overlay has the drawing (``graphics`` formatted with the step number; the
        PDFs that ``write`` renders; skipped while the file is missing), the step's
        arithmetic and the booktabs table with the active row shaded and the values not
        computed yet left blank.  ``graphics=None`` leaves the drawings out.
        """
        cols = self.table.columns()
        lines = [
            "% Generated by minigrad frames: one overlay per step of the sweep.",
            r"\documentclass[aspectratio=169,xcolor=table]{beamer}",
            r"\usepackage{amsmath}",
            r"\usepackage{booktabs}",
            r"\usepackage{graphicx}",
            r"\definecolor{mgactive}{HTML}{" + THEMES["light"]["highlight_fill"].lstrip("#").upper() + "}",
            r"\definecolor{mgpartial}{gray}{0.45}",
            r"\setbeamertemplate{navigation symbols}{}",
            r"\newsavebox{\mgbox}",
            r"% \mgfit{...}: as is, or shrunk to the line width when wider",
            r"\newcommand{\mgfit}[1]{\sbox{\mgbox}{#1}\ifdim\wd\mgbox>\linewidth"
            r"\resizebox{\linewidth}{!}{\usebox{\mgbox}}\else\usebox{\mgbox}\fi}",
            r"\begin{document}",
            r"\begin{frame}{" + _latex_escape(self.title) + "}",
        ]
        for frame in self.frames:
            lines.append(rf"\only<{frame.index}>{{%")
            lines.append(r"  \centering")
            if graphics:
                path = graphics.format(frame.index)
                lines.append(rf"  \IfFileExists{{{path}}}{{\includegraphics[width=\linewidth,"
                             rf"height=0.42\textheight,keepaspectratio]{{{path}}}\par}}{{}}%")
            lines.append(r"  {\footnotesize " + self.caption(frame, "latex") + r"\par}")
            for eq in step_lines(frame, "latex"):
                lines.append(rf"  {{\footnotesize\mgfit{{${eq}$}}\par}}")
            lines.append(r"  \vspace{0.5ex}")
            lines.append(r"  {\footnotesize\mgfit{%")
            lines.append(r"  \begin{tabular}{" + "l" * len(cols) + "}")
            lines.append(r"  \toprule")
            lines.append("  " + " & ".join(cols) + r" \\")
            lines.append(r"  \midrule")
            for j, cells in enumerate(self.rows(frame, "latex")):
                if frame.status[j] == PARTIAL:
                    cells[-1] = r"\textcolor{mgpartial}{" + cells[-1] + "}"
                shade = r"\rowcolor{mgactive} " if j == frame.variable else ""
                lines.append("  " + shade + " & ".join(cells) + r" \\")
            lines.append(r"  \bottomrule")
            lines.append(r"  \end{tabular}}\par}%")
            lines.append("}%")
        lines += [r"\end{frame}", r"\end{document}", ""]
        return "\n".join(lines)

    # -- HTML
    def to_html(self, svgs: Sequence[str] | None = None) -> str:
        """One self-contained page: a section per step (drawing, arithmetic, table), shown
        one at a time with previous/next buttons and the arrow keys; no external resources.

        ``svgs`` are the drawings (SVG documents, one per frame); without them the page
        has the arithmetic and the table only.
        """
        colors = THEMES[self.theme]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.table.columns())
        sections = []
        for frame in self.frames:
            body = []
            for j, cells in enumerate(self.rows(frame, "html")):
                cls = ["active"] if j == frame.variable else []
                if frame.status[j] == PARTIAL:
                    cls.append("partial")
                attr = f' class="{" ".join(cls)}"' if cls else ""
                body.append(f"<tr{attr}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            drawing = _inline_svg(svgs[frame.index - 1], f"f{frame.index}-") if svgs else ""
            math = "".join(f"<div>{line}</div>" for line in step_lines(frame, "html"))
            sections.append(
                f'<section class="frame" id="frame-{frame.index}" data-active="{html.escape(frame.active)}"'
                f'{"" if frame.index == 1 else " hidden"}>\n'
                f"<h2>{self.caption(frame, 'html')}</h2>\n"
                f'<div class="graph">{drawing}</div>\n<div class="math">{math}</div>\n'
                f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>\n"
                "</section>")
        note = "" if svgs else (f'<p class="note">{html.escape(INSTALL_HINT)}</p>')
        return _HTML.format(
            title=html.escape(self.title), count=len(self), sections="\n".join(sections),
            note=note, bg=colors["bg"], fg=colors["fg"], edge=colors["edge"],
            hlfill=colors["highlight_fill"])

    # -- everything
    def write(self, directory: str | Path) -> list[Path]:
        """Write ``frame-001.svg``... (and ``.pdf``, for Beamer), ``frames.tex`` and
        ``frames.html`` into ``directory`` (created if missing, its parent must exist).

        Without Graphviz's ``dot`` program the frames are written as ``.dot`` sources and
        one sentence says how to install Graphviz.  Returns the paths written.
        """
        directory = Path(directory)
        if directory.exists() and not directory.is_dir():
            raise ValueError(f"frames: {directory} exists and is not a directory")
        if not directory.exists():
            if not directory.parent.is_dir():
                raise ValueError(f"frames: cannot create {directory}: its parent directory "
                                 f"{directory.parent} does not exist")
            directory.mkdir()
        written: list[Path] = []
        svgs: list[str] | None = []
        have_dot = shutil.which("dot") is not None
        for frame in self.frames:
            drawing = self.to_dot(frame)
            stem = directory / f"frame-{frame.index:03d}"
            if have_dot:
                svg = drawing.pipe(format="svg").decode("utf-8")
                stem.with_suffix(".svg").write_text(svg, encoding="utf-8")
                stem.with_suffix(".pdf").write_bytes(drawing.pipe(format="pdf"))
                svgs.append(svg)
                written += [stem.with_suffix(".svg"), stem.with_suffix(".pdf")]
            else:
                stem.with_suffix(".dot").write_text(drawing.source, encoding="utf-8")
                written.append(stem.with_suffix(".dot"))
                svgs = None
        if not have_dot:
            print(INSTALL_HINT)
        tex = directory / "frames.tex"
        tex.write_text(self.to_beamer(), encoding="utf-8")
        page = directory / "frames.html"
        page.write_text(self.to_html(svgs), encoding="utf-8")
        return written + [tex, page]


def frames(graph: Graph, mode: str = "reverse", wrt=None, naming: str = "v",
           theme: str = "light") -> Frames:
    """The frames of ``graph``'s forward or reverse sweep (see the module docstring)."""
    return Frames(graph, mode, wrt, naming, theme)


# ----------------------------------------------------------------------------- helpers

_LATEX_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                   "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                   "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}"}


def _latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text)


def _inline_svg(svg: str, prefix: str) -> str:
    """An SVG document as an element of an HTML page: no prolog, comments or namespaces
    (HTML knows ``<svg>``; the namespace URLs are the only web addresses Graphviz writes),
    and its ids prefixed, unique among the page's drawings."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    svg = re.sub(r' id="([^"]*)"', rf' id="{prefix}\1"', svg)
    return re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)


_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ background: {bg}; color: {fg}; font-family: Helvetica, Arial, sans-serif; margin: 1.5em; }}
nav {{ display: flex; gap: 1em; align-items: center; margin-bottom: 1em; }}
button {{ font-size: 1.1em; padding: 0.3em 1em; }}
h1 {{ font-size: 1.4em; }} h2 {{ font-size: 1.15em; margin: 0.3em 0; }}
.graph svg {{ max-width: 100%; height: auto; }}
.math {{ font-size: 1.1em; margin: 0.6em 0; line-height: 1.6; }}
table {{ border-collapse: collapse; margin-top: 0.5em; }}
th, td {{ padding: 0.25em 0.8em; text-align: left; }}
thead th {{ border-top: 2px solid {edge}; border-bottom: 1px solid {edge}; }}
tbody tr:last-child td {{ border-bottom: 2px solid {edge}; }}
tr.active td {{ background: {hlfill}; font-weight: bold; }}
tr.partial td:last-child {{ opacity: 0.6; font-style: italic; }}
.note {{ font-style: italic; }}
</style>
</head>
<body>
<h1>{title}</h1>
<nav>
<button id="prev" type="button" aria-label="previous step">&larr; previous</button>
<span id="counter">1 / {count}</span>
<button id="next" type="button" aria-label="next step">next &rarr;</button>
<span>(or the arrow keys)</span>
</nav>
{note}
{sections}
<script>
(function () {{
  var frames = document.querySelectorAll("section.frame");
  var current = 0;
  function show(k) {{
    current = Math.max(0, Math.min(frames.length - 1, k));
    frames.forEach(function (f, i) {{ f.hidden = i !== current; }});
    document.getElementById("counter").textContent = (current + 1) + " / " + frames.length;
    document.getElementById("prev").disabled = current === 0;
    document.getElementById("next").disabled = current === frames.length - 1;
  }}
  document.getElementById("prev").addEventListener("click", function () {{ show(current - 1); }});
  document.getElementById("next").addEventListener("click", function () {{ show(current + 1); }});
  document.addEventListener("keydown", function (e) {{
    if (e.key === "ArrowRight" || e.key === "PageDown" || e.key === " ") {{ show(current + 1); e.preventDefault(); }}
    else if (e.key === "ArrowLeft" || e.key === "PageUp") {{ show(current - 1); e.preventDefault(); }}
    else if (e.key === "Home") {{ show(0); }}
    else if (e.key === "End") {{ show(frames.length - 1); }}
  }});
  show(0);
}})();
</script>
</body>
</html>
"""
