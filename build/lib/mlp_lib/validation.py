"""Checks at the API boundary.

Every public function of :mod:`mlp_lib` validates what a reader passes in and
raises ``ValueError``/``TypeError`` with a message of the form
"expected …, got …" — never a bare ``assert`` and never a NaN deep inside a
matrix product.
"""

from __future__ import annotations

import json
import numbers

import numpy as np


def as_float_matrix(x, name: str, *, rows: int | None = None) -> np.ndarray:
    """Return ``x`` as a finite float64 matrix of shape ``(rows, m)``.

    Columns are samples (the source's convention), so ``rows`` is the number
    of features or outputs. A 1-D array is *not* silently reshaped: the
    ambiguity between one sample and one feature is exactly the kind of slip
    the book warns about.
    """
    raw = np.asarray(x)
    if raw.dtype.kind not in "biuf":
        # strings, complex numbers and Python objects are refused rather than
        # silently converted (a complex part would be dropped)
        raise TypeError(f"expected {name} to be an array of real numbers, got dtype {raw.dtype}")
    arr = raw.astype(np.float64, copy=False)
    if arr.ndim != 2:
        raise ValueError(
            f"expected {name} to be a 2-D array of shape (features, samples), "
            f"got an array with {arr.ndim} dimension(s) and shape {arr.shape}"
        )
    if rows is not None and arr.shape[0] != rows:
        raise ValueError(f"expected {name} to have {rows} rows (one per unit), got shape {arr.shape}")
    if arr.shape[1] == 0:
        raise ValueError(f"expected {name} to hold at least one sample (column), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"expected {name} to be finite, got NaN or inf values")
    return arr


def check_same_batch(x: np.ndarray, y: np.ndarray) -> None:
    """Raise if ``x`` and ``y`` do not hold the same number of samples (columns)."""
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            f"expected x and y to hold the same number of samples (columns), got {x.shape[1]} and {y.shape[1]}"
        )


def positive_int(value, name: str) -> int:
    """Return ``value`` as an ``int`` after checking it is a whole number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"expected {name} to be a positive integer, got {value!r}")
    if value <= 0:
        raise ValueError(f"expected {name} to be a positive integer, got {value}")
    return int(value)


def positive_float(value, name: str) -> float:
    """Return ``value`` as a ``float`` after checking it is finite and > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"expected {name} to be a positive number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"expected {name} to be a positive finite number, got {value}")
    return value


def as_generator(seed) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a seed or a generator.

    Randomness in :mod:`mlp_lib` only ever flows through an explicit generator,
    so the same seed gives every student the same numbers as the teacher.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"expected seed to be a non-negative integer or numpy.random.Generator, got {seed!r}")
    return np.random.default_rng(int(seed))


def int_in_range(value, name: str, lo: int, hi: int) -> int:
    """Return ``value`` as an ``int`` after checking it is a whole number in ``lo … hi``.

    For a choice among a fixed set of whole numbers (a depth, a unit index, a class): anything
    else, a bool or a float included, is a value outside that set, so a ``ValueError``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"expected {name} to be an integer in {lo} … {hi}, got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"expected {name} in {lo} … {hi}, got {value}")
    return int(value)


def one_of(value, name: str, choices):
    """Return ``value`` after checking it is one of ``choices``: "expected kind 'W' or 'b', got 'z'"."""
    choices = tuple(choices)
    if value not in choices:
        listed = [repr(c) for c in choices]
        alternatives = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " or " + listed[-1]
        raise ValueError(f"expected {name} {alternatives}, got {value!r}")
    return value


def non_negative_float(value, name: str) -> float:
    """Return ``value`` as a ``float`` after checking it is finite and ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"expected {name} to be a number ≥ 0, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"expected {name} to be a finite number ≥ 0, got {value}")
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
