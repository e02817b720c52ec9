"""The instructor guide: its playground setups are ones the page accepts as written, and it covers
every chapter of _toc.yml and every part."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from mlp_lib.widgets.playground import Playground
from mlp_lib.widgets.session import PlaygroundConfig

from helpers import ROOT

GUIDE = ROOT / "instructor-guide.md"
CHAPTERS = re.findall(r"file:\s*chapters/([\w-]+)", (ROOT / "_toc.yml").read_text())
NODE = shutil.which("node")


def _json_blocks():
    return re.findall(r"```json\n(.*?)```", GUIDE.read_text(), re.S)


def _page_reads(texts: list[str], tmp_path) -> list[dict]:
    """What the playground page makes of each config text (its own pgParseConfigText, given the setup's
    declaration the widget sends, run by node)."""
    widget = Playground()
    module = tmp_path / "playground.mjs"
    module.write_text(widget._esm, encoding="utf-8")
    script = tmp_path / "read.mjs"
    script.write_text(
        f"import * as M from {json.dumps(module.as_uri())};\n"
        f"const schema = {json.dumps(widget.schema)};\n"
        "const texts = JSON.parse(process.argv[2]);\n"
        "const out = texts.map(t => { try { return {config: M.pgParseConfigText(t, schema)}; } catch (e) { return {error: e.message}; } });\n"
        "process.stdout.write(JSON.stringify(out));\n",
        encoding="utf-8",
    )
    proc = subprocess.run([NODE, str(script), json.dumps(texts)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_one_playground_config_per_part():
    text = GUIDE.read_text()
    assert len(_json_blocks()) == 4
    for part in ("Part 1", "Part 2", "Part 3", "Part 4"):
        assert f"### {part}" in text


@pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
def test_playground_configs_are_accepted_by_the_page_as_written(tmp_path):
    """Teachers paste these into the page: its validator must take each one without an error and
    keep every value the guide sets; Python's PlaygroundConfig reads the same setup."""
    blocks = _json_blocks()
    for block, read in zip(blocks, _page_reads(blocks, tmp_path)):
        assert "error" not in read, f"the page refuses the guide's setup {block!r}: {read['error']}"
        written = json.loads(block)
        kept = {key: read["config"][key] for key in written}
        assert kept == written, f"the page changed the guide's setup: {written} became {kept}"
        assert PlaygroundConfig.from_json(block).to_dict() == read["config"], "Python and the page disagree"


def test_every_chapter_has_goals_and_minutes():
    text = GUIDE.read_text()
    for chapter in CHAPTERS:
        row = re.search(r"^\| \{doc\}`chapters/" + re.escape(chapter) + r"` \|(.+)\| (\d+) \|$", text, re.M)
        assert row, f"no row for {chapter} (every chapter of _toc.yml has goals and minutes)"
        assert 10 <= int(row.group(2)) <= 180


def _minutes() -> dict:
    text = GUIDE.read_text()
    return {
        m.group(1): int(m.group(2)) for m in re.finditer(r"^\| \{doc\}`chapters/([\w-]+)` \|.+\| (\d+) \|$", text, re.M)
    }


def _plans() -> dict:
    """{weeks: [(chapters, minutes)]} of the guide's week-by-week plans."""
    text = GUIDE.read_text()
    plans = {}
    for weeks in (4, 6):
        section = re.search(rf"^### A {weeks}-week module.*?(?=^##)", text, re.M | re.S)
        assert section, f"no {weeks}-week plan"
        rows = re.findall(r"^\| (\d+) \| (.+) \| (\d+) \|$", section.group(0), re.M)
        plans[weeks] = [(re.findall(r"\{doc\}`chapters/([\w-]+)`", row[1]), int(row[2])) for row in rows]
    return plans


def test_week_plans_cover_every_chapter_once_in_order_with_balanced_load():
    minutes = _minutes()
    for weeks, plan in _plans().items():
        assert len(plan) == weeks
        chapters = [c for week, _ in plan for c in week]
        assert chapters == CHAPTERS, f"{weeks}-week plan: expected every chapter of _toc.yml once, in order"
        loads = [sum(minutes[c] for c in week) for week, _ in plan]
        assert loads == [stated for _, stated in plan], f"{weeks}-week plan: stated minutes differ from the table"
        assert max(loads) <= 1.35 * min(loads), f"{weeks}-week plan is not balanced: {loads}"
    assert f"about {sum(minutes.values())} minutes" in GUIDE.read_text()


def test_prerequisites_are_stated():
    text = GUIDE.read_text()
    section = re.search(r"^## Prerequisites\n(.*?)(?=^## )", text, re.M | re.S)
    assert section, "no prerequisites section"
    for topic in ("chain rule", "matrix", "NumPy"):
        assert topic in section.group(1), topic


def test_answers_are_in_the_instructor_handouts_only():
    """The misconceptions that answer "find the bug" exercises live in instructor/answers.md (copied
    to the instructor handouts by make handouts), not in the public guide."""
    guide, key = GUIDE.read_text(), (ROOT / "instructor" / "answers.md").read_text()
    for words in ("§3.2.1", "§2.2", "§2.4", "matrix of ones", "mean or sum", "Softmax in hidden layers"):
        assert words not in guide, f"the public guide still answers: {words!r}"
    for words in ("§3.2.1", "§2.2", "§2.4", "matrix of ones", "mean or sum", "Softmax in hidden layers", "ReLU'(0)"):
        assert words in key, words
    from mlp_lib.teaching.catalogue import EXERCISES

    printed = re.findall(r'check\("([\w-]+)", "([^"]+)"\)', guide)
    assert printed, "expected the guide's example of check()"
    for name, answer in printed:
        right = {EXERCISES[name].expected, *EXERCISES[name].accepted}
        assert answer not in right and not EXERCISES[name].check(answer).ok, f"the guide prints an answer of {name}"
    for words in ("make handouts", "python tools/make_handouts.py chapters", "answers.md"):
        assert words in guide, words
