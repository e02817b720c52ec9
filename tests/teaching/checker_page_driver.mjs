// Node driver for the tests that compare the page's derivation checker with SymPy's:
//
//   node tests/teaching/checker_page_driver.mjs path/to/module.js < job.json > results.json
//
// module.js is the checker widget's ES module as Python sends it (written to a file by the test).
// The job is {"fingerprints": {name: fingerprint}, "tasks": [{"name": …, "text": …}]}; each result
// is the page's verdict {status, message, hint, reading} (or {error} if the page itself failed).
import { readFileSync } from "node:fs";

const source = readFileSync(process.argv[2], "utf8");
const C = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));
const job = JSON.parse(readFileSync(0, "utf8"));
const results = job.tasks.map((t) => {
  try {
    const v = C.chkDecide(job.fingerprints[t.name], t.text);
    return { status: v.status, message: v.message, hint: v.hint ?? null, reading: v.reading ?? null };
  } catch (err) {
    return { error: `${err.name}: ${err.message}` };
  }
});
process.stdout.write(JSON.stringify({ results }));
