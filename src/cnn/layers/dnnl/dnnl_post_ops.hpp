// The layers after a oneDNN convolution or inner product that its forward
// primitive runs as post-ops, so that their output is written once instead
// of written, read and written again by each layer:
//   - the in-place ReLU that follows nearly every such layer in Caffe's nets
//     (an eltwise post-op with its slope), in training too: its backward is
//     the ReLU layer's own, run by the head first (it reads only the blob's
//     values, the same either way);
//   - where no backward pass runs through them (TEST nets that planned
//     their activations, frozen layers): an in-place BatchNorm normalising
//     with its stored statistics and the per-channel Scale after it, the
//     ResNet and MobileNet pattern, folded into the head's weights and bias
//     for the pass (w * s and b * s + t per output channel, s = gamma /
//     sqrt(var + eps), t = beta - mean * s; the weights scaled in the
//     reorder into the primitive's layout that every pass runs anyway), with
//     the ReLU after them. (oneDNN's per-channel binary post-ops would do it
//     without touching the weights, but in oneDNN 2.6 they made MobileNet's
//     convolutions 1.1-2.7x slower, more than the BatchNorm pass they save.)
//   - in a forward-only net (share_activations), the Eltwise SUM that reads
//     the head's top last, a residual block's end: its other bottom is added
//     by a binary post-op in the output's layout, and the in-place ReLU on
//     the sum follows. The primitive then writes the sum's top and leaves the
//     head's own top unwritten, which only a forward-only net may do: no one
//     reads that blob after the pass (Net::PlanFusions checks).
// The taken layers stay in the net (fusing_layer.hpp). A forward pass that
// does not cover them, a head running our own kernels for its shape, or a
// chain oneDNN refuses (or would run on its reference kernel) runs them one
// by one, as they would run alone.
#pragma once

#include <dnnl.hpp>

#include <unordered_map>
#include <vector>

#include "cnn/core/fusing_layer.hpp"
#include "cnn/core/layer.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"

namespace cnn {

class BatchNormLayer;

class DnnlPostOps {
 public:
  // For FusingLayer::Fuse (the head is never in place: a convolution or an
  // inner product cannot be). `channels`: the head's output channels, axis
  // 1 of its top and of its primitive's output, where the head can fold a
  // BatchNorm into its weights (dim 0 of them); 0 takes a ReLU only.
  // Returns how many of `next` it took.
  int Take(const std::vector<FusionCandidate>& next, const FusionContext& context, int channels);
  // FusingLayer::set_fused_pass.
  void set_pass(bool on) { on_ = on && !taken_.empty(); }
  // Whether the coming passes run the taken layers inside the head.
  bool on() const { return on_; }
  // What the head took, for its messages ("a ReLU post-op").
  const char* what() const;
  // Whether a BatchNorm and Scale are folded into the head's weights and
  // bias: the fused primitive then has a bias, and reads the weights with
  // weight_factors() (DnnlArg::ReadScaled).
  bool folds_affine() const { return bn_ != nullptr; }

  // The post-ops for the head's forward primitive, whose output has layout
  // `dst` (the unfused primitive's, so every argument keeps its layout).
  dnnl::primitive_attr Attr(const dnnl::memory::desc& dst);
  // The blob the fused primitive writes: the sum's top where one is taken,
  // else the head's own.
  Blob& Output(Blob& head_top) const;
  // Before each fused pass, after the head put its own bias (or none, null)
  // into `args`: reshapes the taken layers (the sum's top is written now,
  // not after the head), computes the folded affine map, replacing the
  // bias, and adds the sum's other bottom, read in the output's layout.
  void Prepare(const float* bias, std::unordered_map<int, dnnl::memory>* args);
  // Per output channel, what the weights are multiplied by (after Prepare).
  const std::vector<float>& weight_factors() const { return scale_values_; }
  // The sum operand's argument, for the head to lend workspace to with its own.
  DnnlArg* sum_arg() { return sum_ ? &sum_arg_ : nullptr; }

  // The taken layers' own passes: forward, one by one, where the head ran
  // without the post-ops; backward (a ReLU alone) before the head's.
  void Forward() const;
  void Backward() const;

 private:
  std::vector<FusionCandidate> taken_;
  // What they are: BatchNorm + Scale (the affine map), a ReLU on the head's
  // top, an Eltwise SUM with the index of its other bottom, a ReLU on it.
  BatchNormLayer* bn_ = nullptr;
  Layer* scale_ = nullptr;
  Layer* relu_ = nullptr;
  const FusionCandidate* sum_ = nullptr;
  int sum_other_ = -1;
  int sum_index_ = 0;  // its post-op's position
  Layer* sum_relu_ = nullptr;
  int channels_ = 0;
  std::vector<float> scale_values_, folded_bias_;
  DnnlArg sum_arg_;
  bool on_ = false;
};

}  // namespace cnn
