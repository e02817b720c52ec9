"""The book's parallel execution (_ext/parallel_execution.py) on a two-page book of its own.

It must keep what ``execute_notebooks: force`` promised: every page read is executed on this
build, exactly once, a failing cell fails the strict build (also when an older build cached the
same code), and the executed notebook — with outputs — is what lands in ``_build/jupyter_execute``.
Everything is checked on what the build leaves behind, not on its log.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from helpers import JUPYTER_BOOK, ROOT

pytestmark = pytest.mark.book

HEADER = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
---
"""


def _book(folder: Path) -> Path:
    (folder / "_config.yml").write_text(
        "title: t\n"
        "only_build_toc_files: true\n"
        "execute:\n  execute_notebooks: cache\n"
        f"sphinx:\n  local_extensions:\n    parallel_execution: {ROOT / '_ext'}\n"
    )
    (folder / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: good\n- file: flagged\n")
    (folder / "intro.md").write_text("# Intro\n\nA page without code.\n")
    # Each run of this page appends a line to runs.txt: the file counts its executions.
    (folder / "good.md").write_text(
        HEADER + "# Good\n\n```{code-cell} ipython3\n"
        "with open('runs.txt', 'a') as f:\n    f.write('run\\n')\nprint(6 * 7)\n```\n"
    )
    # Same code on every build; whether it fails depends on flag.txt (what a change in mlp_lib does).
    (folder / "flagged.md").write_text(
        HEADER + "# Flagged\n\n```{code-cell} ipython3\n"
        "from pathlib import Path\nassert Path('flag.txt').read_text() == 'ok', 'the flag says fail'\n"
        "print('flag ok')\n```\n"
    )
    return folder


def _build(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(JUPYTER_BOOK), "build", ".", "-W", "-n", "--keep-going", "--all"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _outputs(folder: Path, page: str) -> list[str]:
    nb = json.loads((folder / "_build" / "jupyter_execute" / f"{page}.ipynb").read_text())
    return ["".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]


def test_pages_run_once_each_build_and_failures_fail_the_build_even_with_a_cached_success(tmp_path: Path) -> None:
    book = _book(tmp_path)
    (book / "flag.txt").write_text("ok")
    first = _build(book)
    assert first.returncode == 0, (first.stdout + first.stderr)[-4000:]
    assert _outputs(book, "good") == ["42\n"] and _outputs(book, "flagged") == ["flag ok\n"]
    assert (book / "runs.txt").read_text() == "run\n"  # executed once: myst-nb took the cached result

    # Built again with the same code: run anew (once), not taken from the first build.
    again = _build(book)
    assert again.returncode == 0, (again.stdout + again.stderr)[-4000:]
    assert (book / "runs.txt").read_text() == "run\nrun\n"

    # The code is unchanged (same jupyter-cache hash), but now the cell fails: the cached
    # success of the earlier builds must not be shown; the strict build must fail.
    (book / "flag.txt").write_text("fail")
    second = _build(book)
    assert second.returncode != 0, (second.stdout + second.stderr)[-4000:]
    report = book / "_build" / "html" / "reports" / "flagged.err.log"
    assert report.is_file() and "the flag says fail" in report.read_text()
    assert _outputs(book, "good") == ["42\n"]
