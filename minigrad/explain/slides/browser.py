"""PNG slides and the PDF handout: ``deck.html`` as headless Chromium draws and prints it.

The page is the one the lecturer projects, so the pictures are the slides exactly: its
fonts, its fitted layout, its drawings (from Graphviz's program or its WebAssembly build:
no ``dot`` needed).  One Chromium run per picture, each with a time limit.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..layout import LayoutError
from .deck import STAGES

PROGRAMS = ("chromium", "chromium-browser", "google-chrome")
INSTALL = "install Chromium (Debian/Ubuntu: apt-get install chromium)"
TIMEOUT = 120  # seconds a picture may take
#: PNG sizes: 1080 pixels high, as a projector or a slide program wants them.
PIXELS = {"16:9": (1920, 1080), "4:3": (1440, 1080)}


def program() -> str | None:
    return next(filter(None, map(shutil.which, PROGRAMS)), None)


def require() -> str:
    """The Chromium program, or a one-line error naming the package to install."""
    found = program()
    if found is None:
        raise LayoutError(f"PNG slides and the handout are drawn by Chromium, which is not "
                          f"installed: {INSTALL}")
    return found


def _run(arguments: list[str], url: str, what: str) -> None:
    with tempfile.TemporaryDirectory(prefix="minigrad-chromium-") as profile:
        command = [require(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                   "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
                   "--virtual-time-budget=5000", *arguments, url]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise LayoutError(f"Chromium took more than {TIMEOUT} s to draw {what}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise LayoutError(f"Chromium failed to draw {what}: "
                          f"{message[-1] if message else 'no message'}")


def pngs(page: Path, count: int, aspect: str, directory: Path) -> list[Path]:
    """``slide-001.png``...: each of the ``count`` slides of ``page`` at ``PIXELS[aspect]``."""
    for old in directory.glob("slide-[0-9][0-9][0-9].png"):
        old.unlink()
    width, height = PIXELS[aspect]
    url = page.resolve().as_uri() + "?present"
    written = []
    for k in range(1, count + 1):
        path = directory / f"slide-{k:03d}.png"
        _run([f"--window-size={width},{height}", f"--screenshot={path.resolve()}"],
             f"{url}#{k}", path.name)
        written.append(path)
    return written


def picture(svg: str, path: Path, width: int, height: int) -> Path:
    """``svg`` drawn to the PNG ``path`` at ``width`` x ``height`` pixels (its shape kept)."""
    with tempfile.TemporaryDirectory(prefix="minigrad-picture-") as folder:
        page = Path(folder) / "picture.html"
        page.write_text('<!DOCTYPE html><meta charset="utf-8"><style>html, body { margin: 0; '
                        'background: transparent; } svg { width: 100vw; height: 100vh; }'
                        f'</style>{svg[svg.index("<svg"):]}', encoding="utf-8")
        _run([f"--window-size={width},{height}", f"--screenshot={path.resolve()}",
              "--default-background-color=00000000"], page.as_uri(), path.name)
    return path


def handout(page: Path, path: Path) -> Path:
    """``page`` printed to ``path`` (PDF), one slide a page."""
    width, height = STAGES["16:9"]
    _run([f"--window-size={width},{height}", f"--print-to-pdf={path.resolve()}",
          "--no-pdf-header-footer"], page.resolve().as_uri() + "?handout", path.name)
    return path
