// descent.js — gradient descent on a loss surface you can see, live in the page (the front end of
// mlp_lib/widgets/descent.py, DescentView).
//
// One neuron ŷ = w x + b (MLP([1, 1], output="identity", loss="mse")) on a fixed data set: its
// loss L(w, b) is drawn as contour lines of log₁₀ L over the window w ∈ [−2.5, 5], b ∈ [−3, 5],
// with the least-squares minimum and the path of full-batch gradient-descent steps
// (w, b) ← (w, b) − η (∇_w L, ∇_b L), the gradients from the engine's backpropagation (sgdStep);
// a second chart shows the loss per step on a log scale.
//
// Traits (anywidget model): x, y (the data, from Python: NumPy draws them), start ([w, b]),
// learning_rate (both ways), path ([[w, b], …]), losses and diverged (the run: Python sends the
// warm-up run, the page writes back every step it takes).

const DSC_CONFIG = Object.freeze({ layer_sizes: [1, 1], hidden: [], output: "identity", loss: "mse" });
const DSC_W_RANGE = [-2.5, 5.0];
const DSC_B_RANGE = [-3.0, 5.0];
/** A run counts as diverged once the loss exceeds this (mlp_lib's DIVERGED_LOSS). */
const DSC_DIVERGED_LOSS = 1e6;
const DSC_GRID = 80;
const DSC_LEVELS = 18;
/** matplotlib's viridis at 0, 0.1, …, 1. */
const DSC_VIRIDIS = ["#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c", "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725"];
const DSC_CSS = `
.dsc-figure > .ui-chart:first-child { flex: 1.3 1 300px; max-width: 440px; }
.dsc-figure > .ui-chart:last-child { flex: 1 1 220px; max-width: 330px; }
`;

/** The network ŷ = w x + b of the engine. */
function dscNetwork(w, b) {
  return networkFromWeights(DSC_CONFIG, { W1: [[w]], b1: [[b]] });
}

/** The data as (1, m) matrices. */
function dscData(x, y) {
  return { X: matrix(1, x.length, x), Y: matrix(1, y.length, y) };
}

/** L(w, b) = (1/m) Σ_s (y_s − (w x_s + b))², the engine's lossValue (MLP.loss_value). */
export function dscLossAt(x, y, w, b) {
  const { X, Y } = dscData(x, y);
  return lossValue(dscNetwork(w, b), X, Y);
}

/**
 * `steps` more gradient-descent steps with learning rate η from the end of `state`, as
 * Descent.run: returns a new {path: [[w, b], …], losses: [L, …], diverged: "" or why it stopped}.
 * A step whose weights would not be finite is not taken (sgdStep throws TrainingDiverged); a step
 * whose loss passes 10⁶ is taken and ends the run. A diverged run takes no more steps.
 */
export function dscAdvance(x, y, state, learningRate, steps) {
  const { X, Y } = dscData(x, y);
  const path = state.path.map((p) => p.slice());
  const losses = state.losses.slice();
  let diverged = state.diverged || "";
  for (let k = 0; k < steps && !diverged; k++) {
    const [w, b] = path[path.length - 1];
    const net = dscNetwork(w, b);
    try {
      sgdStep(net, X, Y, learningRate);
    } catch (err) {
      if (!(err instanceof TrainingDiverged)) throw err;
      diverged = `${err.message} (η is too large for this valley)`;
      break;
    }
    const loss = lossValue(net, X, Y);
    path.push([net.W[1].data[0], net.b[1].data[0]]);
    losses.push(loss);
    if (!Number.isFinite(loss) || loss > DSC_DIVERGED_LOSS) diverged = "the loss passed 1e+06: η is too large for this valley";
  }
  return { path, losses, diverged };
}

/** The least-squares line [w*, b*]: w* = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)², b* = ȳ − w* x̄ (the minimum of L). */
export function dscLeastSquares(x, y) {
  const m = x.length;
  const xMean = x.reduce((s, v) => s + v, 0) / m;
  const yMean = y.reduce((s, v) => s + v, 0) / m;
  let sxy = 0;
  let sxx = 0;
  for (let s = 0; s < m; s++) {
    sxy += (x[s] - xMean) * (y[s] - yMean);
    sxx += (x[s] - xMean) ** 2;
  }
  const w = sxy / sxx;
  return [w, yMean - w * xMean];
}

/**
 * The window's grid: {ws, bs} (80 values each) and loss[i][k] = L(ws[k], bs[i]), all 6400 in one
 * forward pass of the engine through a network with one output unit per grid point (its z = w x + b
 * for every sample) and the engine's MSE per sample, read with the grid points as the samples.
 */
export function dscSurface(x, y) {
  const ws = Array.from(linspace(DSC_W_RANGE[0], DSC_W_RANGE[1], DSC_GRID));
  const bs = Array.from(linspace(DSC_B_RANGE[0], DSC_B_RANGE[1], DSC_GRID));
  const G = DSC_GRID * DSC_GRID;
  const m = x.length;
  const gridW = matrix(G, 1, bs.flatMap(() => ws));
  const gridB = matrix(G, 1, bs.flatMap((b) => ws.map(() => b)));
  const net = networkFromWeights({ ...DSC_CONFIG, layer_sizes: [1, G] }, { W1: gridW, b1: gridB });
  const Z = forward(net, matrix(1, m, x)).a[1]; // (G, m): row g is ŷ of grid point g
  const samplesByPoint = matrix(m, G); // Zᵀ: the m outputs of each grid point in a column
  const targets = matrix(m, G);
  for (let g = 0; g < G; g++) {
    for (let s = 0; s < m; s++) {
      samplesByPoint.data[s * G + g] = Z.data[g * m + s];
      targets.data[s * G + g] = y[s];
    }
  }
  const loss = getLoss("mse").perSample(samplesByPoint, targets); // (1/m) Σ_s (y_s − ŷ_s)² per grid point
  return { ws, bs, loss: bs.map((_, i) => Array.from(loss.subarray(i * DSC_GRID, (i + 1) * DSC_GRID))) };
}

/**
 * Round levels strictly between lo and hi, spaced by the smallest step of 1, 2, 2.5, 5 or 10 × 10ᵏ
 * that cuts [lo, hi] into at most `count` + 1 intervals (about what matplotlib's contour(levels=count) draws).
 */
export function dscLevels(lo, hi, count = DSC_LEVELS) {
  const raw = (hi - lo) / (count + 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw);
  const out = [];
  for (let k = Math.floor(lo / step) + 1; k * step < hi; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

/**
 * Contour lines of `values` (values[i][k] at (xs[k], ys[i])) by marching squares: one
 * {level, x, y} per level, its segments joined into one line with NaN between them (a break).
 * A crossing of a cell's edge is placed by linear interpolation; a saddle cell is split by the
 * value at its centre.
 */
export function dscContours(xs, ys, values, levels) {
  const lines = levels.map((level) => ({ level, x: [], y: [] }));
  for (let i = 0; i + 1 < ys.length; i++) {
    for (let k = 0; k + 1 < xs.length; k++) {
      const v = [values[i][k], values[i][k + 1], values[i + 1][k + 1], values[i + 1][k]];
      const lo = Math.min(...v);
      const hi = Math.max(...v);
      const corners = [[xs[k], ys[i]], [xs[k + 1], ys[i]], [xs[k + 1], ys[i + 1]], [xs[k], ys[i + 1]]];
      for (const line of lines) {
        if (line.level < lo || line.level >= hi) continue; // the level does not cross this cell
        dscCellSegments(corners, v, line);
      }
    }
  }
  return lines;
}

/** Adds the segments of `line.level` across one cell (corners counter-clockwise, values v) to the line. */
function dscCellSegments(corners, v, line) {
  const level = line.level;
  const crossings = [];
  for (let e = 0; e < 4; e++) {
    const f = (e + 1) % 4;
    if (v[e] < level === v[f] < level) continue;
    const t = (level - v[e]) / (v[f] - v[e]);
    crossings.push([corners[e][0] + t * (corners[f][0] - corners[e][0]), corners[e][1] + t * (corners[f][1] - corners[e][1])]);
  }
  const centreBelow = (v[0] + v[1] + v[2] + v[3]) / 4 < level;
  if (crossings.length === 4 && centreBelow !== v[0] < level) crossings.push(crossings.shift()); // saddle: cut off corners 0 and 2
  for (let c = 0; c + 1 < crossings.length; c += 2) {
    line.x.push(crossings[c][0], crossings[c + 1][0], NaN);
    line.y.push(crossings[c][1], crossings[c + 1][1], NaN);
  }
}

/** The part of the segment p → q inside the window (Liang–Barsky), or null. */
function dscClip(p, q) {
  let t0 = 0;
  let t1 = 1;
  const d = [q[0] - p[0], q[1] - p[1]];
  const bounds = [[0, DSC_W_RANGE], [1, DSC_B_RANGE]];
  for (const [axis, [lo, hi]] of bounds) {
    for (const [num, den] of [[p[axis] - lo, -d[axis]], [hi - p[axis], d[axis]]]) {
      if (den === 0) {
        if (num < 0) return null;
      } else if (den < 0) t0 = Math.max(t0, num / den);
      else t1 = Math.min(t1, num / den);
    }
  }
  if (t0 > t1) return null;
  return [t0, t1].map((t) => [p[0] + t * d[0], p[1] + t * d[1]]);
}

/** The path as one line cut to the window (so a diverging path leaves it at the right angle). */
function dscPathLine(path) {
  const x = [];
  const y = [];
  for (let s = 0; s + 1 < path.length; s++) {
    const piece = dscClip(path[s], path[s + 1]);
    if (!piece) continue;
    x.push(piece[0][0], piece[1][0], NaN);
    y.push(piece[0][1], piece[1][1], NaN);
  }
  return { x, y };
}

/** A colour of viridis for t in [0, 1]. */
function dscViridis(t) {
  const pos = Math.min(Math.max(t, 0), 1) * (DSC_VIRIDIS.length - 1);
  const i = Math.min(Math.floor(pos), DSC_VIRIDIS.length - 2);
  const [a, b] = [DSC_VIRIDIS[i], DSC_VIRIDIS[i + 1]].map((h) => [1, 3, 5].map((o) => parseInt(h.slice(o, o + 2), 16)));
  return `rgb(${a.map((c, n) => Math.round(c + (pos - i) * (b[n] - c))).join(",")})`;
}

/** The contour lines of log₁₀ L over the window in viridis, as uiChart lines {level, x, y, color, width}. */
export function dscContourLines(x, y) {
  const { ws, bs, loss } = dscSurface(x, y);
  const logLoss = loss.map((row) => row.map(Math.log10));
  const all = logLoss.flat();
  const levels = dscLevels(Math.min(...all), Math.max(...all));
  return dscContours(ws, bs, logLoss, levels).map((c, n) => ({ ...c, color: dscViridis(n / Math.max(levels.length - 1, 1)), width: 1 }));
}

/** The status line: η, steps, w, b and L; why the run stopped if it did. */
function dscStatus(state, learningRate) {
  const [w, b] = state.path[state.path.length - 1];
  const fixed = (v) => v.toFixed(3).replace("-", "−");
  const text = `η = ${uiFmt(learningRate)} · step ${state.path.length - 1} · w = ${fixed(w)}, b = ${fixed(b)} · L = ${uiFmt(state.losses[state.losses.length - 1], 4)}`;
  if (!state.diverged) return uiEsc(text);
  return `${uiEsc(text)}<br><span class="ui-warn">diverged: ${uiEsc(state.diverged)}.</span> Lower the learning rate and press Reset.`;
}

/** The two charts: the surface with the path and the minimum, and the loss per step. */
function dscCharts(contours, best, state, learningRate) {
  const steps = state.path.length - 1;
  const inside = state.path.filter(([w, b]) => w >= DSC_W_RANGE[0] && w <= DSC_W_RANGE[1] && b >= DSC_B_RANGE[0] && b <= DSC_B_RANGE[1]);
  const [w, b] = state.path[steps];
  const last = state.losses[steps];
  const surface = {
    title: `η = ${uiFmt(learningRate)}, ${steps} steps`,
    xLabel: "weight w",
    yLabel: "bias b",
    width: 360,
    height: 290,
    xLimits: DSC_W_RANGE,
    yLimits: DSC_B_RANGE,
    lines: [...contours, { ...dscPathLine(state.path), color: UI_COLORS[3], width: 1.5, label: "path" }],
    dots: [
      ...inside.map(([pw, pb]) => ({ x: pw, y: pb, color: UI_COLORS[3], r: 2.5 })),
      { x: best[0], y: best[1], color: "#000", r: 5, label: "minimum of L" },
    ],
    legend: "upper right",
    summary:
      `Contour lines of the loss L(w, b) for w from −2.5 to 5 and b from −3 to 5, a valley with its minimum at ` +
      `w = ${uiFmt(best[0])}, b = ${uiFmt(best[1])}; the path of ${steps} steps with η = ${uiFmt(learningRate)} from ` +
      `(${uiFmt(state.path[0][0])}, ${uiFmt(state.path[0][1])}) to (${uiFmt(w)}, ${uiFmt(b)})${state.diverged ? ", diverged" : ""}.`,
  };
  const index = state.losses.map((_, k) => k);
  const lossChart = {
    title: "loss per step",
    xLabel: "step",
    yLabel: "loss L",
    width: 300,
    height: 290,
    yLog: true,
    lines: [{ x: index, y: state.losses, color: UI_COLORS[3] }],
    dots: state.losses.map((v, k) => ({ x: k, y: v, color: UI_COLORS[3], r: 2.5 })),
    summary: `The loss per step on a log scale, from ${uiFmt(state.losses[0])} at step 0 to ${uiFmt(last)} at step ${steps}.`,
  };
  return [surface, lossChart];
}

/** The run as the model holds it. */
function dscState(model) {
  return { path: model.get("path"), losses: model.get("losses"), diverged: model.get("diverged") };
}

function render({ model, el }) {
  const panel = uiPanel(el, "Gradient descent on the loss surface of ŷ = w x + b");
  panel.append(uiEl("style", { text: DSC_CSS }));
  let data = null;
  let writing = false; // the page's own changes redraw once, not once per trait
  const write = (changes) => {
    writing = true;
    for (const [name, value] of Object.entries(changes)) model.set(name, value);
    writing = false;
    model.save_changes();
    redraw();
  };
  const advance = (steps) => write(dscAdvance(model.get("x"), model.get("y"), dscState(model), model.get("learning_rate"), steps));
  const reset = () => {
    const start = model.get("start");
    write({ path: [start.slice()], losses: [dscLossAt(model.get("x"), model.get("y"), start[0], start[1])], diverged: "" });
  };
  const eta = uiSlider({
    label: "Learning rate η",
    min: 0.01,
    max: 0.4,
    step: 0.01,
    value: model.get("learning_rate"),
    onChange: (v) => write({ learning_rate: v }),
  });
  const buttons = uiButtons([
    { label: "Step", title: "one gradient-descent step", onClick: () => advance(1) },
    { label: "10 steps", title: "ten gradient-descent steps", primary: true, onClick: () => advance(10) },
    { label: "Reset", title: "back to the start point", onClick: reset },
  ]);
  const status = uiStatus();
  const figure = uiFigure();
  figure.el.classList.add("dsc-figure");
  panel.append(uiControls([eta.el]), buttons.el, status, figure.el);

  function redraw() {
    const x = model.get("x");
    const y = model.get("y");
    if (!data || data.x !== x || data.y !== y) data = { x, y, contours: dscContourLines(x, y), best: dscLeastSquares(x, y) };
    const state = dscState(model);
    status.innerHTML = dscStatus(state, model.get("learning_rate"));
    figure.draw(dscCharts(data.contours, data.best, state, model.get("learning_rate")));
  }

  function sync() {
    if (writing) return;
    eta.value = model.get("learning_rate");
    redraw();
  }

  for (const name of ["x", "y", "start", "learning_rate", "path", "losses", "diverged"]) model.on(`change:${name}`, sync);
  redraw();
}

export default { render };
