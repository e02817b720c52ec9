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
    OUTPUT_WIDTH_PX,
    PX_PER_GLYPH,
    ProofFailed,
    _width,
    block_width,
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
    arrays["mlp_lib"] = arrays["mlp_lib"] + 1e-6  # wrong beyond the exact tolerance
    with pytest.raises(ProofFailed) as info:
        three_way_check({"ϕ² (tanh + MSE)": arrays})
    message = str(info.value)
    assert "ϕ² (tanh + MSE)" in message
    assert "SymPy vs mlp_lib" in message and "1e-10" in message
    assert isinstance(info.value, AssertionError)


def test_finite_differences_are_held_to_their_own_tolerance():
    exact = np.ones(4)
    three_way_check({"ok": dict(mlp_lib=exact, fd=exact * (1 + 5e-8))})  # fine against fd …
    with pytest.raises(ProofFailed, match="exceeds the tolerance 1e-10"):
        three_way_check({"bad": dict(sympy=exact, mlp_lib=exact * (1 + 5e-8))})  # … not between exact methods
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
    assert md.startswith(verdict + "\n\n<details>") and "<summary>the numbers</summary>" in md
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
    result = symbolic_check(
        {r"$\phi^1$": difference(net.brute_force_phi(1), net.closed_form_phi(1))}, what="error signals"
    )
    assert result.verdict == "✓ SymPy: brute force − closed form simplifies to 0 for 1 error signal"
    wrong = difference(net.brute_force_phi(1), 2 * net.closed_form_phi(1))
    with pytest.raises(ProofFailed, match="is not 0"):
        symbolic_check({"twice": wrong})
    assert "not 0" in symbolic_check({"twice": wrong}, expect_zero=False).verdict


def test_show_abbreviates_a_wide_matrix():
    net = SymbolicMLP([2, 2, 2], "generic", "generic", "generic")
    phi = net.brute_force_phi(1)
    assert len(sp.latex(phi)) > 2000  # one line thousands of pixels wide
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
    assert _width("a \\") == 1 and _width(r"\frac{a + b}{c}") == pytest.approx(4.4)  # "+" and its spaces: 2
    assert _width(r"\log x") == 4 and _width(r"\left(x\right)") == 3


# --------------------------------------------------------------------------- fitting the page
# What show() displays must fit a code cell's output at 1280 px (OUTPUT_WIDTH_PX = 688 px): the
# widest line is at most MAX_WIDTH glyphs of _width, and a glyph renders at most PX_PER_GLYPH
# pixels (measured with MathJax in Chromium over the book's displays: at most 13.1). The browser
# test (tests/site/test_browser.py) checks the rendered pages themselves.


def test_the_width_limit_renders_inside_the_output_column():
    assert MAX_WIDTH * PX_PER_GLYPH <= OUTPUT_WIDTH_PX - 24  # room for the alignment gap


def _nested_batch_sum(m=3):
    """Like minibatch's one entry of ∇_{b²}L: a sum of terms each too wide to break between terms."""
    sigma, L_a1, dsigma = sp.Function("sigma"), sp.Function("L_{a1}"), sp.Function("sigma'")
    terms = []
    for s in range(1, m + 1):
        x1, x2, z = sp.symbols(f"x_{{1\\,{s}}} x_{{2\\,{s}}} z^2_{{1\\,{s}}}")
        w = sp.symbols("w_1:9")
        hidden = [sigma(sp.Symbol(f"b^1_{i}") + w[2 * i] * x1 + w[2 * i + 1] * x2) for i in (1, 2)]
        other = sigma(sp.Symbol("b^2_2") + w[5] * hidden[0] + w[6] * hidden[1])
        terms.append(L_a1(sigma(z), other) * dsigma(z) / m)
    return sp.Add(*terms)


@pytest.mark.parametrize("case", ["log-softmax sum", "long left-hand side", "nested terms", "wide matrix"])
def test_show_fits_max_width(case):
    """Every layout show() picks is at most MAX_WIDTH wide, as MathJax lays it out (block_width)."""
    if case == "log-softmax sum":  # softmax-output-cce and digits-capstone: ℓ = −Σ y_i log softmax_i
        zeta, y = sp.symbols("zeta_1:4"), sp.symbols("y_1:4")
        total = sum(sp.exp(t) for t in zeta)
        latex = latex_lines(-sum(yi * sp.log(sp.exp(t) / total) for yi, t in zip(y, zeta)), r"\ell(z)")
        assert r"\begin{aligned}\ell(z) &= " in latex  # broken between its terms
    elif case == "long left-hand side":  # eq2-recursion, eq4: (ϕ¹_brute − (w²)ᵀϕ² ∘ σ(z¹))_i = …
        net = SymbolicMLP([2, 2, 2], "generic", "generic", "generic")
        lhs = r"\phi^1_{\text{brute force}} - \big((w^2)^{\mathsf{T}}\phi^2\big)\circ\sigma(z^1)"
        latex = latex_lines(
            difference(net.brute_force_phi(1), 2 * net.closed_form_phi(1), simplify=False), lhs, net=net
        )
        assert latex.startswith(r"\begin{aligned}&\left(" + lhs)  # the left-hand side on its own line
    elif case == "nested terms":  # minibatch: each term of the sum is wider than a line
        latex = latex_lines(_nested_batch_sum(), r"\frac{\partial L}{\partial b^2_1}")
        assert latex.startswith(r"\begin{gathered}") and "u_{1} = " in latex  # arguments named, defined beneath
    else:
        x = sp.symbols("x_1:65")
        latex = latex_lines(sp.Matrix(2, 4, lambda i, k: sum(x[32 * i + 8 * k : 32 * i + 8 * k + 8])), "M")
    assert block_width(latex) <= MAX_WIDTH, (block_width(latex), latex)


def test_block_width_adds_the_left_and_right_columns_of_aligned():
    # left column "abc" (3) + widest right part "\quad + e" (2 + 2 + 1), not the sum of the lines
    assert block_width(r"\begin{aligned}abc &= d \\ &\quad + e\end{aligned}") == 8
    assert block_width(r"\begin{gathered}a \\ b + c\end{gathered}") == 4  # its widest line
