"""Every docs page shows what its code prints and draws: docs/generate.py would not change it."""

import importlib.util
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
generate = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)
import stable_view  # noqa: E402  (beside generate.py, which puts docs/ on the path)

FIGURES = [pytest.param(f, id=f.path.name) for page in generate.pages()
           for f in generate.figures(page.read_text(encoding="utf-8"))]


def test_the_explainer_page_has_generated_outputs():
    text = (ROOT / "docs" / "explainer.md").read_text(encoding="utf-8")
    assert "<!-- output -->" in text and "```console" in text


@pytest.mark.parametrize("page", generate.pages(), ids=lambda p: p.name)
def test_page_and_its_checked_figures_are_up_to_date(page):
    text = page.read_text(encoding="utf-8")
    drawn = {}
    assert generate.render(text, drawn, all_figures=False) == text, "run: python docs/generate.py"
    for path, svg in drawn.items():  # what the figure shows, its data to half a point
        assert not generate.figure_differences(path, svg, True), "run python docs/generate.py"


def test_the_chapters_on_cost_testing_and_slides_have_their_figures():
    names = {f.path.name: f.checked for page in generate.pages()
             for f in generate.figures(page.read_text(encoding="utf-8"))}
    assert names["cost-of-modes-counts.svg"] and names["fd-error.svg"]  # their data compared
    assert not names["cost-of-modes-time.svg"]  # timings: only regenerated
    assert not names["lognormal-reverse-step-6.svg"]  # a Graphviz layout: only regenerated
    for page, name in [("04-cost-of-modes.md", "cost-of-modes-counts.svg"),
                       ("04-cost-of-modes.md", "cost-of-modes-time.svg"),
                       ("07-testing.md", "fd-error.svg"),
                       ("08-slides.md", "lognormal-reverse-step-6.svg")]:
        assert f"](figures/{name})" in (ROOT / "docs" / page).read_text(encoding="utf-8")


@pytest.mark.parametrize("figure", FIGURES)
def test_figure_is_committed_and_is_an_svg_or_html(figure):
    assert figure.path.is_file(), f"missing {figure.path}: run python docs/generate.py"
    if figure.path.suffix == ".svg":
        assert ET.parse(figure.path).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    else:  # a table or a stepper, included in the page as HTML
        assert re.match(r'<(table|div class="mg-stepper")', figure.path.read_text("utf-8"))


class _Shown:
    """What a notebook displays: an SVG drawing or an HTML table."""

    def __init__(self, svg=None, html=None):
        self.svg, self.html = svg, html

    def _repr_svg_(self):
        return self.svg

    def _repr_html_(self):
        return self.html


def test_a_block_ending_in_what_a_notebook_displays_makes_its_figure(monkeypatch):
    monkeypatch.setitem(sys.modules, "shown", sys.modules[__name__])
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="5pt"><text>x</text></svg>'
    code = f"from shown import _Shown\nprint('drawn')\n_Shown(svg={svg!r}, html='<table></table>')\n"
    assert generate.run_python(code, "a.svg") == ("drawn\n", (svg + "\n").encode())
    assert generate.run_python(code, "a.html")[1] == b"<table></table>\n"
    with pytest.raises(RuntimeError, match="or end the block with what a notebook displays"):
        generate.run_python("x = 1\n", "a.svg")


def test_an_html_output_is_compared_by_its_texts_not_its_ids_and_styles():
    table = next(f for f in FIGURES if f.values[0].path.name == "lognormal-reverse-table.html")
    committed = table.values[0].path.read_bytes()
    assert not stable_view.differences(committed, committed.replace(b"<table>", b'<table id="x">'), True)
    changed = stable_view.differences(committed, committed.replace(b"0.28125", b"0.281250"), True)
    assert changed and "0.28125" in changed[0]
    stepper = next(f for f in FIGURES if f.values[0].path.name == "lognormal-reverse-stepper.html")
    _, again = generate.run_python(stepper.values[0].code, "lognormal-reverse-stepper.html")
    assert again != stepper.values[0].path.read_bytes()  # a fresh id for every stepper
    assert not generate.figure_differences(stepper.values[0].path, again, True)


@pytest.mark.parametrize("figure", [p for p in FIGURES if not p.values[0].checked])
def test_machine_dependent_figure_is_regenerated_by_its_code(figure):
    _, svg = generate.run_python(figure.code, figure.path.name)
    assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
    assert not generate.figure_differences(figure.path, svg, checked=False)


def _fd_error():
    return next(f for page in generate.pages() for f in generate.figures(page.read_text("utf-8"))
                if f.path.name == "fd-error.svg")


def _nudge(svg: bytes, by: float) -> bytes:
    """The SVG with every plotted coordinate moved by ``by`` pt, as another CPU might draw it."""
    text = svg.decode()
    start = text.index('id="line2d_')
    return (text[:start] + re.sub(r"(?<=[ML] )(\d+\.\d+)",
                                  lambda m: f"{float(m.group(1)) + by:.6f}", text[start:])).encode()


def test_a_figure_drawn_a_last_digit_apart_is_up_to_date_and_one_visibly_apart_is_not():
    svg = _fd_error().path.read_bytes()
    assert not stable_view.differences(svg, _nudge(svg, 3e-6), exact_data=True)
    moved = stable_view.differences(svg, _nudge(svg, 2.0), exact_data=True)
    assert len(moved) >= 1 and "farther than 0.5 pt" in moved[0]


def test_a_figure_whose_code_changed_is_out_of_date():
    figure = _fd_error()
    for edit in [("x, exact = 1.0, np.cos(1.0)", "x, exact = 1.0, np.cos(1.0) + 1e-3"),
                 ("161", "81"), ("error against step size", "error against h")]:
        assert edit[0] in figure.code
        _, svg = generate.run_python(figure.code.replace(*edit), figure.path.name)
        assert generate.figure_differences(figure.path, svg, True), edit


def test_reproducible_figures_do_not_depend_on_the_run():
    code = ("import matplotlib.pyplot as plt\n"
            "fig, ax = plt.subplots()\nax.plot([1, 2, 3], [2, 0, 1])\nfig.savefig('f.svg')\n")
    first, second = (generate.run_python(code, "f.svg")[1] for _ in range(2))
    assert first == second and b"<svg" in first


def test_a_block_without_output_is_not_merged_with_the_next_ones():
    page = ("```python\nprint('machine-dependent')\n```\n\ntext\n\n"
            "```python\nprint(6 * 7)\n```\n\n<!-- output -->\n```text\nold\n```\n<!-- /output -->\n")
    assert generate.render(page) == page.replace("old\n", "42\n")


def test_a_figure_block_that_writes_no_file_is_a_clear_error():
    page = "```python\nx = 1\n```\n\n<!-- figure -->\n![a plot](figures/nothing.svg)\n"
    assert [f.path.name for f in generate.figures(page)] == ["nothing.svg"]
    with pytest.raises(RuntimeError, match="did not write nothing.svg"):
        generate.render(page, {})


def test_an_unknown_figure_kind_is_refused():
    page = "```python\nx = 1\n```\n\n<!-- figure: timed -->\n![a plot](figures/f.svg)\n"
    for find in (generate.figures, lambda text: generate.render(text, {})):
        with pytest.raises(ValueError, match="the only figure kind is 'machine-dependent'"):
            find(page)


def test_a_figure_shown_on_two_pages_is_made_by_the_same_code():
    codes = {}
    for param in FIGURES:
        codes.setdefault(param.values[0].path.name, set()).add(param.values[0].code)
    assert all(len(made_by) == 1 for made_by in codes.values()), codes
    assert any(name == "lognormal-reverse-stepper.html" for name in codes)


def test_a_command_s_output_on_the_page_is_the_same_with_or_without_graphviz(tmp_path):
    bin_without_dot = tmp_path / "bin"  # python, and no dot: the PDF frames cannot be made
    bin_without_dot.mkdir()
    (bin_without_dot / "python").symlink_to(sys.executable)
    body = "$ minigrad frames \"x1*x2\" --at x1=2 x2=5 -o frames\n"
    shown = []
    for path in [os.environ["PATH"], str(bin_without_dot)]:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PATH", path)
            shown.append(generate.run_console(body))
    assert shown[0] == shown[1] and "wrote 1 reverse-sweep frames" in shown[0], shown
    # and a block that prints the library's note (as write_deck does without dot)
    note = "from minigrad.explain.slides import NO_PDF\nprint(NO_PDF)\nprint('wrote')\n"
    assert generate.run_python(note) == ("wrote\n", None)


def test_a_timing_figure_is_rewritten_only_when_what_it_shows_changed_or_when_asked(tmp_path,
                                                                                    monkeypatch):
    """Running the generator twice leaves the work tree clean (timings differ at every run)."""
    page, svg = tmp_path / "page.md", tmp_path / "figures" / "timed.svg"
    code = ("import random\nimport matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n"
            "ax.plot([1, 2, 3], [random.random(), random.random(), 1.0])  # a timing\n"
            "fig.savefig('timed.svg')\n")
    page.write_text(f"```python\n{code}```\n\n<!-- figure: machine-dependent -->\n"
                    "![a timing](figures/timed.svg)\n", encoding="utf-8")
    monkeypatch.setattr(generate, "pages", lambda: [page])
    monkeypatch.setattr(generate, "FIGURES", tmp_path / "figures")
    assert generate.main([]) == 0 and svg.is_file()  # missing: drawn
    first = svg.read_bytes()
    assert generate.main([]) == 0 and svg.read_bytes() == first
    assert generate.main(["--machine-dependent"]) == 0 and svg.read_bytes() != first
    page.write_text(page.read_text("utf-8").replace("1.0])", "1.0, 2.0])").replace("[1, 2, 3]", "[1, 2, 3, 4]"))
    second = svg.read_bytes()
    assert generate.main([]) == 0 and svg.read_bytes() != second  # one more point: redrawn
    assert generate.main(["--check", "--redraw"]) == 2
