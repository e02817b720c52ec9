// regularization_view.js — the λ explorer (mlp_lib/widgets/regularization_view.py, RegularizationView).
//
// Python trains one 2 → … → 1 classifier (sigmoid output, BCE) per weight decay λ from the same
// start and sends the final weights (`networks`, one {config, params} per λ) with the training
// and test points. Everything the page shows is computed here from those weights with the
// engine: the predicted probability over the plane and its boundary p = 1/2, ‖w^j‖, Σ_j ‖w^j‖²,
// the data loss L and the accuracy on the training and the test points.
// tests/widgets/test_widget_regularization_view.py compares these numbers with mlp_lib's
// (WeightDecayRuns).
//
// Traits: lambdas, networks, train_x, train_labels, test_x, test_labels, extent [x0, x1, y0, y1],
// grid_shape [rows, columns] (from Python); selected (the slider's λ; the page writes it back).

/** Σ_j ‖w^j‖² is drawn at this floor when it is smaller (a log axis has no 0). */
export const RG_FLOOR = 1e-3;
/** matplotlib's RdBu at the middle of the ten bands 0 … 0.1 … 1, at alpha 0.65 on white (the old PNG's contourf). */
const RG_BANDS = ["#b36171", "#d88080", "#eeaf9d", "#fbd6c4", "#fcf1eb", "#eef4f8", "#cce3ef", "#9dc8e0", "#7aaad0", "#6589af"];
/** RdBu at 0 and 1: the training points of class 0 and 1. */
const RG_CLASS_COLORS = ["#67001f", "#053061"];
/** Width of the map in SVG units; its height follows the extent's aspect ratio. */
const RG_MAP_WIDTH = 280;

/** A data set from the traits: {x: (2, m) matrix, labels: Int32Array (m), y: (1, m) matrix of 0./1. targets}. */
export function rgDataset(rows, labels) {
  const x = fromRows(rows);
  if (x.rows !== 2 || x.cols !== labels.length) {
    throw new Error(`expected points of shape (2, ${labels.length}), got (${x.rows}, ${x.cols})`);
  }
  return { x, labels: Int32Array.from(labels), y: matrix(1, labels.length, labels) };
}

/** The networks of the runs, [{config, params}, …] as page_network sends them. */
export function rgNetworks(networks) {
  return networks.map((n) => networkFromWeights(n.config, n.params));
}

/** The fraction of the data set's points that `net` classifies right (a^J ≥ 1/2 is class 1), as MLP.accuracy. */
function rgAccuracy(net, data) {
  return nCorrect(net, forward(net, data.x).a[net.J], data.y) / data.labels.length;
}

/**
 * What the explorer shows of one run, as WeightDecayRuns.measures: {norms: [‖w^1‖, …, ‖w^J‖]
 * (Frobenius), squares: Σ_j ‖w^j‖², trainLoss, testLoss: L (mean BCE, no penalty),
 * trainAccuracy, testAccuracy: fractions in [0, 1]}.
 */
export function rgMeasures(net, train, test) {
  return {
    norms: net.W.slice(1).map(frobeniusNorm),
    squares: penalty(net, 2), // the weight-decay penalty (λ/2) Σ_j ‖w^j‖² at λ = 2
    trainLoss: lossValue(net, train.x, train.y),
    testLoss: lossValue(net, test.x, test.y),
    trainAccuracy: rgAccuracy(net, train),
    testAccuracy: rgAccuracy(net, test),
  };
}

/**
 * The map's grid: {xs (columns), ys (rows), points: (2, rows · columns) matrix}, the points of
 * np.meshgrid(linspace(x0, x1, columns), linspace(y0, y1, rows)) raveled row by row.
 */
export function rgGrid(extent, shape) {
  const [x0, x1, y0, y1] = extent;
  const [rows, columns] = shape;
  const xs = linspace(x0, x1, columns), ys = linspace(y0, y1, rows);
  const points = matrix(2, rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      points.data[r * columns + c] = xs[c];
      points.data[rows * columns + r * columns + c] = ys[r];
    }
  }
  return { xs, ys, points };
}

/** a^J = σ(z^J), the predicted probability of class 1, at the grid's points (row by row), a Float64Array. */
export function rgProbabilityField(net, grid) {
  return forward(net, grid.points).a[net.J].data;
}

/**
 * The contour p = level of a field on the grid by marching squares: a list of segments
 * [xa, ya, xb, yb] in data coordinates, each crossing point interpolated linearly along a cell's edge.
 */
export function rgContour(field, grid, level = 0.5) {
  const { xs, ys } = grid;
  const columns = xs.length, segments = [];
  const at = (r, c) => field[r * columns + c];
  for (let r = 0; r + 1 < ys.length; r++) {
    for (let c = 0; c + 1 < columns; c++) {
      // the cell's corners counter-clockwise and its edges between them
      const corners = [[r, c], [r, c + 1], [r + 1, c + 1], [r + 1, c]];
      const cuts = [];
      for (let e = 0; e < 4; e++) {
        const [ra, ca] = corners[e], [rb, cb] = corners[(e + 1) % 4];
        const va = at(ra, ca), vb = at(rb, cb);
        if ((va >= level) === (vb >= level)) continue;
        const t = (level - va) / (vb - va);
        cuts.push([xs[ca] + t * (xs[cb] - xs[ca]), ys[ra] + t * (ys[rb] - ys[ra])]);
      }
      if (cuts.length === 2) segments.push([...cuts[0], ...cuts[1]]);
      if (cuts.length === 4) {
        // a saddle: the centre (the mean of the corners) joins the two diagonal corners on its side,
        // so the lines cut off the other two (corner (r, c + 1) lies between edges 0 and 1, (r + 1, c) between 2 and 3)
        const centre = (at(r, c) + at(r, c + 1) + at(r + 1, c + 1) + at(r + 1, c)) / 4;
        const pairs = (centre >= level) === (at(r, c) >= level) ? [[0, 1], [2, 3]] : [[0, 3], [1, 2]];
        for (const [a, b] of pairs) segments.push([...cuts[a], ...cuts[b]]);
      }
    }
  }
  return segments;
}

/** The shading band (0 … 9) of a probability: ⌊10 p⌋, with p = 1 in the top band. */
export function rgBand(p) {
  return Math.min(9, Math.max(0, Math.floor(10 * p)));
}

/**
 * The map as SVG markup: the field shaded in ten bands (one rectangle per run of equal bands in a
 * grid row), the boundary p = 1/2 in black (if rgHasBoundary) and the training points coloured by class.
 */
export function rgMapSvg(field, grid, train, extent, summary) {
  const [x0, x1, y0, y1] = extent;
  const W = RG_MAP_WIDTH, H = Math.round(W * (y1 - y0) / (x1 - x0));
  const sx = (x) => ((x - x0) / (x1 - x0)) * W;
  const sy = (y) => H - ((y - y0) / (y1 - y0)) * H;
  const { xs, ys } = grid;
  const columns = xs.length;
  const dx = (xs[columns - 1] - xs[0]) / (columns - 1) / 2, dy = (ys[ys.length - 1] - ys[0]) / (ys.length - 1) / 2;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${uiEsc(summary)}">`, `<title>${uiEsc(summary)}</title>`];
  for (let r = 0; r < ys.length; r++) {
    const top = sy(ys[r] + dy), bottom = sy(ys[r] - dy);
    for (let c = 0; c < columns; ) {
      const band = rgBand(field[r * columns + c]);
      let end = c;
      while (end + 1 < columns && rgBand(field[r * columns + end + 1]) === band) end++;
      const left = sx(xs[c] - dx), right = sx(xs[end] + dx);
      out.push(`<rect x="${left.toFixed(2)}" y="${top.toFixed(2)}" width="${(right - left).toFixed(2)}" height="${(bottom - top + 0.6).toFixed(2)}" fill="${RG_BANDS[band]}"/>`); // 0.6 more: rows overlap, no seams
      c = end + 1;
    }
  }
  const segments = rgHasBoundary(field) ? rgContour(field, grid) : [];
  const d = segments.map((s) => `M${sx(s[0]).toFixed(2)},${sy(s[1]).toFixed(2)}L${sx(s[2]).toFixed(2)},${sy(s[3]).toFixed(2)}`).join("");
  if (d) out.push(`<path class="rg-boundary" d="${d}" fill="none" stroke="#000" stroke-width="1.6" stroke-linecap="round"/>`);
  for (let s = 0; s < train.labels.length; s++) {
    const px = sx(train.x.data[s]), py = sy(train.x.data[train.labels.length + s]);
    out.push(`<circle cx="${px.toFixed(2)}" cy="${py.toFixed(2)}" r="2.8" fill="${RG_CLASS_COLORS[train.labels[s]]}" stroke="#000" stroke-width="0.8"/>`);
  }
  out.push(`<rect x="0.5" y="0.5" width="${W - 1}" height="${H - 1}" fill="none" stroke="#ddd"/>`, "</svg>");
  return out.join("");
}

/** [smallest, largest] value of a field. */
function rgRange(field) {
  let lo = Infinity, hi = -Infinity;
  for (const p of field) {
    lo = Math.min(lo, p);
    hi = Math.max(hi, p);
  }
  return [lo, hi];
}

/**
 * Whether the field has a decision boundary: p takes values on both sides of 1/2 and is not flat
 * (a constant 1/2 with rounding noise, as when λ has decayed every weight to 0, has none).
 */
export function rgHasBoundary(field) {
  const [lo, hi] = rgRange(field);
  return lo < 0.5 && hi >= 0.5 && hi - lo > 1e-9;
}

/** The text alternative of the map: the λ, where the probability lies, whether there is a boundary, the accuracies. */
export function rgMapSummary(label, field, measures) {
  const [lo, hi] = rgRange(field);
  const boundary = rgHasBoundary(field) ? "the black line is the decision boundary p = 1/2" : "no decision boundary: p is on one side of 1/2 everywhere";
  return `Predicted probability of the blue class over the plane after training with weight decay λ = ${label}: ` +
    `between ${uiFmt(lo, 3)} and ${uiFmt(hi, 3)}; ${boundary}. ` +
    `Training accuracy ${rgPercent(measures.trainAccuracy)}, test accuracy ${rgPercent(measures.testAccuracy)}.`;
}

/** A fraction as a whole percentage: "88 %". */
function rgPercent(v) {
  return `${(100 * v).toFixed(0)} %`;
}

/** The λ as the slider and the charts write it. */
export function rgLabel(lambda) {
  return uiFmt(lambda, 3);
}

/** The status line (HTML): λ, then ‖w^j‖, the data loss L and the accuracy, each on the training / test points. */
export function rgStatusHtml(label, m) {
  const sup = (j) => String(j).replace(/\d/g, (d) => "⁰¹²³⁴⁵⁶⁷⁸⁹"[d]);
  const parts = [
    `λ = ${label}`,
    `${m.norms.map((_, i) => `‖w${sup(i + 1)}‖`).join(", ")} = ${m.norms.map((v) => v.toFixed(2)).join(", ")}`,
    `data loss L, training / test: ${uiFmt(m.trainLoss, 3)} / ${uiFmt(m.testLoss, 3)}`,
    `accuracy, training / test: ${rgPercent(m.trainAccuracy)} / ${rgPercent(m.testAccuracy)}`,
  ];
  return parts.map((part) => `<span style="display: inline-block">${part}</span>`).join(" · ");
}

/** The two charts' specs: Σ_j ‖w^j‖² against λ (log scale, floored), and the data loss L on the training and test points against λ. */
export function rgCharts(labels, measures, selected) {
  const index = labels.map((_, i) => i);
  // a categorical x axis: the λ as tick labels, no bars drawn (a bar that is not finite is skipped)
  const categories = { labels, values: labels.map(() => NaN) };
  const shown = labels[selected], m = measures[selected];
  const squares = measures.map((r) => Math.max(r.squares, RG_FLOOR));
  const size = { width: 320, height: 230 };
  const normChart = {
    ...size,
    title: "Σ‖wʲ‖² after training (floor 10⁻³)",
    xLabel: "weight decay λ",
    yLog: true,
    bars: categories,
    lines: [{ x: index, y: squares, color: UI_COLORS[0] }],
    dots: [{ x: selected, y: squares[selected], color: UI_COLORS[3], r: 7 }, ...index.map((i) => ({ x: i, y: squares[i], color: UI_COLORS[0], r: 3 }))],
    summary: `Sum of squared weights after training against λ, log scale: ${measures.map((r, i) => `${uiFmt(r.squares, 3)} at λ = ${labels[i]}`).join(", ")}` +
      ` (values below 10⁻³ drawn at 10⁻³). Marked: λ = ${shown}, ${uiFmt(m.squares, 3)}.`,
  };
  const train = measures.map((r) => r.trainLoss), test = measures.map((r) => r.testLoss);
  const top = Math.max(...train, ...test);
  const lossChart = {
    ...size,
    title: "data loss L after training",
    xLabel: "weight decay λ",
    bars: categories,
    yLimits: [0, 1.35 * top], // the band above the curves holds the legend
    lines: [
      { x: index, y: train, color: UI_COLORS[0], label: "training points" },
      { x: index, y: test, color: UI_COLORS[1], label: "test points" },
    ],
    dots: [
      { x: selected, y: train[selected], color: UI_COLORS[0], r: 5 },
      { x: selected, y: test[selected], color: UI_COLORS[1], r: 5 },
    ],
    legend: "upper right",
    summary: `Data loss L after training against λ. Training points: ${train.map((v, i) => `${uiFmt(v, 3)} at λ = ${labels[i]}`).join(", ")}. ` +
      `Test points: ${test.map((v, i) => `${uiFmt(v, 3)} at λ = ${labels[i]}`).join(", ")}. Marked: λ = ${shown}.`,
  };
  return [normChart, lossChart];
}

/** The explorer: the slider, the status line, the map and the two charts; `selected` is written back. */
function render({ model, el }) {
  const root = uiPanel(el, "Weight decay λ at work: one network trained per λ");
  const lambdas = model.get("lambdas");
  const labels = lambdas.map(rgLabel);
  const nets = rgNetworks(model.get("networks"));
  const train = rgDataset(model.get("train_x"), model.get("train_labels"));
  const test = rgDataset(model.get("test_x"), model.get("test_labels"));
  const extent = model.get("extent");
  const grid = rgGrid(extent, model.get("grid_shape"));
  const measures = nets.map((net) => rgMeasures(net, train, test));
  const fields = new Map();
  const field = (i) => {
    if (!fields.has(i)) fields.set(i, rgProbabilityField(nets[i], grid));
    return fields.get(i);
  };
  const clampIndex = (v) => Math.min(labels.length - 1, Math.max(0, Math.round(Number(v)) || 0));

  const slider = uiSlider({
    label: "Weight decay λ",
    min: 0,
    max: labels.length - 1,
    step: 1,
    value: clampIndex(model.get("selected")),
    live: true,
    format: (i) => labels[clampIndex(i)],
    onChange: (i) => {
      model.set("selected", clampIndex(i));
      model.save_changes();
      show();
    },
  });
  const status = uiStatus();
  const figure = uiEl("div");
  const views = new Map(); // λ index → its drawn charts: a second visit only swaps them in
  const caption = "shading: predicted probability of the blue class; black line: boundary p = 1/2; dots: training points";
  root.append(uiControls([slider.el]), status, figure);

  /** Show the run of the model's `selected` λ. */
  function show() {
    const i = clampIndex(model.get("selected"));
    slider.value = i;
    status.innerHTML = rgStatusHtml(labels[i], measures[i]);
    // 300 px wide at least, so that the seven λ labels fit: two panels a row on a wide page, one on a phone
    if (!views.has(i)) {
      const cell = (html) => `<div class="ui-chart" style="flex-basis: 300px">${html}</div>`;
      const map = rgMapSvg(field(i), grid, train, extent, rgMapSummary(labels[i], field(i), measures[i]));
      const view = uiEl("div", { class: "ui-figure" });
      view.innerHTML = cell(`${map}<div style="font-size: 12px; margin-top: 2px">${uiEsc(caption)}</div>`) +
        rgCharts(labels, measures, i).map((spec) => cell(uiChart(spec))).join("");
      views.set(i, view);
    }
    figure.replaceChildren(views.get(i));
  }

  const onChange = () => show();
  model.on("change:selected", onChange);
  show();
  return () => model.off("change:selected", onChange);
}

export default { render };
