"""Central finite differences: the engine-independent reference for first derivatives."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np


def central_difference_grad(f: Callable, args: Sequence[float], eps: float | None = None) -> np.ndarray:
    """d f / d args[i] for scalar arguments, by (f(x + h) - f(x - h)) / 2h.

    The default step h = cbrt(machine epsilon) * max(1, |x|) balances truncation error
    (O(h^2)) against rounding error (O(eps / h)); the result is good to about 1e-10
    relative for smooth functions in float64.
    """
    args = [float(a) for a in args]
    grads = []
    for i, x in enumerate(args):
        h = eps if eps is not None else np.cbrt(np.finfo(float).eps) * max(1.0, abs(x))
        plus, minus = list(args), list(args)
        plus[i], minus[i] = x + h, x - h
        grads.append((float(f(*plus)) - float(f(*minus))) / (2 * h))
    return np.array(grads)
