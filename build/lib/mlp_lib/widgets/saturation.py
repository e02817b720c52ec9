"""Saturation of a sigmoid output unit: MSE versus binary cross-entropy.

With a sigmoid output, Eq. (1) multiplies ∇_{a^J} L by σ'(z^J) = σ(z^J)(1 − σ(z^J)),
which is nearly 0 when the logit z^J is large in magnitude. For one output and
one sample:

* MSE:  ϕ^J = 2 (σ(z) − y) σ'(z)     — vanishes on a confidently *wrong* output too;
* BCE:  ϕ^J = σ(z) − y               — the 1/(σ(1 − σ)) of ∇_{a^J} L cancels σ'.

:class:`Saturation` (the logic, no display) trains the logit itself (think of it as the output
bias b^J with everything else frozen: by Eq. (4) its gradient is ϕ^J) from the same starting
point with both losses and records |ŷ − y|. :class:`SaturationView` is its ipywidgets view
(starting logit, target and learning-rate controls, Step / Train / Reset, one PNG figure).
Tests drive both without a browser.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from ..activations import Sigmoid
from ..backprop import output_layer_error
from ..losses import BinaryCrossEntropy, MeanSquaredError
from ..validation import one_of, positive_float
from .controls import Controls, TrainerPanel

_sigmoid, _mse, _bce = Sigmoid(), MeanSquaredError(), BinaryCrossEntropy()


def output_errors(z, y) -> dict:
    """σ, σ' and ϕ^J for MSE and BCE at the logits ``z`` (any shape) and target ``y`` (0 or 1).

    Each point is one sample with one output (n = m = 1), so these are the
    source's per-sample formulas. Returns ``{"sigma", "dsigma", "phi_mse", "phi_bce"}``.
    """
    z = np.asarray(z, dtype=np.float64)
    shape = z.shape
    zz = z.reshape(1, -1)
    yy = np.full_like(zz, float(y))
    s = _sigmoid.value(zz)
    # the points are the columns of one batch, and mlp_lib's batch loss is the mean over
    # them: multiplying by m undoes the 1/m and gives each point's per-sample ϕ^J
    m = zz.shape[1]
    phi_mse = m * output_layer_error(_mse.gradient(s, yy), zz, _sigmoid)  # Eq. (1): ∇_a L ∘ σ'(z)
    phi_bce = m * _bce.output_error_from_logits(zz, yy)  # fused: σ(z) − y
    return {
        "sigma": s.reshape(shape),
        "dsigma": _sigmoid.derivative(zz).reshape(shape),
        "phi_mse": phi_mse.reshape(shape),
        "phi_bce": phi_bce.reshape(shape),
    }


class Saturation:
    """Gradient descent on one logit with MSE and with BCE, from the same start.

    Parameters
    ----------
    logit : float
        Starting logit z (a large negative value with target 1 is a confidently wrong output).
    target : 0 or 1
    learning_rate : float

    Attributes
    ----------
    z : dict
        Current logit of each run, ``{"mse": …, "bce": …}``.
    history : dict
        ``step`` and, per loss, the error |σ(z) − y| after each step.
    """

    LOSSES = ("mse", "bce")

    def __init__(self, logit=-6.0, target=1, learning_rate=1.0):
        self.target = int(one_of(target, "target", (0, 1)))
        self.learning_rate = positive_float(learning_rate, "learning_rate")
        self.logit = float(logit)
        self.reset()

    def reset(self) -> None:
        self.z = {name: self.logit for name in self.LOSSES}
        self.history = {"step": [0], **{name: [self.error(name)] for name in self.LOSSES}}

    def error(self, name: str) -> float:
        """|ŷ − y| of one run."""
        return float(abs(_sigmoid.value(np.array([[self.z[name]]]))[0, 0] - self.target))

    def phi(self, name: str) -> float:
        """ϕ^J of one run at its current logit."""
        return float(output_errors(self.z[name], self.target)[f"phi_{name}"])

    def step(self, n: int = 1) -> None:
        """``n`` gradient steps z ← z − η ϕ^J for both losses."""
        for _ in range(int(n)):
            for name in self.LOSSES:
                self.z[name] -= self.learning_rate * self.phi(name)
            self.history["step"].append(self.history["step"][-1] + 1)
            for name in self.LOSSES:
                self.history[name].append(self.error(name))


class SaturationView(TrainerPanel):
    """ipywidgets view of a :class:`Saturation`.

    Controls: *Start logit*, *Target y*, *Learning rate* (changing one restarts
    both runs); buttons *Step* (1 step), *Train* (``train_steps`` steps), *Reset*.
    """

    COLORS = {"mse": "C3", "bce": "C2"}

    def __init__(self, logit=-6.0, target=1, learning_rate=1.0, *, train_steps: int = 50):
        self.train_steps = int(train_steps)
        self.logic = Saturation(logit, target, learning_rate)
        make = Controls(label_width="95px")
        self.logit = make(W.FloatSlider, "Start logit", value=logit, min=-10, max=10, step=0.5)
        self.target = make(W.Dropdown, "Target y", options=[("1", 1), ("0", 0)], value=target)
        self.learning_rate = make.learning_rate(learning_rate, lo=-2, hi=1.5)
        self._build(
            (self.logit, self.target, self.learning_rate),
            self.trainer_buttons(
                step_tip="one gradient step",
                train_tip=f"{self.train_steps} gradient steps",
                reset_tip="back to the start logit",
            ),
        )
        self.refresh()

    @property
    def race(self) -> Saturation:
        """The two runs shown (:attr:`logic`; the name the chapter uses)."""
        return self.logic

    def make_logic(self) -> Saturation:
        return Saturation(self.logit.value, self.target.value, self.learning_rate.value)

    def status_html(self) -> str:
        r = self.logic
        parts = [f"step {r.history['step'][-1]}"]
        for name in r.LOSSES:
            parts.append(
                f"{name.upper()}: z = {r.z[name]:.2f}, ϕ<sup>J</sup> = {r.phi(name):.2e}, |ŷ − y| = {r.error(name):.3f}"
            )
        return " · ".join(parts)

    def figure(self, dpi: int = 80) -> Figure:
        """Three panels: σ and σ'; |ϕ^J| for MSE and BCE with each run's position; error over steps."""
        r = self.logic
        grid = np.linspace(-10, 10, 401)
        curves = output_errors(grid, r.target)
        fig = Figure(figsize=(9.0, 3.4), dpi=dpi)
        axes = fig.subplots(1, 3)
        ax = axes[0]
        ax.plot(grid, curves["sigma"], label="σ(z)")
        ax.plot(grid, curves["dsigma"], label="σ'(z) = σ(1 − σ)")
        ax.axhline(0.25, color="0.7", ls=":", lw=1)
        ax.set_xlabel("logit z")
        ax.set_title("sigmoid and its derivative", fontsize=10)
        ax.legend(loc="upper left", fontsize=9)

        ax = axes[1]
        labels = {"mse": "MSE: 2(σ − y)σ'", "bce": "BCE: σ − y"}
        for name in r.LOSSES:
            ax.plot(grid, np.abs(curves[f"phi_{name}"]) + 1e-12, color=self.COLORS[name], label=labels[name])
            ax.plot([r.z[name]], [abs(r.phi(name)) + 1e-12], "o", color=self.COLORS[name], ms=8)
        ax.set_yscale("log")
        ax.set_ylim(1e-5, 2)
        ax.set_yticks([1e-4, 1e-2, 1], ["1e-4", "0.01", "1"])
        ax.minorticks_off()
        ax.set_xlabel("logit z")
        ax.set_title(rf"$|\phi^J|$ for target $y = {r.target}$ (dots: the runs)", fontsize=10)
        ax.legend(loc="lower center", fontsize=9)

        ax = axes[2]
        for name in r.LOSSES:
            ax.plot(r.history["step"], r.history[name], color=self.COLORS[name], label=name.upper())
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("step")
        ax.set_title("error |ŷ − y| while training", fontsize=10)
        ax.legend(loc="upper right", fontsize=9)
        # fixed margins: tight_layout costs more than the drawing itself
        fig.subplots_adjust(left=0.07, right=0.99, bottom=0.15, top=0.9, wspace=0.3)
        return fig
