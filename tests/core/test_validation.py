"""The argument checks shared by the library (mlp_lib.validation), and what every public entry point refuses."""

import json

import numpy as np
import pytest

from mlp_lib import MLP, TrainingDiverged, one_hot, sgd_step
from mlp_lib.autodiff import Value
from mlp_lib.datasets import Dataset
from mlp_lib.regularization import penalty, penalty_gradient
from mlp_lib.validation import parse_json_limited


def test_parse_json_limited_ignores_brackets_inside_strings():
    text = json.dumps({"a": '[[[[[[[[[[{{{{{{\\"[[[['})
    assert parse_json_limited(text, max_chars=100, max_depth=1) == json.loads(text)
    with pytest.raises(ValueError, match="expected a thing nested at most 1 levels deep, got 2 levels at character 6"):
        parse_json_limited('{"a": [1]}', max_chars=100, max_depth=1, what="a thing")


# ----------------------------------------------------------------------
# every public entry point checks what it is given (one case each, found by trying as a user would)
def _classifier():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 12))
    labels = rng.integers(0, 3, size=12)
    return MLP([2, 5, 3], hidden="tanh", output="softmax", loss="cce", seed=1), x, labels


def test_sgd_step_reads_integer_labels_as_train_does():
    """Class labels 0 … K−1 are one-hot targets in sgd_step as in train: the same step, the same loss."""
    model, x, labels = _classifier()
    twin = model.copy()
    from_labels = sgd_step(model, x, labels, 0.1)
    from_targets = sgd_step(twin, x, one_hot(labels, 3), 0.1)
    assert from_labels.loss == pytest.approx(from_targets.loss, rel=1e-15)
    for j in (1, 2):
        assert (model.W[j] == twin.W[j]).all() and (model.b[j] == twin.b[j]).all()


@pytest.mark.parametrize(
    "lr, exc", [(-0.1, ValueError), (0.0, ValueError), (float("nan"), ValueError), ("0.1", TypeError)]
)
def test_sgd_step_refuses_a_learning_rate_train_refuses(lr, exc):
    model, x, labels = _classifier()
    before = model.W[1].copy()
    with pytest.raises(exc, match="expected learning_rate"):
        sgd_step(model, x, labels, lr)
    assert (model.W[1] == before).all()


def test_sgd_step_refuses_a_batch_of_the_wrong_shape():
    model, x, labels = _classifier()
    with pytest.raises(ValueError, match="expected"):
        sgd_step(model, x[:, :5], labels, 0.1)


@pytest.mark.parametrize(
    "weight_decay, l1, exc",
    [(-1.0, 0.0, ValueError), (0.0, float("nan"), ValueError), (float("inf"), 0.0, ValueError), ("1", 0.0, TypeError)],
)
def test_penalty_and_its_gradient_refuse_negative_or_non_finite_strengths(weight_decay, l1, exc):
    W = [None, np.ones((2, 2))]
    with pytest.raises(exc, match="expected (weight_decay|l1)"):
        penalty(W, weight_decay, l1)
    with pytest.raises(exc, match="expected (weight_decay|l1)"):
        penalty_gradient(W[1], weight_decay, l1)


@pytest.mark.parametrize("fused", ["no", 0, 1, None, "True"])
def test_fused_must_be_a_bool(fused):
    with pytest.raises(TypeError, match="expected fused to be True or False"):
        MLP([2, 1], output="sigmoid", loss="bce", fused=fused)


def test_a_dataset_refuses_complex_inputs_instead_of_dropping_their_imaginary_part():
    with pytest.raises(TypeError, match="expected x to be an array of real numbers, got dtype complex128"):
        Dataset("c", np.array([[1 + 2j, 3.0]]), np.array([0, 1]), n_classes=2)
    with pytest.raises(TypeError, match="expected y to be an array of real numbers, got dtype complex128"):
        Dataset("c", np.array([[1.0, 3.0]]), np.array([[1 + 1j, 2.0]]), n_classes=0)


def test_autodiff_division_by_zero_and_powers_without_a_real_value_are_clear_errors():
    with pytest.raises(ZeroDivisionError, match="expected a non-zero divisor, got 0"):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError, match="expected a non-zero divisor"):
        2 / Value(0.0)
    with pytest.raises(ValueError, match="expected a real power"):
        Value(-1.0) ** 0.5
    assert (Value(6.0) / 3).data == 2.0


def test_unfused_sigmoid_bce_at_saturation_names_the_cause_and_the_fused_form():
    """Saturated outputs make the unfused −y/a + (1−y)/(1−a) divide by zero: a finite loss with NaN
    gradients. The error says so and points to fused=True, not to the learning rate."""

    model = MLP([1, 1], output="sigmoid", loss="bce", fused=False, seed=0)
    model.W[1][:] = 60.0  # σ(60 · 1) rounds to 1.0 exactly in float64
    x, y = np.array([[1.0]]), np.array([[1.0]])
    with pytest.raises(TrainingDiverged, match=r"saturated.*fused=True") as info:
        sgd_step(model, x, y, 0.1)
    assert "lower the learning rate" not in str(info.value)
    fused = MLP([1, 1], output="sigmoid", loss="bce", fused=True, seed=0)
    fused.W[1][:] = 60.0
    assert np.isfinite(sgd_step(fused, x, y, 0.1).loss)
