"""Run every benchmark (``make bench``): each prints its figures and its ratios against
references measured in the same run. Optional comparison engines (micrograd, HIPS autograd,
torch 2.13.0) are used when installed: ``make bench-compare`` installs them."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

SUITES = [
    "bench_scalar",
    "bench_tensor",
    "bench_nn",
    "bench_structure",
    "bench_transforms",
    "bench_cnn",
]


def main() -> None:
    for name in SUITES:
        if not (HERE / f"{name}.py").exists():
            continue
        print(f"\n=== {name} " + "=" * (60 - len(name)), flush=True)
        start = time.perf_counter()
        importlib.import_module(name).main([])
        print(f"--- {name}: {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
