"""Datasets as plain numpy arrays: bundled digits, (Fashion-)MNIST from IDX files, toy sets.

Loaders of real data return ``(X_train, y_train, X_test, y_test)``; toy generators return
``(X, y)`` (split them with ``split_train_test``). Images are flattened to rows and scaled to
[0, 1]; labels are int64 class indices.

Nothing here downloads anything. Fashion-MNIST comes from the Debian package
``dataset-fashion-mnist`` (``apt-get install dataset-fashion-mnist``), MNIST from a directory
or file the user already has, digits from scikit-learn's bundled copy.
"""

from __future__ import annotations

import gzip
import io
import math
import os
import pickle
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .data import _rows
from .module import _check_bool, _check_number, _check_seed, _check_size, _float_dtype
from .safe_npz import as_path

__all__ = [
    "read_idx",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "make_moons",
    "make_spheres",
    "make_blobs",
    "split_train_test",
    "FASHION_MNIST_DIR",
]

#: Where the Debian package ``dataset-fashion-mnist`` installs its files.
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

# IDX type codes (third magic byte) -> big-endian numpy dtype.
_IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


# --- IDX -------------------------------------------------------------------------------------
# Deflate expands at most ~1032:1, so a gzip file of n bytes cannot hold more than this many
# times n bytes of data: a header promising more is rejected before anything is allocated.
_DEFLATE_MAX_RATIO = 1032
_CHUNK = 1 << 20


def _read_at_most(stream: io.BufferedIOBase, n: int, path: Path) -> bytes:
    """Up to ``n`` bytes of ``stream``, read in bounded chunks (fewer at end of data); gzip
    errors become a ValueError naming the file."""
    chunks = []
    left = n
    try:
        while left > 0:
            chunk = stream.read(min(left, _CHUNK))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{path}: corrupted or truncated gzip data ({exc})") from None
    return b"".join(chunks)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in an IDX file (the MNIST format), raw or gzip-compressed.

    Layout: two zero bytes, a type code, the number of dimensions n, then n big-endian uint32
    sizes, then the data in C order. A file whose header is malformed or whose data size does
    not match the header raises ``ValueError`` naming the file and what is wrong. Memory is
    bounded by what the file can hold: the declared size is checked against the file's length
    (or, gzip-compressed, deflate's maximal expansion of it) before anything is allocated, and
    decompression stops at the size the header promises.
    """
    path = as_path(path, "read_idx")
    if path.is_dir():
        raise ValueError(f"{path}: is a directory, not an IDX file")
    with open(path, "rb") as raw:
        file_size = os.fstat(raw.fileno()).st_size
        compressed = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream: io.BufferedIOBase = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        capacity = _DEFLATE_MAX_RATIO * file_size if compressed else file_size
        head = _read_at_most(stream, 4, path)
        if len(head) < 4:
            raise ValueError(f"{path}: not an IDX file (only {len(head)} bytes, no header)")
        if head[0] != 0 or head[1] != 0:
            raise ValueError(
                f"{path}: not an IDX file (bad magic number {head.hex()}: "
                "the first two bytes must be zero)"
            )
        code, ndim = head[2], head[3]
        if code not in _IDX_DTYPES:
            raise ValueError(f"{path}: not an IDX file (unknown data type code 0x{code:02x})")
        if ndim == 0:
            raise ValueError(f"{path}: IDX header declares 0 dimensions")
        dims = _read_at_most(stream, 4 * ndim, path)
        header = 4 + 4 * ndim
        if len(dims) < 4 * ndim:
            raise ValueError(f"{path}: truncated IDX header ({4 + len(dims)} bytes, need {header})")
        shape = tuple(int(d) for d in np.frombuffer(dims, dtype=">u4"))
        dtype = _IDX_DTYPES[code]
        expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow on garbage
        declared = f"header says shape {shape} of {dtype.name} ({expected} bytes)"
        if header + expected > capacity:
            raise ValueError(
                f"{path}: IDX data truncated: {declared}, more than a "
                f"{'gzip ' if compressed else ''}file of {file_size} bytes can hold"
            )
        data = _read_at_most(stream, expected, path)
        if len(data) < expected:
            raise ValueError(
                f"{path}: IDX data truncated: {declared}, file has {len(data)} bytes of data"
            )
        if _read_at_most(stream, 1, path):
            raise ValueError(f"{path}: IDX data has trailing bytes: {declared}, file has more")
    array = np.frombuffer(data, dtype=dtype).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def _find_idx(directory: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx")):
        if (directory / name).is_file():
            return directory / name
    return None


def _load_idx_dir(
    directory: Path, dtype: np.dtype, what: str, hint: str, flatten: bool = True
) -> tuple:
    """The four arrays of an MNIST-layout directory, checked for consistency; images as rows
    (``flatten``) or as (n, 1, rows, cols) single-channel images."""
    if directory.exists() and not directory.is_dir():
        raise NotADirectoryError(f"{what}: {directory} is a file; give the directory. {hint}")
    if not directory.is_dir():
        raise FileNotFoundError(f"{what} directory {directory} does not exist. {hint}")
    arrays = {}
    for key, stem in _IDX_NAMES.items():
        found = _find_idx(directory, stem)
        if found is None:
            raise FileNotFoundError(f"{what}: {stem}[.gz] not found in {directory}. {hint}")
        arrays[key] = (found, read_idx(found))
    out = []
    for split in ("train", "test"):
        img_path, images = arrays[f"{split}_images"]
        lbl_path, labels = arrays[f"{split}_labels"]
        if images.ndim != 3:
            raise ValueError(f"{img_path}: expected 3-D images (n, rows, cols), got {images.shape}")
        if labels.ndim != 1:
            raise ValueError(f"{lbl_path}: expected 1-D labels, got shape {labels.shape}")
        if len(images) != len(labels):
            raise ValueError(
                f"{img_path} has {len(images)} images but {lbl_path} has {len(labels)} labels"
            )
        if labels.size and (labels.min() < 0 or labels.max() > 9):
            raise ValueError(f"{lbl_path}: labels outside 0..9")
        shape = (len(images), -1) if flatten else (len(images), 1, *images.shape[1:])
        X = images.reshape(shape).astype(dtype) / dtype.type(255)
        out += [X, labels.astype(np.int64)]
    return tuple(out)


def load_fashion_mnist(
    dtype: np.dtype | type = np.float32,
    path: str | os.PathLike | None = None,
    flatten: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fashion-MNIST: 60,000 training and 10,000 test 28x28 grey images of 10 clothing classes.

    Returns ``(X_train, y_train, X_test, y_test)`` with X of shape (n, 784) in [0, 1] (with
    ``flatten=False``: (n, 1, 28, 28) images, NCHW, for convolutions) and int64 labels.
    Files are looked up in ``path``, else ``$FASHION_MNIST_DIR``, else the directory of the
    Debian package ``dataset-fashion-mnist``.
    """
    dtype = _float_dtype(dtype, "load_fashion_mnist")
    flatten = _check_bool(flatten, "flatten", "load_fashion_mnist")
    if path is not None:
        as_path(path, "load_fashion_mnist")
    directory = Path(path or os.environ.get("FASHION_MNIST_DIR") or FASHION_MNIST_DIR)
    hint = (
        "Install the data with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or "
        "point the path argument or $FASHION_MNIST_DIR at a directory holding the four "
        "Fashion-MNIST IDX files."
    )
    return _load_idx_dir(directory, dtype, "Fashion-MNIST", hint, flatten)


def load_mnist(
    path: str | os.PathLike, allow_pickle: bool = False, dtype: np.dtype | type = np.float32
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST from a directory of the four IDX files, or from Nielsen's ``mnist.pkl.gz``.

    Returns ``(X_train, y_train, X_test, y_test)`` (X of shape (n, 784) in [0, 1]). Unpickling
    runs arbitrary code from the file, so the pickle is read only with ``allow_pickle=True``;
    its training and validation parts (50,000 + 10,000) are joined into one training set.
    """
    path = as_path(path, "load_mnist")
    dtype = _float_dtype(dtype, "load_mnist")
    allow_pickle = _check_bool(allow_pickle, "allow_pickle", "load_mnist")
    if path.is_dir():
        return _load_idx_dir(path, dtype, "MNIST", "Pass the directory holding the IDX files.")
    if not path.is_file():
        raise FileNotFoundError(f"MNIST: {path} is neither a directory of IDX files nor a file")
    with open(path, "rb") as f:
        is_gzip = f.read(2) == b"\x1f\x8b"
    if not is_gzip and not allow_pickle:  # do not call any file "a pickle"
        raise ValueError(
            f"MNIST: {path} is neither a directory of IDX files nor a gzip file (Nielsen's "
            "mnist.pkl.gz)"
        )
    if not allow_pickle:
        raise ValueError(
            f"{path} is a pickle; unpickling can run arbitrary code, so load_mnist reads it "
            "only with allow_pickle=True (do that only for a file you trust)"
        )
    try:
        with gzip.open(path, "rb") as f:
            train, valid, test = pickle.load(f, encoding="latin1")
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: not a readable mnist.pkl.gz ({exc})") from None
    X_train = np.concatenate([train[0], valid[0]]).astype(dtype)
    y_train = np.concatenate([train[1], valid[1]]).astype(np.int64)
    X_test, y_test = np.asarray(test[0], dtype=dtype), np.asarray(test[1], dtype=np.int64)
    if X_train.ndim != 2 or X_train.shape[1] != 784 or X_test.shape[1:] != (784,):
        raise ValueError(f"{path}: expected images of 784 pixels, got {X_train.shape[1:]}")
    return X_train, y_train, X_test, y_test


# --- bundled and synthetic -------------------------------------------------------------------
def _spread(x: Any, what: str, owner: str) -> float:
    """x as a finite float >= 0 (a noise level, a radius), or a clear error."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: {what} must be a number, got {type(x).__name__} {x!r}")
    if not (math.isfinite(x) and x >= 0):
        raise ValueError(f"{owner}: {what} must be a finite number >= 0, got {x}")
    return float(x)


def _rng(seed: Any, owner: str) -> np.random.Generator:
    return np.random.default_rng(_check_seed(seed, owner))


def split_train_test(
    X: np.ndarray, y: np.ndarray, test_fraction: float = 0.2, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A random split of ``(X, y)`` into ``(X_train, y_train, X_test, y_test)`` (the order of
    this module's loaders), ``test_fraction`` of the rows held out, seeded by ``seed``.

    Named apart from scikit-learn's ``train_test_split`` on purpose: that one returns
    ``(X_train, X_test, y_train, y_test)`` and takes ``test_size``/``random_state``, so code
    written for one would unpack the other's results silently in the wrong order.
    """
    _check_number(test_fraction, "test_fraction", "split_train_test", 0, 1, True, True)
    if X is None or y is None or isinstance(X, Iterator) or isinstance(y, Iterator):
        raise TypeError("split_train_test: X and y must be arrays with one row per example")
    X = _rows(X, "X", "split_train_test", numeric=False)
    y = _rows(y, "y", "split_train_test", numeric=False)
    if len(X) != len(y):
        raise ValueError(f"split_train_test: X has {len(X)} rows but y has {len(y)}")
    order = _rng(seed, "split_train_test").permutation(len(X))
    n_test = max(1, int(round(test_fraction * len(X))))
    if n_test >= len(X):
        raise ValueError(
            f"split_train_test: test_fraction {test_fraction} of {len(X)} rows leaves no "
            "training rows"
        )
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


def load_digits(
    dtype: np.dtype | type = np.float64, test_fraction: float = 0.2, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 handwritten digits (1,797 images, 10 classes).

    Returns ``(X_train, y_train, X_test, y_test)``: X of shape (n, 64) scaled from 0..16 to
    [0, 1], a random split with ``test_fraction`` of the images held out (seeded).
    """
    try:
        from sklearn.datasets import load_digits as sk_load_digits  # type: ignore[import-untyped]
    except ImportError:
        raise ImportError(
            "load_digits needs scikit-learn (it ships the data): pip install 'autograd-core[data]'"
        ) from None
    dtype = _float_dtype(dtype, "load_digits")  # an int dtype would round [0, 1] to 0 or 1
    bunch = sk_load_digits()
    X = (bunch.data / 16.0).astype(dtype)
    y = bunch.target.astype(np.int64)
    return split_train_test(X, y, test_fraction, seed)


def make_moons(
    n_samples: int = 200, noise: float = 0.1, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles in 2-D (labels 0 and 1), with Gaussian ``noise``."""
    n_samples = _check_size(n_samples, "n_samples", "make_moons")
    noise = _spread(noise, "noise", "make_moons")
    rng = _rng(seed, "make_moons")
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_out), np.sin(t_out)]),
            np.column_stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)]),
        ]
    )
    X += rng.normal(scale=noise, size=X.shape)
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    return X, y


def _in_ball(rng: np.random.Generator, n: int, dim: int, radius: float) -> np.ndarray:
    """n points uniform in the ball of ``radius`` around 0 (direction normal, radius r u^(1/d))."""
    direction = rng.normal(size=(n, dim))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    r = radius * rng.uniform(size=(n, 1)) ** (1.0 / dim)
    return direction * r


def make_spheres(
    n_per_class: int = 100, radius: float = 1.0, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The vanishing-gradients data (worked examples, section 8): two classes of 3-D points
    drawn uniformly in balls of ``radius`` around (1, 1, 1) (label 1) and (-1, 2, -7) (label 0).
    """
    n_per_class = _check_size(n_per_class, "n_per_class", "make_spheres")
    radius = _spread(radius, "radius", "make_spheres")
    rng = _rng(seed, "make_spheres")
    ones = np.array([1.0, 1.0, 1.0]) + _in_ball(rng, n_per_class, 3, radius)
    zeros = np.array([-1.0, 2.0, -7.0]) + _in_ball(rng, n_per_class, 3, radius)
    X = np.vstack([ones, zeros])
    y = np.concatenate([np.ones(n_per_class, np.int64), np.zeros(n_per_class, np.int64)])
    return X, y


def make_blobs(
    n_samples: int = 300,
    centers: int | np.ndarray = 3,
    n_features: int = 2,
    cluster_std: float = 1.0,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters: label k for points around ``centers[k]``.

    ``centers`` is a count (centres drawn uniformly in [-10, 10]^n_features) or an array of
    shape (k, n_features). Samples are split as evenly as possible among the clusters.
    """
    n_samples = _check_size(n_samples, "n_samples", "make_blobs")
    n_features = _check_size(n_features, "n_features", "make_blobs")
    cluster_std = _spread(cluster_std, "cluster_std", "make_blobs")
    rng = _rng(seed, "make_blobs")
    if np.isscalar(centers):
        k = _check_size(centers, "centers", "make_blobs")
        centers = rng.uniform(-10, 10, size=(k, n_features))
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2 or len(centers) == 0:
        raise ValueError(
            f"make_blobs: centers must be a count or an array of shape (k, n_features) with "
            f"k >= 1, got shape {centers.shape}"
        )
    k = len(centers)
    y = np.arange(n_samples, dtype=np.int64) % k
    X = centers[y] + rng.normal(scale=cluster_std, size=(n_samples, centers.shape[1]))
    return X, y
