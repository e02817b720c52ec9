"""Mini-batch gradient descent.

One step on a batch is ``w^j ← w^j − η ∇_{w^j} L`` and ``b^j ← b^j − η ∇_{b^j} L``
for every layer, with the gradients from backpropagation — written once for all
layers as ``θ ← θ − η ∇_θ L`` on the vector θ of all parameters
(:mod:`mlp_lib.parameters`). An epoch shuffles
the samples with an explicit seed and visits every one of them once, in
batches of ``batch_size`` columns. There is no Python loop over samples: each
batch is one matrix product per layer.
"""

from __future__ import annotations

import contextlib
import functools
import math
from dataclasses import dataclass, field

import numpy as np

from .mlp import MLP, ForwardPass, Gradients
from .parameters import ParameterVector
from .validation import as_generator, positive_float, positive_int


class TrainingDiverged(FloatingPointError):
    """Raised when a step would make the loss or the weights infinite or NaN.

    The model keeps the weights it had before that step (nothing is lost);
    ``epoch`` and ``step`` tell where it happened. One rare case is found only
    at the end of an epoch: a cross-entropy that overflows because z^J does
    while the weights stay finite; the model then keeps the epoch's last
    (finite) weights, and the message says so.
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
    finite, or when the step would make a weight non-finite. Afterwards
    ``model.W`` and ``model.b`` are new arrays; the old ones are not changed.
    """
    params = ParameterVector(model.sizes).load(model.W, model.b)
    new_params, gradient = ParameterVector(model.sizes), ParameterVector(model.sizes)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        fp = model._forward(x)
        loss = model._loss(fp, y)
        grads = _step(model, params, fp, y, learning_rate, gradient, new_params, epoch, step, loss)
    grads.loss = loss
    return grads


def _step(model: MLP, params, fp, y, learning_rate, gradient, new_params, epoch, step, loss=0.0) -> Gradients:
    """Backpropagation from the forward pass ``fp``, then θ_new = θ − η ∇_θ L.

    ``params`` holds the model's weights θ (a :class:`ParameterVector`); the
    gradient is written into ``gradient`` and the new weights into
    ``new_params``, whose views the model then takes. ``loss`` is the batch
    loss if the caller computed it (0 if not). The caller sets the
    floating-point context.
    """
    grads = model._backward(fp, y, out=gradient)
    step_vector = np.multiply(gradient.theta, learning_rate, out=new_params.theta)  # η ∇_θ L
    np.subtract(params.theta, step_vector, out=new_params.theta)
    # One scalar tells whether anything is inf or NaN: both propagate through sums. An inf or
    # NaN gradient makes the new weights inf or NaN too, so the new weights cover the gradients.
    if not math.isfinite(loss + new_params.sum()):
        raise TrainingDiverged(
            f"training diverged at epoch {epoch}, step {step}: the loss or the weights became "
            f"infinite or NaN with learning rate {learning_rate:g}; lower the learning rate "
            "(the weights from before this step are kept)",
            epoch=epoch,
            step=step,
        )
    model.W, model.b = new_params.W, new_params.b
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
    # Each step checks its new weights. With finite weights the cross-entropies' loss is
    # finite too (their fused forms are stable, their unfused forms clip a^J), except when
    # z^J itself overflows; MSE's square can overflow with finite outputs, so MSE's loss is
    # checked at every step, and every epoch's loss at the epoch's end.
    check_loss = model.loss.name == "mse"
    # CCE: the class of each sample, found once (the epoch's outputs are compared with it)
    labels = y.argmax(axis=0) if model.loss.name == "cce" else None
    history = History()
    J, m = model.J, x.shape[1]
    # a^J and z^J of every sample in the epoch, each from its own batch's forward pass just
    # before that batch's step: the epoch's loss and accuracy are computed from them at its end.
    outputs, logits = np.empty((model.sizes[J], m)), np.empty((model.sizes[J], m))

    # While training, the weights live in one vector θ (see mlp_lib.parameters) and each step
    # writes θ − η∇_θL into a second one; the two swap roles after every step. model.W and
    # model.b are views into the current one, and become ordinary arrays again whenever
    # other code can see them: in the callback, and when training ends or stops.
    params = ParameterVector(model.sizes).load(model.W, model.b)
    new_params, gradient = ParameterVector(model.sizes), ParameterVector(model.sizes)
    model.W, model.b = params.W, params.b
    try:
        # Small matrix products run faster on one BLAS thread than on several (no
        # thread start-up and hand-off per call), and inf/NaN are handled by
        # TrainingDiverged rather than by NumPy warnings.
        with _single_blas_thread(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(1, epochs + 1):
                order = rng.permutation(m)
                xs, ys = x[:, order], y[:, order]
                for step, start in enumerate(range(0, m, batch_size), start=1):
                    batch = slice(start, start + batch_size)
                    xb, yb = xs[:, batch], ys[:, batch]
                    fp = model._forward(xb)
                    loss = model._loss(fp, yb) if check_loss else 0.0
                    _step(model, params, fp, yb, learning_rate, gradient, new_params, epoch, step, loss)
                    params, new_params = new_params, params
                    outputs[:, batch], logits[:, batch] = fp.output, fp.z[J]
                # Like Keras and scikit-learn: the epoch's loss and accuracy are those of
                # its batches, each measured just before its step, averaged over the epoch.
                epoch_pass = ForwardPass(z=[None] * J + [logits], a=[None] * J + [outputs])
                history.loss.append(model._loss(epoch_pass, ys))
                if not math.isfinite(history.loss[-1]):
                    raise TrainingDiverged(
                        f"training diverged in epoch {epoch}: the loss became infinite or NaN with "
                        f"learning rate {learning_rate:g} while the weights stayed finite; lower the "
                        "learning rate (the weights after the epoch's last step are kept)",
                        epoch=epoch,
                        step=step,
                    )
                if labels is not None:
                    history.accuracy.append(np.count_nonzero(outputs.argmax(axis=0) == labels[order]) / m)
                elif classify:
                    history.accuracy.append(_n_correct(model, outputs, ys) / m)
                if validation is not None:
                    fp = model._forward(x_val)
                    history.val_loss.append(model._loss(fp, y_val))
                    if classify:
                        history.val_accuracy.append(_n_correct(model, fp.output, y_val) / y_val.shape[1])
                if callback is not None:
                    model.W, model.b = params.arrays()
                    if callback(epoch, history, model) is False:
                        break
                    # the callback may have changed or replaced the weights: take them as they are now
                    params.load(model.W, model.b)
                    model.W, model.b = params.W, params.b
    finally:
        for vector in (params, new_params):  # the model still holds views into one of them
            if model.W is vector.W:
                model.W, model.b = vector.arrays()
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
    controller = _blas_controller()
    if controller is None:  # pragma: no cover - threadpoolctl comes with scikit-learn
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield


@functools.lru_cache(maxsize=None)
def _blas_controller():
    """threadpoolctl's view of the loaded BLAS libraries, NumPy's among them, made once.

    Finding the libraries takes milliseconds (threadpoolctl.threadpool_limits does
    it on every call); NumPy's BLAS, the one training uses, is loaded with NumPy.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover
        return None
    return ThreadpoolController()
