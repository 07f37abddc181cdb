"""The lecture notes build into a static site (``mkdocs build --strict``), figures in place.

Where MkDocs is not installed the test skips, except under CI (``CI=true``), which
installs the ``docs`` extra and must build the site.
"""

import html
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import headless

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(p.stem for p in (ROOT / "docs").glob("0*.md"))


def _mkdocs_or_fail_under_ci():
    try:
        import mkdocs  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI must build the docs site: install the docs extra, "
                        "pip install -e \".[docs]\" -c .ci/constraints.txt")
        pytest.skip("MkDocs is not installed (pip install -e \".[docs]\")")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built once with the documented command into a temporary directory."""
    _mkdocs_or_fail_under_ci()
    out = tmp_path_factory.mktemp("site")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return out


class _Resources(HTMLParser):
    """The images and scripts a page loads, and its links."""

    def __init__(self):
        super().__init__()
        self.images, self.loads, self.links = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a["src"])
        fetched = tag == "link" and a.get("href") and a.get("rel") != "canonical"  # a name, not a load
        if tag in ("img", "script") and a.get("src") or fetched:
            self.loads.append(a.get("src") or a.get("href"))
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def _page(site: Path, name: str) -> tuple[Path, _Resources]:
    html = site / f"{name}.html"  # use_directory_urls: false, so that it browses from disk
    assert html.is_file(), f"{name}.md was not built"
    parser = _Resources()
    parser.feed(html.read_text(encoding="utf-8"))
    return html, parser


def test_the_chapters_are_numbered_one_to_eight():
    assert [c[:2] for c in CHAPTERS if c[2] == "-"] == [f"{k:02d}" for k in range(1, 9)]
    assert all(re.match(r"\d\d[a-z]?-", c) for c in CHAPTERS)  # 03b: after chapter 3


@pytest.mark.parametrize("name", ["index", "explainer", *CHAPTERS])
def test_every_page_is_built_and_its_images_are_in_the_site(site, name):
    html, page = _page(site, name)
    for src in page.images:
        assert (html.parent / src).resolve().is_file(), f"{name}: {src} is not in the site"
    source = (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8")
    assert len(page.images) == len(re.findall(r"!\[[^\]]*\]\(", source))


def test_the_figures_are_shown_where_the_chapters_reference_them(site):
    shown = {name: [Path(src).name for src in _page(site, name)[1].images] for name in CHAPTERS}
    assert shown["04-cost-of-modes"] == ["cost-of-modes-counts.svg", "cost-of-modes-time.svg"]
    assert shown["07-testing"] == ["fd-error.svg"]
    slides = (ROOT / "docs" / "08-slides.md").read_text(encoding="utf-8")
    assert shown["08-slides"] == re.findall(r"!\[[^\]]*\]\(figures/([^)]+)\)", slides)
    assert "lognormal-reverse-step-6.svg" in shown["08-slides"]
    for svg in (site / "figures").iterdir():
        assert svg.read_bytes() == (ROOT / "docs" / "figures" / svg.name).read_bytes()


def test_the_site_loads_nothing_from_the_network_and_leaves_the_generator_out(site):
    for html in site.rglob("*.html"):
        page = _Resources()
        page.feed(html.read_text(encoding="utf-8"))
        remote = [u for u in page.loads if re.match(r"(https?:)?//", u)]
        assert not remote, f"{html.relative_to(site)} loads {remote}"
    assert not list(site.rglob("generate.py"))


class _Prose(HTMLParser):
    """The text of a page outside code, scripts and typeset maths: where raw TeX would show."""

    SKIP = {"pre", "code", "script", "style", "math", "svg"}

    def __init__(self):
        super().__init__()
        self.text, self._skipping = [], []

    def handle_starttag(self, tag, attrs):
        katex = "katex" in (dict(attrs).get("class") or "").split()
        if self._skipping or tag in self.SKIP or katex:
            self._skipping.append(tag)

    def handle_endtag(self, tag):
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data):
        if not self._skipping:
            self.text.append(data)


@pytest.mark.parametrize("name", ["index", "explainer", *CHAPTERS])
def test_no_page_shows_raw_tex(site, name):
    prose = _Prose()
    prose.feed((site / f"{name}.html").read_text(encoding="utf-8"))
    text = " ".join(prose.text)
    assert "katex" in (site / f"{name}.html").read_text(encoding="utf-8") or name == "explainer"
    assert not _RAW_TEX.findall(text) and "$" not in text, \
        [m.group(0) for m in re.finditer(r".{0,40}(\$|\\[a-z]+).{0,40}", text)][:3]


def test_the_home_page_links_every_chapter(site):
    _, home = _page(site, "index")
    linked = {h.split("#")[0].removesuffix(".html") for h in home.links}
    assert set(CHAPTERS) | {"explainer"} <= linked


def test_every_chapter_links_its_notebook_which_has_the_page_s_code(site):
    for name in [*CHAPTERS, "explainer"]:
        _, page = _page(site, name)
        href = f"notebooks/{name}.ipynb"
        assert href in page.links, f"{name} does not link {href}"
        cells = json.loads((site / href).read_text(encoding="utf-8"))["cells"]
        source = (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8")
        # the first cell installs minigrad from the wheel the site ships beside the notebook,
        # fetched from the site's address where the notebook is opened alone (Colab)
        wheel, url = re.search(r'WHEEL, SITE = "([\w.-]+\.whl)", "(.*)"',
                               "".join(cells[0]["source"])).groups()
        assert (site / "notebooks" / wheel).is_file() and f"notebooks/{wheel}" in page.links
        assert url == _site_url() + "notebooks/"
        written = [c for c in cells if "".join(c["source"]).startswith("%%writefile")]
        assert len(written) == (len(list((ROOT / "examples").glob("*.py")))
                                if "<!-- the tutorial scripts -->" in source else 0)
        assert sum(c["cell_type"] == "code" for c in cells) == \
            source.count("```python\n") + 1 + len(written)


def _site_url() -> str:
    """The site's address as mkdocs.yml gives it (SITE_URL, or the documented default)."""
    from mkdocs.config import load_config

    return load_config(str(ROOT / "mkdocs.yml"))["site_url"]


def test_the_site_url_is_set_from_SITE_URL_with_mkdocs_serve_s_address_as_default(monkeypatch):
    _mkdocs_or_fail_under_ci()
    monkeypatch.delenv("SITE_URL", raising=False)
    assert _site_url() == "http://127.0.0.1:8000/"  # where `mkdocs serve` serves it
    monkeypatch.setenv("SITE_URL", "https://example.org/ad-course/")
    assert _site_url() == "https://example.org/ad-course/"


def test_the_api_reference_documents_the_modules_and_the_command(site):
    expected = {"minigrad": ["minigrad.trace", "minigrad.grad", "minigrad.jvp", "minigrad.Graph",
                             "minigrad.jit.jit", "minigrad.checkpoint", "minigrad.checkpoint_name",
                             "minigrad.checkpoint_policies", "minigrad.remat.save_only_these_names"],
                "numpy": ["minigrad.numpy"],
                "lax": ["minigrad.lax.scan", "minigrad.lax.fori_loop", "minigrad.lax.while_loop",
                        "minigrad.lax.cond", "minigrad.lax.switch"],
                "linalg": ["minigrad.linalg.norm", "minigrad.linalg.slogdet", "minigrad.linalg.svd"],
                "testing": ["minigrad.testing.check_agreement", "minigrad.testing.strategies"],
                "jaxbridge": ["jaxbridge.grad", "jaxbridge.check_gradients_at"],
                "cli": ["minigrad.cli.main"]}
    for name, ids in expected.items():
        text = (site / "api" / f"{name}.html").read_text(encoding="utf-8")
        assert all(f'id="{i}"' in text for i in ids), (name, [i for i in ids if f'id="{i}"' not in text])
    import minigrad.linalg

    linalg = (site / "api" / "linalg.html").read_text(encoding="utf-8")
    undocumented = [name for name in minigrad.linalg.__all__  # by its docstring or the entries' table
                    if f'id="minigrad.linalg.{name}"' not in linalg and f"<code>{name}(" not in linalg]
    assert not undocumented, f"docs/api/linalg.md does not document {undocumented}"
    cli = (site / "api" / "cli.html").read_text(encoding="utf-8")
    for command in ["table", "graph", "frames", "slides", "check", "demo"]:
        assert f"usage: minigrad {command}" in cli


def test_the_tutorials_chapter_lists_every_script_in_full(site):
    tutorials = (site / "06c-tutorials.html").read_text(encoding="utf-8")
    for script in (ROOT / "examples").glob("*.py"):
        assert f"<summary><code>{script.name}</code></summary>" in tutorials
        first = script.read_text(encoding="utf-8").splitlines()[0]
        assert first[:40] in html.unescape(re.sub(r"<[^>]+>", "", tutorials))
    assert not (site / "tutorials.html").exists()  # one page, not two


# -- the site in a browser: what a student sees --------------------------------------------

SCREENSHOTS = ROOT / "build" / "docs-screenshots"  # for a person to look at; git ignores build/
BROWSER_PAGES = ["02-forward-mode", "03-reverse-mode", "08-slides", "01-chain-rule", "05-higher-order",
                 "explainer"]
MIN_LABEL_PX = 12  # drawings' labels at a page 800 px wide


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's ``chromium``; .ci/run installs it), network cut off."""
    program = headless.chromium()
    if program is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI must open the docs in Chromium: apt-get install chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    b = headless.Browser(program, width=800, height=1000)
    yield b
    b.close()


@pytest.fixture(scope="module")
def opened(site, browser):
    """Each page of BROWSER_PAGES loaded from a local server, a screenshot taken: page ->
    what the page's script found (see _INSPECT)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    found = {}
    with headless.serve(site) as base:
        for name in BROWSER_PAGES:
            browser.requests.clear()
            browser.open(base + f"{name}.html")
            found[name] = browser.evaluate(_INSPECT)
            found[name]["requests"] = list(browser.requests)
            found[name]["base"] = base
            found[name]["stepper"] = _step_through(browser) if found[name]["steppers"] else None
            browser.evaluate("window.scrollTo(0, 0)")  # the header where it belongs
            browser.screenshot(SCREENSHOTS / f"{name}.png")
    return found


# What a page shows: its visible prose (code blocks aside), its formulas, images and the
# smallest drawing label as rendered (font size in the SVG times the drawing's scale).
_INSPECT = """(async () => {
  const content = document.querySelector(".md-content").cloneNode(true);
  content.querySelectorAll("pre, code, math, script, style, .mg-stepper").forEach(e => e.remove());
  const maths = [...document.querySelectorAll(".md-content .katex-html")];
  const images = [...document.querySelectorAll(".md-content img")];
  const labels = [];
  async function svgOf(img) {
    const text = await (await fetch(img.src)).text();
    return new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
  }
  for (const img of images.filter(i => i.src.endsWith(".svg"))) {
    const svg = await svgOf(img);
    if (!svg.querySelector("g.node")) continue;  // a plot, not a graph drawing
    const scale = img.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll("text"))
      labels.push({where: img.src.split("/").pop(), px: parseFloat(t.getAttribute("font-size")) * scale});
  }
  for (const svg of document.querySelectorAll(".mg-stepper section:not([hidden]) svg")) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll("text"))
      labels.push({where: "stepper", px: parseFloat(t.getAttribute("font-size")) * scale});
  }
  labels.sort((a, b) => a.px - b.px);
  return {
    text: content.innerText,
    maths: maths.length,
    typeset: maths.filter(m => m.getBoundingClientRect().width > 0).length,
    errors: document.querySelectorAll(".md-content .katex-error").length,
    images: images.map(i => ({src: i.src.split("/").pop(), loaded: i.complete && i.naturalWidth > 0})),
    smallest: labels.slice(0, 3),
    steppers: document.querySelectorAll(".mg-stepper").length,
  };
})()"""

# Which step each stepper shows: its counter, its visible section, and that section's
# highlighted table row and drawing caption.
_STEPPER_STATE = """[...document.querySelectorAll(".mg-stepper")].map(s => {
  const shown = [...s.querySelectorAll("section.frame")].filter(f => !f.hidden);
  return {counter: s.querySelector(".counter").textContent, shown: shown.map(f => f.id.split("-").pop()),
          active: shown.map(f => f.dataset.active),
          row: shown.map(f => (f.querySelector("tr.active td") || {}).textContent)};
})"""


def _step_through(browser) -> dict:
    """Each stepper's state before and after a real ArrowRight key press (the stepper
    focused, as a click focuses it), and after a click on its 'previous' button."""
    before = browser.evaluate(_STEPPER_STATE)
    after_key, after_click = [], []
    for k in range(len(before)):
        browser.evaluate(f"document.querySelectorAll('.mg-stepper')[{k}].focus()")
        browser.press("ArrowRight", "ArrowRight", 39)
        after_key.append(browser.evaluate(_STEPPER_STATE)[k])
        browser.evaluate(f"document.querySelectorAll('.mg-stepper')[{k}].querySelector('button.prev').click()")
        after_click.append(browser.evaluate(_STEPPER_STATE)[k])
    return {"before": before, "after_key": after_key, "after_click": after_click}


_RAW_TEX = re.compile(r"\$[^$\n]+\$|\\(?:frac|partial|bar|dot|sum|sigma|mu|mathcal|tfrac|"
                      r"begin|end|qquad|varepsilon|cdot|text)\b")


@pytest.mark.parametrize("name", BROWSER_PAGES)
def test_the_page_shows_typeset_maths_and_no_tex(opened, name):
    page = opened[name]
    assert not _RAW_TEX.findall(page["text"]), f"{name}: raw TeX in the visible text"
    source = (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8")
    prose = re.sub(r"^```.*?^```|`[^`\n]*`", "", source, flags=re.S | re.M)
    formulas = len(re.findall(r"\$\$.+?\$\$|\$[^$\n]+\$", prose, re.S))
    assert page["maths"] >= formulas and (formulas > 0 or name == "explainer")
    assert page["typeset"] == page["maths"], f"{name}: a formula has no width"
    assert page["errors"] == 0


@pytest.mark.parametrize("name", BROWSER_PAGES)
def test_every_image_loads_and_every_drawing_label_is_legible(opened, name):
    page = opened[name]
    assert page["images"] and all(i["loaded"] for i in page["images"]), page["images"]
    assert page["smallest"], f"{name}: no graph drawing"
    assert page["smallest"][0]["px"] >= MIN_LABEL_PX, page["smallest"]


@pytest.mark.parametrize("name", BROWSER_PAGES)
def test_no_request_leaves_the_machine(opened, name):
    page = opened[name]
    remote = [u for u in page["requests"] if not u.startswith((page["base"], "data:", "blob:"))]
    assert page["requests"] and not remote, remote


@pytest.mark.parametrize("name", ["02-forward-mode", "03-reverse-mode", "08-slides"])
def test_the_stepper_steps_on_a_key_press_drawing_and_table_in_step(opened, name):
    steps = opened[name]["stepper"]
    assert steps, f"{name} has no stepper"
    for before, key, click in zip(steps["before"], steps["after_key"], steps["after_click"]):
        assert before["counter"].startswith("1 / ") and before["shown"] == ["1"]
        assert key["counter"].startswith("2 / ") and key["shown"] == ["2"], key
        assert key["active"] != before["active"]
        # the drawing's highlighted variable is the table's highlighted row
        assert [row.replace(" ", "") for row in key["row"]] == key["active"], key
        assert click == before


# The contrast of each text in the shown steps' tables against its painted background.
_CONTRAST = """(() => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const painted = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
    if (!/rgba\\(0, 0, 0, 0\\)|transparent/.test(c)) return c; } return "rgb(255, 255, 255)"; };
  return [...document.querySelectorAll(".mg-stepper section:not([hidden]) td, .md-content > article td")]
    .filter(e => e.textContent.trim()).map(e => {
      const [a, b] = [lum(getComputedStyle(e).color), lum(painted(e))].sort((x, y) => y - x);
      return (a + 0.05) / (b + 0.05); });
})()"""


def test_tables_stay_readable_in_the_dark_scheme(site, browser):
    browser.call("Emulation.setEmulatedMedia", session=True,
                 features=[{"name": "prefers-color-scheme", "value": "dark"}])
    try:
        with headless.serve(site) as base:
            browser.open(base + "02-forward-mode.html")
            ratios = browser.evaluate(_CONTRAST)
            browser.evaluate("window.scrollTo(0, 0)")
            browser.screenshot(SCREENSHOTS / "02-forward-mode-dark.png")
    finally:
        browser.call("Emulation.setEmulatedMedia", session=True, features=[])
    assert len(ratios) > 20 and min(ratios) >= 4.5, sorted(ratios)[:5]  # WCAG AA


# -- nothing a reader needs hides off-screen at 800 px, in either colour scheme -------------

# What overflows its box (Python code may scroll; nothing else), whether each text table
# (javascripts/fit-tables.js) is shown without wrapped lines and at what font size, and the
# contrast of the steppers' buttons.
_WIDTHS = """(() => {
  const parse = c => { const v = c.match(/[\\d.]+/g).map(Number); return {rgb: v.slice(0, 3), a: v.length > 3 ? v[3] : 1}; };
  const lum = rgb => { const [r, g, b] = rgb.map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const painted = e => { for (; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c.a > 0) return c.rgb; } return [255, 255, 255]; };
  const contrast = e => { const bg = painted(e), fg = parse(getComputedStyle(e).color);
    const seen = fg.rgb.map((v, i) => v * fg.a + bg[i] * (1 - fg.a));  // a translucent text
    const [a, b] = [lum(seen), lum(bg)].sort((x, y) => y - x); return (a + 0.05) / (b + 0.05); };
  const content = document.querySelector(".md-content").getBoundingClientRect();
  const hidden = [];
  for (const e of document.querySelectorAll(".md-content pre > code, .md-content .md-typeset__scrollwrap, .md-content .mg-stepper, .md-content div.math")) {
    if (e.closest(".language-python, .language-py")) continue;
    if (e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > content.right + 1)
      hidden.push(e.textContent.slice(0, 80));
  }
  const boxes = node => { const r = document.createRange(); r.selectNodeContents(node); return [...r.getClientRects()]; };
  const texts = e => { const w = document.createTreeWalker(e, NodeFilter.SHOW_TEXT), found = [];
    while (w.nextNode()) if (w.currentNode.textContent.trim()) found.push(w.currentNode); return found; };
  const tables = [...document.querySelectorAll(".md-content code.mg-text-table")].map(code => {
    const s = getComputedStyle(code), text = code.dataset.copy || code.textContent;
    const right = code.getBoundingClientRect().right - parseFloat(s.paddingRight) + 1;
    const grid = code.classList.contains("mg-text-grids");
    let wrapped;
    if (grid) {  // an HTML table: a number or a word broken across lines, or a cell off its box
      const cells = [...code.querySelectorAll("td, th")];
      wrapped = cells.some(c => !/\\s/.test(c.textContent) && boxes(c).length > 1)
                || cells.some(c => c.getBoundingClientRect().right > right);
    } else {
      const lines = text.replace(/\\n$/, "").split("\\n").length;
      const inner = code.scrollHeight - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);
      wrapped = Math.round(inner / parseFloat(s.lineHeight)) > lines;
    }
    // the copy button sits over the block's top right: no text may run under it
    const button = code.parentElement.querySelector(".md-code__button, .md-clipboard");
    const b = button && button.getBoundingClientRect();
    const covered = !b ? [] : texts(code).filter(t => boxes(t).some(r =>
      r.right > b.left && r.left < b.right && r.bottom > b.top && r.top < b.bottom));
    return {first: text.slice(0, 60), px: parseFloat(s.fontSize), grid, wrapped, button: !!button,
            copied: code.closest("[data-copy]") ? code.closest("[data-copy]").dataset.copy : null,
            covered: covered.map(t => t.textContent.trim().slice(0, 40))};
  });
  const buttons = [...document.querySelectorAll(".mg-stepper button")].map(contrast);
  return {hidden, tables, buttons, code: parseFloat(getComputedStyle(document.querySelector(".md-content code")).fontSize)};
})()"""

# The text tables a reader scans to their last column: shown whole, without wrapped lines.
UNWRAPPED = {"explainer": ["var │ expression"], "03b-adjoint-program": ["var │ expression"],
             "07-testing": ["False\nrules of my_sin: jvp"],  # an HTML table
             "04-cost-of-modes": ["  n   m │", "   d │ primal"]}


WINDOWS = [("light", 800), ("dark", 800), ("light", 1280)]  # 1280: the content 688 px wide


@pytest.fixture(scope="module", params=WINDOWS, ids=lambda w: f"{w[0]}-{w[1]}px")
def widths(request, site, browser):
    """Page -> what _WIDTHS found, with the colour scheme and window width ``request.param``."""
    scheme, width = request.param
    browser.call("Emulation.setEmulatedMedia", session=True,
                 features=[{"name": "prefers-color-scheme", "value": scheme}])
    browser.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=1000,
                 deviceScaleFactor=1, mobile=False)
    found = {}
    try:
        with headless.serve(site) as base:
            for name in [*CHAPTERS, "explainer", "index"]:
                browser.open(base + f"{name}.html")
                found[name] = browser.evaluate(_WIDTHS)
            browser.open(base + "02-forward-mode.html")
            browser.evaluate("document.querySelector('.mg-stepper').scrollIntoView()")
            browser.screenshot(SCREENSHOTS / f"02-forward-mode-stepper-{scheme}-{width}.png",
                               full_page=False)
    finally:
        browser.call("Emulation.setEmulatedMedia", session=True, features=[])
        browser.call("Emulation.setDeviceMetricsOverride", session=True, width=800, height=1000,
                     deviceScaleFactor=1, mobile=False)
    return found


@pytest.mark.parametrize("name", [*CHAPTERS, "explainer", "index"])
def test_nothing_but_python_code_scrolls_sideways(widths, name):
    assert widths[name]["hidden"] == [], f"{name}: these scroll or stick out"


def test_text_tables_fit_without_wrapping_and_stay_legible(widths):
    for name, starts in UNWRAPPED.items():
        tables = widths[name]["tables"]
        for start in starts:
            shown = [t for t in tables if t["first"].startswith(start)]
            assert shown and not any(t["wrapped"] for t in shown), (name, start, tables)
    for name, page in widths.items():  # none shrinks below 70 % of the code font
        assert all(t["px"] >= 0.7 * page["code"] - 0.01 for t in page["tables"]), name
    # chapter 7's rules report, too wide to shrink legibly: its cells in columns
    report = [t for t in widths["07-testing"]["tables"] if t["first"].startswith("False\nrules")]
    assert report[0]["grid"] and report[0]["px"] >= 0.8 * widths["07-testing"]["code"]
    # and its copy button copies the text as printed (Material copies data-copy), not the cells
    printed = re.findall(r"<!-- output -->\n```text\n(.*?)```",
                         (ROOT / "docs" / "07-testing.md").read_text(encoding="utf-8"), re.S)
    assert report[0]["copied"].rstrip() in [p.rstrip() for p in printed]  # Material trims it


def test_no_text_runs_under_the_copy_button(widths):
    tables = [(name, t) for name, page in widths.items() for t in page["tables"]]
    assert sum(t["button"] for _, t in tables) >= 10
    covered = [(name, t["first"][:30], t["covered"]) for name, t in tables if t["covered"]]
    assert not covered, covered


def test_the_stepper_buttons_are_legible_in_both_colour_schemes(widths):
    for name in ["02-forward-mode", "03-reverse-mode", "08-slides"]:
        buttons = widths[name]["buttons"]
        assert buttons and min(buttons) >= 4.5, (name, buttons)  # WCAG AA
