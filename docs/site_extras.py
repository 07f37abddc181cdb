"""MkDocs hook: what the site has beyond docs/'s pages, made at build time from their sources.

* ``notebooks/NAME.ipynb``: each chapter as a notebook (docs/notebooks.py), linked at the
  top of its page for download, and beside them the package's wheel, which each notebook's
  first cell installs where the kernel lacks it (Colab);
* the tutorial scripts in full, folded, where a page marks them (they live in examples/,
  outside the docs).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from mkdocs.structure.files import File

DOCS = Path(__file__).resolve().parent
if str(DOCS) not in sys.path:
    sys.path.insert(0, str(DOCS))
import notebooks  # noqa: E402

_LINK = ("[Download this chapter as a Jupyter notebook]({href}){{ download }} "
         "(every code block of the page as a cell, with its outputs; where minigrad is "
         "missing, as in Colab, its first cell installs it from [the wheel]({wheel}){{ download }} "
         "beside the notebook or on this site)\n")


def on_files(files, config, **_):
    for page in notebooks.CHAPTERS:
        nb = notebooks.notebook(page, config.get("site_url"))
        files.append(File.generated(config, notebooks.notebook_name(page),
                                    content=nbformat.writes(nb)))
    files.append(File.generated(config, f"notebooks/{notebooks.wheel_name()}",
                                content=notebooks.wheel_for_site()))
    return files


def on_page_markdown(markdown: str, page, **_):
    """The download link under the chapter's title; the tutorial scripts where marked."""
    if DOCS / page.file.src_uri not in notebooks.CHAPTERS:
        return markdown
    markdown = markdown.replace(notebooks.SCRIPTS, notebooks.scripts_section())
    title, _, rest = markdown.partition("\n")
    href = notebooks.notebook_name(Path(page.file.src_uri))
    wheel = f"notebooks/{notebooks.wheel_name()}"
    return f"{title}\n\n{_LINK.format(href=href, wheel=wheel)}{rest}"
