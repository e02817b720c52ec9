"""Saving and loading a trained :class:`~mlp_lib.MLP` — NumPy's ``.npz`` format, never pickle.

A model file is an uncompressed ``.npz`` archive (:func:`numpy.savez`) holding::

    "format"        0-d unicode array  "mlp_lib-model-v1"
    "config"        0-d unicode array  json.dumps(model.config())  (architecture, not weights)
    "W1", "b1", …   w^j (n_j, n_{j−1}) and b^j (n_j, 1) for j = 1 … J, dtype as in the model

Nothing in it is a Python object, so :func:`load` never unpickles: opening a
model file from someone else can never run code. Loading rebuilds
``MLP(**config)`` and sets its weights; the round trip is bit-exact (same
values, same dtype).

**Files from strangers.** A model file may be damaged or hostile, so
:func:`load` reads it in two passes. The first reads only the zip directory,
the small ``format`` and ``config`` members and the ``.npy`` headers of the
weights (:func:`numpy.lib.format.read_magic` and ``read_array_header_*``),
and checks, without allocating any weight array or building the model:

* the file size (at most :data:`MAX_FILE_BYTES`) and that every member is
  stored uncompressed (``ZIP_STORED``), so a small file can never inflate to
  a large one;
* the member names (``format.npy``, ``config.npy``, ``W1.npy``, ``b1.npy``, …);
* the config: at most :data:`MAX_CONFIG_CHARS` characters nested at most
  :data:`MAX_CONFIG_DEPTH` deep, and an architecture within :data:`MAX_LAYERS`
  layers, :data:`MAX_UNITS` units per layer and :data:`MAX_PARAMETERS`
  weights and biases in all;
* that every array's declared shape and dtype fit the config and that its
  member holds exactly that many bytes, which the file must really contain.

Only then does the second pass build the model and read the arrays. Every
refusal is a ``ValueError`` that names the member and the limit.

**File name.** :func:`numpy.savez` appends ``".npz"`` to a name that does not
end in it. Both :func:`save` and :func:`load` apply that same rule, so
``save(model, "net")`` writes ``net.npz`` and ``load("net")`` reads it back;
:func:`save` returns the path it actually wrote.

**Temporary files.** :func:`save` writes ``.<name>.saving-<host>-<pid>-<random>.tmp``
next to the target and moves it over the target only once complete. A save
killed mid-write (``kill -9``, a power cut) leaves that file behind; the next
:func:`save` or :func:`load` of the same target removes it once its writer is
gone (that process no longer runs on this machine, or the file is older than
:data:`STALE_TEMP_SECONDS`).
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import socket
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .mlp import MLP
from .validation import positive_int

__all__ = [
    "FORMAT",
    "MAX_CONFIG_CHARS",
    "MAX_CONFIG_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_LAYERS",
    "MAX_PARAMETERS",
    "MAX_UNITS",
    "STALE_TEMP_SECONDS",
    "load",
    "model_path",
    "parse_json_limited",
    "save",
]

#: format tag written into every model file; bump the version when the layout changes
FORMAT = "mlp_lib-model-v1"

#: most layers J (weight matrices) a model file may describe
MAX_LAYERS = 100
#: most units in any one layer (inputs included)
MAX_UNITS = 100_000
#: most weights and biases in all (10 million: 80 MB in float64)
MAX_PARAMETERS = 10_000_000
#: longest config JSON (characters); a config within the limits above needs about 2,200
MAX_CONFIG_CHARS = 4096
#: deepest nesting of lists/objects in the config JSON (a config needs 2)
MAX_CONFIG_DEPTH = 4
#: largest model file: the weights of MAX_PARAMETERS in float64 plus room for headers
MAX_FILE_BYTES = 8 * MAX_PARAMETERS + 2**20
#: a temporary file of another machine, or of a save whose process cannot be checked, counts as
#: abandoned once it is this old
STALE_TEMP_SECONDS = 600.0

_CONFIG_KEYS = {"layer_sizes", "hidden", "output", "loss", "fused"}
_TEXT_KEYS = ("format", "config")
_MEMBER = re.compile(r"(format|config|[Wb][1-9][0-9]{0,5})\.npy")
_MAX_NPY_HEADER = 4096  # a weight's .npy header is 128 bytes; anything far longer is not ours
_TEXT_MEMBER_BYTES = _MAX_NPY_HEADER + 16 + 4 * MAX_CONFIG_CHARS  # 0-d '<U…' arrays: 4 bytes a character


def model_path(path) -> Path:
    """The file :func:`save` writes and :func:`load` reads for ``path``: ``path`` with ``".npz"`` appended unless it ends in it."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"expected path to be a str or os.PathLike, got {type(path).__name__}")
    path = Path(os.fspath(path))
    if path.name in ("", ".", ".."):
        raise ValueError(f"expected a file name, got the folder {str(path)!r}")
    return path if path.name.endswith(".npz") else path.with_name(path.name + ".npz")


def _bad_file(path: Path, got: str) -> ValueError:
    return ValueError(f"expected a mlp_lib model file ({FORMAT}) at {str(path)!r}, got {got}")


# ----------------------------------------------------------------------
# JSON with limits
# ----------------------------------------------------------------------
def parse_json_limited(text: str, *, max_chars: int, max_depth: int, what: str = "JSON"):
    """``json.loads(text)`` after checking its length and nesting depth.

    Raises ``ValueError`` ("expected …, got …") for text longer than
    ``max_chars``, lists/objects nested deeper than ``max_depth``, and
    anything :func:`json.loads` refuses (invalid JSON, integers too long to
    convert). The depth is counted by a flat scan before parsing, so no input
    reaches the recursive parser deep enough to raise ``RecursionError``.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected {what} as a str, got {type(text).__name__}")
    if len(text) > max_chars:
        raise ValueError(f"expected {what} of at most {max_chars} characters, got {len(text)}")
    depth = deepest = 0
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > max_depth:
                    raise ValueError(
                        f"expected {what} nested at most {max_depth} levels deep, got {deepest} levels at character {i}"
                    )
        elif ch in "]}":
            depth -= 1
    try:
        return json.loads(text)
    except RecursionError:  # not reachable after the scan; kept so that no input can raise it
        raise ValueError(f"expected {what} nested at most {max_depth} levels deep, got deeper nesting") from None
    except ValueError as exc:  # json.JSONDecodeError, or an integer literal over Python's digit limit
        raise ValueError(f"expected {what}, got invalid JSON ({exc})") from None


# ----------------------------------------------------------------------
# Saving
# ----------------------------------------------------------------------
def _check_limits(sizes: list) -> int:
    """Number of parameters of ``sizes`` after checking the module's limits; raises ValueError."""
    J = len(sizes) - 1
    if J > MAX_LAYERS:
        raise ValueError(f"expected at most MAX_LAYERS = {MAX_LAYERS} layers, got {J}")
    widest = max(sizes)
    if widest > MAX_UNITS:
        raise ValueError(f"expected at most MAX_UNITS = {MAX_UNITS:,} units per layer, got {widest:,}")
    count = sum(sizes[j] * (sizes[j - 1] + 1) for j in range(1, J + 1))
    if count > MAX_PARAMETERS:
        raise ValueError(f"expected at most MAX_PARAMETERS = {MAX_PARAMETERS:,} weights and biases, got {count:,}")
    return count


def save(model, path) -> Path:
    """Write ``model``'s architecture and weights to ``path`` (``.npz``), atomically.

    Parameters
    ----------
    model : MLP
        Within the file limits (:data:`MAX_LAYERS`, :data:`MAX_UNITS`,
        :data:`MAX_PARAMETERS`), so that :func:`load` reads back whatever
        :func:`save` writes.
    path : str or os.PathLike
        ``".npz"`` is appended unless the name ends in it (see :func:`model_path`).
        The folder must exist; an existing file is replaced.

    Returns
    -------
    pathlib.Path
        The file written.

    Notes
    -----
    The archive is written to a temporary file in the same folder and moved
    over ``path`` with :func:`os.replace` only once complete, so a failure
    (a full disk, an interrupt) never leaves a half-written model behind and
    never destroys the previous file of that name. Temporary files that
    killed saves of the same target left behind are removed first.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"expected an mlp_lib.MLP, got {type(model).__name__}")
    target = model_path(path)
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"expected an existing folder to save {str(target)!r} in, got none at {str(folder)!r}")
    _check_limits(list(model.sizes))

    arrays = {"format": np.array(FORMAT), "config": np.array(json.dumps(model.config()))}
    for j in range(1, model.J + 1):
        for key, arr, shape in (
            (f"W{j}", model.W[j], (model.sizes[j], model.sizes[j - 1])),
            (f"b{j}", model.b[j], (model.sizes[j], 1)),
        ):
            if not isinstance(arr, np.ndarray) or arr.shape != shape or arr.dtype.kind != "f":
                raise ValueError(
                    f"expected {key} to be a float array of shape {shape}, "
                    f"got {type(arr).__name__} {getattr(arr, 'dtype', '')} of shape {getattr(arr, 'shape', None)}"
                )
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"expected finite weights, got NaN or inf in {key}")
            arrays[key] = arr

    _remove_stale_temp_files(target)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)  # a file object: savez adds no suffix
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def _file_mode(target: Path) -> int:
    """Keep an existing file's permissions; otherwise what ``open`` would give (0o666 minus umask)."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _host_tag() -> str:
    return f"{zlib.crc32(socket.gethostname().encode('utf-8', 'replace')):08x}"


def _temp_prefix(target: Path) -> str:
    return f".{target.name}.saving-{_host_tag()}-{os.getpid()}-"


def _process_gone(pid: int) -> bool | None:
    """True if no process ``pid`` runs on this machine, False if one does, None if that cannot be told."""
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        return None
    if pid == os.getpid():
        return False  # another thread of this process may be saving right now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it runs, under another user
    except OSError:
        return None
    return False


def _remove_stale_temp_files(target: Path) -> None:
    """Delete the temporary files that killed saves of ``target`` left in its folder.

    Ours are ``.<name>.saving-<host>-<pid>-<random>.tmp``: stale once the
    process ``pid`` of this host is gone. Older versions wrote
    ``.<name>.<8 random characters>.tmp``; those, and files of other hosts,
    are stale after :data:`STALE_TEMP_SECONDS`. Nothing else is touched, and
    errors (a read-only folder) are ignored: cleaning up is a courtesy.
    """
    ours = re.compile(re.escape(f".{target.name}.saving-") + r"([0-9a-f]{8})-([0-9]+)-[A-Za-z0-9_]+\.tmp")
    legacy = re.compile(re.escape(f".{target.name}.") + r"[a-z0-9_]{8}\.tmp")
    host = _host_tag()
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    now = time.time()
    for name in names:
        match = ours.fullmatch(name)
        if match is None and legacy.fullmatch(name) is None:
            continue
        path = target.parent / name
        gone = _process_gone(int(match.group(2))) if match is not None and match.group(1) == host else None
        try:
            if gone is None:
                gone = now - path.lstat().st_mtime > STALE_TEMP_SECONDS
            if gone:
                path.unlink()
        except OSError:
            pass


# ----------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------
def load(path) -> MLP:
    """Read a model written by :func:`save`.

    Parameters
    ----------
    path : str or os.PathLike
        ``".npz"`` is appended unless the name ends in it (see :func:`model_path`).

    Returns
    -------
    MLP
        Same architecture and bit-identical weights (values and dtype).

    Raises
    ------
    FileNotFoundError
        No file at ``path`` (the message names it).
    ValueError
        ``"expected a mlp_lib model file …, got …"`` for anything else: not an
        ``.npz`` archive, a truncated one, an archive without our format tag,
        an unknown format version, a compressed or oversized member, a config
        that is not valid JSON, is too long or too deeply nested, exceeds the
        limits (:data:`MAX_LAYERS`, :data:`MAX_UNITS`, :data:`MAX_PARAMETERS`)
        or that :class:`MLP` refuses, a missing/extra array, or an array whose
        shape, dtype, size or values do not fit the config. All of these are
        found before any weight array is allocated or the model is built,
        except non-finite values and damaged bytes (checksums), which are found
        while reading the (size-checked) arrays.
    """
    target = model_path(path)
    if not target.is_file():
        raise FileNotFoundError(f"expected a mlp_lib model file, got no file at {str(target)!r}")
    _remove_stale_temp_files(target)
    try:
        with open(target, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise _bad_file(target, f"a file of {size:,} bytes, over the limit MAX_FILE_BYTES = {MAX_FILE_BYTES:,}")
            if fh.read(6) == b"\x93NUMPY":
                raise _bad_file(target, "a single .npy array, not an .npz archive")
            fh.seek(0)
            with zipfile.ZipFile(fh) as archive:
                return _read_model(target, archive, size)
    except ValueError as exc:
        if str(exc).startswith("expected a mlp_lib"):
            raise
        raise _bad_file(target, f"a file NumPy cannot read without pickle ({exc})") from exc
    except (
        OSError,
        EOFError,
        KeyError,
        NotImplementedError,
        RuntimeError,
        OverflowError,
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
    ) as exc:
        raise _bad_file(target, f"an unreadable or truncated archive ({type(exc).__name__}: {exc})") from exc


def _members(target: Path, archive: zipfile.ZipFile, file_size: int) -> dict:
    """``{key: ZipInfo}`` after checking the names, compression and sizes from the zip directory alone."""
    infos = archive.infolist()
    if len(infos) > 2 + 2 * MAX_LAYERS:
        raise _bad_file(
            target, f"an archive of {len(infos)} members, over the limit 2 + 2·MAX_LAYERS = {2 + 2 * MAX_LAYERS}"
        )
    names = set()
    for info in infos:
        if info.filename in names:
            raise _bad_file(target, f"the member {info.filename!r} twice")
        names.add(info.filename)
    for key in _TEXT_KEYS:
        if f"{key}.npy" not in names:
            keys = sorted(name[:-4] if name.endswith(".npy") else name for name in names)
            raise _bad_file(target, f"an archive without {key!r} (arrays {keys})")
    unexpected = sorted(name for name in names if not _MEMBER.fullmatch(name))
    if unexpected:
        raise _bad_file(
            target,
            f"unexpected member(s) {unexpected}; a model file holds only format.npy, config.npy, W1.npy, b1.npy, …",
        )
    members = {info.filename[:-4]: info for info in infos}
    total = 0
    for key, info in members.items():
        name = info.filename
        if info.compress_type != zipfile.ZIP_STORED:
            method = {
                zipfile.ZIP_DEFLATED: "ZIP_DEFLATED",
                zipfile.ZIP_BZIP2: "ZIP_BZIP2",
                zipfile.ZIP_LZMA: "ZIP_LZMA",
            }
            raise _bad_file(
                target,
                f"member {name!r} compressed with {method.get(info.compress_type, f'method {info.compress_type}')}; "
                "model files store every member uncompressed (ZIP_STORED), so that no small file can inflate",
            )
        if info.flag_bits & 0x1:
            raise _bad_file(target, f"an encrypted member {name!r}")
        limit = _TEXT_MEMBER_BYTES if key in _TEXT_KEYS else MAX_FILE_BYTES
        if info.file_size > limit:
            raise _bad_file(target, f"member {name!r} of {info.file_size:,} bytes, over the limit of {limit:,} bytes")
        if info.compress_size != info.file_size:
            raise _bad_file(
                target, f"member {name!r} declaring {info.file_size:,} bytes stored in {info.compress_size:,}"
            )
        total += info.compress_size
    if total > file_size:
        raise _bad_file(target, f"members declaring {total:,} bytes in a file of {file_size:,} bytes")
    return members


_HEADER_LENGTH = {(1, 0): 2, (2, 0): 4}


def _header(target: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    """``(shape, fortran_order, dtype, header_bytes)`` of a member's ``.npy`` header, reading nothing else."""
    name = info.filename
    with archive.open(info) as fp:
        try:
            version = np.lib.format.read_magic(fp)
        except ValueError as exc:
            raise _bad_file(target, f"member {name!r} that is not a .npy array ({exc})") from None
        if version not in _HEADER_LENGTH:
            raise _bad_file(target, f"member {name!r} in .npy format version {version}, expected 1.0 or 2.0")
        n = _HEADER_LENGTH[version]
        raw = fp.read(n)
        length = int.from_bytes(raw, "little") if len(raw) == n else -1
        if not 0 <= length <= _MAX_NPY_HEADER:
            raise _bad_file(
                target, f"member {name!r} with a .npy header of {length:,} bytes, over the limit of {_MAX_NPY_HEADER}"
            )
        body = fp.read(length)
    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    try:
        shape, fortran, dtype = reader(io.BytesIO(raw + body), max_header_size=_MAX_NPY_HEADER)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError) as exc:
        raise _bad_file(target, f"member {name!r} with a damaged .npy header ({type(exc).__name__}: {exc})") from None
    if dtype.hasobject:
        raise _bad_file(target, f"member {name!r} of dtype {dtype}: Python objects (pickle) are never loaded")
    return shape, fortran, dtype, 8 + n + length


def _member_bytes(shape, dtype) -> int:
    return math.prod(shape) * dtype.itemsize


def _read_array(target: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, shape, dtype) -> np.ndarray:
    """The array of a member whose header and size were checked (reading its bytes checks their CRC)."""
    with archive.open(info) as fp:
        arr = np.lib.format.read_array(fp, allow_pickle=False, max_header_size=_MAX_NPY_HEADER)
        if fp.read(1):
            raise _bad_file(target, f"member {info.filename!r} with bytes after its array")
    if arr.shape != shape or arr.dtype != dtype:  # the file changed between the two passes
        raise _bad_file(target, f"member {info.filename!r} that changed while it was read")
    return arr


def _text(target: Path, archive: zipfile.ZipFile, members: dict, key: str, max_chars: int) -> str:
    info = members[key]
    shape, _, dtype, header = _header(target, archive, info)
    if shape != () or dtype.kind != "U":
        raise _bad_file(target, f"{key!r} as a {dtype} array of shape {shape}, not a 0-d string")
    chars = dtype.itemsize // 4
    if chars > max_chars:
        raise _bad_file(target, f"a {key} of {chars:,} characters, over the limit of {max_chars:,}")
    if info.file_size != header + dtype.itemsize:
        raise _bad_file(
            target, f"member {info.filename!r} of {info.file_size:,} bytes, expected {header + dtype.itemsize:,}"
        )
    return str(_read_array(target, archive, info, shape, dtype)[()])


def _read_model(target: Path, archive: zipfile.ZipFile, file_size: int) -> MLP:
    members = _members(target, archive, file_size)

    tag = _text(target, archive, members, "format", max_chars=64)
    if tag != FORMAT:
        raise _bad_file(target, f"format {tag!r}")
    text = _text(target, archive, members, "config", max_chars=MAX_CONFIG_CHARS)
    try:
        config = parse_json_limited(text, max_chars=MAX_CONFIG_CHARS, max_depth=MAX_CONFIG_DEPTH, what="a config")
    except ValueError as exc:
        raise _bad_file(target, f"a config that is not JSON within the limits ({exc})") from None
    sizes = _check_config(target, config)

    J = len(sizes) - 1
    shapes = {}
    for j in range(1, J + 1):
        shapes[f"W{j}"] = (sizes[j], sizes[j - 1])
        shapes[f"b{j}"] = (sizes[j], 1)
    expected = set(_TEXT_KEYS) | set(shapes)
    if set(members) != expected:
        missing, extra = sorted(expected - set(members)), sorted(set(members) - expected)
        raise _bad_file(target, f"arrays missing {missing} and unexpected {extra} for {J} layer(s)")
    dtypes = {}
    for key, shape in shapes.items():
        info = members[key]
        got, _, dtype, header = _header(target, archive, info)
        if got != shape or dtype.kind != "f":
            raise _bad_file(target, f"{key} of dtype {dtype} and shape {got}, expected float {shape}")
        if info.file_size != header + _member_bytes(shape, dtype):
            raise _bad_file(
                target,
                f"member {info.filename!r} of {info.file_size:,} bytes, expected {header + _member_bytes(shape, dtype):,} "
                f"for a {dtype} array of shape {shape}",
            )
        dtypes[key] = dtype

    # every check passed: the file really holds arrays of the sizes the config gives, within the limits
    try:
        model = MLP(**config, seed=0)
    except (TypeError, ValueError) as exc:
        raise _bad_file(target, f"a config MLP refuses ({exc})") from exc
    for key, shape in shapes.items():
        arr = _read_array(target, archive, members[key], shape, dtypes[key])
        if not np.all(np.isfinite(arr)):
            raise _bad_file(target, f"NaN or inf in {key}")
        (model.W if key[0] == "W" else model.b)[int(key[1:])] = arr
    return model


def _check_config(target: Path, config) -> list:
    """The layer sizes of a parsed config after checking its keys, types, limits and names (no weights built)."""
    if not isinstance(config, dict) or set(config) != _CONFIG_KEYS:
        keys = sorted(config) if isinstance(config, dict) else type(config).__name__
        raise _bad_file(target, f"a config with keys {keys} instead of {sorted(_CONFIG_KEYS)}")
    layer_sizes = config["layer_sizes"]
    if not isinstance(config["fused"], bool) or not isinstance(layer_sizes, list):
        raise _bad_file(target, f"a config with fused={config['fused']!r}, layer_sizes={layer_sizes!r}")
    if len(layer_sizes) > MAX_LAYERS + 1:
        raise _bad_file(target, f"a config of {len(layer_sizes) - 1} layers, over the limit MAX_LAYERS = {MAX_LAYERS}")
    try:
        sizes = [positive_int(n, f"layer_sizes[{i}]") for i, n in enumerate(layer_sizes)]
        if len(sizes) < 2:
            raise ValueError(f"expected layer_sizes as a list [n_0, …, n_J] of at least two sizes, got {layer_sizes!r}")
    except (TypeError, ValueError) as exc:
        raise _bad_file(target, f"a config MLP refuses ({exc})") from None
    try:
        _check_limits(sizes)
    except ValueError as exc:
        raise _bad_file(target, f"a config over the file limits ({exc})") from None
    try:  # activations, loss and their pairing, on a model of single units (allocates nothing to speak of)
        MLP([1] * len(sizes), **{k: v for k, v in config.items() if k != "layer_sizes"}, seed=0)
    except (TypeError, ValueError) as exc:
        raise _bad_file(target, f"a config MLP refuses ({exc})") from exc
    return sizes
