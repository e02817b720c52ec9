"""One backward pass, live in the page: a step-through (Eq. 2) and a "nudge one weight" view (Eq. 3).

Two anywidgets whose front end (``web/engine.js``, ``web/ui.js``, the network drawing
``web/network.js`` and the views' ``web/backprop_steps.js``, ``web/backprop_pictures.js`` and
``web/backprop_views.js``) computes every number in the reader's browser, in a notebook and on the
static website alike:

* :class:`BackwardStepper` — one forward and one backward pass of a small network on one
  sample, step by step in the manner of CS231n's circuit diagrams: the forward values a^j and
  z^j, the loss, ϕ^J (Eq. 1), (w^{j+1})ᵀ ϕ^{j+1} and ϕ^j (Eq. 2), ∇w (Eq. 3), ∇b (Eq. 4).
* :class:`WeightNudge` — change one weight w_{i,k}^j by ε and compare the actual change of the
  loss (the forward pass run again) with Eq. (3)'s first-order prediction ϕ_i^j a_k^{j−1} ε.

The reader can type another sample x and target y, switch the hidden activation, draw new
weights (and go back to the book's), step with Prev/Next (or the arrow keys), pick the nudged
weight by clicking an edge or in three lists, and move ε: the page recomputes everything with the engine.

The engine's numbers are not trusted: :func:`backward_steps` and :func:`nudge_data` compute
the same numbers with mlp_lib (``MLP.forward``, ``MLP.gradients``, ``MLP.loss_value``), and
``tests/widgets/test_backprop_views.py`` compares the page's with them on random networks.

Python and the page share the traits ``network`` ({config, params}, as
:func:`~mlp_lib.widgets.page_weights.page_network` writes it), ``x`` and ``y`` (the sample),
``step`` (the stepper's step, from 0), ``edge`` ([j, i, k], numbered from 1), ``eps`` and
``eps_max`` (the nudge); :meth:`model` reads the page's network back as an :class:`~mlp_lib.MLP`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral, Real

import anywidget
import numpy as np
import traitlets

from ..mlp import MLP
from ..validation import POSITIVE_REAL, ArrayLike, InstanceOf, Interval, check, check_one
from .esm import assemble
from .page_weights import model_from_page, page_network

__all__ = ["BackwardStepper", "Step", "WeightNudge", "backward_steps", "nudge_data"]

#: the views draw every unit, so they take small networks
MAX_UNITS, MAX_LAYERS = 6, 4


def esm_source() -> str:
    """The views' ES module (one module, no imports): the engine, ui.js, the network drawing
    (``network.js``), then the views' numbers, pictures and controls."""
    return assemble("ui.js", "network.js", "backprop_steps.js", "backprop_pictures.js", "backprop_views.js")


# ---------------------------------------------------------------------------
# the numbers, by mlp_lib (the reference the page's engine is tested against)
# ---------------------------------------------------------------------------
@dataclass
class Step:
    """One step of the step-through: its title, the equation it applies and every number it computed.

    The ``data`` keys are those of the page's ``backwardSteps``: ``a0``, ``z{j}``, ``a{j}``,
    ``L``, ``grad_a``, ``dsigma{j}``, ``phi{j}``, ``back{j}`` (= (w^{j+1})ᵀ ϕ^{j+1}), ``dW{j}``
    (n_j × n_{j−1}) and ``db{j}``; vectors are 1-D arrays of the sample's column.
    """

    title: str
    equation: str
    data: dict = field(default_factory=dict)


_MODEL = InstanceOf(MLP, "an mlp_lib.MLP")
_NUMBERS = ArrayLike(ndim=None, samples=False)  # real numbers of any shape, reshaped to a column


def _sample(model: MLP, x, y, caller: str) -> tuple:
    x = check_one(caller, "x", x, _NUMBERS).reshape(model.sizes[0], -1)
    y = check_one(caller, "y", y, _NUMBERS).reshape(model.sizes[-1], -1)
    if x.shape[1] != 1:
        raise ValueError(f"{caller}: expected one sample (x of shape ({model.sizes[0]}, 1)), got {x.shape[1]} samples")
    return x, y


def backward_steps(model: MLP, x, y) -> list:
    """The numbers of one forward and one backward pass on one sample, in reading order.

    ``x`` and ``y`` are one sample (shape ``(n_0, 1)`` and ``(n_J, 1)``, or flat). The steps:
    the input; for each layer z^j = w^j a^{j−1} + b^j and a^j = σ(z^j); the loss L; Eq. (1)
    ϕ^J = ∇_{a^J} L ∘ σ'(z^J); for each hidden layer j = J−1 … 1 Eq. (2) in two halves,
    (w^{j+1})ᵀ ϕ^{j+1} and then ϕ^j = that ∘ σ'(z^j); Eq. (3) ∇_{w^j} L = ϕ^j (a^{j−1})ᵀ for
    j = J … 1; Eq. (4) ∇_{b^j} L = ϕ^j. ϕ, ∇w and ∇b are ``MLP.gradients``'.
    """
    model = check_one("backward_steps", "model", model, _MODEL)
    x, y = _sample(model, x, y, "backward_steps")
    if not all(act.elementwise for act in model.activations[1:]):
        raise ValueError("expected elementwise activations in every layer (the step-through shows σ' per unit)")
    J = model.J
    fp, g = model.forward(x), model.gradients(x, y)

    def col(v):
        return np.asarray(v, dtype=float)[:, 0]

    steps = [Step("The input", "", {"a0": col(x)})]
    for j in range(1, J + 1):
        steps.append(Step(f"Forward, layer {j}", "forward pass", {f"z{j}": col(fp.z[j]), f"a{j}": col(fp.a[j])}))
    steps.append(Step("The loss", "loss", {"L": float(g.loss)}))
    steps.append(
        Step(
            f"Eq. (1): ϕ^{J}",
            "Eq. (1)",
            {
                "grad_a": col(model.loss.gradient(fp.a[J], y)),
                f"dsigma{J}": col(model.activations[J].derivative(fp.z[J])),
                f"phi{J}": col(g.phi[J]),
            },
        )
    )
    for j in range(J - 1, 0, -1):
        back = col(model.W[j + 1].T @ g.phi[j + 1])
        steps.append(Step(f"Eq. (2), layer {j}: back through the weights", "Eq. (2)", {f"back{j}": back}))
        steps.append(
            Step(
                f"Eq. (2), layer {j}: times σ′",
                "Eq. (2)",
                {f"dsigma{j}": col(model.activations[j].derivative(fp.z[j])), f"phi{j}": col(g.phi[j])},
            )
        )
    for j in range(J, 0, -1):
        steps.append(Step(f"Eq. (3), layer {j}", "Eq. (3)", {f"dW{j}": np.asarray(g.dW[j], dtype=float)}))
    steps.append(Step("Eq. (4)", "Eq. (4)", {f"db{j}": col(g.db[j]) for j in range(1, J + 1)}))
    return steps


def nudge_data(model: MLP, x, y, j: int, i: int, k: int, *, eps_max: float = 1.0, n: int = 41) -> dict:
    """Change w_{i,k}^j by ε for ``n`` values of ε in [−eps_max, eps_max]; the actual and predicted ΔL.

    ``(i, k)`` are numbered from 1, as on the page; ``x``, ``y`` are one sample. The *actual*
    change re-runs the forward pass of a copy of ``model`` with the changed weight:
    ΔL(ε) = L(w_{i,k}^j + ε) − L(w_{i,k}^j). The *prediction* is Eq. (3)'s first-order term
    ϕ_i^j a_k^{j−1} ε. Returns ``eps``, ``actual``, ``predicted`` (arrays), ``w`` (the weight),
    ``phi``, ``a``, ``gradient`` (∂L/∂w_{i,k}^j from ``MLP.gradients``) and the loss ``L``.
    """
    model = check_one("nudge_data", "model", model, _MODEL)
    j, n, eps_max = check(
        "nudge_data",
        {"j": j, "n": n, "eps_max": eps_max},
        {"j": Interval(Integral, 1, model.J), "n": Interval(Integral, 3, None), "eps_max": POSITIVE_REAL},
    )
    i, k = check(  # a unit of layer j and a unit of layer j − 1
        "nudge_data",
        {"i": i, "k": k},
        {"i": Interval(Integral, 1, model.sizes[j]), "k": Interval(Integral, 1, model.sizes[j - 1])},
    )
    x, y = _sample(model, x, y, "nudge_data")
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


# ---------------------------------------------------------------------------
# the widgets
# ---------------------------------------------------------------------------
def _check_network(model: MLP) -> MLP:
    if model.J > MAX_LAYERS or max(model.sizes) > MAX_UNITS:
        raise ValueError(
            f"expected a small network (at most {MAX_LAYERS} layers of at most {MAX_UNITS} units) to draw every "
            f"unit, got layer sizes {model.sizes}"
        )
    if not all(act.elementwise for act in model.activations[1:]):
        names = [act.name for act in model.activations[1:]]
        raise ValueError(f"expected elementwise activations in every layer (σ' is shown per unit), got {names}")
    return model


def _check_edge(sizes: list, edge) -> list:
    try:
        j, i, k = edge
    except (TypeError, ValueError):
        raise ValueError(f"expected edge (j, i, k), three whole numbers, got {edge!r}") from None
    # w_{i,k}^j: a layer j, a unit i of layer j and a unit k of layer j − 1, numbered from 1
    j = check_one(None, "edge j", j, Interval(Integral, 1, len(sizes) - 1))
    i, k = check(
        None,
        {"edge i": i, "edge k": k},
        {"edge i": Interval(Integral, 1, sizes[j]), "edge k": Interval(Integral, 1, sizes[j - 1])},
    )
    return [j, i, k]


def _check_vector(value, n: int, name: str) -> list:
    try:
        v = np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"expected {n} numbers for {name}, got {value!r:.100}") from None
    if v.size != n:
        raise ValueError(f"expected {n} numbers for {name}, got {v.size}")
    if not np.isfinite(v).all() or np.abs(v).max(initial=0) > 1e6:
        raise ValueError(f"expected finite numbers between −1e6 and 1e6 for {name}, got {v.tolist()}")
    return [float(t) for t in v]


class _BackpropView(anywidget.AnyWidget):
    _esm = esm_source()

    view = traitlets.Unicode().tag(sync=True)
    network = traitlets.Dict().tag(sync=True)
    x = traitlets.List(traitlets.Float()).tag(sync=True)
    y = traitlets.List(traitlets.Float()).tag(sync=True)

    def __init__(self, model: MLP, x, y, **kwargs):
        _check_network(check_one(type(self).__name__, "model", model, _MODEL))
        super().__init__(
            network=page_network(model),
            x=_check_vector(x, model.sizes[0], "x"),
            y=_check_vector(y, model.sizes[-1], "y"),
            **kwargs,
        )

    @traitlets.validate("network")
    def _valid_network(self, proposal):
        try:
            _check_network(model_from_page(proposal["value"], "the widget"))
        except (KeyError, TypeError, ValueError) as exc:
            raise traitlets.TraitError(f"could not set the network: {exc}") from exc
        return proposal["value"]

    @traitlets.validate("x", "y")
    def _valid_sample(self, proposal):
        name = proposal["trait"].name
        sizes = self.network["config"]["layer_sizes"] if self.network else None
        if sizes is None:
            return proposal["value"]
        n = sizes[0] if name == "x" else sizes[-1]
        try:
            return _check_vector(proposal["value"], n, name)
        except ValueError as exc:
            raise traitlets.TraitError(f"could not set {name}: {exc}") from exc

    def model(self) -> MLP:
        """The network the page shows (the reader may have drawn new weights), as an :class:`~mlp_lib.MLP`."""
        return model_from_page(self.network, "the widget")


class BackwardStepper(_BackpropView):
    """One forward and backward pass of ``model`` on the sample ``(x, y)``, step by step, live in the page.

    Parameters
    ----------
    model : MLP
        At most 4 layers of at most 6 units, elementwise activations (every unit is drawn).
    x, y : array-like
        One sample: n_0 inputs and n_J targets (flat or as columns).
    step : int
        The step shown first, from 0.
    """

    step = traitlets.Int(0).tag(sync=True)

    def __init__(self, model: MLP, x, y, *, step: int = 0):
        super().__init__(model, x, y, view="stepper", step=int(step))

    @traitlets.validate("step")
    def _valid_step(self, proposal):
        if proposal["value"] < 0:
            raise traitlets.TraitError(f"expected a step ≥ 0, got {proposal['value']}")
        return proposal["value"]


class WeightNudge(_BackpropView):
    """Change the weight w_{i,k}^j of ``model`` by ε: the actual ΔL next to ϕ_i^j a_k^{j−1} ε, live in the page.

    Parameters
    ----------
    model : MLP
        At most 4 layers of at most 6 units, elementwise activations.
    x, y : array-like
        One sample.
    edge : (j, i, k)
        The weight nudged first: from unit ``k`` of layer ``j−1`` to unit ``i`` of layer ``j``,
        numbered from 1. The reader picks another by clicking an edge.
    eps_max : float
        The ε slider spans [−eps_max, eps_max].
    eps : float, optional
        The ε shown first (default eps_max / 2).
    """

    edge = traitlets.List(traitlets.Int(), default_value=[1, 1, 1], minlen=3, maxlen=3).tag(sync=True)
    eps = traitlets.Float(0.5).tag(sync=True)
    eps_max = traitlets.Float(1.0).tag(sync=True)

    def __init__(self, model: MLP, x, y, *, edge=(1, 1, 1), eps_max: float = 1.0, eps: float | None = None):
        eps_max = check_one("WeightNudge", "eps_max", eps_max, POSITIVE_REAL)
        eps = check_one("WeightNudge", "eps", eps_max / 2 if eps is None else eps, Interval(Real, -eps_max, eps_max))
        if isinstance(model, MLP):
            edge = _check_edge(model.sizes, edge)
        super().__init__(model, x, y, view="nudge", eps_max=eps_max, eps=eps, edge=edge)

    @traitlets.validate("eps")
    def _valid_eps(self, proposal):
        eps = proposal["value"]
        if not (math.isfinite(eps) and abs(eps) <= self.eps_max):
            raise traitlets.TraitError(f"expected |eps| ≤ eps_max = {self.eps_max}, got {eps}")
        return eps

    @traitlets.validate("edge")
    def _valid_edge(self, proposal):
        try:
            return _check_edge(self.network["config"]["layer_sizes"], proposal["value"])
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(f"could not set edge: {exc}") from exc
