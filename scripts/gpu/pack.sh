#!/usr/bin/env bash
# Packs what a GPU check needs into .gpu/ (git-ignored), for a GPU machine
# that lacks Debian's libraries (see ../shared/device/README.md): the cnn tool
# and the GPU-relevant test programs with their libraries, the reference nets,
# PyTorch's timing script, Fashion-MNIST and scripts/gpu/run.sh. On that
# machine, from the repository root: `bash scripts/gpu/run.sh`.
#
#   bash scripts/gpu/pack.sh
#
# Environment: BUILD_DIR (build-gpu; configured for one architecture, sm_90,
# the H100/H200), SHARED (../shared).
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${BUILD_DIR:-build-gpu}
shared=${SHARED:-../shared}

CCACHE_BASEDIR=$PWD cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCNN_WITH_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null
cmake --build "$build_dir" -j "$(nproc)"

# Every test program that has a GPU case, plus the end-to-end run.
tests=$(grep -l -E 'SKIP_WITHOUT_GPU|ScopedGpuMode' tests/*/test_*.cpp | xargs -n1 basename | sed 's/\.cpp$//' | sort -u)
programs=("$build_dir/tools/cnn")
for t in $tests; do programs+=("$build_dir/tests/$t"); done

grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
rm -rf .gpu && mkdir -p .gpu/shared/bench .gpu/fashion-mnist
"$shared/device/bundle.sh" .gpu/bundle.tar.xz "${programs[@]}"
cp "$shared/bench/torch_time.py" .gpu/shared/bench/
cp -r "$shared/reference" .gpu/shared/
cp /usr/share/datasets/fashion-mnist/*.gz .gpu/fashion-mnist/
du -sh .gpu
echo "packed: run 'bash scripts/gpu/run.sh' on the GPU machine with .gpu carried"
