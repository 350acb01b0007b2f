#!/usr/bin/env bash
# Run every skreg benchmark once and leave the tables in benchmarks/results/.
#
#   benchmarks/run_all.sh            full sizes (tens of minutes on 2 cores)
#   benchmarks/run_all.sh --quick    small data, smoke test
#
# PYTHON defaults to the benchmark venv (skglm, celer, torch, psutil installed
# next to skreg); any venv with skreg and scikit-learn works, missing
# competitors are reported as "not available".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
PYTHON="${PYTHON:-/work/benchvenv/bin/python}"
# machine-specific OpenBLAS overrides change BLAS speed: benchmark without them
run() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PYTHON" "$@"; }

run "$here/bench_linear.py" "$@"
run "$here/bench_logistic.py" "$@"
if [ -f "$here/bench_mlp.py" ]; then
    run "$here/bench_mlp.py" "$@"
fi
