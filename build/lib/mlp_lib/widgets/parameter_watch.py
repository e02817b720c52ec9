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

:class:`ParameterWatchView` is the ipywidgets view (layer/unit/input
sliders, learning rate, Step/Train/Reset, a picture), and
:func:`animation_html` renders a recorded run as a
self-contained HTML animation for the static website.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import datasets
from ..mlp import MLP
from ..training import TrainingDiverged, sgd_step
from ..validation import int_in_range, one_of, positive_float, positive_int
from .animation import html_player
from .controls import Controls, TrainerPanel


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
    """How the view writes the watched parameter: mathtext for figures, HTML for the status line."""
    j, i, k = watch.layer, watch.i, watch.k
    if watch.kind == "W":
        return {
            "tex": f"w^{{{j}}}_{{{i},{k}}}",
            "html": f"w<sup>{j}</sup><sub>{i},{k}</sub>",
            "terms_tex": rf"\phi^{{{j}}}_{{{i},s}}\, a^{{{j - 1}}}_{{{k},s}}",
            "terms_html": f"ϕ<sup>{j}</sup><sub>{i},s</sub> a<sup>{j - 1}</sup><sub>{k},s</sub>",
            "eq": 3,
            "spoken": f"the weight of layer {j} from unit {k} to unit {i}",
        }
    return {
        "tex": f"b^{{{j}}}_{{{i}}}",
        "html": f"b<sup>{j}</sup><sub>{i}</sub>",
        "terms_tex": rf"\phi^{{{j}}}_{{{i},s}}",
        "terms_html": f"ϕ<sup>{j}</sup><sub>{i},s</sub>",
        "eq": 4,
        "spoken": f"the bias of unit {i} of layer {j}",
    }


def _axes(fig):
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.16, top=0.86, wspace=0.35)
    return fig.subplots(1, 3)


def animation_html(watch: ParameterWatch, steps: int = 150, frames: int = 10, dpi: int = 80) -> str:
    """Train ``watch`` ``steps`` steps from a fresh network; an HTML/JS player of value, gradient and loss.

    Self-contained (frames are embedded PNGs, see :func:`~mlp_lib.widgets.animation.html_player`): works on
    the static website.
    """
    watch.reset()
    watch.step(steps)
    h = {key: np.asarray(v) for key, v in watch.history.items()}
    name = _symbols(watch)
    fig = Figure(figsize=(9.0, 2.8), dpi=dpi)
    ax1, ax2, ax3 = _axes(fig)
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


class ParameterWatchView(TrainerPanel):
    """ipywidgets view of a :class:`ParameterWatch`: layer / unit / input sliders, learning rate, Step / Train / Reset."""

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
        self.logic = ParameterWatch(kind, layer, i, k, learning_rate=learning_rate, **kwargs)
        if warmup:
            self.logic.step(warmup)
        self.train_steps = int(train_steps)
        make = Controls(label_width="120px", width="300px")
        sizes = self.logic.sizes
        self.controls = {
            "layer": make(W.IntSlider, "Layer j", value=layer, min=1, max=len(sizes) - 1),
            "i": make(W.IntSlider, "Unit i (layer j)", value=i, min=1, max=sizes[layer]),
            "learning_rate": make.learning_rate(learning_rate),
        }
        if kind == "W":
            self.controls["k"] = make(W.IntSlider, "Input k (layer j−1)", value=k, min=1, max=sizes[layer - 1])
        c = self.controls
        self._build(
            ([c["layer"], c["i"]] + ([c["k"]] if "k" in c else []), [c["learning_rate"]]),
            self.trainer_buttons(
                step_tip="one gradient-descent step",
                train_tip=f"{self.train_steps} steps",
                reset_tip="fresh network, same seed",
            ),
            width="680px",
        )
        self.refresh()

    def _on_control(self, change) -> None:
        c, w = self.controls, self.logic
        if change["owner"] is c["learning_rate"]:
            w.learning_rate = float(change["new"])
            w.diverged = None
            return
        layer = c["layer"].value
        c["i"].max = w.sizes[layer]
        if "k" in c:
            c["k"].max = w.sizes[layer - 1]
        w.select(layer, c["i"].value, c["k"].value if "k" in c else 1)
        steps = w.steps
        w.reset()  # rebuild the history for the newly watched parameter
        w.step(steps)
        self.refresh()

    def status_html(self) -> str:
        w, name = self.logic, _symbols(self.logic)
        h = w.history
        text = (
            f"step {w.steps}: {name['html']} = {h['value'][-1]:.5g}, ∂L/∂{name['html']} = {h['gradient'][-1]:.4g} "
            f"(Eq. ({name['eq']}): Σ<sub>s</sub> {name['terms_html']} = {h['rebuilt'][-1]:.4g}), "
            f"loss = {h['loss'][-1]:.4f}"
        )
        return f"<code>{text}</code>"

    def figure(self, size=(9.0, 3.3), dpi: int = 80) -> Figure:
        w, name = self.logic, _symbols(self.logic)
        fig = Figure(figsize=size, dpi=dpi)
        ax1, ax2, ax3 = _axes(fig)
        h = w.history
        ax1.plot(h["step"], h["value"], color="tab:blue")
        ax1.set_title(f"value of ${name['tex']}$", fontsize=10)
        ax1.set_xlabel("step")
        ax2.plot(h["step"], h["gradient"], color="tab:red", label=rf"$\partial L/\partial {name['tex']}$ (mlp_lib)")
        ax2.plot(h["step"], h["rebuilt"], ":", color="black", label=rf"$\sum_s {name['terms_tex']}$ (Eq. {name['eq']})")
        ax2.axhline(0, color="gray", lw=0.6)
        ax2.set_title(rf"gradient $\partial L/\partial {name['tex']}$", fontsize=10)
        ax2.set_xlabel("step")
        ax2.legend(fontsize=9)
        c = w.contributions(w.last_gradients)
        ax3.hist(c, bins=25, color="tab:purple")
        ax3.axvline(0, color="gray", lw=0.6)
        ax3.set_title(
            f"per-sample terms at step {w.steps}\n(sum = {np.sum(c):.3g}, loss = {h['loss'][-1]:.3f})", fontsize=9
        )
        ax3.set_xlabel(f"${name['terms_tex']}$")
        ax3.locator_params(axis="x", nbins=4)  # room for the tick labels of small numbers
        return fig
