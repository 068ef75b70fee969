"""Sorting and selection on Tensors, with numpy's names and signatures: ``sort``, ``argsort``,
``median``, ``quantile``, and PyTorch's ``topk``.

Each differentiable result is a selection of entries of its input (a permutation, the top k,
or two interpolated neighbours), so its gradient is the upstream gradient put back where each
entry came from (the ``SORTING`` rules of ``calculus.py``). Ties are broken by position (a
stable sort): of equal entries, the first one in the input is the first in the output and gets
the gradient of that output position.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .calculus import kept_shape
from .tensor import Tensor, _flag, _normalize_axes, _one_axis, _result

__all__ = ["sort", "argsort", "topk", "median", "quantile", "TopkResult"]


class TopkResult(NamedTuple):
    """``topk``'s result: the selected ``values`` (a Tensor) and their ``indices`` along the
    axis (an int ndarray, a constant)."""

    values: Tensor
    indices: np.ndarray


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _along_axis(index: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
    """The full integer index equivalent to ``take_along_axis(x, index, axis)``: ``index`` on
    ``axis``, an open grid (aranges broadcasting against each other) on every other axis."""
    nd = index.ndim
    return tuple(
        index if i == axis else np.arange(s).reshape((1,) * i + (s,) + (1,) * (nd - i - 1))
        for i, s in enumerate(index.shape)
    )


def _flat_if_none(x: Tensor, axis: Any) -> tuple[Tensor, Any]:
    """numpy's axis=None for sorts: the flattened array, along its only axis."""
    return (x.reshape(-1), 0) if axis is None else (x, axis)


_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")


def _check_kind(op: str, kind: Any, stable: Any) -> None:
    """numpy's ``kind`` and ``stable``, checked (the sort is stable whatever they say)."""
    if kind not in _KINDS:
        raise ValueError(f"{op}: kind {kind!r} is not one of {_KINDS[1:]}")
    if stable is not None:
        _flag(stable, "stable", op)


def _check_unsupported(op: str, **given: Any) -> None:
    """numpy arguments accepted for the signature whose other values are not supported."""
    for name, value in given.items():
        if value is not None and value is not False:
            raise ValueError(
                f"{op}: {name}={value!r} is not supported (Tensors are never "
                "written in place and have no structured dtypes)"
            )


def sort(
    a: Any, axis: int | None = -1, kind: Any = None, order: Any = None, *, stable: Any = None
) -> Tensor:
    """A sorted copy of ``a`` along ``axis`` (the flattened array for None), ascending. The
    sort is stable whatever ``kind``: equal entries keep their order. Gradient: g routed back
    through the permutation (each input entry gets the gradient of the position it went to)."""
    _check_unsupported("sort", order=order)
    _check_kind("sort", kind, stable)
    x, axis = _flat_if_none(_tensor(a), axis)
    ax = _one_axis(axis, x.ndim, "sort")
    index = _along_axis(np.argsort(x._data, axis=ax, kind="stable"), ax)
    return _result(x._data[index], "sort", (x,), (index,))


def argsort(
    a: Any, axis: int | None = -1, kind: Any = None, order: Any = None, *, stable: Any = None
) -> np.ndarray:
    """The indices that sort ``a`` along ``axis`` (an int ndarray, a constant: no gradient)."""
    _check_unsupported("argsort", order=order)
    _check_kind("argsort", kind, stable)
    x, axis = _flat_if_none(_tensor(a), axis)
    ax = _one_axis(axis, x.ndim, "argsort")
    return np.argsort(x._data, axis=ax, kind=kind, stable=stable)


def topk(a: Any, k: int, axis: int = -1, largest: bool = True) -> TopkResult:
    """The k largest (``largest=False``: smallest) entries along ``axis``, in sorted order
    (largest first, or smallest first), and their indices along the axis; of equal entries
    the first in the input comes first. Gradient: g at the selected positions, 0 elsewhere."""
    x = _tensor(a)
    ax = _one_axis(axis, x.ndim, "topk")
    largest = _flag(largest, "largest", "topk")
    n = x.shape[ax]
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 0 <= k <= n:
        raise ValueError(
            f"topk: k={k!r} must be an integer in [0, {n}] (axis {axis} of a "
            f"Tensor of shape {x.shape})"
        )
    keys = -x._data if largest else x._data
    indices = np.argsort(keys, axis=ax, kind="stable").take(np.arange(k), axis=ax)
    index = _along_axis(indices, ax)
    return TopkResult(_result(x._data[index], "topk", (x,), (index,)), indices)


def quantile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: Any = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    *,
    weights: Any = None,
) -> Tensor:
    """The q-th quantile(s) over ``axis`` (all axes by default), numpy's ``method="linear"``:
    with the n entries of a slice sorted as s, h = (n - 1) q, lo = floor(h), t = h - lo,
    the result is (1 - t) s[lo] + t s[lo + 1]. ``q`` a number or an array in [0, 1]; an
    array's axes come first in the result, as in numpy. Gradient: (1 - t) g to the entry at
    s[lo], t g to the entry at s[lo + 1] (ties between entries: see the module docstring)."""
    _check_unsupported("quantile", out=out, overwrite_input=overwrite_input, weights=weights)
    if method != "linear":
        raise ValueError(f"quantile: method={method!r} is not supported; only 'linear'")
    return _quantile("quantile", _tensor(a), q, axis, keepdims)


def median(
    a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False, keepdims: bool = False
) -> Tensor:
    """The median over ``axis`` (all axes by default): the middle entry of each sorted slice,
    or the mean of the two middle ones (``quantile(a, 0.5)``). Gradient: g to the middle
    entry, or g/2 to each of the two middle ones."""
    _check_unsupported("median", out=out, overwrite_input=overwrite_input)
    return _quantile("median", _tensor(a), 0.5, axis, keepdims)


def _quantile(op: str, x: Tensor, q: Any, axis: Any, keepdims: bool) -> Tensor:
    keepdims = _flag(keepdims, "keepdims", op)
    qs = np.asarray(q._data if isinstance(q, Tensor) else q)
    if qs.dtype.kind not in "iuf":  # strings ("0.5") would convert, None and complex not
        raise TypeError(f"{op}: q must be a number or an array of numbers in [0, 1], got {q!r}")
    qs = qs.astype(np.float64)
    if not np.all((qs >= 0) & (qs <= 1)):  # also catches nan
        raise ValueError(f"{op}: q must be in [0, 1], got {q!r}")
    axes = tuple(sorted(_normalize_axes(axis, x.ndim, op)))  # in x's order, as index_of reads
    rest = [i for i in range(x.ndim) if i not in axes]
    reduced = tuple(x.shape[i] for i in axes)
    n = math.prod(reduced)
    if n == 0:
        raise ValueError(
            f"{op}: no entries to take the {op} of (axis {axis!r} of a Tensor of shape {x.shape})"
        )
    rest_shape = tuple(x.shape[i] for i in rest)
    # each slice as one row of n entries, sorted: positions of its entries within the slice
    rows = x._data.transpose(rest + list(axes)).reshape(rest_shape + (n,))
    order = np.argsort(rows, axis=-1, kind="stable")
    h = (n - 1) * qs
    lo = np.floor(h).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    t = (h - lo).reshape(qs.shape + (1,) * len(rest)).astype(x.dtype)

    def index_of(rank: np.ndarray) -> tuple[np.ndarray, ...]:
        """The full index into x of the entry of sorted rank ``rank`` of each slice, shaped
        q's shape + the shape of the axes kept."""
        pos = np.moveaxis(order[..., rank], range(len(rest), len(rest) + qs.ndim), range(qs.ndim))
        coords = iter(np.unravel_index(pos, reduced))
        grid = iter(np.ix_(*(np.arange(s) for s in rest_shape)) if rest_shape else ())
        return tuple(next(coords) if i in axes else next(grid) for i in range(x.ndim))

    index_lo, index_hi = index_of(lo), index_of(hi)
    below, above = x._data[index_lo], x._data[index_hi]
    with np.errstate(invalid="ignore"):  # inf - inf, inf * 0 at infinite entries, as numpy
        diff = above - below
        value = np.where(t >= 0.5, above - diff * (1 - t), below + diff * t)  # numpy's _lerp
    value = np.where(t == 0, below, value)  # an exact rank is that entry, even next to an inf
    nan_rows = np.isnan(rows).any(axis=-1)
    if nan_rows.any():  # as numpy: a slice with a nan has a nan quantile (sorting puts it last)
        value = np.where(nan_rows, np.nan, value).astype(x.dtype, copy=False)
    shape = value.shape
    if keepdims:
        value = value.reshape(qs.shape + kept_shape(x.shape, axes))
    return _result(value, "quantile", (x,), (index_lo, index_hi, t, shape))
