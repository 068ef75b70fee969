"""Structure-op benchmarks: the ops on training hot paths (embedding lookups, convolutions)
against the same forward + backward written by hand in numpy.

Run: ``python benchmarks/bench_structure.py`` (``--quick`` for fewer repeats). Each case times
forward + backward (the gradient of every input, from a fixed upstream gradient) of our op
and of the hand-written numpy version, in the same run, and prints the ratio. Target: ours /
numpy <= 1.5 for each.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402
from bench_tensor import _median_times  # noqa: E402

import autograd_core as ag  # noqa: E402
from autograd_core import Tensor  # noqa: E402
from nn.cli import limit_blas_threads  # noqa: E402

TARGET = 1.5


def _backward(out: Tensor, g: np.ndarray, leaves: list[Tensor]) -> None:
    for t in leaves:
        t.grad = None
    out.backward(g)


def embedding(rng: np.random.Generator, take: bool) -> tuple[Callable, Callable]:
    """A 10000 x 64 float32 table, 4096 lookups (batch 128 x 32 tokens, repeats)."""
    table = rng.standard_normal((10000, 64)).astype(np.float32)
    idx = rng.integers(0, 1000, size=(128, 32))
    g = rng.standard_normal((128, 32, 64)).astype(np.float32)
    w = Tensor(table, requires_grad=True)

    def ours():
        _backward(w.take(idx, axis=0) if take else w[idx], g, [w])

    def numpy():
        out = np.take(table, idx, axis=0) if take else table[idx]
        dw = np.zeros_like(table)
        np.add.at(dw, idx, g)
        return out, dw

    return ours, numpy


def einsum_case(rng: np.random.Generator) -> tuple[Callable, Callable]:
    """A 1x1 convolution as an einsum: x (32, 16, 28, 28), w (32, 16) -> (32, 32, 28, 28)."""
    x = rng.standard_normal((32, 16, 28, 28)).astype(np.float32)
    w = rng.standard_normal((32, 16)).astype(np.float32)
    g = rng.standard_normal((32, 32, 28, 28)).astype(np.float32)
    tx, tw = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)

    def ours():
        _backward(ag.einsum("nchw,oc->nohw", tx, tw), g, [tx, tw])

    def numpy():
        out = np.einsum("nchw,oc->nohw", x, w)
        dx = np.einsum("nohw,oc->nchw", g, w)
        dw = np.einsum("nohw,nchw->oc", g, x)
        return out, dx, dw

    return ours, numpy


def pad_case(rng: np.random.Generator, mode: str) -> tuple[Callable, Callable]:
    """A conv input (32, 16, 28, 28) float32 padded by 1 on both spatial axes."""
    x = rng.standard_normal((32, 16, 28, 28)).astype(np.float32)
    g = rng.standard_normal((32, 16, 30, 30)).astype(np.float32)
    widths = ((0, 0), (0, 0), (1, 1), (1, 1))
    tx = Tensor(x, requires_grad=True)

    def ours():
        _backward(ag.pad(tx, widths, mode=mode), g, [tx])

    def numpy():
        out = np.pad(x, widths, mode=mode)
        if mode == "constant":
            return out, g[:, :, 1:-1, 1:-1]
        # reflect by 1: the padded entries copy the second and the second-to-last
        dh = g[:, :, 1:-1].copy()
        dh[:, :, 1] += g[:, :, 0]
        dh[:, :, -2] += g[:, :, -1]
        dx = dh[..., 1:-1].copy()
        dx[..., 1] += dh[..., 0]
        dx[..., -2] += dh[..., -1]
        return out, dx

    return ours, numpy


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args(argv)
    print(limit_blas_threads(1))
    repeats = 3 if args.quick else 15
    rng = np.random.default_rng(0)
    cases = {
        "indexing W[idx] (embedding)": embedding(rng, take=False),
        "take(W, idx, axis=0)": embedding(rng, take=True),
        "einsum nchw,oc->nohw": einsum_case(rng),
        "pad constant (1x1 spatial)": pad_case(rng, "constant"),
        "pad reflect (1x1 spatial)": pad_case(rng, "reflect"),
    }
    results: dict[str, float] = {}
    print("forward + backward, median of repeats; ratio = ours / hand-written numpy")
    for name, (ours, numpy) in cases.items():
        t_ours, t_numpy = _median_times([ours, numpy], repeats)
        ratio = t_ours / t_numpy
        results[name] = ratio
        flag = "" if ratio <= TARGET else f"  (above the target {TARGET})"
        print(f"   {name:<30} ours {t_ours * 1e3:8.3f} ms  numpy {t_numpy * 1e3:8.3f} ms  "
              f"ratio {ratio:5.2f}{flag}")
    return results


if __name__ == "__main__":
    main()
