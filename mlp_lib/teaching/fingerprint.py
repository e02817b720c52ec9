"""Fingerprints of a derivation exercise: what the page needs to check an answer without SymPy.

On the static website there is no Python, so the derivation checker decides in the reader's
browser (``mlp_lib/widgets/web/checker.js``) by evaluating the typed answer at test points.
The page must not carry the right formula in clear text, so :func:`fingerprint` (run when the
book is built, with SymPy) sends only numbers:

* ``points``: the values of every name at each test point, drawn as the SymPy checker draws
  them (readable two-decimal numbers first, then magnitudes 0.01–100 of both signs, sizes
  ``n``, ``m`` up to 1000, the exercise's domains, one-hot targets and softmax outputs); names defined by a
  relation (``a = σ(z)``) get the relation's value. A generic σ and σ' become, per point, the
  concrete functions σ(t) = 0.05 + 0.9 / (1 + e^{−(α t + β)}) and σ'(t) = 0.05 + γ sech²(δ t + ε)
  with random α, β, γ, δ, ε: an answer equal to the right one for every σ is equal for these too,
  and a wrong one differs for almost every choice. σ then lies in (0, 1) and σ' is positive, as a
  reader expects, and neither comes so close to 0 or 1 that a term is lost in rounding.
* ``expected``: the right answer's value at each point, computed to 25 correct digits (mpmath, raising
  the precision until two precisions agree) and rounded.
* ``mistakes``: the values of each known mistake (the exercise's variants, a flipped sign, σ for
  σ', a missing σ' factor, swapped names, a transposed matrix), each with its hint, in the order
  the SymPy checker tries them (``{"ratio": true}`` marks where it tries a constant factor).

All point values are binary fractions (floats), and the expected values are computed from them to
25 correct digits (mpmath on the SymPy expression compiled once per exercise, raising the precision
until two precisions agree), so the page's float arithmetic is the only rounding that shows in a double.
"""

from __future__ import annotations

import random
from functools import lru_cache

import mpmath
import sympy as sp

from .. import symbolic
from . import parser as ep
from .catalogue import Exercise, get_exercise
from .checker import READABLE_TRIES, SIZE_NAMES, _random_value, _shares, _swap, _xreplace

#: test points per exercise: READABLE_TRIES readable ones, then spread-out ones
POINTS = 28
#: the page's function names (those of the parser)
FUNCTION_NAMES = tuple(sorted(ep.FUNCTIONS))

_T = sp.Dummy("t")


def _generic_instance(rng: random.Random) -> dict:
    """Random parameters of the concrete σ, σ' for one point (two-decimal numbers, as floats)."""

    def two(lo, hi):
        return rng.randint(int(lo * 100), int(hi * 100)) / 100

    return {"sigma": [two(0.5, 2.0), two(-1.0, 1.0)], "sigma_prime": [two(0.1, 0.4), two(0.5, 1.5), two(-1.0, 1.0)]}


#: the concrete σ, σ' of a test point: parameters α, β of σ and γ, δ, ε of σ'
_PARAMS = sp.symbols("alpha_ beta_ gamma_ delta_ epsilon_", real=True)
#: working precisions (significant digits) tried in turn until two agree to AGREE digits: the point
#: values are exact binary fractions, so only cancellation (1 − tanh²(70) ≈ 10⁻⁶⁰) costs digits
WORK_DIGITS = (40, 80, 160, 320, 640)
AGREE = 25


def _instance(e):
    """``e`` with the generic σ, σ' replaced by σ(t) = 1/20 + 9/10 / (1 + e^{−(αt+β)}) and
    σ'(t) = 1/20 + γ sech²(δt + ε), in the parameters ``_PARAMS``."""
    al, be, ga, de, ep_ = _PARAMS
    low, width = sp.Rational(1, 20), sp.Rational(9, 10)
    sig = sp.Lambda(_T, low + width / (1 + sp.exp(-(al * _T + be))))
    sigp = sp.Lambda(_T, low + ga * sp.sech(de * _T + ep_) ** 2)
    return e.replace(symbolic.sigma, sig).replace(symbolic.sigma_prime, sigp)


def _relu(t):
    return t if t > 0 else mpmath.mpf(0)


def _relu_step(t):
    return mpmath.mpf(1) if t > 0 else mpmath.mpf(0)


#: what mpmath lacks among the functions an answer may use
_MPMATH_FUNCTIONS = {"relu": _relu, "relu_step": _relu_step}


def _evaluate(f, args):
    """``f(*args)`` (a number or nested rows of numbers) at the first precision that agrees with the next
    to AGREE digits; None where it is undefined (a division by 0) or never settles."""
    previous = None
    for digits in WORK_DIGITS:
        with mpmath.workdps(digits):
            try:
                out = f(*args)
            except (ZeroDivisionError, ValueError, OverflowError):
                return None
        flat = [v for row in out for v in row] if isinstance(out, list) else [out]
        if previous is not None and all(_agree(u, v) for u, v in zip(previous, flat)):
            return out
        previous = flat
    return None


def _agree(u, v) -> bool:
    with mpmath.workdps(WORK_DIGITS[-1]):
        return abs(u - v) <= mpmath.mpf(10) ** -AGREE * max(abs(u), abs(v)) or u == v


def _float(v) -> float | None:
    """The float of an mpmath number, or None where it has no real value."""
    if isinstance(v, mpmath.mpc):
        if v.imag != 0 and abs(v.imag) > 1e-20 * max(1, abs(v.real)):
            return None
        v = v.real
    v = mpmath.mpf(v)
    if not mpmath.isfinite(v):
        return None
    f = float(v)
    return f if abs(f) < 1e300 else None


class _Spec:
    """An exercise read once: the namespace, the expected value and the mistakes, as SymPy values."""

    def __init__(self, ex: Exercise):
        names = list(ex.variables) + [n for n in ex.matrix_shapes if n not in ex.variables]
        self.ex = ex
        self.ns = ep.Namespace.build(names, ex.matrix_shapes or None, ex.fixed or None)
        self.expected = ep.parse_expression(ex.expected, self.ns)
        self.relations = {
            name: ep.realize(ep.parse_expression(text, self.ns), ex.activation) for name, text in ex.relations.items()
        }
        # a → σ(z) before evaluating (as the SymPy checker compares): values exact in z, not in a rounded a
        self.relation_map = {}
        for name, rel in self.relations.items():
            var = self.ns.values[name]
            if isinstance(var, sp.MatrixBase):
                self.relation_map.update(dict(zip(var, rel)))
            else:
                self.relation_map[var] = rel
        self.mistakes = self._mistakes()
        self._compiled: dict = {}

    def parse(self, text):
        return ep.parse_expression(text, self.ns)

    def _mistakes(self) -> list:
        """[(placeholder-level value or None for the ratio marker, hint)], in the SymPy checker's order."""
        E = self.expected
        out = [(self.parse(text), hint) for text, hint in self.ex.variants]
        out.append((-E, "check the sign: your answer is exactly the negative of the right one."))
        for deriv, func in ep.DERIVATIVE_OF.items():
            if E.has(deriv):
                out.append(
                    (
                        E.replace(deriv, func),
                        f"σ or σ'? You have {_fname(func)}(…) where its derivative {_fname(func)}'(…) belongs.",
                    )
                )
        for deriv in ep.DERIVATIVE_OF:
            if E.has(deriv):
                out.append(
                    (
                        E.replace(deriv, lambda t: sp.Integer(1)),
                        f"a factor {_fname(deriv)}(…) is missing: the chain rule multiplies by the activation's derivative.",
                    )
                )
        for name, text in self.ex.relations.items():
            rel = self.parse(text)
            rel_prime = rel
            for deriv, func in ep.DERIVATIVE_OF.items():
                rel_prime = rel_prime.replace(func, deriv)
            if rel_prime == rel:
                continue
            short = _elementwise(E, rel_prime, lambda e, d: e / d)
            out.append(
                (short, f"a factor σ'(…) is missing (with {name} = σ(…), that is the derivative of the activation).")
            )
        out.append((None, "ratio"))
        for p, q in (("a", "y"), ("A", "Y")):
            vals = self.ns.values
            if p in vals and q in vals:
                swapped = _swap(E, vals[p], vals[q])
                if swapped is not None:
                    out.append((swapped, f"{p} and {q} swapped? The right answer has them the other way round."))
        for name, var in self.ns.values.items():
            if (
                isinstance(var, sp.MatrixBase)
                and var.shape[0] == var.shape[1] > 1
                and all(isinstance(s, sp.Symbol) for s in var)
            ):
                tmap = {var[i, k]: var[k, i] for i in range(var.shape[0]) for k in range(var.shape[1])}
                out.append(
                    (
                        _xreplace(E, tmap),
                        f"transposition: your answer matches the right one with {name} and {name}ᵀ exchanged.",
                    )
                )
        return out

    # -- points -----------------------------------------------------------------------
    def draw_point(self, rng: random.Random, k: int) -> tuple[dict, dict, dict]:
        """(values for the page, {symbol: float} of the free names, the generic σ parameters) of one test point."""
        values, subs = {}, {}
        for name, var in self.ns.values.items():
            if name in self.relations:
                continue
            domain = self._domain(name)
            if isinstance(var, sp.MatrixBase):
                if not all(isinstance(s, sp.Symbol) for s in var):
                    values[name] = [[float(v) for v in row] for row in var.tolist()]  # fixed: ones, I
                    continue
                rows = [[] for _ in range(var.shape[0])]
                for c in range(var.shape[1]):
                    hot = rng.randrange(var.shape[0]) if domain == "one-hot" else None
                    shares = _shares(rng, var.shape[0], k) if domain == "softmax" else None
                    for r in range(var.shape[0]):
                        if domain == "one-hot":
                            f = float(1 if r == hot else 0)
                        elif shares is not None:
                            f = float(shares[r])
                        else:
                            f = float(_random_value(rng, domain, k))
                        rows[r].append(f)
                        subs[var[r, c]] = f
                values[name] = rows
            elif isinstance(var, sp.Symbol):
                f = float(_random_value(rng, domain, k))
                values[name] = f
                subs[var] = f
        params = _generic_instance(rng)
        for name, rel in self.relations.items():  # the page gets a = σ(z) rounded; SymPy uses it exactly
            v = self.value(rel, subs, params)
            if v is None:
                return None, None, None
            values[name] = v
        return values, subs, params

    def _domain(self, name):
        base = name.split("_")[0]
        default = "size" if base in SIZE_NAMES else None
        return self.ex.domains.get(name, self.ex.domains.get(base, default))

    def value(self, expr, subs, params):
        """The float value (a number or nested rows) of a placeholder-level ``expr`` at a point, or None."""
        key = id(expr)
        if key not in self._compiled:
            self._compiled[key] = (expr, self._compile(expr))  # expr kept alive: its id stays unique
        f, names = self._compiled[key][1]
        args = [mpmath.mpf(subs[s]) if s in subs else mpmath.mpf(0) for s in names]
        args += [mpmath.mpf(v) for v in (*params["sigma"], *params["sigma_prime"])]
        out = _evaluate(f, args)
        if isinstance(out, list):
            rows = [[_float(v) for v in row] for row in out]
            return None if any(v is None for row in rows for v in row) else rows
        return None if out is None else _float(out)

    def _compile(self, expr):
        """``expr`` with σ, σ' as the concrete instance of parameters α…ε, compiled for mpmath: (f, names)."""
        e = ep.realize(expr, self.ex.activation)
        if self.relation_map:
            e = e.xreplace(self.relation_map)
        e = e.applyfunc(_instance) if isinstance(e, sp.MatrixBase) else _instance(sp.sympify(e))
        names = sorted(e.free_symbols - set(_PARAMS), key=str)
        body = e.tolist() if isinstance(e, sp.MatrixBase) else e
        return sp.lambdify([*names, *_PARAMS], body, modules=[_MPMATH_FUNCTIONS, "mpmath"]), names


def _fname(f) -> str:
    name = getattr(f, "__name__", str(f))
    return {"sigma'": "σ'", "sigma": "σ", "relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}.get(name, name).rstrip(
        "'"
    )


def _elementwise(E, D, f):
    if isinstance(E, sp.MatrixBase):
        if isinstance(D, sp.MatrixBase):
            return sp.Matrix(E.shape[0], E.shape[1], lambda i, k: f(E[i, k], D[i, k]))
        return E.applyfunc(lambda e: f(e, D))
    return f(E, D)


def _shape(v):
    return list(v.shape) if isinstance(v, sp.MatrixBase) else None


@lru_cache(maxsize=64)
def _fingerprint_of(name: str, points: int, seed: int) -> dict:
    return _build(get_exercise(name), points, seed)


def fingerprint(exercise, *, points: int = POINTS, seed: int = 0) -> dict:
    """The page's data for ``exercise`` (a catalogue name or an :class:`~mlp_lib.teaching.catalogue.Exercise`).

    Returns a JSON-able dict: ``name``, ``title``, ``prompt``, ``names_help``, ``names``
    (name → ``null`` for a scalar or ``[rows, cols]``), ``fixed`` (names with given values),
    ``activation``, ``functions``, ``shape`` of the answer (``null`` for a scalar), ``points``
    (``[{"values": {name: number or rows}, "sigma": [α, β], "sigma_prime": [γ, δ, ε]}]``), ``bounded``
    (names whose domain is a bounded interval, one-hot or softmax),
    ``expected`` (one value per point) and ``mistakes`` (``[{"hint": text, "values": [...]}]`` with
    ``null`` where a mistake has no real value, and ``{"ratio": true}`` for the constant-factor test).
    """
    if isinstance(exercise, str):
        return _fingerprint_of(exercise, int(points), int(seed))
    if not isinstance(exercise, Exercise):
        raise TypeError(f"expected a catalogue name or an Exercise, got {type(exercise).__name__}")
    return _build(exercise, int(points), int(seed))


def _build(ex: Exercise, points: int, seed: int) -> dict:
    if points < 8:
        raise ValueError(f"expected at least 8 test points, got {points}")
    spec = _Spec(ex)
    rng = random.Random(f"{ex.name}:{seed}")
    out_points, expected, mistake_values = [], [], [[] for _ in spec.mistakes]
    tries = 0
    while len(out_points) < points:
        k = len(out_points) if len(out_points) < READABLE_TRIES else READABLE_TRIES + tries
        tries += 1
        if tries > 20 * points:
            raise ValueError(f"{ex.name}: the right answer is defined at only {len(out_points)} of {tries} points")
        values, subs, params = spec.draw_point(rng, k)
        if values is None:
            continue
        e = spec.value(spec.expected, subs, params)
        if e is None:
            continue
        out_points.append({"values": values, **params})
        expected.append(e)
        for slot, (wrong, _hint) in zip(mistake_values, spec.mistakes):
            slot.append(
                None if wrong is None or _shape(wrong) != _shape(spec.expected) else spec.value(wrong, subs, params)
            )
    mistakes = []
    for (wrong, hint), vals in zip(spec.mistakes, mistake_values):
        if wrong is None:
            mistakes.append({"ratio": True})
        elif sum(v is not None for v in vals) >= points // 2:
            mistakes.append({"hint": hint, "values": vals})
    names = {n: (list(v.shape) if isinstance(v, sp.MatrixBase) else None) for n, v in spec.ns.values.items()}
    return {
        "version": 1,
        "name": ex.name,
        "title": ex.title,
        "prompt": ex.prompt,
        "names_help": ex.names_help,
        "names": names,
        "fixed": sorted(ex.fixed),
        "relations": sorted(ex.relations),
        "bounded": sorted(
            n
            for n, d in ex.domains.items()
            if n not in ex.relations and (isinstance(d, tuple) or d in ("one-hot", "softmax"))
        ),
        "activation": ex.activation,
        "elementwise": bool(ex.matrix_shapes),
        "functions": list(FUNCTION_NAMES),
        "shape": _shape(spec.expected),
        "points": out_points,
        "expected": expected,
        "mistakes": mistakes,
    }
