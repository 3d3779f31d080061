// BatchNorm (Caffe's): normalises each channel of an N x C x ... input by the
// mean and variance of that channel over the batch and every spatial
// position, y = (x - mean) / sqrt(var + eps). There is no scale or shift
// here; Caffe nets follow it with a Scale layer (bias_term: true).
//
// Three blobs hold running statistics, in Caffe's layout: blobs[0] (C) and
// blobs[1] (C) are sums of batch means and of unbiased batch variances, each
// weighted by moving_average_fraction^age, and blobs[2] (1 value) is the sum
// of those weights. With use_global_stats (the default in TEST) the layer
// normalises by blobs[0] / blobs[2] and blobs[1] / blobs[2]; without it (the
// default in TRAIN) by the batch's own statistics, and every forward pass
// folds the batch into the sums. The blobs are statistics, not weights: the
// layer gives them lr_mult 0 so that no solver touches them, and refuses a
// param entry that asks otherwise.
#pragma once

#include "cnn/core/layer.hpp"

namespace cnn {

class BatchNormLayer : public Layer {
 public:
  explicit BatchNormLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "BatchNorm"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

  bool use_global_stats() const { return use_global_stats_; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

  // Fills mean_ and inv_std_ (and var_, the variance normalised with) for
  // this pass: from the stored sums with global statistics, else from the
  // batch in x, which is then folded into the sums. Shared with
  // DnnlBatchNormLayer, so both engines keep the same statistics bit for bit.
  void ComputeStatistics(const float* x);

  // Shared with CudnnBatchNormLayer, which keeps the same statistics.
  bool use_global_stats_ = false;
  float moving_average_fraction_ = 0.999f;
  float eps_ = 1e-5f;
  int channels_ = 0;
  int num_ = 0;    // shape(0)
  int inner_ = 0;  // product of the spatial axes (1 for N x C)

  Blob mean_;     // C: the statistics this pass normalised with
  Blob inv_std_;  // C: 1 / sqrt(var + eps)
  Blob var_;      // C: var (biased for a batch, the stored one with global statistics)
  // The normalised values, kept for backward because the top (which holds
  // the same values) is the bottom when the layer runs in place, and later
  // in-place layers (Scale, ReLU) overwrite it.
  Blob x_hat_;
  Blob mean_dy_;        // C, backward: mean of dy per channel
  Blob mean_dy_x_hat_;  // C, backward: mean of dy * x_hat per channel
};

}  // namespace cnn
