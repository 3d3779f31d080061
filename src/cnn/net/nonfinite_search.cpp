#include "cnn/net/nonfinite_search.hpp"

#include <cmath>
#include <sstream>

namespace cnn {
namespace {

bool AllFinite(const float* values, int count) {
  for (int i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) return false;
  }
  return true;
}

std::string LayerText(const Layer& layer) { return "layer '" + layer.name() + "' (" + layer.type() + ")"; }

}  // namespace

std::string FirstNonFiniteParameter(const Net& net) {
  for (const auto& layer : net.layers()) {
    for (size_t b = 0; b < layer->blobs().size(); ++b) {
      const Blob& w = *layer->blobs()[b];
      if (!AllFinite(w.cpu_data(), w.count()))
        return LayerText(*layer) + " holds non-finite values in its parameter blob " + std::to_string(b);
    }
  }
  return "";
}

std::string FirstNonFinite(const Net& net) {
  const auto& layers = net.layers();
  const int n = static_cast<int>(layers.size());
  // Forward: weights are read before the top is written, so bad weights
  // (a NaN filler, an earlier bad update) are named before their output.
  for (int i = 0; i < n; ++i) {
    const Layer& layer = *layers[i];
    for (size_t b = 0; b < layer.blobs().size(); ++b) {
      const Blob& w = *layer.blobs()[b];
      if (!AllFinite(w.cpu_data(), w.count()))
        return LayerText(layer) + " holds non-finite values in its parameter blob " + std::to_string(b);
    }
    for (const Blob* top : net.top_vecs()[i]) {
      if (!AllFinite(top->cpu_data(), top->count()))
        return LayerText(layer) + " made a non-finite value in its top '" + net.blob_name(top) + "' (forward pass)";
    }
  }
  // Backward runs the layers in reverse; a layer writes its parameter and
  // bottom gradients together.
  for (int i = n - 1; i >= 0; --i) {
    if (!net.layer_need_backward(i)) continue;
    const Layer& layer = *layers[i];
    for (size_t b = 0; b < layer.blobs().size(); ++b) {
      const Blob& w = *layer.blobs()[b];
      if (!AllFinite(w.cpu_diff(), w.count()))
        return LayerText(layer) + " made a non-finite gradient for its parameter blob " + std::to_string(b) +
               " (backward pass)";
    }
    for (size_t b = 0; b < net.bottom_vecs()[i].size(); ++b) {
      if (!net.bottom_need_backward()[i][b]) continue;
      const Blob* bottom = net.bottom_vecs()[i][b];
      if (!AllFinite(bottom->cpu_diff(), bottom->count()))
        return LayerText(layer) + " made a non-finite gradient for its bottom '" + net.blob_name(bottom) +
               "' (backward pass)";
    }
  }
  return "";
}

}  // namespace cnn
