"""Mini-batch gradient descent.

One step on a batch is ``w^j ← w^j − η ∇_{w^j} L`` and ``b^j ← b^j − η ∇_{b^j} L``
for every layer, with the gradients from backpropagation. An epoch shuffles
the samples with an explicit seed and visits every one of them once, in
batches of ``batch_size`` columns. There is no Python loop over samples: each
batch is one matrix product per layer.
"""

from __future__ import annotations

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
    """Per-epoch record: training loss (mean of the batch losses), accuracy, and validation figures."""

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.loss)


def sgd_step(model: MLP, x: np.ndarray, y: np.ndarray, learning_rate: float, *, epoch: int = 0, step: int = 0) -> Gradients:
    """One gradient-descent step on a validated batch; returns the gradients it used.

    Raises :class:`TrainingDiverged` (and leaves the weights untouched) when the
    loss or a gradient is not finite, or when the step would make a weight
    non-finite.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        grads = model._gradients(x, y)
        finite = np.isfinite(grads.loss) and all(
            np.isfinite(grads.dW[j]).all() and np.isfinite(grads.db[j]).all() for j in range(1, model.J + 1)
        )
        if finite:
            new_W = [None] + [model.W[j] - learning_rate * grads.dW[j] for j in range(1, model.J + 1)]
            new_b = [None] + [model.b[j] - learning_rate * grads.db[j] for j in range(1, model.J + 1)]
            finite = all(np.isfinite(new_W[j]).all() and np.isfinite(new_b[j]).all() for j in range(1, model.J + 1))
    if not finite:
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
    history = History()
    m = x.shape[1]

    for epoch in range(1, epochs + 1):
        order = rng.permutation(m)
        total = 0.0
        for step, start in enumerate(range(0, m, batch_size), start=1):
            idx = order[start : start + batch_size]
            grads = sgd_step(model, x[:, idx], y[:, idx], learning_rate, epoch=epoch, step=step)
            total += grads.loss * idx.size
        history.loss.append(total / m)
        if classify:
            history.accuracy.append(_accuracy(model, x, y))
        if validation is not None:
            fp = model._forward(x_val)
            history.val_loss.append(model._loss(fp, y_val))
            if classify:
                history.val_accuracy.append(_accuracy(model, x_val, y_val, fp))
        if callback is not None and callback(epoch, history, model) is False:
            break
    return history


def _accuracy(model: MLP, x: np.ndarray, y: np.ndarray, fp=None) -> float:
    """Accuracy against validated target matrices (one-hot for CCE, 0/1 for BCE)."""
    out = (fp or model._forward(x)).output
    if model.loss.name == "cce":
        return float(np.mean(np.argmax(out, axis=0) == np.argmax(y, axis=0)))
    return float(np.mean(np.all((out >= 0.5) == (y >= 0.5), axis=0)))
