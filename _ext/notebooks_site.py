"""Sphinx extension: the chapters as notebooks, for download, Colab, Binder and JupyterLite.

Every chapter is a MyST-Markdown notebook. myst-nb executes it during the build and writes the
executed notebook to ``_build/jupyter_execute/<page>.ipynb``; sphinx-book-theme copies that file
to ``_build/html/_sources/<page>.ipynb`` and offers it in the page's download menu (".ipynb").
This extension builds on that:

* **Setup cell.** It prepends one code cell to each published notebook so that it runs outside
  this repository: on Colab it installs ``mlp_lib`` from the book's repository, in JupyterLite it
  loads the scientific packages into Pyodide (both need the reader's internet); where
  ``mlp_lib`` is already installed (``make lab``, Binder) it does nothing.
* **Colab and Binder links.** Colab only opens ``.ipynb`` files, and JupyterLab opens a ``.md``
  as text, so the two launch buttons point at the ``.ipynb`` of each chapter on the branch
  ``notebooks_branch`` of the repository (see the README: publishing a site means pushing the
  executed notebooks to that branch).
* **JupyterLite.** As soon as Sphinx has read every page (``env-updated``), it stages the executed
  chapters and a copy of ``mlp_lib/`` (pure Python, next to the notebooks so that ``import mlp_lib``
  works in Pyodide) into jupyterlite-sphinx's content folder and starts jupyterlite-sphinx's own
  build (``jupyter lite build``, a subprocess) in a background thread, so that it runs on the
  second core while Sphinx writes the pages; ``build-finished`` waits for it and fails the build
  if it failed. (jupyterlite-sphinx would otherwise start it only at the end, one core idle; its
  own ``build-finished`` handler is disconnected.) The launch button (sphinx-book-theme's
  ``jupyterlite_url``) is made relative to each page, so the site works from any folder or server path.
* **No Google Fonts.** jupyterlite-sphinx's stylesheet from fonts.googleapis.com is dropped.
* **Theme.** ``html_context["default_mode"] = "auto"`` (pydata-sphinx-theme otherwise logs a console error,
  "Got invalid theme mode", on a reader's first visit).

Nothing here touches the network.
"""

from __future__ import annotations

import json
import posixpath
import shutil
import threading
from pathlib import Path
from typing import Any

SETUP_MARK = "deriving-backprop-setup"


def _setup_source(repo_url: str, branch: str) -> str:
    return (
        "# Setup for Colab and JupyterLite (does nothing where mlp_lib is installed, e.g. `make lab`).\n"
        "# Both need an internet connection: they download the packages into your session.\n"
        "import importlib.util, sys\n"
        'if sys.platform == "emscripten":  # JupyterLite (Pyodide): mlp_lib/ is next to this notebook\n'
        "    %pip install -q numpy sympy matplotlib scikit-learn ipywidgets\n"
        'elif importlib.util.find_spec("mlp_lib") is None:  # e.g. Google Colab\n'
        f'    %pip install -q "mlp-lib @ git+{repo_url}@{branch}"'
    )


def _with_setup_cell(notebook: dict[str, Any], source: str) -> dict[str, Any]:
    """The notebook with the setup cell first (replacing an earlier one)."""
    cells = [c for c in notebook.get("cells", []) if SETUP_MARK not in c.get("metadata", {}).get("tags", [])]
    setup = {
        "cell_type": "code",
        "execution_count": None,
        "id": "setup",
        "metadata": {"tags": [SETUP_MARK]},
        "outputs": [],
        "source": source,
    }
    # Keep a leading title cell first, as a reader expects.
    first = 1 if cells and cells[0].get("cell_type") == "markdown" else 0
    notebook["cells"] = cells[:first] + [setup] + cells[first:]
    notebook["nbformat"], notebook["nbformat_minor"] = 4, max(notebook.get("nbformat_minor", 5), 5)
    return notebook


def _publish_notebook(src: Path, dst: Path, setup: str) -> None:
    notebook = json.loads(src.read_text(encoding="utf-8"))
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(_with_setup_cell(notebook, setup), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _repo(app: Any) -> tuple[str, str]:
    options = app.config.html_theme_options or {}
    url = str(options.get("repository_url", "")).rstrip("/")
    branch = str(options.get("repository_branch", "") or "main")
    return url, branch


def _config_inited(app: Any, config: Any) -> None:
    # pydata-sphinx-theme reads default_mode from html_context (not a theme option).
    if config.html_context is None:
        config.html_context = {}
    config.html_context.setdefault("default_mode", "auto")


def _drop_external_css(app: Any) -> None:
    """jupyterlite-sphinx adds a Google Fonts stylesheet (for its "Try it" buttons, unused
    here) to every page: a request to the internet that an offline site must not make."""

    def local(name: object) -> bool:
        return not str(getattr(name, "filename", name)).startswith(("http://", "https://", "//"))

    app.registry.css_files[:] = [(name, kw) for name, kw in app.registry.css_files if local(name)]
    builder_css = getattr(app.builder, "_css_files", None)
    if builder_css is not None:
        builder_css[:] = [css for css in builder_css if local(css)]


def _page_context(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """Runs after sphinx-book-theme's add_launch_buttons (priority 501)."""
    if not context.get("ipynb_source"):
        return
    repo_url, branch = _repo(app)
    outdir = Path(app.outdir)

    # 1. The downloadable executed notebook, with the setup cell.
    executed = outdir.parent / "jupyter_execute" / f"{pagename}.ipynb"
    if executed.is_file():
        _publish_notebook(executed, outdir / "_sources" / f"{pagename}.ipynb", _setup_source(repo_url, branch))

    # 2. Launch buttons: .ipynb on the notebooks branch; JupyterLite relative to this page.
    nb_branch = app.config.notebooks_branch
    to_root = posixpath.relpath(".", posixpath.dirname(pagename) or ".")
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            url = button.get("url", "")
            text = button.get("text")
            if text == "Colab":
                button["url"] = url.replace(f"/blob/{branch}/{pagename}.md", f"/blob/{nb_branch}/{pagename}.ipynb")
            elif text == "Binder":
                button["url"] = url.replace(f"/{branch}?urlpath=", f"/{nb_branch}?urlpath=").replace(
                    f"/{pagename}.md", f"/{pagename}.ipynb"
                )
            elif text == "JupyterLite":
                button["url"] = f"{to_root}/lite/lab/index.html?path={pagename}.ipynb"


def _jupyterlite_wanted(app: Any) -> bool:
    return app.builder.format == "html" and "jupyterlite_sphinx" in app.extensions


def _take_over_jupyterlite_build(app: Any) -> None:
    """``builder-inited``: disconnect jupyterlite-sphinx's build-finished build; we start it earlier."""
    if not _jupyterlite_wanted(app):
        return
    from jupyterlite_sphinx.jupyterlite_sphinx import jupyterlite_build

    for listener in list(app.events.listeners.get("build-finished", [])):
        if listener.handler is jupyterlite_build:
            app.disconnect(listener.id)


def _stage_jupyterlite_content(app: Any) -> None:
    """Fill jupyterlite-sphinx's content folder: the executed chapters (with the setup cell) and mlp_lib/."""
    content = Path(app.srcdir) / app.config.jupyterlite_content_dir
    shutil.rmtree(content, ignore_errors=True)
    executed = Path(app.outdir).parent / "jupyter_execute"
    repo_url, branch = _repo(app)
    folders = set()
    for notebook in sorted(executed.rglob("*.ipynb")):
        rel = notebook.relative_to(executed)
        if rel.parts[0].startswith((".", "_")):
            continue
        _publish_notebook(notebook, content / rel, _setup_source(repo_url, branch))
        folders.add(rel.parent)
    library = Path(app.srcdir) / "mlp_lib"
    for folder in folders:
        shutil.copytree(
            library,
            content / folder / "mlp_lib",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            dirs_exist_ok=True,
        )


class _JupyterLiteBuild(threading.Thread):
    """jupyterlite-sphinx's build (mostly a ``jupyter lite build`` subprocess), in the background."""

    def __init__(self, app: Any):
        super().__init__(name="jupyterlite-build", daemon=True)
        self.app = app
        self.error: BaseException | None = None

    def run(self) -> None:
        from jupyterlite_sphinx.jupyterlite_sphinx import jupyterlite_build

        try:
            jupyterlite_build(self.app, None)
        except BaseException as error:  # reported by build-finished, in the main thread
            self.error = error


def _start_jupyterlite(app: Any, env: Any) -> None:
    """``env-updated``: every chapter is executed and read, so JupyterLite can be built now."""
    if not _jupyterlite_wanted(app):
        return
    _stage_jupyterlite_content(app)
    build = _JupyterLiteBuild(app)
    app.jupyterlite_build_thread = build
    build.start()


def _finish_jupyterlite(app: Any, exception: Exception | None) -> None:
    """``build-finished``: wait for the JupyterLite build; its failure fails the Sphinx build."""
    build = getattr(app, "jupyterlite_build_thread", None)
    if build is None:
        return
    build.join()
    if build.error is not None and exception is None:
        raise RuntimeError(f"the JupyterLite build failed: {build.error!r}") from build.error


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("notebooks_branch", "notebooks", "html")
    app.connect("config-inited", _config_inited)
    app.connect("builder-inited", _drop_external_css)
    app.connect("html-page-context", _page_context, priority=600)
    app.connect("builder-inited", _take_over_jupyterlite_build)
    app.connect("env-updated", _start_jupyterlite)
    app.connect("build-finished", _finish_jupyterlite)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
