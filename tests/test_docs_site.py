"""The lecture notes build into a static site (``mkdocs build --strict``), figures in place.

Where MkDocs is not installed the test skips, except under CI (``CI=true``), which
installs the ``docs`` extra and must build the site.
"""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(p.stem for p in (ROOT / "docs").glob("0*.md"))


def _mkdocs_or_fail_under_ci():
    try:
        import mkdocs  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI must build the docs site: install the docs extra, "
                        "pip install -e \".[docs]\" -c .ci/constraints.txt")
        pytest.skip("MkDocs is not installed (pip install -e \".[docs]\")")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built once with the documented command into a temporary directory."""
    _mkdocs_or_fail_under_ci()
    out = tmp_path_factory.mktemp("site")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return out


class _Resources(HTMLParser):
    """The images and scripts a page loads, and its links."""

    def __init__(self):
        super().__init__()
        self.images, self.loads, self.links = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a["src"])
        if tag in ("img", "script") and a.get("src") or tag == "link" and a.get("href"):
            self.loads.append(a.get("src") or a.get("href"))
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def _page(site: Path, name: str) -> tuple[Path, _Resources]:
    html = site / f"{name}.html"  # use_directory_urls: false, so that it browses from disk
    assert html.is_file(), f"{name}.md was not built"
    parser = _Resources()
    parser.feed(html.read_text(encoding="utf-8"))
    return html, parser


def test_the_chapters_are_numbered_one_to_eight():
    assert [c[:2] for c in CHAPTERS] == [f"{k:02d}" for k in range(1, 9)]


@pytest.mark.parametrize("name", ["index", "explainer", *CHAPTERS])
def test_every_page_is_built_and_its_images_are_in_the_site(site, name):
    html, page = _page(site, name)
    for src in page.images:
        assert (html.parent / src).resolve().is_file(), f"{name}: {src} is not in the site"
    source = (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8")
    assert len(page.images) == len(re.findall(r"!\[[^\]]*\]\(", source))


def test_the_figures_are_shown_where_the_chapters_reference_them(site):
    shown = {name: [Path(src).name for src in _page(site, name)[1].images] for name in CHAPTERS}
    assert shown["04-cost-of-modes"] == ["cost-of-modes-counts.svg", "cost-of-modes-time.svg"]
    assert shown["07-testing"] == ["fd-error.svg"]
    assert shown["08-slides"] == ["lognormal-reverse-step-6.svg"]
    for svg in (site / "figures").iterdir():
        assert svg.read_bytes() == (ROOT / "docs" / "figures" / svg.name).read_bytes()


def test_the_site_loads_nothing_from_the_network_and_leaves_the_generator_out(site):
    for html in site.rglob("*.html"):
        page = _Resources()
        page.feed(html.read_text(encoding="utf-8"))
        remote = [u for u in page.loads if re.match(r"(https?:)?//", u)]
        assert not remote, f"{html.relative_to(site)} loads {remote}"
    assert not list(site.rglob("generate.py"))


def test_the_home_page_links_every_chapter(site):
    _, home = _page(site, "index")
    linked = {h.split("#")[0].removesuffix(".html") for h in home.links}
    assert set(CHAPTERS) | {"explainer"} <= linked
