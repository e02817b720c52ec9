"""Initialization schemes: the variance factor derived from Eq. (2) against simulation."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_lib import MLP, hidden_layer_error
from mlp_lib.initialization import SCHEMES


def _phi_ratio(hidden, scheme, width=256, depth=6, m=256, seed=0):
    """Measured Var(ϕ^j)/Var(ϕ^{j+1}), averaged over the hidden layers of random deep networks.

    The forward pass gives z^j; ϕ^J is drawn at random, independent of the weights (the
    derivation's assumption), and Eq. (2) carries it back: ϕ^j = ((w^{j+1})ᵀ ϕ^{j+1}) ∘ σ'(z^j).
    """
    rng = np.random.default_rng(seed)
    ratios = []
    for r in range(4):
        model = MLP(
            [width] * (depth + 1) + [width], hidden=hidden, output="identity", seed=seed + r, initialization=scheme
        )
        x = rng.normal(size=(width, m))
        z = model.forward(x).z
        phi = rng.normal(size=(width, m))
        for j in range(model.J - 1, 0, -1):
            phi_next, phi = phi, hidden_layer_error(model.W[j + 1], phi, z[j], model.activations[j])
            ratios.append(np.var(phi) / np.var(phi_next))
    return float(np.mean(ratios))


@pytest.mark.parametrize(
    "hidden, scheme, expected",
    [
        ("relu", "he", 1.0),  # n · (2/n) · E[σ'²] = 2 · 1/2
        ("tanh", "glorot", None),  # ≈ 1, a little below: E[tanh'²] < 1 away from 0
        ("relu", "normal", 256 * 0.5),  # n · 1 · 1/2: explodes
        ("identity", "glorot", 1.0),  # n · (2/(n + n)) · 1
    ],
)
def test_measured_variance_factor_matches_the_derivation(hidden, scheme, expected):
    measured = _phi_ratio(hidden, scheme)
    if expected is None:
        assert 0.5 < measured <= 1.1
    else:
        assert measured == pytest.approx(expected, rel=0.1)


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("scheme", ["he", "glorot", "glorot-sigmoid", "normal"])
def test_each_layer_follows_var_phi_j_equals_n_var_w_e_sigma_prime_squared_var_phi_next(hidden, scheme):
    """Var(ϕ^j) = n_{j+1} Var(w^{j+1}) E[σ'(z^j)²] Var(ϕ^{j+1}), with E[σ'²] measured at each layer."""
    rng = np.random.default_rng(1)
    width, m = 200, 200
    model = MLP([width] * 6, hidden=hidden, output="identity", seed=3, initialization=scheme)
    z = model.forward(rng.normal(size=(width, m))).z
    phi = rng.normal(size=(width, m))
    for j in range(model.J - 1, 0, -1):
        phi_next, phi = phi, hidden_layer_error(model.W[j + 1], phi, z[j], model.activations[j])
        sigma_prime = model.activations[j].derivative(z[j])
        predicted = width * np.var(model.W[j + 1]) * np.mean(sigma_prime**2)
        if predicted < 1e-12:  # every unit saturated: nothing flows back
            assert np.var(phi) <= 1e-12 * np.var(phi_next)
            continue
        assert np.var(phi) / np.var(phi_next) == pytest.approx(predicted, rel=0.15), (j, hidden, scheme)


def test_default_is_he_for_relu_and_glorot_otherwise_with_unchanged_numbers():
    a, b = MLP([3, 4, 2], hidden="relu", seed=0), MLP([3, 4, 2], hidden="relu", seed=0, initialization="auto")
    np.testing.assert_array_equal(a.W[1], b.W[1])
    he = MLP([3, 4, 2], hidden="tanh", seed=0, initialization="he")
    assert not np.array_equal(he.W[1], MLP([3, 4, 2], hidden="tanh", seed=0).W[1])


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match=r"expected initialization to be one of .*'he'.*got 'xavier'"):
        MLP([2, 2], initialization="xavier")
    assert set(SCHEMES) >= {"auto", "he", "glorot", "glorot-sigmoid", "normal"}
