"""The deck as a Beamer document: 16:9 (or 4:3), a title frame, one frame per step.

Each step's frame has its caption as the frame title, its equations, and the drawing and
the table beside or above each other; where the labels would come out below 8 pt so, the
frame is two pages (overlays): the drawing alone, then the equations and the table.  The drawing is the step's own PDF (``step-002.pdf``...,
Graphviz's ``dot`` program), laid out for this page (``plan``: left to right, top to bottom
or folded into a snake, whichever gives the largest labels) and placed at the largest size
the room allows, never above its natural size; ``label_points`` says how large its labels
come out.  The type is Beamer's 8 pt size (the table at 6 pt, the equations at 7 pt), in
the HTML deck's proportions to the page, so that the labels reach 8 pt where the graph
allows.  Notes go to ``\\note{}`` (shown with ``\\setbeameroption{show notes}``).
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import escape, layout
from ..dot import THEMES
from ..frames import PARTIAL, Frames, step_lines
from ..layout import LayoutError
from .deck import NODE_FONT, TABLE_FONT, Deck, Step, Sweep, _table_size, choose

#: The frame's text area in points: Beamer's 16:9 and 4:3 pages less the side margins
#: (``MARGIN`` each), the frame title, the footline and the gaps; and a line of the
#: equations, without and with a fraction, and its characters' mean width (7 pt type).
PAGES = {"16:9": (455.24, 256.07), "4:3": (364.19, 273.14)}
MARGIN, TITLE, FOOT, GAP = 11.38, 20.0, 12.0, 6.0
LINE, FRACTION, CHARACTER = 9.5, 14.0, 3.6
PAD = "0.2,0.05"  # a snake's margin, inches across and down
#: A snake on a page of its own, where the height is the limit: its rows closer (inches;
#: 0.12 beside a table, closer and a turn's label runs into the next row's), a wider margin.
ALONE = {"nodesep": "0.04", "pad": "0.35,0.05"}
TABLE_POINTS = 6.0  # \footnotesize at 8 pt
#: The smallest label worth a projector, points: a snake is tried only below it.
LEGIBLE = 8.0


INSTALL = ("install pdflatex (Debian/Ubuntu: apt-get install texlive-latex-recommended "
           "texlive-pictures)")
TIMEOUT = 300  # seconds pdflatex may take


def require() -> str:
    """The ``pdflatex`` program, or a one-line error naming the packages to install."""
    found = shutil.which("pdflatex")
    if found is None:
        raise LayoutError(f"the Beamer PDF is compiled by pdflatex, which is not installed: "
                          f"{INSTALL}; or write --format beamer and compile deck.tex elsewhere")
    return found


def compile(tex: Path) -> Path:
    """``tex`` compiled to PDF beside it (pdflatex, run twice for Beamer's page numbers)."""
    for _ in range(2):
        try:
            done = subprocess.run([require(), "-interaction=nonstopmode", "-halt-on-error",
                                   tex.name], cwd=tex.parent, capture_output=True,
                                  timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise LayoutError(f"pdflatex took more than {TIMEOUT} s on {tex.name}") from None
        if done.returncode != 0:
            errors = [line for line in done.stdout.decode("utf-8", "replace").splitlines()
                      if line.startswith("!")]
            raise LayoutError(f"pdflatex failed on {tex.name}: "
                              f"{errors[0] if errors else 'see ' + tex.stem + '.log'}")
    return tex.with_suffix(".pdf")


def graphics_name(step: Step) -> str:
    """The file name of a step's drawing."""
    return f"step-{step.number:03d}.pdf"


def equations_height(frames: Frames, aspect: str) -> float:
    """The most height a step's equations take above the drawing, points: each line as
    many lines as it wraps into, taller with a fraction."""
    width = PAGES[aspect][0] - 2 * MARGIN
    return max(sum(-(-len(text) * CHARACTER // width) * (FRACTION if "\\frac" in latex else LINE)
                   for text, latex in zip(step_lines(f, "text"), step_lines(f, "latex")))
               for f in frames)


def room(aspect: str, arrangement: str, equations: float,
         table: tuple[float, float]) -> tuple[float, float]:
    """The room for a step's drawing, in points, under ``equations`` (their height) and
    beside or above a ``table`` (points)."""
    width, height = PAGES[aspect]
    width -= 2 * MARGIN
    height -= TITLE + FOOT + equations + GAP
    if arrangement == "side":
        return width - table[0] - GAP, height
    return width, height - table[1] - GAP


def table_points(frames: Frames, skip: tuple[int, ...] = ()) -> tuple[float, float]:
    """The step table's estimated size at ``TABLE_POINTS``, points, without the columns in
    ``skip``."""
    width, height = _table_size(frames, skip)
    return width * TABLE_POINTS / TABLE_FONT, height * TABLE_POINTS / TABLE_FONT


def drawing(dot, wrap: int | None, alone: bool = False) -> bytes:
    """A step's drawing as PDF (Graphviz's program); a snake (``wrap``) with a margin for
    the labels its turns carry past their nodes (Graphviz's PDF cuts their ends); ``alone``
    (on a page without the table) with its rows closer, the page's height being the limit."""
    if wrap:
        dot.graph_attr.update(ALONE if alone else {"pad": PAD})
    return layout.pipe(dot.source, "pdf")


def pdf_size(pdf: bytes) -> tuple[float, float]:
    """A one-page PDF's size, points (its ``/MediaBox``): Graphviz's PDF is laid out with
    the fonts' real widths and heights, larger than its SVG's estimates."""
    found = re.search(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)", pdf)
    x0, y0, x1, y1 = map(float, found.groups())
    return x1 - x0, y1 - y0


def label_points(drawing: tuple[float, float], space: tuple[float, float]) -> float:
    """How large the labels of a ``drawing`` (natural size, points) come out in ``space``."""
    return NODE_FONT * min(1.0, space[0] / drawing[0], space[1] / drawing[1])


@dataclass(frozen=True)
class Placement:
    """A sweep's drawing on this page: its layout, where it goes, its room and label size."""

    rankdir: str
    wrap: int | None
    arrangement: str  # "side" or "stack", as the HTML deck's
    space: tuple[float, float]  # the room for the drawing, points
    points: float  # its labels' size there
    skip: tuple[int, ...] = ()  # the table's columns left out (``EXPRESSION``)
    alone: bool = False  # the drawing on a page of its own, the equations and table on the next


#: The slide table's expression column, which the drawing's nodes carry too (``v₅ = v₄ / v₃``).
EXPRESSION = (1,)


def plan(frames: Frames, aspect: str) -> Placement:
    """The layout of ``frames``' drawing whose labels come out largest on this page
    (``deck.choose``; the HTML deck's plan is made for another page).  Where they would
    come out below ``LEGIBLE`` beside the whole table, the table without its expression
    column is tried too, and kept if the labels come out larger; and below it still, the
    drawing alone on the frame's first page (the whole table and the equations on its
    second)."""
    equations = equations_height(frames, aspect)
    size = functools.cache(lambda rankdir, wrap, alone: pdf_size(drawing(
        frames.drawing_dot(rankdir, slide=True, wrap=wrap, filled_labels=True), wrap, alone)))
    best = None
    for skip in ((), EXPRESSION):
        table = table_points(frames, skip)
        found = _placed(frames, size, skip, False,
                        lambda arrangement: room(aspect, arrangement, equations, table))
        if best is None or found.points > best.points:
            best = found
        if best.points >= LEGIBLE:
            return best
    width, height = PAGES[aspect]
    alone = _placed(frames, size, (), True,
                    lambda _: (width - 2 * MARGIN, height - TITLE - FOOT))
    return alone if alone.points > best.points else best


def _placed(frames: Frames, size: Callable[[str, int | None, bool], tuple[float, float]],
            skip: tuple[int, ...], alone: bool,
            space: Callable[[str], tuple[float, float]]) -> Placement:
    """The layout whose labels come out largest in the room ``space(arrangement)``, the
    drawings measured by ``size(rankdir, wrap, alone)``."""
    points, rankdir, wrap, arrangement, _ = choose(
        frames, lambda drawn, arrangement: label_points(drawn, space(arrangement)), LEGIBLE,
        fold=True, size=lambda rankdir, wrap: size(rankdir, wrap, alone))
    return Placement(rankdir, wrap, arrangement, space(arrangement), points, skip, alone)


def document(deck: Deck, placements: list[Placement] | None = None) -> str:
    """The Beamer source; with ``placements`` (one per sweep) each step's PDF is included,
    as they place it; without, the frames have no drawing."""
    lines = [
        "% Generated by minigrad: a title frame, then one frame per step of each sweep.",
        rf"\documentclass[aspectratio={deck.aspect.replace(':', '')},8pt,xcolor=table]{{beamer}}",
        r"\usepackage[utf8]{inputenc}",
        r"\usepackage{amsmath}",
        r"\usepackage{booktabs}",
        r"\usepackage{graphicx}",
        r"\definecolor{mgactive}{HTML}{" + THEMES["light"]["highlight_fill"].lstrip("#").upper() + "}",
        r"\definecolor{mgpartial}{gray}{0.45}",
        r"\setbeamertemplate{navigation symbols}{}",
        r"\setbeamertemplate{footline}[frame number]",
        rf"\setbeamersize{{text margin left={MARGIN}pt,text margin right={MARGIN}pt}}",
        r"\title{" + escape.latex_text(deck.title) + "}",
        r"\subtitle{$" + deck.formula["latex"] + "$}",
        r"\author{" + escape.latex_text(deck.author or "") + "}",
        r"\date{at $" + _point(deck) + "$}",
        r"\begin{document}",
        r"\begin{frame}\titlepage",
        r"\note{" + escape.latex_text(deck.title) + "}",
        r"\end{frame}",
    ]
    for k, sweep in enumerate(deck.sweeps):
        for step in sweep.steps:
            lines += _frame(deck, sweep, step, placements[k] if placements else None)
    lines += [r"\end{document}", ""]
    return "\n".join(lines)


def _point(deck: Deck) -> str:
    from ... import symbolic as S
    from ..table import value_cell

    return ",\\ ".join(f"{S.render(S.Name(v.name), 'latex')} = {value_cell(v.value, 'latex', math=True)}"
                       for v in deck.graph.inputs)


def _frame(deck: Deck, sweep: Sweep, step: Step, placement: Placement | None) -> list[str]:
    frame = step.frame
    equations = [r"{\small", *(rf"${eq}$\\" for eq in step.equations["latex"]),
                 r"\par}\vspace{0.5ex}"]
    lines = [r"\begin{frame}{" + step.caption["latex"] + "}"]
    drawing = ""
    if placement is not None:
        path, (width, height) = graphics_name(step), placement.space
        drawing = (rf"\IfFileExists{{{path}}}{{\includegraphics[width={width:.1f}pt,"
                   rf"height={height:.1f}pt,keepaspectratio]{{{path}}}}}{{}}")
    skip = placement.skip if placement else ()
    columns = [c for k, c in enumerate(sweep.columns) if k not in skip]
    rows = []
    for j, cells in enumerate(step.rows["latex"]):
        cells = [c for k, c in enumerate(cells) if k not in skip]
        if frame.status[j] == PARTIAL:
            cells[-1] = r"\textcolor{mgpartial}{" + cells[-1] + "}"
        shade = r"\rowcolor{mgactive} " if j == frame.variable else ""
        rows.append(shade + " & ".join(cells) + r" \\")
    table = [r"{\footnotesize\setlength{\tabcolsep}{3pt}\renewcommand{\arraystretch}{0.95}",
             r"\begin{tabular}{" + "l" * len(columns) + "}", r"\toprule",
             " & ".join(columns) + r" \\", r"\midrule", *rows, r"\bottomrule",
             r"\end{tabular}}"]
    if placement is not None and placement.alone:  # two pages: the drawing, then the rest
        lines += [r"\begin{onlyenv}<1>{\centering", drawing, r"\par}\end{onlyenv}",
                  r"\begin{onlyenv}<2>", *equations, *table, r"\par", r"\end{onlyenv}"]
    elif (placement.arrangement if placement else sweep.arrangement) == "side":
        share = placement.space[0] / (PAGES[deck.aspect][0] - 2 * MARGIN) if placement else 0.5
        lines += [*equations, r"\begin{columns}[c]",
                  rf"\begin{{column}}{{{share:.3f}\textwidth}}\centering {drawing}\end{{column}}",
                  rf"\begin{{column}}{{{1 - share:.3f}\textwidth}}", *table, r"\end{column}",
                  r"\end{columns}"]
    else:  # as many lines as beside: a name's length does not change the source's shape
        lines += [*equations, r"{\centering", drawing, r"\par\vspace{0.5ex}", *table, r"\par", "}"]
    lines.append(r"\note{" + step.notes["latex"] + "}")
    lines.append(r"\end{frame}")
    return lines
