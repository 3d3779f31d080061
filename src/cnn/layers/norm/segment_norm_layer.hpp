// The common part of LayerNorm, InstanceNorm and GroupNorm (PyTorch's
// semantics, see their headers): each example of the input is split into
// `groups` runs of consecutive values, each run is standardised by its own
// mean and biased variance, y = (x - mean) / sqrt(var + eps), and with
// `affine` a learned gamma and beta (blobs 0 and 1, ones and zeros at first)
// map it on: y = gamma[p] * y + beta[p], where p is the value's position in
// its example divided by `inner` (one gamma per channel when inner is the
// spatial size, one per value when it is 1). The statistics are always the
// input's own: there are no running averages, and TRAIN and TEST agree.
// A subclass says how its input splits (ComputeLayout) and what shape its
// gamma and beta have; it is not a layer type of its own.
#pragma once

#include <vector>

#include "cnn/core/layer.hpp"

namespace cnn {

class SegmentNormLayer : public Layer {
 public:
  using Layer::Layer;

  void Reshape(const BlobVec& bottom, const BlobVec& top) final;

  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  struct Layout {
    int num = 0;        // examples
    int groups = 0;     // runs per example
    int group_len = 0;  // values per run
    int inner = 1;      // consecutive values sharing one gamma and beta
  };
  // Checks the input's shape (naming the layer's parameters) and splits it.
  virtual Layout ComputeLayout(const Blob& bottom) const = 0;
  // The shape gamma and beta take for this input.
  virtual std::vector<int> AffineShape(const Blob& bottom) const = 0;

  // Called by the subclass's LayerSetUp once eps_ and affine_ are set:
  // creates gamma and beta, or checks those given with the layer.
  void SetUpAffine(const Blob& bottom);

  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

  float eps_ = 1e-5f;
  bool affine_ = false;

 private:
  Layout layout_;
  Blob mean_;     // num x groups
  Blob inv_std_;  // num x groups
  // The standardised values, for backward (the top is the bottom in place,
  // and holds gamma * x_hat + beta anyway).
  Blob x_hat_;
};

}  // namespace cnn
