// playground_setup.js — the playground's setup in the page, checked against Python's declaration.
//
// Python declares the setup once (mlp_lib/widgets/session.py: SETTINGS) and sends it as the
// widget's `schema` trait: {fields: [{name, type, title, default, minimum, maximum, multipleOf,
// enum, enumTitles, defaultBy, fixedBy, requires, control, presets, sliderMaxBy, appliesWhen}],
// maxText, maxDepth, floatDigits}. PlaygroundConfig checks a setup against it in Python; the
// functions here make the same checks in the page, field by field in the same order and with the
// same messages, so that the two accept and refuse the same setups.
//
// JSON text is read as Python's json module reads it: 8 is an integer, 8.0 and 1e3 are floats
// (refused where an integer is expected), which JSON.parse alone cannot tell apart.

const PG_HASH_KEY = "playground=";
const PG_SETUP_WHAT = "a JSON object of playground settings";
// characters Python's repr escapes (str.isprintable is false for them), besides the ASCII controls
const PG_UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** A float as Python's repr writes it: 10.0, 0.3, 1e-05, 1e+16, inf, nan. */
export function pgPyFloat(v) {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  const size = Math.abs(v);
  if (size >= 1e16 || size < 1e-4) {
    const [mantissa, exp] = v.toExponential().split("e");
    const e = Number(exp);
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

function pgPyStr(s) {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0);
    const hex = (n) => code.toString(16).padStart(n, "0");
    if (ch === "\\" || ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch !== " " && PG_UNPRINTABLE.test(ch)) out += code < 0x100 ? `\\x${hex(2)}` : code < 0x10000 ? `\\u${hex(4)}` : `\\U${hex(8)}`;
    else out += ch;
  }
  return quote + out + quote;
}

/** Python's repr of a JSON value, as PlaygroundConfig's messages show it; `float`: a number read as a float literal. */
export function pgPyRepr(value, float = false) {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") {
    if (float || !Number.isInteger(value)) return pgPyFloat(value);
    return BigInt(value).toString();
  }
  if (typeof value === "string") return pgPyStr(value);
  if (Array.isArray(value)) return `[${value.map((v) => pgPyRepr(v)).join(", ")}]`;
  return `{${Object.entries(value).map(([k, v]) => `${pgPyStr(k)}: ${pgPyRepr(v)}`).join(", ")}}`;
}

/** A float rounded to `digits` significant digits (PlaygroundConfig's FLOAT_DIGITS): 0.4 for 0.4000000000000001, 0 for −0. */
export function pgRound(value, digits = 12) {
  return Number.isFinite(value) ? Number(value.toPrecision(digits)) + 0 : value;
}

/** Is `value` a whole multiple of `step` (to 1e-9 of a step)? (session._on_grid) */
function pgOnGrid(value, step) {
  const k = value / step;
  return Math.abs(k - Math.round(k)) <= 1e-9 * Math.max(1, Math.abs(k));
}

function pgCheckNumber(spec, value, float, digits) {
  const { name, minimum: lo, maximum: hi } = spec;
  if (spec.type === "integer") {
    if (typeof value !== "number" || float || !Number.isInteger(value)) {
      throw new TypeError(`expected ${name} to be an integer in ${lo} … ${hi}, got ${pgPyRepr(value, float)}`);
    }
    if (value < lo || value > hi) throw new RangeError(`expected ${name} in ${lo} … ${hi}, got ${pgPyRepr(value)}`);
    return value + 0; // -0 → 0, as Python's int
  }
  const [low, high] = [pgPyFloat(lo), pgPyFloat(hi)];
  if (typeof value !== "number") throw new TypeError(`expected ${name} to be a number in ${low} … ${high}, got ${pgPyRepr(value, float)}`);
  const v = pgRound(value, digits);
  if (!Number.isFinite(v) || v > hi || v < lo) throw new RangeError(`expected ${name} in [${low}, ${high}], got ${pgPyFloat(v)}`);
  if (spec.multipleOf && !pgOnGrid(v, spec.multipleOf)) {
    throw new RangeError(`expected ${name} in steps of ${pgPyFloat(spec.multipleOf)} (the slider's positions), got ${pgPyFloat(v)}`);
  }
  return v;
}

/**
 * One setting checked against its declaration (session._check_setting): `earlier` holds the settings
 * checked before it, `float` says the value was read as a float literal. Returns the value to keep
 * or throws an Error "expected …, got …".
 */
export function pgCheckSetting(spec, value, earlier, float = false, digits = 12) {
  const { name, fixedBy: fixed, defaultBy } = spec;
  if (fixed && Object.hasOwn(fixed.values, earlier[fixed.field])) return fixed.values[earlier[fixed.field]];
  if (value === null && defaultBy) [value, float] = [defaultBy.values[earlier[defaultBy.field]], false];
  if (spec.type === "string") {
    const choices = pgPyRepr(spec.enum);
    if (typeof value !== "string") throw new TypeError(`expected ${name} to be one of ${choices}, got ${pgPyRepr(value, float)}`);
    if (!spec.enum.includes(value.toLowerCase())) throw new RangeError(`expected ${name} to be one of ${choices}, got ${pgPyRepr(value)}`);
    value = value.toLowerCase();
  } else if (spec.type === "boolean") {
    if (typeof value !== "boolean") throw new TypeError(`expected ${name} to be true or false, got ${pgPyRepr(value, float)}`);
  } else {
    value = pgCheckNumber(spec, value, float, digits);
  }
  const rule = spec.requires;
  if (rule && rule.when.in.includes(earlier[rule.when.field]) && !rule.oneOf.includes(value)) {
    const words = { allowed: rule.oneOf.join(" or "), when: pgPyRepr(earlier[rule.when.field]), value: pgPyRepr(value) };
    throw new RangeError(rule.message.replace(/\{(\w+)\}/g, (_, key) => words[key]));
  }
  return value;
}

/**
 * A checked, complete setup from a plain object (PlaygroundConfig.from_dict): unknown keys are
 * refused, missing ones take their defaults, every field is checked in the declaration's order.
 * `floats`: the keys whose values were float literals in the JSON text (see pgParseConfigText).
 */
export function pgValidateConfig(data, schema, floats = new Set()) {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new TypeError(`expected ${PG_SETUP_WHAT}, got ${Array.isArray(data) ? "a list" : JSON.stringify(data) ?? typeof data}`);
  }
  const names = schema.fields.map((f) => f.name);
  const unknown = Object.keys(data).filter((k) => !names.includes(k)).sort();
  if (unknown.length) throw new RangeError(`expected playground settings among ${pgPyRepr(names)}, got unknown key(s) ${pgPyRepr(unknown)}`);
  const config = {};
  for (const spec of schema.fields) {
    const given = Object.hasOwn(data, spec.name);
    config[spec.name] = pgCheckSetting(spec, given ? data[spec.name] : spec.default, config, given && floats.has(spec.name), schema.floatDigits);
  }
  return config;
}

/** The deepest nesting of lists/objects in JSON text, counted by a flat scan (validation.parse_json_limited). */
function pgCheckDepth(text, maxDepth) {
  let depth = 0, deepest = 0, inString = false, escaped = false, i = 0;
  for (const ch of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "[" || ch === "{") {
      deepest = Math.max(deepest, ++depth);
      if (deepest > maxDepth) throw new RangeError(`expected ${PG_SETUP_WHAT} nested at most ${maxDepth} levels deep, got ${deepest} levels at character ${i}`);
    } else if (ch === "]" || ch === "}") depth--;
    i++;
  }
}

/** The keys of a JSON object's top level whose values are float literals (with "." or an exponent), in text JSON.parse has read. */
export function pgFloatKeys(text) {
  const floats = new Set(), number = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y, space = /[ \t\n\r]*/y;
  const skip = (i) => ((space.lastIndex = i), space.exec(text), space.lastIndex);
  let depth = 0;
  for (let i = 0; i < text.length; ) {
    const ch = text[i];
    if (ch !== '"') {
      if (ch === "{" || ch === "[") depth++;
      else if (ch === "}" || ch === "]") depth--;
      i++;
      continue;
    }
    let end = i + 1;
    while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
    const token = text.slice(i, end + 1);
    i = skip(end + 1);
    if (depth !== 1 || text[i] !== ":") continue; // a string value, or deeper down
    const key = JSON.parse(token);
    i = skip(i + 1);
    number.lastIndex = i;
    const literal = number.exec(text);
    floats.delete(key); // the last of duplicate keys counts, as in JSON.parse and Python
    if (literal) {
      if (literal[1] !== undefined || literal[2] !== undefined) floats.add(key);
      i = number.lastIndex;
    }
  }
  return floats;
}

/**
 * JSON text → checked setup (PlaygroundConfig.from_json): at most schema.maxText characters nested at
 * most schema.maxDepth deep (checked before parsing), then pgValidateConfig with its float literals.
 */
export function pgParseConfigText(text, schema) {
  if (typeof text !== "string") throw new TypeError(`expected the config as JSON text, got ${typeof text}`);
  let length = 0;
  for (const _ of text) length++; // characters (code points), as Python counts them
  if (length > schema.maxText) throw new RangeError(`expected ${PG_SETUP_WHAT} of at most ${schema.maxText} characters, got ${length}`);
  pgCheckDepth(text, schema.maxDepth);
  let data;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`expected ${PG_SETUP_WHAT}, got invalid JSON (${err.message})`);
  }
  const isObject = data !== null && typeof data === "object" && !Array.isArray(data);
  return pgValidateConfig(data, schema, isObject ? pgFloatKeys(text) : new Set());
}

/** The setup as JSON text, fields in the declaration's order, floats as Python writes them (PlaygroundConfig.to_json); compact for the address. */
export function pgConfigJson(config, schema, compact = false) {
  const [sep, colon] = compact ? [",", ":"] : [", ", ": "];
  const parts = schema.fields.map(({ name, type }) => {
    const v = config[name];
    return `${JSON.stringify(name)}${colon}${type === "number" ? pgPyFloat(v) : JSON.stringify(v)}`;
  });
  return `{${parts.join(sep)}}`;
}

/** Does a setting apply to this setup (its declaration's appliesWhen)? Its control is switched off otherwise. */
export function pgSettingApplies(spec, config) {
  const when = spec.appliesWhen;
  if (!when) return true;
  const value = config[when.field];
  if (when.in) return when.in.includes(value);
  if (when.notIn) return !when.notIn.includes(value);
  return value >= when.minimum;
}

/** "#playground=<url-encoded compact JSON>" for a setup. */
export function pgHashFor(config, schema) {
  return "#" + PG_HASH_KEY + encodeURIComponent(pgConfigJson(config, schema, true));
}

/**
 * A page address's fragment: null when it holds no playground setup (none, or a section link),
 * {config} when it holds a valid one, {error} when it holds a damaged one.
 */
export function pgConfigFromHash(hash, schema) {
  const h = (hash || "").replace(/^#/, "");
  if (!h.startsWith(PG_HASH_KEY)) return null;
  let text;
  try {
    text = decodeURIComponent(h.slice(PG_HASH_KEY.length));
  } catch (err) {
    return { error: "the text after #playground= is not valid URL encoding" };
  }
  try {
    return { config: pgParseConfigText(text, schema) };
  } catch (err) {
    return { error: err.message };
  }
}
