"""The derivation checker widget's front end (web/checker.js): in Chromium and under node.

Its verdicts are compared with SymPy's in tests/teaching/test_checker_page.py; here: the widget
decides in the page without a kernel, hands the answer to SymPy when a kernel answers, keeps what
the reader typed in its state, works by keyboard and fits a phone.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from mlp_lib.teaching.catalogue import EXERCISES
from mlp_lib.widgets.derivation_checker import DerivationChecker

from helpers import NODE, PHONE


def _verdict_text(page) -> str:
    page.wait_for_function("document.querySelector('.chk-result').textContent.trim().length > 0")
    return page.locator(".chk-result").inner_text()


@pytest.mark.browser
def test_page_accepts_the_right_answer_and_catches_the_sources_slip(mount_widget):
    page = mount_widget(DerivationChecker("eq2-matrix"))
    box = page.get_by_label("Your answer")
    box.fill("(W.T @ phi) * sigma(z)")  # the source's §2.2: σ where σ' belongs
    page.get_by_role("button", name="Check").click()
    text = _verdict_text(page)
    assert "✗" in text and "σ or σ'?" in text and "right answer" in text
    assert "checked in this page" in text
    box.fill("σ′(z) ∘ Wᵀ @ ϕ")
    box.press("Enter")
    page.wait_for_function("document.querySelector('.chk-result').textContent.includes('✓')")
    assert "as read: σ′(z) ∘ Wᵀ ϕ" in _verdict_text(page)
    state = page.evaluate("[window.__model.get('answer'), window.__model.get('verdict')]")
    assert state[0] == "σ′(z) ∘ Wᵀ @ ϕ" and state[1]["status"] == "correct" and state[1]["by"] == "page"


@pytest.mark.browser
def test_page_hands_the_answer_to_sympy_when_a_kernel_answers(mount_widget):
    page = mount_widget(DerivationChecker("sigmoid-bce-phi"))
    assert page.evaluate("window.__sent") == [{"type": "hello"}]
    page.evaluate("window.__emit('msg:custom', {type: 'kernel'})")
    page.get_by_label("Your answer").fill("a - y")
    page.get_by_role("button", name="Check").click()
    assert page.evaluate("window.__sent")[-1] == {"type": "check", "answer": "a - y"}
    assert "checking with SymPy" in page.locator(".chk-result").inner_text()
    verdict = {"status": "correct", "message": "correct: your answer equals the right one.", "by": "sympy"}
    page.evaluate("v => window.__model.set('verdict', v)", verdict)
    assert "checked by SymPy" in _verdict_text(page)


@pytest.mark.browser
def test_saved_answer_and_verdict_come_back(mount_widget):
    w = DerivationChecker("eq4", answer="phi")
    w.verdict = {"status": "correct", "message": "correct: saved earlier.", "by": "page"}
    page = mount_widget(w)
    assert page.get_by_label("Your answer").input_value() == "phi"
    assert "saved earlier" in _verdict_text(page)


@pytest.mark.browser
def test_keyboard_only_and_phone_width(mount_widget):
    page = mount_widget(DerivationChecker("notation-batch-preactivation"), viewport=PHONE)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id.startsWith('chk-')")
    page.keyboard.type("W@x + b@ones.T")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Check"
    page.keyboard.press("Enter")
    assert "✓" in _verdict_text(page)
    page.get_by_label("Your answer").fill("W @ x.T + b @ ones.T")  # a repair the checker accepts: proposed
    page.get_by_label("Your answer").press("Enter")
    page.wait_for_function("document.querySelector('.chk-result').textContent.includes('did you mean')")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
def test_prompts_are_typeset_and_escaped(tmp_path):
    module = tmp_path / "checker.mjs"
    module.write_text(DerivationChecker("eq4")._esm, encoding="utf-8")
    texts = [ex.title for ex in EXERCISES.values()] + [ex.prompt for ex in EXERCISES.values()]
    texts += ["∇_{a^J} L and a^{j−1}, y_i", "<b>x</b>"]
    job = tmp_path / "job.mjs"
    job.write_text(
        f"import * as M from {json.dumps(module.as_uri())};\n"
        f"const texts = {json.dumps(texts)};\n"
        "process.stdout.write(JSON.stringify(texts.map((t) => M.chkTypeset(t))));\n",
        encoding="utf-8",
    )
    out = json.loads(subprocess.run([NODE, str(job)], capture_output=True, text=True, check=True).stdout)
    assert out[-2] == "∇<sub>a<sup>J</sup></sub> L and a<sup>j−1</sup>, y<sub>i</sub>"
    assert out[-1] == "&lt;b&gt;x&lt;/b&gt;"
    for shown in out[:-2]:
        assert not re.search(r"[\^_]\{|\^[A-Za-z0-9]|\\frac", shown), shown


@pytest.mark.browser
def test_page_checks_a_derivation_line_by_line(mount_widget):
    page = mount_widget(DerivationChecker("sigmoid-bce-phi", lines=True))
    box = page.get_by_label("Your derivation (one line per step; Ctrl+Enter checks)")
    box.fill("(-y/a + (1 - y)/(1 - a))*a*(1 - a)\n-y*(1 - a) - (1 - y)*a\na - y")
    box.press("Control+Enter")
    text = _verdict_text(page)
    assert "line 2 is the first that does not equal the right answer" in text and "← first wrong line" in text
    items = page.locator(".chk-lines li")
    assert items.count() == 3 and "first wrong line" in items.nth(1).inner_text()
    assert "right answer" in text  # the first wrong line's counterexample
    box.fill("(-y/a + (1 - y)/(1 - a))*a*(1 - a)\na - y")
    page.get_by_role("button", name="Check").click()
    page.wait_for_function("document.querySelector('.chk-result').textContent.includes('every line (2)')")
