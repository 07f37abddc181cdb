"""The comparison the transformation tests make with JAX's answers: same shape, same numbers."""

import numpy as np


def close(got, want, rtol: float = 1e-10) -> None:
    """``got`` equals JAX's ``want``: the same shape, and values within ``rtol`` (1e-12 absolute)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12)
