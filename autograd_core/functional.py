"""Function transforms: ``grad``, ``value_and_grad``, ``vjp``, ``jvp``, ``jacobian``,
``hessian``, ``hvp``, as in HIPS autograd, JAX and ``torch.func``.

Import as ``from autograd_core import functional as AF``. Each transform takes a Python
function of Tensors (or Scalars for ``grad``/``value_and_grad``) and returns a function, or
evaluates one. Arguments may be numbers, arrays or Tensors; they are wrapped as fresh leaves.

* Called on plain values (numbers, arrays, constant Tensors), a transform returns plain values:
  a float for a number, an ndarray for an array, a constant Tensor for a Tensor.
* Called inside another transform (or on Tensors that require grad), it records its
  derivative with ``create_graph=True`` and returns Tensors that carry the graph, so
  transforms compose: ``grad(grad(f))`` is f'', ``jacobian(grad(f))`` the Hessian.

Each differentiated argument is first passed through a fresh identity node, so an inner
transform differentiates with respect to its own argument only, never through a variable of
an outer transform that the function also closes over (no "perturbation confusion").

Costs are stated in forward passes (one evaluation of f) and backward passes (one sweep,
about the cost of a forward pass; a *recorded* backward, under create_graph, records the
sweep's ops and costs about two).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from numbers import Real
from typing import Any, cast

import numpy as np

from . import graph
from .graph import Node
from .scalar import Scalar
from .tensor import Tensor, _as_float_array, _flag, stack

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "hvp"]


class _Depth(threading.local):
    value = 0  # how many transforms are evaluating their function in this thread


_depth = _Depth()


@contextmanager
def _tracing() -> Iterator[None]:
    """While a transform runs its function (and its sweeps): an inner transform then records
    its derivatives, so that this one can differentiate them."""
    _depth.value += 1
    try:
        with graph.enable_grad():
            yield
    finally:
        _depth.value -= 1


# --- arguments in, results out ---------------------------------------------------------------

# How a plain result is handed back, by the kind of argument it belongs to.
_FLOAT, _ARRAY, _TENSOR, _SCALAR, _NODE = "float", "array", "tensor", "scalar", "node"


def _prime_args(
    args: Sequence[Any], nums: Sequence[int], what: str, scalars: bool
) -> tuple[list[Any], dict[int, str], bool]:
    """The arguments with those at ``nums`` primed (see ``_prime``), their kinds, and whether
    the call is nested inside another transform."""
    primed = list(args)
    kinds = {}
    for i in nums:
        primed[i], kinds[i] = _prime(args[i], f"{what}: argument {i}", scalars=scalars)
    return primed, kinds, _nested(kinds.values(), args)


def _prime(x: Any, what: str, scalars: bool) -> tuple[Any, str]:
    """The leaf a transform differentiates with respect to, and the kind of ``x``."""
    if isinstance(x, Node):
        if isinstance(x, Scalar) and not scalars:
            raise TypeError(
                f"{what} is a Scalar; this transform works on Tensors (use grad or "
                "value_and_grad for functions of Scalars)"
            )
        if x.requires_grad:
            # a fresh node: d/d(this argument) only, not through x's other uses
            if isinstance(x, Scalar):
                return x + 0.0, _NODE
            t = cast(Tensor, x)
            return t.reshape(t.shape), _NODE
        if isinstance(x, Scalar):
            return Scalar(x._data), _SCALAR
        return Tensor(x._data, requires_grad=True), _TENSOR
    if isinstance(x, (Real, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_)):
        return Tensor(np.float64(x), requires_grad=True), _FLOAT
    try:
        return Tensor(x, requires_grad=True), _ARRAY
    except TypeError as exc:
        raise TypeError(f"{what}: {exc}") from None


def _nested(kinds: Any, args: Sequence[Any] = ()) -> bool:
    """Whether to record derivatives: inside another transform, or on recorded inputs."""
    return (
        _depth.value > 0
        or _NODE in kinds
        or any(isinstance(a, Node) and a.requires_grad for a in args)
    )


def _out(value: Any, kind: str, nested: bool) -> Any:
    """A derivative handed back: the recorded node if nested, else a plain value."""
    if nested:
        return value
    data = value._data if isinstance(value, Node) else value
    if kind in (_FLOAT, _SCALAR):
        return float(np.asarray(data).reshape(()))
    if kind == _TENSOR:
        return Tensor(data)
    return np.asarray(data)


def _plain(value: Any, nested: bool) -> Any:
    """f's value handed back: the node if nested, else its data (a float if 0-d)."""
    if nested or not isinstance(value, Node):
        return value
    data = value._data
    return float(data) if np.ndim(data) == 0 else data


def _argnums(argnums: Any, n_args: int, what: str) -> tuple[tuple[int, ...], bool]:
    """Normalized argnums (negative ones count from the end) and whether one was given."""
    single = not isinstance(argnums, (tuple, list))
    nums = (argnums,) if single else tuple(argnums)
    out = []
    for a in nums:
        if not isinstance(a, (int, np.integer)) or isinstance(a, (bool, np.bool_)):
            raise TypeError(f"{what}: argnums must be an int or a tuple of ints, got {argnums!r}")
        if not -n_args <= a < n_args:
            raise ValueError(
                f"{what}: argnums={argnums!r} is out of range for a call with {n_args} "
                f"positional argument{'s' if n_args != 1 else ''}"
            )
        out.append(int(a) % n_args)
    if not out:
        raise ValueError(f"{what}: argnums is empty")
    return tuple(out), single


def _function(f: Any, what: str) -> None:
    """The function a transform differentiates must be callable (checked when the transform
    is made, not when its result is first called)."""
    if not callable(f):
        raise TypeError(
            f"{what}: f must be a function (a callable), got {type(f).__name__} {f!r:.40}; "
            f"pass the function itself: {what}(f), not {what}(f(x))"
        )


def _direction(v: Any, like: Tensor, what: str) -> Any:
    """A tangent or cotangent: a Tensor as it is, else a float array in ``like``'s dtype,
    with a clear error for non-numbers (None, strings, complex) and Scalars."""
    if isinstance(v, Tensor):
        return v
    if isinstance(v, Node):
        raise TypeError(f"{what} is a {type(v).__name__}; this transform works on Tensors")
    return _as_float_array(v, what).astype(like._data.dtype, copy=False)


def _differentiable(out: Any, what: str) -> Any:
    """f's output, checked: a Tensor/Scalar, or a float constant (whose derivative is 0)."""
    if isinstance(out, Node):
        return out
    if isinstance(out, (Real, np.integer, np.floating)) and not isinstance(out, (bool, np.bool_)):
        return Tensor(np.float64(out))
    if isinstance(out, np.ndarray) and out.dtype.kind == "f":
        return Tensor(out)
    kind = f"an array of dtype {out.dtype}" if isinstance(out, np.ndarray) else type(out).__name__
    raise TypeError(
        f"{what}: f returned {kind}, which is not differentiable; f must return a Tensor "
        "(or a Scalar, or a float number/array)"
    )


def _call(f: Callable[..., Any], args: list[Any], kwargs: dict[str, Any], has_aux: bool,
          what: str) -> tuple[Any, Any]:
    with _tracing():
        result = f(*args, **kwargs)
    if has_aux:
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError(f"{what}: with has_aux=True, f must return a pair (output, aux)")
        return _differentiable(result[0], what), result[1]
    return _differentiable(result, what), None


def _vjp(out: Node, xs: Sequence[Node], cotangent: Any, create_graph: Any) -> list[Any]:
    """u^T d out/d x for each x; zeros (not None) where out does not depend on x."""
    if out.requires_grad:
        gs = graph.grad(out, list(xs), cotangent, create_graph, allow_unused=True)
    else:
        gs = [None] * len(xs)
    return [x._zero_grad_like(create_graph) if g is None else g for g, x in zip(gs, xs)]


def _one_number(out: Node, what: str) -> None:
    shape = np.shape(out._data)
    if np.size(out._data) != 1:
        raise ValueError(
            f"{what}: f must return one number, but it returned shape {shape}; use "
            "AF.vjp (for u^T J) or AF.jacobian (for the whole J) instead"
        )


# --- the transforms --------------------------------------------------------------------------


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """``f`` -> a function returning ``(f(*args), d f/d args[argnums])`` from one forward pass
    and one backward pass (a recorded one when nested).

    ``f`` must return one number (a one-element Tensor, a Scalar). The gradient has the shape
    of its argument; with a tuple ``argnums`` it is a tuple of gradients. With ``has_aux``,
    ``f`` returns ``(value, aux)`` and the result is ``((value, aux), grads)``. Keyword
    arguments are passed to f and not differentiated.
    """
    what = "value_and_grad"
    _function(f, what)
    has_aux = _flag(has_aux, "has_aux", what)

    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        nums, single = _argnums(argnums, len(args), what)
        primed, kinds, nested = _prime_args(args, nums, what, scalars=True)
        out, aux = _call(f, primed, kwargs, has_aux, what)
        _one_number(out, what)
        gs = _vjp(out, [primed[i] for i in nums], None, nested)
        grads = tuple(_out(g, kinds[i], nested) for g, i in zip(gs, nums))
        value = out if nested else float(np.asarray(out._data).reshape(()))
        result = grads[0] if single else grads
        return ((value, aux), result) if has_aux else (value, result)

    return value_and_grad_f


def grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """``f`` -> ``x -> d f/d args[argnums]``: one forward pass and one backward pass (a
    recorded one when nested, so that ``grad(grad(f))`` is f'').

    ``f`` must return one number; otherwise a ValueError says to use ``vjp`` or
    ``jacobian``. The gradient has its argument's shape (a float for a number); a tuple
    ``argnums`` gives a tuple of gradients; ``has_aux`` gives ``(grads, aux)``.
    """
    vg = value_and_grad(f, argnums, has_aux)

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        if has_aux:
            (_, aux), grads = vg(*args, **kwargs)
            return grads, aux
        return vg(*args, **kwargs)[1]

    grad_f.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return grad_f


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """``(f(*primals), vjp_fn)``: one forward pass now; ``vjp_fn(u)`` returns the tuple
    ``u^T d f/d primals[i]`` (one gradient per primal), one backward pass per call, on the
    one recorded graph (call it as often as you like). ``u`` has the shape of f's output.
    """
    what = "vjp"
    _function(f, what)
    if not primals:
        raise TypeError("vjp: give at least one primal: vjp(f, x, ...)")
    xs, kinds = zip(*(_prime(p, f"vjp: primals[{i}]", False) for i, p in enumerate(primals)))
    nested = _nested(kinds)
    out, _ = _call(f, list(xs), {}, False, what)
    shape = np.shape(out._data)

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        u = cotangent if isinstance(cotangent, Node) else Tensor(
            _as_float_array(cotangent, "vjp_fn: the cotangent")
        )
        if np.shape(u._data) != shape:
            raise ValueError(
                f"vjp_fn: the cotangent has shape {np.shape(u._data)} but f's output has "
                f"shape {shape}; they must be equal"
            )
        recorded = nested or u.requires_grad or _depth.value > 0
        gs = _vjp(out, xs, u, recorded)
        return tuple(_out(g, k, recorded) for g, k in zip(gs, kinds))

    return _plain(out, nested), vjp_fn


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """``(f(*primals), J . tangents)``: the directional derivative sum_i J_i t_i, without
    forming J.

    Built as the transpose of a VJP: ``g(u) = u^T J`` is recorded for a dummy cotangent u
    (``g`` is linear in u), and ``J t`` is the gradient of ``g(u) . t`` with respect to u.
    Cost: one forward pass, one recorded backward pass and one backward pass through it,
    about 2-3x one forward+backward (measured in benchmarks/bench_transforms.py).
    """
    _function(f, "jvp")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples (or lists), one entry per "
                        "argument of f")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    xs, kinds = zip(*(_prime(p, f"jvp: primals[{i}]", False) for i, p in enumerate(primals)))
    ts = []
    for i, (x, t) in enumerate(zip(xs, tangents)):
        t = _direction(t, x, f"jvp: tangents[{i}]")
        if np.shape(t._data if isinstance(t, Tensor) else t) != x.shape:
            raise ValueError(
                f"jvp: tangents[{i}] has shape {np.shape(t._data if isinstance(t, Tensor) else t)}"
                f" but primals[{i}] has shape {x.shape}; they must be equal"
            )
        ts.append(t)
    nested = _nested(kinds, ts)
    out, _ = _call(f, list(xs), {}, False, "jvp")
    u = Tensor(np.zeros_like(out._data), requires_grad=True)
    # u^T J_i, recorded; outside other transforms only its dependence on u is needed
    gs = _vjp(out, xs, u, True if nested else graph.LINEAR)
    live = [(g, t) for g, t in zip(gs, ts) if g.requires_grad]
    if not live:
        tangent_out = u._zero_grad_like(nested)
    elif len(live) == 1:  # J t = d(g . t)/du, with t as the seed of the sweep
        (tangent_out,) = _vjp(live[0][0], [u], live[0][1], nested)
    else:
        with _tracing():
            total = sum((g * t).sum() for g, t in live)
        (tangent_out,) = _vjp(total, [u], None, nested)
    kind = _FLOAT if out._data.ndim == 0 and set(kinds) == {_FLOAT} else _ARRAY
    return _plain(out, nested), _out(tangent_out, kind, nested)


def jacobian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """``f`` -> ``x -> J``, the Jacobian d f/d args[argnums] of shape ``out.shape + in.shape``
    (JAX's convention; a tuple of them for a tuple ``argnums``).

    Cost: one forward pass, then one backward pass per output entry, every one of them on
    the same recorded graph (one sweep per row of J; a user's loop of ``grad`` calls would
    also repeat the forward pass for each row). When the inputs have fewer entries than
    the output, J is built by columns instead: the map u -> u^T J is recorded once (one
    recorded backward pass) and transposed with one sweep per input entry, as ``jvp`` does.
    """
    what = "jacobian"
    _function(f, what)

    def jacobian_f(*args: Any, **kwargs: Any) -> Any:
        nums, single = _argnums(argnums, len(args), what)
        primed, kinds, nested = _prime_args(args, nums, what, scalars=False)
        out, _ = _call(f, primed, kwargs, False, what)
        if isinstance(out, Scalar):
            raise TypeError(f"{what}: f returned a Scalar; it works on functions of Tensors")
        xs = [primed[i] for i in nums]
        by_columns = sum(x._data.size for x in xs) + 2 < out._data.size and out.requires_grad
        jacs = (_columns if by_columns else _rows)(out, xs, nested)
        result = tuple(_out(j, kinds[i], nested) for j, i in zip(jacs, nums))
        return result[0] if single else result

    return jacobian_f


def _rows(out: Tensor, xs: list[Tensor], nested: bool) -> list[Any]:
    """d out/d x for each x, shape ``out.shape + x.shape``: one sweep per entry of out."""
    m = out._data.size
    if not out.requires_grad or m == 0:
        zeros = [np.zeros(out.shape + x.shape, dtype=x._data.dtype) for x in xs]
        return [Tensor(z) for z in zeros] if nested else zeros
    seed = np.zeros(m, dtype=out._data.dtype)
    rows: list[list[Any]] = [[] for _ in xs]
    for k in range(m):
        seed[k] = 1.0
        for row, g in zip(rows, _vjp(out, xs, seed.reshape(out.shape).copy(), nested)):
            row.append(g)
        seed[k] = 0.0
    if nested:
        with _tracing():
            return [stack(r).reshape(out.shape + x.shape) for r, x in zip(rows, xs)]
    return [np.stack(r).reshape(out.shape + x.shape) for r, x in zip(rows, xs)]


def _columns(out: Tensor, xs: list[Tensor], nested: bool) -> list[Any]:
    """d out/d x for each x, shape ``out.shape + x.shape``: g(u) = u^T J recorded once, then
    column k of J is d(g_k)/du, one sweep per entry of each x."""
    m = out._data.size
    u = Tensor(np.zeros_like(out._data), requires_grad=True)
    jacs = []
    for g, x in zip(_vjp(out, xs, u, True if nested else graph.LINEAR), xs):
        n = x._data.size
        if not g.requires_grad or n == 0:
            zeros = np.zeros(out.shape + x.shape, dtype=x._data.dtype)
            jacs.append(Tensor(zeros) if nested else zeros)
            continue
        seed = np.zeros(n, dtype=x._data.dtype)
        cols = []
        for k in range(n):
            seed[k] = 1.0
            cols.extend(_vjp(g, [u], seed.reshape(x.shape).copy(), nested))
            seed[k] = 0.0
        if nested:
            with _tracing():
                jacs.append(stack(cols).reshape(n, m).T.reshape(out.shape + x.shape))
        else:
            jacs.append(np.stack(cols).reshape(n, m).T.reshape(out.shape + x.shape))
    return jacs


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """``f`` -> ``x -> H``, the Hessian of a one-number f with respect to args[argnums], of
    shape ``in.shape + in.shape``: ``jacobian(grad(f))``. For a tuple ``argnums`` (JAX's
    convention), the blocks ``H[i][j] = d^2 f / d args[i] d args[j]``, each of shape
    ``in_i.shape + in_j.shape``, as a tuple of tuples.

    Cost: one forward pass, one recorded backward pass (the gradient, recorded), then one
    backward pass per entry of the argument, all through that one recorded gradient graph;
    a tuple of k arguments repeats this for each row of blocks.
    """
    _function(f, "hessian")
    if not isinstance(argnums, (tuple, list)):
        return jacobian(grad(f, argnums), argnums)

    def hessian_f(*args: Any, **kwargs: Any) -> Any:
        nums, _ = _argnums(argnums, len(args), "hessian")
        return tuple(jacobian(grad(f, i), nums)(*args, **kwargs) for i in nums)

    return hessian_f


def hvp(f: Callable[..., Any], x: Any, v: Any) -> Any:
    """H(x) v, the Hessian of the one-number ``f`` at ``x`` times ``v``, without forming H.

    Reverse over reverse: the gradient is recorded, then differentiated along v. Cost: one
    forward pass, one recorded backward pass, one backward pass (about 3-4x one forward).
    """
    what = "hvp"
    _function(f, what)
    X, kind = _prime(x, "hvp: x", scalars=False)
    vv = _direction(v, X, "hvp: v")
    v_shape = np.shape(vv._data if isinstance(vv, Tensor) else vv)
    if v_shape != X.shape:
        raise ValueError(f"hvp: v has shape {v_shape} but x has shape {X.shape}; they must "
                         "be equal")
    nested = _nested([kind], [vv])
    out, _ = _call(f, [X], {}, False, what)
    _one_number(out, what)
    (g,) = _vjp(out, [X], None, True)
    if g.requires_grad:  # H v = d(g . v)/dx: v seeds the sweep through g's recorded graph
        (hv,) = _vjp(g, [X], vv, nested)
    else:
        hv = X._zero_grad_like(nested)
    return _out(hv, kind, nested)
