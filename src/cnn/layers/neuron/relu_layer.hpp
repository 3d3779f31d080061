// ReLU: y = max(x, 0) + negative_slope * min(x, 0); a nonzero slope gives the
// leaky variant. Safe in place (top == bottom).
#pragma once

#include "cnn/layers/neuron/neuron_layer.hpp"

namespace cnn {

struct ReLUOp {
  float negative_slope = 0.f;

  // std::max(x, 0) + slope * std::min(x, 0) spelled out with std's own
  // comparisons (fmaxf would turn NaN into 0): a negative input with slope 0
  // gives +0, NaN propagates, and both devices agree bit for bit.
  CNN_HD float Forward(float x) const {
    const float pos = x < 0.f ? 0.f : x;
    const float neg = 0.f < x ? 0.f : x;
    return pos + negative_slope * neg;
  }
  // In place x holds the outputs, which have the inputs' signs for any
  // slope >= 0: enough to pick the branch.
  // Both products first: a select of two values vectorises, a multiply
  // inside a branch does not (it might trap).
  CNN_HD float Backward(float x, float, float dy) const {
    const float sloped = negative_slope * dy;
    return x > 0.f ? dy : sloped;
  }
};

class ReLULayer : public NeuronLayer<ReLUOp> {
 public:
  explicit ReLULayer(const LayerParameter& param) : NeuronLayer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  const char* type() const override { return "ReLU"; }
};

}  // namespace cnn
