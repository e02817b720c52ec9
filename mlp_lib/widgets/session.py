"""The training playground's setup, and a run of it in Python.

:class:`PlaygroundConfig` is the whole setup of the playground as one small,
JSON-able record (the classroom's way to share a setup: paste the JSON, get
exactly the same data, the same initial weights and the same batches). The playground on
the page (:mod:`mlp_lib.widgets.playground`, an anywidget) takes its setup from it and
trains in the reader's browser with ``web/engine.js``.

:class:`Session` is a config's start in mlp_lib — the data split, the :class:`~mlp_lib.MLP`
and the batch order — and takes gradient steps on it (:meth:`Session.step`,
:meth:`Session.reset`): the reference the explorers that train a playground setup
(:mod:`~mlp_lib.widgets.dead_units`, :mod:`~mlp_lib.widgets.batch_size`) start from.
Where its randomness comes from (everything from ``config.seed``)::

    data set         DATASETS[dataset](seed=seed)
    train/test split train_test_split(..., seed=seed)
    initial weights  MLP(..., seed=seed)                (He for ReLU, Glorot otherwise)
    batch order      numpy.random.default_rng([seed, 1]), a new permutation every epoch

so :meth:`Session.reset` (or a new session from the same config) gives the
same initial weights bit for bit. (The page draws its own random numbers from the seed.)
"""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache

import numpy as np

from .. import datasets as _datasets
from ..mlp import MLP
from ..training import TrainingDiverged, sgd_step
from ..validation import parse_json_limited

#: data sets offered by the playground, in menu order: name → label
DATASET_LABELS = {
    "moons": "two moons",
    "circles": "circles",
    "xor": "XOR",
    "spiral": "spiral",
    "blobs": "blobs",
    "digits": "digits (8×8)",
    "sine": "sine (regression)",
}
#: noise of each data set when the config leaves it out, and a sensible slider maximum
DEFAULT_NOISE = {"moons": 0.2, "circles": 0.1, "xor": 0.2, "spiral": 0.2, "blobs": 1.0, "digits": 0.0, "sine": 0.1}
MAX_NOISE = {"moons": 0.6, "circles": 0.4, "xor": 1.0, "spiral": 1.0, "blobs": 3.0, "digits": 0.0, "sine": 1.0}
#: number of samples when the config leaves it out (digits always has its 1797 images)
DEFAULT_SAMPLES = {"moons": 500, "circles": 500, "xor": 200, "spiral": 300, "blobs": 500, "digits": 1797, "sine": 200}
REGRESSION_DATASETS = ("sine",)
#: hidden activations offered (softmax is for the output layer only)
HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")
#: the penalties on the weights the playground offers (mlp_lib.regularization)
REGULARIZATIONS = ("none", "l1", "l2")
#: output activation + loss pairings: name → (output activation, loss, label)
PAIRINGS = {
    "sigmoid+bce": ("sigmoid", "bce", "sigmoid + binary cross-entropy"),
    "softmax+cce": ("softmax", "cce", "softmax + categorical cross-entropy"),
    "identity+mse": ("identity", "mse", "identity + mean squared error"),
    "relu+mse": ("relu", "mse", "ReLU + mean squared error"),
}
LEARNING_RATE_RANGE = (1e-4, 10.0)
MAX_HIDDEN_LAYERS = 4
MAX_UNITS = 32
MAX_SAMPLES = 5000
MAX_BATCH = 4096
#: longest config text accepted (the JSON of a config is about 300 characters)
MAX_CONFIG_TEXT = 10_000
#: deepest nesting of lists/objects in a config text (a config is one flat object)
MAX_CONFIG_DEPTH = 4
#: floats in a config are rounded to this many significant digits, so that the JSON shows
#: 0.4 for a slider's 0.4000000000000001 and pasting the JSON gives exactly the same run
FLOAT_DIGITS = 12


def _int_field(value, name, lo, hi):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"expected {name} to be an integer in {lo} … {hi}, got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"expected {name} in {lo} … {hi}, got {value}")
    return int(value)


def _float_field(value, name, lo, hi, *, lo_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"expected {name} to be a number in {lo} … {hi}, got {value!r}")
    value = float(value)
    if math.isfinite(value):
        value = float(f"{value:.{FLOAT_DIGITS}g}")
    if not math.isfinite(value) or value > hi or value < lo or (lo_open and value == lo):
        interval = f"({lo}, {hi}]" if lo_open else f"[{lo}, {hi}]"
        raise ValueError(f"expected {name} in {interval}, got {value}")
    return value


def _name_field(value, name, valid):
    if not isinstance(value, str):
        raise TypeError(f"expected {name} to be one of {list(valid)}, got {value!r}")
    key = value.lower()
    if key not in valid:
        raise ValueError(f"expected {name} to be one of {list(valid)}, got {value!r}")
    return key


@dataclass(frozen=True)
class PlaygroundConfig:
    """The whole setup of a playground; ``Playground(config)`` reproduces a reader's run exactly.

    Parameters
    ----------
    dataset : str
        One of ``moons, circles, xor, spiral, blobs, digits`` (classification)
        or ``sine`` (regression).
    noise : float ≥ 0 or None
        The data set's noise parameter (None: the data set's default; ignored by digits).
    n_samples : int or None
        Number of points (None: the data set's default; digits always has 1797).
    classes : int in 2 … 8
        Number of classes of spiral and blobs (ignored by the others).
    test_fraction : float in [0.05, 0.9]
        Share of the points held out as the test set (stratified by class).
    hidden_layers : int in 0 … 4
        Number of hidden layers (0: a single layer, logistic/softmax regression).
    units : int in 1 … 32
        Units in each hidden layer.
    activation : str
        Hidden activation: ``relu, tanh, sigmoid, identity``.
    pairing : str
        Output activation + loss: ``sigmoid+bce`` (one-vs-rest with more than
        two classes), ``softmax+cce``, ``identity+mse``, ``relu+mse``
        (MSE on a classification set fits one-hot targets). The regression
        data set needs an MSE pairing.
    learning_rate : float in [1e-4, 10]
    batch_size : int in 1 … 4096
        Larger than the training set means full-batch gradient descent.
    seed : int ≥ 0
        Data, split, initial weights and batch order.
    standardize : bool
        Standardize the inputs with the training set's mean and standard deviation.
    regularization : str
        ``none``, ``l1`` or ``l2``: a penalty on the weights, whose term joins Eq. (3)
        (:mod:`mlp_lib.regularization`), as TensorFlow Playground offers.
    regularization_rate : float in [0, 10]
        Its strength: λ₁ for ``l1``, the weight decay λ for ``l2``.

    Every field is checked on construction ("expected …, got …"); ``None`` for
    ``noise``/``n_samples`` is replaced by the data set's default, so
    :meth:`to_dict` always shows the numbers that were used.
    """

    dataset: str = "moons"
    noise: float | None = None
    n_samples: int | None = None
    classes: int = 3
    test_fraction: float = 0.25
    hidden_layers: int = 2
    units: int = 8
    activation: str = "tanh"
    pairing: str = "sigmoid+bce"
    learning_rate: float = 0.3
    batch_size: int = 16
    seed: int = 0
    standardize: bool = True
    regularization: str = "none"
    regularization_rate: float = 0.0

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen dataclass)
        dataset = _name_field(self.dataset, "dataset", DATASET_LABELS)
        set_("dataset", dataset)
        noise = DEFAULT_NOISE[dataset] if self.noise is None else self.noise
        set_("noise", _float_field(noise, "noise", 0.0, 10.0))
        if dataset == "digits":
            set_("n_samples", DEFAULT_SAMPLES["digits"])
        else:
            n = DEFAULT_SAMPLES[dataset] if self.n_samples is None else self.n_samples
            set_("n_samples", _int_field(n, "n_samples", 8, MAX_SAMPLES))
        set_("classes", _int_field(self.classes, "classes", 2, 8))
        set_("test_fraction", _float_field(self.test_fraction, "test_fraction", 0.05, 0.9))
        set_("hidden_layers", _int_field(self.hidden_layers, "hidden_layers", 0, MAX_HIDDEN_LAYERS))
        set_("units", _int_field(self.units, "units", 1, MAX_UNITS))
        set_("activation", _name_field(self.activation, "activation", HIDDEN_ACTIVATIONS))
        pairing = _name_field(self.pairing, "pairing", PAIRINGS)
        if dataset in REGRESSION_DATASETS and PAIRINGS[pairing][1] != "mse":
            mse = [p for p, spec in PAIRINGS.items() if spec[1] == "mse"]
            raise ValueError(
                f"expected an MSE pairing ({' or '.join(mse)}) for the regression data set {dataset!r}, got {pairing!r}"
            )
        set_("pairing", pairing)
        lo, hi = LEARNING_RATE_RANGE
        set_("learning_rate", _float_field(self.learning_rate, "learning_rate", lo, hi))
        set_("batch_size", _int_field(self.batch_size, "batch_size", 1, MAX_BATCH))
        set_("seed", _int_field(self.seed, "seed", 0, 2**32 - 1))
        if not isinstance(self.standardize, (bool, np.bool_)):
            raise TypeError(f"expected standardize to be True or False, got {self.standardize!r}")
        set_("standardize", bool(self.standardize))
        set_("regularization", _name_field(self.regularization, "regularization", REGULARIZATIONS))
        set_("regularization_rate", _float_field(self.regularization_rate, "regularization_rate", 0.0, 10.0))

    # ------------------------------------------------------------------
    @property
    def task(self) -> str:
        return "regression" if self.dataset in REGRESSION_DATASETS else "classification"

    @property
    def output(self) -> str:
        """The output activation of the pairing."""
        return PAIRINGS[self.pairing][0]

    @property
    def loss(self) -> str:
        """The loss of the pairing (``bce``, ``cce`` or ``mse``)."""
        return PAIRINGS[self.pairing][1]

    def replace(self, **changes) -> PlaygroundConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """The config as a plain dict of JSON types."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data) -> PlaygroundConfig:
        """Build a config from a dict; unknown keys are refused, missing ones take the defaults."""
        if not isinstance(data, dict):
            raise TypeError(f"expected a dict of playground settings, got {type(data).__name__}")
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise ValueError(f"expected playground settings among {names}, got unknown key(s) {unknown}")
        return cls(**data)

    def to_json(self, indent=None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text) -> PlaygroundConfig:
        """Parse a config from JSON text: at most :data:`MAX_CONFIG_TEXT` characters nested at most
        :data:`MAX_CONFIG_DEPTH` deep (checked before parsing), then :meth:`from_dict`."""
        if not isinstance(text, str):
            raise TypeError(f"expected a JSON string, got {type(text).__name__}")
        data = parse_json_limited(
            text, max_chars=MAX_CONFIG_TEXT, max_depth=MAX_CONFIG_DEPTH, what="a JSON object of playground settings"
        )
        return cls.from_dict(data)

    @classmethod
    def coerce(cls, config) -> PlaygroundConfig:
        """Accept a config, a dict, a JSON string or None (the defaults)."""
        if config is None:
            return cls()
        if isinstance(config, cls):
            return config
        if isinstance(config, dict):
            return cls.from_dict(config)
        if isinstance(config, str):
            return cls.from_json(config)
        raise TypeError(f"expected a PlaygroundConfig, a dict or a JSON string, got {type(config).__name__}")


@lru_cache(maxsize=32)
def _split_data(name, n_samples, noise, classes, seed, test_fraction, standardize):
    # Data sets are frozen with read-only arrays, so sharing them between sessions is safe;
    # the cache makes a rebuild after an architecture change (same data) instant.
    if name == "digits":
        data = _datasets.digits(seed=seed)
    else:
        kwargs = {"n": n_samples, "noise": noise, "seed": seed}
        if name in ("spiral", "blobs"):
            kwargs["classes"] = classes
        data = _datasets.load(name, **kwargs)
    train, test = _datasets.train_test_split(data, test_fraction=test_fraction, seed=seed)
    if standardize:
        train, test = _datasets.standardize(train, test)
    return train, test


def make_data(config: PlaygroundConfig):
    """The (train, test) pair of :class:`~mlp_lib.datasets.Dataset` a config describes."""
    c = config
    return _split_data(c.dataset, c.n_samples, c.noise, c.classes, c.seed, c.test_fraction, c.standardize)


# ----------------------------------------------------------------------
# A run of a config, in Python
# ----------------------------------------------------------------------
class Session:
    """A playground config trained step by step with mlp_lib: its data, model and batch order.

    Attributes
    ----------
    config : PlaygroundConfig
    train, test : mlp_lib.datasets.Dataset
    model : mlp_lib.MLP
    step_count : int
        Gradient steps taken since the last reset.
    diverged : str or None
        The message of the divergence that stopped training (the weights are the last finite
        ones); None while training is healthy.
    """

    def __init__(self, config=None):
        self.config = PlaygroundConfig.coerce(config)
        self.train, self.test = make_data(self.config)
        self.reset()

    @property
    def n_classes(self) -> int:
        return self.train.n_classes

    @property
    def layer_sizes(self) -> list:
        """``[n_0, units, …, units, n_J]``: n_J is the number of classes for CCE, else the rows of the targets."""
        cfg = self.config
        n_out = self.train.targets(cfg.loss).shape[0] if cfg.loss != "cce" else self.n_classes
        return [self.train.n_features] + [cfg.units] * cfg.hidden_layers + [n_out]

    @property
    def epoch(self) -> float:
        """Epochs completed (fractional): samples seen / training-set size."""
        return self._samples_seen / self.train.m

    def reset(self) -> None:
        """Back to step 0: the same initial weights (bit for bit) and the same batch order."""
        cfg = self.config
        self.model = MLP(self.layer_sizes, hidden=cfg.activation, output=cfg.output, loss=cfg.loss, seed=cfg.seed)
        self._x, self._y = self.model.check_targets(self.train.x, self.train.targets(cfg.loss))
        self._batch_rng = np.random.default_rng([cfg.seed, 1])
        self._order = np.empty(0, dtype=np.int64)
        self._pos = 0
        self._samples_seen = 0
        self.step_count = 0
        self.diverged = None

    def _next_batch(self) -> np.ndarray:
        m, size = self.train.m, min(self.config.batch_size, self.train.m)
        if self._pos >= self._order.size:
            self._order, self._pos = self._batch_rng.permutation(m), 0
        idx = self._order[self._pos : self._pos + size]
        self._pos += size
        return idx

    def step(self) -> bool:
        """One gradient step (:func:`mlp_lib.sgd_step`, with the config's penalty) on the next
        mini-batch. Returns False (and records the message in :attr:`diverged`) if the step would
        make the loss or the weights non-finite; the weights stay the last finite ones."""
        if self.diverged is not None:
            return False
        cfg, idx = self.config, self._next_batch()
        try:
            sgd_step(
                self.model,
                self._x[:, idx],
                self._y[:, idx],
                cfg.learning_rate,
                weight_decay=cfg.regularization_rate if cfg.regularization == "l2" else 0.0,
                l1=cfg.regularization_rate if cfg.regularization == "l1" else 0.0,
                epoch=int(self.epoch) + 1,
                step=self.step_count + 1,
            )
        except TrainingDiverged as exc:
            self.diverged = str(exc)
            return False
        self.step_count += 1
        self._samples_seen += idx.size
        return True
