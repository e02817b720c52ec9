"""Losses: batch-mean values and gradients, fused from-logits forms, target validation.

The oracle for every value and gradient is autograd differentiating the batch-mean
loss written out below in ``autograd.numpy`` (independently of mlp_lib). The
reduction is the library's documented one: per-sample loss as in the source, then
the mean over the m samples (columns).
"""

from __future__ import annotations

import math
import warnings

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

from mlp_lib import (
    LOSSES,
    MLP,
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    MeanSquaredError,
    check_gradients,
    get_loss,
    one_hot,
)
from mlp_lib.activations import Sigmoid, Softmax


# ---------------------------------------------------------------------------
# Oracles: batch-mean losses written with autograd.numpy (columns are samples)
# ---------------------------------------------------------------------------
def mse_oracle(a, y):
    n, m = y.shape
    return anp.sum((y - a) ** 2) / (n * m)  # (1/m) Σ_s (1/n) Σ_i (y_is − a_is)²


def bce_oracle(a, y):
    m = y.shape[1]
    return anp.sum(-y * anp.log(a) - (1.0 - y) * anp.log(1.0 - a)) / m


def cce_oracle(a, y):
    m = y.shape[1]
    return -anp.sum(y * anp.log(a)) / m


def sigmoid_oracle(z):
    return 1.0 / (1.0 + anp.exp(-z))  # naive: fine for the moderate logits used with it


def softmax_oracle(z):
    e = anp.exp(z)
    return e / anp.sum(e, axis=0, keepdims=True)


def bce_logits_oracle(z, y):
    return bce_oracle(sigmoid_oracle(z), y)


def cce_logits_oracle(z, y):
    return cce_oracle(softmax_oracle(z), y)


def _data(loss_name, n, m, seed):
    """Predictions strictly inside (0, 1) for the cross-entropies, and matching targets."""
    rng = np.random.default_rng(seed)
    if loss_name == "mse":
        return rng.normal(size=(n, m)), rng.normal(size=(n, m))
    if loss_name == "bce":
        a = rng.uniform(0.05, 0.95, size=(n, m))
        y = rng.uniform(0.0, 1.0, size=(n, m))  # soft targets are allowed
        y[:, 0] = 1.0
        y[:, -1] = 0.0
        return a, y
    z = rng.normal(size=(n, m))
    a = np.exp(z) / np.exp(z).sum(axis=0)
    return a, one_hot(rng.integers(0, n, size=m), n)


ORACLES = {"mse": mse_oracle, "bce": bce_oracle, "cce": cce_oracle}


@pytest.mark.parametrize("loss_name", ["mse", "bce", "cce"])
@pytest.mark.parametrize("n, m", [(1, 1), (1, 5), (3, 1), (3, 4), (6, 7)])
def test_value_and_gradient_match_autograd(loss_name, n, m):
    a, y = _data(loss_name, n, m, seed=10 * n + m)
    loss = get_loss(loss_name)
    oracle = ORACLES[loss_name]
    assert loss.per_sample(a, y).shape == (m,)
    assert loss.value(a, y) == pytest.approx(float(oracle(a, y)), rel=1e-12, abs=1e-15)
    g = loss.gradient(a, y)
    assert g.shape == (n, m)
    np.testing.assert_allclose(g, grad(oracle)(a, y), rtol=1e-12, atol=1e-15)


def test_multi_output_mse_gradient_has_factor_2_over_n_m():
    """scikit-learn #8349: loss and gradient disagreed by a factor n_outputs. Here they agree."""
    n, m = 4, 3
    a, y = _data("mse", n, m, seed=5)
    loss = MeanSquaredError()
    g = loss.gradient(a, y)
    # Hand-derived: ∂/∂a_is of (1/(n m)) Σ (y − a)² is −2 (y_is − a_is)/(n m).
    np.testing.assert_allclose(g, -2.0 * (y - a) / (n * m), rtol=1e-14)
    # Central finite differences of the library's *value* (loss and gradient must agree).
    eps = 1e-6
    fd = np.zeros_like(a)
    for idx in np.ndindex(*a.shape):
        ap, am = a.copy(), a.copy()
        ap[idx] += eps
        am[idx] -= eps
        fd[idx] = (loss.value(ap, y) - loss.value(am, y)) / (2 * eps)
    rel = np.linalg.norm(g - fd) / max(np.linalg.norm(g), np.linalg.norm(fd))
    assert rel < 1e-8, rel
    # The #8349 mistake (gradient n times too large, i.e. without the 1/n) is far away.
    wrong = -2.0 * (y - a) / m
    assert np.linalg.norm(wrong - fd) / np.linalg.norm(fd) > 0.5


def test_multi_output_mse_through_network_matches_finite_differences():
    rng = np.random.default_rng(6)
    model = MLP([3, 4, 3], hidden="tanh", output="identity", loss="mse", seed=1)
    x, y = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    errors = check_gradients(model, x, y)
    assert max(errors.values()) < 1e-7, errors


# ---------------------------------------------------------------------------
# Fused forms from logits
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("n, m", [(1, 1), (1, 6), (3, 4)])
def test_bce_from_logits_equals_unfused_and_autograd(n, m):
    rng = np.random.default_rng(n + 7 * m)
    z = rng.normal(scale=2.0, size=(n, m))
    y = rng.integers(0, 2, size=(n, m)).astype(float)
    loss = BinaryCrossEntropy()
    a = sigmoid_oracle(z)
    assert loss.value_from_logits(z, y) == pytest.approx(loss.value(a, y), rel=1e-12)
    assert loss.value_from_logits(z, y) == pytest.approx(float(bce_logits_oracle(z, y)), rel=1e-12)
    np.testing.assert_allclose(
        loss.output_error_from_logits(z, y), grad(bce_logits_oracle)(z, y), rtol=1e-10, atol=1e-15
    )


@pytest.mark.parametrize("n, m", [(2, 1), (3, 5), (5, 2)])
def test_cce_from_logits_equals_unfused_and_autograd(n, m):
    rng = np.random.default_rng(n + 11 * m)
    z = rng.normal(scale=2.0, size=(n, m))
    y = one_hot(rng.integers(0, n, size=m), n)
    loss = CategoricalCrossEntropy()
    a = softmax_oracle(z)
    assert loss.value_from_logits(z, y) == pytest.approx(loss.value(a, y), rel=1e-12)
    assert loss.value_from_logits(z, y) == pytest.approx(float(cce_logits_oracle(z, y)), rel=1e-12)
    np.testing.assert_allclose(
        loss.output_error_from_logits(z, y), grad(cce_logits_oracle)(z, y), rtol=1e-10, atol=1e-15
    )


def _strict():
    # Overflow / divide / invalid are errors; underflow of e^{-10000} to 0.0 is the
    # correctly rounded result and stays at NumPy's default "ignore".
    return np.errstate(over="raise", divide="raise", invalid="raise", under="ignore")


def test_bce_from_logits_extreme_values_finite_and_hand_derived():
    loss = BinaryCrossEntropy()
    z = np.array([[1e4, 1e4, -1e4, -1e4]])
    y = np.array([[0.0, 1.0, 1.0, 0.0]])
    with warnings.catch_warnings(), _strict():
        warnings.simplefilter("error")
        value = loss.value_from_logits(z, y)
        phi = loss.output_error_from_logits(z, y)
    # ℓ = max(z,0) − z y + log(1 + e^{−|z|}) and log1p(e^{−10000}) = 0 in float64:
    # confidently wrong samples cost 1e4, confidently right ones 0 → mean (1e4 + 0 + 1e4 + 0)/4.
    assert value == 5000.0
    # ϕ = (σ(z) − y)/m with σ(±1e4) = 1, 0.
    np.testing.assert_array_equal(phi, np.array([[1.0, 0.0, -1.0, 0.0]]) / 4)


def test_cce_from_logits_extreme_values_finite_and_hand_derived():
    loss = CategoricalCrossEntropy()
    z = np.array([[1e4, 1e4, -1e4], [-1e4, 1e4, 1e4], [0.0, -1e4, 0.0]])
    y = one_hot(np.array([1, 0, 2]), 3)
    with warnings.catch_warnings(), _strict():
        warnings.simplefilter("error")
        value = loss.value_from_logits(z, y)
        phi = loss.output_error_from_logits(z, y)
    # ℓ = logsumexp(z) − z_γ: column 0: 1e4 − (−1e4) = 2e4; column 1: two tied maxima,
    # 1e4 + log 2 − 1e4 = log 2; column 2: 1e4 − 0 = 1e4.
    assert value == pytest.approx((2e4 + np.log(2.0) + 1e4) / 3, rel=1e-15)
    assert np.all(np.isfinite(phi))
    expected = (np.array([[1.0, 0.5, 0.0], [0.0, 0.5, 1.0], [0.0, 0.0, 0.0]]) - y) / 3
    np.testing.assert_allclose(phi, expected, rtol=0, atol=1e-15)


def test_mlp_fused_loss_is_finite_at_saturation_where_unfused_clips():
    # Huge weights saturate the sigmoid. The fused value is exact; the unfused one clips ŷ to
    # [1e−15, 1 − 1e−15] and so under-reports the loss (−log(1e−15) ≈ 34.5 instead of ≈ 1e4).
    x = np.array([[1.0, 1.0]])
    y = np.array([0.0, 1.0])
    fused = MLP([1, 1], output="sigmoid", loss="bce", fused=True)
    unfused = MLP([1, 1], output="sigmoid", loss="bce", fused=False)
    for model in (fused, unfused):
        model.W[1] = np.array([[1e4]])
    with warnings.catch_warnings(), _strict():
        warnings.simplefilter("error")
        value = fused.loss_value(x, y)
        g = fused.gradients(x, y)
    assert value == 5000.0  # (1e4 + 0)/2
    assert np.all(np.isfinite(g.dW[1])) and np.all(np.isfinite(g.db[1]))
    # Unfused: ŷ = σ(1e4) = 1.0 is clipped to p = 1 − 1e−15 (as rounded in float64) for both samples.
    p = 1.0 - 1e-15
    clipped = (-math.log1p(-p) - math.log(p)) / 2  # sample y=0 costs −log(1−p), sample y=1 costs −log p
    assert unfused.loss_value(x, y) == pytest.approx(clipped, rel=1e-12)
    assert unfused.loss_value(x, y) < 20.0 < value


def test_losses_without_fused_form_refuse_logits():
    with pytest.raises(TypeError, match="no fused form"):
        MeanSquaredError().value_from_logits(np.zeros((1, 1)), np.zeros((1, 1)))
    with pytest.raises(TypeError, match="no fused form"):
        MeanSquaredError().output_error_from_logits(np.zeros((1, 1)), np.zeros((1, 1)))


# ---------------------------------------------------------------------------
# Targets: accepted forms and validation messages
# ---------------------------------------------------------------------------
def test_one_hot_and_integer_labels():
    y = one_hot(np.array([2, 0, 1, 2]), 3)
    expected = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]], dtype=float)
    np.testing.assert_array_equal(y, expected)
    # Integer-valued floats are accepted as labels.
    np.testing.assert_array_equal(CategoricalCrossEntropy().targets(np.array([2.0, 0.0, 1.0, 2.0]), 3), expected)
    np.testing.assert_array_equal(CategoricalCrossEntropy().targets(expected, 3), expected)


def test_bce_accepts_1d_labels_for_one_output():
    y = BinaryCrossEntropy().targets([0, 1, 1], 1)
    np.testing.assert_array_equal(y, np.array([[0.0, 1.0, 1.0]]))


def test_bce_targets_outside_unit_interval():
    with pytest.raises(
        ValueError, match=r"^expected y to be binary cross-entropy targets in \[0, 1\], got values from -0\.5 to 1\.0"
    ):
        BinaryCrossEntropy().targets(np.array([[0.0, 1.0, -0.5]]), 1)
    with pytest.raises(
        ValueError,
        match=r"^MLP.gradients: expected y to be binary cross-entropy targets in \[0, 1\], got values from 0\.0 to 2\.0",
    ):
        MLP([2, 1], output="sigmoid", loss="bce").gradients(np.zeros((2, 2)), np.array([0.0, 2.0]))


def test_cce_labels_out_of_range():
    with pytest.raises(ValueError, match=r"^expected y to be class labels in 0 … 2, got values from 0 to 3$"):
        CategoricalCrossEntropy().targets(np.array([0, 3, 1]), 3)
    with pytest.raises(
        ValueError, match=r"^MLP.gradients: expected y to be class labels in 0 … 2, got values from -1 to 1$"
    ):
        MLP([2, 3], output="softmax", loss="cce").gradients(np.zeros((2, 3)), np.array([-1, 0, 1]))


def test_cce_matrix_not_one_hot():
    soft = np.array([[0.5, 1.0], [0.5, 0.0]])
    with pytest.raises(
        ValueError, match=r"expected y to be categorical cross-entropy targets: one-hot.*got other values"
    ):
        CategoricalCrossEntropy().targets(soft, 2)
    two_ones = np.array([[1.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match=r"one-hot"):
        CategoricalCrossEntropy().targets(two_ones, 2)
    all_zero = np.array([[0.0, 1.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match=r"one-hot"):
        CategoricalCrossEntropy().targets(all_zero, 2)


def test_cce_float_non_integer_labels():
    with pytest.raises(ValueError, match=r"^expected y to be integer class labels, got 1\.5$"):
        CategoricalCrossEntropy().targets(np.array([0.0, 1.5]), 3)
    with pytest.raises(TypeError, match=r"^one_hot: expected labels to be an array of class labels, got dtype bool$"):
        one_hot(np.array([True, False]), 2)
    with pytest.raises(ValueError, match=r"^one_hot: expected n_classes to be a positive integer, got 0$"):
        one_hot(np.array([0, 1]), 0)


def test_one_hot_shape_and_empty():
    with pytest.raises(
        ValueError,
        match=r"^one_hot: expected labels to be a 1-D array, got an array with 2 dimension\(s\) and shape \(2, 2\)$",
    ):
        one_hot(np.zeros((2, 2), dtype=int), 3)
    with pytest.raises(ValueError, match=r"^one_hot: expected at least one label in labels, got an empty array$"):
        one_hot(np.array([], dtype=int), 3)


@pytest.mark.parametrize("loss_name, output", [("mse", "identity"), ("bce", "sigmoid"), ("cce", "softmax")])
def test_targets_with_wrong_row_count(loss_name, output):
    model = MLP([2, 3], output=output, loss=loss_name)
    with pytest.raises(ValueError, match=r"expected y to have 3 rows \(one per unit\), got shape \(2, 4\)"):
        model.gradients(np.zeros((2, 4)), np.zeros((2, 4)))


@pytest.mark.parametrize(
    "loss_name, output, y",
    [
        ("mse", "identity", np.zeros((1, 3))),
        ("bce", "sigmoid", np.zeros(3)),
        ("cce", "softmax", np.array([0, 0, 0])),
    ],
)
def test_x_y_batch_mismatch_via_gradients(loss_name, output, y):
    model = MLP([2, 1] if output != "softmax" else [2, 2], output=output, loss=loss_name)
    with pytest.raises(
        ValueError, match=r"expected x and y to hold the same number of samples \(columns\), got 4 and 3"
    ):
        model.gradients(np.zeros((2, 4)), y)


def test_mse_refuses_1d_targets_and_nonfinite_targets():
    model = MLP([2, 1], output="identity", loss="mse")
    with pytest.raises(ValueError, match=r"expected y to be a 2-D array.*got an array with 1 dimension"):
        model.gradients(np.zeros((2, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"expected y to be finite, got NaN or inf"):
        model.gradients(np.zeros((2, 1)), np.array([[np.nan]]))


def test_get_loss_names_aliases_and_unknown():
    assert set(LOSSES) == {"mse", "bce", "cce"}
    assert isinstance(get_loss("MSE"), MeanSquaredError)
    assert isinstance(get_loss("binary_cross_entropy"), BinaryCrossEntropy)
    assert isinstance(get_loss("categorical_cross_entropy"), CategoricalCrossEntropy)
    loss = BinaryCrossEntropy()
    assert get_loss(loss) is loss
    with pytest.raises(ValueError, match=r"^get_loss: expected loss to be one of \[.*\], got 'hinge'$") as info:
        get_loss("hinge")
    for name in ("mse", "bce", "cce", "mean_squared_error"):
        assert name in str(info.value)
    with pytest.raises(TypeError, match=r"^get_loss: expected loss to be one of \[.*\], got None$"):
        get_loss(None)


def _exact_bce(z, y):
    """−y log σ(z) − (1 − y) log(1 − σ(z)) summed over outputs, mean over samples, in 60-digit arithmetic."""
    import mpmath

    mpmath.mp.dps = 60
    total = mpmath.mpf(0)
    for zi, yi in zip(np.ravel(z), np.ravel(y)):
        s = 1 / (1 + mpmath.exp(-mpmath.mpf(float(zi))))
        total += -mpmath.mpf(float(yi)) * mpmath.log(s) - (1 - mpmath.mpf(float(yi))) * mpmath.log(1 - s)
    return float(total / z.shape[1])


def test_bce_loss_value_is_exact_for_confident_negative_logits():
    """The model's (fused) BCE loss from the logits where σ(z) underflows the old 1e-15 clip.

    Logits in (−690, 27.6) with some below −34.5 and y > 0: the loss once read
    −log(1e-15) = 34.54 per output there (z = −40, y = 1 must give 40; z = −500 gives 500).
    """
    model = MLP([1, 1], output="sigmoid", loss="bce", seed=0)
    model.W[1] = np.array([[1.0]])
    for z, y, expected in ((-40.0, 1.0, 40.0), (-500.0, 1.0, 500.0), (-35.0, 0.5, None)):
        x = np.array([[z]])
        value = model.loss_value(x, np.array([[y]]))
        exact = _exact_bce(x, np.array([[y]]))
        assert value == pytest.approx(exact, rel=1e-13)
        if expected is not None:
            assert value == pytest.approx(expected, rel=1e-12)
    rng = np.random.default_rng(11)
    for _ in range(20):  # the region where the clipped value was wrong: all logits in (−690, 27.6)
        z = rng.uniform(-690, 27.6, size=(3, 5))
        y = rng.uniform(0, 1, size=(3, 5))
        model3 = MLP([3, 3], output="sigmoid", loss="bce", seed=0)
        model3.W[1] = np.eye(3)
        assert model3.loss_value(z, y) == pytest.approx(_exact_bce(z, y), rel=1e-12)


def test_bce_loss_value_keeps_full_accuracy_for_large_positive_logits_and_soft_targets():
    """20 < z < 27.6 with y < 1: the value from log a^J lost 1e-9 … 1e-6 of relative accuracy there."""
    model = MLP([1, 1], output="sigmoid", loss="bce", seed=0)
    model.W[1] = np.array([[1.0]])
    for z in (20.5, 24.0, 27.5):
        for y in (0.0, 0.3, 0.999):
            x, t = np.array([[z]]), np.array([[y]])
            assert model.loss_value(x, t) == pytest.approx(_exact_bce(x, t), rel=1e-13)


@pytest.mark.parametrize("loss_cls,act", [(CategoricalCrossEntropy, Softmax), (BinaryCrossEntropy, Sigmoid)])
def test_model_loss_is_the_log_sum_exp_form_and_agrees_with_log_a_where_that_is_safe(loss_cls, act):
    loss = loss_cls()
    rng = np.random.default_rng(7)
    for scale in (1.0, 3.0, 10.0):
        z = rng.normal(size=(3, 6)) * scale
        y = (
            loss.targets(rng.integers(0, 3, size=6), 3)
            if loss.name == "cce"
            else rng.integers(0, 2, size=(3, 6)).astype(float)
        )
        a = act().value(z)
        assert loss.value(a, y) == pytest.approx(loss.value_from_logits(z, y), rel=1e-9)
