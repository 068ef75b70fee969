"""The Scalar engine's elementwise math: each op against central differences and against
Python's math, its second derivative through create_graph, the domain errors (Python's math
semantics: they raise, naming the op and the value), comparisons and conversions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_core import Scalar, grad
from autograd_core.scalar import RULES
from autograd_core.testing import check_grad, numerical_grad

FINITE = st.floats(-2.0, 2.0)
# op -> (values drawn, Python's reference value)
MATH = {
    "sin": (FINITE, math.sin),
    "cos": (FINITE, math.cos),
    "tan": (st.floats(-1.3, 1.3), math.tan),
    "arcsin": (st.floats(-0.95, 0.95), math.asin),
    "arccos": (st.floats(-0.95, 0.95), math.acos),
    "arctan": (FINITE, math.atan),
    "sinh": (FINITE, math.sinh),
    "cosh": (FINITE, math.cosh),
    "arcsinh": (FINITE, math.asinh),
    "arccosh": (st.floats(1.1, 4.0), math.acosh),
    "arctanh": (st.floats(-0.9, 0.9), math.atanh),
    "exp2": (FINITE, lambda x: 2.0**x),
    "expm1": (FINITE, math.expm1),
    "log2": (st.floats(0.1, 4.0), math.log2),
    "log10": (st.floats(0.1, 4.0), math.log10),
    "log1p": (st.floats(-0.9, 3.0), math.log1p),
    "erf": (FINITE, math.erf),
    "square": (FINITE, lambda x: x * x),
    "cbrt": (st.floats(0.1, 3.0) | st.floats(-3.0, -0.1), lambda x: float(np.cbrt(x))),
}


def test_every_math_op_is_a_rule():
    assert set(MATH) <= set(RULES)


@pytest.mark.parametrize("name", list(MATH))
@given(data=st.data())
def test_math_op_matches_central_differences_and_python(name, data):
    values, reference = MATH[name]
    x = data.draw(values)
    f = lambda s: getattr(s, name)()
    check_grad(f, [Scalar(x)], rtol=1e-6, atol=1e-8)
    assert f(Scalar(x)).data == reference(x)


@pytest.mark.parametrize("name", list(MATH))
@given(data=st.data())
def test_math_op_second_derivative(name, data):
    """d/dx of the first derivative computed with create_graph=True, against central
    differences of the first derivative."""
    values, _ = MATH[name]
    s = Scalar(data.draw(values))
    (d1,) = grad(getattr(s, name)(), [s], create_graph=True)
    (d2,) = grad(d1, [s]) if isinstance(d1, Scalar) and d1.requires_grad else (0.0,)

    def first(y):
        return grad(getattr(y, name)(), [y])[0]

    (numeric,) = numerical_grad(lambda y: _with_grad(first, y), [s], eps=1e-5)
    assert d2 == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def _with_grad(f, y):
    from autograd_core import enable_grad

    with enable_grad():  # numerical_grad evaluates under no_grad
        return f(y)


def test_cbrt_is_the_real_cube_root():
    assert Scalar(27.0).cbrt().data == pytest.approx(3.0, rel=1e-15)
    assert Scalar(-8.0).cbrt().data == pytest.approx(-2.0, rel=1e-15)


@pytest.mark.parametrize(
    ("thunk", "error", "message"),
    [
        (lambda: Scalar(2.0).arcsin(), ValueError, r"arcsin\(2.0\).*-1 <= x <= 1"),
        (lambda: Scalar(-1.5).arccos(), ValueError, r"arccos\(-1.5\)"),
        (lambda: Scalar(0.5).arccosh(), ValueError, r"arccosh\(0.5\).*x >= 1"),
        (lambda: Scalar(1.0).arctanh(), ValueError, r"arctanh\(1.0\).*-1 < x < 1"),
        (lambda: Scalar(0.0).log2(), ValueError, r"log2\(0.0\).*x > 0"),
        (lambda: Scalar(-1.0).log10(), ValueError, r"log10\(-1.0\)"),
        (lambda: Scalar(-1.0).log1p(), ValueError, r"log1p\(-1.0\).*x > -1"),
        (lambda: Scalar(math.inf).sin(), ValueError, r"sin\(inf\)"),
        (lambda: Scalar(1000.0).cosh(), OverflowError, r"cosh\(1000.0\) overflows"),
        (lambda: Scalar(-1000.0).sinh(), OverflowError, r"sinh\(-1000.0\) overflows"),
        (lambda: Scalar(2000.0).exp2(), OverflowError, r"exp2\(2000.0\) overflows"),
        (lambda: Scalar(1000.0).expm1(), OverflowError, r"expm1\(1000.0\) overflows"),
    ],
)
def test_domain_errors_name_the_op_and_the_value(thunk, error, message):
    with pytest.raises(error, match=message):
        thunk()


@pytest.mark.parametrize(
    ("op", "x"), [("arcsin", 1.0), ("arccos", -1.0), ("arccosh", 1.0), ("cbrt", 0.0)]
)
def test_infinite_derivative_at_the_edge_is_named(op, x):
    s = Scalar(x)
    y = getattr(s, op)()  # the value exists
    with pytest.raises(ZeroDivisionError, match=rf"{op}: the derivative at x = {x!r} is infinite"):
        y.backward()


def test_comparisons_return_bools_against_scalars_and_numbers():
    a, b = Scalar(1.0), Scalar(2.0)
    results = [a < b, a <= b, a > b, a >= b, a == b, a != b, a == 1, 1.0 == a, a < 1.5, 3 > a,
               a == Scalar(1.0), a != np.float64(1.0), b >= 2]
    assert results == [True, True, False, False, False, True, True, True, True, True, True,
                       False, True]
    assert all(type(r) is bool for r in results)
    assert (a == "1.0") is False and (a != None) is True  # noqa: E711
    with pytest.raises(TypeError):
        a < "x"  # noqa: B015


def test_hash_stays_by_identity_so_equal_nodes_are_distinct_set_members():
    a, b = Scalar(1.0), Scalar(1.0)
    assert a == b and hash(a) != hash(b) and len({a, b}) == 2
    y = a * b + a  # equal values in one graph: backprop keeps them apart
    y.backward()
    assert (a.grad, b.grad) == (2.0, 1.0)


def test_int_bool_float_conversions():
    assert int(Scalar(2.7)) == 2 and int(Scalar(-2.7)) == -2
    assert bool(Scalar(0.0)) is False and bool(Scalar(-0.0)) is False
    assert bool(Scalar(0.1)) is True and bool(Scalar(math.nan)) is True
    assert float(Scalar(1.5)) == 1.5
    with pytest.raises(ValueError):
        int(Scalar(math.nan))
    with pytest.raises(OverflowError):
        int(Scalar(math.inf))
