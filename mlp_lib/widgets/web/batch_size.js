// batch_size.js — the batch-size explorer (mlp_lib.widgets.batch_size.BatchSizesView), live in the page.
//
// The same network (same data, same initial weights, same learning rate, the same order of the
// samples in every epoch) is trained once per selected batch size for the same number of epochs,
// as BatchSizes does, with the engine (engine.js, assembled before this file with ui.js). Each
// run records the loss of every mini-batch and, about `evaluations` times, the loss on the whole
// training set. Two charts: the whole-set loss against epochs, and against gradient steps with
// the mini-batch losses faint behind it.
//
// The start: the trait `start` holds mlp_lib's data and initial weights for one seed (Python
// draws them with NumPy); for any other seed the page draws its own with the engine (makeData,
// playgroundNetwork). The epochs' orders are the engine's: createRng(seed, STREAMS.batches),
// one permutation of the m samples per epoch, the same for every run.

const BS_COLORS = ["#d62728", "#ff7f0e", "#2ca02c", "#1f77b4", "#9467bd", "#8c564b"]; // small batches warm, large ones cool
const BS_FRAME_MS = 8; // training time per animation frame
const BS_CHART = { width: 360, height: 250 };
const BS_MAX_SEED = 4294967295;

/** The effective batch size of a choice b on m samples: m for 0 (the full batch), else min(b, m). */
export function bsSize(b, m) {
  return b === 0 ? m : Math.min(b, m);
}

/** A run's name: "full batch (m)" when it takes all m samples, else "batch b". */
export function bsLabel(size, m) {
  return size >= m ? `full batch (${m})` : `batch ${size}`;
}

/**
 * The start of every run: {x, y, net, source}. From `start` (mlp_lib's, source "mlp_lib") when it
 * was drawn for this seed, else drawn by the engine from the config (source "page").
 */
export function bsStart(config, seed, start) {
  if (start && start.network && start.seed === seed) {
    return { x: fromRows(start.x), y: fromRows(start.y), net: networkFromWeights(start.network.config, start.network.params), source: "mlp_lib" };
  }
  const c = { ...DEFAULT_CONFIG, ...config, seed };
  const { train } = makeData(c);
  return { x: train.x, y: targets(train, PLAYGROUND.pairings[c.pairing][1]), net: playgroundNetwork(c, train), source: "page" };
}

/** The order of the m samples in each of the epochs: createRng(seed, STREAMS.batches).permutation(m), once per epoch. */
export function bsEpochOrders(m, epochs, seed) {
  const rng = createRng(seed, STREAMS.batches);
  return Array.from({ length: epochs }, () => rng.permutation(m));
}

/**
 * A comparison ready to train: one run per batch size (sorted, the full batch last), each from a
 * copy of the start's network. Train it with bsAdvance.
 */
export function bsCreateJob(start, { batchSizes, learningRate, epochs, seed, evaluations }) {
  const m = start.x.cols;
  const loss0 = lossValue(start.net, start.x, start.y);
  const sorted = [...batchSizes].sort((a, b) => (a === 0 ? Infinity : a) - (b === 0 ? Infinity : b));
  const runs = sorted.map((b) => {
    const size = bsSize(b, m), perEpoch = Math.ceil(m / size);
    return {
      batchSize: size, stepsPerEpoch: perEpoch, totalSteps: epochs * perEpoch,
      every: Math.max(1, Math.floor((epochs * perEpoch) / Math.max(1, evaluations))),
      net: copyNetwork(start.net), step: 0, epoch: 1, pos: 0, done: false, diverged: null,
      evalSteps: [0], evalEpochs: [0], trainLoss: [loss0], batchLoss: [],
    };
  });
  return { x: start.x, y: start.y, m, source: start.source, learningRate, epochs, orders: bsEpochOrders(m, epochs, seed), runs };
}

/** One step of a run on the next slice of its epoch's order; an evaluation every `every` steps and after the last. */
function bsStep(job, r) {
  const idx = job.orders[r.epoch - 1].subarray(r.pos, Math.min(r.pos + r.batchSize, job.m));
  let g;
  try {
    g = sgdStep(r.net, takeColumns(job.x, idx), takeColumns(job.y, idx), job.learningRate, { epoch: r.epoch, step: r.step + 1 });
  } catch (err) {
    if (!(err instanceof TrainingDiverged)) throw err;
    r.diverged = err.message;
    r.done = true;
    return;
  }
  r.step++;
  r.batchLoss.push(g.loss);
  if (r.step % r.every === 0 || r.step === r.totalSteps) {
    const loss = lossValue(r.net, job.x, job.y);
    if (!Number.isFinite(loss)) {
      r.diverged = "the training loss became infinite or NaN";
      r.done = true;
      return;
    }
    r.evalSteps.push(r.step);
    r.evalEpochs.push(r.step / r.stepsPerEpoch);
    r.trainLoss.push(loss);
  }
  r.pos += r.batchSize;
  if (r.pos >= job.m) {
    r.pos = 0;
    r.epoch++;
    r.done = r.epoch > job.epochs;
  }
}

/** Up to maxSteps steps of the first runs not done; true when every run is done. */
export function bsAdvance(job, maxSteps) {
  let left = maxSteps;
  for (const r of job.runs) {
    while (!r.done && left > 0) {
      bsStep(job, r);
      left--;
    }
    if (!r.done) return false;
  }
  return true;
}

/** The whole comparison at once (what the page does over several animation frames). */
export function bsRunAll(start, options) {
  const job = bsCreateJob(start, options);
  bsAdvance(job, Infinity);
  return job;
}

/** The status line (HTML): steps and final loss of every finished run, the run in progress. */
export function bsStatusHtml(job, stopped = false) {
  if (!job.runs.length) return "Select at least one batch size.";
  const parts = [];
  for (const r of job.runs) {
    const name = bsLabel(r.batchSize, job.m);
    if (!r.done) {
      parts.push(`${name}: ${stopped ? "stopped" : "training"} in epoch ${Math.min(r.epoch, job.epochs)} of ${job.epochs}${stopped ? "" : "…"}`);
      break;
    }
    let text = `${name}: ${r.totalSteps} steps, final loss ${uiFmt(r.trainLoss[r.trainLoss.length - 1], 3)}`;
    if (r.diverged) text += ' <span class="ui-warn">(diverged: lower the learning rate)</span>';
    parts.push(text);
  }
  return parts.join(" · ");
}

/** A colour mixed with white as a line drawn with opacity `alpha` on white shows it. */
export function bsFaint(hex, alpha = 0.25) {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `#${c.map((v) => Math.round(alpha * v + (1 - alpha) * 255).toString(16).padStart(2, "0")).join("")}`;
}

/**
 * The mini-batch losses of steps 1 … n as a line {x, y} to draw on a log step axis: all of them up to
 * `bins` points, else, per bin of equal width in log(step), the lowest and the highest loss in step
 * order (the band the noise fills, at a few hundred points instead of thousands).
 */
export function bsThin(losses, bins = 400) {
  const n = losses.length;
  if (n <= bins) return { x: losses.map((_, i) => i + 1), y: Array.from(losses) };
  const x = [], y = [], width = Math.log(n) / bins;
  for (let i = 0; i < n; ) {
    const end = Math.max(i + 1, Math.min(n, Math.floor(Math.exp((Math.floor(Math.log(i + 1) / width) + 1) * width))));
    let lo = i, hi = i;
    for (let k = i; k < end; k++) {
      if (losses[k] < losses[lo]) lo = k;
      if (losses[k] > losses[hi]) hi = k;
    }
    for (const k of lo === hi ? [lo] : [Math.min(lo, hi), Math.max(lo, hi)]) {
      x.push(k + 1);
      y.push(losses[k]);
    }
    i = end;
  }
  return { x, y };
}

/** The two chart specs (uiChart): whole-set loss against epochs; against gradient steps with the mini-batch losses. */
export function bsCharts(job) {
  const named = job.runs.map((r, k) => ({ r, color: BS_COLORS[k % BS_COLORS.length], label: bsLabel(r.batchSize, job.m) }));
  const last = ({ r }) => r.trainLoss[r.trainLoss.length - 1];
  const epochLines = named.map(({ r, color, label }) => ({ x: r.evalEpochs, y: r.trainLoss, color, label }));
  const byEpoch = {
    ...BS_CHART, title: "same number of epochs", xLabel: "epochs (passes over the training set)", yLabel: "training loss L (whole set)",
    yLog: true, lines: epochLines,
    summary: `Training loss on the whole set against epochs, log scale: ${named.map((n) => `${n.label} at ${uiFmt(last(n), 3)} after ${uiFmt(n.r.evalEpochs[n.r.evalEpochs.length - 1], 3)} epochs`).join("; ")}.`,
  };
  const faint = named.map(({ r, color }) => ({ ...bsThin(r.batchLoss), color: bsFaint(color), width: 0.7 }));
  const solid = named.map(({ r, color, label }) => ({ x: r.evalSteps.map((s) => Math.max(s, 1)), y: r.trainLoss, color, label }));
  const bySteps = {
    ...BS_CHART, title: "faint: loss of each mini-batch; solid: whole set", xLabel: "gradient steps (log scale)",
    xLog: true, yLog: true, legend: null, lines: [...faint, ...solid],
    summary: `Training loss against gradient steps, both axes log scale, with each mini-batch's own loss behind it: ${named.map((n) => `${n.label} took ${n.r.step} steps`).join("; ")}.`,
  };
  return [byEpoch, bySteps];
}

/** What the page reports to Python (the trait `results`): its setup and a summary of every run. */
export function bsReport(job, { learningRate, epochs, seed, batchSizes }) {
  const runs = job.runs.map((r) => ({
    batch_size: r.batchSize, steps_per_epoch: r.stepsPerEpoch, steps: r.step,
    final_loss: r.trainLoss[r.trainLoss.length - 1], diverged: r.diverged, done: r.done,
  }));
  return { learning_rate: learningRate, epochs, seed, batch_sizes: batchSizes, source: job.source, m: job.m, runs };
}

/** "12345" → 12345, or an Error naming what a seed must be. */
export function bsParseSeed(text) {
  const t = String(text).trim();
  if (!/^\d+$/.test(t) || Number(t) > BS_MAX_SEED) throw new Error(`expected a whole number from 0 to ${BS_MAX_SEED}`);
  return Number(t);
}

/** The batch-size check boxes, a group named "Batch sizes": { el, boxes }. */
function bsChoiceBoxes(choices, selected, onChange) {
  const boxes = choices.map((b) => {
    const box = uiEl("input", { type: "checkbox", value: String(b), checked: selected.includes(b) });
    box.addEventListener("change", onChange);
    return box;
  });
  const name = uiEl("span", { id: `bs-sizes-${Math.random().toString(36).slice(2, 9)}`, text: "Batch sizes" });
  boxes.forEach((box) => (box.style.margin = "0 3px 0 0"));
  const items = boxes.map((box, i) => uiEl("label", {}, [box, document.createTextNode(choices[i] === 0 ? "full batch" : String(choices[i]))]));
  const el = uiEl("div", { class: "ui-control", role: "group", "aria-labelledby": name.id }, [name, ...items]);
  el.style.flexWrap = "wrap";
  return { el, boxes };
}

function render({ model, el }) {
  const st = { job: null, raf: null, stopped: false };
  const setup = () => ({
    learningRate: st.learningRate, epochs: st.epochs, seed: st.seed,
    batchSizes: boxes.boxes.filter((b) => b.checked).map((b) => Number(b.value)),
  });
  const root = uiPanel(el, "Batch size at work");
  const boxes = bsChoiceBoxes(model.get("batch_choices"), model.get("batch_sizes"), () => run());
  const rate = uiSlider({ label: "Learning rate η", min: -3, max: 1, step: 0.1, value: model.get("learning_rate"), log: true, format: (v) => uiFmt(v, 2), onChange: (v) => run({ learningRate: v }) });
  const epochs = uiSlider({ label: "Epochs", min: 1, max: 40, step: 1, value: model.get("epochs"), format: String, onChange: (v) => run({ epochs: v }) });
  const seed = uiTextInput({ label: "Seed", value: String(model.get("seed")), parse: bsParseSeed, onChange: (v) => run({ seed: v }), width: "8em" });
  const buttons = uiButtons([{ label: "Run", title: "train one network per batch size", primary: true, onClick: () => (st.raf !== null ? stop() : run()) }]);
  const [runButton] = buttons.buttons;
  const status = uiStatus();
  const figure = uiFigure();
  root.append(uiControls([boxes.el, rate.el, epochs.el, seed.el]), buttons.el, status, figure.el);

  function setButton() {
    runButton.textContent = st.raf !== null ? "Stop" : "Run";
    runButton.title = st.raf !== null ? "stop training" : "train one network per batch size";
  }
  function draw() {
    status.innerHTML = bsStatusHtml(st.job, st.stopped);
    figure.draw(st.job.runs.length ? bsCharts(st.job) : []);
  }
  function finish() {
    st.raf = null;
    setButton();
    draw();
    model.set("results", bsReport(st.job, setup()));
    model.save_changes();
  }
  function stop() {
    if (st.raf !== null) cancelAnimationFrame(st.raf);
    st.stopped = true;
    finish();
  }
  function run(changes = {}) {
    Object.assign(st, changes);
    if (st.raf !== null) cancelAnimationFrame(st.raf);
    const s = setup();
    const start = bsStart(model.get("config"), s.seed, model.get("start"));
    st.job = bsCreateJob(start, { ...s, evaluations: model.get("evaluations") });
    st.stopped = false;
    const tick = () => {
      const t0 = performance.now();
      let done = false;
      while (!done && performance.now() - t0 < BS_FRAME_MS) done = bsAdvance(st.job, 8);
      if (done) return finish();
      draw();
      st.raf = requestAnimationFrame(tick);
    };
    st.raf = requestAnimationFrame(tick);
    setButton();
    draw();
  }

  // Python changes the comparison: the page follows it (and runs it again).
  const fromPython = () => {
    const selected = model.get("batch_sizes");
    boxes.boxes.forEach((b) => (b.checked = selected.includes(Number(b.value))));
    rate.value = model.get("learning_rate");
    epochs.value = model.get("epochs");
    seed.input.value = String(model.get("seed"));
    seed.message.textContent = "";
    seed.input.removeAttribute("aria-invalid");
    run({ learningRate: model.get("learning_rate"), epochs: model.get("epochs"), seed: model.get("seed") });
  };
  const events = ["change:config", "change:batch_sizes", "change:learning_rate", "change:epochs", "change:seed", "change:start", "change:evaluations"];
  events.forEach((e) => model.on(e, fromPython));
  fromPython();
  return () => {
    if (st.raf !== null) cancelAnimationFrame(st.raf);
    events.forEach((e) => model.off(e, fromPython));
  };
}

export default { render };
