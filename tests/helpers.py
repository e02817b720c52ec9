"""What the tests share besides fixtures: paths, the browser's settings, the node runner, small models.

Fixtures live in ``conftest.py``; test modules import everything else from here
(``from helpers import ROOT``), never from ``conftest``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import make_pdf  # tools/ (on the path)

ROOT = Path(__file__).resolve().parent.parent
HTML_DIR = ROOT / "_build" / "html"
# The browser the tests drive and its settings: the ones `make pdf` prints with.
CHROMIUM, CHROMIUM_ARGS = make_pdf.CHROMIUM, make_pdf.CHROMIUM_ARGS
# `jupyter-book` of the interpreter running the tests (the project's .venv under `make test`).
# sys.executable is not resolved: in a venv it is a symlink whose folder holds the scripts.
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
# The screens the browser tests use, and how long a wait may take before it fails.
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000
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


def toc_pages() -> list[str]:
    """Document names in _toc.yml order (root first), e.g. 'intro', 'chapters/notation'."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "file" in node:
                names.append(str(node["file"]).removesuffix(".md").removesuffix(".ipynb"))
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(toc)
    return names


def execution_reports(html_dir: Path) -> str:
    """The tracebacks that myst-nb writes for notebooks that failed to execute."""
    reports = sorted((html_dir / "reports").rglob("*")) if (html_dir / "reports").is_dir() else []
    texts = [f"===== {p.relative_to(html_dir)} =====\n{p.read_text(errors='replace')}" for p in reports if p.is_file()]
    return "\n".join(texts) or "(no execution reports under _build/html/reports/)"


class Watch:
    """Records what goes wrong while a page is open: console errors, page errors, failed
    requests, HTTP errors, and every request that tried to leave 127.0.0.1 (blocked).

    With ``typeset_math=False`` the pages get an empty script instead of MathJax: for tests of the
    widgets, which assert nothing about the math, a chapter then loads in a third of the time
    (MathJax typesetting is about three quarters of a chapter's load on this machine)."""

    def __init__(self, context: Any, origin: str, *, typeset_math: bool = True) -> None:
        self.problems: list[str] = []
        self.origin = origin
        self.typeset_math = typeset_math
        context.route("**/*", self._route)
        context.on("console", self._console)
        context.on("weberror", lambda err: self.problems.append(f"page error: {err.error}"))
        context.on("requestfailed", self._failed)
        context.on("response", self._response)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if not self.typeset_math and url.startswith(self.origin) and "/mathjax/" in url:
            route.fulfill(
                status=200, content_type="text/javascript", body="/* MathJax left out: no math tested here */"
            )
        elif url.startswith(self.origin) or url.startswith(("data:", "blob:", "about:")):
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
