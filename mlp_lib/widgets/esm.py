"""Assembling a widget's ES module from the files in ``web/``.

Every widget that computes in the page sends one self-contained ES module as its anywidget
``_esm``: the browser engine (``web/engine.js``) first, then the shared controls and charts
(``web/ui.js``) if the widget uses them, then its own front end. The files are concatenated,
so the module has no imports and works from a folder (``file://``), offline, in JupyterLab,
Jupyter Notebook and on the static website alike.
"""

from __future__ import annotations

from pathlib import Path

WEB = Path(__file__).resolve().parent / "web"


def assemble(*names: str, engine: bool = True) -> str:
    """The ES module made of ``web/engine.js`` followed by the files ``names`` (e.g. ``"ui.js"``, ``"saturation.js"``).

    ``engine=False`` leaves the engine out, for a front end that computes no network (the derivation
    checker, a network drawing): every widget on a page carries its module in the page's widget
    state, and the engine is about 56 kB of it. Each part is preceded by a ``// ===== name =====``
    line, so a browser's error names the file.
    """
    parts = (["engine.js"] if engine else []) + [n for n in names if n != "engine.js"]
    texts = []
    for name in parts:
        path = WEB / name
        if not path.is_file():
            raise FileNotFoundError(f"expected the widget front end {path}, got no such file")
        texts.append(f"// ===== {name} =====\n\n" + path.read_text(encoding="utf-8"))
    return "\n\n".join(texts)
