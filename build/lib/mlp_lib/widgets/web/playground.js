// playground.js — the live training playground's front end (an anywidget view).
//
// Python (mlp_lib/widgets/playground.py) pastes engine.js in front of this file and sends
// the whole text as the widget's ES module (_esm), so everything the engine defines (forward,
// sgdStep, makeData, …) is in scope here. Training runs in the page: in JupyterLab, VS Code or
// Colab, and on the static website with no Python behind it at all.
//
// Names declared at the top level here start with "pg" or "PG_" (the engine's are plain names
// and names starting with "_"), so the two files never clash.
//
// The model (the widget's synced state) holds:
//   config   the setup, as PlaygroundConfig.to_dict() writes it   (both ways)
//   digits   the 8×8 digits table {pixels: one letter per pixel, "A" = 0 … "Q" = 16,
//            labels: one digit per image}                          (Python → page)
//   weights  {config: MLP.config(), params: {W1: rows, b1: …}, step, setup}  (page → Python)
//
// On the static site the page's address carries the setup (#playground=<url-encoded JSON>):
// a shared link opens the playground in exactly that setup, and every change of the setup
// rewrites the address, so the address and the Config box always agree.

// ---------------------------------------------------------------------------------------
// The setup (mirrors mlp_lib/widgets/session.py: PlaygroundConfig)
// ---------------------------------------------------------------------------------------

const PG_FIELDS = [
  "dataset", "noise", "n_samples", "classes", "test_fraction", "hidden_layers", "units",
  "activation", "pairing", "learning_rate", "batch_size", "seed", "standardize",
  "regularization", "regularization_rate",
];
const PG_FLOAT_FIELDS = new Set(["noise", "test_fraction", "learning_rate", "regularization_rate"]);
const PG_REGULARIZATION_LABELS = { none: "none", l1: "L1", l2: "L2 (weight decay)" };
const PG_REGULARIZATION_RATES = [0, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0];
const PG_DATASET_LABELS = {
  moons: "two moons", circles: "circles", xor: "XOR", spiral: "spiral", blobs: "blobs",
  digits: "digits (8×8)", sine: "sine (regression)",
};
const PG_PAIRING_LABELS = {
  "sigmoid+bce": "sigmoid + BCE", "softmax+cce": "softmax + CCE", "identity+mse": "identity + MSE", "relu+mse": "ReLU + MSE",
};
const PG_LIMITS = { maxHidden: 4, maxUnits: 32, maxSamples: 5000, maxBatch: 4096, lr: [1e-4, 10.0], maxText: 10000, maxDepth: 4, floatDigits: 12 };
const PG_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];
const PG_LEARNING_RATES = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0];
const PG_HASH_KEY = "playground=";
// matplotlib's tab10, as the Python figure uses
const PG_COLORS = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];
const pgRgb = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;

function pgRepr(v) {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function pgInt(value, name, lo, hi) {
  if (typeof value !== "number" || !Number.isInteger(value)) throw new Error(`expected ${name} to be an integer in ${lo} … ${hi}, got ${pgRepr(value)}`);
  if (value < lo || value > hi) throw new Error(`expected ${name} in ${lo} … ${hi}, got ${value}`);
  return value;
}

/** A float rounded to 12 significant digits (PlaygroundConfig's FLOAT_DIGITS): 0.4 for 0.4000000000000001. */
export function pgRound(value) {
  return Number.isFinite(value) ? Number(value.toPrecision(PG_LIMITS.floatDigits)) : value;
}

function pgFloat(value, name, lo, hi, loOpen = false) {
  if (typeof value !== "number") throw new Error(`expected ${name} to be a number in ${lo} … ${hi}, got ${pgRepr(value)}`);
  const v = pgRound(value);
  if (!Number.isFinite(v) || v > hi || v < lo || (loOpen && v === lo)) throw new Error(`expected ${name} in [${lo}, ${hi}], got ${v}`);
  return v;
}

function pgName(value, name, valid) {
  if (typeof value !== "string" || !valid.includes(value.toLowerCase())) {
    throw new Error(`expected ${name} to be one of ${valid.join(", ")}, got ${pgRepr(value)}`);
  }
  return value.toLowerCase();
}

/**
 * A checked, complete setup from a plain object, as PlaygroundConfig.from_dict: unknown keys are
 * refused, missing ones take the defaults, noise/n_samples null take the data set's own.
 * Throws an Error "expected …, got …" otherwise.
 */
export function pgValidateConfig(data) {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new Error(`expected a JSON object of playground settings, got ${Array.isArray(data) ? "a list" : pgRepr(data)}`);
  }
  const unknown = Object.keys(data).filter((k) => !PG_FIELDS.includes(k)).sort();
  if (unknown.length) throw new Error(`expected playground settings among ${PG_FIELDS.join(", ")}, got unknown key(s) ${unknown.join(", ")}`);
  const d = { ...DEFAULT_CONFIG, ...data }, c = {};
  c.dataset = pgName(d.dataset, "dataset", PLAYGROUND.datasets);
  c.noise = pgFloat(d.noise ?? PLAYGROUND.defaultNoise[c.dataset], "noise", 0.0, 10.0);
  c.n_samples = c.dataset === "digits" ? PLAYGROUND.defaultSamples.digits
    : pgInt(d.n_samples ?? PLAYGROUND.defaultSamples[c.dataset], "n_samples", 8, PG_LIMITS.maxSamples);
  c.classes = pgInt(d.classes, "classes", 2, 8);
  c.test_fraction = pgFloat(d.test_fraction, "test_fraction", 0.05, 0.9);
  c.hidden_layers = pgInt(d.hidden_layers, "hidden_layers", 0, PG_LIMITS.maxHidden);
  c.units = pgInt(d.units, "units", 1, PG_LIMITS.maxUnits);
  c.activation = pgName(d.activation, "activation", PLAYGROUND.hiddenActivations);
  c.pairing = pgName(d.pairing, "pairing", Object.keys(PLAYGROUND.pairings));
  if (PLAYGROUND.regressionDatasets.includes(c.dataset) && PLAYGROUND.pairings[c.pairing][1] !== "mse") {
    throw new Error(`expected an MSE pairing (identity+mse or relu+mse) for the regression data set "${c.dataset}", got "${c.pairing}"`);
  }
  c.learning_rate = pgFloat(d.learning_rate, "learning_rate", PG_LIMITS.lr[0], PG_LIMITS.lr[1]);
  c.batch_size = pgInt(d.batch_size, "batch_size", 1, PG_LIMITS.maxBatch);
  c.seed = pgInt(d.seed, "seed", 0, 2 ** 32 - 1);
  if (typeof d.standardize !== "boolean") throw new Error(`expected standardize to be true or false, got ${pgRepr(d.standardize)}`);
  c.standardize = d.standardize;
  c.regularization = pgName(d.regularization, "regularization", PLAYGROUND.regularizations);
  c.regularization_rate = pgFloat(d.regularization_rate, "regularization_rate", 0.0, 10.0);
  return c;
}

/** JSON text → checked setup (at most 10 000 characters nested at most 4 deep, as PlaygroundConfig.from_json). */
export function pgParseConfigText(text) {
  if (typeof text !== "string") throw new Error(`expected the config as JSON text, got ${typeof text}`);
  if (text.length > PG_LIMITS.maxText) throw new Error(`expected a JSON object of playground settings of at most ${PG_LIMITS.maxText} characters, got ${text.length}`);
  let depth = 0, deepest = 0, inString = false, escaped = false;
  for (const ch of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "[" || ch === "{") deepest = Math.max(deepest, ++depth);
    else if (ch === "]" || ch === "}") depth--;
  }
  if (deepest > PG_LIMITS.maxDepth) throw new Error(`expected a JSON object of playground settings nested at most ${PG_LIMITS.maxDepth} deep, got ${deepest} levels`);
  let data;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`expected a JSON object of playground settings, got text that is not JSON (${err.message})`);
  }
  return pgValidateConfig(data);
}

/** A float as Python's repr writes it (10.0, 0.3, 1e-05), so the JSON matches PlaygroundConfig.to_json. */
function pgPyFloat(v) {
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return v.toFixed(1);
  if (v !== 0 && Math.abs(v) < 1e-4) {
    const [mant, exp] = v.toExponential().split("e");
    const e = Number(exp);
    return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return String(v);
}

/** The setup as JSON text, fields in PlaygroundConfig's order; compact for the address. */
export function pgConfigJson(c, compact = false) {
  const [sep, colon] = compact ? [",", ":"] : [", ", ": "];
  const parts = PG_FIELDS.map((k) => {
    const v = c[k];
    const text = PG_FLOAT_FIELDS.has(k) && typeof v === "number" ? pgPyFloat(v) : JSON.stringify(v);
    return `${JSON.stringify(k)}${colon}${text}`;
  });
  return `{${parts.join(sep)}}`;
}

/** "#playground=<url-encoded compact JSON>" for a setup. */
export function pgHashFor(c) {
  return "#" + PG_HASH_KEY + encodeURIComponent(pgConfigJson(c, true));
}

/**
 * Read a page address's fragment: null when it holds no playground setup (no fragment, or a
 * section link), {config} when it holds a valid one, {error} when it holds a damaged one.
 */
export function pgConfigFromHash(hash) {
  const h = (hash || "").replace(/^#/, "");
  if (!h.startsWith(PG_HASH_KEY)) return null;
  let text;
  try {
    text = decodeURIComponent(h.slice(PG_HASH_KEY.length));
  } catch (err) {
    return { error: "the text after #playground= is not valid URL encoding" };
  }
  try {
    return { config: pgParseConfigText(text) };
  } catch (err) {
    return { error: err.message };
  }
}

// ---------------------------------------------------------------------------------------
// A run: data, network, batch order and history (mirrors Session)
// ---------------------------------------------------------------------------------------

const PG_HISTORY_CAP = 4000; // points kept per curve; older ones are thinned by half when full
const PG_NORM_WINDOW = 20; // the ‖ϕ^j‖, ‖∇w^j‖ curves are trailing means over 20 steps
const PG_GRID = 64; // boundary mesh: 64 × 64 points

/** Decode the digits table the model carries (one letter per pixel, one digit per label). */
function pgDecodeDigits(table) {
  if (!table || typeof table.pixels !== "string" || typeof table.labels !== "string" || !table.labels.length) return null;
  const pixels = new Uint8Array(table.pixels.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = table.pixels.charCodeAt(i) - 65;
  const labels = new Int32Array(table.labels.length);
  for (let i = 0; i < labels.length; i++) labels[i] = table.labels.charCodeAt(i) - 48;
  return { pixels, labels };
}

/** The data of a setup, plus what drawing needs (built once per data set, shared by Reset). */
function pgMakeRunData(cfg, digitsTable) {
  if (cfg.dataset === "digits" && !digitsTable) throw new Error("expected the digits table from Python, got none: this page cannot show the digits");
  const { train, test } = makeData(cfg, { digits: digitsTable });
  const loss = PLAYGROUND.pairings[cfg.pairing][1];
  const data = {
    train, test, loss,
    yTrain: targets(train, loss), yTest: targets(test, loss),
    task: train.nClasses ? "classification" : "regression",
    nClasses: train.nClasses,
  };
  data.mode = data.task === "regression" ? "regression" : train.x.rows === 2 ? "boundary" : "confusion";
  if (data.mode === "boundary") {
    const lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
    for (const d of [train, test]) {
      const m = d.x.cols;
      for (let i = 0; i < 2; i++) for (let s = 0; s < m; s++) {
        const v = d.x.data[i * m + s];
        if (v < lo[i]) lo[i] = v;
        if (v > hi[i]) hi[i] = v;
      }
    }
    for (let i = 0; i < 2; i++) {
      const pad = 0.08 * (hi[i] - lo[i]) + 0.1;
      lo[i] -= pad;
      hi[i] += pad;
    }
    const G = PG_GRID, mesh = matrix(2, G * G);
    for (let r = 0; r < G; r++) for (let c = 0; c < G; c++) {
      const k = r * G + c; // row r of the picture, from the top
      mesh.data[k] = lo[0] + ((c + 0.5) / G) * (hi[0] - lo[0]);
      mesh.data[G * G + k] = hi[1] - ((r + 0.5) / G) * (hi[1] - lo[1]);
    }
    Object.assign(data, { lo, hi, mesh });
  } else if (data.mode === "regression") {
    const xs = [...train.x.data, ...test.x.data], ys = [...train.y.data, ...test.y.data];
    const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    const pad = 0.25 * (y1 - y0);
    const curveX = matrix(1, 200, linspace(x0, x1, 200));
    Object.assign(data, { lo: [x0, y0 - pad], hi: [x1, y1 + pad], curveX });
  }
  return data;
}

/** Step 0 of a setup on its data: the same initial weights and batch order every time (Reset). */
function pgFreshRun(cfg, data) {
  const net = playgroundNetwork(cfg, data.train);
  const run = {
    cfg, data, net,
    batches: createBatchStream(data.train.x.cols, createRng(cfg.seed, STREAMS.batches)),
    step: 0, samplesSeen: 0, diverged: null, lastGrads: null, lastBatchSize: 0,
    history: { step: [], epoch: [], trainLoss: [], testLoss: [], trainScore: [], testScore: [] },
    norms: { step: [], phi: [], dW: [] },
    window: [], // the last PG_NORM_WINDOW steps' norms
    good: null,
    trainPred: null, testPred: null,
  };
  pgEvaluate(run);
  return run;
}

function pgEpoch(run) {
  return run.samplesSeen / run.data.train.x.cols;
}

/** One gradient step on the next mini-batch (Session.step); false when training diverged. */
function pgStep(run) {
  if (run.diverged) return false;
  const d = run.data, idx = run.batches.next(run.cfg.batch_size);
  let g;
  try {
    const rate = run.cfg.regularization_rate;
    g = sgdStep(run.net, takeColumns(d.train.x, idx), takeColumns(d.yTrain, idx), run.cfg.learning_rate, {
      epoch: Math.floor(pgEpoch(run)) + 1, step: run.step + 1,
      weightDecay: run.cfg.regularization === "l2" ? rate : 0, l1: run.cfg.regularization === "l1" ? rate : 0,
    });
  } catch (err) {
    if (!(err instanceof TrainingDiverged)) throw err;
    run.diverged = err.message;
    return false;
  }
  run.step++;
  run.samplesSeen += idx.length;
  run.lastGrads = g;
  run.lastBatchSize = idx.length;
  const J = run.net.J, phi = new Float64Array(J), dW = new Float64Array(J);
  for (let j = 1; j <= J; j++) {
    phi[j - 1] = frobeniusNorm(g.phi[j]);
    dW[j - 1] = frobeniusNorm(g.dW[j]);
  }
  run.window.push([phi, dW]);
  if (run.window.length > PG_NORM_WINDOW) run.window.shift();
  const mean = (k) => {
    const out = new Float64Array(J);
    for (const w of run.window) for (let j = 0; j < J; j++) out[j] += w[k][j] / run.window.length;
    return out;
  };
  pgPush(run.norms, { step: run.step, phi: mean(0), dW: mean(1) });
  return true;
}

/** Append one point to every list of a history, thinning all of them by half when full. */
function pgPush(h, point) {
  for (const k in point) h[k].push(point[k]);
  const n = h.step.length;
  if (n > PG_HISTORY_CAP) {
    for (const k in h) h[k] = h[k].filter((_, i) => i % 2 === 0 || i === n - 1);
  }
}

/**
 * Loss and accuracy (R² for regression) on both sets (Session.evaluate). A non-finite loss puts
 * back the last evaluated finite weights and stops training with a message.
 */
function pgEvaluate(run) {
  const d = run.data, net = run.net;
  const fp = forward(net, d.train.x), fpt = forward(net, d.test.x);
  const trainLoss = lossFromForward(net, fp, d.yTrain), testLoss = lossFromForward(net, fpt, d.yTest);
  if (!Number.isFinite(trainLoss) || !Number.isFinite(testLoss)) {
    const good = run.good;
    net.W = good.W.slice();
    net.b = good.b.slice();
    run.diverged = `training diverged after step ${run.step}: the loss on the data became infinite or NaN with learning rate ${run.cfg.learning_rate}; ` +
      `lower the learning rate (the weights from step ${good.step} are kept)`;
    return false;
  }
  let trainScore, testScore;
  if (d.task === "regression") {
    trainScore = rSquared(fp.a[net.J], d.yTrain);
    testScore = rSquared(fpt.a[net.J], d.yTest);
  } else {
    run.trainPred = predictLabels(net, fp.a[net.J]);
    run.testPred = predictLabels(net, fpt.a[net.J]);
    trainScore = accuracy(run.trainPred, d.train.y);
    testScore = accuracy(run.testPred, d.test.y);
  }
  pgPush(run.history, { step: run.step, epoch: pgEpoch(run), trainLoss, testLoss, trainScore, testScore });
  run.good = { W: net.W.slice(), b: net.b.slice(), step: run.step };
  return true;
}

// ---------------------------------------------------------------------------------------
// Drawing on canvases
// ---------------------------------------------------------------------------------------

/** Size a canvas's bitmap to its CSS box × devicePixelRatio; returns {ctx, w, h} in CSS pixels. */
function pgFit(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(60, canvas.clientWidth || 300), h = Math.max(45, canvas.clientHeight || 225);
  const W = Math.round(w * dpr), H = Math.round(h * dpr);
  if (canvas.width !== W || canvas.height !== H) {
    canvas.width = W;
    canvas.height = H;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h };
}

/** Log-axis limits snapped to half decades (plots._log_limits). */
function pgLogLimits(arrays, floor = 1e-12) {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays) for (const v of a) if (Number.isFinite(v) && v > floor) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [floor * 10, 1];
  let l = Math.floor(2 * Math.log10(lo)) / 2, u = Math.ceil(2 * Math.log10(hi)) / 2;
  if (u - l < 1) u = l + 1;
  return [10 ** l, 10 ** u];
}

/** x-axis end: the next of 10, 20, 50, 100, … at or above the step (plots._step_limit). */
function pgStepLimit(step) {
  step = Math.max(step, 10);
  const decade = 10 ** Math.floor(Math.log10(step));
  for (const k of [1, 2, 5, 10]) if (k * decade >= step) return k * decade;
  return 10 * decade;
}

const PG_FONT = "10px system-ui, -apple-system, 'Segoe UI', sans-serif";

/**
 * A line chart: spec {series: [{x, y, color, label}], log, ylim, xmax, ticks (linear)}.
 * At most ~400 points of a series are drawn.
 */
function pgChart(canvas, spec) {
  const { ctx, w, h } = pgFit(canvas);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  const L = 36, R = 6, T = 6, B = 16, pw = w - L - R, ph = h - T - B;
  const [y0, y1] = spec.ylim;
  const ty = spec.log
    ? (v) => T + ph * (1 - (Math.log10(Math.max(v, 1e-300)) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0)))
    : (v) => T + ph * (1 - (v - y0) / (y1 - y0));
  const tx = (s) => L + (pw * s) / spec.xmax;
  ctx.font = PG_FONT;
  ctx.strokeStyle = "#ddd";
  ctx.fillStyle = "#444";
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  const ticks = [];
  if (spec.log) {
    const a = Math.ceil(Math.log10(y0) - 1e-9), b = Math.floor(Math.log10(y1) + 1e-9);
    const every = Math.max(1, Math.ceil((b - a + 1) / 4));
    for (let e = a; e <= b; e += every) ticks.push([10 ** e, `1e${e}`]);
  } else {
    for (const v of spec.ticks) ticks.push([v, String(v)]);
  }
  for (const [v, label] of ticks) {
    const y = Math.round(ty(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(L, y);
    ctx.lineTo(L + pw, y);
    ctx.stroke();
    ctx.fillText(label, L - 3, y);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const s of [0, spec.xmax / 2, spec.xmax]) ctx.fillText(String(s), Math.min(Math.max(tx(s), L + 6), w - 12), T + ph + 3);
  ctx.strokeStyle = "#888";
  ctx.strokeRect(L + 0.5, T + 0.5, pw, ph);
  ctx.save();
  ctx.beginPath();
  ctx.rect(L, T, pw, ph);
  ctx.clip();
  for (const s of spec.series) {
    const n = s.x.length;
    if (!n) continue;
    const stride = Math.max(1, Math.ceil(n / 400));
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.4;
    ctx.beginPath();
    let first = true;
    for (let i = 0; i < n; i += i + stride >= n && i !== n - 1 ? n - 1 - i : stride) {
      const X = tx(s.x[i]), Y = ty(s.y[i]);
      if (!Number.isFinite(Y)) continue;
      if (first) ctx.moveTo(X, Y);
      else ctx.lineTo(X, Y);
      first = false;
    }
    ctx.stroke();
  }
  ctx.restore();
  // legend, top right (one row)
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  let x = L + pw - 4;
  for (const s of [...spec.series].reverse()) {
    const width = ctx.measureText(s.label).width;
    x -= width + 14;
    ctx.fillStyle = s.color;
    const ly = spec.legendBottom ? T + ph - 16 : T + 3;
    ctx.fillRect(x, ly + 4, 9, 2);
    ctx.fillStyle = "#222";
    ctx.fillText(s.label, x + 12, ly);
  }
}

/** Boundary panel: predicted class as a colour, strength = confidence (plots.boundary_rgb), plus the points. */
function pgDrawBoundary(view, run) {
  const { ctx, w, h } = pgFit(view.boundary);
  const d = run.data, net = run.net, G = PG_GRID, K = d.nClasses;
  const out = forward(net, d.mesh).a[net.J];
  const P = classProbabilities(net, out), m = G * G;
  if (!view.offscreen || view.offscreen.width !== G) {
    view.offscreen = document.createElement("canvas");
    view.offscreen.width = view.offscreen.height = G;
  }
  const octx = view.offscreen.getContext("2d"), img = octx.createImageData(G, G), px = img.data;
  for (let s = 0; s < m; s++) {
    let pmax = 0, r = 0, g = 0, b = 0;
    for (let k = 0; k < K; k++) {
      let p = P.data[k * m + s];
      if (!Number.isFinite(p)) p = 1 / K;
      if (p > pmax) pmax = p;
      const c = PG_COLORS[k % 10];
      r += p * c[0];
      g += p * c[1];
      b += p * c[2];
    }
    const conf = (pmax - 1 / K) / (1 - 1 / K), alpha = 0.12 + 0.55 * Math.min(Math.max(conf, 0), 1);
    px[4 * s] = 255 - alpha * (255 - Math.min(r, 255));
    px[4 * s + 1] = 255 - alpha * (255 - Math.min(g, 255));
    px[4 * s + 2] = 255 - alpha * (255 - Math.min(b, 255));
    px[4 * s + 3] = 255;
  }
  octx.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(view.offscreen, 0, 0, w, h);
  const X = (v) => ((v - d.lo[0]) / (d.hi[0] - d.lo[0])) * w, Y = (v) => (1 - (v - d.lo[1]) / (d.hi[1] - d.lo[1])) * h;
  const r = Math.max(2.2, Math.min(w, h) / 110);
  for (const [set, test] of [[d.train, false], [d.test, true]]) {
    const mm = set.x.cols, xs = set.x.data;
    for (let k = 0; k < K; k++) {
      ctx.beginPath();
      for (let s = 0; s < mm; s++) {
        if (set.y[s] !== k) continue;
        const px0 = X(xs[s]), py0 = Y(xs[mm + s]);
        if (test) {
          ctx.moveTo(px0, py0 - r * 1.2);
          ctx.lineTo(px0 + r * 1.2, py0);
          ctx.lineTo(px0, py0 + r * 1.2);
          ctx.lineTo(px0 - r * 1.2, py0);
          ctx.closePath();
        } else {
          ctx.moveTo(px0 + r, py0);
          ctx.arc(px0, py0, r, 0, 2 * Math.PI);
        }
      }
      ctx.fillStyle = pgRgb(PG_COLORS[k % 10]);
      ctx.fill();
      ctx.strokeStyle = test ? "#000" : "#fff";
      ctx.lineWidth = test ? 0.7 : 0.6;
      ctx.stroke();
    }
  }
}

function pgDrawRegression(view, run) {
  const { ctx, w, h } = pgFit(view.boundary);
  const d = run.data, net = run.net;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  const X = (v) => 6 + ((v - d.lo[0]) / (d.hi[0] - d.lo[0])) * (w - 12), Y = (v) => 6 + (1 - (v - d.lo[1]) / (d.hi[1] - d.lo[1])) * (h - 12);
  ctx.strokeStyle = "#ddd";
  ctx.beginPath();
  ctx.moveTo(X(d.lo[0]), Y(0));
  ctx.lineTo(X(d.hi[0]), Y(0));
  ctx.stroke();
  for (const [set, k, test] of [[d.train, 0, false], [d.test, 1, true]]) {
    ctx.fillStyle = pgRgb(PG_COLORS[k]);
    for (let s = 0; s < set.x.cols; s++) {
      const px0 = X(set.x.data[s]), py0 = Y(set.y.data[s]);
      if (test) ctx.fillRect(px0 - 2.5, py0 - 2.5, 5, 5);
      else {
        ctx.beginPath();
        ctx.arc(px0, py0, 2.2, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  }
  const curve = forward(net, d.curveX).a[net.J].data;
  ctx.strokeStyle = "#000";
  ctx.lineWidth = 2;
  ctx.beginPath();
  let first = true;
  for (let i = 0; i < curve.length; i++) {
    const yy = Math.min(Math.max(Y(curve[i]), -1e4), 1e4);
    if (!Number.isFinite(yy)) continue;
    if (first) ctx.moveTo(X(d.curveX.data[i]), yy);
    else ctx.lineTo(X(d.curveX.data[i]), yy);
    first = false;
  }
  ctx.stroke();
  ctx.font = PG_FONT;
  ctx.textBaseline = "top";
  ctx.textAlign = "left";
  const legend = [["train ●", pgRgb(PG_COLORS[0])], ["test ■", pgRgb(PG_COLORS[1])], ["network", "#000"]];
  legend.forEach(([text, color], i) => {
    ctx.fillStyle = color;
    ctx.fillText(text, 10, 8 + 13 * i);
  });
}

function pgDrawConfusion(view, run) {
  const { ctx, w, h } = pgFit(view.boundary);
  const d = run.data, K = d.nClasses;
  const C = confusionMatrix(d.test.y, run.testPred, K);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  const L = 30, T = 8, B = 26, size = Math.min(w - L - 6, h - T - B), cell = size / K;
  ctx.font = PG_FONT;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (let i = 0; i < K; i++) {
    const total = C[i].reduce((a, b) => a + b, 0) || 1;
    for (let k = 0; k < K; k++) {
      const v = C[i][k] / total; // Blues: white → dark blue
      ctx.fillStyle = `rgb(${Math.round(247 - v * 239)},${Math.round(251 - v * 203)},${Math.round(255 - v * 148)})`;
      ctx.fillRect(L + k * cell, T + i * cell, cell, cell);
      if (C[i][k]) {
        ctx.fillStyle = v > 0.5 ? "#fff" : "#000";
        ctx.fillText(String(C[i][k]), L + (k + 0.5) * cell, T + (i + 0.5) * cell);
      }
    }
    ctx.fillStyle = "#333";
    ctx.fillText(String(i), L - 8, T + (i + 0.5) * cell);
    ctx.fillText(String(i), L + (i + 0.5) * cell, T + size + 7);
  }
  ctx.fillText("predicted class →", L + size / 2, T + size + 19);
  ctx.save();
  ctx.translate(9, T + size / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText("true class →", 0, 0);
  ctx.restore();
}

// ---------------------------------------------------------------------------------------
// "Show the numbers": ϕ^j, ∇w^j L, ∇b^j L of the last step next to Eqs. (1)–(4)
// ---------------------------------------------------------------------------------------

function pgEsc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function pgMatrixText(M, maxRows = 8, maxCols = 8) {
  const r = Math.min(M.rows, maxRows), c = Math.min(M.cols, maxCols);
  const cells = [];
  for (let i = 0; i < r; i++) {
    const row = [];
    for (let k = 0; k < c; k++) row.push(M.data[i * M.cols + k].toPrecision(4).replace(/\.?0+e/, "e"));
    cells.push(row);
  }
  const width = Math.max(...cells.flat().map((s) => s.length));
  const lines = cells.map((row) => "      [" + row.map((s) => s.padStart(width)).join(" ") + "]");
  if (r < M.rows || c < M.cols) lines[lines.length - 1] += `  (showing ${r}×${c} of ${M.rows}×${M.cols})`;
  return lines.join("\n");
}

function pgNumbersHtml(run) {
  const g = run.lastGrads;
  if (!g) return "No step yet: press Step to take one and see the numbers behind it.";
  const net = run.net, J = net.J, m = run.lastBatchSize, k = Math.min(3, m), loss = run.data.loss.toUpperCase();
  const sup = (j) => `<sup>${j}</sup>`;
  const cols = (M) => takeColumns(M, Array.from({ length: k }, (_, i) => i));
  const T = (M) => ({ rows: M.cols, cols: M.rows, data: M.data });
  const out = [
    `Step ${run.step}: batch of m = ${m} sample(s); columns 1…${k} of ϕ are shown (each column already carries the 1/m of the batch mean). Layers j = 1 … J = ${J}.`,
  ];
  for (let j = J; j >= 1; j--) {
    const act = net.activations[j].name;
    out.push("");
    if (j === J) {
      out.push(`<b>Layer ${j}</b> (output, ${act} + ${loss})`);
      const fused = net.fused && net.loss.fusedActivation !== null;
      out.push(`  Eq. (1)  ϕ${sup(J)} = ∇<sub>a${sup(J)}</sub>L ∘ σ′(z${sup(J)})` + (fused ? `  = (a${sup(J)} − y)/m  for ${act} + ${loss}` : ""));
    } else {
      out.push(`<b>Layer ${j}</b> (hidden, ${act})`);
      out.push(`  Eq. (2)  ϕ${sup(j)} = ((w${sup(j + 1)})ᵀ ϕ${sup(j + 1)}) ∘ σ′(z${sup(j)})`);
    }
    out.push(pgEsc(pgMatrixText(cols(g.phi[j]))));
    const prev = j === 1 ? "x" : `a${sup(j - 1)}`;
    out.push(`  Eq. (3)  ∇<sub>w${sup(j)}</sub>L = ϕ${sup(j)} (${prev})ᵀ        shape (${g.dW[j].rows}, ${g.dW[j].cols})`);
    out.push(pgEsc(pgMatrixText(g.dW[j])));
    out.push(`  Eq. (4)  ∇<sub>b${sup(j)}</sub>L = ϕ${sup(j)} 𝟙              shape (${g.db[j].rows}, 1)`);
    out.push(pgEsc(pgMatrixText(T(g.db[j]))) + (g.db[j].rows > 1 ? "   (transposed to a row)" : ""));
  }
  out.push("");
  out.push(`Batch loss L = ${Number(g.loss.toPrecision(6))}`);
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------
// The view
// ---------------------------------------------------------------------------------------

let pgViews = 0;

function pgEl(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") el.textContent = v;
    else if (k === "html") el.innerHTML = v;
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v);
  }
  for (const c of children) el.append(c);
  return el;
}

/** Is this a static page (the html manager with embedded state, no kernel)? */
function pgStaticPage() {
  return !!document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]');
}

function render({ model, el }) {
  const id = `pg${++pgViews}-${Math.random().toString(36).slice(2, 7)}`;
  const staticPage = pgStaticPage();
  let digitsTable; // decoded on first use
  const getDigits = () => (digitsTable === undefined ? (digitsTable = pgDecodeDigits(model.get("digits"))) : digitsTable);

  // ---------------------------------------------------------------- DOM
  const root = pgEl("div", { class: "pg-root", role: "group", "aria-label": "Training playground (trains in this page)" });
  const field = (name, label, control, extra) => {
    control.id = `${id}-${name}`;
    const wrap = pgEl("div", { class: "pg-field" }, [pgEl("label", { for: control.id, text: label }), control]);
    if (extra) wrap.append(extra);
    return wrap;
  };
  const select = (options) => {
    const s = pgEl("select");
    for (const [value, label] of options) s.append(pgEl("option", { value: String(value), text: label }));
    return s;
  };
  const range = (min, max, step) => pgEl("input", { type: "range", min: String(min), max: String(max), step: String(step) });
  const ctl = {
    dataset: select(Object.entries(PG_DATASET_LABELS)),
    noise: range(0, 1, 0.05),
    classes: range(2, 8, 1),
    test_fraction: range(0.05, 0.9, 0.05),
    hidden_layers: range(0, PG_LIMITS.maxHidden, 1),
    units: range(1, PG_LIMITS.maxUnits, 1),
    activation: select(PLAYGROUND.hiddenActivations.map((a) => [a, a])),
    pairing: select(Object.entries(PG_PAIRING_LABELS)),
    learning_rate: select(PG_LEARNING_RATES.map((v) => [v, String(v)])),
    batch_size: select(PG_BATCH_SIZES.map((v) => [v, String(v)])),
    seed: pgEl("input", { type: "number", min: "0", max: String(2 ** 32 - 1), step: "1", inputmode: "numeric" }),
    standardize: pgEl("input", { type: "checkbox" }),
    regularization: select(Object.entries(PG_REGULARIZATION_LABELS)),
    regularization_rate: select(PG_REGULARIZATION_RATES.map((v) => [v, String(v)])),
  };
  const readout = {};
  for (const k of ["noise", "classes", "test_fraction", "hidden_layers", "units"]) {
    readout[k] = pgEl("output", { class: "pg-readout", for: `${id}-${k}` });
  }
  const labels = {
    dataset: "Dataset", noise: "Noise", classes: "Classes", test_fraction: "Test share", hidden_layers: "Hidden layers",
    units: "Units / layer", activation: "Hidden σ", pairing: "Output / loss", learning_rate: "Learning rate",
    batch_size: "Batch size", seed: "Seed", standardize: "Standardize inputs",
    regularization: "Regularization", regularization_rate: "Regularization rate",
  };
  const controls = pgEl("div", { class: "pg-controls" });
  for (const k of PG_FIELDS) if (ctl[k]) controls.append(field(k, labels[k], ctl[k], readout[k]));

  const stepButton = pgEl("button", { type: "button", class: "pg-button", title: "one gradient step on the next mini-batch", text: "Step" });
  const trainButton = pgEl("button", { type: "button", class: "pg-button pg-train", title: "train until Pause", text: "Train" });
  const resetButton = pgEl("button", { type: "button", class: "pg-button", title: "back to step 0: same seed, same initial weights", text: "Reset" });
  const showNumbers = pgEl("input", { type: "checkbox", id: `${id}-numbers` });
  const speed = select([["1", "1 step"], ["3", "3 steps"], ["10", "10 steps"], ["30", "30 steps"], ["max", "as many as fit"]]);
  speed.id = `${id}-speed`;
  speed.value = "10";
  const buttons = pgEl("div", { class: "pg-buttons" }, [
    stepButton, trainButton, resetButton,
    pgEl("span", { class: "pg-check" }, [pgEl("label", { for: speed.id, text: "Speed, per frame:" }), speed]),
    pgEl("span", { class: "pg-check" }, [showNumbers, pgEl("label", { for: showNumbers.id, text: "Show the numbers (Eqs. 1–4)" })]),
  ]);
  const status = pgEl("div", { class: "pg-status", role: "status", "aria-live": "off" });
  const divergence = pgEl("div", { class: "pg-diverged", role: "alert", hidden: "" });
  const message = pgEl("div", { class: "pg-message", role: "alert", "aria-live": "polite", hidden: "" });

  const boundary = pgEl("canvas", { class: "pg-boundary", role: "img", "aria-label": "decision boundary" });
  const boundaryTitle = pgEl("div", { class: "pg-caption" });
  const chart = (caption) => {
    const canvas = pgEl("canvas", { class: "pg-chart", role: "img", "aria-label": caption.replace(/<[^>]+>/g, "") });
    return [canvas, pgEl("figure", { class: "pg-figure" }, [pgEl("figcaption", { class: "pg-caption", html: caption }), canvas])];
  };
  const [lossCanvas, lossFig] = chart("loss");
  const [accCanvas, accFig] = chart("accuracy");
  const [phiCanvas, phiFig] = chart("‖ϕ<sup>j</sup>‖ per layer, mean of 20 steps");
  const [dwCanvas, dwFig] = chart("‖∇<sub>w<sup>j</sup></sub>L‖ per layer");
  const plots = pgEl("div", { class: "pg-plots" }, [
    pgEl("figure", { class: "pg-figure pg-main" }, [boundaryTitle, boundary]),
    pgEl("div", { class: "pg-charts" }, [lossFig, accFig, phiFig, dwFig]),
  ]);
  const numbers = pgEl("pre", { class: "pg-numbers", hidden: "", tabindex: "0", "aria-label": "the numbers of the last step" });

  const configText = pgEl("textarea", { class: "pg-config", id: `${id}-config`, rows: "3", spellcheck: "false" });
  const applyButton = pgEl("button", { type: "button", class: "pg-button", title: "load the JSON above (paste a shared setup)", text: "Apply config" });
  const configRow = pgEl("div", { class: "pg-config-row" }, [
    pgEl("label", { for: configText.id, text: "Config (JSON): the whole setup; paste a shared one and press Apply config" }),
    configText,
    pgEl("div", { class: "pg-buttons" }, [applyButton]),
  ]);
  const shareInput = pgEl("input", { type: "text", readonly: "", class: "pg-share-url", id: `${id}-share` });
  const copyButton = pgEl("button", { type: "button", class: "pg-button", text: "Copy link" });
  const shareRow = pgEl("div", { class: "pg-share" }, [
    pgEl("label", { for: shareInput.id, text: "Share this setup: this link opens the playground in exactly this setup" }),
    pgEl("div", { class: "pg-share-line" }, [shareInput, copyButton]),
  ]);
  if (!staticPage) shareRow.hidden = true;

  root.append(controls, buttons, status, divergence, message, plots, numbers, configRow, shareRow);
  el.classList.add("jupyter-widgets"); // a Jupyter widget like the others (pages and tests look for the class)
  el.append(root);

  // ---------------------------------------------------------------- state
  const view = { boundary, offscreen: null };
  const st = {
    run: null, dataKey: null, running: false, raf: null, generation: 0, chunk: 1, stepsPerFrame: null,
    frames: [], lastPush: 0, message: null, loops: 0, alive: 0, mostAlive: 0,
  };
  const dataKey = (c) => JSON.stringify([c.dataset, c.noise, c.n_samples, c.classes, c.test_fraction, c.seed, c.standardize, PLAYGROUND.pairings[c.pairing][1]]);

  /** A new run of a setup, built completely before anything changes (throws when refused). */
  function buildRun(cfg) {
    const key = dataKey(cfg);
    const data = st.run && st.dataKey === key ? st.run.data : pgMakeRunData(cfg, getDigits());
    return { run: pgFreshRun(cfg, data), key };
  }

  function showMessage(text) {
    st.message = text;
    message.textContent = text || "";
    message.hidden = !text;
  }

  // ---------------------------------------------------------------- the setup in controls, model and address
  function syncControls() {
    const c = st.run.cfg, d = st.run.data;
    const setSelect = (s, value) => {
      if (![...s.options].some((o) => o.value === String(value))) {
        s.append(pgEl("option", { value: String(value), text: String(value) }));
      }
      s.value = String(value);
    };
    setSelect(ctl.dataset, c.dataset);
    ctl.noise.max = String(Math.max(PLAYGROUND.maxNoise[c.dataset], c.noise, 0.05));
    ctl.noise.value = String(c.noise);
    ctl.noise.disabled = c.dataset === "digits";
    const chosen = c.dataset === "spiral" || c.dataset === "blobs";
    const shownClasses = chosen ? c.classes : Math.max(d.nClasses, 2);
    ctl.classes.max = String(Math.max(8, shownClasses));
    ctl.classes.value = String(shownClasses);
    ctl.classes.disabled = !chosen;
    ctl.test_fraction.value = String(c.test_fraction);
    ctl.hidden_layers.value = String(c.hidden_layers);
    ctl.units.value = String(c.units);
    ctl.units.disabled = c.hidden_layers === 0;
    setSelect(ctl.activation, c.activation);
    setSelect(ctl.pairing, c.pairing);
    setSelect(ctl.learning_rate, c.learning_rate);
    setSelect(ctl.batch_size, c.batch_size);
    ctl.seed.value = String(c.seed);
    ctl.standardize.checked = c.standardize;
    setSelect(ctl.regularization, c.regularization);
    setSelect(ctl.regularization_rate, c.regularization_rate);
    ctl.regularization_rate.disabled = c.regularization === "none";
    readout.noise.textContent = c.dataset === "digits" ? "—" : String(c.noise);
    readout.classes.textContent = d.task === "regression" ? "—" : String(shownClasses);
    readout.test_fraction.textContent = String(c.test_fraction);
    readout.hidden_layers.textContent = String(c.hidden_layers);
    readout.units.textContent = String(c.units);
    configText.value = pgConfigJson(c);
    if (staticPage) {
      const hash = pgHashFor(c);
      if (location.hash !== hash && (location.hash === "" || location.hash.startsWith("#" + PG_HASH_KEY) || st.userChanged)) {
        history.replaceState(history.state, "", hash);
      }
      shareInput.value = location.href.split("#")[0] + hash;
    }
  }

  function saveToModel() {
    const c = st.run.cfg;
    const current = model.get("config");
    if (!current || pgConfigJson(pgSafe(current)) !== pgConfigJson(c)) {
      model.set("config", { ...c });
      try {
        model.save_changes();
      } catch (err) {
        /* a static page has no kernel to save to */
      }
    }
  }

  function pgSafe(c) {
    try {
      return pgValidateConfig(c);
    } catch (err) {
      return {};
    }
  }

  function pushWeights() {
    const run = st.run;
    model.set("weights", { ...exportWeights(run.net), step: run.step, setup: { ...run.cfg } });
    try {
      model.save_changes();
    } catch (err) {
      /* static page */
    }
    st.lastPush = performance.now();
  }

  /** Load a setup: step 0 of it, everything redrawn. Throws (and changes nothing) when refused. */
  function setConfig(cfg, { fromModel = false } = {}) {
    const { run, key } = buildRun(cfg);
    pause();
    st.run = run;
    st.dataKey = key;
    syncControls();
    if (!fromModel) saveToModel();
    pushWeights();
    draw(true);
  }

  // ---------------------------------------------------------------- drawing
  function draw(atRest) {
    const run = st.run, d = run.data, h = run.history, c = run.cfg;
    if (d.mode === "boundary") pgDrawBoundary(view, run);
    else if (d.mode === "regression") pgDrawRegression(view, run);
    else pgDrawConfusion(view, run);
    const xmax = pgStepLimit(h.step.length ? h.step[h.step.length - 1] : 0);
    const blue = pgRgb(PG_COLORS[0]), orange = pgRgb(PG_COLORS[1]);
    pgChart(lossCanvas, {
      series: [{ x: h.step, y: h.trainLoss, color: blue, label: "train" }, { x: h.step, y: h.testLoss, color: orange, label: "test" }],
      log: true, ylim: pgLogLimits([h.trainLoss, h.testLoss]), xmax,
    });
    let lo = 0;
    if (d.task === "regression") lo = Math.floor(Math.max(Math.min(0, ...h.trainScore.slice(-400), ...h.testScore.slice(-400)), -1) * 2) / 2;
    pgChart(accCanvas, {
      series: [{ x: h.step, y: h.trainScore, color: blue, label: "train" }, { x: h.step, y: h.testScore, color: orange, label: "test" }],
      log: false, ylim: [lo - 0.02, 1.02], ticks: lo < 0 ? [lo, 0, 1] : [0, 0.5, 1], xmax, legendBottom: true,
    });
    const J = run.net.J, n = run.norms;
    const layerSeries = (key) => Array.from({ length: J }, (_, j) => ({
      x: n.step, y: n[key].map((v) => Math.max(v[j], 1e-12)), color: pgRgb(PG_COLORS[j % 10]), label: `j=${j + 1}`,
    }));
    for (const [canvas, key] of [[phiCanvas, "phi"], [dwCanvas, "dW"]]) {
      const series = layerSeries(key);
      pgChart(canvas, { series, log: true, ylim: pgLogLimits(series.map((s) => s.y)), xmax });
    }
    // text: status line, captions, labels for screen readers
    const last = (a) => a[a.length - 1];
    const what = d.task === "regression" ? "R²" : "accuracy";
    status.innerHTML =
      `step <b class="pg-step">${run.step}</b> · epoch ${pgEpoch(run).toFixed(1)} · loss train ${last(h.trainLoss).toFixed(4)} / test ${last(h.testLoss).toFixed(4)}` +
      ` · ${what} train ${last(h.trainScore).toFixed(3)} / test <b>${last(h.testScore).toFixed(3)}</b>`;
    root.dataset.step = String(run.step);
    const titles = {
      boundary: `${PG_DATASET_LABELS[c.dataset]}: train ●, test ◆; colour = predicted class`,
      regression: `${PG_DATASET_LABELS[c.dataset]}: the network's curve`,
      confusion: "digits, test set: true class × predicted class",
    };
    boundaryTitle.textContent = titles[d.mode];
    boundary.setAttribute("aria-label",
      `${titles[d.mode]} at step ${run.step}; test ${what} ${last(h.testScore).toFixed(3)}`);
    accFig.firstChild.textContent = d.task === "regression" ? "R² (1 − MSE / variance)" : "accuracy";
    lossFig.firstChild.textContent = `loss (${d.loss.toUpperCase()})`;
    if (run.diverged) {
      divergence.hidden = false;
      divergence.textContent = `⚠ Training stopped: ${run.diverged}. Lower the learning rate and press Reset to start again from the same initial weights.`;
    } else {
      divergence.hidden = true;
    }
    if (atRest) updateNumbers();
  }

  function updateNumbers() {
    numbers.hidden = !showNumbers.checked;
    if (showNumbers.checked) numbers.innerHTML = pgNumbersHtml(st.run);
  }

  // ---------------------------------------------------------------- training: one requestAnimationFrame loop at most
  function setTrainLabel() {
    trainButton.textContent = st.running ? "Pause" : "Train";
    trainButton.title = st.running ? "stop training" : "train until Pause";
    trainButton.classList.toggle("pg-pause", st.running);
    trainButton.setAttribute("aria-pressed", st.running ? "true" : "false");
  }

  function pause() {
    if (st.raf !== null) {
      cancelAnimationFrame(st.raf); // that loop's next frame never comes: the loop has ended
      st.alive--;
    }
    st.raf = null;
    const was = st.running;
    st.running = false;
    st.generation++;
    setTrainLabel();
    if (was) {
      pushWeights();
      draw(true);
    }
  }

  function train() {
    if (st.running || st.raf !== null) return; // a loop is already running: never a second one
    if (st.run.diverged) {
      draw(true);
      return;
    }
    st.running = true;
    st.loops++;
    st.alive++; // loops alive right now (a loop lives from Train until Pause or its last frame)
    st.mostAlive = Math.max(st.mostAlive, st.alive);
    const generation = ++st.generation;
    setTrainLabel();
    const tick = () => {
      st.raf = null;
      if (!st.running || generation !== st.generation) {
        st.alive--;
        return;
      }
      const run = st.run;
      const t0 = performance.now();
      const want = st.stepsPerFrame ?? (speed.value === "max" ? st.chunk : Number(speed.value));
      let done = 0;
      while (done < want && pgStep(run)) done++;
      const t1 = performance.now();
      if (done) pgEvaluate(run);
      draw(false);
      const t2 = performance.now();
      st.frames.push({ t: t2, work: t2 - t0, steps: done, stepTime: t1 - t0 });
      if (st.frames.length > 600) st.frames.splice(0, st.frames.length - 600);
      // about 6 ms of steps per frame (1 … 500), so the steps + redraw fit a 60 Hz frame
      // and a Pause click waits at most one frame
      if (done) st.chunk = Math.round(Math.min(500, Math.max(1, 6 / Math.max((t1 - t0) / done, 1e-4))));
      if (run.diverged) {
        st.alive--;
        st.running = false;
        setTrainLabel();
        pushWeights();
        draw(true);
        return;
      }
      if (t2 - st.lastPush > 1000) pushWeights();
      st.raf = requestAnimationFrame(tick);
    };
    st.raf = requestAnimationFrame(tick);
  }

  // ---------------------------------------------------------------- events
  const onStep = () => {
    pause();
    showMessage(null);
    if (pgStep(st.run)) pgEvaluate(st.run);
    pushWeights();
    draw(true);
  };
  const onTrain = () => (st.running ? pause() : train());
  const onReset = () => {
    pause();
    showMessage(null);
    st.run = pgFreshRun(st.run.cfg, st.run.data);
    pushWeights();
    draw(true);
  };
  stepButton.addEventListener("click", onStep);
  trainButton.addEventListener("click", onTrain);
  resetButton.addEventListener("click", onReset);
  showNumbers.addEventListener("change", updateNumbers);

  applyButton.addEventListener("click", () => {
    let cfg;
    try {
      cfg = pgParseConfigText(configText.value);
      st.userChanged = true;
      setConfig(cfg);
    } catch (err) {
      showMessage(`Could not apply the config: ${err.message}. The playground keeps its current setup.`);
      return;
    }
    showMessage(null);
  });

  copyButton.addEventListener("click", () => {
    shareInput.focus();
    shareInput.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (err) {
      copied = false;
    }
    if (!copied && navigator.clipboard) {
      navigator.clipboard.writeText(shareInput.value).then(() => (copyButton.textContent = "Copied"), () => {});
    }
    copyButton.textContent = copied ? "Copied" : "Selected: press Ctrl+C";
    setTimeout(() => (copyButton.textContent = "Copy link"), 2000);
  });

  /** A control changed: all or nothing, as Playground._on_control. */
  function onControl(name) {
    const c = st.run.cfg;
    let value;
    const el = ctl[name];
    if (name === "standardize") value = el.checked;
    else if (["dataset", "activation", "pairing", "regularization"].includes(name)) value = el.value;
    else if (name === "seed") value = el.value.trim() === "" ? NaN : Number(el.value);
    else value = pgRound(Number(el.value));
    const changes = { [name]: value };
    if (name === "dataset") {
      changes.noise = PLAYGROUND.defaultNoise[value];
      changes.n_samples = null;
      const regression = PLAYGROUND.regressionDatasets;
      if (regression.includes(value) && PLAYGROUND.pairings[c.pairing][1] !== "mse") changes.pairing = "identity+mse";
      else if (!regression.includes(value) && regression.includes(c.dataset)) changes.pairing = "softmax+cce";
    }
    if (name === "pairing" && PLAYGROUND.regressionDatasets.includes(c.dataset) && PLAYGROUND.pairings[value][1] !== "mse") {
      showMessage(`${labels[name]}: the regression data set needs an MSE pairing; kept "${c.pairing}"`);
      syncControls();
      return;
    }
    let cfg;
    try {
      cfg = pgValidateConfig({ ...c, ...changes });
    } catch (err) {
      showMessage(`${labels[name]}: ${err.message}; kept ${pgRepr(c[name])}`);
      syncControls();
      return;
    }
    st.userChanged = true;
    // these change how the next steps are taken, not the data or the network: training goes on
    const hot = Object.keys(changes).every((k) => ["learning_rate", "batch_size", "regularization", "regularization_rate"].includes(k));
    if (hot) {
      st.run.cfg = cfg;
      if (name === "learning_rate") st.run.diverged = null;
      syncControls();
      saveToModel();
      showMessage(null);
      draw(!st.running);
      return;
    }
    try {
      setConfig(cfg);
    } catch (err) {
      showMessage(`${labels[name]}: ${err.message}; kept ${pgRepr(c[name])}`);
      syncControls();
      return;
    }
    showMessage(null);
  }
  for (const name of Object.keys(ctl)) {
    ctl[name].addEventListener("change", () => onControl(name));
    if (readout[name]) ctl[name].addEventListener("input", () => (readout[name].textContent = ctl[name].value));
  }

  // A setup from Python that the page refuses (e.g. data the stratified split cannot use) is not
  // kept in the model either: the page writes its own setup back, so Python's config and the page
  // always agree (and the shared config always loads).
  const refuseModelConfig = (err) => {
    showMessage(`Could not apply the config from Python: ${err.message}. The playground keeps its current setup.`);
    if (st.run) saveToModel();
  };
  const onModelConfig = () => {
    const incoming = model.get("config");
    let cfg;
    try {
      cfg = pgValidateConfig(incoming);
    } catch (err) {
      refuseModelConfig(err);
      return;
    }
    if (st.run && pgConfigJson(cfg) === pgConfigJson(st.run.cfg)) return;
    try {
      setConfig(cfg, { fromModel: true });
      showMessage(null);
    } catch (err) {
      refuseModelConfig(err);
    }
  };
  model.on("change:config", onModelConfig);

  const onHash = () => {
    const found = pgConfigFromHash(location.hash);
    if (!found) return;
    if (found.error) {
      showMessage(`The page address holds a playground setup that could not be read (${found.error}). Showing the default setup instead.`);
      try {
        setConfig(pgValidateConfig({}));
      } catch (err) {
        /* the default setup always builds */
      }
      return;
    }
    if (st.run && pgConfigJson(found.config) === pgConfigJson(st.run.cfg)) return;
    try {
      setConfig(found.config);
      showMessage(null);
    } catch (err) {
      showMessage(`The setup in the page address could not be loaded (${err.message}). The playground keeps its current setup.`);
    }
  };
  if (staticPage) window.addEventListener("hashchange", onHash);

  // ---------------------------------------------------------------- first picture
  let initial;
  let startMessage = null;
  try {
    initial = pgValidateConfig(model.get("config") || {});
  } catch (err) {
    startMessage = `The widget's config could not be read (${err.message}); showing the default setup.`;
    initial = pgValidateConfig({});
  }
  if (staticPage) {
    const found = pgConfigFromHash(location.hash);
    if (found && found.error) {
      startMessage = `The page address holds a playground setup that could not be read (${found.error}). Showing the default setup instead.`;
      initial = pgValidateConfig({});
      st.userChanged = true; // replace the damaged address by the setup shown
    } else if (found) {
      initial = found.config;
    }
  }
  try {
    setConfig(initial, { fromModel: !staticPage });
  } catch (err) {
    startMessage = `This setup could not be built (${err.message}); showing the default setup.`;
    setConfig(pgValidateConfig({}), { fromModel: false });
  }
  showMessage(startMessage);
  setTrainLabel();

  // redraw when the column changes width (phone rotation, sidebar)
  let lastWidth = 0;
  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(() => {
    const w = root.clientWidth;
    if (w !== lastWidth && !st.running && st.run) draw(true);
    lastWidth = w;
  }) : null;
  if (resize) resize.observe(root);

  // a handle for the book's browser test and benchmark
  root.__playground = {
    get step() { return st.run.step; },
    get running() { return st.running; },
    get loops() { return st.loops; },
    get loopsAlive() { return st.alive; },
    get mostLoopsAlive() { return st.mostAlive; },
    get config() { return { ...st.run.cfg }; },
    frames: () => st.frames.slice(),
    clearFrames: () => { st.frames.length = 0; },
    setStepsPerFrame: (n) => { st.stepsPerFrame = n; },
    // the model's config trait, as Python sees it, and a way to set it as a message from Python would
    get modelConfig() { return model.get("config"); },
    setModelConfig: (c) => model.set("config", c),
  };

  return () => {
    pause();
    if (resize) resize.disconnect();
    model.off("change:config", onModelConfig);
    if (staticPage) window.removeEventListener("hashchange", onHash);
  };
}

export default { render };
