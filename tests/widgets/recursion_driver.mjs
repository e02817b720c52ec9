// Node driver for tests/widgets/test_widget_recursion.py: runs the Eq. (2) explorer's numbers
// (the rec… functions of mlp_lib/widgets/web/recursion.js, on top of engine.js) for a list of cases.
//
//   node tests/widgets/recursion_driver.mjs path/to/module.js < job.json > results.json
//
// module.js is the widget's ES module as Python sends it (engine.js + ui.js + recursion.js,
// written to a file by the test). Tasks:
//   {kind: "pass", network: {config, params}, x, y, setup, ops: ["next" | "full" | ["train", n, lr], …], light_train}
//       → one snapshot after the start and after every op (matrices as nested rows, NaN as null;
//         with light_train, those after training hold only the steps, layer, loss and weights);
//   {kind: "start", setup} → the page's own start for a setup (no start from Python);
//   {kind: "resume", setup, initial, saved: {network, steps, layer}} → a snapshot of the run the traits describe.
import { readFileSync } from "node:fs";

const source = readFileSync(process.argv[2], "utf8");
const V = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));

function snapshot(run, setup, light = false) {
  const basics = { current: run.current, steps: run.steps, diverged: run.diverged, loss: V.recLoss(run), params: V.exportWeights(run.net).params };
  if (light) return basics;
  const parts = V.recParts(run);
  return {
    ...basics,
    phi: run.phi.map((p) => (p ? V.toRows(p) : null)),
    parts: parts && { j: parts.j, back: V.toRows(parts.back), dsigma: V.toRows(parts.dsigma), phi: V.toRows(parts.phi) },
    norms: V.recNorms(run),
    status: V.recStatusHtml(run),
    table: V.recTableHtml(run),
    chart: V.recChartSpec(run, setup),
  };
}

function run(t) {
  if (t.kind === "resume") return snapshot(V.recResume(t.setup, t.initial, t.saved), t.setup);
  if (t.kind === "start") {
    const start = V.recStart(t.setup, null);
    return { network: V.exportWeights(start.net), x: V.toRows(start.x), y: V.toRows(start.y), fromPython: start.fromPython };
  }
  const r = V.recRun(V.networkFromWeights(t.network.config, t.network.params), V.fromRows(t.x), V.fromRows(t.y));
  const snaps = [snapshot(r, t.setup)];
  for (const op of t.ops) {
    if (op === "next") V.recNextLayer(r);
    else if (op === "full") V.recFullPass(r);
    else if (op[0] === "train") V.recTrain(r, op[1], op[2]);
    else throw new Error(`unknown op ${JSON.stringify(op)}`);
    snaps.push(snapshot(r, t.setup, t.light_train && op[0] === "train"));
  }
  return snaps;
}

const job = JSON.parse(readFileSync(0, "utf8"));
const results = job.tasks.map((t) => {
  try {
    return run(t);
  } catch (err) {
    return { error: `${err.message}\n${err.stack}` };
  }
});
process.stdout.write(JSON.stringify({ results }));
