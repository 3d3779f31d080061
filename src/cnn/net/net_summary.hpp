// What a built net is, without running it: per layer the top shapes, the
// learnable parameters (and how many lr_mult: 0 freezes), the multiply-adds
// of a forward pass, the memory of its tops and the receptive field of its
// first top; totals, and the memory a training step needs. `cnn summary`
// prints it; shapes come from the layers' Reshape, so nothing is computed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/net/receptive_field.hpp"

namespace cnn {

class Net;

struct LayerSummary {
  std::string name;
  std::string type;
  std::vector<std::vector<int>> top_shapes;
  std::vector<bool> top_in_place;  // per top: the same blob as one of the bottoms
  int64_t params = 0;              // values of the blobs this layer owns
  int64_t frozen = 0;              // of those, the ones with lr_mult 0
  int shared_params = 0;           // blobs it shares with an earlier layer (ParamSpec.name), not counted
  // Multiply-adds of one forward pass over the whole batch: the weight
  // layers (Convolution, Deconvolution, InnerProduct, Scale) only.
  double macs = 0;
  int64_t top_bytes = 0;  // tops it creates (in-place tops reuse their bottom's)
  ReceptiveField field;   // of the first top
};

struct NetSummary {
  std::string name;
  int batch = 1;  // first axis of the first input blob
  std::vector<LayerSummary> layers;
  int64_t params = 0;
  int64_t frozen = 0;
  double macs_per_batch = 0;
  double macs_per_image = 0;
  // A training step with float blobs: weights, their gradients, one history
  // blob per parameter (SGD with momentum, Nesterov, AdaGrad, RMSProp; Adam
  // and AdaDelta keep two), every blob's values, and the gradients of the
  // blobs backward writes (all but the data layers' tops).
  int64_t weight_bytes = 0;
  int64_t gradient_bytes = 0;
  int64_t history_bytes = 0;
  int64_t activation_bytes = 0;
  int64_t activation_diff_bytes = 0;
  int64_t train_step_bytes() const {
    return weight_bytes + gradient_bytes + history_bytes + activation_bytes + activation_diff_bytes;
  }
};

NetSummary SummarizeNet(const Net& net);

// Every FillerParameter in the layers (any depth) becomes a constant 0 one:
// shapes are what an inspection needs, and drawing millions of random
// weights would be most of the time of building a large net.
void MakeFillersConstant(NetParameter* param);

}  // namespace cnn
