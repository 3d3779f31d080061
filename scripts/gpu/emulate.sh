#!/usr/bin/env bash
# Runs the GPU half of the test suite under the CUDA emulator
# (tests/gpu_emulation/README.md), on a machine without a GPU.
#
#   bash scripts/gpu/emulate.sh [test executable]...
#
# Without arguments: every test executable whose source has a GPU half.
# Environment: BUILD_DIR (build-emu), GTEST_FILTER (passed through; default:
# every test, the CPU ones included, which then run on the emulated build),
# CNN_EMU_CUDNN (ON: the emulated cuDNN, include/cudnn.h; OFF: no cuDNN
# engine, as in a build without cuDNN).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=${BUILD_DIR:-build-emu}
if [ $# -gt 0 ]; then
  tests=("$@")
else
  mapfile -t tests < <(grep -rlE 'SKIP_WITHOUT_GPU|HasGpu\(\)' tests --include='test_*.cpp' |
                       sed 's|.*/||; s|\.cpp$||' | sort)
fi
CCACHE_BASEDIR=$root cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCNN_CUDA_EMULATION=ON \
  -DCNN_WITH_CUDNN="${CNN_EMU_CUDNN:-ON}" >/dev/null
CCACHE_BASEDIR=$root cmake --build "$build" -j "$(nproc)" --target cnn_tool "${tests[@]}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1  # as ctest runs them
failed=()
for t in "${tests[@]}"; do
  exe=$(find "$build/tests" -name "$t" -type f -executable | head -1)
  echo "== $t"
  # From the repository root, as ctest runs them.
  if ! "$exe" --gtest_brief=1; then failed+=("$t"); fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "emulate.sh: failed under the emulator: ${failed[*]}" >&2
  exit 1
fi
echo "emulate.sh: ${#tests[@]} test executables passed under the emulator"
