"""Shared helpers for the tutorial scripts in ``examples/``.

Every script is run as ``python examples/<name>.py --engine minigrad`` or ``--engine jax``:
the model functions come from ``minigrad.examples`` unchanged; only the module providing
the transformations (``minigrad`` or ``jaxbridge``) differs.  Results are printed as
machine-checkable lines ``result: <name> = <value>`` (values as JSON).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from typing import Callable, Iterable, Iterator

import numpy as np

# make ``python examples/foo.py`` work from a source checkout without installation
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


def parse_args(description: str, steps: int, extra: Callable | None = None,
               argv: list[str] | None = None) -> argparse.Namespace:
    """The common command line: ``--engine``, ``--steps``, ``--plot PATH``, ``--quiet``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--engine", choices=["minigrad", "jax"], default="minigrad",
                        help="which engine computes the derivatives (default: minigrad)")
    parser.add_argument("--steps", type=int, default=steps,
                        help=f"number of optimisation steps (default: {steps})")
    parser.add_argument("--plot", metavar="PATH", default=None,
                        help="save the loss curve to PATH (needs matplotlib)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    if extra is not None:
        extra(parser)
    return parser.parse_args(argv)


class Engine:
    """The transformations of one engine, with minigrad's names.

    ``engine.grad(f)`` etc. return minigrad's transformation or jaxbridge's (compiled with
    ``jit=True`` where the transformation supports it).  ``engine.scope()`` is the context
    the computation runs in: float64 and full-precision matmuls for JAX.
    """

    def __init__(self, name: str):
        self.name = name
        if name == "jax":
            import jaxbridge as module
        elif name == "minigrad":
            import minigrad as module
        else:
            raise ValueError(f"unknown engine {name!r}")
        self.module = module

    @property
    def is_jax(self) -> bool:
        return self.name == "jax"

    def scope(self) -> contextlib.AbstractContextManager:
        if self.is_jax:
            return self.module.precision()
        return contextlib.nullcontext()

    def _compiled(self, transform: str, f: Callable, **kw) -> Callable:
        if self.is_jax:
            kw.setdefault("jit", True)
        return getattr(self.module, transform)(f, **kw)

    def grad(self, f, **kw):
        return self._compiled("grad", f, **kw)

    def value_and_grad(self, f, **kw):
        return self._compiled("value_and_grad", f, **kw)

    def jacfwd(self, f, **kw):
        return self._compiled("jacfwd", f, **kw)

    def jacrev(self, f, **kw):
        return self._compiled("jacrev", f, **kw)

    def hessian(self, f, **kw):
        return self._compiled("hessian", f, **kw)

    def jvp(self, f, primals, tangents):
        return self.module.jvp(f, primals, tangents)

    def array(self, tree):
        """A loop's starting values as this engine's arrays: ``minigrad.lax.scan`` runs as
        ``jax.lax.scan`` (one compiled loop) exactly when its carry holds JAX arrays."""
        if not self.is_jax:
            return tree
        import jax.numpy as jnp

        if isinstance(tree, dict):
            return {k: self.array(v) for k, v in tree.items()}
        if isinstance(tree, (tuple, list)):
            return type(tree)(self.array(t) for t in tree)
        return jnp.asarray(tree)

    def describe(self) -> str:
        if self.is_jax:
            with self.scope():
                return f"jax ({self.module.device()})"
        return "minigrad (float64, NumPy)"


@contextlib.contextmanager
def session(doc: str, steps: int, extra: Callable | None = None,
            argv: list[str] | None = None) -> Iterator[tuple[argparse.Namespace, Engine]]:
    """What every script's ``main`` opens with: its command line (described by the first line
    of ``doc``), its engine, the engine's scope for the whole run, and a line naming it."""
    args = parse_args(doc.splitlines()[0], steps=steps, extra=extra, argv=argv)
    engine = Engine(args.engine)
    with engine.scope():
        print(f"engine: {engine.describe()}")
        yield args, engine


def to_numpy(tree):
    """JAX arrays (or anything array-like) in a dict/tuple/list pytree -> NumPy float64."""
    if isinstance(tree, dict):
        return {k: to_numpy(v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(to_numpy(t) for t in tree)
    return np.asarray(tree, dtype=np.float64)


def progress(iterable: Iterable, total: int | None = None, desc: str = "",
             disable: bool = False) -> Iterator:
    """A progress bar on stderr: tqdm if it is installed, otherwise a plain text bar."""
    if total is None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    if disable:
        yield from iterable
        return
    try:
        from tqdm import tqdm  # optional; not a dependency
    except ImportError:
        tqdm = None
    if tqdm is not None:
        yield from tqdm(iterable, total=total, desc=desc, file=sys.stderr)
        return
    width, start, last = 30, time.perf_counter(), -1.0
    for i, item in enumerate(iterable):
        yield item
        now = time.perf_counter()
        done = i + 1
        if total and (now - last > 0.1 or done == total):
            last = now
            filled = int(width * done / total)
            bar = "#" * filled + "-" * (width - filled)
            sys.stderr.write(f"\r{desc} [{bar}] {done}/{total} {now - start:5.1f}s")
            sys.stderr.flush()
    if total:
        sys.stderr.write("\n")
        sys.stderr.flush()


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    arr = np.asarray(value)
    if arr.dtype.kind in "fc" or arr.dtype.kind in "iub":
        return arr.tolist()
    return value


def report(name: str, value) -> None:
    """Print ``result: name = <json>``: full float precision, parseable by the tests."""
    print(f"result: {name} = {json.dumps(_jsonable(value))}", flush=True)


def plot_curves(path: str | None, curves: dict[str, list[float]], title: str = "",
                ylabel: str = "loss", logy: bool = False) -> None:
    """Save the loss curve(s) to ``path`` with matplotlib, or say clearly why not."""
    if not path:
        return
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"plot: matplotlib is not installed; not saving {path} "
              "(pip install matplotlib to enable --plot)", flush=True)
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, ys in curves.items():
        ax.plot(np.arange(len(ys)), ys, label=label)
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    if len(curves) > 1:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    print(f"plot: saved {path}", flush=True)
