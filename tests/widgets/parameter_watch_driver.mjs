// Node driver for tests/widgets/test_widget_parameter_watch.py: runs the parameter watch's numbers
// (the pw… functions of mlp_lib/widgets/web/parameter_watch.js, on top of engine.js) for a list of cases.
//
//   node tests/widgets/parameter_watch_driver.mjs path/to/module.js < job.json > results.json
//
// module.js is the widget's ES module as Python sends it (engine.js + ui.js + parameter_watch.js,
// written to a file by the test). Tasks:
//   {kind: "watch", network: {config, params}, x, y, lr, steps, selections: [{kind, layer, i, k}, …]}
//       → {steps, diverged, params, watched: [{history, contributions, status, charts}, …]};
//   {kind: "histogram", values, bins} → {edges, counts}.
import { readFileSync } from "node:fs";

const source = readFileSync(process.argv[2], "utf8");
const V = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));

function run(t) {
  if (t.kind === "histogram") return V.pwHistogram(t.values, t.bins);
  const r = V.pwRun(V.networkFromWeights(t.network.config, t.network.params), V.fromRows(t.x), V.fromRows(t.y));
  V.pwStep(r, t.steps, t.lr);
  return {
    steps: r.steps,
    diverged: r.diverged,
    params: V.exportWeights(r.net).params,
    watched: t.selections.map((sel) => ({
      history: V.pwHistory(r, sel),
      contributions: V.pwContributions(r, sel),
      status: V.pwStatusHtml(r, sel),
      charts: V.pwChartSpecs(r, sel),
    })),
  };
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
