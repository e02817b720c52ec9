"""All of a network's weights and biases in one flat vector θ.

Gradient descent changes every w^j and b^j by the same rule, so it can be
written once for all of them::

    θ = (w^1, b^1, w^2, b^2, …, w^J, b^J)   flattened, one float64 vector
    θ ← θ − η ∇_θ L

:class:`ParameterVector` holds such a vector. Its ``W[j]`` and ``b[j]`` are
*views* into it with the shapes of w^j ``(n_j, n_{j−1})`` and b^j ``(n_j, 1)``,
so reading or writing ``W[j]`` reads or writes the vector. The gradient
∇_θ L is a ParameterVector of the same layout: Eq. (3) writes ∇_{w^j} L into
its ``W[j]`` and Eq. (4) writes ∇_{b^j} L into its ``b[j]``
(see :meth:`mlp_lib.MLP._backward`). One update is then two NumPy operations
on whole vectors instead of two per array, which is what makes
:func:`mlp_lib.train`'s step fast on small networks.

An :class:`~mlp_lib.MLP` keeps ordinary, separate arrays in ``model.W`` and
``model.b``; training copies them into a ParameterVector and back.
"""

from __future__ import annotations

import numpy as np


class ParameterVector:
    """One float64 vector θ with views ``W[j]`` ``(n_j, n_{j−1})`` and ``b[j]`` ``(n_j, 1)``, j = 1 … J.

    ``sizes`` is ``[n_0, n_1, …, n_J]`` as in :class:`mlp_lib.MLP`; index 0 of
    ``W`` and ``b`` is ``None``, as in the model. The values start undefined
    (``np.empty``): fill them with :meth:`load` or by writing into the views.
    """

    def __init__(self, sizes):
        self.sizes = list(sizes)
        shapes = [((n, n_prev), (n, 1)) for n_prev, n in zip(self.sizes[:-1], self.sizes[1:])]
        self.theta = np.empty(sum(n * n_prev + n for (n, n_prev), _ in shapes))
        self._ones = None  # made by the first sum()
        self.W: list = [None]
        self.b: list = [None]
        start = 0
        for w_shape, b_shape in shapes:
            for views, shape in ((self.W, w_shape), (self.b, b_shape)):
                size = shape[0] * shape[1]
                views.append(self.theta[start : start + size].reshape(shape))
                start += size

    def load(self, W, b) -> "ParameterVector":
        """Copy the arrays ``W[1:]`` and ``b[1:]`` (lists like ``model.W``, ``model.b``) into θ; returns self."""
        for name, targets, sources in (("W", self.W, W), ("b", self.b, b)):
            if len(sources) != len(targets):
                raise ValueError(f"expected {name} to hold {len(targets) - 1} layers, got {len(sources) - 1}")
            for j in range(1, len(targets)):
                source = np.asarray(sources[j])
                if source.shape != targets[j].shape:
                    raise ValueError(
                        f"expected {name}[{j}] of shape {targets[j].shape} for layer sizes {self.sizes}, "
                        f"got shape {source.shape}"
                    )
                np.copyto(targets[j], source)
        return self

    def sum(self) -> float:
        """Σθ, the sum of all parameters: inf or NaN if any of them is (one dot product, cheap)."""
        if self._ones is None:
            self._ones = np.ones(self.theta.size)
        return float(np.dot(self.theta, self._ones))

    def arrays(self) -> tuple[list, list]:
        """Independent copies ``([None, w^1, …], [None, b^1, …])``: what a model keeps."""
        return [None] + [w.copy() for w in self.W[1:]], [None] + [b.copy() for b in self.b[1:]]

    def __repr__(self) -> str:
        return f"ParameterVector(sizes={self.sizes}, size={self.theta.size})"
