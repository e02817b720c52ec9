"""The live playground on the built website, in a real browser, offline (Debian's Chromium + Playwright).

The site is served from ``_build/html`` on 127.0.0.1 and every request that leaves it is blocked
(and is a failure). On the playground page, the widget trains in the page with the browser engine:

* Train advances the step counter and changes the boundary (canvas pixels) within 2 s; Pause
  freezes both; Train/Pause/Train and Reset/Train in quick succession never run two loops; Reset
  goes back to step 0 with the same picture as on load;
* switching to the spiral with softmax + CCE and 3 classes redraws, and trains;
* a shared address (``#playground=<url-encoded JSON>``) opens that setup, the address follows
  every change of the setup, and a damaged address shows a message and the default setup;
* it fits the text column (≤ 720 px wide at 1280 px, no sideways scrolling at 390 px), its
  controls are labelled, its buttons are buttons, its canvases have labels, its text is ≥ 9 px
  and shows no TeX source.

On every page of the site, every widget control either changes what the page shows (the
playground's) or is switched off under the visible "Needs Python" line (assets/static_widgets.js).
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest

from mlp_lib.widgets.session import PlaygroundConfig

from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "_build" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000
PAGE = "chapters/playground.html"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
ROOT_SEL = ".pg-root"


# --------------------------------------------------------------------------- fixtures


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture(scope="module")
def site(built_book: Path) -> Iterator[str]:
    """Base URL of a static HTTP server on 127.0.0.1 (free port) serving _build/html."""
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"expected Debian's Chromium at {CHROMIUM}, got nothing", pytrace=False)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Watch:
    """Page errors, console errors, and every request that tried to leave 127.0.0.1 (blocked)."""

    def __init__(self, context: Any, origin: str) -> None:
        self.problems: list[str] = []
        self.origin = origin
        context.route("**/*", self._route)
        context.on("console", lambda m: self.problems.append(f"console error: {m.text}") if m.type == "error" else None)
        context.on("weberror", lambda err: self.problems.append(f"page error: {err.error}"))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.origin) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.problems.append(f"external request blocked (needs internet): {url}")
            route.abort("blockedbyclient")

    def take(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems


@pytest.fixture
def open_page(browser: Any, site: str) -> Iterator[Any]:
    """open_page(fragment="", viewport=DESKTOP) → (page, watch); a fresh context each time."""
    contexts = []

    def _open(fragment: str = "", viewport: dict = DESKTOP, path: str = PAGE) -> tuple[Any, Watch]:
        context = browser.new_context(viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        watch = Watch(context, site)
        page = context.new_page()
        page.goto(site + path + fragment, wait_until="load")
        if path == PAGE:
            page.wait_for_selector(f"{ROOT_SEL} canvas.pg-boundary")
            page.wait_for_function("() => document.querySelector('.pg-root').__playground !== undefined")
        return page, watch

    yield _open
    for context in contexts:
        context.close()


# --------------------------------------------------------------------------- helpers


def pixels(page: Any) -> str:
    """The boundary canvas's picture (a PNG data URL: equal strings = equal pixels)."""
    return page.evaluate("() => document.querySelector('.pg-root canvas.pg-boundary').toDataURL()")


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
    on_load = pixels(page)
    assert config_box(page) == PlaygroundConfig().to_dict()
    assert address_config(page) == PlaygroundConfig().to_dict(), "expected the address to carry the setup"

    started = time.monotonic()
    train_button(page).click()
    page.wait_for_function("() => document.querySelector('.pg-root').__playground.step > 0", timeout=2000)
    page.wait_for_function(
        "src => document.querySelector('.pg-root canvas.pg-boundary').toDataURL() !== src", arg=on_load, timeout=2000
    )
    assert time.monotonic() - started < 2.5, "expected the step counter and the boundary to move within 2 s"
    assert train_button(page).inner_text().strip() == "Pause"
    status = page.locator(f"{ROOT_SEL} .pg-status").inner_text()
    assert "step" in status

    train_button(page).click()  # Pause
    assert train_button(page).inner_text().strip() == "Train"
    frozen_step, frozen_picture = step(page), pixels(page)
    page.wait_for_timeout(600)
    assert step(page) == frozen_step, "expected Pause to freeze the step counter"
    assert pixels(page) == frozen_picture, "expected Pause to freeze the picture"

    # Train/Pause/Train and Reset/Train in quick succession: one loop at a time, never two
    page.evaluate(
        """() => { const b = document.querySelector('.pg-root button.pg-train');
                   const r = Array.from(document.querySelectorAll('.pg-root button')).find(x => x.textContent === 'Reset');
                   b.click(); b.click(); b.click(); r.click(); b.click(); r.click(); b.click(); }"""
    )
    page.wait_for_timeout(700)
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
    ["#playground=%7B%22dataset%22%3A%22moo", "#playground=%E0%A4%A", "#playground=" + quote('{"dataset": "mnist"}')],
)
def test_damaged_address_shows_a_message_and_the_default(open_page: Any, fragment: str) -> None:
    page, watch = open_page(fragment)
    message = page.locator(f"{ROOT_SEL} .pg-message")
    assert message.is_visible(), "expected a visible message for a damaged address"
    assert "could not be read" in message.inner_text()
    assert config_box(page) == PlaygroundConfig().to_dict()
    assert address_config(page) == PlaygroundConfig().to_dict(), "expected the address to agree with the Config box"
    assert step(page) == 0
    assert not watch.take()


def test_fits_the_column_and_is_accessible(open_page: Any) -> None:
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
    assert not report["small"], f"expected text ≥ 9 px, got {report['small'][:5]}"
    assert not report["tex"], f"expected no TeX source in the text, got {report['tex']}"
    # show the numbers: labelled with Eqs. (1)–(4), no TeX
    page.locator(f"{ROOT_SEL} button", has_text="Step").click()
    page.locator(f"{ROOT_SEL} label", has_text="Show the numbers").click()
    numbers = page.locator(f"{ROOT_SEL} pre.pg-numbers").inner_text()
    for eq in ("Eq. (1)", "Eq. (2)", "Eq. (3)", "Eq. (4)"):
        assert eq in numbers
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(ROOT_SEL).screenshot(path=SCREENSHOTS / "playground-live-desktop.png")

    phone, phone_watch = open_page(viewport=PHONE)
    overflow = phone.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"expected no sideways scrolling at 390 px, got {overflow} px"
    box = phone.locator(ROOT_SEL).bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    phone.locator(ROOT_SEL).screenshot(path=SCREENSHOTS / "playground-live-phone.png")
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
    assert train_button(page).inner_text().strip() == "Train", "expected training to stop by itself"
    color = banner.evaluate("el => getComputedStyle(el).color")
    assert color == "rgb(176, 0, 32)"
    assert not watch.take()


# --------------------------------------------------------------------------- no silently dead control


def _pages_with_widgets(built_book: Path) -> list[str]:
    return sorted(
        str(p.relative_to(built_book))
        for p in built_book.rglob("*.html")
        if "lite" not in p.relative_to(built_book).parts and WIDGET_STATE in p.read_text(errors="replace")
    )


def _live_controls_change_the_page(page: Any) -> list[str]:
    """Use every enabled control of the playground; each must change what the page shows."""
    seen = """() => { const r = document.querySelector('.pg-root');
        return [r.querySelector('canvas.pg-boundary').toDataURL(), r.querySelector('.pg-status').innerText,
                r.querySelector('textarea.pg-config').value, r.querySelector('.pg-numbers').hidden,
                r.querySelector('.pg-numbers').innerText, r.querySelector('.pg-message').innerText,
                Array.from(r.querySelectorAll('button')).map(b => b.textContent).join('|'), location.hash].join('\\n'); }"""
    problems = []
    controls = page.evaluate(
        """() => Array.from(document.querySelectorAll('.pg-root input, .pg-root select, .pg-root textarea, .pg-root button'))
                 .map((el, i) => ({i, tag: el.tagName, type: el.type, id: el.id, text: el.textContent, disabled: el.disabled,
                                   readonly: el.readOnly}))"""
    )
    for c in controls:
        el = page.locator(".pg-root input, .pg-root select, .pg-root textarea, .pg-root button").nth(c["i"])
        name = c["id"] or c["text"]
        if c["disabled"]:
            continue  # e.g. Classes for the two moons: switched off where it does not apply
        before = page.evaluate(seen)
        if c["tag"] == "SELECT":
            options = el.evaluate("s => Array.from(s.options).map(o => o.value)")
            current = el.input_value()
            choice = next(v for v in options if v != current)
            if name.endswith("-speed"):
                el.select_option("1")
                train_button(page).click()
                page.wait_for_timeout(400)
                slow = step(page)
                train_button(page).click()
                el.select_option("max")
                train_button(page).click()
                page.wait_for_timeout(400)
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
                before = page.evaluate(seen)
            el.click()
            if c["text"] in ("Train", "Pause"):
                page.wait_for_timeout(300)
                after = page.evaluate(seen)
                train_button(page).click()
                if after == before:
                    problems.append(f"button {c['text']!r} changed nothing")
                continue
        if page.evaluate(seen) == before:
            problems.append(f"control {name!r} ({c['tag']} {c['type']}) changed nothing on the page")
        page.locator(f"{ROOT_SEL} button", has_text="Reset").click()
    return problems


def test_no_silently_dead_control(open_page: Any, built_book: Path) -> None:
    """Every widget control on every page changes what the page shows, or is switched off under a
    visible "Needs Python" line with a way to get Python."""
    pages = _pages_with_widgets(built_book)
    assert "chapters/playground.html" in pages
    problems, live, marked = [], 0, 0
    for path in pages:
        page, watch = open_page(path=path)
        page.wait_for_function(
            """() => Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'))
                 .every(s => s.previousElementSibling && s.previousElementSibling.querySelector('.jupyter-widgets, .pg-root'))"""
        )
        page.wait_for_timeout(300)  # static_widgets.js runs on the next animation frame
        areas = page.evaluate(
            """() => Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')).map(s => {
                 const area = s.previousElementSibling;
                 const controls = Array.from(area.querySelectorAll('input, button, select, textarea, [contenteditable=true], .widget-slider'));
                 const off = controls.filter(el => el.disabled || el.closest('[inert]'));
                 const note = area.previousElementSibling;
                 return {live: !!area.querySelector('.pg-root'), controls: controls.length, off: off.length,
                         note: note && note.classList.contains('needs-python') ? note.innerText : null,
                         links: note ? Array.from(note.querySelectorAll('a')).map(a => a.href) : []};
               })"""
        )
        for i, area in enumerate(areas):
            where = f"{path}, widget {i + 1}"
            if area["live"]:
                live += 1
                problems += [f"{where}: {p}" for p in _live_controls_change_the_page(page)]
            elif area["controls"]:
                marked += 1
                if area["off"] != area["controls"]:
                    problems.append(
                        f"{where}: {area['controls'] - area['off']} control(s) neither live nor switched off"
                    )
                if not area["note"] or "Needs Python" not in area["note"]:
                    problems.append(f"{where}: controls switched off without the visible 'Needs Python' line")
                elif not area["links"] and "make lab" not in area["note"]:
                    problems.append(f"{where}: the 'Needs Python' line offers no way to get Python")
        problems += [f"{path}: {p}" for p in watch.take()]
    print(f"\nwidgets with controls: {live} live in the page, {marked} marked 'Needs Python'")
    assert live >= 1, "expected the live playground on the site"
    assert not problems, "\n  ".join(["dead or unmarked controls:", *problems])
