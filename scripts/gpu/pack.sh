#!/usr/bin/env bash
# Packs what a GPU check needs into .gpu/ (git-ignored), for a GPU machine
# that lacks Debian's libraries (see ../shared/device/README.md):
#
#   bash scripts/gpu/pack.sh tests bench   # both (about 50 MiB)
#   bash scripts/gpu/pack.sh tests         # the GPU-relevant test programs (with their libraries)
#   bash scripts/gpu/pack.sh bench         # the cnn tool, the reference nets, PyTorch's timing script
#
# Fashion-MNIST comes with either. A device call carries at most 64 MiB, so
# the script refuses a pack larger than that. On that machine, from the
# repository root with .gpu/ carried: `bash scripts/gpu/run.sh tests bench train`.
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


[ $# -gt 0 ] || { echo "usage: pack.sh tests|bench..." >&2; exit 2; }
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qx '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >> "$exclude"
rm -rf .gpu && mkdir -p .gpu/fashion-mnist
# The end-to-end test and the training run read the data set where Debian puts it.
cp /usr/share/datasets/fashion-mnist/*.gz .gpu/fashion-mnist/

for what in "$@"; do
  case $what in
    tests)
      # Every test program that has a GPU case, the end-to-end run included.
      programs=("$build_dir/tools/cnn")  # test_cli runs it
      for t in $(grep -rl --include='test_*.cpp' -E 'SKIP_WITHOUT_GPU|ScopedGpuMode' tests | xargs -n1 basename | sed 's/\.cpp$//' | sort -u); do
        programs+=("$build_dir/tests/$t")
      done
      "$shared/device/bundle.sh" .gpu/tests.tar.xz "${programs[@]}"
      ;;
    bench)
      "$shared/device/bundle.sh" .gpu/bench.tar.xz "$build_dir/tools/cnn"
      mkdir -p .gpu/shared/bench
      cp "$shared/bench/torch_time.py" .gpu/shared/bench/
      cp -r "$shared/reference" .gpu/shared/
      ;;
    *)
      echo "pack.sh: unknown pack '$what' (tests or bench)" >&2
      exit 2
      ;;
  esac
done
du -sh .gpu
size=$(du -sm .gpu | cut -f1)
if [ "$size" -gt 62 ]; then
  echo "pack.sh: .gpu is ${size} MiB, over what a device call carries (64 MiB with the tree)" >&2
  exit 1
fi
echo "packed: carry .gpu and run 'bash scripts/gpu/run.sh tests bench train' (what was packed) on the GPU machine"
