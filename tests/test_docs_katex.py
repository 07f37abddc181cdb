"""The pages' TeX survives Markdown and is typeset by KaTeX (docs/katex.py after arithmatex).

Where the docs extra or Node.js is not installed the tests skip, except under CI (``CI=true``).
"""

import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def to_html():
    """Markdown as the site converts it: arithmatex, then docs/katex.py."""
    try:
        import markdown
        import pymdownx  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI must typeset the docs' maths: pip install -e \".[docs]\"")
        pytest.skip("the docs extra is not installed (pip install -e \".[docs]\")")
    if not (shutil.which("node") or shutil.which("nodejs")):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI must typeset the docs' maths: apt-get install nodejs")
        pytest.skip("Node.js is not installed (apt-get install nodejs)")
    spec = importlib.util.spec_from_file_location("docs_katex", ROOT / "docs" / "katex.py")
    katex = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(katex)
    md = markdown.Markdown(extensions=["pymdownx.arithmatex"],
                           extension_configs={"pymdownx.arithmatex": {"generic": True}})
    return lambda text: katex.to_html(md.reset().convert(text), "test.md")


def _visible(page: str) -> str:
    """The text a reader sees: KaTeX's HTML part, without its MathML for screen readers."""
    return re.sub(r"<[^>]*>", "", re.sub(r'<span class="katex-mathml">.*?</math></span>', "",
                                         page, flags=re.S))


def test_a_matrix_keeps_its_rows_and_subscripts_their_underscores(to_html):
    page = to_html("$$A = \\begin{pmatrix}3 & 2\\\\ 2 & 7\\end{pmatrix},\\ x_1 * y_2 * z$$")
    assert page.count("<mtr>") == 2 and page.count("<mtd>") == 4  # the MathML for readers
    assert "<em>" not in page and "<msub><mi>x</mi><mn>1</mn></msub>" in page
    assert '<div class="math"><span class="katex-display">' in page
    assert "\\begin" not in _visible(page) and "A=" in _visible(page).replace(" ", "")


def test_inline_maths_in_prose_and_a_dollar_in_code_stay_apart(to_html):
    page = to_html("The adjoint $\\bar v_i = \\partial y / \\partial v_i$ costs `$ 5`.")
    assert page.count('<span class="katex">') == 1 and "katex-display" not in page
    assert "<code>$ 5</code>" in page
    assert "∂y/∂v" in _visible(page).replace(" ", "").replace("\u200b", "")


def test_a_page_without_maths_does_not_start_node(to_html, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert to_html("No formula, $5 and $6.") == "<p>No formula, $5 and $6.</p>"


@pytest.mark.parametrize("tex, why", [("x^", "Expected group after '^'"),
                                      ("\\unknowncmd x", "Undefined control sequence")])
def test_tex_that_cannot_be_typeset_fails_the_build_naming_the_page(to_html, tex, why):
    with pytest.raises(ValueError, match=f"test.md: cannot typeset .*{re.escape(why)}"):
        to_html(f"${tex}$")
