"""Structure ops on Tensors under numpy's names and signatures: shape and movement, padding,
contractions (einsum and what is built on it), diagonals and triangles, gather and scatter,
and factories.

Most of them are a reshape, a transpose, an indexing or an einsum with a computed argument,
so their gradients are rules that already exist (see ``calculus.STRUCTURE`` and
``calculus.SHAPES``); the Tensor methods of the same names (``x.squeeze()``, ``x.take(i)``)
are the same ops. Arrays and numbers passed where a Tensor is expected are constants.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import calculus
from .calculus import _LETTERS
from .tensor import (
    Tensor,
    _as_float_array,
    _flag,
    _gather,
    _index_array,
    _integer,
    _is_sequence,
    _normalize_axes,
    _operand,
    _real,
    _result,
    _tensors,
    concat,
)

__all__ = [
    "reshape", "transpose", "squeeze", "expand_dims", "unsqueeze", "ravel", "flatten",
    "broadcast_to", "swapaxes", "moveaxis", "permute", "repeat", "tile", "flip", "fliplr",
    "flipud", "roll", "rot90", "split", "array_split", "hstack", "vstack", "cat", "pad",
    "einsum", "tensordot", "inner", "outer", "kron", "diag", "diagonal", "trace", "tril",
    "triu", "take", "take_along_axis", "add_along_axis", "index_add", "zeros", "ones", "full",
    "zeros_like", "ones_like", "arange", "linspace", "eye", "identity", "rand", "randn",
]  # fmt: skip

Axes = int | Sequence[int] | None


def _as_tensor(a: Any) -> Tensor:
    """A Tensor as it is; an array or a number as a constant Tensor."""
    return a if isinstance(a, Tensor) else Tensor(a)


# --- shape and movement ------------------------------------------------------------------------


def reshape(a: Any, shape: int | Sequence[int]) -> Tensor:
    """``a`` with the same entries in ``shape`` (one entry may be -1)."""
    return _as_tensor(a).reshape(shape)


def transpose(a: Any, axes: Sequence[int] | None = None) -> Tensor:
    """``a`` with its axes permuted by ``axes`` (reversed by default)."""
    t = _as_tensor(a)
    if axes is None:
        return t.transpose()
    return t.transpose(tuple(axes)) if _is_sequence(axes) else t.transpose(axes)


def squeeze(a: Any, axis: Axes = None) -> Tensor:
    """``a`` without its size-1 axes ``axis`` (all of them by default)."""
    return _as_tensor(a).squeeze(axis)


def expand_dims(a: Any, axis: int | Sequence[int]) -> Tensor:
    """``a`` with new size-1 axes at positions ``axis`` of the result."""
    return _as_tensor(a).expand_dims(axis)


def unsqueeze(a: Any, dim: int) -> Tensor:
    """PyTorch's name for ``expand_dims``."""
    return _as_tensor(a).expand_dims(dim)


def ravel(a: Any) -> Tensor:
    """The entries of ``a`` as a 1-D tensor."""
    return _as_tensor(a).ravel()


def flatten(a: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """PyTorch's ``flatten``: axes start_dim..end_dim of ``a`` merged into one."""
    return _as_tensor(a).flatten(start_dim, end_dim)


def broadcast_to(array: Any, shape: int | Sequence[int]) -> Tensor:
    """``array`` repeated to ``shape`` by broadcasting; its gradient is summed back."""
    return _as_tensor(array).broadcast_to(shape)


def swapaxes(a: Any, axis1: int, axis2: int) -> Tensor:
    """``a`` with ``axis1`` and ``axis2`` exchanged."""
    return _as_tensor(a).swapaxes(axis1, axis2)


def moveaxis(a: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """``a`` with axes ``source`` moved to ``destination``, the others in their order."""
    return _as_tensor(a).moveaxis(source, destination)


def permute(a: Any, dims: Sequence[int]) -> Tensor:
    """PyTorch's name for ``transpose(a, axes)``."""
    return _as_tensor(a).transpose(tuple(dims))


def repeat(a: Any, repeats: int | Sequence[int], axis: int | None = None) -> Tensor:
    """Each entry of ``a`` repeated along ``axis`` (flattened by default), as ``np.repeat``."""
    return _as_tensor(a).repeat(repeats, axis)


def tile(A: Any, reps: int | Sequence[int]) -> Tensor:  # noqa: N803 (numpy's name)
    """``A`` repeated ``reps`` times along each axis, as ``np.tile``."""
    return _as_tensor(A).tile(reps)


def flip(m: Any, axis: Axes = None) -> Tensor:
    """``m`` in reverse order along ``axis`` (all axes by default)."""
    return _as_tensor(m).flip(axis)


def fliplr(m: Any) -> Tensor:
    """``m`` reversed along axis 1 (left/right); ``m`` must be at least 2-D."""
    t = _as_tensor(m)
    if t.ndim < 2:
        raise ValueError(f"fliplr: needs at least 2 axes, got shape {t.shape}")
    return t.flip(1)


def flipud(m: Any) -> Tensor:
    """``m`` reversed along axis 0 (up/down); ``m`` must be at least 1-D."""
    t = _as_tensor(m)
    if t.ndim < 1:
        raise ValueError("flipud: needs at least 1 axis, got a 0-d tensor")
    return t.flip(0)


def roll(a: Any, shift: int | Sequence[int], axis: Axes = None) -> Tensor:
    """``a`` shifted cyclically by ``shift`` along ``axis``; dx = g rolled back."""
    return _as_tensor(a).roll(shift, axis)


def rot90(m: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Tensor:
    """``m`` rotated by k quarter turns in the plane of ``axes``, from the first axis towards
    the second (as ``np.rot90``): a flip and a transpose."""
    t = _as_tensor(m)
    k = _integer(k, "k", "rot90")
    if not _is_sequence(axes) or len(axes) != 2:
        raise ValueError(f"rot90: axes must be two axes, got {axes!r}")
    (a,) = _normalize_axes(axes[0], t.ndim, "rot90")
    (b,) = _normalize_axes(axes[1], t.ndim, "rot90")
    if a == b:
        raise ValueError(f"rot90: axes {tuple(axes)} are the same axis")
    k %= 4
    if k == 0:
        return t
    if k == 2:
        return t.flip((a, b))
    return t.flip(b if k == 1 else a).swapaxes(a, b)


def _split(ary: Any, sections: Any, axis: int, op: str) -> list[Tensor]:
    x = _as_tensor(ary)
    (ax,) = _normalize_axes(axis, x.ndim, op)
    n = x.shape[ax]
    if not _is_sequence(sections):
        s = _integer(sections, "the number of sections", op)
        if s <= 0:
            raise ValueError(f"{op}: the number of sections must be positive, got {s}")
        if op == "split" and n % s:
            raise ValueError(
                f"split: axis {axis} of size {n} does not divide into {s} equal sections "
                "(array_split allows unequal ones)"
            )
        q, r = divmod(n, s)
        bounds = np.cumsum([0] + [q + 1] * r + [q] * (s - r)).tolist()
    else:
        bounds = [0] + [_integer(i, "indices", op) for i in sections] + [n]
    lead = (slice(None),) * ax
    return [_gather(x, lead + (slice(lo, hi),), False) for lo, hi in zip(bounds, bounds[1:])]


def split(ary: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
    """``ary`` cut along ``axis`` into equal sections (an int) or at the given indices; each
    piece is an indexing of ``ary`` and carries its own gradient."""
    return _split(ary, indices_or_sections, axis, "split")


def array_split(
    ary: Any, indices_or_sections: int | Sequence[int], axis: int = 0
) -> list[Tensor]:
    """``split`` that allows sections of unequal size (the first ones one longer)."""
    return _split(ary, indices_or_sections, axis, "array_split")


def hstack(tup: Sequence[Any]) -> Tensor:
    """The tensors joined along axis 1 (axis 0 for 1-D tensors; 0-D ones count as 1-D)."""
    ts = [t if t.ndim else t.reshape(1) for t in _tensors(tup, "hstack")]
    return concat(ts, axis=0 if ts[0].ndim == 1 else 1)


def vstack(tup: Sequence[Any]) -> Tensor:
    """The tensors joined along axis 0, 0- and 1-D tensors taken as rows (1, n)."""
    ts = [t if t.ndim >= 2 else t.reshape(1, -1) for t in _tensors(tup, "vstack")]
    return concat(ts, axis=0)


def cat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """PyTorch's name for ``concat``."""
    return concat(tensors, axis=axis)


# --- padding ------------------------------------------------------------------------------------

PAD_MODES = ("constant", "reflect", "edge")


def pad(
    array: Any,
    pad_width: int | Sequence[int] | Sequence[Sequence[int]],
    mode: str = "constant",
    constant_values: float = 0,
) -> Tensor:
    """``array`` padded as ``np.pad``: ``pad_width`` entries (before, after) per axis, filled
    with ``constant_values``, the mirror image without the edge ("reflect") or the edge
    ("edge"). Gradient: the centre of g, plus (reflect, edge) each padded entry's g added to
    the entry it copies."""
    x = _as_tensor(array)
    if mode not in PAD_MODES:
        raise ValueError(f"pad: mode {mode!r} is not supported; use one of {PAD_MODES}")
    try:
        w = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad: pad_width {pad_width!r} does not fit a Tensor of shape {x.shape} "
            "(give n, (before, after) or one (before, after) per axis)"
        ) from None
    if w.dtype.kind not in "iu" or (w < 0).any():
        raise ValueError(f"pad: pad_width must be non-negative integers, got {pad_width!r}")
    widths = tuple((int(b), int(a)) for b, a in w)
    fill = _pad_fill(constant_values)
    if mode == "constant":
        shape = tuple(n + b + a for n, (b, a) in zip(x.shape, widths))
        try:
            value = np.empty(shape, dtype=x.dtype)  # each entry written once: centre, rims
        except (ValueError, MemoryError):
            raise MemoryError(
                f"pad: the padded shape {shape} of a {x.dtype} Tensor is too large to allocate"
            ) from None
        value[tuple(slice(b, b + n) for n, (b, _) in zip(x.shape, widths))] = x._data
        for ax, (b, a) in enumerate(widths):
            lead = (slice(None),) * ax
            value[lead + (slice(0, b),)] = fill
            value[lead + (slice(shape[ax] - a, None),)] = fill
    else:
        empty = [ax for ax, n in enumerate(x.shape) if n == 0 and widths[ax] != (0, 0)]
        if empty:
            raise ValueError(f"pad: mode {mode!r} cannot pad the empty axis {empty[0]} of a "
                             f"Tensor of shape {x.shape}")
        value = np.pad(x._data, widths, mode=mode)  # type: ignore[call-overload]
    return _result(value, "pad", (x,), (widths, mode))


def _pad_fill(value: Any) -> float:
    """pad's ``constant_values``: one real number (a constant; no gradient reaches it)."""
    if isinstance(value, Tensor):
        if value.requires_grad:
            raise TypeError(
                "pad: constant_values is a Tensor that requires grad; it is a constant here "
                "(no gradient reaches it): pass a number"
            )
        value = value._data
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if np.ndim(value) != 0:
        raise TypeError(
            f"pad: constant_values must be one number (for every padded entry), got "
            f"{value!r:.60}"
        )
    return _real(value, "constant_values", "pad")


# --- contractions ------------------------------------------------------------------------------


def _einsum_specs(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Each operand's subscripts and the output's, with ``...`` written out as letters and the
    implicit output (ellipsis axes, then the letters used once, sorted) made explicit."""
    s = subscripts.replace(" ", "")
    inputs, arrow, out = s.partition("->")
    specs = inputs.split(",")
    if len(specs) != len(shapes):
        raise ValueError(
            f"einsum: {subscripts!r} names {len(specs)} operands, got {len(shapes)}"
        )
    unused = [c for c in _LETTERS if c not in s]
    ell_nd = max(
        (len(sh) - len(sp) + 3 for sp, sh in zip(specs, shapes) if "..." in sp), default=0
    )
    ell = "".join(unused[:ell_nd])
    explicit = []
    for given, shape in zip(specs, shapes):
        spec = given
        if "..." in spec:
            spec = spec.replace("...", ell[ell_nd - (len(shape) - len(spec) + 3) :], 1)
        if len(spec) != len(shape) or not all(c in _LETTERS for c in spec):
            raise ValueError(
                f"einsum: subscripts {given!r} do not fit an operand of shape {shape} "
                f"(in {subscripts!r})"
            )
        explicit.append(spec)
    if arrow:
        out = out.replace("...", ell)
    else:
        counts = Counter("".join(explicit))
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    return explicit, out


def einsum(subscripts: str, *operands: Any, optimize: Any = False) -> Tensor:
    """Einstein summation as ``np.einsum``: explicit (``"ij,jk->ik"``) or implicit output,
    repeated letters in an operand for diagonals, ``...`` for broadcast axes. The gradient of
    each operand is another einsum (see ``calculus._einsum_vjp``)."""
    if not isinstance(subscripts, str):
        raise TypeError(
            f"einsum: the first argument must be the subscripts string (e.g. 'ij,jk->ik'), "
            f"got {type(subscripts).__name__}"
        )
    if not (optimize in (False, True, "greedy", "optimal") or isinstance(optimize, list)):
        raise ValueError(
            f"einsum: optimize must be True, False, 'greedy', 'optimal' or a path list, got "
            f"{optimize!r}"
        )
    ts = _tensors(operands, "einsum")
    specs, out = _einsum_specs(subscripts, [t.shape for t in ts])
    spec = ",".join(specs) + "->" + out
    try:
        value = np.einsum(spec, *[t._data for t in ts], optimize=optimize)
    except ValueError as e:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(f"einsum: {subscripts!r} with shapes {shapes}: {e}") from None
    return _result(value, "einsum", tuple(ts), (tuple(specs), out, optimize))


def tensordot(a: Any, b: Any, axes: int | Sequence[Any] = 2) -> Tensor:
    """sum over the paired axes of a and b of a * b, as ``np.tensordot``: ``axes`` = n pairs
    the last n axes of a with the first n of b, or give the two lists of axes."""
    ta, tb = _tensors([a, b], "tensordot")
    if not isinstance(axes, (tuple, list)):
        axes = _integer(axes, "axes", "tensordot")
        if not 0 <= axes <= min(ta.ndim, tb.ndim):
            raise ValueError(f"tensordot: axes={axes} for shapes {ta.shape} and {tb.shape}")
        pa, pb = tuple(range(ta.ndim - axes, ta.ndim)), tuple(range(axes))
    else:
        if len(axes) != 2:
            raise ValueError(
                f"tensordot: axes must be an int or a pair (axes of a, axes of b), got {axes!r}"
            )
        pa = _normalize_axes(axes[0], ta.ndim, "tensordot")
        pb = _normalize_axes(axes[1], tb.ndim, "tensordot")
        if len(pa) != len(pb):
            raise ValueError(
                f"tensordot: {len(pa)} axes of a {pa} but {len(pb)} axes of b {pb}; they "
                "are summed in pairs"
            )
    if [ta.shape[i] for i in pa] != [tb.shape[i] for i in pb]:
        raise ValueError(
            f"tensordot: shapes {ta.shape} and {tb.shape} differ along the summed axes "
            f"{pa} and {pb}"
        )
    sa = _LETTERS[: ta.ndim]
    fresh = iter(_LETTERS[ta.ndim :])
    sb = "".join(sa[pa[pb.index(i)]] if i in pb else next(fresh) for i in range(tb.ndim))
    out = "".join(c for i, c in enumerate(sa) if i not in pa)
    out += "".join(c for i, c in enumerate(sb) if i not in pb)
    return einsum(f"{sa},{sb}->{out}", ta, tb, optimize=True)


def inner(a: Any, b: Any) -> Tensor:
    """sum over the last axes of a and b of a * b (a product if either is 0-D)."""
    ta, tb = _tensors([a, b], "inner")
    if ta.ndim == 0 or tb.ndim == 0:
        return ta * tb
    return tensordot(ta, tb, ([-1], [-1]))


def outer(a: Any, b: Any) -> Tensor:
    """out[i, j] = a[i] b[j] of the flattened a and b."""
    ta, tb = _tensors([a, b], "outer")
    return einsum("i,j->ij", ta.ravel(), tb.ravel())


def kron(a: Any, b: Any) -> Tensor:
    """The Kronecker product: blocks a[i...] * b, as ``np.kron``."""
    ta, tb = _tensors([a, b], "kron")
    nd = max(ta.ndim, tb.ndim)
    ta = ta.reshape((1,) * (nd - ta.ndim) + ta.shape)
    tb = tb.reshape((1,) * (nd - tb.ndim) + tb.shape)
    sa, sb = _LETTERS[:nd], _LETTERS[nd : 2 * nd]
    out = einsum(f"{sa},{sb}->" + "".join(x + y for x, y in zip(sa, sb)), ta, tb)
    return out.reshape(tuple(m * n for m, n in zip(ta.shape, tb.shape)))


# --- diagonals and triangles --------------------------------------------------------------------


def diag(v: Any, k: int = 0) -> Tensor:
    """A 1-D ``v`` placed on the k-th diagonal of a square matrix, or the k-th diagonal of a
    2-D ``v``; the gradient is the inverse: the diagonal of g, or g on the diagonal."""
    t = _as_tensor(v)
    if t.ndim == 2:
        return t.diagonal(k)
    if t.ndim != 1:
        raise ValueError(f"diag: needs a 1-D or 2-D tensor, got shape {t.shape}")
    k = _integer(k, "k", "diag")
    n = t.shape[0] + abs(k)
    i = np.arange(t.shape[0])
    key = (i + max(-k, 0), i + max(k, 0))
    return _result(calculus._scatter_add(t._data, (n, n), key, False), "scatter_add", (t,), (key,))


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The entries a[..., i, i + offset] over axis1 and axis2 (the diagonal is the last axis)."""
    return _as_tensor(a).diagonal(offset, axis1, axis2)


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The sum of ``diagonal(a, offset, axis1, axis2)``."""
    return _as_tensor(a).trace(offset, axis1, axis2)


def _triangle(m: Any, keep: np.ndarray, op: str) -> Tensor:
    from .tensor import where

    t = _as_tensor(m)
    if t.ndim < 2:
        raise ValueError(f"{op}: needs at least 2 axes, got shape {t.shape}")
    return where(keep, t, 0.0)


def tril(m: Any, k: int = 0) -> Tensor:
    """``m`` with the entries above the k-th diagonal of its last two axes set to 0."""
    shape = (*np.shape(m)[-2:], 0, 0)  # a 1-D m is refused by _triangle, naming the op
    k = _integer(k, "k", "tril")
    return _triangle(m, np.tri(shape[0], shape[1], k=k, dtype=bool), "tril")


def triu(m: Any, k: int = 0) -> Tensor:
    """``m`` with the entries below the k-th diagonal of its last two axes set to 0."""
    shape = (*np.shape(m)[-2:], 0, 0)  # a 1-D m is refused by _triangle, naming the op
    k = _integer(k, "k", "triu")
    return _triangle(m, ~np.tri(shape[0], shape[1], k=k - 1, dtype=bool), "triu")


# --- gather and scatter -------------------------------------------------------------------------


def take(a: Any, indices: Any, axis: int | None = None) -> Tensor:
    """The entries of ``a`` at ``indices`` along ``axis`` (flattened by default); repeated
    indices accumulate their gradients."""
    return _as_tensor(a).take(indices, axis)


def _along_axis(x: Tensor, indices: Any, axis: int, op: str) -> tuple[Any, ...]:
    """The fancy index that picks ``indices`` along ``axis`` of x at every other position."""
    index = _index_array(indices)
    if index.dtype.kind == "b" or index.ndim != x.ndim:
        raise IndexError(
            f"{op}: indices must be integers with as many axes as the Tensor ({x.ndim}), "
            f"got shape {index.shape} of {index.dtype}"
        )
    (ax,) = _normalize_axes(axis, x.ndim, op)
    return tuple(
        index if d == ax else np.arange(n).reshape([-1 if e == d else 1 for e in range(x.ndim)])
        for d, n in enumerate(x.shape)
    )


def take_along_axis(arr: Any, indices: Any, axis: int | None) -> Tensor:
    """out[..., j, ...] = arr[..., indices[..., j, ...], ...] along ``axis``, as
    ``np.take_along_axis`` (the shape of gathering by argsort or argmax); repeated indices
    accumulate their gradients."""
    x = _as_tensor(arr)
    if axis is None:
        x, indices, axis = x.ravel(), np.ravel(_index_array(indices)), 0
    key = _along_axis(x, indices, axis, "take_along_axis")
    try:
        value = x._data[key]
    except IndexError as e:
        raise IndexError(f"take_along_axis: {e} (Tensor of shape {x.shape})") from None
    return _result(value, "getitem", (x,), (key, True))


def _scatter(x: Tensor, key: Any, values: Any, op: str) -> Tensor:
    """x + (zeros with ``values`` added at ``key``, repeats accumulating): the gradient of x is
    g, that of the values is g[key]."""
    v = _operand(values, x)
    try:
        spread = calculus._scatter_add(v._data, x.shape, key, True)
    except (IndexError, ValueError) as e:
        raise type(e)(f"{op}: {e} (Tensor of shape {x.shape}, values {v.shape})") from None
    return x + _result(spread, "scatter_add", (v,), (key,))


def add_along_axis(arr: Any, indices: Any, values: Any, axis: int) -> Tensor:
    """A new tensor: ``arr`` with ``values`` added at ``indices`` along ``axis`` (indexed as
    ``take_along_axis``; ``np.put_along_axis`` that adds, PyTorch's ``scatter_add``).
    Repeated indices accumulate."""
    x = _as_tensor(arr)
    return _scatter(x, _along_axis(x, indices, axis, "add_along_axis"), values, "add_along_axis")


def index_add(x: Any, axis: int, index: Any, source: Any) -> Tensor:
    """A new tensor: ``x`` with source[..., j, ...] added to x[..., index[j], ...] along
    ``axis`` (PyTorch's ``index_add``). Repeated indices accumulate."""
    t = _as_tensor(x)
    idx = _index_array(index)
    if idx.ndim != 1 or idx.dtype.kind == "b":
        raise IndexError(f"index_add: index must be a 1-D integer array, got shape {idx.shape}")
    (ax,) = _normalize_axes(axis, t.ndim, "index_add")
    return _scatter(t, (slice(None),) * ax + (idx,), source, "index_add")


# --- factories ----------------------------------------------------------------------------------


def _dtype(dtype: Any, op: str) -> np.dtype:
    try:
        dt = np.dtype(np.float64 if dtype is None else dtype)
    except TypeError:
        raise TypeError(f"{op}: unknown dtype {dtype!r}; use float32 or float64") from None
    if dt.kind != "f":
        raise TypeError(f"{op}: dtype {dt} is not supported; use a float dtype")
    return dt


def _leaf(value: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor(value, requires_grad=requires_grad)


def _shape(shape: Any, op: str) -> tuple[int, ...]:
    """A factory's shape: an int or a sequence of ints, none negative."""
    dims = tuple(shape) if _is_sequence(shape) else (shape,)
    try:
        out = tuple(_integer(d, "shape", op) for d in dims)
    except TypeError:
        raise TypeError(
            f"{op}: shape must be an int or a sequence of ints, got {shape!r}"
        ) from None
    if any(d < 0 for d in out):
        raise ValueError(f"{op}: shape {out} has a negative dimension")
    return out


def zeros(shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (float64 by default)."""
    return _leaf(np.zeros(_shape(shape, "zeros"), dtype=_dtype(dtype, "zeros")), requires_grad)


def ones(shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones (float64 by default)."""
    return _leaf(np.ones(_shape(shape, "ones"), dtype=_dtype(dtype, "ones")), requires_grad)


def full(
    shape: int | Sequence[int], fill_value: float, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor with every entry ``fill_value`` (float64 by default)."""
    fill = _real(fill_value, "fill_value", "full")
    return _leaf(np.full(_shape(shape, "full"), fill, dtype=_dtype(dtype, "full")), requires_grad)


def _like(a: Any, dtype: Any, op: str) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, float dtype) of ``a`` (a Tensor, or numbers that could make one)."""
    arr = a._data if isinstance(a, Tensor) else _as_float_array(a, op)
    return arr.shape, (arr.dtype if dtype is None else _dtype(dtype, op))


def zeros_like(a: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of a's shape and (float) dtype."""
    return _leaf(np.zeros(*_like(a, dtype, "zeros_like")), requires_grad)


def ones_like(a: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of a's shape and (float) dtype."""
    return _leaf(np.ones(*_like(a, dtype, "ones_like")), requires_grad)


def arange(
    start: float,
    stop: float | None = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """start, start + step, ... below stop (``arange(n)``: 0 .. n-1), as floats."""
    if stop is None:  # arange(n): 0, step, ... below n
        start, stop = 0, start
    start, stop = _real(start, "start", "arange"), _real(stop, "stop", "arange")
    step = _real(step, "step", "arange")
    if step == 0 or not all(math.isfinite(v) for v in (start, stop, step)):
        raise ValueError(
            f"arange: start, stop and step must be finite and step non-zero, got "
            f"start={start}, stop={stop}, step={step}"
        )
    try:
        value = np.arange(start, stop, step)
    except (ValueError, MemoryError):
        n = math.ceil((stop - start) / step)
        raise ValueError(f"arange: {n} values are too many for one array") from None
    return _leaf(value.astype(_dtype(dtype, "arange")), requires_grad)


def linspace(
    start: float,
    stop: float,
    num: int = 50,
    endpoint: bool = True,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``num`` evenly spaced values from start to stop (included unless ``endpoint=False``)."""
    num = _integer(num, "num", "linspace", minimum=0)
    endpoint = _flag(endpoint, "endpoint", "linspace")
    start, stop = _real(start, "start", "linspace"), _real(stop, "stop", "linspace")
    value = np.linspace(start, stop, num, endpoint=endpoint, dtype=_dtype(dtype, "linspace"))
    return _leaf(value, requires_grad)


def eye(
    N: int,  # noqa: N803 (numpy's name)
    M: int | None = None,  # noqa: N803
    k: int = 0,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """An N x M matrix with ones on the k-th diagonal, zeros elsewhere."""
    N = _integer(N, "N", "eye", minimum=0)
    M = None if M is None else _integer(M, "M", "eye", minimum=0)
    k = _integer(k, "k", "eye")
    return _leaf(np.eye(N, M, k, dtype=_dtype(dtype, "eye")), requires_grad)


def identity(n: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x n identity matrix."""
    n = _integer(n, "n", "identity", minimum=0)
    return _leaf(np.identity(n, dtype=_dtype(dtype, "identity")), requires_grad)


def _generator(rng: Any, op: str) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{op}: rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}; there is no hidden global random state"
        )
    return rng


def _draw(sample: Any, shape: Any, dt: np.dtype) -> np.ndarray:
    """Samples in dtype dt: drawn in it where the Generator can (float32, float64), else drawn
    in float64 and rounded."""
    if dt in (np.float32, np.float64):
        return sample(shape, dtype=dt)
    return sample(shape).astype(dt)


def _random(op: str, method: str, shape: int | Sequence[int], rng: np.random.Generator,
            dtype: Any, requires_grad: bool) -> Tensor:
    """A leaf of samples from ``rng.<method>`` (never from hidden global state)."""
    sample = getattr(_generator(rng, op), method)
    return _leaf(_draw(sample, _shape(shape, op), _dtype(dtype, op)), requires_grad)


def rand(shape: int | Sequence[int], rng: np.random.Generator, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) drawn from ``rng``."""
    return _random("rand", "random", shape, rng, dtype, requires_grad)


def randn(shape: int | Sequence[int], rng: np.random.Generator, dtype: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples drawn from ``rng``."""
    return _random("randn", "standard_normal", shape, rng, dtype, requires_grad)
