"""Weight decay at work: one network per λ, trained on the same points from the same start.

With weight decay, Eq. (3) gains one term, ∇_{w^j} L_reg = ϕ^j (a^{j−1})ᵀ + λ w^j, and a gradient
step shrinks every weight by the factor 1 − ηλ before the data push it back. The larger λ, the
smaller the weights and the smoother the function; too large a λ flattens the network to a
constant.

:class:`WeightDecayRuns` (the logic, no display) trains a 2 → … → 1 network (sigmoid output,
binary cross-entropy) by full-batch gradient descent once for each λ, from the same initial
weights, and measures each run: ‖w^j‖, Σ_j ‖w^j‖², the data loss L and the accuracy on the
training and on the test points, and the predicted probability on a grid over the plane.

:class:`RegularizationView` is the λ explorer, an anywidget. Python trains the runs (mlp_lib,
when the page is built) and sends each run's final weights and the data; the page
(``web/engine.js`` + ``web/ui.js`` + ``web/regularization_view.js``) computes everything it shows
from those weights with the browser engine: the probability map with its boundary, the norms,
the losses and the accuracies. The training stays in Python because gradient descent at η = 2
for 900 steps amplifies rounding: trained in the page from the same start, the λ = 0.005 run of
the chapter ends with weights O(1) away from mlp_lib's, and the seven runs take about 12 s of
CPU under node. ``tests/widgets/test_widget_regularization_view.py`` checks the page's numbers
against :class:`WeightDecayRuns`'.
"""

from __future__ import annotations

import numbers

import anywidget
import numpy as np
import traitlets

from ..datasets import Dataset
from ..mlp import MLP
from ..training import sgd_step
from ..validation import int_in_range, non_negative_float, positive_float, positive_int
from .esm import assemble
from .page_weights import page_network

#: the weight decays of the chapter's explorer
LAMBDAS = (0.0, 0.001, 0.002, 0.005, 0.02, 0.1, 0.3)
#: at most this many λ (the chart's categories must stay legible)
MAX_RUNS = 12
#: grid points along x of the probability map (the rows follow the extent's aspect ratio)
GRID_COLUMNS = 120


class WeightDecayRuns:
    """A 2 → … → 1 classifier trained once per weight decay λ, from the same initial weights.

    Each run is ``steps`` full-batch steps w^j ← w^j − η(ϕ^j (a^{j−1})ᵀ + λ w^j) (:func:`mlp_lib.sgd_step`
    with ``weight_decay=λ``) on the training points; the output is a sigmoid and the loss binary
    cross-entropy.

    Parameters
    ----------
    train, test : Dataset
        Two-class data sets with 2 features (e.g. :func:`mlp_lib.datasets.moons` after
        :func:`~mlp_lib.datasets.train_test_split`); the network trains on ``train``.
    lambdas : sequence of float
        2 … ``MAX_RUNS`` weight decays λ ≥ 0 in increasing order.
    layer_sizes : sequence of int
        [2, n_1, …, 1].
    hidden : str
        The hidden layers' activation.
    steps : int
        Gradient steps per run.
    learning_rate : float
        η.
    seed : int
        Seed of the initial weights (``MLP(..., seed=seed)``), the same for every run.
    grid_columns : int
        Grid points along x of :meth:`probability_field` (2 … 400).

    Attributes
    ----------
    models : list of MLP
        The trained network of each λ, in the order of ``lambdas``.
    extent : tuple (x_0, x_1, y_0, y_1)
        The plane the map shows: the box around all points, widened by 10 % of its size on every side.
    grid_shape : tuple (rows, columns)
        Points of the grid along y and x.
    """

    def __init__(
        self,
        train: Dataset,
        test: Dataset,
        lambdas=LAMBDAS,
        *,
        layer_sizes=(2, 32, 32, 1),
        hidden: str = "tanh",
        steps: int = 900,
        learning_rate: float = 2.0,
        seed: int = 0,
        grid_columns: int = GRID_COLUMNS,
    ):
        self.train = _two_classes_in_the_plane(train, "train")
        self.test = _two_classes_in_the_plane(test, "test")
        self.lambdas = _check_lambdas(lambdas)
        sizes = _check_layer_sizes(layer_sizes)
        steps = positive_int(steps, "steps")
        learning_rate = positive_float(learning_rate, "learning_rate")
        columns = int_in_range(grid_columns, "grid_columns", 2, 400)
        start = MLP(sizes, hidden=hidden, output="sigmoid", loss="bce", seed=seed)
        x, y = start.check_targets(self.train.x, self.train.y)
        self.models = []
        for weight_decay in self.lambdas:
            model = start.copy()
            for _ in range(steps):
                sgd_step(model, x, y, learning_rate, weight_decay=weight_decay)
            self.models.append(model)
        points = np.hstack([self.train.x, self.test.x])
        lo, hi = points.min(axis=1), points.max(axis=1)
        pad = 0.1 * np.where(hi > lo, hi - lo, 10.0)
        self.extent = (float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1]))
        width, height = self.extent[1] - self.extent[0], self.extent[3] - self.extent[2]
        self.grid_shape = (max(2, round(columns * height / width)), columns)

    def grid(self) -> np.ndarray:
        """The map's points, shape (2, rows · columns): ``np.meshgrid`` of the two linspaces, raveled row by row."""
        x0, x1, y0, y1 = self.extent
        rows, columns = self.grid_shape
        gx, gy = np.meshgrid(np.linspace(x0, x1, columns), np.linspace(y0, y1, rows))
        return np.vstack([gx.ravel(), gy.ravel()])

    def probability_field(self, run: int) -> np.ndarray:
        """a^J = σ(z^J), the predicted probability of class 1, at :meth:`grid`; shape ``grid_shape``."""
        return self._model(run).output(self.grid())[0].reshape(self.grid_shape)

    def measures(self, run: int) -> dict:
        """What the explorer shows of one run.

        ``{"norms": [‖w^1‖, …, ‖w^J‖] (Frobenius), "squares": Σ_j ‖w^j‖², "train_loss", "test_loss":
        L (mean binary cross-entropy, no penalty), "train_accuracy", "test_accuracy": fractions in [0, 1]}``.
        """
        model = self._model(run)
        return {
            "norms": [float(np.linalg.norm(w)) for w in model.W[1:]],
            "squares": float(sum(np.sum(w * w) for w in model.W[1:])),
            "train_loss": model.loss_value(self.train.x, self.train.y),
            "test_loss": model.loss_value(self.test.x, self.test.y),
            "train_accuracy": model.accuracy(self.train.x, self.train.y),
            "test_accuracy": model.accuracy(self.test.x, self.test.y),
        }

    def _model(self, run) -> MLP:
        return self.models[int_in_range(run, "run", 0, len(self.models) - 1)]


def _two_classes_in_the_plane(data, name: str) -> Dataset:
    if not isinstance(data, Dataset):
        raise TypeError(f"expected {name} to be an mlp_lib.datasets.Dataset, got {type(data).__name__}")
    if data.n_features != 2 or data.n_classes != 2:
        raise ValueError(
            f"expected {name} to be a two-class data set with 2 features (points in the plane), "
            f"got {data.n_features} feature(s) and {data.n_classes or 'no'} classes"
        )
    return data


def _check_lambdas(lambdas) -> tuple:
    if isinstance(lambdas, (str, bytes)) or not hasattr(lambdas, "__len__"):
        raise TypeError(f"expected lambdas to be a list of weight decays λ ≥ 0, got {lambdas!r}")
    if not 2 <= len(lambdas) <= MAX_RUNS:
        raise ValueError(f"expected 2 … {MAX_RUNS} weight decays λ, got {len(lambdas)}")
    values = tuple(non_negative_float(v, "every λ") for v in lambdas)
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"expected the weight decays λ in increasing order, got {list(values)}")
    return values


def _check_layer_sizes(sizes) -> list:
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
        raise TypeError(f"expected layer_sizes as a list [2, n_1, …, 1], got {sizes!r}")
    sizes = [positive_int(n, "every layer size") for n in sizes]
    if sizes[0] != 2 or sizes[-1] != 1:
        raise ValueError(f"expected layer_sizes [2, …, 1] (points in the plane, one output), got {sizes}")
    return sizes


class RegularizationView(anywidget.AnyWidget):
    """The λ explorer: the trained runs of :class:`WeightDecayRuns`, evaluated and drawn in the page.

    Parameters
    ----------
    train, test, lambdas
        As for :class:`WeightDecayRuns`.
    selected : int
        Index of the λ shown first (the slider's position).
    layer_sizes, hidden, steps, learning_rate, seed, grid_columns
        The training, as for :class:`WeightDecayRuns`.

    The page shows, for the selected λ: the predicted probability over the plane with the
    boundary p = 1/2 and the training points; Σ_j ‖w^j‖² against λ (log scale); the data loss L on
    the training and on the test points against λ; and a status line with ‖w^j‖, both losses and
    both accuracies. One control, the slider *Weight decay λ*, which the page writes back as
    ``selected``.

    Attributes
    ----------
    runs : WeightDecayRuns
        The runs the page shows (mlp_lib's reference for every number on it).
    """

    _esm = assemble("ui.js", "regularization_view.js")

    lambdas = traitlets.List(traitlets.Float(), read_only=True).tag(sync=True)
    networks = traitlets.List(traitlets.Dict(), read_only=True).tag(sync=True)
    train_x = traitlets.List(traitlets.List(traitlets.Float()), read_only=True).tag(sync=True)
    train_labels = traitlets.List(traitlets.Int(), read_only=True).tag(sync=True)
    test_x = traitlets.List(traitlets.List(traitlets.Float()), read_only=True).tag(sync=True)
    test_labels = traitlets.List(traitlets.Int(), read_only=True).tag(sync=True)
    extent = traitlets.List(traitlets.Float(), read_only=True).tag(sync=True)
    grid_shape = traitlets.List(traitlets.Int(), read_only=True).tag(sync=True)
    selected = traitlets.Int(0).tag(sync=True)

    def __init__(
        self,
        train: Dataset,
        test: Dataset,
        lambdas=LAMBDAS,
        *,
        selected: int = 0,
        layer_sizes=(2, 32, 32, 1),
        hidden: str = "tanh",
        steps: int = 900,
        learning_rate: float = 2.0,
        seed: int = 0,
        grid_columns: int = GRID_COLUMNS,
    ):
        n = len(_check_lambdas(lambdas))
        selected = int_in_range(selected, "selected", 0, n - 1)
        runs = WeightDecayRuns(
            train,
            test,
            lambdas,
            layer_sizes=layer_sizes,
            hidden=hidden,
            steps=steps,
            learning_rate=learning_rate,
            seed=seed,
            grid_columns=grid_columns,
        )
        super().__init__()
        self.runs = runs
        self.set_trait("lambdas", list(runs.lambdas))
        self.set_trait("networks", [page_network(model) for model in runs.models])
        self.set_trait("train_x", runs.train.x.tolist())
        self.set_trait("train_labels", runs.train.y.tolist())
        self.set_trait("test_x", runs.test.x.tolist())
        self.set_trait("test_labels", runs.test.y.tolist())
        self.set_trait("extent", list(runs.extent))
        self.set_trait("grid_shape", list(runs.grid_shape))
        self.selected = selected

    @traitlets.validate("selected")
    def _valid_selected(self, proposal):
        value, n = proposal["value"], len(self.lambdas)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value < n:
            raise traitlets.TraitError(f"could not set selected: expected a run index in 0 … {n - 1}, got {value!r}")
        return int(value)

    @property
    def weight_decay(self) -> float:
        """The λ the page shows."""
        return self.runs.lambdas[self.selected]

    def model(self) -> MLP:
        """A copy of the trained network the page shows."""
        return self.runs.models[self.selected].copy()
