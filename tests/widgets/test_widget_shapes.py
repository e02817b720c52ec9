"""The shape explorer, driven without a browser."""

from __future__ import annotations

import pytest

from mlp_lib.widgets.shapes import ShapesView, layer_sizes, shape_rows, shape_table_html


def test_shape_rows_follow_the_column_convention():
    rows = shape_rows([3, 4, 2], m=5)
    assert rows[0] == {"j": 0, "a": (3, 5)}
    one, two = rows[1], rows[2]
    assert one["W"] == one["dW"] == (4, 3)
    assert one["b"] == one["db"] == (4, 1)
    assert one["z"] == one["a"] == one["phi"] == (4, 5)
    assert two["W"] == two["dW"] == (2, 4)
    assert two["z"] == two["a"] == two["phi"] == (2, 5)


def test_layer_sizes_and_bad_batch():
    assert layer_sizes(2, 0, 7, 1) == [2, 1]
    assert layer_sizes(2, 3, 7, 1) == [2, 7, 7, 7, 1]
    with pytest.raises(ValueError):
        shape_rows([2, 1], m=0)


def test_table_html_has_a_row_per_layer():
    html = shape_table_html(shape_rows([2, 3, 3, 1], m=4))
    assert html.count("<tr>") == 1 + 1 + 3
    assert "(3, 2)" in html and "(1, 4)" in html


def test_sliders_update_the_table():
    ex = ShapesView(n_inputs=2, hidden_layers=1, units=3, n_outputs=1, m=4)
    assert ex.sizes == [2, 3, 1]
    assert "(3, 2)" in ex.table.value
    ex.controls["m"].value = 9
    assert "(3, 9)" in ex.table.value
    ex.controls["hidden_layers"].value = 2
    assert ex.sizes == [2, 3, 3, 1]
    assert ex.table.value.count("<tr>") == 1 + 1 + 3
    ex.controls["units"].value = 5
    assert "(5, 5)" in ex.table.value  # w^2 of a 5-unit hidden layer after another one
    assert "J = 3" in ex.status.value


def test_every_control_has_a_description():
    ex = ShapesView()
    assert all(c.description for c in ex.controls.values())
