"""The live playground's front end in Chromium, mounted alone (no book build): under load, by keyboard,
with its text alternatives, and on a static page whose address carries the setup.

* the heaviest setup trains without a long frame: a step of 4096 samples is spread over several
  animation frames, and Pause stops training in its own click (the figures: benchmarks/bench_playground.py);
* every control is reached with Tab, shows its focus, has an accessible name and works from the keyboard;
* every canvas and chart has a one-line text alternative that follows the run;
* every control shows exactly the value of the setup (no slider between two positions);
* on a static page: a shared address opens its setup; a damaged address keeps the setup and the run
  (with a message); Back/Forward keep the run; a playground made for a given setup leaves the address alone.

The built site's page (the same widget in the book): tests/site/test_browser_playground.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, unquote

import pytest

from mlp_lib.widgets.playground import Playground
from mlp_lib.widgets.session import PlaygroundConfig

from helpers import DESKTOP, PHONE, TIMEOUT_MS

pytestmark = pytest.mark.browser

ROOT = ".pg-root"
HANDLE = "document.querySelector('.pg-root').__playground"
HEAVY = {
    "dataset": "spiral",
    "n_samples": 5000,
    "classes": 8,
    "test_fraction": 0.05,
    "hidden_layers": 4,
    "units": 32,
    "pairing": "softmax+cce",
    "batch_size": 4096,
}


def frames(page: Any, n: int) -> None:
    """Wait until the page has drawn ``n`` more animation frames."""
    page.evaluate(
        "n => new Promise(done => { const tick = k => k ? requestAnimationFrame(() => tick(k - 1)) : done(); tick(n); })",
        n,
    )


def settle(page: Any) -> None:
    """Wait until the page has finished its work (a redraw may be spread over a few frames)."""
    page.wait_for_function(f"() => !{HANDLE}.busy")


def step(page: Any) -> int:
    return int(page.evaluate(f"() => {HANDLE}.step"))


def control(page: Any, name: str) -> Any:
    return page.locator(f"{ROOT} [id$='-{name}']").first


def message(page: Any) -> str:
    box = page.locator(f"{ROOT} .pg-message")
    return box.inner_text() if box.is_visible() else ""


# --------------------------------------------------------------------------- under load


def test_heavy_steps_spread_over_frames_and_pause_acts_in_its_click(mount_widget: Any) -> None:
    page = mount_widget(Playground(HEAVY))
    control(page, "speed").select_option("max")
    page.evaluate(
        f"""() => {{ window.__probe = 0; const tick = () => {{ window.__probe++; if ({HANDLE}.running) requestAnimationFrame(tick); }};
                   document.querySelector('.pg-root button.pg-train').click(); requestAnimationFrame(tick); }}"""
    )
    page.wait_for_function(f"() => {HANDLE}.step >= 3", timeout=120_000)
    seen = page.evaluate(
        f"() => ({{frames: window.__probe, steps: {HANDLE}.step, perFrame: {HANDLE}.frames().map(f => f.steps),"
        f" work: {HANDLE}.frames().map(f => f.work)}})"
    )
    assert max(seen["perFrame"]) <= 1, f"expected at most one heavy step per frame, got {max(seen['perFrame'])}"
    assert seen["frames"] >= 2 * seen["steps"], f"expected each 4096-sample step spread over frames, got {seen}"
    # Pause in the middle of training: stopped when its click returns, and nothing moves afterwards
    out = page.evaluate(
        f"""() => {{ const b = document.querySelector('.pg-root button.pg-train'); b.click();
                    return {{running: {HANDLE}.running, label: b.textContent, step: {HANDLE}.step}}; }}"""
    )
    assert out["running"] is False and out["label"] == "Train", out
    frames(page, 20)
    assert step(page) == out["step"], "expected Pause to freeze the step counter"
    work = sorted(seen["work"])
    print(
        f"\nheavy setup: {seen['steps']} steps over {seen['frames']} frames; frame work median {work[len(work) // 2]:.1f} ms, longest {work[-1]:.1f} ms"
    )


# --------------------------------------------------------------------------- keyboard and screen readers

FOCUSABLE = (
    "input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea, button:not([disabled]), pre[tabindex]"
)


def test_every_control_is_reached_by_tab_shows_its_focus_and_has_a_name(mount_widget: Any) -> None:
    page = mount_widget(Playground())
    page.locator(f"{ROOT} label", has_text="Show the numbers").click()  # the numbers panel is focusable too
    expected = page.evaluate(
        f"""() => Array.from(document.querySelectorAll('{ROOT} :is({FOCUSABLE})')).filter(el => el.offsetParent !== null)
                 .map(el => el.id || el.textContent.trim())"""
    )
    page.evaluate("() => document.activeElement.blur()")
    reached, problems = [], []
    for _ in range(len(expected) + 5):
        page.keyboard.press("Tab")
        info = page.evaluate(
            """() => { const el = document.activeElement, s = getComputedStyle(el);
                const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
                return {key: el.id || el.textContent.trim(), name: (label || el.getAttribute('aria-label') || el.textContent || '').trim(),
                        outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2, inside: !!el.closest('.pg-root')}; }"""
        )
        if not info["inside"]:
            continue
        reached.append(info["key"])
        if not info["outline"]:
            problems.append(f"{info['key']}: no visible focus")
        if not info["name"]:
            problems.append(f"{info['key']}: no accessible name")
    assert set(expected) <= set(reached), f"expected Tab to reach {sorted(set(expected) - set(reached))}"
    assert len(expected) >= 20
    assert not problems, problems


def test_controls_work_from_the_keyboard(mount_widget: Any) -> None:
    page = mount_widget(Playground())
    config = lambda: page.evaluate("() => window.__model.get('config')")  # noqa: E731
    control(page, "test_fraction").focus()
    page.keyboard.press("ArrowRight")  # one position of the slider: 0.25 → 0.3
    assert config()["test_fraction"] == 0.3 and control(page, "test_fraction").input_value() == "0.3"
    control(page, "hidden_layers").focus()
    page.keyboard.press("ArrowLeft")
    assert config()["hidden_layers"] == 1
    control(page, "dataset").focus()
    page.keyboard.press("ArrowDown")  # two moons → circles
    assert config()["dataset"] == "circles"
    control(page, "seed").focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Tab")  # a number box reports its change when it loses the focus
    assert config()["seed"] == 1
    page.get_by_role("button", name="Step").focus()
    page.keyboard.press("Enter")
    assert step(page) == 1
    page.get_by_label("Show the numbers (Eqs. 1–4)").focus()
    page.keyboard.press("Space")
    assert page.locator(f"{ROOT} pre.pg-numbers").inner_text().startswith("Step 1:")
    train = page.locator(f"{ROOT} button.pg-train")
    train.focus()
    page.keyboard.press("Space")
    page.wait_for_function(f"() => {HANDLE}.step > 3")
    page.keyboard.press("Space")
    assert train.inner_text() == "Train" and train.get_attribute("aria-pressed") == "false"
    page.locator(f"{ROOT} textarea.pg-config").fill('{"dataset": "xor", "units": 8.0}')
    page.get_by_role("button", name="Apply config").focus()
    page.keyboard.press("Enter")
    assert "expected units to be an integer in 1 … 32, got 8.0" in message(page)
    assert config()["dataset"] == "circles"


def test_every_picture_has_a_summary_that_follows_the_run(mount_widget: Any) -> None:
    page = mount_widget(Playground(dataset="spiral", pairing="softmax+cce", hidden_layers=3, units=6))

    def labels() -> list:
        settle(page)
        return page.evaluate(
            f"() => Array.from(document.querySelectorAll('{ROOT} [role=img]')).map(e => [e.tagName, e.getAttribute('aria-label')])"
        )

    before = labels()
    assert [tag.lower() for tag, _ in before] == ["canvas", "svg", "svg", "svg", "svg"]
    assert all(label and len(label) > 20 for _, label in before), before
    assert "spiral" in before[0][1] and "3 classes" in before[0][1] and "step 0" in before[0][1]
    page.get_by_role("button", name="Step").click()
    after = labels()
    assert "at step 1" in after[0][1] and "at step 1" in after[1][1], after
    assert "j=4" in after[3][1] and "j=4" in after[4][1], "expected the norm charts to name every layer"
    page.locator(f"{ROOT} button.pg-train").click()
    frames(page, 30)
    page.locator(f"{ROOT} button.pg-train").click()
    at_rest = labels()
    assert all(f"step {step(page)}" in label for _, label in at_rest), at_rest


@pytest.mark.parametrize(
    "setup",
    [
        {"dataset": "xor", "noise": 0.55, "test_fraction": 0.35, "learning_rate": 0.05, "batch_size": 100},
        {
            "dataset": "blobs",
            "noise": 2.95,
            "classes": 7,
            "regularization": "l2",
            "regularization_rate": 0.02,
            "seed": 12,
        },
        {"dataset": "digits", "hidden_layers": 0, "pairing": "softmax+cce"},
        {"dataset": "sine", "pairing": "relu+mse", "noise": 5.0, "n_samples": 77},
    ],
)
def test_every_control_shows_the_value_that_runs(mount_widget: Any, setup: dict) -> None:
    cfg = PlaygroundConfig.from_dict(setup).to_dict()
    page = mount_widget(Playground(cfg))
    shown = page.evaluate(
        f"""() => Object.fromEntries(Array.from(document.querySelectorAll('{ROOT} .pg-controls :is(input, select)'))
               .map(el => [el.id.split('-').pop(), el.type === 'checkbox' ? el.checked : el.value]))"""
    )
    for name, value in cfg.items():
        if name == "classes" and setup["dataset"] not in ("spiral", "blobs"):
            continue  # shows the data set's own count (see the browser test of the site)
        if isinstance(value, bool):
            assert shown[name] is value, name
        else:
            assert float(shown[name]) == value if isinstance(value, (int, float)) else shown[name] == value, (
                name,
                shown[name],
                value,
            )


def test_fits_a_phone(mount_widget: Any) -> None:
    page = mount_widget(Playground(hidden_layers=4, units=3), viewport=PHONE)
    page.get_by_role("button", name="Step").click()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"expected no sideways scrolling at 390 px, got {width} px"


# --------------------------------------------------------------------------- a static page and its address

STATIC_MODEL = """(state) => {
  const listeners = {};
  window.__saved = 0;
  window.__model = {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; for (const f of listeners['change:' + k] || []) f(); },
    on: (e, f) => { (listeners[e] = listeners[e] || []).push(f); },
    off: () => {},
    save_changes: () => { window.__saved += 1; },
    send: () => {},
  };
  return window.__model;
}"""


@pytest.fixture
def static_page(browser: Any, tmp_path: Any) -> Iterator[Callable[..., Any]]:
    """``static_page(widget, fragment)`` → a page at file://…/page.html<fragment> that looks like the built
    site to the widget (it holds embedded widget state), with the widget mounted as mount_widget does."""
    contexts, errors = [], []

    def open_(widget: Playground, fragment: str = "") -> Any:
        html = tmp_path / "page.html"
        state = '<script type="application/vnd.jupyter.widget-state+json">{"state": {}}</script>'
        html.write_text(
            f"<!doctype html><html><head><style>{widget._css}</style></head><body><h2 id='experiments'>Experiments</h2>"
            f"<div id='w'></div>{state}</body></html>"
        )
        context = browser.new_context(viewport=DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(html.as_uri() + fragment)
        traits = {k: v for k, v in widget.get_state().items() if not k.startswith("_")}
        page.evaluate(
            "async ([src, state, fake]) => { const model = eval(fake)(state);"
            " const url = URL.createObjectURL(new Blob([src], {type: 'text/javascript'}));"
            " const M = await import(url); await M.default.render({ model, el: document.getElementById('w') }); }",
            [widget._esm, json.loads(json.dumps(traits)), STATIC_MODEL],
        )
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"errors in the page: {errors}"


def fragment_for(config: dict) -> str:
    return "#playground=" + quote(json.dumps(config, separators=(",", ":")), safe="")


def address(page: Any) -> dict | None:
    hash_ = page.evaluate("() => location.hash")
    return json.loads(unquote(hash_[len("#playground=") :])) if hash_.startswith("#playground=") else None


SHARED = PlaygroundConfig(dataset="xor", hidden_layers=1, units=4, seed=3).to_dict()


def test_a_damaged_address_keeps_the_setup_and_the_run(static_page: Any) -> None:
    page = static_page(Playground(), fragment_for(SHARED))
    assert page.evaluate(f"() => {HANDLE}.config") == SHARED and address(page) == SHARED
    page.locator(f"{ROOT} button.pg-train").click()
    page.wait_for_function(f"() => {HANDLE}.step > 5")
    for damaged in (
        "#playground=%7B%22dataset%22%3A%22moo",
        "#playground=" + quote('{"units": 8.0}'),
        "#playground=%E0%A4%A",
    ):
        steps = step(page)
        page.evaluate("h => { location.hash = h; }", damaged)
        page.wait_for_function("() => document.querySelector('.pg-root .pg-message').textContent !== ''")
        assert "could not be read" in message(page) and "keeps its current setup" in message(page)
        assert page.evaluate(f"() => [{HANDLE}.running, {HANDLE}.config]") == [True, SHARED], (
            "expected the run to go on"
        )
        page.wait_for_function(f"() => {HANDLE}.step > {steps}")
        assert address(page) == SHARED, "expected the address to show the setup that runs again"
        page.evaluate(
            "() => { const m = document.querySelector('.pg-root .pg-message'); m.textContent = ''; m.hidden = true; }"
        )


def test_back_and_forward_keep_the_run(static_page: Any) -> None:
    page = static_page(Playground(), fragment_for(SHARED))
    page.evaluate("() => { location.hash = '#experiments'; }")  # a section link: a new history entry
    control(page, "units").evaluate("el => { el.value = '6'; el.dispatchEvent(new Event('change')); }")
    changed = page.evaluate(f"() => {HANDLE}.config")
    assert changed["units"] == 6 and address(page) == changed
    for _ in range(7):
        page.get_by_role("button", name="Step").click()
    for move in ("history.back()", "history.forward()", "history.back()"):
        # popstate comes with every move; hashchange only when the address's fragment differs
        page.evaluate(
            f"() => new Promise(done => {{ addEventListener('popstate', () => setTimeout(done, 100), {{once: true}}); {move}; }})"
        )
        assert step(page) == 7 and page.evaluate(f"() => {HANDLE}.config") == changed, (
            f"expected {move} to keep the run"
        )
        assert address(page) == changed
    # a new address with another setup (a shared link opened on this page) loads it
    other = PlaygroundConfig(dataset="circles", seed=9).to_dict()
    page.evaluate("h => { location.hash = h; }", fragment_for(other))
    page.wait_for_function(f"() => {HANDLE}.config.dataset === 'circles'")
    assert step(page) == 0 and address(page) == other


def test_a_playground_for_a_given_setup_leaves_the_address_alone(static_page: Any) -> None:
    page = static_page(Playground({"dataset": "moons", "hidden_layers": 4, "activation": "sigmoid"}), "#experiments")
    control(page, "units").evaluate("el => { el.value = '6'; el.dispatchEvent(new Event('change')); }")
    page.get_by_role("button", name="Step").click()
    assert page.evaluate("() => location.hash") == "#experiments"
    assert not page.locator(f"{ROOT} .pg-share").is_visible()
    page.evaluate("h => { location.hash = h; }", fragment_for(SHARED))
    frames(page, 3)
    assert page.evaluate(f"() => {HANDLE}.config")["units"] == 6, "expected the address not to be read either"
