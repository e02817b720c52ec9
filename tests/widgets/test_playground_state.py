"""The playground's setup stays consistent whatever the reader types (the Python side).

* any config text gives a clear error ("expected …, got …") and no recursion, however deep or long;
* a setup whose data cannot be split is refused when its run is built, with a clear error;
* floats in a config are rounded to 12 significant digits, so what the Config box shows is what runs;
* a run of a config (:class:`~mlp_lib.widgets.session.Session`) knows the real number of classes of every data set.

What the live playground does with them in the page (the Config box's message, a refused control
put back, one training loop at most, the Classes control) is tested in a real browser:
tests/site/test_browser_playground.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlp_lib.widgets import Playground, PlaygroundConfig
from mlp_lib.widgets import session as session_module
from mlp_lib.widgets.session import Session


def params(model):
    return {k: v.copy() for k, v in model.parameters().items()}


def same_bits(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k].tobytes() == b[k].tobytes() for k in a)


# ----------------------------------------------------------------------
# the Config box's text
HOSTILE_TEXTS = [
    ("[" * 100_000, "at most 10000 characters, got 100000"),
    ("[" * 9_000, "nested at most 4 levels deep"),
    ('{"a": ' * 1000 + "1" + "}" * 1000, "nested at most 4 levels deep"),
    ("[" * 500 + "]" * 500, "nested at most 4 levels deep"),
    ('{"seed": 1' + "0" * 5000 + "}", "invalid JSON"),
    ('{"seed": 1e400}', "expected seed to be an integer"),
    ('{"noise": NaN}', "expected noise in [0.0, 10.0], got nan"),
    ('{"learning_rate": Infinity}', "expected learning_rate in"),
    ('{"dataset": "blobs", "n_samples": 8, "classes": 8}', "stratified split"),
    ('{"dataset": {"name": "moons"}}', "expected dataset to be one of"),
    ("null", "expected a dict of playground settings, got NoneType"),
    ("\ud800", "invalid JSON"),
    ("", "invalid JSON"),
]


@pytest.mark.parametrize("text, message", HOSTILE_TEXTS, ids=[f"text{i}" for i in range(len(HOSTILE_TEXTS))])
def test_any_config_text_gives_a_clear_error(text, message):
    """The text is refused while it is read or while its run is built ("expected …"), never with a
    RecursionError; the live playground refuses it from Python too and keeps its setup (the page's
    own refusal: tests/site/test_browser_playground.py)."""
    with pytest.raises((TypeError, ValueError)) as info:
        Session(PlaygroundConfig.from_json(text))
    assert message in str(info.value), (text[:40], str(info.value))
    assert "expected" in str(info.value)
    if "stratified" not in message:  # a setup whose data cannot be split is the page's to refuse
        widget = Playground(dataset="xor")
        config = dict(widget.config)
        with pytest.raises((TypeError, ValueError), match="expected"):
            widget.set_config(text)
        assert widget.config == config


def test_from_json_refuses_deep_and_long_text_without_recursion():
    with pytest.raises(
        ValueError, match="expected a JSON object of playground settings of at most 10000 characters, got 100000"
    ):
        PlaygroundConfig.from_json("[" * 100_000)
    with pytest.raises(ValueError, match="nested at most 4 levels deep, got 5 levels at character 4"):
        PlaygroundConfig.from_json("[" * 5000)


# ----------------------------------------------------------------------
# a setup whose data cannot be split
@pytest.mark.parametrize("dataset", ["blobs", "spiral"])
def test_classes_the_split_cannot_keep_are_refused_when_the_run_is_built(dataset):
    cfg = PlaygroundConfig(dataset=dataset, n_samples=8, classes=8)  # eight classes of one point each
    with pytest.raises(ValueError, match="expected at least one class with 2 or more samples"):
        Session(cfg)
    s = Session(cfg.replace(classes=2))
    assert s.step() and s.n_classes == 2
    # the shared config loads, and gives the same start
    shown = s.config.to_json()
    assert PlaygroundConfig.from_json(shown) == s.config
    s.reset()
    assert same_bits(params(Session(shown).model), params(s.model))


# ----------------------------------------------------------------------
# what the Config box shows
def test_config_shows_floats_rounded_to_12_significant_digits():
    cfg = PlaygroundConfig().replace(test_fraction=0.05 * 8, learning_rate=0.1 + 0.2)  # as a slider gives them
    shown = json.loads(cfg.to_json())
    assert shown["test_fraction"] == 0.4 and '"test_fraction": 0.4,' in cfg.to_json()
    assert shown["learning_rate"] == 0.3
    assert PlaygroundConfig(test_fraction=0.39999999999999997).test_fraction == 0.4
    assert PlaygroundConfig(learning_rate=10**-0.4).learning_rate == 0.398107170553
    assert session_module.FLOAT_DIGITS == 12
    # what is shown is what runs: the shown text gives the same data and the same weights
    s, other = Session(cfg), Session(cfg.to_json())
    assert other.config == s.config
    assert np.array_equal(other.train.x, s.train.x)
    assert same_bits(params(other.model), params(s.model))


@pytest.mark.parametrize(
    "dataset, classes", [("moons", 2), ("xor", 2), ("digits", 10), ("spiral", 3), ("blobs", 3), ("blobs", 8)]
)
def test_session_has_the_real_number_of_classes(dataset, classes):
    chosen = {"classes": classes} if dataset in ("spiral", "blobs") else {}  # the others have their own count
    s = Session(dict(dataset=dataset, pairing="softmax+cce", hidden_layers=1, units=4, **chosen))
    assert s.n_classes == classes
    assert s.layer_sizes[-1] == classes == s.model.sizes[-1]
    assert set(np.unique(s.train.y)) == set(range(classes))
    sine = Session(dict(dataset="sine", pairing="identity+mse"))
    assert sine.n_classes == 0 and sine.config.task == "regression" and sine.layer_sizes[-1] == 1
