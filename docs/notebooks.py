"""Each chapter as a Jupyter notebook, made from its Markdown page by jupytext.

The page is the one source: its ```python blocks become code cells, its prose Markdown
cells.  What docs/generate.py wrote into the page from running the blocks (``<!-- output
-->`` blocks, ``<!-- figure -->`` images and included HTML) is left out, since running the
notebook shows it again.  The site offers each notebook for download (docs/site_extras.py)
and tests/test_docs_notebooks.py runs every one in a kernel.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat

DOCS = Path(__file__).resolve().parent
CHAPTERS = sorted(DOCS.glob("0*.md")) + [DOCS / "explainer.md"]

_GENERATED = re.compile(
    r"\n<!-- output -->\n```\w*\n.*?```\n<!-- /output -->\n"
    r"|\n<!-- figure(?:: [\w-]+)? -->\n(?:!\[[^\]\n]*\]\([^)\n]*\)|--8<-- \"[^\"\n]*\")\n",
    re.S)


def source(page_text: str) -> str:
    """The page without what generate.py wrote into it: prose and code only."""
    return _GENERATED.sub("", page_text)


def notebook(page: Path) -> nbformat.NotebookNode:
    """The notebook of a docs page, for Python 3, its outputs empty until it runs."""
    nb = jupytext.reads(source(page.read_text(encoding="utf-8")), fmt="md")
    nb.cells = [_shown_not_run(cell) for cell in nb.cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata.pop("jupytext", None)
    return nb


def _shown_not_run(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A shell block (jupytext makes ```bash a ``%%bash`` cell) stays text to read: running
    a notebook must not install packages or start jobs on other hosts."""
    if cell.cell_type != "code" or not cell.source.startswith("%%"):
        return cell
    magic, _, body = cell.source.partition("\n")
    return nbformat.v4.new_markdown_cell(f"```{magic[2:].split()[0]}\n{body}\n```")


def notebook_name(page: Path) -> str:
    """Where the site serves the notebook of ``page``, relative to the site's root."""
    return f"notebooks/{page.stem}.ipynb"
