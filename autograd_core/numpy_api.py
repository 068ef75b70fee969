"""``np.*`` on Tensors: numpy's dispatch protocols, mapped by name onto the library's ops.

``np.exp(t)``, ``np.sum(t, axis=0)``, ``np.maximum(t, 0)``, ``np.concatenate([t, u])``,
``ndarray * t`` ... reach ``Tensor.__array_ufunc__`` / ``Tensor.__array_function__``, which
call the same op the method would and so record the same graph. A numpy ufunc or function
``np.X`` maps to the public ``autograd_core.X`` when there is one (so every op exported
under its numpy name is supported without a line here), else to ``autograd_core.linalg.X``
for ``np.linalg.X``, else to the explicit tables below (numpy names that differ from ours).
Anything else is a TypeError that names the function. Only plain calls are supported: a
ufunc method (``np.add.reduce``, ``.at``, ...) or ``out=``/``where=``/``dtype=`` is a
TypeError too, since their results could not carry a graph.

Resolution runs once per ufunc/function; ``Tensor`` keeps the result in a dict, so the hot
path of ``np.exp(t)`` is a dict lookup and a call. ``python -m autograd_core.numpy_api``
prints the supported set as the README's table (``supported()``).
"""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from . import tensor as _tensor

__all__ = ["supported", "table"]

# numpy ufunc name -> the op, for names that differ from ours (operators, methods).
UFUNCS: dict[str, Callable[..., Any]] = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
    "true_divide": operator.truediv,
    "power": operator.pow,
    "matmul": operator.matmul,
    "negative": operator.neg,
    "positive": operator.pos,
    "absolute": abs,
    "exp": _tensor.Tensor.exp,
    "log": _tensor.Tensor.log,
    "sqrt": _tensor.Tensor.sqrt,
    "reciprocal": _tensor.Tensor.reciprocal,
    "tanh": _tensor.Tensor.tanh,
    "equal": operator.eq,
    "not_equal": operator.ne,
    "less": operator.lt,
    "less_equal": operator.le,
    "greater": operator.gt,
    "greater_equal": operator.ge,
}


def _dot(a: Any, b: Any) -> Any:
    return _first_tensor(a, b).dot(b)


def _first_tensor(a: Any, like: Any) -> Any:
    """a as a Tensor: itself, or a constant like ``like`` (a Tensor) or a plain Tensor."""
    if isinstance(a, _tensor.Tensor):
        return a
    if isinstance(like, _tensor.Tensor):
        return _tensor._operand(a, like)
    return _tensor.Tensor(a)


# numpy function name -> the op, for names that differ from ours or are only methods.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "concatenate": lambda arrays, axis=0: _tensor.concat(arrays, axis=axis),
    "dot": _dot,
    "reshape": lambda a, shape: _first_tensor(a, None).reshape(shape),
    "transpose": lambda a, axes=None: _first_tensor(a, None).transpose(*(axes or ())),
    "clip": lambda a, a_min=None, a_max=None: _first_tensor(a, None).clip(a_min, a_max),
    "shape": lambda a: np.shape(np.asarray(a)),
    "ndim": lambda a: np.asarray(a).ndim,
    "size": lambda a: np.asarray(a).size,
}


def _public(name: str, namespace: Any) -> Callable[..., Any] | None:
    """namespace.name if it is a public function of ours (in ``__all__``), else None."""
    if name not in getattr(namespace, "__all__", ()):
        return None
    target = getattr(namespace, name, None)
    return target if callable(target) and not isinstance(target, type) else None


def _package() -> Any:
    import autograd_core

    return autograd_core


def resolve_ufunc(ufunc: np.ufunc) -> Callable[..., Any] | None:
    """The op ``np.<ufunc>`` maps to, or None."""
    name = ufunc.__name__
    return _public(name, _package()) or UFUNCS.get(name)


def resolve_function(func: Callable[..., Any]) -> Callable[..., Any] | None:
    """The op the numpy function ``func`` maps to, or None."""
    name = getattr(func, "__name__", "")
    package = _package()
    if getattr(np, name, None) is func:
        return _public(name, package) or FUNCTIONS.get(name)
    linalg = getattr(package, "linalg", None)
    if linalg is not None and getattr(np.linalg, name, None) is func:
        return _public(name, linalg)
    return None


def _qualified(func: Any) -> str:
    """'np.median', 'np.linalg.eig', 'np.fft.fft': a numpy function as users spell it."""
    module = (getattr(func, "__module__", None) or "numpy").replace("numpy", "np", 1)
    return f"{module}.{getattr(func, '__name__', repr(func))}"


def _unsupported(what: str) -> TypeError:
    return TypeError(
        f"{what} is not supported on Tensors: autograd_core has no op for it (the supported "
        "set: autograd_core.numpy_api.supported(); use t.data for a plain array)"
    )


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_ufunc__`` off its fast path: resolve, cache, convert operands."""
    name = f"np.{ufunc.__name__}"
    if method != "__call__":
        raise TypeError(
            f"{name}.{method} is not supported on Tensors: only calling {name}(...) records "
            "the graph (use the Tensor's reductions, e.g. t.sum(axis=...))"
        )
    if kwargs:
        keys = ", ".join(f"{k}=" for k in kwargs)
        raise TypeError(f"{name}(..., {keys}) is not supported on Tensors: only plain calls "
                        "record the graph")
    fn = _tensor._NUMPY_UFUNCS.get(ufunc) or resolve_ufunc(ufunc)
    if fn is None:
        raise _unsupported(name)
    _tensor._NUMPY_UFUNCS[ufunc] = fn
    first = inputs[0]
    if not isinstance(first, _tensor.Tensor):
        # ndarray (op) Tensor arrives here with the array first: make it a constant Tensor,
        # so the operator below is Tensor's (an ndarray's would dispatch back to here)
        like = next(x for x in inputs if isinstance(x, _tensor.Tensor))
        inputs = (_tensor._operand(first, like), *inputs[1:])
    return fn(*inputs)


def array_function(func: Callable[..., Any], types: Any, args: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_function__`` off its fast path: resolve and cache."""
    if not all(issubclass(t, (_tensor.Tensor, np.ndarray)) for t in types):
        return NotImplemented  # another library's arrays: let numpy ask them
    fn = resolve_function(func)
    if fn is None:
        raise _unsupported(_qualified(func))
    _tensor._NUMPY_FUNCTIONS[func] = fn
    try:
        return fn(*args, **kwargs)
    except TypeError:
        error = unsupported_keywords(func, fn, kwargs)
        if error is None:
            raise
        raise error from None


def unsupported_keywords(func: Any, fn: Callable[..., Any], kwargs: dict) -> TypeError | None:
    """The error for numpy keywords the library's function does not take (``np.sum(t,
    out=...)``, ``np.mean(t, dtype=...)``), naming numpy's function and the keywords, or None
    when every keyword is accepted (the TypeError came from elsewhere)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    unknown = [k for k in kwargs if k not in params]
    if not unknown:
        return None
    keys = ", ".join(f"{k}=" for k in unknown)
    return TypeError(
        f"{_qualified(func)}(..., {keys}) is not supported on Tensors: the library's "
        f"version takes ({', '.join(params)})"
    )


def _describe(target: Callable[..., Any]) -> str:
    symbols = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
               operator.pow: "**", operator.matmul: "@", operator.neg: "unary -",
               operator.pos: "unary +", abs: "abs()", operator.eq: "==", operator.ne: "!=",
               operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">="}
    if target in symbols:
        return f"`{symbols[target]}`"
    if target in FUNCTIONS.values():
        name = next(k for k, v in FUNCTIONS.items() if v is target)
        return {"concatenate": "`autograd_core.concat`", "dot": "`Tensor.dot`",
                "reshape": "`Tensor.reshape`", "transpose": "`Tensor.transpose`",
                "clip": "`Tensor.clip`"}.get(name, f"`np.{name}` of the values (a constant)")
    qualname = getattr(target, "__qualname__", getattr(target, "__name__", ""))
    module = getattr(target, "__module__", "")
    if qualname.startswith("Tensor."):
        return f"`{qualname}`"
    prefix = "linalg." if module.endswith("linalg") else ""
    return f"`autograd_core.{prefix}{getattr(target, '__name__', qualname)}`"


def supported() -> list[tuple[str, str, str]]:
    """Every numpy ufunc and function that works on Tensors, as (numpy name, kind, what it
    calls), sorted by name: the table in the README is this list."""
    rows: dict[str, tuple[str, str, str]] = {}
    for name in dir(np):
        obj = getattr(np, name)
        if isinstance(obj, np.ufunc) and obj.__name__ == name:
            target = resolve_ufunc(obj)
            if target is not None:
                rows[name] = (f"np.{name}", "ufunc", _describe(target))
        elif callable(obj) and not isinstance(obj, type) and getattr(obj, "__name__", "") == name:
            target = resolve_function(obj)
            if target is not None:
                rows[name] = (f"np.{name}", "function", _describe(target))
    linalg = getattr(_package(), "linalg", None)
    for name in getattr(linalg, "__all__", ()):
        obj = getattr(np.linalg, name, None)
        target = resolve_function(obj) if obj is not None else None
        if target is not None:
            rows["linalg." + name] = (f"np.linalg.{name}", "function", _describe(target))
    return [rows[k] for k in sorted(rows)]


def table() -> str:
    """``supported()`` as a Markdown table (what the README shows)."""
    lines = ["| numpy | kind | calls |", "|---|---|---|"]
    lines += [f"| `{name}` | {kind} | {target} |" for name, kind, target in supported()]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
