#!/usr/bin/env bash
# Weak scaling of data-parallel training: time per iteration of 1 rank × 1
# thread against `mpirun -np 2` × 1 thread each, the same per-rank batch,
# for LeNet (batch 64) and CIFAR-10 quick (batch 100) on DummyData (the
# models' layers, no database to prepare). Efficiency = t(1 rank) / t(2 ranks).
#
#   scripts/bench/mpi_weak_scaling.sh [ITERS]     (default 200)
#
# Environment: CNN (default build/tools/cnn). The figures are only
# meaningful on an otherwise idle machine with at least 2 cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cnn=${CNN:-$repo/build/tools/cnn}
iters=${1:-200}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

data() {  # BATCH C H W
  echo "layer { name: \"data\" type: \"DummyData\" top: \"data\" top: \"label\"
  dummy_data_param { shape { dim: $1 dim: $2 dim: $3 dim: $4 } shape { dim: $1 }
    data_filler { type: \"uniform\" min: 0 max: 1 } data_filler { type: \"constant\" value: 3 } } }"
}
conv() {  # NAME BOTTOM OUT KERNEL PAD
  echo "layer { name: \"$1\" type: \"Convolution\" bottom: \"$2\" top: \"$1\"
  convolution_param { num_output: $3 kernel_size: $4 pad: $5 weight_filler { type: \"xavier\" } } }"
}
pool() {  # NAME BOTTOM MAX|AVE KERNEL STRIDE
  echo "layer { name: \"$1\" type: \"Pooling\" bottom: \"$2\" top: \"$1\"
  pooling_param { pool: $3 kernel_size: $4 stride: $5 } }"
}
ip() { echo "layer { name: \"$1\" type: \"InnerProduct\" bottom: \"$2\" top: \"$1\"
  inner_product_param { num_output: $3 weight_filler { type: \"xavier\" } } }"; }
relu() { echo "layer { name: \"relu_$1\" type: \"ReLU\" bottom: \"$1\" top: \"$1\" }"; }
loss() { echo "layer { name: \"loss\" type: \"SoftmaxWithLoss\" bottom: \"$1\" bottom: \"label\" top: \"loss\" }"; }

{ echo 'name: "LeNet"'; data 64 1 28 28; conv conv1 data 20 5 0; pool pool1 conv1 MAX 2 2; conv conv2 pool1 50 5 0
  pool pool2 conv2 MAX 2 2; ip ip1 pool2 500; relu ip1; ip ip2 ip1 10; loss ip2; } > "$work/lenet.prototxt"
{ echo 'name: "CIFAR10_quick"'; data 100 3 32 32; conv conv1 data 32 5 2; pool pool1 conv1 MAX 3 2; relu pool1
  conv conv2 pool1 32 5 2; relu conv2; pool pool2 conv2 AVE 3 2; conv conv3 pool2 64 5 2; relu conv3
  pool pool3 conv3 AVE 3 2; ip ip1 pool3 64; ip ip2 ip1 10; loss ip2; } > "$work/cifar10_quick.prototxt"

rate() {  # the last "(X iter/s)" of a log
  grep -o '([0-9.e+]* iter/s)' "$1" | tail -1 | tr -d '(' | cut -d' ' -f1
}
for net in lenet cifar10_quick; do
  printf 'net: "%s"\nbase_lr: 0.001\nmomentum: 0.9\nlr_policy: "fixed"\nmax_iter: %d\ndisplay: %d\nrandom_seed: 1\nsnapshot_after_train: false\n' \
    "$work/$net.prototxt" "$iters" "$((iters / 2))" > "$work/$net.solver"
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$cnn" train --solver="$work/$net.solver" > "$work/one.log" 2>&1
  mpirun --allow-run-as-root --oversubscribe -np 2 -x OPENBLAS_NUM_THREADS=1 -x OMP_NUM_THREADS=1 \
    "$cnn" train --solver="$work/$net.solver" > "$work/two.log" 2>&1
  one=$(rate "$work/one.log"); two=$(rate "$work/two.log")
  grep -o 'All-reduce over.*' "$work/two.log" | tail -1
  awk -v n="$net" -v a="$one" -v b="$two" 'BEGIN {
    printf "%-14s 1 rank: %7.2f ms/iter   2 ranks: %7.2f ms/iter   weak-scaling efficiency %.1f%%\n",
      n, 1000 / a, 1000 / b, 100 * b / a }'
done
