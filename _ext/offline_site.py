"""Sphinx extension: keep CDN URLs out of the built pages.

Jupyter Book 1 always loads sphinx-thebe, which writes into every page an inline script
defining ``THEBE_JS_URL = "https://unpkg.com/thebe@..."``. It is only used by a "live code"
button that needs Binder (so the internet); this book does not enable that button, so the
script is dropped. MathJax and the widget scripts are made local in ``_config.yml``.
"""

from __future__ import annotations

from typing import Any

CDN_MARKER = "unpkg.com/thebe"


def _drop_thebe_cdn_script(app: Any, env: Any, docnames: list[str]) -> None:
    """Remove sphinx-thebe's inline THEBE_JS_URL script (runs after sphinx-thebe adds it)."""

    def keep(body: object) -> bool:
        return CDN_MARKER not in str(body or "")

    builder_js = getattr(app.builder, "_js_files", None)
    if builder_js is not None:
        builder_js[:] = [js for js in builder_js if keep(js.attributes.get("body"))]
    app.registry.js_files[:] = [(name, kw) for name, kw in app.registry.js_files if keep(kw.get("body"))]


def setup(app: Any) -> dict[str, Any]:
    # sphinx-thebe adds its script on env-before-read-docs at the default priority 500.
    app.connect("env-before-read-docs", _drop_thebe_cdn_script, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
