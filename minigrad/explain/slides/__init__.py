"""Slide decks of a graph's sweeps, in the formats lecturers use.

``write_deck`` builds one ``deck.Deck`` (the model, with its layout plan) and hands it to
one writer per format, each a small module:

* ``html``: ``deck.html``, one self-contained page fitted to the screen, with presentation
  mode, a presenter view with speaker notes, and slide numbers;
* ``revealjs``: ``revealjs.html``, a reveal.js presentation in one file (reveal.js vendored,
  with its speaker view, overview and PDF export);
* ``beamer``: ``deck.tex`` and each step's drawing as ``step-002.pdf``... (Graphviz's
  ``dot`` program); ``pdflatex deck.tex`` makes the PDF;
* ``quarto`` and ``marp``: ``deck.qmd`` and ``deck.marp.md``, Markdown for the lecturer's
  own tool, with each step's drawing as ``step-002.svg``...;
* ``pptx``: ``deck.pptx`` (python-pptx): the drawings as pictures (drawn by Chromium),
  the tables as native tables, the notes filled in;
* ``png``: ``slide-001.png``..., each slide of ``deck.html`` at 1920x1080 (16:9) or
  1440x1080 (4:3) through headless Chromium, for Google Slides and Keynote; no ``dot``
  needed (the drawings come from the WebAssembly layout where it is missing);
* ``pdf``: ``deck.pdf``, the Beamer deck compiled by ``pdflatex`` (Debian's
  ``texlive-latex-recommended``);
* ``handout``: ``handout.pdf``, ``deck.html`` printed by Chromium, one slide a page.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ...graph import Graph
from .. import layout
from ..frames import MODES, Frames, _output_directory
from . import beamer, browser, html, markdown, pptx, revealjs
from .deck import STAGES, Deck, build

FORMATS = ("html", "revealjs", "beamer", "pdf", "quarto", "marp", "pptx", "png", "handout")
DEFAULT_FORMATS = ("html", "beamer")
NO_PDF = (f"The Beamer deck has no drawings: they need Graphviz's dot program (the other "
          f"formats are drawn without it); {layout.INSTALL}.")
ASPECTS = tuple(STAGES)


def write_deck(graph: Graph, directory: str | Path, wrt=None, naming: str = "v",
               theme: str = "light", max_nodes: int | None = None, *,
               formats: Sequence[str] = DEFAULT_FORMATS, modes: Sequence[str] = MODES,
               title: str | None = None, author: str | None = None, aspect: str = "16:9",
               progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write a deck of ``graph``'s sweeps (``modes``: forward, seeded by ``wrt`` (the first
    input by default), then reverse) into ``directory`` in each of ``formats``
    (``FORMATS``); returns the paths written.  ``progress`` is called with one line per
    stage of a long deck (the command line prints them)."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"slides: unknown format {unknown[0]!r}; use one or more of "
                         f"{', '.join(FORMATS)}")
    for fmt in formats:  # a missing tool is refused before any work
        if fmt in ("png", "handout", "pptx"):
            browser.require()
        if fmt == "pptx":
            pptx.require()
        if fmt == "pdf":
            beamer.require()
    if "forward" in modes and wrt is None and graph.inputs:
        wrt = 0
    say = progress or (lambda line: None)
    sweeps = [Frames(graph, mode, wrt if mode == "forward" else None, naming, theme, max_nodes)
              for mode in modes]
    if layout.can_draw("svg"):
        sweeps[0].check_size()  # before any file
    directory = _output_directory(directory, "slides")
    _remove_old(directory)
    say(f"laying out {len(sweeps)} sweep{'s' if len(sweeps) > 1 else ''} of {graph.name} "
        f"({len(graph.variables)} variables)")
    deck = build(graph, sweeps, title=title, author=author, aspect=aspect)
    written: list[Path] = []
    page = directory / "deck.html"
    page.write_text(html.page(deck), encoding="utf-8")
    if "html" in formats or "png" in formats or "handout" in formats:
        written.append(page)
    if "revealjs" in formats:
        path = directory / "revealjs.html"
        path.write_text(revealjs.page(deck), encoding="utf-8")
        written.append(path)
    if "beamer" in formats or "pdf" in formats:
        written += write_beamer(deck, directory, say)
    if "pdf" in formats:
        say("compiling deck.tex with pdflatex")
        written.append(beamer.compile(directory / "deck.tex"))
    if "quarto" in formats or "marp" in formats:
        written += markdown.write_svgs(deck, directory)
        for fmt, name, writer in (("quarto", "deck.qmd", markdown.quarto),
                                  ("marp", "deck.marp.md", markdown.marp)):
            if fmt in formats:
                (directory / name).write_text(writer(deck), encoding="utf-8")
                written.append(directory / name)
    if "pptx" in formats:
        say(f"drawing {len(deck.steps)} pictures for PowerPoint with Chromium")
        written.append(pptx.write(deck, directory / "deck.pptx"))
    if "png" in formats:
        say(f"rendering {len(deck)} slides to PNG with Chromium")
        written += browser.pngs(page, len(deck), deck.aspect, directory)
    if "handout" in formats:
        say("printing the handout with Chromium")
        written.append(browser.handout(page, directory / "handout.pdf"))
    if "html" not in formats and page not in written:
        page.unlink()
    return written


def write_beamer(deck: Deck, directory: Path, say: Callable[[str], None]) -> list[Path]:
    """``deck.tex`` and, with Graphviz's ``dot`` program, each step's drawing as a PDF, laid
    out for Beamer's page (``beamer.plan``)."""
    written: list[Path] = []
    placements = None
    if layout.can_draw("pdf"):
        say(f"drawing {len(deck.steps)} steps for Beamer")
        placements = [beamer.plan(sweep.frames, deck.aspect) for sweep in deck.sweeps]
        for sweep, placement in zip(deck.sweeps, placements):
            for step in sweep.steps:
                path = directory / beamer.graphics_name(step)
                path.write_bytes(beamer.drawing(sweep.frames.to_dot(
                    step.frame, caption=False, rankdir=placement.rankdir, slide=True,
                    wrap=placement.wrap, filled_labels=True), placement.wrap, placement.alone))
                written.append(path)
    else:
        print(NO_PDF, file=sys.stderr)
    tex = directory / "deck.tex"
    tex.write_text(beamer.document(deck, placements), encoding="utf-8")
    return written + [tex]


def _remove_old(directory: Path) -> None:
    """Remove the step drawings an earlier, longer deck left (``step-040.pdf``)."""
    for path in directory.glob("step-[0-9][0-9][0-9].*"):
        if path.suffix in (".pdf", ".svg"):
            path.unlink()
