"""Convolution and pooling on Tensors in NCHW layout (NCL for 1-D), with PyTorch's semantics.

``conv2d`` is an engine op with its own VJPs (``calculus.CONVOLUTION``): the forward pass is
im2col (a strided window view copied once into columns) and one matrix product per group;
the input's gradient is a transposed convolution and the weight's a correlation of the input
with the upstream gradient, both recorded ops themselves, so a convolution can be
differentiated any number of times. ``max_pool2d`` is an op whose VJP scatters the gradient
to the argmax of each window; ``avg_pool2d`` and ``conv1d`` are compositions of recorded ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import calculus
from .calculus import ConvGeometry, conv_output_size
from .graph import is_grad_enabled
from .tensor import Tensor, _as_int, _operand, _result

__all__ = ["conv2d", "conv1d", "max_pool2d", "avg_pool2d"]

IntPair = int | tuple[int, int]


def _pair(value: Any, name: str, op: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints as a (height, width) pair, each at least ``minimum``."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or any(_as_int(v) is None for v in pair):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def _as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return _operand(x, like) if like is not None else Tensor(x)


def _check_ndim(x: Tensor, ndim: int, layout: str, what: str, op: str) -> None:
    if x.ndim != ndim:
        raise ValueError(f"{op}: {what} must be {ndim}-D {layout}, got shape {x.shape}")


def _output_size(op: str, x_shape: tuple[int, ...], kernel: tuple[int, ...],
                 stride: tuple[int, int], padding: tuple[int, int],
                 dilation: tuple[int, int]) -> tuple[int, int]:
    """(Ho, Wo), or a ValueError when the (dilated) kernel is larger than the padded input."""
    h, w = x_shape[-2:]
    spans = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    padded = (h + 2 * padding[0], w + 2 * padding[1])
    if spans[0] > padded[0] or spans[1] > padded[1]:
        raise ValueError(
            f"{op}: kernel {kernel} (dilation {dilation}, spanning {tuple(spans)}) is larger "
            f"than the padded input {padded} (input {x_shape}, padding {padding})"
        )
    return (
        conv_output_size(h, kernel[0], stride[0], padding[0], dilation[0]),
        conv_output_size(w, kernel[1], stride[1], padding[1], dilation[1]),
    )


def conv2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tensor:
    """The 2-D convolution (a cross-correlation, as in PyTorch) of x (N, C, H, W) with
    ``weight`` (O, C/groups, kh, kw), plus ``bias`` (O,):

        out[n, o, i, j] = bias[o] + sum_{c, p, q} weight[o, c, p, q]
                          * xpad[n, g(o) C/groups + c, i s_h + p d_h, j s_w + q d_w]

    with xpad the input framed by ``padding`` zeros and g(o) the group of output channel o.
    The output has shape (N, O, Ho, Wo), Ho = floor((H + 2 p_h - d_h (kh - 1) - 1) / s_h) + 1.
    """
    op = "conv2d"
    x = _as_tensor(x)
    w = _as_tensor(weight, x)
    _check_ndim(x, 4, "(N, C, H, W)", "input", op)
    _check_ndim(w, 4, "(out_channels, in_channels/groups, kh, kw)", "weight", op)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, (bool, np.bool_)) \
            or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    o, cg = w.shape[:2]
    c = x.shape[1]
    if o % groups:
        raise ValueError(f"{op}: out_channels {o} (weight {w.shape}) is not divisible by "
                         f"groups {groups}")
    if cg * groups != c:
        raise ValueError(
            f"{op}: input {x.shape} has {c} channels but weight {w.shape} expects "
            f"{cg} per group x {groups} groups = {cg * groups}"
        )
    geom = ConvGeometry(
        _pair(stride, "stride", op, 1),
        _pair(padding, "padding", op, 0),
        _pair(dilation, "dilation", op, 1),
        int(groups),
    )
    ho, wo = _output_size(op, x.shape, w.shape[2:], geom.stride, geom.padding, geom.dilation)
    if ho < 1 or wo < 1 or x.shape[0] == 0 or o == 0 or c == 0:
        raise ValueError(f"{op}: input {x.shape} and weight {w.shape} give an empty output")
    value, cols = calculus.conv2d(x._data, w._data, geom)
    # the columns are kept for the weight's VJP only when there will be a backward pass
    keep = w.requires_grad and is_grad_enabled()
    out = _result(value, "conv2d", (x, w), (geom, cols if keep else None))
    if bias is None:
        return out
    b = _as_tensor(bias, x)
    if b.shape != (o,):
        raise ValueError(f"{op}: bias must have shape ({o},) for weight {w.shape}, got {b.shape}")
    return out + b.reshape(o, 1, 1)


def conv1d(x: Any, weight: Any, bias: Any = None, stride: int = 1, padding: int = 0,
           dilation: int = 1, groups: int = 1) -> Tensor:
    """The 1-D convolution of x (N, C, L) with ``weight`` (O, C/groups, k), plus ``bias``
    (O,): ``conv2d`` on a height-1 image, out (N, O, Lo), Lo = floor((L + 2p - d (k-1) - 1)/s) + 1.
    """
    op = "conv1d"
    x = _as_tensor(x)
    w = _as_tensor(weight, x)
    _check_ndim(x, 3, "(N, C, L)", "input", op)
    _check_ndim(w, 3, "(out_channels, in_channels/groups, k)", "weight", op)
    for name, v, least in (("stride", stride, 1), ("padding", padding, 0),
                           ("dilation", dilation, 1)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, (bool, np.bool_)):
            raise ValueError(f"{op}: {name} must be an int, got {v!r}")
        if v < least:
            raise ValueError(f"{op}: {name} must be >= {least}, got {v!r}")
    try:
        out = conv2d(
            x.reshape(x.shape[0], x.shape[1], 1, x.shape[2]),
            w.reshape(w.shape[0], w.shape[1], 1, w.shape[2]),
            bias,
            (1, stride),
            (0, padding),
            (1, dilation),
            groups,
        )
    except ValueError as e:
        raise ValueError(f"{op}: input {x.shape}, weight {w.shape}: {e}") from None
    return out.reshape(out.shape[0], out.shape[1], out.shape[3])


def _pool_args(
    op: str, x: Tensor, kernel_size: IntPair, stride: IntPair | None, padding: IntPair
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    _check_ndim(x, 4, "(N, C, H, W)", "input", op)
    kernel = _pair(kernel_size, "kernel_size", op, 1)
    strides = kernel if stride is None else _pair(stride, "stride", op, 1)
    pads = _pair(padding, "padding", op, 0)
    if pads[0] > kernel[0] // 2 or pads[1] > kernel[1] // 2:
        raise ValueError(f"{op}: padding {pads} must be at most half the kernel {kernel}")
    ho, wo = _output_size(op, x.shape, kernel, strides, pads, (1, 1))
    if x.size == 0:
        raise ValueError(f"{op}: input {x.shape} is empty")
    return kernel, strides, pads


def max_pool2d(
    x: Any, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
) -> Tensor:
    """The maximum of each kernel window of x (N, C, H, W); ``stride`` defaults to the kernel
    size, ``padding`` (at most half the kernel) adds -inf borders.

    The gradient of a window goes to its maximal entry; when several entries tie, to the
    first of them in row-major order within the window (PyTorch's CPU kernel also gives it to
    one entry, not split). Overlapping windows that pick the same entry add their gradients.
    """
    op = "max_pool2d"
    x = _as_tensor(x)
    kernel, strides, pads = _pool_args(op, x, kernel_size, stride, padding)
    value, arg = calculus.max_pool2d(x._data, kernel, strides, pads)
    return _result(value, "max_pool2d", (x,), (arg, kernel, strides, pads))


def avg_pool2d(
    x: Any, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
) -> Tensor:
    """The mean of each kernel window of x (N, C, H, W); zero padding counts in the mean
    (PyTorch's default ``count_include_pad=True``). A depthwise convolution with the constant
    kernel 1 / (kh kw), so its gradients are the convolution's."""
    op = "avg_pool2d"
    x = _as_tensor(x)
    kernel, strides, pads = _pool_args(op, x, kernel_size, stride, padding)
    n, c, h, w = x.shape
    weight = np.full((1, 1, *kernel), 1.0 / (kernel[0] * kernel[1]), dtype=x.dtype)
    out = conv2d(x.reshape(n * c, 1, h, w), weight, None, strides, pads)
    return out.reshape(n, c, out.shape[2], out.shape[3])
