"""Shared test settings: hypothesis profiles (``ci`` is derandomized and thorough), the
``pdflatex`` fixture that compiles generated LaTeX where TeX is installed, and the scoped
two-layer network that the graph writers' cluster tests trace."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hypothesis import HealthCheck, settings

import minigrad as mg
import minigrad.numpy as mnp

settings.register_profile(
    "ci", derandomize=True, max_examples=150, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def pdflatex():
    """Compile a ``.tex`` file in its directory with a real TeX install: returns the PDF's
    page count (from pdflatex's own report) and asserts the run succeeded.  Skips cleanly
    where ``pdflatex`` is not on PATH (CI may have no TeX)."""
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")

    def compile_tex(tex: Path) -> int:
        r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                           cwd=tex.parent, capture_output=True, text=True, timeout=180)
        assert r.returncode == 0, r.stdout[-3000:]
        assert tex.with_suffix(".pdf").stat().st_size > 0
        pages = re.search(r"Output written on .*\((\d+) pages?", r.stdout)
        assert pages, r.stdout[-3000:]
        return int(pages.group(1))

    return compile_tex


@pytest.fixture
def scoped_mlp():
    """``mean((tanh(X W1 + b1) W2 + b2)^2)`` with each layer in an ``mg.scope``."""
    def two_layer_mlp(W1, b1, W2, b2, X):
        with mg.scope("layer1"):
            h = mnp.tanh(X @ W1 + b1)
        with mg.scope("layer2"):
            out = h @ W2 + b2
        return mnp.mean(out ** 2)

    return two_layer_mlp


@pytest.fixture(scope="module")
def jax_x64():
    """JAX with float64 for one test module; the previous setting restored afterwards."""
    jax = pytest.importorskip("jax")
    previous = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", previous)


@pytest.fixture(scope="module")
def jax(jax_x64):
    """``jax`` itself, in float64 (``jax_x64``), by the name the tests call it."""
    return jax_x64
