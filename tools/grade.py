"""Grade collected student notebooks: a gradebook CSV and one feedback file per student.

One command (or ``make grade SUBMISSIONS=<folder>``)::

    python tools/grade.py SUBMISSIONS --out grading/
    python tools/grade.py SUBMISSIONS --out grading/ --chapters forward-pass,four-equations

reads every ``.ipynb`` under ``SUBMISSIONS`` and writes, into ``--out``,

* ``grades.csv``: one row per student, the columns ``Student, ID, SIS User ID, SIS Login ID,
  Section`` (Canvas's gradebook import columns; Moodle's CSV import maps one of them to a user
  field), one column per exercise with its points, and ``Total``;
* ``feedback/<student>.md``: each exercise's points, the answer as read, SymPy's verdict, the
  counterexample and the hint, or each hidden test of a code exercise; and every problem with
  the student's files;
* ``report.txt``: the points per exercise and every submission that could not be read fully.

Who is who: a file named as Canvas's "Download Submissions" names it
(``<name>_<user id>_<submission id>_<file>``, also ``<name>_LATE_…``) belongs to that Canvas user
(the ``ID`` column); any other notebook belongs to the folder it is in directly under
SUBMISSIONS (``SUBMISSIONS/<login>/*.ipynb``), or, lying in SUBMISSIONS itself, to its file
name (``SUBMISSIONS/<login>.ipynb``); that name goes into ``SIS Login ID``. A student's
notebooks are graded together; an exercise answered more than once counts with its best answer.

What is graded:

* **Derivation checks** (every exercise of :data:`mlp_lib.teaching.catalogue.EXERCISES`): the
  answer record that the checker widget saves under itself in the notebook
  (:data:`mlp_lib.widgets.derivation_checker.ANSWER_KEY` in an output's metadata), and the
  checkers' widget state if the notebook holds it (JupyterLab's "Save Widget State
  Automatically"). The saved verdict is never trusted: every answer is checked again with SymPy
  (:func:`~mlp_lib.teaching.catalogue.check`, or :func:`~mlp_lib.teaching.catalogue.check_steps`
  for a derivation written line by line).
  :data:`DERIVATION_POINTS` for a right answer (in a line-by-line derivation: every line right);
  :data:`LAST_LINE_POINTS` when only the last line of such a derivation is right.
* **Code exercises** (:data:`CODE_EXERCISES`): the code cells a student wrote after the
  exercise run in a separate Python process (its own temporary folder, a time limit), then
  hidden tests compare what the code defines with numbers the tests compute themselves
  (central differences), at the student's own data and at data of their own; one point per test.

A damaged notebook (not JSON, no cells), a record of an exercise the book does not have, or an
answer that is not text gets a line in the feedback and the report; the run goes on. Nothing in
SUBMISSIONS is written to.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mlp_lib.gradcheck import numerical_gradient

# The catalogue (SymPy) and the widget module are imported where they are used, so that the
# separate process that runs a student's code and the hidden tests starts with NumPy alone.

#: points of a derivation check answered right (line by line: every line right)
DERIVATION_POINTS = 2
#: points of a line-by-line derivation whose last line is right but an earlier line is not
LAST_LINE_POINTS = 1
#: seconds SymPy may take per answer (the widget allows 5; a grading run is not interactive)
CHECK_TIMEOUT = 60.0
#: seconds a student's code may run (per code exercise)
CODE_TIMEOUT = 60.0
#: the gradebook's first columns (Canvas's gradebook import; Moodle maps one to a user field)
ID_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
TOTAL_COLUMN = "Total"

_CANVAS_NAME = re.compile(r"^(?P<name>[^_]+)_(?:LATE_)?(?P<uid>\d+)_(?P<sid>\d+)_(?P<file>.+)$")


# ---------------------------------------------------------------------------------------------
# Hidden tests of the code exercises. Each takes the namespace the student's code left behind
# and returns one (passed, message) per point.


def _relative_error(a, b) -> float:
    """‖a − b‖ / max(‖a‖, ‖b‖, 1e-12), the book's relative error."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-12))


def _array(ns: dict, name: str, shape: tuple | None = None):
    """``ns[name]`` as a float array of ``shape``, or None."""
    try:
        value = np.array(ns[name], dtype=float)
    except (KeyError, TypeError, ValueError):
        return None
    return value if shape is None or value.shape == tuple(shape) else None


def hidden_bce_fraction(ns: dict) -> list:
    """forward-pass-ex-1: some variable holds the BCE gradient (−1.25, 10/7) at ŷ = (0.8, 0.3), y = (1, 0)."""
    target = np.array([-1.25, 10 / 7])
    for name, value in ns.items():
        if name.startswith("_") or callable(value):
            continue
        try:
            arr = np.array(value, dtype=float).ravel()
        except (TypeError, ValueError):
            continue
        if arr.shape == (2,) and np.allclose(arr, target, rtol=1e-6, atol=0):
            return [(True, f"`{name}` holds the gradient (−1.25, 1.4286)")]
    return [(False, "no variable of your code holds the BCE gradient at ŷ = (0.8, 0.3), y = (1, 0) as two numbers")]


def _two_layer_loss(p: dict, x: np.ndarray, y: np.ndarray) -> float:
    """½‖w² tanh(w¹x + b¹) + b² − y‖², summed over the columns of x."""
    a1 = np.tanh(p["W1"] @ x + p["b1"])
    return 0.5 * float(np.sum((p["W2"] @ a1 + p["b2"] - y) ** 2))


_SHAPES = {"W1": (4, 3), "b1": (4, 1), "W2": (2, 4), "b2": (2, 1)}


def hidden_gradient_check(ns: dict) -> list:
    """four-equations-ex-4: ``backprop(p)`` returns Eqs. (1)–(4) for the 3 → 4 → 2 tanh network.

    The test sets the globals ``x`` (3×1) and ``y`` (2×1) that ``backprop`` reads, calls it at
    parameters of its own (seed 2026) and compares with central differences of the loss.
    """
    backprop = ns.get("backprop")
    if not callable(backprop):
        return [(False, "expected a function `backprop(p)` (p: dict of W1, b1, W2, b2) in your code")] + [
            (False, "not tested (no `backprop`)")
        ] * 2
    rng = np.random.default_rng(2026)
    p = {k: rng.normal(size=s) for k, s in _SHAPES.items()}
    x, y = rng.normal(size=(3, 1)), rng.normal(size=(2, 1))
    ns["x"], ns["y"] = x.copy(), y.copy()
    try:
        got = backprop({k: v.copy() for k, v in p.items()})
    except Exception as exc:
        return [(False, f"`backprop(p)` raised {type(exc).__name__}: {exc}")] + [(False, "not tested")] * 2
    ok = isinstance(got, dict) and all(_array(got, k, s) is not None for k, s in _SHAPES.items())
    shapes = {k: np.shape(v) for k, v in got.items()} if isinstance(got, dict) else type(got).__name__
    out = [
        (
            ok,
            "returns W1 4×3, b1 4×1, W2 2×4, b2 2×1"
            if ok
            else f"expected a dict W1 4×3, b1 4×1, W2 2×4, b2 2×1, got {shapes}",
        )
    ]
    for names in (("W2", "b2"), ("W1", "b1")):
        if not ok:
            out.append((False, f"{' and '.join(names)} not tested (shapes)"))
            continue
        errors = {k: _relative_error(got[k], numerical_gradient(lambda: _two_layer_loss(p, x, y), p[k])) for k in names}
        worst = max(errors.values())
        text = ", ".join(f"{k} {e:.1e}" for k, e in errors.items())
        out.append(
            (worst <= 1e-6, f"{' and '.join(names)} against central differences: relative error {text} (≤ 1e-6 passes)")
        )
    return out


def hidden_batch_check(ns: dict) -> list:
    """minibatch-ex-4: ``dW1`` and ``db1`` are ∇ of the mean loss at the student's ``W1, b1, W2, b2, x, y``."""
    p = {k: _array(ns, k, s) for k, s in _SHAPES.items()}
    x, y = _array(ns, "x"), _array(ns, "y")
    missing = [k for k, v in {**p, "x": x, "y": y}.items() if v is None]
    if not missing and (x.ndim != 2 or x.shape[0] != 3 or y.shape != (2, x.shape[1])):
        missing = ["x (3×m) and y (2×m)"]
    if missing:
        return [
            (
                False,
                f"expected W1 4×3, b1 4×1, W2 2×4, b2 2×1, x 3×m, y 2×m in your code; missing or misshapen: {', '.join(missing)}",
            )
        ] + [(False, "not tested")] * 2
    m = x.shape[1]
    got = {"W1": _array(ns, "dW1", _SHAPES["W1"]), "b1": _array(ns, "db1", _SHAPES["b1"])}
    ok = all(v is not None for v in got.values())
    out = [(ok, "dW1 4×3 and db1 4×1 found" if ok else "expected `dW1` (4×3) and `db1` (4×1), your (a), in your code")]
    for k in ("W1", "b1"):
        if got[k] is None:
            out.append((False, f"d{k} not tested"))
            continue
        ref = numerical_gradient(lambda: _two_layer_loss(p, x, y) / m, p[k])
        err = _relative_error(got[k], ref)
        text = f"d{k} against central differences of the mean loss: relative error {err:.1e} (≤ 1e-6 passes)"
        if err > 1e-6 and _relative_error(got[k], m * ref) <= 1e-6:
            text += f"; it equals m = {m} times the gradient: the sum over the batch, not the mean"
        out.append((err <= 1e-6, text))
    return out


@dataclass(frozen=True)
class CodeExercise:
    """A code exercise of a chapter and its hidden tests (one point per test)."""

    label: str
    chapter: str
    title: str
    contract: str
    tests: Callable[[dict], list]
    points: int


#: the code exercises that are graded: label → what the code must define and its hidden tests
CODE_EXERCISES = {
    e.label: e
    for e in (
        CodeExercise(
            "forward-pass-ex-1",
            "forward-pass",
            "The BCE gradient as one fraction",
            "a variable holding the two entries of the gradient at ŷ = (0.8, 0.3), y = (1, 0)",
            hidden_bce_fraction,
            1,
        ),
        CodeExercise(
            "four-equations-ex-4",
            "four-equations",
            "Write the gradient check yourself",
            "a function `backprop(p)` (p a dict of W1, b1, W2, b2) that reads the globals `x`, `y` "
            "and returns the dict of the four gradients",
            hidden_gradient_check,
            3,
        ),
        CodeExercise(
            "minibatch-ex-4",
            "minibatch",
            "Write the batch check yourself",
            "the arrays `W1, b1, W2, b2, x, y` and your (a) as `dW1`, `db1`",
            hidden_batch_check,
            3,
        ),
    )
}


# ---------------------------------------------------------------------------------------------
# The gradebook's columns


@dataclass(frozen=True)
class Item:
    """One gradebook column: a derivation check (catalogue name) or a code exercise (label)."""

    column: str
    kind: str  # "derivation" or "code"
    chapter: str
    points: int


def gradebook_items(chapters=None) -> list:
    """The graded exercises in the book's order, all or those of ``chapters`` (file stems)."""
    from mlp_lib.teaching.catalogue import EXERCISES

    order = list(dict.fromkeys([e.chapter for e in EXERCISES.values()] + [c.chapter for c in CODE_EXERCISES.values()]))
    if chapters is not None:
        unknown = [c for c in chapters if c not in order]
        if unknown:
            raise ValueError(f"expected chapters among {order}, got {unknown}")
        order = [c for c in order if c in chapters]
    items = []
    for chapter in order:
        items += [
            Item(e.name, "derivation", chapter, DERIVATION_POINTS) for e in EXERCISES.values() if e.chapter == chapter
        ]
        items += [Item(c.label, "code", chapter, c.points) for c in CODE_EXERCISES.values() if c.chapter == chapter]
    return items


# ---------------------------------------------------------------------------------------------
# Reading submissions


@dataclass
class Student:
    """One row of the gradebook and the notebooks that belong to it."""

    key: str
    name: str
    canvas_id: str = ""
    login: str = ""
    files: list = field(default_factory=list)


def collect(submissions: Path) -> tuple:
    """``(students, skipped)``: the students (by key, sorted) and the files that are not notebooks."""
    students: dict = {}
    skipped = []
    for path in sorted(p for p in submissions.rglob("*") if p.is_file()):
        rel = path.relative_to(submissions)
        if any(part.startswith(".") for part in rel.parts):  # .ipynb_checkpoints, .DS_Store
            continue
        if path.suffix != ".ipynb":
            skipped.append(str(rel))
            continue
        m = _CANVAS_NAME.match(path.name)
        if m:
            key = f"{m['name']}_{m['uid']}"
            student = students.setdefault(key, Student(key, m["name"], canvas_id=m["uid"]))
        else:
            login = rel.parts[0] if len(rel.parts) > 1 else path.stem
            student = students.setdefault(login, Student(login, login, login=login))
        student.files.append(path)
    return [students[k] for k in sorted(students)], skipped


def read_notebook(path: Path) -> tuple:
    """``(notebook, problem)``: the notebook (a dict whose ``cells`` are dicts), or None and what is wrong."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"not a notebook (not JSON: {exc})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, "not a notebook (no list of cells)"
    metadata = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    return {"cells": [c for c in nb["cells"] if isinstance(c, dict)], "metadata": metadata}, None


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source if isinstance(source, str) else ""


def answer_records(nb: dict) -> list:
    """The answer records of a notebook's checkers (dicts as :func:`answer_record` makes them).

    First those saved under the checkers (outputs), in notebook order; then those of the widget
    state that JupyterLab saves in the notebook's metadata when "Save Widget State Automatically"
    is on (a checker model's ``spec`` name, ``answer``, ``multiline`` and ``verdict``).
    """
    from mlp_lib.widgets.derivation_checker import ANSWER_KEY

    records = []
    for cell in nb["cells"]:
        outputs = cell.get("outputs")
        for output in outputs if isinstance(outputs, list) else []:
            metadata = output.get("metadata") if isinstance(output, dict) else None
            if isinstance(metadata, dict) and ANSWER_KEY in metadata:
                records.append(metadata[ANSWER_KEY])
    widgets = nb["metadata"].get("widgets")
    state = widgets.get("application/vnd.jupyter.widget-state+json") if isinstance(widgets, dict) else None
    models = state.get("state") if isinstance(state, dict) else None
    for model in models.values() if isinstance(models, dict) else []:
        traits = model.get("state") if isinstance(model, dict) else None
        spec = traits.get("spec") if isinstance(traits, dict) else None
        if not (isinstance(spec, dict) and "name" in spec and "answer" in traits):
            continue  # not a derivation checker
        verdict = traits.get("verdict") if isinstance(traits.get("verdict"), dict) else {}
        records.append(
            {
                "exercise": spec["name"],
                "lines": traits.get("multiline") is True,
                "answer": traits["answer"] if traits["answer"] != "" else None,
                "verdict": verdict.get("status"),
                "message": verdict.get("message"),
            }
        )
    return records


def exercise_code(cells: list, label: str) -> str | None:
    """The code a student wrote for the exercise ``label``: the code cells after its text.

    The exercise's text is the Markdown cell holding ``<small>(label)</small>`` (a handout) or ``:label: label``
    (a chapter notebook); its code runs up to the next exercise or heading. Checker cells are left out.
    """
    marks = (f"<small>({label})</small>", f":label: {label}")
    start = next(
        (
            i
            for i, cell in enumerate(cells)
            if cell.get("cell_type") == "markdown" and any(m in _text(cell.get("source")) for m in marks)
        ),
        None,
    )
    if start is None:
        return None
    parts = []
    for cell in cells[start + 1 :]:
        text = _text(cell.get("source"))
        if cell.get("cell_type") == "markdown" and (
            "<small>(" in text or "{exercise}" in text or text.lstrip().startswith("#")
        ):
            break
        if cell.get("cell_type") == "code" and "DerivationChecker(" not in text:
            parts.append(text)
    code = "\n\n".join(parts)
    meaningful = [ln for ln in code.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return code if meaningful else None


# ---------------------------------------------------------------------------------------------
# Grading


@dataclass
class Mark:
    """The points of one exercise and the feedback lines that explain them."""

    points: float
    lines: list
    review: bool = False  # SymPy could not decide: the teacher looks at it


def _verdict_lines(result) -> list:
    out = [f"  - verdict: {'✓' if result.ok else '✗'} {result.message}"]
    cx = result.counterexample
    if cx:
        values = ", ".join(f"{k} = {v}" for k, v in cx["values"].items())
        out.append(f"  - counterexample: at {values}: right answer {cx['expected']}, yours {cx['got']}")
    if result.hint:
        out.append(f"  - hint: {result.hint}")
    return out


class DerivationGrader:
    """Checks saved answers with SymPy (each distinct answer once per run)."""

    def __init__(self, timeout: float = CHECK_TIMEOUT):
        self.timeout = timeout
        self._cache: dict = {}

    def record(self, data) -> tuple:
        """``(exercise name or None, Mark or None, problem or None)`` for one saved record."""
        from mlp_lib.teaching.catalogue import EXERCISES

        if not isinstance(data, dict):
            return None, None, f"an answer record is not a JSON object (got {type(data).__name__}): not graded"
        name, answer = data.get("exercise"), data.get("answer")
        if not isinstance(name, str) or name not in EXERCISES:
            return None, None, f"an answer record names the exercise {name!r}, which the book does not have: not graded"
        if answer is None:
            return name, None, None  # shown, never checked
        if not isinstance(answer, str):
            return name, None, f"the saved answer to {name} is not text (got {type(answer).__name__}): not graded"
        lines = data.get("lines") is True
        key = (name, answer, lines)
        if key not in self._cache:
            self._cache[key] = self._grade(name, answer, lines)
        mark = self._cache[key]
        saved = data.get("verdict")
        if isinstance(saved, str) and (saved == "correct") != (mark.points == DERIVATION_POINTS):
            note = f"  - (the notebook said {saved!r}; SymPy's check here decides)"
            mark = Mark(mark.points, mark.lines + [note], mark.review)
        return name, mark, None

    def _grade(self, name: str, answer: str, lines: bool) -> Mark:
        from mlp_lib.teaching.catalogue import check_steps, get_exercise

        shown = answer.replace("\n", " ⏎ ")
        if not lines:
            result = get_exercise(name).check(answer, timeout=self.timeout)
            points = DERIVATION_POINTS if result.ok else 0
            return Mark(points, [f"  - answer: `{shown}`", *_verdict_lines(result)], review=not result.decided)
        steps = [ln for ln in answer.splitlines() if ln.strip()]
        try:
            steps_result = check_steps(name, steps, timeout=self.timeout)
        except (TypeError, ValueError) as exc:
            return Mark(0, [f"  - answer: `{shown}`", f"  - verdict: ✗ not graded as a derivation: {exc}"])
        out = [f"  - derivation, line by line ({len(steps)} lines):"]
        for i, (step, r) in enumerate(zip(steps, steps_result.lines)):
            out.append(f"    {i + 1}. {'✓' if r.ok else '✗'} `{step}`")
        if steps_result.ok:
            return Mark(DERIVATION_POINTS, out + ["  - verdict: ✓ every line equals the right answer"])
        first = steps_result.lines[steps_result.first_wrong]
        out.append(f"  - line {steps_result.first_wrong + 1} is the first that does not equal the right answer:")
        out += _verdict_lines(first)
        points = LAST_LINE_POINTS if steps_result.lines[-1].ok else 0
        if points:
            out.append("  - the last line is right, an earlier line is not: partial points")
        return Mark(points, out, review=any(not r.decided for r in steps_result.lines))


def run_code_exercise(label: str, code: str, timeout: float = CODE_TIMEOUT) -> Mark:
    """Run ``code`` in a fresh Python process, then the hidden tests of ``label``; one point per test passed."""
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        code_path, out_path = Path(tmp, "student.py"), Path(tmp, "result.json")
        code_path.write_text(code, encoding="utf-8")
        env = {**os.environ, "MPLBACKEND": "Agg"}
        try:
            proc = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "_hidden", label, str(code_path), str(out_path)],
                cwd=tmp,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return Mark(0, [f"  - your code did not finish within {timeout:g} s: not graded"])
        if not out_path.exists():
            tail = (proc.stderr or "").strip().splitlines()[-1:] or ["no output"]
            return Mark(0, [f"  - your code stopped the grader's Python process ({tail[0]}): not graded"])
        try:
            result = json.loads(out_path.read_text(encoding="utf-8"))
            tests = [(bool(ok), str(message)) for ok, message in result["tests"]]
        except (ValueError, TypeError, KeyError) as exc:
            return Mark(0, [f"  - the grader could not read the hidden tests' results ({exc}): not graded"])
    if result.get("error"):
        return Mark(0, [f"  - your code raised {result['error']}: not graded"])
    lines = [f"  - {'✓' if ok else '✗'} {message}" for ok, message in tests]
    return Mark(sum(1 for ok, _ in tests if ok), lines)


def _hidden_main(label: str, code_path: str, out_path: str) -> None:
    """Inside the separate process: run the student's code, then the hidden tests; write JSON."""
    import contextlib
    import io
    import traceback

    code = Path(code_path).read_text(encoding="utf-8")
    # IPython magics and shell lines (%matplotlib, !pip) mean nothing here
    code = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in code.splitlines())
    ns: dict = {"__name__": "__student__"}
    out: dict = {"error": None, "tests": []}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile("import numpy as np\n" + code, "your code", "exec"), ns)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt too: report, never crash the grader
        where = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "your code"]
        line = f" (line {where[-1].lineno - 1})" if where else ""
        out["error"] = f"{type(exc).__name__}: {exc}{line}"
    if out["error"] is None:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                tests = CODE_EXERCISES[label].tests(ns)
            out["tests"] = [[bool(ok), str(message)] for ok, message in tests]
        except Exception as exc:
            out["error"] = f"{type(exc).__name__} while testing it: {exc}"
    Path(out_path).write_text(json.dumps(out), encoding="utf-8")


@dataclass
class Result:
    """A student's points per column, feedback per column and problems with their files."""

    student: Student
    points: dict
    feedback: dict
    problems: list
    review: list = field(default_factory=list)  # columns SymPy could not decide

    @property
    def total(self) -> float:
        return sum(self.points.values())


def grade_student(
    student: Student,
    items: list,
    grader: DerivationGrader,
    code_timeout: float = CODE_TIMEOUT,
    pool: ThreadPoolExecutor | None = None,
) -> Callable[[], Result]:
    """Grade all notebooks of one student against ``items``; returns a function that gives the Result.

    The student's code runs in separate processes, started on ``pool`` (if given) before the
    derivations are checked, so that both proceed together; calling the returned function
    waits for the code's hidden tests.
    """
    columns = {i.column: i for i in items}
    best: dict = {}
    problems = []
    notebooks = []
    for path in student.files:
        nb, problem = read_notebook(path)
        if problem:
            problems.append(f"{path.name}: {problem}")
        else:
            notebooks.append((path, nb))
    runs = []
    for item in items:
        for path, nb in notebooks if item.kind == "code" else []:
            code = exercise_code(nb["cells"], item.column)
            if code is not None:
                args = (item.column, code, code_timeout)
                job = pool.submit(run_code_exercise, *args) if pool else run_code_exercise(*args)
                runs.append((item.column, path.name, job))
    for path, nb in notebooks:
        for data in answer_records(nb):
            name, mark, problem = grader.record(data)
            if problem:
                problems.append(f"{path.name}: {problem}")
            if name in columns and mark is not None and (name not in best or mark.points >= best[name].points):
                best[name] = mark

    def finish() -> Result:
        for column, source, job in runs:
            mark = job.result() if isinstance(job, Future) else job
            mark = Mark(mark.points, [f"  - code from {source}", *mark.lines])
            if column not in best or mark.points >= best[column].points:
                best[column] = mark
        points = {i.column: (best[i.column].points if i.column in best else 0) for i in items}
        feedback = {i.column: (best[i.column].lines if i.column in best else ["  - no answer found"]) for i in items}
        review = [i.column for i in items if i.column in best and best[i.column].review]
        return Result(student, points, feedback, problems, review)

    return finish


# ---------------------------------------------------------------------------------------------
# Writing the gradebook, the feedback and the report


def _number(x: float) -> str:
    return f"{x:g}"


def write_grades(results: list, items: list, path: Path) -> None:
    """``grades.csv``: the ID columns, one column of points per exercise, and ``Total``."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([*ID_COLUMNS, *(i.column for i in items), TOTAL_COLUMN])
        for r in results:
            s = r.student
            row = [s.name, s.canvas_id, "", s.login, ""]
            writer.writerow(row + [_number(r.points[i.column]) for i in items] + [_number(r.total)])


def _feedback_name(key: str, taken: set) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("._") or "student"
    name, n = stem, 1
    while name.lower() in taken:
        n += 1
        name = f"{stem}-{n}"
    taken.add(name.lower())
    return f"{name}.md"


def feedback_text(result: Result, items: list) -> str:
    """A student's feedback in Markdown: the total, every exercise, every problem with their files."""
    s = result.student
    most = sum(i.points for i in items)
    who = s.name + (f" (Canvas ID {s.canvas_id})" if s.canvas_id else "")
    out = [f"# Feedback: {who}", "", f"Total: {_number(result.total)} of {most} points.", ""]
    if result.problems:
        out += ["## Problems with your files", ""] + [f"- {p}" for p in result.problems] + [""]
    out += ["## Exercises", ""]
    for i in items:
        kind = "derivation check" if i.kind == "derivation" else "code exercise"
        if i.kind == "code":
            kind += f"; the grader expects {CODE_EXERCISES[i.column].contract}"
        out.append(f"- **{i.column}** ({kind}): {_number(result.points[i.column])} of {i.points}")
        out += result.feedback[i.column]
        if i.column in result.review:
            out.append("  - SymPy could not decide in time: your teacher will look at this answer")
    out.append("")
    out.append("Every answer was checked again with SymPy; a verdict saved in the notebook is not used.")
    return "\n".join(out) + "\n"


def grade(
    submissions, out, *, chapters=None, timeout: float = CHECK_TIMEOUT, code_timeout: float = CODE_TIMEOUT
) -> list:
    """Grade every notebook under ``submissions``; write grades.csv, feedback/ and report.txt into ``out``.

    Returns the :class:`Result` of each student. Raises ValueError if ``submissions`` is not a
    folder or ``out`` lies inside it (the submissions are never written to).
    """
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    if not submissions.is_dir():
        raise ValueError(f"expected SUBMISSIONS to be a folder of student notebooks, got {submissions}")
    if out == submissions or submissions in out.parents:
        raise ValueError(f"expected the output folder outside SUBMISSIONS (never written to), got {out}")
    items = gradebook_items(chapters)
    students, skipped = collect(submissions)
    grader = DerivationGrader(timeout)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        pending = [grade_student(s, items, grader, code_timeout, pool) for s in students]
        results = [finish() for finish in pending]
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    write_grades(results, items, out / "grades.csv")
    taken: set = set()
    report = [f"{len(results)} student(s) graded from {submissions}", "", "Points per exercise:"]
    report += [f"  {i.column} ({i.kind}, {i.chapter}): {i.points}" for i in items]
    report += [f"  {TOTAL_COLUMN}: {sum(i.points for i in items)}", ""]
    for r in results:
        name = _feedback_name(r.student.key, taken)
        (out / "feedback" / name).write_text(feedback_text(r, items), encoding="utf-8")
        report.append(f"{r.student.key}: {_number(r.total)} points, feedback/{name}")
        report += [f"  PROBLEM {p}" for p in r.problems]
        report += [
            f"  REVIEW {c}: SymPy could not decide within {timeout:g} s; 0 points until you look" for c in r.review
        ]
    report += [f"skipped (not a notebook): {p}" for p in skipped]
    (out / "report.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    return results


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_hidden"]:
        _hidden_main(*argv[1:4])
        return 0
    parser = argparse.ArgumentParser(
        description="Grade collected student notebooks: grades.csv (Canvas/Moodle import) and one feedback file per student."
    )
    parser.add_argument(
        "submissions", help="folder of collected notebooks (one folder or file per student, or Canvas's download)"
    )
    parser.add_argument("--out", default="grading", help="output folder (default: grading/)")
    parser.add_argument("--chapters", help="grade only these chapters' exercises (comma-separated file stems)")
    parser.add_argument("--timeout", type=float, default=CHECK_TIMEOUT, help="seconds SymPy may take per answer")
    parser.add_argument("--code-timeout", type=float, default=CODE_TIMEOUT, help="seconds a student's code may run")
    args = parser.parse_args(argv)
    chapters = [c.strip() for c in args.chapters.split(",") if c.strip()] if args.chapters else None
    try:
        results = grade(
            args.submissions, args.out, chapters=chapters, timeout=args.timeout, code_timeout=args.code_timeout
        )
    except ValueError as exc:
        print(f"grade: {exc}", file=sys.stderr)
        return 2
    problems = sum(len(r.problems) for r in results)
    review = sum(len(r.review) for r in results)
    print(
        f"{len(results)} student(s) graded: {Path(args.out) / 'grades.csv'}, feedback in {Path(args.out) / 'feedback'}"
    )
    print(
        f"{problems} problem(s) with submitted files, {review} answer(s) to review; see {Path(args.out) / 'report.txt'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
