"""The browser engine (mlp_lib/widgets/web/engine.js) against mlp_lib.

The engine is a second implementation of the book's MLP in JavaScript, so it is verified here,
never trusted. Every test sends one JSON job to ``node tests/widgets/web_engine_driver.mjs`` (all cases of
a test in one invocation) and compares the answers with mlp_lib's.

Relative error of two arrays (per array, the one this file reports)::

    rel(a, b) = max|a − b| / max(max|a|, max|b|, 1e-300)

so an array that is exactly 0 in both engines has error 0. JSON carries float64 exactly both ways
(Python's json writes ``repr``, JavaScript's JSON.stringify the shortest round-trip form), so any
difference measured is the engines' own.

Run with ``-s`` to see the worst relative errors measured.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from mlp_lib import MLP, datasets
from mlp_lib.training import TrainingDiverged, sgd_step

from helpers import NODE, run_node

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "mlp_lib" / "widgets" / "web" / "engine.js"
DRIVER = Path(__file__).resolve().parent / "web_engine_driver.mjs"

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed (Debian package nodejs): the browser engine cannot be run"
)

HIDDEN = ("identity", "relu", "sigmoid", "tanh")
#: output activation + loss, as mlp_lib.widgets.session.PAIRINGS offers them
PAIRINGS = (("sigmoid", "bce"), ("softmax", "cce"), ("identity", "mse"), ("relu", "mse"))
GRADIENT_TOL = 1e-12
TRAINING_TOL = 1e-10
N_NETWORKS = 240


# ----------------------------------------------------------------------
# Running the engine
# ----------------------------------------------------------------------
def run_engine(tasks: list) -> list:
    """Run the tasks in one node process; return their results in order."""
    return run_node(DRIVER, ENGINE, tasks)


def mat(a: np.ndarray) -> dict:
    a = np.asarray(a, dtype=np.float64)
    return {"rows": a.shape[0], "cols": a.shape[1], "data": a.ravel().tolist()}


def unmat(d: dict) -> np.ndarray:
    return np.array(d["data"], dtype=np.float64).reshape(d["rows"], d["cols"])


def params_of(model: MLP) -> dict:
    return {k: mat(v) for k, v in model.parameters().items()}


def rel(a, b) -> float:
    """max|a − b| / max(max|a|, max|b|, 1e-300) — the relative error of one array (or number)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(float(np.max(np.abs(a))) if a.size else 0.0, float(np.max(np.abs(b))) if b.size else 0.0, 1e-300)
    return float(np.max(np.abs(a - b))) / scale if a.size else 0.0


def model_from_export(exported: dict) -> MLP:
    """An mlp_lib.MLP from the engine's exportWeights() (how Python reads the browser's weights back)."""
    model = MLP(**exported["config"])
    J = model.J
    model.W = [None] + [np.array(exported["params"][f"W{j}"], dtype=np.float64) for j in range(1, J + 1)]
    model.b = [None] + [np.array(exported["params"][f"b{j}"], dtype=np.float64) for j in range(1, J + 1)]
    return model


# ----------------------------------------------------------------------
# Point 4 (1): gradients and loss values of random networks
# ----------------------------------------------------------------------
def random_case(k: int, rng: np.random.Generator) -> dict:
    """Case k of the random networks.

    Coverage is by construction, not by luck: k % 4 picks the hidden activation, (k // 4) % 4 the
    pairing and k % 5 the depth J − 1, so every 80 cases hold every (activation, pairing, depth).
    Cases 80–159 are saturated: w^J and b^J are scaled so that max|z^J| is 1e3–1e4. Among cases
    160–239 every other one uses the unfused Eq. (1) (∇_{a^J} L, then the Jacobian of σ; for softmax
    the Jacobian-vector product). Every 7th case with two or more hidden layers mixes activations.
    Widths 1–20, batches 1–64, random nonzero biases.
    """
    act = HIDDEN[k % 4]
    output, loss = PAIRINGS[(k // 4) % 4]
    J = 1 + k % 5
    block = k // 80
    saturated = block == 1
    fused = not (block == 2 and k % 2 == 0)
    sizes = [int(n) for n in rng.integers(1, 21, size=J + 1)]
    if k % 10 == 0:
        sizes[-1] = 1  # a single output unit (for softmax + CCE: one class)
    m = int(rng.integers(1, 65)) if k % 9 else 1
    hidden = act if (J < 3 or k % 7) else [HIDDEN[i] for i in rng.integers(0, 4, size=J - 1)]
    model = MLP(sizes, hidden=hidden, output=output, loss=loss, seed=int(rng.integers(2**31)), fused=fused)
    for j in range(1, J + 1):
        model.b[j] = 0.5 * rng.standard_normal((sizes[j], 1))
    x = rng.standard_normal((sizes[0], m)) * rng.choice([0.5, 1.0, 3.0])
    n_out = sizes[-1]
    if loss == "cce":
        y = np.zeros((n_out, m))
        y[rng.integers(0, n_out, size=m), np.arange(m)] = 1.0
    elif loss == "bce":
        y = rng.integers(0, 2, size=(n_out, m)).astype(np.float64)
    elif output == "relu" and k % 3 == 0:
        y = np.abs(rng.standard_normal((n_out, m)))
    else:
        y = rng.standard_normal((n_out, m))
    if saturated:
        z = model.forward(x).z[J]
        factor = 10.0 ** rng.uniform(3.0, 4.0) / max(float(np.max(np.abs(z))), 1e-300)
        model.W[J] = model.W[J] * factor
        model.b[J] = model.b[J] * factor
    return {
        "k": k,
        "model": model,
        "x": x,
        "y": y,
        "saturated": saturated,
        "fused": fused,
        "label": f"case {k}: sizes={sizes} hidden={hidden} {output}+{loss} m={m} fused={fused} saturated={saturated}",
    }


@pytest.fixture(scope="module")
def gradient_cases():
    rng = np.random.default_rng(20240513)
    cases = [random_case(k, rng) for k in range(N_NETWORKS)]
    tasks = [
        {
            "kind": "gradients",
            "config": c["model"].config(),
            "params": params_of(c["model"]),
            "x": mat(c["x"]),
            "y": mat(c["y"]),
        }
        for c in cases
    ]
    return cases, run_engine(tasks)


def test_random_networks_cover_what_the_issue_asks(gradient_cases):
    cases, _ = gradient_cases
    assert len(cases) >= 200
    models = [c["model"] for c in cases]
    assert {m.J for m in models} == {1, 2, 3, 4, 5}
    assert min(max(m.sizes) for m in models) >= 1 and max(max(m.sizes) for m in models) == 20
    assert min(m.sizes[-1] for m in models) == 1
    batches = {c["x"].shape[1] for c in cases}
    assert 1 in batches and max(batches) >= 60
    assert {a.name for m in models for a in m.activations[1:-1]} == set(HIDDEN)
    assert {(m.output_activation.name, m.loss.name) for m in models} == set(PAIRINGS)
    sat = [c for c in cases if c["saturated"]]
    assert {(c["model"].output_activation.name, c["model"].loss.name) for c in sat} == set(PAIRINGS)
    logits = [float(np.max(np.abs(c["model"].forward(c["x"]).z[-1]))) for c in sat]
    assert min(logits) >= 999.0 and max(logits) <= 1.0001e4
    assert any(not c["fused"] and c["model"].loss.name == "cce" for c in cases)
    assert any(not c["fused"] and c["model"].loss.name == "bce" for c in cases)


def test_gradients_and_losses_agree_with_mlp_lib(gradient_cases):
    """Every ϕ^j, ∇w^j, ∇b^j, the output a^J and the loss of 240 random networks, to ≤ 1e-12 relative."""
    cases, results = gradient_cases
    worst = {name: (0.0, "") for name in ("phi", "dW", "db", "output", "loss")}
    worst_saturated = 0.0
    failures = []
    for c, r in zip(cases, results):
        model = c["model"]
        g = model.gradients(c["x"], c["y"])
        errors = {
            "loss": max(rel(g.loss, r["loss"]), rel(g.loss, r["loss_value"])),
            "output": rel(g.output, unmat(r["output"])),
        }
        assert r["phi"][0] is None and r["dW"][0] is None and r["db"][0] is None
        for name, ours in (("phi", g.phi), ("dW", g.dW), ("db", g.db)):
            errors[name] = 0.0
            for j in range(1, model.J + 1):
                theirs = unmat(r[name][j])
                assert theirs.shape == ours[j].shape, (c["label"], name, j)
                errors[name] = max(errors[name], rel(ours[j], theirs))
        for name, e in errors.items():
            if e > worst[name][0]:
                worst[name] = (e, c["label"])
        if c["saturated"]:
            worst_saturated = max(worst_saturated, *errors.values())
        if max(errors.values()) > GRADIENT_TOL:
            failures.append((c["label"], errors))
    print(f"\nengine vs mlp_lib on {len(cases)} random networks (relative error per array, worst case):")
    for name, (e, label) in worst.items():
        print(f"  {name:6s} {e:.3e}   ({label})")
    print(
        f"  worst over the {sum(c['saturated'] for c in cases)} saturated networks (|z^J| 1e3–1e4): {worst_saturated:.3e}"
    )
    assert not failures, f"{len(failures)} network(s) disagree by more than {GRADIENT_TOL}: {failures[:3]}"


def test_saturated_fused_losses_are_finite_and_exact():
    """Fused BCE and CCE at logits of ±1e4 (where σ(z) rounds to 0 or 1) give mlp_lib's finite values."""
    z = np.array([[1e4, -1e4, 3.0, -1e4], [-1e4, 1e4, -2.0, 5e3]])
    y_cce = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
    y_bce = np.array([[1.0, 1.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
    tasks = []
    models = []
    for output, loss, y in (("softmax", "cce", y_cce), ("sigmoid", "bce", y_bce)):
        # one identity layer with w = I, b = 0 feeds z straight to the output
        model = MLP([2, 2], output=output, loss=loss)
        model.W[1], model.b[1] = np.eye(2), np.zeros((2, 1))
        models.append((model, z, y))
        tasks.append(
            {"kind": "gradients", "config": model.config(), "params": params_of(model), "x": mat(z), "y": mat(y)}
        )
    for (model, x, y), r in zip(models, run_engine(tasks)):
        g = model.gradients(x, y)
        assert math.isfinite(r["loss"]) and r["loss"] > 1e3
        assert rel(g.loss, r["loss"]) <= GRADIENT_TOL
        assert rel(g.phi[1], unmat(r["phi"][1])) <= GRADIENT_TOL


# ----------------------------------------------------------------------
# Point 4 (2): 50 training steps from the same weights on the same batches
# ----------------------------------------------------------------------
TRAINING_RUNS = [
    # data set, data kwargs, hidden sizes, hidden activation, pairing, learning rate, batch size
    ("moons", {"n": 300, "noise": 0.2}, [8, 8], "tanh", ("sigmoid", "bce"), 0.3, 16),
    ("spiral", {"n": 300, "classes": 3, "noise": 0.2}, [16, 16], "relu", ("softmax", "cce"), 0.5, 32),
    ("blobs", {"n": 200, "classes": 4, "noise": 1.0}, [8], "sigmoid", ("sigmoid", "bce"), 1.0, 8),
    ("sine", {"n": 200, "noise": 0.1}, [12, 12, 12], "tanh", ("identity", "mse"), 0.1, 16),
    ("circles", {"n": 300, "noise": 0.1}, [8, 8], "relu", ("relu", "mse"), 0.2, 16),
    ("xor", {"n": 200, "noise": 0.2}, [6, 6, 6, 6], "identity", ("softmax", "cce"), 0.05, 1),
    ("digits", {}, [32, 32], "relu", ("softmax", "cce"), 0.1, 32),
]


def training_setup(name, kwargs, hidden_sizes, act, pairing, seed):
    data = datasets.load(name, seed=seed, **kwargs)
    train, _ = datasets.standardize(*datasets.train_test_split(data, seed=seed))
    output, loss = pairing
    y_targets = train.targets(loss)
    n_out = train.n_classes if loss == "cce" else y_targets.shape[0]
    model = MLP([train.n_features, *hidden_sizes, n_out], hidden=act, output=output, loss=loss, seed=seed)
    x, y = model.check_targets(train.x, y_targets)
    return model, x, y


def batches_for(m, batch_size, steps, seed):
    """The playground's batch order: a new permutation every epoch, batches never span two epochs."""
    rng = np.random.default_rng([seed, 1])
    out, order, pos = [], np.empty(0, dtype=np.int64), 0
    size = min(batch_size, m)
    while len(out) < steps:
        if pos >= order.size:
            order, pos = rng.permutation(m), 0
        out.append(order[pos : pos + size].tolist())
        pos += size
    return out


def train_task(model, x, y, batches, lr, **penalties):
    """A job for the driver: sgdStep over ``batches`` from ``model``'s weights (``weight_decay``/``l1`` optional)."""
    return {
        "kind": "train",
        "config": model.config(),
        "params": params_of(model),
        "x": mat(x),
        "y": mat(y),
        "batches": batches,
        "lr": lr,
        **penalties,
    }


def test_fifty_training_steps_end_at_the_same_weights():
    steps = 50
    runs, tasks = [], []
    for i, (name, kwargs, hidden_sizes, act, pairing, lr, batch) in enumerate(TRAINING_RUNS):
        model, x, y = training_setup(name, kwargs, hidden_sizes, act, pairing, seed=i)
        batches = batches_for(x.shape[1], batch, steps, seed=i)
        tasks.append(train_task(model, x, y, batches, lr))
        runs.append(
            (f"{name} {hidden_sizes} {act} {pairing[0]}+{pairing[1]} lr={lr} batch={batch}", model, x, y, batches, lr)
        )
    results = run_engine(tasks)
    print(f"\n{steps} SGD steps, engine vs mlp_lib.sgd_step (final weights, relative error per array):")
    worst_all = 0.0
    for (label, model, x, y, batches, lr), r in zip(runs, results):
        start = model.copy()
        losses = []
        for idx in batches:
            losses.append(sgd_step(model, x[:, idx], y[:, idx], lr).loss)
        assert r["diverged"] is None and r["steps"] == steps, (label, r["diverged"])
        js = model_from_export(r)
        assert js.config() == model.config()
        worst = max(max(rel(model.W[j], js.W[j]), rel(model.b[j], js.b[j])) for j in range(1, model.J + 1))
        loss_err = max(rel(a, b) for a, b in zip(losses, r["losses"]))
        moved = max(rel(model.W[j], start.W[j]) for j in range(1, model.J + 1))
        print(f"  {label:62s} weights {worst:.3e}  losses {loss_err:.3e}  (weights moved {moved:.2g})")
        worst_all = max(worst_all, worst)
        assert moved > 1e-3, f"{label}: training did not move the weights, the comparison proves little"
        assert worst <= TRAINING_TOL, f"{label}: final weights differ by {worst:.3e}"
        assert loss_err <= GRADIENT_TOL * 100, f"{label}: losses along the way differ by {loss_err:.3e}"
    print(f"  worst final-weight error: {worst_all:.3e}")


@pytest.mark.parametrize("weight_decay, l1", [(0.05, 0.0), (0.0, 0.01), (0.03, 0.005)])
def test_regularized_training_steps_end_at_the_same_weights(weight_decay, l1):
    """L2 and L1 (the penalty's term in Eq. 3): 50 steps of the engine equal mlp_lib.sgd_step's."""
    from mlp_lib.regularization import penalty

    steps = 50
    tasks, runs = [], []
    for i, (name, kwargs, hidden_sizes, act, pairing, lr, batch) in enumerate(TRAINING_RUNS[:4]):
        model, x, y = training_setup(name, kwargs, hidden_sizes, act, pairing, seed=i)
        batches = batches_for(x.shape[1], batch, steps, seed=i)
        tasks.append(train_task(model, x, y, batches, lr, weight_decay=weight_decay, l1=l1))
        runs.append((name, model, x, y, batches, lr))
    results = run_engine(tasks)
    for (name, model, x, y, batches, lr), r in zip(runs, results):
        plain = model.copy()
        for idx in batches:
            sgd_step(model, x[:, idx], y[:, idx], lr, weight_decay=weight_decay, l1=l1)
            sgd_step(plain, x[:, idx], y[:, idx], lr)
        js = model_from_export(r)
        worst = max(max(rel(model.W[j], js.W[j]), rel(model.b[j], js.b[j])) for j in range(1, model.J + 1))
        assert worst <= TRAINING_TOL, f"{name}: final weights differ by {worst:.3e}"
        shrink = max(rel(model.W[j], plain.W[j]) for j in range(1, model.J + 1))
        assert shrink > 1e-4, f"{name}: the penalty changed nothing, the comparison proves little"
        assert rel(penalty(model.W, weight_decay, l1), r["penalty"]) <= GRADIENT_TOL


def test_divergence_keeps_the_last_finite_weights_at_the_same_step():
    """A learning rate far too large: both engines stop at the same step and keep the same weights."""
    model, x, y = training_setup("sine", {"n": 200, "noise": 0.1}, [8, 8], "relu", ("identity", "mse"), seed=3)
    x = x * 50.0
    lr = 10.0
    batches = batches_for(x.shape[1], 16, 200, seed=3)
    (r,) = run_engine([train_task(model, x, y, batches, lr)])
    step = None
    for i, idx in enumerate(batches, start=1):
        try:
            sgd_step(model, x[:, idx], y[:, idx], lr, epoch=1, step=i)
        except TrainingDiverged as exc:
            step = exc.step
            break
    assert step is not None, "mlp_lib did not diverge; the test needs a larger learning rate"
    assert r["diverged"] is not None and r["diverged"]["step"] == step
    assert "lower the learning rate" in r["diverged"]["message"]
    js = model_from_export(r)
    for j in range(1, model.J + 1):
        assert np.all(np.isfinite(js.W[j])) and np.all(np.isfinite(js.b[j]))
        assert rel(model.W[j], js.W[j]) <= TRAINING_TOL
    print(f"\ndivergence: both engines stop at step {step} and keep the weights from before it")


# ----------------------------------------------------------------------
# The rest of the engine: random numbers, initialization, data sets, playground setup
# ----------------------------------------------------------------------
def test_seeded_generator_is_reproducible_and_well_distributed():
    a, b, c = run_engine(
        [
            {"kind": "rng", "seed": 7, "n": 20000, "perm": 50},
            {"kind": "rng", "seed": 7, "n": 20000, "perm": 50},
            {"kind": "rng", "seed": 8, "n": 20000, "perm": 50},
        ]
    )
    assert a == b and a["uniform"] != c["uniform"]
    u, z = np.array(a["uniform"]), np.array(a["normal"])
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.003
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1.0) < 0.03
    assert abs(np.mean(z**4) - 3.0) < 0.15  # Gaussian kurtosis
    assert sorted(a["permutation"]) == list(range(50)) and a["permutation"] != list(range(50))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_initial_weights_have_mlp_libs_distribution(activation):
    """He normal for ReLU, Glorot uniform otherwise: same law as mlp_lib.initialization (not the same numbers)."""
    n_out, n_in = 300, 40
    (w,) = run_engine([{"kind": "init", "seed": 1, "activation": activation, "n_out": n_out, "n_in": n_in}])
    js = unmat(w)
    py = MLP([n_in, n_out], output=activation, seed=1).W[1]
    assert js.shape == py.shape == (n_out, n_in)
    if activation == "relu":
        expected_std = math.sqrt(2.0 / n_in)
        for w_ in (js, py):
            assert abs(w_.mean()) < 4 * expected_std / math.sqrt(w_.size)  # 4 standard errors
            assert abs(w_.std() / expected_std - 1) < 0.03
    else:
        limit = math.sqrt(6.0 / (n_in + n_out))
        for w_ in (js, py):
            assert np.abs(w_).max() <= limit
            assert abs(w_.var() / (limit**2 / 3) - 1) < 0.03


def _sorted_points(x):
    x = np.round(np.asarray(x), 12)
    return x[:, np.lexsort(x[::-1])]


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("moons", {"n": 101}),
        ("circles", {"n": 100}),
        ("spiral", {"n": 301, "classes": 4}),
        ("xor", {"n": 203}),
        ("blobs", {"n": 90, "classes": 5}),
    ],
)
def test_noise_free_datasets_have_mlp_libs_points_and_labels(name, kwargs):
    """With noise 0 only the order is random: the engine makes exactly mlp_lib's points (as a set) and labels."""
    (d,) = run_engine([{"kind": "dataset", "name": name, "seed": 0, "args": {**kwargs, "noise": 0.0}}])
    ref = datasets.load(name, seed=0, noise=0.0, **kwargs)
    x = unmat(d["x"])
    y = np.array(d["y"])
    assert x.shape == ref.x.shape and d["n_classes"] == ref.n_classes
    assert np.array_equal(np.bincount(y, minlength=ref.n_classes), np.bincount(ref.y, minlength=ref.n_classes))
    for c in range(ref.n_classes):
        assert np.allclose(_sorted_points(x[:, y == c]), _sorted_points(ref.x[:, ref.y == c]), rtol=0, atol=1e-12), (
            name,
            c,
        )
    assert not np.array_equal(y, np.sort(y)), "the samples should come out shuffled"


def test_noisy_datasets_are_seeded_and_noisy_like_mlp_lib():
    tasks = [{"kind": "dataset", "name": "xor", "seed": s, "args": {"n": 2000, "noise": 0.3}} for s in (0, 0, 1)]
    tasks.append({"kind": "dataset", "name": "sine", "seed": 0, "args": {"n": 4000, "noise": 0.1}})
    a, b, c, sine = run_engine(tasks)
    assert a == b and a["x"] != c["x"]
    x, y = unmat(a["x"]), np.array(a["y"])
    residual = x - np.sign(x)  # offset from the cluster centre (noise 0.3 rarely crosses an axis)
    assert abs(residual.std() / 0.3 - 1) < 0.08
    assert np.mean(y == (np.sign(x[0]) != np.sign(x[1]))) > 0.95
    xs, ys = unmat(sine["x"]), unmat(sine["y"])
    assert xs.min() >= -math.pi and xs.max() <= math.pi and abs(xs.mean()) < 0.1
    assert abs((ys - np.sin(xs)).std() / 0.1 - 1) < 0.05


def test_digits_from_the_table_scikit_learn_ships():
    import gzip

    with gzip.open(datasets._sklearn_digits_file()) as f:
        table = np.loadtxt(f, delimiter=",")
    pixels, labels = table[:, :-1].astype(int), table[:, -1].astype(int)
    (d,) = run_engine(
        [
            {
                "kind": "dataset",
                "name": "digits",
                "seed": 0,
                "args": {},
                "table": {"pixels": pixels.ravel().tolist(), "labels": labels.tolist()},
            }
        ]
    )
    ref = datasets.digits(seed=0)
    x, y = unmat(d["x"]), np.array(d["y"])
    assert x.shape == ref.x.shape == (64, 1797)
    # the same images with the same labels, in another order
    ours = {(int(label), tuple(col)) for label, col in zip(y, np.round(x.T * 16).astype(int))}
    theirs = {(int(label), tuple(col)) for label, col in zip(ref.y, np.round(ref.x.T * 16).astype(int))}
    assert ours == theirs and x.max() == 1.0


def test_playground_constants_match_session():
    from mlp_lib.widgets import session

    (c,) = run_engine([{"kind": "constants"}])
    p = c["playground"]
    assert p["pairings"] == {k: [v[0], v[1]] for k, v in session.PAIRINGS.items()}
    assert p["datasets"] == list(session.DATASET_LABELS)
    assert p["defaultNoise"] == session.DEFAULT_NOISE
    assert p["maxNoise"] == session.MAX_NOISE
    assert p["defaultSamples"] == session.DEFAULT_SAMPLES
    assert p["hiddenActivations"] == list(session.HIDDEN_ACTIVATIONS)
    assert p["regressionDatasets"] == list(session.REGRESSION_DATASETS)
    assert c["default_config"] == session.PlaygroundConfig().to_dict() | {"noise": None, "n_samples": None}
    for name in (
        "outputLayerError",
        "hiddenLayerError",
        "weightGradient",
        "biasGradient",
        "forward",
        "gradients",
        "sgdStep",
        "trainEpoch",
        "createRng",
        "networkFromWeights",
        "exportWeights",
    ):
        assert name in c["exports"]


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"dataset": "spiral", "classes": 3, "pairing": "softmax+cce", "hidden_layers": 3, "units": 5},
        {"dataset": "blobs", "classes": 4, "pairing": "sigmoid+bce", "activation": "relu", "seed": 3},
        {"dataset": "sine", "pairing": "identity+mse", "test_fraction": 0.3},
        {"dataset": "circles", "pairing": "relu+mse", "hidden_layers": 0},
    ],
)
def test_playground_setup_has_the_sessions_shapes(config):
    """makeData + playgroundNetwork give the Session's split sizes and layer sizes, and weights Python can load."""
    from mlp_lib.widgets.session import PlaygroundConfig, Session

    (r,) = run_engine([{"kind": "playground", "config": config}])
    session = Session(PlaygroundConfig.from_dict(config))
    for name, ref in (("train", session.train), ("test", session.test)):
        d = r[name]
        assert unmat(d["x"]).shape == ref.x.shape
        if ref.n_classes:
            assert np.array_equal(
                np.bincount(d["y"], minlength=ref.n_classes), np.bincount(ref.y, minlength=ref.n_classes)
            )
    x_train = unmat(r["train"]["x"])
    assert np.allclose(x_train.mean(axis=1), 0, atol=1e-12) and np.allclose(x_train.std(axis=1), 1, atol=1e-12)
    model = model_from_export(r["network"])
    assert model.sizes == session.layer_sizes
    assert model.config() == session.model.config()
    for j in range(1, model.J + 1):
        assert model.W[j].shape == session.model.W[j].shape and not np.any(model.b[j])


def test_engine_ships_with_the_package():
    """pyproject's package data puts engine.js into the wheel; from Python it is a package resource."""
    import importlib.resources
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "web/*.js" in data["mlp_lib.widgets"]
    resource = importlib.resources.files("mlp_lib.widgets") / "web" / "engine.js"
    text = resource.read_text(encoding="utf-8")
    assert "export function outputLayerError" in text
    # self-contained: usable by concatenation into another ES module
    assert "\nimport " not in text and "require(" not in text


def test_train_epoch_is_mlp_libs_epoch():
    """trainEpoch: one pass in a random order, each batch an sgd_step; loss and accuracy averaged
    over the batches as mlp_lib.training.train records them."""
    tasks, runs = [], []
    for i, (name, kwargs, hidden_sizes, act, pairing, lr, batch) in enumerate(TRAINING_RUNS[:4]):
        model, x, y = training_setup(name, kwargs, hidden_sizes, act, pairing, seed=10 + i)
        tasks.append(
            {
                "kind": "epoch",
                "config": model.config(),
                "params": params_of(model),
                "x": mat(x),
                "y": mat(y),
                "lr": lr,
                "batch_size": batch,
                "seed": i,
            }
        )
        runs.append((model, x, y, lr, batch))
    for (model, x, y, lr, batch), r in zip(runs, run_engine(tasks)):
        order = np.array(r["order"])
        assert sorted(order.tolist()) == list(range(x.shape[1]))
        total, correct, steps = 0.0, 0, 0
        for start in range(0, x.shape[1], batch):
            idx = order[start : start + batch]
            g = sgd_step(model, x[:, idx], y[:, idx], lr)
            total += g.loss * idx.size
            correct += model.n_correct(g.output, y[:, idx])
            steps += 1
        assert r["diverged"] is None and r["steps"] == steps
        assert rel(total / x.shape[1], r["loss"]) <= GRADIENT_TOL
        if model.loss.name == "mse":
            assert r["accuracy"] is None
        else:
            assert r["accuracy"] == correct / x.shape[1]
        js = model_from_export(r["network"])
        for j in range(1, model.J + 1):
            assert rel(model.W[j], js.W[j]) <= TRAINING_TOL and rel(model.b[j], js.b[j]) <= TRAINING_TOL


def test_batch_stream_follows_the_sessions_rule():
    """A new permutation every epoch, batches of min(batch, m) that never span two epochs."""
    (r,) = run_engine([{"kind": "batch_stream", "m": 10, "batch_size": 4, "seed": 5, "n": 9}])
    assert [len(b) for b in r["batches"]] == [4, 4, 2] * 3
    epochs = [sum(r["batches"][3 * e : 3 * e + 3], []) for e in range(3)]
    assert all(sorted(e) == list(range(10)) for e in epochs) and epochs[0] != epochs[1]
    assert r["samples_seen"] == 30
    (r,) = run_engine([{"kind": "batch_stream", "m": 5, "batch_size": 64, "seed": 5, "n": 2}])
    assert [sorted(b) for b in r["batches"]] == [list(range(5))] * 2


def class_probabilities(out: np.ndarray, loss: str) -> np.ndarray:
    """The playground's class "probabilities" (n_classes, m) from the output a^J, in NumPy: softmax,
    a^J itself; one sigmoid output (two classes), [1 − a, a]; one sigmoid per class or MSE on one-hot
    targets, the outputs clipped to [0, 1] and normalised to sum to 1 (uniform where they sum to 0)."""
    if loss == "cce":
        return out
    if loss == "bce" and out.shape[0] == 1:
        return np.vstack([1.0 - out, out])
    p = np.clip(out, 0.0, 1.0)
    total = p.sum(axis=0, keepdims=True)
    uniform = np.full_like(p, 1.0 / p.shape[0])
    return np.where(total > 1e-12, p / np.where(total > 1e-12, total, 1.0), uniform)


@pytest.mark.parametrize(
    "pairing, n_out", [("sigmoid+bce", 1), ("sigmoid+bce", 3), ("softmax+cce", 4), ("identity+mse", 3), ("relu+mse", 2)]
)
def test_readouts_agree_with_numpy(pairing, n_out):
    """classProbabilities, predictLabels, nCorrect, frobeniusNorm and rSquared against NumPy's and MLP's."""
    from mlp_lib.widgets.session import PAIRINGS

    output_act, loss = PAIRINGS[pairing][:2]
    rng = np.random.default_rng(n_out)
    model = MLP([2, n_out], output=output_act, loss=loss)
    m = 40
    out = model.output(rng.standard_normal((2, m)) * 2)
    if loss == "mse":
        out = out * 0.7 - 0.1  # some outputs outside [0, 1], some columns summing to ~0
        out[:, 0] = -1.0
    labels = rng.integers(0, max(n_out, 2), size=m)
    y = labels.reshape(1, -1).astype(float) if n_out == 1 else np.eye(n_out)[:, labels]
    (r,) = run_engine(
        [
            {
                "kind": "readouts",
                "config": model.config(),
                "params": params_of(model),
                "output": mat(out),
                "y": mat(y),
                "labels": labels.tolist(),
                "n_classes": max(n_out, 2),
            }
        ]
    )
    probs = class_probabilities(out, loss)
    assert rel(probs, unmat(r["probabilities"])) <= GRADIENT_TOL
    assert r["labels"] == np.argmax(probs, axis=0).tolist()
    assert r["n_correct"] == model.n_correct(out, y)
    assert rel(np.linalg.norm(out), r["norm"]) <= GRADIENT_TOL
    r2 = 1.0 - np.mean((out - y) ** 2) / np.var(y)
    assert rel(r2, r["r2"]) <= 1e-10
    predicted = np.argmax(probs, axis=0)
    k = probs.shape[0]
    assert r["accuracy"] == np.mean(predicted == labels)
    assert r["confusion"] == np.bincount(labels * k + predicted, minlength=k * k).reshape(k, k).tolist()


def test_relu_derivative_at_zero_is_zero_as_in_mlp_lib():
    """z^1 = 0 exactly (w^1 = 0, b^1 = 0): σ'(0) = 0 for ReLU, so ϕ^1 = 0 and ∇w^1 = 0 in both engines."""
    model = MLP([2, 3, 2], hidden="relu", output="identity", loss="mse", seed=1)
    model.W[1], model.b[1] = np.zeros((3, 2)), np.zeros((3, 1))
    model.b[2] = np.array([[0.5], [-0.25]])
    x, y = np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    (r,) = run_engine(
        [{"kind": "gradients", "config": model.config(), "params": params_of(model), "x": mat(x), "y": mat(y)}]
    )
    g = model.gradients(x, y)
    assert not np.any(g.phi[1]) and not np.any(unmat(r["phi"][1]))
    assert not np.any(unmat(r["dW"][1])) and np.any(unmat(r["db"][2]))
    assert rel(g.db[2], unmat(r["db"][2])) == 0.0
