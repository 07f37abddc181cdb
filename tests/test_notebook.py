"""The explainer notebook, executed in a real Jupyter kernel: graphs come back as SVG drawings
and frames as steppers, with Graphviz's program and with it hidden from the kernel's PATH."""

import re
import shutil
import sys
from pathlib import Path

import pytest

from test_display import tags

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).parent.parent / "examples" / "explainer.ipynb"


def execute(tmp_path: Path, path: str):
    """Run the notebook in a fresh kernel whose PATH is ``path``; returns its code cells."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env={"PATH": path, "HOME": str(tmp_path), "PYTHONPATH": ":".join(sys.path)})
    return [c for c in nb.cells if c.cell_type == "code"]


def outputs(cell, mime: str) -> list[str]:
    return [o["data"][mime] for o in cell.outputs if "data" in o and mime in o["data"]]


def cell_of(cells, source: str):
    [cell] = [c for c in cells if c.source.rstrip().endswith(source)]
    return cell


def check(cells):
    for c in cells:
        assert not [o for o in c.outputs if o["output_type"] == "error"], c.source
    # The graph, its adjoints and the backward program: SVG drawings with the variables on them.
    for source in ("\ng", 'g.display(mode="reverse")', "g.backward_graph()"):
        [svg] = outputs(cell_of(cells, source), "image/svg+xml")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        titles = re.findall(r"<title>(v\d+)</title>", svg)
        assert {f"v{i}" for i in range(1, 11)} <= set(titles)
    adjoints = outputs(cell_of(cells, 'g.display(mode="reverse")'), "image/svg+xml")[0]
    assert "v̄₁ = −0.375" in adjoints  # v̄₁ = d/dy = -(y-mu)/sigma^2
    # The tables, as HTML tables.
    for source in ('g.table(mode="forward", wrt="y")', 'g.table(mode="reverse")'):
        [table] = outputs(cell_of(cells, source), "text/html")
        assert table.count("<tr") == 11
    # Both steppers: self-contained, ids unique across the two of them, drawings inline.
    pages = [outputs(cell_of(cells, source), "text/html")[0]
             for source in ('g.frames(mode="forward", wrt="y")', 'g.frames(mode="reverse")')]
    ids = []
    for page in pages:
        assert "http://" not in page and "https://" not in page
        assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", page)
        found = tags(page)
        sections = [a for t, a in found if t == "section"]
        assert len(sections) == 7 and page.count("<svg") == 1
        assert {"prev", "next"} <= {a.get("class") for t, a in found if t == "button"}
        assert "<script>" in page and "ArrowRight" in page
        ids += [a["id"] for t, a in found if "id" in a]
    assert len(ids) == len(set(ids))
    # The gradient cell: reverse and forward mode agree with the closed form.
    [text] = outputs(cell_of(cells, "reverse, forward, closed_form"), "text/plain")
    assert text.count("-0.375") == 3 and text.count("0.375") == 6 and text.count("-0.21875") == 3


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_notebook_with_the_graphviz_program(tmp_path):
    path = str(Path(shutil.which("dot")).parent)
    check(execute(tmp_path, path))


def test_notebook_without_the_graphviz_program(tmp_path):
    (tmp_path / "bin").mkdir()  # a PATH with nothing on it: Graphviz in WebAssembly draws
    check(execute(tmp_path, str(tmp_path / "bin")))
