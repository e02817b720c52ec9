// checker_eval.js — the derivation checker's verdict, in the page: a read answer against a fingerprint.
//
// The fingerprint (mlp_lib/teaching/fingerprint.py, made with SymPy when the book is built) holds
// the values of every name at 28 test points and the right answer's value at each, but not the
// right formula. The page evaluates the reader's tree (checker_reader.js) at the same points, with
// the same meaning of every operator and function as mlp_lib/teaching/parser.py, and decides:
//
//   wrong      the answer differs at a point (beyond the bound on its own rounding), has no real
//              value where the right one has, or has the wrong shape;
//   correct    it agrees at every point, and every part of it matters (below);
//   undecided  the page cannot tell with 16-digit numbers: a part of the answer changes no value
//              beyond rounding at any point (a − y + 1e-30·z, a factor exp(1e-15) or 2 − tanh(20)²),
//              a number has more digits than the page computes with, a value underflows (or a
//              number written nonzero reads as 0: 1e-400), fewer than CHK_MIN_POINTS points could
//              be compared, a relu / step argument keeps one sign at every point (relu(z − 1000):
//              SymPy tests both sides of each kink, the page has only its points), a sqrt / log /
//              fractional-power argument over an unbounded name is positive at every point, or
//              (generic σ) σ is applied to an expression rather than a name, or its value passes
//              through relu, step, sqrt, log or a fractional power.
//
// A hint that proposes a whole answer (a repair of a matrix product whose shapes do not fit, "the
// right answer is k × yours") is given only if the page itself calls that answer correct.
//
// Every number carries a bound on its rounding error (first-order running error analysis, each
// operation adding its own rounding), so "agrees" means "equal up to this answer's rounding",
// not "close": an answer off by 1e-12 is wrong, as it is for SymPy. What rounding hides, SymPy
// (exact) may still see, so the page never says "correct" for an answer with a part it cannot
// see: the rule that benchmarks/checker_agreement.py measures (the page is "correct" only where
// SymPy accepts) on every catalogue answer and thousands of generated ones.

const CHK_U = 2 ** -53;
const CHK_MIN_POINTS = 20;
const CHK_SAFETY = 4;
const CHK_TINY = 1e-300;
/** a constant whose exact value needs more digits than this is beyond what the page can compare */
const CHK_MAX_DIGITS = 12;
/** the highest order of the Taylor polynomials a function is knocked out to (chkInvisiblePart) */
const CHK_TAYLOR_ORDER = 9;
const CHK_GREEK = { phi: "ϕ", sigma: "σ", eta: "η", lambda: "λ", alpha: "α", beta: "β", delta: "δ", pi: "π" };

class ChkUnusable extends Error {}

function chkS(v, e = 0) {
  return { v, e };
}

function chkIsMatrix(x) {
  return x.rows !== undefined;
}

function chkMatrix(rows, cols, f) {
  const d = new Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let k = 0; k < cols; k++) d[i * cols + k] = f(i, k);
  return { rows, cols, d };
}

function chkShapeText(x) {
  return chkIsMatrix(x) ? `a ${x.rows}×${x.cols} matrix` : "a scalar";
}

function chkShapeWords(shape) {
  return shape ? `a ${shape[0]}×${shape[1]} matrix` : "a scalar";
}

// ---------------------------------------------------------------------------------------
// Scalars with a rounding bound: { v, e } means the exact value lies within v ± e
// ---------------------------------------------------------------------------------------
function chkCheckResult(v, e, ctx) {
  if (Number.isNaN(v)) return chkS(NaN, 0);
  if (!Number.isFinite(v)) throw new ChkUnusable("overflow");
  if (!Number.isFinite(e)) throw new ChkUnusable("rounding bound");
  return chkS(v, e);
}

function chkAdd(a, b, sign, ctx) {
  const v = a.v + sign * b.v;
  return chkCheckResult(v, a.e + b.e + CHK_U * Math.abs(v), ctx);
}

function chkMul(a, b, ctx) {
  const v = a.v * b.v;
  chkUnderflow(v, a.v !== 0 && b.v !== 0, ctx); // 1e-200 * 1e-200 is 0 in doubles, not for SymPy
  return chkCheckResult(v, Math.abs(a.v) * b.e + Math.abs(b.v) * a.e + a.e * b.e + CHK_U * Math.abs(v), ctx);
}

function chkDiv(a, b, ctx) {
  if (b.v === 0 && b.e > 0) throw new ChkUnusable("division by a number lost in rounding");
  if (b.v === 0) return chkS(NaN);
  if (b.e >= 0.5 * Math.abs(b.v)) throw new ChkUnusable("division by a number lost in rounding");
  const v = a.v / b.v;
  chkUnderflow(v, a.v !== 0, ctx);
  return chkCheckResult(v, (a.e + Math.abs(v) * b.e) / (Math.abs(b.v) - b.e) + CHK_U * Math.abs(v), ctx);
}

function chkUnderflow(v, exactNonzero, ctx) {
  if (exactNonzero && Math.abs(v) < 2.3e-308) ctx.lost = "a value too small for 16-digit numbers (an underflow)";
}

/** a ** k for an exact exponent (chkExponent): k its double, `integer` whether it is a whole number. */
function chkPow(a, k, integer, ctx) {
  if (a.v === 0) {
    if (k === 0) return chkS(1);
    if (k < 0) return chkS(NaN);
    if (a.e > 0) throw new ChkUnusable("power of a number lost in rounding");
    return chkS(0);
  }
  if (a.v < 0 && !integer) return chkS(NaN); // as SymPy: no real value
  const r = a.e / Math.abs(a.v);
  if (r > 1e-3) throw new ChkUnusable("power of an imprecise number");
  const v = a.v ** k;
  chkUnderflow(v, true, ctx);
  // a fractional exponent is the double nearest the fraction: its rounding moves v by |v ln|a| k| u
  const kErr = integer ? 0 : Math.abs(v * Math.log(Math.abs(a.v)) * k) * CHK_U;
  return chkCheckResult(v, Math.abs(k) * Math.abs(v) * r * (1 + Math.abs(k) * r) + kErr + 4 * CHK_U * Math.abs(v), ctx);
}

function chkLogistic(t) {
  return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
}

/** The scalar functions: name → (x, ctx, point) → { v, e }. */
const CHK_SCALAR = {
  exp(x, ctx) {
    const v = Math.exp(x.v);
    chkUnderflow(v, true, ctx);
    return chkCheckResult(v, v * x.e * (1 + x.e) + 2 * CHK_U * v, ctx);
  },
  log(x) {
    if (x.v <= 0 && x.v + x.e > 0) throw new ChkUnusable("log of a number lost in rounding");
    if (!(x.v > 0)) return chkS(NaN);
    if (x.e >= 0.5 * x.v) throw new ChkUnusable("log of a number lost in rounding");
    const v = Math.log(x.v);
    return chkS(v, x.e / (x.v - x.e) + 2 * CHK_U * Math.abs(v));
  },
  sqrt(x) {
    if (x.v < 0) return chkS(NaN);
    const v = Math.sqrt(x.v);
    if (x.v - x.e <= 0) return chkS(v, Math.sqrt(x.v + x.e));
    return chkS(v, x.e / (2 * Math.sqrt(x.v - x.e)) + CHK_U * v);
  },
  tanh(x) {
    const v = Math.tanh(x.v);
    return chkS(v, (1 - v * v) * x.e + x.e * x.e + 2 * CHK_U * Math.abs(v));
  },
  cosh(x, ctx) {
    const v = Math.cosh(x.v);
    return chkCheckResult(v, Math.abs(Math.sinh(x.v)) * x.e + v * x.e * x.e + 2 * CHK_U * v, ctx);
  },
  sinh(x, ctx) {
    const v = Math.sinh(x.v);
    return chkCheckResult(v, Math.cosh(x.v) * x.e * (1 + x.e) + 2 * CHK_U * Math.abs(v), ctx);
  },
  sech(x, ctx) {
    const v = 1 / Math.cosh(x.v);
    chkUnderflow(v, true, ctx);
    return chkS(v, Math.abs(v * Math.tanh(x.v)) * x.e + v * x.e * x.e + 3 * CHK_U * v);
  },
  sigmoid(x, ctx) {
    const v = chkLogistic(x.v);
    chkUnderflow(v, true, ctx);
    return chkS(v, v * (1 - v) * x.e + x.e * x.e + 4 * CHK_U * v);
  },
  sigmoid_prime(x, ctx) {
    const q = Math.exp(-Math.abs(x.v));
    const v = q / ((1 + q) * (1 + q));
    chkUnderflow(v, true, ctx);
    return chkS(v, v * x.e * (1 + x.e) + 6 * CHK_U * v);
  },
  tanh_prime(x, ctx) {
    const c = Math.cosh(x.v);
    const v = 1 / (c * c);
    chkUnderflow(v, true, ctx);
    return chkS(v, 2 * v * x.e * (1 + x.e) + 4 * CHK_U * v);
  },
  relu(x) {
    return chkS(Math.max(0, x.v), x.e);
  },
  relu_prime(x) {
    if (Number.isNaN(x.v)) return chkS(NaN); // no real value stays no real value (step(√z) for z < 0)
    if (x.e > 0 && Math.abs(x.v) <= x.e) throw new ChkUnusable("ReLU' at a kink lost in rounding");
    return chkS(x.v > 0 ? 1 : 0);
  },
};
CHK_SCALAR.ln = CHK_SCALAR.log;
CHK_SCALAR.step = CHK_SCALAR.relu_prime;

function chkAffine(x, slope, shift) {
  const v = slope * x.v + shift;
  return chkS(v, Math.abs(slope) * x.e + CHK_U * (Math.abs(slope * x.v) + 2 * Math.abs(v)));
}

/** σ and σ' of the exercise: the activation's, or (generic) this point's random instance. */
function chkActivation(name, x, ctx) {
  const act = ctx.activation;
  const prime = name === "sigma_prime";
  if (act === "generic") {
    // the fingerprint's instance: σ(t) = 0.05 + 0.9 / (1 + e^−(αt + β)), σ'(t) = 0.05 + γ sech²(δt + ε)
    const low = chkS(0.05, CHK_U * 0.05);
    if (!prime) {
      const [al, be] = ctx.point.sigma;
      const s = CHK_SCALAR.sigmoid(chkAffine(x, al, be), ctx);
      return chkAdd(low, chkMul(chkS(0.9, CHK_U * 0.9), s, ctx), 1, ctx);
    }
    const [ga, de, ep] = ctx.point.sigma_prime;
    const s = CHK_SCALAR.sech(chkAffine(x, de, ep), ctx);
    return chkAdd(low, chkMul(chkS(ga), chkMul(s, s, ctx), ctx), 1, ctx);
  }
  if (act === "identity") return prime ? chkS(1) : x;
  const table = { sigmoid: ["sigmoid", "sigmoid_prime"], tanh: ["tanh", "tanh_prime"], relu: ["relu", "relu_prime"] }[act];
  if (!table) throw new Error(`unknown activation ${act}`);
  return CHK_SCALAR[table[prime ? 1 : 0]](x, ctx);
}

// ---------------------------------------------------------------------------------------
// Values: scalars and matrices, combined as parser._Builder combines them
// ---------------------------------------------------------------------------------------
function chkInput(value, exact) {
  const e = (v) => (exact ? 0 : CHK_U * Math.abs(v));
  if (Array.isArray(value)) {
    const rows = value.length;
    const cols = value[0].length;
    return chkMatrix(rows, cols, (i, k) => chkS(value[i][k], e(value[i][k])));
  }
  return chkS(value, e(value));
}

function chkMap(x, f) {
  return chkIsMatrix(x) ? { rows: x.rows, cols: x.cols, d: x.d.map(f) } : f(x);
}

function chkTranspose(x) {
  return chkIsMatrix(x) ? chkMatrix(x.cols, x.rows, (i, k) => x.d[k * x.cols + i]) : x;
}

function chkSpread(v, other) {
  if (v.cols === 1 && v.rows === other.rows && other.cols > 1) return chkMatrix(other.rows, other.cols, (i) => v.d[i]);
  if (v.rows === 1 && v.cols === other.cols && other.rows > 1) return chkMatrix(other.rows, other.cols, (i, k) => v.d[k]);
  return v;
}

function chkBroadcast(l, r, f) {
  const lm = chkIsMatrix(l);
  const rm = chkIsMatrix(r);
  if (lm && rm) return { rows: l.rows, cols: l.cols, d: l.d.map((x, n) => f(x, r.d[n])) };
  if (lm) return chkMap(l, (x) => f(x, r));
  if (rm) return chkMap(r, (x) => f(l, x));
  return f(l, r);
}

/** the hint for a product whose shapes do not fit when no repair is accepted (checker._PRODUCT_HINT) */
const CHK_PRODUCT_HINT =
  "@ needs as many columns on its left as rows on its right: a factor transposed, the factors in the other order, or * for the elementwise product ∘?";

/** The usual repairs of a product L @ R whose shapes do not fit (parser._product_alternatives). */
function chkProductAlternatives(node, l, r) {
  const out = [];
  if (l.rows === r.rows) out.push({ k: "bin", op: "@", l: { k: "attr", x: node.l, attr: "T" }, r: node.r });
  if (l.cols === r.cols) out.push({ k: "bin", op: "@", l: node.l, r: { k: "attr", x: node.r, attr: "T" } });
  if (r.cols === l.rows) out.push({ k: "bin", op: "@", l: node.r, r: node.l });
  if ((l.rows === r.rows && l.cols === r.cols) || l.cols === 1 || r.cols === 1) out.push({ k: "bin", op: "*", l: node.l, r: node.r });
  return out;
}

/** `root` with the node `target` replaced by `alt` (a copy along the path; `root` is left as it is). */
function chkReplaced(root, target, alt) {
  if (root === target) return alt;
  const out = { ...root };
  for (const key of ["l", "r", "x"]) if (root[key]) out[key] = chkReplaced(root[key], target, alt);
  if (root.args) out.args = root.args.map((a) => chkReplaced(a, target, alt));
  return out;
}

function chkMatmul(node, l, r, ctx) {
  const where = chkUnparse(node);
  if (!(chkIsMatrix(l) && chkIsMatrix(r))) {
    throw new ChkRefused(`${where}: @ is the matrix product of two matrices, got ${chkShapeText(l)} and ${chkShapeText(r)}; use * with a scalar`);
  }
  if (l.cols !== r.rows) {
    const err = new ChkRefused(`${where}: shapes (${l.rows}, ${l.cols}) and (${r.rows}, ${r.cols}) don't match`);
    // whole answers with the usual repairs of this product: proposed only if the page accepts one
    err.candidates = ctx.tree ? chkProductAlternatives(node, l, r).map((alt) => chkUnparse(chkReplaced(ctx.tree, node, alt))) : [];
    throw err;
  }
  return chkMatrix(l.rows, r.cols, (i, k) => {
    let v = 0;
    let e = 0;
    let mag = 0;
    for (let j = 0; j < l.cols; j++) {
      const a = l.d[i * l.cols + j];
      const b = r.d[j * r.cols + k];
      v += a.v * b.v;
      chkUnderflow(a.v * b.v, a.v !== 0 && b.v !== 0, ctx);
      mag += Math.abs(a.v * b.v);
      e += Math.abs(a.v) * b.e + Math.abs(b.v) * a.e + a.e * b.e;
    }
    return chkCheckResult(v, e + (l.cols + 1) * CHK_U * mag, ctx);
  });
}

/** `l op r` for the operator of `node` (parser._Builder.combine). */
function chkCombine(node, l, r, ctx) {
  const op = node.op;
  if (op === "@") return chkMatmul(node, l, r, ctx);
  let lm = chkIsMatrix(l);
  let rm = chkIsMatrix(r);
  if (lm && rm && (l.rows !== r.rows || l.cols !== r.cols)) {
    if (l.rows === 1 && l.cols === 1) [l, lm] = [l.d[0], false];
    else if (r.rows === 1 && r.cols === 1) [r, rm] = [r.d[0], false];
  }
  if (lm && rm && (l.rows !== r.rows || l.cols !== r.cols)) [l, r] = [chkSpread(l, r), chkSpread(r, l)];
  if (lm && rm && (l.rows !== r.rows || l.cols !== r.cols)) {
    const what = { "+": "add", "-": "subtract", "*": "multiply elementwise", "/": "divide elementwise" }[op];
    let extra = "";
    if (op === "*" && l.cols === r.rows) extra = " (for the matrix product write @)";
    else if (l.rows === r.cols && l.cols === r.rows) extra = " (one of them transposed?)";
    throw new ChkRefused(`${chkUnparse(node)}: cannot ${what} shapes (${l.rows}, ${l.cols}) and (${r.rows}, ${r.cols})${extra}`);
  }
  if (op === "+") return chkBroadcast(l, r, (a, b) => chkAdd(a, b, 1, ctx));
  if (op === "-") return chkBroadcast(l, r, (a, b) => chkAdd(a, b, -1, ctx));
  if (op === "*") return chkBroadcast(l, r, (a, b) => chkMul(a, b, ctx));
  if (op === "/") return chkBroadcast(l, r, (a, b) => chkDiv(a, b, ctx));
  throw new ChkRefused(`not allowed: the operator ${op}`);
}

function chkCall(name, x, ctx) {
  if (name === "T" || name === "transpose") return chkTranspose(x);
  if (name === "sum") {
    if (!chkIsMatrix(x)) return x;
    let v = 0;
    let e = 0;
    let mag = 0;
    for (const t of x.d) {
      v += t.v;
      e += t.e;
      mag += Math.abs(t.v);
    }
    return chkCheckResult(v, e + x.d.length * CHK_U * mag, ctx);
  }
  if (name === "softmax" || name === "diag") {
    if (!chkIsMatrix(x) || x.cols !== 1) throw new ChkRefused(`${name} needs a column vector, got ${chkShapeText(x)}`);
    if (name === "diag") return chkMatrix(x.rows, x.rows, (i, k) => (i === k ? x.d[i] : chkS(0)));
    const top = Math.max(...x.d.map((t) => t.v));
    const ex = x.d.map((t) => Math.exp(t.v - top));
    const total = ex.reduce((s, t) => s + t, 0);
    // each e^(z_i − max) is off by at most R relatively: the inputs' errors, the subtraction's
    // rounding (relative to |z_i − max|) and exp's own; the quotient adds the sum's rounding
    const spread = 2 * Math.max(...x.d.map((t) => t.e));
    if (spread > 1e-3) throw new ChkUnusable("softmax of imprecise numbers");
    const R = spread + CHK_U * (Math.max(...x.d.map((t) => Math.abs(t.v - top))) + 2);
    return chkMatrix(x.rows, 1, (i) => {
      const v = ex[i] / total;
      chkUnderflow(v, true, ctx);
      return chkS(v, v * (2.01 * R + (x.rows + 2) * CHK_U));
    });
  }
  const f = name === "sigma" || name === "sigma_prime" ? (t) => chkActivation(name, t, ctx) : (t) => CHK_SCALAR[name](t, ctx);
  return chkMap(x, f);
}

function chkEval(node, ctx) {
  if (ctx.knock !== null && ctx.knock.node === node) return chkKnocked(ctx.knock, ctx);
  switch (node.k) {
    case "num":
      return chkS(node.value, node.isInt && Math.abs(node.value) <= 2 ** 53 ? 0 : CHK_U * Math.abs(node.value));
    case "name":
      if (node.id in ctx.values) return ctx.values[node.id];
      return node.id === "pi" ? chkS(Math.PI, CHK_U * Math.PI) : chkS(Math.E, CHK_U * Math.E);
    case "un": {
      const x = chkEval(node.x, ctx);
      return node.op === "-" ? chkMap(x, (t) => chkS(-t.v, t.e)) : x;
    }
    case "attr":
      return chkTranspose(chkEval(node.x, ctx));
    case "call":
      return chkCall(node.f.id, chkEval(node.args[0], ctx), ctx);
    case "bin":
      return chkBinop(node, ctx);
    default:
      throw new ChkRefused(`not allowed: ${node.k}`);
  }
}

function chkBinop(node, ctx) {
  if (node.op === "**" && node.l.k === "name" && node.l.id === "e" && !(ctx.names.has("e"))) {
    return chkMap(chkEval(node.r, ctx), (t) => CHK_SCALAR.exp(t, ctx));
  }
  if (node.op === "**") {
    // the reader allowed only a plain number as the exponent: its exact value, as SymPy's
    const { value, integer } = chkExponent(node.r);
    return chkMap(chkEval(node.l, ctx), (x) => chkPow(x, value, integer, ctx));
  }
  if (node.op === "@" && node.l.k === "bin" && (node.l.op === "*" || node.l.op === "/")) {
    // x * A @ y: (x * A) @ y as in Python; if that has no meaning (shapes), x * (A @ y), the book's x ∘ A y
    const inner = node.l;
    const x = chkEval(inner.l, ctx);
    const A = chkEval(inner.r, ctx);
    const y = chkEval(node.r, ctx);
    let left;
    try {
      left = chkCombine(inner, x, A, ctx);
    } catch (first) {
      if (!(first instanceof ChkRefused)) throw first;
      try {
        return chkCombine(inner, x, chkCombine(node, A, y, ctx), ctx);
      } catch (second) {
        if (!(second instanceof ChkRefused)) throw second;
        throw first;
      }
    }
    return chkCombine(node, left, y, ctx);
  }
  return chkCombine(node, chkEval(node.l, ctx), chkEval(node.r, ctx), ctx);
}

// ---------------------------------------------------------------------------------------
// The verdict
// ---------------------------------------------------------------------------------------
function chkPointValues(fp, point) {
  const values = {};
  const derived = new Set(fp.relations);
  for (const [name, value] of Object.entries(point.values)) values[name] = chkInput(value, !derived.has(name));
  return values;
}

function chkEntries(x) {
  return chkIsMatrix(x) ? x.d : [x];
}

function chkExpectedEntries(value) {
  return Array.isArray(value) ? value.flat() : [value];
}

/** "agree" | "differ" | "undefined" (the answer has no real value) for one point. */
function chkCompare(got, expected) {
  let status = "agree";
  let entry = 0;
  got.forEach((g, n) => {
    if (status !== "agree") return;
    const x = expected[n];
    if (Number.isNaN(g.v)) {
      status = "undefined";
      entry = n;
    } else if (Math.abs(g.v - x) > CHK_SAFETY * (g.e + CHK_U * Math.abs(x)) + CHK_TINY) {
      status = "differ";
      entry = n;
    }
  });
  return { status, entry };
}

function chkMatches(answer, values) {
  let compared = 0;
  for (let p = 0; p < answer.length; p++) {
    if (answer[p] === null || values[p] === null || values[p] === undefined) continue;
    if (chkCompare(answer[p], chkExpectedEntries(values[p])).status !== "agree") return false;
    compared += 1;
  }
  return compared >= 5;
}

function chkFraction(r) {
  for (let q = 1; q <= 64; q++) {
    const p = Math.round(r * q);
    if (p !== 0 && Math.abs(r * q - p) < 1e-9 * Math.max(1, Math.abs(p))) return q === 1 ? `${p}` : `${p}/${q}`;
  }
  return null;
}

/** The constant factor k (text) with right = k × answer, k ≠ 0, ±1, depending at most on n and m; or null. */
function chkRatio(fp, answer) {
  const sizes = ["n", "m"].filter((s) => s in fp.names && fp.names[s] === null);
  const powers = [[0, 0]];
  for (const pn of sizes.includes("n") ? [-2, -1, 1, 2] : []) powers.push([pn, 0]);
  for (const pm of sizes.includes("m") ? [-2, -1, 1, 2] : []) {
    powers.push([0, pm]);
    for (const pn of sizes.includes("n") ? [-1, 1] : []) powers.push([pn, pm]);
  }
  for (const [pn, pm] of powers) {
    let k = null;
    let ok = true;
    for (let p = 0; p < answer.length && ok; p++) {
      if (answer[p] === null) continue;
      const vals = fp.points[p].values;
      const scale = (pn ? vals.n ** pn : 1) * (pm ? vals.m ** pm : 1);
      const expected = chkExpectedEntries(fp.expected[p]);
      answer[p].forEach((g, n) => {
        if (!ok || g.v === 0 || expected[n] === 0) return;
        const r = expected[n] / g.v / scale;
        if (k === null) k = r;
        else if (Math.abs(r - k) > 1e-9 * Math.abs(k)) ok = false;
      });
    }
    if (!ok || k === null) continue;
    const c = chkFraction(k);
    if (c === null || ((c === "1" || c === "-1") && !pn && !pm)) continue;
    const factor = [pn ? (Math.abs(pn) === 1 ? "n" : `n^${Math.abs(pn)}`) : null, pm ? (Math.abs(pm) === 1 ? "m" : `m^${Math.abs(pm)}`) : null];
    const num = [c === "1" ? null : c.split("/")[0] === "1" && c.includes("/") ? null : c.split("/")[0], pn > 0 ? factor[0] : null, pm > 0 ? factor[1] : null].filter(Boolean);
    const den = [c.includes("/") ? c.split("/")[1] : null, pn < 0 ? factor[0] : null, pm < 0 ? factor[1] : null].filter(Boolean);
    const text = `${num.length ? num.join("·") : "1"}${den.length ? `/${den.length > 1 ? `(${den.join("·")})` : den[0]}` : ""}`;
    const extra = pn || pm ? ` — check the 1/${[pn ? "n" : null, pm ? "m" : null].filter(Boolean).join(" and ")} (mean or sum?)` : "";
    return { hint: `off by a constant factor: the right answer is ${text} × yours${extra}.`, factor: text.split("·").join("*") };
  }
  return null;
}

/** {hint, proposal}: the first known mistake the answer matches, and the whole answer the hint proposes (or null). */
function chkHint(fp, answer, text) {
  for (const mistake of fp.mistakes) {
    if (mistake.ratio) {
      const ratio = chkRatio(fp, answer);
      if (ratio) {
        // never propose what the page itself would not call correct (it may only look right in doubles)
        const proposal = `(${ratio.factor})*(${text})`;
        return chkDecide(fp, proposal, { hints: false }).status === "correct" ? { hint: ratio.hint, proposal } : { hint: null, proposal: null };
      }
    } else if (chkMatches(answer, mistake.values)) {
      return { hint: mistake.hint, proposal: null };
    }
  }
  return { hint: null, proposal: null };
}

function chkRows(x) {
  if (!chkIsMatrix(x)) return x.v;
  return Array.from({ length: x.rows }, (_, i) => x.d.slice(i * x.cols, (i + 1) * x.cols).map((t) => t.v));
}

function chkUsedNames(node, out = new Set()) {
  if (node.k === "name") out.add(node.id);
  for (const child of [node.l, node.r, node.x, node.f, ...(node.args || [])]) if (child) chkUsedNames(child, out);
  return out;
}

function chkCounterexample(fp, tree, p, got, entry, status) {
  const point = fp.points[p];
  const used = chkUsedNames(tree);
  const values = {};
  for (const [name, value] of Object.entries(point.values)) {
    if (used.has(name) || fp.relations.includes(name) || !fp.fixed.includes(name)) values[name] = value;
  }
  const matrix = fp.shape !== null;
  const uses = (f) => [...chkTreeCalls(tree)].includes(f);
  let functions = null;
  if (fp.activation === "generic" && (uses("sigma") || uses("sigma_prime"))) {
    const [al, be] = point.sigma;
    const [ga, de, ep] = point.sigma_prime;
    const sign = (v) => `${v < 0 ? "−" : "+"} ${Math.abs(v)}`;
    functions = `σ here: σ(t) = 0.05 + 0.9/(1 + e^−(${al}t ${sign(be)})), σ′(t) = 0.05 + ${ga}·sech²(${de}t ${sign(ep)}) (the answer must hold for any σ)`;
  }
  return {
    values,
    functions,
    expected: fp.expected[p],
    got: status === "undefined" && !matrix ? "undefined" : chkRows(got),
    entry: matrix ? [Math.floor(entry / fp.shape[1]), entry % fp.shape[1]] : null,
  };
}

function chkTreeCalls(node, out = new Set()) {
  if (node.k === "call") out.add(node.f.id);
  for (const child of [node.l, node.r, node.x, ...(node.args || [])]) if (child) chkTreeCalls(child, out);
  return out;
}

/**
 * The page's verdict on `text` for the fingerprint `fp`:
 * { status: "refused" | "wrong" | "correct" | "undecided", message, hint, reading, counterexample, points }.
 */
export function chkDecide(fp, text, { hints = true } = {}) {
  const names = new Set(Object.keys(fp.names));
  let tree;
  try {
    tree = chkRead(text, names);
  } catch (err) {
    if (err instanceof ChkRefused) return { status: "refused", message: err.message, hint: err.hint, reading: null };
    throw err;
  }
  const reading = chkReading(tree, fp.elementwise);
  const ctx = { names, activation: fp.activation, lost: null, point: null, values: null, knock: null, tree };
  const answer = [];
  let shapeChecked = false;
  let unusable = 0;
  for (let p = 0; p < fp.points.length; p++) {
    ctx.point = fp.points[p];
    ctx.values = chkPointValues(fp, ctx.point);
    let value;
    try {
      value = chkEval(tree, ctx);
    } catch (err) {
      if (err instanceof ChkRefused && err.candidates) {
        const proposal = hints ? err.candidates.find((t) => chkDecide(fp, t, { hints: false }).status === "correct") : undefined;
        return { status: "refused", message: err.message, hint: proposal ? `did you mean ${proposal}?` : CHK_PRODUCT_HINT, proposal: proposal ?? null, reading };
      }
      if (err instanceof ChkRefused) return { status: "refused", message: err.message, hint: err.hint, reading };
      if (!(err instanceof ChkUnusable)) throw err;
      answer.push(null);
      unusable += 1;
      continue;
    }
    if (!shapeChecked) {
      const shape = chkIsMatrix(value) ? [value.rows, value.cols] : null;
      if (JSON.stringify(shape) !== JSON.stringify(fp.shape)) {
        const transposed = shape && fp.shape && shape[0] === fp.shape[1] && shape[1] === fp.shape[0];
        return {
          status: "wrong",
          message: `wrong shape: your answer is ${chkShapeWords(shape)}, the right one is ${chkShapeWords(fp.shape)}`,
          hint: transposed ? "transposed? Your answer has the shape of the transpose of the right one." : null,
          reading,
        };
      }
      shapeChecked = true;
    }
    answer.push(chkEntries(value));
  }
  for (let p = 0; p < answer.length; p++) {
    if (answer[p] === null) continue;
    const { status, entry } = chkCompare(answer[p], chkExpectedEntries(fp.expected[p]));
    if (status === "agree") continue;
    const message = status === "undefined"
      ? "not equal: your answer has no real value at the values below (a division by zero, log of 0 or of a negative number, or a square root of a negative number?), where the right one has."
      : "not equal: at the values below your answer and the right one differ.";
    const got = fp.shape === null ? answer[p][0] : { rows: fp.shape[0], cols: fp.shape[1], d: answer[p] };
    const { hint, proposal } = hints ? chkHint(fp, answer, text) : { hint: null, proposal: null };
    return { status: "wrong", message, hint, proposal, reading, counterexample: chkCounterexample(fp, tree, p, got, entry, status) };
  }
  const compared = answer.length - unusable;
  if (compared < CHK_MIN_POINTS) {
    return {
      status: "undecided",
      message: `could not decide in this page: your answer could be computed precisely at only ${compared} of ${answer.length} test points (at least ${CHK_MIN_POINTS} are needed); try a simpler equivalent form.`,
      hint: null,
      reading,
    };
  }
  // it agrees at every point: "correct" only if the page could have seen every part of it
  const why =
    ctx.lost ||
    chkTinyNumber(tree) ||
    chkLongConstant(tree, names) ||
    chkGenericSigmaIssue(tree, fp.activation, names) ||
    chkOneSided(fp, tree, ctx) ||
    chkInvisiblePart(fp, tree, answer, ctx);
  if (why) {
    return { status: "undecided", message: `could not decide in this page: ${why}. Open the chapter as a notebook to check it with SymPy.`, hint: null, reading };
  }
  return { status: "correct", message: `correct: your answer equals the right one at all ${compared} test points.`, hint: null, reading, points: compared };
}

// ---------------------------------------------------------------------------------------
// Parts of an answer the page cannot see
// ---------------------------------------------------------------------------------------
// An answer that agrees at every point may still hold a part that changes no value by more than
// 16-digit rounding: a term 1e-30·z or exp(−40), a factor exp(1e-15), 1 + 1e-20, 2 − tanh(20)² or
// tanh(1e-8)/1e-8, a huge number added and taken away again around a small term. SymPy computes
// exactly and sees such a part (or accepts it only numerically); the page cannot, so it does not
// say "correct" then. Three checks, each giving the reason for "undecided" or null:
//
// * chkLongConstant: a constant part of the answer (numbers and + − · / and whole powers of them,
//   computed exactly as SymPy does) whose value needs more than CHK_MAX_DIGITS digits — a number
//   written so (1.000000000000001, 0.3333333333333333·3) or made so (1.00001**3 − 3e-5 − 3e-10 is
//   1 + 1e-15) — cannot be told from a simpler one nearby;
// * chkGenericSigmaIssue: SymPy's generic σ is an unknown function, a random value for each
//   distinct argument (after its automatic simplification: σ(2·z/2) is σ(z), σ(z·(1 + g) − z·g) is
//   not), and any real value, negative too; the page's σ is one concrete function with values in
//   (0, 1). So the page decides only answers that apply σ and σ′ to plain names and do not pass
//   their values through relu, step, sqrt, log or a fractional power;
// * chkInvisiblePart: each part that could hide a tiny difference is knocked out — a term of a
//   sum made a third smaller (not dropped: −z for z + z − z would hide behind an even σ′); a function
//   replaced by what it cannot be told from at small or huge arguments: its
//   Taylor polynomials up to order CHK_TAYLOR_ORDER (exp(t) by 1, 1 + t, 1 + t + t²/2, …; log and
//   square roots about 1; cosh(1e-5) − 5e-11 is 1 + 4e-22, but so is 1 + t²/2 − 5e-11 to 16 digits)
//   and its limits (tanh(t) by ±1, …); a fractional power a^k by 1, by a^round(k) and by its
//   binomial series about a = 1 — and the answer evaluated again at every point. If it still agrees
//   at every point where it can be computed (and there is one), although the part was there (a
//   nonzero term, an argument off the centre), the page cannot tell the answer from the one
//   without that part.
//
// What remains beyond the page: a difference of less than about 1e-15 made of parts each of which
// the page sees, cancelling on purpose (((1 + 1e-5·a)³ − 3e-5·a − 3e-10·a²)·(…) is (1 + 1e-15·a³)
// times the right answer). Only more digits could see that; SymPy's verdict in the notebook does.

/** Taylor coefficients c_0 … c_9 of each function about 0 (log, sqrt: of f(1 + u) in u). */
const CHK_TAYLOR = (() => {
  const fact = [1];
  for (let j = 1; j <= CHK_TAYLOR_ORDER; j++) fact.push(fact[j - 1] * j);
  const tanh = [0, 1, 0, -1 / 3, 0, 2 / 15, 0, -17 / 315, 0, 62 / 2835];
  const sech2 = [1, 0, -1, 0, 2 / 3, 0, -17 / 45, 0, 62 / 315, 0];
  return {
    exp: fact.map((f) => 1 / f),
    sinh: fact.map((f, j) => (j % 2 ? 1 / f : 0)),
    cosh: fact.map((f, j) => (j % 2 ? 0 : 1 / f)),
    tanh,
    sech: [1, 0, -1 / 2, 0, 5 / 24, 0, -61 / 720, 0, 277 / 8064, 0],
    tanh_prime: sech2,
    sigmoid: tanh.map((c, j) => (j === 0 ? 0.5 : c / 2 ** (j + 1))), // 1/2 + tanh(t/2)/2
    sigmoid_prime: sech2.map((c, j) => c / 2 ** (j + 2)), // sech²(t/2)/4
    log: fact.map((_, j) => (j === 0 ? 0 : (-1) ** (j + 1) / j)),
    sqrt: chkBinomial(0.5),
  };
})();
/** the limits a function cannot be told from at huge arguments: [description, t → [value, slope]] */
const CHK_LIMITS = {
  tanh: [["±1", (t) => [Math.sign(t), 0]]],
  sinh: [["±e^|t|/2", (t) => [(Math.sign(t) * Math.exp(Math.abs(t))) / 2, Math.exp(Math.abs(t)) / 2]]],
  cosh: [["e^|t|/2", (t) => [Math.exp(Math.abs(t)) / 2, Math.exp(Math.abs(t)) / 2]]],
  sech: [["2e^−|t|", (t) => [2 * Math.exp(-Math.abs(t)), 2 * Math.exp(-Math.abs(t))]]],
  tanh_prime: [["4e^−2|t|", (t) => [4 * Math.exp(-2 * Math.abs(t)), 8 * Math.exp(-2 * Math.abs(t))]]],
  sigmoid: [["1 (or e^t for t < 0)", (t) => (t > 0 ? [1, 0] : [Math.exp(t), Math.exp(t)])]],
  sigmoid_prime: [["e^−|t|", (t) => [Math.exp(-Math.abs(t)), Math.exp(-Math.abs(t))]]],
};

/** The binomial series of (1 + u)^k: coefficients c_0 … c_9. */
function chkBinomial(k) {
  const c = [1];
  for (let j = 1; j <= CHK_TAYLOR_ORDER; j++) c.push((c[j - 1] * (k - j + 1)) / j);
  return c;
}

/** The knockouts of a function with Taylor coefficients c about `center`: each truncation that differs from the last. */
function chkTaylorKnockouts(base, c, center) {
  const out = [];
  for (let m = 0; m < c.length; m++) {
    if (m > 0 && c[m] === 0) continue;
    const order = m;
    const f = (t) => {
      const u = t - center;
      let v = 0;
      let dv = 0; // the polynomial's slope, for the bound on its value
      for (let j = order; j >= 0; j--) {
        dv = dv * u + v;
        v = v * u + c[j];
      }
      return [v, dv];
    };
    const what = m === 0 ? `${c[0]}` : `its Taylor polynomial of order ${m}${center ? ` about ${center}` : ""}`;
    out.push({ ...base, what, f, center });
  }
  return out;
}

/** functions whose value depends on the sign of their argument (or has none for some signs) */
const CHK_BRANCHY = new Set(["relu", "relu_prime", "step", "sqrt", "log", "ln"]);

/** The scalar function a call computes (σ, σ′ as the exercise's activation), or null (generic σ, identity). */
function chkScalarName(name, activation) {
  if (name === "sigma" || name === "sigma_prime") {
    const table = { sigmoid: ["sigmoid", "sigmoid_prime"], tanh: ["tanh", "tanh_prime"], relu: ["relu", "relu_prime"] }[activation];
    return table ? table[name === "sigma" ? 0 : 1] : null;
  }
  return { ln: "log", step: "relu_prime" }[name] || name;
}

/** The operand nodes of a tree node (not a called function's name, not a power's plain-number exponent). */
function chkOperands(node) {
  if (node.k === "bin") return node.op === "**" ? [node.l] : [node.l, node.r];
  if (node.k === "un" || node.k === "attr") return [node.x];
  if (node.k === "call") return node.args;
  return [];
}

function chkWalk(node, visit) {
  visit(node);
  for (const child of chkOperands(node)) chkWalk(child, visit);
  if (node.k === "bin" && node.op === "**") chkWalk(node.r, visit); // the exponent's plain numbers
}

function chkIsExpPower(node, names) {
  return node.k === "bin" && node.op === "**" && node.l.k === "name" && node.l.id === "e" && !names.has("e");
}

/** The exact value {n, d} of a constant part built from numbers with + − · / and whole powers, or null. */
function chkConstantPart(node, parts, names) {
  const kids = chkOperands(node).map((k) => chkConstantPart(k, parts, names));
  let r = null;
  if (node.k === "num") r = chkConstantValue(node);
  else if (node.k === "un") r = kids[0] && (node.op === "-" ? { n: -kids[0].n, d: kids[0].d } : kids[0]);
  else if (node.k === "bin" && node.op === "**" && kids[0] && !chkIsExpPower(node, names)) {
    const k = chkConstantValue(node.r);
    if (k.d === 1n && !(k.n < 0n && kids[0].n === 0n)) {
      const [p, q] = k.n < 0n ? [kids[0].d, kids[0].n] : [kids[0].n, kids[0].d];
      r = chkRational(p ** (k.n < 0n ? -k.n : k.n), q ** (k.n < 0n ? -k.n : k.n));
    }
  } else if (node.k === "bin" && kids[0] && kids[1]) {
    const [a, b] = kids;
    if (node.op === "+" || node.op === "-") r = chkRational(a.n * b.d + (node.op === "+" ? 1n : -1n) * b.n * a.d, a.d * b.d);
    else if (node.op === "*") r = chkRational(a.n * b.n, a.d * b.d);
    else if (node.op === "/" && b.n !== 0n) r = chkRational(a.n * b.d, a.d * b.n);
  }
  if (r === null) chkOperands(node).forEach((k, i) => kids[i] && parts.push([k, kids[i]])); // maximal constant parts
  if (node.k === "bin" && node.op === "**" && !chkIsExpPower(node, names)) parts.push([node.r, chkConstantValue(node.r)]);
  return r;
}

function chkLongConstant(tree, names) {
  const parts = [];
  const top = chkConstantPart(tree, parts, names);
  if (top) parts.push([tree, top]);
  const digits = (x) => {
    let v = x < 0n ? -x : x;
    while (v !== 0n && v % 10n === 0n) v /= 10n;
    return v.toString().length;
  };
  for (const [node, r] of parts) {
    if (Math.max(digits(r.n), digits(r.d)) > CHK_MAX_DIGITS) {
      return `the constant ${chkUnparse(node)} needs more than ${CHK_MAX_DIGITS} digits, more than this page can tell from a nearby number`;
    }
  }
  return null;
}

/** A number written nonzero that 16-digit numbers read as 0 or a subnormal (1e-400): the reason, or null. */
function chkTinyNumber(tree) {
  let found = null;
  const visit = (node) => {
    if (found) return;
    if (node.k === "num" && !node.isInt && Math.abs(node.value) < 2.3e-308 && chkNumberRational(node).n !== 0n) {
      found = `the number ${chkUnparse(node)} is too small for 16-digit numbers (they read it as ${node.value})`;
    }
    for (const child of [node.l, node.r, node.x, ...(node.args || [])]) if (child) visit(child);
  };
  visit(tree);
  return found;
}

/**
 * A kink the test points see from one side only: the reason, or null. SymPy tests both sides of every
 * kink (checker._kink_points); the page has only the fingerprint's points. So the page decides an
 * answer only if each relu / step argument takes both signs at the test points (entry by entry), and
 * each sqrt / log / fractional-power argument that is positive at every point depends only on names
 * whose domain is bounded (fp.bounded): relu(z − 1000) or sqrt(a − y + 1000)² − 1000 are undecided.
 */
function chkOneSided(fp, tree, ctx) {
  const bounded = new Set([...(fp.bounded || []), ...fp.fixed]);
  const checks = [];
  chkWalk(tree, (node) => {
    if (node.k === "call") {
      const f = chkScalarName(node.f.id, ctx.activation);
      if (f === "relu" || f === "relu_prime") checks.push({ node, arg: node.args[0], kink: true });
      else if (f === "sqrt" || f === "log") checks.push({ node, arg: node.args[0], kink: false });
    } else if (node.k === "bin" && node.op === "**" && !chkIsExpPower(node, ctx.names) && !chkExponent(node.r).integer) {
      checks.push({ node, arg: node.l, kink: false });
    }
  });
  for (const { node, arg, kink } of checks) {
    if (!kink && [...chkUsedNames(arg)].every((n) => bounded.has(n) || !(n in fp.names))) continue;
    const pos = [];
    const neg = [];
    for (const point of fp.points) {
      ctx.point = point;
      ctx.values = chkPointValues(fp, point);
      let value;
      try {
        value = chkEval(arg, ctx);
      } catch (err) {
        if (err instanceof ChkRefused || err instanceof ChkUnusable) continue;
        throw err;
      }
      chkEntries(value).forEach((t, n) => {
        if (t.v > t.e) pos[n] = true;
        else if (t.v < -t.e) neg[n] = true;
      });
    }
    const size = Math.max(pos.length, neg.length);
    for (let n = 0; n < size; n++) {
      if (kink ? !(pos[n] && neg[n]) : !neg[n]) {
        return kink
          ? `${chkUnparse(node)} is on one side of its kink at every test point (the page cannot see the other side)`
          : `the argument of ${chkUnparse(node)} is positive at every test point, and it may not be everywhere`;
      }
    }
  }
  return null;
}

function chkGenericSigmaIssue(tree, activation, names) {
  if (activation !== "generic") return null;
  const isSigma = (n) => n.k === "call" && (n.f.id === "sigma" || n.f.id === "sigma_prime");
  // a name, perhaps transposed, under + or −(−…): SymPy reads all of them as the name itself
  const plain = (n) =>
    n.k === "name" ||
    (n.k === "attr" && plain(n.x)) ||
    (n.k === "call" && (n.f.id === "T" || n.f.id === "transpose") && plain(n.args[0])) ||
    (n.k === "un" && n.op === "+" && plain(n.x)) ||
    (n.k === "un" && n.op === "-" && n.x.k === "un" && n.x.op === "-" && plain(n.x.x));
  const hasSigma = (n) => isSigma(n) || chkOperands(n).some(hasSigma);
  let found = null;
  chkWalk(tree, (node) => {
    if (found) return;
    if (isSigma(node) && !plain(node.args[0])) {
      found = `with σ any function, the page compares ${node.f.id === "sigma" ? "σ" : "σ′"}(…) of plain names only, and ${chkUnparse(node)} has an expression as its argument`;
    } else if (node.k === "call" && CHK_BRANCHY.has(node.f.id) && hasSigma(node.args[0])) {
      found = `with σ any function (negative values too), the page cannot decide ${chkUnparse(node)}: a value of σ or σ′ inside ${node.f.id}`;
    } else if (node.k === "bin" && node.op === "**" && !chkIsExpPower(node, names) && !chkExponent(node.r).integer && hasSigma(node.l)) {
      found = `with σ any function (negative values too), the page cannot decide ${chkUnparse(node)}: a fractional power of a value of σ or σ′`;
    }
  });
  return found;
}

/** The parts that could hide a tiny difference, each with how to knock it out. */
function chkKnockouts(tree, ctx) {
  const out = [];
  chkWalk(tree, (node) => {
    if (node.k === "bin" && (node.op === "+" || node.op === "-")) {
      out.push({ node, term: "r", part: node.r }, { node, term: "l", part: node.l });
    } else if (chkIsExpPower(node, ctx.names)) {
      out.push(...chkTaylorKnockouts({ node, arg: node.r }, CHK_TAYLOR.exp, 0));
    } else if (node.k === "bin" && node.op === "**") {
      const { value, integer } = chkExponent(node.r);
      if (!integer) {
        const whole = Math.round(value);
        out.push({ node, arg: node.l, what: "1", f: () => [1, 0], center: 1 });
        out.push({ node, arg: node.l, what: "its whole power", f: (a) => [a ** whole, whole * a ** (whole - 1)], center: 1 });
        out.push(...chkTaylorKnockouts({ node, arg: node.l }, chkBinomial(value), 1));
      }
    } else if (node.k === "call" && node.f.id === "softmax") {
      out.push({ node, arg: node.args[0], what: "equal shares", softmax: "uniform" });
      out.push({ node, arg: node.args[0], what: "one share 1, the others 0", softmax: "one-hot" });
    } else if (node.k === "call") {
      const f = chkScalarName(node.f.id, ctx.activation);
      if (CHK_TAYLOR[f]) out.push(...chkTaylorKnockouts({ node, arg: node.args[0] }, CHK_TAYLOR[f], f === "log" || f === "sqrt" ? 1 : 0));
      for (const [what, g] of CHK_LIMITS[f] || []) out.push({ node, arg: node.args[0], what, f: g, center: 0 });
    }
  });
  // a part that is exactly 0 (0.1 + 0.2 − 0.3), or an argument exactly at the centre, hides nothing
  const exactly = (node, value) => {
    const r = chkConstantPart(node, [], ctx.names);
    return r !== null && r.n === BigInt(value) * r.d;
  };
  return out.filter((k) => (k.term ? !exactly(k.part, 0) : !exactly(k.arg, k.center)));
}

/** The value of a knocked-out node (chkEval calls it for ctx.knock.node); records whether the part was there. */
function chkKnocked(knock, ctx) {
  const node = knock.node;
  if (knock.term) {
    // the sum with this term a third smaller: a wrong term moves towards the right answer (it still agrees
    // if the term is invisible), a right one away from it
    const third = (x) => chkMap(x, (t) => chkMul(t, chkS(2 / 3, CHK_U * (2 / 3)), ctx));
    const l = knock.term === "l" ? third(chkEval(node.l, ctx)) : chkEval(node.l, ctx);
    const r = knock.term === "r" ? third(chkEval(node.r, ctx)) : chkEval(node.r, ctx);
    if (chkAny(knock.term === "l" ? l : r, (t) => t.v !== 0)) knock.present = true;
    return chkCombine(node, l, r, ctx);
  }
  const arg = chkEval(knock.arg, ctx);
  if (knock.softmax) {
    if (!chkIsMatrix(arg) || arg.cols !== 1) throw new ChkRefused(`softmax needs a column vector, got ${chkShapeText(arg)}`);
    const top = arg.d.findIndex((t) => t.v === Math.max(...arg.d.map((u) => u.v)));
    if (chkAny(arg, (t) => t.v !== arg.d[0].v)) knock.present = true;
    return chkMatrix(arg.rows, 1, (i) => chkS(knock.softmax === "uniform" ? 1 / arg.rows : Number(i === top), 0));
  }
  // the part is there where the argument is not the centre of the expansion (0, or 1 for log, √ and a^k)
  if (chkAny(arg, (t) => t.v !== knock.center)) knock.present = true;
  return chkMap(arg, (t) => {
    const [v, slope] = knock.f(t.v);
    return chkS(v, Math.abs(slope) * t.e * (1 + t.e) + 8 * CHK_U * (Math.abs(v) + Math.abs(slope * t.v)));
  });
}

function chkAny(x, test) {
  return chkIsMatrix(x) ? x.d.some(test) : test(x);
}

/** The first part of the answer the page cannot see (the reason, as text), or null. */
function chkInvisiblePart(fp, tree, answer, ctx) {
  for (const knock of chkKnockouts(tree, ctx)) {
    knock.present = false;
    let visible = false;
    let computed = 0;
    ctx.knock = knock;
    for (let p = 0; p < fp.points.length && !visible; p++) {
      if (answer[p] === null) continue;
      ctx.point = fp.points[p];
      ctx.values = chkPointValues(fp, ctx.point);
      let value;
      try {
        value = chkEval(tree, ctx);
      } catch (err) {
        if (err instanceof ChkRefused) visible = true; // without the part the answer does not even read
        else if (!(err instanceof ChkUnusable)) throw err;
        continue; // not computable here: this point shows nothing either way
      }
      computed += 1;
      const shape = chkIsMatrix(value) ? [value.rows, value.cols] : null;
      if (JSON.stringify(shape) !== JSON.stringify(fp.shape)) visible = true;
      else visible = chkCompare(chkEntries(value), chkExpectedEntries(fp.expected[p])).status !== "agree";
    }
    ctx.knock = null;
    if (!visible && knock.present && computed > 0) {
      if (knock.term) {
        return `the term ${chkUnparse(knock.part)} is too small to change any value beyond 16-digit rounding at the test points (a tiny term, or one that cancels?)`;
      }
      return `${chkUnparse(knock.node)} cannot be told from ${knock.what} at any test point with 16-digit numbers`;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// How the answer was read, as plain text (σ′(z) ∘ wᵀϕ …)
// ---------------------------------------------------------------------------------------
function chkName(id) {
  const m = /^([A-Za-z]+?)(\d*)$/.exec(id);
  const base = m ? m[1] : id;
  const digits = m ? m[2] : "";
  return (CHK_GREEK[base] || base) + digits;
}

/** Plain-text reading of a tree: (text, precedence). */
function chkReadingOf(node, ew) {
  const prec = { "+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "**": 4 };
  const wrap = ([t, p], need) => (p < need ? `(${t})` : t);
  switch (node.k) {
    case "num": return [String(node.value), 5];
    case "name": return [node.id === "e" ? "e" : chkName(node.id), 5];
    case "attr": return [`${wrap(chkReadingOf(node.x, ew), 5)}ᵀ`, 5];
    case "un": return [`${node.op === "-" ? "−" : "+"}${wrap(chkReadingOf(node.x, ew), 3)}`, 3];
    case "call": {
      const arg = chkReadingOf(node.args[0], ew)[0];
      const f = node.f.id;
      if (f === "T" || f === "transpose") return [`(${arg})ᵀ`, 5];
      const names = { sigma: "σ", sigma_prime: "σ′", sigmoid_prime: "sigmoid′", tanh_prime: "tanh′", relu: "ReLU", relu_prime: "ReLU′", step: "ReLU′", sqrt: "√", sum: "Σ" };
      return [`${names[f] || f}(${arg})`, 5];
    }
    case "bin": {
      const p = prec[node.op];
      if (node.op === "**") return [`${wrap(chkReadingOf(node.l, ew), 5)}^${wrap(chkReadingOf(node.r, ew), 5)}`, 4];
      const l = wrap(chkReadingOf(node.l, ew), p);
      const r = wrap(chkReadingOf(node.r, ew), p + (node.op === "+" ? 0 : 1));
      const sym = { "+": " + ", "-": " − ", "*": ew ? " ∘ " : "·", "/": "/", "@": " " }[node.op];
      return [l + sym + r, p];
    }
    default: return ["?", 5];
  }
}

/** How the page read the answer, in the book's notation (∘ elementwise in matrix exercises, juxtaposition for @). */
export function chkReading(tree, elementwise) {
  return chkReadingOf(tree, elementwise)[0];
}
