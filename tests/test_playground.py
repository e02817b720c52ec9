"""The training playground, driven without a browser.

Controls are set by assigning ``.value`` (which fires the same observers a click
does) and buttons are pressed by calling the methods their ``on_click`` runs.
"""

from __future__ import annotations

import re

import asyncio
import json

import ipywidgets as W
import numpy as np
import pytest

from mlp_lib.widgets import Playground, PlaygroundConfig, Session, record_training, training_animation
from mlp_lib.widgets.playground import iter_widgets
from mlp_lib.widgets.session import DATASET_LABELS, HIDDEN_ACTIVATIONS, PAIRINGS, REGRESSION_DATASETS

CLASSIFICATION = [d for d in DATASET_LABELS if d not in REGRESSION_DATASETS]


def params(model):
    return {k: v.copy() for k, v in model.parameters().items()}


def same_bits(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k].tobytes() == b[k].tobytes() for k in a)


@pytest.fixture(scope="module")
def pg():
    return Playground()


# ----------------------------------------------------------------------
# config
def test_config_round_trips_through_dict_and_json():
    cfg = PlaygroundConfig(dataset="spiral", classes=4, hidden_layers=3, units=12, activation="relu",
                           pairing="softmax+cce", learning_rate=0.05, batch_size=32, seed=7)
    assert PlaygroundConfig.from_dict(cfg.to_dict()) == cfg
    assert PlaygroundConfig.from_json(cfg.to_json()) == cfg
    assert json.loads(cfg.to_json())["noise"] == 0.2  # None became the data set's default
    assert PlaygroundConfig.coerce(None) == PlaygroundConfig()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"dataset": "iris"}, "expected dataset to be one of ['moons', 'circles', 'xor', 'spiral', 'blobs', 'digits', 'sine'], got 'iris'"),
        ({"activation": "softmax"}, "expected activation to be one of ['relu', 'tanh', 'sigmoid', 'identity']"),
        ({"pairing": "tanh+mse"}, "expected pairing to be one of ['sigmoid+bce', 'softmax+cce', 'identity+mse', 'relu+mse']"),
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
def test_widget_trains_every_dataset_from_its_controls(pg, dataset):
    pg.controls["dataset"].value = dataset
    assert pg.get_config().dataset == dataset and pg.session.step_count == 0
    assert pg.step() and pg.step()
    assert pg.session.step_count == 2
    assert pg.image.value[:4] == b"\x89PNG"
    # pairings and activations through their controls on a few data sets (every
    # dataset × pairing × activation runs on Session above, without drawing)
    if dataset not in ("blobs", "sine"):
        return
    for pairing, spec in PAIRINGS.items():
        if dataset in REGRESSION_DATASETS and spec[1] != "mse":
            before = pg.get_config().pairing
            pg.controls["pairing"].value = pairing  # refused with a message, not an exception
            assert pg.get_config().pairing == before and "needs an MSE pairing" in pg.status.value
            continue
        pg.controls["pairing"].value = pairing
        pg.controls["activation"].value = HIDDEN_ACTIVATIONS[list(PAIRINGS).index(pairing)]
        assert pg.get_config().pairing == pairing
        assert pg.step() and pg.session.step_count == 1


# ----------------------------------------------------------------------
# learning, reset, sharing a setup
@pytest.mark.parametrize("dataset", ["xor", "moons"])
def test_training_lowers_the_loss(dataset):
    p = Playground(dataset=dataset, sync_steps=300)
    start = p.session.history["train_loss"][-1]
    p.toggle_training()  # no event loop here: trains sync_steps steps at once
    assert p.session.step_count == 300
    assert p.session.history["train_loss"][-1] < 0.5 * start
    assert p.session.test_accuracy > 0.9


def test_reset_reproduces_the_initial_weights_bit_exactly():
    p = Playground(activation="relu", hidden_layers=3)
    initial = params(p.session.model)
    for _ in range(5):
        p.step()
    p.train(50)
    assert not same_bits(initial, params(p.session.model))
    p.reset()
    assert p.session.step_count == 0
    assert same_bits(initial, params(p.session.model))
    assert same_bits(initial, Session(p.get_config()).initial_parameters())
    # and the same batches afterwards
    p.train(20)
    q = Playground(p.get_config())
    q.train(20)
    assert same_bits(params(p.session.model), params(q.session.model))


def test_config_shown_by_the_widget_round_trips_to_an_identical_state(pg):
    pg.set_config(dict(dataset="blobs", classes=4, hidden_layers=1, units=5, seed=3, pairing="sigmoid+bce"))
    shown = pg.config_text.value
    assert PlaygroundConfig.from_json(shown) == pg.get_config()
    other = Playground(shown)
    assert other.get_config() == pg.get_config()
    assert same_bits(params(other.session.model), params(pg.session.model))
    assert np.array_equal(other.session.train.x, pg.session.train.x)
    # pasting into another playground's Config box and pressing Apply does the same
    third = Playground()
    third.config_text.value = shown
    assert third.apply_config_text()
    assert same_bits(params(third.session.model), params(pg.session.model))
    shown_by_controls = {k: c.value for k, c in third.controls.items()}
    assert shown_by_controls == {k: v for k, v in pg.get_config().to_dict().items() if k in third.controls}
    third.config_text.value = '{"dataset": "iris"}'
    assert not third.apply_config_text()
    assert "expected dataset to be one of" in third.status.value


def test_divergence_shows_a_message_and_stops_without_nan():
    p = Playground(learning_rate=10.0, activation="relu", hidden_layers=4, units=16, pairing="identity+mse",
                   sync_steps=2000)
    p.toggle_training()
    s = p.session
    assert s.diverged is not None and "lower the learning rate" in s.diverged
    assert s.step_count < 2000 and not p.is_training
    assert "Training stopped" in p.status.value and "diverged" in p.status.value
    assert all(np.isfinite(w).all() for w in s.model.parameters().values())
    for key in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        assert np.isfinite(s.history[key]).all()
    assert np.isfinite(s.phi_norms).all() and np.isfinite(s.dW_norms).all()
    assert p.figure.boundary.get_array().max() <= 1 and np.isfinite(p.figure.boundary.get_array()).all()
    steps = s.step_count
    assert not p.step() and s.step_count == steps  # stays stopped …
    p.controls["learning_rate"].value = 0.01  # … until the learning rate changes (may try again)
    assert s.diverged is None and "Training stopped" not in p.status.value
    p.reset()  # the kept weights are finite but may be huge: Reset starts over
    assert p.step() and p.train(100) and s.diverged is None


# ----------------------------------------------------------------------
# the widget tree and the views
def test_widget_tree_has_every_control_labelled(pg):
    tree = list(iter_widgets(pg.widget))
    controls = [w for w in tree if isinstance(w, (W.ValueWidget, W.Button)) and not isinstance(w, (W.HTML, W.Image))]
    assert len(controls) >= 16
    for w in controls:
        assert w.description, f"unlabelled control {type(w).__name__}"
    assert set(pg.controls) <= set(PlaygroundConfig().to_dict())
    labels = {w.description for w in tree if isinstance(w, W.Button)}
    assert {"Step", "Train", "Reset"} <= labels
    assert pg._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]["model_id"] == pg.widget.model_id


def test_numbers_panel_prints_the_step_next_to_eqs_1_to_4():
    p = Playground(hidden_layers=1, units=3)
    p.show_numbers.value = True
    assert "No step yet" in p.numbers.value
    p.step()
    text = p.session.numbers_text()
    for eq in ("Eq. (1)", "Eq. (2)", "Eq. (3)", "Eq. (4)"):
        assert eq in text
    g = p.session.last_grads
    assert np.array2string(g.db[2].T, precision=4, floatmode="maxprec") in text.replace("\n      ", "\n")
    assert p.numbers.layout.display != "none" and "Eq. (3)" in p.numbers.value


def test_digits_and_regression_have_their_own_data_panels():
    digits = Playground(dataset="digits", pairing="softmax+cce", hidden_layers=1, units=16)
    assert digits.figure.mode == "confusion"
    digits.train(30)
    assert digits.session.confusion_matrix().sum() == digits.session.test.m
    sine = Playground(dataset="sine", pairing="identity+mse")
    assert sine.figure.mode == "regression"
    sine.train(30)
    assert np.isfinite(sine.figure.curve.get_ydata()).all()


def test_figure_is_updated_in_place_not_rebuilt():
    p = Playground()
    fig, image = p.figure.fig, p.figure.boundary
    draws = p.figure.full_draws
    for _ in range(8):
        p.step()
    assert p.figure.fig is fig and p.figure.boundary is image
    assert p.figure.full_draws - draws <= 2  # axis limits snap to coarse steps: mostly blitting


def test_train_pause_runs_on_the_event_loop_and_pause_stops_it():
    p = Playground()

    async def scenario():
        p.toggle_training()
        assert p.is_training and p.train_button.description == "Pause"
        await asyncio.sleep(0.3)  # the loop is free: the task trains and redraws meanwhile
        steps = p.session.step_count
        p.toggle_training()  # Pause, as a click would
        await p._task
        return steps

    steps = asyncio.run(scenario())
    assert steps > 0 and not p.is_training and p.train_button.description == "Train"
    assert p.session.step_count >= steps


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


def test_reset_clears_the_gradient_norm_curves():
    from mlp_lib.widgets import Playground

    p = Playground()
    p.train(30)
    assert all(len(line.get_xdata()) > 0 for line in p.figure.phi_lines)
    p.reset()
    assert all(len(line.get_xdata()) == 0 for line in (*p.figure.phi_lines, *p.figure.dw_lines))


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
