// A layer that can run the in-place layers right after it inside its own
// CPU passes: BatchNorm with the Scale and ReLU that follow it in Caffe's
// ResNets and MobileNets, say, in one pass over memory instead of three.
//
// The net asks every such layer once, after building (Net::PlanFusions),
// which of the following layers it takes; those layers then stay in the
// net as they are (their blobs, parameters and names) but the net skips
// their passes whenever it runs the head fused. What any blob holds after a
// pass is what the unfused layers leave: only in-place followers are taken,
// so their intermediate values were never visible, and a pass that stops
// inside the chain (ForwardFromTo ending there) runs the layers one by one.
#pragma once

#include <vector>

namespace cnn {

class Layer;

class FusingLayer {
 public:
  virtual ~FusingLayer() = default;
  // `next`: the layers after this one, in net order, each running in place
  // on this layer's only top; `in_place`: whether this layer's top is its
  // own bottom too. Returns how many of `next`, from the first, this layer
  // takes into its passes (0: none); `need_backward` says whether backward
  // passes will run through them. A layer takes only what it can finish
  // as the separate layers would: every blob's data and diff included.
  virtual int Fuse(const std::vector<Layer*>& next, bool in_place, bool need_backward) = 0;
  // Whether the coming CPU forward pass, and the backward pass after it,
  // run the taken layers too (set by the net before every forward pass).
  virtual void set_fused_pass(bool on) = 0;
};

}  // namespace cnn
