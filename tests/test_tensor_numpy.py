"""numpy semantics of the Tensor engine: domain edges give numpy's values (no exception, no
warning: pytest runs with warnings as errors), gradients there follow PyTorch; comparisons,
conversions and iteration; ``np.*`` called on Tensors."""

from __future__ import annotations

import operator
from pathlib import Path

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Tensor, grad, numpy_api, where
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


# --- np.* on Tensors --------------------------------------------------------------------------

def _same_graph(a: Tensor, b: Tensor, inputs) -> None:
    """a and b: equal values, the same op at the root, the same gradients."""
    np.testing.assert_allclose(a.data, b.data)
    assert a.op == b.op and a.requires_grad and b.requires_grad
    used_a = grad(a.sum(), inputs, allow_unused=True)
    used_b = grad(b.sum(), inputs, allow_unused=True)
    for ga, gb in zip(used_a, used_b):
        assert (ga is None) == (gb is None)
        if ga is not None:
            np.testing.assert_allclose(ga, gb)


def test_numpy_calls_record_the_graph_like_the_methods():
    t = leaf([[0.5, 1.5], [2.0, 3.0]])
    u = leaf([[1.0, -1.0], [0.25, 2.0]])
    m = np.array([[True, False], [False, True]])
    pairs = [
        (np.exp(t), t.exp()), (np.log(t), t.log()), (np.sqrt(t), t.sqrt()),
        (np.tanh(t), t.tanh()), (np.negative(t), -t), (np.absolute(u), abs(u)), (np.abs(u), abs(u)),
        (np.reciprocal(t), t.reciprocal()),
        (np.add(t, u), t + u), (np.subtract(t, u), t - u), (np.multiply(t, u), t * u),
        (np.divide(t, u), t / u), (np.true_divide(t, 2.0), t / 2.0), (np.power(t, 2.0), t**2.0),
        (np.power(t, u), t**u), (np.matmul(t, u), t @ u), (np.dot(t, u), t.dot(u)),
        (np.maximum(t, 1.0), ag.maximum(t, 1.0)),
        (np.sum(t, axis=0), t.sum(axis=0)), (np.mean(t), t.mean()), (np.max(t, axis=1), t.max(1)),
        (np.min(t, axis=-1, keepdims=True), t.min(-1, keepdims=True)), (np.prod(t), t.prod()),
        (np.var(t, ddof=1), t.var(ddof=1)), (np.std(t, axis=0), t.std(axis=0)),
        (np.cumsum(t, axis=1), t.cumsum(axis=1)), (np.cumprod(t), t.cumprod()),
        (np.average(t, axis=0, weights=[1.0, 3.0]), t.average(axis=0, weights=[1.0, 3.0])),
        (np.concatenate([t, u]), ag.concat([t, u])),
        (np.stack([t, u], axis=1), ag.stack([t, u], 1)),
        (np.where(m, t, u), where(m, t, u)), (np.reshape(t, (4,)), t.reshape(4)),
        (np.transpose(t), t.T), (np.clip(u, -0.5, 0.5), u.clip(-0.5, 0.5)),
    ]  # fmt: skip
    for got, want in pairs:
        assert isinstance(got, Tensor), want.op
        _same_graph(got, want, [t, u])
    assert np.shape(t) == (2, 2) and np.ndim(t) == 2 and np.size(t) == 4
    np.testing.assert_array_equal(np.argmax(t, axis=0), [1, 1])
    assert np.all(t) and np.any(u > 1.0)
    np.testing.assert_array_equal(np.isnan(Tensor([np.nan, 1.0])), [True, False])
    np.testing.assert_array_equal(np.isclose(t, t.data), np.ones((2, 2), bool))


OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
             "**": operator.pow, "@": operator.matmul}


@pytest.mark.parametrize("symbol", list(OPERATORS))
def test_ndarray_and_tensor_in_both_orders_give_a_tensor_with_the_graph(symbol):
    op = OPERATORS[symbol]
    a = np.array([[0.5, 2.0], [1.5, 1.0]])
    t = leaf([[1.0, 0.5], [2.0, 1.5]])
    for got, want in ((op(a, t), op(Tensor(a), t)), (op(t, a), op(t, Tensor(a)))):
        assert isinstance(got, Tensor) and got.requires_grad, symbol
        np.testing.assert_allclose(got.data, want.data)
        np.testing.assert_allclose(grad(got.sum(), t), grad(want.sum(), t))
    f32 = Tensor(np.ones(2, np.float32), requires_grad=True)
    assert op(np.ones(2, np.float32), f32).dtype == np.float32


def test_comparisons_with_an_ndarray_on_the_left():
    t = Tensor([1.0, 2.0])
    a = np.array([2.0, 2.0])
    np.testing.assert_array_equal(a > t, [True, False])
    np.testing.assert_array_equal(a == t, [False, True])


def test_unsupported_numpy_uses_are_type_errors_naming_them():
    t = leaf([1.0, 2.0])
    with pytest.raises(TypeError, match=r"np\.histogram is not supported on Tensors"):
        np.histogram(t)
    with pytest.raises(TypeError, match=r"np\.fft\.fft is not supported"):
        np.fft.fft(t)
    with pytest.raises(TypeError, match=r"np\.add\.reduce is not supported"):
        np.add.reduce(t)
    with pytest.raises(TypeError, match=r"np\.multiply\.at is not supported"):
        np.multiply.at(t, [0], 2.0)
    with pytest.raises(TypeError, match=r"np\.exp\(\.\.\., out=\) is not supported"):
        np.exp(t, out=np.zeros(2))
    with pytest.raises(TypeError, match=r"np\.bitwise_and is not supported"):
        np.bitwise_and(t, t)


def test_logistic_regression_written_with_numpy_only_differentiates():
    """The acceptance test: a loss written for plain numpy arrays, given Tensors."""

    def loss(w, b, X, y):
        z = np.dot(X, w) + b
        p = 1.0 / (1.0 + np.exp(-z))
        return -np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)) / len(y)

    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 3))
    y = (rng.random(8) > 0.5).astype(float)
    w, b = leaf(rng.standard_normal(3) * 0.5), leaf(0.1)
    value = loss(w, b, X, y)
    assert isinstance(value, Tensor)
    np.testing.assert_allclose(value.data, loss(w.data, b.data, X, y))  # the numpy value
    check_grad(lambda w_, b_: loss(w_, b_, X, y), [w, b])


def test_readme_table_is_generated_from_the_code():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    start = readme.index("<!-- numpy-api-table: start -->")
    end = readme.index("<!-- numpy-api-table: end -->")
    shown = readme[start:end].split("\n", 1)[1].strip()
    assert shown == numpy_api.table(), (
        "README's np.* table is stale: regenerate it with python -m autograd_core.numpy_api"
    )
    names = [row[0] for row in numpy_api.supported()]
    assert {"np.exp", "np.sum", "np.maximum", "np.concatenate", "np.where", "np.add"} <= set(names)


def test_exp_overflow_is_inf_without_a_warning():
    # as PyTorch: e^1000 is inf, an answer rather than a RuntimeWarning from inside the library
    x = Tensor(np.array([1000.0, 0.0]), requires_grad=True)
    y = x.exp()
    assert np.isinf(y.data[0]) and y.data[1] == 1.0
    y.sum().backward()
    assert np.isinf(x.grad[0]) and x.grad[1] == 1.0
