"""Dead ReLU units: which units never switch on, and how training kills them.

A ReLU unit i of layer j is **dead** on a data set when its pre-activation is
never positive there: z_i^j ≤ 0 for every sample. Then σ'(z_i^j) = 0 for every
sample, so row i of ϕ^j is 0 (Eq. 1 in the output layer, Eq. 2 in a hidden
layer), and with it row i of ∇_{w^j} L and entry i of ∇_{b^j} L (Eqs. 3–4): its
incoming weights stop moving. Its activation a_i^j is 0 as well, so column i of
∇_{w^{j+1}} L is 0 too. Gradient descent cannot bring such a unit back through
its own weights (in a hidden layer above the first it can come back only if the
layers below change what it sees).

:class:`DeadUnits` is the logic (a :class:`~mlp_lib.widgets.session.Session`
of the playground plus the activity of every ReLU layer over training), and the
reference the page is tested against. :class:`DeadUnitsView` is the explorer: an
anywidget whose front end (``web/engine.js`` + ``web/ui.js`` + ``web/dead_units.js``)
trains in the reader's browser, in a notebook and on the static website alike
(learning-rate, width and seed sliders, Step / Train / Reset, a status line and three
charts: the fit, the dead fractions over training, the activity of every unit).

Python and the page share these traits:

``learning_rate``, ``units``, ``seed``, ``setup`` (Python → page)
    The run: the three controls' values and the rest of the playground config
    (``dataset``, ``hidden_layers``, ``pairing``, ``batch_size``). Setting one from
    Python starts a new run in the page; the reader's slider moves do not write them.
``train_steps``, ``step_size`` (Python → page)
    Gradient steps per *Train* and per *Step*.
``start`` (Python → page)
    mlp_lib's start for the seed and width of ``learning_rate``/``units``/``seed``: the
    training data ``x`` (n_0, m), the targets ``y`` (n_J, m) and the initial network
    (:func:`~mlp_lib.widgets.page_weights.page_network`), drawn with NumPy as
    :class:`DeadUnits` draws them. The page trains from it when its seed and width are
    those; for another seed or width (the reader moved a slider; on the static site there
    is no Python to ask) it draws data and weights with the engine's own generator. The
    batch order is always the engine's (``createRng(seed, STREAMS.batches)``), not NumPy's.
``trained`` (page → Python)
    The page's run after every Step, Train, Pause and Reset: its ``learning_rate``,
    ``units``, ``seed``, ``source`` ("mlp_lib" or "page"), ``step``, ``network``,
    ``layers``, ``dead_fractions``, ``loss`` and ``diverged``. :meth:`DeadUnitsView.model`
    turns the network into an :class:`~mlp_lib.MLP`.
"""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets

from ..mlp import MLP
from ..validation import int_in_range
from .esm import assemble
from .page_weights import model_from_page, page_network
from .session import PlaygroundConfig, Session, _float_field

#: the fields of the playground config a view's ``setup`` holds, and their defaults
SETUP_DEFAULTS = {"dataset": "sine", "hidden_layers": 2, "pairing": "identity+mse", "batch_size": 16}
#: the sliders' ranges (DeadUnitsView)
RATE_RANGE = (1e-3, 10.0)
UNITS_RANGE = (2, 32)
SEED_RANGE = (0, 20)
MAX_TRAIN_STEPS = 100_000


class DeadUnits:
    """A ReLU network trained on a playground data set, watching its dead units.

    Parameters
    ----------
    learning_rate : float
    units : int
        Units in each hidden layer.
    seed : int
        Data, initial weights and batch order (as in the playground).
    dataset : str
        A playground data set (default: the sine regression set).
    hidden_layers : int
    pairing : str
        Output activation + loss, e.g. ``"identity+mse"`` or ``"relu+mse"``
        (then the output unit is a ReLU and is watched too).
    batch_size : int

    Attributes
    ----------
    session : Session
    steps : list of int
        Steps at which the activity was recorded (0 first).
    dead_history : list of lists
        For each recorded step, the fraction of dead units of each watched layer.
    loss_history : list of float
        Training loss at each recorded step.
    """

    def __init__(
        self,
        learning_rate=0.3,
        units=16,
        seed=0,
        *,
        dataset="sine",
        hidden_layers=2,
        pairing="identity+mse",
        batch_size=16,
    ):
        self.config = PlaygroundConfig(
            dataset=dataset,
            hidden_layers=hidden_layers,
            units=units,
            activation="relu",
            pairing=pairing,
            learning_rate=learning_rate,
            batch_size=batch_size,
            seed=seed,
        )
        self.session = Session(self.config)
        self._start()

    # ------------------------------------------------------------------
    def _start(self) -> None:
        self.steps, self.dead_history, self.loss_history = [], [], []
        self._record()

    @property
    def model(self):
        return self.session.model

    @property
    def watched_layers(self) -> list:
        """The layers j (1 … J) whose activation is ReLU."""
        return [j for j in range(1, self.model.J + 1) if self.model.activations[j].name == "relu"]

    def pre_activations(self) -> list:
        """z^j on the whole training set for j = 0 … J (index 0 is None)."""
        with np.errstate(all="ignore"):
            return self.model._forward(self.session._x).z

    def activity(self) -> dict:
        """``{j: fraction of training samples with z_i^j > 0, for each unit i}`` for every ReLU layer."""
        z = self.pre_activations()
        return {j: np.mean(z[j] > 0, axis=1) for j in self.watched_layers}

    def dead_units(self) -> dict:
        """``{j: boolean mask of the units of layer j that are dead on the training set}``."""
        return {j: act == 0 for j, act in self.activity().items()}

    def dead_fractions(self) -> list:
        """Fraction of dead units in each watched layer, in the order of :attr:`watched_layers`."""
        return [float(np.mean(mask)) for mask in self.dead_units().values()]

    def _record(self) -> None:
        self.steps.append(self.session.step_count)
        self.dead_history.append(self.dead_fractions())
        with np.errstate(all="ignore"):
            self.loss_history.append(self.model._loss(self.model._forward(self.session._x), self.session._y))

    # ------------------------------------------------------------------
    def train(self, steps: int, record_every: int = 10) -> bool:
        """Take up to ``steps`` gradient steps, recording the dead fractions every ``record_every``.

        Returns False if training diverged (the weights stay the last finite ones); on a run that
        has diverged before, at once and without recording.
        """
        if self.diverged:
            return False
        steps, every = int(steps), max(1, int(record_every))
        done = 0
        while done < steps:
            n = min(every, steps - done)
            ok = True
            for _ in range(n):
                if not self.session.step():
                    ok = False
                    break
            done += n
            self._record()
            if not ok:
                return False
        return True

    def reset(self) -> None:
        """Back to step 0 with the same initial weights."""
        self.session.reset()
        self._start()

    @property
    def diverged(self):
        return self.session.diverged


def _check_setup(setup) -> dict:
    """``setup`` with its defaults filled in, checked as a playground config (ValueError/TypeError)."""
    if not isinstance(setup, dict):
        raise TypeError(f"expected the setup as a dict, got {type(setup).__name__}")
    unknown = sorted(set(setup) - set(SETUP_DEFAULTS))
    if unknown:
        raise TypeError(f"expected run settings among {', '.join(SETUP_DEFAULTS)}, got {', '.join(unknown)}")
    full = {**SETUP_DEFAULTS, **setup}
    config = PlaygroundConfig(**full, activation="relu")
    if config.dataset == "digits":
        raise ValueError("expected a data set the page can draw itself, got 'digits' (its table is not sent)")
    return {k: getattr(config, k) for k in SETUP_DEFAULTS}


def _check_rate(value) -> float:
    """The learning rate, a number in the slider's range (rounded to 12 digits, as PlaygroundConfig does)."""
    return _float_field(value, "learning_rate", *RATE_RANGE)


class DeadUnitsView(anywidget.AnyWidget):
    """The dead-units explorer, trained in the page: a live view of a :class:`DeadUnits` run.

    Parameters
    ----------
    learning_rate : float in [0.001, 10]
    units : int in 2 … 32
        Units in each hidden layer.
    seed : int in 0 … 20
    train_steps : int
        Gradient steps per *Train* click (*Step* takes :attr:`step_size` = 10).
    **run_kwargs
        ``dataset``, ``hidden_layers``, ``pairing``, ``batch_size`` of :class:`DeadUnits`.

    Controls: *Learning rate*, *Units / layer* and *Seed* (changing one starts a new run),
    buttons *Step*, *Train* (*Pause* while it trains) and *Reset*. The page trains; Python
    reads its network back with :meth:`model`.
    """

    _esm = assemble("ui.js", "dead_units.js")

    learning_rate = traitlets.Float(0.3).tag(sync=True)
    units = traitlets.Int(16).tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)
    setup = traitlets.Dict().tag(sync=True)
    train_steps = traitlets.Int(200).tag(sync=True)
    step_size = traitlets.Int(10).tag(sync=True)
    start = traitlets.Dict().tag(sync=True)
    trained = traitlets.Dict().tag(sync=True)

    def __init__(self, learning_rate=0.3, units=16, seed=0, *, train_steps: int = 200, **run_kwargs):
        setup = _check_setup(run_kwargs)
        rate = _check_rate(learning_rate)
        units = int_in_range(units, "units", *UNITS_RANGE)
        seed = int_in_range(seed, "seed", *SEED_RANGE)
        steps = int_in_range(train_steps, "train_steps", 1, MAX_TRAIN_STEPS)
        super().__init__(
            learning_rate=rate,
            units=units,
            seed=seed,
            setup=setup,
            train_steps=steps,
            start=_start(setup, units, seed),
        )

    # ------------------------------------------------------------------
    # the setup, checked
    @traitlets.validate("learning_rate")
    def _valid_rate(self, proposal):
        return _refuse(_check_rate, proposal)

    @traitlets.validate("units")
    def _valid_units(self, proposal):
        return _refuse(lambda v: int_in_range(v, "units", *UNITS_RANGE), proposal)

    @traitlets.validate("seed")
    def _valid_seed(self, proposal):
        return _refuse(lambda v: int_in_range(v, "seed", *SEED_RANGE), proposal)

    @traitlets.validate("setup")
    def _valid_setup(self, proposal):
        return _refuse(_check_setup, proposal)

    @traitlets.validate("train_steps", "step_size")
    def _valid_steps(self, proposal):
        name = proposal["trait"].name
        return _refuse(lambda v: int_in_range(v, name, 1, MAX_TRAIN_STEPS), proposal)

    @traitlets.observe("units", "seed", "setup")
    def _new_start(self, _change) -> None:
        self.start = _start(self.setup, self.units, self.seed)

    # ------------------------------------------------------------------
    def reference_run(self) -> DeadUnits:
        """mlp_lib's run of this setup at step 0: the same data and initial weights as the page's
        start (:attr:`start`), trained with NumPy's batch order when you call its ``train``."""
        return DeadUnits(self.learning_rate, self.units, self.seed, **self.setup)

    @property
    def step(self) -> int:
        """Steps the page has trained (as of its last report; 0 before it has reported)."""
        return int(self.trained.get("step", 0))

    @property
    def dead_fractions(self) -> dict:
        """``{j: fraction of dead units of layer j}`` of the page's network, as the page last reported it."""
        return dict(zip(self.trained.get("layers", []), self.trained.get("dead_fractions", [])))

    def model(self) -> MLP:
        """The network the page trained, as an :class:`mlp_lib.MLP` (a copy)."""
        network = self.trained.get("network")
        if not network:
            raise RuntimeError(
                "expected a network from the page, got none: display the view (its front end trains and reports)"
            )
        return model_from_page(network, "the page")


def _start(setup: dict, units: int, seed: int) -> dict:
    """mlp_lib's start of a run: data and initial network of ``DeadUnits(…, units, seed, **setup)``."""
    session = Session(PlaygroundConfig(**setup, activation="relu", units=units, seed=seed))
    return {
        "seed": seed,
        "units": units,
        "x": session._x.tolist(),
        "y": session._y.tolist(),
        "network": page_network(session.model),
    }


def _refuse(check, proposal):
    """``check(proposal["value"])``, its ValueError/TypeError turned into a TraitError naming the problem."""
    try:
        return check(proposal["value"])
    except (TypeError, ValueError) as exc:
        raise traitlets.TraitError(f"could not set {proposal['trait'].name}: {exc}") from exc
