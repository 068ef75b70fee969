"""nn.data.DataLoader: order, coverage, batch sizes, seeding."""

from __future__ import annotations

import numpy as np
import pytest

from nn.data import DataLoader


def make(n=10):
    return np.arange(n * 2).reshape(n, 2), np.arange(n)


def test_unshuffled_order_and_last_batch():
    X, y = make(10)
    batches = list(DataLoader(X, y, batch_size=4, shuffle=False))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0] // 2, yb)
    assert len(DataLoader(X, y, 4, shuffle=False)) == 3


def test_drop_last():
    X, y = make(10)
    loader = DataLoader(X, y, batch_size=4, shuffle=True, seed=0, drop_last=True)
    batches = list(loader)
    assert len(loader) == len(batches) == 2
    assert all(len(yb) == 4 for _, yb in batches)
    assert len(set(np.concatenate([b[1] for b in batches]).tolist())) == 8


def test_shuffle_covers_every_row_once_and_changes_per_epoch():
    X, y = make(100)
    loader = DataLoader(X, y, batch_size=7, seed=3)
    epochs = [np.concatenate([yb for _, yb in loader]) for _ in range(3)]
    for order in epochs:
        assert sorted(order.tolist()) == list(range(100))
    assert not np.array_equal(epochs[0], epochs[1])
    for xb, yb in loader:  # rows stay paired with their labels
        np.testing.assert_array_equal(xb[:, 0] // 2, yb)


def test_seed_reproduces_the_sequence_of_epochs():
    X, y = make(50)
    a, b = DataLoader(X, y, 8, seed=1), DataLoader(X, y, 8, seed=1)
    for _ in range(2):
        np.testing.assert_array_equal(
            np.concatenate([yb for _, yb in a]), np.concatenate([yb for _, yb in b])
        )


def test_bad_arguments():
    X, y = make(5)
    with pytest.raises(ValueError, match="5 rows but y has 4"):
        DataLoader(X, y[:4], 2)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(X, y, 0)
