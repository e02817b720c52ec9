"""A picture of the network, a step-through of one backward pass, and a "nudge one weight" view.

Everything here is plain SVG and HTML text — no matplotlib, no kernel, no request to the
internet — so it shows (and, for the two interactive views, runs) on the static website:

* :func:`network_svg` draws an MLP as columns of units (the input a⁰, then layers 1 … J), every
  edge as a line, one edge w_{i,k}^j highlighted and labelled, one unit with its z_i^j and
  a_i^j = σ(z_i^j). Units are numbered from 1, as on the page.
* :func:`backward_steps` computes, with ``mlp_lib`` (``MLP.forward``, ``MLP.gradients``), the
  numbers of one backward pass in the order a reader follows them — forward values, ϕ^J (Eq. 1),
  ϕ^j (Eq. 2), ∇w (Eq. 3), ∇b (Eq. 4) — and :func:`backward_stepper_html` draws them as a
  sequence of SVG frames with Prev/Next buttons, in the manner of CS231n's circuit diagrams.
* :func:`nudge_data` changes one weight w_{i,k}^j by ε over a range and records the actual
  change of the loss next to Eq. (3)'s first-order prediction ϕ_i^j a_k^{j−1} ε;
  :func:`nudge_html` shows both with a range slider.

Sub- and superscripts in SVG text are ``<tspan>`` elements shifted with ``dy`` (no TeX-like
markup anywhere in the output). Every SVG has a ``viewBox``, ``width="100%"`` and a
``max-width``, so it shrinks with the text column and never makes a page scroll sideways.
The core :mod:`mlp_lib` does not import this module.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from html import escape, unescape

import numpy as np

from ..mlp import MLP

__all__ = [
    "Step",
    "backward_stepper_html",
    "backward_steps",
    "figure_html",
    "network_svg",
    "nudge_data",
    "nudge_html",
]

FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif"
INK, MUTED, EDGE = "#222", "#666", "#b9bec7"
FORWARD, BACKWARD, GRADIENT, HIGHLIGHT = "#17803d", "#c0392b", "#b35c00", "#1f5fbf"
#: the viewBox width of every picture: about the width of the book's text column at 1280 px, so
#: a font size of 13 in SVG units is about 13 px on screen there.
WIDTH = 720

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
    if "e" in text:  # below 1e-4 or from 1e3 (the page script of nudge_html switches at 1e-4 and 1e5)
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


def _html_sym(base: str, sub=None, sup=None) -> str:
    """HTML for base_sub^sup with <sub>/<sup> (captions, read-outs); the parts may be HTML already."""
    out = str(base)
    if sub not in (None, ""):
        out += f"<sub>{sub}</sub>"
    if sup not in (None, ""):
        out += f"<sup>{sup}</sup>"
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
    lay = _layout(sizes, max_units, keep)
    uid = _uid("net", sizes, edge, unit)

    if title is None:
        title = f"A network with layer sizes {', '.join(map(str, sizes))}: the input and {J} layer(s) as columns"
        if edge is not None:
            title += f"; the weight from unit {edge[2]} of layer {edge[0] - 1} to unit {edge[1]} of layer {edge[0]} is highlighted"
        if unit is not None:
            title += f"; unit {unit[1]} of layer {unit[0]} shows its pre-activation and activation"
    parts = [_svg_open(WIDTH, lay.height, title, max_width), _arrow_defs(uid, {"hl": HIGHLIGHT})]
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


def figure_html(svg: str, caption: str, *, max_width: int = 720) -> str:
    """``svg`` in an HTML ``<figure>`` with ``caption`` (HTML; use <sub>/<sup>, not TeX)."""
    return (
        f'<figure class="mlp-network-figure" style="margin:1em auto;max-width:{int(max_width)}px">{svg}'
        f'<figcaption style="font-size:0.9em;color:#444;margin-top:0.4em">{caption}</figcaption></figure>'
    )


# ---------------------------------------------------------------------------
# 2. the step-through of one backward pass
# ---------------------------------------------------------------------------
@dataclass
class Step:
    """One frame of the step-through.

    ``units[j]`` are the (label, numbers) shown at the units of layer j (one number per unit),
    ``edges`` the layer whose edges are highlighted and the direction (``"forward"``,
    ``"backward"`` or ``"gradient"``), ``matrices`` the matrices printed under the network
    (name → array), ``data`` every number the step computed (for tests and readers).
    """

    title: str
    equation: str
    caption: str
    units: dict = field(default_factory=dict)
    edges: tuple | None = None
    matrices: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)


def _col(v) -> np.ndarray:
    return np.asarray(v, dtype=float)[:, 0]


def _vec_html(v) -> str:
    return "(" + ", ".join(_fmt(x) for x in np.ravel(v)) + ")"


def backward_steps(model: MLP, x, y) -> list:
    """The numbers of one forward and one backward pass, in reading order, as :class:`Step` s.

    ``x`` and ``y`` are one sample (shape ``(n_0, 1)`` and ``(n_J, 1)``, or flat). Every number
    comes from ``model.forward`` and ``model.gradients``: the steps are the forward values a^j,
    the loss, ϕ^J (Eq. 1), for each hidden layer (w^{j+1})ᵀ ϕ^{j+1} and then ϕ^j (Eq. 2),
    ∇_{w^j} L (Eq. 3) and ∇_{b^j} L (Eq. 4).
    """
    if not isinstance(model, MLP):
        raise TypeError(f"expected an mlp_lib.MLP, got {type(model).__name__}")
    x = np.asarray(x, dtype=float).reshape(model.sizes[0], -1)
    y = np.asarray(y, dtype=float).reshape(model.sizes[-1], -1)
    if x.shape[1] != 1:
        raise ValueError(f"expected one sample (x of shape ({model.sizes[0]}, 1)), got {x.shape[1]} samples")
    if not all(act.elementwise for act in model.activations[1:]):
        raise ValueError("expected elementwise activations in every layer (the step-through shows σ' per unit)")
    J = model.J
    fp = model.forward(x)
    g = model.gradients(x, y)
    H = _html_sym
    steps = [
        Step(
            "The input",
            "",
            f"The input {H('a', sup='0')} = x = {_vec_html(x)}, one sample. Values of the forward pass are "
            f"<span style='color:{FORWARD}'>green</span>, error signals and gradients "
            f"<span style='color:{BACKWARD}'>red</span>.",
            units={0: ("a", _col(x))},
            data={"a0": _col(x)},
        )
    ]
    for j in range(1, J + 1):
        z, a = _col(fp.z[j]), _col(fp.a[j])
        steps.append(
            Step(
                f"Forward, layer {j}",
                "forward pass",
                f"Forward, layer {j}: {H('z', sup=j)} = {H('w', sup=j)} {H('a', sup=j - 1)} + {H('b', sup=j)} = "
                f"{_vec_html(z)} and {H('a', sup=j)} = σ({H('z', sup=j)}) = {_vec_html(a)} "
                f"(σ = {model.activations[j].name}). The forward pass keeps every {H('z', sup=j)} and "
                f"{H('a', sup=j)}: the backward pass needs them.",
                units={j - 1: ("a", _col(fp.a[j - 1])), j: ("a", a), "z": (j, z)},
                edges=(j, "forward"),
                data={f"z{j}": z, f"a{j}": a},
            )
        )
    aJ = _col(fp.a[J])
    steps.append(
        Step(
            "The loss",
            "loss",
            f"The loss compares the output {H('a', sup=J)} = {_vec_html(aJ)} with the target y = {_vec_html(y)}: "
            f"L = {_fmt(g.loss, 4)} ({model.loss.name.upper()}).",
            units={J: ("a", aJ), "y": (J, _col(y))},
            data={"L": float(g.loss)},
        )
    )
    grad_a = _col(model.loss.gradient(fp.a[J], y))
    dsig = _col(model.activations[J].derivative(fp.z[J]))
    phi = {j: _col(g.phi[j]) for j in range(1, J + 1)}
    steps.append(
        Step(
            f"Eq. (1): ϕ{_sup_digits(J)}",
            "Eq. (1)",
            f"Eq. (1): {H('ϕ', sup=J)} = {H('∇', sub=H('a', sup=J))}L ∘ σ′({H('z', sup=J)}) = "
            f"{_vec_html(grad_a)} ∘ {_vec_html(dsig)} = {_vec_html(phi[J])}. "
            f"The error signal starts at the output.",
            units={J: ("ϕ", phi[J]), "detail": (J, [("∇L", grad_a), ("σ′", dsig)])},
            data={"grad_a": grad_a, f"dsigma{J}": dsig, f"phi{J}": phi[J]},
        )
    )
    for j in range(J - 1, 0, -1):
        back = _col(model.W[j + 1].T @ g.phi[j + 1])
        dsig = _col(model.activations[j].derivative(fp.z[j]))
        steps.append(
            Step(
                f"Eq. (2), layer {j}: back through the weights",
                "Eq. (2)",
                f"Eq. (2), first half: {H('ϕ', sup=j + 1)} flows back along the edges of layer {j + 1}, "
                f"through the transposed weights: ({H('w', sup=j + 1)})ᵀ {H('ϕ', sup=j + 1)} = {_vec_html(back)}. "
                f"Unit i of layer {j} collects Σ{H('', sub='k')} {H('w', sub='k,i', sup=j + 1)} "
                f"{H('ϕ', sub='k', sup=j + 1)} from every unit k it feeds.",
                units={j + 1: ("ϕ", phi[j + 1]), j: ("Σ", back)},
                edges=(j + 1, "backward"),
                data={f"back{j}": back},
            )
        )
        steps.append(
            Step(
                f"Eq. (2), layer {j}: times σ′",
                "Eq. (2)",
                f"Eq. (2), second half: {H('ϕ', sup=j)} = (({H('w', sup=j + 1)})ᵀ {H('ϕ', sup=j + 1)}) ∘ "
                f"σ′({H('z', sup=j)}) = {_vec_html(back)} ∘ {_vec_html(dsig)} = {_vec_html(phi[j])} "
                f"(σ = {model.activations[j].name}).",
                units={j: ("ϕ", phi[j]), "detail": (j, [("Σ", back), ("σ′", dsig)])},
                data={f"dsigma{j}": dsig, f"phi{j}": phi[j]},
            )
        )
    for j in range(J, 0, -1):
        dW = np.asarray(g.dW[j], dtype=float)
        steps.append(
            Step(
                f"Eq. (3), layer {j}",
                "Eq. (3)",
                f"Eq. (3): {H('∇', sub=H('w', sup=j))}L = {H('ϕ', sup=j)} ({H('a', sup=j - 1)})ᵀ. "
                f"The gradient of the weight on each edge is the error at its output end times the signal "
                f"at its input end: ∂L/∂{H('w', sub='i,k', sup=j)} = {H('ϕ', sub='i', sup=j)} "
                f"{H('a', sub='k', sup=j - 1)}; for example "
                f"{H('ϕ', sub=1, sup=j)} {H('a', sub=1, sup=j - 1)} = {_fmt(phi[j][0])} × "
                f"{_fmt(fp.a[j - 1][0, 0])} = {_fmt(dW[0, 0])}.",
                units={j: ("ϕ", phi[j]), j - 1: ("a", _col(fp.a[j - 1]))},
                edges=(j, "gradient"),
                matrices={f"w{_sup_digits(j)}": dW},
                data={f"dW{j}": dW},
            )
        )
    db = {j: _col(g.db[j]) for j in range(1, J + 1)}
    steps.append(
        Step(
            "Eq. (4)",
            "Eq. (4)",
            f"Eq. (4): {H('∇', sub=H('b', sup='j'))}L = {H('ϕ', sup='j')}: the bias gradient of every unit is its "
            f"error signal, shown on each unit. One backward pass has produced the gradient of every weight "
            f"and bias.",
            units={**{j: ("∇b", db[j]) for j in range(1, J + 1)}},
            data={f"db{j}": db[j] for j in range(1, J + 1)},
        )
    )
    return steps


def _step_svg(lay: _Layout, step: Step, uid: str, n: int, total: int, label: str) -> str:
    J = len(lay.sizes) - 1
    colors = {"a": FORWARD, "Σ": BACKWARD, "ϕ": BACKWARD, "∇b": BACKWARD}
    extra_height = 0
    if step.matrices:
        rows = max(m.shape[0] for m in step.matrices.values())
        extra_height = 44 + 20 * rows
    height = lay.height + extra_height
    parts = [_svg_open(WIDTH, height, f"Step {n} of {total}: {label}", 720)]
    parts.append(_arrow_defs(uid, {"f": FORWARD, "b": BACKWARD, "g": GRADIENT}))
    parts += _draw_skeleton(lay, footer=False, unit_numbers=False)
    if step.edges is not None:
        j, direction = step.edges
        color, arrow = {"forward": (FORWARD, "f"), "backward": (BACKWARD, "b"), "gradient": (GRADIENT, None)}[direction]
        for i in lay.shown[j]:
            for k in lay.shown[j - 1]:
                parts.append(
                    _edge_line(
                        lay,
                        j,
                        i,
                        k,
                        color=color,
                        width=2.2,
                        marker=arrow and f"{uid}-{arrow}",
                        reverse=direction == "backward",
                    )
                )
    # unit numbers (small, left of the circle) and values
    for j in range(J + 1):
        for slot, i in enumerate(lay.shown[j]):
            x, y = lay.x[j], lay.y[j][slot]
            parts.append(_text(x, y + 4.5, str(i), size=12, color=MUTED))
    for key, spec in step.units.items():
        if not isinstance(key, int):
            continue
        name, values = spec
        color = colors[name]
        for slot, i in enumerate(lay.shown[key]):
            x, y = lay.x[key], lay.y[key][slot]
            if name == "Σ":
                head = (
                    "Σ"
                    + _sym("", sub="k")
                    + " "
                    + _sym("w", sub=f"k,{i}", sup=key + 1)
                    + " "
                    + _sym("ϕ", sub="k", sup=key + 1)
                )
            else:
                head = _sym(name, sub=i, sup=key)
            lines = [head + " = " + _fmt(values[i - 1])]
            if "z" in step.units and step.units["z"][0] == key:
                lines.insert(0, _sym("z", sub=i, sup=key) + " = " + _fmt(step.units["z"][1][i - 1]))
            if "y" in step.units and step.units["y"][0] == key:
                lines.append(_sym("y", sub=i) + " = " + _fmt(step.units["y"][1][i - 1]))
            if "detail" in step.units and step.units["detail"][0] == key:
                names = {
                    "∇L": "∂L/∂" + _sym("a", sub=i, sup=key),
                    "σ′": "σ′(" + _sym("z", sub=i, sup=key) + ")",
                    "Σ": "Σ",
                }
                lines[:0] = [f"{names[nm]} = {_fmt(arr[i - 1])}" for nm, arr in step.units["detail"][1]]
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{lay.radius}" fill="none" stroke="{color}" stroke-width="2.4"/>'
            )
            first = y + 4 - (len(lines) - 1) * 10.5
            # Labels go on the side away from the highlighted edges.
            if step.edges is not None and key == step.edges[0] - 1:
                parts.append(_label_box(x - lay.radius - 6, first, lines, size=12, side="left", color=color))
            else:
                parts.append(_label_box(x + lay.radius + 6, first, lines, size=12, side="right", color=color))
    if step.matrices:
        y0 = lay.height + 4
        for name, m in step.matrices.items():
            cells = [[_fmt(v) for v in row] for row in m]
            cw = max(len(c) for row in cells for c in row) * 7.4 + 14
            label = _sym("∇", sub=name, size=14) + "L = "
            x0 = WIDTH / 2 - (cw * m.shape[1]) / 2 + 30
            parts.append(_text(x0 - 8, y0 + 10 * m.shape[0] + 6, label, size=14, anchor="end", color=GRADIENT))
            top, bottom = y0 - 6, y0 + 20 * m.shape[0] - 2
            for side, xb in (("l", x0 - 2), ("r", x0 + cw * m.shape[1] + 2)):
                dx = 5 if side == "l" else -5
                parts.append(
                    f'<path d="M{xb + dx:.1f},{top} L{xb:.1f},{top} L{xb:.1f},{bottom} L{xb + dx:.1f},{bottom}" '
                    f'fill="none" stroke="{GRADIENT}" stroke-width="1.3"/>'
                )
            for r, row in enumerate(cells):
                for c, cell in enumerate(row):
                    parts.append(
                        _text(
                            x0 + cw * c + cw / 2, y0 + 20 * r + 10, cell, size=12, color=GRADIENT, extra=' class="cell"'
                        )
                    )
            parts.append(
                _text(
                    x0 + cw * m.shape[1] / 2,
                    bottom + 18,
                    "row i, column k: the edge from unit k to unit i",
                    size=12,
                    color=MUTED,
                )
            )
    parts.append("</svg>")
    return "".join(parts)


_STEPPER_JS = """
(function () {
  var root = document.getElementById("%(uid)s");
  if (!root) return;
  var frames = root.querySelectorAll(".nd-frame");
  var caps = root.querySelectorAll(".nd-caption");
  var counter = root.querySelector(".nd-counter");
  var prev = root.querySelector(".nd-prev"), next = root.querySelector(".nd-next");
  var n = 0;
  function show(k) {
    n = Math.max(0, Math.min(frames.length - 1, k));
    for (var i = 0; i < frames.length; i++) {
      frames[i].style.display = i === n ? "block" : "none";
      caps[i].style.display = i === n ? "block" : "none";
    }
    counter.textContent = "Step " + (n + 1) + " of " + frames.length;
    prev.disabled = n === 0;
    next.disabled = n === frames.length - 1;
  }
  prev.addEventListener("click", function () { show(n - 1); });
  next.addEventListener("click", function () { show(n + 1); });
  root.addEventListener("keydown", function (e) {
    if (e.key === "ArrowLeft") { show(n - 1); e.preventDefault(); }
    if (e.key === "ArrowRight") { show(n + 1); e.preventDefault(); }
  });
  show(0);
})();
"""

_BUTTON = (
    "font:inherit;font-size:0.95em;padding:0.25em 0.9em;margin-right:0.4em;border:1px solid #888;"
    "border-radius:4px;background:#f6f6f6;color:#222;cursor:pointer"
)


def backward_stepper_html(model: MLP, x, y, *, max_width: int = 720) -> str:
    """One backward pass of ``model`` on the sample ``(x, y)`` as frames with Prev/Next buttons.

    A self-contained HTML string (inline SVG and an inline ``<script>``, unique element ids) that
    works on the static website. Without JavaScript every frame is shown, one under the other.
    """
    steps = backward_steps(model, x, y)
    sizes = list(model.sizes)
    if max(sizes) > 5:
        raise ValueError(f"expected a small network (at most 5 units per layer) for the step-through, got {sizes}")
    lay = _layout(sizes, 5, {}, top=30, row=88, bottom=6, radius=17, left=110, right=150)
    uid = _uid("steps", sizes, [s.caption for s in steps])
    total = len(steps)
    frames, captions = [], []
    for n, step in enumerate(steps, start=1):
        frames.append(f'<div class="nd-frame">{_step_svg(lay, step, f"{uid}-{n}", n, total, step.title)}</div>')
        caption = step.caption
        if step.equation.startswith("Eq.") and caption.startswith(step.equation):
            caption = f"<strong>{step.equation}</strong>" + caption[len(step.equation) :]
        captions.append(
            f'<p class="nd-caption" aria-live="polite" style="margin:0.3em 0 0 0">'
            f"<strong>Step {n}/{total}.</strong> {caption}</p>"
        )
    return (
        f'<div id="{uid}" class="mlp-backward-stepper" tabindex="0" '
        f'style="max-width:{int(max_width)}px;margin:1em auto;border:1px solid #ddd;border-radius:6px;padding:0.6em">'
        f'<div style="display:flex;flex-wrap:wrap;align-items:center;gap:0.4em;margin-bottom:0.4em">'
        f'<button type="button" class="nd-prev" style="{_BUTTON}">◀ Prev</button>'
        f'<button type="button" class="nd-next" style="{_BUTTON}">Next ▶</button>'
        f'<span class="nd-counter" style="color:#555;font-size:0.9em">Step 1 of {total}</span></div>'
        + "".join(frames)
        + '<div style="min-height:4.5em;font-size:0.92em;line-height:1.45">'
        + "".join(captions)
        + "</div>"
        + f"<script>{_STEPPER_JS % {'uid': uid}}</script></div>"
    )


# ---------------------------------------------------------------------------
# 3. nudge one weight
# ---------------------------------------------------------------------------
def nudge_data(model: MLP, x, y, j: int, i: int, k: int, *, eps_max: float = 1.0, n: int = 41) -> dict:
    """Change w_{i,k}^j by ε for ``n`` values of ε in [−eps_max, eps_max]; the actual and predicted ΔL.

    ``(i, k)`` are numbered from 1, as on the page. ``x``, ``y`` are one sample. The *actual*
    change re-runs the forward pass of a copy of ``model`` with the changed weight:
    ΔL(ε) = L(w_{i,k}^j + ε) − L(w_{i,k}^j). The *prediction* is Eq. (3)'s first-order term
    ϕ_i^j a_k^{j−1} ε. Returns ``eps``, ``actual``, ``predicted`` (arrays), ``phi``, ``a``,
    ``gradient`` (= ϕ_i^j a_k^{j−1}, taken from ``MLP.gradients``) and the loss ``L``.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"expected an mlp_lib.MLP, got {type(model).__name__}")
    j, i, k, n = int(j), int(i), int(k), int(n)
    if not (1 <= j <= model.J and 1 <= i <= model.sizes[j] and 1 <= k <= model.sizes[j - 1]):
        raise ValueError(f"expected 1 ≤ j ≤ {model.J}, 1 ≤ i ≤ n_j, 1 ≤ k ≤ n_(j-1) for {model.sizes}, got {(j, i, k)}")
    if n < 3 or not eps_max > 0:
        raise ValueError(f"expected n ≥ 3 and eps_max > 0, got n={n}, eps_max={eps_max}")
    x = np.asarray(x, dtype=float).reshape(model.sizes[0], -1)
    if x.shape[1] != 1:
        raise ValueError(f"expected one sample, got {x.shape[1]}")
    fp, g = model.forward(x), model.gradients(x, y)
    phi, a = float(g.phi[j][i - 1, 0]), float(fp.a[j - 1][k - 1, 0])
    eps = np.linspace(-eps_max, eps_max, n)
    twin = model.copy()
    w0 = float(twin.W[j][i - 1, k - 1])
    actual = np.empty(n)
    for s, e in enumerate(eps):
        twin.W[j][i - 1, k - 1] = w0 + e
        actual[s] = twin.loss_value(x, y) - g.loss
    return {
        "j": j,
        "i": i,
        "k": k,
        "w": w0,
        "L": float(g.loss),
        "phi": phi,
        "a": a,
        "gradient": float(g.dW[j][i - 1, k - 1]),
        "eps": eps,
        "actual": actual,
        "predicted": phi * a * eps,
    }


_NUDGE_JS = """
(function () {
  var root = document.getElementById("%(uid)s");
  if (!root) return;
  var d = %(data)s;
  var slider = root.querySelector("input[type=range]");
  var out = root.querySelector(".nd-readout");
  var mA = root.querySelector(".nd-ma"), mP = root.querySelector(".nd-mp"), vl = root.querySelector(".nd-vl");
  var SUP = {"0": "\\u2070", "1": "\\u00b9", "2": "\\u00b2", "3": "\\u00b3", "4": "\\u2074", "5": "\\u2075",
             "6": "\\u2076", "7": "\\u2077", "8": "\\u2078", "9": "\\u2079", "-": "\\u207b"};
  function fmt(v) {  // like the Python side: 3 significant digits, a real minus, 10 to a superscript power
    if (v === 0) return "0";
    var s, a = Math.abs(v);
    if (a >= 1e-4 && a < 1e5) {
      s = String(Number(v.toPrecision(3)));
    } else {
      var e = Math.floor(Math.log10(a));
      s = String(Number((v / Math.pow(10, e)).toPrecision(3))) + "\\u00b710" +
          String(e).split("").map(function (c) { return SUP[c]; }).join("");
    }
    return s.replace("-", "\\u2212");
  }
  function show(s) {
    var e = d.eps[s], a = d.actual[s], p = d.predicted[s];
    mA.setAttribute("cx", d.px[s]); mA.setAttribute("cy", d.pyA[s]);
    mP.setAttribute("cx", d.px[s]); mP.setAttribute("cy", d.pyP[s]);
    vl.setAttribute("x1", d.px[s]); vl.setAttribute("x2", d.px[s]);
    var rel = a === 0 ? "" : " (" + fmt(Math.abs(a - p) / Math.abs(a) * 100) + " %% of \\u0394L)";
    out.innerHTML = "\\u03b5 = " + fmt(e) + ": actual \\u0394L = " + fmt(a) +
      ", predicted \\u03d5 a \\u03b5 = " + fmt(p) + "; difference " + fmt(a - p) + rel;
  }
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  show(parseInt(slider.value, 10));
})();
"""


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list:
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / n
    mag = 10 ** np.floor(np.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    start = np.ceil(lo / step) * step
    ticks = []
    t = start
    while t <= hi + 1e-12 * span:
        ticks.append(0.0 if abs(t) < 1e-12 * span else float(t))
        t += step
    return ticks


def _nudge_plot(data: dict, uid: str) -> tuple:
    """The SVG plot of actual and predicted ΔL against ε, and the pixel positions of every point."""
    W, H = WIDTH, 330
    left, right, top, bottom = 78, 24, 44, 52
    eps, act, pred = data["eps"], data["actual"], data["predicted"]
    lo, hi = float(min(act.min(), pred.min())), float(max(act.max(), pred.max()))
    pad = 0.06 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    e0, e1 = float(eps[0]), float(eps[-1])

    def px(e):
        return left + (e - e0) / (e1 - e0) * (W - left - right)

    def py(v):
        return top + (hi - v) / (hi - lo) * (H - top - bottom)

    j, i, k = data["j"], data["i"], data["k"]
    title = (
        f"Change of the loss when the weight from unit {k} of layer {j - 1} to unit {i} of layer {j} is changed by "
        f"epsilon between {_fmt(e0)} and {_fmt(e1)}: the actual change (solid) and the first-order prediction "
        f"phi times a times epsilon (dashed)"
    )
    p = [_svg_open(W, H, title, 720)]
    # grid and ticks
    for t in _nice_ticks(lo, hi):
        yy = py(t)
        p.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{W - right}" y2="{yy:.1f}" stroke="#eee"/>')
        p.append(_text(left - 6, yy + 4, _fmt(t), size=12, anchor="end", color=MUTED))
    for t in _nice_ticks(e0, e1, 8):
        xx = px(t)
        p.append(f'<line x1="{xx:.1f}" y1="{top}" x2="{xx:.1f}" y2="{H - bottom}" stroke="#eee"/>')
        p.append(_text(xx, H - bottom + 17, _fmt(t), size=12, color=MUTED))
    p.append(
        f'<rect x="{left}" y="{top}" width="{W - left - right}" height="{H - top - bottom}" fill="none" stroke="#999"/>'
    )
    if lo < 0 < hi:
        p.append(f'<line x1="{left}" y1="{py(0):.1f}" x2="{W - right}" y2="{py(0):.1f}" stroke="#999"/>')
    p.append(_text((left + W - right) / 2, H - 10, "ε (the change of the weight)", size=13, color=INK))
    p.append(
        _text(
            18,
            (top + H - bottom) / 2,
            "ΔL",
            size=13,
            color=INK,
            extra=f' transform="rotate(-90 18 {(top + H - bottom) / 2:.1f})"',
        )
    )
    pts_a = " ".join(f"{px(e):.1f},{py(v):.1f}" for e, v in zip(eps, act))
    pts_p = " ".join(f"{px(e):.1f},{py(v):.1f}" for e, v in zip(eps, pred))
    p.append(f'<polyline points="{pts_p}" fill="none" stroke="{BACKWARD}" stroke-width="2" stroke-dasharray="7 5"/>')
    p.append(f'<polyline points="{pts_a}" fill="none" stroke="{HIGHLIGHT}" stroke-width="2.4"/>')
    mid = len(eps) // 2
    p.append(
        f'<line class="nd-vl" x1="{px(eps[mid]):.1f}" y1="{top}" x2="{px(eps[mid]):.1f}" y2="{H - bottom}" '
        f'stroke="#888" stroke-dasharray="3 3"/>'
    )
    p.append(f'<circle class="nd-mp" cx="{px(eps[mid]):.1f}" cy="{py(pred[mid]):.1f}" r="5" fill="{BACKWARD}"/>')
    p.append(f'<circle class="nd-ma" cx="{px(eps[mid]):.1f}" cy="{py(act[mid]):.1f}" r="5" fill="{HIGHLIGHT}"/>')
    # legend, above the plot
    p.append(f'<line x1="{left}" y1="20" x2="{left + 30}" y2="20" stroke="{HIGHLIGHT}" stroke-width="2.4"/>')
    p.append(_text(left + 36, 24, "actual ΔL (forward pass re-run)", size=12, anchor="start"))
    lx = left + 290
    p.append(
        f'<line x1="{lx}" y1="20" x2="{lx + 30}" y2="20" stroke="{BACKWARD}" stroke-width="2" stroke-dasharray="7 5"/>'
    )
    pred_label = "predicted " + _sym("ϕ", sub=i, sup=j, size=12) + " " + _sym("a", sub=k, sup=j - 1, size=12) + " ε"
    p.append(_text(lx + 36, 24, pred_label, size=12, anchor="start"))
    p.append("</svg>")
    positions = {
        "px": [round(px(e), 1) for e in eps],
        "pyA": [round(py(v), 1) for v in act],
        "pyP": [round(py(v), 1) for v in pred],
    }
    return "".join(p), positions


def nudge_html(
    model: MLP, x, y, j: int, i: int, k: int, *, eps_max: float = 1.0, n: int = 41, max_width: int = 720
) -> str:
    """The "nudge one weight" view: the network with w_{i,k}^j highlighted, a slider for ε, and a
    plot of the actual ΔL against the prediction ϕ_i^j a_k^{j−1} ε (numbers from :func:`nudge_data`).

    Self-contained HTML (inline SVG and ``<script>`` over the precomputed numbers) for the
    static website.
    """
    data = nudge_data(model, x, y, j, i, k, eps_max=eps_max, n=n)
    uid = _uid("nudge", model.sizes, j, i, k, data["actual"].tolist())
    plot, pos = _nudge_plot(data, uid)
    fp = model.forward(np.asarray(x, dtype=float).reshape(model.sizes[0], -1))
    net = network_svg(model, edge=(j, i, k), values=fp, max_width=max_width)
    js_data = {
        "eps": [float(v) for v in data["eps"]],
        "actual": [float(v) for v in data["actual"]],
        "predicted": [float(v) for v in data["predicted"]],
        **pos,
    }
    H = _html_sym
    mid = len(data["eps"]) // 2
    summary = (
        f"{H('ϕ', sub=i, sup=j)} = {_fmt(data['phi'])}, {H('a', sub=k, sup=j - 1)} = {_fmt(data['a'])}, so "
        f"Eq. (3) predicts ΔL ≈ {H('ϕ', sub=i, sup=j)} {H('a', sub=k, sup=j - 1)} ε = {_fmt(data['gradient'])} ε "
        f"(L = {_fmt(data['L'], 4)} at ε = 0)."
    )
    return (
        f'<div id="{uid}" class="mlp-nudge" style="max-width:{int(max_width)}px;margin:1em auto;border:1px solid #ddd;'
        f'border-radius:6px;padding:0.6em">'
        f"{net}"
        f'<p style="margin:0.4em 0;font-size:0.92em">{summary}</p>'
        f'<label style="display:flex;align-items:center;gap:0.6em;font-size:0.92em;margin:0.3em 0">'
        f'<span style="white-space:nowrap">ε</span>'
        f'<input type="range" min="0" max="{len(data["eps"]) - 1}" step="1" value="{mid + len(data["eps"]) // 4}" '
        f'aria-label="epsilon, the change of the weight" style="flex:1;min-width:0"></label>'
        f'<p class="nd-readout" aria-live="polite" style="margin:0.2em 0 0.5em 0;font-size:0.92em;'
        f'font-variant-numeric:tabular-nums;min-height:2.9em"></p>'
        f"{plot}"
        f"<script>{_NUDGE_JS % {'uid': uid, 'data': json.dumps(js_data)}}</script></div>"
    )
