"""Classroom handouts: student and instructor notebooks (.ipynb) made from the chapters.

One command::

    python tools/make_handouts.py chapters --out handouts/            # every chapter
    python tools/make_handouts.py chapters --chapters eq2-recursion minibatch --out handouts/
    python tools/make_handouts.py chapters --execute                  # also run the notebooks (slow)

(or ``make handouts``) reads ``chapters/*.md`` (MyST notebooks) with jupytext and writes

* ``handouts/student/<chapter>.ipynb`` — the chapter with every ``{solution}``
  block (and everything between ``{solution-start}`` and ``{solution-end}``)
  removed; after each exercise, a "Your answer" cell and an empty code cell;
  a derivation-checker cell for each check of :mod:`mlp_lib.teaching.catalogue` that
  belongs to the chapter;
* ``handouts/instructor/<chapter>.ipynb`` — the same with the solutions kept
  (and the expected formula of each derivation check).

Exercise and solution directives become plain Markdown (bold titles), since
JupyterLab and Colab do not render MyST directives; ``(label)=`` targets are
dropped and ``{eq}``/``{ref}`` roles become their text. Everything else —
code cells, their seeds, equations — is kept, so with the book's fixed seeds
every student's notebook prints the same numbers as the teacher's.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from mlp_lib.teaching.catalogue import exercises_for

_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<kind>exercise|solution)\}[ \t]*(?P<arg>.*?)\s*$")
_GATED = re.compile(r"^[ \t]*(`{3,}|:{3,})\{(?P<kind>(?:exercise|solution)-(?:start|end))\}[ \t]*(?P<arg>.*?)\s*$")
_OPTION = re.compile(r"^[ \t]*:(?P<key>[A-Za-z_-]+):[ \t]*(?P<value>.*)$")
_TARGET = re.compile(r"^\((?P<label>[^)\s]+)\)=\s*$", re.M)
_ROLE = re.compile(r"\{(?:eq|ref|numref|doc|prf:ref|term)\}`(?P<body>[^`]*)`")


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


def _plain(markdown: str) -> str:
    """MyST-only syntax that Jupyter does not render, made plain."""
    markdown = _TARGET.sub("", markdown)

    def role(m):
        body = m.group("body")
        inner = re.fullmatch(r"(.*?)\s*<([^>]+)>", body)
        return inner.group(1) if inner else body

    return _ROLE.sub(role, markdown)


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


def convert(nb, chapter: str, *, student: bool):
    """The handout version of a chapter notebook (a new notebook; ``nb`` is not changed)."""
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
            "It needs `mlp_lib` (`pip install -e .` in the book's folder)."
        )
    ]
    number = 0
    in_gated_solution = False
    for cell in nb.cells:
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
        for line in cell.source.split("\n"):
            g = _GATED.match(line)
            if g and g.group("kind") == "solution-start":
                in_gated_solution = True
                if not student:
                    kept_lines.append(f"**Solution** ({g.group('arg')})")
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
                buffer.append(_plain(block.text))
            elif block.kind == "exercise":
                number += 1
                label = f" <small>({block.label})</small>" if block.label else ""
                heading = f"**Exercise {number}" + (f": {block.arg}**" if block.arg else "**")
                buffer.append(f"{heading}{label}\n\n{_plain(block.text)}")
                linked = by_label.get(block.label, [])
                if student:
                    _flush(buffer, cells)
                    cells.append(
                        new_markdown_cell(
                            f"**Your answer to exercise {number}:**\n\n*(double-click to write; math between `$ … $`)*"
                        )
                    )
                    cells.append(new_code_cell(f"# Exercise {number}: your work\n"))
                for ex in linked:
                    _flush(buffer, cells)
                    cells.append(_checker_cell(ex.name))
                    if not student:
                        cells.append(new_markdown_cell(_expected_note(ex)))
                    placed.add(ex.name)
            else:  # solution
                if not student:
                    buffer.append(f"**Solution** ({block.label or block.arg})\n\n{_plain(block.text)}")
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


def make_handouts(source, out_dir, chapters=None, *, execute: bool = False) -> dict:
    """Write student and instructor notebooks for ``chapters`` (file stems; default: all in ``source``).

    ``source`` is the folder of the book's MyST chapters (``chapters/`` of the repository).

    Returns ``{chapter: (student_path, instructor_path)}``. Raises ValueError for
    a chapter that does not exist.
    """
    source, out_dir = Path(source), Path(out_dir)
    if not source.is_dir():
        raise ValueError(f"expected the folder of the book's chapters, got {str(source)!r}, which is not a folder")
    available = sorted(p.stem for p in source.glob("*.md"))
    wanted = list(chapters) if chapters else available
    missing = [c for c in wanted if c not in available]
    if missing:
        raise ValueError(f"expected chapters among {available}, got {missing}")
    paths = {}
    for audience in ("student", "instructor"):
        (out_dir / audience).mkdir(parents=True, exist_ok=True)
    for chapter in wanted:
        nb = read_chapter(source / f"{chapter}.md")
        pair = []
        for audience in ("student", "instructor"):
            handout = convert(nb, chapter, student=(audience == "student"))
            if execute:
                _execute(handout, source)
            nbformat.validate(handout)
            path = out_dir / audience / f"{chapter}.ipynb"
            nbformat.write(handout, str(path))
            pair.append(path)
        paths[chapter] = tuple(pair)
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/make_handouts.py",
        description="Make student notebooks (solutions removed) and instructor notebooks (solutions kept) "
        "from the book's chapters.",
    )
    parser.add_argument("chapters_dir", help="folder of the book's MyST chapters, e.g. chapters/")
    parser.add_argument("--out", default="handouts", help="output folder (default: handouts/)")
    parser.add_argument("--chapters", nargs="+", metavar="NAME", help="chapter file stems (default: all)")
    parser.add_argument("--execute", action="store_true", help="run every notebook (off by default)")
    args = parser.parse_args(argv)
    try:
        paths = make_handouts(args.chapters_dir, args.out, args.chapters, execute=args.execute)
    except ValueError as exc:
        parser.error(str(exc))
    for chapter, (student, instructor) in paths.items():
        print(f"{chapter}: {student}  {instructor}")
    print(
        f"{len(paths)} chapter(s): student notebooks in {Path(args.out) / 'student'}, "
        f"instructor notebooks in {Path(args.out) / 'instructor'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
