// Threshold: y = 1 where x > threshold, 0 elsewhere. As in Caffe it has no
// backward pass: asked to propagate a gradient to its bottom it stops with an
// error naming the layer (Caffe aborts with NOT_IMPLEMENTED), and
// force_backward does not reach it.
#pragma once

#include <vector>

#include "cnn/layers/neuron/neuron_layer.hpp"

namespace cnn {

struct ThresholdOp {
  float threshold = 0.f;

  CNN_HD float Forward(float x) const { return x > threshold ? 1.f : 0.f; }
  // The step's derivative where it has one; never called, ThresholdLayer's
  // Backward refuses first. The base's kernel needs the member to compile.
  CNN_HD float Backward(float, float, float) const { return 0.f; }
};

class ThresholdLayer : public NeuronLayer<ThresholdOp> {
 public:
  explicit ThresholdLayer(const LayerParameter& param) : NeuronLayer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  const char* type() const override { return "Threshold"; }
  bool AllowForceBackward(int bottom_index) const override { return false; }

 protected:
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {
    Backward_cpu(top, propagate_down, bottom);
  }
#endif
};

}  // namespace cnn
