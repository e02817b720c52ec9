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
