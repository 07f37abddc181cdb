"""Every docs page shows what its code prints: docs/generate.py would not change it."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)


def test_the_explainer_page_has_generated_outputs():
    text = (ROOT / "docs" / "explainer.md").read_text(encoding="utf-8")
    assert "<!-- output -->" in text and "```console" in text


@pytest.mark.parametrize("page", generate.pages(), ids=lambda p: p.name)
def test_page_is_up_to_date(page):
    text = page.read_text(encoding="utf-8")
    assert generate.render(text) == text, "run: python docs/generate.py"
