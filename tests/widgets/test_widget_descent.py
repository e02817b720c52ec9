"""The gradient-descent explorer, driven without a browser."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_lib.widgets.descent import START, Descent, DescentView, compare_learning_rates


def test_small_learning_rate_decreases_the_loss_every_step():
    s = Descent(0.05)
    assert s.run(30)
    assert np.all(np.diff(s.losses) < 0)
    assert not s.diverged


def test_learning_rate_beyond_two_over_lambda_max_diverges():
    s = Descent(0.35)
    assert not s.run(200)
    assert s.diverged
    assert s.step() is False  # stays stopped


def test_loss_at_matches_mlp_lib():
    s = Descent(0.1)
    s.run(3)
    w, b = s.params
    assert np.isclose(s.loss_at(w, b), s.model.loss_value(s.x, s.y), rtol=1e-12)


def test_step_uses_backprop_gradient():
    s = Descent(0.1)
    g = s.model.gradients(s.x, s.y)
    w0, b0 = s.params
    s.step()
    w1, b1 = s.params
    assert np.isclose(w1, w0 - 0.1 * g.dW[1][0, 0]) and np.isclose(b1, b0 - 0.1 * g.db[1][0, 0])


def test_reset_returns_to_start():
    s = Descent(0.2)
    s.run(5)
    s.reset()
    assert s.path == [START] and len(s.losses) == 1 and not s.diverged


@pytest.mark.slow  # SymPy or a subprocess per case: seconds each; not in the fast loop
def test_explorer_controls():
    ex = DescentView(learning_rate=0.1, warmup=0)
    assert ex.lr.description and all(b.description for b in (ex.step_button, ex.ten_button, ex.reset_button))
    first = ex.image.value
    ex.step_button.click()
    assert len(ex.logic.path) == 2
    ex.ten_button.click()
    assert len(ex.logic.path) == 12
    assert ex.image.value != first
    ex.lr.value = 0.4
    assert ex.logic.learning_rate == 0.4
    for _ in range(20):
        ex.ten_button.click()
    assert ex.logic.diverged and "diverged" in ex.status.value
    ex.reset_button.click()
    assert len(ex.logic.path) == 1 and not ex.logic.diverged


def test_compare_figure_has_one_panel_per_rate():
    fig = compare_learning_rates((0.05, 0.3), steps=5)
    assert len(fig.axes) == 2
