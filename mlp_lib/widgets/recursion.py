"""Eq. (2) at work: the error signal ϕ^j travelling backwards, one layer per click.

:class:`BackwardStepper` is the logic (no display). It holds a small deep
network ``2 → units → … → units → 1`` (hidden activation of your choice,
sigmoid output with binary cross-entropy) and a fixed batch of the two-moons
data. :meth:`BackwardStepper.start` runs the forward pass and Eq. (1) for ϕ^J;
each :meth:`BackwardStepper.next_layer` applies Eq. (2) once with
:func:`mlp_lib.backprop.hidden_layer_error`, producing ϕ^j from w^{j+1},
ϕ^{j+1} and σ'(z^j). :meth:`BackwardStepper.train` takes gradient-descent steps
on the same data (so you can see how the backward pass changes as the network
learns) and starts the backward pass again.

:class:`RecursionExplorer` is the ipywidgets view: depth, width, activation,
seed and learning-rate controls, Next layer / Full pass / Train / Reset buttons,
and a picture (matplotlib Agg → PNG in an ``ipywidgets.Image``).
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
from .rendering import figure_png

HIDDEN = ("sigmoid", "tanh", "relu")



class BackwardStepper:
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

    def __init__(self, hidden_layers: int = 5, units: int = 4, activation: str = "sigmoid", seed: int = 0,
                 learning_rate: float = 0.5, batch: int = 64):
        if activation not in HIDDEN:
            raise ValueError(f"expected activation among {list(HIDDEN)}, got {activation!r}")
        if not 1 <= int(hidden_layers) <= 8:
            raise ValueError(f"expected hidden_layers in 1 … 8, got {hidden_layers}")
        if not 1 <= int(units) <= 16:
            raise ValueError(f"expected units in 1 … 16, got {units}")
        self.hidden_layers, self.units, self.activation = int(hidden_layers), int(units), activation
        self.seed, self.learning_rate, self.batch = int(seed), float(learning_rate), int(batch)
        data = datasets.moons(n=self.batch, noise=0.2, seed=self.seed)
        x = data.x
        self.x = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
        self.y = data.targets("bce")
        self.model = MLP([2] + [self.units] * self.hidden_layers + [1], hidden=activation, output="sigmoid",
                         loss="bce", seed=self.seed, fused=False)
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

    def norms(self) -> list:
        """‖ϕ^j‖ (Frobenius over units and samples) for j = 1 … J, NaN where not yet computed."""
        return [float(np.linalg.norm(p)) if p is not None else np.nan for p in self.phi[1:]]

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

    # ------------------------------------------------------------------
    def figure(self, size=(10.0, 3.8), dpi: int = 80) -> Figure:
        fig = Figure(figsize=size, dpi=dpi)
        fig.subplots_adjust(left=0.07, right=0.97, bottom=0.16, top=0.86, wspace=0.3)
        ax1, ax2 = fig.subplots(1, 2, width_ratios=[1.2, 1.0])
        J = self.J
        p = self.parts()
        if p is None:
            ax1.text(0.5, 0.5, f"ϕ^{J} (output layer) comes from Eq. (1).\nPress 'Next layer' to apply Eq. (2).",
                     ha="center", va="center", transform=ax1.transAxes)
            ax1.set_axis_off()
        else:
            j, n = p["j"], p["phi"].shape[0]
            s = 0  # first sample of the batch
            cols = [("(w^%d)ᵀ ϕ^%d" % (j + 1, j + 1), p["back"][:, s]), ("σ′(z^%d)" % j, p["dsigma"][:, s]),
                    ("ϕ^%d" % j, p["phi"][:, s])]
            rows = min(n, 8)
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
                ax1.text(0.3, i + 0.45, f"i={i + 1}", ha="center", va="center", fontsize=8, color="gray")
            more = f" (first 8 of {n} units)" if n > rows else ""
            ax1.set_title(f"Eq. (2) for layer j = {j}, first sample{more}", fontsize=10)
        norms = self.norms()
        layers = np.arange(1, J + 1)
        colors = ["tab:red" if k == self.current else "tab:blue" for k in layers]
        shown = np.where(np.isnan(norms), 0.0, norms)
        ax2.bar(layers, np.maximum(shown, 1e-12), color=colors)
        for k, v in zip(layers, norms):
            if np.isnan(v):
                pass
        ax2.set_yscale("log")
        finite = [v for v in norms if np.isfinite(v) and v > 0]
        lo = min(finite) if finite else 1e-3
        hi = max(finite) if finite else 1.0
        ax2.set_ylim(lo / 10, hi * 10)
        for k, v in zip(layers, norms):
            if np.isnan(v):
                ax2.text(k, lo / 5, "?", ha="center", va="bottom", fontsize=11, color="gray")
        ax2.set_xticks(layers)
        ax2.set_xlabel("layer j (J = output)")
        ax2.set_ylabel("‖ϕ^j‖")
        ax2.set_title(f"{self.activation}, {self.hidden_layers} hidden × {self.units}; "
                      f"step {self.steps}, loss {self.loss():.3f}", fontsize=10)
        return fig

    def png(self, **kwargs) -> bytes:
        return figure_png(self.figure(**kwargs))


class RecursionExplorer:
    """ipywidgets view of a :class:`BackwardStepper`; displays as :attr:`widget`."""

    def __init__(self, hidden_layers: int = 5, units: int = 4, activation: str = "sigmoid", seed: int = 0,
                 learning_rate: float = 0.5, train_steps: int = 100, full_pass: bool = False):
        self.train_steps = int(train_steps)
        self.stepper = BackwardStepper(hidden_layers, units, activation, seed, learning_rate)
        if full_pass:   # start with the whole backward pass done (a meaningful first picture)
            self.stepper.full_pass()
        style = {"description_width": "110px"}
        lay = W.Layout(width="300px")
        self.controls = {
            "hidden_layers": W.IntSlider(value=hidden_layers, min=1, max=8, description="Hidden layers",
                                         style=style, layout=lay, continuous_update=False),
            "units": W.IntSlider(value=units, min=1, max=16, description="Units per layer",
                                 style=style, layout=lay, continuous_update=False),
            "activation": W.Dropdown(options=list(HIDDEN), value=activation, description="Hidden σ",
                                     style=style, layout=lay),
            "seed": W.IntSlider(value=seed, min=0, max=20, description="Seed", style=style, layout=lay,
                                continuous_update=False),
            "learning_rate": W.FloatLogSlider(value=learning_rate, base=10, min=-3, max=1, step=0.1,
                                              description="Learning rate", style=style, layout=lay,
                                              continuous_update=False),
        }
        self.buttons = {
            "next": W.Button(description="Next layer", tooltip="apply Eq. (2) once"),
            "full": W.Button(description="Full pass", tooltip="apply Eq. (2) down to layer 1"),
            "train": W.Button(description=f"Train {self.train_steps}", tooltip="gradient-descent steps, then restart"),
            "reset": W.Button(description="Reset", tooltip="a fresh network from the settings"),
        }
        self.buttons["next"].on_click(lambda _: self.next_layer())
        self.buttons["full"].on_click(lambda _: self.full_pass())
        self.buttons["train"].on_click(lambda _: self.train())
        self.buttons["reset"].on_click(lambda _: self.reset())
        for name, c in self.controls.items():
            c.observe(self._on_change, names="value")
        self.status = W.HTML()
        self.image = W.Image(format="png", layout=W.Layout(width="800px"))
        c = self.controls
        self.widget = W.VBox([
            W.HBox([W.VBox([c["hidden_layers"], c["units"], c["activation"]]),
                    W.VBox([c["seed"], c["learning_rate"]])]),
            W.HBox(list(self.buttons.values())),
            self.status,
            self.image,
        ])
        self.refresh()

    def _on_change(self, change) -> None:
        if change["owner"] is self.controls["learning_rate"]:
            self.stepper.learning_rate = float(change["new"])
            self.stepper.diverged = None
            return
        self.reset()

    def reset(self) -> None:
        c = self.controls
        self.stepper = BackwardStepper(c["hidden_layers"].value, c["units"].value, c["activation"].value,
                                       c["seed"].value, c["learning_rate"].value)
        self.refresh()

    def next_layer(self) -> None:
        if self.stepper.done:   # wrap around: start the backward pass again
            self.stepper.start()
        else:
            self.stepper.next_layer()
        self.refresh()

    def full_pass(self) -> None:
        self.stepper.full_pass()
        self.refresh()

    def train(self) -> None:
        self.stepper.train(self.train_steps)
        self.refresh()

    def refresh(self) -> None:
        s = self.stepper
        p = s.parts()
        if p is None:
            text = f"ϕ^{s.J} from Eq. (1). Next: ϕ^{s.J - 1} = ((w^{s.J})ᵀ ϕ^{s.J}) ∘ σ′(z^{s.J - 1})."
        else:
            j = p["j"]
            W_next, phi_next = s.model.W[j + 1], s.phi[j + 1][:, 0]
            terms = " + ".join(f"({W_next[k, 0]:.3g})({phi_next[k]:.3g})" for k in range(min(3, W_next.shape[0])))
            if W_next.shape[0] > 3:
                terms += " + …"
            text = (f"ϕ_1^{j} = Σ_k w_(k,1)^{j + 1} ϕ_k^{j + 1} · σ′(z_1^{j}) = [{terms}] · "
                    f"{p['dsigma'][0, 0]:.3g} = {p['phi'][0, 0]:.3g}   (first sample)")
        if s.diverged:
            text += f"<br><b>{s.diverged}</b>"
        self.status.value = f"<code>{text}</code>"
        self.image.value = s.png()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
