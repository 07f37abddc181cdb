"""MkDocs hook: the pages' TeX typeset by KaTeX at build time.

pymdownx.arithmatex (generic mode) keeps every ``$...$`` and ``$$...$$`` intact through
Markdown (``\\\\``, underscores) as ``<span class="arithmatex">\\(...\\)</span>`` or
``<div class="arithmatex">\\[...\\]</div>``; this hook replaces each with KaTeX's HTML (and
its MathML, for screen readers), rendered by the vendored KaTeX under Node.js, one process a
page.  The browser needs no script: KaTeX's stylesheet and fonts ship with the site
(docs/vendor/katex/), so a formula looks the same in every browser and loads nothing from
the network.  Browsers' own MathML did not: Chromium drew ``\\tanh^2`` as "tanh 2", primes
apart from their letter and ``\\mathbb R`` in italics.  A formula KaTeX refuses fails the
build, naming the page.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

KATEX = Path(__file__).resolve().parent / "vendor" / "katex"
STYLESHEET = "vendor/katex/katex.min.css"  # relative to docs/, as mkdocs.yml's extra_css

# Reads [[tex, display], ...] as JSON on stdin, writes [{"html": ...} or {"error": ...}, ...].
_RENDER = r"""
const katex = require(process.argv[1]);
let input = "";
process.stdin.on("data", d => input += d).on("end", () => {
  const out = JSON.parse(input).map(([tex, display]) => {
    try {
      return {html: katex.renderToString(tex, {displayMode: display, output: "htmlAndMathml",
                                               throwOnError: true, strict: "error"})};
    } catch (e) { return {error: e.message}; }
  });
  process.stdout.write(JSON.stringify(out));
});
"""
_MATH = re.compile(r'<(span|div) class="arithmatex">\s*\\[(\[](.*?)\\[)\]]\s*</\1>', re.S)


def typeset(formulas: list[tuple[str, bool]], where: str = "") -> list[str]:
    """KaTeX's HTML of each ``(tex, display)``; a ValueError names the first it refuses."""
    if not formulas:
        return []
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise RuntimeError("docs/katex.py typesets the docs' maths with KaTeX under Node.js at "
                           "build time: install Node.js (apt-get install nodejs)")
    r = subprocess.run([node, "-e", _RENDER, str(KATEX / "katex.min.js")],
                       input=json.dumps(formulas), capture_output=True, text=True, timeout=120)
    if r.returncode:
        raise RuntimeError(f"{where}: KaTeX under Node.js failed: {r.stderr.strip()}")
    shown = json.loads(r.stdout)
    for (tex, _), one in zip(formulas, shown):
        if "error" in one:
            raise ValueError(f"{where}: cannot typeset ${tex}$: {one['error']}")
    return [one["html"] for one in shown]


def to_html(page_html: str, where: str = "") -> str:
    """``page_html`` with each arithmatex span (inline) and div (display) typeset."""
    found = list(_MATH.finditer(page_html))
    shown = iter(typeset([(html.unescape(m.group(2)).strip(), m.group(1) == "div")
                          for m in found], where))
    return _MATH.sub(lambda m: (f'<div class="math">{next(shown)}</div>' if m.group(1) == "div"
                                else next(shown)), page_html)


def on_page_content(html_text: str, page, **_) -> str:
    return to_html(html_text, page.file.src_uri)
