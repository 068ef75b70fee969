# %% [markdown]
# # 7. Convolutions
#
# A convolutional layer slides a small kernel over an image and takes, at every position, the
# sum of the products of the kernel with the pixels under it (a *cross-correlation*, which is
# what deep-learning libraries call a convolution). This notebook takes one apart:
#
# 1. a 2x2 kernel on a 3x3 image, built from `Scalar`s, as a computational graph;
# 2. its gradient with respect to the input: a correlation of the upstream gradient with the
#    *flipped* kernel (a "full" convolution), checked numerically;
# 3. im2col: how `autograd_core.conv2d` turns the sliding window into one matrix product;
# 4. the CNN of the Fashion-MNIST recipe (`python -m nn --model cnn`), trained briefly, its
#    first-layer filters and its confusion matrix.
#
# **Sources**
#
# * Stanford CS231n (Andrej Karpathy et al.), course notes "Convolutional Neural Networks
#   for Visual Recognition" (2015): the convolutional layer as a sliding dot product,
#   implementation as a matrix multiplication (im2col), pooling, the conv–ReLU–pool
#   architecture. https://cs231n.github.io/convolutional-networks/
# * Vincent Dumoulin and Francesco Visin, "A guide to convolution arithmetic for deep
#   learning" (2016), arXiv:1603.07285: the gradient of a convolution with respect to its
#   input is a (transposed) convolution with the flipped kernel, padding, strides and
#   dilation. https://arxiv.org/abs/1603.07285
# * Han Xiao, Kashif Rasul and Roland Vollgraf, "Fashion-MNIST: a Novel Image Dataset for
#   Benchmarking Machine Learning Algorithms" (2017), arXiv:1708.07747.
#   https://arxiv.org/abs/1708.07747
# * Diederik P. Kingma and Jimmy Ba, "Adam: A Method for Stochastic Optimization" (2014),
#   arXiv:1412.6980: the optimizer of the recipe. https://arxiv.org/abs/1412.6980

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd().parent))  # run from a checkout without installing, too

import time

import matplotlib.pyplot as plt
import numpy as np

import nn
from autograd_core import Scalar, Tensor, conv2d, viz
from autograd_core.calculus import ConvGeometry, im2col
from autograd_core.testing import check_grad, numerical_grad
from nn import functional as F

# %% [markdown]
# ## 1. A convolution as a computational graph
#
# out[i, j] = Σ_p Σ_q k[p, q] · x[i + p, j + q]: with a 3x3 image and a 2x2 kernel there are
# four outputs, each a sum of four products. Every pixel feeds up to four products, every
# kernel weight exactly four: the graph shares the weights across positions, which is all
# that distinguishes a convolution from a dense layer.

# %%
x_vals = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 1.0, 1.0]])
k_vals = np.array([[1.0, -1.0], [0.5, 2.0]])
x = [[Scalar(v, name=f"x{i}{j}") for j, v in enumerate(row)] for i, row in enumerate(x_vals)]
k = [[Scalar(v, name=f"k{p}{q}") for q, v in enumerate(row)] for p, row in enumerate(k_vals)]
out = [
    [sum((k[p][q] * x[i + p][j + q] for p in range(2) for q in range(2)), Scalar(0.0))
     for j in range(2)]
    for i in range(2)
]
loss = out[0][0] + 2 * out[0][1] - out[1][0] + 0.5 * out[1][1]
loss.backward()
expected = conv2d(x_vals[None, None], k_vals[None, None]).data[0, 0]
assert np.allclose([[o.data for o in row] for row in out], expected)
print("outputs:", [[o.data for o in row] for row in out], "= conv2d:", expected.tolist())
viz.draw(out[0][0])

# %% [markdown]
# ## 2. The gradient is a correlation with the flipped kernel
#
# With upstream gradient g = ∂L/∂out, pixel x[a, b] collects g[i, j] k[p, q] from every
# output (i, j) that read it through kernel entry (p, q) = (a − i, b − j):
#
# ∂L/∂x[a, b] = Σ_{i,j} g[i, j] · k[a − i, b − j]
#
# which is the correlation of g, padded by kernel size − 1 on every side, with the kernel
# rotated by 180°. The engine computes it as a transposed convolution (its VJP of `conv2d`);
# here it is checked against that formula and against the Scalar graph above.

# %%
g = np.array([[1.0, 2.0], [-1.0, 0.5]])  # ∂L/∂out of the loss above
flipped = k_vals[::-1, ::-1]
g_padded = np.pad(g, 1)
dx_formula = np.array(
    [[(g_padded[a : a + 2, b : b + 2] * flipped).sum() for b in range(3)] for a in range(3)]
)
xt = Tensor(x_vals[None, None], requires_grad=True)
(conv2d(xt, k_vals[None, None]) * g).sum().backward()
dx_scalar = np.array([[v.grad for v in row] for row in x])
assert np.allclose(xt.grad[0, 0], dx_formula) and np.allclose(dx_scalar, dx_formula)
print("dL/dx, correlation of padded g with the flipped kernel:\n", dx_formula)

# %% [markdown]
# And numerically, on a random batch with stride, padding, dilation and groups all in play
# (`check_grad` compares every entry against central differences; it raises if one is off):

# %%
rng = np.random.default_rng(0)
xb = Tensor(rng.standard_normal((2, 4, 6, 5)), requires_grad=True)
wb = Tensor(rng.standard_normal((6, 2, 3, 2)), requires_grad=True)
check_grad(lambda x, w: conv2d(x, w, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
           [xb, wb])
numeric = numerical_grad(lambda x: (conv2d(x, k_vals[None, None]) * g).sum(),
                         [Tensor(x_vals[None, None])])[0]
print("largest difference, numerical vs formula:", np.abs(numeric[0, 0] - dx_formula).max())
assert np.abs(numeric[0, 0] - dx_formula).max() < 1e-8

# %% [markdown]
# ## 3. im2col: the sliding window as one matrix product
#
# Looping over positions in Python would be slow. Instead every window is copied into a
# column of a matrix (*im2col*): for a C-channel image and a kh x kw kernel the matrix has
# C·kh·kw rows and one column per output position. The convolution is then a single matrix
# product, weights (out, C·kh·kw) @ columns; its gradient with respect to the columns is
# weightsᵀ @ g, added back onto the pixels they came from (*col2im*, a loop over the kh·kw
# kernel offsets, not over positions).

# %%
img = np.arange(1.0, 26.0).reshape(1, 1, 5, 5)
cols = im2col(img, (3, 3), ConvGeometry((1, 1), (0, 0), (1, 1), 1))[0]
kernel = rng.standard_normal((1, 1, 3, 3))
assert np.allclose((kernel.reshape(1, 9) @ cols).reshape(3, 3), conv2d(img, kernel).data[0, 0])

fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), gridspec_kw={"width_ratios": [1, 1.8]})
axes[0].imshow(img[0, 0], cmap="viridis")
for (i, j), v in np.ndenumerate(img[0, 0]):
    axes[0].text(j, i, int(v), ha="center", va="center", color="w")
axes[0].add_patch(plt.Rectangle((0.5, 0.5), 3, 3, fill=False, ec="r", lw=2))
axes[0].set_title("5x5 image; the window of output (1, 1)")
axes[1].imshow(cols, cmap="viridis", aspect="auto")
for (r, c), v in np.ndenumerate(cols):
    axes[1].text(c, r, int(v), ha="center", va="center", color="w", fontsize=8)
axes[1].add_patch(plt.Rectangle((3.5, -0.5), 1, 9, fill=False, ec="r", lw=2))
axes[1].set_title("im2col: 9 rows (kernel entries) x 9 columns (positions)")
axes[1].set_xlabel("output position i·3 + j")
axes[1].set_ylabel("kernel entry p·3 + q")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 4. The CNN, trained briefly
#
# Conv2d(1, 32, 3, padding=1) – ReLU – MaxPool2d(2) – Conv2d(32, 64, 3, padding=1) – ReLU –
# MaxPool2d(2) – Flatten – Linear(3136, 128) – ReLU – Linear(128, 10), Adam 1e-3, batch 64:
# the recipe of `python -m nn --dataset fashion-mnist --model cnn` (`nn.CNN`). To keep the
# notebook quick it sees 6,000 images once; the full recipe reaches about 91.5% in a few
# epochs (`benchmarks/bench_cnn.py --accuracy`).

# %% tags=["platform"]
X_train, y_train, X_test, y_test = nn.datasets.load_fashion_mnist(flatten=False)
X_train, y_train, X_test, y_test = X_train[:6000], y_train[:6000], X_test[:2000], y_test[:2000]
model = nn.CNN(seed=0)  # seeded here and in the DataLoader: no global random state
optimizer = nn.optim.Adam(model.parameters(), lr=1e-3)
start = time.perf_counter()
history = nn.train.fit(model, F.cross_entropy, optimizer,
                       nn.DataLoader(X_train, y_train, 64, seed=0), epochs=1,
                       val_data=(X_test, y_test), verbose=False)
seconds = time.perf_counter() - start
accuracy = history["val_accuracy"][-1]
assert accuracy > 0.70, accuracy
print(f"training loss {history['loss'][-1]:.4f}, training accuracy"
      f" {100 * history['accuracy'][-1]:.2f}%; test loss {history['val_loss'][-1]:.4f}")
print(f"test accuracy after one pass over 6,000 images: {100 * accuracy:.1f}%")

# %% tags=["timing"]
print(f"{seconds:.0f} s (one epoch: {history['seconds'][-1]:.1f} s of training)")

# %% [markdown]
# The 32 filters of the first layer, after this short training: edge and blob detectors
# begin to appear (red positive, blue negative weights).

# %%
filters = model.features[0].weight.data[:, 0]
fig, axes = plt.subplots(4, 8, figsize=(8, 4))
lim = np.abs(filters).max()
for ax, f in zip(axes.flat, filters):
    ax.imshow(f, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set_xticks([]), ax.set_yticks([])
plt.suptitle("first-layer 3x3 filters")
plt.show()

# %% [markdown]
# The confusion matrix on the 2,000 test images: rows are the true classes, columns the
# predictions. Shirts, T-shirts, pullovers and coats are the classes it confuses most.

# %%
classes = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Boot"]
pred = nn.train.predict(model, X_test, batch_size=256).argmax(axis=1)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (y_test, pred), 1)
assert confusion.sum() == len(y_test) and np.trace(confusion) / len(y_test) == accuracy
fig, ax = plt.subplots(figsize=(6, 5))
ax.imshow(confusion, cmap="Blues")
for (i, j), v in np.ndenumerate(confusion):
    ax.text(j, i, v, ha="center", va="center", fontsize=7,
            color="w" if v > confusion.max() / 2 else "k")
ax.set_xticks(range(10), classes, rotation=60)
ax.set_yticks(range(10), classes)
ax.set_xlabel("predicted")
ax.set_ylabel("true")
plt.tight_layout()
plt.show()
