"""The dead-units explorer: the logic (DeadUnits), the page's numbers against it, the page in Chromium.

The page trains with ``web/engine.js`` + ``web/dead_units.js``; that second implementation is
never trusted. The node tests run the widget's own ES module (the text Python sends) on random
setups and compare its run with :class:`DeadUnits` trained from the same data and initial weights
on the page's batch order (drawn by the driver from the rule the page documents).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import traitlets

from mlp_lib.widgets.dead_units import DeadUnits, DeadUnitsView
from mlp_lib.widgets.page_weights import model_from_page

from helpers import NODE, PHONE, run_node

DRIVER = Path(__file__).resolve().parent / "dead_units_driver.mjs"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
#: page and mlp_lib compute the same sums in the same order, so they agree to rounding
TOL = 1e-12
N_SETUPS = 20


# ----------------------------------------------------------------------
# the logic
# ----------------------------------------------------------------------
def test_dead_units_have_zero_gradient_and_frozen_weights():
    run = DeadUnits(learning_rate=0.1, units=16, seed=0)
    run.train(100)
    assert run.diverged is None
    dead = run.dead_units()
    j = run.watched_layers[-1]
    assert dead[j].any(), "this seed has dead units in the last hidden layer"
    g = run.model._gradients(run.session._x, run.session._y)
    assert np.all(g.phi[j][dead[j]] == 0)
    assert np.all(g.dW[j][dead[j]] == 0) and np.all(g.db[j][dead[j]] == 0)
    assert np.all(g.dW[j + 1][:, dead[j]] == 0)


def test_first_layer_dead_units_stay_dead():
    run = DeadUnits(learning_rate=1.0, units=16, seed=1)
    run.train(100)
    mask = run.dead_units()[1]
    before = run.model.W[1][mask].copy()
    run.train(50)
    assert np.all(run.dead_units()[1][mask])
    assert np.array_equal(run.model.W[1][mask], before)


def test_history_and_reset():
    run = DeadUnits(learning_rate=0.1, units=8, seed=0)
    assert run.steps == [0] and len(run.dead_history) == 1
    run.train(25, record_every=10)
    assert run.steps == [0, 10, 20, 25]
    assert all(len(d) == len(run.watched_layers) for d in run.dead_history)
    w1 = run.model.W[1].copy()
    run.reset()
    assert run.steps == [0] and not np.array_equal(w1, run.model.W[1])


def test_relu_output_is_watched():
    run = DeadUnits(pairing="relu+mse", seed=2)
    assert run.watched_layers == [1, 2, 3]


def test_high_learning_rate_kills_more_units():
    def dead(lr):
        fractions = []
        for seed in range(3):
            run = DeadUnits(learning_rate=lr, units=16, seed=seed)
            run.train(300, record_every=100)
            fractions.append(np.mean(run.dead_fractions()))
        return np.mean(fractions)

    assert dead(1.0) > dead(0.01)


# ----------------------------------------------------------------------
# the page's numbers against DeadUnits
# ----------------------------------------------------------------------
def run_page(tasks: list, tmp_path: Path) -> list:
    module = tmp_path / "dead_units_esm.mjs"
    module.write_text(DeadUnitsView._esm, encoding="utf-8")
    results = run_node(DRIVER, module, tasks)
    errors = [r["error"] for r in results if isinstance(r, dict) and "error" in r]
    assert not errors, errors
    return results


def rel(a, b) -> float:
    """max|a − b| / max(max|a|, max|b|): the relative error of an array (or number)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) / max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)


def flat(model) -> np.ndarray:
    """All weights and biases of a network in one vector."""
    return np.concatenate([v.ravel() for v in model.parameters().values()])


def reference(setup: dict, units: int, seed: int, lr: float, page: dict) -> DeadUnits:
    """DeadUnits from the page's start (data and weights) that takes the page's batches, at step 0."""
    run = DeadUnits(lr, units, seed, **setup)
    if page["source"] == "page":  # the page drew its own start: mlp_lib starts from it too
        session = run.session
        session.model = model_from_page(page["begin"]["network"])
        session._x, session._y = np.array(page["begin"]["x"]), np.array(page["begin"]["y"])
        run._start()
    batches = iter(page["batches"])
    run.session._next_batch = lambda: np.array(next(batches), dtype=np.int64)
    return run


def random_setup(k: int, rng: np.random.Generator) -> dict:
    """Case k: sine (mostly) or a classification set, 1–3 hidden layers of 2–32 units, both MSE pairings,
    batches of 1 to 32 samples (or the full batch on sine: the page's engine is slower than NumPy).

    Every other case trains from mlp_lib's start (the view's ``start``), the others from a start the
    page draws itself (another seed or width than the view's).
    """
    dataset = ("sine", "sine", "moons", "xor")[k % 4]
    setup = {
        "dataset": dataset,
        "hidden_layers": int(rng.integers(1, 4)),
        "pairing": ("identity+mse", "relu+mse")[(k // 2) % 2],
        "batch_size": int(rng.choice([1, 4, 16, 32, 1000] if dataset == "sine" else [1, 4, 16, 32])),
    }
    view = DeadUnitsView(
        float(rng.choice([0.01, 0.03, 0.1, 0.3, 1.0])), int(rng.integers(2, 33)), int(rng.integers(0, 21)), **setup
    )
    units, seed = view.units, view.seed
    if k % 2:
        units, seed = (units % 31) + 2, (seed + 1 + k) % 21  # another width and seed: the page draws them
    calls = [10, int(rng.integers(1, 25)), 40]
    return dict(
        kind="train",
        setup=view.setup,
        units=units,
        seed=seed,
        start=view.start,
        learning_rate=view.learning_rate,
        calls=calls,
    )


@needs_node
def test_page_runs_equal_dead_units_from_the_same_start(tmp_path):
    rng = np.random.default_rng(20240601)
    tasks = [random_setup(k, rng) for k in range(N_SETUPS)]
    diverging = DeadUnitsView(learning_rate=10.0, units=32, seed=3, hidden_layers=3)
    tasks.append(dict(tasks[0], setup=diverging.setup, units=32, seed=3, start=diverging.start, learning_rate=10.0))
    results = run_page(tasks, tmp_path)
    worst = {"loss": 0.0, "weights": 0.0}
    sources = set()
    for t, page in zip(tasks, results):
        label = f"{t['setup']} units={t['units']} seed={t['seed']} lr={t['learning_rate']}"
        sources.add(page["source"])
        assert page["source"] == (
            "mlp_lib" if (t["units"], t["seed"]) == (t["start"]["units"], t["start"]["seed"]) else "page"
        )
        run = reference(t["setup"], t["units"], t["seed"], t["learning_rate"], page)
        if page["source"] == "mlp_lib":
            assert page["begin"]["network"]["params"] == t["start"]["network"]["params"], label
        for steps in t["calls"]:
            run.train(steps)
        assert run.diverged == page["diverged"], label
        assert page["steps"] == run.steps and page["step"] == run.session.step_count, label
        assert page["layers"] == run.watched_layers, label
        assert np.array_equal(page["dead_history"], run.dead_history), label  # counts / n_j: exact
        for mine, theirs in zip(page["activity"], run.activity().values()):
            assert np.array_equal(mine, theirs), label
        worst["loss"] = max(worst["loss"], max(rel(a, b) for a, b in zip(page["loss_history"], run.loss_history)))
        worst["weights"] = max(worst["weights"], rel(flat(model_from_page(page["network"])), flat(run.model)))
        fractions = " · ".join(f"layer {j}: {f:.0%} dead" for j, f in zip(run.watched_layers, run.dead_fractions()))
        assert page["status"].startswith(f"step {run.session.step_count} · {fractions} · training loss"), label
        assert all(s.strip() for s in page["summaries"]), label
    print(f"\n{len(tasks)} setups, page vs DeadUnits: worst relative error {worst} (tolerance {TOL})")
    assert sources == {"mlp_lib", "page"} and results[-1]["diverged"], "the last setup diverges"
    assert max(worst.values()) <= TOL


@needs_node
def test_percent_rounds_like_python(tmp_path):
    values = [0.0, 1 / 16, 0.125, 0.375, 0.5, 0.625, 1 / 3, 2 / 3, 5 / 32, 1.0, 0.995]
    (shown,) = run_page([{"kind": "percent", "values": values}], tmp_path)
    assert shown == [f"{v:.0%}" for v in values]


@needs_node
def test_the_chapters_claims_hold_for_the_page(tmp_path):
    """relu-hidden: with the widget's setup some units of layer 2 are dead at step 0.
    relu-output-mse: the page's own draws at seeds 8 and 9 (the view's is 2) have a dead output unit;
    at seed 2 the output unit dies at learning rate 0.3, not at 0.03."""
    hidden = DeadUnitsView(learning_rate=0.1, units=16, seed=0)
    out = DeadUnitsView(learning_rate=0.03, units=16, seed=2, pairing="relu+mse")
    tasks = [
        dict(kind="train", setup=hidden.setup, units=16, seed=0, start=hidden.start, learning_rate=0.1, calls=[]),
        *[
            dict(kind="train", setup=out.setup, units=16, seed=s, start=out.start, learning_rate=0.03, calls=[200])
            for s in (8, 9, 2)
        ],
        dict(kind="train", setup=out.setup, units=16, seed=2, start=out.start, learning_rate=0.3, calls=[200]),
    ]
    at_start, *relu_out = run_page(tasks, tmp_path)
    assert at_start["source"] == "mlp_lib" and at_start["dead_history"][0][1] > 0
    for seed, page in zip((8, 9), relu_out):
        assert page["source"] == "page" and all(d[2] == 1.0 for d in page["dead_history"]), f"seed {seed}"
        assert page["loss_history"][0] == page["loss_history"][-1], "a dead output unit: training changes nothing"
    assert relu_out[2]["source"] == "mlp_lib" and relu_out[2]["dead_history"][0][2] == 0.0
    assert relu_out[2]["dead_history"][-1][2] == 0.0, "at learning rate 0.03 the output unit lives"
    assert relu_out[3]["dead_history"][-1][2] == 1.0, "at learning rate 0.3 it dies within 200 steps"


# ----------------------------------------------------------------------
# Python: the setup is checked, the page's network read back
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(learning_rate=0.0), ValueError, "expected learning_rate in"),
        (dict(learning_rate="fast"), TypeError, "expected learning_rate to be a number"),
        (dict(units=1), ValueError, "expected units in 2 … 32, got 1"),
        (dict(units=8.0), ValueError, "expected units to be an integer"),
        (dict(seed=21), ValueError, "expected seed in 0 … 20, got 21"),
        (dict(train_steps=0), ValueError, "expected train_steps in 1"),
        (dict(pairing="sigmoid+bce"), ValueError, "expected an MSE pairing"),
        (dict(dataset="digits", pairing="relu+mse"), ValueError, "got 'digits'"),
        (dict(activation="tanh"), TypeError, "expected run settings among dataset, hidden_layers, pairing, batch_size"),
    ],
)
def test_constructor_refuses_bad_values(kwargs, error, match):
    with pytest.raises(error, match=match):
        DeadUnitsView(**kwargs)


def test_traits_refuse_bad_values_and_follow_the_setup():
    view = DeadUnitsView(learning_rate=0.1, units=8, seed=0)
    for name, value, match in [
        ("learning_rate", 11.0, "could not set learning_rate: expected learning_rate in"),
        ("units", 33, "could not set units: expected units in 2 … 32"),
        ("seed", -1, "could not set seed: expected seed in 0 … 20"),
        ("setup", {"dataset": "sine", "pairing": "softmax+cce"}, "could not set setup: expected an MSE pairing"),
        ("step_size", 0, "could not set step_size"),
    ]:
        with pytest.raises(traitlets.TraitError, match=match):
            setattr(view, name, value)
    assert (view.learning_rate, view.units, view.seed) == (0.1, 8, 0)
    view.seed, view.units = 4, 12
    fresh = DeadUnits(0.1, 12, 4)
    assert (view.start["seed"], view.start["units"]) == (4, 12)
    assert np.array_equal(view.start["x"], fresh.session._x)
    assert np.array_equal(model_from_page(view.start["network"]).W[2], fresh.model.W[2])
    assert np.array_equal(view.reference_run().model.W[1], fresh.model.W[1])
    with pytest.raises(RuntimeError, match="expected a network from the page"):
        view.model()


# ----------------------------------------------------------------------
# the page in Chromium
# ----------------------------------------------------------------------
def status(page) -> str:
    return page.locator("[role=status]").first.inner_text()


def shown_step(page) -> int:
    return int(re.match(r"step (\d+)", status(page)).group(1))


def wait_for_step(page, n: int) -> None:
    page.wait_for_function(f"document.querySelector('[role=status]').textContent.startsWith('step {n} ')")


def charts(page) -> list:
    """The charts' SVG markup, without the clip paths' ids (new ones at every drawing)."""
    svgs = page.eval_on_selector_all("svg[role=img]", "els => els.map(e => e.outerHTML)")
    return [re.sub(r"ui-clip-[\w-]+", "clip", svg) for svg in svgs]


def chart_labels(page) -> list:
    return page.eval_on_selector_all("svg[role=img]", "els => els.map(e => e.getAttribute('aria-label'))")


@pytest.mark.browser
def test_buttons_and_controls_change_what_the_page_shows_and_python_reads_it_back(mount_widget):
    view = DeadUnitsView(learning_rate=0.1, units=8, seed=0, train_steps=30)
    page = mount_widget(view)
    labels = chart_labels(page)
    assert len(labels) == 3 and all(label.strip() for label in labels)
    assert status(page).startswith("step 0 · layer 1: ")
    first = charts(page)
    page.get_by_role("button", name="Step").click()
    assert shown_step(page) == 10 and charts(page) != first
    page.get_by_role("button", name="Train").click()
    wait_for_step(page, 40)
    assert page.get_by_role("button", name="Train").is_visible()  # back from Pause
    # Python reads the page's run back: mlp_lib's numbers on the page's network are the page's
    view.trained = page.evaluate("window.__model.get('trained')")
    assert view.step == 40 and view.trained["source"] == "mlp_lib"
    model, run = view.model(), view.reference_run()
    z = model.forward(run.session._x).z
    assert view.dead_fractions == {j: float(np.mean(np.all(z[j] <= 0, axis=1))) for j in run.watched_layers}
    assert view.trained["loss"] == pytest.approx(model.loss_value(run.session._x, run.session._y), rel=TOL)
    page.get_by_role("button", name="Reset").click()
    assert shown_step(page) == 0 and charts(page) == first
    for label, value in [("Units / layer", "12"), ("Seed", "5"), ("Learning rate η", "-2")]:
        page.get_by_role("button", name="Step").click()
        before = charts(page)
        page.get_by_label(label, exact=True).fill(value)  # a new run: back to step 0
        assert shown_step(page) == 0 and charts(page) != before, label
    trained = page.evaluate("window.__model.get('trained')")
    assert (trained["units"], trained["seed"], trained["source"]) == (12, 5, "page")
    assert trained["learning_rate"] == pytest.approx(0.01, rel=1e-11)
    assert len(trained["network"]["params"]["W1"]) == 12


@pytest.mark.browser
def test_training_runs_in_animation_frames_and_pause_acts_at_once(mount_widget):
    """Train spreads its steps over animation frames (the page stays responsive between them): the
    status shows ever more steps frame after frame, and Pause, clicked meanwhile, stops it at once."""
    page = mount_widget(DeadUnitsView(learning_rate=0.01, units=32, train_steps=100_000, hidden_layers=3))
    page.evaluate(
        "() => { window.__seen = []; const raf = window.requestAnimationFrame.bind(window);"
        " window.requestAnimationFrame = (f) => raf((t) => { f(t); const s = document.querySelector('[role=status]');"
        " window.__seen.push(parseInt(s.textContent.slice(5))); }); }"
    )
    page.get_by_role("button", name="Train").click()
    page.wait_for_function("window.__seen.length >= 5")
    page.get_by_role("button", name="Pause").click()
    paused = shown_step(page)
    seen = page.evaluate("window.__seen")
    assert seen == sorted(seen) and len(set(seen)) >= 5 and seen[-1] <= paused < 100_000
    page.wait_for_timeout(200)
    assert shown_step(page) == paused and page.evaluate("window.__model.get('trained').step") == paused
    assert page.get_by_role("button", name="Train").is_visible()


@pytest.mark.browser
def test_keyboard_reaches_and_works_every_control(mount_widget):
    page = mount_widget(DeadUnitsView(learning_rate=0.1, units=8, seed=0, train_steps=20))
    reached = []
    for _ in range(6):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.labels?.[0]?.textContent || document.activeElement.textContent")
        )
    assert reached == ["Learning rate η", "Units / layer", "Seed", "Step", "Train", "Reset"]
    for label, key, expected in [
        ("Units / layer", "units", 9),
        ("Seed", "seed", 1),
        ("Learning rate η", "learning_rate", 10**-0.9),
    ]:
        page.get_by_role("button", name="Step").click()
        before = charts(page)
        page.get_by_label(label, exact=True).focus()
        page.keyboard.press("ArrowRight")
        assert page.evaluate(f"window.__model.get('trained').{key}") == pytest.approx(expected, rel=1e-11)
        assert shown_step(page) == 0 and charts(page) != before, label  # a new run
    page.get_by_role("button", name="Step").focus()
    page.keyboard.press("Enter")
    assert shown_step(page) == 10
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Train
    wait_for_step(page, 30)


@pytest.mark.browser
def test_python_changes_reach_the_page(mount_widget):
    view = DeadUnitsView(learning_rate=0.1, units=8, seed=0)
    page = mount_widget(view)
    page.get_by_role("button", name="Step").click()
    view.units, view.seed = 6, 3  # what the kernel sends: the new values, then mlp_lib's start for them
    page.evaluate(
        "(s) => { window.__model.set('units', 6); window.__model.set('seed', 3); window.__model.set('start', s); }",
        view.start,
    )
    assert shown_step(page) == 0
    trained = page.evaluate("window.__model.get('trained')")
    assert trained["source"] == "mlp_lib" and trained["network"]["params"] == view.start["network"]["params"]
    assert page.get_by_label("Units / layer", exact=True).input_value() == "6"
    page.evaluate("window.__model.set('learning_rate', 0.3)")
    assert page.locator("output").first.inner_text() == "0.3"  # off the slider's steps, shown as it is


@pytest.mark.browser
def test_phone_width_has_no_sideways_scroll(mount_widget, request):
    page = mount_widget(DeadUnitsView(pairing="relu+mse", seed=2, learning_rate=0.03), viewport=PHONE)
    page.get_by_role("button", name="Step").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sizes = page.eval_on_selector_all(
        "svg[role=img]", "els => els.map(e => e.getBoundingClientRect().width / e.viewBox.baseVal.width)"
    )
    assert min(sizes) * 11 >= 9  # the charts' 11-unit text is at least 9 px
    if request.config.getoption("--screenshots", default=False):
        page.screenshot(path="/tmp/dead-units-phone.png", full_page=True)
