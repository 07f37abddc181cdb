"""Every TeX construct the docs use, typeset as the site typesets it (docs/katex.py) and laid
out by real browsers: the boxes where a reader sees them, not only the markup.

A gallery page holds one formula per construct; its script measures the glyphs' boxes once
the fonts are loaded and reports them (Chromium: read over DevTools; Firefox: posted to the
local server).  Where a browser is not installed its test skips, except under CI.
"""

import importlib.util
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

import headless

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "build" / "docs-screenshots"

# One formula per construct whose layout is measured, then every other command the docs use.
GALLERY = {
    "power": r"1 - \tanh^2 0.5",
    "primes": r"f'(x) + f''(x) + f'''(x)",
    "reals": r"f: \mathbb R^n \to \mathbb{R}^m",
    "bar": r"\bar v_i",
    "dot": r"\dot v_{10}",
    "fraction": r"\frac{\partial y}{\partial x}",
    "matrix": r"\begin{pmatrix}3 & 2\\ 2 & 7\end{pmatrix}",
    "aligned": r"\begin{aligned} \bar v_1 &= 1 \\ \bar x_{12} &= \bar v_1 + 2 \end{aligned}",
    "symbols": (r"\sin \cos \tan \log \ln \exp \max \min \det \operatorname{tr} \sigma \mu \pi"
                r" \beta \Phi \varepsilon \partial \nabla \approx \cdot \times \to \top \infty \dots"
                r" \ldots \mid \ne \pm \in \leftarrow \Longrightarrow \langle x \rangle"
                r" \lVert x \rVert \sum_i \sqrt{x} \tfrac12 \big( \Big( \left( x \right)"
                r" \mathcal L \mathrm{d} \text{if} \texttt{x} a \bmod b \qquad \quad"
                r" \theta \epsilon \le \ge \neq \mapsto \odot \binom{n}{k} a \mathrel{+}= b"),
}
DISPLAYED = {"fraction", "matrix", "aligned", "symbols"}


def _katex():
    spec = importlib.util.spec_from_file_location("docs_katex", ROOT / "docs" / "katex.py")
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not (shutil.which("node") or shutil.which("nodejs")):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI must typeset the docs' maths: apt-get install nodejs")
        pytest.skip("Node.js is not installed (apt-get install nodejs)")
    return module


def test_the_gallery_has_every_tex_command_the_docs_use():
    used = set()
    for page in (ROOT / "docs").rglob("*.md"):
        prose = re.sub(r"^```.*?^```|`[^`\n]*`", "", page.read_text(encoding="utf-8"),
                       flags=re.S | re.M)
        for formula in re.findall(r"\$\$.+?\$\$|\$[^$\n]+\$", prose, re.S):
            used |= set(re.findall(r"\\[A-Za-z]+", formula))
    shown = set(re.findall(r"\\[A-Za-z]+", " ".join(GALLERY.values())))
    assert used - shown == set(), ("add these commands to GALLERY in "
                                   f"tests/test_docs_maths_layout.py: {sorted(used - shown)}")


# Each text node of each formula's visible (HTML) part: its layout box, its baseline and its
# ink (the glyphs' drawn extent, from canvas text metrics in the node's font), in px; the
# fraction bar's box; the formula's size; whether KaTeX's fonts are loaded.
_MEASURE = """(async () => {
  await document.fonts.ready;
  const ctx = document.createElement("canvas").getContext("2d");
  const out = {};
  for (const fig of document.querySelectorAll("figure[id]")) {
    const html = fig.querySelector(".katex-html");
    const walker = document.createTreeWalker(html, NodeFilter.SHOW_TEXT);
    const boxes = [];
    for (let n; (n = walker.nextNode());) {
      if (!n.textContent.trim()) continue;
      const range = document.createRange(); range.selectNodeContents(n);
      const r = range.getBoundingClientRect(), s = getComputedStyle(n.parentElement);
      ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
      const m = ctx.measureText(n.textContent), baseline = r.top + m.fontBoundingBoxAscent;
      boxes.push({text: n.textContent, left: r.left, right: r.right, baseline,
                  ink: [r.left - m.actualBoundingBoxLeft, baseline - m.actualBoundingBoxAscent,
                        r.left + m.actualBoundingBoxRight, baseline + m.actualBoundingBoxDescent],
                  family: s.fontFamily, style: s.fontStyle});
    }
    const line = html.querySelector(".frac-line"), size = html.getBoundingClientRect();
    const lr = line && line.getBoundingClientRect();
    out[fig.id] = {boxes, em: parseFloat(getComputedStyle(html).fontSize),
                   width: size.width, height: size.height,
                   fracLine: lr ? [lr.left, lr.top, lr.right, lr.bottom] : null,
                   fonts: ["KaTeX_Main", "KaTeX_Math", "KaTeX_AMS"].map(
                     f => document.fonts.check(`16px ${f}`))};
  }
  return out;
})()"""


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    """The gallery page and the vendored KaTeX stylesheet and fonts, in a directory."""
    katex = _katex()
    where = tmp_path_factory.mktemp("gallery")
    shutil.copytree(katex.KATEX, where / "katex", ignore=shutil.ignore_patterns("*.js", "*.md"))
    shown = katex.typeset([(tex, name in DISPLAYED) for name, tex in GALLERY.items()],
                          "gallery")
    figures = "\n".join(f'<figure id="{name}">{html}</figure>'
                        for name, html in zip(GALLERY, shown))
    (where / "index.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8">'
        '<link rel="stylesheet" href="katex/katex.min.css">'
        "<style>body { font-size: 18px; width: 760px; } figure { margin: 1em 0; }</style>"
        f"</head><body>{figures}<script>{_MEASURE}.then(r => fetch('report', "
        "{method: 'POST', body: JSON.stringify(r)}))</script></body></html>",
        encoding="utf-8")
    return where


def _need(program, name, package):
    if program is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must lay the maths out in {name}: apt-get install {package}")
        pytest.skip(f"{name} is not installed (apt-get install {package})")
    return program


def _in_chromium(gallery):
    program = _need(headless.chromium(), "Chromium", "chromium")
    browser = headless.Browser(program, width=800, height=1000)
    try:
        with headless.serve(gallery) as base:
            browser.open(base + "index.html")
            found = browser.evaluate(_MEASURE)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            browser.screenshot(SCREENSHOTS / "maths-gallery-chromium.png")
            remote = [u for u in browser.requests if not u.startswith((base, "data:"))]
    finally:
        browser.close()
    assert not remote, remote
    return found


def _in_firefox(gallery):
    program = _need(headless.firefox(), "Firefox", "firefox-esr")
    posted = []
    with headless.serve(gallery, posted) as base:
        return json.loads(headless.firefox_report(program, base + "index.html", posted))


@pytest.fixture(scope="module", params=["chromium", "firefox"])
def layout(request, gallery):
    """Browser -> formula -> its measured boxes."""
    return (_in_chromium if request.param == "chromium" else _in_firefox)(gallery)


class _Boxes:
    """The measured glyphs of one formula, found by their text."""

    def __init__(self, found: dict):
        self.em, self.boxes = found["em"], found["boxes"]

    def all(self, text: str) -> list[dict]:
        return [b for b in self.boxes if b["text"] == text]

    def one(self, text: str, k: int = 0) -> dict:
        found = self.all(text)
        assert len(found) > k, f"no {text!r} (#{k}) among {[b['text'] for b in self.boxes]}"
        return found[k]


def _ink_middle(b):
    return (b["ink"][1] + b["ink"][3]) / 2


def _raised_and_attached(base, sup, em):
    """``sup`` a superscript of ``base``: its baseline at least 0.25 em above the base's, and
    its ink starting within 0.15 em of the end of the base's ink (italics may overlap)."""
    assert base["baseline"] - sup["baseline"] >= 0.25 * em, (base, sup)
    assert -0.15 * em <= sup["ink"][0] - base["ink"][2] <= 0.15 * em, (base, sup)


def test_a_power_of_a_function_is_a_superscript_on_its_name(layout):
    f = _Boxes(layout["power"])
    tanh, two, half = f.one("tanh"), f.one("2"), f.one("0.5")
    _raised_and_attached(tanh, two, f.em)
    assert half["ink"][0] > two["ink"][2] and half["baseline"] == pytest.approx(tanh["baseline"])


def test_primes_touch_their_letter(layout):
    f = _Boxes(layout["primes"])
    letters = f.all("f")
    primes = [f.one(p) for p in ("′", "′′", "′′′")]
    assert len(letters) == 3
    for letter, prime in zip(letters, primes):
        _raised_and_attached(letter, prime, f.em)
        # at the letter's top, neither on its baseline nor floating above it
        assert prime["ink"][3] < _ink_middle(letter), (letter, prime)
        assert prime["ink"][1] >= letter["ink"][1] - 0.25 * f.em, (letter, prime)
    widths = [p["ink"][2] - p["ink"][0] for p in primes]
    assert widths[0] < widths[1] < widths[2] < 3.5 * widths[0]  # one tick each, side by side


def test_blackboard_bold_is_upright_in_its_own_font(layout):
    f = _Boxes(layout["reals"])
    for r in f.all("R"):
        assert "KaTeX_AMS" in r["family"] and r["style"] == "normal", r
    assert len(f.all("R")) == 2 and all(layout["reals"]["fonts"])
    _raised_and_attached(f.one("R"), f.one("n"), f.em)


@pytest.mark.parametrize("name, accent, index", [("bar", "ˉ", "i"), ("dot", "˙", "10")])
def test_an_accent_sits_over_its_letter_and_the_index_under_it(layout, name, accent, index):
    f = _Boxes(layout[name])
    v, mark, sub = f.one("v"), f.one(accent), f.one(index)
    assert mark["ink"][3] <= v["ink"][1] + 0.5, (v, mark)  # above the letter
    assert mark["ink"][0] < v["ink"][2] and mark["ink"][2] > v["ink"][0], (v, mark)  # over it
    assert sub["baseline"] - v["baseline"] >= 0.1 * f.em, (v, sub)  # lowered
    assert -0.15 * f.em <= sub["ink"][0] - v["ink"][2] <= 0.2 * f.em, (v, sub)


def test_a_fraction_has_its_numerator_over_the_bar_over_its_denominator(layout):
    f = _Boxes(layout["fraction"])
    bar = layout["fraction"]["fracLine"]
    y, x = f.one("y"), f.one("x")
    assert y["ink"][3] < bar[1] <= bar[3] < x["ink"][1], (y, bar, x)
    assert bar[0] <= min(y["ink"][0], x["ink"][0]) and bar[2] >= max(y["ink"][2], x["ink"][2])


def test_a_matrix_has_rows_and_centred_columns(layout):
    f = _Boxes(layout["matrix"])  # KaTeX writes a matrix column by column
    a, c, b, d = f.one("3"), f.one("2"), f.one("2", 1), f.one("7")
    assert a["baseline"] == pytest.approx(b["baseline"], abs=0.5)
    assert c["baseline"] == pytest.approx(d["baseline"], abs=0.5)
    assert c["baseline"] - a["baseline"] > 1.0 * f.em  # the second row under the first
    assert abs((a["left"] + a["right"]) - (c["left"] + c["right"])) < 1  # columns centred
    assert b["ink"][0] > a["ink"][2] + 0.5 * f.em  # and apart


def test_aligned_equations_line_up_their_equals_signs(layout):
    f = _Boxes(layout["aligned"])
    first, second = f.one("="), f.one("=", 1)
    assert abs(first["left"] - second["left"]) < 0.5
    assert second["baseline"] - first["baseline"] > f.em


def test_every_other_command_typesets_on_one_line(layout):
    found = layout["symbols"]
    assert found["width"] > 20 * found["em"] and found["height"] < 4 * found["em"]
