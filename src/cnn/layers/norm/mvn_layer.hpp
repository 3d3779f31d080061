// MVN (Caffe's mean-variance normalisation): subtracts the mean of each
// example's channel (of each example with across_channels) and, with
// normalize_variance (the default), divides by the standard deviation plus
// eps (Caffe adds eps to the deviation, not to the variance, and uses the
// biased variance). Caffe reads the input as N x C x H x W; here any shape
// with at least one axis works the same way: the statistics run over every
// axis after the first (across_channels) or after the second.
#pragma once

#include "cnn/core/layer.hpp"

namespace cnn {

class MVNLayer : public Layer {
 public:
  explicit MVNLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "MVN"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

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
  bool normalize_variance_ = true;
  bool across_channels_ = false;
  float eps_ = 1e-9f;
  int groups_ = 0;  // independently normalised runs of values
  int dim_ = 0;     // values per run (contiguous)

  Blob mean_;     // groups_
  Blob divisor_;  // groups_: deviation + eps (1 without normalize_variance)
  // The outputs, for backward: a later in-place layer may overwrite the top.
  Blob y_;
};

}  // namespace cnn
