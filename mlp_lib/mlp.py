"""The multi-layer perceptron: forward pass and gradients from Eqs. (1)–(4).

Notation ↔ code (layers are numbered 1 … J so that ``W[j]`` is w^j)::

    a^0                      x, shape (n_0, m)         forward(x).a[0]
    z^j = w^j a^{j−1} + b^j   shape (n_j, m)            forward(x).z[j]
    a^j = σ(z^j)              shape (n_j, m)            forward(x).a[j]
    w^j, b^j                  (n_j, n_{j−1}), (n_j, 1)  model.W[j], model.b[j]
    ϕ^j = ∇_{z^j} L           shape (n_j, m)            gradients(x, y).phi[j]

Index 0 of ``W``, ``b``, ``z`` and ``phi`` is ``None`` (there is no layer 0,
only the input a^0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .activations import Activation, get_activation
from .backprop import bias_gradient, hidden_layer_error, output_layer_error, weight_gradient
from .initialization import SCHEMES, initial_weights
from .losses import Loss, get_loss
from .validation import SEED, Boolean, Options, as_float_matrix, as_generator, check, check_same_batch, positive_int


@dataclass
class ForwardPass:
    """Everything the forward pass computed: ``z[j]`` for j = 1 … J and ``a[j]`` for j = 0 … J."""

    z: list
    a: list

    @property
    def output(self) -> np.ndarray:
        """a^J, the network's output ŷ."""
        return self.a[-1]


@dataclass
class Gradients:
    """Result of backpropagation on one batch.

    ``phi[j]`` is ϕ^j (Eqs. 1–2), ``dW[j]`` is ∇_{w^j} L (Eq. 3) and ``db[j]`` is
    ∇_{b^j} L (Eq. 4), for j = 1 … J; ``loss`` is the batch loss L (NaN if it
    was not computed) and ``output`` the network's output a^J on the batch,
    shape ``(n_J, m)``.
    """

    phi: list
    dW: list
    db: list
    loss: float
    output: np.ndarray | None = None


class MLP:
    """A fully connected network ``n_0 → n_1 → … → n_J`` trained by backpropagation.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_0, n_1, …, n_J]``: inputs, then the units of each layer (J ≥ 1).
    hidden : str or sequence of str
        Activation of the hidden layers 1 … J−1: one name for all, or a list of
        J−1 names. One of identity, relu, sigmoid, tanh (softmax is refused:
        the source reserves it for the output layer).
    output : str
        Activation σ of layer J.
    loss : str
        ``"mse"``, ``"bce"`` (needs ``output="sigmoid"``) or ``"cce"`` (needs
        ``output="softmax"``).
    seed : int or numpy.random.Generator
        Source of the initial weights.
    fused : bool
        Compute ϕ^J for sigmoid+BCE and softmax+CCE from the logits as
        (a^J − y)/m (stable) instead of Eq. (1) with ∇_{a^J} L (which divides
        by a^J). Both give the same numbers away from saturation.
    initialization : str
        How the initial weights are drawn, each scheme named after its derivation from Eq. (2)
        (:mod:`mlp_lib.initialization`): ``"auto"`` (He for ReLU layers, Glorot otherwise),
        ``"he"``, ``"glorot"``, ``"glorot-sigmoid"`` or ``"normal"`` (naive N(0, 1)).
    """

    def __init__(
        self, layer_sizes, hidden="relu", output="identity", loss="mse", seed=0, fused=True, initialization="auto"
    ):
        try:
            sizes = list(layer_sizes) if not isinstance(layer_sizes, (str, bytes)) else None
        except TypeError:  # not iterable, e.g. MLP(5)
            raise TypeError(
                f"MLP: expected layer_sizes to be a list [n_0, …, n_J] of at least two sizes, got {layer_sizes!r}"
            ) from None
        if sizes is None or len(sizes) < 2:
            raise ValueError(
                f"MLP: expected layer_sizes to be a list [n_0, …, n_J] of at least two sizes, got {layer_sizes!r}"
            )
        self.sizes = [positive_int(n, f"layer_sizes[{i}]", caller="MLP") for i, n in enumerate(sizes)]
        fused, initialization, seed = check(
            "MLP",
            {"fused": fused, "initialization": initialization, "seed": seed},
            {"fused": Boolean(), "initialization": Options(SCHEMES), "seed": SEED},
        )
        self.J = len(self.sizes) - 1

        if isinstance(hidden, (str, Activation)):
            hidden_names = [hidden] * (self.J - 1)
        else:
            try:
                hidden_names = list(hidden)
            except TypeError:  # not iterable, e.g. hidden=None
                raise TypeError(
                    f"MLP: expected hidden to be an activation name or a list of {self.J - 1} names, got {hidden!r}"
                ) from None
        if len(hidden_names) != self.J - 1:
            raise ValueError(
                f"MLP: expected hidden to hold {self.J - 1} activation(s) for {self.J} layers, got {len(hidden_names)}"
            )
        hidden_acts = [get_activation(h, name="hidden", caller="MLP") for h in hidden_names]
        for j, act in enumerate(hidden_acts, start=1):
            if not act.hidden_ok:
                raise ValueError(
                    f"MLP: expected an elementwise activation in hidden layer {j}, got {act.name}: "
                    "softmax turns a layer into a probability distribution and the source uses it "
                    "only in the output layer (Section 3.3)"
                )
        self.activations: list = [None, *hidden_acts, get_activation(output, name="output", caller="MLP")]
        self.loss: Loss = get_loss(loss, caller="MLP")
        self._check_output_pairing()
        self.fused = fused  # strictly a bool: bool("no") is True, so a string must not switch it on
        rng = as_generator(seed)
        self.W: list = [None]
        self.b: list = [None]
        for j in range(1, self.J + 1):
            self.W.append(initial_weights(self.sizes[j], self.sizes[j - 1], self.activations[j], rng, initialization))
            self.b.append(np.zeros((self.sizes[j], 1)))

    def _check_output_pairing(self) -> None:
        out, loss = self.activations[self.J].name, self.loss
        if loss.fused_activation is not None and out != loss.fused_activation:
            raise ValueError(
                f"MLP: expected output={loss.fused_activation!r} with loss={loss.name!r}, got output={out!r}: "
                f"{loss.name} needs outputs that are probabilities"
            )

    # ------------------------------------------------------------------
    @property
    def uses_fused_form(self) -> bool:
        """True when L and ϕ^J come from the logits (sigmoid + BCE or softmax + CCE, ``fused=True``)."""
        return self.fused and self.loss.fused_activation is not None

    @property
    def output_activation(self) -> Activation:
        return self.activations[self.J]

    def config(self) -> dict:
        """A JSON-able description of the architecture (not the weights)."""
        return {
            "layer_sizes": list(self.sizes),
            "hidden": [act.name for act in self.activations[1 : self.J]],
            "output": self.output_activation.name,
            "loss": self.loss.name,
            "fused": self.fused,
        }

    def parameters(self) -> dict:
        """``{"W1": w^1, "b1": b^1, …}`` — the arrays themselves, not copies."""
        params = {}
        for j in range(1, self.J + 1):
            params[f"W{j}"] = self.W[j]
            params[f"b{j}"] = self.b[j]
        return params

    def copy(self) -> MLP:
        """An independent copy with the same architecture and weights."""
        twin = MLP.__new__(MLP)
        twin.__dict__.update(self.__dict__)
        # New lists, so that changing one model's sizes or activations cannot change the other's.
        twin.sizes = list(self.sizes)
        twin.activations = list(self.activations)
        twin.W = [None] + [w.copy() for w in self.W[1:]]
        twin.b = [None] + [b.copy() for b in self.b[1:]]
        return twin

    # ------------------------------------------------------------------
    def check_input(self, x, *, name: str = "x", caller: str | None = None) -> np.ndarray:
        """Validate a batch of inputs: finite, shape ``(n_0, m)``; ``caller`` starts an error's message."""
        return as_float_matrix(x, name, rows=self.sizes[0], caller=caller)

    def check_targets(self, x, y, *, names=("x", "y"), caller: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Validate inputs and targets together (same batch, targets the loss accepts).

        Targets are ``(n_J, m)``; for CCE also integer class labels ``(m,)`` (one-hot encoded
        here), for BCE with n_J = 1 also 0/1 labels ``(m,)``.
        """
        x = self.check_input(x, name=names[0], caller=caller)
        y = self.loss.targets(y, self.sizes[-1], name=names[1], caller=caller)
        check_same_batch(x, y, caller=caller)
        return x, y

    def forward(self, x) -> ForwardPass:
        """z^j = w^j a^{j−1} + b^j and a^j = σ(z^j) for j = 1 … J, keeping every z^j and a^j.

        Raises ValueError if the inputs are so large that some z^j overflows to ±inf.
        """
        return self._checked_forward(self.check_input(x, caller="MLP.forward"))

    def _forward(self, x: np.ndarray) -> ForwardPass:
        z, a = [None], [x]
        for j in range(1, self.J + 1):
            z.append(self.W[j] @ a[j - 1] + self.b[j])
            a.append(self.activations[j].value(z[j]))
        return ForwardPass(z=z, a=a)

    def _check_finite(self, fp: ForwardPass, x: np.ndarray) -> None:
        """Refuse a forward pass in which some z^j overflowed (finite inputs, infinite results)."""
        for j in range(1, self.J + 1):
            if not np.all(np.isfinite(fp.z[j])):
                raise ValueError(
                    f"expected inputs whose forward pass stays finite, got z^{j} with infinite or NaN "
                    f"entries (largest |x| is {np.abs(x).max():.3g}, largest |w^{j}| is "
                    f"{np.abs(self.W[j]).max():.3g}); scale the inputs, e.g. to [0, 1] or unit variance"
                )

    def output(self, x) -> np.ndarray:
        """a^J for a batch; shape ``(n_J, m)``."""
        return self._checked_forward(self.check_input(x, caller="MLP.output")).output

    def loss_value(self, x, y) -> float:
        """Batch loss L (mean over samples) of the network on ``(x, y)``."""
        x, y = self.check_targets(x, y, caller="MLP.loss_value")
        return self._checked_loss(self._checked_forward(x), y)

    def _checked_forward(self, x: np.ndarray) -> ForwardPass:
        with np.errstate(over="ignore", invalid="ignore"):
            fp = self._forward(x)
        self._check_finite(fp, x)
        return fp

    def _checked_loss(self, fp: ForwardPass, y: np.ndarray) -> float:
        with np.errstate(over="ignore", invalid="ignore"):
            loss = self._loss(fp, y)
        if not math.isfinite(loss):
            raise ValueError(
                f"expected a finite loss, got {loss} from finite outputs (largest |a^J| is "
                f"{np.abs(fp.output).max():.3g}, largest |y| is {np.abs(y).max():.3g}): the "
                f"{self.loss.name} loss overflowed; scale the inputs or targets"
            )
        return loss

    def _loss(self, fp: ForwardPass, y: np.ndarray) -> float:
        """L from a forward pass: from the logits z^J when the model is fused, else from a^J."""
        if self.uses_fused_form:
            return self.loss.value_from_logits(fp.z[self.J], y)
        return self.loss.value(fp.output, y)

    def gradients(self, x, y) -> Gradients:
        """Backpropagation: ϕ^J by Eq. (1), ϕ^j by Eq. (2), ∇w by Eq. (3), ∇b by Eq. (4)."""
        x, y = self.check_targets(x, y, caller="MLP.gradients")
        fp = self._checked_forward(x)
        return self._backward(fp, y, self._checked_loss(fp, y))

    def _gradients(self, x: np.ndarray, y: np.ndarray) -> Gradients:
        """:meth:`gradients` on a validated batch: the forward pass, the loss and :meth:`_backward`."""
        fp = self._forward(x)
        return self._backward(fp, y, self._loss(fp, y))

    def _backward(self, fp: ForwardPass, y: np.ndarray, loss: float = math.nan) -> Gradients:
        """Eqs. (1)–(4) from a forward pass ``fp`` and the targets ``y``, layer J down to layer 1."""
        J, z, a = self.J, fp.z, fp.a
        phi, dW, db = [None] * (J + 1), [None] * (J + 1), [None] * (J + 1)
        if self.uses_fused_form:
            phi[J] = self.loss.output_error_from_logits(z[J], y)  # Eq. (1) simplified: (a^J − y)/m
        else:
            phi[J] = output_layer_error(self.loss.gradient(a[J], y), z[J], self.activations[J])  # Eq. (1)
        for j in range(J - 1, 0, -1):
            phi[j] = hidden_layer_error(self.W[j + 1], phi[j + 1], z[j], self.activations[j])  # Eq. (2)
        for j in range(1, J + 1):
            dW[j] = weight_gradient(phi[j], a[j - 1])  # Eq. (3)
            db[j] = bias_gradient(phi[j])  # Eq. (4)
        return Gradients(phi, dW, db, loss, a[J])

    # ------------------------------------------------------------------
    def predict(self, x) -> np.ndarray:
        """Predictions for a batch.

        softmax output → class index per sample, shape ``(m,)``;
        sigmoid output with BCE → 0/1 per output, shape ``(n_J, m)``, or ``(m,)`` when n_J = 1;
        otherwise a^J itself, shape ``(n_J, m)``.
        """
        out = self._checked_forward(self.check_input(x, caller="MLP.predict")).output
        if self.output_activation.name == "softmax":
            return np.argmax(out, axis=0)
        if self.loss.name == "bce":
            labels = (out >= 0.5).astype(np.int64)
            return labels[0] if self.sizes[-1] == 1 else labels
        return out

    def accuracy(self, x, labels) -> float:
        """Fraction of samples whose predicted labels all equal ``labels`` (classification losses only).

        ``labels`` are validated like :func:`mlp_lib.train`'s targets: for CCE integer
        classes ``0 … n_J−1`` of shape ``(m,)`` or one-hot columns ``(n_J, m)``; for BCE
        0/1 labels of shape ``(n_J, m)`` (or ``(m,)`` when n_J = 1).
        """
        if self.loss.name == "mse":
            raise ValueError("MLP.accuracy: expected a classification model (loss 'bce' or 'cce'), got loss 'mse'")
        x = self.check_input(x, caller="MLP.accuracy")
        n, m = self.sizes[-1], x.shape[1]
        try:
            y = self.loss.targets(labels, n, name="labels")
            check_same_batch(x, y)
        except ValueError as exc:
            shapes = f"({n}, {m})" if n > 1 and self.loss.name == "bce" else f"({m},) or ({n}, {m})"
            raise ValueError(
                f"MLP.accuracy: expected labels of shape {shapes}, got {np.shape(labels)}: {exc}"
            ) from None
        if self.loss.name == "bce" and not np.all((y == 0) | (y == 1)):
            raise ValueError("MLP.accuracy: expected 0/1 labels to measure accuracy, got probabilities between 0 and 1")
        return self.n_correct(self._checked_forward(x).output, y) / y.shape[1]

    def n_correct(self, output: np.ndarray, y: np.ndarray) -> int:
        """How many samples (columns) ``output`` = a^J classifies right, given the target matrix ``y``.

        CCE: the class with the largest a_i^J is the one-hot class of y;
        BCE: every output thresholded at 0.5 matches its 0/1 label.
        """
        if self.loss.name == "cce":
            return int(np.count_nonzero(np.argmax(output, axis=0) == np.argmax(y, axis=0)))
        return int(np.count_nonzero(np.all((output >= 0.5) == (y >= 0.5), axis=0)))

    def __repr__(self) -> str:
        acts = "-".join(act.name for act in self.activations[1:])
        return f"MLP(sizes={self.sizes}, activations={acts}, loss={self.loss.name})"
