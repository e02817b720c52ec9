// saturation.js — the sigmoid-saturation explorer (mlp_lib/widgets/saturation.py, SaturationView).
//
// One logit z (the output bias b^J with everything else frozen: by Eq. (4) its gradient is ϕ^J)
// is trained by gradient descent z ← z − η ϕ^J from the same start with two losses:
//   MSE  ϕ^J = 2 (σ(z) − y) σ′(z)   (Eq. (1) keeps σ′, nearly 0 when |z| is large)
//   BCE  ϕ^J = σ(z) − y             (the fused form: σ′ cancels)
// The numbers come from the engine (sigmoid, the losses' gradients, outputLayerError), exactly as
// mlp_lib's Saturation computes them; tests/widgets/test_widget_saturation.py compares the two.
//
// Traits shared with Python: logit, target, learning_rate, train_steps (the setup) and steps (the
// number of steps taken; the page writes it back). The runs are deterministic, so the setup and
// the step count are the whole state: Python rebuilds the runs from them (SaturationView.race).

/** The page stops training at this many steps (MAX_STEPS in saturation.py). */
export const SAT_MAX_STEPS = 10000;
/** The losses of the two runs, in the order the status line and the charts show them. */
export const SAT_LOSSES = ["mse", "bce"];
const SAT_COLORS = { mse: UI_COLORS[3], bce: UI_COLORS[2] };
const SAT_LABELS = { mse: "MSE: 2(σ − y)σ′", bce: "BCE: σ − y" };
/** The logits the curves are drawn at: np.linspace(-10, 10, 401). */
const SAT_GRID = Array.from(linspace(-10, 10, 401));

/**
 * Per-sample σ(z), σ′(z) and ϕ^J of MSE and BCE at the logits `zs` (a list of m numbers) for the
 * target y (0 or 1), as mlp_lib's output_errors: the points are the m columns of one (1, m)
 * batch, and the batch loss is the mean over them, so each ϕ^J is multiplied by m.
 * Returns { sigma, dsigma, phiMse, phiBce }, lists of m numbers.
 */
export function satOutputErrors(zs, y) {
  const m = zs.length;
  const z = matrix(1, m, zs);
  const target = matrix(1, m, new Float64Array(m).fill(y));
  const sigmoid = getActivation("sigmoid");
  const s = sigmoid.value(z);
  const phiMse = outputLayerError(getLoss("mse").gradient(s, target), z, sigmoid); // Eq. (1): ∇_a L ∘ σ′(z)
  const phiBce = getLoss("bce").outputErrorFromLogits(z, target); // fused: (σ(z) − y)/m
  return {
    sigma: Array.from(s.data),
    dsigma: Array.from(sigmoid.derivative(z).data),
    phiMse: Array.from(phiMse.data, (v) => m * v),
    phiBce: Array.from(phiBce.data, (v) => m * v),
  };
}

/** |ŷ − y| = |σ(z) − y| of a run at the logit z. */
export function satError(z, y) {
  return Math.abs(getActivation("sigmoid").value(matrix(1, 1, [z])).data[0] - y);
}

/** ϕ^J of the run of loss `name` ("mse" or "bce") at the logit z for the target y. */
export function satPhi(name, z, y) {
  const out = satOutputErrors([z], y);
  return name === "mse" ? out.phiMse[0] : out.phiBce[0];
}

/**
 * Both runs at their start: { logit, target, learningRate, z: {mse, bce}, history: {step: [0],
 * mse: [error], bce: [error]} }, as mlp_lib's Saturation(logit, target, learning_rate).
 */
export function satStart(logit, target, learningRate) {
  const race = { logit, target, learningRate, z: {}, history: { step: [0] } };
  for (const name of SAT_LOSSES) {
    race.z[name] = logit;
    race.history[name] = [satError(logit, target)];
  }
  return race;
}

/** `n` gradient steps z ← z − η ϕ^J of both runs (Saturation.step(n)); changes and returns `race`. */
export function satAdvance(race, n) {
  const h = race.history;
  for (let i = 0; i < n; i++) {
    for (const name of SAT_LOSSES) race.z[name] -= race.learningRate * satPhi(name, race.z[name], race.target);
    h.step.push(h.step[h.step.length - 1] + 1);
    for (const name of SAT_LOSSES) h[name].push(satError(race.z[name], race.target));
  }
  return race;
}

/** The number of steps `race` has taken. */
export function satSteps(race) {
  return race.history.step[race.history.step.length - 1];
}

/** A logit or an error with a fixed number of decimals and a real minus sign. */
function satFixed(v, decimals) {
  return v.toFixed(decimals).replace("-", "−");
}

/** The status line (HTML): the step, then per run its z, ϕ^J and |ŷ − y|. */
export function satStatusHtml(race) {
  const parts = [`step ${satSteps(race)}`];
  for (const name of SAT_LOSSES) {
    const z = race.z[name];
    const phi = satPhi(name, z, race.target);
    parts.push(`${name.toUpperCase()}: z = ${satFixed(z, 2)}, ϕ<sup>J</sup> = ${uiFmt(phi, 3)}, |ŷ − y| = ${satFixed(satError(z, race.target), 3)}`);
  }
  let html = parts.map((part) => `<span style="display: inline-block">${part}</span>`).join(" · ");
  if (satSteps(race) >= SAT_MAX_STEPS) html += ` <span class="ui-warn">(the explorer stops at ${SAT_MAX_STEPS} steps: press Reset)</span>`;
  return html;
}

/** The three charts' specs: σ and σ′; |ϕ^J| of both losses (log scale) with the runs as dots; the error over the steps. */
export function satCharts(race) {
  const y = race.target;
  const curves = satOutputErrors(SAT_GRID, y);
  const zm = race.z.mse;
  const runs = SAT_LOSSES.map((name) => ({ name, z: race.z[name], phi: Math.abs(satPhi(name, race.z[name], y)) }));
  const size = { width: 260, height: 220 };
  const sigmoidChart = {
    ...size,
    title: "sigmoid and its derivative",
    xLabel: "logit z",
    lines: [
      { x: SAT_GRID, y: curves.sigma, color: UI_COLORS[0], label: "σ(z)" },
      { x: SAT_GRID, y: curves.dsigma, color: UI_COLORS[1], label: "σ′(z) = σ(1 − σ)" },
    ],
    yLimits: [-0.04, 1.3], // the band above 1 holds the legend, clear of the curves
    hlines: [{ y: 0.25, color: "#b3b3b3", dash: "2 3" }],
    legend: "upper left",
    summary: `The sigmoid σ(z) rises from 0 to 1 over the logits −10 … 10; its derivative σ′(z) = σ(1 − σ) peaks at 0.25 at z = 0 and is ${uiFmt(satOutputErrors([zm], y).dsigma[0], 3)} at the MSE run's z = ${satFixed(zm, 2)}.`,
  };
  const phiChart = {
    ...size,
    title: `|ϕᴶ| for target y = ${y} (dots: the runs)`,
    xLabel: "logit z",
    yLog: true,
    yLimits: [1e-5, 50], // the decade above 1 holds the legend, clear of the curves (|ϕᴶ| ≤ 1)
    lines: SAT_LOSSES.map((name) => ({
      x: SAT_GRID,
      y: (name === "mse" ? curves.phiMse : curves.phiBce).map((v) => Math.abs(v) + 1e-12),
      color: SAT_COLORS[name],
      label: SAT_LABELS[name],
    })),
    dots: runs.map((r) => ({ x: r.z, y: r.phi + 1e-12, color: SAT_COLORS[r.name], r: 5 })),
    legend: "upper right",
    summary: `|ϕᴶ| against the logit on a log scale for target y = ${y}: BCE's |σ − y| stays large wherever the output is wrong, MSE's 2|σ − y|σ′ vanishes at both ends. ` +
      runs.map((r) => `The ${r.name.toUpperCase()} run is at z = ${satFixed(r.z, 2)}, |ϕᴶ| = ${uiFmt(r.phi, 3)}.`).join(" "),
  };
  const h = race.history;
  const errorChart = {
    ...size,
    title: "error |ŷ − y| while training",
    xLabel: "step",
    yLimits: [-0.03, 1.35], // the band above 1 holds the legend, clear of the lines (errors ≤ 1)
    lines: SAT_LOSSES.map((name) => ({ x: h.step, y: h[name], color: SAT_COLORS[name], label: name.toUpperCase() })),
    legend: "upper right",
    summary: `Error |ŷ − y| over ${satSteps(race)} steps: ` +
      SAT_LOSSES.map((name) => `${name.toUpperCase()} from ${satFixed(h[name][0], 3)} to ${satFixed(h[name][h[name].length - 1], 3)}`).join(", ") + ".",
  };
  return [sigmoidChart, phiChart, errorChart];
}

/** The explorer: controls, Step / Train / Reset, the status line and the three charts; `steps` is written back. */
function render({ model, el }) {
  const root = uiPanel(el, "Saturation of a sigmoid output: MSE against BCE");
  let race = null;

  const setup = () => ({
    logit: Number(model.get("logit")),
    target: Number(model.get("target")),
    learningRate: Number(model.get("learning_rate")),
    steps: Math.min(SAT_MAX_STEPS, Math.max(0, Math.floor(Number(model.get("steps")) || 0))),
  });
  const update = (changes) => {
    for (const [key, value] of Object.entries(changes)) model.set(key, value);
    model.save_changes();
    sync();
  };
  const logit = uiSlider({ label: "Start logit", min: -10, max: 10, step: 0.5, value: setup().logit, format: (v) => satFixed(v, 1), onChange: (v) => update({ logit: v, steps: 0 }) });
  const target = uiSelect({ label: "Target y", options: [[1, "1"], [0, "0"]], value: setup().target, onChange: (v) => update({ target: v, steps: 0 }) });
  const rate = uiSlider({ label: "Learning rate η", min: -2, max: 1.5, step: 0.1, value: setup().learningRate, log: true, format: (v) => uiFmt(v, 2), onChange: (v) => update({ learning_rate: v, steps: 0 }) });
  const more = (n) => update({ steps: Math.min(SAT_MAX_STEPS, satSteps(race) + n) });
  const trainSteps = () => Math.max(1, Number(model.get("train_steps")) || 1);
  const buttons = uiButtons([
    { label: "Step", title: "one gradient step", onClick: () => more(1) },
    { label: "Train", title: `${trainSteps()} gradient steps`, primary: true, onClick: () => more(trainSteps()) },
    { label: "Reset", title: "back to the start logit", onClick: () => update({ steps: 0 }) },
  ]);
  const status = uiStatus();
  const figure = uiFigure();
  root.append(uiControls([logit.el, target.el, rate.el]), buttons.el, status, figure.el);

  /** Bring the runs to the model's setup and step count (continuing the runs when only steps grew), then redraw. */
  function sync() {
    const s = setup();
    buttons.buttons[1].title = `${trainSteps()} gradient steps`;
    const same = race && race.logit === s.logit && race.target === s.target && race.learningRate === s.learningRate;
    if (same && satSteps(race) === s.steps) return;
    if (!same || satSteps(race) > s.steps) race = satStart(s.logit, s.target, s.learningRate);
    satAdvance(race, s.steps - satSteps(race));
    logit.value = s.logit;
    target.value = s.target;
    rate.value = s.learningRate;
    status.innerHTML = satStatusHtml(race);
    figure.draw(satCharts(race));
  }

  const traits = ["logit", "target", "learning_rate", "steps", "train_steps"];
  const onChange = () => sync();
  for (const t of traits) model.on(`change:${t}`, onChange);
  sync();
  return () => {
    for (const t of traits) model.off(`change:${t}`, onChange);
  };
}

export default { render };
