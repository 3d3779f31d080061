#!/usr/bin/env bash
# Builds cnn with AddressSanitizer + UndefinedBehaviorSanitizer (CPU only,
# clang 14, build-asan/) and runs the test suite and a short LeNet training
# under it. Any sanitizer report fails the run.
#
#   scripts/sanitize.sh [--quick]
#
# --quick skips the slow tests of the suite (ctest -E by suite name: the
# end-to-end LeNet, the long training runs, the big reference nets, the model
# zoo), for CI.
# The LeNet training trains on Fashion-MNIST when its idx files are installed
# (data/fashion-mnist/convert.sh), on DummyData otherwise.
# Environment: SAN_BUILD_DIR (default build-asan), LENET_ITERS (default 300),
# SAN_SKIP_SUITE=1 (only the LeNet training).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "sanitize.sh: unknown argument '$arg' (only --quick)" >&2; exit 1 ;;
  esac
done
build_dir=${SAN_BUILD_DIR:-build-asan}
export SAN_BUILD_DIR=$build_dir
iters=${LENET_ITERS:-300}
start=$(date +%s)

bash scripts/sanitizers/build.sh
# shellcheck source=sanitizers/env.sh
source scripts/sanitizers/env.sh
echo "sanitize.sh: built in $(( $(date +%s) - start )) s"

# The slow part, by test suite name (ctest labels select nothing with gtest's
# PRE_TEST discovery, see tests/CMakeLists.txt): the end-to-end LeNet, the
# long training runs, the big reference nets and the model zoo's 15 models.
slow_tests='(^|/)(EndToEnd|TrainingRuns|ReferenceNets|ModelZoo)\.'
filter_args=()
[ "$quick" -eq 1 ] && filter_args=(-E "$slow_tests")
if [ "${SAN_SKIP_SUITE:-0}" != 1 ]; then
  (cd "$build_dir" && ctest --output-on-failure -j "${JOBS:-2}" "${filter_args[@]}")
  echo "sanitize.sh: suite clean after $(( $(date +%s) - start )) s"
fi

# --- A short LeNet training under the sanitizers.
cnn="$root/$build_dir/tools/cnn"
work="$root/$build_dir/lenet"
rm -rf "$work" && mkdir -p "$work"
fmnist=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
net="$work/train_test.prototxt"
if [ -f "$fmnist/t10k-images-idx3-ubyte.gz" ]; then
  # The test images serve for both phases: converting 10,000 instead of
  # 70,000 keeps this short, and what is checked is memory, not accuracy.
  "$cnn" convert_mnist "$fmnist/t10k-images-idx3-ubyte.gz" "$fmnist/t10k-labels-idx1-ubyte.gz" \
    "$work/fmnist_lmdb" --backend=lmdb
  sed "s#data/fashion-mnist/fashion_mnist_t[a-z]*_lmdb#$work/fmnist_lmdb#" models/lenet/train_test.prototxt > "$net"
  echo "sanitize.sh: LeNet on Fashion-MNIST ($iters iterations)"
else
  # DummyData in place of each Data layer, same tops and batch sizes.
  python3 - models/lenet/train_test.prototxt "$net" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def dummy(m):
    block = m.group(0)
    batch = re.search(r"batch_size:\s*(\d+)", block).group(1)
    phase = re.search(r"phase:\s*(\w+)", block).group(1)
    return ('layer { name: "fake" type: "DummyData" top: "data" top: "label" include { phase: %s }\n'
            '  dummy_data_param { shape { dim: %s dim: 1 dim: 28 dim: 28 } shape { dim: %s }\n'
            '    data_filler { type: "uniform" } data_filler { type: "constant" value: 3 } } }\n') % (phase, batch, batch)
text = re.sub(r'layer \{\s*name: "fmnist".*?\n\}\n', dummy, text, flags=re.S)
open(sys.argv[2], "w").write(text)
PY
  echo "sanitize.sh: Fashion-MNIST absent: LeNet on DummyData ($iters iterations)"
fi
cat > "$work/solver.prototxt" <<TEXT
net: "$net"
test_iter: 5 test_interval: 100
base_lr: 0.01 momentum: 0.9 weight_decay: 0.0005 lr_policy: "inv" gamma: 0.0001 power: 0.75
display: 100 max_iter: $iters snapshot: $(( iters / 2 )) snapshot_prefix: "$work/lenet" random_seed: 1
TEXT
"$cnn" train --solver="$work/solver.prototxt"
# Resume from the half-way snapshot, the path a restart takes.
"$cnn" train --solver="$work/solver.prototxt" --snapshot="$work/lenet_iter_$(( iters / 2 )).solverstate"
"$cnn" test --model="$net" --weights="$work/lenet_iter_$iters.caffemodel" --iterations=5 | tail -3
echo "sanitize.sh: clean: $([ "${SAN_SKIP_SUITE:-0}" = 1 ] && echo "suite skipped," || echo "suite$([ "$quick" -eq 1 ] && echo " (quick)") and")  $iters LeNet iterations in $(( $(date +%s) - start )) s"
