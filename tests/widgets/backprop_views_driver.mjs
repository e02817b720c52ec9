// Node driver for tests/widgets/test_backprop_views.py: runs the live backward-pass views' numbers
// (backwardSteps, nudgeData, lossChange of mlp_lib/widgets/web/backprop_steps.js, on top of
// engine.js) and the number format (ui.js's uiFmt) for a list of cases.
//
//   node tests/widgets/backprop_views_driver.mjs path/to/module.js < job.json > results.json
//
// module.js is the widget's ES module as Python sends it (engine.js, ui.js, network.js and the
// views' files, written to a file by the test). The job is {"tasks": [{kind, network: {config, params},
// x, y, …}]}; matrices come back as nested rows, vectors as lists.
import { readFileSync } from "node:fs";

const source = readFileSync(process.argv[2], "utf8");
const V = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));

function run(t) {
  if (t.kind === "fmt") return t.values.map((v) => V.uiFmt(v));
  const net = V.networkFromWeights(t.network.config, t.network.params);
  if (t.kind === "steps") {
    return V.backwardSteps(net, t.x, t.y).map((s) => ({ title: s.title, equation: s.equation, caption: s.caption, data: s.data }));
  }
  if (t.kind === "nudge") {
    const d = V.nudgeData(net, t.x, t.y, t.j, t.i, t.k, t.eps_max, t.n);
    const one = V.lossChange(net, t.x, t.y, t.j, t.i, t.k, t.eps_max / 3);
    return { ...d, one };
  }
  throw new Error(`unknown task kind ${t.kind}`);
}

const job = JSON.parse(readFileSync(0, "utf8"));
const results = job.tasks.map((t) => {
  try {
    return run(t);
  } catch (err) {
    return { error: err.message };
  }
});
process.stdout.write(JSON.stringify({ results }));
