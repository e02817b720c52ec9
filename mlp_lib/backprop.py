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
Eq. (4) sums the columns of ϕ^j: the bias gradient of the batch is the sum of
the per-sample bias gradients.
"""

from __future__ import annotations

import numpy as np

from .activations import Activation


def output_layer_error(grad_a: np.ndarray, z: np.ndarray, activation: Activation) -> np.ndarray:
    """Eq. (1): ϕ^J from ∇_{a^J} L and the output pre-activation z^J.

    ``grad_a`` and ``z`` have shape ``(n_J, m)``. For an elementwise σ this is
    ``grad_a ∘ σ'(z)``; in general it is the *transposed* Jacobian of σ applied to
    ``grad_a`` column by column, (∂a/∂z)ᵀ ∇_a L (for softmax, ``s ∘ (g − sᵀg)``), which is the
    chain rule ∂L/∂z_i = Σ_k ∂L/∂a_k ∂a_k/∂z_i: a sum over the rows k of ∂a/∂z.
    """
    return activation.vjp(z, grad_a)


def hidden_layer_error(W_next: np.ndarray, phi_next: np.ndarray, z: np.ndarray, activation: Activation) -> np.ndarray:
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


def weight_gradient(phi: np.ndarray, a_prev: np.ndarray) -> np.ndarray:
    """Eq. (3): ∇_{w^j} L = ϕ^j (a^{j−1})ᵀ.

    ``phi`` is ``(n_j, m)``, ``a_prev`` is ``(n_{j−1}, m)``; returns ``(n_j, n_{j−1})``,
    the shape of w^j. In components: ∂L/∂w_{i,k}^j = Σ_s ϕ_{i,s}^j a_{k,s}^{j−1},
    the sum over the batch of each sample's outer product ϕ^j (a^{j−1})ᵀ.
    """
    return phi @ a_prev.T


def bias_gradient(phi: np.ndarray) -> np.ndarray:
    """Eq. (4): ∇_{b^j} L = ϕ^j for one sample; for a batch, the sum over its samples.

    ``phi`` is ``(n_j, m)``; returns ``(n_j, 1)``, the shape of b^j:
    ∂L/∂b_i^j = Σ_s ϕ_{i,s}^j.
    """
    return phi.sum(axis=1, keepdims=True)
