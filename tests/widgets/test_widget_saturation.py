"""The sigmoid-saturation widget, driven without a browser."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_lib.widgets.saturation import Saturation, SaturationView, output_errors


def test_output_errors_formulas():
    z = np.linspace(-8, 8, 33)
    for y in (0, 1):
        out = output_errors(z, y)
        s = 1 / (1 + np.exp(-z))
        np.testing.assert_allclose(out["sigma"], s)
        np.testing.assert_allclose(out["dsigma"], s * (1 - s))
        np.testing.assert_allclose(out["phi_bce"], s - y)
        np.testing.assert_allclose(out["phi_mse"], 2 * (s - y) * s * (1 - s))
    assert np.max(output_errors(z, 1)["dsigma"]) <= 0.25


def test_bce_escapes_saturation_and_mse_does_not():
    race = Saturation(logit=-6.0, target=1, learning_rate=1.0)
    race.step(50)
    assert race.error("bce") < 0.1
    assert race.error("mse") > 0.9
    assert race.history["step"][-1] == 50 and len(race.history["mse"]) == 51


def test_race_validates_and_resets():
    with pytest.raises(ValueError, match="expected target 0 or 1"):
        Saturation(target=2)
    race = Saturation(logit=3.0, target=0)
    race.step(3)
    race.reset()
    assert race.z == {"mse": 3.0, "bce": 3.0}


def test_widget_controls_and_buttons():
    w = SaturationView(train_steps=20)
    first = w.image.value
    assert first[:4] == b"\x89PNG"
    w.step()
    assert w.race.history["step"][-1] == 1
    w.train()
    assert w.race.history["step"][-1] == 21 and "step 21" in w.status.value
    assert w.image.value != first
    w.reset()
    assert w.race.history["step"] == [0]
    w.logit.value = 4.0
    assert w.race.z["bce"] == 4.0
    w.target.value = 0
    assert w.race.target == 0
    w.learning_rate.value = 2.0
    assert w.race.learning_rate == pytest.approx(2.0)
    for control in (w.logit, w.target, w.learning_rate, w.step_button, w.train_button, w.reset_button):
        assert control.description
