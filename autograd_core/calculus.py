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
from typing import Any, NamedTuple

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


def _exp(x: Any) -> Any:
    return xp.exp(x) if _is_array(x) else x.exp()


def _log(x: Any) -> Any:
    return xp.log(x) if _is_array(x) else x.log()


def _where(cond: Any, x: Any, y: Any) -> Any:
    """cond ? x : y, differentiable in x and y when either is a Tensor."""
    if _is_array(x) and _is_array(y):
        return xp.where(cond, x, y)
    return _engine().where(cond, x, y)


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
    "log":          (xp.log,             lambda g, out, x: g / x),                 # g / x
    "reciprocal":   (xp.reciprocal,      lambda g, out, x: -(g * (out * out))),    # -g / x^2
    "sqrt":         (xp.sqrt,            lambda g, out, x: g * (0.5 / out)),       # g / (2 sqrt x)
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
    "div": (lambda g, out, a, b: g / b, lambda g, out, a, b: -(g * out) / b),
    # out = x^n (n a number)  dx = g n x^(n-1)
    "pow": (lambda g, out, x, n: g * (n * x ** (n - 1)),),
    # out = a^b               da = g b a^(b-1)              db = g a^b ln(a)
    "power": (
        lambda g, out, a, b: g * (b * a ** (b - 1)),
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
    # out = mean(x, axes)     dx = g / n broadcast back     (n = entries per mean)
    "mean": (lambda g, out, x, kept, n: _reduced_back(g, x, kept) * (1.0 / n),),
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


# --- convolution and pooling ------------------------------------------------------------------


class ConvGeometry(NamedTuple):
    """How a 2-D convolution slides its kernel: (height, width) pairs and the group count."""

    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    groups: int


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Positions of a kernel along one axis: floor((size + 2p - d (k - 1) - 1) / s) + 1."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _padded(x: Any, padding: tuple[int, int], fill: float = 0.0) -> Any:
    """x (N, C, H, W) framed by ``padding`` rows and columns of ``fill``. The frame is laid out
    channel-major in memory (a (C, N, H, W) buffer seen as NCHW), which is the order
    ``im2col`` reads it in."""
    ph, pw = padding
    if not (ph or pw):
        return x
    n, c, h, w = x.shape
    out = xp.full((c, n, h + 2 * ph, w + 2 * pw), fill, dtype=x.dtype).transpose(1, 0, 2, 3)
    out[:, :, ph : ph + h, pw : pw + w] = x
    return out


def _windows(x: Any, kernel: tuple[int, int], stride: tuple[int, int],
             dilation: tuple[int, int]) -> Any:
    """The (N, C, Ho, Wo, kh, kw) view of every kernel window of x (no copy)."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    spans = ((kh - 1) * dh + 1, (kw - 1) * dw + 1)
    view = xp.lib.stride_tricks.sliding_window_view(x, spans, axis=(2, 3))
    return view[:, :, ::sh, ::sw, ::dh, ::dw]


def im2col(x: Any, kernel: tuple[int, int], geom: ConvGeometry) -> Any:
    """The windows of x as columns: (groups, C/groups * kh * kw, N * Ho * Wo), one copy.

    Column (n, i, j) of group g holds the group's input channels under the kernel placed at
    output position (i, j) of image n, so a convolution is one (batched) matrix product."""
    v = _windows(_padded(x, geom.padding), kernel, geom.stride, geom.dilation)
    n, c, ho, wo, kh, kw = v.shape
    g = geom.groups
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(g, c // g * kh * kw, n * ho * wo)


def conv2d(x: Any, w: Any, geom: ConvGeometry) -> tuple[Any, Any]:
    """(out, columns): out[n, o, i, j] = sum_{c,p,q} w[o, c, p, q] xpad[n, c', i s + p d, j s + q d]
    (a cross-correlation, as PyTorch's conv2d; c' runs over o's group), by im2col and one
    matmul per group. The columns are kept for the weight's VJP."""
    o, cg, kh, kw = w.shape
    cols = im2col(x, (kh, kw), geom)
    n, _, h, wd = x.shape
    (sh, sw), (ph, pw), (dh, dw) = geom.stride, geom.padding, geom.dilation
    ho, wo = conv_output_size(h, kh, sh, ph, dh), conv_output_size(wd, kw, sw, pw, dw)
    out = w.reshape(geom.groups, o // geom.groups, cg * kh * kw) @ cols
    # (O, N, Ho, Wo) in memory, seen as NCHW: the layout the next im2col reads fastest
    return out.reshape(o, n, ho, wo).transpose(1, 0, 2, 3), cols


def _grad_rows(g: Any, groups: int) -> Any:
    """The upstream gradient (N, O, Ho, Wo) as (groups, O/groups, N * Ho * Wo) rows."""
    n, o, ho, wo = g.shape
    return g.transpose(1, 0, 2, 3).reshape(groups, o // groups, n * ho * wo)


def conv2d_input_grad(g: Any, w: Any, geom: ConvGeometry, x_shape: tuple[int, ...]) -> Any:
    """d<conv2d(x, w), g>/dx: the transposed convolution of g with w (col2im of w^T g).

    The columns' gradient is one matmul; each kernel offset (p, q) then adds its slice back
    onto the input positions it read: a loop over the kh * kw offsets, not over positions."""
    n, c, h, wd = x_shape
    o, cg, kh, kw = w.shape
    groups = geom.groups
    ho, wo = g.shape[2:]
    (sh, sw), (ph, pw), (dh, dw) = geom.stride, geom.padding, geom.dilation
    rows = _grad_rows(g, groups)
    wm = w.reshape(groups, o // groups, cg * kh * kw)
    dcols = (wm.swapaxes(1, 2) @ rows).reshape(groups, cg, kh, kw, n, ho, wo)
    dx = xp.zeros((groups, cg, n, h + 2 * ph, wd + 2 * pw), dtype=dcols.dtype)
    for p in range(kh):
        for q in range(kw):
            r0, c0 = p * dh, q * dw
            dx[..., r0 : r0 + sh * (ho - 1) + 1 : sh, c0 : c0 + sw * (wo - 1) + 1 : sw] += (
                dcols[:, :, p, q]
            )
    dx = dx[..., ph : ph + h, pw : pw + wd].reshape(c, n, h, wd)
    return dx.transpose(1, 0, 2, 3)


def conv2d_weight_grad(
    x: Any, g: Any, geom: ConvGeometry, w_shape: tuple[int, ...], cols: Any = None
) -> Any:
    """d<conv2d(x, w), g>/dw: the correlation of x with g, g's rows times x's columns
    (``cols``: the forward pass's im2col of x, recomputed when not given)."""
    o, cg, kh, kw = w_shape
    if cols is None:
        cols = im2col(x, (kh, kw), geom)
    return (_grad_rows(g, geom.groups) @ cols.swapaxes(1, 2)).reshape(w_shape)


def _copy_as(a: Any, like: Any) -> Any:
    """a copied into an array with ``like``'s memory layout."""
    out = xp.empty_like(like, dtype=a.dtype)
    out[...] = a
    return out


def _offset_slices(
    kernel: tuple[int, int], stride: tuple[int, int], out_size: tuple[int, int]
) -> list[tuple[int, tuple[slice, slice]]]:
    """For each kernel offset k = p kw + q, the strided (rows, cols) slices of the (padded)
    input that the offset reads at every output position: offset loops instead of position
    loops."""
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out_size
    return [
        (p * kw + q, (slice(p, p + sh * (ho - 1) + 1, sh), slice(q, q + sw * (wo - 1) + 1, sw)))
        for p in range(kh)
        for q in range(kw)
    ]


def max_pool2d(
    x: Any, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int]
) -> tuple[Any, Any]:
    """(out, arg): the max of each window (padding counts as -inf), and which entry of the
    window it was taken from (k = p kw + q, the first maximal one in row-major order).

    A loop over the kh kw kernel offsets, each a strided view of the input compared with the
    running maximum: a few passes over the data, no copy of the windows."""
    xpad = _padded(x, padding, -xp.inf)
    h, w = xpad.shape[2:]
    out_size = ((h - kernel[0]) // stride[0] + 1, (w - kernel[1]) // stride[1] + 1)
    slices = _offset_slices(kernel, stride, out_size)
    best = xpad[(..., *slices[0][1])].copy(order="K")  # keeps x's memory layout
    arg = xp.zeros_like(best, dtype=xp.uint8 if len(slices) < 256 else xp.intp)
    for k, sl in slices[1:]:
        candidate = xpad[(..., *sl)]
        # arg = k where the candidate is strictly larger (ties keep the first), written as
        # arg += better (k - arg): integer arithmetic is ~50x faster than a masked copy
        step = k - arg
        step *= candidate > best
        arg += step
        xp.maximum(best, candidate, out=best)
    return best, arg


def _max_pool_grad(
    g: Any,
    x: Any,
    arg: Any,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
) -> Any:
    """The VJP of max_pool2d: g added at each window's argmax. On arrays, a loop over kernel
    offsets (each adds g where it won); under create_graph, a recorded scatter_add of g at
    the argmax's flat positions, whose own VJP picks them again."""
    n, c, h, w = x.shape
    (ph, pw), out_size = padding, arg.shape[2:]
    if _is_array(g):
        if xp.argsort(g.strides).tolist() != xp.argsort(arg.strides).tolist():
            # one copy into arg's memory layout: elementwise passes over operands laid out
            # differently (a Flatten's NCHW gradient vs. a conv's CNHW output) are ~4x slower
            g = _copy_as(g, arg)
        dx = _padded(xp.zeros_like(x, dtype=g.dtype), padding)  # x's memory layout
        disjoint = stride[0] >= kernel[0] and stride[1] >= kernel[1]
        for k, sl in _offset_slices(kernel, stride, out_size):
            if disjoint:  # each position is read by one window: write, do not add
                xp.multiply(g, arg == k, out=dx[(..., *sl)])
            else:
                dx[(..., *sl)] += g * (arg == k)
        return dx[:, :, ph : ph + h, pw : pw + w]
    ho, wo = out_size
    rows = (xp.arange(ho) * stride[0] - ph)[:, None] + arg // kernel[1]
    cols = xp.arange(wo) * stride[1] - pw + arg % kernel[1]
    planes = xp.arange(n * c).reshape(n, c, 1, 1) * (h * w)
    index = (planes + rows * w + cols).reshape(-1)
    return _scatter_add(g.reshape(-1), (n * c * h * w,), index, True).reshape(x.shape)


def _nodes(*xs: Any) -> tuple[Any, ...]:
    """The inputs of a recorded node: Tensors as they are, arrays as constants."""
    tensor = _engine()
    return tuple(t if isinstance(t, Node) else tensor._const(xp.asarray(t)) for t in xs)


def _conv(x: Any, w: Any, geom: ConvGeometry) -> Any:
    """conv2d(x, w), recorded when either is a Tensor."""
    if _is_array(x) and _is_array(w):
        return conv2d(x, w, geom)[0]
    out, cols = conv2d(_data(x), _data(w), geom)
    return _engine()._result(out, "conv2d", _nodes(x, w), (geom, cols))


def _conv_input_grad(g: Any, w: Any, geom: ConvGeometry, x_shape: tuple[int, ...]) -> Any:
    """conv2d_input_grad(g, w), recorded when either is a Tensor."""
    if _is_array(g) and _is_array(w):
        return conv2d_input_grad(g, w, geom, x_shape)
    out = conv2d_input_grad(_data(g), _data(w), geom, x_shape)
    return _engine()._result(out, "conv2d_input_grad", _nodes(g, w), (geom, x_shape))


def _conv_weight_grad(
    x: Any, g: Any, geom: ConvGeometry, w_shape: tuple[int, ...], cols: Any = None
) -> Any:
    """conv2d_weight_grad(x, g), recorded when either is a Tensor."""
    if _is_array(x) and _is_array(g):
        return conv2d_weight_grad(x, g, geom, w_shape, cols)
    out = conv2d_weight_grad(_data(x), _data(g), geom, w_shape, cols)
    return _engine()._result(out, "conv2d_weight_grad", _nodes(x, g), (geom, w_shape))


# The three convolution ops are bilinear and close under differentiation: with
# T(g, w) = d<conv(x, w), g>/dx and W(x, g) = d<conv(x, w), g>/dw,
# <T(g, w), h> = <conv(h, w), g> = <W(h, g), w>, so every VJP below is one of the three.
CONVOLUTION: dict[str, tuple[Callable[..., Any], ...]] = {
    # out = conv(x, w)        dx = T(g, w)   (transposed conv)    dw = W(x, g)   (correlation)
    "conv2d": (
        lambda g, out, x, w, geom, cols: _conv_input_grad(g, w, geom, x.shape),
        lambda g, out, x, w, geom, cols: _conv_weight_grad(x, g, geom, w.shape, cols),
    ),
    # out = T(g, w)           dg = conv(h, w)                     dw = W(h, g)
    "conv2d_input_grad": (
        lambda h, out, g, w, geom, x_shape: _conv(h, w, geom),
        lambda h, out, g, w, geom, x_shape: _conv_weight_grad(h, g, geom, w.shape),
    ),
    # out = W(x, g)           dx = T(g, k)                        dg = conv(x, k)
    "conv2d_weight_grad": (
        lambda k, out, x, g, geom, w_shape: _conv_input_grad(g, k, geom, x.shape),
        lambda k, out, x, g, geom, w_shape: _conv(x, k, geom),
    ),
    # out = window maxima     dx = g added at each window's argmax (overlapping windows add)
    "max_pool2d": (
        lambda g, out, x, arg, kernel, stride, padding: (
            _max_pool_grad(g, x, arg, kernel, stride, padding)
        ),
    ),
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
    CONVOLUTION,
)
