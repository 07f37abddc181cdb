"""Every work the chapters cite by its authors' names is listed in docs/references.md."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCES = ROOT / "docs" / "references.md"
PAGES = [p for p in sorted((ROOT / "docs").glob("*.md")) if p != REFERENCES]

# A citation: "Name and Name" or "Name et al." (a name may be hyphenated), or "Name (1983)".
_CITED = re.compile(r"\b([A-Z][a-z]+(?:-[A-Z][a-z]+)*)(?: and ([A-Z][a-z]+)(?![-\w])| et al\."
                    r"| \((?:1[89]|20)\d\d\))")
# Capitalised pairs in the text that are not authors.
NOT_CITATIONS = {("Hessians", "Hessian"), ("Home", "End")}


def cited(text: str) -> set[tuple[str, ...]]:
    """The author names cited in a page's prose (code and its outputs left out)."""
    prose = re.sub(r"^```.*?^```|`[^`\n]*`", "", text, flags=re.S | re.M)
    found = {tuple(filter(None, m.groups())) for m in _CITED.finditer(" ".join(prose.split()))}
    return found - NOT_CITATIONS


def test_the_citation_finder_reads_both_forms():
    assert cited("as Baur and\nStassen showed, and Baydin et al. (see `Foo and Bar`)") == {
        ("Baur", "Stassen"), ("Baydin",)}
    assert cited("Wengert (1964) and Hessian-vector products, Home and End") == {("Wengert",)}


def test_every_cited_name_is_in_the_references():
    listed = REFERENCES.read_text(encoding="utf-8")
    missing = {f"{page.name}: {' and '.join(names)}" for page in PAGES
               for names in cited(page.read_text(encoding="utf-8"))
               if not all(re.search(rf"\b{name}\b", listed) for name in names)}
    assert not missing, f"add to docs/references.md: {sorted(missing)}"
    assert len(set().union(*(cited(p.read_text(encoding="utf-8")) for p in PAGES))) >= 5
