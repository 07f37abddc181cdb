"""One process of tests/test_distributed.py: ``python distributed_worker.py PORT RANK``.

It joins a two-process JAX run on this machine's CPU (gloo collectives), checks the
log-normal's gradients at the same 101 points as its peer, and prints the gathered report
as ``result: <json>``; then a function whose minigrad rule is wrong on the second half of
its points only (``wrong: <json>``).
"""

import dataclasses
import json
import sys

import jax

jax.config.update("jax_cpu_collectives_implementation", "gloo")
jax.distributed.initialize(coordinator_address=f"127.0.0.1:{sys.argv[1]}", num_processes=2,
                           process_id=int(sys.argv[2]))

import numpy as np  # noqa: E402

import jaxbridge as jb  # noqa: E402
import minigrad as mg  # noqa: E402
import minigrad.numpy as mnp  # noqa: E402
from minigrad.examples import lognormal  # noqa: E402

rng = np.random.default_rng(0)
n = 101
points = [rng.normal(size=n), rng.normal(size=n), rng.uniform(0.5, 2.0, size=n)]
report = jb.check_gradients_at(lognormal, points)
print("result: " + json.dumps({**dataclasses.asdict(report), "rank": jax.process_index()}))

# minigrad's rule off by a factor where x > 0, which is the second process's half only
wrong_sin = mg.primitive("wrong_sin", np.sin, deriv=(lambda o, x: 2.0 * mnp.cos(x),),
                         jax="jax.numpy.sin")
report = jb.check_gradients_at(lambda x: mnp.where(x > 0, wrong_sin(x), mnp.sin(x)),
                               [np.linspace(-1.0, 1.0, 10)])
print("wrong: " + json.dumps({**dataclasses.asdict(report), "rank": jax.process_index()}))
