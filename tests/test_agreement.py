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
