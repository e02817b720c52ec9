// engine.js — the book's multi-layer perceptron in plain JavaScript, for the browser.
//
// A second implementation of mlp_lib (mlp.py, backprop.py, losses.py, activations.py,
// training.py, initialization.py, datasets.py) so that the playground can train in the
// reader's browser, offline, with no Python. It is verified against mlp_lib, never trusted:
// tests/widgets/test_web_engine.py compares the gradients and loss values of hundreds of random
// networks, and 50 training steps, with mlp_lib's.
//
// One self-contained ES module: no imports, no dependencies, no build step. It can be
// imported as a module or pasted in front of another module (e.g. an anywidget ESM);
// every public function is a named export, and the private helpers' names start with "_"
// (so code pasted after it should not declare top-level names of either kind).
//
// Conventions (the book's and mlp_lib's):
//   * columns are samples. A batch of m samples of layer j is an (n_j, m) matrix.
//   * layers are numbered 1 … J; index 0 of W, b, z, phi, dW, db is null (a[0] is the input x).
//   * z^j = w^j a^{j−1} + b^j,  a^j = σ(z^j);  w^j is (n_j, n_{j−1}), b^j is (n_j, 1).
//   * ϕ^j = ∇_{z^j} L, shape (n_j, m); every loss is the MEAN over the samples of the batch,
//     so each column of ϕ already carries the 1/m.
//   * the four equations of backpropagation (mini-batch form):
//       Eq. (1)  ϕ^J = ∇_{a^J} L ∘ σ'(z^J)              outputLayerError
//       Eq. (2)  ϕ^j = ((w^{j+1})ᵀ ϕ^{j+1}) ∘ σ'(z^j)     hiddenLayerError
//       Eq. (3)  ∇_{w^j} L = ϕ^j (a^{j−1})ᵀ              weightGradient
//       Eq. (4)  ∇_{b^j} L = ϕ^j 𝟙  (sum over the batch)  biasGradient
//   * Float64 (JavaScript numbers) throughout.
//
// A matrix is a plain object {rows, cols, data} with data a Float64Array in row-major order:
// entry (i, s) is data[i * cols + s].
//
// Random numbers: a seeded xoshiro128** generator (createRng) with Box–Muller normals. It is
// NOT NumPy's generator (PCG64 + ziggurat, and scikit-learn's MT19937 for moons/circles/blobs),
// so the same seed gives the same data, initial weights and batch order on every browser, but
// not the same numbers as mlp_lib for that seed. The data sets follow mlp_lib's recipes
// (same shapes, labels, centres, curves and noise distribution) and the initial weights have
// mlp_lib's distributions (He normal for ReLU, Glorot uniform otherwise); to reproduce a
// Python run exactly, load its weights with networkFromWeights and pass its data and batches.

// ---------------------------------------------------------------------------------------
// Matrices
// ---------------------------------------------------------------------------------------

/** A rows × cols matrix of zeros (or wrapping `data`, a Float64Array of rows*cols entries). */
export function matrix(rows, cols, data) {
  if (data === undefined) data = new Float64Array(rows * cols);
  else if (!(data instanceof Float64Array)) data = Float64Array.from(data);
  if (data.length !== rows * cols) {
    throw new Error(`expected ${rows * cols} entries for a ${rows}×${cols} matrix, got ${data.length}`);
  }
  return { rows, cols, data };
}

/** A matrix from nested arrays [[row 0], [row 1], …] (what NumPy's tolist() gives). */
export function fromRows(rowsArray) {
  const rows = rowsArray.length;
  const cols = rows ? rowsArray[0].length : 0;
  const out = matrix(rows, cols);
  for (let i = 0; i < rows; i++) {
    if (rowsArray[i].length !== cols) {
      throw new Error(`expected every row to have ${cols} entries, got ${rowsArray[i].length} in row ${i}`);
    }
    for (let k = 0; k < cols; k++) out.data[i * cols + k] = rowsArray[i][k];
  }
  return out;
}

/** Nested arrays [[row 0], [row 1], …] of a matrix (for JSON, or numpy.array(...) in Python). */
export function toRows(M) {
  const out = [];
  for (let i = 0; i < M.rows; i++) out.push(Array.from(M.data.subarray(i * M.cols, (i + 1) * M.cols)));
  return out;
}

/** Accept a matrix object or nested arrays; return a matrix. */
export function asMatrix(value, name = "matrix") {
  if (value && value.data !== undefined && value.rows !== undefined) {
    return matrix(value.rows, value.cols, value.data);
  }
  if (Array.isArray(value)) return fromRows(value);
  throw new Error(`expected ${name} as a matrix {rows, cols, data} or nested arrays, got ${typeof value}`);
}

export function copyMatrix(M) {
  return { rows: M.rows, cols: M.cols, data: Float64Array.from(M.data) };
}

/**
 * c[ci … ci+m) += Σ_p coef[p] · (row p of b), p = 0 … k−1: one row of a matrix product. Four rows
 * of b at a time (about twice as fast in V8 as one at a time, same sums); coefficient p is coef[c0 + p·stride].
 */
function _addRowCombination(c, ci, coef, c0, stride, b, k, m) {
  const k4 = k - (k % 4);
  let p = 0;
  for (; p < k4; p += 4) {
    const a0 = coef[c0 + p * stride], a1 = coef[c0 + (p + 1) * stride];
    const a2 = coef[c0 + (p + 2) * stride], a3 = coef[c0 + (p + 3) * stride];
    const b0 = p * m, b1 = b0 + m, b2 = b1 + m, b3 = b2 + m;
    for (let s = 0; s < m; s++) {
      let v = c[ci + s]; // added term by term: the same rounding as one row at a time
      v += a0 * b[b0 + s];
      v += a1 * b[b1 + s];
      v += a2 * b[b2 + s];
      c[ci + s] = v + a3 * b[b3 + s];
    }
  }
  for (; p < k; p++) {
    const ap = coef[c0 + p * stride], bp = p * m;
    for (let s = 0; s < m; s++) c[ci + s] += ap * b[bp + s];
  }
}

/** C = A B  (A is n×k, B is k×m). */
export function matmul(A, B) {
  if (A.cols !== B.rows) throw new Error(`expected A.cols = B.rows, got ${A.rows}×${A.cols} times ${B.rows}×${B.cols}`);
  const n = A.rows, k = A.cols, m = B.cols, c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) _addRowCombination(c, i * m, A.data, i * k, 1, B.data, k, m); // row i of C = Σ_p A[i,p] B[p,:]
  return { rows: n, cols: m, data: c };
}

/** C = Aᵀ B  (A is k×n, B is k×m); never forms Aᵀ. */
export function matmulTransA(A, B) {
  if (A.rows !== B.rows) throw new Error(`expected A.rows = B.rows, got ${A.rows}×${A.cols}ᵀ times ${B.rows}×${B.cols}`);
  const k = A.rows, n = A.cols, m = B.cols, c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) _addRowCombination(c, i * m, A.data, i, n, B.data, k, m); // row i of C = Σ_p A[p,i] B[p,:]
  return { rows: n, cols: m, data: c };
}

/** C = A Bᵀ  (A is n×m, B is k×m); never forms Bᵀ. */
export function matmulTransB(A, B) {
  if (A.cols !== B.cols) throw new Error(`expected A.cols = B.cols, got ${A.rows}×${A.cols} times ${B.rows}×${B.cols}ᵀ`);
  const n = A.rows, m = A.cols, k = B.rows;
  const a = A.data, b = B.data, c = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const ai = i * m;
    for (let p = 0; p < k; p++) {
      const bp = p * m;
      let sum = 0;
      for (let s = 0; s < m; s++) sum += a[ai + s] * b[bp + s];
      c[i * k + p] = sum;
    }
  }
  return { rows: n, cols: k, data: c };
}

/** The columns `idx` of M, in that order (a mini-batch of samples). */
export function takeColumns(M, idx) {
  const m = idx.length, out = new Float64Array(M.rows * m);
  for (let i = 0; i < M.rows; i++) {
    const src = i * M.cols, dst = i * m;
    for (let s = 0; s < m; s++) out[dst + s] = M.data[src + idx[s]];
  }
  return { rows: M.rows, cols: m, data: out };
}

function _allFinite(M) {
  const d = M.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return false;
  return true;
}

function _map(M, f) {
  const out = new Float64Array(M.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(M.data[i]);
  return { rows: M.rows, cols: M.cols, data: out };
}

function _sameShape(A, B, what) {
  if (A.rows !== B.rows || A.cols !== B.cols) {
    throw new Error(`expected ${what} of the same shape, got ${A.rows}×${A.cols} and ${B.rows}×${B.cols}`);
  }
}

/**
 * Frobenius norm ‖M‖ that stays finite for finite entries up to ~1e308 (scaled by the largest
 * |entry| first, as mlp_lib.widgets.session._norm), for the ‖ϕ^j‖ and ‖∇w^j‖ plots.
 */
export function frobeniusNorm(M) {
  const d = M.data;
  let scale = 0;
  for (let i = 0; i < d.length; i++) {
    const v = Math.abs(d[i]);
    if (v > scale || Number.isNaN(v)) scale = v;
  }
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i] / scale;
    sum += v * v;
  }
  return Math.min(scale * Math.sqrt(sum), Number.MAX_VALUE);
}

// ---------------------------------------------------------------------------------------
// Activations σ (mlp_lib/activations.py): value σ(z), derivative σ'(z), and vjp(z, v), the
// vector–Jacobian product (∂σ/∂z)ᵀ v at each column (v ∘ σ'(z) when elementwise): the backward
// pass needs the transposed Jacobian; the activations here have symmetric ones.
// ---------------------------------------------------------------------------------------

/** σ(x) = 1/(1+e^{−x}) in two branches so exp never sees a large positive argument. */
function _sigmoidScalar(x) {
  const e = Math.exp(-Math.abs(x)); // in (0, 1]: never overflows
  return x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

function _elementwiseVjp(act) {
  return (z, v) => {
    _sameShape(z, v, "z and v");
    const d = act.derivative(z).data;
    for (let i = 0; i < d.length; i++) d[i] = v.data[i] * d[i];
    return { rows: z.rows, cols: z.cols, data: d };
  };
}

const _identity = {
  name: "identity",
  elementwise: true,
  hiddenOk: true,
  value: (z) => copyMatrix(z), // σ(x) = x
  derivative: (z) => ({ rows: z.rows, cols: z.cols, data: new Float64Array(z.data.length).fill(1.0) }), // σ'(x) = 1
};
_identity.vjp = _elementwiseVjp(_identity);

const _relu = {
  name: "relu",
  elementwise: true,
  hiddenOk: true,
  value: (z) => _map(z, (x) => (x > 0 ? x : 0.0)), // max(x, 0)
  derivative: (z) => _map(z, (x) => (x > 0 ? 1.0 : 0.0)), // σ'(0) = 0, as the source chooses
};
_relu.vjp = _elementwiseVjp(_relu);

const _sigmoid = {
  name: "sigmoid",
  elementwise: true,
  hiddenOk: true,
  value: (z) => _map(z, _sigmoidScalar),
  derivative: (z) =>
    _map(z, (x) => {
      const s = _sigmoidScalar(x);
      return s * (1.0 - s); // σ'(x) = σ(x)(1 − σ(x))
    }),
};
_sigmoid.vjp = _elementwiseVjp(_sigmoid);

const _tanh = {
  name: "tanh",
  elementwise: true,
  hiddenOk: true,
  value: (z) => _map(z, Math.tanh),
  derivative: (z) =>
    _map(z, (x) => {
      const t = Math.tanh(x);
      return 1.0 - t * t; // σ'(x) = 1 − tanh(x)²
    }),
};
_tanh.vjp = _elementwiseVjp(_tanh);

const _softmax = {
  name: "softmax",
  elementwise: false, // acts on each column as a whole
  hiddenOk: false, // the source uses softmax only in the output layer
  /** σ(z)_i = e^{z_i} / Σ_k e^{z_k} per column, after subtracting the column's max (no overflow at ±1e4). */
  value(z) {
    const n = z.rows, m = z.cols, src = z.data, out = new Float64Array(n * m);
    for (let s = 0; s < m; s++) {
      let zmax = -Infinity;
      for (let i = 0; i < n; i++) if (src[i * m + s] > zmax || Number.isNaN(src[i * m + s])) zmax = src[i * m + s];
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const e = Math.exp(src[i * m + s] - zmax);
        out[i * m + s] = e;
        sum += e;
      }
      for (let i = 0; i < n; i++) out[i * m + s] /= sum;
    }
    return { rows: n, cols: m, data: out };
  },
  derivative() {
    throw new Error("softmax is not elementwise, so it has no elementwise derivative σ'(z); use vjp(z, v)");
  },
  /** (diag(s) − s sᵀ)ᵀ v (a symmetric matrix), column by column, without forming it: s ∘ (v − sᵀv). */
  vjp(z, v) {
    _sameShape(z, v, "z and v");
    const S = _softmax.value(z);
    const n = z.rows, m = z.cols, s = S.data, vd = v.data;
    for (let c = 0; c < m; c++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += s[i * m + c] * vd[i * m + c];
      for (let i = 0; i < n; i++) s[i * m + c] = s[i * m + c] * (vd[i * m + c] - dot);
    }
    return S;
  },
};

/** The activations by name: identity, relu, sigmoid, tanh, softmax. */
export const ACTIVATIONS = Object.freeze({ identity: _identity, relu: _relu, sigmoid: _sigmoid, tanh: _tanh, softmax: _softmax });

export function getActivation(name) {
  const key = typeof name === "string" ? name.toLowerCase() : name;
  if (!Object.prototype.hasOwnProperty.call(ACTIVATIONS, key)) {
    throw new Error(`expected an activation name, one of ${Object.keys(ACTIVATIONS).join(", ")}, got ${JSON.stringify(name)}`);
  }
  return ACTIVATIONS[key];
}

// ---------------------------------------------------------------------------------------
// Losses (mlp_lib/losses.py). L(batch) = (1/m) Σ_s ℓ(a[:, s], y[:, s]), the mean over samples.
//   MSE  ℓ = (1/n) Σ_i (y_i − ŷ_i)²                  ∇_a L = −(2/(n m)) (y − a)
//   BCE  ℓ = Σ_i −y_i log ŷ_i − (1−y_i) log(1−ŷ_i)   ∇_a L = (−y/a + (1−y)/(1−a)) / m
//   CCE  ℓ = −Σ_i y_i log ŷ_i  (y one-hot)           ∇_a L = −(y/a) / m
// Fused forms from the logits z^J (sigmoid+BCE, softmax+CCE): the value via log1p / log-sum-exp
// (exact at logits of ±1e4) and ϕ^J = (a^J − y)/m (Eq. 1 simplified, no division by a^J).
// ---------------------------------------------------------------------------------------

function _meanOverSamples(perSample) {
  let sum = 0;
  for (let s = 0; s < perSample.length; s++) sum += perSample[s];
  return sum / perSample.length;
}

/** (σ(z) − y)/m for a fused loss: Eq. (1) with ∇_a L and σ' multiplied out. */
function _fusedOutputError(act) {
  return (z, y) => {
    _sameShape(z, y, "z^J and y");
    const A = act.value(z), a = A.data, m = z.cols;
    for (let i = 0; i < a.length; i++) a[i] = (a[i] - y.data[i]) / m;
    return A;
  };
}

const _mse = {
  name: "mse",
  fusedActivation: null,
  perSample(a, y) {
    _sameShape(a, y, "a^J and y");
    const n = a.rows, m = a.cols, out = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < m; s++) {
        const d = y.data[i * m + s] - a.data[i * m + s];
        out[s] += d * d;
      }
    }
    for (let s = 0; s < m; s++) out[s] /= n;
    return out;
  },
  value(a, y) {
    return _meanOverSamples(_mse.perSample(a, y));
  },
  /** ∇_{a^J} L = −(2/(n m)) (y − a^J). */
  gradient(a, y) {
    _sameShape(a, y, "a^J and y");
    const c = -(2.0 / (a.rows * a.cols)), out = new Float64Array(a.data.length);
    for (let i = 0; i < out.length; i++) out[i] = c * (y.data[i] - a.data[i]);
    return { rows: a.rows, cols: a.cols, data: out };
  },
};

const _bce = {
  name: "bce",
  fusedActivation: "sigmoid",
  eps: 1e-15, // ŷ is clipped to [eps, 1 − eps] in the unfused value
  perSample(a, y) {
    _sameShape(a, y, "a^J and y");
    const n = a.rows, m = a.cols, out = new Float64Array(m), eps = _bce.eps;
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < m; s++) {
        const p = Math.min(Math.max(a.data[i * m + s], eps), 1.0 - eps), t = y.data[i * m + s];
        out[s] += -t * Math.log(p) - (1.0 - t) * Math.log1p(-p);
      }
    }
    return out;
  },
  value(a, y) {
    return _meanOverSamples(_bce.perSample(a, y));
  },
  /** ∇_{a^J} L = (−y/a + (1 − y)/(1 − a)) / m (plus sign: the source has a sign error here). */
  gradient(a, y) {
    _sameShape(a, y, "a^J and y");
    const m = a.cols, out = new Float64Array(a.data.length);
    for (let i = 0; i < out.length; i++) {
      const ai = a.data[i], yi = y.data[i];
      out[i] = (-yi / ai + (1.0 - yi) / (1.0 - ai)) / m;
    }
    return { rows: a.rows, cols: a.cols, data: out };
  },
  /** ℓ = Σ_i max(z_i, 0) − z_i y_i + log(1 + e^{−|z_i|}), mean over the batch; exact where σ(z) rounds to 0 or 1. */
  valueFromLogits(z, y) {
    _sameShape(z, y, "z^J and y");
    const n = z.rows, m = z.cols, out = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < m; s++) {
        const zi = z.data[i * m + s];
        out[s] += (Math.max(zi, 0.0) - zi * y.data[i * m + s]) + Math.log1p(Math.exp(-Math.abs(zi)));
      }
    }
    return _meanOverSamples(out);
  },
  /** Eq. (1) for sigmoid + BCE, simplified: ϕ^J = (σ(z^J) − y)/m. */
  outputErrorFromLogits: _fusedOutputError(_sigmoid),
};

const _cce = {
  name: "cce",
  fusedActivation: "softmax",
  eps: 1e-300,
  perSample(a, y) {
    _sameShape(a, y, "a^J and y");
    const n = a.rows, m = a.cols, out = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < m; s++) out[s] += y.data[i * m + s] * Math.log(Math.max(a.data[i * m + s], _cce.eps));
    }
    for (let s = 0; s < m; s++) out[s] = -out[s];
    return out;
  },
  value(a, y) {
    return _meanOverSamples(_cce.perSample(a, y));
  },
  /** ∇_{a^J} L = −(y/a)/m. */
  gradient(a, y) {
    _sameShape(a, y, "a^J and y");
    const m = a.cols, out = new Float64Array(a.data.length);
    for (let i = 0; i < out.length; i++) out[i] = -(y.data[i] / a.data[i]) / m;
    return { rows: a.rows, cols: a.cols, data: out };
  },
  /** ℓ = log Σ_k e^{z_k} − Σ_i y_i z_i, by log-sum-exp after subtracting the column max; batch mean. */
  valueFromLogits(z, y) {
    _sameShape(z, y, "z^J and y");
    const n = z.rows, m = z.cols, out = new Float64Array(m);
    for (let s = 0; s < m; s++) {
      let zmax = -Infinity;
      for (let i = 0; i < n; i++) if (z.data[i * m + s] > zmax || Number.isNaN(z.data[i * m + s])) zmax = z.data[i * m + s];
      let sumExp = 0, ySum = 0, yz = 0;
      for (let i = 0; i < n; i++) {
        const zi = z.data[i * m + s], yi = y.data[i * m + s];
        sumExp += Math.exp(zi - zmax);
        ySum += yi;
        yz += yi * zi;
      }
      out[s] = (zmax + Math.log(sumExp)) * ySum - yz;
    }
    return _meanOverSamples(out);
  },
  /** Eq. (1) for softmax + CCE, simplified: ϕ^J = (softmax(z^J) − y)/m. */
  outputErrorFromLogits: _fusedOutputError(_softmax),
};

/** The losses by name: mse, bce, cce. */
export const LOSSES = Object.freeze({ mse: _mse, bce: _bce, cce: _cce });

export function getLoss(name) {
  const key = typeof name === "string" ? name.toLowerCase() : name;
  if (!Object.prototype.hasOwnProperty.call(LOSSES, key)) {
    throw new Error(`expected a loss name, one of ${Object.keys(LOSSES).join(", ")}, got ${JSON.stringify(name)}`);
  }
  return LOSSES[key];
}

/** Integer labels (length m) → one-hot matrix (nClasses, m). */
export function oneHot(labels, nClasses) {
  const m = labels.length, out = matrix(nClasses, m);
  for (let s = 0; s < m; s++) {
    const c = labels[s];
    if (!Number.isInteger(c) || c < 0 || c >= nClasses) {
      throw new Error(`expected class labels in 0 … ${nClasses - 1}, got ${c}`);
    }
    out.data[c * m + s] = 1.0;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The four equations (mlp_lib/backprop.py), one function each, in mini-batch form.
// ---------------------------------------------------------------------------------------

/**
 * Eq. (1): ϕ^J = ∇_{a^J} L ∘ σ'(z^J); in general the transposed Jacobian of σ applied to
 * ∇_{a^J} L column by column, (∂a/∂z)ᵀ ∇_a L (for softmax s ∘ (g − sᵀg)). gradA and z are (n_J, m).
 */
export function outputLayerError(gradA, z, activation) {
  return getActivation(activation.name ?? activation).vjp(z, gradA);
}

/**
 * Eq. (2): ϕ^j = ((w^{j+1})ᵀ ϕ^{j+1}) ∘ σ'(z^j).
 * wNext is w^{j+1} (n_{j+1}, n_j), phiNext is ϕ^{j+1} (n_{j+1}, m), z is z^j (n_j, m).
 */
export function hiddenLayerError(wNext, phiNext, z, activation) {
  const act = getActivation(activation.name ?? activation);
  if (!act.elementwise) {
    throw new Error(`expected an elementwise activation in a hidden layer, got ${act.name}: the source uses softmax only in the output layer`);
  }
  const back = matmulTransA(wNext, phiNext); // (w^{j+1})ᵀ ϕ^{j+1}, (n_j, m)
  _sameShape(back, z, "(w^{j+1})ᵀ ϕ^{j+1} and z^j");
  const d = act.derivative(z).data; // σ'(z^j)
  for (let i = 0; i < d.length; i++) d[i] = back.data[i] * d[i];
  return { rows: z.rows, cols: z.cols, data: d };
}

/** Eq. (3): ∇_{w^j} L = ϕ^j (a^{j−1})ᵀ, (n_j, n_{j−1}): the sum over the batch of per-sample outer products. */
export function weightGradient(phi, aPrev) {
  return matmulTransB(phi, aPrev);
}

/** Eq. (4): ∇_{b^j} L = ϕ^j for one sample; for a batch the sum over its samples (columns), (n_j, 1). */
export function biasGradient(phi) {
  const n = phi.rows, m = phi.cols, out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let s = 0; s < m; s++) sum += phi.data[i * m + s];
    out[i] = sum;
  }
  return { rows: n, cols: 1, data: out };
}

// ---------------------------------------------------------------------------------------
// The network (mlp_lib/mlp.py)
// ---------------------------------------------------------------------------------------

function _checkConfig(config) {
  const sizes = config.layer_sizes ?? config.layerSizes;
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new Error(`expected layer_sizes as a list [n_0, …, n_J] of at least two sizes, got ${JSON.stringify(sizes)}`);
  }
  sizes.forEach((n, i) => {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`expected layer_sizes[${i}] to be a positive integer, got ${n}`);
  });
  const J = sizes.length - 1;
  const hiddenIn = config.hidden ?? "relu";
  const hidden = typeof hiddenIn === "string" ? Array(J - 1).fill(hiddenIn) : Array.from(hiddenIn);
  if (hidden.length !== J - 1) {
    throw new Error(`expected ${J - 1} hidden activation(s) for ${J} layers, got ${hidden.length}`);
  }
  const hiddenActs = hidden.map((h, k) => {
    const act = getActivation(h);
    if (!act.hiddenOk) {
      throw new Error(`expected an elementwise activation in hidden layer ${k + 1}, got ${act.name}: the source uses softmax only in the output layer`);
    }
    return act;
  });
  const output = getActivation(config.output ?? "identity");
  const loss = getLoss(config.loss ?? "mse");
  if (loss.fusedActivation !== null && output.name !== loss.fusedActivation) {
    throw new Error(`expected output="${loss.fusedActivation}" with loss="${loss.name}", got output="${output.name}": ${loss.name} needs outputs that are probabilities`);
  }
  const fused = config.fused === undefined ? true : Boolean(config.fused);
  return { sizes: sizes.slice(), J, activations: [null, ...hiddenActs, output], loss, fused };
}

function _newNetwork(config) {
  const c = _checkConfig(config);
  return { sizes: c.sizes, J: c.J, activations: c.activations, loss: c.loss, fused: c.fused, W: [null], b: [null] };
}

/** He normal weights for ReLU, w ~ N(0, 2/n_in); (n_out, n_in), row-major draws. */
export function heNormal(nOut, nIn, rng) {
  const std = Math.sqrt(2.0 / nIn), W = matrix(nOut, nIn);
  for (let i = 0; i < W.data.length; i++) W.data[i] = 0.0 + std * rng.normal();
  return W;
}

/** Glorot uniform weights otherwise, w ~ U(−r, r), r = √(6/(n_in + n_out)). */
export function glorotUniform(nOut, nIn, rng) {
  const limit = Math.sqrt(6.0 / (nIn + nOut)), W = matrix(nOut, nIn);
  for (let i = 0; i < W.data.length; i++) W.data[i] = rng.uniform(-limit, limit);
  return W;
}

/** w^j for a layer with nIn inputs, nOut units and the given activation (He for ReLU, Glorot otherwise). */
export function initialWeights(nOut, nIn, activation, rng) {
  return (activation.name ?? activation) === "relu" ? heNormal(nOut, nIn, rng) : glorotUniform(nOut, nIn, rng);
}

/**
 * A network n_0 → … → n_J with fresh weights, as MLP(layer_sizes, hidden, output, loss, seed, fused).
 * config: {layer_sizes (or layerSizes), hidden = "relu" (a name or J−1 names), output = "identity",
 * loss = "mse", fused = true}; rng: a createRng(...) generator or an integer seed. Biases start at 0.
 */
export function createNetwork(config, rng = 0) {
  if (typeof rng === "number") rng = createRng(rng, STREAMS.weights);
  const net = _newNetwork(config);
  for (let j = 1; j <= net.J; j++) {
    net.W.push(initialWeights(net.sizes[j], net.sizes[j - 1], net.activations[j], rng));
    net.b.push(matrix(net.sizes[j], 1));
  }
  return net;
}

/**
 * A network with the given weights: params {W1, b1, …, WJ, bJ} as matrices or nested arrays
 * (e.g. {k: v.tolist() for k, v in model.parameters().items()} from Python).
 */
export function networkFromWeights(config, params) {
  const net = _newNetwork(config);
  for (let j = 1; j <= net.J; j++) {
    const W = asMatrix(params[`W${j}`], `W${j}`), b = asMatrix(params[`b${j}`], `b${j}`);
    if (W.rows !== net.sizes[j] || W.cols !== net.sizes[j - 1]) {
      throw new Error(`expected W${j} of shape (${net.sizes[j]}, ${net.sizes[j - 1]}), got (${W.rows}, ${W.cols})`);
    }
    if (b.rows !== net.sizes[j] || b.cols !== 1) {
      throw new Error(`expected b${j} of shape (${net.sizes[j]}, 1), got (${b.rows}, ${b.cols})`);
    }
    net.W.push(W);
    net.b.push(b);
  }
  return net;
}

/** The architecture as MLP.config() writes it: {layer_sizes, hidden, output, loss, fused}. */
export function networkConfig(net) {
  return {
    layer_sizes: net.sizes.slice(),
    hidden: net.activations.slice(1, net.J).map((a) => a.name),
    output: net.activations[net.J].name,
    loss: net.loss.name,
    fused: net.fused,
  };
}

/**
 * {config, params}: the architecture (MLP.config()) and {W1: nested rows, b1: …}. In Python:
 *   model = MLP(**d["config"]); model.W = [None] + [np.array(d["params"][f"W{j}"]) …] (same for b).
 */
export function exportWeights(net) {
  const params = {};
  for (let j = 1; j <= net.J; j++) {
    params[`W${j}`] = toRows(net.W[j]);
    params[`b${j}`] = toRows(net.b[j]);
  }
  return { config: networkConfig(net), params };
}

export function copyNetwork(net) {
  return {
    ...net,
    sizes: net.sizes.slice(),
    activations: net.activations.slice(),
    W: [null, ...net.W.slice(1).map(copyMatrix)],
    b: [null, ...net.b.slice(1).map(copyMatrix)],
  };
}

/** Forward pass: z^j = w^j a^{j−1} + b^j and a^j = σ(z^j) for j = 1 … J; returns {z, a} (z[0] = null, a[0] = x). */
export function forward(net, x) {
  if (x.rows !== net.sizes[0]) throw new Error(`expected x to have ${net.sizes[0]} rows (one per input), got ${x.rows}`);
  const z = [null], a = [x];
  for (let j = 1; j <= net.J; j++) {
    const zj = matmul(net.W[j], a[j - 1]); // w^j a^{j−1}
    const bj = net.b[j].data, m = zj.cols, d = zj.data;
    for (let i = 0; i < zj.rows; i++) {
      const bi = bj[i];
      for (let s = 0; s < m; s++) d[i * m + s] += bi; // + b^j, broadcast over the batch
    }
    z.push(zj);
    a.push(net.activations[j].value(zj));
  }
  return { z, a };
}

/** The batch loss L from a forward pass: from the logits z^J when fused, else from a^J. */
export function lossFromForward(net, fp, y) {
  if (net.fused && net.loss.fusedActivation !== null) return net.loss.valueFromLogits(fp.z[net.J], y);
  return net.loss.value(fp.a[net.J], y);
}

/** L (mean over samples) of the network on the batch (x, y); y is the (n_J, m) target matrix. */
export function lossValue(net, x, y) {
  return lossFromForward(net, forward(net, x), y);
}

/**
 * Eqs. (1)–(4) from a forward pass fp and the targets y, layer J down to layer 1.
 * Returns {phi, dW, db} with index 0 null.
 */
export function backward(net, fp, y) {
  const J = net.J, z = fp.z, a = fp.a;
  const phi = Array(J + 1).fill(null), dW = Array(J + 1).fill(null), db = Array(J + 1).fill(null);
  if (net.fused && net.loss.fusedActivation !== null) {
    phi[J] = net.loss.outputErrorFromLogits(z[J], y); // Eq. (1) simplified: (a^J − y)/m
  } else {
    phi[J] = outputLayerError(net.loss.gradient(a[J], y), z[J], net.activations[J]); // Eq. (1)
  }
  for (let j = J - 1; j >= 1; j--) {
    phi[j] = hiddenLayerError(net.W[j + 1], phi[j + 1], z[j], net.activations[j]); // Eq. (2)
  }
  for (let j = 1; j <= J; j++) {
    dW[j] = weightGradient(phi[j], a[j - 1]); // Eq. (3)
    db[j] = biasGradient(phi[j]); // Eq. (4)
  }
  return { phi, dW, db };
}

/** Backpropagation on a batch, as MLP.gradients: {phi, dW, db, loss, output} (output = a^J). */
export function gradients(net, x, y) {
  if (y.rows !== net.sizes[net.J] || y.cols !== x.cols) {
    throw new Error(`expected targets y of shape (${net.sizes[net.J]}, ${x.cols}), got (${y.rows}, ${y.cols})`);
  }
  const fp = forward(net, x);
  const loss = lossFromForward(net, fp, y);
  const g = backward(net, fp, y);
  return { phi: g.phi, dW: g.dW, db: g.db, loss, output: fp.a[net.J] };
}

// ---------------------------------------------------------------------------------------
// Training (mlp_lib/training.py)
// ---------------------------------------------------------------------------------------

/** Thrown when a step would make the loss or the weights infinite or NaN; the weights are kept. */
export class TrainingDiverged extends Error {
  constructor(message, epoch, step) {
    super(message);
    this.name = "TrainingDiverged";
    this.epoch = epoch;
    this.step = step;
  }
}

/**
 * The weight-decay / L1 term of Eq. (3) added to ∇_{w^j} L (mlp_lib.regularization.penalty_gradient):
 * returns a new matrix gradW + λ w + λ₁ sign(w), with sign(0) = 0.
 */
export function penaltyGradient(w, gradW, weightDecay = 0, l1 = 0) {
  const out = new Float64Array(w.data.length);
  for (let i = 0; i < out.length; i++) out[i] = gradW.data[i] + weightDecay * w.data[i] + l1 * Math.sign(w.data[i]);
  return { rows: w.rows, cols: w.cols, data: out };
}

/**
 * The penalty (λ/2) Σ_j ‖w^j‖² + λ₁ Σ_j Σ |w_{i,k}^j| (mlp_lib.regularization.penalty).
 */
export function penalty(net, weightDecay = 0, l1 = 0) {
  let squares = 0, absolutes = 0;
  for (let j = 1; j <= net.J; j++) {
    for (const v of net.W[j].data) {
      squares += v * v;
      absolutes += Math.abs(v);
    }
  }
  return 0.5 * weightDecay * squares + l1 * absolutes;
}

/**
 * One gradient-descent step on the batch (x, y): w^j ← w^j − η ∇_{w^j} L, b^j ← b^j − η ∇_{b^j} L.
 * Returns the gradients it used (loss and output of the weights before the step). Throws
 * TrainingDiverged, leaving net.W and net.b untouched (the last finite weights), when the loss
 * is not finite or a new weight would be. Afterwards net.W and net.b are new matrices.
 */
export function sgdStep(net, x, y, learningRate, { epoch = 0, step = 0, weightDecay = 0, l1 = 0 } = {}) {
  const g = gradients(net, x, y);
  if (weightDecay || l1) {
    // mlp_lib.regularization: Eq. (3) gains λ w^j + λ₁ sign(w^j) (sign(0) = 0); biases are not penalized.
    for (let j = 1; j <= net.J; j++) g.dW[j] = penaltyGradient(net.W[j], g.dW[j], weightDecay, l1);
  }
  const W = [null], b = [null];
  for (let j = 1; j <= net.J; j++) {
    const wOld = net.W[j].data, gw = g.dW[j].data, wNew = new Float64Array(wOld.length);
    for (let i = 0; i < wNew.length; i++) wNew[i] = wOld[i] - learningRate * gw[i];
    const bOld = net.b[j].data, gb = g.db[j].data, bNew = new Float64Array(bOld.length);
    for (let i = 0; i < bNew.length; i++) bNew[i] = bOld[i] - learningRate * gb[i];
    W.push({ rows: net.W[j].rows, cols: net.W[j].cols, data: wNew });
    b.push({ rows: net.b[j].rows, cols: 1, data: bNew });
  }
  if (!Number.isFinite(g.loss)) {
    throw new TrainingDiverged(
      `training diverged in epoch ${epoch}: the loss became infinite or NaN at step ${step} with learning rate ${learningRate}; ` +
        `lower the learning rate (the weights from before epoch ${epoch}, step ${step} are kept)`,
      epoch,
      step,
    );
  }
  for (let j = 1; j <= net.J; j++) {
    if (!_allFinite(W[j]) || !_allFinite(b[j])) {
      throw new TrainingDiverged(
        `training diverged at epoch ${epoch}, step ${step}: the weights became infinite or NaN with learning rate ${learningRate}; ` +
          "lower the learning rate (the weights from before this step are kept)",
        epoch,
        step,
      );
    }
  }
  net.W = W;
  net.b = b;
  return g;
}

/**
 * How many samples (columns) the output a^J classifies right, given the target matrix y (MLP.n_correct):
 * CCE: argmax of a^J = argmax of y; otherwise every output thresholded at 0.5 matches its 0/1 label.
 */
export function nCorrect(net, output, y) {
  const n = output.rows, m = output.cols;
  let correct = 0;
  for (let s = 0; s < m; s++) {
    if (net.loss.name === "cce") {
      if (_argmaxColumn(output, s) === _argmaxColumn(y, s)) correct++;
    } else {
      let ok = true;
      for (let i = 0; i < n && ok; i++) ok = (output.data[i * m + s] >= 0.5) === (y.data[i * m + s] >= 0.5);
      if (ok) correct++;
    }
  }
  return correct;
}

function _argmaxColumn(M, s) {
  let best = 0;
  for (let i = 1; i < M.rows; i++) if (M.data[i * M.cols + s] > M.data[best * M.cols + s]) best = i;
  return best;
}

/**
 * One epoch of mini-batch gradient descent, as one pass of mlp_lib.training.train: a new random
 * order of the m samples, then batches of batchSize columns. Returns {loss, accuracy, steps,
 * diverged}: loss and accuracy averaged over the epoch's batches, each measured just before its
 * step (accuracy null for MSE); diverged is the TrainingDiverged message (weights kept) or null.
 */
export function trainEpoch(net, x, y, { learningRate, batchSize, rng, epoch = 1, weightDecay = 0, l1 = 0 }) {
  const m = x.cols, order = rng.permutation(m), classify = net.loss.name !== "mse";
  let totalLoss = 0, correct = 0, steps = 0;
  for (let start = 0; start < m; start += batchSize) {
    const idx = order.subarray(start, Math.min(start + batchSize, m));
    const xb = takeColumns(x, idx), yb = takeColumns(y, idx);
    let g;
    try {
      g = sgdStep(net, xb, yb, learningRate, { epoch, step: steps + 1, weightDecay, l1 });
    } catch (err) {
      if (err instanceof TrainingDiverged) return { loss: NaN, accuracy: null, steps, diverged: err.message };
      throw err;
    }
    steps++;
    totalLoss += g.loss * xb.cols;
    if (classify) correct += nCorrect(net, g.output, yb);
  }
  return { loss: totalLoss / m, accuracy: classify ? correct / m : null, steps, diverged: null };
}

/**
 * The playground's batch order (Session._next_batch): a new random permutation of 0 … m−1
 * every epoch, cut into batches of min(batchSize, m); a batch never spans two epochs.
 * Returns {next(batchSize) → Int32Array of column indices, samplesSeen}.
 */
export function createBatchStream(m, rng) {
  let order = new Int32Array(0), pos = 0;
  return {
    samplesSeen: 0,
    next(batchSize) {
      const size = Math.min(batchSize, m);
      if (pos >= order.length) {
        order = rng.permutation(m);
        pos = 0;
      }
      const idx = order.slice(pos, pos + size);
      pos += size;
      this.samplesSeen += idx.length;
      return idx;
    },
  };
}

/**
 * Class "probabilities" (nClasses, m) from the output a^J (Session.class_probabilities):
 * CCE a^J itself; BCE with one output [1 − a, a]; otherwise the outputs clipped to [0, 1] and
 * normalised per column (uniform when they sum to ~0).
 */
export function classProbabilities(net, output) {
  const n = output.rows, m = output.cols, o = output.data;
  if (net.loss.name === "cce") return copyMatrix(output);
  if (net.loss.name === "bce" && n === 1) {
    const P = matrix(2, m);
    for (let s = 0; s < m; s++) {
      P.data[s] = 1.0 - o[s];
      P.data[m + s] = o[s];
    }
    return P;
  }
  const P = matrix(n, m);
  for (let s = 0; s < m; s++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += Math.min(Math.max(o[i * m + s], 0.0), 1.0);
    for (let i = 0; i < n; i++) {
      const p = Math.min(Math.max(o[i * m + s], 0.0), 1.0);
      P.data[i * m + s] = total > 1e-12 ? p / total : 1.0 / n;
    }
  }
  return P;
}

/** Predicted class per sample (argmax of classProbabilities), an Int32Array of length m. */
export function predictLabels(net, output) {
  const P = classProbabilities(net, output), out = new Int32Array(P.cols);
  for (let s = 0; s < P.cols; s++) out[s] = _argmaxColumn(P, s);
  return out;
}

/** Fraction of labels predicted right. */
export function accuracy(predicted, labels) {
  let hits = 0;
  for (let s = 0; s < labels.length; s++) if (predicted[s] === labels[s]) hits++;
  return hits / labels.length;
}

/** R² = 1 − mean((a − y)²)/var(y) over all entries (0 when var(y) = 0), the regression score. */
export function rSquared(output, y) {
  const d = y.data, o = output.data, N = d.length;
  let mean = 0, resid = 0;
  for (let i = 0; i < N; i++) mean += d[i];
  mean /= N;
  let v = 0;
  for (let i = 0; i < N; i++) {
    v += (d[i] - mean) * (d[i] - mean);
    resid += (o[i] - d[i]) * (o[i] - d[i]);
  }
  v /= N;
  resid /= N;
  return v > 0 ? 1.0 - resid / v : 0.0;
}

/** C[i][k] = samples of class i predicted as k. */
export function confusionMatrix(labels, predicted, nClasses) {
  const C = Array.from({ length: nClasses }, () => new Array(nClasses).fill(0));
  for (let s = 0; s < labels.length; s++) C[labels[s]][predicted[s]]++;
  return C;
}

// ---------------------------------------------------------------------------------------
// Seeded random numbers
// ---------------------------------------------------------------------------------------

/** Independent streams drawn from one seed (the playground uses one seed for everything). */
export const STREAMS = Object.freeze({ data: 0, batches: 1, weights: 2, split: 3 });

function _splitmix32(state) {
  // returns [next state, output]
  state = (state + 0x9e3779b9) >>> 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [state, (z ^ (z >>> 16)) >>> 0];
}

/**
 * A seeded generator: xoshiro128** (Blackman & Vigna) on 32-bit integers, its state filled by
 * splitmix32 from (seed, stream); seed and stream are integers in 0 … 2³²−1. Not NumPy's PCG64:
 * the same seed gives the same numbers in every browser, not the numbers NumPy gives.
 *   nextUint32()        an integer in 0 … 2³²−1
 *   random()            a double in [0, 1) with 53 random bits
 *   uniform(lo, hi)     lo + (hi − lo)·random()
 *   normal()            a standard normal (Box–Muller, the second value of each pair is kept)
 *   integer(n)          an integer in 0 … n−1 (rejection sampling, unbiased)
 *   permutation(n)      an Int32Array holding 0 … n−1 in random order (Fisher–Yates)
 */
export function createRng(seed = 0, stream = 0) {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`expected a seed in 0 … 2^32−1, got ${seed}`);
  if (!Number.isInteger(stream) || stream < 0 || stream > 0xffffffff) throw new Error(`expected a stream in 0 … 2^32−1, got ${stream}`);
  let st = (seed ^ Math.imul(stream + 1, 0x632be5ab)) >>> 0;
  const s = new Uint32Array(4);
  let out;
  for (let i = 0; i < 4; i++) {
    [st, out] = _splitmix32(st);
    s[i] = out;
  }
  [st, out] = _splitmix32(st ^ seed);
  s[0] ^= out;
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // xoshiro's state must not be all zero
  let spare = null;

  function nextUint32() {
    const result = Math.imul(_rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = _rotl(s[3], 11);
    return result;
  }
  function random() {
    const hi = nextUint32() >>> 5, lo = nextUint32() >>> 6; // 27 + 26 = 53 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }
  function normal() {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    const u1 = 1.0 - random(); // (0, 1]: log never sees 0
    const u2 = random();
    const r = Math.sqrt(-2.0 * Math.log(u1)), theta = 2.0 * Math.PI * u2;
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
  function integer(n) {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) throw new Error(`expected n in 1 … 2^32, got ${n}`);
    const limit = Math.floor(0x100000000 / n) * n; // reject the top partial block
    let v;
    do v = nextUint32();
    while (v >= limit);
    return v % n;
  }
  function permutation(n) {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const k = integer(i + 1);
      const t = p[i];
      p[i] = p[k];
      p[k] = t;
    }
    return p;
  }
  return { nextUint32, random, uniform: (lo, hi) => lo + (hi - lo) * random(), normal, integer, permutation };
}

function _rotl(x, k) {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// ---------------------------------------------------------------------------------------
// Data sets (mlp_lib/datasets.py): the same recipes, generated here from createRng.
// A data set is {name, x: (n_features, m) matrix, y, nClasses}: y is an Int32Array of labels
// for classification (nClasses ≥ 2) and an (n_outputs, m) matrix for regression (nClasses 0).
// Samples come out shuffled, as in mlp_lib.
// ---------------------------------------------------------------------------------------

/** NumPy's linspace(start, stop, num, endpoint): start + i·step, the last point exactly stop when endpoint. */
export function linspace(start, stop, num, endpoint = true) {
  const out = new Float64Array(num);
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : NaN;
  for (let i = 0; i < num; i++) out[i] = div > 0 ? i * step + start : start;
  if (endpoint && num > 1) out[num - 1] = stop;
  return out;
}

/** n samples over `parts` groups, sizes differing by at most one (the first groups get the extra ones). */
export function splitEvenly(n, parts) {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

function _checkCount(n, minimum, why) {
  if (!Number.isInteger(n) || n < minimum) throw new Error(`expected n ≥ ${minimum} (${why}), got ${n}`);
}

function _checkNoise(noise) {
  if (typeof noise !== "number" || !Number.isFinite(noise) || noise < 0) throw new Error(`expected noise to be a finite number ≥ 0, got ${noise}`);
}

function _checkClasses(classes) {
  if (!Number.isInteger(classes) || classes < 2) throw new Error(`expected classes ≥ 2, got ${classes}`);
}

/** Reorder the columns of x (a 2-row Float64Array pair) and the labels by `order`. */
function _dataset(name, x0, x1, labels, nClasses, order) {
  const m = labels.length, x = matrix(2, m), y = new Int32Array(m);
  for (let s = 0; s < m; s++) {
    const o = order ? order[s] : s;
    x.data[s] = x0[o];
    x.data[m + s] = x1[o];
    y[s] = labels[o];
  }
  return { name, x, y, nClasses };
}

/**
 * XOR: 4 Gaussian clusters at (±1, ±1); sample = centre + noise·N(0, I), label (1 − c₁c₂)/2
 * (1 where the signs of the centre differ). n ≥ 4 spread evenly over the clusters.
 */
export function xor(n = 200, noise = 0.1, rng = createRng(0)) {
  _checkCount(n, 4, "one sample per cluster");
  _checkNoise(noise);
  const centres = [[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]];
  const cluster = [];
  splitEvenly(n, 4).forEach((k, c) => { for (let i = 0; i < k; i++) cluster.push(c); });
  const x0 = new Float64Array(n), x1 = new Float64Array(n), y = new Int32Array(n);
  for (let s = 0; s < n; s++) x0[s] = centres[cluster[s]][0] + noise * rng.normal(); // row 0 first, as NumPy's (2, n) draw
  for (let s = 0; s < n; s++) x1[s] = centres[cluster[s]][1] + noise * rng.normal();
  for (let s = 0; s < n; s++) y[s] = (1 - centres[cluster[s]][0] * centres[cluster[s]][1]) / 2;
  return _dataset("xor", x0, x1, y, 2, rng.permutation(n));
}

/**
 * Spiral (CS231n): arm k has r = t and θ = 4k + 4t + noise·N(0, 1) for n_k evenly spaced t in
 * [0, 1]; x = (r sin θ, r cos θ).
 */
export function spiral(n = 300, classes = 3, noise = 0.2, rng = createRng(0)) {
  _checkClasses(classes);
  _checkCount(n, classes, "one sample per class");
  _checkNoise(noise);
  const x0 = [], x1 = [], y = [];
  splitEvenly(n, classes).forEach((nk, k) => {
    const r = linspace(0.0, 1.0, nk), theta = linspace(4.0 * k, 4.0 * (k + 1), nk);
    for (let i = 0; i < nk; i++) {
      const th = theta[i] + noise * rng.normal();
      x0.push(r[i] * Math.sin(th));
      x1.push(r[i] * Math.cos(th));
      y.push(k);
    }
  });
  return _dataset("spiral", x0, x1, y, classes, rng.permutation(n));
}

/** scikit-learn's last steps of make_moons/make_circles: shuffle the points, then add N(0, noise²) to each coordinate. */
function _twoClasses(name, first, second, noise, rng) {
  const x0 = [...first[0], ...second[0]], x1 = [...first[1], ...second[1]];
  const y = [...Array(first[0].length).fill(0), ...Array(second[0].length).fill(1)];
  const d = _dataset(name, x0, x1, y, 2, rng.permutation(y.length));
  for (let i = 0; i < d.x.data.length; i++) d.x.data[i] += noise * rng.normal();
  return d;
}

/** Two moons (sklearn.datasets.make_moons): upper half circle (label 0), lower one shifted (label 1). */
export function moons(n = 500, noise = 0.2, rng = createRng(0)) {
  _checkCount(n, 2, "one sample per class");
  _checkNoise(noise);
  const upper = linspace(0, Math.PI, Math.floor(n / 2)), lower = linspace(0, Math.PI, n - Math.floor(n / 2));
  return _twoClasses(
    "moons",
    [Array.from(upper, Math.cos), Array.from(upper, Math.sin)],
    [Array.from(lower, (t) => 1 - Math.cos(t)), Array.from(lower, (t) => 1 - Math.sin(t) - 0.5)],
    noise,
    rng,
  );
}

/** Circles (sklearn.datasets.make_circles): label 0 the outer circle (radius 1), label 1 the inner (radius factor). */
export function circles(n = 500, noise = 0.1, factor = 0.5, rng = createRng(0)) {
  _checkCount(n, 2, "one sample per class");
  _checkNoise(noise);
  if (!(factor > 0 && factor < 1)) throw new Error(`expected factor in (0, 1), got ${factor}`);
  const outer = linspace(0, 2 * Math.PI, Math.floor(n / 2), false), inner = linspace(0, 2 * Math.PI, n - Math.floor(n / 2), false);
  return _twoClasses(
    "circles",
    [Array.from(outer, Math.cos), Array.from(outer, Math.sin)],
    [Array.from(inner, (t) => Math.cos(t) * factor), Array.from(inner, (t) => Math.sin(t) * factor)],
    noise,
    rng,
  );
}

/**
 * Gaussian blobs (sklearn.datasets.make_blobs) with fixed centres ρ (cos 2πk/K, sin 2πk/K),
 * ρ = 3/sin(π/K), so neighbouring centres are 6 apart; noise is each blob's standard deviation.
 */
export function blobs(n = 500, classes = 3, noise = 1.0, rng = createRng(0)) {
  _checkClasses(classes);
  _checkCount(n, classes, "one sample per class");
  _checkNoise(noise);
  const radius = 3.0 / Math.sin(Math.PI / classes);
  const x0 = [], x1 = [], y = [];
  splitEvenly(n, classes).forEach((nk, k) => {
    const angle = (2.0 * Math.PI * k) / classes, c0 = radius * Math.cos(angle), c1 = radius * Math.sin(angle);
    for (let i = 0; i < nk; i++) {
      x0.push(c0 + noise * rng.normal()); // NumPy's normal(loc, scale, (k, 2)): point by point, x₁ then x₂
      x1.push(c1 + noise * rng.normal());
      y.push(k);
    }
  });
  return _dataset("blobs", x0, x1, y, classes, rng.permutation(n));
}

/** Regression: y = sin(x) + noise·N(0, 1) with x uniform in [−π, π]; x and y are (1, n). */
export function sine(n = 200, noise = 0.1, rng = createRng(0)) {
  _checkCount(n, 1, "at least one sample");
  _checkNoise(noise);
  const x = matrix(1, n), y = matrix(1, n);
  for (let s = 0; s < n; s++) x.data[s] = rng.uniform(-Math.PI, Math.PI);
  for (let s = 0; s < n; s++) y.data[s] = Math.sin(x.data[s]) + noise * rng.normal();
  return { name: "sine", x, y, nClasses: 0 };
}

/**
 * The 8×8 digits from a table the page supplies (the engine ships no data): table.pixels holds
 * m × 64 intensities 0 … 16 row by row (image s, pixel 8r + c at s·64 + 8r + c), table.labels the
 * m labels 0 … 9 — scikit-learn's digits.csv.gz without its last column, and that column. The
 * pixels are divided by 16 and the images shuffled; x is (64, m).
 */
export function digits(table, rng = createRng(0)) {
  if (!table || !table.pixels || !table.labels) {
    throw new Error("expected the digits table {pixels: m×64 intensities, labels: m labels}, got none: the page must supply it");
  }
  const m = table.labels.length;
  if (table.pixels.length !== 64 * m) throw new Error(`expected ${64 * m} pixels for ${m} images, got ${table.pixels.length}`);
  const order = rng.permutation(m), x = matrix(64, m), y = new Int32Array(m);
  for (let s = 0; s < m; s++) {
    const o = order[s];
    for (let p = 0; p < 64; p++) x.data[p * m + s] = table.pixels[o * 64 + p] / 16.0;
    y[s] = table.labels[o];
  }
  return { name: "digits", x, y, nClasses: 10 };
}

function _subset(d, idx, suffix) {
  const y = d.nClasses ? Int32Array.from(idx, (i) => d.y[i]) : takeColumns(d.y, idx);
  return { name: `${d.name}/${suffix}`, x: takeColumns(d.x, idx), y, nClasses: d.nClasses };
}

/** round(fraction · n) (halves up), kept in 1 … n − 1. */
function _testCount(n, fraction) {
  return Math.min(Math.max(Math.floor(fraction * n + 0.5), 1), n - 1);
}

/**
 * Split into (train, test) as mlp_lib.datasets.train_test_split: stratified for classification
 * (each class with m_c ≥ 2 samples puts round(fraction·m_c) of them, 1 … m_c − 1, in the test set;
 * a class with one sample goes to training), round(fraction·m) samples for regression.
 */
export function trainTestSplit(d, testFraction = 0.25, rng = createRng(0, STREAMS.split)) {
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`expected test_fraction in (0, 1), got ${testFraction}`);
  const m = d.x.cols;
  if (m < 2) throw new Error(`expected at least 2 samples to split, got ${m}`);
  let testIdx = [], trainIdx = [];
  if (d.nClasses) {
    for (let c = 0; c < d.nClasses; c++) {
      const members = [];
      for (let s = 0; s < m; s++) if (d.y[s] === c) members.push(s);
      const perm = rng.permutation(members.length), shuffled = Array.from(perm, (i) => members[i]);
      const k = members.length >= 2 ? _testCount(members.length, testFraction) : 0;
      testIdx.push(...shuffled.slice(0, k));
      trainIdx.push(...shuffled.slice(k));
    }
    if (testIdx.length === 0) throw new Error("expected at least one class with 2 or more samples for a stratified split");
  } else {
    const order = Array.from(rng.permutation(m)), k = _testCount(m, testFraction);
    testIdx = order.slice(0, k);
    trainIdx = order.slice(k);
  }
  const trainOrder = Array.from(rng.permutation(trainIdx.length), (i) => trainIdx[i]);
  const testOrder = Array.from(rng.permutation(testIdx.length), (i) => testIdx[i]);
  return [_subset(d, trainOrder, "train"), _subset(d, testOrder, "test")];
}

/** Standardize both sets' features with the TRAINING set's mean and (population) standard deviation; s = 1 where it is 0. */
export function standardize(train, test) {
  const n = train.x.rows, m = train.x.cols;
  if (test.x.rows !== n) throw new Error(`expected train and test with the same number of features, got ${n} and ${test.x.rows}`);
  const mean = new Float64Array(n), std = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let s = 0; s < m; s++) sum += train.x.data[i * m + s];
    mean[i] = sum / m;
    let v = 0;
    for (let s = 0; s < m; s++) v += (train.x.data[i * m + s] - mean[i]) ** 2;
    std[i] = Math.sqrt(v / m);
    if (std[i] === 0) std[i] = 1.0;
  }
  const scale = (d) => {
    const x = copyMatrix(d.x), c = x.cols;
    for (let i = 0; i < n; i++) for (let s = 0; s < c; s++) x.data[i * c + s] = (x.data[i * c + s] - mean[i]) / std[i];
    return { ...d, x };
  };
  return [scale(train), scale(test)];
}

/**
 * The target matrix (n_J, m) a loss trains on (Dataset.targets followed by check_targets):
 * CCE one-hot (nClasses, m); BCE (1, m) 0/1 labels for two classes, one-hot for more (one
 * sigmoid per class); MSE one-hot for classification, y itself for regression.
 */
export function targets(d, lossName) {
  const loss = getLoss(lossName).name;
  if (!d.nClasses) {
    if (loss !== "mse") throw new Error(`expected loss 'mse' for the regression data set '${d.name}', got '${loss}'`);
    return copyMatrix(d.y);
  }
  if (loss === "bce" && d.nClasses === 2) return matrix(1, d.y.length, Float64Array.from(d.y));
  return oneHot(d.y, d.nClasses);
}

// ---------------------------------------------------------------------------------------
// The playground's setup (mlp_lib/widgets/session.py). Constants mirror session.py; the tests
// check that they agree.
// ---------------------------------------------------------------------------------------

export const PLAYGROUND = Object.freeze({
  datasets: ["moons", "circles", "xor", "spiral", "blobs", "digits", "sine"],
  regressionDatasets: ["sine"],
  defaultNoise: { moons: 0.2, circles: 0.1, xor: 0.2, spiral: 0.2, blobs: 1.0, digits: 0.0, sine: 0.1 },
  maxNoise: { moons: 0.6, circles: 0.4, xor: 1.0, spiral: 1.0, blobs: 3.0, digits: 0.0, sine: 1.0 },
  defaultSamples: { moons: 500, circles: 500, xor: 200, spiral: 300, blobs: 500, digits: 1797, sine: 200 },
  hiddenActivations: ["relu", "tanh", "sigmoid", "identity"],
  regularizations: ["none", "l1", "l2"],
  // name → [output activation, loss]
  pairings: { "sigmoid+bce": ["sigmoid", "bce"], "softmax+cce": ["softmax", "cce"], "identity+mse": ["identity", "mse"], "relu+mse": ["relu", "mse"] },
});

/** PlaygroundConfig's defaults. */
export const DEFAULT_CONFIG = Object.freeze({
  dataset: "moons", noise: null, n_samples: null, classes: 3, test_fraction: 0.25, hidden_layers: 2, units: 8,
  activation: "tanh", pairing: "sigmoid+bce", learning_rate: 0.3, batch_size: 16, seed: 0, standardize: true,
  regularization: "none", regularization_rate: 0,
});

/**
 * The (train, test) data sets a playground config describes (session.make_data), generated from
 * the config's seed with this engine's generator (streams data and split). options.digits is the
 * digits table (see digits()) when config.dataset is "digits".
 */
export function makeData(config, options = {}) {
  const c = { ...DEFAULT_CONFIG, ...config };
  const name = c.dataset;
  if (!PLAYGROUND.datasets.includes(name)) throw new Error(`expected dataset to be one of ${PLAYGROUND.datasets.join(", ")}, got ${JSON.stringify(name)}`);
  const noise = c.noise ?? PLAYGROUND.defaultNoise[name];
  const n = c.n_samples ?? PLAYGROUND.defaultSamples[name];
  const rng = createRng(c.seed, STREAMS.data);
  let data;
  if (name === "digits") data = digits(options.digits, rng);
  else if (name === "spiral") data = spiral(n, c.classes, noise, rng);
  else if (name === "blobs") data = blobs(n, c.classes, noise, rng);
  else if (name === "moons") data = moons(n, noise, rng);
  else if (name === "circles") data = circles(n, noise, 0.5, rng);
  else if (name === "xor") data = xor(n, noise, rng);
  else data = sine(n, noise, rng);
  let [train, test] = trainTestSplit(data, c.test_fraction, createRng(c.seed, STREAMS.split));
  if (c.standardize) [train, test] = standardize(train, test);
  return { train, test };
}

/** [n_0, units × hidden_layers, n_J] of a playground config on its training set (Session.layer_sizes). */
export function playgroundLayerSizes(config, train) {
  const c = { ...DEFAULT_CONFIG, ...config };
  const loss = PLAYGROUND.pairings[c.pairing][1];
  const nOut = targets(train, loss).rows;
  return [train.x.rows, ...Array(c.hidden_layers).fill(c.units), nOut];
}

/** The fresh network of a playground config (Session.reset), weights from the config's seed (stream weights). */
export function playgroundNetwork(config, train) {
  const c = { ...DEFAULT_CONFIG, ...config };
  const [output, loss] = PLAYGROUND.pairings[c.pairing];
  return createNetwork(
    { layer_sizes: playgroundLayerSizes(c, train), hidden: c.activation, output, loss },
    createRng(c.seed, STREAMS.weights),
  );
}
