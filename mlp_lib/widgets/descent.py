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
:class:`DescentView` is the explorer, an anywidget that computes in the reader's browser
(``web/descent.js`` on the browser engine, in a notebook and on the static website alike):
a learning-rate slider, Step / 10 steps / Reset buttons, the contour lines of the surface with
the path and the loss per step; ``tests/widgets/test_widget_descent.py`` checks its steps against
:class:`Descent`'s. :func:`compare_learning_rates` draws several runs side by side as a static
figure (matplotlib, :func:`draw_descent`).
"""

from __future__ import annotations

import numbers

import anywidget
import numpy as np
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..mlp import MLP
from ..training import TrainingDiverged, sgd_step
from ..validation import int_in_range, positive_float, positive_int
from .esm import assemble

#: where every run starts, and the window of the contour plot
START = (-1.5, 3.5)
W_RANGE = (-2.5, 5.0)
B_RANGE = (-3.0, 5.0)
#: a run counts as diverged once the loss exceeds this (the path has left the picture long before)
DIVERGED_LOSS = 1e6
#: the explorer's learning-rate slider (step 0.01), and its longest warm-up run
LR_RANGE = (0.01, 0.4)
MAX_WARMUP = 1000


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


def _number_in(value, name: str, lo: float, hi: float) -> float:
    """``value`` as a float after checking it is a real number in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"expected {name} to be a number in [{lo:g}, {hi:g}], got {value!r}")
    if not lo <= float(value) <= hi:
        raise ValueError(f"expected {name} in [{lo:g}, {hi:g}], got {value!r}")
    return float(value)


def _finite_list(value, name: str, length: int | None = None) -> list:
    """``value`` as a list of finite floats (of ``length`` entries, if given)."""
    v = np.asarray(value, dtype=float)
    if v.ndim != 1 or v.size == 0 or (length is not None and v.size != length) or not np.isfinite(v).all():
        size = "at least one" if length is None else str(length)
        raise ValueError(f"expected {name} as a list of {size} finite numbers, got {value!r:.120}")
    return v.tolist()


def _run_state(run: Descent) -> dict:
    """The run's traits: ``path`` ([[w, b], …]), ``losses`` and ``diverged`` ("" while healthy)."""
    return {"path": [list(p) for p in run.path], "losses": list(run.losses), "diverged": run.diverged or ""}


class DescentView(anywidget.AnyWidget):
    """The gradient-descent explorer, live in the page: learning-rate slider, Step / 10 steps / Reset.

    The front end (``web/descent.js`` on the browser engine) draws the contour lines of log₁₀ L(w, b)
    over the window :data:`W_RANGE` × :data:`B_RANGE` with the least-squares minimum and the path,
    and the loss per step (log scale); its steps are full-batch gradient descent with the engine's
    backpropagation, as :meth:`Descent.step`. Moving the slider changes η for the next steps (the
    path so far stays); Reset goes back to the start point.

    Parameters
    ----------
    learning_rate : float in [0.01, 0.4]
        η (the slider's range).
    warmup : int in 0 … 1000
        Steps taken by mlp_lib (:class:`Descent`) before the page is shown: it opens on that run.

    Traits: ``x``, ``y`` (the data, m = 40 numbers each, as :func:`make_data` draws them), ``start``
    ([w, b]), ``learning_rate`` and the run the page shows and writes back after every click:
    ``path`` ([[w, b], …], from the start), ``losses`` (L at each point) and ``diverged`` (why the run
    stopped, "" while it is healthy). :meth:`descent` reads the run back as a :class:`Descent`.
    """

    _esm = assemble("ui.js", "descent.js")

    x = traitlets.List(traitlets.Float()).tag(sync=True)
    y = traitlets.List(traitlets.Float()).tag(sync=True)
    start = traitlets.List(traitlets.Float(), list(START)).tag(sync=True)
    learning_rate = traitlets.Float(0.2).tag(sync=True)
    path = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    losses = traitlets.List(traitlets.Float()).tag(sync=True)
    diverged = traitlets.Unicode("").tag(sync=True)

    def __init__(self, learning_rate: float = 0.2, warmup: int = 10):
        learning_rate = _number_in(learning_rate, "learning_rate", *LR_RANGE)
        run = Descent(learning_rate)
        run.run(int_in_range(warmup, "warmup", 0, MAX_WARMUP))
        super().__init__(
            x=run.x[0].tolist(),
            y=run.y[0].tolist(),
            start=list(run.start),
            learning_rate=learning_rate,
            **_run_state(run),
        )

    @traitlets.validate("learning_rate")
    def _valid_learning_rate(self, proposal):
        try:
            return _number_in(proposal["value"], "learning_rate", *LR_RANGE)
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(f"could not set learning_rate: {exc}") from exc

    @traitlets.validate("x", "y", "start", "losses")
    def _valid_numbers(self, proposal):
        name = proposal["trait"].name
        try:
            return _finite_list(proposal["value"], name, 2 if name == "start" else None)
        except ValueError as exc:
            raise traitlets.TraitError(f"could not set {name}: {exc}") from exc

    @traitlets.validate("path")
    def _valid_path(self, proposal):
        if not proposal["value"]:
            raise traitlets.TraitError("could not set path: expected at least the start point [w, b], got no points")
        try:
            return [_finite_list(point, "each point [w, b] of the path", 2) for point in proposal["value"]]
        except ValueError as exc:
            raise traitlets.TraitError(f"could not set path: {exc}") from exc

    def descent(self) -> Descent:
        """The page's run as a :class:`Descent` (data, start, η, path, losses, why it stopped) at its last point.

        Its ``model`` holds the last (w, b), so ``descent().step()`` goes on in Python from where the page is.
        """
        if len(self.path) != len(self.losses) or len(self.x) != len(self.y):
            raise ValueError(
                f"expected as many losses as points of the path and as many y as x, got {len(self.losses)} losses "
                f"for {len(self.path)} points and {len(self.y)} y for {len(self.x)} x"
            )
        run = Descent(self.learning_rate, start=self.start)
        run.x, run.y = np.array([self.x]), np.array([self.y])
        run.path = [tuple(p) for p in self.path]
        run.losses = list(self.losses)
        run.diverged = self.diverged or None
        run.model.W[1] = np.array([[self.path[-1][0]]])
        run.model.b[1] = np.array([[self.path[-1][1]]])
        return run
