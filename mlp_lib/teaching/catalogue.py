"""Ready-made derivation checks for the book's exercises (the catalogue).

Each :class:`Exercise` names one derivation of a chapter: the prompt, the names
the answer may use, the expected formula (as text, read by the same safe parser
as the answers) and the known wrong variants with a hint for each. Use it with
:func:`check` (plain text in, :class:`~mlp_lib.teaching.checker.CheckResult` out) or the
widget :class:`mlp_lib.widgets.derivation_checker.DerivationChecker`::

    >>> from mlp_lib.teaching.catalogue import check
    >>> check("sigmoid-bce-phi", "a - y").ok
    True

Matrix exercises use small explicit shapes (e.g. ``W`` 2×3): the formula is the
same for any size, and shapes make a transposition visible at once.
``*`` is elementwise (∘) and ``@`` the matrix product, as in NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .checker import CheckResult, check_expression

#: the source's slips, reused as hints (see the chapters' errata)
_BCE_SIGN = (
    "sign error in the second term: d/da of −(1 − y)·log(1 − a) is +(1 − y)/(1 − a). "
    "(The source makes exactly this slip in §3.2.1.)"
)
_EQ2_SIGMA = (
    "σ or σ'? Eq. (2) multiplies by the derivative σ'(z^j), not σ(z^j) (the source's §2.2 writes σ here by mistake)."
)


@dataclass(frozen=True)
class Exercise:
    """One checkable derivation.

    Attributes
    ----------
    name, chapter, title, prompt : str
        Identifier (``check(name, …)``), chapter file stem, short title and the task.
    expected : str
        The right formula in the checker's language.
    variables : tuple of str
        Scalar names (and matrix names, with their shapes in ``matrix_shapes``).
    matrix_shapes : dict
        ``name → (rows, cols)`` for matrix exercises.
    fixed : dict
        Names with given values (``ones``, ``I``).
    activation : str
        What ``sigma``/``sigma_prime`` are (``generic``, ``sigmoid``, ``tanh``, ``relu``).
    relations : dict
        Definitions used when comparing, e.g. ``{"a": "sigma(z)"}``.
    domains : dict
        Where the random values come from: an open interval (``{"a": (0, 1)}`` where a
        formula needs it, e.g. log a), ``"one-hot"`` for a one-hot target matrix, ``"softmax"``
        for a softmax output (every column positive, summing to 1), ``"size"``;
        default any real number (and whole numbers 1–1000 for ``n``, ``m``). Keep them as wide
        as the exercise allows: a wrong answer can only be caught where it is sampled.
    variants : tuple of (str, str)
        Known wrong answers and their hints.
    accepted : tuple of str
        Other correct forms (shown to instructors; all tested).
    exercise : str or None
        The label of the chapter's ``{exercise}`` this check belongs to, if any.
    """

    name: str
    chapter: str
    title: str
    prompt: str
    expected: str
    variables: tuple = ()
    matrix_shapes: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)
    activation: str = "generic"
    relations: dict = field(default_factory=dict)
    domains: dict = field(default_factory=dict)
    variants: tuple = ()
    accepted: tuple = ()
    exercise: str | None = None

    def check(self, answer_text: str, *, timeout: float | None = None, seed: int = 0) -> CheckResult:
        """Check one answer (see :func:`mlp_lib.teaching.checker.check_expression`)."""
        return check_expression(
            answer_text,
            self.expected,
            list(self.variables) + [n for n in self.matrix_shapes if n not in self.variables],
            matrix_shapes=self.matrix_shapes or None,
            fixed=self.fixed or None,
            activation=self.activation,
            relations=self.relations or None,
            domains=self.domains or None,
            variants=list(self.variants),
            timeout=timeout,
            seed=seed,
        )

    @property
    def names_help(self) -> str:
        """A one-line list of the names the answer may use, with shapes."""
        parts = []
        for n in list(self.variables) + [m for m in self.matrix_shapes if m not in self.variables]:
            shape = self.matrix_shapes.get(n)
            parts.append(f"{n} ({shape[0]}×{shape[1]})" if shape else n)
        for n, v in self.fixed.items():
            parts.append(f"{n} ({v.shape[0]}×{v.shape[1]}, given)" if isinstance(v, sp.MatrixBase) else f"{n} = {v}")
        return ", ".join(parts)


_W_PHI_Z = {"W": (2, 3), "phi": (2, 1), "z": (3, 1)}
_UNIT = {"y": (0, 1), "a": (0, 1)}

_CATALOGUE = [
    # --- Part 1 ---------------------------------------------------------
    Exercise(
        "notation-preactivation",
        "notation",
        "The pre-activation z^j",
        "Write z^j in terms of w^j (W, 3×2: 3 units, 2 inputs), a^{j−1} (a, 2×1) and b^j (b, 3×1). "
        "Columns are samples, as in the book.",
        "W @ a + b",
        matrix_shapes={"W": (3, 2), "a": (2, 1), "b": (3, 1)},
        accepted=("b + W @ a", "(a.T @ W.T).T + b"),
    ),
    Exercise(
        "notation-batch-preactivation",
        "notation",
        "The pre-activation of a batch",
        "x is a batch of 4 samples (2×4, one column each), W = w¹ (3×2), b = b¹ (3×1) and ones the 4×1 column "
        "of ones. Write z¹ (3×4).",
        "W @ x + b @ ones.T",
        matrix_shapes={"W": (3, 2), "x": (2, 4), "b": (3, 1)},
        fixed={"ones": sp.ones(4, 1)},
        accepted=("(x.T @ W.T + ones @ b.T).T", "W @ x + b"),
        exercise="notation-ex-2",
    ),
    Exercise(
        "mse-grad",
        "forward-pass",
        "Gradient of the MSE",
        "For one output of the per-sample MSE L = (1/n) Σ_i (y_i − a_i)², write ∂L/∂a_i using a, y and n.",
        "-(2/n)*(y - a)",
        variables=("a", "y", "n"),
        accepted=("2*(a - y)/n", "(2*a - 2*y)/n"),
        variants=(("(2/n)*(y - a)", "check the sign: d/da (y − a)² = −2(y − a)."),),
    ),
    Exercise(
        "bce-grad",
        "forward-pass",
        "Gradient of the binary cross-entropy",
        "For ℓ = −y log a − (1 − y) log(1 − a), write ∂ℓ/∂a using a and y.",
        "-y/a + (1 - y)/(1 - a)",
        variables=("a", "y"),
        domains=_UNIT,
        accepted=("(a - y)/(a*(1 - a))",),
        variants=(("-y/a - (1 - y)/(1 - a)", _BCE_SIGN),),
        exercise="forward-pass-ex-1",
    ),
    # --- Part 2 ---------------------------------------------------------
    Exercise(
        "two-layer-phi1",
        "four-equations",
        "Backpropagation by hand: ϕ¹",
        "One input, one hidden unit a1 = σ(z1), identity output a2 = w2·a1 + b2, loss (y − a2)². "
        "Write ϕ¹ = ∂L/∂z1 using w2, y, a2, z1 and sigma_prime.",
        "-2*w2*(y - a2)*sigma_prime(z1)",
        variables=("w2", "y", "a2", "z1"),
        accepted=("2*w2*(a2 - y)*sigma_prime(z1)",),
        variants=(("-2*(y - a2)*sigma_prime(z1)", "a factor w2 is missing: Eq. (2) multiplies ϕ² by (w²)ᵀ."),),
        exercise="four-equations-ex-1",
    ),
    Exercise(
        "eq1-generic",
        "eq1-output-error",
        "Eq. (1) in matrix form",
        "With grad = ∇_{a^J} L (3×1) and z = z^J (3×1), write ϕ^J for an elementwise activation σ.",
        "grad * sigma_prime(z)",
        matrix_shapes={"grad": (3, 1), "z": (3, 1)},
        accepted=("sigma_prime(z) * grad", "diag(sigma_prime(z)) @ grad"),
    ),
    Exercise(
        "tanh-mse-phi",
        "eq1-output-error",
        "ϕ^J for tanh and MSE",
        "For a tanh output a = tanh(z) with the per-sample MSE over n outputs, write ϕ^J (one entry) using a, y, n "
        "(or z).",
        "-(2/n)*(y - a)*(1 - a**2)",
        variables=("a", "y", "z", "n"),
        activation="tanh",
        relations={"a": "sigma(z)"},
        accepted=("2*(a - y)*(1 - tanh(z)**2)/n", "-(2/n)*(y - a)*sigma_prime(z)"),
        exercise="eq1-output-error-ex-1",
    ),
    Exercise(
        "mixing-output-phi",
        "eq1-output-error",
        "ϕ^J through a Jacobian that is not symmetric",
        "An output layer mixes its pre-activations: a = M z with a fixed, non-symmetric M (3×3). With "
        "g = ∇_a L (3×1), write ϕ^J = ∇_z L.",
        "M.T @ g",
        matrix_shapes={"M": (3, 3), "g": (3, 1)},
        accepted=("(g.T @ M).T",),
        variants=(
            (
                "M @ g",
                "the Jacobian ∂a/∂z = M is applied without its transpose. ϕ^J = (∂a/∂z)ᵀ ∇_a L = Mᵀ g: "
                "entry k sums over the outputs i, ∂L/∂a_i · M_ik. Only a symmetric Jacobian (elementwise σ, "
                "softmax) lets you skip the transpose.",
            ),
        ),
        exercise="eq1-output-error-ex-5",
    ),
    Exercise(
        "tanh-derivative",
        "eq1-output-error",
        "The derivative of tanh",
        "Write tanh'(z) using tanh (or t = tanh(z)).",
        "1 - tanh(z)**2",
        variables=("z", "t"),
        relations={"t": "tanh(z)"},
        accepted=("1 - t**2", "(1 - t)*(1 + t)", "4/(exp(z) + exp(-z))**2", "1/cosh(z)**2", "sech(z)**2"),
    ),
    Exercise(
        "eq2-matrix",
        "eq2-recursion",
        "Eq. (2) in matrix form",
        "With W = w^{j+1} (2×3), phi = ϕ^{j+1} (2×1) and z = z^j (3×1), write ϕ^j.",
        "(W.T @ phi) * sigma_prime(z)",
        matrix_shapes=_W_PHI_Z,
        accepted=("sigma_prime(z) * (W.T @ phi)", "diag(sigma_prime(z)) @ W.T @ phi", "(phi.T @ W).T * sigma_prime(z)"),
        variants=(("(W.T @ phi) * sigma(z)", _EQ2_SIGMA),),
    ),
    Exercise(
        "eq3-matrix",
        "eq3-weight-gradient",
        "Eq. (3) in matrix form",
        "With phi = ϕ^j (3×1) and a = a^{j−1} (2×1), write ∇_{w^j} L (it has the shape of w^j, 3×2).",
        "phi @ a.T",
        matrix_shapes={"phi": (3, 1), "a": (2, 1)},
        accepted=("(a @ phi.T).T", "phi @ T(a)"),
        exercise="eq3-weight-gradient-ex-2",
    ),
    Exercise(
        "eq3-first-layer",
        "eq3-weight-gradient",
        "∇w¹ of a two-layer network",
        "J = 2: with g = ∇_{a²} L (2×1), z2 = z² (2×1), W2 = w² (2×3), z1 = z¹ (3×1) and the input x (4×1), "
        "write ∇_{w¹} L (3×4) using Eqs. (1)–(3).",
        "((W2.T @ (g * sigma_prime(z2))) * sigma_prime(z1)) @ x.T",
        matrix_shapes={"g": (2, 1), "z2": (2, 1), "W2": (2, 3), "z1": (3, 1), "x": (4, 1)},
        accepted=("(diag(sigma_prime(z1)) @ W2.T @ diag(sigma_prime(z2)) @ g) @ x.T",),
        exercise="eq3-weight-gradient-ex-1",
    ),
    Exercise(
        "eq4",
        "eq4-bias-gradient",
        "Eq. (4): the bias gradient",
        "With phi = ϕ^j (3×1), write ∇_{b^j} L for one sample. You may use I (the 3×3 identity) and "
        "O (the 3×3 matrix of ones) if you need them.",
        "phi",
        matrix_shapes={"phi": (3, 1)},
        fixed={"I": sp.eye(3), "O": sp.ones(3, 3)},
        accepted=("I @ phi", "I.T @ phi"),
        variants=(
            (
                "O @ phi",
                "∂z^j/∂b^j is the identity matrix, not a matrix of ones: with ones every entry "
                "would be the sum of all of ϕ^j (the slip in the source's §2.4).",
            ),
        ),
        exercise="eq4-bias-gradient-ex-2",
    ),
    # --- Part 3 ---------------------------------------------------------
    Exercise(
        "relu-output-mse-phi",
        "relu-output-mse",
        "ϕ^J for ReLU and MSE",
        "For a ReLU output a = relu(z) with the per-sample MSE over n outputs, write ϕ^J (one entry) using a, y, z, n "
        "and step(z) (= ReLU'(z), 0 for z ≤ 0).",
        "-(2/n)*(y - a)*step(z)",
        variables=("a", "y", "z", "n"),
        activation="relu",
        relations={"a": "sigma(z)"},
        accepted=("2*(a - y)*step(z)/n", "-(2/n)*(y - a)*sigma_prime(z)", "2*(relu(z) - y)*relu_prime(z)/n"),
    ),
    Exercise(
        "relu-output-half-phi",
        "relu-output-mse",
        "ϕ^J for ReLU with the ½ Σ convention",
        "For a ReLU output a = relu(z) with L = ½ Σ_i (y_i − a_i)², write ϕ^J (one entry) using a, y, z and step(z).",
        "-(y - a)*step(z)",
        variables=("a", "y", "z"),
        activation="relu",
        relations={"a": "sigma(z)"},
        accepted=("(a - y)*step(z)", "(relu(z) - y)*relu_prime(z)"),
        exercise="relu-output-mse-ex-1",
    ),
    Exercise(
        "relu-hidden-phi",
        "relu-hidden",
        "ϕ^j for a ReLU hidden layer",
        "With W = w^{j+1} (2×3), phi = ϕ^{j+1} (2×1) and z = z^j (3×1), write ϕ^j for ReLU (use step(z)).",
        "(W.T @ phi) * step(z)",
        matrix_shapes=_W_PHI_Z,
        accepted=("step(z) * (W.T @ phi)", "(W.T @ phi) * relu_prime(z)", "diag(step(z)) @ W.T @ phi"),
    ),
    Exercise(
        "sigmoid-derivative",
        "sigmoid-output-bce",
        "The derivative of the sigmoid",
        "Write σ'(z) for the sigmoid using s = σ(z) (or z).",
        "sigmoid(z)*(1 - sigmoid(z))",
        variables=("s", "z"),
        activation="sigmoid",
        relations={"s": "sigma(z)"},
        accepted=("s*(1 - s)", "s - s**2", "exp(-z)/(1 + exp(-z))**2"),
    ),
    Exercise(
        "sigmoid-bce-phi",
        "sigmoid-output-bce",
        "ϕ^J for sigmoid and binary cross-entropy",
        "For a sigmoid output a = σ(z) with the binary cross-entropy, write ϕ^J (one entry) using a and y (or z).",
        "a - y",
        variables=("a", "y", "z"),
        activation="sigmoid",
        relations={"a": "sigma(z)"},
        domains={"y": (0, 1)},
        accepted=("sigmoid(z) - y", "(-y/a + (1 - y)/(1 - a))*a*(1 - a)", "-(y - a)"),
        variants=(("(-y/a - (1 - y)/(1 - a))*a*(1 - a)", _BCE_SIGN),),
        exercise="sigmoid-output-bce-ex-1",
    ),
    Exercise(
        "sigmoid-mse-phi",
        "sigmoid-output-bce",
        "ϕ^J for sigmoid and squared error",
        "For one sigmoid output a = σ(z) with L = (y − a)², write ϕ^J using a and y (or z).",
        "-2*(y - a)*a*(1 - a)",
        variables=("a", "y", "z"),
        activation="sigmoid",
        relations={"a": "sigma(z)"},
        accepted=("2*(a - y)*sigma_prime(z)", "2*(sigmoid(z) - y)*sigmoid_prime(z)"),
    ),
    Exercise(
        "sigmoid-hidden-phi",
        "sigmoid-hidden",
        "ϕ^j for a sigmoid hidden layer",
        "With W = w^{j+1} (2×3), phi = ϕ^{j+1} (2×1), z = z^j and a = a^j = σ(z^j) (3×1), write ϕ^j "
        "for the sigmoid, using a.",
        "(W.T @ phi) * a * (1 - a)",
        matrix_shapes={**_W_PHI_Z, "a": (3, 1)},
        activation="sigmoid",
        relations={"a": "sigma(z)"},
        accepted=(
            "(W.T @ phi) * sigma_prime(z)",
            "(W.T @ phi) * (a - a**2)",
            "sigma_prime(z) * W.T @ phi",
            "(W.T @ phi) * sigmoid(z) * (1 - sigmoid(z))",
        ),
        variants=(("(W.T @ phi) * a", _EQ2_SIGMA),),
    ),
    Exercise(
        "tanh-hidden-phi",
        "sigmoid-hidden",
        "ϕ^j for a tanh hidden layer",
        "With W = w^{j+1} (2×3), phi = ϕ^{j+1} (2×1), z = z^j and a = a^j = tanh(z^j) (3×1), write ϕ^j "
        "using the stored activations a.",
        "(W.T @ phi) * (1 - a**2)",
        matrix_shapes={**_W_PHI_Z, "a": (3, 1)},
        activation="tanh",
        relations={"a": "sigma(z)"},
        accepted=("(W.T @ phi) * (1 - tanh(z)**2)", "(W.T @ phi) * sigma_prime(z)", "(W.T @ phi) * (1 - a) * (1 + a)"),
        variants=(("(W.T @ phi) * (1 - a)", "tanh'(z) = 1 − tanh²(z) = 1 − a ∘ a: the square is missing."),),
        exercise="sigmoid-hidden-ex-1",
    ),
    Exercise(
        "softmax-cce-phi",
        "softmax-output-cce",
        "ϕ^J for softmax and categorical cross-entropy",
        "With a = softmax(z) and a one-hot target y (all 3×1), write ϕ^J in its simplest form.",
        "a - y",
        matrix_shapes={"a": (3, 1), "y": (3, 1), "z": (3, 1)},
        relations={"a": "softmax(z)"},
        domains={"y": "one-hot"},
        accepted=("softmax(z) - y", "-(y - a)", "a*sum(y) - y"),
    ),
    Exercise(
        "softmax-general-phi",
        "softmax-output-cce",
        "Softmax with any loss",
        "With a = softmax(z) (3×1) and g = ∇_{a^J} L (3×1) for any loss, write ϕ^J = (∂a/∂z)ᵀ g with one "
        "inner product (a.T @ g).",
        "a * (g - a.T @ g)",
        matrix_shapes={"a": (3, 1), "g": (3, 1)},
        domains={"a": "softmax"},
        accepted=("(diag(a) - a @ a.T) @ g", "a * g - a * sum(a * g)"),
        exercise="softmax-output-cce-ex-1",
    ),
    Exercise(
        "softmax-jacobian",
        "softmax-output-cce",
        "The softmax Jacobian",
        "With a = softmax(z) (3×1), write the Jacobian ∂a/∂z (3×3) using a.",
        "diag(a) - a @ a.T",
        matrix_shapes={"a": (3, 1)},
        domains={"a": "softmax"},
        accepted=("diag(a) - a @ T(a)", "diag(a) - (a @ a.T).T"),
        variants=(("diag(a)", "the off-diagonal part −a aᵀ is missing: every a_k depends on every z_i."),),
    ),
    # --- Part 4 ---------------------------------------------------------
    Exercise(
        "minibatch-bias",
        "minibatch",
        "The bias gradient of a batch",
        "phi is ϕ^j for a batch of 4 samples (3×4; each column already carries the 1/m of the batch mean). "
        "Write ∇_{b^j} L (3×1); ones is the 4×1 column of ones.",
        "phi @ ones",
        matrix_shapes={"phi": (3, 4)},
        fixed={"ones": sp.ones(4, 1)},
        accepted=("(ones.T @ phi.T).T",),
        variants=(
            (
                "phi @ ones / 4",
                "the 1/m is already inside each column of ϕ: divide only once (mean, not mean of the mean).",
            ),
        ),
    ),
    Exercise(
        "minibatch-weights",
        "minibatch",
        "The weight gradient of a batch",
        "phi is ϕ^j (3×4) and a is a^{j−1} (2×4) for a batch of 4 samples (ϕ already carries 1/m). "
        "Write ∇_{w^j} L (3×2).",
        "phi @ a.T",
        matrix_shapes={"phi": (3, 4), "a": (2, 4)},
        accepted=("(a @ phi.T).T",),
    ),
    Exercise(
        "autodiff-product",
        "autodiff",
        "One step of the reverse sweep",
        "A node c = a·b of a computational graph has the adjoint g = ∂L/∂c. Write the adjoint that the sweep adds "
        "to a, using g, a and b.",
        "g*b",
        variables=("g", "a", "b"),
        accepted=("b*g",),
        variants=(
            ("g*a", "∂c/∂a = b: the local derivative of a product with respect to one factor is the other."),
            ("b", "the chain rule multiplies the local derivative by the adjoint g of the node."),
        ),
    ),
    Exercise(
        "weight-decay-grad",
        "regularization",
        "The weight-decay term in Eq. (3)",
        "phi is ϕ^j (3×4) and a is a^{j−1} (2×4) for a batch; W is w^j (3×2) and lam is λ. Write the gradient "
        "of the penalized loss L + (λ/2)‖w^j‖² with respect to w^j (3×2).",
        "phi @ a.T + lam * W",
        variables=("lam",),
        matrix_shapes={"phi": (3, 4), "a": (2, 4), "W": (3, 2)},
        domains={"lam": (0, 10)},
        accepted=("lam * W + phi @ a.T", "(a @ phi.T).T + lam * W"),
        variants=(
            ("phi @ a.T + 2 * lam * W", "the ½ in (λ/2)‖w‖² cancels the 2 that differentiating w² brings."),
            ("phi @ a.T", "the penalty depends on w^j itself, so Eq. (3) gains its derivative λ w^j."),
        ),
    ),
    Exercise(
        "he-factor",
        "initialization",
        "The He variance",
        "Eq. (2) gives Var(ϕ^j) = n Var(w) E[σ'(z)²] Var(ϕ^{j+1}) for a layer w^{j+1} with n rows. For ReLU, "
        "with z spread symmetrically around 0, write the variance Var(w) that keeps Var(ϕ^j) = Var(ϕ^{j+1}), "
        "using n.",
        "2/n",
        variables=("n",),
        accepted=("1/(n/2)", "2*n**-1"),
        variants=(("1/n", "that is the condition for σ' = 1; ReLU passes only half of the signal: E[σ'²] = 1/2."),),
    ),
    Exercise(
        "capstone-batch-phi",
        "digits-capstone",
        "ϕ^J of a softmax + CCE batch",
        "A is a^J, the softmax outputs, and Y is y, the one-hot targets, of a batch (shown 3 classes × 4 samples), "
        "and m is the batch size. For the batch loss L = (1/m) Σ_s CCE_s, write ϕ^J = ∇_{z^J} L.",
        "(A - Y)/m",
        variables=("m",),
        matrix_shapes={"A": (3, 4), "Y": (3, 4)},
        domains={"A": "softmax", "Y": "one-hot"},
        accepted=("A/m - Y/m", "(1/m)*(A - Y)"),
    ),
]

#: name → :class:`Exercise`, in the order of the book
EXERCISES = {e.name: e for e in _CATALOGUE}

if len(EXERCISES) != len(_CATALOGUE):  # pragma: no cover — a duplicated name is a bug in this file
    raise RuntimeError("duplicate exercise names in the catalogue")


def get_exercise(name) -> Exercise:
    """The catalogue entry ``name`` (an :class:`Exercise` is returned unchanged)."""
    if isinstance(name, Exercise):
        return name
    if name not in EXERCISES:
        raise ValueError(f"expected a derivation check among {list(EXERCISES)}, got {name!r}")
    return EXERCISES[name]


def exercises_for(chapter: str) -> list:
    """The catalogue entries of one chapter (file stem, e.g. ``"eq2-recursion"``)."""
    return [e for e in _CATALOGUE if e.chapter == chapter]


def check(name, answer_text: str, *, timeout: float | None = None, seed: int = 0) -> CheckResult:
    """Check ``answer_text`` against the catalogue entry ``name``; print the result to see it."""
    return get_exercise(name).check(answer_text, timeout=timeout, seed=seed)


#: the most lines :func:`check_steps` takes (each is checked like one answer)
MAX_STEPS = 12


@dataclass
class StepsResult:
    """The verdict on a derivation written line by line.

    Attributes
    ----------
    lines : list of CheckResult
        One verdict per line, in order; each line must equal the right answer.
    first_wrong : int or None
        Index (from 0) of the first line that is not equal to the right answer, None if all are.
    """

    lines: list
    first_wrong: int | None

    @property
    def ok(self) -> bool:
        return self.first_wrong is None

    def __str__(self) -> str:
        out = []
        for i, r in enumerate(self.lines):
            mark = "→" if i == self.first_wrong else " "
            out.append(f"{mark} line {i + 1}: " + str(r).replace("\n", "\n    "))
        return "\n".join(out)


def check_steps(name, steps, *, timeout: float | None = None, seed: int = 0) -> StepsResult:
    """Check a derivation line by line: every line must equal the right answer of ``name``.

    ``steps`` is a list of formulas (one per line, in the checker's language), e.g. for
    ``sigmoid-bce-phi``: ``["(-y/a + (1 - y)/(1 - a))*a*(1 - a)", "-y*(1 - a) + (1 - y)*a", "a - y"]``.
    Each line gets the verdict :func:`check` gives it (same limits, messages, hints and time limit
    per line); ``first_wrong`` is the first line that is not equal (wrong, refused or undecided),
    where the derivation went off. At most :data:`MAX_STEPS` lines; blank lines are not allowed.
    """
    if isinstance(steps, str) or not isinstance(steps, (list, tuple)):
        raise TypeError(f"expected the steps as a list of formulas (one per line), got {type(steps).__name__}")
    if not 1 <= len(steps) <= MAX_STEPS:
        raise ValueError(f"expected 1 to {MAX_STEPS} lines, got {len(steps)}")
    for i, line in enumerate(steps):
        if not isinstance(line, str):
            raise TypeError(f"expected line {i + 1} as text, got {type(line).__name__}")
        if not line.strip():
            raise ValueError(f"line {i + 1} is empty: leave blank lines out")
    exercise = get_exercise(name)
    lines = [exercise.check(line, timeout=timeout, seed=seed) for line in steps]
    first_wrong = next((i for i, r in enumerate(lines) if not r.ok), None)
    return StepsResult(lines, first_wrong)
