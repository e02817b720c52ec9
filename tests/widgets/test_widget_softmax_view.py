"""The softmax explorer: mlp_lib's :class:`SoftmaxOutput`, and the page that computes it in the browser.

The page (``web/softmax_view.js`` on the browser engine) is never trusted: its numbers are computed
under node on random logits and compared with :class:`SoftmaxOutput`'s, and the widget is mounted
in Chromium to move its controls, by mouse and by keyboard, at desktop and phone widths.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import traitlets

from mlp_lib.widgets.softmax_view import MAX_CLASSES, SoftmaxOutput, SoftmaxOutputView

from helpers import NODE, PHONE, run_node

DRIVER = Path(__file__).resolve().parent / "softmax_view_driver.mjs"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
#: the page and mlp_lib compute the same sums in the same order: they agree to rounding
TOL = 1e-12
N_SETUPS = 60


# ----------------------------------------------------------------------
# the logic (mlp_lib's reference)
# ----------------------------------------------------------------------
def test_state_is_softmax_minus_one_hot():
    s = SoftmaxOutput([2.0, 1.0, -1.0], 1)
    e = np.exp([2.0, 1.0, -1.0])
    np.testing.assert_allclose(s.probabilities, e / e.sum(), rtol=1e-14)
    np.testing.assert_array_equal(s.target, [0.0, 1.0, 0.0])
    np.testing.assert_allclose(s.phi, s.probabilities - s.target, atol=1e-15)
    assert abs(s.phi.sum()) < 1e-14  # both a^J and y sum to 1
    assert s.loss == pytest.approx(-np.log(s.probabilities[1]), rel=1e-12)


def test_state_is_stable_for_huge_logits():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        s = SoftmaxOutput([1e4, -1e4, 0.0], 1)
    assert np.all(np.isfinite(s.probabilities)) and np.isfinite(s.loss)
    assert s.loss == pytest.approx(2e4)  # log Σ e^z ≈ 1e4, minus z_γ = −1e4


@pytest.mark.parametrize("logits, cls", [([1.0], 0), ([1.0, np.nan], 0), ([1.0, 2.0], 2), ([1.0, 2.0], True)])
def test_state_refuses_bad_input(logits, cls):
    with pytest.raises(ValueError, match="expected"):
        SoftmaxOutput(logits, cls)


# ----------------------------------------------------------------------
# the page's numbers, under node, against SoftmaxOutput's
# ----------------------------------------------------------------------
def rel(a, b) -> float:
    """max|a − b| / max(max|a|, max|b|, 1e-300): the relative error of two arrays (or numbers)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


def run_page(tasks: list, tmp_path: Path) -> list:
    module = tmp_path / "softmax_view_esm.mjs"
    module.write_text(SoftmaxOutputView._esm, encoding="utf-8")
    results = run_node(DRIVER, module, tasks)
    errors = [r["error"] for r in results if "error" in r]
    assert not errors, errors
    return results


def random_setups(n: int) -> list:
    """n setups: 2 … 10 classes, logits on the sliders' range (every fifth with logits up to ±1e4), a true class."""
    rng = np.random.default_rng(11)
    setups = []
    for k in range(n):
        K = int(rng.integers(2, MAX_CLASSES + 1))
        scale = 1e4 if k % 5 == 4 else 6.0
        setups.append({"logits": rng.uniform(-scale, scale, size=K).tolist(), "true_class": int(rng.integers(0, K))})
    return setups


@needs_node
def test_page_numbers_are_mlp_libs(tmp_path):
    """Probabilities, one-hot target, ϕ^J and the loss on N_SETUPS random setups."""
    setups = random_setups(N_SETUPS)
    results = run_page(setups, tmp_path)
    worst = 0.0
    for setup, page in zip(setups, results):
        expected = SoftmaxOutput(setup["logits"], setup["true_class"])
        state = page["state"]
        assert state["target"] == expected.target.tolist()
        errors = [
            rel(state["probabilities"], expected.probabilities),
            rel(state["phi"], expected.phi),
            rel(state["loss"], expected.loss),
        ]
        worst = max(worst, *errors)
        assert max(errors) <= TOL, (setup, errors)
        assert [c["values"] for c in page["charts"]] == [state["probabilities"], state["target"], state["phi"]]
    print(f"\nsoftmax: {len(setups)} random setups, worst relative error {worst:.1e} (tolerance {TOL:g})")


@needs_node
def test_page_status_charts_and_table_show_the_numbers(tmp_path):
    setups = [{"logits": [2.0, 1.0, -1.0], "true_class": 1}, {"logits": [0.5] * 6, "true_class": 4}]
    three, six = run_page(setups, tmp_path)
    expected = SoftmaxOutput(**setups[0])
    assert "true class γ = 1 (counting from 0)" in three["status"]
    assert f"<b>{expected.loss:.4f}</b>" in three["status"]
    assert [c["title"] for c in three["charts"]] == [
        "probabilities aᴶ = softmax(zᴶ)",
        "one-hot target y",
        "error ϕᴶ = aᴶ − y",
    ]
    assert three["charts"][0]["labels"] == ["class 0", "class 1 (γ)", "class 2"]
    assert f"class 1 {expected.phi[1]:.3f}".replace("-", "−") in three["charts"][2]["summary"]
    row = re.search(r"<tr><th scope=\"row\">probability aᴶ</th>(.*?)</tr>", three["table"]).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row) == [f"{v:.3f}" for v in expected.probabilities]
    assert six["charts"][1]["labels"] == ["0", "1", "2", "3", "4", "5"]
    assert six["charts"][1]["xLabel"].endswith("γ = 4")
    assert "class 4 (γ)" in six["table"]


# ----------------------------------------------------------------------
# Python: validation and the read-back
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"logits": [1.0]}, ValueError, "expected 2 … 10 logits"),
        ({"logits": [0.0] * 11}, ValueError, "expected 2 … 10 logits"),
        ({"logits": [[1.0, 2.0]]}, ValueError, "expected 2 … 10 logits in a flat sequence"),
        ({"logits": [1.0, math.nan]}, ValueError, "expected logits between −6 and 6"),
        ({"logits": [1.0, 7.0]}, ValueError, "expected logits between −6 and 6"),
        ({"logits": ["a", "b"]}, ValueError, "expected logits, a sequence of numbers"),
        ({"true_class": 3}, ValueError, "expected true_class in 0 … 2"),
        ({"true_class": True}, ValueError, "expected true_class to be an integer"),
        ({"limit": 0.0}, ValueError, "expected limit to be a positive finite number"),
        ({"limit": "6"}, TypeError, "expected limit to be a positive number"),
        ({"limit": 1.5}, ValueError, "expected logits between −1.5 and 1.5"),
    ],
)
def test_constructor_refuses_bad_setups(kwargs, error, match):
    with pytest.raises(error, match=match):
        SoftmaxOutputView(**kwargs)


def test_traits_refuse_bad_values_and_keep_the_old_ones():
    view = SoftmaxOutputView()
    for trait, value, match in [
        ("logits", [1.0], "could not set logits"),
        ("logits", [1.0, 2.0, 99.0], "could not set logits"),
        ("logits", [1.0, 2.0, math.inf], "could not set logits"),
        ("true_class", 3, "could not set true_class"),
        ("limit", 1.0, "could not set limit: expected a limit ≥ every |logit|"),
    ]:
        with pytest.raises(traitlets.TraitError, match=re.escape(match)):
            setattr(view, trait, value)
    view.true_class = 2
    with pytest.raises(traitlets.TraitError, match="the true class 2 is not one of 2 classes; set true_class first"):
        view.logits = [0.0, 1.0]
    assert (view.logits, view.true_class, view.limit) == ([2.0, 1.0, -1.0], 2, 6.0)


def test_logic_follows_the_traits():
    view = SoftmaxOutputView()
    before = view.logic.loss
    view.logits = [2.0, 5.0, -1.0]  # raise the true class's logit: its probability goes up, the loss down
    assert view.logic.loss < before and view.logic.phi[1] > -0.1
    view.true_class = 2  # now class 2 (counting from 0) is the truth and has a low logit: large loss
    np.testing.assert_array_equal(view.logic.target, [0.0, 0.0, 1.0])
    assert view.logic.loss > 5.0 and view.logic.phi[2] < -0.9


# ----------------------------------------------------------------------
# the page in Chromium
# ----------------------------------------------------------------------
def shown_loss(page) -> str:
    return page.locator("[role=status] b").inner_text()


def chart_labels(page) -> list:
    return page.eval_on_selector_all("svg[role=img]", "els => els.map(e => e.getAttribute('aria-label'))")


@pytest.mark.browser
def test_controls_change_what_the_page_shows_and_python_reads_it_back(mount_widget):
    page = mount_widget(SoftmaxOutputView())
    labels = chart_labels(page)
    assert len(labels) == 3 and all(label.strip() for label in labels)
    assert shown_loss(page) == f"{SoftmaxOutput([2.0, 1.0, -1.0], 1).loss:.4f}"
    page.get_by_label("logit z₁", exact=True).fill("5")
    assert page.evaluate("window.__model.get('logits')") == [2.0, 5.0, -1.0]
    assert chart_labels(page) != labels
    before = chart_labels(page)
    page.get_by_label("true class", exact=True).select_option(label="class 2")
    assert page.evaluate("window.__model.get('true_class')") == 2
    assert chart_labels(page) != before
    page.get_by_label("logit z₀", exact=True).fill("-3.7")
    state = page.evaluate("[window.__model.get('logits'), window.__model.get('true_class')]")
    assert state == [[-3.7, 5.0, -1.0], 2]
    view = SoftmaxOutputView(*state)
    assert shown_loss(page) == f"{view.logic.loss:.4f}"
    row = page.locator("tr", has=page.get_by_role("rowheader", name="probability aᴶ"))
    assert row.locator("td").all_inner_texts() == [f"{v:.3f}" for v in view.logic.probabilities]


@pytest.mark.browser
def test_keyboard_reaches_and_works_every_control(mount_widget):
    page = mount_widget(SoftmaxOutputView())
    reached = []
    for _ in range(4):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.labels?.[0]?.textContent"))
    assert reached == ["logit z₀", "logit z₁", "logit z₂", "true class"]
    page.get_by_label("logit z₂", exact=True).focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.__model.get('logits')") == pytest.approx([2.0, 1.0, -0.9], rel=1e-12)
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # the focus is visible
    page.get_by_label("true class", exact=True).focus()
    page.keyboard.press("ArrowUp")
    assert page.evaluate("window.__model.get('true_class')") == 0
    assert "true class γ = 0" in page.locator("[role=status]").inner_text()


@pytest.mark.browser
def test_python_changes_reach_the_page(mount_widget):
    page = mount_widget(SoftmaxOutputView())
    page.evaluate("window.__model.set('logits', [0, 0, 0, 0])")  # a kernel's view.logits = [0.0] * 4
    assert page.locator("input[type=range]").count() == 4
    assert shown_loss(page) == f"{math.log(4):.4f}"
    assert page.get_by_label("logit z₃", exact=True).input_value() == "0"


@pytest.mark.browser
@pytest.mark.parametrize("logits", [(2.0, 1.0, -1.0), (1, -2, 3, 0.5, 0, -6, 6, 2, 1, 0)])
def test_phone_width_has_no_sideways_scroll(mount_widget, logits):
    page = mount_widget(SoftmaxOutputView(logits=logits), viewport=PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sizes = page.eval_on_selector_all(
        "svg[role=img]", "els => els.map(e => e.getBoundingClientRect().width / e.viewBox.baseVal.width)"
    )
    assert min(sizes) * 11 >= 9  # the charts' 11-unit text is at least 9 px
