"""``Graph.to_python``: the trace, and its adjoint or tangent sweep, as Python source.

Executing the source must give the sweeps' own numbers, to the last bit (the same
operations on the same values, written out); the statements must follow the table, one
per variable, the derivative statements in the sweep's order under their rules; and no
user-given string may reach the source except as an identifier or inside a comment.
References: ``minigrad.modes``' sweeps over the same graph and its trace table.
"""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import minigrad as mg
import minigrad.numpy as mnp
from minigrad.codegen import comment, identifier
from minigrad.examples import lognormal
from minigrad.modes import forward_sweep, reverse_sweep
from minigrad.testing import programs

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def lognormal_graph():
    return mg.trace(lognormal, 1.5, 0.0, 2.0, names=("y", "mu", "sigma"))


def sweep_adjoints(g):
    adjoints = reverse_sweep(g, {g.outputs.index: 1.0})
    return [np.zeros_like(v.value) if adjoints[v.index] is None else adjoints[v.index]
            for v in g.inputs]


def sweep_tangent(g, k, seeds=None):
    seeds = {g.inputs[k].index: 1.0} if seeds is None else {v.index: s for v, s in zip(g.inputs, seeds)}
    t = forward_sweep(g, seeds)[g.outputs.index]
    return 0.0 if t is None else t


def assert_bitwise(got, want):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    assert np.array_equal(got, want, equal_nan=True), (got, want)


# ---------------------------------------------------------------------- the numbers

def test_lognormal_programs_give_the_sweeps_numbers_bitwise():
    g = lognormal_graph()
    point = [v.value for v in g.inputs]
    assert g.to_python().compile()(*point) == g.outputs.value
    assert list(g.to_python(mode="reverse").compile()(*point)) == sweep_adjoints(g)
    for k, name in enumerate(["y", "mu", "sigma"]):
        assert g.to_python(mode="forward", wrt=name).compile()(*point) == sweep_tangent(g, k)


def scalar_output(prog):
    return lambda *xs: mnp.sum(prog(*xs))


@settings(max_examples=150, **SETTINGS)
@given(programs(max_ops=8, n_inputs=(1, 3)))
def test_float_programs_match_the_sweeps_bitwise(prog):
    g = mg.trace(prog.fn, *prog.inputs)
    assert g.to_python().compile()(*prog.inputs) == g.outputs.value
    got = g.to_python(mode="reverse").compile()(*prog.inputs)
    want = sweep_adjoints(g)
    assert_bitwise(got if len(want) > 1 else [got], want)
    k = len(prog.inputs) - 1
    assert_bitwise(g.to_python(mode="forward", wrt=k).compile()(*prog.inputs), sweep_tangent(g, k))


@settings(max_examples=100, **SETTINGS)
@given(programs(max_ops=6, n_inputs=(1, 2), array=True))
def test_array_programs_match_the_sweeps_bitwise(prog):
    g = mg.trace(scalar_output(prog), *prog.inputs)
    got = g.to_python(mode="reverse").compile()(*prog.inputs)
    want = sweep_adjoints(g)
    for a, b in zip(got if len(want) > 1 else [got], want):
        assert_bitwise(a, b)
    seeds = [np.linspace(-1.0, 1.0, np.size(x)).reshape(np.shape(x)) for x in prog.inputs]
    source = g.to_python(mode="forward", wrt=seeds)
    assert_bitwise(source.compile()(*prog.inputs), sweep_tangent(g, 0, seeds))


# ---------------------------------------------------------------------- the statements

def body(source: str) -> list[str]:
    lines = source.split("def ", 1)[1].splitlines()[1:]
    return [line.strip() for line in lines if line.strip()]


def test_one_statement_per_variable_in_the_tables_order():
    g = lognormal_graph()
    rows = [r.var for r in g.table().rows]
    for mode in (None, "reverse", "forward"):
        source = g.to_python(mode=mode, wrt="sigma" if mode == "forward" else None)
        assigned = [m.group(1) for line in body(source) if (m := re.match(r"(v\d+) = ", line))]
        assert assigned == rows, mode


def test_adjoint_statements_follow_the_sweep_under_their_rules():
    g = lognormal_graph()
    steps = [s for s in g.table(mode="reverse", steps=True).steps if not s.is_seed]
    lines = body(g.to_python(mode="reverse"))
    rules = [line for line in lines if re.match(r"# v\d+ = .*: dv\d+/dv\d+ = ", line)]
    assert [re.match(r"# (v\d+) = .*: d\1/d(v\d+) = ", r).groups() for r in rules] == \
        [(s.active, s.other) for s in steps]
    assert "# v5 = v4 / v3: dv5/dv3 = -v4 v3^-2" in rules  # the rule as the table prints it
    # under each rule, the statement updating that input's adjoint; += where it already has one
    seen = set()
    for rule, step in zip(rules, steps):
        statement = lines[lines.index(rule) + 1]
        target = f"{step.other}_bar"
        assert statement.startswith(f"{target} {'+=' if step.other in seen else '='} "), statement
        seen.add(step.other)
    assert sum(" += " in line for line in lines) == 1  # v3 (sigma) is used twice


def test_a_variable_used_twice_gets_two_updates():
    g = mg.trace(lambda x: x * x + mnp.sin(x), 0.7)
    source = g.to_python(mode="reverse")
    assert sum(line.startswith("v1_bar") for line in body(source)) == 3
    assert source.compile()(0.7) == sweep_adjoints(g)[0]


def test_tangent_statements_run_forward():
    g = lognormal_graph()
    lines = body(g.to_python(mode="forward", wrt="sigma"))
    targets = [re.match(r"(v\d+)_dot", line).group(1) for line in lines if re.match(r"v\d+_dot", line)]
    numbers = [int(t[1:]) for t in targets]
    assert numbers == sorted(numbers) and numbers[0] == 3  # seeded at sigma, then in order
    assert "v3_dot = 1.0  # seed" in lines


def test_choices_by_value_are_made_where_the_program_runs():
    """abs and maximum choose by their operands' values: the adjoint program written at one
    point decides afresh at another, as the sweep would there."""
    def f(x, y):
        return mnp.abs(x) * mnp.maximum(x, y)

    adjoint = mg.trace(f, 2.0, 1.0).to_python(mode="reverse").compile()
    for point in [(2.0, 1.0), (-2.0, 1.0), (0.5, 3.0), (1.0, 1.0)]:
        assert adjoint(*point) == mg.grad(f, argnums=(0, 1))(*point), point


def test_constants_are_folded_or_named():
    data = np.arange(3.0)
    g = mg.trace(lambda x: mnp.sum(x * data) - 0.5 * mnp.log(2 * mnp.pi), np.ones(3))
    source = g.to_python()
    assert "c1" in source and "# c1: float64 array of shape (3,)" in source
    assert "0.9189385332046727  # 0.5 log 2 pi" in source
    assert source.compile()(np.ones(3)) == g.outputs.value


def test_mode_is_checked():
    with pytest.raises(ValueError, match="mode must be None, 'forward' or 'reverse'"):
        lognormal_graph().to_python(mode="backward")


# ---------------------------------------------------------------------- safety

ALLOWED_CALLS = {"tanh", "sin", "cos", "log", "exp", "pow", "sqrt"}


def assert_source_is_inert(source: str) -> None:
    """The generated module imports only math, NumPy and minigrad, binds helpers, defines one
    function of assignments and a return, and calls nothing but math's and NumPy's functions."""
    tree = ast.parse(str(source))
    *header, fn = tree.body
    for node in header:
        if isinstance(node, ast.Import):
            assert [a.name for a in node.names] == ["numpy"]
        elif isinstance(node, ast.ImportFrom):
            assert node.module in ("math", "minigrad")
        else:
            assert isinstance(node, ast.Assign)
    assert isinstance(fn, ast.FunctionDef) and not fn.decorator_list
    assert all(isinstance(st, (ast.Assign, ast.AugAssign, ast.Delete, ast.Return)) for st in fn.body)
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            f = node.func
            assert (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "np") \
                or (isinstance(f, ast.Name) and f.id in ALLOWED_CALLS), ast.unparse(node)
    for line in str(source).splitlines():  # every comment is one line: nothing escaped it
        assert "\r" not in line and "\u2028" not in line


EVIL = 'x"\nimport os; os.system("echo pwned") #\'\r\u2028\x00'


def test_names_of_inputs_and_functions_cannot_inject_code():
    def f(a, b):
        return mnp.sin(a) * b

    f.__name__ = EVIL
    g = mg.trace(f, 0.3, 2.0, names=(EVIL, EVIL + "'"))
    for mode in (None, "reverse", "forward"):
        source = g.to_python(mode=mode, wrt=0 if mode == "forward" else None)
        assert_source_is_inert(source)
        assert source.compile()(0.3, 2.0) is not None


def test_names_cannot_inject_code_into_jitted_programs():
    def f(p):
        with mg.scope(EVIL):
            return mnp.sin(p[EVIL]) * p["ok"]

    f.__name__ = EVIL
    j = mg.jit(mg.grad(f))
    p = {EVIL: 0.3, "ok": 2.0}
    got, want = j(p), mg.grad(f)(p)
    assert got == want
    assert_source_is_inert(j.source(p))


def test_identifiers_and_comments_are_sanitised():
    taken: set = set()
    assert identifier("params['W0']", taken) == "params_W0"
    assert identifier("params['W0']", taken) == "params_W0_"  # fresh
    assert identifier("class", taken) == "class_"
    assert identifier("v3", taken) == "v3_"  # never one of the generated names
    assert identifier("3x", taken) == "_3x"
    assert identifier("σ", taken).isascii()
    assert comment("a\nb\r\u2028c") == "a\\nb\\r\\u2028c"
