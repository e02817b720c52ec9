"""Weight decay and L1: the penalty's term in Eq. (3), checked against finite differences and SymPy."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from mlp_lib import MLP, sgd_step, train
from mlp_lib.gradcheck import array_relative_error
from mlp_lib.regularization import penalty, penalty_gradient


def _model(seed=0):
    model = MLP([3, 4, 2], hidden="tanh", output="softmax", loss="cce", seed=seed)
    rng = np.random.default_rng(seed)
    model.b[1] = rng.normal(size=(4, 1))
    return model, rng.normal(size=(3, 7)), rng.integers(0, 2, size=7)


def test_sympy_derives_the_penalty_term():
    w = sp.Matrix(2, 2, sp.symbols("w11 w12 w21 w22", real=True, nonzero=True))
    lam, lam1 = sp.symbols("lambda lambda_1", positive=True)
    pen = lam / 2 * sum(v**2 for v in w) + lam1 * sum(sp.Abs(v) for v in w)
    grad = w.applyfunc(lambda v: sp.diff(pen, v))
    closed = lam * w + lam1 * w.applyfunc(sp.sign)
    assert sp.simplify(grad - closed) == sp.zeros(2, 2)
    values = np.array([[0.3, -1.2], [2.0, -0.4]])
    subs = {lam: 0.1, lam1: 0.05, **{s: v for s, v in zip(w, values.ravel())}}
    np.testing.assert_allclose(
        np.array(closed.subs(subs), dtype=float), penalty_gradient(values, 0.1, 0.05), rtol=1e-15
    )


@pytest.mark.parametrize("weight_decay, l1", [(0.1, 0.0), (0.0, 0.05), (0.3, 0.02)])
def test_step_gradient_is_the_gradient_of_the_penalized_loss(weight_decay, l1):
    model, x, labels = _model()
    xc, yc = model.check_targets(x, labels)
    grads = sgd_step(model.copy(), xc, yc, 1e-12, weight_decay=weight_decay, l1=l1)

    def objective(m):
        return m.loss_value(x, labels) + penalty(m.W, weight_decay, l1)

    h = 1e-6
    for j in (1, 2):
        numeric = np.zeros_like(model.W[j])
        for idx in np.ndindex(model.W[j].shape):
            plus, minus = model.copy(), model.copy()
            plus.W[j][idx] += h
            minus.W[j][idx] -= h
            numeric[idx] = (objective(plus) - objective(minus)) / (2 * h)
        assert array_relative_error(grads.dW[j], numeric) < 1e-7
        plain = model.gradients(x, labels)
        np.testing.assert_array_equal(grads.db[j], plain.db[j])  # biases are not penalized
    assert grads.loss == pytest.approx(model.loss_value(x, labels), rel=1e-15)  # the data loss


def test_subgradient_at_zero_and_weights_shrink_with_decay():
    assert np.array_equal(penalty_gradient(np.array([[0.0, 2.0, -3.0]]), 0.0, 1.0), [[0.0, 1.0, -1.0]])
    model, x, labels = _model(1)
    norms = []
    for lam in (0.0, 0.01, 0.1):
        m = model.copy()
        train(m, x, labels, epochs=60, learning_rate=0.5, batch_size=7, weight_decay=lam)
        norms.append(sum(float(np.sum(w * w)) for w in m.W[1:]))
    assert norms[0] > norms[1] > norms[2]


@pytest.mark.parametrize(
    "name, value, exc", [("weight_decay", -0.1, ValueError), ("l1", float("nan"), ValueError), ("l1", "big", TypeError)]
)
def test_bad_penalties_are_refused(name, value, exc):
    model, x, labels = _model()
    with pytest.raises(exc, match=f"expected {name}"):
        train(model, x, labels, epochs=1, **{name: value})
