"""Interactive widgets of the book.

* :class:`Playground` — the training playground, an anywidget whose front end trains in the
  reader's browser with the browser engine (``web/engine.js``), in a notebook and on the
  static website alike; :class:`PlaygroundConfig` is its setup and :class:`Session` trains
  the same setup with mlp_lib in Python (the chapters' numbers and the recorded runs).
* :class:`BackwardStepper` and :class:`WeightNudge` — one backward pass step by step, and
  "nudge one weight", computed live in the page by the same engine (Eqs. 2 and 3 chapters).
* :func:`training_animation` / :func:`record_training` — a recorded training run
  as a self-contained HTML animation for the static website (no kernel, no CDN).
* The chapters' explorers, each a display-free logic class ``Thing`` and its
  ipywidgets view ``ThingView`` built on :class:`~mlp_lib.widgets.controls.Panel`
  (see :mod:`mlp_lib.widgets.controls`): :class:`Shapes`, :class:`Descent`,
  :class:`OutputError`, :class:`Recursion`, :class:`ParameterWatch`,
  :class:`Saturation`, :class:`DeadUnits`, :class:`SoftmaxOutput`, :class:`BatchSizes`.
"""

from .animation import Frame, record_training, training_animation
from .backprop_views import BackwardStepper, WeightNudge
from .batch_size import BatchSizes, BatchSizesView
from .dead_units import DeadUnits, DeadUnitsView
from .descent import Descent, DescentView
from .output_error import OutputError, OutputErrorView
from .parameter_watch import ParameterWatch, ParameterWatchView
from .playground import Playground
from .plots import PlaygroundFigure
from .recursion import Recursion, RecursionView
from .saturation import Saturation, SaturationView
from .session import PAIRINGS, PlaygroundConfig, Session
from .shapes import Shapes, ShapesView
from .softmax_view import SoftmaxOutput, SoftmaxOutputView

__all__ = [
    "PAIRINGS",
    "BackwardStepper",
    "BatchSizes",
    "BatchSizesView",
    "DeadUnits",
    "DeadUnitsView",
    "Descent",
    "DescentView",
    "Frame",
    "OutputError",
    "OutputErrorView",
    "ParameterWatch",
    "ParameterWatchView",
    "Playground",
    "PlaygroundConfig",
    "PlaygroundFigure",
    "Recursion",
    "RecursionView",
    "Saturation",
    "SaturationView",
    "Session",
    "Shapes",
    "ShapesView",
    "SoftmaxOutput",
    "SoftmaxOutputView",
    "WeightNudge",
    "record_training",
    "training_animation",
]
