"""The training playground as an ipywidgets view of a :class:`~mlp_lib.widgets.session.Session`.

``Playground(config)`` shows controls, buttons, a status line, the figure of
:mod:`mlp_lib.widgets.plots` (as an ``ipywidgets.Image``: core widgets only, so
the last frame is saved in the notebook's widget state and shows on the static
site without a kernel), a "show the numbers" panel and the current config as
JSON for copying.

Everything a button does is a plain method (:meth:`Playground.step`,
:meth:`Playground.toggle_training`, :meth:`Playground.reset`,
:meth:`Playground.apply_config_text`), so the widget can be driven from pytest
by setting control values and calling them — no browser needed.

Training without freezing the notebook: :meth:`Playground.toggle_training`
starts an asyncio task on the kernel's running event loop; the task takes a
chunk of steps (about as long as a redraw), redraws, then ``await
asyncio.sleep(0.01)`` so the kernel handles button clicks (Pause) in between.
With no running loop (a plain script, pytest) it trains a fixed number of steps
synchronously instead.

At most one training loop ever runs: every loop carries a generation number,
Train cancels the previous loop's task before it starts a new one, and a loop
whose generation is no longer the current one neither trains nor draws. So
Pause→Train, Reset→Train or Apply→Train in quick succession never makes two
loops (double speed, interleaved frames).

Changes are all or nothing: a config text or a control change that is refused
shows its error and leaves the session — config, data, model, history and the
running loop — exactly as it was, with every control showing that config again.
"""

from __future__ import annotations

import asyncio
import html
import time

import ipywidgets as W

from .plots import PlaygroundFigure
from .session import (
    DATASET_LABELS,
    DEFAULT_NOISE,
    HIDDEN_ACTIVATIONS,
    MAX_HIDDEN_LAYERS,
    MAX_NOISE,
    MAX_UNITS,
    PAIRINGS,
    REGRESSION_DATASETS,
    PlaygroundConfig,
    Session,
)

BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)
_STYLE = {"description_width": "105px"}
_WIDE = W.Layout(width="290px")


def _short_pairing(label: str) -> str:
    """'sigmoid + binary cross-entropy' → 'sigmoid + BCE' (and CCE, MSE)."""
    for long, short in (("binary cross-entropy", "BCE"), ("categorical cross-entropy", "CCE"),
                        ("mean squared error", "MSE")):
        label = label.replace(long, short)
    return label


class Playground:
    """The interactive training playground.

    Parameters
    ----------
    config : PlaygroundConfig, dict, JSON string or None
        The setup (None: the defaults — two moons, 2 × 8 tanh, sigmoid + BCE).
    grid : int
        Resolution of the decision-boundary mesh.
    sync_steps : int
        Steps that Train takes at once when no event loop runs (scripts, tests).
    **changes
        Fields of the config to override, e.g. ``Playground(dataset="spiral")``.

    Attributes
    ----------
    session : Session
        The model logic (data, network, history).
    controls : dict
        The control widgets by config field name.
    widget : ipywidgets.VBox
        The whole view; a ``Playground`` displays as this widget.
    """

    def __init__(self, config=None, *, grid: int = 60, sync_steps: int = 200, **changes):
        cfg = PlaygroundConfig.coerce(config)
        if changes:
            cfg = cfg.replace(**changes)
        self.session = Session(cfg)
        self.figure = PlaygroundFigure(self.session, grid=grid)
        self.sync_steps = int(sync_steps)
        self._task = None
        self._running = False
        self._generation = 0  # of the training loop allowed to run
        self._syncing = False
        self.frame_times: list = []
        self._build_widgets()
        self._sync_controls()
        self.refresh()

    # ------------------------------------------------------------------
    # widget tree
    def _build_widgets(self) -> None:
        c = self.session.config
        self.controls = {
            "dataset": W.Dropdown(
                options=[(label, name) for name, label in DATASET_LABELS.items()],
                value=c.dataset, description="Dataset", style=_STYLE, layout=_WIDE,
            ),
            "noise": W.FloatSlider(
                value=c.noise, min=0.0, max=max(MAX_NOISE[c.dataset], c.noise), step=0.05,
                description="Noise", style=_STYLE, layout=_WIDE, continuous_update=False,
            ),
            "classes": W.IntSlider(
                value=c.classes, min=2, max=8, description="Classes", style=_STYLE, layout=_WIDE,
                continuous_update=False,
            ),
            "test_fraction": W.FloatSlider(
                value=c.test_fraction, min=0.05, max=0.9, step=0.05, description="Test share",
                style=_STYLE, layout=_WIDE, continuous_update=False,
            ),
            "hidden_layers": W.IntSlider(
                value=c.hidden_layers, min=0, max=MAX_HIDDEN_LAYERS, description="Hidden layers",
                style=_STYLE, layout=_WIDE, continuous_update=False,
            ),
            "units": W.IntSlider(
                value=c.units, min=1, max=MAX_UNITS, description="Units / layer", style=_STYLE, layout=_WIDE,
                continuous_update=False,
            ),
            "activation": W.Dropdown(
                options=list(HIDDEN_ACTIVATIONS), value=c.activation, description="Hidden σ",
                style=_STYLE, layout=_WIDE,
            ),
            "pairing": W.Dropdown(
                # short labels: the long names do not fit the dropdown
                options=[(_short_pairing(spec[2]), name) for name, spec in PAIRINGS.items()], value=c.pairing,
                description="Output / loss", style=_STYLE, layout=_WIDE,
            ),
            "learning_rate": W.FloatLogSlider(
                value=c.learning_rate, base=10, min=-4, max=1, step=0.1, description="Learning rate",
                readout_format=".2g", style=_STYLE, layout=_WIDE, continuous_update=False,
            ),
            "batch_size": W.Dropdown(
                options=sorted(set(BATCH_SIZES) | {c.batch_size}), value=c.batch_size, description="Batch size",
                style=_STYLE, layout=_WIDE,
            ),
            "seed": W.BoundedIntText(
                value=c.seed, min=0, max=2**32 - 1, description="Seed", style=_STYLE, layout=_WIDE,
            ),
            "standardize": W.Checkbox(
                value=c.standardize, description="Standardize inputs", indent=False, layout=_WIDE,
            ),
        }
        for name, control in self.controls.items():
            control.observe(self._on_control, names="value")

        self.step_button = W.Button(description="Step", tooltip="one gradient step on the next mini-batch", icon="step-forward")
        self.train_button = W.Button(description="Train", tooltip="train until Pause", icon="play", button_style="success")
        self.reset_button = W.Button(description="Reset", tooltip="back to step 0: same seed, same initial weights", icon="undo")
        self.step_button.on_click(lambda _b: self.step())
        self.train_button.on_click(lambda _b: self.toggle_training())
        self.reset_button.on_click(lambda _b: self.reset())

        self.status = W.HTML(description="Status", style={"description_width": "50px"}, layout=W.Layout(width="880px"))
        self.image = W.Image(format="png", layout=W.Layout(width="880px"))
        self.show_numbers = W.Checkbox(value=False, description="Show the numbers (Eqs. 1–4)", indent=False)
        self.numbers = W.HTML(description="Numbers", layout=W.Layout(display="none", width="880px"))
        self.show_numbers.observe(lambda _c: self._update_numbers(), names="value")

        self.config_text = W.Textarea(
            description="Config", style={"description_width": "50px"},
            layout=W.Layout(width="880px", height="70px"),
        )
        self.apply_button = W.Button(description="Apply config", tooltip="load the JSON above (paste a shared setup)")
        self.apply_button.on_click(lambda _b: self.apply_config_text())

        ctl = self.controls
        col = lambda *names: W.VBox([ctl[n] for n in names])  # noqa: E731
        self.widget = W.VBox(
            [
                W.HBox([
                    col("dataset", "noise", "classes", "test_fraction"),
                    col("hidden_layers", "units", "activation", "pairing"),
                    col("learning_rate", "batch_size", "seed", "standardize"),
                ]),
                W.HBox([self.step_button, self.train_button, self.reset_button, self.show_numbers]),
                self.status,
                self.image,
                self.numbers,
                W.HBox([self.config_text]),
                self.apply_button,
            ],
            layout=W.Layout(width="900px"),
        )

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------
    # config
    def get_config(self) -> PlaygroundConfig:
        """The current setup (what the Config box shows)."""
        return self.session.config

    def config_json(self) -> str:
        return self.session.config.to_json()

    def set_config(self, config) -> None:
        """Load a setup (config, dict or JSON): same data, same initial weights, step 0.

        The new session is built first: if the setup is refused (``TypeError`` /
        ``ValueError``), nothing changes, not even a running training loop."""
        session = Session(PlaygroundConfig.coerce(config))
        self.pause()
        self._message = None
        self.session = session
        self.figure.session = self.session
        self.figure.rebuild()
        self._sync_controls()
        self.refresh()

    def apply_config_text(self) -> bool:
        """Load the JSON in the Config box; a bad setup shows its error instead (and the Config
        box keeps the text, to be corrected). A successful Apply clears earlier errors."""
        try:
            self.set_config(self.config_text.value)
        except (TypeError, ValueError, OverflowError, RecursionError) as exc:
            self._message = f"Could not apply the config: {exc}"
            self._render_status()
            return False
        return True

    def _sync_controls(self) -> None:
        """Show the session's config in the controls without triggering rebuilds."""
        c = self.session.config
        self._syncing = True
        try:
            ctl = self.controls
            ctl["noise"].max = max(MAX_NOISE[c.dataset], c.noise, 0.05)
            if c.batch_size not in ctl["batch_size"].options:
                ctl["batch_size"].options = sorted(set(BATCH_SIZES) | {c.batch_size})
            for name, control in ctl.items():
                if name != "classes":
                    control.value = getattr(c, name)
            ctl["noise"].disabled = c.dataset == "digits"
            # classes is a setting of spiral and blobs only; elsewhere the (disabled) slider shows
            # the data set's own count (2, or 10 for digits), and no number for regression
            classes = ctl["classes"]
            chosen = c.dataset in ("spiral", "blobs")
            shown = c.classes if chosen else max(self.session.n_classes, classes.min)
            classes.max = max(8, shown)
            classes.value = shown
            classes.disabled = not chosen
            classes.readout = self.session.task == "classification"
            self.config_text.value = c.to_json()
        finally:
            self._syncing = False

    def _on_control(self, change) -> None:
        if self._syncing:
            return
        name = change["owner"].description
        field = next(k for k, v in self.controls.items() if v is change["owner"])
        changes = {field: change["new"]}
        c = self.session.config
        if field == "dataset":
            # a new data set starts from its own noise and size; a regression set needs MSE
            changes.update(noise=DEFAULT_NOISE[change["new"]], n_samples=None)
            if change["new"] in REGRESSION_DATASETS and c.loss != "mse":
                changes["pairing"] = "identity+mse"
            elif change["new"] not in REGRESSION_DATASETS and c.dataset in REGRESSION_DATASETS:
                changes["pairing"] = "softmax+cce"
        if field == "pairing" and c.dataset in REGRESSION_DATASETS and PAIRINGS[change["new"]][1] != "mse":
            self._message = f"{name}: the regression data set needs an MSE pairing; kept {c.pairing!r}"
            self._sync_controls()
            self._render_status()
            return
        structural = any(k not in ("learning_rate", "batch_size") for k in changes)
        try:
            self.session.update(**changes)  # all or nothing
        except (TypeError, ValueError) as exc:
            # refused: the session kept its config, and the controls show it again
            self._message = f"{name}: {exc}; kept {getattr(c, field)!r}"
            self._sync_controls()
            self._render_status()
            return
        self._message = None
        if structural:
            self.pause()
            self.figure.rebuild()
        self._sync_controls()
        self.refresh()

    # ------------------------------------------------------------------
    # buttons
    def step(self) -> bool:
        """Step button: one gradient step on the next mini-batch, then redraw."""
        self._message = None
        ok = self.session.step() and self.session.evaluate()
        self.refresh()
        return ok

    def reset(self) -> None:
        """Reset button: back to step 0 with the same initial weights and batch order."""
        self.pause()
        self._message = None
        self.session.reset()
        self.refresh()  # same data and layers: the figure's artists stay, only their data changes

    def train(self, steps: int, redraw_every: int | None = None) -> bool:
        """Train ``steps`` steps now (blocking), redrawing every ``redraw_every`` steps
        (default: once at the end). Returns False if training diverged."""
        every = steps if redraw_every is None else max(1, int(redraw_every))
        done, ok = 0, True
        while done < steps and ok:
            n = min(every, steps - done)
            ok = self.session.train_steps(n, record_every=max(1, min(10, n // 4)))
            done += n
            self.refresh(fast=done < steps)
        return ok

    def toggle_training(self) -> None:
        """Train/Pause button."""
        if self._running:
            self.pause()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:  # no kernel loop (script, pytest): train a fixed number of steps now
            self.train(self.sync_steps)
            return
        # a paused loop may not have woken up yet to see the pause: cancel it, and make it stale,
        # so that only the new loop trains and draws
        self._generation += 1
        old = self._task
        if old is not None and not old.done():
            old.cancel()
        self._running = True
        self._set_train_label()
        self._task = loop.create_task(self._train_loop(generation=self._generation))

    def pause(self) -> None:
        """Stop a running training task after its current chunk (the task ends at its next wake-up)."""
        self._running = False
        self._set_train_label()

    @property
    def is_training(self) -> bool:
        return self._running

    def _current(self, generation: int) -> bool:
        return generation == self._generation

    async def _train_loop(self, target_seconds: float = 0.04, *, generation: int | None = None) -> None:
        if generation is None:
            generation = self._generation
        chunk = 1
        try:
            while self._running and self._current(generation):
                t0 = time.perf_counter()
                ok = self.session.train_steps(chunk, record_every=max(1, min(10, chunk // 4)))
                t1 = time.perf_counter()
                self.refresh(fast=True)
                t2 = time.perf_counter()
                self.frame_times.append(t2 - t0)
                if not ok:
                    break
                # about target_seconds of training per frame (1 … 500 steps), so the picture
                # moves smoothly and a Pause click waits at most one chunk
                per_step = (t1 - t0) / chunk
                chunk = int(min(500, max(1, target_seconds / max(per_step, 1e-6))))
                await asyncio.sleep(0.01)
        finally:
            if self._current(generation):  # a stale loop leaves the state to the current one
                self._running = False
                self._set_train_label()
                self.refresh()

    def _set_train_label(self) -> None:
        if self._running:
            self.train_button.description, self.train_button.icon, self.train_button.button_style = "Pause", "pause", "warning"
        else:
            self.train_button.description, self.train_button.icon, self.train_button.button_style = "Train", "play", "success"

    # ------------------------------------------------------------------
    # views
    _message = None

    def refresh(self, fast: bool = False) -> None:
        """Redraw the figure (JPEG while training fast, PNG at rest), the status and the numbers."""
        self.figure.update()
        fmt = "jpeg" if fast else "png"
        self.image.format = fmt
        self.image.value = self.figure.image_bytes(fmt)
        self._render_status()
        if not fast:
            self._update_numbers()

    def _render_status(self) -> None:
        st = self.session.status()
        what = "R²" if self.session.task == "regression" else "accuracy"
        text = (
            f"step <b>{st['step']}</b> · epoch {st['epoch']:.1f} · loss train {st['train_loss']:.4f} / "
            f"test {st['test_loss']:.4f} · {what} train {st['train_accuracy']:.3f} / test <b>{st['test_accuracy']:.3f}</b>"
        )
        if st["diverged"]:
            text += (
                "<div style='color:#b00020;font-weight:bold;border:1px solid #b00020;padding:4px;margin-top:3px'>"
                f"⚠ Training stopped: {html.escape(st['diverged'])}. "
                "Lower the learning rate and press Reset to start again from the same initial weights.</div>"
            )
        if self._message:
            text += f"<div style='color:#8a5300'>{html.escape(self._message)}</div>"
        self.status.value = text

    def _update_numbers(self) -> None:
        show = self.show_numbers.value
        self.numbers.layout.display = "" if show else "none"
        if show:
            self.numbers.value = self.session.numbers_html()

    @property
    def divergence_message(self) -> str | None:
        return self.session.diverged


def iter_widgets(widget):
    """Every widget in a widget tree (depth first)."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from iter_widgets(child)
