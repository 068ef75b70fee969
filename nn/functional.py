"""Losses and activations as functions of Tensors, composed from the engine's primitives.

Every loss returns the mean over the batch (a one-element Tensor). Targets may be Tensors or
arrays; targets given as arrays are constants. All are numerically stable at extreme inputs
(|logit| = 1e4 gives exact limits and no numpy warning).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core import Tensor, stack

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


def relu(x: Tensor) -> Tensor:
    """max(0, x) elementwise."""
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x) elementwise."""
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    """tanh(x) elementwise."""
    return x.tanh()


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """e^x / sum(e^x) along ``axis``."""
    return x.softmax(axis=axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """x - logsumexp(x) along ``axis``."""
    return x.log_softmax(axis=axis)


def _target(target: Any, like: Tensor, name: str) -> Any:
    """The target as a Tensor or an array of the prediction's dtype, with the same shape."""
    if not isinstance(target, Tensor):
        target = np.asarray(target, dtype=like.dtype)
    if target.shape != like.shape:
        raise ValueError(
            f"{name}: input has shape {like.shape} but target has shape {target.shape}; "
            "they must match (reshape one of them rather than rely on broadcasting)"
        )
    return target


def mse_loss(input: Tensor, target: Any) -> Tensor:
    """mean((input - target)^2)."""
    target = _target(target, input, "mse_loss")
    diff = input - target
    return (diff * diff).mean()


def binary_cross_entropy(input: Tensor, target: Any) -> Tensor:
    """mean(-(t log p + (1 - t) log(1 - p))) for probabilities p = ``input`` in [0, 1].

    Each log is clamped at -100 (p is clipped to [e^-100, 1]), so p = 0 or 1 gives a finite
    loss; prefer ``binary_cross_entropy_with_logits``, which needs no clamp.
    """
    target = _target(target, input, "binary_cross_entropy")
    log_p = input.clip(_LOG_FLOOR, 1.0).log()
    log_not_p = (1.0 - input).clip(_LOG_FLOOR, 1.0).log()
    return -(log_p * target + log_not_p * (1.0 - target)).mean()


def binary_cross_entropy_with_logits(input: Tensor, target: Any) -> Tensor:
    """mean(-(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x)))) for logits x = ``input``.

    Written as softplus(x) - t x with softplus(x) = log(1 + e^x) = logsumexp([0, x]): the
    max-shifted logsumexp never overflows, and its gradient is exactly sigmoid(x) - t,
    including at x = 0.
    """
    target = _target(target, input, "binary_cross_entropy_with_logits")
    zeros = Tensor(np.zeros(input.shape, dtype=input.dtype))
    softplus = stack([zeros, input], axis=-1).logsumexp(axis=-1)
    return (softplus - input * target).mean()


def _class_rows(num_classes: int, dtype: Any, scale: float) -> np.ndarray:
    """``scale`` times the identity of size num_classes: row y is the one-hot vector of y."""
    key = (num_classes, np.dtype(dtype), scale)
    rows = _CLASS_ROWS.get(key)
    if rows is None:
        if len(_CLASS_ROWS) > 64:  # batch sizes and class counts are few; stay bounded
            _CLASS_ROWS.clear()
        rows = _CLASS_ROWS[key] = np.eye(num_classes, dtype=dtype) * scale
        rows.flags.writeable = False
    return rows


_CLASS_ROWS: dict[tuple[int, np.dtype, float], np.ndarray] = {}


def _scaled_one_hot(labels: Any, num_classes: int, dtype: Any, scale: float) -> np.ndarray:
    """``scale * one_hot(labels)``, with the label checks of ``one_hot``."""
    labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D class indices, got shape {labels.shape}")
    if labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be integer class indices, got dtype {labels.dtype}")
    # One reduction for negatives; take() raises for labels >= num_classes. Row lookup in a
    # cached identity builds the matrix in one numpy call (this runs every training step).
    if labels.size and labels.min() < 0:
        bad = labels[labels < 0][0]
        raise ValueError(
            f"label {bad} is out of range for {num_classes} classes [0, {num_classes})"
        )
    try:
        return _class_rows(num_classes, dtype, scale).take(labels, axis=0)
    except IndexError:
        bad = labels[labels >= num_classes][0]
        raise ValueError(
            f"label {bad} is out of range for {num_classes} classes [0, {num_classes})"
        ) from None


def one_hot(labels: Any, num_classes: int, dtype: Any = np.float64) -> np.ndarray:
    """An (n, num_classes) array with a 1 in column labels[i] of row i, after checking that
    the labels are integers in [0, num_classes) (ValueError otherwise)."""
    return _scaled_one_hot(labels, num_classes, dtype, 1.0)


def cross_entropy(input: Tensor, labels: Any) -> Tensor:
    """mean over rows i of -log softmax(input[i])[labels[i]], for logits of shape (n, k) and
    integer labels of shape (n,) in [0, k). One fused, stable node (``Tensor.cross_entropy``)."""
    if input.ndim != 2:
        raise ValueError(f"cross_entropy: logits must be (n, classes), got shape {input.shape}")
    n, k = input.shape
    labels_arr = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if labels_arr.shape != (n,):
        raise ValueError(
            f"cross_entropy: logits have shape {input.shape}, so labels must have shape ({n},); "
            f"got {labels_arr.shape}"
        )
    # The engine's fused cross-entropy against one-hot rows scaled by 1/n: one node whose
    # gradient is (softmax - one_hot) / n, instead of log_softmax, a product and a sum.
    weights = _scaled_one_hot(labels_arr, k, input.dtype, 1.0 / max(n, 1))
    return input.cross_entropy(weights, axis=-1)


# --- activations: PyTorch's names and parameters, one fused, stable node each -----------------


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope x otherwise."""
    return x.leaky_relu(negative_slope)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (e^x - 1) otherwise."""
    return x.elu(alpha)


def selu(x: Tensor) -> Tensor:
    """scale elu(x, alpha) with alpha = 1.6732632423543772, scale = 1.0507009873554805."""
    return x.selu()


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x) (Phi the standard normal CDF), or its tanh approximation with
    ``approximate="tanh"``."""
    return x.gelu(approximate)


def silu(x: Tensor) -> Tensor:
    """x sigmoid(x) (swish)."""
    return x.silu()


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta (stable at any |x|), x itself where beta x > threshold."""
    return x.softplus(beta, threshold)


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return x.softsign()


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clipped to [min_val, max_val] (gradient 0 at the bounds, as PyTorch)."""
    return x.hardtanh(min_val, max_val)


def relu6(x: Tensor) -> Tensor:
    """min(max(x, 0), 6)."""
    return x.relu6()


def hardsigmoid(x: Tensor) -> Tensor:
    """relu6(x + 3) / 6."""
    return x.hardsigmoid()


def hardswish(x: Tensor) -> Tensor:
    """x relu6(x + 3) / 6."""
    return x.hardswish()


def mish(x: Tensor) -> Tensor:
    """x tanh(softplus(x))."""
    return x.mish()


def log_sigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable at any |x|."""
    return x.log_sigmoid()


logsigmoid = log_sigmoid  # PyTorch's spelling (torch.nn.functional.logsigmoid)
