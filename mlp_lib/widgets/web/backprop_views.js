// backprop_views.js — the live step-through of one backward pass (the Eq. (2) chapter) and the
// live "nudge one weight" view (the Eq. (3) chapter): anywidget views whose every number the
// browser engine computes, in the page, from the network and the sample the reader sets.
//
// Python (mlp_lib/widgets/backprop_views.py) sends one ES module: engine.js, ui.js (uiFmt, uiEsc,
// uiEl), network.js (the network drawing), backprop_steps.js (the numbers: backwardSteps,
// nudgeData, lossChange), backprop_pictures.js (the SVG pictures) and this file (the controls and
// the view). The numbers are never trusted: tests/widgets/test_backprop_views.py runs them under
// node on random networks and compares them with mlp_lib's.
//
// Every control is a labelled button, number box, list or slider (Tab reaches each, with a
// visible focus ring); the step-through itself takes the arrow keys when it has the focus, and
// the nudged weight is chosen by clicking an edge or with the three lists.
//
// Names declared at the top level start with "bv" or "BV_".
//
// The model (the widget's synced state):
//   view      "stepper" or "nudge"                                        (Python → page)
//   network   {config: MLP.config(), params: {W1: rows, b1: …}}           (both ways)
//   x, y      the sample: n_0 inputs and n_J targets                      (both ways)
//   step      the step shown, from 0 (stepper)                            (both ways)
//   edge      [j, i, k], the nudged weight w_{i,k}^j, numbered from 1 (nudge)  (both ways)
//   eps       ε, the change of that weight (nudge)                        (both ways)
//   eps_max   the slider's range [−eps_max, eps_max] (nudge)              (Python → page)

const BV_MAX_UNITS = 6;
const BV_MAX_LAYERS = 4;

const BV_CSS = `
.bv-root { max-width: 720px; margin: 1em auto; border: 1px solid #ddd; border-radius: 6px; padding: 0.6em;
  box-sizing: border-box; font-size: 14px; line-height: 1.45; color: inherit; }
.bv-root *, .bv-root *::before, .bv-root *::after { box-sizing: border-box; }
.bv-row { display: flex; flex-wrap: wrap; align-items: center; gap: 0.35em 0.8em; margin: 0.25em 0; }
.bv-group { display: inline-flex; flex-wrap: wrap; align-items: center; gap: 0.3em; }
.bv-group input[type=number] { width: 5.2em; font: inherit; font-size: 13px; padding: 1px 3px; }
.bv-group select { font: inherit; font-size: 13px; }
.bv-button { font: inherit; font-size: 13px; padding: 0.2em 0.8em; border: 1px solid #888; border-radius: 4px;
  background: #f6f6f6; color: #222; cursor: pointer; }
.bv-button:disabled { opacity: 0.5; cursor: default; }
.bv-button:focus-visible, .bv-root input:focus-visible, .bv-root select:focus-visible,
.bv-root:focus-visible { outline: 2px solid #1f5fbf; outline-offset: 1px; }
.bv-counter { color: #555; font-size: 0.92em; }
.bv-caption, .bv-readout, .bv-summary { font-size: 0.92em; margin: 0.3em 0; }
.bv-caption { min-height: 4.5em; }
.bv-stepper .bv-summary { color: #444; border-top: 1px solid #eee; padding-top: 0.3em; }
.bv-readout { font-variant-numeric: tabular-nums; min-height: 2.9em; }
.bv-message { color: #8a5300; border-left: 3px solid #d08c00; padding: 2px 6px; margin: 4px 0; font-size: 0.92em; }
.bv-message:empty { display: none; }
.bv-eps { display: flex; align-items: center; gap: 0.6em; font-size: 0.92em; margin: 0.3em 0; }
.bv-eps input { flex: 1; min-width: 0; }
`;

// ---------------------------------------------------------------------------------------
// Model and input
// ---------------------------------------------------------------------------------------

/** Parse a number box: a finite number with |v| ≤ 1e6, else an Error naming the box and the text. */
function bvReadNumber(box, name) {
  const text = box.value.trim();
  const v = Number(text);
  if (text === "" || !Number.isFinite(v)) throw new Error(`expected a number for ${name}, got "${text}"`);
  if (Math.abs(v) > 1e6) throw new Error(`expected ${name} between −10⁶ and 10⁶, got ${text}`);
  return v;
}

/** The network and sample from the model, checked: {net, x, y} or an Error that says what is wrong. */
function bvFromModel(model) {
  const spec = model.get("network") || {};
  if (!spec.config || !spec.params) throw new Error("expected a network {config, params} from Python, got none");
  const net = networkFromWeights(spec.config, spec.params);
  if (net.J > BV_MAX_LAYERS || Math.max(...net.sizes) > BV_MAX_UNITS) {
    throw new Error(`expected at most ${BV_MAX_LAYERS} layers of at most ${BV_MAX_UNITS} units, got layer sizes [${net.sizes}]`);
  }
  const x = Array.from(model.get("x") || [], Number), y = Array.from(model.get("y") || [], Number);
  bvSample(net, x, y);
  if (![...x, ...y].every(Number.isFinite)) throw new Error("expected finite numbers in x and y");
  return { net, x, y };
}

/** A button of the views (visible text is its accessible name; `icon` is decoration, hidden from screen readers). */
function bvButton(label, cls, { icon = "", after = false } = {}) {
  const button = uiEl("button", { type: "button", class: `bv-button ${cls}` });
  const mark = icon ? uiEl("span", { "aria-hidden": "true", text: icon }) : null;
  if (mark && !after) button.append(mark, " ");
  button.append(label);
  if (mark && after) button.append(" ", mark);
  return button;
}

/** A visible label around a control (clicking the text focuses the control). */
function bvLabelled(text, control) {
  return uiEl("label", { class: "bv-group" }, [uiEl("span", { text }), control]);
}

// ---------------------------------------------------------------------------------------
// The sample and the weights (both views)
// ---------------------------------------------------------------------------------------

/** The rows under either view: the sample x, y and the hidden activation; new weights or the book's. */
function bvSampleControls(ctx) {
  const { st } = ctx;
  const sampleRow = uiEl("div", { class: "bv-row" });
  const xGroup = uiEl("span", { class: "bv-group" }), yGroup = uiEl("span", { class: "bv-group" });
  const actSelect = uiEl("select", { "aria-label": "activation of the hidden layers" });
  const newWeights = bvButton("New random weights", "bv-new-weights");
  const bookWeights = bvButton("The book's weights", "bv-book-weights");
  const weightsRow = uiEl("div", { class: "bv-row" }, [newWeights, bookWeights]);
  let xBoxes = [], yBoxes = [];

  const box = (v, name, cls) => uiEl("input", { type: "number", step: "0.1", value: String(v), "aria-label": name, class: cls });
  function rebuild() {
    xBoxes = st.x.map((v, n) => box(v, `input x${n + 1}`, "bv-x"));
    yBoxes = st.y.map((v, n) => box(v, `target y${n + 1}`, "bv-y"));
    xGroup.replaceChildren(uiEl("span", { text: "input x =" }), ...xBoxes);
    yGroup.replaceChildren(uiEl("span", { text: "target y =" }), ...yBoxes);
    for (const b of [...xBoxes, ...yBoxes]) b.addEventListener("change", onSample);
    const parts = [xGroup, yGroup];
    if (st.net.J >= 2) {
      actSelect.replaceChildren(...["sigmoid", "tanh", "relu", "identity"].map((a) => uiEl("option", { value: a, text: a })));
      actSelect.value = st.net.activations[1].name;
      parts.push(bvLabelled("hidden σ:", actSelect));
    }
    sampleRow.replaceChildren(...parts);
  }

  function onSample() {
    try {
      const x = xBoxes.map((b, n) => bvReadNumber(b, `x${n + 1}`));
      const y = yBoxes.map((b, n) => bvReadNumber(b, `y${n + 1}`));
      const old = [st.x, st.y];
      [st.x, st.y] = [x, y];
      try {
        ctx.redraw();
      } catch (err) {
        [st.x, st.y] = old;
        ctx.redraw();
        throw err;
      }
      ctx.showMessage("");
      ctx.save({ x, y });
    } catch (err) {
      ctx.showMessage(`${err.message}; the last numbers are kept.`);
      xBoxes.forEach((b, n) => { b.value = String(st.x[n]); });
      yBoxes.forEach((b, n) => { b.value = String(st.y[n]); });
    }
  }

  actSelect.addEventListener("change", () => {
    const cfg = networkConfig(st.net);
    cfg.hidden = cfg.hidden.map(() => actSelect.value);
    ctx.setNetwork(networkFromWeights(cfg, exportWeights(st.net).params), `The activation ${actSelect.value}`);
  });
  newWeights.addEventListener("click", () => {
    st.seed += 1;
    const fresh = createNetwork(networkConfig(st.net), st.seed);
    for (let j = 1; j <= fresh.J; j++) { // random biases too, so that every term of z shows
      const rng = createRng(st.seed * 100 + j, STREAMS.weights);
      for (let n = 0; n < fresh.b[j].data.length; n++) fresh.b[j].data[n] = rng.uniform(-0.5, 0.5);
    }
    ctx.setNetwork(fresh, "The new weights");
  });
  bookWeights.addEventListener("click", () => {
    st.x = st.original.x.slice();
    st.y = st.original.y.slice();
    rebuild();
    ctx.setNetwork(networkFromWeights(st.original.network.config, st.original.network.params), "The book's weights");
    ctx.save({ x: st.x, y: st.y });
  });
  return { rows: [sampleRow, weightsRow], rebuild };
}

// ---------------------------------------------------------------------------------------
// The step-through
// ---------------------------------------------------------------------------------------

/** Prev/Next (and the arrow keys on the focused view), the step's picture, its caption and a summary. */
function bvStepper(ctx) {
  const { model, root, st } = ctx;
  const prev = bvButton("Prev", "bv-prev", { icon: "◀" }), next = bvButton("Next", "bv-next", { icon: "▶", after: true });
  const counter = uiEl("span", { class: "bv-counter", "aria-live": "polite" });
  const figure = uiEl("div", { class: "bv-figure" });
  const caption = uiEl("p", { class: "bv-caption", "aria-live": "polite" });
  const summary = uiEl("p", { class: "bv-summary" });
  const s = { n: Math.max(0, Number(model.get("step")) || 0), steps: [], lay: null };

  root.tabIndex = 0;
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "One backward pass, step by step (left and right arrow keys: previous and next step)");
  root.addEventListener("keydown", (e) => {
    if (e.target !== root) return;
    if (e.key === "ArrowLeft") { go(s.n - 1); e.preventDefault(); }
    if (e.key === "ArrowRight") { go(s.n + 1); e.preventDefault(); }
  });
  prev.addEventListener("click", () => go(s.n - 1));
  next.addEventListener("click", () => go(s.n + 1));

  function go(n) {
    s.n = Math.max(0, Math.min(s.steps.length - 1, n));
    drawStep();
    ctx.save({ step: s.n });
  }

  function drawStep() {
    const step = s.steps[s.n], total = s.steps.length;
    figure.innerHTML = bvStepSvg(s.lay, step, `${ctx.uid}-${s.n}`, s.n + 1, total, st.compact);
    let text = step.caption;
    if (step.equation.startsWith("Eq.") && text.startsWith(step.equation)) {
      text = `<strong>${step.equation}</strong>` + text.slice(step.equation.length);
    }
    caption.innerHTML = `<strong>Step ${s.n + 1}/${total}.</strong> ${text}`;
    counter.textContent = `Step ${s.n + 1} of ${total}`;
    const focused = root.ownerDocument.activeElement;
    prev.disabled = s.n === 0;
    next.disabled = s.n === total - 1;
    // a button that just got disabled drops the keyboard focus: hand it to the other one
    if (focused === prev && prev.disabled) next.focus();
    if (focused === next && next.disabled) prev.focus();
  }

  function redraw() {
    s.steps = backwardSteps(st.net, st.x, st.y);
    s.lay = bvStepLayout(st.net.sizes, st.compact);
    s.n = Math.min(s.n, s.steps.length - 1);
    const L = s.steps.find((t) => t.equation === "loss").data.L;
    if (!Number.isFinite(L)) throw new Error(`the loss is ${uiFmt(L)}`);
    drawStep();
    const out = s.steps.find((t) => t.title === `Forward, layer ${st.net.J}`).data[`a${st.net.J}`];
    summary.innerHTML =
      `This sample: x = ${bvVec(st.x)}, target y = ${bvVec(st.y)}; output ${bvH("a", null, st.net.J)} = ${bvVec(out)}, ` +
      `loss L = ${uiFmt(L, 4)}. Change them below; every step is computed again.`;
    root.__stepper = { step: s.n, steps: s.steps.map((t) => ({ title: t.title, data: t.data })) };
  }

  /** The step from the model after Python changed it. */
  function load(first) {
    if (!first) s.n = Math.max(0, Number(model.get("step")) || 0);
  }

  return { parts: [uiEl("div", { class: "bv-row" }, [prev, next, counter]), figure, caption, summary], redraw, load, traits: ["step"] };
}

// ---------------------------------------------------------------------------------------
// Nudge one weight
// ---------------------------------------------------------------------------------------

/** The three lists that choose the nudged weight w_{i,k}^j (clicking an edge does the same). */
function bvEdgePicker(choose) {
  const names = { j: "layer j", i: "to unit i of layer j", k: "from unit k of layer j − 1" };
  const selects = ["j", "i", "k"].map((name) => uiEl("select", { class: `bv-edge-${name}`, "aria-label": names[name] }));
  const [sj, si, sk] = selects;
  for (const sel of selects) sel.addEventListener("change", () => choose([Number(sj.value), Number(si.value), Number(sk.value)]));
  const row = uiEl("div", { class: "bv-row" }, [
    bvLabelled("weight: layer j", sj), bvLabelled("to unit i", si), bvLabelled("from unit k", sk),
    uiEl("span", { class: "bv-counter", text: "(or click an edge)" }),
  ]);
  /** Options 1 … n of each list for the network, showing `edge`. */
  function fill(net, [j, i, k]) {
    const options = (sel, n, value) => {
      sel.replaceChildren(...Array.from({ length: n }, (_, q) => uiEl("option", { value: String(q + 1), text: String(q + 1) })));
      sel.value = String(value);
    };
    options(sj, net.J, j);
    options(si, net.sizes[j], i);
    options(sk, net.sizes[j - 1], k);
  }
  return { row, fill };
}

/** The network (click an edge), the weight's lists, the ε slider, the read-out and the plot of ΔL. */
function bvNudge(ctx) {
  const { model, root, st } = ctx;
  const network = uiEl("div", { class: "bv-figure bv-network" });
  const summary = uiEl("p", { class: "bv-summary" });
  const readout = uiEl("p", { class: "bv-readout", "aria-live": "polite" });
  const plot = uiEl("div", { class: "bv-figure bv-plot" });
  const slider = uiEl("input", { type: "range", "aria-label": "epsilon, the change of the weight" });
  const picker = bvEdgePicker(choose);
  const epsMax = Number(model.get("eps_max")) > 0 ? Number(model.get("eps_max")) : 1;
  const eps0 = Number(model.get("eps"));
  const s = { edge: Array.from(model.get("edge") || [1, 1, 1], Number), eps: Number.isFinite(eps0) && Math.abs(eps0) <= epsMax ? eps0 : epsMax / 2 };
  Object.assign(slider, { min: String(-epsMax), max: String(epsMax), step: String(epsMax / 200), value: String(s.eps) });

  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "Nudge one weight: the change of the loss against Eq. (3)'s prediction");
  slider.addEventListener("input", () => {
    s.eps = Number(slider.value);
    drawEps();
  });
  slider.addEventListener("change", () => ctx.save({ eps: s.eps }));
  network.addEventListener("click", (e) => {
    const line = e.target.closest && e.target.closest(".bv-pick");
    if (line) choose(line.getAttribute("data-edge").split(",").map(Number));
  });

  function choose(edge) {
    const net = st.net;
    const j = Math.min(Math.max(1, edge[0]), net.J);
    s.edge = [j, Math.min(Math.max(1, edge[1]), net.sizes[j]), Math.min(Math.max(1, edge[2]), net.sizes[j - 1])];
    ctx.redraw();
    ctx.save({ edge: s.edge });
  }

  function drawEps() {
    const d = s.data, [j, i, k] = s.edge, e = s.eps;
    const actual = lossChange(st.net, st.x, st.y, j, i, k, e), predicted = d.phi * d.a * e;
    slider.setAttribute("aria-valuetext", `ε = ${uiFmt(e)}`);
    plot.innerHTML = bvNudgePlot(d, e, actual, st.compact);
    const rel = actual === 0 ? "" : ` (${uiFmt((Math.abs(actual - predicted) / Math.abs(actual)) * 100)} % of ΔL)`;
    readout.innerHTML = `ε = ${uiFmt(e)}: actual ΔL = ${uiFmt(actual)}, predicted ${bvH("ϕ", i, j)} ${bvH("a", k, j - 1)} ε = ${uiFmt(predicted)}; difference ${uiFmt(actual - predicted)}${rel}`;
    root.__nudge = { edge: s.edge.slice(), eps: e, actual, predicted, phi: d.phi, a: d.a, L: d.L, slope: s.slope };
  }

  function redraw() {
    const net = st.net;
    let [j, i, k] = s.edge;
    if (!(j >= 1 && j <= net.J && i >= 1 && i <= net.sizes[j] && k >= 1 && k <= net.sizes[j - 1])) s.edge = [j, i, k] = [1, 1, 1];
    s.data = nudgeData(net, st.x, st.y, j, i, k, epsMax, 81);
    const d = s.data, h = 1e-5;
    // the slope of the curve at ε = 0 by central differences, next to Eq. (3)'s ϕ a
    s.slope = (lossChange(net, st.x, st.y, j, i, k, h) - lossChange(net, st.x, st.y, j, i, k, -h)) / (2 * h);
    picker.fill(net, s.edge);
    network.innerHTML = bvNudgeNetworkSvg(net, s.edge, `${ctx.uid}-net`, st.compact);
    const H = bvH;
    summary.innerHTML =
      `${H("ϕ", i, j)} = ${uiFmt(d.phi)}, ${H("a", k, j - 1)} = ${uiFmt(d.a)}, so Eq. (3) predicts ΔL ≈ ${H("ϕ", i, j)} ${H("a", k, j - 1)} ε = ${uiFmt(d.gradient)} ε ` +
      `(L = ${uiFmt(d.L, 4)} at ε = 0). The slope of the actual curve at ε = 0, by central differences with h = 10⁻⁵: ${uiFmt(s.slope, 6)}.`;
    drawEps();
  }

  /** The edge and ε from the model after Python changed them (an ε outside the slider is ignored). */
  function load() {
    s.edge = Array.from(model.get("edge") || s.edge, Number);
    const eps = Number(model.get("eps"));
    if (Number.isFinite(eps) && Math.abs(eps) <= epsMax) {
      s.eps = eps;
      slider.value = String(eps);
    }
  }

  const epsRow = uiEl("label", { class: "bv-eps" }, [uiEl("span", { text: "ε" }), slider]);
  return { parts: [network, summary, picker.row, epsRow, readout, plot], redraw, load, traits: ["edge", "eps"] };
}

// ---------------------------------------------------------------------------------------
// The view
// ---------------------------------------------------------------------------------------

/** The network and sample of the model shown (first: the book's, kept for "The book's weights"); false if refused. */
function bvLoad(ctx, shown, sample, first) {
  const { st } = ctx;
  const refused = (err, kept) => ctx.showMessage(`The widget's network could not be used (${err.message})` + (kept ? "; the last one is kept." : "."));
  let got;
  try {
    got = bvFromModel(ctx.model);
  } catch (err) {
    refused(err, !first);
    return false;
  }
  const old = { net: st.net, x: st.x, y: st.y };
  Object.assign(st, got);
  if (first) st.original = { network: exportWeights(got.net), x: got.x.slice(), y: got.y.slice() };
  try {
    sample.rebuild();
    shown.load(first);
    ctx.redraw();
    ctx.showMessage("");
    return true;
  } catch (err) {
    if (old.net) {
      Object.assign(st, old);
      sample.rebuild();
      ctx.redraw();
    }
    refused(err, Boolean(old.net));
    return false;
  }
}

function render({ model, el }) {
  const view = model.get("view");
  el.classList.add("jupyter-widgets"); // a Jupyter widget like the others (pages and tests look for the class)
  const root = uiEl("div", { class: `bv-root bv-${view}` }, [uiEl("style", { text: BV_CSS })]);
  el.appendChild(root);
  const message = uiEl("div", { class: "bv-message", role: "status" });
  const st = { net: null, x: null, y: null, original: null, seed: 0, saving: false, compact: false };
  const ctx = { model, root, st, uid: netUid("bv") };
  ctx.showMessage = (text) => { message.textContent = text || ""; };
  ctx.save = (changes) => uiSave(model, changes, st);
  const shown = view === "stepper" ? bvStepper(ctx) : bvNudge(ctx);
  const sample = bvSampleControls(ctx);
  ctx.redraw = () => {
    shown.redraw();
    root.__network = exportWeights(st.net);
  };
  ctx.setNetwork = (net, why) => {
    const old = st.net;
    st.net = net;
    try {
      ctx.redraw();
    } catch (err) {
      st.net = old;
      ctx.redraw();
      ctx.showMessage(`${why} could not be used (${err.message}); the last network is kept.`);
      return;
    }
    ctx.showMessage("");
    ctx.save({ network: exportWeights(net) });
  };
  root.append(...shown.parts, ...sample.rows, message);

  const isCompact = () => root.clientWidth > 0 && root.clientWidth < NET_COMPACT_BELOW;
  st.compact = isCompact();
  bvLoad(ctx, shown, sample, true);
  // a phone turned, a sidebar opened: switch between the wide and the compact pictures
  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(() => {
    const compact = isCompact();
    if (compact === st.compact || !st.net) return;
    st.compact = compact;
    try {
      ctx.redraw();
    } catch (err) {
      ctx.showMessage(err.message);
    }
  }) : null;
  if (resize) resize.observe(root);
  const onChange = () => {
    if (!st.saving) bvLoad(ctx, shown, sample, false);
  };
  const traits = ["network", "x", "y", ...shown.traits];
  for (const t of traits) model.on(`change:${t}`, onChange);
  return () => {
    if (resize) resize.disconnect();
    for (const t of traits) model.off(`change:${t}`, onChange);
  };
}

export default { render };
