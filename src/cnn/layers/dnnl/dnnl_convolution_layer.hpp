// ConvolutionLayer on oneDNN's CPU convolution primitives: forward, backward
// data and backward weights + bias over the whole batch, groups through
// grouped weights (goihw), with stride, zero padding and dilation, over one,
// two or three spatial axes. Setup, shape checks and parameters are our
// layer's; only the CPU passes differ.
//
// Our own CPU code runs instead (uses_dnnl() false) for what oneDNN does not
// match: padding_mode other than ZEROS, more than three spatial axes,
// force_nd_im2col (a request for our N-D lowering), an empty batch, or a
// geometry the library refuses. Depthwise layers (group == channels) run
// here too: oneDNN's kernels ran MobileNet-v1's 3.2x faster than our direct
// loops (README, "Depthwise convolutions"), which engine: CAFFE keeps. GPU
// passes are our layer's.
//
// Primitives are built on the first pass after a shape change and kept for
// later calls; the argument layouts are the library's choice (see DnnlArg),
// or channels-last where oneDNN's blocks would pad the channels heavily
// (ChannelsLastPays). An in-place ReLU after the layer runs inside its
// forward primitive, and so, where no backward pass follows, do a BatchNorm
// and Scale after it and a residual block's sum (dnnl_post_ops.hpp).
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/fusing_layer.hpp"
#include "cnn/layers/conv/convolution_layer.hpp"
#include "cnn/layers/dnnl/dnnl_post_ops.hpp"

namespace cnn {

class DnnlConvolutionLayer : public ConvolutionLayer, public FusingLayer {
 public:
  explicit DnnlConvolutionLayer(const LayerParameter& param);
  ~DnnlConvolutionLayer() override;

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;
  // Whether the current shape runs on oneDNN (decided at Reshape).
  bool uses_dnnl() const { return uses_dnnl_; }

  int Fuse(const std::vector<FusionCandidate>& next, const FusionContext& context) override;
  void set_fused_pass(bool on) override { post_.set_pass(on); }
  // Whether the last forward pass ran the taken layers inside its primitive
  // (rather than one by one after it).
  bool ran_post_ops() const { return ran_post_ops_; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  struct Primitives;
  bool Supported() const;
  // Whether activations go channels-last rather than in oneDNN's blocks.
  bool ChannelsLastPays() const;
  Primitives& Prepare();
  // fwd, or fwd_fused in a fused pass.
  const dnnl::convolution_forward& ForwardPrimitive();
  // Builds the backward primitives the pass needs (data: bottom diffs; weights: parameter diffs).
  void PrepareBackward(bool data, bool weights);

  bool uses_dnnl_ = false;
  bool ran_post_ops_ = false;
  std::vector<int> shape_;  // the input shape uses_dnnl_ was decided for
  std::unique_ptr<Primitives> prims_;  // null until the first pass of a shape
  DnnlPostOps post_;
};

}  // namespace cnn
