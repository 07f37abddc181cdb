"""The Graphviz drawing of the log-normal graph: nodes, edges and labels, as Graphviz reads them."""

import json
import shutil
import subprocess

import pytest

import minigrad as mg
from minigrad.explain import layout
from minigrad.examples import lognormal

# Edges and their local partials, read off the reference table in examples.md, typeset as
# the tables print them (subscripts, superscripts, a real minus sign).
REFERENCE_EDGES = {
    ("v1", "v4"): "1", ("v2", "v4"): "−1",
    ("v4", "v5"): "1/v₃", ("v3", "v5"): "−v₄ v₃⁻²",
    ("v5", "v6"): "2 v₅", ("v6", "v7"): "−0.5", ("v3", "v8"): "1/v₃",
    ("v7", "v9"): "1", ("v8", "v9"): "−1", ("v9", "v10"): "1",
}
# Adjoints from the closed-form gradient at (y, mu, sigma) = (1.5, 0, 2):
# d/dy = -(y - mu)/sigma^2 = -0.375, d/dmu = 0.375, d/dsigma = (y - mu)^2/sigma^3 - 1/sigma = -0.21875.
REFERENCE_INPUT_ADJOINTS = {"v1": "v̄₁ = −0.375", "v2": "v̄₂ = 0.375",
                            "v3": "v̄₃ = −0.21875"}


@pytest.fixture(scope="module")
def graph():
    return mg.trace(lognormal, 1.5, 0.0, 2.0)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_graphviz_reads_the_nodes_edges_and_labels(graph):
    source = graph.to_dot(mode="reverse").source
    parsed = json.loads(subprocess.run(["dot", "-Tjson0"], input=source, capture_output=True,
                                       text=True, check=True).stdout)
    names = {o["_gvid"]: o["name"] for o in parsed["objects"]}
    assert sorted(names.values(), key=lambda n: int(n[1:])) == [f"v{i}" for i in range(1, 11)]
    edges = {(names[e["tail"]], names[e["head"]]): e["label"] for e in parsed["edges"]}
    assert edges == REFERENCE_EDGES
    labels = {o["name"]: o["label"] for o in parsed["objects"]}
    assert labels["v5"].splitlines()[0] == "v₅ = v₄ / v₃"
    assert labels["v10"].splitlines()[0] == "v₁₀ = v₉ − (0.5 log 2 π)"
    for name, adjoint in REFERENCE_INPUT_ADJOINTS.items():
        assert labels[name].splitlines()[-1] == adjoint


def test_output_is_deterministic_and_themed(graph):
    light = graph.to_dot(mode="forward", wrt="sigma").source
    assert light == mg.trace(lognormal, 1.5, 0.0, 2.0).to_dot(mode="forward", wrt="sigma").source
    dark = graph.to_dot(theme="dark", rankdir="TB").source
    assert "#0d1117" in dark and "rankdir=TB" in dark
    with pytest.raises(ValueError, match="unknown theme"):
        graph.to_dot(theme="neon")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
@pytest.mark.parametrize("suffix, magic", [(".svg", b"<svg"), (".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_render_writes_real_files(graph, tmp_path, suffix, magic):
    written = graph.render(tmp_path / f"g{suffix}", mode="reverse")
    assert magic in written.read_bytes()[:500]


def test_render_without_graphviz_draws_svg_and_refuses_pdf_in_one_line(graph, tmp_path, monkeypatch):
    monkeypatch.setattr(layout.shutil, "which", lambda name: None)  # Graphviz in WebAssembly
    written = graph.render(tmp_path / "g.svg", mode="reverse")
    assert written == tmp_path / "g.svg" and b"<svg" in written.read_bytes()[:500]
    for suffix in (".pdf", ".png"):
        with pytest.raises(layout.LayoutError) as err:
            graph.render(tmp_path / f"g{suffix}")
        message = str(err.value)
        assert "\n" not in message and "needs Graphviz's dot program" in message
        assert "apt-get install graphviz" in message
        assert not (tmp_path / f"g{suffix}").exists()


def test_a_comparison_is_joined_to_its_operands_by_dashed_unlabelled_edges():
    """``v₄ = v₃ > v₂`` has no derivative, so no partial; its operands still feed it: the
    drawn SVG has the edges v3 -> v4 and v2 -> v4, dashed and without a label, and the
    others as before."""
    import re

    def f(x, z):
        y = x * x
        if y > z:  # a comparison of two variables: both operands are drawn feeding it
            return y - x
        return y

    svg = mg.trace(f, 2.0, 1.0).to_svg()
    edges = {(a, b): body for a, b, body in re.findall(
        r'<g id="edge\d+" class="edge">\s*<title>(\w+)&#45;&gt;(\w+)</title>(.*?)</g>', svg, re.S)}
    assert set(edges) == {("v1", "v3"), ("v3", "v4"), ("v2", "v4"), ("v3", "v5"), ("v1", "v5")}
    for comparison in [("v3", "v4"), ("v2", "v4")]:
        assert 'stroke-dasharray' in edges[comparison] and "<text" not in edges[comparison]
    assert "<text" in edges[("v1", "v3")] and "stroke-dasharray" not in edges[("v1", "v3")]


def test_the_holds_where_caption_is_typeset_as_the_nodes_and_escaped():
    """The caption names variables as the nodes do (``v₃ < v₂``, not ``v3 < v2``), and the
    drawing prints the ``<`` as SVG text (``&lt;``): Graphviz reads the label as written."""
    def f(x, z):
        y = x * x
        return y - x if y < z else y

    graph = mg.trace(f, 1.0, 2.0)
    caption = "holds where v\u2083 < v\u2082: true"
    assert f'label="{caption}"' in graph.to_dot().source
    assert ">holds where v\u2083 &lt; v\u2082: true</text>" in graph.to_svg()
    snake = graph.frames().drawing_dot("LR", slide=True, wrap=2).source  # a slide's drawing too
    assert f'label="{caption}"' in snake


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_filled_labels_lie_on_the_background_over_their_edges(graph):
    """A Beamer drawing's edge labels (``filled_labels``, HTML-like labels) are the same
    text, each drawn over a box of the background's color, painted after its edge's line:
    a snake's turn no longer shows through its label."""
    import re

    svg = layout.svg(graph.to_dot(mode="reverse", filled_labels=True).source)
    edges = re.findall(r'<g id="edge\d+" class="edge">\s*<title>(\w+)&#45;&gt;(\w+)</title>'
                       r'\s*<path[^>]*/>\s*<polygon[^>]*/>\s*(.*?)</g>', svg, re.S)
    assert len(edges) == len(REFERENCE_EDGES)
    for tail, head, label in edges:
        assert label.startswith('<polygon fill="white"'), (tail, head, label)
        text = "".join(re.findall(r"<text[^>]*>([^<]*)</text>", label))
        assert text == REFERENCE_EDGES[tail, head]
