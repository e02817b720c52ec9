"""The parameter watch (Eqs. 3 and 4 at work): mlp_lib's :class:`ParameterWatch`, and the page that trains it.

The page (``web/parameter_watch.js`` on the browser engine) is never trusted: its training runs
are taken under node on random setups, from mlp_lib's starting weights and data, and every
watched parameter's history is compared with :class:`ParameterWatch`'s; the widget is mounted
in Chromium to press its controls by mouse and by keyboard, at desktop and phone widths, and its
read-back is checked in Python.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import traitlets

from mlp_lib.widgets.page_weights import model_from_page, page_network
from mlp_lib.widgets.parameter_watch import ParameterWatch, ParameterWatchView, animation_html

from helpers import NODE, PHONE, run_node

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "parameter_watch_driver.mjs"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
#: the page and mlp_lib compute the same sums in the same order up to BLAS's rounding; this small
#: network does not amplify it along a run (≤ 2e-14 measured over 120 steps), so whole histories agree
TOL = 1e-12
N_SETUPS = 20
HISTORY = ("value", "gradient", "rebuilt", "loss")


# ----------------------------------------------------------------------
# mlp_lib's logic
# ----------------------------------------------------------------------
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


# ----------------------------------------------------------------------
# the page's numbers under node, against mlp_lib's
# ----------------------------------------------------------------------
def rel(a, b) -> float:
    """max|a − b| / max(max|a|, max|b|, 1e-300): the relative error of an array (or number)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


def run_page(tasks: list, tmp_path: Path) -> list:
    """Run the tasks on the widget's ES module (the text Python sends) in one node process."""
    module = tmp_path / "parameter_watch_esm.mjs"
    module.write_text(ParameterWatchView._esm, encoding="utf-8")
    results = run_node(DRIVER, module, tasks)
    errors = [r["error"] for r in results if isinstance(r, dict) and "error" in r]
    assert not errors, errors[0]
    return results


def watch_task(w: ParameterWatch, steps: int, selections: list) -> dict:
    """The node task that trains the page from ``w``'s start for ``steps`` steps and watches ``selections``."""
    start = {"network": page_network(w.model), "x": w.x.tolist(), "y": w.y.tolist()}
    return {"kind": "watch", **start, "lr": w.learning_rate, "steps": steps, "selections": selections}


def replay(w: ParameterWatch, sel: dict, steps: int) -> ParameterWatch:
    """mlp_lib's run of ``steps`` steps from the start, watching ``sel``."""
    w.select(sel["layer"], sel["i"], sel["k"])
    w.reset()
    with warnings.catch_warnings():  # a diverging run warns about overflow on its way
        warnings.simplefilter("ignore", RuntimeWarning)
        w.step(steps)
    return w


def random_watches(n: int, rng: np.random.Generator) -> list:
    """``n`` (watch, steps, selections): 1–8 units, every activation, 20–300 samples, learning rates
    10^U(−2, 0.3), 0–80 steps, weights and biases; one parameter of each layer and one more."""
    cases = []
    for c in range(n):
        kind = "W" if c % 2 == 0 else "b"
        w = ParameterWatch(
            kind,
            units=int(rng.integers(1, 9)),
            activation=("sigmoid", "tanh", "relu")[c % 3],
            learning_rate=float(10 ** rng.uniform(-2, 0.3)),
            n=int(rng.integers(20, 301)),
            seed=int(rng.integers(0, 100)),
        )
        sizes = w.sizes
        pick = [
            (layer, int(rng.integers(1, sizes[layer] + 1)), int(rng.integers(1, sizes[layer - 1] + 1)))
            for layer in (1, 2, 1)
        ]
        selections = [{"kind": kind, "layer": j, "i": i, "k": k if kind == "W" else 1} for j, i, k in pick]
        cases.append((w, int(rng.integers(0, 81)), selections))
    return cases


@needs_node
def test_page_histories_are_mlp_libs(tmp_path):
    """20 random setups, from mlp_lib's start: each watched parameter's value, gradient, rebuilt
    sum and loss at every step, its per-sample terms at the last step, and the final weights equal
    mlp_lib's to ≤ 1e-12 relative."""
    cases = random_watches(N_SETUPS, np.random.default_rng(30))
    results = run_page([watch_task(w, steps, sels) for w, steps, sels in cases], tmp_path)
    worst = 0.0
    for (w, steps, sels), r in zip(cases, results):
        for sel, got in zip(sels, r["watched"]):
            replay(w, sel, steps)
            assert got["history"]["step"] == w.history["step"] and r["steps"] == w.steps == steps
            worst = max(worst, *(rel(got["history"][key], w.history[key]) for key in HISTORY))
            worst = max(worst, rel(got["contributions"], w.contributions()))
        worst = max(worst, *(rel(r["params"][key], v) for key, v in w.model.parameters().items()))
    assert worst <= TOL, f"the page's histories differ from mlp_lib's by {worst:.2e}"


@needs_node
def test_page_stops_a_diverging_run_and_keeps_the_last_weights(tmp_path):
    """With the fused BCE of this network mlp_lib's runs do not diverge at learning rates ≤ 10; weights
    of order 1e160 make the page's first step overflow: it stops at step 0, keeps them and says so."""
    w = ParameterWatch("W", 1, 2, 1, units=8, activation="relu", n=100, seed=3)
    task = watch_task(w, 5, [{"kind": "W", "layer": 1, "i": 2, "k": 1}])
    for key in ("W1", "W2"):
        task["network"]["params"][key] = (np.array(task["network"]["params"][key]) * 1e160).tolist()
    r = run_page([{**task, "lr": 10.0}], tmp_path)[0]
    assert r["diverged"] and r["steps"] == 0 and r["params"] == task["network"]["params"]
    status = r["watched"][0]["status"]
    assert "diverged" in status and "Lower the learning rate and press Reset" in status


@needs_node
def test_page_histogram_is_numpys(tmp_path):
    rng = np.random.default_rng(31)
    samples = [rng.normal(scale=10.0 ** rng.uniform(-6, 2), size=int(rng.integers(1, 400))) for _ in range(20)]
    samples += [np.full(7, 0.25), np.array([0.0, 1.0])]  # one value only; both ends on bin edges
    results = run_page([{"kind": "histogram", "values": v.tolist(), "bins": 25} for v in samples], tmp_path)
    for values, r in zip(samples, results):
        counts, edges = np.histogram(values, bins=25)
        assert r["counts"] == counts.tolist()
        assert rel(r["edges"], edges) <= TOL


@needs_node
def test_page_status_and_charts_describe_the_watched_parameter(tmp_path):
    w = ParameterWatch("W", 2, 1, 3, units=4, activation="tanh", learning_rate=0.5, n=120, seed=2)
    sels = [{"kind": "W", "layer": 2, "i": 1, "k": 3}, {"kind": "b", "layer": 1, "i": 2, "k": 1}]
    r = run_page([watch_task(w, 30, sels)], tmp_path)[0]
    replay(w, sels[0], 30)
    weight, bias = r["watched"]
    text = re.sub(r"<[^>]+>", "", weight["status"])
    match = re.match(
        r"step 30: w21,3 = (\S+), ∂L/∂w21,3 = (\S+) \(Eq\. \(3\): Σs ϕ21,s a13,s = (\S+)\), loss = (\S+)$", text
    )
    assert match, text
    value, gradient, rebuilt, loss = (float(v.replace("−", "-")) for v in match.groups())
    assert value == pytest.approx(w.value(), rel=1e-4) and loss == round(w.history["loss"][-1], 4)
    assert gradient == pytest.approx(w.history["gradient"][-1], rel=1e-3) == rebuilt
    charts = weight["charts"]
    assert [c["title"] for c in charts][:2] == ["value of w²₁,₃", "gradient ∂L/∂w²₁,₃"]
    assert all(c["summary"] for c in charts) and "the weight of layer 2 from unit 3 to unit 1" in charts[0]["summary"]
    assert [line["label"] for line in charts[1]["lines"]] == ["backward pass", "Σₛ of the terms, Eq. (3)"]
    outline = charts[2]["lines"][0]
    assert sum(outline["y"][1:-1:2]) == 120  # every sample counted once
    assert "Eq. (4)" in bias["status"] and "b<sup>1</sup><sub>2</sub>" in bias["status"]
    assert bias["charts"][2]["xLabel"].startswith("ϕ¹₂,ₛ")


# ----------------------------------------------------------------------
# the widget in Python: settings, validation, read-back
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"kind": "z"}, ValueError, "expected kind 'W' or 'b', got 'z'"),
        ({"layer": 3}, ValueError, "expected layer in 1 … 2, got 3"),
        ({"layer": 2, "i": 2}, ValueError, "expected i in 1 … 1, got 2"),
        ({"learning_rate": 20.0}, ValueError, r"expected learning_rate in 0.001 … 10 \(the slider's range\)"),
        ({"learning_rate": -1.0}, ValueError, "expected learning_rate to be a positive finite number"),
        ({"train_steps": 0}, ValueError, "expected train_steps in 1 … 1000, got 0"),
        ({"warmup": -1}, ValueError, "expected warmup in 0 … 10000, got -1"),
        ({"units": 100}, ValueError, "expected units in 1 … 64, got 100"),
        ({"n": 5000}, ValueError, "expected n in 2 … 2000, got 5000"),
        ({"batch": 10}, TypeError, "expected keyword arguments units, activation, n, noise or seed, got batch"),
    ],
)
def test_constructor_refuses_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=match):
        ParameterWatchView(**kwargs)


def test_selection_is_checked_as_a_whole_and_kind_is_fixed():
    view = ParameterWatchView(kind="W", layer=1, i=3, k=2, n=40)
    with pytest.raises(
        traitlets.TraitError, match=r"could not set layer: expected i \(a unit of layer 2\) in 1 … 1, got 3"
    ):
        view.layer = 2
    assert (view.layer, view.i, view.k) == (1, 3, 2)
    view.select(2, 1, 4)
    assert (view.layer, view.i, view.k) == (2, 1, 4)
    with pytest.raises(
        traitlets.TraitError, match=r"could not set k: expected k \(a unit of layer 1\) in 1 … 4, got 5"
    ):
        view.k = 5
    with pytest.raises(ValueError, match=r"expected i \(a unit of layer 1\) in 1 … 4, got 9"):
        view.select(1, 9, 1)
    with pytest.raises(traitlets.TraitError, match="read-only"):
        view.kind = "b"
    bias = ParameterWatchView(kind="b", layer=1, i=2, n=40)
    with pytest.raises(traitlets.TraitError, match=r"expected k \(a unit of layer 0\) in 1 … 1, got 2"):
        bias.k = 2
    with pytest.raises(traitlets.TraitError, match="could not set learning_rate"):
        bias.learning_rate = 0.0


def test_python_sends_mlp_libs_start_and_reads_its_warmup_back():
    view = ParameterWatchView(kind="b", layer=2, i=1, learning_rate=0.5, warmup=15, n=80, seed=4)
    ref = ParameterWatch("b", 2, 1, learning_rate=0.5, n=80, seed=4)
    assert np.array_equal(view.initial["x"], ref.x) and np.array_equal(view.initial["y"], ref.y)
    assert view.initial["network"] == page_network(ref.model)
    ref.step(15)
    assert view.steps == 15 and view.history == ref.history
    for key, value in ref.model.parameters().items():
        assert np.array_equal(view.model().parameters()[key], value)


# ----------------------------------------------------------------------
# the page in Chromium
# ----------------------------------------------------------------------
def status(page) -> str:
    return page.locator("[role=status]").first.inner_text()


def chart_labels(page) -> list:
    return page.eval_on_selector_all("svg[role=img]", "els => els.map(e => e.getAttribute('aria-label'))")


def trait(page, name: str):
    return page.evaluate(f"window.__model.get('{name}')")


def worst_history_error(history: dict, ref: ParameterWatch) -> float:
    assert history["step"] == ref.history["step"]
    return max(rel(history[key], ref.history[key]) for key in HISTORY)


@pytest.mark.browser
def test_buttons_change_the_page_and_python_reads_the_run_back(mount_widget):
    view = ParameterWatchView(kind="W", layer=2, i=1, k=2, warmup=20, train_steps=10, n=100)
    page = mount_widget(view)
    labels = chart_labels(page)
    assert len(labels) == 3 and all(label.strip() for label in labels)
    assert status(page).startswith("step 20: w21,2 = ")
    ref = ParameterWatch("W", 2, 1, 2, n=100)
    ref.step(20)
    assert worst_history_error(trait(page, "history"), ref) <= TOL  # the page's warmup is mlp_lib's
    page.get_by_role("button", name="Step").click()
    assert status(page).startswith("step 21:")
    page.get_by_role("button", name="Train").click()
    assert status(page).startswith("step 31:") and trait(page, "steps") == 31 and chart_labels(page) != labels
    ref.step(11)
    assert worst_history_error(trait(page, "history"), ref) <= TOL
    read = model_from_page(trait(page, "network"))
    assert max(rel(read.parameters()[key], v) for key, v in ref.model.parameters().items()) <= TOL
    page.get_by_role("button", name="Reset").click()
    assert status(page).startswith("step 0:") and len(trait(page, "history")["value"]) == 1


@pytest.mark.browser
def test_keyboard_reaches_and_works_every_control(mount_widget):
    page = mount_widget(ParameterWatchView(kind="W", layer=2, i=1, k=1, warmup=5, n=60))
    reached = []
    for _ in range(7):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.labels?.[0]?.textContent || document.activeElement.textContent")
        )
    assert reached == [
        "Layer j",
        "Unit i (layer j)",
        "Input k (layer j−1)",
        "Learning rate η",
        "Step",
        "Train",
        "Reset",
    ]
    page.get_by_label("Input k (layer j−1)", exact=True).focus()
    page.keyboard.press("ArrowRight")
    assert trait(page, "k") == 2 and "w21,2" in status(page)
    page.get_by_label("Layer j", exact=True).focus()
    page.keyboard.press("ArrowLeft")  # layer 1: i up to 4 units, k up to 2 inputs (k = 2 kept)
    assert (trait(page, "layer"), trait(page, "i"), trait(page, "k")) == (1, 1, 2) and "w11,2" in status(page)
    assert page.get_by_label("Unit i (layer j)", exact=True).get_attribute("max") == "4"
    ref = replay(ParameterWatch("W", 1, 1, 2, n=60), {"layer": 1, "i": 1, "k": 2}, 5)
    assert worst_history_error(trait(page, "history"), ref) <= TOL  # the new parameter's whole history
    page.get_by_label("Unit i (layer j)", exact=True).focus()
    page.keyboard.press("End")
    assert trait(page, "i") == 4 and "w14,2" in status(page)
    page.get_by_label("Learning rate η", exact=True).focus()
    page.keyboard.press("ArrowLeft")
    assert trait(page, "learning_rate") == pytest.approx(
        10**-0.4, rel=1e-11
    )  # 0.5 is off the grid: its thumb sits at 10^-0.3
    page.get_by_role("button", name="Step").focus()
    page.keyboard.press("Enter")
    assert status(page).startswith("step 6:")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # the focus is visible
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Train
    assert status(page).startswith("step 56:")


@pytest.mark.browser
def test_python_changes_reach_the_page(mount_widget):
    page = mount_widget(ParameterWatchView(kind="b", layer=2, i=1, n=60))
    assert [label for label in page.locator("label").all_inner_texts()] == [
        "Layer j",
        "Unit i (layer j)",
        "Learning rate η",
    ]
    page.evaluate("window.__model.set('layer', 1); window.__model.set('i', 3)")  # as select(1, 3) arrives
    assert "b13 = " in status(page) and page.get_by_label("Unit i (layer j)", exact=True).input_value() == "3"
    page.evaluate("window.__model.set('learning_rate', 0.05); window.__model.set('train_steps', 7)")
    page.get_by_role("button", name="Train").click()
    ref = replay(ParameterWatch("b", 1, 3, learning_rate=0.05, n=60), {"layer": 1, "i": 3, "k": 1}, 7)
    assert worst_history_error(trait(page, "history"), ref) <= TOL


@pytest.mark.browser
def test_phone_width_has_no_sideways_scroll(mount_widget):
    page = mount_widget(ParameterWatchView(kind="W", layer=1, i=2, k=1, warmup=100), viewport=PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sizes = page.eval_on_selector_all(
        "svg[role=img]", "els => els.map(e => e.getBoundingClientRect().width / e.viewBox.baseVal.width)"
    )
    assert len(sizes) == 3 and min(sizes) * 11 >= 9  # the charts' 11-unit text is at least 9 px
    right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('.ui-panel *')].map(e => e.getBoundingClientRect().right))"
    )
    assert right <= PHONE["width"]
