// recursion.js — Eq. (2) at work, live in the page: the error signal ϕ^j travelling backwards,
// one layer per click (RecursionView, mlp_lib/widgets/recursion.py).
//
// A network 2 → units → … → units → 1 (hidden σ of the reader's choice, sigmoid output, binary
// cross-entropy, not fused: ϕ^J comes from Eq. (1)) on a batch of 64 standardized two-moons
// points. "Next layer" applies Eq. (2) once with the engine's hiddenLayerError; "Train" takes
// full-batch gradient-descent steps (sgdStep) and starts the pass again. The table shows, for the
// first sample, (w^{j+1})ᵀ ϕ^{j+1}, σ'(z^j) and their product ϕ^j; the bars ‖ϕ^j‖ of that sample.
//
// Python sends mlp_lib's starting network and batch for its setup (the trait `initial`), so the
// page starts from exactly mlp_lib's numbers; for any other setup the reader picks, the page
// draws its own with the engine's seeded generator (same recipe, not NumPy's numbers). The
// exported rec… functions are the numbers; tests/widgets/test_widget_recursion.py runs them
// under node against mlp_lib's Recursion.

const REC_ACTIVATIONS = [["sigmoid", "sigmoid"], ["tanh", "tanh"], ["relu", "relu"]];
const REC_BATCH = 64;
const REC_NOISE = 0.2;
/** The table shows at most this many units. */
const REC_ROWS = 8;
/** The sample (column of the batch) the table, the status line and the bars show. */
const REC_SAMPLE = 0;
const REC_NEGATIVE = "#f4c7c3", REC_POSITIVE = "#c6e2f5", REC_ZERO = "#eeeeee";
const REC_CSS = `
.rec-figure { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: flex-start; }
.rec-eq2 { flex: 1 1 300px; min-width: 0; max-width: 380px; }
.rec-eq2 caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
.rec-eq2 .ui-table td.rec-op { border: none; text-align: center; padding: 2px 3px; }
.rec-eq2 .ui-table th[scope=row] { color: #555; font-weight: normal; }
.rec-eq2 .rec-note { border: 1px dashed #b9bec7; padding: 10px; }
.rec-chart { flex: 1 1 300px; min-width: 0; max-width: 360px; }
.rec-chart svg { display: block; width: 100%; height: auto; }
`;

// ---------------------------------------------------------------------------------------
// The numbers (mlp_lib's Recursion)
// ---------------------------------------------------------------------------------------

/** The architecture of a setup {hidden_layers, units, activation}, as MLP.config() writes it. */
export function recConfig(setup) {
  return {
    layer_sizes: [2, ...Array(setup.hidden_layers).fill(setup.units), 1],
    hidden: setup.activation,
    output: "sigmoid",
    loss: "bce",
    fused: false,
  };
}

/** Whether two setups {hidden_layers, units, activation, seed} are the same. */
export function recSameSetup(a, b) {
  return ["hidden_layers", "units", "activation", "seed"].every((key) => a[key] === b[key]);
}

/**
 * The starting network and batch of a setup: {net, x (2, 64), y (1, 64), fromPython}. Python's
 * (mlp_lib's numbers) when `initial` = {setup, network, x, y} was made for this setup, else the
 * engine's: weights from createRng(seed, weights), moons(64, 0.2) from createRng(seed, data),
 * standardized (mean 0, standard deviation 1 per input), labels 0/1.
 */
export function recStart(setup, initial) {
  if (initial && initial.setup && recSameSetup(setup, initial.setup)) {
    const net = networkFromWeights(initial.network.config, initial.network.params);
    return { net, x: asMatrix(initial.x, "x"), y: asMatrix(initial.y, "y"), fromPython: true };
  }
  const net = createNetwork(recConfig(setup), createRng(setup.seed, STREAMS.weights));
  const data = moons(REC_BATCH, REC_NOISE, createRng(setup.seed, STREAMS.data));
  const [scaled] = standardize(data, data);
  return { net, x: scaled.x, y: targets(scaled, "bce"), fromPython: false };
}

/**
 * A backward pass of `net` on the batch (x, y), as Recursion: {net, x, y, steps, diverged,
 * fp, phi, current}; phi[j] is ϕ^j (n_j, m) once computed, else null; current is the layer
 * whose ϕ was computed last. Starts with ϕ^J (recBegin).
 */
export function recRun(net, x, y) {
  const run = { net, x, y, steps: 0, diverged: null };
  recBegin(run);
  return run;
}

/**
 * The run the widget's traits describe: the setup's start, with the weights `saved.network` and
 * step count `saved.steps` when they are a network of the setup's architecture, and the pass taken
 * down to layer `saved.layer` (so a second view, or a notebook opened again, shows the same state).
 */
export function recResume(setup, initial, saved) {
  const start = recStart(setup, initial);
  let net = start.net, steps = 0;
  try {
    const last = networkFromWeights(saved.network.config, saved.network.params);
    if (JSON.stringify(networkConfig(last)) === JSON.stringify(networkConfig(start.net))) [net, steps] = [last, saved.steps];
  } catch (err) {
    /* no network saved, or one of another setup: the start */
  }
  const run = recRun(net, start.x, start.y);
  run.steps = steps;
  while (run.current > saved.layer && recNextLayer(run));
  return run;
}

/** Forward pass, then Eq. (1): ϕ^J = ∇_{a^J} L ∘ σ'(z^J); the other layers' ϕ are cleared. */
export function recBegin(run) {
  const net = run.net, J = net.J;
  run.fp = forward(net, run.x);
  run.phi = Array(J + 1).fill(null);
  run.phi[J] = outputLayerError(net.loss.gradient(run.fp.a[J], run.y), run.fp.z[J], net.activations[J]);
  run.current = J;
}

/** One application of Eq. (2): ϕ^j = ((w^{j+1})ᵀ ϕ^{j+1}) ∘ σ'(z^j) for j = current − 1; false when ϕ^1 is known. */
export function recNextLayer(run) {
  if (run.current === 1) return false;
  const j = run.current - 1;
  run.phi[j] = hiddenLayerError(run.net.W[j + 1], run.phi[j + 1], run.fp.z[j], run.net.activations[j]);
  run.current = j;
  return true;
}

/** Eq. (2) down to layer 1. */
export function recFullPass(run) {
  while (recNextLayer(run));
}

/**
 * The factors of Eq. (2) for layer j (default: the current one): {j, back = (w^{j+1})ᵀ ϕ^{j+1},
 * dsigma = σ'(z^j), phi = ϕ^j}, each (n_j, m); null for the output layer or a layer not reached.
 */
export function recParts(run, j = run.current) {
  if (j >= run.net.J || !run.phi[j]) return null;
  return {
    j,
    back: matmulTransA(run.net.W[j + 1], run.phi[j + 1]),
    dsigma: run.net.activations[j].derivative(run.fp.z[j]),
    phi: run.phi[j],
  };
}

/** ‖ϕ^j[:, sample]‖ (Euclidean) for j = 1 … J; NaN where ϕ^j is not computed yet. */
export function recNorms(run, sample = REC_SAMPLE) {
  return run.phi.slice(1).map((p) => {
    if (!p) return NaN;
    let sum = 0;
    for (let i = 0; i < p.rows; i++) sum += p.data[i * p.cols + sample] ** 2;
    return Math.sqrt(sum);
  });
}

/** `steps` full-batch gradient-descent steps with learning rate `lr` (fewer if training diverges), then recBegin; false if it diverged. */
export function recTrain(run, steps, lr) {
  for (let n = 0; n < steps; n++) {
    try {
      sgdStep(run.net, run.x, run.y, lr, { epoch: run.steps + 1, step: 1 });
    } catch (err) {
      if (!(err instanceof TrainingDiverged)) throw err;
      run.diverged = err.message;
      break;
    }
    run.steps += 1;
  }
  recBegin(run);
  return run.diverged === null;
}

/** The batch loss L (binary cross-entropy, mean over the batch) of the last forward pass. */
export function recLoss(run) {
  return lossFromForward(run.net, run.fp, run.y);
}

// ---------------------------------------------------------------------------------------
// What the page shows
// ---------------------------------------------------------------------------------------

/** The entry (i, s) of a matrix. */
function recAt(M, i, s) {
  return M.data[i * M.cols + s];
}

/** The status line (HTML): Eq. (2) for unit 1 of the current layer with the numbers, or what comes next. */
export function recStatusHtml(run) {
  const J = run.net.J, p = recParts(run), n = REC_SAMPLE;
  let text;
  if (!p) {
    text = `ϕ<sup>${J}</sup> from Eq. (1). Next: ϕ<sup>${J - 1}</sup> = ((w<sup>${J}</sup>)<sup>T</sup> ϕ<sup>${J}</sup>) ∘ σ′(z<sup>${J - 1}</sup>).`;
  } else {
    const j = p.j, wNext = run.net.W[j + 1], phiNext = run.phi[j + 1];
    const shown = Math.min(3, wNext.rows);
    let terms = Array.from({ length: shown }, (_, k) => `(${uiFmt(recAt(wNext, k, 0))})(${uiFmt(recAt(phiNext, k, n))})`).join(" + ");
    if (wNext.rows > shown) terms += " + …";
    text =
      `ϕ<sub>1</sub><sup>${j}</sup> = Σ<sub>k</sub> w<sup>${j + 1}</sup><sub>k,1</sub> ϕ<sup>${j + 1}</sup><sub>k</sub> · ` +
      `σ′(z<sup>${j}</sup><sub>1</sub>) = [${terms}] · ${uiFmt(recAt(p.dsigma, 0, n))} = ${uiFmt(recAt(p.phi, 0, n))}` +
      "   (unit 1, first sample of the batch)";
  }
  let html = `<code>${text}</code>`;
  if (run.diverged) html += `<br><span class="ui-warn">diverged</span>: ${uiEsc(run.diverged)}. Lower the learning rate and press Reset.`;
  return html;
}

/** One cell of the Eq. (2) table, coloured by sign. */
function recCell(v) {
  const color = v < 0 ? REC_NEGATIVE : v > 0 ? REC_POSITIVE : REC_ZERO;
  return `<td style="background:${color}">${uiEsc(uiFmt(v))}</td>`;
}

/** The left panel (HTML): Eq. (2) for the current layer, unit by unit, for the first sample; or a note at the output layer. */
export function recTableHtml(run) {
  const p = recParts(run), J = run.net.J, n = REC_SAMPLE;
  if (!p) {
    return `<p class="rec-note">ϕ<sup>${J}</sup> (the output layer) comes from Eq. (1). Press <b>Next layer</b> to apply Eq. (2).</p>`;
  }
  const j = p.j, units = p.phi.rows, rows = Math.min(units, REC_ROWS);
  const more = units > rows ? ` (first ${rows} of ${units} units)` : "";
  const head =
    `<tr><th scope="col">unit</th><th scope="col">(w<sup>${j + 1}</sup>)<sup>T</sup>ϕ<sup>${j + 1}</sup></th><td class="rec-op"></td>` +
    `<th scope="col">σ′(z<sup>${j}</sup>)</th><td class="rec-op"></td><th scope="col">ϕ<sup>${j}</sup></th></tr>`;
  const body = Array.from({ length: rows }, (_, i) =>
    `<tr><th scope="row">i = ${i + 1}</th>${recCell(recAt(p.back, i, n))}<td class="rec-op">∘</td>` +
    `${recCell(recAt(p.dsigma, i, n))}<td class="rec-op">=</td>${recCell(recAt(p.phi, i, n))}</tr>`,
  ).join("");
  return `<table class="ui-table"><caption>Eq. (2) for layer j = ${j}, first sample${more}</caption><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

/** The right panel: ‖ϕ^j‖ of the first sample per layer, log scale, the layer computed last in red. */
export function recChartSpec(run, setup) {
  const norms = recNorms(run), J = run.net.J, loss = recLoss(run);
  const shown = norms.filter((v) => Number.isFinite(v) && v > 0);
  const lo = shown.length ? Math.min(...shown) : 1e-3, hi = shown.length ? Math.max(...shown) : 1;
  const computed = (k) => run.phi[k + 1] !== null;
  const labels = norms.map((_, k) => (computed(k) ? String(k + 1) : `${k + 1}?`));
  const colors = norms.map((_, k) => (k + 1 === run.current ? UI_COLORS[3] : UI_COLORS[0]));
  const known = norms.map((v, k) => [k + 1, v]).filter(([k]) => computed(k - 1)).reverse();
  const missing = norms.length - known.length;
  const summary =
    `Bar chart, log scale: size of the first sample's error signal ‖ϕʲ‖ by layer (${J} = output): ` +
    known.map(([k, v]) => `layer ${k} ${uiFmt(v)}`).join(", ") +
    (missing ? `; layers 1 to ${missing} not computed yet` : "") +
    `. Layer ${run.current}, in red, was computed last.`;
  return {
    title: `${setup.activation}, ${setup.hidden_layers} × ${setup.units} hidden; step ${run.steps}, loss ${Number.isFinite(loss) ? loss.toFixed(3) : uiFmt(loss)}`,
    xLabel: `layer j (${J} = output, ? = not computed yet)`,
    yLabel: "‖ϕʲ‖ of the first sample",
    width: 340,
    height: 240,
    yLog: true,
    yLimits: [lo / 10, hi * 10],
    bars: { labels, values: norms, colors },
    summary,
  };
}

// ---------------------------------------------------------------------------------------
// The widget
// ---------------------------------------------------------------------------------------

/** The setup traits {hidden_layers, units, activation, seed} from the model. */
function recSetupFrom(model) {
  return {
    hidden_layers: Number(model.get("hidden_layers")),
    units: Number(model.get("units")),
    activation: String(model.get("activation")),
    seed: Number(model.get("seed")),
  };
}

/** The controls of the setup and the learning rate; `on(key, value)` is called when the reader changes one. */
function recControls(setup, lr, on) {
  const int = (v) => String(v);
  return {
    hidden_layers: uiSlider({ label: "Hidden layers", min: 1, max: 8, step: 1, value: setup.hidden_layers, format: int, onChange: (v) => on("hidden_layers", v) }),
    units: uiSlider({ label: "Units per layer", min: 1, max: 16, step: 1, value: setup.units, format: int, onChange: (v) => on("units", v) }),
    activation: uiSelect({ label: "Hidden σ", options: REC_ACTIVATIONS, value: setup.activation, onChange: (v) => on("activation", v) }),
    seed: uiSlider({ label: "Seed", min: 0, max: 20, step: 1, value: setup.seed, format: int, onChange: (v) => on("seed", v) }),
    learning_rate: uiSlider({ label: "Learning rate η", min: -3, max: 1, step: 0.1, value: lr, log: true, onChange: (v) => on("learning_rate", v) }),
  };
}

function render({ model, el }) {
  const root = uiPanel(el, "Eq. (2): the backward pass, one layer at a time");
  root.append(uiEl("style", { text: REC_CSS }));
  const own = { saving: false };
  let setup = recSetupFrom(model);
  let lr = Number(model.get("learning_rate"));
  let run = null;
  const status = uiStatus();
  const table = uiEl("div", { class: "rec-eq2" });
  const chart = uiEl("div", { class: "rec-chart" });

  /** Redraw the status line, the table and the bars from the run. */
  function show() {
    status.innerHTML = recStatusHtml(run);
    table.innerHTML = recTableHtml(run);
    chart.innerHTML = uiChart(recChartSpec(run, setup));
  }

  /** Show the run and send Python what it reads back: the weights, the steps and the layer reached. */
  function publish(extra = {}) {
    show();
    uiSave(model, { ...extra, network: exportWeights(run.net), steps: run.steps, layer: run.current }, own);
  }

  /** A fresh network and batch for the setup (Python's start if it is for this setup), then ϕ^J. */
  function restart() {
    const start = recStart(setup, model.get("initial"));
    run = recRun(start.net, start.x, start.y);
  }

  const controls = recControls(setup, lr, (key, value) => {
    if (key === "learning_rate") {
      lr = value;
      run.diverged = null;
      publish({ learning_rate: lr });
      return;
    }
    setup = { ...setup, [key]: value };
    restart();
    publish({ [key]: value });
  });
  const trainSteps = () => Number(model.get("train_steps"));
  const buttons = uiButtons([
    { label: "Next layer", title: "apply Eq. (2) once (after ϕ¹, start the pass again)", onClick: () => {
      if (!recNextLayer(run)) recBegin(run);
      publish();
    } },
    { label: "Full pass", title: "apply Eq. (2) down to layer 1", onClick: () => {
      recFullPass(run);
      publish();
    } },
    { label: "Train", title: `${trainSteps()} gradient-descent steps, then restart the pass`, primary: true, onClick: () => {
      recTrain(run, trainSteps(), lr);
      publish();
    } },
    { label: "Reset", title: "a fresh network from the settings", onClick: () => {
      restart();
      publish();
    } },
  ]);
  root.append(uiControls(Object.values(controls).map((c) => c.el)), buttons.el, status, uiEl("div", { class: "rec-figure" }, [table, chart]));

  const saved = { network: model.get("network") || {}, steps: Number(model.get("steps")), layer: Number(model.get("layer")) };
  run = recResume(setup, model.get("initial"), saved);
  publish();

  /** Python changed the setup or sent a new start: begin again from it. */
  const onSetup = () => {
    if (own.saving) return;
    setup = recSetupFrom(model);
    for (const key of Object.keys(setup)) controls[key].value = setup[key];
    restart();
    publish();
  };
  /** Python changed the learning rate or the number of Train steps: the run goes on. */
  const onTraining = () => {
    if (own.saving) return;
    lr = Number(model.get("learning_rate"));
    controls.learning_rate.value = lr;
    buttons.buttons[2].title = `${trainSteps()} gradient-descent steps, then restart the pass`;
  };
  const listeners = [
    ...["hidden_layers", "units", "activation", "seed", "initial"].map((t) => [`change:${t}`, onSetup]),
    ["change:learning_rate", onTraining],
    ["change:train_steps", onTraining],
  ];
  for (const [event, f] of listeners) model.on(event, f);
  return () => {
    for (const [event, f] of listeners) model.off(event, f);
  };
}

export default { render };
