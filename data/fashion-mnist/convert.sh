#!/usr/bin/env bash
# Converts Fashion-MNIST (Debian's dataset-fashion-mnist, installed when
# missing) into the LMDBs fashion_mnist_train_lmdb and fashion_mnist_test_lmdb
# beside this script. Databases already there are kept unless --force is given.
#
#   data/fashion-mnist/convert.sh [--force]
#
# Environment: CNN, the cnn binary (default build/tools/cnn in the repository);
# FASHION_MNIST_DIR, the directory of the idx files (default the package's).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
package=dataset-fashion-mnist
src="${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
cnn="${CNN:-$repo/build/tools/cnn}"

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "convert.sh: unknown argument '$arg' (only --force is accepted)" >&2; exit 1 ;;
  esac
done

if [ ! -x "$cnn" ]; then
  echo "convert.sh: no cnn binary at '$cnn'; build it first (cmake --build build) or set CNN=/path/to/cnn" >&2
  exit 1
fi

if [ ! -f "$src/t10k-labels-idx1-ubyte.gz" ]; then
  if [ -n "${FASHION_MNIST_DIR:-}" ]; then
    echo "convert.sh: FASHION_MNIST_DIR='$src' holds no Fashion-MNIST idx files" >&2
    exit 1
  fi
  echo "convert.sh: installing the Debian package $package"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "$package"
fi

# name: the output's part (train/test); prefix: the idx files' (train/t10k).
convert() {
  local name="$1" prefix="$2"
  local out="$here/fashion_mnist_${name}_lmdb"
  if [ -e "$out" ]; then
    if [ "$force" -eq 0 ]; then
      echo "convert.sh: $out exists; kept (--force re-creates it)"
      return
    fi
    rm -rf "$out"
  fi
  # Written under another name and renamed when complete, so an interrupted
  # run never leaves a partial database that a later run would keep.
  local partial="$out.partial"
  rm -rf "$partial"
  "$cnn" convert_mnist "$src/$prefix-images-idx3-ubyte.gz" "$src/$prefix-labels-idx1-ubyte.gz" "$partial" \
    --backend=lmdb
  mv "$partial" "$out"
  echo "convert.sh: wrote $out"
}

convert train train
convert test t10k
