"""Modules: parameters registered by attribute, layers, and the two model families.

A ``Module`` finds its parameters by looking at its attributes: assigning a ``Parameter`` or a
sub-``Module`` to ``self.something`` registers it under that name, and ``named_parameters()``
walks the tree ("0.weight", "2.bias", ...). ``state_dict()`` is the flat name -> array
mapping that ``nn.save`` writes.

Default initialisations (biases start at zero):

- ``"he"``: normal with std sqrt(2 / fan_in), for layers followed by ReLU (He et al. 2015);
- ``"xavier"``: uniform in +-sqrt(6 / (fan_in + fan_out)), for layers followed by tanh or
  sigmoid, and for the output layer of an MLP (Glorot and Bengio 2010);
- ``"lecun"``: normal with std sqrt(1 / fan_in), the default of a lone ``Linear``;
- ``"zeros"``: all zeros (logistic regression, whose loss is convex).

Random draws come from ``seed=`` when given, else from the global generator that
``nn.manual_seed`` resets. Weights are drawn in float64 and then cast, so a float32 and a
float64 model built with the same seed hold the same numbers up to rounding.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from autograd_core import Tensor, no_grad

__all__ = [
    "Module",
    "Parameter",
    "Linear",
    "Sequential",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "MLP",
    "LogisticRegression",
    "manual_seed",
    "init_weight",
    "spawn_generator",
]

_global_rng = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Reset the global generator: it initialises every module built without ``seed=`` and
    seeds the shuffling of every ``DataLoader`` built without ``seed=``."""
    global _global_rng
    _global_rng = np.random.default_rng(_check_seed(seed, "manual_seed", generator=False))


def _check_seed(seed: Any, owner: str, generator: bool = True) -> Any:
    """seed itself if it is an int >= 0 (or, with ``generator``, None or a numpy Generator)."""
    if generator and (seed is None or isinstance(seed, np.random.Generator)):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)) and seed >= 0:
        return int(seed)
    allowed = "an int >= 0, a numpy Generator or None" if generator else "an int >= 0"
    raise TypeError(f"{owner}: seed must be {allowed}, got {seed!r}")


def _generator(seed: int | np.random.Generator | None, owner: str = "seed") -> np.random.Generator:
    seed = _check_seed(seed, owner)
    if seed is None:
        return _global_rng
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def spawn_generator() -> np.random.Generator:
    """A new generator derived from the global one (``nn.manual_seed``) without drawing from
    it: seeding a DataLoader this way leaves the stream that initialises modules unchanged."""
    return _global_rng.spawn(1)[0]


def _check_size(value: Any, what: str, owner: str) -> int:
    """value as an int if it is an integer >= 1, else a clear error naming ``owner``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        if value >= 1:
            return int(value)
        raise ValueError(f"{owner}: {what} must be >= 1, got {value}")
    raise TypeError(f"{owner}: {what} must be an int, got {type(value).__name__} {value!r}")


def _float_dtype(dtype: Any, owner: str) -> np.dtype:
    """dtype as a numpy float dtype, or a TypeError naming ``owner`` (parameters are floats)."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{owner}: unknown dtype {dtype!r}; use float32 or float64") from None
    if dt.kind != "f":
        raise TypeError(f"{owner}: dtype must be a float dtype (float32, float64), got {dt}")
    return dt


def init_weight(
    fan_in: int, fan_out: int, init: str, rng: np.random.Generator, dtype: Any
) -> np.ndarray:
    """A (fan_in, fan_out) weight matrix drawn by the named scheme (see the module docstring)."""
    shape = (fan_in, fan_out)
    if init == "he":
        w = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
    elif init == "xavier":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-limit, limit, size=shape)
    elif init == "lecun":
        w = rng.normal(0.0, np.sqrt(1.0 / fan_in), size=shape)
    elif init == "zeros":
        w = np.zeros(shape)
    else:
        raise ValueError(f"unknown init {init!r}; choose he, xavier, lecun or zeros")
    return w.astype(dtype)


class Parameter(Tensor):
    """A Tensor that is a trainable parameter: it requires grad, and assigning it to a
    Module's attribute registers it with that module."""

    __slots__ = ()

    def __init__(self, data: Any, dtype: Any = None):
        super().__init__(data, requires_grad=True, dtype=dtype)

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__().removeprefix("Tensor")


class Module:
    """Base class of layers and models: subclasses set attributes in ``__init__`` (after
    ``super().__init__()``) and define ``forward``; calling the module calls ``forward``."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            params, modules = self.__dict__["_parameters"], self.__dict__["_modules"]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning attributes"
            ) from None
        params.pop(name, None)
        modules.pop(name, None)
        if isinstance(value, Parameter):
            params[name] = value
        elif isinstance(value, Module):
            modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def forward(self, *args: Any) -> Any:
        """The computation of the module; subclasses override it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)

    # --- the parameter tree --------------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module and every sub-module, depth first."""
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}{name}.")

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, each shared parameter once, in definition order."""
        seen: set[int] = set()
        for prefix, module in self.named_modules():
            for name, p in module._parameters.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield prefix + name, p

    def parameters(self) -> list[Parameter]:
        """Every trainable parameter (what an optimizer is given)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Forget accumulated gradients (``.grad = None``, as PyTorch does by default)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Put this module and its sub-modules in training mode (or eval mode if False)."""
        for _, m in self.named_modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    # --- state ---------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """A flat mapping name -> copy of the parameter's values."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy values into the parameters in place (cast to each parameter's dtype).

        Raises ``KeyError`` naming every missing and unexpected key, and ``ValueError`` naming
        the parameter and both shapes on a shape mismatch; nothing is modified on error.
        """
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state]
        unexpected = [k for k in state if k not in params]
        if missing or unexpected:
            raise KeyError(
                f"load_state_dict for {type(self).__name__}: missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
        values = {}
        for name, p in params.items():
            value = np.asarray(state[name])
            if value.shape != p.data.shape:
                raise ValueError(
                    f"load_state_dict: {name} has shape {p.data.shape} in the model but "
                    f"{value.shape} in the state dict"
                )
            if not np.issubdtype(value.dtype, np.number) or np.issubdtype(value.dtype, np.bool_):
                raise ValueError(f"load_state_dict: {name} holds non-numeric {value.dtype}")
            values[name] = value
        for name, p in params.items():
            p.data[...] = values[name]

    def __repr__(self) -> str:
        lines = [
            f"  ({name}): {repr(m).replace(chr(10), chr(10) + '  ')}"
            for name, m in self._modules.items()
        ]
        inner = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({inner})"
        return f"{type(self).__name__}({inner}\n" + "\n".join(lines) + "\n)"

    def extra_repr(self) -> str:
        """The constructor arguments shown by ``repr``."""
        return ""


def _as_tensor(x: Any, dtype: np.dtype) -> Tensor:
    """Inputs given as arrays become constant Tensors of the model's dtype (no upcasting)."""
    if isinstance(x, Tensor):
        return x
    return Tensor(x, dtype=dtype)  # Tensor() names bad input (strings, None, ragged rows)


class Linear(Module):
    """``y = x @ weight + bias`` with ``weight`` of shape (in_features, out_features).

    The weight is stored input-major (the transpose of PyTorch's layout) so the forward pass
    is one matmul with no transpose node. ``init`` is one of he, xavier, lecun (default),
    zeros; see the module docstring.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        dtype: Any = np.float64,
        seed: int | np.random.Generator | None = None,
        init: str = "lecun",
    ):
        super().__init__()
        in_features = _check_size(in_features, "in_features", "Linear")
        out_features = _check_size(out_features, "out_features", "Linear")
        self.in_features, self.out_features = in_features, out_features
        self.dtype = _float_dtype(dtype, "Linear")
        w = init_weight(in_features, out_features, init, _generator(seed, "Linear"), self.dtype)
        self.weight = Parameter(w)
        self.bias = Parameter(np.zeros(out_features, self.dtype)) if bias else None

    def forward(self, x: Any) -> Tensor:
        out = _as_tensor(x, self.dtype) @ self.weight
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        return (
            f"{self.in_features}, {self.out_features}, bias={self.bias is not None}, "
            f"dtype={self.dtype.name}"
        )


class Sequential(Module):
    """Modules applied one after another; they are registered as "0", "1", ..."""

    def __init__(self, *modules: Module):
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: argument {i} is {type(m).__name__}, not a Module")
            setattr(self, str(i), m)

    def __len__(self) -> int:
        return len(self._modules)

    def __getitem__(self, i: int) -> Module:
        return list(self._modules.values())[i]

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x


class ReLU(Module):
    """max(0, x) elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class Sigmoid(Module):
    """1 / (1 + e^-x) elementwise (numerically stable)."""

    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Tanh(Module):
    """tanh(x) elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


_ACTIVATIONS = {"relu": (ReLU, "he"), "tanh": (Tanh, "xavier"), "sigmoid": (Sigmoid, "xavier")}


class MLP(Sequential):
    """``Linear -> activation -> ... -> Linear``: in_features -> hidden_sizes -> out_features.

    Returns logits (no activation after the last layer): pair it with
    ``functional.cross_entropy`` (or ``binary_cross_entropy_with_logits`` for one output).
    Hidden layers are initialised for their activation (He for ReLU, Xavier for tanh and
    sigmoid), the output layer with Xavier. Layers are named "0", "1", ... as in Sequential.
    """

    def __init__(
        self,
        in_features: int,
        hidden_sizes: Sequence[int],
        out_features: int,
        activation: str = "relu",
        dtype: Any = np.float64,
        seed: int | np.random.Generator | None = None,
    ):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose {sorted(_ACTIVATIONS)}")
        act, init = _ACTIVATIONS[activation]
        if isinstance(hidden_sizes, (str, bytes)) or not isinstance(hidden_sizes, Sequence):
            raise TypeError(
                f"MLP: hidden_sizes must be a list of layer sizes (e.g. [{hidden_sizes!r}]), "
                f"got {type(hidden_sizes).__name__} {hidden_sizes!r}"
            )
        for i, h in enumerate(hidden_sizes):
            _check_size(h, f"hidden_sizes[{i}]", "MLP")
        _check_size(in_features, "in_features", "MLP")
        _check_size(out_features, "out_features", "MLP")
        rng = _generator(seed, "MLP")
        sizes = [in_features, *hidden_sizes]
        layers: list[Module] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [Linear(n_in, n_out, dtype=dtype, seed=rng, init=init), act()]
        layers.append(Linear(sizes[-1], out_features, dtype=dtype, seed=rng, init="xavier"))
        super().__init__(*layers)
        self.activation = activation


class LogisticRegression(Module):
    """A linear model ``x @ weight + bias`` giving logits, initialised at zero.

    ``num_classes=1``: binary logistic regression; the output has shape (n,) and pairs with
    ``binary_cross_entropy_with_logits`` (P(y=1) = sigmoid(logit)). ``num_classes=k > 1``:
    multinomial (softmax) regression; the output has shape (n, k) and pairs with
    ``cross_entropy``.
    """

    def __init__(self, in_features: int, num_classes: int = 1, dtype: Any = np.float64):
        super().__init__()
        num_classes = _check_size(num_classes, "num_classes", "LogisticRegression")
        self.num_classes = num_classes
        self.linear = Linear(in_features, num_classes, dtype=dtype, init="zeros")

    def forward(self, x: Any) -> Tensor:
        logits = self.linear(x)
        return logits.reshape(-1) if self.num_classes == 1 else logits

    def predict_proba(self, x: Any) -> np.ndarray:
        """Class probabilities: P(y=1) of shape (n,) when binary, else softmax rows (n, k)."""
        with no_grad():
            logits = self.forward(x)
            probs = logits.sigmoid() if self.num_classes == 1 else logits.softmax(axis=-1)
        return probs.data
