// Runs an ONNX model in ONNX Runtime (the npm package onnxruntime-node, found
// through NODE_PATH) on inputs given as raw little-endian float32 files, and
// writes every graph output the same way, for comparing with `cnn`.
//
//   NODE_PATH=build/onnxrt/node_modules node scripts/onnx/run_onnx.js \
//       MODEL.onnx OUT_DIR NAME:DIMS:FILE [NAME:DIMS:FILE ...]
//
// DIMS is 1x3x224x224. OUT_DIR gets out_<k>.bin per output and outputs.tsv,
// one line per output: NAME, DIMS and FILE separated by tabs. Exit status 2:
// the runtime is not installed.
'use strict';
const fs = require('fs');
const path = require('path');

let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  console.error('run_onnx: onnxruntime-node is not installed (npm install --ignore-scripts onnxruntime-node): ' +
                e.message);
  process.exit(2);
}

async function main() {
  const [model, outDir, ...specs] = process.argv.slice(2);
  if (!model || !outDir || specs.length === 0) {
    console.error('usage: run_onnx.js MODEL.onnx OUT_DIR NAME:DIMS:FILE [...]');
    process.exit(1);
  }
  const feeds = {};
  for (const spec of specs) {
    // The name may itself hold ':'; the last two fields are the dims and the file.
    const parts = spec.split(':');
    if (parts.length < 3) throw new Error(`bad input '${spec}', expected NAME:DIMS:FILE`);
    const file = parts.pop();
    const dims = parts.pop().split('x').map(Number);
    const name = parts.join(':');
    const bytes = fs.readFileSync(file);
    const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new Error(`${file}: ${data.length} floats, dims ${dims.join('x')} need ${count}`);
    feeds[name] = new ort.Tensor('float32', Float32Array.from(data), dims);
  }
  // Basic optimisations only: the fusions of higher levels reorder float
  // sums, and the comparison is of the graph's own arithmetic.
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'basic' });
  const results = await session.run(feeds);
  fs.mkdirSync(outDir, { recursive: true });
  let manifest = '';
  session.outputNames.forEach((name, k) => {
    const t = results[name];
    const file = path.join(outDir, `out_${k}.bin`);
    fs.writeFileSync(file, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    manifest += `${name}\t${t.dims.map(Number).join('x')}\t${file}\n`;
  });
  fs.writeFileSync(path.join(outDir, 'outputs.tsv'), manifest);
}

main().catch((e) => {
  console.error('run_onnx: ' + e.message);
  process.exit(1);
});
