"""Small data sets for the chapters, made on the spot — nothing is ever downloaded.

Every data set is a :class:`Dataset` whose inputs follow the book's convention,
**columns are samples**::

    x   shape (n_features, m), float64       the a^0 of a batch of m samples
    y   classification: shape (m,), int64    class labels 0 … n_classes − 1
        regression:     shape (n_outputs, m) float64 targets

=========  ========================  ======================================================
name       task                      how it is made
=========  ========================  ======================================================
xor        2 classes, 2 features     4 Gaussian clusters at (±1, ±1), label = XOR of signs
spiral     k classes, 2 features     k interleaved arms (the CS231n spiral), written here
moons      2 classes, 2 features     as :func:`sklearn.datasets.make_moons`
circles    2 classes, 2 features     as :func:`sklearn.datasets.make_circles`
blobs      k classes, 2 features     as :func:`sklearn.datasets.make_blobs`, fixed centres
sine       regression, 1 → 1         y = sin(x) + noise, x uniform in [−π, π]
digits     10 classes, 64 features   scikit-learn's shipped 8×8 handwritten digits (1797)
=========  ========================  ======================================================

moons, circles and blobs are scikit-learn's generators, step for step, written out here in
NumPy: they give exactly scikit-learn's points for the same ``random_state`` (the tests compare
them), without importing scikit-learn, which takes about 1.5 s — in every notebook kernel that
draws a data set. The digits are read from the file scikit-learn ships, also without importing it.

All generators take a ``seed`` (an int or a :class:`numpy.random.Generator`,
see :func:`mlp_lib.validation.as_generator`): the same seed gives the same
data on every machine, a different seed gives different data. Samples come
out in a shuffled order, so classes are interleaved.

:meth:`Dataset.targets` turns the labels into what each loss of
:mod:`mlp_lib.losses` accepts; :func:`train_test_split` and :func:`standardize`
prepare a data set for training.
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass, replace
from numbers import Integral, Real
from pathlib import Path

import numpy as np

from .losses import get_loss, one_hot
from .validation import (
    NON_NEGATIVE_REAL,
    POSITIVE_INT,
    ArrayLike,
    InstanceOf,
    Interval,
    Options,
    as_generator,
    check,
    check_one,
)

__all__ = [
    "DATASETS",
    "Dataset",
    "blobs",
    "circles",
    "digits",
    "load",
    "moons",
    "sine",
    "spiral",
    "standardize",
    "train_test_split",
    "xor",
]


# ----------------------------------------------------------------------
# The data set container
# ----------------------------------------------------------------------
#: what a :class:`Dataset` holds (``y`` is checked against ``x`` and ``n_classes``)
DATASET_CONSTRAINTS = {
    "name": InstanceOf(str, "a str"),
    "n_classes": [Options([0]), Interval(Integral, 2, None)],  # 0: regression
    "x": ArrayLike(),
}


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs and targets of one data set, columns as samples.

    Parameters
    ----------
    name : str
        Short name, e.g. ``"moons"`` (``"moons/train"`` after a split).
    x : array, shape (n_features, m)
        Inputs a^0, stored as a read-only float64 copy.
    y : array
        Classification: integer labels of shape ``(m,)`` in ``0 … n_classes − 1``
        (stored as int64). Regression: float targets of shape ``(n_outputs, m)``.
        Stored read-only.
    n_classes : int
        Number of classes (≥ 2), or 0 for a regression data set.

    Notes
    -----
    The dataclass is frozen and its arrays are read-only, so a chapter cannot
    change a data set another cell still uses; :func:`standardize` and
    :func:`train_test_split` return new data sets. Equality is identity
    (``eq=False``): comparing arrays with ``==`` has no single truth value.
    """

    name: str
    x: np.ndarray  # (n_features, m) float64
    y: np.ndarray  # classification: int labels (m,); regression: float targets (n_outputs, m)
    n_classes: int  # 0 for regression

    def __post_init__(self):
        name, n_classes, x = check(
            "Dataset", {"name": self.name, "n_classes": self.n_classes, "x": self.x}, DATASET_CONSTRAINTS
        )
        x = x.copy()  # the data set's own, read-only copy
        m = x.shape[1]
        if n_classes:
            y = check_one(
                "Dataset", "y", self.y, ArrayLike(ndim=1, samples=False, kinds="iu", what="integer class labels")
            )
            if y.shape != (m,):
                raise ValueError(f"Dataset: expected y to be class labels of shape ({m},), got shape {y.shape}")
            if y.min() < 0 or y.max() >= n_classes:
                raise ValueError(
                    f"Dataset: expected y to be labels in 0 … {n_classes - 1}, got values from {y.min():g} to {y.max():g}"
                )
            y = y.astype(np.int64)
        else:
            y = check_one("Dataset", "y", self.y, ArrayLike(samples=False)).copy()
            if y.shape[1] != m:
                raise ValueError(
                    f"Dataset: expected y to be regression targets of shape (n_outputs, {m}), got shape {y.shape}"
                )
        x.flags.writeable = False
        y.flags.writeable = False
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "n_classes", n_classes)

    @property
    def task(self) -> str:
        """``"classification"`` when ``n_classes ≥ 2``, ``"regression"`` when it is 0."""
        return "classification" if self.n_classes else "regression"

    @property
    def n_features(self) -> int:
        """n_0, the number of inputs (rows of ``x``)."""
        return self.x.shape[0]

    @property
    def m(self) -> int:
        """Number of samples (columns of ``x``)."""
        return self.x.shape[1]

    def __len__(self) -> int:
        return self.m

    def targets(self, loss_name) -> np.ndarray:
        """The targets in the form the loss ``loss_name`` of :mod:`mlp_lib.losses` accepts.

        ============  =========================================  ==========================
        loss          classification                             regression
        ============  =========================================  ==========================
        ``"cce"``     int labels, shape ``(m,)``                 refused (ValueError)
        ``"bce"``     2 classes: 0./1. labels, shape ``(1, m)``   refused (ValueError)
                      k > 2 classes: one-hot, shape ``(k, m)``
                      (the multi-label view: one sigmoid each)
        ``"mse"``     one-hot, shape ``(n_classes, m)``           ``y``, ``(n_outputs, m)``
        ============  =========================================  ==========================

        The matching network ends in ``n_classes`` softmax units for CCE, in
        1 (two classes) or ``n_classes`` sigmoid units for BCE, and in
        ``targets("mse").shape[0]`` units for MSE. Long names such as
        ``"categorical_cross_entropy"`` and :class:`~mlp_lib.losses.Loss`
        instances are accepted too. Returns a new (writable) array.
        """
        name = get_loss(loss_name, caller="Dataset.targets").name
        if name == "mse":
            return one_hot(self.y, self.n_classes) if self.n_classes else self.y.copy()
        if not self.n_classes:
            raise ValueError(
                f"Dataset.targets: expected loss 'mse' for the regression data set {self.name!r}, got {name!r}"
            )
        if name == "cce":
            return self.y.copy()
        if self.n_classes == 2:  # bce, one sigmoid output
            return self.y.astype(np.float64).reshape(1, -1)
        return one_hot(self.y, self.n_classes)  # bce, one sigmoid per class

    def __repr__(self) -> str:
        kind = f"{self.n_classes} classes" if self.n_classes else f"regression, {self.y.shape[0]} output(s)"
        return f"Dataset({self.name!r}, n_features={self.n_features}, m={self.m}, {kind})"


# ----------------------------------------------------------------------
# Argument checks shared by the generators
# ----------------------------------------------------------------------
#: what the generators accept
GENERATOR_CONSTRAINTS = {
    "n": POSITIVE_INT,
    "noise": NON_NEGATIVE_REAL,
    "classes": Interval(Integral, 2, None),
    "factor": Interval(Real, 0, 1, closed="neither"),
}


def _check_n(n, minimum: int, why: str, caller: str) -> int:
    n = check_one(caller, "n", n, GENERATOR_CONSTRAINTS["n"])
    if n < minimum:
        raise ValueError(f"{caller}: expected n ≥ {minimum} ({why}), got {n}")
    return n


def _check_classes(classes, caller: str) -> int:
    return check_one(caller, "classes", classes, GENERATOR_CONSTRAINTS["classes"])


def _check_nonnegative(value, name: str, caller: str) -> float:
    return check_one(caller, name, value, GENERATOR_CONSTRAINTS[name])


def _sklearn_random_state(rng: np.random.Generator) -> np.random.RandomState:
    """scikit-learn's ``check_random_state(seed)`` for an int seed drawn from our generator (so seeds still rule)."""
    return np.random.RandomState(int(rng.integers(0, 2**31 - 1)))


def _two_classes(name, first, second, noise, random_state) -> Dataset:
    """The last steps of scikit-learn's make_moons/make_circles: points ``first = (x₁, x₂)`` get
    label 0 and ``second`` label 1, rows are shuffled, then Gaussian noise is added."""
    X = np.vstack([np.append(first[0], second[0]), np.append(first[1], second[1])]).T
    y = np.hstack([np.zeros(first[0].size, dtype=np.int64), np.ones(second[0].size, dtype=np.int64)])
    X, y = _sklearn_shuffle(random_state, X, y)
    X += random_state.normal(scale=noise, size=X.shape)
    return Dataset(name, X.T, y, 2)


def _sklearn_shuffle(random_state: np.random.RandomState, X: np.ndarray, y: np.ndarray):
    """``sklearn.utils.shuffle(X, y, random_state=random_state)``: rows of both in one random order."""
    order = np.arange(X.shape[0])
    random_state.shuffle(order)
    return X[order], y[order]


def _split_evenly(n: int, parts: int) -> list[int]:
    """``n`` samples over ``parts`` groups, sizes differing by at most one."""
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


def _shuffled(name, x, y, n_classes, rng) -> Dataset:
    order = rng.permutation(x.shape[1])
    y = y[order] if y.ndim == 1 else y[:, order]
    return Dataset(name, x[:, order], y, n_classes)


# ----------------------------------------------------------------------
# Generators
# ----------------------------------------------------------------------
def xor(n=200, noise=0.1, seed=0) -> Dataset:
    """The XOR problem: 4 Gaussian clusters at (±1, ±1), no line separates the classes.

    Sample s of the cluster centred at (c₁, c₂) ∈ {−1, 1}² is
    ``x_s = (c₁, c₂) + noise · N(0, I)`` with label ``y_s = (1 − c₁c₂)/2``:
    1 where the signs of the centre differ, 0 where they agree (the label
    comes from the centre, so a large ``noise`` makes the classes overlap).

    Parameters
    ----------
    n : int ≥ 4
        Number of samples, spread as evenly as possible over the 4 clusters.
    noise : float ≥ 0
        Standard deviation of each cluster.
    seed : int or numpy.random.Generator

    Returns
    -------
    Dataset
        ``x`` (2, n), ``y`` (n,) in {0, 1}, ``n_classes = 2``.
    """
    n = _check_n(n, 4, "one sample per cluster", "xor")
    noise = _check_nonnegative(noise, "noise", "xor")
    rng = as_generator(seed, "xor")
    centres = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]]).T  # (2, 4)
    cluster = np.repeat(np.arange(4), _split_evenly(n, 4))
    x = centres[:, cluster] + noise * rng.standard_normal((2, n))
    y = ((1 - centres[0, cluster] * centres[1, cluster]) // 2).astype(np.int64)
    return _shuffled("xor", x, y, 2, rng)


def spiral(n=300, classes=3, noise=0.2, seed=0) -> Dataset:
    """Interleaved spiral arms, one per class (the CS231n "spiral" data, written out here).

    For class k, with t running over ``n_k`` evenly spaced values in [0, 1]::

        r = t,   θ = 4k + 4t + noise · N(0, 1),   x = (r sin θ, r cos θ)

    so each arm turns through 4 radians and starts at the origin.

    Parameters
    ----------
    n : int ≥ classes
        Number of samples, spread as evenly as possible over the arms.
    classes : int ≥ 2
        Number of arms (= classes).
    noise : float ≥ 0
        Standard deviation of the angle θ, in radians.
    seed : int or numpy.random.Generator

    Returns
    -------
    Dataset
        ``x`` (2, n), ``y`` (n,) in ``0 … classes − 1``.
    """
    classes = _check_classes(classes, "spiral")
    n = _check_n(n, classes, "one sample per class", "spiral")
    noise = _check_nonnegative(noise, "noise", "spiral")
    rng = as_generator(seed, "spiral")
    xs, ys = [], []
    for k, n_k in enumerate(_split_evenly(n, classes)):
        r = np.linspace(0.0, 1.0, n_k)
        theta = np.linspace(4.0 * k, 4.0 * (k + 1), n_k) + noise * rng.standard_normal(n_k)
        xs.append(np.vstack([r * np.sin(theta), r * np.cos(theta)]))
        ys.append(np.full(n_k, k, dtype=np.int64))
    return _shuffled("spiral", np.hstack(xs), np.concatenate(ys), classes, rng)


def moons(n=500, noise=0.2, seed=0) -> Dataset:
    """Two interleaving half circles (:func:`sklearn.datasets.make_moons`).

    Parameters
    ----------
    n : int ≥ 2
    noise : float ≥ 0
        Standard deviation of the Gaussian noise added to each point.
    seed : int or numpy.random.Generator
        scikit-learn's ``random_state`` is drawn from it.

    Returns
    -------
    Dataset
        ``x`` (2, n), ``y`` (n,) in {0, 1}.
    """
    n = _check_n(n, 2, "one sample per class", "moons")
    noise = _check_nonnegative(noise, "noise", "moons")
    random_state = _sklearn_random_state(as_generator(seed, "moons"))
    # make_moons(n_samples=n, noise=noise, shuffle=True, random_state=...), in scikit-learn's steps
    upper = np.linspace(0, np.pi, n // 2)
    lower = np.linspace(0, np.pi, n - n // 2)
    return _two_classes(
        "moons", (np.cos(upper), np.sin(upper)), (1 - np.cos(lower), 1 - np.sin(lower) - 0.5), noise, random_state
    )


def circles(n=500, noise=0.1, factor=0.5, seed=0) -> Dataset:
    """A small circle inside a large one (:func:`sklearn.datasets.make_circles`).

    Label 0 is the outer circle (radius 1), label 1 the inner one (radius ``factor``).

    Parameters
    ----------
    n : int ≥ 2
    noise : float ≥ 0
        Standard deviation of the Gaussian noise added to each point.
    factor : float in (0, 1)
        Radius of the inner circle relative to the outer one.
    seed : int or numpy.random.Generator

    Returns
    -------
    Dataset
        ``x`` (2, n), ``y`` (n,) in {0, 1}.
    """
    n = _check_n(n, 2, "one sample per class", "circles")
    noise = _check_nonnegative(noise, "noise", "circles")
    factor = check_one("circles", "factor", factor, GENERATOR_CONSTRAINTS["factor"])
    random_state = _sklearn_random_state(as_generator(seed, "circles"))
    # make_circles(n_samples=n, noise=noise, factor=factor, shuffle=True, random_state=...)
    outer = np.linspace(0, 2 * np.pi, n // 2, endpoint=False)  # endpoint=False: no point twice
    inner = np.linspace(0, 2 * np.pi, n - n // 2, endpoint=False)
    return _two_classes(
        "circles", (np.cos(outer), np.sin(outer)), (np.cos(inner) * factor, np.sin(inner) * factor), noise, random_state
    )


def blobs(n=500, classes=3, noise=1.0, seed=0) -> Dataset:
    """Gaussian blobs in the plane (:func:`sklearn.datasets.make_blobs`) with fixed centres.

    The centre of class k is on a circle, ``ρ (cos 2πk/K, sin 2πk/K)`` with
    ``ρ = 3 / sin(π/K)``, so neighbouring centres are 6 apart for any number of
    classes K: with ``noise = 1`` (the standard deviation of each blob) the
    classes barely overlap.

    Parameters
    ----------
    n : int ≥ classes
        Number of samples, spread as evenly as possible over the blobs.
    classes : int ≥ 2
    noise : float ≥ 0
        ``cluster_std`` of every blob.
    seed : int or numpy.random.Generator

    Returns
    -------
    Dataset
        ``x`` (2, n), ``y`` (n,) in ``0 … classes − 1``.
    """
    classes = _check_classes(classes, "blobs")
    n = _check_n(n, classes, "one sample per class", "blobs")
    noise = _check_nonnegative(noise, "noise", "blobs")
    random_state = _sklearn_random_state(as_generator(seed, "blobs"))
    angles = 2.0 * np.pi * np.arange(classes) / classes
    radius = 3.0 / np.sin(np.pi / classes)
    centres = radius * np.column_stack([np.cos(angles), np.sin(angles)])  # (classes, 2), sklearn's layout
    # make_blobs(n_samples=<sizes>, centers=centres, cluster_std=noise, shuffle=True, random_state=...)
    sizes = _split_evenly(n, classes)
    X = np.vstack([random_state.normal(loc=centre, scale=noise, size=(k, 2)) for centre, k in zip(centres, sizes)])
    y = np.repeat(np.arange(classes, dtype=np.int64), sizes)
    X, y = _sklearn_shuffle(random_state, X, y)
    return Dataset("blobs", X.T, y, classes)


def sine(n=200, noise=0.1, seed=0) -> Dataset:
    """Regression on one period of a sine: ``y = sin(x) + noise · N(0, 1)``, x uniform in [−π, π].

    Parameters
    ----------
    n : int ≥ 1
    noise : float ≥ 0
        Standard deviation of the noise added to the targets.
    seed : int or numpy.random.Generator

    Returns
    -------
    Dataset
        ``x`` (1, n), ``y`` (1, n) float64, ``n_classes = 0``.
    """
    n = _check_n(n, 1, "at least one sample", "sine")
    noise = _check_nonnegative(noise, "noise", "sine")
    rng = as_generator(seed, "sine")
    x = rng.uniform(-np.pi, np.pi, size=(1, n))
    y = np.sin(x) + noise * rng.standard_normal((1, n))
    return Dataset("sine", x, y, 0)


def digits(seed=0) -> Dataset:
    """scikit-learn's 1797 handwritten digits (8×8 images shipped with the package).

    Pixel intensities 0 … 16 are divided by 16, so ``x`` lies in [0, 1]; pixel
    ``(r, c)`` of an image is row ``8r + c`` of its column.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Only shuffles the order of the samples.

    Returns
    -------
    Dataset
        ``x`` (64, 1797), ``y`` (1797,) in ``0 … 9``, ``n_classes = 10``.
    """
    rng = as_generator(seed, "digits")
    with gzip.open(_sklearn_digits_file()) as file:  # what load_digits() reads
        table = np.loadtxt(file, delimiter=",")
    pixels, labels = table[:, :-1], table[:, -1].astype(np.int64)
    return _shuffled("digits", pixels.T / 16.0, labels, 10, rng)


def _sklearn_digits_file() -> Path:
    """``digits.csv.gz`` inside the installed scikit-learn (found without importing it)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "expected scikit-learn to be installed (its digits file is the data), got no 'sklearn' "
            "package: run `pip install 'mlp-lib[book]'` (or `pip install -r requirements.txt` for the book)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"expected scikit-learn's digits at {path}, got no such file")
    return path


DATASETS = {
    "xor": xor,
    "spiral": spiral,
    "moons": moons,
    "circles": circles,
    "blobs": blobs,
    "sine": sine,
    "digits": digits,
}


def load(name, **kwargs) -> Dataset:
    """``DATASETS[name](**kwargs)``: a data set by name (any case), e.g. ``load("spiral", classes=4, seed=1)``."""
    return DATASETS[check_one("load", "name", name, Options(DATASETS, lower=True))](**kwargs)


# ----------------------------------------------------------------------
# Preparing a data set for training
# ----------------------------------------------------------------------
def _check_dataset(dataset, name: str, caller: str) -> Dataset:
    return check_one(caller, name, dataset, InstanceOf(Dataset, "a mlp_lib.datasets.Dataset"))


def _subset(dataset: Dataset, idx: np.ndarray, suffix: str) -> Dataset:
    y = dataset.y[idx] if dataset.n_classes else dataset.y[:, idx]
    return Dataset(f"{dataset.name}/{suffix}", dataset.x[:, idx], y, dataset.n_classes)


def _test_count(n: int, fraction: float) -> int:
    """round(fraction · n) (halves up), kept in 1 … n − 1 so both sides get a sample."""
    return int(min(max(np.floor(fraction * n + 0.5), 1), n - 1))


def train_test_split(dataset, test_fraction=0.25, seed=0) -> tuple[Dataset, Dataset]:
    """Split a data set into a training and a test set, at random but reproducibly.

    Classification splits are **stratified**: each class c with ``m_c`` samples
    puts ``round(test_fraction · m_c)`` of them (at least 1 and at most
    ``m_c − 1``) in the test set, so every class with two or more samples
    appears on both sides and the class proportions are kept. A class with a
    single sample goes to the training set. Regression splits put
    ``round(test_fraction · m)`` samples (at least 1, at most m − 1) in the test set.

    Parameters
    ----------
    dataset : Dataset
    test_fraction : float in (0, 1)
    seed : int or numpy.random.Generator

    Returns
    -------
    (train, test) : tuple of Dataset
        Named ``"<name>/train"`` and ``"<name>/test"``; disjoint, and together
        they hold every sample once. The order within each is shuffled.
    """
    dataset = _check_dataset(dataset, "dataset", "train_test_split")
    test_fraction = check_one("train_test_split", "test_fraction", test_fraction, GENERATOR_CONSTRAINTS["factor"])
    if dataset.m < 2:
        raise ValueError(f"train_test_split: expected at least 2 samples to split, got {dataset.m}")
    rng = as_generator(seed, "train_test_split")

    if dataset.n_classes:
        test_parts, train_parts = [], []
        for c in range(dataset.n_classes):
            members = rng.permutation(np.flatnonzero(dataset.y == c))
            k = _test_count(members.size, test_fraction) if members.size >= 2 else 0
            test_parts.append(members[:k])
            train_parts.append(members[k:])
        test_idx, train_idx = np.concatenate(test_parts), np.concatenate(train_parts)
        if test_idx.size == 0:
            raise ValueError(
                "expected at least one class with 2 or more samples for a stratified split, "
                f"got class counts {np.bincount(dataset.y, minlength=dataset.n_classes).tolist()}"
            )
    else:
        order = rng.permutation(dataset.m)
        k = _test_count(dataset.m, test_fraction)
        test_idx, train_idx = order[:k], order[k:]

    return _subset(dataset, rng.permutation(train_idx), "train"), _subset(dataset, rng.permutation(test_idx), "test")


def standardize(train, test) -> tuple[Dataset, Dataset]:
    """Standardize both sets' features with the **training** set's mean and standard deviation.

    For each feature (row) i, with μ_i and s_i computed on ``train.x`` only::

        x_i ← (x_i − μ_i) / s_i        (s_i = 1 where the feature is constant, s_i = 0)

    Using the training statistics for the test set too keeps the test set
    unseen. Targets are unchanged.

    Parameters
    ----------
    train, test : Dataset
        With the same number of features.

    Returns
    -------
    (train, test) : tuple of Dataset
        New data sets; the inputs are not modified.
    """
    train = _check_dataset(train, "train", "standardize")
    test = _check_dataset(test, "test", "standardize")
    if train.n_features != test.n_features:
        raise ValueError(
            f"standardize: expected train and test with the same number of features, got {train.n_features} and {test.n_features}"
        )
    mean = train.x.mean(axis=1, keepdims=True)
    std = train.x.std(axis=1, keepdims=True)
    std[std == 0] = 1.0
    return replace(train, x=(train.x - mean) / std), replace(test, x=(test.x - mean) / std)
