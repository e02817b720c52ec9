"""The page's derivation checker (web/checker_reader.js, web/checker_eval.js) agrees with SymPy's.

On the static website the checker decides in the browser from a fingerprint; in a notebook SymPy
decides. The full measurement is ``benchmarks/checker_agreement.py`` (every catalogue answer and
1000 generated answers per exercise); these tests keep its promises in the fast loop:

* every catalogue answer (expected, accepted, variants) gets SymPy's verdict from the page:
  correct, or wrong for a variant (SymPy's own verdicts on them are asserted by
  ``test_checker.py::test_catalogue_entry``; the slow test below asks SymPy again);
* the hard rule on a sample of generated answers per exercise: where the page says correct,
  SymPy accepts; the page's checker never fails;
* the page's reader refuses exactly what ``parser.parse_tree`` refuses, on malformed texts;
* near misses that 16-digit numbers cannot see are undecided in the page, never correct;
* the fingerprint carries no formula of the exercise.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest

from mlp_lib.teaching import checker
from mlp_lib.teaching import parser as ep
from mlp_lib.teaching.catalogue import EXERCISES
from mlp_lib.teaching.fingerprint import fingerprint
from mlp_lib.widgets.esm import assemble

from helpers import NODE, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from answer_generator import catalogue_answers, generate, malformed_texts  # noqa: E402

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")

DRIVER = ROOT / "tests" / "teaching" / "checker_page_driver.mjs"
#: the exercises of the fast loop (each kind: scalar and matrix, generic σ, sigmoid, tanh, ReLU, softmax with
#: one-hot targets over a batch, fixed matrices, sizes n and m); the others are slow (a fingerprint takes SymPy
#: 1–15 s; the two other softmax exercises take 2–4 s in the fast loop's tests)
FAST = [
    "mse-grad",
    "bce-grad",
    "two-layer-phi1",
    "tanh-derivative",
    "eq4",
    "relu-output-mse-phi",
    "relu-hidden-phi",
    "sigmoid-bce-phi",
    "he-factor",
    "capstone-batch-phi",
]
NAMES = [name if name in FAST else pytest.param(name, marks=pytest.mark.slow) for name in EXERCISES]
#: catalogue answers whose page verdict differs from SymPy's, with the reason (none today)
CATALOGUE_EXCEPTIONS: dict[tuple[str, str], str] = {}


@pytest.fixture(autouse=True)
def generous_time_limit(monkeypatch):
    """SymPy's verdicts here must not turn into timeouts on a busy machine."""
    monkeypatch.setattr(checker, "DEFAULT_TIMEOUT", 60.0)


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    path = tmp_path_factory.mktemp("checker_page") / "checker.mjs"
    path.write_text(assemble("checker_reader.js", "checker_eval.js", engine=False), encoding="utf-8")
    return path


def page(module, name: str, texts, *, read: bool = False) -> list[dict]:
    """The page's verdicts on ``texts`` for exercise ``name`` (``read``: only read them)."""
    job = {"fingerprints": {name: fingerprint(name)}, "tasks": [{"name": name, "text": t, "read": read} for t in texts]}
    proc = subprocess.run(
        [NODE, str(DRIVER), str(module)], input=json.dumps(job), capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)["results"]
    assert len(results) == len(texts)
    for text, r in zip(texts, results):
        assert "error" not in r, f"{name}: the page failed on {text!r}: {r['error']}"
    return results


def python_reads(name: str, text: str) -> bool:
    ex = EXERCISES[name]
    names = set(ex.variables) | set(ex.matrix_shapes) | set(ex.fixed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # 1if …: refused either way
        try:
            ep.parse_tree(text, names)
        except ep.ExpressionError:
            return False
    return True


# ---------------------------------------------------------------------------
# the catalogue's own answers
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_catalogue_answers_get_sympys_verdict(module, name):
    ex = EXERCISES[name]
    variants = {v for v, _ in ex.variants}
    texts = catalogue_answers(ex)
    for text, r in zip(texts, page(module, name, texts)):
        want = "wrong" if text in variants else "correct"
        if (name, text) in CATALOGUE_EXCEPTIONS:
            continue
        assert r["status"] == want, f"{name}: {text!r} → {r}"
        if text in variants:  # the page finds the variant's own hint, as SymPy does
            assert r["hint"] == dict(ex.variants)[text], f"{name}: {text!r} → {r}"


@pytest.mark.slow  # SymPy on every catalogue answer: about a minute
@pytest.mark.parametrize("name", list(EXERCISES))
def test_catalogue_answers_page_and_sympy_agree(module, name):
    ex = EXERCISES[name]
    texts = catalogue_answers(ex)
    for text, r in zip(texts, page(module, name, texts)):
        s = ex.check(text)
        assert (r["status"] == "correct") == s.ok, f"{name}: {text!r} → page {r}, SymPy {s}"


# ---------------------------------------------------------------------------
# generated answers: the hard rule
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_generated_answers_keep_the_hard_rule(module, name):
    """20 generated answers (mutations, Unicode, random, typos, malformed): correct in the page ⇒ SymPy accepts."""
    texts = [text for _, text in generate(name, 20, seed=7)]
    ex = EXERCISES[name]
    for text, r in zip(texts, page(module, name, texts)):
        assert r["status"] in ("correct", "wrong", "refused", "undecided"), f"{name}: {text!r} → {r}"
        if r["status"] == "correct":
            s = ex.check(text)
            assert s.ok, f"{name}: the page says correct for {text!r}, SymPy: {s}"


# the near misses: each differs from the right answer by less than 16-digit numbers can show
NEAR_MISSES = [
    ("mse-grad", "2*(a - y)/n + 1e-20*a"),
    ("mse-grad", "2*(a - y)/n*(1 - 1e-20)"),
    ("mse-grad", "2*(a - y)/n*exp(1e-15)"),
    ("mse-grad", "2*(a - y)/n*(2 - tanh(20)**2)"),
    ("mse-grad", "2*(a - y)/n*sigmoid(40)"),
    ("mse-grad", "2*(a - y)/n*cosh(1e-9)"),
    ("mse-grad", "2*(a - y)/n*tanh(1e-9)/1e-9"),
    ("mse-grad", "(2*(a - y)/n + 1e-11 + 1e6) - 1e6"),
    ("mse-grad", "((2*(a - y)/n + 1e-11)*1e-6 + 1 - 1)*1e6"),
    ("mse-grad", "2*(a - y)/n*1.000000000000002"),
    ("mse-grad", "2*(a - y)/n*2**(1/1000000/1000000/1000000)"),
    ("mse-grad", "2*(a - y)/n + exp(-50)"),
    ("mse-grad", "2*(a - y)/n + 1e-200*1e-200"),  # 0 in doubles (an underflow), 1e-400 for SymPy
    ("mse-grad", "2*(a - y)/n*(1.00001**3 - 3e-5 - 3e-10)"),  # the constant 1 + 1e-15
    ("mse-grad", "2*(a - y)/n*(cosh(1e-5) - 1e-10/2)"),  # 1 + 4e-22: a Taylor polynomial cancelled
    ("mse-grad", "2*(a - y)/n*(sqrt(1.00001) - 0.000005 + 0.00001**2/8)"),
    ("softmax-cce-phi", "a - y + 1e-18*softmax(z)"),
    ("relu-hidden-phi", "(W.T @ phi) * step(z) * exp(-1e-18)"),
    ("two-layer-phi1", "-2*w2*(y - a2)*sigma_prime(z1*(1 + z1) - z1*z1)"),  # σ′ of another argument for SymPy
]
#: near misses the page cannot decide that SymPy accepts on the exercise's domain (σ′ > 0)
NEAR_BUT_EQUAL = [("two-layer-phi1", "-2*w2*(y - a2)*sqrt(sigma_prime(z1)**2)")]


def test_near_misses_are_undecided_not_correct(module):
    for name in sorted({name for name, _ in NEAR_MISSES + NEAR_BUT_EQUAL}):
        texts = [text for n, text in NEAR_MISSES + NEAR_BUT_EQUAL if n == name]
        for text, r in zip(texts, page(module, name, texts)):
            assert r["status"] == "undecided", (name, text, r)


@pytest.mark.slow  # SymPy on each: a few seconds apiece
@pytest.mark.parametrize("name, text", NEAR_MISSES)
def test_sympy_rejects_the_near_misses(name, text):
    assert not EXERCISES[name].check(text).ok


@pytest.mark.slow  # SymPy on each: a few seconds apiece
@pytest.mark.parametrize("name, text", NEAR_BUT_EQUAL)
def test_sympy_accepts_what_is_equal_on_the_domain(name, text):
    assert EXERCISES[name].check(text).ok


def test_what_rounding_cannot_hide_is_still_decided(module):
    """A difference of 1e-9, or a term that matters at some point, is seen: wrong, not undecided."""
    texts = ["2*(a - y)/n*(1 + 1e-9)", "2*(a - y)/n + 1e-9*a", "2*(a - y)/n*exp(1e-9)", "2*(a - y)/n + 1e-3*exp(-a*a)"]
    assert [r["status"] for r in page(module, "mse-grad", texts)] == ["wrong"] * 4


BIG = "1" + "0" * 200
EQUAL_FORMS = [
    ("mse-grad", f"(2*(a - y))**({BIG}/{BIG})/n"),  # an exact exponent: the fraction of two 201-digit integers is 1
    ("mse-grad", "2*(a - y)/n  # the mean over n outputs"),  # a comment, as Python reads it
    ("mse-grad", "2*(a - y) \\\n / n"),  # a line joined by a backslash
    ("mse-grad", "# dL/da\n2*(a - y)/n"),
    ("mse-grad", "(2*a\n - 2*y)/n"),
    ("mse-grad", "2*(a - y)/n * exp(0*a)"),  # parts that are 0 exactly are no hidden parts
    ("mse-grad", "2*(a - y)/n + (a - a)"),
    ("mse-grad", "2*(a - y)/n*(0.1 + 0.2 - 0.3 + 1)"),  # 0.1 + 0.2 − 0.3 is 5.6e-17 in doubles, 0 exactly
    ("bce-grad", "(a - y)/(a**0.5 * a**(1/2) * (1 - a))"),  # fractional powers
]


def test_equal_forms_the_page_accepts(module):
    for name in sorted({name for name, _ in EQUAL_FORMS}):
        texts = [text for n, text in EQUAL_FORMS if n == name]
        for text, r in zip(texts, page(module, name, texts)):
            assert r["status"] == "correct", (name, text, r)


@pytest.mark.slow  # SymPy on each: a few seconds apiece
@pytest.mark.parametrize("name, text", EQUAL_FORMS)
def test_sympy_accepts_the_equal_forms(name, text):
    assert EXERCISES[name].check(text).ok


# ---------------------------------------------------------------------------
# the reader: the language of parser.py
# ---------------------------------------------------------------------------
READER_CASES = [
    "a - y # comment",
    "a - y\n# comment",
    "# comment\na - y",
    "# comment\n  a - y",  # unexpected indent
    "a - y \\",
    "a + \\\ny",
    "a + \\ y",
    "a\n- y",
    "(a\n- y)",
    "a**(1e400/1e400)",  # once raised ValueError in parser.py
    "a**1e400",
    "a**(1/0)",
    "a**(0/0)",
    "a**(" + "1" + "0" * 200 + "/" + "1" + "0" * 200 + ")",
    "a**(" + "11" + "0" * 199 + "/" + "1" + "0" * 200 + ")",  # 11: too large
    "((a**5)**5)**4",
    "((a**5)**5)**5",
    "a**(-1/2)",
    "a**-11",
    "1_000*a",
    "1__000*a",
    "0777*a",
    "00*a",
    "0x1F*a",
    "1if a else y",
    "1 .T",
    "1..T",
    "a.T.T",
    "sigma(a,)",
    "exp()",
    "2(a - y)",
    "2n",
    "a^T",
    "aᵀy",
    "lambda: a",
    "a[0]",
    "a.real",
    "__import__('os')",
    "'a'",
    "а",  # Cyrillic
    "",
    "   ",
    "(" * 31 + "a" + ")" * 31,
    "+".join(["a"] * 151),
    " + ".join(["a"] * 130),
]


@pytest.mark.parametrize("name", ["mse-grad", "relu-hidden-phi", "softmax-jacobian", "he-factor"])
def test_reader_refuses_what_the_parser_refuses(module, name):
    """The cases above (for mse-grad, whose names are a, y, n) and the generator's malformed texts."""
    from answer_generator import _Names

    ex = EXERCISES[name]
    cases = (READER_CASES if name == "mse-grad" else []) + malformed_texts(ex, _Names(ex))
    for text, r in zip(cases, page(module, name, cases, read=True)):
        py = python_reads(name, text)
        assert (r["status"] == "read") == py, f"{name}: {text!r}: parser {'reads' if py else 'refuses'}, page {r}"


# ---------------------------------------------------------------------------
# the fingerprint
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_fingerprint_carries_no_formula(name):
    """No expected, accepted or variant text in the page's data (a formula that is one name, e.g. eq4's
    ``phi``, is necessarily there as the name)."""
    ex = EXERCISES[name]
    fp = fingerprint(name)
    shown = [json.dumps(fp), json.dumps(fp, ensure_ascii=False)]
    for text in catalogue_answers(ex):
        if text in fp["names"]:
            continue
        for s in shown:
            assert text not in s, f"{name}: {text!r} is in the fingerprint"
