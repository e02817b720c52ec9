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

:class:`RecursionView` is the explorer, an anywidget that computes in the reader's browser
(``web/engine.js`` + ``web/recursion.js``), in a notebook and on the static website alike:
depth, width, activation, seed and learning-rate controls, Next layer / Full pass / Train /
Reset buttons, a status line, a table of Eq. (2) for the current layer and a bar chart of
‖ϕ^j‖. The table, the bars and the status line show the same sample, the first of the batch:
Eq. (2) is elementwise per sample, so one sample's numbers multiply out exactly.
"""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets

from .. import datasets
from ..backprop import hidden_layer_error, output_layer_error
from ..mlp import MLP
from ..training import TrainingDiverged, sgd_step
from ..validation import int_in_range, one_of, positive_float, positive_int
from .esm import assemble
from .page_weights import model_from_page, page_network

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


#: the learning-rate slider's range (powers of ten, steps of 0.1)
LEARNING_RATES = (1e-3, 10.0)
#: the seed slider's range
SEEDS = (0, 20)


def _check_learning_rate(value) -> float:
    lr = positive_float(value, "learning_rate")
    lo, hi = LEARNING_RATES
    if not lo * (1 - 1e-9) <= lr <= hi * (1 + 1e-9):  # the page rounds 10**position to 12 digits
        raise ValueError(f"expected learning_rate in {lo:g} … {hi:g} (the slider's range), got {lr}")
    return lr


#: how each setting of the view is checked (the ranges of the page's controls)
_CHECKS = {
    "hidden_layers": lambda v: int_in_range(v, "hidden_layers", 1, 8),
    "units": lambda v: int_in_range(v, "units", 1, 16),
    "activation": lambda v: one_of(v, "activation", HIDDEN),
    "seed": lambda v: int_in_range(v, "seed", *SEEDS),
    "learning_rate": _check_learning_rate,
    "train_steps": lambda v: int_in_range(v, "train_steps", 1, 1000),
}
SETUP = ("hidden_layers", "units", "activation", "seed")


def _start(setup: dict) -> dict:
    """mlp_lib's starting network and batch of a setup, for the page: ``{setup, network, x (2, 64), y (1, 64)}``."""
    logic = Recursion(**setup)
    return {"setup": dict(setup), "network": page_network(logic.model), "x": logic.x.tolist(), "y": logic.y.tolist()}


class RecursionView(anywidget.AnyWidget):
    """The Eq. (2) explorer, live in the page: a :class:`Recursion` computed in the reader's browser.

    Parameters
    ----------
    hidden_layers : int in 1 … 8
    units : int in 1 … 16
    activation : ``"sigmoid"``, ``"tanh"`` or ``"relu"``
    seed : int in 0 … 20
        Initial weights and data (mlp_lib's, sent to the page as :attr:`initial`).
    learning_rate : float in 0.001 … 10
    train_steps : int in 1 … 1000
        Gradient-descent steps per click on *Train*.
    full_pass : bool
        Start with the whole backward pass done (a meaningful first picture): :attr:`layer` 1.

    The settings are synced traits (the page writes them back when the reader moves a control;
    setting one from Python moves the page's control). For the setup of :attr:`initial` the page
    starts from mlp_lib's numbers; for another setup picked on a page without Python it draws its
    own weights and batch with the engine's seeded generator. With a kernel, Python answers every
    new setup with mlp_lib's start.

    The page writes back :attr:`network` (its weights, ``{config, params}``), :attr:`steps`
    (gradient-descent steps taken) and :attr:`layer` (the layer whose ϕ was computed last);
    :meth:`model` reads the network back as an :class:`~mlp_lib.MLP`. Before the page has drawn,
    they describe the start; a view opens in the state they describe.
    """

    _esm = assemble("ui.js", "recursion.js")

    hidden_layers = traitlets.Int(5).tag(sync=True)
    units = traitlets.Int(4).tag(sync=True)
    activation = traitlets.Unicode("sigmoid").tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)
    learning_rate = traitlets.Float(0.5).tag(sync=True)
    train_steps = traitlets.Int(100).tag(sync=True)
    #: Python → page: mlp_lib's start for a setup, ``{setup, network: {config, params}, x, y}``
    initial = traitlets.Dict().tag(sync=True)
    #: page → Python: the weights the page shows, ``{config, params}``
    network = traitlets.Dict().tag(sync=True)
    #: page → Python: gradient-descent steps taken since the start
    steps = traitlets.Int(0).tag(sync=True)
    #: page → Python: the layer j whose ϕ^j was computed last (J after a new start, 1 after a full pass)
    layer = traitlets.Int(1).tag(sync=True)

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
        given = dict(
            hidden_layers=hidden_layers,
            units=units,
            activation=activation,
            seed=seed,
            learning_rate=learning_rate,
            train_steps=train_steps,
        )
        settings = {name: _CHECKS[name](value) for name, value in given.items()}
        if not isinstance(full_pass, bool):
            raise TypeError(f"expected full_pass to be True or False, got {full_pass!r}")
        start = _start({name: settings[name] for name in SETUP})
        super().__init__(
            **settings,
            initial=start,
            network=start["network"],
            steps=0,
            layer=1 if full_pass else hidden_layers + 1,
        )

    @traitlets.validate(*_CHECKS)
    def _valid_setting(self, proposal):
        name = proposal["trait"].name
        try:
            return _CHECKS[name](proposal["value"])
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(f"could not set {name}: {exc}") from exc

    @traitlets.observe(*SETUP)
    def _new_setup(self, _change) -> None:
        """A new setup (from Python or from the page): send mlp_lib's start for it."""
        setup = {name: getattr(self, name) for name in SETUP}
        if self.initial.get("setup") == setup:
            return
        start = _start(setup)
        with self.hold_trait_notifications():
            self.initial = start
            self.network = start["network"]
            self.steps = 0
            self.layer = self.hidden_layers + 1

    def model(self) -> MLP:
        """The network the page shows (after the reader's training), as an :class:`~mlp_lib.MLP`."""
        return model_from_page(self.network, "the page")
