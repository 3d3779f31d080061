#!/usr/bin/env bash
# The one test command: installs what the build needs, configures (Release,
# ccache when present), builds everything and runs the whole test suite.
#
#   bash scripts/test.sh
#
# Environment: BUILD_DIR (default build), CNN_EXTRA_PACKAGES (extra Debian
# packages for install_deps.sh), CNN_CMAKE_ARGS (extra configure arguments,
# e.g. "-DCNN_WITH_CUDA=OFF").
#
# When CI is set, a robustness slice follows the suite (README, "Checking
# robustness"): each libFuzzer target for CNN_CI_FUZZ_SECONDS (default 60;
# 0 skips) and, when CNN_CI_SANITIZE=1, scripts/sanitize.sh --quick. Both
# share the clang ASan+UBSan build build-asan/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build_dir=${BUILD_DIR:-build}
jobs=$(nproc)

# Fashion-MNIST feeds the end-to-end training test; python3-onnx's checker reads the exported ONNX models.
CNN_EXTRA_PACKAGES="dataset-fashion-mnist python3-onnx ${CNN_EXTRA_PACKAGES:-}" bash scripts/install_deps.sh

# Paths under the repository hash the same from any clone, so a CI run reuses
# what an earlier build left in the ccache.
export CCACHE_BASEDIR="$root"
read -r -a cmake_args <<< "${CNN_CMAKE_ARGS:-}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}"
cmake --build "$build_dir" -j "$jobs"
# ONNX Runtime (npm) for the export_onnx comparisons; a failed install skips them.
bash scripts/onnx/install_onnxruntime.sh "$build_dir/onnxrt"

if [ ! -d ../shared ]; then
  echo "test.sh: ../shared is absent: tests that use its reference nets will be skipped"
fi
cd "$build_dir"
ctest --output-on-failure -j "$jobs"

if [ -n "${CI:-}" ]; then
  cd "$root"
  fuzz_seconds=${CNN_CI_FUZZ_SECONDS:-60}
  if [ "${CNN_CI_SANITIZE:-0}" = 1 ]; then
    start=$(date +%s)
    bash scripts/sanitize.sh --quick
    echo "test.sh: sanitizer quick run took $(( $(date +%s) - start )) s"
  fi
  if [ "$fuzz_seconds" -gt 0 ]; then
    start=$(date +%s)
    bash scripts/fuzz.sh all "$fuzz_seconds"
    echo "test.sh: fuzzing took $(( $(date +%s) - start )) s"
  fi
fi
