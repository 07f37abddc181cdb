"""The agreement checker: engines agree on good functions, and a wrong rule is named."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest

import minigrad.numpy as mnp
from minigrad import examples, primitives
from minigrad.testing import AgreementReport, assert_agree, check_agreement

PAIRS = {"value", "gradient", "jvp", "vjp", "adjoint identity"}


def small_array_function(x, W):
    return mnp.tanh(W @ x) * mnp.sum(x ** 2) / (1.0 + mnp.exp(-x[0]))


def _scaled(rules, factor=1.01):
    return tuple(None if r is None else (lambda r: lambda *a, **k: r(*a, **k) * factor)(r)
                 for r in rules)


@pytest.fixture
def wrong_truediv():
    prim = primitives.TABLE["truediv"]
    with mock.patch.object(prim, "jvp", _scaled(prim.jvp)), \
            mock.patch.object(prim, "vjp", _scaled(prim.vjp)):
        yield


def _engines(report: AgreementReport) -> set:
    return {(c.quantity, c.left, c.right) for c in report.comparisons}


def test_lognormal_agrees_and_lists_every_pair():
    report = check_agreement(examples.lognormal, 1.5, 0.0, 2.0)
    assert report.ok, str(report)
    assert {c.quantity for c in report.comparisons} == PAIRS
    pairs = _engines(report)
    for q in ("gradient", "jvp", "vjp"):
        for e in ("jax", "finite differences"):
            assert any(p[0] == q and e in p[1:] for p in pairs), (q, e)
        assert any(p[0] == q and {"minigrad forward", "minigrad reverse"} == set(p[1:]) for p in pairs)
    for c in report.comparisons:
        assert c.ok and c.max_abs <= c.atol + c.rtol * 10 and c.max_rel >= 0
    text = str(report)
    assert "all engines agree" in text and "-0.21875" in text
    assert text.count("│ yes") == len(report.comparisons)
    assert report.divergence is None
    np.testing.assert_allclose(report.results[("gradient", "minigrad reverse")],
                               [-0.375, 0.375, -0.21875])


def test_small_array_function_agrees():
    x = np.array([0.3, -0.2, 0.5])
    W = np.arange(6.0).reshape(2, 3) / 5
    report = assert_agree(small_array_function, x, W, seed=3)
    quantities = {c.quantity for c in report.comparisons}
    assert quantities == PAIRS - {"gradient"}  # array output: the vjp stands for the gradient
    assert any("shape (2,)" in n for n in report.notes)
    assert report.results[("vjp", "jax")].shape == (9,)


def test_wrong_division_rule_is_caught_and_named(wrong_truediv):
    report = check_agreement(examples.lognormal, 1.5, 0.0, 2.0)
    assert not report.ok
    bad = {(c.quantity, c.right) for c in report.failures}
    assert ("jvp", "jax") in bad and ("vjp", "jax") in bad and ("gradient", "finite differences") in bad
    div = report.divergence
    assert div is not None and div.kind == "tangent"
    assert div.var == "v5" and div.line == "v5 = v4 / v3"
    assert div.equation is not None and "div" in div.equation
    text = str(report)
    assert "first divergence" in text and "v5 = v4 / v3" in text and "'truediv'" in text
    assert "v8  │ log v3" in text  # trace table rows around v5 (v2..v8)
    assert "v2  │ mu" in text and "v10" not in text.split("first divergence")[1]


def test_wrong_vjp_alone_names_its_consumer():
    prim = primitives.TABLE["truediv"]
    with mock.patch.object(prim, "vjp", _scaled(prim.vjp)):
        report = check_agreement(examples.lognormal, 1.5, 0.0, 2.0)
    assert not report.ok
    assert report.divergence.kind == "adjoint"
    assert "v5 = v4 / v3" in report.divergence.suspects


def test_assert_agree_raises_with_the_report(wrong_truediv):
    with pytest.raises(AssertionError) as info:
        assert_agree(examples.lognormal, 1.5, 0.0, 2.0)
    message = str(info.value)
    assert "first divergence" in message and "v5 = v4 / v3" in message and "│ NO" in message


def test_complex_step_joins_the_comparison_where_the_function_allows():
    from minigrad.examples import lognormal
    from minigrad.testing import check_agreement

    report = check_agreement(lognormal, 1.5, 0.3, 2.0, complex_step=True, rtol=1e-12, atol=1e-14)
    steps = [c for c in report.comparisons if c.right == "complex step"]
    assert report.ok and len(steps) == 1 and steps[0].ok

    def real_only(x):
        if isinstance(x, complex):
            raise TypeError("real numbers only")
        return x * x

    report = check_agreement(real_only, 1.5, complex_step=True)
    assert report.ok and any("complex step skipped" in n for n in report.notes)


def test_parameter_dictionaries_and_several_outputs():
    import minigrad.numpy as mnp
    from minigrad.examples import hill_data, init_mlp, mlp_loss
    from minigrad.testing import check_agreement

    X, y = hill_data(seed=0, n=12)
    report = check_agreement(mlp_loss, init_mlp(hidden=3, seed=1), X, y)
    assert report.ok, str(report)
    assert any(c.quantity == "gradient" for c in report.comparisons)  # still a scalar loss

    def two_outputs(p):
        return {"a": mnp.sin(p["w"]) * p["b"], "b": mnp.sum(p["w"] ** 2)}

    report = check_agreement(two_outputs, {"w": np.array([0.3, -1.2]), "b": 0.7})
    assert report.ok, str(report)


# ------------------------------------------- finite differences' own error, nan and inf

EPS = np.finfo(float).eps


def power_900(x):
    out = x
    for _ in range(899):
        out = out * x
    return out


def fd_row(report, quantity="gradient"):
    return next(c for c in report.comparisons
                if c.quantity == quantity and c.right == "finite differences")


def test_a_steep_product_agrees_within_the_error_of_finite_differences():
    report = check_agreement(power_900, 1.0)
    assert report.ok, report
    # d/dx x^900 = 900 at 1, exactly, by every exact engine
    assert report.results[("gradient", "minigrad reverse")][0] == 900.0
    assert report.results[("gradient", "jax")][0] == 900.0
    # the central difference's truncation error, h^2 / 6 f'''(1), h = cbrt(eps): 4.5e-3 (5e-6 relative)
    h = np.cbrt(EPS)
    truncation = h * h / 6 * 900 * 899 * 898
    fd = report.results[("gradient", "finite differences")][0]
    assert fd - 900 == pytest.approx(truncation, rel=0.01)
    row = fd_row(report)
    assert row.max_rel > 1e-6  # beyond fd_rtol: the bound, not a looser fixed tolerance, passes it
    assert truncation < row.bound < 4 * truncation


def test_a_smooth_function_keeps_the_tight_tolerance():
    report = check_agreement(examples.lognormal, 1.5, 0.0, 2.0)
    assert all(c.bound == 0.0 for c in report.comparisons)  # fd_rtol decides, nothing widened
    assert "FD error bound" not in str(report)


@pytest.mark.parametrize("g, dg, x", [
    (np.exp, np.exp, 10.0),
    (lambda t: t ** 50, lambda t: 50 * t ** 49, 1.1),
    (lambda t: np.sin(100 * t), lambda t: 100 * np.cos(100 * t), 0.3),
    (lambda t: 1 / (t - 0.999), lambda t: -1 / (t - 0.999) ** 2, 1.0),
])
def test_the_error_bound_bounds_the_error(g, dg, x):
    from minigrad.testing.agreement import _central, _fd_step

    d, bound = _central(lambda t: g(x + t), _fd_step(x), ops=4)
    assert abs(d - dg(x)) <= bound


def test_a_wrong_rule_is_caught_by_finite_differences_despite_the_bound(wrong_truediv):
    report = check_agreement(lambda x: power_900(x) / 2.0, 1.0)
    assert not fd_row(report).ok


def test_a_nan_gradient_is_not_agreement():
    import jax
    import jax.numpy as jnp

    assert np.isnan(jax.grad(jnp.sqrt)(-1.0))  # JAX's derivative there is nan as well
    report = check_agreement(lambda x: mnp.sqrt(x), -1.0)
    assert not report.ok
    assert np.isnan(report.results[("gradient", "minigrad reverse")][0])
    assert {"value", "gradient"} <= set(report.nonfinite)
    assert all(not c.ok and c.verdict == "not finite" for c in report.comparisons
               if c.quantity == "gradient")
    assert "all engines agree" not in str(report)
    assert "not finite at this point" in str(report).splitlines()[0]
    assert report.divergence is None  # no tangent to follow through a nan
    with pytest.raises(AssertionError, match="not finite at this point"):
        assert_agree(lambda x: mnp.sqrt(x), -1.0)


def test_an_infinite_value_is_not_agreement():
    report = check_agreement(lambda x: x * x, 1e200)  # x^2 overflows; 2x = 2e200 does not
    assert not report.ok and "value" in report.nonfinite
