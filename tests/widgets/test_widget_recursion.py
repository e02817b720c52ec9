"""The Eq. (2) backward-pass stepper, driven without a browser."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_lib.widgets.recursion import Recursion, RecursionView


def test_stepping_reproduces_the_library_backward_pass():
    s = Recursion(hidden_layers=3, units=3, activation="tanh", seed=1)
    assert s.current == s.J and np.isnan(s.norms()[0])
    assert s.next_layer() and s.current == s.J - 1
    s.full_pass()
    assert s.done and not s.next_layer()
    g = s.model.gradients(s.x, s.y)
    for j in range(1, s.J + 1):
        np.testing.assert_allclose(s.phi[j], g.phi[j], rtol=1e-12, atol=1e-15)


def test_parts_multiply_to_phi():
    s = Recursion(hidden_layers=2, units=4, activation="relu", seed=0)
    assert s.parts() is None  # output layer: Eq. (1), not Eq. (2)
    s.next_layer()
    p = s.parts()
    np.testing.assert_allclose(p["back"] * p["dsigma"], p["phi"])


def test_sigmoid_signal_shrinks_backwards():
    s = Recursion(hidden_layers=5, units=4, activation="sigmoid", seed=0)
    s.full_pass()
    n = s.norms()
    assert n[0] < n[-1] / 100


def test_training_lowers_the_loss_and_restarts_the_pass():
    s = Recursion(hidden_layers=2, units=8, activation="tanh", seed=0, learning_rate=0.5)
    before = s.loss()
    s.full_pass()
    assert s.train(50)
    assert s.steps == 50 and s.current == s.J
    assert s.loss() < before


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="expected activation"):
        Recursion(activation="softmax")
    with pytest.raises(ValueError, match="expected hidden_layers"):
        Recursion(hidden_layers=0)


def test_explorer_controls_and_buttons():
    e = RecursionView(hidden_layers=3, units=3, train_steps=10)
    first = e.image.value
    assert first[:4] == b"\x89PNG" and "Eq. (1)" in e.status.value
    e.next_layer()
    assert e.logic.current == e.logic.J - 1 and "ϕ<sub>1</sub><sup>" in e.status.value
    assert e.image.value != first
    e.full_pass()
    assert e.logic.done
    e.next_layer()  # wraps around to a new pass
    assert e.logic.current == e.logic.J
    e.train()
    assert e.logic.steps == 10
    e.controls["learning_rate"].value = 0.01
    assert e.logic.learning_rate == pytest.approx(0.01) and e.logic.steps == 10
    e.controls["hidden_layers"].value = 4
    assert e.logic.J == 5 and e.logic.steps == 0
    e.controls["activation"].value = "relu"
    assert e.logic.model.activations[1].name == "relu"
    e.controls["units"].value = 2
    assert e.logic.model.sizes[1] == 2
    e.controls["seed"].value = 3
    assert e.logic.seed == 3
    for c in e.controls.values():
        assert c.description


def test_explorer_can_start_with_a_full_pass():
    e = RecursionView(hidden_layers=2, units=2, full_pass=True)
    assert e.logic.done and "ϕ<sub>1</sub><sup>1</sup>" in e.status.value
