// Node driver for the tests that compare the page's derivation checker with SymPy's:
//
//   node tests/teaching/checker_page_driver.mjs path/to/module.js < job.json > results.json
//
// module.js is the checker widget's ES module as Python sends it (written to a file by the test).
// The job is {"fingerprints": {name: fingerprint}, "tasks": [{"name": …, "text": …}]}; each result
// is the page's verdict {status, message, hint, proposal, reading} (or {error} if the page itself failed).
// A task with "read": true is only read (chkRead with the exercise's names): {status: "read"} or
// {status: "refused", message, hint}, to compare the reader with parser.parse_tree.
import { readFileSync } from "node:fs";

const source = readFileSync(process.argv[2], "utf8");
const C = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));
const job = JSON.parse(readFileSync(0, "utf8"));

function read(fp, text) {
  try {
    C.chkRead(text, new Set(Object.keys(fp.names)));
    return { status: "read" };
  } catch (err) {
    if (err instanceof C.ChkRefused) return { status: "refused", message: err.message, hint: err.hint ?? null };
    throw err;
  }
}

const results = job.tasks.map((t) => {
  try {
    if (t.read) return read(job.fingerprints[t.name], t.text);
    const v = C.chkDecide(job.fingerprints[t.name], t.text);
    return { status: v.status, message: v.message, hint: v.hint ?? null, proposal: v.proposal ?? null, reading: v.reading ?? null };
  } catch (err) {
    return { error: `${err.name}: ${err.message}` };
  }
});
process.stdout.write(JSON.stringify({ results }));
