"""Accessibility of the built website beyond what every page visit checks.

test_browser.py runs axe-core (WCAG 2.1 A/AA, serious and critical violations fail) on every page of
the table of contents at 1280 and 390 px, with MathJax's glyphs left out (they are most of a
chapter's elements and cost axe seconds per page). Here axe also checks the glyphs, on the two
chapters densest in math, and the search page and the index, at both widths.

Also here: the page chrome — one visible search control (no second search bar filling a desktop
header), and a ``?q=`` in a page's address does not throw.
"""

from __future__ import annotations

from typing import Any

import pytest

from page_checks import AXE, axe_problems

WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'
MATH_SAMPLE = ["chapters/eq2-recursion.html", "chapters/softmax-output-cce.html"]


def open_rendered(page: Any, url: str, *, math: bool = True) -> None:
    """Go to ``url`` and wait until every widget is drawn and, with ``math``, MathJax has typeset the page
    (``math=False`` for the "widgets" context, whose pages get no MathJax)."""
    page.goto(url, wait_until="load")
    if math and page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')"):
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise.then(() => true)")
    page.wait_for_function(
        f"""() => Array.from(document.querySelectorAll('{WIDGET_VIEW}'))
             .every(s => s.previousElementSibling && s.previousElementSibling.querySelector('.jupyter-widgets'))"""
    )


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_axe_on_typeset_math_and_the_pages_outside_the_contents(kind: str, new_page: Any, site: str) -> None:
    """0 serious or critical WCAG 2.1 A/AA violations, MathJax's glyphs included, on the two chapters
    densest in math, and on the search page and the index."""
    assert AXE.is_file(), f"expected axe-core at {AXE}, got nothing (run `npm ci` in assets/)"
    page, watch = new_page(kind)
    problems: list[str] = []
    for path in [*MATH_SAMPLE, "search.html", "genindex.html"]:
        open_rendered(page, site + path)
        problems += axe_problems(page, path, math_glyphs=path in MATH_SAMPLE)
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)
    assert not watch.take()


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_one_search_control_and_no_empty_header(kind: str, new_page: Any, site: str) -> None:
    """One visible search control; at 1280 px no site header band above the page (it held only a
    second search field)."""
    page, watch = new_page(kind)
    page.goto(site + "chapters/notation.html", wait_until="load")
    visible = page.evaluate(
        """() => Array.from(document.querySelectorAll('.search-button__button, .search-button-field'))
             .filter(b => b.getClientRects().length && getComputedStyle(b).visibility !== 'hidden'
                          && b.getBoundingClientRect().width > 0).length"""
    )
    assert visible == 1, f"expected 1 visible search control, got {visible}"
    header = page.evaluate(
        "() => { const h = document.querySelector('.bd-header'); return h ? h.getBoundingClientRect().height : 0; }"
    )
    if kind == "desktop":
        assert header == 0, f"expected no site header at 1280 px, got one {header:.0f} px high"
        article = page.evaluate("() => document.querySelector('.bd-main').getBoundingClientRect().top")
        assert article < 8, f"expected the page to start at the top of the window, got it {article:.0f} px down"
    assert not watch.take()


@pytest.mark.browser
def test_a_query_in_the_address_throws_nowhere(new_page: Any, site: str) -> None:
    """``?q=`` on a chapter and on the landing page: no console or page error; the search page still searches."""
    page, watch = new_page("widgets")
    for path in ("intro.html?q=gradient", "chapters/eq1-output-error.html?q=gradient"):
        page.goto(site + path, wait_until="load")
        page.wait_for_function("() => document.readyState === 'complete'")
        # searchtools' own load handler runs on DOMContentLoaded; a second frame lets errors surface
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        problems = watch.take()
        assert not problems, f"{path}: " + "\n".join(problems)
    page.goto(site + "search.html?q=gradient", wait_until="load")
    page.wait_for_selector("ul.search li")
    assert not watch.take()
