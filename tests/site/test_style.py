"""House style: ruff's lint and format checks pass on the code, the chapters' code cells included.

The rules live in pyproject.toml ([tool.ruff]). Chapters are MyST notebooks: the code cells of each
are written out as one Python script (cells separated by ``# %%`` lines) into a temporary folder and
checked there, with the chapter rules of pyproject.toml applied to them. To format a chapter's cells:
``jupytext chapters/NAME.md --pipe "ruff format --config pyproject.toml {}" --pipe-fmt py:percent``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT

RUFF = Path(sys.executable).parent / "ruff"
CODE = ["mlp_lib", "tests", "benchmarks", "tools", "_ext"]


def _ruff(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    if not RUFF.exists():
        pytest.fail(f"expected ruff next to the interpreter (requirements.txt pins it), got nothing at {RUFF}")
    return subprocess.run([str(RUFF), *args], cwd=cwd, capture_output=True, text=True)


def test_ruff_check_passes_on_the_code() -> None:
    run = _ruff("check", *CODE)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]


def test_ruff_format_leaves_the_code_unchanged() -> None:
    run = _ruff("format", "--check", *CODE)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]


def test_chapters_code_cells_pass_ruff(tmp_path: Path) -> None:
    import jupytext

    folder = tmp_path / "chapters"
    folder.mkdir()
    for chapter in sorted((ROOT / "chapters").glob("*.md")):
        notebook = jupytext.read(str(chapter), fmt="md:myst")
        cells = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
        (folder / f"{chapter.stem}.py").write_text("\n\n\n".join(f"# %%\n{source}" for source in cells) + "\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    check = _ruff("check", "chapters", cwd=tmp_path)
    assert check.returncode == 0, check.stdout[-6000:]
    fmt = _ruff("format", "--check", "--diff", "chapters", cwd=tmp_path)
    assert fmt.returncode == 0, fmt.stdout[-6000:] + fmt.stderr[-2000:]
