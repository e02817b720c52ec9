"""Batch size at work: the same network trained with several mini-batch sizes.

:func:`compare_batch_sizes` (no display) trains one fresh
:class:`~mlp_lib.widgets.session.Session` per batch size from the same
:class:`~mlp_lib.widgets.session.PlaygroundConfig` — same data, same initial
weights — for the same number of epochs and the same learning rate, and
records for each

* the loss on the whole training set at regular evaluations (against epochs
  and against gradient steps), and
* the loss of every mini-batch at the step it was used (the noisy signal the
  gradient actually follows).

:func:`draw_comparison` draws the two views side by side (matplotlib Agg →
PNG), and :class:`BatchSizeWidget` wraps both in ipywidgets: batch sizes,
learning rate, epochs and seed as labelled controls, a *Run* button, the
picture in an ``ipywidgets.Image`` (saved with the notebook, so the static
site shows the initial run).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..training import TrainingDiverged, sgd_step
from .session import PlaygroundConfig, Session, make_data
from .rendering import figure_png

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


def _label(b: int, m: int) -> str:
    return f"full batch ({m})" if b >= m else f"batch {b}"


def compare_batch_sizes(config=None, batch_sizes=(1, 16, 0), epochs: int = 10, evaluations: int = 60) -> list:
    """Train one network per batch size; return a list of :class:`BatchRun`.

    ``batch_sizes`` are positive integers, or 0 for the whole training set.
    Every run starts from the same initial weights (the config's seed), trains
    ``epochs`` epochs of ``ceil(m / b)`` steps with :func:`mlp_lib.sgd_step`
    (a new seeded permutation of the samples each epoch) and evaluates the
    full training loss about ``evaluations`` times.
    """
    cfg = PlaygroundConfig.coerce(config)
    epochs = int(epochs)
    if epochs < 1:
        raise ValueError(f"expected epochs ≥ 1, got {epochs}")
    sizes = [int(b) for b in batch_sizes]
    if not sizes or any(b < 0 for b in sizes):
        raise ValueError(f"expected batch sizes ≥ 1 (or 0 for the full batch), got {batch_sizes!r}")
    template = Session(cfg)  # the data, the architecture and the initial weights of this config
    x, y = template._x, template._y
    m = x.shape[1]
    runs = []
    for b in sizes:
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
        runs.append(run)
    return runs


def draw_comparison(runs, m: int, dpi: int = 80) -> bytes:
    """Loss against epochs (left) and against gradient steps (right) as PNG bytes."""
    fig = Figure(figsize=(9.5, 3.4), dpi=dpi)
    FigureCanvasAgg(fig)
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
    ax_e.legend(fontsize=8)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.9, wspace=0.22)
    return figure_png(fig)


class BatchSizeWidget:
    """Controls (batch sizes, learning rate, epochs, seed), a Run button, the comparison picture.

    Parameters
    ----------
    config : PlaygroundConfig, dict, JSON or None
        Data set and network (its ``batch_size`` is ignored: the widget sets it).
    batch_sizes : sequence of int
        Initially selected batch sizes (0 = full batch), from :data:`BATCH_CHOICES`.
    epochs : int
    """

    def __init__(self, config=None, batch_sizes=(1, 16, 0), epochs: int = 10):
        self.config = PlaygroundConfig.coerce(config)
        self.batch_select = W.SelectMultiple(
            options=[("full batch" if b == 0 else str(b), b) for b in BATCH_CHOICES],
            value=tuple(batch_sizes), rows=len(BATCH_CHOICES), description="Batch sizes",
        )
        self.learning_rate = W.FloatLogSlider(
            value=self.config.learning_rate, base=10, min=-3, max=1, step=0.1,
            description="Learning rate", readout_format=".2g", continuous_update=False,
        )
        self.epochs = W.IntSlider(value=int(epochs), min=1, max=40, description="Epochs", continuous_update=False)
        self.seed = W.BoundedIntText(value=self.config.seed, min=0, max=2**32 - 1, description="Seed")
        self.run_button = W.Button(description="Run", tooltip="train one network per batch size", icon="play")
        self.run_button.on_click(lambda _b: self.run())
        self.summary = W.HTML(description="Result")
        self.image = W.Image(format="png", layout=W.Layout(width="860px"))
        self.widget = W.VBox([
            W.HBox([self.batch_select, W.VBox([self.learning_rate, self.epochs, self.seed, self.run_button])]),
            self.summary,
            self.image,
        ])
        self.runs: list = []
        self.run()

    def current_config(self) -> PlaygroundConfig:
        return self.config.replace(learning_rate=float(self.learning_rate.value), seed=int(self.seed.value))

    def run(self) -> None:
        """Train with the current settings and redraw."""
        sizes = sorted(self.batch_select.value, key=lambda b: b if b > 0 else 10**9)
        if not sizes:
            self.summary.value = "Select at least one batch size."
            return
        cfg = self.current_config()
        self.runs = compare_batch_sizes(cfg, sizes, epochs=self.epochs.value)
        m = make_data(cfg)[0].m
        parts = []
        for run in self.runs:
            text = (f"{_label(run.batch_size, m)}: {run.steps_per_epoch * self.epochs.value} steps, "
                    f"final loss {run.final_loss:.3g}")
            if run.diverged:
                text += " (diverged: lower the learning rate)"
            parts.append(text)
        self.summary.value = " · ".join(parts)
        self.image.value = draw_comparison(self.runs, m)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
