// The net a deployment command (export_onnx, fold_bn, visualize) works on:
// built from its prototxt and filled from a weights file.
#pragma once

#include <memory>
#include <string>

#include "cnn/net/net.hpp"

namespace cnn {
namespace tool {

// Builds `model` and copies `weights` into it; a damaged or mismatched file
// is an Error naming it. When `why_complete` is not empty, a layer with
// learnable blobs that the file does not fill is an Error too, ending with
// `why_complete` (what filler values would spoil).
std::unique_ptr<Net> LoadTrainedNet(const NetParameter& model, const std::string& weights,
                                    const std::string& why_complete);

}  // namespace tool
}  // namespace cnn
