"""Eq. (2) at work: the error signal ϕ^j travelling backwards, one layer per click.

:class:`Recursion` is the logic (no display). It holds a small deep network
``2 → units → … → units → 1`` (hidden activation of your choice, sigmoid output
with binary cross-entropy) and a fixed batch of the two-moons data.
:meth:`Recursion.start` runs the forward pass and Eq. (1) for ϕ^J; each
:meth:`Recursion.next_layer` applies Eq. (2) once with
:func:`mlp_lib.backprop.hidden_layer_error`, producing ϕ^j from w^{j+1}, ϕ^{j+1}
and σ'(z^j). :meth:`Recursion.train` takes gradient-descent steps on the same
data (so you can see how the backward pass changes as the network learns) and
starts the backward pass again.

:class:`RecursionView` is the ipywidgets view: depth, width, activation, seed
and learning-rate controls, Next layer / Full pass / Train / Reset buttons, and
a picture (matplotlib Agg → PNG in an ``ipywidgets.Image``). Both of its panels
and its status line show the same sample, the first of the batch: Eq. (2) is
elementwise per sample, so one sample's numbers multiply out exactly.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .. import datasets
from ..backprop import hidden_layer_error, output_layer_error
from ..mlp import MLP
from ..training import TrainingDiverged, sgd_step
from ..validation import int_in_range, one_of, positive_float, positive_int
from .controls import Button, Controls, TrainerPanel

HIDDEN = ("sigmoid", "tanh", "relu")


class Recursion:
    """A deep network and its backward pass, computed one layer at a time.

    Parameters
    ----------
    hidden_layers : int in 1 … 8
    units : int in 1 … 16
    activation : str
        Hidden activation, one of :data:`HIDDEN`.
    seed : int
        Initial weights and data.
    learning_rate : float > 0
    batch : int
        Number of two-moons samples in the batch.

    Attributes
    ----------
    phi : list
        ``phi[j]`` is ϕ^j once computed, else None (index 0 unused).
    current : int
        The layer whose ϕ was computed last (J after :meth:`start`, 1 when done).
    """

    def __init__(
        self,
        hidden_layers: int = 5,
        units: int = 4,
        activation: str = "sigmoid",
        seed: int = 0,
        learning_rate: float = 0.5,
        batch: int = 64,
    ):
        self.activation = one_of(activation, "activation", HIDDEN)
        self.hidden_layers = int_in_range(hidden_layers, "hidden_layers", 1, 8)
        self.units = int_in_range(units, "units", 1, 16)
        self.seed, self.learning_rate = int(seed), positive_float(learning_rate, "learning_rate")
        self.batch = positive_int(batch, "batch")
        data = datasets.moons(n=self.batch, noise=0.2, seed=self.seed)
        x = data.x
        self.x = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
        self.y = data.targets("bce")
        self.reset()

    def reset(self) -> None:
        """A fresh network from the seed (same initial weights), then :meth:`start`."""
        self.model = MLP(
            [2] + [self.units] * self.hidden_layers + [1],
            hidden=self.activation,
            output="sigmoid",
            loss="bce",
            seed=self.seed,
            fused=False,
        )
        self.steps = 0
        self.diverged = None
        self.start()

    @property
    def J(self) -> int:
        return self.model.J

    @property
    def done(self) -> bool:
        return self.current == 1

    def start(self) -> None:
        """Forward pass, then Eq. (1): ϕ^J. Later layers' ϕ are cleared."""
        model = self.model
        self.fp = model._forward(self.x)
        J = model.J
        self.phi = [None] * (J + 1)
        grad_a = model.loss.gradient(self.fp.a[J], self.y)
        self.phi[J] = output_layer_error(grad_a, self.fp.z[J], model.activations[J])
        self.current = J

    def next_layer(self) -> bool:
        """One application of Eq. (2): ϕ^{j} from ϕ^{j+1}. Returns False when ϕ^1 is already known."""
        if self.done:
            return False
        j = self.current - 1
        m = self.model
        self.phi[j] = hidden_layer_error(m.W[j + 1], self.phi[j + 1], self.fp.z[j], m.activations[j])
        self.current = j
        return True

    def full_pass(self) -> None:
        while self.next_layer():
            pass

    def parts(self, j: int | None = None) -> dict:
        """The factors of Eq. (2) for layer j (default: the current one, if hidden).

        ``back`` = (w^{j+1})ᵀ ϕ^{j+1}, ``dsigma`` = σ'(z^j), ``phi`` = their elementwise product,
        all of shape ``(n_j, m)``; None for the output layer.
        """
        j = self.current if j is None else int(j)
        if j >= self.J or self.phi[j] is None:
            return None
        m = self.model
        return {
            "j": j,
            "back": m.W[j + 1].T @ self.phi[j + 1],
            "dsigma": m.activations[j].derivative(self.fp.z[j]),
            "phi": self.phi[j],
        }

    def norms(self, sample: int | None = None) -> list:
        """‖ϕ^j‖ for j = 1 … J, NaN where not yet computed.

        Over the whole batch (Frobenius over units and samples) by default, or of one sample's
        column ϕ^j[:, sample].
        """
        cols = slice(None) if sample is None else int(sample)
        return [float(np.linalg.norm(p[:, cols])) if p is not None else np.nan for p in self.phi[1:]]

    def train(self, steps: int = 100) -> bool:
        """Full-batch gradient-descent steps on the batch, then a fresh backward pass up to ϕ^J."""
        for _ in range(int(steps)):
            try:
                sgd_step(self.model, self.x, self.y, self.learning_rate)
            except TrainingDiverged as exc:
                self.diverged = str(exc)
                break
            self.steps += 1
        self.start()
        return self.diverged is None

    def loss(self) -> float:
        return self.model._loss(self.fp, self.y)


class RecursionView(TrainerPanel):
    """ipywidgets view of a :class:`Recursion`; displays as :attr:`widget`.

    Both panels and the status line show :attr:`SAMPLE`, the first sample of the batch.
    """

    #: the sample (column of the batch) shown
    SAMPLE = 0

    def __init__(
        self,
        hidden_layers: int = 5,
        units: int = 4,
        activation: str = "sigmoid",
        seed: int = 0,
        learning_rate: float = 0.5,
        train_steps: int = 100,
        full_pass: bool = False,
    ):
        self.train_steps = int(train_steps)
        self.logic = Recursion(hidden_layers, units, activation, seed, learning_rate)
        if full_pass:  # start with the whole backward pass done (a meaningful first picture)
            self.logic.full_pass()
        make = Controls(label_width="110px", width="300px")
        self.controls = {
            "hidden_layers": make(W.IntSlider, "Hidden layers", value=hidden_layers, min=1, max=8),
            "units": make(W.IntSlider, "Units per layer", value=units, min=1, max=16),
            "activation": make(W.Dropdown, "Hidden σ", options=list(HIDDEN), value=activation),
            "seed": make(W.IntSlider, "Seed", value=seed, min=0, max=20),
            "learning_rate": make.learning_rate(learning_rate),
        }
        c = self.controls
        buttons = (
            Button("next_layer", "Next layer", "apply Eq. (2) once", icon="step-backward"),
            Button("full_pass", "Full pass", "apply Eq. (2) down to layer 1", icon="fast-backward"),
            Button(
                "train",
                "Train",
                f"{self.train_steps} gradient-descent steps, then restart the pass",
                icon="play",
                style="success",
            ),
            Button("reset", "Reset", "a fresh network from the settings", icon="undo"),
        )
        self._build(
            ([c["hidden_layers"], c["units"], c["activation"]], [c["seed"], c["learning_rate"]]), buttons, width="680px"
        )
        self.refresh()

    def _on_control(self, change) -> None:
        if change["owner"] is self.controls["learning_rate"]:
            self.logic.learning_rate = float(change["new"])
            self.logic.diverged = None
            return
        super()._on_control(change)

    def make_logic(self) -> Recursion:
        c = self.controls
        return Recursion(
            c["hidden_layers"].value, c["units"].value, c["activation"].value, c["seed"].value, c["learning_rate"].value
        )

    def _advance(self, steps: int) -> bool:
        return self.logic.train(steps)

    def next_layer(self) -> None:
        """Eq. (2) once; after ϕ^1, start the backward pass again."""
        if self.logic.done:
            self.logic.start()
        else:
            self.logic.next_layer()
        self.refresh()

    def full_pass(self) -> None:
        self.logic.full_pass()
        self.refresh()

    def status_html(self) -> str:
        s = self.logic
        p = s.parts()
        J = s.J
        if p is None:
            text = (
                f"ϕ<sup>{J}</sup> from Eq. (1). Next: ϕ<sup>{J - 1}</sup> = "
                f"((w<sup>{J}</sup>)<sup>T</sup> ϕ<sup>{J}</sup>) ∘ σ′(z<sup>{J - 1}</sup>)."
            )
        else:
            j, n = p["j"], self.SAMPLE
            W_next, phi_next = s.model.W[j + 1], s.phi[j + 1][:, n]
            terms = " + ".join(f"({W_next[k, 0]:.3g})({phi_next[k]:.3g})" for k in range(min(3, W_next.shape[0])))
            if W_next.shape[0] > 3:
                terms += " + …"
            text = (
                f"ϕ<sub>1</sub><sup>{j}</sup> = Σ<sub>k</sub> w<sup>{j + 1}</sup><sub>k,1</sub> "
                f"ϕ<sup>{j + 1}</sup><sub>k</sub> · σ′(z<sup>{j}</sup><sub>1</sub>) = [{terms}] · "
                f"{p['dsigma'][0, n]:.3g} = {p['phi'][0, n]:.3g}   (unit 1, first sample of the batch)"
            )
        return f"<code>{text}</code>"

    def figure(self, size=(9.0, 3.7), dpi: int = 80) -> Figure:
        s, n = self.logic, self.SAMPLE
        fig = Figure(figsize=size, dpi=dpi)
        fig.subplots_adjust(left=0.07, right=0.97, bottom=0.16, top=0.86, wspace=0.3)
        ax1, ax2 = fig.subplots(1, 2, width_ratios=[1.2, 1.0])
        J = s.J
        p = s.parts()
        if p is None:
            ax1.text(
                0.5,
                0.5,
                f"$\\phi^{{{J}}}$ (output layer) comes from Eq. (1).\nPress 'Next layer' to apply Eq. (2).",
                ha="center",
                va="center",
                transform=ax1.transAxes,
            )
            ax1.set_axis_off()
        else:
            j, units = p["j"], p["phi"].shape[0]
            cols = [
                (f"$(w^{{{j + 1}}})^{{\\mathsf{{T}}}} \\phi^{{{j + 1}}}$", p["back"][:, n]),
                (f"$\\sigma'(z^{{{j}}})$", p["dsigma"][:, n]),
                (f"$\\phi^{{{j}}}$", p["phi"][:, n]),
            ]
            rows = min(units, 8)
            ax1.set_xlim(0, 7)
            ax1.set_ylim(rows + 0.2, -1.0)
            ax1.set_axis_off()
            for c, (label, values) in enumerate(cols):
                x0 = 0.6 + 2.2 * c
                ax1.text(x0 + 0.9, -0.45, label, ha="center", va="center", fontsize=10)
                for i in range(rows):
                    v = values[i]
                    color = "#f4c7c3" if v < 0 else "#c6e2f5" if v > 0 else "#eeeeee"
                    ax1.add_patch(Rectangle((x0, i), 1.8, 0.9, facecolor=color, edgecolor="gray"))
                    ax1.text(x0 + 0.9, i + 0.45, f"{v:.3g}", ha="center", va="center", fontsize=9)
                if c < 2:
                    ax1.text(x0 + 2.0, rows / 2, "∘" if c == 0 else "=", ha="center", va="center", fontsize=16)
            for i in range(rows):
                ax1.text(0.3, i + 0.45, f"i={i + 1}", ha="center", va="center", fontsize=9, color="gray")
            more = f" (first 8 of {units} units)" if units > rows else ""
            ax1.set_title(f"Eq. (2) for layer $j = {j}$, first sample{more}", fontsize=10)
        norms = s.norms(sample=n)
        layers = np.arange(1, J + 1)
        colors = ["tab:red" if k == s.current else "tab:blue" for k in layers]
        shown = np.where(np.isnan(norms), 0.0, norms)
        ax2.bar(layers, np.maximum(shown, 1e-12), color=colors)
        ax2.set_yscale("log")
        finite = [v for v in norms if np.isfinite(v) and v > 0]
        lo = min(finite) if finite else 1e-3
        hi = max(finite) if finite else 1.0
        ax2.set_ylim(lo / 10, hi * 10)
        for k, v in zip(layers, norms):
            if np.isnan(v):
                ax2.text(k, lo / 5, "?", ha="center", va="bottom", fontsize=11, color="gray")
        ax2.set_xticks(layers)
        ax2.set_xlabel("layer $j$ ($J$ = output)")
        ax2.set_ylabel("$\\|\\phi^j\\|$ of the first sample")
        ax2.set_title(
            f"{s.activation}, {s.hidden_layers} hidden × {s.units}; step {s.steps}, batch loss {s.loss():.3f}",
            fontsize=10,
        )
        return fig
