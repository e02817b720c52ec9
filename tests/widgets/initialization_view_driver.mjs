// Node driver for tests/widgets/test_widget_initialization_view.py: runs the initialization
// explorer's numbers and pictures (ivProfile, ivNumbers, ivStatusHtml, ivSummary, ivChartSvg of
// mlp_lib/widgets/web/initialization_view.js, on top of engine.js and ui.js) for a list of cases.
//
//   node tests/widgets/initialization_view_driver.mjs path/to/module.js < job.json > results.json
//
// module.js is the widget's ES module as Python sends it (written to a file by the test). Each
// task is {state: the widget's synced traits (InitializationView.get_state()), activation, scheme, layers}.
import { readFileSync } from "node:fs";

const source = readFileSync(process.argv[2], "utf8");
const V = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));

function run({ state, activation, scheme, layers }) {
  const profile = V.ivProfile(state.log_ratios, activation, scheme, layers);
  const derived = state.derived_factors[activation][scheme];
  const summary = V.ivSummary(profile, activation, scheme);
  return {
    numbers: V.ivNumbers(profile, derived),
    status: V.ivStatusHtml(profile, derived),
    summary,
    svg: V.ivChartSvg(profile, summary),
    limit: V.IV_LIMIT,
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
