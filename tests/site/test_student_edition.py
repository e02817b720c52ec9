"""The student edition (`make book-student`) publishes no solution; the handouts are on the site.

The student edition is built once per run into a temporary folder with ``tools/student_edition.py``
(what ``make book-student`` runs; the ``student_site`` fixture); the full site is the shared strict
build of the ``built_book`` fixture.

Solution text is found by *probes*: runs of six or more plain words (no math, code or markup,
which rendering would change) taken from the chapters' ``{solution}`` blocks and found nowhere
else in the book's sources. The full site must contain most of them (so the probes do find
solutions when they are there); the student edition must contain none, in any published file.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from helpers import ROOT
from make_handouts import split_blocks  # tools/ (pytest's pythonpath)

pytestmark = pytest.mark.book

TEXT_SUFFIXES = {".html", ".js", ".json", ".md", ".ipynb", ".txt", ".py"}
HREF = re.compile(r'href="([^"#?]*handouts/[^"#?]*)"')


def _plain_runs(text: str):
    """Runs of at least six plain words, each within one source line (as HTML keeps them)."""
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$|`[^`\n]*`|\{[^}\n]*\}|\([^)\n]*\)", " | ", text, flags=re.S)
    for piece in re.split(r"[|\n.;:!?—–\"'’*_\[\]<>=/]", text):
        words = piece.split()
        if len(words) >= 6 and all(re.fullmatch(r"[A-Za-z]+,?", w) for w in words):
            yield " ".join(words)


def _solution_probes() -> dict:
    """{probe: chapter} for the solutions of every chapter in _toc.yml."""
    toc = (ROOT / "_toc.yml").read_text()
    chapters = re.findall(r"file:\s*chapters/([\w-]+)", toc)
    solutions, elsewhere = {}, []
    for path in sorted(ROOT.glob("*.md")) + sorted((ROOT / "chapters").glob("*.md")):
        for block in split_blocks(path.read_text(encoding="utf-8")):
            if block.kind == "solution" and path.stem in chapters:
                for run in _plain_runs(block.text):
                    solutions.setdefault(run, path.stem)
            else:
                elsewhere.append(block.text)
    other = "\n".join(elsewhere)
    return {run: chapter for run, chapter in solutions.items() if run not in other}


PROBES = _solution_probes()


def _published_texts(site: Path):
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            yield path, path.read_text(encoding="utf-8", errors="replace")


def test_there_are_enough_probes():
    chapters = set(PROBES.values())
    assert len(PROBES) >= 40 and len(chapters) >= 10, f"expected solution probes from most chapters, got {chapters}"


def test_probes_find_the_solutions_of_the_full_site(built_book: Path):
    pages = "\n".join((built_book / "chapters" / f"{c}.html").read_text() for c in set(PROBES.values()))
    found = [p for p in PROBES if p in pages]
    assert len(found) >= 0.8 * len(PROBES), f"probes not in the full site: {sorted(set(PROBES) - set(found))[:10]}"


def test_student_edition_has_no_solution_text(student_site: Path):
    leaks = {}
    for path, text in _published_texts(student_site):
        hits = [p for p in PROBES if p in text]
        if hits:
            leaks[str(path.relative_to(student_site))] = hits[:3]
    assert not leaks, f"solution text in the student edition: {leaks}"
    for chapter in set(PROBES.values()):
        page = (student_site / "chapters" / f"{chapter}.html").read_text()
        assert 'class="solution' not in page and "Solution to" not in page, chapter
        assert 'class="exercise' in page, f"{chapter}: the exercises themselves must stay"


def test_student_edition_publishes_only_student_handouts(student_site: Path):
    guide = (student_site / "instructor-guide.html").read_text()
    links = HREF.findall(guide)
    assert links and all("instructor" not in link for link in links), links
    for link in links:
        assert (student_site / link).is_file(), f"broken handout link {link}"
    assert not list(student_site.rglob("*instructor-handouts*")) and not (student_site / "handouts/instructor").exists()
    with zipfile.ZipFile(student_site / "handouts" / "student-handouts.zip") as zf:
        text = "\n".join(zf.read(n).decode() for n in zf.namelist())
    assert "**Solution**" not in text and "**Your answer to exercise" in text


def test_handout_links_of_the_full_site_resolve(built_book: Path):
    guide = (built_book / "instructor-guide.html").read_text()
    links = HREF.findall(guide)
    assert any(link.endswith("student-handouts.zip") for link in links), links
    assert any(link.endswith("instructor-handouts.zip") for link in links), links
    for link in links:
        assert (built_book / link).is_file(), f"broken handout link {link}"
    chapters = sorted(p.stem for p in (ROOT / "chapters").glob("*.md"))
    for audience, marker in (("student", "**Your answer to exercise"), ("instructor", "**Solution**")):
        with zipfile.ZipFile(built_book / "handouts" / f"{audience}-handouts.zip") as zf:
            names = sorted(Path(n).stem for n in zf.namelist())
            assert names == chapters, f"{audience}: expected one notebook per chapter, got {names}"
            text = "\n".join(zf.read(n).decode() for n in zf.namelist())
        assert marker in text, audience
        if audience == "student":
            assert "**Solution**" not in text
