"""The one model every slide writer reads: a deck built once from a graph's sweeps.

A ``Deck`` is a title slide and one ``Step`` per step of each sweep (``explain.frames``).
Everything a writer shows is computed here, once, in each notation it needs (HTML, LaTeX
and Unicode text): the caption, the step's equations, the slide's table (the trace table
without its partials column, which the drawing's edges carry), the speaker notes, and each
node's tangent or adjoint line.  The layout choices are made here too, before any writer
runs (``plan``): for each sweep, whether the drawing is laid out left to right or top to
bottom, and whether it stands beside the table or above it, whichever gives the larger
text on the slide.  The writers (``html``, ``beamer``, ``markdown``, ``pptx``, ``browser``)
only place what the model holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ... import symbolic as S
from ...graph import Graph
from .. import escape, layout, typeset
from ..display import _size
from ..frames import PARTIAL, Frame, Frames, step_lines
from ..table import build_table, format_value
from ..text_backends import layers

#: Slide sizes in CSS pixels at which the plan is made (the text scales with the screen).
STAGES = {"16:9": (1280, 720), "4:3": (960, 720)}
FONT = 20  # the slide's body text, px at the stage size
TABLE_FONT = 0.8 * FONT  # the table's, before it is shrunk to fit
NODE_FONT = 18  # the drawing's labels, points (``to_dot(slide=True)``)
LEGIBLE = 20  # px at the stage size: the labels' goal (18) with room for the estimate's error
#: Beyond this many characters the title slide names the function instead of writing it.
FORMULA_CHARS = 160


@dataclass
class Step:
    """One slide of a sweep: what it says in each notation, and what its drawing shows."""

    frame: Frame
    number: int  # the slide's number in the deck (the title is 1)
    caption: dict[str, str]  # by format: html, latex, text
    equations: dict[str, list[str]]  # by format; LaTeX lines are math bodies
    rows: dict[str, list[list[str]]]  # the slide's table cells, by format
    lines: list[str]  # each node's tangent or adjoint line (Unicode), for the drawing
    notes: dict[str, str]  # the speaker notes, the equations and one sentence: text, latex


@dataclass
class Sweep:
    """One sweep's steps and its drawing, laid out once as ``plan`` chose."""

    frames: Frames
    rankdir: str  # "LR" or "TB"
    wrap: int | None  # layers per row, when wrapped
    arrangement: str  # "side" (drawing beside the table) or "stack" (above it)
    svg: str | None  # laid out with every node at its widest; None without a layout engine
    steps: list[Step] = field(default_factory=list)

    @property
    def mode(self) -> str:
        return self.frames.mode

    @property
    def columns(self) -> list[str]:
        return [c for c in self.frames.table.columns() if c != "partials"]


@dataclass
class Deck:
    """A title slide, then the steps of each sweep; ``aspect`` is ``16:9`` or ``4:3``."""

    graph: Graph
    title: str
    author: str | None
    point: str  # "y = 1.5, μ = 0, σ = 2"
    formula: dict[str, str]  # the function typeset, by format (html, latex, text)
    sweeps: list[Sweep]
    theme: str
    aspect: str

    @property
    def steps(self) -> list[Step]:
        return [s for sweep in self.sweeps for s in sweep.steps]

    def __len__(self) -> int:
        """The number of slides, the title's included."""
        return 1 + len(self.steps)

    def title_notes(self) -> str:
        counts = "; ".join(f"{s.frames.heading('unicode')}: {len(s.steps)} steps" for s in self.sweeps)
        return (f"{self.formula['text']} at {self.point}. {counts}. Each step is one variable: "
                "the highlighted node and table row.")


def build(graph: Graph, sweeps: list[Frames], *, title: str | None = None,
          author: str | None = None, aspect: str = "16:9") -> Deck:
    """The deck of ``sweeps`` (``Frames`` of ``graph``, one theme), planned for ``aspect``."""
    if aspect not in STAGES:
        raise ValueError(f"slides: aspect must be one of {', '.join(STAGES)}, not {aspect!r}")
    for frames in sweeps:
        frames.check_size()
    point = ", ".join(f"{typeset.render(S.Name(v.name))} = {typeset.from_html(_minus_html(v.value))}"
                      for v in graph.inputs)
    if title is None:
        title = (f"{' and '.join(s.mode for s in sweeps).capitalize()} "
                 f"sweep{'s' if len(sweeps) > 1 else ''} of {graph.name}")
    deck = Deck(graph, title, author, point, formula(graph), [], sweeps[0].theme, aspect)
    number = 1
    for frames in sweeps:
        sweep = Sweep(frames, *plan(frames, aspect))
        for frame in frames:
            number += 1
            sweep.steps.append(_step(frames, frame, number))
        deck.sweeps.append(sweep)
    return deck


def _minus_html(x) -> str:
    return format_value(x).replace("-", "&minus;")


def _step(frames: Frames, frame: Frame, number: int) -> Step:
    caption = {fmt: frames.caption(frame, fmt) for fmt in ("html", "latex")}
    caption["text"] = typeset.from_html(caption["html"])
    equations = {fmt: step_lines(frame, fmt) for fmt in ("html", "latex")}
    equations["text"] = [typeset.from_html(e) for e in equations["html"]]
    rows = {fmt: [cells[:3] + cells[4:] for cells in frames.rows(frame, fmt)]
            for fmt in ("html", "latex")}
    rows["text"] = [[typeset.from_html(c) for c in cells] for cells in rows["html"]]
    return Step(frame, number, caption, equations, rows, frames.sweep_lines(frame),
                _notes(frames, frame, equations))


def _notes(frames: Frames, frame: Frame, equations: dict[str, list[str]]) -> dict[str, str]:
    """The step's equations and one sentence saying what the step does, as text and LaTeX."""
    def sentence(name):
        if frames.mode == "forward":
            return (f"The tangent of {name(frame.active)} is the chain rule: each input's "
                    f"tangent times the partial of {name(frame.active)} with respect to that "
                    f"input, summed.")
        if not frame.contributions:
            return f"{name(frame.active)} is an input of nothing here: it has no adjoint to push."
        where = [row.var for row in frames.table.rows]
        shared = list(dict.fromkeys(c.target for c in frame.contributions
                                    if frame.status[where.index(c.target)] == PARTIAL))
        text = (f"The adjoint of {name(frame.active)} is final (every use of "
                f"{name(frame.active)} has been swept), so it is pushed back to each input: "
                f"partial times adjoint.")
        if shared:
            one = len(shared) == 1
            text += (f" {', '.join(map(name, shared))} {'is' if one else 'are'} used elsewhere "
                     f"too: {'its' if one else 'their'} sum is not complete yet.")
        return text

    def latex(v):
        return f"${S.render(S.Name(v), 'latex')}$"

    return {"text": "\n".join(equations["text"] + [sentence(typeset.name)]),
            "latex": r"\par ".join([f"${e}$" for e in equations["latex"]] + [sentence(latex)])}


# ----------------------------------------------------------------------------- the plan

def plan(frames: Frames, aspect: str = "16:9") -> tuple[str, int | None, str, str | None]:
    """``(rankdir, wrap, arrangement, svg)``: the layout that gives the drawing's labels the
    largest size on a slide of ``aspect``, the table taking the room it needs (its size
    estimated from its longest cells; the slide's script then fits the chosen drawing to
    the room that the table really leaves).  A graph that is a chain, more or less, is
    also tried folded (``layouts``)."""
    if not layout.can_draw("svg"):
        return "LR", None, "stack", None
    table, header = _table_size(frames), _header_lines(frames)
    return choose(frames, lambda size, arrangement: fit_scale(size, table, arrangement, aspect,
                                                                header),
                  LEGIBLE / NODE_FONT, fold=long(frames))[1:]


def long(frames: Frames) -> bool:
    """Whether the graph is a chain, more or less (its layers many and narrow): folded into
    rows, it reads well."""
    depth = layers(frames.graph)
    widest = max(depth.count(k) for k in set(depth))
    return 1 + max(depth) >= max(6, 3 * widest)


def layouts(frames: Frames, fold: bool) -> list[tuple[str, int | None]]:
    """The drawings a plan weighs: left to right, top to bottom and, with ``fold`` (and no
    scopes), the graph's layers folded into a snake of 2 to 8 rows (``dot.to_dot``'s
    ``wrap``), read as lines of text are."""
    depth = layers(frames.graph)
    wraps = sorted({-(-(1 + max(depth)) // rows) for rows in range(2, 9)} - {1},
                   reverse=True) if fold and not frames.graph.scopes else []
    return [("LR", None), ("TB", None)] + [("LR", k) for k in wraps]


def choose(frames: Frames, score: Callable[[tuple[float, float], str], float], enough: float,
           fold: bool, size: Callable[[str, int | None], tuple[float, float]] | None = None
           ) -> tuple[float, str, int | None, str, str | None]:
    """``(score, rankdir, wrap, arrangement, svg)`` of the largest ``score(size,
    arrangement)`` over ``layouts`` and the drawing beside (``side``) or above (``stack``)
    the table; a snake is tried only while the best scores below ``enough``, being harder
    to follow.  ``size(rankdir, wrap)`` measures a drawing in another format than the
    slide's SVG (then ``svg`` is None)."""
    best = None
    for rankdir, wrap in layouts(frames, fold):
        if wrap and best and best[0] >= enough:
            break
        svg = None if size else frames.drawing(rankdir, slide=True, wrap=wrap)
        measured = size(rankdir, wrap) if size else _size(svg)
        for arrangement in ("side", "stack"):
            value = score(measured, arrangement)
            if best is None or value > best[0]:
                best = (value, rankdir, wrap, arrangement, svg)
    return best


def label_px(scale: float) -> float:
    """The drawing's label height on the slide, px, at ``scale`` (``fit_scale``)."""
    return NODE_FONT * scale


def fit_scale(drawing: tuple[float, float], table: tuple[float, float], arrangement: str,
              aspect: str = "16:9", header_lines: int = 3) -> float:
    """The scale at which a ``drawing`` (points) fits the room the ``table`` (px) leaves."""
    width, height = STAGES[aspect]
    pad, gap = 1.2 * FONT, FONT
    body_w = width - 2 * pad
    body_h = height - (1.45 * 0.9 * header_lines + 1.6) * FONT - 2.2 * FONT  # header, footer
    if arrangement == "side":
        room = (body_w - table[0] - gap, body_h)
    else:
        room = (body_w, body_h - table[1] - gap)
    if min(room) <= 0 or min(drawing) <= 0:
        return 0.0
    return min(room[0] / drawing[0], room[1] / drawing[1])


def _header_lines(frames: Frames) -> int:
    """The caption and the most equation lines a step of ``frames`` has."""
    return 1 + max(len(step_lines(f)) for f in frames)


def _table_size(frames: Frames, skip: tuple[int, ...] = ()) -> tuple[float, float]:
    """The slide table's estimated size, px: each column (but those in ``skip``) as wide as
    its longest cell in the final step (characters at about 0.55 em), rows at 1.5 em."""
    last = frames[-1]
    header = [c for c in frames.table.columns() if c != "partials"]
    cells = [[typeset.from_html(c) for c in row[:3] + row[4:]] for row in frames.rows(last, "html")]
    widths = [max(len(re.sub(r"[\u0300-\u036f]", "", str(r[k]))) for r in [header] + cells)
              for k in range(len(header)) if k not in skip]
    char = 0.55 * TABLE_FONT
    return (sum(w * char + 1.2 * TABLE_FONT for w in widths),
            (len(cells) + 1) * 1.5 * TABLE_FONT)


# ----------------------------------------------------------------------------- the formula

def formula(graph: Graph) -> dict[str, str]:
    """``f(y, μ, σ) = …``: the output's expression with every variable replaced by its own,
    by format (html, latex, text); just ``f(y, μ, σ)`` when that is too long to read."""
    table = build_table(graph, fold=False, who="slides")
    expanded: dict[str, S.Sym] = {}
    for row, v in zip(table.rows, graph.variables):
        expanded[row.var] = row.expression if v.prim is None else _substitute(row.expression, expanded)
    out = graph.outputs
    args = [S.Name(v.name) for v in graph.inputs]
    name = escape.plain(graph.name) if graph.name.isidentifier() else "f"
    head = {"html": f"{escape.html(name)}(" + ", ".join(S.render(a, "html") for a in args) + ")",
            "latex": f"\\mathit{{{escape.latex_text(name)}}}\\left("
                     + ", ".join(S.render(a, "latex") for a in args) + "\\right)"}
    head["text"] = typeset.from_html(head["html"])
    if not graph.owns(out):
        return head
    body = expanded[table.rows[out.index].var]
    html = S.render(body, "html")
    if len(typeset.from_html(html)) > FORMULA_CHARS:
        return head
    return {"html": f"{head['html']} = {html}", "latex": f"{head['latex']} = {S.render(body, 'latex')}",
            "text": f"{head['text']} = {typeset.from_html(html)}"}


def _substitute(sym: S.Sym, names: dict[str, S.Sym]) -> S.Sym:
    """``sym`` with each ``Name`` in ``names`` replaced by its expression."""
    if isinstance(sym, S.Name):
        return names.get(sym.name, sym)
    if isinstance(sym, S.Neg):
        return S.Neg(_substitute(sym.arg, names))
    if isinstance(sym, S.BinOp):
        return S.BinOp(sym.op, _substitute(sym.a, names), _substitute(sym.b, names), sym.spaced)
    if isinstance(sym, S.Call):
        return S.Call(sym.fn, *(_substitute(a, names) for a in sym.args), options=sym.options)
    if isinstance(sym, S.Postfix):
        return S.Postfix(_substitute(sym.arg, names), sym.suffix)
    if isinstance(sym, S.Group):  # (v5)^2 of an input stays y^2; of a sum, (y - mu)^2
        inner = _substitute(sym.arg, names)
        return inner if isinstance(inner, (S.Name, S.Num)) else S.Group(inner)
    return sym  # numbers, constants, accents
