#!/usr/bin/env bash
# Installs every Debian package that building and testing cnn needs.
# Idempotent; run as root (or with sudo available). The CUDA toolkit is not
# installed here: it is used when already present in /usr/local/cuda.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache git
  protobuf-compiler libprotobuf-dev
  libopenblas-dev
  libgflags-dev libgoogle-glog-dev
  liblmdb-dev libleveldb-dev libsnappy-dev zlib1g-dev
  libopencv-dev
  libgtest-dev googletest
  libhdf5-dev python3-h5py
  libdnnl-dev  # oneDNN: the DNNL engine of the CPU layers (a build without it uses our kernels)
  python3-dev python3-numpy python3-protobuf pybind11-dev
  openmpi-bin libopenmpi-dev  # data-parallel training (mpirun -np N cnn train)
  python3-matplotlib graphviz  # `cnn plot` and `cnn draw` (their tests skip without them)
)
# Optional extras (a data set for demos and end-to-end tests; PyTorch for benchmarks)
# are requested with CNN_EXTRA_PACKAGES, e.g. "dataset-fashion-mnist python3-torch".
read -r -a extra <<< "${CNN_EXTRA_PACKAGES:-}"

missing=()
for p in "${packages[@]}" "${extra[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install_deps: installed ${missing[*]}"
