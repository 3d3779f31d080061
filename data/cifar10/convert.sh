#!/usr/bin/env bash
# Converts the CIFAR-10 binary release, which you bring (it cannot be fetched
# here), into the LMDBs cifar10_train_lmdb and cifar10_test_lmdb beside this
# script, and their mean image, mean.binaryproto (for transform_param
# mean_file). SOURCE is the folder cifar-10-batches-bin (data_batch_1.bin ...
# data_batch_5.bin, test_batch.bin) or the archive cifar-10-binary.tar.gz.
# Databases already there are kept unless --force is given.
#
#   data/cifar10/convert.sh SOURCE [--force]
#
# Environment: CNN, the cnn binary (default build/tools/cnn in the repository).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cnn="${CNN:-$repo/build/tools/cnn}"

force=0
source_path=""
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "convert.sh: unknown option '$arg' (only --force is accepted)" >&2; exit 1 ;;
    *) source_path="$arg" ;;
  esac
done
if [ -z "$source_path" ]; then
  echo "convert.sh: give the CIFAR-10 binary release: its folder cifar-10-batches-bin or cifar-10-binary.tar.gz" >&2
  exit 1
fi
if [ ! -x "$cnn" ]; then
  echo "convert.sh: no cnn binary at '$cnn'; build it first (cmake --build build) or set CNN=/path/to/cnn" >&2
  exit 1
fi

batches="$source_path"
if [ -f "$source_path" ]; then
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  tar -xzf "$source_path" -C "$scratch"
  batches="$(dirname "$(find "$scratch" -name test_batch.bin | head -n 1)")"
fi
if [ ! -f "$batches/test_batch.bin" ]; then
  echo "convert.sh: '$source_path' holds no test_batch.bin: not the CIFAR-10 binary release" >&2
  exit 1
fi

train="$here/cifar10_train_lmdb"
test="$here/cifar10_test_lmdb"
if [ -e "$train" ] || [ -e "$test" ]; then
  if [ "$force" -eq 0 ]; then
    echo "convert.sh: $train or $test exists; kept (--force re-creates them)"
    exit 0
  fi
  rm -rf "$train" "$test" "$here/mean.binaryproto"
fi
# Written in a scratch folder and moved when complete, so an interrupted run
# never leaves a partial database that a later run would keep.
partial="$here/.partial"
rm -rf "$partial"
mkdir -p "$partial"
"$cnn" convert_cifar10 "$batches" "$partial" --backend=lmdb
"$cnn" compute_image_mean "$partial/cifar10_train_lmdb" "$partial/mean.binaryproto" --backend=lmdb
mv "$partial/cifar10_train_lmdb" "$train"
mv "$partial/cifar10_test_lmdb" "$test"
mv "$partial/mean.binaryproto" "$here/mean.binaryproto"
rmdir "$partial"
echo "convert.sh: wrote $train, $test and $here/mean.binaryproto"
