"""The deck as one self-contained HTML page, for a projector.

Each slide fills a 16:9 (or 4:3) stage as large as the window, letterboxed; its text is
sized by the stage (20 px on a 1280 px wide one), so that it looks the same at 1280x720
and at 1920x1080.  A step's slide has its caption and equations on top, then the drawing
and the table beside or above each other as the deck's plan chose; the script scales the
drawing to the room the table leaves (shrinking the table's type if it does not fit) and
moves the sweep's one drawing into the slide shown, repainted for the step.

Keys: arrows, Page Up/Down, space, Home/End step; ``p`` toggles presentation mode (no
controls, fullscreen; also ``?present`` in the URL), ``f`` fullscreen, ``s`` opens the
presenter view (this page with ``?presenter``: the slide, its speaker notes, the next
slide and a clock, kept in step with the deck).  ``#5`` in
the URL opens slide 5; ``?handout`` shows every slide, one a printed page.  Nothing is loaded from the network.
"""

from __future__ import annotations

import html
import json

from .. import escape
from ..dot import THEMES
from ..frames import PARTIAL, _inline_svg
from ..page import HEAD
from .deck import FONT, STAGES, TABLE_FONT, Deck, Step, Sweep


def page(deck: Deck) -> str:
    """The deck's page (see the module docstring)."""
    width, height = STAGES[deck.aspect]
    slides = [_title_slide(deck)] + [_step_slide(deck, sweep, step).replace("<section ", "<section hidden ", 1)
                                     for sweep in deck.sweeps for step in sweep.steps]
    drawings = "".join(
        f'<div class="drawing" data-sweep="{sweep.mode}">'
        f'{_inline_svg(sweep.svg, sweep.mode + "-")}</div>'
        for sweep in deck.sweeps if sweep.svg is not None)
    return _PAGE.format(
        title=escape.html(deck.title), theme=deck.theme, themes=theme_css(deck.theme),
        ratio=height / width, stage_w=f"min(100vw, {100 * width / height:.4f}vh)",
        presenter_w=f"min(62vw, {62 * width / height:.4f}vh)", units=width / FONT,
        width=width, height=height, slide_css=SLIDE_CSS, slides="\n".join(slides), drawings=drawings,
        count=len(deck), script=_SCRIPT)


def theme_css(name: str, selector: str = ".mg-deck") -> str:
    c = THEMES[name]
    """The theme's colours as CSS variables on ``selector``."""
    return (f'{selector} {{ --bg: {c["bg"]}; --fg: {c["fg"]}; '
            f'--rule: {c["edge"]}; --hl: {c["highlight"]}; --hlfill: {c["highlight_fill"]}; }}')


def _title_slide(deck: Deck) -> str:
    author = f'<p class="author">{escape.html(deck.author)}</p>' if deck.author else ""
    sweeps = "".join(f"<li>{s.frames.heading('html')}: {len(s.steps)} steps</li>"
                     for s in deck.sweeps)
    return (f'<section class="slide title" data-notes="{html.escape(deck.title_notes())}">'
            f"<h1>{escape.html(deck.title)}</h1>"
            f'<p class="formula">{deck.formula["html"]}</p>'
            f'<p class="point">at {escape.html(deck.point)}</p>{author}'
            f'<ol class="sweeps">{sweeps}</ol>'
            f'<footer><span class="number">1 / {len(deck)}</span></footer></section>')


def table(sweep: Sweep, step: Step) -> str:
    """The step's table: the active row and the partial sums marked."""
    frame = step.frame
    head = "".join(f"<th>{escape.html(c)}</th>" for c in sweep.columns)
    body = []
    for j, cells in enumerate(step.rows["html"]):
        cls = ["active"] if j == frame.variable else []
        if frame.status[j] == PARTIAL:
            cls.append("partial")
        attr = f' class="{" ".join(cls)}"' if cls else ""
        body.append(f"<tr{attr}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (f'<div class="table"><table><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def header(sweep: Sweep, step: Step) -> str:
    """The step's caption, its sweep's name and its equations."""
    math = "".join(f"<div>{line}</div>" for line in step.equations["html"])
    return (f'<header><div class="top"><h2>{step.caption["html"]}</h2>'
            f'<p class="sweep">{sweep.frames.heading("html")}</p></div>'
            f'<div class="math">{math}</div></header>')


def _step_slide(deck: Deck, sweep: Sweep, step: Step) -> str:
    frame = step.frame
    names = [row.var for row in sweep.frames.table.rows]
    data = {"sweep": sweep.mode, "active": frame.active,
            "edges": json.dumps([f"{a}->{b}" for a, b in frame.edges]),
            "lines": json.dumps(dict(zip(names, step.lines)), ensure_ascii=False),
            "notes": step.notes["text"]}
    attrs = " ".join(f'data-{k}="{html.escape(v)}"' for k, v in data.items())
    return (f'<section class="slide step {sweep.arrangement}" {attrs}>{header(sweep, step)}'
            f'<div class="body">{_GRAPH if sweep.svg else ""}{table(sweep, step)}</div>'
            f'<footer><span class="number">{step.number} / {len(deck)}</span></footer></section>')


_GRAPH = '<div class="graph"></div>'
_PAGE = HEAD + """<style>
{themes}
html, body {{ margin: 0; height: 100%; overflow: hidden; }}
html.handout, html.handout body {{ height: auto; overflow: visible; }}
body {{ background: #000; }}
.mg-deck {{ --stage: {stage_w}; position: fixed; inset: 0; display: flex; align-items: center;
  justify-content: center; background: var(--bg); color: var(--fg);
  font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; outline: none; }}
.mg-deck.presenter {{ --stage: {presenter_w}; justify-content: flex-start; align-items: flex-start; }}
.stage {{ position: relative; width: var(--stage); height: calc(var(--stage) * {ratio});
  font-size: calc(var(--stage) / {units}); overflow: hidden; flex: none; }}
.slide {{ position: absolute; inset: 0; box-sizing: border-box; padding: 0.5em 1.2em 1.4em;
  display: flex; flex-direction: column; }}
.slide[hidden] {{ display: none; }}
.slide.title {{ justify-content: center; align-items: center; text-align: center; }}
{slide_css}
.graph {{ position: relative; }}
.graph svg {{ position: absolute; }}
footer {{ position: absolute; left: 1.2em; right: 1.2em; bottom: 0.3em; display: flex;
  align-items: center; gap: 0.6em; font-size: 0.7em; }}
footer .number {{ margin-left: auto; opacity: 0.8; }}
.controls {{ position: absolute; left: 1.2em; bottom: 0.3em; z-index: 2; display: flex; gap: 0.5em;
  font-size: 0.7em; }}
.controls button {{ font: inherit; padding: 0.1em 0.8em; color: var(--fg); background: var(--bg);
  border: 1px solid var(--rule); border-radius: 0.3em; }}
.mg-deck.present .controls {{ display: none; }}
.notes-panel {{ display: none; }}
.mg-deck.presenter .notes-panel {{ display: block; position: fixed; left: calc(var(--stage) + 2vw);
  right: 2vw; top: 2vh; bottom: 2vh; overflow: auto; font-size: 2.4vh; }}
.notes-panel .clock {{ font-size: 4vh; font-variant-numeric: tabular-nums; }}
.notes-panel .notes {{ white-space: pre-wrap; line-height: 1.5; }}
.drawings {{ display: none; }}
.mg-deck.handout {{ --stage: {width}px; position: static; display: block; }}
.handout .stage {{ height: auto; overflow: visible; }}
.handout .slide {{ position: relative; height: {height}px; break-after: page; }}
@page {{ size: {width}px {height}px; margin: 0; }}
</style>
</head>
<body>
<div class="mg-deck" data-theme="{theme}" tabindex="0">
<div class="stage">
{slides}
<div class="controls">
<button class="prev" type="button" aria-label="previous slide">&larr;</button>
<button class="next" type="button" aria-label="next slide">&rarr;</button>
<button class="present" type="button" title="presentation mode (p)">present</button>
<button class="speaker" type="button" title="presenter view with notes (s)">notes</button>
</div>
</div>
<aside class="notes-panel"><p class="clock">0:00</p><p class="where"></p>
<h3>Notes</h3><div class="notes"></div><h3>Next</h3><div class="next-title"></div></aside>
<div class="drawings">{drawings}</div>
</div>
<script>
{script}
</script>
</body>
</html>
"""

_SCRIPT = """(function () {
  var root = document.querySelector(".mg-deck");
  var slides = root.querySelectorAll("section.slide");
  var drawings = {};
  root.querySelectorAll("div.drawing").forEach(function (d) {
    drawings[d.dataset.sweep] = d.querySelector("svg");
  });
  var params = new URLSearchParams(location.search);
  var current = 0, other = null, started = Date.now();
  if (params.has("present")) root.classList.add("present");
  if (params.has("presenter")) { root.classList.add("presenter"); root.classList.add("present"); }

  function paint(slide, svg) {
    // the sweep's drawing at this step: active node and edges highlighted, each node's
    // tangent or adjoint line as the step leaves it (as frames._paint does in Python)
    var lines = JSON.parse(slide.dataset.lines), edges = JSON.parse(slide.dataset.edges);
    svg.querySelectorAll("g.node").forEach(function (g) {
      var name = g.querySelector("title").textContent;
      g.classList.toggle("highlight", name === slide.dataset.active);
      var line = g.querySelector("text.sweep-line");
      if (line && name in lines) line.textContent = lines[name];
    });
    svg.querySelectorAll("g.edge").forEach(function (g) {
      g.classList.toggle("highlight", edges.indexOf(g.querySelector("title").textContent) >= 0);
    });
  }
  function fit(slide) {
    // the drawing as large as the room the table leaves; the table's type smaller while
    // the slide overflows
    var svg = slide.querySelector(".graph svg"), table = slide.querySelector(".table");
    var box = svg.viewBox.baseVal;
    for (var size = 1, tries = 0; tries < 12; tries++, size *= 0.92) {
      table.style.fontSize = "calc(" + size + " * %TABLE%em)";
      var room = slide.querySelector(".graph");
      var s = Math.min(room.clientWidth / box.width, room.clientHeight / box.height);
      s = Math.max(s, 0.01);
      svg.style.width = (box.width * s) + "px"; svg.style.height = (box.height * s) + "px";
      svg.style.left = ((room.clientWidth - box.width * s) / 2) + "px";
      svg.style.top = ((room.clientHeight - box.height * s) / 2) + "px";
      if (slide.scrollHeight <= slide.clientHeight + 1 && slide.scrollWidth <= slide.clientWidth + 1
          && room.clientWidth > 0 && room.clientHeight > 0) break;
    }
  }
  function show(k, quiet) {
    current = Math.max(0, Math.min(slides.length - 1, k));
    slides.forEach(function (s, i) { s.hidden = i !== current; });
    var slide = slides[current], svg = drawings[slide.dataset.sweep];
    if (svg) {
      slide.querySelector(".graph").appendChild(svg);
      paint(slide, svg);
      fit(slide);
    }
    root.querySelector(".controls .prev").disabled = current === 0;
    root.querySelector(".controls .next").disabled = current === slides.length - 1;
    root.querySelector(".notes-panel .notes").textContent = slide.dataset.notes || "";
    root.querySelector(".notes-panel .where").textContent = (current + 1) + " / " + slides.length;
    var next = slides[current + 1];
    root.querySelector(".notes-panel .next-title").textContent =
      next ? (next.querySelector("h2, h1").textContent) : "(the end)";
    if (quiet) return;
    history.replaceState(null, "", location.pathname + location.search + "#" + (current + 1));
    if (other && !other.closed) other.postMessage({mgSlide: current}, "*");
  }
  function fullscreen() {
    if (!document.fullscreenElement && document.documentElement.requestFullscreen)
      document.documentElement.requestFullscreen().catch(function () {});
  }
  function present() {
    var on = root.classList.toggle("present");
    if (on) fullscreen();
    else if (document.fullscreenElement) document.exitFullscreen();
  }
  function speaker() {
    other = window.open(location.pathname + "?presenter#" + (current + 1), "mg-presenter");
  }
  if (window.opener && params.has("presenter")) other = window.opener;
  window.addEventListener("message", function (e) {
    if (e.data && typeof e.data.mgSlide === "number") {
      if (!other) other = e.source;
      show(e.data.mgSlide, true);
    }
  });
  root.querySelector(".controls .prev").addEventListener("click", function () { show(current - 1); });
  root.querySelector(".controls .next").addEventListener("click", function () { show(current + 1); });
  root.querySelector(".controls .present").addEventListener("click", present);
  root.querySelector(".controls .speaker").addEventListener("click", speaker);
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var k = e.key;
    if (k === "ArrowRight" || k === "ArrowDown" || k === "PageDown" || k === " ") show(current + 1);
    else if (k === "ArrowLeft" || k === "ArrowUp" || k === "PageUp") show(current - 1);
    else if (k === "Home") show(0);
    else if (k === "End") show(slides.length - 1);
    else if (k === "p") present();
    else if (k === "f") fullscreen();
    else if (k === "s") speaker();
    else return;
    e.preventDefault();
  });
  window.addEventListener("resize", function () { show(current, true); });
  setInterval(function () {
    var s = Math.floor((Date.now() - started) / 1000);
    root.querySelector(".notes-panel .clock").textContent =
      Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }, 1000);
  if (params.has("handout")) {  // every slide, one a page, each with its own drawing
    document.documentElement.classList.add("handout");
    root.classList.add("handout", "present");
    slides.forEach(function (slide) {
      slide.hidden = false;
      var svg = drawings[slide.dataset.sweep];
      if (!svg) return;
      svg = svg.cloneNode(true);
      slide.querySelector(".graph").appendChild(svg);
      paint(slide, svg);
      fit(slide);
    });
    return;
  }
  var start = parseInt(location.hash.slice(1), 10);
  show(isNaN(start) ? 0 : start - 1, true);
  root.focus();
})();"""
_SCRIPT = _SCRIPT.replace("%TABLE%", str(TABLE_FONT / FONT))

#: The active node and edges, in the theme's colours (``--hl``, ``--hlfill``); an edge's
#: label haloed in the background colour (``--bg``), so that a line under it (a snake's
#: turn, ``dot.to_dot``'s ``wrap``) does not cross its letters.
HIGHLIGHT_CSS = """
g.edge > text { paint-order: stroke; stroke: var(--bg); stroke-width: 5px; stroke-linejoin: round; }
g.node.highlight > path, g.node.highlight > polygon { stroke: var(--hl); stroke-width: 3px; fill: var(--hlfill); }
g.edge.highlight > path { stroke: var(--hl); stroke-width: 3px; }
g.edge.highlight > polygon { stroke: var(--hl); fill: var(--hl); }
g.edge.highlight > text { fill: var(--hl); }
"""

#: A slide's typography and layout, in the theme's colours (``theme_css``): shared by this
#: page and reveal.js's.
SLIDE_CSS = (f"""
h1 {{ font-size: 1.8em; margin: 0 0 0.6em; }}
h2 {{ font-size: 1.15em; margin: 0.1em 0 0.2em; }}
.formula {{ font-size: 1.25em; margin: 0.3em 0; }}
.point, .author {{ margin: 0.3em 0; }}
.sweeps {{ text-align: left; }}
.top {{ display: flex; justify-content: space-between; align-items: baseline; gap: 1em; }}
.sweep {{ margin: 0; font-size: 0.75em; opacity: 0.75; }}
.math {{ font-size: 0.9em; line-height: 1.45; }}
.body {{ flex: 1 1 auto; min-height: 0; display: flex; gap: 1em; align-items: center;
  justify-content: center; margin-top: 0.4em; }}
.stack .body {{ flex-direction: column; }}
.graph {{ flex: 1 1 0; min-width: 0; min-height: 0; align-self: stretch; }}
.table {{ flex: none; font-size: {TABLE_FONT / FONT}em; }}
table {{ border-collapse: collapse; }}
th, td {{ padding: 0.12em 0.6em; text-align: left; white-space: nowrap; border: none; }}
thead th {{ border-top: 2px solid var(--rule); border-bottom: 1px solid var(--rule); }}
tbody tr:last-child td {{ border-bottom: 2px solid var(--rule); }}
tr.active td {{ background: var(--hlfill); font-weight: bold; }}
tr.partial td:last-child {{ opacity: 0.7; font-style: italic; }}
""").replace("{{", "{").replace("}}", "}") + HIGHLIGHT_CSS
