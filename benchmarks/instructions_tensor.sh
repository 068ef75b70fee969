#!/usr/bin/env bash
# Instructions per Tensor workload rep, counted by callgrind (repeatable on a noisy machine):
# the count for 3 reps minus the count for 1, halved. Usage:
#   benchmarks/instructions_tensor.sh chain|mlp   (needs valgrind; PYTHON overrides the venv)
set -euo pipefail
workload="${1:-chain}"
here="$(cd "$(dirname "$0")" && pwd)"
py="${PYTHON:-$here/../.venv/bin/python}"
count() {
  OPENBLAS_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$py" \
    "$here/callgrind_tensor.py" "$workload" "$1" 2>&1 >/dev/null \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
one=$(count 1)
three=$(count 3)
echo "$workload: $(( (three - one) / 2 / 1000 )) K instructions per rep"
