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

__all__ = ["save", "load"]

_FORMAT_KEY = "__nn_format__"
_FORMAT = "nn-state-dict-v1"


def save(model: Any, path: str | os.PathLike) -> None:
    """Write ``model.state_dict()`` to ``path`` (exactly that name; ``.npz`` is customary)."""
    path = Path(path)
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
    path = Path(path)
    try:
        with open(path, "rb") as f:
            archive = np.load(f, allow_pickle=False)
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ValueError("a single .npy array, not an .npz archive")
            with archive:
                state = {name: archive[name] for name in archive.files}
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
