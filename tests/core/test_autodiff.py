"""The scalar reverse-mode engine (mlp_lib.autodiff) against central differences and against Eqs. (1)–(4)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp_lib import MLP
from mlp_lib.autodiff import Value, mlp_graph
from mlp_lib.gradcheck import array_relative_error

OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**3 + b**-2,
    "exp-log": lambda a, b: (a * b).exp().log() + (b * b).log(),
    "tanh": lambda a, b: (a * b).tanh(),
    "sigmoid": lambda a, b: (a - b).sigmoid() + (b - 40 * a).sigmoid(),
    "relu": lambda a, b: (a - b).relu() * b,
    "constants": lambda a, b: 2 - a + 3 / b - (1 + a) * 0.5,
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_each_operation_matches_central_differences(name):
    f = OPS[name]
    a0, b0, h = 0.7, -1.3, 1e-6
    a, b = Value(a0), Value(b0)
    out = f(a, b)
    out.backward()
    for value, grad in ((a0, a.grad), (b0, b.grad)):
        if value == a0:
            plus, minus = f(Value(a0 + h), Value(b0)).data, f(Value(a0 - h), Value(b0)).data
        else:
            plus, minus = f(Value(a0), Value(b0 + h)).data, f(Value(a0), Value(b0 - h)).data
        assert grad == pytest.approx((plus - minus) / (2 * h), rel=1e-6, abs=1e-9)


def test_a_value_used_twice_accumulates_both_uses():
    x = Value(3.0)
    y = x * x + x  # dy/dx = 2x + 1 = 7
    y.backward()
    assert x.grad == 7.0


def test_a_deep_chain_does_not_hit_the_recursion_limit():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y + x * 1e-4
    y.backward()
    assert x.grad == pytest.approx(1 + 5000 * 1e-4)


PAIRINGS = [("identity", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "cce")]


@pytest.mark.parametrize("output, loss", PAIRINGS)
@pytest.mark.parametrize("fused", [True, False])
def test_the_scalar_graph_gives_eqs_1_to_4_on_random_networks(output, loss, fused):
    """ϕ^j is the accumulated grad of z^j; ∇w, ∇b and L agree with mlp_lib to ≤ 1e-12."""
    rng = np.random.default_rng(hash((output, loss, fused)) % 2**32)
    worst = 0.0
    for _ in range(8):
        depth, m = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        n_out = 1 if loss == "bce" and rng.random() < 0.5 else int(rng.integers(2, 5))
        sizes = [int(rng.integers(1, 6)) for _ in range(depth)] + [n_out]
        hidden = [str(rng.choice(["relu", "tanh", "sigmoid", "identity"])) for _ in range(depth - 1)]
        model = MLP(sizes, hidden=hidden, output=output, loss=loss, seed=int(rng.integers(1000)), fused=fused)
        for j in range(1, model.J + 1):
            model.b[j] = rng.normal(size=model.b[j].shape)
        x = rng.normal(size=(sizes[0], m))
        if loss == "cce":
            y = rng.integers(0, n_out, size=m)
        elif loss == "bce":
            y = rng.integers(0, 2, size=(n_out, m)).astype(float)
        else:
            y = rng.normal(size=(n_out, m))
        expected = model.gradients(x, y)
        graph = mlp_graph(model, x, y)
        for j in range(1, model.J + 1):
            dW = np.array([[w.grad for w in row] for row in graph["W"][j]])
            db = np.array([[v.grad] for v in graph["b"][j]])
            phi = np.array([[v.grad for v in row] for row in graph["z"][j]])
            for ours, theirs in ((dW, expected.dW[j]), (db, expected.db[j]), (phi, expected.phi[j])):
                worst = max(worst, array_relative_error(ours, theirs))
        worst = max(worst, abs(graph["loss"].data - expected.loss) / max(abs(expected.loss), 1e-300))
    assert worst <= 1e-12, f"worst relative error {worst:.2e}"


def test_saturated_logits_stay_finite_in_the_fused_graph():
    model = MLP([2, 3], output="softmax", loss="cce", seed=0)
    model.W[1] = np.array([[800.0, 0.0], [0.0, 800.0], [-800.0, 0.0]])
    x, y = np.array([[1.0], [0.5]]), np.array([2])
    graph = mlp_graph(model, x, y)
    assert math.isfinite(graph["loss"].data)
    assert graph["loss"].data == pytest.approx(model.loss_value(x, y), rel=1e-12)
