// playground_controls.js — the setup's controls, built from Python's declaration of the setup (the
// widget's `schema`, see playground_setup.js): one labelled control per field, of the kind the field
// declares — a drop-down of its choices or presets, a slider on its grid, a number box or a
// checkbox — switched off where the field does not apply. A value outside a drop-down's presets
// gets its own entry, and a slider only ever shows values on its grid (others are refused), so a
// control always shows exactly the value that runs.

function pgOption(value, text) {
  return uiEl("option", { value: String(value), text });
}

/** The input element of one declared field (id `${id}-${name}`). */
function pgControlInput(spec, id) {
  const attrs = { id: `${id}-${spec.name}` };
  if (spec.control === "select") {
    const select = uiEl("select", attrs);
    const choices = spec.enum ? spec.enum.map((v) => [v, (spec.enumTitles || {})[v] || v]) : spec.presets.map((v) => [v, String(v)]);
    for (const [value, text] of choices) select.append(pgOption(value, text));
    return select;
  }
  if (spec.control === "checkbox") return uiEl("input", { ...attrs, type: "checkbox" });
  if (spec.control === "number") {
    return uiEl("input", { ...attrs, type: "number", min: spec.minimum, max: spec.maximum, step: 1, inputmode: "numeric" });
  }
  return uiEl("input", { ...attrs, type: "range", min: spec.minimum, max: spec.maximum, step: spec.multipleOf || 1 });
}

/**
 * The value a control holds now, as {value, float}: float marks text typed with a decimal point or
 * an exponent (so "500.0" is refused for an integer, as in the JSON); an empty number box is null
 * (the field's default, where it has one).
 */
function pgReadControl(spec, input) {
  if (spec.control === "checkbox") return { value: input.checked, float: false };
  if (spec.control === "number") {
    const text = input.value.trim();
    return { value: text === "" ? null : Number(text), float: /[.eE]/.test(text) };
  }
  if (spec.enum) return { value: input.value, float: false };
  const value = Number(input.value);
  return { value: spec.type === "number" ? pgRound(value) : value, float: false };
}

/** The value a control shows for a setup: the field's value, but the data's real class count for an unused Classes. */
function pgShownValue(spec, config, data, applies) {
  if (spec.name === "classes" && !applies) return data.task === "regression" ? config.classes : data.nClasses;
  return config[spec.name];
}

/** Put a setup in one control: its value (a new drop-down entry if need be), whether it applies, its readout. */
function pgShowControl(c, config, data) {
  const { spec, input, readout } = c;
  const applies = pgSettingApplies(spec, config), value = pgShownValue(spec, config, data, applies);
  if (spec.control === "checkbox") input.checked = value;
  else if (spec.control === "select") {
    if (![...input.options].some((o) => o.value === String(value))) input.append(pgOption(value, String(value)));
    input.value = String(value);
  } else {
    if (spec.sliderMaxBy) input.max = String(Math.max(spec.sliderMaxBy.values[config[spec.sliderMaxBy.field]], value, spec.minimum + spec.multipleOf));
    if (spec.name === "classes") input.max = String(Math.max(spec.maximum, value));
    input.value = String(value);
  }
  input.disabled = !applies;
  if (readout) {
    const unused = !applies && !(spec.name === "classes" && data.task !== "regression");
    readout.textContent = unused ? "—" : String(value);
  }
}

/**
 * One control per declared field, in a grid: returns {el, controls: {name: {spec, input, readout}},
 * read(name) → {value, float}, show(config, data)}. `onChange(name)` fires when the reader changes one;
 * a slider's readout follows it while it moves.
 */
export function pgBuildControls(schema, id, onChange) {
  const el = uiEl("div", { class: "pg-controls" });
  const controls = {};
  for (const spec of schema.fields) {
    const input = pgControlInput(spec, id);
    const readout = spec.control === "slider" ? uiEl("output", { class: "pg-readout", for: input.id }) : null;
    controls[spec.name] = { spec, input, readout };
    input.addEventListener("change", () => onChange(spec.name));
    if (readout) input.addEventListener("input", () => (readout.textContent = input.value));
    el.append(uiEl("div", { class: "pg-field" }, [uiEl("label", { for: input.id, text: spec.title }), input, readout]));
  }
  return {
    el,
    controls,
    read: (name) => pgReadControl(controls[name].spec, controls[name].input),
    show(config, data) {
      for (const c of Object.values(controls)) pgShowControl(c, config, data);
    },
  };
}
