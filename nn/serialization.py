"""Saving and loading a model's parameters as a ``.npz`` file.

The file holds the ``state_dict`` arrays plus a format marker. It is written to a temporary
file in the same directory and moved into place with ``os.replace``, so a crash mid-write
never leaves a half-written checkpoint under the real name. Loading never unpickles
(``allow_pickle=False``): a checkpoint cannot run code.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .safe_npz import load_npz

__all__ = ["save", "load"]

_FORMAT_KEY = "__nn_format__"
_FORMAT = "nn-state-dict-v1"


def _checked_path(model: Any, path: Any, fn: str) -> Path:
    """path as a Path; a clear TypeError when the arguments come swapped or are not a path."""
    if isinstance(model, (str, os.PathLike)) and hasattr(path, "state_dict"):
        raise TypeError(
            f"nn.{fn}(model, path): the arguments are in the wrong order (got a path first, "
            f"then a {type(path).__name__}); call nn.{fn}(model, path)"
        )
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"nn.{fn}(model, path): path must be a str or os.PathLike, got {path!r}")
    if isinstance(model, type):
        raise TypeError(
            f"nn.{fn}(model, path): got the class {model.__name__}; pass a model instance, "
            f"e.g. {model.__name__}(...)"
        )
    if not hasattr(model, "state_dict"):
        raise TypeError(
            f"nn.{fn}(model, path): model must be a Module (with state_dict), got "
            f"{type(model).__name__}"
        )
    return Path(path)


def _max_bytes(model: Any) -> int:
    """What a checkpoint of ``model`` may hold: its parameters at up to 16 bytes per entry
    (complex128) plus 1 MiB, so a huge array under any key fails before it is allocated."""
    return 16 * sum(int(np.size(p)) for p in model.state_dict().values()) + (1 << 20)


def save(model: Any, path: str | os.PathLike) -> None:
    """Write ``model.state_dict()`` to ``path`` (exactly that name; ``.npz`` is customary)."""
    path = _checked_path(model, path, "save")
    state = model.state_dict()
    if _FORMAT_KEY in state:
        raise ValueError(f"a parameter may not be called {_FORMAT_KEY}")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates the file private (0600); give it the mode a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{_FORMAT_KEY: np.array(_FORMAT)}, **state)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(model: Any, path: str | os.PathLike) -> Any:
    """Load parameters saved by ``save`` into ``model`` in place, and return the model.

    A file that is not a readable ``.npz`` written by ``save`` raises ``ValueError`` naming
    the file; keys or shapes that do not fit the model raise as ``load_state_dict`` does.
    """
    path = _checked_path(model, path, "load")
    try:
        state = load_npz(path, max_bytes=_max_bytes(model))
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"{path} is not a readable nn checkpoint: {exc}") from None
    marker = state.pop(_FORMAT_KEY, None)
    if marker is None or marker.shape != () or str(marker) != _FORMAT:
        raise ValueError(
            f"{path} is an .npz file but not one written by nn.save (no {_FORMAT} marker)"
        )
    model.load_state_dict(state)
    return model
