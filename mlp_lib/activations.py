"""Activation functions σ: value, derivative σ', and vector–Jacobian product.

All functions act on a matrix ``z`` of shape ``(n_j, m)`` whose columns are
samples. Elementwise activations (identity, ReLU, sigmoid, tanh) give
``value(z)`` and ``derivative(z)``, both of shape ``(n_j, m)``. Softmax acts on
each column as a whole, so it has no elementwise derivative; it gives
``vjp(z, v)``, the vector–Jacobian product (∂σ/∂z)ᵀ v, column by column.

``vjp`` exists for every activation, which is what lets Eq. (1) be written once
for all of them (see :func:`mlp_lib.backprop.output_layer_error`)::

    ϕ^J = (∂a^J/∂z^J)ᵀ ∇_{a^J} L          # general form: the TRANSPOSED Jacobian
        = ∇_{a^J} L ∘ σ'(z^J)             # when σ is elementwise (Jacobian diagonal)

The backward pass needs the transposed Jacobian, (∂a/∂z)ᵀ g, because ϕ_k = Σ_i g_i ∂a_i/∂z_k sums
over the *outputs* i (rows of ∂a/∂z = [∂a_i/∂z_k]). The activations here happen to have symmetric
Jacobians (diagonal for elementwise σ, ``diag(s) − s sᵀ`` for softmax), so ``vjp`` equals the
Jacobian–vector product for them; an activation with a non-symmetric Jacobian (e.g. one that mixes
units unequally) would not, and its ``vjp`` must apply the transpose.
"""

from __future__ import annotations

import numpy as np

from .validation import Options, check_one


class Activation:
    """Base class. Subclasses set ``name`` and ``elementwise``."""

    name: str = ""
    elementwise: bool = True
    #: whether the source allows this activation in a hidden layer
    hidden_ok: bool = True

    def value(self, z: np.ndarray) -> np.ndarray:
        """σ(z), shape ``(n, m)``."""
        raise NotImplementedError

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """σ'(z) elementwise, shape ``(n, m)``."""
        raise NotImplementedError

    def vjp(self, z: np.ndarray, v: np.ndarray) -> np.ndarray:
        """(∂σ/∂z)ᵀ v for each column: the transposed Jacobian of σ at that column of ``z`` times
        that column of ``v``; shape ``(n, m)``. Entry k is Σ_i v_i ∂σ_i/∂z_k.

        For an elementwise σ the Jacobian is ``diag(σ'(z))`` (its own transpose), so this is ``v ∘ σ'(z)``.
        """
        return v * self.derivative(z)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Identity(Activation):
    """σ(x) = x, σ'(x) = 1."""

    name = "identity"

    def value(self, z):
        return np.array(z, dtype=np.float64, copy=True)

    def derivative(self, z):
        return np.ones_like(z, dtype=np.float64)


class ReLU(Activation):
    """σ(x) = x for x > 0 else 0; σ'(x) = 1 for x > 0 else 0.

    ReLU has no derivative at 0; like the source we *choose* σ'(0) = 0.
    """

    name = "relu"

    def value(self, z):
        return np.maximum(z, 0.0)

    def derivative(self, z):
        return np.heaviside(z, 0.0)  # the step function: 1 where z > 0, 0 where z ≤ 0 (σ'(0) = 0)


class Sigmoid(Activation):
    """σ(x) = 1 / (1 + e^{-x}); σ'(x) = σ(x)(1 − σ(x)).

    Computed in two branches so that ``exp`` never sees a large positive
    argument: for x ≥ 0 use 1/(1+e^{-x}), for x < 0 use e^{x}/(1+e^{x}).
    Logits of ±1e4 give 1.0 and 0.0 without overflow warnings.
    """

    name = "sigmoid"

    def value(self, z):
        z = np.asarray(z, dtype=np.float64)
        e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def derivative(self, z):
        s = self.value(z)
        return s * (1.0 - s)


class Tanh(Activation):
    """σ(x) = tanh(x); σ'(x) = 1 − tanh(x)²."""

    name = "tanh"

    def value(self, z):
        return np.tanh(z)

    def derivative(self, z):
        t = np.tanh(z)
        return 1.0 - t * t


class Softmax(Activation):
    """σ(x)_i = e^{x_i} / Σ_k e^{x_k}, applied to each column.

    The maximum of each column is subtracted before ``exp`` (this does not
    change the result, since e^{x−c}/Σe^{x_k−c} = e^x/Σe^{x_k}) so logits of
    ±1e4 do not overflow.

    Its Jacobian at one column s = σ(x) is ``diag(s) − s sᵀ``; we never build it
    for a batch: ``vjp(z, v) = (diag(s) − s sᵀ)ᵀ v = s ∘ (v − sᵀv)`` (the matrix is symmetric).

    The source uses softmax only in the output layer; :class:`mlp_lib.MLP`
    refuses it in a hidden layer.
    """

    name = "softmax"
    elementwise = False
    hidden_ok = False

    def value(self, z):
        z = np.asarray(z, dtype=np.float64)
        e = np.exp(z - z.max(axis=0, keepdims=True))  # minus the column's max: every e ≤ 1, no overflow
        return e / e.sum(axis=0, keepdims=True)

    def derivative(self, z):
        raise TypeError(
            "softmax is not elementwise, so it has no elementwise derivative σ'(z); "
            "use vjp(z, v) or jacobian(z_column) instead"
        )

    def vjp(self, z, v):
        s = self.value(z)
        return s * (v - np.sum(s * v, axis=0, keepdims=True))

    def jacobian(self, z_column: np.ndarray) -> np.ndarray:
        """Full Jacobian ``∂σ_i/∂z_k = s_i(δ_ik − s_k)`` for one sample; shape ``(n, n)``."""
        s = self.value(np.reshape(z_column, (-1, 1)))[:, 0]
        return np.diag(s) - np.outer(s, s)


ACTIVATIONS: dict[str, type[Activation]] = {cls.name: cls for cls in (Identity, ReLU, Sigmoid, Tanh, Softmax)}


def get_activation(name_or_activation, *, name: str = "activation", caller: str = "get_activation") -> Activation:
    """Return an :class:`Activation` from its name (``"relu"``, …, any case) or pass one through.

    ``name`` and ``caller`` (the public function asking) name the parameter in an error.
    """
    if isinstance(name_or_activation, Activation):
        return name_or_activation
    return ACTIVATIONS[check_one(caller, name, name_or_activation, Options(ACTIVATIONS, lower=True))]()
