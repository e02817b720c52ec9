"""The live playground (mlp_lib/widgets/playground.py) without a browser.

Its front end is one ES module — the browser engine, ui.js and the playground's parts — that the
widget sends as ``_esm``. Here node runs the module's setup code against Python's: the page and
:class:`PlaygroundConfig` check a setup against the same declaration (the ``schema`` trait) and must
accept and refuse the same texts with the same messages; the page's steps, taken a slice of the batch
at a time, must be mlp_lib's steps; the runner must spread heavy work over frames (a fake clock).
Python checks the traits: the config round-trips, ``set_config`` refuses bad setups and keeps the
state, and ``model()`` gives an ``mlp_lib.MLP`` whose gradients are mlp_lib's on the weights the page
reports. In Chromium: tests/widgets/test_playground_page.py (mounted alone) and
tests/site/test_browser_playground.py (on the built site).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import traitlets

from mlp_lib import MLP
from mlp_lib.training import sgd_step
from mlp_lib.widgets.esm import WEB
from mlp_lib.widgets.page_weights import model_from_page
from mlp_lib.widgets.playground import FRONT_END, Playground, digits_table
from mlp_lib.widgets.session import SETTINGS, PlaygroundConfig, playground_schema

from helpers import NODE

needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")
#: the page and mlp_lib take the same step with the same formulas; a batch of several slices sums
#: the slices' gradients in another order than one matrix product does: they agree to rounding
TOL = 1e-12


@pytest.fixture(scope="module")
def widget() -> Playground:
    return Playground()


@pytest.fixture(scope="module")
def esm_file(tmp_path_factory, widget) -> Path:
    path = tmp_path_factory.mktemp("esm") / "playground.mjs"
    path.write_text(widget._esm, encoding="utf-8")
    return path


def run_node(esm_file: Path, body: str, payload=None):
    """Run ``body`` (async JS; ``M`` is the widget's module, ``input`` the payload, ``schema`` the
    widget's schema) and return its JSON result."""
    script = esm_file.parent / "job.mjs"
    script.write_text(
        f"import * as M from {json.dumps(esm_file.as_uri())};\n"
        "import { readFileSync } from 'node:fs';\n"
        "const { input, schema } = JSON.parse(readFileSync(0, 'utf-8'));\n"
        f"const result = await (async () => {{ {body} }})();\n"
        "process.stdout.write(JSON.stringify(result));\n",
        encoding="utf-8",
    )
    stdin = json.dumps({"input": payload, "schema": playground_schema()})
    proc = subprocess.run([NODE, str(script)], input=stdin, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"node exited with {proc.returncode}:\n{proc.stderr}"
    return json.loads(proc.stdout)


# ----------------------------------------------------------------------
# The module
# ----------------------------------------------------------------------
def test_esm_is_the_engine_ui_and_the_playground_parts(widget):
    positions = []
    for name in ("engine.js", *FRONT_END):
        text = (WEB / name).read_text(encoding="utf-8")
        assert text in widget._esm, f"expected {name} in _esm, got something else"
        positions.append(widget._esm.index(text))
    assert positions == sorted(positions), "expected the engine, ui.js, then the playground's parts in order"
    assert ".pg-root" in widget._css


@needs_node
def test_esm_parses_as_a_module(esm_file):
    proc = subprocess.run([NODE, "--check", str(esm_file)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"expected _esm to parse as an ES module, got:\n{proc.stderr}"


@needs_node
def test_esm_exports_render_and_the_engine(esm_file):
    out = run_node(
        esm_file, "return [typeof M.default.render, typeof M.sgdStep, typeof M.pgValidateConfig, typeof M.uiChart];"
    )
    assert out == ["function"] * 4


def playground_sources() -> dict[str, str]:
    return {name: (WEB / name).read_text(encoding="utf-8") for name in FRONT_END if name.startswith("playground")}


def test_esm_has_no_tex_like_text():
    """What the page shows is Unicode/HTML (ϕ<sup>j</sup>), never TeX source."""
    for name, text in playground_sources().items():
        for raw in ("\\frac", "^{", "_("):
            shown = [
                line for line in text.splitlines() if raw in line and not line.lstrip().startswith(("//", "*", "/*"))
            ]
            assert not shown, f"expected no {raw!r} in {name}'s text, got {shown[:3]}"


def function_lengths(text: str) -> dict[str, int]:
    """Lines of every function, generator and method: from its first line to the "}" at its indentation."""
    lines = text.splitlines()
    start = re.compile(r"^(\s*)(export )?(async )?(function\*? \w+|\*?\w+\(.*\) \{$|\w+ = \(.*\) => \{$)")
    out = {}
    for i, line in enumerate(lines):
        m = start.match(line)
        if not m or line.strip().startswith(("if ", "for ", "while ", "switch ", "catch ", "return ")):
            continue
        close = m.group(1) + "}"
        end = next(
            (k for k in range(i + 1, len(lines)) if lines[k].startswith(close) and lines[k].strip()[0] == "}"), None
        )
        assert end is not None, f"no end found for {line.strip()}"
        out[f"{line.strip()[:60]} (line {i + 1})"] = end - i + 1
    return out


def test_no_function_of_the_front_end_is_longer_than_150_lines():
    lengths = {
        f"{name}: {k}": n for name, text in playground_sources().items() for k, n in function_lengths(text).items()
    }
    assert len(lengths) > 60, f"expected the front end's functions to be found, got {len(lengths)}"
    long = {k: n for k, n in lengths.items() if n > 150}
    assert not long, f"expected no function longer than 150 lines, got {long}"


# ----------------------------------------------------------------------
# The setup: one declaration, the same checks in Python and in the page
# ----------------------------------------------------------------------
def test_the_declaration_is_the_configs_fields_and_defaults():
    from dataclasses import fields

    assert [f.name for f in fields(PlaygroundConfig)] == [s["name"] for s in SETTINGS]
    assert (
        PlaygroundConfig().to_dict()
        == PlaygroundConfig.from_dict({s["name"]: s["default"] for s in SETTINGS}).to_dict()
    )
    schema = playground_schema()
    assert json.loads(json.dumps(schema)) == schema and schema["fields"][0]["name"] == "dataset"
    assert Playground().schema == schema


def edge_cases() -> list[str]:
    """JSON texts for every declared field: its bounds and just past them, floats for integers, wrong
    types, off-grid values, unknown keys; plus whole-text cases. Each as the page or Python reads it."""
    wrong_types = ["true", "null", '"3"', "[1]", '{"a": 1}']
    texts = ["{}", '{"colour": "red"}', '{"Dataset": "moons"}', "[]", "null", "3", '"moons"', "{not json"]
    for spec in SETTINGS:
        name, kind = spec["name"], spec["type"]
        values = list(wrong_types)
        if kind == "integer":
            lo, hi = spec["minimum"], spec["maximum"]
            values += [str(lo), str(hi), str(lo - 1), str(hi + 1), f"{lo}.0", f"{hi}.0", "1e3", "2.5", "-0", "1e400"]
        elif kind == "number":
            lo, hi = spec["minimum"], spec["maximum"]
            values += [
                repr(lo),
                repr(hi),
                repr(hi + 1),
                repr(lo - 0.01),
                str(int(hi)),
                "1e-5",
                "0.33",
                "0.35",
                "1e400",
                "-0.0",
            ]
            values += ["0.05", "0.1", "0.30000000000000004", "0.4000000000000001"]
        elif kind == "string":
            values += [json.dumps(v) for v in spec["enum"]] + [json.dumps(spec["enum"][0].upper()), '"nope"', '""']
        else:
            values += ["false", "1", "0"]
        texts += ['{"%s": %s}' % (name, v) for v in values]
    texts += [
        '{"dataset": "sine"}',
        '{"dataset": "sine", "pairing": "relu+mse"}',
        '{"dataset": "digits", "n_samples": 99}',
        '{"dataset": "digits", "n_samples": "lots"}',
        '{"dataset": "blobs", "noise": 2.95, "classes": 8}',
        '{"units": 8, "units": 8.0}',
        '{"units": 8.0, "units": 8}',
        '{"seed": 7, "dataset": {"nested": [1.5, {"deep": 2}]}}',
        '{"learning_rate": 0.05, "batch_size": 2000, "regularization": "L2", "regularization_rate": 0.02}',
    ]
    return texts


def python_reads(text: str) -> dict:
    try:
        return {"config": PlaygroundConfig.from_json(text).to_dict()}
    except (TypeError, ValueError) as exc:
        return {"error": str(exc)}


@needs_node
def test_page_and_python_accept_and_refuse_the_same_texts_with_the_same_messages(esm_file):
    """Every field's edge cases, read by PlaygroundConfig.from_json and by the page's pgParseConfigText:
    the same setups accepted (and the same JSON shown), the same refused, with the same message
    wherever the refusal is a setting's (the JSON parsers' own wording differs)."""
    texts = edge_cases()
    page = run_node(
        esm_file,
        "return input.map((t) => { try { const c = M.pgParseConfigText(t, schema);"
        " return {config: c, json: M.pgConfigJson(c, schema)}; } catch (e) { return {error: e.message}; } });",
        texts,
    )
    accepted = refused = 0
    for text, answer in zip(texts, page):
        expected = python_reads(text)
        if "config" in expected:
            accepted += 1
            assert answer.get("config") == expected["config"], f"{text}: page {answer} vs Python {expected}"
            assert answer["json"] == PlaygroundConfig.from_dict(expected["config"]).to_json(), text
        else:
            refused += 1
            assert "error" in answer, f"{text}: expected the page to refuse it ({expected['error']}), got {answer}"
            assert answer["error"].startswith("expected"), answer["error"]
            if "invalid JSON" not in expected["error"] and "dict of playground settings" not in expected["error"]:
                assert answer["error"] == expected["error"], f"{text}: page and Python say different things"
    assert accepted >= 60 and refused >= 120, (accepted, refused)


@needs_node
def test_the_issues_examples_are_refused_alike(esm_file):
    """The page used to accept {"units": 8.0}, {"seed": 1e3}, {"n_samples": 500.0} that Python refuses,
    and showed test_fraction 0.33 on a slider at 0.35."""
    texts = ['{"units": 8.0}', '{"seed": 1e3}', '{"n_samples": 500.0}', '{"test_fraction": 0.33}']
    page = run_node(
        esm_file,
        "return input.map((t) => { try { M.pgParseConfigText(t, schema); return null; } catch (e) { return e.message; } });",
        texts,
    )
    assert page == [
        "expected units to be an integer in 1 … 32, got 8.0",
        "expected seed to be an integer in 0 … 4294967295, got 1000.0",
        "expected n_samples to be an integer in 8 … 5000, got 500.0",
        "expected test_fraction in steps of 0.05 (the slider's positions), got 0.33",
    ]
    assert [python_reads(t)["error"] for t in texts] == page


@needs_node
def test_page_and_python_validate_dicts_alike(esm_file):
    """What Python sends through the config trait (a dict, no float literals) is checked alike too."""
    dicts = [
        {},
        {"dataset": "spiral", "classes": 3, "pairing": "softmax+cce", "hidden_layers": 3, "units": 16},
        {"dataset": "XOR", "noise": 0.4000000000000001, "learning_rate": 10, "seed": 4294967295, "standardize": False},
        {"dataset": "digits", "hidden_layers": 1, "units": 32, "pairing": "softmax+cce", "batch_size": 64},
        {"hidden_layers": 5},
        {"noise": 0.33},
        {"learning_rate": 0},
        {"standardize": "yes"},
        {"colour": "red"},
    ]
    out = run_node(
        esm_file,
        "return input.map((c) => { try { return {config: M.pgValidateConfig(c, schema)}; } catch (e) { return {error: e.message}; } });",
        dicts,
    )
    for data, answer in zip(dicts, out):
        try:
            expected = {"config": PlaygroundConfig.from_dict(data).to_dict()}
        except (TypeError, ValueError) as exc:
            expected = {"error": str(exc)}
        assert answer == expected, data


@needs_node
def test_config_text_limits_match_pythons(esm_file):
    texts = ["x" * 10_001, "[[[[[{}]]]]]", '{"a": ' * 6 + "1" + "}" * 6]
    out = run_node(
        esm_file,
        "return input.map((t) => { try { M.pgParseConfigText(t, schema); return null; } catch (e) { return e.message; } });",
        texts,
    )
    assert out == [python_reads(t)["error"] for t in texts]
    assert (
        "at most 10000 characters" in out[0] and "nested at most 4 levels deep, got 5 levels at character 4" in out[1]
    )


@needs_node
def test_page_address_round_trips_and_reports_damage(esm_file):
    setup = {"dataset": "spiral", "classes": 3, "pairing": "softmax+cce", "hidden_layers": 3, "units": 16}
    out = run_node(
        esm_file,
        "const c = M.pgValidateConfig(input, schema); const h = M.pgHashFor(c, schema);"
        " return [h, M.pgConfigFromHash(h, schema), M.pgConfigFromHash('#playground=%7B%22dataset', schema),"
        " M.pgConfigFromHash('#playground=%E0%A4%A', schema), M.pgConfigFromHash('#playground=%7B%22units%22%3A8.0%7D', schema),"
        " M.pgConfigFromHash('#the-playground', schema), M.pgConfigFromHash('', schema)];",
        setup,
    )
    hash_, back, damaged, bad_encoding, float_units, section, empty = out
    assert hash_.startswith("#playground=")
    assert back == {"config": PlaygroundConfig.from_dict(setup).to_dict()}
    assert "error" in damaged and "invalid JSON" in damaged["error"]
    assert "error" in bad_encoding
    assert float_units == {"error": "expected units to be an integer in 1 … 32, got 8.0"}
    assert section is None and empty is None


# ----------------------------------------------------------------------
# The page's steps, a slice at a time, against mlp_lib's
# ----------------------------------------------------------------------
def random_setups(n: int, seed: int = 7) -> list[dict]:
    """Setups whose batches are one slice (≤ 128 samples) or several (up to 4096), with or without a penalty."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        dataset = str(rng.choice(["moons", "circles", "xor", "spiral", "blobs", "sine"]))
        pairing = str(
            rng.choice(
                ["identity+mse", "relu+mse"] if dataset == "sine" else ["sigmoid+bce", "softmax+cce", "identity+mse"]
            )
        )
        regularization = str(rng.choice(["none", "l1", "l2"]))
        out.append(
            {
                "dataset": dataset,
                "n_samples": int(rng.integers(60, 900)),
                "classes": int(rng.integers(2, 6)),
                "hidden_layers": int(rng.integers(0, 4)),
                "units": int(rng.integers(1, 12)),
                "activation": str(rng.choice(["relu", "tanh", "sigmoid", "identity"])),
                "pairing": pairing,
                "learning_rate": float(rng.choice([0.01, 0.1, 0.3])),
                "batch_size": int(rng.choice([1, 16, 128, 129, 300, 4096])) if i % 2 else int(rng.choice([8, 64, 128])),
                "seed": int(rng.integers(0, 1000)),
                "regularization": regularization,
                "regularization_rate": 0.0 if regularization == "none" else float(rng.choice([0.001, 0.03])),
            }
        )
    return out


STEP_JOB = """
return input.map((setup) => {
  const cfg = M.pgValidateConfig(setup, schema);
  const run = M.pgFreshRun(cfg, M.pgMakeRunData(cfg, null));
  const out = { before: M.exportWeights(run.net), steps: [] };
  for (let s = 0; s < 3; s++) {
    const start = M.exportWeights(run.net);
    M.pgFinish(M.pgStepSlices(run));
    out.steps.push({ start, after: M.exportWeights(run.net), loss: run.lastGrads.loss, m: run.lastBatchSize });
  }
  // the batches the run took, drawn again from the same stream
  const again = M.createBatchStream(run.data.train.x.cols, M.createRng(cfg.seed, M.STREAMS.batches));
  out.batches = out.steps.map(() => Array.from(again.next(cfg.batch_size)));
  out.x = M.toRows(run.data.train.x);
  out.y = M.toRows(run.data.yTrain);
  return out;
});
"""


@needs_node
def test_page_steps_are_mlp_libs_steps(esm_file):
    """The page takes 3 steps of 40 random setups a slice (≤ 128 samples) at a time; mlp_lib's sgd_step
    from the same weights on the same batch gives the same loss and the same weights, to ≤ 1e-12
    relative (the weights: the largest difference over the largest weight or bias)."""
    setups = random_setups(40)
    results = run_node(esm_file, STEP_JOB, setups)
    worst, multi = 0.0, 0
    for setup, r in zip(setups, results):
        cfg = PlaygroundConfig.from_dict(setup)
        x, y = np.array(r["x"]), np.array(r["y"])
        for step, idx in zip(r["steps"], r["batches"]):
            model = model_from_page(step["start"], "the page")
            rate = cfg.regularization_rate
            grads = sgd_step(
                model,
                x[:, idx],
                y[:, idx],
                cfg.learning_rate,
                weight_decay=rate if cfg.regularization == "l2" else 0.0,
                l1=rate if cfg.regularization == "l1" else 0.0,
            )
            after = model_from_page(step["after"], "the page")
            worst = max(worst, rel(grads.loss, step["loss"]), rel(parameters(model), parameters(after)))
            multi += step["m"] > 128
    assert worst <= TOL, f"expected the page's steps to be mlp_lib's to {TOL}, got {worst:.2e}"
    assert multi >= 10, f"expected steps on batches of several slices, got {multi}"
    print(
        f"\n{len(setups)} setups × 3 steps ({multi} of several slices): worst relative difference {worst:.1e} (≤ {TOL})"
    )


def parameters(model: MLP) -> np.ndarray:
    """Every weight and bias of the network in one vector (a bias that is rounding noise around 0 is
    compared at the scale of the network's weights, not at its own)."""
    return np.concatenate([p.ravel() for p in model.parameters().values()])


def rel(a, b) -> float:
    """max|a − b| / max(max|a|, max|b|, 1e-300)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) / max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)


@needs_node
def test_one_slice_steps_are_the_engines_sgd_step_bit_for_bit(esm_file):
    """A batch of one slice goes through exactly the engine's sgdStep (the same weights, bits and all)."""
    setups = [s | {"batch_size": 32} for s in random_setups(10, seed=3)]
    out = run_node(
        esm_file,
        """
        return input.map((setup) => {
          const cfg = M.pgValidateConfig(setup, schema);
          const run = M.pgFreshRun(cfg, M.pgMakeRunData(cfg, null));
          const net = M.copyNetwork(run.net), d = run.data, rate = cfg.regularization_rate;
          const again = M.createBatchStream(d.train.x.cols, M.createRng(cfg.seed, M.STREAMS.batches));
          let same = true;
          for (let s = 1; s <= 5; s++) {
            M.pgFinish(M.pgStepSlices(run));
            const idx = again.next(cfg.batch_size);
            M.sgdStep(net, M.takeColumns(d.train.x, idx), M.takeColumns(d.yTrain, idx), cfg.learning_rate,
              { weightDecay: cfg.regularization === "l2" ? rate : 0, l1: cfg.regularization === "l1" ? rate : 0 });
            for (let j = 1; j <= net.J; j++) same &&= net.W[j].data.every((v, i) => Object.is(v, run.net.W[j].data[i]))
              && net.b[j].data.every((v, i) => Object.is(v, run.net.b[j].data[i]));
          }
          return same;
        });
        """,
        setups,
    )
    assert out == [True] * len(setups)


@needs_node
def test_sliced_evaluation_is_the_whole_sets(esm_file):
    """Loss and accuracy evaluated a slice at a time equal the engine's on the whole set (≤ 1e-12)."""
    setups = random_setups(12, seed=11)
    out = run_node(
        esm_file,
        """
        return input.map((setup) => {
          const cfg = M.pgValidateConfig(setup, schema);
          const run = M.pgFreshRun(cfg, M.pgMakeRunData(cfg, null)), d = run.data, net = run.net;
          M.pgFinish(M.pgEvaluateSlices(run));
          const fp = M.forward(net, d.train.x), fpt = M.forward(net, d.test.x);
          const score = (fp, y, set) => d.task === "regression" ? M.rSquared(fp.a[net.J], y)
            : M.accuracy(M.predictLabels(net, fp.a[net.J]), set.y);
          return { sliced: [run.history.trainLoss[0], run.history.testLoss[0], run.history.trainScore[0], run.history.testScore[0]],
                   whole: [M.lossFromForward(net, fp, d.yTrain), M.lossFromForward(net, fpt, d.yTest),
                           score(fp, d.yTrain, d.train), score(fpt, d.yTest, d.test)], m: d.train.x.cols };
        });
        """,
        setups,
    )
    assert max(r["m"] for r in out) > 256
    worst = max(rel(r["sliced"], r["whole"]) for r in out)
    assert worst <= TOL, worst


# ----------------------------------------------------------------------
# The work spread over frames (a fake clock)
# ----------------------------------------------------------------------
@needs_node
def test_runner_keeps_each_frame_within_its_budget(esm_file):
    """Slices of 10 ms in frames of 25 ms: two slices per frame (a third would end past the budget); a
    job's PG_END_FRAME ends a frame early; run(job, {now}) does the first frame's work at once, less the
    caller's own work since ``since``; busy while a job waits; stop() drops it."""
    out = run_node(
        esm_file,
        """
        let t = 0, queued = [];
        const clock = { now: () => t, frame: (f) => (queued.push(f), queued.length), cancel: () => { queued = []; } };
        const runner = M.pgCreateRunner(clock, 25), frames = [];
        runner.onFrame = (work) => frames.push(work);
        let done = 0;
        function* job(n) { for (let i = 0; i < n; i++) { t += 10; done++; yield; } }
        runner.run(job(7), { now: true });
        const first = done;
        while (queued.length) queued.shift()();
        function* framed() { for (let i = 0; i < 3; i++) { t += 1; yield "end of frame"; } }
        runner.run(framed());
        while (queued.length) queued.shift()();
        runner.run(job(100));
        queued.shift()();
        runner.stop();
        const before = done;
        runner.run(job(7), { now: true, since: t - 10 }); // the caller spent 10 ms: one 10 ms slice fits, not two
        const afterTen = done - before;
        runner.run(job(7), { now: true, since: t - 30 }); // the caller spent more than the budget: none now
        const afterThirty = done - before - afterTen, busyWaiting = runner.busy;
        runner.stop();
        return { first, frames, done: before, busy: runner.busy, busyWaiting, queued: queued.length, afterTen, afterThirty };
        """,
    )
    assert out["afterTen"] == 1, "expected run(job, {now, since}) to count the caller's 10 ms against the budget"
    assert out["afterThirty"] == 0, "expected run(job, {now, since}) to leave the job to the next frame"
    assert out["first"] == 2, "expected run(job, {now: true}) to do one frame's work at once"
    assert out["frames"][:3] == [20, 20, 10], out["frames"]
    assert out["frames"][3:6] == [1, 1, 1], "expected a frame to end where its job says so"
    assert out["done"] == 7 + 2 and not out["busy"] and out["queued"] == 0
    assert out["busyWaiting"], "expected the runner busy while a job waits for its frame"


@pytest.mark.slow  # the heaviest setup (a 5000-point spiral) trained in node: seconds
@needs_node
def test_a_heavy_step_spreads_over_frames_and_resumes_after_a_pause(esm_file):
    """The heaviest setup (a 5000-point 8-class spiral, 4 × 32 units, batch 4096) trains with every
    frame's work within the budget plus one slice, on a clock that counts 1 ms per look; a step
    paused half way and resumed gives the same weights as the step taken at once."""
    heavy = {
        "dataset": "spiral",
        "n_samples": 5000,
        "classes": 8,
        "test_fraction": 0.05,
        "hidden_layers": 4,
        "units": 32,
        "pairing": "softmax+cce",
        "batch_size": 4096,
        "learning_rate": 0.1,
    }
    out = run_node(
        esm_file,
        """
        const cfg = M.pgValidateConfig(input, schema), data = M.pgMakeRunData(cfg, null);
        let t = 0, queued = [];
        const clock = { now: () => (t += 1), frame: (f) => (queued.push(f), 1), cancel: () => { queued = []; } };
        const runner = M.pgCreateRunner(clock, 25), frames = [];
        runner.onFrame = (work) => frames.push({ work, step: run.step });
        const run = M.pgFreshRun(cfg, data);
        runner.run(M.pgTraining(run, { speed: () => Infinity, now: clock.now, draw: function* () {} }));
        for (let k = 0; k < 20 && queued.length; k++) queued.shift()();
        while (!(run.pending && run.pending.next > 0) && queued.length) queued.shift()(); // stop half way through a step
        runner.stop();
        const pausedAt = run.pending ? run.pending.next : null;
        M.pgFinish(M.pgStepSlices(run));
        const other = M.pgFreshRun(cfg, data);
        for (let s = 0; s < run.step; s++) M.pgFinish(M.pgStepSlices(other));
        const same = run.net.W.slice(1).every((W, j) => W.data.every((v, i) => v === other.net.W[j + 1].data[i]));
        return { frames, steps: run.step, pausedAt, batch: run.lastBatchSize, same };
        """,
        heavy,
    )
    frames = out["frames"]
    assert max(f["work"] for f in frames) <= 25 + 12, "expected no frame past its budget by more than a slice"
    per_step = [b["step"] - a["step"] for a, b in zip(frames, frames[1:])]
    assert max(per_step) <= 1 and out["steps"] >= 2, "expected a heavy step to take several frames"
    assert out["pausedAt"] is not None and 0 < out["pausedAt"] < out["batch"], (
        "expected the run stopped half way through a step"
    )
    assert out["same"], "expected the step resumed after the pause to be the step taken at once"


@needs_node
def test_chart_limits_stay_finite_for_any_value(esm_file):
    """A plotted 1e308 (or Infinity, NaN, 0) gives finite log limits and a chart built at once (the tick
    loop used to run forever)."""
    out = run_node(
        esm_file,
        """
        const cases = [[1e308, 1.7e308], [1e-320, 1e308], [Infinity, NaN, 0, -1], [1e-300, 1e-299], []];
        return cases.map((ys) => { const lim = M.pgLogLimits([ys]);
          const svg = M.uiChart({ lines: [{ x: ys.map((_, i) => i), y: ys }], yLog: true, yLimits: lim, xLimits: [0, 10], summary: "s" });
          return { lim, finite: lim.every(Number.isFinite) && lim[0] > 0 && lim[1] > lim[0], ok: svg.startsWith("<svg") }; });
        """,
    )
    assert all(r["finite"] and r["ok"] for r in out), out


# ----------------------------------------------------------------------
# Traits
# ----------------------------------------------------------------------
def test_config_trait_round_trips():
    cfg = PlaygroundConfig(dataset="spiral", classes=4, pairing="softmax+cce", learning_rate=0.1)
    w = Playground(cfg)
    assert w.config == cfg.to_dict()
    assert w.get_config() == cfg
    assert PlaygroundConfig.from_json(w.config_json()) == cfg
    # the page writes a config back (as a comm message would set it)
    page = PlaygroundConfig(dataset="xor", noise=0.4, units=4).to_dict()
    w.set_state({"config": page})
    assert w.get_config() == PlaygroundConfig.from_dict(page)
    assert w.get_state()["config"] == page
    # keyword overrides and JSON text
    w.set_config(units=16)
    assert w.get_config().units == 16
    w.set_config('{"dataset": "sine", "pairing": "relu+mse"}')
    assert w.get_config().dataset == "sine"
    assert Playground(dataset="blobs", classes=5).get_config().classes == 5


def test_only_the_free_playground_shares_the_page_address():
    """Playground() (the playground chapter's) carries its setup in the static page's address; one made
    for a given setup (four-equations, sigmoid-hidden, digits-capstone) leaves the address alone."""
    assert Playground().share_address is True
    assert Playground({"dataset": "xor"}).share_address is False
    assert Playground(units=4).share_address is False
    assert Playground({"dataset": "xor"}, share_address=True).share_address is True
    assert Playground(share_address=False).share_address is False
    with pytest.raises(TypeError, match="expected share_address to be True, False or None, got 'yes'"):
        Playground(share_address="yes")


@pytest.mark.parametrize(
    "bad",
    [
        {"dataset": "sine", "pairing": "softmax+cce"},
        {"hidden_layers": 9},
        {"colour": "red"},
        {"test_fraction": 0.33},
        '{"units": 8.0}',
        '{"dataset": "moons", ',
        42,
    ],
)
def test_set_config_refuses_and_keeps_the_state(bad):
    w = Playground(dataset="spiral", pairing="softmax+cce")
    before = dict(w.config)
    with pytest.raises((TypeError, ValueError)) as info:
        w.set_config(bad)
    assert "expected" in str(info.value), f"expected a clear message, got {info.value}"
    assert w.config == before
    if isinstance(bad, dict):
        with pytest.raises(traitlets.TraitError, match="expected"):
            w.config = bad
        assert w.config == before


def test_digits_table_is_mlp_libs_digits():
    table = digits_table()
    assert len(table["labels"]) == 1797 and len(table["pixels"]) == 1797 * 64
    assert set(table["pixels"]) <= {chr(65 + v) for v in range(17)}
    from mlp_lib import datasets

    d = datasets.digits(seed=0)
    pixels = np.frombuffer(table["pixels"].encode(), dtype=np.uint8).reshape(1797, 64).astype(float) - 65
    labels = np.array([int(c) for c in table["labels"]])
    # the same images with the same labels, in another order
    ours = sorted(zip(labels.tolist(), map(tuple, (pixels / 16.0).tolist())))
    theirs = sorted(zip(d.y.tolist(), map(tuple, d.x.T.tolist())))
    assert ours == theirs


def test_model_needs_weights_from_the_page():
    with pytest.raises(RuntimeError, match="display the playground"):
        Playground().model()


@needs_node
@pytest.mark.parametrize(
    "setup",
    [
        {},
        {
            "dataset": "spiral",
            "classes": 3,
            "pairing": "softmax+cce",
            "hidden_layers": 3,
            "units": 16,
            "activation": "relu",
        },
        {"dataset": "sine", "pairing": "identity+mse", "learning_rate": 0.1},
    ],
)
def test_model_has_mlp_libs_gradients(esm_file, setup):
    """The page trains 40 steps and reports its weights; model() rebuilds the network in Python, and
    mlp_lib's gradients on those weights equal the page engine's on the same batch."""
    cfg = PlaygroundConfig.from_dict(setup).to_dict()
    out = run_node(
        esm_file,
        """
        const cfg = M.pgValidateConfig(input, schema);
        const run = M.pgFreshRun(cfg, M.pgMakeRunData(cfg, null));
        for (let s = 0; s < 40; s++) M.pgFinish(M.pgStepSlices(run));
        const idx = Array.from({ length: 32 }, (_, i) => i);
        const xb = M.takeColumns(run.data.train.x, idx), yb = M.takeColumns(run.data.yTrain, idx);
        const g = M.gradients(run.net, xb, yb);
        return { weights: { ...M.exportWeights(run.net), step: run.step, setup: cfg }, x: M.toRows(xb), y: M.toRows(yb),
                 loss: g.loss, dW: g.dW.slice(1).map(M.toRows), db: g.db.slice(1).map(M.toRows) };
        """,
        cfg,
    )
    w = Playground(cfg)
    w.set_state({"weights": out["weights"]})  # what the page sends
    assert w.step == 40
    net = w.model()
    assert isinstance(net, MLP)
    assert net.config() == out["weights"]["config"]
    g = net.gradients(np.array(out["x"]), np.array(out["y"]))
    assert rel(g.loss, out["loss"]) <= TOL
    for j in range(1, net.J + 1):
        assert rel(g.dW[j], out["dW"][j - 1]) <= TOL, f"∇w^{j}"
        assert rel(g.db[j], out["db"][j - 1]) <= TOL, f"∇b^{j}"
    # a copy: changing it does not change what the widget holds
    net.W[1][0, 0] += 1.0
    assert w.model().W[1][0, 0] == out["weights"]["params"]["W1"][0][0]


def test_model_refuses_weights_of_the_wrong_shape():
    w = Playground()
    arch = {"layer_sizes": [2, 3, 1], "hidden": ["tanh"], "output": "sigmoid", "loss": "bce", "fused": True}
    params = {"W1": [[0.0, 0.0]] * 3, "b1": [[0.0]] * 3, "W2": [[0.0, 0.0]], "b2": [[0.0]]}
    w.weights = {"config": arch, "params": params, "step": 1}
    with pytest.raises(ValueError, match="expected W2"):
        w.model()
