"""Batch size at work: the same network trained with several mini-batch sizes.

:class:`BatchSizes` (the logic, no display) trains one fresh
:class:`~mlp_lib.widgets.session.Session` model per batch size from the same
:class:`~mlp_lib.widgets.session.PlaygroundConfig` — same data, same initial
weights, same order of the samples in every epoch — for the same number of epochs
and the same learning rate, and records for each, in a :class:`BatchRun`,

* the loss on the whole training set at regular evaluations (against epochs
  and against gradient steps), and
* the loss of every mini-batch at the step it was used (the noisy signal the
  gradient actually follows).

:class:`BatchSizesView` is the explorer: an anywidget whose front end (``web/engine.js`` +
``web/ui.js`` + ``web/batch_size.js``) trains the runs in the reader's browser, in a notebook
and on the static website alike (batch sizes, learning rate, epochs and seed as controls,
a *Run* / *Stop* button, a summary line and two charts: the loss against epochs and against
gradient steps). :class:`BatchSizes` is the reference the page is tested against.

Python and the page share these traits:

``config``, ``batch_sizes``, ``learning_rate``, ``epochs``, ``seed`` (Python → page)
    The comparison: the data set and network (a :class:`PlaygroundConfig` as ``to_dict``
    writes it; its ``learning_rate``, ``seed`` and ``batch_size`` are not used), the selected
    batch sizes (from :data:`BATCH_CHOICES`, 0 = the full batch) and the controls' values.
    Setting one from Python runs the comparison again in the page; the reader's changes to
    the controls do not write them.
``batch_choices``, ``evaluations`` (Python → page)
    The batch sizes offered and about how many evaluations of the whole-set loss a run makes.
``start`` (Python → page)
    mlp_lib's start for ``seed``: the training data ``x``, the targets ``y`` and the initial
    network, drawn with NumPy as :class:`BatchSizes` draws them. The page starts every run
    from it when its seed is ``start["seed"]``; for another seed (typed by the reader; on the
    static site there is no Python to ask) it draws data and weights with the engine's own
    generator. The order of the samples in each epoch is always the engine's
    (``createRng(seed, STREAMS.batches)``, one permutation per epoch, the same for every run).
``results`` (page → Python)
    The page's last comparison, when it finishes or is stopped: its ``learning_rate``,
    ``epochs``, ``seed``, ``batch_sizes``, ``source`` ("mlp_lib" or "page"), ``m`` and
    ``runs``, one ``{batch_size, steps_per_epoch, steps, final_loss, diverged}`` per run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import anywidget
import numpy as np
import traitlets

from ..training import TrainingDiverged, sgd_step
from ..validation import int_in_range, positive_int
from .esm import assemble
from .page_weights import page_network
from .session import PlaygroundConfig, Session, _float_field

#: batch sizes offered by the widget; "full" (0) means the whole training set
BATCH_CHOICES = (1, 4, 16, 64, 0)
#: about how many times a run evaluates the loss on the whole training set
EVALUATIONS = 60
#: the controls' ranges (BatchSizesView)
RATE_RANGE = (1e-3, 10.0)
EPOCHS_RANGE = (1, 40)


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
    orders : sequence of ``epochs`` permutations of 0 … m−1, or None
        The order of the samples in each epoch, the same for every run (default: NumPy's,
        ``default_rng([seed, 1]).permutation(m)`` once per epoch; the tests pass the page's).

    Every run trains ``epochs`` epochs of ``ceil(m / b)`` steps with :func:`mlp_lib.sgd_step`
    on consecutive slices of that epoch's order.

    Attributes
    ----------
    runs : list of BatchRun
        One per batch size, in the order given.
    m : int
        The number of training samples.
    """

    def __init__(
        self, config=None, batch_sizes=(1, 16, 0), epochs: int = 10, evaluations: int = EVALUATIONS, orders=None
    ):
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
        self.orders = self._check_orders(orders, m, epochs, cfg.seed)
        self.runs = [self._train(template.model.copy(), x, y, b, evaluations) for b in self.batch_sizes]

    @staticmethod
    def _check_orders(orders, m: int, epochs: int, seed: int) -> list:
        if orders is None:
            rng = np.random.default_rng([seed, 1])
            return [rng.permutation(m) for _ in range(epochs)]
        orders = [np.asarray(order, dtype=np.int64) for order in orders]
        if len(orders) != epochs or any(not np.array_equal(np.sort(o), np.arange(m)) for o in orders):
            raise ValueError(
                f"expected {epochs} orders (one per epoch), each a permutation of 0 … {m - 1}, "
                f"got {len(orders)} orders or one that is not such a permutation"
            )
        return orders

    def _train(self, model, x, y, b: int, evaluations: int) -> BatchRun:
        """One run: ``model`` (a copy of the initial network) trained with batches of ``b`` (0: all)."""
        m, epochs, lr = self.m, self.epochs, self.config.learning_rate
        size = m if b == 0 else min(b, m)
        per_epoch = math.ceil(m / size)
        every = max(1, epochs * per_epoch // max(1, int(evaluations)))
        run = BatchRun(batch_size=size, steps_per_epoch=per_epoch)
        run.eval_steps.append(0)
        run.eval_epochs.append(0.0)
        run.train_loss.append(model._loss(model._forward(x), y))
        step = 0
        try:
            for epoch, order in enumerate(self.orders, start=1):
                for start in range(0, m, size):
                    idx = order[start : start + size]
                    grads = sgd_step(model, x[:, idx], y[:, idx], lr, epoch=epoch, step=step + 1)
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
        return run


def _check_config(config) -> dict:
    """The config as ``to_dict`` writes it, checked (ValueError/TypeError); digits is refused."""
    cfg = PlaygroundConfig.coerce(config)
    if cfg.dataset == "digits":
        raise ValueError("expected a data set the page can draw itself, got 'digits' (its table is not sent)")
    return cfg.to_dict()


def _check_sizes(sizes) -> list:
    """The selected batch sizes, each one of BATCH_CHOICES, without repeats, smallest first, 0 (full) last."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"expected a sequence of batch sizes from {BATCH_CHOICES}, got {sizes!r}")
    sizes = list(sizes)
    for b in sizes:
        if isinstance(b, bool) or b not in BATCH_CHOICES:
            raise ValueError(f"expected batch sizes from {BATCH_CHOICES} (0 = the full batch), got {b!r}")
    return sorted({int(b) for b in sizes}, key=lambda b: b if b > 0 else math.inf)


def _check_rate(value) -> float:
    """The learning rate, a number in the slider's range (rounded to 12 digits, as PlaygroundConfig does)."""
    return _float_field(value, "learning_rate", *RATE_RANGE)


class BatchSizesView(anywidget.AnyWidget):
    """Controls (batch sizes, learning rate, epochs, seed), a Run button, a summary and the comparison, in the page.

    Parameters
    ----------
    config : PlaygroundConfig, dict, JSON or None
        Data set and network, and the learning rate and seed the controls start at (its
        ``batch_size`` is ignored: the widget sets it).
    batch_sizes : sequence of int
        Initially selected batch sizes (0 = full batch), from :data:`BATCH_CHOICES`.
    epochs : int in 1 … 40

    Every change of a control runs the comparison again in the page (*Run* repeats it,
    *Stop* ends it early); Python reads the page's last comparison from :attr:`results`.
    """

    _esm = assemble("ui.js", "batch_size.js")

    config = traitlets.Dict().tag(sync=True)
    batch_sizes = traitlets.List(traitlets.Int()).tag(sync=True)
    learning_rate = traitlets.Float(0.3).tag(sync=True)
    epochs = traitlets.Int(10).tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)
    batch_choices = traitlets.List(list(BATCH_CHOICES)).tag(sync=True)
    evaluations = traitlets.Int(EVALUATIONS).tag(sync=True)
    start = traitlets.Dict().tag(sync=True)
    results = traitlets.Dict().tag(sync=True)

    def __init__(self, config=None, batch_sizes=(1, 16, 0), epochs: int = 10):
        config = _check_config(config)
        super().__init__(
            config=config,
            batch_sizes=_check_sizes(batch_sizes),
            learning_rate=_check_rate(config["learning_rate"]),
            epochs=int_in_range(epochs, "epochs", *EPOCHS_RANGE),
            seed=config["seed"],
            start=_start(config, config["seed"]),
        )

    @traitlets.validate("config")
    def _valid_config(self, proposal):
        return _refuse(_check_config, proposal)

    @traitlets.validate("batch_sizes")
    def _valid_sizes(self, proposal):
        return _refuse(_check_sizes, proposal)

    @traitlets.validate("learning_rate")
    def _valid_rate(self, proposal):
        return _refuse(_check_rate, proposal)

    @traitlets.validate("epochs")
    def _valid_epochs(self, proposal):
        return _refuse(lambda v: int_in_range(v, "epochs", *EPOCHS_RANGE), proposal)

    @traitlets.validate("seed")
    def _valid_seed(self, proposal):
        return _refuse(lambda v: int_in_range(v, "seed", 0, 2**32 - 1), proposal)

    @traitlets.observe("config", "seed")
    def _new_start(self, _change) -> None:
        self.start = _start(self.config, self.seed)

    def reference(self, orders=None) -> BatchSizes:
        """mlp_lib's comparison of the current setup (:class:`BatchSizes`), from the page's start when the
        page trains from :attr:`start`; ``orders`` as :class:`BatchSizes` takes them (default: NumPy's)."""
        config = PlaygroundConfig.from_dict({**self.config, "learning_rate": self.learning_rate, "seed": self.seed})
        return BatchSizes(config, self.batch_sizes, self.epochs, self.evaluations, orders=orders)

    def final_losses(self) -> dict:
        """``{batch size: final training loss}`` of the page's last comparison (None for a diverged run)."""
        runs = self.results.get("runs")
        if runs is None:
            raise RuntimeError("expected results from the page, got none: display the view (its front end trains)")
        return {run["batch_size"]: (None if run["diverged"] else run["final_loss"]) for run in runs}


def _start(config: dict, seed: int) -> dict:
    """mlp_lib's start for ``seed``: the training data and initial network of ``BatchSizes`` on ``config``."""
    session = Session(PlaygroundConfig.from_dict({**config, "seed": seed}))
    return {"seed": seed, "x": session._x.tolist(), "y": session._y.tolist(), "network": page_network(session.model)}


def _refuse(check, proposal):
    """``check(proposal["value"])``, its ValueError/TypeError turned into a TraitError naming the problem."""
    try:
        return check(proposal["value"])
    except (TypeError, ValueError) as exc:
        raise traitlets.TraitError(f"could not set {proposal['trait'].name}: {exc}") from exc
