"""Activation layers with PyTorch's names and constructor arguments, each calling the Tensor
method of the same name (one fused, numerically stable node; rules in calculus.ACTIVATIONS).

Layers that PyTorch gives an ``inplace`` flag accept ``inplace=False`` for compatibility; this
library never overwrites a Tensor's data, so ``inplace=True`` is a ValueError.
"""

from __future__ import annotations

from typing import Any

from autograd_core import Tensor

from .module import Module, _as_tensor, _check_number

__all__ = [
    "LeakyReLU",
    "ELU",
    "SELU",
    "GELU",
    "SiLU",
    "Softplus",
    "Softsign",
    "Hardtanh",
    "ReLU6",
    "Hardsigmoid",
    "Hardswish",
    "Mish",
    "LogSigmoid",
]


def _check_not_inplace(layer: str, inplace: bool) -> None:
    if inplace:
        raise ValueError(
            f"{layer}(inplace=True): in-place activations are not supported (a Tensor's data "
            "is never overwritten, so the graph stays valid); use inplace=False"
        )


class LeakyReLU(Module):
    """x for x > 0, negative_slope x otherwise."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        _check_not_inplace("LeakyReLU", inplace)
        self.negative_slope = _check_number(negative_slope, "negative_slope", "LeakyReLU")

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        _check_not_inplace("ELU", inplace)
        self.alpha = _check_number(alpha, "alpha", "ELU")

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).elu(self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SELU(Module):
    """scale elu(x, alpha), alpha = 1.6732632423543772, scale = 1.0507009873554805."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        _check_not_inplace("SELU", inplace)

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).selu()


class GELU(Module):
    """x Phi(x), Phi the standard normal CDF; ``approximate="tanh"`` for the tanh form."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).gelu(self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x sigmoid(x) (swish)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        _check_not_inplace("SiLU", inplace)

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).silu()


class Softplus(Module):
    """log(1 + e^(beta x)) / beta (stable at any |x|), x itself where beta x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta = _check_number(beta, "beta", "Softplus", 0.0, low_open=True)
        self.threshold = _check_number(threshold, "threshold", "Softplus")

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).softplus(self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).softsign()


class Hardtanh(Module):
    """x clipped to [min_val, max_val] (gradient 0 at the bounds, as PyTorch)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__()
        _check_not_inplace("Hardtanh", inplace)
        min_val = _check_number(min_val, "min_val", "Hardtanh")
        max_val = _check_number(max_val, "max_val", "Hardtanh")
        if min_val > max_val:
            raise ValueError(
                f"Hardtanh: min_val ({min_val!r}) must not be greater than max_val ({max_val!r})"
            )
        self.min_val, self.max_val = float(min_val), float(max_val)

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).hardtanh(self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ReLU6(Hardtanh):
    """min(max(x, 0), 6) = Hardtanh(0, 6)."""

    def __init__(self, inplace: bool = False):
        _check_not_inplace("ReLU6", inplace)
        super().__init__(0.0, 6.0)

    def extra_repr(self) -> str:
        return ""


class Hardsigmoid(Module):
    """relu6(x + 3) / 6."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        _check_not_inplace("Hardsigmoid", inplace)

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).hardsigmoid()


class Hardswish(Module):
    """x relu6(x + 3) / 6."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        _check_not_inplace("Hardswish", inplace)

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).hardswish()


class Mish(Module):
    """x tanh(softplus(x))."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        _check_not_inplace("Mish", inplace)

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).mish()


class LogSigmoid(Module):
    """log(sigmoid(x)) = -softplus(-x), stable at any |x|."""

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).log_sigmoid()
