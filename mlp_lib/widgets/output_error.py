"""Eq. (1) at work: ϕ^J = ∇_{a^J} L ∘ σ'(z^J) for one output unit, and gradient descent on z^J.

:class:`OutputError` is the logic (no display): one output unit with
pre-activation ``z``, target ``y``, an output activation σ and a loss L taken
from :mod:`mlp_lib` (one sample, m = 1, so the batch mean is the source's
per-sample loss). It computes the three factors of Eq. (1) — ∇_a L, σ'(z) and
their product ϕ — with :func:`mlp_lib.backprop.output_layer_error`, and
:meth:`OutputError.step` moves z against ϕ (z ← z − η ϕ), as if z^J were
a free parameter.

:class:`OutputErrorView` is the explorer, an anywidget that computes in the reader's browser
(``web/output_error.js`` on the browser engine, in a notebook and on the static website alike):
pairing, z, y and learning-rate controls, Step/Train/Reset buttons and four charts — the loss as
a function of z (the slope of its tangent is ϕ), bars of the three factors, the loss and |ϕ| per
step. ``tests/widgets/test_widget_output_error.py`` checks the page's numbers against
:class:`OutputError`'s.
"""

from __future__ import annotations

import numbers

import anywidget
import numpy as np
import traitlets

from ..activations import get_activation
from ..backprop import output_layer_error
from ..losses import get_loss
from ..validation import int_in_range, one_of, positive_float
from .esm import assemble

#: output activation + loss pairings offered: key → (activation, loss, label)
OUTPUT_PAIRINGS = {
    "sigmoid+mse": ("sigmoid", "mse", "sigmoid + MSE"),
    "sigmoid+bce": ("sigmoid", "bce", "sigmoid + BCE"),
    "tanh+mse": ("tanh", "mse", "tanh + MSE"),
    "identity+mse": ("identity", "mse", "identity + MSE"),
    "relu+mse": ("relu", "mse", "ReLU + MSE"),
}
Z_RANGE = (-6.0, 6.0)
#: the learning rates taken: the slider's range (log scale, 10^−2 … 10^1.3 ≈ 19.95) and a little room
LR_RANGE = (0.01, 20.0)
#: at most this many steps per Train click, and in a run
MAX_TRAIN_STEPS, MAX_STEPS = 1000, 100_000


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


def _number_in(value, name: str, lo: float, hi: float) -> float:
    """``value`` as a float after checking it is a real number in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"expected {name} to be a number in [{lo:.4g}, {hi:.4g}], got {value!r}")
    if not lo <= float(value) <= hi:
        raise ValueError(f"expected {name} in [{lo:.4g}, {hi:.4g}], got {value!r}")
    return float(value)


#: how each setup trait is checked: name → check(value) (raises ValueError or TypeError)
_CHECKS = {
    "pairing": lambda v: one_of(v, "a pairing", OUTPUT_PAIRINGS),
    "z": lambda v: _number_in(v, "the start z", *Z_RANGE),
    "y": lambda v: _number_in(v, "the target y", 0.0, 1.0),
    "learning_rate": lambda v: _number_in(v, "learning_rate", *LR_RANGE),
    "train_steps": lambda v: int_in_range(v, "train_steps", 1, MAX_TRAIN_STEPS),
    "steps": lambda v: int_in_range(v, "steps", 0, MAX_STEPS),
}


class OutputErrorView(anywidget.AnyWidget):
    """The Eq. (1) explorer, live in the page: pairing, start z, target, learning rate; Step / Train / Reset.

    The front end (``web/output_error.js`` on the browser engine) computes the factors of Eq. (1)
    and the run z ← clip(z − η ϕ, −6, 6) of an :class:`OutputError` in the reader's browser and
    draws four charts: the loss L(σ(z), y) for z in [−6, 6] with the steps, the current z and the
    tangent of slope ϕ; bars of ∇ₐL, σ′(z) and ϕ; the loss per step; |ϕ| per step.

    Parameters
    ----------
    pairing : str
        A key of :data:`OUTPUT_PAIRINGS`.
    z : float in [−6, 6]
        The start z^J.
    y : float in [0, 1]
        The target.
    learning_rate : float in [0.01, 20]
        η (the slider spans 10^−2 … 10^1.3).
    train_steps : int in 1 … 1000
        Steps per *Train* click.

    The synced traits are these five and ``steps``, the number of steps the run has taken (the
    page writes it back after every click; moving a control starts again at step 0). :meth:`step`,
    :meth:`train` and :meth:`reset` change it from Python; :meth:`run` replays the page's run
    with mlp_lib.
    """

    _esm = assemble("ui.js", "output_error.js")

    pairing = traitlets.Unicode("sigmoid+mse").tag(sync=True)
    z = traitlets.Float(3.0).tag(sync=True)
    y = traitlets.Float(0.0).tag(sync=True)
    learning_rate = traitlets.Float(1.0).tag(sync=True)
    train_steps = traitlets.Int(20).tag(sync=True)
    steps = traitlets.Int(0).tag(sync=True)

    def __init__(
        self,
        pairing: str = "sigmoid+mse",
        z: float = 3.0,
        y: float = 0.0,
        learning_rate: float = 1.0,
        train_steps: int = 20,
    ):
        setup = {"pairing": pairing, "z": z, "y": y, "learning_rate": learning_rate, "train_steps": train_steps}
        super().__init__(**{name: _CHECKS[name](value) for name, value in setup.items()})

    @traitlets.validate(*_CHECKS)
    def _valid(self, proposal):
        name = proposal["trait"].name
        try:
            return _CHECKS[name](proposal["value"])
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(f"could not set {name}: {exc}") from exc

    def step(self, n: int = 1) -> None:
        """``n`` more steps z ← z − η ϕ (the page draws them)."""
        self.steps = self.steps + int_in_range(n, "n", 1, MAX_TRAIN_STEPS)

    def train(self) -> None:
        """:attr:`train_steps` more steps, as the *Train* button."""
        self.step(self.train_steps)

    def reset(self) -> None:
        """Back to the starting z (step 0), as the *Reset* button."""
        self.steps = 0

    def run(self) -> OutputError:
        """The run the page shows, by mlp_lib: an :class:`OutputError` of this setup after :attr:`steps` steps."""
        run = OutputError(self.pairing, self.z, self.y, self.learning_rate)
        run.step(self.steps)
        return run
