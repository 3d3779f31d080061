#include "cnn/layers/norm/layer_norm_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void LayerNormLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const LayerNormParameter& p = layer_param_.layer_norm_param();
  const int n = bottom[0]->num_axes();
  CNN_CHECK(p.axis() >= -n && p.axis() < n,
            where() << "axis " << p.axis() << " out of range for input of shape " << bottom[0]->shape_string());
  axis_ = bottom[0]->CanonicalAxisIndex(p.axis());
  eps_ = p.eps();
  affine_ = p.affine();
  SetUpAffine(*bottom[0]);
}

SegmentNormLayer::Layout LayerNormLayer::ComputeLayout(const Blob& bottom) const {
  CNN_CHECK(axis_ < bottom.num_axes(), where() << "axis " << axis_ << " out of range for input of shape "
                                               << bottom.shape_string());
  Layout l;
  l.num = bottom.count(0, axis_);
  l.groups = 1;
  l.group_len = bottom.count(axis_);
  l.inner = 1;
  return l;
}

std::vector<int> LayerNormLayer::AffineShape(const Blob& bottom) const {
  return std::vector<int>(bottom.shape().begin() + axis_, bottom.shape().end());
}

CNN_REGISTER_LAYER(LayerNorm, LayerNormLayer);

}  // namespace cnn
