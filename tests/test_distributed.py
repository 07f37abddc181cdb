"""check_gradients_at across processes: two local CPU processes joined by jax.distributed
(gloo collectives), each checking its half of the same points; both return the report of
all of them."""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys

import pytest

pytest.importorskip("jax")
HERE = os.path.dirname(os.path.abspath(__file__))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_share_the_points_and_agree_on_the_report():
    port = _free_port()
    env = dict(os.environ, JAX_PLATFORMS="cpu",
               PYTHONPATH=os.path.dirname(HERE) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("XLA_FLAGS", None)  # one CPU device per process
    procs = [subprocess.Popen([sys.executable, os.path.join(HERE, "distributed_worker.py"),
                               str(port), str(rank)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for rank in (0, 1)]
    reports, wrong = [], []
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err[-3000:]
        for prefix, found in (("result: ", reports), ("wrong: ", wrong)):
            line = next(l for l in out.splitlines() if l.startswith(prefix))
            found.append(json.loads(line[len(prefix):]))
    assert sorted(r["rank"] for r in reports) == [0, 1]
    for r in reports:
        assert (r["points"], r["processes"], r["devices"]) == (101, 2, 2)
        assert r["ok"] and r["max_abs_error"] < 1e-12
    assert reports[0]["max_abs_error"] == reports[1]["max_abs_error"]
    # the disagreement is in the second process's share; both report it, with its size
    # (the rule is off by cos(x), largest at the smallest positive point, 1/9)
    for r in wrong:
        assert r["points"] == 10 and not r["ok"]
        assert abs(r["max_abs_error"] - math.cos(1 / 9)) < 1e-6
