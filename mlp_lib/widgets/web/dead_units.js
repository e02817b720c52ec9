// dead_units.js — the dead-ReLU-units explorer (mlp_lib.widgets.dead_units.DeadUnitsView), live in the page.
//
// A ReLU network of the playground (default: the sine data set, 2 hidden layers, identity + MSE)
// trains in the reader's browser with the engine (engine.js, assembled before this file with
// ui.js). After every block of DU_RECORD_EVERY steps the page records, as DeadUnits.train does,
// the share of dead units of every ReLU layer (a unit is dead when z_i^j ≤ 0 on every training
// sample) and the training loss. Three charts: the fit (or the loss, for a classification set),
// the dead fractions over training, and the activity of every unit (red: dead).
//
// The start: the trait `start` holds mlp_lib's data and initial weights for one seed and width
// (Python draws them with NumPy); for any other seed or width the page draws its own with the
// engine (makeData, playgroundNetwork). The batch order is the engine's:
// createBatchStream(m, createRng(seed, STREAMS.batches)).

const DU_RECORD_EVERY = 10; // DeadUnits.train's record_every
const DU_FRAME_MS = 8; // training time per animation frame, so a frame (steps + redraw) stays short
const DU_GRID = 200; // points of the fitted curve (DeadUnitsView's np.linspace(…, 200))
const DU_DEAD_COLOR = UI_COLORS[3];
const DU_ALIVE_COLOR = UI_COLORS[0];
const DU_CHART = { width: 260, height: 220 }; // three charts side by side: 11-unit text ≥ 9 px in a 700 px column

/** The full playground config of a setup: setup {dataset, hidden_layers, pairing, batch_size} with ReLU hidden units, `units` and `seed`. */
export function duConfig(setup, units, seed) {
  return { ...DEFAULT_CONFIG, ...setup, activation: "relu", units, seed };
}

/**
 * The start of a run: {x (n_0, m), y (n_J, m), net, source}. From `start` (mlp_lib's, source
 * "mlp_lib") when it was drawn for this seed and width, else drawn by the engine (source "page").
 */
export function duStart(setup, units, seed, start) {
  if (start && start.network && start.seed === seed && start.units === units) {
    return { x: fromRows(start.x), y: fromRows(start.y), net: networkFromWeights(start.network.config, start.network.params), source: "mlp_lib" };
  }
  const config = duConfig(setup, units, seed);
  const { train } = makeData(config);
  return { x: train.x, y: targets(train, PLAYGROUND.pairings[config.pairing][1]), net: playgroundNetwork(config, train), source: "page" };
}

/** The layers j (1 … J) whose activation is ReLU (DeadUnits.watched_layers). */
export function duWatchedLayers(net) {
  const layers = [];
  for (let j = 1; j <= net.J; j++) if (net.activations[j].name === "relu") layers.push(j);
  return layers;
}

/**
 * One look at the network on the training set (x, y): {layers, activity, dead, loss}. activity[k]
 * is a Float64Array with, for each unit i of layer layers[k], the share of samples with z_i > 0;
 * dead[k] the fraction of its units with activity 0; loss the training loss L.
 */
export function duMeasure(net, x, y) {
  const fp = forward(net, x);
  const layers = duWatchedLayers(net);
  const activity = layers.map((j) => {
    const z = fp.z[j], m = z.cols, share = new Float64Array(z.rows);
    for (let i = 0; i < z.rows; i++) {
      let on = 0;
      for (let s = 0; s < m; s++) if (z.data[i * m + s] > 0) on++;
      share[i] = on / m;
    }
    return share;
  });
  const dead = activity.map((share) => share.filter((v) => v === 0).length / share.length);
  return { layers, activity, dead, loss: lossFromForward(net, fp, y) };
}

/**
 * A run at step 0 from a start {x, y, net, source}: it records the step, the dead fractions and
 * the loss at step 0 and then after every training block (see duBlock).
 */
export function duCreateRun(start, { learningRate, batchSize, seed }) {
  const run = {
    ...start,
    learningRate,
    batchSize,
    batches: createBatchStream(start.x.cols, createRng(seed, STREAMS.batches)),
    step: 0,
    steps: [],
    deadHistory: [],
    lossHistory: [],
    diverged: null,
    now: null,
  };
  duRecord(run);
  return run;
}

function duRecord(run) {
  run.now = duMeasure(run.net, run.x, run.y);
  run.steps.push(run.step);
  run.deadHistory.push(run.now.dead);
  run.lossHistory.push(run.now.loss);
}

/**
 * Up to n gradient steps on the next mini-batches, then one record (a block of DeadUnits.train).
 * A diverging step keeps the last finite weights and sets run.diverged; returns false then (and
 * at once, recording nothing, on a run that has diverged before).
 */
export function duBlock(run, n) {
  if (run.diverged) return false;
  const m = run.x.cols;
  for (let k = 0; k < n; k++) {
    const epoch = Math.floor(run.batches.samplesSeen / m) + 1; // Session.step's epoch: samples seen before this batch
    const idx = run.batches.next(run.batchSize);
    try {
      sgdStep(run.net, takeColumns(run.x, idx), takeColumns(run.y, idx), run.learningRate, { epoch, step: run.step + 1 });
    } catch (err) {
      if (!(err instanceof TrainingDiverged)) throw err;
      run.diverged = err.message;
      break;
    }
    run.step++;
  }
  duRecord(run);
  return !run.diverged;
}

/** DeadUnits.train(steps, recordEvery): blocks of recordEvery steps, each followed by a record; false if training diverged. */
export function duTrain(run, steps, recordEvery = DU_RECORD_EVERY) {
  for (let done = 0; done < steps; done += recordEvery) {
    if (!duBlock(run, Math.min(recordEvery, steps - done))) return false;
  }
  return true;
}

/** A share as Python's "{:.0%}" writes it (halves to even: 0.125 → "12%"). */
export function duPercent(share) {
  const p = share * 100, low = Math.floor(p), frac = p - low;
  const whole = Math.abs(frac - 0.5) < 1e-9 ? (low % 2 === 0 ? low : low + 1) : Math.round(p);
  return `${whole}%`;
}

/** The status line (HTML): step, the dead share of every watched layer, the training loss, and a divergence. */
export function duStatusHtml(run) {
  const parts = [`step ${run.step}`, ...run.now.layers.map((j, k) => `layer ${j}: ${duPercent(run.now.dead[k])} dead`), `training loss ${uiFmt(run.now.loss, 3)}`];
  let text = parts.join(" · ");
  if (run.diverged) text += `<br><span class="ui-warn">diverged</span>: ${uiEsc(run.diverged)}. Lower the learning rate and press Reset.`;
  return text;
}

function duFitChart(run, regression) {
  if (!regression) {
    return {
      ...DU_CHART, title: "training loss", xLabel: "step", yLog: true,
      lines: [{ x: run.steps, y: run.lossHistory, color: UI_COLORS[0] }],
      summary: `Training loss on a log scale over ${run.step} steps: ${uiFmt(run.lossHistory[0], 3)} at step 0, ${uiFmt(run.now.loss, 3)} now.`,
    };
  }
  const xs = Array.from(run.x.data.subarray(0, run.x.cols)), ys = Array.from(run.y.data.subarray(0, run.y.cols));
  const grid = linspace(Math.min(...xs), Math.max(...xs), DU_GRID);
  const out = forward(run.net, matrix(1, DU_GRID, grid)).a[run.net.J].data;
  const dots = xs.map((x, s) => ({ x, y: ys[s], r: 2, color: "#999", label: s === 0 ? "training data" : null }));
  return {
    ...DU_CHART, title: "the fit", xLabel: "input (standardized)", legend: "lower right",
    dots, lines: [{ x: Array.from(grid), y: Array.from(out), color: UI_COLORS[0], width: 2, label: "network" }],
    summary: `The network's output over the ${xs.length} training points after ${run.step} steps; training loss ${uiFmt(run.now.loss, 3)}.`,
  };
}

function duHistoryChart(run) {
  const layers = run.now.layers;
  const lines = layers.map((j, k) => ({ x: run.steps, y: run.deadHistory.map((d) => d[k]), label: `layer ${j}`, width: 2 }));
  const change = layers.map((j, k) => `layer ${j} from ${duPercent(run.deadHistory[0][k])} to ${duPercent(run.now.dead[k])}`);
  return {
    ...DU_CHART, title: "dead units over training", xLabel: "step", yLabel: "fraction of dead units", yLimits: [-0.03, 1.03],
    xLimits: run.step > 0 ? null : [0, 1], legend: "upper left", lines,
    summary: layers.length ? `Fraction of dead units over ${run.step} steps: ${change.join("; ")}.` : "No ReLU layer to watch.",
  };
}

function duActivityChart(run) {
  const labels = [], values = [], colors = [], deadText = [];
  run.now.layers.forEach((j, k) => {
    const share = run.now.activity[k];
    if (k > 0) {
      labels.push("", ""); // a gap of two bars between layers
      values.push(NaN, NaN);
      colors.push(null, null);
    }
    const centre = labels.length + Math.floor((share.length - 1) / 2);
    share.forEach((v) => {
      labels.push(labels.length === centre ? `layer ${j}` : "");
      values.push(Math.max(v, 0.02));
      colors.push(v === 0 ? DU_DEAD_COLOR : DU_ALIVE_COLOR);
    });
    const dead = [];
    share.forEach((v, i) => v === 0 && dead.push(i + 1));
    deadText.push(`layer ${j}: ${dead.length} of ${share.length} dead${dead.length ? ` (units ${dead.join(", ")})` : ""}`);
  });
  const last = run.now.activity.length ? run.now.activity[run.now.activity.length - 1].length : 8;
  for (let pad = last; pad < 8; pad++) { // room for the label of a narrow last layer (the output unit)
    labels.push("");
    values.push(NaN);
    colors.push(null);
  }
  return {
    ...DU_CHART, title: "activity of each unit (red: dead)", yLabel: "share of samples with z > 0", yLimits: [0, 1.05],
    bars: { labels, values, colors },
    summary: `Share of the training samples on which each unit is active (z > 0); ${deadText.join("; ")}.`,
  };
}

/** The three chart specs (uiChart): the fit (or the loss), the dead fractions over training, the activity of each unit. */
export function duCharts(run, regression) {
  return [duFitChart(run, regression), duHistoryChart(run), duActivityChart(run)];
}

/** What the page reports to Python (the trait `trained`): its setup, step, network, dead fractions and loss. */
export function duReport(run, { learningRate, units, seed }) {
  return {
    learning_rate: learningRate, units, seed, source: run.source, step: run.step, network: exportWeights(run.net),
    layers: run.now.layers, dead_fractions: run.now.dead, loss: Number.isFinite(run.now.loss) ? run.now.loss : null, diverged: run.diverged,
  };
}

function render({ model, el }) {
  const st = { learningRate: model.get("learning_rate"), units: model.get("units"), seed: model.get("seed"), run: null, raf: null, left: 0 };
  const root = uiPanel(el, "Dead ReLU units");
  const restartOn = (key) => (v) => {
    st[key] = v;
    newRun();
  };
  const rate = uiSlider({ label: "Learning rate η", min: -3, max: 1, step: 0.1, value: st.learningRate, log: true, format: (v) => uiFmt(v, 2), onChange: restartOn("learningRate") });
  const units = uiSlider({ label: "Units / layer", min: 2, max: 32, step: 1, value: st.units, format: String, onChange: restartOn("units") });
  const seed = uiSlider({ label: "Seed", min: 0, max: 20, step: 1, value: st.seed, format: String, onChange: restartOn("seed") });
  const buttons = uiButtons([
    { label: "Step", title: "", onClick: () => onStep() },
    { label: "Train", title: "", primary: true, onClick: () => (st.raf !== null ? pause() : train(model.get("train_steps"))) },
    { label: "Reset", title: "back to step 0", onClick: () => newRun() },
  ]);
  const [stepButton, trainButton] = buttons.buttons;
  const status = uiStatus();
  const figure = uiFigure();
  root.append(uiControls([rate.el, units.el, seed.el]), buttons.el, status, figure.el);

  function setButtons() {
    stepButton.title = `${model.get("step_size")} gradient steps`;
    trainButton.textContent = st.raf !== null ? "Pause" : "Train";
    trainButton.title = st.raf !== null ? "stop training" : `${model.get("train_steps")} gradient steps`;
    trainButton.setAttribute("aria-pressed", st.raf !== null ? "true" : "false");
  }
  function draw() {
    const regression = PLAYGROUND.regressionDatasets.includes(duConfig(model.get("setup"), st.units, st.seed).dataset);
    status.innerHTML = duStatusHtml(st.run);
    figure.draw(duCharts(st.run, regression));
  }
  function report() {
    model.set("trained", duReport(st.run, st));
    model.save_changes();
  }
  function pause() {
    if (st.raf !== null) cancelAnimationFrame(st.raf);
    st.raf = null;
    st.left = 0;
    setButtons();
    report();
  }
  function newRun() {
    if (st.raf !== null) cancelAnimationFrame(st.raf);
    st.raf = null;
    const setup = model.get("setup");
    const start = duStart(setup, st.units, st.seed, model.get("start"));
    st.run = duCreateRun(start, { learningRate: st.learningRate, batchSize: duConfig(setup, st.units, st.seed).batch_size, seed: st.seed });
    setButtons();
    draw();
    report();
  }
  function onStep() {
    if (st.raf !== null) pause();
    duTrain(st.run, model.get("step_size"));
    draw();
    report();
  }
  function train(steps) {
    if (st.run.diverged) return draw();
    st.left = steps;
    const tick = () => {
      const t0 = performance.now();
      let block = 0; // the last block's time: the next one starts only if it should end within the budget
      do {
        const n = Math.min(DU_RECORD_EVERY, st.left), tb = performance.now();
        st.left = duBlock(st.run, n) ? st.left - n : 0;
        block = performance.now() - tb;
      } while (st.left > 0 && performance.now() - t0 + block < DU_FRAME_MS);
      draw();
      if (st.left > 0) st.raf = requestAnimationFrame(tick);
      else pause();
    };
    st.raf = requestAnimationFrame(tick);
    setButtons();
  }

  // Python changes the setup: the page follows (a new run).
  const fromPython = () => {
    const lr = model.get("learning_rate");
    rate.value = lr;
    units.value = model.get("units");
    seed.value = model.get("seed");
    Object.assign(st, { learningRate: lr, units: model.get("units"), seed: model.get("seed") });
    newRun();
  };
  const events = ["change:learning_rate", "change:units", "change:seed", "change:setup", "change:start"];
  events.forEach((e) => model.on(e, fromPython));
  const onCounts = () => setButtons();
  model.on("change:train_steps", onCounts);
  model.on("change:step_size", onCounts);
  newRun();
  return () => {
    if (st.raf !== null) cancelAnimationFrame(st.raf);
    events.forEach((e) => model.off(e, fromPython));
    model.off("change:train_steps", onCounts);
    model.off("change:step_size", onCounts);
  };
}

export default { render };
