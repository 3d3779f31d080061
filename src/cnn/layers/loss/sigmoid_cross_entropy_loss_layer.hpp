// SigmoidCrossEntropyLoss: the cross-entropy of sigmoid(x) (bottom 0, any
// shape) against targets t in [0, 1] (bottom 1, as many values; soft targets
// are allowed), summed over every element and divided as
// loss_param.normalization says, BATCH_SIZE by default (Caffe's default for
// this layer). An element whose target, as an integer, equals
// loss_param.ignore_label counts for nothing. Only the scores get gradients:
// (sigmoid(x) - t) * loss_weight / divisor.
#pragma once

#include <cmath>
#include <memory>
#include <vector>

#include "cnn/core/host_device.hpp"
#include "cnn/core/layer.hpp"
#include "cnn/layers/loss/loss_normalization.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/layers/loss/loss_gpu.hpp"
#endif

namespace cnn {

// -[t log s(x) + (1 - t) log(1 - s(x))] written as max(x, 0) - x t + log(1 + e^-|x|),
// which neither overflows nor takes the log of 0 for large |x|.
CNN_HD float SigmoidCrossEntropy(float x, float t) {
  return fmaxf(x, 0.f) - x * t + log1pf(expf(-fabsf(x)));
}

CNN_HD float SigmoidOf(float x) { return 1.f / (1.f + expf(-x)); }

class SigmoidCrossEntropyLossLayer : public Layer {
 public:
  explicit SigmoidCrossEntropyLossLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "SigmoidCrossEntropyLoss"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }
  bool IsLossLayer() const override { return true; }
  bool AllowForceBackward(int bottom_index) const override { return bottom_index != 1; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

 private:
  LossNormalization norm_;
  int outer_num_ = 0, inner_num_ = 0;  // batch, elements per item
#ifdef CNN_WITH_CUDA
  std::unique_ptr<LossScratchGpu> scratch_;
#endif
};

}  // namespace cnn
