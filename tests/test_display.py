"""What a notebook shows: graphs and programs as SVG drawings fitted to a cell, frames as a
self-contained stepper whose keys and buttons work in a real browser."""

import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

import minigrad as mg
from minigrad.examples import lognormal
from minigrad.explain import display, layout

from test_layout import drawn


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list:
    parser = Tags()
    parser.feed(page)
    return parser.tags


@pytest.fixture(scope="module")
def graph():
    return mg.trace(lognormal, 1.5, 0.0, 2.0)


def test_a_graph_displays_as_its_drawing_with_values(graph):
    bundle = graph._repr_mimebundle_()
    assert bundle["text/plain"] == repr(graph)
    nodes, edges = drawn(bundle["image/svg+xml"])
    assert nodes["v5"][:2] == ["v₅ = v₄ / v₃", "= 0.75"]  # (1.5 - 0) / 2
    assert len(edges) == 10


def test_display_shows_adjoints_or_tangents(graph):
    reverse = drawn(graph.display(mode="reverse").svg)[0]
    assert reverse["v3"][-1] == "v̄₃ = −0.21875"  # (y-mu)^2/sigma^3 - 1/sigma
    forward = drawn(graph.display(mode="forward", wrt="sigma").svg)[0]
    assert forward["v3"][-1] == "v̇₃ = 1" and forward["v1"][-1] == "v̇₁ = 0"


def test_the_programs_display_as_drawings(graph):
    for program in (graph.backward_graph(), graph.forward_graph(wrt="y")):
        nodes, _ = drawn(program._repr_mimebundle_()["image/svg+xml"])
        assert len(nodes) == len(program.variables)


def test_a_wide_graph_is_laid_out_top_to_bottom_to_stay_legible():
    def chain(x):
        for _ in range(12):
            x = x * 1.5 + 0.25
        return x

    g = mg.trace(chain, 1.0)
    assert g.display(rankdir="LR").width > display.FIT_WIDTH  # the default layout would not fit
    fitted = g.display()
    assert fitted.width <= display.FIT_WIDTH
    assert fitted.height > fitted.width
    # 14 pt labels, scaled to an 800 px cell, are at least 12 px high.
    assert 14 * 4 / 3 * min(1.0, 800 / (fitted.width * 4 / 3)) >= 12


def test_a_graph_too_large_to_draw_displays_the_reason_not_a_traceback():
    g = mg.trace(lambda *xs: sum(xs), *[1.0] * layout.MAX_NODES)
    bundle = g._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert "limit of 500" in bundle["text/plain"] and "max_nodes" in bundle["text/html"]


def test_frames_display_as_a_self_contained_stepper(graph):
    pages = [graph.frames(mode="reverse")._repr_html_(),
             graph.frames(mode="forward", wrt="y")._repr_html_()]
    ids = []
    for page in pages:
        assert "http://" not in page and "https://" not in page
        assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", page)
        found = tags(page)
        sections = [a for t, a in found if t == "section"]
        assert len(sections) == 7 and page.count("<svg") == 1  # one drawing, repainted per step
        assert "hidden" not in sections[0] and all("hidden" in a for a in sections[1:])
        ids += [a["id"] for t, a in found if "id" in a]
        root = found[0][1]
        assert root["class"] == "mg-stepper" and root["tabindex"] == "0"
        # every style rule is scoped to this stepper
        style = page[page.index("<style>") + len("<style>"):page.index("</style>")]
        selectors = [part.strip() for rule in re.findall(r"([^{}]+)\{", style)
                     for part in rule.split(",")]
        assert len(selectors) > 10
        assert all(sel.startswith(f"#{root['id']}") for sel in selectors), selectors
    assert len(ids) == len(set(ids))  # two steppers in one notebook do not clash


def test_the_stepper_without_any_layout_engine_still_steps_through_the_table(graph, monkeypatch):
    monkeypatch.setattr(layout, "engine", lambda: None)
    page = graph.frames()._repr_html_()
    assert "<svg" not in page and page.count("<section") == 7 and "apt-get install graphviz" in page


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_the_stepper_answers_keys_and_buttons_in_a_browser(graph, tmp_path):
    reverse = graph.frames(mode="reverse")
    first = reverse._repr_html_()
    second = graph.frames(mode="forward", wrt="y")._repr_html_()
    uid = re.search(r'id="(mg-[0-9a-f]+)"', first).group(1)
    other = re.search(r'id="(mg-[0-9a-f]+)"', second).group(1)
    # Two key presses and a click on "next" in the first stepper; the second stays put.
    driver = f"""<script>
    var root = document.getElementById("{uid}");
    root.focus();
    for (var k of ["ArrowRight", "ArrowRight"])
      root.dispatchEvent(new KeyboardEvent("keydown", {{key: k, bubbles: true}}));
    root.querySelector("button.next").click();
    document.body.setAttribute("data-shown",
      [].map.call(root.querySelectorAll("section"), function (s) {{ return s.hidden ? 0 : 1; }}).join(""));
    document.body.setAttribute("data-other",
      document.getElementById("{other}").querySelector(".counter").textContent);
    document.body.setAttribute("data-drawn", JSON.stringify([].map.call(
      root.querySelectorAll("g.node, g.edge"), function (g) {{
        var line = g.querySelector("text.sweep-line");
        return [g.querySelector("title").textContent, g.classList.contains("highlight"),
                line ? line.textContent : null]; }})));
    </script>"""
    page = tmp_path / "two.html"
    page.write_text(f"<!DOCTYPE html><html><body>{first}{second}{driver}</body></html>",
                    encoding="utf-8")
    dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    assert 'data-shown="0001000"' in dom  # the fourth step of seven
    assert 'data-other="1 / 7"' in dom
    assert re.search(rf'id="{uid}".*?class="counter">4 / 7<', dom, re.S)
    # The one drawing, repainted by the script, shows what Graphviz draws for step 4 alone
    # (the slide file of that step, laid out from its own DOT source).
    painted = json.loads(html.unescape(re.search(r'data-drawn="([^"]*)"', dom).group(1)))
    nodes, edges = drawn(reverse.svgs()[3])
    step = reverse[3]
    assert {t: on for t, on, _ in painted if "->" in t} == {
        f"{a}->{b}": (a, b) in step.edges for a, b in edges}
    assert {t: (on, line) for t, on, line in painted if "->" not in t} == {
        name: (name == step.active, texts[2]) for name, texts in nodes.items()}
