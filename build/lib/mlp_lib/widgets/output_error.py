"""Eq. (1) at work: ϕ^J = ∇_{a^J} L ∘ σ'(z^J) for one output unit, and gradient descent on z^J.

:class:`OutputError` is the logic (no display): one output unit with
pre-activation ``z``, target ``y``, an output activation σ and a loss L taken
from :mod:`mlp_lib` (one sample, m = 1, so the batch mean is the source's
per-sample loss). It computes the three factors of Eq. (1) — ∇_a L, σ'(z) and
their product ϕ — with :func:`mlp_lib.backprop.output_layer_error`, and
:meth:`OutputError.step` moves z against ϕ (z ← z − η ϕ), as if z^J were
a free parameter.

:class:`OutputErrorView` is the ipywidgets view: pairing, z, y and
learning-rate controls, Step/Train/Reset buttons and a picture (matplotlib Agg
→ PNG in an ``ipywidgets.Image``) with the loss as a function of z (the slope
of its tangent is ϕ) and bars of the three factors.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from ..activations import get_activation
from ..backprop import output_layer_error
from ..losses import get_loss
from ..validation import one_of, positive_float
from .controls import Controls, TrainerPanel

#: output activation + loss pairings offered: key → (activation, loss, label)
OUTPUT_PAIRINGS = {
    "sigmoid+mse": ("sigmoid", "mse", "sigmoid + MSE"),
    "sigmoid+bce": ("sigmoid", "bce", "sigmoid + BCE"),
    "tanh+mse": ("tanh", "mse", "tanh + MSE"),
    "identity+mse": ("identity", "mse", "identity + MSE"),
    "relu+mse": ("relu", "mse", "ReLU + MSE"),
}
Z_RANGE = (-6.0, 6.0)


def _col(v: float) -> np.ndarray:
    return np.array([[float(v)]])


class OutputError:
    """One output unit: the factors of Eq. (1) and gradient descent on z.

    Parameters
    ----------
    pairing : str
        A key of :data:`OUTPUT_PAIRINGS`.
    z, y : float
        Pre-activation z^J and target y (BCE needs y in [0, 1]).
    learning_rate : float > 0
    """

    def __init__(self, pairing: str = "sigmoid+mse", z: float = 3.0, y: float = 0.0, learning_rate: float = 1.0):
        self.set_pairing(pairing)
        self.z0 = float(z)
        self.y = float(y)
        self.learning_rate = positive_float(learning_rate, "learning_rate")
        self.reset()

    def set_pairing(self, pairing: str) -> None:
        self.pairing = one_of(pairing, "a pairing", OUTPUT_PAIRINGS)
        act, loss, _ = OUTPUT_PAIRINGS[pairing]
        self.activation = get_activation(act)
        self.loss = get_loss(loss)

    def reset(self, z: float | None = None) -> None:
        """Back to the starting z (or a new one); clears the history."""
        if z is not None:
            self.z0 = float(z)
        self.z = self.z0
        self.history = {"step": [0], "z": [self.z], "loss": [self.loss_at(self.z)], "phi": [self.factors()["phi"]]}

    def loss_at(self, z) -> np.ndarray | float:
        """L(σ(z), y) for a number or an array of numbers z."""
        z = np.asarray(z, dtype=float)
        a = self.activation.value(z.reshape(1, -1))
        y = np.full_like(a, self.y)
        vals = self.loss.per_sample(a, y)
        return float(vals[0]) if z.ndim == 0 else vals

    def factors(self, z: float | None = None) -> dict:
        """``{"z", "a", "grad_a", "dsigma", "phi", "loss"}`` at z (default: the current z).

        ``phi`` comes from :func:`mlp_lib.backprop.output_layer_error`, the library's Eq. (1).
        """
        z = self.z if z is None else float(z)
        zc = _col(z)
        a = self.activation.value(zc)
        yc = _col(self.y)
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_a = self.loss.gradient(a, yc)
            phi = output_layer_error(grad_a, zc, self.activation)
        return {
            "z": z,
            "a": float(a[0, 0]),
            "grad_a": float(grad_a[0, 0]),
            "dsigma": float(self.activation.derivative(zc)[0, 0]),
            "phi": float(phi[0, 0]),
            "loss": self.loss_at(z),
        }

    def step(self, n: int = 1) -> None:
        """``n`` gradient steps z ← z − η ϕ^J (z is clipped to the plotted range)."""
        for _ in range(int(n)):
            phi = self.factors()["phi"]
            if not np.isfinite(phi):
                break
            self.z = float(np.clip(self.z - self.learning_rate * phi, *Z_RANGE))
            h = self.history
            h["step"].append(h["step"][-1] + 1)
            h["z"].append(self.z)
            h["loss"].append(self.loss_at(self.z))
            h["phi"].append(self.factors()["phi"])


class OutputErrorView(TrainerPanel):
    """ipywidgets view of an :class:`OutputError`: pairing, start z, target, learning rate; Step / Train / Reset."""

    def __init__(
        self,
        pairing: str = "sigmoid+mse",
        z: float = 3.0,
        y: float = 0.0,
        learning_rate: float = 1.0,
        train_steps: int = 20,
    ):
        self.logic = OutputError(pairing, z, y, learning_rate)
        self.train_steps = int(train_steps)
        make = Controls(label_width="120px", width="320px")
        pairings = [(v[2], k) for k, v in OUTPUT_PAIRINGS.items()]
        self.controls = {
            "pairing": make(W.Dropdown, "Output σ + loss", options=pairings, value=pairing),
            "z": make(W.FloatSlider, "Start zᴶ", value=z, min=Z_RANGE[0], max=Z_RANGE[1], step=0.1),
            "y": make(W.FloatSlider, "Target y", value=y, min=0.0, max=1.0, step=0.05),
            "learning_rate": make.learning_rate(learning_rate, lo=-2, hi=1.3),
        }
        c = self.controls
        self._build(
            ([c["pairing"], c["z"]], [c["y"], c["learning_rate"]]),
            self.trainer_buttons(
                step_tip="one step z ← z − η ϕ",
                train_tip=f"{self.train_steps} steps",
                reset_tip="back to the starting z",
            ),
            width="680px",
        )
        self.refresh()

    def make_logic(self) -> OutputError:
        c = self.controls
        return OutputError(c["pairing"].value, c["z"].value, c["y"].value, c["learning_rate"].value)

    def status_html(self) -> str:
        f = self.logic.factors()
        return (
            f"<code>step {self.logic.history['step'][-1]}: z = {f['z']:.4g}, a = {f['a']:.4g}, "
            f"∇ₐL = {f['grad_a']:.4g}, σ′(z) = {f['dsigma']:.4g}, ϕ = {f['phi']:.4g}, L = {f['loss']:.4g}</code>"
        )

    def figure(self, size=(9.0, 3.5), dpi: int = 80) -> Figure:
        """Left: L as a function of z with the tangent of slope ϕ; middle: the three factors; right: loss over steps."""
        m = self.logic
        f = m.factors()
        fig = Figure(figsize=size, dpi=dpi)
        fig.subplots_adjust(left=0.06, right=0.94, bottom=0.15, top=0.9, wspace=0.42)
        ax1, ax2, ax3 = fig.subplots(1, 3, width_ratios=[1.3, 1.0, 1.0])
        zs = np.linspace(*Z_RANGE, 301)
        ax1.plot(zs, m.loss_at(zs), color="tab:blue", lw=2, label="L(σ(z), y)")
        ax1.plot(m.history["z"], m.history["loss"], "o", ms=3, color="tab:gray", alpha=0.6, label="steps")
        ax1.plot([f["z"]], [f["loss"]], "o", ms=8, color="tab:red", label="current z")
        if np.isfinite(f["phi"]):
            t = np.linspace(f["z"] - 1.2, f["z"] + 1.2, 2)
            ax1.plot(
                t,
                f["loss"] + f["phi"] * (t - f["z"]),
                "--",
                color="tab:red",
                label=f"tangent, slope ϕ = {f['phi']:.3g}",
            )
        ax1.set_xlabel("pre-activation z")
        ax1.set_ylabel("loss")
        ax1.set_title(f"{OUTPUT_PAIRINGS[m.pairing][2]}, target y = {m.y:g}", fontsize=10)
        ax1.legend(fontsize=9, loc="best")

        names = ["∇ₐL", "σ′(z)", "ϕ = ∇ₐL·σ′(z)"]
        vals = [f["grad_a"], f["dsigma"], f["phi"]]
        vals = [v if np.isfinite(v) else 0.0 for v in vals]
        bars = ax2.bar(names, vals, color=["tab:orange", "tab:green", "tab:red"])
        for bar, v in zip(bars, vals):
            ax2.annotate(
                f"{v:.3g}",
                (bar.get_x() + bar.get_width() / 2, v),
                ha="center",
                va="bottom" if v >= 0 else "top",
                fontsize=9,
            )
        ax2.axhline(0, color="black", lw=0.8)
        ax2.set_title(f"Eq. (1) at z = {f['z']:.2f}, a = σ(z) = {f['a']:.3f}", fontsize=10)
        ax2.tick_params(axis="x", labelsize=9)
        lo, hi = min(vals + [0.0]), max(vals + [0.0])
        pad = 0.15 * max(hi - lo, 1e-3)
        ax2.set_ylim(lo - pad, hi + pad)

        ax3.plot(m.history["step"], m.history["loss"], color="tab:blue", label="loss")
        ax3.set_xlabel("step")
        ax3.set_ylabel("loss")
        ax3.set_title(f"z ← z − η ϕ, η = {m.learning_rate:g}", fontsize=10)
        ax3b = ax3.twinx()
        ax3b.plot(m.history["step"], np.abs(m.history["phi"]), color="tab:red", lw=1, label="|ϕ|")
        ax3b.set_ylabel("|ϕ|", color="tab:red")
        return fig
