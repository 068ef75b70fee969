"""Workloads for ``instructions_tensor.sh``: callgrind counts instructions, which repeat on a
noisy machine where seconds do not. Usage: ``callgrind_tensor.py chain|mlp REPS``.

chain: 250 x (mul, add, tanh, mul, sub) on shape (10,), forward + backward (1000 ops per rep).
mlp:   784-128-10 relu, fused cross-entropy, batch 128, float32, forward + backward per rep.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograd_core import Tensor  # noqa: E402


def chain(reps: int) -> None:
    x0 = np.linspace(-1, 1, 10)
    for _ in range(reps):
        x = Tensor(x0, requires_grad=True)
        y = x
        for _ in range(250):
            y = (y * 1.0001 + 0.0001).tanh() * 1.0 - 0.0
        y.sum().backward()


def mlp(reps: int) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((128, 784)).astype(np.float32)
    targets = np.zeros((128, 10), np.float32)
    targets[np.arange(128), rng.integers(0, 10, 128)] = 1 / 128
    params = [
        Tensor(rng.standard_normal((784, 128)).astype(np.float32) * 0.05, requires_grad=True),
        Tensor(np.zeros(128, np.float32), requires_grad=True),
        Tensor(rng.standard_normal((128, 10)).astype(np.float32) * 0.05, requires_grad=True),
        Tensor(np.zeros(10, np.float32), requires_grad=True),
    ]
    W1, b1, W2, b2 = params
    for _ in range(reps):
        h = (Tensor(X) @ W1 + b1).relu()
        (h @ W2 + b2).cross_entropy(targets).backward()
        for p in params:
            p.grad = None


if __name__ == "__main__":
    {"chain": chain, "mlp": mlp}[sys.argv[1]](int(sys.argv[2]))
