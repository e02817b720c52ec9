"""The layout shared by the chapters' small training widgets.

Sliders on top, then *Step* / *Train* / *Reset*, a status line and the
picture (an ``ipywidgets.Image`` holding a PNG). A subclass creates its
sliders, calls :meth:`TrainerPanel._build` with them, and implements
``step()``, ``train()``, ``reset()``, ``refresh()`` and ``_on_control(change)``
(called when a slider moves).
"""

from __future__ import annotations

import ipywidgets as W


class TrainerPanel:
    """Base class of a widget with controls, Step/Train/Reset buttons, a status line and an image."""

    def _build(self, controls, *, step_tip: str, train_tip: str, reset_tip: str) -> None:
        """Wire the controls and buttons to the subclass's methods and assemble ``self.widget``."""
        for control in controls:
            control.observe(self._on_control, names="value")
        self.step_button = W.Button(description="Step", tooltip=step_tip, icon="step-forward")
        self.train_button = W.Button(description="Train", tooltip=train_tip, icon="play", button_style="success")
        self.reset_button = W.Button(description="Reset", tooltip=reset_tip, icon="undo")
        self.step_button.on_click(lambda _b: self.step())
        self.train_button.on_click(lambda _b: self.train())
        self.reset_button.on_click(lambda _b: self.reset())
        self.status = W.HTML(description="Status", style={"description_width": "50px"})
        self.image = W.Image(format="png", layout=W.Layout(width="860px"))
        self.widget = W.VBox([
            W.HBox(list(controls)),
            W.HBox([self.step_button, self.train_button, self.reset_button]),
            self.status,
            self.image,
        ])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
