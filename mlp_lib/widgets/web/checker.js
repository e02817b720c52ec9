// checker.js — the derivation checker widget: a text box, a Check button and the verdict.
//
// With a kernel behind the page (a notebook), SymPy decides: the page sends {type: "check",
// answer} and shows the `verdict` Python sends back. Without one (the website), the page decides
// with chkDecide (checker_eval.js) from the fingerprint in the `spec` trait. The page knows a
// kernel is there when Python answers its {type: "hello"}. What the reader typed and its verdict
// go into the `answer` and `verdict` traits (saved with a notebook) and into localStorage (kept
// across reloads of the website).

const CHK_STORAGE_PREFIX = "mlp-checker:";
const CHK_MAX_LINES = 12;

/**
 * A derivation written line by line: every line must equal the right answer (catalogue.check_steps).
 * Returns chkDecide's verdict for the first line that does not, or "correct", with `lines`
 * ([{status, reading}] per line) and `first_wrong` (index from 0, or null).
 */
export function chkDecideLines(spec, text) {
  const lines = String(text).split(/\r?\n/).filter((line) => line.trim());
  if (!lines.length) return { status: "refused", message: "the answer is empty: type one formula per line", hint: null, lines: [], first_wrong: null };
  if (lines.length > CHK_MAX_LINES) {
    return { status: "refused", message: `expected 1 to ${CHK_MAX_LINES} lines, got ${lines.length}`, hint: null, lines: [], first_wrong: null };
  }
  const verdicts = lines.map((line) => chkDecide(spec, line));
  const shown = verdicts.map((v) => ({ status: v.status, reading: v.reading || null }));
  const first = verdicts.findIndex((v) => v.status !== "correct");
  if (first < 0) {
    return { status: "correct", message: `correct: every line (${lines.length}) equals the right answer.`, hint: null, lines: shown, first_wrong: null };
  }
  const v = verdicts[first];
  return {
    status: v.status === "undecided" ? "undecided" : "wrong",
    message: `line ${first + 1} is the first that does not equal the right answer: ${v.message}`,
    hint: v.hint,
    counterexample: v.counterexample || null,
    lines: shown,
    first_wrong: first,
  };
}

/** Catalogue text (a^{j−1}, ϕ^J, y_i, ∇_{a^J}) as HTML with <sup>/<sub>, escaped first. */
export function chkTypeset(text) {
  let out = uiEsc(text);
  for (let n = 0; n < 2; n++) {
    out = out.replace(/([\^_])\{([^{}]*)\}/g, (_, s, body) => (s === "^" ? `<sup>${body}</sup>` : `<sub>${body}</sub>`));
    out = out.replace(/([\^_])([A-Za-z0-9])(?![A-Za-z0-9])/g, (_, s, body) => (s === "^" ? `<sup>${body}</sup>` : `<sub>${body}</sub>`));
  }
  return out;
}

function chkValueText(v) {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) {
    const rows = v.map((row) => (Array.isArray(row) ? row.map(chkValueText).join(", ") : chkValueText(row)));
    return v.length === 1 || !Array.isArray(v[0]) ? `[${rows.join(", ")}]` : `[${rows.map((r) => `[${r}]`).join(", ")}]`;
  }
  return uiFmt(v, 4);
}

function chkShownName(name) {
  return { phi: "ϕ", sigma: "σ" }[name] || name.replace(/^phi/, "ϕ").replace("sigma'", "σ′").replace("sigma", "σ");
}

/** The verdict as HTML: mark and message, how the answer was read, the counterexample table, the hint. */
export function chkVerdictHtml(verdict, reading) {
  if (!verdict || !verdict.status) return "";
  if (verdict.status === "checking") return `<i>${uiEsc(verdict.message || "checking…")}</i>`;
  const marks = { correct: ["✓", "chk-ok"], wrong: ["✗", "chk-wrong"], refused: ["✗", "chk-wrong"], undecided: ["?", "chk-undecided"] };
  const [mark, cls] = marks[verdict.status] || ["?", "chk-undecided"];
  const parts = [];
  if (reading) parts.push(`<div>Your answer, as read: <span class="chk-reading">${uiEsc(reading)}</span></div>`);
  if (verdict.lines && verdict.lines.length) {
    const items = verdict.lines.map((line, i) => {
      const [m] = marks[line.status] || ["?"];
      const here = i === verdict.first_wrong ? " ← first wrong line" : "";
      return `<li${here ? ' class="chk-first-wrong"' : ""}><span aria-hidden="true">${m}</span> ${uiEsc(line.reading || "(not read)")}${here}</li>`;
    });
    parts.push(`<ol class="chk-lines" aria-label="your lines, as read">${items.join("")}</ol>`);
  }
  parts.push(`<div class="${cls}"><span aria-hidden="true">${mark}</span> ${uiEsc(verdict.message)}</div>`);
  const cx = verdict.counterexample;
  if (cx) {
    const rows = Object.entries(cx.values || {}).map(([k, v]) => `<tr><th scope="row">${uiEsc(chkShownName(k))}</th><td>${uiEsc(chkValueText(v))}</td></tr>`);
    rows.push(`<tr><th scope="row">right answer</th><td>${uiEsc(chkValueText(cx.expected))}</td></tr>`);
    rows.push(`<tr><th scope="row">your answer</th><td>${uiEsc(chkValueText(cx.got))}</td></tr>`);
    const entry = cx.entry ? ` (first different entry: row ${cx.entry[0] + 1}, column ${cx.entry[1] + 1})` : "";
    parts.push(`<div class="chk-table-wrap"><table class="ui-table chk-table"><caption>The values where they differ${uiEsc(entry)}</caption>${rows.join("")}</table></div>`);
    if (cx.functions) parts.push(`<div class="chk-small">${uiEsc(cx.functions)}</div>`);
  }
  if (verdict.hint) parts.push(`<div><b>Hint:</b> ${uiEsc(verdict.hint)}</div>`);
  const by = verdict.by === "sympy" ? "checked by SymPy (with the notebook's kernel)" : "checked in this page, at test points made with SymPy when the book was built";
  parts.push(`<div class="chk-small">${by}</div>`);
  return parts.join("");
}

const CHK_CSS = `
.chk-answer-row { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
.chk-answer-row label { font-weight: 600; }
.chk-answer-row input { flex: 1 1 220px; min-width: 0; font: 14px ui-monospace, SFMono-Regular, Menlo, monospace; padding: 4px 6px; }
.chk-answer-row .ui-buttons { margin: 0; }
.chk-help { font-size: 12px; color: #444; overflow-wrap: anywhere; }
.chk-help code { font-size: 12px; }
.chk-result > div { margin: 3px 0; }
.chk-ok { color: #1a7f37; font-weight: 600; }
.chk-wrong { color: #b42318; font-weight: 600; }
.chk-undecided { color: #8a5a00; font-weight: 600; }
.chk-reading { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.chk-small { font-size: 12px; color: #555; }
.chk-answer-row textarea { flex: 1 1 260px; min-width: 0; font: 14px ui-monospace, SFMono-Regular, Menlo, monospace; padding: 4px 6px; }
.chk-lines { margin: 2px 0; padding-left: 1.6em; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.chk-first-wrong { color: #b42318; font-weight: 600; }
.chk-table-wrap { max-width: 100%; overflow-x: auto; }
.chk-table caption { text-align: left; font-size: 12px; color: #444; }
.chk-table th { text-align: left; font-weight: 600; }
.chk-table td { text-align: left; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
`;

function chkStorageKey(spec) {
  const path = typeof location !== "undefined" ? location.pathname : "";
  return `${CHK_STORAGE_PREFIX}${path}#${spec.name}`;
}

function chkLoad(key) {
  try {
    const saved = JSON.parse(window.localStorage.getItem(key) || "null");
    return saved && typeof saved.answer === "string" ? saved : null;
  } catch (err) {
    return null;
  }
}

function chkSave(key, answer, verdict) {
  try {
    window.localStorage.setItem(key, JSON.stringify({ answer, verdict }));
  } catch (err) {
    // storage full or switched off: the answer stays in the box and in the widget's state
  }
}

function render({ model, el }) {
  const spec = model.get("spec");
  const root = uiPanel(el, spec.title);
  root.classList.add("chk-root");
  root.append(uiEl("style", { text: CHK_CSS }));
  const fns = spec.functions.filter((f) => f !== "T").join(", ");
  root.append(
    uiEl("div", { html: chkTypeset(spec.prompt) }),
    uiEl("div", {
      class: "chk-help",
      html: `Names you can use: <code>${uiEsc(spec.names_help)}</code>. Functions: <code>${uiEsc(fns)}</code>. Write <code>*</code> for ${spec.elementwise ? "∘ (elementwise)" : "×"}, <code>@</code> for the matrix product, <code>.T</code> or ᵀ to transpose, <code>**</code> or ^ for powers; σ, σ′, ϕ, ·, − and superscripts such as n⁻¹ are read too.`,
    }),
  );
  const inputId = `chk-${spec.name}-${Math.random().toString(36).slice(2, 8)}`;
  const multiline = Boolean(model.get("multiline"));
  const input = multiline
    ? uiEl("textarea", { id: inputId, rows: 4, autocomplete: "off", spellcheck: "false", placeholder: "one formula per line, each equal to the last" })
    : uiEl("input", { type: "text", id: inputId, autocomplete: "off", spellcheck: "false", placeholder: "e.g. a - y" });
  const result = uiEl("div", { class: "chk-result", role: "status", "aria-live": "polite" });
  const key = chkStorageKey(spec);
  let kernel = false;
  let reading = null;

  function show(verdict) {
    result.innerHTML = chkVerdictHtml(verdict, verdict && verdict.status !== "refused" ? reading : null);
  }

  function readingOf(text) {
    try {
      return chkReading(chkRead(text, new Set(Object.keys(spec.names))), spec.elementwise);
    } catch (err) {
      return null;
    }
  }

  function decide() {
    const text = input.value;
    reading = readingOf(text);
    model.set("answer", text);
    if (kernel) {
      show({ status: "checking", message: "checking with SymPy…" });
      model.save_changes();
      model.send({ type: "check", answer: text });
      return;
    }
    let verdict;
    try {
      verdict = { ...(multiline ? chkDecideLines(spec, text) : chkDecide(spec, text)), by: "page" };
    } catch (err) {
      verdict = { status: "undecided", message: `the page's checker failed (${err.message}); please report this answer`, by: "page" };
    }
    delete verdict.reading;
    model.set("verdict", verdict);
    model.save_changes();
    chkSave(key, text, verdict);
    show(verdict);
  }

  const button = uiButtons([{ label: "Check", title: "check your formula", primary: true, onClick: decide }]);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (!multiline || event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      decide();
    }
  });
  const label = multiline ? "Your derivation (one line per step; Ctrl+Enter checks)" : "Your answer";
  root.append(uiEl("div", { class: "chk-answer-row" }, [uiEl("label", { for: inputId, text: label }), input, button.el]), result);

  // what the reader typed before: the widget's state (a saved notebook), else this browser's storage
  const saved = model.get("answer") ? { answer: model.get("answer"), verdict: model.get("verdict") } : chkLoad(key);
  if (saved) {
    input.value = saved.answer;
    reading = readingOf(saved.answer);
    show(saved.verdict);
  }
  model.on("change:verdict", () => {
    let verdict = model.get("verdict");
    if (verdict && verdict.by === "sympy") {
      input.value = model.get("answer");
      reading = readingOf(input.value);
      if (verdict.lines) {
        // SymPy sends each line's verdict; the page adds how it read each line
        const typed = input.value.split(/\r?\n/).filter((line) => line.trim());
        verdict = { ...verdict, lines: verdict.lines.map((line, i) => ({ ...line, reading: line.reading || readingOf(typed[i] || "") })) };
      }
      chkSave(key, input.value, verdict);
    }
    show(verdict);
  });
  model.on("msg:custom", (msg) => {
    if (msg && msg.type === "kernel") kernel = true;
  });
  try {
    model.send({ type: "hello" });
  } catch (err) {
    // no kernel (a static page): the page decides
  }
}

export default { render };
