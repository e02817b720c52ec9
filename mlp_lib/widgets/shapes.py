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
rows; no display); :class:`ShapesView` is the explorer, an anywidget whose front
end (``web/shapes.js``) measures the same shapes on the browser engine's arrays,
in a notebook and on the static website alike: sliders for the sizes and the
batch size, a summary line and the table. ``tests/widgets/test_widget_shapes.py``
checks its table against :func:`shape_rows`.
"""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets

from ..mlp import MLP
from ..validation import int_in_range, positive_int
from .esm import assemble

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


#: the sliders' ranges: trait → (smallest, largest)
RANGES = {
    "n_inputs": (1, MAX_UNITS),
    "hidden_layers": (0, MAX_HIDDEN_LAYERS),
    "units": (1, MAX_UNITS),
    "n_outputs": (1, MAX_UNITS),
    "m": (1, MAX_BATCH),
}


class ShapesView(anywidget.AnyWidget):
    """Sliders for the network's sizes and the batch size; a live table of every array's shape, in the page.

    The front end (``web/shapes.js`` on the browser engine) builds the network, runs one forward
    and one backward pass on a random batch and lists the shape of every array, as
    :func:`shape_rows` does with mlp_lib.

    Parameters
    ----------
    n_inputs, hidden_layers, units, n_outputs, m : int
        Initial values: inputs n_0 (1 … 16), number of hidden layers (0 … 4), units per hidden
        layer (1 … 16), outputs n_J (1 … 16), and batch size m (1 … 64). They are the synced
        traits, which the page writes back when a slider moves.
    """

    _esm = assemble("ui.js", "shapes.js")

    n_inputs = traitlets.Int(3).tag(sync=True)
    hidden_layers = traitlets.Int(1).tag(sync=True)
    units = traitlets.Int(4).tag(sync=True)
    n_outputs = traitlets.Int(2).tag(sync=True)
    m = traitlets.Int(5).tag(sync=True)

    def __init__(self, n_inputs=3, hidden_layers=1, units=4, n_outputs=2, m=5):
        setup = {"n_inputs": n_inputs, "hidden_layers": hidden_layers, "units": units, "n_outputs": n_outputs, "m": m}
        super().__init__(**{name: int_in_range(value, name, *RANGES[name]) for name, value in setup.items()})

    @traitlets.validate(*RANGES)
    def _valid(self, proposal):
        name = proposal["trait"].name
        try:
            return int_in_range(proposal["value"], name, *RANGES[name])
        except ValueError as exc:
            raise traitlets.TraitError(f"could not set {name}: {exc}") from exc

    @property
    def sizes(self) -> list:
        """``[n_0, …, n_J]`` as the sliders set them."""
        return layer_sizes(self.n_inputs, self.hidden_layers, self.units, self.n_outputs)

    def shapes(self) -> Shapes:
        """The page's table by mlp_lib: a :class:`Shapes` of :attr:`sizes` and :attr:`m`."""
        return Shapes(self.sizes, self.m)
