"""Logistic regression on 10,000 x 100 data: gradient ascent on the mean log-likelihood.

    python examples/logistic_regression.py --engine minigrad --steps 50
    python examples/logistic_regression.py --engine jax

The model is ``minigrad.examples.logistic_loglik`` with ``params = {'b0': scalar,
'b1': (100,)}``, unchanged between engines; ``--engine`` picks which one computes
``value_and_grad``.  Prints the log-likelihood along the way, the final value and the
accuracy, and how close the estimate is to the coefficients that generated the data.
"""

from __future__ import annotations

import numpy as np
from _common import plot_curves, report, session, to_numpy

from minigrad import examples as ex
from minigrad import lax


def _extra(parser):
    parser.add_argument("--lr", type=float, default=2.0, help="gradient-ascent step size")


def fit(engine, X, y, steps, lr):
    """Gradient ascent from zero: the parameters and the mean log-likelihood at each step."""
    value_and_grad = engine.value_and_grad(ex.logistic_loglik)

    def ascent(params, _):  # one definition for both engines (jax.lax.scan on JAX arrays)
        value, g = value_and_grad(params, X, y)
        return {k: params[k] + lr * g[k] for k in params}, value  # ascent: +

    params0 = engine.array({"b0": 0.0, "b1": np.zeros(X.shape[1])})
    params, values = lax.scan(ascent, params0, np.arange(steps))
    params = to_numpy(params)
    return params, [float(v) for v in to_numpy(values)] + [float(ex.logistic_loglik(params, X, y))]


def main(argv=None):
    with session(__doc__, steps=100, extra=_extra, argv=argv) as (args, engine):
        X, y, true_params = ex.logistic_data(0)
        print(f"data: X {X.shape}, {int(y.sum())} of {len(y)} labels are 1")
        params, values = fit(engine, X, y, args.steps, args.lr)

        every = max(1, args.steps // 5)
        for i in list(range(0, args.steps, every)) + [args.steps]:
            print(f"  step {i:5d}: mean log-likelihood {values[i]:.10f}")
        p = ex.logistic_predict(params, X)
        accuracy = float(np.mean((np.asarray(p) > 0.5) == (y > 0.5)))
        err = np.linalg.norm(np.r_[params["b0"], params["b1"]]
                             - np.r_[true_params["b0"], true_params["b1"]])
        print(f"accuracy {accuracy:.4f}; |estimate - true coefficients| = {err:.4f}")
        report("loglik_start", values[0])
        report("loglik_final", values[-1])
        report("loglik_trace", values)
        report("accuracy", accuracy)

    plot_curves(args.plot, {"mean log-likelihood": values},
                title=f"logistic regression ({args.engine})", ylabel="mean log-likelihood")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
