// Power: y = (shift + scale * x)^power.
//
// Caffe's special cases: power * scale == 0 (power 0, or scale 0) makes y the
// constant 1 (power 0) or shift^power, with a zero gradient whatever dy is;
// power 1 and 2 skip powf. A negative base with a non-integer power is NaN,
// as in Caffe (powf's rule): it depends on the data, so it is not a parameter
// error. One deliberate difference: Caffe's gradient is
// power * scale * y / base, 0/0 = NaN where the base is 0; here it is
// power * scale * base^(power - 1), equal elsewhere (to rounding) and the
// derivative's own value at 0 (0 for power > 1, inf for power < 1).
#pragma once

#include <math.h>

#include "cnn/layers/neuron/neuron_layer.hpp"

namespace cnn {

struct PowerOp {
  float power = 1.f, scale = 1.f, shift = 0.f;
  float diff_scale = 1.f;  // power * scale, the gradient's constant factor
  // The base is not recoverable from y for even powers, nor for power 0.
  static constexpr bool kBackwardReadsInput = true;

  CNN_HD float Forward(float x) const {
    if (diff_scale == 0.f) return power == 0.f ? 1.f : powf(shift, power);
    const float base = scale * x + shift;  // Caffe's order: scale, then shift
    return power == 1.f ? base : powf(base, power);
  }
  CNN_HD float Backward(float x, float, float dy) const {
    if (diff_scale == 0.f) return 0.f;
    if (power == 1.f) return dy * diff_scale;
    // Caffe's power-2 form: diff_scale * scale * x + diff_scale * shift.
    if (power == 2.f) return dy * (diff_scale * scale * x + diff_scale * shift);
    return dy * (diff_scale * powf(scale * x + shift, power - 1.f));
  }
};

class PowerLayer : public NeuronLayer<PowerOp> {
 public:
  explicit PowerLayer(const LayerParameter& param) : NeuronLayer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  const char* type() const override { return "Power"; }
};

}  // namespace cnn
