// playground_run.js — one training run of the playground: data, network, batch order and history.
//
// The work is cut into slices of at most PG_SLICE samples (columns): a gradient step on a batch of
// 4096 samples, the evaluation on both sets and the boundary's mesh are computed slice by slice by
// generators that yield after every slice, so that the page can spread a heavy step over several
// animation frames (playground_loop.js) and never blocks. The slices are fixed (not timed), so a
// run gives the same numbers on every machine. A step's mean gradient over the batch is the
// slices' mean gradients weighted by their share of the batch; a batch of one slice is exactly
// the engine's sgdStep (tests/widgets/test_playground_live.py checks both).

const PG_SLICE = 128; // samples per slice of work
const PG_HISTORY_CAP = 4000; // points kept per curve; older ones are thinned by half when full
const PG_NORM_WINDOW = 20; // the ‖ϕ^j‖, ‖∇w^j L‖ curves are trailing means over 20 steps
const PG_GRID = 64; // boundary mesh: 64 × 64 points

/** Decode the digits table the model carries (one letter per pixel, "A" = 0 … "Q" = 16; one digit per label). */
export function pgDecodeDigits(table) {
  if (!table || typeof table.pixels !== "string" || typeof table.labels !== "string" || !table.labels.length) return null;
  const pixels = new Uint8Array(table.pixels.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = table.pixels.charCodeAt(i) - 65;
  const labels = new Int32Array(table.labels.length);
  for (let i = 0; i < labels.length; i++) labels[i] = table.labels.charCodeAt(i) - 48;
  return { pixels, labels };
}

/** The slices of m columns: [{x, y, cols}] with x, y the columns [a, b) of x and y (y may be null). */
export function pgSlices(x, y, size = PG_SLICE) {
  const out = [];
  for (let a = 0; a < x.cols; a += size) {
    const idx = Array.from({ length: Math.min(size, x.cols - a) }, (_, i) => a + i);
    out.push({ x: takeColumns(x, idx), y: y && takeColumns(y, idx), cols: idx.length });
  }
  return out;
}

/** The matrices' columns side by side: (rows, Σ cols). */
function pgConcatColumns(mats) {
  const rows = mats[0].rows, cols = mats.reduce((n, M) => n + M.cols, 0), out = matrix(rows, cols);
  let at = 0;
  for (const M of mats) {
    for (let i = 0; i < rows; i++) out.data.set(M.data.subarray(i * M.cols, (i + 1) * M.cols), i * cols + at);
    at += M.cols;
  }
  return out;
}

/** The boundary panel's plane: the data's bounding box padded by 8 % + 0.1, and its 64 × 64 mesh (row r from the top). */
function pgPlane(sets) {
  const lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
  for (const d of sets) {
    const m = d.x.cols;
    for (let i = 0; i < 2; i++) for (let s = 0; s < m; s++) {
      lo[i] = Math.min(lo[i], d.x.data[i * m + s]);
      hi[i] = Math.max(hi[i], d.x.data[i * m + s]);
    }
  }
  for (let i = 0; i < 2; i++) {
    const pad = 0.08 * (hi[i] - lo[i]) + 0.1;
    lo[i] -= pad;
    hi[i] += pad;
  }
  const G = PG_GRID, mesh = matrix(2, G * G);
  for (let r = 0; r < G; r++) for (let c = 0; c < G; c++) {
    mesh.data[r * G + c] = lo[0] + ((c + 0.5) / G) * (hi[0] - lo[0]);
    mesh.data[G * G + r * G + c] = hi[1] - ((r + 0.5) / G) * (hi[1] - lo[1]);
  }
  return { lo, hi, mesh: pgSlices(mesh, null) };
}

/** The regression panel's box (x range, y range padded by 25 %) and the 200 inputs of its curve. */
function pgCurveBox(train, test) {
  const xs = [...train.x.data, ...test.x.data], ys = [...train.y.data, ...test.y.data];
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const pad = 0.25 * (y1 - y0);
  return { lo: [x0, y0 - pad], hi: [x1, y1 + pad], curveX: matrix(1, 200, linspace(x0, x1, 200)) };
}

/**
 * The data of a setup, sliced, plus what drawing needs (built once per data set, shared by Reset):
 * {train, test, loss, yTrain, yTest, task, nClasses, mode ("boundary" | "regression" | "confusion"),
 * trainSlices, testSlices, and lo/hi/mesh or lo/hi/curveX}. Throws when the data cannot be made.
 */
export function pgMakeRunData(cfg, digitsTable) {
  if (cfg.dataset === "digits" && !digitsTable) throw new Error("expected the digits table from Python, got none: this page cannot show the digits");
  const { train, test } = makeData(cfg, { digits: digitsTable });
  const loss = PLAYGROUND.pairings[cfg.pairing][1];
  const yTrain = targets(train, loss), yTest = targets(test, loss);
  const task = train.nClasses ? "classification" : "regression";
  const mode = task === "regression" ? "regression" : train.x.rows === 2 ? "boundary" : "confusion";
  const data = {
    train, test, loss, yTrain, yTest, task, mode, nClasses: train.nClasses,
    trainSlices: pgSlices(train.x, yTrain), testSlices: pgSlices(test.x, yTest),
  };
  if (mode === "boundary") Object.assign(data, pgPlane([train, test]));
  if (mode === "regression") Object.assign(data, pgCurveBox(train, test));
  return data;
}

/** Step 0 of a setup on its data: the same initial weights and batch order every time (Reset); not yet evaluated. */
export function pgFreshRun(cfg, data) {
  const net = playgroundNetwork(cfg, data.train);
  return {
    cfg, data, net,
    batches: createBatchStream(data.train.x.cols, createRng(cfg.seed, STREAMS.batches)),
    pending: null, // the step under way: its batch and the slices' gradients so far
    step: 0, samplesSeen: 0, diverged: null, lastGrads: null, lastBatchSize: 0,
    history: { step: [], epoch: [], trainLoss: [], testLoss: [], trainScore: [], testScore: [] },
    evaluated: -1, // the step last evaluated
    norms: { step: [], phi: [], dW: [] },
    window: [], // the last PG_NORM_WINDOW steps' norms
    good: { W: net.W.slice(), b: net.b.slice(), step: 0 }, // the last weights whose loss was finite
    trainPred: null, testPred: null,
  };
}

export function pgEpoch(run) {
  return run.samplesSeen / run.data.train.x.cols;
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
 * w^j ← w^j − η (∇_{w^j} L + λ w^j + λ₁ sign(w^j)), b^j ← b^j − η ∇_{b^j} L, as the engine's sgdStep
 * applies a batch's gradients g = {dW, db, loss}: throws TrainingDiverged (the weights untouched)
 * when the loss or a new weight is not finite.
 */
export function pgApplyStep(net, g, rate, { epoch, step, weightDecay = 0, l1 = 0 }) {
  const W = [null], b = [null];
  for (let j = 1; j <= net.J; j++) {
    const gw = weightDecay || l1 ? penaltyGradient(net.W[j], g.dW[j], weightDecay, l1).data : g.dW[j].data;
    const wOld = net.W[j].data, wNew = new Float64Array(wOld.length);
    for (let i = 0; i < wNew.length; i++) wNew[i] = wOld[i] - rate * gw[i];
    const bOld = net.b[j].data, bNew = new Float64Array(bOld.length);
    for (let i = 0; i < bNew.length; i++) bNew[i] = bOld[i] - rate * g.db[j].data[i];
    W.push({ rows: net.W[j].rows, cols: net.W[j].cols, data: wNew });
    b.push({ rows: net.b[j].rows, cols: 1, data: bNew });
  }
  if (!Number.isFinite(g.loss)) {
    throw new TrainingDiverged(
      `training diverged in epoch ${epoch}: the loss became infinite or NaN at step ${step} with learning rate ${rate}; ` +
        `lower the learning rate (the weights from before epoch ${epoch}, step ${step} are kept)`, epoch, step);
  }
  const finite = (M) => M.data.every(Number.isFinite);
  if (!W.slice(1).every(finite) || !b.slice(1).every(finite)) {
    throw new TrainingDiverged(
      `training diverged at epoch ${epoch}, step ${step}: the weights became infinite or NaN with learning rate ${rate}; ` +
        "lower the learning rate (the weights from before this step are kept)", epoch, step);
  }
  net.W = W;
  net.b = b;
}

/** Add `share` × the slice's gradients g to the step's sums (the first slice sets them). */
function pgAccumulate(pending, g, share, J) {
  const scaled = (M) => ({ rows: M.rows, cols: M.cols, data: M.data.map((v) => v * share) });
  if (!pending.dW) {
    pending.dW = g.dW.map((M) => M && scaled(M));
    pending.db = g.db.map((M) => M && scaled(M));
    pending.phiFirst = g.phi.map((M) => M && scaled(M)); // ϕ^j's first columns, for the numbers panel
  } else {
    for (let j = 1; j <= J; j++) {
      for (let i = 0; i < g.dW[j].data.length; i++) pending.dW[j].data[i] += share * g.dW[j].data[i];
      for (let i = 0; i < g.db[j].data.length; i++) pending.db[j].data[i] += share * g.db[j].data[i];
    }
  }
  pending.loss += share * g.loss;
  for (let j = 1; j <= J; j++) pending.phiNorms[j - 1].push(share * frobeniusNorm(g.phi[j]));
}

/** The step is done: its ‖ϕ^j‖ and ‖∇w^j L‖ join the trailing means, its gradients the numbers panel. */
function pgRecordStep(run, pending) {
  const J = run.net.J, phi = new Float64Array(J), dW = new Float64Array(J);
  for (let j = 1; j <= J; j++) {
    phi[j - 1] = Math.hypot(...pending.phiNorms[j - 1]); // ‖ϕ^j‖ of the whole batch, from its slices
    dW[j - 1] = frobeniusNorm(pending.dW[j]);
  }
  run.step++;
  run.samplesSeen += pending.idx.length;
  run.lastGrads = { phi: pending.phiFirst, dW: pending.dW, db: pending.db, loss: pending.loss };
  run.lastBatchSize = pending.idx.length;
  run.window.push([phi, dW]);
  if (run.window.length > PG_NORM_WINDOW) run.window.shift();
  const mean = (k) => {
    const out = new Float64Array(J);
    for (const w of run.window) for (let j = 0; j < J; j++) out[j] += w[k][j] / run.window.length;
    return out;
  };
  pgPush(run.norms, { step: run.step, phi: mean(0), dW: mean(1) });
}

/**
 * One gradient step on the next mini-batch (Session.step), a slice at a time: yields after every
 * slice; returns true when the step is taken, false when training has diverged (run.diverged holds
 * the message; the weights are the last finite ones). A step left half done (Pause) is resumed by
 * the next call with the same batch: the weights change only when its last slice is in.
 */
export function* pgStepSlices(run) {
  if (run.diverged) return false;
  const d = run.data, net = run.net, J = net.J;
  if (!run.pending) {
    const idx = run.batches.next(run.cfg.batch_size);
    run.pending = { idx, next: 0, loss: 0, dW: null, db: null, phiFirst: null, phiNorms: Array.from({ length: J }, () => []) };
  }
  const p = run.pending, m = p.idx.length;
  while (p.next < m) {
    const part = p.idx.subarray(p.next, Math.min(p.next + PG_SLICE, m));
    pgAccumulate(p, gradients(net, takeColumns(d.train.x, part), takeColumns(d.yTrain, part)), part.length / m, J);
    p.next += part.length;
    if (p.next < m) yield;
  }
  run.pending = null;
  const c = run.cfg, rate = c.regularization_rate;
  try {
    pgApplyStep(net, p, c.learning_rate, {
      epoch: Math.floor(pgEpoch(run)) + 1, step: run.step + 1,
      weightDecay: c.regularization === "l2" ? rate : 0, l1: c.regularization === "l1" ? rate : 0,
    });
  } catch (err) {
    if (!(err instanceof TrainingDiverged)) throw err;
    run.diverged = err.message;
    return false;
  }
  pgRecordStep(run, p);
  yield;
  return true;
}

/** The network's output a^J on the slices (concatenated) and its loss on them (the slices' weighted mean), a slice per yield. */
export function* pgForwardSlices(net, slices) {
  const outputs = [], m = slices.reduce((n, s) => n + s.cols, 0);
  let loss = 0;
  for (const s of slices) {
    const fp = forward(net, s.x);
    if (s.y) loss += (s.cols / m) * lossFromForward(net, fp, s.y);
    outputs.push(fp.a[net.J]);
    yield;
  }
  return { output: pgConcatColumns(outputs), loss };
}

/**
 * Loss and accuracy (R² for regression) on both sets at the current step (Session.evaluate), a slice
 * per yield. A non-finite loss puts back the last evaluated finite weights and stops training with a
 * message; returns false then. Does nothing when this step has been evaluated already.
 */
export function* pgEvaluateSlices(run) {
  const d = run.data, net = run.net;
  if (run.evaluated === run.step) return !run.diverged;
  const train = yield* pgForwardSlices(net, d.trainSlices);
  const test = yield* pgForwardSlices(net, d.testSlices);
  run.evaluated = run.step;
  if (!Number.isFinite(train.loss) || !Number.isFinite(test.loss)) {
    const good = run.good;
    net.W = good.W.slice();
    net.b = good.b.slice();
    run.diverged = `training diverged after step ${run.step}: the loss on the data became infinite or NaN with learning rate ${run.cfg.learning_rate}; ` +
      `lower the learning rate (the weights from step ${good.step} are kept)`;
    return false;
  }
  let trainScore, testScore;
  if (d.task === "regression") {
    trainScore = rSquared(train.output, d.yTrain);
    testScore = rSquared(test.output, d.yTest);
  } else {
    run.trainPred = predictLabels(net, train.output);
    run.testPred = predictLabels(net, test.output);
    trainScore = accuracy(run.trainPred, d.train.y);
    testScore = accuracy(run.testPred, d.test.y);
  }
  pgPush(run.history, { step: run.step, epoch: pgEpoch(run), trainLoss: train.loss, testLoss: test.loss, trainScore, testScore });
  run.good = { W: net.W.slice(), b: net.b.slice(), step: run.step };
  return true;
}

/** Drive a generator of slices to its end at once (tests, and work too small to spread). */
export function pgFinish(gen) {
  for (;;) {
    const { done, value } = gen.next();
    if (done) return value;
  }
}
