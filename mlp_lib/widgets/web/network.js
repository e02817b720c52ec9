// network.js — the book's one drawing of a network: SVG text of columns of units (the input a⁰,
// then layers 1 … J), every edge a line, units numbered from 1 as in the book's subscripts.
//
// Used by the static network figures (NetworkDiagram, web/network_diagram.js) and by the live
// backward-pass views (web/backprop_views.js), which draw their numbers on top of netSkeleton.
// Numbers are written with ui.js's uiFmt, so ui.js comes before this file in the module.
//
// Sub- and superscripts are <tspan> elements shifted with dy (no TeX-like markup anywhere). Every
// SVG has a viewBox, width="100%" and a max-width, so it shrinks with the text column and never
// makes a page scroll sideways, and it has role="img" with an aria-label and a <title>.
//
// Names declared at the top level start with "net" or "NET_".

const NET_INK = "#222", NET_MUTED = "#666", NET_EDGE = "#b9bec7";
const NET_FORWARD = "#17803d", NET_BACKWARD = "#c0392b", NET_GRADIENT = "#b35c00", NET_HIGHLIGHT = "#1f5fbf";
const NET_FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif";
// The viewBox width of the pictures: about the book's text column at 1280 px, so a font size of 13
// in SVG units is about 13 px on screen there.
const NET_WIDTH = 720;
// Below this width of its box (a phone) a view draws the compact picture: a narrower viewBox, so
// that the same font sizes come out larger on the screen (text about 9 px or more at 390 px).
const NET_COMPACT_BELOW = 560;
const NET_COMPACT_WIDTH = 440;
const NET_SUP = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹", "-": "⁻" };
let netCounter = 0;

// ---------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------

/** An element id unique in the page (arrow markers are referenced by id). */
function netUid(prefix = "net") {
  netCounter += 1;
  return `${prefix}${netCounter}x${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/** SVG text for base_sub^sup: smaller <tspan>s shifted by dy, back on the baseline afterwards. */
function netSym(base, sub = null, sup = null, size = 13) {
  let out = uiEsc(base);
  const small = Math.max(Math.round(7.6 * size) / 10, 10); // indices stay ≥ 10 px at full width
  const down = Math.round(3 * size) / 10, up = Math.round(4.2 * size) / 10;
  let shift = 0;
  if (sub !== null && sub !== "") {
    out += `<tspan dy="${down}" font-size="${small}">${uiEsc(sub)}</tspan>`;
    shift += down;
  }
  if (sup !== null && sup !== "") {
    out += `<tspan dy="${Math.round((-up - shift) * 10) / 10}" font-size="${small}">${uiEsc(sup)}</tspan>`;
    shift = -up;
  }
  // dy needs a character to act on: a zero-width space carries the way back to the baseline
  if (shift) out += `<tspan dy="${Math.round(-shift * 10) / 10}">\u200b</tspan>`;
  return out;
}

/** One SVG <text> whose (x, y) is its baseline at the anchor; `body` is SVG text (netSym's or escaped). */
function netText(x, y, body, { size = 13, anchor = "middle", color = NET_INK, weight = null, extra = "" } = {}) {
  const w = weight ? ` font-weight="${weight}"` : "";
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${size}" text-anchor="${anchor}" fill="${color}"${w}${extra}>${body}</text>`;
}

/** Estimated width of an SVG text fragment: 0.56 em a character, indices smaller. */
function netTextWidth(fragment, size) {
  const plain = (s) => s.replace(/<[^>]+>/g, "").replace(/&(amp|lt|gt|quot|#39);/g, "x").replace(/\u200b/g, "");
  let nSmall = 0;
  for (const m of fragment.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)) nSmall += plain(m[1]).length;
  const nAll = plain(fragment).length;
  return 0.56 * size * (nAll - nSmall) + 0.56 * Math.max(0.76 * size, 10) * nSmall;
}

/** Lines of SVG text on a white rounded box (edges behind stay readable); (x, y) is the first
 * baseline at the box's left edge (side "right"), right edge ("left") or centre ("center"). */
function netLabelBox(x, y, lines, { size = 12, side = "right", color = NET_INK, pad = 4 } = {}) {
  const indices = lines.some((l) => l.includes("<tspan"));
  const lh = Math.round(size * (indices ? 17.5 : 14.5)) / 10; // room for a subscript above a superscript
  const width = Math.max(...lines.map((l) => netTextWidth(l, size))) + 2 * pad;
  const rise = indices ? 0.5 * size : 0, drop = indices ? 0.35 * size : 0;
  const height = (lines.length - 1) * lh + size + 2 * pad + rise + drop;
  const left = side === "right" ? x : side === "left" ? x - width : x - width / 2;
  const top = y - size - pad - rise + 1;
  const parts = [
    `<rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${width.toFixed(1)}" height="${height.toFixed(1)}" rx="4" fill="#fff" fill-opacity="0.92" stroke="#ddd"/>`,
  ];
  const tx = side === "center" ? x : left + pad, anchor = side === "center" ? "middle" : "start";
  lines.forEach((l, n) => parts.push(netText(tx, y + n * lh, l, { size, anchor, color })));
  return parts.join("");
}

/** The opening <svg> tag (scales with its box up to maxWidth px) and its <title>: `label` is the text alternative. */
function netSvgOpen(width, height, label, maxWidth = NET_WIDTH) {
  const l = uiEsc(label);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${Math.round(width)} ${Math.round(height)}" width="100%" ` +
    `role="img" aria-label="${l}" preserveAspectRatio="xMidYMid meet" ` +
    `style="display:block;width:100%;max-width:${Math.round(maxWidth)}px;height:auto;margin:0 auto;font-family:${NET_FONT}">` +
    `<title>${l}</title>`
  );
}

/** Arrowhead markers `${uid}-${name}`, one per colour: {name: colour}. */
function netArrowDefs(uid, colors) {
  let out = "<defs>";
  for (const [name, color] of Object.entries(colors)) {
    out +=
      `<marker id="${uid}-${name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" ` +
      `orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`;
  }
  return out + "</defs>";
}

// ---------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------

/**
 * Which units (numbered from 1) of a layer of n to draw; null marks a "⋮". All of them if
 * n ≤ maxUnits; otherwise the first maxUnits − 2, a "⋮" and the last, plus every unit in `keep`
 * (e.g. the end of a highlighted edge), with a "⋮" in each gap.
 */
export function netShownUnits(n, maxUnits = 5, keep = []) {
  if (!(maxUnits >= 3)) throw new Error(`expected maxUnits ≥ 3, got ${maxUnits}`);
  if (n <= maxUnits) return Array.from({ length: n }, (_, p) => p + 1);
  const units = new Set([...Array.from({ length: maxUnits - 2 }, (_, p) => p + 1), n]);
  for (const k of keep) if (k >= 1 && k <= n) units.add(k);
  const out = [];
  let prev = 0;
  for (const u of [...units].sort((a, b) => a - b)) {
    if (u > prev + 1) out.push(null);
    out.push(u);
    prev = u;
  }
  return out;
}

/**
 * Where everything goes: column x of each layer, and the y of each shown unit (slot), rows centred.
 * `keep` is {layer j: [units that must be shown]}; pos(j, i) is the centre of unit i of layer j.
 */
function netLayout(sizes, {
  maxUnits = Infinity, keep = {}, width = NET_WIDTH, left = 80, right = 80, top = 44, row = 62, bottom = 44, radius = 17, titleY = 20,
} = {}) {
  const J = sizes.length - 1;
  const all = (n) => Array.from({ length: n }, (_, p) => p + 1);
  const shown = sizes.map((n, j) => (Number.isFinite(maxUnits) ? netShownUnits(n, maxUnits, keep[j] || []) : all(n)));
  const rows = Math.max(...shown.map((s) => s.length));
  const x = sizes.map((_, j) => left + (j * (width - left - right)) / J);
  const y = shown.map((s) => {
    const offset = top + ((rows - s.length) * row) / 2;
    return s.map((_, p) => offset + p * row + row / 2);
  });
  const pos = (j, i) => [x[j], y[j][shown[j].indexOf(i)]];
  return { sizes, shown, x, y, radius, width, titleY, height: top + rows * row + bottom, pos };
}

/** The line of w_{i,k}^j from unit k of layer j−1 to unit i of layer j, stopping at the circles. */
function netEdgeLine(lay, j, i, k, { color = NET_EDGE, width = 1, marker = null, reverse = false, extra = "" } = {}) {
  const [x0, y0] = lay.pos(j - 1, k), [x1, y1] = lay.pos(j, i);
  const dx = x1 - x0, dy = y1 - y0, d = Math.hypot(dx, dy), r = lay.radius + 1;
  let ax = x0 + (dx * r) / d, ay = y0 + (dy * r) / d, bx = x1 - (dx * r) / d, by = y1 - (dy * r) / d;
  if (reverse) [ax, ay, bx, by] = [bx, by, ax, ay]; // drawn from unit i of layer j back to unit k
  const end = marker ? ` marker-end="url(#${marker})"` : "";
  return (
    `<line x1="${ax.toFixed(1)}" y1="${ay.toFixed(1)}" x2="${bx.toFixed(1)}" y2="${by.toFixed(1)}" stroke="${color}" ` +
    `stroke-width="${width}"${end} data-edge="${j},${i},${k}"${extra}/>`
  );
}

/** A circle around unit i of layer j (a highlight: no fill unless given). */
function netRing(lay, j, i, color, { width = 2.4, fill = "none", extra = "" } = {}) {
  const [x, y] = lay.pos(j, i);
  return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${lay.radius}" fill="${fill}" stroke="${color}" stroke-width="${width}"${extra}/>`;
}

function netLayerTitle(j, J) {
  if (j === 0) return "input " + netSym("a", null, "0");
  return `layer ${j}` + (j === J ? " (output)" : "");
}

/** Column titles, every edge between shown units, the circles, "⋮" and (footer) n_j under each column. */
function netSkeleton(lay, { header = true, footer = false, unitNumbers = true } = {}) {
  const J = lay.sizes.length - 1, parts = [];
  if (header) for (let j = 0; j <= J; j++) parts.push(netText(lay.x[j], lay.titleY, netLayerTitle(j, J), { weight: "600" }));
  for (let j = 1; j <= J; j++) {
    for (const i of lay.shown[j]) {
      for (const k of lay.shown[j - 1]) if (i !== null && k !== null) parts.push(netEdgeLine(lay, j, i, k));
    }
  }
  for (let j = 0; j <= J; j++) {
    lay.shown[j].forEach((i, slot) => {
      const x = lay.x[j], y = lay.y[j][slot];
      if (i === null) {
        parts.push(netText(x, y + 7, "⋮", { size: 22, color: NET_MUTED, extra: ' class="ellipsis"' }));
        return;
      }
      parts.push(
        `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${lay.radius}" fill="#fff" stroke="${j === 0 ? NET_MUTED : NET_INK}" stroke-width="1.3" data-unit="${j},${i}"/>`,
      );
      if (unitNumbers) parts.push(netText(x, y + 4.5, String(i), { size: 12, color: NET_MUTED }));
    });
  }
  if (footer) {
    for (let j = 0; j <= J; j++) {
      parts.push(netText(lay.x[j], lay.height - 14, netSym("n", String(j)) + ` = ${lay.sizes[j]}`, { color: NET_MUTED }));
    }
  }
  return parts;
}

// ---------------------------------------------------------------------------------------
// The network figure
// ---------------------------------------------------------------------------------------

/** The figure's text alternative when none is given: the sizes, and what is highlighted. */
export function netDiagramTitle(sizes, { edge = null, unit = null } = {}) {
  const J = sizes.length - 1;
  let title = `A network with layer sizes ${sizes.join(", ")}: the input and ${J} layer(s) as columns`;
  if (edge) title += `; the weight from unit ${edge[2]} of layer ${edge[0] - 1} to unit ${edge[1]} of layer ${edge[0]} is highlighted`;
  if (unit) title += `; unit ${unit[1]} of layer ${unit[0]} shows its pre-activation and activation`;
  return title;
}

/** The lines beside the highlighted unit i of layer j: the formulas of z_i^j and a_i^j, with their numbers if known. */
function netUnitLines(j, i, values, compact) {
  const zName = netSym("z", i, j), aName = netSym("a", i, j);
  const aLine = aName + " = σ(" + zName + ")";
  const zLine = zName + " = Σ" + netSym("", "k") + " " + netSym("w", `${i},k`, j) + " " + netSym("a", "k", j - 1) + " + " + netSym("b", i, j);
  if (compact) { // the numbers (or the names) only: the caption has the formula
    return values ? [`${zName} = ${uiFmt(values[0])}`, `${aName} = ${uiFmt(values[1])}`] : [zName, aLine];
  }
  return values ? [`${zLine} = ${uiFmt(values[0])}`, `${aLine} = ${uiFmt(values[1])}`] : [zLine, aLine];
}

/**
 * The network figure: layers sizes[0] … sizes[J] as columns of units.
 *   edge    [j, i, k]: the weight w_{i,k}^j drawn bold and labelled (with `weight`, its value)
 *   unit    [j, i]: unit i of layer j ≥ 1 highlighted, with z_i^j and a_i^j = σ(z_i^j) beside it
 *   values  [z, a]: the numbers of that unit (one sample)
 *   maxUnits  larger layers show the first maxUnits − 2 units, "⋮" and the last (and the highlighted ones)
 *   compact   the phone drawing: 440 wide, the unit's numbers without the formula
 * Sizes, edge and unit are checked by the Python side (NetworkDiagram).
 */
export function netDiagramSvg(sizes, {
  edge = null, unit = null, weight = null, values = null, maxUnits = 5, title = "", compact = false, maxWidth = NET_WIDTH, uid = netUid("nd"),
} = {}) {
  const J = sizes.length - 1, keep = {};
  const add = (j, i) => { (keep[j] = keep[j] || []).push(i); };
  if (edge) { add(edge[0], edge[1]); add(edge[0] - 1, edge[2]); }
  if (unit) add(unit[0], unit[1]);
  const lay = netLayout(sizes, { maxUnits, keep, titleY: 24, ...(compact ? { width: NET_COMPACT_WIDTH, left: 50, right: 62 } : {}) });
  const parts = [netSvgOpen(lay.width, lay.height, title || netDiagramTitle(sizes, { edge, unit }), maxWidth)];
  parts.push(netArrowDefs(uid, { hl: NET_HIGHLIGHT }), ...netSkeleton(lay, { footer: true }));
  if (edge) {
    const [j, i, k] = edge, [x0, y0] = lay.pos(j - 1, k), [x1, y1] = lay.pos(j, i);
    parts.push(netEdgeLine(lay, j, i, k, { color: NET_HIGHLIGHT, width: 3.2, marker: `${uid}-hl` }));
    let body = netSym("w", `${i},${k}`, String(j), 14);
    if (weight !== null && weight !== undefined) body += " = " + uiFmt(weight);
    parts.push(netLabelBox((x0 + x1) / 2, (y0 + y1) / 2 - 10, [body], { size: 14, side: "center", color: NET_HIGHLIGHT }));
    parts.push(netRing(lay, j - 1, k, NET_HIGHLIGHT), netRing(lay, j, i, NET_HIGHLIGHT));
  }
  if (unit) {
    const [j, i] = unit, [x, y] = lay.pos(j, i);
    parts.push(netRing(lay, j, i, NET_GRADIENT, { width: 2.6, fill: "#fff3e0" }));
    parts.push(netText(x, y + 4.5, String(i), { size: 12, color: NET_GRADIENT, weight: "600" }));
    const lines = netUnitLines(j, i, values, compact);
    // Right of the unit, unless that is the edge of the picture or where the edge's label sits.
    const rightBusy = j === J || (edge && edge[0] === j + 1), leftBusy = edge && edge[0] === j;
    const box = { size: 12, color: NET_GRADIENT };
    if (!rightBusy) parts.push(netLabelBox(x + lay.radius + 8, y - 4, lines, { ...box, side: "right" }));
    else if (!leftBusy) parts.push(netLabelBox(x - lay.radius - 8, y - 4, lines, { ...box, side: "left" }));
    else parts.push(netLabelBox(x, y + lay.radius + 18, lines, { ...box, side: "center" }));
  }
  parts.push("</svg>");
  return parts.join("");
}
