"""A recorded training run, playable on the static website without a kernel.

On the website a widget is a picture: nothing runs. So the chapters about
training also show a *recording*: :func:`record_training` trains a
:class:`~mlp_lib.widgets.session.Session` and keeps a snapshot every few steps,
and :func:`training_animation` turns the snapshots into a self-contained
HTML/JavaScript player (matplotlib's jshtml player, as ``FuncAnimation.to_jshtml`` makes it: the
frames are embedded images, nothing comes from a CDN). Display it with
``IPython.display.HTML(training_animation(config))``. :func:`html_player` records any figure
and drawing function the same way; :func:`player_html` is the player around encoded frames.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from io import BytesIO

import numpy as np

# The parts of matplotlib's own jshtml player (what FuncAnimation.to_jshtml writes); private
# to matplotlib, which requirements.txt pins — the tests build a player with them.
from matplotlib._animation_data import DISPLAY_TEMPLATE, JS_INCLUDE, STYLE_INCLUDE

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
    dpi: int = 100,
    size=(6.8, 3.0),
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
    dpi, size : figure resolution and size in inches. The defaults give 680 × 300 px frames,
        shown at their own size in the text column, so the figure's 7–8 pt text is 9.7–11 px
        on the page (at least 9 px, to be legible).
    interval : int
        Milliseconds per frame when playing.
    frame_format : ``"jpeg"`` (small, default) or ``"png"`` (crisp, about 3× larger).

    Returns
    -------
    str
        HTML with the frames embedded as base64 PNGs and a JavaScript player.
    """
    frames = int(frames)
    _check_format(frame_format)
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

    # Each frame is blitted (fig.image_bytes): the axes, ticks and labels are drawn once, the
    # changing artists on top of them per frame — ≈10× cheaper than drawing the whole figure.
    images = []
    for i in range(len(recorded)):
        draw(i)
        images.append(fig.image_bytes(frame_format))
    return player_html(images, frame_format=frame_format, fps=1000 / interval)


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
    """A self-contained HTML/JavaScript player of a figure: ``draw(frame)``, then the figure is saved, per frame.

    What ``FuncAnimation(fig, draw, frames).to_jshtml()`` makes, at half the cost: its ``save``
    draws every frame twice (once on the canvas, once into the image); here each frame is
    rendered once, straight into the image.

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
    _check_format(frame_format)
    images = []
    for frame in frames:
        draw(frame)
        buffer = BytesIO()
        fig.savefig(buffer, format=frame_format, dpi=dpi or fig.dpi)
        images.append(buffer.getvalue())
    return player_html(images, frame_format=frame_format, fps=fps, alt=alt)


def player_html(
    images: list[bytes], *, frame_format: str, fps: float, alt: str = "Recorded training run, frame by frame"
) -> str:
    """matplotlib's jshtml player (slider, play/pause/step buttons) around encoded frames.

    ``images`` are the frames as PNG or JPEG bytes (``frame_format``), embedded as base64
    data URLs: the HTML needs nothing else, and no CDN (see :func:`_offline_player`).
    """
    _check_format(frame_format)
    if not fps > 0:
        raise ValueError(f"expected fps > 0, got {fps!r}")
    if not images:
        raise ValueError("expected at least one frame, got none")
    urls = [f"data:image/{frame_format};base64,{base64.b64encode(image).decode('ascii')}" for image in images]
    html = (
        JS_INCLUDE
        + STYLE_INCLUDE
        + DISPLAY_TEMPLATE.format(
            id=uuid.uuid4().hex,
            Nframes=len(images),
            fill_frames="\n" + "".join(f'  frames[{i}] = "{url}"\n' for i, url in enumerate(urls)),
            interval=max(1, round(1000 / fps)),
            once_checked="checked",
            loop_checked="",
            reflect_checked="",
        )
    )
    return _offline_player(html, alt, first_frame=urls[0])


def _check_format(frame_format: str) -> None:
    if frame_format not in ("jpeg", "png"):
        raise ValueError(f"expected frame_format 'jpeg' or 'png', got {frame_format!r}")


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


def _offline_player(html: str, alt: str, first_frame: str) -> str:
    """The jshtml player without its CDN stylesheet, icons as text, and alt text on its frame image.

    ``first_frame`` (a data URL) goes straight into the <img>, so a picture shows before (or
    without) the player's script — JupyterLab sometimes lays the image out at 0×0 until a
    button is pressed.
    """
    html = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">', "", html)
    html = html.replace(
        '<img id="_anim_img', f'<img alt="{escape(alt, quote=True)}" src="{first_frame}" id="_anim_img', 1
    )

    def icon(match):
        return f"<span>{_ICONS.get(match.group(1), '·')}</span>"

    return re.sub(r'<i class="fa ([^"]*)"></i>', icon, html)
