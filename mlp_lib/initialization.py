"""Weight initialisation suited to each layer's activation.

* He (Kaiming) normal for ReLU: w ~ N(0, 2/n_{j−1}). ReLU zeroes half of its
  inputs on average, so the variance is doubled to keep activations from
  shrinking layer by layer.
* Glorot (Xavier) uniform otherwise: w ~ U(−r, r), r = √(6/(n_{j−1} + n_j)),
  which keeps the variance of activations and of ϕ roughly constant for
  sigmoid, tanh and identity layers.

Biases start at 0. All randomness comes from an explicit generator.
"""

from __future__ import annotations

import numpy as np

from .activations import Activation, ReLU


def he_normal(n_out: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    """He normal weights, shape ``(n_out, n_in)``, standard deviation √(2/n_in)."""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))


def glorot_uniform(n_out: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    """Glorot uniform weights, shape ``(n_out, n_in)``, in ±√(6/(n_in + n_out))."""
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_out, n_in))


def initial_weights(n_out: int, n_in: int, activation: Activation, rng: np.random.Generator) -> np.ndarray:
    """w^j for a layer with ``n_in`` inputs, ``n_out`` units and the given activation."""
    if isinstance(activation, ReLU):
        return he_normal(n_out, n_in, rng)
    return glorot_uniform(n_out, n_in, rng)
