"""Logits → softmax probabilities → output-layer error ϕ^J = a^J − y, as a small widget.

:class:`SoftmaxOutput` is the whole computation (no display): K logits z^J and a true class γ
give the probabilities a^J = softmax(z^J), the one-hot target y, the output-layer error
ϕ^J = a^J − y of softmax with categorical cross-entropy (one sample, so no 1/m) and the loss
ℓ = log Σ_k e^{z_k} − z_γ. All of it comes from :mod:`mlp_lib` (the fused
:meth:`~mlp_lib.losses.CategoricalCrossEntropy.output_error_from_logits` and
:meth:`~mlp_lib.losses.CategoricalCrossEntropy.value_from_logits`). Classes are numbered from 0,
as in the code (``true_class=1`` is the second class), and the widget says so.

:class:`SoftmaxOutputView` is the explorer, an anywidget whose front end (``web/engine.js`` +
``web/ui.js`` + ``web/softmax_view.js``) computes the same numbers in the reader's browser with
the engine's softmax and fused cross-entropy: one slider per logit, a drop-down for the true
class, the loss in the status line, three bar charts (a^J, y, ϕ^J) and a table of their numbers.
Python and the page share ``logits``, ``true_class`` and ``limit``; :attr:`SoftmaxOutputView.logic`
is the :class:`SoftmaxOutput` of what the page shows. ``tests/widgets/test_widget_softmax_view.py``
compares the page's numbers with it.
"""

from __future__ import annotations

import math
import numbers

import anywidget
import numpy as np
import traitlets

from ..activations import Softmax
from ..losses import CategoricalCrossEntropy, one_hot
from ..validation import as_float_matrix, int_in_range
from .esm import assemble

_cce = CategoricalCrossEntropy()
_softmax = Softmax()

#: one slider and one bar colour per class
MAX_CLASSES = 10


class SoftmaxOutput:
    """Probabilities, one-hot target, ϕ^J = a^J − y and the CCE loss for one sample.

    Parameters
    ----------
    logits : sequence of at least two finite numbers
        z^J; their number K is the number of classes.
    true_class : int
        γ in 0 … K − 1 (classes are numbered from 0, as in the code).

    Attributes
    ----------
    logits, probabilities, target, phi : numpy arrays of shape ``(K,)``
    true_class : int
    loss : float
    """

    def __init__(self, logits, true_class: int):
        zc = as_float_matrix(np.reshape(np.asarray(logits, dtype=float), (-1, 1)), "logits")
        K = zc.shape[0]
        if K < 2:
            raise ValueError(f"expected at least two logits, got {K}")
        self.true_class = int_in_range(true_class, "true_class", 0, K - 1)
        y = one_hot(np.array([self.true_class]), K)
        self.logits = zc[:, 0]
        self.probabilities = _softmax.value(zc)[:, 0]
        self.target = y[:, 0]
        self.phi = _cce.output_error_from_logits(zc, y)[:, 0]  # m = 1: (a − y)/1
        self.loss = _cce.value_from_logits(zc, y)


def _limit(value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"expected limit to be a positive number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"expected limit to be a positive finite number, got {value}")
    return float(value)


def _logits(value, limit: float) -> list:
    """``value`` as a list of 2 … MAX_CLASSES floats in [−limit, limit]."""
    try:
        z = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"expected logits, a sequence of numbers, got {value!r:.100}") from None
    if z.ndim != 1 or not 2 <= z.size <= MAX_CLASSES:
        raise ValueError(f"expected 2 … {MAX_CLASSES} logits in a flat sequence, got shape {z.shape}")
    if not np.isfinite(z).all() or np.abs(z).max() > limit:
        raise ValueError(f"expected logits between −{limit:g} and {limit:g} (the sliders' range), got {z.tolist()}")
    return [float(v) for v in z]


class SoftmaxOutputView(anywidget.AnyWidget):
    """Sliders for the logits, a drop-down for the true class, the loss and three bar charts, live in the page.

    Parameters
    ----------
    logits : sequence of float
        Initial logits z^J (their number K, 2 … 10, is the number of classes; 3 by default).
    true_class : int
        Initial true class γ (counting from 0).
    limit : float
        The sliders run from −limit to +limit (in steps of 0.1); every logit must lie in that range.

    Attributes
    ----------
    logits : list of float
        z₀ … z_{K−1} as the page shows them (the page writes them back).
    true_class : int
    logic : SoftmaxOutput
        What is shown now, computed by mlp_lib.
    """

    _esm = assemble("ui.js", "softmax_view.js")

    logits = traitlets.List(traitlets.Float()).tag(sync=True)
    true_class = traitlets.Int(1).tag(sync=True)
    limit = traitlets.Float(6.0).tag(sync=True)

    def __init__(self, logits=(2.0, 1.0, -1.0), true_class: int = 1, limit: float = 6.0):
        limit = _limit(limit)
        logits = _logits(logits, limit)
        true_class = int_in_range(true_class, "true_class", 0, len(logits) - 1)
        super().__init__(limit=limit, logits=logits, true_class=true_class)

    @traitlets.validate("logits")
    def _valid_logits(self, proposal):
        try:
            logits = _logits(proposal["value"], self.limit)
        except ValueError as exc:
            raise traitlets.TraitError(f"could not set logits: {exc}") from exc
        if self.true_class >= len(logits):
            raise traitlets.TraitError(
                f"could not set logits: the true class {self.true_class} is not one of {len(logits)} classes; "
                "set true_class first"
            )
        return logits

    @traitlets.validate("true_class")
    def _valid_true_class(self, proposal):
        try:
            return int_in_range(proposal["value"], "true_class", 0, max(len(self.logits), 2) - 1)
        except ValueError as exc:
            raise traitlets.TraitError(f"could not set true_class: {exc}") from exc

    @traitlets.validate("limit")
    def _valid_limit(self, proposal):
        try:
            limit = _limit(proposal["value"])
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(f"could not set limit: {exc}") from exc
        if self.logits and max(abs(v) for v in self.logits) > limit:
            raise traitlets.TraitError(f"could not set limit: expected a limit ≥ every |logit|, got {limit:g}")
        return limit

    @property
    def logic(self) -> SoftmaxOutput:
        """The probabilities, target, ϕ^J and loss of the page's logits and true class, by mlp_lib."""
        return SoftmaxOutput(self.logits, self.true_class)
