"""The deck as a reveal.js presentation: ``revealjs.html``, one self-contained file.

reveal.js 5 (vendored from the npm registry with its licence, ``vendor/revealjs``) is
inlined, so the deck works offline with reveal.js's own keys: ``s`` the speaker view with
each step's notes, ``o`` or Esc the overview, ``f`` full screen, and ``?print-pdf`` in the
URL for its PDF export (print from the browser).  The slides are those of ``deck.html``:
reveal.js scales a 1280x720 (or 960x720) slide to the screen, and each step's slide holds
its own drawing, painted for the step, fitted by the browser into the room that the table
leaves (``preserveAspectRatio``).
"""

from __future__ import annotations

import html
from pathlib import Path

from .. import escape
from ..frames import _inline_svg, _paint
from ..page import HEAD
from .deck import FONT, STAGES, Deck, Step, Sweep
from .html import SLIDE_CSS, header, table, theme_css

VENDOR = Path(__file__).parent / "vendor" / "revealjs"


def page(deck: Deck) -> str:
    """The presentation (see the module docstring)."""
    width, height = STAGES[deck.aspect]
    sections = [_title(deck)] + [_step(sweep, step) for sweep in deck.sweeps for step in sweep.steps]
    return _PAGE.format(
        title=escape.html(deck.title), reveal_css=_vendored("reveal.css"),
        reveal_js=_script(_vendored("reveal.js")), notes_js=_script(_vendored("notes.js")),
        sections="\n".join(sections), width=width, height=height, font=FONT,
        themes=theme_css(deck.theme, ".reveal-viewport"), slide_css=SLIDE_CSS)


def _vendored(name: str) -> str:
    return (VENDOR / name).read_text(encoding="utf-8")


def _script(js: str) -> str:
    """JavaScript safe inside an HTML ``<script>`` element: no sequence that the HTML parser
    reads as the end of the script or as a comment around one (same values in JS)."""
    return js.replace("</script", "<\\/script").replace("<!--", "<\\!--").replace(
        "<script", "<\\x73cript")


def _title(deck: Deck) -> str:
    author = f"<p>{escape.html(deck.author)}</p>" if deck.author else ""
    return (f'<section class="title"><h1>{escape.html(deck.title)}</h1>'
            f'<p class="formula">{deck.formula["html"]}</p><p>at {escape.html(deck.point)}</p>'
            f'{author}<aside class="notes">{escape.html(deck.title_notes())}</aside></section>')


def _step(sweep: Sweep, step: Step) -> str:
    frame = step.frame
    drawing = ""
    if sweep.svg is not None:
        names = [row.var for row in sweep.frames.table.rows]
        painted = _paint(sweep.svg, dict(zip(names, step.lines)), frame.active,
                         [f"{a}->{b}" for a, b in frame.edges])
        drawing = f'<div class="graph">{_inline_svg(painted, f"s{step.number}-")}</div>'
    return (f'<section><div class="mg-slide {sweep.arrangement}">{header(sweep, step)}'
            f'<div class="body">{drawing}{table(sweep, step)}</div></div>'
            f'<aside class="notes">{html.escape(step.notes["text"])}</aside></section>')


_PAGE = HEAD + """<style>
{reveal_css}
</style>
<style>
{themes}
.reveal-viewport {{ background: var(--bg); }}
.reveal {{ color: var(--fg); font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: {font}px; }}
.reveal .slides {{ text-align: left; }}
.reveal .slides section.title {{ text-align: center; }}
.mg-slide {{ height: {height}px; box-sizing: border-box; padding: 0.5em 1.2em 1.4em;
  display: flex; flex-direction: column; }}
.mg-slide .graph svg {{ width: 100%; height: 100%; }}
{slide_css}
.reveal .slide-number {{ font-size: 14px; }}
</style>
</head>
<body>
<div class="reveal"><div class="slides">
{sections}
</div></div>
<script>
{reveal_js}
</script>
<script>
{notes_js}
</script>
<script>
Reveal.initialize({{ width: {width}, height: {height}, margin: 0, minScale: 0.1, maxScale: 4,
  center: false, hash: true, slideNumber: "c/t", controls: true, progress: true,
  transition: "none", plugins: [RevealNotes] }});
</script>
</body>
</html>
"""
