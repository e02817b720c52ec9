"""The SymPy twin of :mod:`mlp_lib`: a small symbolic MLP and Eqs. (1)–(4) in SymPy.

Every chapter proves its formula in three ways; this module is the first way.
It builds the loss of a small network as one explicit SymPy expression of
symbolic weights ``w^j_{i,k}``, biases ``b^j_i``, input ``x_i`` and target
``y_i`` (one sample, as in the source), and then

* differentiates that expression **by brute force** with :func:`sympy.diff`
  (:meth:`SymbolicMLP.brute_force_gradient`, :meth:`SymbolicMLP.brute_force_phi`),
* evaluates the **closed forms** of Eqs. (1)–(4) with SymPy matrices
  (:func:`output_layer_error`, :func:`hidden_layer_error`,
  :func:`weight_gradient`, :func:`bias_gradient` — the twins of
  :mod:`mlp_lib.backprop`),
* shows that their difference simplifies to the zero matrix
  (:func:`difference`, :meth:`SymbolicMLP.verify`), and
* turns any of them into numbers (:meth:`SymbolicMLP.numeric`: SymPy evaluates the
  expression at the model's weights itself, independently of NumPy) to compare with
  :class:`mlp_lib.MLP`; :func:`counterexample` evaluates a difference the same way at random
  points until it finds one where the difference is clearly not zero.

Activations may be concrete (``"relu"``, ``"sigmoid"``, ``"tanh"``,
``"identity"``, ``"softmax"``) or ``"generic"``: an undefined function σ
whose derivative stays the symbol σ'. Likewise ``loss="generic"`` is an
undefined function L(a^J, y), so the general Eqs. (1)–(4) are proved for
*every* activation and loss at once.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .validation import positive_int

#: the generic activation σ and its derivative σ' (undefined functions)
sigma = sp.Function("sigma")
sigma_prime = sp.Function("sigma'")
#: the generic loss, as a function of the outputs (and implicitly of y)
generic_loss = sp.Function("L")


class relu_step(sp.Function):
    """The ReLU derivative as a SymPy function: 1 for t > 0, 0 for t ≤ 0 (the source's σ'(0) = 0).

    Its own derivative is 0 wherever it exists (everywhere but t = 0).
    """

    @classmethod
    def eval(cls, t):
        if t.is_positive:
            return sp.Integer(1)
        if t.is_nonpositive:
            return sp.Integer(0)
        return None

    def fdiff(self, argindex=1):
        return sp.Integer(0)

    def _latex(self, printer):
        return r"\mathbb{1}\left[%s > 0\right]" % printer._print(self.args[0])

    def as_piecewise(self):
        t = self.args[0]
        return sp.Piecewise((1, t > 0), (0, True))


class relu(sp.Function):
    """ReLU as a SymPy function: max(t, 0), with d/dt relu(t) = relu_step(t)."""

    @classmethod
    def eval(cls, t):
        if t.is_nonnegative:
            return t
        if t.is_nonpositive:
            return sp.Integer(0)
        return None

    def fdiff(self, argindex=1):
        return relu_step(self.args[0])

    def _latex(self, printer):
        return r"\operatorname{ReLU}\left(%s\right)" % printer._print(self.args[0])

    def as_piecewise(self):
        t = self.args[0]
        return sp.Piecewise((t, t > 0), (0, True))


def loss_partial(i: int):
    """The undefined function ∂L/∂a_i of the generic loss (i counts from 1)."""
    return sp.Function(f"L_a{i}")


SYMBOLIC_ACTIVATIONS = ("generic", "identity", "relu", "sigmoid", "tanh", "softmax")
SYMBOLIC_LOSSES = ("generic", "mse", "bce", "cce")


# ---------------------------------------------------------------------------
# Activations and their derivatives as SymPy expressions
# ---------------------------------------------------------------------------
def activation_value(name: str, z: sp.Matrix) -> sp.Matrix:
    """σ(z) for a column ``z`` (a SymPy Matrix of shape ``(n, 1)``)."""
    if name == "softmax":
        e = z.applyfunc(sp.exp)
        return e / sum(e)
    return z.applyfunc(lambda t: _scalar_activation(name, t))


def _scalar_activation(name: str, t):
    if name == "generic":
        return sigma(t)
    if name == "identity":
        return t
    if name == "relu":
        return relu(t)
    if name == "sigmoid":
        return 1 / (1 + sp.exp(-t))
    if name == "tanh":
        return sp.tanh(t)
    raise ValueError(f"expected an activation, one of {list(SYMBOLIC_ACTIVATIONS)}, got {name!r}")


def activation_derivative(name: str, z: sp.Matrix) -> sp.Matrix:
    """σ'(z) elementwise, in the closed form the book uses.

    relu: :class:`relu_step` — 1 if z > 0 else 0 (σ'(0) = 0, the source's choice);
    sigmoid: σ(z)(1 − σ(z)); tanh: 1 − tanh²(z); generic: the symbol σ'(z).
    """
    if name == "softmax":
        raise ValueError("softmax is not elementwise: use activation_jacobian")
    if name == "generic":
        return z.applyfunc(sigma_prime)
    if name == "identity":
        return z.applyfunc(lambda t: sp.Integer(1))
    if name == "relu":
        return z.applyfunc(relu_step)
    if name == "sigmoid":
        s = activation_value("sigmoid", z)
        return s.applyfunc(lambda v: v * (1 - v))
    if name == "tanh":
        return z.applyfunc(lambda t: 1 - sp.tanh(t) ** 2)
    raise ValueError(f"expected an activation, one of {list(SYMBOLIC_ACTIVATIONS)}, got {name!r}")


def activation_jacobian(name: str, z: sp.Matrix) -> sp.Matrix:
    """∂σ(z)/∂z as an ``(n, n)`` matrix: diagonal σ'(z) for elementwise σ, diag(s) − s sᵀ for softmax."""
    if name == "softmax":
        s = activation_value("softmax", z)
        return sp.diag(*s) - s * s.T
    return sp.diag(*activation_derivative(name, z))


# ---------------------------------------------------------------------------
# Losses (one sample, exactly as the source defines them)
# ---------------------------------------------------------------------------
def loss_value(name: str, a: sp.Matrix, y: sp.Matrix):
    """ℓ(a, y) for one sample: mse (1/n)Σ(y−a)², bce Σ −y log a − (1−y) log(1−a), cce −Σ y log a."""
    n = a.shape[0]
    if name == "generic":
        return generic_loss(*a)
    if name == "mse":
        return sum((y[i] - a[i]) ** 2 for i in range(n)) / n
    if name == "bce":
        return sum(-y[i] * sp.log(a[i]) - (1 - y[i]) * sp.log(1 - a[i]) for i in range(n))
    if name == "cce":
        return -sum(y[i] * sp.log(a[i]) for i in range(n))
    raise ValueError(f"expected a loss, one of {list(SYMBOLIC_LOSSES)}, got {name!r}")


def loss_gradient(name: str, a: sp.Matrix, y: sp.Matrix) -> sp.Matrix:
    """∇_a ℓ in the closed form the book derives (column of shape ``(n, 1)``).

    mse: −(2/n)(y − a); bce: −y/a + (1 − y)/(1 − a); cce: −y/a;
    generic: the partial derivatives ∂L/∂a_i, left unevaluated.
    """
    n = a.shape[0]
    if name == "generic":
        return sp.Matrix([loss_partial(i + 1)(*a) for i in range(n)])
    if name == "mse":
        return -sp.Rational(2, n) * (y - a)
    if name == "bce":
        return sp.Matrix([-y[i] / a[i] + (1 - y[i]) / (1 - a[i]) for i in range(n)])
    if name == "cce":
        return sp.Matrix([-y[i] / a[i] for i in range(n)])
    raise ValueError(f"expected a loss, one of {list(SYMBOLIC_LOSSES)}, got {name!r}")


# ---------------------------------------------------------------------------
# Eqs. (1)–(4) in SymPy matrix form (twins of mlp_lib.backprop)
# ---------------------------------------------------------------------------
def output_layer_error(grad_a: sp.Matrix, jacobian: sp.Matrix) -> sp.Matrix:
    """Eq. (1): ϕ^J = (∂a^J/∂z^J)ᵀ ∇_{a^J} L — for elementwise σ, ∇_{a^J} L ∘ σ'(z^J)."""
    return jacobian.T * grad_a


def hidden_layer_error(W_next: sp.Matrix, phi_next: sp.Matrix, dsigma: sp.Matrix) -> sp.Matrix:
    """Eq. (2): ϕ^j = ((w^{j+1})ᵀ ϕ^{j+1}) ∘ σ'(z^j)."""
    return (W_next.T * phi_next).multiply_elementwise(dsigma)


def weight_gradient(phi: sp.Matrix, a_prev: sp.Matrix) -> sp.Matrix:
    """Eq. (3): ∇_{w^j} L = ϕ^j (a^{j−1})ᵀ."""
    return phi * a_prev.T


def bias_gradient(phi: sp.Matrix) -> sp.Matrix:
    """Eq. (4): ∇_{b^j} L = ϕ^j (one sample)."""
    return sp.Matrix(phi)


# ---------------------------------------------------------------------------
# Comparing expressions
# ---------------------------------------------------------------------------
def canonical(expr):
    """Rewrite SymPy's chain-rule output so that equal derivatives look equal.

    ``diff`` writes the derivative of an undefined σ at z as
    ``Subs(Derivative(sigma(ξ), ξ), ξ, z)``; we write it ``σ'(z)``.
    """
    expr = sp.sympify(expr)

    def is_sigma_derivative(e):
        return (
            isinstance(e, sp.Subs)
            and isinstance(e.expr, sp.Derivative)
            and e.expr.expr.func == sigma
            and len(e.variables) == 1
        )

    expr = expr.replace(is_sigma_derivative, lambda e: sigma_prime(e.point[0]))

    # ∂L/∂a_i written either as Derivative(L(…, a_i, …), a_i) or as a Subs of it
    def is_loss_subs(e):
        return isinstance(e, sp.Subs) and isinstance(e.expr, sp.Derivative) and e.expr.expr.func == generic_loss

    def loss_subs(e):
        inner = e.expr.expr.subs(dict(zip(e.variables, e.point)), simultaneous=True)
        i = list(e.expr.expr.args).index(e.expr.variables[0])
        return loss_partial(i + 1)(*inner.args)

    expr = expr.replace(is_loss_subs, loss_subs)
    expr = expr.replace(
        lambda e: isinstance(e, sp.Derivative) and e.expr.func == generic_loss and len(e.variables) == 1,
        lambda e: loss_partial(list(e.expr.args).index(e.variables[0]) + 1)(*e.expr.args),
    )
    expr = expr.replace(
        lambda e: (
            isinstance(e, sp.Derivative)
            and e.expr.func == sigma
            and len(e.variables) == 1
            and e.expr.args[0] == e.variables[0]
        ),
        lambda e: sigma_prime(e.variables[0]),
    )
    return expr


def difference(a: sp.Matrix, b: sp.Matrix, simplify: bool = True) -> sp.Matrix:
    """Elementwise a − b, simplified (``together``, ``expand``, ``cancel``, then ``simplify`` — cheapest first)."""
    a, b = sp.Matrix(a), sp.Matrix(b)
    if a.shape != b.shape:
        raise ValueError(f"expected matrices of the same shape, got {a.shape} and {b.shape}")

    def simp(e):
        # cheapest first: put everything over one denominator (enough for every
        # case in the book), then the full simplifier for what is left
        e = canonical(e)
        together = sp.together(e)
        if together == 0 or not simplify:
            return together
        expanded = sp.expand(e)
        if expanded == 0:
            return expanded
        cancelled = sp.cancel(e)
        if cancelled == 0:
            return cancelled
        if _clearly_nonzero(cancelled):
            # no simplification can make it 0: keep the cancelled form, skip
            # the (slow) general simplifier
            return cancelled
        return sp.simplify(e)

    return (a - b).applyfunc(simp)


def _clearly_nonzero(e, tries: int = 3) -> bool:
    """True if ``e`` evaluates to a number far from 0 at some rational point (concrete σ and L only)."""
    if e.has(sigma, sigma_prime, generic_loss) or any(str(f.func).startswith("L_a") for f in e.atoms(sp.Function)):
        return False
    syms = sorted(e.free_symbols, key=lambda s: s.name)
    for k in range(tries):
        point = {s: sp.Rational(1 + (7 * i + 3 * k) % 9, 10) for i, s in enumerate(syms)}
        value = e.evalf(30, subs=point)
        if value.is_number and value.is_finite and abs(value) > 1e-12:
            return True
    return False


def is_zero_matrix(m: sp.Matrix) -> bool:
    """True if every entry is exactly 0 after simplification."""
    return all(sp.sympify(e) == 0 for e in m)


# ---------------------------------------------------------------------------
# The symbolic network
# ---------------------------------------------------------------------------
class SymbolicMLP:
    """A small MLP whose parameters are SymPy symbols (one sample, column convention).

    Parameters
    ----------
    layer_sizes : list of int
        ``[n_0, …, n_J]`` (keep them small: 1–3 units per layer).
    hidden, output : str
        Activation names, one of :data:`SYMBOLIC_ACTIVATIONS` (``"generic"`` is σ).
    loss : str
        One of :data:`SYMBOLIC_LOSSES` (``"generic"`` is an undefined L).

    Attributes mirror :class:`mlp_lib.MLP`: ``W[j]``, ``b[j]`` (symbol matrices,
    index 0 is None), ``a[0]`` = ``x``, ``z[j]``, ``a[j]`` (expressions),
    ``y`` (target symbols) and ``L`` (the loss expression).
    """

    def __init__(self, layer_sizes, hidden="generic", output="generic", loss="generic"):
        sizes = [positive_int(n, "layer size") for n in layer_sizes]
        if len(sizes) < 2:
            raise ValueError(f"expected at least two layer sizes, got {layer_sizes!r}")
        for name in (hidden, output):
            if name not in SYMBOLIC_ACTIVATIONS:
                raise ValueError(f"expected an activation, one of {list(SYMBOLIC_ACTIVATIONS)}, got {name!r}")
        if loss not in SYMBOLIC_LOSSES:
            raise ValueError(f"expected a loss, one of {list(SYMBOLIC_LOSSES)}, got {loss!r}")
        if hidden == "softmax" and len(sizes) > 2:
            raise ValueError("expected an elementwise hidden activation, got softmax (output layer only)")
        self.sizes, self.J = sizes, len(sizes) - 1
        self.activation_names = [None] + [hidden] * (self.J - 1) + [output]
        self.loss_name = loss

        self.x = sp.Matrix(sizes[0], 1, lambda i, _: sp.Symbol(f"x_{i + 1}", real=True))
        self.y = sp.Matrix(sizes[-1], 1, lambda i, _: sp.Symbol(f"y_{i + 1}", real=True))
        self.W, self.b = [None], [None]
        for j in range(1, self.J + 1):
            self.W.append(
                sp.Matrix(sizes[j], sizes[j - 1], lambda i, k, j=j: sp.Symbol(f"w^{j}_{i + 1},{k + 1}", real=True))
            )
            self.b.append(sp.Matrix(sizes[j], 1, lambda i, _, j=j: sp.Symbol(f"b^{j}_{i + 1}", real=True)))
        self.z, self.a = [None], [self.x]
        for j in range(1, self.J + 1):
            self.z.append(self.W[j] * self.a[j - 1] + self.b[j])
            self.a.append(activation_value(self.activation_names[j], self.z[j]))
        self.L = loss_value(loss, self.a[self.J], self.y)

    # -- brute force ---------------------------------------------------
    def brute_force_gradient(self, param: sp.Matrix) -> sp.Matrix:
        """∂L/∂θ for every symbol θ of ``param`` (e.g. ``net.W[1]``), by differentiating L directly."""
        return param.applyfunc(lambda p: canonical(sp.diff(self.L, p)))

    def loss_of_z(self, j: int):
        """(ζ, L(ζ)): fresh symbols ζ standing for z^j, and the loss as a function of them."""
        zeta = sp.Matrix(self.sizes[j], 1, lambda i, _: sp.Symbol(f"zeta_{i + 1}", real=True))
        a = activation_value(self.activation_names[j], zeta)
        for k in range(j + 1, self.J + 1):
            a = activation_value(self.activation_names[k], self.W[k] * a + self.b[k])
        return zeta, loss_value(self.loss_name, a, self.y)

    def brute_force_phi(self, j: int) -> sp.Matrix:
        """ϕ^j = ∂L/∂z^j by brute force: differentiate L(ζ) and put ζ = z^j back."""
        zeta, L = self.loss_of_z(j)
        grad = zeta.applyfunc(lambda t: sp.diff(L, t))
        return grad.subs(dict(zip(zeta, self.z[j])), simultaneous=True).applyfunc(canonical)

    # -- closed forms (Eqs. 1–4) ---------------------------------------
    def sigma_prime(self, j: int) -> sp.Matrix:
        """σ'(z^j) in closed form."""
        return activation_derivative(self.activation_names[j], self.z[j])

    def closed_form_phi(self, j: int) -> sp.Matrix:
        """ϕ^j from Eq. (1) (j = J) and then Eq. (2) backwards."""
        J = self.J
        phi = output_layer_error(
            loss_gradient(self.loss_name, self.a[J], self.y),
            activation_jacobian(self.activation_names[J], self.z[J]),
        )
        for k in range(J - 1, j - 1, -1):
            phi = hidden_layer_error(self.W[k + 1], phi, self.sigma_prime(k))
        return phi

    def closed_form_weight_gradient(self, j: int) -> sp.Matrix:
        """∇_{w^j} L by Eq. (3)."""
        return weight_gradient(self.closed_form_phi(j), self.a[j - 1])

    def closed_form_bias_gradient(self, j: int) -> sp.Matrix:
        """∇_{b^j} L by Eq. (4)."""
        return bias_gradient(self.closed_form_phi(j))

    def verify(self, layers=None) -> dict:
        """Brute force minus closed form for ϕ^j, ∇w^j and ∇b^j; every entry should be 0.

        Returns ``{"phi1": Matrix, "W1": Matrix, "b1": Matrix, …}`` of simplified differences.
        """
        out = {}
        for j in layers or range(1, self.J + 1):
            out[f"phi{j}"] = difference(self.brute_force_phi(j), self.closed_form_phi(j))
            out[f"W{j}"] = difference(self.brute_force_gradient(self.W[j]), self.closed_form_weight_gradient(j))
            out[f"b{j}"] = difference(self.brute_force_gradient(self.b[j]), self.closed_form_bias_gradient(j))
        return out

    # -- numbers -------------------------------------------------------
    def symbols(self) -> list:
        """Every free symbol of the network in a fixed order: x, y, then W1, b1, W2, b2, …"""
        syms = list(self.x) + list(self.y)
        for j in range(1, self.J + 1):
            syms += list(self.W[j]) + list(self.b[j])
        return syms

    def substitutions(self, model, x, y) -> dict:
        """Map each symbol to its value in a numeric :class:`mlp_lib.MLP` and one sample (x, y columns)."""
        x = np.asarray(x, dtype=float).reshape(-1)
        y = np.asarray(y, dtype=float).reshape(-1)
        if model.sizes != self.sizes:
            raise ValueError(f"expected a model with layer sizes {self.sizes}, got {model.sizes}")
        if x.size != self.sizes[0] or y.size != self.sizes[-1]:
            raise ValueError(
                f"expected one sample with {self.sizes[0]} inputs and {self.sizes[-1]} targets, "
                f"got {x.size} and {y.size}"
            )
        values = dict(zip(self.x, x)) | dict(zip(self.y, y))
        for j in range(1, self.J + 1):
            values |= dict(zip(self.W[j], model.W[j].reshape(-1)))
            values |= dict(zip(self.b[j], model.b[j].reshape(-1)))
        return values

    def numeric(self, expr: sp.Matrix, model, x, y) -> np.ndarray:
        """Evaluate a symbolic matrix (e.g. a brute-force gradient) at a model's weights and one sample.

        SymPy itself does the arithmetic: every symbol is replaced by its value as a
        53-bit :class:`sympy.Float` and the expression is evaluated (no NumPy involved,
        so the number is independent of the library it is compared with). The result
        is a float64 array of the matrix's shape. Generic σ or L cannot be evaluated.

        (Substituting once is ≈30× faster here than :func:`sympy.lambdify`, which
        first renames every symbol whose name is not a Python identifier, ``W^{1}_{1,1}``
        and the like, one pass over the expression per symbol.)
        """
        expr = sp.Matrix(expr)
        if (
            expr.has(sigma)
            or expr.has(sigma_prime)
            or expr.has(generic_loss)
            or any(str(f.func).startswith("L_a") for f in expr.atoms(sp.Function))
        ):
            raise ValueError("expected concrete activations and loss, got the generic σ or L: nothing to evaluate")
        values = self.substitutions(model, x, y)
        foreign = expr.free_symbols - set(values)
        if foreign:
            raise ValueError(
                f"expected an expression of this network's symbols, got others too: {sorted(map(str, foreign))}"
            )
        return np.array(_evaluate(expr, values).tolist(), dtype=np.float64).reshape(expr.shape)


def _evaluate(expr: sp.Matrix, values: dict) -> sp.Matrix:
    """``expr`` with every symbol replaced by its value as a 53-bit sympy.Float, evaluated by SymPy."""
    return expr.xreplace({s: sp.Float(float(v)) for s, v in values.items()}).evalf()


def counterexample(diff: sp.Matrix, seed=0, tries: int = 20):
    """Values of the symbols where a difference matrix is clearly non-zero, or None.

    Draws the symbols from a seeded uniform distribution on [0.1, 0.9] (σ and L
    must be concrete), evaluates the matrix there in SymPy (one Float substitution,
    as :meth:`SymbolicMLP.numeric`) and returns ``(values, evaluated_difference)``
    for the first draw where every entry is real and finite and one exceeds 1e-6.
    """
    rng = np.random.default_rng(seed)
    diff = sp.Matrix(diff)
    syms = sorted(diff.free_symbols, key=lambda s: s.name)
    for _ in range(tries):
        vals = rng.uniform(0.1, 0.9, size=len(syms))
        evaluated = _evaluate(diff, dict(zip(syms, vals)))
        if not all(entry.is_number for entry in evaluated):
            raise ValueError(
                "expected concrete activations and loss, got undefined functions: "
                f"{sorted(map(str, evaluated.atoms(sp.Function)))}"
            )
        try:
            out = np.array([complex(entry) for entry in evaluated], dtype=np.complex128).reshape(diff.shape)
        except (TypeError, ValueError):  # zoo, nan: no number at this point
            continue
        if np.all(np.isfinite(out)) and np.all(out.imag == 0):
            out = out.real
            if np.max(np.abs(out)) > 1e-6:
                return dict(zip(syms, vals)), out
    return None


# ---------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------
def abbreviate(expr, net: SymbolicMLP):
    """Rewrite an expression of ``net`` for reading: each pre-activation w^j a^{j−1} + b^j
    becomes the symbol z^j_i, and each partial ∂L/∂a_i of the generic loss is written as such."""
    expr = sp.sympify(expr)
    pairs = []
    for j in range(1, net.J + 1):
        for i in range(net.sizes[j]):
            pairs.append((net.z[j][i].subs(pairs), sp.Symbol(f"z^{{{j}}}_{{{i + 1}}}")))
    expr = expr.subs(pairs)
    partials = {f for f in expr.atoms(sp.Function) if str(f.func).startswith("L_a")}
    return expr.subs(
        {f: sp.Symbol(rf"\tfrac{{\partial L}}{{\partial a^{{{net.J}}}_{{{str(f.func)[3:]}}}}}") for f in partials}
    )


def tex(expr) -> str:
    """LaTeX of an expression, with the generic derivative written σ'."""
    return sp.latex(expr).replace(r"\operatorname{sigma'}", r"\sigma'")
