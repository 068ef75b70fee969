"""Property tests of the elementwise math and activations of the Tensor engine (calculus.UNARY's
appended rows, ELEMENTWISE_MATH, ACTIVATIONS) against float64 central differences, their
second-order tests, numpy's values (nan/inf outside a domain, never a warning), stability at
+-1e4 and the accuracy of the vectorised erf.

Values are drawn inside each function's domain and away from its kinks and jumps within the
finite-difference step: OFF_GRID (k/8 + 1/16, never a multiple of 1/2) keeps sign, floor, round,
the activations' kinks at 0, +-1, +-3, 6, and (with divisors of the form 3/2^k) the jumps of
remainder and fmod out of reach.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core import Tensor, calculus, testing, where

from helpers import covers, covers_second_order

FINITE = st.floats(-2.0, 2.0)
SMALL = st.floats(-1.0, 1.0)
POSITIVE = st.floats(0.2, 3.0)
AWAY_FROM_ZERO = st.floats(0.3, 2.0) | st.floats(-2.0, -0.3)
OFF_GRID = st.integers(-16, 15).map(lambda k: k / 8 + 1 / 16)
WIDE_OFF_GRID = st.integers(-64, 63).map(lambda k: k / 8 + 1 / 16)  # -8 .. 8: past 3 and 6
ON_GRID = st.integers(-16, 16).map(lambda k: k / 8)
# divisors 3 2^k: a / b = (2j + 1) / (3 2^m) is never an integer, so a never sits on a jump
DIVISORS = st.sampled_from([0.375, -0.375, 0.75, -0.75, 1.5, -1.5, 3.0, -3.0])

# size-0 and size-1 axes included
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0,
                                          max_side=3)


def arrays(shape, elements=FINITE):
    return hnp.arrays(np.float64, shape, elements=elements)


def leaf(a) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


def check_grad(f, inputs, **tolerances):
    """testing.check_grad, and for inputs with a size-0 axis (which central differences cannot
    perturb) the shapes: every input broadcasts to the output (every op here is elementwise),
    each gradient has its input's shape."""
    if all(x.size for x in inputs):
        return testing.check_grad(f, inputs, **tolerances)
    out = f(*inputs)
    assert np.broadcast_shapes(out.shape, *(x.shape for x in inputs)) == out.shape
    out.backward(np.ones(out.shape))
    for x in inputs:
        assert x.grad is None or x.grad.shape == x.shape


# --- functions of one input ------------------------------------------------------------------

# op -> (values drawn, numpy's function for the forward value)
UNARY_MATH = {
    "sin": (FINITE, np.sin),
    "cos": (FINITE, np.cos),
    "tan": (st.floats(-1.3, 1.3), np.tan),
    "arcsin": (st.floats(-0.9, 0.9), np.arcsin),
    "arccos": (st.floats(-0.9, 0.9), np.arccos),
    "arctan": (FINITE, np.arctan),
    "sinh": (FINITE, np.sinh),
    "cosh": (FINITE, np.cosh),
    "arcsinh": (FINITE, np.arcsinh),
    "arccosh": (st.floats(1.2, 3.0), np.arccosh),
    "arctanh": (st.floats(-0.9, 0.9), np.arctanh),
    "exp2": (FINITE, np.exp2),
    "expm1": (FINITE, np.expm1),
    "log2": (POSITIVE, np.log2),
    "log10": (POSITIVE, np.log10),
    "log1p": (st.floats(-0.8, 2.0), np.log1p),
    "square": (FINITE, np.square),
    "cbrt": (AWAY_FROM_ZERO, np.cbrt),
    "sign": (OFF_GRID, np.sign),
    "floor": (OFF_GRID, np.floor),
    "ceil": (OFF_GRID, np.ceil),
    "round": (OFF_GRID, np.round),
    "trunc": (OFF_GRID, np.trunc),
    "rint": (OFF_GRID, np.rint),
    "deg2rad": (FINITE, np.deg2rad),
    "rad2deg": (FINITE, np.rad2deg),
    "erf": (FINITE, np.vectorize(math.erf, otypes=[float])),
}


@covers(*UNARY_MATH)
@pytest.mark.parametrize("name", list(UNARY_MATH))
@given(data=st.data())
def test_unary_math(name, data):
    elements, reference = UNARY_MATH[name]
    x = data.draw(arrays(SHAPES, elements))
    method = lambda t: getattr(t, name)()
    function = getattr(ag, name)
    check_grad(method, [leaf(x)])
    check_grad(function, [leaf(x)])
    out = function(x)  # an array in: a constant Tensor out
    assert isinstance(out, Tensor) and not out.requires_grad and out.op == name
    np.testing.assert_allclose(out.data, reference(x), rtol=1e-15, atol=1e-300)


def test_zero_gradient_ops_give_zeros_even_for_an_inf_upstream():
    x = leaf([-1.5, 0.0, 2.5, 3.5])
    for name in ["sign", "floor", "ceil", "round", "trunc", "rint"]:
        getattr(x, name)().backward(np.array([np.inf, np.nan, 1.0, -1.0]))
        np.testing.assert_array_equal(x.grad, np.zeros(4), err_msg=name)
        x.grad = None


def test_round_decimals_and_half_to_even():
    x = leaf([0.5, 1.5, 2.5, -0.5, 1.2345])
    np.testing.assert_array_equal(x.round().data, [0.0, 2.0, 2.0, -0.0, 1.0])
    np.testing.assert_array_equal(ag.rint(x).data, [0.0, 2.0, 2.0, -0.0, 1.0])
    r = ag.round(x, 2)
    np.testing.assert_array_equal(r.data, np.round(x.data, 2))
    r.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(5))


def test_float32_stays_float32():
    x = Tensor(np.linspace(0.1, 0.9, 5, dtype=np.float32), requires_grad=True)
    for name in UNARY_MATH:
        out = getattr(x, name)()
        assert out.dtype == np.float32, name
        out.sum().backward()
        assert x.grad.dtype == np.float32, name
        x.grad = None
    for name in ["gelu", "mish", "silu", "softplus", "log_sigmoid", "selu"]:
        assert getattr(x, name)().dtype == np.float32, name


# --- numpy's values outside the domain, with no warning (pytest: warnings are errors) ---------

OUTSIDE = {
    "arcsin": ([2.0, -1.5], [np.nan, np.nan]),
    "arccos": ([2.0, -1.5], [np.nan, np.nan]),
    "arccosh": ([0.5, -2.0], [np.nan, np.nan]),
    "arctanh": ([1.0, -1.0, 2.0], [np.inf, -np.inf, np.nan]),
    "log2": ([0.0, -1.0], [-np.inf, np.nan]),
    "log10": ([0.0, -1.0], [-np.inf, np.nan]),
    "log1p": ([-1.0, -2.0], [-np.inf, np.nan]),
    "sin": ([np.inf, np.nan], [np.nan, np.nan]),
    "cos": ([-np.inf], [np.nan]),
    "tan": ([np.inf], [np.nan]),
    "sinh": ([1e3, -1e3], [np.inf, -np.inf]),
    "cosh": ([1e3], [np.inf]),
    "exp2": ([1e4, -1e4], [np.inf, 0.0]),
    "expm1": ([1e3, -1e3], [np.inf, -1.0]),
    "square": ([1e200], [np.inf]),
    "erf": ([np.inf, -np.inf, np.nan], [1.0, -1.0, np.nan]),
    "rad2deg": ([1e307], [np.inf]),
}


@pytest.mark.parametrize("name", list(OUTSIDE))
def test_outside_the_domain_numpy_values_and_no_warning(name):
    x, expected = OUTSIDE[name]
    t = leaf(x)
    out = getattr(ag, name)(t)
    np.testing.assert_array_equal(out.data, expected)
    out.backward(np.ones(len(x)))  # the rule meets the edge too: nan/inf, still no warning
    assert t.grad.shape == (len(x),)


def test_derivative_values_at_the_domain_edges():
    x = leaf([1.0, -1.0])
    ag.arcsin(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [np.inf, np.inf])
    c = leaf([0.0])
    ag.cbrt(c).sum().backward()
    np.testing.assert_array_equal(c.grad, [np.inf])


def test_where_idiom_differentiates_without_warning():
    x = leaf([-1.5, 0.5, 2.0, -3.0])  # log2 and log1p are nan there, their slopes finite
    y = where(x.data > 0, ag.log2(x), 0.0) + where(x.data > -1, ag.log1p(x), 0.0)
    y.sum().backward()
    expected = np.array([0.0, 1 / (0.5 * np.log(2)) + 1 / 1.5, 1 / (2 * np.log(2)) + 1 / 3, 0.0])
    np.testing.assert_allclose(x.grad, expected)
    # as in PyTorch, a masked-out entry where the rule itself is nan stays nan (0 * nan)
    z = leaf([2.0, 0.5])
    where(np.abs(z.data) < 1, ag.arcsin(z), 0.0).sum().backward()
    assert np.isnan(z.grad[0]) and z.grad[1] == pytest.approx(1 / np.sqrt(0.75))


# --- functions of two inputs -------------------------------------------------------------------

# op -> (values of a, values of b)
BINARY_MATH = {
    "hypot": (AWAY_FROM_ZERO, AWAY_FROM_ZERO),
    "arctan2": (AWAY_FROM_ZERO, AWAY_FROM_ZERO),
    "logaddexp": (FINITE, FINITE),
    "logaddexp2": (FINITE, FINITE),
    "minimum": (ON_GRID, OFF_GRID),
    "fmin": (ON_GRID, OFF_GRID),
    "fmax": (ON_GRID, OFF_GRID),
    "remainder": (OFF_GRID, DIVISORS),
    "mod": (OFF_GRID, DIVISORS),
    "fmod": (OFF_GRID, DIVISORS),
    "copysign": (OFF_GRID, OFF_GRID),
    "heaviside": (OFF_GRID, FINITE),
}


@covers(*(name for name in BINARY_MATH if name != "mod"))
@pytest.mark.parametrize("name", list(BINARY_MATH))
@given(data=st.data())
def test_binary_math_broadcasts(name, data):
    ea, eb = BINARY_MATH[name]
    sa, sb = data.draw(PAIRS).input_shapes
    a, b = data.draw(arrays(sa, ea)), data.draw(arrays(sb, eb))
    function = getattr(ag, name)
    check_grad(function, [leaf(a), leaf(b)])
    check_grad(lambda t: function(t, b), [leaf(a)])  # an array on either side is a constant
    check_grad(lambda t: function(a, t), [leaf(b)])
    out = function(a, b)
    np.testing.assert_allclose(out.data, getattr(np, name)(a, b), rtol=1e-15)


@given(data=st.data())
def test_mod_operator_is_remainder(data):
    sa, sb = data.draw(PAIRS).input_shapes
    a, b = data.draw(arrays(sa, OFF_GRID)), data.draw(arrays(sb, DIVISORS))
    check_grad(lambda x, y: x % y, [leaf(a), leaf(b)])
    check_grad(lambda x: x % b, [leaf(a)])
    check_grad(lambda y: a % y, [leaf(b)])  # ndarray % Tensor reaches Tensor.__rmod__
    out = leaf(a) % b
    assert out.op == "remainder"
    np.testing.assert_array_equal(out.data, np.remainder(a, b))
    x32 = Tensor(np.array([5.5, -5.5], dtype=np.float32))
    assert (x32 % 2).dtype == np.float32 and (3 % x32).dtype == np.float32
    np.testing.assert_array_equal((x32 % 0).data, [np.nan, np.nan])  # no warning


def test_minimum_fmin_fmax_split_ties_and_skip_nan():
    a = leaf([1.0, 2.0, 3.0, np.nan, 4.0])
    b = leaf([2.0, 2.0, 1.0, 5.0, np.nan])
    ag.minimum(a, b).backward(np.ones(5))
    np.testing.assert_array_equal(a.grad[:3], [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(b.grad[:3], [0.0, 0.5, 1.0])
    for fn, wins_a in [(ag.fmin, [1.0, 0.5, 0.0, 0.0, 1.0]), (ag.fmax, [0.0, 0.5, 1.0, 0.0, 1.0])]:
        a.grad = b.grad = None
        out = fn(a, b)
        np.testing.assert_array_equal(out.data, getattr(np, fn.__name__)(a.data, b.data))
        out.backward(np.ones(5))
        np.testing.assert_array_equal(a.grad, wins_a)
        np.testing.assert_array_equal(b.grad, [1.0 - w if i < 3 else float(i == 3)
                                               for i, w in enumerate(wins_a)])


def test_remainder_fmod_copysign_heaviside_values_and_edges():
    a, b = leaf([5.5, -5.5, 5.5, 0.0, -0.0]), leaf([2.0, 2.0, -2.0, 1.0, 1.0])
    assert ag.mod is ag.remainder
    np.testing.assert_array_equal(ag.remainder(a, b).data, [1.5, 0.5, -0.5, 0.0, 0.0])
    np.testing.assert_array_equal(ag.fmod(a, b).data, [1.5, -1.5, 1.5, 0.0, -0.0])
    ag.remainder(a, b).backward(np.ones(5))
    np.testing.assert_array_equal(b.grad, -np.floor(a.data / b.data))
    a.grad = b.grad = None
    ag.fmod(a, b).backward(np.ones(5))
    np.testing.assert_array_equal(b.grad, -np.trunc(a.data / b.data))
    np.testing.assert_array_equal(ag.remainder([1.0], [0.0]).data, [np.nan])  # no warning
    np.testing.assert_array_equal(ag.fmod([1.0], [0.0]).data, [np.nan])
    a.grad = b.grad = None
    ag.copysign(a, -b).backward(np.ones(5))
    np.testing.assert_array_equal(a.grad, [-1.0, 1.0, 1.0, 0.0, 0.0])  # 0 at a = 0
    np.testing.assert_array_equal(b.grad, np.zeros(5))
    x, h = leaf([-1.0, 0.0, 2.0]), leaf([0.25, 0.25, 0.25])
    out = ag.heaviside(x, h)
    np.testing.assert_array_equal(out.data, [0.0, 0.25, 1.0])
    out.backward(np.ones(3))
    np.testing.assert_array_equal(x.grad, np.zeros(3))
    np.testing.assert_array_equal(h.grad, [0.0, 1.0, 0.0])


def test_logaddexp_is_stable():
    a, b = leaf([1e4, -1e4, 0.0]), leaf([1e4, -1e4, -1e4])
    out = ag.logaddexp(a, b)
    np.testing.assert_allclose(out.data, [1e4 + np.log(2), -1e4 + np.log(2), 0.0], rtol=1e-15)
    out.backward(np.ones(3))
    np.testing.assert_allclose(a.grad, [0.5, 0.5, 1.0])
    np.testing.assert_allclose(b.grad, [0.5, 0.5, 0.0])


@covers("nan_to_num")
@given(x=arrays(SHAPES, FINITE))
def test_nan_to_num(x):
    check_grad(lambda t: t.nan_to_num(), [leaf(x)])
    check_grad(ag.nan_to_num, [leaf(x)])


def test_nan_to_num_replaces_and_blocks_the_gradient():
    x = leaf([np.nan, np.inf, -np.inf, 1.5])
    out = ag.nan_to_num(x, nan=-1.0, posinf=9.0)
    np.testing.assert_array_equal(out.data, [-1.0, 9.0, np.finfo(np.float64).min, 1.5])
    out.backward(np.full(4, 2.0))
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0, 2.0])


def test_bad_input_errors_name_the_op():
    with pytest.raises(ValueError, match=r"hypot: shapes \(2,\) and \(3,\)"):
        ag.hypot(leaf([1.0, 2.0]), np.ones(3))
    with pytest.raises(TypeError, match="Scalars and Tensors"):
        ag.sin(ag.Scalar(1.0))
    with pytest.raises(TypeError, match="dtype"):
        ag.sin(np.array(["a"]))
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh'"):
        leaf([1.0]).gelu(approximate="erf")
    with pytest.raises(ValueError, match="hardtanh: min_val"):
        leaf([1.0]).hardtanh(2.0, 1.0)
    with pytest.raises(ValueError, match="softplus: beta must be > 0"):
        leaf([1.0]).softplus(beta=0.0)


# --- activations -------------------------------------------------------------------------------

# name -> (values drawn, the Tensor call)
ACTIVATION_CALLS = {
    "leaky_relu": (WIDE_OFF_GRID, lambda t: t.leaky_relu(0.2)),
    "elu": (WIDE_OFF_GRID, lambda t: t.elu(alpha=0.7)),
    "selu": (WIDE_OFF_GRID, lambda t: t.selu()),
    "gelu": (WIDE_OFF_GRID, lambda t: t.gelu()),
    "gelu_tanh": (WIDE_OFF_GRID, lambda t: t.gelu(approximate="tanh")),
    "silu": (WIDE_OFF_GRID, lambda t: t.silu()),
    "softplus": (WIDE_OFF_GRID, lambda t: t.softplus(beta=2.0, threshold=5.0)),
    "softsign": (WIDE_OFF_GRID, lambda t: t.softsign()),
    "hardtanh": (WIDE_OFF_GRID, lambda t: t.hardtanh(-1.5, 2.0)),
    "relu6": (WIDE_OFF_GRID, lambda t: t.relu6()),
    "hardsigmoid": (WIDE_OFF_GRID, lambda t: t.hardsigmoid()),
    "hardswish": (WIDE_OFF_GRID, lambda t: t.hardswish()),
    "mish": (WIDE_OFF_GRID, lambda t: t.mish()),
    "log_sigmoid": (WIDE_OFF_GRID, lambda t: t.log_sigmoid()),
}


@covers(*(name for name in ACTIVATION_CALLS if name != "relu6"))
@pytest.mark.parametrize("name", list(ACTIVATION_CALLS))
@given(data=st.data())
def test_activations(name, data):
    elements, call = ACTIVATION_CALLS[name]
    check_grad(call, [leaf(data.draw(arrays(SHAPES, elements)))])


def test_softplus_default_threshold_and_beta():
    x = leaf([-30.0, -1.0, 0.0, 1.0, 19.0, 21.0])
    out = x.softplus()
    np.testing.assert_allclose(out.data, np.where(x.data > 20, x.data, np.log1p(np.exp(x.data))),
                               rtol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, np.where(x.data > 20, 1.0, 1 / (1 + np.exp(-x.data))))


def test_activations_at_the_kinks_follow_pytorch():
    x = leaf([-3.0, 0.0, 3.0, 6.0, -1.0, 1.0])
    expected = {
        "leaky_relu": (lambda t: t.leaky_relu(0.1), [0.1, 0.1, 1.0, 1.0, 0.1, 1.0]),
        "elu": (lambda t: t.elu(2.0), [2 * np.exp(-3.0), 2.0, 1.0, 1.0, 2 * np.exp(-1.0), 1.0]),
        "hardtanh": (lambda t: t.hardtanh(), [0.0, 1.0, 0.0, 0.0, 0.0, 0.0]),
        "relu6": (lambda t: t.relu6(), [0.0, 0.0, 1.0, 0.0, 0.0, 1.0]),
        "hardsigmoid": (lambda t: t.hardsigmoid(), [0.0, 1 / 6, 0.0, 0.0, 1 / 6, 1 / 6]),
        "hardswish": (lambda t: t.hardswish(), [-0.5, 0.5, 1.5, 1.0, 1 / 6, 5 / 6]),
    }
    for name, (call, dx) in expected.items():
        x.grad = None
        call(x).sum().backward()
        np.testing.assert_allclose(x.grad, dx, rtol=1e-15, err_msg=name)


EXTREMES = np.array([1e4, -1e4, 0.0])
# name -> the values at 1e4, -1e4, 0 and the derivatives there
STABLE = {
    "softplus": ([1e4, 0.0, np.log(2)], [1.0, 0.0, 0.5]),
    "log_sigmoid": ([0.0, -1e4, -np.log(2)], [0.0, 1.0, 0.5]),
    "silu": ([1e4, -0.0, 0.0], [1.0, 0.0, 0.5]),
    "gelu": ([1e4, -0.0, 0.0], [1.0, 0.0, 0.5]),
    "mish": ([1e4, -0.0, 0.0], [1.0, 0.0, 0.6]),
    "elu": ([1e4, -1.0, 0.0], [1.0, 0.0, 1.0]),
    "softsign": ([1e4 / (1 + 1e4), -1e4 / (1 + 1e4), 0.0], [1 / (1 + 1e4) ** 2] * 2 + [1.0]),
    "hardswish": ([1e4, -0.0, 0.0], [1.0, 0.0, 0.5]),
    "erf": ([1.0, -1.0, 0.0], [0.0, 0.0, 2 / np.sqrt(np.pi)]),
}


@pytest.mark.parametrize("name", list(STABLE))
def test_stable_at_1e4_without_warnings(name):
    value, slope = STABLE[name]
    x = leaf(EXTREMES)
    out = getattr(x, name)()
    np.testing.assert_allclose(out.data, value, rtol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, slope, rtol=1e-15, atol=1e-300)
    assert np.isfinite(getattr(x, name)().data).all()


def test_gelu_tail_is_accurate_and_tanh_form_is_close():
    x = leaf([-10.0, -5.0, 0.5, 3.0])
    # the same rounded argument -x / sqrt 2 (its rounding alone moves erfc(7) by 1e-14)
    exact = np.array([v * 0.5 * math.erfc(-v * math.sqrt(0.5)) for v in x.data])
    np.testing.assert_allclose(x.gelu().data, exact, rtol=1e-14)
    np.testing.assert_allclose(x.gelu(approximate="tanh").data[2:], exact[2:], atol=1e-3)


# --- erf -------------------------------------------------------------------------------------


def test_erf_is_accurate_to_1e15_including_the_tails():
    x = np.concatenate([
        np.linspace(-30.0, 30.0, 60001),
        np.geomspace(1e-300, 1.0, 2000),
        -np.geomspace(1e-300, 1.0, 2000),
        np.linspace(1.99, 2.01, 2001),  # both sides of the switch between the two methods
    ])
    ours = calculus.erf(x)
    ref = np.array([math.erf(v) for v in x])
    rel = np.abs(ours - ref) / np.where(ref == 0, 1.0, np.abs(ref))  # erf(0) = 0 exactly
    assert rel.max() <= 2e-15, (x[rel.argmax()], rel.max())
    a = np.linspace(0.0, 26.0, 20001)
    ours_c = calculus.erfc(np.concatenate([a, -a]))
    ref_c = np.array([math.erfc(v) for v in np.concatenate([a, -a])])
    assert (np.abs(ours_c - ref_c) / ref_c).max() <= 3e-13  # 1 - erf below 2, cancellation
    tail = a >= 2.0
    assert (np.abs(ours_c[: a.size][tail] - ref_c[: a.size][tail]) / ref_c[: a.size][tail]).max() \
        <= 2e-15


def test_erf_special_values_and_dtypes():
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 27.0, -40.0])
    out = calculus.erf(special)
    np.testing.assert_array_equal(out, [0.0, -0.0, 1.0, -1.0, np.nan, 1.0, -1.0])
    assert np.signbit(out[1])
    assert calculus.erf(np.float32(0.5)).dtype == np.float32
    assert calculus.erf(np.array(0.5)).shape == ()
    assert calculus.erf(np.zeros((2, 0))).shape == (2, 0)
    assert float(calculus.erf(np.array(1))) == pytest.approx(math.erf(1.0), rel=1e-15)


# --- second order: each rule differentiated again ----------------------------------------------

# op -> (f, values of a): checked through f(a) * b, whose first derivatives f'(a) b and f(a)
# are differentiated again
SECOND_ORDER_UNARY = {
    **{name: ((lambda n: lambda t: getattr(t, n)())(name), elements)
       for name, (elements, _) in UNARY_MATH.items()},
    "nan_to_num": (lambda t: t.nan_to_num(), SMALL),
    **{name: (call, elements) for name, (elements, call) in ACTIVATION_CALLS.items()},
}
# keep the objective small where f' grows (central differences lose digits above ~1e4)
SECOND_ORDER_UNARY["tan"] = (lambda t: t.tan(), SMALL)
SECOND_ORDER_UNARY["log2"] = (lambda t: t.log2(), st.floats(0.5, 3.0))
SECOND_ORDER_UNARY["log10"] = (lambda t: t.log10(), st.floats(0.5, 3.0))
SECOND_ORDER_UNARY["cbrt"] = (lambda t: t.cbrt(), st.floats(0.5, 2.0) | st.floats(-2.0, -0.5))


@covers_second_order(*(name for name in SECOND_ORDER_UNARY if name != "relu6"))
@pytest.mark.parametrize("name", list(SECOND_ORDER_UNARY))
@given(data=st.data())
def test_second_order_unary(name, data):
    f, elements = SECOND_ORDER_UNARY[name]
    a = leaf(data.draw(arrays((2, 2), elements)))
    b = leaf(data.draw(arrays((2, 2), SMALL)))
    _check_second_order(lambda x, y: f(x) * y, a, b)


SECOND_ORDER_BINARY = {
    name: ea_eb for name, ea_eb in BINARY_MATH.items() if name != "mod"
}


@covers_second_order(*SECOND_ORDER_BINARY)
@pytest.mark.parametrize("name", list(SECOND_ORDER_BINARY))
@given(data=st.data())
def test_second_order_binary(name, data):
    ea, eb = SECOND_ORDER_BINARY[name]
    a = leaf(data.draw(arrays((2, 2), ea)))
    b = leaf(data.draw(arrays((2,), eb)))  # broadcast
    function = getattr(ag, name)
    _check_second_order(lambda x, y: function(x, y) * (x * y), a, b)


def _check_second_order(fn, a, b):
    check_grad(fn, [a, b], order=2, rtol=1e-4, atol=1e-6)
