"""Sphinx extension (and a small command-line tool): the chapters as notebooks, for download,
JupyterLite, Colab and Binder.

Every chapter is a MyST-Markdown notebook. myst-nb executes it during the build and writes the
executed notebook to ``_build/jupyter_execute/<page>.ipynb``; sphinx-book-theme copies that file
to ``_build/html/_sources/<page>.ipynb`` and offers it in the page's download menu (".ipynb").
This extension builds on that:

* **Setup cell.** It prepends one code cell to each published notebook so that it runs outside
  this repository (see ``setup_source``): in JupyterLite it installs ``mlp-lib[book]`` from the
  site's own wheel index; on Colab it installs the same wheel from the published site and turns on
  Colab's custom widget manager, which anywidget needs there; where ``mlp_lib`` is already
  installed (``make lab``, Binder) it does nothing.
* **Launch menu.** Colab only opens ``.ipynb`` files, and JupyterLab opens a ``.md`` as text, so
  the Colab and Binder buttons point at the ``.ipynb`` of each chapter on the branch
  ``notebooks_branch`` of the repository (``notebooks_branch_folder`` makes its content). Each
  button says what it needs (``LAUNCH_LABELS``). On a page opened from a folder (``file://``) the
  JupyterLite button explains that JupyterLite must be served over http.
* **JupyterLite.** As soon as Sphinx has read every page (``env-updated``), it stages the executed
  chapters into jupyterlite-sphinx's content folder and starts the JupyterLite build in a
  background thread (so that it runs on the second core while Sphinx writes the pages):
  it builds the wheel of ``mlp_lib`` (``MLP_LIB_WHEEL``, from this repository, offline), puts it
  with the pure-Python wheels that Pyodide lacks (``PYODIDE_PACKAGES``, downloaded by
  ``make venv`` into ``PYODIDE_WHEELS_DIR``) into the lite folder's ``pypi/``, which JupyterLite's
  piplite indexes (published as ``lite/pypi/``), and asks for no source maps. ``build-finished``
  waits for it, fails the build if it failed, and adds ``LITE_PAGE_SCRIPT`` to the JupyterLite
  pages: within ``PYODIDE_WAIT_MS`` it tells a reader who is offline that Python in the browser
  needs internet on first start (instead of cells waiting at ``[*]`` forever), and one who opened
  the page from a folder that JupyterLite must be served. (jupyterlite-sphinx would otherwise
  start its build only at the end, one core idle; its own ``build-finished`` handler is
  disconnected.) The launch button (sphinx-book-theme's ``jupyterlite_url``) is made relative to
  each page, so the site works from any folder or server path.
* **No Google Fonts.** jupyterlite-sphinx's stylesheet from fonts.googleapis.com is dropped.
* **Theme.** ``html_context["default_mode"] = "auto"`` (pydata-sphinx-theme otherwise logs a console error,
  "Got invalid theme mode", on a reader's first visit).

The site's address (for the Colab wheel) comes from ``repository.url`` in ``_config.yml``
(``https://github.com/OWNER/NAME`` → ``https://OWNER.github.io/NAME/``, GitHub Pages), or from
``html_baseurl`` when that is set. Nothing here touches the network during a build.

Command line (used by the Makefile and the deploy workflow)::

    python _ext/notebooks_site.py pyodide-wheels [DEST]      # pip download PYODIDE_PACKAGES (pinned)
    python _ext/notebooks_site.py notebooks-branch HTML OUT  # the notebooks branch's files, from a built site
    python _ext/notebooks_site.py check-repository OWNER/NAME  # repository.url names this repository
"""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import subprocess
import sys
import threading
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SETUP_MARK = "deriving-backprop-setup"

#: The wheel of the book's library, built from this repository's pyproject.toml at every build.
#: The site publishes it at ``LITE_WHEELS_PATH/MLP_LIB_WHEEL``; JupyterLite and Colab install it.
MLP_LIB_WHEEL = "mlp_lib-{version}-py3-none-any.whl".format(
    version=tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
)
#: Where piplite's wheels are published, relative to the site's root.
LITE_WHEELS_PATH = "lite/pypi"
#: Pure-Python wheels that ``mlp-lib[book]`` needs in Pyodide and Pyodide's own packages lack:
#: anywidget and its signal library, ipywidgets and its front-end package. (NumPy, SymPy,
#: matplotlib, scikit-learn, comm, traitlets and typing-extensions are Pyodide's own; the kernel
#: brings a widgetsnbextension stand-in.) Versions are the pins of requirements.txt.
PYODIDE_PACKAGES = ("anywidget", "psygnal", "ipywidgets", "jupyterlab_widgets")
#: Where ``make venv`` puts those wheels (pip download, a package-install step); builds read them here.
PYODIDE_WHEELS_DIR = Path(sys.prefix) / "share" / "deriving-backprop" / "pyodide-wheels"
#: Python version of Binder's image (repo2docker reads runtime.txt); the lock is made for it.
BINDER_RUNTIME = "python-3.11"
#: How long the JupyterLite pages wait for Pyodide's CDN before saying that they are offline.
PYODIDE_WAIT_MS = 8000

#: Launch button → (label, tooltip): what each way of running a chapter needs.
LAUNCH_LABELS = {
    "JupyterLite": (
        "JupyterLite: in your browser (internet the first time)",
        "Runs Python in your browser, from this site. Needs an internet connection the first time it "
        "starts (it downloads Python), and a web server: it does not run from a folder on disk.",
    ),
    "Binder": (
        "Binder: online, starts in ~1 min",
        "Opens the notebook on mybinder.org, free: needs an internet connection; starting takes about "
        "a minute (longer after the book was updated).",
    ),
    "Colab": (
        "Colab: online, Google account",
        "Opens the notebook in Google Colab: needs an internet connection and a Google account.",
    ),
}

FILE_MESSAGE = (
    "<strong>JupyterLite must be served over http, not opened from a folder.</strong> "
    "Browsers do not let it run from a file on disk (a <code>file://</code> address). "
    "In the book's folder (the one holding <code>index.html</code>), run "
    "<code>python -m http.server</code> and open <a href='http://localhost:8000/'>http://localhost:8000/</a>; "
    "or use the published site, Binder or Colab, or download the chapter's <code>.ipynb</code> for Jupyter."
)
OFFLINE_MESSAGE = (
    "<strong>Python in the browser needs an internet connection the first time it starts.</strong> "
    "JupyterLite downloads Python (Pyodide) with NumPy, SymPy and matplotlib from "
    "<code>cdn.jsdelivr.net</code>, which this browser cannot reach now, so code cells would wait "
    "at <code>[*]</code> forever. You can still read the notebooks here. To run them, connect to the "
    "internet and reload this page, or download the chapter's <code>.ipynb</code> from the book (↓) "
    "and run it in Jupyter on your computer."
)

#: Added to JupyterLite's pages: the file:// explanation, or the offline message when Pyodide's CDN
#: does not answer within PYODIDE_WAIT_MS. ``data-pyodide-cdn`` on <html> says what it found
#: ("checking", "reachable", "unreachable", "file").
LITE_PAGE_SCRIPT = """<script id="dbp-lite-check">
(function () {
  "use strict";
  var root = document.documentElement;
  function show(id, html) {
    function add() {
      if (document.getElementById(id)) return;
      var box = document.createElement("div");
      box.id = id;
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;z-index:100000;left:0;right:0;bottom:0;padding:12px 48px 12px 16px;" +
        "background:#fff4e5;color:#2b1d00;border-top:3px solid #b35c00;font:15px/1.5 system-ui,sans-serif;" +
        "box-shadow:0 -2px 8px rgba(0,0,0,.25)";
      box.innerHTML = html;
      var close = document.createElement("button");
      close.type = "button";
      close.textContent = "\\u00d7";
      close.setAttribute("aria-label", "Close this message");
      close.style.cssText = "position:absolute;right:8px;top:6px;font-size:24px;line-height:1;background:none;" +
        "border:0;cursor:pointer;color:inherit;padding:4px 8px";
      close.onclick = function () { box.remove(); };
      box.appendChild(close);
      document.body.appendChild(box);
    }
    if (document.body) add(); else document.addEventListener("DOMContentLoaded", add);
  }
  if (location.protocol === "file:") {
    root.setAttribute("data-pyodide-cdn", "file");
    show("dbp-lite-file", __FILE_MESSAGE__);
    return;
  }
  function offline() {
    root.setAttribute("data-pyodide-cdn", "unreachable");
    show("dbp-lite-offline", __OFFLINE_MESSAGE__);
  }
  root.setAttribute("data-pyodide-cdn", "checking");
  window.addEventListener("offline", offline);
  if (navigator.onLine === false) { offline(); return; }
  var control = window.AbortController ? new AbortController() : null;
  var timer = setTimeout(function () { if (control) control.abort(); offline(); }, __WAIT_MS__);
  fetch(__PYODIDE_URL__ + "/pyodide-lock.json",
        {method: "HEAD", mode: "no-cors", cache: "no-store", signal: control ? control.signal : undefined})
    .then(function () { clearTimeout(timer); root.setAttribute("data-pyodide-cdn", "reachable"); },
          function () { clearTimeout(timer); offline(); });
})();
</script>"""

#: Added to the book's pages: on a page opened from a folder, the JupyterLite button explains
#: (in the page) that JupyterLite must be served, instead of opening a blank page.
BOOK_PAGE_SCRIPT = """
document.addEventListener("click", function (event) {
  if (location.protocol !== "file:" || !event.target.closest) return;
  var link = event.target.closest('a[href*="lite/lab/index.html"]');
  if (!link) return;
  event.preventDefault();
  var note = document.getElementById("dbp-lite-file");
  if (!note) {
    note = document.createElement("div");
    note.id = "dbp-lite-file";
    note.className = "admonition warning";
    note.setAttribute("role", "alert");
    note.innerHTML = "<p class='admonition-title'>JupyterLite needs a web server</p><p>" + __FILE_MESSAGE__ + "</p>";
    var article = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
    article.insertBefore(note, article.firstChild);
  }
  note.scrollIntoView({block: "center"});
});
"""


def _fill(template: str, **values: object) -> str:
    for key, value in values.items():
        template = template.replace(f"__{key}__", value if isinstance(value, str) else json.dumps(value))
    return template


def lite_page_script(pyodide_url: str) -> str:
    """The ``<script>`` that JupyterLite's pages get (see ``LITE_PAGE_SCRIPT``)."""
    return _fill(
        LITE_PAGE_SCRIPT,
        FILE_MESSAGE=json.dumps(FILE_MESSAGE),
        OFFLINE_MESSAGE=json.dumps(OFFLINE_MESSAGE),
        WAIT_MS=str(PYODIDE_WAIT_MS),
        PYODIDE_URL=json.dumps(pyodide_url.rstrip("/")),
    )


def site_url(repository_url: str, baseurl: str = "") -> str:
    """The published site's address, ending in "/": ``baseurl`` if given, else the GitHub Pages
    address of ``repository_url`` (``https://github.com/OWNER/NAME`` → ``https://owner.github.io/NAME/``)."""
    if baseurl:
        return baseurl.rstrip("/") + "/"
    match = re.fullmatch(r"https://github\.com/([A-Za-z0-9-]+)/([A-Za-z0-9._-]+?)(?:\.git)?/?", repository_url)
    if not match:
        raise ValueError(
            f"expected repository.url in _config.yml to be https://github.com/OWNER/NAME (or html_baseurl "
            f"to give the site's address), got {repository_url!r}"
        )
    owner, name = match.groups()
    return f"https://{owner.lower()}.github.io/{name}/"


def setup_source(site: str) -> str:
    """The setup cell: ``%pip`` installs mlp-lib[book] in JupyterLite (from the site's piplite index)
    and on Colab (the wheel at ``site``/LITE_WHEELS_PATH), then turns on Colab's widget manager."""
    return (
        "# Setup: lets this notebook run in JupyterLite and on Colab (both need an internet connection);\n"
        "# it does nothing where mlp_lib is installed (`make lab`, Binder).\n"
        "import importlib.util, sys\n"
        'if sys.platform == "emscripten":  # JupyterLite (Pyodide): wheels from the book\'s site\n'
        "    %pip install -q mlp-lib[book]\n"
        'elif importlib.util.find_spec("mlp_lib") is None:  # e.g. Google Colab\n'
        f'    %pip install -q "mlp-lib[book] @ {site}{LITE_WHEELS_PATH}/{MLP_LIB_WHEEL}"\n'
        "try:  # Colab shows third-party widgets (anywidget) only with its custom widget manager\n"
        "    from google.colab import output\n"
        "except ImportError:\n"
        "    pass\n"
        "else:\n"
        "    output.enable_custom_widget_manager()"
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


def _setup_for(app: Any) -> str:
    return setup_source(site_url(_repo(app)[0], app.config.html_baseurl or ""))


def _config_inited(app: Any, config: Any) -> None:
    # pydata-sphinx-theme reads default_mode from html_context (not a theme option).
    if config.html_context is None:
        config.html_context = {}
    config.html_context.setdefault("default_mode", "auto")


def _builder_inited(app: Any) -> None:
    """The site's address must be known (a clear error now, not a broken Colab cell later)."""
    site_url(_repo(app)[0], app.config.html_baseurl or "")


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
    _, branch = _repo(app)
    outdir = Path(app.outdir)

    # 1. The downloadable executed notebook, with the setup cell.
    executed = outdir.parent / "jupyter_execute" / f"{pagename}.ipynb"
    if executed.is_file():
        _publish_notebook(executed, outdir / "_sources" / f"{pagename}.ipynb", _setup_for(app))

    # 2. Launch buttons: .ipynb on the notebooks branch; JupyterLite relative to this page;
    #    each labelled with what it needs.
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
            if text in LAUNCH_LABELS:
                button["text"], button["tooltip"] = LAUNCH_LABELS[text]


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
    """Fill jupyterlite-sphinx's content folder with the executed chapters (with the setup cell)."""
    content = Path(app.srcdir) / app.config.jupyterlite_content_dir
    shutil.rmtree(content, ignore_errors=True)
    executed = Path(app.outdir).parent / "jupyter_execute"
    setup = _setup_for(app)
    for notebook in sorted(executed.rglob("*.ipynb")):
        rel = notebook.relative_to(executed)
        if rel.parts[0].startswith((".", "_")):
            continue
        _publish_notebook(notebook, content / rel, setup)


def _pins(requirements: Path) -> dict[str, str]:
    """``name==version`` lines of a requirements file, by normalised name."""
    pins = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"\s*([A-Za-z0-9._-]+)==([^\s;#]+).*", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return pins


def pyodide_wheel_pins(requirements: Path = ROOT / "requirements.txt") -> dict[str, str]:
    """``PYODIDE_PACKAGES`` with their versions pinned in ``requirements``."""
    pins = _pins(requirements)
    missing = [name for name in PYODIDE_PACKAGES if re.sub(r"[-_.]+", "-", name).lower() not in pins]
    if missing:
        raise ValueError(f"expected {requirements} to pin {', '.join(missing)} (name==version), got no pin")
    return {name: pins[re.sub(r"[-_.]+", "-", name).lower()] for name in PYODIDE_PACKAGES}


def download_pyodide_wheels(dest: Path = PYODIDE_WHEELS_DIR) -> list[Path]:
    """``pip download`` the pure-Python wheels of ``PYODIDE_PACKAGES`` (pinned) into ``dest``."""
    pins = pyodide_wheel_pins()
    dest.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
    # Platform "any" and no ABI: only py3-none-any wheels qualify, which Pyodide's Python can install.
    from jupyterlite_pyodide_kernel.constants import PYODIDE_PYTHON_VERSION

    command += ["--platform", "any", "--implementation", "py", "--abi", "none"]
    command += ["--python-version", PYODIDE_PYTHON_VERSION]
    subprocess.run([*command, "--dest", str(dest), *(f"{n}=={v}" for n, v in pins.items())], check=True)
    return [_find_wheel(dest, name, version) for name, version in pins.items()]


def _find_wheel(folder: Path, name: str, version: str) -> Path:
    stem = re.sub(r"[-_.]+", "_", name).lower()
    for wheel in sorted(folder.glob("*.whl")):
        if wheel.name.lower().startswith(f"{stem}-{version}-") and wheel.name.endswith("-py3-none-any.whl"):
            return wheel
    raise FileNotFoundError(
        f"expected the wheel {stem}-{version}-py3-none-any.whl for JupyterLite in {folder}, got none: "
        "`make venv` downloads it (or run: python _ext/notebooks_site.py pyodide-wheels)"
    )


def _stage_lite_dir(app: Any) -> None:
    """The JupyterLite build's own folder: ``pypi/`` (the wheels piplite indexes) and
    ``jupyter_lite_config.json`` (no source maps)."""
    srcdir = Path(app.srcdir).resolve()
    lite = (srcdir / app.config.jupyterlite_dir).resolve()
    if lite == srcdir or srcdir not in lite.parents or not lite.name.startswith("_"):
        raise ValueError(f"expected jupyterlite_dir to be a staging folder like _jupyterlite, got {lite}")
    shutil.rmtree(lite, ignore_errors=True)
    wheels = lite / "pypi"
    wheels.mkdir(parents=True)
    # The library's one wheel (handouts_site.build_wheel): answer-free in the student edition.
    from handouts_site import build_wheel, student_fingerprints

    build_wheel(srcdir, wheels, MLP_LIB_WHEEL, student_fingerprints(app))
    for name, version in pyodide_wheel_pins(srcdir / "requirements.txt").items():
        shutil.copy2(_find_wheel(PYODIDE_WHEELS_DIR, name, version), wheels)
    config = {"LiteBuildConfig": {"no_sourcemaps": True}}
    (lite / "jupyter_lite_config.json").write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")


def _finish_lite_pages(lite_out: Path) -> None:
    """Add ``LITE_PAGE_SCRIPT`` to every page of the JupyterLite site, and drop any source map left."""
    from jupyterlite_pyodide_kernel.constants import PYODIDE_CDN_URL

    script = lite_page_script(PYODIDE_CDN_URL)
    for page in [lite_out / "index.html", *sorted(lite_out.glob("*/index.html"))]:
        html = page.read_text(encoding="utf-8")
        if 'id="dbp-lite-check"' not in html and "</head>" in html:
            page.write_text(html.replace("</head>", script + "\n</head>", 1), encoding="utf-8")
    for source_map in lite_out.rglob("*.map"):
        source_map.unlink()


class _JupyterLiteBuild(threading.Thread):
    """The wheels, then jupyterlite-sphinx's build (mostly a ``jupyter lite build`` subprocess), in the background."""

    def __init__(self, app: Any):
        super().__init__(name="jupyterlite-build", daemon=True)
        self.app = app
        self.error: BaseException | None = None

    def run(self) -> None:
        from jupyterlite_sphinx.jupyterlite_sphinx import jupyterlite_build

        try:
            _stage_lite_dir(self.app)
            jupyterlite_build(self.app, None)
        except subprocess.CalledProcessError as error:  # reported by build-finished, in the main thread
            error.add_note(f"stderr: {error.stderr}" if error.stderr else "")
            self.error = error
        except BaseException as error:
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
    if exception is None:
        _finish_lite_pages(Path(app.outdir) / "lite")


def notebooks_branch_folder(html_dir: Path, out: Path, source: Path = ROOT) -> list[Path]:
    """Fill ``out`` with what the notebooks branch holds for Binder and Colab: every executed chapter
    notebook of the built site (``html_dir/_sources/**.ipynb``, with the setup cell), the library
    and its packaging (``mlp_lib/``, ``pyproject.toml``, ``README.md``), ``requirements.txt``
    (the lock; it ends with ``-e .[book]``) and ``runtime.txt`` (``BINDER_RUNTIME``)."""
    notebooks = sorted((html_dir / "_sources").rglob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(
            f"expected executed notebooks under {html_dir / '_sources'}, got none: build the book first"
        )
    written = []
    for notebook in notebooks:
        target = out / notebook.relative_to(html_dir / "_sources")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(notebook, target)
        written.append(target)
    shutil.copytree(
        source / "mlp_lib", out / "mlp_lib", ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True
    )
    for name in ("pyproject.toml", "README.md", "requirements.txt"):
        shutil.copy2(source / name, out / name)
    (out / "runtime.txt").write_text(BINDER_RUNTIME + "\n", encoding="utf-8")
    return written


def repository_url(config_file: Path = ROOT / "_config.yml") -> str:
    import yaml

    return str((yaml.safe_load(config_file.read_text(encoding="utf-8")).get("repository") or {}).get("url", ""))


def check_repository(name: str, config_file: Path = ROOT / "_config.yml") -> None:
    """Raise ``ValueError`` unless ``repository.url`` of ``config_file`` is ``https://github.com/<name>``."""
    url = repository_url(config_file).rstrip("/").removesuffix(".git")
    if url.lower() != f"https://github.com/{name}".lower():
        raise ValueError(
            f"expected repository.url in {config_file.name} to be https://github.com/{name} (the repository "
            f"that publishes the site), got {url!r}: set it there, it makes the Colab, Binder and site links"
        )


def main(argv: list[str]) -> int:
    usage = __doc__.split("Command line (used by the Makefile and the deploy workflow)::")[1]
    try:
        if argv[:1] == ["pyodide-wheels"] and len(argv) <= 2:
            for wheel in download_pyodide_wheels(Path(argv[1]) if len(argv) == 2 else PYODIDE_WHEELS_DIR):
                print(wheel)
        elif argv[:1] == ["notebooks-branch"] and len(argv) == 3:
            written = notebooks_branch_folder(Path(argv[1]), Path(argv[2]))
            print(f"{len(written)} notebooks and the library, requirements and runtime in {argv[2]}")
        elif argv[:1] == ["check-repository"] and len(argv) == 2:
            check_repository(argv[1])
            print(f"repository.url names {argv[1]}: ok")
        else:
            print(f"usage:{usage}", file=sys.stderr)
            return 2
    except (ValueError, FileNotFoundError, subprocess.CalledProcessError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("notebooks_branch", "notebooks", "html")
    # Registered here, once: added again at builder-inited, Sphinx would put it on each page twice.
    app.add_js_file(None, body=_fill(BOOK_PAGE_SCRIPT, FILE_MESSAGE=json.dumps(FILE_MESSAGE)))
    app.connect("config-inited", _config_inited)
    app.connect("builder-inited", _builder_inited)
    app.connect("builder-inited", _drop_external_css)
    app.connect("html-page-context", _page_context, priority=600)
    app.connect("builder-inited", _take_over_jupyterlite_build)
    app.connect("env-updated", _start_jupyterlite)
    app.connect("build-finished", _finish_jupyterlite)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
