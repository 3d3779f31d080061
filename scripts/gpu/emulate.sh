#!/usr/bin/env bash
# Runs the GPU half of the test suite under the CUDA emulator
# (tests/gpu_emulation/README.md), on a machine without a GPU.
#
#   bash scripts/gpu/emulate.sh [test executable]...
#
# Without arguments: every test executable whose source has a GPU half, and
# the Python module's GPU tests (tests/python/test_gpu.py) where the build
# has the module.
# Environment: BUILD_DIR (build-emu), GTEST_FILTER (passed through; default:
# every test, the CPU ones included, which then run on the emulated build),
# CNN_EMU_CUDNN (ON: the emulated cuDNN, include/cudnn.h; OFF: no cuDNN
# engine, as in a build without cuDNN), CNN_EMU_NCCL (likewise for NCCL),
# CNN_EMU_DEVICES (emulated GPUs, default 2 here so that the multi-GPU
# tests run).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=${BUILD_DIR:-build-emu}
python_tests=()
if [ $# -gt 0 ]; then
  tests=("$@")
else
  python_tests=(test_gpu)
  mapfile -t tests < <(grep -rlE 'SKIP_WITHOUT_GPU|HasGpu\(\)' tests --include='test_*.cpp' |
                       sed 's|.*/||; s|\.cpp$||' | sort)
fi
CCACHE_BASEDIR=$root cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCNN_CUDA_EMULATION=ON \
  -DCNN_WITH_CUDNN="${CNN_EMU_CUDNN:-ON}" -DCNN_WITH_NCCL="${CNN_EMU_NCCL:-ON}" >/dev/null
targets=(cnn_tool "${tests[@]}")
if [ ${#python_tests[@]} -gt 0 ] && grep -q '^CNN_WITH_PYTHON:BOOL=ON' "$build/CMakeCache.txt"; then
  targets+=(cnn_python)
else
  python_tests=()
fi
CCACHE_BASEDIR=$root cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"
build_abs=$(cd "$build" && pwd)
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1  # as ctest runs them
export CNN_EMU_DEVICES=${CNN_EMU_DEVICES:-2}
failed=()
for t in "${tests[@]}"; do
  exe=$(find "$build/tests" -name "$t" -type f -executable | head -1)
  echo "== $t"
  # From the repository root, as ctest runs them.
  if ! "$exe" --gtest_brief=1; then failed+=("$t"); fi
done
for t in "${python_tests[@]}"; do
  echo "== python $t"
  if ! (cd tests/python && PYTHONPATH="$build_abs/python" CNN_TOOL="$build_abs/tools/cnn" CNN_SOURCE_DIR="$root" \
        /usr/bin/python3 -m unittest "$t"); then
    failed+=("python:$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "emulate.sh: failed under the emulator: ${failed[*]}" >&2
  exit 1
fi
echo "emulate.sh: ${#tests[@]} test executables and ${#python_tests[@]} Python test files passed under the emulator"
