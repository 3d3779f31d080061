// TanH: y = tanh(x). Safe in place: the gradient needs only y.
#pragma once

#include <math.h>

#include "cnn/layers/neuron/neuron_layer.hpp"

namespace cnn {

struct TanHOp {
  CNN_HD float Forward(float x) const { return tanhf(x); }
  CNN_HD float Backward(float, float y, float dy) const { return dy * (1.f - y * y); }
};

class TanHLayer : public NeuronLayer<TanHOp> {
 public:
  explicit TanHLayer(const LayerParameter& param) : NeuronLayer(param) {}

  const char* type() const override { return "TanH"; }
};

}  // namespace cnn
