"""numpy semantics of the Tensor engine: domain edges give numpy's values (no exception, no
warning: pytest runs with warnings as errors), gradients there follow PyTorch; comparisons,
conversions and iteration; ``np.*`` called on Tensors."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_core import Tensor, grad, where
from autograd_core.testing import check_grad


def leaf(values) -> Tensor:
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


# --- domain edges: values as numpy, gradients as PyTorch ---------------------------------------


def test_where_log_idiom_differentiates_without_warning():
    x = leaf([2.0, 0.0, -1.0, 0.5])
    y = where(x > 0, x.log(), 0.0)
    np.testing.assert_allclose(y.data, [np.log(2.0), 0.0, 0.0, np.log(0.5)])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [0.5, 0.0, 0.0, 2.0])
    check_grad(lambda t: where(t > 0, t.log(), 0.0), [leaf([2.0, -1.0, 0.5])])
    # the same for the other singular derivatives: a zero upstream gradient stays zero
    for f in (lambda t: t.sqrt(), lambda t: 1.0 / t, lambda t: t.reciprocal(), lambda t: t**0.5):
        x = leaf([0.0, -1.0, 4.0])
        where(x > 0, f(x), 0.0).sum().backward()
        assert x.grad[0] == 0.0 and x.grad[1] == 0.0 and np.isfinite(x.grad[2])


def test_gradients_at_domain_edges_follow_pytorch():
    x = leaf([0.0, 2.0, -3.0])
    (dx,) = [grad((x**0).sum(), x)]
    np.testing.assert_array_equal(dx, [0.0, 0.0, 0.0])  # d/dx x**0 = 0, even at 0
    b = leaf([0.0, 0.0, 1.0])
    da, db = grad((x**b).sum(), [x, b])
    np.testing.assert_array_equal(da, [0.0, 0.0, 1.0])
    assert db[0] == 0.0 and db[1] == np.log(2.0) and np.isnan(db[2])  # ln of a negative base
    s = leaf([0.0, 4.0])
    np.testing.assert_array_equal(grad(s.sqrt().sum(), s), [np.inf, 0.25])
    assert grad(s.log().sum(), s)[0] == np.inf
    r = leaf([0.0])
    assert grad(r.reciprocal().sum(), r)[0] == -np.inf
    assert grad((1.0 / r).sum(), r)[0] == -np.inf


def test_pow_edge_gradient_to_second_order():
    # d/dx x**0 = 0 must also hold when the first derivative is differentiated again
    x = leaf([0.0, 1.5])
    (dx,) = [grad((x**0.0).sum(), x, create_graph=True)]
    np.testing.assert_array_equal(dx.data, [0.0, 0.0])
    b = leaf([0.0, 0.0])
    da = grad((x**b).sum(), x, create_graph=True)
    np.testing.assert_array_equal(da.data, [0.0, 0.0])
    # off the edge, d/db (b a^(b-1)) = a^-1 at b = 0 survives the mask
    np.testing.assert_allclose(grad(da.sum(), b)[1], 1 / 1.5)


def test_reductions_over_empty_axes_follow_numpy():
    e = leaf(np.zeros((0, 3)))
    m = e.mean(axis=0)
    assert np.isnan(m.data).all() and m.shape == (3,)
    assert np.isnan(e.mean().data)
    np.testing.assert_array_equal(e.sum(axis=0).data, np.zeros(3))
    assert e.mean(axis=1).shape == (0,)
    m.sum().backward()
    assert e.grad.shape == (0, 3)
    assert leaf(np.zeros((3, 0))).max(axis=0).shape == (0,)
    with pytest.raises(ValueError, match=r"max: .*shape \(0, 3\).*empty"):
        e.max(axis=0)
    with pytest.raises(ValueError, match="max: .*empty"):
        e.max()


# --- comparisons, conversions, iteration ----------------------------------------------------


def test_comparisons_are_elementwise_constant_bool_arrays():
    x = leaf([1.0, 2.0, 3.0])
    y = Tensor([3.0, 2.0, 1.0])
    cases = {
        "==": (x == 2, [False, True, False]), "!=": (x != y, [True, False, True]),
        "<": (x < y, [True, False, False]), "<=": (x <= 2.0, [True, True, False]),
        ">": (x > np.array([0.0, 5.0, 0.0]), [True, False, True]),
        ">=": (x >= y, [False, True, True]),
    }  # fmt: skip
    for op, (got, want) in cases.items():
        assert type(got) is np.ndarray and got.dtype == bool, op
        np.testing.assert_array_equal(got, want, err_msg=op)
    assert (2 == x).tolist() == [False, True, False]  # reflected
    assert (np.float64(1.0) == x).tolist() == [True, False, False]


def test_hash_stays_identity_so_graphs_still_work():
    a, b = leaf([1.0]), leaf([1.0])
    assert hash(a) == object.__hash__(a)
    assert len({a, b}) == 2 and a in {a} and b not in {a}
    d = {a: 1, b: 2}
    assert d[a] == 1 and d[b] == 2
    y = a * a + a * b  # a is reached along several paths: toposort's set dedupes by identity
    y.backward()
    assert a.grad[0] == 3.0 and b.grad[0] == 1.0


def test_isnan_isinf_isfinite_isclose():
    import autograd_core as ag

    x = Tensor([1.0, np.nan, np.inf, -np.inf])
    for name, want in (("isnan", [0, 1, 0, 0]), ("isinf", [0, 0, 1, 1]),
                       ("isfinite", [1, 0, 0, 0])):
        for got in (getattr(x, name)(), getattr(ag, name)(x)):
            assert isinstance(got, np.ndarray) and got.dtype == bool
            np.testing.assert_array_equal(got, np.array(want, dtype=bool))
    close = Tensor([1.0, 1.0 + 1e-9, 2.0]).isclose(np.ones(3))
    np.testing.assert_array_equal(close, [True, True, False])
    np.testing.assert_array_equal(ag.isclose(x, x, equal_nan=True), [True] * 4)


def test_float_and_int_of_one_element_tensors():
    assert float(Tensor([[2.5]])) == 2.5 and isinstance(float(Tensor(2.5)), float)
    assert int(Tensor([-2.7])) == -2 and isinstance(int(Tensor([3.0])), int)
    with pytest.raises(TypeError, match=r"float\(\) of a Tensor of shape \(2,\)"):
        float(Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"int\(\) of a Tensor of shape \(0,\)"):
        int(Tensor([]))


def test_iteration_yields_rows_that_carry_gradient():
    x = leaf([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    rows = list(x)
    assert len(rows) == 3 and all(isinstance(r, Tensor) and r.shape == (2,) for r in rows)
    total = rows[0] * 1.0 + rows[2] * 2.0
    a, b = total  # unpacking iterates too
    (a + b).backward()
    np.testing.assert_array_equal(x.grad, [[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]])
    assert [float(v) for v in Tensor([1.0, 2.0])] == [1.0, 2.0]
    with pytest.raises(TypeError, match="0-d Tensor"):
        iter(Tensor(1.0))
    with pytest.raises(TypeError, match="0-d Tensor"):
        list(Tensor(1.0))
