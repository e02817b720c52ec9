// shapes.js — the shape explorer, live in the page (the front end of mlp_lib/widgets/shapes.py, ShapesView).
//
// Builds the engine's network n_0 → units × (J − 1) → n_J (tanh hidden layers, identity output,
// MSE), runs one forward and one backward pass on a random batch of m samples and lists the shape
// of every array the book names, measured on the arrays the engine returns (as mlp_lib's
// shape_rows does on mlp_lib's):
//
//   a^0 = x    (n_0, m)
//   w^j        (n_j, n_{j−1})      b^j        (n_j, 1)
//   z^j, a^j   (n_j, m)            ϕ^j        (n_j, m)
//   ∇_{w^j} L  (n_j, n_{j−1})      ∇_{b^j} L  (n_j, 1)
//
// Traits (anywidget model, both ways): n_inputs, hidden_layers, units, n_outputs, m.

/** The table's columns: [header as HTML, key of a row of shpRows]. */
const SHP_COLUMNS = [
  ["w<sup>j</sup>", "W"],
  ["b<sup>j</sup>", "b"],
  ["z<sup>j</sup>", "z"],
  ["a<sup>j</sup>", "a"],
  ["ϕ<sup>j</sup>", "phi"],
  ["∇<sub>w<sup>j</sup></sub>L", "dW"],
  ["∇<sub>b<sup>j</sup></sub>L", "db"],
];
/** The sliders: [trait, label, min, max] (mlp_lib's MAX_UNITS = 16, MAX_HIDDEN_LAYERS = 4, MAX_BATCH = 64). */
const SHP_SLIDERS = [
  ["n_inputs", "inputs n₀", 1, 16],
  ["hidden_layers", "hidden layers (J − 1)", 0, 4],
  ["units", "units per hidden layer", 1, 16],
  ["n_outputs", "outputs n_J", 1, 16],
  ["m", "batch size m", 1, 64],
];
const SHP_CSS = `
.shp-scroll { overflow-x: auto; max-width: 100%; }
.shp-scroll .ui-table { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.shp-scroll .ui-table td, .shp-scroll .ui-table th { text-align: center; padding: 2px 8px; white-space: nowrap; }
.shp-scroll .ui-table th[scope=row] { text-align: left; font-weight: normal; }
.shp-scroll caption { caption-side: top; text-align: left; padding: 0 0 4px; }
@container (max-width: 560px) {
  .shp-scroll .ui-table { font-size: 12px; }
  .shp-scroll .ui-table td, .shp-scroll .ui-table th { padding: 2px 3px; }
}
`;

/** [n_0, units, …, units, n_J] with `hiddenLayers` hidden layers (mlp_lib's layer_sizes). */
export function shpLayerSizes(nInputs, hiddenLayers, units, nOutputs) {
  return [nInputs, ...Array(hiddenLayers).fill(units), nOutputs];
}

/**
 * The shape [rows, cols] of every array of one forward and one backward pass of the engine's
 * network with these layer sizes on a random batch of m samples: [{j: 0, a}, {j, W, b, z, a, phi,
 * dW, db} for j = 1 … J], as mlp_lib's shape_rows.
 */
export function shpRows(sizes, m, seed = 0) {
  const config = { layer_sizes: sizes, hidden: "tanh", output: "identity", loss: "mse" };
  const net = createNetwork(config, seed);
  const rng = createRng(seed, STREAMS.data);
  const batch = (n) => matrix(n, m, Array.from({ length: n * m }, () => rng.normal()));
  const x = batch(sizes[0]);
  const y = batch(sizes[sizes.length - 1]);
  const fp = forward(net, x);
  const g = gradients(net, x, y);
  const shape = (M) => [M.rows, M.cols];
  const rows = [{ j: 0, a: shape(fp.a[0]) }];
  for (let j = 1; j <= net.J; j++) {
    rows.push({ j, W: shape(net.W[j]), b: shape(net.b[j]), z: shape(fp.z[j]), a: shape(fp.a[j]), phi: shape(g.phi[j]), dW: shape(g.dW[j]), db: shape(g.db[j]) });
  }
  return rows;
}

/** A shape as text: "(4, 3)"; "—" for an array the layer does not have. */
function shpFmt(shape) {
  return shape ? `(${shape.join(", ")})` : "—";
}

/**
 * The rows as an HTML table with a caption: one row per layer (the input first) and one column per
 * array, or, `byArray`, one row per array and one column per layer (narrower for a few layers).
 */
function shpTable(rows, sizes, m, byArray) {
  const caption = `<caption>${uiEsc(`Shapes of every array of MLP([${sizes.join(", ")}]) on a batch of m = ${m}`)}</caption>`;
  let head;
  let body;
  if (byArray) {
    head = `<th scope="col">array</th>${rows.map((row) => `<th scope="col">j = ${row.j === 0 ? "0 (x)" : row.j}</th>`).join("")}`;
    body = SHP_COLUMNS.map(([h, key]) => `<tr><th scope="row">${h}</th>${rows.map((row) => `<td>${shpFmt(row[key])}</td>`).join("")}</tr>`);
  } else {
    head = `<th scope="col">layer j</th>${SHP_COLUMNS.map(([h]) => `<th scope="col">${h}</th>`).join("")}`;
    body = rows.map((row) => `<tr><th scope="row">${row.j === 0 ? "0 (input x)" : row.j}</th>${SHP_COLUMNS.map(([, key]) => `<td>${shpFmt(row[key])}</td>`).join("")}</tr>`);
  }
  return `<table class="ui-table">${caption}<tr>${head}</tr>${body.join("")}</table>`;
}

function render({ model, el }) {
  const panel = uiPanel(el, "Shape explorer: every array of an MLP");
  panel.append(uiEl("style", { text: SHP_CSS }));
  let writing = false; // the page's own change redraws once
  const write = (name, value) => {
    writing = true;
    model.set(name, value);
    writing = false;
    model.save_changes();
    redraw();
  };
  const sliders = SHP_SLIDERS.map(([name, label, min, max]) =>
    uiSlider({
      label,
      min,
      max,
      step: 1,
      value: model.get(name),
      format: String,
      onChange: (v) => write(name, v),
    }),
  );
  const status = uiStatus();
  const table = uiEl("div", { class: "shp-scroll", tabindex: "0", role: "region", "aria-label": "table of shapes (scrolls sideways if too wide)" });
  panel.append(uiControls(sliders.map((s) => s.el)), status, table);
  let width = -1;
  const resized = new ResizeObserver(() => {
    if (panel.clientWidth !== width) redraw();
  });
  resized.observe(panel);

  function redraw() {
    const [nInputs, hiddenLayers, units, nOutputs, m] = SHP_SLIDERS.map(([name]) => model.get(name));
    const sizes = shpLayerSizes(nInputs, hiddenLayers, units, nOutputs);
    status.textContent = `MLP([${sizes.join(", ")}]): J = ${sizes.length - 1} layer(s), batch of m = ${m} sample(s) — shapes read off the arrays of one forward and one backward pass.`;
    const rows = shpRows(sizes, m);
    width = panel.clientWidth;
    table.innerHTML = shpTable(rows, sizes, m, false);
    if (table.scrollWidth > table.clientWidth) table.innerHTML = shpTable(rows, sizes, m, true); // a phone: one row per array
  }

  function sync() {
    if (writing) return;
    SHP_SLIDERS.forEach(([name], i) => {
      sliders[i].value = model.get(name);
    });
    redraw();
  }

  for (const [name] of SHP_SLIDERS) model.on(`change:${name}`, sync);
  redraw();
  return () => resized.disconnect();
}

export default { render };
