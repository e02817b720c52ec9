"""The explorers' pictures are legible on the website: no text smaller than 9 px at 1280 px.

A widget's picture is a PNG shown PICTURE_WIDTH_PX (680 px) wide, the output column of the
book at 1280 px. A text of s points in a figure of width W inches is then s · 680 / (72 · W)
pixels, whatever the dpi (:func:`smallest_text_px`). The explorers draw SVG in the page; their
text sizes are checked in their own browser tests.
"""

from __future__ import annotations

import warnings

import pytest

from mlp_lib.widgets import descent
from mlp_lib.widgets.parameter_watch import ParameterWatch

#: Width in pixels at which the book shows a figure: the output column of a code cell at 1280 px.
PICTURE_WIDTH_PX = 680
#: Smallest legible text in a picture, in CSS pixels.
MIN_TEXT_PX = 9.0


def smallest_text_px(fig, displayed_width_px: float = PICTURE_WIDTH_PX) -> tuple:
    """The smallest text of ``fig`` as the reader sees it: ``(pixels, text)``.

    A text of ``s`` points is ``s · dpi / 72`` pixels in the PNG, which the page scales by
    ``displayed_width_px / (figure width in pixels)``. Visible, non-empty texts count.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()  # creates the tick labels
    scale = displayed_width_px / (fig.get_figwidth() * fig.dpi)
    sizes = [
        (t.get_fontsize() * fig.dpi / 72 * scale, t.get_text())
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.get_window_extent().width > 0
    ]
    return min(sizes) if sizes else (float("inf"), "")


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
