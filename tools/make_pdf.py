"""Print the built book to one PDF: a title page with the contents, then every page in the book's order.

Usage (from the book's folder; ``make pdf`` and ``make pdf-student`` run it)::

    python tools/make_pdf.py HTML_DIR OUT.pdf [--chromium PATH]

``HTML_DIR`` is a built site (``_build/html``, or ``_build/student/html`` for the student edition).
The pages and their order are read from the site's own navigation, which Jupyter Book writes from
``_toc.yml``: the root page, then each part's chapters. The folder is served on a local HTTP port
(the widgets load their code from the site), and each page is printed by the system Chromium
(playwright, print media, A4) once its math is typeset and its widgets are drawn; ``_static/print.js``
then opens its folds (solutions, errata, proofs) and scales wide equations to the paper's width. pypdf
merges the pages behind a title page, numbers every page at its foot, and adds a bookmark (PDF
outline entry) for each part and page. Nothing is fetched from outside the site: every other request
is refused, so the PDF is made the same with or without a network.

Importable: :func:`book_pages` (the pages in order), :func:`serve` (the local server),
:func:`print_pages` (one PDF per page, with a browser you launched) and :func:`make_pdf` (all of it).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import html
import http.server
import io
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

# The browser that prints (and that the tests drive): $BOOK_CHROMIUM when set, else Debian's
# chromium-headless-shell (the same Chromium without its window, quicker to load and check a page), else
# Debian's chromium. Launched headless, without sandbox (root) and its background connections.
CHROMIUM = Path(
    os.environ.get("BOOK_CHROMIUM")
    or next(
        (p for p in ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium") if Path(p).exists()), "/usr/bin/chromium"
    )
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A4 with the margins of _static/print.css's @page rule; the page is laid out at the width between them.
PAPER = {"format": "A4", "margin": {"top": "15mm", "right": "14mm", "bottom": "16mm", "left": "14mm"}}
CONTENT_WIDTH_PX = round((210 - 14 - 14) / 25.4 * 96)  # 182 mm at 96 px per inch
TIMEOUT_MS = 60_000

# A page is ready when MathJax has typeset it and every widget view has been drawn.
READY_JS = """() => {
    if (document.querySelector('script[src*="mathjax"]') &&
        !(window.MathJax && MathJax.startup && MathJax.startup.promise)) return false;
    const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
    return Array.from(views).every(s => {
        const area = s.previousElementSibling;
        return area && area.querySelector('.jupyter-widgets');
    });
}"""
SETTLE_JS = """async () => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
    await document.fonts.ready;
    await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
    if (!window.bookPrint) return null;
    const result = window.bookPrint.prepare();
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
    return result;
}"""


@dataclass(frozen=True)
class BookPage:
    """One page of the book: its path in the site, its title, and the caption of its part ('' for none)."""

    path: str
    title: str
    part: str


class PdfError(Exception):
    """A PDF cannot be made; the message says why."""


def _soup(path: Path) -> Any:
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8", errors="replace"), "html.parser")


def _text(element: Any) -> str:
    for link in element.select("a.headerlink"):
        link.decompose()
    return " ".join(element.get_text(" ", strip=True).split())


def root_page(html_dir: Path) -> str:
    """The path of the book's first page: index.html, or the page its redirect points to."""
    index = html_dir / "index.html"
    if not index.is_file():
        raise PdfError(f"expected a built book in {html_dir}, got no index.html there (build it first: make book)")
    found = re.search(r'http-equiv="Refresh"\s+content="0;\s*url=([^"]+)"', index.read_text(errors="replace"), re.I)
    return found.group(1) if found else "index.html"


def book_pages(html_dir: Path) -> tuple[str, list[BookPage]]:
    """The book's title and its pages in the order of its table of contents (``_toc.yml``).

    Read from the root page's navigation sidebar, which lists every part caption and chapter in
    that order; the root page comes first.
    """
    html_dir = Path(html_dir)
    if not html_dir.is_dir():
        raise PdfError(f"expected a folder with the built book, got {html_dir!s}, which does not exist")
    root = root_page(html_dir)
    soup = _soup(html_dir / root)
    brand = soup.select_one(".navbar-brand .logo__title")
    if brand:
        book_title = _text(brand)
    else:  # "<page> — <book>"
        book_title = soup.title.get_text().split(" — ")[-1].strip() if soup.title else html_dir.name
    heading = soup.select_one("article h1") or soup.select_one("h1")
    pages = [BookPage(root, _text(heading) if heading else book_title, "")]
    nav = soup.select_one("nav.bd-docs-nav")
    if nav is None:
        raise PdfError(f"expected the book's navigation (nav.bd-docs-nav) in {html_dir / root}, found none")
    part = ""
    for element in nav.select("p.caption, li.toctree-l1 > a.reference.internal"):
        if element.name == "p":
            part = _text(element)
            continue
        href = element.get("href", "").split("#")[0]
        path = urljoin(root, href)
        if path and path not in {p.path for p in pages}:
            pages.append(BookPage(path, _text(element), part))
    missing = [p.path for p in pages if not (html_dir / p.path).is_file()]
    if missing:
        raise PdfError(f"expected every page of the navigation in {html_dir}, these are missing: {missing}")
    return book_title, pages


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    """A server that says nothing when a browser closes a page before a file has been sent."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(html_dir: Path) -> Iterator[str]:
    """Serve ``html_dir`` on 127.0.0.1 (a free port) while the block runs; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def print_pages(
    browser: Any, base_url: str, paths: list[str], progress: Callable[[str], None] = lambda _: None
) -> list[bytes]:
    """Each page of ``paths`` (relative to ``base_url``) printed to PDF bytes, with a playwright ``browser``.

    The pages are laid out in print media at the paper's width, printed once ready (math typeset,
    widgets drawn, folds opened by ``_static/print.js``). Requests that leave ``base_url`` are refused.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": CONTENT_WIDTH_PX, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(base_url) or url.startswith(("data:", "blob:", "about:")):
            request_route.continue_()
        else:
            request_route.abort("blockedbyclient")

    context.route("**/*", route)
    out = []
    try:
        page = context.new_page()
        page.emulate_media(media="print")
        for path in paths:
            progress(path)
            try:
                page.goto(base_url + path, wait_until="load")
                page.wait_for_function(READY_JS)
            except PlaywrightTimeout as err:
                raise PdfError(
                    f"{path} was not ready to print within {TIMEOUT_MS / 1000:.0f} s "
                    f"(its math typeset and its widgets drawn): {err}"
                ) from err
            if page.evaluate(SETTLE_JS) is None:
                raise PdfError(
                    f"{path} has no print script (window.bookPrint from _static/print.js), so its folds "
                    "would print shut: rebuild the book with the current _static/ folder"
                )
            out.append(page.pdf(**PAPER, print_background=True, prefer_css_page_size=False))
    finally:
        context.close()
    return out


def _title_page_html(book_title: str, pages: list[BookPage], starts: list[int], note: str) -> str:
    rows = []
    part = None
    for page, start in zip(pages, starts, strict=True):
        if page.part and page.part != part:
            rows.append(f'<li class="part">{html.escape(page.part)}</li>')
        part = page.part
        rows.append(f"<li><span>{html.escape(page.title)}</span><span>{start}</span></li>")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(book_title)}</title>
<style>
  body {{ font: 11pt/1.45 "DejaVu Sans", Arial, sans-serif; color: #000; margin: 0; }}
  .cover {{ height: 240mm; display: flex; flex-direction: column; justify-content: center; break-after: page; }}
  h1 {{ font-size: 28pt; margin: 0 0 8mm; }}
  .note {{ color: #333; }}
  h2 {{ font-size: 16pt; margin: 0 0 6mm; }}
  ol {{ list-style: none; padding: 0; margin: 0; }}
  li {{ display: flex; justify-content: space-between; gap: 8mm; padding: 1mm 0; border-bottom: 0.2mm dotted #999; }}
  li.part {{ font-weight: bold; border: 0; padding-top: 4mm; }}
</style></head><body>
<section class="cover"><h1>{html.escape(book_title)}</h1><p class="note">{html.escape(note)}</p></section>
<h2>Contents</h2><ol>{"".join(rows)}</ol></body></html>"""


def _page_numbers_html(first: int, count: int) -> str:
    sheets = "".join(f'<div class="n">{n}</div>' for n in range(first, first + count))
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
  @page {{ size: A4; margin: 0; }}
  body {{ margin: 0; }}
  .n {{ height: 297mm; box-sizing: border-box; padding-bottom: 7mm; display: flex; align-items: flex-end;
        justify-content: center; font: 9pt "DejaVu Sans", Arial, sans-serif; color: #444; break-after: page; }}
</style></head><body>{sheets}</body></html>"""


def _render(browser: Any, markup: str, **options: Any) -> bytes:
    page = browser.new_page()
    try:
        page.set_content(markup)
        return page.pdf(**(options or PAPER))
    finally:
        page.close()


def make_pdf(
    html_dir: Path,
    out: Path,
    *,
    browser: Any = None,
    chromium: Path = CHROMIUM,
    pages: list[BookPage] | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> Path:
    """Print the book in ``html_dir`` to ``out`` (a PDF); returns ``out``.

    ``pages`` (default: every page, :func:`book_pages`) chooses what is printed; ``browser`` is a
    launched playwright Chromium to reuse (default: ``chromium`` is launched, and closed at the end).
    """
    from pypdf import PdfReader, PdfWriter

    html_dir = Path(html_dir)
    book_title, all_pages = book_pages(html_dir)
    pages = all_pages if pages is None else pages
    if not pages:
        raise PdfError("expected at least one page to print, got none")

    with contextlib.ExitStack() as stack:
        if browser is None:
            if not Path(chromium).is_file():
                raise PdfError(
                    f"expected Chromium at {chromium}, found nothing there "
                    "(install it with `apt-get install -y chromium-headless-shell`, or pass --chromium PATH)"
                )
            from playwright.sync_api import sync_playwright

            playwright = stack.enter_context(sync_playwright())
            browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
            stack.callback(browser.close)
        base_url = stack.enter_context(serve(html_dir))
        printed = [
            PdfReader(io.BytesIO(pdf)) for pdf in print_pages(browser, base_url, [p.path for p in pages], progress)
        ]

        note = f"Printed from the website on {datetime.date.today().isoformat()}."
        offsets = [0]
        for reader in printed[:-1]:
            offsets.append(offsets[-1] + len(reader.pages))
        front_pages = 2
        for _ in range(3):  # the contents' length decides where the chapters start
            starts = [front_pages + 1 + offset for offset in offsets]
            front = PdfReader(io.BytesIO(_render(browser, _title_page_html(book_title, pages, starts, note))))
            if len(front.pages) == front_pages:
                break
            front_pages = len(front.pages)
        else:
            raise PdfError("the title page and contents did not settle on a page count")

        total = front_pages + sum(len(r.pages) for r in printed)
        numbers = PdfReader(
            io.BytesIO(
                _render(browser, _page_numbers_html(front_pages + 1, total - front_pages), format="A4", margin={})
            )
        )

    writer = PdfWriter()
    for sheet in front.pages:
        writer.add_page(sheet)
    number_sheets = iter(numbers.pages)
    starts_at = []
    for reader in printed:
        starts_at.append(len(writer.pages))
        for sheet in reader.pages:
            added = writer.add_page(sheet)
            added.merge_page(next(number_sheets))
    part_items: dict[str, Any] = {}
    for page, index in zip(pages, starts_at, strict=True):
        parent = None
        if page.part:
            if page.part not in part_items:
                part_items[page.part] = writer.add_outline_item(title=page.part, page_number=index)
            parent = part_items[page.part]
        writer.add_outline_item(title=page.title, page_number=index, parent=parent)
    writer.add_metadata({"/Title": book_title})
    writer.page_mode = "/UseOutlines"
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as stream:
        writer.write(stream)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the built book to one PDF (see this file's docstring).")
    parser.add_argument("html_dir", type=Path, help="the built site, e.g. _build/html")
    parser.add_argument("out", type=Path, help="the PDF to write, e.g. _build/pdf/deriving-backpropagation.pdf")
    parser.add_argument("--chromium", type=Path, default=CHROMIUM, help=f"the Chromium to print with ({CHROMIUM})")
    args = parser.parse_args(argv)
    try:
        out = make_pdf(
            args.html_dir,
            args.out,
            chromium=args.chromium,
            progress=lambda path: print(f"  printing {path}", flush=True),
        )
    except PdfError as err:
        print(f"make_pdf: error: {err}", file=sys.stderr)
        return 2
    from pypdf import PdfReader

    print(f"PDF written: {out} ({len(PdfReader(out).pages)} pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
