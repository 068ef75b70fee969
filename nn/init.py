"""Initialisation of parameters in place, with PyTorch's names and formulas.

Each function fills ``tensor`` (a ``Parameter``, a ``Tensor`` or an ndarray) in place and
returns it. Random draws come from ``generator`` (a ``numpy.random.Generator``, or an int
seed), else from the global generator that ``nn.manual_seed`` resets; values are drawn in
float64 and cast to the tensor's dtype.

Fans: for a weight of 3 or more dimensions (a convolution's (out, in/groups, k...)),
fan_in = in/groups * prod(k) and fan_out = out * prod(k), as in PyTorch. A 2-D weight is read
in this library's ``Linear`` layout, (in_features, out_features): fan_in = shape[0],
fan_out = shape[1] (PyTorch's Linear stores the transpose, and its ``init`` reads it that
way round), so ``kaiming_normal_(linear.weight)`` scales by the layer's inputs either way.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_core import Tensor

from .module import _check_number, _generator

__all__ = [
    "calculate_gain",
    "kaiming_normal_",
    "kaiming_uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
    "ones_",
    "normal_",
    "uniform_",
    "constant_",
]

Generator = np.random.Generator | int | None


def _array(tensor: Any, name: str) -> np.ndarray:
    data = tensor.data if isinstance(tensor, Tensor) else tensor
    if not isinstance(data, np.ndarray) or data.dtype.kind != "f":
        raise TypeError(f"{name}: expected a float Tensor, Parameter or ndarray, got {tensor!r}")
    return data


def _rng(generator: Generator) -> np.random.Generator:
    return _generator(generator, "nn.init")


def _fill(tensor: Any, values: Any, name: str) -> Any:
    _array(tensor, name)[...] = values
    return tensor


def _fans(shape: tuple[int, ...], name: str) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of this shape (see the module docstring)."""
    if len(shape) < 2:
        raise ValueError(f"{name}: fans need a weight of at least 2 dimensions, got {shape}")
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations' variance for ``nonlinearity``: 1 for linear,
    sigmoid and conv layers, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + a^2)) for
    leaky_relu with slope a (default 0.01), 3/4 for selu."""
    if nonlinearity in ("linear", "identity", "sigmoid") or nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else _check_number(param, "param", "calculate_gain")
        return math.sqrt(2.0 / (1.0 + slope * slope))
    if nonlinearity == "selu":
        return 0.75
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _kaiming_std(tensor: Any, a: float, mode: str, nonlinearity: str, name: str) -> float:
    _check_number(a, "a", name)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{name}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(_array(tensor, name).shape, name)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(max(fan, 1))


def kaiming_normal_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator = None,
) -> Any:
    """Normal with std gain / sqrt(fan) (He et al. 2015); ``a`` is leaky_relu's slope."""
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_")
    shape = _array(tensor, "kaiming_normal_").shape
    return _fill(tensor, _rng(generator).normal(0.0, std, shape), "kaiming_normal_")


def kaiming_uniform_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator = None,
) -> Any:
    """Uniform in +-gain sqrt(3 / fan) (He et al. 2015). PyTorch's default for Conv layers is
    ``a = sqrt(5)``, i.e. +-sqrt(1 / fan_in)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    shape = _array(tensor, "kaiming_uniform_").shape
    return _fill(tensor, _rng(generator).uniform(-bound, bound, shape), "kaiming_uniform_")


def xavier_normal_(tensor: Any, gain: float = 1.0, generator: Generator = None) -> Any:
    """Normal with std gain sqrt(2 / (fan_in + fan_out)) (Glorot and Bengio 2010)."""
    gain = _check_number(gain, "gain", "xavier_normal_", 0.0)
    shape = _array(tensor, "xavier_normal_").shape
    fan_in, fan_out = _fans(shape, "xavier_normal_")
    std = gain * math.sqrt(2.0 / max(fan_in + fan_out, 1))
    return _fill(tensor, _rng(generator).normal(0.0, std, shape), "xavier_normal_")


def xavier_uniform_(tensor: Any, gain: float = 1.0, generator: Generator = None) -> Any:
    """Uniform in +-gain sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio 2010)."""
    gain = _check_number(gain, "gain", "xavier_uniform_", 0.0)
    shape = _array(tensor, "xavier_uniform_").shape
    fan_in, fan_out = _fans(shape, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / max(fan_in + fan_out, 1))
    return _fill(tensor, _rng(generator).uniform(-bound, bound, shape), "xavier_uniform_")


def normal_(
    tensor: Any, mean: float = 0.0, std: float = 1.0, generator: Generator = None
) -> Any:
    """Normal with the given mean and std."""
    mean = _check_number(mean, "mean", "normal_")
    std = _check_number(std, "std", "normal_", 0.0)
    shape = _array(tensor, "normal_").shape
    return _fill(tensor, _rng(generator).normal(mean, std, shape), "normal_")


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0, generator: Generator = None) -> Any:
    """Uniform in [a, b)."""
    a, b = _check_number(a, "a", "uniform_"), _check_number(b, "b", "uniform_")
    if a > b:
        raise ValueError(f"uniform_: a must be <= b, got a={a:g} > b={b:g}")
    shape = _array(tensor, "uniform_").shape
    return _fill(tensor, _rng(generator).uniform(a, b, shape), "uniform_")


def constant_(tensor: Any, val: float) -> Any:
    """Every entry ``val`` (a finite number: a nan or infinite parameter never trains)."""
    return _fill(tensor, _check_number(val, "val", "constant_"), "constant_")


def zeros_(tensor: Any) -> Any:
    """Every entry 0."""
    return constant_(tensor, 0.0)


def ones_(tensor: Any) -> Any:
    """Every entry 1."""
    return constant_(tensor, 1.0)
