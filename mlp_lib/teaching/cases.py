"""Random small cases for the chapters' proofs by machine: a network and one sample.

The chapters check each equation on a few small networks; every such case is drawn the same way,
so the drawing lives here once (and a chapter's check reads as the equation it checks).
"""

from __future__ import annotations

import numpy as np

from ..mlp import MLP


def random_case(sizes, hidden, output, loss, rng: np.random.Generator, *, fused: bool = False):
    """``(model, x, y)``: an :class:`~mlp_lib.MLP` of ``sizes`` and one sample, drawn from ``rng``.

    The weights are the model's own initialisation (``seed=0``); the biases are drawn
    N(0, 0.5²) (not 0, so that Eq. (4) is tested on non-zero values); ``x`` (n_0, 1) is
    standard normal; ``y`` (n_J, 1) is uniform on [0, 1) for MSE and 0 or 1 for BCE.
    Drawn in that order, so a chapter's numbers stay the same for the same ``rng``.
    """
    model = MLP(sizes, hidden=hidden, output=output, loss=loss, seed=0, fused=fused)
    for j in range(1, model.J + 1):
        model.b[j] = rng.normal(scale=0.5, size=model.b[j].shape)
    x = rng.normal(size=(sizes[0], 1))
    if loss == "mse":
        y = rng.uniform(size=(sizes[-1], 1))
    elif loss == "bce":
        y = rng.integers(0, 2, size=(sizes[-1], 1)).astype(float)
    else:
        raise ValueError(f"expected loss 'mse' or 'bce' (one-sample cases with targets in [0, 1]), got {loss!r}")
    return model, x, y
