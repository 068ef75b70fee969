"""Training loop (``fit``), evaluation, and the command line: ``python -m nn.train --help``.

Examples::

    python -m nn.train --demo
    python -m nn.train --dataset fashion-mnist --model mlp --hidden 128 --epochs 10 \\
        --batch-size 64 --optimizer adam --lr 1e-3
    python -m nn.train --dataset fashion-mnist --hidden 256 128 --epochs 20 --lr-decay 0.85
    python -m nn.train --dataset moons --model mlp --hidden 16 16 --epochs 50
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from autograd_core import Tensor, no_grad

from . import datasets
from . import functional as F
from .data import DataLoader
from .module import MLP, LogisticRegression, Module, manual_seed
from .optim import SGD, Adam, Optimizer
from .serialization import save

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


# --- command line ---------------------------------------------------------------------------
DATASETS = ("digits", "fashion-mnist", "mnist", "moons", "spheres")


def load_dataset(
    name: str, dtype: Any, seed: int, data_dir: str | None = None, allow_pickle: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test) for a dataset name of the CLI."""
    if name == "digits":
        return datasets.load_digits(dtype=dtype)
    if name == "fashion-mnist":
        return datasets.load_fashion_mnist(dtype=dtype, path=data_dir)
    if name == "mnist":
        if data_dir is None:
            raise ValueError("--dataset mnist needs --data-dir (IDX directory or mnist.pkl.gz)")
        return datasets.load_mnist(data_dir, allow_pickle=allow_pickle, dtype=dtype)
    if name == "moons":
        X, y = datasets.make_moons(1000, noise=0.2, seed=seed)
    elif name == "spheres":
        X, y = datasets.make_spheres(100, seed=seed)
    else:
        raise ValueError(f"unknown dataset {name!r}; choose one of {DATASETS}")
    return datasets.train_test_split(X.astype(dtype), y, 0.2, seed=seed)


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    p = argparse.ArgumentParser(
        prog="python -m nn.train",
        description="Train an MLP or a logistic regression on a bundled or installed dataset "
        "and print, per epoch, the training loss, train/test accuracy and seconds.",
        epilog="Recommended for Fashion-MNIST (>= 89.5% test accuracy): --dataset "
        "fashion-mnist --model mlp --hidden 256 128 --epochs 20 --batch-size 64 "
        "--optimizer adam --lr 1e-3 --lr-decay 0.85",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="train an MLP on the bundled digits (takes seconds) and report accuracy",
    )
    p.add_argument(
        "--dataset",
        choices=DATASETS,
        default="digits",
        help="digits: scikit-learn's 8x8 digits; fashion-mnist: the Debian package "
        "dataset-fashion-mnist; mnist: IDX dir or mnist.pkl.gz given by --data-dir; "
        "moons, spheres: 2-class toy sets (default: digits)",
    )
    p.add_argument(
        "--data-dir", default=None, help="directory (or mnist.pkl.gz) to read (fashion-)MNIST from"
    )
    p.add_argument(
        "--allow-pickle",
        action="store_true",
        help="allow reading Nielsen's mnist.pkl.gz (a pickle: only if you trust it)",
    )
    p.add_argument(
        "--model",
        choices=("mlp", "logreg"),
        default="mlp",
        help="mlp: ReLU MLP giving logits; logreg: (softmax) logistic regression",
    )
    p.add_argument(
        "--hidden",
        type=int,
        nargs="*",
        default=[128],
        help="hidden layer sizes of the MLP (default: 128)",
    )
    p.add_argument(
        "--activation",
        choices=("relu", "tanh", "sigmoid"),
        default="relu",
        help="hidden-layer activation of the MLP (default: relu)",
    )
    p.add_argument("--epochs", type=int, default=10, help="passes over the data (default: 10)")
    p.add_argument("--batch-size", type=int, default=64, help="rows per step (default: 64)")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="adam", help="(default: adam)")
    p.add_argument(
        "--lr", type=float, default=None, help="learning rate (default: 1e-3 for adam, 0.1 for sgd)"
    )
    p.add_argument(
        "--lr-decay",
        type=float,
        default=1.0,
        metavar="GAMMA",
        help="multiply the learning rate by GAMMA after every epoch (default: 1, constant)",
    )
    p.add_argument("--momentum", type=float, default=0.0, help="SGD momentum")
    p.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty")
    p.add_argument(
        "--dtype",
        choices=("float32", "float64"),
        default="float32",
        help="dtype of data, parameters and gradients (default: float32)",
    )
    p.add_argument("--seed", type=int, default=0, help="seeds init, shuffling and toy data")
    p.add_argument(
        "--save",
        default=None,
        metavar="PATH",
        help="write the trained parameters to PATH (.npz; read with nn.load)",
    )
    p.add_argument("--quiet", action="store_true", help="print only the final result")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS threads while training (default 1: small matrix products run faster on "
        "one thread than spread over a few busy cores; 0 = the library default; needs "
        "threadpoolctl, which scikit-learn installs, else ignored)",
    )
    return p


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Train as the parsed CLI arguments say; return the history and final accuracies."""
    dtype = np.dtype(args.dtype)
    manual_seed(args.seed)
    X_train, y_train, X_test, y_test = load_dataset(
        args.dataset, dtype, args.seed, args.data_dir, args.allow_pickle
    )
    n_features = X_train.shape[1]
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    binary = n_classes == 2
    n_out = 1 if binary else n_classes
    if args.model == "mlp":
        model: Module = MLP(n_features, args.hidden, n_out, args.activation, dtype=dtype)
    else:
        model = LogisticRegression(n_features, n_out, dtype=dtype)

    if binary:

        def loss_fn(out: Tensor, y: np.ndarray) -> Tensor:
            return F.binary_cross_entropy_with_logits(out.reshape(-1), y.astype(dtype))
    else:
        loss_fn = F.cross_entropy

    if args.optimizer == "adam":
        optimizer: Optimizer = Adam(
            model.parameters(), lr=args.lr or 1e-3, weight_decay=args.weight_decay
        )
    else:
        optimizer = SGD(
            model.parameters(),
            lr=args.lr or 0.1,
            momentum=args.momentum,
            weight_decay=args.weight_decay,
        )
    loader = DataLoader(X_train, y_train, args.batch_size, shuffle=True, seed=args.seed)
    if not args.quiet:
        size = (
            "-".join(map(str, [n_features, *args.hidden, n_out]))
            if args.model == "mlp"
            else f"{n_features}-{n_out}"
        )
        print(
            f"{args.dataset}: {len(X_train)} train / {len(X_test)} test rows, "
            f"{args.model} {size}, {args.optimizer} lr {optimizer.lr:g}, "
            f"batch {args.batch_size}, {dtype.name}",
            flush=True,
        )

    def decay_lr(epoch: int, logs: dict[str, float]) -> None:
        optimizer.lr *= args.lr_decay

    start = time.perf_counter()
    history = fit(
        model,
        loss_fn,
        optimizer,
        loader,
        args.epochs,
        val_data=(X_test, y_test),
        callbacks=[decay_lr],
        verbose=not args.quiet,
    )
    total = time.perf_counter() - start
    final = {
        "train_accuracy": evaluate(model, X_train, y_train)["accuracy"],
        "test_accuracy": evaluate(model, X_test, y_test)["accuracy"],
    }
    print(
        f"final: train acc {100 * final['train_accuracy']:.2f}%  "
        f"test acc {100 * final['test_accuracy']:.2f}%  ({total:.1f} s)",
        flush=True,
    )
    if args.save:
        save(model, args.save)
        print(f"saved parameters to {args.save}")
    return {"history": history, "model": model, **final}


@contextlib.contextmanager
def _blas_threads(threads: int) -> Iterator[None]:
    """Limit BLAS to ``threads`` threads inside the block (0, or no threadpoolctl: no limit)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threads = 0
    if threads <= 0:
        yield
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        yield


def main(argv: Sequence[str] | None = None) -> int:
    """The CLI entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.demo:
        # The bundled digits with a small MLP: about a second, about 98% test accuracy.
        args.dataset, args.model, args.hidden, args.optimizer = "digits", "mlp", [256], "adam"
        args.epochs, args.batch_size, args.lr, args.dtype = 40, 32, 1e-3, "float64"
        print(
            "demo: python -m nn.train --dataset digits --model mlp --hidden 256 "
            "--epochs 40 --batch-size 32 --optimizer adam --lr 1e-3 --dtype float64"
        )
    try:
        with _blas_threads(args.threads):
            run(args)
    except (FileNotFoundError, ValueError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
