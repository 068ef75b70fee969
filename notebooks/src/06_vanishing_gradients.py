# %% [markdown]
# # 6. Vanishing gradients
#
# Backpropagation multiplies, layer by layer, by the derivative of the activation. The
# sigmoid's derivative σ′(z) = σ(z)(1 − σ(z)) is at most 1/4, so the error signal
# δˡ = ∂L/∂zˡ shrinks by a factor of roughly (weight · σ′) per layer on its way back to the
# input, and the first layers learn slowest. ReLU's derivative is 1 wherever the unit is
# active, so the signal passes through undiminished.
#
# The setting: two classes of 100 points each in 3-D, drawn in balls around (1, 1, 1)
# (label 1) and (−1, 2, −7) (label 0); a 3-3-2-1 network, sigmoid everywhere, mean squared
# error, mini-batch SGD with batch 128 and learning rate 0.1, weights drawn from N(0, 1).
# Everything is seeded, so the numbers below are the same on every run (the one exception,
# a wall-clock time, is printed by a cell tagged `timing`).
#
# **Sources**
#
# * Michael A. Nielsen, *Neural Networks and Deep Learning* (Determination Press, 2015),
#   chapter 5 "Why are deep neural networks hard to train?": the vanishing gradient problem,
#   measured as the size of each layer's gradient, and its cause, the product of weights and
#   σ′ ≤ 1/4 along the path back. http://neuralnetworksanddeeplearning.com/chap5.html
# * Xavier Glorot, Antoine Bordes and Yoshua Bengio, "Deep Sparse Rectifier Neural Networks",
#   *AISTATS* 2011: rectifier (ReLU) hidden units, whose derivative is 1 where they are
#   active, and their units that stay at zero. https://proceedings.mlr.press/v15/glorot11a.html

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd().parent))  # run from a checkout without installing, too

import time

import matplotlib.pyplot as plt
import numpy as np

import nn
from autograd_core import Tensor, grad

X, y = nn.datasets.make_spheres(100, seed=0)
Y = y.astype(np.float64).reshape(-1, 1)
print("data:", X.shape, "labels:", np.bincount(y))

# %% [markdown]
# The network is written with Tensor operations directly, so the pre-activations zˡ of each
# layer are at hand: `autograd_core.grad(loss, [z1, z2, z3])` returns the deltas
# δˡ = ∂L/∂zˡ of the backprop equations without touching any `.grad`.

# %%
def init(sizes, seed, scale=1.0):
    """Weights from N(0, scale^2) (scale=1: the setting above), biases 0."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params.append(Tensor(scale * rng.standard_normal((n_in, n_out)), requires_grad=True))
        params.append(Tensor(np.zeros(n_out), requires_grad=True))
    return params


def forward(params, Xb, Yb, hidden="sigmoid"):
    """MSE loss and the pre-activations z of every layer (output layer: sigmoid)."""
    a, zs = Tensor(Xb), []
    n_layers = len(params) // 2
    for i in range(n_layers):
        z = a @ params[2 * i] + params[2 * i + 1]
        zs.append(z)
        a = z.sigmoid() if (hidden == "sigmoid" or i == n_layers - 1) else z.relu()
    diff = a - Yb
    return (diff * diff).mean(), zs, a


def sgd_epoch(params, order_rng, hidden="sigmoid", lr=0.1, batch=128, record=None):
    order = order_rng.permutation(len(X))
    for start in range(0, len(X), batch):
        idx = order[start : start + batch]
        loss, zs, _ = forward(params, X[idx], Y[idx], hidden)
        if record is not None:
            deltas = grad(loss, zs)
            record.append([float(np.linalg.norm(d)) for d in deltas])
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= lr * p.grad


def full_loss(params, hidden="sigmoid"):
    loss, _, a = forward(params, X, Y, hidden)
    return loss.item(), a.data


# %% [markdown]
# ## The deltas of the three layers during training

# %%
params = init((3, 3, 2, 1), seed=0)
order_rng = np.random.default_rng(100)
deltas, losses = [], []
for _ in range(600):
    sgd_epoch(params, order_rng, record=deltas)
    losses.append(full_loss(params)[0])
deltas = np.array(deltas)  # (steps, 3): |delta1|, |delta2|, |delta3| per mini-batch

first = deltas[0]
geo = np.exp(np.log(deltas).mean(axis=0))
print("|delta| per layer at the first step: ",
      "  ".join(f"layer {i + 1}: {v:.2e}" for i, v in enumerate(first)))
print("geometric mean over training:        ",
      "  ".join(f"layer {i + 1}: {v:.2e}" for i, v in enumerate(geo)))
print(f"ratios at the first step: layer 3 / layer 2 = {first[2] / first[1]:.1f},"
      f"  layer 2 / layer 1 = {first[1] / first[0]:.1f}")
print(f"loss after 600 epochs: {losses[-1]:.4f}")
print("expected (Nielsen, chapter 5): the deltas shrink layer by layer towards the input,"
      " largest at the output")
assert first[2] > first[1] > first[0] and geo[2] > geo[1] > geo[0]
assert first[2] / first[0] > 10

per_epoch = deltas.reshape(600, -1, 3).mean(axis=1)  # the two mini-batches of each epoch
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9.5, 3.4))
for i in range(3):
    ax0.semilogy(per_epoch[:, i], label=f"layer {i + 1} (|δ{i + 1}|)")
ax0.set_xlabel("epoch (mean over its two mini-batches)")
ax0.set_ylabel("norm of the delta")
ax0.set_title("3-3-2-1 sigmoid network")
ax0.legend(fontsize=8)
ax1.semilogy(losses)
ax1.set_xlabel("epoch")
ax1.set_ylabel("MSE")
ax1.set_title("training loss")
fig.tight_layout()
plt.show()

# %% [markdown]
# Each layer back, the error signal is several times smaller (here a factor of about 5 per
# layer at the start; Nielsen's chapter 5 measures factors of the same size, per hidden
# layer, for his MNIST networks), so the first layer's weights receive the smallest updates.
#
# ## Deeper sigmoid stacks
#
# The effect compounds with depth. For networks 3 → [3] × L → 1 with L sigmoid hidden layers,
# the norm of ∂L/∂W for each layer at initialisation (one full-batch gradient, geometric mean
# over 20 random initialisations):

# %%
depths = (2, 4, 6, 8)
grad_norms = {}
for L in depths:
    sizes = (3, *([3] * L), 1)
    per_seed = []
    for seed in range(20):
        ps = init(sizes, seed)
        loss, _, _ = forward(ps, X, Y)
        gW = grad(loss, ps[0::2])
        per_seed.append([np.linalg.norm(g) for g in gW])
    grad_norms[L] = np.exp(np.log(np.array(per_seed)).mean(axis=0))
    print(f"L = {L}: |dL/dW| from the first to the last layer: "
          + " ".join(f"{v:.1e}" for v in grad_norms[L]))

fig, ax = plt.subplots(figsize=(5.5, 3.4))
for L in depths:
    ax.semilogy(range(1, L + 2), grad_norms[L], "o-", label=f"{L} hidden layers")
ax.set_xlabel("layer (1 = next to the input)")
ax.set_ylabel("|dL/dW| at initialisation")
ax.set_title("Sigmoid: gradients shrink towards the input")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
ratios = [grad_norms[L][0] / grad_norms[L][-1] for L in depths]
print("first layer / last layer:", "  ".join(f"L = {L}: {r:.1e}" for L, r in zip(depths, ratios)))
for L in depths:
    assert np.all(np.diff(grad_norms[L]) > 0), L  # smaller at every step towards the input
assert all(later < earlier for earlier, later in zip(ratios, ratios[1:]))
assert ratios[-1] < 1e-2

# %% [markdown]
# ## ReLU in the hidden layers
#
# Same data, same 3-3-2-1 shape, same initial weights and the same order of mini-batches,
# but ReLU in the two hidden layers (the output stays a sigmoid). We count the epochs until
# the loss on all 200 points falls below 0.01, for 8 initialisations (capped at 2000 epochs).
#
# A network this small shows ReLU's flip side too: if every unit of a hidden layer outputs 0
# for every input (a "dead" layer), no gradient reaches the layers below it, ever. We detect
# that and report it instead of training to the cap.

# %%
def epochs_to(target, seed, hidden, max_epochs=2000):
    ps = init((3, 3, 2, 1), seed)
    order_rng = np.random.default_rng(seed + 100)
    for epoch in range(1, max_epochs + 1):
        sgd_epoch(ps, order_rng, hidden)
        loss, _ = full_loss(ps, hidden)
        if loss < target:
            return epoch, "reached"
        if hidden == "relu":
            a = X
            for i in range(2):  # the two hidden layers, on all the data
                a = np.maximum(a @ ps[2 * i].data + ps[2 * i + 1].data, 0)
                if not a.any():
                    return epoch, f"dead layer {i + 1}"
    return max_epochs, "cap"


start = time.perf_counter()
rows = []
for seed in range(8):
    rows.append((seed, epochs_to(0.01, seed, "sigmoid"), epochs_to(0.01, seed, "relu")))
seconds = time.perf_counter() - start
print("seed  sigmoid epochs   ReLU epochs")
for seed, (e_sig, _), (e_relu, s_relu) in rows:
    if s_relu == "reached":
        relu_text = f"{e_relu}"
    elif s_relu == "cap":
        relu_text = f"- (still above 0.01 after {e_relu} epochs)"
    else:
        relu_text = f"- ({s_relu} at epoch {e_relu})"
    print(f"{seed:4d}  {e_sig:14d}   {relu_text}")
sig_epochs = [e for _, (e, s), _ in rows if s == "reached"]
relu_epochs = [e for _, _, (e, s) in rows if s == "reached"]
both = [(es, er) for _, (es, ss), (er, sr) in rows if ss == sr == "reached"]
speedups = [es / er for es, er in both]
print(f"\nsigmoid: reached 0.01 in {len(sig_epochs)}/8 runs, median {np.median(sig_epochs):.0f}"
      " epochs")
print(f"ReLU:    reached 0.01 in {len(relu_epochs)}/8 runs, median"
      f" {np.median(relu_epochs):.0f} epochs; the other {8 - len(relu_epochs)} runs did not")
print(f"where both trained: ReLU needed {np.median(speedups):.1f}x fewer epochs (median;"
      f" range {min(speedups):.1f}x to {max(speedups):.1f}x)")
assert len(sig_epochs) == 8 and len(both) >= 2
assert np.median(speedups) > 2

# %% tags=["timing"]
print(f"{seconds:.1f} s for the 16 runs")

# %% [markdown]
# The sigmoid network always gets there, slowly: its first layer receives a delta an order
# of magnitude smaller than the layer above it. When the ReLU network trains, it reaches the
# same loss several times sooner, because its deltas are not multiplied by σ′ ≤ 1/4 at every
# layer. With 3 and 2 hidden units, though, a single unlucky step can switch off a whole
# layer for good — in larger networks a few dead units are harmless, and careful
# initialisation (He) and smaller learning rates make them rarer.
