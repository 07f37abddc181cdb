"""Drawings in notebooks: what Jupyter shows for a graph, through IPython's display protocol.

Evaluating a ``Graph`` (or a program from ``backward_graph`` / ``forward_graph``) in a cell
shows its drawing with values; ``g.display(mode="reverse")`` shows the adjoints and
``g.display(mode="forward", wrt="x")`` the tangents.  The SVG is laid out by
``explain.layout`` (Graphviz's program, or its WebAssembly build), so a notebook on a
machine with only Python still draws.  Frames display as the stepper (``Frames._repr_html_``)
and tables as tables (``Table._repr_html_``).

A drawing fits a notebook cell: left to right unless that is wider than ``FIT_WIDTH``
points and top to bottom is narrower, so that its 14 pt labels stay legible (12 px or
more) when the page scales it down to a 650 px column (the docs site's; a notebook's cell
is wider).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Callable

from ..graph import Graph
from . import layout
from .dot import to_svg

#: The widest drawing (in points) whose 14 pt labels are still 12 px high at 650 px.
FIT_WIDTH = 760


class Drawing:
    """An SVG drawing that Jupyter displays inline; ``str(d)`` is the SVG, ``d.save(path)``
    writes it."""

    def __init__(self, svg: str, title: str):
        self.svg, self.title = svg, title

    @property
    def width(self) -> float:
        """The drawing's width in points, as Graphviz wrote it."""
        return _size(self.svg)[0]

    @property
    def height(self) -> float:
        """The drawing's height in points."""
        return _size(self.svg)[1]

    def __str__(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return f"<Drawing {self.title}: {self.width:.0f} x {self.height:.0f} pt>"

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"image/svg+xml": self.svg, "text/plain": repr(self)}

    def save(self, path: str | Path) -> Path:
        """Write the SVG to ``path``."""
        path = Path(path)
        path.write_text(self.svg, encoding="utf-8")
        return path


def draw(graph: Graph, mode: str | None = None, wrt=None, **options) -> Drawing:
    """The drawing of ``graph`` (``to_dot``'s options), laid out to fit a notebook cell
    unless ``rankdir`` is given."""
    title = f"{graph.name}" + (f", {mode} mode" if mode else "")
    if "rankdir" in options:
        return Drawing(to_svg(graph, mode=mode, wrt=wrt, **options), title)
    _, svg = fitted(lambda rankdir: to_svg(graph, mode=mode, wrt=wrt, rankdir=rankdir, **options))
    return Drawing(svg, title)


def fitted(lay_out: Callable[[str], str]) -> tuple[str, str]:
    """``(rankdir, svg)``: ``lay_out("LR")``, unless it is wider than ``FIT_WIDTH`` and
    ``lay_out("TB")`` is narrower."""
    wide = lay_out("LR")
    if _size(wide)[0] <= FIT_WIDTH:
        return "LR", wide
    tall = lay_out("TB")
    return ("TB", tall) if _size(tall)[0] < _size(wide)[0] else ("LR", wide)


def mimebundle(graph: Graph) -> dict:
    """What a notebook shows for ``graph``: its drawing, or, when it cannot be drawn (too
    large, no layout engine), the reason beside the one-line repr."""
    try:
        return draw(graph)._repr_mimebundle_() | {"text/plain": repr(graph)}
    except layout.LayoutError as e:
        return {"text/plain": f"{graph!r}\n({e})",
                "text/html": f"<p><code>{html.escape(repr(graph))}</code><br>{html.escape(str(e))}</p>"}


def _size(svg: str) -> tuple[float, float]:
    found = re.search(r'<svg\b[^>]*?\bwidth="([\d.]+)pt"[^>]*?\bheight="([\d.]+)pt"', svg, re.S)
    return (float(found.group(1)), float(found.group(2))) if found else (0.0, 0.0)
