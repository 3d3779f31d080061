// AbsVal: y = |x|, dx = sign(x) * dy with sign(0) = 0 (Caffe's). Caffe
// refuses to run it in place; here the base keeps the input instead, so in
// place works and gives the same numbers.
#pragma once

#include <math.h>

#include "cnn/layers/neuron/neuron_layer.hpp"

namespace cnn {

struct AbsValOp {
  // y = |x| has lost the sign the gradient needs.
  static constexpr bool kBackwardReadsInput = true;

  CNN_HD float Forward(float x) const { return fabsf(x); }
  CNN_HD float Backward(float x, float, float dy) const {
    return dy * static_cast<float>((0.f < x) - (x < 0.f));
  }
};

class AbsValLayer : public NeuronLayer<AbsValOp> {
 public:
  explicit AbsValLayer(const LayerParameter& param) : NeuronLayer(param) {}

  const char* type() const override { return "AbsVal"; }
};

}  // namespace cnn
