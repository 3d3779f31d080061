#!/usr/bin/env bash
# Packs what a GPU check needs into .gpu/ (git-ignored), for a GPU machine
# that lacks Debian's libraries (see ../shared/device/README.md). What a
# device call may carry is limited to 64 MiB, so there are two packs, each
# for its own call:
#
#   bash scripts/gpu/pack.sh tests   # the GPU-relevant test programs (with their libraries)
#   bash scripts/gpu/pack.sh bench   # the cnn tool, the reference nets, PyTorch's timing
#                                    # script and Fashion-MNIST
#
# On that machine, from the repository root with .gpu/ carried:
# `bash scripts/gpu/run.sh tests`, or `bash scripts/gpu/run.sh bench train`.
#
# Environment: BUILD_DIR (build-gpu; configured for one architecture, sm_90,
# the H100/H200, without OpenCV), SHARED (../shared).
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${BUILD_DIR:-build-gpu}
shared=${SHARED:-../shared}

# Without OpenCV: nothing here decodes images, and OpenCV's dependencies
# (GDAL, codecs, ICU) would not fit in what a device call carries.
CCACHE_BASEDIR=$PWD cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCNN_WITH_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DCNN_WITH_OPENCV=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)"


what=${1:?usage: pack.sh tests|bench}
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qx '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >> "$exclude"
rm -rf .gpu && mkdir -p .gpu

case $what in
  tests)
    # Every test program that has a GPU case, the end-to-end run included.
    programs=()
    for t in $(grep -l -E 'SKIP_WITHOUT_GPU|ScopedGpuMode' tests/*/test_*.cpp | xargs -n1 basename | sed 's/\.cpp$//' | sort -u); do
      programs+=("$build_dir/tests/$t")
    done
    "$shared/device/bundle.sh" .gpu/tests.tar.xz "${programs[@]}"
    # The end-to-end test reads the data set where Debian puts it.
    mkdir -p .gpu/fashion-mnist
    cp /usr/share/datasets/fashion-mnist/*.gz .gpu/fashion-mnist/
    ;;
  bench)
    "$shared/device/bundle.sh" .gpu/bench.tar.xz "$build_dir/tools/cnn"
    mkdir -p .gpu/shared/bench .gpu/fashion-mnist
    cp "$shared/bench/torch_time.py" .gpu/shared/bench/
    cp -r "$shared/reference" .gpu/shared/
    cp /usr/share/datasets/fashion-mnist/*.gz .gpu/fashion-mnist/
    ;;
  *)
    echo "pack.sh: say tests or bench" >&2
    exit 2
    ;;
esac
du -sh .gpu
size=$(du -sm .gpu | cut -f1)
if [ "$size" -gt 62 ]; then
  echo "pack.sh: .gpu is ${size} MiB, over what a device call carries (64 MiB with the tree)" >&2
  exit 1
fi
echo "packed: carry .gpu and run 'bash scripts/gpu/run.sh ${what/bench/bench train}' on the GPU machine"
