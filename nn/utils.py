"""Gradient utilities: clipping by total norm or by value, in place, as PyTorch's
``torch.nn.utils``. Call them between ``loss.backward()`` and ``optimizer.step()``."""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real
from typing import Any

import numpy as np

from autograd_core import Tensor

from .optim import _real

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Any, owner: str) -> list[np.ndarray]:
    """The ``.grad`` arrays of a Tensor or an iterable of Tensors (those without one skipped)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    elif callable(getattr(parameters, "parameters", None)):
        raise TypeError(f"{owner}: pass model.parameters(), not the {type(parameters).__name__}")
    elif not isinstance(parameters, Iterable) or isinstance(parameters, (str, bytes)):
        raise TypeError(
            f"{owner}: parameters must be a Tensor or an iterable of Tensors (model.parameters()),"
            f" got {type(parameters).__name__}"
        )
    grads = []
    for i, p in enumerate(parameters):
        if not isinstance(p, Tensor):
            raise TypeError(f"{owner}: parameter {i} is a {type(p).__name__}, not a Tensor")
        if p.grad is not None:
            if p.grad.dtype.kind != "f":  # clipping scales in place: ints cannot hold it
                raise TypeError(f"{owner}: parameter {i} has a .grad of dtype {p.grad.dtype}")
            grads.append(p.grad)
    return grads


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale every ``.grad`` in place by min(1, max_norm / (total + 1e-6)), where total is the
    ``norm_type``-norm of all the gradients together (as if concatenated; ``inf`` for the
    largest |entry|), and return total (the norm before clipping). Parameters whose
    ``.grad`` is None are skipped; with none at all the norm is 0. A nan or infinite total
    raises ``RuntimeError`` when ``error_if_nonfinite``, else the gradients become nan."""
    # max_norm 0 is allowed, as in PyTorch: it zeroes every gradient
    if not (_real(max_norm) and max_norm >= 0):
        raise ValueError(
            f"clip_grad_norm_: max_norm must be a finite number >= 0, got {max_norm!r}"
        )
    if isinstance(norm_type, str) and norm_type.lower() == "inf":
        norm_type = math.inf
    if isinstance(norm_type, (bool, np.bool_)) or not isinstance(norm_type, Real):
        raise TypeError(
            f"clip_grad_norm_: norm_type must be a number > 0 or inf (2 for the Euclidean "
            f"norm), got {norm_type!r}"
        )
    norm_type = float(norm_type)
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or inf, got {norm_type}")
    grads = _grads(parameters, "clip_grad_norm_")
    if not grads:
        return 0.0
    if norm_type == math.inf:
        total = max(float(np.max(np.abs(g), initial=0.0)) for g in grads)
    else:
        norms = [float(np.linalg.norm(g.ravel(), ord=norm_type)) if g.size else 0.0 for g in grads]
        total = float(np.linalg.norm(np.array(norms), ord=norm_type))
    if not math.isfinite(total) and error_if_nonfinite:
        raise RuntimeError(
            f"clip_grad_norm_: the total {norm_type:g}-norm of the gradients is {total}; "
            "they cannot be clipped (pass error_if_nonfinite=False to scale them anyway)"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0 or not math.isfinite(total):
        for g in grads:
            g *= coef if math.isfinite(total) else math.nan
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every ``.grad`` entry into [-clip_value, clip_value], in place."""
    if not (_real(clip_value) and clip_value >= 0):
        raise ValueError(
            f"clip_grad_value_: clip_value must be a finite number >= 0, got {clip_value!r}"
        )
    for g in _grads(parameters, "clip_grad_value_"):
        np.clip(g, -clip_value, clip_value, out=g)
