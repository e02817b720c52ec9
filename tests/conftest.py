"""Shared fixtures and the suite's order.

The suite runs on every core (``-n auto``, pytest-xdist). The strict book build is made once per
run, by whichever worker needs it first, behind a file lock; the other workers wait for it and read
its result. The student edition is built the same way, after the book (both stage the chapters in
``_contents/``), reusing the book's executed chapters.

Tests that need the built book run last, so that while one worker builds, the other runs the
library's tests; the build test itself runs first. ``pytest -m "not slow"`` is the fast loop for
library work (no book build, no browser, no JupyterLab).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from make_pdf import serve

from helpers import (
    BUILD_CMD,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    HTML_DIR,
    JUPYTER_BOOK,
    PHONE,
    ROOT,
    TIMEOUT_MS,
    Watch,
    execution_reports,
)

# Test modules are cached in __pycache__ once their asserts are rewritten, even where the environment sets
# PYTHONDONTWRITEBYTECODE: without the cache every worker rewrites every test module anew (collection
# 8 s instead of 3 s).
sys.dont_write_bytecode = False

SCREENSHOTS = ROOT / "_build" / "screenshots"
# One id for the whole run, the same in every xdist worker: a build's record is valid for this run only.
RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
# Markers whose tests need the built book, a browser or a server (JupyterLab): they make up `slow`.
SLOW_MARKERS = ("book", "browser")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        action="store_true",
        help="save screenshots of the pages the browser tests open under _build/screenshots/",
    )
    parser.addoption(
        "--reuse-build",
        action="store_true",
        help="test the book already in _build/html instead of building it (a loop for work on the browser "
        "tests; the tests that the build itself ran on this run are skipped)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every book/browser/JupyterLab test `slow` (a few heavy library tests carry the mark
    themselves); run the strict build first and the other tests that need the built book last (a
    stable sort keeps each module's order)."""
    for item in items:
        if any(item.get_closest_marker(name) for name in SLOW_MARKERS):
            item.add_marker(pytest.mark.slow)

    def rank(item: pytest.Item) -> int:
        if item.name == "test_strict_build_succeeds":
            return 0
        needs_book = {"book_build", "built_book", "student_site"} & set(getattr(item, "fixturenames", ()))
        return 2 if needs_book else 1

    items.sort(key=rank)


# --------------------------------------------------------------------------- builds shared by the workers


def _shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder all xdist workers of this run see (the parent of each worker's base temp)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def build_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[], dict]) -> dict:
    """``build()``'s result (a JSON-able dict), computed by the first worker of this run that asks.

    All builds of a run take the same lock, so two builds never run at once: both would stage
    the chapters in the book's ``_contents/`` folder.
    """
    shared = _shared_dir(tmp_path_factory)
    record = shared / f"build-{name}-{RUN_ID}.json"
    with open(shared / f"builds-{RUN_ID}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not record.exists():
                record.write_text(json.dumps(build()))
            return json.loads(record.read_text())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _build_book() -> dict:
    if not JUPYTER_BOOK.exists():
        return {"returncode": -1, "stdout": "", "stderr": f"no jupyter-book next to the interpreter at {JUPYTER_BOOK}"}
    # The offline MathJax/widget files must exist before Sphinx copies html_extra_path.
    # (A no-op when `make` has already fetched them.)
    subprocess.run(["bash", str(ROOT / "tools" / "build_assets.sh")], cwd=ROOT, check=True)
    # Reports from an earlier failed build would otherwise be shown as if they were new.
    shutil.rmtree(HTML_DIR / "reports", ignore_errors=True)
    started = time.time()
    result = subprocess.run(BUILD_CMD, cwd=ROOT, capture_output=True, text=True)
    return {"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr, "started": started}


@pytest.fixture(scope="session")
def book_build(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> SimpleNamespace:
    """The strict book build of this run: ``returncode``, ``stdout``, ``stderr``, ``started`` (epoch s),
    and ``reused`` (True under ``--reuse-build``, when an earlier build's site is tested)."""
    if pytestconfig.getoption("--reuse-build") and (HTML_DIR / "index.html").is_file():
        return SimpleNamespace(returncode=0, stdout="", stderr="", started=None, reused=True)
    return SimpleNamespace(**build_once(tmp_path_factory, "book", _build_book), reused=False)


@pytest.fixture(scope="session")
def built_book(book_build: SimpleNamespace) -> Path:
    """Path of ``_build/html`` after a successful strict build (fails the test otherwise)."""
    if book_build.returncode != 0:
        pytest.fail(
            f"`{' '.join(BUILD_CMD)}` exited with {book_build.returncode} "
            "(full output: tests/site/test_book_build.py::test_strict_build_succeeds)\n"
            f"--- last output ---\n{book_build.stderr[-3000:]}\n"
            f"--- execution reports ---\n{execution_reports(HTML_DIR)}",
            pytrace=False,
        )
    return HTML_DIR


@pytest.fixture(scope="session")
def student_site(built_book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The student edition (what `make book-student` builds), built once per run after the book."""
    out = _shared_dir(tmp_path_factory) / f"student-{RUN_ID}"

    def build() -> dict:
        run = subprocess.run(
            [sys.executable, "tools/student_edition.py", str(out)], cwd=ROOT, capture_output=True, text=True
        )
        return {"returncode": run.returncode, "output": (run.stdout[-6000:] + "\n" + run.stderr[-6000:])}

    result = build_once(tmp_path_factory, "student", build)
    assert result["returncode"] == 0, f"student edition build failed\n{result['output']}"
    site = out / "html"
    assert (site / "index.html").is_file()
    return site


# --------------------------------------------------------------------------- the browser tests' shared parts


@pytest.fixture(scope="session")
def site(built_book: Path) -> Iterator[str]:
    """Base URL of a static HTTP server on 127.0.0.1 (free port) serving _build/html (the one
    ``make pdf`` uses, tools/make_pdf.py)."""
    with serve(built_book) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session (each test opens its own context)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"expected a Chromium at {CHROMIUM}, got nothing (install Debian's with "
            "`apt-get install -y chromium-headless-shell`, as `make test` does as root, "
            "or set BOOK_CHROMIUM to a Chromium's path)",
            pytrace=False,
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# Two contexts per session, one per kind of screen: a context is a browser profile with its own
# cache, so pages after the first load from it (and Chromium reuses their compiled scripts), about
# twice as fast as in a new context. Each test opens its own pages (tabs) and closes them.
CONTEXTS = {
    "desktop": {"viewport": DESKTOP, "color_scheme": "light"},
    "phone": {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
    # the desktop without MathJax, for the widget tests (see helpers.Watch)
    "widgets": {"viewport": DESKTOP, "color_scheme": "light"},
}


@pytest.fixture(scope="session")
def browser_contexts(browser: Any, site: str) -> Iterator[Callable[[str], tuple[Any, Watch]]]:
    """``get(kind)`` → (context, watch) of the session's shared "desktop", "phone" or "widgets" context."""
    made: dict[str, tuple[Any, Watch]] = {}

    def get(kind: str) -> tuple[Any, Watch]:
        if kind not in made:
            context = browser.new_context(**CONTEXTS[kind])
            context.set_default_timeout(TIMEOUT_MS)
            made[kind] = (context, Watch(context, site, typeset_math=kind != "widgets"))
        return made[kind]

    yield get
    for context, _ in made.values():
        context.close()


@pytest.fixture
def new_page(browser_contexts: Callable[[str], tuple[Any, Watch]]) -> Iterator[Callable[..., tuple[Any, Watch]]]:
    """``new_page(kind="desktop", viewport=None)`` → (page, watch): a new tab of the shared context of that
    kind, at ``viewport`` if given; the watch holds only what went wrong since this test began. Every
    page is closed when the test ends."""
    pages: list[Any] = []

    def _new(kind: str = "desktop", viewport: dict | None = None) -> tuple[Any, Watch]:
        context, watch = browser_contexts(kind)
        if not pages:
            watch.take()  # what an earlier test's pages left is not this test's
        page = context.new_page()
        pages.append(page)
        if viewport:
            page.set_viewport_size(viewport)
        return page, watch

    yield _new
    for page in pages:
        page.close()


@pytest.fixture(scope="session")
def screenshot(pytestconfig: pytest.Config) -> Callable[..., None]:
    """``screenshot(page_or_locator, "name.png", **options)``: saved under _build/screenshots/ only
    with ``--screenshots`` (they cost time and nothing asserts on them)."""
    wanted = pytestconfig.getoption("--screenshots")

    def take(target: Any, name: str, **options: Any) -> None:
        if wanted:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            target.screenshot(path=str(SCREENSHOTS / name), **options)

    return take
