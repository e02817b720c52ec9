"""The network figure: NetworkDiagram's checks in Python, its drawing (web/network.js) under node, the widget in Chromium.

The drawing is the page's: ``netDiagramSvg`` of the widget's own ES module (exactly the text
Python sends) runs under node (``explorer_driver.mjs``) and its SVG is parsed here: units, edges,
the highlighted weight and unit with mlp_lib's numbers, the "⋮" of large layers, the text
alternative, the compact drawing for phones. In Chromium (``mount_widget``) the widget shows one
figure with its caption, the wide picture at 1280 px and the compact one at 390 px.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import traitlets

import mlp_lib
from mlp_lib.widgets.network_diagram import NetworkDiagram

from helpers import NODE, PHONE, run_node, tiny_sigmoid_model

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "explorer_driver.mjs"
SVG_NS = "{http://www.w3.org/2000/svg}"
HIGHLIGHT, GRADIENT = "#1f5fbf", "#b35c00"
RAW_MARKUP = ("^{", "_(", "_{", "\\frac", "$", "\\(", "\\[")
needs_node = pytest.mark.skipif(
    NODE is None, reason="node is not installed (Debian package nodejs): the page's module cannot be run"
)


def three_digits(v: float) -> str:
    """A number as the figure writes it (3 significant digits, a real minus sign), for values in 1e-4 … 1e3."""
    assert 1e-4 <= abs(v) < 1e3
    return f"{v:.3g}".replace("-", "−")


def draw(tmp_path: Path, calls: list) -> list:
    """Results of the page's functions (``[name, args]``) of NetworkDiagram's module, run under node."""
    module = tmp_path / "network_diagram_esm.mjs"
    module.write_text(NetworkDiagram._esm, encoding="utf-8")
    results = run_node(DRIVER, module, [{"fn": fn, "args": args} for fn, args in calls])
    for result in results:
        assert not (isinstance(result, dict) and "error" in result), result
    return results


def options(diagram: NetworkDiagram, compact: bool = False) -> dict:
    """The drawing options the front end passes to netDiagramSvg for this widget's traits."""
    return {
        "edge": diagram.edge or None,
        "unit": diagram.unit or None,
        "weight": diagram.weight,
        "values": diagram.values or None,
        "maxUnits": diagram.max_units,
        "title": diagram.title,
        "compact": compact,
        "uid": "t",
    }


def units(root):
    return {
        c.get("data-unit"): (float(c.get("cx")), float(c.get("cy")))
        for c in root.iter(f"{SVG_NS}circle")
        if c.get("data-unit")
    }


def edges(root, color=None):
    return [e for e in root.iter(f"{SVG_NS}line") if e.get("data-edge") and (color is None or e.get("stroke") == color)]


def texts(root) -> str:
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG_NS}text"))


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    """The SVGs of a few diagrams (wide and compact), drawn once by the page's renderer."""
    model, x, _ = tiny_sigmoid_model()
    fp = model.forward(x)
    cases = {
        "plain": NetworkDiagram([2, 3, 2]),
        "model": NetworkDiagram(model),
        "large": NetworkDiagram([64, 32, 10], edge=(1, 5, 40), unit=(2, 10)),
        "values": NetworkDiagram(model, edge=(1, 2, 1), unit=(1, 2), values=fp),
        "labelled": NetworkDiagram([2, 3, 2], edge=(2, 1, 3), unit=(1, 2), title="my picture"),
    }
    cases |= {f"edge{e}": NetworkDiagram(model, edge=e) for e in [(1, 2, 1), (2, 1, 3), (2, 2, 2)]}
    calls = [["netDiagramSvg", [d.sizes, options(d, compact)]] for d in cases.values() for compact in (False, True)]
    svgs = iter(draw(tmp_path_factory.mktemp("diagram"), calls))
    drawn = {name: {"wide": next(svgs), "compact": next(svgs)} for name in cases}
    return {"model": model, "fp": fp, "svg": drawn, "root": {k: ET.fromstring(v["wide"]) for k, v in drawn.items()}}


# ---------------------------------------------------------------------------
# the drawing (web/network.js under node)
# ---------------------------------------------------------------------------
@needs_node
def test_one_circle_per_unit_and_every_edge(figures):
    root = figures["root"]["plain"]
    assert sorted(units(root)) == sorted(f"{j},{i}" for j, n in enumerate([2, 3, 2]) for i in range(1, n + 1))
    assert len(list(root.iter(f"{SVG_NS}circle"))) == 7
    drawn = sorted(e.get("data-edge") for e in edges(root))
    assert drawn == sorted(
        f"{j},{i},{k}"
        for j, (n_prev, n) in enumerate([(2, 3), (3, 2)], start=1)
        for i in range(1, n + 1)
        for k in range(1, n_prev + 1)
    )
    assert units(figures["root"]["model"]) == units(root)  # sizes from a model = sizes from a list
    # n_j under each column
    footers = ["".join(t.itertext()).replace("\u200b", "") for t in root.iter(f"{SVG_NS}text")]
    assert [f for f in footers if re.fullmatch(r"n\d = \d+", f)] == ["n0 = 2", "n1 = 3", "n2 = 2"]


@needs_node
@pytest.mark.parametrize("edge", [(1, 2, 1), (2, 1, 3), (2, 2, 2)])
def test_highlighted_edge_connects_unit_k_of_layer_j_minus_1_to_unit_i_of_layer_j(figures, edge):
    j, i, k = edge
    model, root = figures["model"], figures["root"][f"edge{edge}"]
    (line,) = edges(root, HIGHLIGHT)
    assert line.get("data-edge") == f"{j},{i},{k}"
    pos = units(root)
    start, end = pos[f"{j - 1},{k}"], pos[f"{j},{i}"]
    x1, y1, x2, y2 = (float(line.get(a)) for a in ("x1", "y1", "x2", "y2"))
    # The line stops at the circles: its ends lie just outside unit k (left) and unit i (right).
    assert math.dist((x1, y1), start) == pytest.approx(18, abs=0.2)
    assert math.dist((x2, y2), end) == pytest.approx(18, abs=0.2)
    assert float(line.get("stroke-width")) > 2
    # ...and the label names it w_{i,k}^j with the model's value.
    label = next(t for t in root.iter(f"{SVG_NS}text") if t.get("fill") == HIGHLIGHT)
    spans = [s.text for s in label.iter(f"{SVG_NS}tspan")]
    assert label.text == "w" and spans[:2] == [f"{i},{k}", str(j)]
    assert three_digits(model.W[j][i - 1, k - 1]) in "".join(label.itertext())


@needs_node
def test_highlighted_unit_shows_z_and_sigma_of_z_with_mlp_libs_values(figures):
    fp = figures["fp"]
    wide, compact = figures["root"]["values"], ET.fromstring(figures["svg"]["values"]["compact"])
    for root in (wide, compact):
        shown = texts(root)
        assert three_digits(fp.z[1][1, 0]) in shown and three_digits(fp.a[1][1, 0]) in shown
    assert "= σ(z" in texts(wide) and "Σ" in texts(wide)
    assert "Σ" not in texts(compact)  # the phone drawing: the numbers without the formula
    ring = [c for c in wide.iter(f"{SVG_NS}circle") if c.get("stroke") == GRADIENT]
    assert len(ring) == 1 and (float(ring[0].get("cx")), float(ring[0].get("cy"))) == units(wide)["1,2"]


@needs_node
def test_large_layers_show_a_few_units_and_an_ellipsis(figures, tmp_path):
    root = figures["root"]["large"]
    shown = units(root)
    assert {u for u in shown if u.startswith("0,")} == {"0,1", "0,2", "0,3", "0,40", "0,64"}
    assert {u for u in shown if u.startswith("1,")} == {"1,1", "1,2", "1,3", "1,5", "1,32"}
    assert {u for u in shown if u.startswith("2,")} == {"2,1", "2,2", "2,3", "2,10"}
    ellipses = [t for t in root.iter(f"{SVG_NS}text") if t.get("class") == "ellipsis"]
    assert len(ellipses) == 2 + 2 + 1 and all(t.text == "⋮" for t in ellipses)
    got = draw(tmp_path, [["netShownUnits", [64, 5]], ["netShownUnits", [4, 5]], ["netShownUnits", [9, 4, [6]]]])
    assert got == [[1, 2, 3, None, 64], [1, 2, 3, 4], [1, 2, None, 6, None, 9]]


@needs_node
def test_svg_is_responsive_accessible_and_legible(figures):
    for name, root in figures["root"].items():
        assert root.get("viewBox").startswith("0 0 720 ") and root.get("width") == "100%"
        assert "max-width:720px" in root.get("style") and "height:auto" in root.get("style")
        assert root.get("role") == "img" and root.get("aria-label"), name
        assert root.find(f"{SVG_NS}title").text == root.get("aria-label")
        sizes = [float(e.get("font-size")) for e in root.iter() if e.get("font-size")]
        assert min(sizes) >= 10  # viewBox 720 wide at most 720 px: ≥ 10 px on screen at full width
    label = figures["root"]["large"].get("aria-label")
    assert label.startswith("A network with layer sizes 64, 32, 10: the input and 2 layer(s) as columns")
    assert "from unit 40 of layer 0 to unit 5 of layer 1 is highlighted" in label and "unit 10 of layer 2" in label
    assert figures["root"]["labelled"].get("aria-label") == "my picture"


@needs_node
def test_compact_drawing_is_narrower_with_the_same_network_and_numbers(figures):
    """The phone drawing: a 440-wide picture (same units, edges and highlighted weight), every label inside it."""
    model = figures["model"]
    wide, narrow = figures["root"]["values"], ET.fromstring(figures["svg"]["values"]["compact"])
    assert narrow.get("viewBox").startswith("0 0 440 ")
    assert sorted(units(narrow)) == sorted(units(wide))
    assert sorted(e.get("data-edge") for e in edges(narrow)) == sorted(e.get("data-edge") for e in edges(wide))
    assert three_digits(model.W[1][1, 0]) in texts(narrow)
    # every label inside the picture: the estimated extent of each text, from its anchor
    for t in narrow.iter(f"{SVG_NS}text"):
        body = "".join(t.itertext()).replace("\u200b", "")
        size, x0 = float(t.get("font-size")), float(t.get("x"))
        extent = 0.56 * size * len(body)
        left = {"start": x0, "middle": x0 - extent / 2, "end": x0 - extent}[t.get("text-anchor")]
        assert -1 <= left and left + extent <= 440 + 1, f"{body!r} at x = {x0} runs out of the picture"


@needs_node
def test_no_tex_like_markup_in_any_drawing(figures):
    for pair in figures["svg"].values():
        for svg in pair.values():
            visible = re.sub(r"<[^>]+>", " ", svg)  # the text a reader sees
            for raw in RAW_MARKUP:
                assert raw not in visible, (raw, visible[max(0, visible.find(raw) - 60) :][:120])


# ---------------------------------------------------------------------------
# the widget's Python side
# ---------------------------------------------------------------------------
def test_the_widget_sends_the_sizes_the_highlights_and_mlp_libs_numbers():
    model, x, _ = tiny_sigmoid_model()
    fp = model.forward(x)
    d = NetworkDiagram(model, "a <sub>caption</sub>", edge=(2, 1, 3), unit=(1, 2), values=fp)
    assert d.sizes == [2, 3, 2] and d.edge == [2, 1, 3] and d.unit == [1, 2]
    assert d.weight == model.W[2][0, 2] and d.values == [fp.z[1][1, 0], fp.a[1][1, 0]]
    assert d.caption == "a <sub>caption</sub>" and d.title == "" and d.max_units == 5
    plain = NetworkDiagram([3, 4, 2], edge=(1, 2, 3))
    assert plain.weight is None and plain.values == [] and plain.unit == []  # no model: no value to show
    assert "export function netDiagramSvg" in d._esm and "export default { render }" in d._esm


def test_bad_arguments_get_clear_errors():
    model, x, _ = tiny_sigmoid_model()
    with pytest.raises(ValueError, match=r"expected edge \(j, i, k\) with 1 ≤ j ≤ 2"):
        NetworkDiagram([2, 3, 2], edge=(2, 3, 1))  # layer 2 has no unit 3
    with pytest.raises(ValueError, match="expected edge"):
        NetworkDiagram([2, 3, 2], edge=(0, 1, 1))
    with pytest.raises(ValueError, match=r"expected edge \(j, i, k\), 3 whole numbers"):
        NetworkDiagram([2, 3, 2], edge=(1, 2))
    with pytest.raises(ValueError, match=r"expected unit \(j, i\) with 1 ≤ j ≤ 2"):
        NetworkDiagram([2, 3, 2], unit=(3, 1))
    with pytest.raises(TypeError, match="MLP or a list"):
        NetworkDiagram(None)
    with pytest.raises(TypeError, match="whole layer sizes"):
        NetworkDiagram([2, 3.5, 2])
    with pytest.raises(ValueError, match="two positive"):
        NetworkDiagram([3])
    with pytest.raises(TypeError, match="expected caption to be a string"):
        NetworkDiagram([2, 3, 2], 42)
    with pytest.raises(TypeError, match="ForwardPass"):
        NetworkDiagram(model, unit=(1, 2), values=np.zeros(3))
    with pytest.raises(ValueError, match="values without a unit"):
        NetworkDiagram(model, values=model.forward(x))
    other = mlp_lib.MLP([2, 4, 2])
    with pytest.raises(ValueError, match=r"expected a forward pass of a network with layer sizes \[2, 3, 2\]"):
        NetworkDiagram(model, unit=(1, 2), values=other.forward(x))
    with pytest.raises(ValueError, match="expected max_units in 3"):
        NetworkDiagram([2, 3, 2], max_units=2)


def test_refused_traits_leave_the_figure_as_it_was():
    d = NetworkDiagram([3, 4, 2], "caption", edge=(1, 2, 3), unit=(1, 2))
    for trait, value, message in [
        ("edge", [2, 3, 1], "could not set edge: expected edge"),
        ("unit", [3, 1], "could not set unit: expected unit"),
        ("sizes", [3], "could not set sizes: expected at least two positive"),
        ("sizes", [3, 1, 2], "could not set sizes: expected edge"),  # the edge's unit 2 of layer 1 would be gone
        ("values", [1.0, float("nan")], "could not set values"),
        ("max_width", 10, "could not set max_width"),
    ]:
        before = getattr(d, trait)
        with pytest.raises(traitlets.TraitError, match=message):
            setattr(d, trait, value)
        assert getattr(d, trait) == before, f"a refused {trait} changed the figure"
    d.edge = []  # no highlighted edge is allowed
    assert d.edge == []


# ---------------------------------------------------------------------------
# the widget in Chromium
# ---------------------------------------------------------------------------
FIGURE_JS = """() => {
    const svg = document.querySelector('figure.mlp-network-figure svg');
    const scale = svg.getBoundingClientRect().width / Number(svg.getAttribute('viewBox').split(' ')[2]);
    const sizes = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim())
        .map(t => Number(t.getAttribute('font-size')) * scale);
    return {viewBox: svg.getAttribute('viewBox'), label: svg.getAttribute('aria-label'), role: svg.getAttribute('role'),
            smallest: Math.min(...sizes), caption: document.querySelector('figcaption').innerHTML,
            scroll: document.documentElement.scrollWidth, figures: document.querySelectorAll('svg').length};
}"""


@pytest.mark.browser
def test_the_widget_draws_the_wide_figure_on_a_desktop_and_the_compact_one_on_a_phone(mount_widget):
    model = mlp_lib.MLP([2, 3, 2], hidden="tanh", output="identity", seed=0)
    fp = model.forward(np.array([[0.5], [-1.0]]))
    caption = (
        'z<sub>2</sub><sup>1</sup> of <code>demo.forward(x)</code><img src=x onerror="window.bad=1"><b style="x">!</b>'
    )
    widget = NetworkDiagram(model, caption, edge=(1, 2, 1), unit=(1, 2), values=fp)
    desktop = mount_widget(widget).evaluate(FIGURE_JS)
    assert desktop["viewBox"].startswith("0 0 720 ") and desktop["role"] == "img" and desktop["figures"] == 1
    assert desktop["label"].startswith("A network with layer sizes 2, 3, 2")
    # the allowed tags stay, without their attributes; the rest is dropped
    assert desktop["caption"] == "z<sub>2</sub><sup>1</sup> of <code>demo.forward(x)</code><b>!</b>"
    assert desktop["smallest"] >= 10
    page = mount_widget(widget, viewport=PHONE)
    phone = page.evaluate(FIGURE_JS)
    assert phone["viewBox"].startswith("0 0 440 ") and phone["label"] == desktop["label"]
    assert phone["smallest"] >= 9, f"text of {phone['smallest']:.1f} px on a phone"
    assert phone["scroll"] <= PHONE["width"]
    assert page.evaluate("window.bad") is None
    # Python changes the figure: the page draws it again
    page.evaluate("window.__model.set('edge', [1, 3, 2])")
    assert page.locator('line[data-edge="1,3,2"][stroke="#1f5fbf"]').count() == 1
