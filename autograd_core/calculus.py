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

import math
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
    return x if _is_array(x) else x._data


try:  # numpy >= 2: the context variable np.errstate sets, reached directly
    from numpy._core.umath import _extobj_contextvar as _errstate
    from numpy._core.umath import _make_extobj

    _IGNORE_ALL = _make_extobj(all="ignore")
except ImportError:  # pragma: no cover - older numpy: the public, slower context manager
    _errstate = None  # type: ignore[misc, assignment]


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
    return g * mask if _is_array(g) else g * mask.astype(g._data.dtype)


def _broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """x repeated to ``shape`` (numpy broadcasting), as a new array: its consumers would make
    a full-size array anyway, and filling one is faster than xp.broadcast_to's view."""
    if not _is_array(x):
        return _engine()._result(_broadcast_to(x._data, shape), "broadcast_to", (x,))
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
        node = _scatter_add(g._data, shape, index, repeats)
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


# --- elementwise math: the kernels of the rows appended to UNARY below ----------------------


def _apply(op: str, x: Any, *params: Any) -> Any:
    """The elementwise op ``op`` (a ``UNARY`` row or an activation) on an array, or recorded
    on a Tensor under create_graph: how a rule calls cos, sqrt, sigmoid... on either type."""
    kernel = UNARY[op][0] if op in UNARY else ACTIVATION_KERNELS[op]
    if _is_array(x):
        return kernel(x, *params)
    return _engine()._result(kernel(x._data, *params), op, (x,), params)


def _zero_grad(g: Any, *args: Any) -> Any:
    """The VJP of a piecewise-constant op (sign, floor, round, heaviside): zeros, even where g
    is inf or nan (as PyTorch's zeros_like(grad))."""
    if _is_array(g):
        return xp.zeros_like(g)
    return _engine()._const(xp.zeros_like(g._data))


_SQRT_PI = math.sqrt(math.pi)
_ERF_SPLIT = 2.0  # below: the power series; above: the continued fraction for erfc


def _exp_neg_square(a: Any) -> Any:
    """e^(-a^2) to full relative precision. Rounding a^2 would cost a relative error of
    2 a^2 eps (1e-13 at a = 26), so a = hi + lo with hi a multiple of 2^-16 (hi^2 exact):
    e^(-a^2) = e^(-hi^2) e^(-(a - hi)(a + hi))."""
    hi = xp.floor(a * 65536.0) / 65536.0
    return xp.exp(-hi * hi) * xp.exp(-(a - hi) * (a + hi))


# 1 / (1 3 5 ... (2n + 1)), n = 0 .. 37: the coefficients of erf's series in 2a^2 (below)
_ERF_SERIES = [1.0 / math.prod(range(1, 2 * n + 2, 2)) for n in range(38)][::-1]


def _erf_series(a: Any) -> Any:
    """erf(a) for 0 <= a < 2: 2/sqrt(pi) e^(-a^2) a sum_n (2a^2)^n / (1 3 5 ... (2n+1)).
    Every term is positive (no cancellation); 38 terms reach 1e-16 relative at a = 2.
    Horner's rule in place: two passes over the array per term."""
    if a.size == 0:
        return a
    a2 = 2.0 * a * a
    total = xp.full_like(a, _ERF_SERIES[0])
    for c in _ERF_SERIES[1:]:
        total *= a2
        total += c
    return (2.0 / _SQRT_PI) * _exp_neg_square(a) * a * total


def _erfc_fraction(a: Any) -> Any:
    """erfc(a) for a >= 2 by Laplace's continued fraction,
    e^(-a^2) / sqrt(pi) / (a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))), evaluated bottom-up
    from 60 levels: 1e-15 relative for a >= 2 (erfc underflows to 0 beyond a = 27.3)."""
    if a.size == 0:
        return a
    a = xp.minimum(a, 30.0)  # erfc(30) = 0 in float64; keeps inf out of the fraction
    t = a.copy()
    for k in range(60, 0, -1):
        xp.divide(0.5 * k, t, out=t)
        t += a
    return _exp_neg_square(a) / (_SQRT_PI * t)


def _erf_parts(x: Any) -> tuple[Any, Any, Any, Any]:
    """(|x| in float64, the mask |x| < 2, erf(|x|) there, erfc(|x|) elsewhere): each
    function where it is accurate, each entry computed once."""
    a = xp.abs(xp.asarray(x, dtype=xp.float64))
    small = a < _ERF_SPLIT  # nan is not small: the fraction carries it through
    return a, small, _erf_series(a[small]), _erfc_fraction(a[~small])


def _float_dtype(x: Any) -> Any:
    dt = xp.asarray(x).dtype
    return dt if dt.kind == "f" else xp.float64


def erf(x: Any) -> Any:
    """The error function erf(x) = 2/sqrt(pi) int_0^x e^(-t^2) dt, vectorised, to ~1e-15
    relative in float64 (a power series below |x| = 2, Laplace's continued fraction for
    erfc above); odd, exact limits +-1, nan for nan."""
    a, small, series, fraction = _erf_parts(x)
    out = xp.empty_like(a)
    out[small] = series
    out[~small] = 1.0 - fraction
    return xp.copysign(out, x).astype(_float_dtype(x), copy=False)


def erfc(x: Any) -> Any:
    """1 - erf(x), accurate in the tail where 1 - erf(x) would round to 0 (erfc(10) =
    2.1e-45): 1e-15 relative above |x| = 2, 2e-13 below (1 - erf there): the kernel of the
    normal CDF that gelu needs."""
    a, small, series, fraction = _erf_parts(x)
    out = xp.empty_like(a)
    out[small] = 1.0 - series
    out[~small] = fraction
    out = xp.where(xp.asarray(x) < 0, 2.0 - out, out)
    return out.astype(_float_dtype(x), copy=False)


_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / _SQRT_PI


# op -> (forward kernel on an array, VJP). Adding an elementwise op is one row here, one
# method on Tensor (tensor.py) and its property test.
UNARY: dict[str, tuple[Callable[[Any], Any], Callable[..., Any]]] = {
    #  out = f(x)      forward              dx = vjp(g, out, x)
    "neg":          (xp.negative,        lambda g, out, x: -g),
    "exp":          (quiet(xp.exp),      lambda g, out, x: g * out),               # g e^x
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
    # --- elementwise math: numpy's values outside the domain (nan, inf), no warning ---
    "sin":      (quiet(xp.sin),     quiet(lambda g, out, x: g * _apply("cos", x))),
    "cos":      (quiet(xp.cos),     quiet(lambda g, out, x: -(g * _apply("sin", x)))),
    "tan":      (quiet(xp.tan),     quiet(lambda g, out, x: g * (1.0 + out * out))),
    # g / sqrt(1 - x^2)
    "arcsin":   (quiet(xp.arcsin),  quiet(lambda g, out, x: g / _apply("sqrt", 1.0 - x * x))),
    # -g / sqrt(1 - x^2)
    "arccos":   (quiet(xp.arccos),
        quiet(lambda g, out, x: -(g / _apply("sqrt", 1.0 - x * x)))),
    "arctan":   (quiet(xp.arctan),  quiet(lambda g, out, x: g / (1.0 + x * x))),
    "sinh":     (quiet(xp.sinh),    quiet(lambda g, out, x: g * _apply("cosh", x))),
    "cosh":     (quiet(xp.cosh),    quiet(lambda g, out, x: g * _apply("sinh", x))),
    # g / sqrt(x^2 + 1)
    "arcsinh":  (quiet(xp.arcsinh), quiet(lambda g, out, x: g / _apply("sqrt", x * x + 1.0))),
    # g / sqrt((x - 1)(x + 1))
    "arccosh":  (quiet(xp.arccosh),
        quiet(lambda g, out, x: g / _apply("sqrt", (x - 1.0) * (x + 1.0)))),
    # g / ((1 - x)(1 + x))
    "arctanh":  (quiet(xp.arctanh), quiet(lambda g, out, x: g / ((1.0 - x) * (1.0 + x)))),
    "exp2":     (quiet(xp.exp2),    lambda g, out, x: g * (out * _LN2)),      # g 2^x ln 2
    "expm1":    (quiet(xp.expm1),   lambda g, out, x: g * (out + 1.0)),       # g e^x
    "log2":     (quiet(xp.log2),    quiet(lambda g, out, x: g / (x * _LN2))),
    "log10":    (quiet(xp.log10),   quiet(lambda g, out, x: g / (x * _LN10))),
    "log1p":    (quiet(xp.log1p),   quiet(lambda g, out, x: g / (1.0 + x))),
    "square":   (quiet(xp.square),  quiet(lambda g, out, x: g * (2.0 * x))),
    # g / (3 cbrt(x)^2): inf at 0
    "cbrt":     (xp.cbrt,            quiet(lambda g, out, x: g / (3.0 * (out * out)))),
    # piecewise constant: zero gradient everywhere (also at the jumps, as PyTorch)
    "sign":     (xp.sign,            _zero_grad),
    "floor":    (xp.floor,           _zero_grad),
    "ceil":     (xp.ceil,            _zero_grad),
    "round":    (xp.round,           _zero_grad),
    "trunc":    (xp.trunc,           _zero_grad),
    "rint":     (xp.rint,            _zero_grad),
    "deg2rad":  (quiet(xp.deg2rad), lambda g, out, x: g * (math.pi / 180.0)),
    "rad2deg":  (quiet(xp.rad2deg), lambda g, out, x: g * (180.0 / math.pi)),
    # g 2/sqrt(pi) e^(-x^2)
    "erf":      (erf,
        quiet(lambda g, out, x: g * (_TWO_OVER_SQRT_PI * _exp(-(x * x))))),
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


ARITHMETIC: dict[str, tuple[Callable[..., Any], ...]] = {
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
    m = x.max(axis=axes, keepdims=True, initial=-xp.inf)  # initial: an empty slice gives -inf
    m = xp.where(xp.isfinite(m), m, 0)  # all -inf slices: shift by 0, result -inf
    with xp.errstate(divide="ignore"):  # log(0) = -inf is the right answer for -inf rows
        s = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m
    return s if keepdims else s.reshape([d for i, d in enumerate(x.shape) if i not in axes])


def softmax(x: Any, axis: int) -> Any:
    """e^x / sum(e^x) along ``axis``, with the max subtracted first (stable at any |x|)."""
    e = xp.exp(x - x.max(axis=axis, keepdims=True, initial=-xp.inf))  # empty axis: empty
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x: Any, axis: int) -> Any:
    """x - logsumexp(x) along ``axis``, with the max shift: exact at |x| = 1e4."""
    if x.shape[axis] == 0:  # nothing to normalise (and log of the empty sum would warn)
        return x.copy()
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


# --- shapes: movement, padding, contractions (the structure ops) ----------------------------


def _roll(g: Any, shifts: tuple[int, ...], axes: tuple[int, ...]) -> Any:
    """g rolled cyclically by ``shifts`` along ``axes`` (np.roll), recorded for a Tensor."""
    return xp.roll(g, shifts, axes) if _is_array(g) else g.roll(shifts, axes)


def _pad(g: Any, widths: tuple[tuple[int, int], ...], mode: str) -> Any:
    """g padded by ``widths`` in ``mode`` (np.pad; 0 for the constant mode)."""
    if _is_array(g):
        return xp.pad(g, widths, mode=mode)
    from .structure import pad

    return pad(g, widths, mode=mode)


def _unpad(g: Any, widths: tuple[tuple[int, int], ...], mode: str) -> Any:
    """The VJP of pad: the centre of g, plus, in the reflect and edge modes, every padded
    entry added back to the entry it copies (found by padding an arange). Its own VJP is
    pad again."""
    lead = [slice(None)] * g.ndim
    for ax, (before, after) in enumerate(widths):
        lead[ax] = slice(before, g.shape[ax] - after)
    if mode == "constant":
        return g[tuple(lead)]
    if not _is_array(g):
        return _engine()._result(_unpad(g._data, widths, mode), "unpad", (g,), (widths, mode))
    for ax, (before, after) in enumerate(widths):
        if before == after == 0:
            continue
        n = g.shape[ax] - before - after
        source = xp.pad(xp.arange(n), (before, after), mode=mode)
        axis = (slice(None),) * ax
        out = g[axis + (slice(before, before + n),)].copy()
        for j in [*range(before), *range(before + n, before + n + after)]:
            out[axis + (source[j],)] += g[axis + (j,)]
        g = out
    return g


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _einsum(subscripts: str, *operands: Any, optimize: Any = False) -> Any:
    """xp.einsum on arrays, the recorded einsum when an operand is a Tensor."""
    if all(_is_array(o) for o in operands):
        return xp.einsum(subscripts, *operands, optimize=optimize)
    from .structure import einsum

    return einsum(subscripts, *operands, optimize=optimize)


def _einsum_vjp(i: int, g: Any, out: Any, *args: Any) -> Any:
    """d einsum / d operand i: another einsum, of g and the other operands, into operand i's
    subscripts. A letter repeated in operand i (a diagonal) is renamed and tied back to its
    first occurrence by an identity matrix; a letter only operand i has (summed out) comes
    from a vector of ones. Where einsum broadcast operand i's size-1 axis, unbroadcast sums
    it; where it broadcast another operand's, the result is widened to operand i's size."""
    *operands, specs, out_spec, optimize = args
    x = operands[i]
    dtype = _data(g).dtype
    inputs = [out_spec] + [s for j, s in enumerate(specs) if j != i]
    ops = [g] + [o for j, o in enumerate(operands) if j != i]
    have = set("".join(inputs))
    fresh = (c for c in _LETTERS if c not in have and c not in specs[i])
    target = ""
    for ax, c in enumerate(specs[i]):
        if c in target:
            d = next(fresh)
            inputs.append(c + d)
            ops.append(xp.eye(x.shape[ax], dtype=dtype))
            c = d
        elif c not in have:
            inputs.append(c)
            ops.append(xp.ones(x.shape[ax], dtype=dtype))
        target += c
    dx = _einsum(",".join(inputs) + "->" + target, *ops, optimize=optimize)
    # an axis of x that einsum broadcast against size 1 elsewhere comes back as 1: widen it
    full = tuple(s if d == 1 else d for d, s in zip(dx.shape, x.shape))
    return dx if full == dx.shape else _broadcast_to(dx, full)


SHAPES: dict[str, Any] = {
    # out = repeat(x, r, axis)    dx = g with each entry's r copies summed
    "repeat": (
        lambda g, out, x, axis, r: g.reshape(
            x.shape[:axis] + (x.shape[axis], r) + x.shape[axis + 1 :]
        ).sum(axis=axis + 1),
    ),
    # out = roll(x, s, axes)      dx = roll(g, -s, axes)
    "roll": (lambda g, out, x, shifts, axes: _roll(g, tuple(-s for s in shifts), axes),),
    # out = pad(x, w, mode)       dx = the centre of g, plus the padded entries added back
    #                             to the entries they copy (reflect, edge)
    "pad": (lambda g, out, x, widths, mode: _unpad(g, widths, mode),),
    # out = unpad(s, w, mode)     ds = pad(g, w, mode)        (the VJP of pad, differentiated)
    "unpad": (lambda g, out, s, widths, mode: _pad(g, widths, mode),),
    # out = einsum(spec, *xs)     dxs[i] = einsum of g and the other operands into xs[i]'s spec
    "einsum": _PerInput(_einsum_vjp),
}


# --- elementwise math of two inputs (broadcasting), and nan_to_num ---------------------------


def _extremum_weights(a: Any, b: Any, first: bool, larger: bool, skip_nan: bool) -> Any:
    """d/da (first) or d/db of maximum/minimum (larger or not), and of fmax/fmin (skip_nan):
    1 for the winner, 1/2 each at ties, and for fmax/fmin also 1 where only the other
    input is nan (they return the number)."""
    w = _maximum_weights(a, b, first) if larger else _maximum_weights(b, a, first)
    if skip_nan:
        mine, other = (_data(a), _data(b)) if first else (_data(b), _data(a))
        w = w + (xp.isnan(other) & ~xp.isnan(mine))
    return w


def _quotient(a: Any, b: Any, rounding: Callable[[Any], Any]) -> Any:
    """rounding(a / b) as a constant: -d/db of a - b rounding(a / b) (remainder: floor,
    fmod: trunc). floor_divide is numpy's own quotient of remainder, so the two agree."""
    ad, bd = _data(a), _data(b)
    with xp.errstate(all="ignore"):
        return xp.floor_divide(ad, bd) if rounding is xp.floor else xp.trunc(ad / bd)


def _copysign_slope(a: Any, out: Any) -> Any:
    """d copysign(a, b)/da as a constant: +-1 (whether the sign was kept), 0 at a = 0 (as
    PyTorch)."""
    ad, od = _data(a), _data(out)
    slope = xp.where(xp.signbit(ad) == xp.signbit(od), 1.0, -1.0)
    return xp.where(ad == 0, 0.0, slope).astype(xp.result_type(ad, od), copy=False)


ELEMENTWISE_MATH: dict[str, tuple[Callable[..., Any], ...]] = {
    # out = sqrt(a^2 + b^2)   da = g a / out                db = g b / out
    "hypot": (
        quiet(lambda g, out, a, b: g * a / out),
        quiet(lambda g, out, a, b: g * b / out),
    ),
    # out = arctan2(a, b)     da = g b / (a^2 + b^2)        db = -g a / (a^2 + b^2)
    "arctan2": (
        quiet(lambda g, out, a, b: g * b / (a * a + b * b)),
        quiet(lambda g, out, a, b: -(g * a) / (a * a + b * b)),
    ),
    # out = log(e^a + e^b)    da = g e^(a - out)            db = g e^(b - out)
    "logaddexp": (
        quiet(lambda g, out, a, b: g * _exp(a - out)),
        quiet(lambda g, out, a, b: g * _exp(b - out)),
    ),
    # out = log2(2^a + 2^b)   da = g 2^(a - out)            db = g 2^(b - out)
    "logaddexp2": (
        quiet(lambda g, out, a, b: g * _apply("exp2", a - out)),
        quiet(lambda g, out, a, b: g * _apply("exp2", b - out)),
    ),
    # out = minimum(a, b)     da = g [a < b] + g/2 [a = b]  db = g [b < a] + g/2 [a = b]
    "minimum": (
        lambda g, out, a, b: g * _extremum_weights(a, b, True, False, False),
        lambda g, out, a, b: g * _extremum_weights(a, b, False, False, False),
    ),
    # out = fmax(a, b)        as maximum, and g to the number where the other one is nan
    "fmax": (
        lambda g, out, a, b: g * _extremum_weights(a, b, True, True, True),
        lambda g, out, a, b: g * _extremum_weights(a, b, False, True, True),
    ),
    # out = fmin(a, b)        as minimum, and g to the number where the other one is nan
    "fmin": (
        lambda g, out, a, b: g * _extremum_weights(a, b, True, False, True),
        lambda g, out, a, b: g * _extremum_weights(a, b, False, False, True),
    ),
    # out = a - b floor(a/b)  da = g                        db = -g floor(a / b)
    "remainder": (
        lambda g, out, a, b: g,
        lambda g, out, a, b: -(g * _quotient(a, b, xp.floor)),
    ),
    # out = a - b trunc(a/b)  da = g                        db = -g trunc(a / b)
    "fmod": (
        lambda g, out, a, b: g,
        lambda g, out, a, b: -(g * _quotient(a, b, xp.trunc)),
    ),
    # out = |a| sign(b)       da = g (+-1; 0 at a = 0)      db = 0
    "copysign": (lambda g, out, a, b: g * _copysign_slope(a, out), _zero_grad),
    # out = 0, b, 1 for a < 0, a = 0, a > 0      da = 0     db = g [a = 0]
    "heaviside": (_zero_grad, lambda g, out, a, b: _masked(g, _data(a) == 0)),
    # out = x with nan/inf replaced by numbers   dx = g where x is finite, 0 where replaced
    "nan_to_num": (lambda g, out, x: _masked(g, xp.isfinite(_data(x))),),
}


# --- activations: a numerically stable forward kernel above each row ---------------------------


def leaky_relu(x: Any, slope: float) -> Any:
    """x for x > 0, slope x otherwise."""
    return xp.where(x > 0, x, x * slope)


def elu(x: Any, alpha: float, scale: float) -> Any:
    """scale x for x > 0, scale alpha (e^x - 1) otherwise; expm1 of min(x, 0), so e^x is never
    formed for large x (elu with scale 1, selu with its constants)."""
    return scale * xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0.0)))


_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715


def _normal_cdf(x: Any) -> Any:
    """Phi(x) = erfc(-x / sqrt 2) / 2: the erfc kernel on arrays (accurate in the lower
    tail), (1 + erf(x / sqrt 2)) / 2 recorded on Tensors (erf is a differentiable op)."""
    if _is_array(x):
        return 0.5 * erfc(-x * _SQRT1_2)
    return 0.5 * (1.0 + _apply("erf", x * _SQRT1_2))


@quiet
def gelu(x: Any) -> Any:
    """x Phi(x), Phi the standard normal CDF (from erfc: gelu(-10) = -7.6e-23, not 0)."""
    return x * _normal_cdf(x)


def _gelu_tanh_inner(x: Any) -> Any:
    return _SQRT_2_OVER_PI * (x + _GELU_CUBIC * (x * x * x))


@quiet
def gelu_tanh(x: Any) -> Any:
    """x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2, the tanh approximation of gelu."""
    return 0.5 * x * (1.0 + xp.tanh(_gelu_tanh_inner(x)))


def _gelu_tanh_vjp(g: Any, out: Any, x: Any) -> Any:
    t = _apply("tanh", _gelu_tanh_inner(x))
    slope = _SQRT_2_OVER_PI * (1.0 + (3.0 * _GELU_CUBIC) * (x * x))
    return g * (0.5 * (1.0 + t) + 0.5 * x * ((1.0 - t * t) * slope))


def silu(x: Any) -> Any:
    """x sigmoid(x), with the stable sigmoid."""
    return x * sigmoid(x)


@quiet
def softplus(x: Any, beta: float, threshold: float) -> Any:
    """log(1 + e^(beta x)) / beta as (max(z, 0) + log1p(e^-|z|)) / beta, z = beta x (e^z is
    never formed: exact at +-1e4), and x itself where z > threshold (as PyTorch)."""
    z = x * beta
    smooth = (xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
    return xp.where(z > threshold, x, smooth)


def softsign(x: Any) -> Any:
    """x / (1 + |x|)."""
    return x / (1.0 + xp.abs(x))


def hardtanh(x: Any, lo: float, hi: float) -> Any:
    """x clipped to [lo, hi]."""
    return xp.clip(x, lo, hi)


def hardsigmoid(x: Any) -> Any:
    """relu6(x + 3) / 6 = clip(x / 6 + 1/2, 0, 1)."""
    return xp.clip(x * (1.0 / 6.0) + 0.5, 0.0, 1.0)


def hardswish(x: Any) -> Any:
    """x relu6(x + 3) / 6."""
    return x * hardsigmoid(x)


def _hardswish_vjp(g: Any, out: Any, x: Any) -> Any:
    """g (x/3 + 1/2) for -3 <= x <= 3, g above, 0 below (PyTorch's values at the kinks)."""
    xd = _data(x)
    mid = ((xd >= -3.0) & (xd <= 3.0)).astype(xd.dtype)
    above = (xd > 3.0).astype(xd.dtype)
    return g * (x * (mid / 3.0) + (0.5 * mid + above))


def mish(x: Any) -> Any:
    """x tanh(softplus(x)), with the stable softplus."""
    return x * xp.tanh(softplus(x, 1.0, 20.0))


def _mish_vjp(g: Any, out: Any, x: Any) -> Any:
    """g (tanh(sp) + x (1 - tanh(sp)^2) sigmoid(x)), sp = softplus(x)."""
    t = _apply("tanh", _apply("softplus", x, 1.0, 20.0))
    return g * (t + x * ((1.0 - t * t) * _apply("sigmoid", x)))


@quiet
def log_sigmoid(x: Any) -> Any:
    """log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|): exact at +-1e4 (0 and -1e4)."""
    return xp.minimum(x, 0.0) - xp.log1p(xp.exp(-xp.abs(x)))


# op -> forward kernel, for the activations with parameters (called kernel(x, *params))
ACTIVATION_KERNELS: dict[str, Callable[..., Any]] = {
    "leaky_relu": leaky_relu,
    "elu": elu,
    "selu": elu,
    "gelu": gelu,
    "gelu_tanh": gelu_tanh,
    "silu": silu,
    "softplus": softplus,
    "softsign": softsign,
    "hardtanh": hardtanh,
    "hardsigmoid": hardsigmoid,
    "hardswish": hardswish,
    "mish": mish,
    "log_sigmoid": log_sigmoid,
}


def _elu_vjp(g: Any, out: Any, x: Any, alpha: float, scale: float) -> Any:
    """g scale for x > 0, g (out + scale alpha) = g scale alpha e^x otherwise (alpha scale at
    0, as PyTorch)."""
    return _where(_data(x) > 0, g * scale, g * (out + scale * alpha))


ACTIVATIONS: dict[str, tuple[Callable[..., Any], ...]] = {
    # out = x or slope x      dx = g for x > 0, else g slope (slope at 0)
    "leaky_relu": (lambda g, out, x, slope: _where(_data(x) > 0, g, g * slope),),
    # out = elu(x), selu(x)   dx = g scale for x > 0, else g (out + scale alpha)
    "elu": (_elu_vjp,),
    "selu": (_elu_vjp,),
    # out = x Phi(x)          dx = g (Phi(x) + x phi(x)),  phi(x) = e^(-x^2/2) / sqrt(2 pi)
    "gelu": (
        quiet(
            lambda g, out, x: g * (_normal_cdf(x) + x * (_INV_SQRT_2PI * _exp(-0.5 * (x * x))))
        ),
    ),
    # out = x (1 + tanh u)/2  dx = g ((1 + t)/2 + x (1 - t^2) u'/2),  t = tanh u
    "gelu_tanh": (quiet(_gelu_tanh_vjp),),
    # out = x s, s = sigmoid  dx = g s (1 + x (1 - s))
    "silu": (
        lambda g, out, x: g * (_apply("sigmoid", x) * (1.0 + x * (1.0 - _apply("sigmoid", x)))),
    ),
    # out = softplus(x)       dx = g sigmoid(beta x); g where beta x > threshold
    "softplus": (
        lambda g, out, x, beta, threshold: _where(
            _data(x) * beta > threshold, g, g * _apply("sigmoid", x * beta)
        ),
    ),
    # out = x / (1 + |x|)     dx = g / (1 + |x|)^2
    "softsign": (
        quiet(lambda g, out, x: g / ((1.0 + _apply("abs", x)) * (1.0 + _apply("abs", x)))),
    ),
    # out = clip(x, lo, hi)   dx = g for lo < x < hi, else 0 (0 at the kinks, as PyTorch)
    "hardtanh": (lambda g, out, x, lo, hi: _masked(g, (_data(x) > lo) & (_data(x) < hi)),),
    # out = relu6(x + 3)/6    dx = g / 6 for -3 < x < 3, else 0
    "hardsigmoid": (lambda g, out, x: _masked(g, abs(_data(x)) < 3.0) * (1.0 / 6.0),),
    # out = x hardsigmoid(x)  dx = g (x/3 + 1/2) on [-3, 3], g above, 0 below
    "hardswish": (_hardswish_vjp,),
    # out = x tanh(sp(x))     dx = g (tanh sp + x (1 - tanh^2 sp) sigmoid(x))
    "mish": (_mish_vjp,),
    # out = log sigmoid(x)    dx = g sigmoid(-x)
    "log_sigmoid": (lambda g, out, x: g * _apply("sigmoid", -x),),
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
    best = xpad[(...,) + tuple(slices[0][1])].copy(order="K")  # keeps x's memory layout
    arg = xp.zeros_like(best, dtype=xp.uint8 if len(slices) < 256 else xp.intp)
    for k, sl in slices[1:]:
        candidate = xpad[(...,) + tuple(sl)]
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
                xp.multiply(g, arg == k, out=dx[(...,) + tuple(sl)])
            else:
                dx[(...,) + tuple(sl)] += g * (arg == k)
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
    SHAPES,
    ELEMENTWISE_MATH,
    ACTIVATIONS,
    DECOMPOSITIONS,
    SORTING,
    MORE_REDUCTIONS,
    CONVOLUTION,
)
