"""Logits → softmax probabilities → output-layer error ϕ^J = a^J − y, as a small widget.

:class:`SoftmaxOutput` is the whole computation (no display): K logits z^J and a true class γ
give the probabilities a^J = softmax(z^J), the one-hot target y, the output-layer error
ϕ^J = a^J − y of softmax with categorical cross-entropy (one sample, so no 1/m) and the loss
ℓ = log Σ_k e^{z_k} − z_γ. All of it comes from :mod:`mlp_lib` (the fused
:meth:`~mlp_lib.losses.CategoricalCrossEntropy.output_error_from_logits` and
:meth:`~mlp_lib.losses.CategoricalCrossEntropy.value_from_logits`), so the widget shows the
library's numbers, not a second implementation. Classes are numbered from 0, as in the code
(``true_class=1`` is the second class), and the widget says so.

:class:`SoftmaxOutputView` is the ipywidgets view: one slider per logit, a dropdown for the true
class, the loss as its status line and three bar charts (probabilities, target, ϕ^J) drawn by
:func:`draw_state` with matplotlib Agg into an ``ipywidgets.Image`` (core widgets only: the
picture is saved in the notebook's widget state and shows on the static site).
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from ..activations import Softmax
from ..losses import CategoricalCrossEntropy, one_hot
from ..validation import as_float_matrix, int_in_range
from .controls import Controls, Panel
from .rendering import figure_png

_cce = CategoricalCrossEntropy()
_softmax = Softmax()
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


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


def draw_state(state: SoftmaxOutput, dpi: int = 80) -> bytes:
    """Three bar charts (a^J, y, ϕ^J) as PNG bytes."""
    K = state.logits.size
    labels = [f"class {k}" for k in range(K)]
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    fig = Figure(figsize=(9.0, 2.9), dpi=dpi)
    axes = fig.subplots(1, 3)
    panels = [
        (state.probabilities, r"probabilities $a^J = \mathrm{softmax}(z^J)$", (0, 1.05)),
        (state.target, r"one-hot target $y$", (0, 1.05)),
        (state.phi, r"error $\phi^J = a^J - y$", (-1.2, 1.1)),
    ]
    for ax, (values, title, ylim) in zip(axes, panels):
        bars = ax.bar(range(K), values, color=[colors[k % len(colors)] for k in range(K)])
        bars[state.true_class].set_edgecolor("black")
        bars[state.true_class].set_linewidth(2)
        ax.set_xticks(range(K), labels, fontsize=9)
        ax.set_ylim(*ylim)
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_title(title, fontsize=10)
        for k, v in enumerate(values):
            ax.text(k, v + (0.03 if v >= 0 else -0.09), f"{v:.3f}", ha="center", fontsize=9)
    fig.suptitle(
        rf"true class $\gamma = {state.true_class}$ (counting from 0)   ·   "
        rf"loss $\ell = -\log a_\gamma = {state.loss:.4f}$   ·   sum of the $\phi^J$ bars = {state.phi.sum():+.1e}",
        fontsize=10,
    )
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.1, top=0.8, wspace=0.25)
    return figure_png(fig)


class SoftmaxOutputView(Panel):
    """Sliders for the logits, a dropdown for the true class, the loss and three bar charts.

    Parameters
    ----------
    logits : sequence of float
        Initial logits z^J (their number K is the number of classes; 3 by default).
    true_class : int
        Initial true class γ (counting from 0).
    limit : float
        The sliders run from −limit to +limit.

    Attributes
    ----------
    sliders : list of ipywidgets.FloatSlider
        The logits z₀ … z_{K−1}.
    class_dropdown : ipywidgets.Dropdown
    logic : SoftmaxOutput
        What is shown now.
    """

    def __init__(self, logits=(2.0, 1.0, -1.0), true_class: int = 1, limit: float = 6.0):
        logits = [float(v) for v in logits]
        self.logic = SoftmaxOutput(logits, true_class)
        make = Controls(width="300px")
        self.sliders = [
            make(W.FloatSlider, "logit z" + str(k).translate(_SUBSCRIPTS), value=v, min=-limit, max=limit, step=0.1)
            for k, v in enumerate(logits)
        ]
        self.class_dropdown = Controls(width="220px")(
            W.Dropdown, "true class", options=[(f"class {k}", k) for k in range(len(logits))], value=int(true_class)
        )
        self._build((self.sliders, self.class_dropdown), status_label="loss", width="680px")
        self.refresh()

    def logits(self) -> np.ndarray:
        return np.array([s.value for s in self.sliders])

    def make_logic(self) -> SoftmaxOutput:
        return SoftmaxOutput(self.logits(), self.class_dropdown.value)

    def status_html(self) -> str:
        return f"ℓ = log Σ<sub>k</sub> e<sup>z<sub>k</sub></sup> − z<sub>γ</sub> = <b>{self.logic.loss:.4f}</b>"

    def picture(self) -> bytes:
        return draw_state(self.logic)
