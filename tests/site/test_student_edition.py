"""The student edition (`make book-student`) publishes no answer; the public site publishes no
instructor handouts.

The student edition is built once per run into a temporary folder with ``tools/student_edition.py``
(what ``make book-student`` runs; the ``student_site`` fixture); the full site is the shared strict
build of the ``built_book`` fixture.

What must not be in the student edition, as *needles* (each without whitespace, and every file is
compared without whitespace, so line breaks and indentation do not hide a hit):

* **solution probes**: runs of six or more plain words (no math, code or markup, which rendering
  would change) from the chapters' ``{solution}`` blocks, found nowhere else in the book's sources;
* **erratum probes**: the same from the blocks a chapter marks ``student-omit`` (the errata that
  answer a "find the bug" exercise on the same page);
* **answer-key probes**: the same from ``instructor/answers.md``, the instructor guide's answers;
* **catalogue answers**: every expected, accepted and known-wrong formula of
  ``mlp_lib.teaching.catalogue``, in its plain-text form, at least 6 characters long, and not written
  in the book's own text or code or in the library outside the catalogue (a formula a chapter
  states, such as Eq. (3), is the textbook; a short one such as ``phi`` would match everywhere).
  The skipped ones are listed by :func:`catalogue_needles`.

The scan reads every file of the student build once, and each member of every zip (the handouts,
the wheel) once; files that are not UTF-8 text (images, fonts, WebAssembly) hold no formula and
are skipped; 0 hits.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from helpers import ROOT
from make_handouts import STUDENT_OMIT, WHEEL, _fenced_blocks, is_marked, split_blocks  # tools/

pytestmark = pytest.mark.book

HREF = re.compile(r'href="([^"#?]*handouts/[^"#?]*)"')
ZIPS = {".zip", ".whl"}
MIN_FORMULA = 6
CHAPTERS = re.findall(r"file:\s*chapters/([\w-]+)", (ROOT / "_toc.yml").read_text())


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _plain_runs(text: str):
    """Runs of at least six plain words, each within one source line (as HTML keeps them)."""
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$|`[^`\n]*`|\{[^}\n]*\}|\([^)\n]*\)", " | ", text, flags=re.S)
    for piece in re.split(r"[|\n.;:!?—–\"'’*_\[\]<>=/]", text):
        words = piece.split()
        if len(words) >= 6 and all(re.fullmatch(r"[A-Za-z]+,?", w) for w in words):
            yield " ".join(words)


def _marked_text(markdown: str) -> tuple[str, str]:
    """(text of the blocks marked student-omit, the rest)."""
    lines = markdown.split("\n")
    marked = set()
    for start, end, opening, options in _fenced_blocks(markdown):
        if is_marked(opening, options):
            marked.update(range(start, end))
    inside = "\n".join(line for n, line in enumerate(lines) if n in marked)
    outside = "\n".join(line for n, line in enumerate(lines) if n not in marked)
    return inside, outside


def _sources() -> dict:
    """{'solution': {probe: chapter}, 'erratum': {...}, 'key': {...}, 'public': text of everything else}."""
    solutions, errata, public = {}, {}, []
    for path in sorted(ROOT.glob("*.md")) + sorted((ROOT / "chapters").glob("*.md")):
        for block in split_blocks(path.read_text(encoding="utf-8")):
            if block.kind == "solution" and path.stem in CHAPTERS:
                for run in _plain_runs(block.text):
                    solutions.setdefault(run, path.stem)
                continue
            inside, outside = _marked_text(block.text)
            for run in _plain_runs(inside):
                errata.setdefault(run, path.stem)
            public.append(outside)
    for path in sorted((ROOT / "mlp_lib").rglob("*.py")):  # the library the book shows (not its answers)
        if path.name != "catalogue.py":
            public.append(path.read_text(encoding="utf-8"))
    key = {run: "answers" for run in _plain_runs((ROOT / "instructor" / "answers.md").read_text(encoding="utf-8"))}
    public = "\n".join(public)
    keep = {
        kind: {r: c for r, c in probes.items() if r not in public}
        for kind, probes in (("solution", solutions), ("erratum", errata), ("key", key))
    }
    return {**keep, "public": public}


SOURCES = _sources()


def catalogue_needles() -> tuple[dict, list]:
    """({squeezed formula: check name}, [skipped formulas]) of every catalogue answer."""
    from mlp_lib.teaching.catalogue import EXERCISES

    public = _squeeze(SOURCES["public"])
    needles, skipped = {}, []
    for ex in EXERCISES.values():
        for formula in (ex.expected, *ex.accepted, *(wrong for wrong, _hint in ex.variants)):
            squeezed = _squeeze(formula)
            if len(squeezed) < MIN_FORMULA or squeezed in public:
                skipped.append(formula)
            else:
                needles[squeezed] = ex.name
    return needles, skipped


CATALOGUE, SKIPPED = catalogue_needles()


def _needles() -> dict:
    needles = {_squeeze(p): f"solution of {c}" for p, c in SOURCES["solution"].items()}
    needles |= {_squeeze(p): f"erratum of {c}" for p, c in SOURCES["erratum"].items()}
    needles |= {_squeeze(p): "instructor guide's answer key" for p in SOURCES["key"]}
    needles |= {n: f"catalogue answer of {name}" for n, name in CATALOGUE.items()}
    return needles


NEEDLES = _needles()


def _files(site: Path):
    """(name, text) of every file under ``site``, and of every member of its zips and wheels."""
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(site))
        if path.suffix in ZIPS:
            with zipfile.ZipFile(path) as zf:
                for member in zf.namelist():
                    yield f"{name}!{member}", _text(zf.read(member))
        else:
            yield name, _text(path.read_bytes())


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:  # binary: an image, a font, WebAssembly
        return ""


def automaton(needles: dict):
    """An Aho–Corasick automaton (pyahocorasick) over ``needles``: one pass over a text finds them all."""
    import ahocorasick

    machine = ahocorasick.Automaton()
    for needle, what in needles.items():
        machine.add_word(needle, what)
    machine.make_automaton()
    return machine


def scan(site: Path, needles: dict) -> dict:
    """{file: [what each hit is]} for every needle found in a file of ``site``."""
    machine = automaton(needles)
    leaks = {}
    for name, text in _files(site):
        hits = {what for _end, what in machine.iter(_squeeze(text))}
        if hits:
            leaks[name] = sorted(hits)[:5]
    return leaks


def test_scan_finds_each_needle_in_text_and_in_zips(tmp_path: Path):
    needles = {"ab": "one", "abc": "two", "b*c": "three", "x(y)": "four"}
    (tmp_path / "page.html").write_text("--a b c-- and x( y)")
    with zipfile.ZipFile(tmp_path / "set.zip", "w") as zf:
        zf.writestr("inner.ipynb", '{"source": "b *c"}')
    (tmp_path / "image.png").write_bytes(b"\x89PNG\xff\xfeab")
    leaks = scan(tmp_path, needles)
    assert leaks == {"page.html": ["four", "one", "two"], "set.zip!inner.ipynb": ["three"]}


def test_there_are_enough_needles():
    assert len(SOURCES["solution"]) >= 40 and len(set(SOURCES["solution"].values())) >= 10, SOURCES["solution"]
    assert len(set(SOURCES["erratum"].values())) >= 3, f"expected errata marked {STUDENT_OMIT} in 3 chapters or more"
    assert len(SOURCES["key"]) >= 10, "expected the answer key's sentences"
    assert len(CATALOGUE) >= 40, f"expected most catalogue answers as needles; skipped: {SKIPPED}"


def test_needles_find_the_answers_in_the_full_site(built_book: Path):
    """The public site shows the solutions and errata (it is the textbook), so the scan must find
    them there: the needles can fail."""
    pages = _squeeze("\n".join((built_book / "chapters" / f"{c}.html").read_text() for c in CHAPTERS))
    for kind in ("solution", "erratum"):
        probes = SOURCES[kind]
        found = [p for p in probes if _squeeze(p) in pages]
        assert len(found) >= 0.8 * len(probes), (
            f"{kind} probes not in the full site: {sorted(set(probes) - set(found))[:10]}"
        )
    library = _squeeze((ROOT / "mlp_lib" / "teaching" / "catalogue.py").read_text())
    assert all(n in library for n in CATALOGUE)


def test_student_edition_has_no_answer_anywhere(student_site: Path):
    leaks = scan(student_site, NEEDLES)
    assert not leaks, f"answers in the student edition: {leaks}"


def test_student_edition_pages_keep_the_exercises(student_site: Path):
    for chapter in set(SOURCES["solution"].values()):
        page = (student_site / "chapters" / f"{chapter}.html").read_text()
        assert 'class="solution' not in page and "Solution to" not in page, chapter
        assert 'class="exercise' in page, f"{chapter}: the exercises themselves must stay"
    for chapter in set(SOURCES["erratum"].values()):
        page = (student_site / "chapters" / f"{chapter}.html").read_text()
        assert STUDENT_OMIT not in page, f"{chapter}: a block marked {STUDENT_OMIT} is still on the page"


def test_student_edition_library_has_no_answers_and_still_runs(student_site: Path, tmp_path: Path):
    """The wheels the handouts and JupyterLite install: an answer-free catalogue; a DerivationChecker
    still draws (from the fingerprint) and the kernel says it cannot decide."""
    import subprocess
    import sys

    lite_wheels = sorted((student_site / "lite" / "pypi").glob("mlp_lib-*.whl"))
    assert lite_wheels, "expected JupyterLite's wheel of mlp_lib in lite/pypi/"
    for wheel in [*lite_wheels, student_site / WHEEL]:
        with zipfile.ZipFile(wheel) as zf:
            assert "holds no answers" in zf.read("mlp_lib/teaching/catalogue.py").decode(), wheel.name
    with zipfile.ZipFile(student_site / WHEEL) as zf:
        zf.extractall(tmp_path)
    code = (
        "from mlp_lib.widgets.derivation_checker import DerivationChecker\n"
        "w = DerivationChecker('sigmoid-bce-phi')\n"
        "assert len(w.spec['points']) >= 8 and w.spec['expected']\n"
        "r = w.check('a - y')\n"
        "assert not r.decided and 'no answers' in r.message, r.message\n"
        "print('ok')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env={})
    assert run.returncode == 0 and "ok" in run.stdout, run.stderr[-2000:]


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


def test_public_site_publishes_student_handouts_and_the_wheel_only(built_book: Path):
    guide = (built_book / "instructor-guide.html").read_text()
    links = HREF.findall(guide)
    assert any(link.endswith("student-handouts.zip") for link in links), links
    assert not any("instructor" in link for link in links), links
    for link in links:
        assert (built_book / link).is_file(), f"broken handout link {link}"
    assert not list(built_book.rglob("*instructor-handouts*")) and not (built_book / "handouts/instructor").exists()
    assert not list(built_book.rglob("answers.md"))
    key = {_squeeze(p) for p in SOURCES["key"]}
    page = _squeeze(guide)
    assert not [p for p in key if p in page], "the instructor guide's answer key is on the public site"
    with zipfile.ZipFile(built_book / "handouts" / "student-handouts.zip") as zf:
        names = sorted(Path(n).stem for n in zf.namelist())
        text = "\n".join(zf.read(n).decode() for n in zf.namelist())
    assert names == sorted(p.stem for p in (ROOT / "chapters").glob("*.md")), names
    assert "**Your answer to exercise" in text and "**Solution**" not in text
    with zipfile.ZipFile(built_book / WHEEL) as zf:
        assert "mlp_lib/backprop.py" in zf.namelist()
