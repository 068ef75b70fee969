#!/usr/bin/env bash
# Instructions per micrograd-demo training step, counted by callgrind (repeatable on a noisy
# machine, unlike seconds): the count for 4 steps minus the count for 1, divided by 3.
# Usage: benchmarks/instructions_scalar.sh [autograd_core|micrograd]   (needs valgrind)
set -euo pipefail
engine="${1:-autograd_core}"
here="$(cd "$(dirname "$0")" && pwd)"
py="${PYTHON:-$here/../.venv/bin/python}"
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$py" "$here/bench_scalar.py" \
    --run-engine "$engine" --steps "$1" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
one=$(count 1)
four=$(count 4)
echo "$engine: $(( (four - one) / 3 / 1000000 )) M instructions per step"
