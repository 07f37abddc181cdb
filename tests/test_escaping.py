"""Outputs cannot be injected (issue 13, item 5): every writer escapes every user-given
string (input names, a function's ``__name__``, ``mg.scope`` labels, titles) for its own
syntax.  Each writer gets a catalogue of hostile strings, and its output is parsed back:
the same rows, nodes, edges and lines as with harmless names, no control sequence or
tag that the names brought in, and the names themselves shown as written."""

import html
import html.parser
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad.explain import escape
from minigrad.explain.slides import write_deck

HOSTILE = [
    r"\input{/etc/passwd}",
    r"\immediate\write18{rm -rf x}",
    "ends in a backslash\\",
    "\\",
    "line\nbreak",
    "carriage\r\nreturn",
    "tab\there",
    '<x> { INJ [label="INJECTED"] } digraph <y>',
    r"\N \G \l \E \T \H \n",
    '"quoted" name',
    "<b>bold</b><script>alert(1)</script>",
    "a | b || c",
    "`code` and ``more``",
    "%comment",
    "$x$ & #1 ^ ~ _ {}",
    "]},label=INJ,[",
    '--> INJ["x"]',
    "&amp; &lt;",
    "sep\u2028arator",
]
IDS = [f"{k}:{s[:12]}" for k, s in enumerate(HOSTILE)]


def _graph(name: str, scope: str, fn: str):
    """A five-variable graph with ``name`` as its first input, ``scope`` around its
    operations and ``fn`` as the function's name: 2 inputs, 3 operations, 5 edges."""
    def f(a, b):
        with mg.scope(scope):
            return a * b + mnp.sin(a)

    f.__name__ = fn
    return mg.trace(f, 1.5, 2.0, names=(name, "b"))


@pytest.fixture(params=HOSTILE, ids=IDS)
def hostile(request):
    s = request.param
    return s, _graph(s, s.replace("/", "|"), s)  # ("/" nests scopes: more clusters)


@pytest.fixture(scope="module")
def benign():
    return _graph("a", "s s", "f f")  # (names that DOT quotes too)


# ----------------------------------------------------------------------------- LaTeX

_ESCAPES = {"backslash", "textbackslash", "hat", "tilde", "textasciicircum", "textasciitilde",
            "textless", "textgreater"}


def _latex_tokens(tex: str) -> tuple[set[str], int, int]:
    """The control words of ``tex``, and its unescaped ``{`` and ``}`` counts (``%`` comment
    lines skipped)."""
    words, opened, closed = set(), 0, 0
    i = 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            m = re.match(r"[A-Za-z]+", tex[i + 1:])
            if m:
                words.add(m.group())
                i += 1 + len(m.group())
            else:
                i += 2  # a control symbol: \\, \{, \%, ...
            continue
        if c == "%":
            i = tex.find("\n", i)
            i = len(tex) if i < 0 else i
            continue
        opened += c == "{"
        closed += c == "}"
        i += 1
    return words, opened, closed


def _assert_latex_safe(tex: str, reference: str):
    words, opened, closed = _latex_tokens(tex)
    assert opened == closed
    assert words - _latex_tokens(reference)[0] <= _ESCAPES, words - _latex_tokens(reference)[0]
    assert len(tex.splitlines()) == len(reference.splitlines())


def test_latex_table_and_mathjax_array(hostile, benign):
    _, g = hostile
    for mode in (None, "reverse"):
        got, ref = g.table(mode=mode), benign.table(mode=mode)
        _assert_latex_safe(got.to_latex(), ref.to_latex())
        _assert_latex_safe(got._repr_latex_(), ref._repr_latex_())
    steps = g.table(mode="reverse", steps=True).to_latex()
    _assert_latex_safe(steps, benign.table(mode="reverse", steps=True).to_latex())


def test_tikz(hostile, benign):
    _, g = hostile
    for mode in (None, "forward"):
        got = g.to_tikz(mode=mode, wrt=1)
        ref = benign.to_tikz(mode=mode, wrt=1)
        _assert_latex_safe(got, ref)
        assert sum(line.startswith("%") for line in got.splitlines()) == 1


def test_beamer_deck(hostile, benign, tmp_path):
    _, g = hostile
    write_deck(g, tmp_path / "hostile", formats=["beamer"], title=g.name, author=g.name)
    write_deck(benign, tmp_path / "benign", formats=["beamer"], title=benign.name,
               author=benign.name)
    _assert_latex_safe((tmp_path / "hostile" / "deck.tex").read_text(),
                       (tmp_path / "benign" / "deck.tex").read_text())


def test_html_deck(hostile, benign, tmp_path):
    s, g = hostile
    write_deck(g, tmp_path / "hostile", formats=["html"], title=s, author=s)
    write_deck(benign, tmp_path / "benign", formats=["html"], title="t", author="a")
    got = _parse_html((tmp_path / "hostile" / "deck.html").read_text())
    ref = _parse_html((tmp_path / "benign" / "deck.html").read_text())
    assert got.tags == ref.tags
    assert escape.plain(s) in got.text


# ----------------------------------------------------------------------------- text, Markdown

def test_text_table_keeps_one_line_per_row(hostile):
    s, g = hostile
    text = str(g.table(mode="reverse"))
    lines = text.splitlines()
    assert len(lines) == 2 + len(g.variables)
    assert lines[2].split(" │ ")[1].rstrip() == escape.plain(s)


def _markdown_cells(line: str) -> list[str]:
    """A GFM table row split at its unescaped pipes."""
    cells, cell, i = [], "", 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            cell += line[i:i + 2]
            i += 2
            continue
        if line[i] == "|":
            cells.append(cell)
            cell = ""
        else:
            cell += line[i]
        i += 1
    return cells[1:]  # the text before the first pipe


def test_markdown_table_keeps_its_rows_and_columns(hostile):
    s, g = hostile
    table = g.table(mode="reverse", steps=True)
    md = table.to_markdown()
    rows = [line for line in md.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + len(g.variables)
    assert all(len(_markdown_cells(r)) == len(table.columns()) for r in rows)
    assert "<" not in "".join(rows)
    first = _markdown_cells(rows[2])[1].strip()
    assert html.unescape(re.sub(r"\\(.)", r"\1", first)) == escape.plain(s)
    steps = [line for line in md.splitlines() if line.startswith("- ")]
    assert len(steps) == len(table.steps)


# ----------------------------------------------------------------------------- HTML

class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _parse_html(source: str) -> _Tags:
    parser = _Tags()
    parser.feed(source)
    parser.close()
    return parser


def test_html_table(hostile, benign):
    s, g = hostile
    got = _parse_html(g.table(mode="reverse", steps=True).to_html())
    ref = _parse_html(benign.table(mode="reverse", steps=True).to_html())
    assert got.tags == ref.tags
    assert escape.plain(s) in got.text


def test_html_frames_page(hostile, benign):
    s, g = hostile
    got = _parse_html(g.frames(mode="reverse").to_html())
    ref = _parse_html(benign.frames(mode="reverse").to_html())
    assert got.tags == ref.tags
    assert f"Reverse sweep of {escape.plain(s)}" in got.text


# ----------------------------------------------------------------------------- Mermaid

_MERMAID_LINE = re.compile(
    r'\s*(flowchart LR|end|\w+\["[^"]*"\]|\w+ -->\|"[^"]*"\| \w+|subgraph \w+ \["[^"]*"\]'
    r"|classDef mg_\w+ [\w:#,.-]+|class [\w,]+ mg_\w+)")


def test_mermaid(hostile, benign):
    _, g = hostile
    got, ref = g.to_mermaid(mode="reverse"), benign.to_mermaid(mode="reverse")
    assert len(got.splitlines()) == len(ref.splitlines())
    for line in got.splitlines():
        assert _MERMAID_LINE.fullmatch(line), line
    assert "<" not in got.replace("<br/>", "")


# ----------------------------------------------------------------------------- DOT

def _strip_dot_strings(source: str) -> str:
    """The DOT source without its double-quoted strings (which may hold anything)."""
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', source, flags=re.S)


def test_dot_source_has_its_nodes_and_edges_only(hostile, benign):
    _, g = hostile
    for mode in (None, "reverse"):
        got = _strip_dot_strings(g.to_dot(mode=mode).source)
        ref = _strip_dot_strings(benign.to_dot(mode=mode).source)
        assert "<" not in got  # no HTML-like label
        assert got.count("->") == ref.count("->") == 5
        assert re.sub(r"cluster_\w*", "cluster", got) == re.sub(r"cluster_\w*", "cluster", ref)


def _svg_texts(svg: str) -> tuple[list[str], int, int]:
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    texts = ["".join(t.itertext()) for t in root.iter(f"{ns}text")]
    groups = [el.get("class") for el in root.iter(f"{ns}g")]
    return texts, groups.count("node"), groups.count("edge")


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot program")
def test_dot_drawn_by_graphviz_shows_the_names_as_written(hostile, tmp_path):
    s, g = hostile
    source = tmp_path / "g.dot"
    source.write_text(g.to_dot(mode="reverse").source, encoding="utf-8")
    run = subprocess.run(["dot", "-Tsvg", str(source)], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    texts, nodes, edges = _svg_texts(run.stdout)
    assert (nodes, edges) == (5, 5)
    # Graphviz drops a label's leading and trailing blanks; nothing else may change
    assert f"v₁ = {escape.plain(s)}".strip() in [t.strip() for t in texts]
    scope = escape.plain(s.replace("/", "|")).strip()
    assert scope in [t.strip() for t in texts]  # the scope's cluster label


def test_render_a_name_ending_in_a_backslash(tmp_path):
    g = _graph("x\\", "s\\", "f\\")
    out = g.render(tmp_path / "g.dot")
    assert out.read_text().count("->") == 5
    if shutil.which("dot") is not None:
        assert g.render(tmp_path / "g.svg").read_text().startswith("<?xml")


# ----------------------------------------------------------------------------- the escapers

@pytest.mark.parametrize("text, expected", [
    ("a\nb", "a\\nb"), ("tab\t", "tab\\t"), ("ok name", "ok name"), ("\x00", "\\x00"),
    ("sep\u2028", "sep\\u2028"),
])
def test_control_characters_print_as_escapes(text, expected):
    assert escape.plain(text) == expected


@pytest.mark.parametrize("text, expected", [
    (r"\input{x}", r"\textbackslash{}input\{x\}"),
    ("100% $5 & #1 a_b ^ ~ <>",
     r"100\% \$5 \& \#1 a\_b \textasciicircum{} \textasciitilde{} \textless{}\textgreater{}"),
])
def test_latex_text(text, expected):
    assert escape.latex_text(text) == expected


def test_latex_math_and_names_in_formulas():
    assert escape.latex_math(r"\input{x}^~") == r"\backslash{}input\{x\}\hat{}\tilde{}"
    g = _graph(r"\input{/etc/passwd}", "s", "f")
    assert g.table().cells(g.table().rows[0], "latex")[0:2] == [
        "$v_{1}$", r"$\backslash{}input\{/etc/passwd\}$"]


def test_markdown_escapes():
    assert escape.markdown_cell("a|b\\") == "a\\|b\\\\"
    assert escape.markdown_code("x `y` z") == "`` x `y` z ``"
    assert escape.markdown_code("plain") == "`plain`"


def test_dot_escape_keeps_backslashes_literal_and_never_html():
    assert escape.dot(r"\N<x>") == r"\\N<x>"
    assert mg.trace(lambda x: x * 2.0, 1.0).to_dot().source.startswith("digraph \"<lambda>\"")
