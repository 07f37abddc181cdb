"""The pages read cleanly: a figure follows its explanation, with its plotting code folded
away, and its legend is legible."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").glob("*.md"))
LONG = 15  # lines of plotting code that push a figure away from the text it illustrates


@pytest.fixture(scope="module")
def generate():
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    module = sys.modules.get(spec.name)
    if module is None:
        module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_long_plotting_code_is_folded_away_before_its_figure(generate, page):
    for m in generate._PYTHON.finditer(page.read_text(encoding="utf-8")):
        code = m.group("code")
        if "matplotlib" in code and m.group("figure") and code.count("\n") > LONG:
            assert m.group("fold"), f"{page.name}: fold the code of figures/{m.group('figure')}" \
                                    ' in <details class="example" markdown>'


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_legends_are_at_least_10_points(page):
    text = page.read_text(encoding="utf-8")
    for size in re.findall(r"legend\([^)]*fontsize=([\w.\"']+)", text):
        assert size.strip("\"'") in ("medium", "large", "x-large", "xx-large") or \
            float(size) >= 10, f"{page.name}: a legend at {size} pt"
    assert not re.search(r"legend\.fontsize|font\.size", text), page.name  # no smaller default
