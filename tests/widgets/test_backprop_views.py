"""The live backward-pass views (Eq. 2 step-through, Eq. 3 "nudge one weight"): the page's numbers are mlp_lib's.

The page computes the views with ``web/engine.js`` and ``web/backprop_steps.js``; that second
implementation is never trusted. Every test here runs the widget's own ES module (exactly the
text Python sends, ``esm_source()``) under node, on random networks, and compares what it shows
with mlp_lib: ``backward_steps`` and ``nudge_data`` (``MLP.forward``, ``MLP.gradients``,
``MLP.loss_value``), themselves checked against direct recomputation below.
The views in Chromium (every control by keyboard, the pictures' text alternatives, a phone's
width) are tested at the end with ``mount_widget``; on the built site in ``test_browser_backprop_views.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import traitlets

import mlp_lib
from mlp_lib.widgets import BackwardStepper, WeightNudge
from mlp_lib.widgets.backprop_views import backward_steps, esm_source, nudge_data
from mlp_lib.widgets.page_weights import model_from_page, page_network

from helpers import NODE, PHONE, run_node, tiny_sigmoid_model

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "backprop_views_driver.mjs"
needs_node = pytest.mark.skipif(
    NODE is None, reason="node is not installed (Debian package nodejs): the page's module cannot be run"
)
#: the page and mlp_lib compute the same sums in the same order, so they agree to rounding
TOL = 1e-12
N_NETWORKS = 120
ELEMENTWISE = ("identity", "relu", "sigmoid", "tanh")
RAW_MARKUP = ("^{", "_(", "_{", "\\frac", "$", "\\(", "\\[")


def run_page(tasks: list, tmp_path: Path) -> list:
    """Run the tasks on the widget's ES module in one node process; their results, in order."""
    module = tmp_path / "backprop_views_esm.mjs"
    module.write_text(esm_source(), encoding="utf-8")
    return run_node(DRIVER, module, tasks)


def rel(a, b) -> float:
    """max|a − b| / max(max|a|, max|b|, 1e-300): the relative error of an array (or number)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


def random_network(k: int, rng: np.random.Generator) -> tuple:
    """Case k: 1–4 layers of 1–6 units, every elementwise activation, MSE or sigmoid + BCE; one sample."""
    J = 1 + k % 4
    sizes = [int(n) for n in rng.integers(1, 7, size=J + 1)]
    hidden = [ELEMENTWISE[(k + j) % 4] for j in range(J - 1)]
    if k % 3 == 0:
        output, loss = "sigmoid", "bce"
    else:
        output, loss = ELEMENTWISE[(k // 4) % 4], "mse"
    model = mlp_lib.MLP(sizes, hidden=hidden, output=output, loss=loss, seed=k)
    for j in range(1, J + 1):
        model.W[j] = rng.normal(scale=1.2, size=model.W[j].shape)
        model.b[j] = rng.normal(scale=0.5, size=model.b[j].shape)
    x = rng.normal(size=sizes[0]).tolist()
    y = (rng.integers(0, 2, size=sizes[-1]) if loss == "bce" else rng.normal(size=sizes[-1])).astype(float).tolist()
    return model, x, y


small_model = tiny_sigmoid_model


# ----------------------------------------------------------------------
# mlp_lib's reference numbers, checked against direct recomputation
# ----------------------------------------------------------------------
def test_step_numbers_are_mlp_libs_phi_and_gradients():
    model, x, y = small_model()
    steps = backward_steps(model, x, y)
    fp, g = model.forward(x), model.gradients(x, y)
    data = {k: v for s in steps for k, v in s.data.items()}
    for j in (1, 2):
        np.testing.assert_array_equal(data[f"a{j}"], fp.a[j][:, 0])
        np.testing.assert_array_equal(data[f"z{j}"], fp.z[j][:, 0])
        np.testing.assert_array_equal(data[f"phi{j}"], g.phi[j][:, 0])
        np.testing.assert_array_equal(data[f"dW{j}"], g.dW[j])
        np.testing.assert_array_equal(data[f"db{j}"], g.db[j][:, 0])
    assert data["L"] == g.loss
    # The pieces multiply to mlp_lib's ϕ (Eq. 1 and the two halves of Eq. 2), ϕ aᵀ to ∇w (Eq. 3).
    np.testing.assert_allclose(data["back1"] * data["dsigma1"], g.phi[1][:, 0], rtol=1e-14)
    np.testing.assert_allclose(data["grad_a"] * data["dsigma2"], g.phi[2][:, 0], rtol=1e-14)
    np.testing.assert_allclose(np.outer(data["phi2"], data["a1"]), g.dW[2], rtol=1e-14)


def test_steps_follow_the_equations_in_order():
    model, x, y = small_model()
    eqs = [s.equation for s in backward_steps(model, x, y) if s.equation.startswith("Eq.")]
    assert eqs == ["Eq. (1)", "Eq. (2)", "Eq. (2)", "Eq. (3)", "Eq. (3)", "Eq. (4)"]
    deep = mlp_lib.MLP([2, 3, 3, 1], hidden="tanh", seed=0)
    eqs = [s.equation for s in backward_steps(deep, [[0.3], [0.1]], [[1.0]]) if s.equation.startswith("Eq.")]
    assert eqs == ["Eq. (1)"] + ["Eq. (2)"] * 4 + ["Eq. (3)"] * 3 + ["Eq. (4)"]
    with pytest.raises(ValueError, match="one sample"):
        backward_steps(mlp_lib.MLP([2, 3, 2]), np.zeros((2, 4)), np.zeros((2, 4)))


@pytest.mark.parametrize("j,i,k", [(1, 2, 1), (1, 3, 2), (2, 1, 3)])
def test_nudge_prediction_is_phi_a_eps_and_matches_the_actual_change_to_first_order(j, i, k):
    model, x, y = small_model()
    d = nudge_data(model, x, y, j, i, k, eps_max=1.0, n=41)
    g, fp = model.gradients(x, y), model.forward(x)
    assert d["phi"] == g.phi[j][i - 1, 0] and d["a"] == fp.a[j - 1][k - 1, 0]
    np.testing.assert_array_equal(d["predicted"], d["phi"] * d["a"] * d["eps"])
    assert d["gradient"] == pytest.approx(d["phi"] * d["a"], rel=1e-14)  # Eq. (3), one sample
    assert len(d["eps"]) == 41 and d["actual"][20] == 0.0 and d["eps"][20] == 0.0
    # The actual change is a real forward pass: recompute one point independently.
    twin = model.copy()
    twin.W[j][i - 1, k - 1] += d["eps"][30]
    assert d["actual"][30] == pytest.approx(twin.loss_value(x, y) - model.loss_value(x, y), rel=1e-12)
    # ΔL − ϕ a ε = O(ε²): the relative gap shrinks in proportion to ε as ε → 0.
    gaps = []
    for eps_max in (1e-1, 1e-2, 1e-3):
        small = nudge_data(model, x, y, j, i, k, eps_max=eps_max, n=3)
        gaps.append(abs(small["actual"][-1] - small["predicted"][-1]) / abs(small["predicted"][-1]))
    assert gaps[2] < 1e-3
    assert gaps[1] < gaps[0] / 5 and gaps[2] < gaps[1] / 5


def test_nudge_prediction_would_catch_a_swapped_index():
    """w_{k,i} in place of w_{i,k} (or the wrong ϕ) gives a slope the actual loss does not follow."""
    model, x, y = small_model()
    d = nudge_data(model, x, y, 1, 2, 1, eps_max=1e-3, n=3)
    slope = (d["actual"][-1] - d["actual"][0]) / (d["eps"][-1] - d["eps"][0])
    g, fp = model.gradients(x, y), model.forward(x)
    assert slope == pytest.approx(g.phi[1][1, 0] * fp.a[0][0, 0], rel=1e-5)
    assert slope != pytest.approx(g.phi[1][0, 0] * fp.a[0][1, 0], rel=1e-2)
    with pytest.raises(ValueError, match=r"^nudge_data: expected j in 1 … 2, got 3$"):
        nudge_data(model, x, y, 3, 1, 1)
    with pytest.raises(TypeError, match=r"^nudge_data: expected i to be an integer in 1 … 3, got 1\.5$"):
        nudge_data(model, x, y, 1, 1.5, 1)  # not rounded to a unit
    with pytest.raises(ValueError, match="one sample"):
        nudge_data(model, np.zeros((2, 2)), np.zeros((2, 2)), 1, 1, 1)


# ----------------------------------------------------------------------
# the page's numbers against mlp_lib's
# ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def random_cases():
    rng = np.random.default_rng(2026)
    return [random_network(k, rng) for k in range(N_NETWORKS)]


@needs_node
def test_page_steps_are_mlp_libs_on_random_networks(random_cases, tmp_path):
    tasks = [{"kind": "steps", "network": page_network(m), "x": x, "y": y} for m, x, y in random_cases]
    results = run_page(tasks, tmp_path)
    worst, n_numbers = 0.0, 0
    depths, activations = set(), set()
    for (model, x, y), got in zip(random_cases, results, strict=True):
        assert "error" not in got, got
        want = backward_steps(model, x, y)
        assert [s["equation"] for s in got] == [s.equation for s in want]
        for page_step, lib_step in zip(got, want, strict=True):
            assert set(page_step["data"]) == set(lib_step.data), page_step["title"]
            for key, value in lib_step.data.items():
                err = rel(page_step["data"][key], value)
                worst = max(worst, err)
                n_numbers += np.size(value)
                assert err <= TOL, f"{page_step['title']}: {key} differs by {err:.2e} for {model.sizes}"
        depths.add(model.J)
        activations.update(a.name for a in model.activations[1:])
    assert depths == {1, 2, 3, 4} and activations == set(ELEMENTWISE)
    print(f"\n{len(random_cases)} networks, {n_numbers} numbers: worst relative error {worst:.1e}")


@needs_node
def test_page_nudge_is_mlp_libs_on_random_networks(random_cases, tmp_path):
    rng = np.random.default_rng(7)
    tasks, cases = [], []
    for model, x, y in random_cases[:60]:
        j = int(rng.integers(1, model.J + 1))
        i, k = int(rng.integers(1, model.sizes[j] + 1)), int(rng.integers(1, model.sizes[j - 1] + 1))
        eps_max = float(rng.choice([1e-3, 0.5, 3.0]))
        tasks.append(
            {"kind": "nudge", "network": page_network(model), "x": x, "y": y, "j": j, "i": i, "k": k}
            | {"eps_max": eps_max, "n": 41}
        )
        cases.append((model, x, y, j, i, k, eps_max))
    worst = 0.0
    for (model, x, y, j, i, k, eps_max), got in zip(cases, run_page(tasks, tmp_path), strict=True):
        assert "error" not in got, got
        want = nudge_data(model, x, y, j, i, k, eps_max=eps_max, n=41)
        for key in ("w", "L", "phi", "a", "gradient", "eps", "predicted"):
            err = rel(got[key], want[key])
            worst = max(worst, err)
            assert err <= TOL, f"{key} differs by {err:.2e}"
        # ΔL is a difference of two nearly equal losses: compare on the scale of the loss itself.
        scale = max(abs(want["L"]), 1e-300)
        assert np.max(np.abs(np.array(got["actual"]) - want["actual"])) / scale <= TOL
        # one ΔL at ε = eps_max/3, against a forward pass of a changed copy done here
        twin = model.copy()
        twin.W[j][i - 1, k - 1] += eps_max / 3
        x_, y_ = np.array(x)[:, None], np.array(y)[:, None]
        assert abs(got["one"] - (twin.loss_value(x_, y_) - model.loss_value(x_, y_))) / scale <= TOL
    print(f"\n60 nudges: worst relative error {worst:.1e}")


@needs_node
def test_page_refuses_what_it_cannot_show(tmp_path):
    soft = mlp_lib.MLP([2, 3, 3], output="softmax", loss="cce")
    model, x, y = small_model()
    tasks = [
        {"kind": "steps", "network": page_network(soft), "x": [0.1, 0.2], "y": [1.0, 0.0, 0.0]},
        {"kind": "steps", "network": page_network(model), "x": [0.1, 0.2, 0.3], "y": [1.0, 0.0]},
        {"kind": "nudge", "network": page_network(model), "x": [0.1, 0.2], "y": [1.0, 0.0]}
        | {"j": 3, "i": 1, "k": 1, "eps_max": 1.0, "n": 41},
    ]
    results = run_page(tasks, tmp_path)
    assert "expected elementwise activations" in results[0]["error"] and "softmax" in results[0]["error"]
    assert results[1]["error"] == "expected 2 inputs x, got 3"
    assert results[2]["error"].startswith("expected 1 ≤ j ≤ 2")


def three_digits(v: float) -> str:
    """The book's way of writing a number in a picture, by Python's format: 3 significant digits,
    ·10ⁿ where ``%g`` would write an exponent (below 1e-4, from 1e3), a real minus sign."""
    if v == 0:
        return "0"
    text = f"{v:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = mantissa + "·10" + str(int(exponent)).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))
    return text.replace("-", "−")


@needs_node
def test_page_numbers_are_formatted_with_three_significant_digits(tmp_path):
    values = [0.0, 1.0, -1.0, 0.5, 1 / 3, -2 / 3, 123.456, 999.6, 1234.5, -0.00012345, 0.0001, 9.9996e-5]
    values += [1e-7, -3.2e12, 0.1 + 0.2, 2.675, 1.005, 0.99951]
    (got,) = run_page([{"kind": "fmt", "values": values}], tmp_path)
    assert got == [three_digits(v) for v in values]
    assert got[6:9] == ["123", "1·10³", "1.23·10³"] and got[9] == "−0.000123" and got[12] == "1·10⁻⁷"


@needs_node
def test_captions_show_no_tex_source(random_cases, tmp_path):
    tasks = [{"kind": "steps", "network": page_network(m), "x": x, "y": y} for m, x, y in random_cases[:8]]
    for steps in run_page(tasks, tmp_path):
        for step in steps:
            visible = re.sub(r"<[^>]+>", " ", step["caption"] + step["title"])
            for raw in RAW_MARKUP:
                assert raw not in visible, (raw, visible)


# ----------------------------------------------------------------------
# the widgets' Python side
# ----------------------------------------------------------------------
def test_widgets_send_the_model_and_read_it_back():
    model, x, y = small_model()
    stepper = BackwardStepper(model, x, y)
    assert stepper.view == "stepper" and stepper.x == [0.5, -1.0] and stepper.y == [1.0, 0.0]
    back = stepper.model()
    assert back is not model and back.config() == model.config()
    for j in (1, 2):
        np.testing.assert_array_equal(back.W[j], model.W[j])
        np.testing.assert_array_equal(back.b[j], model.b[j])
    # what the page writes back (e.g. after "New random weights") is what model() returns
    changed = page_network(model)
    changed["params"]["W1"][0][0] = 7.0
    stepper.network = changed
    assert stepper.model().W[1][0, 0] == 7.0
    nudge = WeightNudge(model, x, y, edge=(2, 1, 3), eps_max=2.0)
    assert nudge.view == "nudge" and nudge.edge == [2, 1, 3] and nudge.eps == 1.0 and nudge.eps_max == 2.0
    for widget in (stepper, nudge):
        assert "export function backwardSteps" in widget._esm and "export function forward" in widget._esm


def test_widgets_refuse_bad_input_with_clear_errors():
    model, x, y = small_model()
    with pytest.raises(TypeError, match="^BackwardStepper: expected model to be an mlp_lib.MLP, got 'net'$"):
        BackwardStepper("net", x, y)
    with pytest.raises(
        TypeError, match=r"^backward_steps: expected x to be an array of real numbers, got dtype complex128$"
    ):
        backward_steps(model, x + 1j, y)
    with pytest.raises(ValueError, match="small network"):
        BackwardStepper(mlp_lib.MLP([8, 3, 2]), np.zeros(8), np.zeros(2))
    with pytest.raises(ValueError, match="elementwise"):
        BackwardStepper(mlp_lib.MLP([2, 3, 3], output="softmax", loss="cce"), x, [1, 0, 0])
    with pytest.raises(ValueError, match="expected 2 numbers for x, got 3"):
        BackwardStepper(model, [1, 2, 3], y)
    with pytest.raises(ValueError, match="finite numbers"):
        BackwardStepper(model, [np.nan, 1], y)
    with pytest.raises(ValueError, match="expected edge"):
        WeightNudge(model, x, y, edge=(1, 4, 1))
    with pytest.raises(ValueError, match=r"^WeightNudge: expected eps_max to be a positive finite number, got 0\.0$"):
        WeightNudge(model, x, y, eps_max=0)
    with pytest.raises(TypeError, match=r"^WeightNudge: expected eps_max to be a positive finite number, got '1'$"):
        WeightNudge(model, x, y, eps_max="1")
    with pytest.raises(ValueError, match=r"^expected edge i in 1 … 3, got 4$"):
        WeightNudge(model, x, y, edge=(1, 4, 1))
    with pytest.raises(TypeError, match=r"^expected edge k to be an integer in 1 … 2, got 1\.7$"):
        WeightNudge(model, x, y, edge=(1, 1, 1.7))  # not truncated to 1
    with pytest.raises(ValueError, match="eps"):
        WeightNudge(model, x, y, eps_max=1.0, eps=2.0)
    nudge = WeightNudge(model, x, y)
    for trait, value, message in [
        ("edge", [3, 1, 1], "expected edge"),
        ("x", [1.0], "expected 2 numbers for x"),
        ("y", [1.0, float("inf")], "finite numbers"),
        ("network", {"config": {}}, "could not set the network"),
        ("eps", 1.5, "eps_max"),
    ]:
        before = getattr(nudge, trait)
        with pytest.raises(traitlets.TraitError, match=message):
            setattr(nudge, trait, value)
        assert getattr(nudge, trait) == before, f"a refused {trait} changed the widget"


def test_page_weights_round_trip_and_refuse_damage():
    model, _, _ = small_model()
    sent = json.loads(json.dumps(page_network(model)))  # what travels to the page and back
    back = model_from_page(sent)
    for j in (1, 2):
        np.testing.assert_array_equal(back.W[j], model.W[j])
    broken = json.loads(json.dumps(sent))
    broken["params"]["W2"] = [[1.0, 2.0]]
    with pytest.raises(ValueError, match=r"expected W2 \(2, 3\)"):
        model_from_page(broken)
    broken = json.loads(json.dumps(sent))
    del broken["params"]["b1"]
    with pytest.raises(ValueError, match="expected W1 and b1"):
        model_from_page(broken)


# ----------------------------------------------------------------------
# the views in Chromium: keyboard, names, text alternatives, a phone's width
# ----------------------------------------------------------------------
#: every enabled control of the view, in document order, as "tag:accessible-ish name"
CONTROLS_JS = """() => Array.from(document.querySelectorAll('.bv-root, .bv-root button, .bv-root input, .bv-root select'))
    .filter(e => !e.disabled && e.tabIndex >= 0).map(e => e.tagName + ':' + (e.getAttribute('aria-label') || e.textContent.trim()))"""
FOCUSED_JS = """() => { const e = document.activeElement;
    return {name: e.tagName + ':' + (e.getAttribute('aria-label') || e.textContent.trim()),
            outline: getComputedStyle(e).outlineStyle, width: parseFloat(getComputedStyle(e).outlineWidth)}; }"""


def tab_through(page, count: int) -> list:
    """Press Tab ``count`` times from the top of the page; each focused control, and that its focus ring shows."""
    seen = []
    for _ in range(count):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        assert focused["outline"] != "none" and focused["width"] >= 2, f"no visible focus on {focused['name']}"
        seen.append(focused["name"])
    return seen


def assert_pictures_have_text_alternatives(page) -> None:
    labels = page.eval_on_selector_all(
        "svg", "els => els.map(e => [e.getAttribute('role'), e.getAttribute('aria-label')])"
    )
    assert labels and all(role == "img" and label and label.strip() for role, label in labels), labels


@pytest.mark.browser
def test_step_through_works_by_keyboard_alone(mount_widget):
    model, x, y = small_model()
    page = mount_widget(BackwardStepper(model, x, y))
    counter = page.locator(".bv-counter")
    controls = page.evaluate(CONTROLS_JS)
    # Tab reaches the view itself (the arrow keys step there), then every control in order
    assert tab_through(page, len(controls)) == controls
    assert controls[0].startswith("DIV:One backward pass, step by step")
    for role, name in [
        ("button", "Next"),
        ("spinbutton", "input x1"),
        ("spinbutton", "target y2"),
        ("combobox", "activation of the hidden layers"),
        ("button", "New random weights"),
        ("button", "The book's weights"),
    ]:
        assert page.get_by_role(role, name=name, exact=True).count() == 1, (role, name)
    page.locator(".bv-root").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert counter.inner_text() == "Step 3 of 10" and page.evaluate("window.__model.get('step')") == 2
    page.keyboard.press("ArrowLeft")
    assert counter.inner_text() == "Step 2 of 10"
    # Prev by Enter down to step 1: Prev is disabled there and the focus moves to Next
    page.get_by_role("button", name="Prev", exact=True).focus()
    page.keyboard.press("Enter")
    assert counter.inner_text() == "Step 1 of 10"
    assert page.evaluate("document.activeElement.classList.contains('bv-next')")
    page.keyboard.press("Enter")
    assert counter.inner_text() == "Step 2 of 10"
    assert_pictures_have_text_alternatives(page)
    # a new input typed in, the activation by arrow key, new weights by Enter: each recomputes the view
    summary = page.locator(".bv-summary")
    before = summary.inner_text()
    page.get_by_role("spinbutton", name="input x1", exact=True).focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("2.5")
    page.keyboard.press("Tab")
    assert page.evaluate("window.__model.get('x')") == [2.5, -1.0] and summary.inner_text() != before
    before = summary.inner_text()
    page.get_by_role("combobox", name="activation of the hidden layers").focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("window.__model.get('network').config.hidden") == ["tanh"] and summary.inner_text() != before
    before = summary.inner_text()
    page.get_by_role("button", name="New random weights").focus()
    page.keyboard.press("Enter")
    assert summary.inner_text() != before


@pytest.mark.browser
def test_nudge_view_works_by_keyboard_alone(mount_widget):
    model, x, y = small_model()
    page = mount_widget(WeightNudge(model, x, y, edge=(2, 1, 3), eps_max=2.0))
    controls = page.evaluate(CONTROLS_JS)
    assert tab_through(page, len(controls)) == controls
    assert controls[:4] == [
        "SELECT:layer j",
        "SELECT:to unit i of layer j",
        "SELECT:from unit k of layer j − 1",
        "INPUT:epsilon, the change of the weight",
    ]
    readout = page.locator(".bv-readout")
    # the weight by the lists' arrow keys: layer 1 (its unit lists follow), then unit i = 2
    page.get_by_role("combobox", name="layer j", exact=True).focus()
    page.keyboard.press("ArrowUp")
    assert page.evaluate("window.__model.get('edge')") == [1, 1, 2]
    page.get_by_role("combobox", name="to unit i of layer j").focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("window.__model.get('edge')") == [1, 2, 2]
    assert "from unit 2 of layer 0 to unit 2 of layer 1" in page.locator(".bv-network svg").get_attribute("aria-label")
    # ε by the slider's arrow keys: the read-out and the model follow
    slider = page.get_by_role("slider", name="epsilon, the change of the weight")
    before = readout.inner_text()
    slider.focus()
    page.keyboard.press("ArrowRight")
    assert readout.inner_text() != before and readout.inner_text().startswith("ε = 1.01:")
    assert page.evaluate("window.__model.get('eps')") == pytest.approx(1.01)
    assert slider.get_attribute("aria-valuetext") == "ε = 1.01"
    assert_pictures_have_text_alternatives(page)


@pytest.mark.browser
@pytest.mark.parametrize("view", ["stepper", "nudge"])
def test_views_fit_a_phone(mount_widget, view):
    model, x, y = small_model()
    widget = BackwardStepper(model, x, y, step=7) if view == "stepper" else WeightNudge(model, x, y)
    page = mount_widget(widget, viewport=PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("svg").first.get_attribute("viewBox").startswith("0 0 440 ")  # the compact pictures
    assert_pictures_have_text_alternatives(page)
