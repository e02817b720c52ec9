"""The saturation explorer: mlp_lib's :class:`Saturation`, and the page that trains it in the browser.

The page (``web/saturation.js`` on the browser engine) is never trusted: its runs are taken under
node on random setups and compared with :class:`Saturation`'s, and the widget is mounted in
Chromium to press its controls, by mouse and by keyboard, at desktop and phone widths.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import traitlets

from mlp_lib.widgets.saturation import (
    LEARNING_RATE_RANGE,
    LOGIT_RANGE,
    MAX_STEPS,
    Saturation,
    SaturationView,
    output_errors,
)

from helpers import NODE, PHONE, run_node

DRIVER = Path(__file__).resolve().parent / "saturation_driver.mjs"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
#: the page and mlp_lib take the same steps with the same formulas in the same order: they agree to rounding
TOL = 1e-12
N_SETUPS = 40


# ----------------------------------------------------------------------
# the logic (mlp_lib's reference)
# ----------------------------------------------------------------------
def test_output_errors_formulas():
    z = np.linspace(-8, 8, 33)
    for y in (0, 1):
        out = output_errors(z, y)
        s = 1 / (1 + np.exp(-z))
        np.testing.assert_allclose(out["sigma"], s)
        np.testing.assert_allclose(out["dsigma"], s * (1 - s))
        np.testing.assert_allclose(out["phi_bce"], s - y)
        np.testing.assert_allclose(out["phi_mse"], 2 * (s - y) * s * (1 - s))
    assert np.max(output_errors(z, 1)["dsigma"]) <= 0.25


def test_bce_escapes_saturation_and_mse_does_not():
    race = Saturation(logit=-6.0, target=1, learning_rate=1.0)
    race.step(50)
    assert race.error("bce") < 0.1
    assert race.error("mse") > 0.9
    assert race.history["step"][-1] == 50 and len(race.history["mse"]) == 51


def test_race_validates_and_resets():
    with pytest.raises(ValueError, match="expected target 0 or 1"):
        Saturation(target=2)
    with pytest.raises(ValueError, match="expected logit to be a finite number"):
        Saturation(logit=math.nan)
    race = Saturation(logit=3.0, target=0)
    race.step(3)
    race.reset()
    assert race.z == {"mse": 3.0, "bce": 3.0}


# ----------------------------------------------------------------------
# the page's numbers, under node, against Saturation's
# ----------------------------------------------------------------------
def rel(a, b) -> float:
    """max|a − b| / max(max|a|, max|b|, 1e-300): the relative error of two arrays (or numbers)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


def run_page(tasks: list, tmp_path: Path) -> list:
    module = tmp_path / "saturation_esm.mjs"
    module.write_text(SaturationView._esm, encoding="utf-8")
    results = run_node(DRIVER, module, tasks)
    errors = [r["error"] for r in results if isinstance(r, dict) and "error" in r]
    assert not errors, errors
    return results


def random_setups(n: int) -> list:
    """n setups over the controls' ranges: start logit, target, learning rate (log-uniform), steps 0 … 300."""
    rng = np.random.default_rng(2024)
    lo, hi = np.log10(LEARNING_RATE_RANGE)
    return [
        {
            "logit": float(rng.uniform(*LOGIT_RANGE)),
            "target": int(rng.integers(0, 2)),
            "learning_rate": float(10 ** rng.uniform(lo, hi)),
            "steps": int(rng.integers(0, 301)),
        }
        for _ in range(n)
    ]


@needs_node
def test_page_trains_the_runs_of_mlp_lib(tmp_path):
    """Both runs' logits, ϕ^J and error history after each setup's steps, on N_SETUPS random setups."""
    setups = random_setups(N_SETUPS)
    results = run_page([{"kind": "race", **s} for s in setups], tmp_path)
    worst = 0.0
    for setup, page in zip(setups, results):
        race = Saturation(setup["logit"], setup["target"], setup["learning_rate"])
        race.step(setup["steps"])
        assert page["history"]["step"] == race.history["step"]
        for name in Saturation.LOSSES:
            errors = [
                rel(page["z"][name], race.z[name]),
                rel(page["phi"][name], race.phi(name)),
                rel(page["history"][name], race.history[name]),
            ]
            worst = max(worst, *errors)
            assert max(errors) <= TOL, (setup, name, errors)
    print(f"\nsaturation: {len(setups)} random setups, worst relative error {worst:.1e} (tolerance {TOL:g})")


@needs_node
def test_page_curves_are_mlp_libs_output_errors(tmp_path):
    """σ, σ′ and ϕ^J of both losses at random logits (saturated ones included), for both targets."""
    rng = np.random.default_rng(7)
    cases = [(rng.uniform(-40, 40, size=int(rng.integers(1, 60))), int(rng.integers(0, 2))) for _ in range(N_SETUPS)]
    results = run_page([{"kind": "curves", "z": z.tolist(), "y": y} for z, y in cases], tmp_path)
    keys = {"sigma": "sigma", "dsigma": "dsigma", "phiMse": "phi_mse", "phiBce": "phi_bce"}
    for (z, y), page in zip(cases, results):
        expected = output_errors(z, y)
        for js, py in keys.items():
            assert rel(page[js], expected[py]) <= TOL, (js, y)


@needs_node
def test_page_charts_and_status_describe_the_runs(tmp_path):
    setup = {"logit": -6.0, "target": 1, "learning_rate": 1.0, "steps": 50}
    [page, constants] = run_page([{"kind": "race", **setup}, {"kind": "constants"}], tmp_path)
    assert constants == {"maxSteps": MAX_STEPS, "losses": list(Saturation.LOSSES)}
    race = Saturation(setup["logit"], setup["target"], setup["learning_rate"])
    race.step(50)
    status = re.sub(r"<[^>]+>", "", page["status"])  # the text, without the markup
    assert status.startswith("step 50 · MSE: z = −5.72, ϕJ = −0.0065")
    assert status.endswith(f"BCE: z = {race.z['bce']:.2f}, ϕJ = −0.0232, |ŷ − y| = {race.error('bce'):.3f}")
    sigmoid, phi, error = page["charts"]
    assert "|ϕᴶ| for target y = 1" in phi["title"]
    assert [d["x"] for d in phi["dots"]] == [race.z["mse"], race.z["bce"]]
    assert f"z = {race.z['bce']:.2f}" in phi["summary"]
    assert "over 50 steps" in error["summary"] and f"to {race.error('mse'):.3f}" in error["summary"]
    assert "σ′(z)" in sigmoid["summary"]


# ----------------------------------------------------------------------
# Python: validation and the read-back
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"logit": 11.0}, ValueError, "expected logit in -10 … 10"),
        ({"logit": math.nan}, ValueError, "expected logit to be a finite number"),
        ({"logit": "1"}, TypeError, "expected logit to be a number"),
        ({"target": 2}, ValueError, "expected target 0 or 1"),
        ({"target": True}, ValueError, "expected target 0 or 1"),
        ({"learning_rate": 0.0}, ValueError, "expected learning_rate in 0.01"),
        ({"learning_rate": 100.0}, ValueError, "expected learning_rate in 0.01"),
        ({"train_steps": 0}, ValueError, "expected train_steps to be a whole number"),
        ({"train_steps": 2.5}, ValueError, "expected train_steps to be a whole number"),
    ],
)
def test_constructor_refuses_bad_setups(kwargs, error, match):
    with pytest.raises(error, match=match):
        SaturationView(**kwargs)


def test_traits_refuse_bad_values_and_keep_the_old_ones():
    view = SaturationView()
    for trait, value, match in [
        ("logit", 20.0, "could not set logit"),
        ("target", 3, "could not set target"),
        ("learning_rate", 1e-3, "could not set learning_rate"),
        ("steps", -1, "could not set steps"),
        ("steps", MAX_STEPS + 1, "could not set steps"),
        ("train_steps", 0, "could not set train_steps"),
    ]:
        with pytest.raises(traitlets.TraitError, match=match):
            setattr(view, trait, value)
    assert (view.logit, view.target, view.learning_rate, view.steps, view.train_steps) == (-6.0, 1, 1.0, 0, 50)


def test_buttons_and_setup_changes_drive_the_race():
    view = SaturationView(train_steps=20)
    view.step()
    view.train()
    assert view.steps == 21 and view.race.history["step"][-1] == 21
    assert view.race.z["bce"] > -6.0  # BCE moved off the start
    view.train(MAX_STEPS)
    assert view.steps == MAX_STEPS  # the page stops there, so does Python
    view.reset()
    assert view.steps == 0 and view.race.history["step"] == [0]
    view.train()
    view.logit = 4.0  # a new setup restarts both runs, as in the page
    assert view.steps == 0 and view.race.z == {"mse": 4.0, "bce": 4.0}
    view.train()
    view.target = 0
    assert view.steps == 0 and view.race.target == 0
    view.train()
    view.learning_rate = 2.0
    assert view.steps == 0 and view.race.learning_rate == 2.0


# ----------------------------------------------------------------------
# the page in Chromium
# ----------------------------------------------------------------------
SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def page_number(text: str) -> float:
    """A number as the page writes it: real minus sign, ·10ⁿ for powers of ten."""
    mant, _, exp = text.strip().replace("−", "-").partition("·10")
    return float(mant) * 10 ** int(exp.translate(SUP) or 0)


def status_runs(page) -> dict:
    """The status line: {"step": n, "MSE": (z, ϕ, error), "BCE": (z, ϕ, error)}."""
    text = page.locator("[role=status]").first.inner_text()
    out = {"step": int(re.match(r"step (\d+)", text).group(1))}
    for name, z, phi, err in re.findall(r"(MSE|BCE): z = (\S+), ϕJ = (\S+), \|ŷ − y\| = ([\d.]+)", text):
        out[name] = (page_number(z), page_number(phi), float(err))
    return out


def chart_labels(page) -> list:
    return page.eval_on_selector_all("svg[role=img]", "els => els.map(e => e.getAttribute('aria-label'))")


@pytest.mark.browser
def test_controls_and_buttons_change_what_the_page_shows_and_python_reads_it_back(mount_widget):
    page = mount_widget(SaturationView(train_steps=50))
    labels = chart_labels(page)
    assert len(labels) == 3 and all(label.strip() for label in labels)
    assert status_runs(page)["step"] == 0
    page.get_by_role("button", name="Step").click()
    assert status_runs(page)["step"] == 1
    page.get_by_role("button", name="Train").click()
    assert status_runs(page)["step"] == 51
    page.get_by_role("button", name="Reset").click()
    assert status_runs(page)["step"] == 0 and status_runs(page)["MSE"][0] == -6.0
    before = chart_labels(page)
    page.get_by_label("Start logit", exact=True).fill("4")
    assert chart_labels(page) != before and status_runs(page)["BCE"][0] == 4.0
    before = chart_labels(page)
    page.get_by_label("Target y", exact=True).select_option(label="0")
    assert chart_labels(page) != before and "for target y = 0" in chart_labels(page)[1]
    for end in ("-2", "1.5"):  # the log slider's ends, 10^−2 and 10^1.5, are learning rates Python takes
        page.get_by_label("Learning rate η", exact=True).fill(end)
        SaturationView(learning_rate=page.evaluate("window.__model.get('learning_rate')"))
    page.get_by_role("button", name="Train").click()
    page.get_by_label("Learning rate η", exact=True).fill("0.5")  # 10^0.5: a new setup, both runs restart
    assert status_runs(page)["step"] == 0
    page.get_by_role("button", name="Train").click()
    state = page.evaluate("['logit', 'target', 'learning_rate', 'steps'].map(k => window.__model.get(k))")
    assert state[:2] == [4, 0] and state[2] == pytest.approx(10**0.5, rel=1e-11) and state[3] == 50
    view = SaturationView(*state[:3])
    view.steps = state[3]
    race, shown = view.race, status_runs(page)
    assert shown["step"] == 50
    for name in Saturation.LOSSES:
        z, phi, err = shown[name.upper()]
        assert z == round(race.z[name], 2) and err == round(race.error(name), 3)
        assert phi == pytest.approx(race.phi(name), rel=5e-3)  # three significant digits


@pytest.mark.browser
def test_keyboard_reaches_and_works_every_control(mount_widget):
    page = mount_widget(SaturationView())
    reached = []
    for _ in range(6):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.labels?.[0]?.textContent || document.activeElement.textContent")
        )
    assert reached == ["Start logit", "Target y", "Learning rate η", "Step", "Train", "Reset"]
    for label, trait, expected in [("Start logit", "logit", -5.5), ("Learning rate η", "learning_rate", 10**0.1)]:
        page.get_by_label(label, exact=True).focus()
        page.keyboard.press("ArrowRight")
        assert page.evaluate(f"window.__model.get('{trait}')") == pytest.approx(expected, rel=1e-11)
    page.get_by_label("Target y", exact=True).focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("window.__model.get('target')") == 0
    page.get_by_role("button", name="Step").focus()
    page.keyboard.press("Enter")
    assert status_runs(page)["step"] == 1
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # the focus is visible
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Train
    assert status_runs(page)["step"] == 51


@pytest.mark.browser
def test_python_changes_reach_the_page(mount_widget):
    page = mount_widget(SaturationView(logit=2.0, target=0, learning_rate=0.1))
    assert status_runs(page)["BCE"][0] == 2.0
    page.evaluate("window.__model.set('steps', 7)")  # as a kernel's train(7) arrives
    assert status_runs(page)["step"] == 7
    page.evaluate("window.__model.set('logit', -3); window.__model.set('steps', 0)")
    assert status_runs(page)["MSE"][0] == -3.0 and status_runs(page)["step"] == 0
    assert page.get_by_label("Start logit", exact=True).input_value() == "-3"


@pytest.mark.browser
def test_phone_width_has_no_sideways_scroll(mount_widget):
    page = mount_widget(SaturationView(), viewport=PHONE)
    page.get_by_role("button", name="Train").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sizes = page.eval_on_selector_all(
        "svg[role=img]", "els => els.map(e => e.getBoundingClientRect().width / e.viewBox.baseVal.width)"
    )
    assert min(sizes) * 11 >= 9  # the charts' 11-unit text is at least 9 px
