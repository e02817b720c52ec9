"""Batch size at work: the same network trained with several mini-batch sizes.

:class:`BatchSizes` (the logic, no display) trains one fresh
:class:`~mlp_lib.widgets.session.Session` model per batch size from the same
:class:`~mlp_lib.widgets.session.PlaygroundConfig` — same data, same initial
weights — for the same number of epochs and the same learning rate, and
records for each, in a :class:`BatchRun`,

* the loss on the whole training set at regular evaluations (against epochs
  and against gradient steps), and
* the loss of every mini-batch at the step it was used (the noisy signal the
  gradient actually follows).

:class:`BatchSizesView` is its ipywidgets view: batch sizes, learning rate,
epochs and seed as labelled controls, a *Run* button, a summary line and the
picture drawn by :func:`draw_comparison` (matplotlib Agg → PNG in an
``ipywidgets.Image``, saved with the notebook, so the static site shows the
initial run).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from ..training import TrainingDiverged, sgd_step
from ..validation import positive_int
from .controls import Button, Controls, Panel
from .rendering import figure_png
from .session import PlaygroundConfig, Session

#: batch sizes offered by the widget; "full" (0) means the whole training set
BATCH_CHOICES = (1, 4, 16, 64, 0)
COLORS = ("#d62728", "#ff7f0e", "#2ca02c", "#1f77b4", "#9467bd", "#8c564b")


@dataclass
class BatchRun:
    """One training run at a fixed batch size."""

    batch_size: int
    steps_per_epoch: int
    eval_steps: list = field(default_factory=list)
    eval_epochs: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    batch_loss: list = field(default_factory=list)
    diverged: str | None = None

    @property
    def final_loss(self) -> float:
        return self.train_loss[-1]


class BatchSizes:
    """One network trained per batch size, from the same data and initial weights.

    Parameters
    ----------
    config : PlaygroundConfig, dict, JSON or None
        Data set, network, learning rate and seed (its ``batch_size`` is not used).
    batch_sizes : sequence of int
        Positive integers, or 0 for the whole training set.
    epochs : int
    evaluations : int
        About how many times the full training loss is evaluated per run.

    Every run trains ``epochs`` epochs of ``ceil(m / b)`` steps with :func:`mlp_lib.sgd_step`
    (a new seeded permutation of the samples each epoch).

    Attributes
    ----------
    runs : list of BatchRun
        One per batch size, in the order given.
    m : int
        The number of training samples.
    """

    def __init__(self, config=None, batch_sizes=(1, 16, 0), epochs: int = 10, evaluations: int = 60):
        self.config = cfg = PlaygroundConfig.coerce(config)
        self.epochs = epochs = positive_int(epochs, "epochs")
        self.batch_sizes = [
            0 if b == 0 else positive_int(b, "each batch size (or 0 for the full batch)") for b in batch_sizes
        ]
        if not self.batch_sizes:
            raise ValueError("expected at least one batch size, got none")
        template = Session(cfg)  # the data, the architecture and the initial weights of this config
        x, y = template._x, template._y
        self.m = m = x.shape[1]
        self.runs = []
        for b in self.batch_sizes:
            model = template.model.copy()  # an untrained session: the initial weights, copied
            size = m if b == 0 else min(b, m)
            per_epoch = math.ceil(m / size)
            every = max(1, epochs * per_epoch // max(1, int(evaluations)))
            run = BatchRun(batch_size=size, steps_per_epoch=per_epoch)
            run.eval_steps.append(0)
            run.eval_epochs.append(0.0)
            run.train_loss.append(model._loss(model._forward(x), y))
            rng = np.random.default_rng([cfg.seed, 1])
            step = 0
            try:
                for epoch in range(1, epochs + 1):
                    order = rng.permutation(m)
                    for start in range(0, m, size):
                        idx = order[start : start + size]
                        grads = sgd_step(model, x[:, idx], y[:, idx], cfg.learning_rate, epoch=epoch, step=step + 1)
                        step += 1
                        run.batch_loss.append(float(grads.loss))
                        if step % every == 0 or step == epochs * per_epoch:
                            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                                loss = model._loss(model._forward(x), y)
                            if not np.isfinite(loss):
                                raise TrainingDiverged("the training loss became infinite or NaN", epoch, step)
                            run.eval_steps.append(step)
                            run.eval_epochs.append(step / per_epoch)
                            run.train_loss.append(loss)
            except TrainingDiverged as exc:
                run.diverged = str(exc)
            self.runs.append(run)


def _label(b: int, m: int) -> str:
    return f"full batch ({m})" if b >= m else f"batch {b}"


def draw_comparison(runs, m: int, dpi: int = 80) -> bytes:
    """Loss against epochs (left) and against gradient steps (right) as PNG bytes."""
    fig = Figure(figsize=(9.0, 3.4), dpi=dpi)
    ax_e, ax_s = fig.subplots(1, 2)
    for k, run in enumerate(runs):
        c = COLORS[k % len(COLORS)]
        label = _label(run.batch_size, m)
        ax_e.plot(run.eval_epochs, run.train_loss, color=c, label=label)
        if run.batch_loss:
            steps = np.arange(1, len(run.batch_loss) + 1)
            ax_s.plot(steps, run.batch_loss, color=c, alpha=0.25, linewidth=0.7)
        ax_s.plot(np.maximum(run.eval_steps, 1), run.train_loss, color=c, label=label)
    ax_e.set_xlabel("epochs (passes over the training set)")
    ax_e.set_ylabel("training loss L (whole set)")
    ax_e.set_title("same number of epochs", fontsize=10)
    ax_s.set_xscale("log")
    ax_s.set_xlabel("gradient steps (log scale)")
    ax_s.set_title("faint: loss of each mini-batch; solid: whole set", fontsize=10)
    for ax in (ax_e, ax_s):
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
    ax_e.legend(fontsize=9)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.9, wspace=0.22)
    return figure_png(fig)


class BatchSizesView(Panel):
    """Controls (batch sizes, learning rate, epochs, seed), a Run button, a summary and the comparison picture.

    Parameters
    ----------
    config : PlaygroundConfig, dict, JSON or None
        Data set and network (its ``batch_size`` is ignored: the widget sets it).
    batch_sizes : sequence of int
        Initially selected batch sizes (0 = full batch), from :data:`BATCH_CHOICES`.
    epochs : int

    Moving a control changes nothing until *Run* (training takes a few seconds).
    """

    def __init__(self, config=None, batch_sizes=(1, 16, 0), epochs: int = 10):
        self.config = PlaygroundConfig.coerce(config)
        make = Controls()
        choices = [("full batch" if b == 0 else str(b), b) for b in BATCH_CHOICES]
        self.batch_select = make(
            W.SelectMultiple, "Batch sizes", options=choices, value=tuple(batch_sizes), rows=len(BATCH_CHOICES)
        )
        self.learning_rate = make.learning_rate(self.config.learning_rate)
        self.epochs = make(W.IntSlider, "Epochs", value=int(epochs), min=1, max=40)
        self.seed = make(W.BoundedIntText, "Seed", value=self.config.seed, min=0, max=2**32 - 1)
        self._build(
            (self.batch_select, [self.learning_rate, self.epochs, self.seed]),
            (Button("run", "Run", "train one network per batch size", icon="play", style="success"),),
            status_label="Result",
        )
        self.run()

    def _on_control(self, _change) -> None:
        pass

    def current_config(self) -> PlaygroundConfig:
        return self.config.replace(learning_rate=float(self.learning_rate.value), seed=int(self.seed.value))

    def make_logic(self) -> BatchSizes:
        sizes = sorted(self.batch_select.value, key=lambda b: b if b > 0 else 10**9)
        return BatchSizes(self.current_config(), sizes, epochs=self.epochs.value)

    def run(self) -> None:
        """Train with the current settings and redraw (what the Run button does)."""
        if not self.batch_select.value:
            self.status.value = "Select at least one batch size."
            return
        self.logic = self.make_logic()
        self.refresh()

    def status_html(self) -> str:
        parts = []
        for run in self.logic.runs:
            text = (
                f"{_label(run.batch_size, self.logic.m)}: {run.steps_per_epoch * self.logic.epochs} steps, "
                f"final loss {run.final_loss:.3g}"
            )
            if run.diverged:
                text += " (diverged: lower the learning rate)"
            parts.append(text)
        return " · ".join(parts)

    def picture(self) -> bytes:
        return draw_comparison(self.logic.runs, self.logic.m)
