"""Mini-batches of numpy arrays."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from .module import _array, _check_bool, _check_seed, spawn_generator

__all__ = ["DataLoader"]


def _rows(a: Any, name: str, owner: str = "DataLoader", numeric: bool = True) -> np.ndarray:
    """a as an array with at least one axis (rows), or a clear error naming ``name``."""
    if a is None:
        raise TypeError(f"{owner}: {name} is None; pass an array with one row per example")
    if isinstance(a, (Iterator, Mapping, set)):  # np.asarray makes a 0-d object array of it
        raise TypeError(
            f"{owner}: {name} is a {type(a).__name__}; pass an array with one row per example "
            "(np.asarray(list(...)) for a generator)"
        )
    arr = _array(a, name, owner)
    if arr.ndim == 0:
        raise ValueError(f"{owner}: {name} must have one row per example, got a 0-d {arr!r}")
    if numeric and arr.dtype.kind not in "biuf":
        raise TypeError(f"{owner}: {name} must be numeric, got dtype {arr.dtype}")
    return arr


class DataLoader:
    """Iterate over ``(X_batch, y_batch)`` pairs of ``batch_size`` rows of ``X`` and ``y``.

    With ``shuffle=True`` every pass (epoch) visits the rows in a fresh random order drawn from
    a generator seeded once by ``seed``, so a seeded loader gives the same sequence of epochs
    every run; without ``seed`` the generator is derived from ``nn.manual_seed``'s. The last,
    smaller batch is kept unless ``drop_last=True``. Batches are numpy arrays (copies made by
    fancy indexing when shuffling, views otherwise).
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        batch_size: int,
        shuffle: bool = True,
        seed: int | None = None,
        drop_last: bool = False,
    ):
        X, y = _rows(X, "X"), _rows(y, "y")
        if len(X) != len(y):
            raise ValueError(f"DataLoader: X has {len(X)} rows but y has {len(y)}")
        if (
            not isinstance(batch_size, (int, np.integer))
            or isinstance(batch_size, (bool, np.bool_))
            or batch_size < 1
        ):
            raise ValueError(f"DataLoader: batch_size must be an int >= 1, got {batch_size!r}")
        self.X, self.y = X, y
        self.batch_size = int(batch_size)
        self.shuffle = _check_bool(shuffle, "shuffle", "DataLoader")
        self.drop_last = _check_bool(drop_last, "drop_last", "DataLoader")
        self._rng = (
            spawn_generator()
            if seed is None
            else np.random.default_rng(_check_seed(seed, "DataLoader", generator=False))
        )

    def __len__(self) -> int:
        """The number of batches in one pass."""
        n, b = len(self.X), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n, b = len(self.X), self.batch_size
        stop = n - n % b if self.drop_last else n
        if self.shuffle:
            order = self._rng.permutation(n)
            for start in range(0, stop, b):
                idx = order[start : start + b]
                yield self.X[idx], self.y[idx]
        else:
            for start in range(0, stop, b):
                yield self.X[start : start + b], self.y[start : start + b]

    def state_dict(self) -> dict[str, Any]:
        """The shuffling generator's state (plain ints and strings, no arrays): a loader given
        it by ``load_state_dict`` draws the same epoch orders from there on."""
        return {"rng": self._rng.bit_generator.state}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore the shuffling generator from ``state_dict()``."""
        if not isinstance(state, Mapping):
            raise ValueError(f"DataLoader.load_state_dict: not a DataLoader state: {state!r}")
        try:
            self._rng.bit_generator.state = dict(state["rng"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(
                f"DataLoader.load_state_dict: not a DataLoader state ({exc})"
            ) from None
