// backprop_steps.js — the numbers of the live backward-pass views (web/backprop_views.js): one
// forward and one backward pass of a small network on one sample, step by step in reading order
// (backwardSteps), and "nudge one weight" (nudgeData, lossChange). engine.js computes every number
// (forward, gradients, lossValue); tests/widgets/test_backprop_views.py runs these functions under
// node on random networks and compares them with mlp_lib's (mlp_lib.widgets.backprop_views:
// backward_steps and nudge_data). Numbers are written with ui.js's uiFmt.
//
// Names declared at the top level start with "bv" or "BV_".

/** HTML for base_sub^sup (captions and read-outs). */
function bvH(base, sub = null, sup = null) {
  let out = String(base);
  if (sub !== null && sub !== "") out += `<sub>${sub}</sub>`;
  if (sup !== null && sup !== "") out += `<sup>${sup}</sup>`;
  return out;
}

/** "(v₁, v₂, …)" with three significant digits each. */
function bvVec(values) {
  return "(" + Array.from(values, (v) => uiFmt(v)).join(", ") + ")";
}

/** Column 0 of a matrix as a plain array (the sample's numbers). */
function bvColumn(M) {
  return Array.from({ length: M.rows }, (_, i) => M.data[i * M.cols]);
}

/** The sample as two one-column matrices, after checking its lengths against the network. */
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
  const fp = forward(net, X), g = gradients(net, X, Y);
  return [...bvForwardSteps(net, X, Y, fp, g), ...bvErrorSteps(net, Y, fp, g), ...bvGradientSteps(net, fp, g)];
}

/** The input, z^j and a^j of every layer, and the loss. */
function bvForwardSteps(net, X, Y, fp, g) {
  const J = net.J, H = bvH, col = bvColumn;
  const steps = [
    {
      title: "The input",
      equation: "",
      caption: `The input ${H("a", null, "0")} = x = ${bvVec(col(X))}, one sample. Values of the forward pass are <span style="color:${NET_FORWARD}">green</span>, error signals and gradients <span style="color:${NET_BACKWARD}">red</span>.`,
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
    caption: `The loss compares the output ${H("a", null, J)} = ${bvVec(aJ)} with the target y = ${bvVec(col(Y))}: L = ${uiFmt(g.loss, 4)} (${net.loss.name.toUpperCase()}).`,
    units: { layers: { [J]: ["a", aJ] }, y: [J, col(Y)] },
    data: { L: g.loss },
  });
  return steps;
}

/** Eq. (1) at the output, then Eq. (2) in two halves for each hidden layer, J−1 … 1. */
function bvErrorSteps(net, Y, fp, g) {
  const J = net.J, H = bvH, col = bvColumn, steps = [];
  const phi = [null, ...g.phi.slice(1).map(col)];
  const gradA = col(net.loss.gradient(fp.a[J], Y));
  const dsigJ = col(net.activations[J].derivative(fp.z[J]));
  steps.push({
    title: `Eq. (1): ϕ${NET_SUP[J] ?? J}`,
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
  return steps;
}

/** Eq. (3) for each layer, J … 1 (the matrix ∇_{w^j} L), then Eq. (4) for all layers at once. */
function bvGradientSteps(net, fp, g) {
  const J = net.J, H = bvH, col = bvColumn, steps = [];
  for (let j = J; j >= 1; j--) {
    const dW = toRows(g.dW[j]), aPrev = col(fp.a[j - 1]), phi = col(g.phi[j]);
    steps.push({
      title: `Eq. (3), layer ${j}`,
      equation: "Eq. (3)",
      caption: `Eq. (3): ${H("∇", H("w", null, j))}L = ${H("ϕ", null, j)} (${H("a", null, j - 1)})ᵀ. The gradient of the weight on each edge is the error at its output end times the signal at its input end: ∂L/∂${H("w", "i,k", j)} = ${H("ϕ", "i", j)} ${H("a", "k", j - 1)}; for example ${H("ϕ", 1, j)} ${H("a", 1, j - 1)} = ${uiFmt(phi[0])} × ${uiFmt(aPrev[0])} = ${uiFmt(dW[0][0])}.`,
      units: { layers: { [j]: ["ϕ", phi], [j - 1]: ["a", aPrev] } },
      edges: [j, "gradient"],
      matrix: [`w${NET_SUP[j] ?? j}`, dW],
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
