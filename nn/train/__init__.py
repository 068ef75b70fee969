"""The training loop: ``fit``, ``evaluate``, ``predict``.

The command line lives in ``nn.cli`` (``python -m nn --help``); ``python -m nn.train`` runs
the same command line with the same flags, and ``nn.train.main`` is ``nn.cli.main``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_core import Tensor, no_grad

from ..data import DataLoader
from ..module import Module
from ..optim import Optimizer

__all__ = ["fit", "evaluate", "predict", "main"]

History = dict[str, list[float]]
Callback = Callable[[int, dict[str, float]], Any]


def _count_correct(logits: np.ndarray, y: np.ndarray) -> int:
    """Correct predictions: argmax for several outputs, logit > 0 for a single one."""
    if logits.ndim == 1 or logits.shape[-1] == 1:
        return int(np.count_nonzero((logits.reshape(-1) > 0) == (y.reshape(-1) > 0.5)))
    return int(np.count_nonzero(logits.argmax(axis=-1) == y))


def _is_classification(y: np.ndarray) -> bool:
    return y.dtype.kind in "iub"


def _progress(total: int, desc: str, verbose: bool) -> Any:
    """A tqdm bar when tqdm is installed and stdout is a terminal; otherwise None."""
    if not verbose or not sys.stdout.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, leave=False, unit="batch")


def predict(model: Module, X: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """The model's outputs (e.g. logits) for every row of X, without recording a graph."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            outs = [model(X[i : i + batch_size]).data for i in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    return np.concatenate(outs) if outs else np.empty((0,))


def evaluate(
    model: Module,
    X: np.ndarray,
    y: np.ndarray,
    loss_fn: Callable[[Tensor, Any], Tensor] | None = None,
    batch_size: int = 1024,
) -> dict[str, float]:
    """Mean loss (if ``loss_fn`` is given) and accuracy (for integer labels) of the model on
    (X, y), computed in eval mode without recording a graph."""
    out = predict(model, X, batch_size)
    result: dict[str, float] = {}
    if loss_fn is not None:
        with no_grad():
            result["loss"] = float(loss_fn(Tensor(out), y).item())
    if _is_classification(np.asarray(y)):
        result["accuracy"] = _count_correct(out, np.asarray(y)) / max(len(y), 1)
    return result


def fit(
    model: Module,
    loss_fn: Callable[[Tensor, Any], Tensor],
    optimizer: Optimizer,
    train_loader: DataLoader,
    epochs: int,
    val_data: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: Sequence[Callback] | None = None,
    verbose: bool = True,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; return the history.

    Each step: zero the gradients, ``loss = loss_fn(model(X_batch), y_batch)``, backward,
    ``optimizer.step()``. The history maps "loss" (mean training loss of the epoch),
    "accuracy" (fraction of training rows classified correctly during the epoch, for integer
    labels), "val_loss" and "val_accuracy" (on ``val_data`` after the epoch) and "seconds"
    (training time of the epoch) to one value per epoch. With ``verbose`` a line per epoch is
    printed, and a progress bar is shown when tqdm is installed and stdout is a terminal.
    Each callback is called as ``callback(epoch, logs)`` after an epoch (``logs``: that
    epoch's values); if one returns True, training stops.
    """
    history: History = {"loss": [], "seconds": []}
    for epoch in range(1, epochs + 1):
        model.train()
        bar = _progress(len(train_loader), f"epoch {epoch}/{epochs}", verbose)
        total_loss, correct, seen = 0.0, 0, 0
        classify = None
        start = time.perf_counter()
        for X_batch, y_batch in train_loader:
            optimizer.zero_grad()
            out = model(X_batch)
            loss = loss_fn(out, y_batch)
            loss.backward()
            optimizer.step()
            n = len(y_batch)
            total_loss += loss.item() * n
            seen += n
            if classify is None:
                classify = _is_classification(y_batch)
            if classify:
                correct += _count_correct(out.data, y_batch)
            if bar is not None:
                bar.update(1)
        seconds = time.perf_counter() - start
        if bar is not None:
            bar.close()
        logs = {"loss": total_loss / max(seen, 1), "seconds": seconds}
        if classify:
            logs["accuracy"] = correct / max(seen, 1)
        if val_data is not None:
            val = evaluate(model, val_data[0], val_data[1], loss_fn)
            logs.update({f"val_{k}": v for k, v in val.items()})
        for key, value in logs.items():
            history.setdefault(key, []).append(value)
        if verbose:
            print(_format_epoch(epoch, epochs, logs), flush=True)
        stop = False
        for callback in callbacks or ():
            stop = bool(callback(epoch, logs)) or stop
        if stop:
            break
    return history


def _format_epoch(epoch: int, epochs: int, logs: dict[str, float]) -> str:
    width = len(str(epochs))
    parts = [f"epoch {epoch:>{width}}/{epochs}", f"loss {logs['loss']:.4f}"]
    if "accuracy" in logs:
        parts.append(f"train acc {100 * logs['accuracy']:6.2f}%")
    if "val_loss" in logs:
        parts.append(f"test loss {logs['val_loss']:.4f}")
    if "val_accuracy" in logs:
        parts.append(f"test acc {100 * logs['val_accuracy']:6.2f}%")
    parts.append(f"{logs['seconds']:.2f} s")
    return "  ".join(parts)


# The command line's names, importable from here as before it moved to nn.cli. Imported last:
# nn.cli imports fit and evaluate from this module.
from ..cli import DATASETS, build_parser, load_dataset, main, run  # noqa: E402, F401
