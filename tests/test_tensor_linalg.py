"""Property tests of autograd_core.linalg (numpy.linalg's differentiable mirror) against float64
central differences, first and second order, on batched well-conditioned matrices.

Matrices are built so that the finite differences are meaningful: diagonally dominant ones for
inv/det/solve (never near singular), B Bᵀ + n I for cholesky, Q diag(w) Qᵀ with eigenvalues at
least 0.4 apart for eigh, U diag(s) Vᵀ with singular values at least 0.4 apart and >= 1 for
svd. Losses of eigenvectors and singular vectors are invariant to their arbitrary signs.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd_core import Tensor, concat, enable_grad, grad, linalg
from autograd_core.testing import check_grad

from helpers import covers, covers_second_order

UNIT = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False)
BATCH = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=2)


def leaf(a) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


def _draw(draw, shape):
    return draw(hnp.arrays(np.float64, shape, elements=UNIT))


@st.composite
def invertible(draw, max_n=3):
    """(..., n, n), strictly diagonally dominant ((n+1) I + B, |B| <= 1) with rows of random
    sign: |det| >= 1 and either sign."""
    batch, n = draw(BATCH), draw(st.integers(1, max_n))
    signs = draw(hnp.arrays(np.float64, batch + (n, 1), elements=st.sampled_from([-1.0, 1.0])))
    return signs * (_draw(draw, batch + (n, n)) + (n + 1) * np.eye(n))


@st.composite
def spd(draw, max_n=3):
    """(..., n, n) symmetric positive definite: B Bᵀ + n I."""
    batch, n = draw(BATCH), draw(st.integers(1, max_n))
    b = _draw(draw, batch + (n, n))
    return b @ np.swapaxes(b, -1, -2) + n * np.eye(n)


def _orthonormal(draw, shape):
    """Orthonormal columns (QR of a random matrix; columns of the identity if degenerate)."""
    q, r = np.linalg.qr(_draw(draw, shape) + np.eye(*shape[-2:]))
    return q * np.where(np.diagonal(r, axis1=-2, axis2=-1) < 0, -1.0, 1.0)[..., None, :]


def _spread(draw, shape, start):
    """Ascending values start, start + 1, ... each moved by at most 0.3: gaps >= 0.4."""
    k = shape[-1]
    return start + np.arange(k) + 0.3 * _draw(draw, shape)


@st.composite
def symmetric(draw, max_n=3):
    """(..., n, n) symmetric Q diag(w) Qᵀ with eigenvalues (of either sign) >= 0.4 apart."""
    batch, n = draw(BATCH), draw(st.integers(1, max_n))
    q = _orthonormal(draw, batch + (n, n))
    w = _spread(draw, batch + (n,), -1.0)
    a = (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)
    return (a + np.swapaxes(a, -1, -2)) / 2


@st.composite
def rectangular(draw, max_side=4):
    """(..., m, n) = U diag(s) Vᵀ with singular values >= 1 and >= 0.4 apart."""
    batch = draw(BATCH)
    m, n = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    k = min(m, n)
    u, v = _orthonormal(draw, batch + (m, k)), _orthonormal(draw, batch + (n, k))
    s = _spread(draw, batch + (k,), 1.0)
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


def _t(x):
    return np.swapaxes(x, -1, -2)


# --- values: the same as numpy's ---------------------------------------------------------------


@given(a=invertible(), p=spd(), s=symmetric(), r=rectangular())
def test_values_are_numpys(a, p, s, r):
    np.testing.assert_allclose(linalg.inv(a).data, np.linalg.inv(a))
    np.testing.assert_allclose(linalg.det(a).data, np.linalg.det(a))
    sign, logabsdet = linalg.slogdet(a)
    assert isinstance(sign, np.ndarray) and isinstance(logabsdet, Tensor)
    np.testing.assert_array_equal(sign, np.linalg.slogdet(a).sign)
    np.testing.assert_allclose(logabsdet.data, np.linalg.slogdet(a).logabsdet)
    np.testing.assert_allclose(linalg.cholesky(p).data, np.linalg.cholesky(p))
    np.testing.assert_allclose(
        linalg.cholesky(p, upper=True).data, np.linalg.cholesky(p, upper=True)
    )
    w, v = linalg.eigh(leaf(s))  # through the packed node and its views
    np.testing.assert_allclose(w.data, np.linalg.eigh(s).eigenvalues)
    np.testing.assert_allclose(v.data, np.linalg.eigh(s).eigenvectors)
    u, sv, vh = linalg.svd(leaf(r), full_matrices=False)
    ref = np.linalg.svd(r, full_matrices=False)
    for mine, theirs in zip((u, sv, vh), ref):
        np.testing.assert_allclose(mine.data, theirs)
    np.testing.assert_allclose(linalg.svdvals(r).data, np.linalg.svdvals(r))
    np.testing.assert_allclose(linalg.pinv(r).data, np.linalg.pinv(r))


# --- first order against central differences ------------------------------------------------


@covers("inv", "det", "slogdet")
@given(a=invertible())
def test_inv_det_slogdet(a):
    check_grad(linalg.inv, [leaf(a)])
    check_grad(linalg.det, [leaf(a)])
    check_grad(lambda x: linalg.slogdet(x).logabsdet, [leaf(a)])


@covers("solve")
@given(a=invertible(), k=st.integers(1, 3), data=st.data())
def test_solve_vector_and_matrix_right_hand_sides(a, k, data):
    n = a.shape[-1]
    vec = leaf(data.draw(hnp.arrays(np.float64, (n,), elements=UNIT)))
    # a matrix right-hand side whose batch axes broadcast against a's (a 1 or a missing axis)
    b_batch = data.draw(hnp.broadcastable_shapes(a.shape[:-2], min_dims=0, max_side=2))
    mat = leaf(data.draw(hnp.arrays(np.float64, b_batch + (n, k), elements=UNIT)))
    out = linalg.solve(a, vec)
    assert out.shape == np.linalg.solve(a, vec.data).shape == a.shape[:-1]
    np.testing.assert_allclose(out.data, np.linalg.solve(a, vec.data))
    np.testing.assert_allclose(linalg.solve(a, mat).data, np.linalg.solve(a, mat.data))
    check_grad(linalg.solve, [leaf(a), vec])
    check_grad(linalg.solve, [leaf(a), mat])


@covers("cholesky")
@given(p=spd(), b=hnp.arrays(np.float64, (3, 3), elements=UNIT))
def test_cholesky(p, b):
    check_grad(linalg.cholesky, [leaf(p)])  # reads the lower triangle: the upper gets 0
    check_grad(lambda x: linalg.cholesky(x, upper=True), [leaf(p)])
    # the usual use: a symmetric matrix computed from parameters
    check_grad(lambda x: linalg.cholesky(x @ x.T + 3 * np.eye(3)), [leaf(b)])


def test_cholesky_gradient_is_lower_triangular_and_upper_reads_the_upper_triangle():
    p = Tensor(np.array([[4.0, 1.0], [1.0, 3.0]]), requires_grad=True)
    linalg.cholesky(p).sum().backward()
    assert p.grad[0, 1] == 0 and np.all(p.grad[np.tril_indices(2)] != 0)
    p.grad = None
    linalg.cholesky(p, upper=True).sum().backward()
    assert p.grad[1, 0] == 0 and p.grad[0, 1] != 0


@covers("eigh")
@given(s=symmetric(), c=hnp.arrays(np.float64, (3,), elements=UNIT))
def test_eigh(s, c):
    check_grad(lambda x: linalg.eigh(x).eigenvalues, [leaf(s)])
    check_grad(lambda x: linalg.eigh(x).eigenvectors ** 2, [leaf(s)])  # sign-invariant
    check_grad(lambda x: linalg.eigh(x, UPLO="U").eigenvectors ** 2, [leaf(s)])
    n = s.shape[-1]

    def projection(x):  # V diag(c) Vᵀ and the eigenvalues together: both outputs in one rule
        w, v = linalg.eigh(x)
        return (v * c[:n]) @ _swap(v) + w.reshape(w.shape + (1,))

    check_grad(projection, [leaf(s)])


def _swap(x):
    return x.transpose(*range(x.ndim - 2), x.ndim - 1, x.ndim - 2)


@covers("svd", "svdvals")
@given(r=rectangular())
def test_svd(r):
    check_grad(linalg.svdvals, [leaf(r)])
    check_grad(lambda x: linalg.svd(x, compute_uv=False), [leaf(r)])

    def vectors(x):  # invariant to flipping the signs of a pair (u_i, v_i)
        u, s, vh = linalg.svd(x, full_matrices=False)
        return (u * np.arange(s.shape[-1])) @ vh + (u * s.reshape(s.shape[:-1] + (1, -1))) @ vh

    check_grad(vectors, [leaf(r)])
    check_grad(lambda x: linalg.svd(x, full_matrices=False).U ** 2, [leaf(r)])
    check_grad(lambda x: linalg.svd(x, full_matrices=False).Vh ** 2, [leaf(r)])


@covers("pinv")
@given(r=rectangular(), a=invertible())
def test_pinv(r, a):
    check_grad(linalg.pinv, [leaf(r)])  # full rank: tall, wide and square
    np.testing.assert_allclose(linalg.pinv(a).data, np.linalg.inv(a), atol=1e-12)


# --- norm -----------------------------------------------------------------------------------

VECTOR_ORDS = [None, 2, 1, 3, 1.5, 0.5, np.inf, -np.inf, 0]
MATRIX_ORDS = [None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf]
# k/8 + 1/16 (never 0), and rows with distinct |x| sums: no kink, no tie in a max or min
OFF_GRID = st.integers(-16, 15).map(lambda k: k / 8 + 1 / 16)


@covers("norm")
@pytest.mark.parametrize("ord", VECTOR_ORDS, ids=str)
@given(data=st.data())
def test_vector_norms(ord, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    x = data.draw(hnp.arrays(np.float64, shape, elements=OFF_GRID, unique=ord in (np.inf, -np.inf)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    keepdims = data.draw(st.booleans())
    out = linalg.norm(x, ord, axis, keepdims)
    np.testing.assert_allclose(out.data, np.linalg.norm(x, ord, axis, keepdims), rtol=1e-13)
    np.testing.assert_allclose(
        linalg.vector_norm(x, axis=axis, ord=2 if ord is None else ord, keepdims=keepdims).data,
        out.data,
    )
    if ord != 0:  # the count of nonzeros is piecewise constant: no gradient
        check_grad(lambda t: linalg.norm(t, ord, axis, keepdims), [leaf(x)])


@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=str)
@given(data=st.data())
def test_matrix_norms(ord, data):
    if ord in ("nuc", 2, -2):  # distinct singular values
        x = data.draw(rectangular())
        axes = (-2, -1)
    else:
        x = data.draw(
            hnp.arrays(
                np.float64,
                data.draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=3)),
                elements=OFF_GRID,
                unique=True,
            )
        )
        axes = tuple(data.draw(st.permutations(range(x.ndim)))[:2])
    sums = [np.abs(x).sum(axis=a) for a in axes]  # a max or min of the sums must not tie
    assume(all(np.unique(t).size == t.size for t in sums))
    out = linalg.norm(x, ord, axes)
    np.testing.assert_allclose(out.data, np.linalg.norm(x, ord, axes), rtol=1e-12)
    np.testing.assert_allclose(
        linalg.norm(x, ord, axes, keepdims=True).data,
        np.linalg.norm(x, ord, axes, keepdims=True),
        rtol=1e-12,
    )
    check_grad(lambda t: linalg.norm(t, ord, axes), [leaf(x)])
    if x.ndim == 2:  # axis=None with an ord: the matrix norm of a 2-D input
        np.testing.assert_allclose(linalg.norm(x, ord).data, np.linalg.norm(x, ord), rtol=1e-12)
    if axes == (-2, -1):
        name = "fro" if ord is None else ord
        np.testing.assert_allclose(
            linalg.matrix_norm(x, ord=name).data, np.linalg.matrix_norm(x, ord=name), rtol=1e-12
        )


@given(
    x=hnp.arrays(
        np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), elements=OFF_GRID
    )
)
def test_norm_of_everything_and_the_method(x):
    np.testing.assert_allclose(Tensor(x).norm().data, np.linalg.norm(x))
    if x.size:
        check_grad(lambda t: t.norm(), [leaf(x)])


def test_norm_gradient_is_x_over_norm_and_zero_at_zero():
    x = Tensor(np.array([[3.0, 4.0], [0.0, 0.0]]), requires_grad=True)
    x.norm(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.6, 0.8], [0.0, 0.0]])
    for ord in [None, 1, 3, 0.5, np.inf, -np.inf]:  # subgradient 0 at 0, no warning
        z = Tensor(np.zeros(3), requires_grad=True)
        linalg.norm(z, ord).backward()
        np.testing.assert_array_equal(z.grad, 0.0)
    z = Tensor(np.zeros((2, 2)), requires_grad=True)
    z.norm().backward()
    np.testing.assert_array_equal(z.grad, 0.0)


def test_norm_does_not_overflow_and_keeps_float32():
    big = Tensor(np.array([3e200, 4e200]), requires_grad=True)
    big.norm().backward()  # numpy's own norm overflows to inf here (with a warning)
    assert big.norm().item() == pytest.approx(5e200, rel=1e-15)
    np.testing.assert_allclose(big.grad, [0.6, 0.8])
    tiny = Tensor(np.array([3e-200, 4e-200]))
    assert tiny.norm().item() == pytest.approx(5e-200, rel=1e-15)
    assert linalg.norm(np.ones((2, 2), dtype=np.float32), "nuc").dtype == np.float32
    assert Tensor(np.ones(3, dtype=np.float32)).norm(3).dtype == np.float32


def test_norm_errors():
    with pytest.raises(
        ValueError,
        match=r"norm: ord=1 without an axis needs a 1-D or 2-D "
        r"input, got shape \(2, 2, 2\)",
    ):
        linalg.norm(np.ones((2, 2, 2)), 1)
    with pytest.raises(ValueError, match="norm: invalid ord 'fro' for a vector norm"):
        linalg.norm(np.ones(3), "fro")
    with pytest.raises(ValueError, match="norm: invalid ord 3 for a matrix norm"):
        linalg.norm(np.ones((2, 2)), 3)
    with pytest.raises(ValueError, match="negative vector norms"):
        linalg.norm(np.ones(3), -1)
    with pytest.raises(ValueError, match="norm: axis must be an int or a pair"):
        linalg.norm(np.ones((2, 2, 2)), axis=(0, 1, 2))
    with pytest.raises(ValueError, match="norm: axis 2 is out of range"):
        linalg.norm(np.ones((2, 2)), axis=2)


# --- closed forms -----------------------------------------------------------------------------


@given(a=invertible())
def test_closed_forms_of_logdet_det_and_inv(a):
    x = leaf(a)
    linalg.slogdet(x).logabsdet.sum().backward()
    np.testing.assert_allclose(x.grad, _t(np.linalg.inv(a)), rtol=1e-10, atol=1e-12)  # A⁻ᵀ
    x = leaf(a)
    linalg.det(x).sum().backward()
    np.testing.assert_allclose(
        x.grad, np.linalg.det(a)[..., None, None] * _t(np.linalg.inv(a)), rtol=1e-10, atol=1e-12
    )
    x = leaf(a)
    inv = np.linalg.inv(a)
    linalg.inv(x).sum().backward()  # d sum(A⁻¹) = -A⁻ᵀ 1 1ᵀ A⁻ᵀ
    np.testing.assert_allclose(x.grad, -_t(inv) @ np.ones_like(a) @ _t(inv), rtol=1e-10, atol=1e-12)


@given(s=symmetric(), r=rectangular())
def test_closed_forms_of_eigenvalues_and_singular_values(s, r):
    x = leaf(s)
    w, v = np.linalg.eigh(s)
    linalg.eigh(x).eigenvalues[..., -1].sum().backward()
    top = v[..., :, -1:] * v[..., None, :, -1]  # d w_max / dA = v vᵀ, read on the lower triangle
    np.testing.assert_allclose(x.grad, np.tril(2 * top) - top * np.eye(s.shape[-1]), atol=1e-10)
    y = leaf(r)
    u, _, vh = np.linalg.svd(r, full_matrices=False)
    linalg.svdvals(y).sum().backward()  # d sum(s) / dA = U Vh (the nuclear norm's gradient)
    np.testing.assert_allclose(y.grad, u @ vh, atol=1e-10)


def test_degenerate_eigenvalues_give_finite_gradients_for_basis_free_losses():
    """Equal eigenvalues: the 1/(w_j - w_i) factor is taken as 0 there, which is right for a
    loss that does not depend on the basis chosen in the eigenspace (here the eigenvalues and
    the projector V diag(c) Vᵀ with c equal on the degenerate pair); no warning, no nan."""
    a = np.diag([1.0, 1.0, 3.0])
    x = leaf(a)
    w, v = linalg.eigh(x)
    (w * np.array([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(x.grad, np.diag([1.0, 2.0, 3.0]))
    x = leaf(a)
    _, v = linalg.eigh(x)
    proj = (v * np.array([1.0, 1.0, 5.0])) @ _swap(v)  # = I + 4 e3 e3ᵀ: smooth in A
    (proj * np.arange(9.0).reshape(3, 3)).sum().backward()
    assert np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(x.grad, _projector_grad(a), atol=1e-6)


def _projector_grad(a):
    """Central differences of the loss above, perturbing the lower triangle only."""

    def loss(m):
        w, v = np.linalg.eigh(m)
        return (((v * np.array([1.0, 1.0, 5.0])) @ v.T) * np.arange(9.0).reshape(3, 3)).sum()

    g = np.zeros_like(a)
    for i, j in zip(*np.tril_indices(3)):
        e = np.zeros_like(a)
        e[i, j] = 1e-6
        g[i, j] = (loss(a + e) - loss(a - e)) / 2e-6
    return g


# --- the motivating example: a Gaussian process -----------------------------------------------


def gp_nll(log_scale, log_length, log_noise, x, y):
    """The negative log marginal likelihood of targets y under a GP with an RBF kernel:
    ½ yᵀ K⁻¹ y + ½ log det K + (n/2) log 2π, with K = L Lᵀ and log det K = 2 Σ log L_ii."""
    n = len(y)
    sq = (x[:, None] - x[None, :]) ** 2
    k = (log_scale * 2).exp() * (-(sq / (log_length * 2).exp()) * 0.5).exp()
    k = k + log_noise.exp() * np.eye(n)
    l = linalg.cholesky(k)
    alpha = linalg.solve(l.T, linalg.solve(l, y))
    logdet = 2 * ((l * np.eye(n)).sum(axis=1)).log().sum()
    return 0.5 * (alpha * y).sum() + 0.5 * logdet + 0.5 * n * np.log(2 * np.pi)


def test_gaussian_process_likelihood_gradient_and_hessian():
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-3, 3, 8))
    y = np.sin(x) + 0.1 * rng.standard_normal(8)
    params = [Tensor(np.array(v), requires_grad=True) for v in (0.1, -0.2, -2.0)]
    nll = gp_nll(*params, x, y)
    # the same value through slogdet and solve on K directly, and in plain numpy
    ls, ll, ln = (p.item() for p in params)
    k = np.exp(2 * ls) * np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / np.exp(2 * ll))
    k += np.exp(ln) * np.eye(8)
    ref = 0.5 * y @ np.linalg.solve(k, y) + 0.5 * np.linalg.slogdet(k)[1] + 4 * np.log(2 * np.pi)
    assert nll.item() == pytest.approx(ref, rel=1e-12)
    check_grad(lambda *p: gp_nll(*p, x, y), params)

    def gradient_norm(*p):  # second order: differentiate the gradient
        with enable_grad():
            gs = grad(gp_nll(*p, x, y), list(p), create_graph=True)
        return sum((g * g).sum() for g in gs)

    check_grad(gradient_norm, params, rtol=1e-4, atol=1e-6)


# --- second order: every rule differentiated again ----------------------------------------------

SECOND_ORDER = {
    "inv": (invertible, lambda a: linalg.inv(a)),
    "det": (invertible, lambda a: linalg.det(a)),
    "slogdet": (invertible, lambda a: linalg.slogdet(a).logabsdet),
    # a matrix and a vector right-hand side, both functions of a
    "solve": (
        invertible,
        lambda a: (
            linalg.solve(a, a * a).sum(axis=-1) + linalg.solve(a, a.reshape(-1)[: a.shape[-1]])
        ),
    ),
    "cholesky": (spd, lambda a: linalg.cholesky(a)),
    "eigh": (
        symmetric,
        lambda a: linalg.eigh(a).eigenvalues + (linalg.eigh(a).eigenvectors ** 2).sum(axis=-1),
    ),
    "svd": (rectangular, lambda a: _weighted_vectors(*linalg.svd(a, full_matrices=False))),
    "svdvals": (rectangular, lambda a: linalg.svdvals(a)),
    "pinv": (rectangular, lambda a: linalg.pinv(a)),
    "norm": (
        lambda: hnp.arrays(np.float64, (2, 3), elements=OFF_GRID),
        lambda a: linalg.norm(a, axis=-1) + linalg.norm(a, 3, axis=-2).sum(),
    ),
}


def _weighted_vectors(u, s, vh):
    """Squares of U and Vh weighted per singular vector: sign-invariant, and not constant
    (the rows of a tall U do not have unit norm, nor the columns of a wide Vh)."""
    k = s.shape[-1]
    return concat([(u * u) @ np.arange(1.0, k + 1), np.arange(1.0, k + 1) @ (vh * vh)], axis=-1)


@covers_second_order(*SECOND_ORDER)
@pytest.mark.parametrize("name", list(SECOND_ORDER))
@given(data=st.data())
def test_second_order(name, data):
    """The gradient computed with create_graph=True is itself differentiated correctly."""
    strategy, fn = SECOND_ORDER[name]
    a = leaf(data.draw(strategy()))
    check_grad(fn, [a], order=2, rtol=1e-4, atol=1e-6)


@given(r=rectangular())
def test_svd_of_the_svd_vectors_second_order(r):
    """The rule of svd (vectors) is what svdvals' rule calls under create_graph."""
    x = leaf(r)
    with enable_grad():
        (g,) = grad(linalg.svdvals(x).sum(), [x], create_graph=True)
    assert "svd" in {n.op for n in _ancestors(g)}


def _ancestors(root):
    from autograd_core import toposort

    return toposort(root)


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [linalg.inv, linalg.det, linalg.slogdet, linalg.cholesky, linalg.eigh],
    ids=lambda f: f.__name__,
)
def test_non_square_and_non_matrix_inputs_name_the_op_and_the_shape(fn):
    name = fn.__name__
    with pytest.raises(
        np.linalg.LinAlgError,
        match=rf"{name}: expects square matrices in the "
        r"last two axes, got shape \(2, 2, 3\)",
    ):
        fn(np.ones((2, 2, 3)))
    with pytest.raises(
        np.linalg.LinAlgError,
        match=rf"{name}: expects a matrix or a stack of "
        r"matrices, got shape \(3,\)",
    ):
        fn(np.ones(3))


def test_singular_and_indefinite_matrices_are_linalg_errors_naming_the_op():
    singular = np.array([[[1.0, 2.0], [2.0, 4.0]]])
    with pytest.raises(np.linalg.LinAlgError, match=r"inv: input of shape \(1, 2, 2\): Singular"):
        linalg.inv(singular)
    with pytest.raises(
        np.linalg.LinAlgError,
        match=r"solve: input of shape \(1, 2, 2\) and "
        r"\(2,\): Singular",
    ):
        linalg.solve(singular, np.ones(2))
    with pytest.raises(
        np.linalg.LinAlgError,
        match=r"cholesky: input of shape \(2, 2\): Matrix "
        "is not positive definite",
    ):
        linalg.cholesky(-np.eye(2))
    # at a singular matrix: det's gradient is the adjugate; log|det|'s is infinite
    x = leaf(singular)
    assert linalg.det(x).item() == 0
    linalg.det(x).sum().backward()
    np.testing.assert_allclose(x.grad, [[[4.0, -2.0], [-2.0, 1.0]]], atol=1e-12)  # adj(A)ᵀ
    with pytest.raises(
        np.linalg.LinAlgError,
        match=r"det: the second derivative at a singular matrix is not implemented, and a "
        r"matrix of the input of shape \(1, 2, 2\) is singular",
    ):
        with enable_grad():
            grad(linalg.det(x).sum(), x, create_graph=True)
    sign, logabsdet = linalg.slogdet(x)
    assert sign.item() == 0 and logabsdet.item() == -np.inf
    with pytest.raises(np.linalg.LinAlgError, match="slogdet: the gradient .* is infinite"):
        logabsdet.sum().backward()


@given(data=st.data())
def test_det_gradient_at_singular_matrices_is_the_adjugate(data):
    """det is a polynomial: central differences are exact enough even where A is singular.
    Rank n - 1 (the adjugate has rank 1) and rank <= n - 2 (it is 0), batched with a
    regular matrix: one singular matrix in a batch sends the whole batch to the SVD."""
    n = data.draw(st.integers(1, 4))
    rank = data.draw(st.integers(0, n - 1))
    quarters = st.integers(-4, 4).map(lambda k: k / 4)  # exact products: singular exactly
    left = data.draw(hnp.arrays(np.float64, (n, rank), elements=quarters))
    right = data.draw(hnp.arrays(np.float64, (rank, n), elements=quarters))
    regular = data.draw(hnp.arrays(np.float64, (n, n), elements=UNIT)) + (n + 1) * np.eye(n)
    batch = np.stack([left @ right, regular])
    x = leaf(batch)
    linalg.det(x).sum().backward()
    assert np.all(np.isfinite(x.grad))
    check_grad(linalg.det, [leaf(batch)])


def test_bad_arguments():
    with pytest.raises(
        ValueError,
        match=r"solve: a of shape \(3, 3\) needs b of shape \(3,\) "
        r"or \(\.\.\., 3, K\), got \(2,\)",
    ):
        linalg.solve(np.eye(3), np.ones(2))
    with pytest.raises(
        ValueError,
        match=r"solve: the batch axes of a \(2, 3, 3\) and b "
        r"\(4, 3, 1\) cannot be broadcast",
    ):
        linalg.solve(np.ones((2, 3, 3)) + np.eye(3), np.ones((4, 3, 1)))
    with pytest.raises(ValueError, match="eigh: UPLO must be 'L' or 'U', got 'X'"):
        linalg.eigh(np.eye(2), UPLO="X")
    with pytest.raises(
        ValueError,
        match=r"svd: full_matrices=True on a non-square input of "
        r"shape \(3, 2\).*full_matrices=False",
    ):
        linalg.svd(leaf(np.ones((3, 2))))
    u, s, vh = linalg.svd(np.ones((3, 2)))  # without gradient: numpy's full matrices
    assert u.shape == (3, 3) and vh.shape == (2, 2)


@pytest.mark.parametrize(
    "fn",
    [
        linalg.inv,
        linalg.det,
        lambda a: linalg.slogdet(a).logabsdet,
        linalg.cholesky,
        lambda a: linalg.eigh(a).eigenvectors,
        lambda a: linalg.svd(a, full_matrices=False).U,
        linalg.svdvals,
        linalg.pinv,
        lambda a: linalg.solve(a, a),
        lambda a: linalg.norm(a, "nuc", axis=(-2, -1)),
        lambda a: linalg.norm(a, axis=0),
    ],
)
@pytest.mark.parametrize("shape", [(0, 3, 3), (2, 0, 0)], ids=str)
def test_empty_batches_and_empty_matrices(fn, shape):
    x = Tensor(np.zeros(shape), requires_grad=True)
    out = fn(x)
    out.sum().backward()
    assert x.grad.shape == shape and not np.any(x.grad)


@pytest.mark.parametrize(
    "fn",
    [
        linalg.inv,
        linalg.det,
        lambda a: linalg.slogdet(a).logabsdet,
        linalg.cholesky,
        lambda a: linalg.eigh(a).eigenvalues,
        lambda a: linalg.svd(a, full_matrices=False).S,
        linalg.pinv,
        lambda a: linalg.solve(a, a[0]),
        lambda a: a.norm(),
    ],
)
def test_float32_stays_float32(fn):
    x = Tensor(np.array([[2.0, 0.5], [0.5, 1.0]], dtype=np.float32), requires_grad=True)
    out = fn(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_no_gradient_needed_gives_constants():
    w, v = linalg.eigh(np.eye(2))
    assert not w.requires_grad and w.op == "" and v.shape == (2, 2)
    assert linalg.inv(Tensor(np.eye(2))).parents == ()
