#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (build-asan/, shared with
# scripts/sanitize.sh) and runs one of them, or each in turn, for SECONDS.
#
#   scripts/fuzz.sh TARGET|all SECONDS
#
# TARGET is a name from tests/fuzz/fuzz_TARGET.cpp: net_prototxt, caffemodel,
# solverstate, datum, idx, image_list. Each runs on a working corpus
# build-asan/fuzz/corpus/TARGET, seeded from the committed seeds
# (tests/fuzz/corpus/TARGET), the repository's prototxts and, when present,
# the reference nets under ../shared/reference/caffe; what libFuzzer finds
# new is kept there for the next run. A crash is written to
# build-asan/fuzz/artifacts/TARGET/ and fails the run: reproduce it with
# `build-asan/tests/fuzz/fuzz_TARGET FILE`, then make it a regression test.
# Environment: SAN_BUILD_DIR (default build-asan), FUZZ_ARGS (more libFuzzer flags),
# FUZZ_SKIP_BUILD=1 (the targets are built already: lets two runs share one
# build directory without configuring it at the same time).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
all_targets=(net_prototxt caffemodel solverstate datum idx image_list)
if [ $# -ne 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh TARGET|all SECONDS  (targets: ${all_targets[*]})" >&2
  exit 1
fi
if [ "$1" = all ]; then
  targets=("${all_targets[@]}")
else
  [ -f "tests/fuzz/fuzz_$1.cpp" ] || { echo "fuzz.sh: no target '$1' (targets: ${all_targets[*]})" >&2; exit 1; }
  targets=("$1")
fi
seconds=$2
build_dir=${SAN_BUILD_DIR:-build-asan}
export SAN_BUILD_DIR=$build_dir

build_targets=()
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
[ "${FUZZ_SKIP_BUILD:-0}" = 1 ] || bash scripts/sanitizers/build.sh "${build_targets[@]}"
# shellcheck source=sanitizers/env.sh
source scripts/sanitizers/env.sh

# Seeds the working corpus of one target (files already there are kept).
seed() {
  local target="$1" dir="$2"
  mkdir -p "$dir"
  cp -n tests/fuzz/corpus/"$target"/* "$dir"/ 2>/dev/null || true
  if [ "$target" = net_prototxt ]; then
    local f n=0
    # Our own nets, and the reference nets read in place (never copied into the repository).
    while IFS= read -r -d '' f; do
      grep -q 'layer' "$f" || continue
      local name=${f#../shared/}
      cp -n "$f" "$dir/seed_$(echo "$name" | tr '/' '_')" && n=$((n + 1))
    done < <(find models tests ../shared/reference/caffe -name '*.prototxt' -print0 2>/dev/null)
  fi
}

status=0
summary=()
for t in "${targets[@]}"; do
  corpus="$build_dir/fuzz/corpus/$t"
  artifacts="$build_dir/fuzz/artifacts/$t/"
  log="$build_dir/fuzz/$t.log"
  mkdir -p "$artifacts"
  seed "$t" "$corpus"
  # The targets write each input to a file (the readers take paths): on ext4,
  # truncating and rewriting one file forces a disk flush per input, most of
  # an input's time; tmpfs has no disk behind it.
  scratch=$(mktemp -d -p "$([ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")")
  echo "fuzz.sh: fuzz_$t for $seconds s (corpus $corpus, $(ls "$corpus" | wc -l) files)"
  # -rss_limit_mb: a whole process over 2 GiB is a finding (one allocation
  # over 256 MiB already fails inside, see tests/fuzz/fuzz_support.cpp);
  # -timeout: one input taking over 30 s is a hang.
  rc=0
  TMPDIR="$scratch" "$build_dir/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 \
    -max_len=8192 -print_final_stats=1 -artifact_prefix="$artifacts" ${FUZZ_ARGS:-} "$corpus" > "$log" 2>&1 || rc=$?
  rm -rf "$scratch"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "fuzz.sh: fuzz_$t FAILED (exit $rc): see $log; inputs in $artifacts" >&2
    grep -m 5 -E 'ERROR|SUMMARY|runtime error|terminate' "$log" >&2 || tail -20 "$log" >&2
    summary+=("$t: FAILED after ${execs:-?} executions")
  else
    summary+=("$t: ${execs:-?} executions, no finding, corpus $(ls "$corpus" | wc -l) files")
  fi
done
printf 'fuzz.sh: %s\n' "${summary[@]}"
exit $status
