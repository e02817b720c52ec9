"""Shared fixtures.

``built_book`` builds the whole book once per test session (strictly, as CI does) and
returns the ``_build/html`` folder, so the book-build test and the browser tests share
one build.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML_DIR = ROOT / "_build" / "html"
# Debian's Chromium, as the browser tests launch it: headless, no sandbox (root), and none of
# its background connections (this machine has no internet; they would only fail).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# `jupyter-book` of the interpreter running the tests (the project's .venv under `make test`).
# sys.executable is not resolved: in a venv it is a symlink whose folder holds the scripts.
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
BUILD_CMD = [str(JUPYTER_BOOK), "build", ".", "-W", "-n", "--keep-going", "--all"]


def _reports(html_dir: Path) -> str:
    """The tracebacks that myst-nb writes for notebooks that failed to execute."""
    reports = sorted((html_dir / "reports").rglob("*")) if (html_dir / "reports").is_dir() else []
    texts = [f"===== {p.relative_to(html_dir)} =====\n{p.read_text(errors='replace')}" for p in reports if p.is_file()]
    return "\n".join(texts) or "(no execution reports under _build/html/reports/)"


@pytest.fixture(scope="session")
def book_build() -> subprocess.CompletedProcess[str]:
    """Run the strict book build once; return the finished process (output captured)."""
    if not JUPYTER_BOOK.exists():
        pytest.fail(f"expected jupyter-book next to the interpreter, got nothing at {JUPYTER_BOOK}")
    # The offline MathJax/widget files must exist before Sphinx copies html_extra_path.
    # (A no-op when `make` has already fetched them.)
    subprocess.run(["bash", str(ROOT / "assets" / "build_assets.sh"), sys.executable], cwd=ROOT, check=True)
    # Reports from an earlier failed build would otherwise be shown as if they were new.
    shutil.rmtree(HTML_DIR / "reports", ignore_errors=True)
    started = time.time()
    result = subprocess.run(BUILD_CMD, cwd=ROOT, capture_output=True, text=True)
    result.started = started  # when the build began (tests compare the cache's records with it)
    return result


@pytest.fixture(scope="session")
def built_book(book_build: subprocess.CompletedProcess[str]) -> Path:
    """Path of ``_build/html`` after a successful strict build (fails the test otherwise)."""
    if book_build.returncode != 0:
        pytest.fail(
            f"`{' '.join(BUILD_CMD)}` exited with {book_build.returncode} "
            "(full output: tests/test_book_build.py::test_strict_build_succeeds)\n"
            f"--- last output ---\n{book_build.stderr[-3000:]}\n"
            f"--- execution reports ---\n{_reports(HTML_DIR)}",
            pytrace=False,
        )
    return HTML_DIR
