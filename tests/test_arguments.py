"""Arguments, in the API and on the command line: each refused in one sentence that says
what is wrong, never silently dropped or replaced (issue 13, items 8 and 9)."""

import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad.errors import TransformError

jax = pytest.importorskip("jax")
jnp = jax.numpy


def run(*args):
    return subprocess.run([sys.executable, "-m", "minigrad.cli", *args], capture_output=True,
                          text=True, timeout=300)


def one_line(r) -> str:
    """The single line on stderr (and nothing else there)."""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


# ----------------------------------------------------------------------- the API


def mul(x, y):
    return x * y


def test_duplicate_argnums_are_refused_as_jax_refuses_them():
    with pytest.raises(Exception):  # JAX fails too (with a TypeError of its own)
        jax.grad(mul, argnums=(0, 0))(1.0, 2.0)
    for nums in [(0, 0), (0, -2), [1, 1]]:
        with pytest.raises(TransformError, match=r"argnums=.* names positional argument \d "
                                                 r"more than once"):
            mg.grad(mul, argnums=nums)(1.0, 2.0)
    with pytest.raises(TransformError, match="more than once"):
        mg.jacrev(mul, argnums=(1, 1))(1.0, 2.0)


@pytest.mark.parametrize("argnums", [1.0, None, "0"])
def test_argnums_that_are_not_ints_are_named(argnums):
    with pytest.raises(TransformError, match=r"argnums must be an int or a non-empty tuple of ints, "
                                             r"got " + repr(argnums).replace(".", r"\.")):
        mg.grad(mul, argnums=argnums)(1.0, 2.0)


@pytest.mark.parametrize("value", ["a", "f8"])
def test_a_string_argument_is_named_as_a_string(value):
    # "f8" used to pass as a dtype name and fail later in a multiplication
    with pytest.raises(TransformError, match=rf"grad: argument 'x' is a str \('{value}'\), which "
                                             r"cannot be differentiated"):
        mg.grad(lambda x: x * 2.0)(value)


@pytest.mark.parametrize("transform", [
    lambda x: mg.grad(lambda x: x * x)(x),
    lambda x: mg.jvp(lambda x: x * x, (x,), (1.0,)),
    lambda x: mg.jacfwd(lambda x: x * x)(x),
])
def test_a_jax_array_given_to_a_transformation_says_so(transform):
    with pytest.raises(TransformError, match=r"argument 'x' is a JAX array .*np\.asarray\(x\)"):
        transform(jnp.asarray(3.0))


def test_the_same_point_as_numpy_is_differentiated():
    assert mg.grad(lambda x: x * x)(np.asarray(jnp.asarray(3.0))) == 6.0


@pytest.mark.parametrize("jacobian", ["jacfwd", "jacrev"])
@pytest.mark.parametrize("f, x", [
    (lambda x: x * 2.0, np.zeros(0)),
    (lambda x: mnp.sum(x), np.zeros(0)),
    (lambda x: x[:0] * 2.0, np.ones(3)),
])
def test_jacobians_of_empty_arrays_are_empty_as_in_jax(jacobian, f, x):
    ours = getattr(mg, jacobian)(f)(x)
    theirs = getattr(jax, jacobian)(f)(jnp.asarray(x))
    assert np.shape(ours) == theirs.shape  # (0, 0), (0,), (0, 3)
    assert np.size(ours) == 0


def test_hessian_of_an_empty_array_is_empty():
    assert mg.hessian(lambda x: mnp.sum(x * x))(np.zeros(0)).shape == (0, 0)


@pytest.mark.parametrize("make, who", [
    (lambda g: g.table(mode="reverse"), "table"),
    (lambda g: g.frames(mode="reverse"), "frames"),
    (lambda g: g.to_dot(mode="reverse"), "to_dot"),
    (lambda g: g.to_mermaid(mode="reverse"), "to_mermaid"),
    (lambda g: g.to_tikz(mode="reverse"), "to_tikz"),
    (lambda g: g.render("never-written.tex", mode="reverse"), ""),
])
def test_reverse_mode_of_a_vector_output_says_it_needs_a_scalar(make, who, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    g = mg.trace(lambda x: x * 2.0, np.ones(2))
    with pytest.raises(ValueError, match=who + r".*reverse mode seeds the output's adjoint with 1, "
                                               r"so the output must be a scalar, but it has shape \(2,\)"):
        make(g)
    assert not (tmp_path / "never-written.tex").exists()



# ------------------------------------------------------------------ the command line

EXPR = "x1*x2 + sin(x1)"


def test_a_name_given_twice_is_refused_not_overwritten():
    r = run("table", EXPR, "--at", "x1=2", "x2=5", "x1=7")
    assert r.returncode == 2 and r.stdout == ""
    assert one_line(r) == "minigrad table: --at gives x1 twice (x1=2 and x1=7); give each variable once"


def test_at_given_twice_accumulates():
    r = run("check", "x1*x2", "--at", "x1=2", "--at", "x2=5")
    assert r.returncode == 0, r.stderr
    assert "gradient (minigrad reverse): [5, 2]" in r.stdout  # d(x1 x2) = (x2, x1)
    r = run("table", "x1*x2", "--at", "x1=2", "--at", "x1=3", "x2=5")
    assert r.returncode == 2 and "--at gives x1 twice" in one_line(r)


def test_a_missing_name_before_the_equals_sign_is_named():
    r = run("table", "x", "--at", "=2")
    assert r.returncode == 2
    assert one_line(r) == ("minigrad table: --at '=2': the variable's name is missing before '='; "
                           "write NAME=VALUE, e.g. x=2")


def rows(stdout: str) -> list[list[str]]:
    """The trace table's rows, cell by cell."""
    return [[c.strip() for c in line.split("│")] for line in stdout.splitlines()
            if line.startswith("v") and not line.startswith("var")]


def test_a_single_name_is_an_expression():
    r = run("table", "x", "--at", "x=1.5")
    assert r.returncode == 0, r.stderr
    assert rows(r.stdout) == [["v1", "x", "1.5", ""]]
    r = run("table", "pi")
    assert r.returncode == 0, r.stderr
    assert "the output is the constant 3.14159" in r.stdout  # pi to six digits
    r = run("check", "pi")  # no variable: nothing to differentiate, said so
    assert r.returncode == 2
    assert one_line(r) == ("minigrad check: check_agreement: expression has no inputs, so there "
                           "is no derivative to check; give a function of at least one variable")
    r = run("table", "lognorml")  # a typo of a bundled name is still caught as one
    assert r.returncode == 2
    assert "unknown function 'lognorml'; did you mean 'lognormal'?" in one_line(r)


def test_an_expression_starting_with_a_minus_needs_no_double_dash():
    r = run("table", "-x*y", "--at", "x=2", "y=3", "--mode", "forward", "--wrt", "x")
    assert r.returncode == 0, r.stderr
    # -x*y: d/dx = -y = -3 at (2, 3); the value is -6
    assert rows(r.stdout)[-1][2] == "-6" and rows(r.stdout)[-1][-1] == "-3"


@pytest.mark.parametrize("mode", [[], ["--mode", "reverse"]])
def test_wrt_without_forward_mode_is_refused(mode):
    r = run("table", EXPR, "--at", "x1=2", "x2=5", *mode, "--wrt", "x1")
    assert r.returncode == 2 and r.stdout == ""
    assert one_line(r).startswith("minigrad table: --wrt x1 chooses the seed of forward mode")


def test_numpy_warnings_are_one_line_without_source_paths():
    r = run("table", "x/0", "--at", "x=1")
    assert r.returncode == 0
    assert rows(r.stdout)[-1][2] == "inf"
    assert one_line(r) == "minigrad table: warning: divide by zero encountered in divide"
