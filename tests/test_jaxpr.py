"""The jaxpr view (function, jvp, grad) and its alignment with minigrad's variables."""

import json
import shutil
import subprocess

import numpy as np
import pytest

import jaxbridge as jb
import minigrad.numpy as mnp
from minigrad.examples import chain_rule, linear_data, lognormal, mse
from minigrad.primitives import TABLE

POINT = (1.5, 0.0, 2.0)


def test_lognormal_alignment_pairs_each_variable_with_its_equation():
    al = jb.align(lognormal, *POINT)
    pairs = al.pairs
    assert list(pairs)[:3] == ["v1", "v2", "v3"]
    assert all(pairs[v].endswith("f64[]") for v in ("v1", "v2", "v3"))  # invars, float64
    by_var = {r.var: r for r in al.rows if r.var is not None}
    # jax.lax primitives: x - y is sub, x / y div, x ** 2 integer_pow (a square), log log
    expected = ["sub", "div", {"integer_pow", "pow", "square"}, "mul", "log", "sub", "sub"]
    for k, want in zip(range(4, 11), expected):
        got = by_var[f"v{k}"].primitive
        assert got in ({want} if isinstance(want, str) else want), (k, got)
    # every minigrad variable with a JAX counterpart finds a partner
    assert all(r.equation is not None for r in al.rows if r.var is not None)
    assert by_var["v4"].expression == "v1 - v2"
    assert by_var["v4"].equation.split(":")[1].startswith("f64[] = sub ")
    text = str(al)
    assert "v4 = v1 - v2" in text and "= sub a b" in text
    line = next(line for line in text.splitlines() if line.startswith("v4 "))
    assert line.split("│")[1].strip() == by_var["v4"].equation
    md = al.to_markdown()
    assert md.splitlines()[0] == "| minigrad | jaxpr |" and "`v4 = v1 - v2`" in md


def test_chain_rule_aligns_fully():
    al = jb.align(chain_rule, 2.0, 5.0)
    assert [r.var for r in al.rows] == ["v1", "v2", "v3", "v4", "v5"]
    assert [r.primitive for r in al.rows[2:]] == ["mul", "sin", "add"]
    assert not al.unmatched


def test_counterparts_cover_the_primitive_table():
    from jaxbridge.jaxpr import COUNTERPARTS, counterpart

    assert {counterpart(p) for p in TABLE.values()} <= set(COUNTERPARTS)


def test_extra_jax_equations_get_blank_partners():
    def f(x):
        return mnp.mean(x ** 2) + mnp.logsumexp(x)

    al = jb.align(f, np.array([0.5, 2.0, -1.0]))
    by_var = {r.var: r for r in al.rows if r.var is not None}
    assert all(r.equation is not None for r in by_var.values())
    assert by_var["v3"].primitive == "reduce_sum"  # mean: sum, then a division of its own row
    assert by_var["v5"].primitive == "add"  # the sum of the two terms, after logsumexp's run
    extra = [r for r in al.rows if r.var is None]
    assert extra and all(r.expression is None for r in extra)
    assert len(al.rows) == len(by_var) + len(extra)
    # matrices: the bias broadcast is looked through
    X, y, beta = linear_data(n=4)
    prims = [r.primitive for r in jb.align(mse, beta, X, y).rows if r.var is not None][3:]
    assert prims == ["dot_general", "sub", "mul", "reduce_sum"]


def test_jaxpr_views_of_function_jvp_and_grad():
    fn = jb.jaxpr(lognormal, *POINT)
    jvp = jb.jaxpr(lognormal, *POINT, of="jvp")
    grad = jb.jaxpr(lognormal, *POINT, of="grad")
    assert fn.primitives == ["sub", "div", "integer_pow", "mul", "log", "sub", "sub"]
    assert len(jvp) > len(fn) and len(grad) > len(fn)
    assert str(fn) == str(fn.closed_jaxpr) and str(fn).startswith("{ lambda ")
    assert fn.equations[0] == "d:f64[] = sub a b"
    assert all(e in str(fn) for e in fn.equations)
    assert len(jvp.jaxpr.outvars) == 2  # primal and tangent
    with pytest.raises(ValueError, match="of must be"):
        jb.jaxpr(lognormal, *POINT, of="hessian")


def test_to_dot_is_deterministic_and_styled():
    view = jb.jaxpr(lognormal, *POINT)
    dot = view.to_dot()
    assert dot.source == jb.jaxpr(lognormal, *POINT).to_dot().source
    assert 'label="d = sub a b\nf64[]"' in dot.source
    assert "in0 -> e0" in dot.source and "e0 -> e1" in dot.source
    from minigrad.explain.dot import THEMES

    assert THEMES["dark"]["bg"] in view.to_dot(theme="dark").source
    with pytest.raises(ValueError, match="unknown theme"):
        view.to_dot(theme="neon")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("of", ["function", "jvp", "grad"])
def test_to_dot_parses_into_one_node_per_equation(of):
    view = jb.jaxpr(lognormal, *POINT, of=of)
    out = subprocess.run(["dot", "-Tjson0"], input=view.to_dot().source, capture_output=True,
                         text=True, check=True, timeout=30)
    nodes = [o["name"] for o in json.loads(out.stdout).get("objects", [])]
    eqn_nodes = [n for n in nodes if n.startswith("e")]
    assert eqn_nodes == [f"e{i}" for i in range(len(view))]
    assert len(nodes) == len(view) + len(view.jaxpr.invars) + len(view.jaxpr.constvars)
