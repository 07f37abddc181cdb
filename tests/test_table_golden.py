"""Golden trace tables, typed by hand from ../shared/design/examples.md.

Every expected string below was written from the reference table (expressions
``v1 - v2``, ``v4 / v3``, ``(v5)^2``, ``(-0.5) v6``, ``log v3``, ``v7 - v8``,
``v9 - (0.5 log 2 pi)`` and their partials) and numbers worked out by hand at
(y, mu, sigma) = (1.5, 0, 2); ``test_hand_numbers_agree_with_numpy`` re-derives those
numbers with plain NumPy and the closed-form gradient, independently of minigrad.
Nothing here was pasted from the program's output.
"""

import inspect
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad.examples import chain_rule, lognormal
from minigrad.explain.table import build_table, format_value

# ----------------------------------------------------------------------------- hand numbers
# v4 = 1.5 - 0 = 1.5; v5 = 1.5 / 2 = 0.75; v6 = 0.75^2 = 0.5625; v7 = -0.5 * 0.5625 = -0.28125
# v8 = log 2 = 0.693147; v9 = -0.28125 - 0.693147 = -0.974397
# v10 = v9 - 0.5 log(2 pi) = -0.974397 - 0.918939 = -1.893336
# adjoints: v10 = 1, v9 = 1, v8 = -1, v7 = 1, v6 = -0.5, v5 = 2 v5 v6bar = -0.75,
# v4 = v5bar / v3 = -0.375, v3 = v8bar / v3 + v5bar (-v4 / v3^2) = -0.5 + 0.28125 = -0.21875,
# v2 = -v4bar = 0.375, v1 = v4bar = -0.375
# (closed form: d/dy = -(y - mu)/sigma^2 = -0.375, d/dmu = 0.375,
#  d/dsigma = (y - mu)^2/sigma^3 - 1/sigma = 0.28125 - 0.5 = -0.21875)
VALUES = ["1.5", "0", "2", "1.5", "0.75", "0.5625", "-0.28125", "0.693147", "-0.974397",
          "-1.89334"]
ADJOINTS = ["-0.375", "0.375", "-0.21875", "-0.375", "-0.75", "-0.5", "1", "-1", "1", "1"]
# forward, seed dy = 1: v1 = 1, v4 = 1, v5 = 1/2, v6 = 2 (0.75)(0.5) = 0.75, v7 = -0.375,
# v8 = 0, v9 = -0.375, v10 = -0.375
TANGENTS_Y = ["1", "0", "0", "1", "0.5", "0.75", "-0.375", "0", "-0.375", "-0.375"]


def test_hand_numbers_agree_with_numpy():
    y, mu, sigma = 1.5, 0.0, 2.0
    v = [y, mu, sigma]
    v.append(v[0] - v[1])
    v.append(v[3] / v[2])
    v.append(v[4] ** 2)
    v.append(-0.5 * v[5])
    v.append(np.log(v[2]))
    v.append(v[6] - v[7])
    v.append(v[8] - 0.5 * np.log(2 * np.pi))
    assert [f"{x:.6g}" for x in v] == VALUES
    closed_form = [-(y - mu) / sigma**2, (y - mu) / sigma**2, (y - mu) ** 2 / sigma**3 - 1 / sigma]
    assert [f"{x:.6g}" for x in closed_form] == ADJOINTS[:3]
    assert f"{-(y - mu) / sigma**2:.6g}" == TANGENTS_Y[-1]


@pytest.fixture(scope="module")
def g():
    return mg.trace(lognormal, 1.5, 0.0, 2.0, names=("y", "mu", "sigma"))


# ----------------------------------------------------------------------------- text

LOGNORMAL_REVERSE_TEXT = """\
var │ expression          │ value     │ partials                            │ adjoint
────┼─────────────────────┼───────────┼─────────────────────────────────────┼─────────
v1  │ y                   │ 1.5       │                                     │ -0.375
v2  │ mu                  │ 0         │                                     │ 0.375
v3  │ sigma               │ 2         │                                     │ -0.21875
v4  │ v1 - v2             │ 1.5       │ dv4/dv1 = 1, dv4/dv2 = -1           │ -0.375
v5  │ v4 / v3             │ 0.75      │ dv5/dv4 = 1/v3, dv5/dv3 = -v4 v3^-2 │ -0.75
v6  │ (v5)^2              │ 0.5625    │ dv6/dv5 = 2 v5                      │ -0.5
v7  │ (-0.5) v6           │ -0.28125  │ dv7/dv6 = -0.5                      │ 1
v8  │ log v3              │ 0.693147  │ dv8/dv3 = 1/v3                      │ -1
v9  │ v7 - v8             │ -0.974397 │ dv9/dv7 = 1, dv9/dv8 = -1           │ 1
v10 │ v9 - (0.5 log 2 pi) │ -1.89334  │ dv10/dv9 = 1                        │ 1"""


def test_lognormal_reverse_text(g):
    assert str(g.table(mode="reverse")) == LOGNORMAL_REVERSE_TEXT


def test_lognormal_forward_text_column(g):
    lines = str(g.table(mode="forward", wrt="y")).splitlines()
    assert lines[0].endswith("│ tangent")
    assert [line.rsplit("│", 1)[1].strip() for line in lines[2:]] == TANGENTS_Y


# ----------------------------------------------------------------------------- Markdown

LOGNORMAL_REVERSE_MARKDOWN = """\
| var | expression | value | partials | adjoint |
| --- | --- | --- | --- | --- |
| v1 | y | 1.5 |  | -0.375 |
| v2 | mu | 0 |  | 0.375 |
| v3 | sigma | 2 |  | -0.21875 |
| v4 | v1 - v2 | 1.5 | dv4/dv1 = 1, dv4/dv2 = -1 | -0.375 |
| v5 | v4 / v3 | 0.75 | dv5/dv4 = 1/v3, dv5/dv3 = -v4 v3^-2 | -0.75 |
| v6 | (v5)^2 | 0.5625 | dv6/dv5 = 2 v5 | -0.5 |
| v7 | (-0.5) v6 | -0.28125 | dv7/dv6 = -0.5 | 1 |
| v8 | log v3 | 0.693147 | dv8/dv3 = 1/v3 | -1 |
| v9 | v7 - v8 | -0.974397 | dv9/dv7 = 1, dv9/dv8 = -1 | 1 |
| v10 | v9 - (0.5 log 2 pi) | -1.89334 | dv10/dv9 = 1 | 1 |"""


def test_lognormal_reverse_markdown(g):
    assert g.table(mode="reverse").to_markdown() == LOGNORMAL_REVERSE_MARKDOWN


# ----------------------------------------------------------------------------- LaTeX
# booktabs; v_{10}; \log and \pi; \frac for divisions; ^{...} for powers; numbers in math
# mode so that -0.375 gets a minus sign, not a hyphen.

D = r"\frac{\partial v_{%s}}{\partial v_{%s}}"
LOGNORMAL_REVERSE_LATEX = "\n".join([
    r"\begin{tabular}{lllll}",
    r"\toprule",
    r"var & expression & value & partials & adjoint \\",
    r"\midrule",
    r"$v_{1}$ & $y$ & $1.5$ &  & $-0.375$ \\",
    r"$v_{2}$ & $\mu$ & $0$ &  & $0.375$ \\",
    r"$v_{3}$ & $\sigma$ & $2$ &  & $-0.21875$ \\",
    rf"$v_{{4}}$ & $v_{{1}} - v_{{2}}$ & $1.5$ & ${D % (4, 1)} = 1$, ${D % (4, 2)} = -1$ & $-0.375$ \\",
    rf"$v_{{5}}$ & $\frac{{v_{{4}}}}{{v_{{3}}}}$ & $0.75$ & ${D % (5, 4)} = \frac{{1}}{{v_{{3}}}}$, "
    rf"${D % (5, 3)} = -v_{{4}} \, v_{{3}}^{{-2}}$ & $-0.75$ \\",
    rf"$v_{{6}}$ & $\left(v_{{5}}\right)^{{2}}$ & $0.5625$ & ${D % (6, 5)} = 2 \, v_{{5}}$ & $-0.5$ \\",
    rf"$v_{{7}}$ & $\left(-0.5\right) \, v_{{6}}$ & $-0.28125$ & ${D % (7, 6)} = -0.5$ & $1$ \\",
    rf"$v_{{8}}$ & $\log v_{{3}}$ & $0.693147$ & ${D % (8, 3)} = \frac{{1}}{{v_{{3}}}}$ & $-1$ \\",
    rf"$v_{{9}}$ & $v_{{7}} - v_{{8}}$ & $-0.974397$ & ${D % (9, 7)} = 1$, ${D % (9, 8)} = -1$ & $1$ \\",
    rf"$v_{{10}}$ & $v_{{9}} - \left(0.5 \, \log 2 \, \pi\right)$ & $-1.89334$ & ${D % (10, 9)} = 1$ & $1$ \\",
    r"\bottomrule",
    r"\end{tabular}",
])


def test_lognormal_reverse_latex(g):
    tex = g.table(mode="reverse").to_latex()
    assert tex == LOGNORMAL_REVERSE_LATEX
    assert tex.count("{") == tex.count("}") and tex.count("$") % 2 == 0


# ----------------------------------------------------------------------------- HTML

def _html_row(*cells):
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _v(i):
    return f"v<sub>{i}</sub>"


def _d(i, j):
    return f"&part;{_v(i)}/&part;{_v(j)}"


LOGNORMAL_REVERSE_HTML = (
    "<table><thead><tr><th>var</th><th>expression</th><th>value</th><th>partials</th>"
    "<th>adjoint</th></tr></thead><tbody>"
    + _html_row(_v(1), "y", "1.5", "", "&minus;0.375")
    + _html_row(_v(2), "&mu;", "0", "", "0.375")
    + _html_row(_v(3), "&sigma;", "2", "", "&minus;0.21875")
    + _html_row(_v(4), f"{_v(1)} &minus; {_v(2)}", "1.5",
                f"{_d(4, 1)} = 1, {_d(4, 2)} = &minus;1", "&minus;0.375")
    + _html_row(_v(5), f"{_v(4)} / {_v(3)}", "0.75",
                f"{_d(5, 4)} = 1/{_v(3)}, {_d(5, 3)} = &minus;{_v(4)} {_v(3)}<sup>&minus;2</sup>",
                "&minus;0.75")
    + _html_row(_v(6), f"({_v(5)})<sup>2</sup>", "0.5625", f"{_d(6, 5)} = 2 {_v(5)}",
                "&minus;0.5")
    + _html_row(_v(7), f"(&minus;0.5) {_v(6)}", "&minus;0.28125", f"{_d(7, 6)} = &minus;0.5", "1")
    + _html_row(_v(8), f"log {_v(3)}", "0.693147", f"{_d(8, 3)} = 1/{_v(3)}", "&minus;1")
    + _html_row(_v(9), f"{_v(7)} &minus; {_v(8)}", "&minus;0.974397",
                f"{_d(9, 7)} = 1, {_d(9, 8)} = &minus;1", "1")
    + _html_row(_v(10), f"{_v(9)} &minus; (0.5 log 2 &pi;)", "&minus;1.89334",
                f"{_d(10, 9)} = 1", "1")
    + "</tbody></table>"
)


def test_lognormal_reverse_html(g):
    assert g.table(mode="reverse").to_html() == LOGNORMAL_REVERSE_HTML


def test_jupyter_rich_display(g):
    t = g.table(mode="reverse")
    assert t._repr_html_() == LOGNORMAL_REVERSE_HTML
    assert t._repr_markdown_() == LOGNORMAL_REVERSE_MARKDOWN
    tex = t._repr_latex_()  # MathJax knows array, not tabular: cells are bare math
    assert tex.startswith("$$") and tex.endswith("$$")
    assert r"\begin{array}{lllll}" in tex and r"\toprule" not in tex
    assert r"v_{10} & v_{9} - \left(0.5 \, \log 2 \, \pi\right) & -1.89334 & " in tex
    assert tex.count("{") == tex.count("}")


# ----------------------------------------------------------------------------- chain rule
# z = x1 x2 + sin x1 at (2, 5): v3 = 10, v4 = sin 2 = 0.909297, v5 = 10.909297;
# adjoints: v5 = v4 = v3 = 1, v2 = v1 = 2, v1 = v2 + cos v1 = 5 - 0.416147 = 4.583853

CHAIN_RULE_REVERSE_TEXT = """\
var │ expression │ value    │ partials                   │ adjoint
────┼────────────┼──────────┼────────────────────────────┼────────
v1  │ x1         │ 2        │                            │ 4.58385
v2  │ x2         │ 5        │                            │ 2
v3  │ v1 v2      │ 10       │ dv3/dv1 = v2, dv3/dv2 = v1 │ 1
v4  │ sin v1     │ 0.909297 │ dv4/dv1 = cos v1           │ 1
v5  │ v3 + v4    │ 10.9093  │ dv5/dv3 = 1, dv5/dv4 = 1   │ 1"""


def test_chain_rule_reverse_text():
    assert str(mg.trace(chain_rule, 2.0, 5.0).table(mode="reverse")) == CHAIN_RULE_REVERSE_TEXT
    assert f"{5 + np.cos(2.0):.6g}" == "4.58385" and f"{10 + np.sin(2.0):.6g}" == "10.9093"


def test_chain_rule_forward_needs_two_sweeps_for_the_gradient():
    g = mg.trace(chain_rule, 2.0, 5.0)
    t1 = [r.tangent for r in g.table(mode="forward", wrt="x1").rows]
    t2 = [r.tangent for r in g.table(mode="forward", wrt="x2").rows]
    assert t1[-1] == pytest.approx(5 + math.cos(2.0)) and t2[-1] == pytest.approx(2.0)


def test_chain_rule_latex_and_html():
    t = mg.trace(chain_rule, 2.0, 5.0).table(mode="reverse")
    assert (r"$v_{4}$ & $\sin v_{1}$ & $0.909297$ & "
            r"$\frac{\partial v_{4}}{\partial v_{1}} = \cos v_{1}$ & $1$ \\") in t.to_latex()
    assert (f"<tr><td>{_v(3)}</td><td>{_v(1)} {_v(2)}</td><td>10</td>"
            f"<td>{_d(3, 1)} = {_v(2)}, {_d(3, 2)} = {_v(1)}</td><td>1</td></tr>") in t.to_html()


# ----------------------------------------------------------------------------- steps

def test_reverse_steps_show_two_contributions_for_a_variable_used_twice():
    g = mg.trace(lambda x: x * x, 3.0)
    t = build_table(g, "reverse", steps=True)
    # dv2/dv1 for x * x: v1 + v1, read as 2 v1; v̄1 = 3 * 1 + 3 * 1 = 6
    assert [str(r.expression) for r in t.rows] == ["x", "v1 v1"]
    assert str(t.rows[1].partials[0][1]) == "2 v1"
    assert t.step_lines() == [
        "v̄2 = 1  (seed)",
        "v̄1 += v1 v̄2 = 3 × 1 = 3  ⇒  v̄1 = 3  (use 1 of 2)",
        "v̄1 += v1 v̄2 = 3 × 1 = 3  ⇒  v̄1 = 6  (use 2 of 2)",
    ]
    text = str(t)
    assert text.count("+=") == 2 and "reverse sweep, step by step:" in text
    assert r"\bar{v}_{1} \mathrel{+}= v_{1} \, \bar{v}_{2} = 3 \times 1 = 3" in t.to_latex()
    assert r"\begin{align*}" in t.to_latex()
    assert '<ol class="steps">' in t.to_html() and t.to_markdown().count("- `v̄1 +=") == 2


def test_reverse_steps_of_the_lognormal(g):
    lines = build_table(g, "reverse", steps=True).step_lines()
    assert lines[0] == "v̄10 = 1  (seed)"
    # v3 = sigma is used twice (v5 = v4 / v3, v8 = log v3): -0.5 first, then 0.28125
    assert "v̄3 += (1/v3) v̄8 = 0.5 × (-1) = -0.5  ⇒  v̄3 = -0.5" in lines
    assert "v̄3 += -v4 v3^-2 v̄5 = (-0.375) × (-0.75) = 0.28125  ⇒  v̄3 = -0.21875" in lines
    assert len(lines) == 1 + 10  # the seed and one line per operand edge


def test_forward_steps(g):
    lines = build_table(g, "forward", "y", steps=True).step_lines()
    assert lines[0] == "v̇1 = 1  (seed)"
    assert "v̇5 += (1/v3) v̇4 = 0.5 × 1 = 0.5  ⇒  v̇5 = 0.5" in lines


def test_graph_table_forwards_the_new_options(g):
    assert g.table(mode="reverse", steps=True).steps
    assert str(g.table(constants="both").rows[-1].expression) == "v9 - (0.5 log 2 pi ≈ 0.918939)"


def test_steps_need_a_mode(g):
    with pytest.raises(ValueError, match="steps=True"):
        build_table(g, steps=True)


# ----------------------------------------------------------------------------- constants

def test_constants_symbolic_numeric_both(g):
    def last(constants):
        return str(build_table(g, constants=constants).rows[-1].expression)

    assert last("symbolic") == "v9 - (0.5 log 2 pi)"
    assert last("numeric") == "v9 - 0.918939"  # 0.5 log(2 pi) = 0.9189385...
    assert last("both") == "v9 - (0.5 log 2 pi ≈ 0.918939)"
    tex = build_table(g, constants="both").to_latex()
    assert r"v_{9} - \left(0.5 \, \log 2 \, \pi \approx 0.918939\right)" in tex
    assert "(0.5 log 2 &pi; &asymp; 0.918939)" in build_table(g, constants="both").to_html()
    with pytest.raises(ValueError, match="constants"):
        build_table(g, constants="pretty")


def test_plain_number_constants_are_short():
    g = mg.trace(lambda x: x * (1 / 3) + 0.1, 2.0)
    assert [str(r.expression) for r in g.table().rows] == ["x", "v1 \u00b7 0.333333", "v2 + 0.1"]


def test_a_number_after_a_factor_is_joined_by_a_times_sign():
    """``x * 2`` written ``v1 2`` reads as one name (v12) or a power; with a sign it cannot.
    A number first (``2 v1``) and two variables (``v1 v2``) keep the usual juxtaposition."""
    g = mg.trace(lambda x, y: x * 2.0 + 2.0 * y + x * y * (-0.5), 3.0, 4.0)
    table = g.table()
    assert [str(r.expression) for r in table.rows][2:5] == ["v1 \u00b7 2", "2 v2", "v3 + v4"]
    assert "v6 \u00b7 (-0.5)" in [str(r.expression) for r in table.rows][5:]
    assert r"v_{1} \cdot 2" in table.to_latex()
    assert "v<sub>1</sub> &middot; 2" in table.to_html()


# ----------------------------------------------------------------------------- naming

def test_baydin_naming_typesets_negative_indices(g):
    t = build_table(g, "reverse", naming="baydin")
    assert [r.var for r in t.rows] == ["v-2", "v-1", "v0"] + [f"v{i}" for i in range(1, 8)]
    tex = t.to_latex()
    assert r"$v_{-2}$ & $y$ & $1.5$" in tex
    assert r"$v_{1}$ & $v_{-2} - v_{-1}$" in tex
    assert r"\frac{\partial v_{1}}{\partial v_{-2}} = 1" in tex
    assert "v-" not in tex
    page = t.to_html()
    assert "<td>v<sub>-2</sub></td>" in page
    assert "v<sub>-2</sub> &minus; v<sub>-1</sub>" in page


def test_names_that_are_words_typeset_in_latex():
    g = mg.trace(lambda log_sigma: mnp.exp(log_sigma), 0.0)
    tex = g.table().to_latex()
    assert r"$\mathit{log\_sigma}$" in tex


# ----------------------------------------------------------------------------- wrt

@pytest.mark.parametrize("wrt", ["mu", 1, -2, np.int64(1), "1", [0.0, 1.0, 0.0], (0, 1, 0),
                                 np.array([0.0, 1.0, 0.0]), {"mu": 1.0}])
def test_forward_wrt_forms(g, wrt):
    tangents = [r.tangent for r in g.table(mode="forward", wrt=wrt).rows]
    assert tangents[-1] == pytest.approx(0.375)  # d/dmu = (y - mu)/sigma^2


def test_forward_wrt_vector_is_a_directional_derivative(g):
    t = g.table(mode="forward", wrt=[1.0, 0.0, 2.0])
    assert t.rows[-1].tangent == pytest.approx(-0.375 + 2 * -0.21875)


@pytest.mark.parametrize("wrt, message", [
    ("q", r"wrt='q' is not an input; the inputs are \['y', 'mu', 'sigma'\]"),
    (3, "wrt=3 is out of range; the graph has 3 inputs"),
    (-4, "out of range"),
    (True, "is a boolean"),
    (1.5, "neither an input name, an index, nor a vector"),
    ([1.0, 0.0], "wrt has 2 seeds but the graph has 3 inputs"),
    (["a", "b", "c"], "the seed for y is 'a', not a number"),
    ([np.ones(2), 0.0, 0.0], r"the seed for y has shape \(2,\)"),
    ({"z": 1.0}, r"wrt names \['z'\], which are not inputs"),
    (object(), "neither an input name"),
])
def test_forward_wrt_errors_are_clear(g, wrt, message):
    with pytest.raises(ValueError, match=message):
        g.table(mode="forward", wrt=wrt)


def test_forward_without_wrt_names_the_choices(g):
    with pytest.raises(ValueError, match=r"needs wrt= .*\['y', 'mu', 'sigma'\]"):
        g.table(mode="forward")


# ----------------------------------------------------------------------------- arrays

def test_arrays_show_shape_and_summary_never_a_dump():
    x = np.arange(10_000, dtype=float).reshape(100, 100)
    g = mg.trace(lambda a: mnp.sum(a * 2.0), x)
    t = g.table(mode="reverse")
    text, tex, page = str(t), t.to_latex(), t.to_html()
    # 4 significant digits: mean 4999.5 -> 5000; 2 x: mean 9999, max 19998 -> 2e+04
    assert "array(100, 100) mean=5000 range=[0, 9999]" in text
    assert "array(100, 100) mean=9999 range=[0, 2e+04]" in text
    assert r"array $(100, 100)$, mean $5000$, range $[0, 9999]$" in tex
    assert r"range $[0, 2 \cdot 10^{4}]$" in tex
    for out in (text, tex, page, t.to_markdown(), t._repr_latex_()):
        assert len(out) < 3000 and "9997" not in out  # no element listing
    assert format_value(np.array([True, False, True, True])) == "array(4,) mean=0.75 range=[0, 1]"
    assert format_value(np.zeros((0, 3))) == "array(0, 3)"


def test_build_table_signature_keeps_positional_order():
    params = list(inspect.signature(build_table).parameters)
    assert params[:4] == ["graph", "mode", "wrt", "naming"]
