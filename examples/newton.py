"""Newton's method on the quadratic f(x) = -((x - c)^T A (x - c) - 2), c = (3, 7).

    python examples/newton.py --engine minigrad
    python examples/newton.py --engine jax

Twice: first with the Hessian formed as ``jacfwd(jacrev(f))``; then with conjugate
gradients that only ever use Hessian-vector products, ``jvp`` of ``grad(f)`` (forward
over reverse), never forming the Hessian.  From (0, 0), one step lands on the maximum
c = (3, 7) where f = 2.  ``--steps`` sets the number of Newton steps (default 1).
"""

from __future__ import annotations

import numpy as np
from _common import report, session, to_numpy

from minigrad import examples as ex


def conjugate_gradients(matvec, b, tol=1e-14, max_iter=50):
    """Solve M s = b for symmetric positive-definite M, given only s -> M s."""
    s = np.zeros_like(b)
    r = b - matvec(s)
    d = r.copy()
    rr = r @ r
    products = 1
    for _ in range(max_iter):
        if np.sqrt(rr) <= tol * np.linalg.norm(b):
            break
        Md = matvec(d)
        products += 1
        alpha = rr / (d @ Md)
        s = s + alpha * d
        r = r - alpha * Md
        rr, rr_old = r @ r, rr
        d = r + (rr / rr_old) * d
    return s, products


def main(argv=None):
    f = ex.quadratic
    with session(__doc__, steps=1, argv=argv) as (args, engine):
        grad_f = engine.grad(f)
        hess_f = engine.jacfwd(engine.jacrev(f))

        # ---- Newton with the Hessian from jacfwd(jacrev(f))
        x = np.zeros(2)
        for k in range(args.steps):
            g = to_numpy(grad_f(x))
            H = to_numpy(hess_f(x))
            x = x - np.linalg.solve(H, g)
            print(f"newton step {k + 1}: x = {x}, f(x) = {float(f(x)):.15f}")
        print(f"  Hessian (jacfwd(jacrev(f))):\n{H}")
        report("newton_x", x)
        report("newton_f", float(f(x)))

        # ---- Newton by conjugate gradients with Hessian-vector products
        x = np.zeros(2)
        for k in range(args.steps):
            x_k = x

            def hvp(v, x_k=x_k):
                return to_numpy(engine.jvp(grad_f, (x_k,), (v,))[1])

            g = to_numpy(grad_f(x_k))
            # f is concave (H negative definite): solve (-H) s = g, then x + s = x - H^-1 g
            s, products = conjugate_gradients(lambda v: -hvp(v), g)
            x = x_k + s
            print(f"CG newton step {k + 1}: x = {x}, f(x) = {float(f(x)):.15f} "
                  f"({products} Hessian-vector products)")
        report("cg_x", x)
        report("cg_f", float(f(x)))
    if args.plot:
        print("plot: nothing to plot for Newton's method (one step lands on c)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
