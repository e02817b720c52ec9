// initialization_view.js — the initialization explorer (mlp_lib/widgets/initialization_view.py,
// InitializationView).
//
// Python measures log10 ‖ϕ^j‖/‖ϕ^J‖ for j = 1 … J at initialization for every hidden activation,
// scheme and depth J (ErrorSignalProfiles: NumPy's random networks, Eq. (2) carrying ϕ down) and
// sends them with the derived factor √(n Var(w) E[σ′²]) of each combination. The page draws the
// selected profile (one bar per layer on a log scale) and computes from it the first layer's ratio
// ‖ϕ¹‖/‖ϕᴶ‖ and the measured factor per layer (‖ϕ¹‖/‖ϕᴶ‖)^{1/(J−1)}.
// tests/widgets/test_widget_initialization_view.py compares these with mlp_lib.
//
// Traits: log_ratios {activation: {scheme: [profile for J = 2, …]}}, derived_factors {activation:
// {scheme: factor}}, max_layers (from Python); layers, activation, scheme (the controls; the page
// writes them back).

/** The chart's log axis runs from 10^−IV_LIMIT to 10^IV_LIMIT; ratios beyond are marked ▲ / ▼ at its edge. */
export const IV_LIMIT = 20;
const IV_SIZE = { width: 440, height: 270, left: 62, right: 8, top: 12, bottom: 42 };
const IV_SUP = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹", "-": "⁻" };

/** "10ⁿ" with a superscript exponent. */
function ivPower(e) {
  return `10${String(e).replace(/[-\d]/g, (c) => IV_SUP[c])}`;
}

/**
 * The profile [log10 ‖ϕ^j‖/‖ϕ^J‖ for j = 1 … J] of a setting, from the `log_ratios` trait
 * (null stands for −∞: ϕ^j = 0 below a dead ReLU layer).
 */
export function ivProfile(logRatios, activation, scheme, layers) {
  return logRatios[activation][scheme][layers - 2].map((v) => (v === null ? -Infinity : v));
}

/**
 * What the status line says of a profile p = [log10 ‖ϕ^j‖/‖ϕ^J‖ for j = 1 … J]: {firstLayer:
 * ‖ϕ¹‖/‖ϕᴶ‖ = 10^p₁, measuredFactor: (‖ϕ¹‖/‖ϕᴶ‖)^{1/(J−1)} = 10^(p₁/(J−1)), derivedFactor}.
 */
export function ivNumbers(profile, derivedFactor) {
  const J = profile.length;
  return { firstLayer: 10 ** profile[0], measuredFactor: 10 ** (profile[0] / (J - 1)), derivedFactor };
}

/** The status line (HTML). */
export function ivStatusHtml(profile, derivedFactor) {
  const n = ivNumbers(profile, derivedFactor);
  return `first layer: ‖ϕ¹‖ / ‖ϕᴶ‖ = <b>${uiFmt(n.firstLayer, 3)}</b>. ` +
    `Factor per layer down, ‖ϕʲ‖ / ‖ϕʲ⁺¹‖, measured (geometric mean): <b>${uiFmt(n.measuredFactor, 3)}</b>; ` +
    `derived for z near 0, √(n Var(w) E[σ′²]): <b>${uiFmt(n.derivedFactor, 3)}</b>.`;
}

/** The chart's text alternative: the setting, the first layer's ratio and the factor per layer. */
export function ivSummary(profile, activation, scheme) {
  const J = profile.length, n = ivNumbers(profile, NaN);
  return `Size of the error signal in each layer relative to the output layer, ‖ϕʲ‖ / ‖ϕᴶ‖ for j = 1 … ${J}, log scale, ` +
    `${activation} layers with ${scheme} initialization: ${uiFmt(n.firstLayer, 3)} at the first layer, a factor ${uiFmt(n.measuredFactor, 3)} per layer down.`;
}

/** The y of a log10 ratio in the chart (clamped to the axis). */
function ivY(v) {
  const { height, top, bottom } = IV_SIZE;
  const clamped = Math.max(-IV_LIMIT, Math.min(IV_LIMIT, v));
  return top + ((IV_LIMIT - clamped) / (2 * IV_LIMIT)) * (height - top - bottom);
}

/**
 * The chart as SVG markup: for each layer j = 1 … J a bar from 1 to ‖ϕʲ‖/‖ϕᴶ‖ (red above 1, blue
 * below) on a log axis 10^−20 … 10^20, a line through the ratios, ▲ / ▼ where one is off the axis.
 */
export function ivChartSvg(profile, summary) {
  const { width: W, height: H, left: L, right: R, top: T, bottom: B } = IV_SIZE;
  const J = profile.length;
  const s = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${uiEsc(summary)}" font-family="system-ui, sans-serif" style="display: block; width: 100%; height: auto">`, `<title>${uiEsc(summary)}</title>`];
  for (let e = -IV_LIMIT; e <= IV_LIMIT; e += 5) {
    const y = ivY(e).toFixed(1);
    s.push(`<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="${e === 0 ? "#555" : "#ddd"}" stroke-width="${e === 0 ? 1.5 : 1}"/>`);
    s.push(`<text x="${L - 6}" y="${(ivY(e) + 5).toFixed(1)}" text-anchor="end" font-size="13">${ivPower(e)}</text>`);
  }
  const step = (W - L - R) / Math.max(J, 2), points = [];
  for (let j = 1; j <= J; j++) {
    const x = L + (j - 0.5) * step, v = profile[j - 1];
    points.push(`${x.toFixed(1)},${ivY(v).toFixed(1)}`);
    const top = Math.min(ivY(v), ivY(0)), h = Math.max(Math.abs(ivY(v) - ivY(0)), 1);
    s.push(`<rect class="iv-bar" data-log-ratio="${v}" x="${(x - step * 0.3).toFixed(1)}" width="${(step * 0.6).toFixed(1)}" y="${top.toFixed(1)}" height="${h.toFixed(1)}" fill="${v >= 0 ? "#e8a0a0" : "#9fbfdf"}"/>`);
    if (Math.abs(v) > IV_LIMIT) {
      s.push(`<text x="${x.toFixed(1)}" y="${v > 0 ? T + 12 : H - B - 4}" text-anchor="middle" font-size="13">${v > 0 ? "▲" : "▼"}</text>`);
    }
    if (J <= 10 || (J - j) % 2 === 0) s.push(`<text x="${x.toFixed(1)}" y="${H - B + 18}" text-anchor="middle" font-size="14">${j}</text>`);
  }
  s.push(`<polyline fill="none" stroke="#333" stroke-width="2" points="${points.join(" ")}"/>`);
  s.push(`<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle" font-size="14">layer j (J = output)</text>`);
  const mid = (T + H - B) / 2;
  s.push(`<text x="13" y="${mid}" text-anchor="middle" font-size="14" transform="rotate(-90 13 ${mid})">‖ϕʲ‖ / ‖ϕᴶ‖</text>`, "</svg>");
  return s.join("");
}

/** The explorer: Layers J, Activation, Initialization, the status line and the chart; the controls are written back. */
function render({ model, el }) {
  const root = uiPanel(el, "The error signal down a deep network at initialization");
  const logRatios = model.get("log_ratios");
  const derived = model.get("derived_factors");
  const activations = Object.keys(logRatios);
  const schemes = Object.keys(logRatios[activations[0]]);
  const maxLayers = Number(model.get("max_layers"));
  const setup = () => ({
    layers: Math.min(maxLayers, Math.max(2, Math.round(Number(model.get("layers"))) || 2)),
    activation: activations.includes(model.get("activation")) ? model.get("activation") : activations[0],
    scheme: schemes.includes(model.get("scheme")) ? model.get("scheme") : schemes[0],
  });
  const update = (key, value) => {
    model.set(key, value);
    model.save_changes();
    show();
  };
  const layers = uiSlider({ label: "Layers J", min: 2, max: maxLayers, step: 1, value: setup().layers, live: true, format: (v) => String(v), onChange: (v) => update("layers", v) });
  const activation = uiSelect({ label: "Activation", options: activations.map((a) => [a, a]), value: setup().activation, onChange: (v) => update("activation", v) });
  const scheme = uiSelect({ label: "Initialization", options: schemes.map((v) => [v, v]), value: setup().scheme, onChange: (v) => update("scheme", v) });
  const status = uiStatus();
  const chart = uiEl("div", { class: "iv-chart", style: "max-width: 580px; margin: 4px auto 0" });
  root.append(uiControls([layers.el, activation.el, scheme.el]), chart, status);

  /** Show the profile of the model's setup. */
  function show() {
    const s = setup();
    layers.value = s.layers;
    activation.value = s.activation;
    scheme.value = s.scheme;
    const profile = ivProfile(logRatios, s.activation, s.scheme, s.layers);
    chart.innerHTML = ivChartSvg(profile, ivSummary(profile, s.activation, s.scheme));
    status.innerHTML = ivStatusHtml(profile, derived[s.activation][s.scheme]);
  }

  const traits = ["layers", "activation", "scheme"];
  const onChange = () => show();
  for (const t of traits) model.on(`change:${t}`, onChange);
  show();
  return () => {
    for (const t of traits) model.off(`change:${t}`, onChange);
  };
}

export default { render };
