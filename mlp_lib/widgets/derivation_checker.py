"""The derivation checker as a widget: type a formula, press Check, see ✓ or ✗ — with or without Python.

``DerivationChecker("sigmoid-bce-phi")`` shows the exercise's prompt, the names the answer may
use, a text box and a Check button. The verdict panel shows how the answer was read, ✓ / ✗ / ?,
a table of values where a wrong answer and the right one differ, and a hint.

One widget, two deciders:

* **With a kernel** (a notebook), SymPy decides, as :func:`mlp_lib.teaching.catalogue.check`
  does: the page sends the typed text, :meth:`DerivationChecker.check` runs the checker and
  sends the verdict back. :meth:`check` can also be called from Python (tests do).
* **Without one** (the static website, a notebook whose kernel is gone), the page decides
  itself (``web/checker_reader.js``, ``web/checker_eval.js``) from the exercise's
  fingerprint (:func:`mlp_lib.teaching.fingerprint.fingerprint`): the values of the right
  answer and of the known mistakes at test points, made with SymPy when the book is built. The
  right formula is not in the page.

What the reader typed and its verdict persist: in the traits ``answer`` and ``verdict``, on the
website in the browser's localStorage (across reloads), and, with a kernel, in the notebook file
itself: under the widget, the cell keeps an output (a display with a ``display_id``) that every
check replaces with the answer record :func:`answer_record` — a plain-text line, with the record as
JSON in the output's metadata under :data:`ANSWER_KEY`. Outputs are saved with the .ipynb (widget
state is not, by default, in JupyterLab and Notebook), so a teacher can collect the notebooks and
grade them (``tools/grade.py``, which checks every answer again with SymPy). The record is metadata,
not a mime type of its own, so that no front end or book build has to know how to show it.
"""

from __future__ import annotations

import math

import anywidget
import traitlets

from ..teaching.catalogue import EXERCISES, Exercise, StepsResult, check_steps, get_exercise
from ..teaching.checker import CheckResult
from ..teaching.fingerprint import fingerprint
from .esm import assemble

__all__ = ["ANSWER_KEY", "DerivationChecker", "answer_record", "verdict_of"]

#: key of the answer record in the metadata of the output saved under each checker
ANSWER_KEY = "deriving-backprop/answer"

_SPEC_KEYS = {
    "expected",
    "variables",
    "matrix_shapes",
    "fixed",
    "activation",
    "relations",
    "domains",
    "variants",
    "prompt",
    "title",
}


def _exercise(exercise) -> Exercise:
    if isinstance(exercise, Exercise):
        return exercise
    if isinstance(exercise, str):
        return get_exercise(exercise)
    if isinstance(exercise, dict):
        unknown = set(exercise) - _SPEC_KEYS
        if unknown:
            raise ValueError(f"expected the keys {sorted(_SPEC_KEYS)} in an exercise dict, got also {sorted(unknown)}")
        if "expected" not in exercise:
            raise ValueError("expected the key 'expected' (the right formula) in an exercise dict")
        spec = dict(exercise)
        return Exercise(
            name="custom",
            chapter="",
            title=spec.pop("title", "Derivation check"),
            prompt=spec.pop("prompt", "Type your formula."),
            expected=spec.pop("expected"),
            variables=tuple(spec.pop("variables", ())),
            variants=tuple(tuple(v) for v in spec.pop("variants", ())),
            **spec,
        )
    raise TypeError(f"expected a catalogue name, an Exercise or a dict, got {type(exercise).__name__}")


def verdict_of(result: CheckResult) -> dict:
    """The page's verdict dict of a SymPy :class:`~mlp_lib.teaching.checker.CheckResult`."""
    if result.ok:
        status = "correct"
    elif not result.decided:
        status = "undecided"
    elif result.counterexample is None and not result.message.startswith("wrong shape"):
        status = "refused"  # not read, or not built (shapes that do not fit)
    else:
        status = "wrong"
    cx = result.counterexample
    if cx is not None:
        cx = {
            "values": {k: _plain(v) for k, v in cx["values"].items()},
            "expected": _plain(cx["expected"]),
            "got": _plain(cx["got"]),
            "entry": list(cx["entry"]) if cx.get("entry") else None,
            "functions": None,
        }
    return {"status": status, "message": result.message, "hint": result.hint, "counterexample": cx, "by": "sympy"}


def _plain(v):
    """A counterexample value as JSON: floats, text ("undefined", "1.2e+500") and nested lists."""
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def answer_record(exercise: str, answer: str | None, verdict: dict | None, *, lines: bool = False) -> tuple:
    """The output saved under a checker, as ``(data, metadata)`` of a display.

    ``metadata[ANSWER_KEY]`` is ``{"exercise", "lines", "answer", "verdict", "message"}``: the
    catalogue name, whether the answer is a derivation line by line, the text as typed (None
    before the first check), the status (``correct``, ``wrong``, ``refused``, ``undecided``) and
    the checker's message. ``data`` is a plain-text line that says so, or, before the first
    check, an empty hidden ``text/html`` (nothing to show).
    """
    status = (verdict or {}).get("status")
    record = {
        "exercise": exercise,
        "lines": lines,
        "answer": answer,
        "verdict": status,
        "message": (verdict or {}).get("message"),
    }
    if answer is None:
        return {"text/html": '<div class="chk-record" hidden></div>'}, {ANSWER_KEY: record}
    mark = {"correct": "✓", "wrong": "✗", "refused": "✗"}.get(status, "?")
    shown = answer.replace("\n", " ⏎ ")
    return {"text/plain": f"{mark} {exercise}: {shown}   (answer and verdict saved in this notebook)"}, {
        ANSWER_KEY: record
    }


class DerivationChecker(anywidget.AnyWidget):
    """A text box and a Check button for one derivation, live in the page.

    Parameters
    ----------
    exercise : str or Exercise or dict
        A catalogue name (see :data:`mlp_lib.teaching.catalogue.EXERCISES`), an
        :class:`~mlp_lib.teaching.catalogue.Exercise`, or a dict of its fields (``expected``,
        ``variables`` and optionally ``prompt``, ``title``, ``matrix_shapes``, ``fixed``,
        ``activation``, ``relations``, ``domains``, ``variants``).
    answer : str
        Initial text of the box (e.g. a student's earlier attempt).
    timeout : float or None
        Seconds SymPy may take per check (None: :data:`mlp_lib.teaching.checker.DEFAULT_TIMEOUT`).
    lines : bool
        A derivation line by line: the box takes one formula per line, every line must equal the
        right answer, and the verdict marks the first line that does not
        (:func:`~mlp_lib.teaching.catalogue.check_steps`).

    Traits (synced with the page): ``spec`` (the fingerprint, Python → page), ``answer`` (the
    typed text) and ``verdict`` (``{status, message, hint, counterexample, by}``, status one of
    ``correct``, ``wrong``, ``refused``, ``undecided``; ``by`` is ``sympy`` or ``page``).

    Displayed in a notebook, a checker of the catalogue is followed by its answer record
    (:func:`answer_record`), which each :meth:`check` replaces, so that the .ipynb holds the last
    checked answer.

    Attributes
    ----------
    result : CheckResult or None
        SymPy's last verdict (after :meth:`check`).
    """

    _esm = assemble("ui.js", "checker_reader.js", "checker_eval.js", "checker.js", engine=False)

    spec = traitlets.Dict().tag(sync=True)
    answer = traitlets.Unicode("").tag(sync=True)
    verdict = traitlets.Dict().tag(sync=True)
    multiline = traitlets.Bool(False).tag(sync=True)

    def __init__(self, exercise, *, answer: str = "", timeout: float | None = None, lines: bool = False):
        if not isinstance(answer, str):
            raise TypeError(f"expected answer as text, got {type(answer).__name__}")
        if not isinstance(lines, bool):
            raise TypeError(f"expected lines True or False, got {lines!r}")
        ex = _exercise(exercise)
        self.exercise = ex
        self.timeout = timeout
        self.result: CheckResult | None = None
        spec = fingerprint(ex.name) if isinstance(exercise, str) else fingerprint(ex)
        super().__init__(spec=spec, answer=answer, multiline=lines)
        self._records: list = []  # display handles of the answer records shown under this widget
        self.on_msg(self._on_page_message)

    def _ipython_display_(self) -> None:
        """Show the widget, then its answer record (a display with an id, replaced on each check)."""
        from IPython.display import display

        bundle = self._repr_mimebundle_()
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        display(data, metadata=metadata, raw=True)
        if EXERCISES.get(self.exercise.name) is not self.exercise:
            return  # not one of the book's exercises: nothing a teacher could grade
        data, metadata = self._record()
        self._records.append(display(data, metadata=metadata, raw=True, display_id=True))

    def _record(self) -> tuple:
        checked = self.verdict.get("status") in ("correct", "wrong", "refused", "undecided")
        return answer_record(
            self.exercise.name, self.answer if checked else None, self.verdict, lines=bool(self.multiline)
        )

    def _save_record(self) -> None:
        data, metadata = self._record()
        for handle in self._records:
            handle.update(data, metadata=metadata, raw=True)

    def check(self, text: str | None = None) -> CheckResult | StepsResult:
        """Check ``text`` (default: :attr:`answer`) with SymPy; show and return the verdict.

        With ``lines=True`` the text holds one formula per line, and the result is
        :func:`~mlp_lib.teaching.catalogue.check_steps`' :class:`StepsResult`.

        The previous verdict is cleared first, and the panel always leaves "checking…": an error
        of the checker itself is shown as an undecided verdict naming it, never as a traceback
        behind a stale ✓.
        """
        if text is not None:
            if not isinstance(text, str):
                raise TypeError(f"expected the answer as text, got {type(text).__name__}")
            self.answer = text
        self.result = None
        self.verdict = {"status": "checking", "message": "checking with SymPy…", "by": "sympy"}
        try:
            if self.multiline:
                result = self._check_lines()
                self._save_record()
                return result
            result = self.exercise.check(self.answer, timeout=self.timeout)
        except Exception as exc:  # a bug or a bad exercise spec: say so in the panel
            result = CheckResult(
                False,
                f"the checker itself failed ({type(exc).__name__}: {exc}); please report this answer to your instructor",
                decided=False,
            )
        except BaseException:  # interrupted (kernel stop): do not leave "checking…" behind
            self.verdict = {"status": "undecided", "message": "check interrupted", "by": "sympy"}
            raise
        self.result = result
        self.verdict = verdict_of(result)
        self._save_record()
        return result

    def _check_lines(self) -> StepsResult | CheckResult:
        steps = [line for line in self.answer.splitlines() if line.strip()]
        try:
            result = check_steps(self.exercise, steps, timeout=self.timeout)
        except (TypeError, ValueError) as exc:  # no lines, too many: refused like a bad answer
            result = CheckResult(False, str(exc) if steps else "the answer is empty: type one formula per line")
            self.result, self.verdict = result, verdict_of(result)
            return result
        self.result = result
        lines = [{"status": verdict_of(r)["status"], "reading": None} for r in result.lines]
        if result.first_wrong is None:
            self.verdict = {
                "status": "correct",
                "message": f"correct: every line ({len(steps)}) equals the right answer.",
                "lines": lines,
                "first_wrong": None,
                "by": "sympy",
            }
        else:
            first = verdict_of(result.lines[result.first_wrong])
            self.verdict = {
                **first,
                "status": "undecided" if first["status"] == "undecided" else "wrong",
                "message": f"line {result.first_wrong + 1} is the first that does not equal the right answer: {first['message']}",
                "lines": lines,
                "first_wrong": result.first_wrong,
            }
        return result

    def _on_page_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "hello":  # the page asks whether a kernel is behind it
            self.send({"type": "kernel"})
        elif content.get("type") == "check" and isinstance(content.get("answer"), str):
            self.check(content["answer"])
