"""Classroom handouts: student and instructor notebooks (.ipynb) made from the chapters.

One command::

    python tools/make_handouts.py chapters --out handouts/            # every chapter
    python tools/make_handouts.py chapters --chapters eq2-recursion minibatch --out handouts/
    python tools/make_handouts.py chapters --execute                  # also run the notebooks (slow)

(or ``make handouts``) reads ``chapters/*.md`` (MyST notebooks) with jupytext and writes

* ``handouts/student/<chapter>.ipynb`` — the chapter with every ``{solution}``
  block (and everything between ``{solution-start}`` and ``{solution-end}``) removed, and every
  block marked ``student-omit`` (see below); after each exercise, a "Your answer" cell and an
  empty code cell; a derivation-checker cell for each check of :mod:`mlp_lib.teaching.catalogue`
  that belongs to the chapter;
* ``handouts/instructor/<chapter>.ipynb`` — the same with the solutions kept
  (and the expected formula of each derivation check), and ``handouts/instructor/answers.md``
  (the answer key of the instructor guide: ``instructor/answers.md`` of the book);
* ``handouts/student-handouts.zip`` and ``handouts/instructor-handouts.zip``, one per set.

Every notebook starts with a setup cell that installs the book's library where it is missing
(Colab, a fresh Python): ``%pip install "mlp-lib[book] @ <site>/mlp_lib-0.1.0-py3-none-any.whl"``,
the wheel that the built site publishes at its root (:data:`WHEEL`, made by
``_ext/handouts_site.py``), so no student needs a clone of the repository, which holds every
solution. ``<site>`` is one setting (:func:`site_url`).

Exercise and solution directives become plain Markdown (bold titles), since
JupyterLab and Colab do not render MyST directives; ``(label)=`` targets are
dropped, an equation's label ``$$ (label)`` becomes its number (``\\tag{5.3}``); ``{eq}``, ``{ref}``, ``{numref}`` and ``{doc}`` become what the built site shows
(``(5.3)``, a section's title, ``Exercise 4.1``, a page's title: read from the site's HTML,
so ``make handouts`` needs a built book, see :func:`site_references`); ``{literalinclude}``
becomes the included code (``:pyobject:`` and ``:lines:`` as Sphinx reads them). Everything
else — code cells, their seeds, equations — is kept, so with the book's fixed seeds every
student's notebook prints the same numbers as the teacher's.

**The ``student-omit`` marker.** A chapter marks what answers one of its own "find the bug"
exercises (an erratum of the source on the same page) with the class ``student-omit``: on an
admonition (``:class: warning dropdown student-omit``), as a ``{container} student-omit`` around
plain text, or as a code cell's tag (``:tags: [hide-cell, student-omit]``). Student handouts and
the student edition of the site (``make book-student``) leave such blocks out; the book and the
instructor handouts keep them.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from mlp_lib.teaching.catalogue import exercises_for

_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<kind>exercise|solution)\}[ \t]*(?P<arg>.*?)\s*$")
_GATED = re.compile(r"^[ \t]*(`{3,}|:{3,})\{(?P<kind>(?:exercise|solution)-(?:start|end))\}[ \t]*(?P<arg>.*?)\s*$")
_OPTION = re.compile(r"^[ \t]*:(?P<key>[A-Za-z_-]+):[ \t]*(?P<value>.*)$")
_TARGET = re.compile(r"^\((?P<label>[^)\s]+)\)=\s*$", re.M)
_ROLE = re.compile(r"\{(?P<role>eq|ref|numref|doc|prf:ref|term)\}`(?P<body>[^`]*)`")
_INCLUDE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{(?P<kind>literalinclude|include)\}[ \t]*(?P<path>\S+)[ \t]*\n"
    r"(?P<options>(?:[ \t]*:[A-Za-z_-]+:.*\n)*)(?P=fence)[ \t]*$",
    re.M,
)

_EQ_LABEL = re.compile(r"^\$\$[ \t]*\(([^)\s]+)\)[ \t]*$", re.M)

#: The class (on a directive), or the tag (on a code cell), of what student copies leave out.
STUDENT_OMIT = "student-omit"
#: The file name of the book's library as a wheel, published at the site's root.
WHEEL = "mlp_lib-0.1.0-py3-none-any.whl"
#: The tag of the setup cell that starts every handout.
SETUP_TAG = "handout-setup"
#: The answer key of the instructor guide, copied into the instructor handouts only.
ANSWERS = Path("instructor") / "answers.md"


@dataclass
class References:
    """What the built site shows for each cross-reference: ``eq`` (label → ``"(5.3)"``), ``ref``
    (label → section title), ``numref`` (label → ``"Exercise 4.1"``), ``doc`` (page → title)."""

    eq: dict = field(default_factory=dict)
    ref: dict = field(default_factory=dict)
    numref: dict = field(default_factory=dict)
    doc: dict = field(default_factory=dict)


_EQNO = re.compile(r'<span class="eqno">(\([^()<]+\))<a class="headerlink" href="#equation-([^"]+)"')
_STD = re.compile(r'href="[^"#]*#([^"]+)"><span class="std std-(ref|numref)">(.*?)</span></a>', re.S)
_NUMBERED = re.compile(
    r'<div class="[^"]*admonition" id="([^"]+)">\s*<p class="admonition-title"><span class="caption-number">([^<]+?)\s*</span>'
)
_DOC = re.compile(r'href="([^"#]+)\.html"><span class="doc">(.*?)</span>', re.S)


def _id(label: str) -> str:
    """A label as the site writes it in an id (docutils: lower case, hyphens)."""
    from docutils.nodes import make_id

    return make_id(label)


def _text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def site_references(site) -> References:
    """The cross-reference texts of a built site (``_build/html``), read from its HTML pages.

    Equation numbers come from each equation's number on its own page, the texts of ``{ref}``,
    ``{numref}`` and ``{doc}`` from the links the pages show. Raises ValueError if ``site`` holds
    no built book.
    """
    site = Path(site)
    if not (site / "index.html").is_file():
        raise ValueError(
            f"expected a built book (index.html) in {str(site)!r}: the handouts take their equation and exercise "
            "numbers from the site; build it first (make book)"
        )
    refs = References()
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site)
        if rel.parts[0] in ("_static", "lite", "offline", "_sources", "handouts"):
            continue
        text = page.read_text(encoding="utf-8", errors="replace")
        for number, label in _EQNO.findall(text):
            refs.eq.setdefault(_id(label), number)
        for label, number in _NUMBERED.findall(text):
            refs.numref.setdefault(_id(label), number)
        for label, kind, inner in _STD.findall(text):
            getattr(refs, kind).setdefault(_id(label), _text_of(inner))
        here = rel.parent
        for target, inner in _DOC.findall(text):
            name = (here / target).as_posix()
            parts = []
            for part in name.split("/"):  # normalise "chapters/../intro"
                if part == "..":
                    parts = parts[:-1]
                elif part != ".":
                    parts.append(part)
            refs.doc.setdefault("/".join(parts), _text_of(inner))
    return refs


def site_url(book_root) -> str:
    """The address where the book's site is published, without a trailing slash.

    One setting: ``handouts_site_url`` under ``sphinx: config:`` in the book's ``_config.yml``;
    without it, the GitHub Pages address of ``repository: url`` (``https://github.com/OWNER/REPO``
    → ``https://OWNER.github.io/REPO``).
    """
    import yaml

    config = yaml.safe_load((Path(book_root) / "_config.yml").read_text(encoding="utf-8")) or {}
    explicit = (((config.get("sphinx") or {}).get("config") or {}).get("handouts_site_url") or "").strip()
    if explicit:
        return explicit.rstrip("/")
    repo = str((config.get("repository") or {}).get("url", "")).rstrip("/")
    m = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?", repo)
    if not m:
        raise ValueError(
            f"expected handouts_site_url in _config.yml (sphinx: config:) or a GitHub repository url, got {repo!r}"
        )
    return f"https://{m.group(1).lower()}.github.io/{m.group(2)}"


def setup_cell(url: str):
    """The first code cell of every handout: installs ``mlp_lib`` from the site's wheel where it is missing."""
    return new_code_cell(
        "# Setup: installs the book's library (mlp_lib, with what the chapters use) where it is missing,\n"
        "# e.g. on Colab; it does nothing where mlp_lib is installed. The wheel comes from the book's site.\n"
        "import importlib.util\n"
        "import sys\n"
        'if importlib.util.find_spec("mlp_lib") is None:\n'
        f'    %pip install -q "mlp-lib[book] @ {url}/{WHEEL}"\n'
        'if "google.colab" in sys.modules:  # Colab draws third-party widgets only with this\n'
        "    from google.colab import output\n"
        "\n"
        "    output.enable_custom_widget_manager()",
        metadata={"tags": [SETUP_TAG]},
    )


def _fenced_blocks(markdown: str):
    """(start, end, opening line, option lines) of every top-level fenced directive, lines 0-based, end exclusive."""
    lines = markdown.split("\n")
    opening = re.compile(r"^[ \t]*(?P<fence>`{3,}|:{3,})\{[^}]+\}")
    i = 0
    while i < len(lines):
        m = opening.match(lines[i])
        if not m:
            i += 1
            continue
        fence = m.group("fence")
        close = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        options = []
        k = i + 1
        while k < j and _OPTION.match(lines[k]):
            options.append(lines[k])
            k += 1
        yield i, min(j + 1, len(lines)), lines[i], options
        i = j + 1


def is_marked(opening: str, options: list) -> bool:
    """True for a directive marked :data:`STUDENT_OMIT` (its argument, ``:class:`` or ``:tags:``)."""
    words = re.split(r"[\s,\[\]]+", opening.split("}", 1)[-1])
    for option in options:
        m = _OPTION.match(option)
        if m and m.group("key") in ("class", "tags"):
            words += re.split(r"[\s,\[\]]+", m.group("value"))
    return STUDENT_OMIT in words


def remove_marked(markdown: str) -> str:
    """``markdown`` without its directives (and ``{code-cell}``s) marked :data:`STUDENT_OMIT`."""
    lines = markdown.split("\n")
    drop = set()
    for start, end, opening, options in _fenced_blocks(markdown):
        if is_marked(opening, options):
            drop.update(range(start, end))
    return "\n".join(line for n, line in enumerate(lines) if n not in drop)


def _included(m: re.Match, chapter_dir: Path) -> str:
    from sphinx.pycode import ModuleAnalyzer

    path = (chapter_dir / m.group("path")).resolve()
    if not path.is_file():
        raise ValueError(f"expected the included file {m.group('path')!r} next to the chapters, got no such file")
    options = {}
    for line in m.group("options").splitlines():
        om = _OPTION.match(line)
        options[om.group("key")] = om.group("value").strip()
    unknown = set(options) - {"pyobject", "lines", "language", "caption"}
    if unknown:
        raise ValueError(
            f"expected :pyobject:, :lines:, :language: or :caption: in {m.group(0)!r}, got {sorted(unknown)}"
        )
    lines = path.read_text(encoding="utf-8").splitlines()
    if "pyobject" in options:
        tags = ModuleAnalyzer.for_string("\n".join(lines) + "\n", "").find_tags()
        if options["pyobject"] not in tags:
            raise ValueError(f"expected {options['pyobject']!r} in {path.name}, got no such object")
        _, start, end = tags[options["pyobject"]]
        lines = lines[start - 1 : end]
    if "lines" in options:
        first, _, last = options["lines"].partition("-")
        lines = lines[int(first) - 1 : int(last or first)]
    language = options.get("language", "python" if path.suffix == ".py" else "")
    caption = f"*{options['caption']}*\n\n" if options.get("caption") else ""
    code = "\n".join(lines).rstrip("\n")
    return f"{caption}From `{m.group('path').removeprefix('../')}`:\n\n```{language}\n{code}\n```"


@dataclass
class Block:
    """A piece of a Markdown cell: plain text, an exercise or a solution."""

    kind: str  # "text" | "exercise" | "solution"
    text: str  # for directives: the body without option lines
    arg: str = ""  # title (exercise) or label (solution)
    label: str | None = None


def split_blocks(markdown: str) -> list:
    """Split Markdown into text, ``{exercise}`` and ``{solution}`` blocks (fenced with backticks or colons).

    A block ends at a line of the same fence character at least as long as the
    opening one and nothing else (MyST's rule; nested code fences inside a
    solution use other or shorter fences).
    """
    lines = markdown.split("\n")
    blocks, text = [], []
    i = 0
    while i < len(lines):
        m = _OPEN.match(lines[i])
        if not m:
            text.append(lines[i])
            i += 1
            continue
        fence = m.group("fence")
        close = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
        body, j = [], i + 1
        while j < len(lines) and not close.match(lines[j]):
            body.append(lines[j])
            j += 1
        if text:
            blocks.append(Block("text", "\n".join(text)))
            text = []
        options, k = {}, 0
        while k < len(body) and _OPTION.match(body[k]):
            om = _OPTION.match(body[k])
            options[om.group("key")] = om.group("value").strip()
            k += 1
        arg = m.group("arg")
        label = options.get("label") if m.group("kind") == "exercise" else (arg or None)
        blocks.append(Block(m.group("kind"), "\n".join(body[k:]).strip("\n"), arg, label))
        i = j + 1
    if text:
        blocks.append(Block("text", "\n".join(text)))
    return blocks


def _plain(markdown: str, refs: References | None = None, chapter_dir: Path | None = None) -> str:
    """MyST-only syntax that Jupyter does not render, made plain: cross-references become what the site
    shows (``refs``; without it, their label text), included code becomes a code block."""
    markdown = _TARGET.sub("", markdown)

    def numbered(m):  # "$$ (label)" closes a numbered equation: Jupyter's MathJax reads \tag
        label = m.group(1)
        if refs is None:
            return "$$"
        if _id(label) not in refs.eq:
            raise ValueError(f"expected the site to number the equation {label!r}, got no number: is the site built?")
        return "\\tag{" + refs.eq[_id(label)].strip("()") + "}\n$$"

    markdown = _EQ_LABEL.sub(numbered, markdown)
    if chapter_dir is not None:
        markdown = _INCLUDE.sub(lambda m: _included(m, chapter_dir), markdown)

    def role(m):
        kind, body = m.group("role"), m.group("body")
        inner = re.fullmatch(r"(.*?)\s*<([^>]+)>", body, re.S)
        text, target = (inner.group(1), inner.group(2)) if inner else (None, body)
        if refs is None or kind in ("prf:ref", "term"):
            return text or target
        if kind == "doc":
            name = target if "/" in target else f"chapters/{target}"
            if text:
                return text
            if name not in refs.doc:
                raise ValueError(f"expected the site to show the page {target!r} (a {{doc}} link), got no link to it")
            return refs.doc[name]
        table = getattr(refs, kind)
        if kind == "ref" and text:
            return text
        if _id(target) not in table:
            raise ValueError(
                f"expected the site to show the {{{kind}}} target {target!r}, got none: is the site built?"
            )
        shown = table[_id(target)]
        if kind == "numref" and text:
            return text.replace("%s", shown.split()[-1]).replace("{number}", shown.split()[-1])
        return shown

    return _ROLE.sub(role, markdown)


def _exercise_name(label: str, refs: References | None) -> str:
    """What the site calls the exercise ``label`` ("exercise 5.1"), else the label."""
    shown = refs.numref.get(_id(label)) if refs and label else None
    return shown[0].lower() + shown[1:] if shown else label


def _checker_cell(name: str):
    return new_code_cell(
        "# Derivation checker: type your formula and press Check.\n"
        '# Without widgets: from mlp_lib.teaching.catalogue import check; print(check(%r, "your formula"))\n'
        "from mlp_lib.widgets.derivation_checker import DerivationChecker\n"
        "DerivationChecker(%r)" % (name, name)
    )


def _expected_note(ex) -> str:
    accepted = "".join(f", `{a}`" for a in ex.accepted)
    return f"*Instructor note — `{ex.name}` expects* `{ex.expected}` *(also accepted: {accepted[2:] or '—'}).*"


def convert(
    nb,
    chapter: str,
    *,
    student: bool,
    refs: References | None = None,
    url: str | None = None,
    chapter_dir: Path | None = None,
):
    """The handout version of a chapter notebook (a new notebook; ``nb`` is not changed).

    ``refs``: the site's cross-reference texts (:func:`site_references`); ``url``: the site's
    address, for the setup cell (none without it); ``chapter_dir``: the chapters' folder, where
    ``{literalinclude}`` paths start.
    """
    checks = exercises_for(chapter)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    pending = [ex for ex in checks if ex.name not in code]  # chapters that show a checker already keep theirs
    by_label = {}
    for ex in pending:
        if ex.exercise:
            by_label.setdefault(ex.exercise, []).append(ex)
    placed = set()

    audience = "Student" if student else "Instructor"
    title = next(
        (
            m.group(1)
            for c in nb.cells
            if c.cell_type == "markdown"
            for m in [re.search(r"^# (.+)$", c.source, re.M)]
            if m
        ),
        chapter,
    )
    cells = [
        new_markdown_cell(
            f"*{audience} handout — {title}* (from `chapters/{chapter}.md`, made with `python tools/make_handouts.py chapters`).\n\n"
            + (
                "Solutions are not included: write your answers in the cells after each exercise. "
                if student
                else "Solutions are included. "
            )
            + "The code uses the book's fixed seeds, so every notebook shows the same numbers as the teacher's. "
            "The first code cell installs the book's library (`mlp_lib`) where it is missing."
        )
    ]
    if url:
        cells.append(setup_cell(url))
    number = 0
    in_gated_solution = False
    for cell in nb.cells:
        if student and STUDENT_OMIT in cell.metadata.get("tags", []):
            continue
        if cell.cell_type != "markdown":
            if not (student and in_gated_solution):
                cells.append(_copy(cell))
                if not student and cell.cell_type == "code":
                    # the chapter's own checker cells get the expected formula too
                    for ex in checks:
                        if ex not in pending and re.search(
                            r"DerivationChecker\(\s*['\"]%s['\"]" % re.escape(ex.name), cell.source
                        ):
                            cells.append(new_markdown_cell(_expected_note(ex)))
            continue
        # gated solutions ({solution-start} … {solution-end}) may span cells
        kept_lines = []
        for line in (remove_marked(cell.source) if student else cell.source).split("\n"):
            g = _GATED.match(line)
            if g and g.group("kind") == "solution-start":
                in_gated_solution = True
                if not student:
                    kept_lines.append(f"**Solution** ({_exercise_name(g.group('arg'), refs)})")
                continue
            if g and g.group("kind") == "solution-end":
                in_gated_solution = False
                continue
            if g:  # exercise-start/-end: keep as a plain heading line
                if g.group("kind") == "exercise-start":
                    number += 1
                    kept_lines.append(f"**Exercise {number}**")
                continue
            if not (student and in_gated_solution):
                kept_lines.append(line)
        source = "\n".join(kept_lines)
        if not source.strip():
            continue
        buffer = []
        for block in split_blocks(source):
            if block.kind == "text":
                buffer.append(_plain(block.text, refs, chapter_dir))
            elif block.kind == "exercise":
                number += 1
                shown = (refs.numref.get(_id(block.label)) if refs and block.label else None) or f"Exercise {number}"
                heading = f"**{shown}" + (f": {_plain(block.arg, refs)}**" if block.arg else "**")
                buffer.append(f"{heading}\n\n{_plain(block.text, refs, chapter_dir)}")
                linked = by_label.get(block.label, [])
                if student:
                    _flush(buffer, cells)
                    cells.append(
                        new_markdown_cell(
                            f"**Your answer to {shown[0].lower() + shown[1:]}:**\n\n"
                            "*(double-click to write; math between `$ … $`)*"
                        )
                    )
                    cells.append(new_code_cell(f"# {shown}: your work\n"))
                for ex in linked:
                    _flush(buffer, cells)
                    cells.append(_checker_cell(ex.name))
                    if not student:
                        cells.append(new_markdown_cell(_expected_note(ex)))
                    placed.add(ex.name)
            else:  # solution
                if not student:
                    buffer.append(
                        f"**Solution** ({_exercise_name(block.label or block.arg, refs)})\n\n"
                        f"{_plain(block.text, refs, chapter_dir)}"
                    )
        _flush(buffer, cells, metadata=dict(cell.metadata))
    rest = [ex for ex in pending if ex.name not in placed]
    if rest:
        cells.append(
            new_markdown_cell(
                "## Derivation checks\n\nType a formula in each box below and press **Check**: SymPy decides "
                "whether it equals the right one and, if not, shows values where the two differ and a hint."
            )
        )
        for ex in rest:
            cells.append(new_markdown_cell(f"**{ex.title}** — {ex.prompt}"))
            cells.append(_checker_cell(ex.name))
            if not student:
                cells.append(new_markdown_cell(_expected_note(ex)))
    out = nbformat.v4.new_notebook(cells=cells)
    out.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    out.metadata["language_info"] = {"name": "python"}
    return out


def _copy(cell):
    if cell.cell_type == "code":
        new = new_code_cell(cell.source, metadata=dict(cell.metadata))
    else:
        new = new_markdown_cell(cell.source, metadata=dict(cell.metadata))
    return new


def _flush(buffer, cells, metadata=None):
    text = "\n\n".join(t.strip("\n") for t in buffer if t.strip())
    buffer.clear()
    if text.strip():
        cells.append(new_markdown_cell(text, metadata=dict(metadata or {})))


def read_chapter(path: Path):
    """A MyST-Markdown chapter as a notebook (jupytext)."""
    import jupytext

    return jupytext.read(str(path), fmt="md:myst")


def _execute(nb, cwd: Path) -> None:
    from nbclient import NotebookClient

    NotebookClient(
        nb, timeout=600, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(cwd)}}
    ).execute()


def make_handouts(
    source,
    out_dir,
    chapters=None,
    *,
    refs: References | None = None,
    site=None,
    url: str | None = None,
    execute: bool = False,
    audiences=("student", "instructor"),
) -> dict:
    """Write student and instructor notebooks for ``chapters`` (file stems; default: all in ``source``).

    ``source`` is the folder of the book's MyST chapters (``chapters/`` of the repository).
    Cross-references take the texts of ``refs``, else of the built site ``site`` (default:
    ``_build/html`` next to ``source``; :func:`site_references`). ``url`` is the site's address for
    the setup cell (default: :func:`site_url` of the book around ``source``). ``audiences``: which
    sets to write. The instructor set also gets the guide's answer key (:data:`ANSWERS`), if the book has it.

    Returns ``{chapter: (student_path, instructor_path)}`` (``None`` for a set not written). Raises
    ValueError for a chapter that does not exist, a missing site or a cross-reference it does not show.
    """
    source, out_dir = Path(source), Path(out_dir)
    if not source.is_dir():
        raise ValueError(f"expected the folder of the book's chapters, got {str(source)!r}, which is not a folder")
    unknown = set(audiences) - {"student", "instructor"}
    if unknown or not audiences:
        raise ValueError(f"expected audiences among 'student' and 'instructor', got {list(audiences)}")
    available = sorted(p.stem for p in source.glob("*.md"))
    wanted = list(chapters) if chapters else available
    missing = [c for c in wanted if c not in available]
    if missing:
        raise ValueError(f"expected chapters among {available}, got {missing}")
    if refs is None:
        refs = site_references(Path(site) if site is not None else source.parent / "_build" / "html")
    if url is None:
        url = site_url(source.parent)
    paths = {}
    for audience in audiences:
        (out_dir / audience).mkdir(parents=True, exist_ok=True)
    for chapter in wanted:
        nb = read_chapter(source / f"{chapter}.md")
        pair = []
        for audience in ("student", "instructor"):
            if audience not in audiences:
                pair.append(None)
                continue
            try:
                handout = convert(
                    nb, chapter, student=(audience == "student"), refs=refs, url=url, chapter_dir=source.resolve()
                )
            except ValueError as exc:
                raise ValueError(f"{chapter}: {exc}") from exc
            if execute:
                _execute(handout, source)
            nbformat.validate(handout)
            path = out_dir / audience / f"{chapter}.ipynb"
            nbformat.write(handout, str(path))
            pair.append(path)
        paths[chapter] = tuple(pair)
    answers = source.parent / ANSWERS
    if "instructor" in audiences and answers.is_file():
        shutil.copyfile(answers, out_dir / "instructor" / answers.name)
    return paths


def zip_set(out_dir, audience: str) -> Path:
    """Zip ``out_dir/<audience>/`` into ``out_dir/<audience>-handouts.zip`` (files sorted) and return it."""
    out_dir = Path(out_dir)
    folder = out_dir / audience
    if not folder.is_dir():
        raise ValueError(f"expected a folder of {audience} handouts at {str(folder)!r}, got none")
    archive = out_dir / f"{audience}-handouts.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                zf.write(path, f"{audience}-handouts/{path.name}")
    return archive


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/make_handouts.py",
        description="Make student notebooks (solutions removed) and instructor notebooks (solutions kept) "
        "from the book's chapters, and a zip of each set.",
    )
    parser.add_argument("chapters_dir", help="folder of the book's MyST chapters, e.g. chapters/")
    parser.add_argument("--out", default="handouts", help="output folder (default: handouts/)")
    parser.add_argument("--chapters", nargs="+", metavar="NAME", help="chapter file stems (default: all)")
    parser.add_argument("--site", help="the built book, for equation and exercise numbers (default: _build/html)")
    parser.add_argument("--site-url", help="where the site is published (default: from _config.yml)")
    parser.add_argument("--execute", action="store_true", help="run every notebook (off by default)")
    args = parser.parse_args(argv)
    try:
        paths = make_handouts(
            args.chapters_dir, args.out, args.chapters, site=args.site, url=args.site_url, execute=args.execute
        )
        zips = [zip_set(args.out, audience) for audience in ("student", "instructor")]
    except ValueError as exc:
        parser.error(str(exc))
    for chapter, (student, instructor) in paths.items():
        print(f"{chapter}: {student}  {instructor}")
    print(
        f"{len(paths)} chapter(s): student notebooks in {Path(args.out) / 'student'}, "
        f"instructor notebooks in {Path(args.out) / 'instructor'}; zips: {', '.join(str(z) for z in zips)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
