// A layer that can run layers right after it inside its own CPU passes:
// BatchNorm with the Scale and ReLU that follow it in Caffe's ResNets and
// MobileNets, say, in one pass over memory instead of three.
//
// The net asks every such layer once, after building (Net::PlanFusions),
// which of the following layers it takes; those layers then stay in the
// net as they are (their blobs, parameters and names) but the net skips
// their passes whenever it runs the head fused. What any blob holds after a
// pass is what the unfused layers leave: the candidates are layers running
// in place on the head's top, so their intermediate values were never
// visible, and a pass that stops inside the chain (ForwardFromTo ending
// there) runs the layers one by one. The one exception is a forward-only
// net (share_activations), whose blobs other than inputs, outputs and kept
// ones hold nothing the caller may read after a pass: there the net also
// offers the layer that reads the head's top last (a residual block's
// Eltwise) and the in-place layers on that layer's top.
#pragma once

#include <vector>

#include "cnn/core/blob.hpp"

namespace cnn {

class Layer;
using BlobVec = std::vector<Blob*>;  // the same alias as layer.hpp's

// One layer after the head, with its blobs in the net.
struct FusionCandidate {
  Layer* layer = nullptr;
  BlobVec bottom, top;
  // Whether it runs in place on the top of the candidate before it (of the
  // head, for the first): one bottom and one top, that blob. A candidate
  // that is not (offered in forward-only nets only) reads the head's top as
  // one of its bottoms, and no later layer reads that blob.
  bool in_place = false;
};

struct FusionContext {
  const Blob* head_top = nullptr;
  bool head_in_place = false;  // the head's top is its own bottom too
  bool need_backward = false;  // backward passes will run through the chain
  bool forward_only = false;   // the net refuses backward (share_activations)
};

class FusingLayer {
 public:
  virtual ~FusingLayer() = default;
  // `next`: the candidates after this layer, in net order. Returns how many
  // of them, from the first, this layer takes into its passes (0: none). A
  // layer takes only what it can finish as the separate layers would: every
  // blob's data and diff included (in a forward-only net, every blob the
  // caller may read).
  virtual int Fuse(const std::vector<FusionCandidate>& next, const FusionContext& context) = 0;
  // Whether the coming CPU forward pass, and the backward pass after it,
  // run the taken layers too (set by the net before every forward pass).
  virtual void set_fused_pass(bool on) = 0;
};

}  // namespace cnn
