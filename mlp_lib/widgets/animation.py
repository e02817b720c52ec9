"""A recorded run of a matplotlib figure, playable on the static website without a kernel.

:func:`html_player` draws a figure frame by frame and wraps the frames in a self-contained
HTML/JavaScript player (matplotlib's jshtml player, as ``FuncAnimation.to_jshtml`` makes it: the
frames are embedded images, nothing comes from a CDN); :func:`player_html` is the player around
encoded frames. Display it with ``IPython.display.HTML(...)``.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable, Iterable
from html import escape
from io import BytesIO

# The parts of matplotlib's own jshtml player (what FuncAnimation.to_jshtml writes); private
# to matplotlib, which requirements.txt pins — the tests build a player with them.
from matplotlib._animation_data import DISPLAY_TEMPLATE, JS_INCLUDE, STYLE_INCLUDE


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
    """The jshtml player without its CDN stylesheet, icons as text, alt text on its frame image, and
    its slider and frames no wider than the column.

    ``first_frame`` (a data URL) goes straight into the <img>, so a picture shows before (or
    without) the player's script — JupyterLab sometimes lays the image out at 0×0 until a
    button is pressed.
    """
    html = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">', "", html)
    # matplotlib's slider is 374 px wide: narrower screens get a slider and frames as wide as the column.
    html = html.replace("width: 374px;", "width: 374px;\n    max-width: 100%;", 1).replace(
        "</style>", ".animation { max-width: 100%; }\n.animation img { max-width: 100%; height: auto; }\n</style>", 1
    )
    html = html.replace(
        '<img id="_anim_img', f'<img alt="{escape(alt, quote=True)}" src="{first_frame}" id="_anim_img', 1
    )

    def icon(match):
        return f"<span>{_ICONS.get(match.group(1), '·')}</span>"

    return re.sub(r'<i class="fa ([^"]*)"></i>', icon, html)
