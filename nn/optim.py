"""Optimizers: they update parameters' ``.data`` in place from their ``.grad``.

Every state buffer is allocated once, at the first step, with the parameter's shape and
dtype (float32 models stay float32); each step then runs numpy ufuncs with ``out=``, so a
training loop allocates nothing here per step.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    """Holds a list of parameters (each once) and the per-parameter state of the method."""

    def __init__(self, params: Iterable[Any], lr: float):
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        if lr <= 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        seen: set[int] = set()
        self.params = [p for p in params if not (id(p) in seen or seen.add(id(p)))]
        for i, p in enumerate(self.params):
            if not getattr(p, "requires_grad", False):
                raise ValueError(f"parameter {i} does not require grad; it cannot be trained")
        self.lr = float(lr)
        self._scratch = [np.empty_like(p.data) for p in self.params]

    def zero_grad(self) -> None:
        """Forget the gradients of every parameter (``.grad = None``)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and L2 weight
    decay, following PyTorch's formulation::

        g = grad + weight_decay * p
        b = momentum * b + g            (b = g at the first step)
        g = g + momentum * b  if nesterov  else  b
        p = p - lr * g
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr)
        if momentum < 0 or weight_decay < 0:
            raise ValueError("momentum and weight_decay must be >= 0")
        if nesterov and momentum == 0:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.momentum, self.nesterov, self.weight_decay = momentum, nesterov, weight_decay
        self._velocity: list[np.ndarray | None] = [None] * len(self.params)

    def step(self) -> None:
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        for i, p in enumerate(self.params):
            grad = p.grad
            if grad is None:
                continue
            g = self._scratch[i]
            if wd:
                np.multiply(p.data, wd, out=g)
                g += grad
            elif mu:
                np.copyto(g, grad)
            else:  # plain SGD: p -= lr * grad, through the scratch buffer
                np.multiply(grad, lr, out=g)
                p.data -= g
                continue
            v = self._velocity[i]
            if mu:
                if v is None:
                    v = self._velocity[i] = g.copy()
                else:
                    v *= mu
                    v += g
                if not self.nesterov:
                    np.copyto(g, v)
            g *= lr
            p.data -= g
            if self.nesterov:  # the look-ahead term lr * mu * b, reusing the scratch buffer
                np.multiply(v, lr * mu, out=g)
                p.data -= g


class Adam(Optimizer):
    """Adam (Kingma and Ba 2015) with bias correction; ``weight_decay`` adds an L2 term to the
    gradient (as PyTorch's Adam, not AdamW)::

        g = grad + weight_decay * p
        m = beta1 m + (1 - beta1) g          v = beta2 v + (1 - beta2) g^2
        p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr)
        b1, b2 = betas
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"betas must be in [0, 1), got {betas}")
        if eps <= 0 or weight_decay < 0:
            raise ValueError("eps must be > 0 and weight_decay >= 0")
        self.betas, self.eps, self.weight_decay = (float(b1), float(b2)), float(eps), weight_decay
        self.t = 0
        self._m = [np.zeros_like(p.data) for p in self.params]
        self._v = [np.zeros_like(p.data) for p in self.params]
        self._g = [np.empty_like(p.data) for p in self.params]

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        bias1, bias2 = 1.0 - b1**self.t, 1.0 - b2**self.t
        # lr * m_hat / (sqrt(v_hat) + eps) = (lr / bias1) * m / (sqrt(v) / sqrt(bias2) + eps)
        step_size, root_bias2 = self.lr / bias1, float(np.sqrt(bias2))
        for i, p in enumerate(self.params):
            grad = p.grad
            if grad is None:
                continue
            m, v, g, tmp = self._m[i], self._v[i], self._g[i], self._scratch[i]
            if self.weight_decay:
                np.multiply(p.data, self.weight_decay, out=g)
                g += grad
                grad = g
            m *= b1
            np.multiply(grad, 1.0 - b1, out=tmp)
            m += tmp
            v *= b2
            np.multiply(grad, grad, out=tmp)
            tmp *= 1.0 - b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp /= root_bias2
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p.data -= tmp
