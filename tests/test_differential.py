"""The differential fuzzer (issue 22, item 3): random programs that branch, run on every engine.

Each program (``minigrad.testing.branching_programs``: Python ``if``, ``where``, ``lax.cond``,
``lax.while_loop``, closures over traced values, captured arrays, two custom rules of one
name, 2x2 linear algebra, a comparison returned) is run at three points: the one it is
traced at, one near it, and one across a decision. At each point its value, its JVP along a
random tangent and its gradient come from

* JAX, eagerly, in float64 (the reference: the same function object on JAX arrays);
* the program itself on Python floats (its value);
* minigrad's eager transformations (``mg.jvp``, ``mg.grad``);
* ``mg.jit`` of the function, of its JVP and of its gradient, first called at the traced point;
* ``g.to_python()`` and ``g.to_python(mode="reverse")`` of the graph traced at the first point,
  which may refuse elsewhere with a ``GuardError`` naming the decision, never give a number
  that is wrong.

Every result agrees with JAX's, or every engine refuses where JAX refuses (reverse mode
through ``while_loop``, forward mode of a ``custom_vjp``) with a minigrad error. JAX costs
about half a second a program, so most programs are held against eager minigrad instead
(``check_program(..., reference="eager")``: ``jit`` and ``to_python`` against the eager
engine, which the JAX-held ones and tests/test_random_programs.py hold against JAX).
``MINIGRAD_FUZZ_EXAMPLES`` and ``MINIGRAD_FUZZ_JAX_EXAMPLES`` set the numbers of programs;
``python -m bench.differential`` runs a campaign that tallies failures (bench/README.md).
"""

from __future__ import annotations

import os

import jax
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import FEATURES, BranchingProgram, branching_programs
from minigrad.testing.differential import check_program
from minigrad.testing.strategies import LINALG_FORMS

# CI: a few thousand programs against eager minigrad (cheap), and some against JAX (op by op,
# about half a second a program); the campaign sets both (bench/README.md)
EXAMPLES = int(os.environ.get("MINIGRAD_FUZZ_EXAMPLES", "2500"))
JAX_EXAMPLES = int(os.environ.get("MINIGRAD_FUZZ_JAX_EXAMPLES", "50"))

# Switches for cases still open on main, each naming its case: the generated programs leave
# out what would fail for a known reason, and the fuzzer stays exact for the rest. Every case
# of issue 22 it covers is fixed: all are on.
OPEN_FEATURES: dict[str, str] = {}  # feature -> the open case, e.g. "while": "S5: ..."
OPEN_LINALG: dict[str, str] = {}  # linalg form -> the open case
ONE_NAME = True  # two custom rules of one name (S2); False names them apart
FEATURES_ON = tuple(f for f in FEATURES if f not in OPEN_FEATURES)
LINALG_ON = tuple(f for f in LINALG_FORMS if f not in OPEN_LINALG)


def _tangents(n: int):
    return st.tuples(*[st.integers(-10, 10).map(lambda i: i / 10) for _ in range(n)])


@st.composite
def programs_and_tangents(draw):
    prog = draw(branching_programs(features=FEATURES_ON, linalg=LINALG_ON, one_name=ONE_NAME))
    return prog, draw(_tangents(prog.n_inputs))


SETTINGS = dict(deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(case, reference: str) -> None:
    prog, tangent = case
    note(f"{prog!r}\n# tangent {tangent}")
    check_program(prog, tangent, reference)


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(programs_and_tangents())
def test_jit_and_to_python_agree_with_eager_minigrad_or_refuse_alike(case):
    _check(case, "eager")


@settings(max_examples=JAX_EXAMPLES, **SETTINGS)
@given(programs_and_tangents())
def test_every_engine_agrees_with_jax_or_refuses_alike(case):
    _check(case, "jax")


def test_the_fuzzer_catches_a_wrong_number():
    """A program whose jitted gradient is off (a wrong rule under jit only) fails the check."""
    prog = BranchingProgram(1, ["v1 = mnp.sin(x1)"], "v1", {}, [(0.5,), (0.6,), (-0.5,)], {"if"}, False)
    check_program(prog, (1.0,))
    original = mg.jit

    def wrong_jit(f, *a, **k):
        jitted = original(f, *a, **k)
        return lambda *xs: jax.tree_util.tree_map(lambda v: v * (1 + 1e-6), jitted(*xs))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mg, "jit", wrong_jit)
        for reference in ("jax", "eager"):
            with pytest.raises(AssertionError, match="jit"):
                check_program(prog, (1.0,), reference)


def test_the_campaign_tallies_failures_by_kind(capsys):
    """``python -m bench.differential``: a few programs, their count and each failure's kind."""
    from bench import differential

    assert differential.main(["--programs", "5", "--reference", "eager", "--features",
                              "closure,captured"]) == 0
    assert "agree on every engine, 0 do not" in capsys.readouterr().out
    line = "grad, jit, at point 2 (0.5, -1.0): minigrad gives array(1.), the reference array(2.)"
    assert differential.failure_class(line) == "grad, jit: a wrong number"
