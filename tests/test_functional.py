"""autograd_core.functional: every transform against closed forms and central differences,
composed with itself and with the others, and its errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given

from autograd_core import Scalar, Tensor, no_grad, stack
from autograd_core import functional as AF
from autograd_core.testing import expressions, numerical_grad

RNG = np.random.default_rng(7)
A = RNG.standard_normal((4, 4))
W = RNG.standard_normal((3, 4)) / 2
X0 = RNG.standard_normal(4)


def numerical_jacobian(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences, one column per entry of x: shape out.shape + x.shape."""
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    out_shape = np.shape(cols[0])
    return np.moveaxis(np.array(cols), 0, -1).reshape(out_shape + x.shape)


def quadratic(x):
    return x @ (Tensor(A) @ x)


def layer(x):
    return (Tensor(W) @ x).tanh()


def test_grad_and_hessian_of_a_quadratic_form():
    g = AF.grad(quadratic)(X0)
    assert type(g) is np.ndarray
    np.testing.assert_allclose(g, (A + A.T) @ X0, rtol=1e-12)
    H = AF.hessian(quadratic)(X0)
    np.testing.assert_allclose(H, A + A.T, rtol=1e-12)
    value, g2 = AF.value_and_grad(quadratic)(X0)
    assert type(value) is float and value == pytest.approx(X0 @ A @ X0, rel=1e-12)
    np.testing.assert_array_equal(g2, g)


def test_jacobian_jvp_and_vjp_of_tanh_wx():
    J = AF.jacobian(layer)(X0)
    expected = (1 - np.tanh(W @ X0) ** 2)[:, None] * W
    assert J.shape == (3, 4)  # out.shape + in.shape
    np.testing.assert_allclose(J, expected, rtol=1e-12)
    np.testing.assert_allclose(J, numerical_jacobian(lambda x: np.tanh(W @ x), X0), rtol=1e-7)
    v, u = RNG.standard_normal(4), RNG.standard_normal(3)
    out, jv = AF.jvp(layer, (X0,), (v,))
    np.testing.assert_allclose(out, np.tanh(W @ X0), rtol=1e-14)
    np.testing.assert_allclose(jv, J @ v, rtol=1e-12)
    out, vjp_fn = AF.vjp(layer, X0)
    for cot in (u, 2 * u, np.ones(3)):  # many calls on the one recorded graph
        (uj,) = vjp_fn(cot)
        np.testing.assert_allclose(uj, cot @ J, rtol=1e-12)


def test_softmax_jacobian_is_diag_s_minus_s_s_transpose():
    J = AF.jacobian(lambda x: x.softmax())(X0)
    s = np.exp(X0 - X0.max())
    s /= s.sum()
    np.testing.assert_allclose(J, np.diag(s) - np.outer(s, s), rtol=1e-12, atol=1e-15)
    # the Hessian of logsumexp is the same matrix, and symmetric
    H = AF.hessian(lambda x: x.logsumexp())(X0)
    np.testing.assert_allclose(H, np.diag(s) - np.outer(s, s), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(H, H.T)


def test_log_det_hessian_of_a_2x2_matrix():
    """f(X) = log det X: gradient X^-T, Hessian d2f/dX_ij dX_kl = -(X^-1)_jk (X^-1)_li."""
    X = np.array([[2.0, 0.3], [-0.4, 1.5]])

    def logdet(m):
        return (m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]).log()

    inv = np.linalg.inv(X)
    np.testing.assert_allclose(AF.grad(logdet)(X), inv.T, rtol=1e-12)
    H = AF.hessian(logdet)(X)
    assert H.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(H, -np.einsum("jk,li->ijkl", inv, inv), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(H.reshape(4, 4), H.reshape(4, 4).T, rtol=1e-12)


def test_hessian_and_hvp_against_central_differences_of_the_gradient():
    def f(x):
        return ((Tensor(W) @ x).tanh() ** 2).sum() + (x * x).sum().sqrt()

    H = AF.hessian(f)(X0)
    np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(H, numerical_jacobian(AF.grad(f), X0), rtol=1e-6, atol=1e-8)
    v = RNG.standard_normal(4)
    np.testing.assert_allclose(AF.hvp(f, X0, v), H @ v, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(AF.jacobian(AF.grad(f))(X0), H, rtol=1e-12, atol=1e-15)
    g = AF.grad(f)(X0)
    (num,) = numerical_grad(f, [Tensor(X0.copy(), requires_grad=True)])
    np.testing.assert_allclose(g, num, rtol=1e-7, atol=1e-9)


def test_nested_grads_of_tanh_and_sin():
    x = 0.4
    t = math.tanh(x)
    d1 = AF.grad(lambda z: z.tanh())
    d3 = AF.grad(AF.grad(d1))
    assert type(d1(x)) is float and d1(x) == pytest.approx(1 - t * t, rel=1e-14)
    assert AF.grad(d1)(x) == pytest.approx(-2 * t * (1 - t * t), rel=1e-13)
    assert d3(x) == pytest.approx((1 - t * t) * (6 * t * t - 2), rel=1e-12)
    # sin, where the engine has it (an op added alongside this module)
    sin = getattr(Tensor, "sin", None)
    if sin is not None:
        for z in (0.3, -1.2, 2.5):
            assert AF.grad(AF.grad(AF.grad(sin)))(z) == pytest.approx(-math.cos(z), rel=1e-12)


def test_grad_of_scalar_functions():
    def f(a, b):
        return (a * b).tanh() + a.exp()

    a, b = 0.3, -1.2
    ga, gb = AF.grad(f, argnums=(0, 1))(Scalar(a, requires_grad=False), Scalar(b, False))
    sech2 = 1 - math.tanh(a * b) ** 2
    assert (ga, gb) == pytest.approx((sech2 * b + math.exp(a), sech2 * a), rel=1e-14)
    assert type(ga) is float
    value, gb2 = AF.value_and_grad(f, argnums=1)(Scalar(a, False), Scalar(b, False))
    assert value == pytest.approx(math.tanh(a * b) + math.exp(a)) and gb2 == gb
    # Scalars that require grad: the derivative is a recorded Scalar, differentiable again
    s = Scalar(a)
    d1 = AF.grad(lambda z: z * z * z)(s)
    assert isinstance(d1, Scalar) and d1.data == pytest.approx(3 * a * a)
    d1.backward()
    assert s.grad == pytest.approx(6 * a)
    assert AF.grad(AF.grad(lambda z: z * z * z))(Scalar(a, False)) == pytest.approx(6 * a)


def test_inner_transforms_do_not_confuse_their_variable_with_an_outer_one():
    # d/dx [x * d/dy (x y)] = d/dx [x * x] = 2x  (not 3x, which a shared leaf would give)
    def outer(x):
        return x * AF.grad(lambda y: x * y)(x)

    assert AF.grad(outer)(1.5) == pytest.approx(3.0)
    # an inner transform on a constant argument, closing over the outer variable
    assert AF.grad(lambda x: AF.grad(lambda y: x * y * y)(2.0))(5.0) == pytest.approx(4.0)


def test_results_follow_the_arguments_and_carry_the_graph_when_nested():
    g_arr = AF.grad(lambda x: (x * x).sum())(np.array([1.0, 2.0]))
    g_list = AF.grad(lambda x: (x * x).sum())([1.0, 2.0])
    g_tensor = AF.grad(lambda x: (x * x).sum())(Tensor([1.0, 2.0]))
    assert type(g_arr) is np.ndarray and type(g_list) is np.ndarray
    assert isinstance(g_tensor, Tensor) and not g_tensor.requires_grad
    x = Tensor([1.0, 2.0], requires_grad=True)
    g = AF.grad(lambda z: (z * z * z).sum())(x)
    assert isinstance(g, Tensor) and g.requires_grad
    g.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * x.data)
    g32 = AF.grad(lambda z: (z * z).sum())(np.array([1.0, 2.0], np.float32))
    assert g32.dtype == np.float32
    with no_grad():  # transforms record what they need even inside no_grad
        np.testing.assert_array_equal(AF.grad(lambda z: (z * z).sum())([3.0]), [6.0])


def test_transforms_compose():
    v = RNG.standard_normal(4)

    def f(x):
        return (layer(x) ** 2).sum() * (x * x).sum()

    H = AF.hessian(f)(X0)
    # the gradient of x -> hvp(f, x, v) . 1, and of x -> jvp(grad f)(x; v) . 1 : both sum(dH v)
    third = numerical_jacobian(lambda x: AF.hvp(f, x, v).sum(), X0)
    np.testing.assert_allclose(AF.grad(lambda x: AF.hvp(f, x, v).sum())(X0), third,
                               rtol=1e-6, atol=1e-8)
    via_jvp = AF.grad(lambda x: AF.jvp(AF.grad(f), (x,), (v,))[1].sum())(X0)
    np.testing.assert_allclose(via_jvp, third, rtol=1e-6, atol=1e-8)
    out, jv = AF.jvp(AF.grad(f), (X0,), (v,))  # forward over reverse: also H v
    np.testing.assert_allclose(jv, H @ v, rtol=1e-12, atol=1e-14)
    vjp_fn = AF.vjp(AF.grad(f), X0)[1]
    np.testing.assert_allclose(vjp_fn(v)[0], v @ H, rtol=1e-12, atol=1e-14)


def test_argnums_has_aux_keywords_and_several_primals():
    def f(x, y, scale=1.0):
        return scale * (x * y.exp()).sum(), "aux"

    x, y = np.array([1.0, 2.0]), np.array([0.5, -0.5])
    (gx, gy), aux = AF.grad(f, argnums=(0, -1), has_aux=True)(x, y, scale=2.0)
    assert aux == "aux"
    np.testing.assert_allclose(gx, 2 * np.exp(y))
    np.testing.assert_allclose(gy, 2 * x * np.exp(y))
    (value, aux), gy2 = AF.value_and_grad(f, argnums=1, has_aux=True)(x, y)
    assert value == pytest.approx((x * np.exp(y)).sum()) and aux == "aux"
    Jx, Jy = AF.jacobian(lambda a, b: a * b.exp(), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(Jx, np.diag(np.exp(y)))
    np.testing.assert_allclose(Jy, np.diag(x * np.exp(y)))
    out, vjp_fn = AF.vjp(lambda a, b: a * b.exp(), x, y)
    u = np.array([1.0, -1.0])
    ux, uy = vjp_fn(u)
    np.testing.assert_allclose(ux, u @ Jx)
    np.testing.assert_allclose(uy, u @ Jy)
    _, jv = AF.jvp(lambda a, b: a * b.exp(), (x, y), (u, 2 * u))
    np.testing.assert_allclose(jv, Jx @ u + Jy @ (2 * u))


def test_an_output_that_does_not_depend_on_the_argument_has_zero_derivatives():
    np.testing.assert_array_equal(AF.grad(lambda x, y: (y * y).sum())(X0, X0), np.zeros(4))
    assert AF.grad(lambda x: 3.0)(1.0) == 0.0
    np.testing.assert_array_equal(AF.jacobian(lambda x: Tensor(np.ones(2)))(X0), np.zeros((2, 4)))
    np.testing.assert_array_equal(AF.hessian(lambda x: x.sum())(X0), np.zeros((4, 4)))
    np.testing.assert_array_equal(AF.jvp(lambda x: x * 0.0 + 1.0, (X0,), (X0,))[1], np.zeros(4))
    np.testing.assert_array_equal(AF.hvp(lambda x: x.sum(), X0, X0), np.zeros(4))


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"argnums=2 is out of range.*2 positional"):
        AF.grad(lambda x, y: (x * y).sum(), argnums=2)(X0, X0)
    with pytest.raises(TypeError, match="argnums must be an int"):
        AF.grad(lambda x: x.sum(), argnums="0")(X0)
    with pytest.raises(ValueError, match=r"shape \(3,\).*vjp.*jacobian"):
        AF.grad(layer)(X0)
    with pytest.raises(ValueError, match=r"shape \(3,\).*vjp.*jacobian"):
        AF.hvp(layer, X0, X0)
    with pytest.raises(TypeError, match="returned str, which is not differentiable"):
        AF.grad(lambda x: "loss")(X0)
    with pytest.raises(TypeError, match="dtype bool, which is not differentiable"):
        AF.jacobian(lambda x: x.data > 0)(X0)
    with pytest.raises(ValueError, match=r"tangents\[0\] has shape \(3,\) but primals\[0\] has "
                                         r"shape \(4,\)"):
        AF.jvp(layer, (X0,), (np.ones(3),))
    with pytest.raises(ValueError, match="1 primals but 2 tangents"):
        AF.jvp(layer, (X0,), (X0, X0))
    with pytest.raises(TypeError, match="tuples"):
        AF.jvp(layer, X0, X0)
    with pytest.raises(ValueError, match=r"cotangent has shape \(4,\).*shape \(3,\)"):
        AF.vjp(layer, X0)[1](np.ones(4))
    with pytest.raises(ValueError, match=r"v has shape \(2,\)"):
        AF.hvp(quadratic, X0, np.ones(2))
    with pytest.raises(TypeError, match="argument 0 is a Scalar"):
        AF.jacobian(lambda s: s * s)(Scalar(1.0))
    with pytest.raises(TypeError, match="has_aux=True"):
        AF.grad(lambda x: x.sum(), has_aux=True)(X0)
    with pytest.raises(TypeError, match=r"argument 0: .*dtype"):
        AF.grad(lambda x: x.sum())(np.array(["a"]))
    with pytest.raises(ValueError, match=r"hessian: argnums=\(0, 3\) is out of range"):
        AF.hessian(quadratic, argnums=(0, 3))(X0)


def test_hessian_blocks_for_several_arguments_are_the_blocks_of_the_joint_hessian():
    """hessian(f, argnums=(0, 1))(x, y)[i][j] = d2f/d(arg i)d(arg j): the blocks of the
    Hessian of f seen as a function of the concatenated arguments, symmetric across."""

    def f(x, y):
        return (x * x * y.sum()).sum() + (np.sin(x) @ (y * y)).sum() + (y**3).sum()

    x, y = RNG.standard_normal(3), RNG.standard_normal(3)
    blocks = AF.hessian(f, argnums=(0, 1))(x, y)
    joint = AF.hessian(lambda z: f(z[:3], z[3:]))(np.concatenate([x, y]))
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(
                blocks[i][j], joint[3 * i : 3 * i + 3, 3 * j : 3 * j + 3], rtol=1e-12
            )
    np.testing.assert_allclose(blocks[0][1], blocks[1][0].T, rtol=1e-12)
    assert [len(row) for row in AF.hessian(f, argnums=(1,))(x, y)] == [1]
    np.testing.assert_allclose(AF.hessian(f, argnums=(-1,))(x, y)[0][0], blocks[1][1])


def test_tall_jacobians_are_built_by_columns_and_agree_with_rows():
    """3 inputs, 40 outputs: J by transposing the recorded VJP, one sweep per input entry."""
    M = RNG.standard_normal((40, 3))

    def tall(x):
        return (Tensor(M) @ x).sigmoid() * x.sum()

    x = RNG.standard_normal(3)
    J = AF.jacobian(tall)(x)
    assert J.shape == (40, 3)
    np.testing.assert_allclose(J, numerical_jacobian(lambda z: tall(Tensor(z)).data, x),
                               rtol=1e-6, atol=1e-9)
    rows = np.stack([AF.grad(lambda z, k=k: tall(z)[k])(x) for k in range(40)])
    np.testing.assert_allclose(J, rows, rtol=1e-12, atol=1e-15)
    # nested (recorded columns): d/dx of sum(J) against central differences
    d = AF.grad(lambda z: AF.jacobian(tall)(z).sum())(x)
    np.testing.assert_allclose(d, numerical_jacobian(lambda z: AF.jacobian(tall)(z).sum(), x),
                               rtol=1e-6, atol=1e-8)
    # several inputs, one of them unused, and a 2-d output
    Ja, Jb = AF.jacobian(lambda a, b: (Tensor(M) @ a).reshape(8, 5), argnums=(0, 1))(x, x)
    np.testing.assert_allclose(Ja, M.reshape(8, 5, 3), rtol=1e-14)
    np.testing.assert_array_equal(Jb, np.zeros((8, 5, 3)))


@given(expr=expressions(max_inputs=3, max_steps=6))
def test_random_expression_dags_hessian_jvp_vjp_agree(expr):
    """On random DAGs: H is symmetric and is the Jacobian of the gradient by central
    differences; jvp is J v and vjp is u^T J for the Jacobian of the vector of all values."""
    x = np.array(expr.inputs)
    f = lambda t: expr(*(t[i] for i in range(len(x))))  # noqa: E731
    H = AF.hessian(f)(x)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-10)
    num = numerical_jacobian(AF.grad(f), x, eps=1e-5)
    np.testing.assert_allclose(H, num, rtol=1e-4, atol=1e-5)
    g = lambda t: stack([f(t), f(t) * t[0], t.sum()])  # noqa: E731
    J = AF.jacobian(g)(x)
    v, u = np.linspace(-1, 1, len(x)), np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(AF.jvp(g, (x,), (v,))[1], J @ v, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(AF.vjp(g, x)[1](u)[0], u @ J, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(AF.hvp(f, x, v), H @ v, rtol=1e-10, atol=1e-10)
