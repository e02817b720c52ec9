// playground.js — the live training playground's front end (an anywidget view).
//
// Python (mlp_lib/widgets/playground.py) assembles one ES module: engine.js, ui.js, then the
// playground's parts — playground_setup.js (the setup, checked against Python's declaration),
// playground_run.js (a run, computed in slices), playground_loop.js (the work spread over animation
// frames), playground_charts.js, playground_boundary.js, playground_numbers.js,
// playground_controls.js — and this file, which builds the panel and ties them together. Top-level
// names start with "pg" / "PG_". Training runs in the page: in JupyterLab, VS Code or Colab, and
// on the static website with no Python behind it at all.
//
// The model (the widget's synced state) holds:
//   schema         the setup's declaration (session.playground_schema())       (Python → page)
//   config         the setup, as PlaygroundConfig.to_dict() writes it           (both ways)
//   digits         the 8×8 digits table {pixels: one letter per pixel, "A" = 0 … "Q" = 16,
//                  labels: one digit per image}                                 (Python → page)
//   weights        {config: MLP.config(), params: {W1: rows, b1: …}, step, setup}  (page → Python)
//   share_address  whether the page's address carries the setup                 (Python → page)
//
// With share_address on a static page (the book's playground chapter) the address carries the
// setup (#playground=<url-encoded JSON>): a shared link opens the playground in that setup, and
// every change of the setup rewrites the address (history.replaceState, marked in history.state).
// Back/Forward to an address the playground wrote keeps the run; a damaged address keeps it too,
// with a message.

const PG_LIVE_FIELDS = ["learning_rate", "batch_size", "regularization", "regularization_rate"]; // changed while training goes on
const PG_SPEEDS = [["1", "1 step"], ["3", "3 steps"], ["10", "10 steps"], ["30", "30 steps"], ["max", "as many as fit"]];
const PG_PUSH_EVERY = 1000; // ms between weight reports to Python while training
const PG_MARK = "pgPlayground"; // the key the playground puts in history.state of the addresses it writes

let pgViews = 0;

/** Is this a static page (the html manager with embedded state, no kernel)? */
function pgStaticPage() {
  return !!document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]');
}

function pgButton(text, title, extra = "") {
  return uiEl("button", { type: "button", class: `pg-button ${extra}`.trim(), title, text });
}

/** The panel's elements: controls, buttons, status, messages, the plots, the numbers, the Config and share rows. */
function pgBuildView(el, schema, share, onControl) {
  const id = `pg${++pgViews}-${Math.random().toString(36).slice(2, 7)}`;
  const v = { id, root: uiEl("div", { class: "pg-root", role: "group", "aria-label": "Training playground (trains in this page)" }) };
  v.controls = pgBuildControls(schema, id, onControl);
  v.step = pgButton("Step", "one gradient step on the next mini-batch");
  v.train = pgButton("Train", "train until Pause", "pg-train");
  v.reset = pgButton("Reset", "back to step 0: same seed, same initial weights");
  v.speed = uiEl("select", { id: `${id}-speed` });
  for (const [value, text] of PG_SPEEDS) v.speed.append(uiEl("option", { value, text }));
  v.speed.value = "10";
  v.showNumbers = uiEl("input", { type: "checkbox", id: `${id}-numbers` });
  const buttons = uiEl("div", { class: "pg-buttons" }, [
    v.step, v.train, v.reset,
    uiEl("span", { class: "pg-check" }, [uiEl("label", { for: v.speed.id, text: "Speed, per frame:" }), v.speed]),
    uiEl("span", { class: "pg-check" }, [v.showNumbers, uiEl("label", { for: v.showNumbers.id, text: "Show the numbers (Eqs. 1–4)" })]),
  ]);
  v.status = uiEl("div", { class: "pg-status", role: "status", "aria-live": "polite" });
  v.divergence = uiEl("div", { class: "pg-diverged", role: "alert", hidden: true });
  v.message = uiEl("div", { class: "pg-message", role: "alert", hidden: true });
  v.canvas = uiEl("canvas", { class: "pg-boundary", role: "img", "aria-label": "decision boundary" });
  v.panelTitle = uiEl("div", { class: "pg-caption" });
  const captions = ["loss", "accuracy", "‖ϕ<sup>j</sup>‖ per layer, mean of 20 steps", "‖∇<sub>w<sup>j</sup></sub>L‖ per layer"];
  v.captions = captions.map((html) => uiEl("figcaption", { class: "pg-caption", html }));
  v.charts = captions.map(() => uiEl("div", { class: "pg-chart" }));
  v.legend = uiEl("div", { class: "pg-legend", "aria-hidden": "true" });
  const figures = v.charts.map((chart, i) => uiEl("figure", { class: "pg-figure" }, [v.captions[i], chart]));
  const plots = uiEl("div", { class: "pg-plots" }, [
    uiEl("figure", { class: "pg-figure pg-main" }, [v.panelTitle, v.canvas]),
    uiEl("div", { class: "pg-charts" }, [...figures, v.legend]),
  ]);
  v.numbers = uiEl("pre", { class: "pg-numbers", hidden: true, tabindex: "0", "aria-label": "the numbers of the last step" });
  v.configText = uiEl("textarea", { class: "pg-config", id: `${id}-config`, rows: "3", spellcheck: "false" });
  v.apply = pgButton("Apply config", "load the JSON above (paste a shared setup)");
  const configRow = uiEl("div", { class: "pg-config-row" }, [
    uiEl("label", { for: v.configText.id, text: "Config (JSON): the whole setup; paste a shared one and press Apply config" }),
    v.configText, uiEl("div", { class: "pg-buttons" }, [v.apply]),
  ]);
  v.shareInput = uiEl("input", { type: "text", readonly: true, class: "pg-share-url", id: `${id}-share` });
  v.copy = pgButton("Copy link", "copy the link to this setup");
  const shareRow = uiEl("div", { class: "pg-share", hidden: !share }, [
    uiEl("label", { for: v.shareInput.id, text: "Share this setup: this link opens the playground in exactly this setup" }),
    uiEl("div", { class: "pg-share-line" }, [v.shareInput, v.copy]),
  ]);
  v.root.append(v.controls.el, buttons, v.status, v.divergence, v.message, plots, v.numbers, configRow, shareRow);
  el.classList.add("jupyter-widgets"); // a Jupyter widget like the others (pages and tests look for the class)
  el.append(v.root);
  return v;
}

/** A copy of a history state with the playground's mark (an address it wrote). */
function pgMarked(state) {
  return { ...(state && typeof state === "object" ? state : {}), [PG_MARK]: true };
}

/** The playground: its run, the work on it, and the setup kept in step in controls, model and address. */
class PgPlayground {
  constructor(model, el) {
    this.model = model;
    this.schema = model.get("schema");
    this.share = !!model.get("share_address") && pgStaticPage();
    this.view = pgBuildView(el, this.schema, this.share, (name) => this.onControl(name));
    this.panel = { canvas: this.view.canvas, heat: null, points: null }; // the canvas and its cached layers
    this.run = null;
    this.dataKey = null;
    this.digits = undefined; // decoded on first use
    this.running = false;
    this.stepsPerFrame = null;
    Object.assign(this, { loops: 0, alive: 0, mostAlive: 0, frames: [], lastPush: 0, frameStep: 0, userChanged: false });
    this.runner = pgCreateRunner({ now: () => performance.now(), frame: (f) => requestAnimationFrame(f), cancel: (f) => cancelAnimationFrame(f) });
    this.runner.onFrame = (work) => this.onFrame(work);
  }

  // ---------------------------------------------------------------- the setup
  /** A new run of a setup, built completely before anything changes (throws when refused). */
  buildRun(cfg) {
    const c = cfg, key = JSON.stringify([c.dataset, c.noise, c.n_samples, c.classes, c.test_fraction, c.seed, c.standardize, c.pairing]);
    if (this.digits === undefined) this.digits = pgDecodeDigits(this.model.get("digits"));
    const data = this.run && this.dataKey === key ? this.run.data : pgMakeRunData(cfg, this.digits);
    return { run: pgFreshRun(cfg, data), key };
  }

  /** Load a setup: step 0 of it, everything redrawn. Throws (and changes nothing) when refused. */
  setConfig(cfg, { fromModel = false } = {}) {
    const since = performance.now(); // building a heavy setup takes part of this frame's budget
    const { run, key } = this.buildRun(cfg);
    this.stopTraining();
    [this.run, this.dataKey] = [run, key];
    this.syncSetup();
    if (!fromModel) this.saveToModel();
    this.pushWeights();
    this.showStatus(true);
    this.runner.run(this.refresh(), { now: true, since });
  }

  /** Controls, Config box and (when shared) the address show the run's setup. */
  syncSetup() {
    const c = this.run.cfg, v = this.view;
    v.controls.show(c, this.run.data);
    v.configText.value = pgConfigJson(c, this.schema);
    if (!this.share) return;
    const hash = pgHashFor(c, this.schema), here = location.hash;
    const ours = here === "" || here.startsWith("#" + PG_HASH_KEY) || this.userChanged;
    if (ours && (here !== hash || !(history.state && history.state[PG_MARK]))) history.replaceState(pgMarked(history.state), "", hash);
    v.shareInput.value = location.href.split("#")[0] + hash;
  }

  saveToModel() {
    const current = this.model.get("config");
    let same = false;
    try {
      same = pgConfigJson(pgValidateConfig(current, this.schema), this.schema) === pgConfigJson(this.run.cfg, this.schema);
    } catch (err) {
      same = false; // the model holds a setup the page refuses: replace it
    }
    if (same) return;
    this.model.set("config", { ...this.run.cfg });
    this.save();
  }

  pushWeights() {
    const run = this.run;
    this.model.set("weights", { ...exportWeights(run.net), step: run.step, setup: { ...run.cfg } });
    this.save();
    this.lastPush = performance.now();
  }

  save() {
    try {
      this.model.save_changes();
    } catch (err) {
      /* a static page has no kernel to save to */
    }
  }

  showMessage(text) {
    this.view.message.textContent = text || "";
    this.view.message.hidden = !text;
  }

  // ---------------------------------------------------------------- drawing
  /** Redraw everything for the run as it is (a job: the boundary's mesh is computed in slices). */
  *redraw(atRest) {
    yield* pgDrawPanel(this.panel, this.run);
    this.drawText(atRest);
  }

  /** Evaluate the current step if need be, then redraw at rest (a job). */
  *refresh() {
    yield* pgEvaluateSlices(this.run);
    yield* this.redraw(true);
  }

  /** The charts, and the panel's title and text alternative (once the panel is drawn), and the status. */
  drawText(atRest) {
    const run = this.run, v = this.view, d = run.data;
    const width = Math.max(180, Math.round(v.charts[0].clientWidth || 220));
    pgChartSpecs(run, width).forEach((spec, i) => (v.charts[i].innerHTML = uiChart(spec)));
    v.legend.innerHTML = pgLayerLegendHtml(run.net.J);
    v.captions[0].textContent = `loss (${d.loss.toUpperCase()})`;
    v.captions[1].textContent = d.task === "regression" ? "R² (1 − MSE / variance)" : "accuracy";
    const datasetSpec = this.schema.fields.find((f) => f.name === "dataset");
    const text = pgPanelText(run, datasetSpec.enumTitles[run.cfg.dataset]);
    v.panelTitle.textContent = text.title;
    v.canvas.setAttribute("aria-label", text.summary);
    this.showStatus(atRest);
  }

  /** The status line, the divergence banner and (at rest) the numbers: cheap, so shown at once after every action. */
  showStatus(atRest) {
    const run = this.run, v = this.view;
    v.status.setAttribute("aria-live", atRest ? "polite" : "off"); // not read out on every frame of training
    v.status.innerHTML = pgStatusHtml(run);
    v.root.dataset.step = String(run.step);
    v.divergence.hidden = !run.diverged;
    v.divergence.textContent = run.diverged
      ? `⚠ Training stopped: ${run.diverged}. Lower the learning rate and press Reset to start again from the same initial weights.` : "";
    if (atRest) this.showNumbers();
  }

  showNumbers() {
    const v = this.view;
    v.numbers.hidden = !v.showNumbers.checked;
    if (v.showNumbers.checked) v.numbers.innerHTML = pgNumbersHtml(this.run);
  }

  // ---------------------------------------------------------------- training
  setTrainLabel() {
    const b = this.view.train;
    b.textContent = this.running ? "Pause" : "Train";
    b.title = this.running ? "stop training" : "train until Pause";
    b.classList.toggle("pg-pause", this.running);
    b.setAttribute("aria-pressed", this.running ? "true" : "false");
  }

  /** The training loop has ended (Pause, another action, or divergence). */
  endTraining() {
    if (!this.running) return;
    this.running = false;
    this.alive--;
    this.setTrainLabel();
  }

  /** Stop training and any other work (without redrawing): a step under way stays with its run, to be resumed. */
  stopTraining() {
    this.endTraining();
    this.runner.stop();
  }

  pause() {
    if (!this.running) return;
    this.stopTraining();
    this.pushWeights();
    this.runner.run(this.refresh(), { now: true });
  }

  train() {
    if (this.running) return; // a loop is already running: never a second one
    if (this.run.diverged) return this.runner.run(this.refresh(), { now: true });
    this.running = true;
    this.loops++;
    this.alive++; // loops alive right now (a loop lives from Train until Pause or divergence)
    this.mostAlive = Math.max(this.mostAlive, this.alive);
    this.frameStep = this.run.step;
    this.setTrainLabel();
    this.runner.run(this.training(this.run));
  }

  *training(run) {
    const speed = () => this.stepsPerFrame ?? (this.view.speed.value === "max" ? Infinity : Number(this.view.speed.value));
    yield* pgTraining(run, { speed, now: () => performance.now(), draw: () => this.redraw(false) });
    this.endTraining(); // training diverged
    this.pushWeights();
    yield* this.redraw(true);
  }

  *oneStep() {
    yield* pgStepSlices(this.run);
    this.showStatus(true);
    yield* pgEvaluateSlices(this.run);
    this.pushWeights();
    yield* this.redraw(true);
  }

  onFrame(work) {
    const t = performance.now();
    if (!this.running) return;
    this.frames.push({ t, work, steps: this.run.step - this.frameStep });
    this.frameStep = this.run.step;
    if (this.frames.length > 600) this.frames.splice(0, this.frames.length - 600);
    if (t - this.lastPush > PG_PUSH_EVERY) this.pushWeights();
  }

  // ---------------------------------------------------------------- the reader's actions
  onStep() {
    this.stopTraining();
    this.showMessage(null);
    this.runner.run(this.oneStep(), { now: true });
  }

  onReset() {
    this.stopTraining();
    this.showMessage(null);
    this.run = pgFreshRun(this.run.cfg, this.run.data);
    this.pushWeights();
    this.showStatus(true);
    this.runner.run(this.refresh(), { now: true });
  }

  onApply() {
    try {
      const cfg = pgParseConfigText(this.view.configText.value, this.schema);
      this.userChanged = true;
      this.setConfig(cfg);
    } catch (err) {
      this.showMessage(`Could not apply the config: ${err.message}. The playground keeps its current setup.`);
      return;
    }
    this.showMessage(null);
  }

  onCopy() {
    const { shareInput: input, copy: button } = this.view;
    input.focus();
    input.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (err) {
      copied = false;
    }
    if (!copied && navigator.clipboard) navigator.clipboard.writeText(input.value).then(() => (button.textContent = "Copied"), () => {});
    button.textContent = copied ? "Copied" : "Selected: press Ctrl+C";
    setTimeout(() => (button.textContent = "Copy link"), 2000);
  }

  /** The changes a new value of `name` brings: settings defaulting by it start over, a rule it triggers is met. */
  changesFor(name, value) {
    const c = this.run.cfg, changes = { [name]: value };
    for (const spec of this.schema.fields) {
      if (spec.defaultBy && spec.defaultBy.field === name) changes[spec.name] = null;
      const rule = spec.requires;
      if (!rule || rule.when.field !== name || spec.name === name) continue;
      const binds = rule.when.in.includes(value), bound = rule.when.in.includes(c[name]);
      if (binds && !rule.oneOf.includes(c[spec.name])) changes[spec.name] = rule.oneOf[0];
      else if (!binds && bound) changes[spec.name] = spec.default;
    }
    return changes;
  }

  /** A control changed: all or nothing (a refused value puts the control back, with a message). */
  onControl(name) {
    const c = this.run.cfg, spec = this.view.controls.controls[name].spec;
    const { value, float } = this.view.controls.read(name);
    const refuse = (err) => {
      this.showMessage(`${spec.title}: ${err.message}; kept ${pgPyRepr(c[name])}`);
      this.syncSetup();
    };
    let cfg;
    try {
      cfg = pgValidateConfig({ ...c, ...this.changesFor(name, value) }, this.schema, float ? new Set([name]) : new Set());
    } catch (err) {
      return refuse(err);
    }
    this.userChanged = true;
    if (PG_LIVE_FIELDS.includes(name)) { // how the next steps are taken, not the data or the network: training goes on
      this.run.cfg = cfg;
      if (name === "learning_rate") this.run.diverged = null; // may try again
      this.syncSetup();
      this.saveToModel();
      this.showMessage(null);
      this.showStatus(!this.running);
      return;
    }
    try {
      this.setConfig(cfg);
    } catch (err) {
      return refuse(err);
    }
    this.showMessage(null);
  }

  // ---------------------------------------------------------------- setups from Python and from the address
  /**
   * A setup from Python that the page refuses (e.g. data the stratified split cannot use) is not kept
   * in the model either: the page writes its own setup back, so Python's config and the page agree.
   */
  onModelConfig() {
    const refuse = (err) => {
      this.showMessage(`Could not apply the config from Python: ${err.message}. The playground keeps its current setup.`);
      if (this.run) this.saveToModel();
    };
    let cfg;
    try {
      cfg = pgValidateConfig(this.model.get("config"), this.schema);
    } catch (err) {
      return refuse(err);
    }
    if (this.run && pgConfigJson(cfg, this.schema) === pgConfigJson(this.run.cfg, this.schema)) return;
    try {
      this.setConfig(cfg, { fromModel: true });
      this.showMessage(null);
    } catch (err) {
      refuse(err);
    }
  }

  /**
   * The address changed. Back/Forward to an address the playground wrote (marked in history.state)
   * keeps the run and puts the current setup back in the address; a new address with a setup loads
   * it; a damaged one keeps the setup and the run, with a message.
   */
  onHash() {
    const found = pgConfigFromHash(location.hash, this.schema);
    if (!found) return;
    if (history.state && history.state[PG_MARK]) return this.syncSetup();
    if (found.error) {
      this.showMessage(`The page address holds a playground setup that could not be read (${found.error}). The playground keeps its current setup.`);
      return this.syncSetup();
    }
    if (pgConfigJson(found.config, this.schema) === pgConfigJson(this.run.cfg, this.schema)) return this.syncSetup();
    try {
      this.setConfig(found.config);
      this.showMessage(null);
    } catch (err) {
      this.showMessage(`The setup in the page address could not be loaded (${err.message}). The playground keeps its current setup.`);
      this.syncSetup();
    }
  }

  /** The first setup: the model's, or the address's when it carries one (a damaged one is reported). */
  start() {
    let initial, message = null;
    try {
      initial = pgValidateConfig(this.model.get("config") || {}, this.schema);
    } catch (err) {
      message = `The widget's config could not be read (${err.message}); showing the default setup.`;
      initial = pgValidateConfig({}, this.schema);
    }
    const found = this.share ? pgConfigFromHash(location.hash, this.schema) : null;
    if (found && found.error) {
      message = `The page address holds a playground setup that could not be read (${found.error}). The playground keeps its setup.`;
      this.userChanged = true; // replace the damaged address by the setup shown
    } else if (found) {
      initial = found.config;
    }
    try {
      this.setConfig(initial, { fromModel: !found });
    } catch (err) {
      message = `This setup could not be built (${err.message}); showing the default setup.`;
      this.setConfig(pgValidateConfig({}, this.schema));
    }
    this.showMessage(message);
    this.setTrainLabel();
  }
}

/** The status line: step, epoch, loss and accuracy (or R²) on both sets at the last evaluation. */
function pgStatusHtml(run) {
  const h = run.history, last = (a) => a[a.length - 1];
  const head = `step <b class="pg-step">${run.step}</b> · epoch ${pgEpoch(run).toFixed(1)}`;
  if (!h.step.length) return `${head} · evaluating…`;
  const what = run.data.task === "regression" ? "R²" : "accuracy";
  return `${head} · loss train ${last(h.trainLoss).toFixed(4)} / test ${last(h.testLoss).toFixed(4)}` +
    ` · ${what} train ${last(h.trainScore).toFixed(3)} / test <b>${last(h.testScore).toFixed(3)}</b>`;
}

/** A handle for the browser tests and the benchmark (root.__playground). */
function pgHandle(app) {
  return {
    get step() { return app.run.step; },
    get running() { return app.running; },
    get busy() { return app.runner.busy; }, // work under way (training, or a redraw spread over frames)
    get loops() { return app.loops; },
    get loopsAlive() { return app.alive; },
    get mostLoopsAlive() { return app.mostAlive; },
    get config() { return { ...app.run.cfg }; },
    frames: () => app.frames.slice(),
    clearFrames: () => { app.frames.length = 0; },
    setStepsPerFrame: (n) => { app.stepsPerFrame = n; },
    // the model's config trait, as Python sees it, and a way to set it as a message from Python would
    get modelConfig() { return app.model.get("config"); },
    setModelConfig: (c) => app.model.set("config", c),
  };
}

function render({ model, el }) {
  const app = new PgPlayground(model, el), v = app.view;
  v.step.addEventListener("click", () => app.onStep());
  v.train.addEventListener("click", () => (app.running ? app.pause() : app.train()));
  v.reset.addEventListener("click", () => app.onReset());
  v.apply.addEventListener("click", () => app.onApply());
  v.copy.addEventListener("click", () => app.onCopy());
  v.showNumbers.addEventListener("change", () => app.showNumbers());
  const onModelConfig = () => app.onModelConfig(), onHash = () => app.onHash();
  model.on("change:config", onModelConfig);
  if (app.share) window.addEventListener("hashchange", onHash);
  app.start();
  // redraw when the column changes width (phone rotation, sidebar)
  let lastWidth = 0;
  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(() => {
    const w = v.root.clientWidth;
    if (w !== lastWidth && !app.running && !app.runner.busy) app.runner.run(app.redraw(true), { now: true });
    lastWidth = w;
  }) : null;
  if (resize) resize.observe(v.root);
  v.root.__playground = pgHandle(app);
  return () => {
    app.stopTraining();
    if (resize) resize.disconnect();
    model.off("change:config", onModelConfig);
    if (app.share) window.removeEventListener("hashchange", onHash);
  };
}

export default { render };
