"""The Tensor engine: reverse-mode autodiff on numpy arrays, one node per array operation.

The calculus of this engine, every op's vector-Jacobian product and the stable forward
kernels of the fused ops, is in ``calculus.py``; read that first. This module is the
``Tensor`` class: how a node is built, how its operators and methods validate their
arguments and record an op, and the chain-rule hook ``_send_grads`` that calls the table.

Results are built by ``_result`` with ``Tensor.__new__`` and slot assignment, without
validation: that path runs once per op, and nn trains on it. Constants (numbers and arrays on
the other side of an operator) become Tensors that do not require grad; a result records its
parents only when grad mode is on and some parent requires grad.
"""

from __future__ import annotations

import operator
import sys
import weakref
from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any, TypeGuard

import numpy as np

from . import anomaly, calculus
from .calculus import RULES, UNARY, kept_shape, unbroadcast
from .graph import (
    ANOMALY_MARKER,
    LINEAR,
    Node,
    OnEdge,
    _deposit,
    _no_grad_threads,
    is_grad_enabled,
    read_only_value,
)
from .graph import _hooks as _graph_hooks

__all__ = [
    "Tensor", "RULES", "concat", "stack", "where", "maximum",
    "isnan", "isinf", "isfinite", "isclose",
]  # fmt: skip


# --- node construction (the hot path: no validation here) ------------------------------------

_new = object.__new__


def _result(value: Any, op: str, parents: tuple, params: tuple = ()) -> Tensor:
    """The node for ``op(parents)``; it records its parents only if a gradient can flow."""
    out = _new(Tensor)
    if type(value) is not np.ndarray:  # numpy returns scalars for 0-d results
        value = np.asarray(value)
    out._data = value
    out.grad = None
    out._op = op
    out._params = params
    out._acc = None
    out.name = None
    if not _no_grad_threads or _rare_path(out, parents):
        for p in parents:
            if p.requires_grad:
                out.requires_grad = True
                out._parents = parents
                return out
    out.requires_grad = False
    out._parents = ()
    return out


# numpy ufunc / function -> the op it calls on Tensors, filled by numpy_api on first use.
_NUMPY_UFUNCS: dict[Any, Callable[..., Any]] = {}
_NUMPY_FUNCTIONS: dict[Any, Callable[..., Any]] = {}


def _rare_path(out: Tensor, parents: tuple) -> bool:
    """``_result`` when ``_no_grad_threads`` is not empty (a thread is inside no_grad(), or
    detect_anomaly() is on): check the output in anomaly mode; whether to record the graph."""
    record = is_grad_enabled()
    if ANOMALY_MARKER in _no_grad_threads:
        anomaly.check_forward(out, parents)
        if record:
            anomaly.remember_leaves(parents, out._op)
    return record


def _init_leaf(node: Tensor, value: np.ndarray, requires_grad: bool, name: str | None) -> Tensor:
    """Every slot of a leaf or a constant; the one place they are built (results: _result)."""
    node._data = value
    node.grad = None
    node.requires_grad = requires_grad
    node.name = name
    node._parents = ()
    node._op = ""
    node._params = ()
    node._acc = None
    return node


def _const(value: np.ndarray) -> Tensor:
    """An array on the other side of an operator becomes a constant node (no gradient)."""
    return _init_leaf(_new(Tensor), value, False, None)


def _unary(op: str, x: Tensor) -> Tensor:
    """The elementwise function ``op`` of ``calculus.UNARY`` applied to x, recorded."""
    return _result(UNARY[op][0](x._data), op, (x,))


# --- the value of a recorded result is read-only ------------------------------------------
# backward() reads the forward values of the ops it differentiates (x for x*y, tanh(x) for
# tanh, ...), so changing one between forward and backward would silently give the gradient
# of a different function. The arrays of recorded results are therefore handed out only as
# read-only views, made when the user asks (``.data``, ``numpy()``, ``detach()``,
# ``np.asarray``): the ops themselves use ``_data`` and pay nothing.


def _guarded(name: str) -> Callable[..., Any]:
    write = getattr(np.ndarray, name)

    def method(self: RecordedArray, *args: Any, **kwargs: Any) -> Any:
        if not self.flags.writeable:
            raise read_only_value(self._op)
        return write(self, *args, **kwargs)

    method.__name__ = name
    return method


class RecordedArray(np.ndarray):
    """What ``Tensor.data`` is for an op result recorded for backward: a read-only view of
    its value whose writes (``a[i] = v``, ``a += 1``, ``out=a``, ``a.fill(v)``) raise a
    ValueError saying why, where numpy's own error says only "read-only". Everything else
    is a plain ndarray: computing with it gives plain ndarrays, copies are writable."""

    _op = "op"

    def __array_finalize__(self, obj: Any) -> None:
        self._op = getattr(obj, "_op", "op")

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        out = kwargs.get("out")
        for o in out or ():
            if isinstance(o, RecordedArray) and not o.flags.writeable:
                raise read_only_value(o._op)
        if out:
            kwargs["out"] = tuple(_plain(o) for o in out)
        return getattr(ufunc, method)(*map(_plain, inputs), **kwargs)

    def __array_wrap__(self, arr: Any, context: Any = None, return_scalar: bool = False) -> Any:
        arr = arr.view(np.ndarray)
        return arr[()] if return_scalar else arr

    def copy(self, order: Any = "C") -> np.ndarray:  # type: ignore[override]
        return np.array(self, order=order, subok=False, copy=True)

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))

    __setitem__ = _guarded("__setitem__")
    __iadd__, __isub__, __imul__, __itruediv__ = (
        _guarded(f"__i{op}__") for op in ("add", "sub", "mul", "truediv")
    )
    __ifloordiv__, __imod__, __ipow__, __imatmul__ = (
        _guarded(f"__i{op}__") for op in ("floordiv", "mod", "pow", "matmul")
    )
    fill, sort, partition, put, resize = (
        _guarded(name) for name in ("fill", "sort", "partition", "put", "resize")
    )


def _plain(a: Any) -> Any:
    return a.view(np.ndarray) if isinstance(a, RecordedArray) else a


def _read_only(node: Tensor, cls: type = np.ndarray) -> Any:
    """``node``'s value as it may be handed out: a leaf's or constant's own array (the
    user may change it: ``p.data -= lr * p.grad``), a recorded result's as a read-only view."""
    value = node._data
    if not node._parents:
        return value
    view = value.view(cls)
    view.flags.writeable = False
    if cls is RecordedArray:
        view._op = node._op
    return view


def _no_recorded_in_list(data: Any, what: str) -> None:
    """A TypeError if ``data`` is a (nested) list or tuple holding a Tensor that requires
    grad: numpy would turn it into an array of its values, dropping the gradient silently."""
    if not isinstance(data, (list, tuple)):
        return
    stack = [data]
    while stack:
        for item in stack.pop():
            if isinstance(item, (list, tuple)):
                stack.append(item)
            elif isinstance(item, Tensor) and item.requires_grad:
                raise TypeError(
                    f"{what}: got a list holding a Tensor that requires grad; turning it into "
                    "an array would drop its gradient silently (combine Tensors with "
                    "stack(...) or concat(...), which keep it)"
                )


def _as_float_array(data: Any, what: str) -> np.ndarray:
    """data as a float ndarray: ints become float64, floats keep their precision."""
    if isinstance(data, Node):
        raise TypeError(
            f"{what}: got a {type(data).__name__}; Scalars and Tensors cannot be mixed "
            "(use Tensor(s.data) to make a Tensor of a Scalar's value)"
        )
    _no_recorded_in_list(data, what)
    try:
        arr = np.asarray(data)
    except ValueError:  # numpy: "inhomogeneous shape"
        raise ValueError(
            f"{what}: ragged nested sequence: the rows have different lengths or depths, so "
            "they do not form an array (pad them, or build one Tensor per row)"
        ) from None
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    if kind in "iu":
        return arr.astype(np.float64)
    if kind == "O":
        # numpy keeps Python ints beyond int64, and anything non-numeric, as objects
        for item in arr.flat:
            if not isinstance(item, (int, float, Integral, Real)) or isinstance(item, bool):
                raise TypeError(
                    f"{what}: got a {type(item).__name__} ({item!r:.40}) among the values; "
                    "Tensors hold real numbers"
                )
        try:
            return arr.astype(np.float64)
        except OverflowError:
            big = next(x for x in arr.flat if abs(x) > sys.float_info.max)
            raise OverflowError(
                f"{what}: an integer of {len(str(abs(big)))} digits is too large for float64 "
                "(max ~1.8e308)"
            ) from None
    if kind in "US":
        raise TypeError(
            f"{what}: got strings (dtype {arr.dtype}); Tensors hold real numbers (convert "
            "text with float(...) first)"
        )
    raise TypeError(
        f"{what}: dtype {arr.dtype} is not supported; Tensors hold real numbers "
        "(float64, float32, or integers, which become float64)"
    )


def _operand(x: Any, like: Tensor) -> Tensor:
    """The other side of an operator as a node: a Tensor as is, a number or array as a
    constant. Numbers (Python or numpy scalars) and integer arrays take ``like``'s dtype, so
    float32 stays float32; float arrays keep theirs (numpy's promotion rules then apply)."""
    if isinstance(x, Tensor):
        return x
    if type(x) is np.ndarray and x.dtype.kind == "f":  # the common constant: a float array
        return _const(x)
    if isinstance(x, (float, int)) and not isinstance(x, bool):
        return _const(np.asarray(x, dtype=like._data.dtype))
    if isinstance(x, Node):
        raise TypeError(
            f"cannot combine a Tensor and a {type(x).__name__} in one operation; Scalars and "
            "Tensors are separate engines (use Tensor(s.data) for a Scalar's value)"
        )
    if isinstance(x, (Integral, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_)):
        # numpy scalars count as numbers too: np.sqrt(2) * x keeps a float32 x in float32
        return _const(np.asarray(x, dtype=like._data.dtype))
    _no_recorded_in_list(x, "Tensor operand")
    try:
        arr = np.asarray(x)
    except ValueError:  # numpy: "inhomogeneous shape"
        raise ValueError(
            f"Tensor operand: a ragged nested sequence (rows of different lengths) is not an "
            f"array; got {x!r:.80}"
        ) from None
    if arr.dtype.kind in "iu":
        return _const(arr.astype(like._data.dtype))
    return _const(_as_float_array(arr, "Tensor operand"))


def _broadcast_error(op: str, a: Tensor, b: Tensor) -> ValueError:
    return ValueError(
        f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together "
        "(numpy broadcasting: trailing dimensions must be equal or 1)"
    )


def _elementwise(op: str, fn: Callable[[Any, Any], Any], a: Tensor, b: Tensor) -> Tensor:
    """``fn(a, b)`` on the arrays as a recorded node; a shape error names both shapes."""
    try:
        value = fn(a._data, b._data)
    except ValueError:
        raise _broadcast_error(op, a, b) from None
    return _result(value, op, (a, b))


def _one_axis(axis: Any, ndim: int, op: str) -> int:
    """The one normalized axis an op works along; None or several axes is a TypeError naming
    the op (numpy's reductions accept those, these ops do not)."""
    if axis is None or (np.ndim(axis) != 0):
        raise TypeError(
            f"{op}: axis must be one int, got {axis!r}; for all entries, reshape to 1-D first"
        )
    return _normalize_axes(axis, ndim, op)[0]


def _operators(
    op: str, fn: Callable[[Any, Any], Any]
) -> tuple[Callable[[Tensor, Any], Tensor], Callable[[Tensor, Any], Tensor]]:
    """``x op y`` and its reflected form ``y op x`` (y a number or an array) for a binary op
    computed by ``fn`` on the arrays: the one definition of every Tensor operator."""

    def forward(self: Tensor, other: Any) -> Tensor:
        return _elementwise(op, fn, self, _operand(other, self))

    def reflected(self: Tensor, other: Any) -> Tensor:
        return _elementwise(op, fn, _operand(other, self), self)

    name = "truediv" if op == "div" else op
    forward.__name__, reflected.__name__ = f"__{name}__", f"__r{name}__"
    return forward, reflected


def _axis_error(op: str, axis: Any, ndim: int) -> np.exceptions.AxisError:
    """numpy's AxisError (a ValueError and an IndexError) naming the op and the bad axis."""
    return np.exceptions.AxisError(f"{op}: axis {axis} is out of range for a {ndim}-D tensor")


def _normalize_axes(axis: Any, ndim: int, op: str) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:  # fast path
        return (axis % ndim,)
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    out = []
    for item in axes:
        ax = _as_int(item)
        if ax is None:
            raise TypeError(
                f"{op}: axis must be an int, a tuple of ints or None, got {axis!r} "
                f"({type(item).__name__})"
            )
        if not -ndim <= ax < ndim:
            raise _axis_error(op, ax, ndim)
        out.append(ax % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return tuple(out)


# --- argument checks for the functions that take flags and numeric parameters --------------
# (cheap type tests in argument handling; never on the per-op hot path)


def _flag(value: Any, name: str, op: str) -> bool:
    """A bool flag (``keepdims``, ``largest``, ...) as a bool; anything else is a TypeError
    naming the op and the flag, since a string such as "no" would silently count as True."""
    if value is True or value is False or type(value) is np.bool_:
        return bool(value)
    raise TypeError(
        f"{op}: {name} must be True or False, got {value!r} ({type(value).__name__})"
    )


def _as_int(value: Any) -> int | None:
    """value as an int if it is an integer (a numpy integer too, never a bool), else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def _integer(value: Any, name: str, op: str, minimum: int | None = None) -> int:
    """An int parameter (numpy integers too, never a bool or a float) as an int, at least
    ``minimum`` if given: a TypeError or ValueError naming the op, the parameter and value."""
    n = _as_int(value)
    if n is None:
        raise TypeError(f"{op}: {name} must be an int, got {value!r} ({type(value).__name__})")
    if minimum is not None and n < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {n}")
    return n


def _real(value: Any, name: str, op: str) -> float:
    """A real-number parameter (int, float, numpy number; not a bool) as a float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, np.number)):
        raise TypeError(
            f"{op}: {name} must be a real number, got {value!r} ({type(value).__name__})"
        )
    if isinstance(value, np.complexfloating):
        raise TypeError(f"{op}: {name} must be a real number, got the complex {value!r}")
    return float(value)


def _is_sequence(x: Any) -> TypeGuard[Sequence[Any]]:
    """Whether an argument is several values (a list, tuple, range or 1-D+ array) rather
    than one (a number, or anything else, which the caller then checks as one value)."""
    return isinstance(x, (list, tuple, range)) or (isinstance(x, np.ndarray) and x.ndim > 0)


def _describe(x: Any) -> str:
    """x in an error message: a Tensor's or array's shape, a short repr otherwise."""
    if isinstance(x, (Tensor, np.ndarray)):
        return f"a {type(x).__name__} of shape {x.shape}"
    return f"{type(x).__name__} {x!r:.40}"


def _comparison(op: str, fn: Callable[[Any, Any], Any]) -> Callable[[Tensor, Any], Any]:
    """``x op y`` for a comparison: numpy's bool array of the values (no graph node); an
    operand numpy cannot compare is an error naming both (the one definition of all six)."""

    def compare(self: Tensor, other: Any) -> Any:
        try:
            return fn(self._data, _value(other))
        except (TypeError, ValueError) as e:
            raise _comparison_error(op, self, other, e) from None

    compare.__name__ = f"__{fn.__name__}__"
    return compare


def _comparison_error(op: str, x: Tensor, other: Any, e: Exception) -> Exception:
    """The error of ``x op other`` (a comparison) in the library's words: both operands."""
    if isinstance(e, ValueError):
        return ValueError(
            f"'{op}': {_describe(x)} and {_describe(other)} cannot be broadcast together"
        )
    return TypeError(
        f"'{op}' between {_describe(x)} and {_describe(other)}: the other side must be "
        "a number, an array or a Tensor"
    )


# selu's constants (Klambauer et al. 2017), as PyTorch
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946

def _value(x: Any) -> Any:
    """The array behind a Tensor; anything else as it is."""
    return x._data if isinstance(x, Tensor) else x


def _index_array(it: Any) -> np.ndarray:
    """An index given as a list, tuple, array or Tensor as an integer or boolean array. A
    Tensor index (always float) must hold whole numbers; an empty float array is no index."""
    try:
        arr = np.asarray(it._data if isinstance(it, Tensor) else it)
    except ValueError:
        raise IndexError(
            f"a ragged nested list is not an index (rows of different lengths): {it!r:.60}"
        ) from None
    if arr.dtype.kind in "iub":
        return arr
    if arr.dtype.kind == "f" and (isinstance(it, Tensor) or arr.size == 0):
        if not np.all(arr == np.round(arr)):
            raise IndexError(f"a Tensor used as an index must hold whole numbers, got {arr!r}")
        return arr.astype(np.intp)
    raise IndexError(f"index arrays must be integers or booleans, got {arr.dtype}")


def _index_key(index: Any) -> tuple[Any, bool]:
    """(index as numpy reads it, whether it can repeat positions).

    Lists, tuples nested in a tuple index, arrays and Tensors become integer or boolean
    arrays (as numpy reads them); any integer array can repeat a position, whose gradients
    must then accumulate (np.add.at), so it sets the flag."""
    items = index if isinstance(index, tuple) else (index,)
    clean = []
    repeats = False
    for it in items:
        if isinstance(it, (list, tuple, np.ndarray, Tensor)):
            it = _index_array(it)
            repeats = repeats or it.dtype.kind != "b"
        clean.append(it)
    return (tuple(clean) if isinstance(index, tuple) else clean[0]), repeats


class RemovableHandle:
    """What ``Tensor.register_hook`` returns: ``remove()`` unregisters the hook. Holds the
    hook list, not the Tensor, so keeping a handle does not keep a graph alive."""

    __slots__ = ("_key", "_hooks", "_fn")

    def __init__(self, key: int, hooks: list[Callable[[Any], Any]], fn: Callable[[Any], Any]):
        self._key, self._hooks, self._fn = key, hooks, fn

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        hooks = self._hooks
        if self._fn in hooks:
            hooks.remove(self._fn)
        # drop the node's entry once empty, so sweeps go back to the plain loop
        entry = _graph_hooks.get(self._key)
        if not hooks and entry is not None and entry[1] is hooks:
            del _graph_hooks[self._key]


class Tensor(Node):
    """A numpy array that remembers how it was computed, for reverse-mode autodiff.

    ``Tensor(data, requires_grad=False, dtype=None)`` takes anything ``np.asarray`` takes.
    Integer data becomes float64, float32 stays float32 (values and gradients), the default is
    float64; bool, complex, str and object data are a TypeError. A float ndarray is used as
    is, without a copy (as ``torch.from_numpy``).

    Operators ``+ - * / ** @`` and unary ``-`` work with numbers and arrays on either side and
    broadcast as numpy does. ``t.backward()`` (one-element ``t``) or ``t.backward(grad)`` fills
    ``.grad`` of every Tensor that ``t`` depends on; gradients accumulate across calls.
    """

    # __weakref__: gradient hooks find their node through a weak reference (graph._hooks), so
    # they never keep a graph alive; 8 bytes per Tensor, nothing to set in _result.
    __slots__ = ("_parents", "_origin", "__weakref__")
    grad: np.ndarray | None
    _parents: tuple[Tensor, ...]
    # _origin (the user's line that created the node) is set only inside detect_anomaly()
    # and read with getattr(node, "_origin", None): the hot path never stores it.
    _optional_slots = ("_origin",)
    _rules = RULES
    # A backward sweep meets the domain edges of the forward (1/x at 0, ...): numpy's values
    # (inf, nan) without its warnings, as PyTorch; one np.errstate per sweep, not per node.
    _sweep_context = staticmethod(lambda: np.errstate(all="ignore"))

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ):
        if isinstance(data, Tensor):
            data = data._data
        # identity tests, not isinstance: nn builds a Tensor per batch
        if (
            requires_grad is not False
            and requires_grad is not True
            and type(requires_grad) is not np.bool_
        ):
            raise TypeError(f"Tensor(): requires_grad must be a bool, got {requires_grad!r}")
        if name is not None and type(name) is not str:
            raise TypeError(f"Tensor(): name must be a str or None, got {name!r}")
        if dtype is not None:
            try:
                dt = np.dtype(dtype)
            except TypeError:
                raise TypeError(
                    f"Tensor(): unknown dtype {dtype!r}; use float32 or float64"
                ) from None
            if dt.kind != "f":
                raise TypeError(f"Tensor(): dtype {dt} is not supported; use a float dtype")
            arr = _as_float_array(data, "Tensor()")
            data = arr if arr.dtype == dt else arr.astype(dt)
        else:
            data = _as_float_array(data, "Tensor()")
        _init_leaf(self, data, bool(requires_grad), name)

    # --- attributes ----------------------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The value, an ndarray. A leaf's array is yours to change (``p.data -= lr * p.grad``
        after ``backward()``); an op result recorded for backward gives a read-only view
        (``RecordedArray``): backward() reads that value, so writing it raises a ValueError
        that says so."""
        return _read_only(self, RecordedArray)

    @data.setter
    def data(self, value: Any) -> None:
        """Replace the value of a leaf by an array of the same shape (cast to its dtype)."""
        current = self._data
        if value is current:  # `p.data -= x` changed the array in place, then assigns it
            return
        if self._parents:
            raise read_only_value(self._op)
        if isinstance(value, Node):
            raise TypeError(
                f"Tensor.data takes an array, got a {type(value).__name__}; "
                "assign its value (other.data)"
            )
        arr = _as_float_array(value, "Tensor.data")
        if arr.shape != current.shape:
            raise ValueError(
                f"Tensor.data: the new value has shape {arr.shape}, the Tensor {current.shape}; "
                "a Tensor keeps its shape (make a new Tensor for another shape)"
            )
        self._data = arr if arr.dtype == current.dtype else arr.astype(current.dtype)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d Tensor")
        return len(self._data)

    def __bool__(self) -> bool:
        """Truth of a one-element Tensor (as numpy: ambiguous, a ValueError, otherwise)."""
        if self._data.size != 1:
            raise ValueError(
                f"bool() of a Tensor of shape {self.shape} ({self._data.size} entries) is "
                "ambiguous; use .all() or .any() of a comparison, or .item() for one entry"
            )
        return bool(self._data)

    # Comparisons give constant boolean arrays (masks), never graph nodes; ``==`` and ``!=``
    # are elementwise as numpy's, not identity.
    __lt__ = _comparison("<", operator.lt)
    __le__ = _comparison("<=", operator.le)
    __gt__ = _comparison(">", operator.gt)
    __ge__ = _comparison(">=", operator.ge)
    __eq__ = _comparison("==", operator.eq)  # type: ignore[assignment]
    __ne__ = _comparison("!=", operator.ne)  # type: ignore[assignment]

    # --- np.* on Tensors (autograd_core/numpy_api.py) ---
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """``np.exp(t)``, ``np.add(t, u)``, ``ndarray * t``: the same op as the method or
        operator, recorded. Fast path: a ufunc seen before, called plainly, Tensor first."""
        fn = _NUMPY_UFUNCS.get(ufunc)
        if fn is None or kwargs or method != "__call__" or type(inputs[0]) is not Tensor:
            from .numpy_api import array_ufunc

            return array_ufunc(ufunc, method, inputs, kwargs)
        return fn(*inputs)

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        """``np.sum(t, axis=0)``, ``np.concatenate([t, u])``, ``np.where(m, t, u)``: the
        library's function of the same name (or the one numpy's name stands for)."""
        fn = _NUMPY_FUNCTIONS.get(func)
        if fn is None:
            from .numpy_api import array_function

            return array_function(func, types, args, kwargs)
        try:
            return fn(*args, **kwargs)
        except TypeError:  # np.sum(t, out=...): name numpy's function and the keyword
            from .numpy_api import unsupported_keywords

            error = unsupported_keywords(func, fn, kwargs)
            if error is None:
                raise
            raise error from None

    # --- comparisons, conversions, iteration ---
    # Defining __eq__ removes the inherited __hash__. Nodes hash by identity: they are set
    # members in toposort and keys of backprop()'s result, where Python compares by ``is``
    # before ``==``, so the elementwise ``==`` never reaches those lookups.
    __hash__ = Node.__hash__

    def isnan(self) -> np.ndarray:
        """Where x is nan: a constant bool array."""
        return np.isnan(self._data)

    def isinf(self) -> np.ndarray:
        """Where x is +-inf: a constant bool array."""
        return np.isinf(self._data)

    def isfinite(self) -> np.ndarray:
        """Where x is neither nan nor +-inf: a constant bool array."""
        return np.isfinite(self._data)

    def isclose(
        self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> np.ndarray:
        """Where |x - other| <= atol + rtol |other| (``np.isclose``): a constant bool array."""
        return isclose(self, other, rtol, atol, equal_nan)

    def _one_element(self, what: str) -> np.ndarray:
        if self._data.size != 1:
            raise TypeError(
                f"{what}() of a Tensor of shape {self.shape}: only one-element Tensors convert "
                "to a Python number (use .sum(), indexing, or .numpy())"
            )
        return self._data.reshape(())

    def __float__(self) -> float:
        """The value of a one-element Tensor (TypeError naming the shape otherwise)."""
        return float(self._one_element("float"))

    def __int__(self) -> int:
        """The value of a one-element Tensor truncated to an int, as ``int(np.float64)``."""
        return int(self._one_element("int"))

    def __iter__(self) -> Any:
        """The rows ``t[0], t[1], ...``, each a Tensor that carries gradient back to t."""
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d Tensor")
        return (self[i] for i in range(len(self._data)))

    def astype(self, dtype: Any) -> Tensor:
        """The values in another float dtype; the gradient is cast back (dx = g.astype)."""
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"astype: unknown dtype {dtype!r}; use float32 or float64") from None
        if dt.kind != "f":
            raise TypeError(f"astype: dtype {dt} is not supported; use a float dtype")
        if dt == self._data.dtype:
            return self
        return _result(self._data.astype(dt), "astype", (self,))

    def item(self) -> float:
        """The value of a one-element Tensor as a Python float."""
        if self._data.size != 1:
            raise ValueError(f"item(): the Tensor has shape {self.shape}, not one element")
        return float(self._data.reshape(()))

    def numpy(self) -> np.ndarray:
        """The value as an ndarray: ``.data`` (shared memory; read-only for a recorded
        result)."""
        return _read_only(self, RecordedArray)

    def detach(self) -> Tensor:
        """A Tensor with the same data (shared: read-only if this is a recorded result) that
        records no graph and needs no grad."""
        return _const(_read_only(self))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else _read_only(self)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="Tensor(")
        extra = f", dtype={self._data.dtype}" if self._data.dtype != np.float64 else ""
        if self.requires_grad:
            extra += ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        return f"Tensor({body}{extra})"

    @property
    def parents(self) -> tuple[Tensor, ...]:
        return self._parents

    # --- the graph engine's hooks (see Node) ---------------------------------------------
    def _send_grads(self, create_graph: bool, on_edge: OnEdge | None) -> None:
        """The chain rule: ``parent._acc += vjp(upstream, ...)`` for each parent that requires
        grad. The VJP's result is unbroadcast to the parent's shape and cast to its dtype
        here, and only here. Rules run only for parents that require grad (a matmul by a
        constant computes one product, not two)."""
        parents, upstream = self._parents, self._acc
        if not parents:
            return
        rules = RULES[self._op]
        if create_graph:
            if not isinstance(upstream, Tensor):
                upstream = _const(np.asarray(upstream))
            if create_graph is LINEAR:  # record only what depends on the upstream gradient
                args = (_const(self._data), *[_const(p._data) for p in parents], *self._params)
            else:
                args = (self, *parents, *self._params)
        else:
            if isinstance(upstream, Tensor):
                upstream = upstream._data
            args = (self._data, *[p._data for p in parents], *self._params)
        for i, p in enumerate(parents):
            if not p.requires_grad:
                continue
            g = rules[i](upstream, *args)
            pdata = p._data
            if g.shape != pdata.shape:
                g = unbroadcast(g, pdata.shape)
            if g.dtype != pdata.dtype:
                g = g.astype(pdata.dtype)
            if on_edge is None and p._acc is None:
                p._acc = g
            else:
                _deposit(self, p, g, on_edge)

    def _seed(self, grad: Any, create_graph: bool) -> Any:
        if grad is None:
            if self._data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a one-element output, but this "
                    f"Tensor has shape {self.shape}; reduce it (e.g. .sum()) or pass "
                    f"backward(grad) with the upstream gradient of shape {self.shape}"
                )
            seed = np.ones(self._data.shape, dtype=self._data.dtype)
        else:
            g = _value(grad)
            if type(g) is np.ndarray and g.dtype == self._data.dtype:
                # The caller's array, not a copy: a read-only view, so no rule can write into
                # it and a leaf it reaches unchanged gets its own copy (_accumulate_grads).
                seed = g.view()
                seed.setflags(write=False)
            else:  # _as_float_array names ragged or non-numeric gradients
                seed = np.array(_as_float_array(g, "backward(grad)"), dtype=self._data.dtype)
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward(grad): grad has shape {seed.shape} but the output has shape "
                    f"{self.shape}; they must be equal"
                )
        return _const(seed) if create_graph else seed

    def _zero_grad_like(self, create_graph: bool) -> Any:
        zeros = np.zeros(self._data.shape, dtype=self._data.dtype)
        return _const(zeros) if create_graph else zeros

    @classmethod
    def _accumulate_grads(cls, nodes: list[Node]) -> None:
        # A gradient array may be shared with another node's .grad (``a + b`` hands the same
        # g to both), be a view of one, or be read-only. A leaf (what optimizers update in
        # place) then gets its own copy. An intermediate node's .grad is for reading: it gets
        # a read-only view instead of a copy, so it can never change another node's .grad.
        stored: set[int] = set()
        for node in nodes:
            g = node._acc
            if g is None:
                continue
            if isinstance(g, Tensor):
                g = g._data
            if node.grad is not None:
                node.grad = node.grad + g  # a new array: never writes into one the user holds
                continue
            if type(g) is not np.ndarray or g.dtype != node._data.dtype:
                g = np.array(g, dtype=node._data.dtype)
            elif id(g) in stored or g.base is not None or not g.flags.writeable:
                if node.parents:
                    g = g.view()
                    g.flags.writeable = False
                else:
                    g = g.copy()
            stored.add(id(g))
            node.grad = g

    # --- hooks and retained gradients ----------------------------------------------------
    def register_hook(self, fn: Callable[[Any], Any]) -> RemovableHandle:
        """Call ``fn(grad)`` whenever a backward sweep (``backward()`` or ``grad()``) has
        completed the gradient d(root)/d(self), before it flows on to this Tensor's parents
        (or into ``.grad`` of a leaf). ``grad`` is an ndarray, or a Tensor under
        ``create_graph=True``. If ``fn`` returns something other than None, that array (of
        this Tensor's shape) replaces the gradient from there on: for clipping, logging,
        debugging. Hooks run in the order they were registered; returns a handle whose
        ``remove()`` unregisters ``fn``.

        The registry holds this Tensor only weakly: a hook never keeps a graph alive, and
        its entry disappears with the Tensor. A sweep costs nothing extra while no hook is
        registered on a live Tensor.
        """
        if not callable(fn):
            raise TypeError(f"register_hook: fn must be callable, got {type(fn).__name__}")
        if not self.requires_grad:
            raise RuntimeError(
                "register_hook on a Tensor that does not require grad: no gradient will "
                "ever reach it"
            )
        key = id(self)
        entry = _graph_hooks.get(key)
        if entry is None:
            def forget(_: Any, key: int = key) -> None:
                _graph_hooks.pop(key, None)

            entry = (weakref.ref(self, forget), [])
            _graph_hooks[key] = entry
        entry[1].append(fn)
        return RemovableHandle(key, entry[1], fn)

    def retain_grad(self) -> Tensor:
        """Keep this intermediate's ``.grad`` after ``backward()`` (as PyTorch's). This engine
        already stores the gradient of every node a sweep reaches, intermediates included
        (as micrograd does), so this only checks that a gradient can reach this Tensor;
        returns self."""
        if not self.requires_grad:
            raise RuntimeError(
                "retain_grad on a Tensor that does not require grad: it was computed from "
                "constants only, or inside no_grad()"
            )
        return self

    def _apply_hooks(self, hooks: tuple[Callable[[Any], Any], ...], g: Any, cg: bool) -> Any:
        """The gradient after ``hooks`` saw it (each may replace it); checked like a seed."""
        for fn in hooks:
            replaced = fn(g)
            if replaced is None:
                continue
            try:
                shape = np.shape(_value(replaced))
            except ValueError:  # numpy: "inhomogeneous shape"
                shape = "(ragged: rows of different lengths)"
            if shape != self.shape:
                raise ValueError(
                    f"gradient hook {getattr(fn, '__name__', fn)!r} returned shape {shape}, "
                    f"but the Tensor has shape {self.shape}; they must be equal"
                )
            if cg:
                g = replaced if isinstance(replaced, Tensor) else self._seed(replaced, True)
            else:
                g = self._seed(_value(replaced), False)
        return g

    # --- arithmetic ----------------------------------------------------------------------
    __add__, __radd__ = _operators("add", operator.add)
    __sub__, __rsub__ = _operators("sub", operator.sub)
    __mul__, __rmul__ = _operators("mul", operator.mul)
    # division by zero follows numpy: inf or nan, without a warning
    __truediv__, __rtruediv__ = _operators("div", calculus.quiet(operator.truediv))

    def __neg__(self) -> Tensor:
        return _unary("neg", self)

    def __pos__(self) -> Tensor:
        return self

    def __pow__(self, exponent: Any) -> Tensor:
        """``x ** n`` for a number n (VJP g n x^(n-1)) or ``a ** b`` elementwise for a Tensor
        or array b (VJPs g b a^(b-1) and g a^b ln a). numpy's values: a negative base to a
        non-integer power is nan, 0 to a negative power inf; d/dx x**0 = 0, even at 0."""
        if isinstance(exponent, (Real, np.integer, np.floating)) and not isinstance(
            exponent, (bool, np.bool_)
        ):
            n = float(exponent)
            return _result(_quiet_pow(self._data, n), "pow", (self,), (n,))
        b = _operand(exponent, self)
        return _power(self, b)

    def __rpow__(self, base: Any) -> Tensor:
        return _power(_operand(base, self), self)

    def __matmul__(self, other: Any) -> Tensor:
        return _matmul(self, other if isinstance(other, Tensor) else _operand(other, self))

    def __rmatmul__(self, other: Any) -> Tensor:
        return _matmul(_operand(other, self), self)

    def __abs__(self) -> Tensor:
        return self.abs()

    def __setitem__(self, index: Any, value: Any) -> None:
        """Refused: a Tensor is a node of the graph, and its value is what its consumers read."""
        raise TypeError(
            "Tensor does not support item assignment (t[i] = v): ops make new Tensors. "
            "Use where(mask, v, t), concat, or add_along_axis/index_add for a result that "
            "carries gradient; to change a leaf's values, t.data[i] = v"
        )

    def __getitem__(self, index: Any) -> Tensor:
        """x[index] for ints, slices, None, ..., boolean masks and integer arrays; an integer
        array may repeat positions, and the gradients of repeats add up (np.add.at)."""
        key, repeats = _index_key(index)
        try:
            value = self._data[key]
        except (IndexError, TypeError) as e:  # TypeError: a slice of floats or strings
            raise type(e)(f"index {index!r} for a Tensor of shape {self.shape}: {e}") from None
        return _result(value, "getitem", (self,), (key, repeats))

    # --- elementwise functions -----------------------------------------------------------
    def exp(self) -> Tensor:
        """e^x (overflows to inf above x = 709.78 in float64, with numpy's warning)."""
        return _unary("exp", self)

    def log(self) -> Tensor:
        """ln(x): -inf at 0 and nan below, as numpy (without its warning); dx = g / x."""
        return _unary("log", self)

    def sqrt(self) -> Tensor:
        """sqrt(x): nan below 0, as numpy; dx = g / (2 sqrt x), inf at 0 (as PyTorch)."""
        return _unary("sqrt", self)

    def reciprocal(self) -> Tensor:
        """1/x: inf at 0, as numpy; dx = -g / x^2."""
        return _unary("reciprocal", self)

    def abs(self) -> Tensor:
        """|x| (gradient sign(x), 0 at the kink)."""
        return _unary("abs", self)

    def sigmoid(self) -> Tensor:
        """1 / (1 + e^-x), stable: exact 0 and 1 limits (kernel: ``calculus.sigmoid``)."""
        return _unary("sigmoid", self)

    def tanh(self) -> Tensor:
        """tanh(x); exact +-1 limits for large |x|."""
        return _unary("tanh", self)

    def relu(self) -> Tensor:
        """max(0, x) (gradient 1 for x > 0, else 0)."""
        return _unary("relu", self)

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        """min(max(x, lo), hi); the gradient is 1 where lo <= x <= hi, else 0."""
        x = self._data
        bounds = []
        for name, bound in (("lo", lo), ("hi", hi)):
            if bound is not None:
                if isinstance(bound, Tensor) and bound.requires_grad:
                    raise TypeError(
                        f"clip: {name} is a Tensor that requires grad; the bounds are constants "
                        "(use maximum/minimum for a bound that gets a gradient)"
                    )
                bound = _value(bound)  # numbers stay numbers: float32 stays float32
                arr = np.asarray(bound)
                if arr.dtype.kind not in "iuf":
                    raise TypeError(
                        f"clip: {name} must be a number, an array of numbers or None, got "
                        f"{bound!r:.60}"
                    )
            bounds.append(bound)
        lo, hi = bounds
        shapes = [np.shape(b) for b in bounds if b is not None and np.ndim(b)]
        try:
            fits = not shapes or np.broadcast_shapes(x.shape, *shapes) == x.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"clip: bounds of shape {' and '.join(map(str, shapes))} do not broadcast to "
                f"the Tensor's shape {x.shape}"
            )
        mask = np.ones(x.shape, dtype=bool)
        if lo is not None:
            mask &= x >= lo
        if hi is not None:
            mask &= x <= hi
        return _result(np.clip(x, lo, hi), "clip", (self,), (mask,))

    # --- elementwise math ----------------------------------------------------------------
    # numpy's values outside an op's domain (nan, inf), without numpy's warnings; the rules
    # are in calculus.UNARY and calculus.ACTIVATIONS.
    def sin(self) -> Tensor:
        """sin(x); dx = g cos(x)."""
        return _unary("sin", self)

    def cos(self) -> Tensor:
        """cos(x); dx = -g sin(x)."""
        return _unary("cos", self)

    def tan(self) -> Tensor:
        """tan(x); dx = g (1 + tan(x)^2)."""
        return _unary("tan", self)

    def arcsin(self) -> Tensor:
        """arcsin(x), nan outside [-1, 1]; dx = g / sqrt(1 - x^2)."""
        return _unary("arcsin", self)

    def arccos(self) -> Tensor:
        """arccos(x), nan outside [-1, 1]; dx = -g / sqrt(1 - x^2)."""
        return _unary("arccos", self)

    def arctan(self) -> Tensor:
        """arctan(x); dx = g / (1 + x^2)."""
        return _unary("arctan", self)

    def sinh(self) -> Tensor:
        """sinh(x); dx = g cosh(x)."""
        return _unary("sinh", self)

    def cosh(self) -> Tensor:
        """cosh(x); dx = g sinh(x)."""
        return _unary("cosh", self)

    def arcsinh(self) -> Tensor:
        """arcsinh(x) = log(x + sqrt(x^2 + 1)); dx = g / sqrt(x^2 + 1)."""
        return _unary("arcsinh", self)

    def arccosh(self) -> Tensor:
        """arccosh(x), nan below 1; dx = g / sqrt(x^2 - 1)."""
        return _unary("arccosh", self)

    def arctanh(self) -> Tensor:
        """arctanh(x), +-inf at +-1, nan outside; dx = g / (1 - x^2)."""
        return _unary("arctanh", self)

    def exp2(self) -> Tensor:
        """2^x; dx = g 2^x ln 2."""
        return _unary("exp2", self)

    def expm1(self) -> Tensor:
        """e^x - 1, accurate for small x; dx = g e^x."""
        return _unary("expm1", self)

    def log2(self) -> Tensor:
        """log2(x), -inf at 0, nan below; dx = g / (x ln 2)."""
        return _unary("log2", self)

    def log10(self) -> Tensor:
        """log10(x), -inf at 0, nan below; dx = g / (x ln 10)."""
        return _unary("log10", self)

    def log1p(self) -> Tensor:
        """ln(1 + x), accurate for small x, -inf at -1, nan below; dx = g / (1 + x)."""
        return _unary("log1p", self)

    def square(self) -> Tensor:
        """x^2; dx = 2 g x."""
        return _unary("square", self)

    def cbrt(self) -> Tensor:
        """The real cube root (negative for negative x); dx = g / (3 cbrt(x)^2), inf at 0."""
        return _unary("cbrt", self)

    def sign(self) -> Tensor:
        """-1, 0 or 1; the gradient is 0 everywhere (as PyTorch, also at 0)."""
        return _unary("sign", self)

    def floor(self) -> Tensor:
        """The largest integer <= x; the gradient is 0 everywhere (also at the jumps)."""
        return _unary("floor", self)

    def ceil(self) -> Tensor:
        """The smallest integer >= x; the gradient is 0 everywhere (also at the jumps)."""
        return _unary("ceil", self)

    def round(self, decimals: int = 0) -> Tensor:
        """x rounded to ``decimals`` decimals, halves to even (numpy's round); the gradient is
        0 everywhere."""
        decimals = _integer(decimals, "decimals", "round")
        if decimals == 0:
            return _unary("round", self)
        return _result(np.round(self._data, decimals), "round", (self,), (decimals,))

    def trunc(self) -> Tensor:
        """x rounded towards 0; the gradient is 0 everywhere."""
        return _unary("trunc", self)

    def rint(self) -> Tensor:
        """x rounded to the nearest integer, halves to even; the gradient is 0 everywhere."""
        return _unary("rint", self)

    def deg2rad(self) -> Tensor:
        """x pi / 180; dx = g pi / 180."""
        return _unary("deg2rad", self)

    def rad2deg(self) -> Tensor:
        """x 180 / pi; dx = g 180 / pi."""
        return _unary("rad2deg", self)

    def erf(self) -> Tensor:
        """The error function 2/sqrt(pi) int_0^x e^(-t^2) dt (``calculus.erf``, ~1e-15
        relative); dx = g 2/sqrt(pi) e^(-x^2)."""
        return _unary("erf", self)

    def nan_to_num(
        self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> Tensor:
        """x with nan, +inf and -inf replaced (by 0 and the largest finite numbers unless
        given), as np.nan_to_num; dx = g where x is finite, 0 where an entry was replaced."""
        nan = _real(nan, "nan", "nan_to_num")
        posinf = None if posinf is None else _real(posinf, "posinf", "nan_to_num")
        neginf = None if neginf is None else _real(neginf, "neginf", "nan_to_num")
        value = np.nan_to_num(self._data, nan=nan, posinf=posinf, neginf=neginf)
        return _result(value, "nan_to_num", (self,))

    # x % y, y % x: numpy's remainder (the sign of the divisor, nan for y = 0), the rule of
    # ``autograd_core.remainder``: dx = g, dy = -g floor(x / y)
    __mod__, __rmod__ = _operators("remainder", calculus.quiet(np.remainder))
    __mod__.__name__, __rmod__.__name__ = "__mod__", "__rmod__"

    # activations (PyTorch's names and parameters; PyTorch's gradients at the kinks)
    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """x for x > 0, negative_slope x otherwise; dx = g or g negative_slope (at 0)."""
        slope = _real(negative_slope, "negative_slope", "leaky_relu")
        return _result(calculus.leaky_relu(self._data, slope), "leaky_relu", (self,), (slope,))

    def elu(self, alpha: float = 1.0) -> Tensor:
        """x for x > 0, alpha (e^x - 1) otherwise; dx = g, or g alpha e^x for x <= 0."""
        params = (_real(alpha, "alpha", "elu"), 1.0)
        return _result(calculus.elu(self._data, *params), "elu", (self,), params)

    def selu(self) -> Tensor:
        """scale elu(x, alpha) with the self-normalising constants alpha = 1.6732632423543772,
        scale = 1.0507009873554805; dx = g scale, or g scale alpha e^x for x <= 0."""
        params = (_SELU_ALPHA, _SELU_SCALE)
        return _result(calculus.elu(self._data, *params), "selu", (self,), params)

    def gelu(self, approximate: str = "none") -> Tensor:
        """x Phi(x), Phi the standard normal CDF (dx = g (Phi(x) + x phi(x))); with
        ``approximate="tanh"``: x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2."""
        if approximate == "none":
            return _result(calculus.gelu(self._data), "gelu", (self,))
        if approximate == "tanh":
            return _result(calculus.gelu_tanh(self._data), "gelu_tanh", (self,))
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")

    def silu(self) -> Tensor:
        """x sigmoid(x) (swish); dx = g s (1 + x (1 - s)), s = sigmoid(x)."""
        return _result(calculus.silu(self._data), "silu", (self,))

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
        """log(1 + e^(beta x)) / beta, stable at any |x|, and x where beta x > threshold;
        dx = g sigmoid(beta x)."""
        beta = _real(beta, "beta", "softplus")
        if not beta > 0:  # nan too
            raise ValueError(f"softplus: beta must be > 0, got {beta!r}")
        params = (beta, _real(threshold, "threshold", "softplus"))
        return _result(calculus.softplus(self._data, *params), "softplus", (self,), params)

    def softsign(self) -> Tensor:
        """x / (1 + |x|); dx = g / (1 + |x|)^2."""
        return _result(calculus.softsign(self._data), "softsign", (self,))

    def hardtanh(self, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
        """x clipped to [min_val, max_val]; dx = g strictly inside, 0 outside and at the
        kinks (PyTorch's convention; ``clip`` passes g at the bounds)."""
        params = (_real(min_val, "min_val", "hardtanh"), _real(max_val, "max_val", "hardtanh"))
        if not params[0] <= params[1]:  # nan too
            raise ValueError(
                f"hardtanh: min_val ({min_val!r}) must not be greater than max_val ({max_val!r}), "
                "and neither may be nan"
            )
        return _result(calculus.hardtanh(self._data, *params), "hardtanh", (self,), params)

    def relu6(self) -> Tensor:
        """min(max(x, 0), 6) = hardtanh(x, 0, 6); dx = g for 0 < x < 6, else 0."""
        return self.hardtanh(0.0, 6.0)

    def hardsigmoid(self) -> Tensor:
        """relu6(x + 3) / 6; dx = g / 6 for -3 < x < 3, else 0."""
        return _result(calculus.hardsigmoid(self._data), "hardsigmoid", (self,))

    def hardswish(self) -> Tensor:
        """x relu6(x + 3) / 6; dx = g (x/3 + 1/2) on [-3, 3], g above 3, 0 below -3."""
        return _result(calculus.hardswish(self._data), "hardswish", (self,))

    def mish(self) -> Tensor:
        """x tanh(softplus(x)); dx = g (tanh(sp) + x (1 - tanh(sp)^2) sigmoid(x))."""
        return _result(calculus.mish(self._data), "mish", (self,))

    def log_sigmoid(self) -> Tensor:
        """log(sigmoid(x)) = -softplus(-x), stable (exact at +-1e4); dx = g sigmoid(-x)."""
        return _result(calculus.log_sigmoid(self._data), "log_sigmoid", (self,))

    # --- reductions ----------------------------------------------------------------------
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """sum of the entries over ``axis`` (all by default); dx = g broadcast back."""
        axes = _normalize_axes(axis, self._data.ndim, "sum")
        if keepdims is not False and keepdims is not True:
            keepdims = _flag(keepdims, "keepdims", "sum")
        value = self._data.sum(axis=axes, keepdims=keepdims)
        return _result(value, "sum", (self,), (kept_shape(self._data.shape, axes),))

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """mean over ``axis`` (all by default): sum / n; dx = g / n broadcast back."""
        axes = _normalize_axes(axis, self._data.ndim, "mean")
        if keepdims is not False and keepdims is not True:
            keepdims = _flag(keepdims, "keepdims", "mean")
        shape = self._data.shape
        n = int(np.prod([shape[a] for a in axes])) if axes else 1
        inv_n = 1.0 / n if n else np.nan  # the mean of nothing is nan, as numpy's
        value = self._data.sum(axis=axes, keepdims=keepdims) * inv_n
        return _result(value, "mean", (self,), (kept_shape(shape, axes), inv_n))

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """max over ``axis`` (all by default).

        The gradient goes to the maximal entries; when k entries of a slice tie for the max,
        each gets 1/k of it (the gradient is split evenly among ties, as in PyTorch's
        ``amax``), so the total is conserved."""
        axes = _normalize_axes(axis, self._data.ndim, "max")
        if keepdims is not False and keepdims is not True:
            keepdims = _flag(keepdims, "keepdims", "max")
        value = _nonempty_reduce(self._data.max, axes, keepdims, "max", self.shape)
        return _result(value, "max", (self,), (axes, kept_shape(self._data.shape, axes)))

    # --- more reductions ---
    def min(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """min over ``axis`` (all by default); k entries tied for the min of a slice each get
        1/k of its gradient, as in ``max``. An empty slice is a ValueError, as numpy's."""
        axes = _normalize_axes(axis, self._data.ndim, "min")
        if keepdims is not False and keepdims is not True:
            keepdims = _flag(keepdims, "keepdims", "min")
        value = _nonempty_reduce(self._data.min, axes, keepdims, "min", self.shape)
        return _result(value, "min", (self,), (axes, kept_shape(self._data.shape, axes)))

    def prod(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """product over ``axis`` (all by default; 1 for an empty slice). dx = g times the
        product of the other entries of the slice, computed without dividing by x, so it is
        exact when the slice holds zeros."""
        axes = _normalize_axes(axis, self._data.ndim, "prod")
        if keepdims is not False and keepdims is not True:
            keepdims = _flag(keepdims, "keepdims", "prod")
        value = self._data.prod(axis=axes, keepdims=keepdims)
        return _result(value, "prod", (self,), (axes, kept_shape(self._data.shape, axes)))

    def var(
        self, axis: int | tuple[int, ...] | None = None, ddof: int = 0, keepdims: bool = False
    ) -> Tensor:
        """variance over ``axis``: sum((x - mean)^2) / (n - ddof); dx = g 2 (x - mean) /
        (n - ddof). As numpy: nan for an empty slice, inf or nan when n - ddof <= 0."""
        x = self._data
        axes = _normalize_axes(axis, x.ndim, "var")
        dd = ddof if type(ddof) is int else _real(ddof, "ddof", "var")
        if keepdims is not False and keepdims is not True:
            keepdims = _flag(keepdims, "keepdims", "var")
        n = int(np.prod([x.shape[a] for a in axes]))
        inv_n = 1.0 / n if n else np.nan
        dev = x - x.sum(axis=axes, keepdims=True) * inv_n
        dof = max(n - dd, 0)  # as numpy: ddof >= n gives inf or nan, never a negative var
        value = _quiet_divide((dev * dev).sum(axis=axes, keepdims=keepdims), dof)
        scale = _quiet_divide(2.0, dof)
        return _result(value, "var", (self,), (axes, kept_shape(x.shape, axes), inv_n, scale))

    def std(
        self, axis: int | tuple[int, ...] | None = None, ddof: int = 0, keepdims: bool = False
    ) -> Tensor:
        """standard deviation sqrt(var(x, axis, ddof)); its gradient is inf * 0 = nan where
        the slice is constant (std is not differentiable there), as in PyTorch."""
        return self.var(axis=axis, ddof=ddof, keepdims=keepdims).sqrt()

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        """Indices of the max along ``axis`` (of the flattened array by default): an integer
        ndarray, a constant (no gradient)."""
        return _arg_reduce(self, "argmax", axis, keepdims)

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        """Indices of the min along ``axis`` (flattened by default): an integer ndarray."""
        return _arg_reduce(self, "argmin", axis, keepdims)

    def cumsum(self, axis: int | None = None) -> Tensor:
        """Cumulative sum along ``axis`` (of the flattened tensor by default, as numpy);
        dx_i = sum of g_j for j >= i."""
        x, ax = _cumulative_operand(self, axis, "cumsum")
        return _result(x._data.cumsum(axis=ax), "cumsum", (x,), (ax,))

    def cumprod(self, axis: int | None = None) -> Tensor:
        """Cumulative product along ``axis`` (flattened by default); dx_i = sum_{j >= i} g_j
        prod_{k <= j, k != i} x_k, exact when x holds zeros."""
        x, ax = _cumulative_operand(self, axis, "cumprod")
        return _result(x._data.cumprod(axis=ax), "cumprod", (x,), (ax,))

    def average(
        self,
        axis: int | tuple[int, ...] | None = None,
        weights: Any = None,
        keepdims: bool = False,
    ) -> Tensor:
        """Weighted mean sum(w x) / sum(w) over ``axis``, as ``np.average`` (plain mean
        without weights). ``weights`` has x's shape, or is 1-D along a single ``axis``; it is
        differentiated too when it is a Tensor."""
        keepdims = _flag(keepdims, "keepdims", "average")
        if weights is None:
            return self.mean(axis=axis, keepdims=keepdims)
        w = _operand(weights, self)
        axes = _normalize_axes(axis, self.ndim, "average")
        if w.shape != self.shape:
            if w.ndim != 1 or len(axes) != 1 or w.shape[0] != self.shape[axes[0]]:
                raise ValueError(
                    f"average: weights of shape {w.shape} for a Tensor of shape {self.shape} "
                    f"along axis {axis}: they must have its shape, or be 1-D along one axis"
                )
            w = w.reshape(tuple(-1 if i == axes[0] else 1 for i in range(self.ndim)))
        total = (self * w).sum(axis=axes, keepdims=keepdims)
        return total / _broadcast_weights(w, self.shape).sum(axis=axes, keepdims=keepdims)

    def all(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Any:
        """Whether every entry is non-zero over ``axis``: a bool ndarray (numpy bool for
        all axes), a constant."""
        axes = _normalize_axes(axis, self._data.ndim, "all")
        if keepdims is not False and keepdims is not True:
            keepdims = _flag(keepdims, "keepdims", "all")
        return self._data.all(axis=axes, keepdims=keepdims)

    def any(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Any:
        """Whether some entry is non-zero over ``axis``: a bool ndarray, a constant."""
        axes = _normalize_axes(axis, self._data.ndim, "any")
        if keepdims is not False and keepdims is not True:
            keepdims = _flag(keepdims, "keepdims", "any")
        return self._data.any(axis=axes, keepdims=keepdims)

    def logsumexp(
        self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False
    ) -> Tensor:
        """log(sum(e^x)) over ``axis``, as m + log(sum(e^(x - m))) with m the max: never
        overflows (logsumexp([1e4, 1e4]) = 1e4 + log 2). Gradient: softmax(x)."""
        x = self._data
        axes = _normalize_axes(axis, x.ndim, "logsumexp")
        if keepdims is not False and keepdims is not True:
            keepdims = _flag(keepdims, "keepdims", "logsumexp")
        value = calculus.logsumexp(x, axes, keepdims)  # an empty sum: log 0 = -inf
        return _result(value, "logsumexp", (self,), (kept_shape(x.shape, axes),))

    # --- sorting and selection -------------------------------------------------------------
    # (implemented in sorting.py, imported on use: it imports this module)
    def sort(self, axis: int | None = -1) -> Tensor:
        """A sorted copy along ``axis`` (unlike ndarray.sort, not in place); the gradient is
        routed back through the permutation. See ``autograd_core.sort``."""
        from . import sorting

        return sorting.sort(self, axis=axis)

    def argsort(self, axis: int | None = -1) -> np.ndarray:
        """The indices that sort along ``axis`` (an int ndarray: no gradient)."""
        from . import sorting

        return sorting.argsort(self, axis=axis)

    def topk(self, k: int, axis: int = -1, largest: bool = True) -> Any:
        """(values, indices) of the k largest (or smallest) entries along ``axis``, sorted;
        values a Tensor, indices an int ndarray. See ``autograd_core.topk``."""
        from . import sorting

        return sorting.topk(self, k, axis=axis, largest=largest)

    def median(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """The median over ``axis``; gradient g to the middle entry (g/2 to each of two)."""
        from . import sorting

        return sorting.median(self, axis=axis, keepdims=keepdims)

    def quantile(
        self, q: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False
    ) -> Tensor:
        """The q-th quantile(s) over ``axis``, linear interpolation between the two neighbours
        (numpy's method="linear"), the gradient split between them by the same weights."""
        from . import sorting

        return sorting.quantile(self, q, axis=axis, keepdims=keepdims)

    # --- linear algebra --------------------------------------------------------------------
    def norm(self, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:
        """The vector or matrix norm, as ``np.linalg.norm(x, ord, axis, keepdims)``; the
        gradient at x = 0 is 0. See ``autograd_core.linalg.norm``."""
        from . import linalg

        return linalg.norm(self, ord=ord, axis=axis, keepdims=keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        """e^x / sum(e^x) along ``axis``, with the max subtracted first (stable at any |x|).

        One fused rule, out (g - sum(g out)): as fast as it gets and no e^x is ever formed."""
        x = self._data
        ax = _one_axis(axis, x.ndim, "softmax")
        value = calculus.softmax(x, ax)
        return _result(value, "softmax", (self,), (ax,))

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x - logsumexp(x) along ``axis``, computed with the max shift: exact at |x| = 1e4
        (log_softmax([0, -1e4]) = [0, -1e4]). One fused rule, g - e^out sum(g)."""
        x = self._data
        ax = _one_axis(axis, x.ndim, "log_softmax")
        value = calculus.log_softmax(x, ax)
        return _result(value, "log_softmax", (self,), (ax,))

    def cross_entropy(self, target: Any, axis: int = -1) -> Tensor:
        """-sum(target * log_softmax(self, axis)): the cross-entropy of the target
        distribution(s) against softmax(self), summed over every entry.

        ``target`` is a constant array of this tensor's shape: one-hot rows scaled by 1/n give
        the mean loss over n rows (what ``nn.functional.cross_entropy`` passes), soft or
        smoothed labels work as they are. One fused rule, g (softmax(x) sum(target) - target):
        the loss of every classifier as a single node instead of three, computed with the max
        shift so it is exact at any |x|."""
        x = self._data
        ax = _one_axis(axis, x.ndim, "cross_entropy")
        if isinstance(target, Tensor) and target.requires_grad:
            raise TypeError(
                "cross_entropy: target is a Tensor that requires grad, but the target is a "
                "constant here (no gradient reaches it); pass target.detach(), or compute "
                "-(target * x.log_softmax(axis)).sum() to differentiate it"
            )
        t = _as_float_array(_value(target), "cross_entropy: target").astype(x.dtype, copy=False)
        if t.shape != x.shape:
            raise ValueError(
                f"cross_entropy: target has shape {t.shape}, logits have shape {x.shape}; "
                "they must match"
            )
        if x.shape[ax] == 0:
            raise ValueError(
                f"cross_entropy: logits of shape {x.shape} have no classes (axis {ax} has size 0)"
            )
        value, probs = calculus.cross_entropy(x, t, ax)
        return _result(value, "cross_entropy", (self,), (t, ax, probs))

    # --- shapes --------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        """The same entries in a new shape (``reshape(2, 3)`` or ``reshape((2, 3))``)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        for n in shape:
            if not isinstance(n, (int, np.integer)) or isinstance(n, (bool, np.bool_)):
                raise TypeError(
                    f"reshape: the new shape must be ints, got {shape!r} ({type(n).__name__} {n!r})"
                )
            if n < -1:
                raise ValueError(
                    f"reshape: the new shape {shape!r} has {n}; sizes are >= 0, or -1 for one "
                    "size to be inferred"
                )
        try:
            value = self._data.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a Tensor of shape {self.shape} "
                f"({self.size} entries) into shape {shape}"
            ) from None
        return _result(value, "reshape", (self,))

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes (reverse them by default), as ``ndarray.transpose``."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        nd = self._data.ndim
        if not axes or (len(axes) == 1 and axes[0] is None):
            perm = tuple(range(nd))[::-1]
        else:
            if len(axes) != nd:
                raise ValueError(
                    f"transpose: axes {axes} are not a permutation of the {nd} axes of a "
                    f"Tensor of shape {self.shape}"
                )
            perm = _normalize_axes(axes, nd, "transpose")
        inverse = tuple(int(i) for i in np.argsort(perm))
        return _result(self._data.transpose(perm), "transpose", (self,), (inverse,))

    @property
    def T(self) -> Tensor:
        """The transpose (all axes reversed)."""
        return self.transpose()

    def dot(self, other: Any) -> Tensor:
        """np.dot for 0-, 1- and 2-D operands: a product with a 0-D operand, else a @ b."""
        o = other if isinstance(other, Tensor) else _operand(other, self)
        if self.ndim == 0 or o.ndim == 0:
            return self * o
        if self.ndim > 2 or o.ndim > 2:
            raise ValueError(
                f"dot: shapes {self.shape} and {o.shape}: use @ (matmul) for more than 2-D"
            )
        return _matmul(self, o)

    # --- shape and movement ----------------------------------------------------------------
    # Each is a reshape, a transpose, an indexing or one of calculus.SHAPES's rules, so the
    # gradient is the inverse rearrangement (see those rules).
    def squeeze(self, axis: int | Sequence[int] | None = None) -> Tensor:
        """The tensor without the given size-1 axes (all of them by default): a reshape."""
        shape = self._data.shape
        if axis is None:
            axes = tuple(i for i, s in enumerate(shape) if s == 1)
        else:
            axes = _normalize_axes(axis, len(shape), "squeeze")
            for ax in axes:
                if shape[ax] != 1:
                    raise ValueError(
                        f"squeeze: axis {ax} of shape {shape} has size {shape[ax]}, not 1"
                    )
        return self.reshape(tuple(s for i, s in enumerate(shape) if i not in axes))

    def expand_dims(self, axis: int | Sequence[int]) -> Tensor:
        """The tensor with new size-1 axes at the positions ``axis`` of the result."""
        n = len(tuple(axis)) if _is_sequence(axis) else 1
        axes = _normalize_axes(axis, self._data.ndim + n, "expand_dims")
        rest = iter(self._data.shape)
        return self.reshape(tuple(1 if i in axes else next(rest) for i in range(self.ndim + n)))

    def unsqueeze(self, dim: int) -> Tensor:
        """PyTorch's name for ``expand_dims``."""
        return self.expand_dims(dim)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Axes start_dim..end_dim merged into one (all axes by default: ``ndarray.flatten()``)."""
        shape = self._data.shape
        if not shape:
            return self.reshape(1)
        (start,) = _normalize_axes(start_dim, len(shape), "flatten")
        (end,) = _normalize_axes(end_dim, len(shape), "flatten")
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        merged = int(np.prod(shape[start : end + 1]))
        return self.reshape(shape[:start] + (merged,) + shape[end + 1 :])

    def ravel(self) -> Tensor:
        """The entries as a 1-D tensor (C order)."""
        return self.reshape(-1)

    def view(self, *shape: Any) -> Tensor:
        """PyTorch's name for ``reshape``."""
        return self.reshape(*shape)

    def broadcast_to(self, shape: int | Sequence[int]) -> Tensor:
        """The tensor repeated to ``shape`` by numpy broadcasting; dx = g summed back."""
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        try:
            value = np.broadcast_to(self._data, shape)
        except (ValueError, TypeError):
            raise ValueError(
                f"broadcast_to: a Tensor of shape {self.shape} cannot be broadcast to {shape}"
            ) from None
        if value.shape == self._data.shape:
            return self
        return _result(value, "broadcast_to", (self,))

    def expand(self, *sizes: Any) -> Tensor:
        """PyTorch's ``expand``: ``broadcast_to`` where -1 keeps the size of that axis."""
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        lead = len(sizes) - self.ndim
        shape = tuple(
            self.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes)
        )
        return self.broadcast_to(shape)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """The tensor with two axes exchanged (a transpose)."""
        a = _one_axis(axis1, self._data.ndim, "swapaxes")
        b = _one_axis(axis2, self._data.ndim, "swapaxes")
        perm = list(range(self._data.ndim))
        perm[a], perm[b] = b, a
        return self.transpose(perm)

    def moveaxis(self, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
        """The axes ``source`` moved to positions ``destination``, the others kept in order."""
        nd = self._data.ndim
        src = _normalize_axes(source, nd, "moveaxis")
        dst = _normalize_axes(destination, nd, "moveaxis")
        if len(src) != len(dst):
            raise ValueError(
                f"moveaxis: source {source} and destination {destination} have different "
                "numbers of axes"
            )
        perm = [i for i in range(nd) if i not in src]
        for d, s in sorted(zip(dst, src)):
            perm.insert(d, s)
        return self.transpose(perm)

    def permute(self, *dims: Any) -> Tensor:
        """PyTorch's name for ``transpose(axes)``."""
        return self.transpose(*dims)

    def repeat(self, repeats: int | Sequence[int], axis: int | None = None) -> Tensor:
        """Each entry repeated ``repeats`` times along ``axis`` (of the flattened tensor by
        default), as ``np.repeat``. The gradient sums each entry's copies."""
        if axis is None:
            return self.ravel().repeat(repeats, 0)
        ax = _one_axis(axis, self._data.ndim, "repeat")
        r = np.asarray(repeats)
        if r.dtype.kind not in "iu" or (r < 0).any() or r.ndim > 1:
            raise ValueError(f"repeat: repeats must be non-negative integers, got {repeats!r}")
        if r.size == 1:
            n = int(r.reshape(()))
            return _result(np.repeat(self._data, n, ax), "repeat", (self,), (ax, n))
        if r.size != self.shape[ax]:
            raise ValueError(
                f"repeat: {r.size} repeats for axis {axis} of size {self.shape[ax]}"
            )
        index = np.repeat(np.arange(self.shape[ax]), r)
        return _gather(self, (slice(None),) * ax + (index,), True)

    def tile(self, reps: int | Sequence[int]) -> Tensor:
        """The tensor repeated ``reps`` times along each axis, as ``np.tile``: a broadcast of
        the tensor with a size-1 axis before each of its axes, so dx = g summed over copies."""
        seq = tuple(reps) if _is_sequence(reps) else (reps,)
        reps = tuple(_integer(r, "reps", "tile") for r in seq)
        if any(r < 0 for r in reps):
            raise ValueError(f"tile: reps must be non-negative, got {reps}")
        nd = max(len(reps), self.ndim)
        reps = (1,) * (nd - len(reps)) + tuple(int(r) for r in reps)
        shape = (1,) * (nd - self.ndim) + self.shape
        split = tuple(d for s in shape for d in (1, s))
        tiled = tuple(d for r, s in zip(reps, shape) for d in (r, s))
        out = self.reshape(split).broadcast_to(tiled)
        return out.reshape(tuple(r * s for r, s in zip(reps, shape)))

    def flip(self, axis: int | Sequence[int] | None = None) -> Tensor:
        """The entries in reverse order along ``axis`` (all axes by default)."""
        axes = _normalize_axes(axis, self._data.ndim, "flip")
        key = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(self.ndim))
        return _gather(self, key, False)

    def roll(
        self, shift: int | Sequence[int], axis: int | Sequence[int] | None = None
    ) -> Tensor:
        """The entries shifted cyclically by ``shift`` along ``axis`` (of the flattened tensor
        by default), as ``np.roll``; dx = g rolled back by -shift."""
        if axis is None:
            if _is_sequence(shift):
                _integer(shift, "shift", "roll")  # several shifts need as many axes
            return self.ravel().roll(shift, 0).reshape(self.shape)
        axes = _normalize_axes(axis, self._data.ndim, "roll")
        given = tuple(shift) if _is_sequence(shift) else (shift,) * len(axes)
        if len(given) != len(axes):
            raise ValueError(f"roll: {len(given)} shifts for {len(axes)} axes")
        shifts = tuple(_integer(s, "shift", "roll") for s in given)
        return _result(np.roll(self._data, shifts, axes), "roll", (self,), (shifts, axes))

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        """The entries x[..., i, i + offset] of the 2-D slices over axis1 and axis2, as
        ``np.diagonal``: the diagonal is the last axis of the result."""
        nd = self._data.ndim
        if nd < 2:
            raise ValueError(f"diagonal: needs at least 2 axes, got shape {self.shape}")
        (a,) = _normalize_axes(axis1, nd, "diagonal")
        (b,) = _normalize_axes(axis2, nd, "diagonal")
        if a == b:
            raise ValueError(f"diagonal: axis1 and axis2 are the same axis ({axis1}, {axis2})")
        offset = _integer(offset, "offset", "diagonal")
        x = self.transpose([i for i in range(nd) if i not in (a, b)] + [a, b])
        rows, cols = x.shape[-2], x.shape[-1]
        k = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
        i = np.arange(k) - min(offset, 0)
        return _gather(x, (Ellipsis, i, i + offset), False)

    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        """The sum of ``diagonal(offset, axis1, axis2)``."""
        return self.diagonal(offset, axis1, axis2).sum(axis=-1)

    def take(self, indices: Any, axis: int | None = None) -> Tensor:
        """The entries at ``indices`` along ``axis`` (of the flattened tensor by default), as
        ``np.take``; repeated indices accumulate their gradients."""
        if axis is None:
            return self.ravel().take(indices, 0)
        ax = _one_axis(axis, self._data.ndim, "take")
        index = _index_array(indices)
        if index.dtype.kind == "b":
            raise IndexError("take: indices must be integers, got booleans")
        try:
            value = np.take(self._data, index, axis=ax)
        except IndexError as e:
            raise IndexError(f"take: {e} (Tensor of shape {self.shape})") from None
        return _result(value, "getitem", (self,), ((slice(None),) * ax + (index,), True))


def _gather(x: Tensor, key: Any, repeats: bool) -> Tensor:
    """x[key] recorded as an indexing whose positions repeat only if ``repeats``: the form
    of the movement ops whose index is computed here, not given by the user."""
    return _result(x._data[key], "getitem", (x,), (key, repeats))


_quiet_pow = calculus.quiet(operator.pow)


def _power(a: Tensor, b: Tensor) -> Tensor:
    """a ** b elementwise with numpy's values (nan for a negative base to a non-integer
    power, inf for 0 to a negative power), without numpy's warnings."""
    try:
        value = _quiet_pow(a._data, b._data)
    except ValueError:
        raise _broadcast_error("pow", a, b) from None
    return _result(value, "power", (a, b))


def _nonempty_reduce(
    reduce: Callable[..., Any], axes: tuple[int, ...], keepdims: bool, op: str, shape: Any
) -> Any:
    """``reduce(axis=axes, keepdims=keepdims)`` for max/min-like reductions, which have no
    value over an empty slice: numpy's ValueError, in words that name the op and the shape."""
    try:
        return reduce(axis=axes, keepdims=keepdims)
    except ValueError:
        raise ValueError(
            f"{op}: a Tensor of shape {shape} has an empty slice along axis {axes}; "
            f"{op} of nothing is undefined (use a where= mask or check the size first)"
        ) from None


_quiet_divide = calculus.quiet(np.divide)


def _arg_reduce(x: Tensor, op: str, axis: int | None, keepdims: bool) -> np.ndarray:
    """argmax/argmin of x's data, with errors that name the op."""
    keepdims = _flag(keepdims, "keepdims", op)
    if axis is not None:
        if not isinstance(axis, (int, np.integer)):
            raise TypeError(f"{op}: axis must be an int or None, got {axis!r}")
        (axis,) = _normalize_axes(axis, x.ndim, op)
    if x.size == 0 and (axis is None or x.shape[axis] == 0):
        where = "" if axis is None else f" along axis {axis}"
        raise ValueError(f"{op}: the Tensor of shape {x.shape} is empty{where}; {op} of "
                         "nothing is undefined")
    return np.asarray(getattr(x._data, op)(axis=axis, keepdims=keepdims))


def _cumulative_operand(x: Tensor, axis: int | None, op: str) -> tuple[Tensor, int]:
    """(x, its normalized axis) for cumsum/cumprod; with axis None, x flattened and axis 0."""
    if axis is None:
        return (x if x.ndim == 1 else x.reshape(-1)), 0
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be an int or None, got {axis!r}")
    ax = _one_axis(axis, x.ndim, op)
    return x, ax


def _broadcast_weights(w: Tensor, shape: tuple[int, ...]) -> Tensor:
    """w broadcast to ``shape`` (a recorded node when w requires grad)."""
    if w.shape == shape:
        return w
    return _result(calculus._broadcast_to(w._data, shape), "broadcast_to", (w,))


def _matmul(a: Tensor, b: Tensor) -> Tensor:
    """a @ b with numpy's semantics (1-D operands are promoted and the axis removed again,
    batch dimensions broadcast)."""
    try:
        value = np.matmul(a._data, b._data)
    except ValueError:
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul: operands must be at least 1-D, got shapes {a.shape} and {b.shape}"
            ) from None
        k_a = a.shape[-1]
        k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if k_a != k_b:
            raise ValueError(
                f"matmul: inner dimensions differ: {a.shape} @ {b.shape} ({k_a} != {k_b})"
            ) from None
        raise ValueError(
            f"matmul: batch dimensions of {a.shape} and {b.shape} cannot be broadcast"
        ) from None
    return _result(value, "matmul", (a, b))


# --- module-level functions ------------------------------------------------------------------


def _tensors(xs: Sequence[Any], what: str) -> list[Tensor]:
    xs = list(xs)
    if not xs:
        raise ValueError(f"{what}: needs at least one tensor")
    like = next((x for x in xs if isinstance(x, Tensor)), None)
    if like is None:
        return [Tensor(x) for x in xs]
    return [_operand(x, like) for x in xs]


def concat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis``; input i's gradient is the slice of g that it
    occupies in the output."""
    ts = _tensors(tensors, "concat")
    nd = ts[0].ndim
    ax = _one_axis(axis, nd, "concat")
    try:
        value = np.concatenate([t._data for t in ts], axis=ax)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(f"concat: shapes {shapes} must agree except along axis {axis}") from None
    bounds, start = [], 0
    for t in ts:
        bounds.append((start, start + t.shape[ax]))
        start += t.shape[ax]
    return _result(value, "concat", tuple(ts), (ax, tuple(bounds)))


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shape tensors along a new ``axis``; input i's gradient is g[..., i, ...]."""
    ts = _tensors(tensors, "stack")
    ax = _one_axis(axis, ts[0].ndim + 1, "stack")
    try:
        value = np.stack([t._data for t in ts], axis=ax)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(f"stack: all shapes must be equal, got {shapes}") from None
    return _result(value, "stack", tuple(ts), (ax,))


def where(cond: Any, a: Any = None, b: Any = None) -> Any:
    """Elementwise ``a if cond else b`` (broadcasting); cond is a constant boolean array.
    Gradients: g where cond to a, g where not cond to b.

    ``where(cond)`` alone is ``np.nonzero(cond)``: a tuple of integer index arrays, one per
    axis, with no gradient (indices are not differentiable); ``x[where(cond)]`` then carries
    x's gradient like ``x[cond]``, to the selected entries."""
    c = np.asarray(cond._data if isinstance(cond, Tensor) else cond)
    if c.dtype != bool:
        if c.dtype.kind not in "iuf":  # a str or None would silently count as True
            raise TypeError(
                f"where: cond must be a boolean mask (or numbers, non-zero meaning True), got "
                f"{cond!r:.60} (dtype {c.dtype})"
            )
        c = c != 0
    if a is None and b is None:
        return np.nonzero(c)
    if a is None or b is None:
        raise TypeError("where: give both a and b, or neither (where(cond) = np.nonzero)")
    ta, tb = _tensors([a, b], "where")
    try:
        value = np.where(c, ta._data, tb._data)
    except ValueError:
        raise ValueError(
            f"where: shapes {c.shape} (cond), {ta.shape} and {tb.shape} cannot be broadcast "
            "together"
        ) from None
    return _result(value, "where", (ta, tb), (c,))


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max(a, b) with broadcasting. The gradient goes to the larger input; at a
    tie each input gets half of it."""
    ta, tb = _tensors([a, b], "maximum")
    try:
        value = np.maximum(ta._data, tb._data)
    except ValueError:
        raise _broadcast_error("maximum", ta, tb) from None
    return _result(value, "maximum", (ta, tb))


def isnan(x: Any) -> np.ndarray:
    """Where x is nan (``np.isnan`` of a Tensor's values): a constant bool array."""
    return np.isnan(_value(x))


def isinf(x: Any) -> np.ndarray:
    """Where x is +-inf: a constant bool array."""
    return np.isinf(_value(x))


def isfinite(x: Any) -> np.ndarray:
    """Where x is neither nan nor +-inf: a constant bool array."""
    return np.isfinite(_value(x))


def isclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> np.ndarray:
    """Where |a - b| <= atol + rtol |b| (``np.isclose``): a constant bool array."""
    rtol, atol = _real(rtol, "rtol", "isclose"), _real(atol, "atol", "isclose")
    equal_nan = _flag(equal_nan, "equal_nan", "isclose")
    try:
        return np.isclose(_value(a), _value(b), rtol=rtol, atol=atol, equal_nan=equal_nan)
    except (TypeError, ValueError):
        raise TypeError(
            f"isclose: cannot compare {_describe(a)} and {_describe(b)} (both must be "
            "numbers or arrays of numbers of broadcastable shapes)"
        ) from None
