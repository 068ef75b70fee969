"""A bounded ``.npz`` reader: never unpickles, never allocates more than the file declares and
the caller allows, never decompresses more than that.

``np.load`` trusts the archive: a member whose ``.npy`` header declares a huge shape is
allocated before its data is read, and a highly compressed member (a "zip bomb") is inflated
in full. ``load_npz`` reads each member's header first (numpy's own header parser), checks the
declared size against the member's uncompressed size in the zip directory and against
``max_bytes``, and only then reads, in bounded chunks, exactly the promised bytes.
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = ["load_npz", "DEFAULT_MAX_BYTES"]

#: The default cap on the total bytes of the arrays of one archive (1 GiB).
DEFAULT_MAX_BYTES = 1 << 30

_CHUNK = 1 << 20
_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def _read_exactly(f: IO[bytes], n: int) -> bytearray:
    """n bytes of f, read in chunks into one preallocated buffer (short if f ends early)."""
    buf = bytearray(n)
    view = memoryview(buf)
    done = 0
    while done < n:
        got = f.readinto(view[done : done + _CHUNK])  # type: ignore[attr-defined]
        if not got:
            break
        done += got
    del view
    if done < n:
        del buf[done:]
    return buf


def _read_member(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> np.ndarray:
    name = info.filename
    where = f"{path}: member {name!r}"
    with zf.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
        except ValueError as exc:
            raise ValueError(f"{where} is not an .npy array ({exc})") from None
        reader = _HEADER_READERS.get(version)
        if reader is None:
            raise ValueError(f"{where}: unsupported .npy format version {version}")
        try:
            shape, fortran, dtype = reader(f)
        except ValueError as exc:
            raise ValueError(f"{where}: malformed .npy header ({exc})") from None
        if dtype.hasobject:
            raise ValueError(
                f"{where} holds Python objects ({dtype}); reading them would mean unpickling, "
                "which can run arbitrary code, so it is refused"
            )
        nbytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow on garbage
        data_size = info.file_size - f.tell()
        if nbytes != data_size:
            raise ValueError(
                f"{where}: header declares shape {shape} of {dtype} ({nbytes} bytes) but the "
                f"member holds {data_size} bytes of data"
            )
        if nbytes > budget:
            raise ValueError(
                f"{where} declares {nbytes} bytes of data (shape {shape} of {dtype}), more "
                f"than the {budget} bytes this load allows (max_bytes)"
            )
        buf = _read_exactly(f, nbytes)
    if len(buf) != nbytes:
        raise ValueError(f"{where}: truncated data ({len(buf)} of {nbytes} bytes)")
    array = np.frombuffer(buf, dtype=dtype)
    return array.reshape(shape, order="F" if fortran else "C")


def as_path(path: Any, owner: str) -> Path:
    """``path`` as a Path if it is a non-empty str or os.PathLike; else a TypeError or
    ValueError naming ``owner`` (pathlib's message names neither the call nor the value,
    and an empty string would silently mean the current directory)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{owner}: path must be a str or os.PathLike, got {path!r}")
    if not os.fspath(path):
        raise ValueError(f"{owner}: the path is empty")
    return Path(path)


def load_npz(path: str | os.PathLike, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` archive at ``path``, by name, read within bounded memory.

    Raises ``ValueError`` naming the file and the member for: a file that is not a zip
    archive, a member that is not an ``.npy`` array, an object dtype (never unpickled), a
    header whose declared size differs from the member's size, a total declared size above
    ``max_bytes``, corrupted or truncated compressed data. ``FileNotFoundError`` passes
    through; a directory is a ``ValueError``. The arrays are writable.
    """
    path = as_path(path, "load_npz")
    if path.is_dir():
        raise ValueError(f"{path}: is a directory, not an .npz file")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise ValueError(f"load_npz: max_bytes must be an int >= 0, got {max_bytes!r}")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{path}: not an .npz archive ({exc})") from None
    out: dict[str, np.ndarray] = {}
    with zf:
        infos = zf.infolist()
        declared = sum(info.file_size for info in infos)
        # a zip bomb under any key: the directory's sizes are checked before inflating any
        if declared > max_bytes + 4096 * len(infos):  # + room for each .npy header
            raise ValueError(
                f"{path}: the archive declares {declared} uncompressed bytes, more than the "
                f"{max_bytes} bytes this load allows (max_bytes)"
            )
        budget = max_bytes
        for info in infos:
            if not info.filename.endswith(".npy"):
                raise ValueError(f"{path}: member {info.filename!r} is not an .npy array")
            key = info.filename[: -len(".npy")]
            if key in out:
                raise ValueError(f"{path}: member {info.filename!r} appears twice")
            try:
                out[key] = _read_member(path, zf, info, budget)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
                # RuntimeError: zipfile's "encrypted, password required" and the like
                raise ValueError(
                    f"{path}: member {info.filename!r} is corrupted or unreadable ({exc})"
                ) from None
            budget -= out[key].nbytes
    return out
