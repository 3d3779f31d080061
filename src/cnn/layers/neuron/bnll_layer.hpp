// BNLL (binomial normal log likelihood): y = log(1 + exp(x)), the softplus,
// written so exp never overflows: x + log(1 + exp(-x)) for x > 0. The
// gradient, sigmoid(x) = e / (e + 1) with e = exp(min(x, 50)), caps x at
// Caffe's threshold of 50 so e stays finite.
#pragma once

#include <math.h>

#include "cnn/layers/neuron/neuron_layer.hpp"

namespace cnn {

struct BNLLOp {
  static constexpr float kThreshold = 50.f;
  // sigmoid(x) from y = softplus(x) would be 1 - exp(-y): fewer digits.
  static constexpr bool kBackwardReadsInput = true;

  // log1pf keeps the tiny values of large |x| that 1 + e rounds away in float.
  CNN_HD float Forward(float x) const { return x > 0.f ? x + log1pf(expf(-x)) : log1pf(expf(x)); }
  CNN_HD float Backward(float x, float, float dy) const {
    const float e = expf(kThreshold < x ? kThreshold : x);
    return dy * e / (e + 1.f);
  }
};

class BNLLLayer : public NeuronLayer<BNLLOp> {
 public:
  explicit BNLLLayer(const LayerParameter& param) : NeuronLayer(param) {}

  const char* type() const override { return "BNLL"; }
};

}  // namespace cnn
