"""The derivation checker: is a student's formula equal to the right one?

:func:`check_expression` reads the typed answer with the safe parser of
:mod:`mlp_lib.teaching.parser` (nothing the student types is ever run), then
lets SymPy decide whether it equals the expected formula:

1. both are built with *placeholder* activations (σ, σ', sigmoid', ReLU', …),
   then the placeholders are replaced by their definitions and the exercise's
   relations are substituted (e.g. ``a = σ(z)``), so ``a*(1-a)`` equals
   ``sigmoid_prime(z)`` for a sigmoid;
2. the difference is simplified cheapest first (``together``, ``expand``,
   ``cancel``, then ``simplify`` — :func:`mlp_lib.symbolic.difference`);
3. if it is not 0, a **counterexample** is searched: random rational values
   (from a generator seeded with ``seed``, so every student sees the same
   numbers for the same answer) where both sides are defined and differ;
4. for a wrong answer, **hints** compare it with the usual mistakes: the
   exercise's own known wrong variants, a flipped sign, σ in place of σ', a
   missing σ' factor, a constant factor (``2``, ``1/n``, the batch size ``m``),
   swapped ``a`` and ``y``, a transposed matrix.

If SymPy cannot reduce the difference to 0 but no point among many tells the
two apart, the answer is accepted with a note saying so.

Steps 2–4 run in a separate (forked) process that is stopped after
``timeout`` seconds ("could not decide in time"), so a pathological answer
cannot hang a notebook kernel. Where ``fork`` is not available (Windows) they
run in a background thread instead: the answer is still reported as
undecided after ``timeout``, but the thread finishes on its own.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from dataclasses import dataclass, field

import sympy as sp

from . import parser as ep
from ..symbolic import difference

#: seconds SymPy may spend deciding one answer (hints included)
DEFAULT_TIMEOUT = 5.0
#: random points tried when looking for a counterexample
COUNTEREXAMPLE_TRIES = 40
#: names treated as sizes: a ratio that depends only on them is "a constant factor"
SIZE_NAMES = ("n", "m")


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
    """

    ok: bool
    message: str
    counterexample: dict | None = None
    hint: str | None = None
    parsed: object = None
    latex: str | None = None
    decided: bool = True

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
        ``{"a": (0, 1)}``: the open interval random values of that variable come from
        (default ``(-2, 2)``).
    variants : list of (str, str), optional
        Known wrong answers and the hint to give for each.
    swaps : list of (str, str), optional
        Pairs of names to test for a mix-up (default: ``a``/``y`` and ``A``/``Y``).
    timeout : float or None
        Seconds SymPy may take (None: :data:`DEFAULT_TIMEOUT`); after that the result
        says "could not decide in time".
    seed : int
        Seed of the random points (same answer → same counterexample for everyone).
    """
    if timeout is None:
        timeout = DEFAULT_TIMEOUT
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"expected a positive timeout in seconds, got {timeout!r}")
    namespace = ep.Namespace.build(list(variables), matrix_shapes, fixed)
    elementwise = bool(matrix_shapes)

    # 1. read the answer (refusals end here: nothing was built, nothing ran)
    try:
        tree = ep.parse_tree(answer_text, namespace.names)
        latex = ep.to_latex(tree, elementwise)
        answer = ep.to_sympy(tree, namespace)
    except ep.ExpressionError as exc:
        message, _, hint = str(exc).partition(" — ")
        return CheckResult(False, message, hint=hint or None)

    expected_value = _trusted(expected, namespace)
    context = _Context(
        namespace=namespace,
        activation=activation,
        relations={k: _trusted(v, namespace) for k, v in (relations or {}).items()},
        domains=dict(domains or {}),
        variants=[(_trusted(text, namespace), hint) for text, hint in (variants or [])],
        swaps=list(swaps) if swaps is not None else [("a", "y"), ("A", "Y")],
        seed=int(seed),
    )

    # 2. shapes (cheap, no SymPy simplification)
    shape_a, shape_e = _shape(answer), _shape(expected_value)
    if shape_a != shape_e:
        hint = None
        if shape_a is not None and shape_e is not None and shape_a == shape_e[::-1]:
            hint = "transposed? Your answer has the shape of the transpose of the right one."
        return CheckResult(
            False,
            f"wrong shape: your answer is {_shape_words(shape_a)}, the right one is {_shape_words(shape_e)}",
            hint=hint,
            parsed=answer,
            latex=latex,
        )

    # 3. decide (time-limited, in another process)
    messages = _run_limited(_decide, (answer, expected_value, context), timeout)
    verdict = next((m for m in messages if "ok" in m), None)
    error = next((m["error"] for m in messages if "error" in m), None)
    if verdict is None:
        if error:
            return CheckResult(False, f"could not decide: SymPy failed ({error})", parsed=answer, latex=latex,
                               decided=False)
        agrees = any(m.get("agrees") for m in messages)
        return CheckResult(
            False,
            f"could not decide in time ({timeout:g} s): try a simpler equivalent form"
            + (f" (numerically, both agree at {COUNTEREXAMPLE_TRIES} random points)" if agrees else ""),
            parsed=answer,
            latex=latex,
            decided=False,
        )
    hint = next((m["hint"] for m in messages if m.get("hint")), None)
    return CheckResult(
        verdict["ok"],
        verdict["message"],
        counterexample=verdict.get("counterexample"),
        hint=hint,
        parsed=answer,
        latex=latex,
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
# the time limit
# ---------------------------------------------------------------------------
def _child(conn, fn, args):
    try:
        for message in fn(*args):
            conn.send(message)
    except BaseException as exc:  # report, never hang the parent
        try:
            conn.send({"error": f"{type(exc).__name__}: {exc}"})
        except Exception:
            pass
    finally:
        conn.close()


def _run_limited(fn, args, timeout: float) -> list:
    """Run the generator ``fn(*args)`` for at most ``timeout`` s; return the messages it yielded by then.

    With ``fork`` (Linux, macOS) the work runs in a child process that is killed
    at the deadline; otherwise in a daemon thread that is abandoned.
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
                except EOFError:
                    break
                messages.append(message)
                if message.get("final") or "error" in message:
                    break
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join(2)
            recv.close()
        return messages

    messages = []

    def run():
        try:
            for message in fn(*args):
                messages.append(message)
        except BaseException as exc:
            messages.append({"error": f"{type(exc).__name__}: {exc}"})

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(max(0.0, deadline - time.monotonic()))
    return list(messages)


# ---------------------------------------------------------------------------
# deciding (runs in the child process)
# ---------------------------------------------------------------------------
def _decide(answer, expected, ctx: _Context):
    """Yield the verdict first, then (for a wrong answer) the hint, then ``{"final": True}``."""
    A, E = _prepare(answer, ctx), _prepare(expected, ctx)
    # numbers first: one point where the two differ settles "not equal" at once (no simplify);
    # SymPy's simplification is only needed to confirm an answer that agrees everywhere we look
    cx = _counterexample(A, E, ctx)
    if cx is None:
        yield {"agrees": True}
        if _symbolic_equal(A, E):
            yield {"ok": True, "message": "correct: your answer equals the right one."}
        else:
            yield {
                "ok": True,
                "message": (f"accepted: SymPy could not simplify the difference to 0, but both agree at "
                            f"{COUNTEREXAMPLE_TRIES} random points."),
            }
        yield {"final": True}
        return
    yield {"ok": False, "message": "not equal: at the values below your answer and the right one differ.",
           "counterexample": cx}
    yield {"hint": _hint(answer, expected, A, ctx)}
    yield {"final": True}


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


def _symbolic_equal(A, E) -> bool:
    """SymPy's verdict: the difference simplifies to 0 (hyperbolic functions are rewritten with exp first)."""
    MA, ME = _as_matrix(A), _as_matrix(E)
    if MA.shape != ME.shape:
        return False
    if any(e.has(sp.tanh, sp.cosh, sp.sinh) for e in list(MA) + list(ME)):
        MA, ME = MA.applyfunc(lambda e: e.rewrite(sp.exp)), ME.applyfunc(lambda e: e.rewrite(sp.exp))
    try:
        return all(e == 0 for e in difference(MA, ME))
    except ValueError:
        return False


def _equal(A, E, ctx=None) -> bool:
    """Equal? A few random points first (cheap, and enough to tell most wrong variants apart)."""
    if _shape(A) != _shape(E):
        return False
    if ctx is not None and _counterexample(A, E, ctx, tries=4) is not None:
        return False
    return _symbolic_equal(A, E)


# -- counterexamples --------------------------------------------------------
def _random_value(rng, lo, hi):
    """A random rational with two decimals strictly inside (lo, hi); an integer for an integer domain."""
    if isinstance(lo, int) and isinstance(hi, int) and (lo, hi) in _INTEGER_DOMAINS:
        return sp.Integer(rng.randint(lo, hi))
    lo100, hi100 = int(round(lo * 100)) + 1, int(round(hi * 100)) - 1
    return sp.Rational(rng.randint(lo100, max(lo100, hi100)), 100)


#: sizes (n outputs, m samples) are whole numbers from 1 to 6 unless the exercise says otherwise
_INTEGER_DOMAINS = {(1, 6)}


def _domain_of(sym, ctx):
    name = sym.name.split("_")[0]
    default = (1, 6) if name in SIZE_NAMES else (-2, 2)
    return ctx.domains.get(sym.name, ctx.domains.get(name, default))


def _point(exprs, ctx, rng):
    free = set()
    apps = set()
    for e in exprs:
        free |= e.free_symbols
        apps |= {f for f in e.atoms(sp.core.function.AppliedUndef)}
    point = {s: _random_value(rng, *_domain_of(s, ctx)) for s in sorted(free, key=lambda s: s.name)}
    for f in sorted(apps, key=str):  # undefined σ(…), σ'(…): any value is a valid instance
        point[f] = _random_value(rng, -2, 2)
    return point


def _number(e):
    v = sp.N(e, 20)
    if not v.is_number or v.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    re_, im = v.as_real_imag()
    if abs(im) > 1e-12:
        return None
    return float(re_)


def _counterexample(A, E, ctx, tries=COUNTEREXAMPLE_TRIES):
    rng = random.Random(ctx.seed)
    MA, ME = _as_matrix(A), _as_matrix(E)
    for _ in range(tries):
        point = _point(list(MA) + list(ME), ctx, rng)
        # substitute function applications before their arguments
        funcs = {k: v for k, v in point.items() if not isinstance(k, sp.Symbol)}
        syms = {k: v for k, v in point.items() if isinstance(k, sp.Symbol)}
        try:
            ga = MA.xreplace(funcs).xreplace(syms)
            ge = ME.xreplace(funcs).xreplace(syms)
            got = [[_number(ga[i, k]) for k in range(ga.shape[1])] for i in range(ga.shape[0])]
            exp = [[_number(ge[i, k]) for k in range(ge.shape[1])] for i in range(ge.shape[0])]
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if any(v is None for row in got + exp for v in row):
            continue
        for i, (rg, re_) in enumerate(zip(got, exp)):
            for k, (g, x) in enumerate(zip(rg, re_)):
                if abs(g - x) > 1e-9 * max(1.0, abs(x)):
                    return _describe(point, got, exp, (i, k), A, ctx)
    return None


def _describe(point, got, exp, entry, A, ctx):
    values = {}
    for name, var in ctx.namespace.values.items():
        if isinstance(var, sp.MatrixBase):
            if any(s in point for s in var):
                values[name] = [[_num(point.get(var[i, k])) for k in range(var.shape[1])]
                                for i in range(var.shape[0])]
        elif isinstance(var, sp.Symbol) and var in point:
            values[name] = _num(point[var])
    funcs = {k: v for k, v in point.items() if not isinstance(k, sp.Symbol)}
    for name, rel in ctx.relations.items():  # show a = σ(z) too
        r = _as_matrix(ep.realize(rel, ctx.activation)).xreplace(funcs).xreplace(
            {k: v for k, v in point.items() if isinstance(k, sp.Symbol)})
        nums = [[_number(r[i, k]) for k in range(r.shape[1])] for i in range(r.shape[0])]
        values[name] = nums if isinstance(ctx.namespace.values[name], sp.MatrixBase) else nums[0][0]
    for f, v in funcs.items():
        values[str(f).replace("sigma'", "σ'").replace("sigma", "σ")] = _num(v)
    scalar = not isinstance(A, sp.MatrixBase)
    return {
        "values": values,
        "expected": exp[0][0] if scalar else exp,
        "got": got[0][0] if scalar else got,
        "entry": None if scalar else entry,
    }


def _num(v):
    return None if v is None else float(v)


# -- hints -----------------------------------------------------------------
def _hint(answer, expected, A, ctx):
    """The first known mistake the answer matches, or None. ``answer``/``expected`` are placeholder-level."""
    # the exercise's own known wrong answers first: most specific
    for wrong, message in ctx.variants:
        if _shape(wrong) == _shape(answer) and _equal(A, _prepare(wrong, ctx), ctx):
            return message
    if _equal(A, -_prepare(expected, ctx), ctx):
        return "check the sign: your answer is exactly the negative of the right one."
    # σ where σ' belongs
    for deriv, func in ep.DERIVATIVE_OF.items():
        if expected.has(deriv) and _equal(A, _prepare(expected.replace(deriv, func), ctx), ctx):
            return f"σ or σ'? You have {_fname(func)}(…) where its derivative {_fname(func)}'(…) belongs."
    # a missing σ' factor: placeholders set to 1, or (with a = σ(z)) one factor σ'(z) short
    for deriv in ep.DERIVATIVE_OF:
        if expected.has(deriv) and _equal(A, _prepare(expected.replace(deriv, lambda t: sp.Integer(1)), ctx), ctx):
            return f"a factor {_fname(deriv)}(…) is missing: the chain rule multiplies by the activation's derivative."
    for name, rel in ctx.relations.items():
        rel_prime = rel
        for deriv, func in ep.DERIVATIVE_OF.items():
            rel_prime = rel_prime.replace(func, deriv)
        if rel_prime == rel:
            continue
        d = _prepare(rel_prime, ctx)
        with_d = A.multiply_elementwise(d) if isinstance(A, sp.MatrixBase) else A * d
        if _equal(with_d, _prepare(expected, ctx), ctx):
            return f"a factor σ'(…) is missing (with {name} = σ(…), that is the derivative of the activation)."
    # a constant factor (2, 1/n, the batch size m, …)
    ratio = _constant_ratio(A, _prepare(expected, ctx), ctx)
    if ratio is not None:
        sizes = sorted(str(s) for s in ratio.free_symbols)
        extra = f" — check the 1/{' and '.join(sizes)} (mean or sum?)" if sizes else ""
        return f"off by a constant factor: the right answer is {ratio} × yours{extra}."
    # swapped names (a and y, …)
    for p, q in ctx.swaps:
        if p in ctx.namespace.values and q in ctx.namespace.values:
            swapped = _swap(expected, ctx.namespace.values[p], ctx.namespace.values[q])
            if swapped is not None and _equal(A, _prepare(swapped, ctx), ctx):
                return f"{p} and {q} swapped? The right answer has them the other way round."
    # a square matrix used where its transpose belongs
    for name, var in ctx.namespace.values.items():
        if isinstance(var, sp.MatrixBase) and var.shape[0] == var.shape[1] and var.shape[0] > 1:
            tmap = {var[i, k]: var[k, i] for i in range(var.shape[0]) for k in range(var.shape[1])}
            if _equal(A, _prepare(_xreplace(expected, tmap), ctx), ctx):
                return f"transposition: your answer matches the right one with {name} and {name}ᵀ exchanged."
    return None


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
