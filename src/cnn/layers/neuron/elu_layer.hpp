// ELU: y = x for x > 0, alpha * (exp(x) - 1) otherwise (Caffe's
// max(x, 0) + alpha * (exp(min(x, 0)) - 1), the same values).
#pragma once

#include <math.h>

#include "cnn/layers/neuron/neuron_layer.hpp"

namespace cnn {

struct ELUOp {
  float alpha = 1.f;
  // Backward picks its branch by the sign of x, which y shares only for
  // alpha >= 0: the base keeps the input when run in place, so any alpha works.
  static constexpr bool kBackwardReadsInput = true;

  // expf(x) - 1 rather than expm1f: Caffe's numbers.
  CNN_HD float Forward(float x) const { return x > 0.f ? x : alpha * (expf(x) - 1.f); }
  CNN_HD float Backward(float x, float y, float dy) const { return x > 0.f ? dy : dy * (y + alpha); }
};

class ELULayer : public NeuronLayer<ELUOp> {
 public:
  explicit ELULayer(const LayerParameter& param) : NeuronLayer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  const char* type() const override { return "ELU"; }
};

}  // namespace cnn
