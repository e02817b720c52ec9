"""The live step-through (Eq. 2 chapter) and nudge view (Eq. 3 chapter) on the built website, in Chromium.

No Python runs behind the page: what the reader types, clicks and drags is computed by the
page's engine. Every number the page then holds is compared with mlp_lib's
(``backward_steps``, ``nudge_data``, ``MLP.loss_value``) for the network and sample the page
reports — which must be the ones the reader set. Bad input gets a message and keeps the last
numbers. Offline: every request that leaves the site fails the test (``helpers.Watch``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mlp_lib.widgets.backprop_views import backward_steps, nudge_data
from mlp_lib.widgets.page_weights import model_from_page

from helpers import Watch

pytestmark = pytest.mark.browser

#: the page's engine and mlp_lib do the same float64 sums: they agree to rounding
TOL = 1e-12
STEPPER, NUDGE = ".bv-root.bv-stepper", ".bv-root.bv-nudge"


@pytest.fixture
def open_page(new_page: Any, site: str) -> Any:
    """open_page(path, root) → (page, watch): a new tab of the shared desktop context, once the view has drawn."""

    def _open(path: str, root: str) -> tuple[Any, Watch]:
        page, watch = new_page("widgets")
        page.goto(site + path, wait_until="load")
        page.wait_for_selector(f"{root} svg")
        return page, watch

    return _open


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) / max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)


def page_sample(page: Any, root: str) -> tuple[list, list]:
    """The sample the page's boxes show."""
    xs = page.eval_on_selector_all(f"{root} input.bv-x", "els => els.map(e => Number(e.value))")
    ys = page.eval_on_selector_all(f"{root} input.bv-y", "els => els.map(e => Number(e.value))")
    return xs, ys


def type_into(page: Any, selector: str, text: str) -> None:
    box = page.locator(selector)
    box.fill(text)
    box.dispatch_event("change")


def assert_steps_are_mlp_libs(page: Any) -> float:
    """The page's steps for the network and sample it shows, against mlp_lib's; the worst error."""
    state = page.evaluate(
        f"() => {{ const r = document.querySelector('{STEPPER}'); return [r.__network, r.__stepper]; }}"
    )
    network, stepper = state
    x, y = page_sample(page, STEPPER)
    want = backward_steps(model_from_page(network), x, y)
    got = stepper["steps"]
    assert [s["title"] for s in got][-1] == "Eq. (4)" and len(got) == len(want)
    worst = 0.0
    for page_step, lib_step in zip(got, want, strict=True):
        for key, value in lib_step.data.items():
            err = rel(page_step["data"][key], value)
            assert err <= TOL, f"{page_step['title']}: {key} differs from mlp_lib by {err:.1e}"
            worst = max(worst, err)
    return worst


def caption(page: Any) -> str:
    return page.locator(f"{STEPPER} .bv-caption").inner_text()


def test_step_through_steps_and_recomputes_what_the_reader_sets(open_page: Any, screenshot: Any) -> None:
    page, watch = open_page("chapters/eq2-recursion.html", STEPPER)
    assert page.locator(f"{STEPPER} .bv-counter").inner_text() == "Step 1 of 10"
    assert page_sample(page, STEPPER) == ([0.5, -1.0], [1.0, 0.0]), "expected the book's sample"
    assert_steps_are_mlp_libs(page)
    assert page.locator(f"{STEPPER} .bv-prev").is_disabled()

    # Next through every step; the last one is Eq. (4)
    titles = []
    for _ in range(9):
        page.locator(f"{STEPPER} .bv-next").click()
        titles.append(page.locator(f"{STEPPER} svg title").first.text_content())
    assert page.locator(f"{STEPPER} .bv-counter").inner_text() == "Step 10 of 10"
    assert page.locator(f"{STEPPER} .bv-next").is_disabled()
    assert titles[3].endswith("Eq. (1): ϕ²") and titles[-1].endswith("Eq. (4)")
    page.keyboard.press("Tab")  # the arrow keys step when the widget has the focus
    page.locator(STEPPER).focus()
    page.keyboard.press("ArrowLeft")
    assert page.locator(f"{STEPPER} .bv-counter").inner_text() == "Step 9 of 10"
    screenshot(page.locator(STEPPER), "live-step-through-eq2.png")

    # the reader types another sample: the numbers are recomputed, and are mlp_lib's for that sample
    before = caption(page)
    type_into(page, f"{STEPPER} input.bv-x >> nth=0", "2.5")
    type_into(page, f"{STEPPER} input.bv-y >> nth=1", "0.75")
    assert page_sample(page, STEPPER) == ([2.5, -1.0], [1.0, 0.75])
    assert caption(page) != before, "expected the shown step to change with the sample"
    assert assert_steps_are_mlp_libs(page) <= TOL

    # another hidden activation, then new random weights: recomputed again
    page.locator(f"{STEPPER} select").select_option("tanh")
    network = page.evaluate(f"() => document.querySelector('{STEPPER}').__network")
    assert network["config"]["hidden"] == ["tanh"]
    assert_steps_are_mlp_libs(page)
    page.locator(f"{STEPPER} .bv-new-weights").click()
    changed = page.evaluate(f"() => document.querySelector('{STEPPER}').__network")
    assert changed["params"]["W1"] != network["params"]["W1"], "expected new weights"
    assert_steps_are_mlp_libs(page)

    # bad input: a clear message, and the last numbers are kept
    type_into(page, f"{STEPPER} input.bv-x >> nth=1", "1e9")
    message = page.locator(f"{STEPPER} .bv-message").inner_text()
    assert "expected x2 between" in message and "kept" in message
    assert page_sample(page, STEPPER)[0] == [2.5, -1.0]
    assert_steps_are_mlp_libs(page)

    # the book's weights and sample come back
    page.locator(f"{STEPPER} .bv-book-weights").click()
    assert page_sample(page, STEPPER) == ([0.5, -1.0], [1.0, 0.0])
    assert page.evaluate(f"() => document.querySelector('{STEPPER}').__network")["config"]["hidden"] == ["sigmoid"]
    assert_steps_are_mlp_libs(page)
    assert page.locator(f"{STEPPER} .bv-message").inner_text() == ""
    assert not watch.take()


def nudge_state(page: Any) -> dict:
    return page.evaluate(
        f"() => {{ const r = document.querySelector('{NUDGE}'); return {{...r.__nudge, network: r.__network}}; }}"
    )


def assert_nudge_is_mlp_libs(page: Any) -> dict:
    s = nudge_state(page)
    model = model_from_page(s["network"])
    x, y = page_sample(page, NUDGE)
    j, i, k = s["edge"]
    want = nudge_data(model, x, y, j, i, k, eps_max=3.0, n=81)
    for key in ("phi", "a", "L"):
        assert rel(s[key], want[key]) <= TOL, key
    twin = model.copy()
    twin.W[j][i - 1, k - 1] += s["eps"]
    xc, yc = np.array(x)[:, None], np.array(y)[:, None]
    actual = twin.loss_value(xc, yc) - model.loss_value(xc, yc)
    assert abs(s["actual"] - actual) <= TOL * max(abs(want["L"]), 1e-300), "the page's ΔL is not mlp_lib's"
    assert s["predicted"] == pytest.approx(want["phi"] * want["a"] * s["eps"], rel=TOL)
    # the page's central-difference slope at ε = 0 is Eq. (3)'s ϕ a (h = 1e-5: truncation ~1e-10)
    assert s["slope"] == pytest.approx(want["gradient"], rel=1e-6, abs=1e-9)
    return s


def test_nudge_view_follows_the_slider_the_clicked_edge_and_the_sample(open_page: Any, screenshot: Any) -> None:
    page, watch = open_page("chapters/eq3-weight-gradient.html", NUDGE)
    s = assert_nudge_is_mlp_libs(page)
    assert s["edge"] == [1, 2, 1] and s["eps"] == 2.25
    readout = page.locator(f"{NUDGE} .bv-readout").inner_text()
    assert readout.startswith("ε = 2.25: actual ΔL = ")

    # the slider: small ε, the prediction is close; the marker moves
    marker = page.locator(f"{NUDGE} circle.bv-actual").get_attribute("cx")
    page.locator(f"{NUDGE} input[type=range]").evaluate(
        "el => { el.value = '0.03'; el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    s = assert_nudge_is_mlp_libs(page)
    assert s["eps"] == pytest.approx(0.03)
    assert abs(s["actual"] - s["predicted"]) < 0.05 * abs(s["actual"]), "expected first order to hold at ε = 0.03"
    assert page.locator(f"{NUDGE} circle.bv-actual").get_attribute("cx") != marker

    # click another edge: w_{1,3}^2 (from unit 3 of layer 1 to unit 1 of layer 2)
    # (a fifth of the way along it, where no other edge crosses it, as a reader would)
    page.locator(f"{NUDGE} .bv-network").scroll_into_view_if_needed()
    point = page.locator(f'{NUDGE} line.bv-pick[data-edge="2,1,3"]').evaluate(
        """line => { const m = line.getScreenCTM(), p = line.ownerSVGElement.createSVGPoint();
                     const t = 0.2, a = line.x1.baseVal.value, b = line.y1.baseVal.value;
                     p.x = a + t * (line.x2.baseVal.value - a); p.y = b + t * (line.y2.baseVal.value - b);
                     const q = p.matrixTransform(m); return [q.x, q.y]; }"""
    )
    hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y).getAttribute('data-edge')", point)
    assert hit == "2,1,3", f"expected the edge under the pointer, got {hit}"
    page.mouse.click(point[0], point[1])
    s = assert_nudge_is_mlp_libs(page)
    assert s["edge"] == [2, 1, 3]
    assert page.locator(f"{NUDGE} select.bv-edge-j").input_value() == "2"
    title = page.locator(f"{NUDGE} .bv-network svg title").text_content()
    assert "from unit 3 of layer 1 to unit 1 of layer 2" in title, title
    # or choose it with the selects
    page.locator(f"{NUDGE} select.bv-edge-j").select_option("1")
    page.locator(f"{NUDGE} select.bv-edge-i").select_option("3")
    page.locator(f"{NUDGE} select.bv-edge-k").select_option("2")
    assert assert_nudge_is_mlp_libs(page)["edge"] == [1, 3, 2]

    # another sample
    type_into(page, f"{NUDGE} input.bv-x >> nth=0", "-1.5")
    assert page_sample(page, NUDGE)[0] == [-1.5, -1.0]
    assert_nudge_is_mlp_libs(page)
    type_into(page, f"{NUDGE} input.bv-y >> nth=0", "")
    assert "expected a number for y1" in page.locator(f"{NUDGE} .bv-message").inner_text()
    assert page_sample(page, NUDGE)[1] == [1.0, 0.0]
    screenshot(page.locator(NUDGE), "live-nudge-eq3.png")
    assert not watch.take()


# --------------------------------------------------------------------------- every small architecture
HARNESS_JS = """async ([source, cases]) => {
    const url = URL.createObjectURL(new Blob([source], {type: 'text/javascript'}));
    const views = (await import(url)).default;
    const report = [];
    for (const c of cases) {
        const state = {...c};
        const listeners = {};
        const model = {
            get: (k) => state[k],
            set: (k, v) => { state[k] = v; (listeners['change:' + k] || []).forEach((f) => f()); },
            save_changes: () => {},
            on: (e, f) => { (listeners[e] = listeners[e] || []).push(f); },
            off: () => {},
        };
        const el = document.createElement('div');
        el.style.width = c.width + 'px';
        document.body.appendChild(el);
        const problems = [];
        try {
            views.render({model, el});
            const root = el.querySelector('.bv-root');
            const message = root.querySelector('.bv-message').textContent;
            if (message) problems.push('message: ' + message);
            let checked = 0;
            // a picture is checked while it is on the page (the stepper replaces it on every step)
            const check = (svg) => {
                const [, , w, h] = svg.getAttribute('viewBox').split(' ').map(Number);
                for (const t of svg.querySelectorAll('text')) {
                    const b = t.getBBox();
                    if (b.width === 0) continue;
                    checked++;
                    if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > w + 0.5 || b.y + b.height > h + 0.5) {
                        problems.push(`text "${t.textContent}" (${b.x.toFixed(0)}..${(b.x + b.width).toFixed(0)}, ` +
                                      `${b.y.toFixed(0)}..${(b.y + b.height).toFixed(0)}) outside the ${w}×${h} picture in ` +
                                      svg.querySelector('title').textContent.slice(0, 40));
                    }
                }
            };
            if (c.view === 'stepper') {
                const next = root.querySelector('.bv-next');
                check(root.querySelector('.bv-figure svg'));
                let guard = 0;
                while (!next.disabled && guard++ < 40) {
                    next.click();
                    check(root.querySelector('.bv-figure svg'));
                }
            } else {
                root.querySelectorAll('svg').forEach(check);
            }
            if (checked < 10) problems.push(`only ${checked} text elements measured`);
        } catch (err) {
            problems.push('error: ' + err.message);
        }
        report.push(problems);
        el.remove();
    }
    return report;
}"""


def test_views_draw_every_small_architecture_inside_their_pictures(new_page: Any) -> None:
    """Both views, on 1–4 layers of 1–6 units with long numbers, in the book's column and on a phone
    (the compact pictures): no error, no text cut off."""
    import mlp_lib
    from mlp_lib.widgets.backprop_views import esm_source
    from mlp_lib.widgets.page_weights import page_network

    rng = np.random.default_rng(5)
    cases = []
    shapes = [[1, 1], [6, 6], [1, 6, 1], [6, 6, 6], [2, 6, 1, 6], [6, 1, 6, 1, 6], [3, 5, 4, 2, 6]]
    for n, sizes in enumerate(shapes):
        model = mlp_lib.MLP(sizes, hidden="tanh", output="identity", loss="mse", seed=n)
        for j in range(1, model.J + 1):  # big weights: long numbers, like −1.23·10⁴
            model.W[j] = rng.normal(scale=30.0, size=model.W[j].shape)
            model.b[j] = rng.normal(scale=30.0, size=model.b[j].shape)
        x, y = (-123.456 * rng.random(sizes[0])).tolist(), (-9876.5 * rng.random(sizes[-1])).tolist()
        common = {"network": page_network(model), "x": x, "y": y}
        edge = [model.J, sizes[-1], sizes[-2]]
        for width in (720, 340):  # the book's column; a phone's (compact pictures)
            cases.append({"view": "stepper", "step": 0, "width": width, **common})
            cases.append({"view": "nudge", "edge": edge, "eps": 0.5, "eps_max": 1.0, "width": width, **common})
    page, _ = new_page("widgets")
    page.set_content("<!doctype html><html><body></body></html>")
    report = page.evaluate(HARNESS_JS, [esm_source(), cases])
    problems = [f"{c['view']} {c['network']['config']['layer_sizes']}: {p}" for c, ps in zip(cases, report) for p in ps]
    assert not problems, "\n".join(problems[:30])


SMALLEST_TEXT_JS = """root => {
    // the smallest rendered size of the pictures' text, in CSS px: font size × (drawn width / viewBox width)
    let text = Infinity, index = Infinity;
    for (const svg of root.querySelectorAll('svg')) {
        const scale = svg.getBoundingClientRect().width / Number(svg.getAttribute('viewBox').split(' ')[2]);
        for (const t of svg.querySelectorAll('text')) {
            if (t.textContent.trim()) text = Math.min(text, Number(t.getAttribute('font-size')) * scale);
            for (const s of t.querySelectorAll('tspan[font-size]')) index = Math.min(index, Number(s.getAttribute('font-size')) * scale);
        }
    }
    return [text, index];
}"""


@pytest.mark.parametrize(
    "path, root",
    [("chapters/eq2-recursion.html", STEPPER), ("chapters/eq3-weight-gradient.html", NUDGE)],
    ids=["step-through", "nudge"],
)
def test_views_are_legible_on_a_phone_and_in_the_column(new_page: Any, site: str, path: str, root: str) -> None:
    """At 390 px the views switch to their compact pictures; text ≥ 9 px there and at 1280 px (indices ≥ 7.5 px)."""
    sizes = {}
    for width in (1280, 390):
        page, _ = new_page("widgets", {"width": width, "height": 900})
        page.goto(site + path, wait_until="load")
        page.wait_for_selector(f"{root} svg")
        view_box = page.locator(f"{root} svg").first.get_attribute("viewBox").split()
        text, index = page.locator(root).evaluate(SMALLEST_TEXT_JS)
        sizes[width] = (int(view_box[2]), round(text, 1), round(index, 1))
        page_width = page.evaluate("() => document.documentElement.scrollWidth")
        assert page_width <= width, f"the page scrolls sideways at {width} px ({page_width} px wide)"
    print(f"\n{path}: (viewBox width, smallest text px, smallest index px) by viewport: {sizes}")
    assert sizes[1280][0] == 720 and sizes[390][0] == 440, f"expected the compact picture on a phone only: {sizes}"
    for width, (_, text, index) in sizes.items():
        assert text >= 9 and index >= 7.5, f"text too small at {width} px: {text} px (indices {index} px)"
