#!/usr/bin/env bash
# Builds scripts/bench/depthwise_bench.cpp against an existing build's
# libraries (the link line of a test program, so CUDA and cuDNN builds link
# too) and runs it:   bash scripts/bench/depthwise_bench.sh [BATCH] [REPEATS]
# Environment: BUILD_DIR (build), THREADS (OpenBLAS threads; default: its own).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build_dir=$(cd "${BUILD_DIR:-build}" && pwd)
link="$build_dir/tests/CMakeFiles/test_convolution_layer.dir/link.txt"
flags="$build_dir/tests/CMakeFiles/test_convolution_layer.dir/flags.make"
if [ ! -f "$link" ] || [ ! -f "$build_dir/libcnn.a" ]; then
  echo "depthwise_bench.sh: build the library and test_convolution_layer in $build_dir first" >&2
  exit 1
fi
defines=$(grep -E '^CXX_DEFINES' "$flags" | sed 's/^CXX_DEFINES = //')
includes=$(grep -E '^CXX_INCLUDES' "$flags" | sed 's/^CXX_INCLUDES = //')
# The test's link line, with the bench object in place of the test's and
# without gtest's main.
libs=$(sed -e 's#^.* -o test_convolution_layer##' -e 's#[^ ]*libgtest_main.a##' -e 's#libcnn_test_support.a##' "$link")
out="$build_dir/depthwise_bench"
(cd "$build_dir/tests" && eval c++ -O3 -DNDEBUG -std=c++17 -fopenmp $defines $includes \
  "$root/scripts/bench/depthwise_bench.cpp" -o "$out" $libs)
[ -n "${THREADS:-}" ] && export OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS
# As the cnn tool runs itself (README, "What makes it fast"): OpenMP loops share
# the cores with OpenBLAS only under the passive wait policy.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
lscpu | grep -E 'Model name|^CPU\(s\)' || true
"$build_dir/tools/cnn" version 2>/dev/null | grep -i -E 'blas|core' || true
"$out" "${1:-10}" "${2:-5}" ${3:+"$3"}
