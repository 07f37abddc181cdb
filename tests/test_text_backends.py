"""The binary-free writers (Mermaid, TikZ), compact array labels, and scopes as clusters.

Expectations for the chain-rule example z = x1 x2 + sin x1 at (2, 5), by hand:
v1 = x1, v2 = x2, v3 = v1 v2, v4 = sin v1, v5 = v3 + v4: five nodes, and one edge per
(input variable, use) carrying the local partial:
dv3/dv1 = v2, dv3/dv2 = v1, dv4/dv1 = cos v1, dv5/dv3 = 1, dv5/dv4 = 1 (five edges).
Adjoints (seed 1 on v5): v3, v4 get 1; v2 gets v1 = 2; v1 gets v2 + cos v1 = 5 + cos 2.
"""

import math
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad.examples import chain_rule, lognormal
from minigrad.explain.text_backends import layers, to_mermaid, to_tikz

NODE = re.compile(r'^\s*(\w+)\["(.*)"\]$')
EDGE = re.compile(r'^\s*(\w+) -->\|"(.*)"\| (\w+)$')
CHAIN_EDGES = {("v1", "v3"): "v₂", ("v2", "v3"): "v₁", ("v1", "v4"): "cos v₁",
               ("v3", "v5"): "1", ("v4", "v5"): "1"}  # typeset as the tables print them


def parse_mermaid(source: str):
    """(header, {id: label lines}, {(tail, head): label}, other lines) of a flowchart."""
    lines = source.rstrip("\n").split("\n")
    nodes, edges, other = {}, {}, []
    for line in lines[1:]:
        if m := NODE.match(line):
            assert m.group(1) not in nodes, f"node {m.group(1)} defined twice"
            nodes[m.group(1)] = m.group(2).split("<br/>")
        elif m := EDGE.match(line):
            assert (m.group(1), m.group(3)) not in edges
            edges[(m.group(1), m.group(3))] = m.group(2)
        else:
            other.append(line.strip())
    return lines[0], nodes, edges, other


@pytest.fixture(scope="module")
def chain():
    return mg.trace(chain_rule, 2.0, 5.0)


def mlp_args(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((3, 4)), np.zeros(4), rng.standard_normal((4, 2)),
            np.zeros(2), rng.standard_normal((5, 3)))


# --------------------------------------------------------------------------- Mermaid

def test_mermaid_chain_rule_nodes_and_edges(chain):
    header, nodes, edges, other = parse_mermaid(chain.to_mermaid())
    assert header == "flowchart LR"
    assert list(nodes) == ["v1", "v2", "v3", "v4", "v5"]
    assert nodes["v1"] == ["v₁ = x₁", "= 2"]
    assert nodes["v3"] == ["v₃ = v₁ v₂", "= 10"]
    assert nodes["v4"][0] == "v₄ = sin v₁"
    assert nodes["v5"][0] == "v₅ = v₃ + v₄"
    assert edges == CHAIN_EDGES
    # every remaining line styles nodes: inputs, inner nodes and the output
    assert "class v1,v2 mg_input" in other and "class v3,v4 mg_node" in other
    assert "class v5 mg_output" in other
    assert all(line.startswith(("classDef ", "class ")) for line in other)


def test_mermaid_modes_show_tangents_and_adjoints(chain):
    _, nodes, _, _ = parse_mermaid(chain.to_mermaid(mode="reverse"))
    assert nodes["v1"][-1] == f"v̄₁ = {5 + math.cos(2):.6g}"
    assert nodes["v2"][-1] == "v̄₂ = 2"
    assert nodes["v5"][-1] == "v̄₅ = 1"
    _, nodes, _, _ = parse_mermaid(chain.to_mermaid(mode="forward", wrt="x2"))
    assert nodes["v1"][-1] == "v̇₁ = 0"
    assert nodes["v5"][-1] == "v̇₅ = 2"  # dz/dx2 = x1


def test_mermaid_is_deterministic_and_naming_gives_safe_ids(chain):
    assert chain.to_mermaid() == to_mermaid(mg.trace(chain_rule, 2.0, 5.0))
    header, nodes, edges, _ = parse_mermaid(chain.to_mermaid(naming="baydin"))
    # inputs v-1, v0 become ids v_m1, v0; the labels keep the table's names
    assert list(nodes) == ["v_m1", "v0", "v1", "v2", "v3"]
    assert nodes["v_m1"][0] == "v₋₁ = x₁"
    assert edges[("v_m1", "v1")] == "v₀"


def test_mermaid_escapes_quotes_and_brackets():
    def f(a, b):
        return mnp.maximum(a, b) * 2.0

    source = mg.trace(f, 1.0, 3.0).to_mermaid()
    _, nodes, edges, _ = parse_mermaid(source)
    assert len(nodes) == 4 and len(edges) == 3
    assert edges[("v1", "v3")] == "[v1 #gt; v2] + [v1 = v2]/2"  # the tie convention printed
    for label in list(edges.values()) + [x for lines in nodes.values() for x in lines]:
        assert '"' not in label and "<" not in label.replace("<br/>", "")


def test_mermaid_scopes_are_subgraphs(scoped_mlp):
    g = mg.trace(scoped_mlp, *mlp_args())
    source = g.to_mermaid()
    _, nodes, edges, other = parse_mermaid(source)
    assert len(nodes) == len(g) and len(edges) == 11
    assert 'subgraph scope_layer1 ["layer1"]' in other
    assert 'subgraph scope_layer2 ["layer2"]' in other
    assert other.count("end") == 2
    block = source.split('subgraph scope_layer1 ["layer1"]')[1].split("end")[0]
    assert [NODE.match(x).group(1) for x in block.strip().split("\n")] == ["v6", "v7", "v8"]
    assert "subgraph" not in g.to_mermaid(cluster=False)


# ------------------------------------------------------------------------------ TikZ

def test_tikz_one_node_per_variable_in_longest_path_columns(chain):
    source = chain.to_tikz(mode="reverse")
    assert source.startswith(r"\documentclass[tikz,border=6pt]{standalone}")
    assert source.rstrip().endswith(r"\end{document}")
    nodes = re.findall(r"^\\node\[mg(\w+)\] \((\w+)\) at \(([-\d.]+),([-\d.]+)\)", source, re.M)
    assert [n[1] for n in nodes] == ["v1", "v2", "v3", "v4", "v5"]
    assert [n[0] for n in nodes] == ["input", "input", "node", "node", "output"]
    assert layers(chain) == [0, 0, 1, 1, 2]
    xs = {name: float(x) for _, name, x, _ in nodes}
    assert xs["v1"] == xs["v2"] == 0 and xs["v3"] == xs["v4"] > 0 and xs["v5"] == 2 * xs["v3"]
    draws = re.findall(r"^\\draw\[->, mgcedge\] \((\w+)\) -- node\[mgpartial\] \{\$(.*)\$\} \((\w+)\);",
                       source, re.M)
    assert {(a, b): label for a, label, b in draws} == {
        ("v1", "v3"): "v_{2}", ("v2", "v3"): "v_{1}", ("v1", "v4"): r"\cos v_{1}",
        ("v3", "v5"): "1", ("v4", "v5"): "1"}
    assert r"$v_{4} = \sin v_{1}$" in source
    assert r"$\bar{v}_{2} = 2$" in source
    assert source.count("{") == source.count("}")


def test_tikz_fragment_and_longest_path_layers():
    g = mg.trace(lognormal, 1.5, 0.0, 2.0)
    # v8 = log v3 hangs off an input but v9 = v7 - v8 waits for the longer path through v7
    assert layers(g) == [0, 0, 0, 1, 2, 3, 4, 1, 5, 6]
    fragment = to_tikz(g, standalone=False)
    assert fragment.lstrip("%").split("\n", 1)[0].strip().startswith("lognormal")
    assert r"\documentclass" not in fragment and r"\begin{tikzpicture}" in fragment
    assert len(re.findall(r"^\\node\[mg(?!scope)", fragment, re.M)) == 10
    assert r"\log \sigma" not in fragment  # variables print as v's; inputs by name
    assert r"v_{3} = \sigma" in fragment


@pytest.mark.parametrize("which", ["chain", "scoped", "backward"])
def test_tikz_compiles(tmp_path, chain, which, pdflatex, scoped_mlp):
    if not subprocess.run(["kpsewhich", "standalone.cls"], capture_output=True).stdout.strip():
        pytest.skip("the standalone class is not installed (Debian: texlive-latex-extra)")
    if which == "chain":
        source = chain.to_tikz(mode="forward", wrt="x1")
    elif which == "scoped":
        source = mg.trace(scoped_mlp, *mlp_args()).to_tikz(mode="reverse")
    else:
        source = mg.trace(lognormal, 1.5, 0.0, 2.0).backward_graph().to_tikz()
    (tmp_path / "g.tex").write_text(source)
    assert pdflatex(tmp_path / "g.tex") == 1


# ------------------------------------------------------------------ render and the CLI

def test_render_picks_the_text_writer_from_the_suffix(tmp_path, chain):
    mmd = chain.render(tmp_path / "z.mmd", mode="reverse")
    assert mmd.read_text() == chain.to_mermaid(mode="reverse")
    tex = chain.render(tmp_path / "z.tex", theme="dark")
    assert tex.read_text() == chain.to_tikz(theme="dark")
    with pytest.raises(ValueError, match=r"\.mmd \(Mermaid\) or \.tex \(TikZ\)"):
        chain.render(tmp_path / "z.txt")


def test_cli_graph_writes_mermaid_and_tikz(tmp_path):
    for name in ("z.mmd", "z.tex"):
        out = tmp_path / name
        r = subprocess.run([sys.executable, "-m", "minigrad.cli", "graph", "x1*x2 + sin(x1)",
                            "--at", "x1=2", "x2=5", "--mode", "reverse", "-o", str(out)],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        text = out.read_text()
        assert text.startswith("flowchart LR" if name.endswith(".mmd") else r"\documentclass")


# ------------------------------------------------------------- large graphs: compact DOT

def test_dot_labels_show_array_shapes_not_values(scoped_mlp):
    g = mg.trace(scoped_mlp, *mlp_args())
    source = g.to_dot(mode="reverse").source
    assert "= f64[5,3]" in source  # X
    assert "v₆ = v₅ @ v₁\n= f64[5,4]\nv̄₆ = f64[5,4]" in source
    assert "mean=" not in source and "range=" not in source
    assert "= 0." in source  # the scalar loss keeps its number
    assert "mean=" in g.to_dot(values="summary").source


def test_scopes_tag_variables_per_graph_and_nest():
    @mg.scope("block")
    def block(x):
        with mg.scope("inner"):
            y = mnp.sin(x)
        return y * x

    def f(x):
        a = x + 1.0
        b = block(a)
        with mg.scope("block"):  # a second call of the same scope: the same cluster
            c = mnp.exp(b)
        return c - a

    g = mg.trace(f, 0.5)
    assert g.scopes == {2: "block/inner", 3: "block", 4: "block"}
    assert mg.trace(lambda x: x * 2.0 + 1.0, 1.0).scopes == {}
    with mg.scope("outside"):  # no open trace: nothing to tag, nothing left behind
        assert mg.grad(f)(0.5) == pytest.approx(mg.grad(lambda x: f(x))(0.5))
    from minigrad import graph as graph_module
    assert graph_module._STATE.scopes == []
    source = g.to_dot().source
    assert source.count("subgraph cluster_block {") == 1
    inner = source.split("subgraph cluster_block_inner {")[1].split("}")[0]
    assert "v3 [" in inner and "v4 [" not in inner


def test_two_layer_mlp_clusters_in_dot(tmp_path, scoped_mlp):
    g = mg.trace(scoped_mlp, *mlp_args())
    assert set(g.scopes.values()) == {"layer1", "layer2"}
    source = g.to_dot().source
    layer1 = source.split("subgraph cluster_layer1 {")[1].split("}")[0]
    layer2 = source.split("subgraph cluster_layer2 {")[1].split("}")[0]
    assert re.findall(r"\b(v\d+) \[label", layer1) == ["v6", "v7", "v8"]
    assert re.findall(r"\b(v\d+) \[label", layer2) == ["v9", "v10"]
    assert "label=layer1" in layer1
    # edges stay outside the clusters, so they do not pull nodes in
    assert "->" not in layer1 and "->" not in layer2
    assert "v8 -> v9" in source
    assert "subgraph" not in g.to_dot(cluster=False).source
    if shutil.which("dot"):
        svg = g.render(tmp_path / "mlp.svg")
        assert "layer1" in svg.read_text()


def test_graphs_without_scopes_draw_as_before(chain):
    source = chain.to_dot().source
    assert "subgraph" not in source
    assert source.index("v3 [") < source.index("v1 -> v3") < source.index("v4 [")
