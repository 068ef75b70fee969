"""Builders shared by several test modules (a test module never imports another one).

Import as ``from helpers import ...``: pytest puts ``tests/`` on ``sys.path`` (the default
``prepend`` import mode, ``tests/`` having no ``__init__.py``), as it does for conftest.py.
"""

from __future__ import annotations

import gzip
import struct
import tracemalloc

import numpy as np

from nn import datasets


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    """``array`` as an IDX file (the MNIST format) of element type ``code``."""
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(datasets._IDX_DTYPES[code]).tobytes()


def write_mnist_dir(directory, n_train=6, n_test=4, gz=False, seed=0):
    """Random 28x28 images and labels as the four IDX files of an MNIST-layout directory
    (gzipped with ``gz``); returns the arrays written, keyed as ``datasets._IDX_NAMES``."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": rng.integers(0, 256, size=(n_train, 28, 28)),
        "train_labels": rng.integers(0, 10, size=n_train),
        "test_images": rng.integers(0, 256, size=(n_test, 28, 28)),
        "test_labels": rng.integers(0, 10, size=n_test),
    }
    directory.mkdir(exist_ok=True)
    for key, stem in datasets._IDX_NAMES.items():
        data = idx_bytes(arrays[key])
        if gz:
            (directory / (stem + ".gz")).write_bytes(gzip.compress(data))
        else:
            (directory / stem).write_bytes(data)
    return arrays


def peak_allocation(fn, times: int) -> int:
    """The peak bytes traced while ``fn()`` runs ``times`` times, above what was traced when it
    started (tracemalloc): how the optimizers' tests show a step allocates nothing."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(times):
            fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


# --- registry of the Tensor engine's property tests ----------------------------------------
# tests/test_tensor_ops.py fails when an op of the rule table has no first-order property test
# against central differences (@covers) or no second-order test (@covers_second_order).
COVERED: set[str] = set()
COVERED_SECOND_ORDER: set[str] = set()


def covers(*ops: str):
    """Register ``ops`` as checked against central differences by the decorated test."""
    COVERED.update(ops)
    return lambda test: test


def covers_second_order(*ops: str):
    """Register ``ops`` as differentiated twice (through create_graph) by the decorated test."""
    COVERED_SECOND_ORDER.update(ops)
    return lambda test: test
