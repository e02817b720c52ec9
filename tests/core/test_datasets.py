"""Tests for mlp_lib.datasets: shapes, seeding, splits, standardization, targets for each loss."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import mlp_lib
from mlp_lib import datasets as D

CLASSIFICATION = ["xor", "spiral", "moons", "circles", "blobs", "digits"]
SMALL = {
    "xor": {"n": 40},
    "spiral": {"n": 60},
    "moons": {"n": 50},
    "circles": {"n": 50},
    "blobs": {"n": 60},
    "sine": {"n": 30},
    "digits": {},
}


def sample_ids(ds):
    """Columns of x as tuples (to compare which samples two sets hold)."""
    return {tuple(col) for col in ds.x.T}


# ----------------------------------------------------------------------
# Generators
# ----------------------------------------------------------------------
def test_registry_lists_every_generator():
    assert set(D.DATASETS) == {"xor", "spiral", "moons", "circles", "blobs", "sine", "digits"}
    assert all(callable(f) for f in D.DATASETS.values())


@pytest.mark.parametrize("name", sorted(D.DATASETS))
def test_shapes_dtypes_and_properties(name):
    ds = D.load(name, **SMALL[name])
    assert isinstance(ds, D.Dataset)
    assert ds.name == name
    assert ds.x.dtype == np.float64 and ds.x.ndim == 2
    assert ds.x.shape == (ds.n_features, ds.m)
    assert len(ds) == ds.m
    assert np.all(np.isfinite(ds.x))
    if name in CLASSIFICATION:
        assert ds.task == "classification"
        assert ds.y.shape == (ds.m,)
        assert np.issubdtype(ds.y.dtype, np.integer)
        # every class 0 … n_classes−1 occurs, and nothing else
        assert set(np.unique(ds.y).tolist()) == set(range(ds.n_classes))
    else:
        assert ds.task == "regression" and ds.n_classes == 0
        assert ds.y.dtype == np.float64 and ds.y.shape == (1, ds.m)


@pytest.mark.parametrize(
    "name, kwargs, n_features, m, n_classes",
    [
        ("xor", {"n": 37}, 2, 37, 2),
        ("spiral", {"n": 31, "classes": 4}, 2, 31, 4),
        ("moons", {"n": 21}, 2, 21, 2),
        ("circles", {"n": 22}, 2, 22, 2),
        ("blobs", {"n": 53, "classes": 7}, 2, 53, 7),
        ("sine", {"n": 13}, 1, 13, 0),
        ("digits", {}, 64, 1797, 10),
    ],
)
def test_requested_sizes(name, kwargs, n_features, m, n_classes):
    ds = D.load(name, **kwargs)
    assert (ds.n_features, ds.m, ds.n_classes) == (n_features, m, n_classes)


def test_default_sizes():
    assert D.xor().m == 200 and D.spiral().m == 300 and D.moons().m == 500
    assert D.circles().m == 500 and D.blobs().m == 500 and D.sine().m == 200
    assert D.spiral().n_classes == 3 and D.blobs().n_classes == 3


@pytest.mark.parametrize("name", sorted(D.DATASETS))
def test_same_seed_same_data(name):
    a = D.load(name, seed=7, **SMALL[name])
    b = D.load(name, seed=7, **SMALL[name])
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)


@pytest.mark.parametrize("name", sorted(D.DATASETS))
def test_different_seed_different_data(name):
    a = D.load(name, seed=0, **SMALL[name])
    b = D.load(name, seed=1, **SMALL[name])
    assert not np.array_equal(a.x, b.x)


@pytest.mark.parametrize("name", sorted(D.DATASETS))
def test_generator_seed_accepted(name):
    a = D.load(name, seed=np.random.default_rng(3), **SMALL[name])
    b = D.load(name, seed=np.random.default_rng(3), **SMALL[name])
    np.testing.assert_array_equal(a.x, b.x)


def test_classes_are_balanced_and_interleaved():
    ds = D.spiral(n=301, classes=3)
    counts = np.bincount(ds.y)
    assert counts.max() - counts.min() <= 1
    # shuffled: the first third is not a single class
    assert len(np.unique(ds.y[:100])) == 3


def test_xor_labels_are_xor_of_signs():
    ds = D.xor(n=400, noise=0.05, seed=2)
    expected = ((ds.x[0] > 0) != (ds.x[1] > 0)).astype(int)
    np.testing.assert_array_equal(ds.y, expected)
    # no line separates it: the mean of each class is near the origin
    for c in (0, 1):
        assert np.all(np.abs(ds.x[:, ds.y == c].mean(axis=1)) < 0.2)


def test_xor_noise_free_points_are_the_corners():
    ds = D.xor(n=8, noise=0.0)
    assert set(map(tuple, ds.x.T)) == {(1.0, 1.0), (-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0)}


def test_spiral_radius_within_unit_disc_and_arms_differ():
    ds = D.spiral(n=300, classes=3, noise=0.0)
    r = np.hypot(ds.x[0], ds.x[1])
    assert r.max() <= 1.0 + 1e-12
    # noise-free: the angle θ = 4k + 4r of arm k, so sin/cos of it reproduce the point
    for k in range(3):
        pts = ds.x[:, ds.y == k]
        rk = np.hypot(pts[0], pts[1])
        theta = 4 * k + 4 * rk
        np.testing.assert_allclose(pts, np.vstack([rk * np.sin(theta), rk * np.cos(theta)]), atol=1e-12)


def test_circles_radii():
    ds = D.circles(n=200, noise=0.0, factor=0.3)
    r = np.hypot(ds.x[0], ds.x[1])
    np.testing.assert_allclose(r[ds.y == 0], 1.0)
    np.testing.assert_allclose(r[ds.y == 1], 0.3)


def test_blobs_are_nearly_separable_for_many_classes():
    ds = D.blobs(n=1000, classes=6, noise=1.0, seed=4)
    means = np.stack([ds.x[:, ds.y == c].mean(axis=1) for c in range(6)], axis=1)  # (2, 6)
    nearest = np.argmin(((ds.x[:, None, :] - means[:, :, None]) ** 2).sum(axis=0), axis=0)
    assert np.mean(nearest == ds.y) > 0.95


def test_blobs_noise_is_the_cluster_std():
    ds = D.blobs(n=3000, classes=3, noise=0.5, seed=1)
    for c in range(3):
        assert abs(ds.x[:, ds.y == c].std(axis=1).mean() - 0.5) < 0.05


def test_sine_targets():
    ds = D.sine(n=500, noise=0.0, seed=3)
    assert ds.x.min() >= -np.pi and ds.x.max() <= np.pi
    np.testing.assert_allclose(ds.y, np.sin(ds.x))
    noisy = D.sine(n=5000, noise=0.3, seed=3)
    assert abs(np.std(noisy.y - np.sin(noisy.x)) - 0.3) < 0.02


def _sklearn_seed(seed):
    """The int random_state mlp_lib draws from ``seed`` for its scikit-learn-style generators."""
    return int(np.random.default_rng(seed).integers(0, 2**31 - 1))


@pytest.mark.slow  # imports scikit-learn to compare (seconds)
@pytest.mark.parametrize("n, noise, seed", [(500, 0.2, 0), (7, 0.0, 3), (2, 0.5, 11), (1001, 0.05, 42)])
def test_moons_and_circles_are_exactly_sklearns(n, noise, seed):
    """The NumPy copies give scikit-learn's very points (bit for bit) for the same random_state."""
    from sklearn.datasets import make_circles, make_moons

    X, y = make_moons(n_samples=n, noise=noise, shuffle=True, random_state=_sklearn_seed(seed))
    ds = D.moons(n=n, noise=noise, seed=seed)
    np.testing.assert_array_equal(ds.x, X.T)
    np.testing.assert_array_equal(ds.y, y)
    assert ds.y.dtype == np.int64
    X, y = make_circles(n_samples=n, noise=noise, factor=0.3, shuffle=True, random_state=_sklearn_seed(seed))
    ds = D.circles(n=n, noise=noise, factor=0.3, seed=seed)
    np.testing.assert_array_equal(ds.x, X.T)
    np.testing.assert_array_equal(ds.y, y)


@pytest.mark.slow  # imports scikit-learn to compare (seconds)
@pytest.mark.parametrize("n, classes, noise, seed", [(500, 3, 1.0, 0), (11, 4, 0.3, 5), (6, 6, 0.0, 9)])
def test_blobs_are_exactly_sklearns(n, classes, noise, seed):
    from sklearn.datasets import make_blobs

    angles = 2.0 * np.pi * np.arange(classes) / classes
    centres = 3.0 / np.sin(np.pi / classes) * np.column_stack([np.cos(angles), np.sin(angles)])
    sizes = [n // classes + (1 if i < n % classes else 0) for i in range(classes)]
    X, y = make_blobs(
        n_samples=sizes, centers=centres, cluster_std=noise, shuffle=True, random_state=_sklearn_seed(seed)
    )
    ds = D.blobs(n=n, classes=classes, noise=noise, seed=seed)
    np.testing.assert_array_equal(ds.x, X.T)
    np.testing.assert_array_equal(ds.y, y)


def test_generators_do_not_import_sklearn():
    """Importing scikit-learn costs ≈1.5 s in every chapter's kernel; the data sets do without it."""
    import subprocess
    import sys

    code = (
        "import sys; from mlp_lib import datasets as D; "
        "[D.load(name) for name in D.DATASETS]; "
        "print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_digits_are_sklearns_digits_scaled_and_shuffled():
    from sklearn.datasets import load_digits

    ref = load_digits()
    ds = D.digits(seed=5)
    assert ds.x.min() >= 0.0 and ds.x.max() <= 1.0
    np.testing.assert_array_equal(np.bincount(ds.y), np.bincount(ref.target))
    # the same (image, label) pairs, in another order
    ours = np.column_stack([ds.x.T * 16, ds.y])
    theirs = np.column_stack([ref.data, ref.target])
    ours = ours[np.lexsort(ours.T[::-1])]
    theirs = theirs[np.lexsort(theirs.T[::-1])]
    np.testing.assert_array_equal(ours, theirs)
    assert not np.array_equal(ds.y, ref.target)


# ----------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: D.xor(n=0), ValueError, "expected n"),
        (lambda: D.xor(n=3), ValueError, "expected n ≥ 4"),
        (lambda: D.moons(n=-5), ValueError, "expected n"),
        (lambda: D.moons(n=10.0), TypeError, "expected n"),
        (lambda: D.sine(n=True), TypeError, "expected n"),
        (lambda: D.spiral(n=2, classes=3), ValueError, "expected n ≥ 3"),
        (lambda: D.blobs(n=4, classes=5), ValueError, "expected n ≥ 5"),
        (lambda: D.spiral(classes=1), ValueError, "^spiral: expected classes to be an integer ≥ 2, got 1$"),
        (lambda: D.blobs(classes=2.5), TypeError, "expected classes"),
        (lambda: D.xor(noise=-0.1), ValueError, "expected noise"),
        (lambda: D.sine(noise=float("nan")), ValueError, "expected noise"),
        (lambda: D.circles(noise="a"), TypeError, "expected noise"),
        (lambda: D.circles(factor=1.0), ValueError, "expected factor"),
        (lambda: D.circles(factor=0), ValueError, "expected factor"),
        (lambda: D.moons(seed=-1), ValueError, "expected seed to be a non-negative integer, got -1"),
        (lambda: D.digits(seed="x"), TypeError, "expected seed"),
    ],
)
def test_generator_arguments_are_validated(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_load_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"^load: expected name to be one of \['xor', .*\], got 'mnist'$") as info:
        D.load("mnist")
    for name in D.DATASETS:
        assert name in str(info.value)
    with pytest.raises(TypeError, match=r"^load: expected name to be one of \['xor', .*\], got 3$"):
        D.load(3)


def test_load_passes_arguments():
    ds = D.load("spiral", n=40, classes=5, seed=2)
    assert ds.m == 40 and ds.n_classes == 5
    np.testing.assert_array_equal(ds.x, D.spiral(n=40, classes=5, seed=2).x)


@pytest.mark.parametrize(
    "x, y, k, match",
    [
        (
            np.zeros((2, 3)),
            np.array([0, 1, 2]),
            2,
            "^Dataset: expected y to be labels in 0 … 1, got values from 0 to 2$",
        ),
        (
            np.zeros((2, 3)),
            np.array([0, 1]),
            2,
            r"^Dataset: expected y to be class labels of shape \(3,\), got shape \(2,\)$",
        ),
        (np.zeros((2, 3)), np.zeros(3), 0, r"^Dataset: expected y to be a 2-D array, got an array with 1 dimension"),
        (
            np.zeros((2, 4)),
            np.zeros((1, 3)),
            0,
            r"^Dataset: expected y to be regression targets of shape \(n_outputs, 4\)",
        ),
        (np.zeros(3), np.array([0, 1, 0]), 2, r"^Dataset: expected x to be a 2-D array of shape \(features, samples\)"),
        (
            np.zeros((2, 3)),
            np.array([0, 0, 0]),
            1,
            r"^Dataset: expected n_classes to be one of \[0\] or an integer ≥ 2, got 1$",
        ),
        (
            np.zeros((2, 3)),
            np.array([0, 0, 0]),
            -2,
            r"^Dataset: expected n_classes to be one of \[0\] or an integer ≥ 2, got -2$",
        ),
        (np.full((2, 3), np.nan), np.array([0, 1, 0]), 2, "expected x to be finite"),
    ],
)
def test_dataset_validates_its_fields(x, y, k, match):
    with pytest.raises(ValueError, match=match):
        D.Dataset("bad", x, y, k)


@pytest.mark.parametrize(
    "name, x, y, k, match",
    [
        (
            "bad",
            np.zeros((2, 3)),
            np.array([0.0, 1.0, 0.0]),
            2,
            "expected y to be an array of integer class labels, got dtype float64",
        ),
        (
            "bad",
            np.zeros((2, 3)),
            np.array([0, 1, 0]),
            True,
            r"expected n_classes to be one of \[0\] or an integer ≥ 2, got True",
        ),
        (
            "bad",
            np.zeros((2, 3)),
            np.array([0, 1, 0]),
            2.0,
            r"expected n_classes to be one of \[0\] or an integer ≥ 2, got 2\.0",
        ),
        (3, np.zeros((2, 3)), np.array([0, 1, 0]), 2, "expected name to be a str, got 3"),
    ],
)
def test_dataset_refuses_fields_of_the_wrong_type(name, x, y, k, match):
    with pytest.raises(TypeError, match=f"^Dataset: {match}$"):
        D.Dataset(name, x, y, k)


def test_dataset_counts_a_numpy_zero_as_regression():
    ds = D.Dataset("r", np.zeros((2, 3)), np.ones((1, 3)), np.int64(0))
    assert ds.n_classes == 0 and type(ds.n_classes) is int


def test_dataset_is_frozen_and_read_only():
    ds = D.moons(n=20)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.name = "other"
    with pytest.raises(ValueError):
        ds.x[0, 0] = 1.0
    with pytest.raises(ValueError):
        ds.y[0] = 1


def test_dataset_copies_its_input():
    x = np.zeros((1, 4))
    ds = D.Dataset("mine", x, np.zeros((1, 4)), 0)
    x[0, 0] = 5.0
    assert ds.x[0, 0] == 0.0
    assert x.flags.writeable  # the caller's array is left writable


# ----------------------------------------------------------------------
# targets(): what each loss accepts
# ----------------------------------------------------------------------
def _model_for(ds, loss):
    k = ds.targets(loss).shape[0] if loss != "cce" else ds.n_classes
    output = {"cce": "softmax", "bce": "sigmoid", "mse": "identity"}[loss]
    return mlp_lib.MLP([ds.n_features, 8, k], hidden="tanh", output=output, loss=loss, seed=1)


@pytest.mark.parametrize(
    "name, loss",
    [
        ("moons", "cce"),
        ("moons", "bce"),
        ("moons", "mse"),
        ("spiral", "cce"),
        ("spiral", "bce"),
        ("spiral", "mse"),
        ("sine", "mse"),
    ],
)
def test_targets_are_accepted_by_a_matching_model(name, loss):
    ds = D.load(name, **SMALL[name])
    t = ds.targets(loss)
    model = _model_for(ds, loss)
    before = model.loss_value(ds.x, t)
    assert np.isfinite(before)
    history = mlp_lib.train(model, ds.x, t, epochs=3, learning_rate=0.05, batch_size=16, seed=0)
    assert history.epochs == 3 and np.all(np.isfinite(history.loss))


def test_target_shapes_and_values():
    two = D.moons(n=30)
    three = D.spiral(n=30, classes=3)
    reg = D.sine(n=30)
    np.testing.assert_array_equal(two.targets("cce"), two.y)
    assert two.targets("bce").shape == (1, 30) and two.targets("bce").dtype == np.float64
    np.testing.assert_array_equal(two.targets("bce")[0], two.y)
    for ds in (two, three):
        oh = ds.targets("mse")
        assert oh.shape == (ds.n_classes, ds.m)
        np.testing.assert_array_equal(oh.sum(axis=0), 1.0)
        np.testing.assert_array_equal(np.argmax(oh, axis=0), ds.y)
    np.testing.assert_array_equal(three.targets("bce"), three.targets("mse"))
    np.testing.assert_array_equal(reg.targets("mse"), reg.y)
    # long names and Loss objects too
    np.testing.assert_array_equal(two.targets("binary_cross_entropy"), two.targets("bce"))
    np.testing.assert_array_equal(three.targets(mlp_lib.CategoricalCrossEntropy()), three.y)


def test_targets_returns_a_writable_copy():
    ds = D.sine(n=10)
    t = ds.targets("mse")
    t[0, 0] = 99.0
    assert ds.y[0, 0] != 99.0


@pytest.mark.parametrize("loss", ["cce", "bce"])
def test_regression_refuses_classification_losses(loss):
    with pytest.raises(ValueError, match="expected loss 'mse'"):
        D.sine(n=10).targets(loss)


def test_targets_unknown_loss():
    with pytest.raises(ValueError, match=r"expected loss to be one of \['mse', .*\], got 'hinge'"):
        D.moons(n=10).targets("hinge")


# ----------------------------------------------------------------------
# train_test_split
# ----------------------------------------------------------------------
def tagged(ds):
    """``ds`` with an extra last input row holding each sample's index, to follow samples through a split."""
    return D.Dataset(ds.name, np.vstack([ds.x, np.arange(ds.m)]), ds.y, ds.n_classes)


@pytest.mark.parametrize("name", sorted(D.DATASETS))
@pytest.mark.parametrize("fraction", [0.1, 0.25, 0.5])
def test_split_is_disjoint_and_covering(name, fraction):
    ds = tagged(D.load(name, **SMALL[name]))
    train, test = D.train_test_split(ds, test_fraction=fraction, seed=3)
    train_ids, test_ids = train.x[-1].astype(int), test.x[-1].astype(int)
    assert train.m + test.m == ds.m
    assert len(set(train_ids)) == train.m and len(set(test_ids)) == test.m
    assert set(train_ids) | set(test_ids) == set(range(ds.m))
    assert not set(train_ids) & set(test_ids)
    assert abs(test.m - fraction * ds.m) <= max(1, ds.n_classes)
    assert (train.name, test.name) == (f"{name}/train", f"{name}/test")
    assert train.n_classes == test.n_classes == ds.n_classes
    # each sample keeps its own inputs and target
    for part, ids in ((train, train_ids), (test, test_ids)):
        np.testing.assert_array_equal(part.x, ds.x[:, ids])
        np.testing.assert_array_equal(part.y, ds.y[ids] if ds.n_classes else ds.y[:, ids])


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_split_is_stratified(name):
    ds = D.load(name, **SMALL[name])
    train, test = D.train_test_split(ds, test_fraction=0.25, seed=1)
    full = np.bincount(ds.y, minlength=ds.n_classes)
    tr = np.bincount(train.y, minlength=ds.n_classes)
    te = np.bincount(test.y, minlength=ds.n_classes)
    assert np.all(tr >= 1) and np.all(te >= 1)
    assert np.all(np.abs(te - 0.25 * full) <= 1)


def test_split_small_classes_appear_on_both_sides():
    y = np.array([0] * 20 + [1] * 2 + [2] * 3)
    ds = D.Dataset("tiny", np.arange(25, dtype=float).reshape(1, -1), y, 3)
    for seed in range(5):
        train, test = D.train_test_split(ds, test_fraction=0.1, seed=seed)
        assert set(train.y.tolist()) == set(test.y.tolist()) == {0, 1, 2}


def test_split_singleton_class_goes_to_train():
    ds = D.Dataset("one", np.arange(6, dtype=float).reshape(1, -1), np.array([0, 0, 0, 0, 0, 1]), 2)
    train, test = D.train_test_split(ds, test_fraction=0.5, seed=0)
    assert 1 in train.y and 1 not in test.y


def test_split_seeding():
    ds = D.moons(n=100)
    a_train, a_test = D.train_test_split(ds, seed=4)
    b_train, b_test = D.train_test_split(ds, seed=4)
    c_train, _ = D.train_test_split(ds, seed=5)
    np.testing.assert_array_equal(a_train.x, b_train.x)
    np.testing.assert_array_equal(a_test.y, b_test.y)
    assert sample_ids(a_train) != sample_ids(c_train)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"test_fraction": 0.0}, ValueError, r"expected test_fraction in \(0, 1\)"),
        ({"test_fraction": 1.0}, ValueError, r"expected test_fraction in \(0, 1\)"),
        ({"test_fraction": -0.2}, ValueError, "expected test_fraction"),
        ({"test_fraction": "0.2"}, TypeError, "expected test_fraction"),
        ({"seed": 1.5}, TypeError, "expected seed"),
    ],
)
def test_split_validation(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        D.train_test_split(D.moons(n=20), **kwargs)


def test_split_needs_enough_samples():
    with pytest.raises(ValueError, match="expected at least 2 samples"):
        D.train_test_split(D.sine(n=1))
    lonely = D.Dataset("lonely", np.eye(2), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match="2 or more samples"):
        D.train_test_split(lonely)
    with pytest.raises(TypeError, match="expected dataset to be a mlp_lib.datasets.Dataset"):
        D.train_test_split((np.zeros((2, 4)), np.zeros(4)))


def test_split_two_samples_regression():
    train, test = D.train_test_split(D.sine(n=2), test_fraction=0.9)
    assert (train.m, test.m) == (1, 1)


# ----------------------------------------------------------------------
# standardize
# ----------------------------------------------------------------------
def test_standardize_uses_training_statistics():
    train, test = D.train_test_split(D.blobs(n=200, classes=4, seed=2), seed=0)
    s_train, s_test = D.standardize(train, test)
    np.testing.assert_allclose(s_train.x.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(s_train.x.std(axis=1), 1.0)
    mu = train.x.mean(axis=1, keepdims=True)
    sd = train.x.std(axis=1, keepdims=True)
    np.testing.assert_allclose(s_test.x, (test.x - mu) / sd)
    np.testing.assert_array_equal(s_train.y, train.y)
    np.testing.assert_array_equal(s_test.y, test.y)
    assert (s_train.name, s_test.name, s_test.n_classes) == (train.name, test.name, 4)


def test_standardize_constant_feature_is_only_centred():
    train = D.Dataset("c", np.array([[3.0, 3.0, 3.0], [0.0, 1.0, 2.0]]), np.zeros((1, 3)), 0)
    test = D.Dataset("c", np.array([[5.0], [1.0]]), np.zeros((1, 1)), 0)
    s_train, s_test = D.standardize(train, test)
    assert np.all(np.isfinite(s_train.x)) and np.all(np.isfinite(s_test.x))
    np.testing.assert_array_equal(s_train.x[0], 0.0)
    assert s_test.x[0, 0] == 2.0


def test_standardize_digits_has_no_nan_and_leaves_inputs_alone():
    train, test = D.train_test_split(D.digits(), seed=0)
    before = train.x.copy()
    s_train, s_test = D.standardize(train, test)
    assert np.all(np.isfinite(s_train.x)) and np.all(np.isfinite(s_test.x))
    np.testing.assert_array_equal(train.x, before)


def test_standardize_validation():
    with pytest.raises(ValueError, match="same number of features"):
        D.standardize(D.moons(n=10), D.sine(n=10))
    with pytest.raises(TypeError, match="expected test to be"):
        D.standardize(D.moons(n=10), np.zeros((2, 3)))
