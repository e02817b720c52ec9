"""Activations σ: values, derivatives σ' and the vector–Jacobian product (∂σ/∂z)ᵀ v.

Oracles are independent of mlp_lib: closed-form formulas written here with the
``math`` module, and autograd differentiating its own (naive) formulas.
Tolerances are stated on every comparison.
"""

from __future__ import annotations

import math
import warnings

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import elementwise_grad, jacobian

import mlp_lib
from mlp_lib import ACTIVATIONS, Identity, ReLU, Sigmoid, Softmax, Tanh, get_activation

RTOL = 1e-12  # float64 value/derivative comparisons away from overflow
ATOL = 1e-15

# Points that avoid the ReLU kink; includes small and moderately large magnitudes.
Z = np.array(
    [[-3.0, -0.7, -1e-3, 2e-3, 0.4, 2.5], [5.0, -5.0, 0.25, -0.25, 10.0, -10.0]],
    dtype=np.float64,
)


def _map(f, z):
    """Apply a scalar Python function to every entry: an oracle with no NumPy vectorisation."""
    return np.array([[f(float(v)) for v in row] for row in z])


def _sigmoid_scalar(x: float) -> float:
    # Textbook formula, evaluated in the branch where exp cannot overflow.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    return math.exp(x) / (1.0 + math.exp(x))


# ---------------------------------------------------------------------------
# Values and derivatives against scalar formulas
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, value, derivative",
    [
        ("identity", lambda x: x, lambda x: 1.0),
        ("relu", lambda x: x if x > 0 else 0.0, lambda x: 1.0 if x > 0 else 0.0),
        ("sigmoid", _sigmoid_scalar, lambda x: _sigmoid_scalar(x) * (1.0 - _sigmoid_scalar(x))),
        ("tanh", math.tanh, lambda x: 1.0 / math.cosh(x) ** 2),
    ],
)
def test_elementwise_value_and_derivative_match_scalar_formulas(name, value, derivative):
    act = get_activation(name)
    assert act.elementwise and act.hidden_ok
    v, d = act.value(Z), act.derivative(Z)
    assert v.shape == Z.shape and d.shape == Z.shape
    np.testing.assert_allclose(v, _map(value, Z), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(d, _map(derivative, Z), rtol=1e-11, atol=ATOL)


@pytest.mark.parametrize(
    "name, oracle",
    [
        ("identity", lambda z: z * 1.0),
        ("relu", lambda z: anp.maximum(z, 0.0)),
        ("sigmoid", lambda z: 1.0 / (1.0 + anp.exp(-z))),  # naive formula: fine for |z| ≤ 10
        ("tanh", lambda z: (anp.exp(z) - anp.exp(-z)) / (anp.exp(z) + anp.exp(-z))),
    ],
)
def test_elementwise_derivative_matches_autograd(name, oracle):
    act = get_activation(name)
    np.testing.assert_allclose(act.value(Z), oracle(Z), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(act.derivative(Z), elementwise_grad(oracle)(Z), rtol=1e-10, atol=1e-15)


def test_relu_derivative_at_zero_is_zero_by_choice():
    # ReLU is not differentiable at 0; the source (and mlp_lib) *choose* σ'(0) = 0.
    z = np.array([[0.0, -0.0, 1e-300, -1e-300]])
    assert ReLU().derivative(z).tolist() == [[0.0, 0.0, 1.0, 0.0]]
    assert ReLU().value(z).tolist() == [[0.0, 0.0, 1e-300, 0.0]]


def test_identity_value_is_a_copy():
    z = np.array([[1.0, 2.0]])
    out = Identity().value(z)
    out[0, 0] = 99.0
    assert z[0, 0] == 1.0


ELEMENTWISE_ORACLES = {
    "identity": lambda z: z * 1.0,
    "relu": lambda z: anp.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + anp.exp(-z)),
    "tanh": lambda z: anp.tanh(z),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE_ORACLES))
def test_elementwise_vjp_is_diagonal_jacobian_times_v(name):
    # For elementwise σ the Jacobian of one column is diagonal; autograd builds it in full.
    rng = np.random.default_rng(1)
    v = rng.normal(size=Z.shape)
    out = get_activation(name).vjp(Z, v)
    jac = jacobian(ELEMENTWISE_ORACLES[name])
    for k in range(Z.shape[1]):
        J = jac(Z[:, k])
        np.testing.assert_allclose(J, np.diag(np.diag(J)), rtol=0, atol=0)
        np.testing.assert_allclose(out[:, k], J @ v[:, k], rtol=1e-10, atol=1e-15)


# ---------------------------------------------------------------------------
# Softmax: value and vector–Jacobian product
# ---------------------------------------------------------------------------
def _softmax_oracle(z_col):
    e = anp.exp(z_col)  # naive, fine for the moderate logits used here
    return e / anp.sum(e)


def test_softmax_value_columns_are_distributions_and_match_formula():
    rng = np.random.default_rng(2)
    z = rng.normal(scale=3.0, size=(4, 7))
    s = Softmax().value(z)
    np.testing.assert_allclose(s.sum(axis=0), np.ones(7), rtol=0, atol=1e-15)
    for k in range(7):
        col = [math.exp(v) for v in z[:, k]]
        total = math.fsum(col)
        np.testing.assert_allclose(s[:, k], [c / total for c in col], rtol=1e-14)


def test_softmax_vjp_matches_explicit_transposed_jacobian_and_autograd():
    rng = np.random.default_rng(3)
    n, m = 5, 6
    z = rng.normal(scale=2.0, size=(n, m))
    v = rng.normal(size=(n, m))
    sm = Softmax()
    out = sm.vjp(z, v)
    assert out.shape == (n, m)
    jac_autograd = jacobian(_softmax_oracle)
    for k in range(m):
        s = _softmax_oracle(z[:, k])
        explicit = np.diag(s) - np.outer(s, s)  # diag(s) − s sᵀ, built here independently
        np.testing.assert_allclose(out[:, k], explicit @ v[:, k], rtol=1e-12, atol=1e-15)
        jac = jac_autograd(z[:, k])
        np.testing.assert_allclose(out[:, k], jac @ v[:, k], rtol=1e-12, atol=1e-15)
        # The library's own full Jacobian agrees with both and is symmetric.
        np.testing.assert_allclose(sm.jacobian(z[:, k]), jac, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(jac, jac.T, rtol=0, atol=1e-15)


def test_softmax_derivative_raises_type_error():
    with pytest.raises(TypeError, match="not elementwise"):
        Softmax().derivative(np.zeros((3, 2)))
    assert Softmax().elementwise is False and Softmax().hidden_ok is False


# ---------------------------------------------------------------------------
# Numerical stability at extreme logits
# ---------------------------------------------------------------------------
# Overflow, division by zero and invalid operations must not happen. Underflow
# (e^{-10000} → 0.0) is left at NumPy's default "ignore": rounding e^{-10000} to
# 0 is the correctly rounded float64 result, not an error.
def _strict():
    return np.errstate(over="raise", divide="raise", invalid="raise", under="ignore")


EXTREME = np.array([[1e4, -1e4, 1e4, -1e4, 0.0], [-1e4, 1e4, 1e4, -1e4, 1e4], [0.0, 0.0, -1e4, 1e4, -1e4]])


@pytest.mark.parametrize("name", ["identity", "relu", "sigmoid", "tanh"])
def test_elementwise_extreme_logits_finite_without_warnings(name):
    act = get_activation(name)
    with warnings.catch_warnings(), _strict():
        warnings.simplefilter("error")
        v, d = act.value(EXTREME), act.derivative(EXTREME)
    assert np.all(np.isfinite(v)) and np.all(np.isfinite(d))


def test_sigmoid_extreme_values_are_exactly_saturated():
    with warnings.catch_warnings(), _strict():
        warnings.simplefilter("error")
        s = Sigmoid().value(np.array([[1e4, -1e4, 800.0, -800.0]]))
    assert s.tolist() == [[1.0, 0.0, 1.0, 0.0]]


def test_softmax_extreme_and_mixed_columns_finite_without_warnings():
    sm = Softmax()
    v = np.ones_like(EXTREME)
    with warnings.catch_warnings(), _strict():
        warnings.simplefilter("error")
        s = sm.value(EXTREME)
        jv = sm.vjp(EXTREME, v)
        jac = sm.jacobian(EXTREME[:, 2])
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(jv)) and np.all(np.isfinite(jac))
    np.testing.assert_allclose(s.sum(axis=0), 1.0, rtol=0, atol=1e-15)
    # Column 0: one logit dominates by 1e4 → a one-hot distribution.
    assert s[:, 0].tolist() == [1.0, 0.0, 0.0]
    # Column 2: two equal maxima share the mass exactly.
    assert s[:, 2].tolist() == [0.5, 0.5, 0.0]
    # Column 4 mixes 0, +1e4, -1e4 — the large positive one wins.
    assert s[:, 4].tolist() == [0.0, 1.0, 0.0]
    # A constant v is in the Jacobian's null space (rows of diag(s) − s sᵀ sum to 0).
    np.testing.assert_allclose(jv, 0.0, atol=1e-15)


def test_softmax_is_shift_invariant_per_column():
    rng = np.random.default_rng(4)
    z = rng.normal(size=(3, 5))
    shift = np.array([[1e4, -1e4, 500.0, -500.0, 0.0]])
    np.testing.assert_allclose(Softmax().value(z + shift), Softmax().value(z), rtol=1e-10, atol=1e-15)


# ---------------------------------------------------------------------------
# Lookup by name
# ---------------------------------------------------------------------------
def test_get_activation_by_name_and_passthrough():
    assert set(ACTIVATIONS) == {"identity", "relu", "sigmoid", "tanh", "softmax"}
    for name, cls in ACTIVATIONS.items():
        assert isinstance(get_activation(name), cls)
        assert isinstance(get_activation(name.upper()), cls)
    act = Tanh()
    assert get_activation(act) is act


def test_unknown_activation_name_lists_valid_names():
    with pytest.raises(
        ValueError, match=r"^get_activation: expected activation to be one of \[.*\], got 'swish'$"
    ) as info:
        get_activation("swish")
    for name in ("identity", "relu", "sigmoid", "softmax", "tanh"):
        assert name in str(info.value)


def test_non_string_activation_is_type_error():
    with pytest.raises(TypeError, match=r"^get_activation: expected activation to be one of \[.*\], got 3$"):
        get_activation(3)


def test_public_names_exported():
    for name in ("Identity", "ReLU", "Sigmoid", "Tanh", "Softmax", "get_activation"):
        assert hasattr(mlp_lib, name)


@pytest.mark.parametrize("name", ["identity", "relu", "sigmoid", "tanh", "softmax"])
def test_vjp_is_the_transposed_jacobian_of_sympy(name):
    """vjp(z, v) = (∂σ/∂z)ᵀ v, with the Jacobian differentiated by SymPy from σ's formula."""
    import sympy as sp

    n = 3
    zs = sp.symbols("z0:3", real=True)
    t = sp.Symbol("t", real=True)
    scalar = {"identity": t, "relu": sp.Max(t, 0), "sigmoid": 1 / (1 + sp.exp(-t)), "tanh": sp.tanh(t)}
    if name == "softmax":
        e = [sp.exp(z) for z in zs]
        sigma = sp.Matrix([ei / sum(e) for ei in e])
    else:
        sigma = sp.Matrix([scalar[name].subs(t, z) for z in zs])
    J = sigma.jacobian(sp.Matrix(zs))  # J[i, k] = ∂σ_i/∂z_k
    rng = np.random.default_rng(7)
    for _ in range(4):
        z = rng.normal(scale=2.0, size=(n, 1))
        v = rng.normal(size=(n, 1))
        at = {zk: sp.Float(float(x), 30) for zk, x in zip(zs, z[:, 0])}
        expected = np.array((J.subs(at).T * sp.Matrix(v[:, 0])).evalf(20), dtype=float)
        np.testing.assert_allclose(get_activation(name).vjp(z, v), expected, rtol=1e-12, atol=1e-15)
