#!/usr/bin/env bash
# Trains models/fmnist_resnet (a residual net with BatchNorm) on Fashion-MNIST
# with `cnn train`, scores the final snapshot with `cnn test`, and trains the
# same recipe in PyTorch beside it (scripts/bench/torch_fmnist_resnet.py), one
# after the other with the same thread count. Not part of CI: it takes tens
# of minutes on a 2-core machine.
#
#   bash scripts/bench/fmnist_resnet.sh        # THREADS=2 ITERATIONS=6000 by default
#   TOGETHER=1 bash scripts/bench/fmnist_resnet.sh   # both at once, THREADS=1 each
#
# TOGETHER=1 runs the two trainings at the same time, one core each: on a
# machine other jobs load, both sides then see the same load, so their ratio
# still means something where two runs one after the other would not.
# Prints each side's test accuracy and wall time, and their ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
together=${TOGETHER:-0}
if [ "$together" = 1 ]; then threads=${THREADS:-1}; else threads=${THREADS:-2}; fi
build_dir=${BUILD_DIR:-build}
cnn="$build_dir/tools/cnn"
log_dir="$build_dir/bench"
mkdir -p "$log_dir"

CNN_EXTRA_PACKAGES="dataset-fashion-mnist python3-torch" bash scripts/install_deps.sh
[ -x "$cnn" ] || { echo "fmnist_resnet.sh: build cnn first ($cnn missing)" >&2; exit 1; }
CNN="$cnn" bash data/fashion-mnist/convert.sh
# One OpenBLAS kernel set for cnn and PyTorch (share_blas_core.sh).
source scripts/bench/share_blas_core.sh
share_blas_core "$cnn"
[ -z "$blas_note" ] || echo "$blas_note"

solver="$log_dir/fmnist_resnet_solver.prototxt"
iterations=${ITERATIONS:-6000}
sed -e "s/^max_iter: .*/max_iter: $iterations/" -e "s/^snapshot: .*/snapshot: 0/" \
    -e "s|^snapshot_prefix: .*|snapshot_prefix: \"$log_dir/fmnist_resnet\"|" models/fmnist_resnet/solver.prototxt > "$solver"

train_cnn() {
  local start
  start=$(date +%s.%N)
  "$cnn" train --solver="$solver" --threads="$threads" 2> "$log_dir/fmnist_resnet_cnn.log"
  echo "$(date +%s.%N) - $start" | bc > "$log_dir/fmnist_resnet_cnn.wall"
}
train_torch() {
  OPENBLAS_NUM_THREADS=$threads /usr/bin/python3 scripts/bench/torch_fmnist_resnet.py --iterations "$iterations" \
    --threads "$threads" > "$log_dir/fmnist_resnet_torch.log"
}
if [ "$together" = 1 ]; then
  train_cnn &
  cnn_pid=$!
  train_torch
  wait "$cnn_pid"
else
  train_cnn
  train_torch
fi
cat "$log_dir/fmnist_resnet_torch.log"
cnn_wall=$(cat "$log_dir/fmnist_resnet_cnn.wall")
cnn_acc=$("$cnn" test --model=models/fmnist_resnet/train_val.prototxt \
    --weights="$log_dir/fmnist_resnet_iter_${iterations}.caffemodel" --iterations=100 2>/dev/null |
  sed -n 's/^accuracy = \([0-9.]*\)$/\1/p' | tail -n 1)

torch_acc=$(sed -n 's/^test accuracy //p' "$log_dir/fmnist_resnet_torch.log")
torch_wall=$(sed -n 's/^wall time \([0-9.]*\) s$/\1/p' "$log_dir/fmnist_resnet_torch.log")

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $threads threads$([ "$together" = 1 ] && echo ' each, both runs at once'); $("$cnn" version | grep -i openblas | head -n 1)"
printf 'cnn:     test accuracy %s, %.0f s wall (%d iterations)\n' "$cnn_acc" "$cnn_wall" "$iterations"
printf 'PyTorch: test accuracy %s, %.0f s wall\n' "$torch_acc" "$torch_wall"
printf 'cnn / PyTorch wall time: %.2f\n' "$(echo "$cnn_wall / $torch_wall" | bc -l)"
