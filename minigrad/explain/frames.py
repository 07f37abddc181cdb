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

Each ``Frame`` holds the active variable, its contributions (the trace table's ``Step``
lines, as ``Graph.table(steps=True)`` prints them, with a line for each zero term too: the
symbolic partial from the primitive table, its number, the product the sweep computed,
the running total) and the state of the tangent or adjoint column after the step: each
value with a status, ``pending`` (not computed yet: shown blank), ``partial`` (reverse
mode: some contributions received, more to come: shown as ``-0.5 + ...``) or ``done``.
The numbers come from the sweeps of ``minigrad.modes`` themselves, through their
``on_contribution`` hook (``table._sweep_steps``); nothing applies a rule a second time,
except once per use with a unit seed to print the partial's value.  Numbers, accents and
partials are written as the table writes them (LaTeX numbers in math mode).

Writers: the Graphviz drawing of a frame (``to_dot``, from ``explain.dot`` with its
highlight options, typeset as the table is), numbered SVG files shaped for a screen, and
the stepper (SVG inlined, previous / next buttons and arrow keys, the table in sync) that
pages and notebooks show.  Slide decks, of one sweep (``Frames.write``) or both, are
written by ``explain.slides`` from the same frames: ``minigrad frames`` and ``slides``.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import symbolic as S
from ..graph import Graph
from . import escape, layout, typeset
from .dot import THEMES, minus, sweep_line
from .page import HEAD
from .dot import to_dot as _graph_to_dot
from .table import (
    TIMES,
    holds_where,
    Step,
    Symbols,
    Table,
    _forward_seeds,
    _number,
    _operands,
    _output,
    _partial_value,
    _sweep_steps,
    _zeros_for_none,
    accented,
    build_table,
    chain,
    derivative,
    format_value,
    value_cell,
)

MODES = ("forward", "reverse")
#: Most variables whose sweep is drawn as frames: one frame per variable, each a drawing of
#: them all, so the files grow as the square; past this a lecture shows the table instead.
MAX_NODES = 100
NO_DRAWINGS = f"No Graphviz layout engine was found, so the frames have no drawings; {layout.INSTALL}."
PENDING, PARTIAL, DONE = "pending", "partial", "done"
#: The room a page's stepper has for its drawing, px: the site's column at 1280x720 and,
#: above the table, half the window; and the scale (of the slide type) a plan is content
#: with before it folds a long graph into a snake.
PAGE, LEGIBLE_ON_PAGE = (688, 360), 0.75

# A term of a step: the trace table's ``Step`` (``steps=True``), ``partial * factor`` added to
# ``target``'s tangent or adjoint; ``source`` is the input (forward) or the active variable
# (reverse), ``partial`` always d(active)/d(input) at ``position``, ``value`` None where the
# sweep skipped the term (a zero factor) and ``total`` the target's running sum after it.
Contribution = Step


@dataclass(frozen=True)
class Frame:
    """One step of a sweep, and the tangent or adjoint column right after it."""

    index: int  # 1-based step number
    mode: str  # "forward" or "reverse"
    active: str  # the variable of this step, as named in the table
    variable: int  # its position in graph.variables
    contributions: tuple[Step, ...]  # the table's steps of this variable, zero terms included
    state: tuple  # per variable: its tangent or adjoint after the step (None: not computed yet)
    status: tuple[str, ...]  # per variable: "pending", "partial" or "done"

    @property
    def edges(self) -> list[tuple[str, str]]:
        """The graph edges ``(input, active)`` this step uses."""
        inputs = [c.source if self.mode == "forward" else c.target for c in self.contributions]
        return [(name, self.active) for name in dict.fromkeys(inputs)]


# ----------------------------------------------------------------------------- the steps

def build_frames(graph: Graph, mode: str = "reverse", wrt=None, naming: str = "v") -> list[Frame]:
    """The steps of the forward (seeded by ``wrt``, as ``Graph.table``) or reverse sweep."""
    if mode not in MODES:
        raise ValueError(f"frames: mode must be 'forward' or 'reverse', not {mode!r}")
    syms = Symbols(graph, naming)
    names = syms.names
    where = {name: j for j, name in enumerate(names)}
    variables = graph.variables
    if mode == "forward":
        try:
            seeds = _forward_seeds(graph, wrt)
        except ValueError as e:  # its sentences name table(); the same rules hold here
            raise ValueError(str(e).replace("table", "frames", 1)) from None
        last = len(variables) - 1
    else:
        last = _output(graph, "frames(mode='reverse')").index
        seeds = {last: 1.0}
    result, steps = _sweep_steps(graph, mode, seeds, syms, zeros=True)
    zeros = _zeros_for_none(graph, [None] * len(variables))
    terms: dict[str, list[Step]] = {}
    for s in steps:
        if not s.is_seed:
            terms.setdefault(s.active, []).append(s)
    # The sweep's order: forward, recording order; reverse, from the output back.
    order = [v.index for v in variables] if mode == "forward" else range(last, -1, -1)
    order = [k for k in order if variables[k].prim is not None]
    frames: list[Frame] = []
    if mode == "forward":
        for k in order:  # the tangents at and before k are final, later ones not computed yet
            known = [j <= k or v.prim is None for j, v in enumerate(variables)]
            frames.append(Frame(
                len(frames) + 1, mode, names[k], k, tuple(terms.get(names[k], ())),
                _state(zeros, result, known),
                tuple(DONE if ok else PENDING for ok in known)))
        return frames

    # A variable's adjoint is final once its first user (the last one the sweep visits) is done.
    first_user = [len(variables)] * len(variables)
    for s in steps:
        if not s.is_seed:
            first_user[where[s.other]] = min(first_user[where[s.other]], where[s.active])
    adjoints: list = [None] * len(variables)  # as they stand after each step
    for s in steps:
        if s.is_seed:
            adjoints[where[s.target]] = s.total
    for k in order:
        for s in terms.get(names[k], ()):
            if s.value is not None:
                adjoints[where[s.target]] = s.total
        status = tuple(
            DONE if j >= k or first_user[j] >= k else PARTIAL if a is not None else PENDING
            for j, a in enumerate(adjoints))
        frames.append(Frame(len(frames) + 1, mode, names[k], k, tuple(terms.get(names[k], ())),
                            _state(zeros, adjoints, [s != PENDING for s in status]),
                            status))
    return frames


def _state(zeros: list, values: list, known: list) -> tuple:
    """The sweep column at a step: a known entry's value (a real zero where the sweep skipped
    it, as in the table's rows), None for one not computed yet."""
    return tuple((zero if x is None else x) if ok else None
                 for zero, x, ok in zip(zeros, values, known))


# ----------------------------------------------------------------------------- notation

def _name(name: str, fmt: str) -> str:
    return S.render(S.Name(name), fmt)


def _paren(sym: S.Sym | None, fmt: str) -> str:
    if sym is None:
        return "?"
    if isinstance(sym, S.Num):
        return _number(sym.value, fmt, True)
    text = S.render(sym, fmt)
    if isinstance(sym, S.Name):
        return text
    return {"latex": f"\\left({text}\\right)"}.get(fmt, f"({text})")


def step_lines(frame: Frame, fmt: str = "text") -> list[str]:
    """The arithmetic of one step, one equation per line, in ``fmt`` (text, latex or html).

    Forward: the chain rule for the active tangent, with the partials, then with numbers.
    Reverse: one line per contribution, ``adjoint(input) += partial * adjoint(active)``,
    with its numbers and the input's running adjoint; a repeated input says which use.
    LaTeX lines are math-mode bodies (without the ``$``), their numbers as the table's.
    """
    times = TIMES[fmt]
    space = " \\, " if fmt == "latex" else " "
    active = frame.active

    def d(wrt):
        return derivative(active, wrt, fmt, "\u2202")

    def numeric(c):
        return (_paren(c.partial, fmt) if c.partial_value is None
                else _number(c.partial_value, fmt, True))

    if frame.mode == "forward":
        target = accented(active, "forward", fmt)
        result = _number(frame.state[frame.variable], fmt)
        if not frame.contributions:
            return [f"{target} = {result}"]
        terms = frame.contributions
        rule = " + ".join(f"{d(c.source)}{space}{accented(c.source, 'forward', fmt)}"
                          for c in terms)
        symbolic = " + ".join(f"{_paren(c.partial, fmt)}{times}{_number(c.factor, fmt, True)}"
                              for c in terms)
        numbers = " + ".join(f"{numeric(c)}{times}{_number(c.factor, fmt, True)}" for c in terms)
        return [chain([target, rule]), chain([target, symbolic, numbers, result])]

    bar = accented(active, "reverse", fmt)
    if not frame.contributions:
        rest = "\\text{: nothing to propagate}" if fmt == "latex" else ": nothing to propagate"
        return [f"{bar} = {_number(frame.state[frame.variable], fmt)}{rest}"]
    return [c.render(fmt, [f"{d(c.target)}{space}{bar}",
                           f"{_paren(c.partial, fmt)}{times}{_number(c.factor, fmt, True)}",
                           f"{numeric(c)}{times}{_number(c.factor, fmt, True)}"])
            for c in frame.contributions]


def _sweep_cell(frame: Frame, j: int, fmt: str) -> str:
    """The sweep column at ``frame``, its numbers as the table's cells print them."""
    status = frame.status[j]
    if status == PENDING:
        return ""
    x = 0.0 if frame.state[j] is None else frame.state[j]
    if status != PARTIAL:
        return value_cell(x, fmt)
    if fmt == "latex":
        return f"${value_cell(x, fmt, math=True)} + \\ldots$"
    return value_cell(x, fmt) + (" + &hellip;" if fmt == "html" else " + \u2026")


# ----------------------------------------------------------------------------- the set

class Frames(Sequence):
    """The frames of one sweep over one graph, with their writers (see the module docstring)."""

    def __init__(self, graph: Graph, mode: str = "reverse", wrt=None, naming: str = "v",
                 theme: str = "light", max_nodes: int | None = None, memory: bool = False):
        if theme not in THEMES:
            raise ValueError(f"frames: unknown theme {theme!r}; use one of {sorted(THEMES)}")
        self.graph, self.mode, self.wrt, self.naming, self.theme = graph, mode, wrt, naming, theme
        self.frames = build_frames(graph, mode, wrt, naming)
        self.table: Table = build_table(graph, mode, wrt, naming, fold=False)  # (rows only)
        self._edge_labels: dict | None = None
        self.max_nodes = MAX_NODES if max_nodes is None else max_nodes
        self._svgs: list[str] | None = None
        self.live = None  # memory=True: the memory profile's step, by variable position
        if memory:
            if mode != "reverse":
                raise ValueError("frames: memory=True shows what the reverse sweep holds; give "
                                 "mode='reverse' as well.")
            from .memory import memory as profile

            self.live = {s.index: s for s in profile(graph).steps}

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, k):
        return self.frames[k]

    def __repr__(self) -> str:
        return f"<Frames {self.graph.name}: {self.mode} sweep, {len(self)} steps>"

    @property
    def title(self) -> str:
        """``Reverse sweep of lognormal``; a forward sweep says which inputs it seeds, and a
        graph with decisions where it holds (plain text: ``heading`` typesets it)."""
        return self.heading("text")

    def heading(self, fmt: str = "text") -> str:
        """The title in ``fmt``: text, html (escaped, the names as the table writes them:
        ``v<sub>1</sub> &le; 0``) or unicode (that as characters: ``v₁ ≤ 0``, for places
        without markup: a page's title, speaker notes)."""
        if fmt == "unicode":
            return typeset.from_html(self.heading("html"))
        if fmt not in ("text", "html"):
            raise ValueError(f"frames.heading: fmt must be text, html or unicode, not {fmt!r}")
        words = escape.html if fmt == "html" else str
        title = words(f"{self.mode.capitalize()} sweep of {self.graph.name}")
        if self.mode == "forward":
            seeded = [_name(v.name, fmt) for v in self.graph.inputs
                      if np.any(self.table.rows[v.index].tangent)]
            title = f"{title}, seeded on {', '.join(seeded)}" if seeded else title
        where = holds_where(self.graph, self.naming, fmt)  # the branch the graph was recorded on
        return f"{title} ({where})" if where else title

    def caption(self, frame: Frame, fmt: str = "text") -> str:
        """``Step 3/7: adjoint of v8`` (the name typeset as math in LaTeX); with ``memory``,
        ``(10 values live, 80 bytes, 8 recomputed)`` after it."""
        what = "tangent" if self.mode == "forward" else "adjoint"
        name = _name(frame.active, fmt)
        text = f"Step {frame.index}/{len(self)}: {what} of {f'${name}$' if fmt == 'latex' else name}"
        if self.live is None:
            return text
        s = self.live[frame.variable]
        recomputed = f", {s.recomputed} recomputed" if s.recomputed else ""
        return f"{text} ({s.live_values} values live, {s.live_bytes} bytes{recomputed})"

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
                text = typeset.render(partial)
                values = [_partial_value(v, i, v.prim.jvp[i], self.graph)
                          for i in _operands(v, self.graph, v.prim.jvp)
                          if self.table.rows[v.inputs[i].index].var == name]
                if values and all(x is not None for x in values):
                    number = minus(format_value(sum(values[1:], values[0])))
                    if number != text:
                        text = f"{text} = {number}"
                labels[(name, row.var)] = text
        self._edge_labels = labels
        return labels

    def to_dot(self, frame: Frame, caption: bool = True, rankdir: str = "LR",
               slide: bool = False, wrap: int | None = None, filled_labels: bool = False):
        """The Graphviz drawing of ``frame``: the active variable and its edges highlighted;
        ``caption`` writes the step's arithmetic under it (for slides without a table);
        ``slide``, ``wrap`` and ``filled_labels`` draw it for a slide beside the table
        (``dot.to_dot``)."""
        sweep = self._sweep_texts(frame)
        text = None
        if caption:  # padded to the longest caption: every frame has the same height
            lines = [typeset.from_html(x) for x in
                     [self.caption(frame, "html")] + step_lines(frame, "html")]
            longest = 1 + max(len(f.contributions) if self.mode == "reverse" else 2
                              for f in self.frames)
            text = "\n".join(lines + [" "] * (longest - len(lines)))
        return _graph_to_dot(self.graph, mode=self.mode, wrt=self.wrt, naming=self.naming,
                             theme=self.theme, highlight=[frame.active],
                             highlight_edges=frame.edges, edge_labels=self.edge_labels(),
                             sweep=sweep, caption=text, rankdir=rankdir, slide=slide,
                             wrap=wrap, filled_labels=filled_labels)

    # -- HTML
    def html_sections(self, uid: str = "") -> list[str]:
        """One ``<section class="frame">`` per step: the arithmetic and the table, and what
        the page's one drawing shows at that step (``data-active``, ``data-edges`` and
        ``data-lines``, each variable's tangent or adjoint line, read by the stepper's
        script).  Ids are ``{uid}{mode}-{step}``, so that the sections of both sweeps, and
        several steppers, can share a page.
        """
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.table.columns())
        names = [row.var for row in self.table.rows]
        sections = []
        for frame in self.frames:
            body = []
            for j, cells in enumerate(self.rows(frame, "html")):
                cls = ["active"] if j == frame.variable else []
                if frame.status[j] == PARTIAL:
                    cls.append("partial")
                attr = f' class="{" ".join(cls)}"' if cls else ""
                body.append(f"<tr{attr}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            ident = f"{uid}{self.mode}-{frame.index}"
            math = "".join(f"<div>{line}</div>" for line in step_lines(frame, "html"))
            lines = dict(zip(names, self.sweep_lines(frame)))
            edges = [f"{a}->{b}" for a, b in frame.edges]
            sections.append(
                f'<section class="frame" id="{ident}" data-sweep="{self.mode}" '
                f'data-active="{escape.html(frame.active)}" '
                f'data-edges="{html.escape(json.dumps(edges))}" '
                f'data-lines="{html.escape(json.dumps(lines))}">\n'
                f'<p class="sweep">{self.heading("html")}</p>\n'
                f"<h2>{self.caption(frame, 'html')}</h2>\n"
                f'<div class="math">{math}</div>\n'
                f'<div class="rows"><table><thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(body)}</tbody></table></div>\n"
                "</section>")
        return sections

    def to_html(self) -> str:
        """One self-contained page: a section per step (``html_sections``), shown one at a
        time beside the one drawing, with previous/next buttons and the arrow keys; no
        external resources."""
        return _html_page(self.heading("unicode"), self.html_sections(), self.theme, self._drawings())

    def _repr_html_(self) -> str:
        """The stepper, inline in a notebook: the drawing (when Graphviz, program or
        WebAssembly, can lay it out) fitted to the cell beside the table, buttons, and the
        arrow keys once the stepper has focus."""
        uid = _unique_id()
        return stepper(self.html_sections(uid=f"{uid}-"), self.theme, self._drawings(uid), uid)

    def check_size(self) -> None:
        """Refuse, before any layout or file, to draw more than ``max_nodes`` variables."""
        layout.check_size(len(self.graph.variables), self.max_nodes,
                          f"the frames of {self.graph.name!r}")

    def _sweep_texts(self, frame: Frame) -> list[str]:
        """Each variable's tangent or adjoint at ``frame``, typeset (blank: not computed yet)."""
        return [typeset.from_html(_sweep_cell(frame, j, "html"))
                for j in range(len(self.graph.variables))]

    def sweep_lines(self, frame: Frame) -> list[str]:
        """Each node's tangent or adjoint line at ``frame``, as ``to_dot`` writes it."""
        return [sweep_line(row.var, self.mode, text)
                for row, text in zip(self.table.rows, self._sweep_texts(frame))]

    def page_svg(self) -> str:
        """The one drawing a page steps through (``drawing``, drawn as for a slide: the table
        beside it has the values), laid out for a page's column (``PAGE``): left to right,
        top to bottom, or a long graph folded into a snake, whichever shows it largest."""
        from .slides.deck import choose, long

        width, height = PAGE
        return choose(self, lambda size, _: min(width / size[0], height / size[1]),
                      LEGIBLE_ON_PAGE, fold=long(self))[-1]

    def drawing(self, rankdir: str = "LR", slide: bool = False, wrap: int | None = None) -> str:
        """The drawing a stepper or a deck steps through: laid out once, each node as wide as
        its widest tangent or adjoint line over the steps, then shown at the first step
        (``_paint``; the script repaints it per step, the same way).  A page of n steps so
        holds one drawing, not n."""
        svg = layout.svg(self.drawing_dot(rankdir, slide, wrap).source)
        first = self.frames[0]
        return _paint(svg, dict(zip((r.var for r in self.table.rows), self.sweep_lines(first))),
                      first.active, [f"{a}->{b}" for a, b in first.edges])

    def drawing_dot(self, rankdir: str = "LR", slide: bool = False, wrap: int | None = None,
                    filled_labels: bool = False):
        """The Graphviz source of ``drawing`` (every node at its widest, nothing painted)."""
        self.check_size()
        return _graph_to_dot(
            self.graph, mode=self.mode, wrt=self.wrt, naming=self.naming, theme=self.theme,
            edge_labels=self.edge_labels(), sweep=self.widest(), rankdir=rankdir,
            slide=slide, wrap=wrap, filled_labels=filled_labels)

    def widest(self) -> list[str]:
        """Each variable's longest tangent or adjoint text over the steps: a drawing laid out
        with these keeps its size and places at every step."""
        steps = [self._sweep_texts(frame) for frame in self.frames]
        return [max(texts, key=len) for texts in zip(*steps)]

    def _drawings(self, uid: str = "") -> list[str]:
        """The page's drawing, as the stepper embeds it (none without a layout engine)."""
        if not layout.can_draw("svg"):
            return []
        return [_drawing_div(self.page_svg(), self.mode, f"{uid}{self.mode}-drawing-")]

    # -- everything
    def draw(self, directory: Path, prefix: str = "frame") -> tuple[list[Path], list[str] | None]:
        """Render each step into ``directory`` as ``{prefix}-001.svg``; with no layout
        engine at all, as ``.dot`` sources.  Returns the paths written and the SVG documents
        (None without a layout engine)."""
        written: list[Path] = []
        if not layout.can_draw("svg"):
            for frame in self.frames:
                stem = directory / f"{prefix}-{frame.index:03d}"
                stem.with_suffix(".dot").write_text(self.to_dot(frame).source, encoding="utf-8")
                written.append(stem.with_suffix(".dot"))
            return written, None
        for frame, svg in zip(self.frames, self.svgs()):
            path = directory / f"{prefix}-{frame.index:03d}.svg"
            path.write_text(svg, encoding="utf-8")
            written.append(path)
        return written, self.svgs()

    def svgs(self) -> list[str]:
        """Each step's drawing as an SVG document (``layout.svg``: Graphviz's program or its
        WebAssembly build); refused past ``max_nodes`` nodes, before any layout."""
        if self._svgs is None:
            self.check_size()
            self._svgs = [layout.svg(self.to_dot(frame).source) for frame in self.frames]
        return self._svgs

    def write(self, directory: str | Path, **deck) -> list[Path]:
        """Write ``frame-001.svg``... (each step's drawing with its arithmetic, for slides of
        your own) and this sweep's deck (``slides.write_deck``: ``deck.html`` and Beamer's
        ``deck.tex``; ``deck`` takes its options) into ``directory`` (created if missing,
        its parent must exist).

        Without a Graphviz layout engine the frames are written as ``.dot`` sources and one
        sentence says how to install Graphviz.  Returns the paths written.
        """
        from .slides import write_deck

        if layout.can_draw("svg"):
            self.check_size()
        directory = _output_directory(directory, "frames")
        _remove_drawings(directory, ("frame",))
        written, svgs = self.draw(directory)
        if svgs is None:
            print(NO_DRAWINGS.replace("have no drawings", "were written as .dot sources"))
        return written + write_deck(self.graph, directory, self.wrt, self.naming, self.theme,
                                    self.max_nodes, modes=[self.mode], **deck)


def frames(graph: Graph, mode: str = "reverse", wrt=None, naming: str = "v",
           theme: str = "light", max_nodes: int | None = None, memory: bool = False) -> Frames:
    """The frames of ``graph``'s forward or reverse sweep (see the module docstring);
    ``memory=True`` (reverse) captions each step with what it holds (``explain.memory``)."""
    return Frames(graph, mode, wrt, naming, theme, max_nodes, memory)


# ----------------------------------------------------------------------------- helpers

def _output_directory(directory: str | Path, what: str) -> Path:
    """``directory``, created if missing; its parent must exist (a typo is not a tree)."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"{what}: {directory} exists and is not a directory")
    if not directory.exists():
        if not directory.parent.is_dir():
            raise ValueError(f"{what}: cannot create {directory}: its parent directory "
                             f"{directory.parent} does not exist")
        directory.mkdir()
    return directory


def _remove_drawings(directory: Path, prefixes: Sequence[str]) -> None:
    """Remove the step drawings an earlier run wrote (``frame-004.svg`` of a longer sweep would
    otherwise stay beside a shorter one's); only names ``draw`` writes, no other file."""
    names = re.compile(rf"(?:{'|'.join(map(re.escape, prefixes))})-\d{{3,}}\.(?:svg|pdf|dot)")
    for path in directory.iterdir():
        if names.fullmatch(path.name) and path.is_file():
            path.unlink()


def _unique_id() -> str:
    """An id no other stepper on the page (or in the notebook, across kernel restarts) has."""
    return "mg-" + uuid.uuid4().hex[:12]


def stepper(sections: list[str], theme: str, drawings: list[str], uid: str, *,
            document_keys: bool = False) -> str:
    """A stepper through ``sections``: one shown at a time beside its sweep's drawing (each
    of ``drawings`` from ``_drawing_div``), previous/next buttons and keys.

    Self-contained HTML and JavaScript, no network and no widget extension, so that it works
    as a page, in the docs and in every notebook front end; ids, style and script are
    scoped to the element ``uid``, so several steppers can share a page.  The keys act while
    the stepper has focus (click it), or anywhere on the page with ``document_keys``.
    """
    colors = THEMES[theme]
    note = "" if drawings else f'<p class="note">{html.escape(NO_DRAWINGS)}</p>'
    shown = sections[:1] + [s.replace("<section ", "<section hidden ", 1) for s in sections[1:]]
    return _STEPPER.format(
        uid=uid, count=len(sections), sections="\n".join(shown), note=note,
        drawings="\n".join(drawings), keys="document" if document_keys else "root",
        bg=colors["bg"], fg=colors["fg"], edge=colors["edge"], hl=colors["highlight"],
        hlfill=colors["highlight_fill"])


def _html_page(title: str, sections: list[str], theme: str, drawings: list[str]) -> str:
    """A page of its own around one stepper, the keys acting anywhere on it."""
    colors = THEMES[theme]
    return _PAGE.format(title=escape.html(title), bg=colors["bg"], fg=colors["fg"],
                        body=stepper(sections, theme, drawings, "stepper", document_keys=True))


def _drawing_div(svg: str, sweep: str, prefix: str) -> str:
    """A drawing as the stepper holds it: inline, its ids prefixed, shown for ``sweep``."""
    return f'<div class="drawing" data-sweep="{sweep}">{_inline_svg(svg, prefix)}</div>'


_NODE = re.compile(r'(<g id="[^"]*" class="node">\s*<title>)(.*?)(</title>.*?</g>)', re.S)
_EDGE = re.compile(r'(<g id="[^"]*" class="edge)(">\s*<title>)(.*?)(</title>)', re.S)



def _paint(svg: str, lines: dict[str, str], active: str, edges: list[str]) -> str:
    """``svg`` at one step, as the stepper's script paints the others: each node's tangent or
    adjoint line (``v̄₅ = …``, marked ``class="sweep-line"`` for the script) set to ``lines``, the active node
    and ``edges`` (``"a->b"``) in the class ``highlight``."""
    def node(m):
        name = html.unescape(m.group(2))
        body = m.group(3)
        if name in lines:  # its sweep line: the one that starts with the accented name
            accent = html.escape(lines[name].split(" = ")[0], quote=False)
            body = re.sub(rf'(<text\b[^>]*)>{re.escape(accent)}(?: = [^<]*)?</text>',
                          lambda t: f'{t.group(1)} class="sweep-line">'
                                    f'{html.escape(lines[name], quote=False)}</text>', body, count=1)
        head = m.group(1).replace('class="node"', 'class="node highlight"') if name == active \
            else m.group(1)
        return head + m.group(2) + body

    def edge(m):
        on = html.unescape(m.group(3)) in edges
        return m.group(1) + (" highlight" if on else "") + m.group(2) + m.group(3) + m.group(4)

    # a drawing painted before (for another step) is first made plain again
    svg = re.sub(r'class="(node|edge) highlight"', r'class="\1"', svg).replace(' class="sweep-line"', "")
    return _EDGE.sub(edge, _NODE.sub(node, svg))


def _inline_svg(svg: str, prefix: str) -> str:
    """An SVG document as an element of an HTML page: no prolog, comments or namespaces
    (HTML knows ``<svg>``; the namespace URLs are the only web addresses Graphviz writes),
    and its ids prefixed, unique among the page's drawings."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    svg = re.sub(r' id="([^"]*)"', rf' id="{prefix}\1"', svg)
    return re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)


_PAGE = HEAD + """<style>body {{ background: {bg}; color: {fg}; margin: 1.5em; }}</style>
</head>
<body>
{body}
</body>
</html>
"""

_STEPPER = """<div class="mg-stepper" id="{uid}" tabindex="0">
<style>
#{uid} {{ background: {bg}; color: {fg}; font-family: Helvetica, Arial, sans-serif; padding: 0.5em; outline: none; }}
#{uid}:focus-visible {{ outline: 2px solid {edge}; }}
#{uid} nav {{ display: flex; gap: 1em; align-items: center; margin-bottom: 1em; }}
#{uid} button {{ font-size: 1.1em; padding: 0.3em 1em; }}
#{uid} h2 {{ font-size: 1.15em; margin: 0.3em 0; }}
#{uid} .step {{ display: flex; flex-wrap: wrap; gap: 1em 2em; align-items: flex-start; }}
#{uid} .graph {{ flex: 1 1 320px; min-width: 0; max-width: 100%; }}
#{uid} .graph:empty {{ display: none; }}
#{uid} .graph svg {{ display: block; margin: 0 auto; }}
#{uid} g.node.highlight > path, #{uid} g.node.highlight > polygon {{ stroke: {hl}; stroke-width: 3px; fill: {hlfill}; }}
#{uid} g.edge.highlight > path {{ stroke: {hl}; stroke-width: 3px; }}
#{uid} g.edge.highlight > polygon {{ stroke: {hl}; fill: {hl}; }}
#{uid} g.edge.highlight > text {{ fill: {hl}; }}
#{uid} .math {{ font-size: 1.1em; margin: 0.6em 0; line-height: 1.6; }}
#{uid} .rows {{ position: relative; overflow-y: auto; margin-top: 0.5em; }}
#{uid} table {{ border-collapse: collapse; }}
#{uid} thead th {{ position: sticky; top: 0; background: {bg}; }}
#{uid} th, #{uid} td {{ padding: 0.25em 0.8em; text-align: left; }}
#{uid} thead th {{ border-top: 2px solid {edge}; border-bottom: 1px solid {edge}; }}
#{uid} tbody tr:last-child td {{ border-bottom: 2px solid {edge}; }}
#{uid} tr.active td {{ background: {hlfill}; font-weight: bold; }}
#{uid} tr.partial td:last-child {{ opacity: 0.6; font-style: italic; }}
#{uid} .note {{ font-style: italic; }}
#{uid} .sweep {{ margin: 0; opacity: 0.7; }}
</style>
<nav>
<button class="prev" type="button" aria-label="previous step">&larr; previous</button>
<span class="counter">1 / {count}</span>
<button class="next" type="button" aria-label="next step">next &rarr;</button>
<span>(or the arrow keys)</span>
</nav>
{note}
<div class="step">
<div class="graph">{drawings}</div>
<div class="frames">
{sections}
</div>
</div>
<script>
(function () {{
  var root = document.getElementById("{uid}");
  var frames = root.querySelectorAll("section.frame");
  var drawings = root.querySelectorAll("div.drawing");
  var prev = root.querySelector("button.prev"), next = root.querySelector("button.next");
  var current = 0;
  function paint(frame) {{
    // the step's drawing: its sweep's, the active node and edges highlighted, each
    // node's tangent or adjoint line as the step leaves it (as _paint does in Python)
    var lines = JSON.parse(frame.dataset.lines || "{{}}");
    var edges = JSON.parse(frame.dataset.edges || "[]");
    drawings.forEach(function (d) {{
      d.hidden = d.dataset.sweep !== frame.dataset.sweep;
      if (d.hidden) return;
      d.querySelectorAll("g.node").forEach(function (g) {{
        var name = g.querySelector("title").textContent;
        g.classList.toggle("highlight", name === frame.dataset.active);
        var line = g.querySelector("text.sweep-line");
        if (line && name in lines) line.textContent = lines[name];
      }});
      d.querySelectorAll("g.edge").forEach(function (g) {{
        g.classList.toggle("highlight", edges.indexOf(g.querySelector("title").textContent) >= 0);
      }});
    }});
  }}
  function fit() {{
    // the drawing as wide as its column allows, at most half the window high, never above
    // its natural size; then, if the stepper is still higher than the window, the table's
    // rows scroll in a box of their own, the active row kept in its middle: the
    // highlighted node and row are in view together
    var room = root.querySelector(".graph");
    drawings.forEach(function (d) {{
      var svg = d.querySelector("svg"), box = svg.viewBox.baseVal;
      var s = Math.min(room.clientWidth / box.width, 0.5 * window.innerHeight / box.height, 4 / 3);
      svg.style.width = (box.width * s) + "px"; svg.style.height = (box.height * s) + "px";
    }});
    var rows = frames[current].querySelector(".rows"), row = rows.querySelector("tr.active");
    rows.style.maxHeight = "none";
    var excess = root.getBoundingClientRect().height - window.innerHeight;
    if (excess > 0) {{
      var least = 4 * (row ? row.offsetHeight : 24);  // a few rows at the least
      rows.style.maxHeight = Math.max(least, rows.clientHeight - excess) + "px";
    }}
    if (row) rows.scrollTop = row.offsetTop - (rows.clientHeight - row.offsetHeight) / 2;
  }}
  window.addEventListener("resize", fit);
  function show(k) {{
    current = Math.max(0, Math.min(frames.length - 1, k));
    frames.forEach(function (f, i) {{ f.hidden = i !== current; }});
    paint(frames[current]);
    fit();
    root.querySelector(".counter").textContent = (current + 1) + " / " + frames.length;
    prev.disabled = current === 0;
    next.disabled = current === frames.length - 1;
  }}
  prev.addEventListener("click", function () {{ show(current - 1); }});
  next.addEventListener("click", function () {{ show(current + 1); }});
  var keys = {keys};
  keys.addEventListener("keydown", function (e) {{
    if (e.key === "ArrowRight" || e.key === "PageDown" || e.key === " ") {{ show(current + 1); }}
    else if (e.key === "ArrowLeft" || e.key === "PageUp") {{ show(current - 1); }}
    else if (e.key === "Home") {{ show(0); }}
    else if (e.key === "End") {{ show(frames.length - 1); }}
    else {{ return; }}
    e.preventDefault(); e.stopPropagation();
  }});
  show(0);
}})();
</script>
</div>"""
