// ConcatLayer on oneDNN's CPU concat primitive, along any axis: each blob is
// seen as (outer, axis, inner) around the concat axis, so one primitive
// serves every rank. The backward is one reorder per bottom, from its
// window of the top's diff. A single bottom (the top aliases it), empty
// blobs and shapes oneDNN refuses run our own code; GPU passes are ours.
#pragma once

#include <memory>
#include <vector>

#include "cnn/layers/shape/concat_layer.hpp"

namespace cnn {

class DnnlConcatLayer : public ConcatLayer {
 public:
  explicit DnnlConcatLayer(const LayerParameter& param);
  ~DnnlConcatLayer() override;

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;
  bool uses_dnnl() const { return uses_dnnl_; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  struct Primitives;
  void Prepare(int outer, const std::vector<int>& sizes, int inner);

  bool uses_dnnl_ = false;
  std::vector<std::vector<int>> shapes_;  // the bottoms' shapes uses_dnnl_ was decided for
  std::unique_ptr<Primitives> prims_;
};

}  // namespace cnn
