"""ParameterVector: every w^j and b^j as views into one flat vector θ."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp_lib import MLP
from mlp_lib.parameters import ParameterVector


def test_layout_is_w1_b1_w2_b2_flattened():
    params = ParameterVector([3, 4, 2])
    assert params.theta.shape == (4 * 3 + 4 + 2 * 4 + 2,)
    assert [w.shape for w in params.W[1:]] == [(4, 3), (2, 4)]
    assert [b.shape for b in params.b[1:]] == [(4, 1), (2, 1)]
    assert params.W[0] is None and params.b[0] is None
    params.theta[:] = np.arange(params.theta.size)
    np.testing.assert_array_equal(params.W[1].ravel(), np.arange(12))
    np.testing.assert_array_equal(params.b[1].ravel(), np.arange(12, 16))
    np.testing.assert_array_equal(params.W[2].ravel(), np.arange(16, 24))
    np.testing.assert_array_equal(params.b[2].ravel(), np.arange(24, 26))


def test_views_write_through_to_theta():
    params = ParameterVector([2, 3, 1])
    params.theta[:] = 0.0
    params.W[2][0, 1] = 5.0
    params.b[1][2, 0] = -1.0
    assert np.count_nonzero(params.theta) == 2
    assert sorted(params.theta[params.theta != 0]) == [-1.0, 5.0]
    assert all(np.shares_memory(v, params.theta) for v in params.W[1:] + params.b[1:])


def test_load_copies_a_models_arrays_and_arrays_gives_independent_copies():
    model = MLP([3, 5, 2], hidden="tanh", seed=1)
    model.b[1] = np.random.default_rng(0).normal(size=(5, 1))
    params = ParameterVector(model.sizes).load(model.W, model.b)
    for j in (1, 2):
        np.testing.assert_array_equal(params.W[j], model.W[j])
        np.testing.assert_array_equal(params.b[j], model.b[j])
        assert not np.shares_memory(params.W[j], model.W[j])
    W, b = params.arrays()
    params.theta[:] = 0.0  # the copies must not follow
    for j in (1, 2):
        np.testing.assert_array_equal(W[j], model.W[j])
        np.testing.assert_array_equal(b[j], model.b[j])
        assert W[j].flags.owndata and b[j].flags.owndata


def test_load_refuses_wrong_shapes_and_layer_counts():
    model = MLP([3, 5, 2], seed=0)
    params = ParameterVector(model.sizes)
    W = list(model.W)
    W[2] = np.zeros((5, 2))
    with pytest.raises(ValueError, match=r"expected W\[2\] of shape \(2, 5\) for layer sizes \[3, 5, 2\], got shape \(5, 2\)"):
        params.load(W, model.b)
    with pytest.raises(ValueError, match=r"expected b to hold 2 layers, got 1"):
        params.load(model.W, model.b[:2])


def test_sum_is_the_sum_of_theta_and_shows_inf_and_nan():
    params = ParameterVector([4, 3, 2])
    params.theta[:] = np.random.default_rng(3).normal(size=params.theta.size)
    assert params.sum() == pytest.approx(float(np.sum(params.theta)), rel=1e-12)
    params.b[2][1, 0] = math.inf
    assert params.sum() == math.inf
    params.W[1][0, 0] = -math.inf
    with np.errstate(invalid="ignore"):  # inf − inf; training runs with NumPy's warnings off
        assert math.isnan(params.sum())
    params.theta[:] = 0.0
    params.W[2][0, 0] = math.nan
    assert math.isnan(params.sum())
