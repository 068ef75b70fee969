"""The command line: train an MLP or a logistic regression on a dataset, from the shell.

``python -m nn --help`` lists every flag; ``python -m nn.train`` takes the same flags.
Examples::

    python -m nn --demo
    python -m nn --dataset fashion-mnist --model mlp --hidden 128 --epochs 10 \\
        --batch-size 64 --optimizer adam --lr 1e-3
    python -m nn --dataset fashion-mnist --hidden 256 128 --epochs 20 --lr-decay 0.85
    python -m nn --dataset moons --model mlp --hidden 16 16 --epochs 50
    python -m nn --dataset fashion-mnist --epochs 20 --checkpoint run.npz   # Ctrl-C, then:
    python -m nn --dataset fashion-mnist --epochs 20 --checkpoint run.npz --resume run.npz

The same from Python: ``nn.cli.main(["--dataset", "moons", "--epochs", "5"])`` returns the
exit status; ``run(build_parser().parse_args(...))`` returns the history and the model.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import numpy as np

from autograd_core import Tensor

from . import datasets
from . import functional as F
from .data import DataLoader
from .layers import CNN
from .module import MLP, LogisticRegression, Module, manual_seed
from .optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from .optim.lr_scheduler import ExponentialLR
from .serialization import save, unwritable
from .train import evaluate, fit

__all__ = [
    "DATASETS",
    "DEMO",
    "build_parser",
    "validate_args",
    "limit_blas_threads",
    "load_dataset",
    "main",
    "run",
]

#: The command named in ``--help`` and in the demo's echo of its flags.
PROG = "python -m nn"

#: Where Ctrl-C saves the run when no ``--checkpoint`` is given (current directory).
INTERRUPT_CHECKPOINT = "nn-interrupted.npz"

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
    return datasets.split_train_test(X.astype(dtype), y, 0.2, seed=seed)


class _Parser(argparse.ArgumentParser):
    """argparse with errors on one line (``prog: error: ...``, exit status 2), no usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The CLI's argument parser; ``prog`` is the command shown in ``--help``."""
    p = _Parser(
        prog=prog,
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
        choices=("mlp", "logreg", "cnn"),
        default="mlp",
        help="mlp: ReLU MLP giving logits; logreg: (softmax) logistic regression; cnn: "
        "conv32-pool-conv64-pool-128 CNN (nn.CNN) on the images of digits, fashion-mnist "
        "or mnist",
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
    p.add_argument(
        "--optimizer", choices=tuple(OPTIMIZERS), default="adam", help="(default: adam)"
    )
    p.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate (default: "
        + ", ".join(f"{lr:g} for {name}" for name, (_, lr) in OPTIMIZERS.items())
        + ")",
    )
    p.add_argument(
        "--lr-decay",
        type=float,
        default=1.0,
        metavar="GAMMA",
        help="multiply the learning rate by GAMMA after every epoch (default: 1, constant)",
    )
    p.add_argument("--momentum", type=float, default=0.0, help="momentum (sgd, rmsprop)")
    p.add_argument(
        "--weight-decay",
        type=float,
        default=None,
        help="L2 penalty; decoupled for adamw (default: 0, 0.01 for adamw)",
    )
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
    p.add_argument(
        "--checkpoint",
        default=None,
        metavar="PATH",
        help="write a checkpoint (model, optimizer, schedule, data order, progress) to PATH "
        "after every epoch and on Ctrl-C",
    )
    p.add_argument(
        "--resume",
        default=None,
        metavar="PATH",
        help="continue the run saved in the checkpoint PATH (give the same flags; --epochs "
        "counts the epochs already done)",
    )
    p.add_argument("--quiet", action="store_true", help="print only the final result")
    p.add_argument(
        "--limit",
        type=int,
        default=0,
        metavar="N",
        help="use only the first N training and N test rows (quick trials; default: all)",
    )
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
    elif args.model == "cnn":
        side = int(round(np.sqrt(n_features)))
        if side * side != n_features or side < 4:
            raise ValueError(
                f"--model cnn needs square images (digits, fashion-mnist, mnist); "
                f"{args.dataset} has {n_features} features per row"
            )
        X_train = X_train.reshape(-1, 1, side, side)
        X_test = X_test.reshape(-1, 1, side, side)
        model = CNN(1, n_out, side, dtype=dtype)
    else:
        model = LogisticRegression(n_features, n_out, dtype=dtype)
    if args.limit:
        X_train, y_train = X_train[: args.limit], y_train[: args.limit]
        X_test, y_test = X_test[: args.limit], y_test[: args.limit]

    loss_fn: Callable[[Tensor, np.ndarray], Tensor]
    if binary:

        def loss_fn(out: Tensor, y: np.ndarray) -> Tensor:
            return F.binary_cross_entropy_with_logits(out.reshape(-1), y.astype(dtype))
    else:
        loss_fn = F.cross_entropy

    optimizer = make_optimizer(args, model.parameters())
    loader = DataLoader(X_train, y_train, args.batch_size, shuffle=True, seed=args.seed)
    if not args.quiet:
        if args.model == "mlp":
            size = "-".join(map(str, [n_features, *args.hidden, n_out]))
        elif args.model == "cnn":
            size = f"{'x'.join(map(str, X_train.shape[1:]))}-conv32-conv64-128-{n_out}"
        else:
            size = f"{n_features}-{n_out}"
        print(
            f"{args.dataset}: {len(X_train)} train / {len(X_test)} test rows, "
            f"{args.model} {size}, {args.optimizer} lr {optimizer.lr:g}, "
            f"batch {args.batch_size}, {dtype.name}",
            flush=True,
        )

    # --lr-decay as a schedule (lr_0 * gamma^epoch), so that a checkpoint holds it
    scheduler = ExponentialLR(optimizer, gamma=args.lr_decay)
    if args.resume and not args.quiet:
        print(f"resuming from {args.resume}", flush=True)
    interrupt_path = args.checkpoint or INTERRUPT_CHECKPOINT
    start = time.perf_counter()
    try:
        history = fit(
            model,
            loss_fn,
            optimizer,
            loader,
            args.epochs,
            val_data=(X_test, y_test),
            verbose=not args.quiet,
            scheduler=scheduler,
            checkpoint=args.checkpoint,
            resume=args.resume,
            interrupt_checkpoint=interrupt_path,
        )
    except KeyboardInterrupt as exc:
        saved = getattr(exc, "checkpoint", None)
        if saved is not None:
            print(
                f"interrupted: checkpoint saved to {saved}; continue with the same "
                f"flags and --resume {saved}",
                file=sys.stderr,
                flush=True,
            )
        raise
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


class limit_blas_threads:  # lower case: called like a function, as threadpoolctl's own is
    """Limit BLAS to ``threads`` threads, from now on; ``str()`` says what was set.

    ``threads <= 0`` leaves the library default, and so does a missing threadpoolctl (which
    scikit-learn installs). Used as a context manager, the previous limits come back at the
    end of the block (``with limit_blas_threads(1): ...``); called alone, the limit holds for
    the rest of the process (``print(limit_blas_threads(1))`` prints ``BLAS threads: 1``),
    as the benchmarks use it.

    Small matrix products run faster on one thread than spread over a few busy cores, and
    on a small shared VM multithreaded OpenBLAS swings a timing by 10x from one call to the
    next; a fixed thread count gives every contender the same, steadier machine.
    """

    def __init__(self, threads: int) -> None:
        self._limiter: Any = None
        if threads <= 0:
            self.description = "BLAS threads: library default"
            return
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            self.description = "BLAS threads: library default (threadpoolctl not installed)"
            return
        self._limiter = threadpool_limits(limits=threads, user_api="blas")
        self.description = f"BLAS threads: {threads}"

    def restore(self) -> None:
        """Put back the limits in force before this one (no-op when nothing was set)."""
        if self._limiter is not None:
            self._limiter.restore_original_limits()
            self._limiter = None

    def __enter__(self) -> limit_blas_threads:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.restore()

    def __str__(self) -> str:
        return self.description

    def __repr__(self) -> str:
        return f"<limit_blas_threads: {self.description}>"


#: --optimizer -> (the optimizer, its default learning rate: PyTorch's, 0.1 for SGD)
OPTIMIZERS: dict[str, tuple[type[Optimizer], float]] = {
    "sgd": (SGD, 0.1),
    "adam": (Adam, 1e-3),
    "adamw": (AdamW, 1e-3),
    "rmsprop": (RMSprop, 1e-2),
    "adagrad": (Adagrad, 1e-2),
}
#: the --optimizer choices that take --momentum
WITH_MOMENTUM = ("sgd", "rmsprop")


def make_optimizer(args: argparse.Namespace, params: Any) -> Optimizer:
    """The optimizer ``--optimizer`` names, with ``--lr`` (or its default), ``--weight-decay``
    if given (else the optimizer's own default) and ``--momentum`` where it applies."""
    kind, default_lr = OPTIMIZERS[args.optimizer]
    settings: dict[str, Any] = {"lr": default_lr if args.lr is None else args.lr}
    if args.weight_decay is not None:
        settings["weight_decay"] = args.weight_decay
    if args.optimizer in WITH_MOMENTUM:
        settings["momentum"] = args.momentum
    return kind(params, **settings)


#: What ``--demo`` runs: the bundled digits with a small MLP, about a second, ~98% test
#: accuracy. These are defaults: flags given with ``--demo`` override them.
DEMO = {
    "dataset": "digits",
    "model": "mlp",
    "hidden": [256],
    "epochs": 40,
    "batch_size": 32,
    "optimizer": "adam",
    "lr": 1e-3,
    "dtype": "float64",
}


def _positive(name: str, value: float | None, allow_zero: bool = False) -> str | None:
    """A message when ``value`` is not a finite number > 0 (>= 0 with allow_zero)."""
    if value is None or (math.isfinite(value) and (value > 0 or (allow_zero and value == 0))):
        return None
    bound = ">= 0" if allow_zero else "> 0"
    return f"{name} must be a finite number {bound}, got {value:g}"


#: flags that only mean something with another flag's value: (flag, dest, applies, needs)
_ONLY_WITH: tuple[tuple[str, str, Callable[[argparse.Namespace], bool], str], ...] = (
    ("--hidden", "hidden", lambda a: a.model == "mlp", "--model mlp"),
    ("--activation", "activation", lambda a: a.model == "mlp", "--model mlp"),
    ("--momentum", "momentum", lambda a: a.optimizer in WITH_MOMENTUM,
     "--optimizer " + " or ".join(WITH_MOMENTUM)),
    (
        "--data-dir",
        "data_dir",
        lambda a: a.dataset in ("fashion-mnist", "mnist"),
        "--dataset fashion-mnist or mnist",
    ),
    ("--allow-pickle", "allow_pickle", lambda a: a.dataset == "mnist", "--dataset mnist"),
)


def validate_args(args: argparse.Namespace, given: set[str] | None = None) -> None:
    """Reject values that would train nonsense or fail only after training; raises
    ``ValueError`` naming the flag and the value. ``--save`` and ``--checkpoint`` are checked
    here, before training: their directory must exist and be writable, they must not be a
    directory or the same file; ``--resume`` must be an existing file. ``given`` (the dests
    of the flags on the command line, from ``main``) also rejects a flag that the other
    flags make meaningless (``--momentum`` with ``--optimizer adam``), which would
    otherwise be ignored silently."""
    problems = [
        _positive("--lr", args.lr),
        _positive("--lr-decay", args.lr_decay),
        _positive("--weight-decay", args.weight_decay, allow_zero=True),
        _positive("--momentum", args.momentum, allow_zero=True),
    ]
    if args.lr is not None and args.lr > float(np.finfo(args.dtype).max):
        problems.append(f"--lr {args.lr:g} does not fit in --dtype {args.dtype}")
    if args.epochs < 1:
        problems.append(f"--epochs must be >= 1, got {args.epochs}")
    if args.batch_size < 1:
        problems.append(f"--batch-size must be >= 1, got {args.batch_size}")
    if not 0 <= args.momentum < 1:
        problems.append(f"--momentum must be in [0, 1), got {args.momentum:g}")
    bad_hidden = [h for h in args.hidden if h < 1]
    if args.model == "mlp" and not args.hidden:
        problems.append("--hidden needs at least one size (--model logreg has no hidden layer)")
    if args.model == "mlp" and bad_hidden:
        problems.append(f"--hidden sizes must be >= 1, got {' '.join(map(str, args.hidden))}")
    if args.threads < 0:
        problems.append(f"--threads must be >= 0 (0 = library default), got {args.threads}")
    if args.seed < 0:
        problems.append(f"--seed must be >= 0, got {args.seed}")
    if args.limit < 0:
        problems.append(f"--limit must be >= 0 (0 = all rows), got {args.limit}")
    for flag, dest, applies, needs in _ONLY_WITH:
        if given is not None and dest in given and not applies(args):
            problems.append(f"{flag} applies only with {needs}; it would be ignored here")
    problem = next((p for p in problems if p), None)
    if problem:
        raise ValueError(problem)
    for flag, path in (("--save", args.save), ("--checkpoint", args.checkpoint)):
        reason = None if path is None else unwritable(path)
        if reason is not None:
            raise ValueError(f"{flag} {path}: {reason}")
    if args.resume is not None and not os.path.isfile(args.resume):
        reason = "is a directory" if os.path.isdir(args.resume) else "no such file"
        raise ValueError(f"--resume {args.resume}: {reason}; give the checkpoint file")
    for flag, other in (("--checkpoint", args.checkpoint), ("--resume", args.resume)):
        if args.save and other and os.path.realpath(args.save) == os.path.realpath(other):
            raise ValueError(
                f"--save {args.save} is also the {flag} checkpoint: the parameters would "
                "overwrite it; give --save another file"
            )


def _given(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> set[str]:
    """The dests of the flags given on the command line: argparse fills in a default only
    for an attribute the namespace does not have yet, so a namespace pre-filled with a
    marker keeps the marker exactly where nothing was given."""
    marker = object()
    dests = vars(parser.parse_args([])).keys()
    namespace = argparse.Namespace(**dict.fromkeys(dests, marker))
    return {k for k, v in vars(parser.parse_args(argv, namespace)).items() if v is not marker}


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    """The CLI entry point; returns the exit status. ``prog`` names the command in messages.

    Every error is one line on stderr and exit status 2. Output piped into a program that
    stops reading (``| head``) ends the run quietly with status 141, as SIGPIPE would."""
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
        given = _given(parser, argv)
        if args.demo:
            parser.set_defaults(**DEMO)  # explicit flags still win
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a parse error already printed on one line
        return exc.code if isinstance(exc.code, int) else 2
    try:
        validate_args(args, given)
        if args.demo:
            hidden = " ".join(map(str, args.hidden))
            print(
                f"demo: {prog} --dataset {args.dataset} --model {args.model} --hidden {hidden} "
                f"--epochs {args.epochs} --batch-size {args.batch_size} --optimizer "
                f"{args.optimizer} --lr {args.lr:g} --dtype {args.dtype}"
            )
        with limit_blas_threads(args.threads):
            run(args)
    except KeyboardInterrupt:
        return 130  # 128 + SIGINT, as a shell reports a process stopped by Ctrl-C
    except BrokenPipeError:
        # Python flushes stdout again at exit: point it at devnull so that flush is silent too
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (OSError, ValueError, ImportError) as exc:
        message = " ".join(str(exc).split())  # one line, whatever the library said
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
    return 0
