#!/usr/bin/env bash
# CPU speed against the anchors in ../shared/bench/ANCHORS.md: runs `cnn time`
# and PyTorch (../shared/bench/torch_time.py) side by side on Caffe's reference
# nets, alternating them for ROUNDS rounds, and compares the median
# forward+backward ratio cnn/PyTorch with Caffe's ratio on the same nets.
#
#   bash scripts/bench/cpu_time.sh            # ROUNDS=3 THREADS=2
#
# Environment: ROUNDS (3), THREADS (2: OpenBLAS and PyTorch threads),
# BUILD_DIR (build; the cnn tool is built there when missing), SHARED
# (../shared), NETS (space-separated subset of: lenet cifar10_quick alexnet googlenet
# resnet50 mobilenet_v1; the default is the first four),
# OUT_DIR (where the raw logs go; default BUILD_DIR/bench), ENGINES (unset: cnn
# with each layer's own engine, and in a build with oneDNN beside it cnn
# without oneDNN, `--engine=CAFFE` (our own kernels); else a space-separated list of
# `cnn time --engine` values, e.g. "CAFFE DNNL", each timed as its own column
# in the same alternating rounds; `ENGINE+VAR=value` runs that engine with one
# environment setting, e.g. "DNNL+CNN_DNNL_KEEP_LAYOUT=0 DNNL"), FORWARD_ONLY
# (1: inference instead, `cnn time --phase=TEST --forward_only` beside PyTorch in
# eval mode under no_grad, scripts/bench/torch_infer_time.py; the target is then
# PyTorch's own time, as no anchor has inference figures).
# Exits 1 when a run fails; a slower-than-anchor net is reported, not fatal.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
rounds=${ROUNDS:-3}
threads=${THREADS:-2}
build_dir=${BUILD_DIR:-build}
shared=${SHARED:-../shared}
nets=${NETS:-lenet cifar10_quick alexnet googlenet}
out_dir=${OUT_DIR:-$build_dir/bench}
forward_only=${FORWARD_ONLY:-0}
cnn_tools=(cnn)
if [ -n "${ENGINES:-}" ]; then
  cnn_tools=()
  for e in $ENGINES; do cnn_tools+=("cnn-$e"); done
fi
ref=$shared/reference/caffe

if [ ! -d "$ref" ]; then
  echo "cpu_time.sh: $ref is absent (the reference nets live in ../shared)" >&2
  exit 1
fi
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "cpu_time.sh: installing Debian's python3-torch for the PyTorch anchor"
  CNN_EXTRA_PACKAGES=python3-torch bash scripts/install_deps.sh
fi
cnn=$build_dir/tools/cnn
if [ ! -x "$cnn" ]; then
  bash scripts/install_deps.sh
  CCACHE_BASEDIR=$root cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
  cmake --build "$build_dir" -j "$(nproc)" --target cnn_tool
fi
mkdir -p "$out_dir"
if [ -z "${ENGINES:-}" ] && "$cnn" version | grep -q '^oneDNN: on'; then cnn_tools+=(cnn-CAFFE); fi

export OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads
# One OpenBLAS kernel set for cnn, sgemm_peak and PyTorch (share_blas_core.sh).
source scripts/bench/share_blas_core.sh
share_blas_core "$cnn"

# name | prototxt | batch (0: the net's own) | iterations | target cnn/PyTorch ratio:
# Caffe's ratio to PyTorch (ANCHORS.md) for Caffe's reference nets; for the zoo's
# ResNet-50 and MobileNet-v1 (no Caffe figure) the layer-catalogue issue's target,
# at most PyTorch's time.
table() {
  cat <<TABLE
lenet|$ref/examples/mnist/lenet.prototxt|0|200|1.3
cifar10_quick|$ref/examples/cifar10/cifar10_quick.prototxt|100|20|2.0
alexnet|$ref/models/bvlc_alexnet/deploy.prototxt|0|10|0.56
googlenet|$ref/models/bvlc_googlenet/deploy.prototxt|0|5|1.36
resnet50|models/resnet50/deploy.prototxt|10|3|1.0
mobilenet_v1|models/mobilenet_v1/deploy.prototxt|10|5|1.0
TABLE
}

# The forward+backward milliseconds a log reports (both tools print Caffe's line).
fwd_bwd() { sed -n 's/^Average Forward-Backward: \([0-9.]*\) ms.*/\1/p' "$1" | tail -1; }
median() {
  awk '{for (i = 1; i <= NF; ++i) v[++n] = $i}
       END {if (n == 0) {print "-"; exit}
            for (i = 2; i <= n; ++i) for (j = i; j > 1 && v[j-1] > v[j]; --j) {t = v[j]; v[j] = v[j-1]; v[j-1] = t}
            if (n % 2) print v[(n + 1) / 2]; else printf "%.3f\n", (v[n/2] + v[n/2+1]) / 2}'
}

g++ -O2 scripts/bench/sgemm_peak.cpp -lopenblas -o "$out_dir/sgemm_peak"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
"$out_dir/sgemm_peak" 2048 10
"$build_dir/tools/cnn" version | grep -E '^(cnn|BLAS|oneDNN)'
[ -z "$blas_note" ] || echo "$blas_note"
echo "rounds: $rounds, threads: $threads, logs: $out_dir"
echo

failed=0
declare -A ms_of  # "net|tool" -> the rounds' milliseconds
for round in $(seq 1 "$rounds"); do
  while IFS='|' read -r name model batch iters anchor; do
    [[ " $nets " == *" $name "* ]] || continue
    cnn_flags=(--model="$model" --iterations="$iters")
    torch_flags=("$model" --iterations "$iters" --threads "$threads")
    torch_script=$shared/bench/torch_time.py
    if [ "$forward_only" = 1 ]; then
      cnn_flags+=(--phase=TEST --forward_only)
      torch_script=scripts/bench/torch_infer_time.py
      anchor=1.0
    fi
    if [ "$batch" != 0 ]; then
      cnn_flags+=(--batch="$batch")
      torch_flags+=(--batch "$batch")
    fi
    # Alternate which tool goes first, so none always meets a warmer machine.
    order="${cnn_tools[*]} torch"
    if [ $((round % 2)) -eq 0 ]; then order="torch $(printf '%s\n' "${cnn_tools[@]}" | tac | tr '\n' ' ')"; fi
    for tool in $order; do
      log=$out_dir/$name.$tool.$round.log
      if [ "$tool" = torch ]; then
        cmd=(/usr/bin/python3 "$torch_script" "${torch_flags[@]}")
      elif [ "$tool" = cnn ]; then
        cmd=("$cnn" time "${cnn_flags[@]}")
      else
        spec=${tool#cnn-}
        cmd=("$cnn" time "${cnn_flags[@]}" --engine="${spec%%+*}")
        if [[ "$spec" == *+* ]]; then cmd=(env "${spec#*+}" "${cmd[@]}"); fi
      fi
      if "${cmd[@]}" >"$log" 2>&1 && [ -n "$(fwd_bwd "$log")" ]; then
        ms=$(fwd_bwd "$log")
        ms_of[$name|$tool]+=" $ms"
        echo "round $round: $name $tool $ms ms"
      else
        echo "round $round: $name $tool FAILED: $(tail -1 "$log")"
        failed=1
      fi
    done
  done < <(table)
done

echo
pass=fwd+bwd
[ "$forward_only" = 1 ] && pass=fwd
printf '%-14s %-12s %6s %6s %16s %18s %10s %14s %7s\n' net tool batch iters "cnn $pass ms" "torch $pass ms" \
  cnn/torch "target" verdict
while IFS='|' read -r name model batch iters anchor; do
  [[ " $nets " == *" $name "* ]] || continue
  [ "$forward_only" = 1 ] && anchor=1.0
  t=$(echo "${ms_of[$name|torch]:-}" | median)
  for tool in "${cnn_tools[@]}"; do
    c=$(echo "${ms_of[$name|$tool]:-}" | median)
    shown_batch=$batch
    if [ "$batch" = 0 ]; then
      shown_batch=$(sed -n 's/.*batch \([0-9]*\).*/\1/p' "$out_dir/$name.$tool.1.log" 2>/dev/null | head -1 || true)
    fi
    if [ "$c" = - ] || [ "$t" = - ]; then
      ratio=-
      verdict=ERROR
    else
      ratio=$(awk -v c="$c" -v t="$t" 'BEGIN {printf "%.2f", c / t}')
      verdict=$(awk -v r="$ratio" -v a="$anchor" 'BEGIN {print (r <= a) ? "PASS" : "FAIL"}')
    fi
    printf '%-14s %-12s %6s %6s %16s %18s %10s %14s %7s\n' "$name" "$tool" "${shown_batch:--}" "$iters" "$c" "$t" \
      "$ratio" "$anchor" "$verdict"
  done
done < <(table)
echo
if [ "$forward_only" = 1 ]; then
  echo "PASS: cnn/torch is at most 1.0, PyTorch's own inference time (lower is faster)."
else
  echo "PASS: cnn/torch is at most the target (Caffe's ratio to PyTorch on its nets, 1.0 on the zoo's; lower is faster)."
fi
exit "$failed"
