#!/usr/bin/env bash
# Installs ONNX Runtime for Node (the npm package onnxruntime-node) into DIR
# (default build/onnxrt), where the export_onnx tests look for it:
#
#   bash scripts/onnx/install_onnxruntime.sh [DIR]
#
# --ignore-scripts keeps the package's bundled CPU library and skips its
# install script, which downloads GPU builds from outside the registry (and
# fails where only the registry is reachable). Never fails: without node/npm
# or the package the ONNX Runtime comparisons are skipped, not failed.
set -uo pipefail
dir=${1:-build/onnxrt}
version=1.30.0
if [ -f "$dir/node_modules/onnxruntime-node/package.json" ]; then
  exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install_onnxruntime.sh: node or npm is absent: the ONNX Runtime comparisons will be skipped"
  exit 0
fi
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"private": true}' > "$dir/package.json"
if (cd "$dir" && timeout 300 npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
      "onnxruntime-node@$version" > npm-install.log 2>&1); then
  echo "install_onnxruntime.sh: onnxruntime-node $version in $dir/node_modules"
else
  echo "install_onnxruntime.sh: npm install failed (see $dir/npm-install.log): the ONNX Runtime comparisons will be skipped"
fi
exit 0
