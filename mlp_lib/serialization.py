"""Saving and loading a trained :class:`~mlp_lib.MLP` — NumPy's ``.npz`` format, never pickle.

A model file is an uncompressed ``.npz`` archive (:func:`numpy.savez`) holding::

    "format"        0-d unicode array  "mlp_lib-model-v1"
    "config"        0-d unicode array  json.dumps(model.config())  (architecture, not weights)
    "W1", "b1", …   w^j (n_j, n_{j−1}) and b^j (n_j, 1) for j = 1 … J, dtype as in the model

Nothing in it is a Python object, so :func:`load` reads it with
``np.load(path, allow_pickle=False)``: opening a model file from someone else
can never run code. Loading rebuilds ``MLP(**config)`` and sets its weights;
the round trip is bit-exact (same values, same dtype).

**File name.** :func:`numpy.savez` appends ``".npz"`` to a name that does not
end in it. Both :func:`save` and :func:`load` apply that same rule, so
``save(model, "net")`` writes ``net.npz`` and ``load("net")`` reads it back;
:func:`save` returns the path it actually wrote.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .mlp import MLP

__all__ = ["FORMAT", "load", "model_path", "save"]

#: format tag written into every model file; bump the version when the layout changes
FORMAT = "mlp_lib-model-v1"

_CONFIG_KEYS = {"layer_sizes", "hidden", "output", "loss", "fused"}


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


def save(model, path) -> Path:
    """Write ``model``'s architecture and weights to ``path`` (``.npz``), atomically.

    Parameters
    ----------
    model : MLP
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
    never destroys the previous file of that name.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"expected an mlp_lib.MLP, got {type(model).__name__}")
    target = model_path(path)
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"expected an existing folder to save {str(target)!r} in, got none at {str(folder)!r}")

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

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
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
        an unknown format version, a config that is not valid JSON or that
        :class:`MLP` refuses, a missing/extra array, or an array whose shape,
        dtype or values do not fit the config.
    """
    target = model_path(path)
    if not target.is_file():
        raise FileNotFoundError(f"expected a mlp_lib model file, got no file at {str(target)!r}")
    try:
        archive = np.load(target, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):  # a .npy file gives an ndarray
            raise _bad_file(target, f"a single .npy array of shape {archive.shape}, not an .npz archive")
        with archive:
            arrays = {key: archive[key] for key in archive.files}
    except ValueError as exc:
        if str(exc).startswith("expected a mlp_lib"):
            raise
        raise _bad_file(target, f"a file NumPy cannot read without pickle ({exc})") from exc
    except (OSError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise _bad_file(target, f"an unreadable or truncated archive ({type(exc).__name__}: {exc})") from exc
    return _model_from_arrays(target, arrays)


def _text(arrays: dict, key: str, target: Path) -> str:
    arr = arrays.get(key)
    if arr is None:
        raise _bad_file(target, f"an archive without {key!r} (arrays {sorted(arrays)})")
    if arr.ndim != 0 or arr.dtype.kind != "U":
        raise _bad_file(target, f"{key!r} as a {arr.dtype} array of shape {arr.shape}, not a 0-d string")
    return str(arr[()])


def _model_from_arrays(target: Path, arrays: dict) -> MLP:
    tag = _text(arrays, "format", target)
    if tag != FORMAT:
        raise _bad_file(target, f"format {tag!r}")
    try:
        config = json.loads(_text(arrays, "config", target))
    except json.JSONDecodeError as exc:
        raise _bad_file(target, f"a config that is not JSON ({exc})") from exc
    if not isinstance(config, dict) or set(config) != _CONFIG_KEYS:
        keys = sorted(config) if isinstance(config, dict) else type(config).__name__
        raise _bad_file(target, f"a config with keys {keys} instead of {sorted(_CONFIG_KEYS)}")
    if not isinstance(config["fused"], bool) or not isinstance(config["layer_sizes"], list):
        raise _bad_file(target, f"a config with fused={config['fused']!r}, layer_sizes={config['layer_sizes']!r}")
    try:
        model = MLP(**config, seed=0)
    except (TypeError, ValueError) as exc:
        raise _bad_file(target, f"a config MLP refuses ({exc})") from exc

    expected = {"format", "config"} | {f"{p}{j}" for j in range(1, model.J + 1) for p in "Wb"}
    if set(arrays) != expected:
        missing, extra = sorted(expected - set(arrays)), sorted(set(arrays) - expected)
        raise _bad_file(target, f"arrays missing {missing} and unexpected {extra} for {model.J} layer(s)")
    for j in range(1, model.J + 1):
        for key, shape in ((f"W{j}", model.W[j].shape), (f"b{j}", model.b[j].shape)):
            arr = arrays[key]
            if arr.shape != shape or arr.dtype.kind != "f":
                raise _bad_file(target, f"{key} of dtype {arr.dtype} and shape {arr.shape}, expected float {shape}")
            if not np.all(np.isfinite(arr)):
                raise _bad_file(target, f"NaN or inf in {key}")
        model.W[j] = arrays[f"W{j}"]
        model.b[j] = arrays[f"b{j}"]
    return model
