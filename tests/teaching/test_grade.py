"""tools/grade.py: a mock class graded to the exact point, and the checker's answer saved in a notebook.

The mock submissions are generated here (nbformat), with the answer records the checker widget
writes (``answer_record``): a student with everything right, one with everything wrong (and a
saved verdict that lies), a mixed one, two students of the same name (Canvas download names),
and damaged files. Expected points follow from the rubric: a derivation check 2 (line by line:
1 when only the last line is right), a code exercise one point per hidden test.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import grade  # tools/ (pytest's pythonpath)
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from mlp_lib.widgets.derivation_checker import ANSWER_KEY, answer_record

CHAPTERS = ["forward-pass", "four-equations"]
COLUMNS = ["mse-grad", "bce-grad", "forward-pass-ex-1", "two-layer-phi1", "four-equations-ex-4"]

BCE_RIGHT = "-y/a + (1 - y)/(1 - a)\n(a - y)/(a*(1 - a))"
BCE_LAST_ONLY = "-y/a - (1 - y)/(1 - a)\n(a - y)/(a*(1 - a))"  # sign slip in line 1, right at the end
BCE_WRONG = "-y/a - (1 - y)/(1 - a)\n(a + y)/(a*(1 - a))"

FRACTION_RIGHT = """y_hat, y = np.array([[0.8], [0.3]]), np.array([[1.0], [0.0]])
exact = (y_hat - y) / (y_hat * (1 - y_hat))
print(exact)
"""
FRACTION_WRONG = """y_hat, y = np.array([0.8, 0.3]), np.array([1.0, 0.0])
exact = (y_hat - y) / (1 - y_hat)
"""
BACKPROP = """import numpy as np

rng = np.random.default_rng(0)
params = {{"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=(4, 1)),
          "W2": rng.normal(size=(2, 4)), "b2": rng.normal(size=(2, 1))}}
x, y = rng.normal(size=(3, 1)), rng.normal(size=(2, 1))


def backprop(p):
    a1 = np.tanh(p["W1"] @ x + p["b1"])
    a2 = p["W2"] @ a1 + p["b2"]
    phi2 = a2 - y
    phi1 = (p["W2"].T @ phi2) * {slope}
    return {{"W1": phi1 @ x.T, "b1": phi1, "W2": phi2 @ a1.T, "b2": phi2}}


grads = backprop(params)
"""
BACKPROP_RIGHT = BACKPROP.format(slope="(1 - a1**2)")
BACKPROP_SLIP = BACKPROP.format(slope="a1")  # the source's slip: σ(z¹) where σ'(z¹) belongs
BACKPROP_BROKEN = "grads = backprop(params)  # never defined\n"


def _record(exercise, answer, verdict="correct", lines=False):
    data, metadata = answer_record(exercise, answer, {"status": verdict, "message": "as saved"}, lines=lines)
    output = new_output("display_data", data=data, metadata=metadata)
    return new_code_cell(f'DerivationChecker("{exercise}")', outputs=[output])


def _exercise(label, number, code):
    return [
        new_markdown_cell(f"**Exercise {number}: a code exercise** <small>({label})</small>\n\nDo it."),
        new_markdown_cell(f"**Your answer to exercise {number}:**"),
        new_code_cell(f"# Exercise {number}: your work\n{code}"),
    ]


def _write(path: Path, cells) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=cells), path)


def _class(root: Path) -> None:
    """The mock class in ``root`` (see the module docstring)."""
    _write(
        root / "right" / "forward-pass.ipynb",
        [
            _record("mse-grad", "2*(a - y)/n"),
            _record("bce-grad", BCE_RIGHT, lines=True),
            *_exercise("forward-pass-ex-1", 1, FRACTION_RIGHT),
            _record("two-layer-phi1", "2*w2*(a2 - y)*sigma_prime(z1)"),
            *_exercise("four-equations-ex-4", 4, BACKPROP_RIGHT),
        ],
    )
    _write(
        root / "wrong.ipynb",
        [
            _record("mse-grad", "(2/n)*(y - a)", verdict="correct"),  # wrong, and the saved verdict lies
            _record("bce-grad", BCE_WRONG, verdict="wrong", lines=True),
            *_exercise("forward-pass-ex-1", 1, FRACTION_WRONG),
            _record("two-layer-phi1", "-2*(y - a2)*sigma_prime(z1)", verdict="wrong"),
            *_exercise("four-equations-ex-4", 4, BACKPROP_BROKEN),
        ],
    )
    _write(
        root / "limaana_101_5001_forward-pass.ipynb",  # Canvas's download name: <name>_<user id>_<submission id>_<file>
        [
            _record("mse-grad", "(2/n)*(y - a)", verdict="wrong"),
            _record("mse-grad", "2*(a - y)/n"),  # a later, right attempt: the best counts
            _record("bce-grad", BCE_LAST_ONLY, verdict="wrong", lines=True),
            *_exercise("forward-pass-ex-1", 1, ""),  # nothing written
            _record("two-layer-phi1", "-2*(y - a2)*sigma_prime(z1)", verdict="wrong"),
            *_exercise("four-equations-ex-4", 4, BACKPROP_SLIP),
        ],
    )
    # the same name, another Canvas user, two files (answers repeated from above: checked once per run)
    _write(root / "limaana_202_5002_forward-pass.ipynb", [_record("mse-grad", "2*(a - y)/n")])
    _write(
        root / "limaana_LATE_202_5003_four-equations.ipynb",
        [_record("two-layer-phi1", "2*w2*(a2 - y)*sigma_prime(z1)")],
    )
    damaged = root / "damaged"
    damaged.mkdir()
    (damaged / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    (damaged / "nocells.ipynb").write_text('{"metadata": {}, "nbformat": 4}', encoding="utf-8")
    odd = new_notebook(
        cells=[
            _record("no-such-exercise", "a - y"),
            _record("bce-grad", "(a - y)/(a*(1 - a))"),  # the one good answer: single line, 2 points
        ]
    )
    odd.cells[0].outputs.append(
        new_output("display_data", data={"text/plain": ""}, metadata={ANSWER_KEY: "not a dict"})
    )
    data, bad = answer_record("mse-grad", "x", {"status": "correct"})
    bad[ANSWER_KEY]["answer"] = 42
    odd.cells[0].outputs.append(new_output("display_data", data=data, metadata=bad))
    nbformat.write(odd, damaged / "odd.ipynb")
    (root / "README.txt").write_text("collected on Monday\n", encoding="utf-8")


EXPECTED = {  # (Student, ID, SIS Login ID) → points per column of COLUMNS
    ("damaged", "", "damaged"): [0, 2, 0, 0, 0],
    ("limaana", "101", ""): [2, 1, 0, 0, 2],
    ("limaana", "202", ""): [2, 0, 0, 2, 0],
    ("right", "", "right"): [2, 2, 1, 2, 3],
    ("wrong", "", "wrong"): [0, 0, 0, 0, 0],
}


def _snapshot(root: Path) -> dict:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("grade")
    submissions, out = root / "submissions", root / "out"
    submissions.mkdir()
    _class(submissions)
    before = _snapshot(submissions)
    results = grade.grade(submissions, out, chapters=CHAPTERS)
    return {"submissions": submissions, "out": out, "before": before, "results": results}


@pytest.mark.slow  # grades a whole mock class with SymPy (the `graded` fixture): seconds
def test_mock_class_gets_exactly_its_points(graded):
    with (graded["out"] / "grades.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [*grade.ID_COLUMNS, *COLUMNS, "Total"]
    got = {(r["Student"], r["ID"], r["SIS Login ID"]): [float(r[c]) for c in COLUMNS] for r in rows}
    assert got == EXPECTED
    for r in rows:
        assert float(r["Total"]) == sum(float(r[c]) for c in COLUMNS)
    assert [i.points for i in grade.gradebook_items(CHAPTERS)] == [2, 2, 1, 2, 3]


@pytest.mark.slow  # grades a whole mock class with SymPy (the `graded` fixture): seconds
def test_submissions_are_not_modified(graded):
    assert _snapshot(graded["submissions"]) == graded["before"]


@pytest.mark.slow  # grades a whole mock class with SymPy (the `graded` fixture): seconds
def test_feedback_gives_verdict_counterexample_and_hint(graded):
    folder = graded["out"] / "feedback"
    assert sorted(p.name for p in folder.iterdir()) == [
        "damaged.md",
        "limaana_101.md",
        "limaana_202.md",
        "right.md",
        "wrong.md",
    ]
    wrong = (folder / "wrong.md").read_text(encoding="utf-8")
    assert "Total: 0 of 10 points." in wrong
    assert "- **mse-grad** (derivation check): 0 of 2" in wrong
    assert "counterexample: at " in wrong and "hint: check the sign" in wrong
    assert "(the notebook said 'correct'; SymPy's check here decides)" in wrong
    assert "your code raised NameError: name 'backprop' is not defined" in wrong
    assert "no variable of your code holds the BCE gradient" in wrong
    mixed = (folder / "limaana_101.md").read_text(encoding="utf-8")
    assert "# Feedback: limaana (Canvas ID 101)" in mixed
    assert "line 1 is the first that does not equal the right answer" in mixed and "partial points" in mixed
    assert "✓ W2 and b2 against central differences" in mixed and "✗ W1 and b1 against central differences" in mixed
    right = (folder / "right.md").read_text(encoding="utf-8")
    assert "Total: 10 of 10 points." in right and "✗" not in right


@pytest.mark.slow  # grades a whole mock class with SymPy (the `graded` fixture): seconds
def test_damaged_files_get_a_clear_line_and_the_run_goes_on(graded):
    damaged = (graded["out"] / "feedback" / "damaged.md").read_text(encoding="utf-8")
    report = (graded["out"] / "report.txt").read_text(encoding="utf-8")
    for line in (
        "broken.ipynb: not a notebook (not JSON:",
        "nocells.ipynb: not a notebook (no list of cells)",
        "odd.ipynb: an answer record names the exercise 'no-such-exercise', which the book does not have",
        "odd.ipynb: an answer record is not a JSON object (got str)",
        "odd.ipynb: the saved answer to mse-grad is not text (got int)",
    ):
        assert line in damaged and f"PROBLEM {line}" in report
    assert "skipped (not a notebook): README.txt" in report
    assert "5 student(s) graded" in report


def test_bad_invocations_are_refused_by_name(tmp_path, capsys):
    assert grade.main([str(tmp_path / "missing")]) == 2
    assert "expected SUBMISSIONS to be a folder" in capsys.readouterr().err
    assert grade.main([str(tmp_path), "--out", str(tmp_path / "grading")]) == 2
    assert "expected the output folder outside SUBMISSIONS" in capsys.readouterr().err
    with pytest.raises(ValueError, match="expected chapters among"):
        grade.gradebook_items(["no-such-chapter"])


@pytest.mark.slow  # executes a notebook in a kernel
def test_the_checker_saves_its_answer_in_the_notebook_and_the_grader_reads_it(tmp_path):
    """A notebook executed with a kernel: the page's check message goes to SymPy, the record is saved."""
    from nbclient import NotebookClient

    nb = new_notebook(
        cells=[
            new_code_cell(
                'from mlp_lib.widgets.derivation_checker import DerivationChecker\nw = DerivationChecker("mse-grad")\nw'
            ),
            new_code_cell('w._on_page_message(w, {"type": "check", "answer": "(2/n)*(y - a)"}, [])'),
            new_code_cell('w._on_page_message(w, {"type": "check", "answer": "2*(a - y)/n"}, [])'),
            new_code_cell('v = DerivationChecker("bce-grad", lines=True)\nv'),
            new_code_cell('DerivationChecker({"expected": "a - y", "variables": ["a", "y"]})'),
        ]
    )
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    path = tmp_path / "submissions" / "ada" / "forward-pass.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)

    saved = json.loads(path.read_text(encoding="utf-8"))["cells"]
    records = [o["metadata"][ANSWER_KEY] for o in saved[0]["outputs"] if ANSWER_KEY in o.get("metadata", {})]
    assert records == [
        {
            "exercise": "mse-grad",
            "lines": False,
            "answer": "2*(a - y)/n",
            "verdict": "correct",
            "message": records[0]["message"],
        }
    ]
    assert records[0]["message"].startswith("correct")
    assert "✓ mse-grad: 2*(a - y)/n" in "".join(saved[0]["outputs"][-1]["data"]["text/plain"])
    unchecked = [o for o in saved[3]["outputs"] if ANSWER_KEY in o.get("metadata", {})]
    assert unchecked[0]["metadata"][ANSWER_KEY]["answer"] is None and list(unchecked[0]["data"]) == ["text/html"]
    assert len(saved[4]["outputs"]) == 1  # a checker of one's own (not the book's): no record to grade

    results = grade.grade(tmp_path / "submissions", tmp_path / "out", chapters=["forward-pass"])
    assert [(r.student.key, r.points["mse-grad"], r.points["bce-grad"]) for r in results] == [("ada", 2, 0)]


def test_code_is_found_after_its_exercise_and_not_in_checker_cells():
    cells = [
        *_exercise("minibatch-ex-4", 4, "dW1 = 1"),
        new_code_cell('DerivationChecker("minibatch-bias")'),
        new_code_cell("extra = 2"),
        new_markdown_cell("**Exercise 5: next** <small>(minibatch-ex-5)</small>"),
        new_code_cell("after = 3"),
    ]
    code = grade.exercise_code([dict(c) for c in cells], "minibatch-ex-4")
    assert "dW1 = 1" in code and "extra = 2" in code
    assert "DerivationChecker" not in code and "after" not in code
    assert grade.exercise_code([dict(c) for c in cells[:3]], "minibatch-ex-9") is None


def test_an_answer_sympy_cannot_decide_is_marked_for_review():
    mark_name, mark, problem = grade.DerivationGrader(timeout=1e-9).record(
        answer_record("two-layer-phi1", "2*w2*(a2 - y)*sigma_prime(z1)", {"status": "correct"})[1][ANSWER_KEY]
    )
    assert (mark_name, mark.points, mark.review, problem) == ("two-layer-phi1", 0, True, None)
    assert any("could not decide" in line for line in mark.lines)


def test_the_points_table_of_docs_grading_is_the_graders():
    text = (Path(__file__).resolve().parents[2] / "docs" / "grading.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| ([a-z0-9-]+) \| [a-z ]+ \| .+ \| (\d+) \|$", text, re.M)
    items = grade.gradebook_items()
    assert rows == [(i.column, i.chapter, str(i.points)) for i in items]
    assert f"All of them: {sum(i.points for i in items)} points." in text


@pytest.mark.slow  # a time-limit test: waits for the limit
def test_code_that_hangs_or_kills_its_process_gets_a_clear_line():
    hung = grade.run_code_exercise("forward-pass-ex-1", "while True:\n    pass\n", timeout=2)
    assert (hung.points, hung.lines) == (0, ["  - your code did not finish within 2 s: not graded"])
    gone = grade.run_code_exercise("forward-pass-ex-1", "import os\nos._exit(3)\n")
    assert gone.points == 0 and "your code stopped the grader's Python process" in gone.lines[0]


def test_checker_widget_state_saved_in_the_notebook_is_read_too():
    """JupyterLab's "Save Widget State Automatically" keeps each model's traits in the metadata."""
    state = {
        "m1": {
            "model_name": "AnyModel",
            "state": {
                "spec": {"name": "mse-grad"},
                "answer": "2*(a - y)/n",
                "multiline": False,
                "verdict": {"status": "correct"},
            },
        },
        "m2": {"model_name": "AnyModel", "state": {"spec": {"name": "eq4"}, "answer": ""}},  # never checked
        "m3": {"model_name": "IntSliderModel", "state": {"value": 3}},  # another widget
    }
    nb = {"cells": [], "metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {"state": state}}}}
    records = grade.answer_records(nb)
    assert [(r["exercise"], r["answer"], r["lines"]) for r in records] == [
        ("mse-grad", "2*(a - y)/n", False),
        ("eq4", None, False),
    ]
    assert grade.answer_records({"cells": [], "metadata": {"widgets": "damaged"}}) == []
