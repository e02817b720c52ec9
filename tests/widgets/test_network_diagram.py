"""The network figure (plain SVG from an MLP): units, edges, the highlighted weight and unit."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from mlp_lib.widgets import network_diagram as nd

from helpers import tiny_sigmoid_model

SVG_NS = "{http://www.w3.org/2000/svg}"
RAW_MARKUP = ("^{", "_(", "_{", "\\frac", "$", "\\(", "\\[")


small_model = tiny_sigmoid_model


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def units(root):
    return {
        c.get("data-unit"): (float(c.get("cx")), float(c.get("cy")))
        for c in root.iter(f"{SVG_NS}circle")
        if c.get("data-unit")
    }


def edges(root, color=None):
    return [e for e in root.iter(f"{SVG_NS}line") if e.get("data-edge") and (color is None or e.get("stroke") == color)]


def all_svgs(html: str) -> list:
    return re.findall(r"<svg.*?</svg>", html, flags=re.S)


def assert_no_raw_markup(text: str):
    for raw in RAW_MARKUP:
        assert raw not in text, f"raw markup {raw!r} in …{text[max(0, text.find(raw) - 60) : text.find(raw) + 60]}…"


# ---------------------------------------------------------------------------
# the network figure
# ---------------------------------------------------------------------------
def test_one_circle_per_unit_and_every_edge():
    root = parse(nd.network_svg([2, 3, 2]))
    assert sorted(units(root)) == sorted(f"{j},{i}" for j, n in enumerate([2, 3, 2]) for i in range(1, n + 1))
    assert len(list(root.iter(f"{SVG_NS}circle"))) == 7
    drawn = sorted(e.get("data-edge") for e in edges(root))
    assert drawn == sorted(
        f"{j},{i},{k}"
        for j, (n_prev, n) in enumerate([(2, 3), (3, 2)], start=1)
        for i in range(1, n + 1)
        for k in range(1, n_prev + 1)
    )


def test_sizes_from_a_model_equal_sizes_from_a_list():
    model, _, _ = small_model()
    assert units(parse(nd.network_svg(model))) == units(parse(nd.network_svg([2, 3, 2])))


@pytest.mark.parametrize("edge", [(1, 2, 1), (2, 1, 3), (2, 2, 2)])
def test_highlighted_edge_connects_unit_k_of_layer_j_minus_1_to_unit_i_of_layer_j(edge):
    j, i, k = edge
    model, _, _ = small_model()
    root = parse(nd.network_svg(model, edge=edge))
    (line,) = edges(root, nd.HIGHLIGHT)
    assert line.get("data-edge") == f"{j},{i},{k}"
    pos = units(root)
    start, end = pos[f"{j - 1},{k}"], pos[f"{j},{i}"]
    x1, y1, x2, y2 = (float(line.get(a)) for a in ("x1", "y1", "x2", "y2"))
    # The line stops at the circles: its ends lie just outside unit k (left) and unit i (right).
    assert math.dist((x1, y1), start) == pytest.approx(18, abs=0.2)
    assert math.dist((x2, y2), end) == pytest.approx(18, abs=0.2)
    assert float(line.get("stroke-width")) > 2
    # ...and the label names it w_{i,k}^j with the model's value.
    label = next(t for t in root.iter(f"{SVG_NS}text") if t.get("fill") == nd.HIGHLIGHT)
    spans = [s.text for s in label.iter(f"{SVG_NS}tspan")]
    assert label.text == "w" and spans[:2] == [f"{i},{k}", str(j)]
    assert nd._fmt(model.W[j][i - 1, k - 1]) in "".join(label.itertext())


def test_highlighted_unit_shows_z_and_sigma_of_z_with_values():
    model, x, _ = small_model()
    fp = model.forward(x)
    svg = nd.network_svg(model, edge=(1, 2, 1), unit=(1, 2), values=fp)
    text = " ".join("".join(t.itertext()) for t in parse(svg).iter(f"{SVG_NS}text"))
    assert "= σ(z" in text
    assert nd._fmt(fp.z[1][1, 0]) in text and nd._fmt(fp.a[1][1, 0]) in text


def test_large_layers_show_a_few_units_and_an_ellipsis():
    svg = nd.network_svg([64, 32, 10], edge=(1, 5, 40))
    root = parse(svg)
    shown = units(root)
    assert {u for u in shown if u.startswith("0,")} == {"0,1", "0,2", "0,3", "0,40", "0,64"}
    assert {u for u in shown if u.startswith("1,")} == {"1,1", "1,2", "1,3", "1,5", "1,32"}
    assert {u for u in shown if u.startswith("2,")} == {"2,1", "2,2", "2,3", "2,10"}
    ellipses = [t for t in root.iter(f"{SVG_NS}text") if t.get("class") == "ellipsis"]
    assert len(ellipses) == 2 + 2 + 1 and all(t.text == "⋮" for t in ellipses)
    assert nd.shown_units(64, 5) == [1, 2, 3, None, 64]
    assert nd.shown_units(4, 5) == [1, 2, 3, 4]


def test_svg_is_responsive_accessible_and_legible():
    svg = nd.network_svg([2, 3, 2], edge=(2, 1, 3), unit=(1, 2))
    root = parse(svg)
    assert root.get("viewBox").startswith("0 0 720 ") and root.get("width") == "100%"
    assert "max-width:720px" in root.get("style") and "height:auto" in root.get("style")
    assert root.get("role") == "img" and root.get("aria-label")
    assert root.find(f"{SVG_NS}title").text == root.get("aria-label")
    sizes = [float(e.get("font-size")) for e in root.iter() if e.get("font-size")]
    assert min(sizes) >= 10  # viewBox 720 wide at most 720 px: ≥ 10 px on screen at full width


def test_compact_drawing_is_narrower_with_the_same_network_and_numbers():
    """The phone drawing: a 440-wide picture (same units, edges and highlighted weight), numbers without the formula."""
    model, x, _ = small_model()
    fp = model.forward(x)
    wide = parse(nd.network_svg(model, edge=(1, 2, 1), unit=(1, 2), values=fp))
    narrow = parse(nd.network_svg(model, edge=(1, 2, 1), unit=(1, 2), values=fp, compact=True))
    assert narrow.get("viewBox").startswith("0 0 440 ") and wide.get("viewBox").startswith("0 0 720 ")
    assert sorted(units(narrow)) == sorted(units(wide))
    assert sorted(e.get("data-edge") for e in edges(narrow)) == sorted(e.get("data-edge") for e in edges(wide))
    text = " ".join("".join(t.itertext()) for t in narrow.iter(f"{SVG_NS}text"))
    for value in (fp.z[1][1, 0], fp.a[1][1, 0], model.W[1][1, 0]):
        assert nd._fmt(value) in text
    assert "Σ" in " ".join("".join(t.itertext()) for t in wide.iter(f"{SVG_NS}text")) and "Σ" not in text
    # every label inside the picture: the estimated extent of each text, from its anchor
    width = 440
    for t in narrow.iter(f"{SVG_NS}text"):
        body = "".join(t.itertext()).replace("\u200b", "")
        size, x0 = float(t.get("font-size")), float(t.get("x"))
        extent = 0.56 * size * len(body)
        left = {"start": x0, "middle": x0 - extent / 2, "end": x0 - extent}[t.get("text-anchor")]
        assert -1 <= left and left + extent <= width + 1, f"{body!r} at x = {x0} runs out of the picture"


def test_network_figure_holds_both_drawings():
    html = nd.network_figure([3, 4, 2], "the caption", edge=(1, 2, 3), unit=(1, 2))
    svgs = all_svgs(html)
    assert len(svgs) == 2 and 'class="nd-wide"' in html and 'class="nd-compact"' in html
    assert [parse(svg).get("viewBox").split()[2] for svg in svgs] == ["720", "440"]
    assert "<figcaption" in html and "the caption" in html


def test_bad_arguments():
    with pytest.raises(ValueError, match="edge"):
        nd.network_svg([2, 3, 2], edge=(2, 3, 1))  # layer 2 has no unit 3
    with pytest.raises(ValueError, match="edge"):
        nd.network_svg([2, 3, 2], edge=(0, 1, 1))
    with pytest.raises(ValueError, match="unit"):
        nd.network_svg([2, 3, 2], unit=(3, 1))
    with pytest.raises(TypeError, match="MLP or a list"):
        nd.network_svg(None)
    with pytest.raises(ValueError, match="two positive"):
        nd.network_svg([3])


# ---------------------------------------------------------------------------
# no raw markup anywhere
# ---------------------------------------------------------------------------
def test_no_tex_like_markup_in_any_output():
    model, x, y = small_model()
    fp = model.forward(x)
    outputs = [
        nd.network_svg(model, edge=(2, 1, 3), unit=(1, 2), values=fp),
        nd.network_svg([64, 32, 10], edge=(1, 5, 40), unit=(2, 10)),
        nd.figure_html(nd.network_svg([2, 3, 2]), "caption"),
    ]
    for out in outputs:
        visible = re.sub(r"<script>.*?</script>", "", out, flags=re.S)
        visible = re.sub(r"<[^>]+>", " ", visible)  # the text a reader sees
        assert_no_raw_markup(visible)
