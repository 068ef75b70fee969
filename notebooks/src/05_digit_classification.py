# %% [markdown]
# # 5. Classifying images, the classic way
#
# Chapter 1 of Michael Nielsen's *Neural Networks and Deep Learning* trains `network.py`: a
# [784, 30, 10] network, sigmoid everywhere, the quadratic cost, mini-batch SGD with batch 10
# and learning rate η = 3.0, weights and biases drawn from N(0, 1). On MNIST it reaches about
# 95% test accuracy after 30 epochs. Chapter 2 derives its backward pass as four equations,
# BP1–BP4.
#
# Here the same network runs on **Fashion-MNIST** (the Debian package
# `dataset-fashion-mnist`; 28×28 grey images of 10 kinds of clothing, a harder drop-in for
# MNIST), and on MNIST too when its files are present. To keep the notebook quick, it trains
# on the **first 20,000 training images for 5 epochs** and tests on all 10,000 test images:
# the point is the shape of the curves, not the last percent.
#
# **Sources**
#
# * Michael A. Nielsen, *Neural Networks and Deep Learning* (Determination Press, 2015),
#   chapter 1 "Using neural nets to recognize handwritten digits" (`network.py`, its
#   hyper-parameters and its ~95% on MNIST) http://neuralnetworksanddeeplearning.com/chap1.html,
#   chapter 2 "How the backpropagation algorithm works" (BP1–BP4, and why backprop beats the
#   numerical gradient) http://neuralnetworksanddeeplearning.com/chap2.html, and chapter 3
#   (the cross-entropy cost) http://neuralnetworksanddeeplearning.com/chap3.html.
# * Han Xiao, Kashif Rasul and Roland Vollgraf, "Fashion-MNIST: a Novel Image Dataset for
#   Benchmarking Machine Learning Algorithms" (2017), arXiv:1708.07747.
#   https://arxiv.org/abs/1708.07747
# * Yann LeCun, Léon Bottou, Yoshua Bengio and Patrick Haffner, "Gradient-based learning
#   applied to document recognition", *Proceedings of the IEEE* 86(11), 2278–2324 (1998):
#   MNIST. http://yann.lecun.com/exdb/mnist/

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd().parent))  # run from a checkout without installing, too

import os
import time

import matplotlib.pyplot as plt
import numpy as np

import nn
from autograd_core import Tensor, grad

N_TRAIN, EPOCHS, BATCH, ETA = 20_000, 5, 10, 3.0

try:
    X_train, y_train, X_test, y_test = nn.datasets.load_fashion_mnist()  # float32 in [0, 1]
    DATASET = "Fashion-MNIST"
except FileNotFoundError as exc:  # a machine without the Debian package
    print(f"Fashion-MNIST not found ({exc}); using scikit-learn's 8x8 digits instead")
    X_train, y_train, X_test, y_test = nn.datasets.load_digits()
    DATASET = "digits (8x8)"
    EPOCHS = 30  # 1,437 training images: more passes for the same number of steps
# float64 like Nielsen's numpy code; only the subset we train on is converted
X_train, y_train = X_train[:N_TRAIN].astype(np.float64), y_train[:N_TRAIN]
X_test = X_test.astype(np.float64)
N_IN = X_train.shape[1]
print(f"{DATASET}: {len(X_train)} training and {len(X_test)} test images of {N_IN} pixels")

# %% [markdown]
# ## The backpropagation equations in code
#
# With zˡ = aˡ⁻¹Wˡ + bˡ and aˡ = σ(zˡ) (rows are examples; our weight matrices are
# input-major, the transpose of Nielsen's), the quadratic cost C = ½‖a^L − y‖² averaged over
# the mini-batch, and δˡ = ∂C/∂zˡ:
#
# | | equation | in the code below |
# |---|---|---|
# | **BP1** | δᴸ = ∇ₐC ⊙ σ′(zᴸ) | `delta2 = (a2 - Y) * a2 * (1 - a2)` |
# | **BP2** | δˡ = (δˡ⁺¹ (Wˡ⁺¹)ᵀ) ⊙ σ′(zˡ) | `delta1 = (delta2 @ W2.T) * a1 * (1 - a1)` |
# | **BP3** | ∂C/∂bˡ = δˡ | `db2 = delta2.sum(0) / m`, `db1 = ...` |
# | **BP4** | ∂C/∂Wˡ = (aˡ⁻¹)ᵀ δˡ | `dW2 = a1.T @ delta2 / m`, `dW1 = X.T @ delta1 / m` |
#
# (σ′(z) = σ(z)(1 − σ(z)) = a(1 − a).) Nielsen's `backprop` loops over the examples of a
# mini-batch; the matrix form does the whole batch at once.

# %%
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def backprop_by_hand(params, X, Y):
    """Gradients of C = mean over the batch of 1/2 |a2 - Y|^2, by BP1-BP4."""
    W1, b1, W2, b2 = params
    m = len(X)
    a1 = sigmoid(X @ W1 + b1)
    a2 = sigmoid(a1 @ W2 + b2)
    delta2 = (a2 - Y) * a2 * (1 - a2)  # BP1
    delta1 = (delta2 @ W2.T) * a1 * (1 - a1)  # BP2
    db2, db1 = delta2.sum(0) / m, delta1.sum(0) / m  # BP3
    dW2, dW1 = a1.T @ delta2 / m, X.T @ delta1 / m  # BP4
    return [dW1, db1, dW2, db2], (delta1 / m, delta2 / m)


def nielsen_init(seed):
    """Weights and biases from N(0, 1), as network.py does."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((N_IN, 30)), rng.standard_normal(30),
            rng.standard_normal((30, 10)), rng.standard_normal(10)]


def one_hot(labels):
    return np.eye(10)[labels]


def as_array(g):
    """A gradient from autograd_core.grad as an ndarray (it may be a Tensor)."""
    return g.data if isinstance(g, Tensor) else np.asarray(g)


# %% [markdown]
# The engine computes the same gradients from the forward pass alone. Written with the
# library (`nn.Linear`, `nn.Sigmoid`), the cost is one line; `autograd_core.grad` also gives
# the deltas ∂C/∂zˡ when asked for the pre-activations.

# %% tags=["platform"]
def nielsen_model(seed):
    model = nn.Sequential(nn.Linear(N_IN, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid())
    for p, value in zip(model.parameters(), nielsen_init(seed)):
        p.data[...] = value
    return model


def quadratic_cost(a, Y):
    """C = mean over the batch of 1/2 |a - y|^2 (Nielsen's cost)."""
    diff = a - Y
    return 0.5 * (diff * diff).sum(axis=1).mean()


model = nielsen_model(seed=0)
Xb, Yb = X_train[:BATCH], one_hot(y_train[:BATCH])
lin1, act1, lin2, act2 = list(model)
z1 = lin1(Xb)
z2 = lin2(act1(z1))
cost = quadratic_cost(act2(z2), Yb)
engine_grads = grad(cost, model.parameters())
engine_deltas = grad(cost, [z1, z2])
hand_grads, hand_deltas = backprop_by_hand([p.data for p in model.parameters()], Xb, Yb)
for name, g_engine, g_hand in zip(["dW1", "db1", "dW2", "db2"], engine_grads, hand_grads):
    err = np.abs(as_array(g_engine) - g_hand).max()
    print(f"{name} {str(g_hand.shape):10s} max |engine - BP1..BP4| = {err:.1e}")
    np.testing.assert_allclose(as_array(g_engine), g_hand, rtol=1e-10, atol=1e-13)
for i, (d_engine, d_hand) in enumerate(zip(engine_deltas, hand_deltas), start=1):
    np.testing.assert_allclose(as_array(d_engine), d_hand, rtol=1e-10, atol=1e-13)
    print(f"delta{i} ({d_hand.shape}): engine and BP{3 - i} agree")

# %% [markdown]
# ## Training
#
# Nielsen's `SGD`: shuffle, cut into mini-batches of 10, one step of η = 3.0 per batch.
# First a lockstep check: the library version (`nn.optim.SGD` on the cost above) and the
# hand-written BP1–BP4 version start from the same weights and take the same 100 steps on the
# same batches.

# %% tags=["platform"]
def evaluate(predict, X, y):
    return float(np.mean(np.argmax(predict(X), axis=1) == y))


model = nielsen_model(seed=0)
hand_params = nielsen_init(seed=0)
optimizer = nn.optim.SGD(model.parameters(), lr=ETA)
loader = nn.DataLoader(X_train, y_train, batch_size=BATCH, shuffle=True, seed=1)
for _, (xb, yb) in zip(range(100), loader):
    optimizer.zero_grad()
    quadratic_cost(model(xb), one_hot(yb)).backward()
    optimizer.step()
    for p, g in zip(hand_params, backprop_by_hand(hand_params, xb, one_hot(yb))[0]):
        p -= ETA * g
gap = max(np.abs(p.data - q).max() for p, q in zip(model.parameters(), hand_params))
print(f"after 100 steps the two versions' weights differ by at most {gap:.1e}")
assert gap < 1e-10

# %% [markdown]
# Over many more steps the two would drift apart: they add the same numbers in different
# orders, and with a step as large as η = 3.0 differences of 10⁻¹⁶ grow until, after a
# thousand steps or so, the two runs are different (equally good) runs. So the full
# training below uses the library only, 5 epochs on the 20,000 images, with the test
# accuracy measured after every epoch.

# %% tags=["platform"]
def train_library(model, loss_fn, lr, seed=1, targets=one_hot):
    optimizer = nn.optim.SGD(model.parameters(), lr=lr)
    loader = nn.DataLoader(X_train, y_train, batch_size=BATCH, shuffle=True, seed=seed)
    accuracy, seconds = [], 0.0
    for epoch in range(EPOCHS):
        start = time.perf_counter()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), targets(yb))
            loss.backward()
            optimizer.step()
        seconds += time.perf_counter() - start
        accuracy.append(evaluate(lambda X: nn.train.predict(model, X), X_test, y_test))
        print(f"  epoch {epoch + 1}: test accuracy {accuracy[-1]:.2%}")
    return accuracy, seconds


print(f"Nielsen's network ({DATASET}), {EPOCHS} epochs of {len(X_train) // BATCH}"
      " mini-batches:")
acc_sigmoid, t_sigmoid = train_library(nielsen_model(seed=0), quadratic_cost, lr=ETA)

# %% tags=["timing"]
print(f"training time: {t_sigmoid:.1f} s")

# %% [markdown]
# ## Compared with a ReLU network and cross-entropy
#
# The modern recipe for the same [784, 30, 10] shape: ReLU in the hidden layer, softmax
# outputs with the cross-entropy loss (`nn.MLP` returns logits; `nn.functional.cross_entropy`
# applies a stable log-softmax), He/Xavier initialisation, and plain SGD with learning rate
# 0.05, batch 10 and the same 20,000 images, 5 epochs.

# %% tags=["platform"]
print("ReLU + cross-entropy:")
relu_model = nn.MLP(N_IN, [30], 10, activation="relu", seed=0)
acc_relu, t_relu = train_library(relu_model, nn.functional.cross_entropy, lr=0.05,
                                 targets=lambda yb: yb)

fig, ax = plt.subplots(figsize=(5.5, 3.4))
epochs = range(1, EPOCHS + 1)
ax.plot(epochs, [100 * a for a in acc_sigmoid], "o-", label="sigmoid + quadratic, η = 3.0")
ax.plot(epochs, [100 * a for a in acc_relu], "s-", label="ReLU + cross-entropy, lr 0.05")
ax.set_xlabel("epoch")
ax.set_ylabel("test accuracy (%)")
ax.set_title(f"[784, 30, 10] on {DATASET} ({len(X_train)} training images)")
ax.set_xticks(list(epochs))
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
print(f"after epoch 1: sigmoid/quadratic {acc_sigmoid[0]:.2%}, ReLU/cross-entropy"
      f" {acc_relu[0]:.2%}")
print(f"after {EPOCHS} epochs: sigmoid/quadratic {acc_sigmoid[-1]:.2%},"
      f" ReLU/cross-entropy {acc_relu[-1]:.2%}")
print(f"mean over the {EPOCHS} epochs: sigmoid/quadratic {np.mean(acc_sigmoid):.2%},"
      f" ReLU/cross-entropy {np.mean(acc_relu):.2%}")
assert acc_sigmoid[-1] > 0.70 and acc_relu[-1] > 0.80
assert acc_relu[0] > acc_sigmoid[0] and np.mean(acc_relu) > np.mean(acc_sigmoid)

# %% [markdown]
# Nielsen's network reaches about 95% on MNIST after 30 epochs on all 60,000 images;
# Fashion-MNIST is harder (the clothes classes overlap: shirts, T-shirts, pullovers, coats),
# so the same recipe lands lower, and this short run lower still. The sigmoid network's curve
# is also erratic: with η = 3.0 and N(0, 1) weights many units sit saturated, and the run
# depends on which ones wake up when (a different shuffle gives a noticeably different
# curve). The ReLU/cross-entropy network learns faster and more steadily from the same data
# — ahead after the first epoch and on average: the cross-entropy gradient at the output is
# a − y, without the σ′(zᴸ) factor of BP1 that nearly vanishes when a sigmoid output
# saturates at a wrong answer (Nielsen's chapter 3).
#
# ### MNIST, when its files are present
#
# Set `MNIST_DIR` to a directory with the four MNIST IDX files (or `MNIST_PKL` to Nielsen's
# `mnist.pkl.gz`) to repeat the sigmoid run on MNIST. This machine:

# %%
mnist_source = os.environ.get("MNIST_DIR") or os.environ.get("MNIST_PKL")
if mnist_source and Path(mnist_source).exists():
    Xm, ym, Xm_test, ym_test = nn.datasets.load_mnist(
        mnist_source, allow_pickle=bool(os.environ.get("MNIST_PKL")))
    X_train, y_train = Xm[:N_TRAIN].astype(np.float64), ym[:N_TRAIN]
    X_test, y_test = Xm_test.astype(np.float64), ym_test
    print("MNIST:")
    acc_mnist, _ = train_library(nielsen_model(seed=0), quadratic_cost, lr=ETA)
    assert acc_mnist[-1] > 0.85
else:
    print("no MNIST files here (MNIST_DIR / MNIST_PKL not set): skipped")

# %% [markdown]
# ## Backprop costs O(parameters), numerical differentiation O(parameters²)
#
# A numerical gradient perturbs each of the P parameters in turn and runs the network twice
# (central differences): 2P forward passes, each costing O(P) multiply-adds, so O(P²) in all.
# Backprop gets all P derivatives from one forward and one backward pass, about three
# forward passes' worth of arithmetic: O(P). Measured on small [50, h, 10] sigmoid networks
# with a batch of 100 inputs; the arithmetic is counted exactly, and the times (in the
# `timing` cell after it) measured:

# %% tags=["platform"]
rng = np.random.default_rng(0)
Xs = rng.random((100, 50))
Ys = one_hot(rng.integers(0, 10, 100))


def cost_numpy(params):
    W1, b1, W2, b2 = params
    a2 = sigmoid(sigmoid(Xs @ W1 + b1) @ W2 + b2)
    return 0.5 * np.mean(np.sum((a2 - Ys) ** 2, axis=1))


def numerical_gradient(params, h=1e-6):
    grads = []
    for p in params:
        g = np.zeros_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + h
            plus = cost_numpy(params)
            flat[i] = old - h
            minus = cost_numpy(params)
            flat[i] = old
            gflat[i] = (plus - minus) / (2 * h)
        grads.append(g)
    return grads


counts, t_backprop, t_numerical = [], [], []
for hidden in (4, 8, 16, 32, 64):
    sizes_rng = np.random.default_rng(hidden)
    params = [sizes_rng.standard_normal((50, hidden)) * 0.3, np.zeros(hidden),
              sizes_rng.standard_normal((hidden, 10)) * 0.3, np.zeros(10)]
    n_params = sum(p.size for p in params)
    tensors = [Tensor(p.copy(), requires_grad=True) for p in params]
    repeats = 20
    start = time.perf_counter()
    for _ in range(repeats):
        a2 = ((Tensor(Xs) @ tensors[0] + tensors[1]).sigmoid() @ tensors[2]
              + tensors[3]).sigmoid()
        g_backprop = grad(quadratic_cost(a2, Ys), tensors)
    t_backprop.append((time.perf_counter() - start) / repeats)
    start = time.perf_counter()
    g_numerical = numerical_gradient(params)
    t_numerical.append(time.perf_counter() - start)
    counts.append(n_params)
    err = max(np.abs(as_array(gb) - gn).max() for gb, gn in zip(g_backprop, g_numerical))
    macs = len(Xs) * (50 * hidden + hidden * 10)  # multiply-adds of one forward pass
    print(f"P = {n_params:5d}: multiply-adds: backprop ~{3 * macs:.1e},"
          f" numerical {2 * n_params * macs:.1e} ({2 * n_params} forward passes);"
          f" max |difference| {err:.1e}")
    assert err < 1e-7

# %% tags=["timing"]
for n_params, t_b, t_n in zip(counts, t_backprop, t_numerical):
    print(f"P = {n_params:5d}: time: backprop {t_b * 1e3:6.3f} ms, numerical {t_n * 1e3:7.1f} ms")
slope_bp = np.polyfit(np.log(counts), np.log(t_backprop), 1)[0]
slope_num = np.polyfit(np.log(counts), np.log(t_numerical), 1)[0]
print(f"log-log slopes: backprop {slope_bp:.2f}, numerical {slope_num:.2f}"
      " (1 = linear in P, 2 = quadratic)")
print("numerical / backprop time:", " ".join(f"{n / b:.0f}x" for n, b in zip(t_numerical,
                                                                          t_backprop)))
fig, ax = plt.subplots(figsize=(5.5, 3.4))
ax.loglog(counts, t_numerical, "o-", label=f"numerical (slope {slope_num:.1f})")
ax.loglog(counts, t_backprop, "s-", label=f"backprop (slope {slope_bp:.1f})")
ax.set_xlabel("number of parameters P")
ax.set_ylabel("seconds per gradient")
ax.legend(fontsize=8)
ax.set_title("Cost of one gradient")
fig.tight_layout()
plt.show()
assert all(n > b for n, b in zip(t_numerical, t_backprop))

# %% [markdown]
# The arithmetic grows as P for backprop and as P² for the numerical gradient. The measured
# times grow more slowly than the arithmetic on networks this small, because a fixed cost per
# numpy call (microseconds) still outweighs the multiply-adds: backprop's time hardly changes
# with P here, and the numerical gradient's grows with a log-log slope between 1 and 2 that
# approaches 2 as the layers get wider. Either way, the gap widens with every parameter added:
# for the 23,860 parameters of the [784, 30, 10] network above, a numerical gradient would
# need 47,720 forward passes per mini-batch; backprop needs one forward and one backward pass.
