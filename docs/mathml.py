"""MkDocs hook: the pages' TeX as MathML, converted at build time.

pymdownx.arithmatex (generic mode) keeps every ``$...$`` and ``$$...$$`` intact through
Markdown (``\\\\``, underscores) as ``<span class="arithmatex">\\(...\\)</span>`` or
``<div class="arithmatex">\\[...\\]</div>``; this hook replaces each with the MathML that
latex2mathml makes of it, which browsers typeset natively: no script, no web font, nothing
loaded.  A formula latex2mathml cannot convert (or would show one of its commands as text) fails
the build, naming the page.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

# TeX's spacing where MathML's operator dictionary differs: a thin space after a function
# name (\sin x, not \sin(x)), none around a slash (an ordinary symbol in TeX).
_FUNCTION = re.compile(r"(<mi>(?:sin|cos|tan|tanh|log|exp|ln|det|max|min)</mi>)(?!<mo[^>]*>&#x00028;)")
_SLASH = "<mo>&#x0002F;</mo>"
_MATH = re.compile(r'<(span|div) class="arithmatex">\s*\\[(\[](.*?)\\[)\]]\s*</\1>', re.S)


def to_mathml(page_html: str, where: str = "") -> str:
    """``page_html`` with each arithmatex span (inline) and div (display) as MathML."""
    def one(m: re.Match) -> str:
        tex = html.unescape(m.group(2)).strip()
        display = "block" if m.group(1) == "div" else "inline"
        try:
            math = convert(tex, display=display)
        except Exception as e:  # latex2mathml raises its own exception types
            raise ValueError(f"{where}: cannot typeset ${tex}$: {e!r}") from e
        unknown = re.findall(r"\\[A-Za-z]+", re.sub(r"<[^>]*>", "", math))
        if unknown:  # latex2mathml passes a command it does not know through as text
            raise ValueError(f"{where}: cannot typeset ${tex}$: unknown {', '.join(unknown)}")
        math = _FUNCTION.sub(r'\1<mspace width="0.1667em"></mspace>', math)
        math = math.replace(_SLASH, '<mo lspace="0" rspace="0">/</mo>')
        math = math.replace("<math ", f'<math aria-label="{html.escape(tex)}" ', 1)
        return f'<div class="math">{math}</div>' if display == "block" else math

    return _MATH.sub(one, page_html)


def on_page_content(html_text: str, page, **_) -> str:
    return to_mathml(html_text, page.file.src_uri)
