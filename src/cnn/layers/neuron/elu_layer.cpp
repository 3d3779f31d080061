#include "cnn/layers/neuron/elu_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void ELULayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) { op_.alpha = layer_param_.elu_param().alpha(); }

CNN_REGISTER_LAYER(ELU, ELULayer);

}  // namespace cnn
