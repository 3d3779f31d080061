#include "cnn/layers/neuron/clip_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void ClipLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const ClipParameter& p = layer_param_.clip_param();
  // Both fields are required in the schema: a Clip without them has no meaning.
  CNN_CHECK(layer_param_.has_clip_param() && p.has_min() && p.has_max(),
            where() << "needs clip_param with min and max");
  CNN_CHECK(p.min() <= p.max(), where() << "clip_param.min " << p.min() << " is above clip_param.max " << p.max());
  op_.lo = p.min();
  op_.hi = p.max();
}

CNN_REGISTER_LAYER(Clip, ClipLayer);

}  // namespace cnn
