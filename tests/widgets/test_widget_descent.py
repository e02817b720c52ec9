"""The gradient-descent explorer: mlp_lib's :class:`Descent`, and the page that runs it in the browser.

The page (``web/descent.js`` on the browser engine) is never trusted: its steps, loss surface and
minimum are run under node on random data, starts and learning-rate schedules and compared with
:class:`Descent`'s (mlp_lib's backpropagation and loss), and the widget is mounted in Chromium to
press its controls, by mouse and by keyboard, at desktop and phone widths.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import traitlets

from mlp_lib.widgets.descent import (
    B_RANGE,
    START,
    W_RANGE,
    Descent,
    DescentView,
    compare_learning_rates,
    make_data,
)

from helpers import NODE, PHONE, run_node

DRIVER = Path(__file__).resolve().parent / "explorer_driver.mjs"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
#: the page and mlp_lib take the same steps with the same formulas (sums in another order): they agree to rounding
TOL = 1e-12
N_RUNS = 30


# ----------------------------------------------------------------------
# the logic (mlp_lib's reference)
# ----------------------------------------------------------------------
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


def test_compare_figure_has_one_panel_per_rate():
    fig = compare_learning_rates((0.05, 0.3), steps=5)
    assert len(fig.axes) == 2


# ----------------------------------------------------------------------
# the page's numbers, under node, against Descent's
# ----------------------------------------------------------------------
def rel(a, b) -> float:
    """max|a − b| / max(max|a|, max|b|, 1e-300): the relative error of two arrays (or numbers)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


def run_page(tasks: list, tmp_path: Path) -> list:
    """The tasks run on the widget's ES module (exactly its ``_esm``) under node; their results, in order."""
    module = tmp_path / "descent_esm.mjs"
    module.write_text(DescentView._esm, encoding="utf-8")
    return run_node(DRIVER, module, tasks)


def random_runs(n: int, seed: int = 5) -> list:
    """(data seed, m, start, schedule): 5–60 samples, a start in the window, 1–3 stretches of 1–30 steps with η in [0.01, 0.5]."""
    rng = np.random.default_rng(seed)
    runs = []
    for k in range(n):
        start = (float(rng.uniform(*W_RANGE)), float(rng.uniform(*B_RANGE)))
        schedule = [(float(rng.uniform(0.01, 0.5)), int(rng.integers(1, 31))) for _ in range(int(rng.integers(1, 4)))]
        runs.append((k, int(rng.integers(5, 61)), start, schedule))
    return runs


def page_state(run: Descent) -> dict:
    return {"path": [list(p) for p in run.path], "losses": list(run.losses), "diverged": run.diverged or ""}


def lambda_max(x) -> float:
    """The largest eigenvalue of the Hessian 2 [[E x², E x], [E x, 1]] of L(w, b): plain gradient descent is stable for η < 2/λ_max."""
    return float(np.linalg.eigvalsh(2 * np.array([[np.mean(x**2), np.mean(x)], [np.mean(x), 1.0]]))[-1])


def mlp_lib_runs(runs: list) -> list:
    """Per run: its data and, per stretch of the schedule, (η, steps, mlp_lib's state before, state after)."""
    out = []
    for seed, m, start, schedule in runs:
        ref = Descent(schedule[0][0], start=start, m=m, seed=seed)
        stretches = []
        for eta, steps in schedule:
            before = page_state(ref)
            ref.learning_rate = eta
            ref.run(steps)
            stretches.append((eta, steps, before, page_state(ref)))
        out.append((ref.x[0].tolist(), ref.y[0].tolist(), stretches))
    return out


@needs_node
def test_page_step_is_mlp_libs_from_every_point(tmp_path):
    """From every point of mlp_lib's random runs, one page step with that stretch's η: mlp_lib's next (w, b), loss and verdict, to 1e-12."""
    refs = mlp_lib_runs(random_runs(N_RUNS))
    tasks, expected = [], []
    for x, y, stretches in refs:
        for eta, _, before, after in stretches:
            for k in range(len(before["path"]) - 1, len(after["path"]) - 1):
                point = {"path": [after["path"][k]], "losses": [after["losses"][k]], "diverged": ""}
                tasks.append({"fn": "dscAdvance", "args": [x, y, point, eta, 1]})
                last = k + 2 == len(after["path"])
                expected.append((after["path"][k + 1], after["losses"][k + 1], last and bool(after["diverged"])))
    worst = 0.0
    for page, (point, loss, diverged) in zip(run_page(tasks, tmp_path), expected):
        assert len(page["path"]) == 2 and bool(page["diverged"]) == diverged, (point, page["diverged"])
        errors = (rel(page["path"][1], point), rel(page["losses"][1], loss))
        assert max(errors) <= TOL, (point, errors)
        worst = max(worst, *errors)
    n_diverged = sum(d for *_, d in expected)
    print(f"\n{len(tasks)} steps ({n_diverged} ending a run): worst relative error {worst:.1e} (tolerance {TOL:g})")
    assert n_diverged >= 3  # the random schedules reach the diverging rates


@needs_node
def test_page_runs_follow_mlp_libs(tmp_path):
    """Whole stretches, each side from its own last point: the same number of steps and the same verdict.

    Their points agree to 1e-12 where η < 2/λ_max, where gradient descent contracts. Beyond, each
    step stretches the difference of the two sides' rounding by |1 − η λ_max| > 1 (a run that
    converged at a small η and then gets a large one: 1e-6 after 25 steps), so there only every
    single step is compared (test_page_step_is_mlp_libs_from_every_point)."""
    refs = mlp_lib_runs(random_runs(N_RUNS))
    tasks = [
        {"fn": "dscAdvance", "args": [x, y, before, eta, steps]} for x, y, st in refs for eta, steps, before, _ in st
    ]
    results = iter(run_page(tasks, tmp_path))
    worst, n_compared = 0.0, 0
    for x, _, stretches in refs:
        stable = 2 / lambda_max(np.array(x))
        for eta, _, before, after in stretches:
            page = next(results)
            assert len(page["path"]) == len(after["path"]) and bool(page["diverged"]) == bool(after["diverged"])
            assert page["path"][: len(before["path"])] == before["path"]  # the page kept the run it was given
            if eta < stable:
                errors = (rel(page["path"], after["path"]), rel(page["losses"], after["losses"]))
                assert max(errors) <= TOL, (eta, errors)
                worst, n_compared = max(worst, *errors), n_compared + 1
    print(f"\n{n_compared} stretches with η < 2/λ_max: worst relative error {worst:.1e} (tolerance {TOL:g})")
    assert n_compared >= 20


@needs_node
def test_page_surface_and_minimum_are_mlp_libs(tmp_path):
    datasets = [make_data(m, seed) for m, seed in [(40, 0), (7, 3), (60, 9)]]
    tasks = []
    for x, y in datasets:
        tasks += [
            {"fn": "dscSurface", "args": [x[0].tolist(), y[0].tolist()]},
            {"fn": "dscLeastSquares", "args": [x[0].tolist(), y[0].tolist()]},
        ]
    results = run_page(tasks, tmp_path)
    for k, (x, y) in enumerate(datasets):
        surface, best = results[2 * k], results[2 * k + 1]
        ref = Descent(0.1)
        ref.x, ref.y = x, y
        ws, bs = np.linspace(*W_RANGE, 80), np.linspace(*B_RANGE, 80)
        assert rel(surface["ws"], ws) <= TOL and rel(surface["bs"], bs) <= TOL
        assert rel(surface["loss"], ref.loss_at(*np.meshgrid(ws, bs))) <= TOL
        lstsq = np.linalg.lstsq(np.vstack([x[0], np.ones_like(x[0])]).T, y[0], rcond=None)[0]
        assert rel(best, lstsq) <= TOL


@needs_node
def test_page_contour_lines_lie_on_their_levels(tmp_path):
    """Every vertex of every contour line of log₁₀ L: L there is 10^level, up to the grid's linear interpolation."""
    x, y = make_data()
    ref = Descent(0.1)
    (lines,) = run_page([{"fn": "dscContourLines", "args": [x[0].tolist(), y[0].tolist()]}], tmp_path)
    levels = [line["level"] for line in lines]
    log_loss = np.log10(ref.loss_at(*np.meshgrid(np.linspace(*W_RANGE, 80), np.linspace(*B_RANGE, 80))))
    assert 10 <= len(levels) <= 19 and np.all(np.diff(levels) > 0)
    assert log_loss.min() < levels[0] and levels[-1] < log_loss.max()
    for line in lines:
        w = np.array([v for v in line["x"] if v != "NaN"])
        b = np.array([v for v in line["y"] if v != "NaN"])
        assert w.size >= 4 and line["color"].startswith("rgb("), line["level"]
        assert np.max(np.abs(np.log10(ref.loss_at(w, b)) - line["level"])) < 0.02, line["level"]


# ----------------------------------------------------------------------
# Python: the setup is checked, the run is read back
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad, error, message",
    [
        ({"learning_rate": 0.0}, ValueError, r"expected learning_rate in \[0.01, 0.4\], got 0.0"),
        ({"learning_rate": 0.5}, ValueError, "expected learning_rate in"),
        ({"learning_rate": "0.1"}, TypeError, "expected learning_rate to be a number"),
        ({"warmup": -1}, ValueError, "expected warmup in 0 … 1000, got -1"),
        ({"warmup": 2.0}, ValueError, "expected warmup to be an integer"),
    ],
)
def test_constructor_refuses_bad_setups(bad, error, message):
    with pytest.raises(error, match=message):
        DescentView(**bad)


def test_traits_refuse_bad_values():
    view = DescentView(warmup=2)
    for name, value, message in [
        ("learning_rate", 1.0, "could not set learning_rate"),
        ("path", [], "expected at least the start point"),
        ("path", [[1.0, 2.0], [1.0]], "each point"),
        ("start", [1.0], "could not set start"),
        ("losses", [float("nan")], "finite numbers"),
    ]:
        with pytest.raises(traitlets.TraitError, match=message):
            setattr(view, name, value)
    assert len(view.path) == 3 and view.learning_rate == 0.2


def test_view_starts_on_mlp_libs_warmup_and_reads_the_run_back():
    view = DescentView(learning_rate=0.1, warmup=4)
    ref = Descent(0.1)
    ref.run(4)
    assert view.path == [list(p) for p in ref.path] and view.losses == ref.losses and view.diverged == ""
    assert view.x == ref.x[0].tolist() and view.start == list(START)
    back = view.descent()
    assert back.path == ref.path and back.params == ref.params
    assert back.model.loss_value(back.x, back.y) == ref.losses[-1]
    back.step()  # goes on in Python from the page's point
    ref.step()
    assert back.params == ref.params


# ----------------------------------------------------------------------
# the page in Chromium
# ----------------------------------------------------------------------
def status(page) -> str:
    return page.locator(".ui-status").inner_text()


def charts(page) -> list:
    return page.eval_on_selector_all("svg[role=img]", "els => els.map(e => e.getAttribute('aria-label'))")


@pytest.mark.browser
def test_controls_and_buttons_change_what_the_page_shows_and_python_reads_it_back(mount_widget):
    page = mount_widget(DescentView(learning_rate=0.1, warmup=0))
    labels = charts(page)
    assert len(labels) == 2 and all(label.strip() for label in labels)
    assert "step 0" in status(page)
    page.get_by_role("button", name="Step", exact=True).click()
    assert "step 1 " in status(page)
    page.get_by_role("button", name="10 steps").click()
    assert "step 11 " in status(page) and charts(page) != labels
    page.get_by_label("Learning rate η").fill("0.3")
    assert "η = 0.3" in status(page) and "step 11 " in status(page)  # η changes, the path stays
    page.get_by_role("button", name="Reset").click()
    assert "step 0" in status(page) and page.evaluate("window.__model.get('path')") == [list(START)]
    for _ in range(2):
        page.get_by_role("button", name="10 steps").click()
    assert "diverged" in status(page) and "Lower the learning rate" in status(page)
    names = ["x", "y", "start", "learning_rate", "path", "losses", "diverged"]
    view = DescentView(learning_rate=0.1, warmup=0)
    for name, value in zip(names, page.evaluate(f"{names}.map(k => window.__model.get(k))")):
        setattr(view, name, value)
    back = view.descent()
    ref = Descent(0.3)
    ref.run(20)
    assert back.learning_rate == 0.3 and len(back.path) == len(ref.path) < 21 and back.diverged and ref.diverged
    assert rel(back.path, ref.path) <= TOL and rel(back.losses, ref.losses) <= TOL
    page.get_by_role("button", name="Reset").click()
    assert "step 0" in status(page) and "diverged" not in status(page)


@pytest.mark.browser
def test_keyboard_reaches_and_works_every_control(mount_widget):
    page = mount_widget(DescentView(warmup=0))
    reached = []
    for _ in range(4):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.labels?.[0]?.textContent || document.activeElement.textContent")
        )
    assert reached == ["Learning rate η", "Step", "10 steps", "Reset"]
    page.get_by_label("Learning rate η").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.__model.get('learning_rate')") == pytest.approx(0.21)
    page.get_by_role("button", name="10 steps").focus()
    page.keyboard.press("Enter")
    assert "step 10 " in status(page)
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # the focus is visible
    page.get_by_role("button", name="Reset").focus()
    page.keyboard.press("Space")
    assert "step 0" in status(page)


@pytest.mark.browser
def test_phone_width_has_no_sideways_scroll(mount_widget):
    page = mount_widget(DescentView(learning_rate=0.3, warmup=30), viewport=PHONE)
    assert "diverged" in status(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sizes = page.eval_on_selector_all(
        "svg[role=img]", "els => els.map(e => e.getBoundingClientRect().width / e.viewBox.baseVal.width)"
    )
    assert min(sizes) * 11 >= 9  # the charts' 11-unit text is at least 9 px
