"""Page weight: what a first visit to each page of the built website loads, uncompressed.

Each page is opened at 1280 px and measured once its math is typeset, its widgets are drawn and its
fonts are loaded: the page itself plus every resource it loaded (Resource Timing's
decodedBodySize: bytes after decompression, reported for a resource served from the browser's
cache too, so the shared browser profile measures what a first visit loads). Budgets: a page with
widgets ≤ 5 MB, a page without ≤ 2 MB. Every page without widgets is measured; of the chapters,
which all share the same scripts, styles and fonts, the four heaviest on disk (the page plus the
images it shows), since MathJax typesetting makes each visit cost seconds.

The three pages with math but no widget (the landing page, the instructor guide, the credits) load
MathJax 3's tex-chtml.js (1.16 MB, its menu and accessibility included) and its fonts, and land
just above 2 MB; they are held to 2.5 MB until MathJax is slimmer (MathJax 4 loads its parts on
demand).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from test_accessibility import WIDGET_VIEW, _toc_pages, open_rendered

MB = 1_000_000
WITH_WIDGETS = 5 * MB
WITHOUT_WIDGETS = 2 * MB
MATH_ONLY = {"intro.html": 2.5 * MB, "instructor-guide.html": 2.5 * MB, "credits.html": 2.5 * MB}

WEIGHT_JS = """() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const rows = performance.getEntriesByType('resource').map(e => [e.name, e.decodedBodySize]);
    return [[location.href, nav.decodedBodySize], ...rows];
}"""


def _heaviest_chapters(site_dir: Path, pages: list[str], n: int) -> list[str]:
    """The ``n`` chapter pages with the most bytes on disk: the HTML plus the images it refers to."""

    def size(path: str) -> int:
        html = site_dir / path
        images = {html.parent / src for src in re.findall(r'<img[^>]*\ssrc="([^":]+)"', html.read_text())}
        return html.stat().st_size + sum(i.stat().st_size for i in images if i.is_file())

    chapters = [p for p in pages if p.startswith("chapters/")]
    return sorted(chapters, key=size, reverse=True)[:n]


def _weigh(page: Any, site: str, path: str) -> tuple[int, list[tuple[str, int]], bool]:
    """(bytes, the five largest [url, bytes], whether the page has widgets) of a visit to ``path``."""
    open_rendered(page, site + path)
    page.wait_for_function("() => document.fonts.status === 'loaded'")
    rows = page.evaluate(WEIGHT_JS)
    widgets = page.locator(WIDGET_VIEW).count() > 0
    largest = sorted(((url.removeprefix(site), size) for url, size in rows), key=lambda r: -r[1])[:5]
    return sum(size for _, size in rows), largest, widgets


@pytest.mark.browser
def test_pages_are_within_their_weight_budgets(new_page: Any, site: str, built_book: Path) -> None:
    page, watch = new_page("desktop")
    problems, table = [], []
    every = _toc_pages()
    measured = [p for p in every if not p.startswith("chapters/")] + _heaviest_chapters(built_book, every, 4)
    for path in measured:
        total, largest, widgets = _weigh(page, site, path)
        budget = WITH_WIDGETS if widgets else MATH_ONLY.get(path, WITHOUT_WIDGETS)
        table.append(f"{path:45} {total / MB:5.2f} MB {'widgets' if widgets else '       '} (≤ {budget / MB:g})")
        if total > budget:
            heavy = ", ".join(f"{url} {size / MB:.2f} MB" for url, size in largest)
            problems.append(f"{path}: {total / MB:.2f} MB > {budget / MB:g} MB; largest: {heavy}")
    print("\n".join(table))
    assert not problems, "\n".join(problems)
    assert not watch.take()


@pytest.mark.browser
def test_pages_without_widgets_load_no_widget_code(new_page: Any, site: str) -> None:
    """The landing page loads neither the widget host nor any Jupyter widget manager."""
    page, _ = new_page("desktop")
    open_rendered(page, site + "intro.html")
    urls = [url for url, _ in page.evaluate(WEIGHT_JS)]
    widget_code = [u for u in urls if any(k in u for k in ("anywidget", "html-manager", "require.js"))]
    assert not widget_code, f"expected no widget code on a page without widgets, got {widget_code}"
