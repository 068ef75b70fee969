"""The speed reference: an MLP and softmax regression trained by hand-written numpy.

Forward pass, the backward pass derived on paper, and plain SGD, written the way one would
write them without an autodiff library (as in the seeds' vectorised examples). ``bench_nn.py``
times an epoch of this against the same epoch trained with ``nn``, in the same run.

Weights are stored as (in_features, out_features), like ``nn.Linear``, so a layer is
``X @ W + b`` and both implementations can start from identical arrays.
"""

from __future__ import annotations

import numpy as np

__all__ = ["init_mlp", "mlp_epoch", "mlp_loss_and_grads", "predict", "accuracy"]


def init_mlp(sizes: list[int], dtype=np.float32, seed: int = 0) -> list[np.ndarray]:
    """[W1, b1, W2, b2, ...]: He-normal weights for layers followed by ReLU, Xavier-uniform
    for the output layer (as ``nn.MLP``), zero biases. ``sizes=[784, 10]`` is softmax
    regression."""
    rng = np.random.default_rng(seed)
    params = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=False)):
        if i < len(sizes) - 2:
            W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
        else:
            limit = np.sqrt(6.0 / (n_in + n_out))
            W = rng.uniform(-limit, limit, size=(n_in, n_out))
        params += [W.astype(dtype), np.zeros(n_out, dtype)]
    return params


def _forward(params: list[np.ndarray], X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Activations of every layer (input first) and the output logits; ReLU between layers."""
    acts = [X]
    h = X
    n_layers = len(params) // 2
    for i in range(n_layers):
        h = h @ params[2 * i] + params[2 * i + 1]
        if i < n_layers - 1:
            h = np.maximum(h, 0)
            acts.append(h)
    return acts, h


def mlp_loss_and_grads(
    params: list[np.ndarray], X: np.ndarray, y: np.ndarray
) -> tuple[float, list[np.ndarray]]:
    """Mean softmax cross-entropy of the batch and its gradient for every parameter."""
    acts, logits = _forward(params, X)
    n = len(X)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = float(np.mean(np.log(sums[:, 0]) - shifted[rows, y]))
    # d loss / d logits = (softmax - onehot) / n
    delta = exp / sums
    delta[rows, y] -= 1
    delta /= n
    grads: list[np.ndarray] = [None] * len(params)  # type: ignore[list-item]
    for i in range(len(params) // 2 - 1, -1, -1):
        a = acts[i]
        grads[2 * i] = a.T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
        if i > 0:
            delta = delta @ params[2 * i].T
            delta *= a > 0  # ReLU: pass the gradient where the unit was active
    return loss, grads


def mlp_epoch(
    params: list[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    lr: float,
    batch_size: int,
    rng: np.random.Generator,
) -> float:
    """One epoch of plain mini-batch SGD over shuffled data, in place; the mean batch loss."""
    order = rng.permutation(len(X))
    total, batches = 0.0, 0
    for start in range(0, len(X), batch_size):
        idx = order[start : start + batch_size]
        loss, grads = mlp_loss_and_grads(params, X[idx], y[idx])
        for p, g in zip(params, grads, strict=True):
            p -= lr * g
        total += loss
        batches += 1
    return total / batches


def predict(params: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    """Class predictions (argmax of the logits)."""
    return _forward(params, X)[1].argmax(axis=1)


def accuracy(params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows classified correctly."""
    return float(np.mean(predict(params, X) == y))
