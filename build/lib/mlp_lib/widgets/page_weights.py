"""A network as the browser engine sends and takes it: ``{"config": MLP.config(), "params": {"W1": rows, …}}``.

The page's engine (``web/engine.js``: ``exportWeights`` / ``networkFromWeights``) and the
anywidgets that run it (:class:`~mlp_lib.widgets.Playground`, the backward-pass views of
:mod:`mlp_lib.widgets.backprop_views`) pass networks in this form: JSON, with every w^j and
b^j as nested lists of rows (float64 round-trips through JSON exactly).
"""

from __future__ import annotations

import numpy as np

from ..mlp import MLP

__all__ = ["model_from_page", "page_network"]


def page_network(model: MLP) -> dict:
    """``{"config": model.config(), "params": {"W1": [[…], …], "b1": [[…], …], …}}`` for the page."""
    if not isinstance(model, MLP):
        raise TypeError(f"expected an mlp_lib.MLP, got {type(model).__name__}")
    return {"config": model.config(), "params": {k: v.tolist() for k, v in model.parameters().items()}}


def model_from_page(network: dict, what: str = "the page") -> MLP:
    """The :class:`~mlp_lib.MLP` a ``{"config", "params"}`` dict describes (a new model; shapes checked).

    Raises ``ValueError`` naming ``what`` when a key is missing or an array has the wrong shape.
    """
    if not isinstance(network, dict) or "config" not in network or "params" not in network:
        raise ValueError(f"expected a network {{config, params}} from {what}, got {network!r:.200}")
    arch, params = network["config"], network["params"]
    net = MLP(
        arch["layer_sizes"],
        hidden=arch["hidden"],
        output=arch["output"],
        loss=arch["loss"],
        fused=arch.get("fused", True),
    )
    for j in range(1, net.J + 1):
        if f"W{j}" not in params or f"b{j}" not in params:
            raise ValueError(f"expected W{j} and b{j} from {what}, got the keys {sorted(params)}")
        W = np.array(params[f"W{j}"], dtype=np.float64)
        b = np.array(params[f"b{j}"], dtype=np.float64)
        if W.shape != net.W[j].shape or b.shape != net.b[j].shape:
            raise ValueError(
                f"expected W{j} {net.W[j].shape} and b{j} {net.b[j].shape} from {what}, got {W.shape} and {b.shape}"
            )
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ValueError(f"expected finite numbers in W{j} and b{j} from {what}, got inf or NaN")
        net.W[j], net.b[j] = W, b
    return net
