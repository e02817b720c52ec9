"""Saving and loading a trained :class:`~mlp_lib.MLP` — NumPy's ``.npz`` format, never pickle.

A model file is an uncompressed ``.npz`` of the 0-d strings ``format`` and ``config`` (``model.config()`` as JSON)
and ``W1``, ``b1``, … (w^j, b^j). :func:`load` reads it with ``np.load(allow_pickle=False)`` and its header limit,
after checking what a hostile file could abuse, before any weight array is allocated: size, zip entries (end record),
member names, sizes and compression, the config's limits, and every ``.npy`` header against the config.
"""

import io
import json
import math
import os
import re
import secrets
import struct
import zipfile
from pathlib import Path

import numpy as np

from .mlp import MLP
from .validation import InstanceOf, check, positive_int

FORMAT = "mlp_lib-model-v1"  #: written into every model file; bump the version when the layout changes
MAX_LAYERS = 100  #: most layers J a model file may describe
MAX_UNITS = 100_000  #: most units in any one layer (inputs included)
MAX_PARAMETERS = 10_000_000  #: most weights and biases in all (80 MB in float64)
MAX_CONFIG_CHARS = 4096  #: longest config JSON; a config within the limits above needs about 2,200
MAX_FILE_BYTES = 8 * MAX_PARAMETERS + 2**20  #: MAX_PARAMETERS float64 values plus room for headers
MAX_MEMBERS = 2 + 2 * MAX_LAYERS  #: format, config, and W^j, b^j of each layer

_HEADER_LIMIT = 4096  # NumPy's max_header_size for our members (a weight's header is 128 bytes)
_MEMBER = re.compile(r"(format|config|[Wb][1-9][0-9]{0,5})\.npy")
_END = struct.Struct("<4s4H2LH")  # the zip's end-of-central-directory record
_KEYS = {"layer_sizes", "hidden", "output", "loss", "fused"}


def model_path(path, caller: str = "model_path") -> Path:
    """The file :func:`save` writes and :func:`load` reads: ``path`` with ``".npz"`` appended unless it ends in it."""
    (path,) = check(caller, {"path": path}, {"path": InstanceOf((str, os.PathLike), "a str or os.PathLike")})
    path = Path(os.fspath(path))
    if path.name in ("", ".", ".."):
        raise ValueError(f"{caller}: expected path to name a file, got the folder {str(path)!r}")
    return path if path.name.endswith(".npz") else path.with_name(path.name + ".npz")


def _check_limits(sizes: list) -> list:
    """``sizes`` after checking MAX_LAYERS, MAX_UNITS and MAX_PARAMETERS (ValueError otherwise)."""
    if len(sizes) - 1 > MAX_LAYERS:
        raise ValueError(f"expected at most MAX_LAYERS = {MAX_LAYERS} layers, got {len(sizes) - 1}")
    if max(sizes) > MAX_UNITS:
        raise ValueError(f"expected at most MAX_UNITS = {MAX_UNITS:,} units per layer, got {max(sizes):,}")
    count = sum(n * (m + 1) for m, n in zip(sizes, sizes[1:]))
    if count > MAX_PARAMETERS:
        raise ValueError(f"expected at most MAX_PARAMETERS = {MAX_PARAMETERS:,} weights and biases, got {count:,}")
    return sizes


def save(model, path) -> Path:
    """Write ``model`` (within the limits above) to ``path`` (see :func:`model_path`); return the file written.

    Serialised in memory, written to a new ``.<name>.<random>.tmp`` beside it, moved over it (:func:`os.replace`):
    never half-written, its permissions kept (new: 0o666 less the umask, never changed here); nothing else deleted."""
    check("save", {"model": model}, {"model": InstanceOf(MLP, "an mlp_lib.MLP")})
    target = model_path(path, "save")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"expected an existing folder for {str(target)!r}, got none at {str(target.parent)!r}")
    sizes = _check_limits(list(model.sizes))
    for key, arr in model.parameters().items():
        shape = (sizes[int(key[1:])], sizes[int(key[1:]) - 1] if key[0] == "W" else 1)
        if not (isinstance(arr, np.ndarray) and arr.shape == shape and arr.dtype.kind == "f"):
            raise ValueError(f"expected {key} to be a float array of shape {shape}, got {str(arr)[:60]}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"expected finite weights, got NaN or inf in {key}")
    buffer = io.BytesIO()  # in memory first: a save stopped while serialising leaves no file at all
    np.savez(buffer, format=np.array(FORMAT), config=np.array(json.dumps(model.config())), **model.parameters())
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # a new file; the system applies the umask
    try:
        with os.fdopen(fd, "wb") as fh:
            if target.exists():
                os.fchmod(fh.fileno(), target.stat().st_mode & 0o7777)
            fh.write(buffer.getbuffer())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def load(path) -> MLP:
    """Read a model written by :func:`save`: the same architecture and bit-identical weights.

    ``FileNotFoundError`` if there is no file; ``ValueError`` ("expected a mlp_lib model file …, got …")
    for anything else, found before any weight array is allocated except NaN/inf and bad CRCs."""
    target = model_path(path, "load")
    if not target.is_file():
        raise FileNotFoundError(f"expected a mlp_lib model file, got no file at {str(target)!r}")
    try:
        with open(target, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            _check(size <= MAX_FILE_BYTES, f"a file of {size:,} bytes, over MAX_FILE_BYTES = {MAX_FILE_BYTES:,}")
            _check(fh.read(6) != b"\x93NUMPY", "a single .npy array, not an .npz archive")
            fh.seek(max(0, size - _END.size - 0xFFFF))  # the zip's end record, after a comment of < 64 KB
            at = (tail := fh.read()).rfind(b"PK\x05\x06")
            _check(0 <= at <= len(tail) - _END.size, "no zip end record (not an .npz archive, or a truncated one)")
            n, size = _END.unpack_from(tail, at)[4:6]  # entries and directory bytes, before zipfile reads them
            _check(n <= MAX_MEMBERS and size <= 128 * MAX_MEMBERS, f"{n:,} members, over MAX_MEMBERS = {MAX_MEMBERS}")
            fh.seek(0)
            with np.load(fh, allow_pickle=False, max_header_size=_HEADER_LIMIT) as npz:
                return _read_model(npz)
    except _Refused as exc:
        got = str(exc)
    except ValueError as exc:
        got = f"a file NumPy cannot read without pickle ({exc})"
    except (OSError, EOFError, KeyError, NotImplementedError, RuntimeError, OverflowError, zipfile.BadZipFile) as exc:
        got = f"an unreadable or truncated archive ({type(exc).__name__}: {exc})"
    raise ValueError(f"expected a mlp_lib model file ({FORMAT}) at {str(target)!r}, got {got}")


class _Refused(Exception):
    """What a model file got wrong; :func:`load` turns it into "expected a mlp_lib model file …, got …"."""


def _check(ok, got: str) -> None:
    if not ok:
        raise _Refused(got)


def _header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shape=None) -> np.dtype:
    """The dtype of a member whose .npy header declares ``shape`` of floats (None: a 0-d string) and its size."""
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    name, key = info.filename, info.filename.removesuffix(".npy")
    with archive.open(info) as fp:
        try:
            got, _, dtype = readers[np.lib.format.read_magic(fp)](fp, max_header_size=_HEADER_LIMIT)
        except (ValueError, KeyError, TypeError, SyntaxError, RecursionError, MemoryError, EOFError) as exc:
            raise _Refused(f"member {name!r} with a damaged .npy header ({exc!r})") from None
        used = fp.tell()
    if shape is None:
        _check(got == () and dtype.kind == "U", f"{key!r} as a {dtype} array of shape {got}, not a 0-d string")
    else:
        _check(got == shape and dtype.kind == "f", f"{key} of dtype {dtype} and shape {got}, expected float {shape}")
    expected = used + math.prod(got) * dtype.itemsize
    wrong = f"member {name!r} of {info.file_size:,} bytes, expected {expected:,}"
    _check(info.file_size == expected, f"{wrong} for a {dtype} array of shape {got}")
    return dtype


def _read_model(npz) -> MLP:
    """The model of an open archive, checked from its directory on (names, compression, sizes) before reading."""
    names = [info.filename for info in npz.zip.infolist()]
    _check(len(set(names)) == len(names), f"the member(s) {sorted({n for n in names if names.count(n) > 1})} twice")
    for key in ("format", "config"):
        _check(f"{key}.npy" in names, f"an archive without {key!r} (members {sorted(names)})")
    unexpected = sorted(name for name in names if not _MEMBER.fullmatch(name))
    _check(not unexpected, f"unexpected member(s) {unexpected}; expected format.npy, config.npy, W1.npy, …")
    members = {info.filename.removesuffix(".npy"): info for info in npz.zip.infolist()}
    for key, info in members.items():  # stored (no small file inflates), unencrypted, within its size limit
        limit = MAX_FILE_BYTES if key[0] in "Wb" else _HEADER_LIMIT + 4 * MAX_CONFIG_CHARS  # '<U…': 4 bytes a char
        method = zipfile.compressor_names.get(info.compress_type, info.compress_type)
        size = f"member {info.filename!r} of {info.file_size:,} bytes"
        _check(info.compress_type == zipfile.ZIP_STORED, f"{size} compressed ({method}), not stored (ZIP_STORED)")
        _check(info.file_size <= limit, f"{size}, over the limit of {limit:,} bytes")
        _check(info.compress_size == info.file_size and not info.flag_bits & 1, f"{size} stored in fewer, or encrypted")
    for key, limit in (("format", 64), ("config", MAX_CONFIG_CHARS)):
        chars = _header(npz.zip, members[key]).itemsize // 4
        _check(chars <= limit, f"a {key} of {chars:,} characters, over the limit of {limit:,}")
    tag = str(npz["format"][()])
    _check(tag == FORMAT, f"format {tag!r}")
    try:  # at most MAX_CONFIG_CHARS; RecursionError: brackets nested deeper than Python's stack
        config = json.loads(str(npz["config"][()]))
    except (ValueError, RecursionError) as exc:
        raise _Refused(f"a config that is not JSON ({exc!r})") from None
    keys = sorted(config) if isinstance(config, dict) else type(config).__name__
    _check(isinstance(config, dict) and set(config) == _KEYS, f"a config with keys {keys}, expected {sorted(_KEYS)}")
    sizes, fused = config["layer_sizes"], config["fused"]
    _check(isinstance(fused, bool) and isinstance(sizes, list), f"config fused={fused!r}, layer_sizes={sizes!r:.50}")
    _check(len(sizes) <= MAX_LAYERS + 1, f"{len(sizes) - 1} layers, over the limit MAX_LAYERS = {MAX_LAYERS}")
    try:
        sizes = _check_limits([positive_int(n, f"layer_sizes[{i}]") for i, n in enumerate(sizes)])
        MLP([1] * len(sizes), **{k: v for k, v in config.items() if k != "layer_sizes"}, seed=0)  # names, pairing
    except (TypeError, ValueError) as exc:
        raise _Refused(f"a config MLP refuses, or one over the file limits ({exc})") from None
    shapes = {f"{p}{j}": (sizes[j], sizes[j - 1] if p == "W" else 1) for j in range(1, len(sizes)) for p in "Wb"}
    missing, extra = sorted(set(shapes) - set(members)), sorted(set(members) - {"format", "config", *shapes})
    _check(not missing and not extra, f"arrays missing {missing} and unexpected {extra} for {len(sizes) - 1} layer(s)")
    for key, shape in shapes.items():
        _header(npz.zip, members[key], shape)
    model = MLP(**config, seed=0)  # every check passed: the file holds exactly these arrays, within the limits
    for key in shapes:
        arr = npz[key]
        _check(np.all(np.isfinite(arr)), f"NaN or inf in {key}")
        (model.W if key[0] == "W" else model.b)[int(key[1:])] = arr
    return model
