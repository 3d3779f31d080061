// Exp: y = base^(shift + scale * x), base -1 meaning e. Caffe's form:
// y = outer * exp(inner * x) with inner = ln(base) * scale and
// outer = base^shift, both computed once in float; dx = dy * y * inner.
#pragma once

#include <math.h>

#include "cnn/layers/neuron/neuron_layer.hpp"

namespace cnn {

struct ExpOp {
  float inner_scale = 1.f, outer_scale = 1.f;

  CNN_HD float Forward(float x) const { return outer_scale * expf(inner_scale * x); }
  // Reads only y: safe in place.
  CNN_HD float Backward(float, float y, float dy) const { return dy * y * inner_scale; }
};

class ExpLayer : public NeuronLayer<ExpOp> {
 public:
  explicit ExpLayer(const LayerParameter& param) : NeuronLayer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  const char* type() const override { return "Exp"; }
};

}  // namespace cnn
