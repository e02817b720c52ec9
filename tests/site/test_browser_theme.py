"""The theme layer (_static/theme_fixes.js) on the built site: navigation buttons and fold titles.

The installed theme binds ☰ and ☷ to hidden copies of the buttons, and sphinx-togglebutton opens
the fold it guesses from the clicked element; these tests click as a reader does, on a phone and on
a desktop, and check what opens.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from helpers import ROOT, Watch

PAGE = "chapters/eq2-recursion.html"
FOLDS = "Array.from(document.querySelectorAll('.admonition.toggle')).map(e => e.classList.contains('toggle-hidden'))"


def _open(new_page: Any, site: str, kind: str, path: str = PAGE) -> tuple[Any, Watch]:
    """The page, once its widgets are drawn (they change the height of what is above the folds)."""
    page, watch = new_page(kind)
    page.goto(site + path, wait_until="load")
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'))
             .every(s => s.previousElementSibling && s.previousElementSibling.querySelector('.jupyter-widgets'))"""
    )
    return page, watch


@pytest.mark.browser
def test_phone_menu_buttons_open_their_drawers(new_page: Any, site: str) -> None:
    page, watch = _open(new_page, site, "phone")
    page.locator("button.primary-toggle:visible").click()
    page.wait_for_function("document.getElementById('pst-primary-sidebar-modal').open")
    assert page.locator("#pst-primary-sidebar-modal a.reference", has_text="Eq. (2)").first.is_visible()
    page.keyboard.press("Escape")
    page.wait_for_function("!document.getElementById('pst-primary-sidebar-modal').open")
    page.locator("button.secondary-toggle:visible").click()
    page.wait_for_function("document.getElementById('pst-secondary-sidebar-modal').open")
    assert not watch.take()


@pytest.mark.browser
def test_desktop_menu_button_hides_and_shows_the_sidebar(new_page: Any, site: str) -> None:
    page, watch = _open(new_page, site, "desktop")
    hidden = "document.getElementById('pst-primary-sidebar').classList.contains('pst-sidebar-hidden')"
    assert not page.evaluate(hidden)
    page.locator("button.primary-toggle:visible").click()
    assert page.evaluate(hidden)
    page.locator("button.primary-toggle:visible").click()
    assert not page.evaluate(hidden)
    assert not watch.take()


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_a_click_anywhere_on_a_fold_title_opens_that_fold(new_page: Any, site: str, kind: str) -> None:
    """On a link, on math or on the text: that fold opens (and closes again), no other, and the page stays put."""
    page, watch = _open(new_page, site, kind)
    titles = page.locator(".admonition.toggle > .admonition-title")
    assert titles.count() >= 4
    problems = []
    for i in range(titles.count()):
        title = titles.nth(i)
        inner = title.locator("a, mjx-container")
        spot = inner.first if inner.count() else title
        spot.scroll_into_view_if_needed()
        top = "t => t.getBoundingClientRect().top"  # where the title is on the screen: a jump moves it
        y, before = title.evaluate(top), page.evaluate(FOLDS)
        spot.click()
        after = page.evaluate(FOLDS)
        changed = [k for k, (b, a) in enumerate(zip(before, after)) if b != a]
        if changed != [i] or after[i]:
            problems.append(f"title {i + 1}: expected fold {i + 1} to open, got changes {changed}")
        if abs(title.evaluate(top) - y) > 2:
            problems.append(f"title {i + 1}: the title moved by {title.evaluate(top) - y:.0f} px on the screen")
        spot.click()
        if page.evaluate(FOLDS) != before:
            problems.append(f"title {i + 1}: a second click did not close it again")
    assert not problems, "\n".join(problems)
    assert not watch.take()


@pytest.mark.book
def test_intro_lists_every_chapter(built_book: Any) -> None:
    intro = (built_book / "intro.html").read_text(encoding="utf-8")
    chapters = re.findall(r"file:\s*(chapters/[\w-]+)", (ROOT / "_toc.yml").read_text())
    missing = [c for c in chapters if f'href="{c}.html"' not in intro]
    assert chapters and not missing, f"the intro does not link {missing}"
