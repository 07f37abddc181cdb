"""User-given strings made safe for each output syntax: one function per syntax.

Input names, function names (``__name__``), ``mg.scope`` labels and titles reach every
writer; each writer passes them through the function of its syntax here and nowhere
else, so that no name can add a node to a drawing, run a LaTeX command or split a row
(issue 13, item 5).  Control characters (a newline in a name) print as their Python
escape (``\\n``) in every syntax, so a name always stays on its line.
"""

from __future__ import annotations

import html as _html
import re


def plain(text: str) -> str:
    """``text`` with control and separator characters shown as escapes (``\\n``, ``\\x00``)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def html(text: str) -> str:
    """Text for an HTML element or a quoted attribute value."""
    return _html.escape(plain(text))


_MARKDOWN = str.maketrans({"\\": "\\\\", "|": "\\|", "&": "&amp;", "<": "&lt;", ">": "&gt;",
                           "`": "\\`"})


def markdown_cell(text: str) -> str:
    """Text for a cell of a Markdown (GFM) table: no column break, no inline HTML."""
    return plain(text).translate(_MARKDOWN)


def markdown_code(text: str) -> str:
    """``text`` as a Markdown code span, fenced by more backticks than it holds in a row."""
    text = plain(text)
    run = max(map(len, re.findall("`+", text)), default=0)
    pad = " " if run else ""
    return f"{'`' * (run + 1)}{pad}{text}{pad}{'`' * (run + 1)}"


_LATEX_TEXT = str.maketrans({
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "%": r"\%", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}"})
_LATEX_MATH = str.maketrans({
    "\\": r"\backslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "%": r"\%", "_": r"\_", "^": r"\hat{}", "~": r"\tilde{}"})


def latex_text(text: str) -> str:
    """Text for LaTeX text mode (a title, a caption, a TikZ label): every special character
    as the character itself, no command."""
    return plain(text).translate(_LATEX_TEXT)


def latex_math(text: str) -> str:
    """Text for LaTeX math mode (a name in a formula; also MathJax and KaTeX)."""
    return plain(text).translate(_LATEX_MATH)


def tex_comment(text: str) -> str:
    """Text for the rest of a ``%`` comment line: on that one line."""
    return plain(text)


def dot(*lines: str) -> str:
    """A label (``lines`` one below the other) or identifier for the ``graphviz`` package:
    backslashes literal (no ``\\N``, ``\\G``, ``\\l`` escapes, no quote escaped by a final
    backslash), ``&`` literal (no entity), never an HTML-like ``<...>`` label; the package
    escapes the double quotes."""
    from graphviz import escape

    return escape("\n".join(plain(line).replace("&", "&amp;") for line in lines))


_MERMAID = str.maketrans({"#": "#35;", "&": "#amp;", '"': "#quot;", "<": "#lt;", ">": "#gt;",
                          "`": "#96;"})


def mermaid(text: str) -> str:
    """Text inside a quoted Mermaid label (entity codes for its special characters)."""
    return plain(text).translate(_MERMAID)
