"""The live playground (mlp_lib/widgets/playground.py) without a browser.

Its front end is one ES module, the browser engine followed by web/playground.js, that the widget
sends as ``_esm``. Here node checks that the module parses and runs its setup code (validation,
JSON, the page address), and Python checks the traits: the config round-trips, ``set_config``
refuses bad setups and keeps the state, and ``model()`` gives an ``mlp_lib.MLP`` whose gradients
are mlp_lib's on the weights the page reports. The browser itself: tests/site/test_browser_playground.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import traitlets

from mlp_lib import MLP
from mlp_lib.widgets.playground import WEB, Playground, digits_table
from mlp_lib.widgets.session import PlaygroundConfig

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (Debian package nodejs)")


@pytest.fixture(scope="module")
def widget() -> Playground:
    return Playground()


@pytest.fixture(scope="module")
def esm_file(tmp_path_factory, widget) -> Path:
    path = tmp_path_factory.mktemp("esm") / "playground.mjs"
    path.write_text(widget._esm, encoding="utf-8")
    return path


def run_node(esm_file: Path, body: str, payload=None):
    """Run ``body`` (async JS; ``M`` is the widget's module, ``input`` the payload) and return its JSON result."""
    script = esm_file.parent / "job.mjs"
    script.write_text(
        f"import * as M from {json.dumps(esm_file.as_uri())};\n"
        "const input = JSON.parse(process.argv[2]);\n"
        f"const result = await (async () => {{ {body} }})();\n"
        "process.stdout.write(JSON.stringify(result));\n",
        encoding="utf-8",
    )
    proc = subprocess.run([NODE, str(script), json.dumps(payload)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"node exited with {proc.returncode}:\n{proc.stderr}"
    return json.loads(proc.stdout)


# ----------------------------------------------------------------------
# The module
# ----------------------------------------------------------------------
def test_esm_holds_the_engine_and_the_playground(widget):
    engine = (WEB / "engine.js").read_text(encoding="utf-8")
    front = (WEB / "playground.js").read_text(encoding="utf-8")
    assert engine in widget._esm, "expected the engine's source in _esm, got something else"
    assert front in widget._esm, "expected playground.js in _esm, got something else"
    assert widget._esm.index(engine) < widget._esm.index(front), "expected the engine before the playground"
    assert ".pg-root" in widget._css


@needs_node
def test_esm_parses_as_a_module(esm_file):
    proc = subprocess.run([NODE, "--check", str(esm_file)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"expected _esm to parse as an ES module, got:\n{proc.stderr}"


@needs_node
def test_esm_exports_render_and_the_engine(esm_file):
    out = run_node(esm_file, "return [typeof M.default.render, typeof M.sgdStep, typeof M.pgValidateConfig];")
    assert out == ["function", "function", "function"]


def test_esm_has_no_tex_like_text(widget):
    """What the page shows is Unicode/HTML (ϕ<sup>j</sup>), never TeX source."""
    front = (WEB / "playground.js").read_text(encoding="utf-8")
    for raw in ("\\frac", "^{", "_("):
        shown = [line for line in front.splitlines() if raw in line and not line.lstrip().startswith(("//", "*", "/*"))]
        assert not shown, f"expected no {raw!r} in the front end's text, got {shown[:3]}"


# ----------------------------------------------------------------------
# The setup: Python and the page agree
# ----------------------------------------------------------------------
VALID = [
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
    {"dataset": "digits", "hidden_layers": 1, "units": 32, "pairing": "softmax+cce", "batch_size": 64},
    {"dataset": "XOR", "noise": 0.4000000000000001, "learning_rate": 10, "seed": 4294967295, "standardize": False},
    {"dataset": "blobs", "noise": 0.00001, "test_fraction": 0.5, "n_samples": 99},
]
INVALID = [
    {"dataset": "mnist"},
    {"dataset": "sine", "pairing": "sigmoid+bce"},
    {"hidden_layers": 5},
    {"units": 0},
    {"learning_rate": 0},
    {"learning_rate": "fast"},
    {"batch_size": 1.5},
    {"seed": -1},
    {"standardize": "yes"},
    {"colour": "red"},
    {"test_fraction": 0.95},
]


@needs_node
def test_page_and_python_validate_alike(esm_file):
    """The page's checks mirror PlaygroundConfig: same setups accepted, same JSON text, same refusals."""
    out = run_node(
        esm_file,
        "return input.map((c) => { try { const v = M.pgValidateConfig(c); return {ok: v, json: M.pgConfigJson(v)}; }"
        " catch (e) { return {error: e.message}; } });",
        VALID + INVALID,
    )
    for config, answer in zip(VALID, out[: len(VALID)]):
        expected = PlaygroundConfig.from_dict(config)
        assert "error" not in answer, f"expected the page to accept {config}, got {answer}"
        assert answer["ok"] == expected.to_dict(), f"{config}: page {answer['ok']} vs Python {expected.to_dict()}"
        assert answer["json"] == expected.to_json(), (
            f"expected the Config box to show {expected.to_json()}, got {answer['json']}"
        )
    for config, answer in zip(INVALID, out[len(VALID) :]):
        with pytest.raises((TypeError, ValueError)):
            PlaygroundConfig.from_dict(config)
        assert "error" in answer, f"expected the page to refuse {config}, got {answer}"
        assert answer["error"].startswith("expected"), f"expected a clear message, got {answer['error']!r}"


@needs_node
def test_page_address_round_trips_and_reports_damage(esm_file):
    out = run_node(
        esm_file,
        "const c = M.pgValidateConfig(input); const h = M.pgHashFor(c);"
        " return [h, M.pgConfigFromHash(h), M.pgConfigFromHash('#playground=%7B%22dataset'),"
        " M.pgConfigFromHash('#playground=%E0%A4%A'), M.pgConfigFromHash('#the-playground'), M.pgConfigFromHash('')];",
        VALID[1],
    )
    hash_, back, damaged, bad_encoding, section, empty = out
    assert hash_.startswith("#playground=")
    assert back == {"config": PlaygroundConfig.from_dict(VALID[1]).to_dict()}
    assert "error" in damaged and "not JSON" in damaged["error"]
    assert "error" in bad_encoding
    assert section is None and empty is None


@needs_node
def test_config_text_limits(esm_file):
    out = run_node(
        esm_file,
        "return input.map((t) => { try { M.pgParseConfigText(t); return null; } catch (e) { return e.message; } });",
        ["x" * 10_001, "[[[[[{}]]]]]", "{not json", "[]", "null"],
    )
    assert "at most 10000 characters" in out[0]
    assert "nested at most 4 deep" in out[1]
    assert "not JSON" in out[2]
    assert all(m and m.startswith("expected") for m in out)


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


@pytest.mark.parametrize(
    "bad",
    [
        {"dataset": "sine", "pairing": "softmax+cce"},
        {"hidden_layers": 9},
        {"colour": "red"},
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
@pytest.mark.parametrize("setup", [VALID[0], VALID[1], VALID[2]])
def test_model_has_mlp_libs_gradients(esm_file, setup):
    """The page trains 40 steps and reports its weights; model() rebuilds the network in Python, and
    mlp_lib's gradients on those weights equal the page engine's on the same batch."""
    cfg = PlaygroundConfig.from_dict(setup).to_dict()
    out = run_node(
        esm_file,
        """
        const cfg = M.pgValidateConfig(input);
        const { train } = M.makeData(cfg);
        const loss = M.PLAYGROUND.pairings[cfg.pairing][1];
        const net = M.playgroundNetwork(cfg, train), y = M.targets(train, loss);
        const batches = M.createBatchStream(train.x.cols, M.createRng(cfg.seed, M.STREAMS.batches));
        for (let s = 0; s < 40; s++) {
          const idx = batches.next(cfg.batch_size);
          M.sgdStep(net, M.takeColumns(train.x, idx), M.takeColumns(y, idx), cfg.learning_rate);
        }
        const idx = Array.from({ length: 32 }, (_, i) => i);
        const xb = M.takeColumns(train.x, idx), yb = M.takeColumns(y, idx);
        const g = M.gradients(net, xb, yb);
        return { weights: { ...M.exportWeights(net), step: 40, setup: cfg }, x: M.toRows(xb), y: M.toRows(yb),
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

    def rel(a, b):
        a, b = np.asarray(a), np.asarray(b)
        return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300))

    assert rel(g.loss, out["loss"]) <= 1e-12
    for j in range(1, net.J + 1):
        assert rel(g.dW[j], out["dW"][j - 1]) <= 1e-12, f"∇w^{j}"
        assert rel(g.db[j], out["db"][j - 1]) <= 1e-12, f"∇b^{j}"
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
