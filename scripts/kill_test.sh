#!/usr/bin/env bash
# kill -9 at a random moment of a training run that snapshots every
# iteration, TRIES times: after each kill, the newest complete snapshot (a
# .solverstate, written after its .caffemodel) must load in `cnn test` and
# resume in `cnn train --snapshot`, and the resumed run must leave no
# temporary file (*.tmp.PID) behind. The kill moments (a delay after the
# first snapshot write begins) come from a seeded generator, so a run
# repeats its sequence of delays.
#
#   scripts/kill_test.sh [TRIES]        (default 100)
#
# Environment: CNN (the cnn binary, default build/tools/cnn), KILL_SEED
# (default 1), KILL_MAX_MS (latest kill, in ms after the first snapshot write begins;
# default 1500),
# KILL_WORK (working directory, default a fresh temporary one, removed at the end).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
tries=${1:-100}
cnn=${CNN:-$repo/build/tools/cnn}
seed=${KILL_SEED:-1}
max_ms=${KILL_MAX_MS:-1500}
[[ "$tries" =~ ^[0-9]+$ ]] || { echo "usage: scripts/kill_test.sh [TRIES]" >&2; exit 1; }
[ -x "$cnn" ] || { echo "kill_test.sh: no cnn binary at '$cnn' (build it, or set CNN)" >&2; exit 1; }
if [ -n "${KILL_WORK:-}" ]; then
  work=$KILL_WORK; mkdir -p "$work"
else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fi

# A net whose snapshot files (~0.5 MiB each, fsynced) take long enough to
# write that kills land inside writes as well as between them.
cat > "$work/net.prototxt" <<'TEXT'
name: "killme"
layer { name: "data" type: "DummyData" top: "x" top: "y"
  dummy_data_param { shape { dim: 8 dim: 256 } shape { dim: 8 }
    data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 2 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "score"
  inner_product_param { num_output: 500 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "y" top: "loss" }
TEXT
solver() {  # MAX_ITER OUT
  printf 'net: "%s/net.prototxt"\nbase_lr: 0.01\nmomentum: 0.9\nlr_policy: "fixed"\nmax_iter: %d\nsnapshot: 1\ndisplay: 0\nsnapshot_prefix: "%s/snap/k"\nrandom_seed: 1\n' \
    "$work" "$1" "$work" > "$2"
}
solver 100000 "$work/long.prototxt"

# Seeded delays: bash's RANDOM repeats its sequence for a given seed.
RANDOM=$seed
ok=0 before_first=0 failed=0 inside_write=0
for ((i = 1; i <= tries; ++i)); do
  delay_ms=$(( (RANDOM * 32768 + RANDOM) % max_ms ))
  rm -rf "$work/snap" && mkdir -p "$work/snap"
  "$cnn" train --minloglevel=2 --solver="$work/long.prototxt" > "$work/train.log" 2>&1 &
  pid=$!
  # The delay counts from the first snapshot write (its temporary appearing),
  # so start-up time, which varies with the machine's load, does not decide
  # whether kills land inside the snapshotting part of the run.
  for ((w = 0; w < 600; ++w)); do
    [ -n "$(ls "$work/snap")" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  ls "$work/snap" | grep -q '\.tmp\.' && inside_write=$((inside_write + 1))
  newest=$(ls "$work/snap" | sed -n 's/^k_iter_\([0-9]*\)\.solverstate$/\1/p' | sort -n | tail -1)
  if [ -z "$newest" ]; then
    before_first=$((before_first + 1))
    continue
  fi
  problem=""
  if ! "$cnn" test --minloglevel=2 --model="$work/net.prototxt" --weights="$work/snap/k_iter_$newest.caffemodel" \
      --iterations=1 > "$work/test.log" 2>&1; then
    problem="iteration $newest's caffemodel does not load: $(tail -1 "$work/test.log")"
  else
    solver $((newest + 2)) "$work/resume.prototxt"
    if ! "$cnn" train --minloglevel=2 --solver="$work/resume.prototxt" \
        --snapshot="$work/snap/k_iter_$newest.solverstate" > "$work/resume.log" 2>&1; then
      problem="iteration $newest's solverstate does not resume: $(tail -1 "$work/resume.log")"
    elif [ ! -f "$work/snap/k_iter_$((newest + 2)).solverstate" ]; then
      problem="the run resumed from iteration $newest wrote no snapshot at $((newest + 2))"
    elif ls "$work/snap" | grep -q '\.tmp\.'; then
      problem="temporaries left after resuming: $(ls "$work/snap" | grep '\.tmp\.' | tr '\n' ' ')"
    fi
  fi
  if [ -n "$problem" ]; then
    failed=$((failed + 1))
    echo "kill_test.sh: try $i (killed after $delay_ms ms): $problem" >&2
  else
    ok=$((ok + 1))
  fi
done
echo "kill_test.sh: $tries kills (seed $seed): $ok resumed from the newest snapshot, $before_first before the first snapshot, $failed failed; $inside_write kills left a temporary (cleaned by the resume)"
[ "$failed" -eq 0 ]
