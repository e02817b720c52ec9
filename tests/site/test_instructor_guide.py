"""The instructor guide: its playground setups load, and it covers every chapter and part."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlp_lib.widgets.session import PlaygroundConfig, Session

GUIDE = Path(__file__).resolve().parents[2] / "instructor-guide.md"
CHAPTERS = [
    "notation",
    "forward-pass",
    "four-equations",
    "eq1-output-error",
    "eq2-recursion",
    "eq3-weight-gradient",
    "eq4-bias-gradient",
    "relu-output-mse",
    "relu-hidden",
    "sigmoid-output-bce",
    "sigmoid-hidden",
    "softmax-output-cce",
    "minibatch",
    "digits-capstone",
    "playground",
]


def _json_blocks():
    return re.findall(r"```json\n(.*?)```", GUIDE.read_text(), re.S)


def test_one_playground_config_per_part():
    text = GUIDE.read_text()
    assert len(_json_blocks()) == 4
    for part in ("Part 1", "Part 2", "Part 3", "Part 4"):
        assert f"### {part}" in text


@pytest.mark.parametrize("block", _json_blocks())
def test_playground_configs_are_valid_and_reproducible(block):
    config = PlaygroundConfig.from_json(block)
    one, two = Session(config), Session(PlaygroundConfig.from_json(config.to_json()))
    one.train_steps(3)
    two.train_steps(3)
    assert one.history["train_loss"] == two.history["train_loss"]  # same seed → same numbers


def test_every_chapter_has_goals_and_minutes():
    text = GUIDE.read_text()
    for chapter in CHAPTERS:
        row = re.search(r"^\| \{doc\}`chapters/" + re.escape(chapter) + r"` \|(.+)\| (\d+) \|$", text, re.M)
        assert row, f"no row for {chapter}"
        assert 10 <= int(row.group(2)) <= 120


def test_misconceptions_and_handouts_are_covered():
    text = GUIDE.read_text()
    for words in (
        "§3.2.1",
        "§2.2",
        "§2.4",
        "matrix of ones",
        "mean or sum",
        "Softmax in hidden layers",
        "ReLU'(0)",
        "make handouts",
        "python tools/make_handouts.py chapters",
    ):
        assert words in text, words
