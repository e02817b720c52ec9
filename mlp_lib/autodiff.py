"""Reverse-mode automatic differentiation on scalars, in the spirit of micrograd.

A :class:`Value` is a number that remembers how it was made: its inputs (``parents``) and the
local derivative ∂(this)/∂(input) of the one operation that made it. :meth:`Value.backward`
then visits the graph in reverse topological order and accumulates, into each value's
``grad``, the sum over its uses of (grad of the use) × (local derivative) — the chain rule.
After ``loss.backward()``, ``v.grad`` is ∂loss/∂v for every value v in the graph.

Built from the scalars of an MLP (:func:`mlp_graph`), the
accumulated ``grad`` of each pre-activation z_i^j is ϕ_i^j: backpropagation is this sweep,
written out once for a whole layer as Eqs. (1)–(4).
"""

from __future__ import annotations

import math
from numbers import Real

from .validation import Interval, check_one

_FINITE = Interval(Real)


class Value:
    """A scalar ``data`` with ``grad`` = ∂(output)/∂(this), filled in by :meth:`backward`."""

    def __init__(self, data: float, parents: tuple = (), local_grads: tuple = (), op: str = ""):
        # a finite real number: not a bool, a string or a complex; an overflow to ±inf stops here
        self.data = check_one("Value", "data", data, _FINITE)
        self.grad = 0.0
        self.parents = parents  # the Values this one was computed from
        self.local_grads = local_grads  # ∂(this)/∂(parent), one per parent
        self.op = op

    def __add__(self, other):
        other = as_value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = as_value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __pow__(self, k: float):
        k = check_one("Value.__pow__", "k", k, _FINITE)  # a constant exponent, not a Value
        if self.data == 0 and k < 0:
            raise ZeroDivisionError(
                f"Value.__pow__: expected a non-zero divisor, got {self.data!r} (in {self.data!r} ** {k!r})"
            )
        if self.data < 0 and k != int(k):
            raise ValueError(
                f"Value.__pow__: expected a real power, got {self.data!r} ** {k!r} (a negative base, a fractional power)"
            )
        return Value(self.data**k, (self,), (k * self.data ** (k - 1),), f"**{k}")

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), (e,), "exp")

    def log(self):
        if self.data <= 0:
            raise ValueError(f"Value.log: expected a positive value, got {self.data!r} (log is defined for x > 0)")
        return Value(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1.0 - t * t,), "tanh")

    def relu(self):  # derivative 0 at 0, as mlp_lib chooses σ'(0) = 0
        return Value(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,), "relu")

    def sigmoid(self):
        s = 1.0 / (1.0 + math.exp(-self.data)) if self.data >= 0 else math.exp(self.data) / (1.0 + math.exp(self.data))
        return Value(s, (self,), (s * (1.0 - s),), "sigmoid")

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-as_value(other))

    def __truediv__(self, other):
        other = as_value(other)
        if other.data == 0:
            raise ZeroDivisionError(
                f"Value.__truediv__: expected a non-zero divisor, got {other.data!r} (in {self.data!r} / {other.data!r})"
            )
        return self * other**-1.0

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other):
        return as_value(other) - self

    def __rtruediv__(self, other):
        return as_value(other) / self

    def backward(self) -> None:
        """Fill ``grad`` of every value this one depends on: a reverse topological sweep."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # depth-first, without recursion: a value is listed after everything it was made from
            v, parents_done = stack.pop()
            if parents_done:
                order.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((parent, False) for parent in v.parents)
        self.grad = 1.0
        for v in reversed(order):  # each value's grad is complete before it is passed on
            for parent, local in zip(v.parents, v.local_grads):
                parent.grad += v.grad * local

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"


def as_value(x) -> Value:
    """``x`` itself if it is a :class:`Value`, else a constant Value (no parents)."""
    return x if isinstance(x, Value) else Value(x)


def _activation(name: str, z: Value) -> Value:
    if name == "identity":
        return z
    return getattr(z, name)()  # relu, sigmoid, tanh


def _sample_loss(model, z: list, a: list, y: list) -> Value:
    """ℓ for one sample from its output pre-activations z^J and activations a^J (lists of Values)."""
    n, loss = len(z), model.loss.name
    if loss == "mse":
        return sum(((yi - ai) ** 2 for ai, yi in zip(a, y)), Value(0.0)) / n
    if loss == "bce" and model.fused:  # from the logits: max(z, 0) − z y + log(1 + e^{−|z|})
        return sum(
            (zi.relu() - zi * yi + (1 + (-(zi.relu() + (-zi).relu())).exp()).log() for zi, yi in zip(z, y)), Value(0.0)
        )
    if loss == "bce":
        return sum((-yi * ai.log() - (1 - yi) * (1 - ai).log() for ai, yi in zip(a, y)), Value(0.0))
    if model.fused:  # CCE from the logits: log Σ_k e^{z_k} − Σ_i y_i z_i (shifted by a constant c: no overflow)
        c = max(zi.data for zi in z)
        log_sum_exp = sum(((zi - c).exp() for zi in z), Value(0.0)).log() + c
        return log_sum_exp - sum((zi * yi for zi, yi in zip(z, y)), Value(0.0))
    return -sum((yi * ai.log() for ai, yi in zip(a, y) if yi != 0), Value(0.0))


def mlp_graph(model, x, y) -> dict:
    """The batch loss of ``model`` on ``(x, y)`` built from :class:`Value` scalars, differentiated.

    ``x`` is ``(n_0, m)`` and ``y`` targets in any form the model's loss accepts. Every weight,
    bias and pre-activation is its own Value; the loss is the mean over samples of ℓ, as in
    :mod:`mlp_lib.losses`. Returns ``{"loss", "W", "b", "z"}`` after ``loss.backward()``: ``W[j][i][k]``
    is the Value of w_{i,k}^j (its ``grad`` is ∂L/∂w_{i,k}^j), ``b[j][i]`` that of b_i^j and
    ``z[j][i][s]`` that of z_i^j for sample s, whose ``grad`` is ϕ_{i,s}^j.
    """
    x, y = model.check_targets(x, y)
    J, m = model.J, x.shape[1]
    W = [None] + [[[Value(w) for w in row] for row in model.W[j]] for j in range(1, J + 1)]
    b = [None] + [[Value(v) for v in model.b[j][:, 0]] for j in range(1, J + 1)]
    z_all = [None] + [[[None] * m for _ in range(model.sizes[j])] for j in range(1, J + 1)]
    total = Value(0.0)
    for s in range(m):
        a = [Value(v) for v in x[:, s]]  # a^0: constants
        for j in range(1, J + 1):
            z = [sum((w * ak for w, ak in zip(W[j][i], a)), b[j][i]) for i in range(model.sizes[j])]
            for i, zi in enumerate(z):
                z_all[j][i][s] = zi
            name = model.activations[j].name
            if name == "softmax":
                e = [(zi - max(v.data for v in z)).exp() for zi in z]
                total_e = sum(e, Value(0.0))
                a = [ei / total_e for ei in e]
            else:
                a = [_activation(name, zi) for zi in z]
        total = total + _sample_loss(model, z, a, list(y[:, s]))
    loss = total / m
    loss.backward()
    return {"loss": loss, "W": W, "b": b, "z": z_all}
