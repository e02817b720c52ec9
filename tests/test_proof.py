"""The chapters' proof helper: it passes on agreement, fails loudly on disagreement, and renders one line."""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy as sp

from mlp_lib.symbolic import SymbolicMLP, difference
from mlp_lib.teaching.proof import (
    EXACT_TOLERANCE,
    FINITE_DIFFERENCE_TOLERANCE,
    MAX_WIDTH,
    ProofFailed,
    _width,
    latex_lines,
    symbolic_check,
    three_way_check,
)


def agreeing(shape=(3, 2), seed=0):
    exact = np.random.default_rng(seed).normal(size=shape)
    return dict(sympy=exact, mlp_lib=exact * (1 + 1e-14), fd=exact * (1 + 1e-9))


def test_tolerances_are_the_stated_ones():
    assert EXACT_TOLERANCE == 1e-10
    assert FINITE_DIFFERENCE_TOLERANCE == 1e-7


def test_agreeing_arrays_pass_and_record_every_pair():
    result = three_way_check({"$W^1$": agreeing(), "$b^1$": agreeing((3, 1), seed=1)}, what="gradients")
    assert result.pairs == [("SymPy", "mlp_lib"), ("SymPy", "finite differences"), ("mlp_lib", "finite differences")]
    assert result.worst(False) < 1e-13 and 1e-10 < result.worst(True) < 1e-8


def test_disagreeing_arrays_raise_a_message_naming_the_case_and_the_tolerance():
    arrays = agreeing()
    arrays["mlp_lib"] = arrays["mlp_lib"] + 1e-6          # wrong beyond the exact tolerance
    with pytest.raises(ProofFailed) as info:
        three_way_check({"ϕ² (tanh + MSE)": arrays})
    message = str(info.value)
    assert "ϕ² (tanh + MSE)" in message
    assert "SymPy vs mlp_lib" in message and "1e-10" in message
    assert isinstance(info.value, AssertionError)


def test_finite_differences_are_held_to_their_own_tolerance():
    exact = np.ones(4)
    three_way_check({"ok": dict(mlp_lib=exact, fd=exact * (1 + 5e-8))})      # fine against fd …
    with pytest.raises(ProofFailed, match="exceeds the tolerance 1e-10"):
        three_way_check({"bad": dict(sympy=exact, mlp_lib=exact * (1 + 5e-8))})   # … not between exact methods
    with pytest.raises(ProofFailed, match="1e-07"):
        three_way_check({"bad": dict(mlp_lib=exact, fd=exact * 1.01)})


def test_nan_and_shape_mismatch_fail():
    with pytest.raises(ProofFailed, match="nan"):
        three_way_check({"nan": dict(mlp_lib=np.ones(2), fd=np.array([1.0, np.nan]))})
    with pytest.raises(ProofFailed, match="shapes differ"):
        three_way_check({"shape": dict(mlp_lib=np.ones((2, 1)), fd=np.ones((1, 2)))})


def test_renders_a_one_line_verdict_over_a_folded_table():
    result = three_way_check({"a": agreeing(), "b": agreeing(seed=2)}, what="gradients")
    verdict = result.verdict
    assert "\n" not in verdict
    assert re.fullmatch(
        r"✓ SymPy, mlp_lib and finite differences agree on 2 gradients: worst relative error "
        r"\d\.\de-\d\d between exact methods, \d\.\de-\d\d against finite differences",
        verdict,
    ), verdict
    md = result._repr_markdown_()
    assert md.startswith("<details>") and f"<summary>{verdict}</summary>" in md
    assert "| quantity | SymPy vs mlp_lib |" in md and md.count("\n| a |") == 1
    assert repr(result) == verdict


def test_other_sources_and_shapes():
    x = np.arange(6.0).reshape(2, 3) + 1
    result = three_way_check({"W": {"mlp_lib": x, "per-sample loop": x.copy()}}, show_shape=True)
    assert result.verdict.startswith("✓ mlp_lib and per-sample loop agree on 1 quantity: worst relative error 0.0e+00")
    assert "| W | (2, 3) | 0.0e+00 |" in result.table()
    shown = three_way_check({"L": dict(sympy=np.array([[0.25]]), mlp_lib=np.array([[0.25]]))}, show_values=True)
    assert "| L | `[0.25]` | `[0.25]` | 0.0e+00 |" in shown.table()


def test_symbolic_check_passes_on_zero_and_fails_on_a_wrong_formula():
    net = SymbolicMLP([2, 2, 1], "generic", "generic", "generic")
    result = symbolic_check({r"$\phi^1$": difference(net.brute_force_phi(1), net.closed_form_phi(1))}, what="error signals")
    assert result.verdict == "✓ SymPy: brute force − closed form simplifies to 0 for 1 error signal"
    wrong = difference(net.brute_force_phi(1), 2 * net.closed_form_phi(1))
    with pytest.raises(ProofFailed, match="is not 0"):
        symbolic_check({"twice": wrong})
    assert "not 0" in symbolic_check({"twice": wrong}, expect_zero=False).verdict


def test_show_abbreviates_a_wide_matrix():
    net = SymbolicMLP([2, 2, 2], "generic", "generic", "generic")
    phi = net.brute_force_phi(1)
    assert len(sp.latex(phi)) > 2000                              # one line thousands of pixels wide
    latex = latex_lines(phi, r"\phi^1", net=net)
    assert len(latex) < 600 and "z^{1}_{1}" in latex and "x_{1}" not in latex
    assert _width(latex) <= MAX_WIDTH
    # without a network to abbreviate with, repeated subexpressions get names
    named = latex_lines(phi, r"\phi^1")
    assert "u_{1}" in named and len(named) < len(sp.latex(phi)) / 2
    # a matrix too wide even so is written one entry per line, long sums broken between terms
    x = sp.symbols("x_1:65")
    wide = sp.Matrix(2, 4, lambda i, k: sum(x[32 * i + 8 * k : 32 * i + 8 * k + 8]))
    latex = latex_lines(wide, "M")
    lines = latex.removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}").split(r" \\ ")
    assert lines[0].startswith(r"\left(M\right)_{1,1} &= ") and any(r"\left(M\right)_{2,4}" in line for line in lines)
    assert all(_width(line) <= MAX_WIDTH for line in lines), max(lines, key=_width)
    # a narrow expression stays on one line
    assert latex_lines(net.b[1], "b^1") == "b^1 = " + sp.latex(net.b[1])


def test_width_of_any_latex_is_defined():
    zeta = sp.Matrix(sp.symbols("zeta_1:4"))
    lse = -zeta[2] + sp.log(sum(sp.exp(t) for t in zeta))
    latex = latex_lines(zeta.applyfunc(lambda t: sp.diff(lse, t)), r"\nabla_\zeta")
    assert latex.startswith(r"\nabla_\zeta = ")
    assert _width("a \\") == 1 and _width(r"\frac{a + b}{c}") == 3
