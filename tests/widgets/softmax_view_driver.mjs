// Node driver for tests/widgets/test_widget_softmax_view.py: runs the softmax explorer's numbers
// (smxState, smxCharts, smxStatusHtml, smxTableHtml of mlp_lib/widgets/web/softmax_view.js, on top
// of engine.js and ui.js) for a list of cases.
//
//   node tests/widgets/softmax_view_driver.mjs path/to/module.js < job.json > results.json
//
// module.js is the widget's ES module as Python sends it (written to a file by the test). The job
// is {"tasks": [{logits: [...], true_class: γ}]}; each result is the state, the charts' titles,
// bar labels and summaries, the status line and the table (HTML).
import { readFileSync } from "node:fs";

const source = readFileSync(process.argv[2], "utf8");
const V = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));

function run(t) {
  const state = V.smxState(t.logits, t.true_class);
  const charts = V.smxCharts(state).map((c) => ({ title: c.title, xLabel: c.xLabel, labels: c.bars.labels, values: c.bars.values, summary: c.summary }));
  return { state, charts, status: V.smxStatusHtml(state), table: V.smxTableHtml(state) };
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
