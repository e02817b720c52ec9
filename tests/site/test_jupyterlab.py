"""The playground chapter in a real JupyterLab, driven by headless Chromium (Playwright).

Starts ``jupyter lab`` on a free port of 127.0.0.1 with the ``overrides.json`` that
``make lab`` writes (read from the Makefile, so the two cannot drift apart) in a temporary
settings folder, double-clicks ``chapters/playground.md`` in the file browser and checks that
it opens as a notebook with a Python kernel (not as a text file), runs all cells, checks that
no cell printed a traceback, clicks the live playground's *Step* button and sees the step counter
of the status line move. The server, its kernels and the browser are stopped in ``finally``.

A second test opens a small notebook with the live step-through of one backward pass
(:class:`mlp_lib.widgets.BackwardStepper`): the reader's Next clicks and a typed input reach
the kernel (``stepper.step``, ``stepper.x``), and a sample set from Python is drawn by the page.

The chapter is copied to a temporary folder, so nothing in the repository is touched (opening a
MyST notebook marks it modified in JupyterLab; an autosave would rewrite its header).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import ROOT

pytestmark = pytest.mark.browser

JUPYTER = Path(sys.executable).parent / "jupyter"
TOKEN = "playground-test"
CHAPTER = "chapters/playground.md"
# The current notebook panel (JupyterLab hides the others with lm-mod-hidden).
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def makefile_overrides() -> dict:
    """The JSON that the Makefile's `lab` target writes to overrides.json."""
    text = (ROOT / "Makefile").read_text()
    m = re.search(r"printf '%s\\n' \\\n(.*?)> \$\(VENV\)/share/jupyter/lab/settings/overrides\.json", text, re.S)
    assert m, "expected the `lab` target of the Makefile to printf the overrides.json"
    return json.loads("".join(re.findall(r"'([^']*)'", m.group(1))))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, path: str, method: str = "GET"):
    req = urllib.request.Request(f"{base}{path}?token={TOKEN}", method=method)
    with urllib.request.urlopen(req, timeout=10) as r:
        body = r.read()
    return json.loads(body) if body else None


def stop_server(proc: subprocess.Popen, base: str) -> None:
    """Shut the kernels down through the REST API, then the server; kill whatever is left."""
    try:
        for kernel in api(base, "/api/kernels"):
            api(base, f"/api/kernels/{kernel['id']}", "DELETE")
    except Exception:  # noqa: BLE001 - the server may already be gone
        pass
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def step_of(text: str) -> int:
    m = re.search(r"step\s+(\d+)", text)
    assert m, f"expected 'step N' in the status line, got {text!r}"
    return int(m.group(1))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A JupyterLab server with the Makefile's overrides.json, on a copy of the book's chapter: (url, root)."""
    if not JUPYTER.exists():
        pytest.skip(f"needs jupyter next to the interpreter ({JUPYTER})")
    tmp_path = tmp_path_factory.mktemp("lab")
    root = tmp_path / "book"
    (root / "chapters").mkdir(parents=True)
    shutil.copy(ROOT / CHAPTER, root / CHAPTER)
    app_settings = tmp_path / "app-settings"
    app_settings.mkdir()
    (app_settings / "overrides.json").write_text(json.dumps(makefile_overrides()))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(
        [
            str(JUPYTER),
            "lab",
            "--no-browser",
            f"--ServerApp.port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.port_retries=0",
            f"--LabApp.app_settings_dir={app_settings}",
            f"--LabApp.user_settings_dir={tmp_path / 'user-settings'}",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
            "--allow-root",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(120):
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{(tmp_path / 'lab.log').read_text()}")
            try:
                api(base, "/api/status")
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("jupyter lab did not answer within 60 s")
        yield base, root
    finally:
        stop_server(proc, base)
        log.close()


@pytest.fixture
def lab_page(lab: tuple[str, Path], browser: Any) -> Iterator[Any]:
    """A fresh page of the session's headless Chromium at JupyterLab's size."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def open_and_run_all(page: Any, base: str, folder: str, name: str, n_code: int) -> None:
    """Double-click ``folder/name`` in the file browser, wait for its cells and kernel, Run All, no errors."""
    page.goto(f"{base}/lab/tree/{folder}?token={TOKEN}")
    # a reader's double-click in the file browser; then wait for every code cell (they
    # appear progressively) and for the kernel
    page.locator(".jp-DirListing-item", has_text=name).dblclick()
    page.wait_for_selector(".jp-NotebookPanel:visible, .jp-FileEditor:visible")
    assert page.locator(".jp-FileEditor:visible").count() == 0, (
        f"{name} opened as a text file, not as a notebook (overrides.json not applied?)"
    )
    page.wait_for_function(
        f"""() => {{ const p = document.querySelector('{PANEL}');
                    const k = p && p.querySelector('.jp-Toolbar-kernelName');
                    const i = p && p.querySelector('.jp-Notebook-ExecutionIndicator');
                    return p && p.querySelectorAll('.jp-CodeCell').length === {n_code} && k && /Python/.test(k.textContent)
                           && i && i.getAttribute('data-status') === 'idle'; }}""",
        timeout=180_000,
    )
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    page.wait_for_function(
        f"""() => {{ const p = document.querySelector('{PANEL}');
                    const prompts = [...p.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent.trim());
                    return prompts.length > 0 && prompts.every(t => /^\\[\\d+\\]:$/.test(t))
                           && p.querySelector('.jp-Notebook-ExecutionIndicator').getAttribute('data-status') === 'idle'; }}""",
        timeout=300_000,
    )
    errors = page.evaluate(
        f"""() => [...document.querySelectorAll('{PANEL} .jp-OutputArea-output')]
                  .filter(o => o.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr'
                               || /Traceback|Error displaying widget/.test(o.textContent))
                  .map(o => o.textContent.slice(0, 500))"""
    )
    assert errors == [], "error outputs after Run All:\n" + "\n".join(errors)


def run_new_cell(page: Any, code: str, marker: str) -> list[str]:
    """Type ``code`` into a new cell below the last and run it; the outputs that mention ``marker``."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # e.g. a widget's box
    page.locator(f"{PANEL} .jp-Cell .jp-InputPrompt").last.click()
    page.keyboard.press("Escape")  # command mode
    page.keyboard.press("b")  # a new cell below, selected
    page.keyboard.press("Enter")  # edit it
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('{PANEL} .jp-OutputArea-output')]
                  .some(o => /{marker}|Error|Traceback/.test(o.textContent))""",
        timeout=60_000,
    )
    return page.evaluate(
        f"""() => [...document.querySelectorAll('{PANEL} .jp-OutputArea-output')]
                  .map(o => o.textContent).filter(t => /{marker}|Error|Traceback/.test(t))"""
    )


def test_playground_runs_in_jupyterlab(lab: tuple[str, Path], lab_page: Any) -> None:
    base, _ = lab
    page = lab_page
    open_and_run_all(page, base, "chapters", "playground.md", (ROOT / CHAPTER).read_text().count("```{code-cell}"))

    # the live playground (an anywidget): it trains in the notebook's page, with the browser engine
    def button(name: str):
        return page.locator(f"{PANEL} .pg-root button", has_text=re.compile(rf"^\s*{name}\s*$"))

    for name in ("Step", "Train", "Reset", "Apply config"):
        assert button(name).count() == 1, f"expected one {name!r} button in the playground"
    status = page.locator(f"{PANEL} .pg-root .pg-status").first
    canvas = page.locator(f"{PANEL} .pg-root canvas.pg-boundary").first
    before, picture = step_of(status.text_content()), canvas.evaluate("c => c.toDataURL()")
    assert before == 0  # a fresh Playground() in the chapter
    button("Step").click()
    page.wait_for_function(
        """([el, n]) => { const m = el.textContent.match(/step\\s+(\\d+)/); return m && +m[1] === n; }""",
        arg=[status.element_handle(), before + 1],
        timeout=30_000,
    )
    page.wait_for_function(
        "([c, src]) => c.toDataURL() !== src", arg=[canvas.element_handle(), picture], timeout=30_000
    )

    # Python reads the page's trained weights back as an mlp_lib.MLP: a new cell below the last
    outputs = run_new_cell(
        page,
        "m = playground.model(); print('read back', m.sizes, m.loss.name, bool(all(abs(w).sum() > 0 for w in m.W[1:])))",
        "read back",
    )
    assert any("read back [2, 8, 8, 1] bce True" in t for t in outputs), outputs


STEPPER_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": (
                "import numpy as np\n"
                "from mlp_lib import MLP\n"
                "from mlp_lib.widgets import BackwardStepper\n"
                "tiny = MLP([2, 3, 2], hidden='sigmoid', output='sigmoid', loss='mse', seed=3)\n"
                "stepper = BackwardStepper(tiny, x=[0.5, -1.0], y=[1.0, 0.0])\n"
                "stepper"
            ),
        },
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": (
                "from mlp_lib.widgets import WeightNudge\n"
                "nudge = WeightNudge(tiny, x=[0.5, -1.0], y=[1.0, 0.0], edge=(1, 2, 1), eps_max=3.0)\n"
                "nudge"
            ),
        },
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_backward_stepper_talks_to_python_in_jupyterlab(lab: tuple[str, Path], lab_page: Any) -> None:
    """The live views in a notebook: Next, a typed input and a chosen weight reach the kernel; Python's changes reach the page."""
    base, root = lab
    (root / "views").mkdir(exist_ok=True)
    (root / "views" / "stepper.ipynb").write_text(json.dumps(STEPPER_NOTEBOOK))
    page = lab_page
    open_and_run_all(page, base, "views", "stepper.ipynb", 2)
    view = f"{PANEL} .bv-root.bv-stepper"
    page.wait_for_selector(f"{view} svg")
    for _ in range(3):
        page.locator(f"{view} .bv-next").click()
    box = page.locator(f"{view} input.bv-x").first
    box.fill("2")
    box.dispatch_event("change")
    outputs = run_new_cell(page, "print('page says', stepper.step, stepper.x, stepper.model().sizes)", "page says")
    assert any("page says 3 [2.0, -1.0] [2, 3, 2]" in t for t in outputs), outputs
    # Python → page: a new sample from the kernel is drawn by the page
    run_new_cell(page, "stepper.y = [0.25, 0.5]; print('sent')", "sent")
    page.wait_for_function(
        f"() => Array.from(document.querySelectorAll('{view} input.bv-y')).map(e => e.value).join(',') === '0.25,0.5'"
    )
    assert "0.25" in page.locator(f"{view} .bv-summary").inner_text()

    # the nudge view: a click on an edge reaches the kernel, an ε from Python moves the slider
    nudge = f"{PANEL} .bv-root.bv-nudge"
    page.locator(f"{nudge} select.bv-edge-j").select_option("2")
    outputs = run_new_cell(page, "print('edge is', nudge.edge)", "edge is")
    assert any("edge is [2, 2, 1]" in t for t in outputs), outputs
    run_new_cell(page, "nudge.eps = -0.75; print('moved')", "moved")
    page.wait_for_function(f"() => document.querySelector('{nudge} input[type=range]').value === '-0.75'")
    assert page.locator(f"{nudge} .bv-readout").inner_text().startswith("ε = −0.75:")
