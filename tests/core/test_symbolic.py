"""The SymPy twin: brute force ≡ closed form, and its numbers = mlp_lib's numbers."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import mlp_lib
from mlp_lib import symbolic as S

# (layer sizes, hidden, output, loss) — small enough for a chapter (each < 3 s)
PROOF_CASES = [
    ([2, 2, 2], "generic", "generic", "generic"),
    ([2, 2, 2, 2], "generic", "generic", "generic"),
    ([2, 2, 2], "generic", "generic", "mse"),
    ([2, 2, 1], "sigmoid", "sigmoid", "bce"),
    ([2, 2, 2], "relu", "relu", "mse"),
    ([2, 2, 2], "tanh", "identity", "mse"),
    ([2, 3], "generic", "softmax", "cce"),
]


@pytest.mark.parametrize("sizes,hidden,output,loss", PROOF_CASES)
def test_brute_force_equals_closed_form(sizes, hidden, output, loss):
    net = S.SymbolicMLP(sizes, hidden, output, loss)
    result = net.verify()
    assert set(result) == {f"{kind}{j}" for j in range(1, net.J + 1) for kind in ("phi", "W", "b")}
    for name, diff in result.items():
        assert S.is_zero_matrix(diff), f"{name}: {diff}"


def test_softmax_output_layer_with_hidden_layer_checked_at_the_output():
    net = S.SymbolicMLP([2, 2, 3], "tanh", "softmax", "cce")
    for diff in net.verify(layers=[2]).values():
        assert S.is_zero_matrix(diff)


def _source_eq2(net, j):
    """The source's §2.2 result: σ(z^j) where σ'(z^j) belongs."""
    phi_next = net.closed_form_phi(j + 1)
    return (net.W[j + 1].T * phi_next).multiply_elementwise(S.activation_value(net.activation_names[j], net.z[j]))


def test_a_wrong_closed_form_is_caught_with_a_counterexample():
    net = S.SymbolicMLP([2, 2, 1], "sigmoid", "identity", "mse")
    diff = S.difference(net.brute_force_phi(1), _source_eq2(net, 1))
    assert not S.is_zero_matrix(diff)
    found = S.counterexample(diff, seed=0)
    assert found is not None
    values, numbers = found
    assert np.max(np.abs(numbers)) > 1e-6
    assert set(values) == diff.free_symbols


def test_counterexample_values_reproduce_its_numbers_and_none_for_zero():
    net = S.SymbolicMLP([2, 2, 1], "sigmoid", "identity", "mse")
    diff = S.difference(net.brute_force_phi(1), _source_eq2(net, 1))
    values, numbers = S.counterexample(diff, seed=3)
    syms = sorted(values, key=lambda s: s.name)
    by_numpy = np.asarray(sp.lambdify(syms, diff, "numpy")(*[values[s] for s in syms]), dtype=float)
    np.testing.assert_allclose(numbers, by_numpy, rtol=1e-12, atol=1e-15)
    assert S.counterexample(sp.zeros(2, 1) * net.x[0], seed=0) is None
    generic = S.SymbolicMLP([1, 1], "generic", "generic", "generic")
    with pytest.raises(ValueError, match="expected concrete activations"):
        S.counterexample(generic.brute_force_phi(1))


def test_source_bce_gradient_sign_error_is_caught():
    a, y = sp.symbols("a y", positive=True)
    loss = S.loss_value("bce", sp.Matrix([a]), sp.Matrix([y]))
    brute = sp.diff(loss, a)
    source = -y / a - (1 - y) / (1 - a)
    assert sp.simplify(brute - S.loss_gradient("bce", sp.Matrix([a]), sp.Matrix([y]))[0]) == 0
    assert sp.simplify(brute - source) != 0


CONCRETE = [
    ([2, 3, 2], "tanh", "identity", "mse"),
    ([2, 2, 1], "sigmoid", "sigmoid", "bce"),
    ([3, 2, 2], "relu", "relu", "mse"),
    ([3, 3], "relu", "softmax", "cce"),
    ([2, 3, 3], "relu", "identity", "mse"),
]


@pytest.mark.parametrize("sizes,hidden,output,loss", CONCRETE)
@pytest.mark.parametrize("fused", [True, False])
def test_sympy_numbers_equal_mlp_lib_numbers(sizes, hidden, output, loss, fused):
    net = S.SymbolicMLP(sizes, hidden, output, loss)
    model = mlp_lib.MLP(sizes, hidden=hidden, output=output, loss=loss, seed=4, fused=fused)
    rng = np.random.default_rng(11)
    for j in range(1, model.J + 1):
        model.b[j] = rng.normal(size=model.b[j].shape) * 0.5
    x = rng.normal(size=(sizes[0], 1))
    if loss == "cce":
        y = mlp_lib.one_hot(np.array([1]), sizes[-1])
    elif loss == "bce":
        y = np.array([[1.0]])
    else:
        y = rng.normal(size=(sizes[-1], 1))
    fp = model.forward(x)
    assert min(np.abs(z).min() for z in fp.z[1:]) > 1e-3  # away from ReLU's kink
    grads = model.gradients(x, y)
    for j in range(1, model.J + 1):
        for sym, num in (
            (net.brute_force_gradient(net.W[j]), grads.dW[j]),
            (net.brute_force_gradient(net.b[j]), grads.db[j]),
            (net.brute_force_phi(j), grads.phi[j]),
        ):
            value = net.numeric(sym, model, x, y)
            assert value.shape == num.shape
            assert mlp_lib.array_relative_error(value, num) <= 1e-10
    assert net.numeric(sp.Matrix([net.L]), model, x, y)[0, 0] == pytest.approx(model.loss_value(x, y), rel=1e-10)


def test_relu_convention_at_zero():
    t = sp.Symbol("t", real=True)
    assert S.relu(t).diff(t) == S.relu_step(t)
    assert S.relu_step(sp.Integer(0)) == 0  # σ'(0) = 0, the source's choice
    assert S.relu_step(sp.Integer(2)) == 1
    assert S.relu(sp.Integer(-3)) == 0


def test_numeric_matches_lambdify_and_refuses_foreign_symbols():
    """SymPy's own evaluation and a NumPy lambdify of the same gradient agree to round-off."""
    net = S.SymbolicMLP([2, 3, 2], "sigmoid", "softmax", "cce")
    model = mlp_lib.MLP([2, 3, 2], hidden="sigmoid", output="softmax", loss="cce", seed=3)
    x, y = np.array([[0.4], [-1.2]]), np.array([[0.0], [1.0]])
    grad = net.brute_force_gradient(net.W[1])
    values = net.substitutions(model, x, y)
    syms = net.symbols()
    by_numpy = np.asarray(sp.lambdify(syms, grad, "numpy")(*[values[s] for s in syms]), dtype=float)
    by_sympy = net.numeric(grad, model, x, y)
    assert by_sympy.shape == (3, 2)
    np.testing.assert_allclose(by_sympy, by_numpy, rtol=1e-12, atol=1e-15)
    stranger = sp.Symbol("q")
    with pytest.raises(ValueError, match=r"expected an expression of this network's symbols.*'q'"):
        net.numeric(grad + sp.ones(3, 2) * stranger, model, x, y)


def test_generic_network_cannot_be_evaluated():
    net = S.SymbolicMLP([1, 1], "generic", "generic", "generic")
    model = mlp_lib.MLP([1, 1])
    with pytest.raises(ValueError, match="expected concrete activations"):
        net.numeric(net.brute_force_gradient(net.W[1]), model, [[1.0]], [[0.0]])


@pytest.mark.parametrize(
    "args,match",
    [
        (([2], "generic", "generic", "generic"), "at least two layer sizes"),
        (([2, 0], "generic", "generic", "generic"), "positive integer"),
        (([2, 2], "generic", "swish", "generic"), "expected an activation"),
        (([2, 2], "generic", "generic", "hinge"), "expected a loss"),
        (([2, 2, 2], "softmax", "generic", "generic"), "elementwise hidden activation"),
    ],
)
def test_validation(args, match):
    with pytest.raises((ValueError, TypeError), match=match):
        S.SymbolicMLP(*args)


def test_substitutions_check_the_model_shape():
    net = S.SymbolicMLP([2, 2], "tanh", "identity", "mse")
    with pytest.raises(ValueError, match="expected a model with layer sizes"):
        net.substitutions(mlp_lib.MLP([2, 3]), [1, 2], [0, 0, 0])
