// The in-place ReLU right after a oneDNN convolution or inner product,
// taken into that layer's forward primitive as an eltwise post-op (the
// rectified output written once, instead of written, read and written
// again): the `convolution + bias + ReLU` fusion of Caffe's nets, where a
// ReLU in place follows nearly every such layer.
//
// The ReLU layer stays in the net (fusing_layer.hpp) and its backward pass
// is its own, run by the head first: it reads only the blob's values, which
// are the same either way. A forward pass that does not cover the ReLU, or
// a head that runs our own kernels for its shape, leaves the post-op off
// and the ReLU runs as it would alone.
#pragma once

#include <dnnl.hpp>

#include <vector>

#include "cnn/core/layer.hpp"

namespace cnn {

class DnnlFusedReLU {
 public:
  // For FusingLayer::Fuse: takes next[0] when it is a ReLU (the head is
  // never in place: a convolution or inner product cannot be); returns
  // how many layers it took.
  int Take(const std::vector<Layer*>& next, bool in_place);
  // FusingLayer::set_fused_pass.
  void set_pass(bool on) { on_ = on && relu_ != nullptr; }
  // Whether the coming passes run the ReLU inside the head.
  bool on() const { return on_; }

  // The post-op for the head's forward primitive: relu with the layer's slope.
  dnnl::primitive_attr Attr() const;
  // The ReLU's own passes on the head's top, in place: its forward where
  // the head ran without the post-op, and its backward before the head's.
  void Forward(const BlobVec& top) const;
  void Backward(const BlobVec& top) const;

 private:
  Layer* relu_ = nullptr;
  bool on_ = false;
};

}  // namespace cnn
