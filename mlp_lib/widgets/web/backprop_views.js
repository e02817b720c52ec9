// backprop_views.js — the live step-through of one backward pass (the Eq. (2) chapter) and the
// live "nudge one weight" view (the Eq. (3) chapter): anywidget views whose every number the
// browser engine computes, in the page, from the network and the sample the reader sets.
//
// Python (mlp_lib/widgets/backprop_views.py) pastes engine.js in front of this file and sends
// the whole text as the widget's ES module, so forward, gradients, lossValue, createNetwork, …
// are in scope. The numbers are never trusted: tests/widgets/test_backprop_views.py runs
// backwardSteps and nudgeData under node on random networks and compares them with mlp_lib's
// (mlp_lib.widgets.backprop_views.backward_steps and nudge_data).
//
// Names declared at the top level start with "bv" or "BV_" (the engine's are plain names and
// names starting with "_"), so the files never clash. The exported functions (backwardSteps,
// nudgeData, lossChange, bvFmt) are for the tests.
//
// The model (the widget's synced state):
//   view      "stepper" or "nudge"                                        (Python → page)
//   network   {config: MLP.config(), params: {W1: rows, b1: …}}           (both ways)
//   x, y      the sample: n_0 inputs and n_J targets                      (both ways)
//   step      the step shown, from 0 (stepper)                            (both ways)
//   edge      [j, i, k], the nudged weight w_{i,k}^j, numbered from 1 (nudge)  (both ways)
//   eps       ε, the change of that weight (nudge)                        (both ways)
//   eps_max   the slider's range [−eps_max, eps_max] (nudge)              (Python → page)

const BV_INK = "#222", BV_MUTED = "#666", BV_EDGE = "#b9bec7";
const BV_FORWARD = "#17803d", BV_BACKWARD = "#c0392b", BV_GRADIENT = "#b35c00", BV_HIGHLIGHT = "#1f5fbf";
const BV_FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif";
// The viewBox width of every picture: about the book's text column at 1280 px, so a font size of
// 12 in SVG units is about 12 px on screen there.
const BV_WIDTH = 720;
// Below this width of the view (a phone), the pictures use a narrower viewBox and show one number
// per unit under its circle, so that their text stays about 9 px or more on the screen.
const BV_COMPACT_BELOW = 560;
const BV_COMPACT_WIDTH = 440;
const BV_MAX_UNITS = 6;
const BV_MAX_LAYERS = 4;
const BV_SUP = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹", "-": "⁻" };
let bvCounter = 0;

// ---------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------

/** A number with `digits` significant digits, a real minus sign and ·10ⁿ outside [1e-4, 10^digits). */
export function bvFmt(v, digits = 3) {
  v = Number(v);
  if (v === 0) return "0";
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "∞" : "−∞";
  const [mant, expText] = v.toExponential(digits - 1).split("e");
  const exp = parseInt(expText, 10);
  let text;
  if (exp < -4 || exp >= digits) {
    text = `${Number(mant)}·10${String(exp).split("").map((c) => BV_SUP[c]).join("")}`;
  } else {
    text = String(Number(v.toPrecision(digits)));
  }
  return text.replace("-", "−");
}

function bvEsc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** SVG text for base_sub^sup: smaller <tspan>s shifted by dy, back on the baseline afterwards. */
function bvSym(base, sub = null, sup = null, size = 13) {
  let out = bvEsc(base);
  const small = Math.max(Math.round(7.6 * size) / 10, 10);
  const down = Math.round(3 * size) / 10, up = Math.round(4.2 * size) / 10;
  let shift = 0;
  if (sub !== null && sub !== "") {
    out += `<tspan dy="${down}" font-size="${small}">${bvEsc(sub)}</tspan>`;
    shift += down;
  }
  if (sup !== null && sup !== "") {
    out += `<tspan dy="${Math.round((-up - shift) * 10) / 10}" font-size="${small}">${bvEsc(sup)}</tspan>`;
    shift = -up;
  }
  if (shift) out += `<tspan dy="${Math.round(-shift * 10) / 10}">\u200b</tspan>`;
  return out;
}

/** HTML for base_sub^sup (captions and read-outs). */
function bvH(base, sub = null, sup = null) {
  let out = String(base);
  if (sub !== null && sub !== "") out += `<sub>${sub}</sub>`;
  if (sup !== null && sup !== "") out += `<sup>${sup}</sup>`;
  return out;
}

function bvVec(values) {
  return "(" + Array.from(values, (v) => bvFmt(v)).join(", ") + ")";
}

function bvText(x, y, body, { size = 13, anchor = "middle", color = BV_INK, weight = null, extra = "" } = {}) {
  const w = weight ? ` font-weight="${weight}"` : "";
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${size}" text-anchor="${anchor}" fill="${color}"${w}${extra}>${body}</text>`;
}

/** Estimated width of an SVG text fragment: 0.56 em a character, indices smaller. */
function bvTextWidth(fragment, size) {
  const plain = (s) => s.replace(/<[^>]+>/g, "").replace(/&(amp|lt|gt|quot);/g, "x").replace(/\u200b/g, "");
  let nSmall = 0;
  for (const m of fragment.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)) nSmall += plain(m[1]).length;
  const nAll = plain(fragment).length;
  return 0.56 * size * (nAll - nSmall) + 0.56 * Math.max(0.76 * size, 10) * nSmall;
}

/** Lines of SVG text on a white rounded box; (x, y) is the first baseline at the box's left edge
 * (side "right"), right edge ("left") or centre ("center"). */
function bvLabelBox(x, y, lines, { size = 12, side = "right", color = BV_INK, pad = 4 } = {}) {
  const indices = lines.some((l) => l.includes("<tspan"));
  const lh = Math.round(size * (indices ? 17.5 : 14.5)) / 10;
  const width = Math.max(...lines.map((l) => bvTextWidth(l, size))) + 2 * pad;
  const rise = indices ? 0.5 * size : 0, drop = indices ? 0.35 * size : 0;
  const height = (lines.length - 1) * lh + size + 2 * pad + rise + drop;
  const left = side === "right" ? x : side === "left" ? x - width : x - width / 2;
  const top = y - size - pad - rise + 1;
  const parts = [
    `<rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${width.toFixed(1)}" height="${height.toFixed(1)}" rx="4" fill="#fff" fill-opacity="0.92" stroke="#ddd"/>`,
  ];
  const tx = side === "center" ? x : left + pad, anchor = side === "center" ? "middle" : "start";
  lines.forEach((l, n) => parts.push(bvText(tx, y + n * lh, l, { size, anchor, color })));
  return parts.join("");
}

function bvSvgOpen(width, height, label) {
  const l = bvEsc(label);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${Math.round(width)} ${Math.round(height)}" width="100%" ` +
    `role="img" aria-label="${l}" preserveAspectRatio="xMidYMid meet" ` +
    `style="display:block;width:100%;max-width:720px;height:auto;margin:0 auto;font-family:${BV_FONT}">` +
    `<title>${l}</title>`
  );
}

function bvArrowDefs(uid, colors) {
  let out = "<defs>";
  for (const [name, color] of Object.entries(colors)) {
    out +=
      `<marker id="${uid}-${name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" ` +
      `orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`;
  }
  return out + "</defs>";
}

// ---------------------------------------------------------------------------------------
// The network drawn as columns of units (every unit shown: these views take small networks)
// ---------------------------------------------------------------------------------------

function bvLayout(sizes, { width = BV_WIDTH, left = 80, right = 80, top = 44, row = 62, bottom = 44, radius = 17 } = {}) {
  const J = sizes.length - 1, rows = Math.max(...sizes);
  const x = sizes.map((_, j) => left + (j * (width - left - right)) / J);
  const y = sizes.map((n) => {
    const offset = top + ((rows - n) * row) / 2;
    return Array.from({ length: n }, (_, p) => offset + p * row + row / 2);
  });
  return { sizes, x, y, radius, width, height: top + rows * row + bottom, pos: (j, i) => [x[j], y[j][i - 1]] };
}

/** The line of w_{i,k}^j from unit k of layer j−1 to unit i of layer j, stopping at the circles. */
function bvEdgeLine(lay, j, i, k, { color = BV_EDGE, width = 1, marker = null, reverse = false, extra = "" } = {}) {
  const [x0, y0] = lay.pos(j - 1, k), [x1, y1] = lay.pos(j, i);
  const dx = x1 - x0, dy = y1 - y0, d = Math.hypot(dx, dy), r = lay.radius + 1;
  let ax = x0 + (dx * r) / d, ay = y0 + (dy * r) / d, bx = x1 - (dx * r) / d, by = y1 - (dy * r) / d;
  if (reverse) [ax, ay, bx, by] = [bx, by, ax, ay];
  const end = marker ? ` marker-end="url(#${marker})"` : "";
  return (
    `<line x1="${ax.toFixed(1)}" y1="${ay.toFixed(1)}" x2="${bx.toFixed(1)}" y2="${by.toFixed(1)}" stroke="${color}" ` +
    `stroke-width="${width}"${end} data-edge="${j},${i},${k}"${extra}/>`
  );
}

function bvLayerTitle(j, J) {
  if (j === 0) return "input " + bvSym("a", null, "0");
  return `layer ${j}` + (j === J ? " (output)" : "");
}

function bvSkeleton(lay, { unitNumbers = true } = {}) {
  const J = lay.sizes.length - 1, parts = [];
  for (let j = 0; j <= J; j++) parts.push(bvText(lay.x[j], 20, bvLayerTitle(j, J), { weight: "600" }));
  for (let j = 1; j <= J; j++) {
    for (let i = 1; i <= lay.sizes[j]; i++) for (let k = 1; k <= lay.sizes[j - 1]; k++) parts.push(bvEdgeLine(lay, j, i, k));
  }
  for (let j = 0; j <= J; j++) {
    for (let i = 1; i <= lay.sizes[j]; i++) {
      const [x, y] = lay.pos(j, i);
      parts.push(
        `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${lay.radius}" fill="#fff" stroke="${j === 0 ? BV_MUTED : BV_INK}" stroke-width="1.3" data-unit="${j},${i}"/>`,
      );
      if (unitNumbers) parts.push(bvText(x, y + 4.5, String(i), { size: 12, color: BV_MUTED }));
    }
  }
  return parts;
}

// ---------------------------------------------------------------------------------------
// The numbers (engine.js computes; mlp_lib checks them in the tests)
// ---------------------------------------------------------------------------------------

function bvColumn(M) {
  return Array.from({ length: M.rows }, (_, i) => M.data[i * M.cols]);
}

function bvSample(net, x, y) {
  const xs = Array.from(x, Number), ys = Array.from(y, Number);
  if (xs.length !== net.sizes[0]) throw new Error(`expected ${net.sizes[0]} inputs x, got ${xs.length}`);
  if (ys.length !== net.sizes[net.J]) throw new Error(`expected ${net.sizes[net.J]} targets y, got ${ys.length}`);
  return [matrix(xs.length, 1, Float64Array.from(xs)), matrix(ys.length, 1, Float64Array.from(ys))];
}

/**
 * One forward and one backward pass of net on the sample (x, y) — arrays of n_0 and n_J numbers —
 * in reading order: [{title, equation, caption (HTML), units, edges, matrix, data}]. `data` holds
 * every number the step computed, under the names mlp_lib's backward_steps uses: a0, z{j}, a{j},
 * L, grad_a, dsigma{J}, phi{J}, back{j}, dsigma{j}, phi{j}, dW{j} (rows), db{j}.
 */
export function backwardSteps(net, x, y) {
  for (let j = 1; j <= net.J; j++) {
    if (!net.activations[j].elementwise) {
      throw new Error(`expected elementwise activations in every layer (the step-through shows σ′ per unit), got ${net.activations[j].name} in layer ${j}`);
    }
  }
  const [X, Y] = bvSample(net, x, y);
  const J = net.J, fp = forward(net, X), g = gradients(net, X, Y), H = bvH;
  const col = (M) => bvColumn(M);
  const steps = [
    {
      title: "The input",
      equation: "",
      caption: `The input ${H("a", null, "0")} = x = ${bvVec(col(X))}, one sample. Values of the forward pass are <span style="color:${BV_FORWARD}">green</span>, error signals and gradients <span style="color:${BV_BACKWARD}">red</span>.`,
      units: { layers: { 0: ["a", col(X)] } },
      data: { a0: col(X) },
    },
  ];
  for (let j = 1; j <= J; j++) {
    const z = col(fp.z[j]), a = col(fp.a[j]);
    steps.push({
      title: `Forward, layer ${j}`,
      equation: "forward pass",
      caption: `Forward, layer ${j}: ${H("z", null, j)} = ${H("w", null, j)} ${H("a", null, j - 1)} + ${H("b", null, j)} = ${bvVec(z)} and ${H("a", null, j)} = σ(${H("z", null, j)}) = ${bvVec(a)} (σ = ${net.activations[j].name}). The forward pass keeps every ${H("z", null, j)} and ${H("a", null, j)}: the backward pass needs them.`,
      units: { layers: { [j - 1]: ["a", col(fp.a[j - 1])], [j]: ["a", a] }, z: [j, z] },
      edges: [j, "forward"],
      data: { [`z${j}`]: z, [`a${j}`]: a },
    });
  }
  const aJ = col(fp.a[J]);
  steps.push({
    title: "The loss",
    equation: "loss",
    caption: `The loss compares the output ${H("a", null, J)} = ${bvVec(aJ)} with the target y = ${bvVec(col(Y))}: L = ${bvFmt(g.loss, 4)} (${net.loss.name.toUpperCase()}).`,
    units: { layers: { [J]: ["a", aJ] }, y: [J, col(Y)] },
    data: { L: g.loss },
  });
  const gradA = col(net.loss.gradient(fp.a[J], Y));
  const dsigJ = col(net.activations[J].derivative(fp.z[J]));
  const phi = [null];
  for (let j = 1; j <= J; j++) phi.push(col(g.phi[j]));
  steps.push({
    title: `Eq. (1): ϕ${BV_SUP[J] ?? J}`,
    equation: "Eq. (1)",
    caption: `Eq. (1): ${H("ϕ", null, J)} = ${H("∇", H("a", null, J))}L ∘ σ′(${H("z", null, J)}) = ${bvVec(gradA)} ∘ ${bvVec(dsigJ)} = ${bvVec(phi[J])}. The error signal starts at the output.`,
    units: { layers: { [J]: ["ϕ", phi[J]] }, detail: [J, [["∇L", gradA], ["σ′", dsigJ]]] },
    data: { grad_a: gradA, [`dsigma${J}`]: dsigJ, [`phi${J}`]: phi[J] },
  });
  for (let j = J - 1; j >= 1; j--) {
    const back = col(matmulTransA(net.W[j + 1], g.phi[j + 1]));
    const dsig = col(net.activations[j].derivative(fp.z[j]));
    steps.push({
      title: `Eq. (2), layer ${j}: back through the weights`,
      equation: "Eq. (2)",
      caption: `Eq. (2), first half: ${H("ϕ", null, j + 1)} flows back along the edges of layer ${j + 1}, through the transposed weights: (${H("w", null, j + 1)})ᵀ ${H("ϕ", null, j + 1)} = ${bvVec(back)}. Unit i of layer ${j} collects Σ${H("", "k")} ${H("w", "k,i", j + 1)} ${H("ϕ", "k", j + 1)} from every unit k it feeds.`,
      units: { layers: { [j + 1]: ["ϕ", phi[j + 1]], [j]: ["Σ", back] } },
      edges: [j + 1, "backward"],
      data: { [`back${j}`]: back },
    });
    steps.push({
      title: `Eq. (2), layer ${j}: times σ′`,
      equation: "Eq. (2)",
      caption: `Eq. (2), second half: ${H("ϕ", null, j)} = ((${H("w", null, j + 1)})ᵀ ${H("ϕ", null, j + 1)}) ∘ σ′(${H("z", null, j)}) = ${bvVec(back)} ∘ ${bvVec(dsig)} = ${bvVec(phi[j])} (σ = ${net.activations[j].name}).`,
      units: { layers: { [j]: ["ϕ", phi[j]] }, detail: [j, [["Σ", back], ["σ′", dsig]]] },
      data: { [`dsigma${j}`]: dsig, [`phi${j}`]: phi[j] },
    });
  }
  for (let j = J; j >= 1; j--) {
    const dW = toRows(g.dW[j]), aPrev = col(fp.a[j - 1]);
    steps.push({
      title: `Eq. (3), layer ${j}`,
      equation: "Eq. (3)",
      caption: `Eq. (3): ${H("∇", H("w", null, j))}L = ${H("ϕ", null, j)} (${H("a", null, j - 1)})ᵀ. The gradient of the weight on each edge is the error at its output end times the signal at its input end: ∂L/∂${H("w", "i,k", j)} = ${H("ϕ", "i", j)} ${H("a", "k", j - 1)}; for example ${H("ϕ", 1, j)} ${H("a", 1, j - 1)} = ${bvFmt(phi[j][0])} × ${bvFmt(aPrev[0])} = ${bvFmt(dW[0][0])}.`,
      units: { layers: { [j]: ["ϕ", phi[j]], [j - 1]: ["a", aPrev] } },
      edges: [j, "gradient"],
      matrix: [`w${BV_SUP[j] ?? j}`, dW],
      data: { [`dW${j}`]: dW },
    });
  }
  const db = {}, layers = {};
  for (let j = 1; j <= J; j++) {
    db[`db${j}`] = col(g.db[j]);
    layers[j] = ["∇b", db[`db${j}`]];
  }
  steps.push({
    title: "Eq. (4)",
    equation: "Eq. (4)",
    caption: `Eq. (4): ${H("∇", H("b", null, "j"))}L = ${H("ϕ", null, "j")}: the bias gradient of every unit is its error signal, shown on each unit. One backward pass has produced the gradient of every weight and bias.`,
    units: { layers },
    data: db,
  });
  return steps;
}

/** ΔL = L(w_{i,k}^j + ε) − L(w_{i,k}^j) by two forward passes (the second on a copy with the changed weight). */
export function lossChange(net, x, y, j, i, k, eps) {
  const [X, Y] = bvSample(net, x, y);
  const twin = copyNetwork(net);
  twin.W[j].data[(i - 1) * twin.W[j].cols + (k - 1)] += eps;
  return lossValue(twin, X, Y) - lossValue(net, X, Y);
}

/**
 * Change w_{i,k}^j (numbered from 1) by n values of ε in [−epsMax, epsMax]: the actual ΔL (the
 * forward pass run again) and Eq. (3)'s prediction ϕ_i^j a_k^{j−1} ε, as mlp_lib's nudge_data:
 * {j, i, k, w, L, phi, a, gradient, eps, actual, predicted}.
 */
export function nudgeData(net, x, y, j, i, k, epsMax = 1, n = 41) {
  if (!(j >= 1 && j <= net.J && i >= 1 && i <= net.sizes[j] && k >= 1 && k <= net.sizes[j - 1])) {
    throw new Error(`expected 1 ≤ j ≤ ${net.J}, 1 ≤ i ≤ n_j, 1 ≤ k ≤ n_(j−1) for layer sizes [${net.sizes}], got (${j}, ${i}, ${k})`);
  }
  if (!(n >= 3 && epsMax > 0)) throw new Error(`expected n ≥ 3 and eps_max > 0, got n=${n}, eps_max=${epsMax}`);
  const [X, Y] = bvSample(net, x, y);
  const fp = forward(net, X), g = gradients(net, X, Y);
  const phi = g.phi[j].data[(i - 1) * g.phi[j].cols], a = fp.a[j - 1].data[(k - 1) * fp.a[j - 1].cols];
  const eps = Array.from(linspace(-epsMax, epsMax, n));
  const twin = copyNetwork(net), at = (i - 1) * twin.W[j].cols + (k - 1), w0 = twin.W[j].data[at];
  const actual = eps.map((e) => {
    twin.W[j].data[at] = w0 + e;
    return lossValue(twin, X, Y) - g.loss;
  });
  return {
    j, i, k, w: w0, L: g.loss, phi, a,
    gradient: g.dW[j].data[at],
    eps, actual, predicted: eps.map((e) => phi * a * e),
  };
}

// ---------------------------------------------------------------------------------------
// Pictures
// ---------------------------------------------------------------------------------------

/** One step's picture; `compact` (a narrow view): one number under each unit instead of labelled boxes. */
function bvStepSvg(lay, step, uid, n, total, compact = false) {
  const J = lay.sizes.length - 1, W = lay.width;
  const colors = { a: BV_FORWARD, Σ: BV_BACKWARD, ϕ: BV_BACKWARD, "∇b": BV_BACKWARD };
  let extra = 0;
  if (step.matrix) extra = 44 + 20 * step.matrix[1].length + (compact ? 22 : 0);
  const parts = [bvSvgOpen(W, lay.height + extra, `Step ${n} of ${total}: ${step.title}`)];
  parts.push(bvArrowDefs(uid, { f: BV_FORWARD, b: BV_BACKWARD }));
  parts.push(...bvSkeleton(lay, { unitNumbers: false }));
  if (step.edges) {
    const [j, dir] = step.edges;
    const color = { forward: BV_FORWARD, backward: BV_BACKWARD, gradient: BV_GRADIENT }[dir];
    const marker = { forward: `${uid}-f`, backward: `${uid}-b`, gradient: null }[dir];
    for (let i = 1; i <= lay.sizes[j]; i++) {
      for (let k = 1; k <= lay.sizes[j - 1]; k++) {
        parts.push(bvEdgeLine(lay, j, i, k, { color, width: 2.2, marker, reverse: dir === "backward" }));
      }
    }
  }
  for (let j = 0; j <= J; j++) {
    for (let i = 1; i <= lay.sizes[j]; i++) {
      const [x, y] = lay.pos(j, i);
      parts.push(bvText(x, y + 4.5, String(i), { size: 12, color: BV_MUTED }));
    }
  }
  const u = step.units;
  for (const [key, [name, values]] of Object.entries(u.layers)) {
    const j = Number(key), color = colors[name];
    for (let i = 1; i <= lay.sizes[j]; i++) {
      const [x, y] = lay.pos(j, i);
      if (compact) {
        parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${lay.radius}" fill="none" stroke="${color}" stroke-width="2.4"/>`);
        parts.push(bvText(x, y + lay.radius + 14, bvFmt(values[i - 1]), { size: 13, color, weight: "600", extra: ' stroke="#fff" stroke-width="3" paint-order="stroke"' }));
        continue;
      }
      const head = name === "Σ"
        ? "Σ" + bvSym("", "k") + " " + bvSym("w", `k,${i}`, j + 1) + " " + bvSym("ϕ", "k", j + 1)
        : bvSym(name, i, j);
      const lines = [`${head} = ${bvFmt(values[i - 1])}`];
      if (u.z && u.z[0] === j) lines.unshift(`${bvSym("z", i, j)} = ${bvFmt(u.z[1][i - 1])}`);
      if (u.y && u.y[0] === j) lines.push(`${bvSym("y", i)} = ${bvFmt(u.y[1][i - 1])}`);
      if (u.detail && u.detail[0] === j) {
        const names = { "∇L": "∂L/∂" + bvSym("a", i, j), "σ′": "σ′(" + bvSym("z", i, j) + ")", Σ: "Σ" };
        lines.unshift(...u.detail[1].map(([nm, arr]) => `${names[nm]} = ${bvFmt(arr[i - 1])}`));
      }
      parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${lay.radius}" fill="none" stroke="${color}" stroke-width="2.4"/>`);
      const first = y + 4 - (lines.length - 1) * 10.5;
      // Labels go on the side away from the highlighted edges.
      const leftSide = step.edges && j === step.edges[0] - 1;
      parts.push(bvLabelBox(x + (leftSide ? -1 : 1) * (lay.radius + 6), first, lines, { size: 12, side: leftSide ? "left" : "right", color }));
    }
  }
  if (step.matrix) {
    const [name, rows] = step.matrix;
    const cells = rows.map((row) => row.map((v) => bvFmt(v)));
    const nc = rows[0].length, widest = Math.max(...cells.flat().map((c) => c.length));
    // columns as wide as the longest number, but all of them inside the picture (smaller type if need be)
    const cw = Math.min(widest * 7.4 + (compact ? 6 : 14), (W - 16) / nc);
    const cellSize = widest * 6.6 + 4 > cw ? 11 : 12;
    const y0 = lay.height + 4 + (compact ? 22 : 0), x0 = W / 2 - (cw * nc) / 2 + (compact ? 0 : 30);
    const label = bvSym("∇", name, null, 14) + "L" + (compact ? "" : " = ");
    if (compact) parts.push(bvText(W / 2, y0 - 14, label, { size: 14, color: BV_GRADIENT }));
    else parts.push(bvText(x0 - 8, y0 + 10 * rows.length + 6, label, { size: 14, anchor: "end", color: BV_GRADIENT }));
    const top = y0 - 6, bottom = y0 + 20 * rows.length - 2;
    for (const [dx, xb] of [[5, x0 - 2], [-5, x0 + cw * nc + 2]]) {
      parts.push(`<path d="M${(xb + dx).toFixed(1)},${top} L${xb.toFixed(1)},${top} L${xb.toFixed(1)},${bottom} L${(xb + dx).toFixed(1)},${bottom}" fill="none" stroke="${BV_GRADIENT}" stroke-width="1.3"/>`);
    }
    cells.forEach((row, r) => row.forEach((c, q) => {
      parts.push(bvText(x0 + cw * q + cw / 2, y0 + 20 * r + 10, c, { size: cellSize, color: BV_GRADIENT, extra: ' class="cell"' }));
    }));
    const note = compact ? "row i, column k: edge from unit k to i" : "row i, column k: the edge from unit k to unit i";
    parts.push(bvText(W / 2, bottom + 18, note, { size: 12, color: BV_MUTED }));
  }
  parts.push("</svg>");
  return parts.join("");
}

/** The network with w_{i,k}^j bold and labelled; every edge can be clicked to choose the weight. */
function bvNudgeNetworkSvg(net, edge, uid, compact = false) {
  const lay = compact
    ? bvLayout(net.sizes, { width: BV_COMPACT_WIDTH, top: 34, bottom: 12, left: 44, right: 58 })
    : bvLayout(net.sizes, { top: 34, bottom: 12 });
  const [j, i, k] = edge;
  const parts = [bvSvgOpen(lay.width, lay.height, `The network; the weight from unit ${k} of layer ${j - 1} to unit ${i} of layer ${j} is highlighted. Click an edge to nudge its weight instead.`)];
  parts.push(bvArrowDefs(uid, { hl: BV_HIGHLIGHT }));
  parts.push(...bvSkeleton(lay));
  parts.push(bvEdgeLine(lay, j, i, k, { color: BV_HIGHLIGHT, width: 3.2, marker: `${uid}-hl` }));
  // wide transparent copies of every edge take the clicks (a 1 px line is hard to hit)
  for (let jj = 1; jj <= net.J; jj++) {
    for (let ii = 1; ii <= net.sizes[jj]; ii++) {
      for (let kk = 1; kk <= net.sizes[jj - 1]; kk++) {
        parts.push(bvEdgeLine(lay, jj, ii, kk, { color: "transparent", width: 12, extra: ' class="bv-pick" style="cursor:pointer;pointer-events:stroke"' }));
      }
    }
  }
  const [x0, y0] = lay.pos(j - 1, k), [x1, y1] = lay.pos(j, i);
  const w = net.W[j].data[(i - 1) * net.W[j].cols + (k - 1)];
  const body = bvSym("w", `${i},${k}`, j, 14) + " = " + bvFmt(w);
  parts.push(`<g style="pointer-events:none">${bvLabelBox((x0 + x1) / 2, (y0 + y1) / 2 - 10, [body], { size: 14, side: "center", color: BV_HIGHLIGHT })}</g>`);
  for (const [jj, ii] of [[j - 1, k], [j, i]]) {
    const [x, y] = lay.pos(jj, ii);
    parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${lay.radius}" fill="none" stroke="${BV_HIGHLIGHT}" stroke-width="2.4" style="pointer-events:none"/>`);
  }
  parts.push("</svg>");
  return parts.join("");
}

function bvNiceTicks(lo, hi, n = 5) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-12 * span; t += step) ticks.push(Math.abs(t) < 1e-12 * span ? 0 : t);
  return ticks;
}

/** The plot of the actual ΔL (solid) and the prediction ϕ a ε (dashed) against ε, with markers at eps. */
function bvNudgePlot(d, eps, actualAtEps, compact = false) {
  const W = compact ? BV_COMPACT_WIDTH : BV_WIDTH, H = compact ? 320 : 330, left = compact ? 64 : 78, right = compact ? 14 : 24;
  const top = compact ? 58 : 44, bottom = 52;
  let lo = Math.min(...d.actual, ...d.predicted), hi = Math.max(...d.actual, ...d.predicted);
  const pad = 0.06 * (hi - lo || 1);
  lo -= pad;
  hi += pad;
  const e0 = d.eps[0], e1 = d.eps[d.eps.length - 1];
  const px = (e) => left + ((e - e0) / (e1 - e0)) * (W - left - right);
  const py = (v) => top + ((hi - v) / (hi - lo)) * (H - top - bottom);
  const clampY = (v) => Math.max(top, Math.min(H - bottom, py(v)));
  const { j, i, k } = d;
  const p = [bvSvgOpen(W, H, `Change of the loss when the weight from unit ${k} of layer ${j - 1} to unit ${i} of layer ${j} is changed by epsilon between ${bvFmt(e0)} and ${bvFmt(e1)}: the actual change (solid) and the first-order prediction phi times a times epsilon (dashed)`)];
  for (const t of bvNiceTicks(lo, hi)) {
    p.push(`<line x1="${left}" y1="${py(t).toFixed(1)}" x2="${W - right}" y2="${py(t).toFixed(1)}" stroke="#eee"/>`);
    p.push(bvText(left - 6, py(t) + 4, bvFmt(t), { size: 12, anchor: "end", color: BV_MUTED }));
  }
  for (const t of bvNiceTicks(e0, e1, compact ? 6 : 8)) {
    p.push(`<line x1="${px(t).toFixed(1)}" y1="${top}" x2="${px(t).toFixed(1)}" y2="${H - bottom}" stroke="#eee"/>`);
    p.push(bvText(px(t), H - bottom + 17, bvFmt(t), { size: 12, color: BV_MUTED }));
  }
  p.push(`<rect x="${left}" y="${top}" width="${W - left - right}" height="${H - top - bottom}" fill="none" stroke="#999"/>`);
  if (lo < 0 && 0 < hi) p.push(`<line x1="${left}" y1="${py(0).toFixed(1)}" x2="${W - right}" y2="${py(0).toFixed(1)}" stroke="#999"/>`);
  p.push(bvText((left + W - right) / 2, H - 10, "ε (the change of the weight)", { size: 13 }));
  const mid = (top + H - bottom) / 2;
  p.push(bvText(18, mid, "ΔL", { size: 13, extra: ` transform="rotate(-90 18 ${mid.toFixed(1)})"` }));
  const pts = (vals) => d.eps.map((e, s) => `${px(e).toFixed(1)},${py(vals[s]).toFixed(1)}`).join(" ");
  p.push(`<polyline points="${pts(d.predicted)}" fill="none" stroke="${BV_BACKWARD}" stroke-width="2" stroke-dasharray="7 5"/>`);
  p.push(`<polyline points="${pts(d.actual)}" fill="none" stroke="${BV_HIGHLIGHT}" stroke-width="2.4"/>`);
  const x = px(eps).toFixed(1);
  p.push(`<line class="bv-eps-line" x1="${x}" y1="${top}" x2="${x}" y2="${H - bottom}" stroke="#888" stroke-dasharray="3 3"/>`);
  p.push(`<circle class="bv-predicted" cx="${x}" cy="${clampY(d.phi * d.a * eps).toFixed(1)}" r="5" fill="${BV_BACKWARD}"/>`);
  p.push(`<circle class="bv-actual" cx="${x}" cy="${clampY(actualAtEps).toFixed(1)}" r="5" fill="${BV_HIGHLIGHT}"/>`);
  p.push(`<line x1="${left}" y1="20" x2="${left + 30}" y2="20" stroke="${BV_HIGHLIGHT}" stroke-width="2.4"/>`);
  p.push(bvText(left + 36, 24, "actual ΔL (forward pass re-run)", { size: 12, anchor: "start" }));
  const lx = compact ? left : left + 290, ly = compact ? 40 : 20;
  p.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 30}" y2="${ly}" stroke="${BV_BACKWARD}" stroke-width="2" stroke-dasharray="7 5"/>`);
  p.push(bvText(lx + 36, ly + 4, "predicted " + bvSym("ϕ", i, j, 12) + " " + bvSym("a", k, j - 1, 12) + " ε", { size: 12, anchor: "start" }));
  p.push("</svg>");
  return p.join("");
}

// ---------------------------------------------------------------------------------------
// The view
// ---------------------------------------------------------------------------------------

const BV_CSS = `
.bv-root { max-width: 720px; margin: 1em auto; border: 1px solid #ddd; border-radius: 6px; padding: 0.6em;
  box-sizing: border-box; font-size: 14px; line-height: 1.45; color: inherit; }
.bv-root *, .bv-root *::before, .bv-root *::after { box-sizing: border-box; }
.bv-row { display: flex; flex-wrap: wrap; align-items: center; gap: 0.35em 0.8em; margin: 0.25em 0; }
.bv-group { display: inline-flex; flex-wrap: wrap; align-items: center; gap: 0.3em; }
.bv-group input[type=number] { width: 5.2em; font: inherit; font-size: 13px; padding: 1px 3px; }
.bv-group select { font: inherit; font-size: 13px; }
.bv-button { font: inherit; font-size: 13px; padding: 0.2em 0.8em; border: 1px solid #888; border-radius: 4px;
  background: #f6f6f6; color: #222; cursor: pointer; }
.bv-button:disabled { opacity: 0.5; cursor: default; }
.bv-button:focus-visible, .bv-root input:focus-visible, .bv-root select:focus-visible { outline: 2px solid #1f5fbf; outline-offset: 1px; }
.bv-counter { color: #555; font-size: 0.92em; }
.bv-caption, .bv-readout, .bv-summary { font-size: 0.92em; margin: 0.3em 0; }
.bv-caption { min-height: 4.5em; }
.bv-stepper .bv-summary { color: #444; border-top: 1px solid #eee; padding-top: 0.3em; }
.bv-readout { font-variant-numeric: tabular-nums; min-height: 2.9em; }
.bv-message { color: #8a5300; border-left: 3px solid #d08c00; padding: 2px 6px; margin: 4px 0; font-size: 0.92em; }
.bv-message:empty { display: none; }
.bv-eps { display: flex; align-items: center; gap: 0.6em; font-size: 0.92em; margin: 0.3em 0; }
.bv-eps input { flex: 1; min-width: 0; }
`;

function bvEl(tag, attrs = {}, text = null) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else el.setAttribute(k, v);
  }
  if (text !== null) el.textContent = text;
  return el;
}

/** Set traits from the page and send them to Python; `own` is raised meanwhile, so that the
 * view's own change listeners know the change came from the page itself. */
function bvSave(model, changes, own) {
  own.saving = true;
  try {
    for (const [k, v] of Object.entries(changes)) model.set(k, v);
    try {
      model.save_changes();
    } catch (err) {
      /* a static page has no kernel to save to */
    }
  } finally {
    own.saving = false;
  }
}

/** Parse a number box: a finite number with |v| ≤ 1e6, else an Error naming the box and the text. */
function bvReadNumber(box, name) {
  const text = box.value.trim();
  const v = Number(text);
  if (text === "" || !Number.isFinite(v)) throw new Error(`expected a number for ${name}, got "${text}"`);
  if (Math.abs(v) > 1e6) throw new Error(`expected ${name} between −10⁶ and 10⁶, got ${text}`);
  return v;
}

/** The network and sample from the model, checked: {net, x, y} or an Error that says what is wrong. */
function bvFromModel(model) {
  const spec = model.get("network") || {};
  if (!spec.config || !spec.params) throw new Error("expected a network {config, params} from Python, got none");
  const net = networkFromWeights(spec.config, spec.params);
  if (net.J > BV_MAX_LAYERS || Math.max(...net.sizes) > BV_MAX_UNITS) {
    throw new Error(`expected at most ${BV_MAX_LAYERS} layers of at most ${BV_MAX_UNITS} units, got layer sizes [${net.sizes}]`);
  }
  const x = Array.from(model.get("x") || [], Number), y = Array.from(model.get("y") || [], Number);
  bvSample(net, x, y);
  if (![...x, ...y].every(Number.isFinite)) throw new Error("expected finite numbers in x and y");
  return { net, x, y };
}

function render({ model, el }) {
  const view = model.get("view");
  el.classList.add("jupyter-widgets"); // a Jupyter widget like the others (pages and tests look for the class)
  const root = bvEl("div", { class: `bv-root bv-${view}` });
  const style = bvEl("style");
  style.textContent = BV_CSS;
  root.appendChild(style);
  el.appendChild(root);
  const uid = `bv${++bvCounter}x${Math.floor(Math.random() * 1e9).toString(36)}`;
  const message = bvEl("div", { class: "bv-message", role: "status" });
  const st = { net: null, x: null, y: null, original: null, seed: 0, saving: false, compact: false };
  const isCompact = () => root.clientWidth > 0 && root.clientWidth < BV_COMPACT_BELOW;

  function showMessage(text) {
    message.textContent = text || "";
  }

  // ------------------------------------------------------------ the sample and the weights
  const sampleRow = bvEl("div", { class: "bv-row" });
  const xGroup = bvEl("span", { class: "bv-group" }), yGroup = bvEl("span", { class: "bv-group" });
  const actGroup = bvEl("span", { class: "bv-group" });
  const actSelect = bvEl("select", { "aria-label": "activation of the hidden layers" });
  const weightsRow = bvEl("div", { class: "bv-row" });
  const newWeights = bvEl("button", { type: "button", class: "bv-button bv-new-weights" }, "New random weights");
  const bookWeights = bvEl("button", { type: "button", class: "bv-button bv-book-weights" }, "The book's weights");
  weightsRow.append(newWeights, bookWeights);
  let xBoxes = [], yBoxes = [];

  function buildSampleControls() {
    const net = st.net;
    xGroup.replaceChildren(bvEl("span", {}, "input x ="));
    yGroup.replaceChildren(bvEl("span", {}, "target y ="));
    xBoxes = st.x.map((v, n) => {
      const box = bvEl("input", { type: "number", step: "0.1", value: String(v), "aria-label": `input x${n + 1}`, class: "bv-x" });
      xGroup.appendChild(box);
      return box;
    });
    yBoxes = st.y.map((v, n) => {
      const box = bvEl("input", { type: "number", step: "0.1", value: String(v), "aria-label": `target y${n + 1}`, class: "bv-y" });
      yGroup.appendChild(box);
      return box;
    });
    for (const box of [...xBoxes, ...yBoxes]) box.addEventListener("change", onSample);
    actGroup.replaceChildren();
    if (net.J >= 2) {
      actSelect.replaceChildren(...["sigmoid", "tanh", "relu", "identity"].map((a) => bvEl("option", { value: a }, a)));
      actSelect.value = net.activations[1].name;
      actGroup.append(bvEl("span", {}, "hidden σ:"), actSelect);
    }
    sampleRow.replaceChildren(xGroup, yGroup, actGroup);
  }

  function onSample() {
    try {
      const x = xBoxes.map((b, n) => bvReadNumber(b, `x${n + 1}`));
      const y = yBoxes.map((b, n) => bvReadNumber(b, `y${n + 1}`));
      const old = [st.x, st.y];
      [st.x, st.y] = [x, y];
      try {
        redraw();
      } catch (err) {
        [st.x, st.y] = old;
        redraw();
        throw err;
      }
      showMessage("");
      bvSave(model, { x, y }, st);
    } catch (err) {
      showMessage(`${err.message}; the last numbers are kept.`);
      xBoxes.forEach((b, n) => { b.value = String(st.x[n]); });
      yBoxes.forEach((b, n) => { b.value = String(st.y[n]); });
    }
  }

  function setNetwork(net, why) {
    const old = st.net;
    st.net = net;
    try {
      redraw();
    } catch (err) {
      st.net = old;
      redraw();
      showMessage(`${why} could not be used (${err.message}); the last network is kept.`);
      return;
    }
    showMessage("");
    bvSave(model, { network: exportWeights(net) }, st);
  }

  actSelect.addEventListener("change", () => {
    const cfg = networkConfig(st.net);
    cfg.hidden = cfg.hidden.map(() => actSelect.value);
    setNetwork(networkFromWeights(cfg, exportWeights(st.net).params), `The activation ${actSelect.value}`);
  });
  newWeights.addEventListener("click", () => {
    st.seed += 1;
    const fresh = createNetwork(networkConfig(st.net), st.seed);
    for (let j = 1; j <= fresh.J; j++) { // random biases too, so that every term of z shows
      const rng = createRng(st.seed * 100 + j, STREAMS.weights);
      for (let n = 0; n < fresh.b[j].data.length; n++) fresh.b[j].data[n] = rng.uniform(-0.5, 0.5);
    }
    setNetwork(fresh, "The new weights");
  });
  bookWeights.addEventListener("click", () => {
    st.x = st.original.x.slice();
    st.y = st.original.y.slice();
    buildSampleControls();
    setNetwork(networkFromWeights(st.original.network.config, st.original.network.params), "The book's weights");
    bvSave(model, { x: st.x, y: st.y }, st);
  });

  // ------------------------------------------------------------ the step-through
  const stepper = {};
  if (view === "stepper") {
    const nav = bvEl("div", { class: "bv-row" });
    stepper.prev = bvEl("button", { type: "button", class: "bv-button bv-prev" }, "◀ Prev");
    stepper.next = bvEl("button", { type: "button", class: "bv-button bv-next" }, "Next ▶");
    stepper.counter = bvEl("span", { class: "bv-counter", "aria-live": "polite" });
    nav.append(stepper.prev, stepper.next, stepper.counter);
    stepper.figure = bvEl("div", { class: "bv-figure" });
    stepper.caption = bvEl("p", { class: "bv-caption", "aria-live": "polite" });
    stepper.summary = bvEl("p", { class: "bv-summary" });
    root.append(nav, stepper.figure, stepper.caption, stepper.summary, sampleRow, weightsRow, message);
    stepper.n = Math.max(0, Number(model.get("step")) || 0);
    stepper.prev.addEventListener("click", () => go(stepper.n - 1));
    stepper.next.addEventListener("click", () => go(stepper.n + 1));
    root.tabIndex = 0;
    root.addEventListener("keydown", (e) => {
      if (e.target !== root) return;
      if (e.key === "ArrowLeft") { go(stepper.n - 1); e.preventDefault(); }
      if (e.key === "ArrowRight") { go(stepper.n + 1); e.preventDefault(); }
    });
  }

  function go(n) {
    stepper.n = Math.max(0, Math.min(stepper.steps.length - 1, n));
    drawStep();
    bvSave(model, { step: stepper.n }, st);
  }

  function drawStep() {
    const steps = stepper.steps, n = stepper.n, step = steps[n];
    stepper.figure.innerHTML = bvStepSvg(stepper.lay, step, `${uid}-${n}`, n + 1, steps.length, st.compact);
    let caption = step.caption;
    if (step.equation.startsWith("Eq.") && caption.startsWith(step.equation)) {
      caption = `<strong>${step.equation}</strong>` + caption.slice(step.equation.length);
    }
    stepper.caption.innerHTML = `<strong>Step ${n + 1}/${steps.length}.</strong> ${caption}`;
    stepper.counter.textContent = `Step ${n + 1} of ${steps.length}`;
    stepper.prev.disabled = n === 0;
    stepper.next.disabled = n === steps.length - 1;
  }

  // ------------------------------------------------------------ nudge one weight
  const nudge = {};
  if (view === "nudge") {
    nudge.network = bvEl("div", { class: "bv-figure bv-network" });
    nudge.summary = bvEl("p", { class: "bv-summary" });
    const pick = bvEl("div", { class: "bv-row" });
    nudge.selects = ["j", "i", "k"].map((name) => bvEl("select", { class: `bv-edge-${name}`, "aria-label": { j: "layer j", i: "to unit i of layer j", k: "from unit k of layer j − 1" }[name] }));
    const [sj, si, sk] = nudge.selects;
    pick.append(bvEl("span", {}, "weight: layer j"), sj, bvEl("span", {}, "to unit i"), si, bvEl("span", {}, "from unit k"), sk,
      bvEl("span", { class: "bv-counter" }, "(or click an edge)"));
    const epsRow = bvEl("label", { class: "bv-eps" });
    nudge.slider = bvEl("input", { type: "range", "aria-label": "epsilon, the change of the weight" });
    epsRow.append(bvEl("span", {}, "ε"), nudge.slider);
    nudge.readout = bvEl("p", { class: "bv-readout", "aria-live": "polite" });
    nudge.plot = bvEl("div", { class: "bv-figure bv-plot" });
    root.append(nudge.network, nudge.summary, pick, epsRow, nudge.readout, nudge.plot, sampleRow, weightsRow, message);
    nudge.epsMax = Number(model.get("eps_max")) > 0 ? Number(model.get("eps_max")) : 1;
    nudge.slider.min = String(-nudge.epsMax);
    nudge.slider.max = String(nudge.epsMax);
    nudge.slider.step = String(nudge.epsMax / 200);
    const eps0 = Number(model.get("eps"));
    nudge.eps = Number.isFinite(eps0) && Math.abs(eps0) <= nudge.epsMax ? eps0 : nudge.epsMax / 2;
    nudge.slider.value = String(nudge.eps);
    nudge.edge = Array.from(model.get("edge") || [1, 1, 1], Number);
    nudge.slider.addEventListener("input", () => {
      nudge.eps = Number(nudge.slider.value);
      drawEps();
    });
    nudge.slider.addEventListener("change", () => bvSave(model, { eps: nudge.eps }, st));
    for (const s of nudge.selects) {
      s.addEventListener("change", () => chooseEdge([Number(sj.value), Number(si.value), Number(sk.value)]));
    }
    nudge.network.addEventListener("click", (e) => {
      const line = e.target.closest && e.target.closest(".bv-pick");
      if (line) chooseEdge(line.getAttribute("data-edge").split(",").map(Number));
    });
  }

  function fillSelects() {
    const net = st.net, [j, i, k] = nudge.edge, [sj, si, sk] = nudge.selects;
    const options = (sel, n, value) => {
      sel.replaceChildren(...Array.from({ length: n }, (_, q) => bvEl("option", { value: String(q + 1) }, String(q + 1))));
      sel.value = String(value);
    };
    options(sj, net.J, j);
    options(si, net.sizes[j], i);
    options(sk, net.sizes[j - 1], k);
  }

  function chooseEdge(edge) {
    const net = st.net;
    let [j, i, k] = edge;
    j = Math.min(Math.max(1, j), net.J);
    i = Math.min(Math.max(1, i), net.sizes[j]);
    k = Math.min(Math.max(1, k), net.sizes[j - 1]);
    nudge.edge = [j, i, k];
    redraw();
    bvSave(model, { edge: nudge.edge }, st);
  }

  function drawEps() {
    const d = nudge.data, [j, i, k] = nudge.edge, e = nudge.eps;
    const actual = lossChange(st.net, st.x, st.y, j, i, k, e), predicted = d.phi * d.a * e;
    nudge.plot.innerHTML = bvNudgePlot(d, e, actual, st.compact);
    const rel = actual === 0 ? "" : ` (${bvFmt((Math.abs(actual - predicted) / Math.abs(actual)) * 100)} % of ΔL)`;
    nudge.readout.innerHTML = `ε = ${bvFmt(e)}: actual ΔL = ${bvFmt(actual)}, predicted ${bvH("ϕ", i, j)} ${bvH("a", k, j - 1)} ε = ${bvFmt(predicted)}; difference ${bvFmt(actual - predicted)}${rel}`;
    root.__nudge = { edge: nudge.edge.slice(), eps: e, actual, predicted, phi: d.phi, a: d.a, L: d.L, slope: nudge.slope };
  }

  function drawNudge() {
    const net = st.net;
    let [j, i, k] = nudge.edge;
    if (!(j >= 1 && j <= net.J && i >= 1 && i <= net.sizes[j] && k >= 1 && k <= net.sizes[j - 1])) nudge.edge = [j, i, k] = [1, 1, 1];
    nudge.data = nudgeData(net, st.x, st.y, j, i, k, nudge.epsMax, 81);
    const d = nudge.data, h = 1e-5;
    // the slope of the curve at ε = 0 by central differences, next to Eq. (3)'s ϕ a
    nudge.slope = (lossChange(net, st.x, st.y, j, i, k, h) - lossChange(net, st.x, st.y, j, i, k, -h)) / (2 * h);
    fillSelects();
    nudge.network.innerHTML = bvNudgeNetworkSvg(net, nudge.edge, `${uid}-net`, st.compact);
    const H = bvH;
    nudge.summary.innerHTML =
      `${H("ϕ", i, j)} = ${bvFmt(d.phi)}, ${H("a", k, j - 1)} = ${bvFmt(d.a)}, so Eq. (3) predicts ΔL ≈ ${H("ϕ", i, j)} ${H("a", k, j - 1)} ε = ${bvFmt(d.gradient)} ε ` +
      `(L = ${bvFmt(d.L, 4)} at ε = 0). The slope of the actual curve at ε = 0, by central differences with h = 10⁻⁵: ${bvFmt(nudge.slope, 6)}.`;
    drawEps();
  }

  function redraw() {
    if (view === "stepper") {
      stepper.steps = backwardSteps(st.net, st.x, st.y);
      stepper.lay = st.compact
        ? bvLayout(st.net.sizes, { width: BV_COMPACT_WIDTH, top: 30, row: 74, bottom: 22, left: 48, right: 62 })
        : bvLayout(st.net.sizes, { top: 30, row: 88, bottom: 6, left: 110, right: 150 });
      stepper.n = Math.min(stepper.n, stepper.steps.length - 1);
      const L = stepper.steps.find((s) => s.equation === "loss").data.L;
      if (!Number.isFinite(L)) throw new Error(`the loss is ${bvFmt(L)}`);
      drawStep();
      const out = stepper.steps.find((s) => s.title === `Forward, layer ${st.net.J}`).data[`a${st.net.J}`];
      stepper.summary.innerHTML =
        `This sample: x = ${bvVec(st.x)}, target y = ${bvVec(st.y)}; output ${bvH("a", null, st.net.J)} = ${bvVec(out)}, ` +
        `loss L = ${bvFmt(L, 4)}. Change them below; every step is computed again.`;
      root.__stepper = { step: stepper.n, steps: stepper.steps.map((s) => ({ title: s.title, data: s.data })) };
    } else {
      drawNudge();
    }
    root.__network = exportWeights(st.net);
  }

  function loadFromModel(first) {
    let got;
    try {
      got = bvFromModel(model);
    } catch (err) {
      showMessage(`The widget's network could not be used (${err.message})` + (first ? "." : "; the last one is kept."));
      return false;
    }
    const old = { net: st.net, x: st.x, y: st.y };
    Object.assign(st, got);
    if (first) st.original = { network: exportWeights(got.net), x: got.x.slice(), y: got.y.slice() };
    try {
      buildSampleControls();
      if (view === "nudge") {
        nudge.edge = Array.from(model.get("edge") || nudge.edge, Number);
        const eps = Number(model.get("eps"));
        if (Number.isFinite(eps) && Math.abs(eps) <= nudge.epsMax) {
          nudge.eps = eps;
          nudge.slider.value = String(eps);
        }
      } else if (!first) {
        stepper.n = Math.max(0, Number(model.get("step")) || 0);
      }
      redraw();
      showMessage("");
      return true;
    } catch (err) {
      if (old.net) {
        Object.assign(st, old);
        buildSampleControls();
        redraw();
      }
      showMessage(`The widget's network could not be used (${err.message})` + (old.net ? "; the last one is kept." : "."));
      return false;
    }
  }

  st.compact = isCompact();
  loadFromModel(true);
  // a phone turned, a sidebar opened: switch between the wide and the compact pictures
  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(() => {
    const compact = isCompact();
    if (compact === st.compact || !st.net) return;
    st.compact = compact;
    try {
      redraw();
    } catch (err) {
      showMessage(err.message);
    }
  }) : null;
  if (resize) resize.observe(root);
  const onChange = () => {
    if (!st.saving) loadFromModel(false);
  };
  const traits = ["network", "x", "y", ...(view === "nudge" ? ["edge", "eps"] : ["step"])];
  for (const t of traits) model.on(`change:${t}`, onChange);
  return () => {
    if (resize) resize.disconnect();
    for (const t of traits) model.off(`change:${t}`, onChange);
  };
}

export default { render };
