// EltwiseLayer's SUM forward on oneDNN's CPU sum primitive, with the
// layer's coefficients as its scales. PROD and MAX, the backward (each
// bottom's diff is the top's scaled by its coefficient: a copy) and the GPU
// passes are our layer's; so are empty blobs and shapes oneDNN refuses.
#pragma once

#include <memory>
#include <vector>

#include "cnn/layers/math/eltwise_layer.hpp"

namespace cnn {

class DnnlEltwiseLayer : public EltwiseLayer {
 public:
  explicit DnnlEltwiseLayer(const LayerParameter& param);
  ~DnnlEltwiseLayer() override;

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;
  bool uses_dnnl() const { return uses_dnnl_; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;

 private:
  struct Primitives;
  void Prepare(int count, int bottoms);

  bool uses_dnnl_ = false;
  std::vector<int> shape_;  // the input shape uses_dnnl_ was decided for
  std::unique_ptr<Primitives> prims_;
};

}  // namespace cnn
