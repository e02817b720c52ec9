"""The error signal down a deep network at initialization: does it vanish, explode or keep its size?

By Eq. (2), ϕ^j = ((w^{j+1})ᵀ ϕ^{j+1}) ∘ σ'(z^j). With independent zero-mean weights one step
multiplies Var(ϕ) by c = n Var(w) E[σ'(z)²], so going down a network of width n the size
‖ϕ^j‖ changes by about √c per layer. The initialization schemes choose Var(w) to make c = 1.

:class:`ErrorSignalProfiles` (the logic, no display) measures it: for every hidden activation and
initialization scheme it draws ``networks`` random networks of ``max_layers`` layers of width
``width`` (an identity output and squared error against random targets), carries ϕ down by
Eq. (2) from a batch of random inputs, and gives log10 ‖ϕ^j‖/‖ϕ^J‖ for j = 1 … J and every
depth J = 2 … ``max_layers``, averaged over the networks.

:class:`InitializationView` is the explorer, an anywidget: Python measures every combination
(NumPy draws the 4 · 4 · 3 random networks, about 4 million weights, which the page could neither
draw the same nor receive) and sends the profiles; the page (``web/engine.js`` + ``web/ui.js`` +
``web/initialization_view.js``) draws the selected one and computes what the status line says
from it. Controls: *Layers J*, *Activation*, *Initialization*; the page writes them back.
``tests/widgets/test_widget_initialization_view.py`` checks the page against an independent
computation of the same signals with :meth:`mlp_lib.MLP.gradients`.
"""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets

from ..backprop import hidden_layer_error
from ..mlp import MLP
from ..validation import int_in_range, one_of
from .esm import assemble

#: the hidden activations and the schemes the explorer offers (mlp_lib.initialization.SCHEMES without "auto")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")
SCHEMES = ("he", "glorot", "glorot-sigmoid", "normal")
#: E[σ'(z)²] for z near 0, what the schemes assume: ReLU's 1/2 holds for any symmetric z
MEAN_SQUARED_SLOPE_NEAR_0 = {"relu": 0.5, "tanh": 1.0, "sigmoid": 1 / 16, "identity": 1.0}
#: the sizes the constructor accepts (the page receives every profile: networks of at most 40 layers)
MAX_DEPTH = 40
MAX_WIDTH = 256


def n_var_w(scheme: str, width: int) -> float:
    """n Var(w) of a scheme's weights between two layers of ``width`` units.

    He: n · 2/n = 2; Glorot: n · r²/3 with r² = 6/(2n), so 1; 16 × Glorot: 16; N(0, 1): n.
    """
    return {"he": 2.0, "glorot": 1.0, "glorot-sigmoid": 16.0, "normal": float(width)}[one_of(scheme, "scheme", SCHEMES)]


class ErrorSignalProfiles:
    """log10 ‖ϕ^j‖/‖ϕ^J‖ at initialization for every activation, scheme and depth J = 2 … ``max_layers``.

    For each activation and scheme and each seed s = 0 … ``networks`` − 1: the network
    ``MLP([width] * (max_layers + 1), hidden, output="identity", loss="mse", seed=s,
    initialization=scheme)``, inputs x ~ N(0, 1) of shape (width, batch) drawn from
    ``np.random.default_rng(s)`` and its forward pass z^1 … z^{max_layers}. A network of depth J is
    the first J − 1 hidden layers followed by layer J as its (identity) output, so one forward pass
    serves every depth (the schemes draw every layer alike). For J = 2, 3, … in turn, targets y ~
    N(0, 1) drawn from the same generator give ϕ^J ∝ z^J − y (Eq. (1) for MSE; the factor 2/(n m)
    cancels in the ratios) and Eq. (2) carries it down to ϕ^1.

    Parameters
    ----------
    width : int
        n, the units of every layer (2 … ``MAX_WIDTH``).
    batch : int
        m, the inputs per network (≥ 1).
    networks : int
        Random networks per combination; the profile is the mean of their log10 ratios (a geometric mean).
    max_layers : int
        The deepest network, J ≤ ``MAX_DEPTH``.
    """

    def __init__(self, width: int = 64, batch: int = 32, networks: int = 3, max_layers: int = 20):
        self.width = int_in_range(width, "width", 2, MAX_WIDTH)
        self.batch = int_in_range(batch, "batch", 1, 1024)
        self.networks = int_in_range(networks, "networks", 1, 20)
        self.max_layers = int_in_range(max_layers, "max_layers", 2, MAX_DEPTH)
        self._profiles = {}
        for activation in ACTIVATIONS:
            for scheme in SCHEMES:
                runs = [self._one_network(activation, scheme, seed) for seed in range(self.networks)]
                self._profiles[activation, scheme] = [
                    np.mean([run[J - 2] for run in runs], axis=0) for J in self.depths
                ]

    @property
    def depths(self) -> range:
        """J = 2 … ``max_layers``."""
        return range(2, self.max_layers + 1)

    def _one_network(self, activation: str, scheme: str, seed: int) -> list:
        rng = np.random.default_rng(seed)
        sizes = [self.width] * (self.max_layers + 1)
        model = MLP(sizes, hidden=activation, output="identity", loss="mse", seed=seed, initialization=scheme)
        z = model.forward(rng.normal(size=(self.width, self.batch))).z
        out = []
        for J in self.depths:  # (a dead ReLU layer makes ϕ^j = 0 below it: log10 0 = −inf, the ratio 0)
            phi = z[J] - rng.normal(size=(self.width, self.batch))  # Eq. (1), identity output, MSE (up to 2/(n m))
            norms = [np.linalg.norm(phi)]
            for j in range(J - 1, 0, -1):
                phi = hidden_layer_error(model.W[j + 1], phi, z[j], model.activations[j])  # Eq. (2)
                norms.append(np.linalg.norm(phi))
            with np.errstate(divide="ignore"):
                out.append(np.log10(np.array(norms[::-1]) / norms[0]))
        return out

    def log_ratios(self, activation: str, scheme: str, layers: int) -> np.ndarray:
        """log10 ‖ϕ^j‖/‖ϕ^J‖ for j = 1 … J (J = ``layers``), shape (J,); the last entry is 0."""
        activation = one_of(activation, "activation", ACTIVATIONS)
        scheme = one_of(scheme, "scheme", SCHEMES)
        layers = int_in_range(layers, "layers", 2, self.max_layers)
        return self._profiles[activation, scheme][layers - 2].copy()

    def measured_factor(self, activation: str, scheme: str, layers: int) -> float:
        """The factor per layer down, measured: (‖ϕ^1‖/‖ϕ^J‖)^{1/(J−1)}, the geometric mean of ‖ϕ^j‖/‖ϕ^{j+1}‖."""
        return float(10 ** (self.log_ratios(activation, scheme, layers)[0] / (layers - 1)))

    def derived_factor(self, activation: str, scheme: str) -> float:
        """√(n Var(w) E[σ'²]) with E[σ'²] for z near 0: the factor per layer the derivation predicts."""
        activation = one_of(activation, "activation", ACTIVATIONS)
        return float(np.sqrt(n_var_w(scheme, self.width) * MEAN_SQUARED_SLOPE_NEAR_0[activation]))


def _json_logs(logs: np.ndarray) -> list:
    """The log10 ratios as JSON takes them: −inf (a signal that died on the way down) as None."""
    return [None if v == -np.inf else float(v) for v in logs]


class InitializationView(anywidget.AnyWidget):
    """The initialization explorer: ‖ϕ^j‖/‖ϕ^J‖ down a deep network, drawn in the page.

    Parameters
    ----------
    layers : int
        The depth J shown first, 2 … ``max_layers``.
    activation : str
        The hidden activation shown first, one of :data:`ACTIVATIONS`.
    scheme : str
        The initialization shown first, one of :data:`SCHEMES`.
    width, batch, networks, max_layers
        The measurement, as for :class:`ErrorSignalProfiles`.

    The page shows a bar per layer j = 1 … J of ‖ϕ^j‖/‖ϕ^J‖ on a log scale, and a status line with
    the first layer's ratio, the factor per layer measured and the factor derived. It writes the
    three controls back as ``layers``, ``activation`` and ``scheme``.

    Attributes
    ----------
    profiles : ErrorSignalProfiles
        The measurement the page shows (mlp_lib's reference).
    """

    _esm = assemble("ui.js", "initialization_view.js")

    layers = traitlets.Int(10).tag(sync=True)
    activation = traitlets.Unicode("sigmoid").tag(sync=True)
    scheme = traitlets.Unicode("glorot").tag(sync=True)
    max_layers = traitlets.Int(20, read_only=True).tag(sync=True)
    #: {activation: {scheme: [log10 ratios for J = 2, …, for J = max_layers]}}, None for −inf (a ratio of 0)
    log_ratios = traitlets.Dict(read_only=True).tag(sync=True)
    #: {activation: {scheme: √(n Var(w) E[σ'²])}}
    derived_factors = traitlets.Dict(read_only=True).tag(sync=True)

    def __init__(
        self,
        layers: int = 10,
        activation: str = "sigmoid",
        scheme: str = "glorot",
        *,
        width: int = 64,
        batch: int = 32,
        networks: int = 3,
        max_layers: int = 20,
    ):
        max_layers = int_in_range(max_layers, "max_layers", 2, MAX_DEPTH)
        setup = {
            "layers": int_in_range(layers, "layers", 2, max_layers),
            "activation": one_of(activation, "activation", ACTIVATIONS),
            "scheme": one_of(scheme, "scheme", SCHEMES),
        }
        profiles = ErrorSignalProfiles(width, batch, networks, max_layers)
        super().__init__()
        self.profiles = profiles
        self.set_trait("max_layers", max_layers)
        self.set_trait(
            "log_ratios",
            {
                a: {s: [_json_logs(profiles.log_ratios(a, s, J)) for J in profiles.depths] for s in SCHEMES}
                for a in ACTIVATIONS
            },
        )
        self.set_trait("derived_factors", {a: {s: profiles.derived_factor(a, s) for s in SCHEMES} for a in ACTIVATIONS})
        for name, value in setup.items():
            setattr(self, name, value)

    @traitlets.validate("layers", "activation", "scheme")
    def _valid_setup(self, proposal):
        name, value = proposal["trait"].name, proposal["value"]
        try:
            if name == "layers":
                return int_in_range(value, "layers", 2, self.max_layers)
            return one_of(value, name, ACTIVATIONS if name == "activation" else SCHEMES)
        except ValueError as exc:
            raise traitlets.TraitError(f"could not set {name}: {exc}") from exc

    @property
    def profile(self) -> np.ndarray:
        """log10 ‖ϕ^j‖/‖ϕ^J‖, j = 1 … J, of the network the page shows; shape (J,)."""
        return self.profiles.log_ratios(self.activation, self.scheme, self.layers)

    @property
    def measured_factor(self) -> float:
        """The factor per layer down the page shows as measured."""
        return self.profiles.measured_factor(self.activation, self.scheme, self.layers)

    @property
    def derived_factor(self) -> float:
        """The factor per layer the page shows as derived, √(n Var(w) E[σ'²])."""
        return self.profiles.derived_factor(self.activation, self.scheme)
