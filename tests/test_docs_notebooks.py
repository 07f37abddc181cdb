"""Every chapter is also a notebook (docs/notebooks.py, jupytext): it carries the page's
outputs, and runs in a new virtual environment where its own first cell installs minigrad.

Where jupytext or nbclient is not installed the tests skip, except under CI (``CI=true``),
which installs the ``docs`` and ``test`` extras and must run them.
"""

import ast
import importlib.util
import json
import os
import re
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

import headless

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


def test_a_notebook_has_the_page_s_code_prose_and_outputs_and_installs_minigrad_first():
    notebooks = _notebooks()
    page = ROOT / "docs" / "03-reverse-mode.md"
    text = page.read_text(encoding="utf-8")
    nb = notebooks.notebook(page)
    install, *cells = nb.cells
    assert "pip\", \"install" in install.source and notebooks.wheel_name() in install.source
    code = [re.sub(r"^# @title .*\n", "", c.source) for c in cells if c.cell_type == "code"]
    assert code == [b.rstrip("\n") for b in re.findall(r"```python\n(.*?)```", text, re.S)]
    prose = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    assert "$$\\bar v_j = \\sum_{i:\\ j \\to i}" in prose  # TeX as written
    assert "<!-- output -->" not in prose and "--8<--" not in prose and "figures/" not in prose
    assert "!!!" not in prose and "> **Exercise 1: the adjoint column, by hand**" in prose
    assert "](../02-forward-mode.html)" in prose and ".md)" not in prose  # the site's pages
    # what the page shows under a block, the cell has as its saved output
    printed = re.findall(r"<!-- output -->\n```\w*\n(.*?)```", text, re.S)
    saved = [o.text for c in cells if c.cell_type == "code" for o in c.outputs
             if o.output_type == "stream"]
    assert saved == printed and any(o.output_type == "display_data"
                                    for c in cells if c.cell_type == "code" for o in c.outputs)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    _need("nbformat").validate(nb)  # Jupyter and Colab open it


def test_a_folded_solution_is_a_folded_markdown_cell_and_collapsed_code(tmp_path):
    notebooks = _notebooks()
    page = tmp_path / "page.md"
    page.write_text('# P\n\n!!! question "Exercise 1"\n    Why?\n\n'
                    '<details class="success" markdown>\n<summary>Solution</summary>\n\n'
                    'Because [of this](02-forward-mode.md#seeds).\n\n```python\nprint(2)\n```\n\n'
                    '</details>\n\nAfter.\n', encoding="utf-8")
    _, exercise, solution, code, after = notebooks.notebook(page, "https://x.org/ad/").cells
    assert exercise.source == "# P\n\n> **Exercise 1**\n>\n> Why?"
    assert solution.source.startswith("<details>\n<summary>Solution</summary>")
    assert "](https://x.org/ad/02-forward-mode.html#seeds)" in solution.source
    assert solution.source.endswith("</details>")
    assert code.metadata["jupyter"]["source_hidden"] and code.metadata["cellView"] == "form"
    assert code.source == "# @title Solution (the code)\nprint(2)"
    assert after.source == "After." and "jupyter" not in after.metadata


@pytest.fixture(scope="module")
def fresh_kernel(tmp_path_factory):
    """A new virtual environment as every notebook's kernel, minigrad not in it: it sees the
    packages installed here (NumPy, JAX, matplotlib, ipykernel) through a folder of links,
    all but minigrad's, and pip installs into it offline.  The wheel is built once."""
    notebooks = _notebooks()
    _need("nbclient")
    where = tmp_path_factory.mktemp("fresh")
    venv, shared, kernel = where / "venv", where / "shared", where / "jupyter" / "kernels" / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    shared.mkdir()
    for directory in map(Path, [*site.getsitepackages(), site.getusersitepackages()]):
        for entry in directory.iterdir() if directory.is_dir() else ():
            hidden = entry.name.startswith(("minigrad", "jaxbridge", "__editable__"))
            if not hidden and not (shared / entry.name).exists():
                (shared / entry.name).symlink_to(entry)
    python = venv / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "shared.pth").write_text(f"{shared}\n")
    kernel.mkdir(parents=True)
    env = {"PYTHONPATH": "", "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    (kernel / "kernel.json").write_text(json.dumps(
        {"argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
         "display_name": "a new venv", "language": "python", "env": env}))
    return {"python": python, "wheel": notebooks.build_wheel(where), "jupyter": where / "jupyter"}


def _has_minigrad(python) -> bool:
    """Whether ``python`` imports minigrad (from elsewhere than this checkout)."""
    r = subprocess.run([python, "-c", "import minigrad"], capture_output=True,
                       cwd=python.parent, env=dict(os.environ, PYTHONPATH=""))
    return r.returncode == 0


def _uninstalled(python) -> None:
    subprocess.run([python, "-m", "pip", "uninstall", "--yes", "--quiet", "minigrad-jaxbridge"],
                   capture_output=True, env=dict(os.environ, PYTHONPATH=""))
    assert not _has_minigrad(python)


def test_the_first_cell_alone_fetches_the_wheel_from_the_site_url(fresh_kernel, tmp_path):
    """As in Colab: no wheel beside the notebook, the site served at its site_url (here a
    local server, pip offline otherwise); and where the site cannot be reached, an error
    that says which file to put where."""
    notebooks = _notebooks()
    python, colab = fresh_kernel["python"], tmp_path / "colab"
    published = tmp_path / "site" / "course" / "notebooks"
    published.mkdir(parents=True)
    colab.mkdir()
    shutil.copy(fresh_kernel["wheel"], published)
    env = dict(os.environ, PYTHONPATH="", PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")

    def first_cell(site_url: str) -> subprocess.CompletedProcess:
        source = notebooks.install_cell(site_url).source
        return subprocess.run([python, "-c", source], cwd=colab, env=env, capture_output=True,
                              text=True, timeout=300)

    _uninstalled(python)
    with headless.serve(tmp_path / "site") as base:
        r = first_cell(base + "course/")
    assert r.returncode == 0, r.stderr
    assert _has_minigrad(python) and not list(colab.iterdir())
    _uninstalled(python)
    with headless.serve(tmp_path / "site") as base:
        r = first_cell(base + "elsewhere/")  # a site_url that serves no wheel
    assert r.returncode != 0 and not _has_minigrad(python)
    assert (f"RuntimeError: pip could not install {base}elsewhere/notebooks/{notebooks.wheel_name()}: "
            f"download {notebooks.wheel_name()} from {base}elsewhere/notebooks/, put it beside "
            "this notebook (in Colab: the Files panel, Upload) and run this cell again") in r.stderr


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_notebook_runs_where_only_its_first_cell_installs_minigrad(chapter, fresh_kernel,
                                                                        tmp_path, monkeypatch):
    notebooks = _notebooks()
    nbclient = _need("nbclient")
    python = fresh_kernel["python"]
    _uninstalled(python)
    shutil.copy(fresh_kernel["wheel"], tmp_path)  # beside the notebook, as the site ships it
    monkeypatch.setenv("JUPYTER_PATH", str(fresh_kernel["jupyter"]))
    nb = notebooks.notebook(ROOT / "docs" / chapter)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="fresh",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors, errors[0]
    assert _has_minigrad(python)  # the first cell installed it
    # what the page shows from a block's last expression, the notebook displays in that cell
    results = {re.sub(r"^# @title .*\n", "", c.source):
               [o.data for o in c.outputs if o.output_type == "execute_result"]
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
    _, *cells = notebooks.notebook(page).cells
    assert [c.cell_type for c in cells] == ["markdown", "markdown", "code"]
    assert cells[1].source == "```bash\npip install -e .\n```" and cells[2].source == "print(1)"
