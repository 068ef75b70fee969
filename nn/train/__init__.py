"""The training loop: ``fit``, ``evaluate``, ``predict``.

The command line lives in ``nn.cli`` (``python -m nn --help``); ``python -m nn.train`` runs
the same command line with the same flags, and ``nn.train.main`` is ``nn.cli.main``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_core import Tensor, no_grad

from ..data import DataLoader
from ..module import Module, _check_bool, _check_size
from ..optim import Optimizer
from ..optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
from ..serialization import _is_path, load, save, unwritable

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
    batch_size = _check_size(batch_size, "batch_size", "predict")
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
    if len(X) != len(y):
        raise ValueError(f"evaluate: X has {len(X)} rows but y has {len(y)}")
    out = predict(model, X, batch_size)
    result: dict[str, float] = {}
    if loss_fn is not None:
        with no_grad():
            result["loss"] = float(loss_fn(Tensor(out), y).item())
    if _is_classification(np.asarray(y)):
        result["accuracy"] = _count_correct(out, np.asarray(y)) / max(len(y), 1)
    return result


def _generators(model: Module) -> dict[str, np.random.Generator]:
    """Every numpy Generator the model's modules hold (a Dropout's, say), named by place;
    their states go into fit's checkpoints so that random layers resume exactly."""
    found: dict[str, np.random.Generator] = {}
    seen: set[int] = set()
    for prefix, module in model.named_modules():
        for attr, value in vars(module).items():
            if isinstance(value, np.random.Generator) and id(value) not in seen:
                seen.add(id(value))
                found[f"{prefix}/{attr}"] = value
    return found


def _restore(
    resume: str | os.PathLike,
    model: Module,
    optimizer: Optimizer,
    scheduler: Any,
    train_loader: DataLoader,
) -> tuple[dict[str, Any], History]:
    """Load a checkpoint written by ``fit`` into the training objects; return its progress
    and history."""
    objects: dict[str, Any] = {"model": model, "optimizer": optimizer}
    if scheduler is not None:
        objects["scheduler"] = scheduler
    ckpt = load(resume, **objects)
    if not all(k in ckpt for k in ("loader", "progress", "history")) or not isinstance(
        ckpt["progress"], dict
    ):
        raise ValueError(
            f"{resume} is an nn checkpoint but not one written by fit(checkpoint=...): it has "
            f"{sorted(ckpt)}, so the data order and progress cannot be restored"
        )
    train_loader.load_state_dict(ckpt["loader"])
    generators, saved = _generators(model), ckpt.get("generators", {})
    if set(generators) != set(saved):
        raise ValueError(
            f"{resume}: the checkpoint holds random generators {sorted(saved)} but the model "
            f"has {sorted(generators)}"
        )
    for name, state in saved.items():
        generators[name].bit_generator.state = dict(state)
    history = {k: [float(x) for x in v] for k, v in ckpt["history"].items()}
    return dict(ckpt["progress"]), history


class _DeferredInterrupt:
    """While active (main thread only), the first Ctrl-C only sets ``requested`` so the
    training loop stops at the end of the current batch, where the model, optimizer and
    progress agree; a second Ctrl-C interrupts at once and sets ``forced`` (the state may
    then be half-way through a step, so no checkpoint is written)."""

    def __init__(self, enabled: bool) -> None:
        self.requested = self.forced = False
        self._enabled = enabled and threading.current_thread() is threading.main_thread()
        self._previous: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.requested:
            self.forced = True
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> _DeferredInterrupt:
        if self._enabled:
            self._previous = signal.getsignal(signal.SIGINT)
            signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._enabled:
            signal.signal(signal.SIGINT, self._previous)


def fit(
    model: Module,
    loss_fn: Callable[[Tensor, Any], Tensor],
    optimizer: Optimizer,
    train_loader: DataLoader,
    epochs: int,
    val_data: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: Sequence[Callback] | None = None,
    verbose: bool = True,
    scheduler: Any = None,
    scheduler_interval: str = "epoch",
    checkpoint: str | os.PathLike | None = None,
    resume: str | os.PathLike | None = None,
    interrupt_checkpoint: str | os.PathLike | None = None,
) -> History:
    """Train ``model`` until ``epochs`` passes over ``train_loader`` are done; return the
    history.

    Each step: zero the gradients, ``loss = loss_fn(model(X_batch), y_batch)``, backward,
    ``optimizer.step()``. The history maps "loss" (mean training loss of the epoch),
    "accuracy" (fraction of training rows classified correctly during the epoch, for integer
    labels), "val_loss" and "val_accuracy" (on ``val_data`` after the epoch) and "seconds"
    (training time of the epoch) to one value per epoch. With ``verbose`` a line per epoch is
    printed, and a progress bar is shown when tqdm is installed and stdout is a terminal.
    Each callback is called as ``callback(epoch, logs)`` after an epoch (``logs``: that
    epoch's values); if one returns True, training stops.

    ``scheduler`` (from ``nn.optim.lr_scheduler``) is stepped after every epoch, or after
    every batch with ``scheduler_interval="batch"`` (``OneCycleLR``); ``ReduceLROnPlateau``
    is given the epoch's val_loss (its training loss without ``val_data``).

    Checkpoints: with ``checkpoint=path`` the model, optimizer, scheduler, the loader's
    shuffling state, the state of every numpy Generator held by the model's modules (random
    layers such as dropout), the progress and the history are written to ``path`` (``nn.save``)
    after every epoch, and on Ctrl-C (``KeyboardInterrupt``), which then propagates; a
    Ctrl-C finishes the current batch first so the saved state is consistent (a second
    Ctrl-C stops at once and saves nothing)
    (``interrupt_checkpoint`` writes only on Ctrl-C, for when no per-epoch file is wanted;
    the ``KeyboardInterrupt`` then carries the path as its ``checkpoint`` attribute).
    ``resume=path`` restores all of it, even from the middle of an epoch, and continues up
    to ``epochs`` in total, giving the same losses and weights as an uninterrupted run (the
    objects must be built as for the first run; callbacks of epochs done before the
    interruption are not re-run).
    """
    if scheduler_interval not in ("epoch", "batch"):
        raise ValueError(
            f"scheduler_interval must be 'epoch' or 'batch', got {scheduler_interval!r}"
        )
    _check_fit_args(model, loss_fn, optimizer, train_loader, val_data, callbacks, scheduler)
    epochs = _check_size(epochs, "epochs", "fit")
    verbose = _check_bool(verbose, "verbose", "fit")
    for what, path in (
        ("checkpoint", checkpoint),
        ("resume", resume),
        ("interrupt_checkpoint", interrupt_checkpoint),
    ):
        if path is not None and not _is_path(path):
            raise TypeError(f"fit: {what} must be a path (str or os.PathLike), got {path!r}")
    for what, path in (("checkpoint", checkpoint), ("interrupt_checkpoint", interrupt_checkpoint)):
        problem = None if path is None else unwritable(path)
        if problem is not None:  # found now, not after the first epoch's training
            raise ValueError(f"fit: {what} {path}: {problem}")
    history: History = {"loss": [], "seconds": []}
    progress: dict[str, Any] = {
        "epoch": 0, "batch": 0, "total_loss": 0.0, "correct": 0, "seen": 0, "classify": None,
    }  # fmt: skip
    if resume is not None:
        progress, history = _restore(resume, model, optimizer, scheduler, train_loader)
        if progress.get("epoch", 0) > epochs:
            raise ValueError(
                f"fit: the checkpoint {resume} has done {progress['epoch']} epochs, more than "
                f"epochs={epochs} (epochs counts the epochs already done)"
            )
    on_interrupt = interrupt_checkpoint if interrupt_checkpoint is not None else checkpoint
    # the loader's state when the current epoch's order was drawn: a resumed run redraws it
    epoch_loader = train_loader.state_dict()
    plateau = isinstance(scheduler, ReduceLROnPlateau)

    def snapshot(path: str | os.PathLike) -> None:
        extra = {} if scheduler is None else {"scheduler": scheduler}
        generators = {k: g.bit_generator.state for k, g in _generators(model).items()}
        save(
            path, model=model, optimizer=optimizer, **extra, loader=epoch_loader,
            progress=progress, history=history, generators=generators,
        )  # fmt: skip

    interrupt = _DeferredInterrupt(on_interrupt is not None)
    try:
        with interrupt:
            for epoch in range(progress["epoch"] + 1, epochs + 1):
                model.train()
                bar = _progress(len(train_loader), f"epoch {epoch}/{epochs}", verbose)
                skip = progress["batch"]
                total_loss, correct, seen = (
                    progress["total_loss"],
                    progress["correct"],
                    progress["seen"],
                )
                classify = progress["classify"]
                start = time.perf_counter()
                for index, (X_batch, y_batch) in enumerate(train_loader):
                    if index < skip:  # done before the interruption; same order, same batches
                        continue
                    optimizer.zero_grad()
                    out = model(X_batch)
                    loss = loss_fn(out, y_batch)
                    if not isinstance(loss, Tensor) or loss.size != 1:
                        _bad_loss(loss)
                    loss.backward()
                    optimizer.step()
                    if scheduler is not None and scheduler_interval == "batch":
                        scheduler.step()
                    n = len(y_batch)
                    total_loss += loss.item() * n
                    seen += n
                    if classify is None:
                        classify = _is_classification(y_batch)
                    if classify:
                        correct += _count_correct(out.data, y_batch)
                    progress = {
                        "epoch": epoch - 1, "batch": index + 1, "total_loss": total_loss,
                        "correct": correct, "seen": seen, "classify": classify,
                    }  # fmt: skip
                    if bar is not None:
                        bar.update(1)
                    if interrupt.requested:
                        raise KeyboardInterrupt
                seconds = time.perf_counter() - start
                if bar is not None:
                    bar.close()
                logs = {"loss": total_loss / max(seen, 1), "seconds": seconds}
                if classify:
                    logs["accuracy"] = correct / max(seen, 1)
                if val_data is not None:
                    val = evaluate(model, val_data[0], val_data[1], loss_fn)
                    logs.update({f"val_{k}": v for k, v in val.items()})
                if scheduler is not None and scheduler_interval == "epoch":
                    if plateau:
                        scheduler.step(logs.get("val_loss", logs["loss"]))
                    else:
                        scheduler.step()
                for key, value in logs.items():
                    history.setdefault(key, []).append(value)
                progress = {
                    "epoch": epoch, "batch": 0, "total_loss": 0.0, "correct": 0, "seen": 0,
                    "classify": classify,
                }  # fmt: skip
                epoch_loader = train_loader.state_dict()
                if verbose:
                    print(_format_epoch(epoch, epochs, logs), flush=True)
                stop = False
                for callback in callbacks or ():
                    stop = bool(callback(epoch, logs)) or stop
                if checkpoint is not None:
                    snapshot(checkpoint)
                if interrupt.requested and epoch < epochs:  # Ctrl-C in validation or callbacks
                    raise KeyboardInterrupt
                if stop:
                    break
    except KeyboardInterrupt as interrupted:
        if on_interrupt is not None and not interrupt.forced:
            try:
                snapshot(on_interrupt)
                interrupted.checkpoint = os.fspath(on_interrupt)  # type: ignore[attr-defined]
            except OSError as exc:
                print(f"could not save the checkpoint {on_interrupt}: {exc}", file=sys.stderr)
        raise
    return history


def _bad_loss(loss: Any) -> None:
    what = f"shape {loss.shape}" if isinstance(loss, Tensor) else type(loss).__name__
    raise TypeError(
        f"fit: loss_fn must return a one-element Tensor (the batch's mean loss), got {what}; "
        "use reduction='mean' and compute the loss from the model's output Tensor"
    )


def _check_fit_args(
    model: Any,
    loss_fn: Any,
    optimizer: Any,
    train_loader: Any,
    val_data: Any,
    callbacks: Any,
    scheduler: Any,
) -> None:
    """fit's objects, each of the kind it needs: errors name the argument and what it got."""

    def kind(x: Any) -> str:
        return type(x).__name__

    if not isinstance(model, Module):
        raise TypeError(f"fit: model must be an nn.Module, got {kind(model)}")
    if not callable(loss_fn):
        raise TypeError(f"fit: loss_fn must be callable (e.g. F.cross_entropy), got {loss_fn!r}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"fit: optimizer must be an nn.optim optimizer (e.g. Adam(model.parameters())), "
            f"got {kind(optimizer)}"
        )
    if not isinstance(train_loader, DataLoader):
        raise TypeError(
            f"fit: train_loader must be an nn.DataLoader, got {kind(train_loader)}; wrap the "
            "arrays: nn.DataLoader(X, y, batch_size)"
        )
    if val_data is not None:
        if not isinstance(val_data, (tuple, list)) or len(val_data) != 2:
            raise TypeError(f"fit: val_data must be a pair (X_val, y_val), got {kind(val_data)}")
        if len(val_data[0]) != len(val_data[1]):
            raise ValueError(
                f"fit: val_data X has {len(val_data[0])} rows but y has {len(val_data[1])}"
            )
    if callbacks is not None and (
        not isinstance(callbacks, (list, tuple)) or not all(callable(c) for c in callbacks)
    ):
        raise TypeError(f"fit: callbacks must be a list of functions, got {callbacks!r}")
    if scheduler is not None:
        if not isinstance(scheduler, LRScheduler):
            raise TypeError(
                f"fit: scheduler must be an nn.optim.lr_scheduler scheduler, got {kind(scheduler)}"
            )
        if scheduler.optimizer is not optimizer:
            raise ValueError(
                "fit: the scheduler was built on another optimizer than the one given to fit, "
                "so its learning rates would change nothing"
            )


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
