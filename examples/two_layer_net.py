"""A two-layer network 2 -> H -> 1 on the "hill" data: plain gradient steps and RMSprop.

    python examples/two_layer_net.py --engine minigrad
    python examples/two_layer_net.py --engine jax --steps 1000 --plot loss.png

Label 1 where x2 >= 2.5 x1 (1 - x1) in the unit square.  The network
(``minigrad.examples.mlp_loss``: sigmoid hidden layer, linear output, binary
cross-entropy) is trained on 2000 points and evaluated on the 8000 held out, first with
plain gradient descent, then with RMSprop written out step by step.
"""

from __future__ import annotations

import numpy as np
from _common import plot_curves, report, session, to_numpy

from minigrad import examples as ex
from minigrad import lax
from minigrad import numpy as mnp


def _extra(parser):
    parser.add_argument("--hidden", type=int, default=10, help="hidden units H")
    parser.add_argument("--lr", type=float, default=5.0, help="plain gradient step size")
    parser.add_argument("--rms-lr", type=float, default=0.05, help="RMSprop step size")
    parser.add_argument("--train", type=int, default=2000, help="training points")


def accuracy(params, X, y) -> float:
    return float(np.mean((np.asarray(ex.mlp_predict(params, X)) > 0.5) == (y > 0.5)))


def train_gd(engine, value_and_grad, p, X, y, steps, lr):
    def step(p, _):  # one definition for both engines (jax.lax.scan on JAX arrays)
        v, g = value_and_grad(p, X, y)
        return {k: p[k] - lr * g[k] for k in p}, v

    p, losses = lax.scan(step, engine.array(p), np.arange(steps))
    return to_numpy(p), [float(v) for v in to_numpy(losses)]


def train_rmsprop(engine, value_and_grad, p, X, y, steps, lr, decay=0.9, eps=1e-8):
    """RMSprop: s <- decay s + (1 - decay) g^2;  p <- p - lr g / (sqrt(s) + eps)."""
    s = {k: np.zeros_like(np.asarray(v, dtype=float)) for k, v in p.items()}

    def step(carry, _):
        p, s = carry
        v, g = value_and_grad(p, X, y)
        s = {k: decay * s[k] + (1 - decay) * g[k] ** 2 for k in p}
        return ({k: p[k] - lr * g[k] / (mnp.sqrt(s[k]) + eps) for k in p}, s), v

    (p, _), losses = lax.scan(step, engine.array((p, s)), np.arange(steps))
    return to_numpy(p), [float(v) for v in to_numpy(losses)]


def main(argv=None):
    with session(__doc__, steps=300, extra=_extra, argv=argv) as (args, engine):
        X, y = ex.hill_data(0)
        Xtr, ytr, Xte, yte = X[:args.train], y[:args.train], X[args.train:], y[args.train:]
        p0 = ex.init_mlp(args.hidden, seed=0, scale=2.0)
        value_and_grad = engine.value_and_grad(ex.mlp_loss)
        print(f"start: loss {float(ex.mlp_loss(p0, Xtr, ytr)):.4f}, "
              f"test accuracy {accuracy(p0, Xte, yte):.4f}")

        p_gd, loss_gd = train_gd(engine, value_and_grad, p0, Xtr, ytr, args.steps, args.lr)
        acc_gd = accuracy(p_gd, Xte, yte)
        print(f"gradient steps: {args.steps} steps, lr {args.lr}: loss {loss_gd[0]:.4f} -> "
              f"{float(ex.mlp_loss(p_gd, Xtr, ytr)):.4f}, test accuracy {acc_gd:.4f}")

        p_rms, loss_rms = train_rmsprop(engine, value_and_grad, p0, Xtr, ytr, args.steps,
                                        args.rms_lr)
        acc_rms = accuracy(p_rms, Xte, yte)
        print(f"RMSprop:        {args.steps} steps, lr {args.rms_lr}: loss {loss_rms[0]:.4f} -> "
              f"{float(ex.mlp_loss(p_rms, Xtr, ytr)):.4f}, test accuracy {acc_rms:.4f}")

        report("gd_loss", [loss_gd[0], float(ex.mlp_loss(p_gd, Xtr, ytr))])
        report("gd_accuracy", acc_gd)
        report("rmsprop_loss", [loss_rms[0], float(ex.mlp_loss(p_rms, Xtr, ytr))])
        report("rmsprop_accuracy", acc_rms)

    plot_curves(args.plot, {"gradient steps": loss_gd, "RMSprop": loss_rms},
                title=f"two-layer net on the hill data ({args.engine})", ylabel="cross-entropy")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
