#include "cnn/layers/neuron/tanh_layer.hpp"

#include "cnn/core/layer_registry.hpp"

namespace cnn {

CNN_REGISTER_LAYER(TanH, TanHLayer);

}  // namespace cnn
