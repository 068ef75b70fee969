"""Property tests of sorting and selection (sort, argsort, topk, median, quantile) against numpy's
values and float64 central differences, first and second order.

Values are distinct (hypothesis ``unique=True``) and on a grid of 1/8 shifted by 1/16, so no two
entries swap places within the finite-difference step: away from ties these functions are
smooth (piecewise linear in x).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ac
from autograd_core import Tensor
from autograd_core.testing import check_grad

from helpers import covers, covers_second_order

OFF_GRID = st.integers(-16, 15).map(lambda k: k / 8 + 1 / 16)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def leaf(a) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


def distinct(shape=SHAPES):
    return hnp.arrays(np.float64, shape, elements=OFF_GRID, unique=True)


@st.composite
def with_axes(draw):
    """A tensor with distinct entries and an axis argument: None, an int or a tuple."""
    x = draw(distinct())
    nd = x.ndim
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if choice == "none":
        axis = None
    elif choice == "int":
        axis = draw(st.integers(-nd, nd - 1))
    else:
        axis = tuple(
            draw(
                st.lists(
                    st.integers(-nd, nd - 1), min_size=1, max_size=nd, unique_by=lambda a: a % nd
                )
            )
        )
    return x, axis, draw(st.booleans())


@covers("sort")
@given(x=distinct(), data=st.data())
def test_sort(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1) | st.none())
    out = ac.sort(x, axis=axis)
    np.testing.assert_array_equal(out.data, np.sort(x, axis=axis))
    np.testing.assert_array_equal(ac.argsort(x, axis=axis), np.argsort(x, axis=axis))
    check_grad(lambda t: ac.sort(t, axis=axis), [leaf(x)])
    if axis is not None:
        check_grad(lambda t: t.sort(axis=axis), [leaf(x)])
        np.testing.assert_array_equal(leaf(x).argsort(axis), np.argsort(x, axis=axis))


def test_sort_routes_the_gradient_through_the_permutation_and_ties_keep_their_order():
    x = Tensor(np.array([3.0, 1.0, 2.0, 1.0]), requires_grad=True)
    out = x.sort()
    np.testing.assert_array_equal(out.data, [1.0, 1.0, 2.0, 3.0])
    out.backward(np.array([10.0, 20.0, 30.0, 40.0]))
    # the first 1.0 (position 1) went to slot 0, the second (position 3) to slot 1
    np.testing.assert_array_equal(x.grad, [40.0, 10.0, 30.0, 20.0])
    np.testing.assert_array_equal(x.argsort(), [1, 3, 2, 0])
    assert x.argsort().dtype.kind == "i"


@covers("topk")
@given(x=distinct(), data=st.data())
def test_topk(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    k = data.draw(st.integers(0, x.shape[axis]))
    largest = data.draw(st.booleans())
    values, indices = ac.topk(x, k, axis=axis, largest=largest)
    order = np.argsort(-x if largest else x, axis=axis)
    expected = np.take_along_axis(x, order, axis=axis).take(np.arange(k), axis=axis)
    np.testing.assert_array_equal(values.data, expected)
    np.testing.assert_array_equal(np.take_along_axis(x, indices, axis=axis), expected)
    assert isinstance(indices, np.ndarray) and indices.dtype.kind == "i"
    if k:
        check_grad(lambda t: t.topk(k, axis=axis, largest=largest).values, [leaf(x)])


def test_topk_gradient_goes_to_the_selected_entries_only():
    x = Tensor(np.array([[1.0, 5.0, 3.0], [4.0, 4.0, 0.0]]), requires_grad=True)
    values, indices = x.topk(2)
    np.testing.assert_array_equal(values.data, [[5.0, 3.0], [4.0, 4.0]])
    np.testing.assert_array_equal(indices, [[1, 2], [0, 1]])
    values.backward(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(x.grad, [[0.0, 1.0, 2.0], [3.0, 4.0, 0.0]])


@covers("quantile")
@given(args=with_axes(), q=st.floats(0, 1) | st.lists(st.floats(0, 1), min_size=1, max_size=3))
def test_quantile(args, q):
    x, axis, keepdims = args
    out = ac.quantile(x, q, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(
        out.data, np.quantile(x, q, axis=axis, keepdims=keepdims), rtol=1e-15, atol=1e-15
    )
    check_grad(lambda t: ac.quantile(t, q, axis=axis, keepdims=keepdims), [leaf(x)])
    check_grad(lambda t: t.quantile(q, axis=axis, keepdims=keepdims), [leaf(x)])


@given(args=with_axes())
def test_median(args):
    x, axis, keepdims = args
    out = ac.median(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, np.median(x, axis=axis, keepdims=keepdims), rtol=1e-15)
    check_grad(lambda t: t.median(axis=axis, keepdims=keepdims), [leaf(x)])


def test_quantile_splits_the_gradient_by_the_interpolation_weights():
    x = Tensor(np.array([4.0, 1.0, 3.0, 2.0]), requires_grad=True)
    out = x.quantile(0.25)  # h = 3 * 0.25 = 0.75: 0.25 * 1.0 + 0.75 * 2.0
    assert out.item() == pytest.approx(1.75)
    out.backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.25, 0.0, 0.75])
    x.grad = None
    x.median().backward()  # the two middle entries, 2 and 3, get half each
    np.testing.assert_allclose(x.grad, [0.0, 0.0, 0.5, 0.5])
    y = Tensor(np.array([[5.0, 1.0, 3.0]]), requires_grad=True)
    y.median(axis=1).backward()  # an odd count: the middle entry gets all of it
    np.testing.assert_array_equal(y.grad, [[0.0, 0.0, 1.0]])
    z = Tensor(np.array([2.0, 7.0]), requires_grad=True)
    z.quantile([0.0, 1.0]).sum().backward()  # the extremes: one neighbour each
    np.testing.assert_array_equal(z.grad, [1.0, 1.0])


def test_nan_and_inf():
    """A slice with a nan has a nan quantile (as numpy: sorting would put the nan last). An
    exact rank is that entry even next to an inf, where np.quantile's interpolation makes nan
    of inf - inf (np.median agrees with us)."""
    x = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, np.inf], [-np.inf, 0.0, np.inf]])
    np.testing.assert_array_equal(Tensor(x).quantile(0.3, axis=1).data[0], np.nan)
    np.testing.assert_array_equal(
        Tensor(x[1]).quantile([0.0, 0.25, 0.5, 1.0]).data, [1.0, 1.5, 2.0, np.inf]
    )
    with np.errstate(invalid="ignore"):
        expected = np.median(x, axis=1)
    np.testing.assert_array_equal(ac.median(x, axis=1).data, expected)


def test_size_one_axes_and_float32():
    x = Tensor(np.array([[2.5]], dtype=np.float32), requires_grad=True)
    assert x.median().dtype == np.float32 and x.median().item() == 2.5
    assert x.sort(axis=0).dtype == np.float32
    x.quantile(0.3, axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[1.0]])


def test_errors_name_the_op_and_the_bad_value():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"topk: k=4 must be an integer in \[0, 3\]"):
        x.topk(4)
    with pytest.raises(ValueError, match=r"topk: k=-1"):
        x.topk(-1)
    with pytest.raises(ValueError, match="sort: axis 2 is out of range"):
        x.sort(axis=2)
    with pytest.raises(ValueError, match="argsort: axis -3 is out of range"):
        x.argsort(axis=-3)
    with pytest.raises(ValueError, match=r"quantile: q must be in \[0, 1\], got 1.5"):
        x.quantile(1.5)
    with pytest.raises(ValueError, match=r"quantile: q must be in \[0, 1\]"):
        x.quantile([0.5, np.nan])
    with pytest.raises(ValueError, match=r"median: no entries .* shape \(2, 0\)"):
        Tensor(np.ones((2, 0))).median(axis=1)
    with pytest.raises(ValueError, match="quantile: method='nearest' is not supported"):
        ac.quantile(x, 0.5, method="nearest")
    with pytest.raises(ValueError, match="median: out=.* is not supported"):
        ac.median(x, out=np.empty(()))
    with pytest.raises(ValueError, match="sort: order='f' is not supported"):
        ac.sort(x, order="f")


def test_size_zero_sorts():
    x = Tensor(np.ones((2, 0)), requires_grad=True)
    out = x.sort(axis=1)
    assert out.shape == (2, 0)
    out.sum().backward()
    assert x.grad.shape == (2, 0)
    assert x.topk(0, axis=0).values.shape == (0, 0)


SECOND_ORDER = {
    "sort": lambda a: a.sort(axis=0) * a,
    "topk": lambda a: a.topk(2, axis=-1).values ** 2,
    "quantile": lambda a: a.quantile([0.3, 0.6], axis=(0, 1)) * a.median(axis=0).sum(),
}


@covers_second_order(*SECOND_ORDER)
@pytest.mark.parametrize("name", list(SECOND_ORDER))
@given(x=distinct((3, 3)))
def test_second_order(name, x):
    fn = SECOND_ORDER[name]
    check_grad(fn, [leaf(x)], order=2, rtol=1e-4, atol=1e-6)
