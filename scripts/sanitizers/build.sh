#!/usr/bin/env bash
# Configures and builds the robustness build that scripts/sanitize.sh and
# scripts/fuzz.sh share: CPU only, clang 14, AddressSanitizer +
# UndefinedBehaviorSanitizer everywhere, libFuzzer coverage, -O1 -g.
#
#   scripts/sanitizers/build.sh [CMAKE-TARGET...]     (default: everything)
#
# Environment: SAN_BUILD_DIR (default build-asan), JOBS (default: nproc, at most 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${SAN_BUILD_DIR:-build-asan}
jobs=${JOBS:-$(( $(nproc) < 2 ? $(nproc) : 2 ))}
cc=${SAN_CC:-clang-14}
cxx=${SAN_CXX:-clang++-14}
export CCACHE_BASEDIR="$PWD"
mkdir -p "$build_dir"
# Training tests take several times longer under ASan than the 300 s a hang
# gets in the normal build.
cmake -S . -B "$build_dir" -DCNN_WITH_CUDA=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCNN_SANITIZE=ON -DCNN_BUILD_FUZZERS=ON -DCNN_TEST_TIMEOUT=1500 > "$build_dir/configure.log" 2>&1 ||
  { cat "$build_dir/configure.log"; exit 1; }
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$build_dir" -j "$jobs" "${targets[@]}"
