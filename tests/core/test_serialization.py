"""Tests for mlp_lib.serialization: bit-exact round trips, file naming, atomic writes, bad files."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

import mlp_lib
from mlp_lib import serialization as S

BAD = "expected a mlp_lib model file"

ARCHITECTURES = [
    dict(layer_sizes=[2, 1], hidden=[], output="identity", loss="mse"),
    dict(layer_sizes=[3, 5, 4], hidden="tanh", output="softmax", loss="cce"),
    dict(layer_sizes=[4, 6, 5, 3], hidden=["relu", "sigmoid"], output="sigmoid", loss="bce"),
    dict(layer_sizes=[1, 8, 8, 8, 2], hidden="relu", output="identity", loss="mse"),
    dict(layer_sizes=[3, 4, 2], hidden="identity", output="softmax", loss="cce", fused=False),
]


def params(model):
    return [model.W[j] for j in range(1, model.J + 1)] + [model.b[j] for j in range(1, model.J + 1)]


def assert_same_model(a, b):
    assert a.config() == b.config()
    assert len(params(a)) == len(params(b))
    for p, q in zip(params(a), params(b)):
        assert p.dtype == q.dtype
        assert p.shape == q.shape
        assert np.array_equal(p, q)
        assert p.tobytes() == q.tobytes()  # bit-exact, signed zeros included


def batch(model, m=7, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(model.sizes[0], m))
    n = model.sizes[-1]
    if model.loss.name == "cce":
        y = rng.integers(0, n, size=m)
    elif model.loss.name == "bce":
        y = rng.integers(0, 2, size=(n, m)).astype(float)
    else:
        y = rng.normal(size=(n, m))
    return x, y


def rewrite(path, **changes):
    """Copy of a saved model file with some arrays replaced (None deletes one)."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    for key, value in changes.items():
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    out = Path(path).with_name("tampered.npz")
    np.savez(out, **arrays)
    return out


@pytest.fixture
def saved(tmp_path):
    model = mlp_lib.MLP([3, 5, 2], hidden="tanh", output="softmax", loss="cce", seed=4)
    return model, S.save(model, tmp_path / "model.npz")


# ----------------------------------------------------------------------
# Round trips
# ----------------------------------------------------------------------
@pytest.mark.parametrize("arch", ARCHITECTURES, ids=lambda a: "-".join(map(str, a["layer_sizes"])) + a["loss"])
def test_round_trip_is_bit_exact(tmp_path, arch):
    model = mlp_lib.MLP(**arch, seed=11)
    path = S.save(model, tmp_path / "m.npz")
    loaded = S.load(path)
    assert isinstance(loaded, mlp_lib.MLP)
    assert_same_model(model, loaded)
    x, _ = batch(model)
    np.testing.assert_array_equal(model.output(x), loaded.output(x))
    np.testing.assert_array_equal(model.predict(x), loaded.predict(x))


@pytest.mark.parametrize("arch", ARCHITECTURES, ids=lambda a: "-".join(map(str, a["layer_sizes"])) + a["loss"])
def test_round_trip_after_training_and_training_continues_identically(tmp_path, arch):
    model = mlp_lib.MLP(**arch, seed=2)
    x, y = batch(model, m=20, seed=1)
    mlp_lib.train(model, x, y, epochs=3, learning_rate=0.1, batch_size=8, seed=0)
    assert not np.array_equal(model.W[1], mlp_lib.MLP(**arch, seed=2).W[1])  # it did train
    loaded = S.load(S.save(model, tmp_path / "trained"))
    assert_same_model(model, loaded)
    np.testing.assert_array_equal(model.output(x), loaded.output(x))
    # the loaded model is a full model: both continue training to the same weights
    mlp_lib.train(model, x, y, epochs=2, learning_rate=0.1, batch_size=8, seed=9)
    mlp_lib.train(loaded, x, y, epochs=2, learning_rate=0.1, batch_size=8, seed=9)
    assert_same_model(model, loaded)


def test_loaded_weights_are_independent_of_the_original(tmp_path, saved):
    model, path = saved
    loaded = S.load(path)
    loaded.W[1][0, 0] += 1.0
    assert loaded.W[1][0, 0] != model.W[1][0, 0]
    assert loaded.W[1].flags.writeable


def test_special_float_values_survive(tmp_path):
    model = mlp_lib.MLP([2, 3, 1], seed=0)
    model.W[1][0, 0] = -0.0
    model.W[1][0, 1] = 5e-324  # smallest subnormal
    model.W[2][0, 0] = np.nextafter(1.0, 2.0)
    assert_same_model(model, S.load(S.save(model, tmp_path / "special")))


# ----------------------------------------------------------------------
# File names and atomic writes
# ----------------------------------------------------------------------
@pytest.mark.parametrize("as_path", [str, Path])
def test_npz_suffix_rule_is_shared_by_save_and_load(tmp_path, as_path):
    model = mlp_lib.MLP([2, 3, 1], seed=0)
    written = S.save(model, as_path(tmp_path / "net"))
    assert written == tmp_path / "net.npz"
    assert sorted(os.listdir(tmp_path)) == ["net.npz"]
    for name in ("net", "net.npz"):
        assert_same_model(model, S.load(as_path(tmp_path / name)))
    assert S.save(model, as_path(tmp_path / "b.npz")) == tmp_path / "b.npz"
    assert S.save(model, tmp_path / "c.weights") == tmp_path / "c.weights.npz"
    assert S.model_path("x.npz") == Path("x.npz") and S.model_path("x") == Path("x.npz")


def test_overwrite_replaces_and_leaves_no_temp_files(tmp_path):
    a = mlp_lib.MLP([2, 3, 1], seed=0)
    b = mlp_lib.MLP([2, 4, 4, 1], seed=1)
    S.save(a, tmp_path / "m")
    S.save(b, tmp_path / "m")
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]
    assert_same_model(b, S.load(tmp_path / "m"))


def test_failed_save_leaves_nothing_half_written(tmp_path, monkeypatch):
    old = mlp_lib.MLP([2, 3, 1], seed=0)
    S.save(old, tmp_path / "m")
    before = (tmp_path / "m.npz").read_bytes()

    def broken_savez(file, **arrays):
        file.write(b"PK\x03\x04 partial")
        raise OSError("disk full")

    monkeypatch.setattr(S.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        S.save(mlp_lib.MLP([2, 5, 1], seed=1), tmp_path / "m")
    with pytest.raises(OSError, match="disk full"):
        S.save(old, tmp_path / "fresh")
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]  # no temp file, no "fresh.npz"
    assert (tmp_path / "m.npz").read_bytes() == before


def test_save_validation(tmp_path):
    with pytest.raises(
        TypeError,
        match=r"^save: expected model to be an mlp_lib.MLP, got \{'W1': array\(\[\[0., 0.\], \[0., 0.\]\]\)\}$",
    ):
        S.save({"W1": np.zeros((2, 2))}, tmp_path / "m")
    with pytest.raises(TypeError, match=r"^load: expected path to be a str or os.PathLike, got None$"):
        S.load(None)
    with pytest.raises(TypeError, match=r"^save: expected path to be a str or os.PathLike, got 42$"):
        S.save(mlp_lib.MLP([2, 1]), 42)
    with pytest.raises(FileNotFoundError, match="no-such-folder"):
        S.save(mlp_lib.MLP([2, 1]), tmp_path / "no-such-folder" / "m")
    model = mlp_lib.MLP([2, 3, 1])
    model.W[2] = np.zeros((3, 1))
    with pytest.raises(ValueError, match="expected W2"):
        S.save(model, tmp_path / "m")
    model = mlp_lib.MLP([2, 3, 1])
    model.b[1][0, 0] = np.nan
    with pytest.raises(ValueError, match="expected finite weights"):
        S.save(model, tmp_path / "m")
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------
# No pickle
# ----------------------------------------------------------------------
def test_file_is_plain_npz_readable_without_pickle(saved):
    model, path = saved
    with np.load(path, allow_pickle=False) as f:
        assert set(f.files) == {"format", "config", "W1", "b1", "W2", "b2"}
        assert f["format"].shape == () and f["format"].dtype.kind == "U"
        assert str(f["format"]) == S.FORMAT
        assert json.loads(str(f["config"])) == model.config()
        np.testing.assert_array_equal(f["W2"], model.W[2])
        assert all(f[k].dtype != object for k in f.files)


def test_load_never_unpickles(tmp_path, monkeypatch):
    model = mlp_lib.MLP([2, 3, 1])
    path = S.save(model, tmp_path / "m")

    def forbidden(*args, **kwargs):
        raise AssertionError("pickle must not be used")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "dump", forbidden)
    monkeypatch.setattr(pickle, "dumps", forbidden)
    assert_same_model(model, S.load(S.save(model, path)))


# ----------------------------------------------------------------------
# Bad files
# ----------------------------------------------------------------------
def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing-here.npz"):
        S.load(tmp_path / "nothing-here")


def test_a_folder_is_not_a_model(tmp_path):
    (tmp_path / "dir.npz").mkdir()
    with pytest.raises(FileNotFoundError):
        S.load(tmp_path / "dir.npz")


@pytest.mark.parametrize("cut", ["empty", "header", "half", "last-byte"])
def test_truncated_file(saved, cut):
    _, path = saved
    data = path.read_bytes()
    keep = {"empty": 0, "header": 10, "half": len(data) // 2, "last-byte": len(data) - 1}[cut]
    path.write_bytes(data[:keep])
    with pytest.raises(ValueError, match=BAD):
        S.load(path)


def test_corrupted_member(saved):
    _, path = saved
    data = bytearray(path.read_bytes())
    start = data.index(b"W1.npy")  # the first bytes of W1's member; flip some bytes well inside it
    for i in range(start + 200, start + 210):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=BAD):
        S.load(path)


def test_foreign_npz(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, a=np.arange(3), b=np.eye(2))
    with pytest.raises(ValueError, match=BAD + ".*without 'format'"):
        S.load(path)


@pytest.mark.parametrize(
    "content",
    [b"", b"hello, I am text\n", pickle.dumps({"W1": [1, 2]}), b"\x93NUMPY garbage"],
    ids=["empty", "text", "pickle", "fake-npy"],
)
def test_not_an_npz_file(tmp_path, content):
    path = tmp_path / "m.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=BAD):
        S.load(path)


def test_npy_file_under_npz_name(tmp_path):
    path = tmp_path / "m.npz"
    with open(path, "wb") as fh:
        np.save(fh, np.zeros((2, 2)))
    with pytest.raises(ValueError, match=BAD + ".*single .npy"):
        S.load(path)


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"W1": np.zeros((5, 4))}, "W1 of dtype float64 and shape"),
        ({"b2": np.zeros(2)}, "b2 of dtype"),
        ({"W2": np.zeros((2, 5), dtype=np.int64)}, "W2 of dtype int64"),
        ({"W1": np.full((5, 3), np.inf)}, "NaN or inf in W1"),
        ({"b2": None}, r"missing \['b2'\]"),
        ({"W3": np.zeros((1, 2))}, r"unexpected \['W3'\]"),
        ({"format": np.array("mlp_lib-model-v2")}, "format 'mlp_lib-model-v2'"),
        ({"format": np.array(["mlp_lib-model-v1"])}, "not a 0-d string"),
        ({"format": None}, "without 'format'"),
        ({"config": None}, "without 'config'"),
        ({"config": np.array("{not json")}, "not JSON"),
        ({"config": np.array("[1, 2]")}, "a config with keys"),
        ({"config": np.array(b"bytes")}, "not a 0-d string"),
    ],
)
def test_tampered_arrays(saved, changes, match):
    _, path = saved
    with pytest.raises(ValueError, match=BAD + ".*" + match):
        S.load(rewrite(path, **changes))


def _config_change(**changes):
    config = {"layer_sizes": [3, 5, 2], "hidden": ["tanh"], "output": "softmax", "loss": "cce", "fused": True}
    config.update(changes)
    return config


@pytest.mark.parametrize(
    "config, match",
    [
        (_config_change(layer_sizes=[3, 6, 2]), "W1 of dtype float64 and shape"),  # shapes no longer fit
        (_config_change(layer_sizes=[3, 5, 2, 2], hidden=["tanh", "tanh"]), "missing"),
        (_config_change(output="sigmoid"), "MLP refuses"),  # cce needs softmax
        (_config_change(hidden=["softmax"]), "MLP refuses"),
        (_config_change(hidden=["swish"]), "MLP refuses"),
        (_config_change(hidden=[3]), "MLP refuses"),
        (_config_change(layer_sizes=[3, 5.5, 2]), "MLP refuses"),
        (_config_change(layer_sizes=[3, 0, 2]), "MLP refuses"),
        (_config_change(layer_sizes="352"), "layer_sizes"),
        (_config_change(fused="yes"), "fused"),
        (_config_change(seed=3), "a config with keys"),
        ({"layer_sizes": [3, 5, 2]}, "a config with keys"),
    ],
)
def test_tampered_config(saved, config, match):
    _, path = saved
    with pytest.raises(ValueError, match=BAD + ".*" + match):
        S.load(rewrite(path, config=np.array(json.dumps(config))))


def test_untampered_rewrite_still_loads(saved):
    """The tampering helper itself keeps a good file good (so the tests above test the change)."""
    model, path = saved
    assert_same_model(model, S.load(rewrite(path)))
    config = _config_change()
    assert config == model.config()
    assert_same_model(model, S.load(rewrite(path, config=np.array(json.dumps(config)))))
