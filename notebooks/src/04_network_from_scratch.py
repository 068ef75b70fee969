# %% [markdown]
# # 4. A neural network from scratch
#
# Victor Zhou's introduction to neural networks builds a network with two inputs (weight and
# height), one hidden layer of two sigmoid neurons h1, h2 and one sigmoid output o1, derives
# its partial derivatives by hand and trains it with stochastic gradient descent to tell
# women from men. This notebook reproduces his numbers (each printed next to the article's),
# replaces the hand-derived derivatives by the engine's backward pass, and builds the same
# network three ways: from `Scalar`s by hand, as `nn.scalar.MLP`, and as a Tensor `nn` model.
#
# **Source**
#
# * Victor Zhou, "Machine Learning for Beginners: An Introduction to Neural Networks" (2019):
#   the neuron with w = [0, 1], b = 4; the 2-2-1 network; Alice, Bob, Charlie and Diana;
#   ∂L/∂w1 for Alice; the SGD training and the predictions for Emily and Frank.
#   https://victorzhou.com/blog/intro-to-neural-networks/

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd().parent))  # run from a checkout without installing, too

import math
import random

import matplotlib.pyplot as plt
import numpy as np

from autograd_core import Scalar

# %% [markdown]
# ## One neuron
#
# A neuron with weights w = [0, 1] and bias b = 4 fed x = [2, 3]: w·x + b = 0·2 + 1·3 + 4 = 7,
# and its output is σ(7).

# %%
w = [Scalar(0.0), Scalar(1.0)]
b = Scalar(4.0)
x = [2.0, 3.0]
total = w[0] * x[0] + w[1] * x[1] + b
out = total.sigmoid()
print(f"w.x + b = {total.data}   output = {out.data!r}   Zhou: 7, 0.9990889488055994")
assert total.data == 7.0 and abs(out.data - 0.9990889488055994) < 1e-15

# %% [markdown]
# ## The network
#
# h1 = σ(w1 x1 + w2 x2 + b1), h2 = σ(w3 x1 + w4 x2 + b2), o1 = σ(w5 h1 + w6 h2 + b3).
# With every neuron's weights [0, 1] and biases 0, on input [2, 3]: h1 = h2 = σ(0·2 + 1·3)
# = σ(3), and o1 = σ(0·h1 + 1·h2) = σ(h2).

# %%
class Network:
    """Zhou's 2-2-1 network, every weight and bias a Scalar."""

    NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")

    def __init__(self, values):
        self.p = {name: Scalar(float(v), name=name) for name, v in zip(self.NAMES, values)}

    def forward(self, x):
        p = self.p
        h1 = (p["w1"] * x[0] + p["w2"] * x[1] + p["b1"]).sigmoid()
        h2 = (p["w3"] * x[0] + p["w4"] * x[1] + p["b2"]).sigmoid()
        o1 = (p["w5"] * h1 + p["w6"] * h2 + p["b3"]).sigmoid()
        return h1, h2, o1

    def __call__(self, x):
        return self.forward(x)[2]

    def parameters(self):
        return list(self.p.values())


net = Network([0, 1, 0, 1, 0, 1, 0, 0, 0])
h1, h2, o1 = net.forward([2.0, 3.0])
print(f"h1 = {h1.data!r}  h2 = {h2.data!r}  o1 = {o1.data!r}")
print("Zhou: h1 = h2 = 0.9526, o1 = 0.7216325609518421")
assert abs(h1.data - 0.9525741268224334) < 1e-15 and h1.data == h2.data
assert abs(o1.data - 0.7216325609518421) < 1e-15

# %% [markdown]
# ## The data and the loss
#
# Heights and weights are shifted (−66 in, −135 lb) so the numbers are small; label 1 means
# female. The loss is the mean squared error; a network that always answers 0 has MSE 0.5
# (it is wrong on two of four people, by 1 each).

# %%
people = {
    "Alice": ((-2.0, -1.0), 1.0),
    "Bob": ((25.0, 6.0), 0.0),
    "Charlie": ((17.0, 4.0), 0.0),
    "Diana": ((-15.0, -6.0), 1.0),
}
data = [x for x, _ in people.values()]
labels = [y for _, y in people.values()]


def mse(y_true, y_pred):
    return sum((t - p) ** 2 for t, p in zip(y_true, y_pred)) / len(y_true)


print("MSE of always predicting 0:", mse(labels, [0.0] * 4), "  Zhou: 0.5")
assert mse(labels, [0.0] * 4) == 0.5

# %% [markdown]
# ## One gradient, by hand and by the engine
#
# Zhou computes ∂L/∂w1 for Alice alone with every weight 1 and every bias 0, where
# L = (1 − o1)². By the chain rule,
#
# ```
# ∂L/∂w1 = ∂L/∂o1 · ∂o1/∂h1 · ∂h1/∂w1
#        = −2(1 − o1) · w5 σ′(w5h1 + w6h2 + b3) · x1 σ′(w1x1 + w2x2 + b1)
# ```
#
# with σ′(z) = σ(z)(1 − σ(z)). The engine needs no derivation: `backward()` fills the
# gradient of all nine parameters at once.

# %%
net = Network([1, 1, 1, 1, 1, 1, 0, 0, 0])
x_alice, y_alice = people["Alice"]
h1, h2, o1 = net.forward(x_alice)
L = (y_alice - o1) ** 2
L.backward()
print(f"h1 = {h1.data:.4f}  h2 = {h2.data:.4f}  o1 = {o1.data:.3f}"
      f"  dL/dw1 = {net.p['w1'].grad:.4f}")
print("Zhou: h1 = h2 = 0.0474, o1 = 0.524, dL/dw1 = 0.0214")
assert round(h1.data, 4) == 0.0474 and round(h2.data, 4) == 0.0474
assert round(o1.data, 3) == 0.524


def dsig(z):
    s = 1 / (1 + math.exp(-z))
    return s * (1 - s)


sum_h1 = 1 * x_alice[0] + 1 * x_alice[1] + 0
sum_o1 = 1 * h1.data + 1 * h2.data + 0
by_hand = -2 * (y_alice - o1.data) * (1 * dsig(sum_o1)) * (x_alice[0] * dsig(sum_h1))
print(f"by hand: dL/dw1 = {by_hand!r}   engine: {net.p['w1'].grad!r}")
assert abs(by_hand - net.p["w1"].grad) < 1e-15

# The article multiplies factors rounded to three digits, which gives its 0.0214; in full
# precision the same product is 0.02147, so the engine's 0.0215 (4 d.p.) is right.
rounded_factors = (-0.952, 0.249, -0.0904)  # dL/do1, do1/dh1, dh1/dw1 as printed there
print(f"the article's rounded factors: {' * '.join(map(str, rounded_factors))}"
      f" = {math.prod(rounded_factors):.4f}")
assert round(math.prod(rounded_factors), 4) == 0.0214
assert abs(net.p["w1"].grad - 0.021470) < 5e-7

# %% [markdown]
# ## Training
#
# Zhou's recipe: weights and biases drawn from N(0, 1), then for 1000 epochs, for each
# person, one SGD step with learning rate 0.1 on that person's loss (y − o1)². The loss on
# all four people is recorded every 10 epochs. The draw is seeded, so this notebook gives
# the same curve every time.

# %%
def initial_values(seed):
    rng = random.Random(seed)
    return [rng.gauss(0.0, 1.0) for _ in range(6)] + [rng.gauss(0.0, 1.0) for _ in range(3)]


def train(net, learn_rate=0.1, epochs=1000):
    curve = []
    params = net.parameters()
    for epoch in range(epochs):
        for x, y_true in zip(data, labels):
            loss = (y_true - net(x)) ** 2
            for p in params:
                p.grad = 0.0
            loss.backward()
            for p in params:
                p.data -= learn_rate * p.grad
        if epoch % 10 == 0:
            curve.append(mse(labels, [net(x).data for x in data]))
    return curve


SEED = 0
start = initial_values(SEED)
net = Network(start)
curve = train(net)
for epoch in (0, 100, 200, 500, 990):
    print(f"epoch {epoch:4d} loss {curve[epoch // 10]:.4f}")
emily, frank = net((-7.0, -3.0)).data, net((20.0, 2.0)).data
print(f"Emily: {emily:.3f}  (Zhou: 0.951, female)")
print(f"Frank: {frank:.3f}  (Zhou: 0.039, male)")
assert curve[-1] < 0.01 < curve[0]
assert all(later <= earlier + 1e-3 for earlier, later in zip(curve, curve[1:]))
assert 0.9 < emily < 1.0 and 0.0 < frank < 0.1

fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(range(0, 1000, 10), curve)
ax.set_xlabel("epoch")
ax.set_ylabel("MSE on the four people")
ax.set_title("Training the 2-2-1 network (SGD, learning rate 0.1)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The same network as `nn.scalar.MLP`
#
# `nn.scalar.MLP(2, [2, 1], activation="sigmoid", output_activation="sigmoid")` builds the
# same 2-2-1 network from Scalars, micrograd style. Given Zhou's initial weights it trains
# to the same curve (up to the order of floating-point additions).

# %%
import nn  # noqa: E402

mlp = nn.scalar.MLP(2, [2, 1], activation="sigmoid", output_activation="sigmoid")
w1, w2, w3, w4, w5, w6, b1, b2, b3 = start
mlp.set_weights([([[w1, w2], [w3, w4]], [b1, b2]), ([[w5, w6]], [b3])])


class ScalarMLPNet:
    def __init__(self, mlp):
        self.mlp = mlp

    def __call__(self, x):
        return self.mlp(list(x))[0]

    def parameters(self):
        return self.mlp.parameters()


curve_mlp = train(ScalarMLPNet(mlp))
print(f"nn.scalar.MLP: final loss {curve_mlp[-1]:.6f}; hand-built Scalar network"
      f" {curve[-1]:.6f}; largest difference along the curve"
      f" {max(abs(p - q) for p, q in zip(curve, curve_mlp)):.1e}")
assert max(abs(p - q) for p, q in zip(curve, curve_mlp)) < 1e-9

# %% [markdown]
# ## The same network with Tensors
#
# With the Tensor engine a layer is one matrix product: `nn.Linear(2, 2)` holds a (2, 2)
# weight matrix (input-major: `x @ W + b`). One SGD step per person again, now through
# `nn.optim.SGD`.

# %%
tnet = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
tnet[0].weight.data[...] = np.array([[w1, w3], [w2, w4]])  # column j = neuron j's weights
tnet[0].bias.data[...] = [b1, b2]
tnet[2].weight.data[...] = np.array([[w5], [w6]])
tnet[2].bias.data[...] = [b3]
optimizer = nn.optim.SGD(tnet.parameters(), lr=0.1)
X_all = np.array(data)
y_all = np.array(labels).reshape(-1, 1)

curve_tensor = []
for epoch in range(1000):
    for i in range(4):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(tnet(X_all[i : i + 1]), y_all[i : i + 1])
        loss.backward()
        optimizer.step()
    if epoch % 10 == 0:
        curve_tensor.append(float(np.mean((tnet(X_all).data - y_all) ** 2)))

print(f"Tensor MLP: final loss {curve_tensor[-1]:.6f}; largest difference from the Scalar"
      f" network's curve {max(abs(p - q) for p, q in zip(curve, curve_tensor)):.1e}")
print("Emily:", float(tnet(np.array([[-7.0, -3.0]])).data[0, 0]),
      " Frank:", float(tnet(np.array([[20.0, 2.0]])).data[0, 0]))
assert max(abs(p - q) for p, q in zip(curve, curve_tensor)) < 1e-9
