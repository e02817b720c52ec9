// Node driver for tests/widgets/test_web_engine.py: runs jobs on mlp_lib/widgets/web/engine.js.
//
//   node tests/widgets/web_engine_driver.mjs [path/to/engine.js] < job.json > results.json
//
// The engine is loaded from its source text as a data: URL, i.e. as the self-contained
// module it must be (no relative imports, no package.json needed). The job is
// {"tasks": [{"kind": …, …}, …]}; the answer is {"results": [...]} in the same order.
// Matrices travel as {"rows", "cols", "data": [row-major numbers]}; JSON carries float64
// exactly both ways (Python's json writes repr, JSON.stringify the shortest round-trip form).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const enginePath = process.argv[2] ?? path.join(here, "..", "mlp_lib", "widgets", "web", "engine.js");
const source = readFileSync(enginePath, "utf8");
const E = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));

const mat = (M) => ({ rows: M.rows, cols: M.cols, data: Array.from(M.data) });
const mats = (list) => list.map((M) => (M === null ? null : mat(M)));

function runGradients(t) {
  const net = E.networkFromWeights(t.config, t.params);
  const x = E.asMatrix(t.x), y = E.asMatrix(t.y);
  const g = E.gradients(net, x, y);
  const loss_value = E.lossValue(E.copyNetwork(net), x, y); // the loss alone, on an independent copy
  return { phi: mats(g.phi), dW: mats(g.dW), db: mats(g.db), loss: g.loss, output: mat(g.output), loss_value };
}

function runTrain(t) {
  const net = E.networkFromWeights(t.config, t.params);
  const x = E.asMatrix(t.x), y = E.asMatrix(t.y);
  const losses = [];
  let diverged = null, steps = 0;
  for (const idx of t.batches) {
    try {
      const g = E.sgdStep(net, E.takeColumns(x, idx), E.takeColumns(y, idx), t.lr, {
        epoch: 1,
        step: steps + 1,
        weightDecay: t.weight_decay || 0,
        l1: t.l1 || 0,
      });
      losses.push(g.loss);
      steps++;
    } catch (err) {
      if (!(err instanceof E.TrainingDiverged)) throw err;
      diverged = { message: err.message, step: err.step };
      break;
    }
  }
  const out = E.exportWeights(net);
  const penalty = E.penalty(net, t.weight_decay || 0, t.l1 || 0);
  return { steps, losses, diverged, config: out.config, params: out.params, penalty };
}

function runInit(t) {
  // many draws of initial weights for the distribution checks
  const rng = E.createRng(t.seed, E.STREAMS.weights);
  const act = E.getActivation(t.activation);
  return mat(E.initialWeights(t.n_out, t.n_in, act, rng));
}

function dataset(d) {
  return { name: d.name, x: mat(d.x), y: d.nClasses ? Array.from(d.y) : mat(d.y), n_classes: d.nClasses };
}

function runDataset(t) {
  const rng = E.createRng(t.seed, E.STREAMS.data);
  const a = t.args;
  switch (t.name) {
    case "xor": return dataset(E.xor(a.n, a.noise, rng));
    case "spiral": return dataset(E.spiral(a.n, a.classes, a.noise, rng));
    case "moons": return dataset(E.moons(a.n, a.noise, rng));
    case "circles": return dataset(E.circles(a.n, a.noise, a.factor ?? 0.5, rng));
    case "blobs": return dataset(E.blobs(a.n, a.classes, a.noise, rng));
    case "sine": return dataset(E.sine(a.n, a.noise, rng));
    case "digits": return dataset(E.digits(t.table, rng));
    default: throw new Error(`unknown data set ${t.name}`);
  }
}

function runPlayground(t) {
  const { train, test } = E.makeData(t.config, { digits: t.table });
  const net = E.playgroundNetwork(t.config, train);
  return { train: dataset(train), test: dataset(test), network: E.exportWeights(net) };
}

function runRng(t) {
  const rng = E.createRng(t.seed, t.stream ?? 0);
  return {
    uniform: Array.from({ length: t.n }, () => rng.random()),
    normal: Array.from({ length: t.n }, () => rng.normal()),
    permutation: Array.from(rng.permutation(t.perm ?? 10)),
  };
}

function runEpoch(t) {
  const net = E.networkFromWeights(t.config, t.params);
  const x = E.asMatrix(t.x), y = E.asMatrix(t.y);
  const order = E.createRng(t.seed, E.STREAMS.batches).permutation(x.cols); // what trainEpoch draws first
  const r = E.trainEpoch(net, x, y, { learningRate: t.lr, batchSize: t.batch_size, rng: E.createRng(t.seed, E.STREAMS.batches) });
  return { ...r, order: Array.from(order), network: E.exportWeights(net) };
}

function runBatchStream(t) {
  const stream = E.createBatchStream(t.m, E.createRng(t.seed, E.STREAMS.batches));
  const batches = Array.from({ length: t.n }, () => Array.from(stream.next(t.batch_size)));
  return { batches, samples_seen: stream.samplesSeen };
}

function runReadouts(t) {
  const net = E.networkFromWeights(t.config, t.params);
  const output = E.asMatrix(t.output), y = E.asMatrix(t.y);
  return {
    probabilities: mat(E.classProbabilities(net, output)),
    labels: Array.from(E.predictLabels(net, output)),
    n_correct: E.nCorrect(net, output, y),
    norm: E.frobeniusNorm(output),
    r2: E.rSquared(output, y),
    accuracy: E.accuracy(E.predictLabels(net, output), t.labels),
    confusion: E.confusionMatrix(t.labels, E.predictLabels(net, output), t.n_classes),
  };
}

const handlers = {
  epoch: runEpoch,
  batch_stream: runBatchStream,
  readouts: runReadouts,
  gradients: runGradients,
  train: runTrain,
  init: runInit,
  dataset: runDataset,
  playground: runPlayground,
  rng: runRng,
  constants: () => ({ playground: E.PLAYGROUND, default_config: E.DEFAULT_CONFIG, exports: Object.keys(E).sort() }),
};

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const job = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const results = job.tasks.map((t) => {
  const h = handlers[t.kind];
  if (!h) throw new Error(`unknown task kind ${t.kind}`);
  return h(t);
});
process.stdout.write(JSON.stringify({ results }));
