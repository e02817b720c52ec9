// checker_reader.js — the derivation checker's reader, in the page: typed text → a checked syntax tree.
//
// The same language as mlp_lib/teaching/parser.py, which reads answers for SymPy (and the tests
// compare the two on every catalogue answer and on thousands of generated ones): Python's
// expression syntax restricted to numbers, the exercise's names, pi and e, + - * / ** @ (^ is **),
// unary + and -, .T, and calls of the checker's functions; Unicode operators, Greek letters,
// primes, superscripts and vulgar fractions are spelled out first. As Python's tokenizer does, the
// reader skips a comment (# to the end of the line), joins a line that ends in a backslash to the
// next, reads line breaks inside brackets as spaces and allows blank or comment lines after the
// formula. Everything else is refused with a message that says what to type instead. Limits:
// CHK_MAX_LENGTH characters, CHK_MAX_DEPTH levels, CHK_MAX_NODES nodes (counted as Python's ast
// counts them), constants up to 1e6, number exponents up to 10 (nested powers up to a total of 100),
// compared exactly (as fractions, like parser._constant_value) so that the page refuses and allows
// the same exponents as Python.
//
// Nothing typed is ever run: the tree is only walked by checker_eval.js.

const CHK_MAX_LENGTH = 500;
const CHK_MAX_DEPTH = 30;
const CHK_MAX_NODES = 300;
const CHK_MAX_CONSTANT = 1e6;
const CHK_MAX_EXPONENT = 10;
const CHK_MAX_TOTAL_EXPONENT = 100;
/** the largest |k| of a number written with an exponent, 1e-k or 1ek (parser.MAX_DECIMAL_EXPONENT) */
const CHK_MAX_DECIMAL_EXPONENT = 1000;
/** a transpose written against the next factor: Wᵀφ, Wᵀ phi, W^T phi (parser._JUXTAPOSED_T) */
const CHK_JUXTAPOSED_T = /([A-Za-z_]\w*|\))\s*(?:ᵀ|\^\s*T\b)\s*(?=[A-Za-z_(σςϕφ])/u;

/** name → [number of arguments, elementwise?] (parser.FUNCTIONS) */
export const CHK_FUNCTIONS = Object.freeze({
  exp: [1, true], log: [1, true], ln: [1, true], sqrt: [1, true], tanh: [1, true], cosh: [1, true],
  sinh: [1, true], sech: [1, true], sigma: [1, true], sigma_prime: [1, true], sigmoid: [1, true],
  sigmoid_prime: [1, true], tanh_prime: [1, true], relu: [1, true], relu_prime: [1, true], step: [1, true],
  softmax: [1, false], diag: [1, false], T: [1, false], transpose: [1, false], sum: [1, false],
});
const CHK_CONSTANT_NAMES = new Set(["pi", "e"]);
const CHK_UNICODE = [
  ["−", "-"], ["–", "-"], ["·", "*"], ["×", "*"], ["∘", "*"], ["⊙", "*"], ["÷", "/"], ["σ", "sigma"],
  ["ς", "sigma"], ["ϕ", "phi"], ["φ", "phi"], ["ᵀ", ".T"], ["√", "sqrt"], ["½", "(1/2)"], ["⅓", "(1/3)"],
  ["⅔", "(2/3)"], ["¼", "(1/4)"], ["¾", "(3/4)"], ["’", "'"], ["ʹ", "'"], ["ʼ", "'"],
];
const CHK_SUPERSCRIPT = Object.fromEntries(
  [..."⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"].map((c, i) => [c, "0123456789+-()abcdefghijklmnoprstuvwxyz"[i]]),
);
const CHK_SUPERSCRIPT_RUN = new RegExp(`[${Object.keys(CHK_SUPERSCRIPT).join("")}]+`, "gu");
const CHK_PRIME = /\b(sigma|relu|tanh|sigmoid)\s*['′]/g;
const CHK_MISSING_TIMES = /(?<![\w.])(\d+(?:\.\d*)?)(?![eE][+-]?\d)([A-Za-z_(])/;
/** characters that look like an ASCII letter or sign but are not (parser._LOOKALIKE) */
const CHK_LOOKALIKE = Object.fromEntries(
  [
    "аa", "еe", "оo", "рp", "сc", "уy", "хx", "іi", "јj", "ѕs", "ԁd", "ԛq", "ԝw", "һh", "ӏl", "ɡg", "АA", "ВB", "ЕE",
    "КK", "МM", "НH", "ОO", "РP", "СC", "ТT", "ХX", "УY", "ҮY", "ІI", "ЈJ", "ЅS", "ԀD", "ԚQ", "ԜW", "αa", "οo", "νv",
    "ρp", "υu", "χx", "ιi", "κk", "τt", "γy", "ΑA", "ΒB", "ΕE", "ΖZ", "ΗH", "ΙI", "ΚK", "ΜM", "ΝN", "ΟO", "ΡP", "ΤT",
    "ΥY", "ΧX", "ıi", "ȷj", "ℓl", "‐-", "‑-", "‒-", "—-", "⁄/", "∕/", "∗*", "⋅*", "∙*", "‘'", "“\"", "”\"", "＂\"",
  ].map((pair) => [...pair]),
);
const CHK_REFUSED = {
  "[": "indexing, slicing or lists with [ ]",
  "{": "sets or dictionaries { … }",
  ",": "tuples (a comma outside a function call)",
  "<": "comparisons (<, >, ==, …)",
  ">": "comparisons (<, >, ==, …)",
  "=": "comparisons (<, >, ==, …) or assignments",
  "!": "comparisons (<, >, ==, …)",
  "%": "the operator Mod",
  "&": "the operator BitAnd",
  "|": "the operator BitOr",
  "~": "the operator ~",
  "'": "strings (text in quotes)",
  '"': "strings (text in quotes)",
  ":": "the walrus operator := or slices",
  ";": "more than one statement",
};
const CHK_KEYWORDS = {
  lambda: "lambda functions", if: "'… if … else …'", else: "'… if … else …'", and: "'and' / 'or'", or: "'and' / 'or'",
  not: "the operator not", in: "comparisons (<, >, ==, …)", is: "comparisons (<, >, ==, …)", for: "comprehensions",
  await: "await", yield: "yield", None: "the constant None", True: "the constant True", False: "the constant False",
};
const CHK_PYTHON_KEYWORDS = new Set([
  "as", "assert", "async", "break", "class", "continue", "def", "del", "elif", "except", "finally", "from",
  "global", "import", "nonlocal", "pass", "raise", "return", "try", "while", "with",
]);

/** A refusal of the typed text: `message`, and `hint` (what to type instead) or null. */
export class ChkRefused extends Error {
  constructor(message, hint = null) {
    super(message);
    this.name = "ChkRefused";
    this.hint = hint;
  }
}

// ---------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------
function chkReplaceAll(text) {
  for (const [a, b] of CHK_UNICODE) text = text.split(a).join(b);
  return text;
}

/** The text as the reader's syntax: superscripts, Unicode operators and names spelled out, NFKC, ^ → **. */
export function chkNormalize(text) {
  text = text.replace(CHK_SUPERSCRIPT_RUN, (run) => `**(${[...run].map((c) => CHK_SUPERSCRIPT[c]).join("")})`);
  text = chkReplaceAll(text).normalize("NFKC");
  text = chkReplaceAll(text).replace(CHK_PRIME, "$1_prime");
  return text.split("^").join("**");
}

function chkCodePoint(ch) {
  return `U+${ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

function chkCheckText(text) {
  if (typeof text !== "string") throw new ChkRefused(`expected the answer as text, got ${typeof text}`);
  if ([...text].length > CHK_MAX_LENGTH) {
    throw new ChkRefused(`not allowed: the answer is too long (${[...text].length} characters; at most ${CHK_MAX_LENGTH})`);
  }
  if (!text.trim()) throw new ChkRefused("the answer is empty: type a formula, e.g. a - y");
  text = chkNormalize(text);
  if ([...text].length > 4 * CHK_MAX_LENGTH) {
    throw new ChkRefused(`not allowed: the answer is too long once its symbols are spelled out (${[...text].length} characters)`);
  }
  for (const ch of text) {
    const o = ch.codePointAt(0);
    if ((o >= 32 && o < 127) || ch === "\t" || ch === "\n" || ch === "\r") continue;
    if (ch in CHK_LOOKALIKE) {
      throw new ChkRefused(
        `not allowed: ${chkCodePoint(ch)} looks like '${CHK_LOOKALIKE[ch]}' but is a different character; type the plain '${CHK_LOOKALIKE[ch]}' from the keyboard`,
      );
    }
    throw new ChkRefused(
      `not allowed: the character '${ch}' (${chkCodePoint(ch)}); use plain letters, digits and + - * / ** @ ( ) . (Greek letters: sigma, phi)`,
    );
  }
  let depth = 0;
  let deepest = 0;
  for (const ch of text) {
    if ("([{".includes(ch)) deepest = Math.max(deepest, ++depth);
    else if (")]}".includes(ch)) depth -= 1;
  }
  if (deepest > CHK_MAX_DEPTH) {
    throw new ChkRefused(`not allowed: the formula is nested too deeply (${deepest} levels of brackets; at most ${CHK_MAX_DEPTH})`);
  }
  return text;
}

// ---------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------
const CHK_NUMBER = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.?(?:\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?)/;

function chkSyntax(text, at, what) {
  const message = `could not read the formula: ${what} (at character ${at + 1})`;
  const missing = CHK_MISSING_TIMES.exec(text);
  if (!missing) return new ChkRefused(message);
  const [number, after] = [missing[1], missing[2]];
  if (after === "(") return new ChkRefused(message, `${number}(…) has no * between ${number} and the bracket: write ${number}*(…)`);
  const name = /^[A-Za-z_]\w*/.exec(text.slice(missing.index + number.length))[0];
  return new ChkRefused(message, `you typed ${number}${name}: write ${number}*${name} (a product needs *)`);
}

/** Refuse Wᵀφ and W^T phi by name (parser._check_juxtaposed_transpose). */
function chkJuxtaposedTranspose(typed) {
  if (typeof typed !== "string" || [...typed].length > CHK_MAX_LENGTH) return;
  const m = CHK_JUXTAPOSED_T.exec(typed);
  if (!m) return;
  const global = new RegExp(CHK_JUXTAPOSED_T.source, "gu");
  const fixed = typed.replace(global, (_, base) => `${base}.T @ `).split("ᵀ").join(".T").replace(/\^\s*T\b/g, ".T");
  const shown = [...typed.trim()].length <= 40 ? typed.trim() : `${m[0].trim()}…`;
  throw new ChkRefused(
    `not allowed: ${shown} has no operator between the transpose and the next factor`,
    `write ${chkNormalize(fixed).trim()} (.T for the transpose, @ for the matrix product)`,
  );
}

function chkTokens(text) {
  const out = [];
  let i = 0;
  let open = 0;
  while (i < text.length) {
    const ch = text[i];
    if ("([{".includes(ch)) open += 1;
    else if (")]}".includes(ch)) open -= 1;
    if (ch === " " || ch === "\t" || ((ch === "\n" || ch === "\r") && open > 0)) {
      i += 1;
      continue;
    }
    if (ch === "#") {
      // a comment: Python skips it up to the end of the line
      while (i < text.length && text[i] !== "\n" && text[i] !== "\r") i += 1;
      continue;
    }
    if (ch === "\\") {
      // a backslash at the end of a line joins it to the next (Python's explicit line joining)
      const join = /^\\(\r\n|\n|\r)/.exec(text.slice(i));
      if (!join) throw chkSyntax(text, i, "unexpected character after line continuation character");
      i += join[0].length;
      continue;
    }
    if (ch === "\n" || ch === "\r") {
      const blank = (line) => /^[ \t]*(#.*)?$/.test(line);
      const after = text.slice(i).split(/\r\n|\n|\r/).slice(1);
      if (out.length > 0) {
        // a line break outside brackets ends the formula: only blank or comment lines may follow
        if (after.every(blank)) break;
        throw chkSyntax(text, i, "invalid syntax (a line break)");
      }
      // blank or comment lines before the formula are skipped; the formula's own line is not indented
      const first = after.find((line) => !blank(line));
      if (first !== undefined && /^[ \t]/.test(first)) throw chkSyntax(text, i, "unexpected indent");
      i += 1;
      continue;
    }
    const rest = text.slice(i);
    if (/^[0-9.]/.test(rest) && /^\.?\d/.test(rest)) {
      const m = CHK_NUMBER.exec(rest);
      let lexeme = m[0];
      if (/^[jJ]/.test(rest.slice(lexeme.length))) {
        throw new ChkRefused(`not allowed: the constant ${lexeme}j`);
      }
      if (/^[A-Za-z0-9_]/.test(rest.slice(lexeme.length)) || /^0\d/.test(lexeme.replace(/_/g, "")) && /^\d+$/.test(lexeme.replace(/_/g, "")) && !/^0+$/.test(lexeme.replace(/_/g, ""))) {
        throw chkSyntax(text, i, "invalid decimal literal");
      }
      out.push({ t: "num", text: lexeme, at: i });
      i += lexeme.length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (name) {
      out.push({ t: "name", text: name[0], at: i });
      i += name[0].length;
      continue;
    }
    const op = /^(\*\*|\/\/|<<|>>|<=|>=|==|!=|:=|[-+*/@().,<>=!%&|~'":;\[\]{}])/.exec(rest);
    if (!op) throw chkSyntax(text, i, `invalid character '${ch}'`);
    out.push({ t: "op", text: op[0], at: i });
    i += op[0].length;
  }
  out.push({ t: "end", text: "", at: text.length });
  return out;
}

function chkNumberValue(lexeme) {
  const plain = lexeme.replace(/_/g, "");
  if (/^0[xX]/.test(plain)) return { value: parseInt(plain.slice(2), 16), isInt: true };
  if (/^0[oO]/.test(plain)) return { value: parseInt(plain.slice(2), 8), isInt: true };
  if (/^0[bB]/.test(plain)) return { value: parseInt(plain.slice(2), 2), isInt: true };
  const isInt = /^\d+$/.test(plain);
  return { value: Number(plain), isInt, digits: plain.replace(/^0+/, "").length };
}

// ---------------------------------------------------------------------------------------
// Parser (Python's precedence: ** over unary −, then * / @, then + −; ** groups to the right)
// ---------------------------------------------------------------------------------------
class ChkParser {
  constructor(text) {
    this.text = text;
    this.tokens = chkTokens(text);
    this.i = 0;
    this.level = 0;
  }

  peek() {
    return this.tokens[this.i];
  }

  next() {
    return this.tokens[this.i++];
  }

  fail(token, what = "invalid syntax") {
    const refused = CHK_REFUSED[token.text];
    if (refused) {
      if (token.text === "[" && this.i > 1 && ["name", "num"].includes(this.tokens[this.i - 2].t)) {
        throw new ChkRefused("not allowed: indexing or slicing with [ ]");
      }
      throw new ChkRefused(`not allowed: ${refused}`);
    }
    if (token.t === "name" && token.text in CHK_KEYWORDS) throw new ChkRefused(`not allowed: ${CHK_KEYWORDS[token.text]}`);
    throw chkSyntax(this.text, token.at, token.t === "end" ? "unexpected end of the formula" : what);
  }

  expect(text) {
    const token = this.next();
    if (token.text !== text || token.t !== "op") {
      this.i -= 1;
      this.fail(token, text === ")" ? "'(' was never closed" : "invalid syntax");
    }
  }

  nested(f) {
    this.level += 1;
    if (this.level > 400) throw new ChkRefused("not allowed: the formula is too complex to read");
    try {
      return f();
    } finally {
      this.level -= 1;
    }
  }

  parse() {
    const body = this.sum();
    const token = this.peek();
    if (token.t !== "end") this.fail(token);
    return body;
  }

  sum() {
    let left = this.product();
    while (this.peek().t === "op" && ["+", "-"].includes(this.peek().text)) {
      const op = this.next().text;
      left = { k: "bin", op, l: left, r: this.product() };
    }
    return left;
  }

  product() {
    let left = this.unary();
    while (this.peek().t === "op" && ["*", "/", "@", "//", "%", "<<", ">>", "&", "|"].includes(this.peek().text)) {
      const token = this.next();
      const right = this.unary();
      if (!["*", "/", "@"].includes(token.text)) this.fail(token);
      left = { k: "bin", op: token.text, l: left, r: right };
    }
    return left;
  }

  unary() {
    const token = this.peek();
    if (token.t === "op" && ["-", "+", "~"].includes(token.text)) {
      this.next();
      const x = this.nested(() => this.unary());
      if (token.text === "~") throw new ChkRefused("not allowed: the operator ~");
      return { k: "un", op: token.text, x };
    }
    if (token.t === "name" && token.text === "not") {
      this.next();
      this.nested(() => this.unary());
      throw new ChkRefused("not allowed: the operator not");
    }
    return this.power();
  }

  power() {
    const base = this.postfix();
    if (this.peek().t === "op" && this.peek().text === "**") {
      this.next();
      return { k: "bin", op: "**", l: base, r: this.nested(() => this.unary()) };
    }
    return base;
  }

  postfix() {
    let node = this.atom();
    for (;;) {
      const token = this.peek();
      if (token.t === "op" && token.text === "(") {
        this.next();
        const args = [];
        if (!(this.peek().t === "op" && this.peek().text === ")")) {
          args.push(this.nested(() => this.sum()));
          while (this.peek().t === "op" && this.peek().text === ",") {
            this.next();
            if (this.peek().t === "op" && this.peek().text === ")") break;
            args.push(this.nested(() => this.sum()));
          }
        }
        this.expect(")");
        node = { k: "call", f: node, args };
      } else if (token.t === "op" && token.text === ".") {
        this.next();
        const attr = this.next();
        if (attr.t !== "name") this.fail(attr);
        node = { k: "attr", x: node, attr: attr.text };
      } else if (token.t === "op" && token.text === "[") {
        this.fail(token);
      } else {
        return node;
      }
    }
  }

  atom() {
    const token = this.next();
    if (token.t === "num") return { k: "num", text: token.text, ...chkNumberValue(token.text) };
    if (token.t === "name") {
      if (CHK_PYTHON_KEYWORDS.has(token.text)) throw chkSyntax(this.text, token.at, "invalid syntax");
      if (token.text in CHK_KEYWORDS) this.fail(token);
      return { k: "name", id: token.text };
    }
    if (token.t === "op" && token.text === "(") {
      if (this.peek().t === "op" && this.peek().text === ")") throw new ChkRefused("not allowed: tuples (a comma outside a function call)");
      const inner = this.nested(() => this.sum());
      if (this.peek().t === "op" && this.peek().text === ",") throw new ChkRefused("not allowed: tuples (a comma outside a function call)");
      this.expect(")");
      return inner;
    }
    this.i -= 1;
    return this.fail(token);
  }
}

// ---------------------------------------------------------------------------------------
// Limits and the whitelist (parser._check_limits, parser._Whitelist)
// ---------------------------------------------------------------------------------------
const CHK_GROUP = { "+": "+", "-": "+", "*": "*", "/": "*", "@": "*" };

/** The children of a node as Python's ast.iter_child_nodes yields them (op and ctx nodes as leaves). */
function chkAstChildren(node) {
  const leaf = { k: "leaf" };
  switch (node.k) {
    case "bin": return [node.l, leaf, node.r];
    case "un": return [leaf, node.x];
    case "name": return [leaf];
    case "attr": return [node.x, leaf];
    case "call": return [node.f, ...node.args];
    default: return [];
  }
}

function chkCheckLimits(body) {
  let count = 1; // the Expression node
  const stack = [[body, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop();
    count += 1;
    if (depth > CHK_MAX_DEPTH) throw new ChkRefused(`not allowed: the formula is nested too deeply (more than ${CHK_MAX_DEPTH} levels)`);
    if (count > CHK_MAX_NODES) throw new ChkRefused(`not allowed: the formula is too long (more than ${CHK_MAX_NODES} parts)`);
    for (const child of chkAstChildren(node)) {
      const flat = node.k === "bin" && child === node.l && child.k === "bin" && CHK_GROUP[child.op] !== undefined && CHK_GROUP[child.op] === CHK_GROUP[node.op];
      stack.push([child, flat ? depth : depth + 1]);
    }
  }
}

// Exponents are compared exactly, as parser._constant_value compares Fractions: a number is the
// fraction {n, d} (BigInt, d > 0) of the value Python reads (an integer as written, however long;
// a decimal as the shortest decimal of its double, which is Python's str(float) and JS's String).
function chkRational(n, d) {
  if (d < 0n) [n, d] = [-n, -d];
  let [a, b] = [n < 0n ? -n : n, d];
  while (b) [a, b] = [b, a % b];
  return a > 1n ? { n: n / a, d: d / a } : { n, d };
}

/** A number's exact value as written (parser._read_numbers): 1e-400 is 10⁻⁴⁰⁰, not the 0 of its double. */
function chkNumberRational(node) {
  const plain = node.text.replace(/_/g, "");
  if (node.isInt) return { n: BigInt(plain), d: 1n };
  if (!Number.isFinite(node.value)) throw new ChkRefused("not allowed: the number inf is too large (at most 1e+06)");
  const m = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(plain);
  const digits = (m[1] || "") + (m[2] || "") || "0";
  const exponent = Number(m[3] || 0) - (m[2] || "").length;
  const scale = 10n ** BigInt(Math.abs(exponent));
  return exponent >= 0 ? { n: BigInt(digits) * scale, d: 1n } : chkRational(BigInt(digits), scale);
}

/** A plain number's exact value (2, -1, 1/2, (3)) as parser._constant_value reads it: {n, d}, or null. */
function chkConstantValue(node) {
  if (node.k === "num") return chkNumberRational(node);
  if (node.k === "un") {
    const v = chkConstantValue(node.x);
    return v === null ? null : node.op === "-" ? { n: -v.n, d: v.d } : v;
  }
  if (node.k === "bin" && node.op === "/") {
    const n = chkConstantValue(node.l);
    const d = chkConstantValue(node.r);
    return n === null || d === null || d.n === 0n ? null : chkRational(n.n * d.d, n.d * d.n);
  }
  return null;
}

/** The number of an exact exponent: {value, integer} (the value rounded to a double). */
export function chkExponent(node) {
  const k = chkConstantValue(node);
  const whole = k.n / k.d;
  const rest = k.n - whole * k.d;
  const small = (x) => (x < 0n ? -x : x) < 2n ** 53n;
  // n / d of two exact doubles is rounded once; longer ones (10**200/10**200) as whole part + fraction
  const value = small(k.n) && small(k.d) ? Number(k.n) / Number(k.d) : Number(whole) + Number((rest * 10n ** 18n) / k.d) / 1e18;
  return { value, integer: rest === 0n };
}

/** Python's ast.unparse of a tree, for messages. */
export function chkUnparse(node, outer = 0) {
  const prec = { "+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "**": 4 };
  switch (node.k) {
    case "num": return node.text.replace(/_/g, "");
    case "name": return node.id;
    case "attr": return `${chkUnparse(node.x, 5)}.${node.attr}`;
    case "call": return `${chkUnparse(node.f, 5)}(${node.args.map((a) => chkUnparse(a)).join(", ")})`;
    case "un": {
      const text = `${node.op}${chkUnparse(node.x, 3)}`;
      return outer > 3 ? `(${text})` : text;
    }
    case "bin": {
      const p = prec[node.op];
      const text = node.op === "**"
        ? `${chkUnparse(node.l, p + 1)} ** ${chkUnparse(node.r, p)}`
        : `${chkUnparse(node.l, p)} ${node.op} ${chkUnparse(node.r, p + 1)}`;
      return outer > p ? `(${text})` : text;
    }
    default: return "?";
  }
}

function chkWhitelist(node, names, exponent = { n: 1n, d: 1n }) {
  switch (node.k) {
    case "num": {
      if (node.isInt && node.value > CHK_MAX_CONSTANT) {
        const shown = node.digits > 20 ? `with ${node.digits} digits` : chkUnparse(node);
        throw new ChkRefused(`not allowed: the number ${shown} is too large (at most 1e+06)`);
      }
      if (!Number.isFinite(node.value) || Math.abs(node.value) > CHK_MAX_CONSTANT) {
        throw new ChkRefused(`not allowed: the number ${Number.isFinite(node.value) ? node.value : "inf"} is too large (at most 1e+06)`);
      }
      return;
    }
    case "name": {
      if (node.id.startsWith("_")) throw new ChkRefused(`not allowed: names starting with an underscore (${node.id})`);
      if (!names.has(node.id) && !CHK_CONSTANT_NAMES.has(node.id)) {
        if (node.id in CHK_FUNCTIONS) throw new ChkRefused(`${node.id} is a function: write ${node.id}(…)`);
        const known = [...names].sort().join(", ") || "none";
        throw new ChkRefused(`not allowed: the name '${node.id}' (this exercise knows: ${known})`);
      }
      return;
    }
    case "un":
      return chkWhitelist(node.x, names, exponent);
    case "attr": {
      if (node.attr !== "T") {
        const hint = node.attr.startsWith("T") ? `write ${chkUnparse(node.x)}.T @ ${node.attr.slice(1)} (@ between the transpose and the next factor)` : null;
        throw new ChkRefused(`not allowed: the attribute .${node.attr} (only .T, the transpose)`, hint);
      }
      return chkWhitelist(node.x, names, exponent);
    }
    case "call": {
      const list = Object.keys(CHK_FUNCTIONS).sort().join(", ");
      if (node.f.k === "num") {
        const inside = node.args.map((a) => chkUnparse(a)).join(", ");
        throw new ChkRefused(`not allowed: ${chkUnparse(node)} reads as calling the number ${chkUnparse(node.f)}`, `write ${chkUnparse(node.f)}*(${inside}): a product needs *`);
      }
      if (node.f.k !== "name") throw new ChkRefused(`not allowed: calling ${chkUnparse(node.f)} (only the functions ${list})`);
      const name = node.f.id;
      if (name.startsWith("_")) throw new ChkRefused(`not allowed: names starting with an underscore (${name})`);
      if (!(name in CHK_FUNCTIONS)) throw new ChkRefused(`not allowed: the function '${name}' (allowed: ${list})`);
      if (node.args.length !== CHK_FUNCTIONS[name][0]) throw new ChkRefused(`${name} takes 1 argument(s), got ${node.args.length}`);
      for (const a of node.args) chkWhitelist(a, names, exponent);
      return;
    }
    case "bin": {
      if (node.op === "**") {
        if (node.l.k === "name" && node.l.id === "e" && !names.has("e")) return chkWhitelist(node.r, names, exponent);
        if (node.r.k === "name" && node.r.id === "T") {
          const base = chkUnparse(node.l);
          throw new ChkRefused(`not allowed: ${base}^T is not a power`, `for the transpose write ${base}.T (or ${base}ᵀ)`);
        }
        const k = chkConstantValue(node.r);
        if (k === null) {
          throw new ChkRefused(
            `not allowed: the exponent of ${chkUnparse(node)} must be a number (between -${CHK_MAX_EXPONENT} and ${CHK_MAX_EXPONENT}); write exp(…) for e to a power`,
          );
        }
        const size = { n: k.n < 0n ? -k.n : k.n, d: k.d }; // |k|, and below the running product max(|k|, 1)
        if (size.n > BigInt(CHK_MAX_EXPONENT) * size.d) {
          throw new ChkRefused(`not allowed: the exponent ${chkExponent(node.r).value} is too large (at most ${CHK_MAX_EXPONENT} in absolute value)`);
        }
        const total = size.n > size.d ? chkRational(exponent.n * size.n, exponent.d * size.d) : exponent;
        if (total.n > BigInt(CHK_MAX_TOTAL_EXPONENT) * total.d) {
          throw new ChkRefused(`not allowed: powers of powers grow too large (total exponent ${Number(total.n) / Number(total.d)})`);
        }
        chkWhitelist(node.l, names, total); // the exponent is a plain number: nothing in it to check
        return;
      }
      chkWhitelist(node.l, names, exponent);
      chkWhitelist(node.r, names, exponent);
      return;
    }
    default:
      throw new ChkRefused("not allowed: this kind of expression");
  }
}

/** The checked tree of `text` for an exercise that declares `names` (a Set); throws ChkRefused. */
export function chkRead(text, names) {
  chkJuxtaposedTranspose(text);
  const normal = chkCheckText(text).trim();
  const body = new ChkParser(normal).parse();
  chkCheckLimits(body);
  chkDecimalExponents(body);
  chkWhitelist(body, names);
  return body;
}

/** Refuse a number written with an exponent beyond ±CHK_MAX_DECIMAL_EXPONENT (parser._read_numbers). */
function chkDecimalExponents(node) {
  if (node.k === "num" && !node.isInt) {
    const m = /[eE]([+-]?\d+)$/.exec(node.text.replace(/_/g, ""));
    if (m && Math.abs(Number(m[1])) > CHK_MAX_DECIMAL_EXPONENT) {
      throw new ChkRefused(`not allowed: the number ${node.text} has an exponent beyond ±${CHK_MAX_DECIMAL_EXPONENT}`);
    }
  }
  for (const child of [node.l, node.r, node.x, node.f, ...(node.args || [])]) if (child) chkDecimalExponents(child);
}
