"""The derivation checker: right answers pass, wrong ones get counterexamples and hints,
and nothing a student types is ever run (the safety cases), within length, depth and time limits."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import sympy as sp

from mlp_lib.teaching import checker
from mlp_lib.teaching import parser as ep
from mlp_lib.teaching.catalogue import EXERCISES, check, check_steps, exercises_for, get_exercise
from mlp_lib.teaching.checker import check_expression

ROOT = Path(__file__).resolve().parents[2]
# Every chapter of the book except the playground (whose exercises are about training, not a formula).
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.md") if p.stem != "playground")


@pytest.fixture(autouse=True)
def generous_time_limit(monkeypatch):
    """These tests are about verdicts, not speed: a busy CI machine must not turn them into timeouts.
    (The time-limit tests below pass their own small ``timeout``.)"""
    monkeypatch.setattr(checker, "DEFAULT_TIMEOUT", 60.0)


SIGMOID = dict(activation="sigmoid", relations={"a": "sigma(z)"}, domains={"y": (0, 1)})
EQ2 = dict(matrix_shapes={"W": (2, 3), "phi": (2, 1), "z": (3, 1)})


# ---------------------------------------------------------------------------
# right answers
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "answer",
    [
        "a - y",
        "-(y - a)",
        "-y + a",
        "sigmoid(z) - y",
        "1/(1 + exp(-z)) - y",
        "1/(1+e^(-z)) - y",
        "(-y/a + (1 - y)/(1 - a)) * a * (1 - a)",
        "(-y/a + (1-y)/(1-a)) * sigma_prime(z)",
        "σ(z) − y",
        "(a - y) * 1.0",
    ],
)
def test_equivalent_scalar_forms_are_accepted(answer):
    r = check_expression(answer, "a - y", ["a", "y", "z"], **SIGMOID)
    assert r.ok, str(r)
    assert r.counterexample is None and r.hint is None
    assert r.parsed is not None and r.latex


@pytest.mark.parametrize(
    "answer",
    [
        "(W.T @ phi) * sigma_prime(z)",
        "sigma_prime(z) * (W.T @ phi)",
        "transpose(W) @ phi * σ'(z)",
        "diag(sigma_prime(z)) @ W.T @ phi",
        "(phi.T @ W).T * sigma_prime(z)",
        "Wᵀ @ phi ∘ sigma'(z)",
    ],
)
def test_equivalent_matrix_forms_are_accepted(answer):
    r = check_expression(answer, "(W.T @ phi) * sigma_prime(z)", [], **EQ2)
    assert r.ok, str(r)
    assert isinstance(r.parsed, sp.MatrixBase) and r.parsed.shape == (3, 1)


def test_expected_may_be_a_sympy_expression():
    a, y = sp.symbols("a y", real=True)
    assert check_expression("2*(a - y)", 2 * a - 2 * y, ["a", "y"]).ok
    assert not check_expression("2*(a + y)", 2 * a - 2 * y, ["a", "y"]).ok


# ---------------------------------------------------------------------------
# wrong answers: counterexample and hints
# ---------------------------------------------------------------------------
def _differs(cx):
    flat = lambda v: [x for row in v for x in row] if isinstance(v, list) else [v]  # noqa: E731
    return any(abs(g - e) > 1e-9 for g, e in zip(flat(cx["got"]), flat(cx["expected"])))


def test_wrong_answer_gets_a_counterexample_where_the_two_differ():
    r = check_expression("a + y", "a - y", ["a", "y"])
    assert not r.ok and r.decided
    cx = r.counterexample
    assert set(cx["values"]) == {"a", "y"}
    a, y = cx["values"]["a"], cx["values"]["y"]
    assert cx["got"] == pytest.approx(a + y) and cx["expected"] == pytest.approx(a - y)
    assert _differs(cx)
    assert "counterexample" in str(r)


def test_counterexample_is_reproducible():
    """Same answer, same seed → the same numbers for every student."""
    one = check_expression("a*y", "a - y", ["a", "y"])
    two = check_expression("a*y", "a - y", ["a", "y"])
    assert one.counterexample == two.counterexample
    assert check_expression("a*y", "a - y", ["a", "y"], seed=1).counterexample != one.counterexample


@pytest.mark.parametrize(
    "answer, expected, variables, options, hint",
    [
        ("y - a", "a - y", ["a", "y", "z"], SIGMOID, "sign"),
        ("-(2/n)*(y - a)*sigma(z)", "-(2/n)*(y - a)*sigma_prime(z)", ["a", "y", "z", "n"], {}, "σ or σ'"),
        ("(W.T @ phi) * sigma(z)", "(W.T @ phi) * sigma_prime(z)", [], EQ2, "σ or σ'"),
        ("W.T @ phi", "(W.T @ phi) * sigma_prime(z)", [], EQ2, "missing"),
        ("-(2/n)*(y - a)", "-(2/n)*(y - a)*a*(1 - a)", ["a", "y", "z", "n"], SIGMOID, "missing"),
        ("-2*(y - a)", "-(2/n)*(y - a)", ["a", "y", "n"], {}, "1/n"),
        ("(a - y)/4", "a - y", ["a", "y"], {}, "constant factor"),
        ("A - Y", "(A - Y)/m", ["m"], {"matrix_shapes": {"A": (2, 3), "Y": (2, 3)}}, "1/m"),
        ("y - a*0 - a*2 + a", "a - y", ["a", "y"], {}, "sign"),
        ("(a - y)/(a*(1 - a))", "(y - a)/(y*(1 - y))", ["a", "y"], {"domains": {"a": (0, 1), "y": (0, 1)}}, "swapped"),
        ("W @ phi", "W.T @ phi", [], {"matrix_shapes": {"W": (2, 2), "phi": (2, 1)}}, "transpos"),
    ],
)
def test_hints(answer, expected, variables, options, hint):
    r = check_expression(answer, expected, variables, **options)
    assert not r.ok, str(r)
    assert r.counterexample is not None and _differs(r.counterexample)
    assert r.hint and hint in r.hint, str(r)


def test_relu_counterexample_uses_negative_z():
    """Forgetting ReLU' only matters where z ≤ 0: the counterexample must find such a z."""
    r = check("relu-output-mse-phi", "-(2/n)*(y - a)")
    assert not r.ok and r.counterexample["values"]["z"] <= 0
    assert "missing" in r.hint


def test_a_wrong_answer_without_a_known_mistake_has_no_hint():
    r = check_expression("a*y + 3", "a - y", ["a", "y"])
    assert not r.ok and r.hint is None and r.counterexample


# ---------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------
def test_matrix_product_shape_mismatch_is_explained():
    r = check_expression("W @ phi", "W.T @ phi", [], matrix_shapes={"W": (3, 2), "phi": (3, 1)})
    assert not r.ok and r.parsed is None
    assert "W @ phi: shapes (3, 2) and (3, 1) don't match" in r.message
    assert "W.T @ phi" in r.hint


@pytest.mark.parametrize(
    "answer, words",
    [
        ("phi * a", "cannot multiply elementwise shapes (3, 1) and (2, 1)"),
        ("phi + a.T", "cannot add shapes (3, 1) and (1, 2)"),
        ("phi @ 2", "@ is the matrix product of two matrices"),
        ("softmax(a.T)", "softmax needs a column vector"),
    ],
)
def test_other_shape_errors(answer, words):
    r = check_expression(answer, "phi @ a.T", [], matrix_shapes={"phi": (3, 1), "a": (2, 1)})
    assert not r.ok and words in r.message, r.message


def test_transposed_result_is_reported_as_a_shape_error_with_a_hint():
    r = check("eq3-matrix", "a @ phi.T")
    assert not r.ok and "wrong shape" in r.message and "3×2" in r.message
    assert "transpose" in r.hint


def test_scalar_answer_to_a_matrix_question():
    r = check("eq4", "sum(phi)")
    assert not r.ok and "a scalar" in r.message


# ---------------------------------------------------------------------------
# SAFETY: refused before anything is built, with a clear message
# ---------------------------------------------------------------------------
REFUSED = [
    ("__import__('os').system('touch PWNED')", "not allowed"),
    ("().__class__.__bases__[0].__subclasses__()", "not allowed"),
    ("lambda: 1", "lambda"),
    ("a.__class__", "attribute .__class__"),
    ("a.real", "attribute .real"),
    ("y[0]", "indexing"),
    ("open('f')", "function 'open'"),
    ("exec('1')", "function 'exec'"),
    ("eval('a')", "function 'eval'"),
    ("eval", "name 'eval'"),
    ("globals()", "function 'globals'"),
    ("__builtins__", "underscore"),
    ("_a", "underscore"),
    ("9**9**9", "exponent"),
    ("2**1000", "exponent 1000 is too large"),
    ("a**y", "exponent"),
    ("((a**10)**10)**10", "powers of powers"),
    ("a**100000", "too large"),
    ("10**1000000", "too large"),
    ("1e400", "too large"),
    ("2j", "constant"),
    ("'a'", "strings"),
    ("b'a'", "bytes"),
    ("f'{a}'", "f-strings"),
    ("sigma(z=a)", "keyword"),
    ("sigma(*a)", "unpacking"),
    ("(a := 1)", "walrus"),
    ("a < y", "comparisons"),
    ("a and y", "and"),
    ("not a", "not"),
    ("~a", "~"),
    ("a | y", "BitOr"),
    ("a if y else a", "if … else"),
    ("[a, y]", "lists"),
    ("a, y", "tuples"),
    ("{a: y}", "dictionaries"),
    ("[x for x in a]", "comprehensions"),
    ("sigma(a, y)", "takes 1 argument"),
    ("unknown + a", "name 'unknown'"),
    ("a.T.T.__dict__", "attribute .__dict__"),
    ("(a).__class__.__mro__", "attribute"),
    ("a; import os", "could not read"),
    ("import os", "could not read"),
    ("a\nimport os", "could not read"),
    ("", "empty"),
    ("(" * 1000 + "a" + ")" * 1000, "too long"),
    ("(" * 40 + "a" + ")" * 40, "nested too deeply"),
    ("-" * 1000 + "a", "too long"),
    ("-" * 100 + "a", "nested too deeply"),
    ("a" + "+a" * 200, "too long (more than 300 parts)"),
    ("a+" * 5000 + "a", "too long"),
]


@pytest.mark.parametrize("text, words", REFUSED, ids=[t[:40] for t, _ in REFUSED])
def test_refused_with_a_clear_message(text, words, monkeypatch):
    # refusals must happen before any SymPy object exists or anything is decided
    monkeypatch.setattr(ep, "to_sympy", lambda *a, **k: pytest.fail("built SymPy from refused text"))
    monkeypatch.setattr(checker, "_run_limited", lambda *a, **k: pytest.fail("decided refused text"))
    r = check_expression(text, "a - y", ["a", "y", "z"])
    assert not r.ok and r.parsed is None
    assert words in r.message, r.message


def test_import_attempt_runs_nothing(tmp_path):
    target = tmp_path / "pwned"
    for text in (
        f"__import__('os').system('touch {target}')",
        f"sigma(__import__('os').system('touch {target}'))",
        f"exec(\"import os; os.system('touch {target}')\")",
        "().__class__.__bases__[0].__subclasses__()",
    ):
        r = check_expression(text, "a - y", ["a", "y"])
        assert not r.ok and "not allowed" in r.message
    assert not target.exists()


def test_ten_thousand_characters_are_refused_before_any_work(monkeypatch):
    """Refused on its length alone: the text is never normalised or parsed, and no checking child starts."""

    def never(*args, **kwargs):
        raise AssertionError("a refused answer must not be normalised, parsed or decided")

    monkeypatch.setattr(ep, "normalize", never)
    monkeypatch.setattr(ep.ast, "parse", never)
    monkeypatch.setattr(checker, "_run_limited", never)
    r = check_expression("a+" * 5000, "a - y", ["a", "y"])
    assert "too long (10000 characters; at most 500)" in r.message


def test_non_text_is_refused():
    assert "expected the answer as text" in check_expression(123, "a", ["a"]).message


def test_sources_never_evaluate_text():
    """The parser and checker build SymPy objects themselves: no eval/exec/compile/sympify/parse_expr."""
    for name in ("parser.py", "checker.py", "catalogue.py"):
        code = (ROOT / "mlp_lib" / "teaching" / name).read_text()
        for call in ("eval(", "exec(", "compile(", "sympify(", "parse_expr(", "__import__("):
            assert not re.search(r"(?<![\w.])" + re.escape(call), code), f"{name} calls {call}"


# ---------------------------------------------------------------------------
# the time limit
# ---------------------------------------------------------------------------
def _slow(*args):
    time.sleep(60)
    yield {"ok": True, "message": "too late"}


def test_time_limit_is_enforced(monkeypatch):
    monkeypatch.setattr(checker, "_decide", _slow)
    start = time.perf_counter()
    r = check_expression("a - y", "a - y", ["a", "y"], timeout=0.5)
    elapsed = time.perf_counter() - start
    assert not r.ok and not r.decided
    assert "could not decide in time" in r.message
    assert elapsed < 5
    assert r.parsed is not None  # the answer was read; only the decision was cut short


def test_real_check_with_a_tiny_timeout_is_undecided():
    r = check("tanh-derivative", "4/(exp(z) + exp(-z))**2", timeout=0.001)
    assert not r.decided and "could not decide in time" in r.message


def test_a_failure_while_deciding_is_reported(monkeypatch):
    def boom(*args):
        raise RuntimeError("kaput")
        yield  # pragma: no cover

    monkeypatch.setattr(checker, "_decide", boom)
    r = check_expression("a", "a", ["a"])
    assert not r.ok and not r.decided and "kaput" in r.message


def test_timeout_must_be_positive():
    with pytest.raises(ValueError, match="positive timeout"):
        check_expression("a", "a", ["a"], timeout=0)


# ---------------------------------------------------------------------------
# the catalogue
# ---------------------------------------------------------------------------
@pytest.mark.slow  # SymPy or a subprocess per case: seconds each; not in the fast loop
@pytest.mark.parametrize("name", list(EXERCISES))
def test_catalogue_entry(name):
    ex = EXERCISES[name]
    for answer in (ex.expected, *ex.accepted):
        r = ex.check(answer)
        assert r.ok, f"{name}: {answer!r} → {r}"
    for wrong, hint in ex.variants:
        r = ex.check(wrong)
        assert not r.ok and r.hint == hint, f"{name}: {wrong!r} → {r}"
    assert ex.prompt and ex.title and ex.chapter in CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_a_check(chapter):
    assert exercises_for(chapter), f"no derivation check for {chapter}"


def test_linked_exercise_labels_exist_in_the_chapters():
    for ex in EXERCISES.values():
        path = ROOT / "chapters" / f"{ex.chapter}.md"
        if ex.exercise and path.exists():
            assert f":label: {ex.exercise}" in path.read_text(), f"{ex.name}: no exercise {ex.exercise} in {path.name}"


def test_get_exercise_errors():
    with pytest.raises(ValueError, match="expected a derivation check among"):
        get_exercise("nope")


# ---------------------------------------------------------------------------
# the widget
# ---------------------------------------------------------------------------
def test_widget_shows_verdict_counterexample_and_hint():
    from mlp_lib.widgets.derivation_checker import DerivationChecker

    w = DerivationChecker("sigmoid-bce-phi")
    assert w.check("a - y").ok and w.verdict["status"] == "correct" and w.verdict["by"] == "sympy"
    assert w.answer == "a - y"
    r = w.check("(-y/a - (1 - y)/(1 - a))*a*(1 - a)")
    assert not r.ok and w.verdict["status"] == "wrong" and w.verdict["counterexample"]["values"]
    assert "§3.2.1" in w.verdict["hint"]
    w.check("__import__('os')")
    assert w.verdict["status"] == "refused" and "not allowed" in w.verdict["message"]


def test_widget_answers_the_page_with_sympy(monkeypatch):
    """The page asks whether a kernel is there, then sends what the reader typed; SymPy decides."""
    from mlp_lib.widgets.derivation_checker import DerivationChecker

    w = DerivationChecker("eq2-matrix")
    sent = []
    monkeypatch.setattr(w, "send", sent.append)
    w._on_page_message(w, {"type": "hello"}, [])
    assert sent == [{"type": "kernel"}]
    w._on_page_message(w, {"type": "check", "answer": "(W.T @ phi) * sigma(z)"}, [])
    assert w.verdict["status"] == "wrong" and w.verdict["by"] == "sympy" and "σ'" in w.verdict["hint"]
    w._on_page_message(w, {"type": "check", "answer": 42}, [])  # not text: ignored, nothing changes
    assert w.answer == "(W.T @ phi) * sigma(z)"


def test_widget_refuses_bad_arguments():
    from mlp_lib.widgets.derivation_checker import DerivationChecker

    with pytest.raises(ValueError, match="expected a derivation check among"):
        DerivationChecker("no-such-exercise")
    with pytest.raises(TypeError, match="expected a catalogue name, an Exercise or a dict, got int"):
        DerivationChecker(3)
    with pytest.raises(ValueError, match="expected the key 'expected'"):
        DerivationChecker({"variables": ["a"]})
    with pytest.raises(ValueError, match=r"got also \['colour'\]"):
        DerivationChecker({"expected": "a", "variables": ["a"], "colour": "red"})
    with pytest.raises(TypeError, match="expected answer as text"):
        DerivationChecker("eq4", answer=3)


def test_widget_from_a_spec_dict():
    from mlp_lib.widgets.derivation_checker import DerivationChecker

    w = DerivationChecker(
        {"expected": "W @ a", "variables": [], "matrix_shapes": {"W": (2, 2), "a": (2, 1)}, "prompt": "z without bias"}
    )
    assert w.check("W @ a").ok
    assert "transpos" in w.check("W.T @ a").hint


def test_widget_sends_no_formula_to_the_page():
    """The page gets the fingerprint, never the expected, accepted or variant formulas."""
    from mlp_lib.widgets.derivation_checker import DerivationChecker

    w = DerivationChecker("softmax-general-phi")
    shown = json.dumps(w.get_state()["spec"])
    ex = EXERCISES["softmax-general-phi"]
    for text in (ex.expected, *ex.accepted, *(v for v, _ in ex.variants)):
        assert text not in shown


# ---------------------------------------------------------------------------
# a derivation checked line by line
# ---------------------------------------------------------------------------
BCE_CHAIN = ["(-y/a + (1 - y)/(1 - a))*a*(1 - a)", "-y*(1 - a) + (1 - y)*a", "-y + y*a + a - y*a", "a - y"]


def test_check_steps_accepts_a_right_chain():
    r = check_steps("sigmoid-bce-phi", BCE_CHAIN)
    assert r.ok and r.first_wrong is None and len(r.lines) == 4 and all(line.ok for line in r.lines)


def test_check_steps_finds_a_slip_in_the_first_line():
    steps = ["(-y/a - (1 - y)/(1 - a))*a*(1 - a)", *BCE_CHAIN[1:]]  # the source's sign slip, §3.2.1
    r = check_steps("sigmoid-bce-phi", steps)
    assert r.first_wrong == 0 and not r.ok
    assert "§3.2.1" in r.lines[0].hint and r.lines[0].counterexample is not None
    assert all(line.ok for line in r.lines[1:])  # every line gets its own verdict


def test_check_steps_finds_a_slip_in_a_middle_line():
    steps = [BCE_CHAIN[0], "-y*(1 - a) - (1 - y)*a", "a - y"]
    r = check_steps("sigmoid-bce-phi", steps)
    assert r.first_wrong == 1 and r.lines[0].ok and not r.lines[1].ok and r.lines[2].ok
    assert "line 2" in str(r) and "→ line 2" in str(r)


def test_check_steps_refuses_and_limits():
    with pytest.raises(TypeError, match="expected the steps as a list"):
        check_steps("sigmoid-bce-phi", "a - y")
    with pytest.raises(ValueError, match="expected 1 to 12 lines, got 0"):
        check_steps("sigmoid-bce-phi", [])
    with pytest.raises(ValueError, match="expected 1 to 12 lines, got 13"):
        check_steps("sigmoid-bce-phi", ["a - y"] * 13)
    with pytest.raises(ValueError, match="line 2 is empty"):
        check_steps("sigmoid-bce-phi", ["a - y", "  "])
    with pytest.raises(TypeError, match="expected line 1 as text"):
        check_steps("sigmoid-bce-phi", [3])
    r = check_steps("sigmoid-bce-phi", ["a - y", "__import__('os')"])  # a refused line is where it goes off
    assert r.first_wrong == 1 and "not allowed" in r.lines[1].message


def test_widget_checks_lines_with_sympy():
    from mlp_lib.widgets.derivation_checker import DerivationChecker

    w = DerivationChecker("sigmoid-bce-phi", lines=True)
    r = w.check("\n".join([BCE_CHAIN[0], "-y*(1 - a) - (1 - y)*a", "", "a - y"]))
    assert r.first_wrong == 1 and w.verdict["first_wrong"] == 1 and w.verdict["status"] == "wrong"
    assert [line["status"] for line in w.verdict["lines"]] == ["correct", "wrong", "correct"]
    assert w.verdict["message"].startswith("line 2 is the first")
    w.check("\n".join(BCE_CHAIN))
    assert w.verdict["status"] == "correct" and w.verdict["first_wrong"] is None
    w.check("  \n ")
    assert w.verdict["status"] == "refused" and "empty" in w.verdict["message"]
    with pytest.raises(TypeError, match="expected lines True or False"):
        DerivationChecker("eq4", lines="yes")
