"""Saving and loading models and training checkpoints as ``.npz`` files, without pickle.

Two forms, one file format family:

- ``save(model, path)`` / ``load(model, path)``: the model's ``state_dict`` arrays plus a
  format marker (``nn-state-dict-v1``), as before.
- ``save(path, model=..., optimizer=..., scheduler=..., epoch=..., **extra)``: a checkpoint
  (``nn-checkpoint-v1``). Every entry is an object with ``state_dict()`` (saved as that) or
  plain data: numbers, strings, bools, None, arrays, and lists, tuples and dicts of them.
  Arrays are stored as ``.npz`` members named by their place ("model/0.weight",
  "optimizer/state/0/exp_avg"); everything else goes into one JSON member, which keeps ints
  of any size and floats bit for bit. ``load(path, model=..., optimizer=..., ...)``
  restores the named entries into those objects (``load_state_dict``) and returns the
  whole checkpoint as a dict; ``load(model, path)`` also reads a checkpoint's "model".

Files are written to a temporary file in the same directory and moved into place with
``os.replace``, so a crash mid-write never leaves a half-written checkpoint under the real
name. Loading never unpickles (``allow_pickle=False``): a checkpoint cannot run code.

Arrays loaded into a model are checked against the model's own dtypes: complex values
into a real model, or floats into an integer buffer, raise ``ValueError``; integer or
boolean arrays go into floating-point parameters only when every value is exactly
representable (|v| <= 2^24 for float32, 2^53 for float64), else ``ValueError``. Floats
of another precision are cast (float64 into a float32 model rounds to nearest).
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .safe_npz import DEFAULT_MAX_BYTES, as_path, load_npz

__all__ = ["save", "load", "unwritable"]

_FORMAT_KEY = "__nn_format__"
_FORMAT = "nn-state-dict-v1"
_CHECKPOINT = "nn-checkpoint-v1"
_META_KEY = "__nn_meta__"
_ARRAY, _TUPLE, _ITEMS = "__array__", "__tuple__", "__items__"

PathLike = str | os.PathLike


def _is_path(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike))


# --- writing ---------------------------------------------------------------------------


def _unwritable(path: PathLike) -> tuple[type[OSError], str] | None:
    """The error ``open(path, "wb")`` would meet, as (exception class, reason), or None."""
    name = os.fspath(path)
    if not name:
        return FileNotFoundError, "the file name is empty"
    full = os.path.abspath(name)
    parent = os.path.dirname(full)
    if os.path.isdir(full):
        return IsADirectoryError, "is a directory; give a file name (e.g. model.npz)"
    if not os.path.isdir(parent):
        return FileNotFoundError, f"directory {parent} does not exist"
    if not os.access(parent, os.W_OK | os.X_OK):
        return PermissionError, f"directory {parent} is not writable"
    if os.path.exists(full) and not os.access(full, os.W_OK):
        return PermissionError, "the existing file is not writable"
    return None


def unwritable(path: PathLike) -> str | None:
    """Why a file could not be written at ``path`` (an empty name, a directory, a missing
    or read-only directory, a read-only file), or None when it can: checked before a long
    run so that its result is not lost at the end."""
    problem = _unwritable(path)
    return None if problem is None else problem[1]


def _encode(value: Any, key: str, arrays: dict[str, np.ndarray]) -> Any:
    """``value`` as JSON data, its arrays moved into ``arrays`` under names from ``key``."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufcU":
            raise TypeError(f"nn.save: {key} is an array of {value.dtype}, which needs pickle")
        arrays[key] = value
        return {_ARRAY: key}
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        items = [_encode(v, f"{key}/{i}", arrays) for i, v in enumerate(value)]
        return {_TUPLE: items} if isinstance(value, tuple) else items
    if isinstance(value, Mapping):
        if all(isinstance(k, str) and k not in (_ARRAY, _TUPLE, _ITEMS) for k in value):
            return {k: _encode(v, f"{key}/{k}", arrays) for k, v in value.items()}
        return {
            _ITEMS: [
                [_encode(k, f"{key}/{i}.key", arrays), _encode(v, f"{key}/{i}", arrays)]
                for i, (k, v) in enumerate(value.items())
            ]
        }
    if callable(getattr(value, "state_dict", None)):
        return _encode(value.state_dict(), key, arrays)
    raise TypeError(
        f"nn.save: cannot store {key} of type {type(value).__name__} without pickle "
        "(use numbers, strings, arrays, lists, dicts or objects with state_dict())"
    )


def _write(path: Path, members: dict[str, np.ndarray]) -> None:
    """Write ``members`` as an .npz at ``path`` atomically (temporary file, then replace)."""
    problem = _unwritable(path)
    if problem is not None:  # else the error would name the temporary file
        raise problem[0](f"nn.save: cannot write {path}: {problem[1]}")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates the file private (0600); give it the mode a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **members)  # type: ignore[arg-type]
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(target: Any, path: PathLike | None = None, /, **entries: Any) -> None:
    """Write a model's parameters, or a whole checkpoint, to an ``.npz`` file.

    ``save(model, path)`` writes ``model.state_dict()`` to ``path`` (exactly that name;
    ``.npz`` is customary). ``save(path, model=..., optimizer=..., scheduler=...,
    epoch=..., **extra)`` writes a checkpoint: each entry's ``state_dict()`` or the value
    itself (numbers, strings, arrays, lists, dicts). Nothing is pickled.
    """
    if path is not None:
        if _is_path(target) and not _is_path(path):
            raise TypeError(
                "nn.save: arguments in the wrong order; call nn.save(model, path) "
                "(or nn.save(path, model=model, ...) for a checkpoint)"
            )
        if entries:
            raise TypeError(
                "nn.save(model, path) takes no keyword entries; use nn.save(path, model=...)"
            )
        if not callable(getattr(target, "state_dict", None)):
            raise TypeError(f"nn.save: {type(target).__name__} has no state_dict(); pass a Module")
        if not _is_path(path):
            raise TypeError(
                f"nn.save(model, path): path must be a str or os.PathLike, got {path!r}"
            )
        state = target.state_dict()
        if _FORMAT_KEY in state or _META_KEY in state:
            raise ValueError(f"a parameter may not be called {_FORMAT_KEY} or {_META_KEY}")
        _write(Path(path), {_FORMAT_KEY: np.array(_FORMAT), **state})
        return
    if not _is_path(target):
        raise TypeError(
            "nn.save needs a path: nn.save(model, path) or nn.save(path, model=model, ...)"
        )
    if not entries:
        raise TypeError("nn.save(path, ...) needs at least one entry, e.g. model=model")
    arrays: dict[str, np.ndarray] = {}
    meta = {name: _encode(value, name, arrays) for name, value in entries.items()}
    text = json.dumps(meta, allow_nan=True)
    _write(Path(target), {_FORMAT_KEY: np.array(_CHECKPOINT), _META_KEY: np.array(text), **arrays})


# --- reading ---------------------------------------------------------------------------


def _max_bytes(objects: Any) -> int:
    """What a file read into ``objects`` may hold: each model's entries at up to 16 bytes
    (complex128) four times over (the parameters and up to three optimizer moments) plus
    1 MiB; without a model, ``DEFAULT_MAX_BYTES``. A huge array declared under any key fails
    before it is allocated or inflated."""
    models = [o for o in objects if callable(getattr(o, "named_parameters", None))]
    if not models:
        return DEFAULT_MAX_BYTES
    entries = sum(int(np.size(v)) for m in models for v in m.state_dict().values())
    return 4 * 16 * entries + (1 << 20)


def _read(path: Path, max_bytes: int) -> tuple[str, dict[str, np.ndarray]]:
    """The format marker and the other members of an .npz written by ``save``; the arrays
    are read by the bounded ``safe_npz.load_npz`` (no pickle, at most ``max_bytes``)."""
    try:
        members = load_npz(path, max_bytes=max_bytes)
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise ValueError(f"{path} is a directory, not an nn checkpoint") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"{path} is not a readable nn checkpoint: {exc}") from None
    marker = members.pop(_FORMAT_KEY, None)
    if marker is None or marker.shape != () or str(marker) not in (_FORMAT, _CHECKPOINT):
        raise ValueError(
            f"{path} is an .npz file but not one written by nn.save (no {_FORMAT} marker)"
        )
    return str(marker), members


def _decode(value: Any, arrays: dict[str, np.ndarray], path: Path) -> Any:
    if isinstance(value, list):
        return [_decode(v, arrays, path) for v in value]
    if isinstance(value, dict):
        if _ARRAY in value:
            try:
                return arrays[value[_ARRAY]]
            except KeyError:
                raise ValueError(f"{path}: checkpoint lacks the array {value[_ARRAY]!r}") from None
        if _TUPLE in value:
            return tuple(_decode(v, arrays, path) for v in value[_TUPLE])
        if _ITEMS in value:
            return {_decode(k, arrays, path): _decode(v, arrays, path) for k, v in value[_ITEMS]}
        return {k: _decode(v, arrays, path) for k, v in value.items()}
    return value


def _checkpoint(path: Path, marker: str, members: dict[str, np.ndarray]) -> dict[str, Any]:
    """A file's contents as a checkpoint dict (a parameters-only file is {"model": ...})."""
    if marker == _FORMAT:
        return {"model": members}
    text = members.pop(_META_KEY, None)
    try:
        meta = json.loads(str(text))
        if text is None or not isinstance(meta, dict):
            raise ValueError("no table of contents")
    except ValueError as exc:
        raise ValueError(f"{path} is not a readable nn checkpoint: {exc}") from None
    return _decode(meta, members, path)


def _exact(name: str, value: Any, dtype: np.dtype) -> np.ndarray:
    """``value`` converted to ``dtype`` if that loses nothing; ValueError otherwise."""
    arr = np.asarray(value)
    if arr.dtype == dtype or arr.dtype.kind not in "biufc" or dtype.kind not in "biufc":
        return arr  # same dtype, or non-numeric: load_state_dict names the problem
    if arr.dtype.kind == "c" and dtype.kind != "c":
        raise ValueError(
            f"nn.load: {name} holds complex numbers ({arr.dtype}) but the model's is {dtype}"
        )
    if arr.dtype.kind in "biu" and dtype.kind == "f":
        limit = 2 ** (np.finfo(dtype).nmant + 1)
        biggest = max(abs(int(arr.max())), abs(int(arr.min()))) if arr.size else 0
        if biggest > limit:
            raise ValueError(
                f"nn.load: {name} holds integers up to {biggest}, "
                f"which {dtype} cannot represent exactly (limit 2^{np.finfo(dtype).nmant + 1})"
            )
        return arr.astype(dtype)
    if arr.dtype.kind in "fc" and dtype.kind in "biu":
        raise ValueError(f"nn.load: {name} holds {arr.dtype} values but the model's is {dtype}")
    return arr


def _load_model(model: Any, state: Any, path: Path) -> None:
    if not isinstance(state, Mapping):
        raise ValueError(f"{path}: the checkpoint's model entry is not a state dict")
    own = model.state_dict()
    checked = {k: _exact(k, v, own[k].dtype) if k in own else v for k, v in state.items()}
    model.load_state_dict(checked)


def load(target: Any, path: PathLike | None = None, /, **objects: Any) -> Any:
    """Read what ``save`` wrote.

    ``load(model, path)`` loads the parameters (from either form of file) into ``model`` in
    place and returns the model. ``load(path, model=..., optimizer=..., scheduler=...)``
    loads each named entry of a checkpoint into the object given for it (with
    ``load_state_dict``) and returns the checkpoint as a dict of every entry (state dicts,
    numbers, arrays...). A file that is not a readable ``.npz`` written by ``save`` raises
    ``ValueError`` naming the file; keys, shapes or dtypes that do not fit raise as
    ``load_state_dict`` does (dtype rules in the module docstring).
    """
    if path is None:
        if not _is_path(target):
            raise TypeError(
                "nn.load needs a path: nn.load(model, path) or nn.load(path, model=...)"
            )
        file = as_path(target, "nn.load")
        ckpt = _checkpoint(file, *_read(file, _max_bytes(objects.values())))
        missing = [name for name in objects if name not in ckpt]
        if missing:
            raise ValueError(f"{file}: the checkpoint has no {missing} (it has {sorted(ckpt)})")
        for name, obj in objects.items():
            if name == "model" or (
                callable(getattr(obj, "named_parameters", None))
                and callable(getattr(obj, "state_dict", None))
            ):
                _load_model(obj, ckpt[name], file)
            elif callable(getattr(obj, "load_state_dict", None)):
                obj.load_state_dict(ckpt[name])
            else:
                raise TypeError(
                    f"nn.load: {name}={obj!r} has no load_state_dict(); to read plain entries, "
                    f"index the dict that nn.load({str(file)!r}) returns"
                )
        return ckpt
    if _is_path(target) and not _is_path(path):
        raise TypeError(
            "nn.load: arguments in the wrong order; call nn.load(model, path) "
            "(or nn.load(path, model=model, ...) for a checkpoint)"
        )
    if objects:
        raise TypeError(
            "nn.load(model, path) takes no keyword entries; use nn.load(path, model=...)"
        )
    if isinstance(target, type):
        raise TypeError(
            f"nn.load(model, path): got the class {target.__name__}; pass a model instance, "
            f"e.g. {target.__name__}(...)"
        )
    if not callable(getattr(target, "state_dict", None)):
        raise TypeError(
            f"nn.load(model, path): model must be a Module (with state_dict), got "
            f"{type(target).__name__}"
        )
    if not _is_path(path):
        raise TypeError(f"nn.load(model, path): path must be a str or os.PathLike, got {path!r}")
    file = as_path(path, "nn.load")
    ckpt = _checkpoint(file, *_read(file, _max_bytes([target])))
    if "model" not in ckpt:
        raise ValueError(f"{file}: the checkpoint has no model entry (it has {sorted(ckpt)})")
    _load_model(target, ckpt["model"], file)
    return target
