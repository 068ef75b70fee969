# %% [markdown]
# # 3. Logistic regression as a neural network
#
# Andrew Ng's deep-learning course starts with logistic regression drawn as the smallest
# neural network: inputs x, weights w, bias b, z = w·x + b, a = σ(z), loss
# L = −(y ln a + (1 − y) ln(1 − a)), and gradient descent on the mean loss J. This notebook
# works one sample and three samples through by hand and with the engine, checks the
# hand-derived gradient dz = a − y, compares the for-loop and vectorised forms, takes apart
# the three slips of the well-known hand-written version, and trains the model on real data.
#
# **Sources**
#
# * Andrew Ng, *Neural Networks and Deep Learning* (deeplearning.ai, Coursera, 2017), week 2
#   "Logistic Regression as a Neural Network": the lectures "Logistic Regression Gradient
#   Descent", "Gradient Descent on m Examples" (the loop over samples and features),
#   "Vectorization" (the loop vs `np.dot` on 1,000,000-element vectors) and "Vectorizing
#   Logistic Regression". https://www.coursera.org/learn/neural-networks-deep-learning
# * R. A. Fisher, "The use of multiple measurements in taxonomic problems", *Annals of
#   Eugenics* 7(2), 179–188 (1936): the iris data. https://doi.org/10.1111/j.1469-1809.1936.tb02137.x
# * E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits" (UCI Machine
#   Learning Repository, 1998): the 8×8 digits.
#   https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits
#
# Both data sets come with scikit-learn (`sklearn.datasets`).

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd().parent))  # run from a checkout without installing, too

import math
import time

import matplotlib.pyplot as plt
import numpy as np

import nn
from autograd_core import Scalar, Tensor

# %% [markdown]
# ## One sample
#
# x = [3, 4], w = [0.01, 0.01], b = 1, label y = 1. Forward: z = 0.03 + 0.04 + 1 = 1.07.
# Backward, by hand: dL/da = −y/a + (1 − y)/(1 − a) and da/dz = a(1 − a) multiply to the
# famous **dz = a − y**; then dw = x·dz and db = dz. The engine differentiates the loss as
# written, log and all, and must agree.

# %%
x = [3.0, 4.0]
w = [Scalar(0.01, name="w1"), Scalar(0.01, name="w2")]
b = Scalar(1.0, name="b")
y = 1.0
z = w[0] * x[0] + w[1] * x[1] + b
a = z.sigmoid()
L = -(y * a.log() + (1 - y) * (1 - a).log())
L.backward()
print(f"z = {z.data!r}  a = {a.data!r}  L = {L.data!r}")
print("by the formulas: z = 1.07, a = 0.7445969158274759, L = 0.29491225960491124")
assert abs(z.data - 1.07) < 1e-15
assert abs(a.data - 0.7445969158274759) < 1e-15
assert abs(L.data - 0.29491225960491124) < 1e-15

dz = a.data - y
print(f"by hand: dz = a - y = {dz:.6f}, dw = x*dz = {[xi * dz for xi in x]}, db = {dz:.6f}")
print(f"engine:  dw = {[wi.grad for wi in w]}, db = {b.grad}")
assert all(abs(wi.grad - xi * dz) < 1e-15 for wi, xi in zip(w, x))
assert abs(b.grad - dz) < 1e-15

# %% [markdown]
# ## Three samples: the loop and the vectorised version
#
# X = [[2, 3], [3, 4], [1, 5]], y = [1, 0, 1]. The cost J is the mean of the three losses,
# dJ/dw and dJ/db the means of the per-sample gradients. First the course's version with
# explicit loops over samples and features (written correctly), then the vectorised one
# (one `np.dot` per step), then the Tensor engine, which differentiates J itself.

# %%
X3 = np.array([[2.0, 3.0], [3.0, 4.0], [1.0, 5.0]])
y3 = np.array([1.0, 0.0, 1.0])
w0, b0 = np.array([0.01, 0.01]), 1.0


def sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


def cost_and_grads_loop(X, Y, w, b):
    m, n = X.shape
    J, dw, db = 0.0, [0.0] * n, 0.0
    for i in range(m):
        z = b
        for j in range(n):
            z += w[j] * X[i][j]  # accumulate over the features
        a = sigmoid(z)
        J += -(Y[i] * math.log(a) + (1 - Y[i]) * math.log(1 - a))
        dz = a - Y[i]
        for j in range(n):
            dw[j] += X[i][j] * dz
        db += dz
    return J / m, np.array(dw) / m, db / m


def cost_and_grads_vectorised(X, Y, w, b):
    A = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    J = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dZ = A - Y
    return J, X.T @ dZ / len(Y), np.mean(dZ)


def cost_and_grads_engine(X, Y, w, b):
    wt = Tensor(w.copy(), requires_grad=True)
    bt = Tensor(np.array(b), requires_grad=True)
    A = (Tensor(X) @ wt + bt).sigmoid()
    J = -(A.log() * Y + (1 - A).log() * (1 - Y)).mean()
    J.backward()
    return J.item(), wt.grad, float(bt.grad)


for name, fn in [("loop", cost_and_grads_loop), ("vectorised", cost_and_grads_vectorised),
                 ("engine", cost_and_grads_engine)]:
    J, dw, db = fn(X3, y3, w0, b0)
    print(f"{name:10s} J = {J:.12f}  dJ/dw = {dw}  dJ/db = {db:.12f}")

J_loop, dw_loop, db_loop = cost_and_grads_loop(X3, y3, w0, b0)
for fn in (cost_and_grads_vectorised, cost_and_grads_engine):
    J, dw, db = fn(X3, y3, w0, b0)
    assert abs(J - J_loop) < 1e-12 and np.allclose(dw, dw_loop, atol=1e-12)
    assert abs(db - db_loop) < 1e-12

lr = 0.1
J_after, _, _ = cost_and_grads_loop(X3, y3, w0 - lr * dw_loop, b0 - lr * db_loop)
print(f"one gradient-descent step (learning rate {lr}): J {J_loop:.6f} -> {J_after:.6f}")
assert J_after < J_loop

# %% [markdown]
# ### Why vectorise
#
# The course's demonstration: the dot product of two vectors of 1,000,000 entries, as a
# Python loop and as `np.dot`. Both give the same number; the `timing` cell after prints how
# long each took (measured when the notebook runs; the ratio varies by machine).

# %%
rng = np.random.default_rng(1)
u, v = rng.random(1_000_000), rng.random(1_000_000)
t0 = time.perf_counter()
c_loop = 0.0
for i in range(len(u)):
    c_loop += u[i] * v[i]
t_loop = time.perf_counter() - t0
t0 = time.perf_counter()
c_vec = np.dot(u, v)
t_vec = time.perf_counter() - t0
print(f"for loop: {c_loop:.6f}")
print(f"np.dot:   {c_vec:.6f}")
assert abs(c_loop - c_vec) < 1e-6 * c_vec

# %% tags=["timing"]
print(f"for loop: {t_loop * 1e3:.1f} ms")
print(f"np.dot:   {t_vec * 1e3:.3f} ms  ({t_loop / t_vec:.0f}x faster)")

# %% [markdown]
# ## The three slips of the classic hand-written version
#
# The version of this loop that circulates in course notes and blog posts has three slips.
# Each is easy to miss because the code still runs and J still goes down:
#
# 1. **z overwritten instead of accumulated**: `z = w[j] * x[i][j] + b` inside the loop
#    over features, so z only ever sees the last feature.
# 2. **the loss parenthesis**: `-(y*log(a) + (1 - y))*log(1 - a)` instead of
#    `-(y*log(a) + (1 - y)*log(1 - a))`.
# 3. **b updated with b**: `b = b - alpha*b` instead of `b = b - alpha*db`.
#
# Below, each slip can be switched on alone. Our version (above, and `nn.LogisticRegression`)
# has none of them. We train on the three samples for 100 steps and compare.

# %%
def train_classic(X, Y, steps=100, alpha=0.1, z_slip=False, loss_slip=False, b_slip=False):
    m, n = X.shape
    w, b = [0.01] * n, 1.0
    costs = []
    for _ in range(steps):
        J, dw, db = 0.0, [0.0] * n, 0.0
        for i in range(m):
            z = b
            for j in range(n):
                if z_slip:
                    z = w[j] * X[i][j] + b
                else:
                    z += w[j] * X[i][j]
            a = sigmoid(z)
            if loss_slip:
                J += -(Y[i] * math.log(a) + (1 - Y[i])) * math.log(1 - a)
            else:
                J += -(Y[i] * math.log(a) + (1 - Y[i]) * math.log(1 - a))
            dz = a - Y[i]
            for j in range(n):
                dw[j] += X[i][j] * dz
            db += dz
        J, dw, db = J / m, [g / m for g in dw], db / m
        w = [wj - alpha * gj for wj, gj in zip(w, dw)]
        b = b - alpha * (b if b_slip else db)
        costs.append(J)
    return np.array(w), b, costs


variants = {
    "correct": {},
    "slip 1: z overwritten": {"z_slip": True},
    "slip 2: loss parenthesis": {"loss_slip": True},
    "slip 3: b -= alpha*b": {"b_slip": True},
}
results = {name: train_classic(X3, y3, **flags) for name, flags in variants.items()}


def true_cost(w, b):
    return cost_and_grads_vectorised(X3, y3, w, b)[0]


print(f"{'variant':26s} {'w after 100 steps':>28s} {'b':>9s} {'J it reports':>13s}"
      f" {'true J':>9s}")
for name, (w_, b_, costs) in results.items():
    print(f"{name:26s} {np.array2string(w_, precision=5):>28s} {b_:9.5f} {costs[-1]:13.6f}"
          f" {true_cost(w_, b_):9.6f}")

w_ok, b_ok, costs_ok = results["correct"]
# The correct loop agrees with gradient descent driven by the engine's gradients.
w_e, b_e = w0.copy(), b0
for _ in range(100):
    _, dw_e, db_e = cost_and_grads_engine(X3, y3, w_e, b_e)
    w_e, b_e = w_e - 0.1 * dw_e, b_e - 0.1 * db_e
assert np.allclose(w_ok, w_e, atol=1e-12) and abs(b_ok - b_e) < 1e-12
# Slips 1 and 3 change the parameters it learns; slip 2 changes only the number it reports
# (the gradient code never reads J), which is why it goes unnoticed.
w1_, b1_, _ = results["slip 1: z overwritten"]
w2_, b2_, costs2 = results["slip 2: loss parenthesis"]
w3_, b3_, _ = results["slip 3: b -= alpha*b"]
assert np.abs(w1_ - w_ok).max() > 1e-2 and abs(b3_ - b_ok) > 1e-2
assert np.allclose(w2_, w_ok) and b2_ == b_ok and abs(costs2[-1] - costs_ok[-1]) > 1e-2
assert true_cost(w1_, b1_) > true_cost(w_ok, b_ok) and true_cost(w3_, b3_) > true_cost(w_ok, b_ok)

fig, ax = plt.subplots(figsize=(5.5, 3.2))
for name, (_, _, costs) in results.items():
    ax.plot(costs, label=name)
ax.set_xlabel("step")
ax.set_ylabel("J as computed by the code")
ax.set_title("The three slips, on the three-sample example")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# Slip 1 trains a different model (only the last feature is used: the loss stays higher).
# Slip 3 shrinks b towards 0 by a factor 0.9 each step regardless of the data. Slip 2 is the
# most treacherous: the learned parameters are exactly right, but the reported cost is a
# different number, so any comparison or early stopping based on it is wrong.
#
# ## Binary logistic regression on real data
#
# The iris flowers (Fisher 1936, bundled with scikit-learn): versicolor (0) against virginica
# (1) from petal length and petal width, two features so the decision boundary — the line
# w·x + b = 0 where σ = 0.5 — can be drawn. Features are standardised; the model is
# `nn.LogisticRegression(2)` with `binary_cross_entropy_with_logits`, trained by full-batch
# gradient descent, and compared with the vectorised hand-written version trained the same
# way (both start from zero weights).

# %%
from sklearn.datasets import load_iris  # noqa: E402

iris = load_iris()
keep = iris.target > 0
X_iris = iris.data[keep][:, 2:4]  # petal length, petal width (cm)
y_iris = (iris.target[keep] == 2).astype(np.float64)
mean, std = X_iris.mean(axis=0), X_iris.std(axis=0)
Xs = (X_iris - mean) / std

model = nn.LogisticRegression(2)
opt = nn.optim.SGD(model.parameters(), lr=0.5)
losses = []
for _ in range(500):
    opt.zero_grad()
    loss = nn.functional.binary_cross_entropy_with_logits(model(Xs), y_iris)
    loss.backward()
    opt.step()
    losses.append(loss.item())

w_h, b_h = np.zeros(2), 0.0
for _ in range(500):
    _, dw_h, db_h = cost_and_grads_vectorised(Xs, y_iris, w_h, b_h)
    w_h, b_h = w_h - 0.5 * dw_h, b_h - 0.5 * db_h

w_m = model.linear.weight.data[:, 0]
b_m = float(model.linear.bias.data[0])
accuracy = np.mean((model.predict_proba(Xs) > 0.5) == y_iris)
print(f"nn.LogisticRegression: w = {w_m}, b = {b_m:.6f}, loss {losses[-1]:.4f},"
      f" training accuracy {accuracy:.1%}")
print(f"hand-written numpy:    w = {w_h}, b = {b_h:.6f}")
assert np.allclose(w_m, w_h, atol=1e-10) and abs(b_m - b_h) < 1e-10
assert accuracy > 0.9

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9, 3.5))
ax0.plot(losses)
ax0.set_xlabel("gradient-descent step")
ax0.set_ylabel("mean cross-entropy")
ax0.set_title("Training")
gx, gy = np.meshgrid(np.linspace(2.8, 7.2, 200), np.linspace(0.9, 2.6, 200))
grid = (np.column_stack([gx.ravel(), gy.ravel()]) - mean) / std
proba = model.predict_proba(grid).reshape(gx.shape)
ax1.contourf(gx, gy, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
ax1.contour(gx, gy, proba, levels=[0.5], colors="k")
for label, marker, name in [(0, "o", "versicolor"), (1, "^", "virginica")]:
    pts = X_iris[y_iris == label]
    ax1.scatter(pts[:, 0], pts[:, 1], marker=marker, s=18, edgecolor="k", label=name)
ax1.set_xlabel("petal length (cm)")
ax1.set_ylabel("petal width (cm)")
ax1.set_title("P(virginica) and the boundary P = 0.5")
ax1.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ### The same on images: two handwritten digits
#
# Logistic regression is not limited to two features. On scikit-learn's 8×8 digits
# (`nn.datasets.load_digits`), 3 against 8 — two digits that look alike — with all 64 pixels:

# %%
X_tr, y_tr, X_te, y_te = nn.datasets.load_digits()
pick_tr, pick_te = np.isin(y_tr, [3, 8]), np.isin(y_te, [3, 8])
Xd_tr, yd_tr = X_tr[pick_tr], (y_tr[pick_tr] == 8).astype(np.float64)
Xd_te, yd_te = X_te[pick_te], (y_te[pick_te] == 8).astype(np.float64)
digits_model = nn.LogisticRegression(64)
opt = nn.optim.SGD(digits_model.parameters(), lr=0.5)
for _ in range(300):
    opt.zero_grad()
    loss = nn.functional.binary_cross_entropy_with_logits(digits_model(Xd_tr), yd_tr)
    loss.backward()
    opt.step()
test_acc = np.mean((digits_model.predict_proba(Xd_te) > 0.5) == yd_te)
print(f"3 vs 8: {len(yd_tr)} training images, {len(yd_te)} test images;"
      f" final training loss {loss.item():.4f}; test accuracy {test_acc:.1%}")
assert test_acc > 0.9

fig, ax = plt.subplots(figsize=(2.5, 2.5))
lim = np.abs(digits_model.linear.weight.data).max()
ax.imshow(digits_model.linear.weight.data[:, 0].reshape(8, 8), cmap="RdBu_r", vmin=-lim,
          vmax=lim)
ax.set_title("weights (red: evidence for 8)", fontsize=8)
ax.axis("off")
plt.show()
