// playground_numbers.js — "Show the numbers": ϕ^j, ∇w^j L and ∇b^j L of the last step next to the
// equation of Eqs. (1)–(4) that produced each of them, as HTML for a <pre>.

/** A matrix as aligned rows of 4 significant digits, at most maxRows × maxCols of it (with a note when cut). */
export function pgMatrixText(M, maxRows = 8, maxCols = 8) {
  const r = Math.min(M.rows, maxRows), c = Math.min(M.cols, maxCols);
  const cells = [];
  for (let i = 0; i < r; i++) {
    const row = [];
    for (let k = 0; k < c; k++) row.push(M.data[i * M.cols + k].toPrecision(4).replace(/\.?0+e/, "e"));
    cells.push(row);
  }
  const width = Math.max(...cells.flat().map((s) => s.length));
  const lines = cells.map((row) => "      [" + row.map((s) => s.padStart(width)).join(" ") + "]");
  if (r < M.rows || c < M.cols) lines[lines.length - 1] += `  (showing ${r}×${c} of ${M.rows}×${M.cols})`;
  return lines.join("\n");
}

/** The panel's HTML for the run's last step (columns 1 … 3 of ϕ^j; every matrix cut at 8 × 8). */
export function pgNumbersHtml(run) {
  const g = run.lastGrads;
  if (!g) return "No step yet: press Step to take one and see the numbers behind it.";
  const net = run.net, J = net.J, m = run.lastBatchSize, k = Math.min(3, m, g.phi[1].cols), loss = run.data.loss.toUpperCase();
  const sup = (j) => `<sup>${j}</sup>`;
  const firstColumns = (M) => takeColumns(M, Array.from({ length: k }, (_, i) => i));
  const asRow = (M) => ({ rows: M.cols, cols: M.rows, data: M.data });
  const out = [
    `Step ${run.step}: batch of m = ${m} sample(s); columns 1…${k} of ϕ are shown (each column already carries the 1/m of the batch mean). Layers j = 1 … J = ${J}.`,
  ];
  for (let j = J; j >= 1; j--) {
    const act = net.activations[j].name;
    out.push("");
    if (j === J) {
      out.push(`<b>Layer ${j}</b> (output, ${act} + ${loss})`);
      const fused = net.fused && net.loss.fusedActivation !== null;
      out.push(`  Eq. (1)  ϕ${sup(J)} = ∇<sub>a${sup(J)}</sub>L ∘ σ′(z${sup(J)})` + (fused ? `  = (a${sup(J)} − y)/m  for ${act} + ${loss}` : ""));
    } else {
      out.push(`<b>Layer ${j}</b> (hidden, ${act})`);
      out.push(`  Eq. (2)  ϕ${sup(j)} = ((w${sup(j + 1)})ᵀ ϕ${sup(j + 1)}) ∘ σ′(z${sup(j)})`);
    }
    out.push(uiEsc(pgMatrixText(firstColumns(g.phi[j]))));
    const prev = j === 1 ? "x" : `a${sup(j - 1)}`;
    out.push(`  Eq. (3)  ∇<sub>w${sup(j)}</sub>L = ϕ${sup(j)} (${prev})ᵀ        shape (${g.dW[j].rows}, ${g.dW[j].cols})`);
    out.push(uiEsc(pgMatrixText(g.dW[j])));
    out.push(`  Eq. (4)  ∇<sub>b${sup(j)}</sub>L = ϕ${sup(j)} 𝟙              shape (${g.db[j].rows}, 1)`);
    out.push(uiEsc(pgMatrixText(asRow(g.db[j]))) + (g.db[j].rows > 1 ? "   (transposed to a row)" : ""));
  }
  out.push("");
  out.push(`Batch loss L = ${Number(g.loss.toPrecision(6))}`);
  return out.join("\n");
}
