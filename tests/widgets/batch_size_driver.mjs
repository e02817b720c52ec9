// Node driver for tests/widgets/test_widget_batch_size.py: runs the batch-size page's numbers
// (bsStart, bsRunAll, bsStatusHtml, bsCharts, bsThin, bsParseSeed, bsFaint of mlp_lib/widgets/web/batch_size.js on top of
// engine.js and ui.js) for a list of cases.
//
//   node tests/widgets/batch_size_driver.mjs path/to/module.js < job.json > results.json
//
// module.js is the widget's ES module as Python sends it (written to a file by the test). A
// "compare" task is {config, start, batch_sizes, learning_rate, epochs, seed, evaluations}: the
// page's comparison from its start. Besides the runs the driver returns the epochs' orders the
// page should have used, drawn here from the rule the page documents
// (createRng(seed, STREAMS.batches).permutation(m), once per epoch), for mlp_lib to train on.
import { readFileSync } from "node:fs";

const source = readFileSync(process.argv[2], "utf8");
const V = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));

function compare(t) {
  const start = V.bsStart(t.config, t.seed, t.start);
  const begin = { x: V.toRows(start.x), y: V.toRows(start.y), network: V.exportWeights(start.net) };
  const options = { batchSizes: t.batch_sizes, learningRate: t.learning_rate, epochs: t.epochs, seed: t.seed, evaluations: t.evaluations };
  const job = V.bsRunAll(start, options);
  const rng = V.createRng(t.seed, V.STREAMS.batches);
  const orders = Array.from({ length: t.epochs }, () => Array.from(rng.permutation(job.m)));
  const runs = job.runs.map((r) => ({
    batch_size: r.batchSize, steps_per_epoch: r.stepsPerEpoch, eval_steps: r.evalSteps, eval_epochs: r.evalEpochs,
    train_loss: r.trainLoss, batch_loss: r.batchLoss, diverged: r.diverged, network: V.exportWeights(r.net),
  }));
  return {
    source: start.source, begin, orders, m: job.m, runs, status: V.bsStatusHtml(job),
    summaries: V.bsCharts(job).map((c) => c.summary), report: V.bsReport(job, { ...options, batchSizes: t.batch_sizes }),
  };
}

function run(t) {
  if (t.kind === "compare") return compare(t);
  if (t.kind === "seed") return t.texts.map((text) => { try { return V.bsParseSeed(text); } catch (err) { return err.message; } });
  if (t.kind === "faint") return t.colors.map((c) => V.bsFaint(c));
  if (t.kind === "thin") return V.bsThin(t.losses, t.bins);
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
