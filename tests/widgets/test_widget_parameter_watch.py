"""The parameter watch (Eqs. 3 and 4 at work), driven without a browser."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_lib.widgets.parameter_watch import ParameterWatch, ParameterWatchView, animation_html


@pytest.mark.parametrize("kind, layer, i, k", [("W", 1, 2, 1), ("W", 2, 1, 3), ("b", 1, 3, 1), ("b", 2, 1, 1)])
def test_gradient_rebuilt_from_phi_and_update_rule(kind, layer, i, k):
    w = ParameterWatch(kind, layer, i, k, units=4, learning_rate=0.3, n=60)
    assert w.step(5)
    h = w.history
    np.testing.assert_allclose(h["rebuilt"], h["gradient"], rtol=1e-10, atol=1e-14)
    for t in range(5):  # θ_{t+1} = θ_t − η ∂L/∂θ_t
        assert h["value"][t + 1] == pytest.approx(h["value"][t] - 0.3 * h["gradient"][t], rel=1e-12, abs=1e-15)
    assert h["loss"][-1] < h["loss"][0]


def test_reset_gives_the_same_start():
    w = ParameterWatch("W", 1, 1, 2, n=60)
    v0 = w.value()
    w.step(3)
    assert w.value() != v0
    w.reset()
    assert w.value() == v0 and w.steps == 0 and len(w.history["value"]) == 1


def test_bad_selection_is_refused():
    with pytest.raises(ValueError, match="expected kind"):
        ParameterWatch("z")
    with pytest.raises(ValueError, match="expected i in 1"):
        ParameterWatch("W", 2, 2, 1)
    with pytest.raises(ValueError, match="expected layer in 1"):
        ParameterWatch("b", 3, 1)


def test_animation_is_self_contained_html():
    html = animation_html(ParameterWatch("b", 2, 1, n=40), steps=6, frames=3, dpi=30)
    assert "<script" in html and "data:image/png;base64" in html and "http" not in html.split("<script")[0]


@pytest.mark.parametrize("kind", ["W", "b"])
def test_explorer_controls_and_buttons(kind):
    e = ParameterWatchView(kind=kind, layer=1, i=1, k=1, train_steps=4, n=60)
    first = e.image.value
    assert first[:4] == b"\x89PNG"
    e.step()
    assert e.logic.steps == 1
    e.train()
    assert e.logic.steps == 5 and e.image.value != first
    e.controls["layer"].value = 2
    assert e.logic.layer == 2 and e.controls["i"].max == 1 and e.logic.steps == 5
    assert len(e.logic.history["value"]) == 6  # history rebuilt for the new parameter
    if kind == "W":
        assert e.controls["k"].max == e.logic.sizes[1]
        e.controls["k"].value = 3
        assert e.logic.k == 3
    e.controls["learning_rate"].value = 0.01
    assert e.logic.learning_rate == pytest.approx(0.01)
    e.reset()
    assert e.logic.steps == 0
    assert ("Eq. (3)" if kind == "W" else "Eq. (4)") in e.status.value
    for c in e.controls.values():
        assert c.description
