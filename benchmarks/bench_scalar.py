"""Scalar engine benchmarks: micrograd's demo training step, and a deep chain.

Run: ``make bench`` (or ``python benchmarks/bench_scalar.py``). Times are CPU seconds of this
process (``time.process_time``): the machines are shared virtual machines whose speed drifts
by 2x from second to second, so each engine runs several rounds, alternating, and keeps its
best round. The micrograd comparison runs
only if ``micrograd==0.1.0`` is installed (``pip install micrograd==0.1.0``); both engines
then train from identical weights and must report identical losses.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from autograd_core import Scalar  # noqa: E402


def two_moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The demo's data: two interleaving half circles, labels -1/+1 (as sklearn.make_moons)."""
    rng = np.random.default_rng(seed)
    n_out, n_in = n // 2, n - n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_out), np.sin(t_out)]),
            np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]),
        ]
    )
    X += rng.normal(scale=noise, size=X.shape)
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)]) * 2 - 1
    return X, y


def init_weights(sizes: list[int], seed: int = 1337) -> list[tuple[list[list[float]], list[float]]]:
    """Weights as micrograd draws them: uniform(-1, 1), biases 0."""
    rnd = random.Random(seed)
    layers = []
    for nin, nout in zip(sizes[:-1], sizes[1:]):
        W = [[rnd.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)]
        layers.append((W, [0.0] * nout))
    return layers


def demo_step(value_cls, layers, X, y, lr: float):
    """One step of micrograd's demo: MLP(2,[16,16,1]) forward, SVM loss + 1e-4 L2, backward,
    SGD. ``layers`` holds value_cls weights; works for micrograd's Value and our Scalar."""
    params = [p for W, b in layers for row in W for p in row] + [p for _, b in layers for p in b]
    for p in params:
        p.grad = 0.0
    scores = []
    for xrow in X:
        act = [value_cls(float(v)) for v in xrow]
        for li, (W, b) in enumerate(layers):
            out = [sum((wi * xi for wi, xi in zip(row, act)), bi) for row, bi in zip(W, b)]
            act = out if li == len(layers) - 1 else [o.relu() for o in out]
        scores.append(act[0])
    losses = [(1 + -float(yi) * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in params)
    loss = data_loss + reg_loss
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    return loss.data


def run_demo(engine: str, steps: int, gc_on: bool = True) -> dict:
    """Train ``steps`` steps of the demo in this process, as a user's loop runs them (GC on,
    garbage of one step collected whenever Python's collector decides; ``gc_on=False`` shows
    how much of a step is the collector's). Returns the CPU time of each step and the losses."""
    if not gc_on:
        gc.disable()
    if engine == "micrograd":
        from micrograd.engine import Value as cls
    else:
        cls = Scalar
    X, y = two_moons()
    layers = [
        ([[cls(w) for w in row] for row in W], [cls(b) for b in bs])
        for W, bs in init_weights([2, 16, 16, 1])
    ]
    times, losses = [], []
    for k in range(steps):
        t0 = time.process_time()
        losses.append(demo_step(cls, layers, X, y, lr=1.0 - 0.9 * k / 100))
        times.append(time.process_time() - t0)
    return {"times": times, "losses": losses}


def compare_demo(
    engines: list[str], steps: int, rounds: int, gc_mode: str = "on"
) -> dict[str, tuple[float, list]]:
    """Each engine in its own fresh process (so neither pays for the other's garbage), the
    engines alternating for ``rounds`` rounds so both see the same machine conditions.
    An engine's figure is its median step time in its fastest round."""
    best: dict[str, float] = {}
    losses: dict[str, list] = {}
    for _ in range(rounds):
        for engine in engines:
            out = subprocess.run(
                [sys.executable, __file__, "--run-engine", engine, "--steps", str(steps),
                 "--gc", gc_mode],
                check=True, capture_output=True, text=True,
            ).stdout
            result = json.loads(out)
            median = statistics.median(result["times"])
            best[engine] = min(best.get(engine, float("inf")), median)
            losses[engine] = result["losses"]
    return {e: (best[e], losses[e]) for e in engines}


def deep_chain(n: int) -> tuple[float, float]:
    """y = y*1.0001 + 0.0001, n times; seconds per node for forward and for backward."""
    x = Scalar(1.0)
    y = x
    t0 = time.process_time()
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    t1 = time.process_time()
    y.backward()
    t2 = time.process_time()
    expected = 1.0001**n
    assert abs(x.grad - expected) <= 1e-9 * expected, (x.grad, expected)
    nodes = 2 * n
    return (t1 - t0) / nodes, (t2 - t1) / nodes


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=10, help="demo training steps per engine")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per engine")
    ap.add_argument("--run-engine", choices=["autograd_core", "micrograd"], help=argparse.SUPPRESS)
    ap.add_argument("--chain", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--gc", choices=["on", "off"], default="on",
                    help="off: run the demo with Python's collector disabled (diagnostic; the "
                    "comparison that counts is with it on, as users run)")
    args = ap.parse_args(argv)

    if args.run_engine:
        print(json.dumps(run_demo(args.run_engine, args.steps, args.gc == "on")))
        return
    engines = ["autograd_core"]
    if importlib.util.find_spec("micrograd") is not None:
        engines.append("micrograd")
    else:
        print("micrograd not installed (pip install micrograd==0.1.0): comparison skipped")
    results = compare_demo(engines, args.steps, args.rounds, args.gc)
    for name, (seconds, _) in results.items():
        print(f"micrograd demo step (MLP 2-16-16-1, 100 points, GC {args.gc}), {name:>13}: "
              f"{seconds * 1e3:7.1f} ms")
    if len(results) == 2:
        (ours, our_losses), (theirs, their_losses) = results.values()
        same = np.allclose(our_losses, their_losses, rtol=1e-12, atol=0)
        target = "target >= 10x" if args.gc == "on" else "GC off, a diagnostic"
        print(f"speed-up over micrograd 0.1.0: {theirs / ours:.1f}x ({target}); "
              f"identical losses over {args.steps} steps: {same}")
    for n in args.chain:
        fwd, bwd = deep_chain(n)
        print(f"deep chain n={n:>9,}: forward {fwd * 1e6:.2f} us/node, "
              f"backward {bwd * 1e6:.2f} us/node")


if __name__ == "__main__":
    main()
