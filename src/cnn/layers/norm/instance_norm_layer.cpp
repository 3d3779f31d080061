#include "cnn/layers/norm/instance_norm_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void InstanceNormLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const InstanceNormParameter& p = layer_param_.instance_norm_param();
  eps_ = p.eps();
  affine_ = p.affine();
  ComputeLayout(*bottom[0]);  // the shape check, before any blob is made
  SetUpAffine(*bottom[0]);
}

SegmentNormLayer::Layout InstanceNormLayer::ComputeLayout(const Blob& bottom) const {
  // Without a spatial axis every value would be its own instance.
  CNN_CHECK(bottom.num_axes() >= 3, where() << "needs an input of shape N x C x spatial..., got shape "
                                            << bottom.shape_string() << " (" << bottom.num_axes()
                                            << " axis/axes)");
  Layout l;
  l.num = bottom.shape(0);
  l.groups = bottom.shape(1);
  l.group_len = bottom.count(2);
  l.inner = l.group_len;
  return l;
}

std::vector<int> InstanceNormLayer::AffineShape(const Blob& bottom) const { return {bottom.shape(1)}; }

CNN_REGISTER_LAYER(InstanceNorm, InstanceNormLayer);

}  // namespace cnn
