"""The Scalar engine: reverse-mode autodiff on Python floats, one node per operation.

Read ``RULES`` first: it is the whole calculus of this engine. For each op it lists, input by
input, the *local derivative* d(out)/d(input) written in terms of the inputs, the output and
the op's constant parameters. Backpropagation (``graph.backprop``) multiplies each local
derivative by the upstream gradient d(loss)/d(out) and adds the product into the input's
gradient: the chain rule, one edge at a time.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from numbers import Real
from typing import Any

import numpy as np

from . import anomaly
from .graph import (
    ANOMALY_MARKER,
    Node,
    OnEdge,
    _deposit,
    _no_grad_threads,
    is_grad_enabled,
    read_only_value,
)

__all__ = ["Scalar", "RULES"]


def _value(x: Any) -> float:
    return x._data if isinstance(x, Scalar) else x


def _step(x: Any) -> float:
    """d/dx relu(x): 1 for x > 0, else 0 (we pick 0 at the kink, as PyTorch does)."""
    return 1.0 if _value(x) > 0 else 0.0


def _sign(x: Any) -> float:
    """d/dx |x|: the sign of x (0 at the kink)."""
    v = _value(x)
    return 1.0 if v > 0 else (-1.0 if v < 0 else 0.0)


def _log_base(a: Any) -> Any:
    """ln(a) for d/db a**b = a**b ln(a). For a = 0 the limit of a**b ln(a) is 0; for a < 0
    a**b has no real derivative in b, so it is nan (as in PyTorch), never a made-up number."""
    v = _value(a)
    if v > 0:
        return a.log() if isinstance(a, Scalar) else math.log(v)
    return 0.0 if v == 0 else math.nan


def _math(name: str) -> Callable[[Any], Any]:
    """The function ``name`` on a float (``math``'s) or on a Scalar (its method, recorded):
    how a rule calls cos, sqrt, exp... under create_graph as well as on plain floats."""
    fn = _MATH_FUNCTIONS[name]
    return lambda x: getattr(x, name)() if isinstance(x, Scalar) else fn(x)


def _steep(op: str, x: Any, denominator: Any) -> Any:
    """1 / denominator for a derivative that is infinite where the denominator is 0 (arcsin at
    +-1, cbrt at 0): a ZeroDivisionError naming the op and the point, not a bare one."""
    if _value(denominator) == 0:
        raise ZeroDivisionError(f"{op}: the derivative at x = {_value(x)!r} is infinite")
    return 1.0 / denominator


_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# op -> (d out/d input_1, d out/d input_2, ...), each called as d(out, *inputs, *params).
# Inputs and out are floats, or Scalars when differentiating with create_graph=True.
RULES: dict[str, tuple[Any, ...]] = {
    # out = a + b             d/da = 1                      d/db = 1
    "add": (lambda out, a, b: 1.0, lambda out, a, b: 1.0),
    # out = a - b             d/da = 1                      d/db = -1
    "sub": (lambda out, a, b: 1.0, lambda out, a, b: -1.0),
    # out = a * b             d/da = b                      d/db = a
    "mul": (lambda out, a, b: b, lambda out, a, b: a),
    # out = a / b             d/da = 1/b                    d/db = -a/b^2
    "div": (lambda out, a, b: 1.0 / b, lambda out, a, b: -a / (b * b)),
    # out = -x                d/dx = -1
    "neg": (lambda out, x: -1.0,),
    # out = x^n (n a number)  d/dx = n x^(n-1)
    "pow": (lambda out, x, n: n * x ** (n - 1),),
    # out = a^b               d/da = b a^(b-1)              d/db = a^b ln(a)
    "power": (lambda out, a, b: b * a ** (b - 1), lambda out, a, b: out * _log_base(a)),
    # out = e^x               d/dx = e^x = out
    "exp": (lambda out, x: out,),
    # out = ln(x)             d/dx = 1/x
    "log": (lambda out, x: 1.0 / x,),
    # out = 1/x               d/dx = -1/x^2 = -out^2
    "reciprocal": (lambda out, x: -(out * out),),
    # out = sqrt(x)           d/dx = 1/(2 sqrt(x)) = 0.5/out
    "sqrt": (lambda out, x: 0.5 / out,),
    # out = sigmoid(x)        d/dx = sigmoid(x)(1 - sigmoid(x)) = out(1 - out)
    "sigmoid": (lambda out, x: out * (1.0 - out),),
    # out = tanh(x)           d/dx = 1 - tanh(x)^2 = 1 - out^2
    "tanh": (lambda out, x: 1.0 - out * out,),
    # out = max(0, x)         d/dx = 1 if x > 0 else 0
    "relu": (lambda out, x: _step(x),),
    # out = |x|               d/dx = sign(x)
    "abs": (lambda out, x: _sign(x),),
    # --- elementwise math (Python math semantics: domain errors raise) ---
    # out = sin(x)            d/dx = cos(x)
    "sin": (lambda out, x: _math("cos")(x),),
    # out = cos(x)            d/dx = -sin(x)
    "cos": (lambda out, x: -_math("sin")(x),),
    # out = tan(x)            d/dx = 1 + tan(x)^2
    "tan": (lambda out, x: 1.0 + out * out,),
    # out = arcsin(x)         d/dx = 1 / sqrt(1 - x^2)
    "arcsin": (lambda out, x: _steep("arcsin", x, _math("sqrt")(1.0 - x * x)),),
    # out = arccos(x)         d/dx = -1 / sqrt(1 - x^2)
    "arccos": (lambda out, x: -_steep("arccos", x, _math("sqrt")(1.0 - x * x)),),
    # out = arctan(x)         d/dx = 1 / (1 + x^2)
    "arctan": (lambda out, x: 1.0 / (1.0 + x * x),),
    # out = sinh(x)           d/dx = cosh(x)
    "sinh": (lambda out, x: _math("cosh")(x),),
    # out = cosh(x)           d/dx = sinh(x)
    "cosh": (lambda out, x: _math("sinh")(x),),
    # out = arcsinh(x)        d/dx = 1 / sqrt(x^2 + 1)
    "arcsinh": (lambda out, x: 1.0 / _math("sqrt")(x * x + 1.0),),
    # out = arccosh(x)        d/dx = 1 / sqrt((x - 1)(x + 1))
    "arccosh": (lambda out, x: _steep("arccosh", x, _math("sqrt")((x - 1.0) * (x + 1.0))),),
    # out = arctanh(x)        d/dx = 1 / ((1 - x)(1 + x))
    "arctanh": (lambda out, x: 1.0 / ((1.0 - x) * (1.0 + x)),),
    # out = 2^x               d/dx = 2^x ln 2
    "exp2": (lambda out, x: out * _LN2,),
    # out = e^x - 1           d/dx = e^x = out + 1
    "expm1": (lambda out, x: out + 1.0,),
    # out = log2(x)           d/dx = 1 / (x ln 2)
    "log2": (lambda out, x: 1.0 / (x * _LN2),),
    # out = log10(x)          d/dx = 1 / (x ln 10)
    "log10": (lambda out, x: 1.0 / (x * _LN10),),
    # out = ln(1 + x)         d/dx = 1 / (1 + x)
    "log1p": (lambda out, x: 1.0 / (1.0 + x),),
    # out = erf(x)            d/dx = 2/sqrt(pi) e^(-x^2)
    "erf": (lambda out, x: _TWO_OVER_SQRT_PI * _math("exp")(-(x * x)),),
    # out = x^2               d/dx = 2x
    "square": (lambda out, x: 2.0 * x,),
    # out = cbrt(x)           d/dx = 1 / (3 cbrt(x)^2)
    "cbrt": (lambda out, x: _steep("cbrt", x, 3.0 * (out * out)),),
}


def _cbrt(x: float) -> float:
    """The real cube root, negative for negative x (math.cbrt needs Python >= 3.11)."""
    return float(np.cbrt(x))


def _exp2(x: float) -> float:
    return math.pow(2.0, x)


# op -> its value on a float (Python's math: ValueError outside the domain, OverflowError)
_MATH_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "arcsin": math.asin,
    "arccos": math.acos, "arctan": math.atan, "sinh": math.sinh, "cosh": math.cosh,
    "arcsinh": math.asinh, "arccosh": math.acosh, "arctanh": math.atanh, "exp2": _exp2,
    "expm1": math.expm1, "log2": math.log2, "log10": math.log10, "log1p": math.log1p,
    "erf": math.erf, "square": lambda x: x * x, "cbrt": _cbrt, "sqrt": math.sqrt,
    "exp": math.exp,
}  # fmt: skip

# op -> the domain named by its ValueError
_DOMAINS = {
    "sin": "finite x", "cos": "finite x", "tan": "finite x",
    "arcsin": "-1 <= x <= 1", "arccos": "-1 <= x <= 1", "arccosh": "x >= 1",
    "arctanh": "-1 < x < 1", "log2": "x > 0", "log10": "x > 0", "log1p": "x > -1",
}  # fmt: skip


def _is_real(x: Any) -> bool:
    """int, float or a numpy number; bools are refused because True + True = 2 hides bugs."""
    return isinstance(x, (Real, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _check_real(x: Any, what: str) -> float:
    if not _is_real(x):
        raise TypeError(f"{what} takes a real number (int or float), got {type(x).__name__}")
    try:
        return float(x)
    except OverflowError:
        digits = len(str(abs(int(x))))
        raise OverflowError(
            f"{what}: an integer of {digits} digits is too large for a float (max ~1.8e308)"
        ) from None


_new = object.__new__  # nodes are built by slot assignment, skipping __init__'s checks


def _init_leaf(node: Scalar, value: float, requires_grad: bool, name: str | None) -> Scalar:
    """Every slot of a leaf or a constant; the one place they are built (results: _result)."""
    node._data = value
    node.grad = 0.0
    node.requires_grad = requires_grad
    node.name = name
    node._a = node._b = None
    node._op = ""
    node._params = ()
    node._acc = None
    return node


def _const(x: Any) -> Scalar:
    """A number on the other side of an operator becomes a constant node (no gradient)."""
    return _init_leaf(_new(Scalar), float(x), False, None)


def _result(
    value: float, op: str, a: Scalar, b: Scalar | None = None, params: tuple = ()
) -> Scalar:
    """The node for ``op(a[, b])``; it records its parents only if a gradient can flow.
    (The hot path: slots assigned inline, not through _init_leaf.)"""
    out = _new(Scalar)
    out._data = value
    out.grad = 0.0
    out._op = op
    out._params = params
    out._acc = None
    out.name = None
    if (a.requires_grad or (b is not None and b.requires_grad)) and (
        not _no_grad_threads or _rare_path(op, a, b)
    ):
        out.requires_grad = True
        out._a = a
        out._b = b
    else:
        out.requires_grad = False
        out._a = out._b = None
    return out


def _rare_path(op: str, a: Scalar, b: Scalar | None) -> bool:
    """``_result`` when ``_no_grad_threads`` is not empty (no_grad() or detect_anomaly() is
    on somewhere): whether to record; in anomaly mode, remember the leaves the op reads."""
    if not is_grad_enabled():
        return False
    if ANOMALY_MARKER in _no_grad_threads:
        anomaly.remember_leaves((a,) if b is None else (a, b), op)
    return True


def _operand(x: Any) -> Scalar | None:
    """The other side of an operator as a node, or None if it is not a number or a Scalar."""
    if isinstance(x, Scalar):
        return x
    if type(x) is float or type(x) is int or _is_real(x):
        return _const(x)
    return None


def _operators(
    op: str, value: Callable[[float, float], float]
) -> tuple[Callable[[Scalar, Any], Scalar], Callable[[Scalar, Any], Scalar]]:
    """``x op y`` and its reflected form ``y op x`` (y a number) for a binary op whose value
    is ``value(x, y)``: the one definition of every Scalar operator."""

    def forward(self: Scalar, other: Any) -> Scalar:
        # `type(other) is Scalar` first: this runs once per node, so the common case is cheap
        o = other if type(other) is Scalar else _operand(other)
        if o is None:
            return NotImplemented
        return _result(value(self._data, o._data), op, self, o)

    def reflected(self: Scalar, other: Any) -> Scalar:
        o = _operand(other)
        if o is None:
            return NotImplemented
        return _result(value(o._data, self._data), op, o, self)

    name = "truediv" if op == "div" else op
    forward.__name__, reflected.__name__ = f"__{name}__", f"__r{name}__"
    return forward, reflected


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError(f"division by zero: {a!r} / 0.0")
    return a / b


class Scalar(Node):
    """A real number that remembers how it was computed, for reverse-mode autodiff.

    ``Scalar(x)`` wraps an int or float (numpy scalars too). ``.data`` and ``.grad`` are plain
    floats that you may read and assign (``p.data -= lr * p.grad``; ``p.grad = 0.0``).
    Arithmetic with numbers on either side works (``2 * s``, ``1 - s``, ``2 ** s``), and
    ``s.backward()`` fills ``.grad`` of every Scalar that ``s`` depends on. Gradients
    accumulate across ``backward()`` calls; zero them between steps.
    """

    # The (at most two) parents live in two slots rather than in a tuple: a tuple would be a
    # second object per node for Python's cycle collector to track and traverse, which was
    # measured to double the forward time of the micrograd demo.
    __slots__ = ("_a", "_b")
    grad: float
    _a: Scalar | None
    _b: Scalar | None
    _rules = RULES

    def __init__(self, data: float, requires_grad: bool = True, name: str | None = None):
        if requires_grad is not True and requires_grad is not False:
            if type(requires_grad) is not np.bool_:  # "no" would count as True
                raise TypeError(f"Scalar(): requires_grad must be a bool, got {requires_grad!r}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Scalar(): name must be a str or None, got {name!r}")
        _init_leaf(self, _check_real(data, "Scalar()"), bool(requires_grad), name)

    @property
    def data(self) -> float:
        """The value, a float. A leaf's may be assigned (``p.data -= lr * p.grad``); an op
        result's not, since backward() reads it."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        if self._a is not None:
            raise read_only_value(self._op)
        # a float is the common case (p.data -= lr * p.grad): skip the checks' isinstance
        self._data = value if type(value) is float else _check_real(value, "Scalar.data")

    def __repr__(self) -> str:
        label = f"{self.name}: " if self.name else ""
        return f"Scalar({label}data={self._data!r}, grad={self.grad!r})"

    def __float__(self) -> float:
        return self._data

    @property
    def parents(self) -> tuple[Scalar, ...]:
        a, b = self._a, self._b
        return () if a is None else ((a,) if b is None else (a, b))

    @property
    def is_leaf(self) -> bool:
        return self._a is None

    # --- the graph engine's hooks (see Node) ---------------------------------------------
    def _push_parents(self, push: Any, visited: set[Node]) -> None:
        # Node's version without building the parents tuple
        a = self._a
        if a is not None:
            if a.requires_grad and a not in visited:
                push(a)
            b = self._b
            if b is not None and b.requires_grad and b not in visited:
                push(b)

    def _send_grads(self, create_graph: bool, on_edge: OnEdge | None) -> None:
        # The chain rule: parent._acc += upstream * local derivative.
        a = self._a
        if a is None:
            return
        upstream, rules, b = self._acc, RULES[self._op], self._b
        if create_graph or on_edge is not None:
            # Recorded (the rules get the nodes, so their products are recorded) or observed
            # (viz.trace): the general form, one graph._deposit per parent.
            parents = self.parents
            if create_graph:
                args = (self, *parents, *self._params)
            else:
                args = (self._data, *[p._data for p in parents], *self._params)
            for i, parent in enumerate(parents):
                if parent.requires_grad:
                    _deposit(self, parent, upstream * rules[i](*args), on_edge)
            return
        # The plain sweep, written out for at most two parents with no tuple built per edge:
        # the micrograd demo makes 65,000 of these calls per step.
        if b is None:
            g = upstream * rules[0](self._data, a._data, *self._params)
            a._acc = g if a._acc is None else a._acc + g
            return
        x, y = a._data, b._data
        if a.requires_grad:
            g = upstream * rules[0](self._data, x, y)
            a._acc = g if a._acc is None else a._acc + g
        if b.requires_grad:
            g = upstream * rules[1](self._data, x, y)
            b._acc = g if b._acc is None else b._acc + g

    def _seed(self, grad: Any, create_graph: bool) -> Any:
        value = 1.0 if grad is None else _check_real(grad, "backward(grad)")
        return _const(value) if create_graph else value

    def _zero_grad_like(self, create_graph: bool) -> Any:
        return _const(0.0) if create_graph else 0.0

    @classmethod
    def _accumulate_grads(cls, nodes: list[Node]) -> None:
        for node in nodes:
            if node._acc is not None:
                node.grad += node._acc

    # --- arithmetic ----------------------------------------------------------------------
    __add__, __radd__ = _operators("add", operator.add)
    __sub__, __rsub__ = _operators("sub", operator.sub)
    __mul__, __rmul__ = _operators("mul", operator.mul)
    __truediv__, __rtruediv__ = _operators("div", _divide)

    def __neg__(self) -> Scalar:
        return _result(-self._data, "neg", self)

    def __pos__(self) -> Scalar:
        return self

    def __pow__(self, exponent: Any) -> Scalar:
        """``x ** n`` for a number n (rule n x^(n-1)) or ``a ** b`` for a Scalar b."""
        if isinstance(exponent, Scalar):
            return _result(_real_pow(self._data, exponent._data), "power", self, exponent)
        if not _is_real(exponent):
            return NotImplemented
        n = float(exponent)
        return _result(_real_pow(self._data, n), "pow", self, params=(n,))

    def __rpow__(self, base: Any) -> Scalar:
        b = _operand(base)
        if b is None:
            return NotImplemented
        return _result(_real_pow(b._data, self._data), "power", b, self)

    def __abs__(self) -> Scalar:
        return _result(abs(self._data), "abs", self)

    # --- functions -----------------------------------------------------------------------
    def exp(self) -> Scalar:
        """e^x. Raises OverflowError (naming the value) above x = 709.78."""
        try:
            value = math.exp(self._data)
        except OverflowError:
            raise OverflowError(
                f"exp({self._data!r}) overflows float64 (the largest finite result is at "
                "x = 709.78); use sigmoid/tanh or rescale"
            ) from None
        return _result(value, "exp", self)

    def log(self) -> Scalar:
        """ln(x), defined for x > 0 (ValueError otherwise)."""
        if not self._data > 0:
            raise ValueError(f"log({self._data!r}): log is defined only for x > 0")
        return _result(math.log(self._data), "log", self)

    def reciprocal(self) -> Scalar:
        """1/x (ZeroDivisionError at 0)."""
        if self._data == 0:
            raise ZeroDivisionError("reciprocal(0.0): 1/x is undefined at x = 0")
        return _result(1.0 / self._data, "reciprocal", self)

    def sqrt(self) -> Scalar:
        """sqrt(x), defined for x >= 0 (ValueError otherwise)."""
        if self._data < 0:
            raise ValueError(f"sqrt({self._data!r}): sqrt is defined only for x >= 0")
        return _result(math.sqrt(self._data), "sqrt", self)

    def sigmoid(self) -> Scalar:
        """1 / (1 + e^-x), evaluated so that e^(|x|) is never formed: exact 0 and 1 limits."""
        x = self._data
        if x >= 0:
            value = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            value = e / (1.0 + e)
        return _result(value, "sigmoid", self)

    def tanh(self) -> Scalar:
        """tanh(x) = (e^x - e^-x) / (e^x + e^-x); exact +-1 limits for large |x|."""
        return _result(math.tanh(self._data), "tanh", self)

    def relu(self) -> Scalar:
        """max(0, x)."""
        return _result(0.0 if self._data <= 0 else self._data, "relu", self)  # nan stays nan

    # --- elementwise math (Python's math semantics) ----------------------------------------
    def _math_op(self, op: str) -> Scalar:
        """``op`` of this value as a node; outside the domain a ValueError naming the op, the
        value and the domain, an OverflowError naming both when the result is too large."""
        x = self._data
        try:
            value = _MATH_FUNCTIONS[op](x)
        except ValueError:
            raise ValueError(
                f"{op}({x!r}): {op} is defined only for {_DOMAINS.get(op, 'finite x')}"
            ) from None
        except OverflowError:
            raise OverflowError(f"{op}({x!r}) overflows float64") from None
        return _result(value, op, self)

    def sin(self) -> Scalar:
        """sin(x); d/dx = cos(x)."""
        return self._math_op("sin")

    def cos(self) -> Scalar:
        """cos(x); d/dx = -sin(x)."""
        return self._math_op("cos")

    def tan(self) -> Scalar:
        """tan(x); d/dx = 1 + tan(x)^2."""
        return self._math_op("tan")

    def arcsin(self) -> Scalar:
        """arcsin(x) for -1 <= x <= 1 (ValueError otherwise); d/dx = 1 / sqrt(1 - x^2)."""
        return self._math_op("arcsin")

    def arccos(self) -> Scalar:
        """arccos(x) for -1 <= x <= 1 (ValueError otherwise); d/dx = -1 / sqrt(1 - x^2)."""
        return self._math_op("arccos")

    def arctan(self) -> Scalar:
        """arctan(x); d/dx = 1 / (1 + x^2)."""
        return self._math_op("arctan")

    def sinh(self) -> Scalar:
        """sinh(x) (OverflowError above |x| = 710); d/dx = cosh(x)."""
        return self._math_op("sinh")

    def cosh(self) -> Scalar:
        """cosh(x) (OverflowError above |x| = 710); d/dx = sinh(x)."""
        return self._math_op("cosh")

    def arcsinh(self) -> Scalar:
        """arcsinh(x); d/dx = 1 / sqrt(x^2 + 1)."""
        return self._math_op("arcsinh")

    def arccosh(self) -> Scalar:
        """arccosh(x) for x >= 1 (ValueError otherwise); d/dx = 1 / sqrt(x^2 - 1)."""
        return self._math_op("arccosh")

    def arctanh(self) -> Scalar:
        """arctanh(x) for -1 < x < 1 (ValueError otherwise); d/dx = 1 / (1 - x^2)."""
        return self._math_op("arctanh")

    def exp2(self) -> Scalar:
        """2^x (OverflowError from x = 1024); d/dx = 2^x ln 2."""
        return self._math_op("exp2")

    def expm1(self) -> Scalar:
        """e^x - 1, accurate for small x; d/dx = e^x."""
        return self._math_op("expm1")

    def log2(self) -> Scalar:
        """log2(x) for x > 0 (ValueError otherwise); d/dx = 1 / (x ln 2)."""
        return self._math_op("log2")

    def log10(self) -> Scalar:
        """log10(x) for x > 0 (ValueError otherwise); d/dx = 1 / (x ln 10)."""
        return self._math_op("log10")

    def log1p(self) -> Scalar:
        """ln(1 + x) for x > -1 (ValueError otherwise), accurate for small x;
        d/dx = 1 / (1 + x)."""
        return self._math_op("log1p")

    def erf(self) -> Scalar:
        """The error function (math.erf); d/dx = 2/sqrt(pi) e^(-x^2)."""
        return self._math_op("erf")

    def square(self) -> Scalar:
        """x^2; d/dx = 2x."""
        return self._math_op("square")

    def cbrt(self) -> Scalar:
        """The real cube root; d/dx = 1 / (3 cbrt(x)^2) (ZeroDivisionError at 0)."""
        return self._math_op("cbrt")

    # --- comparisons and conversions -------------------------------------------------------
    # Comparisons give bools (values compared, as floats are), never nodes. A node's hash stays
    # its identity: nodes are set members and dict keys during backprop, and defining __eq__
    # would otherwise remove __hash__.
    __hash__ = Node.__hash__

    def __eq__(self, other: object) -> bool:
        o = _compared(other)
        return NotImplemented if o is None else self._data == o

    def __ne__(self, other: object) -> bool:
        o = _compared(other)
        return NotImplemented if o is None else self._data != o

    def __lt__(self, other: Any) -> bool:
        o = _compared(other)
        return NotImplemented if o is None else self._data < o

    def __le__(self, other: Any) -> bool:
        o = _compared(other)
        return NotImplemented if o is None else self._data <= o

    def __gt__(self, other: Any) -> bool:
        o = _compared(other)
        return NotImplemented if o is None else self._data > o

    def __ge__(self, other: Any) -> bool:
        o = _compared(other)
        return NotImplemented if o is None else self._data >= o

    def __int__(self) -> int:
        """int(x.data): truncated towards 0 (ValueError for nan, OverflowError for inf)."""
        return int(self._data)

    def __bool__(self) -> bool:
        """False only for 0.0, as for floats."""
        return self._data != 0.0


def _real_pow(a: float, b: float) -> float:
    """a ** b on the reals, with errors that name the operands."""
    if a == 0 and b < 0:
        raise ZeroDivisionError(f"pow: 0.0 ** {b!r} is undefined (division by zero)")
    if a < 0 and not b.is_integer():
        raise ValueError(
            f"pow: {a!r} ** {b!r} has no real value (negative base, non-integer exponent)"
        )
    try:
        return math.pow(a, b)
    except OverflowError:
        raise OverflowError(f"pow: {a!r} ** {b!r} overflows float64") from None


def _compared(x: Any) -> float | None:
    """The value a Scalar is compared with: a Scalar's or a number's (None: not comparable)."""
    if isinstance(x, Scalar):
        return x._data
    return float(x) if _is_real(x) else None
