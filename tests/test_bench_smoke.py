"""``python -m bench --quick`` (and ``--peers --quick``, ``--bridge --quick``) as CI runs them:
they must finish, check their derivatives, and report.

No timing is asserted: only that the benchmark runs, prints its ratio lines, and that
its gradient checks pass (and would fail the run if they did not).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_bench(*args: str, setup: str | None = None,
              module: str = "bench") -> subprocess.CompletedProcess:
    """``python -m <module> *args``; with ``setup``, that Python code runs first in the same
    process (to sabotage a reference or hide a peer)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if setup is None:
        cmd = [sys.executable, "-m", module, *args]
    else:
        code = (f"import runpy, sys\n{setup}\nsys.argv[0] = {module!r}\n"
                f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)\n")
        cmd = [sys.executable, "-c", code, *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_bench_quick_runs_and_reports_ratios():
    proc = run_bench("--quick")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert out.count("ratio gradient/evaluation:") == 2, out
    assert out.count("ratio jvp/evaluation:") == 2, out
    assert "(a) scalar residual chain" in out and "(b) logistic regression" in out, out
    for line in out.splitlines():
        if "ratio gradient/evaluation:" in line:
            assert float(line.split(":")[1]) > 0
    assert "check gradient . tangent vs central difference: ok" in out
    assert "check gradient vs hand-derived derivative: ok" in out
    assert "FAILED" not in out


def test_bench_jit_quick_checks_and_reports():
    proc = run_bench("--jit", "--quick")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert out.count("| mg.jit(grad), per call |") == 3, out
    assert out.count("| mg.jit(jacfwd(jacrev)), per call |") == 2
    assert "first call (trace + write + compile, once per signature)" in out
    assert out.count("check mg.jit") == 7 and "FAILED" not in out  # 5, and the guards' 2 (issue 22)
    assert "| guards: 3 decisions add at most 1 us per call (difference) |" in out


def test_bench_transforms_quick_checks_and_reports():
    proc = run_bench("--transforms", "--quick")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    for engine in ("mg.jit(mg.vmap(f)), per call", "mg.vmap(mg.grad(loss)), per call",
                   "mg.grad, mg.checkpoint every 10 steps",
                   "mg.grad, every layer checkpointed, dots_saveable"):
        assert f"check {engine}: ok" in out, out
    assert "peak live values (Graph.memory()): 51 with checkpoints, 401 without" in out
    # 2 layers: the 3 inputs, per layer its output (and its product), the sum
    assert "dots_saveable: peak live values 8 (1,792 bytes), recomputed 2 values" in out
    assert "FAILED" not in out


def test_bench_exits_nonzero_when_a_check_fails():
    # sabotage the finite-difference reference: the run must report it and fail
    setup = ("import bench.checks as checks\n"
             "checks.central_difference = lambda *args, **kwargs: 12345.0")
    proc = run_bench("--quick", "--no-jax", setup=setup)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAILED" in proc.stdout
    assert "disagrees with its reference" in proc.stderr


PEER_SECTIONS = ("Scalar residual chain", "forward-mode JVP", "Chain of 3,000 scalar operations",
                 "Log-normal density", "Logistic regression", "Two-layer network (tutorial), H = 2",
                 "Two-layer network (tutorial), H = 16", "Hessian of 0.5 x^T A x + b^T x, n = 10",
                 "Hessian-vector product")


def test_bench_peers_quick_checks_every_workload():
    # whichever peers are installed (CI: JAX only) run, are checked, and are timed
    proc = run_bench("--peers", "--quick", "--profile")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    for title in PEER_SECTIONS:
        assert title in out, title
    assert out.count("| minigrad (record + reverse sweep) |") == 6, out
    assert "| minigrad jvp (record + forward sweep) |" in out
    assert "bytes per node" in out and "Where minigrad's time goes" in out
    assert "machine:" in out and "versions:" in out and "method:" in out
    assert "FAILED" not in out and "not timed: a check failed" not in out
    started = [line.split("] ", 1)[1] for line in proc.stderr.splitlines() if line.startswith("bench [")]
    assert all(any(title in step for step in started) for title in PEER_SECTIONS), proc.stderr  # progress


def test_bench_peers_quick_skips_missing_peers():
    # hide every peer: the run must still check minigrad, time it, and note each skip
    setup = ("for name in ('micrograd', 'autograd', 'torch', 'jax'):\n"
             "    sys.modules[name] = None")
    proc = run_bench("--peers", "--quick", setup=setup)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "| minigrad (record + reverse sweep) |" in out, out
    assert "| hand-written NumPy gradient |" in out, out
    assert "check minigrad (record + reverse sweep): ok" in out
    for peer in ("micrograd (Value): skipped", "PyTorch eager: skipped", "JAX grad, no jit: skipped",
                 "torch.func.jvp: skipped", "autograd (HIPS): skipped"):
        assert peer in out, peer
    assert "FAILED" not in out


def test_bench_peers_fails_when_a_derivative_disagrees():
    # a minigrad jvp off by 0.1 %: the JVP and Hessian-vector sections must fail, untimed
    setup = ("import minigrad\n"
             "exact = minigrad.jvp\n"
             "def wrong(f, primals, tangents):\n"
             "    out, tangent = exact(f, primals, tangents)\n"
             "    return out, tangent * 1.001\n"
             "minigrad.jvp = wrong")
    proc = run_bench("--peers", "--quick", "--only", "jvp,hvp", setup=setup)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.count("not timed: a check failed") == 2, proc.stdout
    assert "check minigrad jvp (record + forward sweep): FAILED" in proc.stdout
    assert "disagrees with its reference" in proc.stderr


def table_rows(section: str) -> list[str]:
    """The body rows of the Markdown table in one section of a report."""
    return [line for line in section.splitlines() if line.startswith("|")][2:]


def test_bench_bridge_quick_checks_and_reports():
    proc = run_bench("--bridge", "--quick")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    overhead, tutorials, batched = proc.stdout.split("\n## ")[1:]
    assert overhead.startswith("(a) Bridge overhead") and tutorials.startswith("(b) The tutorials")
    platforms = len(table_rows(batched))  # the CPU, and the GPU where there is one
    assert platforms >= 1 and "(agree)" in batched
    assert [r.split("|")[-2].strip() for r in table_rows(overhead)] == ["ok"] * platforms
    assert [r.split("|")[-2].strip() for r in table_rows(tutorials)] == ["ok"] * 7
    steps = [line for line in proc.stderr.splitlines() if line.startswith("bench [")]
    assert len(steps) == 2 * platforms + 7, proc.stderr  # a line as each step starts


def test_bench_bridge_fails_when_jax_and_minigrad_disagree():
    """Every platform's result is checked against minigrad's before it is timed."""
    setup = ("import minigrad.examples as ex\n"
             "mse = ex.mse\n"
             "ex.mse = lambda beta, X, y: mse(beta, X, y) * (1.0 if type(X).__module__ == 'numpy' else 1.001)")
    proc = run_bench("--bridge", "--quick", setup=setup)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    tutorials = proc.stdout.split("\n## ")[2]
    verdicts = {r.split("|")[1].strip(): r.split("|")[-2].strip() for r in table_rows(tutorials)}
    assert verdicts.pop("linear_regression.py") == "FAILED"
    assert set(verdicts.values()) == {"ok"}


def test_instructions_names_a_bad_workload_before_starting_valgrind():
    proc = run_bench("nosuch", module="bench.instructions")
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("bench.instructions: unknown workload 'nosuch'; "
                                   "choose from grad, jvp, micrograd")


def test_instructions_child_runs_the_workload_it_counts():
    # the part valgrind wraps: one warm-up and one counted gradient of the 10^4-node chain
    proc = run_bench("--child", "grad", "1", module="bench.instructions")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_own_process_times_both_engines_without_jax_or_torch():
    pytest.importorskip("micrograd")
    proc = run_bench("--blocks", "5", "--repeats", "3", module="bench.own_process")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "JAX imported: False, PyTorch imported: False" in out, out
    ratio = out.split("per round: median ")[1].split(",")[0]
    assert float(ratio) > 0, out


@pytest.mark.parametrize("module, args", [("bench", ("--quick", "--repeats", "0")),
                                          ("bench.own_process", ("--repeats", "none"))])
def test_a_count_that_is_not_positive_is_refused_by_name(module, args):
    proc = run_bench(*args, module=module)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith(
        f"error: argument --repeats: {args[-1]!r} is not a positive whole number; give 1 or more")
    assert "Traceback" not in proc.stderr


def test_a_ratio_goal_is_met_only_when_every_round_meets_it():
    # The verdict must not rest on the median alone: one round over the limit makes it
    # "median only".  (bench/ is not a package on the test path; import it from the root.)
    sys.path.insert(0, str(ROOT))
    try:
        from bench.peers.report import goal_lines
        from bench.peers.section import Goal, Outcome, Section
    finally:
        sys.path.remove(str(ROOT))

    def outcome(mine: list[float], theirs: list[float]) -> Outcome:
        goal = Goal("mine / theirs", "mine", "theirs", 0.7)
        section = Section("t", {}, None, "mine", goals=[goal])
        rounds = {"mine": mine, "theirs": theirs}
        return Outcome(section, {k: sorted(v)[len(v) // 2] for k, v in rounds.items()}, [],
                       len(mine), rounds)

    every = goal_lines([outcome([1.0, 1.0, 1.0], [2.0, 2.5, 1.5])])[-1]
    assert every.endswith("| 0.50x | 0.40-0.67x | 0.7 | yes |"), every
    median_only = goal_lines([outcome([1.0, 1.0, 1.0], [2.0, 2.5, 1.2])])[-1]
    assert median_only.endswith("| 0.50x | 0.40-0.83x | 0.7 | median only |"), median_only
    missed = goal_lines([outcome([1.0, 1.0, 1.0], [1.2, 1.3, 2.0])])[-1]
    assert missed.endswith("| no |"), missed
