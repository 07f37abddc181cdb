"""Drawings speak the tables' notation: the labels read off the drawn SVG are the table's cells.

The table's HTML cells (``v<sub>3</sub>``, ``&sigma;``, ``v<sub>3</sub><sup>&minus;2</sup>``)
are the reference.  The SVG's texts are mapped back to that markup by this test's own
tables of Unicode sub- and superscript characters, so a drawing that wrote ``v3^-2``,
``sigma`` or ``1/v-1`` would not compare equal.
"""

import html
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

import minigrad as mg
from minigrad.examples import lognormal
from minigrad.explain import layout, typeset

from test_layout import drawn

SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₋", "0123456789\u2212"))
SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789\u2212"))


def as_markup(text: str) -> str:
    """Unicode scripts back to ``<sub>``/``<sup>`` runs, for comparison with the table."""
    for table, tag in ((SUBSCRIPTS, "sub"), (SUPERSCRIPTS, "sup")):
        text = re.sub(f"[{''.join(table)}]+",
                      lambda m: f"<{tag}>{''.join(table[c] for c in m.group())}</{tag}>", text)
    return text


def cell(markup: str) -> str:
    """A table cell as plain characters, its sub/superscript tags kept (minus as U+2212)."""
    return html.unescape(markup.replace("-", "\u2212"))


@pytest.fixture(params=["dot", "wasm"])
def engine(request, monkeypatch):
    if request.param == "dot" and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    if request.param == "wasm":
        monkeypatch.setattr(layout, "engine", lambda: "wasm")
    return request.param


@pytest.mark.parametrize("mode, naming", [("reverse", "v"), ("forward", "baydin"),
                                          (None, "w")])
def test_drawn_labels_are_the_tables_cells(engine, mode, naming):
    g = mg.trace(lognormal, 1.5, 0.0, 2.0)
    wrt = "sigma" if mode == "forward" else None
    table = g.table(mode=mode, wrt=wrt, naming=naming)
    nodes, edges = drawn(g.to_svg(mode=mode, wrt=wrt, naming=naming))
    accent = {"forward": "&#775;", "reverse": "&#772;"}.get(mode)
    assert len(nodes) == len(table.rows) == 10
    for row in table.rows:
        cells = table.cells(row, "html")
        lines = [as_markup(t) for t in nodes[row.var]]  # Graphviz's ids are the table's names
        assert lines[0] == cell(f"{cells[0]} = {cells[1]}")
        assert lines[1] == cell(f"= {cells[2]}")
        if mode:
            name = cells[0].replace("<sub>", accent + "<sub>", 1)
            assert lines[2] == cell(f"{name} = {cells[4]}")
        partials = [p for p in cells[3].split(", ") if p]
        assert len(partials) == len(row.partials)
        for (source, _), partial in zip(row.partials, partials):
            value = re.fullmatch(r"&part;.+?/&part;.+? = (.+)", partial).group(1)
            assert as_markup(edges[(source, row.var)]) == cell(value)


def test_the_notation_of_the_issue():
    """What issue 25 asked for, written out by hand."""
    g = mg.trace(lognormal, 1.5, 0.0, 2.0)
    nodes, edges = drawn(g.to_svg(mode="reverse"))
    assert nodes["v3"] == ["v₃ = σ", "= 2", "v̄₃ = −0.21875"]
    assert edges[("v3", "v5")] == "−v₄ v₃⁻²"
    assert nodes["v10"][0] == "v₁₀ = v₉ − (0.5 log 2 π)"
    baydin = drawn(g.to_svg(naming="baydin"))[1]
    assert baydin[("v0", "v2")] == "−v₁ v₀⁻²" and baydin[("v-1", "v1")] == "−1"
    frames = g.frames(mode="reverse", naming="baydin")
    assert frames.edge_labels()[("v1", "v2")] == "1/v₀ = 0.5"  # not 1/v-1 = 0.5


def test_scripts_without_a_unicode_form_keep_a_caret():
    assert typeset.from_html("v<sub>1</sub><sup>v<sub>2</sub> &minus; 1</sup>") == "v₁^(v₂ − 1)"
    assert typeset.from_html("x<sup>T</sup>") == "x^T"
    assert typeset.from_html("&lt;sub&gt;1&lt;/sub&gt;") == "<sub>1</sub>"  # a user's text


def test_a_name_that_looks_like_markup_is_drawn_as_written():
    def f(x):
        return x * 2.0

    f.__name__ = "<sub>1</sub>"
    g = mg.trace(f, 3.0)
    svg = g.to_svg()
    root = ET.fromstring(svg)
    title = root.find("{http://www.w3.org/2000/svg}g/{http://www.w3.org/2000/svg}title")
    assert title.text.strip() == "<sub>1</sub>"
