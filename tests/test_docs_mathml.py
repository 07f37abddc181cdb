"""The pages' TeX survives Markdown and becomes MathML (docs/mathml.py after arithmatex).

Where the docs extra is not installed the tests skip, except under CI (``CI=true``).
"""

import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def to_html():
    """Markdown as the site converts it: arithmatex, then docs/mathml.py."""
    try:
        import markdown
        import latex2mathml  # noqa: F401
        import pymdownx  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI must typeset the docs' maths: pip install -e \".[docs]\"")
        pytest.skip("the docs extra is not installed (pip install -e \".[docs]\")")
    spec = importlib.util.spec_from_file_location("docs_mathml", ROOT / "docs" / "mathml.py")
    mathml = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mathml)
    md = markdown.Markdown(extensions=["pymdownx.arithmatex"],
                           extension_configs={"pymdownx.arithmatex": {"generic": True}})
    return lambda text: mathml.to_mathml(md.reset().convert(text), "test.md")


def test_a_matrix_keeps_its_rows_and_subscripts_their_underscores(to_html):
    page = to_html("$$A = \\begin{pmatrix}3 & 2\\\\ 2 & 7\\end{pmatrix},\\ x_1 * y_2 * z$$")
    assert page.count("<mtr>") == 2 and page.count("<mtd>") == 4
    assert "<em>" not in page and "<msub><mi>x</mi><mn>1</mn></msub>" in page
    assert 'display="block"' in page and "\\begin" not in re.sub(r'aria-label="[^"]*"', "", page)


def test_inline_maths_in_prose_and_a_dollar_in_code_stay_apart(to_html):
    page = to_html("The adjoint $\\bar v_i = \\partial y / \\partial v_i$ costs `$ 5`.")
    assert page.count("<math") == 1 and 'display="inline"' in page
    assert "<code>$ 5</code>" in page
    assert '<mo lspace="0" rspace="0">/</mo>' in page  # TeX's slash: no space around it


@pytest.mark.parametrize("tex, why", [("x^", "MissingSuperScriptOrSubscript"),
                                      ("\\unknowncmd x", "unknown \\\\unknowncmd")])
def test_tex_that_cannot_be_typeset_fails_the_build_naming_the_page(to_html, tex, why):
    with pytest.raises(ValueError, match=f"test.md: cannot typeset .*{why}"):
        to_html(f"${tex}$")
