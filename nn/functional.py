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


# --- layers: convolution, pooling, dropout, normalisation, embedding ------------------------
# (appended as a block, with its own __all__ extension, so the losses above can change
# independently)

from autograd_core import avg_pool2d, conv1d, conv2d, max_pool2d, where  # noqa: E402

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
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else output_size
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
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p!r}")
    if not training or p == 0.0:
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
    idx = np.asarray(input.data if isinstance(input, Tensor) else input)
    n = weight.shape[0]
    if idx.dtype.kind not in "iu":
        raise ValueError(f"embedding: indices must be integers, got dtype {idx.dtype}")
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
