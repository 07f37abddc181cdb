"""Regenerate the outputs and figures shown in the docs pages by running their code.

    python docs/generate.py          # rewrite every page in docs/ and its figures in place
    python docs/generate.py --check  # exit 1 if a page or a figure is out of date
    python docs/generate.py --machine-dependent  # also redraw the timings and Graphviz layouts

What is regenerated:

* a ```python block followed by ``<!-- output -->``, a fenced block and ``<!-- /output -->``:
  the code runs (alone, in a fresh namespace, in a temporary directory, as tests/test_docs.py
  runs it) and what it prints replaces the fenced block's content;
* a ```python block (after its output, if it has one, and the ``</details>`` that folds
  away long plotting code) followed by ``<!-- figure -->`` and a
  Markdown image link ``![...](figures/NAME.svg)``: the code writes ``NAME.svg`` into its
  temporary directory, or ends with an expression that a notebook would display as SVG
  (``g.display(mode="reverse")``), and that becomes ``docs/figures/NAME.svg``.  Followed
  instead by ``--8<-- "figures/NAME.html"`` (pymdownx.snippets includes it), the block ends
  with an expression a notebook displays as HTML (a table, the stepper ``g.frames()``), and
  that HTML becomes ``docs/figures/NAME.html``.  Matplotlib runs with
  the Agg backend, a fixed ``svg.hashsalt`` and ``SOURCE_DATE_EPOCH``.  ``--check`` compares
  what the figure shows, not its bytes (which move with the CPU and library versions): its
  texts and its data to half a point (docs/stable_view.py), and a figure is rewritten only
  when that changed (a Graphviz drawing, a table or a stepper: its texts, the numbers as
  printed).  A figure marked ``<!-- figure: machine-dependent -->`` (timings, a Graphviz
  layout) is compared by its texts outside the tick labels and how many lines and points it
  has, and rewritten only when those changed or with ``--machine-dependent``: running the
  generator twice leaves git's work tree clean;
* a ```console block whose lines starting with ``$ minigrad`` are commands: each runs
  (``python -m minigrad.cli``, in a temporary directory) and its output follows it.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parent
if str(DOCS) not in sys.path:  # stable_view beside this file, also when a test loads it by path
    sys.path.insert(0, str(DOCS))
import stable_view  # noqa: E402
ROOT = DOCS.parent
FIGURES = DOCS / "figures"
MACHINE_DEPENDENT = "machine-dependent"


def pages() -> list[Path]:
    """Every Markdown page of the docs."""
    return sorted(DOCS.rglob("*.md"))


# A ```python block (its code may not contain a line starting with ```, so that a block
# without generated output is never merged with the next one), then optionally its output,
# then optionally its figure.
_PYTHON = re.compile(
    r"^```python\n(?P<code>(?:(?!^```).)*)^```\n"
    r"(?:\n<!-- output -->\n```\w*\n(?P<out>(?:(?!^```).)*)```\n<!-- /output -->\n)?"
    r"(?P<fold>\n</details>\n)?"  # the code folded away (plotting), the figure shown after it
    r"(?:\n<!-- figure(?:: (?P<kind>[\w-]+))? -->\n"
    r"(?:!\[[^\]\n]*\]\(figures/(?P<figure>[\w.-]+\.svg)\)|--8<-- \"figures/(?P<html>[\w.-]+\.html)\")\n)?",
    re.S | re.M)
_CONSOLE = re.compile(r"```console\n(?P<body>.*?)```", re.S)


@dataclass(frozen=True)
class Figure:
    """A figure of a page: its file, the code that writes it, and whether --check compares it."""

    path: Path
    code: str
    checked: bool


@contextlib.contextmanager
def _in_temp_dir():
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(old)


@contextlib.contextmanager
def _reproducible_matplotlib():
    """Agg, a fixed SVG id salt, a fixed date and every point drawn: a figure depends on its data."""
    old_epoch = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "0"
    try:
        import matplotlib
    except ImportError:  # the block's own import fails with the clearer message
        rc = contextlib.nullcontext()
    else:
        matplotlib.use("Agg")
        rc = matplotlib.rc_context({"svg.hashsalt": "minigrad-docs", "svg.fonttype": "path",
                                    "path.simplify": False})  # every point: see stable_view
    try:
        with rc:
            yield
    finally:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        if old_epoch is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old_epoch


def run_python(code: str, figure: str | None = None) -> tuple[str, bytes | None]:
    """What ``code`` prints, and the bytes of the file ``figure`` it writes (if named), or
    else of what its last expression displays as in a notebook (SVG or HTML, by the suffix)."""
    buffer = io.StringIO()
    settings = _reproducible_matplotlib() if figure else contextlib.nullcontext()
    with _in_temp_dir() as tmp, settings, contextlib.redirect_stdout(buffer):
        shown = _run_as_a_cell(code)
        drawn = (tmp / figure).read_bytes() if figure and (tmp / figure).is_file() else None
    if figure and drawn is None:
        drawn = _displayed(shown, Path(figure).suffix)
    if figure and drawn is None:
        raise RuntimeError(f"a docs code block shown with figures/{figure} did not write "
                           f"{figure}: save the figure under that name in the current directory"
                           f" or end the block with what a notebook displays as {figure}")
    out = _without_machine_notes(buffer.getvalue())
    return (out if out.endswith("\n") or not out else out + "\n"), drawn


def _run_as_a_cell(code: str):
    """Run ``code`` as a notebook cell runs it: the value of a last expression is returned."""
    tree = ast.parse(code, "<docs>")
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    namespace = {"__name__": "__docs__"}
    exec(compile(tree, "<docs>", "exec"), namespace)
    return eval(compile(ast.Expression(last.value), "<docs>", "eval"), namespace) if last else None


def _displayed(value, suffix: str) -> bytes | None:
    """What a notebook shows for ``value`` as SVG (``.svg``) or HTML (``.html``), if anything."""
    if value is None:
        return None
    mime = "image/svg+xml" if suffix == ".svg" else "text/html"
    bundle = value._repr_mimebundle_() if hasattr(value, "_repr_mimebundle_") else {}
    method = getattr(value, "_repr_svg_" if suffix == ".svg" else "_repr_html_", None)
    shown = bundle.get(mime) or (method() if method else None)
    return None if shown is None else (shown.rstrip("\n") + "\n").encode("utf-8")


def run_console(body: str) -> str:
    lines = [line for line in body.splitlines() if line.startswith("$ ")]
    shown = []
    with _in_temp_dir() as tmp:
        for line in lines:
            argv = shlex.split(line[2:])
            assert argv[0] == "minigrad", line
            env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                       COLUMNS="80")  # argparse wraps its help to the terminal's width
            r = subprocess.run([sys.executable, "-m", "minigrad.cli", *argv[1:]], cwd=tmp,
                               capture_output=True, text=True, env=env, timeout=300)
            output = _without_machine_notes((r.stdout + r.stderr).replace(str(tmp) + os.sep, ""))
            shown.append(line + "\n" + output + ("" if output.endswith("\n") or not output else "\n"))
    return "".join(shown)


def _without_machine_notes(output: str) -> str:
    """``output`` without the lines that say Graphviz's program is missing on this machine
    (each ends by telling how to install it): the page shows the same with or without it.
    Python blocks' and commands' outputs alike."""
    from minigrad.explain.layout import INSTALL

    return "".join(line for line in output.splitlines(keepends=True) if INSTALL not in line)


def _checked(m: re.Match) -> bool:
    """Whether --check compares the data of a matched block's figure (not only its texts)."""
    kind = m.group("kind")
    if kind not in (None, MACHINE_DEPENDENT):
        raise ValueError(f"<!-- figure: {kind} -->: the only figure kind is "
                         f"{MACHINE_DEPENDENT!r} (or none, for a checked figure)")
    return kind is None


def figures(text: str) -> list[Figure]:
    """The figures a page shows, each with the code block that draws it."""
    return [Figure(FIGURES / _figure_name(m), m.group("code"), _checked(m))
            for m in _PYTHON.finditer(text) if _figure_name(m)]


def _figure_name(m: re.Match) -> str | None:
    return m.group("figure") or m.group("html")


def render(text: str, drawn: dict[Path, bytes] | None = None, all_figures: bool = True) -> str:
    """The page with every generated output brought up to date.

    Figures go into ``drawn`` (path: bytes) when it is given: every figure, or with
    ``all_figures=False`` only the checked ones (the machine-dependent ones are not run).
    """
    def block(m: re.Match) -> str:
        name = _figure_name(m)
        draw = drawn is not None and name and (_checked(m) or all_figures)
        if m.group("out") is None and not draw:
            return m.group(0)
        out, svg = run_python(m.group("code"), name if draw else None)
        if draw:
            drawn[FIGURES / name] = svg
        if m.group("out") is None:
            return m.group(0)
        start, end = m.span("out")
        return m.string[m.start():start] + out + m.string[end:m.end()]

    text = _PYTHON.sub(block, text)
    return _CONSOLE.sub(lambda m: "```console\n" + run_console(m.group("body")) + "```", text)


def figure_differences(path: Path, svg: bytes, checked: bool) -> list[str]:
    """How the committed figure ``path`` differs from ``svg`` as drawn now (empty: up to date)."""
    if not path.is_file():
        return [f"{path.name} is missing"]
    return stable_view.differences(path.read_bytes(), svg, exact_data=checked)


def main(argv: list[str]) -> int:
    check, redraw = "--check" in argv, "--machine-dependent" in argv
    unknown = set(argv) - {"--check", "--machine-dependent"}
    if unknown:
        print(f"docs/generate.py: unknown option {sorted(unknown)[0]}: the options are --check "
              "and --machine-dependent", file=sys.stderr)
        return 2
    stale: list[str] = []
    for page in pages():
        text = page.read_text(encoding="utf-8")
        drawn: dict[Path, bytes] = {}
        new = render(text, drawn)
        checked = {f.path: f.checked for f in figures(text)}
        if check:
            stale += [f"{page} is out of date"] if new != text else []
            stale += [f"{path} is out of date: " + "; ".join(why) for path, svg in drawn.items()
                      if (why := figure_differences(path, svg, checked[path]))]
            continue
        if new != text:
            page.write_text(new, encoding="utf-8")
            print(f"wrote {page}")
        for path, svg in drawn.items():
            if figure_differences(path, svg, checked[path]) or redraw and not checked[path]:
                path.parent.mkdir(exist_ok=True)
                path.write_bytes(svg)
                print(f"wrote {path}")
    for line in stale:
        print(f"{line} (run python docs/generate.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # the code blocks document this checkout, as the commands do
    sys.exit(main(sys.argv[1:]))
