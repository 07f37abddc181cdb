"""Every chapter is also a notebook (docs/notebooks.py, jupytext): it runs in a real kernel.

Where jupytext or nbclient is not installed the tests skip, except under CI (``CI=true``),
which installs the ``docs`` and ``test`` extras and must run them.
"""

import ast
import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _need(module: str):
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must run the chapter notebooks: {module} is missing "
                        "(pip install -e \".[docs,test]\")")
        pytest.skip(f"{module} is not installed (pip install -e \".[docs,test]\")")


def _notebooks():
    _need("jupytext")
    spec = importlib.util.spec_from_file_location("docs_notebooks", ROOT / "docs" / "notebooks.py")
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHAPTERS = sorted(p.name for p in (ROOT / "docs").glob("0*.md")) + ["explainer.md"]


def test_a_notebook_has_the_page_s_code_and_prose_and_none_of_its_generated_outputs():
    notebooks = _notebooks()
    page = ROOT / "docs" / "03-reverse-mode.md"
    text = page.read_text(encoding="utf-8")
    nb = notebooks.notebook(page)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert code == [b.rstrip("\n") for b in re.findall(r"```python\n(.*?)```", text, re.S)]
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "$$\\bar v_j = \\sum_{i:\\ j \\to i}" in prose  # TeX as written
    assert "<!-- output -->" not in prose and "--8<--" not in prose and "figures/" not in prose
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_chapter_notebook_runs_in_a_kernel(chapter, tmp_path):
    notebooks = _notebooks()
    nbclient = _need("nbclient")
    nb = notebooks.notebook(ROOT / "docs" / chapter)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    # what the page shows from a block's last expression, the notebook displays in that cell
    results = {c.source: [o.data for o in c.outputs if o.output_type == "execute_result"]
               for c in nb.cells if c.cell_type == "code"}
    for code, mime in _displayed_figures(ROOT / "docs" / chapter):
        assert any(mime in data for data in results[code.rstrip("\n")]), (chapter, code[-60:])


def _displayed_figures(page: Path) -> list[tuple[str, str]]:
    """(code, MIME type) of each figure of ``page`` made from its block's last expression."""
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    generate = sys.modules.get(spec.name)
    if generate is None:
        generate = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(generate)
    found = []
    for figure in generate.figures(page.read_text(encoding="utf-8")):
        written = figure.path.name in figure.code  # savefig("NAME.svg") and the like
        if isinstance(ast.parse(figure.code).body[-1], ast.Expr) and not written:
            found.append((figure.code, "image/svg+xml" if figure.path.suffix == ".svg"
                          else "text/html"))
    return found


def test_a_shell_block_is_shown_in_the_notebook_not_run(tmp_path):
    notebooks = _notebooks()
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n```bash\npip install -e .\n```\n\n```python\nprint(1)\n```\n",
                    encoding="utf-8")
    cells = notebooks.notebook(page).cells
    assert [c.cell_type for c in cells] == ["markdown", "markdown", "code"]
    assert cells[1].source == "```bash\npip install -e .\n```" and cells[2].source == "print(1)"
