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


# --- decompositions: numpy.linalg, batched over leading axes ----------------------------------


def _linalg(*xs: Any) -> Any:
    """``xp.linalg`` when every x is an array (a plain backward pass); ``autograd_core.linalg``,
    whose functions record differentiable nodes, when some x is a Tensor (under create_graph).
    Imported on first use, as ``_engine()``: linalg.py imports the Tensor module."""
    if all(_is_array(x) for x in xs):
        return xp.linalg
    from . import linalg

    return linalg


def _eye(n: int, like: Any) -> Any:
    """The n x n identity in like's dtype (a constant)."""
    return xp.eye(n, dtype=_data(like).dtype)


def _inv_t(a: Any, why: str) -> Any:
    """A⁻ᵀ, for the gradients of slogdet and det; ``why`` says what a singular A means."""
    try:
        return _swap_last(_linalg(a).inv(a))
    except xp.linalg.LinAlgError:
        raise xp.linalg.LinAlgError(
            f"{why}, and a matrix of the input of shape {a.shape} is singular"
        ) from None


def _tril_gradient(G: Any) -> Any:
    """tril(G) + tril(Gᵀ, -1): the gradient of f(A) = F(S(A)), S(A) = tril(A) + tril(A, -1)ᵀ
    (numpy's cholesky and eigh read only the lower triangle), when dF = <G, dS> for every
    symmetric dS: <G, tril(dA) + tril(dA, -1)ᵀ> = <tril(G) + tril(Gᵀ, -1), dA>."""
    n = G.shape[-1]
    strict = xp.tri(n, k=-1, dtype=_data(G).dtype)
    return G * (strict + _eye(n, G)) + _swap_last(G) * strict


def _inverse_gaps(w: Any) -> Any:
    """F[i, j] = 1 / (w[j] - w[i]), and 0 where w[j] = w[i] (the diagonal, and degenerate
    eigen- or singular values: the derivative of a vector in a degenerate eigenspace does not
    exist; 0 is the gradient of every loss that does not depend on the basis chosen there)."""
    gaps = w.reshape(w.shape[:-1] + (1, w.shape[-1])) - w.reshape(w.shape + (1,))
    tie = _data(gaps) == 0
    return _where(tie, 0.0, 1.0 / _where(tie, 1.0, gaps))


def _unpack(packed: Any, shapes: list[tuple[int, ...]]) -> list[Any]:
    """The outputs of a multi-output op (eigh, svd) from its one node, which holds them
    flattened and concatenated along its last axis (batch axes first)."""
    batch, parts, start = packed.shape[:-1], [], 0
    for shape in shapes:
        size = int(xp.prod(shape))
        parts.append(packed[..., start : start + size].reshape(batch + shape))
        start += size
    return parts


def _svd_shapes(m: int, n: int) -> list[tuple[int, ...]]:
    """Shapes of U, S, Vh in the reduced SVD of an m x n matrix."""
    k = min(m, n)
    return [(m, k), (k,), (k, n)]


def _adjugate_t(a: Any) -> Any:
    """adj(A)ᵀ, the gradient of det A, also where A is singular (det(A) A⁻ᵀ elsewhere): with
    A = U diag(s) Vh, adj(A)ᵀ = det(U) det(Vh) U diag(c) Vh, c_i = the product of the s_j,
    j != i (prefix times suffix products: no division by a zero singular value)."""
    u, s, vh = xp.linalg.svd(a)
    ones = xp.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    before = xp.cumprod(xp.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = xp.cumprod(xp.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    sign = xp.linalg.det(u) * xp.linalg.det(vh)
    return sign[..., None, None] * ((u * (before * after)[..., None, :]) @ vh)


def _det_vjp(g: Any, out: Any, a: Any) -> Any:
    """g det(A) A⁻ᵀ; at a singular A (plain backward) g adj(A)ᵀ, its limit. Under create_graph
    a singular A is a LinAlgError: the second derivative there is not implemented."""
    if _is_array(a):
        try:  # det(A) A⁻ᵀ is faster; at a matrix singular to working precision it is 0 * inf
            with xp.errstate(invalid="ignore", over="ignore"):
                grad = out.reshape(out.shape + (1, 1)) * _swap_last(xp.linalg.inv(a))
            if not xp.isfinite(grad).all():
                grad = _adjugate_t(a)
        except xp.linalg.LinAlgError:
            grad = _adjugate_t(a)
        return g.reshape(g.shape + (1, 1)) * grad
    why = "det: the second derivative at a singular matrix is not implemented"
    return (g * out).reshape(g.shape + (1, 1)) * _inv_t(a, why)


def _solve_grad_b(g: Any, out: Any, a: Any, b: Any) -> Any:
    """A⁻ᵀ g; a vector right-hand side (b 1-D, numpy 2's rule) is solved as one column."""
    at = _swap_last(a)
    if b.ndim == 1:
        return _linalg(at, g).solve(at, g.reshape(g.shape + (1,))).reshape(g.shape)
    return _linalg(at, g).solve(at, g)


def _solve_grad_a(g: Any, out: Any, a: Any, b: Any) -> Any:
    """-(A⁻ᵀ g) xᵀ."""
    gb = _solve_grad_b(g, out, a, b)
    if b.ndim == 1:
        return -(gb.reshape(gb.shape + (1,)) * out.reshape(out.shape[:-1] + (1,) + out.shape[-1:]))
    return -(gb @ _swap_last(out))


def _cholesky_vjp(g: Any, out: Any, a: Any) -> Any:
    """A = L Lᵀ gives L⁻¹ dL = Φ(L⁻¹ dA L⁻ᵀ), Φ = the lower triangle with its diagonal halved;
    so G = L⁻ᵀ Φ(Lᵀ g) L⁻¹, as two solves with Lᵀ (numpy has no triangular solve)."""
    lt = _swap_last(out)
    n = a.shape[-1]
    phi = xp.tri(n, dtype=_data(a).dtype) - 0.5 * _eye(n, a)
    x = _linalg(lt, g).solve(lt, (lt @ g) * phi)  # L⁻ᵀ Φ(Lᵀ g)
    return _tril_gradient(_swap_last(_linalg(lt, x).solve(lt, _swap_last(x))))


def _eigh_vjp(g: Any, out: Any, a: Any) -> Any:
    """A = V diag(w) Vᵀ: dw = diag(Vᵀ dA V), dV = V (F ∘ Vᵀ dA V) with F = _inverse_gaps(w),
    so G = V (diag(g_w) + F ∘ Vᵀ g_V) Vᵀ."""
    n = a.shape[-1]
    w, v = _unpack(out, [(n,), (n, n)])
    gw, gv = _unpack(g, [(n,), (n, n)])
    vt = _swap_last(v)
    inner = gw.reshape(gw.shape[:-1] + (1, n)) * _eye(n, a) + _inverse_gaps(w) * (vt @ gv)
    return _tril_gradient(v @ inner @ vt)


def _safe_reciprocal(s: Any) -> Any:
    """1/s, and 0 where s = 0 (a zero singular value has no inverse)."""
    zero = _data(s) == 0
    return _where(zero, 0.0, 1.0 / _where(zero, 1.0, s))


def _svd_vjp(g: Any, out: Any, a: Any) -> Any:
    """The reduced SVD A = U diag(s) Vᵀ (Townsend 2016, real case), F = _inverse_gaps(s²):
    G = U [diag(g_s) + (F ∘ (Uᵀg_U - g_UᵀU)) S + S (F ∘ (Vᵀg_V - g_VᵀV))] Vᵀ
        + (I - UUᵀ) g_U S⁻¹ Vᵀ + U S⁻¹ g_Vᵀ (I - VVᵀ)   (the last two vanish for square A)."""
    m, n = a.shape[-2:]
    k = min(m, n)
    u, s, vh = _unpack(out, _svd_shapes(m, n))
    gu, gs, gvh = _unpack(g, _svd_shapes(m, n))
    ut = _swap_last(u)
    f = _inverse_gaps(s * s)
    ju = ut @ gu
    jv = vh @ _swap_last(gvh)
    row = s.reshape(s.shape[:-1] + (1, k))  # S on the right scales columns
    col = s.reshape(s.shape + (1,))  # S on the left scales rows
    inner = (
        gs.reshape(row.shape) * _eye(k, a)
        + (f * (ju - _swap_last(ju))) * row
        + col * (f * (jv - _swap_last(jv)))
    )
    grad = u @ inner @ vh
    s_inv = _safe_reciprocal(s)
    if m > k:  # (I - UUᵀ) g_U S⁻¹ Vᵀ
        grad = grad + ((gu - u @ ju) * s_inv.reshape(row.shape)) @ vh
    if n > k:  # U S⁻¹ g_Vᵀ (I - VVᵀ), g_Vᵀ = g_Vh
        grad = grad + u @ (s_inv.reshape(col.shape) * (gvh - _swap_last(jv) @ vh))
    return grad


def _singular_vectors(a: Any, cached: tuple[Any, Any]) -> tuple[Any, Any]:
    """U and Vh of a's reduced SVD: the forward pass's arrays on a plain backward pass,
    recomputed as a recorded svd under create_graph (so they can be differentiated)."""
    if _is_array(a):
        return cached
    u, _, vh = _linalg(a).svd(a, full_matrices=False)
    return u, vh


def _svdvals_vjp(g: Any, out: Any, a: Any, cached: tuple[Any, Any]) -> Any:
    u, vh = _singular_vectors(a, cached)
    return u @ (g.reshape(g.shape + (1,)) * vh)


def _pinv_vjp(g: Any, out: Any, a: Any) -> Any:
    """X = A⁺ at constant rank (Golub and Pereyra): dX = -X dA X + X Xᵀ dAᵀ (I - A X)
    + (I - X A) dAᵀ Xᵀ X, so G = -Xᵀ g Xᵀ + (I - A X) gᵀ X Xᵀ + Xᵀ X gᵀ (I - X A)."""
    xt, gt = _swap_last(out), _swap_last(g)
    m, n = a.shape[-2:]
    return (
        -(xt @ g @ xt)
        + (_eye(m, a) - a @ out) @ gt @ (out @ xt)
        + (xt @ out) @ gt @ (_eye(n, a) - out @ a)
    )


def vector_norm(x: Any, p: float, axes: tuple[int, ...], keepdims: bool) -> Any:
    """(sum |x|^p)^(1/p) over ``axes`` (p > 0), computed as m (sum (|x|/m)^p)^(1/p) with m the
    largest |x|: no overflow at 1e200 and no underflow at 1e-200. 0 for an all-zero slice."""
    a = xp.abs(x)
    m = a.max(axis=axes, keepdims=True, initial=0.0)
    scaled = a / xp.where(m == 0, 1, m)
    s = (scaled * scaled if p == 2 else scaled**p).sum(axis=axes, keepdims=True)
    out = m * (xp.sqrt(s) if p == 2 else s ** (1.0 / p))
    return out if keepdims else out.reshape([d for i, d in enumerate(x.shape) if i not in axes])


def _norm_vjp(g: Any, out: Any, x: Any, p: float, kept: tuple[int, ...]) -> Any:
    """d ||x||_p / dx = sign(x) (|x| / ||x||)^(p-1): x / ||x|| for p = 2. 0 where x = 0 (the
    subgradient at a kink; for p < 1 the derivative there is infinite)."""
    o = out.reshape(kept)
    zero = _data(x) == 0
    ratio = _where(zero, 1.0, abs(x) / _where(_data(o) == 0, 1.0, o))
    return _reduced_back(g, x, kept) * _where(zero, 0.0, _sign(x) * ratio ** (p - 1))


DECOMPOSITIONS: dict[str, tuple[Callable[..., Any], ...]] = {
    # out = A⁻¹               dA = -A⁻ᵀ g A⁻ᵀ
    "inv": (lambda g, out, a: -(_swap_last(out) @ g @ _swap_last(out)),),
    # out = det A             dA = g det(A) A⁻ᵀ = g adj(A)ᵀ  (also at a singular A)
    "det": (_det_vjp,),
    # out = log|det A|        dA = g A⁻ᵀ                     (the sign is a constant)
    "slogdet": (
        lambda g, out, a: g.reshape(g.shape + (1, 1))
        * _inv_t(a, "slogdet: the gradient A⁻ᵀ of log|det A| is infinite at a singular A"),
    ),
    # out = x = A⁻¹ b         dA = -(A⁻ᵀ g) xᵀ               db = A⁻ᵀ g
    "solve": (_solve_grad_a, _solve_grad_b),
    # out = L, A = L Lᵀ       dA = L⁻ᵀ Φ(Lᵀ g) L⁻¹ (lower triangle read, see _tril_gradient)
    "cholesky": (_cholesky_vjp,),
    # out = (w, V) packed     dA = V (diag(g_w) + F ∘ Vᵀ g_V) Vᵀ, F_ij = 1/(w_j - w_i)
    "eigh": (_eigh_vjp,),
    # out = (U, s, Vh) packed dA: see _svd_vjp              (s distinct and nonzero)
    "svd": (_svd_vjp,),
    # out = s                 dA = U diag(g) Vh
    "svdvals": (_svdvals_vjp,),
    # out = A⁺                dA: see _pinv_vjp              (constant rank)
    "pinv": (_pinv_vjp,),
    # out = ||x||_p (axes)    dx = g sign(x) (|x| / out)^(p-1), 0 where x = 0
    "norm": (_norm_vjp,),
}


# --- sorting and selection --------------------------------------------------------------------


def _gathered_back(g: Any, out: Any, x: Any, index: tuple[Any, ...]) -> Any:
    """The VJP of out = x[index] for an index that takes each position at most once (a sort
    permutation, the top k): zeros with g put back where each entry came from."""
    return _scatter_add(g, x.shape, index, False)


def _quantile_vjp(g: Any, out: Any, x: Any, lo: Any, hi: Any, w_hi: Any, shape: Any) -> Any:
    """out = (1 - t) x[lo] + t x[hi]: (1 - t) g to the lower neighbour, t g to the upper one
    (they may be the same entry: the two scatters accumulate)."""
    g = g.reshape(shape)
    return _scatter_add(g * (1 - w_hi), x.shape, lo, True) + _scatter_add(
        g * w_hi, x.shape, hi, True
    )


SORTING: dict[str, tuple[Callable[..., Any], ...]] = {
    # out = x sorted along an axis         dx = g put back through the permutation
    "sort": (_gathered_back,),
    # out = the k largest (smallest) of x  dx = g put back at their positions, 0 elsewhere
    "topk": (_gathered_back,),
    # out = (1 - t) x[lo] + t x[hi]        dx = (1 - t) g at lo, t g at hi   (median: q = 1/2)
    "quantile": (_quantile_vjp,),
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
    DECOMPOSITIONS,
    SORTING,
)
