// BatchNormLayer on oneDNN's CPU batch normalisation. The statistics stay
// ours (BatchNormLayer::ComputeStatistics, double sums, Caffe's three blobs,
// the m / (m - 1) correction of the stored variance), so both engines keep
// the same running averages bit for bit; oneDNN then normalises with them
// (flag use_global_stats on the forward) and runs the backward: with the
// batch's statistics the full gradient through mean and variance, with
// global statistics the per-channel scale.
//
// oneDNN's backward reads the input, which a layer running in place has
// overwritten: in TRAIN the layer then keeps a copy of it (as our kernels
// keep x_hat). Our own kernels run for an empty blob or a shape oneDNN
// refuses; GPU passes are our layer's.
//
// Fused with its Scale and ReLU (batch_norm_layer.hpp) the layer runs our
// fused passes, in the channel-blocked layout a oneDNN layer before it
// kept (nChw16c and its 1-D and 3-D forms), so that the chain
// between two oneDNN convolutions reorders nothing.
#pragma once

#include <memory>
#include <vector>

#include "cnn/layers/norm/batch_norm_layer.hpp"

namespace cnn {

class DnnlLayout;

class DnnlBatchNormLayer : public BatchNormLayer {
 public:
  explicit DnnlBatchNormLayer(const LayerParameter& param);
  ~DnnlBatchNormLayer() override;

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;
  bool uses_dnnl() const { return uses_dnnl_; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  struct Primitives;
  void Prepare(const std::vector<int>& shape);
  void FusedForward_cpu(const BlobVec& bottom, const BlobVec& top);
  void FusedBackward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom);

  bool uses_dnnl_ = false;
  std::vector<int> shape_;             // the input shape uses_dnnl_ was decided for
  std::unique_ptr<Primitives> prims_;  // null until the first pass of a shape
  Blob saved_x_;                       // TRAIN in place: the input, for backward
  // The blocked layout the last fused forward pass ran in (null: plain).
  std::shared_ptr<const DnnlLayout> fused_layout_;
  norm::ChannelView fused_view_;
};

}  // namespace cnn
