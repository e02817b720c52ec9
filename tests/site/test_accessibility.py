"""Accessibility of the built website: axe-core on every page, at 1280 and 390 px, offline.

axe-core (npm, pinned in assets/package.json; a test tool, not published on the site) is injected
into each page after its math is typeset and its widgets are drawn, and runs the WCAG 2.1 A and AA
rules. Serious and critical violations fail the test, each listed with its rule, the elements and
axe's summary of what to fix.

axe takes seconds on a chapter (typeset math is most of its elements), so the pages are split:
at 1280 px, every chapter is checked with its widgets but without MathJax (the "widgets" context),
and the pages without widgets plus two chapters dense in math are checked with their math typeset;
at 390 px, a sample (the landing page, math, widgets, the playground, the search page).

Also here: the page chrome — one visible search control (no second search bar filling a desktop
header), and a ``?q=`` in a page's address does not throw.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from helpers import ROOT

AXE = ROOT / "assets" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING = ("serious", "critical")
WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'
MATH_SAMPLE = ["chapters/eq2-recursion.html", "chapters/softmax-output-cce.html"]
PHONE_SAMPLE = [
    "intro.html",
    "chapters/eq2-recursion.html",
    "chapters/softmax-output-cce.html",
    "chapters/regularization.html",
    "chapters/playground.html",
    "search.html",
]


def _toc_pages() -> list[str]:
    """Every page of _toc.yml (root first) as a path under the site, plus search and genindex."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "file" in node:
                names.append(str(node["file"]).removesuffix(".md").removesuffix(".ipynb"))
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(toc)
    return [f"{name}.html" for name in names] + ["search.html", "genindex.html"]


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


def axe_violations(page: Any) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page: [{id, impact, help, nodes: [{target, summary}]}]."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
             .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact,
                                           summary: n.failureSummary}))})))""",
        WCAG_AA,
    )


def _report(path: str, violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        nodes = [n for n in v["nodes"] if (n["impact"] or v["impact"]) in FAILING]
        if not nodes:
            continue
        lines.append(f"{path}: {v['id']} ({v['impact']}, {len(nodes)}×): {v['help']}")
        for n in nodes[:8]:
            summary = " ".join((n["summary"] or "").split())[:300]
            lines.append(f"    {n['target']}\n      {summary}")
        if len(nodes) > 8:
            lines.append(f"    … and {len(nodes) - 8} more")
    return lines


def _pages(kind: str) -> list[str]:
    """The pages each context checks (see the module's docstring)."""
    every = _toc_pages()
    chapters = [p for p in every if p.startswith("chapters/")]
    if kind == "widgets":
        return chapters
    if kind == "desktop":
        return [p for p in every if p not in chapters] + MATH_SAMPLE
    return PHONE_SAMPLE


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["desktop", "widgets", "phone"])
def test_axe_finds_no_serious_violation(kind: str, new_page: Any, site: str) -> None:
    """0 serious or critical WCAG 2.1 A/AA violations on the pages of ``kind`` (1280 px with and without
    math, 390 px)."""
    assert AXE.is_file(), f"expected axe-core at {AXE}, got nothing (run `npm ci` in assets/)"
    pages = _pages(kind)
    page, watch = new_page(kind)
    problems: list[str] = []
    seconds: list[tuple[float, str]] = []
    for path in pages:
        started = time.perf_counter()
        open_rendered(page, site + path, math=kind != "widgets")
        problems += _report(path, axe_violations(page))
        seconds.append((time.perf_counter() - started, path))
    slowest = ", ".join(f"{p} {s:.1f} s" for s, p in sorted(seconds, reverse=True)[:3])
    print(f"axe ({kind}): {len(pages)} pages in {sum(s for s, _ in seconds):.1f} s; slowest {slowest}")
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
