"""minigrad.scratch, the engine of docs chapter 3c: both sweeps against closed forms and minigrad."""

import math

import pytest

import minigrad as mg
from minigrad import scratch
from minigrad.examples import lognormal


def survey(x1, x2):
    return scratch.log(x1) + x1 * x2 - scratch.sin(x2)


def normal_logpdf(y, mu, sigma):
    return -0.5 * ((y - mu) / sigma) ** 2 - scratch.log(sigma) - 0.5 * math.log(2 * math.pi)


@pytest.mark.parametrize("x1, x2", [(2.0, 5.0), (0.3, -1.2), (7.5, 0.1)])
def test_both_sweeps_give_the_survey_example_s_partials(x1, x2):
    by_hand = (1 / x1 + x2, x1 - math.cos(x2))
    assert scratch.grad(survey, x1, x2) == pytest.approx(by_hand, rel=1e-14)
    for k, seed in enumerate([(1.0, 0.0), (0.0, 1.0)]):
        value, tangent = scratch.jvp(survey, (x1, x2), seed)
        assert value == pytest.approx(math.log(x1) + x1 * x2 - math.sin(x2), rel=1e-15)
        assert tangent == pytest.approx(by_hand[k], rel=1e-14)


@pytest.mark.parametrize("point", [(1.5, 0.0, 2.0), (-0.7, 0.4, 0.3)])
def test_the_normal_log_density_agrees_with_minigrad(point):
    assert scratch.grad(normal_logpdf, *point) == pytest.approx(
        mg.grad(lognormal, argnums=(0, 1, 2))(*point), rel=1e-13)


def test_fan_out_accumulates_and_constants_stay_floats():
    assert scratch.grad(lambda x: x * x + 3.0 * x, 2.0) == (7.0,)
    tape, _, out = scratch.trace(lambda x: 2.0 * x - 1.0, 4.0)
    assert [row.op for row in tape.rows] == ["input", "mul", "sub"] and out.value == 7.0


def test_a_second_derivative_is_out_of_its_reach():
    with pytest.raises(TypeError):
        scratch.grad(lambda x: scratch.grad(scratch.sin, x)[0], 1.0)
