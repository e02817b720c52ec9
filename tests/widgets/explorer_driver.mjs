// Node driver for the explorers' tests (test_widget_output_error.py, test_widget_descent.py,
// test_widget_shapes.py): calls exported functions of a widget's ES module and prints what they return.
//
//   node tests/widgets/explorer_driver.mjs path/to/module.mjs < job.json > results.json
//
// module.mjs is the widget's `_esm` exactly as Python sends it (engine.js + ui.js + the explorer's
// file), written to a file by the test. The job is {"tasks": [{"fn": "oeRun", "args": [...]}, …]};
// each result is the function's return value as JSON (typed arrays as lists, NaN and ±∞ as the
// strings "NaN", "Infinity", "-Infinity"), or {"error": message} if it threw.
import { readFileSync } from "node:fs";

const source = readFileSync(process.argv[2], "utf8");
const M = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));

function plain(_key, value) {
  if (ArrayBuffer.isView(value)) return Array.from(value);
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value;
}

const job = JSON.parse(readFileSync(0, "utf8"));
const results = job.tasks.map(({ fn, args }) => {
  try {
    if (typeof M[fn] !== "function") throw new Error(`expected an exported function ${fn}, got ${typeof M[fn]}`);
    return M[fn](...args);
  } catch (err) {
    return { error: err.message };
  }
});
process.stdout.write(JSON.stringify({ results }, plain));
