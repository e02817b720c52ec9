// backprop_pictures.js — the SVG pictures of the live backward-pass views (web/backprop_views.js):
// one step of the step-through on the network, the network whose edges pick the nudged weight,
// and the plot of ΔL against ε. The network itself is drawn by web/network.js (netLayout,
// netSkeleton, netEdgeLine, …); these functions add the step's numbers and highlights. Every
// picture is an <svg role="img"> with an aria-label (netSvgOpen).
//
// Names declared at the top level start with "bv" or "BV_".

/** The colour of each kind of number drawn on a unit. */
const BV_UNIT_COLORS = { a: NET_FORWARD, Σ: NET_BACKWARD, ϕ: NET_BACKWARD, "∇b": NET_BACKWARD };

/** The layout of the step-through's picture: wide (the text column) or compact (a phone). */
function bvStepLayout(sizes, compact) {
  return compact
    ? netLayout(sizes, { width: NET_COMPACT_WIDTH, top: 30, row: 74, bottom: 22, left: 48, right: 62 })
    : netLayout(sizes, { top: 30, row: 88, bottom: 6, left: 110, right: 150 });
}

/** The edges of layer j in the step's colour: forward (arrows), backward (arrows back) or gradient. */
function bvStepEdges(lay, [j, dir], uid) {
  const color = { forward: NET_FORWARD, backward: NET_BACKWARD, gradient: NET_GRADIENT }[dir];
  const marker = { forward: `${uid}-f`, backward: `${uid}-b`, gradient: null }[dir];
  const parts = [];
  for (let i = 1; i <= lay.sizes[j]; i++) {
    for (let k = 1; k <= lay.sizes[j - 1]; k++) {
      parts.push(netEdgeLine(lay, j, i, k, { color, width: 2.2, marker, reverse: dir === "backward" }));
    }
  }
  return parts;
}

/** The lines of the label beside unit i of layer j: the step's number, with z, y and the factors where it has them. */
function bvUnitLines(u, name, values, j, i) {
  const head = name === "Σ"
    ? "Σ" + netSym("", "k") + " " + netSym("w", `k,${i}`, j + 1) + " " + netSym("ϕ", "k", j + 1)
    : netSym(name, i, j);
  const lines = [`${head} = ${uiFmt(values[i - 1])}`];
  if (u.z && u.z[0] === j) lines.unshift(`${netSym("z", i, j)} = ${uiFmt(u.z[1][i - 1])}`);
  if (u.y && u.y[0] === j) lines.push(`${netSym("y", i)} = ${uiFmt(u.y[1][i - 1])}`);
  if (u.detail && u.detail[0] === j) {
    const names = { "∇L": "∂L/∂" + netSym("a", i, j), "σ′": "σ′(" + netSym("z", i, j) + ")", Σ: "Σ" };
    lines.unshift(...u.detail[1].map(([nm, arr]) => `${names[nm]} = ${uiFmt(arr[i - 1])}`));
  }
  return lines;
}

/** The step's numbers on its units: labelled boxes beside them, or (compact) one number under each. */
function bvStepUnits(lay, step, compact) {
  const parts = [], u = step.units;
  for (const [key, [name, values]] of Object.entries(u.layers)) {
    const j = Number(key), color = BV_UNIT_COLORS[name];
    for (let i = 1; i <= lay.sizes[j]; i++) {
      const [x, y] = lay.pos(j, i);
      parts.push(netRing(lay, j, i, color));
      if (compact) {
        const halo = ' stroke="#fff" stroke-width="3" paint-order="stroke"';
        parts.push(netText(x, y + lay.radius + 14, uiFmt(values[i - 1]), { size: 13, color, weight: "600", extra: halo }));
        continue;
      }
      const lines = bvUnitLines(u, name, values, j, i);
      const first = y + 4 - (lines.length - 1) * 10.5;
      const leftSide = step.edges && j === step.edges[0] - 1; // away from the highlighted edges
      const side = leftSide ? "left" : "right";
      parts.push(netLabelBox(x + (leftSide ? -1 : 1) * (lay.radius + 6), first, lines, { size: 12, side, color }));
    }
  }
  return parts;
}

/** The height the matrix of an Eq. (3) step adds below the network. */
function bvMatrixHeight(step, compact) {
  return step.matrix ? 44 + 20 * step.matrix[1].length + (compact ? 22 : 0) : 0;
}

/** The matrix ∇_{w^j} L under the network, between brackets; every column inside the picture. */
function bvStepMatrix(lay, [name, rows], compact) {
  const W = lay.width, parts = [];
  const cells = rows.map((row) => row.map((v) => uiFmt(v)));
  const nc = rows[0].length, widest = Math.max(...cells.flat().map((c) => c.length));
  // columns as wide as the longest number, but all of them inside the picture (smaller type if need be)
  const cw = Math.min(widest * 7.4 + (compact ? 6 : 14), (W - 16) / nc);
  const cellSize = widest * 6.6 + 4 > cw ? 11 : 12;
  const y0 = lay.height + 4 + (compact ? 22 : 0), x0 = W / 2 - (cw * nc) / 2 + (compact ? 0 : 30);
  const label = netSym("∇", name, null, 14) + "L" + (compact ? "" : " = ");
  if (compact) parts.push(netText(W / 2, y0 - 14, label, { size: 14, color: NET_GRADIENT }));
  else parts.push(netText(x0 - 8, y0 + 10 * rows.length + 6, label, { size: 14, anchor: "end", color: NET_GRADIENT }));
  const top = y0 - 6, bottom = y0 + 20 * rows.length - 2;
  for (const [dx, xb] of [[5, x0 - 2], [-5, x0 + cw * nc + 2]]) {
    parts.push(`<path d="M${(xb + dx).toFixed(1)},${top} L${xb.toFixed(1)},${top} L${xb.toFixed(1)},${bottom} L${(xb + dx).toFixed(1)},${bottom}" fill="none" stroke="${NET_GRADIENT}" stroke-width="1.3"/>`);
  }
  cells.forEach((row, r) => row.forEach((c, q) => {
    parts.push(netText(x0 + cw * q + cw / 2, y0 + 20 * r + 10, c, { size: cellSize, color: NET_GRADIENT, extra: ' class="cell"' }));
  }));
  const note = compact ? "row i, column k: edge from unit k to i" : "row i, column k: the edge from unit k to unit i";
  parts.push(netText(W / 2, bottom + 18, note, { size: 12, color: NET_MUTED }));
  return parts;
}

/** Step n of `total` drawn on the network; `compact` (a narrow view): one number under each unit instead of labelled boxes. */
function bvStepSvg(lay, step, uid, n, total, compact = false) {
  const parts = [netSvgOpen(lay.width, lay.height + bvMatrixHeight(step, compact), `Step ${n} of ${total}: ${step.title}`)];
  parts.push(netArrowDefs(uid, { f: NET_FORWARD, b: NET_BACKWARD }));
  parts.push(...netSkeleton(lay, { unitNumbers: false }));
  if (step.edges) parts.push(...bvStepEdges(lay, step.edges, uid));
  for (let j = 0; j < lay.sizes.length; j++) { // unit numbers above the edges just drawn
    for (let i = 1; i <= lay.sizes[j]; i++) {
      const [x, y] = lay.pos(j, i);
      parts.push(netText(x, y + 4.5, String(i), { size: 12, color: NET_MUTED }));
    }
  }
  parts.push(...bvStepUnits(lay, step, compact));
  if (step.matrix) parts.push(...bvStepMatrix(lay, step.matrix, compact));
  parts.push("</svg>");
  return parts.join("");
}

/** The network with w_{i,k}^j bold and labelled; every edge can be clicked to choose the weight. */
function bvNudgeNetworkSvg(net, edge, uid, compact = false) {
  const lay = compact
    ? netLayout(net.sizes, { width: NET_COMPACT_WIDTH, top: 34, bottom: 12, left: 44, right: 58 })
    : netLayout(net.sizes, { top: 34, bottom: 12 });
  const [j, i, k] = edge;
  const title = `The network; the weight from unit ${k} of layer ${j - 1} to unit ${i} of layer ${j} is highlighted. Click an edge, or choose it in the lists below, to nudge its weight instead.`;
  const parts = [netSvgOpen(lay.width, lay.height, title), netArrowDefs(uid, { hl: NET_HIGHLIGHT }), ...netSkeleton(lay)];
  parts.push(netEdgeLine(lay, j, i, k, { color: NET_HIGHLIGHT, width: 3.2, marker: `${uid}-hl` }));
  // wide transparent copies of every edge take the clicks (a 1 px line is hard to hit)
  const pick = ' class="bv-pick" style="cursor:pointer;pointer-events:stroke"';
  for (let jj = 1; jj <= net.J; jj++) {
    for (let ii = 1; ii <= net.sizes[jj]; ii++) {
      for (let kk = 1; kk <= net.sizes[jj - 1]; kk++) parts.push(netEdgeLine(lay, jj, ii, kk, { color: "transparent", width: 12, extra: pick }));
    }
  }
  const [x0, y0] = lay.pos(j - 1, k), [x1, y1] = lay.pos(j, i);
  const w = net.W[j].data[(i - 1) * net.W[j].cols + (k - 1)];
  const body = netSym("w", `${i},${k}`, j, 14) + " = " + uiFmt(w);
  parts.push(`<g style="pointer-events:none">${netLabelBox((x0 + x1) / 2, (y0 + y1) / 2 - 10, [body], { size: 14, side: "center", color: NET_HIGHLIGHT })}</g>`);
  const still = ' style="pointer-events:none"';
  parts.push(netRing(lay, j - 1, k, NET_HIGHLIGHT, { extra: still }), netRing(lay, j, i, NET_HIGHLIGHT, { extra: still }));
  parts.push("</svg>");
  return parts.join("");
}

/** About n round tick values between lo and hi (steps of 1, 2, 2.5 or 5 times a power of ten). */
function bvNiceTicks(lo, hi, n = 5) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-12 * span; t += step) ticks.push(Math.abs(t) < 1e-12 * span ? 0 : t);
  return ticks;
}

/** The frame of the ΔL plot: the box, grid lines with their values, the zero line and the axis titles. */
function bvPlotFrame(f, lo, hi, e0, e1, compact) {
  const { W, H, left, right, top, bottom, px, py } = f, p = [];
  for (const t of bvNiceTicks(lo, hi)) {
    p.push(`<line x1="${left}" y1="${py(t).toFixed(1)}" x2="${W - right}" y2="${py(t).toFixed(1)}" stroke="#eee"/>`);
    p.push(netText(left - 6, py(t) + 4, uiFmt(t), { size: 12, anchor: "end", color: NET_MUTED }));
  }
  for (const t of bvNiceTicks(e0, e1, compact ? 6 : 8)) {
    p.push(`<line x1="${px(t).toFixed(1)}" y1="${top}" x2="${px(t).toFixed(1)}" y2="${H - bottom}" stroke="#eee"/>`);
    p.push(netText(px(t), H - bottom + 17, uiFmt(t), { size: 12, color: NET_MUTED }));
  }
  p.push(`<rect x="${left}" y="${top}" width="${W - left - right}" height="${H - top - bottom}" fill="none" stroke="#999"/>`);
  if (lo < 0 && 0 < hi) p.push(`<line x1="${left}" y1="${py(0).toFixed(1)}" x2="${W - right}" y2="${py(0).toFixed(1)}" stroke="#999"/>`);
  p.push(netText((left + W - right) / 2, H - 10, "ε (the change of the weight)", { size: 13 }));
  const mid = (top + H - bottom) / 2;
  p.push(netText(18, mid, "ΔL", { size: 13, extra: ` transform="rotate(-90 18 ${mid.toFixed(1)})"` }));
  return p;
}

/** The plot of the actual ΔL (solid) and the prediction ϕ a ε (dashed) against ε, with markers at eps. */
function bvNudgePlot(d, eps, actualAtEps, compact = false) {
  const W = compact ? NET_COMPACT_WIDTH : NET_WIDTH, H = compact ? 320 : 330, left = compact ? 64 : 78, right = compact ? 14 : 24;
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
  const p = [netSvgOpen(W, H, `Change of the loss when the weight from unit ${k} of layer ${j - 1} to unit ${i} of layer ${j} is changed by epsilon between ${uiFmt(e0)} and ${uiFmt(e1)}: the actual change (solid) and the first-order prediction phi times a times epsilon (dashed)`)];
  p.push(...bvPlotFrame({ W, H, left, right, top, bottom, px, py }, lo, hi, e0, e1, compact));
  const pts = (vals) => d.eps.map((e, s) => `${px(e).toFixed(1)},${py(vals[s]).toFixed(1)}`).join(" ");
  p.push(`<polyline points="${pts(d.predicted)}" fill="none" stroke="${NET_BACKWARD}" stroke-width="2" stroke-dasharray="7 5"/>`);
  p.push(`<polyline points="${pts(d.actual)}" fill="none" stroke="${NET_HIGHLIGHT}" stroke-width="2.4"/>`);
  const x = px(eps).toFixed(1);
  p.push(`<line class="bv-eps-line" x1="${x}" y1="${top}" x2="${x}" y2="${H - bottom}" stroke="#888" stroke-dasharray="3 3"/>`);
  p.push(`<circle class="bv-predicted" cx="${x}" cy="${clampY(d.phi * d.a * eps).toFixed(1)}" r="5" fill="${NET_BACKWARD}"/>`);
  p.push(`<circle class="bv-actual" cx="${x}" cy="${clampY(actualAtEps).toFixed(1)}" r="5" fill="${NET_HIGHLIGHT}"/>`);
  p.push(`<line x1="${left}" y1="20" x2="${left + 30}" y2="20" stroke="${NET_HIGHLIGHT}" stroke-width="2.4"/>`);
  p.push(netText(left + 36, 24, "actual ΔL (forward pass re-run)", { size: 12, anchor: "start" }));
  const lx = compact ? left : left + 290, ly = compact ? 40 : 20;
  p.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 30}" y2="${ly}" stroke="${NET_BACKWARD}" stroke-width="2" stroke-dasharray="7 5"/>`);
  p.push(netText(lx + 36, ly + 4, "predicted " + netSym("ϕ", i, j, 12) + " " + netSym("a", k, j - 1, 12) + " ε", { size: 12, anchor: "start" }));
  p.push("</svg>");
  return p.join("");
}
