"""The trace table folds the repeated iterations of a ``minigrad.lax`` loop (explain/fold.py).

References are independent of the table code: row counts and names from counting the loop
body's operations by hand, the gradient from its closed form and from ``jax.grad`` of the
same function, and the unfolded table (``fold=False``, which prints every row as before)
for the digits of the rows that stay shown."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad import lax
from minigrad.examples import lognormal

STEPS = 20
XS = np.linspace(0.1, 1.0, STEPS)


def step(c, x):
    """One gradient step of the least-squares fit of c x = 1: six operations a step with the
    slice xs[i] that lax.scan takes (xs[i], c x, - 1, 0.1 *, * x, c -)."""
    return c - 0.1 * (c * x - 1.0) * x, None


def loss(w, xs):
    return lax.scan(step, w, xs)[0] ** 2


def closed_form_grad(w: float) -> float:
    """c' = c (1 - 0.1 x^2) + 0.1 x, so d c_n / d w = prod (1 - 0.1 x_k^2); loss = c_n^2."""
    c = w
    for x in XS:
        c = c * (1 - 0.1 * x * x) + 0.1 * x
    return 2 * c * math.prod(1 - 0.1 * x * x for x in XS)


def rows(text: str) -> dict[str, list[str]]:
    """The text table's rows by variable name: their cells, as printed."""
    out = {}
    for line in text.split("\n\n")[0].splitlines()[2:]:
        if "│" in line:
            cells = [c.strip() for c in line.split("│")]
            out[cells[0]] = cells
    return out


def markers(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.lstrip().startswith("\u22ee")]


@pytest.fixture(scope="module")
def g():
    return mg.trace(loss, 0.5, XS)


def test_a_scan_of_twenty_steps_shows_its_first_and_last_iteration_and_one_line_between(g):
    per_step, inputs = 6, 2
    assert len(g.variables) == inputs + STEPS * per_step + 1  # + the final square
    folded = str(g.table(mode="reverse"))
    full = str(g.table(mode="reverse", fold=False))
    assert len(full.splitlines()) == 2 + len(g.variables)  # header, rule, every row
    assert not markers(full)
    shown = rows(folded)
    # the inputs, step 0 (v3..v8), step 19 (v117..v122) and the square (v123)
    expected = ([f"v{k}" for k in range(1, 9)] + [f"v{k}" for k in range(117, 124)])
    assert list(shown) == expected
    assert len(folded.splitlines()) == 2 + len(expected) + 1
    # steps 1..18 folded: 18 iterations of 6 rows, v9 (xs[1]) to v116 (the carry of step 18)
    assert markers(folded) == ["\u22ee v9 to v116 folded: step 1 to step 18, "
                               "18 iterations \u00d7 6 rows"]
    assert shown["v3"][1] == "v2[0]" and shown["v117"][1] == "v2[19]"
    assert shown["v118"][1] == "v116 v117"  # the last step reads the folded carry by name


def test_the_rows_shown_carry_the_numbers_of_the_whole_sweep(g, jax_x64):
    for mode, wrt in (("reverse", None), ("forward", "w")):
        folded, full = rows(str(g.table(mode=mode, wrt=wrt))), rows(str(g.table(mode=mode, wrt=wrt, fold=False)))
        assert len(folded) < len(full) and all(folded[v] == full[v] for v in folded)
    grad = closed_form_grad(0.5)
    adjoint_w = float(rows(str(g.table(mode="reverse")))["v1"][4])
    tangent_out = float(rows(str(g.table(mode="forward", wrt="w")))["v123"][4])
    assert adjoint_w == pytest.approx(grad, rel=1e-5) and tangent_out == pytest.approx(grad, rel=1e-5)
    assert float(jax_x64.grad(loss)(0.5, XS)) == pytest.approx(grad, rel=1e-12)
    assert float(rows(str(g.table()))["v123"][2]) == pytest.approx(
        float(jax_x64.jit(loss)(0.5, XS)), rel=1e-5)


def test_the_sweep_lines_of_the_folded_rows_fold_too(g):
    table = g.table(mode="reverse", steps=True)
    text = str(table)
    # reverse, per step: xs[i] 1 operand, c x 2, - 1 one, 0.1 * one, * x 2, c - 2: 9 lines
    assert markers(text.split("\n\n", 1)[1]) == [
        "\u22ee 162 lines of v9 to v116 folded (step 1 to step 18)"]
    assert len(table.steps) == 1 + STEPS * 9 + 1  # the seed, the steps, the square's line
    last = [line for line in text.splitlines() if line.lstrip().startswith("v\u03041 +=")][-1]
    assert float(last.split("=")[-1]) == pytest.approx(closed_form_grad(0.5), rel=1e-5)
    assert len(table.rows) == len(g.variables)  # programs still read every row


def test_every_export_shows_the_fold_as_one_line(g):
    t = g.table(mode="reverse")
    md = [line for line in t.to_markdown().splitlines() if "folded" in line]
    assert md == ["| \u22ee | v9 to v116 folded: step 1 to step 18, 18 iterations \u00d7 6 rows "
                  "|  |  |  |"]
    latex = [line for line in t.to_latex().splitlines() if "folded" in line]
    assert latex == [r"\multicolumn{5}{l}{$\vdots$ $v_{9}$ to $v_{116}$ folded: step 1 to step 18, "
                     r"18 iterations $\times$ 6 rows} \\"]
    assert t.to_latex().count(r" \\") == 1 + 15 + 1  # header, the 15 rows shown, the fold
    html = re.findall(r'<tr class="folded">.*?</tr>', t.to_html())
    assert html == ['<tr class="folded"><td colspan="5"><em>&vellip; v<sub>9</sub> to v<sub>116</sub> '
                    'folded: step 1 to step 18, 18 iterations \u00d7 6 rows</em></td></tr>']
    assert t._repr_html_() == t.to_html() and t.to_html().count("<tr>") == 1 + 15
    math_rows = [line for line in t._repr_latex_().splitlines() if "folded" in line]
    assert math_rows == [r"\vdots & v_{9}\text{ to }v_{116}\text{ folded: step 1 to step 18, "
                         r"18 iterations } \times \text{ 6 rows} &  &  &  \\"]


def test_a_table_without_loops_is_the_same_with_fold_none_true_or_false():
    g = mg.trace(lognormal, 1.5, 0.0, 2.0)
    for options in ({}, {"mode": "reverse", "steps": True}, {"mode": "forward", "wrt": "y"}):
        tables = [g.table(**options, fold=f) for f in (None, True, False)]
        for export in (str, lambda t: t.to_markdown(), lambda t: t.to_latex(),
                       lambda t: t.to_html(), lambda t: t._repr_latex_()):
            assert len({export(t) for t in tables}) == 1


def test_short_loops_fold_only_when_asked():
    def four(w):
        return lax.fori_loop(0, 4, lambda i, c: mnp.sin(c) * w, w)

    def three(w):
        return lax.fori_loop(10, 13, lambda i, c: mnp.sin(c) * w, w)

    g4, g3 = mg.trace(four, 0.5), mg.trace(three, 0.5)
    assert not markers(str(g4.table())) and not markers(str(g3.table()))
    assert str(g4.table()) == str(g4.table(fold=False))
    # fori_loop scopes are numbered by the loop index: 10, 11, 12; the middle one folds
    assert markers(str(g3.table(fold=True))) == [
        "\u22ee v4 to v5 folded: fori_loop 11 to fori_loop 11, 1 iteration \u00d7 2 rows"]
    assert markers(str(g4.table(fold=True))) == [
        "\u22ee v4 to v7 folded: fori_loop 1 to fori_loop 2, 2 iterations \u00d7 2 rows"]


def test_a_reversed_scan_counts_down_and_nested_loops_fold_at_each_level():
    def rev(w):
        return lax.scan(lambda c, x: (mnp.sin(c) * x, None), w, np.arange(1.0, 9.0), reverse=True)[0]

    assert markers(str(mg.trace(rev, 1.0).table())) == [
        "\u22ee v4 to v15 folded: scan 6 to scan 1, 6 iterations \u00d7 2 rows"]

    def outer(c, _):
        c = lax.fori_loop(0, 6, lambda i, d: mnp.sin(d) + 0.5, c * 1.01)
        return c + 0.1, None

    def nested(w):
        return lax.scan(outer, w, None, length=7)[0]

    # outer i: c 1.01, six iterations of (sin, + 0.5), + 0.1: 14 rows; v1 is w
    assert markers(str(mg.trace(nested, 0.3).table())) == [
        "\u22ee v5 to v12 folded: outer 0/fori_loop 1 to fori_loop 4, 4 iterations \u00d7 2 rows",
        "\u22ee v16 to v85 folded: outer 1 to outer 5, 5 iterations \u00d7 14 rows",
        "\u22ee v89 to v96 folded: outer 6/fori_loop 1 to fori_loop 4, 4 iterations \u00d7 2 rows"]


def test_only_alike_iterations_fold_together():
    """A body whose branch depends on x records other operations where x changes sign (x > 0:
    c x, one row; else sin c, - x, two rows): the runs of alike iterations fold apart."""
    def body(c, x):
        return lax.cond(x > 0, lambda c: c * x, lambda c: mnp.sin(c) - x, c), None

    def f(w):
        return lax.scan(body, w, np.array([1.0] * 6 + [-1.0] * 6))[0]

    folds = markers(str(mg.trace(f, 0.5).table()))
    assert [m.split(": ")[1] for m in folds] == ["body 1 to body 4, 4 iterations \u00d7 1 row",
                                                "body 7 to body 10, 4 iterations \u00d7 2 rows"]


def test_scope_names_are_escaped_in_every_syntax():
    def body(c, x):
        return c * x + 1.0, None

    body.__name__ = "a|b_$&%<i>"

    def f(w):
        return lax.scan(body, w, np.linspace(1.0, 2.0, 6))[0]

    t = mg.trace(f, 0.5).table()
    [md] = [line for line in t.to_markdown().splitlines() if "folded" in line]
    assert md.count("|") - md.count("\\|") == 5  # four cells: the name's bar is escaped
    assert "a\\|b_$&amp;%&lt;i&gt;" in md
    [tex] = [line for line in t.to_latex().splitlines() if "folded" in line]
    assert r"a|b\_\$\&\%\textless{}i\textgreater{} 1 to a|b\_\$\&\%\textless{}i\textgreater{} 4" in tex
    assert re.sub(r"\\[$&%_]", "", tex).count("&") == 0  # no column break from the name
    [html] = re.findall(r'<tr class="folded">.*?</tr>', t.to_html())
    assert "a|b_$&amp;%&lt;i&gt; 1" in html and "<i>" not in html
    [math] = [line for line in t._repr_latex_().splitlines() if "folded" in line]
    assert re.sub(r"\\[$&%_]", "", math).count("&") == 3  # the row's own four columns only


def test_fold_takes_none_true_or_false(g):
    with pytest.raises(TypeError, match=r"fold must be None .* True .* or False .*, not 'yes'"):
        g.table(fold="yes")
    with pytest.raises(TypeError, match="fold must be"):
        g.table(fold=3)
