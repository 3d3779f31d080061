// EltwiseLayer's SUM forward on oneDNN's CPU sum primitive, with the
// layer's coefficients as its scales. PROD and MAX, the GPU passes, empty
// blobs and shapes oneDNN refuses are our layer's.
//
// Bottoms all in one kept oneDNN layout (dnnl_layout.hpp: the residual
// branches of a ResNet between oneDNN layers) are summed in it, and the
// top keeps it; the SUM backward (each bottom's diff is the top's times
// its coefficient) then writes the bottoms' diffs in the layout the top's
// diff has, so neither pass reorders.
#pragma once

#include <dnnl.hpp>

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
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  struct Primitives;
  std::unique_ptr<Primitives> Prepare(const dnnl::memory::desc& md, int bottoms) const;

  bool uses_dnnl_ = false;
  std::vector<int> shape_;  // the input shape uses_dnnl_ was decided for
  std::unique_ptr<Primitives> prims_;  // plain
  std::unique_ptr<Primitives> kept_;   // for the last kept layout summed in
};

}  // namespace cnn
