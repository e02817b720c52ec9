"""The initialization explorer: mlp_lib's :class:`ErrorSignalProfiles`, and the page that draws them.

Python measures ‖ϕ^j‖/‖ϕ^J‖ at initialization (NumPy's random networks) and sends the profiles;
the page (``web/initialization_view.js``) draws the selected one and computes what its status
line says. Both are checked against an independent computation of the same error signals with
:meth:`mlp_lib.MLP.gradients` (backpropagation of the whole network, not Eq. (2) step by step),
and the widget is mounted in Chromium to work its controls by mouse and keyboard at desktop and
phone widths.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import traitlets

from mlp_lib import MLP, get_activation
from mlp_lib.initialization import initial_weights
from mlp_lib.widgets.initialization_view import (
    ACTIVATIONS,
    MEAN_SQUARED_SLOPE_NEAR_0,
    SCHEMES,
    ErrorSignalProfiles,
    InitializationView,
    n_var_w,
)

from helpers import NODE, PHONE, run_node

DRIVER = Path(__file__).resolve().parent / "initialization_view_driver.mjs"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
#: the page exponentiates the log10 ratios mlp_lib sends; the reference recomputes the ratios another way: rounding only
TOL = 1e-12


@pytest.fixture(scope="module")
def view():
    """The chapter's explorer: width 64, batch 32, three networks, J up to 20."""
    return InitializationView()


def independent_ratios(width, batch, networks, max_layers, activation, scheme, layers) -> np.ndarray:
    """‖ϕ^j‖/‖ϕ^J‖ for j = 1 … J, geometric mean over the networks, by MLP.gradients of each J-layer network.

    The network of depth J is the first J layers of ErrorSignalProfiles' deep network (the same
    seed and scheme), with its inputs and targets drawn in the same order from the same generator.
    """
    logs = []
    for seed in range(networks):
        rng = np.random.default_rng(seed)
        deep = MLP([width] * (max_layers + 1), hidden=activation, output="identity", seed=seed, initialization=scheme)
        x = rng.normal(size=(width, batch))
        for _ in range(2, layers + 1):  # the targets of the depths 2 … J, in turn; the last are depth J's
            y = rng.normal(size=(width, batch))
        net = MLP([width] * (layers + 1), hidden=activation, output="identity", loss="mse")
        net.W = [None, *deep.W[1 : layers + 1]]
        phi = net.gradients(x, y).phi
        norms = np.array([np.linalg.norm(phi[j]) for j in range(1, layers + 1)])
        with np.errstate(divide="ignore"):
            logs.append(np.log(norms / norms[-1]))  # −inf where ϕ^j = 0 (below a dead ReLU layer)
    return np.exp(np.mean(logs, axis=0))


def scheme_variance(scheme: str, width: int) -> float:
    """Var(w) of mlp_lib.initialization's laws between two layers of ``width`` units."""
    limit = np.sqrt(6.0 / (2 * width))  # Glorot's r
    return {"he": 2.0 / width, "glorot": limit**2 / 3, "glorot-sigmoid": (4 * limit) ** 2 / 3, "normal": 1.0}[scheme]


# ----------------------------------------------------------------------
# the logic (mlp_lib's reference)
# ----------------------------------------------------------------------
def test_profiles_are_the_ratios_of_an_independent_backward_pass():
    setup = {"width": 6, "batch": 5, "networks": 2, "max_layers": 7}
    profiles = ErrorSignalProfiles(**setup)
    worst = 0.0
    for activation in ACTIVATIONS:
        for scheme in SCHEMES:
            for layers in (2, 4, 7):
                shown = 10 ** profiles.log_ratios(activation, scheme, layers)
                expected = independent_ratios(*setup.values(), activation, scheme, layers)
                scale = np.maximum(np.maximum(shown, expected), 1e-300)  # a ratio of 0 (dead ReLUs) must be 0
                worst = max(worst, float(np.max(np.abs(shown - expected) / scale)))
    assert worst <= TOL, worst


def test_n_var_w_is_the_variance_of_mlp_libs_draws():
    width, rng = 400, np.random.default_rng(0)
    for scheme in SCHEMES:
        draws = initial_weights(width, width, get_activation("relu"), rng, scheme)
        assert width * np.var(draws) == pytest.approx(n_var_w(scheme, width), rel=0.02), scheme
        assert n_var_w(scheme, width) == pytest.approx(width * scheme_variance(scheme, width), rel=1e-14)


def test_the_profiles_show_what_the_derivation_predicts(view):
    p = view.profiles
    assert max(abs(p.log_ratios("relu", "he", 20))) < 1.5  # He keeps ReLU flat …
    assert p.log_ratios("relu", "normal", 20)[0] > 10  # … N(0, 1) explodes …
    assert p.log_ratios("sigmoid", "glorot", 20)[0] < -8  # … sigmoid with Glorot vanishes
    for activation in ("relu", "identity"):  # where E[σ'²] near 0 is exact, measured ≈ derived per layer
        assert p.measured_factor(activation, "glorot", 20) == pytest.approx(
            p.derived_factor(activation, "glorot"), rel=0.1
        )
    assert all(p.log_ratios(a, s, J)[-1] == 0 for a in ACTIVATIONS for s in SCHEMES for J in p.depths)


# ----------------------------------------------------------------------
# the page's numbers and picture, under node, against the independent backward pass
# ----------------------------------------------------------------------
def run_page(tasks: list, tmp_path: Path) -> list:
    module = tmp_path / "initialization_view_esm.mjs"
    module.write_text(InitializationView._esm, encoding="utf-8")
    results = run_node(DRIVER, module, tasks)
    for r in results:
        assert "error" not in r, r.get("error")
    return results


def page_state(widget: InitializationView) -> dict:
    return {k: v for k, v in widget.get_state().items() if k in ("log_ratios", "derived_factors")}


def random_cases(view, rng) -> list:
    """(widget, setup, activation, scheme, J): 4 random small measurements × 6 settings, 6 of the chapter's,
    and one whose ReLU signal dies on the way down (width 3, one input: ϕ^1 = 0 from J = 3 on)."""
    dead = InitializationView(3, "relu", "he", width=3, batch=1, networks=1, max_layers=6)
    widgets = [(view, (64, 32, 3, 20))]
    for _ in range(4):
        setup = (int(rng.integers(2, 12)), int(rng.integers(1, 8)), int(rng.integers(1, 4)), int(rng.integers(2, 9)))
        widgets.append(
            (InitializationView(2, width=setup[0], batch=setup[1], networks=setup[2], max_layers=setup[3]), setup)
        )
    return [
        (widget, setup, str(rng.choice(ACTIVATIONS)), str(rng.choice(SCHEMES)), int(rng.integers(2, setup[3] + 1)))
        for widget, setup in widgets
        for _ in range(6)
    ] + [(dead, (3, 1, 1, 6), "relu", "he", 6)]


def bar_log_ratios(svg: str) -> np.ndarray:
    """Each bar's signed length in decades, read off the SVG with the grid lines 10⁻²⁰, 10⁻¹⁵, … 10²⁰ as the ruler."""
    grid = [float(y) for y in re.findall(r'<line [^>]*y1="([-\d.]+)"', svg)]
    per_decade = (grid[0] - grid[-1]) / 40
    zero = grid[len(grid) // 2]
    out = []
    for top, height, fill in re.findall(
        r'class="iv-bar"[^>]* y="([-\d.]+)" height="([-\d.]+)" fill="(#[0-9a-f]+)"', svg
    ):
        top, height, above = float(top), float(height), fill == "#e8a0a0"
        if height > 1:  # (a bar is 1 unit high at least, so that a ratio near 1 still shows)
            assert np.isclose(top + height if above else top, zero, atol=0.11)  # every bar starts at 1
        out.append((1 if above else -1) * height / per_decade)
    return np.array(out)


@needs_node
def test_page_numbers_and_bars_are_the_independent_backward_pass(view, tmp_path):
    cases = random_cases(view, np.random.default_rng(3))
    tasks = [{"state": page_state(w), "activation": a, "scheme": s, "layers": J} for w, _, a, s, J in cases]
    worst, dead = 0.0, 0
    for (_, setup, a, s, J), page in zip(cases, run_page(tasks, tmp_path)):
        ratios = independent_ratios(*setup, a, s, J)
        expected = {
            "firstLayer": ratios[0],
            "measuredFactor": ratios[0] ** (1 / (J - 1)),
            "derivedFactor": np.sqrt(setup[0] * scheme_variance(s, setup[0]) * MEAN_SQUARED_SLOPE_NEAR_0[a]),
        }
        errors = [abs(page["numbers"][k] - v) / max(abs(page["numbers"][k]), v, 1e-300) for k, v in expected.items()]
        dead += ratios[0] == 0  # ϕ^1 = 0 below a dead ReLU layer: the page must say 0 too
        worst = max(worst, *errors)
        assert max(errors) <= TOL, (setup, a, s, J, errors)
        bars = bar_log_ratios(page["svg"])
        with np.errstate(divide="ignore"):
            logs = np.log10(ratios)
        clipped = np.clip(logs, -page["limit"], page["limit"])
        assert len(bars) == J and np.all(np.abs(bars - clipped) <= 0.03 + (np.abs(clipped) < 0.2))  # drawn to 0.1 px
        assert page["svg"].count("▲") == np.sum(logs > page["limit"])
        assert page["svg"].count("▼") == np.sum(logs < -page["limit"])
    assert dead >= 1
    print(
        f"\ninitialization: {len(cases)} settings ({dead} with a dead signal), worst relative error {worst:.1e} (tolerance {TOL:g})"
    )


@needs_node
def test_page_status_and_summary_describe_the_profile(view, tmp_path):
    p = view.profiles
    profile = p.log_ratios("sigmoid", "glorot", 10)
    task = {"state": page_state(view), "activation": "sigmoid", "scheme": "glorot", "layers": 10}
    [page] = run_page([task], tmp_path)
    status = re.sub(r"<[^>]+>", "", page["status"])
    mantissa, exponent = f"{10 ** profile[0]:.2e}".split("e")
    first = f"{float(mantissa):g}·10" + str(int(exponent)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    factor = p.measured_factor("sigmoid", "glorot", 10)
    assert status == (
        f"first layer: ‖ϕ¹‖ / ‖ϕᴶ‖ = {first}. Factor per layer down, ‖ϕʲ‖ / ‖ϕʲ⁺¹‖, measured (geometric mean): "
        f"{factor:.3g}; derived for z near 0, √(n Var(w) E[σ′²]): 0.25."
    )
    assert page["summary"].startswith("Size of the error signal in each layer relative to the output layer")
    assert (
        f"sigmoid layers with glorot initialization: {first} at the first layer, a factor {factor:.3g}"
        in page["summary"]
    )


# ----------------------------------------------------------------------
# Python: validation and the read-back
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"layers": 1}, "expected layers in 2 … 20"),
        ({"layers": 21}, "expected layers in 2 … 20"),
        ({"layers": 5.0}, "expected layers to be an integer"),
        ({"activation": "softmax"}, "expected activation 'relu', 'tanh', 'sigmoid' or 'identity', got 'softmax'"),
        ({"scheme": "auto"}, "expected scheme 'he', 'glorot', 'glorot-sigmoid' or 'normal', got 'auto'"),
        ({"max_layers": 41}, "expected max_layers in 2 … 40"),
        ({"layers": 2, "max_layers": 2, "width": 1}, "expected width in 2 … 256"),
        ({"layers": 2, "max_layers": 2, "batch": 0}, "expected batch in 1 … 1024"),
        ({"layers": 2, "max_layers": 2, "networks": 0}, "expected networks in 1 … 20"),
    ],
)
def test_constructor_refuses_bad_setups(kwargs, match):
    with pytest.raises(ValueError, match=match):
        InitializationView(**kwargs)


def test_traits_refuse_bad_values_and_python_reads_the_page_back():
    small = InitializationView(layers=3, activation="relu", scheme="he", width=4, batch=2, networks=1, max_layers=5)
    for trait, value, match in [
        ("layers", 6, "could not set layers: expected layers in 2 … 5"),
        ("activation", "elu", "could not set activation: expected activation"),
        ("scheme", "xavier", "could not set scheme: expected scheme"),
    ]:
        with pytest.raises(traitlets.TraitError, match=match):
            setattr(small, trait, value)
    for trait in ("log_ratios", "derived_factors", "max_layers"):
        with pytest.raises(traitlets.TraitError, match="read-only"):
            setattr(small, trait, {})
    assert (small.layers, small.activation, small.scheme) == (3, "relu", "he")
    small.layers, small.activation, small.scheme = 5, "tanh", "normal"  # as the page writes them back
    assert np.array_equal(small.profile, small.log_ratios["tanh"]["normal"][3])
    assert small.measured_factor == 10 ** (small.profile[0] / 4)
    assert small.derived_factor == small.derived_factors["tanh"]["normal"] == 2.0  # √(n · 1 · 1), n = 4


# ----------------------------------------------------------------------
# the page in Chromium
# ----------------------------------------------------------------------
def status_text(page) -> str:
    return page.locator("[role=status]").first.inner_text()


def shown(page) -> tuple:
    """(status line, the chart's text alternative, the number of bars)."""
    label = page.get_attribute("svg[role=img]", "aria-label")
    return status_text(page), label, page.locator("rect.iv-bar").count()


@pytest.mark.browser
def test_controls_change_what_the_page_shows_and_python_reads_it_back(view, mount_widget):
    page = mount_widget(view)
    status, label, bars = shown(page)
    assert bars == 10 and label.strip() and "sigmoid layers with glorot initialization" in label
    page.get_by_label("Layers J", exact=True).fill("15")
    assert shown(page)[2] == 15 and shown(page)[0] != status
    before = shown(page)
    page.get_by_label("Activation", exact=True).select_option(label="relu")
    assert shown(page)[0] != before[0] and "relu layers" in shown(page)[1]
    before = shown(page)
    page.get_by_label("Initialization", exact=True).select_option(label="he")
    assert shown(page)[0] != before[0] and "with he initialization" in shown(page)[1]
    state = page.evaluate("['layers', 'activation', 'scheme'].map(k => window.__model.get(k))")
    assert state == [15, "relu", "he"]
    view.layers, view.activation, view.scheme = state  # what a kernel receives
    assert f"measured (geometric mean): {view.measured_factor:.3g};" in status_text(page)
    assert f"√(n Var(w) E[σ′²]): {view.derived_factor:.3g}." in status_text(page)
    view.layers, view.activation, view.scheme = 10, "sigmoid", "glorot"


@pytest.mark.browser
def test_keyboard_reaches_and_works_every_control(view, mount_widget):
    page = mount_widget(view)
    reached = []
    for _ in range(3):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.labels?.[0]?.textContent"))
    assert reached == ["Layers J", "Activation", "Initialization"]
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # the focus is visible
    page.get_by_label("Layers J", exact=True).focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.__model.get('layers')") == 11 and shown(page)[2] == 11
    page.get_by_label("Activation", exact=True).focus()
    page.keyboard.press("ArrowDown")  # sigmoid → identity
    assert page.evaluate("window.__model.get('activation')") == "identity" and "identity layers" in shown(page)[1]
    page.get_by_label("Initialization", exact=True).focus()
    page.keyboard.press("ArrowUp")  # glorot → he
    assert page.evaluate("window.__model.get('scheme')") == "he" and "with he initialization" in shown(page)[1]


@pytest.mark.browser
def test_python_changes_reach_the_page(view, mount_widget):
    page = mount_widget(view)
    page.evaluate("window.__model.set('layers', 4)")  # as a kernel's view.layers = 4 arrives
    assert shown(page)[2] == 4 and page.get_by_label("Layers J", exact=True).input_value() == "4"
    page.evaluate("window.__model.set('activation', 'tanh')")
    assert "tanh layers" in shown(page)[1]
    assert page.get_by_label("Activation", exact=True).evaluate("s => s.options[s.selectedIndex].text") == "tanh"


@pytest.mark.browser
def test_phone_width_has_no_sideways_scroll(view, mount_widget):
    page = mount_widget(view, viewport=PHONE)
    page.get_by_label("Layers J", exact=True).fill("20")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    scale = page.eval_on_selector("svg[role=img]", "e => e.getBoundingClientRect().width / e.viewBox.baseVal.width")
    assert scale * 13 >= 9  # the chart's 13-unit tick labels are at least 9 px
