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
from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache
from numbers import Integral, Real

import numpy as np

from .. import datasets as _datasets
from ..mlp import MLP
from ..training import TrainingDiverged, sgd_step
from ..validation import Boolean, Interval, Options, check_one, parse_json_limited

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
#: the positions of the noise and test-share sliders: a value between two of them is refused
#: (the page could not show it on its slider)
SLIDER_STEP = 0.05
#: the values the page's drop-downs offer; any other value in range is accepted and shown too
LEARNING_RATE_PRESETS = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZE_PRESETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
REGULARIZATION_RATE_PRESETS = (0.0, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)

#: The setup, declared once: one entry per field of :class:`PlaygroundConfig`, in its order, in
#: JSON Schema's terms (``type``, ``minimum``, ``maximum``, ``multipleOf``, ``enum``, ``default``,
#: ``title``) and a few of the playground's own:
#:
#: ``enumTitles``   the menu text of each choice;
#: ``defaultBy``    ``{"field", "values"}``: ``None`` means the value for the earlier field's value;
#: ``fixedBy``      ``{"field", "values"}``: for those values of the earlier field the value is fixed
#:                  (and whatever was given is ignored);
#: ``requires``     ``{"when": {"field", "in"}, "oneOf", "message"}``: the values allowed when the
#:                  earlier field has one of those values;
#: ``control``      the page's control (``select``, ``slider``, ``number``, ``checkbox``), with
#:                  ``presets`` (a drop-down's values), ``sliderMaxBy`` (a slider's end per data set)
#:                  and ``appliesWhen`` (``{"field", "in" | "notIn" | "minimum"}``: the control is
#:                  switched off otherwise, the setting being ignored).
#:
#: :class:`PlaygroundConfig` checks every value against it; :func:`playground_schema` sends it to the
#: page (``Playground.schema``), which builds its controls and makes the same checks from it.
SETTINGS = (
    {
        "name": "dataset",
        "type": "string",
        "title": "Dataset",
        "default": "moons",
        "enum": list(DATASET_LABELS),
        "enumTitles": dict(DATASET_LABELS),
        "control": "select",
    },
    {
        "name": "noise",
        "type": "number",
        "title": "Noise",
        "default": None,
        "minimum": 0.0,
        "maximum": 10.0,
        "multipleOf": SLIDER_STEP,
        "defaultBy": {"field": "dataset", "values": DEFAULT_NOISE},
        "control": "slider",
        "sliderMaxBy": {"field": "dataset", "values": MAX_NOISE},
        "appliesWhen": {"field": "dataset", "notIn": ["digits"]},
    },
    {
        "name": "n_samples",
        "type": "integer",
        "title": "Samples",
        "default": None,
        "minimum": 8,
        "maximum": MAX_SAMPLES,
        "defaultBy": {"field": "dataset", "values": DEFAULT_SAMPLES},
        "fixedBy": {"field": "dataset", "values": {"digits": DEFAULT_SAMPLES["digits"]}},
        "control": "number",
        "appliesWhen": {"field": "dataset", "notIn": ["digits"]},
    },
    {
        "name": "classes",
        "type": "integer",
        "title": "Classes",
        "default": 3,
        "minimum": 2,
        "maximum": 8,
        "control": "slider",
        "appliesWhen": {"field": "dataset", "in": ["spiral", "blobs"]},
    },
    {
        "name": "test_fraction",
        "type": "number",
        "title": "Test share",
        "default": 0.25,
        "minimum": 0.05,
        "maximum": 0.9,
        "multipleOf": SLIDER_STEP,
        "control": "slider",
    },
    {
        "name": "hidden_layers",
        "type": "integer",
        "title": "Hidden layers",
        "default": 2,
        "minimum": 0,
        "maximum": MAX_HIDDEN_LAYERS,
        "control": "slider",
    },
    {
        "name": "units",
        "type": "integer",
        "title": "Units / layer",
        "default": 8,
        "minimum": 1,
        "maximum": MAX_UNITS,
        "control": "slider",
        "appliesWhen": {"field": "hidden_layers", "minimum": 1},
    },
    {
        "name": "activation",
        "type": "string",
        "title": "Hidden σ",
        "default": "tanh",
        "enum": list(HIDDEN_ACTIVATIONS),
        "control": "select",
    },
    {
        "name": "pairing",
        "type": "string",
        "title": "Output / loss",
        "default": "sigmoid+bce",
        "enum": list(PAIRINGS),
        "enumTitles": {name: f"{act} + {loss.upper()}" for name, (act, loss, _) in PAIRINGS.items()},
        "requires": {
            "when": {"field": "dataset", "in": list(REGRESSION_DATASETS)},
            "oneOf": [name for name, spec in PAIRINGS.items() if spec[1] == "mse"],
            "message": "expected an MSE pairing ({allowed}) for the regression data set {when}, got {value}",
        },
        "control": "select",
    },
    {
        "name": "learning_rate",
        "type": "number",
        "title": "Learning rate",
        "default": 0.3,
        "minimum": LEARNING_RATE_RANGE[0],
        "maximum": LEARNING_RATE_RANGE[1],
        "control": "select",
        "presets": list(LEARNING_RATE_PRESETS),
    },
    {
        "name": "batch_size",
        "type": "integer",
        "title": "Batch size",
        "default": 16,
        "minimum": 1,
        "maximum": MAX_BATCH,
        "control": "select",
        "presets": list(BATCH_SIZE_PRESETS),
    },
    {
        "name": "seed",
        "type": "integer",
        "title": "Seed",
        "default": 0,
        "minimum": 0,
        "maximum": 2**32 - 1,
        "control": "number",
    },
    {"name": "standardize", "type": "boolean", "title": "Standardize inputs", "default": True, "control": "checkbox"},
    {
        "name": "regularization",
        "type": "string",
        "title": "Regularization",
        "default": "none",
        "enum": list(REGULARIZATIONS),
        "enumTitles": {"none": "none", "l1": "L1", "l2": "L2 (weight decay)"},
        "control": "select",
    },
    {
        "name": "regularization_rate",
        "type": "number",
        "title": "Regularization rate",
        "default": 0.0,
        "minimum": 0.0,
        "maximum": 10.0,
        "control": "select",
        "presets": list(REGULARIZATION_RATE_PRESETS),
        "appliesWhen": {"field": "regularization", "notIn": ["none"]},
    },
)
_DEFAULTS = {spec["name"]: spec["default"] for spec in SETTINGS}


def playground_schema() -> dict:
    """The setup's declaration as plain JSON for the page: ``{"fields": SETTINGS, "maxText",
    "maxDepth", "floatDigits"}`` (a copy)."""
    schema = {
        "fields": SETTINGS,
        "maxText": MAX_CONFIG_TEXT,
        "maxDepth": MAX_CONFIG_DEPTH,
        "floatDigits": FLOAT_DIGITS,
    }
    return json.loads(json.dumps(schema))


def _constraint(spec: dict):
    """The :mod:`mlp_lib.validation` constraint of a setting's JSON-Schema ``type``, range and ``enum``."""
    kind = spec["type"]
    if kind == "string":
        return Options(spec["enum"], lower=True)
    if kind == "integer":
        return Interval(Integral, spec["minimum"], spec["maximum"])
    if kind == "number":
        return Interval(Real, spec["minimum"], spec["maximum"])
    return Boolean(json=True)


def _rounded(value):
    """A finite real ``value`` rounded to FLOAT_DIGITS significant digits (as the Config box shows it);
    anything else unchanged, for its check to refuse."""
    if isinstance(value, Real) and not isinstance(value, (bool, np.bool_)) and math.isfinite(value):
        return float(f"{float(value):.{FLOAT_DIGITS}g}") + 0.0  # + 0.0: -0.0 becomes 0.0
    return value


def _float_field(value, name, lo, hi, *, lo_open=False):
    """``value`` rounded as a config's floats are, then checked to be in [lo, hi] (or (lo, hi])."""
    return check_one(None, name, _rounded(value), Interval(Real, lo, hi, closed="right" if lo_open else "both"))


def _on_grid(value: float, step: float) -> bool:
    """Is ``value`` a whole multiple of ``step`` (to 1e-9 of a step)?"""
    k = value / step
    return abs(k - round(k)) <= 1e-9 * max(1.0, abs(k))


def _check_setting(spec: dict, value, earlier: dict):
    """``value`` checked against its declaration ``spec`` (an entry of :data:`SETTINGS`), given the
    settings checked before it (``earlier``); returns the value to keep or raises TypeError/ValueError."""
    name = spec["name"]
    fixed = spec.get("fixedBy")
    if fixed and earlier[fixed["field"]] in fixed["values"]:
        return fixed["values"][earlier[fixed["field"]]]
    if value is None and "defaultBy" in spec:
        value = spec["defaultBy"]["values"][earlier[spec["defaultBy"]["field"]]]
    value = check_one(None, name, _rounded(value) if spec["type"] == "number" else value, _constraint(spec))
    step = spec.get("multipleOf")
    if step and not _on_grid(value, step):
        raise ValueError(f"expected {name} in steps of {step} (the slider's positions), got {value}")
    rule = spec.get("requires")
    if rule and earlier[rule["when"]["field"]] in rule["when"]["in"] and value not in rule["oneOf"]:
        when = earlier[rule["when"]["field"]]
        raise ValueError(rule["message"].format(allowed=" or ".join(rule["oneOf"]), when=repr(when), value=repr(value)))
    return value


@dataclass(frozen=True)
class PlaygroundConfig:
    """The whole setup of a playground; ``Playground(config)`` reproduces a reader's run exactly.

    Parameters
    ----------
    dataset : str
        One of ``moons, circles, xor, spiral, blobs, digits`` (classification)
        or ``sine`` (regression).
    noise : float in [0, 10] in steps of 0.05, or None
        The data set's noise parameter (None: the data set's default; ignored by digits).
    n_samples : int in 8 … 5000, or None
        Number of points (None: the data set's default; digits always has 1797).
    classes : int in 2 … 8
        Number of classes of spiral and blobs (ignored by the others).
    test_fraction : float in [0.05, 0.9] in steps of 0.05
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
    seed : int in 0 … 2³² − 1
        Data, split, initial weights and batch order.
    standardize : bool
        Standardize the inputs with the training set's mean and standard deviation.
    regularization : str
        ``none``, ``l1`` or ``l2``: a penalty on the weights, whose term joins Eq. (3)
        (:mod:`mlp_lib.regularization`), as TensorFlow Playground offers.
    regularization_rate : float in [0, 10]
        Its strength: λ₁ for ``l1``, the weight decay λ for ``l2``.

    Types, ranges and defaults are those of :data:`SETTINGS` (the page checks the same
    declaration). Every field is checked on construction ("expected …, got …"); ``None`` for
    ``noise``/``n_samples`` is replaced by the data set's default, so :meth:`to_dict` always
    shows the numbers that were used.
    """

    dataset: str = _DEFAULTS["dataset"]
    noise: float | None = _DEFAULTS["noise"]
    n_samples: int | None = _DEFAULTS["n_samples"]
    classes: int = _DEFAULTS["classes"]
    test_fraction: float = _DEFAULTS["test_fraction"]
    hidden_layers: int = _DEFAULTS["hidden_layers"]
    units: int = _DEFAULTS["units"]
    activation: str = _DEFAULTS["activation"]
    pairing: str = _DEFAULTS["pairing"]
    learning_rate: float = _DEFAULTS["learning_rate"]
    batch_size: int = _DEFAULTS["batch_size"]
    seed: int = _DEFAULTS["seed"]
    standardize: bool = _DEFAULTS["standardize"]
    regularization: str = _DEFAULTS["regularization"]
    regularization_rate: float = _DEFAULTS["regularization_rate"]

    def __post_init__(self):
        checked = {}
        for spec in SETTINGS:  # in order: a setting may depend on the ones before it
            checked[spec["name"]] = _check_setting(spec, getattr(self, spec["name"]), checked)
        for name, value in checked.items():
            object.__setattr__(self, name, value)  # a frozen dataclass

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
