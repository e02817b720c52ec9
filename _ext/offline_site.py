"""Sphinx extension: keep CDN URLs and unused weight out of the built pages.

- Jupyter Book 1 always loads sphinx-thebe, which writes into every page an inline script
  defining ``THEBE_JS_URL = "https://unpkg.com/thebe@..."``. It is only used by a "live code"
  button that needs Binder (so the internet); this book does not enable that button, so the
  script is dropped. MathJax and the widget scripts are made local in ``_config.yml``.
- The book's widgets are drawn on the static site by ``anywidget_host.js`` (next to this file),
  published as ``offline/widgets/anywidget_host.js``; myst-nb loads it only on pages that hold
  widget state (``nb_ipywidgets_js`` in ``_config.yml``).
- pydata-sphinx-theme's page template loads two things no page of the book uses, which are
  removed from every written page at the end of the build:
  ``_static/scripts/fontawesome.js`` (1.5 MB; it turns icons into SVG, while the theme's CSS
  already draws the same icons with the Font Awesome web font) and, on every page but the search
  page, Sphinx's search scripts and the whole search index (searchtools.js, language_data.js,
  searchindex.js), which serve an as-you-type search this book does not enable; searchtools.js
  also runs a search on load for any ``?q=`` in the address, and fails outside the search page.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

CDN_MARKER = "unpkg.com/thebe"
WIDGET_HOST = Path(__file__).with_name("anywidget_host.js")
WIDGET_HOST_TARGET = ("offline", "widgets", "anywidget_host.js")
# <script ... src=".../_static/scripts/fontawesome.js?digest=..."></script>
FONTAWESOME_JS = re.compile(r'[ \t]*<script\b[^>]*\bsrc="[^"]*_static/scripts/fontawesome\.js[^"]*"[^>]*></script>\n?')
SEARCH_JS = re.compile(
    r'[ \t]*<script\b[^>]*\bsrc="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"[^>]*></script>\n?'
)


def _drop_thebe_cdn_script(app: Any, env: Any, docnames: list[str]) -> None:
    """Remove sphinx-thebe's inline THEBE_JS_URL script (runs after sphinx-thebe adds it)."""

    def keep(body: object) -> bool:
        return CDN_MARKER not in str(body or "")

    builder_js = getattr(app.builder, "_js_files", None)
    if builder_js is not None:
        builder_js[:] = [js for js in builder_js if keep(js.attributes.get("body"))]
    app.registry.js_files[:] = [(name, kw) for name, kw in app.registry.js_files if keep(kw.get("body"))]


def slim_page(html: str, pagename: str) -> str:
    """``html`` without fontawesome.js, and without the search scripts unless ``pagename`` is "search"."""
    html = FONTAWESOME_JS.sub("", html)
    if pagename != "search":
        html = SEARCH_JS.sub("", html)
    return html


def _finish(app: Any, exception: BaseException | None) -> None:
    """``build-finished``: publish the widget host and slim every page Sphinx wrote."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    target = outdir.joinpath(*WIDGET_HOST_TARGET)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(WIDGET_HOST, target)
    for pagename in sorted(set(app.env.found_docs) | {"genindex", "search"}):
        path = Path(app.builder.get_outfilename(pagename))
        if not path.is_file():
            continue
        html = path.read_text(encoding="utf-8")
        slim = slim_page(html, pagename)
        if slim != html:
            path.write_text(slim, encoding="utf-8")


def setup(app: Any) -> dict[str, Any]:
    # sphinx-thebe adds its script on env-before-read-docs at the default priority 500.
    app.connect("env-before-read-docs", _drop_thebe_cdn_script, priority=900)
    app.connect("build-finished", _finish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
