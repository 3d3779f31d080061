// A built net (TEST phase, trained weights) as an ONNX model: one graph
// input per Input layer top, one graph output per net output, Caffe's blob
// names kept where the value is final (a blob rewritten in place gets
// "BLOB/LAYER" names for its earlier values), the weights as float
// initialisers. The sizes are the net's own (a fixed batch).
#pragma once

#include <string>

#include "cnn/net/net.hpp"
#include "cnn/onnx_subset.pb.h"

namespace cnn {

// The opsets whose operators the writers use with the meaning they have
// from 13 on (Softmax per axis, Split's sizes as an input).
constexpr int kMinOnnxOpset = 13;
constexpr int kMaxOnnxOpset = 18;

// Throws Error naming the layer and its type for a layer ONNX cannot
// express (or the writers do not know), and for an opset out of range.
onnx::ModelProto ExportOnnx(const Net& net, int opset, const std::string& producer_version);

// The ONNX operator types written for each Caffe type, for messages and `cnn help`.
std::string OnnxExportableTypes();

}  // namespace cnn
