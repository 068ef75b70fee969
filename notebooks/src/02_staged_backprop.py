# %% [markdown]
# # 2. Backpropagation, staged
#
# The CS231n notes on backpropagation teach it with *staged* computation: break a function
# into gates small enough that each local derivative is obvious, run forward, then walk back
# gate by gate multiplying the upstream gradient by the local one. `viz.trace` writes that
# table for any graph, straight from the engine's backward pass, so every row can be checked
# by hand. This notebook reproduces the notes' examples, each number printed next to the
# value the notes give (or that their formulas give, to full precision).
#
# **Source**
#
# * Stanford CS231n (Andrej Karpathy et al.), course notes "Backpropagation, Intuitions"
#   (2015): f = (x + y)z at (−2, 5, −4), the 2-d sigmoid neuron with w = [2, −3, −3] and
#   x = [−1, −2], the staged f(x, y) = (x + σ(y)) / (σ(x) + (x + y)²) at (3, −4), and the
#   gradients of the matrix product D = W·X. https://cs231n.github.io/optimization-2/

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd().parent))  # run from a checkout without installing, too

import math

import numpy as np

from autograd_core import Scalar, viz


def named(value, name):
    value.name = name
    return value


# %% [markdown]
# ## f = (x + y) z
#
# At x = −2, y = 5, z = −4: q = x + y = 3 and f = qz = −12. Going back: df/dz = q = 3,
# df/dq = z = −4, and the add gate hands −4 to both x and y (its local gradients are 1).

# %%
x, y, z = Scalar(-2.0, name="x"), Scalar(5.0, name="y"), Scalar(-4.0, name="z")
q = named(x + y, "q")
f = named(q * z, "f")
f.backward()
print(f"f = {f.data}   df/dx = {x.grad}   df/dy = {y.grad}   df/dz = {z.grad}")
print("CS231n: f = -12, df/dx = -4, df/dy = -4, df/dz = 3")
assert f.data == -12.0 and (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)
viz.draw(f)

# %%
viz.trace(f)

# %% [markdown]
# Reading the table: the *add* gate distributes its upstream gradient unchanged to all its
# inputs; the *mul* gate swaps its inputs (x's gradient is upstream · y); a *max* gate would
# route it to the larger input.
#
# ## A sigmoid neuron
#
# w = [2, −3, −3], x = [−1, −2], f = σ(w₀x₀ + w₁x₁ + w₂). First the neuron built only from
# the elementary gates add, mul, neg, exp and reciprocal, σ(z) = 1 / (1 + e^(−z)):

# %%
def neuron_inputs():
    w = [Scalar(2.0, name="w0"), Scalar(-3.0, name="w1"), Scalar(-3.0, name="w2")]
    x = [Scalar(-1.0, name="x0"), Scalar(-2.0, name="x1")]
    return w, x


w, xs = neuron_inputs()
z = named(w[0] * xs[0] + w[1] * xs[1] + w[2], "z")
f_gates = named((1 + (-z).exp()).reciprocal(), "f")
t_gates = viz.trace(f_gates)
t_gates

# %% [markdown]
# The same neuron with the fused sigmoid gate, whose local gradient is
# σ(z)(1 − σ(z)) = f(1 − f): one row instead of four, the same numbers.

# %%
w, xs = neuron_inputs()
z = named(w[0] * xs[0] + w[1] * xs[1] + w[2], "z")
f_fused = named(z.sigmoid(), "f")
t_fused = viz.trace(f_fused)
print(t_fused)

# CS231n's neuron (the notes' circuit diagram shows f = 0.73, df/dx = 0.39, -0.59 and
# df/dw = -0.20, -0.39, 0.20), to full precision:
cs231n_f = 0.7310585786300049
cs231n_dx = [0.3932238664829637, -0.5898357997244456]
cs231n_dw = [-0.19661193324148185, -0.3932238664829637, 0.19661193324148185]
dx = [t_fused.grads[n] for n in ("x0", "x1")]
dw = [t_fused.grads[n] for n in ("w0", "w1", "w2")]
print(f"\nf = {f_fused.data!r}       CS231n: {cs231n_f!r}")
print(f"df/dx = {dx}\n  CS231n: {cs231n_dx}")
print(f"df/dw = {dw}\n  CS231n: {cs231n_dw}")
assert abs(f_fused.data - cs231n_f) < 1e-15 and abs(f_gates.data - cs231n_f) < 1e-15
assert t_fused.rows[0].local_grads[0] == f_fused.data * (1 - f_fused.data)
for name in ("x0", "x1", "w0", "w1", "w2"):
    assert abs(t_fused.grads[name] - t_gates.grads[name]) < 1e-15, name
for got, want in zip(dx + dw, cs231n_dx + cs231n_dw):
    assert abs(got - want) < 1e-12, (got, want)
print("fused sigmoid gate and add/mul/exp/reciprocal gates: same gradients")

# %% [markdown]
# ## The staged f(x, y) with several paths
#
# f(x, y) = (x + σ(y)) / (σ(x) + (x + y)²) at x = 3, y = −4, staged exactly as in the notes:
#
# ```
# sigy = σ(y);  num = x + sigy;  sigx = σ(x);  xpy = x + y;  xpysqr = xpy²
# den = sigx + xpysqr;  invden = 1/den;  f = num · invden
# ```
#
# x feeds three gates (num, sigx, xpy) and y two (sigy, xpy). The notes stress that the
# backward code must use `+=` for them; in the table you can watch x's gradient being
# built up by three additions.

# %%
x, y = Scalar(3.0, name="x"), Scalar(-4.0, name="y")
sigy = named(y.sigmoid(), "sigy")
num = named(x + sigy, "num")
sigx = named(x.sigmoid(), "sigx")
xpy = named(x + y, "xpy")
xpysqr = named(xpy**2, "xpysqr")
den = named(sigx + xpysqr, "den")
invden = named(den.reciprocal(), "invden")
f = named(num * invden, "f")
t = viz.trace(f)
t

# %%
# the notes' staged formulas evaluated at x = 3, y = -4 in float64:
print(f"f = {f.data!r}   CS231n's formulas: 1.5456448841066441")
print(f"df/dx = {t.grads['x']!r}   CS231n's formulas: 2.0595697955721652")
print(f"df/dy = {t.grads['y']!r}   CS231n's formulas: 1.5922327514838093")
assert abs(f.data - 1.5456448841066441) < 1e-12
assert abs(t.grads["x"] - 2.0595697955721652) < 1e-12
assert abs(t.grads["y"] - 1.5922327514838093) < 1e-12

into_x = [(row.node, u.product) for row in t.rows for u in row.updates if u.parent == "x"]
print("contributions into x (+=):", ", ".join(f"from {n}: {p:.6f}" for n, p in into_x))
assert len(into_x) == 3
assert abs(sum(p for _, p in into_x) - t.grads["x"]) < 1e-15

# the table agrees with the engine's own backward pass (which fills .grad)
f.backward()
assert x.grad == t.grads["x"] and y.grad == t.grads["y"]
viz.draw(f)

# %% [markdown]
# The CS231n backward code, written by hand for comparison (the `+=` lines are the ones a
# student forgets):

# %%
def sig(v):
    return 1.0 / (1.0 + math.exp(-v))


xv, yv = 3.0, -4.0
sigy_, num_ = sig(yv), xv + sig(yv)
sigx_, xpy_ = sig(xv), xv + yv
xpysqr_ = xpy_**2
den_ = sigx_ + xpysqr_
invden_ = 1.0 / den_
f_ = num_ * invden_
dnum = invden_
dinvden = num_
dden = (-1.0 / den_**2) * dinvden
dsigx = 1 * dden
dxpysqr = 1 * dden
dxpy = (2 * xpy_) * dxpysqr
dx = 1 * dxpy
dy = 1 * dxpy
dx += ((1 - sigx_) * sigx_) * dsigx
dx += 1 * dnum
dsigy = 1 * dnum
dy += ((1 - sigy_) * sigy_) * dsigy
print(f"by hand: f = {f_!r}, dx = {dx!r}, dy = {dy!r}")
assert abs(dx - t.grads["x"]) < 1e-14 and abs(dy - t.grads["y"]) < 1e-14

# %% [markdown]
# ## The matrix gradient: D = W X
#
# With W of shape (5, 10), X of shape (10, 3) and an upstream gradient dD of D's shape
# (5, 3), the gradients are
#
# dW = dD · Xᵀ (shape (5, 10))  and  dX = Wᵀ · dD (shape (10, 3)).
#
# The CS231n mnemonic: there is only one way to multiply dD with X (or W) that gives the
# shape of W (or X). Each entry follows from the scalar chain rule:
# D[i, k] = Σⱼ W[i, j] X[j, k], so ∂L/∂W[i, j] = Σₖ dD[i, k] X[j, k].
# Checked here entry by entry against central differences of L = Σ D ⊙ dD (whose gradient
# with respect to D is dD):

# %% tags=["platform"]
rng = np.random.default_rng(0)
W_np = rng.standard_normal((5, 10))
X_np = rng.standard_normal((10, 3))
dD = rng.standard_normal((5, 3))
dW_formula = dD @ X_np.T
dX_formula = W_np.T @ dD


def L(W_, X_):
    return float(np.sum((W_ @ X_) * dD))


def central_differences(fun, A, h=1e-6):
    g = np.zeros_like(A)
    for idx in np.ndindex(A.shape):
        plus, minus = A.copy(), A.copy()
        plus[idx] += h
        minus[idx] -= h
        g[idx] = (fun(plus) - fun(minus)) / (2 * h)
    return g


dW_numeric = central_differences(lambda A: L(A, X_np), W_np)
dX_numeric = central_differences(lambda A: L(W_np, A), X_np)
print("dW shape", dW_formula.shape, " max |dD X^T - numerical| =",
      f"{np.abs(dW_formula - dW_numeric).max():.1e}")
print("dX shape", dX_formula.shape, " max |W^T dD - numerical| =",
      f"{np.abs(dX_formula - dX_numeric).max():.1e}")
assert np.allclose(dW_formula, dW_numeric, atol=1e-8)
assert np.allclose(dX_formula, dX_numeric, atol=1e-8)

# %% [markdown]
# ### The same with the Tensor engine
#
# A Tensor records `W @ X` as one node whose backward rule is the vector-Jacobian product
# above; `viz.trace` shows the contributions it sends to W and X (shapes, for arrays this
# large) and we compare them with the formulas.

# %%
try:
    from autograd_core import Tensor
except ImportError:  # the Tensor engine is not in this checkout yet
    Tensor = None
    print("autograd_core.Tensor is not available in this checkout: skipping this part")

if Tensor is not None:
    W = Tensor(W_np, requires_grad=True)
    W.name = "W"
    X = Tensor(X_np, requires_grad=True)
    X.name = "X"
    D = W @ X
    D.name = "D"
    t_mat = viz.trace(D, seed=dD)
    print(t_mat)
    row = t_mat["D"]
    np.testing.assert_allclose(row.updates[0].product, dW_formula, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(row.updates[1].product, dX_formula, rtol=1e-12, atol=1e-14)
    D.backward(dD)
    np.testing.assert_allclose(W.grad, dW_numeric, atol=1e-8)
    np.testing.assert_allclose(X.grad, dX_numeric, atol=1e-8)
    print("Tensor engine: W.grad = dD X^T and X.grad = W^T dD, as the formulas and the "
          "numerical check say")
