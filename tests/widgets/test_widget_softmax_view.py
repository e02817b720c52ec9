"""The softmax widget (logits → probabilities → ϕ^J = a^J − y), driven without a browser."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_lib.widgets.softmax_view import SoftmaxOutput, SoftmaxOutputView, draw_state


def test_state_is_softmax_minus_one_hot():
    s = SoftmaxOutput([2.0, 1.0, -1.0], 1)
    e = np.exp([2.0, 1.0, -1.0])
    np.testing.assert_allclose(s.probabilities, e / e.sum(), rtol=1e-14)
    np.testing.assert_array_equal(s.target, [0.0, 1.0, 0.0])
    np.testing.assert_allclose(s.phi, s.probabilities - s.target, atol=1e-15)
    assert abs(s.phi.sum()) < 1e-14  # both a^J and y sum to 1
    assert s.loss == pytest.approx(-np.log(s.probabilities[1]), rel=1e-12)


def test_state_is_stable_for_huge_logits():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        s = SoftmaxOutput([1e4, -1e4, 0.0], 1)
    assert np.all(np.isfinite(s.probabilities)) and np.isfinite(s.loss)
    assert s.loss == pytest.approx(2e4)  # log Σ e^z ≈ 1e4, minus z_γ = −1e4


@pytest.mark.parametrize("logits, cls", [([1.0], 0), ([1.0, np.nan], 0), ([1.0, 2.0], 2), ([1.0, 2.0], True)])
def test_state_refuses_bad_input(logits, cls):
    with pytest.raises(ValueError, match="expected"):
        SoftmaxOutput(logits, cls)


def test_draw_returns_png():
    assert draw_state(SoftmaxOutput([0.0, 0.0, 0.0], 0))[:8] == b"\x89PNG\r\n\x1a\n"


def test_controls_drive_the_view():
    view = SoftmaxOutputView()
    assert all(s.description for s in view.sliders) and view.class_dropdown.description
    before_png, before_loss = view.image.value, view.logic.loss
    view.sliders[1].value = 5.0  # raise the true class's logit: its probability goes up, the loss down
    assert view.logic.loss < before_loss
    assert view.logic.phi[1] > -0.1 and view.image.value != before_png
    view.class_dropdown.value = 2  # now class 2 (counting from 0) is the truth and has a low logit: large loss
    assert view.logic.true_class == 2
    np.testing.assert_array_equal(view.logic.target, [0.0, 0.0, 1.0])
    assert view.logic.loss > 5.0
    assert view.logic.phi[2] < -0.9
    assert "loss" in view.status.description
