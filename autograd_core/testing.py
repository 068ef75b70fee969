"""Check gradients the way this library checks its own: against central differences.

Use these in your own tests::

    from autograd_core import Scalar
    from autograd_core.testing import check_grad

    check_grad(lambda x, y: (x * y).tanh() + x.exp(), [Scalar(0.3), Scalar(-1.2)])

``check_grad`` raises an ``AssertionError`` naming the input (and entry) where the analytic
gradient from ``backward`` and the numerical one disagree. It works for Scalars and Tensors;
Tensor inputs must be float64, because central differences in float32 are too coarse to
check anything. ``order=2`` checks second derivatives (the gradient of the gradient), and
``mode="directional"`` checks along random directions, two evaluations of f each, for
inputs too large to perturb entry by entry.

For property tests with hypothesis (the ``testing`` extra, ``pip install
'autograd-core[testing]'``, imported only when you call them):
``scalars()`` draws input values, ``expressions()`` draws random expression DAGs with shared
subexpressions that evaluate on Scalars and Tensors alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .graph import Node, enable_grad, grad, no_grad

__all__ = [
    "numerical_grad",
    "check_grad",
    "scalars",
    "expressions",
    "Expression",
    "EXPRESSION_OPS",
]


def _as_float(value: Any) -> float:
    """The value of f as one float (the output of f must have exactly one element)."""
    data = value._data if isinstance(value, Node) else value
    arr = np.asarray(data, dtype=np.float64)
    if arr.size != 1:
        raise ValueError(
            f"numerical_grad: f must return one number, got shape {arr.shape}; "
            "reduce it (e.g. .sum()) or use check_grad, which projects onto random weights"
        )
    return float(arr.reshape(()))


def _check_call(op: str, f: Any, inputs: Any, eps: Any, **tolerances: Any) -> list[Node]:
    """The arguments common to check_grad and numerical_grad, checked: a clear TypeError or
    ValueError naming the argument instead of a failure deep inside the perturbation loop
    (or a check that silently checks nothing)."""
    if not callable(f):
        raise TypeError(f"{op}: f must be a function (a callable), got {type(f).__name__}")
    if isinstance(inputs, Node) or not isinstance(inputs, (list, tuple)):
        raise TypeError(
            f"{op}: inputs must be a list of Scalars/Tensors (f's arguments), got "
            f"{type(inputs).__name__}; for one input write [x]"
        )
    for name, value in (("eps", eps), *tolerances.items()):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
            raise TypeError(f"{op}: {name} must be a number, got {value!r}")
        if not (value > 0 if name == "eps" else value >= 0) or not np.isfinite(value):
            least = "> 0" if name == "eps" else ">= 0"
            raise ValueError(f"{op}: {name} must be finite and {least}, got {value!r}")
    return list(inputs)


def _perturbable(x: Node, i: int) -> None:
    if not isinstance(x, Node):
        raise TypeError(f"inputs[{i}] is {type(x).__name__}, not a Scalar or Tensor")
    if isinstance(x._data, np.ndarray) and x._data.dtype != np.float64:
        raise TypeError(
            f"inputs[{i}] has dtype {x._data.dtype}; gradient checks need float64 "
            "(central differences in lower precision are dominated by rounding)"
        )


def numerical_grad(f: Callable[..., Any], inputs: Sequence[Node], eps: float = 1e-6) -> list[Any]:
    """Central differences: df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).

    ``f(*inputs)`` must return a single number (Scalar, one-element Tensor or float). Each
    entry of each input is nudged in place and restored afterwards. Returns a float per
    Scalar input and an ndarray (shape of the input) per Tensor input. Costs two forward
    passes per entry: O(n) passes for n parameters, against one backward pass.
    """
    inputs = _check_call("numerical_grad", f, inputs, eps)
    results: list[Any] = []
    with no_grad():
        for i, x in enumerate(inputs):
            _perturbable(x, i)
            if isinstance(x._data, np.ndarray):
                g = np.zeros_like(x._data)
                flat = x._data.reshape(-1)  # a view: writing it nudges x.data
                if flat.size and not np.shares_memory(flat, x._data):
                    raise ValueError(f"inputs[{i}].data is not contiguous; cannot perturb it")
                for k in range(flat.size):
                    orig = flat[k]
                    flat[k] = orig + eps
                    plus = _as_float(f(*inputs))
                    flat[k] = orig - eps
                    minus = _as_float(f(*inputs))
                    flat[k] = orig
                    g.reshape(-1)[k] = (plus - minus) / (2 * eps)
                results.append(g)
            else:
                orig = x._data
                x._data = orig + eps
                plus = _as_float(f(*inputs))
                x._data = orig - eps
                minus = _as_float(f(*inputs))
                x._data = orig
                results.append((plus - minus) / (2 * eps))
    return results


def check_grad(
    f: Callable[..., Any],
    inputs: Sequence[Node],
    rtol: float = 1e-5,
    atol: float = 1e-7,
    eps: float = 1e-6,
    seed: int = 0,
    order: int = 1,
    mode: str = "full",
    directions: int = 4,
) -> None:
    """Assert that backprop through ``f(*inputs)`` matches central differences.

    If ``f`` returns more than one number, both gradients are taken of ``v . f(x)`` for
    fixed random weights ``v`` (seeded), which checks every output entry and catches
    transposed or permuted gradients that a plain sum would hide.

    ``order=2`` checks the gradient of the gradient (as HIPS autograd's ``check_grads(order=2)``
    and PyTorch's ``gradgradcheck``): the first derivatives ``g_i = d(v . f)/dx_i`` are
    computed with ``create_graph=True``, and ``w . g`` (fixed random weights ``w``) is checked
    like a first-order function, so every rule is differentiated again. ``f`` is then run
    with gradients enabled, and may itself call ``grad``.

    ``mode="full"`` perturbs every input entry (two evaluations of f per entry).
    ``mode="directional"`` compares ``v^T J u`` along ``directions`` random directions ``u``
    (all inputs nudged at once) with ``(v . f(x + eps u) - v . f(x - eps u)) / (2 eps)``: one
    pair of evaluations per direction, for inputs too large to perturb entry by entry.

    Values must satisfy ``|analytic - numerical| <= atol + rtol * |numerical|``; otherwise an
    AssertionError names the input (and worst entry) or the direction, and both values.
    """
    if order not in (1, 2):
        raise ValueError(f"check_grad: order must be 1 or 2, got {order!r}")
    if mode not in ("full", "directional"):
        raise ValueError(f"check_grad: mode must be 'full' or 'directional', got {mode!r}")
    inputs = _check_call("check_grad", f, inputs, eps, rtol=rtol, atol=atol)
    for arg, value, least in (("seed", seed, 0), ("directions", directions, 1)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"check_grad: {arg} must be an int, got {value!r}")
        if value < least:
            raise ValueError(f"check_grad: {arg} must be >= {least}, got {value!r}")
    for i, x in enumerate(inputs):
        _perturbable(x, i)
    rng = np.random.default_rng(seed)
    if order == 2:
        objective = _first_derivatives(_projected(_with_grad(f), inputs, rng), inputs, rng)
    else:
        objective = _projected(f, inputs, rng)
    analytic = _analytic_grad(objective, inputs, constant_ok=order == 2)
    if mode == "directional":
        _check_directions(objective, inputs, analytic, rng, directions, rtol, atol, eps)
        return
    numerical = numerical_grad(objective, inputs, eps=eps)
    for i, (a, n) in enumerate(zip(analytic, numerical)):
        a_arr, n_arr = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
        if a_arr.shape != n_arr.shape:
            raise AssertionError(
                f"input {i}: analytic gradient has shape {a_arr.shape}, expected {n_arr.shape}"
            )
        err = np.abs(a_arr - n_arr) - (atol + rtol * np.abs(n_arr))
        if np.any(err > 0) or not np.all(np.isfinite(a_arr)):
            k = int(np.argmax(np.where(np.isfinite(a_arr), err, np.inf)))
            where = "" if a_arr.ndim == 0 else f" entry {np.unravel_index(k, a_arr.shape)}"
            name = getattr(inputs[i], "name", None)
            label = f"input {i}" + (f" ({name})" if name else "")
            raise AssertionError(
                f"{label}{where}: analytic {_ORDER_NAMES[order]} {a_arr.reshape(-1)[k]!r} != "
                f"numerical {n_arr.reshape(-1)[k]!r} (rtol={rtol}, atol={atol})"
            )


_ORDER_NAMES = {1: "gradient", 2: "second derivative (w . d(grad)/dx)"}


def _with_grad(f: Callable[..., Any]) -> Callable[..., Any]:
    """f with recording on, even inside the numerical passes' no_grad()."""

    def recorded(*xs: Node) -> Any:
        with enable_grad():
            return f(*xs)

    return recorded


def _projected(f: Callable[..., Any], inputs: list[Node], rng: np.random.Generator) -> Any:
    """f itself if it returns one number, else ``x -> sum(f(x) * v)`` for random weights v."""
    with no_grad():
        probe = f(*inputs)
    if not isinstance(probe, (Node, int, float, np.number, np.ndarray)) or isinstance(
        probe, (bool, np.bool_)
    ):
        raise TypeError(
            f"check_grad: f returned {type(probe).__name__}; it must return a Scalar or a "
            "Tensor (computed from the inputs)"
        )
    probe_data = probe._data if isinstance(probe, Node) else probe
    if np.size(probe_data) == 1:
        return f
    v = rng.standard_normal(np.shape(probe_data))

    def objective(*xs: Node) -> Any:
        return (f(*xs) * v).sum()

    return objective


def _first_derivatives(
    objective: Callable[..., Any], inputs: list[Node], rng: np.random.Generator
) -> Callable[..., Any]:
    """``x -> sum_i w_i . d objective/d x_i`` for fixed random weights ``w_i``, recorded
    (create_graph) so that it can be differentiated again."""
    weights = [rng.standard_normal(np.shape(x._data)) for x in inputs]

    def first(*xs: Node) -> Any:
        with enable_grad():
            out = objective(*xs)
            if not isinstance(out, Node) or not out.requires_grad:
                raise AssertionError("check_grad: f's output does not depend on any input")
            gs = grad(out, list(xs), create_graph=True, allow_unused=True)
        total: Any = 0.0
        for g, w in zip(gs, weights):
            if g is not None:
                term = g * w
                total = total + (term.sum() if isinstance(term._data, np.ndarray) else term)
        return total

    return first


def _zeros_like(x: Node) -> Any:
    return np.zeros_like(x._data) if isinstance(x._data, np.ndarray) else 0.0


def _analytic_grad(
    objective: Callable[..., Any], inputs: list[Node], constant_ok: bool
) -> list[Any]:
    """Backprop's gradient of the one-number objective; zeros for an input it does not use.
    (A constant objective is zeros too when ``constant_ok``: the first derivatives of a
    linear f.)"""
    out = objective(*inputs)
    if not isinstance(out, Node) or not out.requires_grad:
        if constant_ok:
            return [_zeros_like(x) for x in inputs]
        raise AssertionError("check_grad: f's output does not depend on any input")
    gs = grad(out, inputs, allow_unused=True)
    return [_zeros_like(x) if g is None else g for g, x in zip(gs, inputs)]


def _check_directions(
    objective: Callable[..., Any],
    inputs: list[Node],
    analytic: list[Any],
    rng: np.random.Generator,
    directions: int,
    rtol: float,
    atol: float,
    eps: float,
) -> None:
    """For random u: (objective(x + eps u) - objective(x - eps u)) / (2 eps) ~ grad . u."""
    originals = [np.array(x._data, dtype=np.float64, copy=True) for x in inputs]

    def evaluate_at(us: list[Any], t: float) -> float:
        for x, orig, u in zip(inputs, originals, us):
            if isinstance(x._data, np.ndarray):
                x._data[...] = orig + t * u
            else:
                x._data = float(orig + t * u)
        return _as_float(objective(*inputs))

    with no_grad():
        try:
            for k in range(directions):
                us = [rng.standard_normal(np.shape(orig)) for orig in originals]
                numerical = (evaluate_at(us, eps) - evaluate_at(us, -eps)) / (2 * eps)
                expected = float(sum(np.sum(np.asarray(a) * u) for a, u in zip(analytic, us)))
                if not abs(expected - numerical) <= atol + rtol * abs(numerical):
                    raise AssertionError(
                        f"direction {k}: analytic directional derivative {expected!r} != "
                        f"numerical {numerical!r} (rtol={rtol}, atol={atol})"
                    )
        finally:
            for x, orig in zip(inputs, originals):
                if isinstance(x._data, np.ndarray):
                    x._data[...] = orig
                else:
                    x._data = float(orig)


# --- hypothesis strategies -------------------------------------------------------------------

# Ops for random expressions. Each is smooth and defined on all reals (domains guarded by
# 1 + a^2 > 0), so a random DAG never hits a kink or a domain edge; together they exercise
# every differentiable op of the engines. Each works on Scalars and Tensors alike.
EXPRESSION_OPS: dict[str, tuple[int, Callable[..., Any]]] = {
    "add": (2, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b),
    "mul": (2, lambda a, b: a * b),
    "div": (2, lambda a, b: a / (1 + b * b)),
    "neg": (1, lambda a: -a),
    "square": (1, lambda a: a**2),
    "tanh": (1, lambda a: a.tanh()),
    "sigmoid": (1, lambda a: a.sigmoid()),
    "exp": (1, lambda a: (-(a * a)).exp()),
    "log": (1, lambda a: (1 + a * a).log()),
    "sqrt": (1, lambda a: (1 + a * a).sqrt()),
    "reciprocal": (1, lambda a: (1 + a * a).reciprocal()),
    "pow": (1, lambda a: (1 + a * a) ** 1.5),
    "power": (2, lambda a, b: (1 + a * a) ** b.sigmoid()),
}


@dataclass(frozen=True)
class Expression:
    """A random straight-line program: each step applies an op to earlier values.

    Values 0..n_inputs-1 are the inputs; step k appends value n_inputs + k. Operands may
    repeat (``mul(v2, v2)``) and values may be used by many later steps, so the graph is a
    DAG with shared subexpressions. The result is the sum of the last ``outputs`` values.
    """

    n_inputs: int
    steps: tuple[tuple[str, tuple[int, ...]], ...]
    inputs: tuple[float, ...]
    outputs: int = 1

    def __call__(self, *xs: Any) -> Any:
        values = list(xs)
        for op, args in self.steps:
            values.append(EXPRESSION_OPS[op][1](*(values[i] for i in args)))
        result = values[-1]
        for v in values[-self.outputs : -1]:
            result = result + v
        return result

    def __str__(self) -> str:
        lines = [f"v{i} = {x!r}" for i, x in enumerate(self.inputs)]
        for k, (op, args) in enumerate(self.steps):
            lines.append(f"v{self.n_inputs + k} = {op}({', '.join(f'v{i}' for i in args)})")
        return "\n".join(lines)


def _hypothesis_strategies(feature: str) -> Any:
    """``hypothesis.strategies``, or an ImportError naming the extra that installs it."""
    try:
        from hypothesis import strategies
    except ImportError:
        raise ImportError(
            f"{feature} needs hypothesis: pip install 'autograd-core[testing]'"
        ) from None
    return strategies


def scalars(min_value: float = -3.0, max_value: float = 3.0) -> Any:
    """Hypothesis strategy: finite floats in [min_value, max_value] (no nan, no inf)."""
    st = _hypothesis_strategies("autograd_core.testing.scalars()")

    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)


def _evaluates_finite(expr: Expression, bound: float) -> bool:
    from .scalar import Scalar

    with no_grad():
        try:
            values = expr(*(Scalar(x) for x in expr.inputs))
        except (OverflowError, ValueError, ZeroDivisionError):
            return False
    return bool(np.isfinite(values._data)) and abs(values._data) <= bound


def expressions(
    max_inputs: int = 3,
    max_steps: int = 8,
    ops: Sequence[str] | None = None,
    values: Any = None,
    bound: float = 1e3,
) -> Any:
    """Hypothesis strategy drawing an ``Expression`` (a random DAG) with its input values.

    Programs whose value exceeds ``bound`` in magnitude are rejected, so central differences
    stay accurate. Call the drawn expression on Scalars (or on Tensors) of ``expr.inputs``.
    """
    st = _hypothesis_strategies("autograd_core.testing.expressions()")

    op_names = list(ops) if ops is not None else list(EXPRESSION_OPS)
    value_strategy = values if values is not None else scalars()

    @st.composite
    def build(draw: Any) -> Expression:
        n_inputs = draw(st.integers(1, max_inputs))
        n_steps = draw(st.integers(1, max_steps))
        steps = []
        for k in range(n_steps):
            op = draw(st.sampled_from(op_names))
            arity = EXPRESSION_OPS[op][0]
            args = tuple(draw(st.integers(0, n_inputs + k - 1)) for _ in range(arity))
            steps.append((op, args))
        inputs = tuple(draw(value_strategy) for _ in range(n_inputs))
        outputs = draw(st.integers(1, min(3, n_steps)))
        return Expression(n_inputs, tuple(steps), inputs, outputs)

    return build().filter(lambda e: _evaluates_finite(e, bound))
