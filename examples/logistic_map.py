"""The logistic map x <- a x (1 - x), vectorised over many a, and its derivative dx_n/da.

    python examples/logistic_map.py --engine minigrad
    python examples/logistic_map.py --engine jax --steps 50 --a 2.5 3.2

``minigrad.examples.logistic_map`` is written for one a; it is elementwise, so with
minigrad it runs on an array of a directly and one forward sweep (``jvp`` with tangent
ones) gives every dx_n/da at once.  With JAX the scalar function's derivative is
vectorised by ``vmap(grad(f))``.  ``--steps`` is the number of iterations n.
"""

from __future__ import annotations

import numpy as np
from _common import plot_curves, report, session, to_numpy

from minigrad import examples as ex
from minigrad import lax


def _extra(parser):
    parser.add_argument("--x0", type=float, default=0.3, help="starting point x_0")
    parser.add_argument("--a", type=float, nargs="+", default=[2.5, 2.9, 3.2, 3.5],
                        help="the a at which to print x_n and dx_n/da")
    parser.add_argument("--num", type=int, default=1000, help="how many a in [1.5, 3.5]")


def value_and_derivative(engine, a, x0, steps):
    """x_n(a) and dx_n/da for every entry of the 1-d array a."""
    def f(a):
        return ex.logistic_map(a, x0=x0, steps=steps)

    if engine.is_jax:
        jb = engine.module
        both = jb.jit(jb.vmap(jb.value_and_grad(f)))  # scalar f, vectorised over a
        x, dx = both(a)
    else:
        x, dx = engine.jvp(f, (a,), (np.ones_like(a),))  # elementwise: one sweep for all a
    return to_numpy(x), to_numpy(dx)


def orbits(a, x0=0.3, skip=1000, keep=1000):
    """Iterates skip + 1 ... skip + keep of the logistic map from x0, one row per entry of a:
    the points of the bifurcation diagram.  JAX: ``jit(vmap(orbit))``, two ``lax.scan``s."""
    import jaxbridge as jb

    def orbit(a):
        def step(x, _):
            x = a * x * (1 - x)
            return x, x

        x, _ = lax.scan(step, 0 * a + x0, None, length=skip)  # a JAX carry: jax.lax.scan
        return lax.scan(step, x, None, length=keep)[1]

    with jb.precision():
        return to_numpy(jb.jit(jb.vmap(orbit))(np.asarray(a, dtype=float)))


def main(argv=None):
    with session(__doc__, steps=30, extra=_extra, argv=argv) as (args, engine):
        a_show = np.asarray(args.a, dtype=float)
        a_grid = np.linspace(1.5, 3.5, args.num)
        a = np.concatenate([a_show, a_grid])
        x, dx = value_and_derivative(engine, a, args.x0, args.steps)
        k = len(a_show)
        print(f"x_{args.steps} and dx_{args.steps}/da from x0 = {args.x0}, "
              f"over {len(a)} values of a at once")
        for ai, xi, di in zip(a_show, x[:k], dx[:k]):
            print(f"  a = {ai:.4f}: x_n = {xi: .12f}, dx_n/da = {di: .10e}")
        print(f"  over a in [1.5, 3.5]: max |dx_n/da| = {np.max(np.abs(dx[k:])):.4e}")
        report("a", a_show)
        report("x", x[:k])
        report("dxda", dx[:k])
    if args.plot:
        plot_curves(args.plot, {"dx_n/da": list(dx[k:])},
                    title=f"logistic map derivative ({args.engine})", ylabel="dx_n/da")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
