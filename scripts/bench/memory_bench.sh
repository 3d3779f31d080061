#!/usr/bin/env bash
# Peak resident memory (VmHWM, a fresh process per run) of cnn and PyTorch
# side by side: AlexNet and GoogLeNet deploy nets forward only (cnn: `cnn time
# --phase=TEST --forward_only`, activations planned; PyTorch: under
# torch.no_grad(), scripts/bench/torch_peak_memory.py), and LeNet training on
# Fashion-MNIST (cnn: `cnn train` on models/lenet for ITERATIONS iterations,
# with its test passes; PyTorch: forward, backward and SGD step on random
# batches of the same shape). Memory does not depend on the machine's load.
#
#   bash scripts/bench/memory_bench.sh
#
# Environment: BUILD_DIR (build; cnn_tool is built there when missing),
# SHARED (../shared), BATCH (10, the deploy nets' batch), THREADS (1, both
# sides), ITERATIONS (1000, LeNet training; the tests at 500 and 1000 run
# too), DATA (data/fashion-mnist, the LMDBs scripts/main.sh converts),
# ENGINE (unset: each layer's own engine; else `cnn --engine`, CAFFE or DNNL).
# Exits 1 when a run fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${BUILD_DIR:-build}
shared=${SHARED:-../shared}
batch=${BATCH:-10}
threads=${THREADS:-1}
iterations=${ITERATIONS:-1000}
data=$(realpath "${DATA:-data/fashion-mnist}")
cnn="$build_dir/tools/cnn"
[ -x "$cnn" ] || cmake --build "$build_dir" -j2 --target cnn_tool
engine=()
[ -n "${ENGINE:-}" ] && engine=(--engine="$ENGINE")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

peak() { sed -n 's/^Peak resident memory: \([0-9.]*\) MiB$/\1/p' "$1" | tail -1; }
run() {  # log command...
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "memory_bench: '$*' failed:" >&2
    tail -5 "$log" >&2
    exit 1
  fi
}

printf '%-34s %14s %18s %8s\n' "net" "cnn peak MiB" "PyTorch peak MiB" "ratio"
for net in bvlc_alexnet bvlc_googlenet; do
  model="$shared/reference/caffe/models/$net/deploy.prototxt"
  run "$tmp/cnn.log" "$cnn" time --model="$model" --phase=TEST --forward_only --batch="$batch" \
    --iterations=1 --warmup=0 --threads="$threads" "${engine[@]}"
  run "$tmp/torch.log" /usr/bin/python3 scripts/bench/torch_peak_memory.py "$model" --batch="$batch" \
    --threads="$threads"
  c=$(peak "$tmp/cnn.log")
  t=$(peak "$tmp/torch.log")
  printf '%-34s %14s %18s %8.2f\n' "$net deploy, batch $batch" "$c" "$t" "$(echo "$c / $t" | bc -l)"
done

for db in fashion_mnist_train_lmdb fashion_mnist_test_lmdb; do
  [ -d "$data/$db" ] || { echo "memory_bench: no $data/$db (scripts/main.sh converts Fashion-MNIST)" >&2; exit 1; }
done
sed "s#data/fashion-mnist#$data#" models/lenet/train_test.prototxt >"$tmp/train_test.prototxt"
sed -e "s#^net:.*#net: \"$tmp/train_test.prototxt\"#" -e "s#^max_iter:.*#max_iter: $iterations#" \
  -e 's#^snapshot:.*#snapshot: 0#' -e "s#^snapshot_prefix:.*#snapshot_prefix: \"$tmp/lenet\"#" \
  models/lenet/solver.prototxt >"$tmp/solver.prototxt"
run "$tmp/cnn.log" "$cnn" train --solver="$tmp/solver.prototxt" --threads="$threads" "${engine[@]}"
run "$tmp/torch.log" /usr/bin/python3 scripts/bench/torch_peak_memory.py models/lenet/train_test.prototxt \
  --train --input=1,28,28 --batch=64 --threads="$threads" --iterations="$iterations"
c=$(peak "$tmp/cnn.log")
t=$(peak "$tmp/torch.log")
printf '%-34s %14s %18s %8.2f\n' "LeNet training, batch 64" "$c" "$t" "$(echo "$c / $t" | bc -l)"
sed -n 's/^Peak resident memory after import torch: \(.*\)$/(PyTorch after `import torch` alone: \1)/p' "$tmp/torch.log"
