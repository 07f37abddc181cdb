"""Folded constants print in bounded size and without recursion (issue 13, item 2).

Squaring ``mnp.pi`` n times made the constant's expression print 2^n factors (n = 20: 18.9
MB of table); a constant made of 500 additions raised RecursionError when printed.  An
expression of more than ``MAX_CONSTANT_SIZE`` nodes now prints as its number, and
printing walks an expression with an explicit stack."""

import math

import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad import symbolic as S


def squared(n: int):
    def f(x):
        c = mnp.pi
        for _ in range(n):
            c = c * c
        return x * c

    return f


def test_a_constant_squared_four_times_prints_its_sixteen_factors():
    table = mg.trace(squared(4), 1.0).table()
    factors = " ".join(["pi"] * 16)
    assert table.cells(table.rows[1]) == [
        "v2", f"v1 ({factors})", f"{math.pi ** 16:.6g}", f"dv2/dv1 = ({factors})"]


@pytest.mark.parametrize("n", [5, 8])
def test_a_constant_squared_more_often_prints_as_its_number(n):
    table = mg.trace(squared(n), 1.0).table()
    number = f"{math.pi ** 2 ** n:.6g}"
    assert table.cells(table.rows[1]) == ["v2", f"v1 \u00b7 {number}", number, f"dv2/dv1 = {number}"]


def test_the_issues_26_squarings_print_a_short_table_in_every_format():
    table = mg.trace(squared(26), 1.0).table(mode="reverse", constants="both")
    assert table.cells(table.rows[1]) == ["v2", "v1 \u00b7 inf", "inf", "dv2/dv1 = inf", "1"]
    for text in (str(table), table.to_markdown(), table.to_latex(), table.to_html(),
                 table._repr_latex_()):
        assert len(text) < 1000


def test_a_constant_of_500_additions_prints():
    def f(x):
        c = mnp.pi
        for _ in range(500):
            c = c + 1.0
        return x * c

    g = mg.trace(f, 1.0)
    table = g.table(mode="reverse", steps=True)
    assert table.cells(table.rows[1]) == ["v2", "v1 \u00b7 503.142", "503.142", "dv2/dv1 = 503.142", "1"]
    assert "$v_{1} \\cdot 503.142$" in table.to_latex()
    assert "v₁ · 503.142" in g.to_mermaid() and "v₁ · 503.142" in g.to_dot().source  # typeset labels


def test_short_constants_keep_their_expression():
    def f(x):
        return x - 0.5 * mnp.log(2 * mnp.pi)

    table = mg.trace(f, 1.0).table(constants="both")
    assert table.cells(table.rows[1])[1] == "v1 - (0.5 log 2 pi ≈ 0.918939)"
    assert str(mg.trace(f, 1.0).variables[1].inputs[1].sym) == "0.5 log 2 pi"


def test_constants_computed_from_an_abbreviated_one_are_numbers_too():
    big = mnp.pi
    for _ in range(6):
        big = big * big
    assert isinstance(big.sym, S.Num) and big.sym.value == pytest.approx(math.pi ** 64)
    assert str((big * 2.0).sym) == f"{math.pi ** 64 * 2:.6g}"
    assert str((mnp.log(big)).sym) == f"{64 * math.log(math.pi):.6g}"


@pytest.mark.parametrize("fmt", ["text", "latex", "html"])
def test_printing_a_20000_deep_expression_needs_no_recursion(fmt):
    e = S.Name("x")
    for _ in range(20_000):
        e = S.BinOp("+", e, S.Num(1))
    assert S.render(e, fmt) == "x" + " + 1" * 20_000


def test_a_deep_expression_with_parentheses_prints_them_all():
    e = S.Name("x")
    for _ in range(3000):
        e = S.BinOp("*", S.Num(2), S.BinOp("+", e, S.Num(1)))
    assert S.render(e, "text") == "2 (" * 3000 + "x" + " + 1)" * 3000
