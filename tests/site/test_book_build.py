"""The book builds strictly: every notebook executes, no Sphinx warning, no CDN."""

from __future__ import annotations

import json
import re
from datetime import UTC
from pathlib import Path
from types import SimpleNamespace

import pytest

from helpers import BUILD_CMD, HTML_DIR, ROOT, execution_reports

pytestmark = pytest.mark.book

CDN = re.compile(r"cdn\.jsdelivr|unpkg\.com|cdnjs\.cloudflare|mathjax\.org/mathjax|cdn\.mathjax|fonts\.googleapis")


def test_strict_build_succeeds(book_build: SimpleNamespace) -> None:
    assert book_build.returncode == 0, (
        f"`{' '.join(BUILD_CMD)}` exited with {book_build.returncode}\n"
        f"{book_build.stdout[-6000:]}\n{book_build.stderr[-6000:]}\n{execution_reports(HTML_DIR)}"
    )


def test_index_exists(built_book: Path) -> None:
    assert (built_book / "index.html").is_file()


def test_offline_assets_published(built_book: Path) -> None:
    offline = built_book / "offline"
    for rel in ("mathjax/startup.js", "mathjax/core.js", "widgets/anywidget_host.js"):
        assert (offline / rel).is_file(), f"expected offline asset {rel}, got nothing"
    font = offline / "mathjax/fonts/mathjax-newcm-font"
    assert (font / "chtml.js").is_file(), "MathJax's font (mathjax-newcm) missing"
    assert any((font / "chtml/woff2").glob("*.woff2")), "MathJax's font files (woff2) missing"


def test_no_cdn_urls_in_html(built_book: Path) -> None:
    """No page loads from a CDN. JupyterLite's pages (lite/) name one: Python in the browser (Pyodide)
    comes from cdn.jsdelivr.net by design, and their offline message (_ext/notebooks_site.py) checks it."""
    offenders = {}
    for page in built_book.rglob("*.html"):
        hits = set(CDN.findall(page.read_text(errors="replace")))
        if page.relative_to(built_book).parts[0] == "lite":
            hits.discard("cdn.jsdelivr")
        if hits:
            offenders[str(page.relative_to(built_book))] = sorted(hits)
    assert not offenders, f"expected no CDN URLs in the built HTML, got {offenders}"


def test_local_scripts_resolve(built_book: Path) -> None:
    """Every page's MathJax/widget <script src> points at a file of the site, at any depth."""
    intro = (built_book / "intro.html").read_text()
    assert re.search(r'<script[^>]*src="[^"]*offline/mathjax/startup\.js', intro), (
        "expected intro.html (the landing page) to load the local MathJax"
    )
    missing = []
    for page in built_book.rglob("*.html"):
        for src in re.findall(r'<script[^>]*src="([^"?]*offline/[^"?]*)', page.read_text(errors="replace")):
            if not (page.parent / src).resolve().is_file():
                missing.append(f"{page.relative_to(built_book)}: {src}")
    assert not missing, f"expected every offline script to exist, got missing {missing}"


def test_every_chapter_was_executed_on_this_build_and_its_download_has_outputs(
    book_build: SimpleNamespace, built_book: Path
) -> None:
    """Each chapter's executed notebook is in the cache, made during this build (not an older one),
    no chapter failed, and the page's .ipynb download carries the outputs; JupyterLite was built."""

    if book_build.reused:
        pytest.skip("--reuse-build: the site of an earlier build is tested, not a build of this run")
    from jupyter_cache import get_cache

    cache = get_cache(ROOT / "_build" / ".jupyter_cache")
    assert not (built_book / "reports").exists(), execution_reports(built_book)
    for path in sorted((ROOT / "chapters").glob("*.md")):
        record = cache.get_cached_project_nb(str(path))
        assert record is not None, f"expected {path.name} executed and cached, got no record"
        created = record.created.replace(tzinfo=UTC).timestamp()
        assert created >= book_build.started - 1, f"expected {path.name} executed on this build, got an older record"
        nb = json.loads((built_book / "_sources" / "chapters" / f"{path.stem}.ipynb").read_text())
        assert any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), (
            f"{path.stem}.ipynb has no outputs"
        )
    assert (built_book / "lite" / "lab" / "index.html").is_file()


def test_every_page_has_an_icon_that_exists(built_book: Path) -> None:
    """The browser tab's icon: every page links one that is in the site (else each visit asks the
    server for /favicon.ico and gets a 404)."""
    missing = []
    for page in built_book.rglob("*.html"):
        if page.relative_to(built_book).parts[0] in ("lite", "_static", "offline"):
            continue
        text = page.read_text(errors="replace")
        if text.lstrip().startswith('<meta http-equiv="Refresh"'):
            continue  # Jupyter Book's index.html: only a redirect to the first page
        icon = re.search(r'<link rel="icon" href="([^"]+)"', text)
        if icon is None or not (page.parent / icon.group(1)).is_file():
            missing.append(f"{page.relative_to(built_book)}: {icon.group(1) if icon else 'no <link rel=icon>'}")
    assert not missing, "pages without a working icon:\n  " + "\n  ".join(missing[:10])
