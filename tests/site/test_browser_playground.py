"""The live playground on the built website, in a real browser, offline (Debian's Chromium + Playwright).

The site is served from ``_build/html`` on 127.0.0.1 and every request that leaves it is blocked
(and is a failure). On the playground page, the widget trains in the page with the browser engine:

* Train advances the step counter and changes the boundary (canvas pixels) within 2 s; Pause
  freezes both; Train/Pause/Train and Reset/Train in quick succession never run two loops; Reset
  goes back to step 0 with the same picture and curves (SVG charts) as on load;
* switching to the spiral with softmax + CCE and 3 classes redraws, and trains;
* a shared address (``#playground=<url-encoded JSON>``) opens that setup, the address follows
  every change of the setup, and a damaged address shows a message and keeps the chapter's setup
  (the default); Back/Forward and damaged addresses while training: tests/widgets/test_playground_page.py;
* the state stays consistent (the promises of the retired ipywidgets view, now kept by the page):
  any Config text is refused with a clear "expected …" message and keeps the setup, the address
  and a running training; a refused control change (or a setup from Python the page cannot build)
  puts that control and the config back; Train right after Pause, Reset, Apply config, a control
  change or rapid clicks runs one loop; the Config box shows floats rounded to 12 digits and its
  text gives the same run elsewhere; the Classes control shows the data set's real count;
* it fits the text column (≤ 720 px wide at 1280 px, no sideways scrolling at 390 px), its
  controls are labelled, its buttons are buttons, its canvas and charts have labels, its text is
  ≥ 9 px and shows no TeX source.

The page spreads its work over animation frames: a redraw may end a frame or two after the action
that asked for it, so the helpers that read the picture wait until the page is at rest (``settle``).

On every page of the site, every control of the playground and of the backward-pass views changes
what the page shows, and every other widget with controls is an explorer or checker panel (whose
controls test_browser_widgets.py uses). The pages load without MathJax (the "widgets" context):
nothing here is about math.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest

from mlp_lib.widgets.session import PlaygroundConfig

from helpers import DESKTOP, PHONE, ROOT, Watch

pytestmark = pytest.mark.browser

PAGE = "chapters/playground.html"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
ROOT_SEL = ".pg-root"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def open_page(new_page: Any, site: str) -> Any:
    """open_page(fragment="", viewport=DESKTOP, path=PAGE) → (page, watch): a new tab of the shared desktop context."""

    def _open(fragment: str = "", viewport: dict = DESKTOP, path: str = PAGE) -> tuple[Any, Watch]:
        page, watch = new_page("widgets", viewport)
        page.goto(site + path + fragment, wait_until="load")
        if path == PAGE:
            page.wait_for_selector(f"{ROOT_SEL} canvas.pg-boundary")
            page.wait_for_function("() => document.querySelector('.pg-root').__playground !== undefined")
        return page, watch

    return _open


# --------------------------------------------------------------------------- helpers


def settle(page: Any) -> None:
    """Wait until the page has finished its work (training, or a redraw spread over a few frames) and its
    status shows the current step's evaluation (not "evaluating…")."""
    page.wait_for_function(
        """() => { const root = document.querySelector('.pg-root');
                   return !root.__playground.busy && !root.querySelector('.pg-status').textContent.includes('evaluating'); }"""
    )


def pixels(page: Any) -> str:
    """The boundary canvas's picture, at rest (a PNG data URL: equal strings = equal pixels)."""
    settle(page)
    return page.evaluate("() => document.querySelector('.pg-root canvas.pg-boundary').toDataURL()")


def charts(page: Any) -> list[str]:
    """The four charts, at rest: loss, accuracy, ‖ϕ^j‖ and ‖∇w^j‖ per layer, each as its text alternative
    and its curves (the SVG's path data; its clip-path ids change with every drawing)."""
    settle(page)
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.pg-root .pg-chart svg')).map(svg => svg.getAttribute('aria-label')
                 + ' ' + Array.from(svg.querySelectorAll('path')).map(p => p.getAttribute('d')).join('|'))"""
    )


def step(page: Any) -> int:
    return int(page.evaluate("() => document.querySelector('.pg-root').__playground.step"))


def config_box(page: Any) -> dict:
    return json.loads(page.locator(f"{ROOT_SEL} textarea.pg-config").input_value())


def address_config(page: Any) -> dict | None:
    fragment = page.evaluate("() => location.hash")
    if not fragment.startswith("#playground="):
        return None
    return json.loads(unquote(fragment[len("#playground=") :]))


def control(page: Any, name: str) -> Any:
    return page.locator(f"{ROOT_SEL} [id$='-{name}']").first


def set_range(page: Any, name: str, value: float) -> None:
    control(page, name).evaluate(
        "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', {bubbles: true}));"
        " el.dispatchEvent(new Event('change', {bubbles: true})); }",
        value,
    )


def train_button(page: Any) -> Any:
    return page.locator(f"{ROOT_SEL} button.pg-train")


def shared_fragment(config: dict) -> str:
    return "#playground=" + quote(json.dumps(config, separators=(",", ":")), safe="")


# --------------------------------------------------------------------------- tests


def test_train_pause_reset(open_page: Any) -> None:
    page, watch = open_page()
    assert step(page) == 0
    on_load, charts_on_load = pixels(page), charts(page)
    assert config_box(page) == PlaygroundConfig().to_dict()
    assert address_config(page) == PlaygroundConfig().to_dict(), "expected the address to carry the setup"

    train_button(page).click()
    page.wait_for_function("() => document.querySelector('.pg-root').__playground.step > 0")
    page.wait_for_function(
        "src => document.querySelector('.pg-root canvas.pg-boundary').toDataURL() !== src", arg=on_load
    )
    assert train_button(page).inner_text().strip() == "Pause"
    status = page.locator(f"{ROOT_SEL} .pg-status").inner_text()
    assert "step" in status

    train_button(page).click()  # Pause
    assert train_button(page).inner_text().strip() == "Train"
    frozen_step, frozen_picture = step(page), pixels(page)
    frames(page, 30)
    assert step(page) == frozen_step, "expected Pause to freeze the step counter"
    assert pixels(page) == frozen_picture, "expected Pause to freeze the picture"

    # Train/Pause/Train and Reset/Train in quick succession: one loop at a time, never two
    page.evaluate(
        """() => { const b = document.querySelector('.pg-root button.pg-train');
                   const r = Array.from(document.querySelectorAll('.pg-root button')).find(x => x.textContent === 'Reset');
                   b.click(); b.click(); b.click(); r.click(); b.click(); r.click(); b.click(); }"""
    )
    frames(page, 40)
    handle = page.evaluate(
        "() => { const p = document.querySelector('.pg-root').__playground; return [p.running, p.loopsAlive, p.mostLoopsAlive]; }"
    )
    assert handle == [True, 1, 1], f"expected one training loop at any time, got running/alive/most alive {handle}"
    ticks = page.evaluate(
        "() => { const now = performance.now(); return document.querySelector('.pg-root').__playground.frames()"
        ".filter(f => f.t > now - 500).length; }"
    )
    assert ticks <= 40, f"expected at most one tick per frame (≤ ~30 in 0.5 s at 60 Hz), got {ticks}: two loops?"
    train_button(page).click()

    page.locator(f"{ROOT_SEL} button", has_text="Reset").click()
    assert step(page) == 0
    assert pixels(page) == on_load, "expected Reset to show the same picture as on load"
    assert charts(page) == charts_on_load, "expected Reset to clear the curves (loss, accuracy, ‖ϕ^j‖, ‖∇w^j‖)"
    assert page.locator(f"{ROOT_SEL} .pg-status").inner_text().startswith("step 0")

    page.locator(f"{ROOT_SEL} button", has_text="Step").click()
    assert step(page) == 1
    assert not watch.take()


def test_spiral_softmax_three_classes(open_page: Any) -> None:
    page, watch = open_page()
    before = pixels(page)
    control(page, "dataset").select_option("spiral")
    control(page, "pairing").select_option("softmax+cce")
    set_range(page, "classes", 3)
    cfg = config_box(page)
    assert (cfg["dataset"], cfg["pairing"], cfg["classes"]) == ("spiral", "softmax+cce", 3)
    assert address_config(page) == cfg, "expected the address to follow the Config box"
    redrawn = pixels(page)
    assert redrawn != before, "expected the spiral to redraw the boundary panel"
    assert "spiral" in page.locator(f"{ROOT_SEL} .pg-boundary").get_attribute("aria-label")
    # three class colours among the points: (31,119,180), (255,127,14), (44,160,44)
    colours = page.evaluate(
        """() => { const c = document.querySelector('.pg-root canvas.pg-boundary');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; const seen = new Set();
                   for (let i = 0; i < d.length; i += 4) seen.add(`${d[i]},${d[i+1]},${d[i+2]}`);
                   return ['31,119,180', '255,127,14', '44,160,44'].map(k => seen.has(k)); }"""
    )
    assert all(colours), f"expected points of 3 classes, got colours present {colours}"
    train_button(page).click()
    page.wait_for_function("() => document.querySelector('.pg-root').__playground.step > 20", timeout=2000)
    page.wait_for_function(
        "src => document.querySelector('.pg-root canvas.pg-boundary').toDataURL() !== src", arg=redrawn, timeout=2000
    )
    train_button(page).click()
    assert not watch.take()


def test_shared_address_opens_that_setup(open_page: Any) -> None:
    shared = PlaygroundConfig(
        dataset="xor", noise=0.35, hidden_layers=3, units=5, activation="relu", learning_rate=0.03, batch_size=8, seed=7
    ).to_dict()
    page, watch = open_page(shared_fragment(shared))
    assert config_box(page) == shared
    assert address_config(page) == shared
    assert control(page, "dataset").input_value() == "xor"
    assert control(page, "activation").input_value() == "relu"
    assert control(page, "seed").input_value() == "7"
    assert not page.locator(f"{ROOT_SEL} .pg-message").is_visible()
    # the same link in a second tab gives the same picture
    picture = pixels(page)
    other, _ = open_page(shared_fragment(shared))
    assert pixels(other) == picture
    # the share line holds this link
    link = page.locator(f"{ROOT_SEL} input.pg-share-url").input_value()
    assert link.endswith(page.evaluate("() => location.hash"))
    # a change of setup moves the address with it
    control(page, "units").evaluate("el => { el.value = '6'; el.dispatchEvent(new Event('change')); }")
    assert config_box(page)["units"] == 6 and address_config(page)["units"] == 6
    # Apply config writes the address too, and clears an earlier error
    box = page.locator(f"{ROOT_SEL} textarea.pg-config")
    box.fill('{"dataset": "circles", "hidden_layers": 9}')
    page.locator(f"{ROOT_SEL} button", has_text="Apply config").click()
    message = page.locator(f"{ROOT_SEL} .pg-message")
    assert message.is_visible() and "hidden_layers" in message.inner_text()
    assert address_config(page)["units"] == 6, "expected a refused config to keep the setup (and the address)"
    box.fill('{"dataset": "circles"}')
    page.locator(f"{ROOT_SEL} button", has_text="Apply config").click()
    assert not message.is_visible()
    assert config_box(page) == address_config(page) == PlaygroundConfig(dataset="circles").to_dict()
    assert not watch.take()


@pytest.mark.parametrize(
    "fragment",
    [
        "#playground=%7B%22dataset%22%3A%22moo",
        "#playground=%E0%A4%A",
        "#playground=" + quote('{"dataset": "mnist"}'),
        "#playground=" + quote('{"units": 8.0}'),
        "#playground=" + quote('{"test_fraction": 0.33}'),
    ],
)
def test_damaged_address_shows_a_message_and_keeps_the_setup(open_page: Any, fragment: str) -> None:
    """The chapter's playground keeps its own setup (the default) and says what was wrong."""
    page, watch = open_page(fragment)
    message = page.locator(f"{ROOT_SEL} .pg-message")
    assert message.is_visible(), "expected a visible message for a damaged address"
    assert "could not be read" in message.inner_text()
    assert config_box(page) == PlaygroundConfig().to_dict()
    assert address_config(page) == PlaygroundConfig().to_dict(), "expected the address to agree with the Config box"
    assert step(page) == 0
    assert not watch.take()


def test_fits_the_column_and_is_accessible(open_page: Any, screenshot: Any) -> None:
    page, watch = open_page()
    width = page.locator(ROOT_SEL).bounding_box()["width"]
    assert width <= 725, f"expected the playground at most ~720 px wide at 1280 px, got {width}"
    report = page.evaluate(
        r"""() => {
            const root = document.querySelector('.pg-root'), out = {unlabelled: [], small: [], tex: [], buttons: 0, fake: []};
            for (const el of root.querySelectorAll('input, select, textarea')) {
                const label = el.id && root.querySelector(`label[for="${el.id}"]`);
                if (!label && !el.getAttribute('aria-label')) out.unlabelled.push(el.outerHTML.slice(0, 80));
            }
            out.buttons = root.querySelectorAll('button').length;
            out.controls = root.querySelectorAll('input, select, textarea, button').length;
            out.fields = Array.from(root.querySelectorAll('.pg-controls input, .pg-controls select')).map(el => el.id.split('-').pop());
            out.labels = Array.from(root.querySelectorAll('button')).map(b => b.textContent);
            for (const el of root.querySelectorAll('[onclick], [role=button]')) out.fake.push(el.outerHTML.slice(0, 80));
            for (const c of root.querySelectorAll('canvas')) if (!c.getAttribute('aria-label')) out.unlabelled.push('canvas');
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const node = walker.currentNode, el = node.parentElement;
                if (!node.nodeValue.trim() || el.closest('[hidden]')) continue;
                const size = parseFloat(getComputedStyle(el).fontSize);
                if (size < 9) out.small.push(`${size}px: ${node.nodeValue.slice(0, 30)}`);
            }
            const text = root.innerText + ' ' + Array.from(root.querySelectorAll('[aria-label]')).map(e => e.getAttribute('aria-label')).join(' ');
            for (const raw of ['^{', '_(', '_{', '\\frac', '$$']) if (text.includes(raw)) out.tex.push(raw);
            return out;
        }"""
    )
    assert not report["unlabelled"], f"expected every control labelled, got {report['unlabelled']}"
    assert report["buttons"] >= 5 and not report["fake"], f"expected real <button>s, got {report}"
    assert report["controls"] >= 16, f"expected at least 16 controls, got {report['controls']}"
    assert set(report["fields"]) <= set(PlaygroundConfig().to_dict()), report["fields"]
    assert {"Step", "Train", "Reset"} <= set(report["labels"]), report["labels"]
    assert not report["small"], f"expected text ≥ 9 px, got {report['small'][:5]}"
    assert not report["tex"], f"expected no TeX source in the text, got {report['tex']}"
    # show the numbers: labelled with Eqs. (1)–(4), no TeX
    panel = page.locator(f"{ROOT_SEL} pre.pg-numbers")
    assert not panel.is_visible()
    page.locator(f"{ROOT_SEL} label", has_text="Show the numbers").click()
    assert panel.is_visible() and "No step yet" in panel.inner_text()
    page.locator(f"{ROOT_SEL} button", has_text="Step").click()
    settle(page)
    numbers = panel.inner_text()
    for eq in ("Eq. (1)", "Eq. (2)", "Eq. (3)", "Eq. (4)"):
        assert eq in numbers
    assert numbers.startswith("Step 1:") and "Batch loss L = " in numbers
    screenshot(page.locator(ROOT_SEL), "playground-live-desktop.png")

    phone, phone_watch = open_page(viewport=PHONE)
    overflow = phone.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"expected no sideways scrolling at 390 px, got {overflow} px"
    box = phone.locator(ROOT_SEL).bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(phone.locator(ROOT_SEL), "playground-live-phone.png")
    assert not watch.take() and not phone_watch.take()


def test_divergence_shows_the_red_message(open_page: Any) -> None:
    too_fast = PlaygroundConfig(
        dataset="moons", hidden_layers=4, units=16, activation="relu", pairing="identity+mse", learning_rate=10.0
    ).to_dict()
    page, watch = open_page(shared_fragment(too_fast))
    train_button(page).click()
    banner = page.locator(f"{ROOT_SEL} .pg-diverged")
    banner.wait_for(state="visible", timeout=5000)
    assert "Training stopped" in banner.inner_text() and "Lower the learning rate" in banner.inner_text()
    assert "diverged" in banner.inner_text()
    assert train_button(page).inner_text().strip() == "Train", "expected training to stop by itself"
    color = banner.evaluate("el => getComputedStyle(el).color")
    assert color == "rgb(176, 0, 32)"
    steps = step(page)
    page.locator(f"{ROOT_SEL} button", has_text="Step").click()
    assert step(page) == steps and banner.is_visible(), "expected training to stay stopped …"
    control(page, "learning_rate").select_option("0.01")  # … until the learning rate changes (may try again)
    assert not banner.is_visible()
    page.locator(f"{ROOT_SEL} button", has_text="Reset").click()  # the kept weights may be huge: start over
    page.locator(f"{ROOT_SEL} button", has_text="Step").click()
    assert step(page) == 1 and not banner.is_visible()
    assert not watch.take()


# --------------------------------------------------------------------------- no silently dead control


def _chapter_pages() -> list[str]:
    """Every chapter of _toc.yml as its built page ("chapters/<name>.html")."""
    toc = (ROOT / "_toc.yml").read_text()
    return [f"chapters/{name}.html" for name in re.findall(r"file:\s*chapters/([\w-]+)", toc)]


# Pages that must hold live widgets: the playground, and the backward-pass views (step-through, nudge).
LIVE_ON = {PAGE: "playground", "chapters/eq2-recursion.html": "view", "chapters/eq3-weight-gradient.html": "view"}


def _live_controls_change_the_page(page: Any) -> list[str]:
    """Use every enabled control of the playground; each must change what the page shows."""
    seen = """() => { const r = document.querySelector('.pg-root');
        return [r.querySelector('canvas.pg-boundary').toDataURL(), r.querySelector('.pg-status').innerText,
                r.querySelector('textarea.pg-config').value, r.querySelector('.pg-numbers').hidden,
                r.querySelector('.pg-numbers').innerText, r.querySelector('.pg-message').innerText,
                Array.from(r.querySelectorAll('button')).map(b => b.textContent).join('|'), location.hash].join('\\n'); }"""
    problems = []

    def at_rest() -> str:
        settle(page)
        return page.evaluate(seen)

    controls = page.evaluate(
        """() => Array.from(document.querySelectorAll('.pg-root input, .pg-root select, .pg-root textarea, .pg-root button'))
                 .map((el, i) => ({i, tag: el.tagName, type: el.type, id: el.id, text: el.textContent, disabled: el.disabled,
                                   readonly: el.readOnly}))"""
    )
    for c in controls:
        el = page.locator(".pg-root input, .pg-root select, .pg-root textarea, .pg-root button").nth(c["i"])
        name = c["id"] or c["text"]
        if not el.is_visible():
            continue  # e.g. "Copy link" of a playground that does not share its setup in the address
        if c["disabled"]:
            continue  # e.g. Classes for the two moons: switched off where it does not apply
        before = at_rest()
        if c["tag"] == "SELECT":
            options = el.evaluate("s => Array.from(s.options).map(o => o.value)")
            current = el.input_value()
            choice = next(v for v in options if v != current)
            if name.endswith("-speed"):
                el.select_option("1")
                train_button(page).click()
                frames(page, 20)
                slow = step(page)
                train_button(page).click()
                el.select_option("max")
                train_button(page).click()
                frames(page, 20)
                train_button(page).click()
                if step(page) - slow <= 2 * slow:
                    problems.append(f"{name}: expected a higher speed to train faster")
                continue
            el.select_option(choice)
        elif c["type"] == "range":
            lo, hi, value = el.evaluate("e => [Number(e.min), Number(e.max), Number(e.value)]")
            set_range(page, name.split("-")[-1], hi if value != hi else lo)
        elif c["type"] == "checkbox":
            el.evaluate("e => e.click()")
        elif c["type"] == "number":
            el.fill(str(int(el.input_value()) + 1))
            el.dispatch_event("change")
        elif c["tag"] == "TEXTAREA" or c["readonly"]:
            continue  # the Config box is used through Apply config; the share line is read-only
        elif c["tag"] == "BUTTON":
            if c["text"] == "Apply config":
                page.locator(f"{ROOT_SEL} textarea.pg-config").fill('{"dataset": "xor"}')
            if c["text"] == "Reset":
                page.locator(f"{ROOT_SEL} button", has_text="Step").click()
                before = at_rest()
            el.click()
            if c["text"] in ("Train", "Pause"):
                frames(page, 10)
                after = page.evaluate(seen)
                train_button(page).click()
                if after == before:
                    problems.append(f"button {c['text']!r} changed nothing")
                continue
        if at_rest() == before:
            problems.append(f"control {name!r} ({c['tag']} {c['type']}) changed nothing on the page")
        page.locator(f"{ROOT_SEL} button", has_text="Reset").click()
    return problems


def _backprop_view_controls_change_the_page(page: Any, n: int) -> list[str]:
    """Use every control of the n-th live backward-pass view (.bv-root); each must change what it shows."""
    root = f"document.querySelectorAll('.bv-root')[{n}]"
    seen = f"() => {{ const r = {root}; return r.querySelector('.bv-figure').innerHTML + r.innerText; }}"
    problems = []
    sel = f".bv-root >> nth={n}"
    controls = page.locator(sel).locator("input, select, button")
    for c in range(controls.count()):
        el = controls.nth(c)
        tag, kind, text = el.evaluate("e => [e.tagName, e.type, e.textContent]")
        name = el.get_attribute("aria-label") or text
        if el.is_disabled():  # Prev on the first step: step forward first
            page.locator(sel).locator("button.bv-next").click()
        if text == "The book's weights":
            page.locator(sel).locator("button.bv-new-weights").click()
        before = page.evaluate(seen)
        if tag == "SELECT":
            options = el.evaluate("s => Array.from(s.options).map(o => o.value)")
            if len(options) < 2:
                continue  # e.g. "layer j" of a one-layer choice: nothing else to choose
            el.select_option(next(v for v in options if v != el.input_value()))
        elif kind == "range":
            el.evaluate("e => { e.value = e.min; e.dispatchEvent(new Event('input', {bubbles: true})); }")
        elif kind == "number":
            el.fill(str(float(el.input_value()) + 0.5))
            el.dispatch_event("change")
        else:
            el.click()
        if page.evaluate(seen) == before:
            problems.append(f"control {name!r} ({tag} {kind}) changed nothing on the page")
    return problems


@pytest.mark.parametrize("path", _chapter_pages())
def test_no_silently_dead_control(open_page: Any, built_book: Path, path: str) -> None:
    """Every control of the playground and the backward-pass views changes what the page shows, and
    no other widget has controls unless it is an explorer or checker panel (.ui-panel)."""
    assert (built_book / path).is_file(), f"expected {path} in the built site"
    if WIDGET_STATE not in (built_book / path).read_text(errors="replace"):
        assert path not in LIVE_ON, f"expected live widgets on {path}, got a page without widgets"
        return
    problems, live, panels, views = [], 0, 0, 0
    page, watch = open_page(path=path)
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'))
             .every(s => s.previousElementSibling && s.previousElementSibling.querySelector('.jupyter-widgets, .pg-root, .bv-root'))"""
    )
    areas = page.evaluate(
        """() => Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')).map(s => {
             const area = s.previousElementSibling;
             const controls = Array.from(area.querySelectorAll('input, button, select, textarea, [contenteditable=true], .widget-slider'));
             const views = Array.from(document.querySelectorAll('.bv-root'));
             const view = area.querySelector('.bv-root');
             return {live: !!area.querySelector('.pg-root'), view: view ? views.indexOf(view) : -1, controls: controls.length,
                     panel: !!area.querySelector('.ui-panel'), needsPython: !!document.querySelector('.needs-python')};
           })"""
    )
    for i, area in enumerate(areas):
        where = f"widget {i + 1}"
        if area["view"] >= 0:
            live, views = live + 1, views + 1
            problems += [f"{where}: {p}" for p in _backprop_view_controls_change_the_page(page, area["view"])]
        elif area["live"]:
            live += 1
            problems += [f"{where}: {p}" for p in _live_controls_change_the_page(page)]
        elif area["panel"]:
            panels += 1  # an explorer or the checker: test_browser_widgets.py uses its controls
        elif area["controls"]:
            problems.append(f"{where}: {area['controls']} control(s) in a widget that is not live in the page")
        if area["needsPython"]:
            problems.append("the page says a widget needs Python")
    problems += watch.take()
    print(
        f"\n{path}: widgets with controls: {live} live ({views} backward-pass views), {panels} explorer/checker panels"
    )
    if LIVE_ON.get(path) == "playground":
        assert live - views >= 1, f"expected the live playground on {path}"
    if LIVE_ON.get(path) == "view":
        assert views >= 1, f"expected a live backward-pass view on {path}"
    assert not problems, "\n  ".join([f"dead or unmarked controls on {path}:", *problems])


# --------------------------------------------------------------------------- the playground's state in the page
# (ported from the retired ipywidgets view's tests: the same promises, kept by the page itself)


def frames(page: Any, n: int) -> None:
    """Wait until the page has drawn ``n`` more animation frames (the playground trains once per frame)."""
    page.evaluate(
        "n => new Promise(done => { const tick = k => k ? requestAnimationFrame(() => tick(k - 1)) : done(); tick(n); })",
        n,
    )


def page_state(page: Any, at_rest: bool = True) -> dict:
    """What a refused change must leave alone: the setup, the step, the picture, the address, every control
    (at rest, or as they are: while training, the step and the picture move on)."""
    if at_rest:
        settle(page)
    return page.evaluate(
        """() => { const r = document.querySelector('.pg-root'), p = r.__playground;
            return {config: p.config, step: p.step, picture: r.querySelector('canvas.pg-boundary').toDataURL(),
                    hash: location.hash,
                    controls: Array.from(r.querySelectorAll('.pg-controls input, .pg-controls select'))
                        .map(el => [el.id.split('-').pop(), el.type === 'checkbox' ? el.checked : el.value, el.disabled])}; }"""
    )


def message_text(page: Any) -> str:
    message = page.locator(f"{ROOT_SEL} .pg-message")
    return message.inner_text() if message.is_visible() else ""


SMALL_XOR = PlaygroundConfig(dataset="xor", hidden_layers=1, units=4).to_dict()

# every text is refused with a clear "expected …" message, the one PlaygroundConfig gives wherever a
# setting is refused (tests/widgets/test_playground_live.py); the page's JSON.parse refuses NaN/Infinity
# outright and reads an over-long integer as Infinity, where Python reads and refuses them
HOSTILE_TEXTS = [
    ("[" * 100_000, "at most 10000 characters, got 100000"),
    ("[" * 9_000, "nested at most 4 levels deep"),
    ('{"a": ' * 1000 + "1" + "}" * 1000, "nested at most 4 levels deep"),
    ("[" * 500 + "]" * 500, "nested at most 4 levels deep"),
    ('{"seed": 1' + "0" * 5000 + "}", "expected seed to be an integer"),
    ('{"seed": 1e400}', "expected seed to be an integer"),
    ('{"noise": 1e400}', "expected noise in"),
    ('{"noise": NaN}', "invalid JSON"),
    ('{"learning_rate": Infinity}', "invalid JSON"),
    ('{"units": 8.0}', "expected units to be an integer in 1 … 32, got 8.0"),
    ('{"seed": 1e3}', "expected seed to be an integer in 0 … 4294967295, got 1000.0"),
    ('{"n_samples": 500.0}', "expected n_samples to be an integer in 8 … 5000, got 500.0"),
    ('{"test_fraction": 0.33}', "expected test_fraction in steps of 0.05"),
    ('{"dataset": "blobs", "n_samples": 8, "classes": 8}', "stratified split"),
    ('{"dataset": {"name": "moons"}}', "expected dataset to be one of"),
    ('{"dataset": "iris"}', "expected dataset to be one of"),
    ("null", "expected a JSON object of playground settings, got null"),
    ("\ud800", "invalid JSON"),
    ("", "invalid JSON"),
]


def test_any_config_text_gives_a_clear_error_and_keeps_state_and_training(open_page: Any) -> None:
    page, watch = open_page(shared_fragment(SMALL_XOR))
    train_button(page).click()
    page.wait_for_function("() => document.querySelector('.pg-root').__playground.step > 0")
    for text, expected in HOSTILE_TEXTS:
        # the text goes in as JSON (so that a lone surrogate survives the trip), is typed into the
        # Config box and applied, all in one task: the state is read before and after in the same frame
        out = page.evaluate(
            """(json) => { const r = document.querySelector('.pg-root'), p = r.__playground;
                const box = r.querySelector('textarea.pg-config'), text = JSON.parse(json);
                const before = {config: p.config, hash: location.hash, running: p.running};
                box.value = text; box.dispatchEvent(new Event('input', {bubbles: true}));
                Array.from(r.querySelectorAll('button')).find(b => b.textContent === 'Apply config').click();
                return {before, after: {config: p.config, hash: location.hash, running: p.running},
                        kept: box.value === text}; }""",
            json.dumps(text),
        )
        what = text[:40]
        message = message_text(page)
        assert message.startswith("Could not apply the config: expected"), (what, message)
        assert expected in message, (what, message)
        assert "keeps its current setup" in message
        assert out["after"] == out["before"], f"{what}: expected the setup, the address and training kept"
        assert out["after"]["running"], f"{what}: expected a refused Apply not to stop training"
        assert out["kept"], f"{what}: expected the text to stay in the Config box, to be corrected"
    before = page_state(page, at_rest=False)
    steps = step(page)
    page.wait_for_function(f"() => document.querySelector('.pg-root').__playground.step > {steps}")
    assert step(page) > steps, "expected training to go on"
    train_button(page).click()
    after = page_state(page)
    assert after["config"] == before["config"] == SMALL_XOR
    assert after["controls"] == before["controls"] and after["hash"] == before["hash"]
    assert address_config(page) == SMALL_XOR
    assert not watch.take()


@pytest.mark.parametrize("dataset", ["blobs", "spiral"])
def test_a_refused_control_change_reverts_the_control_and_the_config(open_page: Any, dataset: str) -> None:
    setup = PlaygroundConfig(dataset=dataset, n_samples=8, classes=2).to_dict()
    page, watch = open_page(shared_fragment(setup))
    page.locator(f"{ROOT_SEL} button", has_text="Step").click()
    before, box = page_state(page), config_box(page)
    set_range(page, "classes", 8)  # eight classes of one point each: the split refuses them
    message = message_text(page)
    assert "Classes: expected at least one class with 2 or more samples" in message and "kept 2" in message, message
    assert page_state(page) == before, "expected the setup, step, picture, address and every control as before"
    assert control(page, "classes").input_value() == "2"
    assert page.locator(f"{ROOT_SEL} output.pg-readout[for$='-classes']").inner_text() == "2"
    assert config_box(page) == box == setup and address_config(page) == setup
    # a seed that is no seed is refused the same way
    control(page, "seed").fill("-5")
    control(page, "seed").dispatch_event("change")
    assert "Seed: expected seed" in message_text(page) and "kept 0" in message_text(page)
    assert control(page, "seed").input_value() == "0" and page_state(page) == before
    # the shown setup still loads: the same link gives the same run
    other, _ = open_page(shared_fragment(config_box(page)))
    page.locator(f"{ROOT_SEL} button", has_text="Reset").click()
    assert pixels(other) == pixels(page)
    # and the playground goes on working: a good change afterwards applies and clears the message
    control(page, "units").evaluate("el => { el.value = '3'; el.dispatchEvent(new Event('change')); }")
    assert config_box(page)["units"] == 3 and message_text(page) == ""
    assert not watch.take()


def test_a_setup_from_python_that_the_page_refuses_is_written_back(open_page: Any) -> None:
    """Python checks a setup with PlaygroundConfig, but only the page builds its data: a setup it cannot
    build is refused with a message, and the page writes its own setup back into the model, so that
    Python's config never disagrees with what the page runs."""
    setup = PlaygroundConfig(dataset="blobs", n_samples=8, classes=2).to_dict()
    page, watch = open_page(shared_fragment(setup))
    before = page_state(page)
    refused = PlaygroundConfig(dataset="blobs", n_samples=8, classes=8).to_dict()  # valid in Python
    model = page.evaluate(
        "(c) => { const p = document.querySelector('.pg-root').__playground; p.setModelConfig(c); return p.modelConfig; }",
        refused,
    )
    message = message_text(page)
    assert "Could not apply the config from Python" in message and "stratified split" in message, message
    assert model == setup, f"expected the model's config written back to the page's setup, got {model}"
    assert page_state(page) == before
    accepted = PlaygroundConfig(dataset="xor", seed=5).to_dict()
    page.evaluate("(c) => document.querySelector('.pg-root').__playground.setModelConfig(c)", accepted)
    assert config_box(page) == accepted and step(page) == 0 and message_text(page) == ""
    assert not watch.take()


def test_a_regression_set_refuses_a_non_mse_pairing_and_keeps_its_own(open_page: Any) -> None:
    page, watch = open_page(shared_fragment(PlaygroundConfig(dataset="sine", pairing="identity+mse").to_dict()))
    before = page_state(page)
    control(page, "pairing").select_option("softmax+cce")
    assert "Output / loss: expected an MSE pairing (identity+mse or relu+mse)" in message_text(page)
    assert control(page, "pairing").input_value() == "identity+mse"
    assert page_state(page) == before and config_box(page)["pairing"] == "identity+mse"
    assert not watch.take()


INTERRUPTS = {
    "pause": "train.click();",
    "reset": "button('Reset').click();",
    "apply": """const box = r.querySelector('textarea.pg-config'), c = JSON.parse(box.value); c.seed += 1;
                box.value = JSON.stringify(c); button('Apply config').click();""",
    "control": """const u = r.querySelector("[id$='-units']"); u.value = String(Number(u.value) + 1);
                  u.dispatchEvent(new Event('change'));""",
    "rapid": "for (let i = 0; i < 5; i++) { train.click(); train.click(); }",  # Pause, Train, five times
}


@pytest.mark.parametrize("interrupt", list(INTERRUPTS))
def test_train_right_after_pause_reset_apply_or_a_control_runs_one_loop(open_page: Any, interrupt: str) -> None:
    """Pause, Reset, Apply config or a control change stops training; Train clicked in the same task,
    before the old loop's next frame, starts exactly one loop, on the new run."""
    page, watch = open_page(shared_fragment(SMALL_XOR))
    train_button(page).click()
    page.wait_for_function("() => document.querySelector('.pg-root').__playground.step > 5")
    out = page.evaluate(
        """() => { const r = document.querySelector('.pg-root'), p = r.__playground;
            const train = r.querySelector('button.pg-train');
            const button = (t) => Array.from(r.querySelectorAll('button')).find(b => b.textContent === t);
            const loops = p.loops, step = p.step;
            %s
            const stopped = !p.running;
            if (!p.running) train.click();  // Train, before the old loop has woken up
            return {stopped, loops, step, stepAfter: p.step, running: p.running, config: p.config}; }"""
        % INTERRUPTS[interrupt]
    )
    if interrupt != "rapid":
        assert out["stopped"], f"expected {interrupt} to stop training"
    assert out["running"], "expected Train to start again"
    frames(page, 30)
    steps = []
    for _ in range(5):
        steps.append(step(page))
        frames(page, 5)
    handle = page.evaluate(
        "() => { const p = document.querySelector('.pg-root').__playground;"
        " const now = performance.now(); return {running: p.running, alive: p.loopsAlive, most: p.mostLoopsAlive,"
        " loops: p.loops, ticks: p.frames().filter(f => f.t > now - 500).length}; }"
    )
    train_button(page).click()
    assert (handle["running"], handle["alive"], handle["most"]) == (True, 1, 1), (
        f"expected one training loop at any time, got {handle}"
    )
    assert handle["ticks"] <= 40, f"expected at most one tick per frame (≤ ~30 in 0.5 s at 60 Hz), got {handle}"
    assert handle["loops"] - out["loops"] <= (6 if interrupt == "rapid" else 1)
    assert steps == sorted(steps) and steps[-1] > steps[0], f"expected one counter going up, got {steps}"
    if interrupt in ("reset", "apply", "control"):  # the new loop trains the new run, from step 0
        assert out["stepAfter"] == 0
    else:
        assert out["stepAfter"] == out["step"]
    if interrupt == "apply":
        assert out["config"]["seed"] == SMALL_XOR["seed"] + 1 == config_box(page)["seed"]
    if interrupt == "control":
        assert out["config"]["units"] == SMALL_XOR["units"] + 1 == config_box(page)["units"]
    assert train_button(page).inner_text().strip() == "Train"
    assert not watch.take()


def test_config_box_shows_the_numbers_that_run(open_page: Any) -> None:
    """Floats are rounded to 12 significant digits (0.4, not 0.4000000000000001), as PlaygroundConfig
    rounds them; the box shows what runs: its text, applied in another page, gives the same run, and
    every control shows the applied setup."""
    page, watch = open_page()
    set_range(page, "test_fraction", 0.05 * 8)  # 0.4000000000000001, as arithmetic on a slider gives it
    text = page.locator(f"{ROOT_SEL} textarea.pg-config").input_value()
    assert '"test_fraction": 0.4,' in text, text
    box = page.locator(f"{ROOT_SEL} textarea.pg-config")
    box.fill(
        json.dumps(
            dict(
                dataset="blobs",
                classes=4,
                hidden_layers=1,
                units=5,
                seed=3,
                pairing="sigmoid+bce",
                learning_rate=0.1 + 0.2,
                test_fraction=0.05 * 8,
            )
        )
    )
    page.locator(f"{ROOT_SEL} button", has_text="Apply config").click()
    text = box.input_value()
    assert '"learning_rate": 0.3,' in text and '"test_fraction": 0.4,' in text, text
    shown = config_box(page)
    expected = PlaygroundConfig(
        dataset="blobs", classes=4, hidden_layers=1, units=5, seed=3, pairing="sigmoid+bce", test_fraction=0.4
    ).to_dict()
    assert shown == expected and text == PlaygroundConfig.from_dict(expected).to_json()
    assert page.evaluate("() => document.querySelector('.pg-root').__playground.config") == expected
    # every control shows the applied setup
    for name in ("dataset", "hidden_layers", "units", "seed", "pairing", "activation", "classes"):
        assert control(page, name).input_value() == str(expected[name]), name
    assert control(page, "learning_rate").input_value() == "0.3"
    # pasting the shown text into another playground gives the same run: the same picture
    other, other_watch = open_page()
    other.locator(f"{ROOT_SEL} textarea.pg-config").fill(text)
    other.locator(f"{ROOT_SEL} button", has_text="Apply config").click()
    assert pixels(other) == pixels(page)
    assert config_box(other) == expected
    assert not watch.take() and not other_watch.take()


@pytest.mark.parametrize(
    "dataset, shown, enabled",
    [("moons", 2, False), ("xor", 2, False), ("digits", 10, False), ("spiral", 3, True), ("blobs", 3, True)],
)
def test_classes_control_shows_the_real_number_of_classes(
    open_page: Any, dataset: str, shown: int, enabled: bool
) -> None:
    setup = PlaygroundConfig(dataset=dataset, pairing="softmax+cce", hidden_layers=1, units=4).to_dict()
    page, watch = open_page(shared_fragment(setup))
    classes = control(page, "classes")
    readout = page.locator(f"{ROOT_SEL} output.pg-readout[for$='-classes']")
    assert classes.input_value() == str(shown) and readout.inner_text() == str(shown)
    assert classes.is_disabled() is not enabled
    control(page, "dataset").select_option("sine")
    assert classes.is_disabled() and readout.inner_text() == "—"  # regression: no number at all
    control(page, "dataset").select_option("blobs")
    assert not classes.is_disabled()
    assert classes.input_value() == str(config_box(page)["classes"]) == readout.inner_text()
    assert classes.get_attribute("max") == "8"
    assert not watch.take()
