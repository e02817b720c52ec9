"""Install-free running: the setup cell, JupyterLite's wheels and messages, Binder's runtime, Colab's
links, the notebooks branch and the deploy workflow (``_ext/notebooks_site.py``, ``.github/workflows/``).

The unit tests need nothing built; the ``book`` tests read the shared build; the ``browser`` tests open
it in the session's Chromium with every request off this machine refused, as a reader without internet.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import time
import types
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import ROOT

_spec = importlib.util.spec_from_file_location("notebooks_site", ROOT / "_ext" / "notebooks_site.py")
nbsite = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nbsite)

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.md"))
ACTIONLINT = Path(sys.executable).parent / "actionlint"


def _pages_url() -> str:
    """The site's address from _config.yml, worked out here by hand (GitHub Pages of repository.url)."""
    owner, name = CONFIG["repository"]["url"].rstrip("/").split("/")[-2:]
    return f"https://{owner.lower()}.github.io/{name}/"


# --------------------------------------------------------------------------- the setup cell


def _run_setup_cell(monkeypatch: pytest.MonkeyPatch, *, platform: str, has_mlp_lib: bool, colab: bool) -> list:
    """Run the setup cell as IPython would (magics → get_ipython().run_line_magic) and return what it did:
    the magics it ran and whether it turned on Colab's widget manager."""
    from IPython.core.inputtransformer2 import TransformerManager

    calls: list = []
    shell = types.SimpleNamespace(run_line_magic=lambda name, line: calls.append((name, line)))
    monkeypatch.setattr(sys, "platform", platform)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: (
            (real_find_spec(name, *a) if has_mlp_lib else None) if name == "mlp_lib" else real_find_spec(name, *a)
        ),
    )
    if colab:
        google = types.ModuleType("google")
        google_colab = types.ModuleType("google.colab")
        google_colab.output = types.SimpleNamespace(enable_custom_widget_manager=lambda: calls.append("widget manager"))
        google.colab = google_colab
        monkeypatch.setitem(sys.modules, "google", google)
        monkeypatch.setitem(sys.modules, "google.colab", google_colab)
    else:
        monkeypatch.setitem(sys.modules, "google.colab", None)  # import fails, as outside Colab
    code = TransformerManager().transform_cell(nbsite.setup_source(_pages_url()))
    exec(compile(code, "<setup cell>", "exec"), {"get_ipython": lambda: shell})
    return calls


def test_setup_cell_does_nothing_where_mlp_lib_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _run_setup_cell(monkeypatch, platform="linux", has_mlp_lib=True, colab=False)
    assert calls == [], f"expected no install and no widget manager (make lab, Binder), got {calls}"


def test_setup_cell_on_colab_installs_the_published_wheel_and_the_widget_manager(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _run_setup_cell(monkeypatch, platform="linux", has_mlp_lib=False, colab=True)
    wheel_url = f"{_pages_url()}lite/pypi/{nbsite.MLP_LIB_WHEEL}"
    assert calls == [("pip", f'install -q "mlp-lib[book] @ {wheel_url}"'), "widget manager"], calls


def test_setup_cell_in_jupyterlite_installs_from_the_site_index(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _run_setup_cell(monkeypatch, platform="emscripten", has_mlp_lib=False, colab=False)
    assert calls == [("pip", "install -q mlp-lib[book]")], calls


def test_wheel_name_follows_pyproject() -> None:
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert nbsite.MLP_LIB_WHEEL == f"mlp_lib-{version}-py3-none-any.whl"


# --------------------------------------------------------------------------- one setting: the repository


def test_site_url_is_made_from_the_repository() -> None:
    assert nbsite.site_url("https://github.com/Some-Org/my.book") == "https://some-org.github.io/my.book/"
    assert nbsite.site_url("https://github.com/a/b.git/") == "https://a.github.io/b/"
    assert nbsite.site_url("https://github.com/a/b", "https://book.example.org/x") == "https://book.example.org/x/"
    with pytest.raises(ValueError, match=r"expected repository.url .*https://github.com/OWNER/NAME.*'https://gitlab"):
        nbsite.site_url("https://gitlab.com/a/b")


def test_check_repository_names_the_mismatch(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: https://github.com/deriving-backprop/book\n")
    nbsite.check_repository("Deriving-Backprop/book", config)  # GitHub names ignore case
    with pytest.raises(ValueError, match=r"expected repository.url in _config.yml to be https://github.com/me/fork"):
        nbsite.check_repository("me/fork", config)
    assert nbsite.main(["check-repository", "me/fork"]) == 1
    assert "error: expected repository.url" in capsys.readouterr().err
    assert nbsite.main(["no-such-command"]) == 2


# --------------------------------------------------------------------------- Binder


def test_binder_runtime_is_the_python_the_lock_is_installed_on() -> None:
    """repo2docker reads runtime.txt (its default Python has no wheel of the lock's numpy); the lock
    installs on the Python running these tests, so Binder must get that one."""
    runtime = (ROOT / "runtime.txt").read_text(encoding="utf-8")
    assert runtime == nbsite.BINDER_RUNTIME + "\n", f"expected runtime.txt = {nbsite.BINDER_RUNTIME!r}, got {runtime!r}"
    here = f"python-{sys.version_info.major}.{sys.version_info.minor}"
    assert nbsite.BINDER_RUNTIME == here, f"the lock is installed on {here}, Binder would use {nbsite.BINDER_RUNTIME}"
    assert "(Python 3.11)" in (ROOT / "requirements.txt").read_text().splitlines()[0]


def test_pyodide_wheels_are_pinned_in_requirements() -> None:
    pins = nbsite.pyodide_wheel_pins()
    lock = (ROOT / "requirements.txt").read_text()
    for name, version in pins.items():
        assert re.search(rf"^{re.escape(name)}=={re.escape(version)}$", lock, re.M | re.I), (name, version)


# --------------------------------------------------------------------------- the deploy workflow


def _actionlint(path: Path) -> subprocess.CompletedProcess:
    if not ACTIONLINT.exists():
        pytest.skip(f"actionlint is not installed next to {sys.executable} (pip install -r requirements.txt adds it)")
    return subprocess.run([str(ACTIONLINT), "-no-color", str(path)], capture_output=True, text=True, cwd=ROOT)


def test_actionlint_accepts_the_workflows() -> None:
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert [w.name for w in workflows] == ["deploy.yml"]
    for workflow in workflows:
        run = _actionlint(workflow)
        assert run.returncode == 0, f"actionlint rejects {workflow.name}:\n{run.stdout}{run.stderr}"


def test_actionlint_rejects_a_broken_workflow(tmp_path: Path) -> None:
    """The check can fail: an unknown job key and an undefined step output are reported."""
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    text = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    broken.write_text(text.replace("runs-on: ubuntu-24.04", "runs_on: ubuntu-24.04", 1))
    run = _actionlint(broken)
    assert run.returncode == 1 and "runs_on" in run.stdout, run.stdout


def test_workflow_publishes_pages_and_the_notebooks_branch() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    steps = [step for job in workflow["jobs"].values() for step in job.get("steps", [])]
    uses = {step.get("uses", "").split("@")[0] for step in steps}
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= uses
    runs = "\n".join(step.get("run", "") for step in steps)
    for command in ("check-repository", "make test", "notebooks-branch", "git push --force origin"):
        assert command in runs, f"expected the workflow to run {command!r}"


# --------------------------------------------------------------------------- the built site


@pytest.mark.book
def test_jupyterlite_index_holds_the_wheels_and_no_source_maps(built_book: Path) -> None:
    wheels = built_book / "lite" / "pypi"
    mlp_wheel = wheels / nbsite.MLP_LIB_WHEEL
    assert mlp_wheel.is_file(), (
        f"expected {mlp_wheel.relative_to(built_book)}, got {sorted(p.name for p in wheels.glob('*'))}"
    )
    # The wheel holds the library as it is in the repository (every module and browser file).
    expected = {p.relative_to(ROOT).as_posix() for p in (ROOT / "mlp_lib").rglob("*") if p.suffix in {".py", ".js"}}
    expected = {p for p in expected if "__pycache__" not in p}
    with zipfile.ZipFile(mlp_wheel) as wheel:
        packed = {n for n in wheel.namelist() if n.startswith("mlp_lib/")}
        metadata = wheel.read(f"mlp_lib-{nbsite.MLP_LIB_WHEEL.split('-')[1]}.dist-info/METADATA").decode()
    assert packed == expected, f"missing {sorted(expected - packed)}, extra {sorted(packed - expected)}"
    assert "Requires-Dist: anywidget; extra" in metadata.replace('"', "").replace("'", "")
    for name, version in nbsite.pyodide_wheel_pins().items():
        assert (wheels / f"{name}-{version}-py3-none-any.whl").is_file(), f"no {name} {version} wheel in lite/pypi/"
    # piplite's index (the one jupyter-lite.json names) lists them all.
    config = json.loads((built_book / "lite" / "jupyter-lite.json").read_text())
    urls = config["jupyter-config-data"]["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"][
        "pipliteUrls"
    ]
    index = {}
    for url in urls:
        index.update(json.loads((built_book / "lite" / url.split("?")[0]).read_text()))
    for name in ["mlp-lib", "anywidget", "psygnal", "ipywidgets", "jupyterlab-widgets"]:
        assert any(re.sub(r"[-_.]+", "-", key).lower() == name for key in index), (
            f"piplite index lacks {name}: {list(index)}"
        )
    maps = sorted(str(p.relative_to(built_book)) for p in (built_book / "lite").rglob("*.map"))
    assert maps == [], f"expected no source maps in lite/, got {len(maps)}: {maps[:5]}"
    assert not list((built_book / "lite" / "files").rglob("mlp_lib/__init__.py")), "a copy of mlp_lib/ beside the wheel"
    for page in ["index.html", "lab/index.html", "notebooks/index.html", "tree/index.html"]:
        assert 'id="dbp-lite-check"' in (built_book / "lite" / page).read_text(), f"lite/{page} lacks the check"


@pytest.mark.book
def test_published_notebooks_start_with_the_setup_cell(built_book: Path) -> None:
    wheel_url = f"{_pages_url()}lite/pypi/{nbsite.MLP_LIB_WHEEL}"
    for folder in [built_book / "_sources" / "chapters", built_book / "lite" / "files" / "chapters"]:
        names = sorted(p.stem for p in folder.glob("*.ipynb"))
        assert names == CHAPTERS, f"{folder.relative_to(built_book)}: expected {CHAPTERS}, got {names}"
        for path in folder.glob("*.ipynb"):
            code = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
            first = "".join(code[0]["source"])
            assert nbsite.SETUP_MARK in code[0]["metadata"].get("tags", []), path.name
            assert wheel_url in first and "enable_custom_widget_manager" in first, f"{path.name}: {first}"


@pytest.mark.book
def test_launch_menu_says_what_each_option_needs(built_book: Path) -> None:
    html = (built_book / "chapters" / "notation.html").read_text()
    assert html.count("dbp-lite-file") == 2, "expected the page's file:// explanation script once"
    repo = CONFIG["repository"]["url"].rstrip("/").removeprefix("https://github.com/")
    branch = CONFIG["sphinx"]["config"]["notebooks_branch"]
    wanted = {
        "JupyterLite": ("../lite/lab/index.html?path=chapters/notation.ipynb", ["internet the first time"]),
        "Binder": (f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/chapters/notation.ipynb", ["~1 min"]),
        "Colab": (
            f"https://colab.research.google.com/github/{repo}/blob/{branch}/chapters/notation.ipynb",
            ["Google account"],
        ),
    }
    links = re.findall(r'<a href="([^"]+)"[^>]*?title="([^"]*)"[^>]*>(.*?)</a>', html, re.S)
    for name, (href, needs) in wanted.items():
        found = [(title, text) for url, title, text in links if url.replace("&amp;", "&") == href]
        assert found, f"no {name} launch link to {href}"
        title, text = found[0]
        label = re.sub(r"<[^>]+>", " ", text)
        assert name in label and all(need in label for need in needs), f"{name}: label {label.strip()!r}"
        assert "internet" in title, f"{name}: tooltip {title!r} should say what it needs"


@pytest.mark.book
def test_notebooks_branch_holds_what_binder_and_colab_open(built_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "notebooks"
    assert nbsite.main(["notebooks-branch", str(built_book), str(out)]) == 0
    assert sorted(p.stem for p in (out / "chapters").glob("*.ipynb")) == CHAPTERS
    assert (out / "runtime.txt").read_text() == "python-3.11\n"
    assert (out / "requirements.txt").read_text() == (ROOT / "requirements.txt").read_text()
    assert (out / "requirements.txt").read_text().rstrip().endswith("-e .[book]")
    assert (out / "pyproject.toml").is_file() and (out / "mlp_lib" / "__init__.py").is_file()
    assert not list(out.rglob("__pycache__"))


# --------------------------------------------------------------------------- in the browser, offline


def _offline_page(browser: Any, site: str, pyodide_answers: bool = False) -> Any:
    """A page in a context of its own whose requests off this machine fail (as without internet),
    except, with ``pyodide_answers``, Pyodide's lock file (as if the CDN were reachable)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith((site, "file://")):
            route.continue_()
        elif pyodide_answers and url.endswith("/pyodide-lock.json"):
            route.fulfill(status=200, body="{}", headers={"content-type": "application/json"})
        else:
            route.abort("internetdisconnected")

    context.route("**/*", route)
    return context.new_page()


@pytest.mark.browser
def test_jupyterlite_offline_says_python_needs_internet(browser: Any, site: str, screenshot: Any) -> None:
    page = _offline_page(browser, site)
    try:
        started = time.monotonic()
        page.goto(site + "lite/lab/index.html?path=chapters/notation.ipynb", wait_until="commit")
        message = page.locator("#dbp-lite-offline")
        message.wait_for(state="visible", timeout=10_000)  # within 10 s of opening the page
        print(f"offline message after {time.monotonic() - started:.1f} s")
        text = message.inner_text()
        assert "needs an internet connection the first time it starts" in text, text
        assert page.evaluate("document.documentElement.dataset.pyodideCdn") == "unreachable"
        assert message.get_by_role("button", name="Close this message").count() == 1
        screenshot(page, "lite-offline.png")
    finally:
        page.context.close()


@pytest.mark.browser
def test_jupyterlite_online_shows_no_message(browser: Any, site: str) -> None:
    """The control: when Pyodide's CDN answers, the page says nothing."""
    page = _offline_page(browser, site, pyodide_answers=True)
    try:
        page.goto(site + "lite/lab/index.html?path=chapters/notation.ipynb", wait_until="commit")
        page.wait_for_function("document.documentElement.dataset.pyodideCdn === 'reachable'", timeout=10_000)
        assert page.locator("#dbp-lite-offline").count() == 0
    finally:
        page.context.close()


@pytest.mark.browser
def test_jupyterlite_from_a_folder_explains_it_must_be_served(browser: Any, built_book: Path, screenshot: Any) -> None:
    page = _offline_page(browser, "file://")
    try:
        # The book's page, opened from the folder: its JupyterLite button explains it in the page.
        page.goto((built_book / "chapters" / "sigmoid-hidden.html").as_uri(), wait_until="commit")
        chapter = page.url
        link = page.locator('a[href*="lite/lab/index.html"]')
        link.wait_for(state="attached")
        link.dispatch_event("click")
        note = page.locator("#dbp-lite-file")
        note.wait_for(state="visible", timeout=10_000)
        assert "must be served over http" in note.inner_text() and page.url == chapter
        screenshot(page, "lite-file-note.png")
        # JupyterLite itself, opened from the folder, says the same.
        lite = page.context.new_page()
        lite.goto((built_book / "lite" / "lab" / "index.html").as_uri(), wait_until="commit")
        message = lite.locator("#dbp-lite-file")
        message.wait_for(state="visible", timeout=10_000)
        assert "must be served over http" in message.inner_text()
    finally:
        page.context.close()
