"""Fixtures of the widget tests: a widget's front end mounted in Chromium without building the book."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from helpers import DESKTOP, TIMEOUT_MS

# A stand-in for anywidget's model in the page: get/set/on/off/save_changes/send over a plain
# object. `window.__model` is the model, `window.__saved` counts save_changes() calls,
# `window.__sent` holds what the page sent to Python and `window.__emit("msg:custom", msg)` plays
# a message from Python to the page.
_FAKE_MODEL = """
(state) => {
  const listeners = {};
  window.__saved = 0;
  window.__sent = [];
  window.__emit = (e, ...args) => { for (const f of listeners[e] || []) f(...args); };
  window.__model = {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; for (const f of listeners["change:" + k] || []) f(); },
    on: (e, f) => { (listeners[e] = listeners[e] || []).push(f); },
    off: () => {},
    save_changes: () => { window.__saved += 1; },
    send: (msg) => { window.__sent.push(msg); },
  };
  return window.__model;
}
"""


@pytest.fixture
def mount_widget(browser: Any) -> Iterator[Callable[..., Any]]:
    """``mount_widget(widget, viewport=DESKTOP)`` → a Playwright page showing ``widget``'s front end.

    The page is blank but for the widget: its ``_esm`` is imported from a blob URL and rendered with
    a fake anywidget model holding the widget's synced traits (``window.__model``; read a trait with
    ``page.evaluate("window.__model.get('x')")``). Errors in the page fail the test at the end.
    """
    contexts, errors = [], []

    def mount(widget, viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        state = {k: v for k, v in widget.get_state().items() if not k.startswith("_") or k in ("_esm",)}
        esm = state.pop("_esm")
        css = getattr(widget, "_css", "") or ""
        page.set_content(
            f"<!doctype html><html><head><style>{css}</style></head><body><div id='w'></div></body></html>"
        )
        page.evaluate(
            "async ([src, state, fake]) => {"
            "  const model = eval(fake)(state);"
            "  const url = URL.createObjectURL(new Blob([src], {type: 'text/javascript'}));"
            "  const M = await import(url);"
            "  const widget = M.default;"
            "  const render = widget.render || (widget.default && widget.default.render);"
            "  await render({ model, el: document.getElementById('w') });"
            "}",
            [esm, json.loads(json.dumps(state, default=list)), _FAKE_MODEL],
        )
        return page

    yield mount
    for context in contexts:
        context.close()
    assert not errors, f"errors in the page: {errors}"
