"""Handouts: student notebooks without solutions, instructor notebooks with them; cross-references
show the site's numbers, included code is kept, and the first code cell installs the site's wheel.

Tests on the real chapters read the numbers of the shared book build (``built_book``)."""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from make_handouts import (  # tools/ (pytest's pythonpath)
    SETUP_TAG,
    STUDENT_OMIT,
    WHEEL,
    References,
    make_handouts,
    read_chapter,
    site_references,
    split_blocks,
)

ROOT = Path(__file__).resolve().parents[2]
URL = "https://example.org/book"
FAKE_REFS = References(eq={"eq-one": "(7.1)"})
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.md"))

FAKE = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
---

(fake)=
# A fake chapter

Some text with {eq}`eq-one` and a seed.

```{code-cell} ipython3
import numpy as np
rng = np.random.default_rng(0)
print(rng.normal())
```

## Exercises

```{exercise} First exercise
:label: fake-ex-1
Derive SECRET-EXERCISE-BODY-1.
```

```{solution} fake-ex-1
:class: dropdown
The answer is SOLUTION-TEXT-ONE.

    indented SOLUTION-TEXT-TWO
```

````{exercise} Second exercise
:label: fake-ex-2
Compute this:

```python
x = 1
```
````

````{solution} fake-ex-2
:class: dropdown
Nested code in a solution:

```python
SOLUTION_CODE = 2
```
````

:::{exercise} Colon exercise
:label: fake-ex-3
Colon body.
:::

:::{solution} fake-ex-3
COLON-SOLUTION-TEXT
:::

```{solution-start} fake-ex-3
:class: dropdown
```
GATED-SOLUTION-MARKDOWN

```{code-cell} ipython3
GATED_SOLUTION_CODE = 3
```

```{solution-end}
```

Closing remark.

```{container} student-omit
OMITTED-ERRATUM-TEXT
```

```{code-cell} ipython3
:tags: [hide-cell, student-omit]
OMITTED_CODE = 4
```
"""
SOLUTION_MARKERS = [
    "SOLUTION-TEXT-ONE",
    "SOLUTION-TEXT-TWO",
    "SOLUTION_CODE",
    "COLON-SOLUTION-TEXT",
    "GATED-SOLUTION-MARKDOWN",
    "GATED_SOLUTION_CODE",
    "OMITTED-ERRATUM-TEXT",
    "OMITTED_CODE",
]


def _text(nb) -> str:
    return "\n".join(c.source for c in nb.cells)


@pytest.fixture
def fake(tmp_path):
    src = tmp_path / "chapters"
    src.mkdir()
    (src / "fake.md").write_text(FAKE)
    out = tmp_path / "handouts"
    paths = make_handouts(src, out, refs=FAKE_REFS, url=URL)
    return paths["fake"]


@pytest.fixture(scope="module")
def real(built_book, tmp_path_factory):
    """Student and instructor handouts of every chapter, numbered from the shared book build."""
    out = tmp_path_factory.mktemp("handouts")
    return make_handouts(ROOT / "chapters", out, CHAPTERS, site=built_book, url=URL)


def _markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_split_blocks_finds_exercises_and_solutions():
    kinds = [(b.kind, b.label) for b in split_blocks(FAKE) if b.kind != "text"]
    assert kinds == [
        ("exercise", "fake-ex-1"),
        ("solution", "fake-ex-1"),
        ("exercise", "fake-ex-2"),
        ("solution", "fake-ex-2"),
        ("exercise", "fake-ex-3"),
        ("solution", "fake-ex-3"),
    ]


def test_fake_chapter_student_and_instructor(fake):
    student_path, instructor_path = fake
    assert student_path.parent.name == "student" and instructor_path.parent.name == "instructor"
    student, instructor = nbformat.read(student_path, 4), nbformat.read(instructor_path, 4)
    nbformat.validate(student)
    nbformat.validate(instructor)
    s, i = _text(student), _text(instructor)
    for marker in SOLUTION_MARKERS:
        assert marker not in s, marker
        assert marker in i, marker
    for text in (
        "SECRET-EXERCISE-BODY-1",
        "First exercise",
        "Second exercise",
        "Colon exercise",
        "x = 1",
        "Closing remark",
        "default_rng(0)",
    ):
        assert text in s and text in i
    # one answer cell pair per exercise in the student copy, none in the instructor copy
    assert s.count("**Your answer to exercise") == 3 and "Your answer" not in i
    empty_code = [c for c in student.cells if c.cell_type == "code" and c.source.startswith("# Exercise")]
    assert len(empty_code) == 3
    # MyST-only syntax made plain; no directive fences left; the equation shows the given number
    assert "{exercise}" not in s and "{solution" not in s and "(fake)=" not in s and "{eq}" not in s
    assert "Some text with (7.1) and a seed." in s and "Some text with (7.1)" in i
    assert "{solution" not in i
    # the student-omit blocks: only in the instructor copy, without their fence
    assert f"{{container}} {STUDENT_OMIT}" not in s


def test_an_unknown_cross_reference_is_refused_by_name(tmp_path):
    src = tmp_path / "chapters"
    src.mkdir()
    (src / "fake.md").write_text(FAKE)
    with pytest.raises(ValueError, match=r"fake: .*'eq-one'"):
        make_handouts(src, tmp_path / "out", refs=References(), url=URL)
    with pytest.raises(ValueError, match="build it first"):
        make_handouts(src, tmp_path / "out", site=tmp_path / "no-site", url=URL)


@pytest.mark.book
def test_student_copy_of_every_real_chapter(real):
    paths = real
    for chapter in CHAPTERS:
        source = (ROOT / "chapters" / f"{chapter}.md").read_text()
        solutions = [b.text for b in split_blocks(source) if b.kind == "solution" and b.text.strip()]
        exercises = [b for b in split_blocks(source) if b.kind == "exercise"]
        student, instructor = (nbformat.read(p, 4) for p in paths[chapter])
        nbformat.validate(student)
        nbformat.validate(instructor)
        s, i = _text(student), _text(instructor)
        for sol in solutions:
            probe = max((line.strip() for line in sol.splitlines()), key=len)
            if probe and probe not in "\n".join(b.text for b in exercises):
                assert probe not in s, f"{chapter}: solution text in the student copy: {probe!r}"
        assert s.count("**Your answer to exercise") == len(exercises), chapter
        for ex in exercises:
            assert ex.arg in s and ex.arg in i
        assert "{solution}" not in s and "{solution}" not in i
        assert len(read_chapter(ROOT / "chapters" / f"{chapter}.md").cells) > 0
        if solutions:
            assert s != i


@pytest.mark.book
def test_checker_cells_for_chapters_with_catalogue_entries(real):
    from mlp_lib.teaching.catalogue import exercises_for

    chapters = [c for c in CHAPTERS if exercises_for(c)]
    assert chapters
    for chapter in chapters:
        student, instructor = real[chapter]
        s, i = _text(nbformat.read(student, 4)), _text(nbformat.read(instructor, 4))
        for ex in exercises_for(chapter):
            assert (
                f"DerivationChecker({ex.name!r})" in s or ex.name in (ROOT / "chapters" / f"{chapter}.md").read_text()
            )
            # the expected formula (the instructor note) is only in the instructor's copy
            assert f"`{ex.name}` expects* `{ex.expected}`" in i
            assert "Instructor note" not in s


@pytest.mark.book
def test_command_line(tmp_path, built_book):
    chapters = CHAPTERS
    out = tmp_path / "h"
    run = subprocess.run(
        [sys.executable, "tools/make_handouts.py", "chapters", "--out", str(out), "--chapters", chapters[0]]
        + ["--site", str(built_book)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert (out / "student" / f"{chapters[0]}.ipynb").exists()
    assert (out / "instructor" / f"{chapters[0]}.ipynb").exists()
    assert (out / "instructor" / "answers.md").exists() and not (out / "student" / "answers.md").exists()
    for audience in ("student", "instructor"):
        with zipfile.ZipFile(out / f"{audience}-handouts.zip") as zf:
            assert f"{audience}-handouts/{chapters[0]}.ipynb" in zf.namelist()
    bad = subprocess.run(
        [sys.executable, "tools/make_handouts.py", "chapters", "--out", str(out), "--chapters", "nope"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode != 0 and "expected chapters among" in bad.stderr


@pytest.mark.slow  # executes a notebook in a kernel
def test_execute_option_runs_the_student_notebook(tmp_path):
    src = tmp_path / "chapters"
    src.mkdir()
    (src / "fake.md").write_text(FAKE)
    student, _ = make_handouts(src, tmp_path / "out", refs=FAKE_REFS, url=URL, execute=True)["fake"]
    nb = nbformat.read(student, 4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any("text" in o and "0.12573" in o["text"] for o in outputs)  # default_rng(0).normal(): same for all


def test_chapters_folder_is_an_argument_and_a_missing_one_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not a folder"):
        make_handouts(tmp_path / "no-such-folder", tmp_path / "out")
    bad = subprocess.run(
        [sys.executable, "tools/make_handouts.py", str(tmp_path / "nope"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode != 0 and "not a folder" in bad.stderr


def _labels() -> set:
    """Every label the chapters define: (label)= targets, equation labels, exercise labels."""
    labels = set()
    for chapter in CHAPTERS:
        text = (ROOT / "chapters" / f"{chapter}.md").read_text()
        labels |= set(re.findall(r"^\(([^)\s]+)\)=\s*$", text, re.M))
        labels |= set(re.findall(r"^\$\$ \(([^)\s]+)\)\s*$", text, re.M))
        labels |= set(re.findall(r"^:label: (\S+)\s*$", text, re.M))
    return labels


@pytest.mark.book
def test_cross_references_show_the_sites_numbers_and_no_raw_label(real, built_book):
    labels = _labels() - set(CHAPTERS)  # a chapter's own label is its file name, which the first cell names
    assert len(labels) > 100
    for pair in real.values():
        for path in pair:
            text = _markdown(nbformat.read(path, 4))
            text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)  # code (its comments may name labels)
            assert not re.search(r"\{(eq|ref|numref|doc)\}`", text), f"{path.name}: a cross-reference role is left"
            raw = sorted(label for label in labels if re.search(r"(?<![\w-])" + re.escape(label) + r"(?![\w-])", text))
            assert not raw, f"{path.parent.name}/{path.name}: raw labels {raw[:5]}"
    # the site's own numbers, read here from the page's equation anchors
    page = (built_book / "chapters" / "eq2-recursion.html").read_text()
    number = {
        label: re.search(r'\((\d+\.\d+)\)<a class="headerlink" href="#equation-' + label + '"', page).group(1)
        for label in ("eq2-local", "eq2-chain")
    }
    student = _markdown(nbformat.read(real["eq2-recursion"][0], 4))
    assert f"Substituting ({number['eq2-local']}) into ({number['eq2-chain']})" in student
    first = re.search(
        r'id="eq2-recursion-ex-1">\s*<p class="admonition-title"><span class="caption-number">([^<]+?)\s*<', page
    )
    assert f"**{first.group(1)}: " in student
    assert "\\tag{" + number["eq2-local"] + "}\n$$" in student


@pytest.mark.book
def test_included_code_is_kept(real):
    """Every {literalinclude} with :pyobject: shows that object's source, as Python's inspect reads it."""
    found = 0
    for chapter in CHAPTERS:
        text = (ROOT / "chapters" / f"{chapter}.md").read_text()
        for path, name in re.findall(r"```\{literalinclude\} \.\./(\S+)\.py\n:pyobject: (\S+)", text):
            obj = importlib.import_module(path.replace("/", "."))
            for part in name.split("."):
                obj = getattr(obj, part)
            source = inspect.getsource(obj).strip("\n")
            for pair in real[chapter]:
                assert source in _markdown(nbformat.read(pair, 4)), f"{chapter}: {name} is missing"
            found += 1
    assert found >= 10


@pytest.mark.book
def test_first_code_cell_installs_the_sites_wheel(real):
    for pair in real.values():
        for path in pair:
            nb = nbformat.read(path, 4)
            first = next(c for c in nb.cells if c.cell_type == "code")
            assert SETUP_TAG in first.metadata.get("tags", []), path
            assert f'%pip install -q "mlp-lib[book] @ {URL}/{WHEEL}"' in first.source
            assert "git+" not in first.source and "pip install -e" not in "\n".join(c.source for c in nb.cells)
            compile(first.source.replace("%pip", "pass  #"), "setup", "exec")


def test_site_references_refuses_a_folder_without_a_book(tmp_path):
    with pytest.raises(ValueError, match="expected a built book"):
        site_references(tmp_path)
