"""The explorers' pictures are legible on the website: no text smaller than 9 px at 1280 px.

A widget's picture is a PNG shown PICTURE_WIDTH_PX (680 px) wide, the output column of the
book at 1280 px. A text of s points in a figure of width W inches is then s · 680 / (72 · W)
pixels, whatever the dpi (:func:`mlp_lib.widgets.rendering.smallest_text_px`).
"""

from __future__ import annotations

import warnings

import pytest

from mlp_lib.widgets import descent
from mlp_lib.widgets.parameter_watch import ParameterWatch
from mlp_lib.widgets.rendering import MIN_TEXT_PX, PICTURE_WIDTH_PX, smallest_text_px

FIGURES = {
    "learning rates compared": lambda mp: descent.compare_learning_rates(steps=5),
}


@pytest.mark.parametrize("name", list(FIGURES))
def test_picture_text_is_at_least_9_px(name, monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = FIGURES[name](monkeypatch)
    px, text = smallest_text_px(fig)
    assert px >= MIN_TEXT_PX, (
        f"{name}: text {text!r} is {px:.1f} px at {PICTURE_WIDTH_PX} px wide "
        f"({fig.get_figwidth():g} in at {fig.dpi:g} dpi); expected ≥ {MIN_TEXT_PX:g} px"
    )


def test_recorded_parameter_watch_is_legible(monkeypatch):
    """The recorded run's frames are shown at their natural size, at most the column's width."""
    from mlp_lib.widgets import parameter_watch

    figures = []
    monkeypatch.setattr(parameter_watch, "html_player", lambda fig, *a, **k: figures.append(fig) or "")
    parameter_watch.animation_html(ParameterWatch(), steps=4, frames=2)
    (fig,) = figures
    shown = min(PICTURE_WIDTH_PX, fig.get_figwidth() * fig.dpi)
    px, text = smallest_text_px(fig, shown)
    assert px >= MIN_TEXT_PX, f"recorded parameter watch: {text!r} is {px:.1f} px"
