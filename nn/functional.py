"""Losses and activations as functions of Tensors, composed from the engine's primitives.

Every loss takes ``reduction="mean"`` (the default: a one-element Tensor, the mean over the
batch), ``"sum"``, or ``"none"`` (the per-element or per-row losses), as PyTorch's do. Inputs
may be Tensors or array-likes (arrays become constants: the loss is a number with no graph);
targets given as arrays are constants. All are numerically stable at extreme inputs
(|logit| = 1e4 gives exact limits and no numpy warning).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core import Tensor, stack, where

from .module import _array, _check_bool, _check_index, _check_number, _tuple

__all__ = [
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "mse_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "one_hot",
    "nll_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "kl_div",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "silu",
    "softplus",
    "softsign",
    "hardtanh",
    "relu6",
    "hardsigmoid",
    "hardswish",
    "mish",
    "log_sigmoid",
    "logsigmoid",
]

# log(p) is clamped at -100 (as PyTorch does) so that p = 0 or 1 gives a finite loss.
_LOG_FLOOR = float(np.exp(-100.0))


def relu(x: Any) -> Tensor:
    """max(0, x) elementwise."""
    return _input(x, "relu").relu()


def sigmoid(x: Any) -> Tensor:
    """1 / (1 + e^-x) elementwise."""
    return _input(x, "sigmoid").sigmoid()


def tanh(x: Any) -> Tensor:
    """tanh(x) elementwise."""
    return _input(x, "tanh").tanh()


def softmax(x: Any, axis: int = -1) -> Tensor:
    """e^x / sum(e^x) along ``axis``."""
    return _input(x, "softmax").softmax(axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """x - logsumexp(x) along ``axis``."""
    return _input(x, "log_softmax").log_softmax(axis=axis)


def _input(x: Any, name: str) -> Tensor:
    """``x`` as a Tensor: Tensors as they are, array-likes of numbers as float constants."""
    if isinstance(x, Tensor):
        return x
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # ragged nested lists
        raise TypeError(f"{name}: input must be a Tensor or an array of numbers ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name}: input must be a Tensor or an array of numbers, got {type(x).__name__} "
            f"of dtype {arr.dtype}"
        )
    return Tensor(arr if arr.dtype.kind == "f" else arr.astype(np.float64))


def _target(target: Any, like: Tensor, name: str) -> Any:
    """The target as a Tensor or an array of the prediction's dtype, with the same shape."""
    if not isinstance(target, Tensor):
        target = _array(target, "target", name)
        if target.dtype.kind not in "biuf":
            raise TypeError(f"{name}: target must be numbers, got dtype {target.dtype}")
        target = target.astype(like.dtype, copy=False)
    if target.shape != like.shape:
        raise ValueError(
            f"{name}: input has shape {like.shape} but target has shape {target.shape}; "
            "they must match (reshape one of them rather than rely on broadcasting)"
        )
    return target


def _unit_targets(target: Any, name: str) -> None:
    """Targets of a binary cross-entropy are probabilities: any value outside [0, 1] (a class
    index such as 2, a -1/+1 label, nan) would give a finite but meaningless loss."""
    t = target.data if isinstance(target, Tensor) else target
    if t.size and not (t.min() >= 0 and t.max() <= 1):  # nan fails both comparisons
        bad = t[~((t >= 0) & (t <= 1))].flat[0]
        raise ValueError(
            f"{name}: target must be probabilities in [0, 1] (0/1 labels or soft labels), got "
            f"{bad}; for class indices use cross_entropy"
        )


_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str, name: str, allowed: tuple[str, ...] = _REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(f"{name}: reduction must be one of {allowed}, got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """mean, sum or nothing over the elementwise losses (``reduction`` already checked)."""
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(input - target)^2 elementwise, reduced (default: the mean)."""
    _check_reduction(reduction, "mse_loss")
    input = _input(input, "mse_loss")
    target = _target(target, input, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """|input - target| elementwise, reduced (gradient sign(input - target), 0 at a tie)."""
    _check_reduction(reduction, "l1_loss")
    input = _input(input, "l1_loss")
    return _reduce((input - _target(target, input, "l1_loss")).abs(), reduction)


def _huber(input: Any, target: Any, delta: float, name: str) -> Tensor:
    """0.5 m^2 + delta (a - m) with a = |input - target| and m = min(a, delta): the Huber
    loss, quadratic below delta and linear (slope delta) above, with no branch to take."""
    input = _input(input, name)
    a = (input - _target(target, input, name)).abs()
    m = a.clip(None, delta)
    return 0.5 * m * m + delta * (a - m)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber loss: 0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta), d = input -
    target, elementwise and reduced. ``delta`` must be > 0."""
    _check_reduction(reduction, "huber_loss")
    delta = _check_number(delta, "delta", "huber_loss", 0.0, low_open=True)
    return _reduce(_huber(input, target, delta, "huber_loss"), reduction)


def smooth_l1_loss(
    input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """Smooth L1: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target),
    i.e. huber_loss(delta=beta) / beta; ``beta = 0`` is the L1 loss. ``beta`` must be >= 0."""
    _check_reduction(reduction, "smooth_l1_loss")
    beta = _check_number(beta, "beta", "smooth_l1_loss", 0.0)
    if beta == 0:
        return l1_loss(input, target, reduction)
    return _reduce(_huber(input, target, float(beta), "smooth_l1_loss") * (1.0 / beta), reduction)


def _elementwise_weight(weight: Any, like: Tensor, name: str, what: str = "weight") -> Any:
    """A rescaling weight that broadcasts to the input's shape (constant unless a Tensor)."""
    if weight is None or isinstance(weight, Tensor):
        return weight
    w = _array(weight, what, name)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"{name}: {what} must be numbers, got dtype {w.dtype}")
    w = w.astype(like.dtype, copy=False)
    try:
        np.broadcast_shapes(w.shape, like.shape)
    except ValueError:
        raise ValueError(
            f"{name}: {what} of shape {w.shape} does not broadcast to the input's shape "
            f"{like.shape}"
        ) from None
    return w


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """-w (t log p + (1 - t) log(1 - p)) elementwise for probabilities p = ``input`` in
    [0, 1], reduced (default: the mean); ``weight`` w rescales each element (default 1).

    Each log is clamped at -100 (p is clipped to [e^-100, 1]), so p = 0 or 1 gives a finite
    loss; prefer ``binary_cross_entropy_with_logits``, which needs no clamp. An input outside
    [0, 1] (logits passed by mistake, or nan) raises ValueError.
    """
    _check_reduction(reduction, "binary_cross_entropy")
    input = _input(input, "binary_cross_entropy")
    target = _target(target, input, "binary_cross_entropy")
    _unit_targets(target, "binary_cross_entropy")
    x = input.data
    outside = ~((x >= 0) & (x <= 1))  # nan compares false both ways: it is outside too
    if outside.any():
        bad = x[outside].flat[0]
        raise ValueError(
            f"binary_cross_entropy: input must be probabilities in [0, 1], got {bad} "
            f"({np.count_nonzero(outside)} of {x.size} entries outside [0, 1]); for logits "
            "(unbounded scores) use binary_cross_entropy_with_logits"
        )
    log_p = input.clip(_LOG_FLOOR, 1.0).log()
    log_not_p = (1.0 - input).clip(_LOG_FLOOR, 1.0).log()
    loss = -(log_p * target + log_not_p * (1.0 - target))
    weight = _elementwise_weight(weight, input, "binary_cross_entropy")
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """-w (q t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))) elementwise for logits x =
    ``input``, reduced (default: the mean); ``weight`` w rescales each element and
    ``pos_weight`` q (broadcast along the last axis, one per class) weighs the positive term.

    Written as (1 - t + q t) softplus(x) - q t x with softplus(x) = log(1 + e^x) =
    logsumexp([0, x]): the max-shifted logsumexp never overflows (exact at |x| = 1e4), and
    with q = 1 its gradient is exactly sigmoid(x) - t, including at x = 0.
    """
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    input = _input(input, "binary_cross_entropy_with_logits")
    target = _target(target, input, "binary_cross_entropy_with_logits")
    _unit_targets(target, "binary_cross_entropy_with_logits")
    zeros = Tensor(np.zeros(input.shape, dtype=input.dtype))
    softplus = stack([zeros, input], axis=-1).logsumexp(axis=-1)
    if pos_weight is None:
        loss = softplus - input * target
    else:
        q = _elementwise_weight(
            pos_weight, input, "binary_cross_entropy_with_logits", "pos_weight"
        )
        qt = target * q
        loss = (1.0 - target + qt) * softplus - input * qt
    weight = _elementwise_weight(weight, input, "binary_cross_entropy_with_logits")
    return _reduce(loss if weight is None else loss * weight, reduction)


def _labels(labels: Any, n: int, shape: tuple[int, ...], name: str) -> np.ndarray:
    """Integer class indices of shape (n,), checked."""
    tensor = isinstance(labels, Tensor)
    labels = np.asarray(labels.data if tensor else labels)
    if labels.shape == shape and labels.dtype.kind in "biu":
        raise ValueError(
            f"{name}: labels of shape {labels.shape} (integers, like the logits {shape}) look "
            "like one-hot rows; pass class indices (labels.argmax(axis=1)) or class "
            "probabilities as floats"
        )
    if labels.shape != (n,):
        raise ValueError(
            f"{name}: logits have shape {shape}, so labels must have shape ({n},); "
            f"got {labels.shape}"
        )
    if labels.dtype.kind not in "iu":
        raise ValueError(
            f"{name}: labels must be integer class indices, got dtype {labels.dtype}"
            + (" (a Tensor holds floats: pass the labels as an integer ndarray)" if tensor else "")
        )
    return labels


def _out_of_range(labels: np.ndarray, num_classes: int, name: str) -> None:
    """Raise for the first label outside [0, num_classes)."""
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)][0]
        raise ValueError(
            f"{name}: label {bad} is out of range for {num_classes} classes [0, {num_classes})"
        )


def _class_weight(weight: Any, k: int, dtype: Any, name: str) -> np.ndarray | None:
    if weight is None:
        return None
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
    if w.shape != (k,) or w.dtype.kind not in "biuf" or not np.isfinite(w).all():
        raise ValueError(
            f"{name}: weight must be {k} finite numbers (one per class), got shape {w.shape} "
            f"dtype {w.dtype}"
        )
    return w.astype(dtype)


def _class_targets(
    labels: np.ndarray,
    k: int,
    dtype: Any,
    weight: np.ndarray | None,
    ignore_index: int,
    label_smoothing: float,
    mean: bool,
    name: str = "cross_entropy",
) -> tuple[np.ndarray, float]:
    """The (n, k) target rows T with loss_i = -sum_c T_ic log p_ic, and the mean's divisor.

    T_i = w[y_i] ((1 - eps) one_hot(y_i) + eps / k) for smoothing eps (PyTorch applies the
    class weights w inside the smoothed term too: eps / k * w), zero rows for ignored
    targets; the divisor is the sum of w[y_i] over the rows not ignored, and with ``mean``
    T comes divided by it (so that -sum(T log p) is the mean). Built directly in the (n, k)
    array, never from a (k, k) table.
    """
    n = len(labels)
    # This runs every training step: one reduction when no label can be ignored (the
    # default ignore_index is negative), and labels >= k are caught by the indexing below.
    if n and (labels.min() < 0 or 0 <= ignore_index < k):
        rows = np.flatnonzero(labels != ignore_index)
        kept = labels[rows]
        _out_of_range(kept, k, name)
    else:
        rows, kept = np.arange(n), labels
    try:
        w_y = None if weight is None else weight[kept]
        divisor = float(len(rows) if w_y is None else w_y.sum())
        scale = 1.0 / divisor if mean and divisor else 1.0
        T = np.zeros((n, k), dtype=dtype)
        on = (1.0 - label_smoothing) * scale
        T[rows, kept] = on if w_y is None else on * w_y
    except IndexError:
        _out_of_range(kept, k, name)
        raise
    if label_smoothing:
        T[rows] += (label_smoothing / k * scale) * (1.0 if weight is None else weight)
    return T, divisor


def _check_labels_args(label_smoothing: float, ignore_index: Any, name: str) -> None:
    _check_number(label_smoothing, "label_smoothing", name, 0.0, 1.0)
    _check_index(ignore_index, "ignore_index", name)


def _by_rows(rows: Tensor, T: np.ndarray, divisor: float, reduction: str) -> Tensor:
    """-sum(rows * T) reduced: per row for "none", all summed for "sum", divided by
    ``divisor`` for "mean" (nan when nothing counts, as PyTorch)."""
    per_row = -(rows * T).sum(axis=-1)
    if reduction == "none":
        return per_row
    total = per_row.sum()
    if reduction == "sum":
        return total
    return total * (1.0 / divisor if divisor else float("nan"))


def one_hot(labels: Any, num_classes: int, dtype: Any = np.float64) -> np.ndarray:
    """An (n, num_classes) array with a 1 in column labels[i] of row i, after checking that
    the labels are integers in [0, num_classes) (ValueError otherwise)."""
    if isinstance(num_classes, bool) or int(num_classes) != num_classes or num_classes < 0:
        raise ValueError(
            f"one_hot: num_classes must be a non-negative integer, got {num_classes!r}"
        )
    labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if labels.ndim != 1:
        raise ValueError(f"one_hot: labels must be 1-D class indices, got shape {labels.shape}")
    if labels.dtype.kind not in "iu":
        raise ValueError(f"one_hot: labels must be integer class indices, got dtype {labels.dtype}")
    _out_of_range(labels, int(num_classes), "one_hot")
    out = np.zeros((len(labels), int(num_classes)), dtype=dtype)
    out[np.arange(len(labels)), labels] = 1
    return out


def cross_entropy(
    input: Tensor,
    labels: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """-sum_c T_ic log softmax(input[i])_c per row i, for logits of shape (n, k), reduced.

    ``labels``: integer class indices of shape (n,) in [0, k) (T the one-hot rows), or class
    probabilities of shape (n, k) (a float array: T = labels, a constant). With PyTorch's
    semantics: ``weight`` (k,) scales each class, ``label_smoothing`` eps mixes eps / k of
    the uniform distribution into T, rows whose label is ``ignore_index`` count nothing, and
    the mean divides by the sum of w[label] over the rows not ignored (n for probability
    targets). "mean" and "sum" are one fused, stable node (``Tensor.cross_entropy``).
    """
    _check_reduction(reduction, "cross_entropy")
    _check_labels_args(label_smoothing, ignore_index, "cross_entropy")
    input = _input(input, "cross_entropy")
    if input.ndim != 2:
        raise ValueError(f"cross_entropy: logits must be (n, classes), got shape {input.shape}")
    n, k = input.shape
    w = _class_weight(weight, k, input.dtype, "cross_entropy")
    if labels is None:
        raise TypeError("cross_entropy: labels is None; pass class indices of shape (n,)")
    raw = _array(labels, "labels", "cross_entropy")
    if raw.dtype.kind == "f" and raw.shape == input.shape:  # class probabilities
        if raw.size and not raw.min() >= 0:  # nan fails the comparison too
            bad = raw[~(raw >= 0)].flat[0]
            raise ValueError(
                f"cross_entropy: target probabilities must be >= 0, got {bad}; pass logits as "
                "the first argument and class indices or probabilities as the second"
            )
        T = raw.astype(input.dtype) * (1.0 - label_smoothing) + label_smoothing / k
        if w is not None:
            T = T * w
        divisor = float(n)
        if reduction == "mean" and n:
            T *= 1.0 / n
    else:
        T, divisor = _class_targets(
            _labels(labels if isinstance(labels, Tensor) else raw, n, input.shape, "cross_entropy"),
            k,
            input.dtype,
            w,
            int(ignore_index),
            label_smoothing,
            mean=reduction == "mean",
        )
    if reduction == "none":
        return _by_rows(input.log_softmax(axis=-1), T, divisor, reduction)
    # The engine's fused cross-entropy: one node whose gradient is softmax sum(T) - T,
    # instead of log_softmax, a product and a sum.
    loss = input.cross_entropy(T, axis=-1)
    return loss * float("nan") if reduction == "mean" and not divisor else loss


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """-w[y_i] input[i, y_i] per row i for log-probabilities ``input`` of shape (n, k) and
    integer labels y of shape (n,), reduced; the mean divides by the sum of w[y_i] over the
    rows whose label is not ``ignore_index`` (PyTorch's semantics).
    ``nll_loss(log_softmax(x), y) == cross_entropy(x, y)``."""
    _check_reduction(reduction, "nll_loss")
    _check_labels_args(0.0, ignore_index, "nll_loss")
    input = _input(input, "nll_loss")
    if input.ndim != 2:
        raise ValueError(f"nll_loss: input must be (n, classes), got shape {input.shape}")
    n, k = input.shape
    w = _class_weight(weight, k, input.dtype, "nll_loss")
    labels = _labels(target, n, input.shape, "nll_loss")
    T, divisor = _class_targets(
        labels, k, input.dtype, w, int(ignore_index), 0.0, mean=False, name="nll_loss"
    )
    return _by_rows(input, T, divisor, reduction)


def kl_div(input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence with ``input`` = log q: elementwise t (log t - input) (0
    where t = 0), or e^t (t - input) when ``log_target`` (target given as log t), reduced:
    "mean" over every element (PyTorch's default), "batchmean" (sum / batch size: the true
    KL divergence per sample), "sum" or "none". ``target`` may be a Tensor that needs grad."""
    _check_reduction(reduction, "kl_div", (*_REDUCTIONS, "batchmean"))
    log_target = _check_bool(log_target, "log_target", "kl_div")
    input = _input(input, "kl_div")
    target = _target(target, input, "kl_div")
    t = target.data if isinstance(target, Tensor) else target
    if log_target:
        e_t = target.exp() if isinstance(target, Tensor) else np.exp(t)
        loss = e_t * (target - input)
    else:
        if (t < 0).any():
            raise ValueError(
                f"kl_div: target must be probabilities (>= 0), got {t[t < 0].flat[0]}; pass "
                "log-probabilities with log_target=True"
            )
        positive = t > 0
        t_log_t: Any
        if isinstance(target, Tensor):  # t log t with its gradient, 0 (not nan) at t = 0
            safe = where(positive, target, 1.0)
            t_log_t = where(positive, target * safe.log(), 0.0)
        else:
            t_log_t = np.where(positive, t * np.log(np.where(positive, t, 1.0)), 0.0)
        loss = t_log_t - target * input
    if reduction == "batchmean":
        return loss.sum() * (1.0 / max(input.shape[0], 1) if input.ndim else 1.0)
    return _reduce(loss, reduction)


# --- activations: PyTorch's names and parameters, one fused, stable node each -----------------


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope x otherwise."""
    return _input(x, "leaky_relu").leaky_relu(negative_slope)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (e^x - 1) otherwise."""
    return _input(x, "elu").elu(alpha)


def selu(x: Any) -> Tensor:
    """scale elu(x, alpha) with alpha = 1.6732632423543772, scale = 1.0507009873554805."""
    return _input(x, "selu").selu()


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """x Phi(x) (Phi the standard normal CDF), or its tanh approximation with
    ``approximate="tanh"``."""
    return _input(x, "gelu").gelu(approximate)


def silu(x: Any) -> Tensor:
    """x sigmoid(x) (swish)."""
    return _input(x, "silu").silu()


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta (stable at any |x|), x itself where beta x > threshold."""
    return _input(x, "softplus").softplus(beta, threshold)


def softsign(x: Any) -> Tensor:
    """x / (1 + |x|)."""
    return _input(x, "softsign").softsign()


def hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clipped to [min_val, max_val] (gradient 0 at the bounds, as PyTorch)."""
    return _input(x, "hardtanh").hardtanh(min_val, max_val)


def relu6(x: Any) -> Tensor:
    """min(max(x, 0), 6)."""
    return _input(x, "relu6").relu6()


def hardsigmoid(x: Any) -> Tensor:
    """relu6(x + 3) / 6."""
    return _input(x, "hardsigmoid").hardsigmoid()


def hardswish(x: Any) -> Tensor:
    """x relu6(x + 3) / 6."""
    return _input(x, "hardswish").hardswish()


def mish(x: Any) -> Tensor:
    """x tanh(softplus(x))."""
    return _input(x, "mish").mish()


def log_sigmoid(x: Any) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable at any |x|."""
    return _input(x, "log_sigmoid").log_sigmoid()


logsigmoid = log_sigmoid  # PyTorch's spelling (torch.nn.functional.logsigmoid)


# --- layers: convolution, pooling, dropout, normalisation, embedding ------------------------
# (appended as a block, with its own __all__ extension, so the losses above can change
# independently)

from autograd_core import avg_pool2d, conv1d, conv2d, max_pool2d  # noqa: E402

__all__ += [
    "conv2d",
    "conv1d",
    "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "dropout",
    "batch_norm",
    "layer_norm",
    "embedding",
]


def adaptive_avg_pool2d(input: Tensor, output_size: int | tuple[int, int]) -> Tensor:
    """The mean over an (H / oh) x (W / ow) grid of blocks of x (N, C, H, W), giving
    (N, C, oh, ow); ``output_size=1`` is global average pooling. The input's height and
    width must be multiples of the output's (ValueError otherwise)."""
    oh, ow = _tuple(output_size, 2, "adaptive_avg_pool2d: output_size")
    input = _input(input, "adaptive_avg_pool2d")
    if input.ndim != 4:
        raise ValueError(
            f"adaptive_avg_pool2d: input must be 4-D (N, C, H, W), got shape {input.shape}"
        )
    h, w = input.shape[2:]
    if (oh, ow) == (1, 1):
        return input.mean(axis=(2, 3), keepdims=True)
    if oh < 1 or ow < 1 or h % oh or w % ow:
        raise ValueError(
            f"adaptive_avg_pool2d: output size {(oh, ow)} must divide the input's "
            f"{(h, w)} (input {input.shape}); uneven bins are not supported"
        )
    return avg_pool2d(input, (h // oh, w // ow))


def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Inverted dropout: in training each entry is zeroed with probability p and the others
    scaled by 1 / (1 - p), so the expected value is unchanged and evaluation is the identity.
    The mask is drawn from ``generator`` (default: a fresh, unseeded generator)."""
    _check_number(p, "p", "dropout", 0.0, 1.0)
    input = _input(input, "dropout")
    if not _check_bool(training, "training", "dropout") or p == 0.0:
        return input
    rng = generator if generator is not None else np.random.default_rng()
    if p == 1.0:
        return input * np.zeros(input.shape, dtype=input.dtype)
    keep = rng.random(input.shape) >= p
    return input * (keep * (1.0 / (1.0 - p))).astype(input.dtype)


def _channel_axes(input: Tensor, num_features: int, op: str) -> tuple[tuple[int, ...], tuple]:
    """The axes a batch norm reduces over (all but the channel axis 1) and the shape that
    broadcasts a per-channel vector against the input."""
    if input.ndim < 2 or input.shape[1] != num_features:
        raise ValueError(
            f"{op}: expected input of shape (N, {num_features}, ...), got {input.shape}"
        )
    axes = (0, *range(2, input.ndim))
    return axes, (num_features,) + (1,) * (input.ndim - 2)


def batch_norm(
    input: Tensor,
    running_mean: np.ndarray | None,
    running_var: np.ndarray | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float | None = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """(x - mean) / sqrt(var + eps) * weight + bias per channel (axis 1).

    In training (or without running statistics) mean and var are the batch's, over every
    axis but 1 (var biased, as the normalisation uses it), and the running statistics are
    updated in place: running = (1 - momentum) running + momentum stat, with the unbiased
    batch variance (``momentum=None``: the cumulative average is the caller's business, see
    ``BatchNorm2d``). Otherwise the running statistics are used as constants."""
    input = _input(input, "batch_norm")
    given = [a for a in (running_mean, weight, bias) if a is not None]
    num_features = given[0].shape[0] if given else (input.shape[1] if input.ndim >= 2 else -1)
    axes, vec = _channel_axes(input, num_features, "batch_norm")
    if training or running_mean is None or running_var is None:
        count = input.size // max(num_features, 1)
        if training and count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input "
                f"of shape {input.shape}"
            )
        mean = input.mean(axis=axes, keepdims=True)
        centred = input - mean
        var = (centred * centred).mean(axis=axes, keepdims=True)
        if training and running_mean is not None and running_var is not None:
            m = 0.1 if momentum is None else momentum
            unbiased = var.data.reshape(-1) * (count / max(count - 1, 1))
            running_mean *= 1.0 - m
            running_mean += m * mean.data.reshape(-1)
            running_var *= 1.0 - m
            running_var += m * unbiased
        out = centred * (var + eps) ** -0.5
    else:
        scale = (1.0 / np.sqrt(running_var + eps)).astype(input.dtype)
        out = (input - running_mean.astype(input.dtype).reshape(vec)) * scale.reshape(vec)
    if weight is not None:
        out = out * weight.reshape(vec)
    if bias is not None:
        out = out + bias.reshape(vec)
    return out


def layer_norm(
    input: Tensor,
    normalized_shape: int | tuple[int, ...],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """(x - mean) / sqrt(var + eps) * weight + bias, with mean and (biased) var over the
    last len(normalized_shape) axes, which must equal ``normalized_shape``."""
    input = _input(input, "layer_norm")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[-k:]) != shape:
        raise ValueError(
            f"layer_norm: input of shape {input.shape} does not end in normalized_shape {shape}"
        )
    axes = tuple(range(input.ndim - k, input.ndim))
    mean = input.mean(axis=axes, keepdims=True)
    centred = input - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    out = centred * (var + eps) ** -0.5
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer indices ``input`` (any
    shape): out[..., :] = weight[input[...], :]. Gradients of repeated indices add up; the
    row ``padding_idx`` gets no gradient (its value is returned as it is)."""
    idx = _array(input, "indices", "embedding")
    n = weight.shape[0]
    if idx.dtype.kind not in "iu":
        tensor = isinstance(input, Tensor)
        hint = " (a Tensor holds floats: pass an integer ndarray)" if tensor else ""
        raise ValueError(f"embedding: indices must be integers, got dtype {idx.dtype}{hint}")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].flat[0]
        raise ValueError(f"embedding: index {bad} is out of range for {n} embeddings [0, {n})")
    rows = weight[idx]
    if padding_idx is None:
        return rows
    pad = padding_idx % n if -n <= padding_idx < n else None
    if pad is None:
        raise ValueError(f"embedding: padding_idx {padding_idx} is out of range for {n} rows")
    trainable = (idx != pad)[..., None]
    if trainable.all():
        return rows
    return where(trainable, rows, rows.detach())
