// playground_charts.js — the playground's four curves as SVG charts (ui.js's uiChart): the loss and
// the accuracy (R² for regression) on both sets, and the per-layer norms ‖ϕ^j‖ and ‖∇w^j L‖
// (trailing means over 20 steps), each with its one-line summary as the text alternative.

const PG_CURVE_POINTS = 300; // points drawn per curve (the history keeps up to 4000)
const PG_LOG_EXP_LIMIT = 300; // log axes end within 1e±300, whatever is plotted (1e308 included)

/** Log-axis limits snapped to half decades, kept within 1e±300 (so every tick is finite). */
export function pgLogLimits(arrays, floor = 1e-12) {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays) for (const v of a) if (Number.isFinite(v) && v > floor) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === Infinity) return [floor * 10, 1];
  const clamp = (e) => Math.min(Math.max(e, -PG_LOG_EXP_LIMIT), PG_LOG_EXP_LIMIT);
  const l = clamp(Math.floor(2 * Math.log10(lo)) / 2);
  const u = Math.max(clamp(Math.ceil(2 * Math.log10(hi)) / 2), l + 1);
  return [10 ** l, 10 ** u];
}

/** x-axis end: the next of 10, 20, 50, 100, … at or above the step. */
export function pgStepLimit(step) {
  step = Math.max(step, 10);
  const decade = 10 ** Math.floor(Math.log10(step));
  for (const k of [1, 2, 5, 10]) if (k * decade >= step) return k * decade;
  return 10 * decade;
}

/** At most PG_CURVE_POINTS evenly spread indices of n points, the last one included. */
function pgThin(n) {
  const stride = Math.max(1, Math.ceil(n / PG_CURVE_POINTS)), idx = [];
  for (let i = 0; i < n; i += stride) idx.push(i);
  if (n && idx[idx.length - 1] !== n - 1) idx.push(n - 1);
  return idx;
}

/** A uiChart line of at most PG_CURVE_POINTS points; x (steps) divided by `per` (1, or 1000 on a thousands axis). */
function pgLine(x, y, color, label, per) {
  const idx = pgThin(x.length);
  return { x: idx.map((i) => x[i] / per), y: idx.map((i) => y[i]), color, label, width: 1.6 };
}

const pgLast = (a) => (a.length ? a[a.length - 1] : NaN);

/** The lower end of the accuracy axis: 0, or for R² the lowest recent value (down to −1) in halves. */
function pgScoreFloor(run) {
  const h = run.history;
  if (run.data.task !== "regression") return 0;
  const recent = [...h.trainScore.slice(-400), ...h.testScore.slice(-400)].filter(Number.isFinite);
  return Math.floor(Math.max(Math.min(0, ...recent), -1) * 2) / 2;
}

/** The one line that says what a per-layer norm chart shows now. */
function pgNormSummary(what, run, key) {
  const n = run.norms, J = run.net.J;
  if (!n.step.length) return `${what} per layer j = 1 … ${J}: no step yet`;
  const values = Array.from(n[key][n[key].length - 1], (v, j) => `j=${j + 1} ${uiFmt(v, 3)}`);
  return `${what} per layer (log scale, mean of the last 20 steps) at step ${run.step}: ${values.join(", ")}`;
}

/**
 * The four uiChart specs of a run, `width` × 0.75·width each: loss (log), accuracy or R², ‖ϕ^j‖ and
 * ‖∇w^j L‖ per layer (log, coloured by layer as the legend below them says).
 */
export function pgChartSpecs(run, width) {
  const h = run.history, d = run.data, J = run.net.J;
  const end = pgStepLimit(Math.max(pgLast(h.step) || 0, pgLast(run.norms.step) || 0));
  const per = end >= 1000 ? 1000 : 1; // steps in thousands: short tick labels, also on a phone
  const axis = { width, height: Math.round(0.75 * width), xLimits: [0, (1.06 * end) / per], xLabel: per > 1 ? "step (thousands)" : "step" };
  const score = d.task === "regression" ? "R²" : "accuracy";
  const floor = pgScoreFloor(run);
  const at = h.step.length ? `at step ${pgLast(h.step)}` : "not evaluated yet";
  const line = (x, y, color, label) => pgLine(x, y, color, label, per);
  const layers = (key) => Array.from({ length: J }, (_, j) =>
    line(run.norms.step, run.norms[key].map((v) => Math.max(v[j], 1e-12)), UI_COLORS[j % 10], `j=${j + 1}`));
  const phi = layers("phi"), dW = layers("dW");
  return [
    {
      ...axis, yLog: true, yLimits: pgLogLimits([h.trainLoss, h.testLoss]), legend: "upper right",
      lines: [line(h.step, h.trainLoss, UI_COLORS[0], "train"), line(h.step, h.testLoss, UI_COLORS[1], "test")],
      summary: `loss (${d.loss.toUpperCase()}) by step, log scale, ${at}: train ${uiFmt(pgLast(h.trainLoss), 4)}, test ${uiFmt(pgLast(h.testLoss), 4)}`,
    },
    {
      ...axis, yLimits: [floor - 0.02, 1.02], legend: "lower right",
      lines: [line(h.step, h.trainScore, UI_COLORS[0], "train"), line(h.step, h.testScore, UI_COLORS[1], "test")],
      summary: `${score} by step, ${at}: train ${uiFmt(pgLast(h.trainScore), 3)}, test ${uiFmt(pgLast(h.testScore), 3)}`,
    },
    { ...axis, yLog: true, yLimits: pgLogLimits(phi.map((s) => s.y)), legend: null, lines: phi, summary: pgNormSummary("error signal ‖ϕʲ‖", run, "phi") },
    { ...axis, yLog: true, yLimits: pgLogLimits(dW.map((s) => s.y)), legend: null, lines: dW, summary: pgNormSummary("weight gradient ‖∇L‖ with respect to wʲ", run, "dW") },
  ];
}

/** The layers' colours under the two norm charts: "layer j = 1 ▬ 2 ▬ …" (HTML). */
export function pgLayerLegendHtml(J) {
  const items = Array.from({ length: J }, (_, j) =>
    `<span class="pg-key"><span class="pg-swatch" style="background:${UI_COLORS[j % 10]}"></span>${j + 1}${j + 1 === J ? " (output)" : ""}</span>`);
  return `layer j = ${items.join(" ")}`;
}
