#!/usr/bin/env bash
# Builds the clip databases models/c3d_clips trains on, from Fashion-MNIST
# (Debian's dataset-fashion-mnist, installed when missing):
#   data/c3d_clips/c3d_clips_train_lmdb   6000 clips from the training pictures (seed 1)
#   data/c3d_clips/c3d_clips_test_lmdb    1000 clips from the test pictures (seed 2)
# Each clip is 16 frames of 64x64 (a Datum of 16 channels); the label is the
# direction of motion (0-7). Databases already there are kept unless --force.
#
#   data/c3d_clips/make_clips.sh [--force]
#
# Environment: MAKE_C3D_CLIPS, the generator (default
# build/data/c3d_clips/make_c3d_clips); FASHION_MNIST_DIR, the idx files'
# directory (default the package's); TRAIN_CLIPS / TEST_CLIPS, the counts.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
package=dataset-fashion-mnist
src="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
gen="${MAKE_C3D_CLIPS:-$repo/build/data/c3d_clips/make_c3d_clips}"
train_clips="${TRAIN_CLIPS:-6000}"
test_clips="${TEST_CLIPS:-1000}"

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "make_clips.sh: unknown argument '$arg' (only --force is accepted)" >&2; exit 1 ;;
  esac
done

if [ ! -x "$gen" ]; then
  echo "make_clips.sh: no generator at '$gen'; build it first (cmake --build build --target make_c3d_clips)" >&2
  exit 1
fi

if [ ! -f "$src/t10k-images-idx3-ubyte.gz" ]; then
  if [ -n "${FASHION_MNIST_DIR:-}" ]; then
    echo "make_clips.sh: FASHION_MNIST_DIR='$src' holds no Fashion-MNIST idx files" >&2
    exit 1
  fi
  echo "make_clips.sh: installing the Debian package $package"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "$package"
fi

# name: the output's part; prefix: the idx file's (train/t10k).
make() {
  local name="$1" prefix="$2" count="$3" seed="$4"
  local out="$here/c3d_clips_${name}_lmdb"
  if [ -e "$out" ]; then
    if [ "$force" -eq 0 ]; then
      echo "make_clips.sh: $out exists; kept (--force re-creates it)"
      return
    fi
    rm -rf "$out"
  fi
  # Renamed only when complete, so an interrupted run leaves nothing a later run would keep.
  local partial="$out.partial"
  rm -rf "$partial"
  "$gen" "$src/$prefix-images-idx3-ubyte.gz" "$partial" "$count" "$seed"
  mv "$partial" "$out"
}

make train train "$train_clips" 1
make test t10k "$test_clips" 2
