"""Loss functions L, their gradients ∇_{a^J} L, and fused output-layer forms.

**One reduction for everything.** Each loss is defined *per sample* exactly as
the source defines it, and a batch of ``m`` samples (the columns of ``a`` and
``y``) is reduced by the **mean over samples**::

    L(batch) = (1/m) Σ_s ℓ(a[:, s], y[:, s])

Every gradient in :mod:`mlp_lib` is the gradient of this batch mean, so each
column of ``gradient(a, y)`` carries a factor ``1/m``. With ``m = 1`` the
formulas are the source's per-sample formulas.

Per-sample losses (n = number of outputs, ŷ = a^J):

* MSE:  ℓ = (1/n) Σ_i (y_i − ŷ_i)²                 ∇_ŷ ℓ = −(2/n)(y − ŷ)
* BCE:  ℓ = Σ_i −y_i log ŷ_i − (1−y_i) log(1−ŷ_i)  ∇_ŷ ℓ = −y/ŷ + (1−y)/(1−ŷ)
* CCE:  ℓ = −Σ_i y_i log ŷ_i  (y one-hot)          ∇_ŷ ℓ = −y/ŷ

Sigmoid+BCE and softmax+CCE also have *fused* forms computed from the logits
``z^J``: the value via log-sum-exp / ``log1p`` (stable and exact for logits of
±1e4, where ŷ rounds to 0 or 1) and the output-layer error ϕ^J = (a^J − y)/m
without ever dividing by ŷ. A model with ``fused=True`` (the default) uses
both: :meth:`Loss.value_from_logits` for L and
:meth:`Loss.output_error_from_logits` for Eq. (1).
"""

from __future__ import annotations

import numpy as np

from .activations import Sigmoid, Softmax
from .validation import POSITIVE_INT, ArrayLike, Options, as_float_matrix, check_one

_sigmoid = Sigmoid()
_softmax = Softmax()


class Loss:
    """Base class. Subclasses set ``name`` and, if they have one, ``fused_activation``."""

    name: str = ""
    #: name of the output activation with which this loss has a fused form (or None)
    fused_activation: str | None = None

    def targets(self, y, n_outputs: int, *, name: str = "y", caller: str | None = None) -> np.ndarray:
        """Validate targets and return them as a float matrix of shape ``(n_outputs, m)``.

        ``name`` and ``caller`` (the public function checking them) name them in an error.
        """
        return as_float_matrix(y, name, rows=n_outputs, caller=caller)

    def per_sample(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """ℓ for each sample (column); shape ``(m,)``."""
        raise NotImplementedError

    def value(self, a: np.ndarray, y: np.ndarray) -> float:
        """Batch loss L = mean over samples of ℓ; a float."""
        return _mean(self.per_sample(a, y))

    def gradient(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """∇_{a^J} L of the batch mean; shape ``(n, m)``."""
        raise NotImplementedError

    # Fused forms ------------------------------------------------------
    def value_from_logits(self, z: np.ndarray, y: np.ndarray) -> float:
        """Batch loss computed stably from the logits z^J (fused losses only)."""
        raise TypeError(f"{self.name} has no fused form from logits")

    def output_error_from_logits(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        """ϕ^J = ∇_{z^J} L computed directly from the logits (fused losses only); shape ``(n, m)``."""
        raise TypeError(f"{self.name} has no fused form from logits")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MeanSquaredError(Loss):
    """ℓ = (1/n) Σ_i (y_i − ŷ_i)²; batch gradient ∇_{a^J} L = −(2/(n m)) (y − a^J)."""

    name = "mse"

    def per_sample(self, a, y):
        d = y - a
        return (d * d).sum(axis=0) / d.shape[0]

    def gradient(self, a, y):
        n, m = a.shape
        return -(2.0 / (n * m)) * (y - a)


class BinaryCrossEntropy(Loss):
    """ℓ = Σ_i −y_i log ŷ_i − (1 − y_i) log(1 − ŷ_i), summed over the outputs.

    Targets are probabilities in [0, 1] (0/1 labels for classification); one
    output per label, so several outputs make a multi-label problem. For one
    output, a 1-D array of ``m`` labels is accepted.

    Batch gradient (note the **plus** sign; the source has a sign error here)::

        ∇_{a^J} L = (1/m) (−y/a^J + (1 − y)/(1 − a^J))

    Fused with sigmoid: ℓ = Σ_i max(z_i, 0) − z_i y_i + log(1 + e^{−|z_i|}),
    ϕ^J = (σ(z^J) − y)/m.
    """

    name = "bce"
    fused_activation = "sigmoid"
    #: ŷ is clipped to [eps, 1 − eps] in the (unfused) value so log never sees 0
    eps = 1e-15

    def targets(self, y, n_outputs, *, name="y", caller=None):
        arr = np.asarray(y)
        if arr.ndim == 1 and n_outputs == 1:
            arr = arr.reshape(1, -1)
        y = as_float_matrix(arr, name, rows=n_outputs, caller=caller)
        if y.min() < 0 or y.max() > 1:
            raise ValueError(
                f"{caller + ': ' if caller else ''}expected {name} to be binary cross-entropy targets in [0, 1], "
                f"got values from {y.min()} to {y.max()}"
            )
        return y

    def per_sample(self, a, y):
        p = np.clip(a, self.eps, 1.0 - self.eps)
        return (-y * np.log(p) - (1.0 - y) * np.log1p(-p)).sum(axis=0)

    def gradient(self, a, y):
        m = a.shape[1]
        return (-y / a + (1.0 - y) / (1.0 - a)) / m

    def value_from_logits(self, z, y):
        """L from the logits: ℓ = Σ_i max(z_i, 0) − z_i y_i + log(1 + e^{−|z_i|}), mean over the batch.

        The same number as −y log σ(z) − (1 − y) log(1 − σ(z)), without forming σ(z),
        so it stays exact where σ(z) rounds to 0 or 1 (|z| > 37).
        """
        per_sample = (np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))).sum(axis=0)
        return _mean(per_sample)

    def output_error_from_logits(self, z, y):
        """Eq. (1) for sigmoid + BCE, simplified: ϕ^J = (σ(z^J) − y)/m; shape ``(n, m)``."""
        return (_sigmoid.value(z) - y) / z.shape[1]


class CategoricalCrossEntropy(Loss):
    """ℓ = −Σ_i y_i log ŷ_i with y one-hot (or integer class labels).

    Targets: a one-hot matrix of shape ``(n, m)`` (each column has a single 1),
    or a 1-D array of ``m`` integer labels in ``0 … n−1``.

    Batch gradient ∇_{a^J} L = −(1/m) y / a^J. Fused with softmax:
    ℓ = log Σ_k e^{z_k} − z_γ (γ the true class), ϕ^J = (softmax(z^J) − y)/m.
    """

    name = "cce"
    fused_activation = "softmax"
    eps = 1e-300

    def targets(self, y, n_outputs, *, name="y", caller=None):
        arr = np.asarray(y)
        if arr.ndim == 1:  # class labels 0 … n_J−1, one per sample
            return one_hot(arr, n_outputs, name=name, caller=caller)
        y = as_float_matrix(arr, name, rows=n_outputs, caller=caller)
        if not (np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=0) == 1)):
            raise ValueError(
                f"{caller + ': ' if caller else ''}expected {name} to be categorical cross-entropy targets: "
                "one-hot columns (a single 1, the rest 0) or integer labels, got other values"
            )
        return y

    def per_sample(self, a, y):
        return -(y * np.log(np.maximum(a, self.eps))).sum(axis=0)

    def gradient(self, a, y):
        return -(y / a) / a.shape[1]

    def value_from_logits(self, z, y):
        """L from the logits: ℓ = log Σ_k e^{z_k} − z_γ (γ the true class), batch mean.

        The log-sum-exp is taken after subtracting the column's max, so no e^{z} overflows;
        with y one-hot, Σ_i y_i z_i picks z_γ.
        """
        zmax = z.max(axis=0, keepdims=True)
        log_sum_exp = zmax[0] + np.log(np.exp(z - zmax).sum(axis=0))
        per_sample = log_sum_exp - (y * z).sum(axis=0)
        return _mean(per_sample)

    def output_error_from_logits(self, z, y):
        """Eq. (1) for softmax + CCE, simplified: ϕ^J = (softmax(z^J) − y)/m; shape ``(n, m)``."""
        return (_softmax.value(z) - y) / z.shape[1]


def _mean(per_sample: np.ndarray) -> float:
    """L = (1/m) Σ_s ℓ_s, the mean of the per-sample losses ``(m,)``, as a float."""
    return float(per_sample.sum()) / per_sample.shape[0]


#: class labels: a 1-D array of integers (or of whole numbers as floats), kept as they are
_LABELS = ArrayLike(ndim=1, samples=False, kinds="iuf", what="class labels", dtype=None)


def one_hot(labels, n_classes: int, *, name: str = "labels", caller: str | None = "one_hot") -> np.ndarray:
    """Integer labels of shape ``(m,)`` → one-hot matrix of shape ``(n_classes, m)``.

    ``name`` and ``caller`` (the public function checking them) name the labels in an error.
    """
    prefix = f"{caller}: " if caller else ""
    n_classes = check_one(caller, "n_classes", n_classes, POSITIVE_INT)
    labels = check_one(caller, name, labels, _LABELS)
    if labels.size == 0:
        raise ValueError(f"{prefix}expected at least one label in {name}, got an empty array")
    if labels.dtype.kind == "f":  # whole numbers written as floats are labels too
        fractions = labels[labels != np.round(labels)]
        if fractions.size:
            raise ValueError(f"{prefix}expected {name} to be integer class labels, got {float(fractions[0])!r}")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(
            f"{prefix}expected {name} to be class labels in 0 … {n_classes - 1}, "
            f"got values from {labels.min():g} to {labels.max():g}"
        )
    out = np.zeros((n_classes, labels.size))
    out[labels.astype(np.int64), np.arange(labels.size)] = 1.0
    return out


LOSSES: dict[str, type[Loss]] = {
    "mse": MeanSquaredError,
    "bce": BinaryCrossEntropy,
    "cce": CategoricalCrossEntropy,
}
_ALIASES = {
    "mean_squared_error": "mse",
    "binary_cross_entropy": "bce",
    "categorical_cross_entropy": "cce",
}


def get_loss(name_or_loss, *, caller: str = "get_loss") -> Loss:
    """Return a :class:`Loss` from its name (``"mse"``, ``"bce"``, ``"cce"`` or the long names, any case).

    ``caller`` (the public function asking) starts an error's message.
    """
    if isinstance(name_or_loss, Loss):
        return name_or_loss
    name = check_one(caller, "loss", name_or_loss, Options([*LOSSES, *_ALIASES], lower=True))
    return LOSSES[_ALIASES.get(name, name)]()
