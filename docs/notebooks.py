"""Each chapter as a Jupyter notebook that runs as it is (in Colab too), made from its page.

The page is the one source: jupytext makes its ```python blocks code cells, which carry the
outputs docs/generate.py wrote into the page (printed text, SVG and HTML figures), and its
prose Markdown cells.  What only MkDocs understands is rewritten for Jupyter: an
admonition (``!!! question "Exercise 1"``) becomes a quoted paragraph under its title, a
folded solution (``<details>``) a folded Markdown cell and code cells shown collapsed, a
link to another page a link to the site's page.  The first cell installs minigrad +
jaxbridge where the kernel lacks them, from the wheel the site ships beside the notebooks
(docs/site_extras.py): the copy beside the notebook, else the one at the site's address
(mkdocs.yml's ``site_url``), which is how a notebook opened in Colab finds it.  ``pip
install minigrad`` would fetch an unrelated package.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import jupytext
import nbformat

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
if str(DOCS) not in sys.path:
    sys.path.insert(0, str(DOCS))
import generate  # noqa: E402  (its pattern of a code block and its generated output)

CHAPTERS = sorted(DOCS.glob("0*.md")) + [DOCS / "explainer.md"]
EXAMPLES = ROOT / "examples"
# Where a page lists the tutorial scripts in full (the site) or writes them beside the
# notebook, whose cells import them (the notebook).
SCRIPTS = "<!-- the tutorial scripts -->"


def scripts() -> list[Path]:
    """The tutorial scripts, their shared module first."""
    return sorted(EXAMPLES.glob("*.py"), key=lambda p: (not p.name.startswith("_"), p.name))


def scripts_section() -> str:
    """The scripts' README without its title, then each script in full, folded."""
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8").split("\n", 1)[1]
    parts = [readme.strip(), ""]
    for script in scripts():
        code = script.read_text(encoding="utf-8").rstrip()
        fence = "````" if "```" in code else "```"
        parts += ['<details class="example" markdown>', f"<summary><code>{script.name}</code></summary>",
                  "", f"{fence}python", code, fence, "", "</details>", ""]
    return "\n".join(parts)


def _script_cells() -> list[nbformat.NotebookNode]:
    """Cells that write the tutorial scripts beside the notebook, shown collapsed."""
    cells = [nbformat.v4.new_markdown_cell(
        "The tutorial scripts, written beside this notebook: its cells import them.")]
    for script in scripts():
        cell = nbformat.v4.new_code_cell(
            f"%%writefile {script.name}\n{script.read_text(encoding='utf-8').rstrip()}")
        cell.metadata.update({"jupyter": {"source_hidden": True}})
        cells.append(cell)
    return cells


def wheel_name() -> str:
    """The file name of this checkout's wheel, as ``pip wheel`` names it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return f"{project['name'].replace('-', '_')}-{project['version']}-py3-none-any.whl"


def build_wheel(directory: Path) -> Path:
    """This checkout built into a wheel in ``directory`` (no dependencies, no download)."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(directory), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    wheel = directory / wheel_name()
    assert wheel.is_file(), f"pip wheel did not write {wheel.name}"
    return wheel


_INSTALL = """\
# minigrad + jaxbridge, where this kernel lacks them (Colab, a new environment), from the
# wheel the site ships beside its notebooks: the copy beside this notebook, else the site's.
# (PyPI's "minigrad" is an unrelated project.)
import importlib, importlib.util, pathlib, subprocess, sys

WHEEL, SITE = "{wheel}", "{site}"
if importlib.util.find_spec("minigrad") is None:
    wheel = WHEEL if pathlib.Path(WHEEL).is_file() or not SITE else SITE + WHEEL
    if subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", wheel]).returncode:
        raise RuntimeError(f"pip could not install {{wheel}}: download {{WHEEL}} from "
                           f"{{SITE or 'the notebooks/ folder of the site'}}, put it beside this "
                           "notebook (in Colab: the Files panel, Upload) and run this cell again")
    importlib.invalidate_caches()"""


def install_cell(site_url: str | None = None) -> nbformat.NotebookNode:
    """The first cell: install the package from the wheel beside the notebook, else from the
    notebooks/ folder at ``site_url`` (Colab), else say which file to put where."""
    site = site_url.rstrip("/") + "/notebooks/" if site_url else ""
    return nbformat.v4.new_code_cell(_INSTALL.format(wheel=wheel_name(), site=site))


# An admonition: ``!!! kind "title"`` (or ``???`` folded) and its body indented four spaces.
_ADMONITION = re.compile(r'^(?:!!!|\?\?\?\+?) (\w+)(?: "([^"]*)")?\n((?:(?: {4}.*)?\n)*)', re.M)
_DETAILS = re.compile(r"<details[^>]*>\s*<summary>(.*?)</summary>\n?", re.S)
_OPEN, _CLOSE = "<!-- nb: folded {} -->", "<!-- nb: end folded -->"
_LINK = re.compile(r"\]\((?![a-z]+:|#)([\w./-]+)\.md(#[^)\s]*)?\)")


def _quoted(m: re.Match) -> str:
    title = m.group(2) or m.group(1).title()
    body = m.group(3).rstrip("\n").split("\n")
    return "\n".join([f"> **{title}**", ">"] + [f"> {line[4:]}".rstrip() for line in body]) + "\n"


def notebook(page: Path, site_url: str | None = None) -> nbformat.NotebookNode:
    """The notebook of a docs page, for Python 3, with the outputs the page shows."""
    text = page.read_text(encoding="utf-8")
    outputs = [_outputs(m) for m in generate._PYTHON.finditer(text)]
    text = _ADMONITION.sub(_quoted, generate._PYTHON.sub(
        lambda m: f"```python\n{m.group('code')}```\n{m.group('fold') or ''}", text))
    text = _DETAILS.sub(lambda m: _OPEN.format(m.group(1)) + "\n", text)
    text = text.replace("</details>", _CLOSE)
    listed = SCRIPTS in text
    text = text.replace(SCRIPTS, "The scripts are written beside this notebook by its first cells.")
    nb = jupytext.reads(text, fmt="md")
    cells, folded = [install_cell(site_url), *(_script_cells() if listed else [])], None
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell = _shown_not_run(cell)
        if cell.cell_type == "code":
            cell.outputs = outputs.pop(0) if outputs else []
            if folded is not None:  # a solution's outputs folded too, a figure's shown
                solution = folded.startswith("Solution")
                cell.metadata.update({"jupyter": {"source_hidden": True,
                                                  "outputs_hidden": solution},
                                      "cellView": "form"})
                cell.source = f"# @title {folded} (the code)\n{cell.source}"
            cells.append(cell)
            continue
        for piece in re.split(r"(<!-- nb: (?:folded .*?|end folded) -->)", cell.source):
            if piece.startswith("<!-- nb: folded "):
                folded = piece[len("<!-- nb: folded "):-len(" -->")]
            elif piece == _CLOSE:
                folded = None
            elif piece.strip():
                piece = _LINK.sub(lambda m: f"]({_site_page(m, site_url)})", piece.strip())
                if folded is not None:
                    piece = f"<details>\n<summary>{folded}</summary>\n\n{piece}\n\n</details>"
                cells.append(nbformat.v4.new_markdown_cell(piece))
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata.pop("jupytext", None)
    return nb


def _site_page(m: re.Match, site_url: str | None) -> str:
    """A link to a page, as a link to the site's page (the notebooks lie in notebooks/)."""
    base = site_url.rstrip("/") + "/" if site_url else "../"
    return f"{base}{m.group(1)}.html{m.group(2) or ''}"


def _outputs(m: re.Match) -> list[nbformat.NotebookNode]:
    """What the page shows under a code block, as the cell's saved outputs."""
    shown = []
    if m.group("out"):
        shown.append(nbformat.v4.new_output("stream", name="stdout", text=m.group("out")))
    if m.group("figure"):
        svg = (generate.FIGURES / m.group("figure")).read_text(encoding="utf-8")
        shown.append(nbformat.v4.new_output("display_data", data={"image/svg+xml": svg}))
    if m.group("html"):
        html = (generate.FIGURES / m.group("html")).read_text(encoding="utf-8")
        shown.append(nbformat.v4.new_output("display_data", data={"text/html": html}))
    return shown


def _shown_not_run(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A shell block (jupytext makes ```bash a ``%%bash`` cell) stays text to read: running
    a notebook must not install packages or start jobs on other hosts."""
    if not cell.source.startswith("%%"):
        return cell
    magic, _, body = cell.source.partition("\n")
    return nbformat.v4.new_markdown_cell(f"```{magic[2:].split()[0]}\n{body}\n```")


def notebook_name(page: Path) -> str:
    """Where the site serves the notebook of ``page``, relative to the site's root."""
    return f"notebooks/{page.stem}.ipynb"


def wheel_for_site() -> bytes:
    """The wheel's bytes, built in a temporary directory, for the site's notebooks/ folder."""
    with tempfile.TemporaryDirectory() as tmp:
        return build_wheel(Path(tmp)).read_bytes()
