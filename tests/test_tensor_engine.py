"""The Tensor engine as a whole: construction and dtypes, backward and accumulation, no_grad
and detach, numerical stability, error messages, Hessian-vector products, random composite
graphs, the seeds' worked examples, and agreement with the Scalar engine."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd_core import (
    Scalar,
    Tensor,
    backprop,
    concat,
    enable_grad,
    grad,
    maximum,
    no_grad,
    stack,
    where,
)
from autograd_core.testing import check_grad, expressions, numerical_grad

# --- construction, attributes, dtypes -------------------------------------------------------------


def test_attributes_and_conversions():
    t = Tensor([[1, 2, 3], [4, 5, 6]], requires_grad=True, name="t")
    assert t.dtype == np.float64 and t.shape == (2, 3) and t.ndim == 2 and t.size == 6
    assert t.grad is None and t.requires_grad and t.is_leaf and len(t) == 2
    assert isinstance(t.data, np.ndarray)
    assert t.numpy() is t.data
    np.testing.assert_array_equal(np.asarray(t), t.data)
    assert Tensor(3.5).item() == 3.5 and isinstance(Tensor([[2.0]]).item(), float)
    with pytest.raises(ValueError, match="one element"):
        t.item()
    r = repr(t)
    assert r.startswith("Tensor(") and "requires_grad=True" in r and "'t'" in r
    assert "float32" in repr(Tensor(np.ones(2, np.float32)))
    assert Tensor(np.float32(1.0), dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize(
    "data, dtype",
    [(np.array([True, False]), "bool"), (np.array([1 + 2j]), "complex128"),
     (np.array(["a"]), "<U1"), (np.array([object()]), "object")],
)
def test_unsupported_dtypes_are_type_errors_naming_the_dtype(data, dtype):
    with pytest.raises(TypeError, match=dtype):
        Tensor(data)
    with pytest.raises(TypeError, match=dtype):
        Tensor([1.0]) + data


def test_int_becomes_float64_and_float32_stays_float32():
    assert Tensor(np.arange(3)).dtype == np.float64
    assert Tensor([1, 2]).dtype == np.float64
    x = Tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    w = Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    ops = [
        x * 0.5 + 1, 2.0 - x, x / 3, 1 / (x + 2), x**2, 2**x, x.exp(), (x + 2).log(),
        (x + 2).sqrt(), x.abs(), x.sigmoid(), x.tanh(), x.relu(), x.clip(-0.5, 0.5),
        x.sum(0), x.mean(), x.max(1), x.logsumexp(1), x.softmax(), x.log_softmax(0),
        x.reshape(3, 2), x.T, x[[0, 0]], x @ w, x.dot(w), concat([x, x]), stack([x, x]),
        where(x.data > 0, x, 0.0), maximum(x, 0.0), x + np.arange(3), x * np.float64(0.5),
        np.sqrt(2.0) / (x + 2), x - np.int64(1),
    ]
    loss = ops[0].sum()
    for y in ops:
        assert y.dtype == np.float32, y
        loss = loss + y.sum()
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    # A float64 constant promotes the value (numpy's rule) but a float32 leaf keeps a
    # float32 gradient.
    y = x * np.ones(3)
    assert y.dtype == np.float64
    x.grad = None
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_tensor_shares_float_array_and_detach_shares_data():
    a = np.ones(3)
    t = Tensor(a, requires_grad=True)
    assert t.data is a
    d = (t * 2).detach()
    assert not d.requires_grad and d.is_leaf
    np.testing.assert_array_equal(d.data, [2.0, 2.0, 2.0])
    e = t.detach()
    assert np.shares_memory(e.data, t.data) and not e.requires_grad


# --- backward ----------------------------------------------------------------------------------


def test_backward_needs_grad_for_non_scalar_outputs():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*backward\(grad\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 3\)"):
        y.backward(np.ones(3))
    y.backward(np.full((2, 3), 0.5))
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))
    z = x.sum(keepdims=True).reshape(1, 1)
    z.backward()  # one element, any number of dimensions
    np.testing.assert_array_equal(x.grad, 2 * np.ones((2, 3)))


def test_gradients_accumulate_and_are_not_shared_between_nodes():
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    out = (a + b).sum()
    out.backward()
    assert a.grad is not b.grad and not np.shares_memory(a.grad, b.grad)
    a.grad[0] = 100.0
    assert b.grad[0] == 1.0
    out.backward()  # a second backward adds exactly the same gradient again
    np.testing.assert_array_equal(b.grad, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(a.grad, [101.0, 2.0, 2.0])
    # a broadcast (read-only) gradient is copied into .grad, so it can be updated in place
    c = Tensor(np.ones((2, 2)), requires_grad=True)
    c.sum().backward()
    c.grad -= 1.0
    np.testing.assert_array_equal(c.grad, np.zeros((2, 2)))


def test_matmul_skips_gradient_of_constant_operand(monkeypatch):
    import autograd_core.calculus as calculus

    def must_not_run(*args):
        raise AssertionError("computed the gradient of an input that does not require grad")

    W = Tensor(np.ones((2, 3)), requires_grad=True)
    X = Tensor(np.ones((3, 4)))
    monkeypatch.setattr(calculus, "_matmul_grad_b", must_not_run)
    (W @ X).sum().backward()
    assert X.grad is None
    np.testing.assert_array_equal(W.grad, np.full((2, 3), 4.0))
    monkeypatch.setattr(calculus, "_matmul_grad_a", must_not_run)
    monkeypatch.undo()


def test_no_grad_and_enable_grad():
    x = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        y = x * 2 + 1
        with enable_grad():
            z = x * 3
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()
    # detach cuts the graph: the gradient flows only along the attached path
    w = (x.detach() * x).sum()
    w.backward()
    np.testing.assert_array_equal(x.grad, np.ones(3))


def test_grad_function_and_unused_inputs():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    u = Tensor(np.array([3.0]), requires_grad=True)
    with pytest.raises(ValueError, match=r"does not depend on inputs\[1\].*allow_unused"):
        grad((x * x).sum(), [x, u])
    gx, gu = grad((x * x).sum(), [x, u], allow_unused=True)
    np.testing.assert_array_equal(gx, [2.0, 4.0])
    assert gu is None
    assert x.grad is None


# --- numerical stability -------------------------------------------------------------------------


def test_stable_at_1e4_without_warnings():
    v = np.array([[1e4, -1e4, 0.0], [1e4, 1e4, 1e4], [-1e4, -1e4, -1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            x = Tensor(v, requires_grad=True)
            s = x.sigmoid()
            np.testing.assert_array_equal(s.data[0], [1.0, 0.0, 0.5])
            sm = x.softmax(axis=1)
            np.testing.assert_array_equal(sm.data[0], [1.0, 0.0, 0.0])
            np.testing.assert_allclose(sm.data[1:], np.full((2, 3), 1 / 3))
            ls = x.log_softmax(axis=1)
            np.testing.assert_array_equal(ls.data[0], [0.0, -2e4, -1e4])
            np.testing.assert_allclose(ls.data[1], np.full(3, -math.log(3)))
            lse = x.logsumexp(axis=1)
            np.testing.assert_allclose(lse.data, [1e4, 1e4 + math.log(3), -1e4 + math.log(3)])
            total = s.sum() + sm[:, 0].sum() + ls[:, 1].sum() + lse.sum()
            total.backward()
            assert np.all(np.isfinite(x.grad))
            sig_grad = Tensor(np.array([1e4, -1e4]), requires_grad=True)
            sig_grad.sigmoid().sum().backward()
            np.testing.assert_array_equal(sig_grad.grad, [0.0, 0.0])
            assert Tensor(np.array([-1e4, -1e4])).logsumexp().item() == -1e4 + math.log(2)


# --- error messages ----------------------------------------------------------------------------


def test_broadcast_errors_name_both_shapes_and_the_op():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((4,)))
    for op, fn in [("add", lambda: a + b), ("sub", lambda: a - b), ("mul", lambda: a * b),
                   ("div", lambda: a / b), ("add", lambda: a + np.ones(4)),
                   ("mul", lambda: np.ones(4) * a), ("maximum", lambda: maximum(a, b)),
                   ("pow", lambda: a**b)]:
        with pytest.raises(ValueError, match=rf"{op}.*\(2, 3\).*\(4,\)|{op}.*\(4,\).*\(2, 3\)"):
            fn()


def test_matmul_errors_name_inner_dimensions():
    with pytest.raises(ValueError, match=r"matmul: inner dimensions.*\(2, 3\) @ \(4, 5\).*3 != 4"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"inner dimensions.*3 != 2"):
        Tensor(np.ones(3)) @ np.ones(2)
    with pytest.raises(ValueError, match="at least 1-D"):
        Tensor(2.0) @ Tensor(np.ones(2))
    with pytest.raises(ValueError, match="batch dimensions"):
        Tensor(np.ones((2, 2, 3))) @ Tensor(np.ones((3, 3, 4)))


def test_domain_edges_follow_numpy_without_warnings():
    # numpy's values, no exception and (pytest turns warnings into errors) no warning
    np.testing.assert_array_equal(Tensor([1.0, -2.0, 0.0]).log().data, [0.0, np.nan, -np.inf])
    sq = Tensor([[1.0, 4.0], [-3.0, 0.0]]).sqrt().data
    np.testing.assert_array_equal(sq, [[1.0, 2.0], [np.nan, 0.0]])
    np.testing.assert_array_equal(Tensor([1.0, 2.0, 0.0]).reciprocal().data, [1.0, 0.5, np.inf])
    p = Tensor([[1.0, -1.0], [2.0, -1.0]]) ** Tensor([2.0, 0.5])
    np.testing.assert_array_equal(p.data, [[1.0, np.nan], [4.0, np.nan]])
    assert np.isnan((Tensor([-1.0]) ** 0.5).data).all()
    assert np.isnan((Tensor([-1.0]) ** Tensor([0.5])).data).all()
    assert (Tensor([0.0]) ** -1).data[0] == np.inf
    assert (1 / Tensor([0.0])).data[0] == np.inf
    np.testing.assert_array_equal((Tensor([0.0, 1.0]) / 0.0).data, [np.nan, np.inf])


def test_type_and_shape_errors():
    with pytest.raises(TypeError, match="Scalar"):
        Tensor([1.0]) + Scalar(1.0)
    with pytest.raises(TypeError, match="Scalar"):
        Scalar(1.0) * Tensor([1.0])
    with pytest.raises(TypeError, match="Scalar"):
        Tensor(Scalar(1.0))
    with pytest.raises(IndexError, match=r"shape \(3,\)"):
        Tensor([1.0, 2.0, 3.0])[5]
    with pytest.raises(IndexError, match=r"shape \(3,\)"):
        Tensor([1.0, 2.0, 3.0])[[0, 7]]
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3\).*\(4,\)"):
        Tensor(np.ones((2, 3))).reshape(4)
    with pytest.raises(ValueError, match="concat"):
        concat([Tensor(np.ones((2, 3))), Tensor(np.ones((2, 4)))], axis=0)
    with pytest.raises(ValueError, match="stack"):
        stack([Tensor(np.ones(2)), Tensor(np.ones(3))])
    with pytest.raises(ValueError, match="axis 2"):
        Tensor(np.ones((2, 3))).sum(axis=2)


# --- the seeds: matmul and logistic regression ---------------------------------------------


def test_seed_matmul_gradients():
    """D = W X with W (5, 10), X (10, 3): dW = dD Xᵀ and dX = Wᵀ dD (worked examples §3)."""
    rng = np.random.default_rng(0)
    W = Tensor(rng.standard_normal((5, 10)), requires_grad=True)
    X = Tensor(rng.standard_normal((10, 3)), requires_grad=True)
    dD = rng.standard_normal((5, 3))
    D = W @ X
    assert D.shape == (5, 3)
    D.backward(dD)
    np.testing.assert_allclose(W.grad, dD @ X.data.T, rtol=1e-12)
    np.testing.assert_allclose(X.grad, W.data.T @ dD, rtol=1e-12)


def _bce(a, y):
    return -(y * a.log() + (1.0 - y) * (1.0 - a).log())


def test_seed_logistic_regression_one_sample():
    x = Tensor([3.0, 4.0])
    w = Tensor([0.01, 0.01], requires_grad=True)
    b = Tensor(1.0, requires_grad=True)
    z = x.dot(w) + b
    a = z.sigmoid()
    loss = _bce(a, 1.0)
    assert abs(z.item() - 1.07) < 1e-12
    assert abs(a.item() - 0.7445969158274759) < 1e-12
    assert abs(loss.item() - 0.29491225960491124) < 1e-12
    loss.backward()
    dz = a.item() - 1.0
    np.testing.assert_allclose(w.grad, [3 * dz, 4 * dz], rtol=1e-9)
    assert abs(b.grad.item() - dz) < 1e-9


def test_seed_logistic_regression_loop_and_vectorised_agree():
    X = np.array([[2.0, 3.0], [3.0, 4.0], [1.0, 5.0]])
    y = np.array([1.0, 0.0, 1.0])
    w0, b0 = np.array([0.01, 0.01]), 1.0

    # The loop version: per sample, z accumulated over features (no overwrite), and J the
    # mean of the losses.
    w = Tensor(w0.copy(), requires_grad=True)
    b = Tensor(b0, requires_grad=True)
    J = Tensor(0.0)
    for i in range(3):
        z = b * 1.0
        for j in range(2):
            z = z + w[j] * X[i, j]
        J = J + _bce(z.sigmoid(), y[i])
    J = J / 3
    J.backward()

    # The vectorised version with np.dot semantics.
    wv = Tensor(w0.copy(), requires_grad=True)
    bv = Tensor(b0, requires_grad=True)
    A = (Tensor(X).dot(wv) + bv).sigmoid()
    Jv = _bce(A, y).mean()
    Jv.backward()

    # Hand formulas: dz = a - y, dw = X^T dz / m, db = mean(dz).
    a = 1 / (1 + np.exp(-(X @ w0 + b0)))
    J_ref = np.mean(-(y * np.log(a) + (1 - y) * np.log(1 - a)))
    assert abs(J.item() - J_ref) < 1e-12 and abs(Jv.item() - J_ref) < 1e-12
    np.testing.assert_allclose(w.grad, X.T @ (a - y) / 3, rtol=1e-9)
    np.testing.assert_allclose(wv.grad, w.grad, rtol=1e-12)
    assert abs(b.grad.item() - np.mean(a - y)) < 1e-9
    assert abs(bv.grad.item() - b.grad.item()) < 1e-12
    # one step of gradient descent lowers J
    with no_grad():
        A2 = (Tensor(X).dot(wv.data - 0.1 * wv.grad) + (bv.data - 0.1 * bv.grad)).sigmoid()
        assert _bce(A2, y).mean().item() < Jv.item()


# --- higher order --------------------------------------------------------------------------------


def _numerical_hvp(f, x: np.ndarray, v: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """(grad f(x + eps v) - grad f(x - eps v)) / (2 eps), with our first-order gradient."""

    def g(at):
        t = Tensor(at, requires_grad=True)
        return grad(f(t), t).copy()

    return (g(x + eps * v) - g(x - eps * v)) / (2 * eps)


HVP_FUNCTIONS = {
    "quartic": lambda x: (x @ x) ** 2 + (x.exp() * x).sum(),
    "softmax_ce": lambda x: -(x.reshape(2, 3).log_softmax(axis=1)[[0, 1], [2, 0]]).sum(),
    "mlp": lambda x: (
        (x.reshape(2, 3) @ np.linspace(-1, 1, 12).reshape(3, 4)).tanh().sum(axis=0).logsumexp()
    ),
    "sigmoid_bce": lambda x: (x.sigmoid() * x[::-1]).mean() + (x * x + 1).sqrt().sum(),
    "broadcast": lambda x: ((x.reshape(6, 1) - x.reshape(1, 6)) ** 2).sum() / (x * x).sum(),
    "softmax_max": lambda x: (x.softmax() * x).sum() + maximum(x, 0.05).sum() * x.sum(),
}


@pytest.mark.parametrize("name", list(HVP_FUNCTIONS))
def test_hessian_vector_products(name):
    f = HVP_FUNCTIONS[name]
    rng = np.random.default_rng(3)
    x0 = rng.standard_normal(6) * 0.7
    v = rng.standard_normal(6)
    x = Tensor(x0.copy(), requires_grad=True)
    gx = grad(f(x), x, create_graph=True)
    assert isinstance(gx, Tensor) and gx.requires_grad
    hv = grad((gx * v).sum(), x)
    np.testing.assert_allclose(hv, _numerical_hvp(f, x0, v), rtol=1e-5, atol=1e-7)


def test_exact_second_and_third_derivatives():
    x = Tensor(np.array([0.3, -1.2]), requires_grad=True)
    (g1,) = [grad((x**3).sum(), x, create_graph=True)]
    g2 = grad(g1.sum(), x, create_graph=True)
    g3 = grad(g2.sum(), x)
    np.testing.assert_allclose(g1.data, 3 * x.data**2)
    np.testing.assert_allclose(g2.data, 6 * x.data)
    np.testing.assert_allclose(g3, [6.0, 6.0])
    # d/dx sigmoid'(x) = s(1-s)(1-2s)
    g = grad(x.sigmoid().sum(), x, create_graph=True)
    h = grad(g.sum(), x)
    s = 1 / (1 + np.exp(-x.data))
    np.testing.assert_allclose(h, s * (1 - s) * (1 - 2 * s))


# --- random composite graphs ---------------------------------------------------------------------

N, M, K = 3, 4, 2
# Each op maps values of shape (N, M) (plus the fixed inputs B of shape (M,), C of shape
# (M, K)) to shape (N, M), so any sequence of them is a valid program.
COMPOSITE_OPS = {
    "add_bcast": (2, lambda u, v, B, C: u + B),
    "mul": (2, lambda u, v, B, C: u * v),
    "sub_shared": (2, lambda u, v, B, C: u - v * u),
    "div": (2, lambda u, v, B, C: u / (1 + v * v)),
    "tanh": (1, lambda u, v, B, C: u.tanh()),
    "sigmoid": (1, lambda u, v, B, C: u.sigmoid()),
    "exp": (1, lambda u, v, B, C: (-(u * u)).exp()),
    "log": (1, lambda u, v, B, C: (1 + u * u).log()),
    "row_sum": (1, lambda u, v, B, C: u * u.sum(axis=1, keepdims=True)),
    "col_mean": (1, lambda u, v, B, C: u - u.mean(axis=0)),
    "max": (1, lambda u, v, B, C: u.max(axis=1, keepdims=True) + u),
    "softmax": (1, lambda u, v, B, C: u.softmax(axis=1)),
    "log_softmax": (1, lambda u, v, B, C: u.log_softmax(axis=0)),
    "logsumexp": (2, lambda u, v, B, C: v * u.logsumexp(axis=1, keepdims=True)),
    "matmul": (2, lambda u, v, B, C: (u @ C) @ (v @ C).T @ u * 0.5),
    "index": (1, lambda u, v, B, C: u[[2, 0, 0]] * u),
    "slice_concat": (1, lambda u, v, B, C: concat([u[:, 2:], u[:, :2]], axis=1)),
    "stack": (2, lambda u, v, B, C: stack([u, v], axis=0).sum(axis=0)),
    "transpose": (1, lambda u, v, B, C: (u.T.reshape(M, N) * 1.0).T),
    "power": (2, lambda u, v, B, C: (1 + u * u) ** v.sigmoid()),
    "where": (2, lambda u, v, B, C: where(np.arange(M) % 2 == 0, u, v)),
}


@st.composite
def programs(draw):
    n_steps = draw(st.integers(1, 6))
    steps = []
    for k in range(n_steps):
        op = draw(st.sampled_from(sorted(COMPOSITE_OPS)))
        steps.append((op, draw(st.integers(0, k)), draw(st.integers(0, k))))
    values = hnp.arrays(np.float64, (N, M), elements=st.floats(-1.5, 1.5))
    a = draw(values)
    b = draw(hnp.arrays(np.float64, (M,), elements=st.floats(-1.5, 1.5)))
    c = draw(hnp.arrays(np.float64, (M, K), elements=st.floats(-1.5, 1.5)))
    return steps, a, b, c


def _run_program(steps, A, B, C):
    values = [A]
    for op, i, j in steps:
        values.append(COMPOSITE_OPS[op][1](values[i], values[j], B, C))
    out = values[-1]
    for v in values[1:-1]:  # every intermediate reaches the output: shared subexpressions
        out = out + v * 0.1
    return out


@given(programs())
def test_random_composite_graphs(program):
    steps, a, b, c = program
    # max needs a unique maximum per row to be differentiable; skip programs that tie
    A = Tensor(a + np.arange(N * M).reshape(N, M) * 1e-3, requires_grad=True)
    B = Tensor(b, requires_grad=True)
    C = Tensor(c, requires_grad=True)
    with no_grad():
        probe = _run_program(steps, A, B, C)
    if not np.all(np.isfinite(probe.data)) or np.abs(probe.data).max() > 1e3:
        return
    if any(op == "max" for op, _, _ in steps):
        return _check_without_ties(steps, A, B, C)
    check_grad(lambda x, y, z: _run_program(steps, x, y, z), [A, B, C], rtol=1e-4, atol=1e-6)


def _check_without_ties(steps, A, B, C):
    """max is not differentiable at ties: check only if no row's max is within 1e-4 of the
    runner-up at any max step."""
    values = [A]
    with no_grad():
        for op, i, j in steps:
            if op == "max":
                srt = np.sort(values[i].data, axis=1)
                if np.any(srt[:, -1] - srt[:, -2] < 1e-4):
                    return
            values.append(COMPOSITE_OPS[op][1](values[i], values[j], B, C))
    check_grad(lambda x, y, z: _run_program(steps, x, y, z), [A, B, C], rtol=1e-4, atol=1e-6)


# --- Scalar and Tensor agree --------------------------------------------------------------------


@given(expressions(max_inputs=3, max_steps=8))
def test_scalar_and_tensor_engines_agree(expr):
    """The same random program on Scalars and on 0-d and (2,) Tensors: equal values, grads."""
    scalars = [Scalar(v) for v in expr.inputs]
    out_s = expr(*scalars)
    out_s.backward()
    tensors = [Tensor(v, requires_grad=True) for v in expr.inputs]
    out_t = expr(*tensors)
    out_t.backward()
    assert out_t.shape == ()
    np.testing.assert_allclose(out_t.item(), out_s.data, rtol=1e-12, atol=1e-12)
    for s, t in zip(scalars, tensors):
        g = t.grad if t.grad is not None else 0.0
        np.testing.assert_allclose(g, s.grad, rtol=1e-9, atol=1e-12)
    # broadcast over a batch: each entry of a (2,) tensor repeats the scalar computation
    batch = [Tensor(np.full(2, v), requires_grad=True) for v in expr.inputs]
    expr(*batch).sum().backward()
    for s, t in zip(scalars, batch):
        g = t.grad if t.grad is not None else np.zeros(2)
        np.testing.assert_allclose(g, np.full(2, s.grad), rtol=1e-9, atol=1e-12)


def test_worked_example_sigmoid_neuron_on_both_engines():
    """f = sigmoid(w0 x0 + w1 x1 + w2) (worked examples §3), fused and from primitives."""
    w = Tensor([2.0, -3.0, -3.0], requires_grad=True)
    x = Tensor([-1.0, -2.0], requires_grad=True)
    z = w[:2].dot(x) + w[2]
    f = z.sigmoid()
    f.backward()
    assert abs(f.item() - 0.7310585786300049) < 1e-12
    np.testing.assert_allclose(x.grad, [0.3932238664829637, -0.5898357997244456], rtol=1e-9)
    np.testing.assert_allclose(
        w.grad, [-0.19661193324148185, -0.3932238664829637, 0.19661193324148185], rtol=1e-9
    )
    w2 = Tensor(w.data.copy(), requires_grad=True)
    x2 = Tensor(x.data.copy(), requires_grad=True)
    f2 = ((-(w2[:2].dot(x2) + w2[2])).exp() + 1).reciprocal()
    f2.backward()
    np.testing.assert_allclose(w2.grad, w.grad, rtol=1e-12)
    np.testing.assert_allclose(x2.grad, x.grad, rtol=1e-12)


def test_numerical_grad_matches_on_tensor():
    x = Tensor(np.array([[0.5, -1.0], [2.0, 0.1]]), requires_grad=True)
    f = lambda t: (t @ t).tanh().sum()  # noqa: E731
    (num,) = numerical_grad(f, [x])
    np.testing.assert_allclose(grad(f(x), x), num, rtol=1e-6, atol=1e-8)


def test_intermediate_gradients_are_stored_read_only_and_leaves_own_theirs():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    s = a * b
    t = s + a  # s, t and a all receive the same upstream array from the add rule
    out = t.reshape(1, 2).sum()
    out.backward()
    np.testing.assert_array_equal(t.grad, [1.0, 1.0])
    np.testing.assert_array_equal(s.grad, [1.0, 1.0])
    np.testing.assert_array_equal(a.grad, [4.0, 5.0])
    assert a.grad.flags.writeable and b.grad.flags.writeable
    for intermediate in (s, t):
        assert not np.shares_memory(intermediate.grad, a.grad)
        assert not np.shares_memory(intermediate.grad, b.grad)
        with pytest.raises(ValueError):
            intermediate.grad[0] = 5.0
    out.backward()  # accumulating again gives fresh arrays, never writes in place
    np.testing.assert_array_equal(s.grad, [2.0, 2.0])
    np.testing.assert_array_equal(a.grad, [8.0, 10.0])


def test_astype_comparisons_and_bool():
    x = Tensor(np.array([1.0, -2.0], np.float32), requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64 and x.astype(np.float32) is x
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [2.0, -4.0])
    with pytest.raises(TypeError, match="int64"):
        x.astype(np.int64)
    np.testing.assert_array_equal(x > 0, [True, False])
    np.testing.assert_array_equal(0 >= x, [False, True])
    assert bool(Tensor([2.0])) and not bool(Tensor(0.0))
    with pytest.raises(ValueError):
        bool(x)
    t = Tensor([0.5], requires_grad=True)
    round_trip = t.astype(np.float32).astype(np.float64)
    np.testing.assert_array_equal(grad((round_trip * t).sum(), t), [1.0])  # d/dt t^2 = 2t


def test_float32_second_order_keeps_dtype():
    x = Tensor(np.array([0.5, -1.0], np.float32), requires_grad=True)
    g = grad((x * np.ones(2) * x).sum(), x, create_graph=True)  # float64 constant inside
    assert g.dtype == np.float32
    h = grad(g.sum(), x)
    assert h.dtype == np.float32
    np.testing.assert_allclose(h, [2.0, 2.0])


def test_send_grads_hook_skips_constants_and_counts_a_repeated_parent():
    """The chain-rule hook: one += per parent that requires grad, none into a constant."""
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    x = Tensor(np.ones((3,)))
    edges: list = []
    record = lambda node, parent, g, total: edges.append((parent, np.array(g)))  # noqa: E731
    backprop(w @ x, np.ones(2), on_edge=record)
    assert [p for p, _ in edges] == [w]
    np.testing.assert_array_equal(edges[0][1], np.ones((2, 3)))
    edges.clear()
    sq = w * w  # the same parent twice: two contributions, both counted
    backprop(sq, np.ones((2, 3)), on_edge=record)
    assert [p for p, _ in edges] == [w, w]
    sq.sum().backward()
    np.testing.assert_array_equal(w.grad, 2 * np.ones((2, 3)))


def _unset_slots(node) -> list[str]:
    slots = [s for cls in type(node).__mro__ for s in getattr(cls, "__slots__", ())]
    optional = getattr(type(node), "_optional_slots", ())  # read with getattr(..., None)
    return [s for s in slots if not hasattr(node, s) and s not in optional]


def test_every_construction_path_sets_every_slot():
    """Leaves, constants and op results are each built in one place per engine; a path that
    forgot a slot would surface later as an AttributeError deep inside a sweep."""
    s, t = Scalar(2.0), Scalar(3.0, requires_grad=False)
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    with no_grad():
        scalar_no_grad, tensor_no_grad = s * 2.0, x * 2.0
    nodes = [
        s, t, s + t, 1.0 + s, (s + 1.0).parents[1], s**2, 2**s, scalar_no_grad,
        *grad(s * s * t, [s, t], create_graph=True, allow_unused=True)[:1],
        x, x.detach(), x + 1.0, (x + 1.0).parents[1], x @ x, x[0], x.sum(), tensor_no_grad,
        where(x.data > 0, x, 0.0), concat([x, x]), x.astype(np.float32),
        *grad((x * x).sum(), [x], create_graph=True),
    ]
    for node in nodes:
        assert _unset_slots(node) == [], (node, _unset_slots(node))
        assert isinstance(node.parents, tuple) and isinstance(node.op, str)
        assert isinstance(node.params, tuple)
        assert (node.op == "") == (node.parents == ()) or not node.requires_grad
    for node in (s + t, x + 1.0):
        for attribute in ("parents", "op", "params"):
            with pytest.raises(AttributeError):
                setattr(node, attribute, getattr(node, attribute))
