"""Mini-batch gradient descent: learning, determinism, divergence, validation, callbacks."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mlp_lib
from mlp_lib import MLP, History, TrainingDiverged, sgd_step, train

# XOR: not linearly separable, so it needs the hidden layer.
X_XOR = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
Y_XOR = np.array([0, 1, 1, 0])


def _xor_model(seed=0):
    return MLP([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce", seed=seed)


def _regression(m=20, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3, m))
    y = np.array([[1.0, -2.0, 0.5]]) @ x + 0.3  # a linear target
    return x, y


def _same_weights(a, b):
    return all(np.array_equal(a.W[j], b.W[j]) and np.array_equal(a.b[j], b.b[j]) for j in range(1, a.J + 1))


# ---------------------------------------------------------------------------
# Learning
# ---------------------------------------------------------------------------
def test_training_solves_xor():
    model = _xor_model()
    initial_loss = model.loss_value(X_XOR, Y_XOR)
    history = train(model, X_XOR, Y_XOR, epochs=1500, learning_rate=0.5, batch_size=4, seed=0)
    assert isinstance(history, History) and history.epochs == 1500
    assert len(history.accuracy) == 1500 and history.val_loss == [] and history.val_accuracy == []
    final_loss = model.loss_value(X_XOR, Y_XOR)
    # Started near chance (−log ½ ≈ 0.693 per sample); must end far below it.
    assert initial_loss > 0.5
    assert final_loss < 0.05, final_loss
    assert history.loss[-1] < history.loss[0]
    assert model.accuracy(X_XOR, Y_XOR) == 1.0
    assert history.accuracy[-1] == 1.0
    np.testing.assert_array_equal(model.predict(X_XOR), Y_XOR)


def test_training_lowers_mse_on_regression():
    x, y = _regression()
    model = MLP([3, 1], output="identity", loss="mse", seed=1)
    before = model.loss_value(x, y)
    history = train(model, x, y, epochs=50, learning_rate=0.05, batch_size=5, seed=1)
    assert model.loss_value(x, y) < 1e-3 * before
    assert history.accuracy == []  # no accuracy for regression
    # A linear model learns the generating weights.
    np.testing.assert_allclose(model.W[1], [[1.0, -2.0, 0.5]], atol=1e-2)
    np.testing.assert_allclose(model.b[1], [[0.3]], atol=1e-2)


def test_one_full_batch_epoch_is_one_gradient_step():
    # batch_size > m means full-batch gradient descent: w ← w − η ∇_w L on all samples at once.
    x, y = _regression(m=5)
    model = MLP([3, 4, 1], hidden="tanh", output="identity", loss="mse", seed=2)
    expected = model.copy()
    g = expected.gradients(x, y)
    eta = 0.1
    history = train(model, x, y, epochs=1, learning_rate=eta, batch_size=100, seed=0)
    for j in (1, 2):
        # Same maths; the shuffled column order only changes rounding.
        np.testing.assert_allclose(model.W[j], expected.W[j] - eta * g.dW[j], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(model.b[j], expected.b[j] - eta * g.db[j], rtol=1e-12, atol=1e-15)
    # The recorded epoch loss is the loss before the step.
    assert history.loss == [pytest.approx(g.loss, rel=1e-12)]


def test_batches_are_matrix_products_not_sample_loops(monkeypatch):
    # One backpropagation call per batch (ceil(m / batch_size) per epoch), never one per sample.
    calls = []
    original = MLP._backward

    def counting(self, fp, y, *args):
        calls.append(fp.a[0].shape[1])
        return original(self, fp, y, *args)

    monkeypatch.setattr(MLP, "_backward", counting)
    x, y = _regression(m=50)
    train(MLP([3, 1], seed=0), x, y, epochs=2, learning_rate=0.01, batch_size=20, seed=0)
    assert calls == [20, 20, 10, 20, 20, 10]


# ---------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------
def test_same_seed_gives_bit_identical_weights():
    x, y = _regression(m=30)
    runs = []
    for _ in range(2):
        model = MLP([3, 5, 1], hidden="relu", output="identity", loss="mse", seed=3)
        hist = train(model, x, y, epochs=5, learning_rate=0.01, batch_size=7, seed=11)
        runs.append((model, hist))
    assert _same_weights(runs[0][0], runs[1][0])
    assert runs[0][1].loss == runs[1][1].loss


def test_different_seeds_give_different_weights():
    x, y = _regression(m=30)
    shuffle_a = MLP([3, 5, 1], hidden="relu", seed=3)
    shuffle_b = MLP([3, 5, 1], hidden="relu", seed=3)
    train(shuffle_a, x, y, epochs=3, learning_rate=0.01, batch_size=7, seed=11)
    train(shuffle_b, x, y, epochs=3, learning_rate=0.01, batch_size=7, seed=12)
    assert not np.array_equal(shuffle_a.W[1], shuffle_b.W[1])
    init_a = MLP([3, 5, 1], hidden="relu", seed=3)
    init_b = MLP([3, 5, 1], hidden="relu", seed=4)
    train(init_a, x, y, epochs=3, learning_rate=0.01, batch_size=7, seed=11)
    train(init_b, x, y, epochs=3, learning_rate=0.01, batch_size=7, seed=11)
    assert not np.array_equal(init_a.W[1], init_b.W[1])


def test_generator_seed_is_accepted():
    x, y = _regression(m=10)
    a, b = MLP([3, 1], seed=np.random.default_rng(5)), MLP([3, 1], seed=5)
    train(a, x, y, epochs=2, learning_rate=0.01, batch_size=3, seed=np.random.default_rng(9))
    train(b, x, y, epochs=2, learning_rate=0.01, batch_size=3, seed=9)
    assert _same_weights(a, b)


# ---------------------------------------------------------------------------
# Divergence
# ---------------------------------------------------------------------------
def test_huge_learning_rate_raises_and_keeps_last_finite_weights():
    x, y = _regression(m=8)
    lr = 1e6
    model = MLP([3, 4, 1], hidden="relu", output="identity", loss="mse", seed=0)
    with pytest.raises(TrainingDiverged, match=r"learning rate 1e\+06") as info:
        train(model, x, y, epochs=100, learning_rate=lr, batch_size=8, seed=0)
    exc = info.value
    assert isinstance(exc, FloatingPointError)
    assert "lower the learning rate" in str(exc)
    assert exc.step == 1 and exc.epoch > 1  # it takes a few steps for the weights to overflow
    for j in (1, 2):
        assert np.all(np.isfinite(model.W[j])) and np.all(np.isfinite(model.b[j]))
    # Full batch → one step per epoch. Replaying the epochs that succeeded with the same
    # seeds gives bit-identical weights: the model holds exactly the weights from before
    # the failing step.
    replay = MLP([3, 4, 1], hidden="relu", output="identity", loss="mse", seed=0)
    if exc.epoch > 1:
        train(replay, x, y, epochs=exc.epoch - 1, learning_rate=lr, batch_size=8, seed=0)
    assert _same_weights(model, replay)


def test_sgd_step_leaves_weights_untouched_when_it_fails():
    x, y = _regression(m=8)
    model = MLP([3, 4, 1], hidden="tanh", output="identity", loss="mse", seed=0)
    lr = 1e150
    for step in range(1, 50):
        before = model.copy()
        try:
            sgd_step(model, x, y, lr, epoch=7, step=step)
        except TrainingDiverged as exc:
            assert (exc.epoch, exc.step) == (7, step)
            assert f"learning rate {lr:g}" in str(exc)
            assert _same_weights(model, before)
            assert all(np.all(np.isfinite(w)) for w in model.W[1:])
            break
    else:  # pragma: no cover
        pytest.fail("a learning rate of 1e150 should overflow")


def test_step_that_would_overflow_the_weights_is_refused():
    # Loss and gradients are finite here; only w − η∇w overflows. The step must still be refused.
    x, y = _regression(m=8)
    y = 100.0 * y
    model = MLP([3, 4, 1], hidden="tanh", output="identity", loss="mse", seed=0)
    g = model.gradients(x, y)
    assert np.isfinite(g.loss) and max(np.abs(g.dW[j]).max() for j in (1, 2)) > 2.0
    before = model.copy()
    with pytest.raises(TrainingDiverged, match=r"epoch 1, step 1"):
        train(model, x, y, epochs=1, learning_rate=1e308, batch_size=8)
    assert _same_weights(model, before)


def test_divergence_raises_without_numpy_warnings():
    import warnings

    x, y = _regression(m=8)
    model = MLP([3, 4, 1], hidden="relu", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TrainingDiverged):
            train(model, x, y, epochs=100, learning_rate=1e6, batch_size=8)


# ---------------------------------------------------------------------------
# Argument validation
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("lr", [0, -0.1, math.inf, math.nan])
def test_learning_rate_must_be_positive(lr):
    x, y = _regression(m=4)
    with pytest.raises(ValueError, match=r"expected learning_rate to be a positive finite number, got"):
        train(MLP([3, 1]), x, y, learning_rate=lr)


@pytest.mark.parametrize("lr", [True, "0.1", None])
def test_learning_rate_type(lr):
    x, y = _regression(m=4)
    with pytest.raises(TypeError, match=rf"^train: expected learning_rate to be a positive finite number, got {lr!r}$"):
        train(MLP([3, 1]), x, y, learning_rate=lr)


@pytest.mark.parametrize("name", ["epochs", "batch_size"])
@pytest.mark.parametrize(
    "value, exc", [(0, ValueError), (-3, ValueError), (2.5, TypeError), (True, TypeError), ("10", TypeError)]
)
def test_epochs_and_batch_size_must_be_positive_integers(name, value, exc):
    x, y = _regression(m=4)
    with pytest.raises(exc, match=rf"expected {name} to be a positive integer, got {value!r}"):
        train(MLP([3, 1]), x, y, **{name: value})


def test_bad_callback_and_validation_arguments():
    x, y = _regression(m=4)
    with pytest.raises(TypeError, match=r"^train: expected callback to be None or callable, got 3$"):
        train(MLP([3, 1]), x, y, callback=3)
    with pytest.raises(
        TypeError,
        match=r"^train: expected validation to be None or a pair \(x_val, y_val\), got an array of shape \(3, 4\)",
    ):
        train(MLP([3, 1]), x, y, validation=x)
    with pytest.raises(TypeError, match=r"^train: expected validation to be a pair \(x_val, y_val\), got 3 items$"):
        train(MLP([3, 1]), x, y, validation=(x, y, y))
    with pytest.raises(ValueError, match=r"^train: expected x_val to have 3 rows"):
        train(MLP([3, 1]), x, y, validation=(x[:2], y))


# ---------------------------------------------------------------------------
# Callback and validation data
# ---------------------------------------------------------------------------
def test_callback_returning_false_stops_early():
    x, y = _regression(m=10)
    seen = []

    def callback(epoch, history, model):
        seen.append((epoch, history.epochs))
        return None if epoch < 3 else False  # None (no opinion) keeps going

    model = MLP([3, 1])
    history = train(model, x, y, epochs=50, learning_rate=0.01, batch_size=5, callback=callback)
    assert history.epochs == 3
    assert seen == [(1, 1), (2, 2), (3, 3)]


def test_callback_returning_none_does_not_stop():
    x, y = _regression(m=10)
    history = train(MLP([3, 1]), x, y, epochs=4, learning_rate=0.01, callback=lambda *args: None)
    assert history.epochs == 4


def test_validation_fills_val_loss_and_val_accuracy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 40))
    labels = (x[0] + x[1] > 0).astype(int) + (x[0] > 1).astype(int)  # 3 classes
    x_val, labels_val = x[:, 30:], labels[30:]
    model = MLP([2, 6, 3], hidden="tanh", output="softmax", loss="cce", seed=0)
    history = train(
        model, x[:, :30], labels[:30], epochs=6, learning_rate=0.5, batch_size=10, validation=(x_val, labels_val)
    )
    assert len(history.val_loss) == len(history.val_accuracy) == len(history.loss) == 6
    assert history.val_loss[-1] == pytest.approx(model.loss_value(x_val, labels_val), rel=1e-12)
    assert history.val_accuracy[-1] == model.accuracy(x_val, labels_val)
    assert all(0.0 <= a <= 1.0 for a in history.val_accuracy + history.accuracy)


def test_training_accuracy_is_measured_on_each_batch_before_its_step():
    # Full batch: one step per epoch, so the epoch's accuracy is the accuracy
    # of the weights before that step — the initial model for epoch 1.
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 25))
    labels = (x[0] - x[1] > 0).astype(int)
    model = MLP([2, 4, 2], hidden="tanh", output="softmax", loss="cce", seed=1)
    before = model.accuracy(x, labels)
    loss_before = model.loss_value(x, labels)
    history = train(model, x, labels, epochs=1, learning_rate=0.5, batch_size=100)
    assert history.accuracy == [before]
    assert history.loss[0] == pytest.approx(loss_before, rel=1e-12)


@pytest.mark.parametrize("loss, output", [("cce", "softmax"), ("bce", "sigmoid")])
def test_epoch_accuracy_and_loss_are_batch_averages_with_the_weights_of_each_batch(loss, output):
    """Mini-batches: replay the epoch step by step with sgd_step and count by hand."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 53))
    labels = (x[0] * x[1] > 0).astype(int)
    n_out = 2 if loss == "cce" else 1
    model = MLP([2, 5, n_out], hidden="tanh", output=output, loss=loss, seed=2)
    twin = model.copy()
    history = train(model, x, labels, epochs=1, learning_rate=0.8, batch_size=10, seed=7)
    xc, yc = twin.check_targets(x, labels)
    order = np.random.default_rng(7).permutation(53)  # train's shuffling with the same seed
    correct, total = 0, 0.0
    for start in range(0, 53, 10):
        cols = order[start : start + 10]
        predicted = twin.predict(xc[:, cols])
        correct += int(np.count_nonzero(predicted == labels[cols]))
        total += twin.loss_value(xc[:, cols], yc[:, cols]) * cols.size
        sgd_step(twin, xc[:, cols], yc[:, cols], 0.8)
    assert history.accuracy == [correct / 53]
    assert history.loss[0] == pytest.approx(total / 53, rel=1e-12)
    for j in (1, 2):
        np.testing.assert_array_equal(model.W[j], twin.W[j])


def test_validation_for_regression_has_loss_only():
    x, y = _regression(m=12)
    model = MLP([3, 1])
    history = train(model, x[:, :8], y[:, :8], epochs=3, learning_rate=0.01, validation=(x[:, 8:], y[:, 8:]))
    assert len(history.val_loss) == 3 and history.val_accuracy == []
    assert history.val_loss[-1] == pytest.approx(model.loss_value(x[:, 8:], y[:, 8:]), rel=1e-12)


def test_batch_size_larger_than_m_trains():
    model = _xor_model(seed=1)
    before = model.loss_value(X_XOR, Y_XOR)
    history = train(model, X_XOR, Y_XOR, epochs=20, learning_rate=0.5, batch_size=1000)
    assert history.epochs == 20
    assert model.loss_value(X_XOR, Y_XOR) < before


def test_exports():
    assert mlp_lib.TrainingDiverged is TrainingDiverged and mlp_lib.train is train


# ---------------------------------------------------------------------------
# The model's arrays: training works on one parameter vector, the model keeps plain arrays
# ---------------------------------------------------------------------------
def test_training_leaves_the_old_arrays_alone_and_ends_with_plain_arrays():
    x, y = _regression(m=12)
    model = MLP([3, 4, 1], hidden="tanh", seed=0)
    old_W, old_b = list(model.W), list(model.b)
    saved = model.copy()
    train(model, x, y, epochs=3, learning_rate=0.05, batch_size=5)
    for j in (1, 2):
        np.testing.assert_array_equal(old_W[j], saved.W[j])  # what the caller held did not change
        np.testing.assert_array_equal(old_b[j], saved.b[j])
        assert model.W[j].flags.owndata and model.b[j].flags.owndata  # no views of training's buffers
        assert not np.shares_memory(model.W[j], model.b[j])
    assert not _same_weights(model, saved)


def test_sgd_step_leaves_the_old_arrays_alone():
    x, y = _regression(m=6)
    model = MLP([3, 4, 1], hidden="tanh", seed=0)
    old_W1, saved = model.W[1], model.W[1].copy()
    sgd_step(model, x, y, 0.1)
    np.testing.assert_array_equal(old_W1, saved)
    assert not np.array_equal(model.W[1], saved)


def test_callback_sees_arrays_it_may_keep():
    x, y = _regression(m=12)
    kept = []

    def callback(epoch, history, model):
        kept.append((model.W[1], model.W[1].copy()))

    train(MLP([3, 4, 1], hidden="tanh", seed=0), x, y, epochs=4, learning_rate=0.05, batch_size=5, callback=callback)
    for array, snapshot in kept:
        np.testing.assert_array_equal(array, snapshot)  # later steps did not write into them
    assert not np.array_equal(kept[0][1], kept[-1][1])


def test_weights_a_callback_sets_are_the_ones_training_continues_from():
    x, y = _regression(m=12)

    def reset_first_layer(epoch, history, model):
        if epoch == 1:
            model.W[1] = np.full((4, 3), 0.1)
            model.b[1] += 1.0  # in place, on the array the callback was given

    model = MLP([3, 4, 1], hidden="tanh", seed=0)
    train(
        model,
        x,
        y,
        epochs=2,
        learning_rate=0.05,
        batch_size=5,
        seed=np.random.default_rng(9),
        callback=reset_first_layer,
    )
    twin, rng = MLP([3, 4, 1], hidden="tanh", seed=0), np.random.default_rng(9)
    train(twin, x, y, epochs=1, learning_rate=0.05, batch_size=5, seed=rng)
    twin.W[1] = np.full((4, 3), 0.1)
    twin.b[1] = twin.b[1] + 1.0
    train(twin, x, y, epochs=1, learning_rate=0.05, batch_size=5, seed=rng)
    assert _same_weights(model, twin)


def test_a_callback_that_sets_a_wrong_shape_gets_a_clear_error():
    x, y = _regression(m=12)

    def bad(epoch, history, model):
        model.W[2] = np.zeros((1, 5))

    model = MLP([3, 4, 1], hidden="tanh", seed=0)
    with pytest.raises(
        ValueError, match=r"expected W\[2\] of shape \(1, 4\) for layer sizes \[3, 4, 1\], got shape \(1, 5\)"
    ):
        train(model, x, y, epochs=3, learning_rate=0.05, callback=bad)


def test_an_interrupted_training_leaves_plain_finite_arrays():
    x, y = _regression(m=12)

    def interrupt(epoch, history, model):
        raise KeyboardInterrupt

    model = MLP([3, 4, 1], hidden="tanh", seed=0)
    with pytest.raises(KeyboardInterrupt):
        train(model, x, y, epochs=3, learning_rate=0.05, callback=interrupt)
    assert all(w.flags.owndata and np.all(np.isfinite(w)) for w in model.W[1:] + model.b[1:])


def test_a_loss_that_overflows_while_the_weights_stay_finite_is_reported_at_the_epoch_end():
    # z^J = w x = (0, −1e308·10) overflows to −inf with finite weights. Softmax still gives
    # (1, 0) and finite gradients, so the step itself is finite, but the true class (1) has
    # probability 0: the cross-entropy is infinite.
    model = MLP([1, 2], output="softmax", loss="cce", seed=0)
    model.W[1] = np.array([[0.0], [-1e308]])
    x, labels = np.array([[10.0]]), np.array([1])
    with pytest.raises(TrainingDiverged, match=r"in epoch 1: the loss became infinite or NaN") as info:
        train(model, x, labels, epochs=3, learning_rate=0.1, batch_size=1)
    assert (info.value.epoch, info.value.step) == (1, 1)
    assert all(np.all(np.isfinite(w)) for w in model.W[1:] + model.b[1:])
    model.W[1] = np.array([[0.0], [-1e308]])
    with pytest.raises(TrainingDiverged, match=r"epoch 0, step 0"):  # one step checks its own loss
        sgd_step(model, *model.check_targets(x, labels), 0.1)
