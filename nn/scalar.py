"""Neural networks built one Scalar at a time, micrograd style.

Every weight is an ``autograd_core.Scalar`` and every neuron computes
``act(sum_i w_i x_i + b)`` with Python arithmetic, so the whole graph is visible node by node.
It is slow (one graph node per multiply) and meant for teaching and for checking the Tensor
models: ``nn.MLP`` with the same weights gives the same loss and gradients.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from autograd_core import Scalar

from .module import _check_size

__all__ = ["Neuron", "Layer", "MLP", "ACTIVATIONS"]

#: activation name -> function of a Scalar ("linear" leaves the weighted sum as it is).
ACTIVATIONS = {
    "linear": lambda s: s,
    "relu": lambda s: s.relu(),
    "sigmoid": lambda s: s.sigmoid(),
    "tanh": lambda s: s.tanh(),
}


def _activation(name: str) -> Any:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]


class _Base:
    def parameters(self) -> list[Scalar]:
        """All trainable Scalars, in a fixed order."""
        raise NotImplementedError

    def zero_grad(self) -> None:
        """Reset the gradient of every parameter to 0 (gradients accumulate otherwise)."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(_Base):
    """One unit: ``act(w . x + b)`` with ``nin`` weights drawn uniformly from [-1, 1] and
    bias 0 (micrograd's init), drawn from ``rng`` (a ``random.Random``) or the global one."""

    def __init__(self, nin: int, activation: str = "relu", rng: random.Random | None = None):
        nin = _check_size(nin, "nin", "Neuron")
        draw = rng.uniform if rng is not None else random.uniform
        self.w = [Scalar(draw(-1.0, 1.0)) for _ in range(nin)]
        self.b = Scalar(0.0)
        self.activation = activation
        self._act = _activation(activation)

    def __call__(self, x: Sequence[Any]) -> Scalar:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron with {len(self.w)} inputs got {len(x)} values")
        total = self.b
        try:
            for wi, xi in zip(self.w, x, strict=True):
                total = total + wi * xi
        except TypeError:  # a string or None among the inputs: name it, not str * Scalar
            raise TypeError(f"Neuron: inputs must be numbers or Scalars, got {list(x)!r}") from None
        return self._act(total)

    def parameters(self) -> list[Scalar]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


class Layer(_Base):
    """``nout`` neurons reading the same ``nin`` inputs; returns a list of ``nout`` Scalars."""

    def __init__(
        self, nin: int, nout: int, activation: str = "relu", rng: random.Random | None = None
    ):
        nout = _check_size(nout, "nout", "Layer")
        self.neurons = [Neuron(nin, activation, rng) for _ in range(nout)]

    def __call__(self, x: Sequence[Any]) -> list[Scalar]:
        return [n(x) for n in self.neurons]

    def parameters(self) -> list[Scalar]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer([{', '.join(map(repr, self.neurons))}])"


class MLP(_Base):
    """A multilayer perceptron ``nin -> nouts[0] -> ... -> nouts[-1]``.

    Hidden layers use ``activation``; the last layer uses ``output_activation`` ("linear" by
    default, as in micrograd, so the outputs are scores/logits). Calling it on a list of
    ``nin`` numbers or Scalars returns a list of ``nouts[-1]`` Scalars.
    ``seed`` makes the uniform(-1, 1) initial weights reproducible.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        seed: int | None = None,
    ):
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(
                f"MLP: nouts must be a non-empty list of layer sizes (e.g. [16, 1]), got {nouts!r}"
            )
        rng = random.Random(seed) if seed is not None else None
        sizes = [nin, *nouts]
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation if i < len(nouts) - 1 else output_activation,
                rng,
            )
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Any]) -> list[Scalar]:
        out = list(x)
        for layer in self.layers:
            out = layer(out)
        return out

    def parameters(self) -> list[Scalar]:
        return [p for layer in self.layers for p in layer.parameters()]

    def weights(self) -> list[tuple[list[list[float]], list[float]]]:
        """Per layer, the weight matrix (one row per neuron) and biases, as floats."""
        return [
            ([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons])
            for layer in self.layers
        ]

    def set_weights(self, weights: Sequence[tuple[Any, Any]]) -> None:
        """Overwrite the weights: per layer a (nout, nin) matrix and nout biases."""
        if len(weights) != len(self.layers):
            raise ValueError(
                f"got weights for {len(weights)} layers, the MLP has {len(self.layers)}"
            )
        for li, (layer, (W, b)) in enumerate(zip(self.layers, weights, strict=False)):
            shape = (len(layer.neurons), len(layer.neurons[0].w))
            if len(W) != shape[0] or any(len(row) != shape[1] for row in W) or len(b) != shape[0]:
                raise ValueError(f"layer {li}: weights must be {shape} with {shape[0]} biases")
            for n, row, bias in zip(layer.neurons, W, b, strict=False):
                for w, value in zip(n.w, row, strict=False):
                    w.data = float(value)
                n.b.data = float(bias)

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(map(repr, self.layers))}]"
