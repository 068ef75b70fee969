"""Smoke tests: the benchmark scripts run and report what the README quotes from them.

Their timings are never asserted (shared machines are noisy); ``make bench`` is where they
are read. Comparison engines are optional, so the scripts must run without them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


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
