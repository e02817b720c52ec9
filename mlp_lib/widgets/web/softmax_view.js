// softmax_view.js — the softmax explorer (mlp_lib/widgets/softmax_view.py, SoftmaxOutputView).
//
// K logits z^J and a true class γ (counting from 0) give, for one sample (m = 1):
//   a^J = softmax(z^J),  y = one-hot(γ),  ϕ^J = a^J − y  (fused softmax + CCE),
//   ℓ = log Σ_k e^{z_k} − z_γ = −log a_γ.
// The numbers come from the engine (softmax, oneHot, the CCE's fused forms), exactly as mlp_lib's
// SoftmaxOutput computes them; tests/widgets/test_widget_softmax_view.py compares the two.
//
// Traits shared with Python: logits (the page writes them back), true_class (likewise), limit.

/** The state of one sample: { logits, trueClass, probabilities, target, phi, loss }, as mlp_lib's SoftmaxOutput. */
export function smxState(logits, trueClass) {
  const K = logits.length;
  const z = matrix(K, 1, logits); // one sample: a column
  const y = oneHot([trueClass], K);
  const cce = getLoss("cce");
  return {
    logits: Array.from(logits),
    trueClass,
    probabilities: Array.from(getActivation("softmax").value(z).data),
    target: Array.from(y.data),
    phi: Array.from(cce.outputErrorFromLogits(z, y).data), // m = 1: (a − y)/1
    loss: cce.valueFromLogits(z, y),
  };
}

/** A number with three decimals (as the bars' labels) and a real minus sign. */
function smxFixed(v) {
  return v.toFixed(3).replace("-", "−");
}

/** z₀, z₁, … : "z" with the class number as a subscript. */
function smxLogitName(k) {
  return "z" + String(k).replace(/\d/g, (d) => "₀₁₂₃₄₅₆₇₈₉"[Number(d)]);
}

/** The bars' category labels: "class k", the true class marked "class γ (γ)"; beyond four classes just "k" (the axis names γ). */
export function smxBarLabels(K, trueClass) {
  return Array.from({ length: K }, (_, k) => (K <= 4 ? `class ${k}${k === trueClass ? " (γ)" : ""}` : `${k}`));
}

/** The status line (HTML): the true class, the loss and the sum of the ϕ^J bars. */
export function smxStatusHtml(state) {
  const sum = state.phi.reduce((a, b) => a + b, 0);
  return [
    `true class γ = ${state.trueClass} (counting from 0)`,
    `loss ℓ = log Σ<sub>k</sub> e<sup>z<sub>k</sub></sup> − z<sub>γ</sub> = −log a<sub>γ</sub> = <b>${state.loss.toFixed(4)}</b>`,
    `sum of the ϕ<sup>J</sup> bars = ${sum >= 0 ? "+" : ""}${uiFmt(sum, 2)}`,
  ].map((part) => `<span style="display: inline-block">${part}</span>`).join(" · ");
}

/** The three bar charts' specs: probabilities a^J, one-hot target y, error ϕ^J = a^J − y. */
export function smxCharts(state) {
  const K = state.logits.length;
  const labels = smxBarLabels(K, state.trueClass);
  const colors = labels.map((_, k) => UI_COLORS[k % UI_COLORS.length]);
  const list = (values) => values.map((v, k) => `class ${k} ${smxFixed(v)}`).join(", ");
  const chart = (title, values, yLimits, summary) => ({
    width: 260,
    height: 220,
    title,
    xLabel: K <= 4 ? "class (counting from 0)" : `class (counting from 0), γ = ${state.trueClass}`,
    bars: { labels, values, colors },
    yLimits,
    hlines: [{ y: 0, color: "#222", dash: "none" }],
    summary,
  });
  return [
    chart("probabilities aᴶ = softmax(zᴶ)", state.probabilities, [0, 1.05], `Probabilities aᴶ = softmax(zᴶ), summing to 1: ${list(state.probabilities)}.`),
    chart("one-hot target y", state.target, [0, 1.05], `One-hot target y: 1 for the true class ${state.trueClass}, 0 for the others.`),
    chart("error ϕᴶ = aᴶ − y", state.phi, [-1.2, 1.1], `Error ϕᴶ = aᴶ − y, negative only for the true class ${state.trueClass}, summing to 0: ${list(state.phi)}.`),
  ];
}

/** The numbers of the bars as a table (HTML): a row per quantity, a column per class. */
export function smxTableHtml(state) {
  const K = state.logits.length;
  const head = Array.from({ length: K }, (_, k) => `<th scope="col">class ${k}${k === state.trueClass ? " (γ)" : ""}</th>`).join("");
  const rows = [
    ["logit zᴶ", state.logits],
    ["probability aᴶ", state.probabilities],
    ["target y", state.target],
    ["error ϕᴶ", state.phi],
  ].map(([name, values]) => `<tr><th scope="row">${name}</th>${values.map((v) => `<td>${smxFixed(v)}</td>`).join("")}</tr>`);
  return `<table class="ui-table"><caption style="text-align: left">The numbers of the bars</caption><tr><td></td>${head}</tr>${rows.join("")}</table>`;
}

/** The explorer: a slider per logit, the true class, the loss and the charts; logits and true_class are written back. */
function render({ model, el }) {
  const read = () => ({
    logits: Array.from(model.get("logits") || [], Number),
    trueClass: Number(model.get("true_class")),
    limit: Number(model.get("limit")),
  });
  const update = (changes) => {
    for (const [key, value] of Object.entries(changes)) model.set(key, value);
    model.save_changes();
    sync();
  };
  let parts = null; // the controls, rebuilt when the number of classes or the limit changes

  function build(setup) {
    const root = uiPanel(el, "Softmax output: logits, probabilities and the error ϕᴶ");
    const sliders = setup.logits.map((v, k) =>
      uiSlider({
        label: `logit ${smxLogitName(k)}`,
        min: -setup.limit,
        max: setup.limit,
        step: 0.1,
        value: v,
        format: (x) => x.toFixed(1).replace("-", "−"),
        onChange: (x) => update({ logits: read().logits.map((old, i) => (i === k ? x : old)) }),
      }),
    );
    const options = setup.logits.map((_, k) => [k, `class ${k}`]);
    const trueClass = uiSelect({ label: "true class", options, value: setup.trueClass, onChange: (k) => update({ true_class: k }) });
    const status = uiStatus();
    const figure = uiFigure();
    const table = uiEl("div", { class: "smx-numbers" });
    table.style.overflowX = "auto";
    root.append(uiControls([...sliders.map((s) => s.el), trueClass.el]), status, figure.el, table);
    parts = { K: setup.logits.length, limit: setup.limit, sliders, trueClass, status, figure, table, shown: null };
  }

  /** Redraw from the model's logits and true class (rebuilding the controls if K or the limit changed). */
  function sync() {
    const setup = read();
    if (!parts || parts.K !== setup.logits.length || parts.limit !== setup.limit) build(setup);
    const key = JSON.stringify([setup.logits, setup.trueClass]);
    if (parts.shown === key) return;
    parts.shown = key;
    setup.logits.forEach((v, k) => (parts.sliders[k].value = v));
    parts.trueClass.value = setup.trueClass;
    const state = smxState(setup.logits, setup.trueClass);
    parts.status.innerHTML = smxStatusHtml(state);
    parts.figure.draw(smxCharts(state));
    parts.table.innerHTML = smxTableHtml(state);
  }

  const traits = ["logits", "true_class", "limit"];
  const onChange = () => sync();
  for (const t of traits) model.on(`change:${t}`, onChange);
  sync();
  return () => {
    for (const t of traits) model.off(`change:${t}`, onChange);
  };
}

export default { render };
