"""Linear regression: gradient descent on the MSE, then minibatch SGD on the RMSE.

    python examples/linear_regression.py --engine minigrad
    python examples/linear_regression.py --engine jax --plot loss.png

Part 1 fits y = X beta + noise (X of shape (100, 2)) by full-batch gradient descent on the
mean squared error and compares with the closed-form least-squares solution from
``numpy.linalg.lstsq``.  Part 2 runs minibatch SGD with an RMSE loss on 1000 points.
The model (``mse``, ``rmse``) and data come from ``minigrad.examples``; only the engine
computing ``grad`` changes with ``--engine``.
"""

from __future__ import annotations

import numpy as np
from _common import plot_curves, progress, report, session, to_numpy

from minigrad import examples as ex
from minigrad import lax


def _extra(parser):
    parser.add_argument("--lr", type=float, default=0.1, help="gradient-descent step size")
    parser.add_argument("--epochs", type=int, default=20, help="SGD epochs on 1000 points")
    parser.add_argument("--batch", type=int, default=50, help="SGD minibatch size")


def gradient_descent(engine, X, y, steps, lr):
    grad_mse = engine.grad(ex.mse)

    def step(beta, _):  # one definition for both engines: lax.scan is jax.lax.scan on JAX arrays
        return beta - lr * grad_mse(beta, X, y), ex.mse(beta, X, y)

    beta, losses = lax.scan(step, engine.array(np.zeros(X.shape[1])), np.arange(steps))
    beta = to_numpy(beta)
    return beta, [float(v) for v in to_numpy(losses)] + [float(ex.mse(beta, X, y))]


def minibatch_sgd(engine, X, y, epochs, batch, seed=0, quiet=False):
    grad_rmse = engine.grad(ex.rmse)
    rng = np.random.default_rng(seed)
    n = len(y)
    X, y = engine.array(X), engine.array(y)  # indexed by traced indices inside jax.lax.scan

    def sgd_step(carry, idx):  # one minibatch; an epoch is one lax.scan over them
        beta, step = carry
        return (beta - 0.5 / (1 + 0.05 * step) * grad_rmse(beta, X[idx], y[idx]), step + 1.0), None

    carry, losses = engine.array((np.zeros(X.shape[1]), 0.0)), []
    for _epoch in progress(range(epochs), desc="SGD ", disable=quiet):
        batches = rng.permutation(n)[:n - n % batch].reshape(-1, batch)
        carry, _ = lax.scan(sgd_step, carry, batches)
        losses.append(float(ex.rmse(carry[0], X, y)))
    return to_numpy(carry[0]), losses


def main(argv=None):
    with session(__doc__, steps=300, extra=_extra, argv=argv) as (args, engine):

        # ---- part 1: gradient descent on the MSE, 100 points
        X, y, beta_true = ex.linear_data(0)
        beta_ls = np.linalg.lstsq(X, y, rcond=None)[0]
        beta, losses = gradient_descent(engine, X, y, args.steps, args.lr)
        print(f"gradient descent: {args.steps} steps, lr {args.lr}: "
              f"mse {losses[0]:.6f} -> {losses[-1]:.6f}")
        print(f"  true beta           {beta_true}")
        print(f"  least squares beta  {beta_ls}")
        print(f"  gradient descent    {beta}   (|diff| = {np.max(np.abs(beta - beta_ls)):.2e})")
        report("gd_beta", beta)
        report("gd_mse", losses[-1])

        # ---- part 2: minibatch SGD on the RMSE, 1000 points
        X2, y2, _ = ex.linear_data(1, n=1000)
        beta2_ls = np.linalg.lstsq(X2, y2, rcond=None)[0]
        beta2, rmses = minibatch_sgd(engine, X2, y2, args.epochs, args.batch, quiet=args.quiet)
        print(f"minibatch SGD: {args.epochs} epochs, batch {args.batch}: rmse {rmses[-1]:.6f} "
              f"(least squares {float(ex.rmse(beta2_ls, X2, y2)):.6f})")
        print(f"  least squares beta  {beta2_ls}")
        print(f"  SGD beta            {beta2}   (|diff| = {np.linalg.norm(beta2 - beta2_ls):.2e})")
        report("sgd_beta", beta2)
        report("sgd_rmse", rmses[-1])

    plot_curves(args.plot, {"GD (MSE)": losses}, title=f"linear regression ({args.engine})",
                logy=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
