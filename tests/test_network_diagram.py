"""The network figure, the backward-pass step-through and the "nudge one weight" view."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import mlp_lib
from mlp_lib.widgets import network_diagram as nd

SVG_NS = "{http://www.w3.org/2000/svg}"
RAW_MARKUP = ("^{", "_(", "_{", "\\frac", "$", "\\(", "\\[")


def small_model(seed=3):
    model = mlp_lib.MLP([2, 3, 2], hidden="sigmoid", output="sigmoid", loss="mse", seed=seed)
    rng = np.random.default_rng(seed)
    for j in (1, 2):
        model.b[j] = rng.normal(scale=0.5, size=model.b[j].shape)
    return model, np.array([[0.5], [-1.0]]), np.array([[1.0], [0.0]])


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
# the step-through
# ---------------------------------------------------------------------------
def test_step_numbers_are_mlp_libs_phi_and_gradients():
    model, x, y = small_model()
    steps = nd.backward_steps(model, x, y)
    fp, g = model.forward(x), model.gradients(x, y)
    data = {k: v for s in steps for k, v in s.data.items()}
    for j in (1, 2):
        np.testing.assert_array_equal(data[f"a{j}"], fp.a[j][:, 0])
        np.testing.assert_array_equal(data[f"z{j}"], fp.z[j][:, 0])
        np.testing.assert_array_equal(data[f"phi{j}"], g.phi[j][:, 0])
        np.testing.assert_array_equal(data[f"dW{j}"], g.dW[j])
        np.testing.assert_array_equal(data[f"db{j}"], g.db[j][:, 0])
    assert data["L"] == g.loss
    # Eq. (2) in two halves: the pieces multiply to mlp_lib's ϕ¹ (an independent recomputation).
    np.testing.assert_allclose(data["back1"] * data["dsigma1"], g.phi[1][:, 0], rtol=1e-14)
    np.testing.assert_allclose(data["grad_a"] * data["dsigma2"], g.phi[2][:, 0], rtol=1e-14)
    np.testing.assert_allclose(np.outer(data["phi2"], data["a1"]), g.dW[2], rtol=1e-14)


def test_steps_follow_the_equations_in_order():
    model, x, y = small_model()
    eqs = [s.equation for s in nd.backward_steps(model, x, y) if s.equation.startswith("Eq.")]
    assert eqs == ["Eq. (1)", "Eq. (2)", "Eq. (2)", "Eq. (3)", "Eq. (3)", "Eq. (4)"]
    deep = mlp_lib.MLP([2, 3, 3, 1], hidden="tanh", seed=0)
    eqs = [s.equation for s in nd.backward_steps(deep, [[0.3], [0.1]], [[1.0]]) if s.equation.startswith("Eq.")]
    assert eqs == ["Eq. (1)"] + ["Eq. (2)"] * 4 + ["Eq. (3)"] * 3 + ["Eq. (4)"]


def test_stepper_frames_show_the_same_numbers():
    model, x, y = small_model()
    html = nd.backward_stepper_html(model, x, y)
    steps = nd.backward_steps(model, x, y)
    svgs = all_svgs(html)
    assert len(svgs) == len(steps) == html.count('class="nd-frame"') == html.count('class="nd-caption"')
    g = model.gradients(x, y)
    # The Eq. (3) frames print ∇w^j as a matrix: parse its cells back.
    for j in (2, 1):
        n = next(i for i, s in enumerate(steps) if s.title == f"Eq. (3), layer {j}")
        cells = [t.text for t in parse(svgs[n]).iter(f"{SVG_NS}text") if t.get("class") == "cell"]
        back = np.array([float(c.replace("−", "-").replace("·10", "e")) for c in cells]).reshape(g.dW[j].shape)
        np.testing.assert_allclose(back, g.dW[j], rtol=6e-3)
    # The Eq. (1) frame labels each output unit with ϕ_i^2 = (mlp_lib's value).
    n = next(i for i, s in enumerate(steps) if s.equation == "Eq. (1)")
    text = " ".join("".join(t.itertext()) for t in parse(svgs[n]).iter(f"{SVG_NS}text"))
    for i in range(2):
        assert nd._fmt(g.phi[2][i, 0]) in text


def test_stepper_html_is_self_contained_with_unique_ids():
    model, x, y = small_model()
    a, b = nd.backward_stepper_html(model, x, y), nd.backward_stepper_html(model, x, y)
    ids_a, ids_b = set(re.findall(r'id="([^"]+)"', a)), set(re.findall(r'id="([^"]+)"', b))
    assert ids_a and not ids_a & ids_b
    assert len(re.findall(r'id="([^"]+)"', a)) == len(ids_a)  # no duplicate id within one widget
    assert "<script>" in a and "http://" not in a.replace("http://www.w3.org/2000/svg", "") and "https://" not in a
    assert "Prev" in a and "Next" in a


def test_stepper_refuses_big_networks_and_batches():
    with pytest.raises(ValueError, match="small network"):
        nd.backward_stepper_html(mlp_lib.MLP([8, 3, 2]), np.zeros((8, 1)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="one sample"):
        nd.backward_steps(mlp_lib.MLP([2, 3, 2]), np.zeros((2, 4)), np.zeros((2, 4)))


# ---------------------------------------------------------------------------
# nudge one weight
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("j,i,k", [(1, 2, 1), (1, 3, 2), (2, 1, 3)])
def test_nudge_prediction_is_phi_a_eps_and_matches_the_actual_change_to_first_order(j, i, k):
    model, x, y = small_model()
    d = nd.nudge_data(model, x, y, j, i, k, eps_max=1.0, n=41)
    g, fp = model.gradients(x, y), model.forward(x)
    assert d["phi"] == g.phi[j][i - 1, 0] and d["a"] == fp.a[j - 1][k - 1, 0]
    np.testing.assert_array_equal(d["predicted"], d["phi"] * d["a"] * d["eps"])
    assert d["gradient"] == pytest.approx(d["phi"] * d["a"], rel=1e-14)  # Eq. (3), one sample
    assert len(d["eps"]) == 41 and d["actual"][20] == 0.0 and d["eps"][20] == 0.0
    # The actual change is a real forward pass: recompute one point independently.
    twin = model.copy()
    twin.W[j][i - 1, k - 1] += d["eps"][30]
    assert d["actual"][30] == pytest.approx(twin.loss_value(x, y) - model.loss_value(x, y), rel=1e-12)
    # ΔL − ϕ a ε = O(ε²): the relative gap shrinks in proportion to ε as ε → 0.
    gaps = []
    for eps_max in (1e-1, 1e-2, 1e-3):
        small = nd.nudge_data(model, x, y, j, i, k, eps_max=eps_max, n=3)
        gaps.append(abs(small["actual"][-1] - small["predicted"][-1]) / abs(small["predicted"][-1]))
    assert gaps[2] < 1e-3
    assert gaps[1] < gaps[0] / 5 and gaps[2] < gaps[1] / 5


def test_nudge_prediction_would_catch_a_swapped_index():
    """w_{k,i} in place of w_{i,k} (or the wrong ϕ) gives a slope the actual loss does not follow."""
    model, x, y = small_model()
    d = nd.nudge_data(model, x, y, 1, 2, 1, eps_max=1e-3, n=3)
    slope = (d["actual"][-1] - d["actual"][0]) / (d["eps"][-1] - d["eps"][0])
    g, fp = model.gradients(x, y), model.forward(x)
    assert slope == pytest.approx(g.phi[1][1, 0] * fp.a[0][0, 0], rel=1e-5)
    assert slope != pytest.approx(g.phi[1][0, 0] * fp.a[0][1, 0], rel=1e-2)


def test_nudge_html_is_self_contained():
    model, x, y = small_model()
    html = nd.nudge_html(model, x, y, 1, 2, 1, eps_max=2.0)
    assert 'type="range"' in html and "<script>" in html and "https://" not in html
    assert len(all_svgs(html)) == 2
    for svg in all_svgs(html):
        root = parse(svg)
        assert root.get("width") == "100%" and root.get("role") == "img"
    data = re.search(r"var d = (\{.*?\});", html).group(1)
    assert data.count(",") > 41 * 4
    with pytest.raises(ValueError):
        nd.nudge_data(model, x, y, 3, 1, 1)
    with pytest.raises(ValueError, match="one sample"):
        nd.nudge_data(model, np.zeros((2, 2)), np.zeros((2, 2)), 1, 1, 1)


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
        nd.backward_stepper_html(model, x, y),
        nd.nudge_html(model, x, y, 2, 1, 3),
    ]
    for out in outputs:
        visible = re.sub(r"<script>.*?</script>", "", out, flags=re.S)
        visible = re.sub(r"<[^>]+>", " ", visible)  # the text a reader sees
        assert_no_raw_markup(visible)
    for step in nd.backward_steps(model, x, y):
        assert_no_raw_markup(re.sub(r"<[^>]+>", " ", step.caption + step.title))
