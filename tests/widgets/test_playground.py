"""The playground's Python side: its setup and a run of it in mlp_lib.

The playground itself (:class:`mlp_lib.widgets.Playground`) trains in the page; what its controls,
buttons, Config box and panels do is tested in a real browser (tests/site/test_browser_playground.py).
Here :class:`PlaygroundConfig` and :class:`~mlp_lib.widgets.session.Session` (a config's data,
network and batches in mlp_lib, which the dead-units and batch-size explorers start from) are
driven directly.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from mlp_lib.widgets import Playground, PlaygroundConfig
from mlp_lib.widgets.session import DATASET_LABELS, HIDDEN_ACTIVATIONS, PAIRINGS, REGRESSION_DATASETS, Session

CLASSIFICATION = [d for d in DATASET_LABELS if d not in REGRESSION_DATASETS]


def params(model):
    return {k: v.copy() for k, v in model.parameters().items()}


def same_bits(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k].tobytes() == b[k].tobytes() for k in a)


def steps(session: Session, n: int) -> bool:
    """``n`` gradient steps; False as soon as one is refused (training diverged)."""
    return all(session.step() for _ in range(n))


def training_loss(session: Session) -> float:
    return session.model.loss_value(session._x, session._y)


# ----------------------------------------------------------------------
# config
def test_config_round_trips_through_dict_and_json():
    cfg = PlaygroundConfig(
        dataset="spiral",
        classes=4,
        hidden_layers=3,
        units=12,
        activation="relu",
        pairing="softmax+cce",
        learning_rate=0.05,
        batch_size=32,
        seed=7,
    )
    assert PlaygroundConfig.from_dict(cfg.to_dict()) == cfg
    assert PlaygroundConfig.from_json(cfg.to_json()) == cfg
    assert json.loads(cfg.to_json())["noise"] == 0.2  # None became the data set's default
    assert PlaygroundConfig.coerce(None) == PlaygroundConfig()


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"dataset": "iris"},
            "expected dataset to be one of ['moons', 'circles', 'xor', 'spiral', 'blobs', 'digits', 'sine'], got 'iris'",
        ),
        ({"activation": "softmax"}, "expected activation to be one of ['relu', 'tanh', 'sigmoid', 'identity']"),
        (
            {"pairing": "tanh+mse"},
            "expected pairing to be one of ['sigmoid+bce', 'softmax+cce', 'identity+mse', 'relu+mse']",
        ),
        ({"learning_rate": 20.0}, "expected learning_rate in [0.0001, 10.0], got 20.0"),
        ({"hidden_layers": 5}, "expected hidden_layers in 0 … 4, got 5"),
        ({"units": 0}, "expected units in 1 … 32, got 0"),
        ({"dataset": "sine", "pairing": "softmax+cce"}, "expected an MSE pairing"),
    ],
)
def test_config_refuses_bad_values_with_expected_got(changes, message):
    with pytest.raises(ValueError, match=None) as info:
        PlaygroundConfig(**changes)
    assert message in str(info.value)


def test_config_refuses_unknown_keys_and_wrong_types():
    with pytest.raises(ValueError, match="unknown key"):
        PlaygroundConfig.from_dict({"dataset": "moons", "lr": 0.1})
    with pytest.raises(TypeError, match="expected batch_size to be an integer"):
        PlaygroundConfig(batch_size=16.0)
    with pytest.raises(ValueError, match="invalid JSON"):
        PlaygroundConfig.from_json("{dataset: moons}")


# ----------------------------------------------------------------------
# every combination trains
@pytest.mark.parametrize("dataset", list(DATASET_LABELS))
def test_every_dataset_pairing_activation_trains_a_few_steps(dataset):
    pairings = [p for p, spec in PAIRINGS.items() if dataset not in REGRESSION_DATASETS or spec[1] == "mse"]
    for pairing in pairings:
        for activation in HIDDEN_ACTIVATIONS:
            s = Session(dict(dataset=dataset, pairing=pairing, activation=activation, learning_rate=0.05))
            assert steps(s, 5), (dataset, pairing, activation, s.diverged)
            assert s.step_count == 5 and s.epoch == pytest.approx(5 * min(16, s.train.m) / s.train.m)
            assert np.isfinite(training_loss(s)) and all(np.isfinite(w).all() for w in s.model.W[1:])
            assert s.model.sizes == s.layer_sizes


# ----------------------------------------------------------------------
# learning, reset, sharing a setup
@pytest.mark.parametrize("dataset", ["xor", "moons"])
def test_training_lowers_the_loss(dataset):
    s = Session(dict(dataset=dataset))
    start = training_loss(s)
    assert steps(s, 300)
    assert s.step_count == 300
    assert training_loss(s) < 0.5 * start
    assert s.model.accuracy(s.test.x, s.test.targets(s.config.loss)) > 0.9


def test_reset_reproduces_the_initial_weights_bit_exactly():
    s = Session(dict(activation="relu", hidden_layers=3))
    initial = params(s.model)
    assert steps(s, 55)
    assert not same_bits(initial, params(s.model))
    s.reset()
    assert s.step_count == 0 and s.epoch == 0
    assert same_bits(initial, params(s.model))
    assert same_bits(initial, params(Session(s.config).model))
    # and the same batches afterwards
    steps(s, 20)
    q = Session(s.config)
    steps(q, 20)
    assert same_bits(params(s.model), params(q.model))


def test_shared_config_json_round_trips_to_an_identical_state():
    s = Session(dict(dataset="blobs", classes=4, hidden_layers=1, units=5, seed=3, pairing="sigmoid+bce"))
    shown = s.config.to_json()
    assert PlaygroundConfig.from_json(shown) == s.config
    other = Session(shown)
    assert other.config == s.config
    assert same_bits(params(other.model), params(s.model))
    assert np.array_equal(other.train.x, s.train.x)
    # the live playground takes the same text as its setup (its page builds it; see the browser test)
    widget = Playground(shown)
    assert widget.get_config() == s.config and widget.config == s.config.to_dict()
    with pytest.raises(ValueError, match="expected dataset to be one of"):
        widget.set_config('{"dataset": "iris"}')
    assert widget.get_config() == s.config


def test_divergence_stops_with_a_message_and_without_nan():
    s = Session(dict(learning_rate=10.0, activation="relu", hidden_layers=4, units=16, pairing="identity+mse"))
    assert not steps(s, 2000)
    assert s.diverged is not None and "lower the learning rate" in s.diverged and "diverged" in s.diverged
    assert s.step_count < 2000
    assert all(np.isfinite(w).all() for w in s.model.parameters().values())
    taken = s.step_count
    assert not s.step() and s.step_count == taken  # stays stopped
    s.reset()  # the kept weights are finite but may be huge: Reset starts over
    assert s.diverged is None and s.step_count == 0


# ----------------------------------------------------------------------
# the widget, and the player of recorded figures (mlp_lib.widgets.animation)
def test_live_playground_displays_as_its_own_widget():
    w = Playground()
    assert w._repr_mimebundle_()[0]["application/vnd.jupyter.widget-view+json"]["model_id"] == w.model_id


def test_html_player_renders_each_frame_once_and_embeds_them_all():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from mlp_lib.widgets.animation import html_player

    fig = Figure(figsize=(2, 1.5), dpi=40)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_xlim(0, 5)
    ax.set_ylim(0, 25)
    (line,) = ax.plot([], [])
    drawn = []
    fig.canvas.mpl_connect("draw_event", lambda event: drawn.append(1))
    seen = []

    def draw(n):
        seen.append(n)
        line.set_data(range(n + 1), [k * k for k in range(n + 1)])

    html = html_player(fig, draw, range(5), fps=4, frame_format="png", alt="squares")
    assert seen == [0, 1, 2, 3, 4]
    assert len(drawn) == 5  # FuncAnimation.to_jshtml would render 10 times
    assert len(re.findall(r'frames\[\d+\] = "data:image/png;base64', html)) == 5
    assert 'alt="squares"' in html and "https://" not in html
    with pytest.raises(ValueError, match="expected frame_format"):
        html_player(fig, draw, range(2), fps=4, frame_format="gif")
    with pytest.raises(ValueError, match="expected fps > 0"):
        html_player(fig, draw, range(2), fps=0)


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_regularization_shrinks_the_weights_and_is_part_of_the_config(kind):
    """The playground's L1/L2 control: the penalty's term joins Eq. (3) in every step."""
    base = PlaygroundConfig(dataset="moons", hidden_layers=1, units=8, learning_rate=0.3, seed=2)
    plain, penalized = Session(base), Session(base.replace(regularization=kind, regularization_rate=0.03))
    assert steps(plain, 300) and steps(penalized, 300)
    size = lambda s: sum(float(np.abs(w).sum()) for w in s.model.W[1:])  # noqa: E731
    assert size(penalized) < 0.9 * size(plain)
    again = PlaygroundConfig.from_json(penalized.config.to_json())
    assert (again.regularization, again.regularization_rate) == (kind, 0.03)
    with pytest.raises(ValueError, match=r"expected regularization to be one of \['none', 'l1', 'l2'\], got 'l3'"):
        base.replace(regularization="l3")
    with pytest.raises(ValueError, match="expected regularization_rate"):
        base.replace(regularization_rate=-1)
