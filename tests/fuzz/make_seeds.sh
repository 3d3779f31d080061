#!/usr/bin/env bash
# Regenerates the committed seed files of tests/fuzz/corpus/<target>/: tiny
# inputs of our own making that each reach the interesting part of a reader
# (a caffemodel that fits fuzz_caffemodel's net, solver states for two
# solver types, raw/float/encoded Datum records, idx files plain and gzipped,
# an image list). Binary protobufs are encoded from text with protoc.
#
#   tests/fuzz/make_seeds.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
corpus="$here/corpus"
encode() {  # TYPE OUT < text
  protoc --encode="cnn.$1" -I"$repo/proto" "$repo/proto/cnn.proto" > "$2"
}
values() {  # N: N small floats as "data: ..." lines
  python3 -c "import sys; n=int(sys.argv[1]); print(' '.join('data: %g' % ((i % 7 - 3) / 10) for i in range(n)))" "$1"
}
mkdir -p "$corpus"/{net_prototxt,caffemodel,solverstate,datum,idx,image_list}

# --- caffemodel: the blobs of fuzz_caffemodel's net (conv 2x1x3x3 + 2, fc 3x8 + 3).
encode NetParameter "$corpus/caffemodel/fits.caffemodel" <<TEXT
name: "fuzz"
layer { name: "conv" type: "Convolution"
  blobs { shape { dim: 2 dim: 1 dim: 3 dim: 3 } $(values 18) }
  blobs { shape { dim: 2 } $(values 2) } }
layer { name: "fc" type: "InnerProduct"
  blobs { shape { dim: 3 dim: 8 } $(values 24) }
  blobs { shape { dim: 3 } $(values 3) } }
TEXT
# Caffe's V1 layout (legacy num/channels/height/width, enum types).
encode NetParameter "$corpus/caffemodel/v1.caffemodel" <<TEXT
name: "fuzz"
layers { name: "conv" type: CONVOLUTION
  blobs { num: 2 channels: 1 height: 3 width: 3 $(values 18) }
  blobs { num: 1 channels: 1 height: 1 width: 2 $(values 2) } }
layers { name: "fc" type: INNER_PRODUCT
  blobs { num: 1 channels: 1 height: 3 width: 8 $(values 24) }
  blobs { num: 1 channels: 1 height: 1 width: 3 $(values 3) } }
TEXT

# --- solverstate: first byte picks the solver type (0 SGD, 5 Adam), then the
# state for fuzz_solverstate's net (fc 2x16 + 2, a Data layer at record 1).
state() {  # TYPE_BYTE HISTORY_SETS OUT
  local text="iter: 7 current_step: 0 learned_net: \"\""
  for ((k = 0; k < $2; ++k)); do
    text+=" history { shape { dim: 2 dim: 16 } $(values 32) } history { shape { dim: 2 } $(values 2) }"
  done
  text+=' layer_state { net: 0 layer: "data" state: "cnn.DataLayer.v1 1 0" }'
  text+=' rng_state: "5489 1 2 3"'
  { printf "\\x$(printf %02x "$1")"; echo "$text" | protoc --encode=cnn.SolverState -I"$repo/proto" "$repo/proto/cnn.proto"; } > "$3"
}
state 0 1 "$corpus/solverstate/sgd.bin"
state 5 2 "$corpus/solverstate/adam.bin"

# --- datum: first byte picks the transformation (see fuzz_datum.cpp).
datum() {  # PICK_BYTE OUT < text
  local pick="$1" out="$2"
  { printf "\\x$(printf %02x "$pick")"; protoc --encode=cnn.Datum -I"$repo/proto" "$repo/proto/cnn.proto"; } > "$out"
}
datum 1 "$corpus/datum/raw_crop.bin" <<< 'channels: 1 height: 4 width: 4 label: 3 data: "0123456789abcdef"'
datum 14 "$corpus/datum/raw3_mean.bin" <<< 'channels: 3 height: 2 width: 2 label: 1 data: "abcdefghijkl"'
datum 132 "$corpus/datum/float.bin" <<< 'channels: 1 height: 2 width: 2 float_data: 0.5 float_data: 1 float_data: 2 float_data: -1'
# A 2x2 grey PNG, encoded as convert_imageset --encoded stores it.
png=$(python3 - <<'PY'
import struct, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
raw = b"\x00\x10\x80\x00\xff\x40"
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
print("".join("\\%03o" % b for b in png))
PY
)
datum 34 "$corpus/datum/png.bin" <<< "encoded: true label: 2 data: \"$png\""

# --- idx: 2 images of 3x2 and 3 labels, plain and gzipped.
python3 - "$corpus/idx" <<'PY'
import gzip, struct, sys
d = sys.argv[1]
images = struct.pack(">IIII", 2051, 2, 3, 2) + bytes(range(12))
labels = struct.pack(">II", 2049, 3) + bytes([0, 9, 4])
open(d + "/images.idx", "wb").write(images)
open(d + "/labels.idx", "wb").write(labels)
open(d + "/images.idx.gz", "wb").write(gzip.compress(images, mtime=0))
PY

# --- image_list
printf 'cat/1.jpg 0\ndog with space.png 1\r\n\n  bird.jpg\t-2\n' > "$corpus/image_list/list.txt"
printf 'no_label_here\n' > "$corpus/image_list/bad.txt"

# --- net_prototxt: a net every Forward/Backward layer family can start from.
cat > "$corpus/net_prototxt/small.prototxt" <<'TEXT'
name: "seed"
layer { name: "in" type: "DummyData" top: "data" top: "label"
  dummy_data_param { shape { dim: 2 dim: 1 dim: 6 dim: 6 } shape { dim: 2 }
    data_filler { type: "gaussian" } data_filler { type: "constant" value: 1 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
  convolution_param { num_output: 2 kernel_size: 3 pad: 1 weight_filler { type: "xavier" } } }
layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "lrn" type: "LRN" bottom: "pool" top: "lrn" }
layer { name: "fc" type: "InnerProduct" bottom: "lrn" top: "fc" inner_product_param { num_output: 3 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
layer { name: "acc" type: "Accuracy" bottom: "fc" bottom: "label" top: "acc" }
TEXT
cat > "$corpus/net_prototxt/v1_input.prototxt" <<'TEXT'
name: "legacy"
input: "data" input_dim: 1 input_dim: 2 input_dim: 3 input_dim: 3
layers { name: "e" type: ELTWISE bottom: "data" bottom: "data" top: "e" }
layers { name: "s" type: SIGMOID bottom: "e" top: "s" }
layers { name: "t" type: TANH bottom: "s" top: "t" }
layers { name: "d" type: DROPOUT bottom: "t" top: "t" }
layers { name: "c" type: CONCAT bottom: "t" bottom: "s" top: "c" }
layers { name: "f" type: FLATTEN bottom: "c" top: "f" }
layers { name: "sm" type: SOFTMAX bottom: "f" top: "sm" }
TEXT
echo "make_seeds.sh: wrote $(find "$corpus" -type f | wc -l) seed files under $corpus"
