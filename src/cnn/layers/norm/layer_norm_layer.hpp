// LayerNorm (ours; PyTorch's nn.LayerNorm with normalized_shape =
// shape[axis:]): each example, the values of every axis from `axis` on, is
// standardised by its own mean and biased variance; with `affine` (default
// true) a gamma and beta of shape shape[axis:] scale and shift each value.
// Parameters: LayerNormParameter in proto/cnn.proto.
#pragma once

#include "cnn/layers/norm/segment_norm_layer.hpp"

namespace cnn {

class LayerNormLayer : public SegmentNormLayer {
 public:
  explicit LayerNormLayer(const LayerParameter& param) : SegmentNormLayer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  const char* type() const override { return "LayerNorm"; }

 protected:
  Layout ComputeLayout(const Blob& bottom) const override;
  std::vector<int> AffineShape(const Blob& bottom) const override;

 private:
  int axis_ = 1;
};

}  // namespace cnn
