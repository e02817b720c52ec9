"""Watching one parameter move under its gradient (Eqs. 3 and 4 at work).

:class:`ParameterWatch` is the logic (no display). It trains a small network
``2 → units → 1`` (sigmoid output, binary cross-entropy) on the two-moons data
by full-batch gradient descent and follows **one** parameter: a weight
w^j_{i,k} (``kind="W"``) or a bias b^j_i (``kind="b"``). At every step it
records the parameter's value, its gradient from :class:`mlp_lib.MLP`, and
that gradient rebuilt from the error signal:

* Eq. (3): ∂L/∂w^j_{i,k} = Σ_s ϕ^j_{i,s} a^{j−1}_{k,s}  (per-sample products ϕ_i a_k, summed)
* Eq. (4): ∂L/∂b^j_i   = Σ_s ϕ^j_{i,s}                (per-sample ϕ_i, summed)

(the columns of ϕ already carry the 1/m of the batch mean). Indices i, k are
1-based as on the page.

:class:`ParameterWatchView` is the explorer, an anywidget that trains in the reader's browser
(``web/engine.js`` + ``web/parameter_watch.js``) from mlp_lib's starting weights and data:
layer / unit / input sliders, learning rate, Step / Train / Reset, a status line and three
charts (value, gradient both ways, per-sample terms). :func:`animation_html` renders a
recorded run as a self-contained HTML animation.
"""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import datasets
from ..mlp import MLP
from ..training import TrainingDiverged, sgd_step
from ..validation import int_in_range, one_of, positive_float, positive_int
from .animation import html_player
from .esm import assemble
from .page_weights import model_from_page, page_network


class ParameterWatch:
    """Full-batch training of a small network while watching one weight or bias.

    Parameters
    ----------
    kind : ``"W"`` or ``"b"``
    layer : int
        j in 1 … J (J = 2 here: one hidden layer).
    i : int
        Unit of layer j (1-based).
    k : int
        Unit of layer j − 1 (1-based; weights only).
    units, activation : hidden layer width and activation
    learning_rate : float > 0
    n, noise, seed : the two-moons data and the initial weights
    """

    def __init__(
        self,
        kind: str = "W",
        layer: int = 1,
        i: int = 1,
        k: int = 1,
        units: int = 4,
        activation: str = "tanh",
        learning_rate: float = 0.5,
        n: int = 200,
        noise: float = 0.2,
        seed: int = 0,
    ):
        self.kind = one_of(kind, "kind", ("W", "b"))
        self.units, self.activation = positive_int(units, "units"), activation
        self.learning_rate = positive_float(learning_rate, "learning_rate")
        self.seed = int(seed)
        data = datasets.moons(n=positive_int(n, "n"), noise=float(noise), seed=self.seed)
        x = data.x
        self.x = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
        self.y = data.targets("bce")
        self.sizes = [2, self.units, 1]
        self.select(layer, i, k)
        self.reset()

    # ------------------------------------------------------------------
    def select(self, layer: int, i: int, k: int = 1) -> None:
        """Choose the watched parameter (the history is kept; call :meth:`reset` to restart)."""
        layer = int_in_range(layer, "layer", 1, len(self.sizes) - 1)
        i = int_in_range(i, "i", 1, self.sizes[layer])
        k = int_in_range(k, "k", 1, self.sizes[layer - 1]) if self.kind == "W" else 1
        self.layer, self.i, self.k = layer, i, k

    def reset(self) -> None:
        """A fresh network (same seed: same initial weights) and an empty history."""
        self.model = MLP(self.sizes, hidden=self.activation, output="sigmoid", loss="bce", seed=self.seed)
        self.steps = 0
        self.diverged = None
        self.history = {"step": [], "value": [], "gradient": [], "rebuilt": [], "loss": []}
        self._record()

    def value(self) -> float:
        j, i, k = self.layer, self.i - 1, self.k - 1
        return float(self.model.W[j][i, k] if self.kind == "W" else self.model.b[j][i, 0])

    def contributions(self, grads=None) -> np.ndarray:
        """Per-sample terms whose sum is the gradient: ϕ_{i,s} a_{k,s} (weight) or ϕ_{i,s} (bias); shape ``(m,)``."""
        j, i, k = self.layer, self.i - 1, self.k - 1
        g = grads if grads is not None else self.model.gradients(self.x, self.y)
        phi_i = g.phi[j][i, :]
        if self.kind == "b":
            return phi_i
        a_prev = self.model._forward(self.x).a[j - 1]
        return phi_i * a_prev[k, :]

    def _record(self):
        g = self.model.gradients(self.x, self.y)
        j, i, k = self.layer, self.i - 1, self.k - 1
        grad = float(g.dW[j][i, k] if self.kind == "W" else g.db[j][i, 0])
        h = self.history
        h["step"].append(self.steps)
        h["value"].append(self.value())
        h["gradient"].append(grad)
        h["rebuilt"].append(float(np.sum(self.contributions(g))))
        h["loss"].append(g.loss)
        self.last_gradients = g
        return g

    def step(self, n: int = 1) -> bool:
        """``n`` full-batch gradient-descent steps (θ ← θ − η ∂L/∂θ). False if training diverged."""
        for _ in range(int(n)):
            try:
                sgd_step(self.model, self.x, self.y, self.learning_rate)
            except TrainingDiverged as exc:
                self.diverged = str(exc)
                return False
            self.steps += 1
            self._record()
        return True


def _symbols(watch: ParameterWatch) -> dict:
    """How the recorded run writes the watched parameter: mathtext for the figure, words for its text alternative."""
    j, i, k = watch.layer, watch.i, watch.k
    if watch.kind == "W":
        return {"tex": f"w^{{{j}}}_{{{i},{k}}}", "spoken": f"the weight of layer {j} from unit {k} to unit {i}"}
    return {"tex": f"b^{{{j}}}_{{{i}}}", "spoken": f"the bias of unit {i} of layer {j}"}


def animation_html(watch: ParameterWatch, steps: int = 150, frames: int = 10, dpi: int = 80) -> str:
    """Train ``watch`` ``steps`` steps from a fresh network; an HTML/JS player of value, gradient and loss.

    Self-contained (frames are embedded PNGs, see :func:`~mlp_lib.widgets.animation.html_player`): works on
    the static website.
    """
    watch.reset()
    watch.step(steps)
    h = {key: np.asarray(v) for key, v in watch.history.items()}
    name = _symbols(watch)
    fig = Figure(figsize=(4.6, 6.2), dpi=dpi)  # one panel a row: the text stays ≥ 9 px on a phone
    fig.subplots_adjust(left=0.16, right=0.96, bottom=0.08, top=0.95, hspace=0.75)
    ax1, ax2, ax3 = fig.subplots(3, 1)
    (l1,) = ax1.plot([], [], color="tab:blue")
    (l2,) = ax2.plot([], [], color="tab:red")
    (l3,) = ax3.plot([], [], color="tab:green")
    for ax, key, title in [
        (ax1, "value", f"value of ${name['tex']}$"),
        (ax2, "gradient", rf"$\partial L/\partial {name['tex']}$"),
        (ax3, "loss", "loss L"),
    ]:
        lo, hi = float(h[key].min()), float(h[key].max())
        pad = 0.1 * max(hi - lo, 1e-6)
        ax.set_xlim(0, max(1, h["step"][-1]))
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("step")
    ends = np.unique(np.linspace(1, len(h["step"]), int(frames)).astype(int))

    def draw(n):
        for line, key in [(l1, "value"), (l2, "gradient"), (l3, "loss")]:
            line.set_data(h["step"][:n], h[key][:n])
        return l1, l2, l3

    FigureCanvasAgg(fig)
    return html_player(fig, draw, ends, fps=4, alt=f"Recorded run: value, gradient and loss of {name['spoken']}")


#: the learning-rate slider's range (powers of ten, steps of 0.1)
LEARNING_RATES = (1e-3, 10.0)


def _check_learning_rate(value) -> float:
    lr = positive_float(value, "learning_rate")
    lo, hi = LEARNING_RATES
    if not lo * (1 - 1e-9) <= lr <= hi * (1 + 1e-9):  # the page rounds 10**position to 12 digits
        raise ValueError(f"expected learning_rate in {lo:g} … {hi:g} (the slider's range), got {lr}")
    return lr


def _check_selection(kind: str, sizes: list, layer, i, k) -> tuple:
    """(layer, i, k) checked against the layer sizes: 1 ≤ j ≤ J, 1 ≤ i ≤ n_j, 1 ≤ k ≤ n_(j−1) (k = 1 for a bias)."""
    layer = int_in_range(layer, "layer", 1, len(sizes) - 1)
    i = int_in_range(i, f"i (a unit of layer {layer})", 1, sizes[layer])
    k = int_in_range(k, f"k (a unit of layer {layer - 1})", 1, sizes[layer - 1] if kind == "W" else 1)
    return layer, i, k


class ParameterWatchView(anywidget.AnyWidget):
    """The parameter watch, live in the page: a :class:`ParameterWatch` trained in the reader's browser.

    Parameters
    ----------
    kind : ``"W"`` or ``"b"``
        Watch a weight w^j_{i,k} (Eq. 3) or a bias b^j_i (Eq. 4); fixed for the view.
    layer, i, k : int
        The watched parameter (1-based; ``k`` only for weights, else 1).
    learning_rate : float in 0.001 … 10
    train_steps : int in 1 … 1000
        Steps per click on *Train*.
    warmup : int in 0 … 10000
        Steps the page takes before its first picture (and Python before :attr:`history`).
    **kwargs
        ``units`` (1 … 64), ``activation``, ``n`` (2 … 2000 samples), ``noise``, ``seed`` of
        :class:`ParameterWatch`: its network and data, sent to the page as :attr:`initial`.

    Synced both ways: :attr:`layer`, :attr:`i`, :attr:`k` (set them together with :meth:`select`)
    and :attr:`learning_rate`. The page writes back :attr:`network` (its weights), :attr:`steps`
    and :attr:`history` (the watched parameter's ``step``, ``value``, ``gradient``, ``rebuilt``
    and ``loss`` lists, as :attr:`ParameterWatch.history`); :meth:`model` reads the network back.
    Before the page has drawn, they are Python's own after ``warmup`` steps.
    """

    _esm = assemble("ui.js", "parameter_watch.js")

    kind = traitlets.Unicode("W", read_only=True).tag(sync=True)
    layer = traitlets.Int(1).tag(sync=True)
    i = traitlets.Int(1).tag(sync=True)
    k = traitlets.Int(1).tag(sync=True)
    learning_rate = traitlets.Float(0.5).tag(sync=True)
    train_steps = traitlets.Int(50).tag(sync=True)
    warmup = traitlets.Int(0).tag(sync=True)
    #: Python → page: mlp_lib's start, ``{network: {config, params}, x (2, n), y (1, n)}``
    initial = traitlets.Dict().tag(sync=True)
    #: page → Python: the weights after :attr:`steps` steps, ``{config, params}``
    network = traitlets.Dict().tag(sync=True)
    #: page → Python: gradient-descent steps taken since the start
    steps = traitlets.Int(0).tag(sync=True)
    #: page → Python: the watched parameter's history (lists ``step``, ``value``, ``gradient``, ``rebuilt``, ``loss``)
    history = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        kind: str = "W",
        layer: int = 1,
        i: int = 1,
        k: int = 1,
        learning_rate: float = 0.5,
        train_steps: int = 50,
        warmup: int = 0,
        **kwargs,
    ):
        learning_rate = _check_learning_rate(learning_rate)
        train_steps = int_in_range(train_steps, "train_steps", 1, 1000)
        warmup = int_in_range(warmup, "warmup", 0, 10_000)
        unknown = sorted(set(kwargs) - {"units", "activation", "n", "noise", "seed"})
        if unknown:
            raise TypeError(f"expected keyword arguments units, activation, n, noise or seed, got {', '.join(unknown)}")
        int_in_range(kwargs.get("units", 4), "units", 1, 64)
        int_in_range(kwargs.get("n", 200), "n", 2, 2000)
        logic = ParameterWatch(kind, layer, i, k, learning_rate=learning_rate, **kwargs)
        self._sizes = logic.sizes
        start = {"network": page_network(logic.model), "x": logic.x.tolist(), "y": logic.y.tolist()}
        logic.step(warmup)
        self.set_trait("kind", logic.kind)
        super().__init__(
            layer=logic.layer,
            i=logic.i,
            k=logic.k,
            learning_rate=learning_rate,
            train_steps=train_steps,
            warmup=warmup,
            initial=start,
            network=page_network(logic.model),
            steps=logic.steps,
            history={key: list(v) for key, v in logic.history.items()},
        )

    @traitlets.validate("layer", "i", "k")
    def _valid_selection(self, proposal):
        chosen = {"layer": self.layer, "i": self.i, "k": self.k, proposal["trait"].name: proposal["value"]}
        try:
            _check_selection(self.kind, self._sizes, chosen["layer"], chosen["i"], chosen["k"])
        except ValueError as exc:
            raise traitlets.TraitError(
                f"could not set {proposal['trait'].name}: {exc}; set layer, i and k together with select(layer, i, k)"
            ) from exc
        return proposal["value"]

    @traitlets.validate("learning_rate", "train_steps", "warmup")
    def _valid_training(self, proposal):
        name, value = proposal["trait"].name, proposal["value"]
        try:
            if name == "learning_rate":
                return _check_learning_rate(value)
            return int_in_range(value, name, *((1, 1000) if name == "train_steps" else (0, 10_000)))
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(f"could not set {name}: {exc}") from exc

    def select(self, layer: int, i: int, k: int = 1) -> None:
        """Watch another parameter: w^layer_{i,k} (or b^layer_i); the page shows its history."""
        layer, i, k = _check_selection(self.kind, self._sizes, layer, i, k)
        with self.hold_trait_notifications():
            self.layer, self.i, self.k = layer, i, k

    def model(self) -> MLP:
        """The network the page trained (after :attr:`steps` steps), as an :class:`~mlp_lib.MLP`."""
        return model_from_page(self.network, "the page")
