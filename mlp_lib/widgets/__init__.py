"""Interactive widgets of the book.

* :class:`Playground` — the training playground, an anywidget whose front end trains in the
  reader's browser with the browser engine (``web/engine.js``), in a notebook and on the
  static website alike; :class:`PlaygroundConfig` is its setup.
* :class:`BackwardStepper` and :class:`WeightNudge` — one backward pass step by step, and
  "nudge one weight", computed live in the page by the same engine (Eqs. 2 and 3 chapters).
* :class:`NetworkDiagram` — a static picture of a network, drawn in the page by the same
  renderer as the backward-pass views (``web/network.js``).
* The chapters' explorers, each a display-free logic class ``Thing`` (mlp_lib's numbers, the
  reference the page is tested against) and its view ``ThingView``, an anywidget whose front end
  (``web/<thing>.js`` on the engine and ``web/ui.js``) computes and draws in the page:
  :class:`Shapes`, :class:`Descent`, :class:`OutputError`, :class:`Recursion`,
  :class:`ParameterWatch`, :class:`Saturation`, :class:`DeadUnits`, :class:`SoftmaxOutput`,
  :class:`BatchSizes`; and :class:`RegularizationView`, :class:`InitializationView`, whose
  numbers mlp_lib computes when the page is built.
* :class:`~mlp_lib.widgets.derivation_checker.DerivationChecker` — the derivation checker: the
  page decides at test points made with SymPy, or SymPy decides when a kernel is there.

Every front end is one ES module assembled by :func:`mlp_lib.widgets.esm.assemble`, so it works
offline, from a folder, in JupyterLab and Jupyter Notebook and on the static website.
"""

from .backprop_views import BackwardStepper, WeightNudge
from .batch_size import BatchSizes, BatchSizesView
from .dead_units import DeadUnits, DeadUnitsView
from .descent import Descent, DescentView
from .initialization_view import InitializationView
from .network_diagram import NetworkDiagram
from .output_error import OutputError, OutputErrorView
from .parameter_watch import ParameterWatch, ParameterWatchView
from .playground import Playground
from .recursion import Recursion, RecursionView
from .regularization_view import RegularizationView
from .saturation import Saturation, SaturationView
from .session import PAIRINGS, PlaygroundConfig
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
    "InitializationView",
    "NetworkDiagram",
    "OutputError",
    "OutputErrorView",
    "ParameterWatch",
    "ParameterWatchView",
    "Playground",
    "PlaygroundConfig",
    "Recursion",
    "RecursionView",
    "RegularizationView",
    "Saturation",
    "SaturationView",
    "Shapes",
    "ShapesView",
    "SoftmaxOutput",
    "SoftmaxOutputView",
    "WeightNudge",
]
