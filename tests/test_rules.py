"""check_rules catches deliberately wrong user rules, each by the check that should see it,
and passes right ones; references are the implementation's own values (differences, the
complex step) and the bodies differentiated, never the rules under test."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad.testing import assert_rules, check_rules


def _custom_sin(factor: float = 1.0, sign: float = 1.0):
    @mg.custom_jvp
    def my_sin(x):
        return mnp.sin(x)

    @my_sin.defjvp
    def my_sin_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return my_sin(x), sign * factor * mnp.cos(x) * t

    return my_sin


def _failing(report) -> set[tuple[str, str]]:
    return {(c.quantity, c.right) for c in report.failures}


def test_right_rules_hold_over_a_domain():
    report = check_rules(_custom_sin(), np.zeros(2), domain="real", examples=8)
    assert report, str(report)
    assert report.points_checked == 8
    assert {c.quantity for c in report.checks} == {"jvp", "vjp", "adjoint identity", "second order"}


@pytest.mark.parametrize("factor, sign", [(2.0, 1.0), (1.0, -1.0)], ids=["factor off", "sign off"])
def test_a_wrong_jvp_rule_is_caught_at_a_named_point(factor, sign):
    report = check_rules(_custom_sin(factor, sign), 0.0, domain="real", examples=10)
    assert not report
    assert {("jvp", "central differences"), ("jvp", "complex step"),
            ("jvp", "the bodies differentiated"), ("vjp", "central differences")} <= _failing(report)
    text = str(report)
    assert text.startswith("rules of my_sin: jvp (minigrad forward vs central differences) fails at (")
    assert "my_sin v1" in text and "my_sin_jvp" in text  # the trace table, with the rule
    with pytest.raises(AssertionError, match="rules of my_sin: jvp"):
        assert_rules(_custom_sin(factor, sign), 0.5)


def test_a_wrong_vjp_alone_breaks_the_adjoint_identity():
    # the JVP rule is right, the VJP rule has the sign off
    bad = mg.primitive("sin_bad_vjp", np.sin, jvp=(lambda t, o, x: t * mnp.cos(x),),
                       vjp=(lambda g, o, x: -g * mnp.cos(x),), jax="jax.numpy.sin")
    report = check_rules(lambda x: bad(x) * 2.0, np.array([0.3, 1.1]))
    assert _failing(report) == {("adjoint identity", "<J^T u, v> (vjp)"), ("vjp", "central differences")}
    assert str(report).startswith("rules of <lambda>: vjp (minigrad reverse vs central differences) fails")


def test_custom_vjp_checked_in_reverse_mode_only():
    @mg.custom_vjp
    def cube(x):
        return x ** 3

    cube.defvjp(lambda x: (cube(x), x), lambda x, g: (3.0 * x * x * g,))
    report = check_rules(cube, 0.7)
    assert report, str(report)
    assert ("second order", "reverse over reverse") in {(c.quantity, c.left) for c in report.checks}
    assert any("no forward mode" in n for n in report.notes)

    cube.defvjp(lambda x: (cube(x), x), lambda x, g: (2.0 * x * x * g,))  # a factor off
    assert _failing(check_rules(cube, 0.7)) == {("vjp", "central differences"),
                                                ("vjp", "the bodies differentiated")}


def test_a_rule_that_cannot_be_differentiated_fails_second_order_unless_told():
    @mg.custom_jvp
    def my_exp(x):
        return mnp.exp(x)

    @my_exp.defjvp
    def my_exp_jvp(primals, tangents):  # np.exp of the primal: right, but not traceable
        (x,), (t,) = primals, tangents
        return my_exp(x), np.exp(x) * t

    report = check_rules(my_exp, 0.4)
    (failure,) = report.failures
    assert failure.quantity == "second order"
    assert failure.right.startswith("error: not differentiable (pass second_order=False if it need "
                                    "not be): np.exp (a NumPy ufunc) was applied to traced variable")
    relaxed = check_rules(my_exp, 0.4, second_order=False)
    assert relaxed and any("second order not checked" in n for n in relaxed.notes)


def _sincos(cos_sign: float = 1.0):
    @mg.custom_jvp
    def sincos(x):
        return mnp.sin(x), mnp.cos(x)

    @sincos.defjvp
    def sincos_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return sincos(x), (mnp.cos(x) * t, -cos_sign * mnp.sin(x) * t)

    return sincos


def _split_vjp(factor: float = 1.0):
    @mg.custom_vjp
    def split(x, y):
        return {"sum": x + y, "prod": x * y}

    split.defvjp(lambda x, y: (split(x, y), (x, y)),
                 lambda res, g: (g["sum"] + factor * res[1] * g["prod"], g["sum"] + res[0] * g["prod"]))
    return split


def test_rules_of_functions_with_several_outputs():
    """Tuple and dict outputs: every output is checked; a sign off in the second output's
    tangent, or a factor off in one cotangent, is caught."""
    x, y = np.array([0.3, 1.1]), np.array([-0.4, 2.0])
    report = check_rules(_sincos(), x)
    assert report, str(report)
    assert {c.quantity for c in report.checks} == {"jvp", "vjp", "adjoint identity", "batch",
                                                      "second order"}
    assert ("jvp", "the bodies differentiated") in {(c.quantity, c.right) for c in report.checks}
    assert check_rules(_split_vjp(), x, y)
    wrong = check_rules(_sincos(cos_sign=-1.0), x)
    assert {("jvp", "central differences"), ("jvp", "the bodies differentiated"),
            ("vjp", "central differences")} <= _failing(wrong)
    assert "(sincos v1)[1]" in str(wrong) and "sincos_jvp" in str(wrong)
    assert _failing(check_rules(_split_vjp(2.0), x, y)) == {("vjp", "central differences"),
                                                             ("vjp", "the bodies differentiated")}
    with pytest.raises(AssertionError, match="rules of sincos: jvp"):
        assert_rules(_sincos(cos_sign=-1.0), 0.5)
