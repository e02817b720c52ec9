"""A recorded training run, playable on the static website without a kernel.

On the website a widget is a picture: nothing runs. So the chapters about
training also show a *recording*: :func:`record_training` trains a
:class:`~mlp_lib.widgets.session.Session` and keeps a snapshot every few steps,
and :func:`training_animation` turns the snapshots into a self-contained
HTML/JavaScript player (matplotlib's jshtml player, as ``FuncAnimation.to_jshtml`` makes it: the
frames are embedded images, nothing comes from a CDN). Display it with
``IPython.display.HTML(training_animation(config))``. :func:`html_player` is the player itself,
for any figure and drawing function.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
from matplotlib import rc_context
from matplotlib.animation import HTMLWriter

from .plots import PlaygroundFigure
from .session import PlaygroundConfig, Session


@dataclass
class Frame:
    """One snapshot of a run.

    ``picture`` is the data panel: the boundary image ``(grid, grid, 3)``, the
    regression curve ``(n_points,)`` or the test confusion matrix ``(K, K)``;
    ``steps``, ``train_loss``, ``test_loss`` are the loss curves up to this frame.
    """

    step: int
    epoch: float
    test_accuracy: float
    picture: np.ndarray
    steps: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    diverged: str | None = None


def _snapshot(session: Session, fig: PlaygroundFigure) -> Frame:
    fig.update()
    if fig.mode == "boundary":
        picture = fig.boundary.get_array().copy()
    elif fig.mode == "regression":
        picture = np.asarray(fig.curve.get_ydata()).copy()
    else:
        picture = session.confusion_matrix("test")
    h = session.history
    return Frame(
        step=session.step_count,
        epoch=session.epoch,
        test_accuracy=h["test_accuracy"][-1],
        picture=picture,
        steps=np.asarray(h["step"], dtype=float),
        train_loss=np.asarray(h["train_loss"]),
        test_loss=np.asarray(h["test_loss"]),
        diverged=session.diverged,
    )


def record_training(config=None, steps: int = 600, every: int = 15, grid: int = 50) -> list:
    """Train a fresh session from ``config`` for ``steps`` steps; a :class:`Frame` every ``every`` steps.

    The first frame is step 0. Recording stops early (with a last frame) if training diverges.
    """
    steps, every = int(steps), int(every)
    if steps < 1 or every < 1:
        raise ValueError(f"expected steps ≥ 1 and every ≥ 1, got steps={steps}, every={every}")
    session = Session(PlaygroundConfig.coerce(config))
    fig = PlaygroundFigure(session, grid=grid, compact=True)
    frames = [_snapshot(session, fig)]
    done = 0
    while done < steps:
        n = min(every, steps - done)
        ok = session.train_steps(n, record_every=max(1, n // 3))
        done += n
        frames.append(_snapshot(session, fig))
        if not ok:
            break
    return frames


def training_animation(
    config=None,
    steps: int = 600,
    frames: int = 40,
    *,
    dpi: int = 60,
    size=(8.0, 3.3),
    interval: int = 150,
    grid: int = 50,
    frame_format: str = "jpeg",
) -> str:
    """A recorded training run as self-contained HTML (decision boundary + loss curves).

    Parameters
    ----------
    config : PlaygroundConfig, dict, JSON string or None
    steps : int
        Training steps recorded.
    frames : int
        About this many frames (one every ``steps // frames`` steps), plus step 0.
    dpi, size : figure resolution and size in inches (keep the page small:
        40 frames at the defaults are a few hundred kB).
    interval : int
        Milliseconds per frame when playing.
    frame_format : ``"jpeg"`` (small, default) or ``"png"`` (crisp, about 3× larger).

    Returns
    -------
    str
        HTML with the frames embedded as base64 PNGs and a JavaScript player.
    """
    frames = int(frames)
    if frame_format not in ("jpeg", "png"):
        raise ValueError(f"expected frame_format 'jpeg' or 'png', got {frame_format!r}")
    if frames < 1:
        raise ValueError(f"expected frames ≥ 1, got {frames}")
    every = max(1, int(steps) // frames)
    recorded = record_training(config, steps=steps, every=every, grid=grid)
    session = Session(PlaygroundConfig.coerce(config))
    fig = PlaygroundFigure(session, grid=grid, size=size, dpi=dpi, compact=True)
    last = recorded[-1]
    xmax = max(10.0, float(last.steps[-1]))
    fig.ax_loss.set_xlim(0, xmax)
    losses = np.concatenate([np.concatenate([f.train_loss, f.test_loss]) for f in (recorded[0], last)])
    finite = losses[np.isfinite(losses) & (losses > 0)]
    lo = finite.min() if finite.size else 1e-3
    hi = max(f.train_loss.max() for f in recorded) if finite.size else 1.0
    fig.ax_loss.set_ylim(lo / 1.5, hi * 1.5)
    what = "R²" if session.task == "regression" else "accuracy"

    def draw(i):
        f = recorded[i]
        if fig.mode == "boundary":
            fig.boundary.set_data(f.picture)
        elif fig.mode == "regression":
            fig.curve.set_ydata(f.picture)
        else:
            C = f.picture
            rows = C / np.maximum(C.sum(axis=1, keepdims=True), 1)
            fig.boundary.set_data(rows)
            for r, row in enumerate(fig._cells):
                for k, cell in enumerate(row):
                    cell.set_text(str(C[r, k]) if C[r, k] else "")
                    cell.set_color("white" if rows[r, k] > 0.5 else "black")
        fig.train_loss.set_data(f.steps, f.train_loss)
        fig.test_loss.set_data(f.steps, f.test_loss)
        title = f"step {f.step} · epoch {f.epoch:.1f} · test {what} {f.test_accuracy:.3f}"
        if f.diverged:
            title += " · diverged, stopped"
        fig.data_title.set_text(title)
        return fig._dynamic

    return html_player(fig.fig, draw, range(len(recorded)), fps=1000 / interval, frame_format=frame_format, dpi=dpi)


def html_player(
    fig,
    draw: Callable[[object], object],
    frames: Iterable,
    *,
    fps: float,
    frame_format: str = "png",
    dpi: float | None = None,
    alt: str = "Recorded training run, frame by frame",
) -> str:
    """matplotlib's self-contained HTML/JavaScript player: ``draw(frame)``, then the figure is saved, per frame.

    What ``FuncAnimation(fig, draw, frames).to_jshtml()`` makes, at half the cost: its ``save``
    draws every frame twice (once on the canvas, once into the image); here each frame is
    rendered once, straight into the image. The player needs no CDN (:func:`_offline_player`).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    draw : callable
        Updates the figure's artists for one frame.
    frames : iterable
        The values passed to ``draw``, in order.
    fps : float
        Frames per second when playing.
    frame_format : ``"png"`` or ``"jpeg"``
    dpi : resolution of the frames (default: the figure's).
    """
    if frame_format not in ("jpeg", "png"):
        raise ValueError(f"expected frame_format 'jpeg' or 'png', got {frame_format!r}")
    if not fps > 0:
        raise ValueError(f"expected fps > 0, got {fps!r}")
    with TemporaryDirectory() as folder, rc_context({"animation.frame_format": frame_format, "animation.embed_limit": 20.0}):
        path = Path(folder) / "player.html"
        writer = HTMLWriter(fps=fps, embed_frames=True, default_mode="once")
        with writer.saving(fig, path, dpi or fig.dpi):
            for frame in frames:
                draw(frame)
                writer.grab_frame()
        html = path.read_text(encoding="utf-8")
    return _offline_player(html, alt)


#: matplotlib's player draws its buttons with Font Awesome icons loaded from a CDN;
#: offline (a classroom without a network) the buttons would be blank, so plain
#: Unicode symbols replace them.
_ICONS = {
    "fa-minus": "−",
    "fa-fast-backward": "|◀",
    "fa-step-backward": "◀❙",
    "fa-play fa-flip-horizontal": "◀",
    "fa-pause": "❚❚",
    "fa-play": "▶",
    "fa-step-forward": "❙▶",
    "fa-fast-forward": "▶|",
    "fa-plus": "+",
}


def _offline_player(html: str, alt: str = "Recorded training run, frame by frame") -> str:
    """The jshtml player without its CDN stylesheet, icons as text, and alt text on its frame image."""
    html = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">', "", html)
    # The first frame goes straight into the <img>, so a picture shows before (or without) the
    # player's script — JupyterLab sometimes lays the image out at 0×0 until a button is pressed.
    first = re.search(r'frames\[0\] = "(data:image/[^"]*)"', html, flags=re.S)
    src = f' src="{first.group(1).replace(chr(92) + chr(10), "")}"' if first else ""
    html = html.replace('<img id="_anim_img', f'<img alt="{escape(alt, quote=True)}"{src} id="_anim_img', 1)

    def icon(match):
        return f"<span>{_ICONS.get(match.group(1), '·')}</span>"

    return re.sub(r'<i class="fa ([^"]*)"></i>', icon, html)
