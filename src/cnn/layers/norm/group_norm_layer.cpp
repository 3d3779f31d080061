#include "cnn/layers/norm/group_norm_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void GroupNormLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const GroupNormParameter& p = layer_param_.group_norm_param();
  CNN_CHECK(p.has_num_groups() && p.num_groups() > 0, where() << "needs a positive num_groups");
  num_groups_ = static_cast<int>(p.num_groups());
  eps_ = p.eps();
  affine_ = p.affine();
  ComputeLayout(*bottom[0]);  // the shape checks, before any blob is made
  SetUpAffine(*bottom[0]);
}

SegmentNormLayer::Layout GroupNormLayer::ComputeLayout(const Blob& bottom) const {
  CNN_CHECK(bottom.num_axes() >= 2, where() << "needs an input of shape N x C (x spatial...), got shape "
                                            << bottom.shape_string() << " (" << bottom.num_axes()
                                            << " axis/axes)");
  const int channels = bottom.shape(1);
  CNN_CHECK(channels % num_groups_ == 0, where() << "num_groups " << num_groups_ << " does not divide the "
                                                 << channels << " channels of input shape "
                                                 << bottom.shape_string());
  Layout l;
  l.num = bottom.shape(0);
  l.groups = num_groups_;
  l.inner = bottom.count(2);
  l.group_len = channels / num_groups_ * l.inner;
  return l;
}

std::vector<int> GroupNormLayer::AffineShape(const Blob& bottom) const { return {bottom.shape(1)}; }

CNN_REGISTER_LAYER(GroupNorm, GroupNormLayer);

}  // namespace cnn
