"""A picture of the network: plain SVG text, drawn from an MLP or a list of layer sizes.

No matplotlib, no kernel, no request to the internet, so it shows on the static website:

* :func:`network_svg` draws an MLP as columns of units (the input a⁰, then layers 1 … J), every
  edge as a line, one edge w_{i,k}^j highlighted and labelled, one unit with its z_i^j and
  a_i^j = σ(z_i^j). Units are numbered from 1, as on the page.

The live step-through of one backward pass and the "nudge one weight" view, which the page
computes as the reader changes them, are in :mod:`mlp_lib.widgets.backprop_views`.

Sub- and superscripts in SVG text are ``<tspan>`` elements shifted with ``dy`` (no TeX-like
markup anywhere in the output). Every SVG has a ``viewBox``, ``width="100%"`` and a
``max-width``, so it shrinks with the text column and never makes a page scroll sideways.
The core :mod:`mlp_lib` does not import this module.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from html import escape, unescape

import numpy as np

from ..mlp import MLP

__all__ = ["figure_html", "network_figure", "network_svg", "shown_units"]

FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif"
INK, MUTED, EDGE = "#222", "#666", "#b9bec7"
FORWARD, BACKWARD, GRADIENT, HIGHLIGHT = "#17803d", "#c0392b", "#b35c00", "#1f5fbf"
#: the viewBox width of every picture: about the width of the book's text column at 1280 px, so
#: a font size of 13 in SVG units is about 13 px on screen there.
WIDTH = 720
#: the layout of the compact drawing (phones): a narrower picture, so the same font sizes come out larger
COMPACT_LAYOUT = {"width": 440, "left": 50, "right": 62}

_counter = itertools.count()


# ---------------------------------------------------------------------------
# text helpers
# ---------------------------------------------------------------------------
def _fmt(v: float, digits: int = 3) -> str:
    """A number with ``digits`` significant digits and a real minus sign."""
    v = float(v)
    if v == 0:
        return "0"
    text = f"{v:.{digits}g}"
    if "e" in text:  # below 1e-4 or from 1e3, as the live views' script (web/backprop_views.js) writes them
        mant, exp = text.split("e")
        text = f"{mant}·10{_sup_digits(int(exp))}"
    return text.replace("-", "−")


_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _sup_digits(n: int) -> str:
    return str(n).translate(_SUP)


def _sym(base: str, sub=None, sup=None, size: float = 13) -> str:
    """SVG text for base_sub^sup: the indices are smaller ``<tspan>`` elements shifted by ``dy``.

    The returned fragment leaves the baseline where it found it, so text may follow.
    """
    out = escape(base)
    small = max(round(0.76 * size, 1), 10.0)  # indices stay ≥ 10 px when the picture is shown at full width
    down, up = round(0.3 * size, 1), round(0.42 * size, 1)
    shift = 0.0
    if sub not in (None, ""):
        out += f'<tspan dy="{down}" font-size="{small}">{escape(str(sub))}</tspan>'
        shift += down
    if sup not in (None, ""):
        dy = round(-up - shift, 1)
        out += f'<tspan dy="{dy}" font-size="{small}">{escape(str(sup))}</tspan>'
        shift = -up
    if shift:  # back to the baseline: dy needs a character to act on, so a zero-width space carries it
        out += f'<tspan dy="{round(-shift, 1)}">\u200b</tspan>'
    return out


def _text(x, y, body, *, size=13, anchor="middle", color=INK, weight=None, extra="") -> str:
    w = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{color}"{w}{extra}>'
        f"{body}</text>"
    )


def _text_width(fragment: str, size: float) -> float:
    """Estimated rendered width of an SVG text fragment: 0.56 em a character, indices smaller."""
    small = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", fragment)
    n_small = sum(len(unescape(t)) for t in small)
    n_all = len(unescape(re.sub(r"<[^>]+>", "", fragment)))
    return 0.56 * size * (n_all - n_small) + 0.56 * max(0.76 * size, 10.0) * n_small


def _label_box(x, y, lines, *, size=12, side="right", color=INK, pad=4) -> str:
    """Lines of SVG text on a white rounded box (so that edges behind stay readable).

    ``(x, y)`` is the baseline of the first line at the box's left edge (``side="right"``),
    right edge (``"left"``) or centre (``"center"``).
    """
    indices = any("<tspan" in frag for frag in lines)
    lh = round(size * (1.75 if indices else 1.45), 1)  # room for a subscript above a superscript
    width = max(_text_width(frag, size) for frag in lines) + 2 * pad
    rise, drop = (0.5 * size, 0.35 * size) if indices else (0, 0)  # superscripts above, subscripts below
    height = (len(lines) - 1) * lh + size + 2 * pad + rise + drop
    left = x if side == "right" else x - width if side == "left" else x - width / 2
    top = y - size - pad - rise + 1
    parts = [
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" rx="4" '
        f'fill="#fff" fill-opacity="0.92" stroke="#ddd"/>'
    ]
    if side == "center":
        tx, anchor = x, "middle"
    else:
        tx, anchor = left + pad, "start"
    for n, frag in enumerate(lines):
        parts.append(_text(tx, y + n * lh, frag, size=size, anchor=anchor, color=color))
    return "".join(parts)


def _svg_open(width: float, height: float, label: str, max_width: int, *, extra_style: str = "") -> str:
    label = escape(label, quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
        f'role="img" aria-label="{label}" preserveAspectRatio="xMidYMid meet" '
        f'style="display:block;width:100%;max-width:{int(max_width)}px;height:auto;margin:0 auto;'
        f'font-family:{FONT};{extra_style}">'
        f"<title>{label}</title>"
    )


def _uid(*parts) -> str:
    """An element id unique in the page: a hash of the content and a per-process counter."""
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()[:8]
    return f"nd{digest}{next(_counter)}"


# ---------------------------------------------------------------------------
# layout
# ---------------------------------------------------------------------------
def _layer_sizes(model_or_sizes) -> list:
    if isinstance(model_or_sizes, MLP):
        return list(model_or_sizes.sizes)
    try:
        sizes = [int(n) for n in model_or_sizes]
    except (TypeError, ValueError):
        raise TypeError(f"expected an mlp_lib.MLP or a list of layer sizes, got {model_or_sizes!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"expected at least two positive layer sizes [n_0, …, n_J], got {model_or_sizes!r}")
    return sizes


def shown_units(n: int, max_units: int = 5, keep=()) -> list:
    """Which units (numbered from 1) of a layer of ``n`` to draw; ``None`` marks a "⋮".

    All of them if ``n ≤ max_units``; otherwise the first ``max_units − 2``, a "⋮" and the last,
    plus every unit in ``keep`` (e.g. the end of a highlighted edge), with a "⋮" in each gap.
    """
    if max_units < 3:
        raise ValueError(f"expected max_units ≥ 3, got {max_units}")
    if n <= max_units:
        return list(range(1, n + 1))
    units = sorted(set(range(1, max_units - 1)) | {n} | {int(k) for k in keep if 1 <= int(k) <= n})
    out, prev = [], 0
    for u in units:
        if u > prev + 1:
            out.append(None)
        out.append(u)
        prev = u
    return out


@dataclass
class _Layout:
    sizes: list
    shown: list  # per layer: list of unit numbers / None
    x: list  # per layer: column x
    y: list  # per layer: {slot index: y}
    height: float
    radius: float

    def pos(self, j: int, i: int) -> tuple:
        slot = self.shown[j].index(i)
        return self.x[j], self.y[j][slot]


def _layout(sizes, max_units, keep, *, width=WIDTH, left=80, right=80, top=44, row=62, bottom=44, radius=17):
    J = len(sizes) - 1
    shown = [shown_units(n, max_units, keep.get(j, ())) for j, n in enumerate(sizes)]
    rows = max(len(s) for s in shown)
    xs = [left + j * (width - left - right) / J for j in range(J + 1)]
    ys = []
    for s in shown:
        offset = top + (rows - len(s)) * row / 2
        ys.append([offset + p * row + row / 2 for p in range(len(s))])
    return _Layout(sizes, shown, xs, ys, top + rows * row + bottom, radius)


def _edge_line(lay: _Layout, j, i, k, *, color=EDGE, width=1.0, marker=None, reverse=False) -> str:
    """The line of w_{i,k}^j, from unit k of layer j−1 to unit i of layer j (stopping at the circles)."""
    (x0, y0), (x1, y1) = lay.pos(j - 1, k), lay.pos(j, i)
    dx, dy = x1 - x0, y1 - y0
    d = float(np.hypot(dx, dy))
    r = lay.radius + 1
    ax, ay = x0 + dx * r / d, y0 + dy * r / d
    bx, by = x1 - dx * r / d, y1 - dy * r / d
    if reverse:  # drawn from unit i of layer j back to unit k of layer j−1
        ax, ay, bx, by = bx, by, ax, ay
    end = f' marker-end="url(#{marker})"' if marker else ""
    return (
        f'<line x1="{ax:.1f}" y1="{ay:.1f}" x2="{bx:.1f}" y2="{by:.1f}" stroke="{color}" '
        f'stroke-width="{width}"{end} data-edge="{j},{i},{k}"/>'
    )


def _arrow_defs(uid: str, colors: dict) -> str:
    parts = ["<defs>"]
    for name, color in colors.items():
        parts.append(
            f'<marker id="{uid}-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>'
        )
    parts.append("</defs>")
    return "".join(parts)


def _layer_title(j: int, J: int, size=13) -> str:
    if j == 0:
        return "input " + _sym("a", sup="0", size=size)
    return f"layer {j}" + (" (output)" if j == J else "")


def _draw_skeleton(lay: _Layout, *, header=True, footer=True, unit_numbers=True, fill="#fff") -> list:
    """Column titles, every edge between shown units, the circles, "⋮" and n_j under each column."""
    J = len(lay.sizes) - 1
    parts = []
    if header:
        for j in range(J + 1):
            parts.append(_text(lay.x[j], 24, _layer_title(j, J), size=13, color=INK, weight="600"))
    for j in range(1, J + 1):
        for i in lay.shown[j]:
            for k in lay.shown[j - 1]:
                if i is not None and k is not None:
                    parts.append(_edge_line(lay, j, i, k))
    for j in range(J + 1):
        for slot, i in enumerate(lay.shown[j]):
            x, y = lay.x[j], lay.y[j][slot]
            if i is None:
                parts.append(_text(x, y + 7, "⋮", size=22, color=MUTED, extra=' class="ellipsis"'))
                continue
            stroke = MUTED if j == 0 else INK
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{lay.radius}" fill="{fill}" stroke="{stroke}" '
                f'stroke-width="1.3" data-unit="{j},{i}"/>'
            )
            if unit_numbers:
                parts.append(_text(x, y + 4.5, str(i), size=12, color=MUTED))
    if footer:
        for j in range(J + 1):
            parts.append(
                _text(lay.x[j], lay.height - 14, _sym("n", sub=str(j), size=13) + f" = {lay.sizes[j]}", color=MUTED)
            )
    return parts


# ---------------------------------------------------------------------------
# 1. the network figure
# ---------------------------------------------------------------------------
def network_svg(
    model_or_sizes,
    *,
    edge=None,
    unit=None,
    values=None,
    max_units: int = 5,
    title: str | None = None,
    max_width: int = 720,
    compact: bool = False,
) -> str:
    """An SVG picture of a network: the input a⁰ and layers 1 … J as columns, units as circles.

    Parameters
    ----------
    model_or_sizes : MLP or list of int
        The network, or its layer sizes ``[n_0, …, n_J]``.
    edge : (j, i, k), optional
        Highlight the weight w_{i,k}^j — the edge from unit ``k`` of layer ``j−1`` to unit ``i``
        of layer ``j`` (units numbered from 1): drawn bold and labelled. With a model, its value.
    unit : (j, i), optional
        Highlight unit ``i`` of layer ``j ≥ 1`` and show z_i^j and a_i^j = σ(z_i^j) next to it.
    values : mlp_lib.ForwardPass, optional
        A forward pass of one sample (column 0 is used): the highlighted unit shows the numbers
        of z_i^j and a_i^j.
    max_units : int
        Layers with more units show the first ``max_units − 2``, a "⋮" and the last unit (plus
        the ends of the highlighted edge and the highlighted unit).
    title : str, optional
        The accessible name (``<title>`` and ``aria-label``); a description is made up if omitted.
    max_width : int
        CSS ``max-width`` in px; the picture is ``width: 100%`` of its container up to that.
    compact : bool
        The drawing for a phone: a 440-wide picture (so its text is drawn about 1.6 times as large
        at the same screen width) whose highlighted unit shows only the numbers of z_i^j and
        a_i^j (or their names), not the formula. :func:`network_figure` uses both drawings.
    """
    sizes = _layer_sizes(model_or_sizes)
    J = len(sizes) - 1
    model = model_or_sizes if isinstance(model_or_sizes, MLP) else None
    keep: dict = {}
    if edge is not None:
        j, i, k = (int(v) for v in edge)
        if not (1 <= j <= J and 1 <= i <= sizes[j] and 1 <= k <= sizes[j - 1]):
            raise ValueError(
                f"expected edge (j, i, k) with 1 ≤ j ≤ {J}, 1 ≤ i ≤ n_j, 1 ≤ k ≤ n_(j-1) for sizes {sizes}, got {edge!r}"
            )
        edge = (j, i, k)
        keep.setdefault(j, set()).add(i)
        keep.setdefault(j - 1, set()).add(k)
    if unit is not None:
        uj, ui = (int(v) for v in unit)
        if not (1 <= uj <= J and 1 <= ui <= sizes[uj]):
            raise ValueError(f"expected unit (j, i) with 1 ≤ j ≤ {J} and 1 ≤ i ≤ n_j for sizes {sizes}, got {unit!r}")
        unit = (uj, ui)
        keep.setdefault(uj, set()).add(ui)
    lay = _layout(sizes, max_units, keep, **(COMPACT_LAYOUT if compact else {}))
    width = COMPACT_LAYOUT["width"] if compact else WIDTH
    uid = _uid("net", sizes, edge, unit, compact)

    if title is None:
        title = f"A network with layer sizes {', '.join(map(str, sizes))}: the input and {J} layer(s) as columns"
        if edge is not None:
            title += f"; the weight from unit {edge[2]} of layer {edge[0] - 1} to unit {edge[1]} of layer {edge[0]} is highlighted"
        if unit is not None:
            title += f"; unit {unit[1]} of layer {unit[0]} shows its pre-activation and activation"
    parts = [_svg_open(width, lay.height, title, max_width), _arrow_defs(uid, {"hl": HIGHLIGHT})]
    parts += _draw_skeleton(lay)

    if edge is not None:
        j, i, k = edge
        parts.append(_edge_line(lay, j, i, k, color=HIGHLIGHT, width=3.2, marker=f"{uid}-hl"))
        (x0, y0), (x1, y1) = lay.pos(j - 1, k), lay.pos(j, i)
        t = 0.5
        lx, ly = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        body = _sym("w", sub=f"{i},{k}", sup=str(j), size=14)
        if model is not None:
            body += " = " + _fmt(model.W[j][i - 1, k - 1])
        parts.append(_label_box(lx, ly - 10, [body], size=14, side="center", color=HIGHLIGHT))
        for jj, ii in ((j - 1, k), (j, i)):
            x, y = lay.pos(jj, ii)
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{lay.radius}" fill="none" stroke="{HIGHLIGHT}" stroke-width="2.4"/>'
            )

    if unit is not None:
        j, i = unit
        x, y = lay.pos(j, i)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{lay.radius}" fill="#fff3e0" stroke="{GRADIENT}" stroke-width="2.6"/>'
        )
        parts.append(_text(x, y + 4.5, str(i), size=12, color=GRADIENT, weight="600"))
        z_line = _sym("z", sub=i, sup=j) + " = Σ" + _sym("", sub="k") + " " + _sym("w", sub=f"{i},k", sup=j)
        z_line += " " + _sym("a", sub="k", sup=j - 1) + " + " + _sym("b", sub=i, sup=j)
        a_line = _sym("a", sub=i, sup=j) + " = σ(" + _sym("z", sub=i, sup=j) + ")"
        lines = [z_line, a_line]
        if values is not None:
            lines = [z_line + " = " + _fmt(values.z[j][i - 1, 0]), a_line + " = " + _fmt(values.a[j][i - 1, 0])]
        if compact:  # the numbers (or the names) only: the caption has the formula
            z_name, a_name = _sym("z", sub=i, sup=j), _sym("a", sub=i, sup=j)
            lines = [z_name, a_line]
            if values is not None:
                lines = [z_name + " = " + _fmt(values.z[j][i - 1, 0]), a_name + " = " + _fmt(values.a[j][i - 1, 0])]
        # Right of the unit, unless that is the edge of the picture or where the edge label sits.
        right_busy = j == J or (edge is not None and edge[0] == j + 1)
        left_busy = edge is not None and edge[0] == j
        if not right_busy:
            parts.append(_label_box(x + lay.radius + 8, y - 4, lines, size=12, side="right", color=GRADIENT))
        elif not left_busy:
            parts.append(_label_box(x - lay.radius - 8, y - 4, lines, size=12, side="left", color=GRADIENT))
        else:
            parts.append(_label_box(x, y + lay.radius + 18, lines, size=12, side="center", color=GRADIENT))
    parts.append("</svg>")
    return "".join(parts)


def network_figure(model_or_sizes, caption: str, *, max_width: int = 720, **options) -> str:
    """:func:`network_svg` in a ``<figure>`` with ``caption``, in two drawings: the wide one for the
    text column and the compact one for phones (``_static/custom.css`` shows one of them, by the
    width of the screen). ``options`` are :func:`network_svg`'s (edge, unit, values, …)."""
    wide = network_svg(model_or_sizes, max_width=max_width, **options)
    narrow = network_svg(model_or_sizes, max_width=max_width, compact=True, **options)
    both = f'<div class="nd-wide">{wide}</div><div class="nd-compact">{narrow}</div>'
    return figure_html(both, caption, max_width=max_width)


def figure_html(svg: str, caption: str, *, max_width: int = 720) -> str:
    """``svg`` in an HTML ``<figure>`` with ``caption`` (HTML; use <sub>/<sup>, not TeX)."""
    return (
        f'<figure class="mlp-network-figure" style="margin:1em auto;max-width:{int(max_width)}px">{svg}'
        f'<figcaption style="font-size:0.9em;color:#444;margin-top:0.4em">{caption}</figcaption></figure>'
    )
