#!/usr/bin/env bash
# Builds and runs scripts/bench/sibling_conv_bench.cpp (oneDNN only):
#   bash scripts/bench/sibling_conv_bench.sh [BATCH] [REPEATS]
# Environment: THREADS (2), BUILD_DIR (build: where the program goes).
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${BUILD_DIR:-build}
mkdir -p "$build_dir/bench"
out=$build_dir/bench/sibling_conv_bench
c++ -O2 -std=c++17 scripts/bench/sibling_conv_bench.cpp -ldnnl -o "$out"
export OMP_NUM_THREADS=${THREADS:-2}
lscpu | grep -E 'Model name|^CPU\(s\)' || true
"$out" "${1:-10}" "${2:-15}"
