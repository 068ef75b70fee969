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

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from numbers import Real
from typing import Any, NamedTuple

import numpy as np

from autograd_core import Tensor, no_grad

__all__ = [
    "Module",
    "Parameter",
    "ModuleList",
    "ModuleDict",
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


def _check_bool(value: Any, what: str, owner: str) -> bool:
    """value as a bool if it is True or False (numpy's too): a string such as "no" or None
    would otherwise switch a flag silently by its truthiness."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{owner}: {what} must be True or False, got {type(value).__name__} {value!r}")


def _check_index(value: Any, what: str, owner: str) -> int:
    """value as an int (any sign) if it is an integer and not a bool."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    raise TypeError(f"{owner}: {what} must be an int, got {type(value).__name__} {value!r}")


def _check_number(
    value: Any,
    what: str,
    owner: str,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """value as a float if it is a finite real number in the interval from ``low`` to
    ``high`` (open at either end when asked); else a TypeError (not a number) or a
    ValueError naming ``owner``, ``what``, the interval and the value."""
    # float and int first: the Real ABC check costs more than the rest (per-batch callers)
    if type(value) not in (float, int) and (
        isinstance(value, (bool, np.bool_)) or not isinstance(value, Real)
    ):
        raise TypeError(
            f"{owner}: {what} must be a number, got {type(value).__name__} {value!r}"
        )
    v = float(value)
    inside = (
        math.isfinite(v)
        and (v > low if low_open else v >= low)
        and (v < high if high_open else v <= high)
    )
    if not inside:
        if high < math.inf:
            bound = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        elif low > -math.inf:
            bound = f"{'>' if low_open else '>='} {low:g}"
            bound = bound if math.isfinite(v) else f"a finite number {bound}"
        else:
            bound = "a finite number"
        raise ValueError(f"{owner}: {what} must be {bound}, got {value!r}")
    return v


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _tuple(value: Any, n: int, name: str, minimum: int = 1) -> tuple[int, ...]:
    """An int or ``n`` ints (each >= ``minimum``) as a tuple of ``n`` ints; ``name`` is
    "Layer: argument" for the messages (strings such as 'same' are not supported)."""
    if _is_int(value):
        out: tuple[Any, ...] = (value,) * n
    elif isinstance(value, (tuple, list)):
        out = tuple(value)
    else:
        out = ()
    if len(out) != n or not all(_is_int(v) for v in out):
        ints = "an int" if n == 1 else f"an int or {n} ints"
        raise TypeError(f"{name} must be {ints}, got {type(value).__name__} {value!r}")
    if min(out) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return tuple(int(v) for v in out)


def _array(value: Any, what: str, owner: str) -> np.ndarray:
    """np.asarray(value) (a Tensor's data for a Tensor), with numpy's "inhomogeneous shape"
    error for ragged nested lists replaced by one naming ``owner`` and ``what``."""
    try:
        return np.asarray(value.data if isinstance(value, Tensor) else value)
    except ValueError:
        raise ValueError(f"{owner}: {what} is ragged (rows of different lengths)") from None


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


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` could not match: keys of the model absent from
    the state (``missing_keys``) and keys of the state the model does not have."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of layers and models: subclasses set attributes in ``__init__`` (after
    ``super().__init__()``) and define ``forward``; calling the module calls ``forward``
    (positional and keyword arguments are passed on).

    Assigning a ``Parameter`` or a ``Module`` to an attribute registers it;
    ``register_buffer(name, array)`` registers an array that is state but not trained (a
    BatchNorm's running mean): it is in ``state_dict()`` but not in ``parameters()``.
    """

    training: bool
    _parameters: dict[str, Parameter]
    _modules: dict[str, Module]
    _buffers: dict[str, Any]

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            params, modules = self.__dict__["_parameters"], self.__dict__["_modules"]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning attributes"
            ) from None
        buffers = self.__dict__.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, np.ndarray):
                raise TypeError(
                    f"{type(self).__name__}.{name} is a buffer: assign an ndarray or None, "
                    f"not {type(value).__name__}"
                )
            buffers[name] = value
            object.__setattr__(self, name, value)
            return
        # Replacing a parameter (or a submodule) by something else would silently take it
        # out of parameters(), and so out of training: refuse, as PyTorch does.
        if name in params and value is not None and not isinstance(value, Parameter):
            raise TypeError(
                f"{type(self).__name__}.{name} is a parameter: assign an nn.Parameter or None, "
                f"not {type(value).__name__} (to change its values: .{name}.data = ...)"
            )
        if name in modules and value is not None and not isinstance(value, Module):
            raise TypeError(
                f"{type(self).__name__}.{name} is a submodule: assign an nn.Module or None, "
                f"not {type(value).__name__}"
            )
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
        self.__dict__.get("_buffers", {}).pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, array: Any) -> None:
        """Register ``array`` (an ndarray, or None for an absent buffer) as state named
        ``name``: readable as ``self.name``, saved and loaded by ``state_dict``, never
        trained (not in ``parameters()``)."""
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"register_buffer: bad buffer name {name!r}")
        if name in self._parameters or name in self._modules:
            raise KeyError(f"register_buffer: {name!r} is already a parameter or module")
        if array is not None:
            array = np.asarray(array)
        self._buffers[name] = None
        setattr(self, name, array)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of the module; subclasses override it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # --- the module tree -----------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for the direct sub-modules, in assignment order."""
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module ("" or ``prefix``) and every sub-module,
        depth first, each module once even when shared (as PyTorch)."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{k}" if name else k, m) for k, m in module._modules.items()]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every sub-module, depth first."""
        for _, m in self.named_modules():
            yield m

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module (children first) and then on this module, e.g.
        ``model.apply(init_fn)`` to re-initialise; returns this module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _named_members(self, kind: str) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        for prefix, module in self.named_modules():
            for name, value in module.__dict__[kind].items():
                if value is not None and id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{prefix}.{name}" if prefix else name), value

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, each shared parameter once, in definition order."""
        return self._named_members("_parameters")

    def parameters(self) -> list[Parameter]:
        """Every trainable parameter (what an optimizer is given)."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        """(dotted name, array) for every registered buffer that is not None."""
        return self._named_members("_buffers")

    def buffers(self) -> list[np.ndarray]:
        """Every registered buffer (state that is not trained)."""
        return [b for _, b in self.named_buffers()]

    def zero_grad(self) -> None:
        """Forget accumulated gradients (``.grad = None``, as PyTorch does by default)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Put this module and its sub-modules in training mode (or eval mode if False)."""
        mode = _check_bool(mode, "mode", f"{type(self).__name__}.train")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    # --- state ---------------------------------------------------------------------------
    def _state_items(self) -> dict[str, tuple[Module, str, np.ndarray]]:
        """name -> (owning module, attribute, current array) for parameters and buffers."""
        items: dict[str, tuple[Module, str, np.ndarray]] = {}
        for prefix, module in self.named_modules():
            for kind in ("_parameters", "_buffers"):
                for attr, value in module.__dict__[kind].items():
                    name = f"{prefix}.{attr}" if prefix else attr
                    if value is not None and name not in items:
                        data = value.data if kind == "_parameters" else value
                        items[name] = (module, attr, data)
        return items

    def state_dict(self) -> dict[str, np.ndarray]:
        """A flat mapping name -> copy of the values: every parameter, then every buffer of
        each module (running statistics, step counters)."""
        return {name: data.copy() for name, (_, _, data) in self._state_items().items()}

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values into the parameters and buffers in place (cast to each one's dtype).

        With ``strict`` (the default), a key of the model missing from ``state`` or a key of
        ``state`` the model does not have raises ``KeyError`` naming all of them; without it
        the matching keys are loaded and the others returned as ``IncompatibleKeys``. A shape
        mismatch always raises ``ValueError`` naming the entry and both shapes. Nothing is
        modified on error.
        """
        owner = f"load_state_dict for {type(self).__name__}"
        if not isinstance(state, Mapping):
            hint = " (pass model.state_dict(), not the model)" if isinstance(state, Module) else ""
            raise TypeError(
                f"{owner}: state must be a dict of name -> array, got {type(state).__name__}{hint}"
            )
        strict = _check_bool(strict, "strict", owner)
        items = self._state_items()
        missing = [k for k in items if k not in state]
        unexpected = [k for k in state if k not in items]
        if strict and (missing or unexpected):
            raise KeyError(
                f"load_state_dict for {type(self).__name__}: missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
        values = {}
        for name, (_, _, data) in items.items():
            if name not in state:
                continue
            value = _array(state[name], name, owner)
            if value.dtype.kind == "c" and data.dtype.kind != "c":
                raise ValueError(f"{owner}: {name} holds complex numbers ({value.dtype})")
            if value.shape != data.shape:
                raise ValueError(
                    f"load_state_dict: {name} has shape {data.shape} in the model but "
                    f"{value.shape} in the state dict"
                )
            if not np.issubdtype(value.dtype, np.number) or np.issubdtype(value.dtype, np.bool_):
                raise ValueError(f"load_state_dict: {name} holds non-numeric {value.dtype}")
            values[name] = value
        for name, value in values.items():
            items[name][2][...] = value
        return IncompatibleKeys(missing, unexpected)

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


class ModuleList(Module):
    """A list of modules, registered as "0", "1", ... (their parameters are the list's);
    indexable, iterable, ``append``/``extend``-able. It has no ``forward``: the owner
    decides how its modules are called."""

    def __init__(self, modules: Iterable[Module] = ()):
        super().__init__()
        self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end."""
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList: got {type(module).__name__}, not a Module")
        setattr(self, str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add every module of ``modules`` at the end."""
        for m in modules:
            self.append(m)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __getitem__(self, i: int) -> Module:
        return _item(self, i)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))


def _item(container: Module, i: Any) -> Module:
    """The i-th sub-module of a Sequential or ModuleList, or an error naming the container."""
    modules = list(container._modules.values())
    if isinstance(i, slice):  # a list of modules, as before
        return modules[i]  # type: ignore[return-value]
    name = type(container).__name__
    i = _check_index(i, "index", name)
    if not -len(modules) <= i < len(modules):
        raise IndexError(f"{name}: index {i} is out of range for {len(modules)} modules")
    return modules[i]


class ModuleDict(Module):
    """A dict of modules registered under their keys (strings without dots)."""

    def __init__(self, modules: Mapping[str, Module] | None = None):
        super().__init__()
        for key, m in (modules or {}).items():
            self[key] = m

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"ModuleDict: keys are non-empty strings without dots, got {key!r}")
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict[{key!r}]: got {type(module).__name__}, not a Module")
        setattr(self, key, module)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def keys(self) -> list[str]:
        return list(self._modules)

    def values(self) -> list[Module]:
        return list(self._modules.values())

    def items(self) -> list[tuple[str, Module]]:
        return list(self._modules.items())


def _as_tensor(x: Any, dtype: np.dtype | None = None) -> Tensor:
    """Inputs given as arrays become constant Tensors of the model's dtype (no upcasting);
    without a dtype (layers with no parameters), Tensor()'s default."""
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
        bias = _check_bool(bias, "bias", "Linear")
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
        return _item(self, i)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x


class ReLU(Module):
    """max(0, x) elementwise."""

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).relu()


class Sigmoid(Module):
    """1 / (1 + e^-x) elementwise (numerically stable)."""

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).sigmoid()


class Tanh(Module):
    """tanh(x) elementwise."""

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).tanh()


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
