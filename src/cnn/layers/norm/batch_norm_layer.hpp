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
//
// On the CPU a BatchNorm running in place takes in a Scale (one bottom, per
// channel) and a ReLU running in place after it (fusing_layer.hpp): the
// three then run as one pass over memory each way (bn_affine.hpp), the
// Scale's parameters and their gradients staying the Scale's. (Not in place,
// the top's diff would be left holding the Scale's input gradient, which the
// fused backward never forms.)
#pragma once

#include "cnn/core/fusing_layer.hpp"
#include "cnn/core/layer.hpp"
#include "cnn/layers/norm/bn_affine.hpp"

namespace cnn {

class BatchNormLayer : public Layer, public FusingLayer {
 public:
  explicit BatchNormLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "BatchNorm"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

  bool use_global_stats() const { return use_global_stats_; }
  int channels() const { return channels_; }
  // The stored statistics normalised with under use_global_stats, per
  // channel (the global-statistics forward's own figures).
  void StoredStatistics(float* mean, float* variance, float* inv_std) const;
  // Whether `scale` is a Scale this layer's fused passes take: one bottom,
  // a learned scale (and bias) per channel of this layer's input.
  bool PerChannelScale(const Layer& scale) const;

  int Fuse(const std::vector<FusionCandidate>& next, const FusionContext& context) override;
  void set_fused_pass(bool on) override { fused_pass_ = on && scale_; }

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
  // batch in x (laid out as `view` says), which is then folded into the
  // sums. Shared with DnnlBatchNormLayer, so both engines keep the same
  // statistics bit for bit.
  void ComputeStatistics(const float* x, const norm::ChannelView& view);
  void ComputeStatistics(const float* x) { ComputeStatistics(x, PlainView()); }
  norm::ChannelView PlainView() const { return {num_, channels_, inner_, 1}; }

  // The fused passes over arrays in `view` (bn_affine.hpp): y may be x,
  // dx may be dy; dx null when the bottom needs no gradient.
  bool fused_pass() const { return fused_pass_; }
  void FusedForward(const norm::ChannelView& view, const float* x, float* y);
  void FusedBackward(const norm::ChannelView& view, const float* dy, float* dx);

  // Shared with CudnnBatchNormLayer, which keeps the same statistics.
  bool use_global_stats_ = false;
  float moving_average_fraction_ = 0.999f;
  float eps_ = 1e-5f;
  int channels_ = 0;
  int num_ = 0;    // shape(0)
  int inner_ = 0;  // product of the spatial axes (1 for N x C)
  int input_axes_ = 0;

  Blob mean_;     // C: the statistics this pass normalised with
  Blob inv_std_;  // C: 1 / sqrt(var + eps)
  Blob var_;      // C: var (biased for a batch, the stored one with global statistics)
  // The normalised values, kept for backward because the top (which holds
  // the same values) is the bottom when the layer runs in place, and later
  // in-place layers (Scale, ReLU) overwrite it.
  Blob x_hat_;
  Blob mean_dy_;        // C, backward: mean of dy per channel
  Blob mean_dy_x_hat_;  // C, backward: mean of dy * x_hat per channel

 private:
  norm::AffineAct TakenAffine() const;

  // Fusion: the Scale taken in (null: none), whether a ReLU follows it and
  // its slope, whether backward passes will run (x_hat is then kept), and
  // whether the current pass runs them fused.
  Layer* scale_ = nullptr;
  bool relu_ = false;
  float negative_slope_ = 0.f;
  bool fused_backward_ = false;
  bool fused_pass_ = false;
};

}  // namespace cnn
