"""Central finite differences: the independent check of every gradient.

For a parameter θ the central difference

    (L(θ + ε) − L(θ − ε)) / (2ε)

has error O(ε²). We compare it with backpropagation's value by a relative error adapted from
CS231n's notes (which define it per entry, |a − b| / max(|a|, |b|)): here norms over each
parameter array take the place of the absolute values:

    ‖g_bp − g_fd‖ / max(‖g_bp‖, ‖g_fd‖)

(the elementwise form, :func:`relative_error`, is also here; on a single
element whose gradient is nearly 0 it measures round-off rather than
correctness, which is why the array form is the one we report). In float64
with ε = 1e-6, ≤ 1e-7 means the gradient is right; ≥ 1e-2 means it is wrong.
"""

from __future__ import annotations

import numpy as np

from .mlp import MLP
from .validation import POSITIVE_INT, POSITIVE_REAL, SEED, InstanceOf, IsCallable, as_generator, check

#: what the gradient checks accept (``x`` and ``y`` are checked by ``model.check_targets``)
GRADCHECK_CONSTRAINTS = {
    "model": InstanceOf(MLP, "an mlp_lib.MLP"),
    "f": IsCallable(),
    "theta": InstanceOf(np.ndarray, "a numpy.ndarray (perturbed in place)"),
    "eps": POSITIVE_REAL,
    "max_per_array": [None, POSITIVE_INT],
    "seed": SEED,
}

_TINY = 1e-12


def relative_error(a, b) -> np.ndarray:
    """Elementwise |a − b| / max(|a|, |b|, 1e-12)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), _TINY)


def array_relative_error(a, b) -> float:
    """‖a − b‖ / max(‖a‖, ‖b‖, 1e-12): CS231n's per-entry relative error, adapted to a whole array."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), _TINY))


def numerical_gradient(f, theta: np.ndarray, eps: float = 1e-6, indices=None) -> np.ndarray:
    """Central differences of the scalar function ``f()`` with respect to the array ``theta``.

    ``theta`` is perturbed **in place** and restored. Only the flat positions in
    ``indices`` are computed (all by default); the rest of the result is NaN.
    """
    f, theta, eps = check("numerical_gradient", {"f": f, "theta": theta, "eps": eps}, GRADCHECK_CONSTRAINTS)
    if theta.dtype.kind != "f":
        raise TypeError(f"numerical_gradient: expected theta to be a float array, got dtype {theta.dtype}")
    grad = np.full(theta.shape, np.nan)
    # Index theta itself (not ``theta.reshape(-1)``): for a non-contiguous array, e.g. a
    # transposed matrix assigned to ``model.W[j]``, reshape returns a copy and the
    # perturbation would never reach the model.
    for i in range(theta.size) if indices is None else indices:
        pos = np.unravel_index(i, theta.shape)
        old = theta[pos]
        theta[pos] = old + eps
        plus = f()
        theta[pos] = old - eps
        minus = f()
        theta[pos] = old
        grad[pos] = (plus - minus) / (2 * eps)
    return grad


def finite_difference_gradients(model: MLP, x, y, eps: float = 1e-6, max_per_array: int | None = None, seed=0) -> dict:
    """Central-difference gradient of ``model.loss_value(x, y)`` for every parameter array.

    Returns ``{"W1": array, "b1": array, …}`` shaped like the parameters. With
    ``max_per_array``, only that many seeded random entries per array are
    computed (the others are NaN) — for large networks.
    """
    params = {"model": model, "eps": eps, "max_per_array": max_per_array, "seed": seed}
    model, eps, max_per_array, seed = check("finite_difference_gradients", params, GRADCHECK_CONSTRAINTS)
    x, y = model.check_targets(x, y, caller="finite_difference_gradients")
    rng = as_generator(seed)

    def loss():
        return model._loss(model._forward(x), y)

    result = {}
    for name, theta in model.parameters().items():
        idx = None
        if max_per_array is not None and theta.size > max_per_array:
            idx = rng.choice(theta.size, size=max_per_array, replace=False)
        result[name] = numerical_gradient(loss, theta, eps, idx)
    return result


def backprop_gradients(model: MLP, x, y) -> dict:
    """Backpropagation's gradients as ``{"W1": ∇_{w^1} L, "b1": ∇_{b^1} L, …}``."""
    (model,) = check("backprop_gradients", {"model": model}, GRADCHECK_CONSTRAINTS)
    g = model.gradients(x, y)
    out = {}
    for j in range(1, model.J + 1):
        out[f"W{j}"] = g.dW[j]
        out[f"b{j}"] = g.db[j]
    return out


def check_gradients(model: MLP, x, y, eps: float = 1e-6, max_per_array: int | None = None, seed=0) -> dict:
    """Relative error per parameter array between backpropagation and finite differences.

    Returns ``{"W1": 3.1e-10, "b1": …}`` with ‖g_bp − g_fd‖ / max(‖g_bp‖, ‖g_fd‖)
    over the entries of each array. Entries not sampled (see ``max_per_array``)
    are skipped.
    """
    params = {"model": model, "eps": eps, "max_per_array": max_per_array, "seed": seed}
    check("check_gradients", params, GRADCHECK_CONSTRAINTS)
    bp = backprop_gradients(model, x, y)
    fd = finite_difference_gradients(model, x, y, eps=eps, max_per_array=max_per_array, seed=seed)
    report = {}
    for name in bp:
        sampled = ~np.isnan(fd[name])
        report[name] = array_relative_error(bp[name][sampled], fd[name][sampled])
    return report
