"""The sweeps as graphs of their own: ``Graph.backward_graph`` and ``Graph.forward_graph``.

The gradient program of the log-normal log N(y | mu, sigma) at (1.5, 0, 2) must compute,
in closed form, d/dy = -(y - mu)/sigma^2, d/dmu = (y - mu)/sigma^2 and
d/dsigma = (y - mu)^2/sigma^3 - 1/sigma; sigma is used twice (v5 = v4 / v3 and
v8 = log v3), so its adjoint is the sum of one contribution from v5 and one from v8.
"""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad import symbolic as S
from minigrad.examples import chain_rule, lognormal
from minigrad.explain.programs import Program, output_values

Y, MU, SIGMA = 1.5, 0.0, 2.0
CLOSED_FORM = (-(Y - MU) / SIGMA**2, (Y - MU) / SIGMA**2, (Y - MU) ** 2 / SIGMA**3 - 1 / SIGMA)


@pytest.fixture(scope="module")
def graph():
    return mg.trace(lognormal, Y, MU, SIGMA)


@pytest.fixture(scope="module")
def backward(graph):
    return graph.backward_graph()


def test_backward_graph_computes_the_gradient(backward):
    values = output_values(backward)
    assert isinstance(values, tuple) and len(values) == 3
    np.testing.assert_allclose(values, mg.grad(lognormal, (0, 1, 2))(Y, MU, SIGMA), rtol=1e-15)
    np.testing.assert_allclose(values, CLOSED_FORM, rtol=1e-15)
    assert values == pytest.approx((-0.375, 0.375, -0.21875))


def test_backward_graph_is_an_ordinary_graph_of_the_program(graph, backward):
    assert isinstance(backward, mg.Graph) and isinstance(backward, Program)
    assert backward.name == "lognormal_backward" and backward.source is graph
    assert [v.name for v in backward.inputs] == ["y", "mu", "sigma"]
    assert [v.value for v in backward.inputs] == [Y, MU, SIGMA]
    # the primal replay first: the seven operations of the original, numbered alike
    table = backward.table()
    original = graph.table()
    for k in range(10):
        assert table.rows[k].var == original.rows[k].var
        assert table.rows[k].expression == original.rows[k].expression
        assert table.rows[k].value == original.rows[k].value
    roles = [backward.roles.get(i, "input") for i in range(len(backward))]
    assert roles[:10] == ["input"] * 3 + ["primal"] * 7
    assert set(roles[10:]) == {"adjoint"} and len(roles) > 10
    for v in backward.variables[3:]:
        assert backward.scopes[v.index] == backward.roles[v.index]
    assert all(backward.owns(o) for o in backward.outputs)
    assert all(backward.roles[o.index] == "adjoint" for o in backward.outputs)


def test_adjoint_of_sigma_combines_contributions_from_v5_and_v8(backward):
    table = backward.table()
    names = [row.var for row in table.rows]
    sigma_bar = backward.derivative("sigma")
    assert sigma_bar is backward.derivative("v3") is backward.derivative(2) is backward.outputs[2]
    # sigma's two uses each contributed one term to its adjoint
    terms = [c for c in backward.contributions if c.target == 2]
    assert sorted(c.source for c in terms) == [4, 7]  # v5 = v4 / v3 and v8 = log v3
    by_source = {c.source: c.value for c in terms}
    # ... and the table row of the adjoint is their sum, in sweep order (v8 first)
    row = table.rows[sigma_bar.index]
    expected = f"{names[by_source[7].index]} + {names[by_source[4].index]}"
    assert S.render(row.expression, "text") == expected
    assert row.value == pytest.approx(CLOSED_FORM[2])
    assert row.partials == [(names[by_source[7].index], S.ONE), (names[by_source[4].index], S.ONE)]
    # the contribution through v8 = log v3 is (adjoint of v8 = -1) times dv8/dv3 = 1/v3
    assert by_source[7].value == pytest.approx(-1 / SIGMA)
    assert by_source[4].value == pytest.approx((Y - MU) ** 2 / SIGMA**3)
    assert "\n".join(str(table).split("\n")[2:]).count(" + ") == 1
    assert backward.notes[sigma_bar.index] == "adjoint of v3 (sigma)"


def test_backward_graph_drawings_mark_primal_and_adjoint(backward, tmp_path):
    source = backward.to_dot().source
    assert "subgraph cluster_primal {" in source and 'label="primal replay"' in source
    assert "subgraph cluster_adjoint {" in source and 'label="adjoint computation"' in source
    primal = source.split("subgraph cluster_primal {")[1].split("}")[0]
    adjoint = source.split("subgraph cluster_adjoint {")[1].split("}")[0]
    assert "v4 [" in primal and "v10 [" in primal and "v11 [" not in primal
    assert "v11 [" in adjoint and "adjoint of v3 (sigma)" in adjoint
    assert primal.count('fillcolor="#fff8db"') == 7  # the primal replay's fill
    assert adjoint.count('fillcolor="#ffe3e3"') == len(backward) - 10  # the adjoint fill
    assert source.count("peripheries=2") == 3  # the three outputs
    assert "mg_primal" in backward.to_mermaid() and "mg_adjoint" in backward.to_mermaid()
    assert "mgprimal" in backward.to_tikz()
    written = backward.render(tmp_path / "backward.dot")
    assert written.read_text() == source


def test_chain_rule_backward_and_forward_programs():
    g = mg.trace(chain_rule, 2.0, 5.0)
    grads = output_values(g.backward_graph())
    assert grads == pytest.approx((5.0 + math.cos(2.0), 2.0))
    fwd = g.forward_graph(wrt="x1")
    assert fwd.kind == "forward" and fwd.name == "chain_rule_forward"
    assert output_values(fwd) == pytest.approx(5.0 + math.cos(2.0))
    assert set(fwd.roles.values()) == {"primal", "tangent"}
    assert "subgraph cluster_tangent {" in fwd.to_dot().source
    assert output_values(g.forward_graph(wrt=[0.0, 1.0])) == pytest.approx(2.0)


def test_forward_graph_matches_jvp(graph):
    for k, name in enumerate(["y", "mu", "sigma"]):
        fwd = graph.forward_graph(wrt=name)
        assert output_values(fwd) == pytest.approx(CLOSED_FORM[k], rel=1e-15)
        note = fwd.notes[fwd.outputs.index]  # v9, v10 pass v7's tangent on unchanged
        assert note.startswith("tangent of ") and note.endswith("v9, v10")
    direction = (0.3, -1.0, 2.0)
    _, expected = mg.jvp(lognormal, (Y, MU, SIGMA), direction)
    assert output_values(graph.forward_graph(wrt=direction)) == pytest.approx(expected)


def test_backward_graph_of_a_scoped_mlp_on_arrays(scoped_mlp):
    mlp = scoped_mlp
    rng = np.random.default_rng(1)
    args = (rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((4, 2)),
            rng.standard_normal(2), rng.standard_normal((5, 3)))
    bg = mg.trace(mlp, *args).backward_graph()
    for got, want in zip(output_values(bg), mg.grad(mlp, (0, 1, 2, 3, 4))(*args)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    paths = set(bg.scopes.values())
    assert {"primal/layer1", "primal/layer2", "adjoint/layer1", "adjoint/layer2"} <= paths
    source = bg.to_dot().source
    primal = source.split("subgraph cluster_primal {")[1]
    assert primal.index("subgraph cluster_primal_layer1 {") < primal.index("subgraph cluster_adjoint")
    assert "subgraph cluster_adjoint_layer2 {" in source
    assert "mean=" not in source and "f64[5,4]" in source


def test_program_of_a_program_is_the_second_derivative():
    def f(x):
        return mnp.sin(x) * x

    x = 0.7
    first = mg.trace(f, x).backward_graph()
    assert first.owns(first.outputs)  # one input: the adjoint itself, not a tuple
    assert first.outputs.value == pytest.approx(math.cos(x) * x + math.sin(x))
    second = first.backward_graph()
    assert output_values(second) == pytest.approx(2 * math.cos(x) - x * math.sin(x))
    assert output_values(second) == pytest.approx(mg.grad(mg.grad(f))(x))


def test_seeds_zero_adjoints_and_errors():
    def g(x, unused):
        return x * mnp.array([1.0, 2.0])

    graph = mg.trace(g, 3.0, 4.0)
    with pytest.raises(ValueError, match="seed="):
        graph.backward_graph()
    bg = graph.backward_graph(seed=np.array([1.0, -1.0]))
    assert output_values(bg) == pytest.approx((-1.0, 0.0))
    assert bg.outputs[1] == 0.0 and not bg.owns(bg.outputs[1])
    with pytest.raises(ValueError, match="single output variable"):
        mg.trace(lambda x: (x, x), 1.0).backward_graph()
    with pytest.raises(KeyError, match="not a variable"):
        bg.derivative("nope")


def test_recording_a_program_leaves_no_trace_open(graph):
    from minigrad import graph as graph_module

    graph.backward_graph()
    graph.forward_graph(wrt="y")
    assert graph_module._STATE.open == [] and graph_module._STATE.scopes == []
    assert mg.grad(lognormal)(Y, MU, SIGMA) == pytest.approx(CLOSED_FORM[0])
