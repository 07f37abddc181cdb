"""What a generated figure shows, in a form that does not depend on the machine.

A figure's bytes change with the CPU (NumPy's last bits move a path coordinate in its sixth
decimal), the library version and the layout program; what a reader sees does not.  So the
docs check compares two views of an SVG instead of its bytes:

* its texts, in order (matplotlib writes each string it draws as paths in a comment;
  Graphviz writes ``<text>`` elements) and its size;
* the data it plots: the points of each matplotlib line, in pt, equal to within
  ``TOLERANCE_PT`` (half a point: a difference no reader can see).  docs/generate.py turns
  matplotlib's path simplification off, so that every point is drawn and the count of points
  does not depend on the data's last bits.

A machine-dependent figure (timings) is compared by what stays fixed there: the texts
outside the axes' tick labels and the number of lines and points.  A Graphviz drawing, and
an HTML output (a table, a stepper with its drawings), by its texts: the numbers as printed.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser

TOLERANCE_PT = 0.5
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
_TICK = re.compile(r"[xy]tick_\d+$")


@dataclass(frozen=True)
class View:
    """The texts of a figure (those inside tick labels apart), its lines' points and its size."""

    size: tuple[str, str]
    texts: tuple[str, ...]
    tick_texts: tuple[str, ...]
    lines: tuple[tuple[float, ...], ...]


def _children_with_comments(svg: bytes) -> ET.Element:
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    return ET.fromstring(svg, parser=parser)


class _HTMLTexts(HTMLParser):
    """The texts of an HTML fragment, outside its styles and scripts (a stepper's are
    scoped to an id made afresh each time)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._hidden -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def view(figure: bytes) -> View:
    """The stable view of an SVG drawn by matplotlib or Graphviz, or of an HTML fragment
    (a table, a stepper: its texts)."""
    if not figure.lstrip().startswith((b"<?xml", b"<svg", b"<!DOCTYPE svg")):
        parser = _HTMLTexts()
        parser.feed(figure.decode("utf-8"))
        return View(("", ""), tuple(parser.texts), (), ())
    root = _children_with_comments(figure)
    texts, ticks, lines = [], [], []

    def walk(node: ET.Element, in_tick: bool) -> None:
        for child in node:
            if child.tag is ET.Comment:
                (ticks if in_tick else texts).append(child.text.strip())
                continue
            tag = child.tag.rsplit("}", 1)[-1]
            ident = child.get("id", "")
            if tag == "text":
                texts.append("".join(child.itertext()).strip())
            if ident.startswith("line2d_") and not in_tick:  # tick marks: their labels say it
                lines.append(tuple(_points(child)))
            walk(child, in_tick or bool(_TICK.match(ident)))

    walk(root, False)
    size = (root.get("width", ""), root.get("height", ""))
    return View(size, tuple(texts), tuple(ticks), tuple(lines))


def _points(line: ET.Element) -> list[float]:
    """The coordinates a matplotlib line is drawn at: its path's and its markers' (in pt)."""
    numbers = []
    for node in line.iter():
        tag = node.tag.rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""
        if tag == "path" and node.get("id") is None:  # a marker's shape is a <defs> path with an id
            numbers += [float(n) for n in _NUMBER.findall(node.get("d", ""))]
        elif tag == "use":
            numbers += [float(node.get("x", 0)), float(node.get("y", 0))]
    return numbers


def differences(old: bytes, new: bytes, exact_data: bool) -> list[str]:
    """How the figure ``new`` differs from ``old`` as a reader would see it; empty if it does not.

    ``exact_data``: compare the tick labels and every plotted point (to TOLERANCE_PT);
    otherwise only the other texts and how many lines and points there are.
    """
    a, b = view(old), view(new)
    found = []
    if a.texts != b.texts:
        found.append(f"texts {_first_difference(a.texts, b.texts)}")
    if [len(p) for p in a.lines] != [len(p) for p in b.lines]:
        found.append(f"{len(a.lines)} lines of {[len(p) // 2 for p in a.lines]} points, "
                     f"now {len(b.lines)} of {[len(p) // 2 for p in b.lines]}")
    if not exact_data:
        return found
    if a.size != b.size and (a.lines or b.lines):  # a plot's; a Graphviz layout's may vary
        found.append(f"size {a.size}, now {b.size}")
    if a.tick_texts != b.tick_texts:
        found.append(f"tick labels {_first_difference(a.tick_texts, b.tick_texts)}")
    for k, (p, q) in enumerate(zip(a.lines, b.lines)):
        far = [(i, x, y) for i, (x, y) in enumerate(zip(p, q))
               if not math.isclose(x, y, abs_tol=TOLERANCE_PT)]
        if far and len(p) == len(q):
            i, x, y = far[0]
            found.append(f"line {k + 1}: coordinate {i} moved from {x} to {y} "
                         f"({len(far)} farther than {TOLERANCE_PT} pt)")
    return found


def _first_difference(old: tuple[str, ...], new: tuple[str, ...]) -> str:
    for i, (x, y) in enumerate(zip(old, new)):
        if x != y:
            return f"#{i + 1}: {x!r}, now {y!r}"
    return f"{len(old)} of them, now {len(new)}"
