"""Checks at the API boundary: one family of declarative constraints.

Every public function of :mod:`mlp_lib` declares what each of its parameters may be and checks
them in one call at its top, before any computation (scikit-learn's ``_parameter_constraints``
is the model)::

    learning_rate, batch_size = check(
        "train",
        {"learning_rate": learning_rate, "batch_size": batch_size},
        {"learning_rate": Interval(Real, 0, None, closed="neither"), "batch_size": Interval(Integral, 1, None)},
    )

A constraint is a :class:`Constraint` (:class:`Interval`, :class:`Options`, :class:`Boolean`,
:class:`InstanceOf`, :class:`IsCallable`, :class:`ArrayLike`) or a list of them, any of which
will do (``[None, Interval(...)]`` allows ``None``). :func:`check` returns the values converted
(``int``, ``float``, a float64 array) and raises, naming the function, the parameter, what is
allowed and the value given::

    train: expected learning_rate to be a positive finite number, got -0.1

``TypeError`` when the value is of no allowed type (a bool is never a number, a string never a
bool), ``ValueError`` when its type is right but its value is not (a NaN, a number out of range,
an array of the wrong shape). Checks run once per public call: :func:`~mlp_lib.train` checks its
arguments once and its batches take unchecked steps.
"""

from __future__ import annotations

import functools
import json
import math
from numbers import Integral, Real

import numpy as np


class _Refused(Exception):
    """A constraint's refusal: the exception type, what is wanted (after "expected <param> ") and what was got."""

    def __init__(self, kind: type, wanted: str, got: str):
        super().__init__(wanted)
        self.kind, self.wanted, self.got = kind, wanted, got


def _shown(value) -> str:
    """``repr`` of a value for a message, numbers as plain Python numbers, arrays by shape, at most 80 characters."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, Integral) and not isinstance(value, bool):
        text = repr(int(value))
    elif isinstance(value, Real) and not isinstance(value, bool):
        text = repr(float(value))
    else:
        text = " ".join(repr(value).split())  # one line
    return text if len(text) <= 80 else text[:77] + "..."


class Constraint:
    """What a parameter may be. :meth:`convert` returns the value to use or raises :class:`_Refused`."""

    def convert(self, value):
        raise NotImplementedError

    def _refuse(self, kind: type, wanted: str, value) -> _Refused:
        return _Refused(kind, wanted, _shown(value))


class Interval(Constraint):
    """A number of type ``Integral`` or ``Real`` between ``left`` and ``right`` (``None``: unbounded).

    ``closed`` is ``"both"``, ``"left"``, ``"right"`` or ``"neither"``: which bounds are allowed.
    ``Real`` values must also be finite (NaN and ±inf are refused); bools are refused as numbers.
    Integers are returned as ``int``, reals as ``float``.
    """

    def __init__(self, kind, left=None, right=None, *, closed: str = "both"):
        if kind not in (Integral, Real):
            raise TypeError(f"Interval: expected kind to be numbers.Integral or numbers.Real, got {kind!r}")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(
                f"Interval: expected closed to be one of ['both', 'left', 'right', 'neither'], got {closed!r}"
            )
        self.kind, self.left, self.right, self.closed = kind, left, right, closed
        self.lo_in, self.hi_in = closed in ("both", "left"), closed in ("both", "right")
        self.wanted_value, self.wanted_type = self._texts()

    def _texts(self) -> tuple[str, str]:
        """(what a value of the right type must be, what a value must be) after "expected <param> "."""
        lo, hi = self.left, self.right
        lo_in, hi_in = self.closed in ("both", "left"), self.closed in ("both", "right")
        noun = "integer" if self.kind is Integral else "number"
        if lo is not None and hi is not None:
            if self.kind is Integral and lo_in and hi_in:
                rng = f"in {lo} … {hi}"
            else:
                rng = f"in {'[' if lo_in else '('}{_shown(lo)}, {_shown(hi)}{']' if hi_in else ')'}"
            if lo_in and hi_in:  # a wrong type: "to be a number in 0.0 … 10.0", the playground page's words
                return rng, f"to be {'an integer' if noun == 'integer' else 'a number'} in {_shown(lo)} … {_shown(hi)}"
            return rng, f"to be a {noun} {rng}"
        finite = "" if self.kind is Integral else "finite "
        if lo is not None and hi is None and lo == 0:
            phrase = (
                f"a positive {finite}{noun}"
                if not lo_in
                else (f"a non-negative {noun}" if self.kind is Integral else f"a finite {noun} ≥ 0")
            )
        elif lo is not None and hi is None and lo == 1 and lo_in and self.kind is Integral:
            phrase = "a positive integer"
        else:
            bounds = []
            if lo is not None:
                bounds.append(f"{'≥' if lo_in else '>'} {_shown(lo)}")
            if hi is not None:
                bounds.append(f"{'≤' if hi_in else '<'} {_shown(hi)}")
            phrase = f"{'an' if noun == 'integer' else 'a'} {finite}{noun} {' and '.join(bounds)}".rstrip()
        return f"to be {phrase}", f"to be {phrase}"

    def convert(self, value):
        if isinstance(value, bool) or not isinstance(value, self.kind):
            raise self._refuse(TypeError, self.wanted_type, value)
        if self.kind is Integral:
            value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise self._refuse(ValueError, self.wanted_value, value)
        lo, hi = self.left, self.right
        if lo is not None and (value < lo or (value == lo and not self.lo_in)):
            raise self._refuse(ValueError, self.wanted_value, value)
        if hi is not None and (value > hi or (value == hi and not self.hi_in)):
            raise self._refuse(ValueError, self.wanted_value, value)
        return value


class Options(Constraint):
    """One of a fixed set of values (``Options(["sgd", "adam"])``), listed in the message in the given order.

    Returns the option itself (``0`` for ``numpy.int64(0)``). ``lower=True`` also accepts strings in any case and returns them lower-cased.
    """

    def __init__(self, values, *, lower: bool = False):
        self.values = tuple(values)
        self.lower = lower
        # the kinds of value offered: a numpy integer counts as an int, a bool never does
        kinds = {bool if isinstance(v, bool) else Integral if isinstance(v, Integral) else type(v) for v in self.values}
        self.types = tuple(kinds)
        self.wanted = f"to be one of {list(self.values)}"

    def convert(self, value):
        if not isinstance(value, self.types) or (isinstance(value, bool) and bool not in self.types):
            raise self._refuse(TypeError, self.wanted, value)
        key = value.lower() if self.lower and isinstance(value, str) else value
        if key not in self.values:
            raise self._refuse(ValueError, self.wanted, value)
        return self.values[self.values.index(key)]  # the option itself: 0, not numpy.int64(0)


class Boolean(Constraint):
    """``True`` or ``False`` (a ``bool`` or ``numpy.bool_``), returned as ``bool``; 0, 1, "no", None are refused.

    ``json=True`` spells them ``true or false`` in the message, for settings typed as JSON.
    """

    def __init__(self, *, json: bool = False):
        self.wanted = "to be true or false" if json else "to be True or False"

    def convert(self, value):
        if not isinstance(value, (bool, np.bool_)):
            raise self._refuse(TypeError, self.wanted, value)
        return bool(value)


class InstanceOf(Constraint):
    """An instance of ``cls``, named ``name`` in the message (e.g. ``"an mlp_lib.MLP"``)."""

    def __init__(self, cls, name: str | None = None):
        self.cls, self.name = cls, name or f"a {cls.__module__}.{cls.__qualname__}"

    def convert(self, value):
        if not isinstance(value, self.cls):
            raise self._refuse(TypeError, f"to be {self.name}", value)
        return value


class IsCallable(Constraint):
    """Anything callable (a function, a method, a class)."""

    def convert(self, value):
        if not callable(value):
            raise self._refuse(TypeError, "to be callable", value)
        return value


class _IsNone(Constraint):
    def convert(self, value):
        if value is not None:
            raise self._refuse(TypeError, "to be None", value)
        return value


class ArrayLike(Constraint):
    """An array of real numbers, returned as a float64 ``numpy.ndarray`` (or of ``dtype``).

    ``kinds`` are the NumPy dtype kinds allowed (``"biuf"``: bool, integers, floats), ``what`` names
    them in a message, ``dtype`` is the dtype returned (``None``: the array's own); ``ndim`` is the number of dimensions required (``None``: any), ``rows`` the length of the
    first axis (``None``: any); ``finite`` refuses NaN and ±inf; ``samples=True`` asks for a
    2-D array of shape (features, samples) with at least one sample (column), the source's
    convention (a 1-D array is *not* reshaped: one sample or one feature is the reader's call).
    Complex numbers, strings and objects are refused (``TypeError``), never converted.
    """

    def __init__(
        self,
        *,
        ndim: int | None = 2,
        rows: int | None = None,
        finite: bool = True,
        samples: bool = True,
        kinds: str = "biuf",
        what: str = "real numbers",
        dtype=np.float64,
    ):
        self.ndim, self.rows, self.finite, self.samples = ndim, rows, finite, samples
        self.kinds, self.what, self.dtype = kinds, what, dtype

    def convert(self, value):
        try:
            raw = np.asarray(value)
        except (TypeError, ValueError) as exc:  # ragged nested lists
            raise _Refused(TypeError, f"to be an array of {self.what}", f"{type(value).__name__} ({exc})") from None
        if raw.dtype.kind not in self.kinds:
            raise _Refused(TypeError, f"to be an array of {self.what}", f"dtype {raw.dtype}")
        arr = raw if self.dtype is None else raw.astype(self.dtype, copy=False)
        if self.ndim is not None and arr.ndim != self.ndim:
            wanted = f"to be a {self.ndim}-D array" + (" of shape (features, samples)" if self.samples else "")
            raise _Refused(ValueError, wanted, f"an array with {arr.ndim} dimension(s) and shape {arr.shape}")
        if self.rows is not None and arr.shape[0] != self.rows:
            raise _Refused(ValueError, f"to have {self.rows} rows (one per unit)", f"shape {arr.shape}")
        if self.samples and arr.shape[-1] == 0:
            raise _Refused(ValueError, "to hold at least one sample (column)", f"shape {arr.shape}")
        if self.finite and arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise _Refused(ValueError, "to be finite", "NaN or inf values")
        return arr


#: a seed: a non-negative integer, or a ``numpy.random.Generator`` used as it is
SEED = [Interval(Integral, 0, None), InstanceOf(np.random.Generator, "a numpy.random.Generator")]
POSITIVE_INT = Interval(Integral, 1, None)
POSITIVE_REAL = Interval(Real, 0, None, closed="neither")
NON_NEGATIVE_REAL = Interval(Real, 0, None)


def _as_constraints(spec) -> list:
    specs = spec if isinstance(spec, list) else [spec]
    return [_IsNone() if s is None else s for s in specs]


def check_one(caller: str | None, name: str, value, spec):
    """``value`` checked against ``spec`` (a :class:`Constraint`, ``None`` or a list of them, any of which
    will do) and converted; raises ``TypeError``/``ValueError`` ("<caller>: expected <name> …, got …")."""
    if isinstance(spec, Constraint):  # the usual case, without building a list
        try:
            return spec.convert(value)
        except _Refused as refusal:
            _raise(caller, name, [refusal])
    refusals = []
    for constraint in _as_constraints(spec):
        try:
            return constraint.convert(value)
        except _Refused as refusal:
            refusals.append(refusal)
    _raise(caller, name, refusals)


def _raise(caller: str | None, name: str, refusals: list):
    """Raise the error of a value every allowed constraint refused (``refusals``, in the order allowed)."""
    wrong_value = [r for r in refusals if r.kind is ValueError]
    kind, shown = (ValueError, wrong_value) if wrong_value else (TypeError, refusals)  # value, else type
    wanted = [r.wanted for r in shown]
    if len(wanted) > 1 and all(w.startswith("to be ") for w in wanted):  # "to be None or a positive integer"
        wanted = ["to be " + " or ".join(w.removeprefix("to be ") for w in wanted)]
    wanted, got = " or ".join(wanted), shown[0].got
    prefix = f"{caller}: " if caller else ""
    raise kind(f"{prefix}expected {name} {wanted}, got {got}")


def check(caller: str | None, params: dict, constraints: dict) -> tuple:
    """Check every ``params[name]`` against ``constraints[name]`` (see :func:`check_one`), in order.

    Returns the converted values as a tuple in the order of ``params``. The first parameter that
    does not fit raises; ``caller`` (e.g. ``"train"``, ``"MLP.forward"``) starts the message.
    """
    return tuple(check_one(caller, name, value, constraints[name]) for name, value in params.items())


# ----------------------------------------------------------------------
# one-parameter shorthands of :func:`check`, for call sites with a single value


@functools.lru_cache(maxsize=256)
def _matrix(rows: int | None) -> ArrayLike:
    return ArrayLike(rows=rows)


def as_float_matrix(x, name: str, *, rows: int | None = None, caller: str | None = None) -> np.ndarray:
    """``x`` as a finite float64 matrix of shape ``(rows, m)``, m ≥ 1 (:class:`ArrayLike`)."""
    return check_one(caller, name, x, _matrix(rows))


def check_same_batch(x: np.ndarray, y: np.ndarray, caller: str | None = None) -> None:
    """Raise if ``x`` and ``y`` do not hold the same number of samples (columns)."""
    if x.shape[1] != y.shape[1]:
        prefix = f"{caller}: " if caller else ""
        raise ValueError(
            f"{prefix}expected x and y to hold the same number of samples (columns), got {x.shape[1]} and {y.shape[1]}"
        )


def positive_int(value, name: str, caller: str | None = None) -> int:
    """``value`` as an ``int`` ≥ 1."""
    return check_one(caller, name, value, POSITIVE_INT)


def positive_float(value, name: str, caller: str | None = None) -> float:
    """``value`` as a finite ``float`` > 0."""
    return check_one(caller, name, value, POSITIVE_REAL)


def non_negative_float(value, name: str, caller: str | None = None) -> float:
    """``value`` as a finite ``float`` ≥ 0."""
    return check_one(caller, name, value, NON_NEGATIVE_REAL)


def as_generator(seed, caller: str | None = None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed (an integer ≥ 0) or a generator (returned as it is).

    Randomness in :mod:`mlp_lib` only ever flows through an explicit generator,
    so the same seed gives every student the same numbers as the teacher.
    """
    seed = check_one(caller, "seed", seed, SEED)
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def int_in_range(value, name: str, lo: int, hi: int) -> int:
    """``value`` as an ``int`` in ``lo … hi``.

    For a choice among a fixed set of whole numbers (a depth, a unit index, a class): anything
    else, a bool or a float included, is a value outside that set, so a ``ValueError``.
    """
    try:
        return check_one(None, name, value, Interval(Integral, lo, hi))
    except TypeError as exc:
        raise ValueError(str(exc)) from None


def one_of(value, name: str, choices):
    """``value`` after checking it is one of ``choices``: "expected kind 'W' or 'b', got 'z'"."""
    choices = tuple(choices)
    if value not in choices:
        listed = [repr(c) for c in choices]
        alternatives = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " or " + listed[-1]
        raise ValueError(f"expected {name} {alternatives}, got {value!r}")
    return value


def parse_json_limited(text: str, *, max_chars: int, max_depth: int, what: str = "JSON"):
    """``json.loads(text)`` after checking its length and nesting depth.

    Raises ``ValueError`` ("expected …, got …") for text longer than
    ``max_chars``, lists/objects nested deeper than ``max_depth``, and
    anything :func:`json.loads` refuses (invalid JSON, integers too long to
    convert). The depth is counted by a flat scan before parsing, so no input
    reaches the recursive parser deep enough to raise ``RecursionError``.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected {what} as a str, got {type(text).__name__}")
    if len(text) > max_chars:
        raise ValueError(f"expected {what} of at most {max_chars} characters, got {len(text)}")
    depth = deepest = 0
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > max_depth:
                    raise ValueError(
                        f"expected {what} nested at most {max_depth} levels deep, got {deepest} levels at character {i}"
                    )
        elif ch in "]}":
            depth -= 1
    try:
        return json.loads(text)
    except RecursionError:  # not reachable after the scan; kept so that no input can raise it
        raise ValueError(f"expected {what} nested at most {max_depth} levels deep, got deeper nesting") from None
    except ValueError as exc:  # json.JSONDecodeError, or an integer literal over Python's digit limit
        raise ValueError(f"expected {what}, got invalid JSON ({exc})") from None
