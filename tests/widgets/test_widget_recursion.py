"""The Eq. (2) explorer: mlp_lib's :class:`Recursion`, and the page that steps it in the browser.

The page (``web/recursion.js`` on the browser engine) is never trusted: its backward passes and
training runs are taken under node on random setups, from mlp_lib's starting weights and batch,
and compared with :class:`Recursion`'s; the widget is mounted in Chromium to press its controls
by mouse and by keyboard, at desktop and phone widths, and its read-back is checked in Python.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import traitlets

from mlp_lib.widgets.page_weights import model_from_page, page_network
from mlp_lib.widgets.recursion import HIDDEN, Recursion, RecursionView

from helpers import NODE, PHONE, run_node

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "recursion_driver.mjs"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
#: the page and mlp_lib compute the same sums in the same order, so they agree to rounding
TOL = 1e-12
N_SETUPS = 20


# ----------------------------------------------------------------------
# mlp_lib's logic
# ----------------------------------------------------------------------
def test_stepping_reproduces_the_library_backward_pass():
    s = Recursion(hidden_layers=3, units=3, activation="tanh", seed=1)
    assert s.current == s.J and np.isnan(s.norms()[0])
    assert s.next_layer() and s.current == s.J - 1
    s.full_pass()
    assert s.done and not s.next_layer()
    g = s.model.gradients(s.x, s.y)
    for j in range(1, s.J + 1):
        np.testing.assert_allclose(s.phi[j], g.phi[j], rtol=1e-12, atol=1e-15)


def test_parts_multiply_to_phi():
    s = Recursion(hidden_layers=2, units=4, activation="relu", seed=0)
    assert s.parts() is None  # output layer: Eq. (1), not Eq. (2)
    s.next_layer()
    p = s.parts()
    np.testing.assert_allclose(p["back"] * p["dsigma"], p["phi"])


def test_sigmoid_signal_shrinks_backwards():
    s = Recursion(hidden_layers=5, units=4, activation="sigmoid", seed=0)
    s.full_pass()
    n = s.norms()
    assert n[0] < n[-1] / 100


def test_first_picture_of_the_chapter_shrinks_as_its_text_says():
    """eq2-recursion.md: the explorer's first picture, sigmoid 5 × 4 after a full pass, shrinks ‖ϕ^j‖
    of the first sample by 3.6 to 6.6 from one layer to the one below."""
    s = Recursion(hidden_layers=5, units=4, activation="sigmoid", seed=0)
    s.full_pass()
    norms = np.array(s.norms(sample=0))
    ratios = norms[1:] / norms[:-1]
    assert (round(ratios.min(), 1), round(ratios.max(), 1)) == (3.6, 6.6)


def test_training_lowers_the_loss_and_restarts_the_pass():
    s = Recursion(hidden_layers=2, units=8, activation="tanh", seed=0, learning_rate=0.5)
    before = s.loss()
    s.full_pass()
    assert s.train(50)
    assert s.steps == 50 and s.current == s.J
    assert s.loss() < before


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="expected activation"):
        Recursion(activation="softmax")
    with pytest.raises(ValueError, match="expected hidden_layers"):
        Recursion(hidden_layers=0)


# ----------------------------------------------------------------------
# the page's numbers under node, against mlp_lib's
# ----------------------------------------------------------------------
def rel(a, b) -> float:
    """max|a − b| / max(max|a|, max|b|, 1e-300) over the finite entries: the relative error of an
    array (or number); NaN (null from the page) and ±inf must sit at the same places in both."""
    a = np.asarray(np.array(a, dtype=object).astype(float), dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert np.array_equal(np.isnan(a), np.isnan(b)) and np.array_equal(a[np.isinf(a)], b[np.isinf(b)])
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


def run_page(tasks: list, tmp_path: Path) -> list:
    """Run the tasks on the widget's ES module (the text Python sends) in one node process."""
    module = tmp_path / "recursion_esm.mjs"
    module.write_text(RecursionView._esm, encoding="utf-8")
    results = run_node(DRIVER, module, tasks)
    errors = [r["error"] for r in results if isinstance(r, dict) and "error" in r]
    assert not errors, errors[0]
    return results


def pass_task(s: Recursion, ops: list) -> dict:
    """The node task that starts the page from ``s``'s weights and batch and applies ``ops``."""
    setup = {"hidden_layers": s.hidden_layers, "units": s.units, "activation": s.activation, "seed": s.seed}
    return {
        "kind": "pass",
        "network": page_network(s.model),
        "x": s.x.tolist(),
        "y": s.y.tolist(),
        "setup": setup,
        "ops": ops,
    }


def apply(s: Recursion, op) -> None:
    """mlp_lib's version of one of the page's ops."""
    if op == "next":
        s.next_layer()
    elif op == "full":
        s.full_pass()
    else:
        with warnings.catch_warnings():  # a diverging run warns about NaN on its way
            warnings.simplefilter("ignore", RuntimeWarning)
            s.train(op[1])


def compare(s: Recursion, snap: dict) -> float:
    """The worst relative error between one page snapshot and ``s``; checks the bookkeeping exactly."""
    assert snap["current"] == s.current and snap["steps"] == s.steps
    assert (snap["diverged"] is None) == (s.diverged is None)
    errors = [rel(snap["loss"], s.loss())]
    errors += [rel(snap["params"][key], value) for key, value in s.model.parameters().items()]
    if "phi" not in snap:  # a light snapshot (after training)
        return max(errors)
    for j in range(1, s.J + 1):
        assert (snap["phi"][j] is None) == (s.phi[j] is None)
        if s.phi[j] is not None:
            errors.append(rel(snap["phi"][j], s.phi[j]))
    parts = s.parts()
    assert (snap["parts"] is None) == (parts is None)
    if parts is not None:
        errors += [rel(snap["parts"][key], parts[key]) for key in ("back", "dsigma", "phi")]
    errors.append(rel(snap["norms"], s.norms(sample=0)))
    return max(errors)


def random_setups(n: int, rng: np.random.Generator, lr_range=(-2.0, -0.5)) -> list:
    """``n`` setups: 1–8 hidden layers of 1–16 units, every activation, seeds 0–20, learning rates 10^U(lr_range)."""
    return [
        Recursion(
            hidden_layers=int(rng.integers(1, 9)),
            units=int(rng.integers(1, 17)),
            activation=HIDDEN[c % 3],
            seed=int(rng.integers(0, 21)),
            learning_rate=float(10 ** rng.uniform(*lr_range)),
        )
        for c in range(n)
    ]


def from_page(s: Recursion, snap: dict) -> Recursion:
    """``s`` with the page's weights and step count of ``snap`` (a fresh forward pass and ϕ^J)."""
    s.model = model_from_page({"config": s.model.config(), "params": snap["params"]})
    s.steps = snap["steps"]
    s.start()
    return s


@needs_node
def test_page_steps_and_trains_like_mlp_lib(tmp_path):
    """20 random setups, from mlp_lib's start: after every op (Next layer, Full pass, one training
    step, …) every ϕ^j, the factors of Eq. (2), ‖ϕ^j‖, the loss and the weights equal mlp_lib's
    to ≤ 1e-12 relative. Each training step starts mlp_lib from the page's weights before it."""
    setups = random_setups(N_SETUPS, np.random.default_rng(20))
    worst, tasks, plans = 0.0, [], []
    for s in setups:
        plans.append(["next", "next", "full"] + [["train", 1, s.learning_rate]] * 12 + ["next", "full", "next"])
        tasks.append({**pass_task(s, plans[-1]), "light_train": True})
    for s, plan, snaps in zip(setups, plans, run_page(tasks, tmp_path)):
        worst = max(worst, compare(s, snaps[0]))
        for op, before, snap in zip(plan, snaps, snaps[1:]):
            if op[0] == "train":
                from_page(s, before)
            apply(s, op)
            worst = max(worst, compare(s, snap))
        assert s.steps == 12 and s.done
    assert worst <= TOL, f"the page's backward passes differ from mlp_lib's by {worst:.2e}"


#: after many steps: both round differently inside the matrix products (NumPy's BLAS against the
#: page's loops), and training amplifies those 1e-16 differences: 2e-12 after the 40 steps below,
#: 3e-9 in the runs at learning rate 10 before they diverge, 2.5e-8 seen in an 8-layer tanh network
PATH_TOL = 1e-6


@needs_node
def test_page_training_stays_on_mlp_libs_path(tmp_path):
    """40 steps in one go from mlp_lib's start land where mlp_lib's 40 steps do, to ≤ PATH_TOL."""
    setups = random_setups(N_SETUPS, np.random.default_rng(20))[::2]
    tasks = [pass_task(s, [["train", 40, s.learning_rate]]) for s in setups]
    worst = 0.0
    for s, snaps in zip(setups, run_page(tasks, tmp_path)):
        apply(s, ["train", 40])
        assert snaps[1]["steps"] == s.steps == 40
        worst = max(worst, *(rel(snaps[1]["params"][k], v) for k, v in s.model.parameters().items()))
    assert worst <= PATH_TOL, f"the page's training runs leave mlp_lib's by {worst:.2e}"


@needs_node
def test_page_diverges_where_mlp_lib_does(tmp_path):
    """Learning rate 10: the page stops training at mlp_lib's step, keeps the last finite weights
    (to ≤ PATH_TOL) and says so; one step at learning rates 1 … 10 from the same weights gives the
    same weights and backward pass to ≤ 1e-12."""
    setups = [
        Recursion(layers, 8, act, seed, learning_rate=10.0)
        for act, layers, seed in [("relu", 2, 0), ("relu", 8, 2), ("tanh", 5, 3), ("tanh", 5, 0), ("tanh", 8, 0)]
    ]
    big = random_setups(6, np.random.default_rng(21), lr_range=(0.0, 1.0))
    tasks = [pass_task(s, [["train", 100, s.learning_rate]]) for s in setups]
    tasks += [pass_task(s, [["train", 1, s.learning_rate]]) for s in big]
    results = run_page(tasks, tmp_path)
    for s, snaps in zip(setups, results):
        apply(s, ["train", 100])
        assert s.diverged and snaps[1]["steps"] == s.steps < 100 and "diverged" in snaps[1]["status"]
        assert max(rel(snaps[1]["params"][k], v) for k, v in s.model.parameters().items()) <= PATH_TOL
    worst = 0.0
    for s, snaps in zip(big, results[len(setups) :]):
        apply(s, ["train", 1])
        worst = max(worst, compare(s, snaps[1]))
    assert worst <= TOL


@needs_node
def test_page_pictures_describe_the_pass(tmp_path):
    """The status line, the table and the bar chart show the first sample's numbers of the current layer."""
    s = Recursion(hidden_layers=3, units=12, activation="tanh", seed=5)
    snaps = run_page([pass_task(s, ["next", "full"])], tmp_path)[0]
    start, after_one, done = snaps
    assert "Eq. (1)" in start["status"] and "Next layer" in start["table"] and "<table" not in start["table"]
    s.next_layer()
    j, p = s.current, s.parts()
    status = re.sub(r"<[^>]+>", "", after_one["status"])
    assert status.startswith(f"ϕ1{j} = Σk w{j + 1}k,1 ϕ{j + 1}k") and "first sample" in status
    shown = [float(v.replace("−", "-")) for v in re.findall(r"= (−?[\d.]+)\s+\(unit 1", status)]
    assert shown and shown[0] == pytest.approx(p["phi"][0, 0], rel=5e-3)  # three significant digits
    table = after_one["table"]
    assert f"layer j = {j}, first sample (first 8 of 12 units)" in table and table.count("<tr>") == 1 + 8
    chart = after_one["chart"]
    assert chart["bars"]["labels"] == ["1?", "2?", "3", "4"] and chart["yLog"]
    assert chart["bars"]["colors"][j - 1] != chart["bars"]["colors"][-1]  # the layer computed last is red
    assert "layers 1 to 2 not computed yet" in chart["summary"] and "step 0" in chart["title"]
    assert done["chart"]["bars"]["labels"] == ["1", "2", "3", "4"] and "not computed" not in done["chart"]["summary"]


@needs_node
def test_page_draws_its_own_start_for_other_setups(tmp_path):
    """Without Python's start the page makes one: the architecture of the setup, a standardized
    batch of 64 with 0/1 labels, the same numbers for the same seed and others for another."""
    setup = {"hidden_layers": 3, "units": 5, "activation": "relu", "seed": 7}
    tasks = [
        {"kind": "start", "setup": setup},
        {"kind": "start", "setup": setup},
        {"kind": "start", "setup": {**setup, "seed": 8}},
    ]
    first, again, other = run_page(tasks, tmp_path)
    net = model_from_page(first["network"])
    assert net.sizes == [2, 5, 5, 5, 1] and net.config()["fused"] is False and not first["fromPython"]
    x, y = np.array(first["x"]), np.array(first["y"])
    assert x.shape == (2, 64) and y.shape == (1, 64) and set(np.unique(y)) == {0.0, 1.0}
    np.testing.assert_allclose(x.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(x.std(axis=1), 1, rtol=1e-12)
    assert first == again and other["x"] != first["x"] and other["network"] != first["network"]


@needs_node
def test_page_opens_in_the_state_its_traits_describe(tmp_path):
    """A view opens with the weights, steps and layer of the traits (a second view, a saved notebook);
    a network of another architecture is ignored for the setup's start."""
    s = Recursion(hidden_layers=4, units=6, activation="tanh", seed=3, learning_rate=0.2)
    setup = {"hidden_layers": 4, "units": 6, "activation": "tanh", "seed": 3}
    initial = RecursionView(**setup).initial
    s.train(7)
    s.next_layer()
    s.next_layer()
    saved = {"network": page_network(s.model), "steps": 7, "layer": s.current}
    other = {"network": page_network(Recursion(2, 6, "tanh", 3).model), "steps": 7, "layer": 1}
    tasks = [{"kind": "resume", "setup": setup, "initial": initial, "saved": saved}]
    tasks.append({"kind": "resume", "setup": setup, "initial": initial, "saved": other})
    resumed, fresh = run_page(tasks, tmp_path)
    assert compare(s, resumed) <= TOL and resumed["current"] == 3
    start = Recursion(**setup)
    start.full_pass()
    assert compare(start, fresh) <= TOL and fresh["steps"] == 0


# ----------------------------------------------------------------------
# the widget in Python: settings, validation, read-back
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"hidden_layers": 0}, ValueError, "expected hidden_layers in 1 … 8, got 0"),
        ({"units": 17}, ValueError, "expected units in 1 … 16, got 17"),
        ({"activation": "softmax"}, ValueError, "expected activation 'sigmoid', 'tanh' or 'relu', got 'softmax'"),
        ({"seed": 21}, ValueError, "expected seed in 0 … 20, got 21"),
        ({"learning_rate": 0.0}, ValueError, "expected learning_rate to be a positive finite number"),
        ({"learning_rate": 50.0}, ValueError, r"expected learning_rate in 0.001 … 10 \(the slider's range\), got 50.0"),
        ({"train_steps": 0}, ValueError, "expected train_steps in 1 … 1000, got 0"),
        ({"units": 2.5}, ValueError, "expected units to be an integer in 1 … 16, got 2.5"),
        ({"full_pass": "yes"}, TypeError, "expected full_pass to be True or False, got 'yes'"),
    ],
)
def test_constructor_refuses_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=match):
        RecursionView(**kwargs)


def test_traits_refuse_bad_values_and_keep_the_old_ones():
    view = RecursionView(hidden_layers=2, units=3)
    for name, value, match in [
        ("units", 0, "could not set units: expected units in 1 … 16"),
        ("activation", "identity", "could not set activation: expected activation"),
        ("learning_rate", 1e-5, "could not set learning_rate: expected learning_rate in"),
    ]:
        before = getattr(view, name)
        with pytest.raises(traitlets.TraitError, match=match):
            setattr(view, name, value)
        assert getattr(view, name) == before


def test_python_sends_mlp_libs_start_and_reads_the_start_back():
    view = RecursionView(hidden_layers=2, units=3, activation="tanh", seed=4, full_pass=True)
    ref = Recursion(2, 3, "tanh", 4)
    assert view.initial["setup"] == {"hidden_layers": 2, "units": 3, "activation": "tanh", "seed": 4}
    assert np.array_equal(view.initial["x"], ref.x) and np.array_equal(view.initial["y"], ref.y)
    for key, value in ref.model.parameters().items():
        assert np.array_equal(view.model().parameters()[key], value)
    assert view.layer == 1 and view.steps == 0 and view.model().config()["fused"] is False
    view.seed = 9  # a new setup: mlp_lib's start for it, the pass begins again
    ref = Recursion(2, 3, "tanh", 9)
    assert view.initial["setup"]["seed"] == 9 and np.array_equal(view.initial["x"], ref.x)
    assert np.array_equal(view.model().W[1], ref.model.W[1]) and view.layer == view.model().J


# ----------------------------------------------------------------------
# the page in Chromium
# ----------------------------------------------------------------------
def status(page) -> str:
    return page.locator("[role=status]").first.inner_text()


def chart_labels(page) -> list:
    return page.eval_on_selector_all("svg[role=img]", "els => els.map(e => e.getAttribute('aria-label'))")


def chart_title(page) -> str:
    """The bar chart's title: activation, depth × width, step and loss."""
    return next(t for t in page.locator("svg text").all_text_contents() if "hidden; step" in t)


def trait(page, name: str):
    return page.evaluate(f"window.__model.get('{name}')")


@pytest.mark.browser
def test_buttons_change_the_page_and_python_reads_the_training_back(mount_widget):
    page = mount_widget(RecursionView(hidden_layers=3, units=3, activation="tanh", seed=2, train_steps=10))
    labels = chart_labels(page)
    assert len(labels) == 1 and "not computed yet" in labels[0]
    assert "Eq. (1)" in status(page) and trait(page, "layer") == 4
    page.get_by_role("button", name="Next layer").click()
    assert status(page).startswith("ϕ13 = Σk") and trait(page, "layer") == 3
    assert page.locator("table caption").inner_text().startswith("Eq. (2) for layer j = 3")
    page.get_by_role("button", name="Full pass").click()
    assert trait(page, "layer") == 1 and "not computed" not in chart_labels(page)[0]
    page.get_by_role("button", name="Next layer").click()  # after ϕ¹ the pass starts again
    assert trait(page, "layer") == 4
    page.get_by_role("button", name="Train").click()
    page.get_by_role("button", name="Train").click()
    assert trait(page, "steps") == 20 and "step 20" in chart_title(page)
    ref = Recursion(3, 3, "tanh", 2, learning_rate=0.5)
    ref.train(20)
    read = model_from_page(trait(page, "network"))
    assert max(rel(read.parameters()[k], v) for k, v in ref.model.parameters().items()) <= TOL
    page.get_by_role("button", name="Reset").click()
    assert trait(page, "steps") == 0 and "Eq. (1)" in status(page)
    assert np.array_equal(model_from_page(trait(page, "network")).W[1], Recursion(3, 3, "tanh", 2).model.W[1])


@pytest.mark.browser
def test_keyboard_reaches_and_works_every_control(mount_widget):
    page = mount_widget(RecursionView(hidden_layers=2, units=3, seed=0, train_steps=5))
    reached = []
    for _ in range(9):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.labels?.[0]?.textContent || document.activeElement.textContent")
        )
    assert reached == [
        "Hidden layers",
        "Units per layer",
        "Hidden σ",
        "Seed",
        "Learning rate η",
        "Next layer",
        "Full pass",
        "Train",
        "Reset",
    ]
    for label, name, expected in [
        ("Hidden layers", "hidden_layers", 3),
        ("Units per layer", "units", 4),
        ("Seed", "seed", 1),
        ("Learning rate η", "learning_rate", 10**-0.2),  # 0.5 is off the grid: its thumb sits at 10^-0.3
    ]:
        before = chart_labels(page)[0] + status(page)
        page.get_by_label(label, exact=True).focus()
        page.keyboard.press("ArrowRight")
        assert trait(page, name) == pytest.approx(expected, rel=1e-11)
        if name != "learning_rate":  # a new setup: a new network, shown
            assert chart_labels(page)[0] + status(page) != before
    page.get_by_role("button", name="Train").focus()
    page.keyboard.press("Enter")
    assert trait(page, "steps") == 5 and "step 5" in chart_title(page)
    page.get_by_label("Hidden σ", exact=True).focus()
    page.keyboard.press("ArrowDown")
    assert trait(page, "activation") == "tanh" and trait(page, "steps") == 0
    page.get_by_role("button", name="Next layer").focus()
    page.keyboard.press("Enter")
    assert trait(page, "layer") == 3
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # the focus is visible


@pytest.mark.browser
def test_python_changes_reach_the_page(mount_widget):
    view = RecursionView(hidden_layers=2, units=3, seed=0)
    page = mount_widget(view)
    view.seed = 6  # what a kernel sends: the new seed and mlp_lib's start for it
    page.evaluate("s => { window.__model.set('initial', s); window.__model.set('seed', 6); }", view.initial)
    assert page.get_by_label("Seed", exact=True).input_value() == "6"
    read = model_from_page(trait(page, "network"))
    assert np.array_equal(read.W[1], Recursion(2, 3, "sigmoid", 6).model.W[1])
    page.evaluate("window.__model.set('learning_rate', 0.01); window.__model.set('train_steps', 3)")
    page.get_by_role("button", name="Train").click()
    ref = Recursion(2, 3, "sigmoid", 6, learning_rate=0.01)
    ref.train(3)
    assert trait(page, "steps") == 3
    assert rel(model_from_page(trait(page, "network")).W[2], ref.model.W[2]) <= TOL


@pytest.mark.browser
def test_phone_width_has_no_sideways_scroll(mount_widget):
    page = mount_widget(RecursionView(hidden_layers=8, units=16, full_pass=True), viewport=PHONE)
    page.get_by_role("button", name="Train").click()
    page.get_by_role("button", name="Next layer").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sizes = page.eval_on_selector_all(
        "svg[role=img]", "els => els.map(e => e.getBoundingClientRect().width / e.viewBox.baseVal.width)"
    )
    assert min(sizes) * 11 >= 9  # the chart's 11-unit text is at least 9 px
    right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('.ui-panel *')].map(e => e.getBoundingClientRect().right))"
    )
    assert right <= PHONE["width"]
