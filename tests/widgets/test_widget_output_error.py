"""The Eq. (1) explorer: mlp_lib's :class:`OutputError`, and the page that computes it in the browser.

The page (``web/output_error.js`` on the browser engine) is never trusted: its numbers are run
under node on random setups and compared with :class:`OutputError`'s, and the widget is mounted
in Chromium to press its controls, by mouse and by keyboard, at desktop and phone widths.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import traitlets

from mlp_lib.widgets.output_error import LR_RANGE, OUTPUT_PAIRINGS, Z_RANGE, OutputError, OutputErrorView

from helpers import NODE, PHONE, run_node

DRIVER = Path(__file__).resolve().parent / "explorer_driver.mjs"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
#: the page and mlp_lib take the same steps with the same formulas: they agree to rounding
TOL = 1e-12
#: a whole run, each side from its own last z (see test_page_runs_follow_mlp_libs_runs)
RUN_TOL = 1e-10
N_SETUPS = 40


# ----------------------------------------------------------------------
# the logic (mlp_lib's reference)
# ----------------------------------------------------------------------
@pytest.mark.parametrize("pairing", list(OUTPUT_PAIRINGS))
def test_phi_is_product_of_factors_and_slope_of_loss(pairing):
    m = OutputError(pairing, z=0.7, y=0.3)
    f = m.factors()
    assert f["phi"] == pytest.approx(f["grad_a"] * f["dsigma"], rel=1e-12)
    eps = 1e-6
    slope = (m.loss_at(0.7 + eps) - m.loss_at(0.7 - eps)) / (2 * eps)
    assert f["phi"] == pytest.approx(slope, rel=1e-6)


def test_steps_lower_the_loss():
    m = OutputError("sigmoid+bce", z=3.0, y=0.0, learning_rate=1.0)
    m.step(20)
    assert len(m.history["loss"]) == 21
    assert m.history["loss"][-1] < m.history["loss"][0]
    assert m.z < 3.0


def test_bad_pairing_is_refused():
    with pytest.raises(ValueError, match="expected a pairing"):
        OutputError("softmax+cce")


# ----------------------------------------------------------------------
# the page's numbers, under node, against OutputError's
# ----------------------------------------------------------------------
def err(a, b) -> float:
    """max|a − b| / max(max|a|, max|b|, 1): relative above 1, absolute below (as np.isclose with rtol = atol).

    Not relative below 1: there the page and NumPy may differ by cancellation alone. Math.tanh and
    Math.exp may round by one unit in the last place differently from NumPy's, and σ′(z) = 1 − tanh²(z)
    near saturation or ∇ₐL ∝ a − y near the target subtract nearly equal numbers (both sides use the
    same formula). Every number here is at most about 400 (∇ₐL of BCE at |z| = 6).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) / max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1.0)


def random_setups(n: int, seed: int = 11) -> list:
    """Setups with every pairing, z in [−6, 6], y in [0, 1] (the ends included), η log-uniform on the slider, 0–40 steps."""
    rng = np.random.default_rng(seed)
    setups = []
    for k in range(n):
        y = (0.0, 1.0)[k % 2] if k % 5 == 0 else float(rng.uniform(0, 1))
        setup = {
            "pairing": list(OUTPUT_PAIRINGS)[k % len(OUTPUT_PAIRINGS)],
            "z": float(rng.uniform(*Z_RANGE)),
            "y": y,
            "learning_rate": float(10 ** rng.uniform(np.log10(LR_RANGE[0]), np.log10(LR_RANGE[1]))),
        }
        setups.append((setup, int(rng.integers(0, 41))))
    return setups


def run_page(tasks: list, tmp_path: Path) -> list:
    """The tasks run on the widget's ES module (exactly its ``_esm``) under node; their results, in order."""
    module = tmp_path / "output_error_esm.mjs"
    module.write_text(OutputErrorView._esm, encoding="utf-8")
    return run_node(DRIVER, module, tasks)


@needs_node
def test_page_steps_and_loss_curve_are_mlp_libs_on_random_setups(tmp_path):
    """At every z of mlp_lib's run the page's factors, loss and next z are mlp_lib's, to 1e-12 (:func:`err`)."""
    setups = random_setups(N_SETUPS)
    zs = np.linspace(*Z_RANGE, 301)
    refs, tasks = [], []
    for setup, steps in setups:
        ref = OutputError(**setup)
        ref.step(max(steps, 1))
        refs.append(ref)
        tasks.append({"fn": "oeLossAt", "args": [setup["pairing"], zs.tolist(), setup["y"]]})
        for z in ref.history["z"][:-1]:
            tasks.append({"fn": "oeFactors", "args": [setup["pairing"], z, setup["y"]]})
            tasks.append({"fn": "oeRun", "args": [{**setup, "z": z}, 1]})
    results = iter(run_page(tasks, tmp_path))
    worst, n_steps = 0.0, 0
    for (setup, _), ref in zip(setups, refs):
        errors = [err(next(results), ref.loss_at(zs))]
        points = ref.history["z"][:-1]
        page = [(next(results), next(results)) for _ in points]
        mine = [ref.factors(z) for z in points]
        for key in ("a", "grad_a", "dsigma", "phi", "loss"):
            errors.append(err([f[key] for f, _ in page], [f[key] for f in mine]))
        errors.append(err([one["z"][1] for _, one in page], ref.history["z"][1:]))
        assert max(errors) <= TOL, (setup, errors)
        worst = max(worst, *errors)
        n_steps += len(points)
    print(f"\n{N_SETUPS} setups, {n_steps} steps: worst error {worst:.1e} (tolerance {TOL:g})")


@needs_node
def test_page_runs_follow_mlp_libs_runs(tmp_path):
    """Whole runs of up to 40 steps, each side from its own last z.

    Not to 1e-12: Math.tanh and Math.exp may round differently from NumPy's by one unit in the
    last place, and with η up to 20 the map z ↦ z − η ϕ(z) can stretch such a difference by a
    factor |1 − η ϕ′(z)| > 1 at every step (measured: up to 2e-12 after 40 steps)."""
    setups = random_setups(N_SETUPS)
    results = run_page([{"fn": "oeRun", "args": [setup, steps]} for setup, steps in setups], tmp_path)
    worst = 0.0
    for (setup, steps), run in zip(setups, results):
        ref = OutputError(**setup)
        ref.step(steps)
        assert run["step"] == ref.history["step"], setup
        errors = [err(run[key], ref.history[key]) for key in ("z", "loss", "phi")]
        assert max(errors) <= RUN_TOL, (setup, steps, errors)
        worst = max(worst, *errors)
    print(f"\n{N_SETUPS} runs of up to 40 steps: worst error {worst:.1e} (tolerance {RUN_TOL:g})")


@needs_node
def test_page_refuses_an_unknown_pairing(tmp_path):
    (result,) = run_page([{"fn": "oeFactors", "args": ["softmax+cce", 0.0, 0.0]}], tmp_path)
    assert "expected a pairing" in result["error"] and "softmax+cce" in result["error"]


# ----------------------------------------------------------------------
# Python: the setup is checked, the run is read back
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad, error, message",
    [
        ({"pairing": "softmax+cce"}, ValueError, "expected a pairing"),
        ({"z": 7.0}, ValueError, r"expected the start z in \[-6, 6\], got 7.0"),
        ({"z": float("nan")}, ValueError, "the start z"),
        ({"y": 1.5}, ValueError, r"expected the target y in \[0, 1\]"),
        ({"y": "0"}, TypeError, "expected the target y to be a number"),
        ({"learning_rate": 0.0}, ValueError, "expected learning_rate in"),
        ({"learning_rate": 100.0}, ValueError, "expected learning_rate in"),
        ({"train_steps": 0}, ValueError, "expected train_steps in 1"),
        ({"train_steps": 2.5}, ValueError, "expected train_steps to be an integer"),
    ],
)
def test_constructor_refuses_bad_setups(bad, error, message):
    with pytest.raises(error, match=message):
        OutputErrorView(**bad)


def test_traits_refuse_bad_values_and_keep_the_old_ones():
    view = OutputErrorView()
    for name, value, message in [
        ("y", -0.1, "could not set y"),
        ("pairing", "tanh", "could not set pairing"),
        ("steps", -1, "steps"),
    ]:
        with pytest.raises(traitlets.TraitError, match=message):
            setattr(view, name, value)
    assert (view.y, view.pairing, view.steps) == (0.0, "sigmoid+mse", 0)


def test_step_train_reset_and_run_read_back():
    view = OutputErrorView(pairing="sigmoid+bce", z=2.0, y=1.0, learning_rate=0.5, train_steps=7)
    view.step()
    view.train()
    assert view.steps == 8
    run = view.run()
    ref = OutputError("sigmoid+bce", 2.0, 1.0, 0.5)
    ref.step(8)
    assert run.history == ref.history and run.history["step"][-1] == 8
    view.reset()
    assert view.run().history["step"] == [0]


# ----------------------------------------------------------------------
# the page in Chromium
# ----------------------------------------------------------------------
SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def status_numbers(page) -> dict:
    """The status line's numbers: ``{"step": 3, "z": …, "a": …, "∇ₐL": …, "σ′(z)": …, "ϕ": …, "L": …}``."""
    text = page.locator(".ui-status").inner_text()
    step = int(re.search(r"step (\d+):", text).group(1))
    out = {"step": step}
    for name, value in re.findall(r"([^\s,:]+) = ([^,]+)", text):
        mant, _, exp = value.strip().replace("−", "-").partition("·10")
        out[name] = float(mant) * 10 ** int(exp.translate(SUP) or 0)
    return out


def chart_labels(page) -> list:
    return page.eval_on_selector_all("svg[role=img]", "els => els.map(e => e.getAttribute('aria-label'))")


@pytest.mark.browser
def test_controls_and_buttons_change_what_the_page_shows_and_python_reads_it_back(mount_widget):
    page = mount_widget(OutputErrorView(train_steps=5))
    labels = chart_labels(page)
    assert len(labels) == 4 and all(label.strip() for label in labels)
    assert status_numbers(page)["step"] == 0
    page.get_by_role("button", name="Step").click()
    assert status_numbers(page)["step"] == 1
    page.get_by_role("button", name="Train").click()
    assert status_numbers(page)["step"] == 6
    page.get_by_role("button", name="Reset").click()
    assert status_numbers(page)["step"] == 0 and status_numbers(page)["z"] == 3.0
    page.evaluate("window.__model.set('steps', 3)")  # as Python's view.step(3) after display
    assert status_numbers(page)["step"] == 3
    page.get_by_role("button", name="Reset").click()
    before = chart_labels(page)
    page.get_by_label("Output σ + loss").select_option(label="tanh + MSE")
    page.get_by_label("Target y").fill("0.5")
    page.get_by_label("Start zᴶ").fill("-1")
    page.get_by_label("Learning rate η").fill("-1")  # log slider: 10^−1
    page.get_by_role("button", name="Train").click()
    assert chart_labels(page) != before
    state = page.evaluate("['pairing', 'z', 'y', 'learning_rate', 'steps'].map(k => window.__model.get(k))")
    assert state == ["tanh+mse", -1.0, 0.5, 0.1, 5]
    view = OutputErrorView(*state[:4])
    view.steps = state[4]
    expected = view.run().factors()
    shown = status_numbers(page)
    assert shown["step"] == 5
    for name, key in [("z", "z"), ("a", "a"), ("∇ₐL", "grad_a"), ("σ′(z)", "dsigma"), ("ϕ", "phi"), ("L", "loss")]:
        assert shown[name] == pytest.approx(expected[key], rel=1e-3, abs=1e-12), name  # four significant digits
    for label, position in [
        ("Start zᴶ", "-6"),
        ("Target y", "1"),
        ("Learning rate η", "1.3"),
        ("Learning rate η", "-2"),
    ]:
        page.get_by_label(label).fill(position)  # the ends of the sliders: Python takes what the page writes
        view.z, view.y, view.learning_rate = page.evaluate(
            "['z', 'y', 'learning_rate'].map(k => window.__model.get(k))"
        )


@pytest.mark.browser
def test_keyboard_reaches_and_works_every_control(mount_widget):
    page = mount_widget(OutputErrorView())
    reached = []
    for _ in range(7):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.labels?.[0]?.textContent || document.activeElement.textContent")
        )
    assert reached == ["Output σ + loss", "Start zᴶ", "Target y", "Learning rate η", "Step", "Train", "Reset"]
    page.locator("select").focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("window.__model.get('pairing')") == "sigmoid+bce"
    for label, trait, expected in [
        ("Start zᴶ", "z", 3.1),
        ("Target y", "y", 0.05),
        ("Learning rate η", "learning_rate", 1.26),
    ]:
        page.get_by_label(label).focus()
        page.keyboard.press("ArrowRight")
        assert page.evaluate(f"window.__model.get('{trait}')") == pytest.approx(expected, rel=1e-2)
    page.get_by_role("button", name="Step").focus()
    page.keyboard.press("Enter")
    assert status_numbers(page)["step"] == 1
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible


@pytest.mark.browser
def test_phone_width_has_no_sideways_scroll(mount_widget):
    page = mount_widget(OutputErrorView(), viewport=PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sizes = page.eval_on_selector_all(
        "svg[role=img]", "els => els.map(e => e.getBoundingClientRect().width / e.viewBox.baseVal.width)"
    )
    assert min(sizes) * 11 >= 9  # the charts' 11-unit text is at least 9 px
