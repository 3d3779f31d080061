#!/usr/bin/env bash
# The main job: installs what the build needs, builds cnn, converts
# Fashion-MNIST (Debian's dataset-fashion-mnist) to LMDB, trains our LeNet
# (models/lenet/solver.prototxt: 10,000 SGD iterations) and scores the final
# weights on the 10,000 test images, with per-class precision and recall.
#
#   bash scripts/main.sh
#
# Environment: BUILD_DIR (default build), CNN_CMAKE_ARGS (extra configure
# arguments). With a visible NVIDIA GPU, cnn is built with CUDA for that GPU
# and trains on it (--gpu=0); without one the build is CPU-only, which spares
# compiling the CUDA kernels for nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}

CNN_EXTRA_PACKAGES="dataset-fashion-mnist ${CNN_EXTRA_PACKAGES:-}" bash scripts/install_deps.sh
export CCACHE_BASEDIR="$PWD"
read -r -a cmake_args <<< "${CNN_CMAKE_ARGS:-}"
device=()
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  cmake_args=(-DCMAKE_CUDA_ARCHITECTURES=native "${cmake_args[@]}")
  device=(--gpu=0)
else
  cmake_args=(-DCNN_WITH_CUDA=OFF "${cmake_args[@]}")
fi
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}"
cmake --build "$build_dir" -j "$(nproc)" --target cnn_tool
cnn="$build_dir/tools/cnn"

CNN="$cnn" bash data/fashion-mnist/convert.sh

rm -rf models/lenet/snapshots
start=$(date +%s)
"$cnn" train --solver=models/lenet/solver.prototxt "${device[@]}"
echo "training took $(( $(date +%s) - start )) s"

echo
echo "== Final weights on the Fashion-MNIST test set (10,000 images) =="
"$cnn" test --model=models/lenet/train_test.prototxt \
  --weights=models/lenet/snapshots/lenet_iter_10000.caffemodel --iterations=100 "${device[@]}" | grep -v '^Batch '
