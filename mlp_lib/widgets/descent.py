"""Gradient descent on a loss surface you can see: one neuron, two parameters.

The network is the smallest MLP there is, ``MLP([1, 1], output="identity",
loss="mse")``: ŷ = w x + b. Its batch loss on a fixed data set is a function
of just two numbers, L(w, b), so the whole loss surface fits in a contour plot
and every gradient-descent step

    (w, b) ← (w, b) − η (∇_w L, ∇_b L)

is a visible arrow. The gradients come from mlp_lib's backpropagation
(:func:`mlp_lib.training.sgd_step`, full batch), not from a formula written
here.

The inputs are not centred (x is uniform on [0, 3]), which makes the surface a
long narrow valley: the Hessian of L is ``2 [[E x², E x], [E x, 1]]`` with
eigenvalues λ_max ≈ 8.4 and λ_min ≈ 0.4 (on the 40 seeded samples), so plain gradient descent

* crawls along the valley for small η,
* zig-zags across it as η approaches 2/λ_max ≈ 0.24,
* and diverges beyond that (each step overshoots further than the last).

:class:`DescentSession` is the display-free logic (tests drive it);
:class:`DescentExplorer` is the ipywidgets view (learning-rate slider,
Step / 10 steps / Reset buttons, a PNG of the surface with the path);
:func:`compare_learning_rates` draws several runs side by side for the static
website.
"""

from __future__ import annotations


import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..mlp import MLP
from ..training import TrainingDiverged, sgd_step
from .rendering import figure_png

#: where every run starts, and the window of the contour plot
START = (-1.5, 3.5)
W_RANGE = (-2.5, 5.0)
B_RANGE = (-3.0, 5.0)
#: a run counts as diverged once the loss exceeds this (the path has left the picture long before)
DIVERGED_LOSS = 1e6


def make_data(m: int = 40, seed: int = 0):
    """x uniform on [0, 3], y = 2x − 1 + noise; shapes ``(1, m)`` (columns are samples)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 3.0, size=(1, m))
    y = 2.0 * x - 1.0 + 0.3 * rng.standard_normal((1, m))
    return x, y


class DescentSession:
    """Full-batch gradient descent on ŷ = w x + b with mean squared error.

    Attributes
    ----------
    model : mlp_lib.MLP
        ``MLP([1, 1], output="identity", loss="mse")``; w = ``model.W[1][0, 0]``, b = ``model.b[1][0, 0]``.
    learning_rate : float
    path : list of (w, b)
        Every point visited, starting with :data:`START`.
    losses : list of float
        L at every point of ``path``.
    diverged : bool
    """

    def __init__(self, learning_rate: float = 0.1, start=START, m: int = 40, seed: int = 0):
        self.x, self.y = make_data(m, seed)
        self.start = (float(start[0]), float(start[1]))
        self.learning_rate = float(learning_rate)
        self.model = MLP([1, 1], hidden=[], output="identity", loss="mse", seed=seed)
        self.reset()

    @property
    def params(self) -> tuple:
        return float(self.model.W[1][0, 0]), float(self.model.b[1][0, 0])

    def reset(self) -> None:
        """Back to the start point with an empty path."""
        self.model.W[1] = np.array([[self.start[0]]])
        self.model.b[1] = np.array([[self.start[1]]])
        self.path = [self.params]
        self.losses = [self.model.loss_value(self.x, self.y)]
        self.diverged = False

    def loss_at(self, w, b) -> np.ndarray:
        """L(w, b) on the data for arrays of w and b (broadcast), the same mean as mlp_lib's."""
        w = np.asarray(w, dtype=float)[..., None]
        b = np.asarray(b, dtype=float)[..., None]
        return np.mean((self.y[0] - (w * self.x[0] + b)) ** 2, axis=-1)

    def step(self) -> bool:
        """One gradient-descent step with mlp_lib's gradients; False once the run has diverged."""
        if self.diverged:
            return False
        try:
            sgd_step(self.model, self.x, self.y, self.learning_rate)
        except TrainingDiverged:
            self.diverged = True
            return False
        loss = self.model.loss_value(self.x, self.y)
        self.path.append(self.params)
        self.losses.append(loss)
        if not np.isfinite(loss) or loss > DIVERGED_LOSS:
            self.diverged = True
            return False
        return True

    def run(self, steps: int) -> bool:
        """Up to ``steps`` steps; False if the run diverged on the way."""
        for _ in range(int(steps)):
            if not self.step():
                return False
        return True

    def status(self) -> str:
        w, b = self.params
        text = f"η = {self.learning_rate:g} · step {len(self.path) - 1} · w = {w:.3f}, b = {b:.3f} · L = {self.losses[-1]:.4g}"
        if self.diverged:
            text += " · diverged: η is too large for this valley"
        return text

    # ------------------------------------------------------------------
    def draw(self, ax_surface, ax_loss=None, title: str | None = None) -> None:
        """Contour plot of L(w, b) with the path; optionally the loss per step on ``ax_loss``."""
        ws = np.linspace(*W_RANGE, 80)
        bs = np.linspace(*B_RANGE, 80)
        Wg, Bg = np.meshgrid(ws, bs)
        Z = self.loss_at(Wg, Bg)
        ax_surface.contour(Wg, Bg, np.log10(Z), levels=18, cmap="viridis", linewidths=0.8)
        best = np.linalg.lstsq(np.vstack([self.x[0], np.ones_like(self.x[0])]).T, self.y[0], rcond=None)[0]
        ax_surface.plot(best[0], best[1], marker="*", color="black", markersize=11, linestyle="none")
        path = np.asarray(self.path)
        ax_surface.plot(path[:, 0], path[:, 1], "-o", color="tab:red", markersize=3, linewidth=1)
        ax_surface.set_xlim(*W_RANGE)
        ax_surface.set_ylim(*B_RANGE)
        ax_surface.set_xlabel("weight w")
        ax_surface.set_ylabel("bias b")
        ax_surface.set_title(title or f"η = {self.learning_rate:g}, {len(self.path) - 1} steps", fontsize=10)
        if ax_loss is not None:
            losses = np.asarray(self.losses)
            ax_loss.semilogy(np.arange(losses.size), losses, "-o", color="tab:red", markersize=3)
            ax_loss.set_xlabel("step")
            ax_loss.set_ylabel("loss L")
            ax_loss.set_title("loss per step", fontsize=10)

    def png(self, size=(9.0, 3.8), dpi: int = 80) -> bytes:
        """The surface with the path and the loss curve, as PNG bytes."""
        fig = Figure(figsize=size, dpi=dpi)
        FigureCanvasAgg(fig)
        ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
        self.draw(ax1, ax2)
        fig.tight_layout()
        return figure_png(fig)


def compare_learning_rates(learning_rates=(0.05, 0.2, 0.3), steps: int = 25, size=(11.0, 3.6)) -> Figure:
    """Side-by-side runs from the same start, one panel per learning rate (a matplotlib Figure)."""
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(learning_rates))
    for ax, lr in zip(np.atleast_1d(axes), learning_rates):
        s = DescentSession(lr)
        s.run(steps)
        what = "diverged" if s.diverged else f"L = {s.losses[-1]:.3g}"
        s.draw(ax, title=f"η = {lr:g}: {len(s.path) - 1} steps, {what}")
    fig.tight_layout()
    return fig


class DescentExplorer:
    """The ipywidgets view: learning-rate slider, Step / 10 steps / Reset, live picture.

    Moving the slider changes η for the next steps (the path so far stays);
    Reset goes back to the start point.
    """

    def __init__(self, learning_rate: float = 0.2, warmup: int = 10):
        self.session = DescentSession(learning_rate)
        self.session.run(warmup)
        self.lr = W.FloatSlider(
            value=learning_rate, min=0.01, max=0.4, step=0.01, description="learning rate η",
            style={"description_width": "110px"}, layout=W.Layout(width="360px"), continuous_update=False,
        )
        self.step_button = W.Button(description="Step", tooltip="one gradient-descent step")
        self.ten_button = W.Button(description="10 steps", tooltip="ten gradient-descent steps")
        self.reset_button = W.Button(description="Reset", tooltip="back to the start point")
        self.status = W.HTML()
        self.image = W.Image(format="png")
        self.lr.observe(self._on_lr, names="value")
        self.step_button.on_click(lambda _b: self.steps(1))
        self.ten_button.on_click(lambda _b: self.steps(10))
        self.reset_button.on_click(lambda _b: self.reset())
        self.widget = W.VBox(
            [W.HBox([self.lr, self.step_button, self.ten_button, self.reset_button]), self.status, self.image]
        )
        self.refresh()

    def _on_lr(self, change) -> None:
        self.session.learning_rate = float(change["new"])
        self.refresh()

    def steps(self, n: int) -> None:
        self.session.run(n)
        self.refresh()

    def reset(self) -> None:
        self.session.reset()
        self.refresh()

    def refresh(self) -> None:
        self.status.value = f"<p style='margin:4px 0;font-family:monospace'>{self.session.status()}</p>"
        self.image.value = self.session.png()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
