// GroupNorm (ours; PyTorch's nn.GroupNorm): the C channels of each example
// of an N x C (x spatial...) input are split into num_groups groups of
// consecutive channels; each group is standardised over its channels and
// spatial positions by its own mean and biased variance; with `affine`
// (default true) a per-channel gamma and beta (shape C) follow. num_groups
// must divide C. Parameters: GroupNormParameter in proto/cnn.proto.
#pragma once

#include "cnn/layers/norm/segment_norm_layer.hpp"

namespace cnn {

class GroupNormLayer : public SegmentNormLayer {
 public:
  explicit GroupNormLayer(const LayerParameter& param) : SegmentNormLayer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  const char* type() const override { return "GroupNorm"; }

 protected:
  Layout ComputeLayout(const Blob& bottom) const override;
  std::vector<int> AffineShape(const Blob& bottom) const override;

 private:
  int num_groups_ = 0;
};

}  // namespace cnn
