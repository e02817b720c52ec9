"""The derivation checker as a widget: type a formula, press Check, see ✓ or ✗.

``DerivationChecker("sigmoid-bce-phi")`` shows the exercise's prompt, the names
the answer may use, a text box and a Check button. The verdict panel (an
``HTMLMath`` widget, so MathJax renders it) shows how the answer was read (as
LaTeX), ✓ or ✗, a table of values where a wrong answer and the right one
differ, and a hint. All the work is :func:`mlp_lib.teaching.catalogue.check` /
:func:`mlp_lib.teaching.checker.check_expression` — the widget only displays it, and
:meth:`DerivationChecker.check` can be called directly (tests do so).

Without a kernel (the static website) the widget is shown but cannot check:
use the chapter as a notebook, or the plain function ``check(name, text)``.
"""

from __future__ import annotations

import html
import re

import ipywidgets as W

from ..teaching.catalogue import Exercise, get_exercise
from ..teaching.checker import CheckResult, check_expression, format_value


class DerivationChecker:
    """A text box + Check button for one derivation.

    Parameters
    ----------
    exercise : str or Exercise or dict
        A catalogue name (see :data:`mlp_lib.teaching.catalogue.EXERCISES`), an
        :class:`~mlp_lib.teaching.catalogue.Exercise`, or a dict of
        :func:`~mlp_lib.teaching.checker.check_expression` arguments with keys
        ``expected``, ``variables`` and optionally ``prompt``, ``matrix_shapes``, ….
    answer : str
        Initial text of the box (e.g. a student's earlier attempt).
    timeout : float or None
        Seconds SymPy may take per check (None: :data:`mlp_lib.teaching.checker.DEFAULT_TIMEOUT`).

    Attributes
    ----------
    text : ipywidgets.Text
    button : ipywidgets.Button
    output : ipywidgets.HTMLMath
    result : CheckResult or None
        The last verdict.
    widget : ipywidgets.VBox
        The whole view (a ``DerivationChecker`` displays as this).
    """

    def __init__(self, exercise, *, answer: str = "", timeout: float | None = None):
        if isinstance(exercise, dict):
            spec = dict(exercise)
            self.prompt = spec.pop("prompt", "Type your formula.")
            self.title = spec.pop("title", "Derivation check")
            self.names_help = ", ".join(list(spec.get("variables", [])) + list(spec.get("matrix_shapes") or {}))
            expected, variables = spec.pop("expected"), spec.pop("variables", [])
            self._check = lambda text: check_expression(text, expected, variables, timeout=timeout, **spec)
        else:
            ex: Exercise = get_exercise(exercise)
            self.prompt, self.title, self.names_help = ex.prompt, ex.title, ex.names_help
            self._check = lambda text: ex.check(text, timeout=timeout)
        self.result: CheckResult | None = None
        self.text = W.Text(
            value=answer,
            placeholder="e.g. a - y   (use * / + - ** and @ for the matrix product, .T to transpose)",
            layout=W.Layout(width="100%"),
        )
        self.button = W.Button(description="Check", button_style="primary", icon="check")
        self.output = W.HTMLMath(value="")
        self.button.on_click(lambda _: self.check())
        header = W.HTMLMath(
            f"<b>{typeset(self.title)}</b><br>{typeset(self.prompt)}"
            f"<br><small>Names you can use: <code>{html.escape(self.names_help)}</code>; functions: "
            "<code>sigma, sigma_prime, sigmoid, relu, step, tanh, cosh, sech, exp, log, sqrt, softmax, diag, sum, T</code>."
            "</small>"
        )
        self.widget = W.VBox([header, W.HBox([self.text, self.button]), self.output])

    def check(self, text: str | None = None) -> CheckResult:
        """Check ``text`` (default: the box's content), show and return the verdict.

        The previous verdict is cleared first (``result`` is None while checking), and the
        panel always leaves "checking…": an error of the checker itself is shown as an
        undecided verdict naming it, never left as a traceback behind a stale ✓.
        """
        if text is not None:
            self.text.value = text
        self.result = None
        self.output.value = "<i>checking…</i>"
        self.button.disabled = True
        try:
            result = self._check(self.text.value)
        except Exception as exc:  # a bug or a bad exercise spec: say so in the panel
            result = CheckResult(
                False,
                f"the checker itself failed ({type(exc).__name__}: {exc}); "
                "please report this answer to your instructor",
                decided=False,
            )
        except BaseException:  # interrupted (kernel stop): do not leave "checking…" behind
            self.output.value = "<i>check interrupted</i>"
            raise
        finally:
            self.button.disabled = False
        self.result = result
        try:
            self.output.value = render_result(result)
        except Exception as exc:
            self.output.value = html.escape(f"? could not show the verdict ({type(exc).__name__}: {exc})")
        return result

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def render_result(result: CheckResult) -> str:
    """HTML (with $…$ math for MathJax) of a verdict: how the answer was read, ✓/✗, counterexample, hint."""
    parts = []
    if result.latex:
        parts.append(f"Your answer, as read: $\\displaystyle {result.latex}$")
    colour = "#1a7f37" if result.ok else ("#9a6700" if not result.decided else "#cf222e")
    mark = "✓" if result.ok else ("?" if not result.decided else "✗")
    parts.append(f"<span style='color:{colour};font-weight:bold'>{mark} {html.escape(result.message)}</span>")
    cx = result.counterexample
    if cx:
        rows = "".join(
            f"<tr><td><code>{html.escape(str(k))}</code></td><td>{html.escape(_fmt(v))}</td></tr>"
            for k, v in cx["values"].items()
        )
        entry = ""
        if cx.get("entry"):
            i, k = cx["entry"]
            entry = f" (first different entry: row {i + 1}, column {k + 1})"
        parts.append(
            "<table style='border-collapse:collapse'><tr><th>name</th><th>value</th></tr>"
            + rows
            + f"<tr><td><b>right answer</b></td><td>{html.escape(_fmt(cx['expected']))}</td></tr>"
            + f"<tr><td><b>your answer</b></td><td>{html.escape(_fmt(cx['got']))}</td></tr></table>"
            + entry
        )
    if result.hint:
        parts.append(f"<b>Hint:</b> {html.escape(result.hint)}")
    return "<br>".join(parts)


def _fmt(v) -> str:
    return format_value(v, digits=4)


_SCRIPT_GROUP = re.compile(r"([\^_])\{([^{}]*)\}")  # a^{j−1}, ∇_{a^J}
_SCRIPT_CHAR = re.compile(r"([\^_])([A-Za-z0-9])(?![A-Za-z0-9])")  # z^j, y_i (not sigma_prime)


def typeset(text: str) -> str:
    """Plain-text math of the catalogue (``a^{j−1}``, ``ϕ^J``, ``y_i``) as HTML with <sup>/<sub>.

    The text is escaped first, so nothing in it can inject markup.
    """
    out = html.escape(text)
    for _ in range(2):  # nested groups such as ∇_{a^J}: the inner one first
        out = _SCRIPT_GROUP.sub(
            lambda m: f"<{'sup' if m[1] == '^' else 'sub'}>{m[2]}</{'sup' if m[1] == '^' else 'sub'}>", out
        )
        out = _SCRIPT_CHAR.sub(
            lambda m: f"<{'sup' if m[1] == '^' else 'sub'}>{m[2]}</{'sup' if m[1] == '^' else 'sub'}>", out
        )
    return out
