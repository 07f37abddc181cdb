"""Where and how precisely JAX computes: the device report and the precision policy."""

from __future__ import annotations

import contextlib
from typing import Iterator

import jax


def device() -> str:
    """The default device and float precision, e.g. ``"gpu (NVIDIA H100), float32"``."""
    d = jax.devices()[0]
    kind = "" if d.device_kind == d.platform else f" ({d.device_kind})"
    dtype = "float64" if jax.config.jax_enable_x64 else "float32"
    count = jax.device_count()
    many = f", {count} devices" if count > 1 else ""
    return f"{d.platform}{kind}, {dtype}{many}"


@contextlib.contextmanager
def precision(x64: bool = True, matmul: str = "highest") -> Iterator[None]:
    """Scoped precision for comparisons with minigrad's float64.

    JAX computes in float32 by default, and recent GPUs run float32 matmuls in TF32
    (about 3 decimal digits): both make agreement with a float64 reference flaky.  Inside
    this context, 64-bit types are enabled and matmuls use full precision; the global
    configuration is restored on exit.
    """
    with jax.enable_x64(x64), jax.default_matmul_precision(matmul):
        yield
