// SoftmaxLayer on oneDNN's CPU softmax primitives, along any axis: the blob
// is seen as (outer, channels, inner) around softmax_param.axis, so one
// primitive serves every rank. The backward reads the top's data as ours
// does, so in place works the same. Our own CPU code runs for an empty blob
// and where oneDNN refuses the shape. GPU passes are our layer's.
#pragma once

#include <memory>
#include <vector>

#include "cnn/layers/math/softmax_layer.hpp"

namespace cnn {

class DnnlSoftmaxLayer : public SoftmaxLayer {
 public:
  explicit DnnlSoftmaxLayer(const LayerParameter& param);
  ~DnnlSoftmaxLayer() override;

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;
  bool uses_dnnl() const { return uses_dnnl_; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  struct Primitives;
  void Prepare(int outer, int channels, int inner);

  bool uses_dnnl_ = false;
  std::vector<int> shape_;  // the input shape uses_dnnl_ was decided for
  std::unique_ptr<Primitives> prims_;
};

}  // namespace cnn
