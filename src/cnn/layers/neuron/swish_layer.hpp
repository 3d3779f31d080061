// Swish: y = x * sigmoid(beta * x) (Caffe's Swish; beta 1 is SiLU).
#pragma once

#include "cnn/layers/neuron/neuron_layer.hpp"
#include "cnn/layers/neuron/sigmoid_layer.hpp"

namespace cnn {

struct SwishOp {
  float beta = 1.f;
  // The gradient needs sigmoid(beta * x), which y alone does not give back.
  static constexpr bool kBackwardReadsInput = true;

  // Sigmoid's own formula, so Swish and Sigmoid agree to the bit.
  CNN_HD float Forward(float x) const { return x * SigmoidOp().Forward(beta * x); }
  // dy/dx = s + beta * x * s * (1 - s) = beta * y + s * (1 - beta * y), the
  // form Caffe evaluates.
  CNN_HD float Backward(float x, float y, float dy) const {
    const float s = SigmoidOp().Forward(beta * x);
    return dy * (beta * y + s * (1.f - beta * y));
  }
};

class SwishLayer : public NeuronLayer<SwishOp> {
 public:
  explicit SwishLayer(const LayerParameter& param) : NeuronLayer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  const char* type() const override { return "Swish"; }
};

}  // namespace cnn
