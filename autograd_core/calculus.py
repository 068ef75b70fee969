"""The Tensor engine's calculus: every op's vector-Jacobian product, one row per op.

Read ``RULES`` (built from the sections below) as a table of derivatives. For each op it lists,
input by input, the *vector-Jacobian product* (VJP): given the upstream gradient ``g`` =
d(loss)/d(out), the contribution d(loss)/d(input) = g · d(out)/d(input), written in terms of
``g``, the output, the inputs and the op's constant parameters. Each VJP is called as
``vjp(g, out, *inputs, *params)``. Elementwise functions of one input sit in ``UNARY`` with
their forward kernel on the same line; the fused, numerically stable ops (sigmoid, softmax,
log-softmax, logsumexp, cross-entropy) have their forward kernel right above their row.

Three conventions keep the rules short and right:

* **Unbroadcasting happens in one place.** A rule may return a gradient of the broadcast
  shape (``a + b`` returns ``g`` for both inputs); ``unbroadcast`` (called by the engine, never
  by a rule) sums it back to the input's shape.
* **Every rule works on ndarrays and on Tensors.** A plain backward pass calls the rules on
  raw arrays (fast); ``grad(..., create_graph=True)`` calls the same rules on Tensors, so the
  gradient is itself a recorded computation and can be differentiated again (Hessian-vector
  products). Rules therefore use operators, methods that both types share (``.sum``,
  ``.reshape``, ``.transpose``, indexing) and the few dispatching helpers below. Masks (relu,
  clip, max ties) are computed from ``.data`` and are constants.
* **numpy is reached through one name, ``xp``.** Kernels and helpers call ``xp.exp``, never
  ``np.exp``: running the table on another array library that follows the array API
  standard (CuPy, Dask) is a change of that namespace, not of every rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

from .graph import Node

xp: Any = numpy  # the one seam between the calculus and the array library

__all__ = ["RULES", "UNARY", "unbroadcast", "kept_shape", "xp"]


# --- dispatching helpers: one spelling for arrays and Tensors --------------------------------


def _is_array(x: Any) -> bool:
    """True for an array (or a numpy scalar, which 0-d arithmetic returns), False for a Tensor
    (rules see Tensors only under create_graph)."""
    return not isinstance(x, Node)


def _engine() -> Any:
    """The Tensor module, for helpers that build recorded nodes under create_graph. Imported
    on first use: tensor.py imports this module, so a top-level import would be circular."""
    from . import tensor

    return tensor


def _data(x: Any) -> Any:
    """The array behind x (x itself for an array)."""
    return x if _is_array(x) else x.data


try:  # numpy >= 2: the context variable np.errstate sets, reached directly
    from numpy._core.umath import _extobj_contextvar as _errstate
    from numpy._core.umath import _make_extobj

    _IGNORE_ALL = _make_extobj(all="ignore")
except ImportError:  # pragma: no cover - older numpy: the public, slower context manager
    _errstate = None


def quiet(kernel: Callable[..., Any]) -> Callable[..., Any]:
    """``kernel`` with numpy's floating-point warnings off, as PyTorch: log(0) = -inf,
    sqrt(-1) = nan, 1/0 = inf are answers, not warnings pointing into this library.

    Setting numpy's error-state context variable costs ~0.35 us per call, ``np.errstate``
    ~1.4 us, so only the kernels that can hit a domain edge are wrapped (and each backward
    sweep once, in ``Tensor._sweep_context``)."""
    if _errstate is None:  # pragma: no cover

        def slow(*args: Any) -> Any:
            with xp.errstate(all="ignore"):
                return kernel(*args)

        return slow

    def run(*args: Any) -> Any:
        token = _errstate.set(_IGNORE_ALL)
        try:
            return kernel(*args)
        finally:
            _errstate.reset(token)

    return run


def _exp(x: Any) -> Any:
    return xp.exp(x) if _is_array(x) else x.exp()


def _log(x: Any) -> Any:
    return xp.log(x) if _is_array(x) else x.log()


def _where(cond: Any, x: Any, y: Any) -> Any:
    """cond ? x : y, differentiable in x and y when either is a Tensor."""
    if _is_array(x) and _is_array(y):
        return xp.where(cond, x, y)
    return _engine().where(cond, x, y)


def _zero_stays_zero(g: Any, d: Any) -> Any:
    """d, a VJP computed from g, with 0 wherever g is 0. A derivative that is infinite at a
    domain edge (1/x, 1/sqrt x at 0) turns a zero upstream gradient into 0 * inf = nan;
    this keeps it 0, so ``where(x > 0, log(x), 0)`` has gradient 0 at x = 0 (PyTorch gives
    nan there). Costs one isnan pass on the backward of the few rules that use it."""
    if not xp.isnan(_data(d)).any():
        return d
    return _where(_data(g) == 0, 0.0, d)


def _masked(g: Any, mask: Any) -> Any:
    """g where mask is True, else 0: the VJP of relu and clip. Written g * mask (a constant
    0/1 array), one pass and about 3x faster than xp.where for the MLP's activations."""
    return g * mask if _is_array(g) else g * mask.astype(g.data.dtype)


def _broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """x repeated to ``shape`` (numpy broadcasting), as a new array: its consumers would make
    a full-size array anyway, and filling one is faster than xp.broadcast_to's view."""
    if not _is_array(x):
        return _engine()._result(_broadcast_to(x.data, shape), "broadcast_to", (x,))
    out = xp.empty(shape, dtype=x.dtype)
    out[...] = x
    return out


def _swap_last(x: Any) -> Any:
    """x with its last two axes swapped (the batched matrix transpose)."""
    if _is_array(x):
        return x.swapaxes(-1, -2)
    axes = list(range(x.ndim))
    axes[-2], axes[-1] = axes[-1], axes[-2]
    return x.transpose(tuple(axes))


def _scatter_add(g: Any, shape: tuple[int, ...], index: Any, repeats: bool) -> Any:
    """zeros(shape) with g added at ``index`` (repeated indices accumulate: xp.add.at).

    The VJP of ``x[index]``; its own VJP is indexing again, ``g[index]``."""
    if not _is_array(g):
        node = _scatter_add(g.data, shape, index, repeats)
        return _engine()._result(node, "scatter_add", (g,), (index,))
    out = xp.zeros(shape, dtype=g.dtype)
    if repeats:
        xp.add.at(out, index, g)
    else:
        out[index] = g
    return out


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` kept as 1 (what keepdims=True gives)."""
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _reduced_back(g: Any, x: Any, kept: tuple[int, ...]) -> Any:
    """The gradient of a reduction broadcast back over the reduced axes of x."""
    return _broadcast_to(g.reshape(kept), x.shape)


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum g (of a broadcast shape) back to ``shape``: over the leading axes broadcasting
    added and over the axes where ``shape`` has 1. The only place gradients are unbroadcast."""
    lead = g.ndim - len(shape)
    if lead == 1 and g.shape[1:] == shape:  # a bias added to a batch: the common case
        return g.sum(axis=0)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


# --- elementwise functions of one input -------------------------------------------------------


def sigmoid(x: Any) -> Any:
    """1 / (1 + e^-x), computed from e^-|x| so e^x never overflows: exact 0 and 1 limits.

    A fused rule (out (1 - out)) rather than a composition: the composition would form e^-x,
    which overflows for x < -709."""
    e = xp.exp(-xp.abs(x))
    r = 1.0 / (1.0 + e)
    return xp.where(x >= 0, r, e * r)


def _sign(x: Any) -> Any:
    """sign(x) as a constant (0 at the kink)."""
    return xp.sign(_data(x))


# op -> (forward kernel on an array, VJP). Adding an elementwise op is one row here, one
# method on Tensor (tensor.py) and its property test.
UNARY: dict[str, tuple[Callable[[Any], Any], Callable[..., Any]]] = {
    #  out = f(x)      forward              dx = vjp(g, out, x)
    "neg":          (xp.negative,        lambda g, out, x: -g),
    "exp":          (xp.exp,             lambda g, out, x: g * out),               # g e^x
    "log":          (quiet(xp.log),      lambda g, out, x: _zero_stays_zero(g, g / x)),  # g/x
    "reciprocal":   (quiet(xp.reciprocal),                                        # -g / x^2
                     lambda g, out, x: _zero_stays_zero(g, -(g * (out * out)))),
    "sqrt":         (quiet(xp.sqrt),                                              # g / (2 sqrt x)
                     lambda g, out, x: _zero_stays_zero(g, g * (0.5 / out))),
    "abs":          (xp.abs,             lambda g, out, x: g * _sign(x)),          # g sign x
    "sigmoid":      (sigmoid,            lambda g, out, x: g * (out * (1.0 - out))),
    "tanh":         (xp.tanh,            lambda g, out, x: g * (1.0 - out * out)),
    "relu":         (lambda x: xp.maximum(x, 0),
                                         lambda g, out, x: _masked(g, _data(x) > 0)),  # 0 at 0
}  # fmt: skip


# --- arithmetic and elementwise functions of two inputs ------------------------------------


def _log_base(a: Any) -> Any:
    """ln(a) for d/db a**b = a**b ln(a). Where a = 0 the limit of a**b ln(a) is 0; where a < 0
    a**b has no real derivative in b, so it is nan (as in PyTorch), never a made-up number."""
    ad = _data(a)
    positive = ad > 0
    if positive.all():
        return _log(a)
    fill = xp.where(ad == 0, 0.0, xp.nan).astype(ad.dtype)
    return _where(positive, _log(_where(positive, a, 1.0)), fill)


def _pow_grad(g: Any, x: Any, n: Any) -> Any:
    """g n x^(n-1), and 0 where n = 0 and x = 0: d/dx x**0 = 0 at 0 as in PyTorch, where the
    formula gives 0 * inf = nan. Elsewhere the formula is already 0 at n = 0 and keeps its
    derivative in n. ``n`` is the number of ``pow`` or the input b of ``power``."""
    d = _zero_stays_zero(g, g * (n * x ** (n - 1)))
    if isinstance(n, float) and n != 0:
        return d
    edge = (_data(n) == 0) & (_data(x) == 0)
    return _where(edge, 0.0, d) if edge.any() else d


def _maximum_weights(a: Any, b: Any, first: bool) -> Any:
    """d max(a, b)/da: 1 where a > b, 1/2 at ties, 0 elsewhere (for b: the mirror image)."""
    ad, bd = _data(a), _data(b)
    win = (ad > bd) if first else (bd > ad)
    w = win + 0.5 * (ad == bd)
    return w.astype(xp.result_type(ad, bd), copy=False)


ARITHMETIC: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    # out = a + b             da = g                        db = g
    "add": (lambda g, out, a, b: g, lambda g, out, a, b: g),
    # out = a - b             da = g                        db = -g
    "sub": (lambda g, out, a, b: g, lambda g, out, a, b: -g),
    # out = a * b             da = g b                      db = g a
    "mul": (lambda g, out, a, b: g * b, lambda g, out, a, b: g * a),
    # out = a / b             da = g / b                    db = -g a/b^2 = -g out / b
    "div": (
        lambda g, out, a, b: _zero_stays_zero(g, g / b),
        lambda g, out, a, b: _zero_stays_zero(g, -(g * out) / b),
    ),
    # out = x^n (n a number)  dx = g n x^(n-1)
    #                         (0 where n = 0, even at x = 0)
    "pow": (lambda g, out, x, n: _pow_grad(g, x, n),),
    # out = a^b               da = g b a^(b-1)              db = g a^b ln(a)
    #                         (da = 0 where b = 0)
    "power": (
        lambda g, out, a, b: _pow_grad(g, a, b),
        lambda g, out, a, b: g * (out * _log_base(a)),
    ),
    # out = maximum(a, b)     da = g [a > b] + g/2 [a = b]  db = g [b > a] + g/2 [a = b]
    "maximum": (
        lambda g, out, a, b: g * _maximum_weights(a, b, True),
        lambda g, out, a, b: g * _maximum_weights(a, b, False),
    ),
}


# --- reductions -------------------------------------------------------------------------------


def _max_weights(x: Any, out: Any, axes: tuple[int, ...], kept: tuple[int, ...]) -> Any:
    """1/k at each of the k entries equal to the max of their slice, 0 elsewhere (a constant)."""
    xd = _data(x)
    ties = xd == _data(out).reshape(kept)
    return (ties / ties.sum(axis=axes, keepdims=True)).astype(xd.dtype, copy=False)


REDUCTIONS: dict[str, tuple[Callable[..., Any], ...]] = {
    # out = sum(x, axes)      dx = g broadcast back over the summed axes
    "sum": (lambda g, out, x, kept: _reduced_back(g, x, kept),),
    # out = mean(x, axes)     dx = g / n broadcast back     (inv_n = 1/n, n entries per mean;
    #                         nan for an empty slice, whose gradient is empty anyway)
    "mean": (lambda g, out, x, kept, inv_n: _reduced_back(g, x, kept) * inv_n,),
    # out = max(x, axes)      dx = g / k at each of the k tied maxima of a slice, 0 elsewhere
    "max": (
        lambda g, out, x, axes, kept: _reduced_back(g, x, kept) * _max_weights(x, out, axes, kept),
    ),
}


# --- fused ops: a numerically stable forward kernel above each VJP ------------------------------


def logsumexp(x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """log(sum(e^x)) over ``axes`` as m + log(sum(e^(x - m))) with m the max: never overflows
    (logsumexp([1e4, 1e4]) = 1e4 + log 2)."""
    m = x.max(axis=axes, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)  # all -inf slices: shift by 0, result -inf
    with xp.errstate(divide="ignore"):  # log(0) = -inf is the right answer for -inf rows
        s = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m
    return s if keepdims else s.reshape([d for i, d in enumerate(x.shape) if i not in axes])


def softmax(x: Any, axis: int) -> Any:
    """e^x / sum(e^x) along ``axis``, with the max subtracted first (stable at any |x|)."""
    e = xp.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x: Any, axis: int) -> Any:
    """x - logsumexp(x) along ``axis``, with the max shift: exact at |x| = 1e4."""
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


def cross_entropy(x: Any, t: Any, axis: int) -> tuple[Any, Any]:
    """(-sum(t log_softmax(x)), softmax(x)): the loss and the probabilities its VJP reuses."""
    shifted = x - x.max(axis=axis, keepdims=True)
    e = xp.exp(shifted)
    total = e.sum(axis=axis, keepdims=True)
    value = -xp.vdot(t, shifted - xp.log(total))  # vdot flattens: one pass, no temporary
    return xp.asarray(value, dtype=x.dtype), e / total


def _softmax_of(x: Any, probs: Any, axis: int) -> Any:
    """softmax(x): the probabilities cached by the forward pass on a plain backward pass,
    recomputed as a recorded op under create_graph (so it can be differentiated)."""
    return probs if _is_array(x) else x.softmax(axis=axis)


FUSED: dict[str, tuple[Callable[..., Any], ...]] = {
    # out = log sum e^x       dx = g e^(x - out) = g softmax(x)
    "logsumexp": (
        lambda g, out, x, kept: _reduced_back(g, x, kept) * _exp(x - out.reshape(kept)),
    ),
    # out = softmax(x)        dx = out (g - sum(g out))
    "softmax": (lambda g, out, x, axis: out * (g - (g * out).sum(axis=axis, keepdims=True)),),
    # out = x - logsumexp(x)  dx = g - e^out sum(g)
    "log_softmax": (lambda g, out, x, axis: g - _exp(out) * g.sum(axis=axis, keepdims=True),),
    # out = -sum(t log_softmax(x))   dx = g (softmax(x) sum(t) - t)   (t a constant target:
    #                         the usual classification loss as one node instead of three)
    "cross_entropy": (
        lambda g, out, x, t, axis, probs: (
            g * (_softmax_of(x, probs, axis) * t.sum(axis=axis, keepdims=True) - t)
        ),
    ),
    # out = clip(x, lo, hi)   dx = g where lo <= x <= hi, else 0
    "clip": (lambda g, out, x, mask: _masked(g, mask),),
}


# --- linear algebra ---------------------------------------------------------------------------


def _matmul_grad_a(g: Any, a: Any, b: Any) -> Any:
    """d(a @ b)/da contracted with g, in all of numpy's matmul cases."""
    if b.ndim == 1:
        if a.ndim == 1:  # (k) @ (k) -> ():          dA = g b
            return g * b
        # (..., n, k) @ (k) -> (..., n):             dA = g[..., None] b
        return g.reshape(g.shape + (1,)) * b
    if a.ndim == 1:  # (k) @ (..., k, m) -> (..., m):  dA = B g, batch dims summed by unbroadcast
        return (b @ g.reshape(g.shape + (1,))).reshape(g.shape[:-1] + b.shape[-2:-1])
    return g @ _swap_last(b)  # (..., n, k) @ (..., k, m): dA = g Bᵀ


def _matmul_grad_b(g: Any, a: Any, b: Any) -> Any:
    """d(a @ b)/db contracted with g, in all of numpy's matmul cases."""
    if a.ndim == 1:
        if b.ndim == 1:  # (k) @ (k) -> ():          dB = g a
            return g * a
        # (k) @ (..., k, m) -> (..., m):             dB = a[:, None] g[..., None, :]
        return a.reshape(a.shape + (1,)) * g.reshape(g.shape[:-1] + (1,) + g.shape[-1:])
    if b.ndim == 1:  # (..., n, k) @ (k) -> (..., n):  dB = Aᵀ g, batch dims summed by unbroadcast
        return (_swap_last(a) @ g.reshape(g.shape + (1,))).reshape(g.shape[:-1] + b.shape)
    return _swap_last(a) @ g  # (..., n, k) @ (..., k, m): dB = Aᵀ g


LINALG: dict[str, tuple[Callable[..., Any], ...]] = {
    # out = a @ b             da = g bᵀ                     db = aᵀ g   (all numpy cases)
    "matmul": (
        lambda g, out, a, b: _matmul_grad_a(g, a, b),
        lambda g, out, a, b: _matmul_grad_b(g, a, b),
    ),
}


# --- shapes, indexing, joining ----------------------------------------------------------------


class _PerInput:
    """The rules of an op with any number of inputs (concat, stack): ``rules[i]`` is the VJP
    for input i, called as ``vjp(g, out, *inputs, *params)`` like any other rule."""

    def __init__(self, vjp_of_input: Callable[..., Any]):
        self.vjp_of_input = vjp_of_input

    def __getitem__(self, i: int) -> Callable[..., Any]:
        return lambda *args: self.vjp_of_input(i, *args)


def _concat_vjp(i: int, g: Any, out: Any, *args: Any) -> Any:
    axis, bounds = args[-2], args[-1]
    start, stop = bounds[i]
    return g[(slice(None),) * axis + (slice(start, stop),)]


def _stack_vjp(i: int, g: Any, out: Any, *args: Any) -> Any:
    axis = args[-1]
    return g[(slice(None),) * axis + (i,)]


STRUCTURE: dict[str, Any] = {
    # out = x.astype(dtype)   dx = g.astype(x.dtype)
    "astype": (lambda g, out, x: g.astype(x.dtype),),
    # out = x.reshape(s)      dx = g.reshape(x.shape)
    "reshape": (lambda g, out, x: g.reshape(x.shape),),
    # out = x.transpose(p)    dx = g.transpose(p⁻¹)
    "transpose": (lambda g, out, x, inverse: g.transpose(inverse),),
    # out = broadcast_to(x)   dx = g, summed back to x's shape by the one unbroadcast
    "broadcast_to": (lambda g, out, x: g,),
    # out = x[i]              dx = zeros with g added at i (repeats accumulate)
    "getitem": (lambda g, out, x, index, repeats: _scatter_add(g, x.shape, index, repeats),),
    # out = scatter_add(s, i) ds = g[i]                     (the VJP of getitem, differentiated)
    "scatter_add": (lambda g, out, s, index: g[index],),
    # out = where(c, a, b)    da = g where c                db = g where not c
    "where": (
        lambda g, out, a, b, cond: _where(cond, g, 0.0),
        lambda g, out, a, b, cond: _where(cond, 0.0, g),
    ),
    # out = concat(xs, axis)  dxs[i] = the slice of g that xs[i] occupies
    "concat": _PerInput(_concat_vjp),
    # out = stack(xs, axis)   dxs[i] = g[..., i, ...] (index i along axis)
    "stack": _PerInput(_stack_vjp),
}


# --- more reductions: min, prod, var, cumulative sums and products ----------------------------


def _concat(parts: list[Any], axis: int) -> Any:
    """xp.concatenate for arrays, the recorded concat when a part is a Tensor."""
    if all(_is_array(p) for p in parts):
        return xp.concatenate(parts, axis=axis)
    return _engine().concat(parts, axis=axis)


def _flip(x: Any, axis: int) -> Any:
    """x reversed along ``axis`` (a view for an array, a recorded getitem for a Tensor)."""
    return x[(slice(None),) * (axis % x.ndim) + (slice(None, None, -1),)]


def _exclusive_cumprod(x: Any) -> Any:
    """Along the last axis: entry i is the product of the entries before i (1 for i = 0)."""
    ones = xp.ones(x.shape[:-1] + (1,), dtype=_data(x).dtype)
    return _concat([ones, x[..., :-1].cumprod(axis=-1)], -1)


def _prod_others(x: Any, axes: tuple[int, ...]) -> Any:
    """At each entry, the product of the other entries of its slice over ``axes``: d prod/dx.

    The product of the entries before it times the product of those after it (exclusive
    cumulative products both ways), never out / x: exact with zeros in the slice, and a
    polynomial in x, so its own derivative is right too."""
    if x.size == 0:
        return x * 0.0
    keep = [i for i in range(x.ndim) if i not in axes]
    perm = keep + list(axes)
    xt = x.transpose(tuple(perm))
    lead = xt.shape[: len(keep)]
    n = 1
    for a in axes:
        n *= x.shape[a]
    flat = xt.reshape(lead + (n,))
    if not lead:  # one slice: give it a leading axis for the [..., :-1] slicing below
        flat = flat.reshape((1, n))
    others = _exclusive_cumprod(flat) * _flip(_exclusive_cumprod(_flip(flat, -1)), -1)
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p] = i
    return others.reshape(xt.shape).transpose(tuple(inverse))


def _rev_cumsum(g: Any, axis: int) -> Any:
    """Along ``axis``: entry i is the sum of the entries from i on (the VJP of cumsum)."""
    return _flip(_flip(g, axis).cumsum(axis=axis), axis)


def _cumprod_grad(g: Any, out: Any, x: Any, axis: int) -> Any:
    """VJP of cumprod: dx_i = sum_{j >= i} g_j prod_{k <= j, k != i} x_k.

    On arrays whose products stay normal numbers that is rev_cumsum(g out) / x. With zeros
    (or products that underflow, where out / x loses every digit), and under create_graph
    (where the derivative of the division cancels terms of size 1/x^2 near a zero), the
    products are formed as they are written: an (n, n) matrix per slice whose row i is the
    cumulative product of x with x_i replaced by 1, kept for j >= i (n^2 memory), a
    polynomial in x that differentiates exactly."""
    if _is_array(x) and (x.size == 0 or xp.abs(out).min() >= xp.finfo(out.dtype).tiny):
        return _rev_cumsum(g * out, axis) / x
    xl, gl = _moveaxis_last(x, axis), _moveaxis_last(g, axis)
    n = xl.shape[-1]
    eye = xp.eye(n, dtype=bool)
    rows = _where(eye, 1.0, xl.reshape(xl.shape[:-1] + (1, n)))  # row i: x with x_i = 1
    upper = xp.triu(xp.ones((n, n), dtype=_data(x).dtype))  # j >= i
    d = (rows.cumprod(axis=-1) * upper * gl.reshape(gl.shape[:-1] + (1, n))).sum(axis=-1)
    return _moveaxis_back(d, axis)


def _moveaxis_last(x: Any, axis: int) -> Any:
    perm = [i for i in range(x.ndim) if i != axis] + [axis]
    return x.transpose(tuple(perm))


def _moveaxis_back(x: Any, axis: int) -> Any:
    perm = list(range(x.ndim - 1))
    perm.insert(axis, x.ndim - 1)
    return x.transpose(tuple(perm))


MORE_REDUCTIONS: dict[str, tuple[Callable[..., Any], ...]] = {
    # out = min(x, axes)      dx = g / k at each of the k tied minima of a slice, 0 elsewhere
    "min": (
        lambda g, out, x, axes, kept: _reduced_back(g, x, kept) * _max_weights(x, out, axes, kept),
    ),
    # out = prod(x, axes)     dx = g prod(other entries of the slice)   (exact with zeros)
    "prod": (lambda g, out, x, axes, kept: _reduced_back(g, x, kept) * _prod_others(x, axes),),
    # out = var(x, axes)      dx = g 2 (x - mean(x)) / (n - ddof)  (inv_n = 1/n,
    #                         scale = 2 / (n - ddof))
    "var": (
        lambda g, out, x, axes, kept, inv_n, scale: (
            _reduced_back(g, x, kept)
            * ((x - x.sum(axis=axes, keepdims=True) * inv_n) * scale)
        ),
    ),
    # out = cumsum(x, axis)   dx_i = sum_{j >= i} g_j
    "cumsum": (lambda g, out, x, axis: _rev_cumsum(g, axis),),
    # out = cumprod(x, axis)  dx_i = sum_{j >= i} g_j prod_{k <= j, k != i} x_k   (zeros too)
    "cumprod": (lambda g, out, x, axis: _cumprod_grad(g, out, x, axis),),
}


def _table(*sections: dict[str, Any]) -> dict[str, Any]:
    """One table from the sections; an op defined twice is a bug, caught at import."""
    table: dict[str, Any] = {}
    for section in sections:
        twice = table.keys() & section.keys()
        if twice:
            raise RuntimeError(f"ops defined twice in the rule table: {sorted(twice)}")
        table.update(section)
    return table


# op -> (VJP for input 1, VJP for input 2, ...), each called as vjp(g, out, *inputs, *params).
# g is d(loss)/d(out). Inputs, out and g are ndarrays, or Tensors under create_graph=True.
# Results may have the broadcast shape: the engine unbroadcasts them.
RULES: dict[str, Any] = _table(
    {op: (vjp,) for op, (_, vjp) in UNARY.items()},
    ARITHMETIC,
    REDUCTIONS,
    FUSED,
    LINALG,
    STRUCTURE,
    MORE_REDUCTIONS,
)
