#!/usr/bin/env bash
# Trains models/fmnist_resnet (a residual net with BatchNorm) on Fashion-MNIST
# with `cnn train`, scores the final snapshot with `cnn test`, and trains the
# same recipe in PyTorch beside it (scripts/bench/torch_fmnist_resnet.py), one
# after the other with the same thread count. Not part of CI: it takes tens
# of minutes on a 2-core machine.
#
#   bash scripts/bench/fmnist_resnet.sh        # THREADS=2 ITERATIONS=6000 by default
#
# Prints each side's test accuracy and wall time, and their ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${THREADS:-2}
build_dir=${BUILD_DIR:-build}
cnn="$build_dir/tools/cnn"
log_dir="$build_dir/bench"
mkdir -p "$log_dir"

CNN_EXTRA_PACKAGES="dataset-fashion-mnist python3-torch" bash scripts/install_deps.sh
[ -x "$cnn" ] || { echo "fmnist_resnet.sh: build cnn first ($cnn missing)" >&2; exit 1; }
CNN="$cnn" bash data/fashion-mnist/convert.sh

solver="$log_dir/fmnist_resnet_solver.prototxt"
iterations=${ITERATIONS:-6000}
sed -e "s/^max_iter: .*/max_iter: $iterations/" -e "s/^snapshot: .*/snapshot: 0/" \
    -e "s|^snapshot_prefix: .*|snapshot_prefix: \"$log_dir/fmnist_resnet\"|" models/fmnist_resnet/solver.prototxt > "$solver"

start=$(date +%s.%N)
OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads "$cnn" train --solver="$solver" 2> "$log_dir/fmnist_resnet_cnn.log"
cnn_wall=$(echo "$(date +%s.%N) - $start" | bc)
cnn_acc=$("$cnn" test --model=models/fmnist_resnet/train_val.prototxt \
    --weights="$log_dir/fmnist_resnet_iter_${iterations}.caffemodel" --iterations=100 2>/dev/null |
  sed -n 's/^accuracy = \([0-9.]*\)$/\1/p' | tail -n 1)

OPENBLAS_NUM_THREADS=$threads /usr/bin/python3 scripts/bench/torch_fmnist_resnet.py --iterations "$iterations" \
  --threads "$threads" | tee "$log_dir/fmnist_resnet_torch.log"
torch_acc=$(sed -n 's/^test accuracy //p' "$log_dir/fmnist_resnet_torch.log")
torch_wall=$(sed -n 's/^wall time \([0-9.]*\) s$/\1/p' "$log_dir/fmnist_resnet_torch.log")

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $threads threads; $("$cnn" version | grep -i openblas | head -n 1)"
printf 'cnn:     test accuracy %s, %.0f s wall (%d iterations)\n' "$cnn_acc" "$cnn_wall" "$iterations"
printf 'PyTorch: test accuracy %s, %.0f s wall\n' "$torch_acc" "$torch_wall"
printf 'cnn / PyTorch wall time: %.2f\n' "$(echo "$cnn_wall / $torch_wall" | bc -l)"
