"""Outputs that cannot be written (issue 13, item 6): one line on stderr naming the path and
the cause, exit status 2, nothing else touched; and writers that clean up after themselves."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import minigrad as mg


def run(*args, cwd=None, stdout=subprocess.PIPE):
    return subprocess.run([sys.executable, "-m", "minigrad.cli", *args], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, cwd=cwd, timeout=300)


def one_line(r) -> str:
    """The single line on stderr (nothing else there), after exit status 2."""
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


POINT = ["--at", "x1=2", "x2=5"]
EXPR = "x1*x2 + sin(x1)"


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder this process may not write into: a read-only one, or (root writes through
    the permissions) /sys, which refuses even root."""
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o555)
    folder = d if _refuses(d) else Path("/sys/kernel")
    if not (folder.is_dir() and _refuses(folder)):
        pytest.skip("no folder that refuses this user's writes")
    yield folder
    d.chmod(0o755)


def _refuses(folder: Path) -> bool:
    probe = folder / "minigrad-probe.svg"
    try:
        probe.write_text("x")
    except OSError:
        return True
    probe.unlink()
    return False


@pytest.mark.parametrize("suffix", [".svg", ".dot", ".tex"])
def test_a_missing_folder_is_one_line_naming_it(tmp_path, suffix):
    target = tmp_path / "missing" / f"g{suffix}"
    line = one_line(run("graph", EXPR, *POINT, "-o", str(target)))
    assert line == (f"minigrad graph: cannot write {target}: No such file or directory; "
                    f"create its folder first, or choose another -o")
    assert not target.parent.exists()


def test_a_read_only_folder_is_one_line(read_only_dir):
    target = read_only_dir / "g.svg"
    line = one_line(run("graph", EXPR, *POINT, "-o", str(target)))
    assert line.startswith(f"minigrad graph: cannot write {target}: Permission denied")
    assert not target.exists()


def test_a_folder_where_a_file_is_expected(tmp_path):
    folder = tmp_path / "g.svg"
    folder.mkdir()
    line = one_line(run("graph", EXPR, *POINT, "-o", str(folder)))
    assert line == (f"minigrad graph: cannot write {folder}: Is a directory; "
                    f"it is a folder; give a file name inside it")
    assert list(folder.iterdir()) == []
    line = one_line(run("graph", EXPR, *POINT, "-o", str(tmp_path)))
    assert "cannot tell the format from" in line


def test_a_file_where_a_folder_is_expected(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("mine")
    line = one_line(run("graph", EXPR, *POINT, "-o", str(f / "g.svg")))
    assert line.startswith(f"minigrad graph: cannot write {f / 'g.svg'}: Not a directory")
    line = one_line(run("frames", EXPR, *POINT, "-o", str(f)))
    assert line == f"minigrad frames: frames: {f} exists and is not a directory"
    assert f.read_text() == "mine"


def test_a_name_too_long(tmp_path):
    target = tmp_path / ("g" * 300 + ".svg")
    line = one_line(run("graph", EXPR, *POINT, "-o", str(target)))
    assert line == f"minigrad graph: cannot write {target}: File name too long; choose a shorter name"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("suffix", [".svg", ".dot"])
def test_a_full_disk(tmp_path, suffix):
    target = tmp_path / f"g{suffix}"
    target.symlink_to("/dev/full")
    line = one_line(run("graph", EXPR, *POINT, "-o", str(target)))
    assert line == (f"minigrad graph: cannot write {target}: No space left on device; "
                    f"free some space, or write elsewhere")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_standard_output_on_a_full_disk():
    with open("/dev/full", "w") as full:
        r = run("table", EXPR, *POINT, stdout=full)
    line = one_line(r)
    assert line.startswith("minigrad table: cannot write standard output")
    assert line.endswith(": No space left on device; free some space, or write elsewhere")
    if os.path.exists("/proc/self/fd/1"):
        assert "(/dev/full)" in line


def test_demo_refuses_an_unknown_format_before_printing_anything(tmp_path):
    (tmp_path / "x.jpg").write_text("mine")
    r = run("demo", "-o", "x.jpg", cwd=tmp_path)
    line = one_line(r)
    assert line.startswith("minigrad demo: render: cannot tell the format from 'x.jpg'")
    assert r.stdout == ""
    assert (tmp_path / "x.jpg").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.jpg"]


def test_graph_refuses_an_unknown_format_and_leaves_the_file(tmp_path):
    (tmp_path / "g.jpg").write_text("mine")
    line = one_line(run("graph", EXPR, *POINT, "-o", "g.jpg", cwd=tmp_path))
    assert "cannot tell the format from 'g.jpg'" in line
    assert (tmp_path / "g.jpg").read_text() == "mine"


@pytest.mark.parametrize("command, default", [("graph", "graph.svg"), ("demo", "lognormal.svg")])
def test_help_shows_the_default_output_name(command, default):
    r = run(command, "--help")
    assert r.returncode == 0
    assert f"default: {default}" in " ".join(r.stdout.split())


# ------------------------------------------------------------------ rewriting a folder

def drawings(folder: Path, prefix: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(prefix + "-"))


def test_frames_written_again_remove_the_earlier_steps_and_nothing_else(tmp_path):
    long = mg.trace(lambda x, y: mg.numpy.sin(x * y) + x * y + y, 2.0, 3.0).frames(mode="reverse")
    short = mg.trace(lambda x, y: x * y, 2.0, 3.0).frames(mode="reverse")
    keep = ["notes.txt", "frame-001.png", "frame-1.svg", "frames-001.svg", "forward-001.svg"]
    for name in keep:
        (tmp_path / name).write_text("mine")
    long.write(tmp_path)
    suffixes = {p.suffix for p in tmp_path.glob("frame-0*")} - {".png"}
    count = len(long)
    assert count > len(short)
    short.write(tmp_path)
    expected = sorted(f"frame-{k:03d}{s}" for k in range(1, len(short) + 1) for s in suffixes)
    assert drawings(tmp_path, "frame") == sorted(expected + ["frame-001.png", "frame-1.svg"])
    for name in keep:
        assert (tmp_path / name).read_text() == "mine"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Beamer's drawings need Graphviz's dot")
def test_a_deck_written_again_removes_the_earlier_steps(tmp_path):
    from minigrad.explain.slides import write_deck

    write_deck(mg.trace(lambda x, y: mg.numpy.sin(x * y) + x * y + y, 2.0, 3.0), tmp_path)
    (tmp_path / "step-notes.txt").write_text("mine")
    short = mg.trace(lambda x: x * x, 2.0)
    write_deck(short, tmp_path)  # a title, one forward and one reverse step
    steps = sorted(p.name for p in tmp_path.glob("step-*") if p.name != "step-notes.txt")
    assert steps == ["step-002.pdf", "step-003.pdf"]
    assert (tmp_path / "step-notes.txt").read_text() == "mine"