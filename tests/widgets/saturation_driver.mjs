// Node driver for tests/widgets/test_widget_saturation.py: runs the saturation explorer's numbers
// (satOutputErrors, satStart/satAdvance, satCharts of mlp_lib/widgets/web/saturation.js, on top
// of engine.js and ui.js) for a list of cases.
//
//   node tests/widgets/saturation_driver.mjs path/to/module.js < job.json > results.json
//
// module.js is the widget's ES module as Python sends it (written to a file by the test). The job
// is {"tasks": [{kind: "curves", z, y} | {kind: "race", logit, target, learning_rate, steps}
// | {kind: "constants"}]}.
import { readFileSync } from "node:fs";

const source = readFileSync(process.argv[2], "utf8");
const V = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));

function run(t) {
  if (t.kind === "curves") return V.satOutputErrors(t.z, t.y);
  if (t.kind === "race") {
    const race = V.satAdvance(V.satStart(t.logit, t.target, t.learning_rate), t.steps);
    const phi = Object.fromEntries(V.SAT_LOSSES.map((name) => [name, V.satPhi(name, race.z[name], race.target)]));
    const charts = V.satCharts(race).map((c) => ({ title: c.title, summary: c.summary, dots: c.dots || [] }));
    return { z: race.z, history: race.history, phi, status: V.satStatusHtml(race), charts };
  }
  if (t.kind === "constants") return { maxSteps: V.SAT_MAX_STEPS, losses: V.SAT_LOSSES };
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
