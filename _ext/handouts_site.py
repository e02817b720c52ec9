"""Sphinx extension: the classroom handouts on the site, the library wheel they install, and the
student edition.

* **Handouts.** When an HTML build has finished, ``tools/make_handouts.py`` writes the student
  notebook of every chapter (solutions removed, answer cells added; cross-references read from
  this build's pages) into ``<site>/handouts/student/`` and zips the set:
  ``handouts/student-handouts.zip``. The instructor notebooks (solutions, expected formulas, the
  guide's answer key) are not published: ``make handouts`` makes them for the teacher.
* **The library as a wheel.** Each handout's setup cell installs ``<site>/mlp_lib-0.1.0-py3-none-any.whl``
  (:data:`make_handouts.WHEEL`); this extension builds it with ``pip wheel`` (no network, no
  dependencies, no build isolation) from a copy of ``pyproject.toml``, ``README.md`` and
  ``mlp_lib/`` and publishes it at the site's root.
* **Student edition.** sphinx-exercise's own option ``hide_solutions: true`` (set by
  ``tools/student_edition.py``, i.e. ``make book-student``) leaves every ``{solution}`` out of the
  pages. This extension follows the same switch for everything else the site publishes:

  - it adds the Sphinx tag ``student_edition`` (``{only} not student_edition`` blocks drop out);
  - it removes from the pages what a chapter marks ``student-omit`` (an admonition's or a
    ``{container}``'s class, a code cell's tag: the errata that answer a "find the bug" exercise
    on the same page; see ``tools/make_handouts.py``);
  - it removes the solution blocks and the marked blocks from the chapter copies the site offers
    (``_sources/**/*.md`` and ``*.ipynb``, JupyterLite's ``lite/files/``);
  - the library's wheel, at the site's root for the handouts and in ``lite/pypi/`` for JupyterLite
    (both made by :func:`build_wheel`), has an answer-free
    ``teaching/catalogue.py``: each check's prompt and names, no expected, accepted or wrong
    formula, so the kernel cannot decide and says so; and a ``teaching/fingerprint.py`` that serves
    the fingerprints (values at test points, made with SymPy for this build; the formulas are not
    in them), so every ``DerivationChecker`` cell still runs (:func:`answer_free_library`).

Nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from docutils import nodes

HANDOUTS = "handouts"
TAG = "student_edition"
#: the fingerprints of a catalogue, cached across builds under the book's _build/ (by source hash)
FINGERPRINT_CACHE = Path("_build") / ".fingerprints"


def _make_handouts_module(srcdir: Path):
    tools = str(srcdir / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import make_handouts

    return make_handouts


def student_edition(config: Any) -> bool:
    """True when the build leaves solutions out (sphinx-exercise's ``hide_solutions``)."""
    return bool(getattr(config, "hide_solutions", False))


def strip_solutions(markdown: str, remove_marked=None) -> str:
    """``markdown`` without its ``{solution}`` blocks (backtick or colon fences, any length), without
    everything between ``{solution-start}`` and ``{solution-end}``, and, given ``remove_marked``
    (``make_handouts.remove_marked``), without its ``student-omit`` blocks."""
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
    text = "\n".join(out)
    return remove_marked(text) if remove_marked else text


def _strip_notebook(path: Path, make_handouts) -> bool:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    changed, cells, in_gated = False, [], False
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else source
        if make_handouts.STUDENT_OMIT in cell.get("metadata", {}).get("tags", []):
            changed = True
            continue
        if cell.get("cell_type") == "markdown":
            opens = re.search(r"\{solution-start\}", text)
            ends = re.search(r"\{solution-end\}", text)
            stripped = strip_solutions(text, make_handouts.remove_marked)
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
    return changed


def strip_published_solutions(outdir: Path, make_handouts) -> list:
    """Remove solution blocks and ``student-omit`` blocks from every chapter copy (``.md``, ``.ipynb``) under ``outdir``."""
    changed = []
    for path in sorted(outdir.rglob("*")):
        if not path.is_file() or HANDOUTS in path.relative_to(outdir).parts[:1]:
            continue
        if path.suffix == ".ipynb":
            if _strip_notebook(path, make_handouts):
                changed.append(path)
        elif path.suffix in (".md", ".txt"):
            text = path.read_text(encoding="utf-8")
            if "{solution" in text or make_handouts.STUDENT_OMIT in text:
                path.write_text(strip_solutions(text, make_handouts.remove_marked), encoding="utf-8")
                changed.append(path)
    return changed


# --------------------------------------------------------------------------- the answer-free library

_CATALOGUE_TEMPLATE = '''"""The book's derivation checks without their answers (the student edition's copy of
``mlp_lib.teaching.catalogue``, written by the book's ``_ext/handouts_site.py``).

The same names as the full catalogue (``EXERCISES``, ``get_exercise``, ``exercises_for``,
``check``, ``check_steps``), and each check's name, chapter, title, prompt and the names the
answer may use, but no expected formula, accepted form or known mistake. So the kernel cannot
decide an answer: :func:`check` returns an undecided verdict that says so. The widget
(``DerivationChecker``) shows each check from its fingerprint (``mlp_lib.teaching.fingerprint``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .checker import CheckResult

NO_ANSWERS = (
    "this copy of mlp_lib is the student edition's and holds no answers, so Python cannot check here: "
    "check on the book's website (the page decides there) or ask your instructor"
)
MAX_STEPS = {max_steps}


@dataclass(frozen=True)
class Exercise:
    """One derivation check, without its answer: ``name``, ``chapter``, ``title``, ``prompt``,
    ``names_help`` (the names the answer may use) and ``exercise`` (the chapter's exercise label)."""

    name: str
    chapter: str
    title: str
    prompt: str
    names_help: str
    exercise: str | None = None

    def check(self, answer_text: str, *, timeout: float | None = None, seed: int = 0) -> CheckResult:
        """An undecided verdict: this copy has no answers."""
        return CheckResult(False, NO_ANSWERS, decided=False)


@dataclass
class StepsResult:
    """A line-by-line verdict (never made by this copy)."""

    lines: list
    first_wrong: int | None


EXERCISES = {{e.name: e for e in [Exercise(*fields) for fields in {exercises!r}]}}


def get_exercise(name) -> Exercise:
    """The check called ``name``."""
    if isinstance(name, Exercise):
        return name
    if name not in EXERCISES:
        raise ValueError(f"expected one of {{sorted(EXERCISES)}}, got {{name!r}}")
    return EXERCISES[name]


def exercises_for(chapter: str) -> list:
    """The checks of one chapter (file stem)."""
    return [e for e in EXERCISES.values() if e.chapter == chapter]


def check(name, answer_text: str, *, timeout: float | None = None, seed: int = 0) -> CheckResult:
    """An undecided verdict: this copy has no answers."""
    return get_exercise(name).check(answer_text)


def check_steps(name, steps, *, timeout: float | None = None, seed: int = 0):
    """Refused (ValueError): this copy has no answers."""
    raise ValueError(NO_ANSWERS)
'''

_FINGERPRINT_TEMPLATE = '''"""The page's data for each derivation check (the student edition's copy of
``mlp_lib.teaching.fingerprint``, written by the book's ``_ext/handouts_site.py``): the values of the
right answer and of the known mistakes at test points, made with SymPy when the book was built.
The formulas are not in them.
"""

from __future__ import annotations

import json

POINTS = {points}
_DATA = json.loads({data!r})


def fingerprint(exercise, *, points: int = POINTS, seed: int = 0) -> dict:
    """The fingerprint of a check (its name or its ``Exercise``), as built (``points`` and ``seed`` fixed)."""
    name = exercise if isinstance(exercise, str) else getattr(exercise, "name", None)
    if name not in _DATA:
        raise ValueError(f"expected one of {{sorted(_DATA)}}, got {{name!r}}")
    if (int(points), int(seed)) != (POINTS, 0):
        raise ValueError(f"expected points={{POINTS}} and seed=0 (this copy holds only those), got {{points}}, {{seed}}")
    return _DATA[name]
'''


def _teaching_hash(srcdir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((srcdir / "mlp_lib" / "teaching").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _fingerprint_job(srcdir: Path):
    """Start (in a subprocess, on the other core) the fingerprints of every check, unless cached;
    return (cache path, process or None)."""
    cache = srcdir / FINGERPRINT_CACHE / f"{_teaching_hash(srcdir)}.json"
    if cache.is_file():
        return cache, None
    cache.parent.mkdir(parents=True, exist_ok=True)
    code = (
        "import json, sys\n"
        "from mlp_lib.teaching.catalogue import EXERCISES\n"
        "from mlp_lib.teaching.fingerprint import fingerprint\n"
        "data = {name: fingerprint(name) for name in EXERCISES}\n"
        "open(sys.argv[1] + '.tmp', 'w').write(json.dumps(data))\n"
    )
    return cache, subprocess.Popen([sys.executable, "-c", code, str(cache)], cwd=srcdir)


_FINGERPRINTS_LOCK = threading.Lock()


def student_fingerprints(app: Any) -> dict | None:
    """The fingerprints of every check in the student edition (waiting for their job), None on the
    public site; computed once per build (JupyterLite's wheel, built in a thread, asks first)."""
    if not student_edition(app.config):
        return None
    with _FINGERPRINTS_LOCK:
        if not hasattr(app, "handouts_fingerprint_data"):
            cache, process = app.handouts_fingerprints
            if process is not None:
                if process.wait() != 0:
                    raise RuntimeError(f"computing the checks' fingerprints failed (exit code {process.returncode})")
                Path(str(cache) + ".tmp").replace(cache)
            app.handouts_fingerprint_data = json.loads(cache.read_text(encoding="utf-8"))
        return app.handouts_fingerprint_data


def answer_free_library(package: Path, fingerprints: dict) -> None:
    """Make the copy of ``mlp_lib`` at ``package`` answer-free: its ``teaching/catalogue.py`` and
    ``teaching/fingerprint.py`` are replaced by the student edition's (see the module docstring)."""
    from mlp_lib.teaching import catalogue, fingerprint

    exercises = [(e.name, e.chapter, e.title, e.prompt, e.names_help, e.exercise) for e in catalogue.EXERCISES.values()]
    missing = sorted(set(catalogue.EXERCISES) - set(fingerprints))
    if missing:
        raise ValueError(f"expected a fingerprint of every check, got none for {missing}")
    teaching = package / "teaching"
    (teaching / "catalogue.py").write_text(
        _CATALOGUE_TEMPLATE.format(max_steps=catalogue.MAX_STEPS, exercises=exercises), encoding="utf-8"
    )
    (teaching / "fingerprint.py").write_text(
        _FINGERPRINT_TEMPLATE.format(points=fingerprint.POINTS, data=json.dumps(fingerprints, sort_keys=True)),
        encoding="utf-8",
    )


def build_wheel(srcdir: Path, outdir: Path, wheel_name: str, fingerprints: dict | None = None) -> Path:
    """Build the library's wheel into ``outdir/wheel_name`` (answer-free given ``fingerprints``); offline."""
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / "src"
        stage.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copyfile(srcdir / name, stage / name)
        shutil.copytree(srcdir / "mlp_lib", stage / "mlp_lib", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        if fingerprints is not None:
            answer_free_library(stage / "mlp_lib", fingerprints)
        dist = Path(tmp) / "dist"
        command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index", "--no-build-isolation"]
        run = subprocess.run([*command, "-w", str(dist), str(stage)], capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"pip wheel of mlp_lib failed:\n{run.stderr[-2000:]}")
        built = sorted(dist.glob("*.whl"))
        if [w.name for w in built] != [wheel_name]:
            raise RuntimeError(f"expected the wheel {wheel_name} (make_handouts.WHEEL), got {[w.name for w in built]}")
        target = outdir / wheel_name
        shutil.copyfile(built[0], target)
    return target


def write_handouts(srcdir: Path, outdir: Path) -> Path:
    """Make the student handouts into ``outdir/handouts/`` (numbers from the pages in ``outdir``) and zip them."""
    make_handouts = _make_handouts_module(srcdir)
    target = outdir / HANDOUTS
    shutil.rmtree(target, ignore_errors=True)
    make_handouts.make_handouts(srcdir / "chapters", target, site=outdir, audiences=("student",))
    return make_handouts.zip_set(target, "student")


# --------------------------------------------------------------------------- Sphinx events


def _config_inited(app: Any, config: Any) -> None:
    if student_edition(config):
        app.tags.add(TAG)


def _builder_inited(app: Any) -> None:
    if student_edition(app.config) and app.builder.format == "html":
        app.handouts_fingerprints = _fingerprint_job(Path(app.srcdir))


def _omit_marked(app: Any, doctree: nodes.document) -> None:
    """``doctree-read``: in the student edition, drop every node marked ``student-omit``."""
    if not student_edition(app.config):
        return
    marks = {"student-omit", "tag_student-omit"}
    for node in list(doctree.findall(nodes.Element)):
        if marks & set(node.get("classes", [])) and node.parent is not None:
            node.parent.remove(node)


def _build_finished(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    srcdir, outdir = Path(app.srcdir), Path(app.outdir)
    make_handouts = _make_handouts_module(srcdir)
    archive = write_handouts(srcdir, outdir)
    fingerprints = student_fingerprints(app)
    if fingerprints is not None:
        stripped = strip_published_solutions(outdir, make_handouts)
        print(
            f"[handouts-site] student edition: solutions removed from {len(stripped)} published file(s); "
            "the library's wheels (here and JupyterLite's) hold no answers"
        )
    wheel = build_wheel(srcdir, outdir, make_handouts.WHEEL, fingerprints)
    print(f"[handouts-site] {archive.relative_to(outdir)}, {wheel.relative_to(outdir)}")


def setup(app: Any) -> dict:
    app.connect("config-inited", _config_inited)
    app.connect("builder-inited", _builder_inited)
    app.connect("doctree-read", _omit_marked)
    # After notebooks_site's build-finished handler (default priority 500), which waits for the
    # JupyterLite build that copies the chapters into lite/files/.
    app.connect("build-finished", _build_finished, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
