"""Interactive widgets of the book.

* :class:`Playground` — the training playground (ipywidgets view) and its
  display-free parts :class:`Session` and :class:`PlaygroundConfig`.
* :func:`training_animation` / :func:`record_training` — a recorded training run
  as a self-contained HTML animation for the static website (no kernel, no CDN).
"""

from .animation import Frame, record_training, training_animation
from .playground import Playground
from .plots import PlaygroundFigure
from .session import PAIRINGS, PlaygroundConfig, Session

__all__ = [
    "PAIRINGS",
    "Frame",
    "Playground",
    "PlaygroundConfig",
    "PlaygroundFigure",
    "Session",
    "record_training",
    "training_animation",
]
