"""Differentiable linear algebra on Tensors, mirroring ``numpy.linalg``: same names, same
signatures, batched over leading axes where numpy is (``a`` of shape (..., M, M)).

The forward values are numpy's (LAPACK); the gradients are the rules of the ``DECOMPOSITIONS``
section of ``calculus.py``, written with Tensor-capable operations (and calls back into this
module under ``create_graph``), so everything here differentiates to any order. Arguments may
be Tensors, arrays or nested lists. Errors name the function and the shape; numpy's
``LinAlgError`` (singular matrix, not positive definite) keeps its type.

Conventions:

* ``cholesky`` and ``eigh`` read only the lower triangle of ``a`` (as numpy does), and their
  gradient is the derivative of exactly that function: lower-triangular, the upper triangle
  gets 0. For a symmetric ``a`` built from other values (``B @ B.T + c``) the chain rule gives
  the same gradient to ``B`` as the symmetrized convention of PyTorch.
* Eigenvector (and singular vector) gradients contain 1/(w_j - w_i): they are accurate for
  well-separated eigenvalues and grow without bound as two approach each other. At exactly
  equal eigenvalues the factor is taken as 0, which is the right gradient for every loss that
  does not depend on the basis chosen inside the degenerate eigenspace (eigenvalues,
  projectors, any function of ``a``), and is otherwise a derivative that does not exist.
* Multi-output functions (``eigh``, ``svd``) record one node holding all outputs, flattened
  along its last axis; the outputs are views of it (an index and a reshape), so gradients
  from any combination of outputs meet in one rule.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any, NamedTuple

import numpy as np

from . import calculus
from .calculus import kept_shape
from .graph import is_grad_enabled
from .tensor import Tensor, _const, _flag, _normalize_axes, _result, _tensors

__all__ = [
    "inv",
    "det",
    "slogdet",
    "solve",
    "cholesky",
    "eigh",
    "svd",
    "svdvals",
    "pinv",
    "norm",
    "vector_norm",
    "matrix_norm",
    "LinAlgError",
    "SlogdetResult",
    "EighResult",
    "SVDResult",
]

LinAlgError = np.linalg.LinAlgError


class SlogdetResult(NamedTuple):
    """``slogdet``'s result: ``sign`` (a constant ndarray: ±1, or 0 for a singular matrix)
    and ``logabsdet`` (a Tensor, log |det a|)."""

    sign: np.ndarray
    logabsdet: Tensor


class EighResult(NamedTuple):
    """``eigh``'s result: ascending ``eigenvalues`` and the ``eigenvectors`` as columns."""

    eigenvalues: Tensor
    eigenvectors: Tensor


class SVDResult(NamedTuple):
    """``svd``'s result: A = U diag(S) Vh, S descending."""

    U: Tensor
    S: Tensor
    Vh: Tensor


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _matrices(op: str, a: Any, square: bool = True) -> Tensor:
    """a as a Tensor of (a stack of) matrices, square if asked; a LinAlgError otherwise."""
    a = _tensor(a)
    if a.ndim < 2:
        raise LinAlgError(f"{op}: expects a matrix or a stack of matrices, got shape {a.shape}")
    if square and a.shape[-1] != a.shape[-2]:
        raise LinAlgError(
            f"{op}: expects square matrices in the last two axes, got shape {a.shape}"
        )
    return a


def _lapack(op: str, *xs: Tensor, kernel: str | None = None, **kwargs: Any) -> Any:
    """``xp.linalg.<kernel>`` (by default the function named op) on the arrays of xs; numpy's
    LinAlgError reworded to name the op and the shape."""
    fn = getattr(calculus.xp.linalg, kernel or op)
    try:
        with np.errstate(divide="ignore"):  # log 0 = -inf inside det/slogdet is the answer
            return fn(*(x._data for x in xs), **kwargs)
    except LinAlgError as e:
        shapes = " and ".join(str(x.shape) for x in xs)
        raise LinAlgError(f"{op}: input of shape {shapes}: {e}") from None


def _pack(*parts: np.ndarray, batch: tuple[int, ...]) -> np.ndarray:
    """The outputs of a multi-output op flattened and joined along the last axis (the one
    node's value; ``calculus._unpack`` takes it apart)."""
    flat = [p.reshape(batch + (math.prod(p.shape[len(batch) :]),)) for p in parts]
    return np.concatenate(flat, axis=-1)


def inv(a: Any) -> Tensor:
    """The inverse A⁻¹ of each square matrix (LinAlgError if singular); dA = -A⁻ᵀ g A⁻ᵀ."""
    a = _matrices("inv", a)
    return _result(_lapack("inv", a), "inv", (a,))


def det(a: Any) -> Tensor:
    """The determinant of each square matrix; dA = g det(A) A⁻ᵀ = g adj(A)ᵀ, the adjugate
    also where A is singular (its second derivative there is a LinAlgError)."""
    a = _matrices("det", a)
    return _result(_lapack("det", a), "det", (a,))


def slogdet(a: Any) -> SlogdetResult:
    """(sign, log |det A|) of each square matrix, without the overflow of det: the sign is a
    constant ndarray, ``logabsdet`` a Tensor with d log|det A| / dA = A⁻ᵀ (needs A
    invertible: a singular A gives sign 0 and logabsdet -inf)."""
    a = _matrices("slogdet", a)
    sign, logabsdet = _lapack("slogdet", a)
    return SlogdetResult(np.asarray(sign), _result(logabsdet, "slogdet", (a,)))


def solve(a: Any, b: Any) -> Tensor:
    """x with A x = b. As numpy 2: a 1-D b is a vector (x has shape (..., M)), otherwise b is
    a (stack of) matrix of shape (..., M, K); batch axes broadcast. dB = A⁻ᵀ g, dA = -dB xᵀ."""
    a, b = _tensors([a, b], "solve")
    a = _matrices("solve", a)
    m = a.shape[-1]
    if b.ndim == 0 or (b.shape[0] if b.ndim == 1 else b.shape[-2]) != m:
        raise ValueError(
            f"solve: a of shape {a.shape} needs b of shape ({m},) or (..., {m}, K), got {b.shape}"
        )
    try:
        value = _lapack("solve", a, b)
    except LinAlgError:  # a ValueError too, but not a shape error
        raise
    except ValueError:
        raise ValueError(
            f"solve: the batch axes of a {a.shape} and b {b.shape} cannot be broadcast"
        ) from None
    return _result(value, "solve", (a, b))


def cholesky(a: Any, /, *, upper: bool = False) -> Tensor:
    """L, lower triangular with A = L Lᵀ, for each symmetric positive-definite matrix (only
    the lower triangle of ``a`` is read; LinAlgError if not positive definite). ``upper=True``
    gives U = Lᵀ of the upper triangle (A = Uᵀ U). Gradient: L⁻ᵀ Φ(Lᵀ g) L⁻¹, Φ = the lower
    triangle with the diagonal halved, on the lower triangle (see the module docstring)."""
    a = _matrices("cholesky", a)
    if _flag(upper, "upper", "cholesky"):
        return calculus._swap_last(cholesky(calculus._swap_last(a)))
    return _result(_lapack("cholesky", a), "cholesky", (a,))


def eigh(a: Any, UPLO: str = "L") -> EighResult:  # noqa: N803 (numpy's name)
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of each symmetric
    matrix, reading its lower (``UPLO="L"``) or upper (``"U"``) triangle. Gradient
    V (diag(g_w) + F ∘ Vᵀ g_V) Vᵀ with F_ij = 1/(w_j - w_i): see the module docstring for
    (near-)degenerate eigenvalues. A loss of the eigenvectors must not depend on their signs,
    which are arbitrary (v and -v are both eigenvectors)."""
    a = _matrices("eigh", a)
    if UPLO not in ("L", "U"):
        raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    if UPLO == "U":
        return eigh(calculus._swap_last(a))
    w, v = _lapack("eigh", a)
    node = _result(_pack(w, v, batch=a.shape[:-2]), "eigh", (a,))
    if not node.requires_grad:
        return EighResult(_const(w), _const(v))
    n = a.shape[-1]
    return EighResult(*calculus._unpack(node, [(n,), (n, n)]))


def svd(
    a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
) -> SVDResult | Tensor:
    """The singular value decomposition A = U diag(S) Vh of each matrix, S descending; with
    ``compute_uv=False`` only S (as ``svdvals``). ``hermitian`` is accepted for numpy's
    signature and ignored (the general SVD is a valid result for a symmetric matrix).

    Gradients: of S, U diag(g) Vh; of U and Vh, Townsend's formula (``calculus._svd_vjp``),
    accurate for distinct nonzero singular values, growing as two approach each other. A loss
    of U and Vh must not depend on the joint sign of a pair (u_i, v_i). With
    ``full_matrices=True`` the extra columns of U (or rows of Vh) of a non-square matrix are
    not unique and have no gradient: such a call on a Tensor that requires grad is a
    ValueError (pass ``full_matrices=False``)."""
    a = _matrices("svd", a, square=False)
    full_matrices = _flag(full_matrices, "full_matrices", "svd")
    _flag(hermitian, "hermitian", "svd")
    if not _flag(compute_uv, "compute_uv", "svd"):
        return svdvals(a)
    m, n = a.shape[-2:]
    if full_matrices and m != n and a.requires_grad and is_grad_enabled():
        raise ValueError(
            f"svd: full_matrices=True on a non-square input of shape {a.shape}: the extra "
            "singular vectors are not unique and have no gradient; pass full_matrices=False"
        )
    u, s, vh = _lapack("svd", a, full_matrices=full_matrices)
    node = _result(_pack(u, s, vh, batch=a.shape[:-2]), "svd", (a,))
    if not node.requires_grad:
        return SVDResult(_const(u), _const(s), _const(vh))
    return SVDResult(*calculus._unpack(node, calculus._svd_shapes(m, n)))


def svdvals(x: Any, /) -> Tensor:
    """The singular values of each matrix, descending; dA = U diag(g) Vh."""
    a = _matrices("svdvals", x, square=False)
    u, s, vh = _lapack("svdvals", a, kernel="svd", full_matrices=False)
    return _result(s, "svdvals", (a,), ((u, vh),))


def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse A⁺ of each matrix (numpy's, singular values below
    ``rtol`` (or ``rcond``) times the largest are treated as 0). The gradient is that of A⁺
    at constant rank (Golub and Pereyra), exact wherever the rank does not change, e.g. for
    every matrix of full rank. ``hermitian`` is accepted and ignored, as in ``svd``."""
    a = _matrices("pinv", a, square=False)
    _flag(hermitian, "hermitian", "pinv")
    for name, cut in (("rcond", rcond), ("rtol", rtol)):
        if cut is not None and np.asarray(_value_of(cut)).dtype.kind not in "iuf":
            raise TypeError(f"pinv: {name} must be a number or an array of numbers, got {cut!r}")
    kwargs = {} if rtol is None else {"rtol": rtol}
    value = _lapack("pinv", a, rcond=rcond, **kwargs)
    return _result(value, "pinv", (a,))


# --- norms ----------------------------------------------------------------------------------


def _p_norm(x: Tensor, p: float, axes: tuple[int, ...], keepdims: bool) -> Tensor:
    """(sum |x|^p)^(1/p) over axes, for 0 < p < inf: one node, overflow-free."""
    value = calculus.vector_norm(x._data, p, axes, keepdims)
    return _result(value, "norm", (x,), (p, kept_shape(x.shape, axes)))


def _min(x: Tensor, axes: tuple[int, ...]) -> Tensor:
    return -(-x).max(axis=axes, keepdims=True)


def _value_of(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _vector(x: Tensor, ord: Any, axes: tuple[int, ...]) -> Tensor:
    """The vector norm of x over axes, with the axes kept (keepdims=True)."""
    if ord is None:
        ord = 2
    if isinstance(ord, (str, bool, np.bool_)) or not isinstance(ord, Real) or math.isnan(ord):
        raise ValueError(f"norm: invalid ord {ord!r} for a vector norm")
    if ord == math.inf:
        return abs(x).max(axis=axes, keepdims=True)
    if ord == -math.inf:
        return _min(abs(x), axes)
    if ord == 0:  # the number of nonzero entries: piecewise constant, no gradient
        return _const((x._data != 0).sum(axis=axes, keepdims=True).astype(x.dtype))
    if ord < 0:
        raise ValueError(f"norm: ord={ord!r}: negative vector norms are not supported")
    return _p_norm(x, float(ord), axes, True)


def _matrix(x: Tensor, ord: Any, axes: tuple[int, ...]) -> Tensor:
    """The matrix norm of x over the axis pair (rows, columns), with the axes kept."""
    rows, cols = axes
    if isinstance(ord, (bool, np.bool_)):  # True == 1 would pick the 1-norm
        raise ValueError(f"norm: invalid ord {ord!r} for a matrix norm")
    if ord in (None, "fro"):
        return _p_norm(x, 2.0, axes, True)
    if ord in ("nuc", 2, -2):
        rest = [i for i in range(x.ndim) if i not in axes]
        s = svdvals(x.transpose(rest + [rows, cols]))
        s = s.sum(axis=-1) if ord == "nuc" else (s[..., 0] if ord == 2 else s[..., -1])
        return s.reshape(kept_shape(x.shape, axes))
    if ord in (1, -1):  # the largest (smallest) column sum
        sums, over = abs(x).sum(axis=rows, keepdims=True), (cols,)
    elif ord in (math.inf, -math.inf):  # the largest (smallest) row sum
        sums, over = abs(x).sum(axis=cols, keepdims=True), (rows,)
    else:
        raise ValueError(f"norm: invalid ord {ord!r} for a matrix norm")
    return sums.max(axis=over, keepdims=True) if ord > 0 else _min(sums, over)


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The vector or matrix norm, as ``np.linalg.norm``.

    ``axis`` None: the 2-norm of all entries if ``ord`` is None, else x must be 1-D (a vector
    norm) or 2-D (a matrix norm). An int axis: vector norms along it, ``ord`` in None/2 (the
    Euclidean norm), any p > 0, 1, inf, -inf (max/min |x|), 0 (the count of nonzeros, no
    gradient). A pair of axes: matrix norms, ``ord`` in None/'fro', 'nuc' (the sum of the
    singular values), 2/-2 (the largest/smallest singular value), 1/-1 (the max/min column
    sum of |x|), inf/-inf (the max/min row sum).

    p-norms are computed with the largest |x| factored out: no overflow at 1e200. Gradient:
    sign(x) (|x| / ||x||)^(p-1) (x / ||x|| for p = 2), with the subgradient 0 where x = 0:
    the gradient of ||x|| at x = 0 is 0, as in PyTorch; max and min split ties evenly."""
    x = _tensor(x)
    keepdims = _flag(keepdims, "keepdims", "norm")
    if axis is None and ord is not None:
        if x.ndim not in (1, 2):
            raise ValueError(
                f"norm: ord={ord!r} without an axis needs a 1-D or 2-D input, got shape {x.shape}"
            )
        axis = tuple(range(x.ndim))
    axes = _normalize_axes(axis, x.ndim, "norm")
    if axis is None:  # the 2-norm of the flattened array
        out = _p_norm(x, 2.0, axes, True)
    elif len(axes) == 1:
        out = _vector(x, ord, axes)
    elif len(axes) == 2:
        out = _matrix(x, ord, axes)
    else:
        raise ValueError(f"norm: axis must be an int or a pair of axes, got {axis!r}")
    if keepdims:
        return out
    return out.reshape([d for i, d in enumerate(x.shape) if i not in axes])


def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Tensor:
    """The vector norm over ``axis`` (all axes, the array flattened, by default), as
    ``np.linalg.vector_norm``; ``ord`` as in ``norm``."""
    x = _tensor(x)
    keepdims = _flag(keepdims, "keepdims", "vector_norm")
    axes = _normalize_axes(axis, x.ndim, "vector_norm")
    out = _vector(x, ord, axes)
    return out if keepdims else out.reshape([d for i, d in enumerate(x.shape) if i not in axes])


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Tensor:
    """The matrix norm over the last two axes, as ``np.linalg.matrix_norm``; ``ord`` as in
    ``norm``."""
    x = _matrices("matrix_norm", x, square=False)
    keepdims = _flag(keepdims, "keepdims", "matrix_norm")
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)
