"""mlp_lib — the small NumPy multi-layer perceptron of "Deriving Backpropagation".

Columns are samples (``z^j = w^j a^{j−1} + b^j``), layers are numbered 1 … J,
and backpropagation is built from four functions named after the source's
Eqs. (1)–(4) in :mod:`mlp_lib.backprop`.
"""

from . import autodiff, datasets, regularization, serialization
from .activations import ACTIVATIONS, Activation, Identity, ReLU, Sigmoid, Softmax, Tanh, get_activation
from .backprop import bias_gradient, hidden_layer_error, output_layer_error, weight_gradient
from .datasets import Dataset
from .gradcheck import (
    array_relative_error,
    backprop_gradients,
    check_gradients,
    finite_difference_gradients,
    relative_error,
)
from .losses import (
    LOSSES,
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    Loss,
    MeanSquaredError,
    get_loss,
    one_hot,
)
from .mlp import MLP, ForwardPass, Gradients
from .training import History, TrainingDiverged, sgd_step, train

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MLP",
    "Activation",
    "Dataset",
    "BinaryCrossEntropy",
    "CategoricalCrossEntropy",
    "ForwardPass",
    "Gradients",
    "History",
    "Identity",
    "Loss",
    "MeanSquaredError",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "TrainingDiverged",
    "autodiff",
    "array_relative_error",
    "backprop_gradients",
    "bias_gradient",
    "check_gradients",
    "datasets",
    "finite_difference_gradients",
    "get_activation",
    "get_loss",
    "hidden_layer_error",
    "one_hot",
    "regularization",
    "output_layer_error",
    "relative_error",
    "serialization",
    "sgd_step",
    "train",
    "weight_gradient",
]
