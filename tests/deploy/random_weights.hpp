// What the deploy tests (fold_bn, export_onnx) share: nets read with their
// batch size changed, random but well-scaled weights and BatchNorm
// statistics written to a .caffemodel, so folding and export are checked on
// nets whose every blob matters.
#pragma once

#include <cmath>
#include <random>
#include <string>

#include "cnn/cnn.pb.h"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"

namespace cnn {
namespace test {

// The net text with every Input layer's first axis set to `batch`.
inline NetParameter WithBatch(NetParameter param, int batch) {
  for (auto& l : *param.mutable_layer())
    if (l.type() == "Input")
      for (auto& s : *l.mutable_input_param()->mutable_shape()) s.set_dim(0, batch);
  return param;
}

// Weights drawn with a fan-in scale (activations neither vanish nor blow up
// through a deep net); BatchNorm statistics with a scale factor other than 1
// and positive variances, Scale factors near 1.
inline void Randomize(Net* net, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> gauss(0.f, 1.f);
  std::uniform_real_distribution<float> uniform(0.f, 1.f);
  for (size_t i = 0; i < net->layers().size(); ++i) {
    Layer& layer = *net->layers()[i];
    const std::string type = layer.type();
    for (size_t b = 0; b < layer.blobs().size(); ++b) {
      Blob& blob = *layer.blobs()[b];
      float* x = blob.mutable_cpu_data();
      const int fan_in = blob.num_axes() > 1 ? blob.count(1) : 1;
      for (int k = 0; k < blob.count(); ++k) {
        if (type == "BatchNorm") {
          // sums scaled by 1/0.8 so the factor matters: mean ~N(0, 0.5), var in [0.5, 1.5]
          x[k] = b == 0 ? 0.5f * gauss(rng) / 0.8f : b == 1 ? (0.5f + uniform(rng)) / 0.8f : 0.8f;
        } else if (type == "Scale" || type == "PReLU") {
          x[k] = b == 0 ? 0.75f + 0.5f * uniform(rng) : 0.1f * gauss(rng);
        } else if (b == 0) {
          x[k] = gauss(rng) * std::sqrt(2.f / fan_in);
        } else {
          x[k] = 0.1f * gauss(rng);
        }
      }
    }
  }
}

// Randomize(net) written as NAME's weights file.
inline void WriteRandomWeights(Net* net, unsigned seed, const std::string& path) {
  Randomize(net, seed);
  NetParameter w;
  net->ToProto(&w);
  WriteProtoToBinaryFile(w, path);
}

}  // namespace test
}  // namespace cnn
