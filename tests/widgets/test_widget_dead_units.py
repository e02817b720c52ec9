"""The dead-units widget, driven without a browser."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_lib.widgets.dead_units import DeadUnits, DeadUnitsView


def test_dead_units_have_zero_gradient_and_frozen_weights():
    run = DeadUnits(learning_rate=0.1, units=16, seed=0)
    run.train(100)
    assert run.diverged is None
    dead = run.dead_units()
    j = run.watched_layers[-1]
    assert dead[j].any(), "this seed has dead units in the last hidden layer"
    g = run.model._gradients(run.session._x, run.session._y)
    assert np.all(g.phi[j][dead[j]] == 0)
    assert np.all(g.dW[j][dead[j]] == 0) and np.all(g.db[j][dead[j]] == 0)
    assert np.all(g.dW[j + 1][:, dead[j]] == 0)


def test_first_layer_dead_units_stay_dead():
    run = DeadUnits(learning_rate=1.0, units=16, seed=1)
    run.train(100)
    mask = run.dead_units()[1]
    before = run.model.W[1][mask].copy()
    run.train(50)
    assert np.all(run.dead_units()[1][mask])
    assert np.array_equal(run.model.W[1][mask], before)


def test_history_and_reset():
    run = DeadUnits(learning_rate=0.1, units=8, seed=0)
    assert run.steps == [0] and len(run.dead_history) == 1
    run.train(25, record_every=10)
    assert run.steps == [0, 10, 20, 25]
    assert all(len(d) == len(run.watched_layers) for d in run.dead_history)
    w1 = run.model.W[1].copy()
    run.reset()
    assert run.steps == [0] and not np.array_equal(w1, run.model.W[1])


def test_relu_output_is_watched():
    run = DeadUnits(pairing="relu+mse", seed=2)
    assert run.watched_layers == [1, 2, 3]


def test_high_learning_rate_kills_more_units():
    def dead(lr):
        fractions = []
        for seed in range(3):
            run = DeadUnits(learning_rate=lr, units=16, seed=seed)
            run.train(300, record_every=100)
            fractions.append(np.mean(run.dead_fractions()))
        return np.mean(fractions)

    assert dead(1.0) > dead(0.01)


def test_widget_controls_and_buttons():
    w = DeadUnitsView(learning_rate=0.1, units=8, seed=0, train_steps=30)
    first = w.image.value
    assert first[:4] == b"\x89PNG"
    w.step()
    assert w.run.session.step_count == 10 and "step 10" in w.status.value
    w.train()
    assert w.run.session.step_count == 40
    assert w.image.value != first
    w.reset()
    assert w.run.session.step_count == 0
    w.units.value = 12
    assert w.run.model.sizes[1] == 12 and w.run.session.step_count == 0
    w.learning_rate.value = 0.5
    assert w.run.config.learning_rate == pytest.approx(0.5)
    w.seed.value = 3
    assert w.run.config.seed == 3
    for control in (w.learning_rate, w.units, w.seed, w.step_button, w.train_button, w.reset_button):
        assert control.description
