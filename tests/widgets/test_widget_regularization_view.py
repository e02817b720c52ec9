"""The λ explorer: mlp_lib's :class:`WeightDecayRuns`, and the page that evaluates and draws the runs.

Python trains (mlp_lib) and sends the final weights; the page (``web/regularization_view.js`` on
the browser engine) computes everything it shows from them. It is never trusted: its numbers are
taken under node on random setups and compared with mlp_lib's, and the widget is mounted in
Chromium to move its slider, by mouse and by keyboard, at desktop and phone widths.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import traitlets

from mlp_lib import MLP
from mlp_lib.datasets import Dataset, moons, train_test_split
from mlp_lib.widgets.regularization_view import MAX_RUNS, RegularizationView, WeightDecayRuns

from helpers import NODE, PHONE, run_node

DRIVER = Path(__file__).resolve().parent / "regularization_view_driver.mjs"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
#: the page and mlp_lib evaluate the same weights with the same formulas (sums in another order): rounding only
TOL = 1e-12
N_SETUPS = 24


def small_moons(n=60, seed=3):
    return train_test_split(moons(n=n, noise=0.3, seed=seed), test_fraction=0.5, seed=0)


@pytest.fixture(scope="module")
def view():
    """A small explorer: the last λ decays every weight to 0 (no boundary left), as in the chapter."""
    train, test = small_moons()
    return RegularizationView(train, test, [0.0, 0.003, 0.03, 0.3], layer_sizes=(2, 8, 8, 1), steps=60, grid_columns=40)


# ----------------------------------------------------------------------
# the logic (mlp_lib's reference)
# ----------------------------------------------------------------------
def test_one_step_is_weight_decay_then_the_gradient():
    """After one step every run is w ← (1 − ηλ) w − η ∇_w L and b ← b − η ∇_b L from the common start (Eq. (3) + λw)."""
    train, test = small_moons()
    lambdas, eta = [0.0, 0.1, 0.4], 0.7
    runs = WeightDecayRuns(
        train, test, lambdas, layer_sizes=(2, 5, 1), hidden="relu", steps=1, learning_rate=eta, seed=4
    )
    start = MLP([2, 5, 1], hidden="relu", output="sigmoid", loss="bce", seed=4)
    g = start.gradients(train.x, train.y)
    for lam, model in zip(lambdas, runs.models):
        for j in (1, 2):
            np.testing.assert_allclose(model.W[j], (1 - eta * lam) * start.W[j] - eta * g.dW[j], rtol=1e-13, atol=1e-15)
            np.testing.assert_allclose(model.b[j], start.b[j] - eta * g.db[j], rtol=1e-13, atol=1e-15)


def test_measures_are_the_runs_norms_losses_and_accuracies(view):
    runs = view.runs
    for i, model in enumerate(runs.models):
        m = runs.measures(i)
        assert m["norms"] == pytest.approx([math.sqrt(np.sum(w**2)) for w in model.W[1:]], rel=1e-13)
        assert m["squares"] == pytest.approx(sum(n**2 for n in m["norms"]), rel=1e-13)
        for data, which in [(runs.train, "train"), (runs.test, "test")]:
            p = 1 / (1 + np.exp(-(model.forward(data.x).z[3][0])))  # σ(z^J)
            bce = -np.mean(data.y * np.log(p) + (1 - data.y) * np.log(1 - p))
            assert m[f"{which}_loss"] == pytest.approx(bce, rel=1e-10)
            assert m[f"{which}_accuracy"] == np.mean((p >= 0.5) == (data.y == 1))
    squares = [runs.measures(i)["squares"] for i in range(4)]
    assert all(a > b for a, b in zip(squares, squares[1:]))  # the weights shrink as λ grows
    assert squares[-1] < 1e-20 and runs.measures(3)["train_loss"] == pytest.approx(math.log(2))  # flat: p = 1/2


def test_the_grid_covers_every_point(view):
    runs = view.runs
    x0, x1, y0, y1 = runs.extent
    for data in (runs.train, runs.test):
        assert x0 < data.x[0].min() and data.x[0].max() < x1 and y0 < data.x[1].min() and data.x[1].max() < y1
    rows, columns = runs.grid_shape
    grid = runs.grid()
    assert columns == 40 and grid.shape == (2, rows * columns)
    assert (grid[0, 0], grid[1, 0], grid[0, -1], grid[1, -1]) == (x0, y0, x1, y1)
    assert runs.probability_field(1).shape == (rows, columns)
    assert rows == round(40 * (y1 - y0) / (x1 - x0))


# ----------------------------------------------------------------------
# the page's numbers, under node, against WeightDecayRuns'
# ----------------------------------------------------------------------
def rel(a, b) -> float:
    """max|a − b| / max(max|a|, max|b|, 1e-300): the relative error of two arrays (or numbers)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


def page_state(widget: RegularizationView) -> dict:
    return {k: v for k, v in widget.get_state().items() if not k.startswith("_")}


def run_page(tasks: list, tmp_path: Path) -> list:
    module = tmp_path / "regularization_view_esm.mjs"
    module.write_text(RegularizationView._esm, encoding="utf-8")
    results = run_node(DRIVER, module, tasks)
    for r in results:
        assert "error" not in r, r.get("error")
    return results


def random_setup(rng) -> RegularizationView:
    """Random points of two classes in the plane, λs, architecture, training and grid."""
    m_train, m_test = (int(v) for v in rng.integers(4, 40, size=2))
    centres = rng.normal(scale=2.0, size=(2, 2))

    def points(m, name):
        labels = rng.integers(0, 2, size=m)
        labels[:2] = [0, 1]
        x = centres[:, labels] + rng.normal(scale=rng.uniform(0.3, 2.0), size=(2, m))
        return Dataset(name, x, labels, 2)

    n = int(rng.integers(2, 6))
    lambdas = np.sort(rng.choice([0.0, *10 ** rng.uniform(-4, 0, size=8)], size=n, replace=False))
    hidden = [int(v) for v in rng.integers(1, 9, size=int(rng.integers(1, 3)))]
    return RegularizationView(
        points(m_train, "train"),
        points(m_test, "test"),
        lambdas.tolist(),
        layer_sizes=(2, *hidden, 1),
        hidden=str(rng.choice(["tanh", "relu", "sigmoid"])),
        steps=int(rng.integers(1, 15)),
        learning_rate=float(rng.uniform(0.05, 2.0)),
        seed=int(rng.integers(0, 100)),
        grid_columns=int(rng.integers(2, 30)),
    )


MEASURES = {"norms": "norms", "squares": "squares", "trainLoss": "train_loss", "testLoss": "test_loss"}


@pytest.fixture(scope="module")
def random_pages(tmp_path_factory) -> list:
    """[(widget, selected λ, what the page computes)] for N_SETUPS random setups, in one node run."""
    rng = np.random.default_rng(11)
    views = [random_setup(rng) for _ in range(N_SETUPS)]
    tasks = [{"state": page_state(v), "selected": int(rng.integers(0, len(v.lambdas)))} for v in views]
    pages = run_page(tasks, tmp_path_factory.mktemp("regularization"))
    return [(v, task["selected"], page) for v, task, page in zip(views, tasks, pages)]


@needs_node
def test_page_measures_and_fields_are_mlp_libs(random_pages):
    """Every run's ‖w^j‖, Σ‖w^j‖², both losses and accuracies, the grid and the field, on N_SETUPS random setups."""
    worst, runs_compared = 0.0, 0
    for v, selected, page in random_pages:
        runs = v.runs
        errors = [rel(page["grid"], runs.grid().ravel()), rel(page["field"], runs.probability_field(selected).ravel())]
        for i, shown in enumerate(page["measures"]):
            expected = runs.measures(i)
            errors += [rel(shown[js], expected[py]) for js, py in MEASURES.items()]
            accuracies = (expected["train_accuracy"], expected["test_accuracy"])
            assert (shown["trainAccuracy"], shown["testAccuracy"]) == accuracies
            runs_compared += 1
        worst = max(worst, *errors)
        assert max(errors) <= TOL, (selected, errors)
    print(
        f"\nregularization: {len(random_pages)} random setups ({runs_compared} runs), "
        f"worst relative error {worst:.1e} (tolerance {TOL:g})"
    )


@needs_node
def test_page_boundary_is_where_mlp_libs_field_crosses_one_half(random_pages):
    """Each end of each boundary segment lies on a grid line where mlp_lib's field, linear along that line, is 1/2."""
    checked = 0
    for v, selected, page in random_pages:
        runs = v.runs
        field = runs.probability_field(selected)
        xs, ys = np.linspace(*runs.extent[:2], runs.grid_shape[1]), np.linspace(*runs.extent[2:], runs.grid_shape[0])
        assert bool(page["contour"]) == (field.min() < 0.5 <= field.max())
        for xa, ya, xb, yb in page["contour"]:
            for x, y in ((xa, ya), (xb, yb)):
                on_column = np.isclose(xs, x, rtol=0, atol=1e-12)
                if on_column.any():  # on the column x = xs[c]: interpolate the field along y
                    p = np.interp(y, ys, field[:, np.argmax(on_column)])
                else:
                    p = np.interp(x, xs, field[np.argmax(np.isclose(ys, y, rtol=0, atol=1e-12))])
                assert p == pytest.approx(0.5, abs=1e-9)
                checked += 1
    assert checked > 50


@needs_node
def test_page_boundary_keeps_the_centres_side_of_a_saddle_connected(tmp_path):
    """A cell whose diagonal corners lie on the same side of 1/2: the centre's side joins them."""
    grid = {"extent": [0.0, 1.0, 0.0, 1.0], "shape": [2, 2]}  # corners (x, y): rows y = 0, 1; columns x = 0, 1
    high_centre, low_centre = run_page(
        [{"contour": {"field": f, **grid}} for f in ([0.9, 0.4, 0.4, 0.9], [0.6, 0.1, 0.1, 0.6])], tmp_path
    )
    # centre 0.65 ≥ 1/2, like the corners (0, 0) and (1, 1): the lines cut off the low corners (1, 0) and (0, 1)
    assert segments(high_centre) == {((0.8, 0.0), (1.0, 0.2)), ((0.0, 0.8), (0.2, 1.0))}
    # centre 0.35 < 1/2: the high corners (0, 0) and (1, 1) are cut off
    assert segments(low_centre) == {((0.0, 0.2), (0.2, 0.0)), ((0.8, 1.0), (1.0, 0.8))}


def segments(contour: list) -> set:
    """The segments [xa, ya, xb, yb] as a set of sorted point pairs (rounded), whatever their direction."""
    return {
        tuple(sorted([(round(xa, 12), round(ya, 12)), (round(xb, 12), round(yb, 12))])) for xa, ya, xb, yb in contour
    }


def percent(fraction: float) -> str:
    """A fraction as the page writes it, a whole percentage rounded half up (JavaScript's toFixed(0))."""
    return f"{math.floor(100 * fraction + 0.5)} %"


@needs_node
def test_page_status_charts_and_summary_describe_the_runs(view, tmp_path):
    [page, flat] = run_page([{"state": page_state(view), "selected": i} for i in (1, 3)], tmp_path)
    runs = view.runs
    m = [runs.measures(i) for i in range(4)]
    assert page["labels"] == ["0", "0.003", "0.03", "0.3"]
    status = re.sub(r"<[^>]+>", "", page["status"])
    norms = ", ".join(f"{v:.2f}" for v in m[1]["norms"])
    assert status == (
        f"λ = 0.003 · ‖w¹‖, ‖w²‖, ‖w³‖ = {norms} · data loss L, training / test: "
        f"{m[1]['train_loss']:.3g} / {m[1]['test_loss']:.3g} · accuracy, training / test: "
        f"{percent(m[1]['train_accuracy'])} / {percent(m[1]['test_accuracy'])}"
    )
    norm_chart, loss_chart = page["charts"]
    assert rel(norm_chart["lines"][0]["y"], [max(r["squares"], 1e-3) for r in m]) <= TOL  # floored at 10⁻³
    assert norm_chart["dots"][0]["x"] == 1  # the marked λ
    assert rel(loss_chart["lines"][0]["y"], [r["train_loss"] for r in m]) <= TOL
    assert rel(loss_chart["lines"][1]["y"], [r["test_loss"] for r in m]) <= TOL
    assert f"{m[0]['test_loss']:.3g} at λ = 0," in loss_chart["summary"]
    assert "decision boundary p = 1/2" in page["summary"]
    assert flat["contour"] == [] and "no decision boundary" in flat["summary"]


# ----------------------------------------------------------------------
# Python: validation and the read-back
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "change, error, match",
    [
        ({"train": "moons"}, TypeError, "expected train to be an mlp_lib.datasets.Dataset, got str"),
        ({"test": Dataset("3d", np.zeros((3, 4)), np.array([0, 1, 0, 1]), 2)}, ValueError, "got 3 feature"),
        ({"test": Dataset("3", np.zeros((2, 3)), np.array([0, 1, 2]), 3)}, ValueError, "two-class data set"),
        ({"lambdas": [0.1]}, ValueError, "expected 2 … 12 weight decays"),
        ({"lambdas": [0.0] * (MAX_RUNS + 1)}, ValueError, "expected 2 … 12 weight decays"),
        ({"lambdas": [0.1, 0.01]}, ValueError, "in increasing order"),
        ({"lambdas": [0.0, -0.1]}, ValueError, "expected every λ to be a finite number ≥ 0"),
        ({"lambdas": [0.0, math.inf]}, ValueError, "expected every λ to be a finite number ≥ 0"),
        ({"lambdas": "0.1"}, TypeError, "expected lambdas to be a list"),
        ({"layer_sizes": (3, 4, 1)}, ValueError, r"expected layer_sizes \[2, …, 1\]"),
        ({"layer_sizes": (2, 4, 2)}, ValueError, r"expected layer_sizes \[2, …, 1\]"),
        ({"layer_sizes": (2, 0, 1)}, ValueError, "expected every layer size to be a positive integer"),
        ({"hidden": "softmax"}, ValueError, "softmax"),
        ({"steps": 0}, ValueError, "expected steps to be a positive integer"),
        ({"learning_rate": -1.0}, ValueError, "expected learning_rate to be a positive finite number"),
        ({"grid_columns": 1}, ValueError, "expected grid_columns in 2 … 400"),
        ({"selected": 2}, ValueError, "expected selected in 0 … 1"),
    ],
)
def test_constructor_refuses_bad_setups(change, error, match):
    train, test = small_moons(20)
    kwargs = {"train": train, "test": test, "lambdas": [0.0, 0.1], "layer_sizes": (2, 3, 1), "steps": 1, **change}
    with pytest.raises(error, match=match):
        RegularizationView(**kwargs)


def test_traits_refuse_bad_values_and_python_reads_the_selection_back(view):
    for value in (-1, 4, True):
        with pytest.raises(traitlets.TraitError, match="could not set selected: expected a run index in 0 … 3"):
            view.selected = value
    with pytest.raises(traitlets.TraitError, match="expected an int, not the float 1.5"):
        view.selected = 1.5
    for trait in ("lambdas", "networks", "train_x", "extent"):
        with pytest.raises(traitlets.TraitError, match="read-only"):
            setattr(view, trait, [])
    view.selected = 2  # as the page's slider writes it
    assert view.weight_decay == 0.03
    model = view.model()
    assert all(np.array_equal(a, b) for a, b in zip(model.W[1:], view.runs.models[2].W[1:]))
    model.W[1][0, 0] += 1  # a copy: the runs the page shows are unchanged
    assert view.runs.models[2].W[1][0, 0] != model.W[1][0, 0]
    view.selected = 0


# ----------------------------------------------------------------------
# the page in Chromium
# ----------------------------------------------------------------------
def status_text(page) -> str:
    return page.locator("[role=status]").first.inner_text()


def chart_labels(page) -> list:
    return page.eval_on_selector_all("svg[role=img]", "els => els.map(e => e.getAttribute('aria-label'))")


@pytest.mark.browser
def test_slider_changes_what_the_page_shows_and_python_reads_it_back(view, mount_widget):
    page = mount_widget(view)
    labels = chart_labels(page)
    assert len(labels) == 3 and all(label.strip() for label in labels)
    assert status_text(page).startswith("λ = 0 ·") and page.locator("path.rg-boundary").count() == 1
    shown = []
    for i in range(1, 4):
        before = (status_text(page), chart_labels(page), page.inner_html(".ui-figure"))
        page.get_by_label("Weight decay λ", exact=True).fill(str(i))
        after = (status_text(page), chart_labels(page), page.inner_html(".ui-figure"))
        assert all(a != b for a, b in zip(before, after))  # status, text alternatives and pictures all change
        assert page.evaluate("window.__model.get('selected')") == i
        shown.append(status_text(page))
    assert page.locator("path.rg-boundary").count() == 0  # λ = 0.3: every weight decayed, no boundary
    view.selected = page.evaluate("window.__model.get('selected')")  # what a kernel receives
    m = view.runs.measures(view.selected)
    assert shown[-1].startswith(f"λ = {view.weight_decay:g} ·")
    assert f"training / test: {m['train_loss']:.3g} / {m['test_loss']:.3g}" in shown[-1]
    view.selected = 0


@pytest.mark.browser
def test_keyboard_reaches_and_works_the_slider(view, mount_widget):
    page = mount_widget(view)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.labels?.[0]?.textContent") == "Weight decay λ"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # the focus is visible
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.__model.get('selected')") == 1 and status_text(page).startswith("λ = 0.003 ·")
    slider = page.get_by_label("Weight decay λ", exact=True)
    assert slider.get_attribute("aria-valuetext") == "Weight decay λ 0.003"
    page.keyboard.press("End")
    assert status_text(page).startswith("λ = 0.3 ·")
    page.keyboard.press("Home")
    assert status_text(page).startswith("λ = 0 ·")


@pytest.mark.browser
def test_python_changes_reach_the_page(view, mount_widget):
    page = mount_widget(view)
    page.evaluate("window.__model.set('selected', 2)")  # as a kernel's view.selected = 2 arrives
    assert status_text(page).startswith("λ = 0.03 ·")
    assert page.get_by_label("Weight decay λ", exact=True).input_value() == "2"


@pytest.mark.browser
def test_phone_width_has_no_sideways_scroll(view, mount_widget):
    page = mount_widget(view, viewport=PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sizes = page.eval_on_selector_all(
        "svg[role=img]", "els => els.map(e => e.getBoundingClientRect().width / e.viewBox.baseVal.width)"
    )
    assert len(sizes) == 3 and min(sizes[1:]) * 11 >= 9  # the charts' 11-unit text is at least 9 px
