// InnerProductLayer on oneDNN's CPU inner-product primitives: y = W x + b
// over the whole batch, its data gradient and its weight + bias gradient,
// with the weights as stored (num_output x K, or K x num_output with
// transpose). Setup, shape checks and parameters are our layer's; our own
// CPU code runs for an empty batch, where the library refuses the shape, and,
// when DEFAULT chose this engine, for products too small to pay oneDNN's
// fixed cost per call (SmallForDnnl).
// GPU passes are our layer's. An in-place ReLU after the layer runs inside
// its forward primitive (dnnl_post_ops.hpp).
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/fusing_layer.hpp"
#include "cnn/layers/dnnl/dnnl_post_ops.hpp"
#include "cnn/layers/math/inner_product_layer.hpp"

namespace cnn {

class DnnlInnerProductLayer : public InnerProductLayer, public FusingLayer {
 public:
  explicit DnnlInnerProductLayer(const LayerParameter& param);
  ~DnnlInnerProductLayer() override;

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;
  bool uses_dnnl() const { return uses_dnnl_; }

  int Fuse(const std::vector<FusionCandidate>& next, const FusionContext& context) override;
  void set_fused_pass(bool on) override { post_.set_pass(on); }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  struct Primitives;
  void Prepare();
  // fwd, or fwd_fused in a fused pass.
  const dnnl::inner_product_forward& ForwardPrimitive();
  void PrepareBackward(bool data, bool weights);

  // M x N x K below which DEFAULT runs our kernel (see the .cpp).
  static constexpr double kSmallMultiplyAdds = 6e6;
  bool SmallForDnnl() const;

  bool uses_dnnl_ = false;
  const bool by_default_;  // DEFAULT chose this engine (LayerRegistry::ChosenByDefault)
  std::vector<int> shape_;  // the input shape uses_dnnl_ was decided for
  std::unique_ptr<Primitives> prims_;  // null until the first pass of a batch size
  DnnlPostOps post_;
};

}  // namespace cnn
