"""Mini-batch gradient descent.

One step on a batch is ``w^j ← w^j − η ∇_{w^j} L`` and ``b^j ← b^j − η ∇_{b^j} L``
for every layer, with the gradients from backpropagation (:func:`sgd_step`).
An epoch shuffles the samples with an explicit seed and visits every one of
them once, in batches of ``batch_size`` columns (:func:`train`). There is no
Python loop over samples: each batch is one matrix product per layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

from .mlp import MLP, Gradients
from .regularization import penalty_gradient
from .validation import (
    NON_NEGATIVE_REAL,
    POSITIVE_INT,
    POSITIVE_REAL,
    SEED,
    InstanceOf,
    Interval,
    IsCallable,
    as_generator,
    check,
)

_MODEL = InstanceOf(MLP, "an mlp_lib.MLP")
#: what :func:`sgd_step` accepts (``x`` and ``y`` are checked by ``model.check_targets``)
SGD_STEP_CONSTRAINTS = {
    "model": _MODEL,
    "learning_rate": POSITIVE_REAL,
    "weight_decay": NON_NEGATIVE_REAL,
    "l1": NON_NEGATIVE_REAL,
    "epoch": Interval(Integral, 0, None),
    "step": Interval(Integral, 0, None),
}
#: what :func:`train` accepts (``x``, ``y`` and ``validation`` are checked by ``model.check_targets``)
TRAIN_CONSTRAINTS = {
    "model": _MODEL,
    "epochs": POSITIVE_INT,
    "learning_rate": POSITIVE_REAL,
    "batch_size": POSITIVE_INT,
    "seed": SEED,
    "validation": [None, InstanceOf((tuple, list), "a pair (x_val, y_val)")],
    "callback": [None, IsCallable()],
    "weight_decay": NON_NEGATIVE_REAL,
    "l1": NON_NEGATIVE_REAL,
}


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


def sgd_step(
    model: MLP,
    x: np.ndarray,
    y: np.ndarray,
    learning_rate: float,
    *,
    weight_decay: float = 0.0,
    l1: float = 0.0,
    epoch: int = 0,
    step: int = 0,
) -> Gradients:
    """One gradient-descent step on the batch ``(x, y)``; returns the gradients it used (with the loss).

    ``x`` is ``(n_0, m)``; ``y`` the targets ``(n_J, m)`` or, for a classifier, the class labels
    ``(m,)``, read as :func:`train` reads them (``model.check_targets``); ``learning_rate`` η > 0.
    The loss and the output in the returned
    :class:`~mlp_lib.Gradients` are those of the weights *before* the step.
    ``weight_decay`` (λ) and ``l1`` (λ₁) add the penalty's term λ w^j + λ₁ sign(w^j) to
    Eq. (3) (:mod:`mlp_lib.regularization`); the returned ``dW`` include it, while
    ``loss`` stays the data loss L (the penalty is :func:`mlp_lib.regularization.penalty`).
    Raises :class:`TrainingDiverged` (and leaves the weights untouched) when the
    loss is not finite or the step would make a weight infinite or NaN. Afterwards
    ``model.W`` and ``model.b`` are new arrays; the old ones are not changed.
    """
    model, learning_rate, weight_decay, l1, epoch, step = check(
        "sgd_step",
        {
            "model": model,
            "learning_rate": learning_rate,
            "weight_decay": weight_decay,
            "l1": l1,
            "epoch": epoch,
            "step": step,
        },
        SGD_STEP_CONSTRAINTS,
    )
    x, y = model.check_targets(x, y, caller="sgd_step")
    return _sgd_step(model, x, y, learning_rate, weight_decay, l1, epoch, step)


def _sgd_step(model: MLP, x, y, learning_rate, weight_decay, l1, epoch, step) -> Gradients:
    """:func:`sgd_step` on arguments already checked (:func:`train` checks them once, not per batch)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked below instead
        grads = model._gradients(x, y)
        if weight_decay or l1:  # Eq. (3) gains the penalty's term
            grads.dW = [None] + [
                grads.dW[j] + penalty_gradient(model.W[j], weight_decay, l1) for j in range(1, model.J + 1)
            ]
        W = [None] + [model.W[j] - learning_rate * grads.dW[j] for j in range(1, model.J + 1)]
        b = [None] + [model.b[j] - learning_rate * grads.db[j] for j in range(1, model.J + 1)]
    if not math.isfinite(grads.loss):
        raise TrainingDiverged(
            f"training diverged in epoch {epoch}: the loss became infinite or NaN at step {step} "
            f"with learning rate {learning_rate:g}; lower the learning rate "
            f"(the weights from before epoch {epoch}, step {step} are kept)",
            epoch=epoch,
            step=step,
        )
    saturated = model.loss.fused_activation is not None and not model.uses_fused_form
    if saturated and not all(np.isfinite(g).all() for g in grads.dW[1:] + grads.db[1:]):
        raise TrainingDiverged(
            f"the gradient became NaN at epoch {epoch}, step {step} while the loss is finite: the outputs are "
            f"saturated (a = 0 or 1 exactly), where the unfused {model.loss.name} gradient divides by zero; "
            "use fused=True, which computes ϕ^J from the logits (the weights from before this step are kept)",
            epoch=epoch,
            step=step,
        )
    if not all(np.isfinite(p).all() for p in W[1:] + b[1:]):
        raise TrainingDiverged(
            f"training diverged at epoch {epoch}, step {step}: the weights became infinite or NaN "
            f"with learning rate {learning_rate:g}; lower the learning rate "
            "(the weights from before this step are kept)",
            epoch=epoch,
            step=step,
        )
    model.W, model.b = W, b
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
    weight_decay: float = 0.0,
    l1: float = 0.0,
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
    weight_decay, l1 : numbers ≥ 0
        L2 (λ) and L1 (λ₁) penalties on the weights, see :func:`sgd_step`; the recorded
        losses are the data loss L without the penalty.
    callback : callable, optional
        ``callback(epoch, history, model)`` after each epoch; return ``False`` to stop early.
        It may change or replace ``model.W`` and ``model.b``; training continues from them.
    """
    model, epochs, learning_rate, batch_size, seed, validation, callback, weight_decay, l1 = check(
        "train",
        {
            "model": model,
            "epochs": epochs,
            "learning_rate": learning_rate,
            "batch_size": batch_size,
            "seed": seed,
            "validation": validation,
            "callback": callback,
            "weight_decay": weight_decay,
            "l1": l1,
        },
        TRAIN_CONSTRAINTS,
    )
    x, y = model.check_targets(x, y, caller="train")
    if validation is not None:
        if len(validation) != 2:
            raise TypeError(f"train: expected validation to be a pair (x_val, y_val), got {len(validation)} items")
        x_val, y_val = model.check_targets(*validation, caller="train", names=("x_val", "y_val"))
    rng = as_generator(seed)
    classify = model.loss.name != "mse"
    history, m = History(), x.shape[1]
    for epoch in range(1, epochs + 1):
        order = rng.permutation(m)
        total_loss, correct = 0.0, 0
        for step, start in enumerate(range(0, m, batch_size), start=1):
            batch = order[start : start + batch_size]
            xb, yb = x[:, batch], y[:, batch]
            grads = _sgd_step(model, xb, yb, learning_rate, weight_decay, l1, epoch, step)
            # Like Keras and scikit-learn, the epoch's loss and accuracy are those of its
            # batches, each measured by its own forward pass just before its step.
            total_loss += grads.loss * xb.shape[1]
            if classify:
                correct += model.n_correct(grads.output, yb)
        history.loss.append(total_loss / m)
        if classify:
            history.accuracy.append(correct / m)
        if validation is not None:
            _check_model_arrays(model)
            history.val_loss.append(model.loss_value(x_val, y_val))
            if classify:
                history.val_accuracy.append(model.accuracy(x_val, y_val))
        if callback is not None and callback(epoch, history, model) is False:
            break
        _check_model_arrays(model)  # the callback may have replaced weights
    return history


def _check_model_arrays(model: MLP) -> None:
    """Refuse weights of the wrong shape (e.g. set by a callback) with a clear message."""
    for name, arrays in (("W", model.W), ("b", model.b)):
        if len(arrays) != model.J + 1:
            raise ValueError(f"expected {name} to hold {model.J} layers, got {len(arrays) - 1}")
        for j in range(1, model.J + 1):
            shape = (model.sizes[j], model.sizes[j - 1]) if name == "W" else (model.sizes[j], 1)
            if np.shape(arrays[j]) != shape:
                raise ValueError(
                    f"expected {name}[{j}] of shape {shape} for layer sizes {model.sizes}, "
                    f"got shape {np.shape(arrays[j])}"
                )
