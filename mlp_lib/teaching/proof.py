"""The chapters' "checked by machine" sections: one helper that compares, asserts and renders.

Every chapter checks its formula three ways — SymPy's brute-force derivative (and its
closed form), :mod:`mlp_lib`, and central finite differences — and then has to say that
they agree. This module is the one place that does the saying:

* :func:`three_way_check` takes, for each quantity, the arrays the methods produced
  (``sympy=…, mlp_lib=…, fd=…`` or any other named source), computes the pairwise
  relative errors with :func:`mlp_lib.gradcheck.array_relative_error`, raises
  :class:`ProofFailed` if one exceeds its tolerance, and returns a :class:`ProofResult`
  whose notebook display is a one-line verdict with the full table folded beneath it;
* :func:`symbolic_check` does the same for SymPy differences (brute force − closed form)
  that must simplify to the zero matrix;
* :func:`show` displays a SymPy expression as math, abbreviated (pre-activations written
  :math:`z^j_i`) and laid out one entry per line when a matrix would be too wide to read.

The tolerances are stated once, here (:data:`EXACT_TOLERANCE`,
:data:`FINITE_DIFFERENCE_TOLERANCE`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..gradcheck import array_relative_error
from ..symbolic import abbreviate, is_zero_matrix, tex

__all__ = [
    "EXACT_TOLERANCE",
    "FINITE_DIFFERENCE_TOLERANCE",
    "ProofFailed",
    "ProofResult",
    "SymbolicResult",
    "block_width",
    "latex_lines",
    "show",
    "symbolic_check",
    "three_way_check",
]

#: Largest relative error allowed between two *exact* computations of the same quantity —
#: SymPy's brute-force derivative evaluated at the weights (53-bit Floats) against mlp_lib's
#: float64 closed form, or two float64 routes through the same formula (a batch against its
#: per-sample loop). Both are exact up to round-off, so they agree to ~1e-16–1e-12 on the
#: book's small networks; 1e-10 leaves a margin of a hundred for deeper or badly scaled cases
#: and still catches any wrong formula (a wrong term changes the result by far more).
EXACT_TOLERANCE = 1e-10

#: Largest relative error allowed against central finite differences. With step h ≈ 1e-6 in
#: float64, (L(θ+h) − L(θ−h)) / 2h has a truncation error O(h²) ≈ 1e-12 plus a round-off error
#: ≈ ε_mach·|L| / h ≈ 1e-10 relative, so a right gradient reaches ~1e-7–1e-10 (CS231n's rule:
#: ≤ 1e-7 is right; a wrong formula gives 1e-2 or more).
FINITE_DIFFERENCE_TOLERANCE = 1e-7

#: Short keyword names a chapter may use for the usual sources, and how they are displayed.
SOURCE_NAMES = {
    "sympy": "SymPy",
    "mlp_lib": "mlp_lib",
    "fd": "finite differences",
    "finite_differences": "finite differences",
}


class ProofFailed(AssertionError):
    """A machine proof disagrees: the message names the quantity, the methods, the error and the tolerance."""


def _is_finite_differences(source: str) -> bool:
    return source.startswith("finite difference")


def tolerance(a: str, b: str) -> float:
    """The tolerance between two sources: :data:`FINITE_DIFFERENCE_TOLERANCE` if either is finite differences."""
    if _is_finite_differences(a) or _is_finite_differences(b):
        return FINITE_DIFFERENCE_TOLERANCE
    return EXACT_TOLERANCE


def _join(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _count(n: int, plural: str) -> str:
    """``3 gradients``, ``1 gradient``, ``1 quantity``."""
    if n != 1:
        return f"{n} {plural}"
    return f"1 {plural[:-3] + 'y' if plural.endswith('ies') else plural.removesuffix('s')}"


def _markdown_table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _folded(summary: str, body: str) -> str:
    # The verdict is a Markdown paragraph (so $math$ in it is typeset), the table a folded HTML
    # <details> block around Markdown: JupyterLab's renderer and MyST (myst-nb renders text/markdown
    # outputs as MyST in this book) both parse the table between the blank lines.
    return f"{summary}\n\n<details>\n<summary>the numbers</summary>\n\n{body}\n\n</details>\n"


# ---------------------------------------------------------------------------
# Numbers: SymPy ≡ mlp_lib ≡ finite differences
# ---------------------------------------------------------------------------
@dataclass
class ProofResult:
    """The outcome of :func:`three_way_check` (only ever returned when every comparison passed).

    ``cases`` maps each quantity's name to ``{source: array}``; ``errors`` maps it to
    ``{(source_a, source_b): relative error}``.
    """

    cases: dict
    errors: dict
    what: str = "quantities"
    label: str = "quantity"
    show_shape: bool = False
    show_values: bool = False
    precision: int = 1

    @property
    def sources(self) -> list:
        seen = {}
        for arrays in self.cases.values():
            seen.update(dict.fromkeys(arrays))
        return list(seen)

    @property
    def pairs(self) -> list:
        seen = {}
        for errs in self.errors.values():
            seen.update(dict.fromkeys(errs))
        return list(seen)

    def worst(self, finite_differences: bool | None = None) -> float:
        """Largest relative error (of the exact pairs only, or of those with finite differences only)."""
        values = [
            e
            for errs in self.errors.values()
            for (a, b), e in errs.items()
            if finite_differences is None
            or finite_differences == (_is_finite_differences(a) or _is_finite_differences(b))
        ]
        return max(values) if values else float("nan")

    @property
    def verdict(self) -> str:
        """One line: who agrees on how many quantities, and the worst relative error."""
        n = len(self.cases)
        exact, fd = self.worst(False), self.worst(True)
        if np.isnan(exact) or np.isnan(fd):
            worst = f"worst relative error {self.worst():.1e}"
        else:
            worst = f"worst relative error {exact:.1e} between exact methods, {fd:.1e} against finite differences"
        return f"✓ {_join(self.sources)} agree on {_count(n, self.what)}: {worst}"

    def table(self) -> str:
        """The relative errors as a Markdown table: one row per quantity, one column per pair of methods."""
        pairs = self.pairs
        sources = self.sources if self.show_values else []
        header = [self.label] + (["shape"] if self.show_shape else []) + sources + [f"{a} vs {b}" for a, b in pairs]
        rows = []
        for name, errs in self.errors.items():
            arrays = self.cases[name]
            shape = [str(next(iter(arrays.values())).shape)] if self.show_shape else []
            values = [f"`{np.round(arrays[s].ravel(), 6)}`" if s in arrays else "—" for s in sources]
            rows.append(
                [name] + shape + values + [f"{errs[p]:.{self.precision}e}" if p in errs else "—" for p in pairs]
            )
        tolerances = sorted({tolerance(a, b) for a, b in pairs})
        note = (
            "Tolerance "
            + (
                f"{EXACT_TOLERANCE:.0e} between exact methods, {FINITE_DIFFERENCE_TOLERANCE:.0e} against finite differences"
                if len(tolerances) == 2
                else f"{tolerances[0]:.0e}"
            )
            + " (relative error ‖u − v‖ / max(‖u‖, ‖v‖))."
        )
        return _markdown_table(header, rows) + "\n\n" + note

    def _repr_markdown_(self) -> str:
        return _folded(self.verdict, self.table())

    def __repr__(self) -> str:
        return self.verdict


def _as_case_arrays(name, arrays) -> dict:
    if not isinstance(arrays, Mapping) or len(arrays) < 2:
        raise TypeError(
            f"expected at least two named arrays for {name!r} (e.g. sympy=…, mlp_lib=…, fd=…), got {arrays!r}"
        )
    return {SOURCE_NAMES.get(k, k): np.asarray(v, dtype=np.float64) for k, v in arrays.items()}


def three_way_check(
    cases,
    *,
    what: str = "quantities",
    label: str = "quantity",
    show_shape: bool = False,
    show_values: bool = False,
    precision: int = 1,
) -> ProofResult:
    """Compare each quantity as computed by several methods; raise :class:`ProofFailed` on disagreement.

    Parameters
    ----------
    cases : mapping or list of pairs
        ``{name: {source: array}}``, or a list of ``(name, {source: array})`` in which a name
        may come back with other sources (only the sources given together are compared;
        they share the name's row in the table). The sources ``sympy``, ``mlp_lib`` and ``fd`` (or
        ``finite_differences``) are displayed as "SymPy", "mlp_lib" and "finite differences";
        any other key is displayed as written (a source whose name starts with "finite
        difference" is held to the finite-difference tolerance). ``name`` is Markdown and may
        hold ``$math$``.
    what : str
        The plural noun of the verdict ("gradients", "output errors").
    label : str
        The heading of the table's first column.
    show_shape : bool
        Add a column with the arrays' (common) shape.
    show_values : bool
        Add a column per source with its values (flattened, rounded to 6 decimals).
    precision : int
        Decimals of the relative errors in the table (``1`` gives ``3.1e-11``).

    Every pair of sources of a quantity is compared by
    :func:`mlp_lib.gradcheck.array_relative_error` against :data:`EXACT_TOLERANCE`, or
    :data:`FINITE_DIFFERENCE_TOLERANCE` when one of the two is finite differences. Arrays of
    different shapes, or a relative error that is NaN or above the tolerance, fail the proof.
    The result displays as a one-line verdict with the table folded beneath it.
    """
    items = list(cases.items()) if isinstance(cases, Mapping) else list(cases)
    if not items:
        raise ValueError("expected at least one case to check, got none")
    arrays_by_case, errors, failures = {}, {}, []
    for name, arrays in items:
        arrays = _as_case_arrays(name, arrays)
        arrays_by_case.setdefault(name, {}).update(arrays)
        shapes = {src: a.shape for src, a in arrays.items()}
        if len(set(shapes.values())) > 1:
            failures.append(f"{name}: shapes differ, " + ", ".join(f"{s} {shp}" for s, shp in shapes.items()))
        errs = {}
        sources = list(arrays)
        for i, a in enumerate(sources):
            for b in sources[i + 1 :]:
                if shapes[a] != shapes[b]:
                    continue
                err = array_relative_error(arrays[a], arrays[b])
                errs[(a, b)] = err
                tol = tolerance(a, b)
                if not err <= tol:  # NaN fails too
                    failures.append(f"{name}: {a} vs {b} relative error {err:.1e} exceeds the tolerance {tol:.0e}")
        errors.setdefault(name, {}).update(errs)
    if failures:
        raise ProofFailed("the methods disagree:\n  " + "\n  ".join(failures))
    return ProofResult(
        arrays_by_case,
        errors,
        what=what,
        label=label,
        show_shape=show_shape,
        show_values=show_values,
        precision=precision,
    )


# ---------------------------------------------------------------------------
# Symbols: brute force − closed form = 0
# ---------------------------------------------------------------------------
@dataclass
class SymbolicResult:
    """The outcome of :func:`symbolic_check`: every difference simplified to 0 (or, for errata, did not)."""

    differences: dict
    what: str = "quantities"
    label: str = "quantity"
    expect_zero: bool = True
    right: str = "closed form"
    net: object = field(default=None, repr=False)

    @property
    def verdict(self) -> str:
        n = len(self.differences)
        if self.expect_zero:
            return f"✓ SymPy: brute force − {self.right} simplifies to 0 for {'all ' * (n > 1)}{_count(n, self.what)}"
        return f"✓ SymPy: brute force − {self.right} is not 0 for {_count(n, self.what)}: that formula is wrong"

    def table(self) -> str:
        rows = []
        for name, d in self.differences.items():
            d = abbreviate(d, self.net) if self.net is not None else d
            rows.append([name, "$" + tex(d) + "$"])
        return _markdown_table([self.label, f"brute force − {self.right}"], rows)

    def _repr_markdown_(self) -> str:
        return _folded(self.verdict, self.table())

    def __repr__(self) -> str:
        return self.verdict


def symbolic_check(
    differences,
    *,
    what: str = "quantities",
    label: str = "quantity",
    expect_zero: bool = True,
    right: str = "closed form",
    net=None,
) -> SymbolicResult:
    """Assert that SymPy differences (from :func:`mlp_lib.symbolic.difference`) are all the zero matrix.

    ``differences`` is ``{name: Matrix}`` (name is Markdown, may hold ``$math$``). With
    ``expect_zero=False`` it asserts the opposite — that each difference is *not* zero — for
    an erratum's wrong formula (``right`` names the formula in the verdict, plain text). Raises :class:`ProofFailed` naming the quantity otherwise;
    returns a :class:`SymbolicResult` that displays a one-line verdict with the differences
    folded beneath it (abbreviated with ``net``'s pre-activations if given).
    """
    items = list(differences.items()) if isinstance(differences, Mapping) else list(differences)
    if not items:
        raise ValueError("expected at least one difference to check, got none")
    failures = []
    for name, d in items:
        zero = is_zero_matrix(sp.Matrix(d) if not isinstance(d, sp.MatrixBase) else d)
        if zero != expect_zero:
            failures.append(
                f"{name}: brute force − {right} " + (f"is not 0: {d}" if expect_zero else "simplifies to 0")
            )
    if failures:
        raise ProofFailed("SymPy disagrees:\n  " + "\n  ".join(failures))
    return SymbolicResult(dict(items), what=what, label=label, expect_zero=expect_zero, right=right, net=net)


# ---------------------------------------------------------------------------
# Display of SymPy expressions
# ---------------------------------------------------------------------------
#: The width of a code cell's output at 1280 px (the text column of the book's theme), in pixels.
OUTPUT_WIDTH_PX = 688

#: Rendered pixels per glyph of :func:`_width` (MathJax CHTML in a code cell's output, which
#: MathJax scales to 127.3 % to match the text's x-height): the largest ratio measured over the
#: book's SymPy displays in Chromium at 1280 px was 13.1.
PX_PER_GLYPH = 13.2

#: Widest line (in glyphs of :func:`_width`) :func:`show` puts on one line, so that the widest
#: line renders narrower than :data:`OUTPUT_WIDTH_PX` (50 × 13.2 = 660 px, with room for the
#: alignment gap of a broken layout).
MAX_WIDTH = 50

#: Named functions MathJax writes upright, as wide as their letters.
_FUNCTION_NAMES = frozenset(
    "log ln lg exp sin cos tan tanh sinh cosh arcsin arccos arctan max min det lim sup inf arg deg dim ker".split()
)
#: Relations and binary operators: the glyph and the spaces MathJax puts around it.
_OPERATOR_COMMANDS = frozenset("circ cdot times le ge leq geq ne neq approx to mapsto equiv sim pm mp".split())


def _group(s: str, i: int) -> tuple[str, int]:
    """The braced group starting at s[i] == "{" (or the single character there) and the index after it."""
    if i >= len(s):
        return "", i
    if s[i] != "{":
        return s[i], i + 1
    depth = 0
    for j in range(i, len(s)):
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        if depth == 0:
            return s[i + 1 : j], j + 1
    return s[i + 1 :], len(s)


def _width(latex: str) -> float:
    r"""A rough width of rendered LaTeX in glyphs (one glyph ≈ an italic letter).

    A fraction is as wide as its wider part, scripts count 0.6, a matrix the sum of its widest
    column entries, ``=``, ``+``, ``-`` and the like 2 (the sign and the spaces around it), a
    named function (``\log``) its letters, ``\left(`` / ``\right)`` one glyph, any other command
    one glyph. Calibrated against MathJax in Chromium: see :data:`PX_PER_GLYPH`.
    """
    if r"\begin{matrix}" in latex:
        start = latex.index(r"\begin{matrix}")
        end = latex.rfind(r"\end{matrix}")
        body = latex[start + len(r"\begin{matrix}") : end if end > start else len(latex)]
        rows = [row.split("&") for row in body.split(r"\\")]
        cols = max(len(r) for r in rows)
        inner = sum(max(_width(r[c]) if c < len(r) else 0 for r in rows) for c in range(cols)) + 2 * (cols - 1)
        rest = latex[:start] + latex[end + len(r"\end{matrix}") :] if end > start else latex[:start]
        return _width(rest) + inner
    total, i = 0.0, 0
    while i < len(latex):
        c = latex[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", latex[i:], re.S)
            if m is None:  # a trailing backslash
                break
            name = m.group(1)
            i += len(m.group(0))
            if name in ("frac", "tfrac", "dfrac"):
                num, i = _group(latex, i)
                den, i = _group(latex, i)
                total += max(_width(num), _width(den)) * (0.7 if name == "tfrac" else 1) + 0.4
            elif name in ("left", "right", "big", "Big", "bigg", "Bigg"):
                i += 1 if i < len(latex) and latex[i] in "()[]|." else 0
                total += 1
            elif name in ("operatorname", "mathrm", "text", "mathsf", "mathbb", "mathbf"):
                arg, i = _group(latex, i)
                total += len(arg) if name in ("operatorname", "mathrm", "text") else _width(arg)
            elif name in _FUNCTION_NAMES:
                total += len(name)
            elif name in _OPERATOR_COMMANDS:
                total += 2
            elif name == "quad":
                total += 2
            elif name == "qquad":
                total += 4
            elif name in (",", ";", ":", "!", " "):
                total += 0.3
            elif name.isalpha():
                total += 1
        elif c in "_^":
            arg, i = _group(latex, i + 1)
            total += 0.6 * _width(arg)
        elif c in "{}& ":
            i += 1
        elif c in "=+-<>":
            total += 2
            i += 1
        else:
            total += 1
            i += 1
    return total


def _split_top(latex: str, sep: str) -> list:
    """``latex`` split at ``sep`` where it is not inside braces or a nested environment."""
    parts, depth, env, start, i = [], 0, 0, 0, 0
    while i < len(latex):
        if latex.startswith(r"\begin{", i):
            env += 1
        elif latex.startswith(r"\end{", i):
            env -= 1
        c = latex[i]
        if c == "\\" and i + 1 < len(latex) and latex[i + 1] in "{}":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and env == 0 and latex.startswith(sep, i):
            parts.append(latex[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    return parts + [latex[start:]]


def block_width(latex: str) -> float:
    """The width in glyphs of what :func:`latex_lines` returns, laid out as MathJax lays it out.

    ``aligned`` is as wide as its widest left part plus its widest right part (every line's
    right part starts at the same alignment point), ``gathered`` as its widest line; anything
    else is one line (:func:`_width`).
    """
    for env in ("aligned", "gathered"):
        begin, end = rf"\begin{{{env}}}", rf"\end{{{env}}}"
        if latex.startswith(begin) and latex.endswith(end):
            lines = _split_top(latex[len(begin) : -len(end)], r"\\")
            if env == "gathered":
                return max(block_width(line.strip()) for line in lines)
            cells = [_split_top(line, "&") for line in lines]
            left = max(_width(c[0]) for c in cells)
            right = max((_width("".join(c[1:])) for c in cells if len(c) > 1), default=0)
            return left + right
    return _width(latex)


def _terms_lines(expr, width: float) -> list:
    """LaTeX of ``expr`` in lines of at most ``width`` glyphs, broken between the terms of a sum.

    A single term wider than ``width`` stays whole on its line (see :func:`_name_wide_arguments`).
    """
    latex = tex(expr)
    if _width(latex) <= width or not isinstance(expr, sp.Add):
        return [latex]
    lines, line = [], ""
    for term in sp.Add.make_args(expr):
        t = tex(term)
        piece = t if not line else (t if t.startswith("-") else "+ " + t)
        if line and _width(line + piece) > width:
            lines.append(line)
            line = piece if piece.startswith(("-", "+")) else "+ " + piece
        else:
            line = (line + " " + piece).strip()
    return lines + [line]


#: What a broken layout adds to a line: the "=" after the left-hand side, the \quad of a continued line.
_EQUALS, _INDENT = 2.0, 2.0


def _entries(expr, lhs: str | None) -> list:
    """``[(left-hand side, expression), …]``: one per entry of a matrix, else just ``(lhs, expr)``."""
    if not isinstance(expr, sp.MatrixBase):
        return [(lhs or "", expr)]
    name = lhs or r"\cdot"
    column = expr.shape[1] == 1
    entries = []
    for (i, k), entry in np.ndenumerate(np.array(expr.tolist(), dtype=object)):
        index = f"{i + 1}" if column else f"{i + 1},{k + 1}"
        entries.append((rf"\left({name}\right)_{{{index}}}", sp.sympify(entry)))
    return entries


def _term_budget(entries, width: float) -> tuple:
    """``(left-hand sides on their own line?, glyphs left for the right-hand parts)``.

    The right-hand side goes beside its left-hand side when that leaves at least half the line
    and every term fits, else below it.
    """
    left = max(_width(head) for head, _ in entries)
    if left + _EQUALS <= width / 2:
        beside = width - left - _EQUALS - _INDENT
        widest = max(_width(tex(t)) for _, entry in entries for t in sp.Add.make_args(entry))
        if widest <= beside:
            return False, beside
    return True, width - 2 * _INDENT


def _broken(expr, lhs: str | None, width: float) -> str:
    """``lhs = expr`` broken over lines: a matrix one entry per line, a sum between its terms.

    The right-hand parts get what the left-hand side leaves of ``width``. A left-hand side
    wider than half the line goes on its own line, the right-hand side below it, indented.
    """
    entries = _entries(expr, lhs)
    own_line, budget = _term_budget(entries, width)
    lines = []
    for head, entry in entries:
        parts = _terms_lines(entry, budget)
        if own_line:
            lines.append(f"&{head} =")
            lines += [r"&\qquad " + p for p in parts]
        else:
            lines.append((f"{head} &= " if head else "&") + parts[0])
            lines += [r"&\quad " + p for p in parts[1:]]
    if len(lines) == 1 and not isinstance(expr, sp.MatrixBase):
        return (f"{lhs} = " if lhs else "") + tex(expr)
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def _name_wide_arguments(expr, width: float) -> tuple:
    """``expr`` with the widest arguments of its functions named u_1, u_2, … until every term of
    a sum (every entry of a matrix) fits ``width``; returns ``(expr, [(name, argument), …])``."""
    names = sp.numbered_symbols("u_", start=1, exclude=sp.sympify(expr).free_symbols)
    definitions = []

    def terms(e):
        entries = list(e) if isinstance(e, sp.MatrixBase) else [e]
        return [t for entry in entries for t in sp.Add.make_args(sp.sympify(entry))]

    for _ in range(24):
        wide = [t for t in terms(expr) if _width(tex(t)) > width]
        if not wide:
            break
        # in reading order: the first of the widest arguments that still fit a line is named first
        candidates = list(
            dict.fromkeys(
                arg
                for t in wide
                for node in sp.preorder_traversal(t)
                if isinstance(node, sp.Function)
                for arg in node.args
                if not arg.is_Atom
            )
        )
        if not candidates:
            break
        sized = [(_width(tex(c)), -i, c) for i, c in enumerate(candidates)]
        fitting = [item for item in sized if item[0] <= width - 6]
        chosen = max(fitting or sized, key=lambda item: item[:2])[2]
        name = next(names)
        definitions.append((name, chosen))
        expr = expr.xreplace({chosen: name})
    return expr, definitions


def latex_lines(expr, lhs: str | None = None, *, net=None, width: float = MAX_WIDTH) -> str:
    """The LaTeX :func:`show` displays: ``lhs = expr``, never much wider than ``width`` glyphs.

    With ``net`` (a :class:`mlp_lib.symbolic.SymbolicMLP`) the expression is first abbreviated
    (:func:`mlp_lib.symbolic.abbreviate`: pre-activations become :math:`z^j_i`). A matrix too
    wide for one line is written one entry per line, :math:`(\\text{lhs})_{i,k} = …`, and an
    entry too wide for one line is broken between the terms of its sum. If a term is too wide
    even so, repeated subexpressions are named :math:`u_1, u_2, …` (without ``net``), and then
    the widest function arguments, defined beneath. :func:`block_width` of the
    result is at most ``width`` whenever such a layout exists.
    """
    if isinstance(expr, str) or (lhs is not None and not isinstance(lhs, str)):
        raise TypeError(f"expected show(expr, lhs) with a SymPy expression and LaTeX text, got {expr!r}, {lhs!r}")
    expr = sp.sympify(expr)
    if net is not None:
        expr = abbreviate(expr, net)
    whole = tex(expr)
    prefix = f"{lhs} = " if lhs else ""
    if _width(prefix + whole) <= width:
        return prefix + whole
    layout = _broken(expr, lhs, width)
    if block_width(layout) <= width:
        return layout
    if net is None:
        # No network to abbreviate with: name the repeated subexpressions u_1, u_2, … instead.
        names = sp.numbered_symbols("u_", start=1, exclude=expr.free_symbols)
        definitions, (reduced,) = sp.cse(expr, symbols=names, optimizations=None)
        if definitions:
            lines = [latex_lines(value, tex(name), width=width) for name, value in definitions]
            return (
                r"\begin{gathered}" + r" \\ ".join(lines + [latex_lines(reduced, lhs, width=width)]) + r"\end{gathered}"
            )
    reduced, definitions = _name_wide_arguments(expr, _term_budget(_entries(expr, lhs), width)[1])
    if not definitions:
        return layout
    lines = [_broken(reduced, lhs, width)]
    lines += [latex_lines(value, tex(name), width=width) for name, value in definitions]
    return r"\begin{gathered}" + r" \\ ".join(lines) + r"\end{gathered}"


def show(expr, lhs: str | None = None, *, net=None, width: float = MAX_WIDTH) -> None:
    """Display a SymPy expression as math (``lhs = expr`` if ``lhs``, LaTeX), readable at any width.

    See :func:`latex_lines` for the layout; ``net`` abbreviates the pre-activations.
    """
    from IPython.display import Math, display  # lazily: the library must not need IPython

    display(Math(latex_lines(expr, lhs, net=net, width=width)))
