"""Reductions as module-level functions with numpy's names and signatures.

``autograd_core.prod(x, axis=0)`` is ``Tensor(x).prod(axis=0)``: each function takes a Tensor
(recorded, differentiable) or anything ``np.asarray`` takes (a constant), and calls the
Tensor method of the same name, where the computation and its docstring live. These are also
what ``np.prod(t)`` etc. reach through ``Tensor.__array_function__``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = [
    "sum", "mean", "max", "amax", "min", "amin", "prod", "var", "std",
    "argmax", "argmin", "cumsum", "cumprod", "average", "all", "any",
]  # fmt: skip

Axis = int | tuple[int, ...] | None


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """sum of the entries of x over ``axis`` (all by default)."""
    return _tensor(x).sum(axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """mean of x over ``axis`` (nan over an empty slice, as numpy)."""
    return _tensor(x).mean(axis=axis, keepdims=keepdims)


def max(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """max of x over ``axis``; tied maxima share the gradient equally."""
    return _tensor(x).max(axis=axis, keepdims=keepdims)


def min(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """min of x over ``axis``; tied minima share the gradient equally."""
    return _tensor(x).min(axis=axis, keepdims=keepdims)


amax, amin = max, min


def prod(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """product of x over ``axis``; its gradient is exact when the slice holds zeros."""
    return _tensor(x).prod(axis=axis, keepdims=keepdims)


def var(x: Any, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
    """variance sum((x - mean)^2) / (n - ddof) over ``axis``."""
    return _tensor(x).var(axis=axis, ddof=ddof, keepdims=keepdims)


def std(x: Any, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
    """standard deviation sqrt(var(x, axis, ddof))."""
    return _tensor(x).std(axis=axis, ddof=ddof, keepdims=keepdims)


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """indices of the max along ``axis`` (flattened by default): an integer ndarray."""
    return _tensor(x).argmax(axis=axis, keepdims=keepdims)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    """indices of the min along ``axis`` (flattened by default): an integer ndarray."""
    return _tensor(x).argmin(axis=axis, keepdims=keepdims)


def cumsum(x: Any, axis: int | None = None) -> Tensor:
    """cumulative sum along ``axis`` (of the flattened x by default)."""
    return _tensor(x).cumsum(axis=axis)


def cumprod(x: Any, axis: int | None = None) -> Tensor:
    """cumulative product along ``axis`` (of the flattened x by default)."""
    return _tensor(x).cumprod(axis=axis)


def average(x: Any, axis: Axis = None, weights: Any = None, keepdims: bool = False) -> Tensor:
    """weighted mean sum(w x) / sum(w) over ``axis``, as ``np.average`` (without its
    ``returned``); ``weights`` is differentiated too when it is a Tensor."""
    return _tensor(x).average(axis=axis, weights=weights, keepdims=keepdims)


def all(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:  # noqa: A001
    """whether every entry of x is non-zero over ``axis`` (bool ndarray)."""
    return _tensor(x).all(axis=axis, keepdims=keepdims)


def any(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:  # noqa: A001
    """whether some entry of x is non-zero over ``axis`` (bool ndarray)."""
    return _tensor(x).any(axis=axis, keepdims=keepdims)

