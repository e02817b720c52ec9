"""The playground's setup and session stay consistent whatever the reader types (the Python side).

* any config text gives a clear error ("expected …, got …") and no recursion, however deep or long;
* ``Session.update`` is all or nothing: a refused change leaves config, data, model and history;
* floats in a config are rounded to 12 significant digits, so what the Config box shows is what runs;
* a session knows the real number of classes of every data set.

What the live playground does with them in the page (the Config box's message, a refused control
put back, one training loop at most, the Classes control) is tested in a real browser:
tests/site/test_browser_playground.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlp_lib.widgets import Playground, PlaygroundConfig, Session
from mlp_lib.widgets import session as session_module


def params(model):
    return {k: v.copy() for k, v in model.parameters().items()}


def same_bits(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k].tobytes() == b[k].tobytes() for k in a)


def snapshot(s: Session) -> dict:
    return {
        "config": s.config,
        "step": s.step_count,
        "params": params(s.model),
        "model": s.model,
        "train_x": s.train.x,
        "history": {k: list(v) for k, v in s.history.items()},
    }


def assert_unchanged(s: Session, before: dict) -> None:
    after = snapshot(s)
    assert after["config"] == before["config"]
    assert after["step"] == before["step"]
    assert after["model"] is before["model"]
    assert same_bits(after["params"], before["params"])
    assert after["train_x"] is before["train_x"]
    assert after["history"] == before["history"]


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
def test_any_config_text_gives_a_clear_error_and_keeps_the_session(text, message):
    """The text is refused while it is read or while its run is built ("expected …"), never with a
    RecursionError, and a session given it by update keeps its state; the live playground refuses it
    from Python too (the page's own refusal: tests/site/test_browser_playground.py)."""
    s = Session(dict(dataset="xor", hidden_layers=1, units=4))
    s.train_steps(5)
    before = snapshot(s)
    with pytest.raises((TypeError, ValueError)) as info:
        s.update(**PlaygroundConfig.from_json(text).to_dict())
    assert message in str(info.value), (text[:40], str(info.value))
    assert "expected" in str(info.value)
    assert_unchanged(s, before)
    assert s.train_steps(3) and s.step_count == 8  # and it trains on
    assert PlaygroundConfig.from_json(s.config.to_json()) == s.config
    if "stratified" not in message:  # a setup whose data cannot be split is the page's to refuse
        widget = Playground(dataset="xor")
        config = dict(widget.config)
        with pytest.raises((TypeError, ValueError), match="expected"):
            widget.set_config(text)
        assert widget.config == config


def test_a_successful_update_after_a_refused_one_applies():
    s = Session()
    with pytest.raises(ValueError, match="expected dataset to be one of"):
        s.update(**PlaygroundConfig.from_json('{"dataset": "iris"}').to_dict())
    assert s.config == PlaygroundConfig()
    s.update(**PlaygroundConfig.from_json(json.dumps({"dataset": "xor", "seed": 3})).to_dict())
    assert s.config.dataset == "xor" and s.config.seed == 3 and s.step_count == 0


def test_from_json_refuses_deep_and_long_text_without_recursion():
    with pytest.raises(
        ValueError, match="expected a JSON object of playground settings of at most 10000 characters, got 100000"
    ):
        PlaygroundConfig.from_json("[" * 100_000)
    with pytest.raises(ValueError, match="nested at most 4 levels deep, got 5 levels at character 4"):
        PlaygroundConfig.from_json("[" * 5000)


# ----------------------------------------------------------------------
# refused changes: all or nothing
@pytest.mark.parametrize("dataset", ["blobs", "spiral"])
def test_a_refused_classes_change_keeps_the_session_and_its_config(dataset):
    s = Session(dict(dataset=dataset, n_samples=8, classes=2))
    step_ok = s.step() and s.evaluate()
    assert step_ok
    before = snapshot(s)
    with pytest.raises(ValueError, match="expected at least one class with 2 or more samples"):
        s.update(classes=8)  # eight classes of one point each: the split refuses them
    assert_unchanged(s, before)
    assert s.config.classes == 2 and s.n_classes == 2
    # the shared config still loads, and gives the same run
    shown = s.config.to_json()
    assert PlaygroundConfig.from_json(shown) == s.config
    assert same_bits(params(Session(shown).model), s.initial_parameters())
    # and the session goes on working: a good change afterwards applies
    s.update(units=3)
    assert s.config.units == 3 and s.model.sizes[1] == 3


def test_session_update_is_all_or_nothing():
    s = Session(dict(dataset="blobs", n_samples=8, classes=2))
    s.train_steps(3)
    config, train, model, history = s.config, s.train, s.model, {k: list(v) for k, v in s.history.items()}
    weights = params(model)
    with pytest.raises(ValueError, match="stratified split"):
        s.update(classes=8)
    assert s.config == config and s.config.classes == 2
    assert s.train is train and s.model is model and same_bits(params(s.model), weights)
    assert s.history == history and s.step_count == 3
    assert s.layer_sizes[-1] == s.model.sizes[-1]
    assert s.train_steps(2) and s.step_count == 5


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
    assert s.layer_sizes[-1] == classes == s.confusion_matrix().shape[0]
    assert Session(dict(dataset="sine", pairing="identity+mse")).task == "regression"
