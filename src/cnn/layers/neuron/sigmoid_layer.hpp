// Sigmoid: y = 1 / (1 + exp(-x)). Safe in place: the gradient needs only y.
#pragma once

#include <math.h>

#include "cnn/layers/neuron/neuron_layer.hpp"

namespace cnn {

struct SigmoidOp {
  // The tanh form never overflows, whatever the sign of x. tanhf on the
  // device may differ from the host's by an ulp or two.
  CNN_HD float Forward(float x) const { return 0.5f * tanhf(0.5f * x) + 0.5f; }
  CNN_HD float Backward(float, float y, float dy) const { return dy * y * (1.f - y); }
};

class SigmoidLayer : public NeuronLayer<SigmoidOp> {
 public:
  explicit SigmoidLayer(const LayerParameter& param) : NeuronLayer(param) {}

  const char* type() const override { return "Sigmoid"; }
};

}  // namespace cnn
