"""Shared fixtures.

``built_book`` builds the whole book once per test session (strictly, as CI does) and
returns the ``_build/html`` folder, so the book-build test and the browser tests share
one build.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
# node runs the browser engine (mlp_lib/widgets/web/*.js) outside the browser for the tests that
# compare its numbers with mlp_lib's (Debian package nodejs).
NODE = shutil.which("node")


def run_node(driver: Path, module: Path, tasks: list) -> list:
    """Run ``node driver module`` with ``{"tasks": tasks}`` on stdin; the ``results`` it prints, in order."""
    proc = subprocess.run(
        [NODE, str(driver), str(module)],
        input=json.dumps({"tasks": tasks}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        raise AssertionError(f"node exited with {proc.returncode}:\n{proc.stderr}")
    return json.loads(proc.stdout)["results"]


def tiny_sigmoid_model(seed: int = 3):
    """The 2 → 3 → 2 sigmoid + MSE network of the figure tests (random biases), and one sample (x, y)."""
    import numpy as np

    import mlp_lib

    model = mlp_lib.MLP([2, 3, 2], hidden="sigmoid", output="sigmoid", loss="mse", seed=seed)
    rng = np.random.default_rng(seed)
    for j in (1, 2):
        model.b[j] = rng.normal(scale=0.5, size=model.b[j].shape)
    return model, np.array([[0.5], [-1.0]]), np.array([[1.0], [0.0]])


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


# --------------------------------------------------------------------------- the browser tests' shared parts
# (tests/test_browser.py checks every page; tests/test_browser_playground.py drives the playground)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture(scope="module")
def site(built_book: Path) -> Iterator[str]:
    """Base URL of a static HTTP server on 127.0.0.1 (free port) serving _build/html."""
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"expected Debian's Chromium at {CHROMIUM}, got nothing "
            "(install it with `apt-get install -y chromium`; `make test` does this as root)",
            pytrace=False,
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Watch:
    """Records what goes wrong while a page is open: console errors, page errors, failed
    requests, HTTP errors, and every request that tried to leave 127.0.0.1 (blocked)."""

    def __init__(self, context: Any, origin: str) -> None:
        self.problems: list[str] = []
        self.origin = origin
        context.route("**/*", self._route)
        context.on("console", self._console)
        context.on("weberror", lambda err: self.problems.append(f"page error: {err.error}"))
        context.on("requestfailed", self._failed)
        context.on("response", self._response)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.origin) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.problems.append(f"external request blocked (needs internet): {url}")
            route.abort("blockedbyclient")

    def _console(self, msg: Any) -> None:
        if msg.type == "error":
            self.problems.append(f"console error: {msg.text} ({msg.location.get('url', '')})")

    def _failed(self, request: Any) -> None:
        if request.url.startswith(self.origin):  # external ones are reported by _route
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def take(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems
