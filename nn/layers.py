"""Layers for real models: convolution, pooling, dropout, normalisation, embeddings.

Names, arguments, parameter shapes and default initialisations follow PyTorch, so weights can
be copied across (``Conv2d.weight`` is (out, in/groups, kh, kw) as in PyTorch; only
``Linear`` keeps this library's (in, out) layout). Layers with parameters take ``dtype`` and
``seed`` (an int or a ``numpy.random.Generator``; default: the global generator of
``nn.manual_seed``). Inputs given as arrays become constant Tensors of the layer's dtype.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_core import Tensor

from . import functional as F
from . import init
from .module import (
    Module,
    Parameter,
    _as_tensor,
    _check_bool,
    _check_index,
    _check_number,
    _check_seed,
    _check_size,
    _float_dtype,
    _generator,
    _tuple,
)

__all__ = [
    "Conv2d",
    "Conv1d",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "Flatten",
    "Dropout",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "Embedding",
    "Softmax",
    "LogSoftmax",
    "Identity",
    "CNN",
]


class _ConvNd(Module):
    """What Conv1d and Conv2d share: parameters, PyTorch's default init, repr."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: tuple[int, ...],
        stride: Any,
        padding: Any,
        dilation: Any,
        groups: int,
        bias: bool,
        dtype: Any,
        seed: int | np.random.Generator | None,
    ):
        super().__init__()
        name = type(self).__name__
        in_channels = _check_size(in_channels, "in_channels", name)
        out_channels = _check_size(out_channels, "out_channels", name)
        groups = _check_size(groups, "groups", name)
        bias = _check_bool(bias, "bias", name)
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: in_channels {in_channels} and out_channels {out_channels} must be "
                f"divisible by groups {groups}"
            )
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.groups = dilation, groups
        self.dtype = _float_dtype(dtype, name)
        rng = _generator(seed, name)
        shape = (out_channels, in_channels // groups, *kernel_size)
        # PyTorch's default: kaiming_uniform_(a=sqrt(5)), i.e. U(+-1/sqrt(fan_in)), for the
        # weight and the same bound for the bias
        fan_in = in_channels // groups * math.prod(kernel_size)
        bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
        self.weight = Parameter(np.empty(shape, self.dtype))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5.0), generator=rng)
        self.bias = (
            Parameter(rng.uniform(-bound, bound, out_channels).astype(self.dtype))
            if bias
            else None
        )

    #: the functional form of the subclass (conv1d or conv2d)
    _conv: Any

    def forward(self, x: Any) -> Tensor:
        x = _as_tensor(x, self.dtype)
        nd = len(self.kernel_size) + 2
        if x.ndim != nd or x.shape[1] != self.in_channels:
            layout = "(N, C, H, W)" if nd == 4 else "(N, C, L)"
            raise ValueError(
                f"{type(self).__name__}({self.in_channels}, {self.out_channels}): expected a "
                f"{nd}-D input {layout} with C = in_channels = {self.in_channels}, got shape "
                f"{x.shape}"
            )
        return self._conv(
            x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}, "
            f"groups={self.groups}, bias={self.bias is not None}, dtype={self.dtype.name}"
        )


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) input (``functional.conv2d``): weight (out,
    in/groups, kh, kw), bias (out,), both U(+-1/sqrt(in/groups kh kw)) as in PyTorch."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        dtype: Any = np.float64,
        seed: int | np.random.Generator | None = None,
    ):
        super().__init__(
            in_channels,
            out_channels,
            _tuple(kernel_size, 2, "Conv2d: kernel_size"),
            _tuple(stride, 2, "Conv2d: stride"),
            _tuple(padding, 2, "Conv2d: padding", minimum=0),
            _tuple(dilation, 2, "Conv2d: dilation"),
            groups,
            bias,
            dtype,
            seed,
        )

    _conv = staticmethod(F.conv2d)


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) input (``functional.conv1d``): weight (out, in/groups,
    k), bias (out,), initialised as in PyTorch."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
        dtype: Any = np.float64,
        seed: int | np.random.Generator | None = None,
    ):
        super().__init__(
            in_channels,
            out_channels,
            _tuple(kernel_size, 1, "Conv1d: kernel_size"),
            _tuple(stride, 1, "Conv1d: stride")[0],
            _tuple(padding, 1, "Conv1d: padding", minimum=0)[0],
            _tuple(dilation, 1, "Conv1d: dilation")[0],
            groups,
            bias,
            dtype,
            seed,
        )

    _conv = staticmethod(F.conv1d)


class MaxPool2d(Module):
    """The maximum of each window (``functional.max_pool2d``); stride defaults to the kernel."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0):
        super().__init__()
        name = type(self).__name__
        _tuple(kernel_size, 2, f"{name}: kernel_size")
        if stride is not None:
            _tuple(stride, 2, f"{name}: stride")
        _tuple(padding, 2, f"{name}: padding", minimum=0)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Any) -> Tensor:
        return F.max_pool2d(_as_tensor(x), self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(MaxPool2d):
    """The mean of each window (``functional.avg_pool2d``; zero padding counts)."""

    def forward(self, x: Any) -> Tensor:
        return F.avg_pool2d(_as_tensor(x), self.kernel_size, self.stride, self.padding)


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed (oh, ow) output (``functional.adaptive_avg_pool2d``):
    ``AdaptiveAvgPool2d(1)`` is global average pooling; other sizes must divide the input."""

    def __init__(self, output_size: int | tuple[int, int]):
        super().__init__()
        _tuple(output_size, 2, "AdaptiveAvgPool2d: output_size")
        self.output_size = output_size

    def forward(self, x: Any) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class Flatten(Module):
    """Merge axes start_dim..end_dim into one: (N, C, H, W) -> (N, C H W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = _check_index(start_dim, "start_dim", "Flatten")
        self.end_dim = _check_index(end_dim, "end_dim", "Flatten")

    def forward(self, x: Any) -> Tensor:
        x = _as_tensor(x)
        nd = x.ndim
        start = self.start_dim % nd if -nd <= self.start_dim < nd else None
        end = self.end_dim % nd if -nd <= self.end_dim < nd else None
        if start is None or end is None or start > end:
            raise ValueError(
                f"Flatten: start_dim {self.start_dim} and end_dim {self.end_dim} do not fit "
                f"an input of shape {x.shape}"
            )
        shape = x.shape[:start] + (math.prod(x.shape[start : end + 1]),) + x.shape[end + 1 :]
        return x.reshape(shape)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout (``functional.dropout``) in training mode, the identity in eval mode.
    The masks come from this layer's generator, seeded by ``seed``."""

    def __init__(self, p: float = 0.5, seed: int | np.random.Generator | None = None):
        super().__init__()
        self.p = _check_number(p, "p", "Dropout", 0.0, 1.0)
        seed = _check_seed(seed, "Dropout")
        self.generator = (
            seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        )

    def forward(self, x: Any) -> Tensor:
        return F.dropout(_as_tensor(x), self.p, self.training, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class _BatchNorm(Module):
    """Batch normalisation per channel (axis 1) (``functional.batch_norm``).

    Training mode normalises with the batch's mean and biased variance and updates the
    running statistics, ``running = (1 - momentum) running + momentum batch`` (unbiased
    variance; ``momentum=None``: the cumulative average over the batches seen). Eval mode
    normalises with the running statistics. ``running_mean``, ``running_var`` and
    ``num_batches_tracked`` are buffers: saved by ``state_dict``, never trained.
    """

    _ndims: tuple[int, ...] = ()
    # buffers (register_buffer), None without track_running_stats
    running_mean: Any
    running_var: Any
    num_batches_tracked: Any

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = np.float64,
    ):
        super().__init__()
        name = type(self).__name__
        num_features = _check_size(num_features, "num_features", name)
        eps = _check_number(eps, "eps", name, 0.0, low_open=True)
        if momentum is not None:
            momentum = _check_number(momentum, "momentum (None or a number)", name, 0.0, 1.0)
        affine = _check_bool(affine, "affine", name)
        track_running_stats = _check_bool(track_running_stats, "track_running_stats", name)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.dtype = _float_dtype(dtype, name)
        self.weight = Parameter(np.ones(num_features, self.dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, self.dtype)) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, self.dtype))
            self.register_buffer("running_var", np.ones(num_features, self.dtype))
            self.register_buffer("num_batches_tracked", np.zeros((), np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, x: Any) -> Tensor:
        x = _as_tensor(x, self.dtype)
        if x.ndim not in self._ndims:
            raise ValueError(
                f"{type(self).__name__}: expected a {' or '.join(map(str, self._ndims))}-D "
                f"input, got shape {x.shape}"
            )
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked)
        return F.batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            momentum,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) input, per channel C."""

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) input, per channel C."""

    _ndims = (4,)


class LayerNorm(Module):
    """Normalisation over the last axes (``functional.layer_norm``), with an elementwise
    weight (ones) and bias (zeros) of ``normalized_shape`` when ``elementwise_affine``."""

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = np.float64,
    ):
        super().__init__()
        sizes = normalized_shape if isinstance(normalized_shape, (tuple, list)) else None
        if sizes is not None and not sizes:
            raise ValueError("LayerNorm: normalized_shape must name at least one axis, got ()")
        shape = (
            tuple(_check_size(s, "normalized_shape", "LayerNorm") for s in sizes)
            if sizes is not None
            else (_check_size(normalized_shape, "normalized_shape", "LayerNorm"),)
        )
        self.normalized_shape = shape
        self.eps = _check_number(eps, "eps", "LayerNorm", 0.0, low_open=True)
        self.elementwise_affine = _check_bool(elementwise_affine, "elementwise_affine", "LayerNorm")
        bias = _check_bool(bias, "bias", "LayerNorm")
        self.dtype = _float_dtype(dtype, "LayerNorm")
        self.weight = Parameter(np.ones(shape, self.dtype)) if elementwise_affine else None
        self.bias = (
            Parameter(np.zeros(shape, self.dtype)) if elementwise_affine and bias else None
        )

    def forward(self, x: Any) -> Tensor:
        return F.layer_norm(
            _as_tensor(x, self.dtype), self.normalized_shape, self.weight, self.bias, self.eps
        )

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}"
        )


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``, initialised
    N(0, 1) as in PyTorch; the row ``padding_idx`` starts at zero and gets no gradient."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        dtype: Any = np.float64,
        seed: int | np.random.Generator | None = None,
    ):
        super().__init__()
        num_embeddings = _check_size(num_embeddings, "num_embeddings", "Embedding")
        embedding_dim = _check_size(embedding_dim, "embedding_dim", "Embedding")
        if padding_idx is not None:
            padding_idx = _check_index(padding_idx, "padding_idx", "Embedding")
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise ValueError(
                f"Embedding: padding_idx {padding_idx} is out of range for {num_embeddings} rows"
            )
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = None if padding_idx is None else padding_idx % num_embeddings
        self.dtype = _float_dtype(dtype, "Embedding")
        w = _generator(seed, "Embedding").standard_normal((num_embeddings, embedding_dim))
        if self.padding_idx is not None:
            w[self.padding_idx] = 0.0
        self.weight = Parameter(w.astype(self.dtype))

    def forward(self, indices: Any) -> Tensor:
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"


class Softmax(Module):
    """softmax along ``dim``."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = _check_index(dim, "dim", type(self).__name__)

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).softmax(axis=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log_softmax along ``dim``."""

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).log_softmax(axis=self.dim)


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def forward(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        return x


class CNN(Module):
    """The small CNN of the Fashion-MNIST recipe (``python -m nn --model cnn``):

    Conv2d(C, 32, 3, padding=1) - ReLU - MaxPool2d(2) - Conv2d(32, 64, 3, padding=1) - ReLU -
    MaxPool2d(2) - Flatten - Linear(64 (H/4) (W/4), 128) - ReLU - Linear(128, num_classes)

    on (N, C, H, W) images (28x28: Linear(3136, 128)); returns logits. The convolutions have
    PyTorch's default init, the hidden Linear He's (it feeds a ReLU), the output Xavier's.
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        image_size: int | tuple[int, int] = 28,
        dtype: Any = np.float32,
        seed: int | np.random.Generator | None = None,
    ):
        from .module import Linear, ReLU, Sequential

        super().__init__()
        h, w = _tuple(image_size, 2, "CNN: image_size")
        if h < 4 or w < 4:
            raise ValueError(f"CNN: images must be at least 4x4, got {(h, w)}")
        self.image_size = (h, w)
        rng = _generator(seed, "CNN")
        self.features = Sequential(
            Conv2d(in_channels, 32, 3, padding=1, dtype=dtype, seed=rng),
            ReLU(),
            MaxPool2d(2),
            Conv2d(32, 64, 3, padding=1, dtype=dtype, seed=rng),
            ReLU(),
            MaxPool2d(2),
            Flatten(),
        )
        self.classifier = Sequential(
            Linear(64 * (h // 4) * (w // 4), 128, dtype=dtype, seed=rng, init="he"),
            ReLU(),
            Linear(128, num_classes, dtype=dtype, seed=rng, init="xavier"),
        )
        self.dtype = np.dtype(dtype)

    def forward(self, x: Any) -> Tensor:
        x = _as_tensor(x, self.dtype)
        if x.shape[-2:] != self.image_size:
            raise ValueError(
                f"CNN: built for {self.image_size[0]}x{self.image_size[1]} images "
                f"(image_size={self.image_size}), got input of shape {x.shape}; expected "
                f"(N, C, {self.image_size[0]}, {self.image_size[1]})"
            )
        return self.classifier(self.features(x))
