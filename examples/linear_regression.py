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


def _extra(parser):
    parser.add_argument("--lr", type=float, default=0.1, help="gradient-descent step size")
    parser.add_argument("--epochs", type=int, default=20, help="SGD epochs on 1000 points")
    parser.add_argument("--batch", type=int, default=50, help="SGD minibatch size")


def gradient_descent(engine, X, y, steps, lr, quiet=False):
    grad_mse = engine.grad(ex.mse)
    value_mse = ex.mse
    beta = np.zeros(X.shape[1])
    losses = []
    for _ in progress(range(steps), desc="GD  ", disable=quiet):
        losses.append(float(value_mse(beta, X, y)))
        beta = beta - lr * to_numpy(grad_mse(beta, X, y))
    losses.append(float(value_mse(beta, X, y)))
    return beta, losses


def minibatch_sgd(engine, X, y, epochs, batch, seed=0, quiet=False):
    grad_rmse = engine.grad(ex.rmse)
    rng = np.random.default_rng(seed)
    beta, step = np.zeros(X.shape[1]), 0
    losses = []
    n = len(y)
    for _epoch in progress(range(epochs), desc="SGD ", disable=quiet):
        order = rng.permutation(n)
        for k in range(0, n - batch + 1, batch):
            idx = order[k:k + batch]
            beta = beta - 0.5 / (1 + 0.05 * step) * to_numpy(grad_rmse(beta, X[idx], y[idx]))
            step += 1
        losses.append(float(ex.rmse(beta, X, y)))
    return beta, losses


def main(argv=None):
    with session(__doc__, steps=300, extra=_extra, argv=argv) as (args, engine):

        # ---- part 1: gradient descent on the MSE, 100 points
        X, y, beta_true = ex.linear_data(0)
        beta_ls = np.linalg.lstsq(X, y, rcond=None)[0]
        beta, losses = gradient_descent(engine, X, y, args.steps, args.lr, args.quiet)
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
