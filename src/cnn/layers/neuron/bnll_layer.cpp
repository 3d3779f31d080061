#include "cnn/layers/neuron/bnll_layer.hpp"

#include "cnn/core/layer_registry.hpp"

namespace cnn {

CNN_REGISTER_LAYER(BNLL, BNLLLayer);

}  // namespace cnn
