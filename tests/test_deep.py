"""Both sweeps are loops, not recursion: a chain of a million operations differentiates."""

import math
import sys

import pytest

import minigrad as mg
import minigrad.numpy as mnp

N = 1_000_000


def iterated_sin(x):
    for _ in range(N):
        x = mnp.sin(x)
    return x


@pytest.fixture(scope="module")
def reference():
    """Value and derivative by the chain rule worked by hand: d sin^N(x)/dx = prod cos(x_k)."""
    x, d = 1.0, 1.0
    for _ in range(N):
        d *= math.cos(x)
        x = math.sin(x)
    return x, d


def test_million_operation_chain_reverse_mode(reference):
    assert sys.getrecursionlimit() <= 10_000  # the default limit, not raised for this test
    value, grad = mg.value_and_grad(iterated_sin)(1.0)
    assert value == pytest.approx(reference[0], rel=1e-12)
    assert grad == pytest.approx(reference[1], rel=1e-9)


def test_million_operation_chain_forward_mode(reference):
    value, tangent = mg.jvp(iterated_sin, (1.0,), (1.0,))
    assert tangent == pytest.approx(reference[1], rel=1e-9)
