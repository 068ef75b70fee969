"""Smoke tests: the benchmark scripts run and report what the README quotes from them.

Their timings are never asserted (shared machines are noisy); ``make bench`` is where they
are read. Comparison engines are optional, so the scripts must run without them. The tensor
and nn benchmarks pin BLAS threads with the command line's helper, nn.cli.limit_blas_threads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import write_mnist_dir

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
NO_THREADPOOLCTL = "BLAS threads: library default (threadpoolctl not installed)"


@pytest.mark.slow
@pytest.mark.parametrize("gc_mode", ["on", "off"])
def test_bench_scalar_runs_the_demo_step_and_the_deep_chain(gc_mode: str) -> None:
    out = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_scalar.py"), "--steps", "2", "--rounds", "1",
         "--chain", "2000", "--gc", gc_mode],
        check=True, capture_output=True, text=True, timeout=300,
    ).stdout
    assert f"GC {gc_mode}), autograd_core:" in out
    assert "deep chain n=    2,000: forward" in out
    if "micrograd" in out.split("autograd_core:")[1]:  # micrograd 0.1.0 installed
        assert "identical losses over 2 steps: True" in out


@pytest.mark.slow
def test_bench_tensor_quick_pins_blas_to_one_thread() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_tensor.py"), "--quick"],
        check=True, capture_output=True, text=True, timeout=300,
    ).stdout
    assert out.splitlines()[0] in ("BLAS threads: 1", NO_THREADPOOLCTL)
    assert "autograd_core Tensor (fwd+bwd):" in out
    assert "ratio ours / numpy = " in out


@pytest.mark.parametrize("threads", ["1", "0"])
def test_bench_nn_speed_on_a_tiny_fashion_mnist(tmp_path: Path, threads: str) -> None:
    """The speed suite on 40 images written as Fashion-MNIST files: it runs, and prints the
    BLAS setting of nn.cli.limit_blas_threads (--threads 0: the library default)."""
    write_mnist_dir(tmp_path / "fashion", n_train=40, n_test=10)
    out = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_nn.py"), "--suite", "speed", "--rounds", "1",
         "--threads", threads],
        check=True, capture_output=True, text=True, timeout=300,
        env={**os.environ, "FASHION_MNIST_DIR": str(tmp_path / "fashion")},
    ).stdout
    first = out.splitlines()[0]
    if threads == "0":
        assert first == "BLAS threads: library default"
    else:
        assert first in ("BLAS threads: 1", NO_THREADPOOLCTL)
    assert "784-128-10: nn " in out and "784-10: nn " in out


@pytest.mark.slow
def test_bench_transforms_quick_checks_results_and_reports_ratios() -> None:
    """It asserts that ours and torch's Hessian, Jacobian and HVP agree before timing them;
    without torch it times ours alone and says so."""
    out = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_transforms.py"), "--quick"],
        check=True, capture_output=True, text=True, timeout=300,
    ).stdout
    assert out.splitlines()[0] in ("BLAS threads: 1", NO_THREADPOOLCTL)
    assert "hessian of sum(tanh(W x)^2), x in R^100" in out
    assert "ratio ours / torch = " in out or "PyTorch: not installed" in out
    assert "5 residual tanh(W x) layers: forward+backward" in out
    assert "loop of 100 grad calls" in out
