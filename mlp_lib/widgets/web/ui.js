// ui.js — the controls and SVG charts the explorers share (plain DOM, no dependencies).
//
// An explorer's front end (web/<name>.js) builds its panel from these parts:
//
//   const root = uiPanel(el, "Saturation of a sigmoid output");   // a titled, keyboard-friendly box
//   const lr = uiSlider({ label: "Learning rate η", min: -2, max: 1.5, step: 0.1, value: 1, log: true,
//                         onChange: (v) => restart() });
//   const buttons = uiButtons([{ label: "Step", title: "one gradient step", onClick: step }, …]);
//   const status = uiStatus();                                     // announced to screen readers
//   const figure = uiFigure();                                     // one or more charts side by side
//   root.append(uiControls([lr.el, …]), buttons.el, status, figure.el);
//   figure.draw([{ title, xLabel, yLabel, lines: […], dots: […], summary: "…" }, …]);
//
// Every control has a visible label tied to it (its accessible name), is reachable with Tab and
// shows its focus; every chart is an <svg role="img"> whose aria-label is the chart's summary.
// Charts scale with the page (viewBox) and wrap below each other on a phone.

export const UI_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const UI_INK = "#222";
const UI_GRID = "#e3e3e3";
const UI_FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif";
const UI_SUP = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹", "-": "⁻" };
/** Axis limits are clamped to ±UI_LIMIT (a plotted 1e308 must not make the tick loop endless). */
const UI_LIMIT = 1e150;
/** A legend's text: its width per character (11 px system font, a generous average) in SVG units. */
const UI_LEGEND_CHAR = 6.8;
/** A legend drawn inside the plot takes at most this share of the plot's height; a taller one goes below. */
const UI_LEGEND_SHARE = 0.34;
let uiCount = 0;

const UI_CSS = `
.ui-panel { font: 13px/1.4 ${UI_FONT}; color: ${UI_INK}; border: 1px solid #d0d4da; border-radius: 6px;
  padding: 8px 10px; margin: 6px 0; max-width: 760px; background: #fff; container-type: inline-size; }
.ui-panel .ui-title { font-weight: 600; margin: 0 0 6px; }
.ui-controls { display: flex; flex-wrap: wrap; gap: 6px 18px; margin-bottom: 6px; }
.ui-control { display: flex; align-items: center; gap: 6px; min-width: 0; }
.ui-control label { white-space: nowrap; }
.ui-control input[type=range] { width: 150px; max-width: 40vw; }
.ui-control output { min-width: 3.5em; font-variant-numeric: tabular-nums; }
.ui-control input[type=text] { width: 12em; max-width: 60vw; }
.ui-buttons { display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0 6px; }
.ui-buttons button { font: inherit; padding: 3px 12px; border: 1px solid #8a929c; border-radius: 4px;
  background: #f6f8fa; color: ${UI_INK}; cursor: pointer; min-height: 30px; }
.ui-buttons button.ui-primary { background: #1f6f3f; border-color: #1f6f3f; color: #fff; }
.ui-buttons button:disabled { opacity: 0.55; cursor: default; }
.ui-panel :focus-visible { outline: 3px solid #1f5fbf; outline-offset: 2px; }
.ui-status { min-height: 1.4em; margin: 2px 0 4px; font-variant-numeric: tabular-nums; }
.ui-status .ui-warn { color: #9a3412; font-weight: 600; }
.ui-figure { display: flex; flex-wrap: wrap; gap: 6px; }
.ui-chart { flex: 1 1 220px; min-width: 0; max-width: 360px; }
.ui-chart svg { display: block; width: 100%; height: auto; }
.ui-table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.ui-table td, .ui-table th { border: 1px solid #d0d4da; padding: 2px 6px; text-align: right; }
`;

// ---------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------
/** A number with `digits` significant digits, a real minus sign and ·10ⁿ outside [1e-4, 10^digits). */
export function uiFmt(v, digits = 3) {
  v = Number(v);
  if (v === 0) return "0";
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "∞" : "−∞";
  const [mant, expText] = v.toExponential(digits - 1).split("e");
  const exp = parseInt(expText, 10);
  let text;
  if (exp < -4 || exp >= digits) {
    text = `${Number(mant)}·10${String(exp).split("").map((c) => UI_SUP[c]).join("")}`;
  } else {
    text = String(Number(v.toPrecision(digits)));
  }
  return text.replace("-", "−");
}

/** `s` with the five HTML special characters escaped. */
export function uiEsc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

// ---------------------------------------------------------------------------------------
// Controls
// ---------------------------------------------------------------------------------------
/** An element: `uiEl("div", { class: "x", text: "…" }, [children])` (attrs `text` and `html` set the content). */
export function uiEl(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "html") node.innerHTML = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function uiId(kind) {
  uiCount += 1;
  return `ui-${kind}-${uiCount}-${Math.random().toString(36).slice(2, 7)}`;
}

/** The explorer's box inside `el` (anywidget's element), with its title; returns the box to fill. */
export function uiPanel(el, title) {
  const root = el.getRootNode ? el.getRootNode() : document;
  const host = root.head || root;
  if (host && !(host.querySelector && host.querySelector("style[data-ui-css]"))) {
    const style = uiEl("style", { "data-ui-css": true, text: UI_CSS });
    (host.appendChild ? host : document.head).appendChild(style);
  }
  el.replaceChildren();
  el.classList.add("jupyter-widgets"); // a Jupyter widget like the others (pages and tests look for the class)
  const panel = uiEl("section", { class: "ui-panel", "aria-label": title });
  if (title) panel.append(uiEl("div", { class: "ui-title", text: title }));
  el.append(panel);
  return panel;
}

/**
 * Set traits from the page and send them to Python. `own.saving` is raised meanwhile, so that the
 * view's own change listeners know the change came from the page itself; a static page has no
 * kernel to save to, which is not an error.
 */
export function uiSave(model, changes, own) {
  own.saving = true;
  try {
    for (const [key, value] of Object.entries(changes)) model.set(key, value);
    try {
      model.save_changes();
    } catch (err) {
      /* no kernel */
    }
  } finally {
    own.saving = false;
  }
}

/** A row of controls that wraps on narrow screens. */
export function uiControls(children) {
  return uiEl("div", { class: "ui-controls" }, children);
}

/**
 * A labelled range slider. `log: true` makes min/max/step powers of ten (the value is 10^position).
 * `onChange(value)` fires when the reader lets go (or on every move with `live: true`).
 * Returns { el, input, get value(), set value(v) } (setting does not call onChange).
 */
export function uiSlider({ label, min, max, step, value, log = false, live = false, format = (v) => uiFmt(v, 3), onChange = () => {} }) {
  const id = uiId("slider");
  const toPos = (v) => (log ? Math.log10(v) : v);
  const fromPos = (p) => (log ? Number((10 ** p).toPrecision(12)) : Number(p));
  const input = uiEl("input", { type: "range", id, min, max, step, value: toPos(value) });
  const out = uiEl("output", { for: id, "aria-hidden": "true", text: format(value) }); // the value is in aria-valuetext
  // the value in use: a value set off the slider's grid (from Python) is shown as it is, not as
  // the grid point the browser puts the thumb on, until the reader moves the slider
  let current = value;
  const show = (v) => {
    current = v;
    out.textContent = format(v);
    input.setAttribute("aria-valuetext", `${label} ${format(v)}`);
    return v;
  };
  show(value);
  input.addEventListener("input", () => {
    const v = show(fromPos(input.value));
    if (live) onChange(v);
  });
  input.addEventListener("change", () => {
    const v = show(fromPos(input.value));
    if (!live) onChange(v);
  });
  const el = uiEl("div", { class: "ui-control" }, [uiEl("label", { for: id, text: label }), input, out]);
  return {
    el,
    input,
    get value() {
      return current;
    },
    set value(v) {
      input.value = toPos(v);
      show(v);
    },
  };
}

/**
 * A labelled drop-down; `options` is [[value, text], …] with distinct values (numbers or strings).
 * onChange and `value` give the value as given (a number stays a number); the <option>s carry
 * String(value), so the page's markup says what each option is.
 */
export function uiSelect({ label, options, value, onChange = () => {} }) {
  const id = uiId("select");
  const select = uiEl("select", { id });
  options.forEach(([v, text]) => select.append(uiEl("option", { value: String(v), text, selected: v === value })));
  const chosen = () => options.find(([o]) => String(o) === select.value)[0];
  select.addEventListener("change", () => onChange(chosen()));
  const el = uiEl("div", { class: "ui-control" }, [uiEl("label", { for: id, text: label }), select]);
  return {
    el,
    select,
    get value() {
      return chosen();
    },
    set value(v) {
      if (options.some(([o]) => o === v)) select.value = String(v);
    },
  };
}

/**
 * A labelled text box that reads numbers: `parse(text)` returns the value or throws an Error whose
 * message is shown next to the box (aria-invalid set); `onChange(value)` gets only valid values.
 */
export function uiTextInput({ label, value, parse, onChange = () => {}, width = null }) {
  const id = uiId("text");
  const input = uiEl("input", { type: "text", id, value, spellcheck: "false", autocomplete: "off" });
  if (width) input.style.width = width;
  const message = uiEl("span", { class: "ui-warn", role: "alert" });
  input.addEventListener("change", () => {
    try {
      const v = parse(input.value);
      message.textContent = "";
      input.removeAttribute("aria-invalid");
      onChange(v);
    } catch (err) {
      message.textContent = err.message;
      input.setAttribute("aria-invalid", "true");
    }
  });
  const el = uiEl("div", { class: "ui-control" }, [uiEl("label", { for: id, text: label }), input, message]);
  return { el, input, message };
}

/** A row of buttons: [{ label, title, onClick, primary }] → { el, buttons: [HTMLButtonElement] }. */
export function uiButtons(specs) {
  const buttons = specs.map((s) => {
    const b = uiEl("button", { type: "button", title: s.title || null, class: s.primary ? "ui-primary" : null, text: s.label });
    b.addEventListener("click", () => s.onClick());
    return b;
  });
  return { el: uiEl("div", { class: "ui-buttons" }, buttons), buttons };
}

/** The status line, read out by screen readers when it changes (set its innerHTML). */
export function uiStatus() {
  return uiEl("div", { class: "ui-status", role: "status", "aria-live": "polite" });
}

// ---------------------------------------------------------------------------------------
// Charts
// ---------------------------------------------------------------------------------------
function uiFinite(values) {
  return values.filter((v) => Number.isFinite(v));
}

function uiLimits(values, log, given) {
  if (given) return given.map((v) => (log ? Math.log10(v) : v));
  let vs = uiFinite(values);
  if (log) vs = vs.filter((v) => v > 0).map((v) => Math.log10(v));
  vs = vs.map((v) => Math.max(-UI_LIMIT, Math.min(UI_LIMIT, v)));
  if (!vs.length) return [0, 1];
  let lo = Math.min(...vs);
  let hi = Math.max(...vs);
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
    const pad = log ? 0.5 : Math.max(Math.abs(hi) * 0.1, 0.5);
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

function uiTicks(lo, hi, log) {
  if (log) {
    const a = Math.ceil(lo - 1e-9);
    const b = Math.floor(hi + 1e-9);
    const every = Math.max(1, Math.ceil((b - a + 1) / 6));
    const out = [];
    for (let p = a; p <= b && out.length < 12; p += every) out.push(p);
    if (hi - lo < 2.5) {
      // a decade or two: 2× and 5× too, so the axis has more than one label
      for (let p = Math.floor(lo); p <= hi; p++) {
        for (const f of [2, 5]) {
          const t = p + Math.log10(f);
          if (t >= lo && t <= hi) out.push(t);
        }
      }
      out.sort((x, y) => x - y);
    }
    return out;
  }
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [lo];
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const unit = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((u) => span / u <= 6) || 10 * mag;
  const out = [];
  for (let t = Math.ceil(lo / unit) * unit; t <= hi + unit * 1e-9 && out.length < 12; t += unit) out.push(Math.abs(t) < unit * 1e-9 ? 0 : t);
  return out;
}

function uiTickText(t, log) {
  if (log && Number.isInteger(t)) return t === 0 ? "1" : `10${String(t).split("").map((c) => UI_SUP[c]).join("")}`;
  return uiFmt(log ? 10 ** t : t, log ? 1 : 3);
}

/**
 * One chart as SVG markup. spec = {
 *   title, xLabel, yLabel, summary (the text alternative), width = 320, height = 230,
 *   xLog, yLog, xLimits: [lo, hi], yLimits: [lo, hi]  (limits in data units; default: fit the data),
 *   lines: [{ x: [], y: [], color, label, dash, width }],
 *   dots:  [{ x, y, color, r, label }],
 *   bars:  { labels: [], values: [], colors: [] }  (categorical bars; x is then the category),
 *   hlines: [{ y, color, dash, label }], vlines: [{ x, color, dash, label }],
 *   legend: "best" (default: the corner covering the fewest points) | "upper left" | "upper right" | "lower left" | "lower right" | null }
 * A legend wider than the plot or taller than a third of it (many layers, long labels) goes below
 * the chart instead, in rows, and the SVG grows by their height (its viewBox is W × (H + rows)).
 * Points that are not finite (or ≤ 0 on a log axis) break a line instead of being drawn.
 */
export function uiChart(spec) {
  const W = spec.width || 320;
  const H = spec.height || 230;
  const m = { l: 50, r: 10, t: spec.title ? 22 : 8, b: spec.xLabel ? 38 : 24 };
  const lines = spec.lines || [];
  const dots = spec.dots || [];
  const bars = spec.bars || null;
  const xs = [...lines.flatMap((s) => s.x), ...dots.map((d) => d.x), ...(spec.vlines || []).map((v) => v.x)];
  const ys = [...lines.flatMap((s) => s.y), ...dots.map((d) => d.y), ...(spec.hlines || []).map((h) => h.y)];
  if (bars) ys.push(...bars.values, spec.yLog ? NaN : 0);
  const [x0, x1] = bars ? [-0.6, bars.values.length - 0.4] : uiLimits(xs, spec.xLog, spec.xLimits);
  const [y0, y1] = uiLimits(ys, spec.yLog, spec.yLimits);
  const px = (x) => m.l + ((spec.xLog ? Math.log10(x) : x) - x0) / (x1 - x0) * (W - m.l - m.r);
  const py = (y) => H - m.b - ((spec.yLog ? Math.log10(y) : y) - y0) / (y1 - y0) * (H - m.t - m.b);
  const ok = (x, y) => Number.isFinite(x) && Number.isFinite(y) && !(spec.xLog && x <= 0) && !(spec.yLog && y <= 0);
  const clampY = (v) => Math.max(m.t - 2, Math.min(H - m.b + 2, v));
  const out = [];
  const label = spec.summary || spec.title || "chart";
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${uiEsc(label)}" font-family="${UI_FONT}" font-size="11">`);
  out.push(`<title>${uiEsc(label)}</title>`);
  const clip = uiId("clip");
  out.push(`<clipPath id="${clip}"><rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}"/></clipPath>`);
  // grid and ticks
  for (const t of uiTicks(y0, y1, spec.yLog)) {
    const y = py(spec.yLog ? 10 ** t : t);
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" stroke="${UI_GRID}"/>`);
    out.push(`<text x="${m.l - 4}" y="${y + 4}" text-anchor="end" fill="${UI_INK}">${uiEsc(uiTickText(t, spec.yLog))}</text>`);
  }
  if (bars) {
    bars.labels.forEach((name, i) => out.push(`<text x="${px(i)}" y="${H - m.b + 14}" text-anchor="middle" fill="${UI_INK}">${uiEsc(name)}</text>`));
  } else {
    for (const t of uiTicks(x0, x1, spec.xLog)) {
      const x = px(spec.xLog ? 10 ** t : t);
      out.push(`<line x1="${x}" x2="${x}" y1="${m.t}" y2="${H - m.b}" stroke="${UI_GRID}"/>`);
      out.push(`<text x="${x}" y="${H - m.b + 14}" text-anchor="middle" fill="${UI_INK}">${uiEsc(uiTickText(t, spec.xLog))}</text>`);
    }
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#888"/>`);
  out.push(`<g clip-path="url(#${clip})">`);
  if (bars) {
    const base = spec.yLog ? H - m.b : py(0);
    const bw = ((W - m.l - m.r) / bars.values.length) * 0.7;
    bars.values.forEach((v, i) => {
      if (!ok(i, v)) return;
      const top = clampY(py(v));
      const color = (bars.colors && bars.colors[i]) || UI_COLORS[0];
      out.push(`<rect x="${px(i) - bw / 2}" y="${Math.min(top, base)}" width="${bw}" height="${Math.abs(base - top)}" fill="${color}"/>`);
    });
  }
  for (const h of spec.hlines || []) {
    if (ok(1, h.y)) out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${py(h.y)}" y2="${py(h.y)}" stroke="${h.color || "#999"}" stroke-dasharray="${h.dash || "3 3"}"/>`);
  }
  for (const v of spec.vlines || []) {
    if (ok(v.x, 1)) out.push(`<line x1="${px(v.x)}" x2="${px(v.x)}" y1="${m.t}" y2="${H - m.b}" stroke="${v.color || "#999"}" stroke-dasharray="${v.dash || "3 3"}"/>`);
  }
  lines.forEach((s, n) => {
    let d = "";
    let pen = false;
    for (let i = 0; i < s.x.length; i++) {
      if (!ok(s.x[i], s.y[i])) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${px(s.x[i]).toFixed(2)},${clampY(py(s.y[i])).toFixed(2)}`;
      pen = true;
    }
    const color = s.color || UI_COLORS[n % UI_COLORS.length];
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${s.width || 1.8}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`);
  });
  for (const p of dots) {
    if (ok(p.x, p.y)) out.push(`<circle cx="${px(p.x)}" cy="${clampY(py(p.y))}" r="${p.r || 4.5}" fill="${p.color || UI_COLORS[0]}" stroke="#fff"/>`);
  }
  out.push("</g>");
  if (spec.title) out.push(`<text x="${(m.l + W - m.r) / 2}" y="15" text-anchor="middle" font-size="12" fill="${UI_INK}">${uiEsc(spec.title)}</text>`);
  if (spec.xLabel) out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 6}" text-anchor="middle" fill="${UI_INK}">${uiEsc(spec.xLabel)}</text>`);
  if (spec.yLabel) out.push(`<text transform="translate(12 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle" fill="${UI_INK}">${uiEsc(spec.yLabel)}</text>`);
  const entries = [...lines.filter((s) => s.label).map((s, n) => [s.label, s.color || UI_COLORS[n % UI_COLORS.length], s.dash]),
    ...dots.filter((p) => p.label).map((p) => [p.label, p.color || UI_COLORS[0], null])];
  let height = H; // the SVG's height: H, plus the legend's rows when it goes below the plot
  if (spec.legend !== null && entries.length) {
    const textW = (text) => UI_LEGEND_CHAR * text.length;
    const plotW = W - m.l - m.r;
    const plotH = H - m.t - m.b;
    const boxW = 12 + Math.max(...entries.map((e) => textW(e[0]))) + 22;
    const boxH = 6 + 14 * entries.length;
    let placed;
    if (boxW <= plotW - 8 && boxH <= UI_LEGEND_SHARE * plotH) {
      // in a corner of the plot
      const corner = (where) => [where.endsWith("left") ? m.l + 4 : W - m.r - 4 - boxW, where.startsWith("upper") ? m.t + 4 : H - m.b - 4 - boxH];
      let where = spec.legend || "best";
      if (where === "best") {
        // the corner that covers the fewest plotted points
        const pts = [...lines.flatMap((s) => s.x.map((x, i) => [x, s.y[i]])), ...dots.map((d) => [d.x, d.y])]
          .filter(([x, y]) => ok(x, y)).map(([x, y]) => [px(x), py(y)]);
        const covered = (w) => {
          const [x0b, y0b] = corner(w);
          return pts.filter(([x, y]) => x >= x0b && x <= x0b + boxW && y >= y0b && y <= y0b + boxH).length;
        };
        where = ["upper right", "upper left", "lower right", "lower left"].reduce((best, w) => (covered(w) < covered(best) ? w : best));
      }
      const [bx, by] = corner(where);
      out.push(`<rect x="${bx}" y="${by}" width="${boxW}" height="${boxH}" fill="#fff" fill-opacity="0.85" stroke="#ccc"/>`);
      placed = entries.map((e, i) => [e, bx + 5, by + 12 + 14 * i]);
    } else {
      // too big for a corner (many layers, long labels): rows of entries below the chart
      placed = [];
      let x = 4;
      let y = H + 10;
      for (const e of entries) {
        const w = 28 + textW(e[0]) + 10;
        if (x > 4 && x + w > W - 4) {
          x = 4;
          y += 14;
        }
        placed.push([e, x, y]);
        x += w;
      }
      height = y + 6;
    }
    out.push('<g class="ui-legend">');
    for (const [[text, color, dash], x, y] of placed) {
      out.push(`<line x1="${x}" x2="${x + 18}" y1="${y - 4}" y2="${y - 4}" stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`);
      out.push(`<text x="${x + 23}" y="${y}" fill="${UI_INK}">${uiEsc(text)}</text>`);
    }
    out.push("</g>");
  }
  out[0] = out[0].replace(`viewBox="0 0 ${W} ${H}"`, `viewBox="0 0 ${W} ${height}"`);
  out.push("</svg>");
  return out.join("");
}

/** A row of charts that wraps on a phone: { el, draw(specs) }. */
export function uiFigure() {
  const el = uiEl("div", { class: "ui-figure" });
  return {
    el,
    draw(specs) {
      el.innerHTML = specs.map((s) => `<div class="ui-chart">${uiChart(s)}</div>`).join("");
    },
  };
}
