"""The argument checks shared by the library (mlp_lib.validation), and what every public entry point refuses."""

import json
from numbers import Integral, Real

import numpy as np
import pytest

from mlp_lib import MLP, TrainingDiverged, one_hot, sgd_step
from mlp_lib.autodiff import Value
from mlp_lib.datasets import Dataset
from mlp_lib.regularization import penalty, penalty_gradient
from mlp_lib.validation import (
    SEED,
    ArrayLike,
    Boolean,
    InstanceOf,
    Interval,
    IsCallable,
    Options,
    check,
    check_one,
    parse_json_limited,
)


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


# ----------------------------------------------------------------------
# the constraint family itself


@pytest.mark.parametrize(
    "constraint, good, converted",
    [
        (Interval(Real, 0, None, closed="neither"), np.float32(0.5), 0.5),
        (Interval(Real, 0, 1), 1, 1.0),
        (Interval(Real, 0, 1, closed="left"), 0.0, 0.0),
        (Interval(Integral, 1, 4), np.int64(4), 4),
        (Interval(Integral, 0, None), 10**30, 10**30),
        (Options(["none", "l1", "l2"], lower=True), "L2", "l2"),
        (Options([0, 2]), np.int64(0), 0),
        (Boolean(), np.bool_(True), True),
        (SEED, 7, 7),
    ],
)
def test_a_value_that_fits_comes_back_converted(constraint, good, converted):
    value = check_one("f", "p", good, constraint)
    assert value == converted and type(value) is type(converted)


@pytest.mark.parametrize(
    "constraint, bad, exc, message",
    [
        (
            Interval(Real, 0, None, closed="neither"),
            0.0,
            ValueError,
            "expected p to be a positive finite number, got 0.0",
        ),
        (
            Interval(Real, 0, None, closed="neither"),
            float("inf"),
            ValueError,
            "expected p to be a positive finite number, got inf",
        ),
        (Interval(Real, 0, None), float("nan"), ValueError, "expected p to be a finite number ≥ 0, got nan"),
        (Interval(Real, 0, None), True, TypeError, "expected p to be a finite number ≥ 0, got True"),
        (Interval(Real, 0, None), "1", TypeError, "expected p to be a finite number ≥ 0, got '1'"),
        (Interval(Real, 0, None), 1 + 0j, TypeError, "expected p to be a finite number ≥ 0, got (1+0j)"),
        (Interval(Real, 0, 1, closed="neither"), 1.0, ValueError, "expected p in (0, 1), got 1.0"),
        (Interval(Real, 0.0, 10.0), -0.5, ValueError, "expected p in [0.0, 10.0], got -0.5"),
        (Interval(Real, 0.0, 10.0), None, TypeError, "expected p to be a number in 0.0 … 10.0, got None"),
        (Interval(Integral, 1, 4), 5, ValueError, "expected p in 1 … 4, got 5"),
        (Interval(Integral, 1, 4), 2.0, TypeError, "expected p to be an integer in 1 … 4, got 2.0"),
        (Interval(Integral, 1, None), 0, ValueError, "expected p to be a positive integer, got 0"),
        (Interval(Integral, 3, None), 2, ValueError, "expected p to be an integer ≥ 3, got 2"),
        (Options(["none", "l1"]), "L1", ValueError, "expected p to be one of ['none', 'l1'], got 'L1'"),
        (Options([0, 2]), True, TypeError, "expected p to be one of [0, 2], got True"),
        (Boolean(), 1, TypeError, "expected p to be True or False, got 1"),
        (Boolean(), "no", TypeError, "expected p to be True or False, got 'no'"),
        (Boolean(json=True), None, TypeError, "expected p to be true or false, got None"),
        (InstanceOf(MLP, "an mlp_lib.MLP"), "net", TypeError, "expected p to be an mlp_lib.MLP, got 'net'"),
        (IsCallable(), 3, TypeError, "expected p to be callable, got 3"),
        ([None, Interval(Integral, 1, None)], 0, ValueError, "expected p to be a positive integer, got 0"),
        ([None, Interval(Integral, 1, None)], 0.5, TypeError, "expected p to be None or a positive integer, got 0.5"),
        (SEED, -1, ValueError, "expected p to be a non-negative integer, got -1"),
        (SEED, "0", TypeError, "expected p to be a non-negative integer or a numpy.random.Generator, got '0'"),
        (
            ArrayLike(),
            np.ones((2, 3)) * 1j,
            TypeError,
            "expected p to be an array of real numbers, got dtype complex128",
        ),
        (ArrayLike(), [[1, 2], [3]], TypeError, "expected p to be an array of real numbers, got list ("),
        (
            ArrayLike(),
            np.ones(3),
            ValueError,
            "expected p to be a 2-D array of shape (features, samples), got an array with 1 dimension(s) and shape (3,)",
        ),
        (ArrayLike(rows=2), np.ones((3, 4)), ValueError, "expected p to have 2 rows (one per unit), got shape (3, 4)"),
        (ArrayLike(), np.ones((2, 0)), ValueError, "expected p to hold at least one sample (column), got shape (2, 0)"),
        (ArrayLike(), np.array([[1.0, np.nan]]), ValueError, "expected p to be finite, got NaN or inf values"),
    ],
)
def test_a_refusal_names_the_function_the_parameter_what_is_allowed_and_the_value(constraint, bad, exc, message):
    with pytest.raises(exc) as info:
        check_one("f", "p", bad, constraint)
    assert str(info.value).startswith("f: " + message), str(info.value)


def test_check_returns_the_values_in_order_and_stops_at_the_first_refusal():
    constraints = {"a": Interval(Integral, 0, None), "b": Interval(Real, 0, 1), "c": Boolean()}
    assert check("f", {"a": np.int32(3), "b": 1, "c": False}, constraints) == (3, 1.0, False)
    with pytest.raises(ValueError, match=r"^f: expected b in \[0, 1\], got 2\.0$"):
        check("f", {"a": 1, "b": 2.0, "c": "no"}, constraints)
    with pytest.raises(ValueError, match=r"^expected a to be a non-negative integer, got -1$"):
        check(None, {"a": -1}, constraints)  # no caller: no prefix
    with pytest.raises(ValueError, match="expected closed to be one of"):
        Interval(Real, 0, 1, closed="open")


# ----------------------------------------------------------------------
# the public API, swept: each call refused with the function, the parameter and the value named
def _net():
    return MLP([2, 3, 1], hidden="tanh", output="sigmoid", loss="bce", seed=0)


X2 = np.zeros((2, 4))
Y1 = np.array([[0.0, 1.0, 1.0, 0.0]])


def _api_cases():
    import mlp_lib
    from mlp_lib import datasets as D
    from mlp_lib import gradcheck, initialization, serialization
    from mlp_lib.activations import ReLU

    rng = np.random.default_rng(0)
    return [
        (
            lambda: mlp_lib.train(_net(), X2, Y1, epochs=0),
            ValueError,
            "train: expected epochs to be a positive integer, got 0",
        ),
        (
            lambda: mlp_lib.train(_net(), X2, Y1, seed=-3),
            ValueError,
            "train: expected seed to be a non-negative integer, got -3",
        ),
        (
            lambda: mlp_lib.train(_net(), X2, Y1, weight_decay=-1),
            ValueError,
            "train: expected weight_decay to be a finite number ≥ 0, got -1.0",
        ),
        (lambda: mlp_lib.train("net", X2, Y1), TypeError, "train: expected model to be an mlp_lib.MLP, got 'net'"),
        (
            lambda: mlp_lib.train(_net(), X2[:1], Y1),
            ValueError,
            "train: expected x to have 2 rows (one per unit), got shape (1, 4)",
        ),
        (
            lambda: sgd_step(_net(), X2, Y1, -0.1),
            ValueError,
            "sgd_step: expected learning_rate to be a positive finite number, got -0.1",
        ),
        (
            lambda: sgd_step(_net(), X2, Y1, 0.1, l1=float("nan")),
            ValueError,
            "sgd_step: expected l1 to be a finite number ≥ 0, got nan",
        ),
        (
            lambda: sgd_step(_net(), X2, Y1, 0.1, step=1.5),
            TypeError,
            "sgd_step: expected step to be a non-negative integer, got 1.5",
        ),
        (
            lambda: sgd_step(_net(), X2 + 0j, Y1, 0.1),
            TypeError,
            "sgd_step: expected x to be an array of real numbers, got dtype complex128",
        ),
        (
            lambda: penalty([None, np.ones((2, 2))], -1),
            ValueError,
            "penalty: expected weight_decay to be a finite number ≥ 0, got -1.0",
        ),
        (
            lambda: penalty([None, np.ones((2, 2))], 0, float("nan")),
            ValueError,
            "penalty: expected l1 to be a finite number ≥ 0, got nan",
        ),
        (lambda: MLP([2, 1], fused="no"), TypeError, "MLP: expected fused to be True or False, got 'no'"),
        (
            lambda: MLP([2, 1], initialization="xavier"),
            ValueError,
            "MLP: expected initialization to be one of ['auto', 'he', 'glorot', 'glorot-sigmoid', 'normal'], got 'xavier'",
        ),
        (lambda: MLP([2, 1.0]), TypeError, "MLP: expected layer_sizes[1] to be a positive integer, got 1.0"),
        (
            lambda: _net().forward(np.zeros(2)),
            ValueError,
            "MLP.forward: expected x to be a 2-D array of shape (features, samples)",
        ),
        (
            lambda: _net().predict(np.zeros((3, 1))),
            ValueError,
            "MLP.predict: expected x to have 2 rows (one per unit), got shape (3, 1)",
        ),
        (
            lambda: _net().loss_value(X2, np.zeros((1, 3))),
            ValueError,
            "MLP.loss_value: expected x and y to hold the same number of samples (columns), got 4 and 3",
        ),
        (lambda: one_hot([0, 1], 1.5), TypeError, "one_hot: expected n_classes to be a positive integer, got 1.5"),
        (
            lambda: one_hot([0, 2], 2),
            ValueError,
            "one_hot: expected labels to be class labels in 0 … 1, got values from 0 to 2",
        ),
        (lambda: mlp_lib.get_activation(None), TypeError, "get_activation: expected activation to be one of"),
        (
            lambda: Dataset("c", np.array([[1 + 2j, 3.0]]), np.array([0, 1]), n_classes=2),
            TypeError,
            "Dataset: expected x to be an array of real numbers, got dtype complex128",
        ),
        (lambda: D.moons(n=10, noise=-0.1), ValueError, "moons: expected noise to be a finite number ≥ 0, got -0.1"),
        (lambda: D.circles(factor=True), TypeError, "circles: expected factor to be a number in (0, 1), got True"),
        (
            lambda: D.train_test_split(D.xor(n=8), test_fraction=1.0),
            ValueError,
            "train_test_split: expected test_fraction in (0, 1), got 1.0",
        ),
        (
            lambda: D.standardize(D.xor(n=8), "test"),
            TypeError,
            "standardize: expected test to be a mlp_lib.datasets.Dataset, got 'test'",
        ),
        (
            lambda: gradcheck.check_gradients(_net(), X2, Y1, max_per_array=0),
            ValueError,
            "check_gradients: expected max_per_array to be a positive integer, got 0",
        ),
        (
            lambda: gradcheck.finite_difference_gradients(_net(), X2, Y1, eps=0),
            ValueError,
            "finite_difference_gradients: expected eps to be a positive finite number, got 0.0",
        ),
        (
            lambda: gradcheck.numerical_gradient(lambda: 0.0, [1.0, 2.0]),
            TypeError,
            "numerical_gradient: expected theta to be a numpy.ndarray (perturbed in place), got [1.0, 2.0]",
        ),
        (
            lambda: gradcheck.numerical_gradient(lambda: 0.0, np.zeros(2, dtype=int)),
            TypeError,
            "numerical_gradient: expected theta to be a float array, got dtype int64",
        ),
        (
            lambda: gradcheck.backprop_gradients(None, X2, Y1),
            TypeError,
            "backprop_gradients: expected model to be an mlp_lib.MLP, got None",
        ),
        (
            lambda: initialization.he_normal(3, 0, rng),
            ValueError,
            "he_normal: expected n_in to be a positive integer, got 0",
        ),
        (
            lambda: initialization.glorot_uniform(3, 2, 0),
            TypeError,
            "glorot_uniform: expected rng to be a numpy.random.Generator, got 0",
        ),
        (
            lambda: initialization.initial_weights(3, 2, ReLU(), rng, "xavier"),
            ValueError,
            "initial_weights: expected scheme to be one of",
        ),
        (
            lambda: serialization.save(_net(), b"net"),
            TypeError,
            "save: expected path to be a str or os.PathLike, got b'net'",
        ),
        (lambda: serialization.load(""), ValueError, "load: expected path to name a file, got the folder '.'"),
        (lambda: Value("1"), TypeError, "Value: expected data to be a finite number, got '1'"),
        (
            lambda: Value(1) ** Value(2),
            TypeError,
            "Value.__pow__: expected k to be a finite number, got Value(data=2, grad=0)",
        ),
        (
            lambda: Value(0.0).log(),
            ValueError,
            "Value.log: expected a positive value, got 0.0 (log is defined for x > 0)",
        ),
        (
            lambda: Value(1) / 0,
            ZeroDivisionError,
            "Value.__truediv__: expected a non-zero divisor, got 0.0 (in 1.0 / 0.0)",
        ),
        (lambda: Value(1e200) * Value(1e200), ValueError, "Value: expected data to be a finite number, got inf"),
    ]


@pytest.mark.parametrize("case", range(len(_api_cases())))
def test_every_public_entry_point_names_function_parameter_and_value(case):
    call, exc, message = _api_cases()[case]
    with pytest.raises(exc) as info:
        call()
    assert str(info.value).startswith(message), f"\n got:      {info.value}\n expected: {message}"


def test_sgd_step_reads_bce_labels_as_train_does_and_tells_mse_what_to_pass():
    """0/1 labels (m,) are a one-output BCE model's targets in both; MSE wants (n_J, m) and says so."""
    x, labels = np.array([[0.0, 1.0, 2.0, 3.0]]), np.array([0, 1, 1, 0])
    model = MLP([1, 1], output="sigmoid", loss="bce", seed=0)
    twin = model.copy()
    step = sgd_step(model, x, labels, 0.5)
    mlp_lib_train = __import__("mlp_lib").train
    history = mlp_lib_train(twin, x, labels, epochs=1, batch_size=4, learning_rate=0.5, seed=0)
    assert step.loss == pytest.approx(history.loss[0], rel=1e-12)
    assert np.array_equal(model.W[1], twin.W[1])
    mse = MLP([1, 1], loss="mse")
    with pytest.raises(
        ValueError,
        match=r"^sgd_step: expected y to be a 2-D array of shape \(features, samples\), got an array with 1 dimension",
    ):
        sgd_step(mse, x, labels.astype(float), 0.1)
