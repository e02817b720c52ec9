"""The book on paper: the print stylesheet (_static/print.css, print.js) and the PDF of tools/make_pdf.py.

The PDF of the shared built book is made once (every page of ``_toc.yml``) and checked with pypdf
against what the tests read themselves from ``_toc.yml`` and the built HTML: one bookmark per page in
the table's order, each landing on the page that carries its title, and the text of a solution, an
erratum and a proof in the printed text (folds print open).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import make_pdf  # tools/ (pytest's pythonpath)
import pytest
import yaml
from bs4 import BeautifulSoup

from helpers import ROOT

FOLD_PAGE = "chapters/eq2-recursion.html"  # solutions, errata, remarks, proofs, code folds, a widget


def _squash(text: str) -> str:
    """Text without whitespace, lower case: PDF text extraction breaks lines and words its own way."""
    return re.sub(r"\s+", "", text).lower()


def _toc_files() -> list[str]:
    """The book's pages in ``_toc.yml`` order (root first), as docnames."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _heading(path: Path) -> str:
    """The page's first heading as a reader sees it (without the ¶ link)."""
    h1 = _soup(path).select_one("article h1")
    for link in h1.select("a.headerlink"):
        link.decompose()
    return " ".join(h1.get_text(" ", strip=True).split())


def _plain_sentence(element: Any) -> str:
    """The longest paragraph text in ``element`` that has no math (math prints as glyphs, not TeX)."""
    texts = [p.get_text(" ", strip=True) for p in element.select("p") if not p.select(".math, mjx-container")]
    texts = [t for t in texts if len(t) >= 25]
    assert texts, f"expected a paragraph without math in {element.get('class')}"
    return max(texts, key=len)


def _outline(reader: Any) -> list[tuple[int, str, int]]:
    """Every bookmark as (depth, title, page index), depth-first."""
    out: list[tuple[int, str, int]] = []

    def walk(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return out


@pytest.fixture(scope="module")
def book_pdf(built_book: Path, browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The built book printed by tools/make_pdf.py (every page), opened with pypdf."""
    from pypdf import PdfReader

    out = make_pdf.make_pdf(built_book, tmp_path_factory.mktemp("pdf") / "book.pdf", browser=browser)
    return PdfReader(out)


@pytest.mark.book
@pytest.mark.browser
def test_pdf_has_one_bookmark_per_page_in_toc_order(book_pdf: Any, built_book: Path) -> None:
    files = _toc_files()
    headings = [_heading(built_book / f"{name}.html") for name in files]
    parts = [part["caption"] for part in yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"]]
    outline = _outline(book_pdf)
    pages = [(title, index) for depth, title, index in outline if not (depth == 0 and title in parts)]
    assert [title for title, _ in pages] == headings, "bookmarks differ from the _toc.yml pages' headings"
    assert [title for depth, title, _ in outline if depth == 0 and title in parts] == parts
    indices = [index for _, index in pages]
    assert indices == sorted(indices) and len(set(indices)) == len(indices), f"pages out of order: {indices}"
    assert indices[0] >= 1, "the title page comes first"
    for title, index in pages:  # each bookmark lands on the page that carries its heading
        assert _squash(title) in _squash(book_pdf.pages[index].extract_text()), f"{title!r} not on page {index + 1}"


@pytest.mark.book
@pytest.mark.browser
def test_pdf_prints_solutions_errata_and_proofs_open(book_pdf: Any, built_book: Path) -> None:
    text = _squash("".join(page.extract_text() for page in book_pdf.pages))
    soup = _soup(built_book / FOLD_PAGE)
    folds = {
        "solution": soup.select_one(".solution.dropdown"),
        "erratum": soup.select_one(".warning.dropdown"),
        "proof": soup.select_one("details.sd-dropdown .sd-summary-content"),
    }
    for kind, fold in folds.items():
        assert fold is not None, f"expected a {kind} fold on {FOLD_PAGE}"
        sentence = _plain_sentence(fold)
        assert _squash(sentence) in text, f"the {kind}'s text is not in the PDF: {sentence!r}"
    # the title page lists every page with the page it starts on
    contents = _squash(book_pdf.pages[1].extract_text() + book_pdf.pages[0].extract_text())
    assert all(_squash(title) in contents for _, title, _ in _outline(book_pdf))


def _wait_ready(page: Any) -> None:
    page.wait_for_function(make_pdf.READY_JS)
    page.evaluate("() => window.MathJax && MathJax.startup.promise.then(() => true)")


VISIBLE_JS = """(selector) => Array.from(document.querySelectorAll(selector)).map(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
})"""


@pytest.mark.browser
def test_print_media_opens_folds_and_hides_controls(new_page: Any, site: str) -> None:
    page, watch = new_page("desktop")
    page.goto(site + FOLD_PAGE, wait_until="load")
    _wait_ready(page)
    shut = {"solution": ".solution.dropdown > section", "erratum": ".warning.dropdown > p:not(.admonition-title)"}
    for kind, selector in shut.items():
        assert not any(page.evaluate(VISIBLE_JS, selector)), f"expected the {kind}s folded on screen"
    assert page.evaluate("document.querySelectorAll('details.sd-dropdown:not([open])').length") > 0

    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # what the browser does on Print
    for kind, selector in {**shut, "proof": "details.sd-dropdown > .sd-summary-content"}.items():
        seen = page.evaluate(VISIBLE_JS, selector)
        assert seen and all(seen), f"{kind}s in print: visible {seen}"
    assert page.evaluate("document.querySelectorAll('details:not([open])').length") == page.evaluate(
        "document.querySelectorAll('.cell details.hide:not([open])').length"
    ), "only the folds of code cells stay shut"
    controls = [
        ".bd-header",
        ".bd-sidebar-primary",
        ".bd-sidebar-secondary",
        ".prev-next-area",
        ".article-header-buttons",
        ".jupyter-widgets button",
        "button.toggle-button",
        ".cell details.hide > summary",
    ]
    for selector in controls:
        seen = page.evaluate(VISIBLE_JS, selector)
        assert seen, f"expected {selector} on {FOLD_PAGE}"
        assert not any(seen), f"{selector} is printed"
    figures = page.evaluate(VISIBLE_JS, ".jupyter-widgets svg, .cell_output img")
    assert figures and all(figures), f"figures in print: visible {figures}"

    page.emulate_media(media="screen")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    for kind, selector in shut.items():
        assert not any(page.evaluate(VISIBLE_JS, selector)), f"expected the {kind}s folded again after printing"
    assert page.evaluate("document.querySelectorAll('details[open]').length") == 0
    assert not watch.take()


OVERFLOW_JS = """() => Array.from(document.querySelectorAll("mjx-container[display='true']")).filter(eq => {
    const math = eq.querySelector('mjx-math');
    return math && math.getBoundingClientRect().width > eq.parentElement.getBoundingClientRect().width + 1;
}).length"""


@pytest.mark.browser
def test_wide_equations_fit_the_paper_width(new_page: Any, site: str) -> None:
    """At the paper's width, in print media, print.js scales every display equation into its box."""
    page, watch = new_page("desktop", viewport={"width": make_pdf.CONTENT_WIDTH_PX, "height": 1000})
    page.emulate_media(media="print")
    page.goto(site + "chapters/regularization.html", wait_until="load")
    _wait_ready(page)
    before = page.evaluate(OVERFLOW_JS)
    assert before > 0, "expected display equations wider than the paper on this page (else this test shows nothing)"
    result = page.evaluate("window.bookPrint.prepare()")
    assert result["fitted"] >= before
    assert page.evaluate(OVERFLOW_JS) == 0
    page.evaluate("window.bookPrint.restore()")
    assert page.evaluate(OVERFLOW_JS) == before
    assert not watch.take()


def test_make_pdf_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(make_pdf.PdfError, match=r"does not exist"):
        make_pdf.book_pages(tmp_path / "nowhere")
    with pytest.raises(make_pdf.PdfError, match=r"no index.html"):
        make_pdf.book_pages(tmp_path)
    (tmp_path / "index.html").write_text(
        '<title>A — Book</title><article><h1>Start</h1></article><nav class="bd-docs-nav">'
        '<p class="caption">Part</p><ul><li class="toctree-l1"><a class="reference internal" href="one.html">1. One</a>'
        "</li></ul></nav>"
    )
    with pytest.raises(make_pdf.PdfError, match=r"missing: \['one.html'\]"):
        make_pdf.book_pages(tmp_path)
    (tmp_path / "one.html").write_text("<h1>One</h1>")
    assert make_pdf.book_pages(tmp_path)[1] == [
        make_pdf.BookPage("index.html", "Start", ""),
        make_pdf.BookPage("one.html", "1. One", "Part"),
    ]
    with pytest.raises(make_pdf.PdfError, match=r"expected Chromium at .*no-chromium"):
        make_pdf.make_pdf(tmp_path, tmp_path / "out.pdf", chromium=tmp_path / "no-chromium")
    assert not (tmp_path / "out.pdf").exists()
    assert make_pdf.main([str(tmp_path / "nowhere"), str(tmp_path / "out.pdf")]) == 2
