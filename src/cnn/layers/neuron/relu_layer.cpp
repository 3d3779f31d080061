#include "cnn/layers/neuron/relu_layer.hpp"

#include "cnn/core/layer_registry.hpp"

namespace cnn {

void ReLULayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  op_.negative_slope = layer_param_.relu_param().negative_slope();
}

CNN_REGISTER_LAYER(ReLU, ReLULayer);

}  // namespace cnn
