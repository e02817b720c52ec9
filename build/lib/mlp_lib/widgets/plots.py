"""The playground's picture: one matplotlib figure, drawn with Agg, updated in place.

:class:`PlaygroundFigure` builds its artists once per run (data points, the
boundary image, one line per curve) and :meth:`PlaygroundFigure.update` only
changes their data (``set_data``/``set_ydata``, axis limits, titles) — the
figure is never rebuilt between steps. :meth:`PlaygroundFigure.png` renders
PNG bytes for an ``ipywidgets.Image``: core widgets only, so the last frame is
part of the notebook's widget state and shows on the static site offline.

Panels::

    ┌──────────────┬────────────┬────────────┐
    │ data +       │ loss       │ ‖ϕ^j‖      │
    │ boundary     ├────────────┼────────────┤
    │ (or curve)   │ accuracy   │ ‖∇w^j L‖   │
    └──────────────┴────────────┴────────────┘

The boundary panel shows, on a ``grid × grid`` mesh, the predicted class as a
colour whose strength is the confidence (white = undecided). For the digits
(64 inputs, no plane to draw) it shows the test set's confusion matrix, and for
the regression data set the fitted curve over the points.
"""

from __future__ import annotations

from io import BytesIO

import numpy as np
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from .session import Session

#: class colours (matplotlib's tab10), as RGB in [0, 1]
CLASS_COLORS = np.array(
    [
        [0.122, 0.467, 0.706],
        [1.000, 0.498, 0.055],
        [0.173, 0.627, 0.173],
        [0.839, 0.153, 0.157],
        [0.580, 0.404, 0.741],
        [0.549, 0.337, 0.294],
        [0.890, 0.467, 0.761],
        [0.498, 0.498, 0.498],
        [0.737, 0.741, 0.133],
        [0.090, 0.745, 0.812],
    ]
)
#: at most this many points per history curve are drawn (longer histories are subsampled)
MAX_CURVE_POINTS = 400


def _thin(n: int) -> np.ndarray:
    """Indices of at most MAX_CURVE_POINTS points out of n, always keeping the last."""
    if n <= MAX_CURVE_POINTS:
        return np.arange(n)
    idx = np.linspace(0, n - 1, MAX_CURVE_POINTS).astype(np.int64)
    idx[-1] = n - 1
    return idx


def _log_limits(values, floor=1e-12):
    """Log-axis limits snapped to half decades, so they change rarely (each change costs a full draw)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > floor)]
    if v.size == 0:
        return floor * 10, 1.0
    lo = np.floor(2 * np.log10(v.min())) / 2
    hi = np.ceil(2 * np.log10(v.max())) / 2
    if hi - lo < 1:
        hi = lo + 1
    return 10.0**lo, 10.0**hi


def _moving_average(values: np.ndarray, window: int = 20) -> np.ndarray:
    """Trailing mean over ``window`` steps along axis 0 (batch-to-batch noise hides the trend)."""
    c = np.cumsum(np.vstack([np.zeros((1, values.shape[1])), values]), axis=0)
    n = np.arange(1, values.shape[0] + 1)
    start = np.maximum(n - window, 0)
    return (c[n] - c[start]) / (n - start)[:, None]


def _step_limit(step: float) -> float:
    """The x-axis end: the next of 10, 20, 50, 100, 200, 500, … at or above ``step``."""
    step = max(step, 10.0)
    decade = 10.0 ** np.floor(np.log10(step))
    for k in (1, 2, 5, 10):
        if k * decade >= step:
            return k * decade
    return 10 * decade


def _plain_log_label(value, _pos=None) -> str:
    """Tick label of a log axis without mathtext (parsing "$10^{-3}$" on every frame is slow)."""
    return f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e")


def _cheap_ticks(ax) -> None:
    """Few, plain tick labels: text layout is most of the cost of a frame."""
    ax.tick_params(labelsize=7, length=2, pad=1)
    if ax.get_yscale() == "log":
        ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 3.0), numticks=5))
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(_plain_log_label))
        ax.yaxis.set_minor_locator(ticker.NullLocator())
    elif ax.get_yticks().size:
        ax.yaxis.set_major_locator(ticker.MaxNLocator(4))
    if ax.get_xticks().size:
        ax.xaxis.set_major_locator(ticker.MaxNLocator(4, integer=True))


class PlaygroundFigure:
    """A figure showing a :class:`~mlp_lib.widgets.session.Session`, updated in place.

    Parameters
    ----------
    session : Session
    grid : int
        Resolution of the decision-boundary mesh (grid × grid points).
    size : (float, float)
        Figure size in inches; with ``dpi`` it gives the PNG size in pixels.
    dpi : int
    compact : bool
        Only the boundary and the loss curve (the recorded animation).
    """

    def __init__(self, session: Session, grid: int = 60, size=(11.0, 4.1), dpi: int = 80, compact: bool = False):
        self.session = session
        self.grid = int(grid)
        self.dpi = int(dpi)
        self.compact = compact
        self.fig = Figure(figsize=size, dpi=self.dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self.full_draws = 0
        self._build()

    # ------------------------------------------------------------------
    def _build(self) -> None:
        """(Re)create the artists for the session's current run (called on reset, not per step)."""
        fig = self.fig
        if not fig.axes:
            self._make_axes()
        else:
            # Axes are made once; a new run only replaces what is drawn in them
            # (creating and clearing axes is the slow part of a rebuild).
            for ax in fig.axes:
                for artist in [*ax.lines, *ax.images, *ax.collections, *ax.texts]:
                    artist.remove()
                if ax.get_legend() is not None:
                    ax.get_legend().remove()
                ax.set_xlabel("")
                ax.set_ylabel("")
        self._build_data_panel()
        self._build_curves()
        self.ax_data.tick_params(labelsize=7, length=2, pad=1)
        for ax in fig.axes[1:]:
            _cheap_ticks(ax)
        # Artists that change every frame are "animated": a full draw leaves them out,
        # the rest is kept as a background bitmap and each frame only draws these on top.
        self._dynamic = [a for a in self._dynamic_artists() if a is not None]
        for artist in self._dynamic:
            artist.set_animated(True)
        self._limits = None
        self._background = None
        self.update()

    def _make_axes(self) -> None:
        fig = self.fig
        if self.compact:
            gs = fig.add_gridspec(
                1, 2, width_ratios=[1.0, 1.25], left=0.06, right=0.98, bottom=0.17, top=0.88, wspace=0.28
            )
            self.ax_data = fig.add_subplot(gs[0, 0])
            self.ax_loss = fig.add_subplot(gs[0, 1])
            self.ax_acc = self.ax_phi = self.ax_dw = None
        else:
            gs = fig.add_gridspec(
                2,
                3,
                width_ratios=[1.15, 1.0, 1.0],
                left=0.045,
                right=0.99,
                bottom=0.11,
                top=0.92,
                wspace=0.3,
                hspace=0.5,
            )
            self.ax_data = fig.add_subplot(gs[:, 0])
            self.ax_loss = fig.add_subplot(gs[0, 1])
            self.ax_acc = fig.add_subplot(gs[1, 1])
            self.ax_phi = fig.add_subplot(gs[0, 2])
            self.ax_dw = fig.add_subplot(gs[1, 2])
        for ax in (self.ax_loss, self.ax_phi, self.ax_dw):
            if ax is not None:
                ax.set_yscale("log")

    def _build_data_panel(self) -> None:
        s, ax = self.session, self.ax_data
        self.mode: str = (
            "regression" if s.task == "regression" else ("boundary" if s.train.n_features == 2 else "confusion")
        )
        if self.mode == "boundary":
            xs = np.hstack([s.train.x, s.test.x])
            lo, hi = xs.min(axis=1), xs.max(axis=1)
            pad = 0.08 * (hi - lo) + 0.1
            lo, hi = lo - pad, hi + pad
            gx = np.linspace(lo[0], hi[0], self.grid)
            gy = np.linspace(lo[1], hi[1], self.grid)
            mx, my = np.meshgrid(gx, gy)
            self._mesh = np.vstack([mx.ravel(), my.ravel()])
            self._colors = CLASS_COLORS[np.arange(s.n_classes) % len(CLASS_COLORS)]
            self.boundary = ax.imshow(
                np.ones((self.grid, self.grid, 3)),
                origin="lower",
                extent=(lo[0], hi[0], lo[1], hi[1]),
                aspect="auto",
                interpolation="bilinear",
            )
            # drawn after the (dynamic) boundary image, so they are dynamic too
            # (one marker line per class: Agg stamps a marker bitmap, much faster than a scatter)
            self._points = []
            for k in range(s.n_classes):
                tr, te = s.train.x[:, s.train.y == k], s.test.x[:, s.test.y == k]
                (a,) = ax.plot(*tr, ls="none", marker="o", ms=3.2, mfc=self._colors[k], mec="white", mew=0.4)
                (b,) = ax.plot(*te, ls="none", marker="D", ms=3.2, mfc=self._colors[k], mec="black", mew=0.5)
                self._points += [a, b]
            ax.set_xlim(lo[0], hi[0])
            ax.set_ylim(lo[1], hi[1])
            ax.set_xticks([])
            ax.set_yticks([])
        elif self.mode == "regression":
            x0, y0 = s.train.x[0], s.train.y[0]
            xs = np.hstack([s.train.x[0], s.test.x[0]])
            ys = np.hstack([s.train.y[0], s.test.y[0]])
            self._curve_x = np.linspace(xs.min(), xs.max(), 200)
            ax.scatter(x0, y0, s=8, color=CLASS_COLORS[0], label="train")
            ax.scatter(s.test.x[0], s.test.y[0], s=10, marker="D", color=CLASS_COLORS[1], label="test")
            (self.curve,) = ax.plot(self._curve_x, np.zeros_like(self._curve_x), color="black", lw=2, label="network")
            pad = 0.25 * (ys.max() - ys.min())
            ax.set_xlim(self._curve_x[0], self._curve_x[-1])
            ax.set_ylim(ys.min() - pad, ys.max() + pad)
            ax.xaxis.set_major_locator(ticker.MaxNLocator(4))
            ax.yaxis.set_major_locator(ticker.MaxNLocator(4))
            ax.legend(fontsize=7, loc="upper left")
        else:
            K = s.n_classes
            self.boundary = ax.imshow(np.zeros((K, K)), cmap="Blues", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks(range(K))
            ax.set_yticks(range(K))
            ax.set_xlim(-0.5, K - 0.5)
            ax.set_ylim(K - 0.5, -0.5)
            ax.set_xlabel("predicted", fontsize=8)
            ax.set_ylabel("true", fontsize=8)
            self._cells = [
                [ax.text(k, i, "", ha="center", va="center", fontsize=7) for k in range(K)] for i in range(K)
            ]
        titles = {
            "boundary": f"{s.config.dataset}: train ●, test ◆; colour = predicted class",
            "regression": f"{s.config.dataset}: the network's curve",
            "confusion": "test set: true class × predicted class",
        }
        self.data_title = ax.set_title(titles[self.mode], fontsize=8)

    def _build_curves(self) -> None:
        s = self.session
        ax = self.ax_loss
        (self.train_loss,) = ax.plot([], [], color=CLASS_COLORS[0], lw=1.4, label="train")
        (self.test_loss,) = ax.plot([], [], color=CLASS_COLORS[1], lw=1.4, label="test")
        ax.set_title(f"loss ({s.config.loss.upper()})", fontsize=8)
        ax.legend(fontsize=7, loc="upper right", handlelength=1.2)
        ax.set_xlabel("step", fontsize=7, labelpad=1)
        if self.compact:
            return
        ax = self.ax_acc
        (self.train_acc,) = ax.plot([], [], color=CLASS_COLORS[0], lw=1.4, label="train")
        (self.test_acc,) = ax.plot([], [], color=CLASS_COLORS[1], lw=1.4, label="test")
        ax.set_title("R² (1 − MSE / variance)" if s.task == "regression" else "accuracy", fontsize=8)
        ax.set_ylim(-0.02, 1.02)
        J = s.model.J
        self.phi_lines, self.dw_lines = [], []
        cmap = [tuple(c) for c in CLASS_COLORS]
        for j in range(1, J + 1):
            (line,) = self.ax_phi.plot([], [], lw=1.2, color=cmap[(j - 1) % 10], label=f"j={j}")
            self.phi_lines.append(line)
            (line,) = self.ax_dw.plot([], [], lw=1.2, color=cmap[(j - 1) % 10], label=f"j={j}")
            self.dw_lines.append(line)
        for ax, title in (
            (self.ax_phi, r"$\|\phi^j\|$ per layer (batch, mean of 20 steps)"),
            (self.ax_dw, r"$\|\nabla_{w^j} L\|$ per layer"),
        ):
            ax.set_title(title, fontsize=8)
            ax.legend(fontsize=6, loc="lower left", ncol=min(J, 5), handlelength=1.0, columnspacing=0.8)
        self.ax_dw.set_xlabel("step", fontsize=7, labelpad=1)

    def _dynamic_artists(self) -> list:
        # (the interactive figure keeps its titles fixed — the step counter lives in the
        # widget's status line — so no text is laid out per frame)
        out = [self.train_loss, self.test_loss]
        if self.compact:
            out.append(self.data_title)
        if self.mode in ("boundary", "confusion"):
            out.append(self.boundary)
        if self.mode == "boundary":
            out.extend(self._points)
        if self.mode == "regression":
            out.append(self.curve)
        if self.mode == "confusion":
            out.extend(cell for row in self._cells for cell in row)
        if not self.compact:
            out += [self.train_acc, self.test_acc, *self.phi_lines, *self.dw_lines]
        return out

    def _axis_limits(self) -> tuple:
        return tuple(lim for ax in self.fig.axes for lim in (*ax.get_xlim(), *ax.get_ylim()))

    # ------------------------------------------------------------------
    def boundary_rgb(self) -> np.ndarray:
        """The boundary image, shape ``(grid, grid, 3)``: class colour mixed with white by confidence."""
        s = self.session
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            p = s.class_probabilities(self._mesh)  # (K, grid²)
        p = np.nan_to_num(p, nan=1.0 / p.shape[0])
        K = p.shape[0]
        conf = (p.max(axis=0) - 1.0 / K) / (1.0 - 1.0 / K)  # 0 = undecided, 1 = certain
        mix = (p.T @ self._colors).clip(0, 1)
        alpha = (0.12 + 0.55 * conf)[:, None]
        rgb = 1.0 - alpha * (1.0 - mix)
        return rgb.reshape(self.grid, self.grid, 3)

    def update(self) -> None:
        """Point the artists at the session's current state (no redraw yet)."""
        s = self.session
        h = s.history
        st = s.status()
        if self.mode == "boundary":
            self.boundary.set_data(self.boundary_rgb())
        elif self.mode == "regression":
            with np.errstate(over="ignore", invalid="ignore"):
                self.curve.set_ydata(s.model._forward(self._curve_x[None, :]).output[0])
        else:
            C = s.confusion_matrix("test")
            rows = C / np.maximum(C.sum(axis=1, keepdims=True), 1)
            self.boundary.set_data(rows)
            for i, row in enumerate(self._cells):
                for k, cell in enumerate(row):
                    cell.set_text(str(C[i, k]) if C[i, k] else "")
                    cell.set_color("white" if rows[i, k] > 0.5 else "black")
        what = "R²" if s.task == "regression" else "accuracy"
        if self.compact:
            prefix = "test confusion · " if self.mode == "confusion" else ""
            self.data_title.set_text(
                f"{prefix}step {st['step']} · epoch {st['epoch']:.1f} · test {what} {st['test_accuracy']:.3f}"
            )
        steps = np.asarray(h["step"], dtype=float)
        idx = _thin(steps.size)
        xmax = _step_limit(float(steps[-1]) if steps.size else 0.0)
        tr, te = np.asarray(h["train_loss"]), np.asarray(h["test_loss"])
        self.train_loss.set_data(steps[idx], tr[idx])
        self.test_loss.set_data(steps[idx], te[idx])
        self.ax_loss.set_xlim(0, xmax)
        self.ax_loss.set_ylim(*_log_limits(np.concatenate([tr, te])))
        if self.compact:
            return
        self.train_acc.set_data(steps[idx], np.asarray(h["train_accuracy"])[idx])
        self.test_acc.set_data(steps[idx], np.asarray(h["test_accuracy"])[idx])
        self.ax_acc.set_xlim(0, xmax)
        if s.task == "regression":
            lo = min(0.0, float(np.min(h["test_accuracy"] + h["train_accuracy"])))
            self.ax_acc.set_ylim(np.floor(max(lo, -1.0) * 2) / 2 - 0.02, 1.02)
        n = len(s.norm_steps)
        if n:
            idx = _thin(n)
            ns = np.asarray(s.norm_steps, dtype=float)[idx]
            phi = np.maximum(_moving_average(np.asarray(s.phi_norms))[idx], 1e-12)
            dw = np.maximum(_moving_average(np.asarray(s.dW_norms))[idx], 1e-12)
            for j, line in enumerate(self.phi_lines):
                line.set_data(ns, phi[:, j])
            for j, line in enumerate(self.dw_lines):
                line.set_data(ns, dw[:, j])
            self.ax_phi.set_ylim(*_log_limits(phi))
            self.ax_dw.set_ylim(*_log_limits(dw))
        else:  # after a reset: no steps yet, so no curves (not the previous run's)
            for line in (*self.phi_lines, *self.dw_lines):
                line.set_data([], [])
        for ax in (self.ax_phi, self.ax_dw):
            ax.set_xlim(0, xmax)

    def render(self) -> None:
        """Draw the current state into the Agg buffer.

        A full draw (axes, ticks, labels: the expensive text layout) happens only
        when an axis limit changed; otherwise the saved background is restored and
        only the dynamic artists are drawn on top of it (blitting).
        """
        limits = self._axis_limits()
        if self._background is None or limits != self._limits:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            self._limits = limits
            self.full_draws += 1
        else:
            self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for artist in self._dynamic:
            if artist.get_visible():
                artist.draw(renderer)

    def image_bytes(self, fmt: str = "png") -> bytes:
        """Render the figure and encode it: ``"png"`` (crisp; for a figure at rest and the
        static site) or ``"jpeg"`` (quality 90, about 20× faster to encode; for the frames
        shown while training runs)."""
        if fmt not in ("png", "jpeg"):
            raise ValueError(f"expected fmt 'png' or 'jpeg', got {fmt!r}")
        self.render()
        w, h = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (w, h), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
        buf = BytesIO()
        if fmt == "png":
            image.save(buf, format="png", compress_level=1)
        else:
            image.save(buf, format="jpeg", quality=90)
        return buf.getvalue()

    def png(self) -> bytes:
        """Render the figure and return PNG bytes."""
        return self.image_bytes("png")

    def jpeg(self) -> bytes:
        """Render the figure and return JPEG bytes (fast; for live training frames)."""
        return self.image_bytes("jpeg")

    def rebuild(self) -> None:
        """Recreate every artist (after a reset or a structural change of the run)."""
        self._build()


def render_from_scratch(session: Session, **kwargs) -> bytes:
    """PNG of a brand-new figure for ``session`` — the slow way, kept as the benchmark's peer."""
    return PlaygroundFigure(session, **kwargs).png()


def render_full(figure: PlaygroundFigure) -> bytes:
    """PNG after a full draw of an existing figure (no blitting) — the benchmark's second peer."""
    figure._background = None
    return figure.png()
