#!/usr/bin/env bash
# The main job: installs what the build needs, builds cnn, and times LeNet's
# forward and backward passes with `cnn time`.
#
#   bash scripts/main.sh
#
# Environment: BUILD_DIR (default build), ITERATIONS (default 50),
# CNN_EXTRA_PACKAGES and CNN_CMAKE_ARGS as for scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}

bash scripts/install_deps.sh
export CCACHE_BASEDIR="$PWD"
read -r -a cmake_args <<< "${CNN_CMAKE_ARGS:-}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}"
cmake --build "$build_dir" -j "$(nproc)" --target cnn_tool

"$build_dir/tools/cnn" time --model=models/lenet/deploy.prototxt --iterations="${ITERATIONS:-50}"
