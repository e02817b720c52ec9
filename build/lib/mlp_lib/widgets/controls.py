"""The pattern every explorer of the book follows: a logic class ``Thing`` and its view ``ThingView``.

The logic class holds the state and the numbers (a network, a history, a backward pass). It
needs no display: tests drive it directly. The view is a subclass of :class:`Panel` (or of
:class:`TrainerPanel` for one that trains). It holds the logic object as :attr:`Panel.logic` and
does all the formatting: HTML, numbers in strings, figures. The panel lays out and wires the
parts every view shares::

    controls   sliders and dropdowns, in columns
    buttons    Step / Train / Reset, or the view's own
    status     one line of HTML
    picture    an ipywidgets.Image holding a PNG (or an HTML widget for a table)

Moving a control calls ``_on_control(change)``: by default a fresh logic object from
``make_logic()``, then :meth:`Panel.refresh`. A button calls the view method it names.
:meth:`Panel.refresh` puts ``status_html()`` into the status line and ``picture()`` (by default
the PNG of the view's ``figure()``) into the picture. A view writes those hooks. It never creates
a button, status line or picture itself, and makes its controls with a :class:`Controls`.

The pictures are PNGs drawn with matplotlib's Agg backend (see :mod:`.rendering`) into core
widgets, so the last one is saved with the notebook and shows on the static website.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as W

from .rendering import figure_png


class Controls:
    """Makes a view's controls alike: one label width, one control width, sliders that act on release.

    ``make = Controls(label_width="110px", width="300px")``, then
    ``make(W.IntSlider, "Seed", value=0, min=0, max=20)``.
    """

    def __init__(self, *, label_width: str | None = None, width: str | None = None):
        self.label_width, self.width = label_width, width

    def __call__(self, kind, description: str, **kwargs):
        if self.label_width:
            kwargs.setdefault("style", {"description_width": self.label_width})
        if self.width:
            kwargs.setdefault("layout", W.Layout(width=self.width))
        if "continuous_update" in kind.class_trait_names():
            kwargs.setdefault("continuous_update", False)
        return kind(description=description, **kwargs)

    def learning_rate(self, value: float, *, lo: float = -3, hi: float = 1, description: str = "Learning rate η"):
        """A log-scale learning-rate slider from 10**lo to 10**hi."""
        return self(W.FloatLogSlider, description, value=value, base=10, min=lo, max=hi, step=0.1, readout_format=".2g")


@dataclass(frozen=True)
class Button:
    """One button of a panel: it becomes the view's attribute ``<key>_button``.

    A click calls the view's method ``method`` (by default the one named ``key``).
    """

    key: str
    label: str
    tooltip: str
    method: str = ""
    icon: str = ""
    style: str = ""


class Panel:
    """Base class of a view: controls, buttons, a status line and a picture around a logic object.

    A subclass sets :attr:`logic`, creates its controls, calls :meth:`_build` and then
    :meth:`refresh`. It implements ``status_html()``, ``figure()`` (a matplotlib Figure; or
    ``picture()``, whatever its picture widget's ``value`` takes) and ``make_logic()`` or
    ``_on_control(change)``.

    Attributes
    ----------
    logic
        The display-free object the view shows.
    status : ipywidgets.HTML
    image : ipywidgets.Image
        The picture (unless the view passed its own picture widget to :meth:`_build`).
    buttons : dict of ipywidgets.Button, by key
    widget : ipywidgets.VBox
        What the notebook displays.
    """

    logic = None

    def _build(
        self, controls, buttons=(), *, status_label: str | None = "Status", picture=None, width: str | None = "680px"
    ) -> None:
        """Wire the controls and buttons to the view's methods and assemble :attr:`widget`.

        ``controls`` is a sequence of columns: each item is a widget or a sequence of widgets
        (stacked). ``buttons`` is a sequence of :class:`Button`. ``picture`` is the widget the
        picture goes into (default: an ``ipywidgets.Image`` of the given ``width``, stored as
        :attr:`image`).
        """
        columns = [[item] if isinstance(item, W.Widget) else list(item) for item in controls]
        for column in columns:
            for control in column:
                control.observe(self._on_control, names="value")
        self.buttons = {}
        for spec in buttons:
            button = W.Button(description=spec.label, tooltip=spec.tooltip, icon=spec.icon, button_style=spec.style)
            button.on_click(lambda _b, method=spec.method or spec.key: getattr(self, method)())
            self.buttons[spec.key] = button
            setattr(self, f"{spec.key}_button", button)
        if status_label:
            self.status = W.HTML(description=status_label, style={"description_width": "50px"})
        else:
            self.status = W.HTML()
        if picture is None:
            picture = self.image = W.Image(format="png", layout=W.Layout(width=width) if width else W.Layout())
        self._picture = picture
        rows = [W.HBox([W.VBox(column) for column in columns])]
        if self.buttons:
            rows.append(W.HBox(list(self.buttons.values())))
        self.widget = W.VBox([*rows, self.status, picture])

    # hooks a view implements ---------------------------------------------
    def make_logic(self):
        """A fresh logic object from the controls' values."""
        raise NotImplementedError

    def status_html(self) -> str:
        """The status line (HTML: <sub>/<sup> for indices, no TeX)."""
        raise NotImplementedError

    def figure(self):
        """The picture as a matplotlib ``Figure``."""
        raise NotImplementedError

    def picture(self):
        """The picture's value: the PNG of :meth:`figure` for the default ``ipywidgets.Image``."""
        return figure_png(self.figure())

    # shared behaviour ------------------------------------------------------
    def _on_control(self, _change) -> None:
        self.logic = self.make_logic()
        self.refresh()

    def refresh(self) -> None:
        """Redraw the status line and the picture from :attr:`logic`."""
        self.status.value = self.status_html()
        self._picture.value = self.picture()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


class TrainerPanel(Panel):
    """A :class:`Panel` whose logic trains: *Step*, *Train* and *Reset*.

    :meth:`step` takes :attr:`step_size` steps, :meth:`train` :attr:`train_steps`, and both
    redraw; :meth:`reset` calls ``logic.reset()`` and redraws. A step is ``logic.step(n)``
    unless the view overrides :meth:`_advance`. When the logic's ``diverged`` is set (True or
    the divergence message), the status line says so.
    """

    #: steps per *Step* click
    step_size = 1
    #: steps per *Train* click
    train_steps = 50

    def trainer_buttons(self, *, step_tip: str, train_tip: str, reset_tip: str) -> tuple:
        """The standard *Step* / *Train* / *Reset* buttons."""
        return (
            Button("step", "Step", step_tip, icon="step-forward"),
            Button("train", "Train", train_tip, icon="play", style="success"),
            Button("reset", "Reset", reset_tip, icon="undo"),
        )

    def _advance(self, steps: int):
        """Take ``steps`` training steps of the logic; returns what the logic returns."""
        return self.logic.step(steps)

    def step(self):
        """:attr:`step_size` steps, then redraw."""
        result = self._advance(self.step_size)
        self.refresh()
        return result

    def train(self, steps: int | None = None):
        """``steps`` steps (default :attr:`train_steps`), then redraw."""
        result = self._advance(self.train_steps if steps is None else steps)
        self.refresh()
        return result

    def reset(self) -> None:
        """Back to the logic's start, then redraw."""
        self.logic.reset()
        self.refresh()

    def refresh(self) -> None:
        super().refresh()
        diverged = getattr(self.logic, "diverged", None)
        if diverged:
            detail = f": {html.escape(diverged)}" if isinstance(diverged, str) else ""
            self.status.value += f"<br><b>diverged</b>{detail}. Lower the learning rate and press Reset."
