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

:class:`Descent` is the display-free logic (tests drive it);
:class:`DescentView` is the ipywidgets view (learning-rate slider,
Step / 10 steps / Reset buttons, a PNG of the surface with the path);
:func:`compare_learning_rates` draws several runs side by side for the static
website with the same :func:`draw_descent`.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..mlp import MLP
from ..training import TrainingDiverged, sgd_step
from ..validation import positive_float, positive_int
from .controls import Button, Controls, TrainerPanel

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


class Descent:
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
    diverged : str or None
        Why the run stopped (η too large for the valley), None while it is healthy.
    """

    def __init__(self, learning_rate: float = 0.1, start=START, m: int = 40, seed: int = 0):
        self.x, self.y = make_data(positive_int(m, "m"), seed)
        self.start = (float(start[0]), float(start[1]))
        self.learning_rate = positive_float(learning_rate, "learning_rate")
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
        self.diverged = None

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
        except TrainingDiverged as exc:
            self.diverged = f"{exc} (η is too large for this valley)"
            return False
        loss = self.model.loss_value(self.x, self.y)
        self.path.append(self.params)
        self.losses.append(loss)
        if not np.isfinite(loss) or loss > DIVERGED_LOSS:
            self.diverged = f"the loss passed {DIVERGED_LOSS:g}: η is too large for this valley"
            return False
        return True

    def run(self, steps: int) -> bool:
        """Up to ``steps`` steps; False if the run diverged on the way."""
        for _ in range(int(steps)):
            if not self.step():
                return False
        return True


def draw_descent(descent: Descent, ax_surface, ax_loss=None, title: str | None = None) -> None:
    """Contour plot of L(w, b) with the path of ``descent``; optionally the loss per step on ``ax_loss``."""
    ws = np.linspace(*W_RANGE, 80)
    bs = np.linspace(*B_RANGE, 80)
    Wg, Bg = np.meshgrid(ws, bs)
    Z = descent.loss_at(Wg, Bg)
    ax_surface.contour(Wg, Bg, np.log10(Z), levels=18, cmap="viridis", linewidths=0.8)
    x, y = descent.x[0], descent.y[0]
    best = np.linalg.lstsq(np.vstack([x, np.ones_like(x)]).T, y, rcond=None)[0]
    ax_surface.plot(best[0], best[1], marker="*", color="black", markersize=11, linestyle="none")
    path = np.asarray(descent.path)
    ax_surface.plot(path[:, 0], path[:, 1], "-o", color="tab:red", markersize=3, linewidth=1)
    ax_surface.set_xlim(*W_RANGE)
    ax_surface.set_ylim(*B_RANGE)
    ax_surface.set_xlabel("weight w")
    ax_surface.set_ylabel("bias b")
    ax_surface.set_title(title or f"η = {descent.learning_rate:g}, {len(descent.path) - 1} steps", fontsize=10)
    if ax_loss is not None:
        losses = np.asarray(descent.losses)
        ax_loss.semilogy(np.arange(losses.size), losses, "-o", color="tab:red", markersize=3)
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("loss L")
        ax_loss.set_title("loss per step", fontsize=10)


def compare_learning_rates(
    learning_rates=(0.05, 0.2, 0.3), steps: int = 25, size=(9.0, 3.4), columns: int | None = None
) -> Figure:
    """Runs from the same start, one panel per learning rate (a matplotlib Figure).

    Side by side, or ``columns`` panels per row (a short last row is centred): two columns give
    each panel room to be read at the width of the book's text.
    """
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    n = len(learning_rates)
    columns = n if columns is None else max(1, min(int(columns), n))
    rows = -(-n // columns)
    grid = fig.add_gridspec(rows, 2 * columns)
    for k, lr in enumerate(learning_rates):
        row, col = divmod(k, columns)
        in_row = min(columns, n - row * columns)
        start = (columns - in_row) + 2 * col  # centre a short last row
        ax = fig.add_subplot(grid[row, start : start + 2])
        d = Descent(lr)
        d.run(steps)
        what = "diverged" if d.diverged else f"L = {d.losses[-1]:.3g}"
        draw_descent(d, ax, title=f"η = {lr:g}: {len(d.path) - 1} steps, {what}")
    fig.tight_layout()
    return fig


class DescentView(TrainerPanel):
    """The ipywidgets view of a :class:`Descent`: learning-rate slider, Step / 10 steps / Reset, live picture.

    Moving the slider changes η for the next steps (the path so far stays);
    Reset goes back to the start point.
    """

    train_steps = 10

    def __init__(self, learning_rate: float = 0.2, warmup: int = 10):
        self.logic = Descent(learning_rate)
        self.logic.run(warmup)
        make = Controls(label_width="110px", width="360px")
        self.lr = make(W.FloatSlider, "learning rate η", value=learning_rate, min=0.01, max=0.4, step=0.01)
        buttons = (
            Button("step", "Step", "one gradient-descent step", icon="step-forward"),
            Button("ten", "10 steps", "ten gradient-descent steps", method="train", icon="play", style="success"),
            Button("reset", "Reset", "back to the start point", icon="undo"),
        )
        self._build((self.lr,), buttons, width=None)
        self.refresh()

    def _on_control(self, change) -> None:
        self.logic.learning_rate = float(change["new"])
        self.refresh()

    def _advance(self, steps: int) -> bool:
        return self.logic.run(steps)

    def status_html(self) -> str:
        d = self.logic
        w, b = d.params
        text = f"η = {d.learning_rate:g} · step {len(d.path) - 1} · w = {w:.3f}, b = {b:.3f} · L = {d.losses[-1]:.4g}"
        return f"<p style='margin:4px 0;font-family:monospace'>{text}</p>"

    def figure(self, size=(9.0, 3.8), dpi: int = 80) -> Figure:
        """The surface with the path and the loss curve."""
        fig = Figure(figsize=size, dpi=dpi)
        FigureCanvasAgg(fig)
        ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
        draw_descent(self.logic, ax1, ax2)
        fig.tight_layout()
        return fig
