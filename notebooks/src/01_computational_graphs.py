# %% [markdown]
# # 1. Computational graphs and the chain rule
#
# A program that computes a number from inputs is a **computational graph**: every operation
# is a node, every value flows along an edge. The chain rule then says how to differentiate it:
#
# * each edge carries a **local derivative** — how much the op's output moves per unit move
#   of that input, holding the other inputs fixed;
# * the derivative of the output with respect to an input is the **sum over all paths** from
#   the input to the output of the **product** of the local derivatives along the path.
#
# Reverse mode (backpropagation) computes that sum for *all* inputs in one backward sweep.
# This notebook reproduces the classic examples with `autograd_core.Scalar` and draws each
# graph with `autograd_core.viz`. Every number it checks is printed next to the value its
# source gives.
#
# **Sources**
#
# * Andrew Ng, *Neural Networks and Deep Learning* (deeplearning.ai, Coursera, 2017), week 2
#   lectures "Computation Graph" and "Derivatives with a Computation Graph": J = 3(a + bc).
#   https://www.coursera.org/learn/neural-networks-deep-learning
# * Christopher Olah, "Calculus on Computational Graphs: Backpropagation" (2015): e =
#   (a + b)(b + 1), derivatives on the edges, the sum over paths, forward- vs reverse-mode
#   differentiation. https://colah.github.io/posts/2015-08-Backprop/
# * Stanford CS231n (Andrej Karpathy et al.), course notes "Backpropagation, Intuitions"
#   (2015): the elementary derivatives and the gradients of x·y and x + y.
#   https://cs231n.github.io/optimization-2/
# * Stanford CS231n, course notes "Optimization: Stochastic Gradient Descent" (2015): the
#   numerical gradient by centered differences and its cost. https://cs231n.github.io/optimization-1/

# %%
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path.cwd().parent))  # run from a checkout without installing, too

import math

import matplotlib.pyplot as plt

from autograd_core import Scalar, toposort, viz
from autograd_core.scalar import RULES


def named(value, name):
    """Give an intermediate result a name, so drawings and tables can refer to it."""
    value.name = name
    return value


# %% [markdown]
# ## A three-step function: J = 3(a + bc)
#
# With a = 5, b = 3, c = 2, staged as u = bc, v = a + u, J = 3v. Forward: u = 6, v = 11,
# J = 33. Backward, one step at a time: dJ/dv = 3; v = a + u passes it unchanged, so
# dJ/da = dJ/du = 3; u = bc multiplies it by the *other* factor: dJ/db = 3·c = 6,
# dJ/dc = 3·b = 9.

# %%
a, b, c = Scalar(5.0, name="a"), Scalar(3.0, name="b"), Scalar(2.0, name="c")
u = named(b * c, "u")
v = named(a + u, "v")
J = named(3 * v, "J")
J.backward()
print(f"J = {J.data}   dJ/da = {a.grad}   dJ/db = {b.grad}   dJ/dc = {c.grad}")
print("Ng's lecture: J = 33; dJ/da = 3, dJ/db = 6, dJ/dc = 9")
assert J.data == 33.0
assert (a.grad, b.grad, c.grad) == (3.0, 6.0, 9.0)
viz.draw(J)

# %% [markdown]
# `viz.trace` writes out the backward pass as the staged table of the CS231n notes: one row
# per node in the order the backward pass visits it, the upstream gradient dJ/d(node), the
# local gradient of each input (the engine's derivative rule evaluated on the forward values),
# and what is added (`+=`) into that input's gradient. The constant 3 needs no gradient, so
# it gets no row.

# %%
viz.trace(J)

# %% [markdown]
# ## A shared input: e = (a + b)(b + 1)
#
# At a = 2, b = 1, staged as c = a + b, d = b + 1, e = c·d: e = 6. The input b reaches e
# along **two** paths, b → c → e and b → d → e.

# %%
a, b = Scalar(2.0, name="a"), Scalar(1.0, name="b")
c = named(a + b, "c")
d = named(b + 1, "d")
e = named(c * d, "e")
e.backward()
print(f"e = {e.data}   de/da = {a.grad}   de/db = {b.grad}")
print("Olah (2015): e = 6; de/da = 2; de/db = 5 (paths: 2 + 3)")
assert e.data == 6.0 and a.grad == 2.0 and b.grad == 5.0
viz.draw(e)

# %% [markdown]
# ### Edge derivatives and the sum over paths
#
# The local derivative on every edge comes straight from the engine's rule table
# (`autograd_core.scalar.RULES`): for `add` both are 1, for `mul` each input gets the other
# input. Below, the edges are read off the graph, and every path from an input to e is
# enumerated with the product of its edge derivatives.

# %%
def local_derivative(node, i):
    """d(node)/d(its i-th parent), from the engine's rule table, at the forward values."""
    args = (node.data, *[p.data for p in node.parents], *node.params)
    return RULES[node.op][i](*args)


def label(node):
    return node.name or f"const {node.data:g}"


def edges(root):
    """(parent, child, local derivative) for every edge that carries a gradient."""
    out = []
    for node in toposort(root):
        for i, parent in enumerate(node.parents):
            if parent.requires_grad:
                out.append((parent, node, local_derivative(node, i)))
    return out


def paths(node, root):
    """All paths node -> ... -> root, each as a list of edges."""
    if node is root:
        return [[]]
    found = []
    for parent, child, local in edges(root):
        if parent is node:
            found += [[(parent, child, local), *rest] for rest in paths(child, root)]
    return found


print("edge derivatives:")
for parent, child, local in edges(e):
    print(f"  d{label(child)}/d{label(parent)} = {local:g}")

for leaf in (a, b):
    terms = []
    for path in paths(leaf, e):
        product = math.prod(local for _, _, local in path)
        route = " -> ".join([label(leaf)] + [label(child) for _, child, _ in path])
        print(f"  path {route}: " + " * ".join(f"{loc:g}" for _, _, loc in path)
              + f" = {product:g}")
        terms.append(product)
    print(f"de/d{label(leaf)} = sum over paths = {' + '.join(f'{t:g}' for t in terms)}"
          f" = {sum(terms):g}   (backward pass: {leaf.grad:g})")
    assert sum(terms) == leaf.grad

assert sorted(math.prod(loc for _, _, loc in p) for p in paths(b, e)) == [2.0, 3.0]

# %% [markdown]
# Enumerating paths is exponential in the depth of a graph. Backpropagation gets the same sum
# without enumerating anything: it visits nodes from the output back, and when it reaches a
# node the gradients of all the paths *above* it have already been added up. The trace shows
# the two contributions arriving at b with `+=`: first 2 (through c), then 3 (through d).

# %%
t = viz.trace(e)
print(t)
b_updates = [(row.node, u.product, u.total) for row in t.rows for u in row.updates
             if u.parent == "b"]
print("contributions into b:", b_updates)
assert b_updates == [("c", 2.0, 2.0), ("d", 3.0, 5.0)]

# %% [markdown]
# ## Forward mode vs reverse mode
#
# The same local derivatives can be combined in two orders.
#
# * **Forward mode** picks *one input* x and pushes dx/dx = 1 forward through the graph:
#   every node gets d(node)/dx = Σ over its parents of local · d(parent)/dx. One sweep gives
#   the derivative of *every node* with respect to *one input*.
# * **Reverse mode** picks *one output* and pulls de/de = 1 backward: every node gets
#   de/d(node) = Σ over its children of de/d(child) · local. One sweep gives the derivative of
#   *one output* with respect to *every input*.
#
# A loss has one output and many parameters, so reverse mode wins by a factor of the number
# of inputs. Here is forward mode, written with the same rule table:

# %%
def forward_mode(root, wrt):
    """d(root)/d(wrt) by one forward sweep of tangents (forward-mode autodiff)."""
    tangent = {}
    for node in toposort(root):  # parents before children
        if node is wrt:
            tangent[node] = 1.0
        elif not node.parents:
            tangent[node] = 0.0
        else:
            tangent[node] = sum(
                local_derivative(node, i) * tangent[p]
                for i, p in enumerate(node.parents) if p.requires_grad
            )
    return tangent[root]


print("forward mode, one sweep per input:  de/da =", forward_mode(e, a),
      "  de/db =", forward_mode(e, b))
assert forward_mode(e, a) == 2.0 and forward_mode(e, b) == 5.0

# %% [markdown]
# Now a function of n inputs, f(x) = Σᵢ tanh(xᵢ·xᵢ₊₁) + (Σᵢ xᵢ)², and its whole gradient:
# n forward-mode sweeps against one reverse sweep. Both give the same gradient; the cell
# after it prints the times. (Times are measured when the notebook runs and vary from
# machine to machine: their cells are tagged `timing`. Our forward-mode loop above is plain
# Python and slower per node than the engine's backward pass, so part of each ratio is a
# constant factor; what matters is that the ratio grows in proportion to n.)

# %%
def f_chain(xs):
    total = 0.0
    for x0, x1 in zip(xs, xs[1:]):
        total = total + (x0 * x1).tanh()
    s = 0.0
    for x in xs:
        s = s + x
    return total + s * s


def inputs(n):
    return [Scalar(math.sin(i + 1.0), name=f"x{i}") for i in range(n)]


rows = []
for n in (10, 40, 160):
    xs = inputs(n)
    out = f_chain(xs)
    t0 = time.perf_counter()
    fwd = [forward_mode(out, x) for x in xs]
    t_fwd = time.perf_counter() - t0
    t0 = time.perf_counter()
    out.backward()
    t_rev = time.perf_counter() - t0
    rev = [x.grad for x in xs]
    assert max(abs(p - q) for p, q in zip(fwd, rev)) < 1e-9
    rows.append((n, t_fwd, t_rev))
    print(f"n = {n:4d}: graph {len(toposort(out)):4d} nodes; forward mode {n} sweeps,"
          f" reverse mode 1 sweep; largest difference"
          f" {max(abs(p - q) for p, q in zip(fwd, rev)):.1e}")

# %% tags=["timing"]
for n, t_fwd, t_rev in rows:
    print(f"n = {n:4d}: forward mode {t_fwd * 1e3:8.2f} ms; reverse mode {t_rev * 1e3:6.2f} ms;"
          f" ratio {t_fwd / t_rev:6.0f}x")

# %% [markdown]
# ## Numerical vs analytic derivatives
#
# A derivative can also be estimated by **central differences**,
# ∂f/∂xᵢ ≈ (f(x + h eᵢ) − f(x − h eᵢ)) / 2h: two forward passes *per input*, so O(n) passes
# for the gradient, each with an error of order h². It is the standard way to *check* a
# gradient, never to compute one. First elementary derivatives: those the CS231n notes build
# their gates from (1/x, eˣ, c + x, ax) and a few more (a constant, x, x², ln x, and 1/eˣ by
# the chain rule), then the gradients of x·y and x + 2y (the notes evaluate x·y at (4, −3);
# here at (10, −20)):

# %%
def derivative(fn, x0):
    x = Scalar(x0, name="x")
    y = fn(x)
    y.backward()
    return x.grad


def numerical(fn, x0, h=1e-6):
    return (fn(Scalar(x0 + h)).data - fn(Scalar(x0 - h)).data) / (2 * h)


x0 = 0.7
cases = [
    ("constant 4", lambda x: 0 * x + 4, 0.0),
    ("x", lambda x: x, 1.0),
    ("e^x", lambda x: x.exp(), math.exp(x0)),
    ("x^2", lambda x: x**2, 2 * x0),
    ("1/x", lambda x: 1 / x, -1 / x0**2),
    ("ln x", lambda x: x.log(), 1 / x0),
    ("1/e^x (chain rule)", lambda x: 1 / x.exp(), -1 / math.exp(x0)),
]
print(f"at x = {x0}:")
for what, fn, exact in cases:
    analytic, approx = derivative(fn, x0), numerical(fn, x0)
    print(f"  d/dx {what:20s} analytic {analytic: .12f}  numerical {approx: .12f}"
          f"  formula {exact: .12f}")
    assert abs(analytic - exact) < 1e-12 and abs(approx - exact) < 1e-8

x, y = Scalar(10.0, name="x"), Scalar(-20.0, name="y")
(x * y).backward()
print("gradient of x*y at (10, -20):", (x.grad, y.grad), "  CS231n's rule (y, x): (-20, 10)")
assert (x.grad, y.grad) == (-20.0, 10.0)
x, y = Scalar(10.0, name="x"), Scalar(-20.0, name="y")
(x + 2 * y).backward()
print("gradient of x + 2y:", (x.grad, y.grad), "  expected: (1, 2)")
assert (x.grad, y.grad) == (1.0, 2.0)

# %% [markdown]
# And the cost: the full gradient of `f_chain` by central differences (2n forward passes)
# against one forward and one backward pass (the times in the `timing` cell after it).

# %%
def numerical_gradient(fn, values, h=1e-6):
    grads = []
    for i in range(len(values)):
        plus, minus = list(values), list(values)
        plus[i] += h
        minus[i] -= h
        grads.append((fn([Scalar(v) for v in plus]).data
                      - fn([Scalar(v) for v in minus]).data) / (2 * h))
    return grads


sizes, t_num, t_back = [], [], []
for n in (10, 40, 160):
    xs = inputs(n)
    values = [x.data for x in xs]
    t0 = time.perf_counter()
    out = f_chain(xs)
    out.backward()
    t_back.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    num = numerical_gradient(f_chain, values)
    t_num.append(time.perf_counter() - t0)
    err = max(abs(p - x.grad) for p, x in zip(num, xs))
    sizes.append(n)
    print(f"n = {n:4d}: numerical {2 * n:4d} forward passes, backprop 1 forward + 1 backward;"
          f" max |difference| {err:.1e}")
    assert err < 1e-5

# %% tags=["timing"]
for n, t_n, t_b in zip(sizes, t_num, t_back):
    print(f"n = {n:4d}: numerical {t_n * 1e3:8.2f} ms; forward + backward {t_b * 1e3:6.2f} ms")
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.loglog(sizes, t_num, "o-", label="central differences (2n forward passes)")
ax.loglog(sizes, t_back, "s-", label="one forward + one backward pass")
ax.set_xlabel("number of inputs n")
ax.set_ylabel("seconds")
ax.set_title("Cost of the full gradient")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# The numerical gradient agrees to about 1e-7 (the h² truncation error plus rounding) and
# its cost grows with n times the cost of one pass; the backward pass costs about as much as
# the forward pass, whatever n is. Notebook 2 looks inside a backward pass step by step.
