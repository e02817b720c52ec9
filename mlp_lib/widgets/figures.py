"""Static figures of the chapters that are not networks, drawn as plain SVG text.

* :func:`autodiff_graph_svg` — the computational graph of a 2 → 2 → 1 network for one sample
  (chapters/autodiff.md): parameters, data, pre-activations z and activations a as boxes, the
  forward pass as arrows and the reverse sweep as a dashed arrow back. Indices are ``<tspan>``
  elements (no TeX); the ``<title>`` is the text alternative, :data:`AUTODIFF_GRAPH_ALT`.

The chapter shows it as a cell output (``IPython.display.SVG``), so the figure is embedded in every
executed copy of the chapter (the website, the downloads, JupyterLite) and its caption, number and
alt text come from the cell's metadata. Networks (columns of units) are drawn by the page's renderer,
``web/network.js`` (:mod:`mlp_lib.widgets.network_diagram`); this graph is not one.

* :func:`show_figure` — how a chapter shows a matplotlib figure: as SVG, after checking that its
  smallest text is at least :data:`MIN_TEXT_PX` CSS pixels on a phone (:func:`smallest_text_px`).
"""

from __future__ import annotations

import io
from html import escape

#: Narrowest width (CSS px) at which the book shows a figure: a cell output's figure on a 390 px
#: phone screen (measured in Chromium; the output column is 358 px, a captioned figure 342 px).
PHONE_FIGURE_PX = 342
#: Width (CSS px) of a cell output at 1280 px, the widest a figure is shown.
DESKTOP_FIGURE_PX = 680
#: Smallest legible text in a figure, in CSS pixels.
MIN_TEXT_PX = 9.0
#: CSS pixels per inch: an SVG figure W inches wide is W · 96 px wide at its natural size.
CSS_PX_PER_INCH = 96

AUTODIFF_GRAPH_ALT = (
    "Computational graph of a network with two inputs, two hidden units and one output, for one sample. "
    "Weights, biases and inputs on the left feed the two first-layer pre-activations, each followed by its "
    "activation; these and the second-layer weights and bias feed the output pre-activation, then the output "
    "activation, which with the target gives the loss. A dashed red arrow along the bottom points from the "
    "loss back to the inputs, the reverse sweep."
)


def _label(base, sup="", sub=""):
    """An SVG label with a superscript and a subscript stacked after the base letter (no TeX)."""
    out = base
    if sup:
        out += f'<tspan font-size="16" font-style="normal" dy="-10">{sup}</tspan>'
    if sub:
        back = 8.5 * len(sup) if sup else 0
        out += f'<tspan font-size="16" font-style="normal" dx="-{back:.1f}" dy="{17 if sup else 7}">{sub}</tspan>'
    return out


def autodiff_graph_svg() -> str:
    """The computational graph of a 2-2-1 network for one sample, as inline SVG (width 600 units)."""
    W, H = 62, 36  # node box
    cols = {"A": 40, "B": 145, "C": 250, "D": 355, "E": 460, "F": 562}
    ys = [28 + 52 * i for i in range(8)]
    nodes = {  # name: (x, y, label, kind)
        "w111": (cols["A"], ys[0], _label("w", "1", "1,1"), "p"),
        "w112": (cols["A"], ys[1], _label("w", "1", "1,2"), "p"),
        "b11": (cols["A"], ys[2], _label("b", "1", "1"), "p"),
        "x1": (cols["A"], ys[3], _label("x", "", "1"), "x"),
        "x2": (cols["A"], ys[4], _label("x", "", "2"), "x"),
        "w121": (cols["A"], ys[5], _label("w", "1", "2,1"), "p"),
        "w122": (cols["A"], ys[6], _label("w", "1", "2,2"), "p"),
        "b12": (cols["A"], ys[7], _label("b", "1", "2"), "p"),
        "z11": (cols["B"], 120, _label("z", "1", "1"), "z"),
        "z12": (cols["B"], 300, _label("z", "1", "2"), "z"),
        "w211": (cols["C"], 30, _label("w", "2", "1,1"), "p"),
        "a11": (cols["C"], 120, _label("a", "1", "1"), "a"),
        "b21": (cols["C"], 210, _label("b", "2", "1"), "p"),
        "a12": (cols["C"], 300, _label("a", "1", "2"), "a"),
        "w212": (cols["C"], 390, _label("w", "2", "1,2"), "p"),
        "z21": (cols["D"], 210, _label("z", "2", "1"), "z"),
        "a21": (cols["E"], 210, _label("a", "2", "1"), "a"),
        "y1": (cols["E"], 300, _label("y", "", "1"), "x"),
        "L": (cols["F"], 210, "L", "L"),
    }
    edges = (
        [(p, "z11") for p in ("w111", "w112", "b11", "x1", "x2")]
        + [(p, "z12") for p in ("x1", "x2", "w121", "w122", "b12")]
        + [("z11", "a11"), ("z12", "a12")]
        + [(p, "z21") for p in ("w211", "a11", "b21", "a12", "w212")]
        + [("z21", "a21"), ("a21", "L"), ("y1", "L")]
    )
    style = {
        "p": ("#eeeeee", "#888888", "#222"),
        "x": ("#ffffff", "#888888", "#222"),
        "z": ("#fde3c8", "#d9822b", "#222"),
        "a": ("#dceaf8", "#4a7fb5", "#222"),
        "L": ("#333333", "#333333", "#fff"),
    }
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="470" viewBox="0 0 600 470" role="img">',
        f"<title>{escape(AUTODIFF_GRAPH_ALT)}</title>",
        '<rect width="600" height="470" fill="#ffffff"/>',
        '<defs><marker id="ad-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker>'
        '<marker id="ad-arrow-red" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c0392b"/></marker></defs>',
    ]
    for p, c in edges:
        (x1, y1, *_), (x2, y2, *_) = nodes[p], nodes[c]
        siblings = [q for q, d in edges if d == c]  # spread the arrowheads along the box's side
        y2 += (siblings.index(p) - (len(siblings) - 1) / 2) * (H - 8) / max(len(siblings) - 1, 1)
        parts.append(
            f'<line x1="{x1 + W / 2}" y1="{y1}" x2="{x2 - W / 2 - 1}" y2="{y2:.1f}" stroke="#999" '
            'stroke-width="1.3" marker-end="url(#ad-arrow)"/>'
        )
    for x, y, label, kind in nodes.values():
        fill, stroke, ink = style[kind]
        parts.append(
            f'<rect x="{x - W / 2}" y="{y - H / 2}" width="{W}" height="{H}" rx="9" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="1.5"/>'
        )
        parts.append(
            f'<text x="{x - 4}" y="{y + 6}" text-anchor="middle" font-family="serif" font-style="italic" '
            f'font-size="21" fill="{ink}">{label}</text>'
        )
    parts.append(
        '<line x1="580" y1="440" x2="30" y2="440" stroke="#c0392b" stroke-width="2" stroke-dasharray="6 4" '
        'marker-end="url(#ad-arrow-red)"/>'
    )
    parts.append(
        '<text x="305" y="464" text-anchor="middle" font-family="sans-serif" font-size="17" fill="#c0392b">'
        "reverse sweep: each node receives its adjoint ∂L/∂v</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def svg_width_px(fig) -> float:
    """The natural width (CSS px) of ``fig`` saved as SVG with ``bbox_inches="tight"``: its tight
    bounding box plus savefig's padding (0.1 in each side), at 96 px per inch."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    bbox = fig.get_tightbbox(fig.canvas.get_renderer())
    return (bbox.width + 2 * 0.1) * CSS_PX_PER_INCH


def smallest_text_px(fig, scale: float, px_per_inch: float = CSS_PX_PER_INCH) -> tuple:
    """The smallest visible text of ``fig`` as the reader sees it: ``(CSS pixels, text)``.

    A text of ``s`` points is ``s · px_per_inch / 72`` pixels in the saved image (SVG: 96 px/in;
    a bitmap: its dpi), which the page shows scaled by ``scale`` (shown width / the image's
    width). Visible, non-empty texts count.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()  # creates the tick labels
    sizes = [
        (t.get_fontsize() * px_per_inch / 72 * scale, t.get_text())
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.get_window_extent().width > 0
    ]
    return min(sizes) if sizes else (float("inf"), "")


def check_legible(fig, name: str = "figure") -> None:
    """Raise ``ValueError`` if ``fig``'s smallest text, saved as SVG, is under :data:`MIN_TEXT_PX` on a phone."""
    natural = svg_width_px(fig)
    shown = min(natural, PHONE_FIGURE_PX)
    px, text = smallest_text_px(fig, shown / natural)
    if px < MIN_TEXT_PX:
        raise ValueError(
            f"expected every text of {name} to be at least {MIN_TEXT_PX:g} px on a phone "
            f"(the figure shown {shown:.0f} px wide), got {text!r} at {px:.1f} px: "
            "make the figure narrower (figsize) or its text larger (fontsize)"
        )


def show_figure(fig, name: str = "figure") -> None:
    """Display a matplotlib figure in a notebook as SVG (sharp at any zoom) and close it.

    Raises ``ValueError`` (see :func:`check_legible`) if its smallest text would be under
    :data:`MIN_TEXT_PX` CSS pixels on a phone, so an illegible figure fails the book's build.
    """
    from IPython.display import SVG, display  # lazily: the library must not need IPython
    from matplotlib import pyplot as plt

    check_legible(fig, name)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    display(SVG(buffer.getvalue()))
