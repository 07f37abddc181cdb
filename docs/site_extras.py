"""MkDocs hook: what the site has beyond docs/'s pages, made at build time from their sources.

* ``notebooks/NAME.ipynb``: each chapter as a notebook (docs/notebooks.py), linked at the
  top of its page for download;
* ``tutorials.md``: examples/README.md and the tutorial scripts, so that the navigation
  reaches them (they live in examples/, outside the docs).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from mkdocs.structure.files import File

DOCS = Path(__file__).resolve().parent
EXAMPLES = DOCS.parent / "examples"
if str(DOCS) not in sys.path:
    sys.path.insert(0, str(DOCS))
import notebooks  # noqa: E402

_LINK = ("[Download this chapter as a Jupyter notebook]({href}){{ download }} "
         "(every code block of the page as a cell; run it to see the outputs)\n")


def on_files(files, config, **_):
    for page in notebooks.CHAPTERS:
        files.append(File.generated(config, notebooks.notebook_name(page),
                                    content=nbformat.writes(notebooks.notebook(page))))
    files.append(File.generated(config, "tutorials.md", content=tutorials_page()))
    return files


def on_page_markdown(markdown: str, page, **_):
    """The download link under the chapter's title."""
    if DOCS / page.file.src_uri not in notebooks.CHAPTERS:
        return markdown
    title, _, rest = markdown.partition("\n")
    href = notebooks.notebook_name(Path(page.file.src_uri))
    return f"{title}\n\n{_LINK.format(href=href)}{rest}"


def tutorials_page() -> str:
    """examples/README.md, then each script it lists, in full."""
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    parts = [readme.rstrip(), ""]
    for script in sorted(EXAMPLES.glob("[!_]*.py")):
        code = script.read_text(encoding="utf-8")
        fence = "````" if "```" in code else "```"
        parts += [f"## `{script.name}`", "", f"{fence}python", code.rstrip(), fence, ""]
    return "\n".join(parts)
