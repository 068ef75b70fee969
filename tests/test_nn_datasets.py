"""nn.datasets: the IDX reader on small files (written by helpers.py), loaders, toy sets."""

from __future__ import annotations

import gzip
import pickle
import struct

import numpy as np
import pytest

from nn import datasets
from nn.datasets import (
    load_digits,
    load_fashion_mnist,
    load_mnist,
    make_blobs,
    make_moons,
    make_spheres,
    read_idx,
    split_train_test,
)

from helpers import idx_bytes, write_mnist_dir


@pytest.mark.parametrize("code", sorted(datasets._IDX_DTYPES))
def test_read_idx_round_trips_every_type(tmp_path, code):
    a = (np.arange(24).reshape(2, 3, 4) - 5).astype(datasets._IDX_DTYPES[code])
    if code == 0x08:
        a = np.arange(24).reshape(2, 3, 4)
    path = tmp_path / "a.idx"
    path.write_bytes(idx_bytes(a, code))
    out = read_idx(path)
    assert out.shape == (2, 3, 4)
    assert out.dtype.isnative
    np.testing.assert_array_equal(out, a)


def test_read_idx_reads_gzip_by_content(tmp_path):
    a = np.arange(10, dtype=np.uint8)
    path = tmp_path / "labels"  # no .gz suffix: detected from the gzip magic
    path.write_bytes(gzip.compress(idx_bytes(a)))
    np.testing.assert_array_equal(read_idx(path), a)


@pytest.mark.parametrize(
    "mangle, message",
    [
        (lambda b: b[:3], "no header"),
        (lambda b: b"\x01" + b[1:], "bad magic"),
        (lambda b: b[:2] + b"\x07" + b[3:], "unknown data type"),
        (lambda b: b[:3] + b"\x00" + b[4:], "0 dimensions"),
        (lambda b: b[:3] + b"\x20" + b[4:], "truncated IDX header"),
        (lambda b: b[:-1], "truncated"),
        (lambda b: b + b"\x00", "trailing bytes"),
        (lambda b: b[:4] + struct.pack(">I", 3) + b[8:], "header says shape"),
    ],
)
def test_read_idx_rejects_corrupted_files(tmp_path, mangle, message):
    good = idx_bytes(np.arange(2 * 3 * 4).reshape(2, 3, 4))
    path = tmp_path / "bad.idx"
    path.write_bytes(mangle(good))
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_rejects_truncated_gzip(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8)))[:-20])
    with pytest.raises(ValueError, match="gzip"):
        read_idx(path)


@pytest.mark.parametrize("gz", [False, True])
def test_load_fashion_mnist_from_argument(tmp_path, gz):
    arrays = write_mnist_dir(tmp_path / "fm", gz=gz)
    X_train, y_train, X_test, y_test = load_fashion_mnist(path=tmp_path / "fm")
    assert X_train.shape == (6, 784) and X_test.shape == (4, 784)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert 0.0 <= X_train.min() and X_train.max() <= 1.0
    np.testing.assert_allclose(X_train, arrays["train_images"].reshape(6, -1) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y_test, arrays["test_labels"])


def test_load_fashion_mnist_env_var_and_dtype(tmp_path, monkeypatch):
    write_mnist_dir(tmp_path / "fm")
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path / "fm"))
    X_train, *_ = load_fashion_mnist(dtype=np.float64)
    assert X_train.dtype == np.float64 and X_train.shape == (6, 784)


def test_load_fashion_mnist_missing_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist()
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        load_fashion_mnist(path=tmp_path / "empty")


def test_loader_checks_consistency(tmp_path):
    write_mnist_dir(tmp_path / "m")
    stem = datasets._IDX_NAMES["train_labels"]
    (tmp_path / "m" / stem).write_bytes(idx_bytes(np.zeros(5, np.uint8)))
    with pytest.raises(ValueError, match="6 images but .* 5 labels"):
        load_mnist(tmp_path / "m")
    (tmp_path / "m" / stem).write_bytes(idx_bytes(np.full(6, 12, np.uint8)))
    with pytest.raises(ValueError, match="labels outside 0..9"):
        load_mnist(tmp_path / "m")
    (tmp_path / "m" / stem).write_bytes(idx_bytes(np.zeros((6, 2), np.uint8)))
    with pytest.raises(ValueError, match="1-D labels"):
        load_mnist(tmp_path / "m")


def test_load_mnist_idx_dir(tmp_path):
    arrays = write_mnist_dir(tmp_path / "m", gz=True)
    X_train, y_train, X_test, y_test = load_mnist(tmp_path / "m")
    assert X_train.shape == (6, 784)
    np.testing.assert_array_equal(y_train, arrays["train_labels"])


def test_load_mnist_pickle_needs_explicit_permission(tmp_path):
    rng = np.random.default_rng(0)
    part = lambda n: (rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n))
    train, valid, test = part(5), part(3), part(2)
    path = tmp_path / "mnist.pkl.gz"
    with gzip.open(path, "wb") as f:
        pickle.dump((train, valid, test), f)
    with pytest.raises(ValueError, match="allow_pickle=True"):
        load_mnist(path)
    X_train, y_train, X_test, y_test = load_mnist(path, allow_pickle=True)
    assert X_train.shape == (8, 784) and X_test.shape == (2, 784)
    np.testing.assert_array_equal(y_train, np.concatenate([train[1], valid[1]]))
    path.write_bytes(b"not a pickle at all")
    with pytest.raises(ValueError, match="not a readable"):
        load_mnist(path, allow_pickle=True)


def test_load_mnist_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_mnist(tmp_path / "nope")


def test_load_digits_split_and_scale():
    X_train, y_train, X_test, y_test = load_digits()
    assert X_train.shape[1] == 64 and len(X_train) + len(X_test) == 1797
    assert len(X_test) == round(0.2 * 1797)
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    assert set(np.unique(y_train)) == set(range(10))
    again = load_digits()
    np.testing.assert_array_equal(again[0], X_train)
    assert load_digits(dtype=np.float32)[0].dtype == np.float32


def test_make_spheres_is_seed_002s_data():
    X, y = make_spheres(100, seed=0)
    assert X.shape == (200, 3) and np.bincount(y).tolist() == [100, 100]
    ones, zeros = X[y == 1], X[y == 0]
    assert np.all(np.linalg.norm(ones - [1, 1, 1], axis=1) <= 1.0)
    assert np.all(np.linalg.norm(zeros - [-1, 2, -7], axis=1) <= 1.0)
    np.testing.assert_array_equal(make_spheres(100, seed=0)[0], X)


def test_make_moons_and_blobs():
    X, y = make_moons(101, noise=0.0, seed=1)
    assert X.shape == (101, 2) and np.bincount(y).tolist() == [50, 51]
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
    X, y = make_blobs(90, centers=np.array([[0, 0], [10, 10], [-10, 10]]), seed=0)
    assert X.shape == (90, 2) and np.bincount(y).tolist() == [30, 30, 30]
    for k, c in enumerate([[0, 0], [10, 10], [-10, 10]]):
        np.testing.assert_allclose(X[y == k].mean(axis=0), c, atol=0.6)
    X, y = make_blobs(50, centers=4, n_features=5, seed=0)
    assert X.shape == (50, 5) and y.max() == 3


def test_train_test_split():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    X_train, y_train, X_test, y_test = split_train_test(X, y, 0.3, seed=0)
    assert len(X_test) == 3 and len(X_train) == 7
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(10))
    np.testing.assert_array_equal(X_train[:, 0] // 2, y_train)
    with pytest.raises(ValueError):
        split_train_test(X, y, 1.5)
