// playground_boundary.js — the playground's left panel, drawn on a canvas with a one-line summary:
// for a data set in the plane, the plane coloured by the predicted class (faint where the network
// is unsure) under the training dots and test diamonds; for the sine data set, the points and the
// network's curve; for the digits, the test set's confusion matrix.

// matplotlib's tab10 as RGB (UI_COLORS as numbers), for the pixels of the heat map
const PG_RGB = UI_COLORS.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
const PG_FONT = "11px system-ui, -apple-system, 'Segoe UI', sans-serif";

/** Size a canvas's bitmap to its CSS box × devicePixelRatio; returns {ctx, w, h} in CSS pixels. */
function pgFit(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(60, canvas.clientWidth || 300), h = Math.max(45, canvas.clientHeight || 300);
  const W = Math.round(w * dpr), H = Math.round(h * dpr);
  if (canvas.width !== W || canvas.height !== H) [canvas.width, canvas.height] = [W, H];
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h };
}

/**
 * The heat map's pixels (64 × 64 RGBA) from the class probabilities P (K, 64²) on the mesh: each
 * class's colour weighted by its probability, blended into white by the confidence (plots.boundary_rgb).
 */
export function pgHeatPixels(P, K) {
  const m = P.cols, px = new Uint8ClampedArray(4 * m);
  for (let s = 0; s < m; s++) {
    let pmax = 0, r = 0, g = 0, b = 0;
    for (let k = 0; k < K; k++) {
      let p = P.data[k * m + s];
      if (!Number.isFinite(p)) p = 1 / K;
      pmax = Math.max(pmax, p);
      const c = PG_RGB[k % 10];
      [r, g, b] = [r + p * c[0], g + p * c[1], b + p * c[2]];
    }
    const conf = (pmax - 1 / K) / (1 - 1 / K), alpha = 0.12 + 0.55 * Math.min(Math.max(conf, 0), 1);
    px[4 * s] = 255 - alpha * (255 - Math.min(r, 255));
    px[4 * s + 1] = 255 - alpha * (255 - Math.min(g, 255));
    px[4 * s + 2] = 255 - alpha * (255 - Math.min(b, 255));
    px[4 * s + 3] = 255;
  }
  return px;
}

/** Dots (training) and diamonds (test) of every class, on the plane mapped by X, Y. */
function pgPaintPoints(ctx, d, X, Y, r) {
  for (const [set, test] of [[d.train, false], [d.test, true]]) {
    const mm = set.x.cols, xs = set.x.data;
    for (let k = 0; k < d.nClasses; k++) {
      ctx.beginPath();
      for (let s = 0; s < mm; s++) {
        if (set.y[s] !== k) continue;
        const [x, y] = [X(xs[s]), Y(xs[mm + s])];
        if (test) {
          ctx.moveTo(x, y - r * 1.2);
          ctx.lineTo(x + r * 1.2, y);
          ctx.lineTo(x, y + r * 1.2);
          ctx.lineTo(x - r * 1.2, y);
          ctx.closePath();
        } else {
          ctx.moveTo(x + r, y);
          ctx.arc(x, y, r, 0, 2 * Math.PI);
        }
      }
      ctx.fillStyle = UI_COLORS[k % 10];
      ctx.fill();
      ctx.strokeStyle = test ? "#000" : "#fff";
      ctx.lineWidth = test ? 0.7 : 0.6;
      ctx.stroke();
    }
  }
}

/** The points of a data set on a transparent canvas of the panel's size (drawn once per data set and size). */
function pgPointsLayer(panel, d, w, h) {
  const canvas = panel.canvas, key = [w, h, canvas.width, canvas.height];
  if (panel.points && panel.points.data === d && panel.points.key.join() === key.join()) return panel.points.layer;
  const layer = document.createElement("canvas");
  [layer.width, layer.height] = [canvas.width, canvas.height];
  const ctx = layer.getContext("2d");
  ctx.setTransform(canvas.width / w, 0, 0, canvas.height / h, 0, 0);
  const X = (v) => ((v - d.lo[0]) / (d.hi[0] - d.lo[0])) * w, Y = (v) => (1 - (v - d.lo[1]) / (d.hi[1] - d.lo[1])) * h;
  pgPaintPoints(ctx, d, X, Y, Math.max(2.2, Math.min(w, h) / 110));
  panel.points = { data: d, key, layer };
  return layer;
}

/** The plane coloured by the predicted class (`output`: a^J on the mesh), and the points. */
function pgPaintBoundary(panel, run, output) {
  const { ctx, w, h } = pgFit(panel.canvas);
  const d = run.data, G = PG_GRID;
  if (!panel.heat) {
    panel.heat = document.createElement("canvas");
    panel.heat.width = panel.heat.height = G;
  }
  const hctx = panel.heat.getContext("2d"), img = hctx.createImageData(G, G);
  img.data.set(pgHeatPixels(classProbabilities(run.net, output), d.nClasses));
  hctx.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(panel.heat, 0, 0, w, h);
  ctx.drawImage(pgPointsLayer(panel, d, w, h), 0, 0, w, h);
}

/** The sine data set: training dots, test squares and the network's curve (`output`: a^J on curveX). */
function pgPaintRegression(panel, run, output) {
  const { ctx, w, h } = pgFit(panel.canvas);
  const d = run.data;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  const X = (v) => 6 + ((v - d.lo[0]) / (d.hi[0] - d.lo[0])) * (w - 12);
  const Y = (v) => 6 + (1 - (v - d.lo[1]) / (d.hi[1] - d.lo[1])) * (h - 12);
  ctx.strokeStyle = "#ddd";
  ctx.beginPath();
  ctx.moveTo(X(d.lo[0]), Y(0));
  ctx.lineTo(X(d.hi[0]), Y(0));
  ctx.stroke();
  for (const [set, k, test] of [[d.train, 0, false], [d.test, 1, true]]) {
    ctx.fillStyle = UI_COLORS[k];
    for (let s = 0; s < set.x.cols; s++) {
      const [x, y] = [X(set.x.data[s]), Y(set.y.data[s])];
      if (test) ctx.fillRect(x - 2.5, y - 2.5, 5, 5);
      else {
        ctx.beginPath();
        ctx.arc(x, y, 2.2, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  }
  ctx.strokeStyle = "#000";
  ctx.lineWidth = 2;
  ctx.beginPath();
  output.data.forEach((v, i) => {
    const y = Math.min(Math.max(Y(v), -1e4), 1e4); // a diverging curve stays drawable
    if (Number.isFinite(y)) ctx[i ? "lineTo" : "moveTo"](X(d.curveX.data[i]), y);
  });
  ctx.stroke();
  ctx.font = PG_FONT;
  ctx.textBaseline = "top";
  [["train ●", UI_COLORS[0]], ["test ■", UI_COLORS[1]], ["network", "#000"]].forEach(([text, color], i) => {
    ctx.fillStyle = color;
    ctx.fillText(text, 10, 8 + 14 * i);
  });
}

/** The digits: the test set's confusion matrix C[i][k] (true i, predicted k), shaded by row share. */
function pgPaintConfusion(panel, run) {
  const { ctx, w, h } = pgFit(panel.canvas);
  const K = run.data.nClasses, C = pgConfusion(run);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  const L = 30, T = 8, B = 28, size = Math.min(w - L - 6, h - T - B), cell = size / K;
  ctx.font = PG_FONT;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (let i = 0; i < K; i++) {
    const total = C[i].reduce((a, b) => a + b, 0) || 1;
    for (let k = 0; k < K; k++) {
      const v = C[i][k] / total; // Blues: white → dark blue
      ctx.fillStyle = `rgb(${Math.round(247 - v * 239)},${Math.round(251 - v * 203)},${Math.round(255 - v * 148)})`;
      ctx.fillRect(L + k * cell, T + i * cell, cell, cell);
      if (C[i][k]) {
        ctx.fillStyle = v > 0.5 ? "#fff" : "#000";
        ctx.fillText(String(C[i][k]), L + (k + 0.5) * cell, T + (i + 0.5) * cell);
      }
    }
    ctx.fillStyle = "#333";
    ctx.fillText(String(i), L - 8, T + (i + 0.5) * cell);
    ctx.fillText(String(i), L + (i + 0.5) * cell, T + size + 7);
  }
  ctx.fillText("predicted class →", L + size / 2, T + size + 20);
  ctx.save();
  ctx.translate(9, T + size / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText("true class →", 0, 0);
  ctx.restore();
}

function pgConfusion(run) {
  const d = run.data;
  return run.testPred ? confusionMatrix(d.test.y, run.testPred, d.nClasses) : Array.from({ length: d.nClasses }, () => new Array(d.nClasses).fill(0));
}

/** The panel's title and its text alternative: what it shows, at which step, with the test score. */
export function pgPanelText(run, datasetTitle) {
  const d = run.data, h = run.history;
  const score = h.step.length ? uiFmt(h.testScore[h.testScore.length - 1], 3) : "not evaluated yet";
  if (d.mode === "boundary") {
    const title = `${datasetTitle}: train ●, test ◆; colour = predicted class`;
    return { title, summary: `${datasetTitle}: ${d.train.x.cols} training points (dots) and ${d.test.x.cols} test points (diamonds) of ${d.nClasses} classes on the plane coloured by the predicted class, at step ${run.step}; test accuracy ${score}` };
  }
  if (d.mode === "regression") {
    return { title: `${datasetTitle}: the network's curve`, summary: `${datasetTitle}: ${d.train.x.cols} training and ${d.test.x.cols} test points and the network's curve at step ${run.step}; test R² ${score}` };
  }
  const C = pgConfusion(run), right = C.reduce((n, row, i) => n + row[i], 0);
  let worst = null;
  C.forEach((row, i) => row.forEach((n, k) => { if (i !== k && n && (!worst || n > worst[2])) worst = [i, k, n]; }));
  const confused = worst ? `; most often confused: ${worst[0]} taken for ${worst[1]} (${worst[2]} times)` : "";
  return { title: "digits, test set: true class × predicted class", summary: `digits, test set, confusion matrix at step ${run.step}: ${right} of ${d.test.x.cols} right (accuracy ${score})${confused}` };
}

/** Draw the panel for the run's current weights, a slice of the mesh per yield (a job's part). */
export function* pgDrawPanel(panel, run) {
  const d = run.data;
  if (d.mode === "boundary") pgPaintBoundary(panel, run, (yield* pgForwardSlices(run.net, d.mesh)).output);
  else if (d.mode === "regression") pgPaintRegression(panel, run, forward(run.net, d.curveX).a[run.net.J]);
  else pgPaintConfusion(panel, run);
}
