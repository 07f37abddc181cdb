"""Slide decks (``minigrad.explain.slides``): the model, its layout plan, and each format.

The browser test opens each HTML deck in headless Chromium at 1280x720 and 1920x1080,
steps through every slide and measures what a projector shows: no scrollbar, nothing
outside the screen, the drawing's labels' height, the highlighted node and table row both
in view.  Screenshots go to ``$MINIGRAD_SLIDE_SHOTS`` when it is set, for a person to
look at.
"""

import math
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad.examples import lognormal
from minigrad.explain import layout
from minigrad.explain.slides import beamer, browser, deck as model, html, revealjs, write_deck

from headless import Browser, chromium, serve
from test_frames import run, self_contained_page

HAVE_DOT = shutil.which("dot") is not None
HAVE_CHROMIUM = chromium() is not None
FORWARD = [f"v{k}" for k in range(4, 11)]  # the log-normal's forward steps, in order
REVERSE = FORWARD[::-1]


def wide(x1, x2):
    """The survey's example: ln x1 + x1 x2 - sin x2, wide rather than deep."""
    return mnp.log(x1) + x1 * x2 - mnp.sin(x2)


def chain(x):
    """Twenty operations in a row."""
    for k in range(20):
        x = mnp.sin(x) if k % 2 == 0 else mnp.cos(x)
    return x


def array_function(x):
    return mnp.sum(mnp.sin(x) * x)


DECKS = {"lognormal": (lognormal, (1.5, 0.0, 2.0)), "wide": (wide, (2.0, 5.0)),
         "chain": (chain, (0.5,)), "array": (array_function, (np.array([0.5, 1.0, 2.0]),))}


@pytest.fixture(scope="module")
def graph():
    return mg.trace(lognormal, 1.5, 0.0, 2.0)


@pytest.fixture(scope="module")
def deck(graph, tmp_path_factory):
    """The log-normal's deck of both sweeps (forward seeded on y), written once."""
    out = tmp_path_factory.mktemp("deck") / "deck"
    written = write_deck(graph, out, wrt="y", title="The normal log-density",
                         author="A. Lecturer")
    return written, out


# ----------------------------------------------------------------------------- the model

def test_the_model_has_a_title_then_both_sweeps_numbered(graph):
    d = model.build(graph, [graph.frames(mode="forward", wrt="y"), graph.frames(mode="reverse")])
    assert len(d) == 15 and [s.number for s in d.steps] == list(range(2, 16))
    assert [s.frame.active for s in d.steps] == FORWARD + REVERSE
    assert d.title == "Forward and reverse sweeps of lognormal"
    # the function typeset, as the table writes each operation (checked by hand)
    assert d.formula["text"] == ("lognormal(y, \u03bc, \u03c3) = (\u22120.5) ((y \u2212 \u03bc) / "
                                 "\u03c3)\u00b2 \u2212 log \u03c3 \u2212 (0.5 log 2 \u03c0)")
    assert d.point == "y = 1.5, \u03bc = 0, \u03c3 = 2"


def test_notes_give_the_equations_and_a_sentence(graph):
    d = model.build(graph, [graph.frames(mode="reverse")])
    v5 = d.steps[5]  # v5 = v4 / v3 pushes to v4 and v3
    lines = v5.notes["text"].splitlines()
    assert lines[:2] == v5.equations["text"] and len(lines) == 3
    assert "\u2212v\u2084 v\u2083\u207b\u00b2" in lines[1] and "0.28125" in lines[1]
    assert lines[2].startswith("The adjoint of v\u2085 is final")
    v8 = d.steps[2]  # v8 = log v3: sigma's adjoint is still partial (v5 uses it too)
    assert "v\u2083 is used elsewhere too" in v8.notes["text"]
    assert v8.notes["latex"].startswith("$") and "\u2083" not in v8.notes["latex"]


def guarded(x1, mu):
    """A decision (x1 <= 1, guarded) and a choice (abs, computed per call), an input named mu."""
    return abs(x1) * mu if x1 <= 1.0 else x1 * mu


def test_sweep_titles_typeset_names_and_relations_as_the_table_in_every_html_output():
    g = mg.trace(lambda x1, mu: guarded(x1, mu), 0.5, 2.0)  # named <lambda>: escaped
    frames = g.frames(mode="forward", wrt="mu")
    table = g.table().to_html()
    # the table's own typesetting: its footer's items and mu's expression cell
    holds = re.findall(r"<li>(.*?)</li>", re.search(r'<ul class="decisions">(.*?)</ul>', table).group(1))
    calls = re.findall(r"<li>(.*?)</li>", re.search(r'<ul class="choices">(.*?)</ul>', table).group(1))
    mu = g.table().cells(g.table().rows[1], "html")[1]
    assert (holds, calls, mu) == (["v<sub>1</sub> &le; 1: true"],
                                  ["v<sub>1</sub> &ge; 0 (abs, v<sub>4</sub>): true"], "&mu;")
    want = (f"Forward sweep of &lt;lambda&gt;, seeded on {mu} "
            f"(holds where {holds[0]}; per call: {calls[0]})")
    d = model.build(g, [frames, g.frames(mode="reverse")])
    deck, reveal, stepper = html.page(d), revealjs.page(d), frames.to_html()
    for page in (deck, reveal, stepper):  # each step's slide or section names its sweep
        sweeps = re.findall(r'<p class="sweep">(.*?)</p>', page)
        assert sweeps and set(sweeps) >= {want}, sweeps[:1]
    listed = re.search(r'<ol class="sweeps"><li>(.*?)</li>', deck).group(1)
    assert listed == f"{want}: {len(frames)} steps"  # the title slide
    # where no markup can go (the page's title, speaker notes), the same as characters
    typeset = "seeded on \u03bc (holds where v\u2081 \u2264 1: true; per call: v\u2081 \u2265 0 (abs, v\u2084): true)"
    assert re.search(r"<title>(.*?)</title>", stepper).group(1) == "Forward sweep of &lt;lambda&gt;, " + typeset
    assert f"Forward sweep of <lambda>, {typeset}: {len(frames)} steps" in d.title_notes()
    # the plain text stays ASCII for the text outputs
    assert frames.title == "Forward sweep of <lambda>, seeded on mu (holds where v1 <= 1: true; per call: v1 >= 0 (abs, v4): true)"
    with pytest.raises(ValueError, match="heading: fmt must be text, html or unicode, not 'latex'"):
        frames.heading("latex")


def test_the_plan_chooses_the_layout_with_the_larger_text(graph):
    frames = graph.frames(mode="reverse")
    rankdir, wrap, arrangement, svg = model.plan(frames)
    chosen = model.fit_scale(model._size(svg), model._table_size(frames), arrangement, "16:9",
                             model._header_lines(frames))
    for other in ("LR", "TB"):
        size = model._size(frames.drawing(other, slide=True))
        for place in ("side", "stack"):
            assert chosen >= model.fit_scale(size, model._table_size(frames), place, "16:9",
                                             model._header_lines(frames))
    assert wrap is None  # the log-normal is not a chain: it is not wrapped into rows


def test_a_long_chain_is_folded_into_a_snake():
    g = mg.trace(chain, 0.5)
    rankdir, wrap, arrangement, svg = model.plan(g.frames(mode="reverse"))
    width, height = model._size(svg)
    assert wrap == 3 and rankdir == "LR" and width / height < 3
    # where Graphviz put each node: rows of three, every other one right to left
    at = {name: (float(x), float(y)) for name, x, y in re.findall(
        r'<title>(v\d+)</title>\s*<path[^>]*/>\s*<text[^>]* x="([-\d.]+)" y="([-\d.]+)"', svg)}
    rows = [[f"v{1 + 3 * r + k}" for k in range(3)] for r in range(7)]
    for r, names in enumerate(rows):
        xs, ys = [at[n][0] for n in names], [at[n][1] for n in names]
        assert xs == sorted(xs, reverse=r % 2 == 1) and max(ys) - min(ys) < 20, names
        if r:
            assert min(ys) > max(at[n][1] for n in rows[r - 1])  # below the row before
    # within a row a partial is written over its value; the turn between rows on one line
    v = [0.5]
    for k in range(20):
        v.append(math.sin(v[-1]) if k % 2 == 0 else math.cos(v[-1]))
    edge = re.search(r"<title>v4&#45;&gt;v5</title>.*?</g>", svg, re.S).group(0)
    assert re.findall(r"<text[^>]*>([^<]*)</text>", edge) == [
        "\u2212sin v\u2084", f"= \u2212{math.sin(v[3]):.6g}"]  # d cos(v4) / d v4
    turn = re.search(r"<title>v3&#45;&gt;v4</title>.*?</g>", svg, re.S).group(0)
    assert re.findall(r"<text[^>]*>([^<]*)</text>", turn) == [
        f"cos v\u2083 = {math.cos(v[2]):.6g}"]  # d sin(v3) / d v3


def test_a_bad_aspect_is_refused_in_one_line(graph, tmp_path):
    with pytest.raises(ValueError, match="aspect must be one of 16:9, 4:3, not '3:2'"):
        write_deck(graph, tmp_path / "d", aspect="3:2")


# ----------------------------------------------------------------------------- HTML

def test_html_deck_is_self_contained_with_numbers_notes_and_presenter_keys(deck):
    _, out = deck
    page = (out / "deck.html").read_text(encoding="utf-8")
    found = self_contained_page(page)
    sections = [a for t, a in found if t == "section"]
    assert len(sections) == 15 and "title" in sections[0]["class"]
    assert [a["data-active"] for a in sections[1:]] == FORWARD + REVERSE
    assert all(a["data-notes"] for a in sections)
    numbers = re.findall(r'<span class="number">(\d+) / 15</span>', page)
    assert numbers == [str(k) for k in range(1, 16)]
    assert "The normal log-density" in page and "A. Lecturer" in page
    assert 'k === "p"' in page and 'params.has("present")' in page and 'k === "s"' in page
    assert page.count("<svg") == 2  # one drawing per sweep, repainted per step


def open_deck(b: Browser, url: str) -> int:
    b.open(url)
    return b.evaluate("document.querySelectorAll('section.slide').length"
                      " || document.querySelectorAll('.reveal .slides > section').length")


MEASURE = """(() => {
  const vw = innerWidth, vh = innerHeight;
  const slide = [...document.querySelectorAll("section.slide")].find(s => !s.hidden)
    || document.querySelector(".reveal section.present .mg-slide, .reveal section.present");
  const inView = r => r.width > 0 && r.left >= -1 && r.top >= -1 && r.right <= vw + 1 && r.bottom <= vh + 1;
  const texts = [...slide.querySelectorAll("svg text")].filter(t => t.textContent.trim());
  const node = slide.querySelector("g.node.highlight"), row = slide.querySelector("tr.active");
  return {
    scrolls: document.documentElement.scrollHeight > vh || document.documentElement.scrollWidth > vw,
    overflows: slide.scrollHeight > slide.clientHeight + 1 || slide.scrollWidth > slide.clientWidth + 1,
    outside: [...slide.querySelectorAll("h1, h2, .math div, table, svg, .number")].concat(
      [...document.querySelectorAll(".reveal .slide-number")])
      .filter(e => !inView(e.getBoundingClientRect())).map(e => e.tagName),
    label: texts.length ? Math.min(...texts.map(t => t.getBoundingClientRect().height)) : null,
    overlaps: texts.flatMap((t, i) => texts.slice(i + 1).filter(u => {
      // a text's box is its line's height: more than a quarter of a line shared is a collision
      const a = t.getBoundingClientRect(), b = u.getBoundingClientRect();
      const tolerance = Math.min(a.height, b.height) / 4;
      return Math.min(a.right, b.right) - Math.max(a.left, b.left) > tolerance
        && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > tolerance;
    }).map(u => t.textContent + " / " + u.textContent)),
    node: node ? inView(node.getBoundingClientRect()) : null,
    row: row ? inView(row.getBoundingClientRect()) : null,
  };
})()"""


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    """The four decks of the issue, light (and the log-normal dark too)."""
    out = tmp_path_factory.mktemp("decks")
    for name, (f, args) in DECKS.items():
        write_deck(mg.trace(f, *args), out / name, formats=["html", "revealjs"])
    write_deck(mg.trace(lognormal, 1.5, 0.0, 2.0), out / "dark", formats=["html"], theme="dark")
    return out


@pytest.mark.skipif(not HAVE_CHROMIUM, reason="needs Chromium")
@pytest.mark.parametrize("page", ["deck.html", "revealjs.html"])
@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_every_slide_fits_the_screen_with_legible_labels(decks, page, width, height):
    shots = os.environ.get("MINIGRAD_SLIDE_SHOTS")
    smallest = {}
    names = list(DECKS) + (["dark"] if page == "deck.html" else [])
    with serve(decks) as base:
        b = Browser(chromium(), width, height)
        try:
            for name in names:
                count = open_deck(b, f"{base}{name}/{page}")
                for k in range(1, count + 1):
                    m = b.evaluate(MEASURE)
                    where = f"{name}/{page} slide {k} at {width}x{height}"
                    assert not m["scrolls"] and not m["overflows"], where
                    assert m["outside"] == [], where
                    assert m["overlaps"] == [], where  # no label over another
                    if k > 1:
                        assert m["node"] and m["row"], where  # both in view at once
                        smallest[name] = min(smallest.get(name, 1e9), m["label"])
                    if shots:
                        Path(shots).mkdir(exist_ok=True)
                        b.screenshot(Path(shots) / f"{name}-{page.split('.')[0]}-{k:02d}-{width}.png",
                                     full_page=False)
                    b.press("ArrowRight", "ArrowRight", 39)
        finally:
            b.close()
    for name, px in smallest.items():  # 18 px at 1280x720, as much larger at 1920x1080
        assert px >= 18 * height / 720, (name, px)


@pytest.mark.skipif(not HAVE_CHROMIUM, reason="needs Chromium")
def test_presentation_mode_hides_the_controls_and_the_presenter_view_shows_notes(decks):
    with serve(decks) as base:
        b = Browser(chromium(), 1280, 720)
        try:
            open_deck(b, f"{base}lognormal/deck.html")
            visible = "getComputedStyle(document.querySelector('.controls')).display !== 'none'"
            assert b.evaluate(visible)
            b.press("p", "KeyP", 80)
            assert not b.evaluate(visible)
            open_deck(b, f"{base}lognormal/deck.html?presenter#3")
            notes = b.evaluate("document.querySelector('.notes-panel .notes').textContent")
            assert notes.startswith("v\u0307\u2085 = ") and "chain rule" in notes
            assert b.evaluate("document.querySelector('.notes-panel .where').textContent") == "3 / 15"
            assert b.evaluate("getComputedStyle(document.querySelector('.notes-panel')).display") == "block"
        finally:
            b.close()


# ----------------------------------------------------------------------------- Beamer

def test_beamer_has_a_title_then_one_frame_per_step(deck):
    _, out = deck
    tex = (out / "deck.tex").read_text(encoding="utf-8")
    assert r"\documentclass[aspectratio=169,8pt,xcolor=table]{beamer}" in tex
    assert tex.count(r"\begin{frame}") == 15 and r"\titlepage" in tex
    captions = re.findall(r"Step (\d)/7: (tangent|adjoint) of \$v_\{(\d+)\}\$", tex)
    assert captions == ([(str(k), "tangent", v[1:]) for k, v in enumerate(FORWARD, 1)]
                        + [(str(k), "adjoint", v[1:]) for k, v in enumerate(REVERSE, 1)])
    assert tex.count(r"\rowcolor{mgactive}") == 14 and tex.count(r"\note{") == 15
    assert r"\subtitle{$\mathit{lognormal}\left(y, \mu, \sigma\right) = " in tex
    assert tex.count(r"\begin{") == tex.count(r"\end{")


@pytest.mark.skipif(not HAVE_DOT, reason="Beamer's drawings need Graphviz's dot")
def test_beamer_compiles_and_its_pages_render(deck, graph, tmp_path, pdflatex):
    _, out = deck
    for path in out.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    assert pdflatex(tmp_path / "deck.tex") == 15
    # the table leaves out its expression column, which the nodes carry (the labels were 6.9 pt)
    labels_as_planned(tmp_path, graph, "y", [False, False])
    tex = (tmp_path / "deck.tex").read_text(encoding="utf-8")
    assert tex.count("var & value & tangent") == 7 and tex.count("var & value & adjoint") == 7
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "9", "-l", "9", "deck.pdf", "page"],
                       cwd=tmp_path, check=True, timeout=60)
        assert png_size(next(tmp_path.glob("page-*9.png"))) == (315, 178)  # 160 x 90 mm at 50 dpi


@pytest.mark.skipif(not HAVE_DOT, reason="Beamer's drawings need Graphviz's dot")
@pytest.mark.parametrize("name, alone", [("wide", False), ("array", True), ("chain", True)])
def test_beamer_labels_reach_8pt_a_drawing_too_large_beside_its_table_alone(
        name, alone, tmp_path, pdflatex):
    """The array function's labels came out at 7.0 pt beside its table, the 20-operation
    chain's at 6.2: each of their frames is two pages, the drawing alone then the table."""
    f, args = DECKS[name]
    graph = mg.trace(f, *args)
    write_deck(graph, tmp_path, formats=["beamer"])
    steps = len(graph.variables) - len(graph.inputs)
    assert pdflatex(tmp_path / "deck.tex") == 1 + 2 * steps * (1 + alone)
    labels_as_planned(tmp_path, graph, 0, [alone, alone])


def labels_as_planned(directory: Path, graph, wrt, alone: list[bool]) -> None:
    """The compiled deck has no overfull page, and its drawings' labels as the pages print
    them (the type inside each included drawing) come out at the size each sweep's plan
    promised and at least the 8 pt a projected PDF wants; a sweep planned ``alone`` has
    each step's drawing on one page and the equations and table on the next."""
    log = (directory / "deck.log").read_text(errors="replace")
    assert "Overfull \\vbox" not in log and "deck.tex" in log
    sweeps = [graph.frames(mode="forward", wrt=wrt), graph.frames(mode="reverse")]
    plans = [beamer.plan(frames, "16:9") for frames in sweeps]
    assert [p.alone for p in plans] == alone
    sizes = drawing_type(directory / "deck.pdf")
    assert sizes[0] == []  # the title page has no drawing
    pages = iter(sizes[1:])
    for frames, placement in zip(sweeps, plans):
        for _ in frames:
            found = next(pages)
            assert found and abs(min(found) - placement.points) < 0.3, (min(found), placement)
            assert min(found) >= 8
            if placement.alone:
                assert next(pages) == []  # the equations and the table
    assert next(pages, None) is None


def drawing_type(pdf: Path) -> list[list[float]]:
    """Per page, the size in points of each character inside an included drawing (a PDF
    form, pdfminer's ``LTFigure``), as printed: scaled with the drawing."""
    layout_ = pytest.importorskip("pdfminer.layout")
    from pdfminer.high_level import extract_pages

    def inside(item, figure=False):
        if isinstance(item, layout_.LTChar):
            return [item.size] if figure and item.get_text().strip() else []
        if isinstance(item, layout_.LTContainer):
            return [size for child in item
                    for size in inside(child, figure or isinstance(item, layout_.LTFigure))]
        return []

    return [inside(page) for page in extract_pages(str(pdf))]


def png_size(path: Path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


# ----------------------------------------------------------------------------- Chromium

@pytest.mark.skipif(not HAVE_CHROMIUM, reason="needs Chromium")
def test_png_slides_are_1920x1080_without_dot_and_the_handout_one_slide_a_page(tmp_path,
                                                                            monkeypatch):
    monkeypatch.setattr(layout, "engine", lambda: "wasm")  # no dot program
    written = write_deck(mg.trace(lambda x: x * x, 3.0), tmp_path, formats=["png", "handout"])
    pngs = sorted(p for p in written if p.suffix == ".png")
    assert [p.name for p in pngs] == ["slide-001.png", "slide-002.png", "slide-003.png"]
    assert {png_size(p) for p in pngs} == {(1920, 1080)}
    handout = tmp_path / "handout.pdf"
    assert handout in written and not (tmp_path / "deck.tex").exists()
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(handout)], capture_output=True, text=True,
                              check=True).stdout
        assert re.search(r"Pages:\s+3\b", info) and "960 x 540 pts" in info


def test_a_missing_tool_is_one_line_naming_the_package(graph, tmp_path, monkeypatch):
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name in (
        "pdflatex", *browser.PROGRAMS) else real(name))
    with pytest.raises(layout.LayoutError, match="apt-get install texlive-latex-recommended"):
        write_deck(graph, tmp_path / "a", formats=["pdf"])
    with pytest.raises(layout.LayoutError, match="apt-get install chromium"):
        write_deck(graph, tmp_path / "b", formats=["png"])
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


# ----------------------------------------------------------------------------- CLI

def test_cli_slides_with_title_author_aspect_and_format(tmp_path):
    out = tmp_path / "deck"
    r = run("slides", "x1*x2 + sin(x1)", "--at", "x1=2", "x2=5", "--format", "html", "beamer",
            "--title", "A <product> & 50% off", "--author", "Me", "--aspect", "4:3", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("wrote a deck of both sweeps of expression to ")
    page = (out / "deck.html").read_text(encoding="utf-8")
    assert "<h1>A &lt;product&gt; &amp; 50% off</h1>" in page
    tex = (out / "deck.tex").read_text(encoding="utf-8")
    assert r"\title{A \textless{}product\textgreater{} \& 50\% off}" in tex
    assert "aspectratio=43" in tex


def test_cli_slides_of_one_sweep_in_reveal_js(tmp_path):
    r = run("slides", "x1*x2 + sin(x1)", "--at", "x1=2", "x2=5", "--mode", "reverse",
            "--format", "revealjs", "-o", str(tmp_path / "deck"))
    assert r.returncode == 0, r.stderr
    assert "wrote a deck of the reverse sweep of expression" in r.stdout
    page = (tmp_path / "deck" / "revealjs.html").read_text(encoding="utf-8")
    assert page.count("<section") == 1 + 3 and "Forward sweep" not in page
    r = run("slides", "x1*x2", "--at", "x1=2", "x2=5", "--mode", "reverse", "--wrt", "x1",
            "-o", str(tmp_path / "e"))
    assert r.returncode == 2 and "--wrt x1 chooses the seed of the forward sweep" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "e").exists()


def test_cli_slides_refuses_an_unknown_format(tmp_path):
    r = run("slides", "lognormal", "--format", "keynote", "-o", str(tmp_path / "d"))
    assert r.returncode == 2 and "invalid choice: 'keynote'" in r.stderr


# ----------------------------------------------------------------------------- reveal.js, Markdown, PowerPoint

def test_revealjs_deck_is_one_offline_file_with_notes_and_the_licence(graph, tmp_path):
    written = write_deck(graph, tmp_path, formats=["revealjs"], title="T")
    page = (tmp_path / "revealjs.html").read_text(encoding="utf-8")
    assert written == [tmp_path / "revealjs.html"]
    # reveal.js's code and its licence comments aside
    markup = re.sub(r"<script>.*?</script>|/\*.*?\*/", "", page, flags=re.S)
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|https?://", markup)
    assert not re.search(r"url\((?!data:)", markup)  # reveal.css's images are inlined data
    assert page.count("<section") == 15 and page.count('<aside class="notes">') == 15
    assert "plugins: [RevealNotes]" in page and 'slideNumber: "c/t"' in page
    assert "Permission is hereby granted" in (revealjs.VENDOR / "LICENSE").read_text()
    assert page.count("<script") == 3 and page.count("</script>") == 3  # the inlined JS is safe


def test_quarto_and_marp_have_one_slide_and_one_svg_per_step(graph, tmp_path):
    written = write_deck(graph, tmp_path, formats=["quarto", "marp"], title='A "quoted" <title>')
    svgs = sorted(p.name for p in written if p.suffix == ".svg")
    assert svgs == [f"step-{k:03d}.svg" for k in range(2, 16)]
    qmd = (tmp_path / "deck.qmd").read_text(encoding="utf-8")
    assert qmd.startswith('---\ntitle: "A \\"quoted\\" &lt;title&gt;"\n')
    assert qmd.count("\n## Step ") == 14 and qmd.count("::: {.notes}") == 14
    assert "![](step-014.svg)" in qmd and "| **$v_{5}$** | **$\\frac{v_{4}}{v_{3}}$** |" in qmd
    marp = (tmp_path / "deck.marp.md").read_text(encoding="utf-8")
    assert marp.startswith("---\nmarp: true\n") and marp.count("\n---\n") == 15
    assert "![bg left:55% fit](step-002.svg)" in marp and marp.count("<!--") == 14
    step = (tmp_path / "step-014.svg").read_text(encoding="utf-8")
    assert 'class="node highlight"' in step and "<style>" in step  # highlighted on its own


@pytest.mark.skipif(not HAVE_CHROMIUM, reason="needs Chromium")
def test_pptx_has_a_picture_a_native_table_and_notes_per_step(tmp_path):
    pptx = pytest.importorskip("pptx")
    g = mg.trace(lambda x: mnp.sin(x) * x, 0.5)
    written = write_deck(g, tmp_path, formats=["pptx"], title="sin(x) x")
    assert written == [tmp_path / "deck.pptx"]
    deck = pptx.Presentation(str(tmp_path / "deck.pptx"))
    slides = list(deck.slides)
    assert len(slides) == 1 + 2 + 2
    for slide in slides[1:]:
        kinds = [s.shape_type for s in slide.shapes]
        pictures = [s for s in slide.shapes if s.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
        tables = [s for s in slide.shapes if s.has_table]
        assert len(pictures) == 1 and len(tables) == 1, kinds
        for shape in pictures + tables:  # inside the slide
            assert shape.left >= 0 and shape.top >= 0
            assert shape.left + shape.width <= deck.slide_width
            assert shape.top + shape.height <= deck.slide_height
        assert slide.notes_slide.notes_text_frame.text.strip()
        assert len(tables[0].table.rows) == 1 + len(g.variables)
    assert slides[1].notes_slide.notes_text_frame.text.startswith("v\u0307\u2082 = ")
    if shutil.which("soffice"):  # LibreOffice Impress opens it (.ci/run installs it)
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "deck.pptx"],
                       cwd=tmp_path, capture_output=True, timeout=180)
        info = subprocess.run(["pdfinfo", "deck.pdf"], cwd=tmp_path, capture_output=True,
                              text=True).stdout
        assert re.search(r"Pages:\s+5\b", info)


MARP_FIT = """[...document.querySelectorAll("svg[data-marpit-svg] > foreignObject > section")]
  .filter(s => ["content", null].includes(s.getAttribute("data-marpit-advanced-background")))
  .map(s => s.scrollHeight > s.clientHeight + 1 || s.scrollWidth > s.clientWidth + 1)"""


@pytest.mark.skipif(not shutil.which("marp") or not HAVE_CHROMIUM,
                    reason="needs Marp's command line (npm install -g @marp-team/marp-cli) and Chromium")
@pytest.mark.parametrize("name", ["lognormal", "chain"])
def test_marp_renders_the_deck_offline_and_every_slide_holds_its_content(tmp_path, name):
    f, args = DECKS[name]
    write_deck(mg.trace(f, *args), tmp_path, formats=["marp"])
    r = subprocess.run(["marp", "--html", "deck.marp.md", "-o", "marp.html"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    with serve(tmp_path) as base:
        b = Browser(chromium(), 1280, 720)
        try:
            b.open(base + "marp.html")
            overflowing = b.evaluate(MARP_FIT)
            shots = os.environ.get("MINIGRAD_SLIDE_SHOTS")
            if shots:
                Path(shots).mkdir(exist_ok=True)
                b.open(base + "marp.html#4")
                b.screenshot(Path(shots) / f"{name}-marp-04.png", full_page=False)
            remote = [u for u in b.requests if not u.startswith((base, "data:", "blob:"))]
        finally:
            b.close()
    steps = sum(len(mg.trace(f, *args).frames(mode=m, wrt=0 if m == "forward" else None))
                for m in ("forward", "reverse"))
    assert len(overflowing) == 1 + steps and not any(overflowing), overflowing
    assert remote == []  # its maths drawn in the page, no fonts from a CDN
