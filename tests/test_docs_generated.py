"""docs/explainer.md shows what its code prints: docs/generate.py would not change it."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_explainer_page_is_up_to_date():
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    text = generate.PAGE.read_text(encoding="utf-8")
    assert "<!-- output -->" in text and "```console" in text
    assert generate.render(text) == text, "run: python docs/generate.py"
