"""Every widget of the built website is live: the explorers and the derivation checker, page by page.

On each chapter, in Chromium, offline: no widget says "Needs Python", every control of every
explorer and checker changes what its widget shows, and no request leaves the site. On the Eq. (2)
page the checker accepts the right answer, catches the source's σ-for-σ′ slip with its hint, and
keeps what the reader typed across a reload. (The playground and the backward-pass views have
their own page tests in test_browser_playground.py and test_browser_backprop_views.py.)

These tests assert nothing about math, so their pages load without MathJax (the "widgets" context).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from helpers import ROOT

WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'


def _chapter_pages() -> list[str]:
    toc = (ROOT / "_toc.yml").read_text()
    return [f"chapters/{name}.html" for name in re.findall(r"file:\s*chapters/([\w-]+)", toc)]


def _open(new_page: Any, site: str, path: str) -> tuple[Any, Any]:
    page, watch = new_page("widgets")
    page.goto(site + path, wait_until="load")
    page.wait_for_function(
        f"""() => Array.from(document.querySelectorAll('{WIDGET_VIEW}'))
             .every(s => s.previousElementSibling && s.previousElementSibling.querySelector('.jupyter-widgets'))"""
    )
    return page, watch


def _panel_controls_change_what_it_shows(page: Any, n: int) -> list[str]:
    """Use every control of the n-th ui-panel widget (explorer or checker); each must change the panel."""
    panel = page.locator(".ui-panel").nth(n)
    title = panel.get_attribute("aria-label") or f"panel {n + 1}"
    shown = "p => p.innerHTML"
    problems = []
    controls = panel.locator("input, select, textarea, button")
    for c in range(controls.count()):
        el = controls.nth(c)
        if not el.is_visible() or el.is_disabled():
            continue
        tag, kind, text = el.evaluate("e => [e.tagName, e.type, e.textContent.trim()]")
        name = el.evaluate("e => (e.labels && e.labels[0] && e.labels[0].textContent) || e.textContent || e.id").strip()
        before = panel.evaluate(shown)
        if tag == "SELECT":
            options = el.evaluate("s => Array.from(s.options).map(o => o.value)")
            if len(options) < 2:
                continue
            el.select_option(next(v for v in options if v != el.input_value()))
        elif kind == "range":
            el.evaluate(
                """e => { e.value = Number(e.value) === Number(e.max) ? e.min : e.max;
                          e.dispatchEvent(new Event('input', {bubbles: true}));
                          e.dispatchEvent(new Event('change', {bubbles: true})); }"""
            )
        elif kind == "checkbox":
            el.click()
        elif tag == "TEXTAREA" or kind == "text":
            if panel.get_by_role("button", name="Check").count():
                continue  # the checker's box: used with its Check button below
            el.fill("not a number")
            el.dispatch_event("change")
        else:
            if text == "Check":  # type an answer first: the box's content is what Check checks
                box = panel.locator("input[type=text], textarea").first
                box.fill("a - y" if box.input_value() != "a - y" else "0")
            el.click()
            if re.fullmatch(r"Train|Run|Play", text):  # an animation: let it run, then stop it
                page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                page.wait_for_timeout(200)
                if el.is_enabled() and re.fullmatch(r"Pause|Stop", el.evaluate("e => e.textContent.trim()")):
                    el.click()
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        if panel.evaluate(shown) == before:
            problems.append(f"{title}: control {name!r} ({tag} {kind}) changed nothing")
    return problems


@pytest.mark.browser
@pytest.mark.parametrize("path", _chapter_pages())
def test_every_widget_is_live(new_page: Any, site: str, built_book: Path, path: str) -> None:
    if WIDGET_VIEW.split('"')[1] not in (built_book / path).read_text(errors="replace"):
        return  # a page without widgets
    page, watch = _open(new_page, site, path)
    assert page.locator(".needs-python").count() == 0, f"{path}: a widget says it needs Python"
    problems = []
    for n in range(page.locator(".ui-panel").count()):
        problems += _panel_controls_change_what_it_shows(page, n)
    problems += watch.take()  # console errors, failed requests, requests that tried to leave the site
    assert not problems, "\n  ".join([f"on {path}:", *problems])


@pytest.mark.browser
def test_checker_on_the_website_decides_and_remembers(new_page: Any, site: str) -> None:
    path = "chapters/eq2-recursion.html"
    page, watch = _open(new_page, site, path)
    box = page.locator(".chk-root").get_by_label("Your answer")
    result = page.locator(".chk-root .chk-result")
    box.fill("(W.T @ phi) * sigma(z)")  # the source's slip, §2.2
    box.press("Enter")
    page.wait_for_function("document.querySelector('.chk-root .chk-result').textContent.includes('✗')")
    assert "σ or σ'?" in result.inner_text()
    box.fill("(W.T @ phi) * sigma_prime(z)")
    box.press("Enter")
    page.wait_for_function("document.querySelector('.chk-root .chk-result').textContent.includes('✓')")
    page.reload(wait_until="load")
    page.wait_for_selector(".chk-root .chk-result")
    assert page.locator(".chk-root").get_by_label("Your answer").input_value() == "(W.T @ phi) * sigma_prime(z)"
    assert "✓" in page.locator(".chk-root .chk-result").inner_text()
    assert not watch.take()
