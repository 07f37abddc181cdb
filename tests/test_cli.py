"""The command line, end to end in a subprocess, including bad input."""

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "minigrad.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_demo_runs_end_to_end(tmp_path):
    out = tmp_path / "ln.svg"
    r = run("demo", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "v10 │ v9 - (0.5 log 2 pi)" in r.stdout
    assert "agreement: yes" in r.stdout
    # d/dsigma of the log-normal at (1.5, 0, 2): (y - mu)^2 / sigma^3 - 1 / sigma = -0.21875
    assert "-0.21875" in r.stdout
    written = out if out.exists() else out.with_suffix(".dot")
    assert written.exists()
    if written.suffix == ".svg":
        ET.parse(written)  # well-formed SVG


def test_demo_needs_no_test_extra(tmp_path):
    """A plain install has no hypothesis: the demo and the agreement checker still run,
    and a strategy, asked for, says what to install."""
    script = (
        "import sys, runpy; sys.modules['hypothesis'] = None\n"  # import hypothesis now fails
        "import minigrad.testing as t\n"
        "try:\n    t.points\nexcept ImportError as e:\n    print('strategies:', e)\n"
        "sys.argv = ['minigrad', 'demo', '-o', 'ln.svg']\n"
        "runpy.run_module('minigrad.cli', run_name='__main__')\n")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "strategies: minigrad.testing.points is a hypothesis strategy" in r.stdout
    assert "pip install hypothesis" in r.stdout
    assert "agreement: yes" in r.stdout


def test_table_latex_for_a_bundled_example():
    r = run("table", "lognormal", "--at", "y=1.5", "mu=0", "sigma=2", "--mode", "reverse",
            "--format", "latex")
    assert r.returncode == 0, r.stderr
    assert r"$v_{10}$ & $v_{9} - \left(0.5 \, \log 2 \, \pi\right)$" in r.stdout
    assert r"\frac{v_{4}}{v_{3}}" in r.stdout


def test_table_with_steps_and_numeric_constants():
    r = run("table", "x * x", "--at", "x=3", "--mode", "reverse", "--steps", "--constants", "both")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("v̄1 +=") == 2  # one contribution per use of x
    r = run("table", "lognormal", "--constants", "both")
    assert "0.5 log 2 pi ≈ 0.918939" in r.stdout  # 0.5 * log(2 pi) = 0.91893853...


def test_check_an_expression():
    r = run("check", "x1*x2 + sin(x1)", "--at", "x1=2", "x2=5")
    assert r.returncode == 0, r.stderr
    assert "agreement: yes" in r.stdout


def test_graph_to_dot_source(tmp_path):
    out = tmp_path / "z.dot"
    r = run("graph", "x1*x2 + sin(x1)", "--at", "x1=2", "x2=5", "--mode", "forward",
            "--wrt", "x1", "-o", str(out))
    assert r.returncode == 0, r.stderr
    source = out.read_text()
    assert "v3 -> v5" in source and "v̇₅ = " in source  # v5's tangent


@pytest.mark.parametrize("args, message", [
    (["table", "nosuchthing"], "unknown function 'nosuchthing'"),
    (["table", "__import__('os').system('true')"], "calling \"__import__('os').system\" is not allowed"),
    (["table", "x.real + 1", "--at", "x=1"], "attribute syntax is not allowed"),
    (["table", "lognormal", "--at", "y=1", "mu=0"], "missing value for sigma"),
    (["table", "x1 + x2", "--at", "x1=1", "x2=2", "x3=3"], "x3 is not a variable"),
    (["table", "x + 1", "--at", "x=abc"], "'abc' is not a number"),
    (["table", "x + 1", "--at", "x=1", "--mode", "forward", "--wrt", "q"], "wrt='q' is not an input"),
    (["graph", "x + 1", "--at", "x=1", "-o", "out.txt"], "cannot tell the format"),
])
def test_bad_input_is_one_clear_line_and_a_nonzero_exit(args, message, tmp_path):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("point, cause", [
    (["y=2", "mu=0", "sigma=0"], "float division by zero (ZeroDivisionError)"),
    (["y=1e200", "mu=0", "sigma=1e-100"], "Numerical result out of range (OverflowError)"),
])
def test_check_at_a_point_outside_the_domain_is_one_line(point, cause):
    r = run("check", "lognormal", "--at", *point)
    assert r.returncode == 2 and r.stdout == ""
    at = ", ".join(p.replace("1e200", "1e+200") for p in point)
    assert r.stderr.splitlines() == [
        f"minigrad check: lognormal cannot be evaluated at {at}: {cause}; choose a point "
        f"where it is defined and finite"]


def test_check_does_not_call_a_nan_gradient_agreement():
    r = run("check", "sqrt(x)", "--at", "x=-1")
    assert r.returncode == 1
    assert "gradient (minigrad reverse): [nan]" in r.stdout
    assert "all engines agree" not in r.stdout
    assert r.stdout.rstrip().endswith("agreement: NO (not finite at this point)")
    assert r.stderr.splitlines() == ["minigrad check: warning: invalid value encountered in sqrt"]


def test_check_passes_a_steep_product_that_finite_differences_resolve_coarsely():
    product = "*".join(["(" + "*".join(["x"] * 30) + ")"] * 30)  # x^900
    r = run("check", product, "--at", "x=1")
    assert r.returncode == 0, r.stdout
    assert "gradient (minigrad reverse): [900]" in r.stdout
    assert "FD error bound" in r.stdout
