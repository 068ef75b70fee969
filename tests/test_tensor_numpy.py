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
