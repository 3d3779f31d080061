#!/usr/bin/env bash
# The one test command: installs what the build needs, configures (Release,
# ccache when present), builds everything and runs the whole test suite.
#
#   bash scripts/test.sh
#
# Environment: BUILD_DIR (default build), CNN_EXTRA_PACKAGES (extra Debian
# packages for install_deps.sh), CNN_CMAKE_ARGS (extra configure arguments,
# e.g. "-DCNN_WITH_CUDA=OFF").
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build_dir=${BUILD_DIR:-build}
jobs=$(nproc)

# Fashion-MNIST feeds the end-to-end training test.
CNN_EXTRA_PACKAGES="dataset-fashion-mnist ${CNN_EXTRA_PACKAGES:-}" bash scripts/install_deps.sh

# Paths under the repository hash the same from any clone, so a CI run reuses
# what an earlier build left in the ccache.
export CCACHE_BASEDIR="$root"
read -r -a cmake_args <<< "${CNN_CMAKE_ARGS:-}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}"
cmake --build "$build_dir" -j "$jobs"

if [ ! -d ../shared ]; then
  echo "test.sh: ../shared is absent: tests that use its reference nets will be skipped"
fi
cd "$build_dir"
ctest --output-on-failure -j "$jobs"
