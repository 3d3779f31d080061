#!/usr/bin/env bash
# The GPU check, run on the GPU machine from the repository root after
# scripts/gpu/pack.sh packed .gpu/ here: every GPU test (pack "tests"), or
# `cnn time --gpu=0` beside PyTorch on AlexNet (batch 256) and GoogLeNet
# (batch 128) and LeNet trained 10,000 iterations on Fashion-MNIST on the GPU
# (pack "bench"). Logs go to $OUT (or .gpu/out).
#
#   bash scripts/gpu/run.sh tests bench train    (or any of the three)
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
out=${OUT:-$repo/.gpu/out}
mkdir -p "$out"
steps=${*:?usage: run.sh tests bench train}

for pack in .gpu/*.tar.xz; do tar xJf "$pack" -C /tmp; done
# shellcheck disable=SC1091
source /tmp/gpu-bundle/env.sh
# The test programs look for the sources, ../shared and the data set where
# they were on the build machine.
mkdir -p /work /usr/share/datasets
[ -e /work/main ] || ln -s "$repo" /work/main
[ -e /work/shared ] || ln -s "$repo/.gpu/shared" /work/shared 2>/dev/null || true
[ -e /usr/share/datasets/fashion-mnist ] || ln -s "$repo/.gpu/fashion-mnist" /usr/share/datasets/fashion-mnist
# test_cli runs the tool from the build directory it was built in.
if [ ! -e "$repo/build-gpu/tools/cnn" ] && [ -x /tmp/gpu-bundle/bin/cnn ]; then
  mkdir -p "$repo/build-gpu/tools" && ln -s /tmp/gpu-bundle/bin/cnn "$repo/build-gpu/tools/cnn"
fi
cnn device_query | tee "$out/device_query.txt"

status=0
if [[ $steps == *tests* ]]; then
  for t in /tmp/gpu-bundle/bin/test_*; do
    name=$(basename "$t")
    "$t" --gtest_brief=1 >"$out/$name.log" 2>&1
    rc=$?
    passed=$(grep -oE '^\[  PASSED  \] [0-9]+' "$out/$name.log" | grep -oE '[0-9]+$')
    skipped=$(grep -oE '^\[  SKIPPED \] [0-9]+' "$out/$name.log" | grep -oE '[0-9]+$')
    if [ $rc -ne 0 ]; then
      status=1
      echo "FAILED: $name (exit $rc)"; grep -E '^\[  FAILED|Failure|error' "$out/$name.log" | head -20
    else
      echo "ok: $name: ${passed:-0} passed, ${skipped:-0} skipped"
    fi
  done
fi

if [[ $steps == *bench* ]]; then
  ref=.gpu/shared/reference/caffe/models
  for spec in "bvlc_alexnet 256" "bvlc_googlenet 128"; do
    set -- $spec
    net=$ref/$1/deploy.prototxt
    # PyTorch lets cuDNN use TF32 for convolutions by default; cnn only when
    # CNN_CUDNN_ALLOW_TF32=1, so both cnn figures are taken.
    for round in 1 2; do
      cnn time --model="$net" --gpu=0 --batch="$2" --iterations=20 >"$out/cnn_$1_$round.txt" 2>&1 || status=1
      CNN_CUDNN_ALLOW_TF32=1 cnn time --model="$net" --gpu=0 --batch="$2" --iterations=20 \
        >"$out/cnn_tf32_$1_$round.txt" 2>&1 || status=1
      python3 .gpu/shared/bench/torch_time.py "$net" --device cuda --batch "$2" --iterations 20 \
        >"$out/torch_$1_$round.txt" 2>&1 || status=1
      echo "$1 batch $2 round $round:" \
           "cnn fp32 $(grep -E 'Images/s' "$out/cnn_$1_$round.txt"), $(grep -E 'Peak GPU' "$out/cnn_$1_$round.txt") |" \
           "cnn tf32 $(grep -E 'Images/s' "$out/cnn_tf32_$1_$round.txt") |" \
           "torch $(grep -E 'Images per second' "$out/torch_$1_$round.txt"), $(grep -E 'Peak GPU' "$out/torch_$1_$round.txt")"
    done
  done
fi

if [[ $steps == *train* ]]; then
  data=/tmp/fmnist
  mkdir -p "$data"
  fm=/usr/share/datasets/fashion-mnist
  rm -rf "$data/train_lmdb" "$data/test_lmdb"
  cnn convert_mnist "$fm/train-images-idx3-ubyte.gz" "$fm/train-labels-idx1-ubyte.gz" "$data/train_lmdb" >/dev/null 2>&1
  cnn convert_mnist "$fm/t10k-images-idx3-ubyte.gz" "$fm/t10k-labels-idx1-ubyte.gz" "$data/test_lmdb" >/dev/null 2>&1
  sed -e "s|data/fashion-mnist/fashion_mnist_train_lmdb|$data/train_lmdb|" \
      -e "s|data/fashion-mnist/fashion_mnist_test_lmdb|$data/test_lmdb|" models/lenet/train_test.prototxt >"$data/net.prototxt"
  sed -e "s|models/lenet/train_test.prototxt|$data/net.prototxt|" \
      -e "s|models/lenet/snapshots/lenet|$data/lenet|" models/lenet/solver.prototxt >"$data/solver.prototxt"
  start=$SECONDS
  if cnn train --solver="$data/solver.prototxt" --gpu=0 >"$out/train.log" 2>&1; then
    echo "LeNet 10k iterations on the GPU: $((SECONDS - start)) s"
  else
    status=1
    echo "FAILED: LeNet training on the GPU:"; tail -3 "$out/train.log"
  fi
  grep -E 'Test net output|Peak GPU' "$out/train.log" | tail -4
  cnn time --model="$data/net.prototxt" --phase=TRAIN --gpu=0 --iterations=50 >"$out/lenet_time.txt" 2>&1 || status=1
  grep -E '^(data|Average Forward-Backward)' "$out/lenet_time.txt"
fi
exit $status
