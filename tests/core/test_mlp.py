"""The MLP class: construction checks, forward pass bookkeeping, predict/accuracy, config, copy."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from mlp_lib import MLP, Tanh


# ---------------------------------------------------------------------------
# Construction validation ("expected …, got …")
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("sizes", [[3], [], "23", None, 5])
def test_layer_sizes_need_at_least_two_entries(sizes):
    with pytest.raises(
        (ValueError, TypeError),
        match=r"^MLP: expected layer_sizes to be a list \[n_0, …, n_J\] of at least two sizes, got",
    ):
        MLP(sizes)


@pytest.mark.parametrize("sizes, bad", [([2, 0, 1], "layer_sizes\\[1\\]"), ([-1, 3], "layer_sizes\\[0\\]")])
def test_layer_sizes_must_be_positive(sizes, bad):
    with pytest.raises(ValueError, match=rf"expected {bad} to be a positive integer, got -?\d"):
        MLP(sizes)


@pytest.mark.parametrize("value", [2.5, 2.0, "3", True, None])
def test_layer_sizes_must_be_int(value):
    with pytest.raises(TypeError, match=r"expected layer_sizes\[1\] to be a positive integer, got"):
        MLP([2, value, 1])


def test_numpy_integer_sizes_are_accepted():
    model = MLP(np.array([2, 3, 1]))
    assert model.sizes == [2, 3, 1] and all(type(n) is int for n in model.sizes)


def test_wrong_number_of_hidden_activations():
    with pytest.raises(ValueError, match=r"^MLP: expected hidden to hold 2 activation\(s\) for 3 layers, got 1$"):
        MLP([2, 3, 3, 1], hidden=["relu"])
    with pytest.raises(ValueError, match=r"^MLP: expected hidden to hold 0 activation\(s\) for 1 layers, got 1$"):
        MLP([2, 1], hidden=["relu"])
    with pytest.raises(TypeError, match=r"expected hidden to be an activation name or a list of 1 names, got None"):
        MLP([2, 3, 1], hidden=None)


def test_softmax_hidden_layer_refused_with_explanation():
    with pytest.raises(ValueError, match=r"expected an elementwise activation in hidden layer 2, got softmax") as info:
        MLP([2, 3, 3, 1], hidden=["tanh", "softmax"])
    assert "only in the output layer" in str(info.value)


def test_unknown_activation_and_loss_names():
    with pytest.raises(ValueError, match=r"^MLP: expected hidden to be one of \['identity', .*\], got 'gelu'$"):
        MLP([2, 3, 1], hidden="gelu")
    with pytest.raises(ValueError, match=r"^MLP: expected output to be one of \['identity', .*\], got 'swish'$"):
        MLP([2, 3, 1], output="swish")
    with pytest.raises(ValueError, match=r"^MLP: expected loss to be one of \['mse', .*\], got 'l1'$"):
        MLP([2, 1], loss="l1")


@pytest.mark.parametrize("output", ["identity", "relu", "tanh", "softmax"])
def test_bce_requires_sigmoid_output(output):
    with pytest.raises(ValueError, match=rf"expected output='sigmoid' with loss='bce', got output='{output}'") as info:
        MLP([2, 2], output=output, loss="bce")
    assert "probabilities" in str(info.value)


@pytest.mark.parametrize("output", ["identity", "relu", "sigmoid", "tanh"])
def test_cce_requires_softmax_output(output):
    with pytest.raises(ValueError, match=rf"expected output='softmax' with loss='cce', got output='{output}'"):
        MLP([2, 2], output=output, loss="cce")


def test_bad_seed():
    with pytest.raises(ValueError, match=r"^MLP: expected seed to be a non-negative integer, got -1$"):
        MLP([2, 1], seed=-1)
    with pytest.raises(
        TypeError, match=r"^MLP: expected seed to be a non-negative integer or a numpy.random.Generator, got 1\.5$"
    ):
        MLP([2, 1], seed=1.5)


# ---------------------------------------------------------------------------
# Initialisation
# ---------------------------------------------------------------------------
def test_initial_weights_shapes_seeded_and_bounded():
    model = MLP([4, 5, 3, 2], hidden=["relu", "tanh"], output="identity", seed=7)
    for j in range(1, 4):
        assert model.W[j].shape == (model.sizes[j], model.sizes[j - 1])
        assert model.b[j].shape == (model.sizes[j], 1)
        np.testing.assert_array_equal(model.b[j], 0.0)
    # Glorot uniform for non-ReLU layers: |w| ≤ √(6/(n_in + n_out)).
    assert np.abs(model.W[2]).max() <= math.sqrt(6 / (5 + 3))
    assert np.abs(model.W[3]).max() <= math.sqrt(6 / (3 + 2))
    again = MLP([4, 5, 3, 2], hidden=["relu", "tanh"], output="identity", seed=7)
    other = MLP([4, 5, 3, 2], hidden=["relu", "tanh"], output="identity", seed=8)
    assert all(np.array_equal(model.W[j], again.W[j]) for j in range(1, 4))
    assert not np.array_equal(model.W[1], other.W[1])
    assert model.W[0] is None and model.b[0] is None


def test_he_initialisation_variance_for_relu():
    # He normal: std √(2/n_in). With 400×400 draws the sample std is within a few percent.
    model = MLP([400, 400, 1], hidden="relu", seed=0)
    assert np.std(model.W[1]) == pytest.approx(math.sqrt(2 / 400), rel=0.02)


# ---------------------------------------------------------------------------
# Forward pass
# ---------------------------------------------------------------------------
def test_forward_keeps_every_z_and_a_with_documented_shapes():
    sizes = [3, 4, 5, 2]
    model = MLP(sizes, hidden=["relu", "sigmoid"], output="softmax", loss="cce", seed=2)
    rng = np.random.default_rng(0)
    for j in range(1, 4):
        model.b[j] = rng.normal(size=model.b[j].shape)
    m = 6
    x = rng.normal(size=(3, m))
    fp = model.forward(x)
    assert len(fp.z) == len(fp.a) == 4
    assert fp.z[0] is None
    np.testing.assert_array_equal(fp.a[0], x)
    for j in range(1, 4):
        assert fp.z[j].shape == (sizes[j], m)
        assert fp.a[j].shape == (sizes[j], m)
    # Recompute each layer entry by entry: z_i^j = Σ_k w_{i,k}^j a_k^{j−1} + b_i^j.
    acts = [None, lambda t: max(t, 0.0), lambda t: 1 / (1 + math.exp(-t))]
    for j in range(1, 4):
        for s in range(m):
            for i in range(sizes[j]):
                zi = math.fsum(model.W[j][i, k] * fp.a[j - 1][k, s] for k in range(sizes[j - 1])) + model.b[j][i, 0]
                assert fp.z[j][i, s] == pytest.approx(zi, rel=1e-12, abs=1e-14)
                if j < 3:
                    assert fp.a[j][i, s] == pytest.approx(acts[j](zi), rel=1e-12, abs=1e-14)
        if j == 3:
            e = np.exp(fp.z[3])
            np.testing.assert_allclose(fp.a[3], e / e.sum(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(fp.output, fp.a[3])
    np.testing.assert_array_equal(model.output(x), fp.a[3])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_input_rejected(bad):
    model = MLP([2, 1])
    x = np.ones((2, 3))
    x[1, 2] = bad
    with pytest.raises(ValueError, match=r"expected x to be finite, got NaN or inf values"):
        model.forward(x)


def test_one_dimensional_input_rejected_with_message():
    model = MLP([3, 1])
    with pytest.raises(
        ValueError,
        match=r"expected x to be a 2-D array of shape \(features, samples\), got an array with 1 dimension\(s\) and shape \(3,\)",
    ):
        model.forward(np.ones(3))


def test_wrong_feature_count_empty_batch_and_non_numeric():
    model = MLP([3, 1])
    with pytest.raises(ValueError, match=r"expected x to have 3 rows \(one per unit\), got shape \(2, 5\)"):
        model.forward(np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"expected x to hold at least one sample \(column\), got shape \(3, 0\)"):
        model.forward(np.ones((3, 0)))
    with pytest.raises(TypeError, match=r"expected x to be an array of real numbers, got dtype"):
        model.forward([["a", "b"], ["c", "d"], ["e", "f"]])


# ---------------------------------------------------------------------------
# predict and accuracy
# ---------------------------------------------------------------------------
def _set(model, W, b):
    model.W[1] = np.array(W, dtype=float)
    model.b[1] = np.array(b, dtype=float).reshape(-1, 1)


def test_predict_and_accuracy_softmax():
    model = MLP([2, 3], output="softmax", loss="cce")
    # Logits are (x1, x2, −x1−x2): the class is whichever is largest.
    _set(model, [[1, 0], [0, 1], [-1, -1]], [0, 0, 0])
    x = np.array([[2.0, 0.0, -1.0, 0.5], [0.0, 3.0, -1.0, -2.0]])
    # By hand, column by column: logits (2, 0, −2) → 0; (0, 3, −3) → 1; (−1, −1, 2) → 2; (0.5, −2, 1.5) → 2.
    expected = np.array([0, 1, 2, 2])
    pred = model.predict(x)
    assert pred.shape == (4,)
    np.testing.assert_array_equal(pred, expected)
    assert model.accuracy(x, expected) == 1.0
    assert model.accuracy(x, np.array([0, 1, 2, 1])) == 0.75
    one_hot = np.eye(3)[:, [0, 0, 2, 2]]  # one-hot labels are accepted too
    assert model.accuracy(x, one_hot) == 0.75


def test_predict_and_accuracy_sigmoid_bce_single_output():
    model = MLP([1, 1], output="sigmoid", loss="bce")
    _set(model, [[1.0]], [0.0])
    x = np.array([[-2.0, -0.1, 0.0, 0.3, 5.0]])
    pred = model.predict(x)
    assert pred.shape == (5,)
    np.testing.assert_array_equal(pred, [0, 0, 1, 1, 1])  # σ(z) ≥ 0.5 ⇔ z ≥ 0
    assert model.accuracy(x, [0, 0, 1, 1, 1]) == 1.0
    assert model.accuracy(x, [1, 0, 1, 1, 0]) == 0.6


def test_predict_and_accuracy_sigmoid_bce_multi_label():
    model = MLP([2, 2], output="sigmoid", loss="bce")
    _set(model, [[1, 0], [0, -1]], [0, 0])
    x = np.array([[1.0, -1.0, 2.0], [1.0, -1.0, -3.0]])
    pred = model.predict(x)
    assert pred.shape == (2, 3)
    np.testing.assert_array_equal(pred, [[1, 0, 1], [0, 1, 1]])
    # A sample counts as correct only when all its labels are right.
    assert model.accuracy(x, [[1, 0, 1], [0, 1, 1]]) == 1.0
    assert model.accuracy(x, [[1, 0, 1], [0, 0, 1]]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match=r"expected labels of shape \(2, 3\), got \(3,\)"):
        model.accuracy(x, [1, 0, 1])


def test_predict_regression_is_output_and_accuracy_refused():
    model = MLP([2, 2], output="identity", loss="mse")
    _set(model, [[1, 2], [3, 4]], [0.5, -0.5])
    x = np.array([[1.0], [1.0]])
    np.testing.assert_allclose(model.predict(x), [[3.5], [6.5]], rtol=1e-15)
    with pytest.raises(ValueError, match=r"expected a classification model \(loss 'bce' or 'cce'\), got loss 'mse'"):
        model.accuracy(x, [0])
    # A sigmoid output with MSE is a regression on (0, 1): predict returns a^J itself.
    sig = MLP([1, 1], output="sigmoid", loss="mse")
    _set(sig, [[1.0]], [0.0])
    np.testing.assert_allclose(sig.predict(np.array([[0.0, 2.0]])), [[0.5, 1 / (1 + math.exp(-2))]], rtol=1e-15)


# ---------------------------------------------------------------------------
# config, parameters, copy
# ---------------------------------------------------------------------------
def test_config_is_json_and_rebuilds_the_architecture():
    model = MLP([3, 4, 2, 2], hidden=["relu", Tanh()], output="softmax", loss="categorical_cross_entropy", fused=False)
    cfg = model.config()
    text = json.dumps(cfg)
    assert json.loads(text) == {
        "layer_sizes": [3, 4, 2, 2],
        "hidden": ["relu", "tanh"],
        "output": "softmax",
        "loss": "cce",
        "fused": False,
    }
    twin = MLP(**json.loads(text))
    assert twin.config() == cfg
    assert repr(model) == "MLP(sizes=[3, 4, 2, 2], activations=relu-tanh-softmax, loss=cce)"


def test_parameters_are_the_arrays_themselves():
    model = MLP([2, 3, 1])
    params = model.parameters()
    assert list(params) == ["W1", "b1", "W2", "b2"]
    assert params["W2"] is model.W[2] and params["b1"] is model.b[1]


def test_copy_is_independent():
    model = MLP([2, 3, 1], hidden="tanh", seed=4)
    before = [w.copy() for w in model.W[1:]] + [b.copy() for b in model.b[1:]]
    twin = model.copy()
    assert twin.config() == model.config()
    for j in (1, 2):
        assert np.array_equal(twin.W[j], model.W[j]) and twin.W[j] is not model.W[j]
        assert twin.b[j] is not model.b[j]
    twin.W[1][0, 0] += 1.0
    twin.b[2] += 1.0
    twin.W[2] = np.zeros_like(twin.W[2])
    twin.sizes.append(99)
    after = [w for w in model.W[1:]] + [b for b in model.b[1:]]
    assert all(np.array_equal(p, q) for p, q in zip(before, after))
    assert model.sizes == [2, 3, 1]
    # Changing the original leaves the copy alone, too.
    twin2 = model.copy()
    model.W[1][:] = 0.0
    assert not np.array_equal(twin2.W[1], model.W[1])


@pytest.mark.parametrize("bad", [[["1", "2"]], np.array([[1 + 2j, 3]]), np.array([[object(), 1.0]], dtype=object)])
def test_non_real_input_is_refused_not_converted(bad):
    model = MLP([2, 1]) if np.asarray(bad).shape[0] == 2 else MLP([1, 1])
    with pytest.raises(TypeError, match="expected x to be an array of real numbers"):
        model.forward(np.asarray(bad).T if np.asarray(bad).shape[0] == 1 else bad)


def test_import_mlp_lib_loads_no_display_or_symbolic_library():
    """The core is NumPy only: widgets, plots and SymPy live in subpackages that load them themselves."""
    import subprocess
    import sys

    code = (
        "import sys, mlp_lib; "
        "print(','.join(m for m in ('sympy', 'matplotlib', 'ipywidgets', 'sklearn') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "", f"import mlp_lib loaded {run.stdout.strip()}"


# ---------------------------------------------------------------------------
# accuracy() validates its labels like train(); overflowing forward passes are refused
# ---------------------------------------------------------------------------
def test_accuracy_refuses_out_of_range_labels_and_one_hot_of_the_wrong_width():
    x = np.random.default_rng(0).normal(size=(2, 4))
    model = MLP([2, 3, 3], hidden="tanh", output="softmax", loss="cce", seed=0)
    with pytest.raises(ValueError, match=r"class labels in 0 … 2, got values from 0 to 5"):
        model.accuracy(x, [0, 1, 2, 5])
    with pytest.raises(ValueError, match=r"class labels in 0 … 2"):
        model.accuracy(x, [0, -1, 2, 1])
    with pytest.raises(ValueError, match=r"expected labels of shape \(4,\) or \(3, 4\), got \(4, 4\)"):
        model.accuracy(x, np.eye(4))
    with pytest.raises(ValueError, match=r"expected labels of shape"):
        model.accuracy(x, [0, 1, 2])  # one label short
    assert 0.0 <= model.accuracy(x, np.eye(3)[:, [0, 1, 2, 0]]) <= 1.0
    bce = MLP([2, 2, 1], hidden="tanh", output="sigmoid", loss="bce", seed=0)
    with pytest.raises(ValueError, match=r"0/1 labels"):
        bce.accuracy(x, [0, 0.5, 1, 1])
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]"):
        bce.accuracy(x, [0, 2, 1, 1])


@pytest.mark.parametrize("method", ["forward", "output", "loss_value", "gradients", "accuracy", "predict"])
def test_inputs_whose_forward_pass_overflows_give_a_clear_error_not_a_warning(method):
    import warnings

    model = MLP([2, 4, 3], hidden="relu", output="softmax", loss="cce", seed=0)
    model.W[1] = np.ones((4, 2))  # 1e308 + 1e308 overflows in z^1
    x, labels = np.full((2, 3), 1e308), np.array([0, 1, 2])
    args = (x,) if method in ("forward", "output", "predict") else (x, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a bare NumPy warning fails the test
        with pytest.raises(ValueError, match=r"forward pass stays finite, got z\^\d with infinite or NaN"):
            getattr(model, method)(*args)


@pytest.mark.parametrize("method", ["loss_value", "gradients"])
def test_a_loss_that_overflows_from_finite_outputs_gives_a_clear_error(method):
    import warnings

    model = MLP([2, 1], seed=0)  # identity output, MSE: (y − a)² of 1e200 overflows
    x, y = np.full((2, 3), 1e200), np.zeros((1, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"expected a finite loss, got inf .* the mse loss overflowed"):
            getattr(model, method)(x, y)
