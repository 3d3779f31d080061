#include "cnn/layers/neuron/power_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void PowerLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const PowerParameter& p = layer_param_.power_param();
  op_.power = p.power();
  op_.scale = p.scale();
  op_.shift = p.shift();
  op_.diff_scale = p.power() * p.scale();
}

CNN_REGISTER_LAYER(Power, PowerLayer);

}  // namespace cnn
