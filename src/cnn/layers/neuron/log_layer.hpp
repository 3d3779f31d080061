// Log: y = log_base(shift + scale * x), base -1 meaning e. Caffe's form:
// y = ln(scale * x + shift) / ln(base), dx = dy * scale / ln(base) / (scale * x + shift).
// A non-positive argument gives NaN or -inf, as in Caffe (data, not a parameter).
#pragma once

#include <math.h>

#include "cnn/layers/neuron/neuron_layer.hpp"

namespace cnn {

struct LogOp {
  float scale = 1.f, shift = 0.f;
  float base_scale = 1.f;     // 1 / ln(base)
  float backward_scale = 1.f; // scale / ln(base)
  // ln's argument is not worth recovering from y (base^y loses digits).
  static constexpr bool kBackwardReadsInput = true;

  CNN_HD float Forward(float x) const { return base_scale * logf(scale * x + shift); }
  CNN_HD float Backward(float x, float, float dy) const {
    return dy * (backward_scale * (1.f / (scale * x + shift)));
  }
};

class LogLayer : public NeuronLayer<LogOp> {
 public:
  explicit LogLayer(const LayerParameter& param) : NeuronLayer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  const char* type() const override { return "Log"; }
};

}  // namespace cnn
