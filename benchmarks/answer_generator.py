"""Generated answers for the derivation checker's agreement benchmark (``checker_agreement.py``).

For one catalogue exercise, :func:`generate` returns distinct answer texts that the catalogue
does not list, each with its kind:

``mutation``
    one to three edits of a catalogue answer (expected, accepted or a variant), made on its
    syntax tree: + and − exchanged; *, / and @ exchanged; two names swapped or one replaced;
    σ ↔ σ′ (and sigmoid, tanh, relu with their derivatives); a factor dropped or added; the whole
    times 2, 1/2, 1/n, m or −1; .T added or removed; an exponent changed; a term dropped; operands
    commuted and exact rewrites (x − y = −(y − x), ·1, +0, a double transpose, 2·x/2, a product
    distributed over a sum); the argument of σ (or another function) rewritten, equal or not
    (2·X/2, X·(1 + Y) − X·Y, sqrt(X²)); and near misses that only a careful checker sees: a tiny
    term ``1e-k*name`` (k = 3 … 40), ``exp(-k)``, a factor ``(1 + 1e-k)``, and factors or detours
    that differ from 1 by less than 16-digit numbers show (``exp(1e-15)``, ``1.0000000000001``,
    ``2 - tanh(20)**2``, ``(x + 1e-11 + 1e6) - 1e6``).
``unicode``
    a catalogue answer or a mutation spelled as a reader may type it: σ, σ′, ϕ, ᵀ, ·, ∘, ×, −,
    superscripts (a², n⁻¹, e⁻ᶻ), ½, ``^`` for ``**``, math-italic and fullwidth letters.
``random``
    random well-formed expressions over the exercise's names, numbers and functions, built to
    the answer's shape where the names allow it (so most are read and decided, not shape errors).
``typo``
    one or two characters of an answer deleted, inserted, replaced, doubled or swapped.
``malformed``
    texts a reader must refuse (or read exactly as Python does): unbalanced brackets, ``2n``,
    ``2(a - y)``, ``W^T``, ``Wᵀphi``, unknown names, keywords, indexing, strings, comments, line
    breaks, numbers too large, formulas too long or too deep, look-alike letters.

Everything is drawn from ``random.Random(f"{name}:{seed}")``: the same seed gives the same answers.

Run on its own to see a sample::

    python benchmarks/answer_generator.py eq2-matrix 40
"""

from __future__ import annotations

import ast
import copy
import random
import re
import sys

import sympy as sp

from mlp_lib.teaching import parser as ep
from mlp_lib.teaching.catalogue import EXERCISES, Exercise, get_exercise

KINDS = ("mutation", "unicode", "random", "typo", "malformed")
#: how often each kind is drawn (malformed texts stop when their templates run out)
WEIGHTS = {"mutation": 45, "unicode": 15, "random": 12, "typo": 18, "malformed": 10}

#: a function and the functions a reader may confuse it with
FUNCTION_SWAPS = {
    "sigma": ["sigma_prime"],
    "sigma_prime": ["sigma"],
    "sigmoid": ["sigmoid_prime", "sigma"],
    "sigmoid_prime": ["sigmoid", "sigma_prime"],
    "tanh": ["tanh_prime", "sigma"],
    "tanh_prime": ["tanh", "sigma_prime"],
    "relu": ["relu_prime", "step"],
    "relu_prime": ["relu", "step"],
    "step": ["relu", "relu_prime"],
    "exp": ["log"],
    "log": ["exp"],
    "softmax": ["exp"],
    "diag": ["T"],
    "sech": ["cosh"],
    "cosh": ["sech", "sinh"],
}
#: elementwise functions of the random expressions (the activation's come first, twice as likely)
_ELEMENTWISE = ["exp", "log", "sqrt", "tanh", "sigma", "sigma_prime", "sigmoid", "relu", "step", "cosh", "sech"]
_SIZE_NAMES = ("n", "m")


def catalogue_answers(ex: Exercise) -> list[str]:
    """The catalogue's own answers of ``ex``: expected, accepted, then the variants (no repeats)."""
    out = []
    for text in (ex.expected, *ex.accepted, *(v for v, _ in ex.variants)):
        if text not in out:
            out.append(text)
    return out


# ---------------------------------------------------------------------------------------
# The exercise's names, shapes and functions
# ---------------------------------------------------------------------------------------
class _Names:
    """What an exercise lets an answer use: names with their shapes (None for a scalar), the answer's shape."""

    def __init__(self, ex: Exercise):
        names = list(ex.variables) + [n for n in ex.matrix_shapes if n not in ex.variables]
        ns = ep.Namespace.build(names, ex.matrix_shapes or None, ex.fixed or None)
        self.shapes = {n: (tuple(v.shape) if isinstance(v, sp.MatrixBase) else None) for n, v in ns.values.items()}
        answer = ep.parse_expression(ex.expected, ns)
        self.answer_shape = tuple(answer.shape) if isinstance(answer, sp.MatrixBase) else None
        self.scalars = [n for n, s in self.shapes.items() if s is None]
        self.matrices = [n for n, s in self.shapes.items() if s is not None]
        self.sizes = [n for n in self.scalars if n in _SIZE_NAMES]
        self.dims = sorted({d for s in self.shapes.values() if s for d in s})
        act = {"generic": ["sigma", "sigma_prime"], "sigmoid": ["sigmoid", "sigma"], "tanh": ["tanh", "sigma"]}
        self.functions = act.get(ex.activation, ["relu", "step", "sigma"]) * 2 + _ELEMENTWISE


# ---------------------------------------------------------------------------------------
# Syntax-tree mutations (each returns a new tree, or None where it does not apply)
# ---------------------------------------------------------------------------------------
def _e(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _nodes(body, kind=ast.AST, where=lambda n: True) -> list:
    return [n for n in ast.walk(body) if isinstance(n, kind) and where(n)]


def _replace(body, target, new):
    """``body`` with the node ``target`` replaced by ``new``."""
    if body is target:
        return new

    class Swap(ast.NodeTransformer):
        def generic_visit(self, node):
            return new if node is target else super().generic_visit(node)

    return Swap().visit(body)


def _binops(body, *ops) -> list:
    return _nodes(body, ast.BinOp, lambda n: isinstance(n.op, ops))


def m_sign(body, rng, names):
    """+ ↔ −."""
    nodes = _binops(body, ast.Add, ast.Sub)
    if not nodes:
        return None
    n = rng.choice(nodes)
    n.op = ast.Sub() if isinstance(n.op, ast.Add) else ast.Add()
    return body


def m_product_operator(body, rng, names):
    """* / @ exchanged."""
    nodes = _binops(body, ast.Mult, ast.Div, ast.MatMult)
    if not nodes:
        return None
    n = rng.choice(nodes)
    n.op = rng.choice([op for op in (ast.Mult(), ast.Div(), ast.MatMult()) if type(op) is not type(n.op)])
    return body


def m_swap_names(body, rng, names):
    """Two names exchanged everywhere."""
    used = sorted({n.id for n in _nodes(body, ast.Name) if n.id in names.shapes})
    if len(used) < 2:
        return None
    p, q = rng.sample(used, 2)
    for n in _nodes(body, ast.Name):
        n.id = {p: q, q: p}.get(n.id, n.id)
    return body


def m_replace_name(body, rng, names):
    """One name replaced by another (of the same shape, more often than not)."""
    nodes = _nodes(body, ast.Name, lambda n: n.id in names.shapes)
    if not nodes or len(names.shapes) < 2:
        return None
    n = rng.choice(nodes)
    same = [m for m, s in names.shapes.items() if s == names.shapes[n.id] and m != n.id]
    others = [m for m in names.shapes if m != n.id]
    n.id = rng.choice(same if same and rng.random() < 0.7 else others)
    return body


def m_function(body, rng, names):
    """σ ↔ σ′ and the like."""
    nodes = _nodes(body, ast.Call, lambda n: isinstance(n.func, ast.Name) and n.func.id in FUNCTION_SWAPS)
    if not nodes:
        return None
    n = rng.choice(nodes)
    n.func.id = rng.choice(FUNCTION_SWAPS[n.func.id])
    return body


def m_drop_factor(body, rng, names):
    """A factor (of *, / or @) left out."""
    nodes = _binops(body, ast.Mult, ast.Div, ast.MatMult)
    if not nodes:
        return None
    n = rng.choice(nodes)
    return _replace(body, n, n.left if rng.random() < 0.5 else n.right)


def _factor(rng, names) -> str:
    name = rng.choice(list(names.shapes))
    if rng.random() < 0.4:
        return f"{rng.choice(names.functions)}({name})"
    return name


def m_add_factor(body, rng, names):
    """A part multiplied by a name or a function of one."""
    target = rng.choice(_nodes(body, ast.expr, lambda n: not isinstance(n, ast.Constant)) or [body])
    new = ast.BinOp(target, ast.Mult(), _e(_factor(rng, names)))
    if rng.random() < 0.5:
        new = ast.BinOp(_e(_factor(rng, names)), ast.Mult(), target)
    return _replace(body, target, new)


def m_constant_factor(body, rng, names):
    """The whole times 2, 1/2, 1/n, m, −1 (or divided by it)."""
    factors = ["2", "(1/2)", "0.5", "4", "3", "-1", "(2/3)"] + [f"(1/{s})" for s in names.sizes] + names.sizes
    c = rng.choice(factors)
    if rng.random() < 0.7:
        return _e(f"{c} * ({ast.unparse(body)})")
    return _e(f"({ast.unparse(body)}) / {c}")


def m_negate(body, rng, names):
    """The whole, or a part, negated."""
    target = body if rng.random() < 0.5 else rng.choice(_nodes(body, ast.expr))
    return _replace(body, target, ast.UnaryOp(ast.USub(), target))


def m_transpose(body, rng, names):
    """.T added to a name or to the whole, or removed."""
    ts = _nodes(body, ast.Attribute, lambda n: n.attr == "T")
    if ts and rng.random() < 0.5:
        n = rng.choice(ts)
        return _replace(body, n, n.value)
    if rng.random() < 0.3:
        return ast.Attribute(body, "T", ast.Load())
    nodes = _nodes(body, ast.Name, lambda n: n.id in names.shapes)
    if not nodes:
        return None
    n = rng.choice(nodes)
    return _replace(body, n, ast.Attribute(ast.Name(n.id, ast.Load()), "T", ast.Load()))


def m_exponent(body, rng, names):
    """An exponent changed, or a name squared."""
    pows = _binops(body, ast.Pow)
    if pows and rng.random() < 0.6:
        n = rng.choice(pows)
        n.right = _e(rng.choice(["1", "2", "3", "-1", "-2", "(1/2)", "0.5", "(-1/2)", "0", "4"]))
        return body
    nodes = _nodes(body, ast.Name, lambda n: n.id in names.shapes)
    if not nodes:
        return None
    n = rng.choice(nodes)
    return _replace(body, n, _e(f"{n.id} ** {rng.choice(['2', '-1', '3', '(1/2)'])}"))


def m_drop_term(body, rng, names):
    """A term of a sum left out."""
    nodes = _binops(body, ast.Add, ast.Sub)
    if not nodes:
        return None
    n = rng.choice(nodes)
    r = rng.random()
    if r < 0.4:
        return _replace(body, n, n.left)
    if r < 0.7 or isinstance(n.op, ast.Add):
        return _replace(body, n, n.right)
    return _replace(body, n, ast.UnaryOp(ast.USub(), n.right))


def m_tiny_term(body, rng, names):
    """A tiny term 1e-k·name (k = 3 … 40) added or subtracted; sometimes a tiny constant."""
    k = rng.randint(3, 40)
    sign = rng.choice(["+", "-"])
    name = rng.choice(list(names.shapes))
    term = f"1e-{k} * {name}" if rng.random() < 0.8 else f"1e-{k}"
    if rng.random() < 0.7:
        return _e(f"{ast.unparse(body)} {sign} {term}")
    target = rng.choice(_nodes(body, ast.expr))  # inside: a part of the answer shifted by a tiny amount
    return _replace(body, target, _e(f"({ast.unparse(target)} {sign} {term})"))


def m_exp_term(body, rng, names):
    """exp(−k) (a tiny number written as a function) added, alone or times a name."""
    k = rng.randint(1, 80)
    term = f"exp(-{k})" if rng.random() < 0.5 else f"exp(-{k}) * {rng.choice(list(names.shapes))}"
    return _e(f"{ast.unparse(body)} {rng.choice(['+', '-'])} {term}")


def m_tiny_factor(body, rng, names):
    """The whole, or a part, times (1 ± 1e-k)."""
    k = rng.randint(3, 40)
    factor = f"(1 {rng.choice(['+', '-'])} 1e-{k})"
    target = body if rng.random() < 0.6 else rng.choice(_nodes(body, ast.expr))
    new = _e(f"{factor} * ({ast.unparse(target)})") if rng.random() < 0.5 else _e(f"({ast.unparse(target)}) * {factor}")
    return _replace(body, target, new)


def m_commute(body, rng, names):
    """The operands of a + or * exchanged (equal), or of @ or − (mostly not)."""
    nodes = _binops(body, ast.Add, ast.Mult) if rng.random() < 0.8 else _binops(body, ast.MatMult, ast.Sub)
    if not nodes:
        return None
    n = rng.choice(nodes)
    n.left, n.right = n.right, n.left
    return body


def m_rewrite(body, rng, names):
    """An exact rewrite: x − y as −(y − x), ·1, +0, (xᵀ)ᵀ, 2·x/2, −(−x), a product distributed over a sum."""
    subs = _binops(body, ast.Sub)
    products = [
        n
        for n in _binops(body, ast.Mult)
        if isinstance(n.right, ast.BinOp) and isinstance(n.right.op, (ast.Add, ast.Sub))
    ]
    choice = rng.choice(["sub", "one", "zero", "tt", "two", "negneg", "distribute"])
    target = rng.choice(_nodes(body, ast.expr))
    t = ast.unparse(target)
    if choice == "sub" and subs:
        n = rng.choice(subs)
        return _replace(body, n, _e(f"-({ast.unparse(n.right)} - ({ast.unparse(n.left)}))"))
    if choice == "distribute" and products:
        n = rng.choice(products)
        a, s = ast.unparse(n.left), n.right
        op = "+" if isinstance(s.op, ast.Add) else "-"
        return _replace(body, n, _e(f"({a}) * ({ast.unparse(s.left)}) {op} ({a}) * ({ast.unparse(s.right)})"))
    new = {
        "one": f"({t}) * 1",
        "zero": f"({t}) + 0",
        "tt": f"(({t}).T).T",
        "two": f"2 * ({t}) / 2",
        "negneg": f"-(-({t}))",
    }.get(choice, f"(({t}))")
    return _replace(body, target, _e(new))


def m_near_miss(body, rng, names):
    """A factor or a detour that differs from doing nothing by less than 16-digit numbers show:
    exp(1e-k), 1.00…01 with 13–17 digits, 2 − tanh(k)², sigmoid(k), cosh(1e-k), tanh(1e-k)/1e-k, a
    huge number added and taken away again around a tiny term."""
    t = ast.unparse(body)
    k = rng.randint(5, 40)
    choice = rng.choice(["exp", "digits", "tanh", "sigmoid", "cosh", "linear", "cancel", "scaled", "power"])
    if choice == "cancel":
        return _e(f"(({t}) + 1e-{rng.randint(9, 14)} + 1e6) - 1e6")
    if choice == "scaled":
        return _e(f"((({t}) + 1e-{rng.randint(9, 14)}) * 1e-6 + 1 - 1) * 1e6")
    factor = {
        "exp": f"exp({rng.choice(['', '-'])}1e-{k})",
        "digits": "1." + "0" * rng.randint(11, 16) + rng.choice("123456789"),
        "tanh": f"(2 - tanh({rng.randint(12, 30)}) ** 2)",
        "sigmoid": f"sigmoid({rng.randint(25, 50)})",
        "cosh": f"cosh(1e-{rng.randint(7, 20)})",
        "linear": f"tanh(1e-{rng.randint(5, 12)}) / 1e-{rng.randint(5, 12)}",
        "power": "2 ** (1 / 1000000 / 1000000 / 1000000)",
    }[choice]
    return _e(f"{factor} * ({t})") if rng.random() < 0.5 else _e(f"({t}) * {factor}")


def m_sigma_argument(body, rng, names):
    """The argument X of σ or σ′ (or another function) written another way, equal or not:
    2·X/2, X + 0, −(−X), (Xᵀ)ᵀ, X·(1 + Y) − X·Y, X + Y − Y, log(exp(X)), sqrt(X²)."""
    calls = _nodes(
        body, ast.Call, lambda n: isinstance(n.func, ast.Name) and n.func.id not in ("T", "transpose") and n.args
    )
    if not calls:
        return None
    n = rng.choice(calls)
    x = ast.unparse(n.args[0])
    y = rng.choice(list(names.shapes))
    form = rng.choice(
        [
            "2 * ({x}) / 2",
            "({x}) + 0",
            "-(-({x}))",
            "(({x}).T).T",
            "({x}) * (1 + {y}) - ({x}) * {y}",
            "({x}) + {y} - {y}",
            "log(exp({x}))",
            "sqrt(({x}) ** 2)",
            "({x}) * 1",
            "({x}) / 1",
        ]
    )
    n.args[0] = _e(form.format(x=x, y=y))
    return body


MUTATIONS = [
    m_sign,
    m_product_operator,
    m_swap_names,
    m_replace_name,
    m_function,
    m_drop_factor,
    m_add_factor,
    m_constant_factor,
    m_negate,
    m_transpose,
    m_exponent,
    m_drop_term,
    m_tiny_term,
    m_exp_term,
    m_tiny_factor,
    m_commute,
    m_rewrite,
    m_near_miss,
    m_sigma_argument,
]


def mutate(text: str, rng: random.Random, names: _Names, edits: int = 1) -> str | None:
    """``text`` after ``edits`` random mutations (None if none applied)."""
    body = ast.parse(text, mode="eval").body
    done = 0
    for _ in range(4 * edits):
        if done == edits:
            break
        new = rng.choice(MUTATIONS)(copy.deepcopy(body), rng, names)
        if new is not None:
            body, done = new, done + 1
    if done == 0:
        return None
    out = ast.unparse(body)
    return out.replace(" ", "") if rng.random() < 0.15 else out


# ---------------------------------------------------------------------------------------
# Unicode spellings
# ---------------------------------------------------------------------------------------
_SUPER = dict(zip("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))
_SUPER_LETTER = dict(zip("abcdefghijklmnoprstuvwxyz", "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"))


def _sometimes(pattern, choices, text, rng, p=0.6):
    return re.sub(pattern, lambda m: m.expand(rng.choice(choices)) if rng.random() < p else m[0], text)


def unicode_spelling(text: str, rng: random.Random) -> str:
    """``text`` with some of its symbols in the Unicode spellings the reader knows."""
    t = text
    t = _sometimes(r"\bsigma_prime\(", ["σ′(", "σ'(", "σ’(", "𝜎′(", "sigma'("], t, rng)
    t = _sometimes(r"\b(sigmoid|tanh|relu)_prime\(", [r"\1′(", r"\1'("], t, rng)
    t = _sometimes(r"\bsigma\(", ["σ(", "𝜎(", "𝝈("], t, rng)
    t = _sometimes(r"\bphi\b", ["ϕ", "φ", "𝜙"], t, rng)
    t = _sometimes(r"\.T\b", ["ᵀ"], t, rng)
    t = _sometimes(r"\(1 ?/ ?2\) ?\* ?", ["½·", "½*", "½ "], t, rng)
    t = re.sub(
        r"(?<=[\w)]) ?\*\* ?\(?(-?\d)\)?(?![\d./])",
        lambda m: "".join(_SUPER[c] for c in m[1]) if rng.random() < 0.7 else m[0],
        t,
    )
    t = re.sub(
        r"\bexp\((-?)([a-z])\)",
        lambda m: (
            "e" + "".join(_SUPER[c] if c == "-" else _SUPER_LETTER.get(c, c) for c in m[1] + m[2])
            if rng.random() < 0.5 and m[2] in _SUPER_LETTER
            else m[0]
        ),
        t,
    )
    t = _sometimes(r"\*\*", ["^"], t, rng, 0.5)
    t = _sometimes(r" \* ", ["·", " · ", " ∘ ", "×", " ⊙ "], t, rng)
    t = _sometimes(r" - ", [" − ", "−", " – "], t, rng)
    t = _sometimes(r"^-", ["−"], t, rng)
    t = _sometimes(r" / ", ["÷", " ÷ "], t, rng, 0.2)
    if rng.random() < 0.05:  # a fullwidth letter (NFKC reads it as the plain one)
        t = re.sub(r"\b([a-z])\b", lambda m: chr(ord(m[1]) - ord("a") + ord("ａ")), t, count=1)
    return t


# ---------------------------------------------------------------------------------------
# Random expressions, shaped like the answer where the names allow it
# ---------------------------------------------------------------------------------------
def random_expression(rng: random.Random, names: _Names, shape, depth: int = 3) -> str:
    """A random expression of ``shape`` (None: a scalar) over the exercise's names."""
    leaf = _leaf(rng, names, shape)
    if depth <= 0 or (leaf is not None and rng.random() < 0.3):
        return leaf if leaf is not None else _any_leaf(rng, names)
    kinds = ["add", "mul", "func", "scale", "neg", "pow", "div"]
    if shape is not None:
        kinds += ["matmul", "matmul", "transpose"]
        if shape[0] == shape[1] and shape[0] > 1:
            kinds.append("diag")
        if shape[1] == 1:
            kinds.append("softmax")
    elif names.matrices:
        kinds.append("sum")
    kind = rng.choice(kinds)
    sub = lambda s=shape: random_expression(rng, names, s, depth - 1)  # noqa: E731
    if kind == "add":
        return f"{sub()} {rng.choice('+-')} {sub()}"
    if kind == "mul":
        return f"{_wrap(sub())} * {_wrap(sub())}"
    if kind == "div":
        return f"{_wrap(sub())} / {_wrap(sub())}"
    if kind == "func":
        return f"{rng.choice(names.functions)}({sub()})"
    if kind == "scale":
        c = rng.choice(["2", "0.5", "(1/2)", "3", "-1", *names.sizes, *names.scalars])
        return f"{c} * {_wrap(sub())}"
    if kind == "neg":
        return f"-{_wrap(sub())}"
    if kind == "pow":
        return f"{_wrap(sub())} ** {rng.choice(['2', '3', '-1', '(1/2)', '2'])}"
    if kind == "matmul":
        k = rng.choice(names.dims or [1])
        return f"{_wrap(sub((shape[0], k)))} @ {_wrap(sub((k, shape[1])))}"
    if kind == "transpose":
        return f"({sub((shape[1], shape[0]))}).T"
    if kind == "diag":
        return f"diag({sub((shape[0], 1))})"
    if kind == "softmax":
        return f"softmax({sub()})"
    return f"sum({random_expression(rng, names, names.shapes[rng.choice(names.matrices)], depth - 1)})"


def _wrap(text: str) -> str:
    return text if re.fullmatch(r"[\w.]+(\(.*\))?", text) else f"({text})"


def _leaf(rng, names, shape):
    if shape is None:
        return rng.choice(names.scalars + ["2", "1", "0.5", "3"]) if rng.random() < 0.8 or not names.scalars else None
    exact = [n for n, s in names.shapes.items() if s == shape]
    flipped = [f"{n}.T" for n, s in names.shapes.items() if s is not None and s == shape[::-1] and s != shape]
    pool = exact * 3 + flipped
    return rng.choice(pool) if pool else None


def _any_leaf(rng, names):
    return rng.choice(list(names.shapes))


# ---------------------------------------------------------------------------------------
# Typos and malformed texts
# ---------------------------------------------------------------------------------------
_TYPO_CHARS = "()()+-*/@.^ ,[]'\"#\\\n_0123456789aeyzTnm" + "σ·ᵀ²−ϕ"


def typo(text: str, rng: random.Random, names: _Names) -> str:
    """One or two characters deleted, inserted, replaced, doubled or swapped."""
    chars = _TYPO_CHARS + "".join(names.shapes)
    t = text
    for _ in range(rng.choice([1, 1, 2])):
        if not t:
            break
        i = rng.randrange(len(t))
        edit = rng.choice(["delete", "insert", "replace", "double", "swap"])
        if edit == "delete":
            t = t[:i] + t[i + 1 :]
        elif edit == "insert":
            t = t[:i] + rng.choice(chars) + t[i:]
        elif edit == "replace":
            t = t[:i] + rng.choice(chars) + t[i + 1 :]
        elif edit == "double":
            t = t[:i] + t[i] + t[i:]
        elif i + 1 < len(t):
            t = t[:i] + t[i + 1] + t[i] + t[i + 2 :]
    return t


_MALFORMED = [
    # brackets
    "({E}",
    "{E})",
    "(({E})",
    "{E}(",
    "({E}))",
    ")({E}",
    "[{E}]",
    "{{{E}}}",
    "()",
    "({A})({B})",
    "{A}()",
    # products without * and powers written the wrong way
    "2{A}",
    "2({E})",
    "2 ({E})",
    "2.5{A}",
    "{A}{B}",
    "{A} {B}",
    "{M}^T",
    "{M}^T @ {N}",
    "{M}ᵀ{N}",
    "{M}ᵀ{N}ᵀ",
    "{M}.T{N}",
    "{A}^-1",
    "{A}^(1/2)",
    "{A}**{B}",
    "{A}**(1/0)",
    "{A}**(1e400/1e400)",
    "{A}**(0/0)",
    "{A}**11",
    "{A}**-11",
    "(({A}**5)**5)**5",
    "{A}**(1/3)",
    "e**{A}",
    "e^({A})",
    "e⁻ᶻ",
    "{A}⁻¹",
    "{A}²",
    "{A}²³",
    # unknown names, functions, attributes
    "foo",
    "x_1",
    "{A}_1",
    "sigma",
    "sigma_prime",
    "sigma'",
    "sigma'({A})",
    "σ'({A})",
    "σ′",
    "phi2",
    "{A}.real",
    "{A}.__class__",
    "{A}.Tx",
    "{A}.t",
    "abs({A})",
    "max({A}, {B})",
    "exp({A}, {B})",
    "exp()",
    "exp({A},)",
    "sigma(,{A})",
    "np.exp({A})",
    "math.pi",
    "print({A})",
    "__import__('os')",
    "_{A}",
    "__{A}",
    "T",
    "T({A})",
    "transpose({A})",
    "sum({A})",
    "diag({A})",
    "softmax({A})",
    "{A}.T.T",
    "{A} .T",
    "{A}. T",
    "1 .T",
    "1..T",
    # keywords and Python syntax that is not allowed
    "lambda: {A}",
    "lambda {A}: {A}",
    "{A} if {B} else {A}",
    "{A} and {B}",
    "{A} or {B}",
    "not {A}",
    "{A} is {B}",
    "{A} in {B}",
    "None",
    "True",
    "False",
    "yield {A}",
    "await {A}",
    "import os",
    "def f(): pass",
    "{A} = {B}",
    "{A} == {B}",
    "{A} < {B}",
    "{A} != {B}",
    "{A} := 1",
    "({A} := 1)",
    "*{A}",
    "**{A}",
    "{A}, {B}",
    "({A}, {B})",
    "{A}[0]",
    "{A}[0:1]",
    "[{A}]",
    "{{{A}: 1}}",
    "[x for x in {A}]",
    "'{A}'",
    '"{A}"',
    "f'{A}'",
    "b'{A}'",
    "{A} // {B}",
    "{A} % {B}",
    "{A} & {B}",
    "{A} | {B}",
    "~{A}",
    "{A} << 1",
    "{A}; {B}",
    "{A} @= {B}",
    # empty, whitespace, comments, line breaks
    "",
    " ",
    "\t",
    "\n",
    "#",
    "# {A}",
    "{E} # comment",
    "{E}  # + 1",
    "{E}\n",
    "\n{E}",
    "{E}\n# c",
    "({A}\n+ {B})",
    "{A}\n+ {B}",
    "{A} + \\\n{B}",
    "{A} + \\ {B}",
    "{A}\r\n",
    "{A}\f",
    "{A}\x0b",
    # numbers
    "1e400",
    "1e400*{A}",
    "-1e400",
    "1e6*{A}",
    "1000000*{A}",
    "1000001*{A}",
    "1e-400*{A}",
    "9**9**9",
    "2**1000",
    "10**10",
    "0x1F*{A}",
    "0b101*{A}",
    "0o17*{A}",
    "1_000*{A}",
    "1__000*{A}",
    "0777*{A}",
    "00*{A}",
    "0_0*{A}",
    "1j*{A}",
    "1e5j",
    "1.e3*{A}",
    ".5*{A}",
    "5.*{A}",
    "1e*{A}",
    "1.5.5*{A}",
    "1if {A} else {B}",
    "0xg",
    "{A}*1.0000000000000001",
    "{A}*1.000000000000001",
    "{A}*0.3333333333333333*3",
    "{A}*1e-320",
    # operators doubled or missing
    "{A} +",
    "* {A}",
    "{A} ** ",
    "{A} +* {B}",
    "{A} -- {B}",
    "{A} ++ {B}",
    "{A} - - - {B}",
    "{A} @ @ {B}",
    "{A} / / {B}",
    "+{A}",
    "{A}..T",
    # look-alike and other characters
    "а",
    "{A} − {B}",
    "{A} – {B}",
    "{A} — {B}",
    "{A} ∗ {B}",
    "{A} ⋅ {B}",
    "{A}’",
    "{A} ≤ {B}",
    "α",
    "ℓ",
    "😀",
    "{A}\u00a0+ {B}",
    "{A}\u200b+ {B}",
    "ﬁ",
    "{A} ÷ {B}",
    # too long, too deep, too many parts
    "{LONG}",
    "{DEEP}",
    "{MANY}",
    "{POWERS}",
    # values that have no real value somewhere
    "1/0",
    "0/0",
    "log(0)",
    "sqrt(-1)",
    "log(-{A}**2 - 1)",
    "{A}/0",
    "0**-1",
    "e**e**e**e**3",
    "relu(e**e**e**e**3 - 1)",
]


def malformed_texts(ex: Exercise, names: _Names) -> list[str]:
    """The malformed templates filled in with the exercise's names and expected answer."""
    all_names = list(names.shapes)
    a = all_names[0]
    b = all_names[1] if len(all_names) > 1 else all_names[0]
    mats = names.matrices or all_names
    m = mats[0]
    n = next((x for x in all_names if x != m), m)
    fill = {
        "A": a,
        "B": b,
        "M": m,
        "N": n,
        "E": ex.expected,
        "LONG": " + ".join([a] * 130),
        "DEEP": "(" * 31 + a + ")" * 31,
        "MANY": "+".join([a] * 151),
        "POWERS": f"(({a}**10)**10)**2",
    }
    out = []
    for template in _MALFORMED:
        text = re.sub(r"\{(\w+)\}", lambda mm: fill[mm[1]], template.replace("{{", "\x00").replace("}}", "\x01"))
        text = text.replace("\x00", "{").replace("\x01", "}")
        if text not in out:
            out.append(text)
    return out


# ---------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------
def generate(exercise, count: int = 1000, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` distinct ``(kind, text)`` answers for ``exercise``, none of them a catalogue answer."""
    ex = get_exercise(exercise)
    rng = random.Random(f"{ex.name}:{seed}")
    names = _Names(ex)
    bases = catalogue_answers(ex)
    seen = set(bases)
    out: list[tuple[str, str]] = []
    malformed = malformed_texts(ex, names)
    rng.shuffle(malformed)
    mutated: list[str] = []
    kinds = list(WEIGHTS)
    weights = [WEIGHTS[k] for k in kinds]
    misses = 0
    while len(out) < count:
        kind = rng.choices(kinds, weights)[0]
        if kind == "malformed":
            if not malformed:
                continue
            text = malformed.pop()
        elif kind == "mutation":
            text = mutate(rng.choice(bases), rng, names, edits=rng.choice([1, 1, 1, 2, 2, 3]))
            if text is not None:
                mutated.append(text)
        elif kind == "unicode":
            text = unicode_spelling(rng.choice(bases + mutated[-50:]), rng)
        elif kind == "random":
            text = random_expression(rng, names, names.answer_shape, depth=rng.choice([1, 2, 2, 3]))
        else:
            text = typo(rng.choice(bases + mutated[-50:]), rng, names)
        if text is None or text in seen:
            misses += 1
            if misses > 100 * count:
                raise RuntimeError(f"{ex.name}: only {len(out)} distinct answers after {misses} repeats")
            continue
        seen.add(text)
        out.append((kind, text))
    return out


def main(argv=None) -> None:
    args = sys.argv[1:] if argv is None else argv
    name = args[0] if args else "eq2-matrix"
    count = int(args[1]) if len(args) > 1 else 30
    for kind, text in generate(name, count):
        print(f"{kind:10s} {text!r}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--all":
        for n in EXERCISES:
            generate(n, 1000)
            print(n, "ok")
    else:
        main()
