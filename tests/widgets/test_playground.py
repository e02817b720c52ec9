"""The playground's Python side: its setup, its training session, its figure and the recordings.

The playground itself (:class:`mlp_lib.widgets.Playground`) trains in the page; what its controls,
buttons, Config box and panels do is tested in a real browser (tests/site/test_browser_playground.py).
Here :class:`PlaygroundConfig`, :class:`Session` (the same setup trained with mlp_lib: the chapters'
numbers and the recorded runs) and :class:`PlaygroundFigure` are driven directly.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from mlp_lib.widgets import Playground, PlaygroundConfig, PlaygroundFigure, Session, record_training, training_animation
from mlp_lib.widgets.session import DATASET_LABELS, DEFAULT_NOISE, HIDDEN_ACTIVATIONS, PAIRINGS, REGRESSION_DATASETS

CLASSIFICATION = [d for d in DATASET_LABELS if d not in REGRESSION_DATASETS]


def params(model):
    return {k: v.copy() for k, v in model.parameters().items()}


def same_bits(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k].tobytes() == b[k].tobytes() for k in a)


def step(session: Session) -> bool:
    """What the Step button does: one gradient step, then the evaluation the panels show."""
    return session.step() and session.evaluate()


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
            assert s.train_steps(5, record_every=1), (dataset, pairing, activation, s.diverged)
            assert s.step_count == 5
            assert np.isfinite(s.history["train_loss"]).all() and np.isfinite(s.history["test_accuracy"]).all()


@pytest.mark.parametrize("dataset", list(DATASET_LABELS))
def test_session_switches_to_every_dataset_and_its_figure_draws(dataset):
    """A session changed to each data set (as the Dataset control changes it: the set's own noise and
    size) starts at step 0, steps, and its figure renders; on blobs and sine every allowed pairing
    trains, and the regression set refuses a non-MSE pairing and keeps its own."""
    s = Session(dict(dataset="moons" if dataset != "moons" else "xor", pairing="identity+mse"))
    s.train_steps(3)
    s.update(dataset=dataset, noise=DEFAULT_NOISE[dataset], n_samples=None)
    assert s.config.dataset == dataset and s.step_count == 0
    assert step(s) and step(s)
    assert s.step_count == 2
    assert PlaygroundFigure(s, grid=20, dpi=40).png()[:4] == b"\x89PNG"
    if dataset not in ("blobs", "sine"):
        return
    for pairing, spec in PAIRINGS.items():
        if dataset in REGRESSION_DATASETS and spec[1] != "mse":
            before = s.config
            with pytest.raises(ValueError, match="expected an MSE pairing"):
                s.update(pairing=pairing)  # refused with a message, and nothing changes
            assert s.config == before
            continue
        s.update(pairing=pairing, activation=HIDDEN_ACTIVATIONS[list(PAIRINGS).index(pairing)])
        assert s.config.pairing == pairing and s.step_count == 0
        assert step(s) and s.step_count == 1


# ----------------------------------------------------------------------
# learning, reset, sharing a setup
@pytest.mark.parametrize("dataset", ["xor", "moons"])
def test_training_lowers_the_loss(dataset):
    s = Session(dict(dataset=dataset))
    start = s.history["train_loss"][-1]
    assert s.train_steps(300, record_every=10)
    assert s.step_count == 300
    assert s.history["train_loss"][-1] < 0.5 * start
    assert s.test_accuracy > 0.9


def test_reset_reproduces_the_initial_weights_bit_exactly():
    s = Session(dict(activation="relu", hidden_layers=3))
    initial = params(s.model)
    for _ in range(5):
        step(s)
    s.train_steps(50)
    assert not same_bits(initial, params(s.model))
    s.reset()
    assert s.step_count == 0
    assert same_bits(initial, params(s.model))
    assert same_bits(initial, Session(s.config).initial_parameters())
    # and the same batches afterwards
    s.train_steps(20)
    q = Session(s.config)
    q.train_steps(20)
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
    assert not s.train_steps(2000, record_every=10)
    assert s.diverged is not None and "lower the learning rate" in s.diverged and "diverged" in s.diverged
    assert s.step_count < 2000
    assert all(np.isfinite(w).all() for w in s.model.parameters().values())
    for key in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        assert np.isfinite(s.history[key]).all()
    assert np.isfinite(s.phi_norms).all() and np.isfinite(s.dW_norms).all()
    figure = PlaygroundFigure(s, grid=20, dpi=40)
    figure.update()
    assert figure.boundary.get_array().max() <= 1 and np.isfinite(figure.boundary.get_array()).all()
    steps = s.step_count
    assert not step(s) and s.step_count == steps  # stays stopped …
    s.update(learning_rate=0.01)  # … until the learning rate changes (may try again)
    assert s.diverged is None
    s.reset()  # the kept weights are finite but may be huge: Reset starts over
    assert step(s) and s.train_steps(100) and s.diverged is None


# ----------------------------------------------------------------------
# the numbers and the figure
def test_live_playground_displays_as_its_own_widget():
    w = Playground()
    assert w._repr_mimebundle_()[0]["application/vnd.jupyter.widget-view+json"]["model_id"] == w.model_id


def test_numbers_text_prints_the_step_next_to_eqs_1_to_4():
    s = Session(dict(hidden_layers=1, units=3))
    assert "No step yet" in s.numbers_text()
    step(s)
    text = s.numbers_text()
    for eq in ("Eq. (1)", "Eq. (2)", "Eq. (3)", "Eq. (4)"):
        assert eq in text
    g = s.last_grads
    assert np.array2string(g.db[2].T, precision=4, floatmode="maxprec") in text.replace("\n      ", "\n")
    assert "Eq. (3)" in s.numbers_html() and s.numbers_html().startswith("<pre")


def test_digits_and_regression_have_their_own_data_panels():
    digits = Session(dict(dataset="digits", pairing="softmax+cce", hidden_layers=1, units=16))
    figure = PlaygroundFigure(digits, grid=20, dpi=40)
    assert figure.mode == "confusion"
    digits.train_steps(30)
    figure.update()
    assert digits.confusion_matrix().sum() == digits.test.m
    sine = Session(dict(dataset="sine", pairing="identity+mse"))
    figure = PlaygroundFigure(sine, grid=20, dpi=40)
    assert figure.mode == "regression"
    sine.train_steps(30)
    figure.update()
    assert np.isfinite(figure.curve.get_ydata()).all()


def test_figure_is_updated_in_place_not_rebuilt():
    s = Session()
    figure = PlaygroundFigure(s)
    figure.png()
    fig, image = figure.fig, figure.boundary
    draws = figure.full_draws
    for _ in range(8):
        step(s)
        figure.update()
        figure.png()
    assert figure.fig is fig and figure.boundary is image
    assert figure.full_draws - draws <= 2  # axis limits snap to coarse steps: mostly blitting


def test_reset_clears_the_gradient_norm_curves():
    s = Session()
    figure = PlaygroundFigure(s, grid=20, dpi=40)
    s.train_steps(30)
    figure.update()
    assert all(len(line.get_xdata()) > 0 for line in figure.phi_lines)
    s.reset()
    figure.update()
    assert all(len(line.get_xdata()) == 0 for line in (*figure.phi_lines, *figure.dw_lines))


# ----------------------------------------------------------------------
# the recording for the static site
def test_recorded_training_animation_is_self_contained():
    frames = record_training(dict(dataset="xor"), steps=40, every=10)
    assert [f.step for f in frames] == [0, 10, 20, 30, 40]
    assert frames[-1].train_loss[-1] < frames[0].train_loss[0]
    html = training_animation(dict(dataset="xor"), steps=40, frames=4, dpi=40)
    assert "<script" in html and "data:image/jpeg;base64" in html
    assert "http://" not in html and "https://" not in html  # no CDN
    assert len(html) < 2_000_000
    # the first frame is in the <img> itself (a picture before the player's script runs), with alt text
    img = re.search(r"<img[^>]*_anim_img[^>]*>", html).group(0)
    assert 'src="data:image/jpeg;base64,' in img and "alt=" in img and "\\" not in img


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
    plain.train_steps(300)
    penalized.train_steps(300)
    size = lambda s: sum(float(np.abs(w).sum()) for w in s.model.W[1:])  # noqa: E731
    assert size(penalized) < 0.9 * size(plain)
    again = PlaygroundConfig.from_json(penalized.config.to_json())
    assert (again.regularization, again.regularization_rate) == (kind, 0.03)
    with pytest.raises(ValueError, match=r"expected regularization to be one of \['none', 'l1', 'l2'\], got 'l3'"):
        base.replace(regularization="l3")
    with pytest.raises(ValueError, match="expected regularization_rate"):
        base.replace(regularization_rate=-1)
