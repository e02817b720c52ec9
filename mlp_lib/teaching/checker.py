"""The derivation checker: is a student's formula equal to the right one?

:func:`check_expression` reads the typed answer with the safe parser of
:mod:`mlp_lib.teaching.parser` (nothing the student types is ever run), then
lets SymPy decide whether it equals the expected formula:

1. both are built with *placeholder* activations (σ, σ', sigmoid', ReLU', …),
   then the placeholders are replaced by their definitions and the exercise's
   relations are substituted (e.g. ``a = σ(z)``), so ``a*(1-a)`` equals
   ``sigmoid_prime(z)`` for a sigmoid;
2. both are evaluated at :data:`COUNTEREXAMPLE_TRIES` random points (from a
   generator seeded with ``seed``, so every student sees the same numbers for
   the same answer): small readable numbers first, then negative ones, sizes
   ``n``, ``m`` up to 1000 and magnitudes from 0.01 to 100 where the exercise's
   domain allows; one-hot targets and softmax outputs (columns summing to 1) where the
   exercise says so; a generic σ(…) and σ'(…) take values in (0, 1)
   (:data:`FUNCTION_DOMAINS`). Then at **kink points**: for every argument ``g`` of
   relu, step, ``|·|`` (and of the answer's square roots and logs), the real roots of
   ``g = 0`` in each of its variables (the others drawn at random) are found — exactly for
   a linear ``g``, else by a sign scan of ±10⁻³ … ±10⁶ and bisection — and the variable is
   set just below and just above each root (within its domain), so ``relu(z - 1000)`` and
   ``step(z + 1000)`` are seen where they live. Values are computed
   to :data:`DIGITS` digits (SymPy's ``evalf(strict=True)``) and compared with a
   tolerance *relative* to their size. A point where the two differ, or where the
   answer has no real value (``1/0``, ``log(0)``, ``sqrt(-1)``) although the right
   one has, is a **counterexample**: the answer is wrong. Real values are the rule
   throughout: SymPy simplifies ``sqrt(t)**2`` to ``t`` and ``exp(log(t))`` to ``t`` as it
   builds them, but the parser records every square root, log and fractional power
   (:func:`mlp_lib.teaching.parser.to_sympy_with_conditions`), and an answer has no value
   where one of their arguments is negative — ``sqrt(a - y)**2`` is wrong for
   ``sigmoid-bce-phi`` (no value where a < y), as ``np.sqrt(a - y)**2`` is ``nan`` there;
3. otherwise the difference is simplified (``together``, ``expand``, ``cancel``,
   then ``simplify`` — :func:`mlp_lib.symbolic.difference`). The answer is
   **correct** if it simplifies to 0; **wrong** if it simplifies to a nonzero
   number (e.g. a tiny added constant) or if, at one of the test points, SymPy computes
   the difference (as it stands, or simplified) to :data:`DIGITS` correct digits and
   finds it nonzero — however small: ``a - y + 1e-30*z`` and ``(a - y)*(1 + 1e-30)`` are
   wrong (numbers are read exactly as typed: ``1e-400`` is 10⁻⁴⁰⁰, not 0); **accepted**
   if SymPy cannot simplify it but it is 0 at no fewer than :data:`MIN_DEFINED_POINTS`
   points — 0 exactly, or with its terms cancelling to :data:`MAX_WORKING_DIGITS` digits
   so that ``evalf`` cannot find one correct digit of it; never because a term is merely
   small; else **undecided** ("could not decide");
4. for a wrong answer, **hints** compare it with the usual mistakes: the
   exercise's own known wrong variants, a flipped sign, σ in place of σ', a
   missing σ' factor, a constant factor (``2``, ``1/n``, the batch size ``m``),
   swapped ``a`` and ``y``, a transposed matrix. A hint that proposes a whole answer
   (``CheckResult.proposal``: "did you mean …?" for a matrix product whose shapes do not
   fit, "the right answer is k × yours") proposes only one this checker accepts; for an
   answer without a real value somewhere, only the exercise's own variants are named.

What remains undecidable (the checker may accept a wrong answer, or say "could not decide"):
a difference that is nonzero only where no test point lies — beyond a kink whose argument
``g = 0`` has no root the scan finds (beyond ±10⁶, or a narrow bump between two scan points,
e.g. ``relu(1e-9 - (z - 5)**2)``), or past the first :data:`MAX_KINKS` kinks; a difference
whose terms cancel to more than :data:`MAX_WORKING_DIGITS` digits at every point (then it is
accepted); and anything SymPy cannot compute in time (undecided).
Equality holds on the exercise's domains only (σ' > 0, softmax columns summing to 1,
one-hot targets): ``sqrt(sigma_prime(z)**2)`` is accepted for σ'(z).

Only step 0 — the whitelist check of the text, linear in its length, which builds no
SymPy object and no number — runs in the caller. Building the SymPy objects (SymPy
evaluates numbers while it builds: ``relu(e**e**e**e**3 - …)`` never ends) and steps
1–4 run in a separate (forked) process with a memory limit
(:data:`MEMORY_LIMIT_MB` more than the caller's, via ``RLIMIT_AS``) that is stopped
after ``timeout`` seconds ("could not decide in time"), so no answer can hang a
notebook kernel; an ``OverflowError``, ``RecursionError`` or ``MemoryError`` there
becomes a message. Where ``fork`` is not available (Windows) the work runs in a
background thread instead: the answer is still reported as undecided after
``timeout``, but the thread finishes on its own.
"""

from __future__ import annotations

import ast
import importlib
import math
import multiprocessing
import os
import random
import threading
import time
from dataclasses import dataclass, field

import sympy as sp
from sympy.core.evalf import PrecisionExhausted
from sympy.core.function import Application, AppliedUndef
from sympy.core.operations import AssocOp, LatticeOp

from .. import symbolic
from ..symbolic import difference
from . import parser as ep

#: seconds the checker may spend on one answer (building, deciding, hints)
DEFAULT_TIMEOUT = 5.0
#: random points tried when comparing the two formulas numerically
COUNTEREXAMPLE_TRIES = 60
#: the first points use small, readable numbers (two decimals in (−2, 2), sizes 1–6)
READABLE_TRIES = 12
#: points where both formulas must be defined before a numeric agreement counts
MIN_DEFINED_POINTS = 20
#: significant digits of the numeric evaluation (and the working precision it may raise to)
DIGITS = 40
MAX_WORKING_DIGITS = 250
#: two values differ if |got − expected| > RELATIVE_TOLERANCE · max(|got|, |expected|)
RELATIVE_TOLERANCE = 1e-25
#: extra address space the deciding process may use (MB)
MEMORY_LIMIT_MB = 1024
#: names treated as sizes: a ratio that depends only on them is "a constant factor"
SIZE_NAMES = ("n", "m")
#: at most this many SymPy nodes of the answer are sent back to the caller as ``parsed``
MAX_PARSED_NODES = 20000
#: the values a generic activation's σ(…) and σ'(…) take at a test point (σ rising, as every activation
#: of the book: σ' > 0)
FUNCTION_DOMAINS = {"sigma": (0, 1), "sigma'": (0, 1)}
#: at most this many kinks (arguments of relu, step, |·|, and of sqrt and log) get test points of their own
MAX_KINKS = 12


@dataclass
class CheckResult:
    """The verdict on one answer.

    Attributes
    ----------
    ok : bool
        True if the answer equals the expected formula.
    message : str
        One sentence for the student (why it was refused, or the verdict).
    counterexample : dict or None
        For a wrong answer: ``{"values": {name: number or nested list},
        "expected": …, "got": …, "entry": (i, j) or None}`` — values at which
        the two formulas differ (matrices as nested lists; ``entry`` is the first
        differing entry).
    hint : str or None
        What the mistake probably is (sign, σ vs σ', missing σ', transposition, …).
    parsed : sympy expression or Matrix or None
        The answer as SymPy read it (placeholders left in), None if refused.
    latex : str or None
        LaTeX of the answer as typed (for display).
    decided : bool
        False if SymPy ran out of time (then ``ok`` is False too).
    proposal : str or None
        The whole answer the hint proposes, as text (``"(W.T @ phi) * sigma_prime(z)"`` for "did you
        mean …?", ``"(2)*(a - y)"`` for "the right answer is 2 × yours"), None if the hint proposes
        none. The checker proposes only answers it accepts.
    """

    ok: bool
    message: str
    counterexample: dict | None = None
    hint: str | None = None
    parsed: object = None
    latex: str | None = None
    decided: bool = True
    proposal: str | None = None

    def __str__(self) -> str:
        lines = [("✓ " if self.ok else "✗ ") + self.message]
        if self.counterexample:
            cx = self.counterexample
            values = ", ".join(f"{k} = {format_value(v)}" for k, v in cx["values"].items())
            where = f" (entry {cx['entry'][0] + 1},{cx['entry'][1] + 1})" if cx.get("entry") else ""
            lines.append(f"  counterexample: at {values or 'any values'}{where}")
            lines.append(f"    expected {format_value(cx['expected'])}, got {format_value(cx['got'])}")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


def format_value(v, digits: int = 6) -> str:
    """A counterexample value for reading: floats to ``digits`` significant digits, lists element by element."""
    if isinstance(v, list):
        return "[" + ", ".join(format_value(x, digits) for x in v) + "]"
    return f"{v:.{digits}g}" if isinstance(v, float) else str(v)


@dataclass
class _Context:
    """Everything the deciding process needs (plain SymPy objects, inherited by fork)."""

    namespace: ep.Namespace
    activation: str
    relations: dict  # name → SymPy value (placeholder level)
    domains: dict
    variants: list  # (SymPy value, hint)
    swaps: list
    seed: int
    expected_name: str = "the expected formula"
    extra: dict = field(default_factory=dict)
    #: where the answer has a real value: [("nonnegative" | "positive", placeholder-level scalar)]
    conditions: list = field(default_factory=list)
    #: the answer as typed (normalised), for proposals built from it
    answer_text: str = ""


@dataclass
class _Spec:
    """What the child process builds: the caller only checks the types (nothing is built there)."""

    tree: object
    expected: object
    namespace: ep.Namespace
    activation: str
    relations: dict
    domains: dict
    variants: list
    swaps: list
    seed: int


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------
def check_expression(
    answer_text,
    expected,
    variables,
    *,
    matrix_shapes=None,
    fixed=None,
    activation: str = "generic",
    relations=None,
    domains=None,
    variants=None,
    swaps=None,
    timeout: float | None = None,
    seed: int = 0,
) -> CheckResult:
    """Decide whether the typed ``answer_text`` equals ``expected``.

    Parameters
    ----------
    answer_text : str
        What the student typed, e.g. ``"a - y"`` or ``"(W.T @ phi) * sigma_prime(z)"``.
        Read by :mod:`mlp_lib.teaching.parser` (safe: never evaluated).
    expected : str or SymPy expression/Matrix
        The right formula, as text in the same language (parsed the same way) or
        built with SymPy over the same names.
    variables : iterable of str
        Names the formula may use. Names also in ``matrix_shapes`` are matrices,
        the others real scalars.
    matrix_shapes : dict, optional
        ``{"W": (2, 3), "phi": (2, 1), …}``: explicit symbolic matrices, so shapes are
        checked and ``*`` is elementwise (∘), ``@`` the matrix product.
    fixed : dict, optional
        Names with given values, e.g. ``{"ones": sympy.ones(4, 1)}``.
    activation : str
        What ``sigma``/``sigma_prime`` mean: ``"generic"`` (undefined σ, σ'),
        ``"sigmoid"``, ``"tanh"``, ``"relu"`` or ``"identity"``.
    relations : dict, optional
        Definitions used when comparing, e.g. ``{"a": "sigma(z)"}``: then ``a`` and
        ``sigma(z)`` are the same thing.
    domains : dict, optional
        Where random values of a variable come from: ``{"a": (0, 1)}`` an open
        interval; ``"one-hot"`` (a matrix: every column one-hot, e.g. a target ``y``);
        ``"softmax"`` (a matrix: every column positive and summing to 1, e.g. ``a = softmax(z)``);
        ``"size"`` (whole numbers 1–1000). Default: any real number (magnitudes
        0.01–100, both signs); ``"size"`` for ``n`` and ``m``. A generic σ(…) and σ'(…) take values
        in :data:`FUNCTION_DOMAINS` (0 to 1, as for a rising activation).
    variants : list of (str, str), optional
        Known wrong answers and the hint to give for each.
    swaps : list of (str, str), optional
        Pairs of names to test for a mix-up (default: ``a``/``y`` and ``A``/``Y``).
    timeout : float or None
        Seconds the checker may take (None: :data:`DEFAULT_TIMEOUT`); after that the result
        says "could not decide in time". The call returns within about ``timeout`` + 1 s
        whatever the answer.
    seed : int
        Seed of the random points (same answer → same counterexample for everyone).
    """
    if timeout is None:
        timeout = DEFAULT_TIMEOUT
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not timeout > 0
        or not math.isfinite(timeout)
    ):
        raise ValueError(f"expected a positive timeout in seconds, got {timeout!r}")
    namespace = ep.Namespace.build(list(variables), matrix_shapes, fixed)
    elementwise = bool(matrix_shapes)

    # 1. read the answer: the whitelist only (linear in the text; no SymPy object, no number
    #    is built here). Refusals end here: nothing was built, nothing ran.
    try:
        tree = ep.parse_tree(answer_text, namespace.names)
        latex = ep.to_latex(tree, elementwise)
    except ep.ExpressionError as exc:
        message, _, hint = str(exc).partition(" — ")
        return CheckResult(False, message, hint=hint or None)
    except RecursionError:
        return CheckResult(False, f"not allowed: the formula is nested too deeply (at most {ep.MAX_DEPTH} levels)")

    for value in [expected, *(relations or {}).values(), *(text for text, _ in (variants or []))]:
        _check_trusted_type(value)
    for name, domain in (domains or {}).items():
        _check_domain(name, domain)
    spec = _Spec(
        tree=tree,
        expected=expected,
        namespace=namespace,
        activation=activation,
        relations=dict(relations or {}),
        domains=dict(domains or {}),
        variants=list(variants or []),
        swaps=list(swaps) if swaps is not None else [("a", "y"), ("A", "Y")],
        seed=int(seed),
    )

    # 2. build, compare, decide: all of it time- and memory-limited, in another process
    messages, exitcode = _run_limited(_job, (spec,), timeout)
    parsed = None
    for m in messages:
        if "parsed" in m:
            parsed = _unpack(m["parsed"])
    refused = next((m for m in messages if "refused" in m), None)
    if refused is not None:
        return CheckResult(
            False, refused["refused"], hint=refused.get("hint"), latex=latex, proposal=refused.get("proposal")
        )
    verdict = next((m for m in messages if "ok" in m), None)
    error = next((m for m in messages if "error" in m), None)
    if verdict is None:
        if error:
            return CheckResult(False, _error_message(error), parsed=parsed, latex=latex, decided=False)
        if exitcode not in (None, 0) and exitcode != -9:
            return CheckResult(
                False,
                f"could not decide: the checking process stopped unexpectedly "
                f"(exit code {exitcode}); try a simpler equivalent form",
                parsed=parsed,
                latex=latex,
                decided=False,
            )
        agrees = next((m for m in messages if m.get("agrees")), None)
        return CheckResult(
            False,
            f"could not decide in time ({timeout:g} s): try a simpler equivalent form"
            + (f" (numerically, both agree at {agrees['defined']} random points)" if agrees else ""),
            parsed=parsed,
            latex=latex,
            decided=False,
        )
    hinted = next((m for m in messages if m.get("hint")), {})
    return CheckResult(
        verdict["ok"],
        verdict["message"],
        counterexample=verdict.get("counterexample"),
        hint=hinted.get("hint"),
        parsed=parsed,
        latex=latex,
        decided=not verdict.get("undecided", False),
        proposal=hinted.get("proposal"),
    )


def _error_message(error) -> str:
    kind, text = error.get("kind"), error["error"]
    if kind == "MemoryError":
        return (
            f"could not decide: checking this formula needs too much memory (more than {MEMORY_LIMIT_MB} MB); "
            "a number in it is probably astronomically large — try a simpler equivalent form"
        )
    if kind == "OverflowError":
        return (
            f"could not decide: a number in the formula is too large to compute with ({text}); "
            "try a simpler equivalent form"
        )
    if kind == "RecursionError":
        return "could not decide: the formula is nested too deeply for SymPy (RecursionError); try a simpler form"
    return f"could not decide: SymPy failed ({text})"


def _check_trusted_type(value) -> None:
    if isinstance(value, (str, sp.MatrixBase, sp.Basic)) or (isinstance(value, int) and not isinstance(value, bool)):
        return
    raise TypeError(f"expected a formula as text or a SymPy expression, got {type(value).__name__}")


def _check_domain(name, domain) -> None:
    if domain in ("one-hot", "size", "softmax"):
        return
    ok = (
        isinstance(domain, tuple)
        and len(domain) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in domain)
        and domain[0] < domain[1]
    )
    if not ok:
        raise ValueError(
            f"expected the domain of {name!r} as (low, high), 'one-hot', 'softmax' or 'size', got {domain!r}"
        )


def _trusted(value, namespace):
    """Expected formulas written by the book's authors: text goes through the same parser."""
    if isinstance(value, str):
        return ep.parse_expression(value, namespace)
    if isinstance(value, sp.MatrixBase):
        return sp.Matrix(value)
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return sp.Integer(value)
    raise TypeError(f"expected a formula as text or a SymPy expression, got {type(value).__name__}")


def _shape(v):
    return tuple(v.shape) if isinstance(v, sp.MatrixBase) else None


def _shape_words(shape) -> str:
    return "a scalar" if shape is None else f"a {shape[0]}×{shape[1]} matrix"


# ---------------------------------------------------------------------------
# the time and memory limit
# ---------------------------------------------------------------------------
def _limit_memory() -> None:
    """In the child: at most MEMORY_LIMIT_MB more address space than it has now (Linux)."""
    try:
        import resource

        with open("/proc/self/statm") as f:
            current = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = current + MEMORY_LIMIT_MB * 2**20
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):  # no /proc or no RLIMIT_AS (macOS): only the time limit
        pass


def _child(conn, fn, args):
    try:
        _limit_memory()
        for message in fn(*args):
            conn.send(message)
    except BaseException as exc:  # report, never hang the parent
        try:
            text = str(exc)
            if len(text) > 300:
                text = text[:300] + "…"
            conn.send({"error": f"{type(exc).__name__}: {text}", "kind": type(exc).__name__})
        except BaseException:
            pass
    finally:
        conn.close()


def _run_limited(fn, args, timeout: float):
    """Run the generator ``fn(*args)`` for at most ``timeout`` s; return (the messages it yielded by then,
    the child's exit code or None).

    With ``fork`` (Linux, macOS) the work runs in a child process that is killed
    at the deadline (and reaped); otherwise in a daemon thread that is abandoned.
    """
    deadline = time.monotonic() + timeout
    if "fork" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(send, fn, args), daemon=True)
        proc.start()
        send.close()
        messages = []
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not recv.poll(remaining):
                    break
                try:
                    message = recv.recv()
                except (EOFError, OSError):
                    break
                messages.append(message)
                if message.get("final") or "error" in message:
                    break
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join(2)
            recv.close()
        return messages, proc.exitcode

    messages = []

    def run():
        try:
            for message in fn(*args):
                messages.append(message)
        except BaseException as exc:
            messages.append({"error": f"{type(exc).__name__}: {exc}", "kind": type(exc).__name__})

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(max(0.0, deadline - time.monotonic()))
    return list(messages), None


# ---------------------------------------------------------------------------
# the parsed answer, sent back to the caller as plain data (never re-evaluated there)
# ---------------------------------------------------------------------------
class _Unpackable(Exception):
    pass


def _pack(value, limit: int = MAX_PARSED_NODES):
    """The SymPy value as a list of plain nodes (shared sub-expressions once), or None if too large."""
    if isinstance(value, sp.MatrixBase):
        shape, roots = tuple(value.shape), list(value)
    else:
        shape, roots = None, [value]
    nodes, index = [], {}
    stack = [(r, False) for r in reversed(roots)]
    try:
        while stack:
            e, ready = stack.pop()
            if id(e) in index:
                continue
            if not ready and e.args:
                stack.append((e, True))
                stack.extend((a, False) for a in reversed(e.args) if id(a) not in index)
                continue
            index[id(e)] = len(nodes)
            nodes.append(_pack_node(e, index))
            if len(nodes) > limit:
                return None
    except _Unpackable:
        return None
    return {"shape": shape, "nodes": nodes, "roots": [index[id(r)] for r in roots]}


def _pack_node(e, index):
    if isinstance(e, sp.Dummy):
        raise _Unpackable
    if isinstance(e, sp.Symbol):
        return ("symbol", e.name, dict(e._assumptions_orig))
    if getattr(sp.S, type(e).__name__, None) is e:
        return ("singleton", type(e).__name__)
    if isinstance(e, sp.Integer):
        if int(e).bit_length() > 100_000:
            raise _Unpackable
        return ("integer", int(e))
    if isinstance(e, sp.Rational):
        if max(int(e.p).bit_length(), int(e.q).bit_length()) > 100_000:
            raise _Unpackable
        return ("rational", int(e.p), int(e.q))
    if isinstance(e, sp.Float):
        return ("float", tuple(e._mpf_), e._prec)
    args = [index[id(a)] for a in e.args]
    if isinstance(e, AppliedUndef):
        return ("undefined", type(e).__name__, args)
    cls = type(e)
    if not e.args:
        raise _Unpackable
    return ("class", cls.__module__, cls.__qualname__, args)


def _placeholders():
    from .. import symbolic

    funcs = [symbolic.sigma, symbolic.sigma_prime, *ep._ACT.values()]
    return {f.__name__: f for f in funcs}


def _unpack(data):
    """Rebuild what :func:`_pack` sent, without evaluating anything (linear in its size); None on failure."""
    if data is None:
        return None
    try:
        built, undefined = [], _placeholders()
        for node in data["nodes"]:
            kind = node[0]
            if kind == "symbol":
                e = sp.Symbol(node[1], **node[2])
            elif kind == "singleton":
                e = getattr(sp.S, node[1])
            elif kind == "integer":
                e = sp.Integer(node[1])
            elif kind == "rational":
                e = sp.Rational(node[1], node[2])
            elif kind == "float":
                e = sp.Float._new(node[1], node[2])
            elif kind == "undefined":
                f = undefined.get(node[1]) or sp.Function(node[1])
                e = f(*[built[i] for i in node[2]], evaluate=False)
            elif kind == "class":
                e = _rebuild(_sympy_class(node[1], node[2]), [built[i] for i in node[3]])
            else:
                return None
            built.append(e)
        roots = [built[i] for i in data["roots"]]
        if data["shape"] is None:
            return roots[0]
        return sp.Matrix(data["shape"][0], data["shape"][1], roots)
    except Exception:  # a display nicety: never let it break a verdict
        return None


def _sympy_class(module, qualname):
    if not (module.startswith("sympy.") or module == "mlp_lib.symbolic"):
        raise _Unpackable
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and issubclass(obj, sp.Basic)):
        raise _Unpackable
    return obj


def _rebuild(cls, args):
    if issubclass(cls, LatticeOp) or issubclass(cls, Application):
        return cls(*args, evaluate=False)
    if issubclass(cls, AssocOp):
        return cls._from_args(args)
    if cls is sp.Pow:
        return sp.Pow(*args, evaluate=False)
    return sp.Basic.__new__(cls, *args)


# ---------------------------------------------------------------------------
# the job of the child process: build, then decide
# ---------------------------------------------------------------------------
def _job(spec: _Spec):
    ns = spec.namespace
    expected = _trusted(spec.expected, ns)
    context = _Context(
        namespace=ns,
        activation=spec.activation,
        relations={k: _trusted(v, ns) for k, v in spec.relations.items()},
        domains=spec.domains,
        variants=[(_trusted(text, ns), hint) for text, hint in spec.variants],
        swaps=spec.swaps,
        seed=spec.seed,
        answer_text=ast.unparse(spec.tree),
    )
    try:
        answer, context.conditions = ep.to_sympy_with_conditions(spec.tree, ns)
    except ep.ProductShapeError as exc:
        proposal = next((text for text in exc.candidates if _accepts(text, expected, context)), None)
        hint = f"did you mean {proposal}?" if proposal else _PRODUCT_HINT
        yield {"refused": str(exc), "hint": hint, "proposal": proposal, "final": True}
        return
    except ep.ExpressionError as exc:
        message, _, hint = str(exc).partition(" — ")
        yield {"refused": message, "hint": hint or None, "final": True}
        return
    yield {"parsed": _pack(answer)}
    shape_a, shape_e = _shape(answer), _shape(expected)
    if shape_a != shape_e:
        hint = None
        if shape_a is not None and shape_e is not None and shape_a == shape_e[::-1]:
            hint = "transposed? Your answer has the shape of the transpose of the right one."
        yield {
            "ok": False,
            "hint": hint,
            "final": True,
            "message": f"wrong shape: your answer is {_shape_words(shape_a)}, the right one is {_shape_words(shape_e)}",
        }
        return
    yield from _decide(answer, expected, context)


_PRODUCT_HINT = (
    "@ needs as many columns on its left as rows on its right: a factor transposed, the factors in the "
    "other order, or * for the elementwise product ∘?"
)


def _accepts(text, expected, ctx: _Context) -> bool:
    """Would the checker accept the whole answer ``text`` (a proposal for a hint)?"""
    try:
        tree = ep.parse_tree(text, ctx.namespace.names)
        value, conditions = ep.to_sympy_with_conditions(tree, ctx.namespace)
    except ep.ExpressionError:
        return False
    if _shape(value) != _shape(expected):
        return False
    trial = _Context(**{**ctx.__dict__, "conditions": conditions, "answer_text": text})
    verdict = next((m for m in _decide(value, expected, trial, hints=False) if "ok" in m), None)
    return bool(verdict and verdict["ok"])


# ---------------------------------------------------------------------------
# deciding (runs in the child process)
# ---------------------------------------------------------------------------
def _decide(answer, expected, ctx: _Context, hints: bool = True):
    """Yield the verdict first, then (for a wrong answer) the hint, then ``{"final": True}``.

    The rule: the answer is right when the difference answer − right answer simplifies to 0, or
    when SymPy cannot simplify it but it is 0 at every test point to the precision SymPy can
    certify (``evalf`` cannot find a single correct digit of it with :data:`MAX_WORKING_DIGITS`
    digits: its terms cancel to that many digits). A difference whose value SymPy computes to
    :data:`DIGITS` correct digits and finds nonzero at one point — however small, ``1e-30·z``,
    ``1e-400`` — makes it wrong.
    """
    A, E = _prepare(answer, ctx), _prepare(expected, ctx)
    conditions = [(kind, _prepare(t, ctx)) for kind, t in ctx.conditions]
    # numbers first: one point where the two differ settles "not equal" at once (no simplify);
    # SymPy's simplification is only needed to confirm an answer that agrees everywhere we look
    scan = _scan(A, E, ctx, conditions=conditions, kinks=True)
    if scan.counterexample is not None:
        cx = scan.counterexample
        if cx["got"] == "undefined" or _has_undefined(cx["got"]):
            message = (
                "not equal: your answer has no real value at the values below (a division by zero, "
                "log of 0 or of a negative number, or a square root of a negative number?), "
                "where the right one has."
            )
        else:
            message = "not equal: at the values below your answer and the right one differ."
            shown = _entry_of(cx["got"], cx["entry"]), _entry_of(cx["expected"], cx["entry"])
            if format_value(shown[0]) == format_value(shown[1]):
                message = message[:-1] + _gap_text(A, E, scan.bad_point, cx["entry"])
        yield {"ok": False, "message": message, "counterexample": cx}
        if hints:
            # an answer without a real value somewhere stays without one under every repair the hints
            # propose (a sign, a factor, a name): then only the exercise's own known mistakes are named
            no_value = scan.no_value or _loses_value(A, E, conditions, ctx)
            hint, proposal = _hint(answer, expected, A, ctx, variants_only=no_value)
            if proposal is not None and not _accepts(proposal, expected, ctx):
                hint = proposal = None  # never propose what the checker itself rejects
            yield {"hint": hint, "proposal": proposal}
        yield {"final": True}
        return
    yield {"agrees": True, "defined": scan.defined}
    # where a hidden term lives (next to the kinks, where the answer needs more digits), the
    # difference put over one denominator often shows it at once, before the slow simplifier
    nonzero = _certified_difference(A, E, scan, ctx, _quick_difference(A, E), scan.kinks + scan.unknown)
    if nonzero is not None:
        yield _nonzero_verdict(*nonzero)
        yield {"hint": None}
        yield {"final": True}
        return
    diff = _symbolic_difference(A, E)
    if diff is not None and all(d == 0 for d in diff):
        yield {"ok": True, "message": "correct: your answer equals the right one."}
        yield {"final": True}
        return
    constant = _nonzero_constant(diff)
    if constant is not None:
        cx = scan.first
        yield {
            "ok": False,
            "counterexample": cx,
            "message": (
                f"not equal: SymPy shows that your answer minus the right one is the constant "
                f"{_constant_text(constant)}, not 0 (too small to see in the values below)."
            ),
        }
        yield {"hint": None}
        yield {"final": True}
        return
    nonzero = _certified_difference(A, E, scan, ctx, diff)
    if nonzero is not None:
        yield _nonzero_verdict(*nonzero)
        yield {"hint": None}
        yield {"final": True}
        return
    if scan.defined >= MIN_DEFINED_POINTS and scan.wide >= MIN_DEFINED_POINTS // 2:
        assumption = "".join(
            f"; {n} {'one-hot' if d == 'one-hot' else 'with columns summing to 1'}, as the exercise says"
            for n, d in ctx.domains.items()
            if d in ("one-hot", "softmax")
        )
        yield {
            "ok": True,
            "message": (
                f"accepted: SymPy could not simplify the difference to 0, but it is 0 at "
                f"{scan.defined} test points{assumption} (its terms cancel to {MAX_WORKING_DIGITS} digits)."
            ),
        }
        yield {"final": True}
        return
    yield {
        "ok": False,
        "undecided": True,
        "message": (
            f"could not decide: SymPy could not simplify the difference to 0, and the two formulas are both "
            f"defined at only {scan.defined} of {COUNTEREXAMPLE_TRIES} random points "
            f"(at least {MIN_DEFINED_POINTS} are needed); try a simpler equivalent form."
        ),
    }
    yield {"final": True}


def _nonzero_verdict(cx, value) -> dict:
    if _has_undefined(cx["got"]):
        why = f"SymPy computes the difference to {DIGITS} digits there, though not your answer itself"
    else:
        why = f"SymPy computes it to {DIGITS} digits; too small to see in the values shown"
    return {
        "ok": False,
        "counterexample": cx,
        "message": (
            f"not equal: your answer minus the right one is {sp.sstr(sp.Float(value, 3))} at the values "
            f"below, not 0 ({why})."
        ),
    }


def _quick_difference(A, E):
    """The entries of A − E over one denominator (``together``, ``cancel``; no ``simplify``), or None."""
    MA, ME = _as_matrix(A), _as_matrix(E)
    try:
        return [sp.cancel(sp.together(a - e)) for a, e in zip(MA, ME)]
    except (sp.PolynomialError, TypeError, ValueError):
        return None


def _entry_of(value, entry):
    return value[entry[0]][entry[1]] if entry is not None and isinstance(value, list) else value


def _gap_text(A, E, point, entry) -> str:
    """`` (by 3.2e-9, too little to see in 6 digits).``: the difference at a counterexample that looks equal."""
    i, c = entry or (0, 0)
    status, value = _evaluate(_at(_as_matrix(A)[i, c] - _as_matrix(E)[i, c], point))
    if status != "ok":
        return "."
    return f" (by {sp.sstr(sp.Float(value, 3))}, too little to see in the 6 digits shown)."


def _constant_text(c) -> str:
    text = sp.sstr(c)
    return text if len(text) <= 12 else sp.sstr(sp.N(c, 3))


def _has_undefined(v):
    if isinstance(v, list):
        return any(_has_undefined(x) for x in v)
    return v in ("undefined", "not computed")


def _relation_map(ctx):
    out = {}
    for name, rel in ctx.relations.items():
        var = ctx.namespace.values[name]
        rel = ep.realize(rel, ctx.activation)
        if isinstance(var, sp.MatrixBase):
            if not isinstance(rel, sp.MatrixBase) or rel.shape != var.shape:
                raise ValueError(f"relation for {name}: expected shape {var.shape}")
            out.update({s: r for s, r in zip(var, rel)})
        else:
            out[var] = rel
    return out


def _prepare(value, ctx):
    """Placeholders → definitions, then the relations (a → σ(z))."""
    value = ep.realize(value, ctx.activation)
    rel = _relation_map(ctx)
    if rel:
        value = value.xreplace(rel)
    return value


def _as_matrix(v):
    return sp.Matrix(v) if isinstance(v, sp.MatrixBase) else sp.Matrix([[v]])


_HYPERBOLIC = (sp.tanh, sp.cosh, sp.sinh, sp.sech, sp.csch, sp.coth)


def _symbolic_difference(A, E):
    """The simplified entries of A − E (hyperbolic functions rewritten with exp first), or None."""
    MA, ME = _as_matrix(A), _as_matrix(E)
    if MA.shape != ME.shape:
        return None
    if any(e.has(*_HYPERBOLIC) for e in list(MA) + list(ME)):
        MA, ME = MA.applyfunc(lambda e: e.rewrite(sp.exp)), ME.applyfunc(lambda e: e.rewrite(sp.exp))
    try:
        return list(difference(MA, ME))
    except ValueError:
        return None


def _symbolic_equal(A, E) -> bool:
    """SymPy's verdict: the difference simplifies to 0."""
    diff = _symbolic_difference(A, E)
    return diff is not None and all(e == 0 for e in diff)


def _nonzero_constant(diff):
    """The first entry of the difference that is a number SymPy shows is not 0, else None."""
    for d in diff or []:
        if d.free_symbols or d.has(AppliedUndef):
            continue
        status, value = _evaluate(d)
        if status == "ok" and value != 0:
            return d
    return None


def _equal(A, E, ctx=None) -> bool:
    """Equal? A few random points first (cheap, and enough to tell most wrong variants apart)."""
    if _shape(A) != _shape(E):
        return False
    if ctx is not None and _scan(A, E, ctx, tries=4).counterexample is not None:
        return False
    return _symbolic_equal(A, E)


# -- sample points ----------------------------------------------------------
def _domain_of(name, ctx):
    base = name.split("_")[0]
    default = "size" if base in SIZE_NAMES else None
    return ctx.domains.get(name, ctx.domains.get(base, default))


def _readable(k):
    return k < READABLE_TRIES


def _random_value(rng, domain, k):
    """A random rational for try ``k``: readable (two decimals) for the first tries, then spread out."""
    if domain == "size":
        if _readable(k):
            return sp.Integer(rng.randint(1, 6))
        return sp.Integer(max(1, min(1000, int(round(10 ** rng.uniform(0, 3))))))
    if domain is None or domain == "one-hot":
        if _readable(k):
            return sp.Rational(rng.randint(-199, 199), 100)
        magnitude = 10 ** rng.uniform(-2, 2)  # 0.01 … 100, both signs
        return sp.Rational(rng.choice((-1, 1)) * max(1, int(round(magnitude * 1000))), 1000)
    lo, hi = domain
    if _readable(k):
        lo100, hi100 = int(math.floor(lo * 100)) + 1, int(math.ceil(hi * 100)) - 1
        if lo100 <= hi100:
            return sp.Rational(rng.randint(lo100, hi100), 100)
    lo_q, hi_q = sp.Rational(str(lo)), sp.Rational(str(hi))
    width = hi_q - lo_q
    if rng.random() < 0.4:  # close to an end of the interval: 10⁻¹ … 10⁻⁴ of its width away
        gap = width * sp.Rational(max(1, int(round(10 ** rng.uniform(0, 3)))), 10000)
        return lo_q + gap if rng.random() < 0.5 else hi_q - gap
    return lo_q + width * sp.Rational(rng.randint(1, 9999), 10000)


def _point(exprs, ctx, rng, k):
    """Values for every free symbol (whole matrices at once, one-hot columns where the domain says so)
    and every undefined σ(…), σ'(…) application of ``exprs``."""
    free, apps = set(), set()
    for e in exprs:
        free |= e.free_symbols
        apps |= set(e.atoms(AppliedUndef))
    point = {}
    for name, var in ctx.namespace.values.items():
        if isinstance(var, sp.MatrixBase) and any(s in free for s in var if isinstance(s, sp.Symbol)):
            if not all(isinstance(s, sp.Symbol) for s in var):
                continue  # a fixed matrix (ones, I)
            domain = _domain_of(name, ctx)
            if domain == "one-hot":
                for c in range(var.shape[1]):
                    hot = rng.randrange(var.shape[0])
                    for r in range(var.shape[0]):
                        point[var[r, c]] = sp.Integer(1 if r == hot else 0)
            elif domain == "softmax":
                for c in range(var.shape[1]):
                    for r, share in enumerate(_shares(rng, var.shape[0], k)):
                        point[var[r, c]] = share
            else:
                for s in var:
                    point[s] = _random_value(rng, domain, k)
    for s in sorted(free, key=lambda s: s.name):
        if s not in point:
            point[s] = _random_value(rng, _domain_of(s.name, ctx), k)
    for f in sorted(apps, key=str):  # undefined σ(…), σ'(…): any value an activation can have
        point[f] = _random_value(rng, FUNCTION_DOMAINS.get(f.func.__name__), k)
    return point


def _shares(rng, rows, k):
    """``rows`` positive rationals summing to 1 (a softmax output): two decimals for readable tries."""
    if _readable(k) and rows <= 50:
        cuts = sorted(rng.sample(range(1, 100), rows - 1))
        return [sp.Rational(b - a, 100) for a, b in zip([0, *cuts], [*cuts, 100])]
    weights = [sp.Integer(max(1, int(round(10 ** rng.uniform(0, 3))))) for _ in range(rows)]
    total = sum(weights)
    return [w / total for w in weights]


def _evaluate(e):
    """(``"ok"``, Float) for a real value, (``"undefined"``, None) for none (1/0, log 0, √−1),
    (``"unknown"``, None) if it cannot be computed to :data:`DIGITS` digits."""
    if e.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return "undefined", None
    try:
        v = e.evalf(DIGITS, strict=True, maxn=MAX_WORKING_DIGITS)
    except PrecisionExhausted:
        return "unknown", None
    except (TypeError, ValueError, ZeroDivisionError, AttributeError):
        return "unknown", None
    if v.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return "undefined", None
    if not v.is_number or v.free_symbols:
        return "unknown", None
    re_, im = v.as_real_imag()
    if not (re_.is_Number and im.is_Number):
        return "unknown", None
    if im != 0 and abs(im) > RELATIVE_TOLERANCE * max(1, abs(re_)):
        return "undefined", None
    return "ok", re_


def _differ(g, x) -> bool:
    return abs(g - x) > RELATIVE_TOLERANCE * max(abs(g), abs(x))


@dataclass
class _Scan:
    counterexample: dict | None = None
    defined: int = 0  # points where both were defined and agreed
    wide: int = 0  # of those, points beyond the readable first ones
    first: dict | None = None  # the first agreeing point, described
    points: list = field(default_factory=list)  # the agreeing points
    no_value: bool = False  # the counterexample is a point where the answer has no real value
    bad_point: dict | None = None  # the counterexample's point
    unknown: list = field(default_factory=list)  # points where the answer could not be computed to DIGITS
    kinks: list = field(default_factory=list)  # the agreeing points next to a kink


def _split(point):
    """(function applications, symbols) of a point: substitute the applications first."""
    funcs = {p: v for p, v in point.items() if not isinstance(p, sp.Symbol)}
    syms = {p: v for p, v in point.items() if isinstance(p, sp.Symbol)}
    return funcs, syms


def _at(e, point):
    funcs, syms = _split(point)
    return e.xreplace(funcs).xreplace(syms)


def _violated(conditions, point) -> bool:
    """Does the answer lose its real value here (a square root or log of a negative number)?"""
    for kind, t in conditions:
        status, v = _evaluate(_at(t, point))
        if status == "undefined" or (status == "ok" and (bool(v < 0) or (kind == "positive" and v == 0))):
            return True
    return False


def _loses_value(A, E, conditions, ctx) -> bool:
    """Does the answer lose its real value (a square root or log of a negative number) at one of the
    random test points?"""
    if not conditions:
        return False
    rng = random.Random(ctx.seed)
    exprs = list(_as_matrix(A)) + list(_as_matrix(E)) + [t for _, t in conditions]
    return any(_violated(conditions, _point(exprs, ctx, rng, k)) for k in range(COUNTEREXAMPLE_TRIES))


def _scan(A, E, ctx, tries=COUNTEREXAMPLE_TRIES, conditions=(), kinks=False) -> _Scan:
    """Compare A and E at ``tries`` random points (and, with ``kinks``, on both sides of every kink):
    the first counterexample, or how many points agreed."""
    rng = random.Random(ctx.seed)
    MA, ME = _as_matrix(A), _as_matrix(E)
    out = _Scan()
    exprs = list(MA) + list(ME) + [t for _, t in conditions]
    points = [(k, _point(exprs, ctx, rng, k)) for k in range(tries)]
    if kinks:
        points += [(tries, p) for p in _kink_points(exprs, conditions, ctx, rng)]
    for k, point in points:
        ga, ge = _at(MA, point), _at(ME, point)
        no_value = _violated(conditions, point)
        got, exp, skip, bad = [], [], False, None
        for i in range(MA.shape[0]):
            got_row, exp_row = [], []
            for c in range(MA.shape[1]):
                se, x = _evaluate(ge[i, c])
                if se != "ok":
                    skip = True  # the right answer is not defined here: not a test point
                    break
                sg, g = ("undefined", None) if no_value else _evaluate(ga[i, c])
                if sg == "unknown":
                    out.unknown.append(point)  # 1 − σ(300) needs more digits: the difference may not
                    skip = True
                    break
                got_row.append("undefined" if sg == "undefined" else g)
                exp_row.append(x)
                if bad is None and (sg == "undefined" or _differ(g, x)):
                    bad = (i, c)
            if skip:
                break
            got.append(got_row)
            exp.append(exp_row)
        if skip:
            continue
        if bad is not None:
            if got[bad[0]][bad[1]] == "undefined" or _confirmed(ga[bad], ge[bad]):
                out.counterexample = _describe(point, got, exp, bad, A, ctx)
                out.no_value = no_value
                out.bad_point = point
                return out
            continue
        out.defined += 1
        out.wide += not _readable(k)
        out.points.append(point)
        if k >= tries:
            out.kinks.append(point)
        if out.first is None:
            out.first = _describe(point, got, exp, (0, 0), A, ctx)
    return out


# -- kinks: where relu, step, |·|, sqrt and log change behaviour ----------------------------
def _kink_arguments(exprs, conditions):
    """The expressions whose sign changes what the formula does: arguments of relu, step, |·|, sign,
    Heaviside, Max/Min (differences of their arguments), Piecewise conditions, and the arguments of the
    answer's square roots and logs."""
    out = []
    for e in exprs:
        for f in e.atoms(symbolic.relu, symbolic.relu_step, sp.Abs, sp.sign, sp.Heaviside):
            out.append(f.args[0])
        for f in e.atoms(sp.Max, sp.Min):
            out.extend(a - b for a, b in zip(f.args, f.args[1:]))
        for f in e.atoms(sp.Piecewise):
            for _, cond in f.args:
                if isinstance(cond, sp.core.relational.Relational):
                    out.append(cond.lhs - cond.rhs)
    out.extend(t for _, t in conditions)
    unique = []
    for g in out:
        if g.free_symbols or g.atoms(AppliedUndef):
            if g not in unique:
                unique.append(g)
    return unique[:MAX_KINKS]


def _real_roots(h, v, limit=3):
    """Up to ``limit`` real roots of the one-variable expression ``h`` in ``v`` (numbers, as Rationals):
    exactly for a polynomial of degree 1, else where a scan of ±10⁻³ … ±10⁶ changes sign (bisected)."""
    try:
        poly = sp.Poly(h, v)
        if poly.degree() == 1:
            c1, c0 = poly.all_coeffs()
            root = -c0 / c1
            status, value = _evaluate(root)
            return [sp.Rational(str(sp.Float(value, 20)))] if status == "ok" else []
    except (sp.PolynomialError, sp.GeneratorsNeeded, ValueError, TypeError):
        pass
    grid = sorted({0, *(s * 10 ** (j / 4) for j in range(-12, 25) for s in (-1, 1))})

    def sign(x):
        status, value = _evaluate(h.xreplace({v: sp.Rational(str(x))}))
        return None if status != "ok" else int(bool(value > 0)) - int(bool(value < 0))

    roots, last = [], None
    for x in grid:
        s_x = sign(x)
        if s_x == 0:
            roots.append(sp.Rational(str(x)))
        elif s_x is not None and last is not None and last[1] is not None and last[1] != 0 and s_x != last[1]:
            lo, hi, s_lo = last[0], x, last[1]
            for _ in range(50):
                mid = (lo + hi) / 2
                s_mid = sign(mid)
                if s_mid is None or s_mid == 0:
                    break
                lo, hi, s_lo = (mid, hi, s_mid) if s_mid == s_lo else (lo, mid, s_lo)
            roots.append(sp.Rational(str((lo + hi) / 2)))
        last = (x, s_x)
        if len(roots) >= limit:
            break
    return roots


def _in_domain(value, root, domain):
    """``value`` (a step away from the kink ``root``) moved into ``domain``: halfway from the root to
    the end of an interval it would leave; None if that is not possible."""
    if domain is None:
        return value
    if domain == "size":
        whole = int(value)
        return sp.Integer(whole) if whole >= 1 and whole == value else None
    if domain in ("one-hot", "softmax"):
        return None
    lo, hi = (sp.Rational(str(x)) for x in domain)
    if bool(lo < value) and bool(value < hi):
        return value
    if not (bool(lo < root) and bool(root < hi)):
        return None
    return (root + (hi if bool(value >= hi) else lo)) / 2


def _kink_points(exprs, conditions, ctx, rng):
    """Test points on both sides of every kink: for each kink argument g and each variable v of it,
    the other variables drawn at random, v = r ± δ at each real root r of g (δ = 10⁻³ and 1/4 of
    max(1, |r|); whole numbers r ± 1 for a size), kept where v's domain allows."""
    names = {}
    for name, var in ctx.namespace.values.items():
        for s in var if isinstance(var, sp.MatrixBase) else [var]:
            if isinstance(s, sp.Symbol):
                names[s] = _domain_of(name, ctx)
    out = []
    for g in _kink_arguments(exprs, conditions):
        variables = sorted(g.free_symbols, key=str) + sorted(g.atoms(AppliedUndef), key=str)
        for v in variables[:3]:
            domain = names.get(v) if isinstance(v, sp.Symbol) else FUNCTION_DOMAINS.get(v.func.__name__)
            if domain in ("one-hot", "softmax"):
                continue
            base = _point(exprs, ctx, rng, READABLE_TRIES)
            t = sp.Dummy("t")
            h = _at(g.xreplace({v: t}), {p: x for p, x in base.items() if p != v})
            for r in _real_roots(h, t):
                scale = max(1, abs(r))
                if domain == "size":
                    steps = [sp.floor(r) - (1 if r == sp.floor(r) else 0), sp.floor(r) + 1]
                else:
                    steps = [
                        r + sign * scale * d for d in (sp.Rational(1, 1000), sp.Rational(1, 4)) for sign in (-1, 1)
                    ]
                for x in steps:
                    x = _in_domain(x, r, domain)
                    if x is not None:
                        out.append({**base, v: x})
    return out


def _certified_difference(A, E, scan, ctx, diff=None, points=None):
    """The first test point where SymPy computes A − E (as it stands, or simplified: ``diff``) to
    :data:`DIGITS` correct digits and finds it nonzero: ``(counterexample, value)``; None if it is 0, or
    0 to :data:`MAX_WORKING_DIGITS` digits (its terms cancel), at every one. The points are those where
    both agreed and those where the answer could not be computed (``1 − σ(300)`` beyond a kink at 300,
    where the simplified difference may still be)."""
    MA, ME = _as_matrix(A), _as_matrix(E)
    simplified = list(diff) if diff is not None else [None] * len(MA)
    for point in scan.points + scan.unknown if points is None else points:
        ga, ge = _at(MA, point), _at(ME, point)
        for i in range(MA.shape[0]):
            for c in range(MA.shape[1]):
                status, value = _evaluate(ga[i, c] - ge[i, c])
                d = simplified[i * MA.shape[1] + c]
                if not (status == "ok" and value != 0) and d is not None:
                    status, value = _evaluate(_at(d, point))
                if status == "ok" and value != 0:
                    got = [[_evaluate(x)[1] for x in ga.row(r)] for r in range(MA.shape[0])]
                    exp = [[_evaluate(x)[1] for x in ge.row(r)] for r in range(MA.shape[0])]
                    return _describe(point, got, exp, (i, c), A, ctx), value
    return None


def _confirmed(g, x) -> bool:
    """Still different when computed with twice the digits (never a rounding artefact)."""
    try:
        vg = g.evalf(2 * DIGITS, strict=True, maxn=2 * MAX_WORKING_DIGITS)
        vx = x.evalf(2 * DIGITS, strict=True, maxn=2 * MAX_WORKING_DIGITS)
    except (PrecisionExhausted, TypeError, ValueError, ZeroDivisionError, AttributeError):
        return False
    if not (vg.is_Number and vx.is_Number):
        return False
    return _differ(vg, vx)


def _show(v):
    """A value for the result: a float where it fits, else its text (e.g. ``1.2e+500``); "undefined" kept."""
    if v is None:
        return "not computed"
    if isinstance(v, str):
        return v
    try:
        f = float(v)
    except (OverflowError, TypeError, ValueError):
        f = math.inf
    if math.isfinite(f) and (f != 0 or v == 0):
        return f
    return sp.sstr(sp.Float(v, 6))


def _describe(point, got, exp, entry, A, ctx):
    values = {}
    for name, var in ctx.namespace.values.items():
        if isinstance(var, sp.MatrixBase):
            if any(s in point for s in var):
                values[name] = [[_show(point.get(var[i, k])) for k in range(var.shape[1])] for i in range(var.shape[0])]
        elif isinstance(var, sp.Symbol) and var in point:
            values[name] = _show(point[var])
    funcs, syms = _split(point)
    for name, rel in ctx.relations.items():  # show a = σ(z) too
        r = _as_matrix(ep.realize(rel, ctx.activation)).xreplace(funcs).xreplace(syms)
        nums = [[_show(_evaluate(r[i, k])[1]) for k in range(r.shape[1])] for i in range(r.shape[0])]
        values[name] = nums if isinstance(ctx.namespace.values[name], sp.MatrixBase) else nums[0][0]
    for f, v in funcs.items():
        values[str(f).replace("sigma'", "σ'").replace("sigma", "σ")] = _show(v)
    scalar = not isinstance(A, sp.MatrixBase)
    got = [[_show(v) for v in row] for row in got]
    exp = [[_show(v) for v in row] for row in exp]
    return {
        "values": values,
        "expected": exp[0][0] if scalar else exp,
        "got": got[0][0] if scalar else got,
        "entry": None if scalar else entry,
    }


# -- hints -----------------------------------------------------------------
def _hint(answer, expected, A, ctx, variants_only=False):
    """``(hint, proposal)``: the first known mistake the answer matches and the whole answer the hint
    proposes (text, or None); ``(None, None)`` if none matches. ``answer``/``expected`` are
    placeholder-level; ``variants_only``: only the exercise's own known wrong answers."""
    # the exercise's own known wrong answers first: most specific
    for wrong, message in ctx.variants:
        if _shape(wrong) == _shape(answer) and _equal(A, _prepare(wrong, ctx), ctx):
            return message, None
    if variants_only:
        return None, None
    if _equal(A, -_prepare(expected, ctx), ctx):
        return "check the sign: your answer is exactly the negative of the right one.", None
    # σ where σ' belongs
    for deriv, func in ep.DERIVATIVE_OF.items():
        if expected.has(deriv) and _equal(A, _prepare(expected.replace(deriv, func), ctx), ctx):
            return f"σ or σ'? You have {_fname(func)}(…) where its derivative {_fname(func)}'(…) belongs.", None
    # a missing σ' factor: placeholders set to 1, or (with a = σ(z)) one factor σ'(z) short
    for deriv in ep.DERIVATIVE_OF:
        if expected.has(deriv) and _equal(A, _prepare(expected.replace(deriv, lambda t: sp.Integer(1)), ctx), ctx):
            return (
                f"a factor {_fname(deriv)}(…) is missing: the chain rule multiplies by the activation's derivative.",
                None,
            )
    for name, rel in ctx.relations.items():
        rel_prime = rel
        for deriv, func in ep.DERIVATIVE_OF.items():
            rel_prime = rel_prime.replace(func, deriv)
        if rel_prime == rel:
            continue
        d = _prepare(rel_prime, ctx)
        with_d = A.multiply_elementwise(d) if isinstance(A, sp.MatrixBase) else A * d
        if _equal(with_d, _prepare(expected, ctx), ctx):
            return f"a factor σ'(…) is missing (with {name} = σ(…), that is the derivative of the activation).", None
    # a constant factor (2, 1/n, the batch size m, …)
    ratio = _constant_ratio(A, _prepare(expected, ctx), ctx)
    if ratio is not None:
        sizes = sorted(str(s) for s in ratio.free_symbols)
        extra = f" — check the 1/{' and '.join(sizes)} (mean or sum?)" if sizes else ""
        proposal = f"({sp.sstr(ratio)})*({ctx.answer_text})" if ctx.answer_text else None
        return f"off by a constant factor: the right answer is {ratio} × yours{extra}.", proposal
    # swapped names (a and y, …)
    for p, q in ctx.swaps:
        if p in ctx.namespace.values and q in ctx.namespace.values:
            swapped = _swap(expected, ctx.namespace.values[p], ctx.namespace.values[q])
            if swapped is not None and _equal(A, _prepare(swapped, ctx), ctx):
                return f"{p} and {q} swapped? The right answer has them the other way round.", None
    # a square matrix used where its transpose belongs
    for name, var in ctx.namespace.values.items():
        if isinstance(var, sp.MatrixBase) and var.shape[0] == var.shape[1] and var.shape[0] > 1:
            tmap = {var[i, k]: var[k, i] for i in range(var.shape[0]) for k in range(var.shape[1])}
            if _equal(A, _prepare(_xreplace(expected, tmap), ctx), ctx):
                return f"transposition: your answer matches the right one with {name} and {name}ᵀ exchanged.", None
    return None, None


def _fname(f) -> str:
    name = getattr(f, "__name__", str(f))
    return {"sigma": "σ", "sigma'": "σ'", "relu": "ReLU", "relu'": "ReLU'"}.get(name, name)


def _xreplace(v, mapping):
    return v.xreplace(mapping)


def _swap(expected, p, q):
    if isinstance(p, sp.MatrixBase) != isinstance(q, sp.MatrixBase):
        return None
    if isinstance(p, sp.MatrixBase):
        if p.shape != q.shape:
            return None
        mapping = {**dict(zip(p, q)), **dict(zip(q, p))}
    else:
        mapping = {p: q, q: p}
    return expected.xreplace(mapping)


def _constant_ratio(A, E, ctx):
    """k with E = k·A where k ≠ ±1 depends at most on the size names n, m; else None."""
    MA, ME = _as_matrix(A), _as_matrix(E)
    sizes = {s for name, s in ctx.namespace.values.items() if name in SIZE_NAMES and isinstance(s, sp.Symbol)}
    for a_i, e_i in zip(MA, ME):
        if a_i == 0:
            continue
        k = sp.cancel(sp.together(e_i / a_i))
        if k in (0, 1, -1) or not k.free_symbols <= sizes or k.has(sp.core.function.AppliedUndef):
            return None
        if _equal(k * MA, ME, ctx):
            return k
        return None
    return None
