// InstanceNorm (ours; PyTorch's nn.InstanceNorm1d/2d/3d without running
// statistics): each channel of each example of an N x C x spatial... input
// is standardised over its spatial positions by its own mean and biased
// variance; with `affine` (default false, as in PyTorch) a per-channel gamma
// and beta (shape C) follow. Parameters: InstanceNormParameter in
// proto/cnn.proto.
#pragma once

#include "cnn/layers/norm/segment_norm_layer.hpp"

namespace cnn {

class InstanceNormLayer : public SegmentNormLayer {
 public:
  explicit InstanceNormLayer(const LayerParameter& param) : SegmentNormLayer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  const char* type() const override { return "InstanceNorm"; }

 protected:
  Layout ComputeLayout(const Blob& bottom) const override;
  std::vector<int> AffineShape(const Blob& bottom) const override;
};

}  // namespace cnn
