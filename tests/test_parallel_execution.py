"""The book's parallel execution (assets/parallel_execution.py) on a two-page book of its own.

It must keep what ``execute_notebooks: force`` promised: every page read is executed on this
build, a failing cell fails the strict build (also when an older build cached the same code),
and the executed notebook — with outputs — is what lands in ``_build/jupyter_execute``.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import JUPYTER_BOOK, ROOT

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


def _extension():
    spec = importlib.util.spec_from_file_location("parallel_execution", ROOT / "assets" / "parallel_execution.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _book(folder: Path) -> Path:
    (folder / "_config.yml").write_text(
        "title: t\n"
        "only_build_toc_files: true\n"
        "execute:\n  execute_notebooks: cache\n"
        f"sphinx:\n  local_extensions:\n    parallel_execution: {ROOT / 'assets'}\n"
    )
    (folder / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: good\n- file: flagged\n")
    (folder / "intro.md").write_text("# Intro\n\nA page without code.\n")
    (folder / "good.md").write_text(HEADER + "# Good\n\n```{code-cell} ipython3\nprint(6 * 7)\n```\n")
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
        cwd=folder, capture_output=True, text=True, timeout=300,
    )


def _outputs(folder: Path, page: str) -> list[str]:
    nb = json.loads((folder / "_build" / "jupyter_execute" / f"{page}.ipynb").read_text())
    return ["".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]


def test_pages_run_in_parallel_and_failures_fail_the_build_even_with_a_cached_success(tmp_path: Path) -> None:
    book = _book(tmp_path)
    (book / "flag.txt").write_text("ok")
    first = _build(book)
    log = first.stdout + first.stderr
    assert first.returncode == 0, log[-4000:]
    assert "[parallel-execution] executing 2 notebooks" in log
    assert "Using cached notebook" in log  # myst-nb took the parallel results instead of executing again
    assert _outputs(book, "good") == ["42\n"] and _outputs(book, "flagged") == ["flag ok\n"]

    # The code is unchanged (same jupyter-cache hash), but now the cell fails: the cached
    # success of the first build must not be shown; the strict build must fail.
    (book / "flag.txt").write_text("fail")
    second = _build(book)
    log = second.stdout + second.stderr
    assert second.returncode != 0, log[-4000:]
    assert "flagged: failed" in log and "the flag says fail" in log
    assert (book / "_build" / "html" / "reports" / "flagged.err.log").is_file()
    assert _outputs(book, "good") == ["42\n"]


@pytest.mark.parametrize("setting, expected", [("auto", None), (None, None), (0, None), (3, 3)])
def test_jobs_setting(setting, expected) -> None:
    ext = _extension()
    assert ext.resolve_jobs(setting) == (expected or ext.available_cpus())


@pytest.mark.parametrize("setting", [-1, 1.5, "two", True])
def test_bad_jobs_setting_is_refused(setting) -> None:
    with pytest.raises(ValueError, match="expected parallel_execution_jobs"):
        _extension().resolve_jobs(setting)
