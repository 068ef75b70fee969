"""Property tests of the reductions beyond sum/mean/max (min, prod, var, std, cumsum,
cumprod, average, argmax/argmin, all/any) against float64 central differences and numpy's
values, on shapes with size-0 and size-1 axes, negative axes and tuples of axes, and slices
holding zeros for the products."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core import Tensor, grad
from autograd_core.testing import check_grad

from helpers import covers, covers_second_order

FINITE = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
WITH_ZEROS = st.sampled_from([0.0, 0.0, 1.5, -0.5]) | FINITE  # zeros in most slices
SMALL = st.floats(-1.0, 1.0)
GRID = st.integers(-16, 15).map(lambda k: k / 8 + 1 / 16)  # unique draws: no tie within eps


def leaf(a) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


@st.composite
def with_axes(draw, elements=FINITE, min_side=0, unique=False, single_axis=False):
    """(x, axis, keepdims): x of 1-3 dims with sides from ``min_side`` (0 = empty axes) to 3;
    axis None, an int (maybe negative) or a tuple of axes (a single int with single_axis)."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=min_side, max_side=3))
    x = leaf(draw(hnp.arrays(np.float64, shape, elements=elements, unique=unique)))
    nd = len(shape)
    kinds = ["int"] if single_axis else ["none", "int", "tuple"]
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = draw(st.integers(-nd, nd - 1))
    else:
        axis = tuple(draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd,
                                   unique_by=lambda a: a % nd)))
    return x, axis, draw(st.booleans())


def check(f, inputs):
    """check_grad, or for an empty input (nothing to perturb) that its gradient is empty and
    of its shape."""
    if all(x.size for x in inputs):
        return check_grad(f, inputs)
    out = f(*inputs)
    if out.requires_grad:
        for x, g in zip(inputs, grad(out.sum(), inputs)):
            assert g.shape == x.shape and (g.size == 0 or not g.any())


@covers("prod")
@given(with_axes(WITH_ZEROS))
def test_prod(case):
    x, axis, keepdims = case
    out = x.prod(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, np.prod(x.data, axis=axis, keepdims=keepdims))
    check(lambda t: t.prod(axis=axis, keepdims=keepdims), [x])


def test_prod_gradient_with_zeros_is_the_product_of_the_others():
    x = leaf([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 3.0]])
    x.prod(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [6.0, 3.0, 2.0]])


@covers("min")
@given(with_axes(GRID, min_side=1, unique=True))
def test_min(case):
    x, axis, keepdims = case
    np.testing.assert_array_equal(x.min(axis=axis, keepdims=keepdims).data,
                                  np.min(x.data, axis=axis, keepdims=keepdims))
    check(lambda t: t.min(axis=axis, keepdims=keepdims), [x])


def test_min_splits_ties_like_max():
    x = leaf([[1.0, 1.0, 2.0], [3.0, 0.0, 0.0]])
    x.min(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]])
    with pytest.raises(ValueError, match=r"min: .*shape \(2, 0\).*empty"):
        leaf(np.zeros((2, 0))).min(axis=1)


@covers("var")
@given(with_axes(FINITE, min_side=1), st.integers(0, 1))
def test_var_and_std(case, ddof):
    x, axis, keepdims = case
    axes = axis if axis is not None else tuple(range(x.ndim))
    n = int(np.prod([x.shape[a] for a in np.atleast_1d(axes)]))
    if n - ddof <= 0:
        ddof = 0
    np.testing.assert_allclose(x.var(axis=axis, ddof=ddof, keepdims=keepdims).data,
                               np.var(x.data, axis=axis, ddof=ddof, keepdims=keepdims),
                               atol=1e-12)
    np.testing.assert_allclose(ag.std(x, axis=axis, ddof=ddof, keepdims=keepdims).data,
                               np.std(x.data, axis=axis, ddof=ddof, keepdims=keepdims),
                               atol=1e-12)
    check(lambda t: t.var(axis=axis, ddof=ddof, keepdims=keepdims), [x])
    if np.all(np.var(x.data, axis=axis) > 1e-3):  # std has no derivative at var = 0
        check_grad(lambda t: t.std(axis=axis, ddof=ddof, keepdims=keepdims), [x])


def test_var_of_nothing_and_without_degrees_of_freedom_follow_numpy():
    with np.errstate(all="ignore"):
        assert np.isnan(leaf(np.zeros((0, 2))).var(axis=0).data).all()
        np.testing.assert_array_equal(leaf([1.0, 2.0]).var(ddof=2).data, np.inf)
        assert np.isnan(leaf([1.0]).var(ddof=1).data)


@covers("cumsum")
@given(with_axes(FINITE, single_axis=True))
def test_cumsum(case):
    x, axis, _ = case
    np.testing.assert_allclose(x.cumsum(axis=axis).data, np.cumsum(x.data, axis=axis))
    check(lambda t: t.cumsum(axis=axis), [x])
    np.testing.assert_allclose(ag.cumsum(x).data, np.cumsum(x.data))  # flattened


@covers("cumprod")
@given(with_axes(WITH_ZEROS, single_axis=True))
def test_cumprod(case):
    x, axis, _ = case
    np.testing.assert_allclose(x.cumprod(axis=axis).data, np.cumprod(x.data, axis=axis))
    check(lambda t: t.cumprod(axis=axis), [x])
    check(lambda t: ag.cumprod(t), [x])  # flattened


def test_cumprod_gradient_with_zeros():
    x = leaf([2.0, 0.0, 3.0, 4.0])
    x.cumprod().sum().backward()
    # out = [x0, x0 x1, x0 x1 x2, x0 x1 x2 x3]; at x = (2, 0, 3, 4):
    np.testing.assert_array_equal(x.grad, [1.0, 2.0 + 6.0 + 24.0, 0.0, 0.0])


@given(with_axes(FINITE, min_side=1, single_axis=True), st.data())
def test_average(case, data):
    x, axis, keepdims = case
    w1 = data.draw(hnp.arrays(np.float64, (x.shape[axis],), elements=st.floats(0.5, 2.0)))
    wfull = leaf(data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(0.5, 2.0))))
    np.testing.assert_allclose(ag.average(x, axis=axis, weights=w1, keepdims=keepdims).data,
                               np.average(x.data, axis=axis, weights=w1, keepdims=keepdims))
    np.testing.assert_allclose(x.average(axis=axis, weights=wfull).data,
                               np.average(x.data, axis=axis, weights=wfull.data))
    np.testing.assert_allclose(x.average().data, np.average(x.data))
    check(lambda t, w: t.average(axis=axis, weights=w, keepdims=keepdims), [x, wfull])
    check(lambda t: t.average(axis=axis, weights=w1), [x])


def test_average_rejects_mismatched_weights():
    with pytest.raises(ValueError, match=r"average: weights of shape \(2,\).*\(2, 3\)"):
        leaf(np.ones((2, 3))).average(axis=1, weights=[1.0, 2.0])


@given(with_axes(FINITE, min_side=1, single_axis=True))
def test_argmax_argmin_all_any(case):
    x, axis, keepdims = case
    for op in ("argmax", "argmin"):
        got = getattr(x, op)(axis=axis, keepdims=keepdims)
        assert isinstance(got, np.ndarray) and got.dtype.kind == "i"
        np.testing.assert_array_equal(got, getattr(np, op)(x.data, axis=axis, keepdims=keepdims))
        np.testing.assert_array_equal(getattr(ag, op)(x), getattr(np, op)(x.data))
    mask = Tensor((x.data > 0).astype(float))
    for op in ("all", "any"):
        got = getattr(mask, op)(axis=axis, keepdims=keepdims)
        assert got.dtype == bool
        np.testing.assert_array_equal(got, getattr(np, op)(x.data > 0, axis=axis,
                                                          keepdims=keepdims))


def test_reduction_errors_name_the_op():
    x = leaf(np.ones((2, 3)))
    with pytest.raises(ValueError, match="prod: axis 2 is out of range"):
        x.prod(axis=2)
    with pytest.raises(TypeError, match="cumsum: axis must be an int"):
        x.cumsum(axis=(0, 1))
    with pytest.raises(ValueError, match=r"argmax: the Tensor of shape \(0,\) is empty"):
        leaf([]).argmax()
    with pytest.raises(ValueError, match="cumprod: axis -3 is out of range"):
        x.cumprod(axis=-3)


def test_module_level_forms_record_the_graph():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    for fn in (ag.sum, ag.mean, ag.max, ag.min, ag.amax, ag.amin, ag.prod, ag.var, ag.std):
        y = fn(x, axis=0)
        assert y.requires_grad and y.shape == (2,)
    c = ag.prod(np.array([2.0, 3.0]))  # an array gives a constant
    assert c.data == 6.0 and not c.requires_grad


ZEROS_SMALL = st.sampled_from([0.0, 0.5, -1.0]) | SMALL
SECOND = {
    "min": (lambda a, b: a.min(axis=0) * b, True),  # (drawn from GRID)
    "prod": (lambda a, b: (a * b).prod(axis=-1, keepdims=True) * a, False),
    "var": (lambda a, b: (a * b).var(axis=0, ddof=1) * b, False),
    "cumsum": (lambda a, b: (a * b).cumsum(axis=1) * a, False),
    "cumprod": (lambda a, b: (a * b).cumprod(axis=0), False),
}


@covers_second_order(*SECOND)
@pytest.mark.parametrize("name", list(SECOND))
@given(data=st.data())
def test_second_order(name, data):
    fn, unique = SECOND[name]
    elements = {"prod": ZEROS_SMALL, "cumprod": ZEROS_SMALL, "min": GRID}.get(name, SMALL)
    a = leaf(data.draw(hnp.arrays(np.float64, (2, 3), elements=elements, unique=unique)))
    b = leaf(data.draw(hnp.arrays(np.float64, (2, 3), elements=SMALL)))
    check_grad(fn, [a, b], order=2, rtol=1e-4, atol=1e-6)


# --- empty inputs: numpy's results, or an error naming the op (never numpy's words) ----------
@pytest.mark.parametrize("shape", [(0, 3), (2, 0), (0, 0)])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_over_an_empty_axis_is_empty_and_differentiates(shape, op):
    x = Tensor(np.zeros(shape), requires_grad=True)
    for axis in (0, 1):
        y = getattr(x, op)(axis=axis)
        assert y.shape == shape
        y.sum().backward()
        assert x.grad.shape == shape and not x.grad.any()
        x.grad = None


def test_logsumexp_of_nothing_is_minus_infinity():
    """log(sum over no entries of e^x) = log 0 = -inf, as numpy's log(np.exp(x).sum())."""
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    np.testing.assert_array_equal(x.logsumexp(axis=0).data, [-np.inf] * 3)
    assert x.logsumexp().item() == -np.inf
    assert x.logsumexp(axis=1).shape == (0,)
    x.logsumexp(axis=0).sum().backward()
    assert x.grad.shape == (0, 3)


def test_argmax_of_empty_rows_and_of_an_empty_axis():
    x = Tensor(np.zeros((0, 3)))
    assert x.argmax(axis=1).shape == (0,) and x.argmin(axis=1).shape == (0,)
    for op in ("argmax", "argmin"):
        empty_axis = rf"{op}: the Tensor of shape \(0, 3\) is empty along axis 0"
        with pytest.raises(ValueError, match=empty_axis):
            getattr(x, op)(axis=0)
        with pytest.raises(ValueError, match=f"{op}: the Tensor of shape \\(0, 3\\) is empty;"):
            getattr(x, op)()


def test_cross_entropy_without_classes_names_the_problem():
    x = Tensor(np.zeros((2, 0)), requires_grad=True)
    with pytest.raises(ValueError, match=r"logits of shape \(2, 0\) have no classes"):
        x.cross_entropy(np.zeros((2, 0)))
    rows = Tensor(np.zeros((0, 3)), requires_grad=True)
    loss = rows.cross_entropy(np.zeros((0, 3)))  # no rows: the sum of no losses
    assert loss.item() == 0.0
    loss.backward()
    assert rows.grad.shape == (0, 3)
