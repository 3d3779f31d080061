#!/usr/bin/env bash
# Forward+backward time of our LSTM layer (scripts/bench/lstm_bench.prototxt
# through `cnn time`) against torch.nn.LSTM on the same sizes
# (scripts/bench/torch_lstm_bench.py): T = 28, N = 64, D = 28, H = 128, the
# sizes of models/lstm_fmnist. Both sides run one after the other in this
# call with the same thread count; the ratio is ours / PyTorch's (below 1:
# ours is faster). Takes well under a minute.
#
#   bash scripts/bench/lstm_bench.sh      # THREADS=2 ITERATIONS=50 by default
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${THREADS:-2}
iterations=${ITERATIONS:-50}
cnn="${BUILD_DIR:-build}/tools/cnn"
[ -x "$cnn" ] || { echo "lstm_bench.sh: build cnn first ($cnn missing)" >&2; exit 1; }
/usr/bin/python3 -c "import torch" 2>/dev/null || CNN_EXTRA_PACKAGES="python3-torch" bash scripts/install_deps.sh

out=$(OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads "$cnn" time \
  --model=scripts/bench/lstm_bench.prototxt --iterations="$iterations" --warmup=3 2>&1)
# The LSTM layer's row: name, type, shape, forward ms, backward ms, share.
ours=$(echo "$out" | awk '$1 == "lstm1" && $2 == "LSTM" { printf "%.3f", $4 + $5 }')
[ -n "$ours" ] || { echo "lstm_bench.sh: no lstm1 row in cnn time's output:" >&2; echo "$out" >&2; exit 1; }
torch_out=$(OPENBLAS_NUM_THREADS=$threads /usr/bin/python3 scripts/bench/torch_lstm_bench.py \
  --iterations "$iterations" --threads "$threads")
theirs=$(echo "$torch_out" | sed -n 's/^torch forward-backward ms //p')

echo "LSTM T=28 N=64 D=28 H=128, forward+backward, $threads threads, $iterations iterations"
echo "$torch_out" | head -n 1
echo "cnn   LSTM layer: $ours ms"
echo "torch nn.LSTM:    $theirs ms"
echo "ratio cnn/torch:  $(echo "scale=3; $ours / $theirs" | bc)"
