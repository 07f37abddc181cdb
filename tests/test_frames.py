"""Sweep frames for slides: the steps, their numbers, and the SVG / Beamer / HTML writers.

The design under test (``minigrad/explain/frames.py``): forward mode has one step per
non-input variable in recording order; reverse mode has one step per non-input variable
from the output back, each pushing one contribution per use to its inputs.  The
log-normal therefore has 7 steps either way.
"""

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad.examples import chain_rule, lognormal
from minigrad.explain import layout
from minigrad.explain.frames import Frames, step_lines

from test_display import tags

Y, MU, SIGMA = 1.5, 0.0, 2.0
# The closed-form gradient of log N(y | mu, sigma) at (1.5, 0, 2).
CLOSED_FORM = {
    "y": -(Y - MU) / SIGMA**2,
    "mu": (Y - MU) / SIGMA**2,
    "sigma": (Y - MU) ** 2 / SIGMA**3 - 1 / SIGMA,
}
HAVE_DOT = shutil.which("dot") is not None  # PDF frames need the program; SVG does not


@pytest.fixture(scope="module")
def graph():
    return mg.trace(lognormal, Y, MU, SIGMA)


@pytest.fixture(scope="module")
def written(graph, tmp_path_factory):
    """The reverse frames of the log-normal, written once for the writer tests."""
    out = tmp_path_factory.mktemp("frames") / "reverse"
    frames = graph.frames(mode="reverse")
    frames.write(out)
    return frames, out


# ----------------------------------------------------------------------------- the steps

def test_forward_has_one_step_per_non_input_in_order(graph):
    frames = graph.frames(mode="forward", wrt="y")
    assert len(frames) == 7
    assert [f.active for f in frames] == [f"v{k}" for k in range(4, 11)]
    assert [f.index for f in frames] == list(range(1, 8))
    # v5 = v4 / v3: one term per input, with the primitive table's symbolic partials
    v5 = frames[1]
    assert [(c.source, c.target, str(c.partial)) for c in v5.contributions] == [
        ("v4", "v5", "1/v3"), ("v3", "v5", "-v4 v3^-2")]
    assert v5.edges == [("v4", "v5"), ("v3", "v5")]


def test_reverse_has_one_step_per_non_input_from_the_output_back(graph):
    frames = graph.frames(mode="reverse")
    assert len(frames) == 7
    assert [f.active for f in frames] == [f"v{k}" for k in range(10, 3, -1)]
    # v5 = v4 / v3 pushes its adjoint to both inputs
    v5 = frames[5]
    assert [(c.source, c.target) for c in v5.contributions] == [("v5", "v4"), ("v5", "v3")]


def test_reverse_last_frame_has_the_full_tables_adjoints_and_the_gradient(graph):
    frames = graph.frames(mode="reverse")
    last = frames[-1]
    table = graph.table(mode="reverse")
    assert list(last.state) == [row.adjoint for row in table.rows]
    assert set(last.status) == {"done"}
    gradient = mg.grad(lognormal, argnums=(0, 1, 2))(Y, MU, SIGMA)
    for k, name in enumerate(["y", "mu", "sigma"]):
        assert last.state[k] == pytest.approx(gradient[k], rel=1e-14)
        assert last.state[k] == pytest.approx(CLOSED_FORM[name], rel=1e-14)


@pytest.mark.parametrize("wrt", ["y", "mu", "sigma"])
def test_forward_last_frame_has_the_tangents_and_the_directional_derivative(graph, wrt):
    frames = graph.frames(mode="forward", wrt=wrt)
    table = graph.table(mode="forward", wrt=wrt)
    assert list(frames[-1].state) == [row.tangent for row in table.rows]
    assert frames[-1].state[-1] == pytest.approx(CLOSED_FORM[wrt], rel=1e-14)


def test_each_contribution_is_partial_times_factor_and_totals_accumulate(graph):
    for mode, wrt in [("forward", "sigma"), ("reverse", None)]:
        for frame in graph.frames(mode=mode, wrt=wrt):
            for c in frame.contributions:
                if c.value is not None:
                    assert c.value == pytest.approx(c.partial_value * c.factor, rel=1e-14)
    # v3 (sigma) is used by v8 and by v5: its adjoint is -0.5 after v8, final after v5
    reverse = graph.frames(mode="reverse")
    to_v3 = [(f.active, c.value, c.total) for f in reverse for c in f.contributions
             if c.target == "v3"]
    assert to_v3 == [("v8", -0.5, -0.5),
                     ("v5", pytest.approx(0.28125), pytest.approx(CLOSED_FORM["sigma"]))]


def test_values_not_computed_yet_are_blank_and_partial_sums_marked(graph):
    forward = graph.frames(mode="forward", wrt="sigma")
    first = forward.rows(forward[0])
    assert [row[-1] for row in first] == ["0", "0", "1", "0"] + [""] * 6
    reverse = graph.frames(mode="reverse")
    after_v8 = reverse[2]
    assert after_v8.active == "v8"
    column = [row[-1] for row in reverse.rows(after_v8)]
    assert column == ["", "", "-0.5 + \u2026", "", "", "", "1", "-1", "1", "1"]
    assert after_v8.status[2] == "partial"
    assert reverse.text_table(after_v8).splitlines()[8].startswith("> v8")


def test_fan_out_x_times_x_shows_two_contributions_to_x():
    g = mg.trace(lambda x: x * x, 3.0)
    (frame,) = g.frames(mode="reverse")
    assert [(c.target, c.position) for c in frame.contributions] == [("v1", 0), ("v1", 1)]
    assert [c.value for c in frame.contributions] == [3.0, 3.0]
    assert [c.total for c in frame.contributions] == [3.0, 6.0]
    lines = step_lines(frame)
    assert len(lines) == 2 and "(use 1 of 2)" in lines[0] and "(use 2 of 2)" in lines[1]
    assert lines[1].endswith("v\u03041 = 6  (use 2 of 2)")
    (forward,) = g.frames(mode="forward")
    assert [c.source for c in forward.contributions] == ["v1", "v1"]
    assert forward.state[1] == 6.0


def test_a_variable_off_the_output_path_gets_zero():
    def f(x):
        mnp.sin(x)  # recorded, but the output does not use it
        return x * 2.0

    frames = mg.trace(f, 1.0).frames(mode="reverse")
    assert [fr.active for fr in frames] == ["v3", "v2"]
    assert frames[-1].state == (2.0, 0.0, 1.0)  # d(2x)/dx = 2; nothing reaches sin x
    assert frames[0].status[0] == "partial"  # v2 = sin v1 has yet to be visited


def test_rows_hold_what_the_table_prints():
    def f(x, y):
        return x * 2.0 + mnp.sin(y) * 0.0 + mnp.exp(y - y)  # y's influence cancels

    g = mg.trace(f, 1.0, 3.0)
    forward = g.table(mode="forward", wrt="x")
    reverse = g.table(mode="reverse")
    plain = g.table()
    # The unseeded input y has tangent 0 (printed "0"), not None; d f/d y = cos(3)*0 + 0 = 0.
    assert forward.rows[1].tangent == 0.0 and forward.rows[1].adjoint is None
    assert reverse.rows[1].adjoint == 0.0 and reverse.rows[1].tangent is None
    assert reverse.rows[0].adjoint == 2.0 and plain.rows[0].tangent is plain.rows[0].adjoint is None
    for table, column in ((forward, "tangent"), (reverse, "adjoint")):
        printed = {line.split()[0]: line.split()[-1] for line in str(table).splitlines()[2:]}
        for row in table.rows:
            assert float(printed[row.var]) == pytest.approx(getattr(row, column), abs=1e-12)


def test_array_rows_hold_zero_arrays_of_the_variables_shape():
    g = mg.trace(lambda x, y: mnp.sum(x * 2.0) + 0.0 * mnp.sum(y), np.ones(3), np.ones(2))
    t = g.table(mode="forward", wrt="x")
    assert t.rows[1].tangent.shape == (2,) and not t.rows[1].tangent.any()
    assert "array(2,) mean=0 range=[0, 0]" in str(t).splitlines()[3]  # v2 = y, as printed


def test_sweep_hook_sees_every_contribution_and_changes_nothing(graph):
    seen = []
    plain = mg.reverse_sweep(graph, {9: 1.0})
    hooked = mg.reverse_sweep(graph, {9: 1.0}, on_contribution=lambda v, i, c: seen.append((v.index, i, c)))
    assert hooked == plain
    assert len(seen) == 10  # one per use of a variable: v4..v10 have 10 variable operands
    assert seen[0] == (9, 0, 1.0)
    seen.clear()
    assert mg.forward_sweep(graph, {2: 1.0}, lambda v, i, c: seen.append((v.index, i))) == \
        mg.forward_sweep(graph, {2: 1.0})
    assert seen == [(4, 1), (5, 0), (6, 1), (7, 0), (8, 0), (8, 1), (9, 0)]  # v7 = -0.5 * v6


def test_bad_arguments_are_clear(graph):
    with pytest.raises(ValueError, match="mode must be 'forward' or 'reverse', not 'sideways'"):
        graph.frames(mode="sideways")
    with pytest.raises(ValueError, match=r"frames\(mode='forward'\) needs wrt="):
        graph.frames(mode="forward")
    with pytest.raises(ValueError, match="unknown theme"):
        graph.frames(theme="neon")


# ----------------------------------------------------------------------------- writers

def test_files_written(written):
    frames, out = written
    names = sorted(p.name for p in out.iterdir())
    for k in range(1, 8):
        assert f"frame-{k:03d}.svg" in names
    assert "frame-008.svg" not in names
    assert {"deck.tex", "deck.html"} <= set(names)  # the sweep's deck (tests/test_slides.py)


def test_svg_frames_parse_and_highlight_the_active_node_and_edges(written):
    frames, out = written
    ns = {"svg": "http://www.w3.org/2000/svg"}
    for frame in frames:
        root = ET.parse(out / f"frame-{frame.index:03d}.svg").getroot()
        groups = root.findall(".//svg:g", ns)
        marked = [g for g in groups if "highlight" in g.get("class", "").split()]
        nodes = [g.find("svg:title", ns).text for g in marked if "node" in g.get("class")]
        edges = [g.find("svg:title", ns).text for g in marked if "edge" in g.get("class")]
        assert nodes == [frame.active]
        assert sorted(edges) == sorted(f"{a}->{b}" for a, b in frame.edges)
        text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
        active = frame.active.translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
        assert f"Step {frame.index}/7: adjoint of {active}" in text


def test_drawing_layout_is_the_same_in_every_frame(graph):
    frames = graph.frames(mode="reverse")
    labels = [re.findall(r"label=\"?([^\"\]]*)", frames.to_dot(f).source) for f in frames]
    # edges carry their partial and its value in every frame, not only when active
    assert 'v4 -> v5 [label="1/v₃ = 0.5"' in frames.to_dot(frames[0]).source
    assert len({len(x) for x in labels}) == 1


def self_contained_page(page: str, sections: str = "section") -> list[tuple[str, dict]]:
    """The start tags of a page that must work offline, after checking that it loads
    nothing (no web address, no src, link, import or url()) and navigates by keys and
    buttons, one section shown at first, with unique ids."""
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", page)
    found = tags(page)
    shown = [a for t, a in found if t == sections]
    assert "hidden" not in shown[0] and all("hidden" in a for a in shown[1:])
    assert {"prev", "next"} <= {a.get("class") for t, a in found if t == "button"}
    assert "ArrowRight" in page and "ArrowLeft" in page
    ids = [a["id"] for t, a in found if "id" in a]
    assert len(ids) == len(set(ids))
    return found


def test_stepper_page_is_self_contained_and_navigable(graph):
    frames = graph.frames(mode="reverse")
    page = frames.to_html()
    tags = self_contained_page(page)
    sections = [a for t, a in tags if t == "section"]
    assert len(sections) == len(frames) == 7
    assert [a["data-active"] for a in sections] == [f.active for f in frames]
    assert sum(1 for t, a in tags if t == "tr" and "active" in a.get("class", "")) == 7
    assert page.count("<svg") == 1  # one drawing for all seven steps


def test_without_dot_svg_frames_are_drawn_by_webassembly(graph, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(layout.shutil, "which", lambda name: None)  # Graphviz in WebAssembly
    written = graph.frames(mode="forward", wrt="mu", theme="dark", naming="baydin").write(tmp_path)
    assert sorted(p.name for p in written if p.suffix == ".svg") == [
        f"frame-{k:03d}.svg" for k in range(1, 8)]
    assert not list(tmp_path.glob("*.pdf"))
    assert "need Graphviz's dot program" in capsys.readouterr().err
    page = (tmp_path / "deck.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 1 and "http" not in page


def test_without_any_layout_engine_the_sources_are_written_with_the_hint(graph, tmp_path,
                                                                       monkeypatch, capsys):
    monkeypatch.setattr(layout, "engine", lambda: None)
    written = graph.frames(mode="forward", wrt="mu").write(tmp_path)
    assert sorted(p.name for p in written if p.suffix == ".dot") == [
        f"frame-{k:03d}.dot" for k in range(1, 8)]
    assert not list(tmp_path.glob("*.svg"))
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0 and "apt-get install graphviz" in out
    page = (tmp_path / "deck.html").read_text(encoding="utf-8")
    assert "<svg" not in page and "http" not in page


# ----------------------------------------------------------------------------- CLI

def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "minigrad.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def test_cli_writes_the_frames(tmp_path):
    out = tmp_path / "slides"
    r = run("frames", "lognormal", "--at", "y=1.5", "mu=0", "sigma=2", "--mode", "reverse",
            "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "7 reverse-sweep frames" in r.stdout
    assert len(list(out.glob("frame-*.svg"))) == 7
    assert (out / "deck.tex").exists() and (out / "deck.html").exists()


def test_cli_forward_frames_of_an_expression(tmp_path):
    r = run("frames", "x1*x2 + sin(x1)", "--at", "x1=2", "x2=5", "--mode", "forward",
            "--wrt", "x1", "-o", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "3 forward-sweep frames" in r.stdout
    assert (tmp_path / "deck.html").exists()


@pytest.mark.parametrize("command, args, message", [
    ("frames", ["--mode", "sideways", "-o", "out"], "--mode must be 'forward' or 'reverse', not 'sideways'"),
    ("frames", ["--mode", "reverse"], "give the directory to write the frames to: -o DIR"),
    ("frames", ["-o", "no/such/dir"], "its parent directory no/such does not exist"),
    ("frames", ["--mode", "forward", "-o", "out"], "needs wrt="),
    ("slides", ["--at", "y=1"], "give the directory to write the slides to: -o DIR"),
    ("slides", ["-o", "no/such/dir"], "its parent directory no/such does not exist"),
    ("slides", ["--wrt", "z", "-o", "out"], "wrt='z' is not an input; the inputs are ['y', 'mu', 'sigma']"),
    ("slides", ["--at", "y=1", "-o", "out"], "missing value for mu, sigma: add --at mu=... sigma=..."),
])
def test_cli_bad_input_is_one_clear_line(command, args, message, tmp_path):
    r = run(command, "lognormal", *args, cwd=tmp_path)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_chain_rule_frames_match_the_gradient():
    frames = Frames(mg.trace(chain_rule, 2.0, 5.0), mode="reverse")
    assert len(frames) == 3
    np.testing.assert_allclose(frames[-1].state[:2], [5.0 + np.cos(2.0), 2.0], rtol=1e-14)


# Where the highlighted node and the active row are at a step of the stepper shown in a page
# column: how far apart (top of one to bottom of the other), whether the row is inside its
# scroll box, and whether anything scrolls the page sideways.
_STEPPER_FIT = """(() => {
  const s = document.querySelector(".mg-stepper");
  const frame = [...s.querySelectorAll("section.frame")].find(f => !f.hidden);
  const node = s.querySelector("div.drawing:not([hidden]) g.node.highlight").getBoundingClientRect();
  const row = frame.querySelector("tr.active").getBoundingClientRect();
  const box = frame.querySelector(".rows").getBoundingClientRect();
  return {span: Math.max(node.bottom, row.bottom) - Math.min(node.top, row.top),
          boxed: row.top >= box.top - 1 && row.bottom <= box.bottom + 1,
          sideways: document.documentElement.scrollWidth > innerWidth,
          name: frame.dataset.active, height: innerHeight};
})()"""


def _chain(x):
    for k in range(20):
        x = mnp.sin(x) if k % 2 == 0 else mnp.cos(x)
    return x


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Chromium")
@pytest.mark.parametrize("width, height, column", [(1280, 720, 688), (1920, 1080, 1000)])
def test_the_stepper_shows_the_highlighted_node_and_row_together_in_a_page_column(
        tmp_path, width, height, column):
    """The stepper of the site (a 688 px column at 1280x720) and of a notebook: at every step
    of the log-normal's and a 20-operation chain's sweeps, the highlighted node and the
    active row fit the window together, and nothing scrolls sideways."""
    from headless import Browser, chromium, serve

    pages = []
    for f, args in ((lognormal, (1.5, 0.0, 2.0)), (_chain, (0.5,))):
        g = mg.trace(f, *args)
        for mode in ("forward", "reverse"):
            page = tmp_path / f"{g.name}-{mode}.html"
            page.write_text(
                '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin: 0">'
                f'<article style="max-width: {column}px; margin: 0 auto; padding: 0 16px">'
                f'{g.frames(mode=mode, wrt=0 if mode == "forward" else None)._repr_html_()}'
                "</article></body></html>", encoding="utf-8")
            pages.append((page.name, len(g.variables) - len(g.inputs)))
    b = Browser(chromium(), width, height)
    try:
        with serve(tmp_path) as base:
            for name, steps in pages:
                b.open(base + name)
                b.evaluate("document.querySelector('.mg-stepper').focus()")
                for k in range(steps):
                    m = b.evaluate(_STEPPER_FIT)
                    where = f"{name} step {k + 1} ({m['name']}) at {width}x{height}"
                    assert m["span"] <= height and m["boxed"] and not m["sideways"], (where, m)
                    b.press("ArrowRight", "ArrowRight", 39)
    finally:
        b.close()
