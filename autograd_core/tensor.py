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
import weakref
from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from . import calculus
from .calculus import RULES, UNARY, kept_shape, unbroadcast
from .graph import LINEAR, Node, OnEdge, _deposit, _no_grad_threads, is_grad_enabled
from .graph import _hooks as _graph_hooks

__all__ = ["Tensor", "RULES", "concat", "stack", "where", "maximum"]


# --- node construction (the hot path: no validation here) ------------------------------------

_new = object.__new__


def _result(value: Any, op: str, parents: tuple, params: tuple = ()) -> Tensor:
    """The node for ``op(parents)``; it records its parents only if a gradient can flow."""
    out = _new(Tensor)
    if type(value) is not np.ndarray:  # numpy returns scalars for 0-d results
        value = np.asarray(value)
    out.data = value
    out.grad = None
    out._op = op
    out._params = params
    out._acc = None
    out.name = None
    if not _no_grad_threads or is_grad_enabled():
        for p in parents:
            if p.requires_grad:
                out.requires_grad = True
                out._parents = parents
                return out
    out.requires_grad = False
    out._parents = ()
    return out


def _init_leaf(node: Tensor, value: np.ndarray, requires_grad: bool, name: str | None) -> Tensor:
    """Every slot of a leaf or a constant; the one place they are built (results: _result)."""
    node.data = value
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
    return _result(UNARY[op][0](x.data), op, (x,))


def _as_float_array(data: Any, what: str) -> np.ndarray:
    """data as a float ndarray: ints become float64, floats keep their precision."""
    if isinstance(data, Node):
        raise TypeError(
            f"{what}: got a {type(data).__name__}; Scalars and Tensors cannot be mixed "
            "(use Tensor(s.data) to make a Tensor of a Scalar's value)"
        )
    arr = np.asarray(data)
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    if kind in "iu":
        return arr.astype(np.float64)
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
        return _const(np.asarray(x, dtype=like.data.dtype))
    if isinstance(x, Node):
        raise TypeError(
            f"cannot combine a Tensor and a {type(x).__name__} in one operation; Scalars and "
            "Tensors are separate engines (use Tensor(s.data) for a Scalar's value)"
        )
    if isinstance(x, (Integral, np.integer, np.floating)) and not isinstance(x, np.bool_):
        # numpy scalars count as numbers too: np.sqrt(2) * x keeps a float32 x in float32
        return _const(np.asarray(x, dtype=like.data.dtype))
    arr = np.asarray(x)
    if arr.dtype.kind in "iu":
        return _const(arr.astype(like.data.dtype))
    return _const(_as_float_array(arr, "Tensor operand"))


def _broadcast_error(op: str, a: Tensor, b: Tensor) -> ValueError:
    return ValueError(
        f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together "
        "(numpy broadcasting: trailing dimensions must be equal or 1)"
    )


def _elementwise(op: str, fn: Callable[[Any, Any], Any], a: Tensor, b: Tensor) -> Tensor:
    """``fn(a, b)`` on the arrays as a recorded node; a shape error names both shapes."""
    try:
        value = fn(a.data, b.data)
    except ValueError:
        raise _broadcast_error(op, a, b) from None
    return _result(value, op, (a, b))


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


def _normalize_axes(axis: Any, ndim: int, op: str) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:  # fast path
        return (axis % ndim,)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for ax in axes:
        if not -ndim <= ax < ndim:
            raise ValueError(f"{op}: axis {ax} is out of range for a {ndim}-D tensor")
        out.append(int(ax) % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return tuple(out)


def _first_entry(x: np.ndarray, bad: np.ndarray) -> str:
    """'got V at index I' for the first entry where ``bad`` holds (for domain errors)."""
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return f"got {float(x[index])!r} at index {index}"


def _value(x: Any) -> Any:
    """The array behind a Tensor; anything else as it is."""
    return x.data if isinstance(x, Tensor) else x


def _index_key(index: Any) -> tuple[Any, bool]:
    """(index with Tensors replaced by their arrays, whether it can repeat positions)."""
    items = index if isinstance(index, tuple) else (index,)
    clean = []
    repeats = False
    for it in items:
        if isinstance(it, Tensor):
            it = it.data
        if isinstance(it, (list, np.ndarray)):
            it = np.asarray(it)
            if it.dtype.kind in "iu":
                repeats = True
            elif it.dtype.kind == "f" and it.size == 0:
                it = it.astype(np.intp)
            elif it.dtype.kind != "b":
                raise IndexError(f"index arrays must be integers or booleans, got {it.dtype}")
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
    __slots__ = ("_parents", "__weakref__")
    _rules = RULES
    # ndarray (op) Tensor must reach Tensor's reflected operator, not numpy's ufunc machinery.
    __array_ufunc__ = None

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ):
        if isinstance(data, Tensor):
            data = data.data
        if dtype is not None:
            dt = np.dtype(dtype)
            if dt.kind != "f":
                raise TypeError(f"Tensor(): dtype {dt} is not supported; use a float dtype")
            arr = _as_float_array(data, "Tensor()")
            data = arr if arr.dtype == dt else arr.astype(dt)
        else:
            data = _as_float_array(data, "Tensor()")
        _init_leaf(self, data, bool(requires_grad), name)

    # --- attributes ----------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d Tensor")
        return len(self.data)

    def __bool__(self) -> bool:
        """Truth of a one-element Tensor (as numpy: ambiguous, a ValueError, otherwise)."""
        return bool(self.data)

    # Comparisons give constant boolean arrays (masks), never graph nodes. ``==`` is left as
    # identity: nodes are set members in toposort and dictionary keys in backprop()'s result.
    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _value(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _value(other)

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _value(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _value(other)

    def astype(self, dtype: Any) -> Tensor:
        """The values in another float dtype; the gradient is cast back (dx = g.astype)."""
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise TypeError(f"astype: dtype {dt} is not supported; use a float dtype")
        if dt == self.data.dtype:
            return self
        return _result(self.data.astype(dt), "astype", (self,))

    def item(self) -> float:
        """The value of a one-element Tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item(): the Tensor has shape {self.shape}, not one element")
        return float(self.data.reshape(()))

    def numpy(self) -> np.ndarray:
        """The value as an ndarray (shares memory with ``.data``)."""
        return self.data

    def detach(self) -> Tensor:
        """A Tensor with the same data (shared) that records no graph and needs no grad."""
        return _const(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = f", dtype={self.data.dtype}" if self.data.dtype != np.float64 else ""
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
                args = (_const(self.data), *[_const(p.data) for p in parents], *self._params)
            else:
                args = (self, *parents, *self._params)
        else:
            if isinstance(upstream, Tensor):
                upstream = upstream.data
            args = (self.data, *[p.data for p in parents], *self._params)
        for i, p in enumerate(parents):
            if not p.requires_grad:
                continue
            g = rules[i](upstream, *args)
            pdata = p.data
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
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a one-element output, but this "
                    f"Tensor has shape {self.shape}; reduce it (e.g. .sum()) or pass "
                    f"backward(grad) with the upstream gradient of shape {self.shape}"
                )
            seed = np.ones(self.data.shape, dtype=self.data.dtype)
        else:
            seed = np.array(_value(grad), dtype=self.data.dtype)
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward(grad): grad has shape {seed.shape} but the output has shape "
                    f"{self.shape}; they must be equal"
                )
        return _const(seed) if create_graph else seed

    def _zero_grad_like(self, create_graph: bool) -> Any:
        zeros = np.zeros(self.data.shape, dtype=self.data.dtype)
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
                g = g.data
            if node.grad is not None:
                node.grad = node.grad + g  # a new array: never writes into one the user holds
                continue
            if type(g) is not np.ndarray or g.dtype != node.data.dtype:
                g = np.array(g, dtype=node.data.dtype)
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
            entry = (weakref.ref(self, lambda _, key=key: _graph_hooks.pop(key, None)), [])
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
            shape = np.shape(_value(replaced))
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
    # division by zero follows numpy: inf or nan
    __truediv__, __rtruediv__ = _operators("div", operator.truediv)

    def __neg__(self) -> Tensor:
        return _unary("neg", self)

    def __pos__(self) -> Tensor:
        return self

    def __pow__(self, exponent: Any) -> Tensor:
        """``x ** n`` for a number n (VJP g n x^(n-1)) or ``a ** b`` elementwise for a Tensor
        or array b (VJPs g b a^(b-1) and g a^b ln a). A negative base with a non-integer
        exponent is a ValueError, 0 to a negative power a ZeroDivisionError."""
        if isinstance(exponent, (Real, np.integer, np.floating)) and not isinstance(
            exponent, (bool, np.bool_)
        ):
            n = float(exponent)
            x = self.data
            if not n.is_integer() and (x < 0).any():
                raise ValueError(
                    f"pow: a negative base to the power {n!r} has no real value, "
                    f"{_first_entry(x, x < 0)}"
                )
            if n < 0 and (x == 0).any():
                raise ZeroDivisionError(
                    f"pow: 0.0 ** {n!r} is undefined (division by zero), "
                    f"{_first_entry(x, x == 0)}"
                )
            return _result(x**n, "pow", (self,), (n,))
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

    def __getitem__(self, index: Any) -> Tensor:
        """x[index] for ints, slices, None, ..., boolean masks and integer arrays; an integer
        array may repeat positions, and the gradients of repeats add up (np.add.at)."""
        key, repeats = _index_key(index)
        try:
            value = self.data[key]
        except IndexError as e:
            raise IndexError(f"index {index!r} for a Tensor of shape {self.shape}: {e}") from None
        return _result(value, "getitem", (self,), (key, repeats))

    # --- elementwise functions -----------------------------------------------------------
    def exp(self) -> Tensor:
        """e^x (overflows to inf above x = 709.78 in float64, with numpy's warning)."""
        return _unary("exp", self)

    def log(self) -> Tensor:
        """ln(x), defined for x > 0 (ValueError naming the op otherwise)."""
        x = self.data
        if x.size and x.min() <= 0:
            raise ValueError(f"log: defined only for x > 0, {_first_entry(x, x <= 0)}")
        return _unary("log", self)

    def sqrt(self) -> Tensor:
        """sqrt(x), defined for x >= 0 (ValueError naming the op otherwise)."""
        x = self.data
        if x.size and x.min() < 0:
            raise ValueError(f"sqrt: defined only for x >= 0, {_first_entry(x, x < 0)}")
        return _unary("sqrt", self)

    def reciprocal(self) -> Tensor:
        """1/x (ZeroDivisionError if any entry is 0)."""
        x = self.data
        if (x == 0).any():
            raise ZeroDivisionError(
                f"reciprocal: 1/x is undefined at x = 0, {_first_entry(x, x == 0)}"
            )
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
        x = self.data
        mask = np.ones(x.shape, dtype=bool)
        if lo is not None:
            mask &= x >= lo
        if hi is not None:
            mask &= x <= hi
        return _result(np.clip(x, lo, hi), "clip", (self,), (mask,))

    # --- reductions ----------------------------------------------------------------------
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """sum of the entries over ``axis`` (all by default); dx = g broadcast back."""
        axes = _normalize_axes(axis, self.data.ndim, "sum")
        value = self.data.sum(axis=axes, keepdims=keepdims)
        return _result(value, "sum", (self,), (kept_shape(self.data.shape, axes),))

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """mean over ``axis`` (all by default): sum / n; dx = g / n broadcast back."""
        axes = _normalize_axes(axis, self.data.ndim, "mean")
        shape = self.data.shape
        n = int(np.prod([shape[a] for a in axes])) if axes else 1
        value = self.data.sum(axis=axes, keepdims=keepdims) * (1.0 / n)
        return _result(value, "mean", (self,), (kept_shape(shape, axes), n))

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """max over ``axis`` (all by default).

        The gradient goes to the maximal entries; when k entries of a slice tie for the max,
        each gets 1/k of it (the gradient is split evenly among ties, as in PyTorch's
        ``amax``), so the total is conserved."""
        axes = _normalize_axes(axis, self.data.ndim, "max")
        value = self.data.max(axis=axes, keepdims=keepdims)
        return _result(value, "max", (self,), (axes, kept_shape(self.data.shape, axes)))

    def logsumexp(
        self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False
    ) -> Tensor:
        """log(sum(e^x)) over ``axis``, as m + log(sum(e^(x - m))) with m the max: never
        overflows (logsumexp([1e4, 1e4]) = 1e4 + log 2). Gradient: softmax(x)."""
        x = self.data
        axes = _normalize_axes(axis, x.ndim, "logsumexp")
        value = calculus.logsumexp(x, axes, keepdims)
        return _result(value, "logsumexp", (self,), (kept_shape(x.shape, axes),))

    def softmax(self, axis: int = -1) -> Tensor:
        """e^x / sum(e^x) along ``axis``, with the max subtracted first (stable at any |x|).

        One fused rule, out (g - sum(g out)): as fast as it gets and no e^x is ever formed."""
        x = self.data
        (ax,) = _normalize_axes(axis, x.ndim, "softmax")
        return _result(calculus.softmax(x, ax), "softmax", (self,), (ax,))

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x - logsumexp(x) along ``axis``, computed with the max shift: exact at |x| = 1e4
        (log_softmax([0, -1e4]) = [0, -1e4]). One fused rule, g - e^out sum(g)."""
        x = self.data
        (ax,) = _normalize_axes(axis, x.ndim, "log_softmax")
        return _result(calculus.log_softmax(x, ax), "log_softmax", (self,), (ax,))

    def cross_entropy(self, target: Any, axis: int = -1) -> Tensor:
        """-sum(target * log_softmax(self, axis)): the cross-entropy of the target
        distribution(s) against softmax(self), summed over every entry.

        ``target`` is a constant array of this tensor's shape: one-hot rows scaled by 1/n give
        the mean loss over n rows (what ``nn.functional.cross_entropy`` passes), soft or
        smoothed labels work as they are. One fused rule, g (softmax(x) sum(target) - target):
        the loss of every classifier as a single node instead of three, computed with the max
        shift so it is exact at any |x|."""
        x = self.data
        (ax,) = _normalize_axes(axis, x.ndim, "cross_entropy")
        t = _value(target)
        t = np.asarray(t, dtype=x.dtype)
        if t.shape != x.shape:
            raise ValueError(
                f"cross_entropy: target has shape {t.shape}, logits have shape {x.shape}; "
                "they must match"
            )
        value, probs = calculus.cross_entropy(x, t, ax)
        return _result(value, "cross_entropy", (self,), (t, ax, probs))

    # --- shapes --------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        """The same entries in a new shape (``reshape(2, 3)`` or ``reshape((2, 3))``)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            value = self.data.reshape(shape)
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
        nd = self.data.ndim
        perm = tuple(range(nd))[::-1] if not axes else tuple(int(a) % nd for a in axes)
        if sorted(perm) != list(range(nd)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of {nd} axes")
        inverse = tuple(int(i) for i in np.argsort(perm))
        return _result(self.data.transpose(perm), "transpose", (self,), (inverse,))

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


def _power(a: Tensor, b: Tensor) -> Tensor:
    """a ** b elementwise, with errors that say why there is no real value."""
    ad, bd = a.data, b.data
    try:
        shape = np.broadcast_shapes(ad.shape, bd.shape)
    except ValueError:
        raise _broadcast_error("pow", a, b) from None
    if (ad < 0).any() or ((ad == 0).any() and (bd < 0).any()):
        abad, bbad = np.broadcast_to(ad, shape), np.broadcast_to(bd, shape)
        bad = (abad < 0) & (bbad % 1 != 0)
        if bad.any():
            raise ValueError(
                "pow: a negative base to a non-integer power has no real value, "
                f"base {_first_entry(abad, bad)}"
            )
        bad = (abad == 0) & (bbad < 0)
        if bad.any():
            raise ZeroDivisionError(
                "pow: 0.0 to a negative power is undefined (division by zero), "
                f"exponent {_first_entry(bbad, bad)}"
            )
    return _result(ad**bd, "power", (a, b))


def _matmul(a: Tensor, b: Tensor) -> Tensor:
    """a @ b with numpy's semantics (1-D operands are promoted and the axis removed again,
    batch dimensions broadcast)."""
    try:
        value = np.matmul(a.data, b.data)
    except ValueError:
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul: operands must be at least 1-D, got shapes {a.shape} and {b.shape}"
            ) from None
        k_a = a.shape[-1]
        k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if k_a != k_b:
            raise ValueError(
                f"matmul: inner dimensions differ: {a.shape} @ {b.shape} "
                f"({k_a} != {k_b})"
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
    (ax,) = _normalize_axes(axis, nd, "concat")
    try:
        value = np.concatenate([t.data for t in ts], axis=ax)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(
            f"concat: shapes {shapes} must agree except along axis {axis}"
        ) from None
    bounds, start = [], 0
    for t in ts:
        bounds.append((start, start + t.shape[ax]))
        start += t.shape[ax]
    return _result(value, "concat", tuple(ts), (ax, tuple(bounds)))


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shape tensors along a new ``axis``; input i's gradient is g[..., i, ...]."""
    ts = _tensors(tensors, "stack")
    (ax,) = _normalize_axes(axis, ts[0].ndim + 1, "stack")
    try:
        value = np.stack([t.data for t in ts], axis=ax)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(f"stack: all shapes must be equal, got {shapes}") from None
    return _result(value, "stack", tuple(ts), (ax,))


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a if cond else b`` (broadcasting); cond is a constant boolean array.
    Gradients: g where cond to a, g where not cond to b."""
    c = np.asarray(cond.data if isinstance(cond, Tensor) else cond)
    if c.dtype != bool:
        c = c != 0
    ta, tb = _tensors([a, b], "where")
    try:
        value = np.where(c, ta.data, tb.data)
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
        value = np.maximum(ta.data, tb.data)
    except ValueError:
        raise _broadcast_error("maximum", ta, tb) from None
    return _result(value, "maximum", (ta, tb))
