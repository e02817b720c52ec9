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
of the playground plus the activity of every ReLU layer over training);
:class:`DeadUnitsView` is its ipywidgets view (learning-rate, width and seed
sliders, Step / Train / Reset buttons, one PNG figure). Tests drive both
without a browser.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from .controls import Controls, TrainerPanel
from .session import PlaygroundConfig, Session


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

        Returns False if training diverged (the weights stay the last finite ones).
        """
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


class DeadUnitsView(TrainerPanel):
    """ipywidgets view of a :class:`DeadUnits`.

    Controls: *Learning rate*, *Units / layer* and *Seed* (changing one starts a
    new run), buttons *Step* (10 steps), *Train* (``train_steps`` steps) and *Reset*.
    """

    step_size = 10

    def __init__(self, learning_rate=0.3, units=16, seed=0, *, train_steps: int = 200, **run_kwargs):
        self.run_kwargs = run_kwargs
        self.train_steps = int(train_steps)
        self.logic = DeadUnits(learning_rate, units, seed, **run_kwargs)
        make = Controls(label_width="105px")
        self.learning_rate = make.learning_rate(learning_rate)
        self.units = make(W.IntSlider, "Units / layer", value=units, min=2, max=32)
        self.seed = make(W.IntSlider, "Seed", value=seed, min=0, max=20)
        self._build(
            (self.learning_rate, self.units, self.seed),
            self.trainer_buttons(
                step_tip=f"{self.step_size} gradient steps",
                train_tip=f"{self.train_steps} gradient steps",
                reset_tip="back to step 0",
            ),
        )
        self.refresh()

    @property
    def run(self) -> DeadUnits:
        """The run shown (:attr:`logic`; the name the chapters use)."""
        return self.logic

    def make_logic(self) -> DeadUnits:
        return DeadUnits(self.learning_rate.value, self.units.value, self.seed.value, **self.run_kwargs)

    def _advance(self, steps: int) -> bool:
        return self.logic.train(steps)

    def status_html(self) -> str:
        r = self.logic
        parts = [f"step {r.session.step_count}"]
        for j, frac in zip(r.watched_layers, r.dead_fractions()):
            parts.append(f"layer {j}: {frac:.0%} dead")
        parts.append(f"training loss {r.loss_history[-1]:.3g}")
        return " · ".join(parts)

    def figure(self, dpi: int = 80) -> Figure:
        """The three panels: fit, dead fraction over training, activity per unit."""
        fig = Figure(figsize=(9.0, 3.4), dpi=dpi)
        axes = fig.subplots(1, 3)
        self._draw_fit(axes[0])
        self._draw_history(axes[1])
        self._draw_activity(axes[2])
        # fixed margins: tight_layout costs more than the drawing itself
        fig.subplots_adjust(left=0.07, right=0.99, bottom=0.15, top=0.9, wspace=0.35)
        return fig

    def _draw_fit(self, ax) -> None:
        r = self.logic
        s = r.session
        if s.task == "regression":
            x, y = s.train.x[0], s.train.y[0]
            ax.scatter(x, y, s=8, color="0.6", label="training data")
            grid = np.linspace(x.min(), x.max(), 200).reshape(1, -1)
            with np.errstate(all="ignore"):
                out = r.model._forward(grid).output[0]
            ax.plot(grid[0], out, color="C0", lw=2, label="network")
            ax.set_xlabel("input (standardized)")
            ax.set_title("the fit", fontsize=10)
            ax.legend(loc="lower right", fontsize=9)
        else:
            ax.plot(r.steps, r.loss_history, color="C0")
            ax.set_yscale("log")
            ax.set_xlabel("step")
            ax.set_title("training loss", fontsize=10)

    def _draw_history(self, ax) -> None:
        r = self.logic
        hist = np.asarray(r.dead_history, dtype=float).reshape(len(r.steps), -1)
        for col, j in enumerate(r.watched_layers):
            ax.plot(r.steps, hist[:, col], lw=2, label=f"layer {j}")
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("step")
        ax.set_ylabel("fraction of dead units")
        ax.set_title("dead units over training", fontsize=10)
        ax.legend(loc="upper left", fontsize=9)

    def _draw_activity(self, ax) -> None:
        act = self.logic.activity()
        offset = 0
        ticks, labels = [], []
        for j, frac in act.items():
            idx = np.arange(frac.size) + offset
            colors = np.where(frac == 0, "C3", "C0")
            ax.bar(idx, np.maximum(frac, 0.02), color=colors, width=0.8)
            ticks.append(offset + (frac.size - 1) / 2)
            labels.append(f"layer {j}")
            offset += frac.size + 2
        ax.set_xticks(ticks, labels)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("share of samples with z > 0")
        ax.set_title("activity of each unit (red: dead)", fontsize=10)
