"""The derivation checker's verdicts hold: the hostile and unusual answers of the classroom trial.

* answers whose difference from the right one is nonzero — a tiny term, a tiny factor, a term that
  lives only beyond a kink, a square root of a negative number — are wrong, with a counterexample
  that an independent evaluation (mpmath, 60 digits, this file's own reading of the syntax tree)
  confirms; right answers written with superscripts are right;
* every hint that proposes a whole answer ("did you mean …?", "the right answer is k × yours")
  proposes one the checker accepts — in SymPy and in the page;
* counterexample values lie in the exercise's domains (σ, σ' in (0, 1), softmax columns positive
  and summing to 1, one-hot targets, sizes, intervals);
* refusals name what was typed and what to type instead;
* the page (fingerprint + checker_eval.js) never calls these answers correct;
* a fuzz test re-checks accepted answers independently at fresh points, near kinks too.
"""

from __future__ import annotations

import ast
import json
import random
import re
import subprocess
import sys
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from mlp_lib.teaching import checker
from mlp_lib.teaching import parser as ep
from mlp_lib.teaching.catalogue import EXERCISES, check

from helpers import NODE, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from answer_generator import catalogue_answers, unicode_spelling  # noqa: E402

#: the exercises whose proposals and counterexample domains are tested in the fast loop (every kind:
#: scalar, matrix, generic σ, sigmoid, ReLU, softmax outputs with one-hot targets over a batch, intervals)
FAST = [
    "mse-grad",
    "bce-grad",
    "two-layer-phi1",
    "relu-output-mse-phi",
    "sigmoid-bce-phi",
    "capstone-batch-phi",
]
NAMES = [name if name in FAST else pytest.param(name, marks=pytest.mark.slow) for name in EXERCISES]


@pytest.fixture(autouse=True)
def generous_time_limit(monkeypatch):
    """Verdicts must not turn into timeouts on a busy machine."""
    monkeypatch.setattr(checker, "DEFAULT_TIMEOUT", 60.0)


# ---------------------------------------------------------------------------
# an independent evaluation: the syntax tree read with mpmath at 60 digits
# ---------------------------------------------------------------------------
mpmath.mp.dps = 60


class NoValue(Exception):
    """The formula has no real value here (a square root or log of a negative number, 1/0)."""


def _sigmoid(t):
    return 1 / (1 + mpmath.exp(-t))


def _activation(ex, params):
    """(σ, σ') of the exercise; a generic σ is a concrete rising function drawn for the point."""
    if ex.activation == "sigmoid":
        return _sigmoid, lambda t: _sigmoid(t) * (1 - _sigmoid(t))
    if ex.activation == "tanh":
        return mpmath.tanh, lambda t: 1 - mpmath.tanh(t) ** 2
    if ex.activation == "relu":
        return (lambda t: t if t > 0 else mpmath.mpf(0)), (lambda t: mpmath.mpf(1 if t > 0 else 0))
    if isinstance(params, dict):  # a counterexample's own values of σ(…), σ'(…), by argument
        return (lambda t: params["σ"][t]), (lambda t: params["σ'"][t])
    al, be, ga, de = params
    return (lambda t: mpmath.mpf("0.05") + mpmath.mpf("0.9") * _sigmoid(al * t + be)), (
        lambda t: mpmath.mpf("0.05") + ga * mpmath.sech(de * t) ** 2
    )


def _elementwise(f, x):
    if isinstance(x, np.ndarray):
        return np.vectorize(f, otypes=[object])(x)
    return f(x)


def _sqrt(t):
    if t < 0:
        raise NoValue
    return mpmath.sqrt(t)


def _log(t):
    if t <= 0:
        raise NoValue
    return mpmath.log(t)


def _softmax(v):
    e = _elementwise(mpmath.exp, v)
    return e / sum(e.flat)


def _functions(sig, sigp):
    return {
        "exp": mpmath.exp,
        "log": _log,
        "ln": _log,
        "sqrt": _sqrt,
        "tanh": mpmath.tanh,
        "cosh": mpmath.cosh,
        "sinh": mpmath.sinh,
        "sech": mpmath.sech,
        "sigma": sig,
        "sigma_prime": sigp,
        "sigmoid": _sigmoid,
        "sigmoid_prime": lambda t: _sigmoid(t) * (1 - _sigmoid(t)),
        "tanh_prime": lambda t: 1 - mpmath.tanh(t) ** 2,
        "relu": lambda t: t if t > 0 else mpmath.mpf(0),
        "relu_prime": lambda t: mpmath.mpf(1 if t > 0 else 0),
        "step": lambda t: mpmath.mpf(1 if t > 0 else 0),
    }


def _number(node):
    exact = getattr(node, "exact", None)
    f = exact if exact is not None else Fraction(node.value)
    return mpmath.mpf(f.numerator) / f.denominator


def evaluate(text, ex, values, params):
    """The value of ``text`` (scalar mpf or 2-D object array) with ``values`` for the names; NoValue where none."""
    tree = ep.parse_tree(text, set(values) | set(ex.fixed))
    env = {**values, **{k: mp_array(v.tolist()) for k, v in ex.fixed.items()}}
    funcs = _functions(*_activation(ex, params))

    def run(node):
        if isinstance(node, ast.Constant):
            return _number(node)
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            return {"e": mpmath.e, "pi": mpmath.pi}[node.id]
        if isinstance(node, ast.UnaryOp):
            v = run(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Attribute):
            v = run(node.value)
            return v.T if isinstance(v, np.ndarray) else v
        if isinstance(node, ast.Call):
            name, v = node.func.id, run(node.args[0])
            if name in ("T", "transpose"):
                return v.T if isinstance(v, np.ndarray) else v
            if name == "sum":
                return sum(v.flat) if isinstance(v, np.ndarray) else v
            if name == "diag":
                return np.diag(v[:, 0]).astype(object) + mpmath.mpf(0)
            if name == "softmax":
                return _softmax(v)
            return _elementwise(funcs[name], v)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow) and isinstance(node.left, ast.Name) and node.left.id == "e":
                return _elementwise(mpmath.exp, run(node.right))
            if isinstance(node.op, ast.MatMult) and isinstance(node.left, ast.BinOp):
                if isinstance(node.left.op, (ast.Mult, ast.Div)):
                    try:
                        return binop(
                            node.op, binop(node.left.op, run(node.left.left), run(node.left.right)), run(node.right)
                        )
                    except ValueError:  # x * A @ y with no meaning as (x * A) @ y: x * (A @ y)
                        inner = binop(node.op, run(node.left.right), run(node.right))
                        return binop(node.left.op, run(node.left.left), inner)
            return binop(node.op, run(node.left), run(node.right))
        raise AssertionError(f"unexpected node {node!r}")

    def binop(op, a, b):
        if isinstance(op, ast.Pow):
            k = mpmath.mpf(b)
            whole = k == int(k)

            def power(t):
                if (t < 0 and not whole) or (t == 0 and k < 0):
                    raise NoValue
                return t ** (int(k) if whole else k)

            return _elementwise(power, a)
        if isinstance(op, ast.MatMult):
            return np.dot(a, b)
        if isinstance(op, ast.Div):
            if any(x == 0 for x in (b.flat if isinstance(b, np.ndarray) else [b])):
                raise NoValue
            return a / b
        return {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b}[type(op)]()

    return run(tree.body)


def mp_array(rows):
    return np.array([[mpmath.mpf(str(x)) for x in row] for row in rows], dtype=object)


def mp_values(v) -> list:
    """A counterexample value (number, text such as "1.9e-435", or nested rows) as a flat list of mpf."""
    return [mpmath.mpf(str(x)) for x in np.ravel(np.array(v, dtype=object))]


def entries(v):
    return list(v.flat) if isinstance(v, np.ndarray) else [v]


def differ(got, expected, lost=15) -> bool:
    """Not equal to all but ``lost`` of the working digits, relative to the values' size."""
    tol = mpmath.mpf(10) ** (lost - mpmath.mp.dps)
    return any(abs(g - x) > tol * max(abs(g), abs(x)) for g, x in zip(entries(got), entries(expected)))


# ---------------------------------------------------------------------------
# points: in the exercise's domains, spread out, and near the constants of the answer (kinks)
# ---------------------------------------------------------------------------
def _domain(ex, name):
    base = name.split("_")[0]
    return ex.domains.get(name, "size" if base in ("n", "m") else None)


def _scalar(rng, domain, near):
    if domain == "size":
        return mpmath.mpf(rng.randint(1, 1000))
    if isinstance(domain, tuple):
        lo, hi = domain
        return mpmath.mpf(lo) + (mpmath.mpf(hi) - lo) * mpmath.mpf(rng.uniform(1e-6, 1 - 1e-6))
    r = rng.random()
    if near and r < 0.4:  # close to (±) a number of the answer: where relu(z − 1000) switches on
        c = rng.choice(near)
        return mpmath.mpf(rng.choice((-1, 1)) * c + rng.choice((-1, 1)) * 10 ** rng.uniform(-4, 0))
    if r < 0.7:
        return mpmath.mpf(rng.uniform(-3, 3))
    return mpmath.mpf(rng.choice((-1, 1)) * 10 ** rng.uniform(-3, 2.5))  # e^±316: within 1000 digits


def draw(ex, rng, near=()):
    """Values for every name (relations computed from the others) and the parameters of a generic σ."""
    values = {}
    for name in list(ex.variables) + [n for n in ex.matrix_shapes if n not in ex.variables]:
        if name in ex.relations:
            continue
        domain = _domain(ex, name)
        shape = ex.matrix_shapes.get(name)
        if shape is None:
            values[name] = _scalar(rng, domain, near)
            continue
        m = np.empty(shape, dtype=object)
        for c in range(shape[1]):
            if domain == "one-hot":
                hot = rng.randrange(shape[0])
                m[:, c] = [mpmath.mpf(int(r == hot)) for r in range(shape[0])]
            elif domain == "softmax":
                w = [mpmath.mpf(rng.uniform(0.01, 1)) for _ in range(shape[0])]
                m[:, c] = [x / sum(w) for x in w]
            else:
                m[:, c] = [_scalar(rng, domain, near) for _ in range(shape[0])]
        values[name] = m
    params = [mpmath.mpf(rng.uniform(0.5, 2)), mpmath.mpf(rng.uniform(-1, 1))]
    params += [mpmath.mpf(rng.uniform(0.1, 0.9)), mpmath.mpf(rng.uniform(0.5, 1.5))]
    for name, rel in ex.relations.items():
        values[name] = evaluate(rel, ex, values, params)
    return values, params


def numbers_in(text):
    return sorted({float(x) for x in re.findall(r"\d+(?:\.\d*)?(?:e[+-]?\d+)?", text) if 0 < float(x) < 1e6})


def agree_independently(ex, text, points=40, seed=99):
    """None if ``text`` equals the expected answer at ``points`` fresh points (where the expected one is
    defined), else the first disagreement."""
    rng = random.Random(f"{ex.name}:{text}:{seed}")
    near = numbers_in(text)
    for _ in range(points):
        values, params = draw(ex, rng, near)
        try:
            expected = evaluate(ex.expected, ex, values, params)
        except NoValue:
            continue
        if _disagree(ex, text, values, params, expected):
            with mpmath.workdps(1000):  # 1 − σ(300) is 0 in 60 digits: look again with more
                values, _ = draw_again(ex, values, params)
                expected = evaluate(ex.expected, ex, values, params)
                problem = _disagree(ex, text, values, params, expected, lost=450)
            if problem:
                return problem
    return None


def _disagree(ex, text, values, params, expected, lost=15):
    try:
        got = evaluate(text, ex, values, params)
    except NoValue:
        return f"no value at {values}"
    return f"differs at {values}: {got} vs {expected}" if differ(got, expected, lost) else None


def draw_again(ex, values, params):
    """The same point with the relations recomputed at the current precision."""
    values = {k: v for k, v in values.items() if k not in ex.relations}
    for name, rel in ex.relations.items():
        values[name] = evaluate(rel, ex, values, params)
    return values, params


def confirms(ex, text, counterexample) -> bool:
    """Does the counterexample show a real difference (or no value) in the independent evaluation, at
    1000 digits (of which 450 may cancel)? (A generic σ takes the counterexample's values σ(z_11) = …, looked up by argument.)"""
    with mpmath.workdps(1000):
        return _confirms(ex, text, counterexample)


def _confirms(ex, text, counterexample) -> bool:
    values, funcs = {}, {"σ": {}, "σ'": {}}
    for name, v in counterexample["values"].items():
        if name in ex.relations or name.startswith("σ"):
            continue
        values[name] = mp_array(v) if isinstance(v, list) else mpmath.mpf(str(v))
    for key, v in counterexample["values"].items():
        m = re.fullmatch(r"(σ'?)\((\w+?)(?:_(\d)(\d))?\)", key)
        if m:
            arg = values[m[2]] if m[3] is None else values[m[2]][int(m[3]) - 1, int(m[4]) - 1]
            funcs[m[1]][arg] = mpmath.mpf(str(v))
    for name, rel in ex.relations.items():
        values[name] = evaluate(rel, ex, values, funcs)
    expected = evaluate(ex.expected, ex, values, funcs)
    try:
        got = evaluate(text, ex, values, funcs)
    except NoValue:
        return True
    return differ(got, expected, lost=450)


# ---------------------------------------------------------------------------
# 1. the trial's answers: wrong ones are wrong (confirmed independently), right ones right
# ---------------------------------------------------------------------------
WRONG = [
    ("sigmoid-bce-phi", "a - y + 1e-30*z", "e-30"),  # a nonzero difference, not a constant
    ("sigmoid-bce-phi", "(a - y)*(1 + 1e-30)", "e-31"),
    ("sigmoid-bce-phi", "a - y + relu(z - 1000)", None),  # 0 where the points usually are
    ("sigmoid-bce-phi", "(a - y)*step(z + 1000)", None),
    ("sigmoid-bce-phi", "a - y + 1e-400", "e-400"),  # a float would read 1e-400 as 0
    ("sigmoid-bce-phi", "sqrt(a-y)**2", None),  # no real value where a < y
    ("bce-grad", "-y/a + (1 - y)/(1 - a) + relu(a - 0.99999)", "5.00e-6"),  # a kink near the end of (0, 1)
    ("relu-hidden-phi", "(W.T @ phi) * step(z - 500)", None),  # a kink in one entry of a matrix
    ("mse-grad", "2*exp(log(a - y))/n", None),  # SymPy writes exp(log(t)) as t: no value where t ≤ 0
]
RIGHT = [
    ("he-factor", "2*n⁻¹"),
    ("sigmoid-derivative", "e⁻ᶻ/(1+e⁻ᶻ)²"),
    ("bce-grad", "(-y/a + (1 - y)/(1 - a))*step(1.00001 - a)"),  # its kink lies outside a's domain (0, 1)
    ("softmax-jacobian", "diag(a) - a @ a.T*sum(a)"),  # softmax columns sum to 1
]


@pytest.mark.parametrize("name, text, shown", WRONG)
def test_nonzero_differences_are_wrong(name, text, shown):
    ex = EXERCISES[name]
    r = check(name, text)
    assert not r.ok and r.decided, str(r)
    assert r.counterexample is not None, str(r)
    if shown:  # a difference too small for the values shown is stated
        assert shown in r.message, str(r)
    assert confirms(ex, text, r.counterexample), f"the counterexample does not show a difference: {r}"


@pytest.mark.parametrize("name, text", RIGHT)
def test_right_answers_stay_right(name, text):
    r = check(name, text)
    assert r.ok, str(r)
    assert agree_independently(EXERCISES[name], text) is None


def test_sqrt_of_a_negative_number_has_no_value_even_when_squared():
    r = check("sigmoid-bce-phi", "sqrt(a-y)**2")
    assert r.counterexample["got"] == "undefined"
    cx = r.counterexample["values"]
    assert cx["a"] < cx["y"], cx
    assert r.hint is None and r.proposal is None  # no repair keeps a value there


def test_kinks_are_sampled_on_both_sides():
    """The counterexample lies beyond the threshold, where the term lives."""
    assert check("sigmoid-bce-phi", "a - y + relu(z - 1000)").counterexample["values"]["z"] > 1000
    assert check("sigmoid-bce-phi", "(a - y)*step(z + 1000)").counterexample["values"]["z"] < -1000


def test_numbers_are_read_as_written():
    ns = ep.Namespace.build(["a"])
    assert ep.parse_expression("1e-400 + a", ns) - ns.values["a"] == ep.sp.Rational(1, 10**400)
    assert ep.parse_expression("0.1000000000000000000001", ns) == ep.sp.Rational(10**21 + 1, 10**22)
    with pytest.raises(ep.ExpressionError, match="exponent beyond"):
        ep.parse_expression("1e-5000 + a", ns)


# ---------------------------------------------------------------------------
# 2. messages name what was typed and what to type instead
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, text, words",
    [
        ("eq2-matrix", "W^T phi", ["W^T phi", "write W.T @ phi"]),
        ("eq2-matrix", "Wᵀφ", ["Wᵀφ", "write W.T @ phi"]),
        ("eq2-matrix", "Wᵀ phi * σ'(z)", ["write W.T @ phi * sigma_prime(z)"]),
        ("mse-grad", "2(a-y)/n", ["2(a - y)", "write 2*(a - y)"]),
        ("he-factor", "2n", ["you typed 2n", "write 2*n"]),
    ],
)
def test_refusals_say_what_to_type(name, text, words):
    r = check(name, text)
    assert not r.ok
    said = f"{r.message} {r.hint}"
    for w in words:
        assert w in said, said
    fixed = re.search(r"write (.+?) \(", r.hint or "")
    if fixed:  # what it says to type reads
        ex = EXERCISES[name]
        ep.parse_tree(fixed[1], set(ex.variables) | set(ex.matrix_shapes) | set(ex.fixed))


@pytest.mark.parametrize("name, text, latex", [("he-factor", "½", r"\frac{1}{2}"), ("mse-grad", "a⁴", "a^{4}")])
def test_unicode_numbers_are_read_as_numbers(name, text, latex):
    r = check(name, text)
    assert r.latex is not None and latex in r.latex, r.latex
    assert "U+" not in r.message and "'a4'" not in r.message


# ---------------------------------------------------------------------------
# 3. every proposed answer is accepted
# ---------------------------------------------------------------------------
def proposing_answers(ex) -> list:
    """Wrong answers that make the checker propose a whole answer: the right one times a constant
    (a ratio hint), and each product of the right one written as the other product (@ for ∘, ∘ for
    @) or with a transpose dropped (a repair of a product whose shapes do not fit)."""
    out = [f"3*({ex.expected})"]
    if ex.matrix_shapes:
        text = ex.expected
        for i in [m.start() for m in re.finditer(r"(?<= )\*(?= )", text)]:
            out.append(text[:i] + "@" + text[i + 1 :])
        for m in re.finditer(r"\.T\b", text):
            out.append(text[: m.start()] + text[m.end() :])
    return out


def test_catalogue_hints_propose_no_expression():
    """The exercises' own hints explain; none proposes an answer to type."""
    for ex in EXERCISES.values():
        for _, hint in ex.variants:
            assert "did you mean" not in hint and " @ " not in hint and "×" not in hint, (ex.name, hint)


@pytest.mark.parametrize("name", NAMES)
def test_proposals_are_accepted_and_counterexamples_in_the_domain(name):
    ex = EXERCISES[name]
    proposals = 0
    for text in proposing_answers(ex):
        r = check(name, text)
        assert not r.ok, (text, str(r))
        if r.counterexample is not None:
            assert_in_domain(ex, r.counterexample)
        if r.proposal is not None:
            proposals += 1
            assert r.proposal in (r.hint or "") or "×" in r.hint, r
            assert check(name, r.proposal).ok, f"{name}: {text!r} → proposes {r.proposal!r}, which is rejected"
        else:
            assert "did you mean" not in (r.hint or ""), r
    assert proposals >= 1  # the ratio hint at least


def test_matrix_product_typed_for_the_elementwise_one():
    r = check("eq2-matrix", "(W.T @ phi) @ sigma_prime(z)")
    assert r.proposal is not None and r.hint == f"did you mean {r.proposal}?"
    assert check("eq2-matrix", r.proposal).ok
    r = check("eq2-matrix", "W @ phi")  # no repair of the product alone is right: no proposal
    assert r.proposal is None and "did you mean" not in r.hint and "transposed" in r.hint


# ---------------------------------------------------------------------------
# 4. counterexample values lie in the domains
# ---------------------------------------------------------------------------
def assert_in_domain(ex, cx):
    for key, v in cx["values"].items():
        xs = mp_values(v)
        if key.startswith(("σ(", "σ'(")):
            assert all(0 < x < 1 for x in xs), (ex.name, key, v)
            continue
        if key in ex.relations:
            rel = ex.relations[key]
            if ex.activation == "sigmoid" or "softmax" in rel:
                assert all(0 < x < 1 for x in xs), (ex.name, key, v)
            if ex.activation == "tanh":
                assert all(-1 < x < 1 for x in xs), (ex.name, key, v)
            if ex.activation == "relu":
                assert all(x >= 0 for x in xs), (ex.name, key, v)
            continue
        domain = _domain(ex, key)
        arr = np.array(v, dtype=float)
        if domain == "size":
            assert v == int(v) and v >= 1, (ex.name, key, v)
        elif isinstance(domain, tuple):
            assert np.all((domain[0] < arr) & (arr < domain[1])), (ex.name, key, v)
        elif domain == "one-hot":
            assert np.all((arr == 0) | (arr == 1)) and np.all(arr.sum(axis=0) == 1), (ex.name, key, v)
        elif domain == "softmax":
            assert np.all(arr > 0) and np.allclose(arr.sum(axis=0), 1), (ex.name, key, v)


def test_the_trial_counterexamples_are_in_the_domain():
    """σ was −1.28 and a "softmax output" (−0.02, 1.89): now σ in (0, 1) and columns summing to 1."""
    r = check("eq2-matrix", "(W.T @ phi) * sigma(z)")
    assert r.counterexample and any(k.startswith("σ(") for k in r.counterexample["values"])
    assert_in_domain(EXERCISES["eq2-matrix"], r.counterexample)
    for name, text in [("softmax-jacobian", "diag(a) - a.T @ a"), ("softmax-general-phi", "a * g")]:
        r = check(name, text)
        assert_in_domain(EXERCISES[name], r.counterexample)
        assert "a" in r.counterexample["values"]


# ---------------------------------------------------------------------------
# 5. the page never calls them correct, and proposes only what SymPy accepts
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def page_module(tmp_path_factory):
    from mlp_lib.widgets.esm import assemble

    path = tmp_path_factory.mktemp("checker_page") / "checker.mjs"
    path.write_text(assemble("checker_reader.js", "checker_eval.js", engine=False), encoding="utf-8")
    return path


def page(module, cases):
    from mlp_lib.teaching.fingerprint import fingerprint

    names = sorted({n for n, _ in cases})
    job = {
        "fingerprints": {n: fingerprint(n) for n in names},
        "tasks": [{"name": n, "text": t, "read": False} for n, t in cases],
    }
    proc = subprocess.run(
        [NODE, str(ROOT / "tests" / "teaching" / "checker_page_driver.mjs"), str(module)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["results"]


@pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
def test_page_never_calls_the_trial_answers_correct(page_module):
    cases = [(n, t) for n, t, _ in WRONG] + [("mse-grad", "2*(sqrt(a - y + 1000)**2 - 1000)/n")]
    results = page(page_module, cases)
    for (name, text), r in zip(cases, results):
        assert r["status"] in ("wrong", "undecided"), (name, text, r)
    by_text = dict(zip([t for _, t in cases], results))
    assert by_text["a - y + 1e-400"]["status"] == "undecided" and "1e-400" in by_text["a - y + 1e-400"]["message"]
    assert "kink" in by_text["a - y + relu(z - 1000)"]["message"]
    assert by_text["sqrt(a-y)**2"]["status"] == "wrong"
    right = page(page_module, RIGHT[:2])
    assert [r["status"] for r in right] == ["correct", "correct"]


@pytest.mark.slow  # SymPy on every proposal of the fast exercises: seconds
@pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
def test_page_proposals_are_accepted_by_sympy(page_module):
    """On exercises whose fingerprints the page tests build anyway (the slow sweep takes all)."""
    _page_proposals(page_module, ["mse-grad", "relu-hidden-phi", "sigmoid-bce-phi", "capstone-batch-phi"])


@pytest.mark.slow  # a fingerprint and SymPy checks for every exercise: minutes
@pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
def test_page_proposals_are_accepted_by_sympy_everywhere(page_module):
    _page_proposals(page_module, list(EXERCISES))


def _page_proposals(page_module, names):
    cases = [(name, text) for name in names for text in proposing_answers(EXERCISES[name])]
    cases += [("relu-hidden-phi", "(W.T @ phi) @ step(z)"), ("mse-grad", "4*(a - y)/n*(1 + 1e-12)")]
    results = page(page_module, cases)
    proposed = [(name, r["proposal"]) for (name, _), r in zip(cases, results) if r.get("proposal")]
    assert len(proposed) >= len(names)
    for (name, text), r in zip(cases, results):
        if not r.get("proposal"):
            assert "did you mean" not in (r["hint"] or "") and "× yours" not in (r["hint"] or ""), (name, text, r)
    for name, proposal in proposed:
        assert check(name, proposal).ok, f"the page proposes {proposal!r} for {name}, SymPy rejects it"
    product = results[-2]  # the matrix product typed where ∘ belongs
    assert product["proposal"] and product["hint"] == f"did you mean {product['proposal']}?", product
    tiny = results[-1]  # 2 × (1 + 1e-12) is no constant factor: no ratio hint
    assert tiny["status"] == "wrong" and tiny["proposal"] is None and tiny["hint"] is None, tiny


# ---------------------------------------------------------------------------
# 6. fuzz: accepted answers agree with the right one at fresh points (near kinks too)
# ---------------------------------------------------------------------------
FUZZ = ["sigmoid-bce-phi", "relu-output-mse-phi", "tanh-derivative", "eq2-matrix"]


@pytest.mark.slow  # SymPy and mpmath on generated answers: seconds
def test_fuzz_accepted_answers_agree_independently():
    """Catalogue answers in random Unicode spellings, each plus a random tiny or thresholded term (or
    none): whatever SymPy accepts must agree with the right answer at 40 fresh points (mpmath, in the
    domains, near the numbers of the answer), and whatever it rejects with a counterexample must differ
    there."""
    rng = random.Random(2026)
    extras = ["", "", " + 0*{v}", " + 1e-{k}*{v}", " + relu({v} - {c})", " + 1e-{k}"]
    accepted = rejected = 0
    for name in FUZZ:
        ex = EXERCISES[name]
        scalar = [n for n in ex.variables if n not in ex.relations and n not in ("n", "m")]
        for base in rng.sample(catalogue_answers(ex), 2):
            text = unicode_spelling(base, rng)
            extra = rng.choice(extras)
            if extra and scalar:
                text = (
                    f"{text}{extra.format(v=rng.choice(scalar), k=rng.choice([20, 35, 60]), c=rng.choice([50, 300]))}"
                )
            elif extra:
                continue
            r = check(name, text)
            if r.ok:
                accepted += 1
                assert agree_independently(ex, text) is None, (name, text, str(r))
            elif r.counterexample is not None:
                rejected += 1
                assert confirms(ex, text, r.counterexample), (name, text, str(r))
    assert accepted >= 3 and rejected >= 1, (accepted, rejected)


@pytest.mark.parametrize("name", ["bce-grad", "softmax-jacobian", "capstone-batch-phi", "he-factor"])
def test_page_points_are_in_the_domain(name):
    """The page's counterexamples are its test points: softmax columns sum to 1, targets are one-hot."""
    from mlp_lib.teaching.fingerprint import fingerprint

    ex = EXERCISES[name]
    fp = fingerprint(name)
    for point in fp["points"]:
        assert_in_domain(ex, {"values": {k: v for k, v in point["values"].items() if k not in ex.fixed}})
    assert sorted(fp["bounded"]) == sorted(n for n, d in ex.domains.items() if d != "size")
