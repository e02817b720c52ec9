// output_error.js — Eq. (1) at work, live in the page: one output unit, ϕ = ∇ₐL · σ′(z), and
// gradient descent on z itself (the front end of mlp_lib/widgets/output_error.py, OutputErrorView).
//
// One output unit with pre-activation z, target y, an output activation σ and a loss L (one sample,
// m = 1). The page computes the three factors of Eq. (1) with the engine (getActivation, getLoss,
// outputLayerError) and the run z ← clip(z − η ϕ, −6, 6), as mlp_lib's OutputError does; the tests
// compare its numbers with OutputError's. It draws four charts: the loss as a function of z with
// the tangent of slope ϕ, the three factors as bars, the loss per step and |ϕ| per step.
//
// Traits (anywidget model): pairing, z (the start), y, learning_rate, train_steps (Python → page
// and back) and steps (how many steps the run has taken; the page writes it back).

/** Output activation + loss pairings: key → [activation, loss, label] (mlp_lib's OUTPUT_PAIRINGS). */
const OE_PAIRINGS = Object.freeze({
  "sigmoid+mse": ["sigmoid", "mse", "sigmoid + MSE"],
  "sigmoid+bce": ["sigmoid", "bce", "sigmoid + BCE"],
  "tanh+mse": ["tanh", "mse", "tanh + MSE"],
  "identity+mse": ["identity", "mse", "identity + MSE"],
  "relu+mse": ["relu", "mse", "ReLU + MSE"],
});
/** z stays in this window (the steps are clipped to it) and the loss curve spans it. */
const OE_Z_RANGE = [-6, 6];
const OE_CURVE_POINTS = 301;
const OE_CSS = `
.oe-figure > .ui-chart { flex: 1 1 300px; max-width: 370px; }
`;

/** [activation, loss] objects of the engine for a pairing key; throws on an unknown key. */
function oePairing(pairing) {
  if (!Object.prototype.hasOwnProperty.call(OE_PAIRINGS, pairing)) {
    throw new Error(`expected a pairing, one of ${Object.keys(OE_PAIRINGS).join(", ")}, got ${JSON.stringify(pairing)}`);
  }
  const [act, loss] = OE_PAIRINGS[pairing];
  return [getActivation(act), getLoss(loss)];
}

/** L(σ(z), y) for every z of `zs` (each z one sample, m = 1): the loss's per-sample value, as OutputError.loss_at. */
export function oeLossAt(pairing, zs, y) {
  const [act, loss] = oePairing(pairing);
  const n = zs.length;
  const a = act.value(matrix(1, n, Float64Array.from(zs)));
  return Array.from(loss.perSample(a, matrix(1, n, new Float64Array(n).fill(y))));
}

/**
 * The factors of Eq. (1) at z for target y: {z, a = σ(z), grad_a = ∇ₐL, dsigma = σ′(z),
 * phi = ∇ₐL · σ′(z) (the engine's outputLayerError), loss = L(σ(z), y)}, as OutputError.factors.
 */
export function oeFactors(pairing, z, y) {
  const [act, loss] = oePairing(pairing);
  const Z = matrix(1, 1, [z]);
  const A = act.value(Z);
  const gradA = loss.gradient(A, matrix(1, 1, [y]));
  return {
    z,
    a: A.data[0],
    grad_a: gradA.data[0],
    dsigma: act.derivative(Z).data[0],
    phi: outputLayerError(gradA, Z, act).data[0],
    loss: oeLossAt(pairing, [z], y)[0],
  };
}

/**
 * The run after `steps` steps z ← clip(z − η ϕ, −6, 6) from setup.z, as OutputError.step(steps):
 * {step, z, loss, phi} (lists, one entry per point, the start first) and factors (at the last z).
 * It stops early if ϕ is not finite. setup = {pairing, z, y, learning_rate}.
 */
export function oeRun(setup, steps) {
  const { pairing, y, learning_rate: eta } = setup;
  let f = oeFactors(pairing, setup.z, y);
  const history = { step: [0], z: [f.z], loss: [f.loss], phi: [f.phi] };
  for (let k = 1; k <= steps && Number.isFinite(f.phi); k++) {
    const z = Math.min(Math.max(f.z - eta * f.phi, OE_Z_RANGE[0]), OE_Z_RANGE[1]);
    f = oeFactors(pairing, z, y);
    history.step.push(k);
    history.z.push(z);
    history.loss.push(f.loss);
    history.phi.push(f.phi);
  }
  return { ...history, factors: f };
}

/**
 * The corner of a 320 × 230 chart whose legend box (ui.js's size: 34 + 6.2 px per character wide,
 * 6 + 14 px per entry high) covers the fewest of the points (xs[i], ys[i]), as matplotlib's "best".
 */
function oeLegendCorner(xs, ys, labels) {
  const fx = Math.min(0.95, (34 + 6.2 * Math.max(...labels.map((t) => t.length))) / 260);
  const fy = (6 + 14 * labels.length) / 170;
  const fit = (vs) => {
    const finite = vs.filter(Number.isFinite);
    const lo = Math.min(...finite), hi = Math.max(...finite), pad = 0.05 * (hi - lo || 1);
    return (v) => (v - lo + pad) / (hi - lo + 2 * pad);
  };
  const [u, v] = [fit(xs), fit(ys)];
  const corners = ["upper right", "upper left", "lower right", "lower left"];
  const covered = corners.map((c) => {
    const inX = c.endsWith("left") ? (t) => t <= fx : (t) => t >= 1 - fx;
    const inY = c.startsWith("lower") ? (t) => t <= fy : (t) => t >= 1 - fy;
    return xs.filter((x, i) => inX(u(x)) && inY(v(ys[i]))).length;
  });
  return corners[covered.indexOf(Math.min(...covered))];
}

/** The status line: step, z, a, ∇ₐL, σ′(z), ϕ and L with four significant digits. */
function oeStatus(run) {
  const f = run.factors;
  const parts = [["z", f.z], ["a", f.a], ["∇ₐL", f.grad_a], ["σ′(z)", f.dsigma], ["ϕ", f.phi], ["L", f.loss]];
  return `<code>step ${run.step[run.step.length - 1]}: ${parts.map(([k, v]) => `${k} = ${uiFmt(v, 4)}`).join(", ")}</code>`;
}

/** First chart: L as a function of z, the steps so far, the current z and the tangent of slope ϕ. */
function oeLossChart(setup, run) {
  const f = run.factors;
  const zs = Array.from(linspace(OE_Z_RANGE[0], OE_Z_RANGE[1], OE_CURVE_POINTS));
  const curve = oeLossAt(setup.pairing, zs, setup.y);
  const lines = [{ x: zs, y: curve, color: UI_COLORS[0], label: "L(σ(z), y)", width: 2 }];
  if (Number.isFinite(f.phi)) {
    const t = [f.z - 1.2, f.z + 1.2];
    lines.push({ x: t, y: t.map((v) => f.loss + f.phi * (v - f.z)), color: UI_COLORS[3], dash: "5 3", label: `tangent, slope ϕ = ${uiFmt(f.phi)}` });
  }
  const dots = run.z.map((z, k) => ({ x: z, y: run.loss[k], color: "#9a9a9a", r: 2.5, label: k === 0 ? "steps" : null }));
  dots.push({ x: f.z, y: f.loss, color: UI_COLORS[3], r: 5, label: "current z" });
  const label = OE_PAIRINGS[setup.pairing][2];
  const points = [...lines, { x: dots.map((d) => d.x), y: dots.map((d) => d.y) }];
  const legend = oeLegendCorner(points.flatMap((s) => s.x), points.flatMap((s) => s.y), [...lines, ...dots].filter((s) => s.label).map((s) => s.label));
  return {
    title: `${label}, target y = ${uiFmt(setup.y)}`,
    xLabel: "pre-activation z",
    yLabel: "loss",
    lines,
    dots,
    legend,
    summary:
      `Loss L(σ(z), y) of ${label} with target ${uiFmt(setup.y)} for z from −6 to 6; current z = ${uiFmt(f.z)}, ` +
      `L = ${uiFmt(f.loss)}, tangent slope ϕ = ${uiFmt(f.phi)}; ${run.z.length} points of the run shown.`,
  };
}

/** Second chart: the bars ∇ₐL, σ′(z) and ϕ, a dot on each and its value in the legend (room is left for it). */
function oeFactorChart(run) {
  const f = run.factors;
  const names = ["∇ₐL", "σ′(z)", "ϕ"];
  const colors = [UI_COLORS[1], UI_COLORS[2], UI_COLORS[3]];
  const factors = [f.grad_a, f.dsigma, f.phi];
  const values = factors.map((v) => (Number.isFinite(v) ? v : 0)); // an infinite ∇ₐL (BCE at a = 1) has no bar
  const lo = Math.min(...values, 0);
  const hi = Math.max(...values, 0);
  const span = Math.max(hi - lo, 1e-3);
  const up = hi >= -lo;
  return {
    title: `Eq. (1) at z = ${uiFmt(f.z)}, a = ${uiFmt(f.a)}`,
    bars: { labels: ["∇ₐL", "σ′(z)", "ϕ = ∇ₐL·σ′"], values, colors },
    dots: values.map((v, i) => ({ x: i, y: v, color: colors[i], r: 3.5, label: `${names[i]} = ${uiFmt(factors[i])}` })),
    hlines: [{ y: 0, color: "#222", dash: "none" }],
    yLimits: up ? [lo - 0.15 * span, hi + 0.6 * span] : [lo - 0.6 * span, hi + 0.15 * span],
    legend: up ? "upper right" : "lower right",
    summary: `Bars of the factors of Eq. (1) at z = ${uiFmt(f.z)}: ∇ₐL = ${uiFmt(f.grad_a)}, σ′(z) = ${uiFmt(f.dsigma)}, ϕ = ∇ₐL·σ′(z) = ${uiFmt(f.phi)}.`,
  };
}

/** Third and fourth charts: the loss per step and |ϕ| per step. */
function oeHistoryCharts(setup, run) {
  const absPhi = run.phi.map(Math.abs);
  const last = run.step.length - 1;
  return [
    {
      title: `z ← z − η ϕ, η = ${uiFmt(setup.learning_rate)}`,
      xLabel: "step",
      yLabel: "loss",
      lines: [{ x: run.step, y: run.loss, color: UI_COLORS[0] }],
      summary: `Loss over ${last} steps of z ← z − η ϕ with η = ${uiFmt(setup.learning_rate)}: from ${uiFmt(run.loss[0])} to ${uiFmt(run.loss[last])}.`,
    },
    {
      title: "the size of ϕ",
      xLabel: "step",
      yLabel: "|ϕ|",
      lines: [{ x: run.step, y: absPhi, color: UI_COLORS[3] }],
      summary: `|ϕ| over ${last} steps: from ${uiFmt(absPhi[0])} to ${uiFmt(absPhi[last])}.`,
    },
  ];
}

/** The setup as the model holds it. */
function oeSetup(model) {
  return { pairing: model.get("pairing"), z: model.get("z"), y: model.get("y"), learning_rate: model.get("learning_rate") };
}

function render({ model, el }) {
  const panel = uiPanel(el, "Eq. (1) at work: one output unit");
  panel.append(uiEl("style", { text: OE_CSS }));
  let writing = false; // the page's own changes redraw once, not once per trait
  const write = (changes) => {
    writing = true;
    for (const [name, value] of Object.entries(changes)) model.set(name, value);
    writing = false;
    model.save_changes();
    redraw();
  };
  const restart = (name) => (value) => write({ [name]: value, steps: 0 });
  const advance = (n) => write({ steps: n === 0 ? 0 : model.get("steps") + n });
  const pairing = uiSelect({
    label: "Output σ + loss",
    options: Object.entries(OE_PAIRINGS).map(([key, v]) => [key, v[2]]),
    value: model.get("pairing"),
    onChange: restart("pairing"),
  });
  const z = uiSlider({ label: "Start zᴶ", min: OE_Z_RANGE[0], max: OE_Z_RANGE[1], step: 0.1, value: model.get("z"), onChange: restart("z") });
  const y = uiSlider({ label: "Target y", min: 0, max: 1, step: 0.05, value: model.get("y"), onChange: restart("y") });
  const eta = uiSlider({ label: "Learning rate η", min: -2, max: 1.3, step: 0.1, log: true, value: model.get("learning_rate"), onChange: restart("learning_rate") });
  const buttons = uiButtons([
    { label: "Step", title: "one step z ← z − η ϕ", onClick: () => advance(1) },
    { label: "Train", title: `${model.get("train_steps")} steps`, primary: true, onClick: () => advance(model.get("train_steps")) },
    { label: "Reset", title: "back to the starting z", onClick: () => advance(0) },
  ]);
  const status = uiStatus();
  const figure = uiFigure();
  figure.el.classList.add("oe-figure");
  panel.append(uiControls([pairing.el, z.el, y.el, eta.el]), buttons.el, status, figure.el);

  function redraw() {
    const setup = oeSetup(model);
    const run = oeRun(setup, model.get("steps"));
    status.innerHTML = oeStatus(run);
    figure.draw([oeLossChart(setup, run), oeFactorChart(run), ...oeHistoryCharts(setup, run)]);
  }

  function sync() {
    if (writing) return;
    pairing.value = model.get("pairing");
    z.value = model.get("z");
    y.value = model.get("y");
    eta.value = model.get("learning_rate");
    buttons.buttons[1].title = `${model.get("train_steps")} steps`;
    redraw();
  }

  for (const name of ["pairing", "z", "y", "learning_rate", "train_steps", "steps"]) model.on(`change:${name}`, sync);
  redraw();
}

export default { render };
