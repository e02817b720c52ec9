"""Initial weights, each scheme named after the condition it is derived from.

**Derivation from Eq. (2).** ϕ_i^j = σ'(z_i^j) Σ_k w_{k,i}^{j+1} ϕ_k^{j+1}. With the weights
independent of each other and of the ϕ's and z's, of mean 0 and variance Var(w^{j+1}), the
n_{j+1} terms of the sum are uncorrelated, so

    Var(ϕ^j) = n_{j+1} · Var(w^{j+1}) · E[σ'(z^j)²] · Var(ϕ^{j+1}).

The error signal keeps its size from layer to layer (neither vanishes nor explodes) when the
factor is 1: Var(w^{j+1}) = 1 / (n_{j+1} E[σ'(z)²]), a condition on the fan-out n_{j+1}. The
forward pass z^j = w^j a^{j−1} + b^j gives the same kind of condition on the fan-in n_{j−1}.

* ``"he"`` (ReLU): σ'(z) is 1 on half of the inputs and 0 on the other half, E[σ'²] = 1/2,
  so Var(w) = 2/n. He et al. (2015) use the fan-in, n = n_{j−1}: w ~ N(0, 2/n_{j−1}).
* ``"glorot"`` (tanh, identity): σ'(z) ≈ 1 near 0, so Var(w) = 1/n; Glorot & Bengio (2010)
  take the mean of the forward and backward conditions, Var(w) = 2/(n_{j−1} + n_j):
  w ~ U(−r, r) with r = √(6/(n_{j−1} + n_j)) (a uniform on ±r has variance r²/3).
* ``"glorot-sigmoid"``: the logistic sigmoid has σ'(0) = 1/4, E[σ'²] ≈ 1/16 near 0, so the
  variance is 16× Glorot's: w ~ U(−4r, 4r) (Glorot & Bengio's recommendation for sigmoid).
* ``"normal"``: w ~ N(0, 1), the naive choice that ignores the layer sizes: the factor is
  n_{j+1} E[σ'²], far from 1 for wide layers.
* ``"auto"`` (the default of :class:`mlp_lib.MLP`): ``"he"`` for ReLU layers, ``"glorot"``
  otherwise.

Biases start at 0. All randomness comes from an explicit generator.
"""

from __future__ import annotations

import numpy as np

from .activations import Activation, ReLU
from .validation import POSITIVE_INT, POSITIVE_REAL, InstanceOf, Options, check

SCHEMES = ("auto", "he", "glorot", "glorot-sigmoid", "normal")
#: what the initializers accept
INIT_CONSTRAINTS = {
    "n_out": POSITIVE_INT,
    "n_in": POSITIVE_INT,
    "rng": InstanceOf(np.random.Generator, "a numpy.random.Generator"),
    "gain": POSITIVE_REAL,
    "activation": InstanceOf(Activation, "an mlp_lib.Activation"),
    "scheme": Options(SCHEMES),
}


def he_normal(n_out: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    """He normal weights, shape ``(n_out, n_in)``, standard deviation √(2/n_in)."""
    n_out, n_in, rng = check("he_normal", {"n_out": n_out, "n_in": n_in, "rng": rng}, INIT_CONSTRAINTS)
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))


def glorot_uniform(n_out: int, n_in: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """Glorot uniform weights, shape ``(n_out, n_in)``, in ±gain·√(6/(n_in + n_out))."""
    n_out, n_in, rng, gain = check(
        "glorot_uniform", {"n_out": n_out, "n_in": n_in, "rng": rng, "gain": gain}, INIT_CONSTRAINTS
    )
    limit = gain * np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_out, n_in))


def initial_weights(
    n_out: int, n_in: int, activation: Activation, rng: np.random.Generator, scheme: str = "auto"
) -> np.ndarray:
    """w^j for a layer with ``n_in`` inputs, ``n_out`` units and the given activation.

    ``scheme`` is one of :data:`SCHEMES` (see the module's docstring for where each comes from).
    """
    params = {"n_out": n_out, "n_in": n_in, "activation": activation, "rng": rng, "scheme": scheme}
    n_out, n_in, activation, rng, scheme = check("initial_weights", params, INIT_CONSTRAINTS)
    if scheme == "auto":
        scheme = "he" if isinstance(activation, ReLU) else "glorot"
    if scheme == "he":
        return he_normal(n_out, n_in, rng)
    if scheme == "glorot":
        return glorot_uniform(n_out, n_in, rng)
    if scheme == "glorot-sigmoid":
        return glorot_uniform(n_out, n_in, rng, gain=4.0)
    return rng.normal(0.0, 1.0, size=(n_out, n_in))  # "normal"
