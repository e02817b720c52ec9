"""The four equations of backpropagation, one function each, in mini-batch form.

Shapes: layer ``j`` has ``n_j`` units and a batch has ``m`` samples (columns).
ϕ^j = ∇_{z^j} L has the shape of z^j, ``(n_j, m)``.

=========  ==========================================  ==============================
equation   formula (one sample)                         function
=========  ==========================================  ==============================
Eq. (1)    ϕ^J = ∇_{a^J} L ∘ σ'(z^J)                     :func:`output_layer_error`
Eq. (2)    ϕ^j = ((w^{j+1})ᵀ ϕ^{j+1}) ∘ σ'(z^j)           :func:`hidden_layer_error`
Eq. (3)    ∇_{w^j} L = ϕ^j (a^{j−1})ᵀ                    :func:`weight_gradient`
Eq. (4)    ∇_{b^j} L = ϕ^j                               :func:`bias_gradient`
=========  ==========================================  ==============================

In mini-batch form the columns of ϕ are the per-sample errors (each already
carrying the 1/m of the batch mean, see :mod:`mlp_lib.losses`). Eq. (3)'s
matrix product ϕ^j (a^{j−1})ᵀ then sums the per-sample outer products, and
Eq. (4) becomes ϕ^j 𝟙 — the sum of the columns.
"""

from __future__ import annotations

import functools

import numpy as np

from .activations import Activation


def output_layer_error(grad_a: np.ndarray, z: np.ndarray, activation: Activation) -> np.ndarray:
    """Eq. (1): ϕ^J from ∇_{a^J} L and the output pre-activation z^J.

    ``grad_a`` and ``z`` have shape ``(n_J, m)``. For an elementwise σ this is
    ``grad_a ∘ σ'(z)``; in general it is the Jacobian of σ applied to
    ``grad_a`` column by column (for softmax, ``s ∘ (g − sᵀg)``), which is the
    chain rule ∂L/∂z_i = Σ_k ∂L/∂a_k ∂a_k/∂z_i.
    """
    return activation.jvp(z, grad_a)


def hidden_layer_error(
    W_next: np.ndarray, phi_next: np.ndarray, z: np.ndarray, activation: Activation
) -> np.ndarray:
    """Eq. (2): ϕ^j = ((w^{j+1})ᵀ ϕ^{j+1}) ∘ σ'(z^j).

    ``W_next`` is w^{j+1}, shape ``(n_{j+1}, n_j)``; ``phi_next`` is ϕ^{j+1},
    shape ``(n_{j+1}, m)``; ``z`` is z^j, shape ``(n_j, m)``. Returns ``(n_j, m)``.
    In components: ϕ_i^j = Σ_k w_{k,i}^{j+1} ϕ_k^{j+1} σ'(z_i^j).
    """
    if not activation.elementwise:
        raise ValueError(
            f"expected an elementwise activation in a hidden layer, got {activation.name}: "
            "the source uses softmax only in the output layer"
        )
    return (W_next.T @ phi_next) * activation.derivative(z)


def weight_gradient(phi: np.ndarray, a_prev: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Eq. (3): ∇_{w^j} L = ϕ^j (a^{j−1})ᵀ.

    ``phi`` is ``(n_j, m)``, ``a_prev`` is ``(n_{j−1}, m)``; returns ``(n_j, n_{j−1})``,
    the shape of w^j. In components: ∂L/∂w_{i,k}^j = Σ_s ϕ_{i,s}^j a_{k,s}^{j−1}.
    ``out``, if given, is an array of that shape to write the result into
    (training reuses one instead of allocating a new array at every step).
    """
    return np.matmul(phi, a_prev.T, out=out)


def bias_gradient(phi: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Eq. (4): ∇_{b^j} L = ϕ^j, summed over the samples of a batch: ϕ^j 𝟙.

    ``phi`` is ``(n_j, m)`` and 𝟙 the column of m ones, ``(m, 1)``; returns
    ``(n_j, 1)``, the shape of b^j, written into ``out`` if it is given. The
    product with 𝟙 is the same sum as ``phi.sum(axis=1, keepdims=True)``, done
    by the matrix library (faster for a small batch).
    """
    return np.dot(phi, _ones(phi.shape[1]), out=out)


@functools.lru_cache(maxsize=16)
def _ones(m: int) -> np.ndarray:
    """The column 𝟙 of ``m`` ones, ``(m, 1)``, made once per batch size (read-only)."""
    ones = np.ones((m, 1))
    ones.flags.writeable = False
    return ones
