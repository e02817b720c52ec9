// Node driver for tests/widgets/test_widget_regularization_view.py: runs the λ explorer's numbers
// (rgMeasures, rgGrid / rgProbabilityField, rgContour, rgStatusHtml, rgCharts, rgMapSummary of
// mlp_lib/widgets/web/regularization_view.js, on top of engine.js and ui.js) for a list of setups.
//
//   node tests/widgets/regularization_view_driver.mjs path/to/module.js < job.json > results.json
//
// module.js is the widget's ES module as Python sends it (written to a file by the test). Each
// task is {state: the widget's synced traits (RegularizationView.get_state()), selected}, or
// {contour: {field, extent, shape}} for the boundary segments of a given field.
import { readFileSync } from "node:fs";

const source = readFileSync(process.argv[2], "utf8");
const V = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));

function run({ state, selected, contour }) {
  if (contour) return V.rgContour(contour.field, V.rgGrid(contour.extent, contour.shape));
  const nets = V.rgNetworks(state.networks);
  const train = V.rgDataset(state.train_x, state.train_labels);
  const test = V.rgDataset(state.test_x, state.test_labels);
  const grid = V.rgGrid(state.extent, state.grid_shape);
  const labels = state.lambdas.map(V.rgLabel);
  const measures = nets.map((net) => V.rgMeasures(net, train, test));
  const field = V.rgProbabilityField(nets[selected], grid);
  return {
    labels,
    measures,
    grid: Array.from(grid.points.data),
    field: Array.from(field),
    contour: V.rgContour(field, grid),
    status: V.rgStatusHtml(labels[selected], measures[selected]),
    summary: V.rgMapSummary(labels[selected], field, measures[selected]),
    charts: V.rgCharts(labels, measures, selected).map((c) => ({ lines: c.lines, dots: c.dots, summary: c.summary })),
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
