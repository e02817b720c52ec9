"""Handouts: student notebooks without solutions, instructor notebooks with them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from make_handouts import make_handouts, read_chapter, split_blocks  # tools/ (pytest's pythonpath)

ROOT = Path(__file__).resolve().parents[2]

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
"""
SOLUTION_MARKERS = [
    "SOLUTION-TEXT-ONE",
    "SOLUTION-TEXT-TWO",
    "SOLUTION_CODE",
    "COLON-SOLUTION-TEXT",
    "GATED-SOLUTION-MARKDOWN",
    "GATED_SOLUTION_CODE",
]


def _text(nb) -> str:
    return "\n".join(c.source for c in nb.cells)


@pytest.fixture
def fake(tmp_path):
    src = tmp_path / "chapters"
    src.mkdir()
    (src / "fake.md").write_text(FAKE)
    out = tmp_path / "handouts"
    paths = make_handouts(src, out)
    return paths["fake"]


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
    # MyST-only syntax made plain; no directive fences left
    assert "{exercise}" not in s and "{solution" not in s and "(fake)=" not in s and "{eq}" not in s
    assert "{solution" not in i


def test_student_copy_of_every_real_chapter(tmp_path):
    chapters = sorted(p.stem for p in (ROOT / "chapters").glob("*.md"))
    if not chapters:
        pytest.skip("no chapters written yet")
    paths = make_handouts(ROOT / "chapters", tmp_path, chapters)
    for chapter in chapters:
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


def test_checker_cells_for_chapters_with_catalogue_entries(tmp_path):
    from mlp_lib.teaching.catalogue import exercises_for

    chapters = [p.stem for p in (ROOT / "chapters").glob("*.md") if exercises_for(p.stem)]
    if not chapters:
        pytest.skip("no chapters written yet")
    paths = make_handouts(ROOT / "chapters", tmp_path, chapters[:3])
    for chapter, (student, instructor) in paths.items():
        s, i = _text(nbformat.read(student, 4)), _text(nbformat.read(instructor, 4))
        for ex in exercises_for(chapter):
            assert (
                f"DerivationChecker({ex.name!r})" in s or ex.name in (ROOT / "chapters" / f"{chapter}.md").read_text()
            )
            assert ex.expected not in s  # the expected formula is only in the instructor's copy
            assert ex.expected in i


@pytest.mark.slow  # runs the script in a subprocess
def test_command_line(tmp_path):
    chapters = sorted(p.stem for p in (ROOT / "chapters").glob("*.md"))
    if not chapters:
        pytest.skip("no chapters written yet")
    out = tmp_path / "h"
    run = subprocess.run(
        [sys.executable, "tools/make_handouts.py", "chapters", "--out", str(out), "--chapters", chapters[0]],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert (out / "student" / f"{chapters[0]}.ipynb").exists()
    assert (out / "instructor" / f"{chapters[0]}.ipynb").exists()
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
    student, _ = make_handouts(src, tmp_path / "out", execute=True)["fake"]
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
