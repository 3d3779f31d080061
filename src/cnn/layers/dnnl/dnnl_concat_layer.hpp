// ConcatLayer on oneDNN's CPU concat primitive, along any axis: each blob is
// seen as (outer, axis, inner) around the concat axis, so one primitive
// serves every rank. The backward is one reorder per bottom, from its
// window of the top's diff. A single bottom (the top aliases it), empty
// blobs and shapes oneDNN refuses run our own code; GPU passes are ours.
//
// With kept layouts, a concat of channels in whole blocks of 16 (each of
// GoogLeNet's inception outputs) whose bottoms arrive mostly in nChw16c
// runs in that layout: the top and, in the backward, the bottoms' diffs
// stay blocked on the blobs' private side, instead of a reorder to plain
// and back around every branch.
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
  struct Blocked;
  void Prepare(int outer, const std::vector<int>& sizes, int inner);
  bool BlockedPays(const BlobVec& bottom);
  void PrepareBlocked();
  void ForwardBlocked(const BlobVec& bottom, const BlobVec& top);
  void BackwardBlocked(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom);

  bool uses_dnnl_ = false;
  bool blockable_ = false;    // channels on axis 1, each count a multiple of 16
  bool blocked_ran_ = false;  // the last forward ran blocked: so does the backward
  std::unique_ptr<Blocked> blocked_;
  std::vector<std::vector<int>> shapes_;  // the bottoms' shapes uses_dnnl_ was decided for
  std::unique_ptr<Primitives> prims_;
};

}  // namespace cnn
