"""The deck as Markdown for the lecturer's own tool: Quarto (``deck.qmd``) and Marp
(``deck.marp.md``).

Both are text: a title slide, then a slide per step with its equations as ``$...$`` maths,
its drawing (``step-002.svg``..., one SVG per step, painted for the step) beside the table
(a Markdown table whose cells are the trace table's LaTeX), and the speaker notes (Quarto's
``::: notes``, Marp's HTML comment).  Quarto renders it with ``quarto render deck.qmd``
(its revealjs format), Marp with ``marp deck.marp.md``; neither is needed to write it.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..escape import markdown_cell
from ..dot import THEMES
from ..frames import _paint
from .deck import STAGES, Deck, Step, Sweep
from .html import HIGHLIGHT_CSS as _HIGHLIGHT


def step_svg(sweep: Sweep, step: Step) -> str:
    """The step's drawing, a file of its own: the sweep's, painted for the step, with the
    highlight's colours in its own style sheet (no page around it gives them)."""
    names = [row.var for row in sweep.frames.table.rows]
    svg = _paint(sweep.svg, dict(zip(names, step.lines)), step.frame.active,
                 [f"{a}->{b}" for a, b in step.frame.edges])
    colors = THEMES[sweep.frames.theme]
    style = ("<style>" + _HIGHLIGHT.replace("var(--hlfill)", colors["highlight_fill"])
             .replace("var(--hl)", colors["highlight"]).replace("var(--bg)", colors["bg"])
             + "</style>")
    start = svg.index(">", svg.index("<svg")) + 1
    return svg[:start] + "\n" + style + svg[start:]


def svg_name(step: Step) -> str:
    return f"step-{step.number:03d}.svg"


def write_svgs(deck: Deck, directory: Path) -> list[Path]:
    """``step-002.svg``...: each step's drawing (none without a layout engine)."""
    written = []
    for sweep in deck.sweeps:
        if sweep.svg is None:
            continue
        for step in sweep.steps:
            path = directory / svg_name(step)
            path.write_text(step_svg(sweep, step), encoding="utf-8")
            written.append(path)
    return written


def _cell(latex: str) -> str:
    """A LaTeX cell inside a Markdown table: its bars escaped, not taken for columns."""
    return latex.replace("|", "\\|")


def _table(sweep: Sweep, step: Step, fmt: str = "latex") -> list[str]:
    """The step's table in Markdown, its cells as maths (``latex``) or typeset ``text``."""
    lines = ["| " + " | ".join(sweep.columns) + " |",
             "|" + "---|" * len(sweep.columns)]
    for j, cells in enumerate(step.rows[fmt]):
        cells = [_cell(c) if fmt == "latex" else markdown_cell(c) for c in cells]
        if j == step.frame.variable:  # the active row, in bold
            cells = [f"**{c}**" if c else c for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _equations(step: Step) -> list[str]:
    return [f"${eq}$\\" if k < len(step.equations["latex"]) - 1 else f"${eq}$"
            for k, eq in enumerate(step.equations["latex"])]


def quarto(deck: Deck) -> str:
    """``deck.qmd``: Quarto's revealjs format, one slide per step."""
    width, height = STAGES[deck.aspect]
    lines = ["---", f"title: {json.dumps(markdown_cell(deck.title))}"]
    if deck.author:
        lines.append(f"author: {json.dumps(markdown_cell(deck.author))}")
    lines += [f"subtitle: {json.dumps('$' + deck.formula['latex'] + '$')}",
              "format:", "  revealjs:", "    slide-number: true", f"    width: {width}",
              f"    height: {height}", "---", ""]
    for sweep in deck.sweeps:
        for step in sweep.steps:
            lines += [f"## {step.caption['latex']}", "", *_equations(step), "",
                      ":::: {.columns}", '::: {.column width="58%"}']
            if sweep.svg is not None:
                lines.append(f"![]({svg_name(step)})")
            lines += [":::", '::: {.column width="42%"}', *_table(sweep, step), ":::", "::::",
                      "", "::: {.notes}", step.notes["latex"].replace(r"\par ", "\n\n"), ":::", ""]
    return "\n".join(lines)


#: Marp's default theme, made to hold a step (a 20-operation chain's too): the text at 18 px
#: and the table at 14 px on a 1280x720 slide, rows without padding to spare.  The title's maths is MathJax, which Marp
#: draws into the page (its KaTeX loads fonts from the network).
MARP_STYLE = ("section { font-size: 18px; padding: 24px 36px; } h2 { font-size: 24px; } "
              "section table { font-size: 14px; line-height: 1.2; } "
              "section table th, section table td { padding: 1px 8px; }")


def marp(deck: Deck) -> str:
    """``deck.marp.md``: Marp Markdown, one slide per step, the drawing on the left; the
    step's equations and table in the drawing's typeset text, which wraps and keeps the
    rows low (maths would not: a 20-operation chain's table would run off the slide)."""
    lines = ["---", "marp: true", "paginate: true", f"size: {deck.aspect}", "math: mathjax",
             f"style: {json.dumps(MARP_STYLE)}", "---", "", f"# {markdown_cell(deck.title)}", "",
             f"${deck.formula['latex']}$", ""]
    if deck.author:
        lines += [markdown_cell(deck.author), ""]
    for sweep in deck.sweeps:
        for step in sweep.steps:
            lines += ["---", "", f"## {step.caption['latex']}", ""]
            if sweep.svg is not None:
                lines += [f"![bg left:55% fit]({svg_name(step)})", ""]
            lines += [*[markdown_cell(e) + "  " for e in step.equations["text"]], "",
                      *_table(sweep, step, "text"), "",
                      "<!--", step.notes["text"].replace("--", "- -"), "-->", ""]
    return "\n".join(lines)
