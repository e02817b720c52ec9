// Node driver for tests/widgets/test_widget_dead_units.py: runs the dead-units page's numbers
// (duStart, duCreateRun, duTrain, duStatusHtml, duCharts of mlp_lib/widgets/web/dead_units.js on
// top of engine.js and ui.js) for a list of cases.
//
//   node tests/widgets/dead_units_driver.mjs path/to/module.js < job.json > results.json
//
// module.js is the widget's ES module as Python sends it (written to a file by the test). A
// "train" task is {setup, units, seed, start, learning_rate, calls: [steps, …]}: the page's run
// from its start, trained duTrain(run, steps) once per call. Besides the run's numbers the driver
// returns the batch order the page should have used, drawn here from the rule the page documents
// (createBatchStream(m, createRng(seed, STREAMS.batches))), for mlp_lib to train on.
import { readFileSync } from "node:fs";

const source = readFileSync(process.argv[2], "utf8");
const V = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));

function train(t) {
  const start = V.duStart(t.setup, t.units, t.seed, t.start);
  const batchSize = t.setup.batch_size;
  const run = V.duCreateRun(start, { learningRate: t.learning_rate, batchSize, seed: t.seed });
  const begin = { x: V.toRows(run.x), y: V.toRows(run.y), network: V.exportWeights(run.net) };
  for (const steps of t.calls) V.duTrain(run, steps);
  const stream = V.createBatchStream(run.x.cols, V.createRng(t.seed, V.STREAMS.batches));
  const drawn = run.step + (run.diverged ? 1 : 0); // the diverging step drew its batch too
  const batches = Array.from({ length: drawn }, () => Array.from(stream.next(batchSize)));
  return {
    source: run.source,
    begin,
    batches,
    step: run.step,
    steps: run.steps,
    dead_history: run.deadHistory,
    loss_history: run.lossHistory,
    activity: run.now.activity.map((a) => Array.from(a)),
    layers: run.now.layers,
    network: V.exportWeights(run.net),
    diverged: run.diverged,
    status: V.duStatusHtml(run),
    summaries: V.duCharts(run, t.setup.dataset === "sine").map((c) => c.summary),
    report: V.duReport(run, { learningRate: t.learning_rate, units: t.units, seed: t.seed }),
  };
}

function run(t) {
  if (t.kind === "train") return train(t);
  if (t.kind === "percent") return t.values.map((v) => V.duPercent(v));
  throw new Error(`unknown task kind ${t.kind}`);
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
