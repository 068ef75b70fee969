"""CNN benchmark: the Fashion-MNIST CNN recipe of issue 14, ours against PyTorch (CPU).

Run: ``python benchmarks/bench_cnn.py`` (one full epoch each, ~1 min per contender on an idle
core), ``--images 6400`` (time a subset and extrapolate to the 60,000 images of an epoch),
``--accuracy`` (train ours for ``--epochs`` full epochs, 10 by default, and report the test
accuracy after each; target >= 91.5% within 10 epochs).

Recipe (``python -m nn --dataset fashion-mnist --model cnn``): Conv2d(1,32,3,p=1)-ReLU-
MaxPool2d(2)-Conv2d(32,64,3,p=1)-ReLU-MaxPool2d(2)-Flatten-Linear(3136,128)-ReLU-
Linear(128,10), Adam lr 1e-3, batch 64, float32. Both contenders run in the same process
with one BLAS / torch thread (``nn.cli.limit_blas_threads(1)``, ``torch.set_num_threads(1)``),
start from the same weights (ours copied into torch) and see the same batches in the same
order; their epochs alternate, so both see the same machine. Target: our epoch at most 1.2x
PyTorch's. PyTorch (2.13 in ``make bench-compare``) is optional: without it only our times
are printed.

After the timed epochs, a few batches run again with each layer timed (forward and backward
per layer type), to show where the time goes; those instrumented batches are not part of the
epoch times.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402

import nn  # noqa: E402
from autograd_core import calculus  # noqa: E402
from nn import functional as F  # noqa: E402
from nn.cli import limit_blas_threads  # noqa: E402
from nn.datasets import load_fashion_mnist  # noqa: E402
from nn.train import evaluate  # noqa: E402

EPOCH_IMAGES = 60_000
LAYERS = ("Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "loss")


def batches(n: int, batch_size: int, seed: int) -> list[np.ndarray]:
    """The index batches of one shuffled pass, the same for both contenders."""
    order = np.random.default_rng(seed).permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


# --- ours -------------------------------------------------------------------------------------


def ours_epoch(model: nn.Module, opt: nn.optim.Optimizer, X, y, idx_batches) -> float:
    start = time.perf_counter()
    model.train()
    for idx in idx_batches:
        opt.zero_grad()
        loss = F.cross_entropy(model(X[idx]), y[idx])
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def _layer_of_op(op: str, args: tuple) -> str:
    """The layer type whose backward pass a rule call belongs to (for the breakdown)."""
    g = args[0]
    if op in ("conv2d", "conv2d_input_grad", "conv2d_weight_grad"):
        return "Conv2d"
    if op == "add":
        return "Conv2d" if g.ndim == 4 else "Linear"
    if op == "reshape":
        return "Flatten" if args[2].ndim == 4 else "Conv2d"  # else: the bias's reshape
    return {"relu": "ReLU", "max_pool2d": "MaxPool2d", "matmul": "Linear",
            "cross_entropy": "loss"}.get(op, op)


def ours_breakdown(model: nn.Module, opt, X, y, idx_batches) -> dict[str, list[float]]:
    """Seconds per layer type, [forward, backward], over the given batches."""
    times: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    originals: dict[object, Callable] = {}
    for m in model.modules():
        name = type(m).__name__
        if name not in LAYERS:
            continue
        forward = m.forward

        def timed(x, _f=forward, _n=name):
            t = time.perf_counter()
            out = _f(x)
            times[_n][0] += time.perf_counter() - t
            return out

        originals[m] = forward
        object.__setattr__(m, "forward", timed)
    rules = dict(calculus.RULES)

    def wrap(op: str, rule: Callable) -> Callable:
        def timed_rule(*args):
            t = time.perf_counter()
            out = rule(*args)
            times[_layer_of_op(op, args)][1] += time.perf_counter() - t
            return out

        return timed_rule

    for op, vjps in rules.items():
        if isinstance(vjps, tuple):
            calculus.RULES[op] = tuple(wrap(op, v) for v in vjps)
    total_backward = 0.0
    try:
        for idx in idx_batches:
            opt.zero_grad()
            out = model(X[idx])
            t = time.perf_counter()
            loss = F.cross_entropy(out, y[idx])
            times["loss"][0] += time.perf_counter() - t
            t = time.perf_counter()
            loss.backward()
            total_backward += time.perf_counter() - t
            t = time.perf_counter()
            opt.step()
            times["optimizer step"][0] += time.perf_counter() - t
    finally:
        calculus.RULES.update(rules)
        for m in originals:
            del m.__dict__["forward"]
    times["engine (graph walk, accumulation)"][1] = total_backward - sum(
        v[1] for v in times.values()
    )
    return times


# --- PyTorch ----------------------------------------------------------------------------------


def torch_model(torch, ours: nn.CNN):
    """The same CNN in torch, with our initial weights copied in (Linear transposed)."""
    m = torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(3136, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    )
    state = ours.state_dict()
    names = {"0": "features.0", "3": "features.3", "7": "classifier.0", "9": "classifier.2"}
    with torch.no_grad():
        for t_name, o_name in names.items():
            w = state[f"{o_name}.weight"]
            m.get_submodule(t_name).weight.copy_(torch.from_numpy(w.T.copy() if w.ndim == 2
                                                                  else w))
            m.get_submodule(t_name).bias.copy_(torch.from_numpy(state[f"{o_name}.bias"]))
    return m


def torch_epoch(torch, model, opt, Xt, yt, idx_batches) -> float:
    start = time.perf_counter()
    model.train()
    for idx in idx_batches:
        i = torch.from_numpy(idx)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(Xt[i]), yt[i])
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def torch_breakdown(torch, model, opt, Xt, yt, idx_batches) -> dict[str, list[float]]:
    times: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    starts: dict[int, float] = {}
    handles = []
    for m in model.modules():
        name = type(m).__name__
        if name not in LAYERS:
            continue

        def pre(mod, *_):
            starts[id(mod)] = time.perf_counter()

        def post(mod, *_, _n=name):
            times[_n][0] += time.perf_counter() - starts[id(mod)]

        def bpre(mod, *_):
            starts[-id(mod)] = time.perf_counter()

        def bpost(mod, *_, _n=name):
            times[_n][1] += time.perf_counter() - starts[-id(mod)]

        handles += [m.register_forward_pre_hook(pre), m.register_forward_hook(post),
                    m.register_full_backward_pre_hook(bpre),
                    m.register_full_backward_hook(bpost)]
    try:
        warnings.filterwarnings("ignore", "Full backward hook is firing")  # the first conv
        for idx in idx_batches:
            i = torch.from_numpy(idx)
            opt.zero_grad()
            out = model(Xt[i])
            t = time.perf_counter()
            loss = torch.nn.functional.cross_entropy(out, yt[i])
            times["loss"][0] += time.perf_counter() - t
            t = time.perf_counter()
            loss.backward()
            total = time.perf_counter() - t
            times["(backward total)"][1] += total
            t = time.perf_counter()
            opt.step()
            times["optimizer step"][0] += time.perf_counter() - t
    finally:
        for h in handles:
            h.remove()
    return times


# --- report -----------------------------------------------------------------------------------


def print_breakdown(ours: dict, theirs: dict | None, n_batches: int) -> None:
    print(f"\nper-layer time, ms per batch of 64 (mean over {n_batches} instrumented batches; "
          "forward / backward):")
    header = f"  {'layer':<36}{'ours fwd':>10}{'ours bwd':>10}"
    if theirs is not None:
        header += f"{'torch fwd':>11}{'torch bwd':>11}"
    print(header)
    keys = list(dict.fromkeys([*LAYERS, *ours, *(theirs or {})]))
    for k in keys:
        o = ours.get(k, [0.0, 0.0])
        line = f"  {k:<36}{1e3 * o[0] / n_batches:>10.2f}{1e3 * o[1] / n_batches:>10.2f}"
        if theirs is not None:
            t = theirs.get(k, [0.0, 0.0])
            line += f"{1e3 * t[0] / n_batches:>11.2f}{1e3 * t[1] / n_batches:>11.2f}"
        print(line)
    if theirs is not None:
        print("  (torch's per-module backward times come from backward hooks; the rest of its "
              "backward total is autograd's own work)")


def speed(args: argparse.Namespace) -> None:
    X, y, _, _ = load_fashion_mnist(flatten=False)
    n = min(args.images, len(X))
    X, y = X[:n], y[:n]
    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch not installed: timing ours only (make bench-compare installs torch)")
    model = nn.CNN(seed=args.seed)
    opt = nn.optim.Adam(model.parameters(), lr=1e-3)
    if torch is not None:
        torch.set_num_threads(1)
        torch.manual_seed(args.seed)
        tmodel = torch_model(torch, model)
        topt = torch.optim.Adam(tmodel.parameters(), lr=1e-3)
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} thread")
    print(f"{n} images per timed epoch, batch {args.batch_size}, {args.rounds} round(s), "
          f"extrapolated to {EPOCH_IMAGES} images")
    ours_t, torch_t = [], []
    for r in range(args.rounds):
        idx_batches = batches(n, args.batch_size, args.seed + r)
        ours_t.append(ours_epoch(model, opt, X, y, idx_batches) * EPOCH_IMAGES / n)
        line = f"  round {r + 1}: ours {ours_t[-1]:6.1f} s/epoch"
        if torch is not None:
            torch_t.append(torch_epoch(torch, tmodel, topt, Xt, yt, idx_batches)
                           * EPOCH_IMAGES / n)
            line += f"   torch {torch_t[-1]:6.1f} s/epoch   ratio {ours_t[-1] / torch_t[-1]:.2f}"
        print(line, flush=True)
    if torch is not None:
        print(f"epoch (extrapolated): ours {min(ours_t):.1f} s, torch {min(torch_t):.1f} s; "
              f"ratio ours/torch {min(ours_t) / min(torch_t):.2f} (best epochs), "
              f"{statistics.median(ours_t) / statistics.median(torch_t):.2f} (medians); "
              "target <= 1.2")
    probe = batches(n, args.batch_size, args.seed + 99)[: args.profile_batches]
    ours_times = ours_breakdown(model, opt, X, y, probe)
    theirs = torch_breakdown(torch, tmodel, topt, Xt, yt, probe) if torch is not None else None
    print_breakdown(ours_times, theirs, len(probe))


def accuracy(args: argparse.Namespace) -> None:
    X, y, X_test, y_test = load_fashion_mnist(flatten=False)
    model = nn.CNN(seed=args.seed)
    opt = nn.optim.Adam(model.parameters(), lr=1e-3)
    print(f"ours: {args.epochs} epochs of the CNN recipe on {len(X)} images, test on "
          f"{len(X_test)}")
    reached = None
    for epoch in range(1, args.epochs + 1):
        seconds = ours_epoch(model, opt, X, y, batches(len(X), args.batch_size,
                                                       args.seed + epoch))
        acc = evaluate(model, X_test, y_test, batch_size=256)["accuracy"]
        if reached is None and acc >= 0.915:
            reached = epoch
        print(f"  epoch {epoch:2d}: test accuracy {100 * acc:.2f}%  ({seconds:.0f} s)",
              flush=True)
    print(f"target >= 91.5% within 10 epochs: "
          f"{'reached at epoch ' + str(reached) if reached else 'not reached'}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=int, default=EPOCH_IMAGES,
                   help="images per timed epoch (extrapolated to 60,000; default: all)")
    p.add_argument("--rounds", type=int, default=1, help="timed epochs per contender")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--profile-batches", type=int, default=20,
                   help="instrumented batches for the per-layer breakdown")
    p.add_argument("--accuracy", action="store_true",
                   help="train ours on the full data and report test accuracy per epoch")
    p.add_argument("--epochs", type=int, default=10, help="epochs of --accuracy (default 10)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    print(limit_blas_threads(1))
    if args.accuracy:
        accuracy(args)
    else:
        speed(args)


if __name__ == "__main__":
    main()
