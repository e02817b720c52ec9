"""Saturation of a sigmoid output unit: MSE versus binary cross-entropy.

With a sigmoid output, Eq. (1) multiplies ∇_{a^J} L by σ'(z^J) = σ(z^J)(1 − σ(z^J)),
which is nearly 0 when the logit z^J is large in magnitude. For one output and
one sample:

* MSE:  ϕ^J = 2 (σ(z) − y) σ'(z)     — vanishes on a confidently *wrong* output too;
* BCE:  ϕ^J = σ(z) − y               — the 1/(σ(1 − σ)) of ∇_{a^J} L cancels σ'.

:class:`Saturation` (the logic, no display) trains the logit itself (think of it as the output
bias b^J with everything else frozen: by Eq. (4) its gradient is ϕ^J) from the same starting
point with both losses and records |ŷ − y|. It is mlp_lib's reference for the page.

:class:`SaturationView` is the explorer, an anywidget whose front end (``web/engine.js`` +
``web/ui.js`` + ``web/saturation.js``) trains the two runs in the reader's browser: controls
*Start logit*, *Target y*, *Learning rate η*; buttons *Step*, *Train*, *Reset*; a status line and
three charts. Python and the page share the setup (``logit``, ``target``, ``learning_rate``,
``train_steps``) and the number of steps taken (``steps``). The runs are deterministic, so
:attr:`SaturationView.race` rebuilds them in mlp_lib by taking the same steps from the same
start; ``tests/widgets/test_widget_saturation.py`` checks the page's numbers against it.
"""

from __future__ import annotations

import math
import numbers

import anywidget
import numpy as np
import traitlets

from ..activations import Sigmoid
from ..backprop import output_layer_error
from ..losses import BinaryCrossEntropy, MeanSquaredError
from ..validation import one_of, positive_float, positive_int
from .esm import assemble

_sigmoid, _mse, _bce = Sigmoid(), MeanSquaredError(), BinaryCrossEntropy()

#: the controls' ranges: the start logit's slider and the learning rate's (log) slider, 10^−2 … 10^1.5
#: to the 12 significant digits the page's slider gives
LOGIT_RANGE = (-10.0, 10.0)
LEARNING_RATE_RANGE = (1e-2, float(f"{10**1.5:.12g}"))
#: the page stops training there (its history is drawn point by point); the same in saturation.js
MAX_STEPS = 10_000


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
        self.logit = _finite_float(logit, "logit")
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


def _finite_float(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"expected {name} to be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"expected {name} to be a finite number, got {value}")
    return float(value)


def _in_range(value, name: str, lo: float, hi: float) -> float:
    value = _finite_float(value, name)
    if not lo <= value <= hi:
        raise ValueError(f"expected {name} in {lo:g} … {hi:.3g} (the range of its slider), got {value:g}")
    return value


def _target(value) -> int:
    if isinstance(value, bool) or value not in (0, 1):
        raise ValueError(f"expected target 0 or 1, got {value!r}")
    return int(value)


def _whole(value, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not lo <= value <= hi:
        raise ValueError(f"expected {name} to be a whole number in {lo} … {hi}, got {value!r}")
    return int(value)


class SaturationView(anywidget.AnyWidget):
    """The saturation explorer, trained in the page: MSE and BCE runs of one logit side by side.

    Parameters
    ----------
    logit : float
        Start logit z, in −10 … 10.
    target : 0 or 1
        Target y.
    learning_rate : float
        η, in 0.01 … 31.6 (10^−2 … 10^1.5, the slider's range).
    train_steps : int
        Steps per click on *Train* (≥ 1).

    Changing the start logit, the target or the learning rate (in the page or here) restarts
    both runs. :meth:`step`, :meth:`train` and :meth:`reset` do what the page's buttons do.

    Attributes
    ----------
    steps : int
        Gradient steps the runs have taken (0 … ``MAX_STEPS``); the page writes it back.
    race : Saturation
        The two runs the page shows, rebuilt in mlp_lib.
    """

    _esm = assemble("ui.js", "saturation.js")

    logit = traitlets.Float(-6.0).tag(sync=True)
    target = traitlets.Int(1).tag(sync=True)
    learning_rate = traitlets.Float(1.0).tag(sync=True)
    train_steps = traitlets.Int(50).tag(sync=True)
    steps = traitlets.Int(0).tag(sync=True)

    def __init__(self, logit=-6.0, target=1, learning_rate=1.0, *, train_steps: int = 50):
        super().__init__(
            logit=_in_range(logit, "logit", *LOGIT_RANGE),
            target=_target(target),
            learning_rate=_in_range(learning_rate, "learning_rate", *LEARNING_RATE_RANGE),
            train_steps=_whole(train_steps, "train_steps", 1, MAX_STEPS),
        )

    @traitlets.validate("logit", "learning_rate")
    def _valid_setup(self, proposal):
        name = proposal["trait"].name
        lo, hi = LOGIT_RANGE if name == "logit" else LEARNING_RATE_RANGE
        try:
            return _in_range(proposal["value"], name, lo, hi)
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(f"could not set {name}: {exc}") from exc

    @traitlets.validate("target")
    def _valid_target(self, proposal):
        try:
            return _target(proposal["value"])
        except ValueError as exc:
            raise traitlets.TraitError(f"could not set target: {exc}") from exc

    @traitlets.validate("steps", "train_steps")
    def _valid_steps(self, proposal):
        name = proposal["trait"].name
        try:
            return _whole(proposal["value"], name, 0 if name == "steps" else 1, MAX_STEPS)
        except ValueError as exc:
            raise traitlets.TraitError(f"could not set {name}: {exc}") from exc

    @traitlets.observe("logit", "target", "learning_rate")
    def _restart(self, _change) -> None:
        self.steps = 0

    @property
    def race(self) -> Saturation:
        """The two runs shown: a :class:`Saturation` from the page's setup after its ``steps`` steps."""
        race = Saturation(self.logit, self.target, self.learning_rate)
        race.step(self.steps)
        return race

    def step(self) -> None:
        """One gradient step of both runs (the *Step* button)."""
        self.steps = min(self.steps + 1, MAX_STEPS)

    def train(self, steps: int | None = None) -> None:
        """``steps`` gradient steps (default ``train_steps``; the *Train* button), at most up to ``MAX_STEPS``."""
        n = self.train_steps if steps is None else positive_int(steps, "steps")
        self.steps = min(self.steps + n, MAX_STEPS)

    def reset(self) -> None:
        """Both runs back to the start logit (the *Reset* button)."""
        self.steps = 0
