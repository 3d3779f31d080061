#include "cnn/layers/neuron/swish_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void SwishLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  op_.beta = layer_param_.swish_param().beta();
}

CNN_REGISTER_LAYER(Swish, SwishLayer);

}  // namespace cnn
