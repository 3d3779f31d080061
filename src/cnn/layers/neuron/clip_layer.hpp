// Clip: y = max(min, min(x, max)); the gradient passes where
// min <= x <= max, bounds included (Caffe's rule), and is 0 outside.
#pragma once

#include "cnn/layers/neuron/neuron_layer.hpp"

namespace cnn {

struct ClipOp {
  float lo = 0.f, hi = 0.f;
  // In place y is always inside the bounds: the test needs the real x.
  static constexpr bool kBackwardReadsInput = true;

  // std::max(lo, std::min(x, hi)) spelled out with the same comparisons, so
  // NaN maps to lo as in Caffe.
  CNN_HD float Forward(float x) const {
    const float upper = hi < x ? hi : x;
    return lo < upper ? upper : lo;
  }
  // dy times the 0/1 mask (not a select): a NaN dy outside stays NaN, as in Caffe.
  CNN_HD float Backward(float x, float, float dy) const { return dy * (x >= lo && x <= hi ? 1.f : 0.f); }
};

class ClipLayer : public NeuronLayer<ClipOp> {
 public:
  explicit ClipLayer(const LayerParameter& param) : NeuronLayer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  const char* type() const override { return "Clip"; }
};

}  // namespace cnn
