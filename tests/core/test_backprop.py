"""The four equations of backpropagation, one function each (Eqs. 1–4).

Each matrix function is compared with the source's *component* formula written
as explicit Python loops over units and samples, and a tiny 2-2-1 network is
worked through by hand (plain ``math`` arithmetic) so a reader can follow every
number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp_lib import (
    MLP,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    bias_gradient,
    get_activation,
    hidden_layer_error,
    output_layer_error,
    weight_gradient,
)

TOL = 1e-12  # loops vs. matrix products: only summation order differs


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# ---------------------------------------------------------------------------
# Eq. (1): ϕ^J = ∇_{a^J} L ∘ σ'(z^J)   (general form: Jacobianᵀ · ∇_{a^J} L)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["identity", "relu", "sigmoid", "tanh"])
def test_output_layer_error_elementwise_components(rng, name):
    n, m = 3, 4
    act = get_activation(name)
    z = rng.normal(size=(n, m))
    g = rng.normal(size=(n, m))
    phi = output_layer_error(g, z, act)
    assert phi.shape == (n, m)
    d = act.derivative(z)
    for i in range(n):
        for s in range(m):
            assert phi[i, s] == pytest.approx(g[i, s] * d[i, s], rel=TOL, abs=1e-300)


def test_output_layer_error_softmax_is_chain_rule_sum(rng):
    # ∂L/∂z_i = Σ_k ∂L/∂a_k ∂a_k/∂z_i with ∂a_k/∂z_i = a_k (δ_ki − a_i).
    n, m = 4, 3
    z = rng.normal(size=(n, m))
    g = rng.normal(size=(n, m))
    phi = output_layer_error(g, z, Softmax())
    assert phi.shape == (n, m)
    for s in range(m):
        e = [math.exp(v) for v in z[:, s]]
        a = [v / math.fsum(e) for v in e]
        for i in range(n):
            expected = math.fsum(g[k, s] * a[k] * ((1.0 if k == i else 0.0) - a[i]) for k in range(n))
            assert phi[i, s] == pytest.approx(expected, rel=1e-10, abs=1e-15)


# ---------------------------------------------------------------------------
# Eq. (2): ϕ_i^j = Σ_k w_{k,i}^{j+1} ϕ_k^{j+1} σ'(z_i^j)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("act", [ReLU(), Sigmoid(), Tanh(), get_activation("identity")])
@pytest.mark.parametrize("n_j, n_next, m", [(1, 1, 1), (3, 2, 5), (2, 4, 1)])
def test_hidden_layer_error_matches_component_formula(rng, act, n_j, n_next, m):
    W_next = rng.normal(size=(n_next, n_j))
    phi_next = rng.normal(size=(n_next, m))
    z = rng.normal(size=(n_j, m))
    phi = hidden_layer_error(W_next, phi_next, z, act)
    assert phi.shape == (n_j, m)
    d = act.derivative(z)
    for s in range(m):
        for i in range(n_j):
            expected = math.fsum(W_next[k, i] * phi_next[k, s] for k in range(n_next)) * d[i, s]
            assert phi[i, s] == pytest.approx(expected, rel=TOL, abs=1e-15)


def test_hidden_layer_error_refuses_softmax(rng):
    with pytest.raises(ValueError, match=r"expected an elementwise activation in a hidden layer, got softmax"):
        hidden_layer_error(np.ones((2, 2)), np.ones((2, 1)), np.ones((2, 1)), Softmax())


# ---------------------------------------------------------------------------
# Eq. (3): ∂L/∂w_{i,k}^j = Σ_s ϕ_{i,s}^j a_{k,s}^{j−1}     Eq. (4): ∂L/∂b_i^j = Σ_s ϕ_{i,s}^j
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("n_j, n_prev, m", [(1, 1, 1), (3, 2, 5), (2, 4, 1), (5, 3, 8)])
def test_weight_and_bias_gradient_match_component_sums(rng, n_j, n_prev, m):
    phi = rng.normal(size=(n_j, m))
    a_prev = rng.normal(size=(n_prev, m))
    dW = weight_gradient(phi, a_prev)
    db = bias_gradient(phi)
    assert dW.shape == (n_j, n_prev)
    assert db.shape == (n_j, 1)
    for i in range(n_j):
        for k in range(n_prev):
            expected = math.fsum(phi[i, s] * a_prev[k, s] for s in range(m))
            assert dW[i, k] == pytest.approx(expected, rel=TOL, abs=1e-15)
        assert db[i, 0] == pytest.approx(math.fsum(phi[i, s] for s in range(m)), rel=TOL, abs=1e-15)


def test_batch_gradient_is_sum_of_per_sample_outer_products(rng):
    # With m = 1 Eq. (3) is the outer product ϕ aᵀ; a batch sums those per-sample products.
    phi = rng.normal(size=(3, 4))
    a_prev = rng.normal(size=(2, 4))
    total = sum(np.outer(phi[:, s], a_prev[:, s]) for s in range(4))
    np.testing.assert_allclose(weight_gradient(phi, a_prev), total, rtol=TOL, atol=1e-15)


# ---------------------------------------------------------------------------
# A worked example by hand: 2-2-1, sigmoid hidden layer, identity output, MSE, one sample
# ---------------------------------------------------------------------------
def test_worked_example_2_2_1_by_hand():
    # Parameters and data (chosen by hand):
    #   x = a^0 = [1, 2]ᵀ,  y = 1
    #   w^1 = [[0.1, 0.2],    b^1 = [ 0.1,
    #          [0.3, 0.4]]            -0.1]
    #   w^2 = [[0.5, -0.6]],  b^2 = [0.2]
    x1, x2, y = 1.0, 2.0, 1.0
    w1 = [[0.1, 0.2], [0.3, 0.4]]
    b1 = [0.1, -0.1]
    w2 = [[0.5, -0.6]]
    b2 = [0.2]

    def sig(t):
        return 1.0 / (1.0 + math.exp(-t))

    # Forward pass.
    #   z^1_1 = 0.1·1 + 0.2·2 + 0.1 = 0.6          a^1_1 = σ(0.6) ≈ 0.6456563
    #   z^1_2 = 0.3·1 + 0.4·2 − 0.1 = 1.0          a^1_2 = σ(1.0) ≈ 0.7310586
    #   z^2   = 0.5·0.6456563 − 0.6·0.7310586 + 0.2 ≈ 0.0841930 = a^2 (identity)
    #   L = (1/n)(y − a^2)² with n = 1 ≈ (0.9158070)² ≈ 0.8387025
    z1 = [w1[0][0] * x1 + w1[0][1] * x2 + b1[0], w1[1][0] * x1 + w1[1][1] * x2 + b1[1]]
    a1 = [sig(z1[0]), sig(z1[1])]
    z2 = w2[0][0] * a1[0] + w2[0][1] * a1[1] + b2[0]
    a2 = z2
    L = (y - a2) ** 2
    assert abs(z1[0] - 0.6) < 1e-15 and abs(z1[1] - 1.0) < 1e-15
    assert abs(a1[0] - 0.6456563) < 1e-7 and abs(a1[1] - 0.7310586) < 1e-7
    assert abs(a2 - 0.0841930) < 1e-7 and abs(L - 0.8387025) < 1e-7

    # Backward pass.
    #   Eq. (1): ϕ^2 = ∂L/∂a^2 · σ'(z^2) = −2(y − a^2) · 1 ≈ −1.8316140
    #   Eq. (3): ∂L/∂w^2 = ϕ^2 (a^1)ᵀ ≈ [−1.8316140·0.6456563, −1.8316140·0.7310586]
    #                                 ≈ [−1.1825931, −1.3390171]
    #   Eq. (4): ∂L/∂b^2 = ϕ^2 ≈ −1.8316140
    #   σ'(z) = σ(z)(1 − σ(z)):  σ'(0.6) ≈ 0.2287842,  σ'(1.0) ≈ 0.1966119
    #   Eq. (2): ϕ^1_1 = w^2_{1,1} ϕ^2 σ'(z^1_1) ≈  0.5·(−1.8316140)·0.2287842 ≈ −0.2095222
    #            ϕ^1_2 = w^2_{1,2} ϕ^2 σ'(z^1_2) ≈ −0.6·(−1.8316140)·0.1966119 ≈  0.2160703
    #   Eq. (3): ∂L/∂w^1 = ϕ^1 xᵀ ≈ [[−0.2095222, −0.4190444],
    #                               [ 0.2160703,  0.4321406]]
    #   Eq. (4): ∂L/∂b^1 = ϕ^1
    phi2 = -2.0 * (y - a2) * 1.0
    dW2 = [[phi2 * a1[0], phi2 * a1[1]]]
    db2 = [phi2]
    dsig = [a1[0] * (1.0 - a1[0]), a1[1] * (1.0 - a1[1])]
    phi1 = [w2[0][0] * phi2 * dsig[0], w2[0][1] * phi2 * dsig[1]]
    dW1 = [[phi1[0] * x1, phi1[0] * x2], [phi1[1] * x1, phi1[1] * x2]]
    db1 = phi1
    assert abs(phi2 + 1.8316140) < 1e-7
    assert abs(phi1[0] + 0.2095222) < 1e-7 and abs(phi1[1] - 0.2160703) < 1e-7

    # The same network in mlp_lib.
    model = MLP([2, 2, 1], hidden="sigmoid", output="identity", loss="mse")
    model.W[1], model.b[1] = np.array(w1), np.array(b1).reshape(2, 1)
    model.W[2], model.b[2] = np.array(w2), np.array(b2).reshape(1, 1)
    x = np.array([[x1], [x2]])
    fp = model.forward(x)
    g = model.gradients(x, np.array([[y]]))

    tol = dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fp.z[1], np.array(z1).reshape(2, 1), **tol)
    np.testing.assert_allclose(fp.a[1], np.array(a1).reshape(2, 1), **tol)
    np.testing.assert_allclose(fp.z[2], [[z2]], **tol)
    np.testing.assert_allclose(fp.output, [[a2]], **tol)
    assert g.loss == pytest.approx(L, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(g.phi[2], [[phi2]], **tol)
    np.testing.assert_allclose(g.phi[1], np.array(phi1).reshape(2, 1), **tol)
    np.testing.assert_allclose(g.dW[2], dW2, **tol)
    np.testing.assert_allclose(g.db[2], np.array(db2).reshape(1, 1), **tol)
    np.testing.assert_allclose(g.dW[1], dW1, **tol)
    np.testing.assert_allclose(g.db[1], np.array(db1).reshape(2, 1), **tol)


def test_mlp_gradients_are_the_four_equations_chained(rng):
    # Build ϕ and the gradients of a 3-layer network with the four functions directly and
    # compare with MLP.gradients (which must use exactly this chain).
    model = MLP([3, 4, 2, 2], hidden=["tanh", "sigmoid"], output="identity", loss="mse", seed=3)
    x, y = rng.normal(size=(3, 5)), rng.normal(size=(2, 5))
    fp = model.forward(x)
    n, m = y.shape
    phi3 = output_layer_error(-2.0 * (y - fp.output) / (n * m), fp.z[3], model.activations[3])
    phi2 = hidden_layer_error(model.W[3], phi3, fp.z[2], model.activations[2])
    phi1 = hidden_layer_error(model.W[2], phi2, fp.z[1], model.activations[1])
    g = model.gradients(x, y)
    for j, phi, a_prev in ((3, phi3, fp.a[2]), (2, phi2, fp.a[1]), (1, phi1, fp.a[0])):
        np.testing.assert_allclose(g.phi[j], phi, rtol=TOL, atol=1e-15)
        np.testing.assert_allclose(g.dW[j], weight_gradient(phi, a_prev), rtol=TOL, atol=1e-15)
        np.testing.assert_allclose(g.db[j], bias_gradient(phi), rtol=TOL, atol=1e-15)
        assert g.dW[j].shape == model.W[j].shape and g.db[j].shape == model.b[j].shape
