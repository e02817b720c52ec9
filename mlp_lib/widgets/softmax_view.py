"""Logits → softmax probabilities → output-layer error ϕ^J = a^J − y, as a small widget.

:func:`softmax_state` is the whole computation (no display): three (or more)
logits z^J and a true class γ give the probabilities a^J = softmax(z^J), the
one-hot target y, the output-layer error ϕ^J = a^J − y of softmax with
categorical cross-entropy (one sample, so no 1/m) and the loss
ℓ = log Σ_k e^{z_k} − z_γ. All of it comes from :mod:`mlp_lib` (the fused
:meth:`~mlp_lib.losses.CategoricalCrossEntropy.output_error_from_logits` and
:meth:`~mlp_lib.losses.CategoricalCrossEntropy.value_from_logits`), so the
widget shows the library's numbers, not a second implementation.

:class:`SoftmaxView` is the ipywidgets view: one slider per logit, a dropdown
for the true class, three bar charts (probabilities, target, ϕ^J) drawn with
matplotlib Agg into an ``ipywidgets.Image`` (core widgets only: the picture is
saved in the notebook's widget state and shows on the static site), and the
loss. Its handlers are plain methods, so tests drive it by setting ``.value``.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..losses import CategoricalCrossEntropy, one_hot
from ..activations import Softmax
from .rendering import figure_png

_cce = CategoricalCrossEntropy()
_softmax = Softmax()


@dataclass
class SoftmaxState:
    """What the widget shows for one choice of logits and true class (all shape ``(K,)``)."""

    logits: np.ndarray
    true_class: int
    probabilities: np.ndarray
    target: np.ndarray
    phi: np.ndarray
    loss: float


def softmax_state(logits, true_class: int) -> SoftmaxState:
    """Probabilities, one-hot target, ϕ^J = a^J − y and the CCE loss for one sample.

    ``logits`` is a sequence of K finite numbers (z^J); ``true_class`` is γ in 0 … K−1.
    """
    z = np.asarray(logits, dtype=np.float64).reshape(-1)
    if z.size < 2 or not np.all(np.isfinite(z)):
        raise ValueError(f"expected at least two finite logits, got {logits!r}")
    K = z.size
    if isinstance(true_class, bool) or not isinstance(true_class, (int, np.integer)) or not 0 <= true_class < K:
        raise ValueError(f"expected the true class as an integer in 0 … {K - 1}, got {true_class!r}")
    zc = z.reshape(-1, 1)
    y = one_hot(np.array([true_class]), K)
    return SoftmaxState(
        logits=z,
        true_class=int(true_class),
        probabilities=_softmax.value(zc)[:, 0],
        target=y[:, 0],
        phi=_cce.output_error_from_logits(zc, y)[:, 0],  # m = 1: (a − y)/1
        loss=_cce.value_from_logits(zc, y),
    )


def draw_state(state: SoftmaxState, dpi: int = 80) -> bytes:
    """Three bar charts (a^J, y, ϕ^J) as PNG bytes."""
    K = state.logits.size
    labels = [f"class {k + 1}" for k in range(K)]
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    fig = Figure(figsize=(9.0, 2.9), dpi=dpi)
    FigureCanvasAgg(fig)
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
        ax.set_xticks(range(K), labels, fontsize=8)
        ax.set_ylim(*ylim)
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_title(title, fontsize=10)
        for k, v in enumerate(values):
            ax.text(k, v + (0.03 if v >= 0 else -0.09), f"{v:.3f}", ha="center", fontsize=8)
    fig.suptitle(
        f"true class γ = {state.true_class + 1}   ·   loss ℓ = −log a_γ = {state.loss:.4f}   ·   "
        f"sum of the ϕ bars = {state.phi.sum():+.1e}",
        fontsize=10,
    )
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.1, top=0.8, wspace=0.25)
    return figure_png(fig)


class SoftmaxView:
    """Sliders for the logits, a dropdown for the true class, bar charts and the loss.

    Parameters
    ----------
    logits : sequence of float
        Initial logits z^J (their number K is the number of classes; 3 by default).
    true_class : int
        Initial true class γ (0-based).
    limit : float
        The sliders run from −limit to +limit.

    Attributes
    ----------
    sliders : list of ipywidgets.FloatSlider
    class_dropdown : ipywidgets.Dropdown
    image : ipywidgets.Image
    loss_label : ipywidgets.HTML
    state : SoftmaxState
        What is shown now.
    widget : ipywidgets.VBox
    """

    def __init__(self, logits=(2.0, 1.0, -1.0), true_class: int = 1, limit: float = 6.0):
        logits = [float(v) for v in logits]
        self.sliders = [
            W.FloatSlider(
                value=v, min=-limit, max=limit, step=0.1, description=f"logit z{k + 1}",
                continuous_update=False, layout=W.Layout(width="300px"),
            )
            for k, v in enumerate(logits)
        ]
        self.class_dropdown = W.Dropdown(
            options=[(f"class {k + 1}", k) for k in range(len(logits))], value=int(true_class),
            description="true class", layout=W.Layout(width="220px"),
        )
        self.image = W.Image(format="png", layout=W.Layout(width="760px"))
        self.loss_label = W.HTML(description="loss")
        for control in (*self.sliders, self.class_dropdown):
            control.observe(self._on_change, names="value")
        self.widget = W.VBox([W.HBox([W.VBox(self.sliders), self.class_dropdown]), self.loss_label, self.image])
        self.update()

    def _on_change(self, _change=None) -> None:
        self.update()

    def logits(self) -> np.ndarray:
        return np.array([s.value for s in self.sliders])

    def update(self) -> None:
        """Recompute from the controls and redraw."""
        self.state = softmax_state(self.logits(), self.class_dropdown.value)
        self.loss_label.value = (
            f"ℓ = log Σ<sub>k</sub> e<sup>z<sub>k</sub></sup> − z<sub>γ</sub> = <b>{self.state.loss:.4f}</b>"
        )
        self.image.value = draw_state(self.state)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
