"""Weight decay (L2) and L1 penalties: one extra term in Eq. (3).

The penalized loss adds to the data loss L a term in the weights only (biases are not
penalized, as is usual)::

    L_reg = L + (λ/2) Σ_j ‖w^j‖²  +  λ₁ Σ_j Σ_{i,k} |w_{i,k}^j|

‖w^j‖² is the sum of the squares of the entries of w^j. The penalty does not involve
z^j, so ϕ^j and Eqs. (1), (2) and (4) are unchanged; only Eq. (3) gains a term::

    ∇_{w^j} L_reg = ϕ^j (a^{j−1})ᵀ + λ w^j + λ₁ sign(w^j)

|w| has no derivative at w = 0; sign(0) = 0 is the subgradient chosen here (the one that
leaves a weight that is exactly 0 where it is, as far as the penalty goes).
"""

from __future__ import annotations

import numpy as np

from .validation import NON_NEGATIVE_REAL, check

#: λ and λ₁: finite numbers ≥ 0
PENALTY_CONSTRAINTS = {"weight_decay": NON_NEGATIVE_REAL, "l1": NON_NEGATIVE_REAL}


def penalty(W: list, weight_decay: float = 0.0, l1: float = 0.0) -> float:
    """(λ/2) Σ_j ‖w^j‖² + λ₁ Σ_j Σ |w_{i,k}^j| for the weights ``W = [None, w^1, …, w^J]`` (λ, λ₁ ≥ 0)."""
    weight_decay, l1 = check("penalty", {"weight_decay": weight_decay, "l1": l1}, PENALTY_CONSTRAINTS)
    squares = sum(float(np.sum(w * w)) for w in W[1:])
    absolutes = sum(float(np.sum(np.abs(w))) for w in W[1:])
    return 0.5 * weight_decay * squares + l1 * absolutes


def penalty_gradient(w: np.ndarray, weight_decay: float = 0.0, l1: float = 0.0) -> np.ndarray:
    """The penalty's term in Eq. (3): λ w^j + λ₁ sign(w^j), shape of ``w`` (sign(0) = 0; λ, λ₁ ≥ 0)."""
    weight_decay, l1 = check("penalty_gradient", {"weight_decay": weight_decay, "l1": l1}, PENALTY_CONSTRAINTS)
    return weight_decay * w + l1 * np.sign(w)
