// parameter_watch.js — Eqs. (3) and (4) at work, live in the page: one weight w^j_{i,k} or bias b^j_i
// of a small network moving under its gradient (ParameterWatchView, mlp_lib/widgets/parameter_watch.py).
//
// A network 2 → units → 1 (sigmoid output, binary cross-entropy) learns the two moons by
// full-batch gradient descent (the engine's sgdStep). At every step the page records all the
// weights, their gradients from the backward pass and the gradients rebuilt from the error signal,
//   Eq. (3): ∂L/∂w^j_{i,k} = Σ_s ϕ^j_{i,s} a^{j−1}_{k,s}     Eq. (4): ∂L/∂b^j_i = Σ_s ϕ^j_{i,s},
// so that picking another parameter shows its whole history at once. The charts show the watched
// parameter's value, its gradient (both ways) and the per-sample terms of the sum at the last step.
//
// Python sends mlp_lib's starting network and data (the trait `initial`), so the page trains from
// exactly mlp_lib's numbers. The exported pw… functions are the numbers;
// tests/widgets/test_widget_parameter_watch.py runs them under node against mlp_lib's ParameterWatch.

const PW_BINS = 25;
const PW_SUP = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹", "−": "⁻" };
const PW_SUB = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉", ",": ",", s: "ₛ", "−": "₋" };
const PW_CHART = { width: 260, height: 210 };

// ---------------------------------------------------------------------------------------
// The numbers (mlp_lib's ParameterWatch)
// ---------------------------------------------------------------------------------------

/**
 * A run of full-batch gradient descent of `net` on (x, y), recorded step by step:
 * {net, x, y, steps, diverged, records, last}. records[t] holds the weights after t steps
 * (W, b), their gradients from the backward pass (dW, db), the sums of Eqs. (3) and (4)
 * (sumW, sumB: Σ_s ϕ^j_{i,s} a^{j−1}_{k,s} and Σ_s ϕ^j_{i,s}) and the loss; `last` the ϕ^j and
 * a^j of the latest weights (for the per-sample terms).
 */
export function pwRun(net, x, y) {
  const run = { net, x, y, steps: 0, diverged: null, records: [], last: null };
  pwRecord(run);
  return run;
}

/** Σ_s ϕ_{i,s} a_{k,s} for every (i, k) (n_j, n_{j−1}), summed sample by sample, and Σ_s ϕ_{i,s} (n_j, 1). */
function pwSums(phi, aPrev) {
  const m = phi.cols, sumW = matrix(phi.rows, aPrev.rows), sumB = matrix(phi.rows, 1);
  for (let i = 0; i < phi.rows; i++) {
    for (let s = 0; s < m; s++) sumB.data[i] += phi.data[i * m + s];
    for (let k = 0; k < aPrev.rows; k++) {
      let total = 0;
      for (let s = 0; s < m; s++) total += phi.data[i * m + s] * aPrev.data[k * m + s];
      sumW.data[i * aPrev.rows + k] = total;
    }
  }
  return { sumW, sumB };
}

/** Record the current weights: forward pass, backward pass (Eqs. 1–4), the sums of Eqs. (3), (4) and the loss. */
export function pwRecord(run) {
  const net = run.net, fp = forward(net, run.x), g = backward(net, fp, run.y);
  const sums = net.W.map((_, j) => (j === 0 ? null : pwSums(g.phi[j], fp.a[j - 1])));
  run.records.push({
    W: net.W,
    b: net.b, // sgdStep replaces the matrices, so these stay the weights of this step
    dW: g.dW,
    db: g.db,
    sumW: sums.map((s) => s && s.sumW),
    sumB: sums.map((s) => s && s.sumB),
    loss: lossFromForward(net, fp, run.y),
  });
  run.last = { phi: g.phi, a: fp.a };
}

/** `n` gradient-descent steps θ ← θ − lr ∂L/∂θ, each recorded; stops and returns false if training diverges. */
export function pwStep(run, n, lr) {
  for (let t = 0; t < n; t++) {
    try {
      sgdStep(run.net, run.x, run.y, lr, { epoch: run.steps + 1, step: 1 });
    } catch (err) {
      if (!(err instanceof TrainingDiverged)) throw err;
      run.diverged = err.message;
      return false;
    }
    run.steps += 1;
    pwRecord(run);
  }
  return true;
}

/** Index of the watched parameter sel = {kind: "W" | "b", layer, i, k} (1-based) in its matrix's data. */
function pwIndex(run, sel) {
  return sel.kind === "W" ? (sel.i - 1) * run.net.sizes[sel.layer - 1] + (sel.k - 1) : sel.i - 1;
}

/**
 * The history of the watched parameter, one entry per recorded step (as ParameterWatch.history):
 * {step, value, gradient (backward pass), rebuilt (the sum of Eq. 3 or 4), loss}.
 */
export function pwHistory(run, sel) {
  const j = sel.layer, n = pwIndex(run, sel), w = sel.kind === "W";
  return {
    step: run.records.map((_, t) => t),
    value: run.records.map((r) => (w ? r.W[j] : r.b[j]).data[n]),
    gradient: run.records.map((r) => (w ? r.dW[j] : r.db[j]).data[n]),
    rebuilt: run.records.map((r) => (w ? r.sumW[j] : r.sumB[j]).data[n]),
    loss: run.records.map((r) => r.loss),
  };
}

/** The per-sample terms at the latest weights, whose sum is the gradient: ϕ^j_{i,s} a^{j−1}_{k,s} (weight) or ϕ^j_{i,s} (bias); length m. */
export function pwContributions(run, sel) {
  const phi = run.last.phi[sel.layer], a = run.last.a[sel.layer - 1], m = phi.cols, i = sel.i - 1, k = sel.k - 1;
  return Array.from({ length: m }, (_, s) => phi.data[i * m + s] * (sel.kind === "W" ? a.data[k * m + s] : 1));
}

/** A histogram as numpy.histogram(values, bins) draws it: {edges (bins + 1), counts (bins)}; the last bin includes its right edge. */
export function pwHistogram(values, bins = PW_BINS) {
  let lo = Math.min(...values), hi = Math.max(...values);
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  const edges = Array.from({ length: bins + 1 }, (_, n) => lo + ((hi - lo) * n) / bins);
  const counts = Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))] += 1;
  return { edges, counts };
}

// ---------------------------------------------------------------------------------------
// What the page shows
// ---------------------------------------------------------------------------------------

/** `text` in Unicode superscripts (digits, minus) or subscripts (digits, comma, s). */
function pwScript(text, table) {
  return String(text).split("").map((c) => table[c] ?? c).join("");
}

/** How the page writes the watched parameter: plain text for charts, HTML for the status line, words for screen readers. */
export function pwSymbols(sel) {
  const { layer: j, i, k } = sel;
  if (sel.kind === "W") {
    return {
      text: `w${pwScript(j, PW_SUP)}${pwScript(`${i},${k}`, PW_SUB)}`,
      html: `w<sup>${j}</sup><sub>${i},${k}</sub>`,
      termsText: `ϕ${pwScript(j, PW_SUP)}${pwScript(`${i},s`, PW_SUB)} a${pwScript(j - 1, PW_SUP)}${pwScript(`${k},s`, PW_SUB)}`,
      termsHtml: `ϕ<sup>${j}</sup><sub>${i},s</sub> a<sup>${j - 1}</sup><sub>${k},s</sub>`,
      eq: 3,
      spoken: `the weight of layer ${j} from unit ${k} to unit ${i}`,
    };
  }
  return {
    text: `b${pwScript(j, PW_SUP)}${pwScript(i, PW_SUB)}`,
    html: `b<sup>${j}</sup><sub>${i}</sub>`,
    termsText: `ϕ${pwScript(j, PW_SUP)}${pwScript(`${i},s`, PW_SUB)}`,
    termsHtml: `ϕ<sup>${j}</sup><sub>${i},s</sub>`,
    eq: 4,
    spoken: `the bias of unit ${i} of layer ${j}`,
  };
}

/** The status line (HTML): the watched parameter's value, gradient (both ways) and the loss at the last step. */
export function pwStatusHtml(run, sel) {
  const h = pwHistory(run, sel), name = pwSymbols(sel), t = h.step.length - 1;
  const text =
    `step ${run.steps}: ${name.html} = ${uiFmt(h.value[t], 5)}, ∂L/∂${name.html} = ${uiFmt(h.gradient[t], 4)} ` +
    `(Eq. (${name.eq}): Σ<sub>s</sub> ${name.termsHtml} = ${uiFmt(h.rebuilt[t], 4)}), loss = ${Number.isFinite(h.loss[t]) ? h.loss[t].toFixed(4) : uiFmt(h.loss[t])}`;
  let html = `<code>${text}</code>`;
  if (run.diverged) html += `<br><span class="ui-warn">diverged</span>: ${uiEsc(run.diverged)}. Lower the learning rate and press Reset.`;
  return html;
}

/** y limits that leave the top quarter of a chart of `ys` (and 0) free for its legend. */
function pwRoomForLegend(ys) {
  const all = [0, ...ys.flat().filter(Number.isFinite)];
  const lo = Math.min(...all), hi = Math.max(...all), span = hi - lo || Math.abs(hi) || 1;
  return [lo - 0.05 * span, hi + 0.45 * span];
}

/** The unit of a histogram's axis: 10^e for values of order 10^e with e ≤ −2 or e ≥ 3 (short tick labels), else 1. */
function pwUnit(values) {
  const largest = Math.max(...values.map(Math.abs));
  const e = largest > 0 && Number.isFinite(largest) ? Math.floor(Math.log10(largest)) : 0;
  if (e > -2 && e < 3) return { factor: 1, text: "" };
  return { factor: 10 ** e, text: `, in units of 10${pwScript(String(e).replace("-", "−"), PW_SUP)}` };
}

/** The three charts: the value, the gradient (backward pass and Eq. 3/4) and a histogram of the per-sample terms. */
export function pwChartSpecs(run, sel) {
  const h = pwHistory(run, sel), name = pwSymbols(sel), t = h.step.length - 1;
  const terms = pwContributions(run, sel), hist = pwHistogram(terms);
  const sum = terms.reduce((a, b) => a + b, 0);
  const unit = pwUnit(terms);
  const outline = { x: [hist.edges[0] / unit.factor], y: [0] }; // the histogram's outline, in units of unit.factor
  hist.counts.forEach((c, n) => {
    outline.x.push(hist.edges[n] / unit.factor, hist.edges[n + 1] / unit.factor);
    outline.y.push(c, c);
  });
  outline.x.push(hist.edges[PW_BINS] / unit.factor);
  outline.y.push(0);
  const negative = terms.filter((v) => v < 0).length, positive = terms.filter((v) => v > 0).length;
  const gradientLines = [
    { x: h.step, y: h.gradient, color: UI_COLORS[3], label: "backward pass" },
    { x: h.step, y: h.rebuilt, color: "#000", dash: "2 3", label: `Σₛ of the terms, Eq. (${name.eq})` },
  ];
  return [
    {
      ...PW_CHART,
      title: `value of ${name.text}`,
      xLabel: "step",
      lines: [{ x: h.step, y: h.value, color: UI_COLORS[0] }],
      summary: `Line chart: the value of ${name.spoken} over ${run.steps} steps, from ${uiFmt(h.value[0], 4)} to ${uiFmt(h.value[t], 4)}.`,
    },
    {
      ...PW_CHART,
      title: `gradient ∂L/∂${name.text}`,
      xLabel: "step",
      lines: gradientLines,
      hlines: [{ y: 0, color: "#999", dash: "none" }],
      yLimits: pwRoomForLegend([h.gradient, h.rebuilt]),
      legend: "upper right",
      summary:
        `Line chart: the gradient of ${name.spoken} over ${run.steps} steps, from the backward pass and rebuilt by Eq. (${name.eq}) ` +
        `as the sum of the per-sample terms; the two lines coincide. Now ${uiFmt(h.gradient[t], 4)} and ${uiFmt(h.rebuilt[t], 4)}.`,
    },
    {
      ...PW_CHART,
      title: `terms at step ${run.steps}, sum ${uiFmt(sum, 3)}`,
      xLabel: `${name.termsText}${unit.text}`,
      yLabel: "samples",
      lines: [{ ...outline, color: UI_COLORS[4] }],
      vlines: [{ x: 0, color: "#999", dash: "none" }],
      summary:
        `Histogram of the ${terms.length} per-sample terms ${name.termsText} at step ${run.steps}: from ${uiFmt(Math.min(...terms))} ` +
        `to ${uiFmt(Math.max(...terms))}, ${negative} negative and ${positive} positive; their sum, the gradient, is ${uiFmt(sum, 4)}.`,
    },
  ];
}

// ---------------------------------------------------------------------------------------
// The widget
// ---------------------------------------------------------------------------------------

/** The watched parameter {kind, layer, i, k} from the model. */
function pwSelectionFrom(model) {
  return { kind: model.get("kind"), layer: Number(model.get("layer")), i: Number(model.get("i")), k: Number(model.get("k")) };
}

/** A fresh run from Python's start `initial` = {network: {config, params}, x, y} (mlp_lib's weights and data). */
function pwFromInitial(model) {
  const initial = model.get("initial");
  return pwRun(networkFromWeights(initial.network.config, initial.network.params), asMatrix(initial.x, "x"), asMatrix(initial.y, "y"));
}

/** Sliders for layer j, unit i and (weights) input k; `on(key, value)` when the reader moves one. */
function pwSelectionControls(sel, sizes, on) {
  const int = (v) => String(v);
  const controls = {
    layer: uiSlider({ label: "Layer j", min: 1, max: sizes.length - 1, step: 1, value: sel.layer, format: int, onChange: (v) => on("layer", v) }),
    i: uiSlider({ label: "Unit i (layer j)", min: 1, max: sizes[sel.layer], step: 1, value: sel.i, format: int, onChange: (v) => on("i", v) }),
  };
  if (sel.kind === "W") {
    controls.k = uiSlider({ label: "Input k (layer j−1)", min: 1, max: sizes[sel.layer - 1], step: 1, value: sel.k, format: int, onChange: (v) => on("k", v) });
  }
  return controls;
}

/** Limit the unit sliders to layer j's sizes and show `sel`. */
function pwShowSelection(controls, sel, sizes) {
  controls.layer.value = sel.layer;
  controls.i.input.max = String(sizes[sel.layer]);
  controls.i.value = sel.i;
  if (controls.k) {
    controls.k.input.max = String(sizes[sel.layer - 1]);
    controls.k.value = sel.k;
  }
}

function render({ model, el }) {
  let sel = pwSelectionFrom(model);
  const root = uiPanel(el, sel.kind === "W" ? "Watching one weight move under its gradient (Eq. 3)" : "Watching one bias move under its gradient (Eq. 4)");
  const own = { saving: false };
  let lr = Number(model.get("learning_rate"));
  let run = pwFromInitial(model);
  pwStep(run, Number(model.get("warmup")), lr);
  const sizes = run.net.sizes;
  const status = uiStatus();
  const figure = uiFigure();

  /** Redraw, and send Python what it reads back: the weights, the steps, the watched parameter and its history. */
  function publish(extra = {}) {
    status.innerHTML = pwStatusHtml(run, sel);
    figure.draw(pwChartSpecs(run, sel));
    uiSave(model, { ...extra, network: exportWeights(run.net), steps: run.steps, history: pwHistory(run, sel) }, own);
  }

  const select = pwSelectionControls(sel, sizes, (key, value) => {
    const next = { ...sel, [key]: value };
    next.i = Math.min(next.i, sizes[next.layer]);
    next.k = sel.kind === "W" ? Math.min(next.k, sizes[next.layer - 1]) : 1;
    sel = next;
    pwShowSelection(select, sel, sizes);
    publish({ layer: sel.layer, i: sel.i, k: sel.k });
  });
  const rateSlider = uiSlider({ label: "Learning rate η", min: -3, max: 1, step: 0.1, value: lr, log: true, onChange: (v) => {
    lr = v;
    run.diverged = null;
    publish({ learning_rate: lr });
  } });
  const trainSteps = () => Number(model.get("train_steps"));
  const buttons = uiButtons([
    { label: "Step", title: "one gradient-descent step", onClick: () => {
      pwStep(run, 1, lr);
      publish();
    } },
    { label: "Train", title: `${trainSteps()} steps`, primary: true, onClick: () => {
      pwStep(run, trainSteps(), lr);
      publish();
    } },
    { label: "Reset", title: "fresh network, same seed", onClick: () => {
      run = pwFromInitial(model);
      publish();
    } },
  ]);
  root.append(uiControls([...Object.values(select).map((c) => c.el), rateSlider.el]), buttons.el, status, figure.el);
  publish();

  /** Python picked another parameter: show its history. */
  const onSelection = () => {
    if (own.saving) return;
    sel = pwSelectionFrom(model);
    pwShowSelection(select, sel, sizes);
    publish();
  };
  /** Python changed the learning rate or the number of Train steps: the run goes on. */
  const onTraining = () => {
    if (own.saving) return;
    lr = Number(model.get("learning_rate"));
    rateSlider.value = lr;
    buttons.buttons[1].title = `${trainSteps()} steps`;
  };
  /** Python sent a new start: train from it again. */
  const onStart = () => {
    if (own.saving) return;
    run = pwFromInitial(model);
    pwStep(run, Number(model.get("warmup")), lr);
    publish();
  };
  const listeners = [
    ...["layer", "i", "k"].map((t) => [`change:${t}`, onSelection]),
    ["change:learning_rate", onTraining],
    ["change:train_steps", onTraining],
    ["change:initial", onStart],
    ["change:warmup", onStart],
  ];
  for (const [event, f] of listeners) model.on(event, f);
  return () => {
    for (const [event, f] of listeners) model.off(event, f);
  };
}

export default { render };
