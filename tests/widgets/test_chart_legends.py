"""Chart legends stay inside their chart (ui.js's uiChart), at 1280 and 390 px, for 1 to 8 layers.

Each chart is drawn by ui.js in Chromium with one labelled line per layer (short and long labels),
three charts side by side as the explorers show them, and the legend's drawn box (SVG getBBox, so
the real text widths) is compared with the chart: inside the SVG's viewBox; inside the plot when
it sits in a corner; below the plot, clear of it, when it is too big for a corner.
"""

from __future__ import annotations

from typing import Any

import pytest

from helpers import DESKTOP, PHONE, ROOT

UI_JS = ROOT / "mlp_lib" / "widgets" / "web" / "ui.js"

DRAW_JS = """([layers, long]) => {
    const label = (j) => long ? `‖∇w${j} L‖, layer ${j}${j === layers ? ' (output)' : ''}` : `layer ${j}`;
    const lines = Array.from({length: layers}, (_, k) => ({
        x: [0, 1, 2, 3, 4], y: [0.1, 0.3 + 0.1 * k, 0.5, 0.7 - 0.05 * k, 0.9], label: label(k + 1)}));
    const spec = {title: 'dead units over training', xLabel: 'step', yLabel: 'fraction', width: 260, height: 220,
                  legend: 'upper left', lines, summary: 'test chart'};
    window.__figure.draw([spec, {...spec, width: 320, height: 230, legend: 'best'}, {...spec, legend: 'lower right'}]);
    return Array.from(document.querySelectorAll('.ui-chart svg')).map(svg => {
        const vb = svg.viewBox.baseVal, plot = svg.querySelector('rect[stroke="#888"]').getBBox();
        const legend = svg.querySelector('.ui-legend');
        const box = legend ? legend.getBBox() : null;
        return {vb: [vb.x, vb.y, vb.width, vb.height], plot: [plot.x, plot.y, plot.width, plot.height],
                legend: box && [box.x, box.y, box.width, box.height], shown: svg.getBoundingClientRect().width};
    });
}"""


@pytest.fixture(scope="module")
def chart_pages(browser: Any) -> Any:
    """{"desktop": page, "phone": page}: an empty page at each width with ui.js's uiFigure in a panel."""
    module = (
        UI_JS.read_text()
        + "\nwindow.__figure = uiFigure();"
        + "\nuiPanel(document.getElementById('host'), 'charts').append(window.__figure.el);\n"
    )
    pages = {}
    contexts = []
    for kind, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_content("<!doctype html><html><body><div id='host'></div></body></html>")
        page.add_script_tag(content=module, type="module")
        page.wait_for_function("() => window.__figure !== undefined")
        pages[kind] = page
    yield pages
    for context in contexts:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_legends_fit_their_charts(chart_pages: dict, kind: str) -> None:
    page = chart_pages[kind]
    problems = []
    eps = 0.5
    for layers in range(1, 9):
        for long in (False, True):
            for n, c in enumerate(page.evaluate(DRAW_JS, [layers, long])):
                where = f"{layers} layers, {'long' if long else 'short'} labels, chart {n + 1}"
                assert c["legend"], f"{where}: no legend drawn"
                vx, vy, vw, vh = c["vb"]
                lx, ly, lw, lh = c["legend"]
                px, py, pw, ph = c["plot"]
                if lx < vx - eps or ly < vy - eps or lx + lw > vx + vw + eps or ly + lh > vy + vh + eps:
                    problems.append(f"{where}: legend {c['legend']} outside the chart's viewBox {c['vb']}")
                inside = ly < py + ph
                if inside and (lx < px - eps or ly < py - eps or lx + lw > px + pw + eps or ly + lh > py + ph + eps):
                    problems.append(f"{where}: legend {c['legend']} overruns the plot {c['plot']}")
                if inside and lh > 0.5 * ph:
                    problems.append(f"{where}: legend covers {lh / ph:.0%} of the plot's height")
                if c["shown"] <= 0:
                    problems.append(f"{where}: chart not shown")
    assert not problems, "\n".join(problems[:20])
