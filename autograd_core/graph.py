"""The graph machinery shared by the Scalar and Tensor engines.

A *node* is a value computed during the forward pass together with the record of how it was
computed: the op name, the parent nodes it was computed from, and any non-differentiable
parameters of the op (an axis, a constant exponent, an index). Nothing else is stored: no
closure, no back-reference, so a graph is freed by reference counting as soon as its output is
dropped and Python's cycle collector has nothing to do.

Each engine keeps a *rule table* mapping an op name to one function per input. Backpropagation
is then the same small loop for every engine:

1. sort the nodes under the output topologically (iteratively: graphs a million nodes deep are
   fine at Python's default recursion limit);
2. walk them from the output back to the inputs, and for each parent that requires a gradient
   add ``rule(upstream gradient, ...)`` into that parent's gradient with ``+``.

The engine decides what a rule returns (a local derivative that is multiplied by the upstream
gradient for Scalars, a vector-Jacobian product for Tensors) in its one chain-rule hook,
``_send_grads``; ``Node``'s docstring lists the whole protocol. A graph is walked through the
public, read-only ``parents``, ``op`` and ``params`` of its nodes.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

__all__ = ["Node", "toposort", "backprop", "grad", "no_grad", "enable_grad", "is_grad_enabled"]


_T = TypeVar("_T")

# The threads currently inside no_grad(). Almost always empty, so the check every op makes
# is the truth test of a global; a threading.local flag cost each Scalar op ~300 instructions
# of dictionary lookups.
_no_grad_threads: set[Any] = set()
# Also in that set while detect_anomaly() is on (autograd_core.anomaly), so that ops take
# their rare path and check their output, at no cost to the common path.
ANOMALY_MARKER = "detect_anomaly"


def is_grad_enabled() -> bool:
    """True unless inside a ``no_grad()`` block of the current thread."""
    return not _no_grad_threads or threading.get_ident() not in _no_grad_threads


class _GradMode:
    """What ``no_grad()`` and ``enable_grad()`` return: a context manager that may be kept
    and entered again, or nested in itself (each thread's previous states are stacked; a
    generator-based one fails on its second ``with`` with an AttributeError from contextlib),
    and a decorator (``@no_grad()``)."""

    __slots__ = ("_enabled", "_saved")

    def __init__(self, enabled: bool):
        self._enabled = enabled
        self._saved: dict[int, list[bool]] = {}

    def __enter__(self) -> None:
        thread = threading.get_ident()
        self._saved.setdefault(thread, []).append(thread not in _no_grad_threads)
        (_no_grad_threads.discard if self._enabled else _no_grad_threads.add)(thread)

    def __exit__(self, *exc_info: Any) -> None:
        thread = threading.get_ident()
        was_enabled = self._saved[thread].pop()
        (_no_grad_threads.discard if was_enabled else _no_grad_threads.add)(thread)

    def __call__(self, fn: Callable[..., _T]) -> Callable[..., _T]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> _T:
            with _GradMode(self._enabled):
                return fn(*args, **kwargs)

        return wrapper


def no_grad() -> AbstractContextManager[None]:
    """Context manager: ops inside it record no graph (their results are constants).

    Per thread, so one thread evaluating a model does not switch off recording in another.
    """
    return _GradMode(False)


def enable_grad() -> AbstractContextManager[None]:
    """Context manager: switch recording back on inside a ``no_grad()`` block."""
    return _GradMode(True)


class _ThreadState(threading.local):
    sweeping = False  # inside a backward sweep (a nested one would clobber the _acc slots)


_thread_state = _ThreadState()


class Node:
    """A value in a recorded computation; the base class of ``Scalar`` and ``Tensor``.

    The public, read-only graph (walk it with ``toposort``, ``viz`` draws it):

    ==================  =====================================================================
    ``data``            the value (a float for Scalar, an ndarray for Tensor), stored in the
                        ``_data`` slot that the engines use; the property hands out a
                        recorded result's value read-only and validates assignments
    ``grad``            the accumulated gradient of whatever ``backward()`` was called on
    ``requires_grad``   whether gradients flow to this node
    ``name``            an optional label, shown by ``repr``, ``viz.to_dot`` and ``viz.trace``
    ``parents``         the nodes this one was computed from (``()`` for a leaf or a constant)
    ``op``              the name of the op that produced it, a key of the engine's rule table
                        (``""`` for a leaf or a constant)
    ``params``          the op's non-differentiable parameters (an axis, an exponent, ...),
                        passed to its rules after the inputs
    ==================  =====================================================================

    The protocol between a node and the backprop driver is six hooks; everything else is
    shared:

    ==========================  ==================  =============================================
    hook                        called by           does
    ==========================  ==================  =============================================
    ``_push_parents(push, v)``  ``toposort``        push each parent that requires grad and is
                                                    not in ``v``
    ``_send_grads(cg, edge)``   the sweep           **the chain rule**: for each parent,
                                                    ``parent._acc += rule(self._acc, ...)``
    ``_seed(grad, cg)``         ``backward``,       d(self)/d(self): ``grad`` checked, or ones
                                ``grad``
    ``_zero_grad_like(cg)``     ``functional``      the gradient of an output that does not
                                                    depend on this node
    ``_apply_hooks(fs, g, cg)`` the sweep           only for a node with gradient hooks
                                                    (``Tensor.register_hook``): ``g`` as
                                                    the hooks ``fs`` leave it
    ``_accumulate_grads(ns)``   ``backward``        add a finished sweep's ``_acc`` into
                                                    ``.grad`` of the nodes ``ns``
    ==========================  ==================  =============================================

    (``cg`` is ``create_graph``: gradients are then recorded nodes themselves.) ``_acc`` holds
    d(root)/d(this node) summed so far while a sweep runs, None between sweeps. Keeping it on
    the node rather than in a dict keyed by node cut ``backward()`` on the micrograd demo by
    about a quarter; keeping it out of ``.grad`` lets ``.grad`` receive only finished
    gradients.
    """

    __slots__ = ("_data", "grad", "requires_grad", "name", "_op", "_params", "_acc")
    _data: Any
    grad: Any
    requires_grad: bool
    name: str | None
    _op: str
    _params: tuple[Any, ...]
    _acc: Any

    #: op name -> one derivative rule per input; each engine sets its own table.
    _rules: dict[str, Any] = {}
    #: a context manager entered around each backward sweep (Tensor: numpy's error state).
    _sweep_context: Callable[[], AbstractContextManager[Any]] = staticmethod(nullcontext)

    @property
    def parents(self) -> tuple[Node, ...]:
        """The nodes this one was computed from; ``()`` for a leaf or a constant."""
        raise NotImplementedError

    @property
    def op(self) -> str:
        """The op that produced this node (a key of the engine's rule table); ``""`` for a
        leaf or a constant."""
        return self._op

    @property
    def params(self) -> tuple[Any, ...]:
        """The op's non-differentiable parameters, as its rules receive them."""
        return self._params

    @property
    def is_leaf(self) -> bool:
        """True for nodes created by the user (or constants), False for op results."""
        return not self.parents

    def _push_parents(self, push: Callable[[Node], None], visited: set[Node]) -> None:
        for parent in self.parents:
            if parent.requires_grad and parent not in visited:
                push(parent)

    def _send_grads(self, create_graph: bool, on_edge: OnEdge | None) -> None:
        raise NotImplementedError

    def _seed(self, grad: Any, create_graph: bool) -> Any:
        raise NotImplementedError

    def _zero_grad_like(self, create_graph: bool) -> Any:
        raise NotImplementedError

    @classmethod
    def _accumulate_grads(cls, nodes: list[Node]) -> None:
        raise NotImplementedError

    def backward(self, grad: Any = None) -> None:
        """Backpropagate from this node: add d(self)/d(node) into ``node.grad`` for every
        node in the graph that requires a gradient.

        ``grad`` is the upstream gradient d(loss)/d(self), of this node's shape; it may be
        left out when this node holds one number (it is then 1).

        Gradients *accumulate* across calls, as in PyTorch and micrograd: call ``zero_grad()``
        on an optimizer (or set ``.grad`` yourself) between steps. Every call computes its own
        gradients from scratch before adding them, so calling backward twice on the same graph
        gives exactly twice the gradients, never a mix.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a value that does not require grad: it was computed from "
                "constants only, or inside no_grad()"
            )
        _sweep(self, self._seed(grad, False), False, None, type(self)._accumulate_grads)


def read_only_value(op: str) -> ValueError:
    """The error for writing the value of a recorded op result (either engine)."""
    return ValueError(
        f"the value of a recorded '{op}' result is read-only: backward() reads it to compute "
        "gradients, so changing it would make them wrong (change the inputs and recompute, "
        "work on a copy, or compute it under no_grad() if it needs no gradient)"
    )


#: ``on_edge(node, parent, contribution, total)``: told of every ``+=`` of a sweep.
OnEdge = Callable[[Node, Node, Any, Any], None]


def _deposit(node: Node, parent: Node, contribution: Any, on_edge: OnEdge | None) -> None:
    """``parent._acc += contribution`` (the first contribution is stored as it is)."""
    previous = parent._acc
    total = contribution if previous is None else previous + contribution
    parent._acc = total
    if on_edge is not None:
        on_edge(node, parent, contribution, total)


_EXPANDED = object()  # stack marker: the node below it has had all its parents pushed


def toposort(root: Node, include_constants: bool = False) -> list[Node]:
    """The nodes under ``root`` that require grad, each after all of its parents.

    Depth-first search with an explicit stack instead of recursion, so the depth of the
    graph is limited by memory, not by Python's recursion limit. A node is appended once the
    marker pushed above it is popped, i.e. after everything pushed above it (its parents and
    their ancestors) has been appended.

    With ``include_constants`` every node is listed, constants too (what a drawing shows),
    and parents are explored first to last, so unrelated branches appear in the order the
    expression was written.
    """
    if not isinstance(root, Node):
        raise TypeError(f"toposort: root must be a Scalar or a Tensor, got {type(root).__name__}")
    order: list[Node] = []
    visited: set[Node] = set()
    stack: list[Any] = [root]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node is _EXPANDED:
            order.append(pop())
            continue
        if node in visited:
            continue
        visited.add(node)
        push(node)
        push(_EXPANDED)
        if include_constants:
            for parent in reversed(node.parents):
                if parent not in visited:
                    push(parent)
        else:
            node._push_parents(push, visited)
    return order


# Gradient hooks (``Tensor.register_hook``): id(node) -> (a weak reference to the node, its
# hooks in registration order). The weak reference's callback drops the entry when the node
# dies, so a hook never keeps a graph alive, an id is never mistaken for a later node's, and
# a sweep with no live hook pays one truth test of this dict (the plain loop stays as it was).
_hooks: dict[int, tuple[Any, list[Callable[[Any], Any]]]] = {}


def _hooked_sweep(order: list[Node], create_graph: bool, on_edge: OnEdge | None) -> None:
    """The sweep loop when some node has hooks: a node's hooks see its gradient once it is
    complete (all its consumers have been visited), before it flows on to its parents."""
    hooks = _hooks
    for node in reversed(order):
        if node._acc is not None:
            entry = hooks.get(id(node))
            if entry is not None:
                node._acc = node._apply_hooks(  # type: ignore[attr-defined]
                    tuple(entry[1]), node._acc, create_graph
                )
            node._send_grads(create_graph, on_edge)


class _Linear:
    """``create_graph=LINEAR``: record the sweep as a function of the seed only, with every
    forward value a constant. The recorded gradients are then the linear map seed -> seed^T J
    and nothing else, which ``functional.jvp`` transposes (a full ``create_graph=True`` would
    also record, and a second sweep then walk, every dependence on the inputs)."""

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "LINEAR"


LINEAR: Any = _Linear()

_sweep_lock = threading.Lock()  # the _acc slots are shared: one sweep at a time


def _sweep(
    root: Node,
    seed: Any,
    create_graph: bool,
    on_edge: OnEdge | None,
    read: Callable[[list[Node]], _T],
) -> _T:
    """Reverse-mode sweep, then ``read(order)``: while ``read`` runs, every node of ``order``
    (the nodes under ``root`` that require grad) holds d(root)/d(node) in ``_acc`` (None if
    no path carries a gradient). The slots are cleared afterwards, even after an error.

    Each node's gradient is complete before it is used, because nodes are visited in reverse
    topological order; a node reached along several paths receives the sum (``+``) of the
    contributions.
    """
    if _thread_state.sweeping:
        raise RuntimeError("backward() or grad() inside a backward sweep is not supported")
    order = toposort(root)
    if _no_grad_threads and ANOMALY_MARKER in _no_grad_threads:
        from .anomaly import check_leaves

        check_leaves(order)
        on_edge = _with_anomaly_check(on_edge)
    with _sweep_lock, root._sweep_context():
        _thread_state.sweeping = True
        try:
            root._acc = seed
            if _hooks:
                _hooked_sweep(order, create_graph, on_edge)
            else:
                for node in reversed(order):
                    if node._acc is not None:
                        node._send_grads(create_graph, on_edge)
            return read(order)
        finally:
            for node in order:
                node._acc = None
            _thread_state.sweeping = False


def _with_anomaly_check(on_edge: OnEdge | None) -> OnEdge:
    """``on_edge`` that first checks each gradient contribution for nan and inf."""
    from .anomaly import check_gradient

    if on_edge is None:
        return check_gradient

    def both(node: Node, parent: Node, contribution: Any, total: Any) -> None:
        check_gradient(node, parent, contribution, total)
        on_edge(node, parent, contribution, total)

    return both


def backprop(
    root: Node,
    seed: Any,
    create_graph: bool = False,
    on_edge: OnEdge | None = None,
) -> dict[Node, Any]:
    """Reverse-mode sweep: a map node -> d(root)/d(node) for every node under ``root`` that
    requires grad, starting from d(root)/d(root) = ``seed``.

    With ``create_graph`` the gradients are nodes themselves (computed by recorded ops), so
    they can be differentiated again. ``on_edge(node, parent, contribution, total)``, if
    given, is told of every ``+=`` as it happens (``viz.trace`` records the staged-backprop
    table with it).
    """
    if not isinstance(root, Node):
        raise TypeError(f"backprop: root must be a Scalar or a Tensor, got {type(root).__name__}")
    seed = _grad_seed(root, seed, create_graph)  # numbers of root's shape, checked
    return _sweep(
        root, seed, create_graph, on_edge,
        lambda order: {node: node._acc for node in order if node._acc is not None},
    )


def grad(
    output: Node,
    inputs: Node | Sequence[Node],
    grad_outputs: Any = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> Any:
    """d(output)/d(input) for each input, without touching any ``.grad``.

    ``grad_outputs`` is the upstream gradient d(loss)/d(output), of the output's shape; it
    may be left out only when the output holds one number (it is then 1), so for a
    many-element output ``grad`` computes the vector-Jacobian product ``grad_outputs^T J``.
    Returns a list in the order of ``inputs`` (or a single gradient if a single node was
    passed). With ``create_graph=True`` the gradients are Scalars/Tensors carrying their own
    graph, so ``grad`` can be applied to them again for second and higher derivatives
    (Hessian-vector products, ...); ``grad_outputs`` may then be a Tensor requiring grad, and
    the result is differentiable with respect to it too.

    An input that does not require grad, or that the output does not depend on, is an error
    (usually a bug: a detached parameter, a forgotten input); with ``allow_unused=True`` its
    gradient is ``None`` instead.
    """
    for flag, value in (("create_graph", create_graph), ("allow_unused", allow_unused)):
        if value is not True and value is not False and value is not LINEAR:
            raise TypeError(f"grad(): {flag} must be True or False, got {value!r}")
    single = isinstance(inputs, Node)
    if not single and not isinstance(inputs, (list, tuple)) and not hasattr(inputs, "__next__"):
        raise TypeError(
            f"grad(): inputs must be a Scalar/Tensor or a list of them, got "
            f"{type(inputs).__name__}"
        )
    input_list: list[Node] = [inputs] if isinstance(inputs, Node) else list(inputs)
    for i, x in enumerate(input_list):
        if not isinstance(x, Node):
            raise TypeError(f"grad(): inputs[{i}] is {type(x).__name__}, not a Scalar or Tensor")
    if not isinstance(output, Node):
        raise TypeError(f"grad(): output is {type(output).__name__}, not a Scalar or Tensor")
    if not output.requires_grad:
        raise RuntimeError("grad(): the output does not require grad (no input reaches it)")
    if not allow_unused:
        for i, x in enumerate(input_list):
            if not x.requires_grad:
                raise ValueError(
                    f"grad(): inputs[{i}] does not require grad, so no gradient flows to it; "
                    "pass allow_unused=True to get None for it"
                )
    if isinstance(grad_outputs, bool):  # grad(out, x, True) from before grad_outputs existed
        raise TypeError(
            "grad(): grad_outputs is a bool; create_graph is the fourth argument, pass it by "
            "keyword: grad(output, inputs, create_graph=True)"
        )
    seed = _grad_seed(output, grad_outputs, create_graph)

    def read(_: list[Node]) -> list[Any]:
        return [x._acc for x in input_list]  # None: no path (slots are None between sweeps)

    with enable_grad() if create_graph else nullcontext():
        results = _sweep(output, seed, create_graph, None, read)
    if not allow_unused:
        for i, g in enumerate(results):
            if g is None:
                raise ValueError(
                    f"grad(): the output does not depend on inputs[{i}] (no path of ops "
                    "leads from it to the output); pass allow_unused=True to get None for it"
                )
    return results[0] if single else results


def _grad_seed(output: Node, grad_outputs: Any, create_graph: bool) -> Any:
    """d(output)/d(output) for ``grad``: ``grad_outputs`` checked (a recorded Tensor stays
    recorded under create_graph), or 1 for a one-element output."""
    shape = getattr(output._data, "shape", ())
    if grad_outputs is None:
        if getattr(output._data, "size", 1) != 1:
            raise ValueError(
                f"grad(): the output has shape {shape}, not one element; pass "
                f"grad_outputs (the upstream gradient, of shape {shape}) or reduce the "
                "output first (e.g. .sum())"
            )
        return output._seed(None, create_graph)
    if isinstance(grad_outputs, Node):
        if create_graph and grad_outputs.requires_grad:
            g_shape = getattr(grad_outputs._data, "shape", ())
            if g_shape != shape:
                raise ValueError(
                    f"grad(): grad_outputs has shape {g_shape} but the output has shape "
                    f"{shape}; they must be equal"
                )
            return grad_outputs
        grad_outputs = grad_outputs._data
    return output._seed(grad_outputs, create_graph)
