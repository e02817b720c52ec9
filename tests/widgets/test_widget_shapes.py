"""The shape explorer: mlp_lib's :func:`shape_rows`, and the page that measures the same shapes in the browser.

The page (``web/shapes.js`` on the browser engine) is never trusted: its shapes are measured under
node on random networks and batches and compared with those of mlp_lib's arrays, and the widget is
mounted in Chromium to move its sliders, by mouse and by keyboard, at desktop and phone widths.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import traitlets

from mlp_lib.widgets.shapes import MAX_BATCH, MAX_HIDDEN_LAYERS, MAX_UNITS, ShapesView, layer_sizes, shape_rows

from helpers import NODE, PHONE, run_node

DRIVER = Path(__file__).resolve().parent / "explorer_driver.mjs"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
N_SETUPS = 30
KEYS = ("W", "b", "z", "a", "phi", "dW", "db")


# ----------------------------------------------------------------------
# the logic (mlp_lib's reference)
# ----------------------------------------------------------------------
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


# ----------------------------------------------------------------------
# the page's shapes, under node, against mlp_lib's
# ----------------------------------------------------------------------
def random_setups(n: int, seed: int = 2) -> list:
    """(n_0, hidden layers, units, n_J, m) over the sliders' ranges, the smallest and largest included."""
    rng = np.random.default_rng(seed)
    setups = [(1, 0, 1, 1, 1), (MAX_UNITS, MAX_HIDDEN_LAYERS, MAX_UNITS, MAX_UNITS, MAX_BATCH)]
    lows, highs = [1, 0, 1, 1, 1], [MAX_UNITS, MAX_HIDDEN_LAYERS, MAX_UNITS, MAX_UNITS, MAX_BATCH]
    while len(setups) < n:
        setups.append(tuple(int(v) for v in rng.integers(lows, np.add(highs, 1))))
    return setups


def as_lists(rows) -> list:
    return [{k: list(v) if isinstance(v, tuple) else v for k, v in row.items()} for row in rows]


@needs_node
def test_page_shapes_are_mlp_libs_on_random_setups(tmp_path):
    module = tmp_path / "shapes_esm.mjs"
    module.write_text(ShapesView._esm, encoding="utf-8")
    setups = random_setups(N_SETUPS)
    tasks = []
    for n0, hidden, units, nJ, m in setups:
        tasks.append({"fn": "shpLayerSizes", "args": [n0, hidden, units, nJ]})
        tasks.append({"fn": "shpRows", "args": [layer_sizes(n0, hidden, units, nJ), m]})
    results = run_node(DRIVER, module, tasks)
    for k, (n0, hidden, units, nJ, m) in enumerate(setups):
        sizes = layer_sizes(n0, hidden, units, nJ)
        assert results[2 * k] == sizes
        assert results[2 * k + 1] == as_lists(shape_rows(sizes, m)), (sizes, m)
    print(f"\n{N_SETUPS} setups: every shape of the page equals mlp_lib's")


# ----------------------------------------------------------------------
# Python: the setup is checked, the table is read back
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad, message",
    [
        ({"n_inputs": 0}, "expected n_inputs in 1 … 16, got 0"),
        ({"hidden_layers": 5}, "expected hidden_layers in 0 … 4, got 5"),
        ({"units": 17}, "expected units in 1 … 16"),
        ({"n_outputs": 2.0}, "expected n_outputs to be an integer"),
        ({"m": 65}, "expected m in 1 … 64, got 65"),
    ],
)
def test_constructor_refuses_bad_sizes(bad, message):
    with pytest.raises(ValueError, match=message):
        ShapesView(**bad)


def test_traits_refuse_bad_values_and_shapes_read_back():
    view = ShapesView(n_inputs=2, hidden_layers=1, units=3, n_outputs=1, m=4)
    with pytest.raises(traitlets.TraitError, match="could not set m: expected m in 1 … 64"):
        view.m = 0
    assert view.sizes == [2, 3, 1] and view.m == 4
    view.hidden_layers = 2
    assert view.sizes == [2, 3, 3, 1]
    assert view.shapes().rows == shape_rows([2, 3, 3, 1], 4)


# ----------------------------------------------------------------------
# the page in Chromium
# ----------------------------------------------------------------------
def table(page) -> list:
    """The table's cells, row by row (the header row first)."""
    return page.eval_on_selector_all(".shp-scroll tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))")


def layer_table(rows) -> list:
    """What the page's table shows for :func:`shape_rows`' rows, one row per layer (without the header)."""
    fmt = lambda shape: f"({shape[0]}, {shape[1]})" if shape else "—"  # noqa: E731
    return [["0 (input x)" if row["j"] == 0 else str(row["j"])] + [fmt(row.get(key)) for key in KEYS] for row in rows]


@pytest.mark.browser
def test_sliders_change_the_table_and_python_reads_it_back(mount_widget):
    page = mount_widget(ShapesView(n_inputs=2, hidden_layers=1, units=3, n_outputs=1, m=4))
    assert table(page)[1:] == layer_table(shape_rows([2, 3, 1], 4))
    assert "J = 2" in page.locator(".ui-status").inner_text()
    for label, value in [
        ("inputs n₀", 5),
        ("hidden layers (J − 1)", 3),
        ("units per hidden layer", 7),
        ("outputs n_J", 2),
        ("batch size m", 9),
    ]:
        before = table(page)
        page.get_by_label(label).fill(str(value))
        assert table(page) != before, label
    assert "J = 4" in page.locator(".ui-status").inner_text()
    names = ["n_inputs", "hidden_layers", "units", "n_outputs", "m"]
    traits = page.evaluate(f"{names}.map(k => window.__model.get(k))")
    assert traits == [5, 3, 7, 2, 9]
    view = ShapesView(**dict(zip(names, traits)))
    assert table(page)[1:] == layer_table(view.shapes().rows)
    page.evaluate("window.__model.set('m', 1)")  # as Python's view.m = 1 after display
    assert page.get_by_label("batch size m").input_value() == "1"
    assert table(page)[1:] == layer_table(shape_rows(view.sizes, 1))


@pytest.mark.browser
def test_keyboard_reaches_and_works_every_slider(mount_widget):
    page = mount_widget(ShapesView())
    labels = ["inputs n₀", "hidden layers (J − 1)", "units per hidden layer", "outputs n_J", "batch size m"]
    reached = []
    for _ in labels:
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.labels?.[0]?.textContent"))
    assert reached == labels
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # the focus is visible
    for label in labels:
        page.get_by_label(label).focus()
        page.keyboard.press("ArrowRight")
    names = ["n_inputs", "hidden_layers", "units", "n_outputs", "m"]
    assert page.evaluate(f"{names}.map(k => window.__model.get(k))") == [4, 2, 5, 3, 6]
    assert table(page)[1:] == layer_table(shape_rows([4, 5, 5, 3], 6))
    page.keyboard.press("Tab")  # the table's scroll region comes next, for a keyboard to scroll it
    assert page.evaluate("document.activeElement.getAttribute('role')") == "region"


@pytest.mark.browser
def test_phone_shows_the_whole_table_one_row_per_array(mount_widget):
    page = mount_widget(ShapesView(), viewport=PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    cells = table(page)
    assert cells[0] == ["array", "j = 0 (x)", "j = 1", "j = 2"]
    assert cells[1] == ["wj", "—", "(4, 3)", "(2, 4)"]
    assert page.evaluate(
        "(() => { const s = document.querySelector('.shp-scroll'); return s.scrollWidth <= s.clientWidth; })()"
    )
