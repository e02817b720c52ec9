"""The book's matplotlib figures are legible: no text smaller than 9 CSS px, at 1280 px and on a phone.

A figure is shown at its natural width, or narrower if the column is: DESKTOP_FIGURE_PX (680 px)
at 1280 px, PHONE_FIGURE_PX (342 px) on a 390 px phone (:mod:`mlp_lib.widgets.figures`). A text
of s points is then s · px_per_inch / 72 pixels in the image (SVG: 96 px/in; a PNG: its dpi),
scaled by shown width / image width (:func:`~mlp_lib.widgets.figures.smallest_text_px`).

* The chapters show their figures with :func:`~mlp_lib.widgets.figures.show_figure`, which
  refuses a figure whose text would be under 9 px on a phone, so the strict build fails on an
  illegible one; here that check is shown to fail on a small text and to pass on the library's
  figures as the chapters draw them.
* In the built book at 390 px (browser), every figure of a cell output is shown at least
  PHONE_FIGURE_PX wide (or at its natural width if that is less), the width the computation
  assumes, and the recorded animation's slider stays inside the text column.

The explorers draw SVG in the page; their text sizes are checked in their own browser tests.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest

from mlp_lib.widgets import descent
from mlp_lib.widgets.figures import (
    DESKTOP_FIGURE_PX,
    MIN_TEXT_PX,
    PHONE_FIGURE_PX,
    check_legible,
    smallest_text_px,
    svg_width_px,
)
from mlp_lib.widgets.parameter_watch import ParameterWatch

from helpers import HTML_DIR, PHONE

SVG_FIGURES = {
    # as chapters/forward-pass.md draws it
    "learning rates compared": lambda: descent.compare_learning_rates(
        (0.05, 0.2, 0.25), steps=25, size=(4.4, 10.2), columns=1
    ),
}


@pytest.mark.parametrize("name", list(SVG_FIGURES))
def test_svg_figure_text_is_at_least_9_px(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = SVG_FIGURES[name]()
    natural = svg_width_px(fig)
    for column_px in (DESKTOP_FIGURE_PX, PHONE_FIGURE_PX):
        shown = min(natural, column_px)
        px, text = smallest_text_px(fig, shown / natural)
        assert px >= MIN_TEXT_PX, (
            f"{name}: text {text!r} is {px:.1f} px shown {shown:.0f} px wide ({fig.get_figwidth():g} in); "
            f"expected ≥ {MIN_TEXT_PX:g} px"
        )
    check_legible(fig, name)  # what show_figure checks: raises on the same figures


def test_check_legible_refuses_small_text() -> None:
    """A 9-inch figure with 8 pt text is 5.7 px on a phone: show_figure refuses it, naming the text."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.0, 3.0))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1])
    ax.tick_params(labelsize=12)
    ax.set_title("tiny title", fontsize=8)
    natural = svg_width_px(fig)
    expected = 8 * 96 / 72 * PHONE_FIGURE_PX / natural
    px, text = smallest_text_px(fig, PHONE_FIGURE_PX / natural)
    assert text == "tiny title" and px == pytest.approx(expected, rel=1e-9)
    assert px < MIN_TEXT_PX
    with pytest.raises(ValueError, match=r"'tiny title' at \d+\.\d px"):
        check_legible(fig, "the test figure")


@pytest.mark.parametrize("column_px", [DESKTOP_FIGURE_PX, PHONE_FIGURE_PX], ids=["desktop", "phone"])
def test_recorded_parameter_watch_is_legible(column_px: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The recorded run's frames (PNG at the figure's dpi) are shown at their natural size, at most the column's width."""
    from mlp_lib.widgets import parameter_watch

    figures = []
    monkeypatch.setattr(parameter_watch, "html_player", lambda fig, *a, **k: figures.append(fig) or "")
    parameter_watch.animation_html(ParameterWatch(), steps=4, frames=2)
    (fig,) = figures
    natural = fig.get_figwidth() * fig.dpi
    px, text = smallest_text_px(fig, min(column_px, natural) / natural, px_per_inch=fig.dpi)
    assert px >= MIN_TEXT_PX, f"recorded parameter watch at {column_px} px: {text!r} is {px:.1f} px"


FIGURES_AT_PHONE_WIDTH_JS = """() => {
    const col = document.querySelector('article.bd-article').getBoundingClientRect();
    const figures = [];
    for (const img of document.querySelectorAll('.cell_output img')) {
        const r = img.getBoundingClientRect();
        if (!r.width || !img.naturalWidth) continue;
        figures.push({src: img.src.split('/').pop().slice(0, 16), shown: r.width, natural: img.naturalWidth});
    }
    const sliders = Array.from(document.querySelectorAll('.animation input.anim-slider')).map(s => {
        const r = s.getBoundingClientRect();
        return {left: r.left, right: r.right, colLeft: col.left, colRight: col.right};
    });
    return {figures: figures, sliders: sliders};
}"""


def _pages_with_figures() -> list[str]:
    """Chapters with a cell output's image (a file under _images/) or a recorded animation."""
    pages = sorted(HTML_DIR.glob("chapters/*.html"))
    return [p.stem for p in pages if re.search(r'src="[./]*_images/|class="animation"', p.read_text(errors="replace"))]


@pytest.mark.browser
def test_figures_at_phone_width(new_page: Any, site: str, built_book: Any) -> None:
    """At 390 px, figures are shown ≥ PHONE_FIGURE_PX wide (or at their natural width) and sliders fit the column."""
    problems, checked = [], 0
    page, _ = new_page("widgets", viewport=PHONE)
    for name in _pages_with_figures():
        page.goto(site + f"chapters/{name}.html", wait_until="domcontentloaded")
        page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")
        found = page.evaluate(FIGURES_AT_PHONE_WIDTH_JS)
        for f in found["figures"]:
            checked += 1
            if f["shown"] < min(f["natural"], PHONE_FIGURE_PX) - 0.5:
                problems.append(f"{name}: figure {f['src']} shown {f['shown']:.0f} px wide, narrower than assumed")
        for s in found["sliders"]:
            if s["right"] > s["colRight"] + 1 or s["left"] < s["colLeft"] - 1:
                problems.append(
                    f"{name}: the animation's slider spans {s['left']:.0f}…{s['right']:.0f} px, "
                    f"past the column {s['colLeft']:.0f}…{s['colRight']:.0f}"
                )
    assert checked, "expected figures in the built chapters, found none"
    assert not problems, "\n".join(problems)
