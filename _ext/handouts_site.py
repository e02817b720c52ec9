"""Sphinx extension: the classroom handouts on the site, and the student edition.

* **Handouts.** When an HTML build has finished, ``tools/make_handouts.py`` writes the student
  notebook (solutions removed, answer cells added) and the instructor notebook (solutions kept) of
  every chapter into ``<site>/handouts/student/`` and ``<site>/handouts/instructor/``, and each set
  is zipped: ``handouts/student-handouts.zip`` and ``handouts/instructor-handouts.zip``. The
  "For teachers" page (``instructor-guide.md``) links to them with plain relative links.
* **Student edition.** sphinx-exercise's own option ``hide_solutions: true`` (set by
  ``tools/student_edition.py``, i.e. ``make book-student``) leaves every ``{solution}`` out of the
  pages. This extension follows the same switch for everything else the site publishes: it adds
  the Sphinx tag ``student_edition`` (so ``{only} not student_edition`` blocks, such as the link to
  the instructor handouts, drop out), makes only the student handouts, and removes the solution
  blocks from the chapter copies the site offers for download (``_sources/**/*.md`` and
  ``*.ipynb``, JupyterLite's ``lite/files/``), which are otherwise the full chapters.

Nothing here touches the network.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

HANDOUTS = "handouts"
TAG = "student_edition"


def _make_handouts_module(srcdir: Path):
    tools = str(srcdir / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import make_handouts

    return make_handouts


def student_edition(config: Any) -> bool:
    """True when the build leaves solutions out (sphinx-exercise's ``hide_solutions``)."""
    return bool(getattr(config, "hide_solutions", False))


def strip_solutions(markdown: str) -> str:
    """``markdown`` without its ``{solution}`` blocks (backtick or colon fences, any length) and
    without everything between ``{solution-start}`` and ``{solution-end}``."""
    solution = re.compile(r"^[ \t]*(?P<fence>`{3,}|:{3,})\{solution\}")
    gated = re.compile(r"^[ \t]*(?P<fence>`{3,}|:{3,})\{solution-(?P<which>start|end)\}")
    lines, out, i, in_gated = markdown.split("\n"), [], 0, False
    while i < len(lines):
        m, g = solution.match(lines[i]), gated.match(lines[i])
        if m or g:
            fence = (m or g).group("fence")
            close = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
            j = i + 1
            while j < len(lines) and not close.match(lines[j]):
                j += 1
            if g:
                in_gated = g.group("which") == "start"
            i = j + 1
            continue
        if not in_gated:
            out.append(lines[i])
        i += 1
    return "\n".join(out)


def _strip_notebook(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    changed, cells, in_gated = False, [], False
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else source
        if cell.get("cell_type") == "markdown":
            opens = re.search(r"\{solution-start\}", text)
            ends = re.search(r"\{solution-end\}", text)
            stripped = strip_solutions(text)
            if stripped != text:
                cell["source"], changed = stripped, True
            if opens and not ends:
                in_gated = True
            elif ends:
                in_gated = False
        elif in_gated:
            changed = True
            continue
        cells.append(cell)
    if changed:
        notebook["cells"] = cells
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def strip_published_solutions(outdir: Path) -> list:
    """Remove solution blocks from every chapter copy (``.md``, ``.ipynb``) under ``outdir``."""
    changed = []
    for path in sorted(outdir.rglob("*")):
        if not path.is_file() or HANDOUTS in path.relative_to(outdir).parts[:1]:
            continue
        if path.suffix == ".ipynb":
            before = path.stat().st_mtime_ns, path.stat().st_size
            _strip_notebook(path)
            if (path.stat().st_mtime_ns, path.stat().st_size) != before:
                changed.append(path)
        elif path.suffix in (".md", ".txt") and "{solution" in (text := path.read_text(encoding="utf-8")):
            path.write_text(strip_solutions(text), encoding="utf-8")
            changed.append(path)
    return changed


def write_handouts(srcdir: Path, outdir: Path, *, student_only: bool) -> dict:
    """Make the handouts into ``outdir/handouts/`` and zip each set; return {audience: zip path}."""
    make_handouts = _make_handouts_module(srcdir)
    target = outdir / HANDOUTS
    paths = make_handouts.make_handouts(srcdir / "chapters", target)
    audiences = ("student",) if student_only else ("student", "instructor")
    if student_only:  # make_handouts writes both sets; the student edition publishes one
        for _, instructor in paths.values():
            instructor.unlink()
        (target / "instructor").rmdir()
    zips = {}
    for index, audience in enumerate(audiences):
        archive = target / f"{audience}-handouts.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for chapter in sorted(paths):
                notebook = paths[chapter][index]
                zf.write(notebook, f"{audience}-handouts/{notebook.name}")
        zips[audience] = archive
    return zips


def _config_inited(app: Any, config: Any) -> None:
    if student_edition(config):
        app.tags.add(TAG)


def _build_finished(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    srcdir, outdir = Path(app.srcdir), Path(app.outdir)
    student = student_edition(app.config)
    zips = write_handouts(srcdir, outdir, student_only=student)
    if student:
        stripped = strip_published_solutions(outdir)
        print(f"[handouts-site] student edition: solutions removed from {len(stripped)} published file(s)")
    print("[handouts-site] handouts: " + ", ".join(str(p.relative_to(outdir)) for p in zips.values()))


def setup(app: Any) -> dict:
    app.connect("config-inited", _config_inited)
    # After notebooks_site's build-finished handler (default priority 500), which waits for the
    # JupyterLite build that copies the chapters into lite/files/.
    app.connect("build-finished", _build_finished, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
