"""Turning a matplotlib figure into PNG bytes for an ``ipywidgets.Image``.

The book's widgets draw with matplotlib's Agg backend into a PNG that an
``ipywidgets.Image`` shows: a core widget, so its last picture is embedded in
the static website's widget state and shows without a kernel or a CDN.
"""

from __future__ import annotations

from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def figure_png(fig: Figure) -> bytes:
    """The figure rendered as PNG bytes (attaching an Agg canvas if it has none)."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buf = BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


#: Width in pixels at which the book shows a widget's picture: the output column of a code cell is
#: 688 px at 1280 px (the pictures' layout widths are set to this; CSS shrinks them on narrower screens).
PICTURE_WIDTH_PX = 680

#: Smallest legible text in a picture, in CSS pixels, at :data:`PICTURE_WIDTH_PX`.
MIN_TEXT_PX = 9.0


def smallest_text_px(fig: Figure, displayed_width_px: float = PICTURE_WIDTH_PX) -> tuple:
    """The smallest text of ``fig`` as the reader sees it: ``(pixels, text)``.

    A text of ``s`` points is ``s · dpi / 72`` pixels in the PNG, which the page scales by
    ``displayed_width_px / (figure width in pixels)``. Tick labels, titles, legends, annotations
    that are visible and not empty count.
    """
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
