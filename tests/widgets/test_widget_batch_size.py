"""The batch-size comparison: the logic (BatchSizes), the page's numbers against it, the page in Chromium.

The page trains with ``web/engine.js`` + ``web/batch_size.js``; that second implementation is never
trusted. The node tests run the widget's own ES module (the text Python sends) on random setups
and compare every run with :class:`BatchSizes` trained from the same data and initial weights on
the page's epoch orders (drawn by the driver from the rule the page documents).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import traitlets

import mlp_lib
from mlp_lib.widgets import batch_size
from mlp_lib.widgets.batch_size import BatchSizes, BatchSizesView
from mlp_lib.widgets.page_weights import model_from_page

from helpers import NODE, PHONE, run_node

DRIVER = Path(__file__).resolve().parent / "batch_size_driver.mjs"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
#: page and mlp_lib compute the same sums in the same order, so they agree to rounding
TOL = 1e-12
N_SETUPS = 20

CFG = dict(
    dataset="xor",
    n_samples=80,
    hidden_layers=1,
    units=4,
    activation="tanh",
    pairing="sigmoid+bce",
    learning_rate=0.3,
    seed=0,
)


# ----------------------------------------------------------------------
# the logic
# ----------------------------------------------------------------------
def test_runs_share_initial_weights_and_count_steps():
    runs = BatchSizes(CFG, batch_sizes=(1, 8, 0), epochs=2).runs
    m = 60  # 80 samples, 25 % held out
    assert [r.batch_size for r in runs] == [1, 8, m]
    assert [r.steps_per_epoch for r in runs] == [m, 8, 1]
    assert [len(r.batch_loss) for r in runs] == [2 * m, 16, 2]
    # same data and initial weights: the same loss before the first step
    assert len({r.train_loss[0] for r in runs}) == 1
    for r in runs:
        assert r.eval_epochs[-1] == pytest.approx(2.0) and r.diverged is None
    # the full batch's mini-batch loss is the training loss itself (before each step)
    assert runs[2].batch_loss[0] == pytest.approx(runs[2].train_loss[0])


def test_reproducible_and_refuses_bad_input():
    a = BatchSizes(CFG, batch_sizes=(4,), epochs=1).runs[0]
    b = BatchSizes(CFG, batch_sizes=(4,), epochs=1).runs[0]
    assert a.batch_loss == b.batch_loss
    with pytest.raises(ValueError, match="expected"):
        BatchSizes(CFG, batch_sizes=(-1,))
    with pytest.raises(ValueError, match="expected"):
        BatchSizes(CFG, epochs=0)
    with pytest.raises(ValueError, match="expected 2 orders .one per epoch., each a permutation of 0 … 59"):
        BatchSizes(CFG, epochs=2, orders=[np.arange(60)])
    with pytest.raises(ValueError, match="each a permutation"):
        BatchSizes(CFG, epochs=1, orders=[np.zeros(60)])


def test_given_orders_are_the_orders_used():
    reversed_order = np.arange(60)[::-1]
    run = BatchSizes(CFG, batch_sizes=(60,), epochs=1, orders=[reversed_order]).runs[0]
    default = BatchSizes(CFG, batch_sizes=(60,), epochs=1).runs[0]
    assert run.batch_loss == pytest.approx(
        default.batch_loss, rel=1e-14
    )  # one full batch: the order only permutes a sum
    small = BatchSizes(CFG, batch_sizes=(7,), epochs=1, orders=[reversed_order]).runs[0]
    assert small.batch_loss != BatchSizes(CFG, batch_sizes=(7,), epochs=1).runs[0].batch_loss


def test_divergence_is_reported_not_raised():
    run = BatchSizes(
        dict(CFG, learning_rate=10.0, activation="identity", pairing="identity+mse"), batch_sizes=(1,), epochs=5
    ).runs[0]
    assert run.diverged is not None and "infinite" in run.diverged
    assert 0 < len(run.batch_loss) < 5 * 60  # stopped early, the finite part is kept


# ----------------------------------------------------------------------
# the page's numbers against BatchSizes
# ----------------------------------------------------------------------
def run_page(tasks: list, tmp_path: Path) -> list:
    module = tmp_path / "batch_size_esm.mjs"
    module.write_text(BatchSizesView._esm, encoding="utf-8")
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


def reference(view: BatchSizesView, task: dict, page: dict, monkeypatch) -> BatchSizes:
    """BatchSizes of the task's setup from the page's start and on the page's epoch orders."""
    if page["source"] == "page":  # the page drew its own start: mlp_lib starts from it too

        class PageStart:
            """Stands in for the Session BatchSizes builds: the page's data and initial network."""

            def __init__(self, _config):
                self._x, self._y = np.array(page["begin"]["x"]), np.array(page["begin"]["y"])
                self.model = model_from_page(page["begin"]["network"])

        monkeypatch.setattr(batch_size, "Session", PageStart)
    view.seed = task["seed"]
    try:
        return view.reference(orders=page["orders"])
    finally:
        monkeypatch.undo()


#: a setup whose runs diverge (a linear network at learning rate 1), page and mlp_lib at the same step
DIVERGING = dict(
    dataset="sine",
    n_samples=95,
    hidden_layers=2,
    units=4,
    activation="identity",
    pairing="identity+mse",
    learning_rate=1.0,
    seed=154,
)
CLASSIFICATION = [("xor", "sigmoid+bce"), ("moons", "softmax+cce"), ("circles", "relu+mse"), ("spiral", "softmax+cce")]


def random_setup(k: int, rng: np.random.Generator) -> tuple:
    """Case k: a small data set (40–120 points), 0–2 hidden layers, every pairing, 1–4 epochs, 1–5 batch sizes,
    learning rates up to 1 (larger ones make training chaotic: rounding grows by orders of magnitude).

    Every other case trains from mlp_lib's start (the view's ``start``), the others from a start the
    page draws itself (another seed than the view's).
    """
    dataset, pairing = ("sine", "identity+mse") if k % 5 == 4 else CLASSIFICATION[k % 4]
    config = dict(
        dataset=dataset,
        n_samples=int(rng.integers(40, 121)),
        hidden_layers=int(rng.integers(0, 3)),
        units=int(rng.integers(2, 9)),
        activation=("tanh", "relu", "sigmoid", "identity")[k % 4],
        pairing=pairing,
        learning_rate=float(rng.choice([0.01, 0.1, 0.3, 1.0])),
        seed=int(rng.integers(0, 1000)),
    )
    sizes = [b for b in batch_size.BATCH_CHOICES if rng.random() < 0.5] or [4]
    view = BatchSizesView(config, batch_sizes=sizes, epochs=int(rng.integers(1, 5)))
    seed = view.seed if k % 2 == 0 else view.seed + 1 + k  # odd cases: the page draws its own start
    return view, {**task_of(view), "seed": seed}


def task_of(view: BatchSizesView) -> dict:
    """A job for the driver: the page's comparison of the view's setup."""
    return dict(
        kind="compare",
        config=view.config,
        start=view.start,
        batch_sizes=view.batch_sizes,
        learning_rate=view.learning_rate,
        epochs=view.epochs,
        seed=view.seed,
        evaluations=view.evaluations,
    )


@needs_node
def test_page_runs_equal_batch_sizes_from_the_same_start(tmp_path, monkeypatch):
    rng = np.random.default_rng(7)
    cases = [random_setup(k, rng) for k in range(N_SETUPS)]
    diverging = BatchSizesView(DIVERGING, batch_sizes=(4, 16, 64, 0), epochs=3)
    cases.append((diverging, {**cases[0][1], **task_of(diverging), "seed": diverging.seed}))
    results = run_page([task for _, task in cases], tmp_path)
    worst = {"whole-set loss": 0.0, "mini-batch loss": 0.0, "weights": 0.0}
    sources, diverged = set(), 0
    for (view, task), page in zip(cases, results):
        label = f"{task['config']} sizes={task['batch_sizes']} epochs={task['epochs']} seed={task['seed']}"
        sources.add(page["source"])
        assert page["source"] == ("mlp_lib" if task["seed"] == task["start"]["seed"] else "page"), label
        ref = reference(view, task, page, monkeypatch)
        assert page["m"] == ref.m and len(page["runs"]) == len(ref.runs), label
        status = []
        for mine, theirs in zip(page["runs"], ref.runs):
            assert (mine["batch_size"], mine["steps_per_epoch"]) == (theirs.batch_size, theirs.steps_per_epoch), label
            assert (mine["diverged"] is None) == (theirs.diverged is None), label
            diverged += theirs.diverged is not None
            assert mine["eval_steps"] == theirs.eval_steps and len(mine["batch_loss"]) == len(theirs.batch_loss), label
            assert rel(mine["eval_epochs"], theirs.eval_epochs) <= TOL, label
            if theirs.diverged is None:  # a diverging run's blow-up magnifies rounding: same steps is what counts
                worst["whole-set loss"] = max(worst["whole-set loss"], rel(mine["train_loss"], theirs.train_loss))
            if theirs.batch_loss and theirs.diverged is None:
                worst["mini-batch loss"] = max(worst["mini-batch loss"], rel(mine["batch_loss"], theirs.batch_loss))
            name = f"full batch ({ref.m})" if theirs.batch_size >= ref.m else f"batch {theirs.batch_size}"
            status.append(f"{name}: {theirs.steps_per_epoch * ref.epochs} steps, final loss")
        if not any(r.diverged for r in ref.runs):
            # the last run's weights: mlp_lib's after the same steps (BatchSizes keeps no models, so train one here)
            model = model_from_page(page["begin"]["network"])
            x, y = np.array(page["begin"]["x"]), np.array(page["begin"]["y"])
            last = page["runs"][-1]
            for order in page["orders"]:
                for s in range(0, ref.m, last["batch_size"]):
                    idx = np.array(order[s : s + last["batch_size"]])
                    mlp_lib.sgd_step(model, x[:, idx], y[:, idx], task["learning_rate"])
            worst["weights"] = max(worst["weights"], rel(flat(model_from_page(last["network"])), flat(model)))
        assert all(part in page["status"] for part in status), (label, page["status"])
        assert all(s.strip() for s in page["summaries"]), label
    print(
        f"\n{len(cases)} setups ({diverged} diverged runs), page vs BatchSizes: worst relative error {worst} (tolerance {TOL})"
    )
    assert sources == {"mlp_lib", "page"} and diverged >= 3
    assert max(worst.values()) <= TOL


@needs_node
def test_thinned_mini_batch_losses_keep_the_band(tmp_path):
    """A long run's mini-batch losses are drawn as the lowest and highest loss per bin of log(step)."""
    rng = np.random.default_rng(3)
    losses = np.exp(rng.normal(size=30_000)) / np.sqrt(np.arange(1, 30_001))
    short, long = run_page(
        [
            {"kind": "thin", "losses": losses[:300].tolist(), "bins": 400},
            {"kind": "thin", "losses": losses.tolist(), "bins": 400},
        ],
        tmp_path,
    )
    assert short == {"x": list(range(1, 301)), "y": losses[:300].tolist()}
    x = np.array(long["x"])
    assert len(x) <= 800 and np.all(np.diff(x) > 0) and x[0] == 1 and x[-1] >= 29_000
    assert long["y"] == losses[x - 1].tolist()  # every point is a real step's loss
    assert losses.min() in long["y"] and losses.max() in long["y"]
    assert losses[:50].tolist() == long["y"][:50]  # the first steps each have a bin of their own


@needs_node
def test_seed_text_and_faint_colours(tmp_path):
    texts = ["0", " 7 ", "4294967295", "4294967296", "-1", "1.5", "abc", ""]
    seeds, faint = run_page(
        [{"kind": "seed", "texts": texts}, {"kind": "faint", "colors": ["#d62728", "#000000", "#ffffff"]}], tmp_path
    )
    error = "expected a whole number from 0 to 4294967295"
    assert seeds == [0, 7, 4294967295, error, error, error, error, error]
    assert faint == ["#f5c9c9", "#bfbfbf", "#ffffff"]  # 0.25·c + 0.75·255, matplotlib's alpha 0.25 on white


# ----------------------------------------------------------------------
# Python: the setup is checked
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(batch_sizes=(3,)), ValueError, r"expected batch sizes from \(1, 4, 16, 64, 0\)"),
        (dict(batch_sizes=16), TypeError, "expected a sequence of batch sizes"),
        (dict(epochs=0), ValueError, "expected epochs in 1 … 40, got 0"),
        (dict(epochs=41), ValueError, "expected epochs in 1 … 40, got 41"),
        (dict(config=dict(CFG, learning_rate=20.0)), ValueError, "expected learning_rate in"),
        (dict(config=dict(CFG, learning_rate=1e-4)), ValueError, r"expected learning_rate in \[0.001, 10.0\]"),
        (dict(config=dict(CFG, dataset="digits", pairing="softmax+cce")), ValueError, "got 'digits'"),
        (dict(config=dict(CFG, units=0)), ValueError, "expected units in 1"),
    ],
)
def test_constructor_refuses_bad_values(kwargs, error, match):
    with pytest.raises(error, match=match):
        BatchSizesView(**{"config": CFG, **kwargs})


def test_traits_refuse_bad_values_and_follow_the_setup():
    view = BatchSizesView(CFG, batch_sizes=(16, 0, 1, 1), epochs=2)
    assert view.batch_sizes == [1, 16, 0] and view.learning_rate == 0.3 and view.seed == 0
    for name, value, match in [
        ("batch_sizes", [2], "could not set batch_sizes: expected batch sizes from"),
        ("learning_rate", 0.0, "could not set learning_rate: expected learning_rate in"),
        ("epochs", 50, "could not set epochs: expected epochs in 1 … 40"),
        ("seed", 2**32, "could not set seed: expected seed in 0 … 4294967295"),
        ("config", dict(CFG, pairing="softmax+bce"), "could not set config: expected pairing"),
    ]:
        with pytest.raises(traitlets.TraitError, match=match):
            setattr(view, name, value)
    view.seed = 5
    fresh = batch_size.Session(batch_size.PlaygroundConfig.coerce(dict(CFG, seed=5)))
    assert view.start["seed"] == 5 and np.array_equal(view.start["x"], fresh._x)
    assert np.array_equal(model_from_page(view.start["network"]).W[1], fresh.model.W[1])
    with pytest.raises(RuntimeError, match="expected results from the page"):
        view.final_losses()


# ----------------------------------------------------------------------
# the page in Chromium
# ----------------------------------------------------------------------
def status(page) -> str:
    return page.locator("[role=status]").first.inner_text()


def wait_done(page) -> dict:
    """Wait until the page has reported a finished comparison; its ``results``."""
    page.wait_for_function("document.querySelector('.ui-buttons button').textContent === 'Run'")
    return page.evaluate("window.__model.get('results')")


def chart_labels(page) -> list:
    return page.eval_on_selector_all("svg[role=img]", "els => els.map(e => e.getAttribute('aria-label'))")


def page_orders(page, view: BatchSizesView, m: int, epochs: int, seed: int) -> list:
    """The page's epoch orders, from the widget's own module."""
    return page.evaluate(
        "async ([src, m, epochs, seed]) => { const url = URL.createObjectURL(new Blob([src], {type: 'text/javascript'}));"
        " const V = await import(url); return V.bsEpochOrders(m, epochs, seed).map((o) => Array.from(o)); }",
        [view._esm, m, epochs, seed],
    )


@pytest.mark.browser
def test_controls_change_what_the_page_shows_and_python_reads_it_back(mount_widget):
    view = BatchSizesView(CFG, batch_sizes=(4, 0), epochs=2)
    page = mount_widget(view)
    results = wait_done(page)
    assert [r["batch_size"] for r in results["runs"]] == [4, 60]
    assert status(page).startswith("batch 4: 30 steps, final loss ") and "full batch (60): 2 steps" in status(page)
    labels = chart_labels(page)
    assert len(labels) == 2 and all(label.strip() for label in labels)
    # Python reads the page's numbers back: they are mlp_lib's for the same start and orders
    view.results = results
    ref = view.reference(orders=page_orders(page, view, 60, 2, 0))
    for (size, loss), run in zip(view.final_losses().items(), ref.runs):
        assert size == run.batch_size and loss == pytest.approx(run.final_loss, rel=TOL)
    before = chart_labels(page)
    page.get_by_label("1", exact=True).check()
    results = wait_done(page)
    assert [r["batch_size"] for r in results["runs"]] == [1, 4, 60] and chart_labels(page) != before
    page.get_by_label("full batch", exact=True).uncheck()
    page.get_by_label("4", exact=True).uncheck()
    page.get_by_label("Epochs", exact=True).fill("3")
    results = wait_done(page)
    assert [(r["batch_size"], r["steps"]) for r in results["runs"]] == [(1, 180)] and "batch 1: 180 steps" in status(
        page
    )
    before = chart_labels(page)
    page.get_by_label("Learning rate η", exact=True).fill("-2")
    results = wait_done(page)
    assert results["learning_rate"] == pytest.approx(0.01, rel=1e-11) and chart_labels(page) != before
    before = chart_labels(page)
    page.get_by_label("Seed", exact=True).fill("12")
    page.get_by_label("Seed", exact=True).press("Enter")
    results = wait_done(page)
    assert (results["seed"], results["source"]) == (12, "page") and chart_labels(page) != before
    page.get_by_label("Seed", exact=True).fill("-3")
    page.get_by_label("Seed", exact=True).press("Enter")
    assert page.get_by_role("alert").inner_text() == "expected a whole number from 0 to 4294967295"
    page.get_by_label("1", exact=True).uncheck()
    assert status(page) == "Select at least one batch size." and chart_labels(page) == []


@pytest.mark.browser
def test_training_runs_in_animation_frames_and_stop_acts_at_once(mount_widget):
    view = BatchSizesView(dict(CFG, n_samples=1000, units=8), batch_sizes=(1,), epochs=40)
    page = mount_widget(view)
    # polled every 50 ms between the training's frames (a requestAnimationFrame poll can miss the state)
    page.wait_for_function(
        "document.querySelector('[role=status]').textContent.includes('training in epoch')", polling=50
    )
    page.get_by_role("button", name="Stop").click()
    results = page.evaluate("window.__model.get('results')")
    (run,) = results["runs"]
    assert not run["done"] and 0 < run["steps"] < 40 * 750 and "stopped in epoch" in status(page)
    page.wait_for_timeout(200)
    assert page.evaluate("window.__model.get('results')")["runs"][0]["steps"] == run["steps"]
    page.get_by_role("button", name="Run").click()  # runs it again, from the start
    assert "training in epoch" in status(page)


@pytest.mark.browser
def test_keyboard_reaches_and_works_every_control(mount_widget):
    page = mount_widget(BatchSizesView(CFG, batch_sizes=(4, 0), epochs=2))
    wait_done(page)
    reached = []
    for _ in range(9):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.labels?.[0]?.textContent || document.activeElement.textContent")
        )
    assert reached == ["1", "4", "16", "64", "full batch", "Learning rate η", "Epochs", "Seed", "Run"]
    assert page.evaluate("document.activeElement.closest('[role=group]')") is None
    page.get_by_label("16", exact=True).focus()
    page.keyboard.press("Space")
    assert [r["batch_size"] for r in wait_done(page)["runs"]] == [4, 16, 60]
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    for label, key, expected in [("Epochs", "epochs", 3), ("Learning rate η", "learning_rate", 10**-0.4)]:
        page.get_by_label(label, exact=True).focus()
        page.keyboard.press("ArrowRight")
        assert wait_done(page)[key] == pytest.approx(expected, rel=1e-11)
    page.get_by_label("Seed", exact=True).focus()
    page.keyboard.press("End")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    assert wait_done(page)["seed"] == 3
    page.get_by_role("button", name="Run").focus()
    page.keyboard.press("Enter")
    assert wait_done(page)["seed"] == 3


@pytest.mark.browser
def test_python_changes_reach_the_page(mount_widget):
    view = BatchSizesView(CFG, batch_sizes=(4,), epochs=1)
    page = mount_widget(view)
    wait_done(page)
    view.seed, view.batch_sizes = 9, [16, 0]  # what the kernel sends: the new values, then mlp_lib's start
    page.evaluate(
        "(s) => { window.__model.set('seed', 9); window.__model.set('batch_sizes', [16, 0]);"
        " window.__model.set('start', s); }",
        view.start,
    )
    results = wait_done(page)
    assert (results["seed"], results["source"], [r["batch_size"] for r in results["runs"]]) == (9, "mlp_lib", [16, 60])
    assert (
        page.get_by_label("Seed", exact=True).input_value() == "9" and page.get_by_label("16", exact=True).is_checked()
    )
    page.evaluate("window.__model.set('learning_rate', 0.3)")
    assert page.locator("output").first.inner_text() == "0.3"  # off the slider's steps, shown as it is


@pytest.mark.browser
def test_phone_width_has_no_sideways_scroll(mount_widget):
    page = mount_widget(BatchSizesView(CFG, batch_sizes=(1, 16, 0), epochs=3), viewport=PHONE)
    wait_done(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sizes = page.eval_on_selector_all(
        "svg[role=img]", "els => els.map(e => e.getBoundingClientRect().width / e.viewBox.baseVal.width)"
    )
    assert len(sizes) == 2 and min(sizes) * 11 >= 9  # the charts' 11-unit text is at least 9 px
    assert re.search(r"full batch \(60\): 3 steps", status(page))
