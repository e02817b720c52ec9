"""The Eq. (1) explorer, driven without a browser."""

from __future__ import annotations

import pytest

from mlp_lib.widgets.output_error import OUTPUT_PAIRINGS, OutputError, OutputErrorView


@pytest.mark.parametrize("pairing", list(OUTPUT_PAIRINGS))
def test_phi_is_product_of_factors_and_slope_of_loss(pairing):
    m = OutputError(pairing, z=0.7, y=0.3)
    f = m.factors()
    assert f["phi"] == pytest.approx(f["grad_a"] * f["dsigma"], rel=1e-12)
    eps = 1e-6
    slope = (m.loss_at(0.7 + eps) - m.loss_at(0.7 - eps)) / (2 * eps)
    assert f["phi"] == pytest.approx(slope, rel=1e-6)


def test_steps_lower_the_loss():
    m = OutputError("sigmoid+bce", z=3.0, y=0.0, learning_rate=1.0)
    m.step(20)
    assert len(m.history["loss"]) == 21
    assert m.history["loss"][-1] < m.history["loss"][0]
    assert m.z < 3.0


def test_bad_pairing_is_refused():
    with pytest.raises(ValueError, match="expected a pairing"):
        OutputError("softmax+cce")


def test_explorer_controls_and_buttons():
    e = OutputErrorView(train_steps=5)
    first = e.image.value
    assert first[:4] == b"\x89PNG"
    e.step()
    assert e.logic.history["step"][-1] == 1
    e.train()
    assert e.logic.history["step"][-1] == 6
    assert e.image.value != first
    e.reset()
    assert e.logic.history["step"] == [0] and e.logic.z == 3.0
    e.controls["pairing"].value = "tanh+mse"
    assert e.logic.activation.name == "tanh"
    e.controls["y"].value = 1.0
    assert e.logic.y == 1.0
    e.controls["z"].value = -1.0
    assert e.logic.z == -1.0 and e.logic.history["step"] == [0]
    e.controls["learning_rate"].value = 0.1
    assert e.logic.learning_rate == pytest.approx(0.1)
    assert "ϕ" in e.status.value
    for c in e.controls.values():
        assert c.description
