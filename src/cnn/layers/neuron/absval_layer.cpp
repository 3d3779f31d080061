#include "cnn/layers/neuron/absval_layer.hpp"

#include "cnn/core/layer_registry.hpp"

namespace cnn {

CNN_REGISTER_LAYER(AbsVal, AbsValLayer);

}  // namespace cnn
