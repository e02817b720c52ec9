"""A safe parser from a student's typed formula to a SymPy expression.

The derivation checker (:mod:`mlp_lib.teaching.checker`) must never run what a student
types. This module reads the text with :func:`ast.parse` — used *only* as a
parser: nothing is compiled or evaluated — and then walks the syntax tree with a
whitelist, building the SymPy objects itself (``sp.Add``, ``sp.Mul``, ``sp.Pow``,
``sp.exp`` …). ``sympify``, ``parse_expr`` and ``eval`` are never called on the
text.

What is allowed
---------------
* numbers: integers and decimals with ``|value| ≤ 1e6`` (no complex numbers, no strings), read
  exactly as written (``1e-400`` is 10⁻⁴⁰⁰, not the 0 a float would make of it; a decimal exponent
  of at most :data:`MAX_DECIMAL_EXPONENT` in absolute value);
* the names the exercise declares (e.g. ``a``, ``y``, ``z``, ``W``, ``phi``), plus
  ``pi`` and ``e`` (Euler's number, unless the exercise declares a variable ``e``);
* ``+ - * / **`` and unary ``+ -``; ``^`` means power (it is rewritten to ``**``
  before parsing, so there is no bitwise xor);
* ``@`` is the matrix product; in matrix exercises ``*`` and ``/`` are
  *elementwise* (the book's ∘), as in NumPy; a scalar (or a 1×1 matrix such as
  ``a.T @ g``) combines with a matrix entry by entry (``1 - a`` is ``𝟙 − a``);
* ``x.T``, ``T(x)`` or ``transpose(x)`` for the transpose (the only attribute);
* calls of the functions in :data:`FUNCTIONS`, with positional arguments only.

Everything else is refused *before anything is built*, with a message that says
what was not allowed: other attributes (``a.real``, ``a.__class__``), indexing
``x[0]``, ``lambda``, comprehensions, lists/tuples, comparisons, ``and``/``or``,
``… if … else …``, ``:=``, strings and f-strings, keyword or ``*`` arguments,
names starting with ``_`` and any name the exercise did not declare.

Limits (all checked before any SymPy object exists): at most
:data:`MAX_LENGTH` characters, :data:`MAX_DEPTH` levels of nesting,
:data:`MAX_NODES` syntax-tree nodes, number constants up to
:data:`MAX_CONSTANT`, and powers only with a *number* exponent of absolute
value at most :data:`MAX_EXPONENT` (``2**1000`` and ``9**9**9`` are refused;
nested powers may multiply their exponents up to :data:`MAX_TOTAL_EXPONENT`).
Write ``exp(z)`` (or ``e**z``) for e to a symbolic power.

Unicode: ``σ`` → ``sigma``, ``ϕ``/``φ`` → ``phi``, ``σ'``/``σ′``/``σ’`` → ``sigma_prime``
(likewise ``relu'``, ``tanh'``, ``sigmoid'``), ``−`` → ``-``, ``·``/``×``/``∘`` → ``*``,
``ᵀ`` → ``.T``, ``½`` → ``(1/2)`` (likewise ⅓ ⅔ ¼ ¾), and a run of superscripts is an exponent:
``a²`` → ``a**(2)``, ``n⁻¹`` → ``n**(-1)``, ``e⁻ᶻ`` → ``e**(-z)``. Then the text is NFKC-normalised, so the
mathematical alphabets (math-italic ``𝜎`` U+1D70E, bold ``𝝈``, ``𝜙``, fullwidth ``ａ``) read
as their plain letters; the final sigma ``ς`` is σ too. Any other character outside ASCII is
refused with its code point and name, and the letter it looks like (a Cyrillic ``а``
U+0430 is not the Latin ``a``).

Precedence: as in NumPy, ``*``, ``/`` and ``@`` group left to right. In a matrix exercise
``x * A @ y`` that has no meaning as ``(x * A) @ y`` (shapes) is read as ``x * (A @ y)``,
the book's ``x ∘ A y``. A column (or row) combines entrywise with a matrix of the same
number of rows (columns) by repeating it, as NumPy broadcasts a bias column.

All of this — the checks above — is linear in the length of the text and builds no
numbers: the checker runs it in the caller. Building the SymPy objects (:func:`to_sympy`),
where SymPy may evaluate numbers, runs in the checker's time-limited child process.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from copy import deepcopy
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from .. import symbolic

MAX_LENGTH = 500
MAX_DEPTH = 30
MAX_NODES = 300
MAX_CONSTANT = 1e6
MAX_EXPONENT = 10
MAX_TOTAL_EXPONENT = 100
#: the largest |k| of a number written with an exponent, 1e-k or 1ek
MAX_DECIMAL_EXPONENT = 1000


class ExpressionError(ValueError):
    """The typed formula was refused or is not well formed (the message says why)."""


# ---------------------------------------------------------------------------
# Activation placeholders
# ---------------------------------------------------------------------------
# Formulas are first built with *placeholder* functions for the activations and
# their derivatives, so that the checker can look for mistakes at that level
# ("σ instead of σ'", "σ' left out") before :func:`realize` replaces them with
# their definitions. The generic σ and σ' are those of :mod:`mlp_lib.symbolic`.
_ACT = {
    "sigmoid": sp.Function("sigmoid"),
    "sigmoid'": sp.Function("sigmoid'"),
    "tanh'": sp.Function("tanh'"),
    "relu'": sp.Function("relu'"),
}
#: derivative placeholder → the placeholder of the function itself
DERIVATIVE_OF = {
    symbolic.sigma_prime: symbolic.sigma,
    _ACT["sigmoid'"]: _ACT["sigmoid"],
    _ACT["tanh'"]: sp.tanh,
    _ACT["relu'"]: symbolic.relu,
}


def _sigmoid(t):
    return 1 / (1 + sp.exp(-t))


def realize(expr, activation: str = "generic"):
    """Replace the placeholders by their definitions.

    ``activation`` says what the exercise's ``sigma`` is: ``"generic"`` keeps the
    undefined σ and σ' of :mod:`mlp_lib.symbolic`; ``"sigmoid"``, ``"tanh"``,
    ``"relu"`` and ``"identity"`` make ``sigma``/``sigma_prime`` that function and
    its derivative. ``sigmoid``, ``tanh`` and ``relu`` (and their ``_prime``) are
    always the concrete functions.
    """
    sig, sigp = _activation_pair(activation)

    def fix(e):
        return e.replace(symbolic.sigma, sig).replace(symbolic.sigma_prime, sigp)

    def concrete(e):
        e = e.replace(_ACT["sigmoid'"], lambda t: _sigmoid(t) * (1 - _sigmoid(t)))
        e = e.replace(_ACT["sigmoid"], _sigmoid)
        e = e.replace(_ACT["tanh'"], lambda t: 1 - sp.tanh(t) ** 2)
        e = e.replace(_ACT["relu'"], symbolic.relu_step)
        return e

    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(lambda e: concrete(fix(e)))
    if isinstance(expr, int):
        return sp.Integer(expr)
    return concrete(fix(expr))


def _activation_pair(activation):
    if activation == "generic":
        return symbolic.sigma, symbolic.sigma_prime
    if activation == "sigmoid":
        return _ACT["sigmoid"], _ACT["sigmoid'"]
    if activation == "tanh":
        return sp.tanh, _ACT["tanh'"]
    if activation == "relu":
        return symbolic.relu, _ACT["relu'"]
    if activation == "identity":
        return sp.Lambda(sp.Dummy("t"), sp.Dummy("t")), sp.Lambda(sp.Dummy("t"), sp.Integer(1))
    raise ValueError(f"expected activation 'generic', 'sigmoid', 'tanh', 'relu' or 'identity', got {activation!r}")


def _softmax(v):
    if not isinstance(v, sp.MatrixBase) or v.shape[1] != 1:
        raise ExpressionError(f"softmax needs a column vector, got {_shape_text(v)}")
    e = v.applyfunc(sp.exp)
    return e / sum(e)


def _diag(v):
    if not isinstance(v, sp.MatrixBase) or v.shape[1] != 1:
        raise ExpressionError(f"diag needs a column vector, got {_shape_text(v)}")
    return sp.diag(*v)


def _transpose(v):
    return v.T if isinstance(v, sp.MatrixBase) else v


def _sum(v):
    return sum(v) if isinstance(v, sp.MatrixBase) else v


#: function name → (number of arguments, elementwise?, builder, LaTeX name)
FUNCTIONS = {
    "exp": (1, True, sp.exp, r"\exp"),
    "log": (1, True, sp.log, r"\log"),
    "ln": (1, True, sp.log, r"\ln"),
    "sqrt": (1, True, sp.sqrt, r"\sqrt"),
    "tanh": (1, True, sp.tanh, r"\tanh"),
    "cosh": (1, True, sp.cosh, r"\cosh"),
    "sinh": (1, True, sp.sinh, r"\sinh"),
    "sech": (1, True, sp.sech, r"\operatorname{sech}"),
    "sigma": (1, True, symbolic.sigma, r"\sigma"),
    "sigma_prime": (1, True, symbolic.sigma_prime, r"\sigma'"),
    "sigmoid": (1, True, _ACT["sigmoid"], r"\operatorname{sigmoid}"),
    "sigmoid_prime": (1, True, _ACT["sigmoid'"], r"\operatorname{sigmoid}'"),
    "tanh_prime": (1, True, _ACT["tanh'"], r"\tanh'"),
    "relu": (1, True, symbolic.relu, r"\operatorname{ReLU}"),
    "relu_prime": (1, True, _ACT["relu'"], r"\operatorname{ReLU}'"),
    "step": (1, True, _ACT["relu'"], r"\operatorname{ReLU}'"),
    "softmax": (1, False, _softmax, r"\operatorname{softmax}"),
    "diag": (1, False, _diag, r"\operatorname{diag}"),
    "T": (1, False, _transpose, None),
    "transpose": (1, False, _transpose, None),
    "sum": (1, False, _sum, r"\sum"),
}
CONSTANT_NAMES = {"pi": sp.pi, "e": sp.E}

# friendly names of refused syntax
_REFUSED = {
    "Lambda": "lambda functions",
    "Subscript": "indexing or slicing with [ ]",
    "Slice": "slices",
    "List": "lists [ … ]",
    "Tuple": "tuples (a comma outside a function call)",
    "Set": "sets { … }",
    "Dict": "dictionaries { … }",
    "ListComp": "comprehensions",
    "SetComp": "comprehensions",
    "DictComp": "comprehensions",
    "GeneratorExp": "generator expressions",
    "Compare": "comparisons (<, >, ==, …)",
    "BoolOp": "'and' / 'or'",
    "IfExp": "'… if … else …'",
    "NamedExpr": "the walrus operator :=",
    "JoinedStr": "f-strings",
    "FormattedValue": "f-strings",
    "Starred": "* unpacking",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield",
}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}
_UNICODE = [
    ("−", "-"),
    ("–", "-"),
    ("·", "*"),
    ("×", "*"),
    ("∘", "*"),
    ("⊙", "*"),
    ("÷", "/"),
    ("σ", "sigma"),
    ("ς", "sigma"),
    ("ϕ", "phi"),
    ("φ", "phi"),
    ("ᵀ", ".T"),
    ("√", "sqrt"),
    ("½", "(1/2)"),
    ("⅓", "(1/3)"),
    ("⅔", "(2/3)"),
    ("¼", "(1/4)"),
    ("¾", "(3/4)"),
    ("’", "'"),
    ("ʹ", "'"),
    ("ʼ", "'"),
]
_PRIME = re.compile(r"\b(sigma|relu|tanh|sigmoid)\s*['′]")
#: superscript characters and what they stand for: a run of them is an exponent (n⁻¹ = n**(-1), e⁻ᶻ = e**(-z))
_SUPERSCRIPT = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ", "0123456789+-()abcdefghijklmnoprstuvwxyz"))
_SUPERSCRIPT_RUN = re.compile("[" + "".join(_SUPERSCRIPT) + "]+")
#: a number written against a name or a bracket (2n, 2(a - y)): a product without its *
_MISSING_TIMES = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?)(?![eE][+-]?\d)([A-Za-z_(])")

#: characters that look like an ASCII letter or sign but are not (after NFKC): named in the refusal
_LOOKALIKE = {
    # Cyrillic
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",
    "і": "i",
    "ј": "j",
    "ѕ": "s",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "һ": "h",
    "ӏ": "l",
    "ɡ": "g",
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
    "У": "Y",
    "Ү": "Y",
    "І": "I",
    "Ј": "J",
    "Ѕ": "S",
    "Ԁ": "D",
    "Ԛ": "Q",
    "Ԝ": "W",
    # Greek
    "α": "a",
    "ο": "o",
    "ν": "v",
    "ρ": "p",
    "υ": "u",
    "χ": "x",
    "ι": "i",
    "κ": "k",
    "τ": "t",
    "γ": "y",
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ζ": "Z",
    "Η": "H",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Υ": "Y",
    "Χ": "X",
    # other letters and signs
    "ı": "i",
    "ȷ": "j",
    "ℓ": "l",
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "—": "-",
    "⁄": "/",
    "∕": "/",
    "∗": "*",
    "⋅": "*",
    "∙": "*",
    "‘": "'",
    "“": '"',
    "”": '"',
    "＂": '"',
}


# ---------------------------------------------------------------------------
def _shape_text(v) -> str:
    return f"a {v.shape[0]}×{v.shape[1]} matrix" if isinstance(v, sp.MatrixBase) else "a scalar"


def normalize(text: str) -> str:
    """The text as Python syntax: Unicode operators and names replaced, NFKC, ``^`` → ``**``.

    A run of superscripts is an exponent (``n⁻¹`` → ``n**(-1)``, ``e⁻ᶻ`` → ``e**(-z)``, ``a²`` →
    ``a**(2)``). These and the explicit replacements run before NFKC (which would turn ``²`` into
    ``2`` and ``ᵀ`` into ``T``); the replacements run again after it (NFKC turns the math-italic
    ``𝜎`` into ``σ``).
    """
    text = _SUPERSCRIPT_RUN.sub(lambda m: "**(" + "".join(_SUPERSCRIPT[c] for c in m[0]) + ")", text)
    for old, new in _UNICODE:
        text = text.replace(old, new)
    text = unicodedata.normalize("NFKC", text)
    for old, new in _UNICODE:
        text = text.replace(old, new)
    text = _PRIME.sub(r"\1_prime", text)
    return text.replace("^", "**")


def describe_character(ch: str) -> str:
    """``U+0430 CYRILLIC SMALL LETTER A looks like 'a'`` (or without the look-alike)."""
    name = unicodedata.name(ch, "") or (
        "a control character" if unicodedata.category(ch).startswith("C") else "an unnamed character"
    )
    text = f"U+{ord(ch):04X} {name}"
    if ch in _LOOKALIKE:
        text += f" looks like {_LOOKALIKE[ch]!r}"
    return text


def _check_characters(text: str) -> None:
    """Refuse characters outside printable ASCII (after normalisation), naming the first one."""
    for ch in text:
        o = ord(ch)
        if 32 <= o < 127 or ch in "\t\n\r":
            continue
        desc = describe_character(ch)
        if ch in _LOOKALIKE:
            raise ExpressionError(
                f"not allowed: {desc} but is a different character; type the plain {_LOOKALIKE[ch]!r} from the keyboard"
            )
        raise ExpressionError(
            f"not allowed: the character {ch!r} ({desc}); use plain letters, digits and "
            "+ - * / ** @ ( ) . (Greek letters: sigma, phi)"
        )


def _check_text(text) -> str:
    if not isinstance(text, str):
        raise ExpressionError(f"expected the answer as text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"not allowed: the answer is too long ({len(text)} characters; at most {MAX_LENGTH})")
    if not text.strip():
        raise ExpressionError("the answer is empty: type a formula, e.g. a - y")
    text = normalize(text)
    if len(text) > 4 * MAX_LENGTH:  # NFKC may expand a character (e.g. a ligature) into several
        raise ExpressionError(
            f"not allowed: the answer is too long once its symbols are spelled out ({len(text)} characters)"
        )
    _check_characters(text)
    depth = deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise ExpressionError(
            f"not allowed: the formula is nested too deeply ({deepest} levels of brackets; at most {MAX_DEPTH})"
        )
    return text


def parse_tree(text: str, names) -> ast.Expression:
    """Parse ``text`` and check every node against the whitelist; return the (unevaluated) tree.

    ``names`` are the variable names the exercise declares. Raises
    :class:`ExpressionError` for anything refused.
    """
    typed = text
    _check_juxtaposed_transpose(typed)
    text = _check_text(text)
    source = text.strip()
    try:
        tree = ast.parse(source, mode="eval")  # parse only: never compiled, never run
    except SyntaxError as exc:
        raise ExpressionError(_syntax_message(typed, text, exc)) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("not allowed: the formula is too complex to read") from None
    _check_limits(tree)
    _read_numbers(tree, source)
    try:
        _Whitelist(set(names)).visit(tree)
    except RecursionError:
        raise ExpressionError(f"not allowed: the formula is nested too deeply (at most {MAX_DEPTH} levels)") from None
    return tree


#: a transpose written against the next factor: Wᵀφ, Wᵀ phi, W^T phi, W^T(phi)
_JUXTAPOSED_T = re.compile(r"([A-Za-z_]\w*|\))\s*(?:ᵀ|\^\s*T\b)\s*(?=[A-Za-z_(σςϕφ])", re.ASCII)


def _check_juxtaposed_transpose(typed) -> None:
    """Refuse ``Wᵀφ`` and ``W^T phi`` by name: a transpose followed by a factor with no operator."""
    if not isinstance(typed, str) or len(typed) > MAX_LENGTH:
        return
    m = _JUXTAPOSED_T.search(typed)
    if m is None:
        return
    fixed = _JUXTAPOSED_T.sub(lambda g: g[1] + ".T @ ", typed).replace("ᵀ", ".T")
    fixed = re.sub(r"\^\s*T\b", ".T", fixed)
    shown = typed.strip() if len(typed.strip()) <= 40 else m[0].strip() + "…"
    raise ExpressionError(
        f"not allowed: {shown} has no operator between the transpose and the next factor — "
        f"write {normalize(fixed).strip()} (.T for the transpose, @ for the matrix product)"
    )


def _syntax_message(typed: str, text: str, exc: SyntaxError) -> str:
    """Python's syntax error, with what to type instead where the slip is a usual one (2n, 2(a - y))."""
    message = f"could not read the formula: {exc.msg} (at character {exc.offset})"
    missing = _MISSING_TIMES.search(text)
    if missing:
        number, after = missing[1], missing[2]
        if after == "(":
            return f"{message} — {number}(…) has no * between {number} and the bracket: write {number}*(…)"
        name = re.match(r"[A-Za-z_]\w*", text[missing.start(2) :])[0]
        return f"{message} — you typed {number}{name}: write {number}*{name} (a product needs *)"
    return message


def _read_numbers(tree, source: str) -> None:
    """Give every decimal constant its exact value as written (``node.exact``, a Fraction) and its text
    (``node.text``, for display).

    Python reads ``1e-400`` as the float 0.0 and ``0.1000000000000000000001`` as 0.1; the checker
    must see the numbers the student typed.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and type(node.value) is float:
            segment = ast.get_source_segment(source, node) or repr(node.value)
            plain = segment.replace("_", "").lower()
            if "e" in plain:
                exponent = int(plain.split("e", 1)[1])
                if abs(exponent) > MAX_DECIMAL_EXPONENT:
                    raise ExpressionError(
                        f"not allowed: the number {segment} has an exponent beyond ±{MAX_DECIMAL_EXPONENT}"
                    )
            node.text = segment
            try:
                node.exact = Fraction(plain)
            except ValueError:  # pragma: no cover — Python read it as a float, so Fraction reads it too
                node.exact = Fraction(str(node.value))


_GROUP = {ast.Add: "+", ast.Sub: "+", ast.Mult: "*", ast.Div: "*", ast.MatMult: "*"}


def _check_limits(tree) -> None:
    count, stack = 0, [(tree, 0)]
    while stack:  # iterative: a deep tree cannot overflow Python's stack here
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise ExpressionError(f"not allowed: the formula is nested too deeply (more than {MAX_DEPTH} levels)")
        if count > MAX_NODES:
            raise ExpressionError(f"not allowed: the formula is too long (more than {MAX_NODES} parts)")
        for child in ast.iter_child_nodes(node):
            # a chain a + b - c + … (or a * b / c …) is one level, not one per operator:
            # only real nesting counts towards the depth
            flat = (
                isinstance(node, ast.BinOp)
                and child is node.left
                and isinstance(child, ast.BinOp)
                and _GROUP.get(type(child.op)) == _GROUP.get(type(node.op)) is not None
            )
            stack.append((child, depth if flat else depth + 1))


def _constant_value(node):
    """The number of a constant exponent (``2``, ``-1``, ``1/2``, ``(3)``), or None if not a plain number."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        if isinstance(node.value, float) and not math.isfinite(node.value):  # 1e400 reads as inf
            raise ExpressionError(f"not allowed: the number {node.value!r} is too large (at most {MAX_CONSTANT:g})")
        if isinstance(node.value, float):
            return getattr(node, "exact", None) or Fraction(str(node.value))
        return Fraction(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _constant_value(node.operand)
        return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        n, d = _constant_value(node.left), _constant_value(node.right)
        return None if n is None or d is None or d == 0 else n / d
    return None


class _Whitelist(ast.NodeVisitor):
    """Raises ExpressionError at the first node that is not explicitly allowed."""

    def __init__(self, names):
        self.names = names
        self.exponent = [1]  # running product of the exponents of enclosing powers

    def generic_visit(self, node):
        kind = type(node).__name__
        raise ExpressionError(f"not allowed: {_REFUSED.get(kind, kind)}")

    def visit_Expression(self, node):
        self.visit(node.body)

    def visit_BinOp(self, node):
        if type(node.op) not in _BINOPS:
            raise ExpressionError(f"not allowed: the operator {type(node.op).__name__}")
        if isinstance(node.op, ast.Pow):
            if isinstance(node.left, ast.Name) and node.left.id == "e" and "e" not in self.names:
                self.visit(node.right)  # e**x is exp(x): any exponent
                return
            k = _constant_value(node.right)
            if isinstance(node.right, ast.Name) and node.right.id == "T":
                base = ast.unparse(node.left)
                raise ExpressionError(
                    f"not allowed: {base}^T is not a power — for the transpose write {base}.T (or {base}ᵀ)"
                )
            if k is None:
                raise ExpressionError(
                    f"not allowed: the exponent of {ast.unparse(node)} must be a number "
                    f"(between -{MAX_EXPONENT} and {MAX_EXPONENT}); write exp(…) for e to a power"
                )
            if abs(k) > MAX_EXPONENT:
                raise ExpressionError(
                    f"not allowed: the exponent {float(k):g} is too large (at most {MAX_EXPONENT} in absolute value)"
                )
            total = self.exponent[-1] * max(abs(k), 1)
            if total > MAX_TOTAL_EXPONENT:
                raise ExpressionError(f"not allowed: powers of powers grow too large (total exponent {float(total):g})")
            self.exponent.append(total)
            self.visit(node.left)
            self.exponent.pop()
            return
        self.visit(node.left)
        self.visit(node.right)

    def visit_UnaryOp(self, node):
        if not isinstance(node.op, (ast.UAdd, ast.USub)):
            raise ExpressionError(f"not allowed: the operator {'not' if isinstance(node.op, ast.Not) else '~'}")
        self.visit(node.operand)

    def visit_Constant(self, node):
        v = node.value
        if isinstance(v, str):
            raise ExpressionError("not allowed: strings (text in quotes)")
        if isinstance(v, bytes):
            raise ExpressionError("not allowed: bytes")
        if type(v) not in (int, float):
            raise ExpressionError(f"not allowed: the constant {v!r}")
        # compare an int as an int: float(10**400) would raise OverflowError
        if (isinstance(v, float) and not math.isfinite(v)) or abs(v) > MAX_CONSTANT:
            shown = f"with {len(str(abs(v)))} digits" if isinstance(v, int) and abs(v) > 10**20 else f"{v!r}"
            raise ExpressionError(f"not allowed: the number {shown} is too large (at most {MAX_CONSTANT:g})")

    def visit_Name(self, node):
        if node.id.startswith("_"):
            raise ExpressionError(f"not allowed: names starting with an underscore ({node.id})")
        if node.id not in self.names and node.id not in CONSTANT_NAMES:
            if node.id in FUNCTIONS:
                raise ExpressionError(f"{node.id} is a function: write {node.id}(…)")
            known = ", ".join(sorted(self.names)) or "none"
            raise ExpressionError(f"not allowed: the name {node.id!r} (this exercise knows: {known})")

    def visit_Attribute(self, node):
        if node.attr != "T":
            message = f"not allowed: the attribute .{node.attr} (only .T, the transpose)"
            if node.attr.startswith("T"):
                value = ast.unparse(node.value)
                message += f" — write {value}.T @ {node.attr[1:]} (@ between the transpose and the next factor)"
            raise ExpressionError(message)
        self.visit(node.value)

    def visit_Call(self, node):
        if isinstance(node.func, ast.Constant):
            number = ast.unparse(node.func)
            inside = ", ".join(ast.unparse(a) for a in node.args)
            raise ExpressionError(
                f"not allowed: {ast.unparse(node)} reads as calling the number {number} — "
                f"write {number}*({inside}): a product needs *"
            )
        if not isinstance(node.func, ast.Name):
            raise ExpressionError(
                f"not allowed: calling {ast.unparse(node.func)} (only the functions {_function_list()})"
            )
        name = node.func.id
        if name.startswith("_"):
            raise ExpressionError(f"not allowed: names starting with an underscore ({name})")
        if name not in FUNCTIONS:
            raise ExpressionError(f"not allowed: the function {name!r} (allowed: {_function_list()})")
        if node.keywords:
            raise ExpressionError(f"not allowed: keyword arguments in {name}(…)")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError("not allowed: * unpacking")
        nargs = FUNCTIONS[name][0]
        if len(node.args) != nargs:
            raise ExpressionError(f"{name} takes {nargs} argument(s), got {len(node.args)}")
        for a in node.args:
            self.visit(a)


def _function_list() -> str:
    return ", ".join(sorted(FUNCTIONS))


# ---------------------------------------------------------------------------
# Building SymPy objects from a checked tree
# ---------------------------------------------------------------------------
@dataclass
class Namespace:
    """What each allowed name means: a SymPy symbol (scalar) or an explicit SymPy Matrix."""

    values: dict

    @classmethod
    def build(cls, variables, matrix_shapes=None, fixed=None) -> Namespace:
        """Scalar symbols for ``variables``, symbolic matrices for names in ``matrix_shapes``.

        ``matrix_shapes`` maps a name to ``(rows, cols)``; its entries are the real
        symbols ``W_11, W_12, …`` (1-based). ``fixed`` maps names to given SymPy
        values (e.g. ``{"ones": sp.ones(4, 1)}``).
        """
        matrix_shapes = dict(matrix_shapes or {})
        fixed = dict(fixed or {})
        values = {}
        for name in list(variables) + [n for n in matrix_shapes if n not in variables]:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name):
                raise ValueError(f"expected variable names of letters and digits, got {name!r}")
            if name in matrix_shapes:
                r, c = matrix_shapes[name]
                values[name] = sp.Matrix(r, c, lambda i, k, n=name: sp.Symbol(f"{n}_{i + 1}{k + 1}", real=True))
            else:
                values[name] = sp.Symbol(name, real=True)
        for name, v in fixed.items():
            values[name] = v
        return cls(values)

    @property
    def names(self):
        return set(self.values)


def to_sympy(tree: ast.Expression, namespace: Namespace):
    """Build the SymPy scalar or Matrix of a tree that :func:`parse_tree` accepted."""
    return _Builder(namespace, tree).build(tree.body)


def to_sympy_with_conditions(tree: ast.Expression, namespace: Namespace):
    """``(value, conditions)``: :func:`to_sympy` and where the formula has a real value.

    ``conditions`` lists ``("nonnegative", t)`` for every ``sqrt(t)`` and fractional power ``t**k``
    and ``("positive", t)`` for every ``log(t)`` (and ``t**k`` with k < 0 not whole), ``t`` a SymPy
    scalar as typed. SymPy simplifies ``sqrt(t)**2`` to ``t`` and ``exp(log(t))`` to ``t`` as it
    builds them (true for complex numbers); the book's formulas are real, so such an answer has no
    value where ``t < 0``, as NumPy's ``np.sqrt(t)**2`` is ``nan`` there.
    """
    builder = _Builder(namespace, tree)
    value = builder.build(tree.body)
    return value, builder.conditions


class _Builder:
    def __init__(self, namespace, tree=None):
        self.ns = namespace.values
        self.tree = tree
        self.conditions = []

    def _condition(self, kind, value):
        for t in value if isinstance(value, sp.MatrixBase) else [value]:
            if not t.is_number or t.free_symbols:
                self.conditions.append((kind, t))
            elif kind == "positive" and not t.is_positive or kind == "nonnegative" and not t.is_nonnegative:
                self.conditions.append((kind, t))

    def build(self, node):
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, float):
                f = getattr(node, "exact", None)
                f = Fraction(str(v)) if f is None else f
                return sp.Rational(f.numerator, f.denominator)
            return sp.Integer(v)
        if isinstance(node, ast.Name):
            if node.id in self.ns:
                return self.ns[node.id]
            return CONSTANT_NAMES[node.id]
        if isinstance(node, ast.UnaryOp):
            v = self.build(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Attribute):  # only .T passed the whitelist
            return _transpose(self.build(node.value))
        if isinstance(node, ast.Call):
            _, elementwise, fn, _ = FUNCTIONS[node.func.id]
            arg = self.build(node.args[0])
            if fn is sp.sqrt:
                self._condition("nonnegative", arg)
            elif fn is sp.log:
                self._condition("positive", arg)
            if elementwise and isinstance(arg, sp.MatrixBase):
                return arg.applyfunc(fn)
            return fn(arg)
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        raise ExpressionError(f"not allowed: {type(node).__name__}")  # unreachable after the whitelist

    def binop(self, node):
        op = _BINOPS[type(node.op)]
        if op == "**" and isinstance(node.left, ast.Name) and node.left.id == "e" and "e" not in self.ns:
            r = self.build(node.right)
            return r.applyfunc(sp.exp) if isinstance(r, sp.MatrixBase) else sp.exp(r)
        if op == "@" and isinstance(node.left, ast.BinOp) and _BINOPS[type(node.left.op)] in ("*", "/"):
            # x * A @ y is (x * A) @ y in Python; if that has no meaning (shapes), read it as
            # x * (A @ y), the book's x ∘ A y (the matrix product binds tighter than ∘)
            inner = node.left
            x, A, y = self.build(inner.left), self.build(inner.right), self.build(node.right)
            try:
                left = self.combine(inner, x, A)
            except ExpressionError as first:
                try:
                    return self.combine(inner, x, self.combine(node, A, y))
                except ExpressionError:
                    raise first from None
            return self.combine(node, left, y)
        return self.combine(node, self.build(node.left), self.build(node.right))

    def combine(self, node, left, right):
        """``left op right`` for the operator of ``node`` (whose text is used in messages)."""
        op = _BINOPS[type(node.op)]
        lm, rm = isinstance(left, sp.MatrixBase), isinstance(right, sp.MatrixBase)
        where = ast.unparse(node)
        if op == "@":
            if not (lm and rm):
                raise ExpressionError(
                    f"{where}: @ is the matrix product of two matrices, got {_shape_text(left)} "
                    f"and {_shape_text(right)}; use * with a scalar"
                )
            if left.shape[1] != right.shape[0]:
                raise ProductShapeError(
                    f"{where}: shapes {left.shape} and {right.shape} don't match",
                    [_replaced(self.tree, node, alt) for alt in _product_alternatives(node, left, right)]
                    if self.tree is not None
                    else [],
                )
            return left * right
        if op == "**":
            if rm:
                raise ExpressionError(f"{where}: the exponent must be a number")
            if not (isinstance(right, sp.Basic) and right.is_integer):
                self._condition("positive" if right.is_negative else "nonnegative", left)
            return left.applyfunc(lambda t: t**right) if lm else left**right
        # a 1×1 matrix (e.g. a.T @ g) combines with anything like a number, as in NumPy
        if lm and rm and left.shape != right.shape:
            if left.shape == (1, 1):
                left, lm = left[0, 0], False
            elif right.shape == (1, 1):
                right, rm = right[0, 0], False
        # a column (row) with a matrix of as many rows (columns): repeated, as NumPy broadcasts a bias
        if lm and rm and left.shape != right.shape:
            left, right = _spread(left, right), _spread(right, left)
        if lm and rm and left.shape != right.shape:
            what = {"+": "add", "-": "subtract", "*": "multiply elementwise", "/": "divide elementwise"}[op]
            extra = ""
            if op == "*" and left.shape[1] == right.shape[0]:
                extra = " (for the matrix product write @)"
            elif left.shape == right.shape[::-1]:
                extra = " (one of them transposed?)"
            raise ExpressionError(f"{where}: cannot {what} shapes {left.shape} and {right.shape}{extra}")
        if op == "+":
            return _broadcast(left, right, lambda x, y: x + y)
        if op == "-":
            return _broadcast(left, right, lambda x, y: x - y)
        if op == "*":
            if lm and rm:
                return left.multiply_elementwise(right)
            return left * right
        if op == "/":
            return _broadcast(left, right, lambda x, y: x / y)
        raise ExpressionError(f"not allowed: the operator {op}")


def _spread(v, other):
    """``v`` repeated to the shape of ``other`` if it is a column (row) with as many rows (columns); else ``v``."""
    (r, c), (R, C) = v.shape, other.shape
    if c == 1 and r == R and C > 1:
        return sp.Matrix(R, C, lambda i, k: v[i, 0])
    if r == 1 and c == C and R > 1:
        return sp.Matrix(R, C, lambda i, k: v[0, k])
    return v


def _broadcast(left, right, f):
    lm, rm = isinstance(left, sp.MatrixBase), isinstance(right, sp.MatrixBase)
    if lm and rm:
        return sp.Matrix(left.shape[0], left.shape[1], lambda i, k: f(left[i, k], right[i, k]))
    if lm:
        return left.applyfunc(lambda t: f(t, right))
    if rm:
        return right.applyfunc(lambda t: f(left, t))
    return f(left, right)


class ProductShapeError(ExpressionError):
    """A matrix product ``L @ R`` whose shapes do not fit.

    ``candidates`` are whole answers with that product written as the usual repairs would write it
    (``L.T @ R``, ``L @ R.T``, ``R @ L``, ``L * R``), as text; the checker proposes one only if it
    accepts it (:func:`mlp_lib.teaching.checker.check_expression`).
    """

    def __init__(self, message, candidates=()):
        super().__init__(message)
        self.candidates = list(candidates)


def _product_alternatives(node, left, right) -> list:
    """Nodes that could be meant by the product ``node`` = ``L @ R`` whose shapes do not fit."""
    L, R = node.left, node.right
    out = []
    if left.shape[0] == right.shape[0]:
        out.append(ast.BinOp(ast.Attribute(L, "T", ast.Load()), ast.MatMult(), R))
    if left.shape[1] == right.shape[1]:
        out.append(ast.BinOp(L, ast.MatMult(), ast.Attribute(R, "T", ast.Load())))
    if right.shape[1] == left.shape[0]:
        out.append(ast.BinOp(R, ast.MatMult(), L))
    if left.shape == right.shape or 1 in (left.shape[1], right.shape[1]):
        out.append(ast.BinOp(L, ast.Mult(), R))  # ∘ typed as a matrix product
    return out


def _replaced(tree, target, new) -> str:
    """The text of ``tree`` with the node ``target`` replaced by ``new`` (``tree`` is left as it is)."""
    target.replace_me = True
    try:
        copy = deepcopy(tree)
    finally:
        del target.replace_me

    class Swap(ast.NodeTransformer):
        def visit(self, node):
            return deepcopy(new) if getattr(node, "replace_me", False) else super().visit(node)

    return ast.unparse(ast.fix_missing_locations(Swap().visit(copy)))


def parse_expression(text: str, namespace: Namespace):
    """Check ``text`` against the whitelist and build its SymPy value (scalar or Matrix)."""
    return to_sympy(parse_tree(text, namespace.names), namespace)


# ---------------------------------------------------------------------------
# LaTeX of what the student typed (not simplified: "this is how I read you")
# ---------------------------------------------------------------------------
_GREEK = {"phi", "sigma", "alpha", "beta", "gamma", "delta", "eta", "theta", "lambda", "mu", "pi", "psi", "zeta", "xi"}
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "unary": 3, "**": 4}


def _latex_name(name: str) -> str:
    m = re.fullmatch(r"([A-Za-z]+?)(\d*)", name)
    base, digits = (m.group(1), m.group(2)) if m else (name, "")
    base = "\\" + base if base in _GREEK else (base if len(base) == 1 else r"\mathrm{%s}" % base)
    return base + (f"^{{{digits}}}" if digits else "")


def to_latex(tree: ast.Expression, elementwise: bool = False) -> str:
    """LaTeX of a checked tree, as typed: ``@`` is juxtaposition, ``.T`` is ᵀ and
    ``*`` is ``\\circ`` if ``elementwise`` (matrix exercises), else ``\\cdot``."""
    return _latex(tree.body, elementwise)[0]


def _latex(node, ew=False):
    """(latex, precedence)."""
    if isinstance(node, ast.Constant):
        return (getattr(node, "text", None) or repr(node.value), 5)
    if isinstance(node, ast.Name):
        if node.id == "pi":
            return (r"\pi", 5)
        return (_latex_name(node.id), 5)
    if isinstance(node, ast.Attribute):
        inner, p = _latex(node.value, ew)
        if p < 5:
            inner = r"\left(%s\right)" % inner
        return (inner + r"^{\mathsf{T}}", 5)
    if isinstance(node, ast.UnaryOp):
        inner, p = _latex(node.operand, ew)
        if p <= _PREC["+"]:
            inner = r"\left(%s\right)" % inner
        return (("-" if isinstance(node.op, ast.USub) else "+") + inner, _PREC["unary"])
    if isinstance(node, ast.Call):
        name = node.func.id
        arg, _ = _latex(node.args[0], ew)
        if name in ("T", "transpose"):
            return (r"\left(%s\right)^{\mathsf{T}}" % arg, 5)
        if name == "sqrt":
            return (r"\sqrt{%s}" % arg, 5)
        return (r"%s\left(%s\right)" % (FUNCTIONS[name][3], arg), 5)
    if isinstance(node, ast.BinOp):
        op = _BINOPS[type(node.op)]
        left, lp = _latex(node.left, ew)
        right, rp = _latex(node.right, ew)
        p = _PREC[op]
        if op == "/":
            return (r"\frac{%s}{%s}" % (left, right), 5)
        if op == "**":
            if lp <= p:
                left = r"\left(%s\right)" % left
            if isinstance(node.left, ast.Name) and node.left.id == "e":
                left = "e"
            return ("%s^{%s}" % (left, right), p)
        mixed = lambda child: (
            isinstance(child, ast.BinOp) and _BINOPS[type(child.op)] in "*@" and _BINOPS[type(child.op)] != op
        )  # noqa: E731
        if lp < p or (lp == p and mixed(node.left)):
            left = r"\left(%s\right)" % left
        if rp < p or (rp == p and op in "-@*"):
            right = r"\left(%s\right)" % right
        star = (
            r" \circ "
            if ew and not (isinstance(node.left, ast.Constant) or isinstance(node.right, ast.Constant))
            else r" \cdot "
        )
        sym = {"+": " + ", "-": " - ", "*": star, "@": r" \, "}[op]
        return (left + sym + right, p)
    return (r"\text{?}", 5)
