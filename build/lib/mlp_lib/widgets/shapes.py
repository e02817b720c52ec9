"""The shape explorer: every array of an MLP and its shape, read off a real :class:`~mlp_lib.MLP`.

:func:`shape_rows` builds an ``MLP`` with the chosen layer sizes, runs one
forward pass and one backward pass on a random batch of ``m`` samples and
records the shape of every array the book names::

    a^0 = x    (n_0, m)
    w^j        (n_j, n_{j−1})      b^j        (n_j, 1)
    z^j, a^j   (n_j, m)            ϕ^j        (n_j, m)
    ∇_{w^j} L  (n_j, n_{j−1})      ∇_{b^j} L  (n_j, 1)

The shapes are *measured* on the arrays mlp_lib returns, not computed from a
formula, so the table is a check of the library as much as an illustration.
:class:`Shapes` is the logic (the layer sizes, the batch size and the measured
rows; no display); :class:`ShapesView` is the ipywidgets view (sliders for the
sizes and the batch size, a summary line, the table from :func:`shape_table_html`).
"""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from ..mlp import MLP
from ..validation import positive_int
from .controls import Controls, Panel

#: columns of the table: (header as HTML, how to read the shape)
COLUMNS = (
    ("w<sup>j</sup>", "W"),
    ("b<sup>j</sup>", "b"),
    ("z<sup>j</sup>", "z"),
    ("a<sup>j</sup>", "a"),
    ("ϕ<sup>j</sup>", "phi"),
    ("∇<sub>w<sup>j</sup></sub>L", "dW"),
    ("∇<sub>b<sup>j</sup></sub>L", "db"),
)
MAX_UNITS = 16
MAX_HIDDEN_LAYERS = 4
MAX_BATCH = 64


def layer_sizes(n_inputs: int, hidden_layers: int, units: int, n_outputs: int) -> list:
    """``[n_0, units, …, units, n_J]`` with ``hidden_layers`` hidden layers."""
    return [int(n_inputs)] + [int(units)] * int(hidden_layers) + [int(n_outputs)]


def shape_rows(sizes, m: int, seed: int = 0) -> list:
    """The shapes of every array of an ``MLP(sizes)`` on a batch of ``m`` samples.

    Returns a list of dicts, one per layer j = 1 … J, with keys ``j`` and
    ``W, b, z, a, phi, dW, db`` (each a shape tuple), plus a first entry
    ``{"j": 0, "a": (n_0, m)}`` for the input a^0.
    """
    sizes = [positive_int(n, "each layer size") for n in sizes]
    m = positive_int(m, "the batch size m")
    model = MLP(sizes, hidden="tanh", output="identity", loss="mse", seed=seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((sizes[0], m))
    y = rng.standard_normal((sizes[-1], m))
    fp = model.forward(x)
    g = model.gradients(x, y)
    rows = [{"j": 0, "a": fp.a[0].shape}]
    for j in range(1, model.J + 1):
        rows.append(
            {
                "j": j,
                "W": model.W[j].shape,
                "b": model.b[j].shape,
                "z": fp.z[j].shape,
                "a": fp.a[j].shape,
                "phi": g.phi[j].shape,
                "dW": g.dW[j].shape,
                "db": g.db[j].shape,
            }
        )
    return rows


class Shapes:
    """The shapes of every array of an ``MLP(sizes)`` on a batch of ``m`` samples.

    Attributes
    ----------
    sizes : list of int
        ``[n_0, …, n_J]``.
    m : int
    J : int
    rows : list of dict
        What :func:`shape_rows` measured.
    """

    def __init__(self, sizes, m: int, seed: int = 0):
        self.rows = shape_rows(sizes, m, seed)
        self.sizes = [int(n) for n in sizes]
        self.m = int(m)
        self.J = len(self.sizes) - 1


def _fmt(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def shape_table_html(rows) -> str:
    """The rows of :func:`shape_rows` as an HTML table (one row per layer)."""
    head = "".join(f"<th style='padding:2px 8px'>{h}</th>" for h, _ in COLUMNS)
    out = [
        "<table style='border-collapse:collapse;font-family:monospace;font-size:13px'>",
        f"<tr><th style='padding:2px 8px'>layer j</th>{head}</tr>",
    ]
    for row in rows:
        if row["j"] == 0:
            cells = "".join(
                f"<td style='padding:2px 8px;text-align:center'>{_fmt(row['a']) if key == 'a' else '—'}</td>"
                for _, key in COLUMNS
            )
            out.append(f"<tr><td style='padding:2px 8px'>0 (input x)</td>{cells}</tr>")
            continue
        cells = "".join(f"<td style='padding:2px 8px;text-align:center'>{_fmt(row[key])}</td>" for _, key in COLUMNS)
        out.append(f"<tr><td style='padding:2px 8px'>{row['j']}</td>{cells}</tr>")
    out.append("</table>")
    return "\n".join(out)


class ShapesView(Panel):
    """Sliders for the network's sizes and the batch size; a live table of every array's shape.

    Parameters
    ----------
    n_inputs, hidden_layers, units, n_outputs, m : int
        Initial values: inputs n_0, number of hidden layers, units per hidden
        layer, outputs n_J, and batch size m.

    Attributes
    ----------
    controls : dict of ipywidgets sliders, by name
    table : ipywidgets.HTML
        The picture: the table of shapes.
    """

    def __init__(self, n_inputs=3, hidden_layers=1, units=4, n_outputs=2, m=5):
        make = Controls(label_width="150px", width="380px")

        def slider(value, lo, hi, description):
            return make(W.IntSlider, description, value=value, min=lo, max=hi, description_allow_html=True)

        self.controls = {
            "n_inputs": slider(n_inputs, 1, MAX_UNITS, "inputs n<sub>0</sub>"),
            "hidden_layers": slider(hidden_layers, 0, MAX_HIDDEN_LAYERS, "hidden layers (J − 1)"),
            "units": slider(units, 1, MAX_UNITS, "units per hidden layer"),
            "n_outputs": slider(n_outputs, 1, MAX_UNITS, "outputs n<sub>J</sub>"),
            "m": slider(m, 1, MAX_BATCH, "batch size m"),
        }
        self.table = W.HTML()
        self.logic = self.make_logic()
        self._build([list(self.controls.values())], status_label=None, picture=self.table)
        self.refresh()

    @property
    def sizes(self) -> list:
        return self.logic.sizes

    @property
    def m(self) -> int:
        return self.logic.m

    def make_logic(self) -> Shapes:
        c = self.controls
        sizes = layer_sizes(c["n_inputs"].value, c["hidden_layers"].value, c["units"].value, c["n_outputs"].value)
        return Shapes(sizes, c["m"].value)

    def status_html(self) -> str:
        s = self.logic
        return (
            f"<p style='margin:4px 0'>MLP({html.escape(str(s.sizes))}): J = {s.J} layer(s), "
            f"batch of m = {s.m} sample(s) — shapes read off mlp_lib's arrays.</p>"
        )

    def picture(self) -> str:
        return shape_table_html(self.logic.rows)
