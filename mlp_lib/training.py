"""Mini-batch gradient descent.

One step on a batch is ``w^j ← w^j − η ∇_{w^j} L`` and ``b^j ← b^j − η ∇_{b^j} L``
for every layer, with the gradients from backpropagation. An epoch shuffles
the samples with an explicit seed and visits every one of them once, in
batches of ``batch_size`` columns. There is no Python loop over samples: each
batch is one matrix product per layer.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

import numpy as np

from .mlp import MLP, Gradients
from .validation import as_generator, positive_float, positive_int


class TrainingDiverged(FloatingPointError):
    """Raised when a step would make the loss or the weights infinite or NaN.

    The model keeps the weights it had before that step (nothing is lost);
    ``epoch`` and ``step`` tell where it happened.
    """

    def __init__(self, message: str, epoch: int, step: int):
        super().__init__(message)
        self.epoch = epoch
        self.step = step


@dataclass
class History:
    """Per-epoch record of training.

    ``loss`` and ``accuracy`` are averaged over the epoch's batches (each
    measured just before its step); ``val_loss``/``val_accuracy`` are measured
    on the validation set after the epoch.
    """

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.loss)


def sgd_step(model: MLP, x: np.ndarray, y: np.ndarray, learning_rate: float, *, epoch: int = 0, step: int = 0) -> Gradients:
    """One gradient-descent step on a validated batch; returns the gradients it used.

    ``x`` is ``(n_0, m)`` and ``y`` the target matrix ``(n_J, m)`` as
    ``model.check_targets`` returns them. Raises :class:`TrainingDiverged`
    (and leaves the weights untouched) when the loss or a gradient is not
    finite, or when the step would make a weight non-finite.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _step(model, x, y, learning_rate, epoch, step)


def _step(model: MLP, x, y, learning_rate, epoch, step) -> Gradients:
    """:func:`sgd_step` without its floating-point context (``train`` sets it once)."""
    grads = model._gradients(x, y)
    new_W, new_b = [None], [None]
    # One scalar tells whether anything is inf or NaN: both propagate through sums. An inf or
    # NaN gradient makes the new weights inf or NaN too, so checking the loss and the new
    # weights covers the gradients as well.
    check = grads.loss
    for W, b, dW, db in zip(model.W[1:], model.b[1:], grads.dW[1:], grads.db[1:]):
        W = W - learning_rate * dW
        b = b - learning_rate * db
        check += W.sum() + b.sum()
        new_W.append(W)
        new_b.append(b)
    if not math.isfinite(check):
        raise TrainingDiverged(
            f"training diverged at epoch {epoch}, step {step}: the loss or the weights became "
            f"infinite or NaN with learning rate {learning_rate:g}; lower the learning rate "
            "(the weights from before this step are kept)",
            epoch=epoch,
            step=step,
        )
    model.W, model.b = new_W, new_b
    return grads


def train(
    model: MLP,
    x,
    y,
    *,
    epochs: int = 10,
    learning_rate: float = 0.1,
    batch_size: int = 32,
    seed=0,
    validation: tuple | None = None,
    callback=None,
) -> History:
    """Train ``model`` in place by mini-batch gradient descent and return its :class:`History`.

    Parameters
    ----------
    x, y : arrays
        Inputs ``(n_0, m)`` and targets in any form ``model.loss`` accepts
        (e.g. integer labels of shape ``(m,)`` for CCE).
    epochs, learning_rate, batch_size : positive numbers
        ``batch_size`` larger than ``m`` means full-batch gradient descent.
    seed : int or numpy.random.Generator
        Shuffling order of every epoch.
    validation : (x_val, y_val), optional
        Also record the loss and accuracy on this set after each epoch.
    callback : callable, optional
        ``callback(epoch, history, model)`` after each epoch; return ``False`` to stop early.
    """
    epochs = positive_int(epochs, "epochs")
    learning_rate = positive_float(learning_rate, "learning_rate")
    batch_size = positive_int(batch_size, "batch_size")
    if callback is not None and not callable(callback):
        raise TypeError(f"expected callback to be callable, got {callback!r}")
    x, y = model.check_targets(x, y)
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise TypeError(f"expected validation=(x_val, y_val), got {type(validation).__name__}")
        x_val, y_val = model.check_targets(*validation)
    rng = as_generator(seed)
    classify = model.loss.name != "mse"
    # CCE: the class of each sample, once; the epoch's predictions are compared with them at its end
    labels = y.argmax(axis=0) if model.loss.name == "cce" else None
    predicted = np.empty_like(labels) if labels is not None else None
    history = History()
    m = x.shape[1]

    # Small matrix products run faster on one BLAS thread than on several (no
    # thread start-up and hand-off per call), and inf/NaN are handled by
    # TrainingDiverged rather than by NumPy warnings.
    with _single_blas_thread(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1, epochs + 1):
            order = rng.permutation(m)
            xs, ys = x[:, order], y[:, order]
            total, correct = 0.0, 0
            for step, start in enumerate(range(0, m, batch_size), start=1):
                batch = slice(start, start + batch_size)
                xb, yb = xs[:, batch], ys[:, batch]
                grads = _step(model, xb, yb, learning_rate, epoch, step)
                total += grads.loss * xb.shape[1]
                if labels is not None:  # CCE: the predicted classes, counted once per epoch
                    grads.output.argmax(axis=0, out=predicted[batch])
                elif classify:
                    correct += _n_correct(model, grads.output, yb)
            if labels is not None:
                correct = int(np.count_nonzero(predicted == labels[order]))
            # Like Keras and scikit-learn: the epoch's loss and accuracy are
            # averaged over its batches, as the weights changed during the epoch.
            history.loss.append(total / m)
            if classify:
                history.accuracy.append(correct / m)
            if validation is not None:
                fp = model._forward(x_val)
                history.val_loss.append(model._loss(fp, y_val))
                if classify:
                    history.val_accuracy.append(_n_correct(model, fp.output, y_val) / y_val.shape[1])
            if callback is not None and callback(epoch, history, model) is False:
                break
    return history


def _n_correct(model: MLP, output: np.ndarray, y: np.ndarray) -> int:
    """How many samples (columns) are classified right, given a^J and the target matrix.

    CCE: the arg-max class; BCE: every output thresholded at 0.5 must match.
    """
    if model.loss.name == "cce":
        return int(np.count_nonzero(np.argmax(output, axis=0) == np.argmax(y, axis=0)))
    return int(np.count_nonzero(np.all((output >= 0.5) == (y >= 0.5), axis=0)))


@contextlib.contextmanager
def _single_blas_thread():
    """Limit BLAS to one thread while training, if threadpoolctl is available."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
