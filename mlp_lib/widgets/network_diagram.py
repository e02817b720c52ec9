"""A picture of the network: :class:`NetworkDiagram`, a static figure drawn in the page.

``NetworkDiagram(model_or_sizes, caption, edge=…, unit=…, values=…)`` is an anywidget without
controls. Its front end (``web/network.js``, the book's one network renderer, which the live
backward-pass views of :mod:`mlp_lib.widgets.backprop_views` draw with too, and
``web/network_diagram.js``) draws an MLP as SVG: columns of units (the input a⁰, then layers
1 … J), every edge a line, one edge w_{i,k}^j highlighted and labelled, one unit with its z_i^j
and a_i^j = σ(z_i^j). Units are numbered from 1, as in the book's subscripts. Below 560 px of
width (a phone) the page draws a compact picture whose text is larger.

Python checks the arguments and sends the numbers to show: the highlighted weight's value
(from a model) and the unit's z_i^j and a_i^j (from a forward pass); the page formats and draws
them. Every picture has a text alternative (``title``, or a description of the sizes and the
highlights).
"""

from __future__ import annotations

import math
import numbers

import anywidget
import traitlets

from ..mlp import MLP, ForwardPass
from .esm import assemble

__all__ = ["NetworkDiagram"]

#: the widest picture in px (the book's text column at 1280 px)
MAX_WIDTH = 720


def _layer_sizes(model_or_sizes) -> list:
    if isinstance(model_or_sizes, MLP):
        return list(model_or_sizes.sizes)
    if isinstance(model_or_sizes, (str, bytes)) or not hasattr(model_or_sizes, "__iter__"):
        raise TypeError(f"expected an mlp_lib.MLP or a list of layer sizes, got {model_or_sizes!r}")
    sizes = list(model_or_sizes)
    if not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in sizes):
        raise TypeError(f"expected an mlp_lib.MLP or a list of whole layer sizes, got {model_or_sizes!r}")
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"expected at least two positive layer sizes [n_0, …, n_J], got {model_or_sizes!r}")
    return [int(n) for n in sizes]


def _whole_numbers(value, count: int, name: str, form: str) -> list:
    try:
        parts = list(value)
    except TypeError:
        raise TypeError(f"expected {name} {form}, {count} whole numbers, got {value!r}") from None
    if len(parts) != count or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in parts):
        raise ValueError(f"expected {name} {form}, {count} whole numbers, got {value!r}")
    return [int(v) for v in parts]


def _check_edge(sizes: list, edge) -> list:
    """``[j, i, k]`` of w_{i,k}^j (numbered from 1), checked against the layer sizes; [] for none."""
    if edge is None or (not isinstance(edge, str) and hasattr(edge, "__len__") and len(edge) == 0):
        return []
    j, i, k = _whole_numbers(edge, 3, "edge", "(j, i, k)")
    J = len(sizes) - 1
    if not (1 <= j <= J and 1 <= i <= sizes[j] and 1 <= k <= sizes[j - 1]):
        raise ValueError(
            f"expected edge (j, i, k) with 1 ≤ j ≤ {J}, 1 ≤ i ≤ n_j, 1 ≤ k ≤ n_(j-1) for sizes {sizes}, got {tuple(edge)}"
        )
    return [j, i, k]


def _check_unit(sizes: list, unit) -> list:
    """``[j, i]`` of unit i of layer j ≥ 1, checked against the layer sizes; [] for none."""
    if unit is None or (not isinstance(unit, str) and hasattr(unit, "__len__") and len(unit) == 0):
        return []
    j, i = _whole_numbers(unit, 2, "unit", "(j, i)")
    J = len(sizes) - 1
    if not (1 <= j <= J and 1 <= i <= sizes[j]):
        raise ValueError(f"expected unit (j, i) with 1 ≤ j ≤ {J} and 1 ≤ i ≤ n_j for sizes {sizes}, got {tuple(unit)}")
    return [j, i]


def _unit_values(values, sizes: list, unit: list) -> list:
    """``[z_i^j, a_i^j]`` of the highlighted unit from a forward pass of one sample (column 0); [] for none."""
    if values is None:
        return []
    if not isinstance(values, ForwardPass):
        raise TypeError(f"expected values to be an mlp_lib.ForwardPass (model.forward(x)), got {type(values).__name__}")
    if not unit:
        raise ValueError("expected a unit (j, i) to show the values of, got values without a unit")
    if [a.shape[0] for a in values.a] != sizes:
        raise ValueError(
            f"expected a forward pass of a network with layer sizes {sizes}, got {[a.shape[0] for a in values.a]}"
        )
    j, i = unit
    z, a = float(values.z[j][i - 1, 0]), float(values.a[j][i - 1, 0])
    if not (math.isfinite(z) and math.isfinite(a)):
        raise ValueError(f"expected finite z and a for unit {i} of layer {j}, got z = {z}, a = {a}")
    return [z, a]


class NetworkDiagram(anywidget.AnyWidget):
    """A static picture of a network, drawn in the page; no controls.

    Parameters
    ----------
    model_or_sizes : MLP or list of int
        The network, or its layer sizes ``[n_0, …, n_J]``.
    caption : str
        The figure's caption: HTML text with ``<sub>``, ``<sup>``, ``<code>``, ``<em>``,
        ``<strong>`` (no TeX); other tags are shown as their text.
    edge : (j, i, k), optional
        Highlight the weight w_{i,k}^j — the edge from unit ``k`` of layer ``j−1`` to unit ``i``
        of layer ``j`` (units numbered from 1): drawn bold and labelled; with a model, its value.
    unit : (j, i), optional
        Highlight unit ``i`` of layer ``j ≥ 1`` and show z_i^j and a_i^j = σ(z_i^j) beside it.
    values : mlp_lib.ForwardPass, optional
        A forward pass of one sample (column 0 is used): the highlighted unit shows its numbers.
    max_units : int ≥ 3
        Layers with more units show the first ``max_units − 2``, a "⋮" and the last unit (plus
        the ends of the highlighted edge and the highlighted unit).
    title : str, optional
        The picture's text alternative; by default a description of the sizes and the highlights.
    max_width : int
        The largest width in px; the picture is as wide as its column up to that.
    """

    _esm = assemble("ui.js", "network.js", "network_diagram.js", engine=False)

    sizes = traitlets.List(traitlets.Int()).tag(sync=True)
    caption = traitlets.Unicode("").tag(sync=True)
    edge = traitlets.List(traitlets.Int()).tag(sync=True)
    unit = traitlets.List(traitlets.Int()).tag(sync=True)
    weight = traitlets.Float(None, allow_none=True).tag(sync=True)
    values = traitlets.List(traitlets.Float()).tag(sync=True)
    max_units = traitlets.Int(5).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    max_width = traitlets.Int(MAX_WIDTH).tag(sync=True)

    def __init__(
        self,
        model_or_sizes,
        caption: str = "",
        *,
        edge=None,
        unit=None,
        values=None,
        max_units: int = 5,
        title: str | None = None,
        max_width: int = MAX_WIDTH,
    ):
        sizes = _layer_sizes(model_or_sizes)
        for name, text in (("caption", caption), ("title", title)):
            if text is not None and not isinstance(text, str):
                raise TypeError(f"expected {name} to be a string, got {type(text).__name__}")
        edge, unit = _check_edge(sizes, edge), _check_unit(sizes, unit)
        weight = None
        if edge and isinstance(model_or_sizes, MLP):
            j, i, k = edge
            weight = float(model_or_sizes.W[j][i - 1, k - 1])
        super().__init__(
            sizes=sizes,
            caption=caption,
            edge=edge,
            unit=unit,
            weight=weight,
            values=_unit_values(values, sizes, unit),
            max_units=_bounded_int(max_units, "max_units", 3, 1000),
            title=title or "",
            max_width=_bounded_int(max_width, "max_width", 200, 4000),
        )

    @traitlets.validate("sizes")
    def _valid_sizes(self, proposal):
        def check():
            sizes = _layer_sizes(proposal["value"])
            _check_edge(sizes, self.edge), _check_unit(sizes, self.unit)  # the highlights must stay in the network
            return sizes

        return _refuse("sizes", check)

    @traitlets.validate("edge")
    def _valid_edge(self, proposal):
        return _refuse("edge", lambda: _check_edge(self.sizes, proposal["value"]))

    @traitlets.validate("unit")
    def _valid_unit(self, proposal):
        return _refuse("unit", lambda: _check_unit(self.sizes, proposal["value"]))

    @traitlets.validate("values")
    def _valid_values(self, proposal):
        values = list(proposal["value"])
        if values and (len(values) != 2 or not all(math.isfinite(v) for v in values)):
            raise traitlets.TraitError(f"could not set values: expected [z, a], two finite numbers, got {values}")
        return values

    @traitlets.validate("max_units")
    def _valid_max_units(self, proposal):
        return _refuse("max_units", lambda: _bounded_int(proposal["value"], "max_units", 3, 1000))

    @traitlets.validate("max_width")
    def _valid_max_width(self, proposal):
        return _refuse("max_width", lambda: _bounded_int(proposal["value"], "max_width", 200, 4000))


def _bounded_int(value, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"expected {name} to be a whole number in {lo} … {hi}, got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"expected {name} in {lo} … {hi}, got {value}")
    return int(value)


def _refuse(name: str, check):
    """``check()``, its ValueError/TypeError turned into a TraitError naming the trait."""
    try:
        return check()
    except (TypeError, ValueError) as exc:
        raise traitlets.TraitError(f"could not set {name}: {exc}") from exc
