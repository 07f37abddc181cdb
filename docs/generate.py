"""Regenerate the outputs shown in the docs pages by running their code.

    python docs/generate.py          # rewrite every page in docs/ in place
    python docs/generate.py --check  # exit 1 if a page is out of date

Two kinds of blocks are regenerated:

* a ```python block followed by ``<!-- output -->``, a fenced block and ``<!-- /output -->``:
  the code runs (alone, in a fresh namespace, in a temporary directory, as tests/test_docs.py
  runs it) and what it prints replaces the fenced block's content;
* a ```console block whose lines starting with ``$ minigrad`` are commands: each runs
  (``python -m minigrad.cli``, in a temporary directory) and its output follows it.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent


def pages() -> list[Path]:
    """Every Markdown page of the docs."""
    return sorted(DOCS.rglob("*.md"))

_PYTHON_WITH_OUTPUT = re.compile(
    r"(```python\n(?P<code>.*?)```\n\n<!-- output -->\n```(?P<lang>\w*)\n)(?P<out>.*?)(```\n<!-- /output -->)",
    re.S)
_CONSOLE = re.compile(r"```console\n(?P<body>.*?)```", re.S)


@contextlib.contextmanager
def _in_temp_dir():
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(old)


def run_python(code: str) -> str:
    buffer = io.StringIO()
    with _in_temp_dir(), contextlib.redirect_stdout(buffer):
        exec(compile(code, "<docs>", "exec"), {"__name__": "__docs__"})
    out = buffer.getvalue()
    return out if out.endswith("\n") or not out else out + "\n"


def run_console(body: str) -> str:
    lines = [line for line in body.splitlines() if line.startswith("$ ")]
    shown = []
    with _in_temp_dir() as tmp:
        for line in lines:
            argv = shlex.split(line[2:])
            assert argv[0] == "minigrad", line
            env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
            r = subprocess.run([sys.executable, "-m", "minigrad.cli", *argv[1:]], cwd=tmp,
                               capture_output=True, text=True, env=env, timeout=300)
            output = (r.stdout + r.stderr).replace(str(tmp) + os.sep, "")
            shown.append(line + "\n" + output + ("" if output.endswith("\n") or not output else "\n"))
    return "".join(shown)


def render(text: str) -> str:
    """The page with every generated output brought up to date."""
    text = _PYTHON_WITH_OUTPUT.sub(
        lambda m: m.group(1) + run_python(m.group("code")) + m.group(5), text)
    return _CONSOLE.sub(lambda m: "```console\n" + run_console(m.group("body")) + "```", text)


def main(argv: list[str]) -> int:
    stale = []
    for page in pages():
        text = page.read_text(encoding="utf-8")
        new = render(text)
        if new == text:
            continue
        if "--check" in argv:
            stale.append(page)
        else:
            page.write_text(new, encoding="utf-8")
            print(f"wrote {page}")
    for page in stale:
        print(f"{page} is out of date: run python docs/generate.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
