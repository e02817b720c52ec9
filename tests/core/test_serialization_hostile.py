"""Model files made to hurt: every damaged file is refused with a clear ValueError, quickly and
without allocating more than a few megabytes, and killed saves leave no temporary files behind.

The files are built by hand here (zipfile + numpy.lib.format), so each test names exactly what is
wrong with its file. Memory is measured with tracemalloc (NumPy reports its array buffers to it),
never with wall-clock time.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import struct
import subprocess
import sys
import textwrap
import time
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

import mlp_lib
from mlp_lib import serialization as S

BAD = "expected a mlp_lib model file"
MB = 2**20


# ----------------------------------------------------------------------
# building files by hand
def npy(arr) -> bytes:
    """A complete .npy member for ``arr``."""
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asanyarray(arr), allow_pickle=False)
    return buf.getvalue()


def npy_header(shape, dtype="<f8") -> bytes:
    """Only the .npy header of an array of ``shape``: the bytes it promises are not there."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": tuple(shape)})
    return buf.getvalue()


def config_of(layer_sizes, **changes):
    J = len(layer_sizes) - 1
    config = {
        "layer_sizes": list(layer_sizes),
        "hidden": ["tanh"] * (J - 1),
        "output": "identity",
        "loss": "mse",
        "fused": True,
    }
    config.update(changes)
    return config


def text_members(config) -> list:
    text = config if isinstance(config, str) else json.dumps(config)
    return [("format.npy", npy(np.array(S.FORMAT))), ("config.npy", npy(np.array(text)))]


def weight_members(layer_sizes, header_only=False) -> list:
    out = []
    for j in range(1, len(layer_sizes)):
        for key, shape in ((f"W{j}", (layer_sizes[j], layer_sizes[j - 1])), (f"b{j}", (layer_sizes[j], 1))):
            out.append((f"{key}.npy", npy_header(shape) if header_only else npy(np.zeros(shape))))
    return out


def write_zip(path, members, compression=zipfile.ZIP_STORED):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names
        with zipfile.ZipFile(path, "w", compression=compression) as z:
            for item in members:
                name, data = item[:2]
                method = item[2] if len(item) > 2 else compression
                z.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return path


def load_measured(path):
    """``(exception, peak bytes)`` of S.load(path), which must raise."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            S.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return str(info.value), peak


# ----------------------------------------------------------------------
# a big declared config in a tiny file
def test_limits_are_module_constants_a_saved_model_respects():
    assert S.MAX_LAYERS >= 10 and S.MAX_UNITS >= 1000 and S.MAX_PARAMETERS >= 1_000_000
    assert S.MAX_CONFIG_CHARS >= 2048 and S.MAX_FILE_BYTES >= 8 * S.MAX_PARAMETERS
    widest = mlp_lib.MLP([S.MAX_LAYERS // 2] * (S.MAX_LAYERS + 1), hidden="identity")
    assert len(json.dumps(widest.config())) < S.MAX_CONFIG_CHARS


@pytest.mark.parametrize(
    "layer_sizes, limit",
    [
        ([2, 14000, 14000, 3], "MAX_PARAMETERS = 10,000,000"),  # the 2.2 KB file that took 1.5 GB
        ([2, 5_000_000, 1], "MAX_UNITS = 100,000"),
        ([1] * 152, "151 layers, over the limit MAX_LAYERS = 100"),
    ],
    ids=["parameters", "units", "layers"],
)
def test_big_declared_config_in_a_tiny_file_is_refused_before_allocating(tmp_path, layer_sizes, limit):
    path = write_zip(tmp_path / "m.npz", text_members(config_of(layer_sizes)) + weight_members([2, 3, 3, 1]))
    assert path.stat().st_size < 40_000
    message, peak = load_measured(path)
    assert message.startswith(BAD) and limit in message, message
    assert peak < 2 * MB, peak


def test_config_within_limits_whose_arrays_are_not_in_the_file_is_refused_before_allocating(tmp_path):
    # 1,004,003 parameters (8 MB) declared by headers whose data is missing: the file is 2 KB
    sizes = [2, 1000, 1000, 3]
    path = write_zip(tmp_path / "m.npz", text_members(config_of(sizes)) + weight_members(sizes, header_only=True))
    assert path.stat().st_size < 4000
    message, peak = load_measured(path)
    assert (
        message.startswith(BAD)
        and "member 'W1.npy' of 128 bytes, expected 16,128 for a float64 array of shape (1000, 2)" in message
    ), message
    assert peak < 1 * MB, peak


def test_a_file_over_the_size_limit_is_refused_before_it_is_opened(tmp_path, monkeypatch):
    model = mlp_lib.MLP([30, 40, 2], seed=0)
    path = S.save(model, tmp_path / "m")
    monkeypatch.setattr(S, "MAX_FILE_BYTES", 5000)
    with pytest.raises(ValueError, match=BAD + r".*a file of [\d,]+ bytes, over MAX_FILE_BYTES = 5,000"):
        S.load(path)


def test_save_refuses_what_load_would_refuse(tmp_path, monkeypatch):
    monkeypatch.setattr(S, "MAX_PARAMETERS", 100)
    with pytest.raises(ValueError, match=r"expected at most MAX_PARAMETERS = 100 weights and biases, got 145"):
        S.save(mlp_lib.MLP([10, 11, 2], seed=0), tmp_path / "m")
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------
# compressed and oversized members
def test_deflate_bomb_is_refused_without_inflating(tmp_path):
    # 32 MB of zeros behind a header that promises them, compressed to about 32 KB, in a model of 17 weights
    bomb = npy(np.zeros((2000, 2000)))
    members = text_members(config_of([3, 5, 2])) + weight_members([3, 5, 2])
    members[2] = ("W1.npy", bomb, zipfile.ZIP_DEFLATED)
    path = write_zip(tmp_path / "m.npz", members)
    assert path.stat().st_size < 100_000
    message, peak = load_measured(path)
    assert "member 'W1.npy' of 32,000,128 bytes compressed (deflate)" in message and "ZIP_STORED" in message, message
    assert peak < 1 * MB, peak


def test_a_compressed_but_otherwise_valid_model_is_refused_naming_the_member(tmp_path):
    model = mlp_lib.MLP([3, 5, 2], seed=1)
    path = tmp_path / "m.npz"
    np.savez_compressed(
        path, format=np.array(S.FORMAT), config=np.array(json.dumps(model.config())), **model.parameters()
    )
    with pytest.raises(
        ValueError, match=BAD + r".*member '\w+\.npy' of [\d,]+ bytes compressed \(deflate\), not stored"
    ):
        S.load(path)


def test_a_member_whose_directory_entry_lies_about_its_size_is_refused(tmp_path):
    model = mlp_lib.MLP([3, 5, 2], seed=1)
    path = S.save(model, tmp_path / "m")
    data = bytearray(path.read_bytes())
    # the central directory entry of W1.npy: its uncompressed size (offset 24) claims 2 GB
    for start in range(data.index(b"PK\x01\x02"), len(data)):
        if data[start : start + 4] == b"PK\x01\x02" and data[start + 46 : start + 52] == b"W1.npy":
            data[start + 24 : start + 28] = struct.pack("<I", 2**31)
            break
    else:
        raise AssertionError("no directory entry for W1.npy")
    path.write_bytes(bytes(data))
    message, peak = load_measured(path)
    assert message.startswith(BAD) and "member 'W1.npy' of 2,147,483,648 bytes, over the limit" in message, message
    assert peak < 1 * MB


# ----------------------------------------------------------------------
# nested and oversized JSON
@pytest.mark.parametrize(
    "config, match",
    [
        ("[" * 1500 + "]" * 1500, r"a config that is not JSON \(RecursionError"),
        ('{"layer_sizes": ' + "[" * 100 + "]" * 100 + "}", r"a config with keys \['layer_sizes'\], expected"),
        ("[" * 100_000, r"member 'config.npy' of [\d,]+ bytes, over the limit of [\d,]+ bytes"),
        (
            json.dumps(config_of([3, 5, 2], output="identity" + " " * 4500)),
            "a config of [\\d,]+ characters, over the limit of 4,096",
        ),
    ],
    ids=["deep-list", "deep-inside-object", "huge", "long"],
)
def test_nested_or_oversized_config_json_is_a_clear_error(tmp_path, config, match):
    path = write_zip(tmp_path / "m.npz", text_members(config) + weight_members([3, 5, 2]))
    message, peak = load_measured(path)
    assert message.startswith(BAD), message
    assert re.search(match, message), message
    assert peak < 4 * MB


# ----------------------------------------------------------------------
# wrong member names
@pytest.mark.parametrize(
    "extra, match",
    [
        ("evil.npy", r"unexpected member\(s\) \['evil.npy'\]"),
        ("../W1.npy", r"unexpected member\(s\) \['../W1.npy'\]"),
        ("W01.npy", r"unexpected member\(s\) \['W01.npy'\]"),
        ("W1", r"unexpected member\(s\) \['W1'\]"),
        ("W1.npy", r"the member\(s\) \['W1.npy'\] twice"),
    ],
    ids=["other", "path", "leading-zero", "no-suffix", "duplicate"],
)
def test_wrong_member_names_are_refused_before_their_arrays_are_read(tmp_path, extra, match):
    # the extra member declares a 32 MB array it does not hold: only its name may be looked at
    members = text_members(config_of([3, 5, 2])) + weight_members([3, 5, 2]) + [(extra, npy_header((4000, 1000)))]
    path = write_zip(tmp_path / "m.npz", members)
    message, peak = load_measured(path)
    assert message.startswith(BAD) and re.search(match, message), message
    assert peak < 1 * MB, peak


# ----------------------------------------------------------------------
# shapes that do not fit the config
@pytest.mark.parametrize(
    "member, header, match",
    [
        ("W1.npy", npy_header((2000, 2000)), r"W1 of dtype float64 and shape \(2000, 2000\), expected float \(5, 3\)"),
        (
            "b2.npy",
            npy_header((2, 4_000_000)),
            r"b2 of dtype float64 and shape \(2, 4000000\), expected float \(2, 1\)",
        ),
    ],
    ids=["W1-huge", "b2-huge"],
)
def test_declared_shape_that_does_not_fit_the_config_is_refused_before_allocating(tmp_path, member, header, match):
    members = [
        (n, header if n == member else d) for n, d in text_members(config_of([3, 5, 2])) + weight_members([3, 5, 2])
    ]
    path = write_zip(tmp_path / "m.npz", members)
    message, peak = load_measured(path)
    assert message.startswith(BAD) and re.search(match, message), message
    assert peak < 1 * MB, peak


def test_member_with_bytes_beyond_its_array_is_refused(tmp_path):
    members = text_members(config_of([3, 5, 2])) + weight_members([3, 5, 2])
    members[2] = ("W1.npy", members[2][1] + b"\0" * 64)
    path = write_zip(tmp_path / "m.npz", members)
    with pytest.raises(
        ValueError, match=BAD + r".*member 'W1.npy' of 312 bytes, expected 248 for a float64 array of shape \(5, 3\)"
    ):
        S.load(path)


# ----------------------------------------------------------------------
# killed saves
INTERRUPTED_SAVE = textwrap.dedent(
    """
    import os, signal, sys, time
    import mlp_lib
    from mlp_lib import serialization as S

    def interrupted_savez(file, **arrays):
        file.write(b"PK\\x03\\x04 half a model")
        file.flush()
        if sys.argv[2] == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        print("writing", flush=True)
        time.sleep(120)  # a slow save, still running

    S.np.savez = interrupted_savez
    S.save(mlp_lib.MLP([2, 7, 1], seed=5), sys.argv[1])
    """
)


def temp_files(folder) -> set:
    return {name for name in os.listdir(folder) if name.endswith(".tmp")}


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
@pytest.mark.parametrize("next_call", ["save", "load"])
def test_a_killed_save_leaves_no_file_and_the_next_call_deletes_nothing(tmp_path, next_call):
    """A save serialises in memory before it creates its temporary file: killed (or still running)
    while serialising, it leaves nothing; the next save or load touches no file but its own."""
    old = mlp_lib.MLP([2, 3, 1], seed=0)
    path = S.save(old, tmp_path / "m")
    before = path.read_bytes()
    running = subprocess.Popen([sys.executable, "-c", INTERRUPTED_SAVE, str(path), "hang"], stdout=subprocess.PIPE)
    try:
        assert running.stdout.readline() == b"writing\n"
        killed = subprocess.run(
            [sys.executable, "-c", INTERRUPTED_SAVE, str(path), "die"], capture_output=True, timeout=120
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
        assert sorted(os.listdir(tmp_path)) == ["m.npz"] and path.read_bytes() == before
        # files that look like temporary files of this target, or of another, are the user's
        others = {".m.npz.a1b2c3d4.tmp", ".m.npz.saving-0000abcd-99999-xyz.tmp", ".other.npz.abcdefgh.tmp", "notes.tmp"}
        for name in others:
            (tmp_path / name).write_bytes(b"not the save's")
        os.utime(tmp_path / ".m.npz.a1b2c3d4.tmp", (time.time() - 2 * 86400,) * 2)  # two days old
        if next_call == "save":
            S.save(mlp_lib.MLP([2, 4, 1], seed=1), path)
        else:
            np.testing.assert_array_equal(S.load(path).W[1], old.W[1])
        assert temp_files(tmp_path) == others
    finally:
        running.kill()
        running.wait(timeout=60)


def test_load_keeps_a_users_file_named_like_a_temporary_file(tmp_path):
    path = S.save(mlp_lib.MLP([2, 3, 1], seed=0), tmp_path / "net")
    backup = tmp_path / ".net.npz.backup01.tmp"
    backup.write_bytes(b"the user's backup")
    S.load(tmp_path / "net")
    S.save(mlp_lib.MLP([2, 3, 1], seed=1), path)
    assert backup.read_bytes() == b"the user's backup"


def test_save_never_touches_the_umask_and_new_files_get_the_usual_mode(tmp_path, monkeypatch):
    """Setting the umask for a moment would make another thread's new files world-writable."""
    old = os.umask(0o027)
    try:

        def forbidden(*args):
            raise AssertionError("save must not change the process umask")

        monkeypatch.setattr(os, "umask", forbidden)
        path = S.save(mlp_lib.MLP([2, 3, 1], seed=0), tmp_path / "m")
        assert path.stat().st_mode & 0o777 == 0o640  # 0o666 less the umask 0o027, as open() gives
        path.chmod(0o600)
        S.save(mlp_lib.MLP([2, 3, 1], seed=1), path)
        assert path.stat().st_mode & 0o777 == 0o600  # a replaced file keeps its permissions
    finally:
        monkeypatch.undo()
        os.umask(old)


def test_a_zip_directory_of_many_entries_is_refused_before_it_is_parsed(tmp_path):
    """The hostile case: a file that is only a zip directory of very many entries. Its entry count is
    read from the end record, so zipfile never builds a ZipInfo for any of them."""
    n = 60_000
    entry = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0) + b"W1.npy"
    directory = entry * n
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, len(directory), 0, 0)
    path = tmp_path / "m.npz"
    path.write_bytes(directory + end)
    assert path.stat().st_size > 3_000_000
    message, peak = load_measured(path)
    assert message.startswith(BAD) and f"{n:,} members, over MAX_MEMBERS = {S.MAX_MEMBERS}" in message, message
    assert peak < 1 * MB, peak
