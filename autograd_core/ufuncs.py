"""numpy's elementwise math as functions of Tensors: ``autograd_core.sin(x)``, ``hypot(a, b)``.

Each takes Tensors, numbers or array-likes (numbers and arrays become constants; with no
Tensor among the inputs the result is a constant Tensor) and returns a Tensor recording the
op, under numpy's name and with numpy's values: outside an op's domain the answer is nan or
inf, never an exception and never a numpy warning. The rules (VJPs) are in
``calculus.UNARY`` and ``calculus.ELEMENTWISE_MATH``; functions of one input are the Tensor
methods of the same name (``sin(x)`` is ``x.sin()``). Functions of two inputs broadcast, and
a shape error names both shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .calculus import quiet
from .tensor import Tensor, _elementwise, _tensors

__all__ = [
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arccosh",
    "arctanh", "exp2", "expm1", "log2", "log10", "log1p", "square", "cbrt", "sign", "floor",
    "ceil", "round", "trunc", "rint", "deg2rad", "rad2deg", "erf", "hypot", "arctan2",
    "logaddexp", "logaddexp2", "minimum", "fmin", "fmax", "mod", "remainder", "fmod",
    "copysign", "heaviside", "nan_to_num",
]  # fmt: skip


def _as_tensor(x: Any) -> Tensor:
    """x as is if a Tensor, else a constant Tensor (ints become float64)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _one_input(op: str) -> Callable[[Any], Tensor]:
    """The module-level form of the Tensor method ``op`` (same docstring)."""
    method = getattr(Tensor, op)

    def function(x: Any) -> Tensor:
        return method(_as_tensor(x))

    function.__name__ = function.__qualname__ = op
    function.__doc__ = method.__doc__
    return function


sin = _one_input("sin")
cos = _one_input("cos")
tan = _one_input("tan")
arcsin = _one_input("arcsin")
arccos = _one_input("arccos")
arctan = _one_input("arctan")
sinh = _one_input("sinh")
cosh = _one_input("cosh")
arcsinh = _one_input("arcsinh")
arccosh = _one_input("arccosh")
arctanh = _one_input("arctanh")
exp2 = _one_input("exp2")
expm1 = _one_input("expm1")
log2 = _one_input("log2")
log10 = _one_input("log10")
log1p = _one_input("log1p")
square = _one_input("square")
cbrt = _one_input("cbrt")
sign = _one_input("sign")
floor = _one_input("floor")
ceil = _one_input("ceil")
trunc = _one_input("trunc")
rint = _one_input("rint")
deg2rad = _one_input("deg2rad")
rad2deg = _one_input("rad2deg")
erf = _one_input("erf")


def round(x: Any, decimals: int = 0) -> Tensor:  # numpy's name, as np.round
    """x rounded to ``decimals`` decimals, halves to even (np.round); zero gradient."""
    return _as_tensor(x).round(decimals)


def nan_to_num(
    x: Any,
    copy: bool = True,
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
) -> Tensor:
    """x with nan, +inf and -inf replaced, as np.nan_to_num; dx = g where x is finite, 0
    where an entry was replaced. The result is always a new Tensor (``copy`` is accepted for
    numpy's signature: a Tensor's data is never changed in place)."""
    return _as_tensor(x).nan_to_num(nan=nan, posinf=posinf, neginf=neginf)


def _two_inputs(op: str, kernel: Callable[[Any, Any], Any], doc: str) -> Callable[..., Tensor]:
    """The function ``op(a, b)``: broadcasting, numpy's values, no warning, rule ``op``."""
    quiet_kernel = quiet(kernel)

    def function(a: Any, b: Any) -> Tensor:
        ta, tb = _tensors([a, b], op)
        return _elementwise(op, quiet_kernel, ta, tb)

    function.__name__ = function.__qualname__ = op
    function.__doc__ = doc
    return function


hypot = _two_inputs(
    "hypot", np.hypot, "sqrt(a^2 + b^2) without overflow; da = g a / out, db = g b / out."
)
arctan2 = _two_inputs(
    "arctan2",
    np.arctan2,
    "The angle of the point (b, a) in (-pi, pi] (numpy's arctan2(y, x) with y = a, x = b); "
    "da = g b / (a^2 + b^2), db = -g a / (a^2 + b^2).",
)
logaddexp = _two_inputs(
    "logaddexp",
    np.logaddexp,
    "log(e^a + e^b), stable at any magnitude; da = g e^(a - out), db = g e^(b - out).",
)
logaddexp2 = _two_inputs(
    "logaddexp2",
    np.logaddexp2,
    "log2(2^a + 2^b), stable at any magnitude; da = g 2^(a - out), db = g 2^(b - out).",
)
minimum = _two_inputs(
    "minimum",
    np.minimum,
    "Elementwise min(a, b) (nan if either is nan). The gradient goes to the smaller input; "
    "at a tie each input gets half of it (as ``maximum``).",
)
fmin = _two_inputs(
    "fmin",
    np.fmin,
    "Elementwise min(a, b) ignoring nan (the number where one input is nan); gradients as "
    "``minimum``, and all of g to the number where the other input is nan.",
)
fmax = _two_inputs(
    "fmax",
    np.fmax,
    "Elementwise max(a, b) ignoring nan (the number where one input is nan); gradients as "
    "``maximum``, and all of g to the number where the other input is nan.",
)
remainder = _two_inputs(
    "remainder",
    np.remainder,
    "a - b floor(a / b), with the sign of b (numpy's remainder, Python's %); nan where b = 0. "
    "da = g, db = -g floor(a / b).",
)
mod = remainder  # numpy: np.mod is np.remainder
fmod = _two_inputs(
    "fmod",
    np.fmod,
    "a - b trunc(a / b), with the sign of a (C's fmod); nan where b = 0. "
    "da = g, db = -g trunc(a / b).",
)
copysign = _two_inputs(
    "copysign",
    np.copysign,
    "|a| with the sign of b; da = +-g (0 at a = 0, as PyTorch), db = 0.",
)
heaviside = _two_inputs(
    "heaviside",
    np.heaviside,
    "The step function: 0 for a < 0, b for a = 0, 1 for a > 0 (np.heaviside); da = 0 "
    "everywhere, db = g where a = 0.",
)
