"""The book on paper: the print stylesheet (_static/print.css, print.js) and the PDF of tools/make_pdf.py.

The pages make_pdf prints are checked against ``_toc.yml`` and the built pages' headings (all of
them, without a browser). Printing every page takes minutes, so the PDF tested here is of three
pages (the first, one with every kind of fold, the last; ``make pdf`` prints them all the same way):
pypdf finds a bookmark per page on the page that carries its heading, the contents and page numbers,
and the text of a solution, an erratum and a proof (folds print open).
"""

from __future__ import annotations

import re
import socket
import struct
import time
import unicodedata
from pathlib import Path
from typing import Any

import make_pdf  # tools/ (pytest's pythonpath)
import pytest
import yaml
from bs4 import BeautifulSoup

from helpers import ROOT

FOLD_PAGE = "chapters/eq2-recursion.html"  # solutions, errata, remarks, proofs, code folds, a widget


def _squash(text: str) -> str:
    """Text without whitespace, lower case, ligatures spelt out (ﬁ → fi): PDF text extraction breaks
    lines and words its own way."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


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
    text = path.read_text(encoding="utf-8")
    start = text.index("<article")
    h1 = BeautifulSoup(text[start : text.index("</h1>", start) + 5], "html.parser").select_one("h1")
    for link in h1.select("a.headerlink"):
        link.decompose()
    return " ".join(h1.get_text(" ", strip=True).split())


def _plain_text(element: Any) -> str:
    """The longest run of text in ``element``'s paragraphs between two pieces of math (math prints
    as glyphs placed on their own, not as TeX)."""
    runs = []
    for paragraph in element.select("p"):
        paragraph = BeautifulSoup(str(paragraph), "html.parser")
        for math in paragraph.select(".math"):
            math.replace_with("\x00")
        runs += [" ".join(run.split()) for run in paragraph.get_text().split("\x00")]
    longest = max(runs, key=len, default="")
    assert len(longest) >= 25, f"expected a sentence without math in {element.get('class')}, got {longest!r}"
    return longest


def _printed(sentence: str, text: str, width: int = 5) -> float:
    """The share of the runs of ``width`` consecutive words of ``sentence`` that are in the squashed
    ``text``. Not 1.0 for every printed sentence: the PDF holds the text of a page in painting order,
    so a page break or a box drawn late can put other text between two of its words."""
    words = sentence.split()
    runs = [_squash("".join(words[i : i + width])) for i in range(max(1, len(words) - width + 1))]
    return sum(run in text for run in runs) / len(runs)


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


@pytest.mark.book
def test_the_pdf_prints_every_toc_page_in_order(built_book: Path) -> None:
    """make_pdf reads the pages from the site's navigation: they must be _toc.yml's, in its order."""
    title, pages = make_pdf.book_pages(built_book)
    files = _toc_files()
    assert [page.path for page in pages] == [f"{name}.html" for name in files]
    assert [page.title for page in pages] == [_heading(built_book / f"{name}.html") for name in files]
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert [page.part for page in pages[1:]] == [part["caption"] for part in toc["parts"] for _ in part["chapters"]]
    assert title == yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["title"]


@pytest.fixture(scope="module")
def sample_pdf(built_book: Path, browser: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list]:
    """A PDF of three pages of the built book (the first, the folds' page, the last) by tools/make_pdf.py,
    opened with pypdf, and those pages. Printing all 21 pages takes minutes (``make pdf``); each page
    goes through the same steps."""
    from pypdf import PdfReader

    _, pages = make_pdf.book_pages(built_book)
    sample = [pages[0], next(p for p in pages if p.path == FOLD_PAGE), pages[-1]]
    out = make_pdf.make_pdf(built_book, tmp_path_factory.mktemp("pdf") / "book.pdf", browser=browser, pages=sample)
    return PdfReader(out), sample


@pytest.mark.book
@pytest.mark.browser
def test_pdf_has_a_bookmark_on_each_pages_heading(sample_pdf: tuple[Any, list], built_book: Path) -> None:
    reader, sample = sample_pdf
    outline = _outline(reader)
    parts = {page.part for page in sample if page.part}
    printed = [(title, index) for depth, title, index in outline if not (depth == 0 and title in parts)]
    assert [title for title, _ in printed] == [_heading(built_book / page.path) for page in sample]
    assert {title for depth, title, _ in outline if depth == 0 and title in parts} == parts
    indices = [index for _, index in printed]
    assert indices == sorted(set(indices)), f"pages out of order: {indices}"
    assert indices[0] >= 1, "the title page comes first"
    for title, index in printed:  # each bookmark lands on the page that carries its heading
        assert _squash(title) in _squash(reader.pages[index].extract_text()), f"{title!r} not on page {index + 1}"
    contents = _squash(reader.pages[0].extract_text() + reader.pages[1].extract_text())
    for title, index in printed:  # the contents give each page's number, printed at its foot
        assert _squash(f"{title}{index + 1}") in contents, f"{title!r} (page {index + 1}) not in the contents"
        assert reader.pages[index].extract_text().strip().endswith(str(index + 1))


@pytest.mark.book
@pytest.mark.browser
def test_pdf_prints_solutions_errata_and_proofs_open(sample_pdf: tuple[Any, list], built_book: Path) -> None:
    reader, _ = sample_pdf
    text = _squash("".join(page.extract_text() for page in reader.pages))
    soup = _soup(built_book / FOLD_PAGE)
    folds = {
        "solution": soup.select_one(".solution.dropdown"),
        "erratum": soup.select_one(".warning.dropdown"),
        "proof": soup.select_one("details.sd-dropdown .sd-summary-content"),
    }
    for kind, fold in folds.items():
        assert fold is not None, f"expected a {kind} fold on {FOLD_PAGE}"
        sentence = _plain_text(fold)
        share = _printed(sentence, text)
        assert share >= 0.5, f"the {kind}'s text is not in the PDF ({share:.0%} of it): {sentence!r}"


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

    page.emulate_media(media="print")  # print.css alone opens the solutions and errata
    for kind, selector in shut.items():
        seen = page.evaluate(VISIBLE_JS, selector)
        assert seen and all(seen), f"{kind}s in print media: visible {seen}"
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # what the browser does on Print
    seen = page.evaluate(VISIBLE_JS, "details.sd-dropdown > .sd-summary-content")
    assert seen and all(seen), f"proofs in print: visible {seen}"
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
def test_wide_equations_are_scaled_to_the_papers_width(new_page: Any, site: str) -> None:
    """print.js scales every display equation into its box. MathJax breaks this book's equations to
    fit even a page 360 px wide (as A6), so the page gets one it cannot break: a row vector of 16
    entries (about twice the paper's width; print.js zooms down to 0.3 at most), typeset by the
    page's MathJax like the others."""
    page, watch = new_page("desktop", viewport={"width": 360, "height": 800})
    page.emulate_media(media="print")
    page.goto(site + "chapters/eq2-recursion.html", wait_until="load")
    _wait_ready(page)
    page.evaluate(
        r"""() => {
            const div = document.createElement('div');
            div.className = 'math notranslate nohighlight';
            const row = Array.from({length: 16}, (_, i) => `w_{${i + 1}}`).join(' & ');
            div.textContent = `\\[\\begin{pmatrix} ${row} \\end{pmatrix}\\]`;
            document.querySelector('article h1').after(div);
            return MathJax.typesetPromise([div]).then(() => true);
        }"""
    )
    before = page.evaluate(OVERFLOW_JS)
    assert before > 0, "expected the 16-entry row to be wider than the paper (else this test shows nothing)"
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


def test_server_is_quiet_when_a_browser_hangs_up_and_loud_otherwise(tmp_path: Path, capfd: Any) -> None:
    """make_pdf.serve (the tests' server too) prints nothing when a page closes before a file has been
    sent (the connection is reset mid-file), and still reports any other error of a request."""
    (tmp_path / "big.bin").write_bytes(b"x" * 20_000_000)
    with make_pdf.serve(tmp_path) as url:
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(b"GET /big.bin HTTP/1.0\r\n\r\n")
        assert client.recv(100).startswith(b"HTTP/1.0 200")
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = reset
        client.close()
        time.sleep(0.5)
        assert "Traceback" not in capfd.readouterr().err, "expected no traceback for a browser that hung up"
        try:
            raise ValueError("a real bug in a request")
        except ValueError:  # handled as the server handles an error of a request (it uses no server state)
            object.__new__(make_pdf._QuietServer).handle_error(None, ("127.0.0.1", 1))
        assert "ValueError: a real bug in a request" in capfd.readouterr().err
