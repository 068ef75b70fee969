"""Tensor engine benchmarks: per-op overhead on tiny tensors, and an MLP training step.

Run: ``python benchmarks/bench_tensor.py`` (``--quick`` for fewer repeats). Every reference is
measured in the same run on the same machine, and only ratios are reported as targets:

1. A chain of 1000 elementwise ops (y*0.1, y+0.1, exp(y), cycling) on shape (10,) float64,
   then sum and backward: microseconds per op, forward + backward, for our Tensor, HIPS
   autograd (if installed), PyTorch (if ``torch==2.13.0`` is installed) and plain numpy
   (forward only). Target: ours / torch <= 1.0.
   The same chain written with numpy's functions (np.multiply, np.add, np.exp) on Tensors,
   timed alternately with the method chain: the cost of the ``__array_ufunc__`` path.
   Target: at most 1 us/op more than the methods.
2. A 784-128-10 MLP (relu, softmax cross-entropy, batch 128, float32) forward + backward,
   against the same computation written by hand in numpy. Target: ours / numpy <= 1.15.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from autograd_core import Tensor  # noqa: E402
from nn.cli import limit_blas_threads  # noqa: E402

CHAIN = 1000


def _median_times(fns: list[Callable[[], object]], repeats: int, warmup: int = 1) -> list[float]:
    """Median wall time in seconds of each of ``fns`` over ``repeats`` rounds, after
    ``warmup`` untimed rounds. Within a round the functions run one after the other, so drifts
    in machine load hit all of them alike; the cycle collector is paused while timing."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for fn, fn_times in zip(fns, times):
                t0 = time.perf_counter()
                fn()
                fn_times.append(time.perf_counter() - t0)
    finally:
        if gc_was_enabled:
            gc.enable()
    return [statistics.median(t) for t in times]


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs (after one warm-up), in seconds."""
    return _median_times([fn], repeats)[0]


# --- 1. per-op overhead ----------------------------------------------------------------------


def _chain(y, exp):
    """y*0.1, y+0.1, exp(y), cycling: stays in (1, 1.2), so exp never overflows."""
    for i in range(CHAIN):
        k = i % 3
        if k == 0:
            y = y * 0.1
        elif k == 1:
            y = y + 0.1
        else:
            y = exp(y)
    return y


def chain_ours(x0: np.ndarray) -> Callable[[], object]:
    def run():
        x = Tensor(x0, requires_grad=True)
        _chain(x, Tensor.exp).sum().backward()
        return x.grad

    return run


def _np_chain(y):
    """The chain of ``_chain`` spelled with numpy's ufuncs (np.multiply, np.add, np.exp)."""
    for i in range(CHAIN):
        k = i % 3
        if k == 0:
            y = np.multiply(y, 0.1)
        elif k == 1:
            y = np.add(y, 0.1)
        else:
            y = np.exp(y)
    return y


def chain_ours_numpy_api(x0: np.ndarray) -> Callable[[], object]:
    """``_chain`` through np.* on Tensors (Tensor.__array_ufunc__)."""

    def run():
        x = Tensor(x0, requires_grad=True)
        _np_chain(x).sum().backward()
        return x.grad

    return run


def chain_numpy(x0: np.ndarray) -> Callable[[], object]:
    def run():
        return _chain(x0, np.exp).sum()

    return run


def chain_hips(x0: np.ndarray) -> Callable[[], object] | None:
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None
    g = autograd.grad(lambda x: anp.sum(_chain(x, anp.exp)))
    return lambda: g(x0)


def chain_torch(x0: np.ndarray) -> Callable[[], object] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)

    def run():
        x = torch.tensor(x0, requires_grad=True)
        _chain(x, torch.exp).sum().backward()
        return x.grad

    return run


# --- 2. MLP --------------------------------------------------------------------------------


def mlp_setup(batch: int = 128, seed: int = 0):
    rng = np.random.default_rng(seed)
    f32 = np.float32
    X = rng.standard_normal((batch, 784)).astype(f32)
    labels = rng.integers(0, 10, batch)
    W1 = (rng.standard_normal((784, 128)) * np.sqrt(2 / 784)).astype(f32)
    b1 = np.zeros(128, f32)
    W2 = (rng.standard_normal((128, 10)) * np.sqrt(2 / 128)).astype(f32)
    b2 = np.zeros(10, f32)
    return X, labels, [W1, b1, W2, b2]


def mlp_numpy(X, labels, params):
    """Forward and backward by hand: the reference the engine is measured against."""
    W1, b1, W2, b2 = params
    n = X.shape[0]
    rows = np.arange(n)

    def step():
        h_pre = X @ W1 + b1
        h = np.maximum(h_pre, 0)
        logits = h @ W2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        log_probs = shifted - np.log(s)
        loss = -log_probs[rows, labels].mean()
        d_logits = e / s
        d_logits[rows, labels] -= 1
        d_logits *= 1.0 / n
        dW2 = h.T @ d_logits
        db2 = d_logits.sum(axis=0)
        dh = d_logits @ W2.T
        dh_pre = dh * (h_pre > 0)  # the fast idiom (np.where is ~3x slower here)
        dW1 = X.T @ dh_pre
        db1 = dh_pre.sum(axis=0)
        return loss, (dW1, db1, dW2, db2)

    return step


def mlp_ours(X, labels, params):
    W1, b1, W2, b2 = (Tensor(p.copy(), requires_grad=True) for p in params)
    x = Tensor(X)
    onehot = np.zeros((X.shape[0], 10), np.float32)
    onehot[np.arange(X.shape[0]), labels] = 1.0 / X.shape[0]

    def step():
        for p in (W1, b1, W2, b2):
            p.grad = None
        h = (x @ W1 + b1).relu()
        logits = h @ W2 + b2
        loss = logits.cross_entropy(onehot, axis=1)
        loss.backward()
        return loss.item(), (W1.grad, b1.grad, W2.grad, b2.grad)

    return step


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args(argv)
    # One BLAS thread for every contender: on a busy 2-core VM a threaded 128x784 product
    # swings by 100x from call to call (see nn.cli.limit_blas_threads).
    print(limit_blas_threads(1))
    chain_reps = 7 if args.quick else 31
    mlp_reps = 50 if args.quick else 500
    results: dict[str, float] = {}

    x0 = np.linspace(0.0, 1.0, 10)
    per_op = lambda seconds: seconds / CHAIN * 1e6  # noqa: E731
    print(f"1. chain of {CHAIN} elementwise ops on shape (10,) float64, sum, backward")
    print("   (microseconds per op, median of repeats)")
    ours = per_op(_median_time(chain_ours(x0), chain_reps))
    results["chain_ours_us"] = ours
    print(f"   autograd_core Tensor (fwd+bwd): {ours:7.2f} us/op")
    methods, via_np = (
        per_op(t) for t in _median_times([chain_ours(x0), chain_ours_numpy_api(x0)], chain_reps)
    )
    results["chain_np_api_us"] = via_np
    results["chain_np_api_extra_us"] = via_np - methods
    print(f"   the same via np.* on Tensors:   {via_np:7.2f} us/op (methods, same rounds: "
          f"{methods:.2f}; {via_np - methods:+.2f} us/op, target <= +1.0)")
    optional = [  # (results key, label, chain builder, install hint)
        ("chain_hips_us", "HIPS autograd", chain_hips, "pip install autograd==1.9.1"),
        ("chain_torch_us", "PyTorch CPU", chain_torch, "pip install torch==2.13.0"),
    ]
    for key, label, build, install in optional:
        run = build(x0)
        if run is None:
            print(f"   {label}: not installed ({install})")
            continue
        results[key] = per_op(_median_time(run, chain_reps))
        print(f"   {label:<20} (fwd+bwd): {results[key]:7.2f} us/op")
    results["chain_numpy_us"] = per_op(_median_time(chain_numpy(x0), chain_reps))
    print(f"   plain numpy          (fwd only): {results['chain_numpy_us']:7.2f} us/op")
    if "chain_torch_us" in results:
        results["chain_ratio_torch"] = ours / results["chain_torch_us"]
        print(f"   ratio ours / torch = {results['chain_ratio_torch']:.2f}  (target <= 1.0)")
    if "chain_hips_us" in results:
        print(f"   ratio ours / HIPS autograd = {ours / results['chain_hips_us']:.2f}")

    print("2. MLP 784-128-10, relu, softmax cross-entropy, batch 128, float32, fwd+bwd")
    X, labels, params = mlp_setup()
    ref, eng = mlp_numpy(X, labels, params), mlp_ours(X, labels, params)
    loss_ref, grads_ref = ref()
    loss_eng, grads_eng = eng()
    assert abs(loss_ref - loss_eng) <= 1e-5 * abs(loss_ref), (loss_ref, loss_eng)
    for a, b in zip(grads_ref, grads_eng):
        assert b.dtype == np.float32 and np.allclose(a, b, rtol=1e-4, atol=1e-6)
    t_ref, t_eng = _median_times([ref, eng], mlp_reps, warmup=10)
    results["mlp_numpy_ms"] = t_ref * 1e3
    results["mlp_ours_ms"] = t_eng * 1e3
    results["mlp_ratio"] = results["mlp_ours_ms"] / results["mlp_numpy_ms"]
    print(f"   hand-written numpy: {results['mlp_numpy_ms']:7.3f} ms")
    print(f"   autograd_core:      {results['mlp_ours_ms']:7.3f} ms")
    print(f"   ratio ours / numpy = {results['mlp_ratio']:.2f}  (target <= 1.15)")
    return results


if __name__ == "__main__":
    main()
